#!/usr/bin/env python3
"""End-to-end tests of memberships and payments through the real nginx:
registration with a plan, pending -> desk payment -> active -> renewal,
expiry and the desk's refusal, online payments through the built-in test
provider and its signed callback (forged, altered and replayed answers
change nothing), fines paid online, the staff member list (search, sort,
filters, paging), member create/edit, receipts and /admin/plans.
Tests move the library's clock with the setting test.clock_offset."""
import html
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Client, confirm_registration, plan_id  # noqa: E402
from members_helpers import (ADMIN, LIBRARIAN, add_title, checkout,  # noqa: E402
                             desk_renew, member_row, pay_online, payments, register,
                             run_with_staff, set_clock, shown_day, today, unique_email)


# ---- the tests ----

def test_monthly_plan_pending_desk_payment_active_renewal(stack):
    member, email, mid, where = register(stack, "Monthly")
    assert where == "/account?done=welcome_pending", where
    page = member.get(where)
    assert "waiting for its payment of 5.00" in page.body, page.body
    assert member_row(stack, mid)[0] is None
    staff = stack.login(*LIBRARIAN)
    # Pending: the desk refuses to lend, and says why.
    code = add_title(stack, "Pending Reading")
    r = checkout(staff, email, code)
    assert r.status == 422 and "waiting for its payment of 5.00" in r.body, r
    # A desk payment activates it: 30 days from today.
    r = desk_renew(staff, mid, "Monthly")
    assert r.status == 303 and r.header("Location").startswith("/payments/"), r
    receipt = staff.get(r.header("Location"))
    assert receipt.status == 200, receipt
    assert "<strong>5.00 €</strong>" in receipt.body and "Monthly membership" in receipt.body
    assert shown_day(today(30)) in receipt.body, receipt.body
    assert member_row(stack, mid)[0] == str(today(30))
    rows = payments(stack, mid)
    assert len(rows) == 1 and rows[0][:4] == (500, "plan", "cash", "completed"), rows
    assert rows[0][4] is not None   # who recorded it
    with stack.db() as db:
        periods = db.execute("SELECT status, start_day, end_day FROM membership "
                             "WHERE account_id = ? ORDER BY id", (mid,)).fetchall()
    assert periods == [("active", str(today()), str(today(30)))], periods
    assert "valid until <strong>%s</strong>" % shown_day(today(30)) in member.get("/account").body
    assert checkout(staff, email, code).status == 303
    # Renewing early extends from the current expiry, not from today.
    r = desk_renew(staff, mid, "Monthly", method="card")
    assert r.status == 303, r
    assert member_row(stack, mid)[0] == str(today(60))
    page = staff.get("/staff/members/%d" % mid)
    assert page.body.count(">Monthly</td>") == 2, page.body
    # The member sees their receipts; another member cannot.
    pid = int(r.header("Location").split("/")[2].split("?")[0])
    assert member.get("/payments/%d" % pid).status == 200
    other, _, _, _ = register(stack, "Student")
    assert other.get("/payments/%d" % pid).status == 404


def test_expired_member_is_refused_then_renews_online(stack):
    member, email, mid, _ = register(stack, "Student")
    assert member_row(stack, mid)[0] == str(today(180))
    staff = stack.login(*LIBRARIAN)
    code = add_title(stack, "Expiry Reading")
    try:
        set_clock(stack, 200)
        page = member.get("/account")
        assert page.status == 200, page   # an expired member can still log in
        assert "expired on <strong>%s</strong>" % shown_day(today(180)) in page.body, page.body
        r = checkout(staff, email, code)
        assert r.status == 422 and "membership expired on %s" % today(180) in r.body, r
        # Online renewal through the test provider: from today, not from expiry.
        page = member.get("/account/payments")
        answer = pay_online(member, {"purpose": "plan", "plan": plan_id(page, "Monthly")})
        assert answer["status"] == "completed" and answer["amount_cents"] == "500"
        assert payments(stack, mid)[-1][3] == "pending"
        r = member.post("/payments/callback", answer)
        assert r.status == 303 and r.header("Location") == "/account/payments?done=paid", r
        assert payments(stack, mid)[-1][:4] == (500, "plan", "online", "completed")
        assert member_row(stack, mid)[0] == str(today(230))
        assert checkout(staff, email, code).status == 303
        # The same answer again is a replay: refused, nothing changes.
        r = member.post("/payments/callback", answer)
        assert r.status == 400 and "already received" in r.body, r
        assert member_row(stack, mid)[0] == str(today(230))
        assert len(payments(stack, mid)) == 1
    finally:
        set_clock(stack, 0)


