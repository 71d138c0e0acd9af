#!/usr/bin/env python3
"""End-to-end tests of e-book loans (lib/ebooks.c, cgi/ebooks.c) through
nginx: a member requests five e-books and the sixth is refused with the
reason on the title page; the librarian grants and turns down (the reason
shown to the member), revokes with a reason; the member returns early and
cancels; after the test clock moves, carrel-cron marks a grant expired and
queues its notice once, and the "access ends soon" reminder goes once; a
stale grant never blocks a new request; the e-book rules and the
auto-grant setting on /admin/rules; the exports' CSV and XLSX hold the same
rows. E-book files are rows of ebook_file made by SQL."""
import csv
import html
import io
import os
import re
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import circ  # noqa: E402
from circ import ADMIN, LIBRARIAN, circ_stack, set_clock  # noqa: E402
from harness import Client, run_module  # noqa: E402
import test_ebook_files as files  # noqa: E402  (its PDF maker; its tests run on their own)

_n = [0]
LIMIT_REASON = ("You already have 5 e-books requested or on loan, the most your "
                "membership allows; return one first.")


def ebook_title(stack, title, with_file=True):
    """An e-book title, with a file row unless told otherwise."""
    _n[0] += 1
    with stack.db() as db:
        tid = db.execute("INSERT INTO title(title, format, created_at, updated_at) "
                         "VALUES (?, 'ebook', 0, 0)", (title,)).lastrowid
        if with_file:
            name = "%064x.pdf" % (0xE000 + _n[0])
            db.execute("INSERT INTO ebook_file(title_id, name, media_type, bytes, pages, "
                       "original_name, uploaded_at) VALUES (?, ?, 'application/pdf', 1234, "
                       "10, 'book.pdf', ?)", (tid, name, int(time.time())))
    return tid


def text(body):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def request(client, tid):
    page = client.get("/titles/%d" % tid)
    return client.post("/titles/%d/ebook-request" % tid, {"csrf": page.csrf()})


def loans(stack, mid):
    with stack.db() as db:
        return db.execute("SELECT id, title_id, status, reason FROM ebook_loan "
                          "WHERE account_id = ? ORDER BY id", (mid,)).fetchall()


def loan_of(stack, mid, tid):
    with stack.db() as db:
        return db.execute("SELECT id, status, access_until, reason FROM ebook_loan "
                          "WHERE account_id = ? AND title_id = ? ORDER BY id DESC LIMIT 1",
                          (mid, tid)).fetchone()


def outbox(stack, mid, kind):
    with stack.db() as db:
        return db.execute("SELECT subject, body, dedupe_key FROM outbox WHERE account_id = ? "
                          "AND kind = ? ORDER BY id", (mid, kind)).fetchall()


def audits(stack, action):
    with stack.db() as db:
        return db.execute("SELECT count(*) FROM audit WHERE action = ?", (action,)).fetchone()[0]


def staff_post(staff, path, fields=None):
    page = staff.get("/staff/ebook-requests")
    assert page.status == 200, page
    f = dict(fields or {})
    f["csrf"] = page.csrf()
    return staff.post(path, f)


def member_post(client, path):
    page = client.get("/account")
    return client.post(path, {"csrf": page.csrf()})


def granted_member(stack, staff, name, title):
    """A member holding a live grant of a new e-book. Returns (client, id,
    title id, loan id)."""
    client, _, mid = circ.member(stack, name)
    tid = ebook_title(stack, title)
    assert request(client, tid).status == 303
    lid = loan_of(stack, mid, tid)[0]
    assert staff_post(staff, "/staff/ebook-requests/%d/grant" % lid).status == 303
    return client, mid, tid, lid


# ---- the tests ----

