#!/usr/bin/env python3
"""End-to-end tests of the admin's side of circulation through the real
nginx: the borrowing limits at /admin/settings, rules (edit, delete) at
/admin/rules, and closed days opened again."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import run_module  # noqa: E402
from circ import (ADMIN, LIBRARIAN, add_title, alert, checkout, circ_stack,  # noqa: E402
                  member, set_clock)


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
    assert r.status == 422 and "owes 3.00" in alert(r.body) and "the 2.00 allowed" \
        in alert(r.body), r
    assert save_limits(admin, "5.00", "30").status == 303
    assert checkout(staff, email, code).status == 303


def main():
    return run_module(globals(), circ_stack())


if __name__ == "__main__":
    sys.exit(main())
