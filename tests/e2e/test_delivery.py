#!/usr/bin/env python3
"""End-to-end tests of delivering the outbox with `carrel-cron deliver` (and
as the last step of `carrel-cron run`) to a real SMTP server and an SMS
receiver on loopback (mailbox.py): emails arrive with the right To, From,
Subject, text and HTML; non-ASCII subjects and names arrive intact; a name
and a subject holding CR/LF add no header; all of a run's emails go over one
SMTP connection; STARTTLS and login; text messages arrive in E.164 with
basic auth; a second run sends nothing new; with the server down notices
wait (attempts and next attempt) and go once it is back and the backoff
has passed; a notice that always fails ends 'failed' with its reason, shown
to staff; with no mail server each email is saved as an .eml file that
staff (and only staff) download. The clock is moved with --now."""
import email
import email.policy
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from circ import ADMIN, LIBRARIAN, circ_stack  # noqa: E402
from harness import BIN, SANITIZER_MARKS, Client, run_module  # noqa: E402
from mailbox import Mailbox, SmsReceiver  # noqa: E402
from members_helpers import desk_renew, register  # noqa: E402

MB = Mailbox()
SMS = SmsReceiver()
FROM = "desk@riverside.example"
SMS_USER, SMS_TOKEN, SMS_FROM = "AC0001", "sms-secret-token", "+15550001111"
_seq = [0]


def cron(stack, cmd="deliver", now=None, **env):
    """carrel-cron with the test servers configured (env overrides them)."""
    e = dict(stack.env, CARREL_SMTP_URL=MB.url, CARREL_SMTP_FROM=FROM,
             CARREL_SMS_URL=SMS.url, CARREL_SMS_USER=SMS_USER,
             CARREL_SMS_TOKEN=SMS_TOKEN, CARREL_SMS_FROM=SMS_FROM)
    e.update({k: str(v) for k, v in env.items()})
    args = [cmd] + (["--now", "@%d" % now] if now is not None else [])
    out = subprocess.run([os.path.join(BIN, "carrel-cron")] + args, env=e,
                         capture_output=True, text=True, timeout=300)
    assert not any(mark in out.stderr for mark in SANITIZER_MARKS), out.stderr
    return out


def fresh(stack):
    """Nothing left queued from an earlier test; empty receivers."""
    with stack.db() as db:
        db.execute("DELETE FROM outbox WHERE status = 'queued'")
    MB.clear()
    MB.refuse.clear()
    SMS.messages.clear()
    SMS.requests.clear()


def member(stack, name, phone=""):
    _seq[0] += 1
    addr = "reader%d.%d@example.org" % (_seq[0], os.getpid())
    stack.add_user(addr, "Placeholder", "member", "member password")
    with stack.db() as db:
        # Straight into the database: the forms refuse control characters,
        # and delivery must be safe even from names they never saw.
        db.execute("UPDATE account SET name = ?, phone = ? WHERE email = ?", (name, phone, addr))
        mid = db.execute("SELECT id FROM account WHERE email = ?", (addr,)).fetchone()[0]
    return mid, addr


def queue(stack, mid, recipient, subject, body, html="", channel="email", due=None):
    """An outbox row as notify_queue makes one; returns its id."""
    _seq[0] += 1
    due = int(time.time()) - 5 if due is None else due
    with stack.db() as db:
        cur = db.execute(
            "INSERT INTO outbox(account_id, kind, channel, recipient, subject, body, body_html, "
            "dedupe_key, next_attempt_at, created_at) VALUES (?, 'test', ?, ?, ?, ?, ?, ?, ?, ?)",
            (mid, channel, recipient, subject, body, html, "test:%d" % _seq[0], due, due))
        return cur.lastrowid


def row(stack, oid):
    with stack.db() as db:
        return db.execute("SELECT status, attempts, next_attempt_at, last_error, sent_via, "
                          "sent_at FROM outbox WHERE id = ?", (oid,)).fetchone()


def setting(stack, key, value):
    with stack.db() as db:
        if value is None:
            db.execute("DELETE FROM setting WHERE key = ?", (key,))
        else:
            db.execute("INSERT OR REPLACE INTO setting(key, value) VALUES (?, ?)", (key, value))


def summary(out):
    lines = [l for l in (out.stdout + out.stderr).splitlines() if "deliver:" in l]
    assert len(lines) == 1, out
    return lines[0].split("deliver: ", 1)[1]


