"""The monthly report end to end: activity made through the desk and the
registration form, moved into a known month by SQL (March 2025), then
`carrel-cron monthly-report --month 2025-03`. The emailed figures must equal
counts computed here from the database; the chart is well-formed SVG with
one bar a day; a second run queues nothing; only librarians and admins get
it; `carrel-cron run` on the 1st queues last month's."""
import datetime
import re
import sys
import xml.etree.ElementTree as ET

import circ
from members_helpers import LIBRARIAN, plan_id, register, run_with_staff

MONTH = "2025-03"
FIRST, NEXT = "2025-03-01", "2025-04-01"
START = int(datetime.datetime(2025, 3, 1, tzinfo=datetime.timezone.utc).timestamp())
END = int(datetime.datetime(2025, 4, 1, tzinfo=datetime.timezone.utc).timestamp())
SVG = "{http://www.w3.org/2000/svg}"


def at(day, hour=10):
    """Unix seconds of 2025-03-DAY at hour, UTC (the suite's time zone)."""
    return START + (day - 1) * 86400 + hour * 3600


def desk_payment(stack, staff, mid, fields):
    """A payment taken at the desk; returns its id."""
    page = staff.get("/staff/members/%d/payments" % mid)
    r = staff.post("/staff/members/%d/payments" % mid, dict(fields, csrf=page.csrf()))
    assert r.status == 303, r
    with stack.db() as db:
        return db.execute("SELECT max(id) FROM payment WHERE account_id = ?", (mid,)).fetchone()[0]


def lend_in_march(stack, staff, email, title, day, due_day, returned_day=None):
    """A loan made at the desk (and returned there when returned_day is
    given), moved by SQL to 2025-03-DAY (day 0: 2025-02-09), due on due_day
    and returned on 2025-03-RETURNED_DAY (or on that day when it is text)."""
    tid, code, lid = circ.lend_new_title(stack, staff, email, title)
    # Returned before its days are moved: no fine, so the member may borrow on.
    if returned_day is not None:
        assert circ.checkin(staff, code).status in (200, 303)
    loan_day = "2025-03-%02d" % day if day > 0 else "2025-02-09"
    loaned_at = at(day) if day > 0 else START - 20 * 86400
    with stack.db() as db:
        db.execute("UPDATE loan SET loaned_at = ?, loan_day = ?, due_day = ? WHERE id = ?",
                   (loaned_at, loan_day, due_day, lid))
    if returned_day is None:
        return tid, code, lid
    if isinstance(returned_day, int):
        return_day, returned_at = "2025-03-%02d" % returned_day, at(returned_day)
    else:
        return_day, returned_at = returned_day, END + 2 * 86400
    with stack.db() as db:
        db.execute("UPDATE loan SET returned_at = ?, return_day = ? WHERE id = ?",
                   (returned_at, return_day, lid))
    return tid, code, lid


def lend_again(stack, staff, email, tid, day):
    """Another copy of title tid lent on 2025-03-DAY and returned the same day."""
    with stack.db() as db:
        code = "MR%d-%02d-%s" % (tid, day, email.split("@")[0])
        db.execute("INSERT INTO copy(barcode, title_id, created_at) VALUES (?, ?, 0)",
                   (code, tid))
    r = circ.checkout(staff, email, code)
    assert r.status == 303, circ.alert(r.body)
    lid = circ.loan_row(stack, code)[0]
    assert circ.checkin(staff, code).status in (200, 303)
    with stack.db() as db:
        db.execute("UPDATE loan SET loaned_at = ?, loan_day = ?, due_day = '2025-03-30', "
                   "returned_at = ?, return_day = ? WHERE id = ?",
                   (at(day), "2025-03-%02d" % day, at(day, 15), "2025-03-%02d" % day, lid))


