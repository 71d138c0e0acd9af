#!/usr/bin/env python3
"""End-to-end tests of the circulation desk through the real nginx:
finding the member by name, email or card (with a pick list), the member
summary before lending, where staff land after login, the overdue list,
weekly closing days, the printable slips and the admin's settings link.
Tests move the library's clock with the setting test.clock_offset."""
import datetime
import html
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Client, run_module  # noqa: E402
from circ import (ADMIN, LIBRARIAN, add_title, checkin, checkout, circ_stack,  # noqa: E402
                  copy_status, days, loan_row, member, place_hold, set_clock, today)


def text(body):
    """The page as a reader sees it: tags dropped, entities decoded, spaces
    squeezed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def section(body, css_class):
    m = re.search(r'<(section|table|article)[^>]*class="%s".*?</\1>' % css_class, body, re.S)
    assert m, "no %s on the page: %s" % (css_class, body[:3000])
    return m.group(0)


def fact(body, label):
    """The value beside a <dt> label of the member summary."""
    m = re.search(r"<dt>%s</dt><dd[^>]*>(.*?)</dd>" % re.escape(label), body, re.S)
    assert m, "no %r in the summary: %s" % (label, body[:3000])
    return text(m.group(1)).strip()


def card_of(stack, mid):
    with stack.db() as db:
        return db.execute("SELECT card_number FROM account WHERE id = ?", (mid,)).fetchone()[0]


def open_loans(stack, mid):
    with stack.db() as db:
        return db.execute("SELECT count(*) FROM loan WHERE account_id = ? AND returned_at IS NULL",
                          (mid,)).fetchone()[0]


def login_location(stack, email, password, next_=None):
    c = Client(stack.port)
    page = c.get("/login" + ("?next=" + next_ if next_ else ""))
    fields = {"email": email, "password": password, "csrf": page.csrf()}
    if next_ is not None:
        fields["next"] = next_
    r = c.post("/login", fields)
    assert r.status == 303, r
    return r.header("Location")


# ---- finding the member ----

def test_name_with_two_matches_shows_a_pick_list_and_lends_nothing(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    _, email1, mid1 = member(stack, "Quentin Twinsley")
    _, email2, mid2 = member(stack, "Quinn Twinsley")
    _, (code,) = add_title(stack, "Two Of A Kind")
    r = checkout(staff, "twinsley", code)
    assert r.status == 409, r
    picks = section(r.body, "pick-list")
    assert "Quentin Twinsley" in picks and "Quinn Twinsley" in picks, picks
    assert email1 in picks and email2 in picks and card_of(stack, mid1) in picks
    assert "active" in text(picks)
    # Each choice carries the barcode typed, so it need not be typed again.
    assert picks.count('name="barcode" value="%s"' % code) == 2, picks
    assert 'value="%d"' % mid1 in picks and 'value="%d"' % mid2 in picks
    # Nothing was lent to either.
    assert loan_row(stack, code) is None and copy_status(stack, code) == "available"
    assert open_loans(stack, mid1) == 0 and open_loans(stack, mid2) == 0
    # Choosing one lends to that one.
    r = staff.post("/staff/checkout", {"member_id": str(mid2), "barcode": code,
                                       "csrf": r.csrf()})
    assert r.status == 303, r
    assert open_loans(stack, mid2) == 1 and open_loans(stack, mid1) == 0
    assert checkin(staff, code).status == 303


def test_email_card_or_a_single_name_proceeds(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    _, email, mid = member(stack, "Ulrike Uniquename")
    _, codes = add_title(stack, "Found At Once", copies=3)
    for who, code in ((email.upper(), codes[0]), (card_of(stack, mid), codes[1]),
                      ("uniquename", codes[2])):
        r = checkout(staff, who, code)
        assert r.status == 303, (who, r)
        assert r.header("Location").startswith("/staff/checkout?member=%d&loan=" % mid), r
    assert open_loans(stack, mid) == 3
    for code in codes:
        assert checkin(staff, code).status == 303


def test_no_match_says_so_beside_the_field_keeping_what_was_typed(stack):
    staff = stack.login(*LIBRARIAN)
    _, (code,) = add_title(stack, "Nobody's Book")
    r = checkout(staff, "Zebediah Nobodyatall", code)
    assert r.status == 422, r
    assert re.search(r'<input id="member" name="member" value="Zebediah Nobodyatall"[^>]*'
                     r'aria-invalid="true"', r.body), r.body
    assert 'id="member-error">No member has that name' in r.body
    assert 'name="barcode" value="%s"' % code in r.body
    assert loan_row(stack, code) is None


def test_the_desk_lends_several_items_in_a_row_to_the_chosen_member(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    _, email, mid = member(stack, "Rowena Row")
    _, codes = add_title(stack, "In A Row", copies=2)
    r = checkout(staff, email, codes[0])
    page = staff.get(r.header("Location"))
    # The chosen member stays; only the barcode is asked for.
    assert 'name="member_id" value="%d"' % mid in page.body
    assert 'id="member"' not in page.body
    r = staff.post("/staff/checkout", {"member_id": str(mid), "barcode": codes[1],
                                       "csrf": page.csrf()})
    assert r.status == 303, r
    assert open_loans(stack, mid) == 2
    for code in codes:
        assert checkin(staff, code).status == 303


# ---- the summary ----

def test_the_summary_shows_the_members_figures(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    m, email, mid = member(stack, "Sally Summary")
    _, other_email, _ = member(stack, "Otto Otherone")
    _, (a,) = add_title(stack, "Summary Early")
    checkout(staff, email, a)
    set_clock(stack, 10)
    _, (b,) = add_title(stack, "Summary Later")
    checkout(staff, email, b)
    # A hold of Sally's trapped at a checkin on day 24: ready for her.
    set_clock(stack, 24)
    tid, (c,) = add_title(stack, "Summary Held")
    checkout(staff, other_email, c)
    assert place_hold(m, tid).status == 303
    assert checkin(staff, c).status == 303
    # The notes, from the desk.
    page = staff.get("/staff/checkout?member=%d" % mid)
    r = staff.post("/staff/members/%d/notes" % mid, {"notes": "Prefers large print <b>",
                                                      "csrf": page.csrf()})
    assert r.status == 303, r
    # Day 26: the first loan (due day 21) is 5 days late, 4 charged: 1.00.
    set_clock(stack, 26)
    page = staff.get("/staff/checkout?member=%d" % mid)
    assert page.status == 200, page
    with stack.db() as db:
        card, notes = db.execute("SELECT card_number, notes FROM account WHERE id = ?",
                                 (mid,)).fetchone()
        until = db.execute("SELECT max(end_day) FROM membership WHERE account_id = ? "
                           "AND status = 'active'", (mid,)).fetchone()[0]
        out = db.execute("SELECT count(*), sum(due_day < ?) FROM loan WHERE account_id = ? "
                         "AND returned_at IS NULL", (days(26), mid)).fetchone()
        ready = db.execute("SELECT count(*) FROM hold WHERE account_id = ? AND status = 'ready'",
                           (mid,)).fetchone()[0]
    assert (out, ready, notes) == ((2, 1), 1, "Prefers large print <b>"), (out, ready, notes)
    assert fact(page.body, "Card") == card
    assert fact(page.body, "Membership").startswith("active") and shown(until) in fact(
        page.body, "Membership")
    assert fact(page.body, "Loans out") == "2 · 1 overdue", fact(page.body, "Loans out")
    assert fact(page.body, "Holds ready").startswith("1 ")
    assert fact(page.body, "Fines owed") == "1.00 €"
    assert fact(page.body, "Notes") == "Prefers large print <b>"
    assert "Prefers large print &lt;b&gt;" in page.body           # escaped
    # The notes are the staff's: the member's own pages never show them.
    assert "Prefers large print" not in m.get("/account").body
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM audit WHERE action = 'account.notes' AND "
                          "object = ?", ("account:%d" % mid,)).fetchone()[0] == 1
    # Notes too long: refused beside the field, what was typed kept.
    r = staff.post("/staff/members/%d/notes" % mid, {"notes": "x" * 2001, "csrf": page.csrf()})
    assert r.status == 422 and 'id="notes-error"' in r.body and "x" * 2001 in r.body, r
    set_clock(stack, 26)
    for code in (a, b):
        assert checkin(staff, code).status == 303
    set_clock(stack, 0)


# ---- after login ----

def test_staff_land_on_the_staff_desk_after_login(stack):
    assert login_location(stack, *LIBRARIAN) == "/staff"
    assert login_location(stack, *ADMIN) == "/staff"
    assert login_location(stack, *LIBRARIAN, next_="/catalogue") == "/catalogue"
    _, email, _ = member(stack, "Minnie Member")
    assert login_location(stack, email, "member password") == "/account"


# ---- the overdue list ----

def shown(iso_day):
    """A YYYY-MM-DD day as pages show it to people: "22 Nov 2026"."""
    d = datetime.date.fromisoformat(iso_day)
    return "%d %s" % (d.day, d.strftime("%b %Y"))


def overdue_rows(body):
    rows = re.findall(r'<tr data-loan="(\d+)">(.*?)</tr>', body, re.S)
    out = []
    for loan, row in rows:
        cells = dict(re.findall(r'<td data-label="([^"]+)"[^>]*>(.*?)</td>', row, re.S))
        out.append((int(loan), {k: text(v).strip() for k, v in cells.items()}))
    return out


def test_overdue_lists_exactly_the_overdue_loans(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    _, email, mid = member(stack, "Lena Late")
    with stack.db() as db:
        db.execute("UPDATE account SET phone = '+44 20 7946 0000' WHERE id = ?", (mid,))
    _, (x,) = add_title(stack, "Overdue Longest")
    checkout(staff, email, x)                       # due day 21
    set_clock(stack, 5)
    _, (y,) = add_title(stack, "Overdue Shorter")
    checkout(staff, email, y)                       # due day 26
    set_clock(stack, 20)
    _, (z,) = add_title(stack, "Not Yet Due")
    checkout(staff, email, z)                       # due day 41
    set_clock(stack, 30)
    page = staff.get("/staff/overdue")
    assert page.status == 200, page
    rows = overdue_rows(page.body)
    with stack.db() as db:
        want = {r[0] for r in db.execute("SELECT id FROM loan WHERE returned_at IS NULL "
                                         "AND due_day < ?", (days(30),))}
    assert {loan for loan, _ in rows} == want, (rows, want)
    mine = [cells for _, cells in rows if cells["Barcode"] in (x, y, z)]
    assert [c["Barcode"] for c in mine] == [x, y], mine        # most overdue first
    assert [c["Days overdue"] for c in mine] == ["9", "4"]
    assert [c["Due"] for c in mine] == [shown(days(21)), shown(days(26))]
    assert [c["Fine so far"] for c in mine] == ["2.00 €", "0.75 €"]
    assert mine[0]["Member"] == "Lena Late" and email in mine[0]["Contact"]
    assert "+44 20 7946 0000" in mine[0]["Contact"]
    days_col = [int(c["Days overdue"]) for _, c in rows]
    assert days_col == sorted(days_col, reverse=True)
    for code in (x, y, z):
        assert checkin(staff, code).status == 303
    assert not [1 for _, c in overdue_rows(staff.get("/staff/overdue").body)
                if c["Barcode"] in (x, y, z)]
    set_clock(stack, 0)


# ---- weekly closing days ----

def test_a_weekly_closed_sunday_moves_due_dates_and_is_not_charged(stack):
    set_clock(stack, 0)
    admin = stack.login(*ADMIN)
    staff = stack.login(*LIBRARIAN)
    page = admin.get("/admin/settings")
    r = admin.post("/admin/settings/weekly", {"weekday": "9", "weekly_reason": "x",
                                              "csrf": page.csrf()})
    assert r.status == 422 and "Choose a day of the week" in r.body, r
    assert 'value="x"' in r.body
    r = admin.post("/admin/settings/weekly", {"weekday": "0", "weekly_reason": "Sunday rest",
                                              "csrf": page.csrf()})
    assert r.status == 303, r
    try:
        page = admin.get("/admin/settings")
        assert "Every Sunday — Sunday rest" in text(page.body), page.body
        with stack.db() as db:
            assert db.execute("SELECT count(*) FROM audit WHERE action = 'closed_weekday.add'"
                              ).fetchone()[0] >= 1
        # Lend on the day whose 21-day due date is a Sunday: due the Monday.
        k = (6 - (today(0) + datetime.timedelta(days=21)).weekday()) % 7
        set_clock(stack, k)
        _, email, _ = member(stack, "Sunny Sunday")
        _, (code,) = add_title(stack, "Closed On Sundays")
        assert checkout(staff, email, code).status == 303
        due = loan_row(stack, code)[1]
        assert due == days(k + 22), (due, days(k + 22))
        assert datetime.date.fromisoformat(due).weekday() == 0
        # Back 8 days late: 1 of grace, a Sunday not charged, 6 charged.
        loan_id = loan_row(stack, code)[0]
        why = text(staff.get("/staff/loans/%d" % loan_id).body)
        assert "moved forward 1 day past closed days" in why, why
        set_clock(stack, k + 22 + 8)
        why = text(staff.get("/staff/loans/%d" % loan_id).body)
        assert "8 days late, 6 charged, 1 closed day not charged" in why, why
        assert checkin(staff, code).status == 303
        assert loan_row(stack, code)[4] == 150, loan_row(stack, code)
    finally:
        page = admin.get("/admin/settings")
        r = admin.post("/admin/settings/weekly/0/delete", {"csrf": page.csrf()})
        set_clock(stack, 0)
    assert r.status == 303, r
    assert "Every Sunday" not in text(admin.get("/admin/settings").body)
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM closed_weekday").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM audit WHERE action = 'closed_weekday.delete'"
                          ).fetchone()[0] >= 1
    r = admin.post("/admin/settings/weekly/0/delete", {"csrf": page.csrf()})
    assert r.status == 404, r


# ---- slips ----

def test_checkout_receipt_and_hold_slip(stack):
    set_clock(stack, 0)
    staff = stack.login(*LIBRARIAN)
    _, email, mid = member(stack, "Rhoda Receipt")
    holder, _, hid_member = member(stack, "Hector Holder")
    tid, (a,) = add_title(stack, "Receipt Book One")
    _, (b,) = add_title(stack, "Receipt Book Two")
    checkout(staff, email, a)
    r = checkout(staff, email, b)
    page = staff.get(r.header("Location"))
    assert 'href="/staff/slips/checkout/%d"' % mid in page.body
    slip = staff.get("/staff/slips/checkout/%d" % mid)
    assert slip.status == 200, slip
    body = text(section(slip.body, "slip"))
    assert "Carrel Library" in body and "Loan receipt · %s" % shown(days(0)) in body, body
    assert "Rhoda Receipt" in body and card_of(stack, mid) in body
    for code, title in ((a, "Receipt Book One"), (b, "Receipt Book Two")):
        assert "%s %s %s" % (title, code, shown(loan_row(stack, code)[1])) in body, body
    assert "2 items lent today" in body
    # A hold trapped at checkin: its slip names the member and the day.
    assert place_hold(holder, tid).status == 303
    r = checkin(staff, a)
    page = staff.get(r.header("Location"))
    with stack.db() as db:
        hold_id, pickup_by = db.execute("SELECT id, pickup_by FROM hold WHERE account_id = ? "
                                        "AND status = 'ready'", (hid_member,)).fetchone()
    assert 'href="/staff/slips/hold/%d"' % hold_id in page.body, page.body
    slip = staff.get("/staff/slips/hold/%d" % hold_id)
    body = text(section(slip.body, "slip"))
    assert "Hold slip · %s" % shown(days(0)) in body
    assert "For Hector Holder · card %s" % card_of(stack, hid_member) in body, body
    assert "Receipt Book One (%s)" % a in body and "Collect by %s" % shown(pickup_by) in body
    # Only a hold on the shelf has a slip; members cannot print staff slips.
    assert staff.get("/staff/slips/hold/999999").status == 404
    assert holder.get("/staff/slips/checkout/%d" % mid).status == 403
    # The print stylesheet leaves the chrome off the paper.
    css = Client(stack.port).get("/static/carrel.css").body
    assert re.search(r"@media print \{[^}]*header\.site[^}]*display: none", css)
    checkin(staff, b)


# ---- menus ----

def test_settings_and_overdue_links_in_the_menus(stack):
    admin = stack.login(*ADMIN)
    staff = stack.login(*LIBRARIAN)
    nav = re.search(r'<nav class="site".*?</nav>', admin.get("/staff").body, re.S).group(0)
    assert '<a href="/admin/settings">Settings</a>' in nav
    assert '<a href="/staff/overdue">Overdue</a>' in nav
    home = staff.get("/staff").body
    nav = re.search(r'<nav class="site".*?</nav>', home, re.S).group(0)
    assert "/admin/settings" not in nav and '<a href="/staff/overdue">Overdue</a>' in nav
    assert re.search(r'<ul class="tiles"[^>]*>.*href="/staff/overdue"', home, re.S)


def main():
    return run_module(globals(), circ_stack())


if __name__ == "__main__":
    sys.exit(main())
