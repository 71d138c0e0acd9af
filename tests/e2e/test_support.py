#!/usr/bin/env python3
"""End-to-end tests of questions to the library: the support form for
visitors and members (refusals with the reason beside the field and what
was typed kept, a throttle for visitors), staff told in-app of a new
question, the staff's list and answers (delivered by carrel-cron to a real
SMTP server on loopback, and in-app for members), follow-ups that reopen a
question, closing and reopening with their audit rows; and the refusals: a
member answering as staff (403), a member opening another's question (404),
adding to a closed one (409)."""
import html
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from circ import ADMIN, LIBRARIAN, circ_stack, member, set_clock  # noqa: E402
from harness import Client, run_module  # noqa: E402
from mailbox import Mailbox  # noqa: E402

MB = Mailbox()
FROM = "desk@riverside.example"
_n = [0]


def text(body):
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body))


def unique(words):
    _n[0] += 1
    return "%s %d" % (words, _n[0])


def set_visitor_limit(stack, n):
    with stack.db() as db:
        db.execute("INSERT OR REPLACE INTO setting(key, value) "
                   "VALUES ('support.visitor_per_hour', ?)", (str(n),))


def ask(client, subject, message, name=None, email=None):
    page = client.get("/support")
    assert page.status == 200, page
    fields = {"subject": subject, "message": message, "csrf": page.csrf()}
    if name is not None:
        fields["name"] = name
    if email is not None:
        fields["email"] = email
    return client.post("/support", fields)


def ticket(stack, subject):
    with stack.db() as db:
        return db.execute("SELECT id, account_id, name, email, status FROM support_ticket "
                          "WHERE subject = ?", (subject,)).fetchone()


def status_of(stack, tid):
    with stack.db() as db:
        return db.execute("SELECT status FROM support_ticket WHERE id = ?", (tid,)).fetchone()[0]


def messages(stack, tid):
    with stack.db() as db:
        return db.execute("SELECT from_staff, body FROM support_message WHERE ticket_id = ? "
                          "ORDER BY id", (tid,)).fetchall()


def audits(stack, action, tid):
    with stack.db() as db:
        return db.execute("SELECT count(*) FROM audit WHERE action = ? AND object = ?",
                          (action, "support_ticket:%d" % tid)).fetchone()[0]


def staff_told(stack, tid, email=LIBRARIAN[0]):
    with stack.db() as db:
        return db.execute("SELECT count(*) FROM notification n JOIN account a "
                          "ON a.id = n.account_id WHERE a.email = ? AND n.kind = "
                          "'support-ticket' AND n.link = ?",
                          (email, "/staff/support/%d" % tid)).fetchone()[0]


def answer(staff, tid, words):
    page = staff.get("/staff/support/%d" % tid)
    assert page.status == 200, page
    return staff.post("/staff/support/%d/answer" % tid, {"message": words, "csrf": page.csrf()})


def staff_action(staff, tid, action):
    page = staff.get("/staff/support/%d" % tid)
    return staff.post("/staff/support/%d/%s" % (tid, action), {"csrf": page.csrf()})


def follow_up(client, tid, words):
    page = client.get("/account/support/%d" % tid)
    token = page.csrf() or client.get("/account").csrf()
    return client.post("/account/support/%d" % tid, {"message": words, "csrf": token})


def deliver(stack):
    r = stack.cron("deliver")
    assert r.returncode == 0, r.stdout + r.stderr


def field_error(body, field):
    m = re.search(r'<p class="field-error" id="%s-error">(.*?)</p>' % field, body, re.S)
    return html.unescape(m.group(1)) if m else None


def member_ticket(stack, name, subject, question="Where do I find the large print books?"):
    c, email, mid = member(stack, name)
    r = ask(c, subject, question)
    assert r.status == 303 and r.header("Location") == "/support/sent", r
    return c, email, mid, ticket(stack, subject)[0]


