#!/usr/bin/env python3
"""End-to-end tests of bulk import and export through the real nginx.

Every web import is two steps: the file is checked (a preview, nothing
saved), then "Import" commits it as a batch that can be undone. Covered:
1,000 members from CSV and from an XLSX made by libxlsxwriter (called from
the test through ctypes), 10 of each bad and reported by line, and the same
file again changing nothing; a truncated XLSX and a PNG renamed .xlsx
refused with nothing saved, as members and as titles; titles with copies
from CSV, ISO 2709 MARC and MARCXML; a row without ISBN whose barcode is a
copy of another title rejected (Pride and Prejudice unchanged); a preview
that writes nothing and shows before -> after; commit then undo back to
the exact prior state; an undo that keeps a copy lent since; members
likewise; no kind chosen refused beside the control; unknown item types
and categories rejected; exports as CSV and XLSX (with item_type and
category) handed over by nginx, the loans export row by row, and an export
imported back unchanged; and `carrel import` / `carrel export` (the
sanitizer build) on small files, with the command line's batch undone from
the web."""
import csv
import ctypes
import ctypes.util
import html
import io
import os
import re
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import images  # noqa: E402
from harness import Stack, run_module  # noqa: E402

LIBRARIAN = ("desk@test.example", "desk password 1")
MEMBER = ("reader@test.example", "reader password 1")


# ---- files made by the test ----

def write_xlsx(path, rows):
    """Write rows (lists of str) to the first sheet of a new workbook with
    libxlsxwriter, the library Carrel's exports use."""
    lib = ctypes.CDLL(ctypes.util.find_library("xlsxwriter") or "libxlsxwriter.so.4")
    lib.workbook_new.restype = ctypes.c_void_p
    lib.workbook_new.argtypes = [ctypes.c_char_p]
    lib.workbook_add_worksheet.restype = ctypes.c_void_p
    lib.workbook_add_worksheet.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.worksheet_write_string.argtypes = [ctypes.c_void_p, ctypes.c_uint32,
                                           ctypes.c_uint16, ctypes.c_char_p, ctypes.c_void_p]
    lib.workbook_close.argtypes = [ctypes.c_void_p]
    wb = lib.workbook_new(path.encode())
    ws = lib.workbook_add_worksheet(wb, None)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value != "":
                lib.worksheet_write_string(ws, r, c, value.encode(), None)
    assert lib.workbook_close(wb) == 0


# Ten bad rows, each with the reason the report must give.
BAD_MEMBERS = [
    (["", "noname@{d}", "", "", "", "", ""], "enter a name"),
    (["Bad Email", "not-an-email", "", "", "", "", ""], "email address like"),
    (["Bad Phone", "phone@{d}", "call me maybe", "", "", "", ""], "phone"),
    (["Bad Plan", "plan@{d}", "", "", "", "Platinum", ""], 'no plan named "Platinum"'),
    (["Bad Date", "date@{d}", "", "", "", "", "next tuesday"], "member_until is not a date"),
    (["Dup Email", "m0@{d}", "", "", "", "", ""], "is also on line 2"),
    (["Staff Email", LIBRARIAN[0], "", "", "", "", ""], "staff account"),
    (["Bad Card", "card@{d}", "", "", "card#1", "", ""], "card number has up to"),
    (["Odd Category", "cat@{d}", "", "alien", "", "", ""],
     'category "alien" is not one of the list: adult, child, student, staff'),
    (["Dup Card", "card2@{d}", "", "", "C-7", "", ""], "card number C-7 is also on line"),
]
HEADER = ["Name", "Email", "Phone", "Category", "Card Number", "Plan", "Member Until"]


def member_rows(domain):
    """1,000 data rows: 990 good, the 10 bad ones at known lines."""
    rows, bad_lines = [], {}
    bad_at = {100 * i + 50: i for i in range(10)}
    good = 0
    for n in range(1000):
        line = n + 2   # line 1 is the header
        if n in bad_at:
            cells, reason = BAD_MEMBERS[bad_at[n]]
            rows.append([c.format(d=domain) for c in cells])
            bad_lines[line] = reason
        else:
            card = "C-7" if good == 3 else ""
            rows.append(["Member %d" % good, "m%d@%s" % (good, domain),
                         "+44 20 7946 %04d" % good, "adult", card,
                         "Annual" if good % 2 else "", "2027-06-30" if good % 3 == 0 else ""])
            good += 1
    return [HEADER] + rows, bad_lines


def csv_bytes(rows):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def upload(staff, kind, filename, data, ctype="application/octet-stream"):
    page = staff.get("/staff/imports")
    body, content_type = images.multipart([("csrf", page.csrf()), ("kind", kind)],
                                          [("file", filename, ctype, data)])
    return staff.request("POST", "/staff/imports", body=body,
                         headers={"Content-Type": content_type})


def commit(staff, preview):
    """Press "Import" on a preview: returns (the 303, the batch's report
    page, the batch id)."""
    m = re.search(r'action="/staff/imports/([0-9a-f]{32})/commit"', preview.body)
    assert m, preview.body
    batch = m.group(1)
    r = staff.post("/staff/imports/%s/commit" % batch, {"csrf": preview.csrf()})
    assert r.status == 303 and r.header("Location").endswith("/staff/imports/" + batch), r
    report = staff.get("/staff/imports/" + batch)
    assert report.status == 200, report
    return r, report, batch


