"""The notification centre end to end: a member's and the staff's
notifications with time and read state, opened (marked read) and all marked
read, paged; the unread count in the navigation; carrel-cron's tasks and the
warning when it has not run; staff told of payments and new members; and
live updates through nginx's nchan (an EventSource stream only the account's
owner may open)."""
import json
import re
import socket
import sys
import time

from harness import Client
from members_helpers import ADMIN, LIBRARIAN, plan_id, register, run_with_staff


def desk_payment(staff, mid, fields):
    page = staff.get("/staff/members/%d/payments" % mid)
    return staff.post("/staff/members/%d/payments" % mid, dict(fields, csrf=page.csrf()))


def pay_monthly_at_desk(staff, mid):
    page = staff.get("/staff/members/%d/payments" % mid)
    r = desk_payment(staff, mid, {"purpose": "plan", "plan": plan_id(page, "Monthly"),
                                  "method": "cash", "amount": ""})
    assert r.status == 303, r


def nav_count(body):
    m = re.search(r'id="nav-notifications"[^>]*>Notifications <span[^>]*>\((\d+)\)</span>',
                  body)
    assert m, "no notification count in the navigation"
    return int(m.group(1))


def unread_in_db(stack, aid):
    with stack.db() as db:
        return db.execute("SELECT count(*) FROM notification WHERE account_id = ? "
                          "AND read_at IS NULL", (aid,)).fetchone()[0]


def account_id(stack, email):
    with stack.db() as db:
        return db.execute("SELECT id FROM account WHERE email = ?", (email,)).fetchone()[0]


def add_notifications(stack, aid, n, prefix="Note", link=""):
    with stack.db() as db:
        for i in range(n):
            db.execute("INSERT INTO notification(account_id, kind, subject, body, link, "
                       "dedupe_key, created_at) VALUES (?, 'test', ?, 'body', ?, ?, ?)",
                       (aid, "%s %d" % (prefix, i), link, "%s:%d:%f" % (prefix, i, time.time()),
                        1796562300 + i))


# ---- the member's centre ----

def test_member_sees_a_payment_receipt_unread_with_its_time_and_count(stack):
    member, _, mid, _ = register(stack, "Monthly", name="Centre Reader")
    staff = stack.login(*LIBRARIAN)
    pay_monthly_at_desk(staff, mid)
    page = member.get("/account/notifications")
    assert page.status == 200, page
    assert "Receipt " in page.body and "Unread" in page.body
    # A time as people read it: "6 Dec 2026, 14:05".
    assert re.search(r"<time datetime=\"[^\"]+\">\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d</time>",
                     page.body), page.body
    assert nav_count(page.body) == unread_in_db(stack, mid) == 1
    assert 'href="/account/notifications"' in page.body
    assert 'aria-label="Notifications: 1 unread"' in page.body
    # The outbox's messages stay below.
    assert "Messages sent to you" in page.body


def test_opening_a_notification_marks_it_read_and_follows_its_link(stack):
    member, _, mid, _ = register(stack, "Monthly", name="Opener")
    staff = stack.login(*LIBRARIAN)
    pay_monthly_at_desk(staff, mid)
    page = member.get("/account/notifications")
    m = re.search(r'action="/account/notifications/(\d+)/read"', page.body)
    assert m, page.body
    nid = int(m.group(1))
    # Reading the list marked nothing.
    assert unread_in_db(stack, mid) == 1
    r = member.post("/account/notifications/%d/read" % nid, {"csrf": page.csrf()})
    assert r.status == 303 and r.header("Location") == "/account/payments", r
    assert unread_in_db(stack, mid) == 0
    page = member.get("/account/notifications")
    assert ">Read<" in page.body and ">Unread<" not in page.body
    assert nav_count(page.body) == 0
    assert 'aria-label="Notifications: none unread"' in page.body


def test_another_persons_notification_cannot_be_opened(stack):
    member, _, mid, _ = register(stack, "Monthly", name="Owner")
    other, _, oid, _ = register(stack, "Monthly", name="Snoop")
    add_notifications(stack, mid, 1, prefix="Private")
    with stack.db() as db:
        nid = db.execute("SELECT id FROM notification WHERE account_id = ?", (mid,)).fetchone()[0]
    page = other.get("/account/notifications")
    r = other.post("/account/notifications/%d/read" % nid, {"csrf": page.csrf()})
    assert r.status == 404, r
    assert unread_in_db(stack, mid) == 1
    # Without the form token, refused before anything.
    r = member.post("/account/notifications/%d/read" % nid, {})
    assert r.status == 403 and unread_in_db(stack, mid) == 1, r


