"""The staff reports end to end, through nginx and the workers: activity
made at the desk on several days with the test clock (loans, returns,
renewals, payments), members, copies and fines put in place by SQL. Each
report's figures must equal what is computed here from the seeded activity
and the base tables (never from the reports' own summary table); a report's
CSV and XLSX hold the same rows as its page; the chart is well-formed SVG
with one bar per row; refused parameters are answered 422 with the reason
beside the field and what was typed kept."""
import collections
import csv
import datetime
import io
import re
import sys
import xml.etree.ElementTree as ET
import zipfile

import circ
from members_helpers import LIBRARIAN, run_with_staff

SVG = "{http://www.w3.org/2000/svg}"
XL = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
SEEDED = {}


def day(offset):
    return circ.days(offset)


def at(offset, hour=12):
    """Unix seconds of the day offset days from today at hour, UTC (the
    suite's time zone)."""
    d = circ.today(offset)
    return int(datetime.datetime(d.year, d.month, d.day, hour,
                                 tzinfo=datetime.timezone.utc).timestamp())


def renew(staff, stack, barcode):
    lid = circ.loan_row(stack, barcode)[0]
    page = staff.get("/staff/loans/%d" % lid)
    r = staff.post("/staff/loans/%d/renew" % lid, {"csrf": page.csrf()})
    assert r.status == 303, (r, circ.alert(r.body))


def lend(staff, who, barcode):
    r = circ.checkout(staff, who, barcode)
    assert r.status == 303, (r, circ.alert(r.body))


def give_back(staff, barcode):
    r = circ.checkin(staff, barcode)
    assert r.status in (200, 303), r