def seed(stack):
    staff = stack.login(*LIBRARIAN)
    # Three members who joined in March (registered, then moved there), one
    # who joined in February.
    joined = []
    for i, day in enumerate((3, 3, 17, -1)):
        c, email, mid, _ = register(stack, "Monthly", name="March Reader %d" % i)
        with stack.db() as db:
            db.execute("UPDATE account SET created_at = ? WHERE id = ?",
                       (at(day) if day > 0 else at(1) - 86400 * 5, mid))
        joined.append((email, mid))
    (e0, m0), (e1, m1), (e2, m2), (e3, m3) = joined
    # Memberships paid at the desk: two start in March, one in April.
    for mid, when in ((m0, 4), (m1, 20), (m2, None)):
        page = staff.get("/staff/members/%d/payments" % mid)
        pid = desk_payment(stack, staff, mid, {"purpose": "plan", "method": "cash",
                                               "plan": plan_id(page, "Monthly"), "amount": ""})
        with stack.db() as db:
            if when:
                db.execute("UPDATE payment SET created_at = ?, completed_at = ? WHERE id = ?",
                           (at(when), at(when), pid))
                db.execute("UPDATE membership SET start_day = ?, end_day = ? "
                           "WHERE payment_id = ?", ("2025-03-%02d" % when, "2025-04-19", pid))
            else:
                db.execute("UPDATE payment SET created_at = ?, completed_at = ? WHERE id = ?",
                           (END + 3600, END + 3600, pid))
                db.execute("UPDATE membership SET start_day = '2025-04-01', "
                           "end_day = '2025-04-30' WHERE payment_id = ?", (pid,))
    # A fine paid in March.
    with stack.db() as db:
        db.execute("INSERT INTO fine(account_id, kind, amount_cents, at) "
                   "VALUES (?, 'accrued', 250, 0)", (m3,))
    pid = desk_payment(stack, staff, m3, {"purpose": "fine", "amount": "2.50", "method": "card"})
    with stack.db() as db:
        db.execute("UPDATE payment SET created_at = ?, completed_at = ? WHERE id = ?",
                   (at(9), at(9), pid))
    # Loans (by the three members who paid; the fourth may not borrow): a
    # popular title lent four times, others once; one lent in
    # February and returned in March; one overdue at the month's end; one
    # lent in March and returned in April (out at the month's end, not due).
    tid, _, _ = lend_in_march(stack, staff, e0, "Popular in March", 2, "2025-03-23", 5)
    lend_again(stack, staff, e1, tid, 2)
    lend_again(stack, staff, e2, tid, 11)
    lend_again(stack, staff, e0, tid, 28)
    lend_in_march(stack, staff, e1, "Second Favourite", 11, "2025-04-01", 30)
    lend_in_march(stack, staff, e2, "Lent in February", 0, "2025-03-02", 6)
    lend_in_march(stack, staff, e2, "Overdue at the End", 14, "2025-03-27")
    lend_in_march(stack, staff, e0, "Out Over the Month End", 31, "2025-04-21", "2025-04-03")
    for n in range(11):
        lend_in_march(stack, staff, e1, "Once Only %02d" % n, 20, "2025-04-10", 25)


def expected(stack):
    """The report's figures, computed here from the database."""
    with stack.db() as db:
        q = lambda sql, *a: db.execute(sql, a).fetchone()[0]
        e = {
            "loans": q("SELECT count(*) FROM loan WHERE loan_day BETWEEN ? AND '2025-03-31'",
                       FIRST),
            "returns": q("SELECT count(*) FROM loan WHERE return_day LIKE '2025-03-%'"),
            "new_members": q("SELECT count(*) FROM account WHERE role = 'member' "
                             "AND created_at >= ? AND created_at < ?", START, END),
            "renewals": q("SELECT count(*) FROM membership WHERE status = 'active' AND "
                          "payment_id IS NOT NULL AND start_day LIKE '2025-03-%'"),
            "payments": q("SELECT count(*) FROM payment WHERE completed_at >= ? "
                          "AND completed_at < ? AND status IN ('completed', 'refunded')",
                          START, END),
            "payments_cents": q("SELECT coalesce(sum(amount_cents), 0) FROM payment "
                                "WHERE completed_at >= ? AND completed_at < ? "
                                "AND status IN ('completed', 'refunded')", START, END),
            "overdue": q("SELECT count(*) FROM loan WHERE loan_day <= '2025-03-31' AND "
                         "due_day <= '2025-03-31' AND (returned_at IS NULL OR "
                         "return_day > '2025-03-31')"),
        }
        e["top"] = db.execute(
            "SELECT t.title, count(*) FROM loan l JOIN copy c ON c.id = l.copy_id "
            "JOIN title t ON t.id = c.title_id WHERE l.loan_day LIKE '2025-03-%' "
            "GROUP BY t.id ORDER BY count(*) DESC, t.title LIMIT 10").fetchall()
        per_day = dict(db.execute("SELECT CAST(substr(loan_day, 9) AS INTEGER), count(*) "
                                  "FROM loan WHERE loan_day LIKE '2025-03-%' "
                                  "GROUP BY loan_day").fetchall())
        e["per_day"] = [per_day.get(d, 0) for d in range(1, 32)]
    return e


def report_rows(stack):
    with stack.db() as db:
        return db.execute("SELECT o.account_id, a.role, o.recipient, o.subject, o.body, "
                          "o.body_html, o.dedupe_key, o.channel FROM outbox o "
                          "JOIN account a ON a.id = o.account_id WHERE o.kind = 'monthly-report' "
                          "ORDER BY o.id").fetchall()


def figure(text, label):
    m = re.search(r"(?m)^%s: (.+)$" % re.escape(label), text)
    assert m, "no %s in the report:\n%s" % (label, text)
    return m.group(1)