def import_file(staff, kind, filename, data, ctype="application/octet-stream"):
    """Check a file and import it: (preview, report page, batch id)."""
    preview = upload(staff, kind, filename, data, ctype)
    assert preview.status == 200, preview
    _, report, batch = commit(staff, preview)
    return preview, report, batch


def undo(staff, batch):
    page = staff.get("/staff/imports/" + batch)
    assert "Undo this import" in page.body, page.body
    r = staff.post("/staff/imports/%s/undo" % batch, {"csrf": page.csrf()})
    assert r.status == 303 and r.header("Location").endswith("/staff/imports/" + batch), r
    page = staff.get("/staff/imports/" + batch)
    assert page.status == 200 and "This import was undone" in page.body, page.body
    assert "Undo this import" not in page.body
    return page


def text(page):
    """A page's text without tags, entities decoded, spaces squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.body)).split())


def count(stack, sql, *args):
    with stack.db() as db:
        return db.execute(sql, args).fetchone()[0]


def check_member_report(r, bad_lines, summary=("990 members added", "10 rows rejected")):
    assert r.status == 200, r
    for line in summary:
        assert "<li>%s</li>" % line in r.body, (line, r.body)
    listed = dict((int(l), why) for l, why in re.findall(
        r'<td data-label="Line">(\d+)</td><td data-label="Reason">([^<]*)</td>', r.body))
    assert sorted(listed) == sorted(bad_lines), (listed, bad_lines)
    for line, reason in bad_lines.items():
        assert reason.lower() in listed[line].lower().replace("&quot;", '"'), (line, listed[line])


# ---- the tests ----

def test_members_from_csv(stack):
    staff = stack.login(*LIBRARIAN)
    rows, bad = member_rows("csv.example")
    preview = upload(staff, "members", "members.csv", csv_bytes(rows), "text/csv")
    check_member_report(preview, bad, ("990 members to add", "10 rows rejected"))
    assert count(stack, "SELECT count(*) FROM account WHERE email LIKE '%@csv.example'") == 0
    _, r, _ = commit(staff, preview)
    check_member_report(r, bad)
    assert count(stack, "SELECT count(*) FROM account WHERE email LIKE '%@csv.example'") == 990
    # Memberships: a date makes an active period; a paid plan alone waits.
    assert count(stack, "SELECT member_until FROM account WHERE email = 'm0@csv.example'") \
        == "2027-06-30"
    assert count(stack, "SELECT count(*) FROM membership m JOIN account a ON a.id = "
                 "m.account_id WHERE a.email = 'm1@csv.example' AND m.status = 'pending'") == 1
    assert count(stack, "SELECT card_number FROM account WHERE email = 'm3@csv.example'") \
        == "C-7"
    # The same file again changes nothing: there is nothing to import.
    r = upload(staff, "members", "members.csv", csv_bytes(rows), "text/csv")
    check_member_report(r, bad, ("0 members to add", "0 members to update",
                                 "990 members unchanged", "10 rows rejected"))
    assert "/commit" not in r.body and "nothing to import" in r.body
    assert count(stack, "SELECT count(*) FROM account WHERE email LIKE '%@csv.example'") == 990


def test_members_from_xlsx(stack):
    staff = stack.login(*LIBRARIAN)
    rows, bad = member_rows("xlsx.example")
    # The second file must not clash with the first one's card C-7.
    rows = [[c.replace("C-7", "X-7") for c in row] for row in rows]
    bad = {k: v.replace("C-7", "X-7") for k, v in bad.items()}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "members.xlsx")
        write_xlsx(path, rows)
        data = open(path, "rb").read()
    _, r, _ = import_file(staff, "members", "members.xlsx", data)
    check_member_report(r, bad)
    assert "(XLSX)" in r.body
    assert count(stack, "SELECT count(*) FROM account WHERE email LIKE '%@xlsx.example'") == 990


def test_broken_files_save_nothing(stack):
    staff = stack.login(*LIBRARIAN)
    before = count(stack, "SELECT count(*) FROM account")
    batches = count(stack, "SELECT count(*) FROM import_batch")
    rows, _ = member_rows("broken.example")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.xlsx")
        write_xlsx(path, rows)
        whole = open(path, "rb").read()
    cases = [
        ("truncated.xlsx", whole[:len(whole) // 2], "not a valid XLSX workbook"),
        ("photo.xlsx", images.png(), "not a CSV or XLSX file"),
        ("empty.csv", b"", "Choose a file"),
        ("noheader.csv", b"Alice,alice@example.org\n", 'a "name" column is required'),
        ("latin1.csv", "name,email\nJos\xe9,jose@example.org\n".encode("latin-1"), "UTF-8"),
    ]
    for name, data, message in cases:
        r = upload(staff, "members", name, data)
        assert r.status == 422 and message in html.unescape(r.body), (name, r)
        assert count(stack, "SELECT count(*) FROM account") == before, name
        assert count(stack, "SELECT count(*) FROM import_batch") == batches, name
    # The same for titles: a damaged workbook or a picture saves nothing.
    titles_before = count(stack, "SELECT count(*) FROM title")
    for name, data, message in cases[:2]:
        r = upload(staff, "titles", name, data)
        assert r.status == 422 and message in html.unescape(r.body), (name, r)
        assert count(stack, "SELECT count(*) FROM title") == titles_before, name
    r = upload(staff, "gadgets", "m.csv", csv_bytes(rows))
    assert r.status == 422 and "titles or members" in r.body
    member = stack.login(*MEMBER)
    assert member.get("/staff/imports").status == 403


def marc_record(fields, leader9="a"):
    """One ISO 2709 record. fields: (tag, indicators, [(code, value)]) or
    (tag, None, control text)."""
    data, directory = b"", b""
    for tag, ind, subs in fields:
        if ind is None:
            body = subs.encode() + b"\x1e"
        else:
            body = ind.encode() + b"".join(b"\x1f" + c.encode() + v.encode()
                                           for c, v in subs) + b"\x1e"
        directory += tag.encode() + b"%04d%05d" % (len(body), len(data))
        data += body
    directory += b"\x1e"
    base = 24 + len(directory)
    length = base + len(data) + 1
    leader = b"%05dnam %s22%05d   4500" % (length, leader9.encode(), base)
    return leader + directory + data + b"\x1d"


def test_titles_from_csv_marc_and_marcxml(stack):
    staff = stack.login(*LIBRARIAN)
    rows = [["isbn", "title", "authors", "year", "section", "barcode", "location", "cost"],
            ["978-0-14-044913-6", "Crime and Punishment", "Fyodor Dostoevsky", "1866",
             "Classics", "IMP-1", "C1", "9.99"],
            ["978-0-14-044913-6", "Crime and Punishment", "Fyodor Dostoevsky", "1866",
             "Classics", "IMP-2", "C1", "9.99"],
            ["978-0-14-044913-7", "Bad Check Digit", "Nobody", "", "", "IMP-3", "", ""],
            ["", "Untitled Barcode Clash", "", "", "", "IMP-1", "", ""]]
    _, r, _ = import_file(staff, "titles", "titles.csv", csv_bytes(rows), "text/csv")
    for line in ("1 title added", "2 copies added", "2 rows rejected"):
        assert "<li>%s</li>" % line in r.body, (line, r.body)
    assert "check digit" in r.body and "IMP-1 is also on line 2" in r.body, r.body
    assert count(stack, "SELECT count(*) FROM copy c JOIN title t ON t.id = c.title_id "
                 "WHERE t.isbn13 = '9780140449136'") == 2
    # MARC 21 (ISO 2709): two good records and one in MARC-8.
    rec = marc_record([
        ("001", None, "ocm1"),
        ("020", "  ", [("a", "0261102214 (pbk.)")]),
        ("100", "1 ", [("a", "Tolkien, J. R. R.,")]),
        ("245", "14", [("a", "The hobbit :"), ("b", "or there and back again /")]),
        ("264", " 1", [("a", "London :"), ("b", "Allen & Unwin,"), ("c", "1937.")]),
        ("300", "  ", [("a", "310 p. ;")]),
        ("520", "  ", [("a", "Bilbo goes on an adventure.")]),
        ("650", " 0", [("a", "Fantasy fiction.")]),
    ])
    rec2 = marc_record([("245", "10", [("a", "Second Record.")]),
                        ("700", "1 ", [("a", "Editor, Ed,")])])
    marc8 = marc_record([("245", "10", [("a", "Old Encoding")])], leader9=" ")
    marc8 = marc8.replace(b"Old Encoding", b"Old Enc\xe2ding")   # same length
    _, r, _ = import_file(staff, "titles", "records.mrc", rec + marc8 + rec2)
    assert "<li>2 titles added</li>" in r.body and "<li>1 row rejected</li>" in r.body, r.body
    assert "(MARC 21)" in r.body and "MARC-8" in r.body
    with stack.db() as db:
        row = db.execute("SELECT title, subtitle, pub_year, pages, publisher, genre, "
                         "description FROM title WHERE isbn13 = '9780261102217'").fetchone()
        author = db.execute("SELECT a.name FROM author a JOIN title_author ta ON "
                            "ta.author_id = a.id JOIN title t ON t.id = ta.title_id "
                            "WHERE t.isbn13 = '9780261102217'").fetchone()
    assert row == ("The hobbit", "or there and back again", 1937, 310, "Allen & Unwin",
                   "Fantasy fiction", "Bilbo goes on an adventure."), row
    assert author == ("Tolkien, J. R. R.",), author
    # MARCXML of the same record updates it (same ISBN).
    xml = ("<?xml version='1.0'?><collection xmlns='http://www.loc.gov/MARC21/slim'>"
           "<record><leader>00000nam a2200000   4500</leader>"
           "<datafield tag='020' ind1=' ' ind2=' '><subfield code='a'>9780261102217</subfield></datafield>"
           "<datafield tag='245' ind1='1' ind2='4'><subfield code='a'>The Hobbit, revised</subfield></datafield>"
           "<datafield tag='300' ind1=' ' ind2=' '><subfield code='a'>320 p.</subfield></datafield>"
           "</record></collection>")
    preview, r, _ = import_file(staff, "titles", "hobbit.xml", xml.encode())
    assert "<li>0 titles added</li>" in r.body and "<li>1 title updated</li>" in r.body, r.body
    assert "pages: 310 -> 320" in text(preview), text(preview)
    assert count(stack, "SELECT pages FROM title WHERE isbn13 = '9780261102217'") == 320
    # What the record leaves out is kept, not wiped.
    assert count(stack, "SELECT publisher FROM title WHERE isbn13 = '9780261102217'") \
        == "Allen & Unwin"
    # Imported titles are in the catalogue search at once.
    page = staff.get("/catalogue?q=dostoevsky")
    assert "Crime and Punishment" in page.body, page.body


def test_exports_and_round_trip(stack):
    staff = stack.login(*LIBRARIAN)
    page = staff.get("/staff/exports")
    assert page.status == 200 and "/staff/exports/members?format=xlsx" in page.body
    r = staff.get("/staff/exports/members?format=csv")
    assert r.status == 200, r
    assert r.header("Content-Disposition").startswith('attachment; filename="carrel-members-')
    assert r.header("Content-Type").startswith("text/csv")
    lines = r.body.splitlines()
    assert lines[0].startswith("card_number,name,email,phone,category,plan,member_until")
    assert len(lines) - 1 == count(stack, "SELECT count(*) FROM account WHERE role = 'member'")
    r = staff.get("/staff/exports/payments?format=xlsx")
    assert r.status == 200 and r.data[:4] == b"PK\x03\x04", r
    assert staff.get("/staff/exports/secrets?format=csv").status == 404
    assert staff.get("/staff/exports/members?format=pdf").status == 400
    assert staff.get("/_exports/anything.csv").status == 404   # never served directly
    assert stack.login(*MEMBER).get("/staff/exports/members?format=csv").status == 403
    # The titles export, imported back, changes nothing and adds nothing.
    titles = staff.get("/staff/exports/titles?format=xlsx")
    before = count(stack, "SELECT count(*) FROM title"), count(stack, "SELECT count(*) FROM copy")
    r = upload(staff, "titles", "titles.xlsx", titles.data)
    assert r.status == 200 and "<li>0 titles to add</li>" in r.body, r.body
    assert "<li>0 copies to add</li>" in r.body and "<li>0 rows rejected</li>" in r.body, r.body
    assert "nothing to import" in r.body, r.body
    after = count(stack, "SELECT count(*) FROM title"), count(stack, "SELECT count(*) FROM copy")
    assert before == after, (before, after)


def add_copy(stack, title, barcode):
    with stack.db() as db:
        tid = db.execute("INSERT INTO title(title, created_at, updated_at) VALUES (?, 0, 0)",
                         (title,)).lastrowid
        db.execute("INSERT INTO copy(barcode, title_id, created_at) VALUES (?, ?, 0)",
                   (barcode, tid))


def test_loans_export_lists_every_loan(stack):
    staff = stack.login(*LIBRARIAN)
    add_copy(stack, "Exported Loans, Volume One", "LOAN-EXP-1")
    add_copy(stack, "Exported Loans, Volume Two", "LOAN-EXP-2")
    for code in ("LOAN-EXP-1", "LOAN-EXP-2"):
        page = staff.get("/staff/checkout")
        r = staff.post("/staff/checkout", {"member": MEMBER[0], "barcode": code,
                                           "csrf": page.csrf()})
        assert r.status == 303, r
    page = staff.get("/staff/checkin")
    assert staff.post("/staff/checkin", {"barcode": "LOAN-EXP-1",
                                         "csrf": page.csrf()}).status == 303
    r = staff.get("/staff/exports/loans?format=csv")
    assert r.status == 200 and r.header("Content-Type").startswith("text/csv"), r
    rows = list(csv.reader(io.StringIO(r.body)))
    assert rows[0] == ["loan", "barcode", "title", "card_number", "member", "loaned", "due",
                       "returned", "renewals", "fine"], rows[0]
    assert len(rows) - 1 == count(stack, "SELECT count(*) FROM loan")
    with stack.db() as db:
        card, = db.execute("SELECT card_number FROM account WHERE email = ?",
                           (MEMBER[0],)).fetchone()
        loans = db.execute("SELECT l.id, l.loan_day, l.due_day, coalesce(l.return_day, '') "
                           "FROM loan l JOIN copy c ON c.id = l.copy_id WHERE c.barcode "
                           "LIKE 'LOAN-EXP-%' ORDER BY c.barcode").fetchall()
    mine = [row for row in rows[1:] if row[1].startswith("LOAN-EXP-")]
    assert [row[1:5] for row in mine] == [
        ["LOAN-EXP-1", "Exported Loans, Volume One", card, "Reader Person"],
        ["LOAN-EXP-2", "Exported Loans, Volume Two", card, "Reader Person"]], mine
    assert [[int(row[0])] + row[5:8] for row in mine] == [list(l) for l in loans], (mine, loans)
    assert mine[0][7] != "" and mine[1][7] == "", mine   # returned, still out


def test_command_line_import_and_export(stack):
    with tempfile.TemporaryDirectory() as d:
        members = os.path.join(d, "members.csv")
        with open(members, "wb") as f:
            f.write(csv_bytes([["name", "email", "phone"],
                               ["Cli One", "cli1@cli.example", ""],
                               ["Cli Two", "cli2@cli.example", "+44 20 7946 0001"],
                               ["", "nameless@cli.example", ""]]))
        r = stack.cli("import", "members", members)
        assert r.returncode == 0, r
        assert "line 4: " in r.stdout, r
        assert "CSV: members 2 added, 0 updated, 0 unchanged; 1 rejected" in r.stdout, r
        assert count(stack, "SELECT count(*) FROM account WHERE email LIKE '%@cli.example'") == 2
        titles = os.path.join(d, "titles.csv")
        with open(titles, "wb") as f:
            f.write(csv_bytes([["isbn", "title", "authors", "barcode"],
                               ["978-0-306-40615-7", "Command Lines", "Ann Shell", "CLI-1"],
                               ["978-0-306-40615-7", "Command Lines", "Ann Shell", "CLI-2"]]))
        r = stack.cli("import", "titles", titles)
        assert r.returncode == 0 and "CSV: titles 1 added, 0 updated, 0 unchanged; " \
            "copies 2 added, 0 updated, 0 unchanged; 0 rejected" in r.stdout, r
        assert count(stack, "SELECT count(*) FROM copy c JOIN title t ON t.id = c.title_id "
                     "WHERE c.barcode LIKE 'CLI-%' AND t.isbn13 = '9780306406157'") == 2
        # The command line's import is a batch like any other: undone from the web.
        batch = re.search(r"batch ([0-9a-f]{32})", r.stdout).group(1)
        staff = stack.login(*LIBRARIAN)
        page = staff.get("/staff/imports")
        assert "/staff/imports/" + batch in page.body and "command line" in page.body
        undo(staff, batch)
        assert count(stack, "SELECT count(*) FROM copy WHERE barcode LIKE 'CLI-%'") == 0
        assert count(stack, "SELECT count(*) FROM title WHERE isbn13 = '9780306406157'") == 0
        assert count(stack, "SELECT count(*) FROM audit WHERE action = 'import' "
                     "AND object = ?", "import:" + batch) == 1
        assert count(stack, "SELECT count(*) FROM audit WHERE action = 'import.undo' "
                     "AND object = ?", "import:" + batch) == 1
        r = stack.cli("import", "titles", titles)
        assert r.returncode == 0, r
        # Export to files, read back.
        out = os.path.join(d, "members-out.csv")
        r = stack.cli("export", "members", "--format", "csv", "--output", out)
        total = count(stack, "SELECT count(*) FROM account WHERE role = 'member'")
        assert r.returncode == 0 and "%d members exported" % total in r.stderr, r
        with open(out, newline="") as f:
            exported = list(csv.DictReader(f))
        assert len(exported) == total
        assert {"cli1@cli.example", "cli2@cli.example"} <= {row["email"] for row in exported}
        cli2 = [row for row in exported if row["email"] == "cli2@cli.example"][0]
        # A text cell starting with + is guarded (the importer drops the apostrophe).
        assert (cli2["name"], cli2["phone"]) == ("Cli Two", "'+44 20 7946 0001"), cli2
        out = os.path.join(d, "titles-out.xlsx")
        r = stack.cli("export", "titles", "--format", "xlsx", "--output", out)
        copies = count(stack, "SELECT count(*) FROM title t LEFT JOIN copy c "
                       "ON c.title_id = t.id")
        assert r.returncode == 0 and "%d titles exported" % copies in r.stderr, r
        with open(out, "rb") as f:
            assert f.read(4) == b"PK\x03\x04"
        # The exported workbook imports back through the command line too.
        r = stack.cli("import", "titles", out)
        assert r.returncode == 0 and "titles 0 added, 0 updated" in r.stdout, r
        assert "copies 0 added, 0 updated" in r.stdout and " 0 rejected" in r.stdout, r
        r = stack.cli("export", "gadgets")
        assert r.returncode == 2 and "usage" in r.stderr.lower(), r


# ---- staged imports: check, commit, undo ----

PRIDE_ISBN = "9780141439518"


def pride(stack):
    """Pride and Prejudice with one copy PP-1 (shelf, acquisition, cost),
    made once through an import; returns the title's id."""
    tid = count(stack, "SELECT coalesce(max(id), 0) FROM title WHERE isbn13 = ?", PRIDE_ISBN)
    if tid:
        return tid
    staff = stack.login(*LIBRARIAN)
    import_file(staff, "titles", "pride.csv", csv_bytes([
        ["isbn", "title", "authors", "year", "publisher", "barcode", "location",
         "acquired_on", "cost"],
        [PRIDE_ISBN, "Pride and Prejudice", "Jane Austen", "1813", "Penguin", "PP-1",
         "AUS 1", "2020-01-15", "8.99"]]))
    return count(stack, "SELECT id FROM title WHERE isbn13 = ?", PRIDE_ISBN)


