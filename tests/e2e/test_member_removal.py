"""Removing a member (the right to erasure), the member's data download and
the loan history retention, end to end through nginx and the workers:
removal refused while the member has a loan, a hold or fines (each reason
shown, nothing changed), allowed once the book is back, the hold cancelled
and the fines paid; the anonymised account cannot log in and its address
registers again; loans, payments and fines keep their figures; the member's
own removal needs their password; the download holds the member's rows and
nobody else's; carrel-cron anonymises only loans returned longer ago than
the retention setting, and the reports' figures do not move."""
import csv
import io
import json
import re
import sys
import time

import circ
from harness import Client
from members_helpers import ADMIN, LIBRARIAN, register, run_with_staff


def text(body):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def account(stack, mid):
    with stack.db() as db:
        return db.execute("SELECT name, email, phone, card_number, notes, password_hash, "
                          "removed_at FROM account WHERE id = ?", (mid,)).fetchone()


def figures(stack, mid):
    """What must not change when the member goes: their loans, payments,
    fines ledger and the reports' daily counts."""
    with stack.db() as db:
        return (
            db.execute("SELECT id, copy_id, loan_day, return_day, fine_cents FROM loan "
                       "WHERE account_id = ? ORDER BY id", (mid,)).fetchall(),
            db.execute("SELECT id, amount_cents, purpose, status FROM payment "
                       "WHERE account_id = ? ORDER BY id", (mid,)).fetchall(),
            db.execute("SELECT kind, amount_cents FROM fine WHERE account_id = ? ORDER BY id",
                       (mid,)).fetchall(),
            db.execute("SELECT day, section_id, item_type, category, loans, returns, renewals "
                       "FROM circ_daily ORDER BY 1, 2, 3, 4").fetchall(),
        )


def add_fine(stack, mid, cents):
    with stack.db() as db:
        db.execute("INSERT INTO fine(account_id, kind, amount_cents, reason, at) "
                   "VALUES (?, 'accrued', ?, 'damaged cover', ?)", (mid, cents, int(time.time())))


def staff_remove(staff, mid):
    page = staff.get("/staff/members/%d/remove" % mid)
    assert page.status == 200, page
    return page, staff.post("/staff/members/%d/remove" % mid, {"csrf": page.csrf()})


def test_staff_removal_refused_until_loan_hold_and_fines_are_settled(stack):
    staff = stack.login(*LIBRARIAN)
    member, email, mid = circ.member(stack, "Rita Remove")
    with stack.db() as db:
        db.execute("UPDATE account SET phone = '+441234567890', notes = 'prefers large print' "
                   "WHERE id = ?", (mid,))
    _, code, _ = circ.lend_new_title(stack, staff, email, "The Borrowed Book")
    other, other_email, _ = circ.member(stack, "Otto Other")
    held_tid, _, _ = circ.lend_new_title(stack, staff, other_email, "The Wanted Book")
    r = circ.place_hold(member, held_tid)
    assert r.status == 303, r
    add_fine(stack, mid, 350)
    before = account(stack, mid)

    # The member page offers the removal; the confirm page says what stands in the way.
    page = staff.get("/staff/members/%d" % mid)
    assert '/staff/members/%d/remove"' % mid in page.body
    page, r = staff_remove(staff, mid)
    assert "1 book still on loan" in text(page.body)
    # No button that can only be refused; a form posted anyway is refused.
    assert "for good" not in page.body
    assert r.status == 409, r
    words = text(r.body)
    assert "cannot be removed yet" in words
    assert "1 book still on loan" in words
    assert "1 hold waiting or ready to collect" in words
    assert re.search(r"3\.50\W*\S* in unpaid fines", words), words
    assert account(stack, mid) == before
    assert member.get("/account").status == 200          # still logged in

    # The book comes back: the hold and the fines still stand.
    assert circ.checkin(staff, code).status == 303
    _, r = staff_remove(staff, mid)
    assert r.status == 409
    words = text(r.body)
    assert "still on loan" not in words
    assert "1 hold waiting" in words and "in unpaid fines" in words
    assert account(stack, mid) == before

    # The hold is cancelled: only the fines stand.
    with stack.db() as db:
        hold_id = db.execute("SELECT id FROM hold WHERE account_id = ? AND status = 'waiting'",
                             (mid,)).fetchone()[0]
    r = member.post("/account/holds/%d/cancel" % hold_id,
                    {"csrf": circ.read_form_token(member)})
    assert r.status == 303, r
    _, r = staff_remove(staff, mid)
    assert r.status == 409
    words = text(r.body)
    assert "waiting or ready to collect" not in words
    assert "in unpaid fines" in words
    assert account(stack, mid) == before

    # Paid: the removal goes through, the figures stay.
    page = staff.get("/staff/members/%d" % mid)
    r = staff.post("/staff/members/%d/fines" % mid, {"amount": "3.50", "method": "cash",
                                                     "reason": "", "action": "pay",
                                                     "csrf": page.csrf()})
    assert r.status == 303, r
    kept = figures(stack, mid)
    assert kept[0] and kept[1] and kept[2]
    page, r = staff_remove(staff, mid)
    assert "Remove Rita Remove for good" in page.body
    assert r.status == 303 and r.header("Location") == "/staff/members/%d?done=removed" % mid, r
    assert figures(stack, mid) == kept

    name, new_email, phone, card, notes, pw, removed_at = account(stack, mid)
    assert name == "Removed member" and new_email == "removed-%d@removed.invalid" % mid
    assert phone == "" and card is None and notes == "" and removed_at
    assert pw != before[5]
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM session WHERE account_id = ?",
                          (mid,)).fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM outbox WHERE account_id = ? AND "
                          "(status = 'queued' OR recipient <> '' OR body <> '')",
                          (mid,)).fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM notification WHERE account_id = ?",
                          (mid,)).fetchone()[0] == 0
        audit = db.execute("SELECT actor_id, detail, before_value, after_value FROM audit "
                           "WHERE action = 'account.remove' AND object = ?",
                           ("account:%d" % mid,)).fetchall()
        staff_id = db.execute("SELECT id FROM account WHERE email = ?",
                              (LIBRARIAN[0],)).fetchone()[0]
    assert len(audit) == 1 and audit[0][0] == staff_id
    assert "Rita" not in repr(audit) and email not in repr(audit)

    # Their session is gone, they cannot log in, and the address is free.
    r = member.get("/account")
    assert r.status == 303 and r.header("Location").startswith("/login"), r
    c = Client(stack.port)
    r = c.form("/login", "/login", {"email": email, "password": "member password"})
    assert r.status != 303, r
    r = c.form("/login", "/login", {"email": new_email, "password": "member password"})
    assert r.status != 303, r
    page = staff.get("/staff/members/%d" % mid)
    assert page.status == 200 and "Removed member" in page.body and "Rita" not in page.body
    listed = staff.get("/staff/members?q=Rita").body
    assert "Rita Remove" not in listed and '/staff/members/%d"' % mid not in listed
    # Nor in the members export, nor among the accounts on /admin/users.
    export = staff.get("/staff/exports/members?format=csv")
    assert export.status == 200 and "removed-%d@" % mid not in export.body, export
    users = stack.login(*ADMIN).get("/admin/users?q=removed").body
    assert "removed-%d@" % mid not in users, users
    r = stack.cli("user", "add", "--email", email, "--name", "Rita Again", "--role",
                  "member", stdin="member password\n")
    assert r.returncode == 0, r.stderr
    stack.login(email, "member password")


