"""Helpers of the circulation end-to-end suites (and, through
members_helpers, of the membership ones): a stack whose clock tests can
move (the setting test.clock_offset, with CARREL_TEST_CLOCK=1), staff
accounts, titles and members made quickly, and the desk's forms."""
import datetime
import os
import re

from harness import Stack

LIBRARIAN = ("desk@test.example", "desk password 1")
ADMIN = ("boss@test.example", "boss password 1")
_n = [0]


def today(offset_days=0):
    return (datetime.datetime.now(datetime.timezone.utc).date()
            + datetime.timedelta(days=offset_days))


def set_clock(stack, days):
    with stack.db() as db:
        db.execute("INSERT OR REPLACE INTO setting(key, value) VALUES ('test.clock_offset', ?)",
                   (str(days * 86400),))


def add_title(stack, title, copies=1, fmt="print"):
    """A title with copies, straight into the database (the catalogue
    screens have their own tests). Returns (title id, [barcodes])."""
    _n[0] += 1
    with stack.db() as db:
        cur = db.execute("INSERT INTO title(title, format, created_at, updated_at) "
                         "VALUES (?, ?, 0, 0)", (title, fmt))
        tid = cur.lastrowid
        codes = []
        for i in range(copies):
            code = "C%04d%02d" % (_n[0], i)
            db.execute("INSERT INTO copy(barcode, title_id, created_at) VALUES (?, ?, 0)",
                       (code, tid))
            codes.append(code)
    return tid, codes


def member(stack, name):
    _n[0] += 1
    email = "m%d.%d@test.example" % (_n[0], os.getpid())
    stack.add_user(email, name, "member", "member password")
    c = stack.login(email, "member password")
    with stack.db() as db:
        mid = db.execute("SELECT id FROM account WHERE email = ?", (email,)).fetchone()[0]
    return c, email, mid


def checkout(staff, who, barcode):
    page = staff.get("/staff/checkout")
    return staff.post("/staff/checkout", {"member": who, "barcode": barcode, "csrf": page.csrf()})


def lend_new_title(stack, staff, who, title):
    """A new title whose only copy the desk lends to who (email or card)
    today. Returns (title id, barcode, loan id)."""
    tid, (code,) = add_title(stack, title)
    r = checkout(staff, who, code)
    assert r.status == 303, r
    return tid, code, loan_row(stack, code)[0]


def checkin(staff, barcode):
    page = staff.get("/staff/checkin")
    return staff.post("/staff/checkin", {"barcode": barcode, "csrf": page.csrf()})


def loan_row(stack, barcode):
    with stack.db() as db:
        return db.execute("SELECT l.id, l.due_day, l.renewals, l.returned_at, l.fine_cents "
                          "FROM loan l JOIN copy c ON c.id = l.copy_id WHERE c.barcode = ? "
                          "ORDER BY l.id DESC LIMIT 1", (barcode,)).fetchone()


def copy_status(stack, barcode):
    with stack.db() as db:
        return db.execute("SELECT status FROM copy WHERE barcode = ?", (barcode,)).fetchone()[0]


def alert(body):
    m = re.search(r'<p class="alert" role="alert">(.*?)</p>', body, re.S)
    return re.sub(r"<[^>]+>", "", m.group(1)) if m else None


def days(n):
    return today(n).isoformat()


def shown_days(n):
    """today(n) as pages show dates to people: "22 Nov 2026"."""
    d = today(n)
    return "%d %s" % (d.day, d.strftime("%b %Y"))


def read_form_token(client, path="/account/profile"):
    """A form token from a page that changes nothing when read."""
    token = client.get(path).csrf()
    assert token, "no form token on " + path
    return token


def place_hold(client, tid):
    page = client.get("/titles/%d" % tid)
    return client.post("/titles/%d/hold" % tid, {"csrf": page.csrf()})


RULE_DEFAULTS = {"loan_days": "21", "max_loans": "5", "max_renewals": "3",
                 "fine_per_day": "0.25", "grace_days": "1", "fine_cap": "10.00",
                 "hold_pickup_days": "7"}


def post_rule(admin, category, item_type, action="/admin/rules", **values):
    """Add a rule (or, with action /admin/rules/{id}, change one) through
    the admin's form: the design's defaults but for the values given."""
    page = admin.get("/admin/rules")
    fields = dict(RULE_DEFAULTS, category=category, item_type=item_type, csrf=page.csrf())
    fields.update(values)
    return admin.post(action, fields)


def ledger(stack, mid):
    with stack.db() as db:
        return db.execute("SELECT kind, amount_cents FROM fine WHERE account_id = ? "
                          "ORDER BY id", (mid,)).fetchall()


def circ_stack():
    """A stack with a librarian and an admin. Sessions outlive the test
    clock's jumps of weeks; the public page cache is off."""
    stack = Stack(CARREL_TEST_CLOCK=1, CARREL_PUBLIC_CACHE_SECONDS=0,
                  CARREL_SESSION_IDLE=315360000, CARREL_SESSION_MAX=315360000)
    r = stack.cli("migrate")
    assert r.returncode == 0, r.stderr
    stack.add_user(LIBRARIAN[0], "Desk Person", "librarian", LIBRARIAN[1])
    stack.add_user(ADMIN[0], "Boss Person", "admin", ADMIN[1])
    return stack