def dump(stack, tables=("title", "copy", "author", "title_author", "section")):
    """Every row of the catalogue's tables (a title without its popularity,
    which loans move), to compare states."""
    columns = {"title": "id, isbn13, title, subtitle, publisher, pub_year, pub_date, genre, "
                        "section_id, language, pages, description, format, cover, created_at, "
                        "updated_at",
               "section": "id, name, description, title_count",
               "account": "id, email, name, phone, password_hash, role, card_number, category, "
                          "member_until, member_plan_id, created_at, updated_at"}
    out = {}
    with stack.db() as db:
        for t in tables:
            out[t] = db.execute("SELECT %s FROM %s ORDER BY 1, 2" % (columns.get(t, "*"), t)
                                ).fetchall()
    return out


def test_barcode_of_another_title_is_rejected(stack):
    tid = pride(stack)
    before = dump(stack)
    staff = stack.login(*LIBRARIAN)
    rows = [["isbn", "title", "authors", "year", "barcode", "location", "acquired_on", "cost"],
            ["", "A Different Book", "Someone Else", "2001", "PP-1", "", "", ""],
            # The same title through its barcode, cells empty: nothing is wiped.
            ["", "Pride and Prejudice", "", "", "PP-1", "", "", ""]]
    preview = upload(staff, "titles", "clash.csv", csv_bytes(rows), "text/csv")
    assert preview.status == 200, preview
    page = text(preview)
    assert "1 row rejected" in page and "1 title unchanged" in page, page
    assert "0 titles to update" in page and "1 copy unchanged" in page, page
    assert re.search(r'<td data-label="Line">2</td><td data-label="Reason">the barcode PP-1 '
                     r'belongs to a copy of &quot;Pride and Prejudice&quot; by Jane Austen',
                     preview.body), preview.body
    assert "/commit" not in preview.body   # nothing to import
    assert dump(stack) == before
    with stack.db() as db:
        row = db.execute("SELECT t.title, t.isbn13, t.pub_year, c.location, c.acquired_on, "
                         "c.cost_cents FROM title t JOIN copy c ON c.title_id = t.id "
                         "WHERE t.id = ?", (tid,)).fetchone()
    assert row == ("Pride and Prejudice", PRIDE_ISBN, 1813, "AUS 1", "2020-01-15", 899), row