def seed(stack):
    staff = stack.login(*LIBRARIAN)
    with stack.db() as db:
        fiction = db.execute("INSERT INTO section(name) VALUES ('Report Fiction')").lastrowid
        history = db.execute("INSERT INTO section(name) VALUES ('Report History')").lastrowid
    ta, (a1, a2, a3) = circ.add_title(stack, "Report Alpha", copies=3)
    tb, (b1, b2) = circ.add_title(stack, "Report Beta & <Co>", copies=2)
    tc, (c1,) = circ.add_title(stack, "Report Gamma", copies=1)
    td, (d1, d2) = circ.add_title(stack, "Report Delta", copies=2)
    te, (e1,) = circ.add_title(stack, "Report Epsilon", copies=1)
    with stack.db() as db:
        db.execute("UPDATE title SET section_id = ? WHERE id IN (?, ?)", (fiction, ta, tc))
        db.execute("UPDATE title SET section_id = ? WHERE id = ?", (history, tb))
        for name, tid in (("Ann Author", ta), ("Ann Author", tb), ("Bo Writer", tc)):
            db.execute("INSERT OR IGNORE INTO author(name) VALUES (?)", (name,))
            aid = db.execute("SELECT id FROM author WHERE name = ?", (name,)).fetchone()[0]
            db.execute("INSERT INTO title_author(title_id, author_id, position) VALUES (?, ?, 1)",
                       (tid, aid))
        db.execute("UPDATE copy SET item_type = 'dvd' WHERE barcode = ?", (c1,))
        # Acquisitions: day and cost of each copy.
        for code, off, cost in ((a1, -40, 1000), (a2, -20, 1000), (a3, -20, 1000),
                                (b1, -12, 1500), (b2, -5, 2500), (c1, -2, 900),
                                (d1, -5, 700), (d2, -9, 650), (e1, -5, 300)):
            db.execute("UPDATE copy SET acquired_on = ?, cost_cents = ? WHERE barcode = ?",
                       (day(off), cost, code))
        db.execute("UPDATE copy SET status = 'damaged' WHERE barcode = ?", (d2,))
        db.execute("UPDATE copy SET status = 'withdrawn' WHERE barcode = ?", (e1,))
    _, m1, id1 = circ.member(stack, "Reporting Reader One")
    _, m2, id2 = circ.member(stack, "Reporting Reader Two")
    _, m3, id3 = circ.member(stack, "Reporting Reader Three")
    with stack.db() as db:
        db.execute("UPDATE account SET category = 'child' WHERE id = ?", (id2,))
        # Joined on three days; one membership ends in the range.
        for mid, off in ((id1, -12), (id2, -5), (id3, 0)):
            db.execute("UPDATE account SET created_at = ? WHERE id = ?", (at(off), mid))
        db.execute("UPDATE account SET member_until = ? WHERE id = ?", (day(3), id3))
    renewals = []
    circ.set_clock(stack, -12)
    lend(staff, m1, a1)
    lend(staff, m2, b1)
    lend(staff, m3, a2)
    circ.set_clock(stack, -9)
    give_back(staff, a1)
    renew(staff, stack, b1)
    renewals.append((day(-9), b1))
    lend(staff, m1, c1)
    circ.set_clock(stack, -5)
    give_back(staff, a2)
    lend(staff, m2, a3)
    renew(staff, stack, c1)
    renewals.append((day(-5), c1))
    circ.set_clock(stack, -2)
    give_back(staff, b1)
    lend(staff, m3, a1)
    renew(staff, stack, a3)
    renewals.append((day(-2), a3))
    # A fine charged, then paid at the desk by card and partly waived.
    with stack.db() as db:
        db.execute("INSERT INTO fine(account_id, kind, amount_cents, reason, at) "
                   "VALUES (?, 'accrued', 300, 'Damaged cover', ?)", (id2, at(-2)))
    page = staff.get("/staff/members/%d/payments" % id2)
    r = staff.post("/staff/members/%d/payments" % id2,
                   {"purpose": "fine", "amount": "2.00", "method": "card", "csrf": page.csrf()})
    assert r.status == 303, r
    circ.set_clock(stack, 0)
    give_back(staff, c1)
    lend(staff, m3, b2)
    # A membership paid in cash at the desk today.
    page = staff.get("/staff/members/%d/payments" % id1)
    plan = re.search(r'<option value="(\d+)"[^>]*>Monthly', page.body).group(1)
    r = staff.post("/staff/members/%d/payments" % id1,
                   {"purpose": "plan", "plan": plan, "amount": "", "method": "cash",
                    "csrf": page.csrf()})
    assert r.status == 303, r
    # It follows the Student plan the member holds; moved to start today.
    with stack.db() as db:
        db.execute("UPDATE membership SET start_day = ? WHERE payment_id = "
                   "(SELECT max(id) FROM payment WHERE account_id = ?)", (day(0), id1))
    SEEDED.update(renewals=renewals, members=(id1, id2, id3), emails=(m1, m2, m3),
                  fiction=fiction, history=history, staff=staff)


def report(staff, path):
    r = staff.get(path)
    assert r.status == 200, (path, r.status, r.body[:2000])
    return r


def page_rows(body):
    """The report table's rows as lists of cell texts."""
    tbody = re.search(r'<table class="report">.*?<tbody>(.*?)</tbody>', body, re.S)
    if not tbody:
        return []
    rows = re.findall(r"<tr>(.*?)</tr>", tbody.group(1), re.S)
    return [[re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in rows]


def download(staff, path, fmt):
    sep = "&" if "?" in path else "?"
    r = staff.get(path + sep + "format=" + fmt)
    assert r.status == 200, (path, fmt, r.status, r.body[:500])
    return r.data if r.data else r.body.encode()


def csv_rows(staff, path):
    text = download(staff, path, "csv").decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def xlsx_rows(staff, path):
    """The first sheet's rows, read with the standard library: every cell
    as text (numbers as written; 1.0 read as 1)."""
    z = zipfile.ZipFile(io.BytesIO(download(staff, path, "xlsx")))
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        root = ET.fromstring(z.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(XL + "t")) for si in root.iter(XL + "si")]
    sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    out = []
    for row in sheet.iter(XL + "row"):
        cells = {}
        for c in row.iter(XL + "c"):
            col = re.match(r"[A-Z]+", c.get("r")).group(0)
            idx = 0
            for ch in col:
                idx = idx * 26 + ord(ch) - 64
            kind = c.get("t")
            if kind == "s":
                val = shared[int(c.find(XL + "v").text)]
            elif kind == "inlineStr":
                val = "".join(t.text or "" for t in c.iter(XL + "t"))
            else:
                v = c.find(XL + "v")
                val = v.text if v is not None else ""
            cells[idx - 1] = val
        width = max(cells) + 1 if cells else 0
        out.append([cells.get(i, "") for i in range(width)])
    return out[0], out[1:]


