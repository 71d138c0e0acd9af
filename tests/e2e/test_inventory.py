#!/usr/bin/env python3
"""End-to-end tests of stocktaking (/staff/inventory) through the real
nginx: opening a session for a section or a shelf range, scanning a mix of
barcodes (seen, misplaced, on loan and checked in through the desk's own
checkin, a hold trapped, lost and found, unknown, twice), the lists and
their counts, closing with the missing marked lost, last-seen dates, and
the refusals."""
import html
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Client, run_module  # noqa: E402
from circ import (LIBRARIAN, checkout, circ_stack, copy_status, ledger, loan_row,  # noqa: E402
                  member, place_hold, set_clock, shown_days)

_n = [0]


def text(body):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def section_id(stack, name):
    with stack.db() as db:
        row = db.execute("SELECT id FROM section WHERE name = ?", (name,)).fetchone()
        if row:
            return row[0]
        return db.execute("INSERT INTO section(name) VALUES (?)", (name,)).lastrowid


def add_copies(stack, title, section, copies):
    """A print title in section with copies [(barcode, shelf mark, status)]."""
    with stack.db() as db:
        tid = db.execute("INSERT INTO title(title, section_id, created_at, updated_at) "
                         "VALUES (?, ?, 0, 0)", (title, section)).lastrowid
        for code, shelf, status in copies:
            db.execute("INSERT INTO copy(barcode, title_id, location, status, created_at) "
                       "VALUES (?, ?, ?, ?, 0)", (code, tid, shelf, status))
    return tid


def open_session(staff, **fields):
    page = staff.get("/staff/inventory")
    assert page.status == 200, page
    fields.setdefault("section", "")
    fields.setdefault("shelf_from", "")
    fields.setdefault("shelf_to", "")
    fields["csrf"] = page.csrf()
    return staff.post("/staff/inventory", fields)


def opened(staff, **fields):
    r = open_session(staff, **fields)
    assert r.status == 303, r
    m = re.match(r"/staff/inventory/(\d+)\?done=opened$", r.header("Location"))
    assert m, r.header("Location")
    return int(m.group(1))


def scan(staff, sid, codes):
    page = staff.get("/staff/inventory/%d" % sid)
    return staff.post("/staff/inventory/%d/scan" % sid,
                      {"barcodes": "\r\n".join(codes) + "\r\n", "csrf": page.csrf()})


def lists(body):
    """{key: (count in the heading, [barcodes of the rows])} of a session page."""
    out = {}
    for m in re.finditer(r'<section class="inventory-list" aria-labelledby="([a-z-]+)">(.*?)</section>',
                         body, re.S):
        key, part = m.group(1), m.group(2)
        count = int(re.search(r"<h2[^>]*>[^<]*\((\d+)\)</h2>", part).group(1))
        rows = re.findall(r'<td data-label="Barcode">([^<]*)</td>', part)
        out[key] = (count, rows)
    assert set(out) == {"seen", "missing", "misplaced", "on-loan", "found", "unknown"}, out
    return out


def row_of(body, key, barcode):
    m = re.search(r'<table class="list-%s">.*?</table>' % key, body, re.S)
    assert m, key
    for tr in re.findall(r"<tr>(.*?)</tr>", m.group(0), re.S):
        if '<td data-label="Barcode">%s</td>' % barcode in tr:
            return text(tr)
    raise AssertionError("%s not in %s" % (barcode, key))


def figures(body):
    return dict((label, int(n)) for n, label in re.findall(
        r'<strong class="figure[^"]*">(\d+)</strong><span>([^<]+)</span>', body))


def audit_count(stack, action, obj=None):
    with stack.db() as db:
        if obj:
            return db.execute("SELECT count(*) FROM audit WHERE action = ? AND object = ?",
                              (action, obj)).fetchone()[0]
        return db.execute("SELECT count(*) FROM audit WHERE action = ?", (action,)).fetchone()[0]


def last_seen(stack, barcode):
    with stack.db() as db:
        return db.execute("SELECT last_seen_at FROM copy WHERE barcode = ?",
                          (barcode,)).fetchone()[0]


# ---- the whole round ----