def test_visitor_opens_a_question_and_staff_are_told(stack):
    visitor = Client(stack.port)
    page = visitor.get("/support")
    assert 'name="name"' in page.body and 'name="email"' in page.body
    subject = unique("Opening hours at Christmas")
    r = ask(visitor, subject, "Are you open on the 27th?\nThank you.", "Vera Visitor",
            "vera@example.org")
    assert r.status == 303 and r.header("Location") == "/support/sent", r
    sent = visitor.get("/support/sent")
    assert sent.status == 200 and "your question was sent" in sent.body
    assert "by email to the address you gave" in sent.body
    tid, account, name, email, status = ticket(stack, subject)
    assert (account, name, email, status) == (None, "Vera Visitor", "vera@example.org", "open")
    assert messages(stack, tid) == [(0, "Are you open on the 27th?\nThank you.")]
    assert staff_told(stack, tid) == 1 and staff_told(stack, tid, ADMIN[0]) == 1
    staff = stack.login(*LIBRARIAN)
    notes = staff.get("/staff/notifications")
    assert "New question: %s" % subject in html.unescape(notes.body)
    page = staff.get("/staff/support/%d" % tid)
    assert page.status == 200 and "Vera Visitor" in page.body and "vera@example.org" in page.body
    assert "Are you open on the 27th?\nThank you." in html.unescape(page.body)


def test_refused_questions_keep_what_was_typed(stack):
    visitor = Client(stack.port)
    subject = unique("An empty question")
    r = ask(visitor, subject, "   ", "Ed Empty", "ed@example.org")
    assert r.status == 422, r
    assert field_error(r.body, "message") == "Please write your question.", r.body
    assert 'value="%s"' % subject in r.body and 'value="ed@example.org"' in r.body
    r = ask(visitor, subject, "Is there parking?", "Ed Empty", "ed at example")
    assert r.status == 422, r
    assert field_error(r.body, "email"), r.body
    assert 'aria-describedby="email-error"' in r.body and 'value="ed at example"' in r.body
    assert ">Is there parking?</textarea>" in r.body
    r = ask(visitor, "", "Is there parking?", "", "ed@example.org")
    assert r.status == 422 and field_error(r.body, "subject") and field_error(r.body, "name")
    assert ticket(stack, subject) is None
    # A member is asked neither name nor email.
    m, _, _ = member(stack, "Maud Member")
    page = m.get("/support")
    assert 'name="email"' not in page.body and 'name="name"' not in page.body
    assert 'href="/account/support"' in page.body
    r = ask(m, subject, "")
    assert r.status == 422 and field_error(r.body, "message"), r
    assert ticket(stack, subject) is None


def test_member_gets_the_answer_by_email_and_in_app(stack):
    MB.clear()
    subject = unique("Lost my card")
    m, email, mid, tid = member_ticket(stack, "Lena Lost", subject)
    row = ticket(stack, subject)
    assert row[1] == mid and row[2:4] == ("", ""), row
    assert "Waiting for the library" in m.get("/account/support").body
    staff = stack.login(*LIBRARIAN)
    listing = staff.get("/staff/support")
    assert 'href="/staff/support/%d"' % tid in listing.body and "Lena Lost" in listing.body
    page = staff.get("/staff/support/%d" % tid)
    assert 'href="/staff/members/%d"' % mid in page.body
    # An empty answer is refused beside the box.
    r = answer(staff, tid, "  ")
    assert r.status == 422 and field_error(r.body, "message") == "Please write a message.", r
    assert status_of(stack, tid) == "open"
    words = "We have cancelled the old card; a new one waits for you at the desk."
    r = answer(staff, tid, words)
    assert r.status == 303 and r.header("Location") == "/staff/support/%d?done=answered" % tid
    assert "Your answer was sent." in staff.get(r.header("Location")).body
    assert status_of(stack, tid) == "answered"
    assert messages(stack, tid)[-1] == (1, words)
    assert audits(stack, "support.answer", tid) == 1
    # In the member's account, in their notifications, and by email.
    mine = text(m.get("/account/support").body)
    assert words in mine and "Answered" in mine, mine
    with stack.db() as db:
        n = db.execute("SELECT subject, link FROM notification WHERE account_id = ? "
                       "AND kind = 'support-answer'", (mid,)).fetchall()
    assert n == [("Re: %s" % subject, "/account/support/%d" % tid)], n
    assert "Re: %s" % subject in html.unescape(m.get("/account/notifications").body)
    deliver(stack)
    got = MB.wait_for(1)
    mail = [x for x in MB.to(email)]
    assert len(mail) == 1, got
    assert mail[0].subject == "Re: %s" % subject
    assert words in mail[0].text and "/account/support/%d" % tid in mail[0].text
    assert "Lena Lost" in mail[0].text and words in mail[0].html


