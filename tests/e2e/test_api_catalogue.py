#!/usr/bin/env python3
"""End-to-end tests of the JSON API's public part through nginx: catalogue
search (the same results as /catalogue), cursor paging, a title with its
copies, ETags and 304, the one error shape, and the OpenAPI document:
every /api row of the route table is in it and the reverse, and every
answer here validates against its schema in it.

Also the helpers the API suites share: a JSON request and a validator of
the subset of JSON Schema the document uses (standard library only)."""
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from circ import add_title  # noqa: E402
from harness import Client, Stack, run_module  # noqa: E402

WORD = "Zephyrine"
TITLES = 27


class ApiAnswer:
    def __init__(self, r):
        self.status = r.status
        self.r = r
        self.json = json.loads(r.body) if r.body.strip() else None

    def header(self, name):
        return self.r.header(name)

    def __repr__(self):
        return "<ApiAnswer %d %s>" % (self.status, self.r.body[:300])


def api(stack, method, path, token=None, body=None, headers=None, client=None):
    """One API request; body (a dict) is sent as JSON, bytes as they are."""
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        h.setdefault("Content-Type", "application/json")
    r = (client or Client(stack.port)).request(method, path, body=body, headers=h)
    assert r.header("Content-Type") is None or not r.body or \
        r.header("Content-Type").startswith("application/json"), r
    return ApiAnswer(r)


# ---- a validator for the subset of JSON Schema the document uses ----

_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _is_type(value, t):
    if t == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, _TYPES[t])


KNOWN = {"type", "properties", "required", "additionalProperties", "items", "enum",
         "oneOf", "$ref", "format", "description", "minimum", "maximum", "default"}


def validate(value, schema, doc, where="$"):
    """Raise AssertionError naming where value breaks schema."""
    unknown = set(schema) - KNOWN
    assert not unknown, "%s: the validator does not know %s" % (where, unknown)
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return validate(value, doc["components"]["schemas"][name], doc, where)
    if "oneOf" in schema:
        passed = 0
        for s in schema["oneOf"]:
            try:
                validate(value, s, doc, where)
                passed += 1
            except AssertionError:
                pass
        assert passed == 1, "%s: %r matches %d of oneOf" % (where, value, passed)
        return
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        assert any(_is_type(value, t) for t in types), \
            "%s: %r is not %s" % (where, value, types)
    if "enum" in schema:
        assert value in schema["enum"], "%s: %r not in %s" % (where, value, schema["enum"])
    if isinstance(value, dict):
        for k in schema.get("required", []):
            assert k in value, "%s: %s missing" % (where, k)
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            extra = set(value) - set(props)
            assert not extra, "%s: unexpected %s" % (where, extra)
        for k, s in props.items():
            if k in value:
                validate(value[k], s, doc, "%s.%s" % (where, k))
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            validate(v, schema["items"], doc, "%s[%d]" % (where, i))


_doc = {}


def openapi(stack):
    if stack.port not in _doc:
        a = api(stack, "GET", "/api/v1/openapi.json")
        assert a.status == 200, a
        _doc[stack.port] = a.json
    return _doc[stack.port]


def check_answer(stack, answer, path_pattern, method="get"):
    """The answer validates against the document's schema for its status
    (an error against Error) at that operation."""
    doc = openapi(stack)
    op = doc["paths"][path_pattern][method]
    resp = op["responses"].get(str(answer.status))
    assert resp, "status %d is not in the document for %s %s" % (
        answer.status, method, path_pattern)
    schema = resp["content"]["application/json"]["schema"]
    validate(answer.json, schema, doc)


def check_error(stack, answer, status, code, path_pattern, method="get", field=None):
    assert answer.status == status, answer
    assert answer.json["error"]["code"] == code, answer
    assert answer.json["error"]["message"], answer
    assert answer.json["error"]["field"] == field, answer
    validate(answer.json, openapi(stack)["components"]["schemas"]["Error"], openapi(stack))
    if path_pattern:
        check_answer(stack, answer, path_pattern, method)


# ---- tests ----

_made = {}


def zephyr_titles(stack):
    if not _made:
        for i in range(TITLES):
            tid, _ = add_title(stack, "%s voyage %02d" % (WORD, i), copies=1 + i % 2)
            _made[tid] = i
    return _made