def test_preview_writes_nothing_and_shows_changes(stack):
    pride(stack)
    tables = ("title", "copy", "author", "title_author", "section", "account", "membership")
    before = dump(stack, tables)
    staff = stack.login(*LIBRARIAN)
    rows = [["isbn", "title", "authors", "year", "section", "barcode", "location", "item_type"],
            [PRIDE_ISBN, "Pride and Prejudice", "Jane Austen", "1814", "", "PP-1", "AUS 2",
             ""],
            ["", "Preview Only", "New Author Nobody Has", "1999", "Preview Section", "PV-1",
             "", "dvd"]]
    preview = upload(staff, "titles", "preview.csv", csv_bytes(rows), "text/csv")
    assert preview.status == 200, preview
    page = text(preview)
    for line in ("1 title to add", "1 title to update", "1 copy to add", "1 copy to update",
                 "0 rows rejected"):
        assert line in page, (line, page)
    assert "year: 1813 -> 1814" in page and "location: AUS 1 -> AUS 2" in page, page
    assert "Import" in preview.body and "Nothing" not in page.split("Check")[0]
    assert dump(stack, tables) == before
    # The batch is kept, staged, with its file; its page shows the preview again.
    batch = re.search(r"/staff/imports/([0-9a-f]{32})/commit", preview.body).group(1)
    assert count(stack, "SELECT status FROM import_batch WHERE id = ?", batch) == "staged"
    assert count(stack, "SELECT length(data) FROM import_batch WHERE id = ?", batch) > 0
    again = staff.get("/staff/imports/" + batch)
    assert again.status == 200 and "year: 1813 -> 1814" in text(again)
    assert staff.get("/staff/imports/" + "0" * 32).status == 404


