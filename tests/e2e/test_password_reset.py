#!/usr/bin/env python3
"""End-to-end tests of "Forgot your password?" and of registration that
tells nobody whether an email address has an account.

The links are read from the emails queued in the outbox (the body of the
newest password-reset or registration-confirm email to an address). Each
test starts in a throttling window of its own: the library's clock
(test.clock_offset) moves on two hours, so the requests of one test do not
count against the next."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Client, Stack, confirm_registration, emailed_link, plan_id, run_module  # noqa: E402
import mailbox  # noqa: E402  (tests/e2e/mailbox.py once delivery is in, else Python's own)

# The real SMTP server on loopback of tests/e2e/mailbox.py, when delivery
# (carrel-cron deliver) is part of this tree; Python's own mailbox module
# has no SmsReceiver.
Mailbox = mailbox.Mailbox if hasattr(mailbox, "SmsReceiver") else None

PER_EMAIL = 3
PER_IP = 8
REGISTER_PER_IP = 4
SENT_WORDS = "If an account uses that address, we have sent it a link"
_n = [0]
_clock = [0]


def unique_email(tag="reset"):
    _n[0] += 1
    return "%s%d.%d@test.example" % (tag, _n[0], os.getpid())


def move_clock(stack, seconds):
    _clock[0] += seconds
    with stack.db() as db:
        db.execute("INSERT OR REPLACE INTO setting(key, value) VALUES ('test.clock_offset', ?)",
                   (str(_clock[0]),))


def fresh_window(stack):
    """Past every throttling window and every link of earlier tests."""
    move_clock(stack, 2 * 3600 + 60)


def member(stack, password="old password 1"):
    email = unique_email("member")
    stack.add_user(email, "Rhea Reset", "member", password)
    return email


def ask_for_link(client, email):
    page = client.get("/password/forgot")
    assert page.status == 200, page
    return client.post("/password/forgot", {"email": email, "csrf": page.csrf()})


def emails(stack, email, kind):
    with stack.db() as db:
        return db.execute("SELECT count(*) FROM outbox WHERE recipient = ? COLLATE NOCASE "
                          "AND kind = ?", (email, kind)).fetchone()[0]


def login(stack, email, password):
    c = Client(stack.port)
    return c, c.form("/login", "/login", {"email": email, "password": password})


def alert_text(body):
    m = re.search(r'<p class="alert" role="alert">(.*?)</p>', body, re.S)
    return m.group(1) if m else None


def set_password(client, path, password, again=None):
    page = client.get(path)
    assert page.status == 200, page
    return client.post(path, {"password": password,
                              "password_again": password if again is None else again,
                              "csrf": page.csrf()})


# ---- tests ----

def test_login_page_links_to_forgot_and_the_form_is_plain(stack):
    r = Client(stack.port).get("/login")
    assert 'href="/password/forgot"' in r.body and "Forgot your password?" in r.body
    r = Client(stack.port).get("/password/forgot")
    assert r.status == 200 and 'name="email"' in r.body and r.csrf(), r


def test_full_reset_flow_ends_other_sessions(stack):
    fresh_window(stack)
    email = member(stack)
    phone, _ = login(stack, email, "old password 1")
    laptop, _ = login(stack, email, "old password 1")
    assert phone.get("/account").status == 200 and laptop.get("/account").status == 200
    c = Client(stack.port)
    r = ask_for_link(c, email)
    assert r.status == 303 and r.header("Location") == "/password/forgot?done=sent", r
    page = c.get(r.header("Location"))
    assert SENT_WORDS in page.body, page.body
    assert emails(stack, email, "password-reset") == 1
    path = emailed_link(stack, email, "password-reset")
    assert path.startswith("/password/reset/"), path
    with stack.db() as db:
        subject, body = db.execute("SELECT subject, body FROM outbox WHERE recipient = ? "
                                   "AND kind = 'password-reset'", (email,)).fetchone()
        # Only the hash of the token is kept.
        token = path.rsplit("/", 1)[1]
        stored = [bytes(r[0]) for r in db.execute("SELECT token_hash FROM password_reset")]
        assert all(token.encode() not in h for h in stored) and len(stored[-1]) == 32
    assert subject == "Reset your password" and "within 60 minutes" in body, body
    r = set_password(c, path, "new password 2")
    assert r.status == 303 and r.header("Location") == "/login?done=password_reset", r
    assert "Your password was changed; please log in." in c.get(r.header("Location")).body
    # Every session of the account ended.
    for device in (phone, laptop):
        r = device.get("/account")
        assert r.status == 303 and r.header("Location").startswith("/login"), r
    _, r = login(stack, email, "old password 1")
    assert r.status == 422 and "not right" in r.body, r
    _, r = login(stack, email, "new password 2")
    assert r.status == 303, r
    with stack.db() as db:
        action, detail = db.execute("SELECT action, detail FROM audit WHERE object = "
                                    "(SELECT 'account:' || id FROM account WHERE email = ?) "
                                    "AND action NOT LIKE 'login%' "
                                    "ORDER BY id DESC LIMIT 1", (email,)).fetchone()
        failed = db.execute("SELECT count(*) FROM audit WHERE action = 'login.failed' "
                            "AND detail LIKE ? || '%'", (email,)).fetchone()[0]
    assert action == "account.password-reset" and "127.0.0.1" in detail, (action, detail)
    # The old password's try after the reset is in the trail too.
    assert failed >= 1


def test_a_link_works_once_and_ends_the_others(stack):
    fresh_window(stack)
    email = member(stack)
    c = Client(stack.port)
    ask_for_link(c, email)
    first = emailed_link(stack, email, "password-reset")
    ask_for_link(c, email)
    second = emailed_link(stack, email, "password-reset")
    assert first != second
    # Asking again does not end the first link.
    assert c.get(first).status == 200
    r = set_password(c, second, "second password")
    assert r.status == 303, r
    for path in (second, first):
        r = c.get(path)
        assert r.status == 404, r
        assert "This link has expired or was already used" in r.body
        assert 'href="/password/forgot"' in r.body
        assert r.csrf() is None
        # Posting to it changes nothing either.
        r = c.post(path, {"password": "third password", "password_again": "third password",
                          "csrf": c.cookies.get("carrel_csrf", "")})
        assert r.status == 404 and "already used" in r.body, r
    _, r = login(stack, email, "third password")
    assert r.status == 422, r
    _, r = login(stack, email, "second password")
    assert r.status == 303, r


def test_an_expired_link_is_refused(stack):
    fresh_window(stack)
    email = member(stack)
    c = Client(stack.port)
    ask_for_link(c, email)
    path = emailed_link(stack, email, "password-reset")
    move_clock(stack, 59 * 60)
    assert c.get(path).status == 200
    move_clock(stack, 2 * 60)
    r = c.get(path)
    assert r.status == 404 and "This link has expired or was already used" in r.body, r
    _, r = login(stack, email, "old password 1")
    assert r.status == 303, r


def test_unknown_email_answers_the_same_and_sends_nothing(stack):
    fresh_window(stack)
    known = member(stack)
    unknown = unique_email("nobody")
    c = Client(stack.port)
    with stack.db() as db:
        before = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    r1 = ask_for_link(c, known)
    r2 = ask_for_link(c, unknown)
    assert (r1.status, r1.header("Location")) == (r2.status, r2.header("Location")), (r1, r2)
    assert c.get(r2.header("Location")).body.count(SENT_WORDS) == 1
    with stack.db() as db:
        after = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    assert after == before + 1 and emails(stack, unknown, "password-reset") == 0
    # A malformed address is a form error, beside the control.
    page = c.get("/password/forgot")
    r = c.post("/password/forgot", {"email": "not-an-email", "csrf": page.csrf()})
    assert r.status == 422 and 'id="email-error"' in r.body and 'value="not-an-email"' in r.body


def test_requests_per_address_are_throttled_silently(stack):
    fresh_window(stack)
    email = member(stack)
    c = Client(stack.port)
    for _ in range(PER_EMAIL + 2):
        r = ask_for_link(c, email)
        assert r.status == 303 and r.header("Location") == "/password/forgot?done=sent", r
    assert emails(stack, email, "password-reset") == PER_EMAIL
    # The next window sends again.
    fresh_window(stack)
    ask_for_link(c, email)
    assert emails(stack, email, "password-reset") == PER_EMAIL + 1


def test_requests_per_client_are_throttled_with_429(stack):
    fresh_window(stack)
    c = Client(stack.port)
    for _ in range(PER_IP):
        assert ask_for_link(c, unique_email("many")).status == 303
    email = member(stack)
    r = ask_for_link(c, email)
    assert r.status == 429 and "too many requests" in r.body, r
    assert r.header("Retry-After") == "3600", r.headers
    assert emails(stack, email, "password-reset") == 0


def test_weak_or_mismatched_new_password_is_refused_beside_the_control(stack):
    fresh_window(stack)
    email = member(stack)
    c = Client(stack.port)
    ask_for_link(c, email)
    path = emailed_link(stack, email, "password-reset")
    r = set_password(c, path, "short")
    assert r.status == 422 and 'id="password-error"' in r.body, r
    assert "at least 8 characters" in r.body
    r = set_password(c, path, "long enough 1", again="long enough 2")
    assert r.status == 422 and 'id="password_again-error"' in r.body, r
    assert "not the same" in r.body
    # The link still works after a refusal.
    r = set_password(c, path, "long enough 1")
    assert r.status == 303, r
    _, r = login(stack, email, "long enough 1")
    assert r.status == 303, r


def register(client, email, password="chosen password", name="Nell Newcomer"):
    page = client.get("/register")
    return client.post("/register", {"name": name, "email": email, "password": password,
                                     "plan": plan_id(page, "Student"), "csrf": page.csrf()})


def test_registration_with_a_taken_email_looks_like_a_new_one(stack):
    fresh_window(stack)
    taken = member(stack)
    fresh = unique_email("new")
    a, b = Client(stack.port), Client(stack.port)
    r_new = register(a, fresh)
    r_taken = register(b, taken.upper())
    assert r_new.status == r_taken.status == 303, (r_new, r_taken)
    assert r_new.header("Location") == r_taken.header("Location") == "/register/sent"
    assert "carrel_session" not in a.cookies and "carrel_session" not in b.cookies
    page_new, page_taken = a.get("/register/sent"), b.get("/register/sent")
    assert page_new.body == page_taken.body and "Check your email" in page_new.body
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM account WHERE email = ?",
                          (taken,)).fetchone()[0] == 1
        name = db.execute("SELECT name FROM account WHERE email = ?", (taken,)).fetchone()[0]
    assert name == "Rhea Reset"
    # The owner is told by email; nobody else is.
    assert emails(stack, taken, "account-exists") == 1
    assert emails(stack, fresh, "account-exists") == 0
    with stack.db() as db:
        body = db.execute("SELECT body FROM outbox WHERE recipient = ? AND kind = "
                          "'account-exists'", (taken,)).fetchone()[0]
    assert "/password/forgot" in body and "already have an account" in body, body
    # Once a day at most.
    register(Client(stack.port), taken)
    assert emails(stack, taken, "account-exists") == 1
    # The taken account still logs in with its own password only.
    _, r = login(stack, taken, "chosen password")
    assert r.status == 422, r
    _, r = login(stack, taken, "old password 1")
    assert r.status == 303, r


def test_a_new_account_logs_in_once_its_address_is_confirmed(stack):
    fresh_window(stack)
    email = unique_email("confirm")
    c = Client(stack.port)
    assert register(c, email).status == 303
    # Before the link: the same words as a wrong password or unknown email.
    _, unconfirmed = login(stack, email, "chosen password")
    _, nobody = login(stack, unique_email("nobody"), "chosen password")
    assert unconfirmed.status == nobody.status == 422, (unconfirmed, nobody)
    assert alert_text(unconfirmed.body) == alert_text(nobody.body)
    path = emailed_link(stack, email, "registration-confirm")
    assert path.startswith("/register/confirm/"), path
    r = confirm_registration(stack, c, email)
    assert r.status == 303 and r.header("Location") == "/account?done=welcome", r
    assert "Nell Newcomer" in c.get("/account").body
    r = c.get(path)
    assert r.status == 404 and "already used" in r.body, r
    _, r = login(stack, email, "chosen password")
    assert r.status == 303, r


def test_a_reset_link_confirms_an_unconfirmed_account(stack):
    fresh_window(stack)
    email = unique_email("late")
    assert register(Client(stack.port), email).status == 303
    move_clock(stack, 25 * 3600)   # the confirm link has expired
    c = Client(stack.port)
    r = c.get(emailed_link(stack, email, "registration-confirm"))
    assert r.status == 404 and "finishes your registration" in r.body, r
    ask_for_link(c, email)
    assert set_password(c, emailed_link(stack, email, "password-reset"),
                        "my own password").status == 303
    _, r = login(stack, email, "my own password")
    assert r.status == 303, r


def test_staff_confirm_an_address_whose_email_never_arrived(stack):
    fresh_window(stack)
    email = unique_email("desk")
    assert register(Client(stack.port), email).status == 303
    with stack.db() as db:
        mid = db.execute("SELECT id FROM account WHERE email = ?", (email,)).fetchone()[0]
    staff_email = unique_email("staff")
    stack.add_user(staff_email, "Desk Person", "librarian", "staff password 1")
    staff = stack.login(staff_email, "staff password 1")
    page = staff.get("/staff/members/%d" % mid)
    assert page.status == 200 and 'id="email-unconfirmed"' in page.body, page.body
    assert "has not confirmed this email address yet" in page.body
    r = staff.post("/staff/members/%d/confirm-email" % mid, {"csrf": page.csrf()})
    assert r.status == 303 and r.header("Location") == \
        "/staff/members/%d?done=confirmed" % mid, r
    page = staff.get(r.header("Location"))
    assert "the member can log in now" in page.body and 'id="email-unconfirmed"' not in page.body
    _, r = login(stack, email, "chosen password")
    assert r.status == 303, r
    # The emailed link is used up; the audit trail says who confirmed it.
    r = Client(stack.port).get(emailed_link(stack, email, "registration-confirm"))
    assert r.status == 404, r
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM audit WHERE action = 'account.confirm' "
                          "AND object = ? AND actor_id = (SELECT id FROM account WHERE email = ?)",
                          ("account:%d" % mid, staff_email)).fetchone()[0] == 1
    # A member cannot do it for anyone.
    member_client = stack.login(email, "chosen password")
    r = member_client.post("/staff/members/%d/confirm-email" % mid,
                           {"csrf": member_client.get("/account").csrf()})
    assert r.status == 403, r


def test_registrations_per_client_are_throttled(stack):
    fresh_window(stack)
    for _ in range(REGISTER_PER_IP):
        assert register(Client(stack.port), unique_email("crowd")).status == 303
    email = unique_email("crowd")
    r = register(Client(stack.port), email)
    assert r.status == 429 and "too many registrations" in r.body, r
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM account WHERE email = ?",
                          (email,)).fetchone()[0] == 0


def received(box, email, subject):
    """The text of the newest message to email with subject, once carrel-cron
    delivered it."""
    for _ in range(100):
        found = [m for m in box.messages if email in m.to and m.subject == subject]
        if found:
            return found[-1].text
        time.sleep(0.1)
    raise AssertionError("no %r to %s among %r" % (subject, email, box.messages))


def _reset_through_the_received_email(stack):
    """Through a real SMTP server: the reset link and the account-exists
    notice arrive by email, and the link from the email works once."""
    with Mailbox() as box:
        mailed = Stack(CARREL_SMTP_URL=box.url)
        mailed.start()
        try:
            email = unique_email("mailed")
            mailed.add_user(email, "Mona Mail", "member", "old password 1")
            c = Client(mailed.port)
            assert ask_for_link(c, email).status == 303
            out = mailed.cron("deliver")
            assert out.returncode == 0, out
            text = received(box, email, "Reset your password")
            m = re.search(r"http://127\.0\.0\.1:%d(/password/reset/[A-Za-z0-9_-]{43})\s"
                          % mailed.port, text)
            assert m, text
            assert set_password(c, m.group(1), "mailed password").status == 303
            _, r = login(mailed, email, "mailed password")
            assert r.status == 303, r
            r = c.get(m.group(1))
            assert r.status == 404 and "already used" in r.body, r
            assert register(Client(mailed.port), email).status == 303
            assert mailed.cron("deliver").returncode == 0
            text = received(box, email, "You already have an account")
            assert "http://127.0.0.1:%d/password/forgot" % mailed.port in text, text
        finally:
            mailed.stop()
        assert mailed.sanitizer_reports() == [], mailed.sanitizer_reports()


if Mailbox:
    test_reset_through_the_received_email = _reset_through_the_received_email
    test_reset_through_the_received_email.__name__ = "test_reset_through_the_received_email"


def test_tokens_stay_out_of_the_log(stack):
    log = stack.read_log()
    assert "GET /password/reset/{token} 200" in log
    assert not re.search(r"/(password/reset|register/confirm)/[A-Za-z0-9_-]{43}", log)


if __name__ == "__main__":
    stack = Stack(CARREL_TEST_CLOCK=1, CARREL_PUBLIC_CACHE_SECONDS=0,
                  CARREL_SESSION_IDLE=315360000, CARREL_SESSION_MAX=315360000,
                  CARREL_RESET_PER_EMAIL=PER_EMAIL, CARREL_RESET_PER_IP=PER_IP,
                  CARREL_REGISTER_PER_IP=REGISTER_PER_IP)
    sys.exit(run_module(globals(), stack))