def html_ids(stack, query, page=1):
    r = Client(stack.port).get("/catalogue?%s&page=%d" % (query, page))
    assert r.status == 200, r
    return [int(x) for x in re.findall(r'class="title" href="/titles/(\d+)"', r.body)]


def test_search_matches_the_html_catalogue(stack):
    zephyr_titles(stack)
    for query in ("q=" + WORD.lower(), "q=%s&sort=title" % WORD.lower(),
                  "q=%s+voyage+1" % WORD.lower()):
        a = api(stack, "GET", "/api/v1/catalogue?" + query + "&limit=20")
        assert a.status == 200, a
        check_answer(stack, a, "/api/v1/catalogue")
        assert [h["id"] for h in a.json["items"]] == html_ids(stack, query), query
    a = api(stack, "GET", "/api/v1/catalogue?q=" + WORD.lower())
    assert a.json["total"] == TITLES and a.json["limit"] == 20, a
    assert a.header("Cache-Control") == "no-cache", a.header("Cache-Control")
    hit = a.json["items"][0]
    assert WORD in hit["title"] and hit["copies"] in (1, 2) and hit["format"] == "print"


def test_cursor_pages_without_duplicates(stack):
    zephyr_titles(stack)
    seen, cursor, pages = [], None, 0
    while True:
        path = "/api/v1/catalogue?q=%s&limit=7" % WORD.lower()
        if cursor:
            path += "&cursor=" + urllib.parse.quote(cursor)
        a = api(stack, "GET", path)
        assert a.status == 200, a
        check_answer(stack, a, "/api/v1/catalogue")
        seen += [h["id"] for h in a.json["items"]]
        pages += 1
        cursor = a.json["next_cursor"]
        if not cursor:
            break
        assert pages < 10
    assert pages == 4, pages
    assert len(seen) == len(set(seen)) == TITLES
    assert set(seen) == set(zephyr_titles(stack))
    # The same order as the HTML pages, one after another.
    html = html_ids(stack, "q=" + WORD.lower(), 1) + html_ids(stack, "q=" + WORD.lower(), 2)
    assert seen == html
    check_error(stack, api(stack, "GET", "/api/v1/catalogue?cursor=nonsense"), 400,
                "invalid_cursor", "/api/v1/catalogue", field="cursor")
    check_error(stack, api(stack, "GET", "/api/v1/catalogue?limit=0"), 422,
                "invalid_field", "/api/v1/catalogue", field="limit")
    check_error(stack, api(stack, "GET", "/api/v1/catalogue?limit=101"), 422,
                "invalid_field", "/api/v1/catalogue", field="limit")
    check_error(stack, api(stack, "GET", "/api/v1/catalogue?format=vinyl"), 422,
                "invalid_field", "/api/v1/catalogue", field="format")
    check_error(stack, api(stack, "GET", "/api/v1/catalogue?sort=random"), 422,
                "invalid_field", "/api/v1/catalogue", field="sort")


def test_title_with_copies(stack):
    tid, codes = add_title(stack, "Api title with copies", copies=3)
    with stack.db() as db:
        db.execute("UPDATE copy SET status = 'withdrawn' WHERE barcode = ?", (codes[2],))
        db.execute("UPDATE copy SET status = 'lost' WHERE barcode = ?", (codes[1],))
    a = api(stack, "GET", "/api/v1/titles/%d" % tid)
    assert a.status == 200, a
    check_answer(stack, a, "/api/v1/titles/{id}")
    t = a.json
    assert t["id"] == tid and t["title"] == "Api title with copies"
    assert t["copies_total"] == 2 and t["copies_available"] == 1, t
    assert sorted(c["status"] for c in t["copies"]) == ["available", "lost"]
    assert [c["available"] for c in t["copies"] if c["status"] == "available"] == [True]
    check_error(stack, api(stack, "GET", "/api/v1/titles/999999"), 404, "not_found",
                "/api/v1/titles/{id}", field="id")
    check_error(stack, api(stack, "GET", "/api/v1/titles/abc"), 404, "not_found", None)