def test_commit_then_undo_restores_everything(stack):
    pride(stack)
    before = dump(stack)
    staff = stack.login(*LIBRARIAN)
    rows = [["isbn", "title", "authors", "year", "section", "barcode", "location", "cost",
             "item_type"],
            [PRIDE_ISBN, "Pride and Prejudice", "Jane Austen; Undo Editor", "1815", "Undo Shelf",
             "PP-1", "AUS 9", "12.00", "reference"],
            [PRIDE_ISBN, "Pride and Prejudice", "", "", "", "PP-2", "AUS 9", "", ""],
            ["978-0-13-110362-7", "Undo Me", "Undo Author", "2020", "Undo Shelf", "UNDO-1",
             "", "", "magazine"],
            ["", "Undo Me Too", "", "", "", "", "", "", ""]]
    preview, report, batch = import_file(staff, "titles", "undo.csv", csv_bytes(rows))
    for line in ("2 titles added", "1 title updated", "2 copies added", "1 copy updated"):
        assert line in text(report), (line, text(report))
    assert count(stack, "SELECT pub_year FROM title WHERE isbn13 = ?", PRIDE_ISBN) == 1815
    assert count(stack, "SELECT item_type FROM copy WHERE barcode = 'UNDO-1'") == "magazine"
    assert count(stack, "SELECT item_type FROM copy WHERE barcode = 'PP-1'") == "reference"
    assert dump(stack) != before
    # Imported once only.
    r = staff.post("/staff/imports/%s/commit" % batch, {"csrf": preview.csrf()})
    assert r.status == 409 and "imported already" in r.body, r
    assert count(stack, "SELECT count(*) FROM copy WHERE barcode = 'UNDO-1'") == 1
    listing = staff.get("/staff/imports")
    assert 'href="/staff/imports/%s"' % batch in listing.body
    page = undo(staff, batch)
    assert "Kept by the undo" not in page.body, page.body
    assert dump(stack) == before
    # Undone once only, and the catalogue search forgot the titles.
    r = staff.post("/staff/imports/%s/undo" % batch, {"csrf": page.csrf()})
    assert r.status == 409 and "undone already" in r.body, r
    assert "Undo Me" not in staff.get("/catalogue?q=undo").body


