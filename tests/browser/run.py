#!/usr/bin/env python3
"""The real-browser suite's launcher: starts the real stack as the
end-to-end tests do (tests/e2e/harness.py: the sanitizer-built carrel.fcgi
behind a real nginx), seeds a library (the demo catalogue, a librarian, an
admin, members with memberships and a loan), then runs suite.mjs in
Debian's chromium and relays its TAP, adding a last line for sanitizer
reports in the server log.

    tests/browser/run.py OUTDIR

Screenshots and axe reports go under OUTDIR. The route table comes from
`carrel routes`, so the crawl checks every GET page without a list here.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
from harness import Client, Stack, emailed_link, free_port  # noqa: E402
import circ  # noqa: E402
from members_helpers import pay_online  # noqa: E402
from test_ebook_files import make_pdf  # noqa: E402

CHROMIUM = os.environ.get("CARREL_CHROMIUM", "/usr/bin/chromium")
MEMBER = ("reader@test.example", "reader password 1")
BORROWER = ("borrower@test.example", "borrower password 1")


def missing_tools():
    """What the suite cannot run without, each with how to get it."""
    missing = []
    if not os.access(CHROMIUM, os.X_OK):
        missing.append("%s (Debian package chromium: make deps)" % CHROMIUM)
    if not shutil.which("node"):
        missing.append("node (Debian packages nodejs npm: make deps)")
    for pkg in ("playwright-core", "axe-core"):
        if not os.path.isdir(os.path.join(HERE, "node_modules", pkg)):
            missing.append("%s (npm ci in tests/browser: make browser-deps)" % pkg)
    return missing


def plan_value(client, name):
    """The value of the plan called name in /account/payments' menu."""
    page = client.get("/account/payments")
    m = re.search(r'<option value="(\d+)"[^>]*>\s*%s\b' % re.escape(name), page.body)
    assert m, "no plan %s to pay for" % name
    return m.group(1)


def ebook_title(stack, title):
    """An e-book title with a PDF attached by `carrel ebook attach` (the
    upload form has its own tests), so that its reader answers the file."""
    with stack.db() as db:
        tid = db.execute("INSERT INTO title(title, format, created_at, updated_at) "
                         "VALUES (?, 'ebook', 0, 0)", (title,)).lastrowid
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as f:
        f.write(make_pdf(title=title))
    try:
        r = stack.cli("ebook", "attach", str(tid), f.name)
        if r.returncode != 0:
            raise RuntimeError("carrel ebook attach failed: " + r.stderr)
    finally:
        os.unlink(f.name)
    return tid


