#!/usr/bin/env python3
"""End-to-end tests of the JSON API's circulation through nginx: a member's
own loans (due dates, whether renewable and why not), renewals (refused
409 with the rule's reason; another member's loan 404), fines, payments
and history, cursor-paged; the staff's checkout, checkin and renewal
(member token 403, read token 403 insufficient_scope, refusals 409 or 422
on the field), each write audited via the token. Every answer validates
against its schema in the OpenAPI document."""
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from circ import add_title  # noqa: E402
from harness import Stack, run_module  # noqa: E402
from test_api_catalogue import api, check_answer, check_error  # noqa: E402
from test_api_tokens import make_token, new_token, token_of  # noqa: E402


def account_id(stack, email):
    with stack.db() as db:
        return db.execute("SELECT id FROM account WHERE email = ?", (email,)).fetchone()[0]


def card_of(stack, mid):
    with stack.db() as db:
        return db.execute("SELECT card_number FROM account WHERE id = ?", (mid,)).fetchone()[0]


def day(offset):
    return (datetime.datetime.now(datetime.timezone.utc).date()
            + datetime.timedelta(days=offset)).isoformat()


_staff = {}


def staff_tokens(stack):
    """A librarian's read-write and read tokens."""
    if not _staff:
        client, email, reader = new_token(stack, role="librarian", scope="read")
        writer = token_of(make_token(client, name="Self-check 1", scope="read-write"))
        _staff.update(reader=reader, writer=writer, id=account_id(stack, email))
    return _staff


def lend(stack, title, member_id):
    """A new title whose one copy the API lends to member_id."""
    tid, (code,) = add_title(stack, title)
    a = api(stack, "POST", "/api/v1/checkouts", token=staff_tokens(stack)["writer"],
            body={"member_id": member_id, "barcode": code})
    assert a.status == 201, a
    check_answer(stack, a, "/api/v1/checkouts", "post")
    return tid, code, a.json["loan"]


def test_member_loans_renewable_and_renewed(stack):
    client, email, reader = new_token(stack, scope="read")
    writer = token_of(make_token(client, name="Loans app", scope="read-write"))
    me = account_id(stack, email)
    tid1, code1, loan1 = lend(stack, "Api loan one", me)
    tid2, code2, loan2 = lend(stack, "Api loan two", me)
    assert loan1["member_id"] == me and loan1["barcode"] == code1 and loan1["due"] == day(21)
    # Someone waits for the second title: it cannot be renewed.
    _, _, other = new_token(stack, scope="read-write")
    assert api(stack, "POST", "/api/v1/holds", token=other,
               body={"title_id": tid2}).status == 201
    a = api(stack, "GET", "/api/v1/me/loans", token=reader)
    assert a.status == 200 and a.json["total"] == 2, a
    check_answer(stack, a, "/api/v1/me/loans")
    by_id = {l["id"]: l for l in a.json["items"]}
    first, second = by_id[loan1["id"]], by_id[loan2["id"]]
    assert first["renewable"] and first["not_renewable_because"] is None, first
    assert first["due"] == loan1["due"] and not first["overdue"] and first["renewals"] == 0
    assert not second["renewable"] and "waiting" in second["not_renewable_because"], second
    # Paged one at a time.
    page = api(stack, "GET", "/api/v1/me/loans?limit=1", token=reader)
    assert len(page.json["items"]) == 1 and page.json["next_cursor"], page
    rest = api(stack, "GET", "/api/v1/me/loans?limit=1&cursor=" + page.json["next_cursor"],
               token=reader)
    assert rest.json["next_cursor"] is None and \
        {page.json["items"][0]["id"], rest.json["items"][0]["id"]} == set(by_id), rest
    renew = "/api/v1/me/loans/{id}/renew"
    check_error(stack, api(stack, "POST", "/api/v1/me/loans/%d/renew" % loan1["id"],
                           token=reader), 403, "insufficient_scope", renew, "post")
    a = api(stack, "POST", "/api/v1/me/loans/%d/renew" % loan1["id"], token=writer)
    assert a.status == 200 and a.json["loan"]["due"] == day(42), a
    check_answer(stack, a, renew, "post")
    refused = api(stack, "POST", "/api/v1/me/loans/%d/renew" % loan2["id"], token=writer)
    check_error(stack, refused, 409, "refused", renew, "post")
    assert refused.json["error"]["message"] == second["not_renewable_because"], refused
    # Another member's loan is not said to exist; nor is a loan never made.
    for path in ("/api/v1/me/loans/%d/renew" % loan1["id"], "/api/v1/me/loans/999999/renew"):
        check_error(stack, api(stack, "POST", path, token=other), 404, "not_found", renew,
                    "post", field="id")
    mine = api(stack, "GET", "/api/v1/me/loans", token=other)
    assert mine.status == 200 and mine.json["items"] == [], mine
    with stack.db() as db:
        row = db.execute("SELECT actor_id, detail FROM audit WHERE action = 'loan.renew' "
                         "AND object = ?", ("loan:%d" % loan1["id"],)).fetchone()
        due = db.execute("SELECT due_day, renewals FROM loan WHERE id = ?",
                         (loan1["id"],)).fetchone()
    assert row[0] == me and row[1].endswith('via API token "Loans app"'), row
    assert due == (day(42), 1), due