def test_a_section_counted_scanned_and_closed(stack):
    staff = stack.login(*LIBRARIAN)
    fiction = section_id(stack, "Stock Fiction")
    history = section_id(stack, "Stock History")
    t1 = add_copies(stack, "Shelved Novel", fiction, [
        ("SF-A1", "F 2", "available"), ("SF-A2", "F 10", "available"),
        ("SF-A3", "F 10", "available")])
    add_copies(stack, "Borrowed Novel", fiction, [
        ("SF-B1", "F 3", "available"), ("SF-B2", "F 3", "available"),
        ("SF-B3", "F 3", "lost"), ("SF-C1", "F 4", "damaged")])
    held_tid = add_copies(stack, "Wanted Novel", fiction, [("SF-H1", "F 5", "available")])
    add_copies(stack, "A History Book", history, [("SH-M1", "H 5", "available")])
    # SF-B1 is on loan; SF-H1 is on loan and someone waits for its title.
    _, email1, _ = member(stack, "Lena Lender")
    holder, _, _ = member(stack, "Hilda Holder")
    assert checkout(staff, email1, "SF-B1").status == 303
    assert checkout(staff, email1, "SF-H1").status == 303
    loan_b1 = loan_row(stack, "SF-B1")[0]
    assert place_hold(holder, held_tid).status == 303

    sid = opened(staff, section=str(fiction))
    page = staff.get("/staff/inventory/%d" % sid)
    assert page.status == 200
    assert "Stocktaking %d: Stock Fiction" % sid in text(page.body)
    assert re.search(r'<textarea id="barcodes" name="barcodes"[^>]*autofocus', page.body)
    # Before scanning: the four copies on the shelf are expected, and missing.
    lst = lists(page.body)
    assert sorted(lst["missing"][1]) == ["SF-A1", "SF-A2", "SF-A3", "SF-B2"], lst["missing"]
    assert figures(page.body)["expected on the shelf"] == 4

    # One submit, as a scanner types: a duplicate inside it and an unknown code.
    r = scan(staff, sid, ["SF-A1", "SF-A2", "SF-A1", "SH-M1", "SF-B1", "NOPE-404", "SF-B3",
                          "SF-H1"])
    assert r.status == 303, r
    assert re.match(r"/staff/inventory/%d\?added=7&repeated=1&unknown=1&checked_in=2" % sid,
                    r.header("Location")), r.header("Location")
    page = staff.get(r.header("Location"))
    notice = text(re.search(r'<p class="notice" role="status">(.*?)</p>', page.body, re.S).group(1))
    assert "7 new barcodes recorded" in notice and "1 barcode was scanned already" in notice
    assert "1 barcode is not in the catalogue" in notice and "2 copies on loan checked in" in notice
    # A single barcode per submit works too, and a repeat changes nothing.
    r = scan(staff, sid, ["SF-A1"])
    assert r.status == 303 and "added=0&repeated=1" in r.header("Location"), r

    page = staff.get("/staff/inventory/%d" % sid)
    lst = lists(page.body)
    assert sorted(lst["seen"][1]) == ["SF-A1", "SF-A2"] and lst["seen"][0] == 2, lst["seen"]
    assert sorted(lst["missing"][1]) == ["SF-A3", "SF-B2"] and lst["missing"][0] == 2, lst
    assert lst["misplaced"] == (1, ["SH-M1"]), lst["misplaced"]
    assert "Stock History, shelf H 5" in row_of(page.body, "misplaced", "SH-M1")
    assert sorted(lst["on-loan"][1]) == ["SF-B1", "SF-H1"] and lst["on-loan"][0] == 2
    assert lst["found"] == (1, ["SF-B3"]) and lst["unknown"] == (1, ["NOPE-404"]), lst
    # The counts at the top agree; damaged SF-C1 is not expected on the shelf.
    f = figures(page.body)
    assert f["expected on the shelf"] == 5 and f["seen"] == 2 and f["missing"] == 2, f
    assert f["misplaced"] == 1 and f["on loan but on the shelf"] == 2, f
    assert f["not in the catalogue"] == 1, f
    assert "SF-C1" not in page.body

    # The copies on loan were checked in by the desk's own code: the loan is
    # closed, the copy is back, and the one with a hold went to the hold shelf.
    assert loan_row(stack, "SF-B1")[3] is not None and copy_status(stack, "SF-B1") == "available"
    assert "loan to Lena Lender closed" in row_of(page.body, "on-loan", "SF-B1")
    assert copy_status(stack, "SF-H1") == "on-hold-shelf"
    assert "Held for Hilda Holder" in row_of(page.body, "on-loan", "SF-H1")
    assert audit_count(stack, "loan.checkin", "loan:%d" % loan_b1) == 1
    assert audit_count(stack, "inventory.checkin", "loan:%d" % loan_b1) == 1
    assert "checked in as at the desk" in text(page.body)
    # Scanned copies carry the date they were seen; the others do not.
    for code in ("SF-A1", "SF-A2", "SH-M1", "SF-B1", "SF-B3", "SF-H1"):
        assert last_seen(stack, code), code
    assert last_seen(stack, "SF-A3") is None and last_seen(stack, "SF-B2") is None

    # The lost copy that turned up is put back in stock.
    form = re.search(r'action="/staff/inventory/%d/found".*?name="copy" value="(\d+)"' % sid,
                     page.body, re.S)
    r = staff.post("/staff/inventory/%d/found" % sid, {"copy": form.group(1), "csrf": page.csrf()})
    assert r.status == 303, r
    assert copy_status(stack, "SF-B3") == "available"
    assert audit_count(stack, "inventory.found", "copy:%s" % form.group(1)) == 1
    lst = lists(staff.get("/staff/inventory/%d" % sid).body)
    assert sorted(lst["seen"][1]) == ["SF-A1", "SF-A2", "SF-B3"] and lst["found"][0] == 0, lst

    # Closing asks first; the missing copies are marked lost when asked.
    confirm = staff.get("/staff/inventory/%d/close" % sid)
    assert confirm.status == 200 and "Mark the 2 missing copies lost" in text(confirm.body)
    assert copy_status(stack, "SF-A3") == "available"
    r = staff.post("/staff/inventory/%d/close" % sid, {"mark_lost": "1", "csrf": confirm.csrf()})
    assert r.status == 303, r
    assert copy_status(stack, "SF-A3") == "lost" and copy_status(stack, "SF-B2") == "lost"
    assert copy_status(stack, "SF-A1") == "available"
    assert audit_count(stack, "inventory.mark-lost") == 2
    assert audit_count(stack, "inventory.close", "inventory:%d" % sid) == 1
    assert audit_count(stack, "inventory.open", "inventory:%d" % sid) == 1
    # A closed session reads as it was closed, and takes nothing more.
    page = staff.get("/staff/inventory/%d" % sid)
    body = text(page.body)
    assert "Closed" in body and "2 missing marked lost" in body
    assert 'name="barcodes"' not in page.body and "/found" not in page.body
    lst = lists(page.body)
    assert sorted(lst["missing"][1]) == ["SF-A3", "SF-B2"] and lst["seen"][0] == 3, lst
    r = staff.post("/staff/inventory/%d/scan" % sid, {"barcodes": "SF-A3", "csrf": page.csrf()})
    assert r.status == 409 and "This session is closed" in text(r.body), r
    assert last_seen(stack, "SF-A3") is None and copy_status(stack, "SF-A3") == "lost"
    assert staff.post("/staff/inventory/%d/close" % sid, {"csrf": page.csrf()}).status == 409
    # The session list shows it with its counts and who closed it.
    listing = text(staff.get("/staff/inventory").body)
    assert re.search(r"Stocktaking %d Stock Fiction .* by Desk Person .* by Desk Person; "
                     r"2 marked lost 6 3 2 1" % sid, listing), listing
    # The copies page shows the last-seen date.
    copies = staff.get("/staff/titles/%d/copies" % t1).body
    assert shown_days(0) in row_text(copies, "SF-A1") and "never" in row_text(copies, "SF-A3")
    # The CSV holds every list.
    csv = staff.get("/staff/inventory/%d/csv" % sid)
    assert csv.status == 200 and csv.header("Content-Type").startswith("text/csv")
    assert "missing,SF-A3,Shelved Novel,F 10" in csv.body and "unknown,NOPE-404" in csv.body


