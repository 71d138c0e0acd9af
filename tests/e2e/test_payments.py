#!/usr/bin/env python3
"""End-to-end tests of payments beyond taking them: a plan payment recorded
at /staff/members/{id}/payments, refunds (plan and fine payments reversed,
refused twice, refused for payments not completed, reason required, the
audit row and the receipt), an online fine payment that arrives after the
fines were paid at the desk, the free-plan window, pending periods
cancelled when another plan is paid for, and the payment provider: its
checkout pages belong to the member who started the payment, an answer too
old is refused, and an unknown provider in the configuration stops the
server at start. Tests move the library's clock with test.clock_offset."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, plan_id  # noqa: E402
from members_helpers import (LIBRARIAN, add_title, checkout, desk_renew,  # noqa: E402
                             member_row, pay_online, payments, register, run_with_staff,
                             set_clock, shown_day, today)


def periods(stack, mid):
    with stack.db() as db:
        return db.execute("SELECT p.name, m.status, m.start_day, m.end_day FROM membership m "
                          "JOIN plan p ON p.id = m.plan_id WHERE m.account_id = ? "
                          "ORDER BY m.id", (mid,)).fetchall()


def payment_ids(stack, mid):
    with stack.db() as db:
        return [r[0] for r in db.execute("SELECT id FROM payment WHERE account_id = ? "
                                         "ORDER BY id", (mid,))]


def payment_status(stack, pid):
    with stack.db() as db:
        return db.execute("SELECT status FROM payment WHERE id = ?", (pid,)).fetchone()[0]


def balance(stack, mid):
    with stack.db() as db:
        return db.execute("SELECT coalesce(sum(amount_cents), 0) FROM fine "
                          "WHERE account_id = ?", (mid,)).fetchone()[0]


def audit_count(stack, pid):
    with stack.db() as db:
        return db.execute("SELECT count(*) FROM audit WHERE action = 'payment.refund' "
                          "AND object = ?", ("payment:%d" % pid,)).fetchone()[0]


def add_fine(stack, mid, cents):
    with stack.db() as db:
        db.execute("INSERT INTO fine(account_id, kind, amount_cents, at) "
                   "VALUES (?, 'accrued', ?, 0)", (mid, cents))


def refund(staff, mid, pid, reason="returned the card"):
    page = staff.get("/staff/members/%d/payments" % mid)
    assert page.status == 200, page
    return staff.post("/staff/members/%d/payments/%d/refund" % (mid, pid),
                      {"reason": reason, "csrf": page.csrf()})


def desk_payment(staff, mid, fields):
    page = staff.get("/staff/members/%d/payments" % mid)
    return staff.post("/staff/members/%d/payments" % mid, dict(fields, csrf=page.csrf()))


# ---- the tests ----

def test_plan_payment_recorded_on_the_payments_page_activates(stack):
    member, _, mid, _ = register(stack, "Monthly")
    staff = stack.login(*LIBRARIAN)
    page = staff.get("/staff/members/%d/payments" % mid)
    assert "waiting for Monthly (5.00 €)" in page.body, page.body
    r = desk_payment(staff, mid, {"purpose": "plan", "plan": plan_id(page, "Monthly"),
                                  "method": "card", "amount": ""})
    assert r.status == 303 and r.header("Location").startswith("/payments/"), r
    assert payments(stack, mid)[0][:4] == (500, "plan", "card", "completed")
    assert member_row(stack, mid)[0] == str(today(30))
    assert periods(stack, mid) == [("Monthly", "active", str(today()), str(today(30)))]
    assert "valid until <strong>%s</strong>" % shown_day(today(30)) in member.get("/account").body


def test_paying_for_another_plan_cancels_the_pending_one(stack):
    member, _, mid, _ = register(stack, "Monthly", name="Switch Plans")
    page = member.get("/account/payments")
    answer = pay_online(member, {"purpose": "plan", "plan": plan_id(page, "Annual")})
    assert member.post("/payments/callback", answer).status == 303
    assert member_row(stack, mid)[0] == str(today(365))
    assert periods(stack, mid) == [("Monthly", "cancelled", None, None),
                                   ("Annual", "active", str(today()), str(today(365)))]
    staff = stack.login(*LIBRARIAN)
    page = staff.get("/staff/members/%d" % mid)
    assert "waiting for payment" not in page.body, page.body
    assert "not needed: the membership was taken with Annual" in page.body
    assert "waits for its payment" not in member.get("/account/payments").body
    page = staff.get("/staff/members?status=pending&q=Switch+Plans")
    assert "0 members<" in page.body, page.body
    page = staff.get("/staff/members?status=active&q=Switch+Plans")
    assert "1 member<" in page.body, page.body


def test_refunding_plan_payments_takes_their_days_back(stack):
    member, email, mid, _ = register(stack, "Monthly")
    staff = stack.login(*LIBRARIAN)
    assert desk_renew(staff, mid, "Monthly").status == 303
    assert desk_renew(staff, mid, "Monthly").status == 303
    assert member_row(stack, mid)[0] == str(today(60))
    first, second = payment_ids(stack, mid)
    # A reason is required: nothing changes without one.
    r = refund(staff, mid, first, reason="  ")
    assert r.status == 422 and "reason" in r.body, r
    assert payment_status(stack, first) == "completed"
    # The first period began today: cancelled whole, the second moves back.
    r = refund(staff, mid, first, reason="paid twice by mistake")
    assert r.status == 303 and r.header("Location") == "/payments/%d?done=refunded" % first, r
    assert payment_status(stack, first) == "refunded"
    assert member_row(stack, mid)[0] == str(today(30))
    assert periods(stack, mid) == [
        ("Monthly", "cancelled", str(today()), str(today(30))),
        ("Monthly", "active", str(today()), str(today(30)))]
    assert audit_count(stack, first) == 1
    receipt = staff.get(r.header("Location"))
    assert "The payment was refunded." in receipt.body
    assert "<dt>Refunded</dt>" in receipt.body and "paid twice by mistake" in receipt.body
    assert ">refunded<" in member.get("/payments/%d" % first).body
    # Twice is refused and changes nothing.
    r = refund(staff, mid, first)
    assert r.status == 409 and "already refunded" in r.body, r
    assert audit_count(stack, first) == 1 and member_row(stack, mid)[0] == str(today(30))
    # The other member's payment is not this member's to refund.
    _, _, other, _ = register(stack, "Student")
    r = refund(staff, other, second)
    assert r.status == 404, r
    assert payment_status(stack, second) == "completed"
    # Refunding the last one leaves no membership: the desk refuses to lend.
    assert refund(staff, mid, second).status == 303
    assert member_row(stack, mid)[0] is None
    assert "Status: <strong>no membership</strong>" in staff.get("/staff/members/%d" % mid).body
    r = checkout(staff, email, add_title(stack, "Refunded Reading"))
    assert r.status == 422 and "no membership" in r.body, r
    # Members cannot refund, and the form token is checked.
    page = member.get("/account")
    r = member.post("/staff/members/%d/payments/%d/refund" % (mid, second),
                    {"reason": "x", "csrf": page.csrf()})
    assert r.status == 403, r
    r = staff.post("/staff/members/%d/payments/%d/refund" % (mid, second), {"reason": "x"})
    assert r.status == 403, r


def test_refund_of_a_period_under_way_cuts_it_short(stack):
    _, _, mid, _ = register(stack, "Annual")
    staff = stack.login(*LIBRARIAN)
    assert desk_renew(staff, mid, "Annual").status == 303
    (pid,) = payment_ids(stack, mid)
    try:
        set_clock(stack, 10)
        assert refund(staff, mid, pid, reason="moving away").status == 303
        assert member_row(stack, mid)[0] == str(today(9))
        assert periods(stack, mid) == [("Annual", "active", str(today()), str(today(9)))]
        page = staff.get("/staff/members/%d" % mid)
        assert "cut short (was until %s)" % today(365) in page.body, page.body
        assert "Status: <strong>expired</strong>" in page.body
    finally:
        set_clock(stack, 0)


def test_refunds_of_payments_not_completed_are_refused(stack):
    member, _, mid, _ = register(stack, "Monthly")
    page = member.get("/account/payments")
    pay_online(member, {"purpose": "plan", "plan": plan_id(page, "Monthly")})
    declined = pay_online(member, {"purpose": "plan", "plan": plan_id(page, "Monthly")},
                          decision="decline")
    assert member.post("/payments/callback", declined).status == 303
    pending, failed = payment_ids(stack, mid)
    assert (payment_status(stack, pending), payment_status(stack, failed)) == \
        ("pending", "failed")
    staff = stack.login(*LIBRARIAN)
    for pid, status, words in ((pending, "pending", "still waiting to be paid"),
                               (failed, "failed", "a failed payment")):
        r = refund(staff, mid, pid)
        assert r.status == 409 and "is %s: only a completed payment" % words in r.body, r
        assert payment_status(stack, pid) == status
        assert audit_count(stack, pid) == 0
    r = refund(staff, mid, 999999)
    assert r.status == 404, r


def test_refund_of_a_fine_payment_makes_the_fines_owed_again(stack):
    _, _, mid, _ = register(stack, "Student")
    add_fine(stack, mid, 350)
    staff = stack.login(*LIBRARIAN)
    r = desk_payment(staff, mid, {"purpose": "fine", "amount": "2.00", "method": "cash"})
    assert r.status == 303, r
    assert balance(stack, mid) == 150
    (pid,) = payment_ids(stack, mid)
    assert refund(staff, mid, pid, reason="paid for the wrong member").status == 303
    assert balance(stack, mid) == 350
    with stack.db() as db:
        row = db.execute("SELECT kind, amount_cents, payment_id, reason FROM fine "
                         "WHERE account_id = ? ORDER BY id DESC LIMIT 1", (mid,)).fetchone()
    assert row[:3] == ("accrued", 200, pid), row
    assert "refunded (paid for the wrong member)" in row[3], row
    assert "Owed again" in staff.get("/staff/members/%d" % mid).body


def test_online_fine_payment_after_a_desk_payment_keeps_the_excess(stack):
    member, _, mid, _ = register(stack, "Student")
    add_fine(stack, mid, 300)
    answer = pay_online(member, {"purpose": "fine"})
    assert answer["amount_cents"] == "300"
    staff = stack.login(*LIBRARIAN)
    assert desk_payment(staff, mid, {"purpose": "fine", "amount": "1.00",
                                     "method": "cash"}).status == 303
    r = member.post("/payments/callback", answer)
    assert r.status == 303, r
    online = payment_ids(stack, mid)[0]
    with stack.db() as db:
        status, excess = db.execute("SELECT status, excess_cents FROM payment WHERE id = ?",
                                    (online,)).fetchone()
    assert (status, excess) == ("completed", 100), (status, excess)
    assert balance(stack, mid) == 0            # credited only what was owed
    receipt = member.get("/payments/%d" % online)
    assert "2.00 €; 1.00 € was more than was owed" in receipt.body, receipt.body
    # Nothing owed now: an online fine payment is refused at the start.
    page = member.get("/account/payments")
    r = member.post("/account/payments", {"purpose": "fine", "csrf": page.csrf()})
    assert r.status == 409 and "no fines to pay" in r.body, r
    # Refunding it puts back only what it paid off.
    assert refund(staff, mid, online, reason="paid twice").status == 303
    assert balance(stack, mid) == 200


def test_free_plan_only_when_the_membership_is_ending(stack):
    member, _, mid, _ = register(stack, "Student")
    assert member_row(stack, mid)[0] == str(today(180))
    page = member.get("/account/payments")
    student = plan_id(page, "Student")
    for _ in range(3):
        r = member.post("/account/payments", {"purpose": "plan", "plan": student,
                                              "csrf": page.csrf()})
        assert r.status == 409, r
        assert "free plan can be taken again from %s" % shown_day(today(166)) in r.body, r.body
    assert member_row(stack, mid)[0] == str(today(180))
    assert len(periods(stack, mid)) == 1
    # Staff may extend anyone.
    staff = stack.login(*LIBRARIAN)
    assert desk_renew(staff, mid, "Student").status == 303
    assert member_row(stack, mid)[0] == str(today(360))
    try:
        # Within 14 days of the end, the member may renew it themselves.
        set_clock(stack, 346)
        page = member.get("/account/payments")
        r = member.post("/account/payments", {"purpose": "plan", "plan": student,
                                              "csrf": page.csrf()})
        assert r.status == 303 and r.header("Location").endswith("done=extended"), r
        assert member_row(stack, mid)[0] == str(today(540))
        r = member.post("/account/payments", {"purpose": "plan", "plan": student,
                                              "csrf": page.csrf()})
        assert r.status == 409, r
    finally:
        set_clock(stack, 0)


def test_provider_pages_belong_to_the_member_who_pays(stack):
    owner, _, mid, _ = register(stack, "Monthly", name="Owner Person")
    page = owner.get("/account/payments")
    r = owner.post("/account/payments", {"purpose": "plan",
                                         "plan": plan_id(page, "Monthly"), "csrf": page.csrf()})
    assert r.status == 303, r
    checkout = r.header("Location")
    assert checkout.startswith("/payments/test-provider/"), checkout
    intruder, _, _, _ = register(stack, "Student", name="Intruder Person")
    r = intruder.get(checkout)
    assert r.status == 404 and "Approve the payment" not in r.body, r
    token = intruder.get("/account").csrf()
    r = intruder.post(checkout, {"decision": "approve", "csrf": token})
    assert r.status == 404 and "provider-answer" not in r.body, r
    (pid,) = payment_ids(stack, mid)
    assert payment_status(stack, pid) == "pending"
    assert member_row(stack, mid)[0] is None
    # The owner can.
    assert "Approve the payment" in owner.get(checkout).body


def test_provider_answer_too_old_changes_nothing(stack):
    member, _, mid, _ = register(stack, "Monthly")
    page = member.get("/account/payments")
    answer = pay_online(member, {"purpose": "plan", "plan": plan_id(page, "Monthly")})
    (pid,) = payment_ids(stack, mid)
    try:
        set_clock(stack, 1)
        r = member.post("/payments/callback", answer)
        assert r.status == 400 and "too old" in r.body, r
        assert payment_status(stack, pid) == "pending"
        assert member_row(stack, mid)[0] is None
    finally:
        set_clock(stack, 0)
    # Refused before anything was remembered: in time, the answer counts.
    assert member.post("/payments/callback", answer).status == 303
    assert payment_status(stack, pid) == "completed"


def test_unknown_payment_provider_stops_the_server(stack):
    env = dict(stack.env, CARREL_PAYMENT_PROVIDER="acme-pay",
               CARREL_SOCKET=os.path.join(stack.dir, "unused.sock"))
    r = subprocess.run([os.path.join(BIN, "carrel.fcgi")], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 1 and "payment_provider = acme-pay" in r.stderr, r
    assert not os.path.exists(env["CARREL_SOCKET"])


if __name__ == "__main__":
    sys.exit(run_with_staff(globals()))
