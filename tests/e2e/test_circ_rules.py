#!/usr/bin/env python3
"""End-to-end tests of who may place holds, how renewals extend a loan, the
rule "no renewal before N days", refused actions answering the page they
came from, and the library's currency, through the real nginx. Tests move
the library's clock with the setting test.clock_offset."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Client, run_module  # noqa: E402
from circ import (ADMIN, LIBRARIAN, add_title, checkout, circ_stack, shown_days,  # noqa: E402
                  copy_status, days, lend_new_title, loan_row, member, place_hold,
                  post_rule, set_clock)
from members_helpers import register  # noqa: E402

BARE_ERROR = re.compile(r"<h1>Error \d{3}")


def hold_rows(stack, tid):
    with stack.db() as db:
        return db.execute("SELECT account_id, status FROM hold WHERE title_id = ?",
                          (tid,)).fetchall()


def hold_refusal(body):
    """The reason a title page gives instead of its "Place a hold" button."""
    m = re.search(r'<p class="alert" id="hold-refusal"[^>]*>(.*?)</p>', body, re.S)
    return re.sub(r"<[^>]+>", "", m.group(1)) if m else None


def loan_refusal(body, lid):
    """The message beside a loan's Renew button after a refused renewal."""
    m = re.search(r'<p class="field-error" role="alert" id="loan-%d-refusal">(.*?)</p>' % lid,
                  body, re.S)
    return m.group(1) if m else None


def why(body):
    m = re.search(r'<p class="why">(.*?)</p>', body, re.S)
    return re.sub(r"\s+", " ", m.group(1)) if m else None


def without_membership(stack, mid):
    with stack.db() as db:
        db.execute("DELETE FROM membership WHERE account_id = ?", (mid,))
        db.execute("UPDATE account SET member_until = NULL, member_plan_id = NULL "
                   "WHERE id = ?", (mid,))


def account_id(stack, email):
    with stack.db() as db:
        return db.execute("SELECT id FROM account WHERE email = ?", (email,)).fetchone()[0]


def assert_hold_refused(stack, client, tid, code, words):
    """The title page shows words instead of the button; a hold posted all
    the same is refused on that page (409) and nothing moves."""
    page = client.get("/titles/%d" % tid)
    assert page.status == 200, page
    assert "Place a hold" not in page.body, page.body
    assert words in (hold_refusal(page.body) or ""), page.body
    r = client.post("/titles/%d/hold" % tid, {"csrf": page.csrf()})
    assert r.status == 409, r
    assert not BARE_ERROR.search(r.body), r.body
    assert words in (hold_refusal(r.body) or ""), r.body
    assert 'role="alert"' in r.body
    assert hold_rows(stack, tid) == [], hold_rows(stack, tid)
    assert copy_status(stack, code) == "available"


# ---- holds from people who cannot borrow ----

def test_holds_refused_for_each_kind_of_person_who_cannot_borrow(stack):
    set_clock(stack, 0)
    tid, (code,) = add_title(stack, "A Book Everyone Wants")
    # No membership at all.
    m, _, mid = member(stack, "Nora Nomember")
    without_membership(stack, mid)
    assert_hold_refused(stack, m, tid, code, "You have no membership yet")
    # A membership waiting for its payment.
    p, _, _, _ = register(stack, "Monthly", name="Penny Pending")
    assert_hold_refused(stack, p, tid, code, "waiting for its payment of 5.00 €")
    # An expired membership.
    email = "expired.%d@test.example" % os.getpid()
    stack.add_user(email, "Ezra Expired", "member", "member password", until=days(-3))
    e = stack.login(email, "member password")
    assert_hold_refused(stack, e, tid, code, "Your membership expired on %s" % days(-3))
    # Fines over the limit (5.00 by default).
    f, _, fid = member(stack, "Fay Fines")
    with stack.db() as db:
        db.execute("INSERT INTO fine(account_id, kind, amount_cents, reason, at) "
                   "VALUES (?, 'accrued', 650, 'test', 0)", (fid,))
    assert_hold_refused(stack, f, tid, code, "owes 6.50 € in fines, more than the 5.00 €")
    # A librarian without a membership of their own.
    staff = stack.login(*LIBRARIAN)
    assert_hold_refused(stack, staff, tid, code, "You have no membership yet")
    # Someone who may borrow sees the button, and the hold takes the copy.
    ok, _, okid = member(stack, "Olga Okay")
    page = ok.get("/titles/%d" % tid)
    assert "Place a hold" in page.body and hold_refusal(page.body) is None, page.body
    assert place_hold(ok, tid).status == 303
    assert hold_rows(stack, tid) == [(okid, "ready")]
    assert copy_status(stack, code) == "on-hold-shelf"