def test_forged_and_altered_callbacks_change_nothing(stack):
    member, _, mid, _ = register(stack, "Monthly")
    page = member.get("/account/payments")
    answer = pay_online(member, {"purpose": "plan", "plan": plan_id(page, "Monthly")})
    before = payments(stack, mid)
    forgeries = [
        dict(answer, amount_cents="1"),                         # a cheaper payment
        dict(answer, signature="00" * 64),                      # no signature
        dict(answer, signature=answer["signature"][:-2] + ("00" if answer["signature"][-2:] != "00" else "11")),
        dict(answer, nonce="f" * 32),                           # another nonce
        dict(answer, reference="T-000000000000"),               # another payment
        {k: v for k, v in answer.items() if k != "signature"},  # unsigned
        dict(answer, status="refunded"),
    ]
    for forged in forgeries:
        r = member.post("/payments/callback", forged)
        assert r.status == 400, (forged, r)
        assert payments(stack, mid) == before
        assert member_row(stack, mid)[0] is None
    # A declined payment, turned into "completed", is a forgery too.
    declined = pay_online(member, {"purpose": "plan", "plan": plan_id(page, "Monthly")},
                          decision="decline")
    r = member.post("/payments/callback", dict(declined, status="completed"))
    assert r.status == 400 and "could not be verified" in r.body, r
    r = member.post("/payments/callback", declined)
    assert r.status == 303 and r.header("Location").endswith("done=declined"), r
    assert payments(stack, mid)[-1][3] == "failed"
    assert member_row(stack, mid)[0] is None
    # The genuine answer still works after all that.
    r = member.post("/payments/callback", answer)
    assert r.status == 303, r
    assert member_row(stack, mid)[0] == str(today(30))


def test_fines_paid_online_and_at_the_desk(stack):
    member, email, mid, _ = register(stack, "Student")
    with stack.db() as db:
        db.execute("INSERT INTO fine(account_id, kind, amount_cents, at) "
                   "VALUES (?, 'accrued', 350, 0)", (mid,))
    page = member.get("/account/payments")
    assert "You owe <strong>3.50 €</strong>" in page.body, page.body
    staff = stack.login(*LIBRARIAN)
    # At the desk: more than owed is refused; a part payment is a payment row.
    mpage = staff.get("/staff/members/%d" % mid)
    r = staff.post("/staff/members/%d/fines" % mid, {"amount": "9.00", "action": "pay",
                                                     "csrf": mpage.csrf()})
    assert r.status == 422 and "owes 3.50" in r.body, r
    r = staff.post("/staff/members/%d/fines" % mid, {"amount": "1.00", "action": "pay",
                                                     "method": "card", "csrf": mpage.csrf()})
    assert r.status == 303, r
    assert payments(stack, mid)[-1][:4] == (100, "fine", "card", "completed")
    # Online, the rest.
    answer = pay_online(member, {"purpose": "fine"})
    assert answer["amount_cents"] == "250", answer
    assert member.post("/payments/callback", answer).status == 303
    with stack.db() as db:
        balance = db.execute("SELECT sum(amount_cents) FROM fine WHERE account_id = ?",
                             (mid,)).fetchone()[0]
        linked = db.execute("SELECT count(*) FROM fine WHERE account_id = ? AND "
                            "payment_id IS NOT NULL", (mid,)).fetchone()[0]
    assert balance == 0 and linked == 2, (balance, linked)
    assert "You owe" not in member.get("/account/payments").body