def test_five_requests_then_the_sixth_is_refused(stack):
    client, _, mid = circ.member(stack, "Five Requests")
    tids = [ebook_title(stack, "Digital Volume %d" % i) for i in range(6)]
    for tid in tids[:5]:
        r = request(client, tid)
        assert r.status == 303, r
        assert r.header("Location") == "/titles/%d?ebook=requested#ebook" % tid, r.headers
    page = client.get("/titles/%d?ebook=requested" % tids[0])
    assert "Your request was sent" in page.body and "You requested this e-book on" in page.body
    assert 'action="/account/ebooks/%d/cancel"' % loans(stack, mid)[0][0] in page.body
    r = request(client, tids[5])
    assert r.status == 409, r
    assert LIMIT_REASON in text(r.body), text(r.body)[:2000]
    assert 'id="ebook-refusal" role="alert"' in r.body
    assert len(loans(stack, mid)) == 5
    # The title page says it before any POST, instead of the button.
    page = client.get("/titles/%d" % tids[5])
    assert LIMIT_REASON in text(page.body) and "Request this e-book</button>" not in page.body
    # Requesting the same e-book twice is refused too.
    r = request(client, tids[0])
    assert r.status == 409 and "You requested this e-book on" in text(r.body), r
    # Staff are told in-app, linked to the requests page.
    with stack.db() as db:
        told = db.execute("SELECT count(*) FROM notification WHERE kind = 'ebook-request' "
                          "AND link = '/staff/ebook-requests'").fetchone()[0]
    assert told >= 5 * 2, told    # the librarian and the admin, each request
    assert audits(stack, "ebook.request") >= 5


def test_visitor_print_title_and_no_file(stack):
    tid = ebook_title(stack, "A Visitor's E-book")
    page = Client(stack.port).get("/titles/%d" % tid)
    assert page.status == 200 and "to request this e-book" in page.body, page
    assert "/login?next=%2Ftitles%2F" + str(tid) in page.body
    client, _, mid = circ.member(stack, "Print Asker")
    print_tid, _ = circ.add_title(stack, "A Paper Book", copies=1)
    page = client.get("/titles/%d" % print_tid)
    assert "ebook-request" not in page.body
    r = client.post("/titles/%d/ebook-request" % print_tid, {"csrf": page.csrf()})
    assert r.status == 409 and "not an e-book" in text(r.body), r
    no_file = ebook_title(stack, "An E-book Without Its File", with_file=False)
    r = request(client, no_file)
    assert r.status == 409 and "no file of it" in text(r.body), r
    assert client.post("/titles/999999/ebook-request",
                       {"csrf": page.csrf()}).status == 404
    assert loans(stack, mid) == []


def test_blocked_member_is_refused_as_for_print(stack):
    email = "expired.%d@test.example" % os.getpid()
    stack.add_user(email, "Lapsed Member", "member", "member password", until="2020-01-01")
    client = stack.login(email, "member password")
    tid = ebook_title(stack, "Out of Reach")
    r = request(client, tid)
    assert r.status == 409, r
    assert "membership" in text(r.body).lower(), text(r.body)[:1500]
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM ebook_loan WHERE title_id = ?",
                          (tid,)).fetchone()[0] == 0


def test_grant_and_reject_with_the_reason_shown(stack):
    staff = stack.login(*LIBRARIAN)
    client, _, mid = circ.member(stack, "Decided Reader")
    yes, no = ebook_title(stack, "Granted Book"), ebook_title(stack, "Refused Book")
    assert request(client, yes).status == 303 and request(client, no).status == 303
    yes_id, no_id = loan_of(stack, mid, yes)[0], loan_of(stack, mid, no)[0]
    page = staff.get("/staff/ebook-requests")
    assert page.status == 200 and "Decided Reader" in page.body and "Granted Book" in page.body
    assert 'id="request-%d"' % yes_id in page.body and "2 of 5" in page.body, text(page.body)
    r = staff_post(staff, "/staff/ebook-requests/%d/grant" % yes_id)
    assert r.status == 303, r
    status, until = loan_of(stack, mid, yes)[1:3]
    assert status == "granted" and abs(until - (time.time() + 14 * 86400)) < 3 * 86400
    # Turning down without a reason: the page again, 422, the reason asked for.
    r = staff_post(staff, "/staff/ebook-requests/%d/reject" % no_id, {"reason": "   "})
    assert r.status == 422, r
    assert 'id="request-%d-error"' % no_id in r.body and "Write the reason" in r.body
    assert loan_of(stack, mid, no)[1] == "requested"
    # Deciding twice: 409 with the state in words.
    r = staff_post(staff, "/staff/ebook-requests/%d/grant" % yes_id)
    assert r.status == 409 and "decided already" in r.body, r
    reason = "Our licence for this title has ended"
    r = staff_post(staff, "/staff/ebook-requests/%d/reject" % no_id, {"reason": reason})
    assert r.status == 303, r
    assert loan_of(stack, mid, no)[1:] == ("rejected", None, reason)
    page = client.get("/account")
    body = text(page.body)
    assert "Granted Book — until" in body, body
    assert 'href="/ebooks/%d/read"' % yes in page.body
    assert "turned down" in body and reason in body, body
    # The title page shows the grant with Read and Return now.
    page = client.get("/titles/%d" % yes)
    assert "On loan to you until" in page.body and "Return now" in page.body
    assert len(outbox(stack, mid, "ebook-granted")) == 1
    rejected = outbox(stack, mid, "ebook-rejected")
    assert len(rejected) == 1 and reason in rejected[0][1], rejected
    assert "/ebooks/%d/read" % yes in outbox(stack, mid, "ebook-granted")[0][1]
    # A member may not decide.
    assert client.post("/staff/ebook-requests/%d/grant" % no_id,
                       {"csrf": page.csrf()}).status == 403