def test_fines_history_and_checkin(stack):
    _, email, reader = new_token(stack, scope="read")
    me = account_id(stack, email)
    _, code, loan = lend(stack, "Api late title", me)
    with stack.db() as db:
        db.execute("UPDATE loan SET due_day = ? WHERE id = ?", (day(-11), loan["id"]))
    a = api(stack, "GET", "/api/v1/me/fines", token=reader)
    assert a.status == 200, a
    check_answer(stack, a, "/api/v1/me/fines")
    # 10 days late past 1 of grace at 0.25 a day.
    assert a.json["accruing_cents"] == 250 and a.json["recorded_cents"] == 0, a
    assert a.json["owed_cents"] == 250 and a.json["may_borrow"], a
    loans = api(stack, "GET", "/api/v1/me/loans", token=reader).json["items"]
    assert loans[0]["overdue"], loans
    staff = staff_tokens(stack)
    checkin = "/api/v1/checkins"
    back = api(stack, "POST", checkin, token=staff["writer"], body={"barcode": code})
    assert back.status == 200, back
    check_answer(stack, back, checkin, "post")
    assert back.json["loan"]["id"] == loan["id"] and back.json["loan"]["fine_cents"] == 250
    assert back.json["loan"]["held_for"] is None
    a = api(stack, "GET", "/api/v1/me/fines", token=reader)
    assert a.json["recorded_cents"] == 250 and a.json["accruing_cents"] == 0, a
    assert a.json["ledger"][0]["amount_cents"] == 250, a
    check_answer(stack, a, "/api/v1/me/fines")
    h = api(stack, "GET", "/api/v1/me/history", token=reader)
    assert h.status == 200 and h.json["total"] == 1, h
    check_answer(stack, h, "/api/v1/me/history")
    past = h.json["items"][0]
    assert past["title"] == "Api late title" and past["returned"] == day(0)
    assert past["fine_cents"] == 250, past
    # Not on loan any more: refused, 409.
    check_error(stack, api(stack, "POST", checkin, token=staff["writer"],
                           body={"barcode": code}), 409, "refused", checkin, "post")
    check_error(stack, api(stack, "POST", checkin, token=staff["writer"],
                           body={"barcode": "NO-SUCH-1"}), 422, "invalid_field", checkin,
                "post", field="barcode")
    check_error(stack, api(stack, "POST", checkin, token=staff["writer"], body={}),
                422, "invalid_field", checkin, "post", field="barcode")
    check_error(stack, api(stack, "POST", checkin, token=staff["writer"],
                           body={"barcode": 12}), 422, "invalid_field", checkin, "post",
                field="barcode")


def test_payments_paged(stack):
    _, email, reader = new_token(stack, scope="read")
    me = account_id(stack, email)
    with stack.db() as db:
        for i, cents in enumerate((100, 200, 300)):
            db.execute("INSERT INTO payment(account_id, amount_cents, purpose, method, "
                       "status, reference, created_at, completed_at) VALUES "
                       "(?, ?, 'fine', 'cash', 'completed', ?, ?, ?)",
                       (me, cents, "APIPAY-%d-%d" % (me, i), 1000 + i, 1000 + i))
    seen, cursor = [], None
    for _ in range(3):
        path = "/api/v1/me/payments?limit=2" + ("&cursor=" + cursor if cursor else "")
        a = api(stack, "GET", path, token=reader)
        assert a.status == 200, a
        check_answer(stack, a, "/api/v1/me/payments")
        seen += [p["amount_cents"] for p in a.json["items"]]
        cursor = a.json["next_cursor"]
        if not cursor:
            break
    assert seen == [300, 200, 100], seen   # newest first
    _, _, other = new_token(stack, scope="read")
    assert api(stack, "GET", "/api/v1/me/payments", token=other).json["items"] == []
    check_error(stack, api(stack, "GET", "/api/v1/me/payments?cursor=nonsense",
                           token=reader), 400, "invalid_cursor", "/api/v1/me/payments",
                field="cursor")
    check_error(stack, api(stack, "GET", "/api/v1/me/payments?limit=0", token=reader),
                422, "invalid_field", "/api/v1/me/payments", field="limit")