def test_mark_all_as_read_and_paging(stack):
    member, _, mid, _ = register(stack, "Monthly", name="Many Notes")
    add_notifications(stack, mid, 25)
    page = member.get("/account/notifications")
    assert nav_count(page.body) == 25
    assert "25 notifications, 25 unread" in page.body
    # Newest first, 20 to a page.
    assert page.body.index("Note 24") < page.body.index("Note 5")
    assert "Note 4<" not in page.body
    assert 'href="/account/notifications?page=2"' in page.body
    page2 = member.get("/account/notifications?page=2")
    assert "Note 4<" in page2.body and "Note 0<" in page2.body and "Note 5<" not in page2.body
    r = member.post("/account/notifications/read-all", {"csrf": page.csrf()})
    assert r.status == 303 and r.header("Location") == "/account/notifications?done=read", r
    assert unread_in_db(stack, mid) == 0
    page = member.get(r.header("Location"))
    assert "All your notifications are marked as read." in page.body
    assert nav_count(page.body) == 0 and "Mark all as read" not in page.body


def test_a_visitor_is_sent_to_log_in(stack):
    c = Client(stack.port)
    r = c.get("/account/notifications")
    assert r.status == 303 and r.header("Location").startswith("/login"), r
    r = c.get("/staff/notifications")
    assert r.status == 303, r
    page = c.get("/")
    assert 'id="nav-notifications"' not in page.body


# ---- the staff's centre ----

def test_staff_are_told_of_new_members_and_payments(stack):
    staff = stack.login(*LIBRARIAN)
    admin = stack.login(*ADMIN)
    lid, aid = account_id(stack, LIBRARIAN[0]), account_id(stack, ADMIN[0])
    before = unread_in_db(stack, lid)
    member, _, mid, _ = register(stack, "Monthly", name="Brand New Reader")
    pay_monthly_at_desk(staff, mid)
    page = staff.get("/staff/notifications")
    assert page.status == 200, page
    assert "New member: Brand New Reader" in page.body
    assert "Payment received: 5.00 € from Brand New Reader" in page.body, page.body
    assert unread_in_db(stack, lid) == before + 2
    assert nav_count(page.body) == before + 2
    assert 'href="/staff/notifications"' in page.body
    # Every librarian and admin has their own copy; reading one reads only one.
    admin_unread = unread_in_db(stack, aid)
    assert admin_unread >= 2
    r = staff.post("/staff/notifications/read-all", {"csrf": page.csrf()})
    assert r.status == 303, r
    assert unread_in_db(stack, lid) == 0 and unread_in_db(stack, aid) == admin_unread
    # The new member's notification leads to the member.
    page = admin.get("/staff/notifications")
    with stack.db() as db:
        nid = db.execute("SELECT id FROM notification WHERE account_id = ? AND kind = "
                         "'new-member' AND subject = 'New member: Brand New Reader'",
                         (aid,)).fetchone()[0]
    r = admin.post("/staff/notifications/%d/read" % nid, {"csrf": page.csrf()})
    assert r.status == 303 and r.header("Location") == "/staff/members/%d" % mid, r
    # A member may not see the staff's page.
    assert member.get("/staff/notifications").status == 403


