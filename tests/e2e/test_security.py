"""End-to-end: what a hostile visitor tried (issue 11, items 6, 7 and
11-17), through the real nginx and the sanitizer build of the workers.

- HEAD never poisons nginx's public page cache.
- A login's ?next= cannot send anyone to another site.
- CSV exports keep a spreadsheet from running a cell as a formula.
- Staff accounts are changed by admins only, and every change is audited.
- Two admins demoting each other at once leave an admin; lowering your own
  role is refused on the users page itself.
- A temporary password is shown once, never in a URL, a log or on reload.
- A path cannot forge a line of the request log.
- An XLSX bomb is read as a stream: a worker stays under 64 MB.
"""
import csv
import io
import os
import re
import sys
import threading
import urllib.parse
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import images  # noqa: E402
from harness import Client, Stack, run_module  # noqa: E402

LIBRARIAN = ("desk@sec.example", "desk password 1")
ADMIN = ("boss@sec.example", "boss password 1")
ADMIN2 = ("chief@sec.example", "chief password 1")
MEMBER = ("reader@sec.example", "reader password 1")
WORKER_MEMORY_LIMIT_KB = 64 * 1024


def account_id(stack, email):
    with stack.db() as db:
        return db.execute("SELECT id FROM account WHERE email = ?", (email,)).fetchone()[0]


def audit_rows(stack, action, object_id):
    with stack.db() as db:
        return db.execute("SELECT actor_id, detail FROM audit WHERE action = ? AND object = ?",
                          (action, "account:%d" % object_id)).fetchall()


# ---- 11: HEAD and the public page cache ----

def test_head_does_not_empty_cached_pages(stack):
    for path in ("/catalogue?q=head%d" % os.getpid(), "/"):
        head = Client(stack.port).request("HEAD", path)
        assert head.status == 200, head
        for _ in range(2):   # the second GET is the one nginx may answer from its cache
            page = Client(stack.port).get(path)
            assert page.status == 200, page
            assert "</html>" in page.body, "GET %s after a HEAD: %r" % (path, page.body[:200])


# ---- 12: the login's next ----

def test_login_next_stays_on_this_site(stack):
    hostile = ["/\t/evil.example", "/%09/evil.example", "/\n/evil.example",
               "/%0a/evil.example", "/\r/evil.example", "//evil.example",
               "/\\evil.example", "/%5Cevil.example", "/%2F/evil.example",
               "https://evil.example/", "/\x0b/evil.example"]
    for nxt in hostile:
        c = Client(stack.port)
        page = c.get("/login?next=" + urllib.parse.quote(nxt, safe=""))
        assert page.status == 200, page
        assert "evil.example" not in page.body, (nxt, page.body)
        r = c.post("/login", {"email": MEMBER[0], "password": MEMBER[1], "next": nxt,
                              "csrf": page.csrf()})
        assert r.status == 303, (nxt, r)
        assert r.header("Location") == "/account", (nxt, r.header("Location"))
    # A path on this site is kept.
    c = Client(stack.port)
    page = c.get("/login")
    r = c.post("/login", {"email": MEMBER[0], "password": MEMBER[1],
                          "next": "/account/history?page=2", "csrf": page.csrf()})
    assert r.header("Location") == "/account/history?page=2", r.headers


# ---- 13: CSV formula escaping ----

HOSTILE_NAMES = ["=x,=cmd|' /C calc'!A0,", "+1+1", "-1+cmd|' /C calc'!A0", "@SUM(A1)",
                 "\tTabbed", "\rCarriage"]


