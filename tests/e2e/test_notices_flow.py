#!/usr/bin/env python3
"""The notices from end to end, as issue 12 asks them to show: carrel-cron
queues the reminders and delivers them to a real SMTP server and an SMS
gateway on loopback (tests/e2e/mailbox.py). A member whose membership ends in
7 days (by email and text message), a loan due in 2 days and a loan 7 days
overdue each get the right notice with the right text; a second run sends
nothing new; with the mail server down the notices wait and go out once it is
back; the staff home warns while carrel-cron has not run; the monthly report
reaches the librarians and admins."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import circ  # noqa: E402
from circ import ADMIN, LIBRARIAN, lend_new_title  # noqa: E402
from harness import Stack, run_module  # noqa: E402
from mailbox import Mailbox, SmsReceiver  # noqa: E402

NOW = "2026-12-10T08:00"


def run_cron(stack, now=NOW):
    r = stack.cron("run", "--now", now)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def set_due(stack, loan_id, day):
    with stack.db() as db:
        db.execute("UPDATE loan SET due_day = ? WHERE id = ?", (day, loan_id))


def choose_both(stack, client, email, phone):
    page = client.get("/account/profile")
    assert page.status == 200, page
    with stack.db() as db:
        name = db.execute("SELECT name FROM account WHERE email = ?", (email,)).fetchone()[0]
    r = client.post("/account/profile", {"name": name, "email": email, "phone": phone,
                                         "notice_channel": "both", "csrf": page.csrf()})
    assert r.status == 303, r


def test_staff_home_warns_until_cron_runs(stack, mb, sms):
    staff = stack.login(*LIBRARIAN)
    page = staff.get("/staff")
    assert page.status == 200 and "Scheduled tasks are not running" in page.body, page.body
    assert "carrel-cron has never run" in page.body
    r = stack.cron("run")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Scheduled tasks are not running" not in staff.get("/staff").body


def test_reminders_arrive_by_email_and_text_once(stack, mb, sms):
    staff = stack.login(*LIBRARIAN)
    ending, ending_email, ending_id = circ.member(stack, "Erin Ending")
    choose_both(stack, ending, ending_email, "07700 900321")
    with stack.db() as db:
        db.execute("UPDATE account SET member_until = '2026-12-17' WHERE id = ?", (ending_id,))
    _, due_email, _ = circ.member(stack, "Dev Due")
    _, _, due_loan = lend_new_title(stack, staff, due_email, "The Soon Returned")
    set_due(stack, due_loan, "2026-12-12")
    _, late_email, _ = circ.member(stack, "Lou Late")
    _, _, late_loan = lend_new_title(stack, staff, late_email, "The Long Kept")
    set_due(stack, late_loan, "2026-12-03")
    mb.clear()

    out = run_cron(stack)
    assert "queue-reminders" in out and "deliver" in out, out
    mb.wait_for(3)
    sms.wait_for(1)
    by_to = {m.to: m for m in mb.messages}
    assert sorted(by_to) == sorted(["Erin Ending <%s>" % ending_email,
                                    "Dev Due <%s>" % due_email,
                                    "Lou Late <%s>" % late_email]), list(by_to)
    ending_mail = by_to["Erin Ending <%s>" % ending_email]
    assert ending_mail.subject == "Your membership ends on 17 Dec 2026", ending_mail.subject
    assert "ends on 17 Dec 2026, in 7 day(s)" in ending_mail.text, ending_mail.text
    assert "<strong>17 Dec 2026</strong>" in ending_mail.html, ending_mail.html
    due_mail = by_to["Dev Due <%s>" % due_email]
    assert due_mail.subject == "Due 12 Dec 2026: The Soon Returned", due_mail.subject
    assert "The Soon Returned is due back on 12 Dec 2026, in 2 day(s)" in due_mail.text
    late_mail = by_to["Lou Late <%s>" % late_email]
    assert late_mail.subject == "Overdue: The Long Kept", late_mail.subject
    assert "is now 7 day(s) overdue" in late_mail.text, late_mail.text
    text = sms.messages[0]
    assert text.to == "+447700900321", text.to      # the national number, in E.164
    assert "your membership ends on 17 Dec 2026" in text.body, text.body
    with stack.db() as db:
        states = db.execute("SELECT status, count(*) FROM outbox WHERE kind IN "
                            "('due-soon', 'overdue', 'membership-expiring') GROUP BY status"
                            ).fetchall()
    assert states == [("sent", 4)], states

    # Run again, the same day and an hour later: nothing new goes out.
    run_cron(stack)
    run_cron(stack, "2026-12-10T09:00")
    assert len(mb.messages) == 3 and len(sms.messages) == 1, (mb.messages, sms.messages)


def test_notices_wait_while_the_mail_server_is_down(stack, mb, sms):
    staff = stack.login(*LIBRARIAN)
    _, email, _ = circ.member(stack, "Wanda Waits")
    _, _, loan = lend_new_title(stack, staff, email, "The Patient Reader")
    set_due(stack, loan, "2026-12-12")
    mb.clear()
    mb.stop()
    try:
        r = stack.cron("run", "--now", NOW)
        # The run says it could not deliver (exit 1, the task failed), and
        # staff see it.
        assert r.returncode == 1, r.stdout + r.stderr
        assert "the mail server could not be used" in r.stdout + r.stderr, r
        page = staff.get("/staff/notifications")
        assert "could not be used" in page.body, page.body
        with stack.db() as db:
            row = db.execute("SELECT status, attempts, last_error, next_attempt_at > "
                             "strftime('%s', '2026-12-10 08:00', 'utc') FROM outbox "
                             "WHERE recipient = ?", (email,)).fetchone()
        assert row[0] == "queued" and row[1] == 1 and row[3] == 1, row
        assert row[2], "the reason it waits is kept"
    finally:
        mb.start()
    # Back, but before the next attempt is due: still waiting.
    run_cron(stack, "2026-12-10T08:01")
    assert mb.messages == [], mb.messages
    # Past the backoff: it goes out, once.
    run_cron(stack, "2026-12-10T08:10")
    mb.wait_for(1)
    run_cron(stack, "2026-12-10T08:20")
    got = [m for m in mb.messages if email in m.to]
    assert len(got) == 1 and got[0].subject == "Due 12 Dec 2026: The Patient Reader", got
    with stack.db() as db:
        assert db.execute("SELECT status, attempts FROM outbox WHERE recipient = ?",
                          (email,)).fetchone() == ("sent", 2)


def test_the_monthly_report_arrives_for_staff_only(stack, mb, sms):
    mb.clear()
    month = "2026-12"
    with stack.db() as db:
        loans = db.execute("SELECT count(*) FROM loan WHERE loan_day LIKE ?",
                           (month + "-%",)).fetchone()[0]
    assert loans >= 3, loans      # lent by the tests above
    r = stack.cron("monthly-report", "--month", month)
    assert r.returncode == 0, r.stdout + r.stderr
    mb.wait_for(2)
    got = sorted(m.rcpt_tos[0] for m in mb.messages)
    assert got == sorted([LIBRARIAN[0], ADMIN[0]]), got
    report = mb.messages[0]
    assert report.subject == "Monthly report for December 2026", report.subject
    assert "\nLoans: %d\n" % loans in report.text, report.text
    assert '<td id="loans">%d</td>' % loans in report.html and "<svg" in report.html
    # By hand again: nothing new.
    assert stack.cron("monthly-report", "--month", month).returncode == 0
    assert len(mb.messages) == 2, mb.messages


def main():
    with Mailbox() as mb, SmsReceiver() as sms:
        stack = Stack(CARREL_TEST_CLOCK=1, CARREL_PUBLIC_CACHE_SECONDS=0,
                      CARREL_SMTP_URL=mb.url, CARREL_SMTP_FROM="desk@library.example",
                      CARREL_SMS_URL=sms.url, CARREL_SMS_USER="AC1",
                      CARREL_SMS_TOKEN="secret", CARREL_SMS_FROM="+447700900000",
                      CARREL_SESSION_IDLE=315360000, CARREL_SESSION_MAX=315360000)
        r = stack.cli("migrate")
        assert r.returncode == 0, r.stderr
        stack.add_user(LIBRARIAN[0], "Desk Person", "librarian", LIBRARIAN[1])
        stack.add_user(ADMIN[0], "Boss Person", "admin", ADMIN[1])
        ns = {k: (lambda fn: (lambda s: fn(s, mb, sms)))(v) for k, v in globals().items()
              if k.startswith("test_")}
        for k, v in ns.items():
            v.__name__ = k
        return run_module(ns, stack)


if __name__ == "__main__":
    sys.exit(main())
