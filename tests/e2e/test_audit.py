#!/usr/bin/env python3
"""End-to-end tests of the audit trail through the real nginx and workers:
staff actions (logins, failed logins, checkouts, checkins, renewals,
waivers, catalogue changes) are written with who, when, the object and
before/after; /admin/audit searches and filters them; the trail refuses
change; and `carrel audit verify` (and /admin/audit/verify) name the first
row changed or removed behind the triggers' back."""
import html
import json
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Client, run_module  # noqa: E402
from circ import (ADMIN, LIBRARIAN, add_title, checkin, checkout, circ_stack,  # noqa: E402
                  loan_row, member)


def rows(stack, action):
    with stack.db() as db:
        return db.execute("SELECT coalesce(actor_id, 0), object, detail, before_value, "
                          "after_value FROM audit WHERE action = ? ORDER BY id",
                          (action,)).fetchall()


def account_id(stack, email):
    with stack.db() as db:
        return db.execute("SELECT id FROM account WHERE email = ?", (email,)).fetchone()[0]


def text(body):
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_staff_actions_are_recorded_with_who_and_what(stack):
    staff_id = account_id(stack, LIBRARIAN[0])
    before = len(rows(stack, "login"))
    staff = stack.login(*LIBRARIAN)
    assert len(rows(stack, "login")) == before + 1
    assert rows(stack, "login")[-1][:2] == (staff_id, "account:%d" % staff_id)
    # A failed login is recorded without an actor, naming the address.
    visitor = Client(stack.port)
    page = visitor.get("/login")
    r = visitor.post("/login", {"email": LIBRARIAN[0], "password": "wrong one",
                                "csrf": page.csrf()})
    assert r.status in (401, 422), r
    failed = rows(stack, "login.failed")[-1]
    assert failed[0] == 0 and LIBRARIAN[0] in failed[2], failed
    # A member's login is not a staff action.
    m, email, mid = member(stack, "Audited Reader")
    assert all("account:%d" % mid != r[1] for r in rows(stack, "login"))
    # Checkout, renewal and checkin, each by the librarian, about its loan.
    tid, (code,) = add_title(stack, "The Watched Book")
    assert checkout(staff, email, code).status == 303
    loan_id = loan_row(stack, code)[0]
    out = rows(stack, "loan.checkout")[-1]
    assert out[:2] == (staff_id, "loan:%d" % loan_id) and code in out[2], out
    page = staff.get("/staff/loans/%d" % loan_id)
    r = staff.post("/staff/loans/%d/renew" % loan_id, {"csrf": page.csrf()})
    assert r.status == 303, r
    renew = rows(stack, "loan.renew")[-1]
    new_due = loan_row(stack, code)[1]
    assert renew[:2] == (staff_id, "loan:%d" % loan_id), renew
    assert renew[4] == "due " + new_due and renew[3].startswith("due ") and renew[3] != renew[4]
    assert checkin(staff, code).status == 303
    assert rows(stack, "loan.checkin")[-1][:2] == (staff_id, "loan:%d" % loan_id)
    # A waiver: the amount and reason, the balance before and after.
    with stack.db() as db:
        db.execute("INSERT INTO fine(account_id, kind, amount_cents, reason, at) "
                   "VALUES (?, 'accrued', 300, 'test', 0)", (mid,))
    page = staff.get("/staff/members/%d" % mid)
    r = staff.post("/staff/members/%d/fines" % mid, {"amount": "1.00", "action": "waive",
                                                     "reason": "first time",
                                                     "csrf": page.csrf()})
    assert r.status == 303, r
    waive = rows(stack, "fine.waived")[-1]
    assert waive[0] == staff_id and "first time" in waive[2], waive
    assert (waive[3], waive[4]) == ("3.00", "2.00"), waive
    # A title edited through the form: its state before and after, as JSON.
    page = staff.get("/staff/titles/%d/edit" % tid)
    fields = dict(re.findall(r'<input[^>]*name="([a-z_0-9]+)"[^>]*value="([^"]*)"', page.body))
    fields.update({"title": "The Watched Book, Revised", "format": "print", "csrf": page.csrf()})
    r = staff.post("/staff/titles/%d/edit" % tid, fields)
    assert r.status == 303, (r.status, r.body[:2000])
    edit = rows(stack, "title.edit")[-1]
    assert edit[:2] == (staff_id, "title:%d" % tid), edit
    assert json.loads(edit[3])["title"] == "The Watched Book"
    assert json.loads(edit[4])["title"] == "The Watched Book, Revised"