def test_removed_address_registers_again(stack):
    c, email, mid, _ = register(stack, "Student", name="Reg Gone")
    page = c.get("/account/profile")
    r = c.post("/account/remove", {"remove_password": "member password",
                                   "csrf": page.csrf()})
    assert r.status == 303 and r.header("Location") == "/removed", r
    assert account(stack, mid)[0] == "Removed member"
    again, email2, mid2, _ = register_with(stack, email)
    assert mid2 != mid and email2 == email


def register_with(stack, email):
    """register() with a chosen address."""
    import members_helpers
    saved = members_helpers.unique_email
    members_helpers.unique_email = lambda tag="m": email
    try:
        return register(stack, "Student", name="Reg Back")
    finally:
        members_helpers.unique_email = saved


def test_own_removal_needs_the_password_and_nothing_owed(stack):
    staff = stack.login(*LIBRARIAN)
    member, email, mid = circ.member(stack, "Selma Self")
    before = account(stack, mid)

    page = member.get("/account/profile")
    assert page.status == 200
    assert 'action="/account/remove#remove-account"' in page.body
    assert "Remove my account" in page.body
    r = member.post("/account/remove", {"remove_password": "not my password",
                                        "csrf": page.csrf()})
    assert r.status == 422, r
    assert re.search(r'id="remove-password-error">That is not your password', r.body), r.body
    assert "Please correct the fields" not in r.body    # the details form is not in question
    assert account(stack, mid) == before
    assert member.get("/account").status == 200

    _, code, _ = circ.lend_new_title(stack, staff, email, "Selma's Book")
    page = member.get("/account/profile")
    assert "1 book still on loan" in text(page.body)
    r = member.post("/account/remove", {"remove_password": "member password",
                                        "csrf": page.csrf()})
    assert r.status == 409, r
    assert "1 book still on loan" in text(r.body) and "cannot be removed yet" in r.body
    assert account(stack, mid) == before

    assert circ.checkin(staff, code).status == 303
    page = member.get("/account/profile")
    r = member.post("/account/remove", {"remove_password": "member password",
                                        "csrf": page.csrf()})
    assert r.status == 303 and r.header("Location") == "/removed", r
    cookie = r.header("Set-Cookie") or ""
    assert "Max-Age=0" in cookie or "Expires=Thu, 01 Jan 1970" in cookie, cookie
    page = member.get("/removed")
    assert page.status == 200 and "Your account was removed" in page.body
    r = member.get("/account")
    assert r.status == 303 and r.header("Location").startswith("/login")
    assert account(stack, mid)[0] == "Removed member"
    with stack.db() as db:
        assert db.execute("SELECT actor_id FROM audit WHERE action = 'account.remove' "
                          "AND object = ?", ("account:%d" % mid,)).fetchone()[0] == mid