def test_undo_keeps_a_copy_lent_since(stack):
    staff = stack.login(*LIBRARIAN)
    rows = [["isbn", "title", "authors", "barcode"],
            ["978-1-86197-876-9", "Lent Since", "Lena Lender", "LENT-1"],
            ["978-1-86197-876-9", "Lent Since", "Lena Lender", "LENT-2"],
            ["", "Gone Again", "Gordon Gone", "GONE-1"]]
    _, _, batch = import_file(staff, "titles", "lent.csv", csv_bytes(rows))
    page = staff.get("/staff/checkout")
    r = staff.post("/staff/checkout", {"member": MEMBER[0], "barcode": "LENT-1",
                                       "csrf": page.csrf()})
    assert r.status == 303, r
    page = undo(staff, batch)
    body = text(page)
    assert "Kept by the undo" in body, body
    assert "copy: copy LENT-1 it has been lent since the import" in body, body
    assert "title: Lent Since it still has copies that are kept" in body, body
    assert count(stack, "SELECT count(*) FROM copy WHERE barcode = 'LENT-1'") == 1
    assert count(stack, "SELECT count(*) FROM copy WHERE barcode IN ('LENT-2', 'GONE-1')") == 0
    assert count(stack, "SELECT count(*) FROM title WHERE title = 'Gone Again'") == 0
    assert count(stack, "SELECT count(*) FROM author WHERE name = 'Gordon Gone'") == 0
    assert count(stack, "SELECT count(*) FROM author WHERE name = 'Lena Lender'") == 1


