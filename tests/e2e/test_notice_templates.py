#!/usr/bin/env python3
"""End-to-end tests of /admin/notices, the texts of notices: the list of
kinds, an edit previewed with a sample member (nothing saved), saved (the
next notice uses it, the audit trail has it), a broken template refused
with its part and line beside the field and the typed text kept, the HTML
preview kept harmless, the default text restored, and the pages closed to
everyone but admins."""
import html
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import circ  # noqa: E402
from circ import ADMIN, LIBRARIAN, circ_stack, lend_new_title  # noqa: E402
from harness import Client, run_module  # noqa: E402

NOW = "2026-12-10T08:00"


def texts(stack, kind):
    with stack.db() as db:
        return db.execute("SELECT subject, body_text, body_html, sms_text, updated_at, "
                          "updated_by FROM notice_template WHERE kind = ?", (kind,)).fetchone()


def defaults(stack, kind):
    with stack.db() as db:
        return db.execute("SELECT subject, body_text, body_html, sms_text "
                          "FROM notice_template_default WHERE kind = ?", (kind,)).fetchone()


def textarea(body, name):
    m = re.search(r'<textarea id="%s"[^>]*>(.*?)</textarea>' % name, body, re.S)
    assert m, "no textarea " + name
    return html.unescape(m.group(1))


def field_error(body, name):
    m = re.search(r'<p class="field-error" id="%s-error">(.*?)</p>' % name, body, re.S)
    return html.unescape(m.group(1)) if m else None


def send(admin, kind, action, **changes):
    """The edit form of kind as stored, with changes, sent with action."""
    page = admin.get("/admin/notices/%s" % kind)
    assert page.status == 200, page
    m = re.search(r'<input id="subject" name="subject" value="([^"]*)"', page.body)
    fields = {"subject": html.unescape(m.group(1)),
              "body_text": textarea(page.body, "body_text"),
              "body_html": textarea(page.body, "body_html"),
              "sms_text": textarea(page.body, "sms_text"),
              "action": action, "csrf": page.csrf()}
    fields.update(changes)
    return admin.post("/admin/notices/%s" % kind, fields)


def test_the_list_names_every_kind(stack):
    admin = stack.login(*ADMIN)
    page = admin.get("/admin/notices")
    assert page.status == 200, page
    for name in ("Loan due soon", "Loan overdue", "Membership ending", "Hold ready to collect",
                 "Hold not collected", "Payment received"):
        assert name in page.body, name
    assert 'href="/admin/notices/due-soon"' in page.body
    assert "A few days before a loan is due" in page.body


def test_only_admins_may_see_or_change_them(stack):
    staff = stack.login(*LIBRARIAN)
    member, _, _ = circ.member(stack, "Nosy Member")
    for who in (staff, member):
        assert who.get("/admin/notices").status == 403
        assert who.get("/admin/notices/due-soon").status == 403
        token = circ.read_form_token(who, "/account/profile")
        r = who.post("/admin/notices/due-soon", {"subject": "Hacked", "body_text": "x",
                                                 "action": "save", "csrf": token})
        assert r.status == 403, r
    assert texts(stack, "due-soon")[0] == defaults(stack, "due-soon")[0]
    anonymous = Client(stack.port)
    r = anonymous.get("/admin/notices")
    assert r.status == 303 and "/login" in r.header("Location"), r


def test_the_preview_shows_a_sample_member(stack):
    circ.member(stack, "Pat Sample")      # a real member of the library
    admin = stack.login(*ADMIN)
    page = admin.get("/admin/notices/due-soon")
    assert page.status == 200, page
    with stack.db() as db:
        first = db.execute("SELECT name FROM account WHERE role = 'member' "
                           "ORDER BY id LIMIT 1").fetchone()[0]
    assert "As %s would get it" % first in page.body, page.body
    assert re.search(r'<pre class="preview-text">Dear %s,' % re.escape(first), page.body)
    assert '<iframe class="preview-html" sandbox=""' in page.body
    assert re.search(r'<pre class="preview-sms">[^<]*is due back on \d+ \w+ \d{4}\.</pre>',
                     page.body), page.body
    assert re.search(r"\d+ characters", page.body)
    # Preview an edit: shown, nothing saved.
    before = texts(stack, "due-soon")
    r = send(admin, "due-soon", "preview", subject="Please bring back {{title}} by {{due}}")
    assert r.status == 200, r
    assert re.search(r'<p class="preview-subject">Please bring back .+ by \d+ \w+ \d{4}</p>',
                     r.body), r.body
    assert 'value="Please bring back {{title}} by {{due}}"' in r.body, "typed text kept"
    assert texts(stack, "due-soon") == before


