#!/usr/bin/env python3
"""End-to-end tests of staff accounts made and kept by admins: the form at
/admin/users/new (a librarian or an admin), the temporary password shown
once and changed at first login (every page leads to /password/change
until then), refusals kept beside their field (an email taken, no role),
a librarian refused the page and its form (403, with a valid form token
of their own too), disabling an account (its sessions end at once, its
login is refused with a clear message only for the right password, its
history stays) and enabling it again, an admin refused disabling
themselves, and `carrel user add` still making accounts that log in."""
import html
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Client, run_module  # noqa: E402
from circ import ADMIN, LIBRARIAN, circ_stack  # noqa: E402

_n = [0]


def fresh_email(tag):
    _n[0] += 1
    return "%s%d.%d@test.example" % (tag, _n[0], os.getpid())


def account(stack, email):
    with stack.db() as db:
        return db.execute("SELECT id, role, must_change_password, disabled_at FROM account "
                          "WHERE email = ?", (email,)).fetchone()


def audit(stack, action, aid):
    with stack.db() as db:
        return db.execute("SELECT actor_id, detail FROM audit WHERE action = ? AND object = ? "
                          "ORDER BY id", (action, "account:%d" % aid)).fetchall()


def field_error(body, field_id):
    m = re.search(r'<p class="field-error" id="%s"[^>]*>(.*?)</p>' % re.escape(field_id),
                  body, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip() if m else None


def input_value(body, field_id):
    m = re.search(r'<input id="%s"[^>]*value="([^"]*)"' % re.escape(field_id), body)
    return html.unescape(m.group(1)) if m else None


def create(admin, name, email, role):
    page = admin.get("/admin/users/new")
    assert page.status == 200, page
    fields = {"csrf": page.csrf(), "name": name, "email": email}
    if role is not None:
        fields["role"] = role
    return admin.post("/admin/users/new", fields)


def temporary_password(page):
    m = re.search(r'<p class="temporary-password"><code>([^<]+)</code></p>', page.body)
    assert m, page
    return html.unescape(m.group(1))


def log_in(stack, email, password):
    c = Client(stack.port)
    r = c.form("/login", "/login", {"email": email, "password": password})
    return c, r


def new_staff(stack, admin, role="librarian"):
    """An account made on the web: (email, temporary password)."""
    email = fresh_email(role)
    r = create(admin, "New %s" % role.title(), email, role)
    assert r.status == 200, r
    return email, temporary_password(r)


def choose(client, password, again=None, next_=None):
    page = client.get("/password/change")
    assert page.status == 200, page
    fields = {"csrf": page.csrf(), "password": password,
              "password_again": password if again is None else again}
    if next_:
        fields["next"] = next_
    return client.post("/password/change", fields)


def admin_users_action(admin, aid, action):
    page = admin.get("/admin/users")
    return admin.post("/admin/users/%d/%s" % (aid, action), {"csrf": page.csrf(), "q": ""})


# ---- making accounts ----

def test_an_admin_makes_a_staff_account(stack):
    admin = stack.login(*ADMIN)
    page = admin.get("/admin/users")
    assert 'href="/admin/users/new"' in page.body
    email = fresh_email("lib")
    r = create(admin, "Lena Shelver", email, "librarian")
    assert r.status == 200, r
    assert r.header("Cache-Control") == "no-store"
    password = temporary_password(r)
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", password), password
    assert "Lena Shelver" in html.unescape(r.body) and "only time it is shown" in r.body
    aid, role, must_change, disabled = account(stack, email)
    assert (role, must_change, disabled) == ("librarian", 1, None)
    with stack.db() as db:
        stored = db.execute("SELECT password_hash FROM account WHERE id = ?", (aid,)).fetchone()[0]
    assert stored.startswith("$argon2id$") and password not in stored
    (actor, detail), = audit(stack, "account.create", aid)
    assert actor == account(stack, ADMIN[0])[0] and "librarian" in detail
    # Never shown again: the users page has no password on it.
    assert password not in admin.get("/admin/users?q=" + urllib.parse.quote(email)).body
    assert password not in stack.read_log()
    # A second one differs: the password is random.
    _, other = new_staff(stack, admin, "admin")
    assert other != password


def test_refused_forms_keep_what_was_typed(stack):
    admin = stack.login(*ADMIN)
    r = create(admin, "Second Desk", LIBRARIAN[0].upper(), "librarian")
    assert r.status == 409, r
    assert "already exists" in field_error(r.body, "email-error")
    assert input_value(r.body, "name") == "Second Desk"
    assert input_value(r.body, "email") == LIBRARIAN[0].upper()
    assert re.search(r'value="librarian" checked', r.body)
    email = fresh_email("norole")
    r = create(admin, "", email, None)
    assert r.status == 422, r
    assert field_error(r.body, "name-error") == "Please enter a name."
    assert field_error(r.body, "role-error") == "Choose librarian or admin."
    assert input_value(r.body, "email") == email
    r = create(admin, "A Member", email, "member")
    assert r.status == 422 and field_error(r.body, "role-error"), r
    assert account(stack, email) is None


def test_a_librarian_cannot_make_accounts(stack):
    lib = stack.login(*LIBRARIAN)
    r = lib.get("/admin/users/new")
    assert r.status == 403, r
    # A valid form token from the librarian's own session changes nothing.
    token = lib.get("/staff/checkout").csrf()
    assert token
    email = fresh_email("sneaky")
    r = lib.post("/admin/users/new", {"csrf": token, "name": "Sneaky Admin",
                                      "email": email, "role": "admin"})
    assert r.status == 403, r
    assert account(stack, email) is None
    target = account(stack, ADMIN[0])[0]
    r = lib.post("/admin/users/%d/disable" % target, {"csrf": token})
    assert r.status == 403, r
    assert account(stack, ADMIN[0])[3] is None
    assert Client(stack.port).get("/admin/users/new").status == 303


# ---- the first login ----

def test_the_temporary_password_must_be_changed_first(stack):
    admin = stack.login(*ADMIN)
    email, temporary = new_staff(stack, admin)
    c, r = log_in(stack, email, temporary)
    assert r.status == 303, r
    # Every page leads to the change-password page, the way back kept.
    r = c.get("/staff")
    assert r.status == 303 and r.header("Location") == "/password/change?next=%2Fstaff", r
    r = c.get("/catalogue?q=atlas")
    assert r.status == 303 and r.header("Location").startswith("/password/change?next="), r
    r = c.get("/account/profile")
    assert r.status == 303, r
    # A form posted meanwhile does nothing.
    page = c.get("/password/change")
    assert page.status == 200 and "temporary password" in page.body, page
    with stack.db() as db:
        sections = db.execute("SELECT count(*) FROM section").fetchone()[0]
    r = c.post("/staff/sections", {"csrf": page.csrf(), "name": "Made Too Early"})
    assert r.status == 303 and r.header("Location") == "/password/change", r
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM section").fetchone()[0] == sections
    # Refusals beside the field.
    r = choose(c, "brand new secret", "brand new secrte")
    assert r.status == 422 and "not the same" in field_error(r.body, "password_again-error"), r
    r = choose(c, temporary)
    assert r.status == 422 and "temporary password" in field_error(r.body, "password-error"), r
    r = choose(c, "short")
    assert r.status == 422 and "8 characters" in field_error(r.body, "password-error"), r
    assert account(stack, email)[2] == 1
    # Chosen: back to the page first asked for, and free to go anywhere.
    r = choose(c, "my own long secret", next_="/staff")
    assert r.status == 303 and r.header("Location") == "/staff", r
    assert c.get("/staff").status == 200
    assert c.get("/password/change").status == 200   # still reachable, not forced
    aid = account(stack, email)[0]
    assert account(stack, email)[2] == 0
    assert len(audit(stack, "account.password-chosen", aid)) == 1
    # The temporary one no longer works; the new one does, with no detour.
    _, r = log_in(stack, email, temporary)
    assert r.status == 422, r
    c2, r = log_in(stack, email, "my own long secret")
    assert r.status == 303, r
    assert c2.get("/staff").status == 200


def test_log_out_is_allowed_before_changing(stack):
    admin = stack.login(*ADMIN)
    email, temporary = new_staff(stack, admin)
    c, r = log_in(stack, email, temporary)
    page = c.get("/password/change")
    r = c.post("/logout", {"csrf": page.csrf()})
    assert r.status == 303 and r.header("Location") == "/", r
    assert c.get("/staff").status == 303
    assert c.get("/staff").header("Location").startswith("/login")


# ---- disabling ----

def test_disabling_ends_sessions_and_logins_and_keeps_history(stack):
    admin = stack.login(*ADMIN)
    email = fresh_email("gone")
    stack.add_user(email, "Leaving Librarian", "librarian", "leaving password")
    aid = account(stack, email)[0]
    lib = stack.login(email, "leaving password")
    assert lib.get("/staff").status == 200
    with stack.db() as db:
        logins = db.execute("SELECT count(*) FROM audit WHERE actor_id = ?", (aid,)).fetchone()[0]
    assert logins >= 1

    r = admin_users_action(admin, aid, "disable")
    assert r.status == 303 and "done=disabled" in r.header("Location"), r
    assert "can no longer log in" in admin.get(r.header("Location")).body
    assert account(stack, email)[3] is not None
    # Its live session is over at once.
    r = lib.get("/staff")
    assert r.status == 303 and r.header("Location").startswith("/login"), r
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM session WHERE account_id = ?",
                          (aid,)).fetchone()[0] == 0
    # The right password: told plainly. A wrong one: the usual words only.
    refused, r = log_in(stack, email, "leaving password")
    assert r.status == 409 and "has been disabled" in r.body, r
    assert "carrel_session" not in refused.cookies
    _, r = log_in(stack, email, "not the password")
    assert r.status == 422 and "is not right" in r.body and "disabled" not in r.body, r
    # The history stays: the account, its audit rows.
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM audit WHERE actor_id = ?",
                          (aid,)).fetchone()[0] == logins
        assert db.execute("SELECT name FROM account WHERE id = ?",
                          (aid,)).fetchone()[0] == "Leaving Librarian"
    page = admin.get("/admin/users?q=" + urllib.parse.quote(email))
    assert "<strong>Disabled</strong>" in page.body and "Enable Leaving Librarian" in page.body
    (actor, detail), = audit(stack, "account.disable", aid)
    assert actor == account(stack, ADMIN[0])[0] and "Leaving Librarian" in detail

    r = admin_users_action(admin, aid, "enable")
    assert r.status == 303 and "done=enabled" in r.header("Location"), r
    assert account(stack, email)[3] is None
    again = stack.login(email, "leaving password")
    assert again.get("/staff").status == 200
    assert len(audit(stack, "account.enable", aid)) == 1