def test_visitor_gets_the_answer_by_email(stack):
    MB.clear()
    visitor = Client(stack.port)
    subject = unique("Donating books")
    assert ask(visitor, subject, "Do you take donations?", "Dora Donor",
               "dora@example.org").status == 303
    tid = ticket(stack, subject)[0]
    staff = stack.login(*LIBRARIAN)
    page = staff.get("/staff/support/%d" % tid)
    assert "sent by email to dora@example.org" in page.body
    words = "Yes, on Saturday mornings."
    assert answer(staff, tid, words).status == 303
    with stack.db() as db:
        rows = db.execute("SELECT account_id, channel, recipient FROM outbox "
                          "WHERE kind = 'support-answer' AND recipient = ?",
                          ("dora@example.org",)).fetchall()
    assert rows == [(None, "email", "dora@example.org")], rows
    deliver(stack)
    MB.wait_for(1)
    mail = MB.to("dora@example.org")
    assert len(mail) == 1 and mail[0].subject == "Re: %s" % subject
    assert "Dear Dora Donor" in mail[0].text and words in mail[0].text


def test_member_cannot_answer_or_close_as_staff(stack):
    subject = unique("Answer myself")
    m, _, _, tid = member_ticket(stack, "Sly Member", subject)
    token = m.get("/account").csrf()
    for action in ("answer", "close", "reopen"):
        r = m.post("/staff/support/%d/%s" % (tid, action),
                   {"message": "Solved it myself", "csrf": token})
        assert r.status == 403, (action, r)
    assert m.get("/staff/support").status == 403
    assert m.get("/staff/support/%d" % tid).status == 403
    assert status_of(stack, tid) == "open" and len(messages(stack, tid)) == 1
    assert audits(stack, "support.answer", tid) == 0
    # A visitor is sent to log in.
    r = Client(stack.port).get("/account/support")
    assert r.status == 303 and r.header("Location").startswith("/login"), r


def test_another_members_question_is_not_found(stack):
    subject = unique("Private matter")
    a, _, _, tid = member_ticket(stack, "Alice Asker", subject)
    b, _, _ = member(stack, "Bob Browser")
    r = b.get("/account/support/%d" % tid)
    assert r.status == 404 and '<header class="site">' in r.body, r
    r = follow_up(b, tid, "Let me in")
    assert r.status == 404, r
    assert len(messages(stack, tid)) == 1
    assert subject not in b.get("/account/support").body
    assert subject in a.get("/account/support").body
    assert b.get("/account/support/999999").status == 404


def test_follow_up_reopens_an_answered_question(stack):
    subject = unique("Renewing a magazine")
    m, _, _, tid = member_ticket(stack, "Fay Follow", subject)
    staff = stack.login(*LIBRARIAN)
    assert answer(staff, tid, "Magazines cannot be renewed.").status == 303
    assert status_of(stack, tid) == "answered"
    r = follow_up(m, tid, "")
    assert r.status == 422 and field_error(r.body, "message"), r
    r = follow_up(m, tid, "Not even once?")
    assert r.status == 303 and r.header("Location") == "/account/support/%d?done=sent" % tid
    assert "Your message was added." in m.get(r.header("Location")).body
    assert status_of(stack, tid) == "open"
    assert [x[0] for x in messages(stack, tid)] == [0, 1, 0]
    with stack.db() as db:
        told = db.execute("SELECT count(*) FROM notification WHERE kind = 'support-ticket' "
                          "AND subject = ?", ("Follow-up: %s" % subject,)).fetchone()[0]
    assert told == 2, told      # the librarian and the admin
    listing = staff.get("/staff/support?status=open")
    assert 'href="/staff/support/%d"' % tid in listing.body