def row_text(body, barcode):
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        if '<td data-label="Barcode">%s</td>' % barcode in tr:
            return text(tr)
    raise AssertionError(barcode)


def test_an_overdue_copy_found_on_the_shelf_is_fined_as_at_the_desk(stack):
    staff = stack.login(*LIBRARIAN)
    sec = section_id(stack, "Overdue Shelf")
    add_copies(stack, "Late Book", sec, [("OD-1", "O 1", "available")])
    _, email, mid = member(stack, "Olga Overdue")
    assert checkout(staff, email, "OD-1").status == 303
    try:
        set_clock(stack, 31)      # due after 21 days: late
        sid = opened(staff, section=str(sec))
        r = scan(staff, sid, ["OD-1"])
        assert r.status == 303 and "checked_in=1" in r.header("Location"), r
        fine = loan_row(stack, "OD-1")[4]
        assert loan_row(stack, "OD-1")[3] is not None and fine > 0, loan_row(stack, "OD-1")
        assert ("accrued", fine) in ledger(stack, mid), ledger(stack, mid)
        page = staff.get("/staff/inventory/%d" % sid)
        assert "A fine of %d.%02d was recorded" % (fine // 100, fine % 100) in \
            row_of(page.body, "on-loan", "OD-1")
    finally:
        set_clock(stack, 0)


# ---- scope by shelf marks ----

def test_a_shelf_range_sorts_numbers_by_value_and_takes_in_its_last_mark(stack):
    staff = stack.login(*LIBRARIAN)
    sec = section_id(stack, "Range Section")
    add_copies(stack, "Range Title", sec, [
        ("RG-1", "R 2", "available"), ("RG-2", "r 9 ABC", "available"),
        ("RG-3", "R 10", "available"), ("RG-4", "Q 99", "available"),
        ("RG-5", "R  9", "available")])
    sid = opened(staff, shelf_from="R 2", shelf_to="R 9")
    lst = lists(staff.get("/staff/inventory/%d" % sid).body)
    # R 10 sorts after R 9 (numbers by value); "r 9 ABC" begins with the last mark.
    assert sorted(lst["missing"][1]) == ["RG-1", "RG-2", "RG-5"], lst["missing"]
    # Both: the section and the range.
    sid = opened(staff, section=str(sec), shelf_from="R 10", shelf_to="R 10")
    lst = lists(staff.get("/staff/inventory/%d" % sid).body)
    assert lst["missing"] == (1, ["RG-3"]), lst["missing"]


# ---- many at once ----

def test_five_hundred_barcodes_in_one_submit(stack):
    staff = stack.login(*LIBRARIAN)
    sec = section_id(stack, "Big Section")
    add_copies(stack, "Many Copies", sec,
               [("BIG-%03d" % i, "B %d" % i, "available") for i in range(520)])
    sid = opened(staff, section=str(sec))
    r = scan(staff, sid, ["BIG-%03d" % i for i in range(500)])
    assert r.status == 303 and "added=500&repeated=0&unknown=0" in r.header("Location"), r
    page = staff.get("/staff/inventory/%d" % sid)
    lst = lists(page.body)
    # The lists are bounded on the page; the counts are whole.
    assert lst["seen"][0] == 500 and len(lst["seen"][1]) == 100, lst["seen"][0]
    assert lst["missing"][0] == 20 and lst["missing"][1][0] == "BIG-500", lst["missing"]
    assert "The first 100 are shown" in page.body
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM inventory_scan WHERE session_id = ?",
                          (sid,)).fetchone()[0] == 500