def same_number(a, b):
    try:
        return abs(float(a) - float(b)) < 1e-9
    except ValueError:
        return a == b


def assert_files_agree(staff, path):
    """CSV and XLSX hold the same header and rows (empty trailing cells
    aside), and as many rows as the page's table. Returns the CSV."""
    head, rows = csv_rows(staff, path)
    xhead, xrows = xlsx_rows(staff, path)
    assert head == xhead, (head, xhead)
    assert len(rows) == len(xrows), (len(rows), len(xrows))
    for r, x in zip(rows, xrows):
        x = x + [""] * (len(r) - len(x))
        assert all(same_number(a, b) for a, b in zip(r, x)), (r, x)
    body = report(staff, path).body
    assert len(page_rows(body)) == len(rows), (len(page_rows(body)), len(rows))
    return head, rows


def chart_bars(body):
    m = re.search(r"<svg.*?</svg>", body, re.S)
    assert m, "no chart"
    root = ET.fromstring(m.group(0))
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    assert root.find(SVG + "title").text and root.find(SVG + "desc").text
    assert "<script" not in m.group(0) and "style=" not in m.group(0)
    return root.findall(SVG + "rect")


def range_query(frm, to):
    return "from=%s&to=%s" % (frm, to)


# ---- what the reports must say, computed here ----

def loans_in(stack, frm, to):
    with stack.db() as db:
        return db.execute("SELECT l.loan_day, l.return_day, t.title, t.id, t.section_id, "
                          "k.item_type, a.category, l.account_id FROM loan l "
                          "JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id "
                          "JOIN account a ON a.id = l.account_id").fetchall()


def test_circulation_per_day_equals_the_desk_activity(stack):
    seed(stack)
    staff = SEEDED["staff"]
    frm, to = day(-29), day(0)
    loans = loans_in(stack, frm, to)
    want = collections.Counter()
    for loan_day, return_day, *_ in loans:
        if frm <= loan_day <= to:
            want[(loan_day, "loans")] += 1
        if return_day and frm <= return_day <= to:
            want[(return_day, "returns")] += 1
    for d, _ in SEEDED["renewals"]:
        want[(d, "renewals")] += 1
    assert sum(v for (d, k), v in want.items() if k == "loans") == 7
    path = "/staff/reports/circulation"          # the default: the last 30 days
    head, rows = assert_files_agree(staff, path)
    assert head == ["period", "loans", "returns", "renewals"]
    assert [r[0] for r in rows] == [day(i) for i in range(-29, 1)]
    for period, lo, re_, rn in rows:
        assert (int(lo), int(re_), int(rn)) == (want[(period, "loans")],
                                                 want[(period, "returns")],
                                                 want[(period, "renewals")]), period
    body = report(staff, path).body
    bars = chart_bars(body)
    assert len(bars) == len(rows) == 30
    # Each bar's height follows its row's loans; its title names them.
    heights = [float(b.get("height")) for b in bars]
    busiest = max(range(30), key=lambda i: int(rows[i][1]))
    assert heights[busiest] == max(heights) > 0
    assert all(h == 0 for h, r in zip(heights, rows) if r[1] == "0")
    assert "Loans %s" % rows[busiest][1] in bars[busiest].find(SVG + "title").text


