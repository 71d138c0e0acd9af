"""Helpers shared by the membership and payment suites: members made by
registering, desk renewals and online payments through the built-in test
provider. The stack, its staff, the library's clock and the desk come from
the circulation suites' helpers (circ.py)."""
import html
import os
import re

import circ
from circ import ADMIN, LIBRARIAN, checkout, circ_stack, set_clock, today  # noqa: F401
from harness import Client, confirm_registration, plan_id, run_module

_n = [0]


def unique_email(tag="m"):
    _n[0] += 1
    return "%s%d.%d@test.example" % (tag, _n[0], os.getpid())


def register(stack, plan, name="Reg Ister"):
    c = Client(stack.port)
    email = unique_email("reg")
    page = c.get("/register")
    r = c.post("/register", {"name": name, "email": email, "password": "member password",
                             "plan": plan_id(page, plan), "csrf": page.csrf()})
    assert r.status == 303 and r.header("Location") == "/register/sent", r
    r = confirm_registration(stack, c, email, clear=True)
    assert r.status == 303, r
    with stack.db() as db:
        mid = db.execute("SELECT id FROM account WHERE email = ?", (email,)).fetchone()[0]
    return c, email, mid, r.header("Location")


def shown_day(day):
    """A date as pages show it to people: "22 Nov 2026"."""
    return "%d %s" % (day.day, day.strftime("%b %Y"))


def member_row(stack, mid):
    with stack.db() as db:
        return db.execute("SELECT member_until, card_number FROM account WHERE id = ?",
                          (mid,)).fetchone()


def payments(stack, mid):
    with stack.db() as db:
        return db.execute("SELECT amount_cents, purpose, method, status, recorded_by "
                          "FROM payment WHERE account_id = ? ORDER BY id", (mid,)).fetchall()


def add_title(stack, title):
    """A title with one copy; returns the copy's barcode."""
    return circ.add_title(stack, title)[1][0]


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
    return run_module(namespace, circ_stack())