def test_etag_and_304(stack):
    tid, _ = add_title(stack, "Etag title", copies=1)
    a = api(stack, "GET", "/api/v1/titles/%d" % tid)
    etag = a.header("ETag")
    assert a.status == 200 and etag and etag.startswith('"'), a
    b = api(stack, "GET", "/api/v1/titles/%d" % tid, headers={"If-None-Match": etag})
    assert b.status == 304 and b.json is None, b
    assert b.header("ETag") == etag
    c = api(stack, "GET", "/api/v1/titles/%d" % tid, headers={"If-None-Match": '"other"'})
    assert c.status == 200
    with stack.db() as db:
        db.execute("UPDATE title SET subtitle = 'changed' WHERE id = ?", (tid,))
    d = api(stack, "GET", "/api/v1/titles/%d" % tid, headers={"If-None-Match": etag})
    assert d.status == 200 and d.header("ETag") != etag, d
    s = api(stack, "GET", "/api/v1/catalogue?q=etag")
    s2 = api(stack, "GET", "/api/v1/catalogue?q=etag",
             headers={"If-None-Match": s.header("ETag")})
    assert s2.status == 304


def test_errors_are_json(stack):
    check_error(stack, api(stack, "GET", "/api/v1/nothing-here"), 404, "not_found", None)
    check_error(stack, api(stack, "GET", "/api/nothing"), 404, "not_found", None)
    a = api(stack, "POST", "/api/v1/catalogue", body={"q": "x"})
    check_error(stack, a, 405, "method_not_allowed", None)
    assert a.header("Allow") == "GET, HEAD", a.header("Allow")
    a = api(stack, "GET", "/api/v1/holds")
    check_error(stack, a, 405, "method_not_allowed", None)
    assert a.header("Allow") == "POST", a.header("Allow")
    a = api(stack, "POST", "/api/v1/catalogue", body="q=x",
            headers={"Content-Type": "application/x-www-form-urlencoded"})
    check_error(stack, a, 415, "unsupported_media_type", None)
    a = api(stack, "POST", "/api/v1/catalogue", body=b"{" + b" " * (70 * 1024) + b"}",
            headers={"Content-Type": "application/json"})
    check_error(stack, a, 413, "payload_too_large", None)
    a = api(stack, "GET", "/api/v1/catalogue?q=%ff")
    check_error(stack, a, 400, "bad_request", "/api/v1/catalogue")


def test_docs_page_made_from_the_document(stack):
    r = Client(stack.port).get("/api/docs")
    assert r.status == 200 and r.header("Content-Type").startswith("text/html"), r
    doc = openapi(stack)
    for path, item in doc["paths"].items():
        for method in item:
            assert "<code>%s %s</code>" % (method.upper(), path) in r.body, (method, path)
    for name in doc["components"]["schemas"]:
        assert 'id="schema-%s"' % name in r.body, name
    # Every link to a schema finds it.
    for target in re.findall(r'href="#(schema-[A-Za-z]+)"', r.body):
        assert 'id="%s"' % target in r.body, target
    assert "Needs a read-write token" in r.body


def test_openapi_matches_the_route_table(stack):
    doc = openapi(stack)
    assert doc["openapi"].startswith("3.1")
    rows = set()
    for line in stack.cli("routes").stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1].startswith("/api/"):
            rows.add((parts[0].lower(), parts[1]))
            assert " api " in line, line
    ops = {(m, p) for p, item in doc["paths"].items() for m in item}
    assert rows and rows == ops, (rows ^ ops)
    # Every operation's answer schema is there, and the 200s of the public
    # ones validate (the token ones in test_api_tokens).
    for p, item in doc["paths"].items():
        for m, op in item.items():
            ok = [k for k in op["responses"] if k.startswith("2")]
            assert len(ok) == 1, (p, m, ok)
            content = op["responses"][ok[0]]["content"]
            if p == "/api/docs":
                assert list(content) == ["text/html"], content
                continue
            ref = content["application/json"]["schema"]["$ref"]
            assert ref.rsplit("/", 1)[1] in doc["components"]["schemas"], ref
    check_answer(stack, api(stack, "GET", "/api/v1/openapi.json"), "/api/v1/openapi.json")


if __name__ == "__main__":
    sys.exit(run_module(globals(), Stack()))