def test_circulation_by_week_and_month_and_filtered(stack):
    staff = SEEDED["staff"]
    frm, to = circ.today(-29), circ.today(0)
    loans = loans_in(stack, frm.isoformat(), to.isoformat())
    for group, key in (("week", lambda d: d - datetime.timedelta(days=d.weekday())),
                       ("month", lambda d: d.replace(day=1))):
        want = collections.Counter()
        for loan_day, return_day, *_ in loans:
            ld = datetime.date.fromisoformat(loan_day)
            if frm <= ld <= to:
                want[(key(ld).isoformat(), 1)] += 1
            if return_day and frm <= datetime.date.fromisoformat(return_day) <= to:
                want[(key(datetime.date.fromisoformat(return_day)).isoformat(), 2)] += 1
        for d, _ in SEEDED["renewals"]:
            want[(key(datetime.date.fromisoformat(d)).isoformat(), 3)] += 1
        path = "/staff/reports/circulation?%s&group=%s" % (range_query(frm, to), group)
        _, rows = assert_files_agree(staff, path)
        periods = sorted({key(frm + datetime.timedelta(days=i)).isoformat() for i in range(30)})
        assert [r[0] for r in rows] == periods, (group, rows)
        for r in rows:
            assert [int(x) for x in r[1:]] == [want[(r[0], i)] for i in (1, 2, 3)], (group, r)
        assert len(chart_bars(report(staff, path).body)) == len(rows)
    # Filters: the child's loans only; the DVDs only; the fiction section only.
    for query, keep in (("category=child", lambda l: l[6] == "child"),
                        ("item_type=dvd", lambda l: l[5] == "dvd"),
                        ("section=%d" % SEEDED["fiction"], lambda l: l[4] == SEEDED["fiction"])):
        _, rows = csv_rows(staff, "/staff/reports/circulation?" + query)
        got = sum(int(r[1]) for r in rows)
        assert got == sum(1 for l in loans if keep(l)) > 0, (query, got)


def test_popular_titles_authors_and_sections(stack):
    staff = SEEDED["staff"]
    frm, to = day(-29), day(0)
    loans = [l for l in loans_in(stack, frm, to) if frm <= l[0] <= to]
    by_title = collections.Counter(l[2] for l in loans)
    _, rows = assert_files_agree(staff, "/staff/reports/popular-titles")
    assert {r[1]: int(r[2]) for r in rows} == dict(by_title)
    assert rows[0][1] == "Report Alpha" and int(rows[0][2]) == by_title["Report Alpha"] == 4
    assert [int(r[0]) for r in rows] == list(range(1, len(rows) + 1))
    body = report(staff, "/staff/reports/popular-titles").body
    # Text from the catalogue is escaped in the table and the chart alike.
    assert "Report Beta &amp; &lt;Co&gt;" in body and "<Co>" not in body
    assert len(chart_bars(body)) == len(rows)
    _, rows = csv_rows(staff, "/staff/reports/popular-titles?top=1")
    assert rows == [["1", "Report Alpha", "4"]]
    authors = {"Report Alpha": "Ann Author", "Report Beta & <Co>": "Ann Author",
               "Report Gamma": "Bo Writer"}
    want = collections.Counter(authors[l[2]] for l in loans if l[2] in authors)
    _, rows = assert_files_agree(staff, "/staff/reports/popular-authors")
    assert {r[1]: int(r[2]) for r in rows} == dict(want)
    names = {SEEDED["fiction"]: "Report Fiction", SEEDED["history"]: "Report History"}
    want = collections.Counter(names.get(l[4], "No section") for l in loans)
    _, rows = assert_files_agree(staff, "/staff/reports/popular-sections")
    assert {r[1]: int(r[2]) for r in rows} == dict(want)


