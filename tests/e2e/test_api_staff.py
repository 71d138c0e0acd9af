#!/usr/bin/env python3
"""End-to-end tests of the JSON API's staff members and catalogue writes
through nginx: member look-up (paged) and details, member creation (422
with the field; a free plan joined), and who may: a member's token 403, a
read token writing 403 insufficient_scope; writes audited via the token.
Every answer validates against its schema in the OpenAPI document."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Stack, run_module  # noqa: E402
from test_api_catalogue import api, check_answer, check_error  # noqa: E402
from test_api_circulation import account_id, card_of, staff_tokens  # noqa: E402
from test_api_tokens import new_token  # noqa: E402


def plan_id(stack, name):
    with stack.db() as db:
        return db.execute("SELECT id FROM plan WHERE name = ?", (name,)).fetchone()[0]


def test_member_look_up_and_details(stack):
    staff = staff_tokens(stack)
    ids = []
    for i in range(3):
        _, email, _ = new_token(stack, scope="read")
        with stack.db() as db:
            db.execute("UPDATE account SET name = ? WHERE email = ?",
                       ("Quillonby %d" % i, email))
        ids.append(account_id(stack, email))
    seen, cursor = [], None
    for _ in range(3):
        path = "/api/v1/members?q=quillonby&limit=2" + ("&cursor=" + cursor if cursor else "")
        a = api(stack, "GET", path, token=staff["reader"])
        assert a.status == 200 and a.json["total"] == 3, a
        check_answer(stack, a, "/api/v1/members")
        seen += [m["id"] for m in a.json["items"]]
        cursor = a.json["next_cursor"]
        if not cursor:
            break
    assert seen == ids, seen   # by name
    by_card = api(stack, "GET", "/api/v1/members?q=" + card_of(stack, ids[1]),
                  token=staff["reader"])
    assert [m["id"] for m in by_card.json["items"]] == [ids[1]], by_card
    one = api(stack, "GET", "/api/v1/members/%d" % ids[0], token=staff["reader"])
    assert one.status == 200, one
    check_answer(stack, one, "/api/v1/members/{id}")
    m = one.json["member"]
    assert m["name"] == "Quillonby 0" and m["membership"]["status"] == "active", m
    assert m["may_borrow"] and m["blocked_because"] is None and m["loans_out"] == 0
    assert "temporary_password" not in m
    check_error(stack, api(stack, "GET", "/api/v1/members/999999", token=staff["reader"]),
                404, "not_found", "/api/v1/members/{id}", field="id")
    # A member's token is not the desk's.
    _, _, member_token = new_token(stack, scope="read")
    check_error(stack, api(stack, "GET", "/api/v1/members?q=a", token=member_token), 403,
                "forbidden", "/api/v1/members")
    check_error(stack, api(stack, "GET", "/api/v1/members/%d" % ids[0], token=member_token),
                403, "forbidden", "/api/v1/members/{id}")


def test_member_created_as_the_desk_does(stack):
    staff = staff_tokens(stack)
    path = "/api/v1/members"
    good = {"name": "Api Made Member", "email": "api.made@test.example",
            "phone": "", "category": "adult", "plan_id": plan_id(stack, "Student")}
    check_error(stack, api(stack, "POST", path, token=staff["reader"], body=good), 403,
                "insufficient_scope", path, "post")
    for change, field in (({"email": "not an address"}, "email"),
                          ({"name": ""}, "name"),
                          ({"name": 7}, "name"),
                          ({"category": "no such category"}, "category"),
                          ({"plan_id": 999999}, "plan"),
                          ({"plan_id": "Student"}, "plan_id")):
        a = api(stack, "POST", path, token=staff["writer"], body=dict(good, **change))
        check_error(stack, a, 422, "invalid_field", path, "post", field=field)
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM account WHERE email = ?",
                          (good["email"],)).fetchone()[0] == 0
    a = api(stack, "POST", path, token=staff["writer"], body=good)
    assert a.status == 201, a
    check_answer(stack, a, path, "post")
    m = a.json["member"]
    assert m["name"] == good["name"] and m["email"] == good["email"], m
    assert m["category"] == "adult" and m["membership"]["status"] == "active", m
    assert m["membership"]["plan"] == "Student" and len(m["temporary_password"]) == 12, m
    # The same email again: refused on the field.
    check_error(stack, api(stack, "POST", path, token=staff["writer"], body=good), 422,
                "invalid_field", path, "post", field="email")
    # The temporary password works once (a change is then asked for).
    r = stack.login(good["email"], m["temporary_password"])
    assert r is not None
    with stack.db() as db:
        row = db.execute("SELECT actor_id, detail FROM audit WHERE action LIKE 'account.%' "
                         "AND object = ? ORDER BY id LIMIT 1",
                         ("account:%d" % m["id"],)).fetchone()
    assert row and row[0] == staff["id"] and row[1].endswith('via API token "Self-check 1"'), row


if __name__ == "__main__":
    sys.exit(run_module(globals(), Stack()))