def test_return_early_and_cancel(stack):
    staff = stack.login(*LIBRARIAN)
    client, mid, tid, lid = granted_member(stack, staff, "Early Returner", "Quick Read")
    r = member_post(client, "/account/ebooks/%d/return" % lid)
    assert r.status == 303 and r.header("Location") == "/account?ebook=returned#ebooks", r
    assert loan_of(stack, mid, tid)[1] == "returned"
    page = client.get("/account?ebook=returned")
    assert "The e-book was returned" in page.body and "returned on" in text(page.body)
    receipt = outbox(stack, mid, "ebook-returned")
    assert len(receipt) == 1 and "Quick Read" in receipt[0][0], receipt
    # Returning again: the account page, 409, the reason beside nothing open.
    r = member_post(client, "/account/ebooks/%d/return" % lid)
    assert r.status == 409 and "ended already" in r.body, r
    # Another member's loan is not theirs.
    other, _, _ = circ.member(stack, "Someone Else")
    assert member_post(other, "/account/ebooks/%d/return" % lid).status == 403
    # A request cancelled.
    tid2 = ebook_title(stack, "Second Thoughts")
    assert request(client, tid2).status == 303
    lid2 = loan_of(stack, mid, tid2)[0]
    r = member_post(client, "/account/ebooks/%d/cancel" % lid2)
    assert r.status == 303, r
    assert loan_of(stack, mid, tid2)[1] == "cancelled"
    # It may be requested again.
    assert request(client, tid2).status == 303


def test_revoke_with_a_reason(stack):
    staff = stack.login(*LIBRARIAN)
    client, mid, tid, lid = granted_member(stack, staff, "Revoked Reader", "Withdrawn Work")
    page = staff.get("/staff/ebook-requests")
    assert 'id="loan-%d"' % lid in page.body and "Revoke" in page.body
    r = staff_post(staff, "/staff/ebook-requests/%d/revoke" % lid, {"reason": ""})
    assert r.status == 422 and 'id="loan-%d-error"' % lid in r.body, r
    reason = "The publisher withdrew this edition"
    r = staff_post(staff, "/staff/ebook-requests/%d/revoke" % lid, {"reason": reason})
    assert r.status == 303, r
    assert loan_of(stack, mid, tid)[1] == "revoked"
    body = text(client.get("/account").body)
    assert "ended by the library" in body and reason in body, body
    notice = outbox(stack, mid, "ebook-revoked")
    assert len(notice) == 1 and reason in notice[0][1]
    # The staff member page lists it.
    page = staff.get("/staff/members/%d" % mid)
    assert "Withdrawn Work" in page.body and "ended by the library" in page.body
    assert audits(stack, "ebook.revoke") >= 1