def test_member_import_preview_commit_undo(stack):
    stack.add_user("keep.me@members.example", "Keep Me", "member", "keep password 1")
    with stack.db() as db:
        db.execute("UPDATE account SET phone = '+44 20 7946 1111' WHERE email = ?",
                   ("keep.me@members.example",))
    tables = ("account", "membership")
    before = dump(stack, tables)
    staff = stack.login(*LIBRARIAN)
    rows = [["name", "email", "phone", "category", "plan", "member_until"],
            ["New One", "new1@members.example", "", "", "", "2027-01-31"],
            ["New Two", "new2@members.example", "", "Student", "Annual", ""],
            ["Keep Me", "keep.me@members.example", "+44 20 7946 2222", "child", "",
             "2030-12-31"],
            ["Alien", "alien@members.example", "", "martian", "", ""]]
    preview = upload(staff, "members", "members.csv", csv_bytes(rows))
    assert preview.status == 200, preview
    page = text(preview)
    for line in ("2 members to add", "1 member to update", "1 row rejected",
                 "phone: +44 20 7946 1111 -> +44 20 7946 2222", "category: adult -> child",
                 "-> 2030-12-31", 'the category "martian" is not one of the list: adult, '
                 "child, student, staff"):
        assert line in page, (line, page)
    assert dump(stack, tables) == before
    _, report, batch = commit(staff, preview)
    assert "2 members added" in text(report) and "1 member updated" in text(report)
    assert count(stack, "SELECT category FROM account WHERE email = 'new2@members.example'") \
        == "student"
    assert count(stack, "SELECT category FROM account WHERE email = 'new1@members.example'") \
        == "adult"
    assert count(stack, "SELECT member_until FROM account WHERE email = ?",
                 "keep.me@members.example") == "2030-12-31"
    undo(staff, batch)
    assert dump(stack, tables) == before