def test_report_figures_equal_the_database(stack):
    seed(stack)
    e = expected(stack)
    # The seed means what it says: the definitions were not bent to fit.
    assert (e["loans"], e["returns"], e["new_members"], e["renewals"], e["payments"],
            e["payments_cents"], e["overdue"]) == (18, 17, 3, 2, 3, 1250, 1), e
    assert e["top"][0] == ("Popular in March", 4) and len(e["top"]) == 10
    r = stack.cron("monthly-report", "--month", MONTH)
    assert r.returncode == 0, r.stderr
    assert "2 emails queued" in r.stdout, r.stdout
    rows = report_rows(stack)
    assert len(rows) == 2, rows
    text, page = rows[0][4], rows[0][5]
    assert rows[0][3] == "Monthly report for March 2025"
    assert int(figure(text, "Loans")) == e["loans"]
    assert int(figure(text, "Returns")) == e["returns"]
    assert int(figure(text, "New members")) == e["new_members"]
    assert int(figure(text, "Membership renewals")) == e["renewals"]
    assert int(figure(text, "Loans overdue at the month's end")) == e["overdue"]
    count, total = figure(text, "Payments").split(", ")
    assert int(count) == e["payments"]
    assert total.startswith("%d.%02d" % divmod(e["payments_cents"], 100)), total
    assert "- Memberships: 2, 10.00" in text and "- Fines: 1, 2.50" in text, text
    top = re.findall(r"(?m)^(\d+)\. (.+): (\d+)$", text)
    assert [(t, int(n)) for _, t, n in top] == e["top"], top
    # The HTML part carries the same figures.
    for key, ident in (("loans", "loans"), ("returns", "returns"),
                       ("new_members", "new-members"), ("renewals", "renewals"),
                       ("overdue", "overdue")):
        assert '<td id="%s">%d</td>' % (ident, e[key]) in page, (key, page)
    assert "Popular in March</a>: <span class=\"loans\">4</span>" in page


def test_chart_is_well_formed_svg_with_a_bar_a_day(stack):
    e = expected(stack)
    page = report_rows(stack)[0][5]
    svg = page[page.index("<svg"):page.index("</svg>") + len("</svg>")]
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    assert root.find(SVG + "title").text == "Loans per day, March 2025"
    assert root.find(SVG + "desc") is not None
    rects = root.findall(SVG + "rect")
    assert len(rects) == 31
    titles = [r.find(SVG + "title").text for r in rects]
    for day, (title, n) in enumerate(zip(titles, e["per_day"]), 1):
        assert title == "%d March: %d loan%s" % (day, n, "" if n == 1 else "s"), title
    heights = [float(r.get("height")) for r in rects]
    # The busiest day has the tallest bar, a day without loans none.
    busiest = max(range(31), key=lambda d: e["per_day"][d])
    assert heights[busiest] == max(heights) > 0
    assert all(h == 0 for h, n in zip(heights, e["per_day"]) if n == 0)


def test_only_librarians_and_admins_receive_it_once(stack):
    rows = report_rows(stack)
    with stack.db() as db:
        staff = db.execute("SELECT id, email FROM account WHERE role IN ('librarian', 'admin') "
                           "ORDER BY id").fetchall()
    assert [(r[0], r[2]) for r in rows] == staff
    assert all(r[1] in ("librarian", "admin") and r[7] == "email" for r in rows)
    assert [r[6] for r in rows] == ["monthly-report:%d:%s" % (s[0], MONTH) for s in staff]
    # Again: nothing new.
    r = stack.cron("monthly-report", "--month", MONTH)
    assert r.returncode == 0 and "0 emails queued" in r.stdout, (r.stdout, r.stderr)
    assert len(report_rows(stack)) == len(rows)
    # The staff are told in their notification centre that it went.
    with stack.db() as db:
        told = db.execute("SELECT count(*) FROM notification WHERE kind = 'monthly-report' "
                          "AND subject = 'Monthly report for March 2025 sent'").fetchone()[0]
    assert told == len(staff)


def test_cron_run_on_the_first_queues_last_months_report(stack):
    before = len(report_rows(stack))
    r = stack.cron("run", "--now", "2025-05-02T08:00")
    assert r.returncode == 0, r.stderr
    assert "monthly-report: not due" in r.stdout, r.stdout
    assert len(report_rows(stack)) == before
    r = stack.cron("run", "--now", "2025-05-01T08:00")
    assert r.returncode == 0, r.stderr
    rows = report_rows(stack)
    assert len(rows) == before + 2 and rows[-1][3] == "Monthly report for April 2025", rows[-1]
    r = stack.cron("run", "--now", "2025-05-01T09:00")
    assert r.returncode == 0 and len(report_rows(stack)) == before + 2, r.stdout


def test_a_malformed_month_is_refused(stack):
    for bad in ("2025-13", "2025-3", "March", ""):
        r = stack.cron("monthly-report", "--month", bad)
        assert r.returncode == 2 and "--month YYYY-MM" in r.stderr, (bad, r.stderr)
    r = stack.cron("monthly-report")
    assert r.returncode == 2


if __name__ == "__main__":
    sys.exit(run_with_staff(globals()))
