#!/usr/bin/env python3
"""End-to-end tests of item types and member categories through the real
nginx: the admin's lists at /admin/item-types and /admin/categories (add,
rename, reorder, delete refused while in use, every change audited), the
item type on the copy form, the category on the member form, rules chosen
from the lists, the rule that applies at checkout and the names in the
"why"; codes not on the lists are refused wherever they are posted."""
import html
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import plan_id, run_module  # noqa: E402
from circ import (ADMIN, LIBRARIAN, add_title, alert, checkout, circ_stack,  # noqa: E402
                  days, loan_row, member, post_rule, set_clock)


def audit(stack, action):
    with stack.db() as db:
        return db.execute("SELECT object, detail FROM audit WHERE action = ? ORDER BY id",
                          (action,)).fetchall()


def item_types(stack):
    with stack.db() as db:
        return db.execute("SELECT code, name, position FROM item_type ORDER BY code").fetchall()


def copy_type(stack, barcode):
    with stack.db() as db:
        return db.execute("SELECT item_type FROM copy WHERE barcode = ?",
                          (barcode,)).fetchone()[0]


def copy_id(stack, barcode):
    with stack.db() as db:
        return db.execute("SELECT id FROM copy WHERE barcode = ?", (barcode,)).fetchone()[0]


def add_entry(admin, base, code, name, position=""):
    page = admin.get(base)
    return admin.post(base, {"code": code, "name": name, "position": position,
                             "csrf": page.csrf()})


def edit_copy(staff, tid, barcode, item_type, stack):
    page = staff.get("/staff/titles/%d/copies" % tid)
    return staff.post("/staff/titles/%d/copies/%d" % (tid, copy_id(stack, barcode)), {
        "csrf": page.csrf(), "location": "AV 1", "status": "available", "notes": "",
        "acquired_on": "", "source": "", "cost": "", "item_type": item_type})


def why(body):
    m = re.search(r'<p class="why">(.*?)</p>', body, re.S)
    return re.sub(r"\s+", " ", m.group(1)) if m else None


def selected(body, name):
    """The value of the option selected in the select called name."""
    m = re.search(r'<select[^>]*name="%s"[^>]*>(.*?)</select>' % name, body, re.S)
    assert m, "no select " + name
    chosen = re.search(r'<option value="([^"]*)" selected>', m.group(1))
    return chosen.group(1) if chosen else None


# ---- the tests ----

def test_a_new_type_on_a_copy_gets_its_rule_at_checkout_and_in_the_why(stack):
    set_clock(stack, 0)
    admin = stack.login(*ADMIN)
    staff = stack.login(*LIBRARIAN)
    page = admin.get("/admin/item-types")
    assert page.status == 200, page
    for name in ("Book", "DVD", "Magazine", "Reference"):
        assert 'value="%s"' % name in page.body, name
    assert 'href="/admin/item-types"' in page.body and 'href="/admin/categories"' in page.body
    assert 'href="/admin/item-types"' in admin.get("/admin/rules").body
    r = add_entry(admin, "/admin/item-types", "laptop", "Laptop")
    assert r.status == 303, r
    assert "The entry was added." in admin.get(r.header("Location")).body
    assert ("laptop", "Laptop", 5) in item_types(stack)
    assert audit(stack, "item_type.add") == [("item_type:laptop", "Laptop (position 5)")]
    # The copy form offers it; a copy is given it, and a new copy made with it.
    tid, (lap, book) = add_title(stack, "Loanable Laptops", copies=2)
    page = staff.get("/staff/titles/%d/copies" % tid)
    assert '<option value="laptop">Laptop</option>' in page.body, page.body
    r = edit_copy(staff, tid, lap, "laptop", stack)
    assert r.status == 303, r
    assert copy_type(stack, lap) == "laptop" and copy_type(stack, book) == "book"
    page = staff.get("/staff/titles/%d/copies" % tid)
    assert selected(page.body, "item_type") == "laptop"   # the first row: lap
    assert '<option value="laptop" selected>Laptop</option>' in page.body
    r = staff.post("/staff/titles/%d/copies" % tid, {
        "barcode": "LAP-NEW-1", "item_type": "laptop", "acquired_on": "", "cost": "",
        "csrf": page.csrf()})
    assert r.status == 303, r
    assert copy_type(stack, "LAP-NEW-1") == "laptop"
    # A rule for adults and laptops, chosen from the lists.
    r = post_rule(admin, "adult", "laptop", loan_days="3", max_loans="1")
    assert r.status == 303, r
    rules = admin.get("/admin/rules").body
    assert '<option value="laptop" selected>Laptop</option>' in rules, rules
    assert '<option value="adult" selected>Adult</option>' in rules
    # The laptop goes out for 3 days, the book for the general 21.
    _, email, _ = member(stack, "Lena Laptop")
    assert checkout(staff, email, lap).status == 303
    assert checkout(staff, email, book).status == 303
    assert loan_row(stack, lap)[1] == days(3)
    assert loan_row(stack, book)[1] == days(21)
    loan = staff.get("/staff/loans/%d" % loan_row(stack, lap)[0]).body
    assert "<strong>Adult / Laptop: 3 days</strong>" in loan, loan
    assert "(Laptop) lent to" in loan and "(Adult) on" in loan
    book_loan = staff.get("/staff/loans/%d" % loan_row(stack, book)[0]).body
    assert "<strong>Any category / Any item type: 21 days</strong>" in book_loan, book_loan
    # A second laptop is refused by that rule, and the why names it.
    r = checkout(staff, email, "LAP-NEW-1")
    assert r.status == 422, r
    assert "rule for <strong>Adult / Laptop</strong>" in why(r.body), why(r.body)