def test_close_and_reopen(stack):
    subject = unique("Wrong fine")
    m, _, _, tid = member_ticket(stack, "Cleo Close", subject)
    staff = stack.login(*LIBRARIAN)
    assert answer(staff, tid, "We have waived it.").status == 303
    r = staff_action(staff, tid, "close")
    assert r.status == 303 and r.header("Location") == "/staff/support/%d?done=closed" % tid
    assert status_of(stack, tid) == "closed"
    assert audits(stack, "support.close", tid) == 1
    trail = stack.login(*ADMIN).get("/admin/audit").body
    assert "Question closed" in trail and "Question answered" in trail
    page = staff.get("/staff/support/%d" % tid)
    assert "Reopen the question" in page.body and 'action="/staff/support/%d/answer"' % tid \
        not in page.body
    # Nothing is added to a closed question, by either side.
    r = follow_up(m, tid, "Thanks, one more thing")
    assert r.status == 409 and "This question is closed" in r.body, r
    assert ">Thanks, one more thing</textarea>" not in r.body   # no form; the reason shows
    r = answer(staff, tid, "Late addition")
    assert r.status == 409 and "Reopen it to answer" in r.body, r
    assert len(messages(stack, tid)) == 2
    page = m.get("/account/support/%d" % tid)
    assert "This question is closed" in page.body and 'name="message"' not in page.body
    # Reopened, it is answered again (the library wrote last).
    r = staff_action(staff, tid, "reopen")
    assert r.status == 303 and status_of(stack, tid) == "answered"
    assert audits(stack, "support.reopen", tid) == 1
    assert follow_up(m, tid, "Thanks, one more thing").status == 303
    assert status_of(stack, tid) == "open"


def test_staff_list_puts_waiting_questions_first_and_filters(stack):
    staff = stack.login(*LIBRARIAN)
    closed = unique("Closed question")
    answered = unique("Answered question")
    waiting = unique("Waiting question")
    ids = {}
    for subject in (waiting, answered, closed):
        ids[subject] = member_ticket(stack, "List Member", subject)[3]
    assert answer(staff, ids[answered], "Done.").status == 303
    assert answer(staff, ids[closed], "Done.").status == 303
    assert staff_action(staff, ids[closed], "close").status == 303
    body = staff.get("/staff/support").body
    where = [body.index('href="/staff/support/%d"' % ids[s]) for s in (waiting, answered, closed)]
    assert where == sorted(where), where
    only_closed = staff.get("/staff/support?status=closed").body
    assert closed in only_closed and waiting not in only_closed and answered not in only_closed
    only_open = staff.get("/staff/support?status=open").body
    assert waiting in only_open and closed not in only_open
    assert 'aria-current="page"' in only_open


def test_visitors_are_throttled_but_members_are_not(stack):
    set_clock(stack, 1)         # past the hour of every earlier visitor's question
    set_visitor_limit(stack, 2)
    try:
        visitor = Client(stack.port)
        for i in range(2):
            assert ask(visitor, unique("Throttle"), "Question %d" % i, "Tim Throttle",
                       "tim@example.org").status == 303
        subject = unique("One too many")
        r = ask(visitor, subject, "A third question", "Tim Throttle", "tim@example.org")
        assert r.status == 429 and r.header("Retry-After") == "3600", r
        assert "Please try again in an hour" in r.body
        assert 'value="%s"' % subject in r.body and ">A third question</textarea>" in r.body
        assert ticket(stack, subject) is None
        m, _, _ = member(stack, "Mo Member")
        assert ask(m, subject, "From my account").status == 303
        # The hour over, visitors may ask again.
        set_clock(stack, 2)
        assert ask(visitor, unique("Next hour"), "Again", "Tim Throttle",
                   "tim@example.org").status == 303
    finally:
        set_visitor_limit(stack, 1000)


def stop_servers():
    MB.close()


if __name__ == "__main__":
    MB.start()
    STACK = circ_stack()
    STACK.env.update(CARREL_SMTP_URL=MB.url, CARREL_SMTP_FROM=FROM)
    set_visitor_limit(STACK, 1000)
    sys.exit(run_module(globals(), STACK, cleanup=stop_servers))