def test_csv_export_guards_formulas(stack):
    staff = stack.login(*LIBRARIAN)
    with stack.db() as db:
        for i, name in enumerate(HOSTILE_NAMES):
            db.execute("INSERT INTO account(email, name, phone, role, password_hash, "
                       "created_at, updated_at) VALUES (?, ?, '', 'member', '$argon2id$x', 0, 0)",
                       ("formula%d@sec.example" % i, name))
    r = staff.get("/staff/exports/members?format=csv")
    assert r.status == 200, r
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8"), newline="")))
    header = rows[0]
    by_email = {row[header.index("email")]: row for row in rows[1:]}
    for i, name in enumerate(HOSTILE_NAMES):
        row = by_email["formula%d@sec.example" % i]
        assert len(row) == len(header), row
        # One cell, the guard inside it.
        assert row[header.index("name")] == "'" + name, row
    # No cell of the file starts a formula, and numbers stay numbers.
    for row in rows[1:]:
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r", row
        assert re.fullmatch(r"-?\d+\.\d\d", row[header.index("fines_owed")]), row
    raw = r.data.decode("utf-8")
    assert "\"'=x,=cmd|' /C calc'!A0,\"" in raw, raw


# ---- 14: staff accounts are changed by admins only ----

def test_librarian_cannot_change_a_staff_account(stack):
    staff = stack.login(*LIBRARIAN)
    admin_id = account_id(stack, ADMIN[0])
    page = staff.get("/staff/members/%d" % admin_id)
    assert page.status == 200, page
    assert "/staff/members/%d/edit" % admin_id not in page.body
    assert staff.get("/staff/members/%d/edit" % admin_id).status == 403
    token = staff.get("/staff/members").csrf()
    r = staff.post("/staff/members/%d/edit" % admin_id, {
        "name": "Taken Over", "email": "thief@sec.example", "phone": "",
        "category": "adult", "csrf": token})
    assert r.status == 403, r
    with stack.db() as db:
        assert db.execute("SELECT name, email FROM account WHERE id = ?",
                          (admin_id,)).fetchone() == ("Boss Person", ADMIN[0])
    assert stack.login(*ADMIN)


def test_account_changes_are_audited(stack):
    staff = stack.login(*LIBRARIAN)
    member_id = account_id(stack, MEMBER[0])
    page = staff.get("/staff/members/%d/edit" % member_id)
    assert page.status == 200, page
    r = staff.post("/staff/members/%d/edit" % member_id, {
        "name": "Reader Renamed", "email": MEMBER[0], "phone": "", "category": "adult",
        "csrf": page.csrf()})
    assert r.status == 303, r
    rows = audit_rows(stack, "account.edit", member_id)
    assert rows and rows[-1][0] == account_id(stack, LIBRARIAN[0]) and "name" in rows[-1][1], rows

    admin = stack.login(*ADMIN)
    lib_id = account_id(stack, LIBRARIAN[0])
    page = admin.get("/staff/members/%d" % lib_id)
    assert "/staff/members/%d/edit" % lib_id in page.body
    page = admin.get("/staff/members/%d/edit" % lib_id)
    assert page.status == 200, page
    r = admin.post("/staff/members/%d/edit" % lib_id, {
        "name": "Desk Person", "email": "desk2@sec.example", "phone": "", "category": "staff",
        "csrf": page.csrf()})
    assert r.status == 303, r
    rows = audit_rows(stack, "account.edit", lib_id)
    assert rows and rows[-1][0] == account_id(stack, ADMIN[0]), rows
    assert "desk@sec.example -> desk2@sec.example" in rows[-1][1], rows
    with stack.db() as db:
        db.execute("UPDATE account SET email = ? WHERE id = ?", (LIBRARIAN[0], lib_id))


# ---- 6 and 15: roles ----

def test_lowering_your_own_role_is_refused_on_the_page(stack):
    admin = stack.login(*ADMIN)
    me = account_id(stack, ADMIN[0])
    page = admin.get("/admin/users")
    r = admin.post("/admin/users/%d/role" % me, {"role": "librarian", "csrf": page.csrf()})
    assert r.status == 422, r
    assert "<h1>Users</h1>" in r.body and "Error 422" not in r.body, r.body
    assert re.search(r'class="field-error" id="role-error-%d"[^>]*>You cannot lower your own '
                     r'role' % me, r.body), r.body
    with stack.db() as db:
        assert db.execute("SELECT role FROM account WHERE id = ?", (me,)).fetchone()[0] == "admin"