# ---- the tests ----

def test_emails_arrive_with_their_parts(stack):
    fresh(stack)
    setting(stack, "library.name", "Riverside Library")
    mid, addr = member(stack, "Ann Reader")
    first = queue(stack, mid, addr, "Ready to collect: The Hobbit",
                  "Dear Ann Reader,\n\nThe Hobbit is waiting for you.\n",
                  "<p>Dear Ann Reader,</p>\n<p><strong>The Hobbit</strong> is waiting.</p>\n")
    second = queue(stack, mid, addr, "Receipt R-1: 5.00", "Thank you: we received 5.00.\n")
    started = int(time.time())
    out = cron(stack)
    assert out.returncode == 0, out
    assert summary(out) == "2 emails sent, 0 text messages sent, 0 waiting to retry, 0 failed"
    MB.wait_for(2)
    a, b = MB.messages
    assert a.rcpt_tos == [addr] and b.rcpt_tos == [addr]
    assert a.mail_from == FROM
    assert a.to == "Ann Reader <%s>" % addr, a.to
    assert a.sender == "Riverside Library <%s>" % FROM, a.sender
    assert a.subject == "Ready to collect: The Hobbit"
    assert a.text == "Dear Ann Reader,\n\nThe Hobbit is waiting for you.\n", repr(a.text)
    assert "<p><strong>The Hobbit</strong> is waiting.</p>" in a.html, a.html
    assert a.msg.get_content_type() == "multipart/alternative"
    assert a.msg["Message-ID"].endswith("@riverside.example>"), a.msg["Message-ID"]
    assert a.msg["MIME-Version"] == "1.0" and a.msg["Date"]
    sent = a.msg["Date"].datetime.timestamp()
    assert started - 5 <= sent <= time.time() + 5, a.msg["Date"]
    # Text alone when there is no HTML part.
    assert b.msg.get_content_type() == "text/plain" and b.html is None
    assert b.text == "Thank you: we received 5.00.\n"
    assert b.subject == "Receipt R-1: 5.00"
    for raw in (a.raw, b.raw):
        assert all(len(line) <= 78 for line in raw.split(b"\r\n")), raw
    for oid in (first, second):
        status, attempts, _, error, via, sent_at = row(stack, oid)
        assert (status, attempts, error, via) == ("sent", 1, "", "smtp")
        assert started - 5 <= sent_at <= time.time() + 5
    # A second run sends nothing new.
    out = cron(stack)
    assert out.returncode == 0, out
    assert summary(out) == "0 emails sent, 0 text messages sent, 0 waiting to retry, 0 failed"
    time.sleep(0.3)
    assert len(MB.messages) == 2
    setting(stack, "library.name", None)


def test_non_ascii_subject_and_name_arrive_intact(stack):
    fresh(stack)
    name = "Zoë Ôrla-Ñúñez 日本"
    subject = "Prêt à rendre : « Les Misérables » — déjà 2 jours ¡ojo! 日本語のタイトルも長い"
    body = "Chère Zoë,\n« Les Misérables » est à rendre. £2.50 = 2,50 €\n.\nMerci.\n"
    mid, addr = member(stack, name)
    queue(stack, mid, addr, subject, body, "<p>Chère Zoë, «&nbsp;Les Misérables&nbsp;»</p>")
    out = cron(stack)
    assert out.returncode == 0, out
    m = MB.wait_for(1)[0]
    assert m.subject == subject, m.subject
    assert m.to == "%s <%s>" % (name, addr), m.to
    assert m.text == body, repr(m.text)
    assert "Chère Zoë, «&nbsp;Les Misérables&nbsp;»" in m.html
    head = m.raw.split(b"\r\n\r\n", 1)[0]
    assert all(byte < 0x80 for byte in head), head


