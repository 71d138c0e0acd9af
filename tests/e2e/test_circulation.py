#!/usr/bin/env python3
"""End-to-end tests of circulation through the real nginx: the desk
(checkout, checkin), renewals, the holds queue, fines and payments, rules
and closed days, and fifty desks lending one copy at once. Tests move the
library's clock with the setting test.clock_offset (CARREL_TEST_CLOCK=1)."""
import concurrent.futures
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, Client, run_module  # noqa: E402
from circ import (ADMIN, LIBRARIAN, add_title, alert, checkin, checkout,  # noqa: E402
                  circ_stack, copy_status, days, ledger, lend_new_title, loan_row, member,
                  place_hold, post_rule, read_form_token, set_clock, shown_days)

# ---- tests ----

def test_checkout_renew_overdue_fine_pay_checkin(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    m, email, mid = member(stack, "Olive Overdue")
    _, (code,) = add_title(stack, "The Long Loan")
    r = checkout(staff, email, code)
    assert r.status == 303, r
    page = staff.get(r.header("Location"))
    assert "Due <strong>%s</strong>" % shown_days(21) in page.body, page.body[:3000]
    loan_id, due, renewals, _, _ = loan_row(stack, code)
    assert due == days(21) and renewals == 0
    assert copy_status(stack, code) == "on-loan"
    # Ten days on, the member renews from their account: 21 days from the
    # due date (renewing early wastes nothing).
    set_clock(stack, 10)
    acct = m.get("/account")
    assert "The Long Loan" in acct.body and shown_days(21) in acct.body
    r = m.post("/account/loans/%d/renew" % loan_id, {"csrf": acct.csrf()})
    assert r.status == 303, r
    assert loan_row(stack, code)[1] == days(42)
    # Five days after that due date: overdue, 4 days charged (1 of grace).
    set_clock(stack, 47)
    acct = m.get("/account")
    assert "overdue" in acct.body and "1.00" in acct.body, acct.body
    why = staff.get("/staff/loans/%d" % loan_id)
    assert "5 days late, 4 charged" in why.body, why.body
    r = checkin(staff, code)
    assert r.status == 303, r
    receipt = staff.get(r.header("Location"))
    assert "a fine of <strong>1.00 €</strong>" in receipt.body, receipt.body
    assert loan_row(stack, code)[4] == 100
    assert copy_status(stack, code) == "available"
    # The fine is in the ledger; paying it at the desk clears the balance.
    page = staff.get("/staff/members/%d" % mid)
    assert "Balance: <strong class=\"late\">1.00 €</strong>" in page.body, page.body
    r = staff.post("/staff/members/%d/fines" % mid,
                   {"amount": "1.00", "action": "pay", "reason": "cash", "csrf": page.csrf()})
    assert r.status == 303, r
    page = staff.get("/staff/members/%d" % mid)
    assert "Balance: <strong>0.00 €</strong>" in page.body
    with stack.db() as db:
        rows = db.execute("SELECT kind, amount_cents FROM fine WHERE account_id = ? ORDER BY id",
                          (mid,)).fetchall()
    assert rows == [("accrued", 100), ("paid", -100)], rows
    assert "The Long Loan" in m.get("/account/history").body
    set_clock(stack, 0)


def test_refusals_say_why(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    _, email, _ = member(stack, "Rita Refused")
    _, (code,) = add_title(stack, "Refusal Studies")
    r = checkout(staff, email, "NO-SUCH-CODE")
    assert r.status == 422 and "No copy has that barcode" in alert(r.body), r
    r = checkout(staff, "nobody@test.example", code)
    assert r.status == 422 and "No member" in alert(r.body), r
    assert checkout(staff, email, code).status == 303
    _, other, _ = member(stack, "Otto Other")
    r = checkout(staff, other, code)
    assert r.status == 422 and "already on loan" in alert(r.body), r
    assert checkin(staff, code).status == 303
    r = checkin(staff, code)
    assert r.status == 422 and "not on loan" in alert(r.body), r
    with stack.db() as db:
        db.execute("UPDATE copy SET status = 'lost' WHERE barcode = ?", (code,))
    r = checkout(staff, email, code)
    assert r.status == 422 and "marked lost" in alert(r.body), r


def test_limits_rules_and_blocking(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    admin = stack.login(*ADMIN)
    _, email, mid = member(stack, "Lena Limits")
    # A rule for children: 7 days, 1 loan at a time.
    r = post_rule(admin, "child", "*", loan_days="7", max_loans="1", max_renewals="1",
                  fine_per_day="0.10", grace_days="0", fine_cap="2.00", hold_pickup_days="3")
    assert r.status == 303, r
    r = post_rule(admin, "child", "*", loan_days="x")
    assert r.status == 422, r
    with stack.db() as db:
        db.execute("UPDATE account SET category = 'child' WHERE id = ?", (mid,))
    _, (c1, c2) = add_title(stack, "Picture Book", copies=2)
    r = checkout(staff, email, c1)
    assert r.status == 303 and loan_row(stack, c1)[1] == days(7), r
    why = staff.get("/staff/loans/%d" % loan_row(stack, c1)[0])
    assert "<strong>Child / Any item type: 7 days</strong>" in why.body, why.body
    r = checkout(staff, email, c2)
    assert r.status == 422 and "limit is 1" in alert(r.body), r
    checkin(staff, c1)
    # Fines over 5.00 block borrowing, with the amount said.
    with stack.db() as db:
        db.execute("INSERT INTO fine(account_id, kind, amount_cents, reason, at) "
                   "VALUES (?, 'accrued', 600, 'test', 0)", (mid,))
    r = checkout(staff, email, c2)
    assert r.status == 422 and "owes 6.00" in alert(r.body), r
    page = staff.get("/staff/members/%d" % mid)
    r = staff.post("/staff/members/%d/fines" % mid,
                   {"amount": "2.00", "action": "waive", "reason": "", "csrf": page.csrf()})
    assert r.status == 422, r
    r = staff.post("/staff/members/%d/fines" % mid,
                   {"amount": "2.00", "action": "waive", "reason": "first offence",
                    "csrf": page.csrf()})
    assert r.status == 303, r
    assert checkout(staff, email, c2).status == 303


def test_closed_days_move_due_dates_and_are_not_charged(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    admin = stack.login(*ADMIN)
    page = admin.get("/admin/settings")
    r = admin.post("/admin/settings/closed", {"from": days(21), "to": days(22),
                                              "reason": "Stocktake", "csrf": page.csrf()})
    assert r.status == 303, r
    r = admin.post("/admin/settings/closed", {"from": "2026-02-30", "csrf": page.csrf()})
    assert r.status == 422 and "YYYY-MM-DD" in r.body, r
    _, email, _ = member(stack, "Cleo Closed")
    _, code, lid = lend_new_title(stack, staff, email, "Closed on Mondays")
    due = loan_row(stack, code)[1]
    assert due == days(23), due
    why = staff.get("/staff/loans/%d" % lid)
    assert "moved forward 2 days past closed days" in why.body, why.body
    # Closed days after the due date are not charged either.
    page = admin.get("/admin/settings")
    admin.post("/admin/settings/closed", {"from": days(25), "to": days(26), "csrf": page.csrf()})
    set_clock(stack, 28)
    why = staff.get("/staff/loans/%d" % lid)
    # 5 days late: 1 grace, 2 closed, 2 charged.
    assert "5 days late, 2 charged, 2 closed days not charged" in why.body, why.body
    checkin(staff, code)
    assert loan_row(stack, code)[4] == 50
    with stack.db() as db:
        db.execute("DELETE FROM closed_day")
    set_clock(stack, 0)


def test_renewal_refused_when_someone_waits_or_limit(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    m, email, _ = member(stack, "Rex Renew")
    w, _, _ = member(stack, "Wanda Waiting")
    tid, code, lid = lend_new_title(stack, staff, email, "Popular Novel")
    for _ in range(3):
        acct = m.get("/account")
        assert m.post("/account/loans/%d/renew" % lid, {"csrf": acct.csrf()}).status == 303
    acct = m.get("/account")
    r = m.post("/account/loans/%d/renew" % lid, {"csrf": acct.csrf()})
    assert r.status == 409 and "the most allowed" in r.body, r
    with stack.db() as db:
        db.execute("UPDATE loan SET renewals = 0 WHERE id = ?", (lid,))
    page = w.get("/titles/%d" % tid)
    assert w.post("/titles/%d/hold" % tid, {"csrf": page.csrf()}).status == 303
    acct = m.get("/account")
    r = m.post("/account/loans/%d/renew" % lid, {"csrf": acct.csrf()})
    assert r.status == 409 and "waiting" in r.body, r
    # Nobody renews another member's loan.
    acct = w.get("/account")
    r = w.post("/account/loans/%d/renew" % lid, {"csrf": acct.csrf()})
    assert r.status == 403, r
    # A member cannot hold a title they have out.
    page = m.get("/titles/%d" % tid)
    r = m.post("/titles/%d/hold" % tid, {"csrf": page.csrf()})
    assert r.status == 409 and "already have" in r.body, r


def test_holds_queue_of_three_passes_the_copy_along(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    _, a_email, _ = member(stack, "Ann First")
    holders = [member(stack, n) for n in ("Bea Second", "Cal Third", "Dee Fourth")]
    tid, code, _ = lend_new_title(stack, staff, a_email, "Much Wanted")
    for i, (c, _, _) in enumerate(holders):
        page = c.get("/titles/%d" % tid)
        assert c.post("/titles/%d/hold" % tid, {"csrf": page.csrf()}).status == 303
        assert "number %d in the queue" % (i + 1) in c.get("/account").body
    (b, b_email, _), (cc, c_email, _), (d, d_email, _) = holders
    # Returned: trapped for the first in the queue.
    r = checkin(staff, code)
    receipt = staff.get(r.header("Location"))
    assert "hold shelf for <strong>Bea Second</strong>" in receipt.body, receipt.body
    assert copy_status(stack, code) == "on-hold-shelf"
    assert "ready to collect</strong> until %s" % shown_days(7) in b.get("/account").body
    r = checkout(staff, c_email, code)
    assert r.status == 422 and "another reader" in alert(r.body), r
    shelf = staff.get("/staff/holds")
    assert "Bea Second" in shelf.body and shown_days(7) in shelf.body
    # Bea does not come: after her pickup day the copy passes to Cal.
    set_clock(stack, 8)
    shelf = staff.get("/staff/holds")
    assert "Cal Third" in shelf.body and shown_days(15) in shelf.body, shelf.body
    assert "ready to collect" in cc.get("/account").body
    assert "Much Wanted" not in b.get("/account").body
    # Cal does not come either; the cron job passes it to Dee.
    set_clock(stack, 16)
    env = dict(stack.env)
    out = subprocess.run([os.path.join(BIN, "carrel-cron"), "run"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "expire-holds: 1 hold expired" in out.stdout, out
    assert "ready to collect" in d.get("/account").body
    r = checkout(staff, d_email, code)
    assert r.status == 303, r
    with stack.db() as db:
        statuses = db.execute("SELECT a.name, h.status FROM hold h JOIN account a "
                              "ON a.id = h.account_id WHERE h.title_id = ? ORDER BY h.id",
                              (tid,)).fetchall()
    assert statuses == [("Bea Second", "expired"), ("Cal Third", "expired"),
                        ("Dee Fourth", "collected")], statuses
    set_clock(stack, 0)


def ready_hold_until(stack, staff, first, holder, title, day):
    """On day: first borrows a new title's only copy, holder holds it, the
    copy comes back and is trapped for holder (pickup within 7 days).
    Returns (title id, barcode)."""
    set_clock(stack, day)
    tid, code, _ = lend_new_title(stack, staff, first, title)
    assert place_hold(holder, tid).status == 303
    assert checkin(staff, code).status == 303
    assert copy_status(stack, code) == "on-hold-shelf"
    return tid, code


def hold_status(stack, mid, tid):
    with stack.db() as db:
        return db.execute("SELECT status FROM hold WHERE account_id = ? AND title_id = ? "
                          "ORDER BY id DESC LIMIT 1", (mid, tid)).fetchone()[0]


def test_lapsed_hold_frees_its_copy_wherever_it_matters(stack):
    """Nobody opens /staff/holds and the cron job does not run: the copy of
    a hold not collected by its pickup day is free at the desk, on the
    lapsed reader's account, on the title page and for a new hold."""
    staff = stack.login(*LIBRARIAN)
    _, first, _ = member(stack, "Fred First")
    b, _, bid = member(stack, "Lapsed Lou")
    _, c_email, _ = member(stack, "Next Nora")
    # The desk: the day after the pickup day, the next reader borrows it.
    tid, code = ready_hold_until(stack, staff, first, b, "Left on the Shelf", 0)
    set_clock(stack, 7)
    r = checkout(staff, c_email, code)
    assert r.status == 422 and "another reader" in alert(r.body), r
    set_clock(stack, 8)
    r = checkout(staff, c_email, code)
    assert r.status == 303, alert(r.body)
    assert hold_status(stack, bid, tid) == "expired"
    # The lapsed reader's own account no longer says "ready to collect".
    tid, code = ready_hold_until(stack, staff, first, b, "Never Collected", 10)
    assert "ready to collect" in b.get("/account").body
    set_clock(stack, 18)
    acct = b.get("/account")
    assert "ready to collect" not in acct.body and "Never Collected" not in acct.body, acct.body
    assert copy_status(stack, code) == "available"
    # The title page shows the copy back on the shelf.
    tid, code = ready_hold_until(stack, staff, first, b, "Shelf Again", 20)
    assert "held for a reader" in Client(stack.port).get("/titles/%d" % tid).body
    set_clock(stack, 28)
    page = Client(stack.port).get("/titles/%d" % tid)
    assert "on the shelf" in page.body and "held for a reader" not in page.body, page.body
    # A new hold takes the freed copy down for its reader at once.
    tid, code = ready_hold_until(stack, staff, first, b, "Second Chance", 30)
    d, _, did = member(stack, "Dora Later")
    set_clock(stack, 38)
    r = d.post("/titles/%d/hold" % tid, {"csrf": read_form_token(d)})
    assert r.status == 303, r
    assert hold_status(stack, did, tid) == "ready"
    assert hold_status(stack, bid, tid) == "expired"
    set_clock(stack, 0)


def pay_fine(staff, mid, amount, action="pay", reason="cash"):
    page = staff.get("/staff/members/%d" % mid)
    return staff.post("/staff/members/%d/fines" % mid, {"amount": amount, "action": action,
                                                        "reason": reason, "csrf": page.csrf()})


def assert_ledger_never_negative(rows):
    total = 0
    for kind, cents in rows:
        total += cents
        assert total >= 0, rows
    return total


def member_list_owed(staff, email, owing=False):
    """The member's "Fines owed" cell in the member list, or None when the
    list (with the owing filter if asked) does not show them."""
    page = staff.get("/staff/members?q=%s%s" % (email, "&owing=1" if owing else ""))
    m = re.search(r'%s</td>.*?<td data-label="Fines owed">([^<]*)</td>' % re.escape(email),
                  page.body, re.S)
    return m.group(1) if m else None


def test_paying_while_out_then_returning_charges_each_day_once(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    _, email, mid = member(stack, "Paula Partway")
    _, code, lid = lend_new_title(stack, staff, email, "Still Out")
    # 5 days late, 1 of grace: 1.00 accruing, nothing recorded yet.
    set_clock(stack, 26)
    page = staff.get("/staff/members/%d" % mid)
    assert "Balance: <strong>0.00 €</strong>" in page.body, page.body
    assert "still out: <strong class=\"late\">1.00 €</strong>, so <strong>1.00 €</strong>" in page.body
    assert member_list_owed(staff, email) == "" and member_list_owed(staff, email, True) is None
    # More than owed is refused and records nothing, not even the accrual.
    r = pay_fine(staff, mid, "5.00")
    assert r.status == 422 and "owes 1.00" in r.body, r
    assert ledger(stack, mid) == []
    # A part payment: the 1.00 run up so far is recorded first.
    assert pay_fine(staff, mid, "0.60").status == 303
    assert ledger(stack, mid) == [("accrued", 100), ("paid", -60)]
    assert member_list_owed(staff, email) == "0.40 €"
    assert member_list_owed(staff, email, owing=True) == "0.40 €"
    # Four days on, 1.00 more has accrued; paying all 1.40 clears everything.
    set_clock(stack, 30)
    why = staff.get("/staff/loans/%d" % lid)
    assert "<strong>1.00 €</strong> accruing" in why.body and "<strong>1.00 €</strong> already" \
        in why.body, why.body
    r = pay_fine(staff, mid, "1.40")
    assert r.status == 303, r
    assert assert_ledger_never_negative(ledger(stack, mid)) == 0
    assert member_list_owed(staff, email) == "" and member_list_owed(staff, email, True) is None
    # Back 3 days later: only those 3 days are charged; the loan's fine is
    # the whole lateness, 11 days at 0.25, each counted once.
    set_clock(stack, 33)
    r = checkin(staff, code)
    assert r.status == 303, r
    assert "a fine of <strong>2.75 €</strong>" in staff.get(r.header("Location")).body
    rows = ledger(stack, mid)
    assert rows[-1] == ("accrued", 75), rows
    assert assert_ledger_never_negative(rows) == 75
    assert sum(c for k, c in rows if k == "accrued") == loan_row(stack, code)[4] == 275
    assert "Balance: <strong class=\"late\">0.75 €</strong>" in \
        staff.get("/staff/members/%d" % mid).body
    assert member_list_owed(staff, email, owing=True) == "0.75 €"
    # A waiver records nothing more for a returned loan and clears the rest.
    assert pay_fine(staff, mid, "0.75", action="waive", reason="first time").status == 303
    assert assert_ledger_never_negative(ledger(stack, mid)) == 0
    set_clock(stack, 0)


def hold_ids(stack, tid):
    """{member name: (hold id, status)} of a title's holds."""
    with stack.db() as db:
        return {name: (hid, status) for hid, name, status in db.execute(
            "SELECT h.id, a.name, h.status FROM hold h JOIN account a ON a.id = h.account_id "
            "WHERE h.title_id = ?", (tid,))}


def test_staff_renew_from_the_member_page(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    _, email, mid = member(stack, "Stella Staffrenew")
    w, _, _ = member(stack, "Walt Waiting")
    tid, code, lid = lend_new_title(stack, staff, email, "Renewed at the Desk")
    set_clock(stack, 5)
    page = staff.get("/staff/members/%d" % mid)
    assert 'action="/staff/loans/%d/renew"' % lid in page.body, page.body
    r = staff.post("/staff/loans/%d/renew" % lid, {"csrf": page.csrf()})
    assert r.status == 303 and r.header("Location") == "/staff/members/%d?done=renewed" % mid, r
    page = staff.get(r.header("Location"))
    assert "The loan was renewed." in page.body and shown_days(42) in page.body
    assert loan_row(stack, code)[1:3] == (days(42), 1)
    # Someone waits for the title: refused, with the reason, nothing changed.
    assert place_hold(w, tid).status == 303
    r = staff.post("/staff/loans/%d/renew" % lid, {"csrf": page.csrf()})
    assert r.status == 409 and "Another reader is waiting for this title" in r.body, r
    assert loan_row(stack, code)[1:3] == (days(42), 1)
    # No such loan, and a loan already returned.
    assert staff.post("/staff/loans/999999/renew", {"csrf": page.csrf()}).status == 404
    checkin(staff, code)
    r = staff.post("/staff/loans/%d/renew" % lid, {"csrf": page.csrf()})
    assert r.status == 404 and "not open" in r.body, r
    set_clock(stack, 0)


def test_holds_cancelled_by_member_and_staff(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    _, first, _ = member(stack, "Hal Hasit")
    (a, _, _), (b, _, _), (c, _, _) = [member(stack, n) for n in
                                       ("Ada Ahead", "Ben Behind", "Cy Last")]
    tid, code, _ = lend_new_title(stack, staff, first, "Cancelled Holds")
    for who in (a, b, c):
        assert place_hold(who, tid).status == 303
    holds = hold_ids(stack, tid)
    # A member cancels their own waiting hold; the others move up.
    acct = b.get("/account")
    assert "number 2 in the queue" in acct.body
    r = b.post("/account/holds/%d/cancel" % holds["Ben Behind"][0], {"csrf": acct.csrf()})
    assert r.status == 303 and "The hold was cancelled." in b.get(r.header("Location")).body
    assert "number 2 in the queue" in c.get("/account").body
    # Not someone else's, and not twice.
    acct = c.get("/account")
    r = c.post("/account/holds/%d/cancel" % holds["Ada Ahead"][0], {"csrf": acct.csrf()})
    assert r.status == 403, r
    r = b.post("/account/holds/%d/cancel" % holds["Ben Behind"][0],
               {"csrf": read_form_token(b)})
    assert r.status == 404, r
    assert hold_ids(stack, tid)["Ada Ahead"][1] == "waiting"
    # The copy comes back for Ada; she cancels the ready hold: it passes to Cy.
    checkin(staff, code)
    assert hold_ids(stack, tid)["Ada Ahead"][1] == "ready"
    acct = a.get("/account")
    assert "ready to collect" in acct.body
    assert a.post("/account/holds/%d/cancel" % holds["Ada Ahead"][0],
                  {"csrf": acct.csrf()}).status == 303
    assert hold_ids(stack, tid)["Cy Last"][1] == "ready"
    assert copy_status(stack, code) == "on-hold-shelf"
    assert "ready to collect</strong> until %s" % shown_days(7) in c.get("/account").body
    # Staff cancel Cy's ready hold from the hold shelf: nobody is left, so
    # the copy goes back on the shelf.
    shelf = staff.get("/staff/holds")
    assert "Cy Last" in shelf.body
    r = staff.post("/staff/holds/%d/cancel" % holds["Cy Last"][0], {"csrf": shelf.csrf()})
    assert r.status == 303 and r.header("Location") == "/staff/holds", r
    assert "Cy Last" not in staff.get("/staff/holds").body
    assert copy_status(stack, code) == "available"
    assert {k: v[1] for k, v in hold_ids(stack, tid).items()} == {
        "Ada Ahead": "cancelled", "Ben Behind": "cancelled", "Cy Last": "cancelled"}
    r = staff.post("/staff/holds/%d/cancel" % holds["Cy Last"][0], {"csrf": shelf.csrf()})
    assert r.status == 404, r


def test_fines_stay_right_when_rules_change(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    _, email, _ = member(stack, "Fay Fixed")
    _, code, lid = lend_new_title(stack, staff, email, "Rules Change")
    with stack.db() as db:
        db.execute("UPDATE circ_rule SET fine_per_day_cents = 500 WHERE category = '*' "
                   "AND item_type = '*'")
    set_clock(stack, 24)
    # 3 days late, 1 of grace: 2 days at the loan's own 0.25.
    assert "0.50" in staff.get("/staff/loans/%d" % lid).body
    checkin(staff, code)
    with stack.db() as db:
        db.execute("UPDATE circ_rule SET fine_per_day_cents = 25 WHERE category = '*' "
                   "AND item_type = '*'")
        db.execute("INSERT INTO closed_day(day) VALUES (?)", (days(22),))
    assert loan_row(stack, code)[4] == 50
    assert "fine fixed at <strong>0.50 €</strong>" in staff.get("/staff/loans/%d" % lid).body
    with stack.db() as db:
        db.execute("DELETE FROM closed_day")
    set_clock(stack, 0)


def test_fifty_desks_lend_one_copy_once(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    members = [member(stack, "Racer %d" % i)[1] for i in range(5)]
    _, (code,) = add_title(stack, "Last Copy")
    token = staff.get("/staff/checkout").csrf()

    def lend(i):
        c = Client(stack.port)
        c.cookies = dict(staff.cookies)
        return c.post("/staff/checkout", {"member": members[i % 5], "barcode": code,
                                          "csrf": token})

    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(lend, range(50)))
    statuses = [r.status for r in results]
    assert statuses.count(303) == 1, statuses
    assert statuses.count(422) == 49, statuses
    for r in results:
        if r.status == 422:
            assert "already on loan" in alert(r.body), alert(r.body)
    with stack.db() as db:
        n = db.execute("SELECT count(*) FROM loan l JOIN copy c ON c.id = l.copy_id "
                       "WHERE c.barcode = ?", (code,)).fetchone()[0]
    assert n == 1, n


def test_title_page_shows_due_dates_and_hold_button(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    _, email, _ = member(stack, "Dora Due")
    tid, _, _ = lend_new_title(stack, staff, email, "Due Date Shown")
    page = Client(stack.port).get("/titles/%d" % tid)
    assert "due %s" % shown_days(21) in page.body, page.body
    assert "to place a hold" in page.body
    m, _, _ = member(stack, "Holly Holder")
    assert "Place a hold" in m.get("/titles/%d" % tid).body


def test_member_cannot_reach_the_desk(stack):
    m, _, _ = member(stack, "Mo Member")
    for path in ("/staff/checkout", "/staff/checkin", "/staff/holds", "/staff/loans/1",
                 "/staff/members/1", "/admin/rules", "/admin/settings"):
        assert m.get(path).status == 403, path


def main():
    return run_module(globals(), circ_stack())


if __name__ == "__main__":
    sys.exit(main())