def test_deleting_an_entry_in_use_is_refused_with_the_reason(stack):
    set_clock(stack, 0)
    admin = stack.login(*ADMIN)
    assert add_entry(admin, "/admin/item-types", "atlas", "Atlas").status == 303
    assert add_entry(admin, "/admin/item-types", "globe", "Globe").status == 303
    _, codes = add_title(stack, "World Atlas", copies=3)
    with stack.db() as db:
        db.execute("UPDATE copy SET item_type = 'atlas' WHERE barcode IN (?, ?)", codes[:2])
        db.execute("UPDATE copy SET item_type = 'globe' WHERE barcode = ?", (codes[2],))
    assert post_rule(admin, "*", "atlas", loan_days="2").status == 303
    before = item_types(stack)
    page = admin.get("/admin/item-types")
    assert "used by 2 copies and 1 rule" in page.body, page.body
    r = admin.post("/admin/item-types/atlas/delete", {"csrf": page.csrf()})
    assert r.status == 409, r
    assert "2 copies and 1 rule use this type" in r.body, r.body
    assert 'id="delete-error-atlas"' in r.body   # beside its Delete button
    r = admin.post("/admin/item-types/globe/delete", {"csrf": page.csrf()})
    assert r.status == 409 and "1 copy uses this type" in r.body, r
    assert item_types(stack) == before and audit(stack, "item_type.delete") == []
    # A category in use is kept the same way.
    _, _, mid = member(stack, "Stella Student")
    with stack.db() as db:
        db.execute("UPDATE account SET category = 'student' WHERE id = ?", (mid,))
    page = admin.get("/admin/categories")
    r = admin.post("/admin/categories/student/delete", {"csrf": page.csrf()})
    assert r.status == 409 and "1 member uses this category" in r.body, r
    r = admin.post("/admin/categories/adult/delete", {"csrf": page.csrf()})
    assert r.status == 409 and "a member who joins or is added without one is an adult" \
        in r.body, r
    assert audit(stack, "category.delete") == []
    # The defaults of new copies and members stay, used or not.
    r = admin.post("/admin/item-types/book/delete", {"csrf": page.csrf()})
    assert r.status == 409 and "a copy added or imported without a type is a book" \
        in r.body, r
    # Once nothing uses it, it goes, and the audit says so.
    with stack.db() as db:
        db.execute("UPDATE copy SET item_type = 'book' WHERE barcode = ?", (codes[2],))
    r = admin.post("/admin/item-types/globe/delete", {"csrf": page.csrf()})
    assert r.status == 303, r
    assert "globe" not in [code for code, _, _ in item_types(stack)]
    assert audit(stack, "item_type.delete") == [("item_type:globe", "Globe")]
    assert admin.post("/admin/item-types/globe/delete", {"csrf": page.csrf()}).status == 404