def seed(stack):
    """The library the journeys and the crawl find. Returns what the
    browser needs to know of it."""
    for email, name, role, password in (
            (circ.LIBRARIAN[0], "Desk Person", "librarian", circ.LIBRARIAN[1]),
            (circ.ADMIN[0], "Boss Person", "admin", circ.ADMIN[1]),
            (MEMBER[0], "Rita Reader", "member", MEMBER[1]),
            (BORROWER[0], "Bert Borrower", "member", BORROWER[1])):
        stack.add_user(email, name, role, password)
    staff = stack.login(*circ.LIBRARIAN)
    # The member has a loan to renew; the borrower is lent to at the desk.
    _, loan_code, _ = circ.lend_new_title(stack, staff, MEMBER[0], "The Renewable Book")
    hold_tid, _ = circ.add_title(stack, "A Book Worth Waiting For", copies=1)
    desk_tid, (desk_code,) = circ.add_title(stack, "The Desk Copy", copies=1)
    # A hold and a payment already there, so that every page showing one
    # (and the crawl's placeholders) has a row before the journeys run.
    borrower = stack.login(*BORROWER)
    held_tid, _ = circ.add_title(stack, "Already Held", copies=1)
    assert circ.place_hold(borrower, held_tid).status == 303
    pay_online(borrower, {"purpose": "plan", "plan": plan_value(borrower, "Monthly")})
    # E-books with files: one the member asks for in a journey, one waiting
    # for a librarian and one granted, so that /staff/ebook-requests and
    # /account have rows for the crawl.
    ebook_tid = ebook_title(stack, "The Digital Reader")
    waiting_tid = ebook_title(stack, "Waiting on the Screen")
    granted_tid = ebook_title(stack, "Granted in Pixels")
    for tid in (waiting_tid, granted_tid):
        page = borrower.get("/titles/%d" % tid)
        assert borrower.post("/titles/%d/ebook-request" % tid,
                             {"csrf": page.csrf()}).status == 303
    with stack.db() as db:
        granted_loan = db.execute("SELECT id FROM ebook_loan WHERE title_id = ?",
                                  (granted_tid,)).fetchone()[0]
    page = staff.get("/staff/ebook-requests")
    assert staff.post("/staff/ebook-requests/%d/grant" % granted_loan,
                      {"csrf": page.csrf()}).status == 303
    # A title with reviews, the newest title (the crawl opens it from the
    # home page): the borrower rated it after a loan, staff hid another
    # review with a reason, and the member has it on loan to rate it in a
    # journey (the crawl then sees their form).
    review_tid, (review_code,) = circ.add_title(stack, "A Well Reviewed Book", copies=1)
    assert circ.checkout(staff, BORROWER[0], review_code).status == 303
    page = borrower.get("/titles/%d" % review_tid)
    assert borrower.post("/titles/%d/reviews" % review_tid, {
        "csrf": page.csrf(), "rating": "5",
        "body": "A gripping story, told with care.\nI read it in two evenings."}).status == 303
    assert circ.checkin(staff, review_code).status in (200, 303)
    assert circ.checkout(staff, MEMBER[0], review_code).status == 303
    with stack.db() as db:
        db.execute("UPDATE title SET created_at = strftime('%s', 'now') + 3600 WHERE id = ?",
                   (review_tid,))
        admin_id = db.execute("SELECT id FROM account WHERE email = ?",
                              (circ.ADMIN[0],)).fetchone()[0]
        db.execute("INSERT INTO review(title_id, account_id, rating, body, created_at, "
                   "updated_at, hidden_at, hidden_by, hidden_reason) VALUES (?, ?, 1, "
                   "'Visit my shop for cheap books.', strftime('%s', 'now') - 86400, "
                   "strftime('%s', 'now') - 86400, strftime('%s', 'now'), ?, 'Advertising')",
                   (review_tid, admin_id, admin_id))
    # A password reset link asked for, so that the crawl sees the reset form.
    visitor = Client(stack.port)
    page = visitor.get("/password/forgot")
    assert visitor.post("/password/forgot", {"email": BORROWER[0],
                                             "csrf": page.csrf()}).status == 303
    # Help and support: the member asked a question and staff answered it,
    # so that /account/support/{id} and /staff/support/{id} have a row.
    member = stack.login(*MEMBER)
    page = member.get("/support")
    assert member.post("/support", {"subject": "Large print books", "csrf": page.csrf(),
                                    "message": "Where are they shelved?"}).status == 303
    with stack.db() as db:
        ticket = db.execute("SELECT max(id) FROM support_ticket").fetchone()[0]
    page = staff.get("/staff/support/%d" % ticket)
    assert staff.post("/staff/support/%d/answer" % ticket, {
        "csrf": page.csrf(), "message": "On the ground floor, beside the desk."}).status == 303
    # Stocktaking (issue 15, part D): an open session for a section with
    # a few barcodes scanned, one unknown, so that the crawl reaches
    # /staff/inventory/{id} with rows in its lists and its close form.
    staff = stack.login(*circ.LIBRARIAN)
    with stack.db() as db:
        db.execute("INSERT OR IGNORE INTO section(name) VALUES ('Stocktaking shelf')")
        shelf = db.execute("SELECT id FROM section WHERE name = 'Stocktaking shelf'").fetchone()[0]
        tid = db.execute("INSERT INTO title(title, section_id, created_at, updated_at) "
                         "VALUES ('A Book On The Shelf', ?, 0, 0)", (shelf,)).lastrowid
        for code in ("STOCK-1", "STOCK-2"):
            db.execute("INSERT INTO copy(barcode, title_id, location, created_at) "
                       "VALUES (?, ?, 'S 1', 0)", (code, tid))
    page = staff.get("/staff/inventory")
    r = staff.post("/staff/inventory", {"section": str(shelf), "shelf_from": "", "shelf_to": "",
                                        "csrf": page.csrf()})
    assert r.status == 303, r
    inventory_path = r.header("Location").split("?")[0]
    assert staff.post(inventory_path + "/scan", {"barcodes": "STOCK-1\nNOT-OURS-1\n",
                                                "csrf": page.csrf()}).status == 303
    return {
        "paths": [emailed_link(stack, BORROWER[0], "password-reset"),
                  inventory_path, inventory_path + "/close",
                  # A report with a chart (the {kind} of /staff/reports/{kind}).
                  "/staff/reports/circulation"],
        "port": stack.port,
        # The journeys read the emails of the outbox from it.
        "db": stack.env["CARREL_DB"],
        "member": list(MEMBER),
        "borrower": list(BORROWER),
        "librarian": list(circ.LIBRARIAN),
        "admin": list(circ.ADMIN),
        "search": {"query": "Pride", "title": "Pride and Prejudice"},
        "renew_title": "The Renewable Book",
        "renew_barcode": loan_code,
        "hold_title_id": hold_tid,
        "hold_title": "A Book Worth Waiting For",
        "desk_barcode": desk_code,
        "desk_title": "The Desk Copy",
        "ebook_title_id": ebook_tid,
        "ebook_title": "The Digital Reader",
        "review_title_id": review_tid,
    }


