#!/usr/bin/env python3
"""End-to-end tests of API tokens through nginx: made on the profile page
(shown once, refusals beside the controls with what was typed kept),
listed and revoked there; GET /api/v1/me with a token; a missing, a
malformed, a revoked and an expired token, a disabled or removed
account's, and a browser's session cookie alone (ignored on /api) all
401; the rate limit per token (429 with Retry-After); Cache-Control."""
import html
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from circ import add_title  # noqa: E402
from harness import Stack, run_module  # noqa: E402
from test_api_catalogue import api, check_answer, check_error  # noqa: E402

_n = [0]


def member(stack, role="member"):
    _n[0] += 1
    email = "api%d@test.example" % _n[0]
    stack.add_user(email, "Api User %d" % _n[0], role, "api password 1")
    return stack.login(email, "api password 1"), email


def make_token(client, name="Phone app", scope="read", days="30"):
    r = client.form("/account/profile", "/account/api-tokens",
                    {"token_name": name, "token_scope": scope, "token_days": days})
    return r


def token_of(r):
    m = re.search(r'id="new-token" class="token-value"[^>]*>(carrel_[A-Za-z0-9_-]{43})</textarea>',
                  r.body)
    assert m, r
    return m.group(1)


def new_token(stack, role="member", scope="read"):
    client, email = member(stack, role)
    r = make_token(client, scope=scope)
    assert r.status == 201, r
    return client, email, token_of(r)


def test_token_made_shown_once_and_used(stack):
    client, email = member(stack)
    r = make_token(client, name="Reading app", scope="read-write", days="90")
    assert r.status == 201, r
    assert "no-store" in (r.header("Cache-Control") or "")
    token = token_of(r)
    assert "Reading app" in r.body
    page = client.get("/account/profile")
    assert page.status == 200
    assert token not in page.body and token[8:30] not in page.body
    assert "Reading app" in page.body and "read and write" in page.body
    assert "never used" in page.body
    with stack.db() as db:
        row = db.execute("SELECT scope, expires_at - created_at, length(token_hash) "
                         "FROM api_token WHERE name = 'Reading app'").fetchone()
        assert row == ("read-write", 90 * 86400, 32), row
        assert db.execute("SELECT count(*) FROM audit WHERE action = 'api_token.create' "
                          "AND detail LIKE '%Reading app%'").fetchone()[0] == 1
    a = api(stack, "GET", "/api/v1/me", token=token)
    assert a.status == 200, a
    check_answer(stack, a, "/api/v1/me")
    assert a.json["account"]["email"] == email and a.json["account"]["role"] == "member"
    assert a.json["token"] == {"name": "Reading app", "scope": "read-write",
                               "expires_at": a.json["token"]["expires_at"]}
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", a.json["token"]["expires_at"])
    assert a.header("Cache-Control") == "no-store"
    # A public route with a token: answered, and not to be kept either.
    p = api(stack, "GET", "/api/v1/catalogue?q=x", token=token)
    assert p.status == 200 and p.header("Cache-Control") == "no-store", p
    assert "never used" not in client.get("/account/profile").body


def test_refusal_beside_the_control_typed_kept(stack):
    client, _ = member(stack)
    r = make_token(client, name="   ", scope="read-write", days="365")
    assert r.status == 422, r
    assert 'id="token-name-error"' in r.body
    assert re.search(r'value="read-write" checked', r.body)
    assert re.search(r'value="365" selected', r.body)
    r = make_token(client, name="Kept name", scope="write", days="90")
    assert r.status == 422 and 'id="token-scope-error"' in r.body, r
    assert 'value="Kept name"' in r.body
    assert make_token(client, name="Twice").status == 201
    r = make_token(client, name="Twice")
    assert r.status == 422 and "already" in r.body, r
    r = make_token(client, name="Odd days", days="7")
    assert r.status == 422 and 'id="token-days-error"' in r.body, r


def test_missing_and_malformed_tokens(stack):
    a = api(stack, "GET", "/api/v1/me")
    check_error(stack, a, 401, "token_required", "/api/v1/me")
    assert a.header("WWW-Authenticate").startswith("Bearer")
    for header in ("Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer carrel_" + "A" * 43):
        a = api(stack, "GET", "/api/v1/me", headers={"Authorization": header})
        check_error(stack, a, 401, "invalid_token", "/api/v1/me")
    # A bad token is refused on a public route too, not ignored.
    a = api(stack, "GET", "/api/v1/catalogue", headers={"Authorization": "Bearer x"})
    check_error(stack, a, 401, "invalid_token", "/api/v1/catalogue")


