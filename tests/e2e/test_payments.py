#!/usr/bin/env python3
"""End-to-end tests of payments beyond taking them: a plan payment recorded
at /staff/members/{id}/payments, the free-plan window, and pending periods
cancelled when another plan is paid for. Tests move the library's clock
with test.clock_offset."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import plan_id  # noqa: E402
from members_helpers import (LIBRARIAN, desk_renew, member_row,  # noqa: E402
                             pay_online, payments, register, run_with_staff, set_clock,
                             today)


def periods(stack, mid):
    with stack.db() as db:
        return db.execute("SELECT p.name, m.status, m.start_day, m.end_day FROM membership m "
                          "JOIN plan p ON p.id = m.plan_id WHERE m.account_id = ? "
                          "ORDER BY m.id", (mid,)).fetchall()


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


if __name__ == "__main__":
    sys.exit(run_with_staff(globals()))