def test_staff_checkout_rules_and_access(stack):
    staff = staff_tokens(stack)
    client, email, member_reader = new_token(stack, scope="read")
    member_writer = token_of(make_token(client, name="Member rw", scope="read-write"))
    mid = account_id(stack, email)
    tid, (code, code2) = add_title(stack, "Api desk title", copies=2)
    out = "/api/v1/checkouts"
    body = {"member_id": mid, "barcode": code}
    # A member's token, even read-write, is not the desk's.
    check_error(stack, api(stack, "POST", out, token=member_writer, body=body), 403,
                "forbidden", out, "post")
    check_error(stack, api(stack, "POST", out, token=staff["reader"], body=body), 403,
                "insufficient_scope", out, "post")
    check_error(stack, api(stack, "POST", out, body=body), 401, "token_required", out, "post")
    check_error(stack, api(stack, "POST", out, token=staff["writer"], body=b"{member",
                           headers={"Content-Type": "application/json"}),
                400, "invalid_json", out, "post")
    check_error(stack, api(stack, "POST", out, token=staff["writer"],
                           body={"member_id": "x", "barcode": code}), 422,
                "invalid_field", out, "post", field="member_id")
    check_error(stack, api(stack, "POST", out, token=staff["writer"],
                           body={"member_id": 999999, "barcode": code}), 422,
                "invalid_field", out, "post", field="member_id")
    check_error(stack, api(stack, "POST", out, token=staff["writer"],
                           body={"member": "nobody@nowhere.example", "barcode": code}),
                422, "invalid_field", out, "post", field="member")
    check_error(stack, api(stack, "POST", out, token=staff["writer"],
                           body={"member_id": mid}), 422, "invalid_field", out, "post",
                field="barcode")
    check_error(stack, api(stack, "POST", out, token=staff["writer"],
                           body={"member_id": mid, "barcode": "NO-SUCH-2"}), 422,
                "invalid_field", out, "post", field="barcode")
    # By library card number, as the desk's form.
    a = api(stack, "POST", out, token=staff["writer"],
            body={"member": card_of(stack, mid), "barcode": code})
    assert a.status == 201 and a.json["loan"]["member_id"] == mid, a
    check_answer(stack, a, out, "post")
    loan_id = a.json["loan"]["id"]
    # The same copy again: on loan, refused with the rule's words.
    check_error(stack, api(stack, "POST", out, token=staff["writer"],
                           body={"member_id": mid, "barcode": code}), 409, "refused",
                out, "post")
    # A member whose fines are over the limit may not borrow.
    _, late_email, _ = new_token(stack, scope="read")
    late = account_id(stack, late_email)
    with stack.db() as db:
        db.execute("INSERT INTO fine(account_id, kind, amount_cents, reason, at) "
                   "VALUES (?, 'accrued', 900, 'Api test', 1000)", (late,))
    refused = api(stack, "POST", out, token=staff["writer"],
                  body={"member_id": late, "barcode": code2})
    check_error(stack, refused, 409, "refused", out, "post")
    # The desk renews any member's loan; another's loan is no secret to staff.
    renew = "/api/v1/loans/{id}/renew"
    check_error(stack, api(stack, "POST", "/api/v1/loans/%d/renew" % loan_id,
                           token=member_writer), 403, "forbidden", renew, "post")
    a = api(stack, "POST", "/api/v1/loans/%d/renew" % loan_id, token=staff["writer"])
    assert a.status == 200 and a.json["loan"]["due"] == day(42), a
    check_answer(stack, a, renew, "post")
    check_error(stack, api(stack, "POST", "/api/v1/loans/999999/renew",
                           token=staff["writer"]), 404, "not_found", renew, "post", field="id")
    # The member sees the loan the desk made.
    mine = api(stack, "GET", "/api/v1/me/loans", token=member_reader)
    assert [l["id"] for l in mine.json["items"]] == [loan_id], mine
    with stack.db() as db:
        rows = db.execute("SELECT action, actor_id, detail FROM audit WHERE object = ? "
                          "ORDER BY id", ("loan:%d" % loan_id,)).fetchall()
    assert [r[0] for r in rows] == ["loan.checkout", "loan.renew"], rows
    for action, actor, detail in rows:
        assert actor == staff["id"] and detail.endswith('via API token "Self-check 1"'), rows


def test_checkin_traps_for_a_hold(stack):
    staff = staff_tokens(stack)
    _, email, _ = new_token(stack, scope="read")
    borrower = account_id(stack, email)
    tid, code, loan = lend(stack, "Api trapped title", borrower)
    _, waiting_email, waiting = new_token(stack, scope="read-write")
    assert api(stack, "POST", "/api/v1/holds", token=waiting,
               body={"title_id": tid}).status == 201
    back = api(stack, "POST", "/api/v1/checkins", token=staff["writer"], body={"barcode": code})
    assert back.status == 200, back
    check_answer(stack, back, "/api/v1/checkins", "post")
    held = back.json["loan"]["held_for"]
    assert held and held["pickup_by"] == day(7) and held["member"], back
    holds = api(stack, "GET", "/api/v1/me/holds", token=waiting).json["items"]
    assert holds[0]["id"] == held["id"] and holds[0]["status"] == "ready", holds


if __name__ == "__main__":
    sys.exit(run_module(globals(), Stack()))