def test_scheduled_tasks_and_the_warning_when_cron_has_not_run(stack):
    staff = stack.login(*LIBRARIAN)
    with stack.db() as db:
        db.execute("DELETE FROM cron_task")
    page = staff.get("/staff/notifications")
    assert "Scheduled tasks are not running" in page.body
    assert "carrel-cron has never run" in page.body and "carrel-cron run" in page.body
    assert "Scheduled tasks are not running" in staff.get("/staff").body
    r = stack.cron("run")
    assert r.returncode == 0, r.stderr
    page = staff.get("/staff/notifications")
    assert "Scheduled tasks are not running" not in page.body, page.body
    assert "Scheduled tasks are not running" not in staff.get("/staff").body
    assert "Ending holds not collected in time" in page.body
    assert "finished well" in page.body and "0 holds expired" in page.body
    # Two hours later with no run since: the warning is back, with the last time.
    with stack.db() as db:
        db.execute("UPDATE cron_task SET started_at = started_at - 7200, "
                   "finished_at = finished_at - 7200")
    page = staff.get("/staff/notifications")
    assert "Scheduled tasks are not running" in page.body
    assert "carrel-cron last finished a task on" in page.body
    # A failed task shows as failed, in words.
    with stack.db() as db:
        db.execute("UPDATE cron_task SET outcome = 'failed', message = 'the disk is full' "
                   "WHERE name = 'expire-holds'")
    page = staff.get("/staff/notifications")
    assert "<strong>failed</strong>" in page.body and "the disk is full" in page.body


# ---- live updates ----

class Stream:
    """An EventSource subscription read with a raw socket."""

    def __init__(self, stack, path, cookies):
        self.sock = socket.create_connection(("127.0.0.1", stack.port), timeout=10)
        cookie = "; ".join("%s=%s" % kv for kv in cookies.items())
        req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
               "%sConnection: close\r\n\r\n" % (path, "Cookie: %s\r\n" % cookie if cookie else ""))
        self.sock.sendall(req.encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ")[1])
        self.head = head.decode("latin-1")

    def next_data(self, timeout=10):
        """The next event's data, parsed as JSON."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(rb"(?m)^data: ?(\{.*\})\s*$", self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return json.loads(m.group(1))
            self.sock.settimeout(max(0.1, deadline - time.time()))
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                break
            if not chunk:
                break
            self.buf += chunk
        raise AssertionError("no event arrived; read %r" % self.buf)

    def close(self):
        self.sock.close()


def test_live_update_reaches_the_member_when_a_payment_is_taken(stack):
    member, _, mid, _ = register(stack, "Monthly", name="Live Reader")
    page = member.get("/account")
    assert 'data-live="/live/notifications/%d"' % mid in page.body
    assert '<script src="/static/live.js" defer></script>' in page.body
    stream = Stream(stack, "/live/notifications/%d" % mid, member.cookies)
    try:
        assert stream.status == 200, stream.head
        assert "text/event-stream" in stream.head
        staff = stack.login(*LIBRARIAN)
        pay_monthly_at_desk(staff, mid)
        assert stream.next_data() == {"unread": unread_in_db(stack, mid)} == {"unread": 1}
    finally:
        stream.close()


def test_live_updates_reach_staff_from_carrel_cron(stack):
    staff = stack.login(*LIBRARIAN)
    lid = account_id(stack, LIBRARIAN[0])
    stream = Stream(stack, "/live/notifications/%d" % lid, staff.cookies)
    try:
        assert stream.status == 200, stream.head
        r = stack.cron("monthly-report", "--month", "2020-01")
        assert r.returncode == 0, r.stderr
        assert stream.next_data() == {"unread": unread_in_db(stack, lid)}
    finally:
        stream.close()


def test_live_channel_of_another_account_or_a_visitor_is_refused(stack):
    member, _, mid, _ = register(stack, "Monthly", name="Live Owner")
    other, _, oid, _ = register(stack, "Monthly", name="Live Snoop")
    stream = Stream(stack, "/live/notifications/%d" % mid, other.cookies)
    stream.close()
    assert stream.status == 403, stream.head
    stream = Stream(stack, "/live/notifications/%d" % mid, {})
    stream.close()
    assert stream.status == 403, stream.head
    # The check itself answers the same when asked directly.
    assert Client(stack.port).get("/live/auth/%d" % mid).status == 403
    assert member.get("/live/auth/%d" % mid).status == 200
    assert other.get("/live/auth/%d" % mid).status == 403
    # The publisher is not reachable through the site.
    assert member.post("/live-publish/%d" % mid, {"unread": "9"}).status in (403, 404, 405)


def test_pages_work_without_live_updates(stack):
    member, _, mid, _ = register(stack, "Monthly", name="No Script")
    page = member.get("/account/notifications")
    # Every action is a plain form or link; the banner is hidden until a
    # script shows it.
    assert 'id="live-banner" hidden' in page.body
    assert "<script>" not in page.body


if __name__ == "__main__":
    sys.exit(run_with_staff(globals()))
