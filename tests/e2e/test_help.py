#!/usr/bin/env python3
"""End-to-end tests of the help pages (/help, /help/{topic}): the guides for
readers are public, those for staff and admins are shown only to those
roles (anyone else gets 403 in the layout); an unknown topic is a 404 in
the layout; the library's own rules are read from the database, so a page
says what an admin set a moment ago; every page links to Help."""
import html
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from circ import ADMIN, LIBRARIAN, circ_stack, member, post_rule  # noqa: E402
from harness import Client, run_module  # noqa: E402

PATRON = ["search", "borrow", "renew", "holds", "fines", "ebooks", "membership"]
STAFF = ["desk", "cataloguing", "imports", "reports", "stocktaking", "sections", "support"]
ADMIN_TOPICS = ["rules", "plans", "staff-accounts", "backups", "audit"]


def text(body):
    """The words of a page, tags removed, spaces squeezed."""
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body))


def main_text(body):
    m = re.search(r'<main id="main">(.*)</main>', body, re.S)
    assert m, body[:300]
    return text(m.group(1))


def general_rule_id(stack):
    with stack.db() as db:
        return db.execute("SELECT id FROM circ_rule WHERE category = '*' "
                          "AND item_type = '*'").fetchone()[0]


def in_layout(r):
    return '<header class="site">' in r.body and 'href="/help"' in r.body


def test_every_page_links_to_help(stack):
    visitor = Client(stack.port)
    for path in ("/", "/catalogue", "/login"):
        r = visitor.get(path)
        assert r.status == 200 and '<a href="/help">Help</a>' in r.body, (path, r)
        assert '<a href="/support">' in r.body, path
    m, _, _ = member(stack, "Hilda Helpful")
    assert '<a href="/help">Help</a>' in m.get("/account").body
    staff = stack.login(*LIBRARIAN)
    home = staff.get("/staff").body
    assert 'href="/staff/support"' in home and 'href="/help"' in home


def test_visitor_reads_the_readers_guides_only(stack):
    visitor = Client(stack.port)
    r = visitor.get("/help")
    assert r.status == 200, r
    for slug in PATRON:
        assert 'href="/help/%s"' % slug in r.body, slug
        page = visitor.get("/help/%s" % slug)
        assert page.status == 200 and in_layout(page), (slug, page)
        assert "For readers" in page.body and 'href="/support"' in page.body, slug
    for slug in STAFF + ADMIN_TOPICS:
        assert 'href="/help/%s"' % slug not in r.body, slug
        page = visitor.get("/help/%s" % slug)
        assert page.status == 403 and in_layout(page), (slug, page)
    assert "For library staff" not in r.body and "For administrators" not in r.body


def test_member_is_refused_staff_and_admin_guides(stack):
    m, _, _ = member(stack, "Mona Member")
    index = m.get("/help")
    assert "For library staff" not in index.body
    r = m.get("/help/desk")
    assert r.status == 403 and in_layout(r), r
    assert "This guide is for library staff." in main_text(r.body)
    r = m.get("/help/backups")
    assert r.status == 403 and "administrators" in main_text(r.body), r
    assert m.get("/help/borrow").status == 200


def test_librarian_reads_staff_guides_but_not_admin_ones(stack):
    staff = stack.login(*LIBRARIAN)
    index = staff.get("/help")
    assert "For library staff" in index.body and "For administrators" not in index.body
    for slug in STAFF:
        assert 'href="/help/%s"' % slug in index.body, slug
        page = staff.get("/help/%s" % slug)
        assert page.status == 200 and "For library staff" in page.body, (slug, page)
    for slug in ADMIN_TOPICS:
        assert staff.get("/help/%s" % slug).status == 403, slug


def test_admin_reads_every_guide(stack):
    admin = stack.login(*ADMIN)
    index = admin.get("/help")
    for slug in PATRON + STAFF + ADMIN_TOPICS:
        assert 'href="/help/%s"' % slug in index.body, slug
        page = admin.get("/help/%s" % slug)
        assert page.status == 200 and in_layout(page), (slug, page)
        assert not re.search(r"\{\{|\}\}", page.body), slug


def test_unknown_topic_is_a_404_in_the_layout(stack):
    for path in ("/help/nothing-here", "/help/DESK", "/help/help"):
        r = Client(stack.port).get(path)
        assert r.status == 404 and in_layout(r), (path, r)
        assert "There is no help page of that name" in r.body