def test_undo_keeps_a_member_who_borrowed_since(stack):
    staff = stack.login(*LIBRARIAN)
    rows = [["name", "email", "member_until"],
            ["Borrower Since", "borrower@kept.example", "2030-01-31"],
            ["Never Came", "never@kept.example", "2030-01-31"]]
    _, _, batch = import_file(staff, "members", "kept.csv", csv_bytes(rows))
    add_copy(stack, "Borrowed By An Imported Member", "KEPT-MEMBER-1")
    page = staff.get("/staff/checkout")
    r = staff.post("/staff/checkout", {"member": "borrower@kept.example",
                                       "barcode": "KEPT-MEMBER-1", "csrf": page.csrf()})
    assert r.status == 303, r
    body = text(undo(staff, batch))
    assert "member: Borrower Since <borrower@kept.example> they have borrowed since the " \
        "import" in body, body
    assert count(stack, "SELECT count(*) FROM account WHERE email = 'borrower@kept.example'") == 1
    assert count(stack, "SELECT count(*) FROM account WHERE email = 'never@kept.example'") == 0


def test_no_kind_chosen_is_refused(stack):
    staff = stack.login(*LIBRARIAN)
    form = staff.get("/staff/imports")
    assert '<option value="" selected>Choose…</option>' in form.body, form.body
    assert '<select id="kind" name="kind"' in form.body and 'type="file"' in form.body
    assert ">Check the file</button>" in form.body
    assert 'value="titles" selected' not in form.body
    before = count(stack, "SELECT count(*) FROM import_batch")
    r = upload(staff, "", "t.csv", csv_bytes([["title"], ["No Kind"]]))
    assert r.status == 422, r
    assert re.search(r'aria-describedby="kind-error".*<p class="field-error" id="kind-error">'
                     r'Choose whether the file holds titles or members.</p>', r.body, re.S), r.body
    assert '<option value="" selected>Choose…</option>' in r.body
    # A kind chosen is kept when the form comes back for another reason.
    r = upload(staff, "titles", "empty.csv", b"")
    assert r.status == 422 and 'value="titles" selected' in r.body, r.body
    assert 'id="file-error"' in r.body and "kind-error" not in r.body
    assert count(stack, "SELECT count(*) FROM import_batch") == before
    assert count(stack, "SELECT count(*) FROM title WHERE title = 'No Kind'") == 0


def test_unknown_item_type_is_rejected(stack):
    staff = stack.login(*LIBRARIAN)
    rows = [["isbn", "title", "barcode", "item_type"],
            ["", "Video Tape", "VHS-1", "vhs"],
            ["", "Moving Pictures", "DVD-1", "DVD"],
            ["", "Plain Book", "BOOK-1", ""]]
    preview, report, _ = import_file(staff, "titles", "types.csv", csv_bytes(rows))
    assert 'the item type &quot;vhs&quot; is not one of the list: book, dvd, magazine, ' \
        'reference' in preview.body, preview.body
    assert "<li>2 copies added</li>" in report.body and "<li>1 row rejected</li>" in report.body
    assert count(stack, "SELECT item_type FROM copy WHERE barcode = 'DVD-1'") == "dvd"
    assert count(stack, "SELECT item_type FROM copy WHERE barcode = 'BOOK-1'") == "book"
    assert count(stack, "SELECT count(*) FROM copy WHERE barcode = 'VHS-1'") == 0
    # An empty cell leaves an existing copy's type as it is.
    import_file(staff, "titles", "types2.csv", csv_bytes(
        [["title", "barcode", "item_type", "location"], ["Moving Pictures", "DVD-1", "", "AV"]]))
    assert count(stack, "SELECT item_type || ' ' || location FROM copy "
                 "WHERE barcode = 'DVD-1'") == "dvd AV"


def test_exports_carry_item_type_and_category(stack):
    staff = stack.login(*LIBRARIAN)
    import_file(staff, "titles", "mag.csv", csv_bytes(
        [["title", "barcode", "item_type"], ["Export Monthly", "MAG-EXP-1", "magazine"]]))
    import_file(staff, "members", "kid.csv", csv_bytes(
        [["name", "email", "category"], ["Export Kid", "kid@export.example", "child"]]))
    titles = list(csv.DictReader(io.StringIO(staff.get("/staff/exports/titles?format=csv").body)))
    assert "item_type" in titles[0], titles[0]
    assert [t["item_type"] for t in titles if t["barcode"] == "MAG-EXP-1"] == ["magazine"]
    members = list(csv.DictReader(io.StringIO(
        staff.get("/staff/exports/members?format=csv").body)))
    assert [m["category"] for m in members if m["email"] == "kid@export.example"] == ["child"]
    for kind, column, value in (("titles", "item_type", "magazine"),
                                ("members", "category", "child")):
        data = staff.get("/staff/exports/%s?format=xlsx" % kind).data
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            strings = z.read("xl/sharedStrings.xml").decode() \
                if "xl/sharedStrings.xml" in names else ""
            sheet = z.read("xl/worksheets/sheet1.xml").decode()
        assert column in strings + sheet and value in strings + sheet, kind


def main():
    stack = Stack(CARREL_PUBLIC_CACHE_SECONDS=0)
    r = stack.cli("migrate")
    assert r.returncode == 0, r.stderr
    stack.add_user(LIBRARIAN[0], "Desk Person", "librarian", LIBRARIAN[1])
    stack.add_user(MEMBER[0], "Reader Person", "member", MEMBER[1])
    return run_module(globals(), stack)


if __name__ == "__main__":
    sys.exit(main())
