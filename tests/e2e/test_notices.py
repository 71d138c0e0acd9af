#!/usr/bin/env python3
"""End-to-end tests of the outbox of notices: a hold trapped for a member
queues one "ready to collect" notice however often the trap runs, desk
payments and refunds queue a receipt and a refund notice, and the notices
show on the staff member page and on the member's /account/notifications.
Delivery is not built yet: every notice stays queued."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN  # noqa: E402
from members_helpers import (LIBRARIAN, add_title, checkout, desk_renew,  # noqa: E402
                             member_row, register, run_with_staff, today)


def notices(stack, mid):
    with stack.db() as db:
        return db.execute("SELECT channel, recipient, subject, status, dedupe_key FROM outbox "
                          "WHERE account_id = ? ORDER BY id", (mid,)).fetchall()


def checkin(staff, barcode):
    page = staff.get("/staff/checkin")
    return staff.post("/staff/checkin", {"barcode": barcode, "csrf": page.csrf()})


def email_of(stack, mid):
    with stack.db() as db:
        return db.execute("SELECT email FROM account WHERE id = ?", (mid,)).fetchone()[0]


def test_a_trapped_hold_is_notified_once(stack):
    staff = stack.login(*LIBRARIAN)
    _, lender, _, _ = register(stack, "Student", name="First Borrower")
    waiter, _, wid, _ = register(stack, "Student", name="Second Reader")
    code = add_title(stack, "The Awaited Book")
    with stack.db() as db:
        tid = db.execute("SELECT title_id FROM copy WHERE barcode = ?", (code,)).fetchone()[0]
    assert checkout(staff, lender, code).status == 303
    page = waiter.get("/titles/%d" % tid)
    assert waiter.post("/titles/%d/hold" % tid, {"csrf": page.csrf()}).status == 303
    assert notices(stack, wid) == []
    assert checkin(staff, code).status == 303
    with stack.db() as db:
        hid = db.execute("SELECT id FROM hold WHERE account_id = ? AND status = 'ready'",
                         (wid,)).fetchone()[0]
    expected = [("email", email_of(stack, wid), "Ready to collect: The Awaited Book", "queued",
                 "hold-ready:%d:hold:%d:%s" % (wid, hid, today()))]
    assert notices(stack, wid) == expected, notices(stack, wid)
    # A second checkin of the same copy is refused and tells nobody again.
    assert checkin(staff, code).status != 303
    # The trap itself run again for the same hold on the same day (the loan
    # reopened by hand): still one notice.
    with stack.db() as db:
        db.execute("UPDATE hold SET status = 'waiting', copy_id = NULL, ready_day = NULL, "
                   "pickup_by = NULL WHERE id = ?", (hid,))
        db.execute("UPDATE loan SET returned_at = NULL, return_day = NULL, fine_cents = NULL "
                   "WHERE copy_id = (SELECT id FROM copy WHERE barcode = ?)", (code,))
        db.execute("UPDATE copy SET status = 'on-loan' WHERE barcode = ?", (code,))
    assert checkin(staff, code).status == 303
    with stack.db() as db:
        assert db.execute("SELECT status FROM hold WHERE id = ?", (hid,)).fetchone()[0] == "ready"
    out = subprocess.run([os.path.join(BIN, "carrel-cron"), "run"], env=stack.env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out
    assert notices(stack, wid) == expected, notices(stack, wid)
    # The member sees it; the staff member page lists it.
    page = waiter.get("/account/notifications")
    assert page.status == 200 and "Ready to collect: The Awaited Book" in page.body, page
    assert "not sent yet" in page.body and "queued" not in page.body
    page = staff.get("/staff/members/%d" % wid)
    assert "Notices sent" in page.body and "Ready to collect: The Awaited Book" in page.body


def test_payments_and_refunds_are_notified(stack):
    member, _, mid, _ = register(stack, "Monthly", name="Paying Person")
    staff = stack.login(*LIBRARIAN)
    assert notices(stack, mid) == []
    assert desk_renew(staff, mid, "Monthly").status == 303
    with stack.db() as db:
        pid, ref = db.execute("SELECT id, reference FROM payment WHERE account_id = ?",
                              (mid,)).fetchone()
    rows = notices(stack, mid)
    assert [r[2:] for r in rows] == [
        ("Receipt %s: 5.00 €" % ref, "queued", "payment-receipt:%d:payment:%d:%s"
         % (mid, pid, today()))], rows
    page = staff.get("/staff/members/%d/payments" % mid)
    r = staff.post("/staff/members/%d/payments/%d/refund" % (mid, pid),
                   {"reason": "changed their mind", "csrf": page.csrf()})
    assert r.status == 303, r
    assert member_row(stack, mid)[0] is None
    rows = notices(stack, mid)
    assert len(rows) == 2 and rows[1][2] == "Refund %s: 5.00 €" % ref, rows
    with stack.db() as db:
        body = db.execute("SELECT body FROM outbox WHERE dedupe_key LIKE 'payment-refund:%' "
                          "AND account_id = ?", (mid,)).fetchone()[0]
    assert "changed their mind" in body, body
    page = member.get("/account/notifications")
    assert "Receipt %s" % ref in page.body and "Refund %s" % ref in page.body
    # Another member's notices are not shown to this one.
    other, _, _, _ = register(stack, "Student")
    assert "Receipt %s" % ref not in other.get("/account/notifications").body


if __name__ == "__main__":
    sys.exit(run_with_staff(globals()))