def test_cr_lf_in_a_name_or_subject_adds_no_header(stack):
    fresh(stack)
    mid, addr = member(stack, "Eve\r\nBcc: victim@example.net\r\nX-Injected: yes")
    oid = queue(stack, mid, addr, "Hello\r\nBcc: other@example.net\nX-Evil: 1\r\n\r\nbody",
                "The text.\n")
    out = cron(stack)
    assert out.returncode == 0, out
    m = MB.wait_for(1)[0]
    assert m.rcpt_tos == [addr], m.rcpt_tos
    names = m.header_names()
    assert "bcc" not in names and "x-injected" not in names and "x-evil" not in names, names
    assert sorted(names) == sorted(["from", "to", "subject", "date", "message-id",
                                    "mime-version", "auto-submitted", "content-type",
                                    "content-transfer-encoding"]), names
    assert m.subject == "Hello Bcc: other@example.net X-Evil: 1 body", m.subject
    assert m.msg["To"].addresses[0].addr_spec == addr
    assert "victim@example.net" not in [a.addr_spec for a in m.msg["To"].addresses]
    assert m.text == "The text.\n"
    assert row(stack, oid)[0] == "sent"


def test_a_run_of_many_emails_uses_one_connection(stack):
    fresh(stack)
    mid, addr = member(stack, "Bulk Reader")
    ids = [queue(stack, mid, addr, "Notice %d" % i, "Body %d\n" % i) for i in range(230)]
    out = cron(stack)
    assert out.returncode == 0, out
    assert summary(out).startswith("230 emails sent,"), out
    MB.wait_for(230)
    assert MB.connections == 1, MB.connections
    assert sorted(m.subject for m in MB.messages) == sorted("Notice %d" % i for i in range(230))
    with stack.db() as db:
        sent = db.execute("SELECT count(*) FROM outbox WHERE status = 'sent' AND sent_via = "
                          "'smtp' AND id BETWEEN ? AND ?", (ids[0], ids[-1])).fetchone()[0]
    assert sent == 230


def test_delivery_is_the_last_step_of_run(stack):
    fresh(stack)
    mid, addr = member(stack, "Run Reader")
    oid = queue(stack, mid, addr, "Delivered by run", "Hello.\n")
    out = cron(stack, "run")
    assert out.returncode == 0, out
    assert summary(out) == "1 email sent, 0 text messages sent, 0 waiting to retry, 0 failed"
    assert MB.wait_for(1)[0].subject == "Delivered by run"
    assert row(stack, oid)[0] == "sent"
    with stack.db() as db:
        outcome, message = db.execute("SELECT outcome, message FROM cron_task "
                                      "WHERE name = 'deliver'").fetchone()
    assert outcome == "ok" and message.startswith("1 email sent"), (outcome, message)


def test_a_desk_receipt_arrives_by_email_and_text_message(stack):
    fresh(stack)
    staff = stack.login(*LIBRARIAN)
    _, addr, mid, _ = register(stack, "Monthly", name="Paying Reader")
    with stack.db() as db:
        db.execute("UPDATE account SET phone = '07700 900123', notice_channel = 'both' "
                   "WHERE id = ?", (mid,))
    assert desk_renew(staff, mid, "Monthly").status == 303
    out = cron(stack)
    assert out.returncode == 0, out
    m = MB.wait_for(1)[0]
    assert m.rcpt_tos == [addr] and m.subject.startswith("Receipt "), m
    assert "Dear Paying Reader" in m.text and "5.00" in m.text, m.text
    assert "<p>Dear Paying Reader,</p>" in m.html
    sms = SMS.wait_for(1)[0]
    assert sms.to == "+447700900123", sms.to
    assert "5.00" in sms.body and sms.sender == SMS_FROM
    assert (sms.user, sms.password) == (SMS_USER, SMS_TOKEN)
    with stack.db() as db:
        vias = db.execute("SELECT channel, status, sent_via FROM outbox WHERE account_id = ? "
                          "ORDER BY channel", (mid,)).fetchall()
    assert vias == [("email", "sent", "smtp"), ("sms", "sent", "sms")], vias