def test_stock_never_borrowed_and_acquisitions(stack):
    staff = SEEDED["staff"]
    with stack.db() as db:
        by_status = dict(db.execute("SELECT status, count(*) FROM copy GROUP BY status"))
        copies = db.execute("SELECT k.id, k.barcode, t.title, k.acquired_on, k.cost_cents, "
                            "k.status FROM copy k JOIN title t ON t.id = k.title_id").fetchall()
        lent = {r[0] for r in db.execute("SELECT DISTINCT copy_id FROM loan")}
    words = {"available": "Available", "on-loan": "On loan", "on-hold-shelf": "On the hold shelf",
             "lost": "Lost", "damaged": "Damaged", "in-repair": "In repair",
             "withdrawn": "Withdrawn"}
    head, rows = assert_files_agree(staff, "/staff/reports/stock")
    assert head == ["status", "copies"]
    assert {r[0]: int(r[1]) for r in rows} == {w: by_status.get(s, 0) for s, w in words.items()}
    assert len(chart_bars(report(staff, "/staff/reports/stock").body)) == 7
    frm, to = day(-29), day(0)
    want = sorted((c[3], c[1]) for c in copies if c[0] not in lent and c[5] != "withdrawn"
                  and frm <= c[3] <= to)
    _, rows = assert_files_agree(staff, "/staff/reports/never-borrowed")
    assert [(r[2], r[0]) for r in rows] == want and len(want) == 2, rows
    # Acquisitions per week over 8 weeks.
    frm_d = circ.today(-55)
    path = "/staff/reports/acquisitions?from=%s&group=week" % frm_d.isoformat()
    _, rows = assert_files_agree(staff, path)
    want = collections.Counter()
    cost = collections.Counter()
    for c in copies:
        if c[3] and frm_d.isoformat() <= c[3] <= day(0):
            d = datetime.date.fromisoformat(c[3])
            key = (d - datetime.timedelta(days=d.weekday())).isoformat()
            want[key] += 1
            cost[key] += c[4]
    assert sum(want.values()) == 9
    for r in rows:
        assert int(r[1]) == want[r[0]] and round(float(r[2]) * 100) == cost[r[0]], r
    assert sum(int(r[1]) for r in rows) == 9
    assert len(chart_bars(report(staff, path).body)) == len(rows)


def test_member_activity_and_history(stack):
    staff = SEEDED["staff"]
    frm, to = day(-29), day(7)
    start, end = at(-29, 0), at(8, 0)
    with stack.db() as db:
        joined = collections.Counter(datetime.datetime.fromtimestamp(
            r[0], datetime.timezone.utc).date().isoformat() for r in db.execute(
            "SELECT created_at FROM account WHERE role = 'member' AND created_at >= ? "
            "AND created_at < ?", (start, end)))
        paid = collections.Counter(r[0] for r in db.execute(
            "SELECT start_day FROM membership WHERE status = 'active' "
            "AND payment_id IS NOT NULL AND start_day BETWEEN ? AND ?", (frm, to)))
        ending = collections.Counter(r[0] for r in db.execute(
            "SELECT member_until FROM account WHERE role = 'member' "
            "AND member_until BETWEEN ? AND ?", (frm, to)))
    assert sum(paid.values()) == 1 and sum(ending.values()) >= 1
    path = "/staff/reports/members?" + range_query(frm, to)
    head, rows = assert_files_agree(staff, path)
    assert head == ["period", "new_members", "renewals", "expiries"]
    assert len(rows) == 37
    for r in rows:
        assert [int(x) for x in r[1:]] == [joined[r[0]], paid[r[0]], ending[r[0]]], r
    assert len(chart_bars(report(staff, path).body)) == 37
    # One member's borrowing, found by email.
    email = SEEDED["emails"][2]
    with stack.db() as db:
        want = db.execute("SELECT l.loan_day, t.title, k.barcode FROM loan l "
                          "JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id "
                          "JOIN account a ON a.id = l.account_id WHERE a.email = ? "
                          "ORDER BY l.loaned_at, l.id", (email,)).fetchall()
    path = "/staff/reports/member-history?member=" + email.replace("@", "%40")
    head, rows = assert_files_agree(staff, path)
    assert [tuple(r[:3]) for r in rows] == want and len(want) == 3
    assert "Loans of Reporting Reader Three" in report(staff, path).body