# ---- refusals ----

def test_opening_is_refused_without_a_scope_or_with_an_unknown_section(stack):
    staff = stack.login(*LIBRARIAN)
    before = audit_count(stack, "inventory.open")
    r = open_session(staff)
    assert r.status == 422, r
    assert re.search(r'<p class="field-error" id="section-error">Choose a section, give a range',
                     r.body), r.body
    r = open_session(staff, section="999999")
    assert r.status == 422 and "There is no such section" in r.body, r
    r = open_session(staff, shelf_from="A 1", shelf_to="")
    assert r.status == 422 and "Give the last shelf mark" in r.body
    assert 'name="shelf_from" value="A 1"' in r.body     # what was typed is kept
    r = open_session(staff, shelf_from="B", shelf_to="A")
    assert r.status == 422 and "ends before it starts" in r.body
    assert audit_count(stack, "inventory.open") == before


def test_an_empty_submit_is_refused_beside_the_box(stack):
    staff = stack.login(*LIBRARIAN)
    sid = opened(staff, section=str(section_id(stack, "Empty Scan Section")))
    r = scan(staff, sid, ["  "])
    assert r.status == 422 and 'id="barcodes-error"' in r.body, r


def test_members_and_visitors_cannot_reach_stocktaking(stack):
    client, _, _ = member(stack, "Nosy Member")
    assert client.get("/staff/inventory").status == 403
    assert client.get("/staff/inventory/1").status == 403
    r = Client(stack.port).get("/staff/inventory")
    assert r.status == 303 and r.header("Location").startswith("/login")
    staff = stack.login(*LIBRARIAN)
    assert staff.get("/staff/inventory/999999").status == 404


def main():
    return run_module(globals(), circ_stack())


if __name__ == "__main__":
    sys.exit(main())
