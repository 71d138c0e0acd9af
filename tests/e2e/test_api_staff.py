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


def test_titles_created_and_updated(stack):
    staff = staff_tokens(stack)
    path = "/api/v1/titles"
    body = {"title": "Api Catalogued Book", "authors": ["Ada Writer", "Bo Second"],
            "publisher": "Api Press", "pub_date": "2019", "pages": 321, "language": "en",
            "isbn": "978-0-306-40615-7"}
    check_error(stack, api(stack, "POST", path, token=staff["reader"], body=body), 403,
                "insufficient_scope", path, "post")
    _, _, member_writer = new_token(stack, scope="read-write")
    check_error(stack, api(stack, "POST", path, token=member_writer, body=body), 403,
                "forbidden", path, "post")
    for change, field in (({"title": ""}, "title"), ({"isbn": "12345"}, "isbn"),
                          ({"pub_date": "19th century"}, "pub_date"),
                          ({"authors": [1, 2]}, "authors"), ({"pages": 1.5}, "pages"),
                          ({"format": "scroll"}, "format")):
        check_error(stack, api(stack, "POST", path, token=staff["writer"],
                               body=dict(body, **change)), 422, "invalid_field", path,
                    "post", field=field)
    a = api(stack, "POST", path, token=staff["writer"], body=body)
    assert a.status == 201, a
    check_answer(stack, a, path, "post")
    t = a.json
    assert t["title"] == body["title"] and t["authors"] == body["authors"], t
    assert t["isbn13"] == "9780306406157" and t["year"] == 2019 and t["pages"] == 321, t
    # The same ISBN again is refused on the field.
    check_error(stack, api(stack, "POST", path, token=staff["writer"],
                           body=dict(body, title="Another")), 422, "invalid_field", path,
                "post", field="isbn")
    # The public title answers the same.
    assert api(stack, "GET", "/api/v1/titles/%d" % t["id"]).json == t
    update = "/api/v1/titles/{id}"
    a = api(stack, "POST", "/api/v1/titles/%d" % t["id"], token=staff["writer"],
            body={"subtitle": "Second thoughts", "pages": None})
    assert a.status == 200, a
    check_answer(stack, a, update, "post")
    assert a.json["subtitle"] == "Second thoughts" and a.json["pages"] is None, a
    assert a.json["title"] == body["title"] and a.json["authors"] == body["authors"], a
    check_error(stack, api(stack, "POST", "/api/v1/titles/999999", token=staff["writer"],
                           body={"title": "x"}), 404, "not_found", update, "post", field="id")
    check_error(stack, api(stack, "POST", "/api/v1/titles/%d" % t["id"],
                           token=staff["writer"], body={"title": ""}), 422,
                "invalid_field", update, "post", field="title")
    with stack.db() as db:
        rows = db.execute("SELECT action, actor_id, detail FROM audit WHERE object = ? "
                          "ORDER BY id", ("title:%d" % t["id"],)).fetchall()
    assert [r[0] for r in rows] == ["title.create", "title.edit"], rows
    for _, actor, detail in rows:
        assert actor == staff["id"] and detail.endswith('via API token "Self-check 1"'), rows