def test_desk_payment_refusals_save_nothing(stack):
    _, _, mid, _ = register(stack, "Student")
    staff = stack.login(*LIBRARIAN)
    page = staff.get("/staff/members/%d/payments" % mid)
    assert page.status == 200, page
    for fields, message in [
        ({"purpose": "other", "amount": "2.00", "method": "cash"}, "Say what the payment is for"),
        ({"purpose": "other", "amount": "abc", "method": "cash", "note": "x"}, "Enter the amount"),
        ({"purpose": "plan", "plan": "999", "method": "cash"}, "Choose one of the plans"),
        ({"purpose": "fine", "amount": "1.00", "method": "cash"}, "owes 0.00"),
        ({"purpose": "other", "amount": "2.00", "method": "online", "note": "x"}, "cash or card"),
        ({"purpose": "gift", "amount": "2.00", "method": "cash", "note": "x"}, "what the payment is for"),
    ]:
        r = staff.post("/staff/members/%d/payments" % mid, dict(fields, csrf=page.csrf()))
        assert r.status == 422 and message in r.body, (fields, r)
    assert payments(stack, mid) == []
    r = staff.post("/staff/members/%d/payments" % mid, {
        "purpose": "other", "amount": "2.00", "method": "cash", "note": "lost card",
        "csrf": page.csrf()})
    assert r.status == 303, r
    assert payments(stack, mid) == [(200, "other", "cash", "completed", payments(stack, mid)[0][4])]


def test_registration_needs_a_plan(stack):
    c = Client(stack.port)
    page = c.get("/register")
    assert "Monthly" in page.body and "Annual" in page.body and "Student" in page.body
    email = unique_email("noplan")
    r = c.post("/register", {"name": "No Plan", "email": email, "password": "member password",
                             "csrf": page.csrf()})
    assert r.status == 422 and "Choose one of the membership plans" in r.body, r
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM account WHERE email = ?",
                          (email,)).fetchone()[0] == 0


def test_registration_without_plans_on_offer(stack):
    with stack.db() as db:
        offered = [r[0] for r in db.execute("SELECT id FROM plan WHERE active")]
        db.execute("UPDATE plan SET active = 0")
    try:
        c = Client(stack.port)
        page = c.get("/register")
        assert 'name="plan"' not in page.body, page.body
        assert "No membership plans are offered online" in page.body
        email = unique_email("noplans")
        r = c.post("/register", {"name": "Planless Person", "email": email,
                                 "password": "member password", "csrf": page.csrf()})
        assert r.status == 303 and r.header("Location") == "/register/sent", r
        r = confirm_registration(stack, c, email)
        assert r.status == 303 and r.header("Location") == "/account?done=welcome_no_plan", r
        page = c.get(r.header("Location"))
        assert "No membership plans are offered online" in page.body, page.body
        assert "You have no membership yet" in page.body
        with stack.db() as db:
            mid, until = db.execute("SELECT id, member_until FROM account WHERE email = ?",
                                    (email,)).fetchone()
            n = db.execute("SELECT count(*) FROM membership WHERE account_id = ?",
                           (mid,)).fetchone()[0]
        assert until is None and n == 0, (until, n)
    finally:
        with stack.db() as db:
            db.executemany("UPDATE plan SET active = 1 WHERE id = ?", [(i,) for i in offered])


def make_members(stack, n, tag):
    """n members straight into the database (the list's own data)."""
    with stack.db() as db:
        ids = []
        for i in range(n):
            cur = db.execute(
                "INSERT INTO account(email, name, phone, password_hash, role, created_at, "
                "updated_at, member_until) VALUES (?, ?, ?, '$argon2id$x', 'member', 0, 0, ?)",
                ("%s%03d@list.example" % (tag, i), "%s Person %03d" % (tag.title(), i),
                 "+1555%04d" % i, str(today(i))))
            ids.append(cur.lastrowid)
    return ids