def test_bad_entries_are_refused_with_what_was_typed(stack):
    admin = stack.login(*ADMIN)
    before = item_types(stack)
    adds, saves = len(audit(stack, "item_type.add")), len(audit(stack, "item_type.save"))
    for code, name, position, status, message in [
            ("Large Print", "Kept Name", "", 422, "A code is 1 to 40 lower-case letters"),
            ("*", "Kept Name", "", 422, "A code is 1 to 40 lower-case letters"),
            ("x" * 41, "Kept Name", "", 422, "A code is 1 to 40 lower-case letters"),
            ("large-print", "", "", 422, "Give a name"),
            ("large-print", "Kept Name", "first", 422, "The position is a whole number"),
            ("dvd", "Kept Name", "", 409, "The code dvd is already on the list."),
            ("films", "dvd", "", 409, "Another entry of the list has this name.")]:
        r = add_entry(admin, "/admin/item-types", code, name, position)
        assert r.status == status and message in r.body, (code, name, r)
        assert 'id="new-code" name="code" value="%s"' % html.escape(code) in r.body, r.body
        assert 'id="new-name" name="name" value="%s"' % html.escape(name) in r.body
        assert 'aria-invalid="true"' in r.body
    assert item_types(stack) == before and len(audit(stack, "item_type.add")) == adds
    # Renaming and reordering: refused values come back beside the entry.
    page = admin.get("/admin/item-types")
    r = admin.post("/admin/item-types/dvd", {"name": " ", "position": "2",
                                             "csrf": page.csrf()})
    assert r.status == 422 and 'id="name-error-dvd"' in r.body, r
    r = admin.post("/admin/item-types/dvd", {"name": "Films", "position": "-4",
                                             "csrf": page.csrf()})
    assert r.status == 422 and 'id="position-error-dvd"' in r.body, r
    assert 'name="name" value="Films"' in r.body and 'value="-4"' in r.body
    assert admin.post("/admin/item-types/zeppelin", {"name": "Z", "position": "1",
                                                     "csrf": page.csrf()}).status == 404
    assert item_types(stack) == before and len(audit(stack, "item_type.save")) == saves
    r = admin.post("/admin/item-types/dvd", {"name": "Film", "position": "0",
                                             "csrf": page.csrf()})
    assert r.status == 303, r
    assert ("dvd", "Film", 0) in item_types(stack)
    assert audit(stack, "item_type.save")[saves:] == [("item_type:dvd",
                                                       "name DVD -> Film; position 2 -> 0")]
    # Position 0 puts it first in the lists.
    page = admin.get("/admin/item-types").body
    assert page.index('id="entry-dvd"') < page.index('id="entry-book"')
    r = admin.post("/admin/item-types/dvd", {"name": "DVD", "position": "2",
                                             "csrf": admin.get("/admin/item-types").csrf()})
    assert r.status == 303, r


def test_only_admins_reach_the_lists(stack):
    staff = stack.login(*LIBRARIAN)
    token = staff.get("/staff").csrf()
    m, _, _ = member(stack, "Nosy Member")
    for who in (staff, m):
        for base in ("/admin/item-types", "/admin/categories"):
            assert who.get(base).status == 403, base
            r = who.post(base, {"code": "sneaky", "name": "Sneaky", "csrf": token})
            assert r.status == 403, r
            assert who.post(base + "/book/delete", {"csrf": token}).status == 403
            assert who.post(base + "/adult", {"name": "X", "position": "1",
                                              "csrf": token}).status == 403
    assert "sneaky" not in [code for code, _, _ in item_types(stack)]
    nav = staff.get("/staff").body
    assert 'href="/admin/item-types"' not in nav
    assert 'href="/admin/item-types"' in stack.login(*ADMIN).get("/staff").body


