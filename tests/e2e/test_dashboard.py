#!/usr/bin/env python3
"""End-to-end test of the staff home's figures through the real nginx: with
activity seeded (members active, expired and expiring, loans out and
overdue, holds waiting and ready, e-book grants, fines, payments), each
figure equals a count computed here independently from the database, and
the list each figure links to shows the same number."""
import datetime
import html
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import run_module  # noqa: E402
from circ import (LIBRARIAN, add_title, checkout, circ_stack, days, member,  # noqa: E402
                  place_hold, set_clock)


def figures(page):
    """{label: (value, href)} from the staff home."""
    found = re.findall(r'<li><a href="([^"]+)"><strong class="figure[^"]*">([^<]*)</strong>'
                       r'<span>([^<]*)</span></a></li>', page.body)
    return {html.unescape(label): (html.unescape(value), html.unescape(href))
            for href, value, label in found}


def seed(stack, staff):
    # Members: three active (one ending in 5 days, one in 10), one expired.
    for i, until in enumerate((days(200), days(5), days(10), days(-3))):
        stack.add_user("dash%d@test.example" % i, "Dash Member %d" % i, "member",
                       "member password", until=until)
    emails = ["dash%d@test.example" % i for i in range(3)]
    # Three loans out; one made 30 days ago is overdue now.
    set_clock(stack, -30)
    _, (old,) = add_title(stack, "Long Gone")
    assert checkout(staff, emails[0], old).status == 303
    set_clock(stack, 0)
    for i, title in enumerate(("Out One", "Out Two")):
        _, (code,) = add_title(stack, title)
        assert checkout(staff, emails[1 + i], code).status == 303
    # A hold waiting (the title's only copy is out) and one on the shelf.
    m, _, _ = member(stack, "Holding Reader")
    with stack.db() as db:
        out_title = db.execute("SELECT id FROM title WHERE title = 'Out One'").fetchone()[0]
    assert place_hold(m, out_title).status == 303
    shelf_tid, (shelf_code,) = add_title(stack, "On The Shelf")
    m2, _, _ = member(stack, "Shelf Reader")
    with stack.db() as db:
        db.execute("UPDATE copy SET status = 'on-loan' WHERE barcode = ?", (shelf_code,))
    assert place_hold(m2, shelf_tid).status == 303
    page = staff.get("/staff/checkin")
    with stack.db() as db:
        db.execute("UPDATE copy SET status = 'available' WHERE barcode = ?", (shelf_code,))
    # Trap it for the hold the way the desk does: a loan returned.
    assert checkout(staff, emails[2], shelf_code).status in (303, 422)
    page = staff.get("/staff/checkin")
    staff.post("/staff/checkin", {"barcode": shelf_code, "csrf": page.csrf()})
    # E-books: one grant live, one ended by time, one request waiting.
    now = int(time.time())
    with stack.db() as db:
        tid = db.execute("INSERT INTO title(title, format, created_at, updated_at) "
                         "VALUES ('Digital', 'ebook', 0, 0)").lastrowid
        ids = [r[0] for r in db.execute("SELECT id FROM account WHERE email IN (?, ?, ?)",
                                        emails)]
        db.execute("INSERT INTO ebook_loan(title_id, account_id, status, requested_at, "
                   "decided_at, access_until, loan_days) VALUES (?, ?, 'granted', ?, ?, ?, 14)",
                   (tid, ids[0], now, now, now + 86400))
        db.execute("INSERT INTO ebook_loan(title_id, account_id, status, requested_at, "
                   "decided_at, access_until, loan_days) VALUES (?, ?, 'granted', ?, ?, ?, 14)",
                   (tid, ids[1], now - 20 * 86400, now - 20 * 86400, now - 6 * 86400))
        db.execute("INSERT INTO ebook_loan(title_id, account_id, status, requested_at) "
                   "VALUES (?, ?, 'requested', ?)", (tid, ids[2], now))
        # Fines: two members owe, one has paid theirs off.
        for who, cents in ((ids[0], 250), (ids[1], 125), (ids[2], 100), (ids[2], -100)):
            db.execute("INSERT INTO fine(account_id, kind, amount_cents, reason, at) "
                       "VALUES (?, ?, ?, 'test', 0)",
                       (who, "accrued" if cents > 0 else "paid", cents))
    # A payment at the desk this month.
    mid = ids[0]
    page = staff.get("/staff/members/%d/payments" % mid)
    r = staff.post("/staff/members/%d/payments" % mid,
                   {"purpose": "other", "method": "cash", "amount": "3.50",
                    "note": "lost card", "csrf": page.csrf()})
    assert r.status == 303, (r.status, r.body[:1500])