def test_an_admin_cannot_disable_themselves(stack):
    admin = stack.login(*ADMIN)
    me = account(stack, ADMIN[0])[0]
    page = admin.get("/admin/users?q=" + urllib.parse.quote(ADMIN[0]))
    assert 'action="/admin/users/%d/disable"' % me not in page.body
    r = admin.post("/admin/users/%d/disable" % me, {"csrf": page.csrf()})
    assert r.status == 422, r
    assert "your own account" in field_error(r.body, "disable-error-%d" % me)
    assert account(stack, ADMIN[0])[3] is None
    assert admin.get("/admin/users").status == 200
    assert audit(stack, "account.disable", me) == []


def test_an_admin_made_on_the_web_can_disable_another(stack):
    """A second admin, made on the web, disables the first one (logged out
    at once), cannot disable themselves, and enables the first again.
    (That the last enabled admin is kept is in tests/unit/test_staff.c:
    through the web the admin acting is always another enabled admin.)"""
    admin = stack.login(*ADMIN)
    email, temporary = new_staff(stack, admin, "admin")
    c, _ = log_in(stack, email, temporary)
    assert choose(c, "second admin secret").status == 303
    second = account(stack, email)[0]
    me = account(stack, ADMIN[0])[0]
    assert admin_users_action(c, me, "disable").status == 303
    assert admin.get("/admin/users").status == 303       # logged out at once
    _, r = log_in(stack, *ADMIN)
    assert r.status == 409, r
    r = admin_users_action(c, second, "disable")
    assert r.status == 422, r
    assert account(stack, email)[3] is None
    assert admin_users_action(c, me, "enable").status == 303
    assert stack.login(*ADMIN).get("/admin/users").status == 200


def test_the_command_line_still_makes_accounts(stack):
    email = fresh_email("cli")
    stack.add_user(email, "Command Line", "librarian", "cli password 1")
    _, role, must_change, disabled = account(stack, email)
    assert (role, must_change, disabled) == ("librarian", 0, None)
    c = stack.login(email, "cli password 1")
    assert c.get("/staff").status == 200


if __name__ == "__main__":
    sys.exit(run_module(globals(), circ_stack()))
