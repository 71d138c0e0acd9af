#!/usr/bin/env python3
"""End-to-end tests of payments beyond taking them: a plan payment recorded
at /staff/members/{id}/payments, the free-plan window, pending periods
cancelled when another plan is paid for, and the payment provider: its
checkout pages belong to the member who started the payment, an answer too
old is refused, and an unknown provider in the configuration stops the
server at start. Tests move the library's clock with test.clock_offset."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, plan_id  # noqa: E402
from members_helpers import (LIBRARIAN, desk_renew, member_row,  # noqa: E402
                             pay_online, payments, register, run_with_staff, set_clock,
                             today)


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


def desk_payment(staff, mid, fields):
    page = staff.get("/staff/members/%d/payments" % mid)
    return staff.post("/staff/members/%d/payments" % mid, dict(fields, csrf=page.csrf()))


# ---- the tests ----

def test_plan_payment_recorded_on_the_payments_page_activates(stack):
    member, _, mid, _ = register(stack, "Monthly")
    staff = stack.login(*LIBRARIAN)
    page = staff.get("/staff/members/%d/payments" % mid)
    assert "waiting for Monthly (5.00)" in page.body, page.body
    r = desk_payment(staff, mid, {"purpose": "plan", "plan": plan_id(page, "Monthly"),
                                  "method": "card", "amount": ""})
    assert r.status == 303 and r.header("Location").startswith("/payments/"), r
    assert payments(stack, mid)[0][:4] == (500, "plan", "card", "completed")
    assert member_row(stack, mid)[0] == str(today(30))
    assert periods(stack, mid) == [("Monthly", "active", str(today()), str(today(30)))]
    assert "valid until <strong>%s</strong>" % today(30) in member.get("/account").body


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
    assert "0 member(s)" in page.body, page.body
    page = staff.get("/staff/members?status=active&q=Switch+Plans")
    assert "1 member(s)" in page.body, page.body


def test_free_plan_only_when_the_membership_is_ending(stack):
    member, _, mid, _ = register(stack, "Student")
    assert member_row(stack, mid)[0] == str(today(180))
    page = member.get("/account/payments")
    student = plan_id(page, "Student")
    for _ in range(3):
        r = member.post("/account/payments", {"purpose": "plan", "plan": student,
                                              "csrf": page.csrf()})
        assert r.status == 409, r
        assert "free plan can be taken again from %s" % today(166) in r.body, r.body
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
