#!/usr/bin/env python3
"""End-to-end tests of bulk import and export through the real nginx:
1,000 members from CSV and from an XLSX made by libxlsxwriter (called from
the test through ctypes), 10 of each bad and reported by line, and the same
file again updating them; a truncated XLSX and a PNG renamed .xlsx refused
with nothing saved, as members and as titles; titles with copies from CSV,
ISO 2709 MARC and MARCXML; exports as CSV and XLSX handed over by nginx,
the loans export row by row, and an export imported back unchanged; and
`carrel import` / `carrel export` (the sanitizer build) on small files."""
import csv
import ctypes
import ctypes.util
import html
import io
import os
import re
import sys
import tempfile

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
    (["Long Category", "cat@{d}", "", "x" * 41, "", "", ""], "category is longer"),
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


def count(stack, sql, *args):
    with stack.db() as db:
        return db.execute(sql, args).fetchone()[0]


def check_member_report(r, bad_lines, summary="990 added, 0 updated, 10 rejected"):
    assert r.status == 200, r
    assert summary in r.body, r.body
    listed = dict((int(l), why) for l, why in re.findall(
        r'<td data-label="Line">(\d+)</td><td data-label="Reason">([^<]*)</td>', r.body))
    assert sorted(listed) == sorted(bad_lines), (listed, bad_lines)
    for line, reason in bad_lines.items():
        assert reason.lower() in listed[line].lower().replace("&quot;", '"'), (line, listed[line])


# ---- the tests ----

def test_members_from_csv(stack):
    staff = stack.login(*LIBRARIAN)
    rows, bad = member_rows("csv.example")
    r = upload(staff, "members", "members.csv", csv_bytes(rows), "text/csv")
    check_member_report(r, bad)
    assert count(stack, "SELECT count(*) FROM account WHERE email LIKE '%@csv.example'") == 990
    # Memberships: a date makes an active period; a paid plan alone waits.
    assert count(stack, "SELECT member_until FROM account WHERE email = 'm0@csv.example'") \
        == "2027-06-30"
    assert count(stack, "SELECT count(*) FROM membership m JOIN account a ON a.id = "
                 "m.account_id WHERE a.email = 'm1@csv.example' AND m.status = 'pending'") == 1
    assert count(stack, "SELECT card_number FROM account WHERE email = 'm3@csv.example'") \
        == "C-7"
    # The same file again updates the members it made.
    r = upload(staff, "members", "members.csv", csv_bytes(rows), "text/csv")
    check_member_report(r, bad, "0 added, 990 updated, 10 rejected")
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
    r = upload(staff, "members", "members.xlsx", data)
    check_member_report(r, bad)
    assert "(XLSX" in r.body
    assert count(stack, "SELECT count(*) FROM account WHERE email LIKE '%@xlsx.example'") == 990


def test_broken_files_save_nothing(stack):
    staff = stack.login(*LIBRARIAN)
    before = count(stack, "SELECT count(*) FROM account")
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
    # The same for titles: a damaged workbook or a picture saves nothing.
    titles_before = count(stack, "SELECT count(*) FROM title")
    for name, data, message in cases[:2]:
        r = upload(staff, "titles", name, data)
        assert r.status == 422 and message in html.unescape(r.body), (name, r)
        assert count(stack, "SELECT count(*) FROM title") == titles_before, name
    r = upload(staff, "gadgets", "m.csv", csv_bytes(rows))
    assert r.status == 422 and "members or titles" in r.body
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
    r = upload(staff, "titles", "titles.csv", csv_bytes(rows), "text/csv")
    assert r.status == 200 and "2 added, 0 updated, 2 rejected" in r.body, r.body
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
    r = upload(staff, "titles", "records.mrc", rec + marc8 + rec2)
    assert r.status == 200 and "2 added, 0 updated, 1 rejected" in r.body, r.body
    assert "(MARC 21" in r.body and "MARC-8" in r.body
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
    r = upload(staff, "titles", "hobbit.xml", xml.encode())
    assert r.status == 200 and "0 added, 1 updated, 0 rejected" in r.body, r.body
    assert count(stack, "SELECT pages FROM title WHERE isbn13 = '9780261102217'") == 320
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
    assert r.status == 200 and "0 added" in r.body and " 0 rejected" in r.body, r.body
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
        assert "line 4: " in r.stdout and "CSV: 2 added, 0 updated, 1 rejected" in r.stdout, r
        assert count(stack, "SELECT count(*) FROM account WHERE email LIKE '%@cli.example'") == 2
        titles = os.path.join(d, "titles.csv")
        with open(titles, "wb") as f:
            f.write(csv_bytes([["isbn", "title", "authors", "barcode"],
                               ["978-0-306-40615-7", "Command Lines", "Ann Shell", "CLI-1"],
                               ["978-0-306-40615-7", "Command Lines", "Ann Shell", "CLI-2"]]))
        r = stack.cli("import", "titles", titles)
        assert r.returncode == 0 and "CSV: 2 added, 0 updated, 0 rejected" in r.stdout, r
        assert count(stack, "SELECT count(*) FROM copy c JOIN title t ON t.id = c.title_id "
                     "WHERE c.barcode LIKE 'CLI-%' AND t.isbn13 = '9780306406157'") == 2
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
        assert r.returncode == 0 and "0 added, " in r.stdout and " 0 rejected" in r.stdout, r
        r = stack.cli("export", "gadgets")
        assert r.returncode == 2 and "usage" in r.stderr.lower(), r


def main():
    stack = Stack(CARREL_PUBLIC_CACHE_SECONDS=0)
    r = stack.cli("migrate")
    assert r.returncode == 0, r.stderr
    stack.add_user(LIBRARIAN[0], "Desk Person", "librarian", LIBRARIAN[1])
    stack.add_user(MEMBER[0], "Reader Person", "member", MEMBER[1])
    return run_module(globals(), stack)


if __name__ == "__main__":
    sys.exit(main())