def test_text_messages_go_in_e164_with_basic_auth(stack):
    fresh(stack)
    mid, _ = member(stack, "Sms Reader", phone="(020) 7946-0018")
    national = queue(stack, mid, "(020) 7946-0018", "unused", "Your hold is ready: Dune.",
                     channel="sms")
    abroad = queue(stack, mid, "0033 6 12 34 56 78", "unused", "Ça va ? Dune est là.",
                   channel="sms")
    out = cron(stack)
    assert out.returncode == 0, out
    assert summary(out) == "0 emails sent, 2 text messages sent, 0 waiting to retry, 0 failed"
    got = {m.to: m for m in SMS.wait_for(2)}
    assert set(got) == {"+442079460018", "+33612345678"}, got
    assert got["+442079460018"].body == "Your hold is ready: Dune."
    assert got["+33612345678"].body == "Ça va ? Dune est là."
    for m in got.values():
        assert (m.user, m.password, m.sender) == (SMS_USER, SMS_TOKEN, SMS_FROM)
    assert row(stack, national)[4] == "sms" and row(stack, abroad)[4] == "sms"
    # The library's country code is a setting.
    setting(stack, "sms.country_code", "+353")
    queue(stack, mid, "087 123 4567", "unused", "Irish number.", channel="sms")
    assert cron(stack).returncode == 0
    assert SMS.wait_for(3)[2].to == "+353871234567"
    setting(stack, "sms.country_code", "+44")
    # The gateway unreachable: the run fails (for staff to see), the
    # message waits.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    oid = queue(stack, mid, "07700 900123", "unused", "Gateway down.", channel="sms")
    out = cron(stack, CARREL_SMS_URL="http://127.0.0.1:%d/Messages.json" % port)
    assert out.returncode == 1, out
    assert summary(out).endswith("1 waiting to retry, 0 failed (the text message gateway "
                                 "could not be reached)"), out
    status, attempts, _, error, _, _ = row(stack, oid)
    assert (status, attempts) == ("queued", 1) and "could not be reached" in error, error


def test_an_address_or_phone_that_cannot_work_fails_at_once(stack):
    fresh(stack)
    mid, _ = member(stack, "Bad Phone")
    oid = queue(stack, mid, "call me maybe", "unused", "Hello.", channel="sms")
    bad_email = queue(stack, mid, "someone@example.org\r\nBcc: x@example.net", "Hi", "Hello.\n")
    out = cron(stack)
    assert out.returncode == 0, out     # the notices failed, not the run
    assert summary(out) == "0 emails sent, 0 text messages sent, 0 waiting to retry, 2 failed"
    status, attempts, _, error, via, _ = row(stack, oid)
    assert (status, attempts, via) == ("failed", 1, None), row(stack, oid)
    assert "something other than digits" in error and "call me maybe" in error, error
    assert SMS.requests == []
    status, attempts, _, error, via, _ = row(stack, bad_email)
    assert (status, attempts, via) == ("failed", 1, None), row(stack, bad_email)
    assert error.startswith("The email address ") and "cannot be used" in error, error
    assert MB.messages == [] and MB.connections == 0


def test_server_down_notices_wait_then_go(stack):
    fresh(stack)
    mid, addr = member(stack, "Patient Reader")
    t = int(time.time())
    ids = [queue(stack, mid, addr, "Waiting %d" % i, "Body.\n", due=t - 10) for i in range(2)]
    MB.stop()
    try:
        out = cron(stack, now=t)
        assert out.returncode == 1, out
        assert summary(out) == ("0 emails sent, 0 text messages sent, 2 waiting to retry, "
                                "0 failed (the mail server could not be used)"), out
        for oid in ids:
            status, attempts, next_at, error, via, sent_at = row(stack, oid)
            assert (status, attempts, next_at, via, sent_at) == ("queued", 1, t + 300, None, None)
            assert "could not be reached" in error and MB.url in error, error
        # Still down: the second try waits twice as long. Credentials in
        # the address never reach what staff read.
        out = cron(stack, now=t + 301,
                   CARREL_SMTP_URL=MB.url.replace("smtp://", "smtp://who:hush@"))
        assert out.returncode == 1, out
        for oid in ids:
            assert row(stack, oid)[:3] == ("queued", 2, t + 301 + 600), row(stack, oid)
            assert MB.url in row(stack, oid)[3] and "hush" not in row(stack, oid)[3]
    finally:
        MB.start()
    # Back, but the backoff has not passed: nothing is tried.
    out = cron(stack, now=t + 600)
    assert out.returncode == 0, out
    assert summary(out) == "0 emails sent, 0 text messages sent, 0 waiting to retry, 0 failed"
    assert MB.messages == [] and row(stack, ids[0])[:2] == ("queued", 2)
    out = cron(stack, now=t + 901)
    assert out.returncode == 0, out
    assert summary(out) == "2 emails sent, 0 text messages sent, 0 waiting to retry, 0 failed"
    assert sorted(m.subject for m in MB.wait_for(2)) == ["Waiting 0", "Waiting 1"]
    for oid in ids:
        status, attempts, _, error, via, sent_at = row(stack, oid)
        assert (status, attempts, error, via, sent_at) == ("sent", 3, "", "smtp", t + 901)