def expected(stack):
    today = days(0)
    now = int(time.time())
    first = datetime.date.today().replace(day=1)
    nxt = (first.replace(year=first.year + 1, month=1) if first.month == 12
           else first.replace(month=first.month + 1))
    start = int(datetime.datetime(first.year, first.month, 1).timestamp())
    end = int(datetime.datetime(nxt.year, nxt.month, 1).timestamp())
    with stack.db() as db:
        one = lambda sql, *a: db.execute(sql, a).fetchone()[0]  # noqa: E731
        owed = [r[0] for r in db.execute(
            "SELECT sum(f.amount_cents) FROM fine f JOIN account a ON a.id = f.account_id "
            "WHERE a.role = 'member' GROUP BY f.account_id")]
        return {
            "Active members": one("SELECT count(*) FROM account WHERE role = 'member' "
                                  "AND member_until >= ?", today),
            "Loans out": one("SELECT count(*) FROM loan WHERE returned_at IS NULL"),
            "Overdue": one("SELECT count(*) FROM loan WHERE returned_at IS NULL "
                           "AND due_day < ?", today),
            "Holds waiting": one("SELECT count(*) FROM hold WHERE status = 'waiting'"),
            "On the hold shelf": one("SELECT count(*) FROM hold WHERE status = 'ready'"),
            "E-books being read": one("SELECT count(*) FROM ebook_loan WHERE status = "
                                      "'granted' AND access_until > ?", now),
            "E-book requests waiting": one("SELECT count(*) FROM ebook_loan "
                                           "WHERE status = 'requested'"),
            "owing": sum(1 for o in owed if o > 0),
            "owed": sum(o for o in owed if o > 0),
            "payments": one("SELECT count(*) FROM payment WHERE status = 'completed' "
                            "AND completed_at >= ? AND completed_at < ?", start, end),
            "paid": one("SELECT coalesce(sum(amount_cents), 0) FROM payment WHERE status = "
                        "'completed' AND completed_at >= ? AND completed_at < ?", start, end),
            "Memberships ending within 14 days": one(
                "SELECT count(*) FROM account WHERE role = 'member' AND member_until >= ? "
                "AND member_until <= ?", today, days(14)),
        }


def money(cents):
    return "%d.%02d €" % (cents // 100, cents % 100)


def test_figures_equal_independent_counts_and_their_lists(stack):
    staff = stack.login(*LIBRARIAN)
    seed(stack, staff)
    want = expected(stack)
    # Sanity: the seed gave every figure something to count.
    for key in ("Active members", "Loans out", "Overdue", "Holds waiting", "On the hold shelf",
                "E-books being read", "E-book requests waiting", "owing", "payments",
                "Memberships ending within 14 days"):
        assert want[key] > 0, (key, want)
    home = staff.get("/staff")
    assert home.status == 200
    got = figures(home)
    for label in ("Active members", "Loans out", "Overdue", "Holds waiting", "On the hold shelf",
                  "E-books being read", "E-book requests waiting",
                  "Memberships ending within 14 days"):
        assert got[label][0] == str(want[label]), (label, got[label], want[label])
    owing_label = "Fines owed by %d member%s" % (want["owing"], "" if want["owing"] == 1 else "s")
    assert got[owing_label][0] == money(want["owed"]), (got, want)
    paid_label = "Payments this month (%d)" % want["payments"]
    assert got[paid_label][0] == money(want["paid"]), (got, want)
    # Each member figure's list says the same number.
    for label, key in (("Active members", "Active members"),
                       ("Memberships ending within 14 days", "Memberships ending within 14 days"),
                       (owing_label, "owing")):
        page = staff.get(got[label][1])
        assert page.status == 200, (label, page.status)
        n = want[key]
        assert "%d member%s" % (n, "" if n == 1 else "s") in page.body, (label, got[label][1])
    # The payments figure leads to the fines and payments report of this month.
    page = staff.get(got[paid_label][1])
    assert page.status == 200 and "Fines and payments" in page.body, got[paid_label]
    assert money(want["paid"]).split(" ")[0] in page.body
    page = staff.get(got["Loans out"][1])
    n = want["Loans out"]
    assert "%d loan%s out" % (n, " is" if n == 1 else "s are") in page.body, page.body[:3000]
    assert page.body.count('data-loan="') == n
    page = staff.get(got["Overdue"][1])
    assert page.body.count('data-loan="') == want["Overdue"]
    # A member is not staff.
    m, _, _ = member(stack, "Curious Reader")
    assert m.get("/staff").status == 403
    assert m.get("/staff/loans").status == 403


def main():
    return run_module(globals(), circ_stack())


if __name__ == "__main__":
    sys.exit(main())