def test_the_default_rules_are_shown(stack):
    visitor = Client(stack.port)
    borrow = main_text(visitor.get("/help/borrow").body)
    assert "up to 5 items on loan at once" in borrow and "lasts 21 days" in borrow, borrow
    assert "more than 5.00" in borrow, borrow
    renew = main_text(visitor.get("/help/renew").body)
    assert "renewed up to 3 times" in renew and "overdue by more than 30 days" in renew, renew
    fines = main_text(visitor.get("/help/fines").body)
    assert "0.25" in fines and "after 1 day of grace" in fines and "10.00" in fines, fines
    holds = main_text(visitor.get("/help/holds").body)
    assert "You then have 7 days to collect it" in holds, holds
    ebooks = main_text(visitor.get("/help/ebooks").body)
    assert "read for 14 days" in ebooks and "up to 5 e-books at once" in ebooks, ebooks
    plans = main_text(visitor.get("/help/membership").body)
    for words in ("Monthly 30 days 5.00", "Annual 365 days 40.00", "Student 180 days free"):
        assert words in plans, (words, plans)


def test_the_rules_shown_follow_what_an_admin_sets(stack):
    admin = stack.login(*ADMIN)
    rid = general_rule_id(stack)
    visitor = Client(stack.port)
    try:
        r = post_rule(admin, "*", "*", action="/admin/rules/%d" % rid, loan_days="28",
                      max_loans="7", max_renewals="0", fine_per_day="0.40", grace_days="2",
                      fine_cap="12.50", hold_pickup_days="4")
        assert r.status == 303, r
        page = admin.get("/admin/settings")
        r = admin.post("/admin/settings/limits", {"block_fines": "8.00",
                                                  "renew_overdue_days": "30",
                                                  "csrf": page.csrf()})
        assert r.status == 303, r
        page = admin.get("/admin/plans")
        r = admin.post("/admin/plans", {"name": "Family", "duration_days": "90",
                                        "price": "12.00", "active": "1",
                                        "csrf": page.csrf()})
        assert r.status == 303, r
        page = admin.get("/admin/rules")
        slug = re.search(r'action="/admin/rules/ebooks/([^"]+)" class="rule"', page.body).group(1)
        r = admin.post("/admin/rules/ebooks/%s" % slug, {"max_active": "2", "loan_days": "10",
                                                         "csrf": page.csrf()})
        assert r.status == 303, r

        borrow = main_text(visitor.get("/help/borrow").body)
        assert "up to 7 items on loan at once" in borrow and "lasts 28 days" in borrow, borrow
        assert "more than 8.00" in borrow and "21 days" not in borrow, borrow
        renew = main_text(visitor.get("/help/renew").body)
        assert "does not renew loans" in renew and "renewed up to" not in renew, renew
        fines = main_text(visitor.get("/help/fines").body)
        assert "0.40" in fines and "after 2 days of grace" in fines and "12.50" in fines, fines
        assert "0.25" not in fines
        holds = main_text(visitor.get("/help/holds").body)
        assert "You then have 4 days to collect it" in holds, holds
        ebooks = main_text(visitor.get("/help/ebooks").body)
        assert "read for 10 days" in ebooks and "up to 2 e-books at once" in ebooks, ebooks
        assert "Family 90 days 12.00" in main_text(visitor.get("/help/membership").body)
        glance = main_text(visitor.get("/help").body)
        assert "up to 7 items at once, each for 28 days" in glance, glance
        assert "Loans cannot be renewed." in glance, glance
        # Staff and admin guides tell the same figures.
        rules = main_text(admin.get("/help/rules").body)
        assert "Loan period 28 days" in rules and "Loans at once 7 items" in rules, rules
        desk = main_text(admin.get("/help/desk").body)
        assert "the general limit is 7 items" in desk and "fines over 8.00" in desk, desk
        # A plan withdrawn from offer leaves the membership guide.
        with stack.db() as db:
            pid = db.execute("SELECT id FROM plan WHERE name = 'Family'").fetchone()[0]
        page = admin.get("/admin/plans")
        r = admin.post("/admin/plans/%d" % pid, {"name": "Family", "duration_days": "90",
                                                 "price": "12.00", "csrf": page.csrf()})
        assert r.status == 303, r
        assert "Family" not in main_text(visitor.get("/help/membership").body)
    finally:
        post_rule(admin, "*", "*", action="/admin/rules/%d" % rid)
        page = admin.get("/admin/settings")
        admin.post("/admin/settings/limits", {"block_fines": "5.00", "renew_overdue_days": "30",
                                              "csrf": page.csrf()})
        page = admin.get("/admin/rules")
        admin.post("/admin/rules/ebooks/%s" % slug, {"max_active": "5", "loan_days": "14",
                                                     "csrf": page.csrf()})
    assert "lasts 21 days" in main_text(visitor.get("/help/borrow").body)


if __name__ == "__main__":
    sys.exit(run_module(globals(), circ_stack()))