def test_a_notice_that_always_fails_ends_failed_and_is_shown(stack):
    fresh(stack)
    setting(stack, "notices.max_attempts", "3")
    setting(stack, "notices.retry_seconds", "60")
    try:
        mid, addr = member(stack, "Gone Away")
        MB.refuse.add(addr.lower())
        t = int(time.time())
        oid = queue(stack, mid, addr, "Overdue: Middlemarch", "Please return it.\n", due=t)
        sms = queue(stack, mid, "07700 900999", "unused", "Overdue: Middlemarch", channel="sms",
                    due=t)
        SMS.fail_next(3, status=500)
        expected = [(t, 1, t + 60), (t + 60, 2, t + 60 + 120)]
        for now, attempts, next_at in expected:
            out = cron(stack, now=now)
            assert out.returncode == 0, out
            assert summary(out).endswith("2 waiting to retry, 0 failed"), out
            assert row(stack, oid)[:3] == ("queued", attempts, next_at), row(stack, oid)
            assert row(stack, sms)[:3] == ("queued", attempts, next_at), row(stack, sms)
        out = cron(stack, now=t + 180)
        assert out.returncode == 0, out
        assert summary(out) == "0 emails sent, 0 text messages sent, 0 waiting to retry, 2 failed"
        status, attempts, _, error, via, _ = row(stack, oid)
        assert (status, attempts, via) == ("failed", 3, None)
        assert "refused the address %s" % addr in error and "550" in error, error
        status, attempts, _, sms_error, via, _ = row(stack, sms)
        assert (status, attempts, via) == ("failed", 3, None)
        assert sms_error == "The text message gateway answered HTTP 500: Gateway error.", sms_error
        assert MB.messages == [] and len(SMS.requests) == 3 and SMS.messages == []
        # Failed for good: never tried again.
        out = cron(stack, now=t + 100000)
        assert out.returncode == 0 and len(SMS.requests) == 3, out
        # Staff see it on the member's page, with the reason; the member too.
        staff = stack.login(*LIBRARIAN)
        page = staff.get("/staff/members/%d" % mid)
        assert page.status == 200
        assert "could not be sent: The mail server refused the address %s" % addr in page.body
        assert "could not be sent: The text message gateway answered HTTP 500" in page.body
        mine = stack.login(addr, "member password").get("/account/notifications")
        assert "The text message gateway answered HTTP 500" in mine.body
        # And every librarian and admin is told in-app.
        with stack.db() as db:
            told = db.execute(
                "SELECT a.email, n.subject, n.body, n.link FROM notification n "
                "JOIN account a ON a.id = n.account_id WHERE n.kind = 'notice-failed' "
                "AND n.dedupe_key = ?", ("notice-failed:%d" % oid,)).fetchall()
        assert {r[0] for r in told} >= {LIBRARIAN[0], ADMIN[0]}, told
        assert all(r[1] == "A notice could not be sent: Overdue: Middlemarch" for r in told)
        assert all("Gone Away" in r[2] and "550" in r[2] for r in told), told
        assert all(r[3] == "/staff/members/%d#notices" % mid for r in told), told
    finally:
        setting(stack, "notices.max_attempts", "6")
        setting(stack, "notices.retry_seconds", "300")
        MB.refuse.clear()


def test_starttls_and_login(stack):
    fresh(stack)
    mid, addr = member(stack, "Secure Reader")
    with Mailbox(user="carrel", password="mail secret", starttls=True) as secure:
        env = dict(CARREL_SMTP_URL=secure.url, CARREL_SMTP_STARTTLS=1,
                   CARREL_SMTP_CA=secure.cert_path, CARREL_SMTP_USER="carrel",
                   CARREL_SMTP_PASSWORD="mail secret")
        oid = queue(stack, mid, addr, "Over TLS", "Hello.\n")
        out = cron(stack, **env)
        assert out.returncode == 0, out
        assert secure.wait_for(1)[0].subject == "Over TLS"
        assert secure.logins == [("carrel", "mail secret")]
        assert row(stack, oid)[0] == "sent"
        # A wrong password: the notice waits, with the reason.
        t = int(time.time())
        oid = queue(stack, mid, addr, "Wrong password", "Hello.\n", due=t)
        out = cron(stack, now=t, **dict(env, CARREL_SMTP_PASSWORD="wrong"))
        assert out.returncode == 1, out
        status, attempts, _, error, _, _ = row(stack, oid)
        assert (status, attempts) == ("queued", 1)
        assert "refused the login of carrel" in error, error
        # Without the CA the server's certificate is not trusted.
        out = cron(stack, now=t + 300, **dict(env, CARREL_SMTP_CA=""))
        assert out.returncode == 1, out
        error = row(stack, oid)[3]
        assert "secure connection" in error, error
        assert len(secure.messages) == 1
    MB.clear()