def test_fines_and_payments_by_kind_and_method(stack):
    staff = SEEDED["staff"]
    start, end = at(-29, 0), at(1, 0)
    words = {"accrued": "Fines charged", "paid": "Fines paid", "waived": "Fines waived"}
    purposes = {"plan": "Membership payments", "fine": "Fine payments", "other": "Other payments"}
    utc_day = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc).date().isoformat()
    want = collections.Counter()
    with stack.db() as db:
        for kind, cents, t in db.execute("SELECT kind, amount_cents, at FROM fine "
                                         "WHERE at >= ? AND at < ?", (start, end)):
            want[(utc_day(t), words[kind], "", "n")] += 1
            want[(utc_day(t), words[kind], "", "c")] += abs(cents)
        for purpose, method, cents, t in db.execute(
                "SELECT purpose, method, amount_cents, completed_at FROM payment "
                "WHERE completed_at >= ? AND completed_at < ? "
                "AND status IN ('completed', 'refunded')", (start, end)):
            want[(utc_day(t), purposes[purpose], method.capitalize(), "n")] += 1
            want[(utc_day(t), purposes[purpose], method.capitalize(), "c")] += cents
    head, rows = assert_files_agree(staff, "/staff/reports/fines")
    assert head == ["period", "kind", "method", "count", "amount"]
    got = collections.Counter()
    for period, kind, method, n, amount in rows:
        got[(period, kind, method, "n")] += int(n)
        got[(period, kind, method, "c")] += round(float(amount) * 100)
    assert got == want, (got, want)
    assert got[(day(-2), "Fine payments", "Card", "c")] == 200
    assert got[(day(-2), "Fines charged", "", "c")] == 300
    assert any(k[1] == "Membership payments" and k[2] == "Cash" for k in got)


def test_refused_parameters_are_answered_422_beside_the_field(stack):
    staff = SEEDED["staff"]
    cases = [
        ("circulation?from=2026-02-30&to=tomorrow", ["from", "to"], ["2026-02-30", "tomorrow"]),
        ("circulation?from=2026-05-01&to=2026-04-01", ["to"], ["2026-05-01"]),
        ("circulation?from=2020-01-01&to=2026-01-01&group=day", ["group"], []),
        ("circulation?group=fortnight", ["group"], []),
        ("circulation?section=99999", ["section"], []),
        ("circulation?item_type=spaceship", ["item_type"], []),
        ("circulation?category=%3Cb%3Eboss%3C%2Fb%3E", ["category"], []),
        ("popular-titles?top=0", ["top"], ['value="0"']),
        ("popular-titles?top=%22%3E%3Cscript%3E", ["top"], ['value="&quot;&gt;&lt;script&gt;"']),
        ("member-history?member=nobody%40nowhere.example", ["member"],
         ['value="nobody@nowhere.example"']),
        ("member-history", ["member"], []),
    ]
    for query, fields, kept in cases:
        r = staff.get("/staff/reports/" + query)
        assert r.status == 422, (query, r.status)
        for f in fields:
            m = re.search(r'<p class="field-error" id="%s-error">([^<]+)</p>' % f, r.body)
            assert m, (query, f)
            assert 'id="%s" name="%s"' % (f, f) in r.body
            assert 'aria-describedby="%s-error"' % f in r.body
        for k in kept:
            assert k in r.body, (query, k)
        assert '<table class="report">' not in r.body and "<svg" not in r.body
        assert "<script>" not in r.body
        # A refused download is the same form, not a file.
        r = staff.get("/staff/reports/" + query + ("&" if "?" in query else "?") + "format=csv")
        assert r.status == 422 and "field-error" in r.body, query
    assert staff.get("/staff/reports/nothing-like-it").status == 404
    assert staff.get("/staff/reports/stock?format=pdf").status == 400


def test_index_links_every_report_and_members_may_not_see_them(stack):
    staff = SEEDED["staff"]
    body = report(staff, "/staff/reports").body
    slugs = re.findall(r'href="/staff/reports/([a-z-]+)"', body)
    assert len(slugs) == 10 and len(set(slugs)) == 10
    for slug in slugs:
        if slug != "member-history":
            assert staff.get("/staff/reports/" + slug).status == 200, slug
    assert 'href="/staff/reports"' in report(staff, "/staff").body
    member = circ.member(stack, "Curious Reader")[0]
    assert member.get("/staff/reports").status == 403
    assert member.get("/staff/reports/circulation?format=csv").status == 403


if __name__ == "__main__":
    sys.exit(run_with_staff(globals()))