def test_member_list_search_sort_filter_page(stack):
    ids = make_members(stack, 60, "zeta")
    staff = stack.login(*LIBRARIAN)
    page = staff.get("/staff/members?q=zeta")
    assert page.status == 200, page
    assert "60 members<" in page.body and "Page 1 of 2" in page.body, page.body
    assert page.body.index("Zeta Person 000") < page.body.index("Zeta Person 049")
    assert "Zeta Person 050" not in page.body
    nxt = re.search(r'rel="next" href="([^"]+)"', page.body).group(1)
    page2 = staff.get(html.unescape(nxt))
    assert "Zeta Person 059" in page2.body and "Zeta Person 000" not in page2.body
    # Sort by name descending.
    page = staff.get("/staff/members?q=zeta&sort=name&dir=desc")
    assert page.body.index("Zeta Person 059") < page.body.index("Zeta Person 020")
    # By phone, email and card.
    assert "Zeta Person 007" in staff.get("/staff/members?q=%2B15550007").body
    assert "1 member<" in staff.get("/staff/members?q=zeta007%40list").body
    # Expiring within 5 days: member_until today .. today+5.
    page = staff.get("/staff/members?q=zeta&expiring=5")
    assert "6 members<" in page.body, page.body
    # Expired and owing.
    with stack.db() as db:
        db.execute("UPDATE account SET member_until = ? WHERE id = ?", (str(today(-3)), ids[1]))
        db.execute("INSERT INTO fine(account_id, kind, amount_cents, at) VALUES (?, 'accrued', 75, 0)",
                   (ids[2],))
    page = staff.get("/staff/members?q=zeta&status=expired")
    assert "1 member<" in page.body and "Zeta Person 001" in page.body, page.body
    page = staff.get("/staff/members?q=zeta&owing=1")
    assert "1 member<" in page.body and "Zeta Person 002" in page.body and "0.75" in page.body
    page = staff.get("/staff/members?q=zeta&sort=owed&dir=desc")
    assert page.body.index("Zeta Person 002") < page.body.index("Zeta Person 000")
    # By status: "active" sorts before "expired", every column is a link.
    assert 'href="/staff/members?q=zeta&amp;status=&amp;plan=0&amp;expiring=&amp;sort=status"' \
        in page.body, page.body
    page = staff.get("/staff/members?q=zeta&sort=status&dir=desc")
    assert page.body.index("Zeta Person 001") < page.body.index("Zeta Person 000"), page.body
    assert "Zeta Person 059" not in page.body     # ties by name: on page 2
    page = staff.get("/staff/members?q=zeta&sort=status")
    assert "Zeta Person 001" not in page.body     # last of 60: on page 2
    # A filter that is not a choice is a 400, not an error inside.
    assert staff.get("/staff/members?status=bogus").status == 400
    assert staff.get("/staff/members?sort=%27%3Bdrop").status == 200   # unknown sort: by name


def test_member_list_finds_a_card_number(stack):
    _, _, mid, _ = register(stack, "Student", name="Carded Person")
    card = member_row(stack, mid)[1]
    assert len(card) == 10 and card.isdigit(), card
    staff = stack.login(*LIBRARIAN)
    page = staff.get("/staff/members?q=" + card)
    assert "1 member<" in page.body and "Carded Person" in page.body, page.body
    assert '<td data-label="Card">%s</td>' % card in page.body
    page = staff.get("/staff/members?q=" + card[:9])
    assert "0 members<" in page.body, page.body


def test_member_list_by_plan_and_pending(stack):
    _, _, monthly_id, _ = register(stack, "Monthly", name="Planny Pending")
    staff = stack.login(*LIBRARIAN)
    page = staff.get("/staff/members?status=pending&q=Planny")
    assert "Planny Pending" in page.body and "1 member<" in page.body, page.body
    desk_renew(staff, monthly_id, "Monthly")
    page = staff.get("/staff/members?q=Planny&plan=" + plan_id(page, "Monthly"))
    assert "Planny Pending" in page.body and "1 member<" in page.body, page.body
    page = staff.get("/staff/members?q=Planny&status=active")
    assert "Planny Pending" in page.body