def test_cookies_are_ignored(stack):
    client, _ = member(stack)
    assert "carrel_session" in client.cookies
    a = api(stack, "GET", "/api/v1/me", client=client)
    check_error(stack, a, 401, "token_required", "/api/v1/me")
    assert not a.header("Set-Cookie")


def test_revoked_token(stack):
    client, _, token = new_token(stack)
    assert api(stack, "GET", "/api/v1/me", token=token).status == 200
    with stack.db() as db:
        tid = db.execute("SELECT max(id) FROM api_token").fetchone()[0]
    page = client.get("/account/profile")
    r = client.post("/account/api-tokens/%d/revoke" % tid, {"csrf": page.csrf()})
    assert r.status == 303, r
    page = client.get(r.header("Location").split("#")[0])
    assert "was revoked" in page.body and "revoked " in page.body
    check_error(stack, api(stack, "GET", "/api/v1/me", token=token), 401, "invalid_token",
                "/api/v1/me")
    # Again, or someone else's: refused on the page, nothing changed.
    r = client.post("/account/api-tokens/%d/revoke" % tid, {"csrf": page.csrf()})
    assert r.status == 409 and "revoked already" in html.unescape(r.body), r
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM audit WHERE action = 'api_token.revoke' "
                          "AND object = ?", ("api_token:%d" % tid,)).fetchone()[0] == 1


def test_expired_token(stack):
    _, _, token = new_token(stack)
    assert api(stack, "GET", "/api/v1/me", token=token).status == 200
    with stack.db() as db:
        db.execute("UPDATE api_token SET expires_at = strftime('%s', 'now') - 1 "
                   "WHERE id = (SELECT max(id) FROM api_token)")
    check_error(stack, api(stack, "GET", "/api/v1/me", token=token), 401, "invalid_token",
                "/api/v1/me")


def test_disabled_or_removed_account(stack):
    for column in ("disabled_at", "removed_at"):
        _, email, token = new_token(stack)
        assert api(stack, "GET", "/api/v1/me", token=token).status == 200
        with stack.db() as db:
            db.execute("UPDATE account SET %s = 1 WHERE email = ?" % column, (email,))
        check_error(stack, api(stack, "GET", "/api/v1/me", token=token), 401,
                    "invalid_token", "/api/v1/me")


def test_staff_token_is_theirs(stack):
    _, email, token = new_token(stack, role="librarian")
    a = api(stack, "GET", "/api/v1/me", token=token)
    assert a.status == 200 and a.json["account"]["role"] == "librarian", a
    assert a.json["token"]["scope"] == "read"