def test_data_download_holds_the_members_rows_and_nobody_elses(stack):
    staff = stack.login(*LIBRARIAN)
    mine, my_email, my_id = circ.member(stack, "Dana Data")
    _, their_email, their_id = circ.member(stack, "Theo Theirs")
    circ.lend_new_title(stack, staff, my_email, "Dana's Loan")
    circ.lend_new_title(stack, staff, their_email, "Theo's Loan")
    add_fine(stack, their_id, 125)

    r = mine.get("/account/data.json")
    assert r.status == 200, r
    assert r.header("Content-Type").startswith("application/json")
    assert "attachment" in r.header("Content-Disposition")
    raw = r.data.decode() if r.data else r.body
    data = json.loads(raw)
    assert data["profile"]["email"] == my_email and data["profile"]["id"] == my_id
    assert [l["title"] for l in data["loans"]] == ["Dana's Loan"]
    for key in ("memberships", "loans", "holds", "fines", "payments", "ebook_loans",
                "reviews", "notices"):
        assert isinstance(data[key], list), key
    assert data["memberships"], data
    assert data["fines"] == []
    assert their_email not in raw and "Theo" not in raw

    r = mine.get("/account/data.csv")
    assert r.status == 200 and r.header("Content-Type").startswith("text/csv")
    raw = r.data.decode() if r.data else r.body
    rows = list(csv.reader(io.StringIO(raw)))
    assert rows[0] == ["section", "row", "field", "value"]
    assert ["profile", "0", "email", my_email] in rows
    assert ["loans", "1", "title", "Dana's Loan"] in rows
    assert their_email not in raw and "Theo" not in raw

    # Only members have an account to download; visitors are sent to log in.
    r = Client(stack.port).get("/account/data.json")
    assert r.status == 303 and r.header("Location").startswith("/login"), r


def report_csv(staff, path):
    r = staff.get(path + ("&" if "?" in path else "?") + "format=csv")
    assert r.status == 200, r
    return r.data if r.data else r.body


def test_retention_anonymises_only_loans_older_than_the_setting(stack):
    staff = stack.login(*LIBRARIAN)
    admin = stack.login(*ADMIN)
    _, email, mid = circ.member(stack, "Olga Old")
    _, old_code, old_loan = circ.lend_new_title(stack, staff, email, "Long Ago Read")
    _, recent_code, recent_loan = circ.lend_new_title(stack, staff, email, "Lately Read")
    _, _, open_loan = circ.lend_new_title(stack, staff, email, "Still Reading")
    assert circ.checkin(staff, old_code).status == 303
    assert circ.checkin(staff, recent_code).status == 303
    now = int(time.time())
    with stack.db() as db:
        # When they came back (the days the reports count stay as they were).
        db.execute("UPDATE loan SET returned_at = ? WHERE id = ?", (now - 40 * 86400, old_loan))
        db.execute("UPDATE loan SET returned_at = ? WHERE id = ?",
                   (now - 10 * 86400, recent_loan))
    reports = ["/staff/reports/circulation", "/staff/reports/popular-titles",
               "/staff/reports/fines"]
    before = [report_csv(staff, p) for p in reports]

    # The default keeps everything.
    page = admin.get("/admin/settings")
    assert 'name="retention_days" value="0"' in page.body
    stack.cron("run")
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM loan WHERE account_id = ?",
                          (mid,)).fetchone()[0] == 3

    r = admin.post("/admin/settings/retention", {"retention_days": "thirty",
                                                 "csrf": page.csrf()})
    assert r.status == 422 and 'value="thirty"' in r.body and "Enter a number of days" in r.body
    r = admin.post("/admin/settings/retention", {"retention_days": "30", "csrf": page.csrf()})
    assert r.status == 303, r
    assert 'name="retention_days" value="30"' in admin.get("/admin/settings").body

    stack.cron("run")
    with stack.db() as db:
        anonymous = int(db.execute("SELECT value FROM setting WHERE key = "
                                   "'privacy.anonymous_account'").fetchone()[0])
        owners = dict(db.execute("SELECT id, account_id FROM loan WHERE id IN (?, ?, ?)",
                                 (old_loan, recent_loan, open_loan)).fetchall())
        message = db.execute("SELECT message FROM cron_task WHERE name = 'anonymise-loans'"
                             ).fetchone()[0]
    assert owners == {old_loan: anonymous, recent_loan: mid, open_loan: mid}, owners
    assert message.startswith("1 returned loan"), message
    assert [report_csv(staff, p) for p in reports] == before
    # The anonymous account is nobody: not in the member list, no login.
    assert "Anonymous reader" not in staff.get("/staff/members").body


if __name__ == "__main__":
    sys.exit(run_with_staff(globals()))