def test_staff_create_and_edit_member(stack):
    staff = stack.login(*LIBRARIAN)
    page = staff.get("/staff/members/new")
    assert page.status == 200, page
    email = unique_email("made")
    r = staff.post("/staff/members/new", {"name": "", "email": "nope", "category": "",
                                          "csrf": page.csrf()})
    assert r.status == 422 and "Please enter a name." in r.body, r
    r = staff.post("/staff/members/new", {
        "name": "Made At Desk", "email": email, "phone": "+44 1632 960000",
        "category": "child", "plan": plan_id(page, "Annual"), "csrf": page.csrf()})
    # The temporary password is shown in the answer itself, never in a URL.
    assert r.status == 200 and r.header("Location") is None, r
    made = r
    pw = re.search(r"Temporary password: <strong><code>([0-9a-f]{12})</code>", made.body)
    assert pw, made.body
    assert "waiting for payment of Annual (40.00 €)" in made.body, made.body
    with stack.db() as db:
        mid, category = db.execute("SELECT id, category FROM account WHERE email = ?",
                                   (email,)).fetchone()
    assert category == "child"
    # The member can log in with the temporary password, and is sent to
    # choose their own before any other page.
    member = stack.login(email, pw.group(1))
    r = member.get("/account")
    assert r.status == 303 and r.header("Location").startswith("/password/change"), r
    page = member.get("/password/change")
    r = member.post("/password/change", {"password": "chosen by me", "password_again":
                                         "chosen by me", "csrf": page.csrf()})
    assert r.status == 303, r
    assert member.get("/account").status == 200
    # Edit.
    page = staff.get("/staff/members/%d/edit" % mid)
    r = staff.post("/staff/members/%d/edit" % mid, {
        "name": "Renamed Person", "email": email, "phone": "", "category": "adult",
        "csrf": page.csrf()})
    assert r.status == 303, r
    with stack.db() as db:
        assert db.execute("SELECT name, category FROM account WHERE id = ?",
                          (mid,)).fetchone() == ("Renamed Person", "adult")
    r = staff.post("/staff/members/%d/edit" % mid, {
        "name": "Renamed Person", "email": LIBRARIAN[0], "category": "adult",
        "csrf": page.csrf()})
    assert r.status == 422 and "already" in r.body, r


def test_admin_plans(stack):
    admin = stack.login(*ADMIN)
    page = admin.get("/admin/plans")
    assert page.status == 200 and "Monthly" in page.body, page
    r = admin.post("/admin/plans", {"name": "Weekly", "duration_days": "0", "price": "x",
                                    "csrf": page.csrf()})
    assert r.status == 422 and "duration" in r.body and "price" in r.body, r
    r = admin.post("/admin/plans", {"name": "Weekly", "duration_days": "7", "price": "1.50",
                                    "active": "1", "csrf": page.csrf()})
    assert r.status == 303, r
    assert "Weekly" in Client(stack.port).get("/register").body
    r = admin.post("/admin/plans", {"name": "weekly", "duration_days": "7", "price": "1",
                                    "csrf": page.csrf()})
    assert r.status == 422 and "already has this name" in r.body, r
    with stack.db() as db:
        wid = db.execute("SELECT id FROM plan WHERE name = 'Weekly'").fetchone()[0]
    r = admin.post("/admin/plans/%d" % wid, {"name": "Weekly", "duration_days": "7",
                                             "price": "1.50", "csrf": page.csrf()})
    assert r.status == 303, r
    assert "Weekly" not in Client(stack.port).get("/register").body   # retired
    staff = stack.login(*LIBRARIAN)
    assert staff.get("/admin/plans").status == 403


if __name__ == "__main__":
    sys.exit(run_with_staff(globals()))