def test_copies_added_and_updated(stack):
    staff = staff_tokens(stack)
    t = api(stack, "POST", "/api/v1/titles", token=staff["writer"],
            body={"title": "Api Copied Book"}).json
    path = "/api/v1/titles/{id}/copies"
    url = "/api/v1/titles/%d/copies" % t["id"]
    body = {"barcode": "APICOPY-1", "location": "Shelf 9", "cost": "12.50",
            "acquired_on": "2026-01-02"}
    check_error(stack, api(stack, "POST", url, token=staff["reader"], body=body), 403,
                "insufficient_scope", path, "post")
    for change, field in (({"barcode": "bad barcode!"}, "barcode"), ({"barcode": ""}, "barcode"),
                          ({"cost": "a lot"}, "cost"), ({"acquired_on": "2 Jan"}, "acquired_on"),
                          ({"status": "on-loan"}, "status"), ({"item_type": "nope"}, "item_type"),
                          ({"location": ["a"]}, "location")):
        check_error(stack, api(stack, "POST", url, token=staff["writer"],
                               body=dict(body, **change)), 422, "invalid_field", path,
                    "post", field=field)
    check_error(stack, api(stack, "POST", "/api/v1/titles/999999/copies",
                           token=staff["writer"], body=body), 404, "not_found", path, "post",
                field="id")
    a = api(stack, "POST", url, token=staff["writer"], body=body)
    assert a.status == 201, a
    check_answer(stack, a, path, "post")
    k = a.json["copy"]
    assert k["barcode"] == "APICOPY-1" and k["location"] == "Shelf 9" and k["available"], k
    check_error(stack, api(stack, "POST", url, token=staff["writer"], body=body), 422,
                "invalid_field", path, "post", field="barcode")
    one = "/api/v1/titles/{id}/copies/{id}"
    a = api(stack, "POST", "%s/%d" % (url, k["id"]), token=staff["writer"],
            body={"status": "damaged"})
    assert a.status == 200 and a.json["copy"]["status"] == "damaged", a
    assert a.json["copy"]["location"] == "Shelf 9", a   # not sent: kept
    check_answer(stack, a, one, "post")
    with stack.db() as db:
        row = db.execute("SELECT cost_cents, acquired_on FROM copy WHERE id = ?",
                         (k["id"],)).fetchone()
    assert row == (1250, "2026-01-02"), row
    check_error(stack, api(stack, "POST", "%s/999999" % url, token=staff["writer"],
                           body={"status": "lost"}), 404, "not_found", one, "post", field="id")
    # A copy on loan: circulation owns its status, so a change of it is
    # refused (cataloguing_copy_update), as on the copies page; its shelf
    # still changes.
    api(stack, "POST", "%s/%d" % (url, k["id"]), token=staff["writer"],
        body={"status": "available"})
    _, email, _ = new_token(stack, scope="read")
    lent = api(stack, "POST", "/api/v1/checkouts", token=staff["writer"],
               body={"member_id": account_id(stack, email), "barcode": "APICOPY-1"})
    assert lent.status == 201, lent
    check_error(stack, api(stack, "POST", "%s/%d" % (url, k["id"]), token=staff["writer"],
                           body={"status": "lost"}), 422, "invalid_field", one, "post",
                field="status")
    moved = api(stack, "POST", "%s/%d" % (url, k["id"]), token=staff["writer"],
                body={"location": "DESK 2"})
    assert moved.status == 200, moved
    shown = api(stack, "GET", "/api/v1/titles/%d" % t["id"]).json["copies"][0]
    assert shown["location"] == "DESK 2", shown
    assert shown["status"] == "on-loan" and shown["due"], shown
    with stack.db() as db:
        n = db.execute("SELECT count(*) FROM audit WHERE object = ? AND detail LIKE "
                       "'%via API token \"Self-check 1\"'", ("copy:%d" % k["id"],)).fetchone()[0]
    assert n >= 3, n


def test_every_staff_write_checks_its_body(stack):
    staff = staff_tokens(stack)
    t = api(stack, "POST", "/api/v1/titles", token=staff["writer"],
            body={"title": "Api Body Checks"}).json
    k = api(stack, "POST", "/api/v1/titles/%d/copies" % t["id"], token=staff["writer"],
            body={"barcode": "APIBODY-1"}).json["copy"]
    writes = [("/api/v1/checkouts", "/api/v1/checkouts"),
              ("/api/v1/checkins", "/api/v1/checkins"),
              ("/api/v1/members", "/api/v1/members"),
              ("/api/v1/titles", "/api/v1/titles"),
              ("/api/v1/titles/%d" % t["id"], "/api/v1/titles/{id}"),
              ("/api/v1/titles/%d/copies" % t["id"], "/api/v1/titles/{id}/copies"),
              ("/api/v1/titles/%d/copies/%d" % (t["id"], k["id"]),
               "/api/v1/titles/{id}/copies/{id}")]
    for url, pattern in writes:
        json_type = {"Content-Type": "application/json"}
        check_error(stack, api(stack, "POST", url, token=staff["writer"], body=b"{oops",
                               headers=json_type), 400, "invalid_json", pattern, "post")
        check_error(stack, api(stack, "POST", url, token=staff["writer"], body=[1]), 422,
                    "invalid_field", pattern, "post")
        check_error(stack, api(stack, "POST", url, token=staff["writer"], body="a=1",
                               headers={"Content-Type": "application/x-www-form-urlencoded"}),
                    415, "unsupported_media_type", pattern, "post")
        check_error(stack, api(stack, "POST", url, token=staff["reader"], body={}), 403,
                    "insufficient_scope", pattern, "post")
    # Reads carry an ETag; asking again with it gives 304.
    a = api(stack, "GET", "/api/v1/members?q=api", token=staff["reader"])
    etag = a.header("ETag")
    assert a.status == 200 and etag, a
    again = api(stack, "GET", "/api/v1/members?q=api", token=staff["reader"],
                headers={"If-None-Match": etag})
    assert again.status == 304 and again.json is None, again


if __name__ == "__main__":
    sys.exit(run_module(globals(), Stack()))
