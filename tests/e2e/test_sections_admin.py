#!/usr/bin/env python3
"""End-to-end tests of the sections kept on the web (/staff/sections):
the list in its order with each section's titles, adding, renaming and
describing, the order (up and down, a position number) followed by the
public sections page and the catalogue's section menu, merging one
section into another after a confirmation, deleting only an empty one;
refusals beside their control with what was typed kept (a name taken in
another case, a section with titles deleted, a merge into itself); every
change in the audit trail; and the catalogue's section filter and search
right after a rename and a merge."""
import html
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Client, run_module  # noqa: E402
from circ import ADMIN, LIBRARIAN, add_title, circ_stack, member  # noqa: E402


def staff(stack):
    return stack.login(*LIBRARIAN)


def section_id(stack, name):
    with stack.db() as db:
        row = db.execute("SELECT id FROM section WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def add_section(client, name, description=""):
    page = client.get("/staff/sections")
    assert page.status == 200, page
    return client.post("/staff/sections", {"csrf": page.csrf(), "name": name,
                                           "description": description})


def new_section(stack, client, name, description=""):
    r = add_section(client, name, description)
    assert r.status == 303 and r.header("Location") == "/staff/sections?done=added", r
    return section_id(stack, name)


def put_titles(stack, sid, *titles):
    ids = []
    for t in titles:
        tid, _ = add_title(stack, t)
        with stack.db() as db:
            db.execute("UPDATE title SET section_id = ? WHERE id = ?", (sid, tid))
        ids.append(tid)
    return ids


def audit(stack, action, sid):
    with stack.db() as db:
        return db.execute("SELECT detail, before_value, after_value, actor_id FROM audit "
                          "WHERE action = ? AND object = ? ORDER BY id",
                          (action, "section:%d" % sid)).fetchall()


def account_id(stack, email):
    with stack.db() as db:
        return db.execute("SELECT id FROM account WHERE email = ?", (email,)).fetchone()[0]


def field_error(body, field_id):
    m = re.search(r'<p class="field-error" id="%s"[^>]*>(.*?)</p>' % re.escape(field_id),
                  body, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip() if m else None


def input_value(body, field_id):
    m = re.search(r'<input id="%s"[^>]*value="([^"]*)"' % re.escape(field_id), body)
    return html.unescape(m.group(1)) if m else None


def textarea(body, field_id):
    m = re.search(r'<textarea id="%s"[^>]*>(.*?)</textarea>' % re.escape(field_id), body, re.S)
    return html.unescape(m.group(1)) if m else None


def staff_order(client):
    page = client.get("/staff/sections")
    assert page.status == 200, page
    return [html.unescape(n) for n in
            re.findall(r'<a href="/staff/sections/\d+">([^<]*)</a>', page.body)]


def public_order(stack):
    page = Client(stack.port).get("/sections")
    assert page.status == 200, page
    return [html.unescape(n) for n in re.findall(r'href="/sections/\d+">([^<]*)<', page.body)]


def catalogue_menu(client, query="q="):
    page = client.get("/catalogue?" + query)
    assert page.status == 200, page
    menu = re.search(r'<select id="section" name="section">(.*?)</select>', page.body, re.S)
    return [(v, html.unescape(n), bool(s)) for v, s, n in
            re.findall(r'<option value="(\d+)"( selected)?>([^<]*)</option>', menu.group(1))]


def found(stack, query):
    page = Client(stack.port).get("/catalogue?" + query)
    assert page.status == 200, page
    return sorted(html.unescape(t) for t in
                  re.findall(r'class="title" href="/titles/\d+">([^<]*)', page.body))


def move(client, sid, **fields):
    page = client.get("/staff/sections/%d" % sid)
    return client.post("/staff/sections/%d/move" % sid, dict(fields, csrf=page.csrf()))


# ---- tests ----

def test_only_staff_reach_the_sections(stack):
    r = Client(stack.port).get("/staff/sections")
    assert r.status == 303 and r.header("Location").startswith("/login?next="), r
    m, _, _ = member(stack, "Reader Sections")
    assert m.get("/staff/sections").status == 403
    page = m.get("/account")
    r = m.post("/staff/sections", {"csrf": page.csrf(), "name": "Member's own"})
    assert r.status == 403, r
    assert section_id(stack, "Member's own") is None
    assert stack.login(*ADMIN).get("/staff/sections").status == 200
    assert 'href="/staff/sections"' in staff(stack).get("/staff").body


def test_add_a_section_with_its_titles_shown(stack):
    s = staff(stack)
    sid = new_section(stack, s, "Poetry", "Verse of every age")
    put_titles(stack, sid, "Collected Odes", "Songs of the Shore")
    page = s.get("/staff/sections?done=added")
    assert "The section was added" in page.body
    row = re.search(r'<tr id="section-%d">(.*?)</tr>' % sid, page.body, re.S).group(1)
    assert "Poetry" in row and "Verse of every age" in row and "2 titles" in row
    (detail, before, after, actor), = audit(stack, "section.create", sid)
    assert detail == "Poetry" and after == "Verse of every age"
    assert actor == account_id(stack, LIBRARIAN[0])


def test_a_name_taken_in_another_case_is_refused(stack):
    s = staff(stack)
    new_section(stack, s, "Maritime")
    r = add_section(s, "  maritime ", "Ships and the sea")
    assert r.status == 409, r
    assert "already called that" in field_error(r.body, "name-error")
    assert 'aria-invalid="true"' in r.body
    assert input_value(r.body, "name") == "maritime"
    assert textarea(r.body, "description") == "Ships and the sea"
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM section WHERE name = 'maritime' "
                          "COLLATE NOCASE").fetchone()[0] == 1
    r = add_section(s, "   ", "Only a description")
    assert r.status == 422, r
    assert field_error(r.body, "name-error") == "Please enter a name."
    assert textarea(r.body, "description") == "Only a description"


def test_rename_and_describe(stack):
    s = staff(stack)
    sid = new_section(stack, s, "Kids", "For children")
    other = new_section(stack, s, "Teens")
    page = s.get("/staff/sections/%d" % sid)
    assert page.status == 200 and input_value(page.body, "name") == "Kids"
    r = s.post("/staff/sections/%d" % sid, {"csrf": page.csrf(), "name": "Children's corner",
                                           "description": "Picture books and first readers"})
    assert r.status == 303 and r.header("Location") == "/staff/sections/%d?done=saved" % sid, r
    with stack.db() as db:
        assert db.execute("SELECT name, description FROM section WHERE id = ?",
                          (sid,)).fetchone() == ("Children's corner",
                                                 "Picture books and first readers")
    (_, before, after, _), = audit(stack, "section.rename", sid)
    assert (before, after) == ("Kids", "Children's corner")
    (_, before, after, _), = audit(stack, "section.describe", sid)
    assert (before, after) == ("For children", "Picture books and first readers")
    # Another section's name, in another case: refused beside the name.
    r = s.post("/staff/sections/%d" % sid, {"csrf": page.csrf(), "name": "TEENS",
                                           "description": "typed text"})
    assert r.status == 409, r
    assert "already called that" in field_error(r.body, "name-error")
    assert input_value(r.body, "name") == "TEENS"
    assert textarea(r.body, "description") == "typed text"
    assert section_id(stack, "Children's corner") == sid and section_id(stack, "Teens") == other
    # Its own name in another case is its own.
    r = s.post("/staff/sections/%d" % sid, {"csrf": page.csrf(), "name": "children's Corner",
                                           "description": ""})
    assert r.status == 303, r
    assert section_id(stack, "children's Corner") == sid
    assert s.get("/staff/sections/99999").status == 404


def test_the_order_is_followed_everywhere(stack):
    s = staff(stack)
    a = new_section(stack, s, "Order Alpha")
    b = new_section(stack, s, "Order Beta")
    c = new_section(stack, s, "Order Gamma")
    mine = ["Order Alpha", "Order Beta", "Order Gamma"]

    def ours(names):
        return [n for n in names if n in mine]

    assert ours(staff_order(s)) == mine        # new sections go last
    r = move(s, c, direction="up")
    assert r.status == 303 and r.header("Location") == "/staff/sections?done=moved", r
    assert ours(staff_order(s)) == ["Order Alpha", "Order Gamma", "Order Beta"]
    first = staff_order(s)[0]
    r = move(s, b, position="1")
    assert r.status == 303 and r.header("Location") == "/staff/sections/%d?done=moved" % b, r
    assert staff_order(s)[0] == "Order Beta"
    assert ours(staff_order(s)) == ["Order Beta", "Order Alpha", "Order Gamma"]
    assert public_order(stack) == staff_order(s)
    assert [n for _, n, _ in catalogue_menu(s)] == staff_order(s)
    assert staff_order(s)[1] == first
    # Past the end is the end.
    r = move(s, b, position="999")
    assert r.status == 303, r
    assert staff_order(s)[-1] == "Order Beta"
    r = move(s, a, position="first")
    assert r.status == 422, r
    assert "whole number" in field_error(r.body, "position-error")
    assert input_value(r.body, "position") == "first"
    (_, before, after, _), = audit(stack, "section.move", c)
    assert int(after) == int(before) - 1
    assert len(audit(stack, "section.move", b)) == 2


def test_a_section_with_titles_cannot_be_deleted(stack):
    s = staff(stack)
    full = new_section(stack, s, "Full Shelf")
    put_titles(stack, full, "Heavy Tome")
    page = s.get("/staff/sections/%d" % full)
    r = s.post("/staff/sections/%d/delete" % full, {"csrf": page.csrf()})
    assert r.status == 409, r
    why = field_error(r.body, "delete-error")
    assert "still has titles" in why and "Merge it" in why, why
    assert 'href="#merge"' in r.body and 'action="/staff/sections/%d/merge"' % full in r.body
    assert section_id(stack, "Full Shelf") == full
    assert audit(stack, "section.delete", full) == []

    empty = new_section(stack, s, "Empty Shelf")
    r = s.post("/staff/sections/%d/delete" % empty, {"csrf": page.csrf()})
    assert r.status == 303 and r.header("Location") == "/staff/sections?done=deleted", r
    assert section_id(stack, "Empty Shelf") is None
    (detail, _, _, _), = audit(stack, "section.delete", empty)
    assert detail == "Empty Shelf"
    assert "Empty Shelf" not in public_order(stack)
    assert s.post("/staff/sections/%d/delete" % empty, {"csrf": page.csrf()}).status == 404


def test_merge_moves_the_titles_then_removes_the_section(stack):
    s = staff(stack)
    old = new_section(stack, s, "Quixotic Cartography")
    into = new_section(stack, s, "Atlases")
    put_titles(stack, old, "Coastlines Drawn", "Inland Surveys")
    put_titles(stack, into, "World Atlas")
    assert found(stack, "q=quixotic") == ["Coastlines Drawn", "Inland Surveys"]
    assert found(stack, "section=%d" % into) == ["World Atlas"]

    page = s.get("/staff/sections/%d" % old)
    assert re.search(r'<option value="%d">Atlases \(1 title\)</option>' % into, page.body)
    # The confirmation says what will happen, and changes nothing yet.
    confirm = s.get("/staff/sections/%d/merge?into=%d" % (old, into))
    assert confirm.status == 200, confirm
    text = html.unescape(confirm.body)
    assert "Merge Quixotic Cartography into Atlases?" in text
    assert ("All the titles of Quixotic Cartography (2 titles) move to Atlases, which then "
            "has 3 titles") in text
    assert section_id(stack, "Quixotic Cartography") == old
    # Into itself, or into nothing: refused beside the choice.
    r = s.get("/staff/sections/%d/merge?into=%d" % (old, old))
    assert r.status == 422 and field_error(r.body, "merge-error"), r
    r = s.post("/staff/sections/%d/merge" % old, {"csrf": confirm.csrf(), "into": str(old)})
    assert r.status == 422 and "itself" in field_error(r.body, "merge-error"), r

    r = s.post("/staff/sections/%d/merge" % old, {"csrf": confirm.csrf(), "into": str(into)})
    assert r.status == 303 and r.header("Location") == "/staff/sections?done=merged", r
    assert section_id(stack, "Quixotic Cartography") is None
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM title WHERE section_id = ?",
                          (into,)).fetchone()[0] == 3
        assert db.execute("SELECT title_count FROM section WHERE id = ?",
                          (into,)).fetchone()[0] == 3
        assert db.execute("SELECT count(*) FROM title_stat WHERE section_id = ?",
                          (into,)).fetchone()[0] == 3
    # The catalogue: the filter finds the moved titles, the old section's
    # name is in no search document, the menu no longer offers it.
    assert found(stack, "section=%d" % into) == ["Coastlines Drawn", "Inland Surveys",
                                                 "World Atlas"]
    assert found(stack, "q=atlases") == ["Coastlines Drawn", "Inland Surveys", "World Atlas"]
    assert found(stack, "q=quixotic") == []
    assert "Quixotic Cartography" not in [n for _, n, _ in catalogue_menu(s)]
    assert "3 titles" in re.search(r'<tr id="section-%d">(.*?)</tr>' % into,
                                   s.get("/staff/sections").body, re.S).group(1)
    (detail, before, after, _), = audit(stack, "section.merge", old)
    assert detail == "2 titles moved from Quixotic Cartography into Atlases"
    assert (before, after) == ("Quixotic Cartography", "section:%d" % into)
    assert s.get("/staff/sections/%d/merge?into=%d" % (old, into)).status == 404


def test_rename_reaches_the_catalogue(stack):
    s = staff(stack)
    sid = new_section(stack, s, "Zyxwordian Studies")
    put_titles(stack, sid, "Plain Handbook")
    assert found(stack, "q=zyxwordian") == ["Plain Handbook"]
    page = s.get("/staff/sections/%d" % sid)
    r = s.post("/staff/sections/%d" % sid, {"csrf": page.csrf(), "name": "Quovadian Studies",
                                           "description": ""})
    assert r.status == 303, r
    assert found(stack, "q=quovadian") == ["Plain Handbook"]
    assert found(stack, "q=zyxwordian") == []
    assert found(stack, "section=%d" % sid) == ["Plain Handbook"]
    menu = catalogue_menu(s, "section=%d" % sid)
    assert (str(sid), "Quovadian Studies", True) in menu
    assert "Zyxwordian Studies" not in [n for _, n, _ in menu]
    assert "Quovadian Studies" in public_order(stack)
    title_page = Client(stack.port).get("/sections/%d" % sid)
    assert "Quovadian Studies" in html.unescape(title_page.body)


if __name__ == "__main__":
    sys.exit(run_module(globals(), circ_stack()))