def test_two_admins_demoting_each_other_leave_an_admin(stack):
    a, b = stack.login(*ADMIN), stack.login(*ADMIN2)
    a_id, b_id = account_id(stack, ADMIN[0]), account_id(stack, ADMIN2[0])
    token_a, token_b = a.get("/admin/users").csrf(), b.get("/admin/users").csrf()
    results = []
    for _ in range(15):
        with stack.db() as db:
            db.execute("UPDATE account SET role = 'admin' WHERE id IN (?, ?)", (a_id, b_id))
            db.execute("UPDATE account SET role = 'librarian' WHERE role = 'admin' "
                       "AND id NOT IN (?, ?)", (a_id, b_id))
        start = threading.Barrier(2)
        answers = {}

        def demote(name, client, target, token):
            start.wait()
            answers[name] = client.post("/admin/users/%d/role" % target,
                                        {"role": "librarian", "csrf": token}).status

        threads = [threading.Thread(target=demote, args=("a", a, b_id, token_a)),
                   threading.Thread(target=demote, args=("b", b, a_id, token_b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with stack.db() as db:
            admins = db.execute("SELECT count(*) FROM account WHERE role = 'admin'").fetchone()[0]
        results.append((answers, admins))
        assert admins >= 1, results
        assert sorted(answers.values()) in ([303, 403], [303, 409], [403, 303]), results
    with stack.db() as db:
        db.execute("UPDATE account SET role = 'admin' WHERE id IN (?, ?)", (a_id, b_id))


# ---- 7: the temporary password ----

def check_password_answer(stack, r):
    """The answer shows a fresh password once: 200, no-store, no Location;
    returns the password."""
    assert r.status == 200, r
    assert r.header("Location") is None, r.headers
    assert "no-store" in (r.header("Cache-Control") or ""), r.headers
    m = re.search(r"Temporary password: <strong><code>([0-9a-f]{12})</code>", r.body)
    assert m, r.body
    pw = m.group(1)
    for name, value in r.headers:
        assert pw not in value, (name, value)
    return pw


def test_temporary_password_shown_once(stack):
    staff = stack.login(*LIBRARIAN)
    member_id = account_id(stack, MEMBER[0])
    page = staff.get("/staff/members/%d" % member_id)
    r = staff.post("/staff/members/%d/password" % member_id, {"csrf": page.csrf()})
    pw = check_password_answer(stack, r)
    again = staff.get("/staff/members/%d" % member_id)
    assert again.status == 200 and pw not in again.body
    # It works, and the member's old password no longer does.
    assert stack.login(MEMBER[0], pw)
    with stack.db() as db:
        assert audit_rows(stack, "account.password", member_id)
    # A member made at the desk: the same.
    page = staff.get("/staff/members/new")
    r = staff.post("/staff/members/new", {"name": "Desk Made", "email": "made@sec.example",
                                          "phone": "", "category": "adult", "plan": "",
                                          "csrf": page.csrf()})
    pw2 = check_password_answer(stack, r)
    assert "The member was created." in r.body
    made = account_id(stack, "made@sec.example")
    assert pw2 not in staff.get("/staff/members/%d" % made).body
    log = stack.read_log()
    assert pw not in log and pw2 not in log
    # Back to the member's own password for the other tests: a temporary
    # password sends every page to /password/change until one is chosen.
    c = stack.login(MEMBER[0], pw)
    r = c.get("/account/profile")
    assert r.status == 303 and r.header("Location").startswith("/password/change"), r
    page = c.get("/password/change")
    r = c.post("/password/change", {"password": MEMBER[1], "password_again": MEMBER[1],
                                    "csrf": page.csrf()})
    assert r.status == 303, r
    assert c.get("/account/profile").status == 200


# ---- 16: the request log ----

def test_request_log_cannot_be_forged(stack):
    forged = "/catalogue%0aGET%20/forged%20200%201us%0d%0aPOST%20/x%5c"
    r = Client(stack.port).get(forged)
    assert r.status in (200, 404), r
    lines = stack.read_log().splitlines()
    assert not any(l.startswith("GET /forged") or l.startswith("POST /x") for l in lines), \
        [l for l in lines if "forged" in l]
    logged = [l for l in lines if "forged" in l]
    assert logged and logged[-1].startswith("GET /catalogue\\x0aGET\\x20/forged"), logged


# ---- 17: an XLSX bomb ----

def bomb_xlsx(sheet_parts):
    """A workbook whose sheet is sheet_parts one after another, deflated: a
    part is bytes, or (unit, size) for unit repeated to size bytes. A few
    hundred KB that unpack to hundreds of MiB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://'
                   'schemas.openxmlformats.org/package/2006/content-types"/>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for part in sheet_parts:
                if isinstance(part, bytes):
                    f.write(part)
                    continue
                unit, size = part
                chunk = unit * ((1 << 20) // len(unit))
                for _ in range(size // len(chunk)):
                    f.write(chunk)
    return out.getvalue()


SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
              b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
              b'<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c>'
              b'<c r="B1" t="inlineStr"><is><t>Email</t></is></c></row>'
              b'<row r="2"><c r="A2" t="inlineStr"><is><t>Bomb Reader</t></is></c>'
              b'<c r="B2" t="inlineStr"><is><t>bomb@sec.example</t></is></c></row>')
SHEET_TAIL = b"</sheetData></worksheet>"
MIB_250 = 250 << 20


def upload(staff, data):
    page = staff.get("/staff/imports")
    body, content_type = images.multipart([("csrf", page.csrf()), ("kind", "members")],
                                          [("file", "bomb.xlsx", "application/octet-stream",
                                            data)])
    return staff.request("POST", "/staff/imports", body=body,
                         headers={"Content-Type": content_type})


def worker_peak_kb(stack):
    peaks = {}
    for pid in stack.worker_pids():
        with open("/proc/%d/status" % pid) as f:
            m = re.search(r"^VmHWM:\s+(\d+) kB", f.read(), re.M)
        peaks[pid] = int(m.group(1))
    return peaks


def test_xlsx_bomb_is_read_in_bounded_memory(stack):
    staff = stack.login(*LIBRARIAN)
    # 250 MiB of one cell's text: refused at the cell limit.
    one_cell = bomb_xlsx([SHEET_HEAD, b'<row r="3"><c r="A3" t="inlineStr"><is><t>',
                          (b"a", MIB_250), b"</t></is></c></row>", SHEET_TAIL])
    # 250 MiB of white space between rows: read to the end, the rows imported.
    padded = bomb_xlsx([SHEET_HEAD, (b" ", MIB_250), SHEET_TAIL])
    # 250 MiB of empty rows.
    empty_rows = bomb_xlsx([SHEET_HEAD, (b"<row/>", MIB_250), SHEET_TAIL])
    for data in (one_cell, padded, empty_rows):
        assert len(data) < 400 * 1024, len(data)
    r = upload(staff, one_cell)
    assert r.status == 422, r
    assert "64 KiB" in r.body, r.body
    assert not account_exists(stack, "bomb@sec.example")
    for data in (padded, empty_rows):
        r = upload(staff, data)
        assert r.status in (200, 422), r
    peaks = worker_peak_kb(stack)
    assert peaks and max(peaks.values()) < WORKER_MEMORY_LIMIT_KB, peaks


def account_exists(stack, email):
    with stack.db() as db:
        return db.execute("SELECT count(*) FROM account WHERE email = ?", (email,)).fetchone()[0]


def main():
    stack = Stack(CARREL_PUBLIC_CACHE_SECONDS=60)
    r = stack.cli("migrate")
    assert r.returncode == 0, r.stderr
    stack.add_user(LIBRARIAN[0], "Desk Person", "librarian", LIBRARIAN[1])
    stack.add_user(ADMIN[0], "Boss Person", "admin", ADMIN[1])
    stack.add_user(ADMIN2[0], "Chief Person", "admin", ADMIN2[1])
    stack.add_user(MEMBER[0], "Reader Person", "member", MEMBER[1])
    return run_module(globals(), stack)


if __name__ == "__main__":
    sys.exit(main())
