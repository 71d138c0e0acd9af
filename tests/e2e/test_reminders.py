#!/usr/bin/env python3
"""End-to-end tests of the reminders carrel-cron queues (lib/reminders.c)
and of the member's choice of channel: a loan due in 2 days, a loan 7 days
overdue, a membership ending in 7 days by email and text message, a hold
not collected; a second run queues nothing new; a run killed halfway loses
nothing and sends nothing twice; a second carrel-cron leaves the work to
the one holding the lock; the reminder days an admin sets are the ones
used. Reminders are checked as outbox rows (delivery has its own suite)."""
import datetime
import fcntl
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import circ  # noqa: E402
from circ import ADMIN, LIBRARIAN, circ_stack, lend_new_title, place_hold  # noqa: E402
from harness import BIN, run_module  # noqa: E402

NOW = "2026-12-10T08:00"      # the day every run below acts on


def outbox(stack, mid, kind=None):
    with stack.db() as db:
        return db.execute("SELECT kind, channel, recipient, subject, body, body_html, dedupe_key "
                          "FROM outbox WHERE account_id = ? AND (? IS NULL OR kind = ?) "
                          "ORDER BY id", (mid, kind, kind)).fetchall()


def outbox_total(stack):
    with stack.db() as db:
        return db.execute("SELECT count(*) FROM outbox").fetchone()[0]


def run_cron(stack, now=NOW):
    r = stack.cron("run", "--now", now)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def set_due(stack, loan_id, day):
    with stack.db() as db:
        db.execute("UPDATE loan SET due_day = ? WHERE id = ?", (day, loan_id))


def field_value(body, name):
    m = re.search(r'name="%s"[^>]*value="([^"]*)"' % name, body)
    assert m, "no field " + name
    return m.group(1)


def choose_channel(client, phone, channel):
    """The member's own profile form, sent with a phone and a channel."""
    page = client.get("/account/profile")
    return client.post("/account/profile", {
        "name": field_value(page.body, "name"), "email": field_value(page.body, "email"),
        "phone": phone, "notice_channel": channel, "csrf": page.csrf()})


def test_a_loan_due_in_two_days_gets_one_email(stack):
    staff = stack.login(*LIBRARIAN)
    _, email, mid = circ.member(stack, "Dora Due")
    _, _, loan = lend_new_title(stack, staff, email, "The Borrowed Clock")
    set_due(stack, loan, "2026-12-12")
    out = run_cron(stack)
    assert "queue-reminders" in out, out
    rows = outbox(stack, mid)
    assert len(rows) == 1, rows
    kind, channel, recipient, subject, body, html, key = rows[0]
    assert (kind, channel, recipient) == ("due-soon", "email", email), rows
    assert subject == "Due 12 Dec 2026: The Borrowed Clock", subject
    assert "The Borrowed Clock is due back on 12 Dec 2026, in 2 day(s)" in body, body
    assert "Dora Due" in body and "<strong>12 Dec 2026</strong>" in html, html
    assert key == "due-soon:%d:loan:%d:2026-12-12" % (mid, loan), key


def test_a_loan_seven_days_overdue_gets_the_seven_day_notice(stack):
    staff = stack.login(*LIBRARIAN)
    _, email, mid = circ.member(stack, "Otto Late")
    _, _, loan = lend_new_title(stack, staff, email, "The Late Return")
    set_due(stack, loan, "2026-12-03")
    run_cron(stack)
    rows = outbox(stack, mid)
    # Never told before: only the latest day reached (7), not the 1-day one.
    assert [(r[0], r[1], r[6]) for r in rows] == [
        ("overdue", "email", "overdue:%d:loan:%d:overdue-7:2026-12-03" % (mid, loan))], rows
    assert rows[0][3] == "Overdue: The Late Return", rows
    assert "was due back on 3 Dec 2026 and is now 7 day(s) overdue" in rows[0][4], rows[0][4]
    assert "The fine so far is 1.50" in rows[0][4], rows[0][4]   # 6 days after 1 of grace
    # A week later: the 14-day notice, and still nothing for day 1.
    run_cron(stack, "2026-12-17T08:00")
    keys = [r[6] for r in outbox(stack, mid)]
    assert keys == ["overdue:%d:loan:%d:overdue-7:2026-12-03" % (mid, loan),
                    "overdue:%d:loan:%d:overdue-14:2026-12-03" % (mid, loan)], keys