def test_the_desk_refuses_the_same_people(stack):
    """Checkout and holds share one check: the desk refuses the same
    people, with the reason written for staff."""
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    _, (code,) = add_title(stack, "Desk Check")
    _, email, mid = member(stack, "Dora Deskless")
    without_membership(stack, mid)
    r = checkout(staff, email, code)
    assert r.status == 422 and "This account has no membership" in r.body, r
    r = checkout(staff, LIBRARIAN[0], code)
    assert r.status == 422 and "This account has no membership" in r.body, r
    assert copy_status(stack, code) == "available"


def test_second_hold_and_hold_on_own_loan_answer_the_title_page(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    m, email, mid = member(stack, "Harriet Holder")
    tid, (code,) = add_title(stack, "Wanted Twice")
    assert checkout(staff, "nobody-else@test.example", code).status == 422
    other, other_email, _ = member(stack, "Olly Out")
    assert checkout(staff, other_email, code).status == 303
    assert place_hold(m, tid).status == 303
    page = m.get("/titles/%d" % tid)
    assert "Place a hold" not in page.body
    assert "you are number 1 in the queue" in hold_refusal(page.body), page.body
    r = m.post("/titles/%d/hold" % tid, {"csrf": page.csrf()})
    assert r.status == 409 and not BARE_ERROR.search(r.body), r
    assert "You already have a hold on this title" in hold_refusal(r.body), r.body
    assert len(hold_rows(stack, tid)) == 1
    # The reader who has it out cannot queue for it either.
    r = place_hold(other, tid)
    assert r.status == 409 and "already have this title on loan" in hold_refusal(r.body), r
    # A visitor is still asked to log in.
    visitor = Client(stack.port)
    page = visitor.get("/titles/%d" % tid)
    assert "to place a hold" in page.body and hold_refusal(page.body) is None, page.body


# ---- renewals ----

def test_renewal_on_checkout_day_extends_from_the_due_date(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    m, email, _ = member(stack, "Rene Early")
    _, code, lid = lend_new_title(stack, staff, email, "Renewed at Once")
    assert loan_row(stack, code)[1:3] == (days(21), 0)
    acct = m.get("/account")
    r = m.post("/account/loans/%d/renew" % lid, {"csrf": acct.csrf()})
    assert r.status == 303, r
    assert loan_row(stack, code)[1:3] == (days(42), 1)
    # Past a closed day, the new due date moves on to the next open day.
    with stack.db() as db:
        db.execute("INSERT INTO closed_day(day, reason) VALUES (?, 'test')", (days(63),))
    r = m.post("/account/loans/%d/renew" % lid, {"csrf": acct.csrf()})
    assert r.status == 303, r
    assert loan_row(stack, code)[1:3] == (days(64), 2)
    with stack.db() as db:
        db.execute("DELETE FROM closed_day WHERE day = ?", (days(63),))


def rule_id(stack, category, item_type):
    with stack.db() as db:
        return db.execute("SELECT id FROM circ_rule WHERE category = ? AND item_type = ?",
                          (category, item_type)).fetchone()[0]


def test_no_renewal_before_n_days(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    admin = stack.login(*ADMIN)
    r = post_rule(admin, "*", "magazine", loan_days="14", no_renewal_before="3")
    assert r.status == 303, r
    rid = rule_id(stack, "*", "magazine")
    page = admin.get("/admin/rules")
    assert re.search(r'id="rule-%d".*?name="no_renewal_before" value="3"' % rid, page.body,
                     re.S), page.body
    m, email, mid = member(stack, "Molly Magazine")
    _, (code,) = add_title(stack, "Monthly Magazine")
    with stack.db() as db:
        db.execute("UPDATE copy SET item_type = 'magazine' WHERE barcode = ?", (code,))
    assert checkout(staff, email, code).status == 303
    lid = loan_row(stack, code)[0]
    assert loan_row(stack, code)[1] == days(14)
    # On the day of checkout: refused with the reason, on the account page.
    acct = m.get("/account")
    r = m.post("/account/loans/%d/renew" % lid, {"csrf": acct.csrf()})
    assert r.status == 409, r
    assert not BARE_ERROR.search(r.body) and "My account" in r.body, r.body
    said = loan_refusal(r.body, lid)
    assert said and "can be renewed from %s, 3 days before it is due on %s" % (
        shown_days(11), shown_days(14)) in said, r.body
    assert why(r.body) is None   # the rule's links are for staff
    assert loan_row(stack, code)[1:3] == (days(14), 0)
    # Staff are refused too, on the member page, with the rule behind it.
    page = staff.get("/staff/members/%d" % mid)
    r = staff.post("/staff/loans/%d/renew" % lid, {"csrf": page.csrf()})
    assert r.status == 409 and "Molly Magazine" in r.body, r
    assert "can be renewed from %s" % shown_days(11) in loan_refusal(r.body, lid), r.body
    w = why(r.body)
    assert "Any category / Magazine</strong>" in w and "no earlier than" in w, w
    assert "<strong>3</strong>" in w and 'href="/admin/rules#rule-%d"' % rid in w, w
    # ... and on the loan page, when they renew from there.
    page = staff.get("/staff/loans/%d" % lid)
    r = staff.post("/staff/loans/%d/renew" % lid, {"csrf": page.csrf(), "from": "loan"})
    assert r.status == 409 and "Loan %d" % lid in r.body, r
    assert "can be renewed from %s" % shown_days(11) in loan_refusal(r.body, lid), r.body
    # A day too early still; then from three days before the due date.
    set_clock(stack, 10)
    assert m.post("/account/loans/%d/renew" % lid, {"csrf": acct.csrf()}).status == 409
    set_clock(stack, 11)
    r = m.post("/account/loans/%d/renew" % lid, {"csrf": acct.csrf()})
    assert r.status == 303, r
    assert loan_row(stack, code)[1:3] == (days(28), 1)
    # From the loan page, success goes back to the loan page.
    set_clock(stack, 25)
    page = staff.get("/staff/loans/%d" % lid)
    r = staff.post("/staff/loans/%d/renew" % lid, {"csrf": page.csrf(), "from": "loan"})
    assert r.status == 303 and r.header("Location") == "/staff/loans/%d?done=renewed" % lid, r
    assert "The loan was renewed." in staff.get(r.header("Location")).body
    assert loan_row(stack, code)[1:3] == (days(42), 2)
    # Emptied, the rule allows renewing at any time again (for new loans).
    r = post_rule(admin, "*", "magazine", action="/admin/rules/%d" % rid, loan_days="14",
                  no_renewal_before="")
    assert r.status == 303, r
    with stack.db() as db:
        assert db.execute("SELECT no_renewal_before_days FROM circ_rule WHERE id = ?",
                          (rid,)).fetchone()[0] is None
        detail = db.execute("SELECT detail FROM audit WHERE action = 'rule.save' "
                            "ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert "renewals at any time" in detail, detail
    set_clock(stack, 0)


def test_refused_renewal_for_a_blocked_member_answers_the_account_page(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    m, email, mid = member(stack, "Bea Blocked")
    _, code, lid = lend_new_title(stack, staff, email, "Kept Too Long")
    with stack.db() as db:
        db.execute("INSERT INTO fine(account_id, kind, amount_cents, reason, at) "
                   "VALUES (?, 'accrued', 900, 'test', 0)", (mid,))
    acct = m.get("/account")
    r = m.post("/account/loans/%d/renew" % lid, {"csrf": acct.csrf()})
    assert r.status == 409 and not BARE_ERROR.search(r.body), r
    said = loan_refusal(r.body, lid)
    assert said and "Your account owes 9.00 € in fines" in said, r.body
    assert "Kept Too Long" in r.body and 'name="csrf"' in r.body
    assert loan_row(stack, code)[2] == 0


# ---- rules form ----

def test_rejected_rule_keeps_what_was_typed(stack):
    admin = stack.login(*ADMIN)
    typed = {"category": "student", "item_type": "dvd", "loan_days": "abc",
             "max_loans": "4", "max_renewals": "2", "no_renewal_before": "five",
             "fine_per_day": "0.35", "grace_days": "2", "fine_cap": "7.50",
             "hold_pickup_days": "4"}
    r = post_rule(admin, "student", "dvd",
                  **{k: v for k, v in typed.items() if k not in ("category", "item_type")})
    assert r.status == 422, r
    form = re.search(r'<form method="post" action="/admin/rules" class="rule" id="new-rule">'
                     r'(.*?)</form>', r.body, re.S).group(1)
    for name, value in typed.items():
        if name in ("category", "item_type"):   # chosen from the lists
            chosen = re.search(r'<select name="%s"[^>]*>.*?<option value="([^"]*)" selected'
                               % name, form, re.S)
            assert chosen and chosen.group(1) == value, (name, form)
        else:
            assert 'name="%s" value="%s"' % (name, value) in form, (name, form)
    assert "Loan days: a whole number" in form and "No renewal before: a whole number" in form
    assert 'aria-invalid="true"' in form
    assert "Please correct the fields" in r.body
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM circ_rule WHERE category = 'student' "
                          "AND item_type = 'dvd'").fetchone()[0] == 0
    # A rejected change keeps its typed values in that rule's own form.
    rid = rule_id(stack, "*", "*")
    r = post_rule(admin, "*", "*", action="/admin/rules/%d" % rid, loan_days="0",
                  max_loans="9")
    assert r.status == 422, r
    form = re.search(r'id="rule-%d">(.*?)</form>' % rid, r.body, re.S).group(1)
    assert 'name="loan_days" value="0"' in form and 'name="max_loans" value="9"' in form
    assert "Loan days: a whole number" in form
    new_form = re.search(r'id="new-rule">(.*?)</form>', r.body, re.S).group(1)
    assert 'name="loan_days" value="21"' in new_form and "field-error" not in new_form
    # Deleting the general rule is refused beside it, not on an error page.
    page = admin.get("/admin/rules")
    r = admin.post("/admin/rules/%d/delete" % rid, {"csrf": page.csrf()})
    assert r.status == 409 and not BARE_ERROR.search(r.body), r
    assert 'id="rule-%d-problem">The rule for any category' % rid in r.body, r.body


# ---- currency ----

def test_currency_setting_shows_in_money_on_the_account(stack):
    set_clock(stack, 0)
    admin = stack.login(*ADMIN)
    m, _, mid = member(stack, "Cora Currency")
    with stack.db() as db:
        db.execute("INSERT INTO fine(account_id, kind, amount_cents, reason, at) "
                   "VALUES (?, 'accrued', 125, 'test', 0)", (mid,))
    acct = m.get("/account").body
    assert "Balance: <strong class=\"late\">1.25 €</strong>" in acct, re.findall("Balance.*", acct)
    page = admin.get("/admin/settings")
    assert 'name="currency" value="€"' in page.body, page.body
    # Refused: the reason beside the field, what was typed kept.
    r = admin.post("/admin/settings/currency", {"currency": "12 x", "csrf": page.csrf()})
    assert r.status == 422 and 'name="currency" value="12 x"' in r.body, r
    assert 'id="currency-error">Write the currency' in r.body
    r = admin.post("/admin/settings/currency", {"currency": " CHF ", "csrf": page.csrf()})
    assert r.status == 303, r
    assert "The currency was saved." in admin.get(r.header("Location")).body
    acct = m.get("/account").body
    assert "Balance: <strong class=\"late\">1.25 CHF</strong>" in acct, acct
    with stack.db() as db:
        detail = db.execute("SELECT detail FROM audit WHERE action = 'settings.save' "
                            "AND object = 'settings:currency'").fetchone()[0]
    assert detail == "currency € -> CHF", detail
    # Files keep plain numbers; the rule form keeps plain amounts.
    assert 'name="fine_per_day" value="0.25"' in admin.get("/admin/rules").body
    page = admin.get("/admin/settings")
    assert admin.post("/admin/settings/currency", {"currency": "€", "csrf": page.csrf()}).status \
        == 303


def main():
    return run_module(globals(), circ_stack())


if __name__ == "__main__":
    sys.exit(main())