def test_every_kind_previews(stack):
    admin = stack.login(*ADMIN)
    with stack.db() as db:
        kinds = [r[0] for r in db.execute("SELECT kind FROM notice_template")]
    for kind in kinds:
        page = admin.get("/admin/notices/%s" % kind)
        assert page.status == 200, (kind, page)
        assert '<pre class="preview-text">' in page.body, kind
        preview = page.body[page.body.index('id="preview-heading"'):]
        assert "{{" not in preview and "(" + "title)" not in preview, (kind, preview)


def test_a_broken_template_is_refused_with_its_line(stack):
    admin = stack.login(*ADMIN)
    before = texts(stack, "overdue")
    broken = "Dear {{member_name}},\n\nplease return\n{{#title}}it now.\n"
    r = send(admin, "overdue", "save", body_text=broken)
    assert r.status == 422, r
    why = field_error(r.body, "body_text")
    assert why and why.startswith("Text, line 4:"), why
    assert textarea(r.body, "body_text") == broken, "what was typed is kept"
    assert texts(stack, "overdue") == before, "nothing saved"
    r = send(admin, "overdue", "save", sms_text="{{library_name}}: {{titel}} is late.")
    assert r.status == 422, r
    why = field_error(r.body, "sms_text")
    assert why and why.startswith("Text message, line 1: {{titel}} is not a field"), why
    assert texts(stack, "overdue") == before
    # The preview refuses it the same way.
    r = send(admin, "overdue", "preview", subject="Overdue: {{/title}}")
    assert r.status == 422 and field_error(r.body, "subject").startswith("Subject, line 1:"), r


def test_the_html_preview_is_kept_harmless(stack):
    admin = stack.login(*ADMIN)
    r = send(admin, "due-soon", "preview",
             body_html="<p>{{title}}</p><script>alert(1)</script>")
    assert r.status == 200, r
    m = re.search(r'<iframe class="preview-html" sandbox="" srcdoc="([^"]*)"', r.body)
    assert m, r.body
    assert "<script>" not in m.group(1) and "&lt;script&gt;" in m.group(1), m.group(1)
    assert "<script>alert" not in r.body


def test_a_saved_text_is_used_by_the_next_notice(stack):
    admin = stack.login(*ADMIN)
    r = send(admin, "due-soon", "save", subject="Back soon please: {{title}}",
             body_text="Hello {{member_name}}, {{title}} is due on {{due}}.\n")
    assert r.status == 303 and r.header("Location") == "/admin/notices/due-soon?done=saved", r
    saved = texts(stack, "due-soon")
    assert saved[0] == "Back soon please: {{title}}" and saved[4] and saved[5], saved
    with stack.db() as db:
        admin_id = db.execute("SELECT id FROM account WHERE email = ?", (ADMIN[0],)).fetchone()[0]
        audit = db.execute("SELECT actor_id, detail FROM audit WHERE action = 'notice.edit' "
                           "AND object = 'notice_template:due-soon'").fetchall()
    assert saved[5] == admin_id
    assert audit == [(admin_id, "subject, text")], audit
    listing = admin.get("/admin/notices")
    assert "by Boss Person (changed from the default)" in listing.body, listing.body
    staff = stack.login(*LIBRARIAN)
    _, email, mid = circ.member(stack, "Nell Next")
    _, _, loan = lend_new_title(stack, staff, email, "The Next Notice")
    with stack.db() as db:
        db.execute("UPDATE loan SET due_day = '2026-12-12' WHERE id = ?", (loan,))
    r = stack.cron("run", "--now", NOW)
    assert r.returncode == 0, r.stderr
    with stack.db() as db:
        subject, body = db.execute("SELECT subject, body FROM outbox WHERE account_id = ? "
                                   "AND kind = 'due-soon'", (mid,)).fetchone()
    assert subject == "Back soon please: The Next Notice", subject
    assert body == "Hello Nell Next, The Next Notice is due on 12 Dec 2026.\n", body


def test_the_default_text_comes_back(stack):
    admin = stack.login(*ADMIN)
    assert send(admin, "hold-ready", "save", subject="Come and get {{title}}").status == 303
    assert texts(stack, "hold-ready")[0] == "Come and get {{title}}"
    page = admin.get("/admin/notices/hold-ready")
    r = admin.post("/admin/notices/hold-ready/restore", {"csrf": page.csrf()})
    assert r.status == 303 and r.header("Location") == "/admin/notices/hold-ready?done=restored"
    assert texts(stack, "hold-ready")[:4] == defaults(stack, "hold-ready")
    assert "The default text was restored." in admin.get(r.header("Location")).body
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM audit WHERE action = 'notice.restore' AND "
                          "object = 'notice_template:hold-ready'").fetchone()[0] == 1
    assert admin.get("/admin/notices/no-such-kind").status == 404


if __name__ == "__main__":
    sys.exit(run_module(globals(), circ_stack()))