def test_without_a_mail_server_emails_are_saved_for_staff(stack):
    fresh(stack)
    mid, addr = member(stack, "File Reader")
    oid = queue(stack, mid, addr, "Saved: Emma", "Dear File Reader,\nEmma is ready.\n",
                "<p>Emma is ready.</p>")
    out = cron(stack, CARREL_SMTP_URL="")
    assert out.returncode == 0, out
    assert summary(out) == ("1 email saved as files, 0 emails sent, 0 text messages sent, "
                            "0 waiting to retry, 0 failed"), out
    assert MB.messages == []
    status, attempts, _, _, via, _ = row(stack, oid)
    assert (status, attempts, via) == ("sent", 1, "folder")
    path = os.path.join(stack.dir, "uploads", "mail", "%d.eml" % oid)
    with open(path, "rb") as f:
        saved = f.read()
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    msg = email.message_from_bytes(saved, policy=email.policy.default)
    assert str(msg["Subject"]) == "Saved: Emma"
    assert msg["To"].addresses[0].addr_spec == addr
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == \
        "Dear File Reader,\nEmma is ready.\n"
    assert b"\r\n" in saved and b"\n" not in saved.replace(b"\r\n", b"")
    # Staff download it; members and visitors cannot.
    staff = stack.login(*LIBRARIAN)
    r = staff.get("/staff/notices/%d/email" % oid)
    assert r.status == 200, r
    assert r.header("Content-Type") == "message/rfc822"
    assert r.header("Content-Disposition") == 'attachment; filename="notice-%d.eml"' % oid
    assert r.data == saved
    reader = stack.login(addr, "member password")
    assert reader.get("/staff/notices/%d/email" % oid).status == 403
    anon = Client(stack.port).get("/staff/notices/%d/email" % oid)
    assert anon.status == 303 and anon.header("Location").startswith("/login"), anon
    # No file: an email that went to a server, a notice not sent, no notice.
    queue(stack, mid, addr, "By server", "x\n")
    assert cron(stack).returncode == 0
    with stack.db() as db:
        by_server = db.execute("SELECT id FROM outbox WHERE subject = 'By server'").fetchone()[0]
    pending = queue(stack, mid, addr, "Not yet", "x\n", due=int(time.time()) + 3600)
    for other in (by_server, pending, 999999):
        r = staff.get("/staff/notices/%d/email" % other)
        assert r.status == 404 and "no saved email" in r.body, (other, r)
    # A file removed by hand is a 404, not an error.
    os.unlink(path)
    assert staff.get("/staff/notices/%d/email" % oid).status == 404


def test_the_staff_outbox_view(stack):
    """The partial on /staff/notifications (the page comes with the
    notification centre; until it is there this checks nothing)."""
    staff = stack.login(*LIBRARIAN)
    page = staff.get("/staff/notifications")
    if page.status == 404:
        return
    assert page.status == 200, page
    assert 'id="outbox"' in page.body
    assert "could not be sent" in page.body
    assert "The text message gateway answered HTTP 500" in page.body
    # The workers here have no smtp_url: the page says where emails go,
    # and links the ones saved.
    assert "No mail server is configured" in page.body
    fresh(stack)
    mid, addr = member(stack, "Listed Reader")
    oid = queue(stack, mid, addr, "Listed: Persuasion", "Hello.\n")
    assert cron(stack, CARREL_SMTP_URL="").returncode == 0
    page = staff.get("/staff/notifications")
    assert 'href="/staff/notices/%d/email"' % oid in page.body, page.body
    assert "Listed: Persuasion" in page.body


def stop_servers():
    MB.close()
    SMS.close()


if __name__ == "__main__":
    MB.start()
    SMS.start()
    sys.exit(run_module(globals(), circ_stack(), cleanup=stop_servers))
