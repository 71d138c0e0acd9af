"""Helpers shared by the membership and payment suites: members made by
registering, the library's clock, desk renewals and online payments through
the built-in test provider."""
import datetime
import html
import os
import re

from harness import Client, Stack, plan_id, run_module

LIBRARIAN = ("desk@test.example", "desk password 1")
ADMIN = ("boss@test.example", "boss password 1")
_n = [0]


def today(offset_days=0):
    return datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(offset_days)


def set_clock(stack, days):
    with stack.db() as db:
        db.execute("INSERT OR REPLACE INTO setting(key, value) VALUES ('test.clock_offset', ?)",
                   (str(days * 86400),))


def unique_email(tag="m"):
    _n[0] += 1
    return "%s%d.%d@test.example" % (tag, _n[0], os.getpid())


def register(stack, plan, name="Reg Ister"):
    c = Client(stack.port)
    email = unique_email("reg")
    page = c.get("/register")
    r = c.post("/register", {"name": name, "email": email, "password": "member password",
                             "plan": plan_id(page, plan), "csrf": page.csrf()})
    assert r.status == 303, r
    with stack.db() as db:
        mid = db.execute("SELECT id FROM account WHERE email = ?", (email,)).fetchone()[0]
    return c, email, mid, r.header("Location")


def member_row(stack, mid):
    with stack.db() as db:
        return db.execute("SELECT member_until, card_number FROM account WHERE id = ?",
                          (mid,)).fetchone()


def payments(stack, mid):
    with stack.db() as db:
        return db.execute("SELECT amount_cents, purpose, method, status, recorded_by "
                          "FROM payment WHERE account_id = ? ORDER BY id", (mid,)).fetchall()


def add_title(stack, title):
    _n[0] += 1
    with stack.db() as db:
        tid = db.execute("INSERT INTO title(title, created_at, updated_at) VALUES (?, 0, 0)",
                         (title,)).lastrowid
        code = "M%05d" % _n[0]
        db.execute("INSERT INTO copy(barcode, title_id, created_at) VALUES (?, ?, 0)",
                   (code, tid))
    return code


def checkout(staff, who, barcode):
    page = staff.get("/staff/checkout")
    return staff.post("/staff/checkout", {"member": who, "barcode": barcode, "csrf": page.csrf()})


def desk_renew(staff, mid, plan, method="cash"):
    page = staff.get("/staff/members/%d" % mid)
    assert page.status == 200, page
    return staff.post("/staff/members/%d/renew" % mid, {
        "plan": plan_id(page, plan), "method": method, "csrf": page.csrf()})


def provider_answer(body):
    """The hidden fields of the test provider's signed answer form."""
    form = body[body.index('id="provider-answer"'):]
    form = form[:form.index("</form>")]
    return {k: html.unescape(v) for k, v in
            re.findall(r'name="(\w+)" value="([^"]*)"', form)}


def pay_online(member, fields, decision="approve"):
    """Start an online payment from /account/payments and answer it at the
    test provider. Returns the provider's signed answer (not yet sent)."""
    page = member.get("/account/payments")
    assert page.status == 200, page
    r = member.post("/account/payments", dict(fields, csrf=page.csrf()))
    assert r.status == 303 and r.header("Location").startswith("/payments/test-provider/"), r
    checkout_page = member.get(r.header("Location"))
    assert checkout_page.status == 200 and "Approve the payment" in checkout_page.body
    r = member.post(r.header("Location"), {"decision": decision,
                                           "csrf": checkout_page.csrf()})
    assert r.status == 200, r
    return provider_answer(r.body)


def run_with_staff(namespace):
    """Run the test_* functions of a suite module (its globals()) against a
    fresh stack with a librarian and an admin, a movable clock and sessions
    that outlast the suite. Returns the exit status."""
    stack = Stack(CARREL_TEST_CLOCK=1, CARREL_PUBLIC_CACHE_SECONDS=0,
                  CARREL_SESSION_IDLE=315360000, CARREL_SESSION_MAX=315360000)
    r = stack.cli("migrate")
    assert r.returncode == 0, r.stderr
    stack.add_user(LIBRARIAN[0], "Desk Person", "librarian", LIBRARIAN[1])
    stack.add_user(ADMIN[0], "Boss Person", "admin", ADMIN[1])
    return run_module(namespace, stack)