def test_membership_ending_reaches_each_member_by_their_channel(stack):
    both, both_email, both_id = circ.member(stack, "Bea Both")
    sms, _, sms_id = circ.member(stack, "Sam Texts")
    mail, mail_email, mail_id = circ.member(stack, "Ed Mail")
    # Text messages need a phone: refused beside the choice, what was typed kept.
    r = choose_channel(sms, "", "sms")
    assert r.status == 422, r
    assert 'id="notice_channel-error"' in r.body and "need a mobile phone number" in r.body, r.body
    assert 'value="sms" checked' in r.body, "the choice typed is kept"
    assert choose_channel(sms, "+44 7700 900123", "sms").status == 303
    assert choose_channel(both, "+44 7700 900456", "both").status == 303
    assert 'value="both" checked' in both.get("/account/profile").body
    with stack.db() as db:
        assert db.execute("SELECT notice_channel FROM account WHERE id = ?",
                          (sms_id,)).fetchone()[0] == "sms"
        assert db.execute("SELECT count(*) FROM audit WHERE action = 'account.notices' "
                          "AND object = ?", ("account:%d" % both_id,)).fetchone()[0] == 1
        db.execute("UPDATE account SET member_until = '2026-12-17' WHERE id IN (?, ?, ?)",
                   (both_id, sms_id, mail_id))
    run_cron(stack)
    got = outbox(stack, both_id, "membership-expiring")
    assert sorted((r[1], r[2]) for r in got) == [("email", both_email),
                                                 ("sms", "+44 7700 900456")], got
    sms_row = [r for r in got if r[1] == "sms"][0]
    assert sms_row[2] == "+44 7700 900456", sms_row
    assert "your membership ends on 17 Dec 2026" in sms_row[4], sms_row
    assert sms_row[6] == "membership-expiring:%d:membership:expiring-7:2026-12-17" % both_id
    only_sms = outbox(stack, sms_id, "membership-expiring")
    assert [(r[1], r[2]) for r in only_sms] == [("sms", "+44 7700 900123")], only_sms
    by_mail = outbox(stack, mail_id, "membership-expiring")
    assert [(r[1], r[2]) for r in by_mail] == [("email", mail_email)], by_mail
    assert "Your membership ends on 17 Dec 2026" == by_mail[0][3], by_mail


def test_staff_set_the_channel_on_the_member_form(stack):
    staff = stack.login(*LIBRARIAN)
    _, email, mid = circ.member(stack, "Desk Chosen")
    page = staff.get("/staff/members/%d/edit" % mid)
    assert page.status == 200 and 'value="email" checked' in page.body, page
    fields = {"name": "Desk Chosen", "email": email, "phone": "", "category": "adult",
              "notice_channel": "both", "csrf": page.csrf()}
    r = staff.post("/staff/members/%d/edit" % mid, fields)
    assert r.status == 422, r
    assert 'id="notice_channel-error"' in r.body and 'value="both" checked' in r.body, r.body
    fields["phone"] = "+44 7700 900789"
    assert staff.post("/staff/members/%d/edit" % mid, fields).status == 303
    with stack.db() as db:
        assert db.execute("SELECT notice_channel, phone FROM account WHERE id = ?",
                          (mid,)).fetchone() == ("both", "+44 7700 900789")


def test_a_second_run_queues_nothing_new(stack):
    before = outbox_total(stack)
    assert before > 0
    out = run_cron(stack)
    assert "0 due soon, 0 overdue, 0 membership ending queued" in out, out
    assert outbox_total(stack) == before


