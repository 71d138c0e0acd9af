#!/usr/bin/env python3
"""End-to-end tests of how pages answer people: a refused form (waiving
without a reason, paying "abc" or more than is owed, a free plan taken too
early, a renewal with no plan, deleting a title with a copy out) answers
its own page with 409/422, the reason beside the control, its form token
and what was typed, and changes nothing; plan menus preselect the plan
waiting for payment and never the free one silently; a blank new-title
form shows no error banner; a page number past the last is clamped to the
last page; counts agree with their number; the member's pages show dates
and states in words; link-styled buttons carry the class the stylesheet
colours."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import plan_id  # noqa: E402
from members_helpers import (ADMIN, LIBRARIAN, add_title, checkout, member_row,  # noqa: E402
                             payments, register, run_with_staff)
import circ  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
READABLE_DAY = re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b")


def field_errors(body):
    return re.findall(r'class="field-error"[^>]*>([^<]*)<', body)


def input_value(body, name):
    m = re.search(r'<input[^>]*\bname="%s"[^>]*>' % name, body)
    assert m, "no input %s on the page" % name
    v = re.search(r'value="([^"]*)"', m.group(0))
    return v.group(1) if v else ""


def selected_option(body, select_id):
    m = re.search(r'<select id="%s".*?</select>' % select_id, body, re.S)
    assert m, "no select %s on the page" % select_id
    chosen = re.findall(r'<option value="([^"]*)"[^>]*\bselected\b[^>]*>([^<]*)', m.group(0))
    return chosen[0] if chosen else None


def assert_own_page(r, status, token, marker):
    """A refusal answered with the page the form came from, never the bare
    error page."""
    assert r.status == status, r
    assert "Error %d" % status not in r.body, "the bare error page came back"
    assert marker in r.body, "not the page the form came from: %r" % r
    assert r.csrf() == token, "the page has no form token of this session"


def staff_client(stack):
    return stack.login(*LIBRARIAN)


def fines_rows(stack, mid):
    with stack.db() as db:
        return db.execute("SELECT kind, amount_cents FROM fine WHERE account_id = ?",
                          (mid,)).fetchall()


def membership_rows(stack, mid):
    with stack.db() as db:
        return db.execute("SELECT plan_id, status, start_day, end_day FROM membership "
                          "WHERE account_id = ? ORDER BY id", (mid,)).fetchall()


# ---- refused forms answer their own page ----

def test_waive_without_reason_answers_the_member_page(stack):
    staff = staff_client(stack)
    _, _, mid = circ.member(stack, "Wendy Waive")
    page = staff.get("/staff/members/%d" % mid)
    before = fines_rows(stack, mid)
    r = staff.post("/staff/members/%d/fines" % mid, {
        "amount": "1.50", "reason": "", "method": "card", "action": "waive",
        "csrf": page.csrf()})
    assert_own_page(r, 422, page.csrf(), 'action="/staff/members/%d/fines"' % mid)
    assert any("reason" in e for e in field_errors(r.body)), field_errors(r.body)
    assert 'aria-describedby="reason-error"' in r.body
    assert input_value(r.body, "amount") == "1.50"
    assert selected_option(r.body, "method") == ("card", "card at the desk")
    assert fines_rows(stack, mid) == before


def test_desk_payment_of_abc_answers_the_payments_page(stack):
    staff = staff_client(stack)
    _, _, mid = circ.member(stack, "Abe Cee")
    page = staff.get("/staff/members/%d/payments" % mid)
    r = staff.post("/staff/members/%d/payments" % mid, {
        "purpose": "fine", "amount": "abc", "method": "cash", "note": "typed note",
        "csrf": page.csrf()})
    assert_own_page(r, 422, page.csrf(), "Record a payment at the desk")
    assert field_errors(r.body) == ["Enter the amount as a number such as 2.50."]
    assert input_value(r.body, "amount") == "abc"
    assert input_value(r.body, "note") == "typed note"
    assert selected_option(r.body, "purpose") == ("fine", "fines")
    assert payments(stack, mid) == []


def test_desk_payment_above_the_fines_owed_is_refused_beside_the_amount(stack):
    staff = staff_client(stack)
    _, _, mid = circ.member(stack, "Tom Toomuch")
    page = staff.get("/staff/members/%d/payments" % mid)
    r = staff.post("/staff/members/%d/payments" % mid, {
        "purpose": "fine", "amount": "99", "method": "cash", "note": "",
        "csrf": page.csrf()})
    assert_own_page(r, 422, page.csrf(), "Record a payment at the desk")
    errors = field_errors(r.body)
    assert len(errors) == 1 and "more than that" in errors[0], errors
    assert 'id="amount-error"' in r.body
    assert input_value(r.body, "amount") == "99"
    assert payments(stack, mid) == []


def test_fine_payment_above_the_balance_answers_the_member_page(stack):
    staff = staff_client(stack)
    _, _, mid = circ.member(stack, "Pam Payer")
    page = staff.get("/staff/members/%d" % mid)
    r = staff.post("/staff/members/%d/fines" % mid, {
        "amount": "12.00", "reason": "at the desk", "method": "cash", "action": "pay",
        "csrf": page.csrf()})
    assert_own_page(r, 422, page.csrf(), 'action="/staff/members/%d/fines"' % mid)
    assert any("more than that" in e for e in field_errors(r.body)), field_errors(r.body)
    assert input_value(r.body, "amount") == "12.00"
    assert input_value(r.body, "reason") == "at the desk"
    assert payments(stack, mid) == []


def test_free_plan_too_early_answers_the_members_payments_page(stack):
    member, _, mid = circ.member(stack, "Fran Free")   # on the free Student plan
    page = member.get("/account/payments")
    student = plan_id(page, "Student")
    before = (member_row(stack, mid), membership_rows(stack, mid))
    r = member.post("/account/payments", {"purpose": "plan", "plan": student,
                                          "csrf": page.csrf()})
    assert_own_page(r, 409, page.csrf(), "Renew or join online")
    assert len(field_errors(r.body)) == 1, field_errors(r.body)
    # The library's reason names days as pages do, not as the database does.
    assert READABLE_DAY.search(field_errors(r.body)[0]), field_errors(r.body)
    assert not ISO_DAY.search(field_errors(r.body)[0]), field_errors(r.body)
    assert 'aria-describedby="plan-error"' in r.body
    assert selected_option(r.body, "plan")[0] == student
    assert (member_row(stack, mid), membership_rows(stack, mid)) == before


def test_member_payment_without_a_plan_answers_the_payments_page(stack):
    member, _, mid = circ.member(stack, "Nora Noplan")
    page = member.get("/account/payments")
    r = member.post("/account/payments", {"purpose": "plan", "plan": "abc",
                                          "csrf": page.csrf()})
    assert_own_page(r, 422, page.csrf(), "Renew or join online")
    assert field_errors(r.body) == ["Choose one of the plans on offer."]
    assert payments(stack, mid) == []


def test_desk_renewal_without_a_plan_answers_the_member_page(stack):
    staff = staff_client(stack)
    _, _, mid = circ.member(stack, "Rene Renew")
    page = staff.get("/staff/members/%d" % mid)
    before = membership_rows(stack, mid)
    r = staff.post("/staff/members/%d/renew" % mid, {"plan": "", "method": "card",
                                                      "csrf": page.csrf()})
    assert_own_page(r, 422, page.csrf(), 'action="/staff/members/%d/renew"' % mid)
    assert 'id="renew-plan-error"' in r.body
    assert selected_option(r.body, "renew-method") == ("card", "card at the desk")
    assert membership_rows(stack, mid) == before and payments(stack, mid) == []


def test_deleting_a_title_with_a_copy_out_answers_the_delete_page(stack):
    staff = staff_client(stack)
    _, _, mid = circ.member(stack, "Lena Lent")
    tid, codes = circ.add_title(stack, "Delete Me Not")
    with stack.db() as db:
        card = db.execute("SELECT card_number FROM account WHERE id = ?", (mid,)).fetchone()[0]
    assert checkout(staff, card, codes[0]).status in (200, 303)
    page = staff.get("/staff/titles/%d/delete" % tid)
    r = staff.post("/staff/titles/%d/delete" % tid, {"csrf": page.csrf()})
    assert_own_page(r, 409, page.csrf(), 'action="/staff/titles/%d/delete"' % tid)
    assert 'id="delete-refused"' in r.body and len(field_errors(r.body)) == 1
    assert "its 1 copy will be removed" in r.body
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM title WHERE id = ?", (tid,)).fetchone()[0] == 1


# ---- defaults ----

def test_plan_menus_preselect_the_plan_waiting_for_payment(stack):
    member, _, mid, _ = register(stack, "Monthly", name="Penny Pending")
    page = member.get("/account/payments")
    assert page.status == 200
    assert selected_option(page.body, "plan")[0] == plan_id(page, "Monthly")
    staff = staff_client(stack)
    for path, select in (("/staff/members/%d/payments" % mid, "plan"),
                         ("/staff/members/%d" % mid, "renew-plan")):
        p = staff.get(path)
        assert selected_option(p.body, select)[0] == plan_id(p, "Monthly"), path


def test_plan_menus_never_pick_the_free_plan_silently(stack):
    staff = staff_client(stack)
    with stack.db() as db:
        db.execute("INSERT INTO account(email, name, role, password_hash, created_at, "
                   "updated_at) VALUES ('none.yet@test.example', 'None Yet', 'member', "
                   "'$argon2id$none', 0, 0)")
        mid = db.execute("SELECT id FROM account WHERE email = 'none.yet@test.example'"
                         ).fetchone()[0]
    page = staff.get("/staff/members/%d" % mid)
    assert page.status == 200, page
    assert selected_option(page.body, "renew-plan") is None
    assert '<option value="">Choose a plan</option>' in page.body


def test_blank_new_title_form_shows_no_error_banner(stack):
    staff = staff_client(stack)
    page = staff.get("/staff/titles/new")
    assert page.status == 200
    assert 'class="alert"' not in page.body and "Please correct" not in page.body


# ---- one way to show things ----

def test_a_page_past_the_last_is_clamped_to_the_last(stack):
    for i in range(25):      # two pages of the catalogue's 20
        circ.add_title(stack, "Clampword volume %d" % i)
    staff = staff_client(stack)
    for path, last in (("/catalogue?q=clampword&page=999999", "2"),
                       ("/staff/titles?page=999999", None),
                       ("/staff/members?page=999999", None)):
        r = staff.get(path)
        assert r.status == 200, (path, r)
        m = re.search(r"Page (\d+) of (\d+)", r.body)
        assert m and m.group(1) == m.group(2), (path, m and m.group(0))
        assert last is None or m.group(2) == last, (path, m.group(0))
        assert 'rel="next"' not in r.body and 'rel="prev"' in r.body or m.group(2) == "1", path
    r = staff.get("/catalogue?q=clampword&page=999999")
    assert "Clampword volume" in r.body, "the clamped page lists no titles"


def test_counts_agree_with_their_number(stack):
    staff = staff_client(stack)
    circ.member(stack, "Singular Zebulon")
    r = staff.get("/staff/members?q=Zebulon")
    assert "1 member<" in r.body and "1 members" not in r.body, r.body
    tid, _ = circ.add_title(stack, "Quixotic Onlyone")
    r = staff.get("/staff/titles?sort=title")
    assert re.search(r">\d+ titles<", r.body), "the list count is not plural"
    r = staff.get("/staff/titles/%d/delete" % tid)
    assert "its 1 copy will" in r.body and "1 copies" not in r.body
    r = staff.get("/staff")
    assert re.search(r"\d+ titles, \d+ cop(y|ies)", r.body)
    assert "(s)" not in r.body


def test_account_pages_show_dates_and_states_in_words(stack):
    staff = staff_client(stack)
    member, _, mid, _ = register(stack, "Monthly", name="Wanda Words")
    with stack.db() as db:
        db.execute("UPDATE account SET member_until = ? WHERE id = ?",
                   (circ.today(20).isoformat(), mid))
        card = db.execute("SELECT card_number FROM account WHERE id = ?", (mid,)).fetchone()[0]
    _, codes = circ.add_title(stack, "Dated Loan")
    assert checkout(staff, card, codes[0]).status in (200, 303)
    for path in ("/account", "/account/payments"):
        r = member.get(path)
        assert r.status == 200, (path, r)
        text = re.sub(r"<[^>]+>", " ", r.body)
        assert not ISO_DAY.search(text), (path, ISO_DAY.search(text).group(0))
        assert READABLE_DAY.search(text), path
        for code in ("on-hold-shelf", "on-loan", "day(s)", " pending"):
            assert code not in text, (path, code)
    r = staff.get("/staff/members/%d" % mid)
    assert "waiting for payment" in r.body


def test_link_buttons_carry_the_class_the_stylesheet_colours(stack):
    staff = staff_client(stack)
    _, _, mid = circ.member(stack, "Linda Link")
    page = staff.get("/staff/members/%d" % mid)
    assert re.search(r'<button type="submit" class="link">Issue a temporary password</button>',
                     page.body)
    css = staff.get("/static/carrel.css")
    assert css.status == 200
    rule = re.search(r"(?m)^button\.link \{([^}]*)\}", css.body)
    assert rule, "no button.link rule"
    color = re.search(r"(?<!-)color:\s*([^;]+);", rule.group(1))
    assert color and "accent-ink" not in color.group(1) and "#fff" not in color.group(1).lower(), \
        rule.group(0)


if __name__ == "__main__":
    sys.exit(run_with_staff(globals()))