def routes(stack):
    """The route table as `carrel routes` prints it: method, pattern, role."""
    r = stack.cli("routes")
    if r.returncode != 0:
        raise RuntimeError("carrel routes failed: " + r.stderr)
    rows = []
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            rows.append({"method": parts[0], "pattern": parts[1], "role": parts[2]})
    return rows


def table_columns(stack):
    """Every table with its columns."""
    with stack.db() as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                          "AND name NOT LIKE 'sqlite%' ORDER BY name")]
        return {t: [r[1] for r in db.execute("PRAGMA table_info(\"%s\")" % t)] for t in names}


def placeholder_value(stack, tables, segment, placeholder):
    """A seeded value for one placeholder: {id} after /sections is a
    section's id (the table the segment names); any other {name} is a
    value of a column whose name starts with it ({isbn}: title.isbn13,
    {ref}: payment.reference). None when no row fills it."""
    if placeholder == "id":
        candidates = [(t, "id") for t in (segment[:-1], segment, segment[:-2]) if t in tables]
    else:
        candidates = [(t, c) for t, cols in sorted(tables.items())
                      for c in cols if c.startswith(placeholder)]
    with stack.db() as db:
        for table, column in candidates:
            # Not a blob (a hashed token): no address holds one.
            row = db.execute("SELECT \"%s\" FROM \"%s\" WHERE coalesce(\"%s\", '') <> '' "
                             "AND typeof(\"%s\") <> 'blob' ORDER BY 1 LIMIT 1"
                             % (column, table, column, column)).fetchone()
            if row:
                return str(row[0])
    return None


def fill_from_tables(stack, pattern, tables, paths=()):
    """A path for pattern with its placeholders filled from seeded rows (or
    one of the seeded paths that fits it), or None. The crawl prefers links
    found on pages; this is its fallback."""
    shape = re.compile("^" + re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(pattern)) + "$")
    for path in paths:
        if shape.match(path):
            return path
    segments = pattern.strip("/").split("/")
    out = []
    for i, seg in enumerate(segments):
        if seg.startswith("{"):
            seg = placeholder_value(stack, tables, segments[i - 1] if i else "", seg[1:-1])
            if seg is None:
                return None
        out.append(seg)
    return "/" + "/".join(out)


def main():
    outdir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "browser-output")
    os.makedirs(outdir, exist_ok=True)
    missing = missing_tools()
    if missing:
        print("1..1")
        print("not ok 1 - the browser suite's tools are present")
        for m in missing:
            print("# missing: " + m)
        return 1
    # ISBN look-ups go to a closed local port: they fail at once, offline.
    isbn_url = "http://127.0.0.1:%d/isbn/{isbn}" % free_port()
    stack = Stack(CARREL_PUBLIC_CACHE_SECONDS=0, CARREL_ISBN_URL=isbn_url,
                  CARREL_ISBN_TIMEOUT_MS=1000,
                  CARREL_SESSION_IDLE=315360000, CARREL_SESSION_MAX=315360000)
    r = stack.cli("init", "--demo")
    if r.returncode != 0:
        raise RuntimeError("carrel init --demo failed: " + r.stderr)
    stack.start()
    rc = 1
    try:
        data = seed(stack)
        table = routes(stack)
        tables = table_columns(stack)
        for row in table:
            if "{" in row["pattern"]:
                row["fallback"] = fill_from_tables(stack, row["pattern"], tables,
                                                   data["paths"])
        data["routes"] = table
        data["outdir"] = outdir
        with open(os.path.join(outdir, "seed.json"), "w") as f:
            json.dump(data, f, indent=1)
        node = subprocess.run(["node", os.path.join(HERE, "suite.mjs"),
                               str(stack.port), outdir],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=900)
        tap = node.stdout
        rc = node.returncode
    finally:
        stack.stop()
    # Relay the suite's TAP, and add one line of our own for the server log.
    numbers = [int(m) for m in re.findall(r"^(?:not )?ok (\d+)", tap, re.M)]
    last = max(numbers, default=0)
    sys.stdout.write(re.sub(r"^1\.\.\d+\n", "", tap, flags=re.M))
    reports = stack.sanitizer_reports()
    print("%s %d - no_sanitizer_reports" % ("not ok" if reports else "ok", last + 1))
    for line in reports[:20]:
        print("# " + line)
    print("# screenshots and axe reports: " + outdir)
    print("1..%d" % (last + 1))
    return 0 if rc == 0 and not reports else 1


if __name__ == "__main__":
    sys.exit(main())