def test_expiry_reminder_and_stale_grant(stack):
    staff = stack.login(*LIBRARIAN)
    client, mid, tid, lid = granted_member(stack, staff, "Clock Reader", "Time Runs Out")
    try:
        # 12 days on: 2 days left, the reminder goes, once.
        set_clock(stack, 12)
        r = stack.cron("run")
        assert r.returncode == 0, r.stdout + r.stderr
        assert len(outbox(stack, mid, "ebook-expiring")) == 1, outbox(stack, mid, "ebook-expiring")
        assert stack.cron("run").returncode == 0
        reminders = outbox(stack, mid, "ebook-expiring")
        assert len(reminders) == 1 and "Time Runs Out" in reminders[0][1], reminders
        assert loan_of(stack, mid, tid)[1] == "granted"
        # 15 days on: cron marks it expired and tells the member, once.
        set_clock(stack, 15)
        assert stack.cron("run").returncode == 0
        assert loan_of(stack, mid, tid)[1] == "expired"
        assert stack.cron("run").returncode == 0
        assert len(outbox(stack, mid, "ebook-expired")) == 1
        assert audits(stack, "ebook.expire") >= 1
        with stack.db() as db:
            task = db.execute("SELECT outcome, message FROM cron_task "
                              "WHERE name = 'ebooks'").fetchone()
        assert task and task[0] == "ok" and "expired" in task[1], task
        body = text(client.get("/account").body)
        assert "Time Runs Out" in body and "ended" in body
        # A grant whose time passed without cron: a new request is not blocked.
        client2, mid2, tid2, lid2 = granted_member(stack, staff, "Stale Grant", "Stale Book")
        set_clock(stack, 31)
        assert loan_of(stack, mid2, tid2)[1] == "granted"
        page = client2.get("/titles/%d" % tid2)
        assert "Request this e-book</button>" in page.body
        assert request(client2, tid2).status == 303
        assert [row[2] for row in loans(stack, mid2)] == ["expired", "requested"]
    finally:
        set_clock(stack, 0)


def test_rules_and_auto_grant(stack):
    admin = stack.login(*ADMIN)
    page = admin.get("/admin/rules")
    assert page.status == 200 and 'id="ebook-rules"' in page.body
    assert 'action="/admin/rules/ebooks/any"' in page.body
    # Validation beside the controls: 422, nothing saved, what was typed kept.
    r = admin.post("/admin/rules/ebooks", {"csrf": page.csrf(), "category": "child",
                                           "max_active": "1", "loan_days": "0"})
    assert r.status == 422 and "from 1 to 365" in r.body and 'value="0"' in r.body, r
    r = admin.post("/admin/rules/ebooks", {"csrf": page.csrf(), "category": "child",
                                           "max_active": "1", "loan_days": "7"})
    assert r.status == 303, r
    r = admin.post("/admin/rules/ebooks", {"csrf": page.csrf(), "category": "child",
                                           "max_active": "2", "loan_days": "7"})
    assert r.status == 422 and "has an e-book rule already" in r.body, r
    r = admin.post("/admin/rules/ebooks/any/delete", {"csrf": page.csrf()})
    assert r.status == 409 and "stays" in r.body, r
    assert audits(stack, "ebook_rule.save") == 1
    # A child member may have one e-book at once, for 7 days.
    client, _, mid = circ.member(stack, "Young Reader")
    with stack.db() as db:
        db.execute("UPDATE account SET category = 'child' WHERE id = ?", (mid,))
    first, second = ebook_title(stack, "Child One"), ebook_title(stack, "Child Two")
    assert request(client, first).status == 303
    r = request(client, second)
    assert r.status == 409 and "You already have 1 e-book requested or on loan" in r.body, r
    # Auto-grant on: granted at once, for the category's 7 days.
    r = admin.post("/admin/rules/ebook-auto-grant", {"csrf": page.csrf(), "auto_grant": "1"})
    assert r.status == 303
    assert 'name="auto_grant" value="1" checked' in admin.get("/admin/rules").body
    try:
        assert member_post(client, "/account/ebooks/%d/cancel"
                           % loan_of(stack, mid, first)[0]).status == 303
        r = request(client, second)
        assert r.status == 303 and r.header("Location").endswith("?ebook=granted#ebook"), r
        status, until = loan_of(stack, mid, second)[1:3]
        assert status == "granted" and abs(until - (time.time() + 7 * 86400)) < 86400
        assert len(outbox(stack, mid, "ebook-granted")) == 1
    finally:
        admin.post("/admin/rules/ebook-auto-grant", {"csrf": page.csrf()})
    assert "checked" not in re.search(r'name="auto_grant"[^>]*>',
                                      admin.get("/admin/rules").body).group(0)
    r = admin.post("/admin/rules/ebooks/child/delete", {"csrf": page.csrf()})
    assert r.status == 303, r
    # The reminder days form holds the e-book days.
    page = admin.get("/admin/notices")
    assert 'name="ebook_expiry_days" value="2"' in page.body
    assert "/admin/notices/ebook-expiring" in page.body


def attached_ebook(stack, title):
    """An e-book title with a real PDF attached by `carrel ebook attach`.
    Returns (title id, the file's bytes)."""
    tid = ebook_title(stack, title, with_file=False)
    data = files.make_pdf(title=title)
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as f:
        f.write(data)
    try:
        r = stack.cli("ebook", "attach", str(tid), f.name)
        assert r.returncode == 0, r.stderr
    finally:
        os.unlink(f.name)
    return tid, data