def test_holds_need_read_write_and_are_audited_via_the_token(stack):
    tid, _ = add_title(stack, "Api hold title", copies=1)
    client, email, reader = new_token(stack, scope="read")
    r = make_token(client, name="Hold app", scope="read-write")
    writer = token_of(r)
    with stack.db() as db:
        me = db.execute("SELECT id FROM account WHERE email = ?", (email,)).fetchone()[0]
    place = "/api/v1/holds"
    check_error(stack, api(stack, "POST", place, token=reader, body={"title_id": tid}),
                403, "insufficient_scope", place, "post")
    check_error(stack, api(stack, "POST", place, body={"title_id": tid}), 401,
                "token_required", place, "post")
    bad = api(stack, "POST", place, token=writer, body=b'{"title_id": ',
              headers={"Content-Type": "application/json"})
    check_error(stack, bad, 400, "invalid_json", place, "post")
    check_error(stack, api(stack, "POST", place, token=writer, body=[tid]), 422,
                "invalid_field", place, "post")
    for body in ({"title_id": str(tid)}, {"title_id": 1.5}, {"title_id": -1}, {}):
        check_error(stack, api(stack, "POST", place, token=writer, body=body), 422,
                    "invalid_field", place, "post", field="title_id")
    check_error(stack, api(stack, "POST", place, token=writer, body="title_id=1",
                           headers={"Content-Type": "text/plain"}),
                415, "unsupported_media_type", place, "post")
    check_error(stack, api(stack, "POST", place, token=writer, body={"title_id": 999999}),
                404, "not_found", place, "post", field="title_id")
    a = api(stack, "POST", place, token=writer, body={"title_id": tid})
    assert a.status == 201, a
    check_answer(stack, a, place, "post")
    hold = a.json["hold"]
    assert hold["title_id"] == tid and hold["status"] in ("waiting", "ready")
    check_error(stack, api(stack, "POST", place, token=writer, body={"title_id": tid}),
                409, "refused", place, "post")
    # The account's holds, a page of one at a time; a read token may list them.
    tid2, _ = add_title(stack, "Api second hold title", copies=1)
    second = api(stack, "POST", place, token=writer, body={"title_id": tid2})
    assert second.status == 201, second
    listed, cursor = [], None
    for _ in range(3):
        path = "/api/v1/me/holds?limit=1" + ("&cursor=" + cursor if cursor else "")
        page = api(stack, "GET", path, token=reader)
        assert page.status == 200 and page.json["total"] == 2, page
        check_answer(stack, page, "/api/v1/me/holds")
        listed += [(h["id"], h["title_id"]) for h in page.json["items"]]
        cursor = page.json["next_cursor"]
        if not cursor:
            break
    assert listed == [(hold["id"], tid), (second.json["hold"]["id"], tid2)], listed
    cancel = "/api/v1/holds/{id}/cancel"
    # Another member's token: the hold is not said to exist, nor listed.
    _, _, stranger = new_token(stack, scope="read-write")
    mine = api(stack, "GET", "/api/v1/me/holds", token=stranger)
    assert mine.status == 200 and mine.json["items"] == [] and mine.json["total"] == 0
    check_error(stack, api(stack, "POST", "/api/v1/holds/%d/cancel" % hold["id"],
                           token=stranger), 404, "not_found", cancel, "post", field="id")
    a = api(stack, "POST", "/api/v1/holds/%d/cancel" % hold["id"], token=writer)
    assert a.status == 200 and a.json["hold"]["status"] == "cancelled", a
    check_answer(stack, a, cancel, "post")
    with stack.db() as db:
        row = db.execute("SELECT actor_id, detail FROM audit WHERE action = 'hold.cancel' "
                         "AND object = ?", ("hold:%d" % hold["id"],)).fetchone()
    assert row and row[0] == me and row[1].endswith('via API token "Hold app"'), row
    # The pages' own writes are not marked.
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM audit WHERE detail LIKE '%via API token%' "
                          "AND action <> 'hold.cancel'").fetchone()[0] == 0


def set_rate(admin, value):
    return admin.form("/admin/settings", "/admin/settings/api", {"api_rate": value})


def test_rate_limit_per_token(stack):
    _, _, token = new_token(stack)
    _, _, other = new_token(stack)
    admin, _ = member(stack, role="admin")
    r = set_rate(admin, "lots")
    assert r.status == 422 and 'id="api-rate-error"' in r.body, r
    assert 'value="lots"' in r.body
    r = set_rate(admin, "3")
    assert r.status == 303, r
    assert "The API&#39;s limit was saved" in admin.get(r.header("Location").split("#")[0]).body \
        or "The API's limit was saved" in admin.get(r.header("Location").split("#")[0]).body
    with stack.db() as db:
        assert db.execute("SELECT after_value FROM audit WHERE object = 'settings:api' "
                          "ORDER BY id DESC LIMIT 1").fetchone()[0] == "3"
    try:
        answers = [api(stack, "GET", "/api/v1/me", token=token) for _ in range(4)]
        # Near a minute's turn the window may start again: at most one reset.
        statuses = [a.status for a in answers]
        assert statuses.count(429) >= 1 or statuses == [200] * 4, statuses
        limited = [a for a in answers if a.status == 429]
        if not limited:
            limited = [api(stack, "GET", "/api/v1/me", token=token) for _ in range(3)]
            limited = [a for a in limited if a.status == 429]
        a = limited[0]
        check_error(stack, a, 429, "rate_limited", "/api/v1/me")
        assert 1 <= int(a.header("Retry-After")) <= 60, a.header("Retry-After")
        # Another token is counted on its own.
        assert api(stack, "GET", "/api/v1/me", token=other).status == 200
    finally:
        with stack.db() as db:
            db.execute("UPDATE setting SET value = '120' "
                       "WHERE key = 'api.requests_per_minute'")


if __name__ == "__main__":
    sys.exit(run_module(globals(), Stack()))
