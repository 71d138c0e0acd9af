#!/usr/bin/env python3
"""End-to-end tests of the admin's side of circulation through the real
nginx: the borrowing limits at /admin/settings, the "why" of refusals that
rules and settings produce, rules edited and deleted at /admin/rules, and
closed days opened again."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import run_module  # noqa: E402
from circ import (ADMIN, LIBRARIAN, add_title, alert, checkout, circ_stack,  # noqa: E402
                  days, loan_row, member, post_rule, set_clock)


def settings(stack):
    with stack.db() as db:
        return dict(db.execute("SELECT key, value FROM setting WHERE key IN "
                               "('circ.block_fines_cents', 'circ.renew_overdue_days')"))


def audit_rows(stack, action):
    with stack.db() as db:
        return db.execute("SELECT detail FROM audit WHERE action = ? ORDER BY id",
                          (action,)).fetchall()


def save_limits(admin, block_fines, renew_overdue_days):
    page = admin.get("/admin/settings")
    return admin.post("/admin/settings/limits", {"block_fines": block_fines,
                                                 "renew_overdue_days": renew_overdue_days,
                                                 "csrf": page.csrf()})


def test_borrowing_limits_are_edited_checked_and_audited(stack):
    set_clock(stack, 0)
    admin = stack.login(*ADMIN)
    page = admin.get("/admin/settings")
    assert 'name="block_fines" value="5.00"' in page.body, page.body
    assert 'name="renew_overdue_days" value="30"' in page.body
    before = settings(stack)
    assert before == {"circ.block_fines_cents": "500", "circ.renew_overdue_days": "30"}
    for fines, days_, field in [("lots", "30", "The fines limit"), ("", "30", "The fines limit"),
                                ("20000.00", "30", "The fines limit"),
                                ("5.00", "400", "Days overdue"), ("5.00", "-1", "Days overdue"),
                                ("5.00", "", "Days overdue")]:
        r = save_limits(admin, fines, days_)
        assert r.status == 422 and field in r.body, (fines, days_, r)
        assert 'value="%s"' % fines in r.body   # what was typed comes back
    assert settings(stack) == before and audit_rows(stack, "settings.save") == []
    # A librarian may not change them.
    staff = stack.login(*LIBRARIAN)
    r = staff.post("/admin/settings/limits", {"block_fines": "0", "renew_overdue_days": "0",
                                              "csrf": staff.get("/staff").csrf()})
    assert r.status == 403, r
    r = save_limits(admin, "2.00", " 10 ")
    assert r.status == 303, r
    assert "The borrowing limits were saved" in admin.get(r.header("Location")).body
    assert settings(stack) == {"circ.block_fines_cents": "200", "circ.renew_overdue_days": "10"}
    (detail,), = audit_rows(stack, "settings.save")
    assert "5.00 -> 2.00" in detail and "30 -> 10 days" in detail, detail
    # The desk applies the new limit at once.
    _, email, mid = member(stack, "Fiona Fines")
    _, (code,) = add_title(stack, "Limit Test")
    with stack.db() as db:
        db.execute("INSERT INTO fine(account_id, kind, amount_cents, reason, at) "
                   "VALUES (?, 'accrued', 300, 'test', 0)", (mid,))
    r = checkout(staff, email, code)
    assert r.status == 422 and "owes 3.00" in alert(r.body) and "the 2.00 € allowed" \
        in alert(r.body), r
    assert save_limits(admin, "5.00", "30").status == 303
    assert checkout(staff, email, code).status == 303


def rule_id(stack, category, item_type):
    with stack.db() as db:
        return db.execute("SELECT id FROM circ_rule WHERE category = ? AND item_type = ?",
                          (category, item_type)).fetchone()[0]


def why(body):
    m = re.search(r'<p class="why">(.*?)</p>', body, re.S)
    return re.sub(r"\s+", " ", m.group(1)) if m else None


def staff_renew(staff, mid, lid):
    page = staff.get("/staff/members/%d" % mid)
    assert 'action="/staff/loans/%d/renew"' % lid in page.body
    return staff.post("/staff/loans/%d/renew" % lid, {"csrf": page.csrf()})


def test_refusals_name_the_rule_or_setting_behind_them(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    admin = stack.login(*ADMIN)
    r = post_rule(admin, "*", "dvd", loan_days="7", max_loans="1", max_renewals="1",
                  fine_per_day="1.00", grace_days="0", fine_cap="5.00")
    assert r.status == 303, r
    dvd_rule = rule_id(stack, "*", "dvd")
    assert 'id="rule-%d"' % dvd_rule in admin.get("/admin/rules").body
    m, email, mid = member(stack, "Willa Why")
    _, (d1, d2) = add_title(stack, "Two Films", copies=2)
    with stack.db() as db:
        db.execute("UPDATE copy SET item_type = 'dvd' WHERE barcode IN (?, ?)", (d1, d2))
    assert checkout(staff, email, d1).status == 303
    # Too many loans: the rule for DVDs, its limit, and where it is kept.
    r = checkout(staff, email, d2)
    assert r.status == 422 and "the limit for dvd items is 1" in alert(r.body), r
    w = why(r.body)
    assert "rule for <strong>Any category / DVD</strong>" in w, w
    assert "loans at once of dvd items: <strong>1</strong>" in w, w
    assert 'href="/admin/rules#rule-%d"' % dvd_rule in w and "(admins)" in w, w
    r = checkout(admin, email, d2)
    assert "(admins)" not in why(r.body), why(r.body)
    # Renewal limit: the rule the loan was made under, from the member page.
    lid = loan_row(stack, d1)[0]
    assert staff_renew(staff, mid, lid).status == 303
    r = staff_renew(staff, mid, lid)
    assert r.status == 409 and "renewed 1 time(s), the most allowed" in r.body, r
    w = why(r.body)
    assert "<strong>Any category / DVD</strong>" in w and "renewals of a loan" in w, w
    assert "<strong>1</strong>" in w and 'href="/admin/rules#rule-%d"' % dvd_rule in w, w
    # Over 30 days overdue: the setting, linked.
    set_clock(stack, 7 + 7 + 31)
    r = staff_renew(staff, mid, lid)
    assert r.status == 409 and "the most allowed" in r.body, r   # the limit comes first
    with stack.db() as db:
        db.execute("UPDATE loan SET renewals = 0, fine_per_day_cents = 0 WHERE id = ?", (lid,))
    r = staff_renew(staff, mid, lid)
    assert r.status == 409 and "more than 30 days overdue" in r.body, r
    w = why(r.body)
    assert "days overdue a loan may be and still be renewed is <strong>30</strong>" in w, w
    assert 'href="/admin/settings#limits"' in w, w
    assert 'id="limits"' in admin.get("/admin/settings").body
    # Fines over the limit: at the desk, on renewal, on the member page.
    set_clock(stack, 0)
    with stack.db() as db:
        db.execute("INSERT INTO fine(account_id, kind, amount_cents, reason, at) "
                   "VALUES (?, 'accrued', 600, 'test', 0)", (mid,))
    _, (book,) = add_title(stack, "Blocked Book")
    r = checkout(staff, email, book)
    assert r.status == 422 and "owes 6.00" in alert(r.body), r
    w = why(r.body)
    assert "fines a member may owe and still borrow is <strong>5.00 €</strong>" in w, w
    assert 'href="/admin/settings#limits"' in w, w
    r = staff_renew(staff, mid, lid)
    assert r.status == 409 and "owes 6.00" in r.body and "5.00 €</strong>" in why(r.body), r
    assert "still borrow is <strong>5.00" in why(staff.get("/staff/members/%d" % mid).body)
    # The member is told why too, without the staff's links.
    acct = m.get("/account")
    assert "owes 6.00" in acct.body and why(acct.body) is None, acct.body
    r = m.post("/account/loans/%d/renew" % lid, {"csrf": acct.csrf()})
    assert r.status == 409 and "owes 6.00" in r.body and why(r.body) is None, r
    assert loan_row(stack, d1)[2] == 0   # nothing was renewed


def rule_values(stack, rid):
    with stack.db() as db:
        return db.execute("SELECT category, item_type, loan_days, max_renewals FROM circ_rule "
                          "WHERE id = ?", (rid,)).fetchone()


def test_rules_edited_and_deleted(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    admin = stack.login(*ADMIN)
    assert post_rule(admin, "student", "*", loan_days="10").status == 303
    rid = rule_id(stack, "student", "*")
    edit = "/admin/rules/%d" % rid
    r = post_rule(admin, "student", "*", action=edit, loan_days="12")
    assert r.status == 303 and "The rules were saved." in admin.get(r.header("Location")).body
    assert rule_values(stack, rid) == ("student", "*", 12, 3)
    saves = audit_rows(stack, "rule.save")
    assert saves[-1][0].startswith("student/*: 12 days, 5 loans, 3 renewals, 0.25 a day"), saves
    # Bad values, a pair that has its rule already, no such rule: nothing changes.
    r = post_rule(admin, "student", "*", action=edit, loan_days="0")
    assert r.status == 422 and "Loan days" in r.body, r
    r = post_rule(admin, "student", "d v d", action=edit)
    assert r.status == 422 and "An item type is a word" in r.body, r
    assert post_rule(admin, "student", "dvd").status == 303
    r = post_rule(admin, "student", "*", action="/admin/rules/%d" % rule_id(
        stack, "student", "dvd"))
    assert r.status == 422 and "already a rule for this category" in r.body, r
    assert post_rule(admin, "adult", "*", action="/admin/rules/999999").status == 404
    assert rule_values(stack, rid) == ("student", "*", 12, 3)
    assert len(audit_rows(stack, "rule.save")) == len(saves) + 1   # the "student/dvd" one
    # The general rule keeps '*'/'*' but its values change.
    general = "/admin/rules/%d" % rule_id(stack, "*", "*")
    r = post_rule(admin, "adult", "*", action=general)
    assert r.status == 422 and "stays general" in r.body, r
    assert post_rule(admin, "*", "*", action=general, max_renewals="4").status == 303
    assert rule_values(stack, rule_id(stack, "*", "*")) == ("*", "*", 21, 4)
    assert post_rule(admin, "*", "*", action=general).status == 303
    # A student borrows under the edited rule; deleting it leaves the loan
    # its terms and sends new loans to the general rule.
    _, email, mid = member(stack, "Stu Dent")
    with stack.db() as db:
        db.execute("UPDATE account SET category = 'student' WHERE id = ?", (mid,))
    _, (c1, c2) = add_title(stack, "Course Reader", copies=2)
    assert checkout(staff, email, c1).status == 303
    assert loan_row(stack, c1)[1] == days(12)
    page = admin.get("/admin/rules")
    r = admin.post(edit + "/delete", {"csrf": page.csrf()})
    assert r.status == 303, r
    assert 'id="rule-%d"' % rid not in admin.get("/admin/rules").body
    assert audit_rows(stack, "rule.delete") == [("student/*",)]
    why_page = staff.get("/staff/loans/%d" % loan_row(stack, c1)[0])
    assert "<strong>Student / Any item type: 12 days</strong>" in why_page.body and "(since removed)" \
        in why_page.body, why_page.body
    assert checkout(staff, email, c2).status == 303
    assert loan_row(stack, c2)[1] == days(21)
    # Not the general rule, and not one that is gone.
    r = admin.post(general + "/delete", {"csrf": page.csrf()})
    assert r.status == 409 and "cannot be deleted" in r.body, r
    r = admin.post(edit + "/delete", {"csrf": page.csrf()})
    assert r.status == 404, r
    assert audit_rows(stack, "rule.delete") == [("student/*",)]
    assert admin.post("/admin/rules/%d/delete" % rule_id(stack, "student", "dvd"),
                      {"csrf": page.csrf()}).status == 303


def closed_days(stack):
    with stack.db() as db:
        return [d for (d,) in db.execute("SELECT day FROM closed_day ORDER BY day")]


def test_closed_day_opened_again(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    admin = stack.login(*ADMIN)
    page = admin.get("/admin/settings")
    r = admin.post("/admin/settings/closed", {"from": days(21), "reason": "Inventory",
                                              "csrf": page.csrf()})
    assert r.status == 303, r
    _, email, _ = member(stack, "Otto Open")
    _, (c1, c2) = add_title(stack, "Open Again", copies=2)
    assert checkout(staff, email, c1).status == 303
    assert loan_row(stack, c1)[1] == days(22)
    page = admin.get("/admin/settings")
    action = "/admin/settings/closed/%s/delete" % days(21)
    assert 'action="%s"' % action in page.body and "Inventory" in page.body
    r = admin.post(action, {"csrf": page.csrf()})
    assert r.status == 303, r
    page = admin.get(r.header("Location"))
    assert "The closed days were saved." in page.body and days(21) not in page.body
    assert closed_days(stack) == []
    assert audit_rows(stack, "closed_day.add")[-1] == ("%s..%s: Inventory" % (days(21), days(21)),)
    assert audit_rows(stack, "closed_day.delete") == [(days(21),)]
    assert checkout(staff, email, c2).status == 303
    assert loan_row(stack, c2)[1] == days(21)
    assert loan_row(stack, c1)[1] == days(22)   # made before: it keeps its date
    # A day that is not closed, or not a day: 404, nothing changes.
    for day in (days(21), "2026-02-30", "someday"):
        r = admin.post("/admin/settings/closed/%s/delete" % day, {"csrf": page.csrf()})
        assert r.status == 404, (day, r)
    assert staff.post(action, {"csrf": page.csrf()}).status == 403
    assert len(audit_rows(stack, "closed_day.delete")) == 1


def main():
    return run_module(globals(), circ_stack())


if __name__ == "__main__":
    sys.exit(main())