def test_the_category_on_the_member_form_picks_the_rule(stack):
    set_clock(stack, 0)
    admin = stack.login(*ADMIN)
    staff = stack.login(*LIBRARIAN)
    assert post_rule(admin, "child", "*", loan_days="7").status == 303
    assert add_entry(admin, "/admin/categories", "visitor", "Visiting reader").status == 303
    page = staff.get("/staff/members/new")
    assert '<option value="visitor">Visiting reader</option>' in page.body, page.body
    assert selected(page.body, "category") == "adult"
    email = "kid.%d@test.example" % os.getpid()
    r = staff.post("/staff/members/new", {
        "name": "Kit Child", "email": email, "phone": "", "category": "child",
        "plan": plan_id(page, "Student"), "csrf": page.csrf()})
    # The new member's page answers the POST itself (it shows the
    # temporary password once).
    assert r.status == 200 and "Kit Child" in r.body, r
    with stack.db() as db:
        mid, category = db.execute("SELECT id, category FROM account WHERE email = ?",
                                   (email,)).fetchone()
    assert category == "child"
    assert "· Child ·" in staff.get("/staff/members/%d" % mid).body
    form = staff.get("/staff/members/%d/edit" % mid)
    assert selected(form.body, "category") == "child"
    _, (first, second) = add_title(stack, "Two Picture Books", copies=2)
    assert checkout(staff, email, first).status == 303
    assert loan_row(stack, first)[1] == days(7)
    loan = staff.get("/staff/loans/%d" % loan_row(stack, first)[0]).body
    assert "<strong>Child / Any item type: 7 days</strong>" in loan, loan
    # Moved to adult on the form: the general rule lends for 21 days.
    r = staff.post("/staff/members/%d/edit" % mid, {
        "name": "Kit Child", "email": email, "phone": "", "category": "adult",
        "csrf": form.csrf()})
    assert r.status == 303, r
    assert checkout(staff, email, second).status == 303
    assert loan_row(stack, second)[1] == days(21)


def test_codes_not_on_the_lists_are_refused_when_posted_by_hand(stack):
    set_clock(stack, 0)
    admin = stack.login(*ADMIN)
    staff = stack.login(*LIBRARIAN)
    tid, (code,) = add_title(stack, "Hand Posted", copies=1)
    page = staff.get("/staff/titles/%d/copies" % tid)
    r = staff.post("/staff/titles/%d/copies" % tid, {
        "barcode": "HAND-1", "item_type": "spaceship", "acquired_on": "", "cost": "",
        "csrf": page.csrf()})
    assert r.status == 422 and "There is no such item type" in r.body, r
    assert 'id="item_type-error"' in r.body and 'value="HAND-1"' in r.body
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM copy WHERE barcode = 'HAND-1'").fetchone()[0] == 0
    r = edit_copy(staff, tid, code, "spaceship", stack)
    assert r.status == 422 and "There is no such item type" in r.body, r
    assert copy_type(stack, code) == "book"
    # The member forms.
    page = staff.get("/staff/members/new")
    email = "martian.%d@test.example" % os.getpid()
    r = staff.post("/staff/members/new", {"name": "Mars Person", "email": email,
                                          "category": "martian", "csrf": page.csrf()})
    assert r.status == 422 and "There is no such member category" in r.body, r
    assert 'id="category-error"' in r.body and 'value="Mars Person"' in r.body
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM account WHERE email = ?",
                          (email,)).fetchone()[0] == 0
    _, m_email, mid = member(stack, "Earth Person")
    form = staff.get("/staff/members/%d/edit" % mid)
    r = staff.post("/staff/members/%d/edit" % mid, {"name": "Earth Person", "email": m_email,
                                                   "category": "martian", "csrf": form.csrf()})
    assert r.status == 422 and "There is no such member category" in r.body, r
    with stack.db() as db:
        assert db.execute("SELECT category FROM account WHERE id = ?",
                          (mid,)).fetchone()[0] == "adult"
    # The rules.
    with stack.db() as db:
        rules = db.execute("SELECT count(*) FROM circ_rule").fetchone()[0]
    r = post_rule(admin, "martian", "*")
    assert r.status == 422 and "There is no such member category" in r.body, r
    r = post_rule(admin, "*", "spaceship")
    assert r.status == 422 and "There is no such item type" in r.body, r
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM circ_rule").fetchone()[0] == rules
    # A refused new rule keeps the choices made.
    r = post_rule(admin, "child", "dvd", loan_days="none")
    assert r.status == 422, r
    add_form = r.body.split("<h2>Add a rule</h2>")[1]
    assert selected(add_form, "category") == "child" and selected(add_form, "item_type") == "dvd"


def main():
    return run_module(globals(), circ_stack())


if __name__ == "__main__":
    sys.exit(main())