def test_admin_searches_and_filters_the_trail(stack):
    admin = stack.login(*ADMIN)
    page = admin.get("/admin/audit")
    assert page.status == 200, page
    body = text(page.body)
    assert "Checkout" in body and "Logged in" in body and "Fine waived" in body, body[:3000]
    # Circulation only: checkouts, but no logins.
    page = admin.get("/admin/audit?group=circulation")
    body = text(page.body)
    assert "Checkout" in body and "Renewal" in body and "Logged in" not in body
    # By who: the librarian's name narrows it to their entries.
    page = admin.get("/admin/audit?who=Desk+Person&group=logins")
    body = text(page.body)
    assert "Logged in" in body and "Failed login" not in body
    # Words in the entry: the barcode's checkout and checkin.
    with stack.db() as db:
        code = db.execute("SELECT barcode FROM copy c JOIN title t ON t.id = c.title_id "
                          "WHERE t.title LIKE 'The Watched Book%'").fetchone()[0]
    page = admin.get("/admin/audit?q=" + code)
    body = text(page.body)
    assert "Checkout" in body and "Checkin" in body and "Fine waived" not in body
    # A day that is not one: 422, said beside the field, what was typed kept.
    page = admin.get("/admin/audit?from=2026-13-40")
    assert page.status == 422, page
    assert 'id="from-error"' in page.body and 'value="2026-13-40"' in page.body
    # A range that holds nothing.
    page = admin.get("/admin/audit?from=2001-01-01&to=2001-01-31")
    assert page.status == 200 and "No entry matches." in page.body
    # Only admins read it.
    staff = stack.login(*LIBRARIAN)
    assert staff.get("/admin/audit").status == 403
    assert staff.get("/admin/audit/verify").status == 403
    r = Client(stack.port).get("/admin/audit")
    assert r.status == 303 and "/login" in r.header("Location")


def test_the_trail_refuses_change(stack):
    path = stack.env["CARREL_DB"]
    with sqlite3.connect(path) as db:
        for sql in ("UPDATE audit SET detail = 'x' WHERE id = 1",
                    "DELETE FROM audit WHERE id = 1",
                    "DELETE FROM audit_chain WHERE audit_id = 1"):
            try:
                db.execute(sql)
            except sqlite3.DatabaseError as e:
                assert "cannot be changed" in str(e), e
            else:
                raise AssertionError("allowed: " + sql)


def verify(stack):
    r = stack.cli("audit", "verify")
    return r.returncode, r.stdout


def test_verify_names_the_first_row_altered_or_removed(stack):
    rc, out = verify(stack)
    assert rc == 0 and "intact" in out, (rc, out)
    admin = stack.login(*ADMIN)
    page = admin.get("/admin/audit/verify")
    assert page.status == 200 and "Yes." in page.body, page.body
    path = stack.env["CARREL_DB"]
    with sqlite3.connect(path) as db:
        total = db.execute("SELECT count(*) FROM audit").fetchone()[0]
        victim = db.execute("SELECT id FROM audit WHERE action = 'fine.waived'").fetchone()[0]
        assert 3 < victim < total, (victim, total)
        db.execute("DROP TRIGGER audit_no_update")
        db.execute("UPDATE audit SET after_value = '0.00' WHERE id = ?", (victim,))
    rc, out = verify(stack)
    assert rc == 1 and "BROKEN at row %d" % victim in out, (rc, out)
    page = admin.get("/admin/audit/verify")
    assert "broken at entry %d" % victim in text(page.body), page.body
    # Put back as it was: intact again; then remove an earlier row.
    with sqlite3.connect(path) as db:
        db.execute("UPDATE audit SET after_value = '2.00' WHERE id = ?", (victim,))
    rc, out = verify(stack)
    assert rc == 0, out
    with sqlite3.connect(path) as db:
        db.execute("DROP TRIGGER audit_no_delete")
        db.execute("DELETE FROM audit WHERE id = ?", (victim - 1,))
    rc, out = verify(stack)
    assert rc == 1 and "BROKEN at row %d" % victim in out, (rc, out)
    assert "row %d before it was removed" % (victim - 1) in out, out


def main():
    return run_module(globals(), circ_stack())


if __name__ == "__main__":
    sys.exit(main())