def test_a_run_killed_halfway_loses_nothing(stack):
    staff = stack.login(*LIBRARIAN)
    people = []
    for i in range(5):
        _, email, mid = circ.member(stack, "Kim Crash %d" % i)
        _, _, loan = lend_new_title(stack, staff, email, "Crash Course %d" % i)
        set_due(stack, loan, "2026-12-11")
        people.append((mid, loan))
    # A run that committed a batch for the first two, then died.
    with stack.db() as db:
        for mid, loan in people[:2]:
            db.execute("INSERT INTO outbox(account_id, kind, channel, recipient, subject, body, "
                       "dedupe_key, next_attempt_at, created_at) VALUES (?, 'due-soon', 'email', "
                       "'x@test.example', 'queued before the crash', 'b', ?, 0, 0)",
                       (mid, "due-soon:%d:loan:%d:2026-12-11" % (mid, loan)))
    # Another run killed while its batch was under way: the desk holds the
    # database, the run waits, and is killed before it commits anything.
    holder = stack.db()
    holder.isolation_level = None
    holder.execute("BEGIN IMMEDIATE")
    proc = subprocess.Popen([os.path.join(BIN, "carrel-cron"), "run", "--now", NOW],
                            env=stack.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    proc.kill()
    proc.wait()
    holder.execute("ROLLBACK")
    holder.close()
    run_cron(stack)
    for mid, loan in people:
        rows = outbox(stack, mid, "due-soon")
        assert len(rows) == 1, (mid, rows)
    # The two queued before the crash were left as they were.
    assert outbox(stack, people[0][0], "due-soon")[0][3] == "queued before the crash"
    assert outbox(stack, people[4][0], "due-soon")[0][3] == "Due 11 Dec 2026: Crash Course 4"


def test_a_second_cron_leaves_the_work_to_the_first(stack):
    staff = stack.login(*LIBRARIAN)
    _, email, mid = circ.member(stack, "Lou Locked")
    _, _, loan = lend_new_title(stack, staff, email, "The Locked Room")
    set_due(stack, loan, "2026-12-12")
    with open(stack.env["CARREL_DB"] + ".cron-lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        r = stack.cron("run", "--now", NOW)
        assert r.returncode == 0, r
        assert "another carrel-cron is running" in r.stderr, r.stderr
        assert outbox(stack, mid) == []
        fcntl.flock(lock, fcntl.LOCK_UN)
    run_cron(stack)
    assert [r[0] for r in outbox(stack, mid)] == ["due-soon"]


def test_the_reminder_days_an_admin_sets_are_used(stack):
    admin = stack.login(*ADMIN)
    page = admin.get("/admin/notices")
    assert page.status == 200 and 'value="1, 7, 14"' in page.body, page
    r = admin.post("/admin/notices/settings", {"due_soon_days": "2", "overdue_days": "3, 400",
                                               "expiry_days": "14,7,1", "csrf": page.csrf()})
    assert r.status == 422, r
    assert 'id="overdue_days-error"' in r.body and "from 1 to 365" in r.body, r.body
    assert 'value="3, 400"' in r.body, "what was typed is kept"
    r = admin.post("/admin/notices/settings", {"due_soon_days": "2", "overdue_days": "3",
                                               "expiry_days": "14,7,1", "csrf": page.csrf()})
    assert r.status == 303, r
    staff = stack.login(*LIBRARIAN)
    _, email, mid = circ.member(stack, "Tess Three")
    _, _, loan = lend_new_title(stack, staff, email, "Three Days Late")
    set_due(stack, loan, "2026-12-07")
    run_cron(stack)
    assert [r[6] for r in outbox(stack, mid)] == [
        "overdue:%d:loan:%d:overdue-3:2026-12-07" % (mid, loan)]
    r = admin.post("/admin/notices/settings", {"due_soon_days": "2", "overdue_days": "1,7,14",
                                               "expiry_days": "14,7,1", "csrf": page.csrf()})
    assert r.status == 303, r


def test_a_hold_not_collected_is_told(stack):
    staff = stack.login(*LIBRARIAN)
    _, lender_email, _ = circ.member(stack, "Len Lender")
    waiter, _, wid = circ.member(stack, "Wes Waiting")
    tid, code, _ = lend_new_title(stack, staff, lender_email, "The Uncollected")
    assert place_hold(waiter, tid).status == 303
    assert circ.checkin(staff, code).status == 303
    with stack.db() as db:
        hid, pickup = db.execute("SELECT id, pickup_by FROM hold WHERE account_id = ? "
                                 "AND status = 'ready'", (wid,)).fetchone()
    y, m, d = (int(x) for x in pickup.split("-"))
    after = datetime.date(y, m, d) + datetime.timedelta(days=1)
    run_cron(stack, after.isoformat() + "T08:00")
    rows = outbox(stack, wid, "hold-expired")
    assert len(rows) == 1, outbox(stack, wid)
    shown = "%d %s" % (d, datetime.date(y, m, d).strftime("%b %Y"))
    assert rows[0][3] == "Hold ended: The Uncollected", rows
    assert "waited for you on the hold shelf until %s" % shown in rows[0][4], rows[0][4]
    assert rows[0][6] == "hold-expired:%d:hold:%d:%s" % (wid, hid, pickup), rows
    run_cron(stack, after.isoformat() + "T09:00")
    assert len(outbox(stack, wid, "hold-expired")) == 1


if __name__ == "__main__":
    sys.exit(run_module(globals(), circ_stack()))