def test_the_reader_follows_the_loan(stack):
    staff = stack.login(*LIBRARIAN)
    client, _, mid = circ.member(stack, "Actual Reader")
    tid, data = attached_ebook(stack, "Readable Pages")
    read = "/ebooks/%d/read" % tid
    assert client.get(read).status == 403
    assert request(client, tid).status == 303
    assert client.get(read).status == 403           # requested, not granted
    lid = loan_of(stack, mid, tid)[0]
    assert staff_post(staff, "/staff/ebook-requests/%d/grant" % lid).status == 303
    r = client.get(read)
    assert r.status == 200 and r.data == data, r
    reason = "Checking the licence"
    assert staff_post(staff, "/staff/ebook-requests/%d/revoke" % lid,
                      {"reason": reason}).status == 303
    assert client.get(read).status == 403
    # Granted again, then the clock passes its end: refused before carrel-cron
    # marks it, and after.
    assert request(client, tid).status == 303
    lid = loan_of(stack, mid, tid)[0]
    assert staff_post(staff, "/staff/ebook-requests/%d/grant" % lid).status == 303
    assert client.get(read).status == 200
    try:
        set_clock(stack, 15)
        assert client.get(read).status == 403
        assert stack.cron("run").returncode == 0
        assert loan_of(stack, mid, tid)[1] == "expired"
        assert client.get(read).status == 403
    finally:
        set_clock(stack, 0)


def xlsx_rows(data):
    """The cells of the first sheet as text, row by row."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ET.fromstring(z.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter("{%s}t" % ns["m"]))
                      for si in root.findall("m:si", ns)]
        sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter("{%s}row" % ns["m"]):
        cells = {}
        for c in row.findall("m:c", ns):
            col = re.match(r"[A-Z]+", c.get("r")).group(0)
            kind, v = c.get("t"), c.find("m:v", ns)
            if kind == "s":
                value = shared[int(v.text)]
            elif kind == "inlineStr":
                value = "".join(t.text or "" for t in c.iter("{%s}t" % ns["m"]))
            else:
                value = v.text if v is not None else ""
                if re.fullmatch(r"-?\d+\.0", value or ""):
                    value = value[:-2]
            cells[col] = value
        width = max((ord(k) - 64 for k in cells), default=0)
        rows.append([cells.get(chr(65 + i), "") for i in range(width)])
    return rows


def test_exports_hold_the_same_rows(stack):
    staff = stack.login(*LIBRARIAN)
    page = staff.get("/staff/exports")
    assert "/staff/exports/ebook-loans?format=csv" in page.body
    assert "/staff/exports/ebook-requests?format=xlsx" in page.body
    with stack.db() as db:
        granted = db.execute("SELECT count(*) FROM ebook_loan WHERE status IN "
                             "('granted', 'returned', 'revoked', 'expired')").fetchone()[0]
        requested = db.execute("SELECT count(*) FROM ebook_loan").fetchone()[0]
    assert granted > 0 and requested > granted
    for kind, expected, head in (("ebook-loans", granted, "ebook_loan,title,card_number"),
                                 ("ebook-requests", requested, "ebook_request,title")):
        r = staff.get("/staff/exports/%s?format=csv" % kind)
        assert r.status == 200, r
        rows = list(csv.reader(io.StringIO(r.body)))
        assert r.body.startswith(head) and len(rows) - 1 == expected, (kind, len(rows))
        x = staff.get("/staff/exports/%s?format=xlsx" % kind)
        assert x.status == 200 and x.data[:4] == b"PK\x03\x04", x
        sheet = xlsx_rows(x.data)
        assert [r_[:2] for r_ in sheet] == [r_[:2] for r_ in rows], (sheet[:3], rows[:3])
        # The command line gives the same file.
        cli = stack.cli("export", kind)
        assert cli.returncode == 0, cli.stderr
        assert list(csv.reader(io.StringIO(cli.stdout))) == rows
    # A rejection's reason is in the requests export.
    r = staff.get("/staff/exports/ebook-requests?format=csv")
    assert "Our licence for this title has ended" in r.body


if __name__ == "__main__":
    sys.exit(run_module(globals(), circ_stack()))
