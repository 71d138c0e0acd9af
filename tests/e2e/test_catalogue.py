#!/usr/bin/env python3
"""End-to-end tests of the catalogue: staff screens (titles, copies, ISBN
look-up against a local server that answers like Open Library, covers) and
the public search, through the real nginx."""
import os
import re
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_isbn_server  # noqa: E402
import images  # noqa: E402
from harness import BIN, Client, Stack, run_module  # noqa: E402

LIBRARIAN = ("librarian@test.example", "librarian password")
MEMBER = ("member@test.example", "member password 1")
HOBBIT = "9780261102217"
_barcodes = [0]


def barcode():
    _barcodes[0] += 1
    return "T%06d" % _barcodes[0]


def q(s):
    return urllib.parse.quote(s)


def count_rows(stack, sql, *args):
    with stack.db() as db:
        return db.execute(sql, args).fetchone()[0]


def covers_on_disk(stack):
    d = os.path.join(stack.env["CARREL_UPLOADS"], "covers")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def found_titles(page):
    return re.findall(r'class="title" href="/titles/(\d+)">([^<]*)', page.body)


def titles_found(stack, query):
    r = Client(stack.port).get("/catalogue?" + query)
    assert r.status == 200, (query, r)
    return [t for _, t in found_titles(r)]


def new_title(staff, fields, files=()):
    """Post the new-title form (multipart, as the browser does)."""
    page = staff.get("/staff/titles/new")
    fields = dict({"format": "print"}, **fields)
    body_fields = [("csrf", page.csrf())] + list(fields.items())
    body, ctype = images.multipart(body_fields, list(files))
    return staff.request("POST", "/staff/titles/new", body=body,
                         headers={"Content-Type": ctype})


def title_id_from(r):
    m = re.match(r"/staff/titles/(\d+)/copies", r.header("Location") or "")
    assert m, r
    return int(m.group(1))


def add_copy(staff, title_id, code, **extra):
    page = staff.get("/staff/titles/%d/copies" % title_id)
    fields = {"barcode": code, "location": "FIC TOL", "acquired_on": "2026-11-01",
              "source": "Book Wholesale Ltd", "cost": "12.50", "csrf": page.csrf()}
    fields.update(extra)
    return staff.post("/staff/titles/%d/copies" % title_id, fields)


# ---- tests ----

def test_librarian_catalogues_by_isbn_and_visitor_finds_it(stack):
    staff = stack.login(*LIBRARIAN)
    # Fill from ISBN: the local look-up server answers like Open Library.
    page = staff.get("/staff/titles/new?isbn=978-0-261-10221-7")
    assert page.status == 200, page
    assert 'value="The Hobbit"' in page.body, page.body[:3000]
    assert "J. R. R. Tolkien" in page.body and 'value="HarperCollins"' in page.body
    assert 'value="1999"' in page.body and 'value="310"' in page.body
    assert "Filled in from the ISBN service" in page.body
    # Save it with a cover, as the librarian would after checking the form.
    with stack.db() as db:
        fiction = db.execute("SELECT id FROM section WHERE name = 'Fiction'").fetchone()[0]
    cover = images.png()
    r = new_title(staff, {"isbn": "978-0-261-10221-7", "title": "The Hobbit",
                          "subtitle": "or There and Back Again",
                          "authors": "J. R. R. Tolkien", "publisher": "HarperCollins",
                          "pub_date": "1999", "genre": "Fantasy", "section": str(fiction),
                          "language": "en", "pages": "310",
                          "description": "Bilbo Baggins goes on an adventure."},
                  [("cover", "hobbit.png", "image/png", cover)])
    assert r.status == 303, r
    tid = title_id_from(r)
    assert images.cover_name(cover, "png") in covers_on_disk(stack)
    assert add_copy(staff, tid, barcode()).status == 303
    assert add_copy(staff, tid, barcode(), location="FIC TOL 2").status == 303
    assert count_rows(stack, "SELECT count(*) FROM copy WHERE title_id = ?", tid) == 2
    # The cover is served by nginx itself.
    img = Client(stack.port).request("GET", "/covers/" + images.cover_name(cover, "png"))
    assert img.status == 200 and img.header("Content-Type") == "image/png", img
    # A visitor finds it by a word of the title, by author, by ISBN with
    # hyphens and by a prefix.
    for query in ("q=hobbit", "q=tolkien", "q=" + q("978-0-261-10221-7"),
                  "q=" + q("0-261-10221-4"), "q=hobb", "author=" + q("J. R. R. Tolkien")):
        assert "The Hobbit" in titles_found(stack, query), query
    page = Client(stack.port).get("/titles/%d" % tid)
    assert page.status == 200
    for text in ("The Hobbit", "or There and Back Again", "HarperCollins", "978-0-261-10221-7",
                 "FIC TOL", "on the shelf", "Fantasy", images.cover_name(cover, "png")):
        assert text in page.body, text


def test_filters_narrow_results(stack):
    staff = stack.login(*LIBRARIAN)
    with stack.db() as db:
        history = db.execute("SELECT id FROM section WHERE name = 'History'").fetchone()[0]
    ids = {}
    for title, year, fmt, section in (("Zebra Migration Atlas", "1990", "print", history),
                                      ("Zebra Migration Diaries", "2015", "ebook", ""),
                                      ("Zebra Migration Field Notes", "2001", "print", "")):
        r = new_title(staff, {"title": title, "authors": "Quentin Zed", "pub_date": year,
                              "format": fmt, "section": str(section), "genre": "Nature"})
        assert r.status == 303, r
        ids[title] = title_id_from(r)
    add_copy(staff, ids["Zebra Migration Atlas"], barcode())
    assert len(titles_found(stack, "q=zebra+migration")) == 3
    assert titles_found(stack, "q=zebra&format=ebook") == ["Zebra Migration Diaries"]
    assert titles_found(stack, "q=zebra&section=%d" % history) == ["Zebra Migration Atlas"]
    assert titles_found(stack, "q=zebra&available=1") == ["Zebra Migration Atlas"]
    assert sorted(titles_found(stack, "q=zebra&year_from=2000&year_to=2020")) == \
        ["Zebra Migration Diaries", "Zebra Migration Field Notes"]
    # Filters together, a year range among them.
    assert titles_found(stack, "q=zebra&format=print&genre=nature&year_from=1995") == \
        ["Zebra Migration Field Notes"]
    assert titles_found(stack, "section=%d&year_from=1980&year_to=1995" % history) == \
        ["Zebra Migration Atlas"]
    assert titles_found(stack, "q=zebra&sort=newest")[0] == "Zebra Migration Diaries"
    assert titles_found(stack, "q=zebra&sort=title")[0] == "Zebra Migration Atlas"
    assert len(titles_found(stack, "genre=Nature")) == 3
    r = Client(stack.port).get("/catalogue?q=zebra&year_from=nineteen")
    assert r.status == 400 and "A year is a number" in r.body, r


def test_search_text_is_never_fts_syntax(stack):
    for text in ('"(*', "-", "*", "()", '"', "hobbit AND", "NEAR(a b)", "^x", "a:b",
                 "{title}: x", "hobbit -", "' OR 1=1 --"):
        r = Client(stack.port).get("/catalogue?q=" + q(text))
        assert r.status == 200, (text, r)
    r = Client(stack.port).get("/catalogue?q=" + q('"(*'))
    assert "holds no letters or digits" in r.body
    r = Client(stack.port).get("/catalogue?q=" + q("xyzzyplugh"))
    assert "Nothing matches" in r.body and "Check the spelling" in r.body


def test_ranking_puts_title_matches_first(stack):
    staff = stack.login(*LIBRARIAN)
    r1 = new_title(staff, {"title": "Gardens of the Moon", "authors": "Pat Quill",
                           "description": "An epic of sorcery and war."})
    r2 = new_title(staff, {"title": "Sorcery", "authors": "Ann Other",
                           "description": "A history of magic."})
    assert r1.status == r2.status == 303
    assert titles_found(stack, "q=sorcery")[0] == "Sorcery"


def test_bad_isbn_gif_cover_big_image_duplicate_barcode_store_nothing(stack):
    staff = stack.login(*LIBRARIAN)
    before = count_rows(stack, "SELECT count(*) FROM title")
    covers_before = covers_on_disk(stack)
    # An invalid ISBN is a field error.
    r = new_title(staff, {"isbn": "978-0-261-10221-8", "title": "Bad ISBN"})
    assert r.status == 422 and "check digit" in r.body, r
    assert 'aria-describedby="isbn-error"' in r.body
    # A GIF renamed .jpg is refused, by content.
    r = new_title(staff, {"title": "Gif Cover"},
                  [("cover", "cover.jpg", "image/jpeg", images.gif())])
    assert r.status == 422 and "GIF" in r.body, r
    # A 20 MB image is refused beside the control, and nothing is stored.
    big = images.jpeg() + b"\0" * (20 * 1024 * 1024)
    r = new_title(staff, {"title": "Huge Cover"}, [("cover", "big.jpg", "image/jpeg", big)])
    assert r.status == 422 and "too large" in r.body.lower() and "5 MB" in r.body, r
    assert count_rows(stack, "SELECT count(*) FROM title") == before
    assert covers_on_disk(stack) == covers_before
    # A duplicate barcode is refused with a message.
    r = new_title(staff, {"title": "Barcode Test"})
    tid = title_id_from(r)
    code = barcode()
    assert add_copy(staff, tid, code).status == 303
    r = add_copy(staff, tid, code)
    assert r.status == 422 and "already used" in r.body, r
    assert count_rows(stack, "SELECT count(*) FROM copy WHERE barcode = ?", code) == 1
    # A duplicate ISBN too.
    r = new_title(staff, {"isbn": HOBBIT, "title": "Second Hobbit"})
    assert r.status == 422 and "already has this ISBN" in r.body, r


def test_isbn_lookup_failures_leave_the_form_usable(stack):
    staff = stack.login(*LIBRARIAN)
    started = time.time()
    r = staff.get("/staff/titles/new?isbn=" + fake_isbn_server.SLOW_ISBN)
    assert time.time() - started < 5
    assert r.status == 200 and "did not answer" in r.body, r.body[:2000]
    assert 'name="title"' in r.body and r.csrf()
    r = staff.get("/staff/titles/new?isbn=" + fake_isbn_server.ERROR_ISBN)
    assert r.status == 200 and "HTTP 500" in r.body, r
    r = staff.get("/staff/titles/new?isbn=9780000000033")
    assert "does not know this ISBN" in r.body, r
    r = staff.get("/staff/titles/new?isbn=12345")
    assert "10 or 13 digits" in r.body, r
    r = staff.get("/staff/isbn/9780441172719")
    assert r.status == 200 and "Dune" in r.body and "Frank Herbert" in r.body, r
    r = staff.get("/staff/isbn/not-an-isbn")
    assert r.status == 400, r


def test_member_cannot_reach_staff_titles(stack):
    m = stack.login(*MEMBER)
    for path in ("/staff/titles", "/staff/titles/new", "/staff/isbn/" + HOBBIT, "/staff"):
        assert m.get(path).status == 403, path
    assert Client(stack.port).get("/staff/titles").status == 303


def test_edit_delete_and_index_kept_in_step(stack):
    staff = stack.login(*LIBRARIAN)
    r = new_title(staff, {"title": "Quokka Diaries", "authors": "Ivy Rowe"})
    tid = title_id_from(r)
    assert titles_found(stack, "q=quokka") == ["Quokka Diaries"]
    page = staff.get("/staff/titles/%d/edit" % tid)
    assert 'value="Quokka Diaries"' in page.body
    body, ctype = images.multipart([("csrf", page.csrf()), ("title", "Wombat Diaries"),
                                    ("authors", "Ivy Rowe\nSam Hart"), ("format", "print")], [])
    r = staff.request("POST", "/staff/titles/%d/edit" % tid, body=body,
                      headers={"Content-Type": ctype})
    assert r.status == 303, r
    assert titles_found(stack, "q=quokka") == []
    assert titles_found(stack, "q=wombat") == ["Wombat Diaries"]
    assert titles_found(stack, "q=hart") == ["Wombat Diaries"]
    # Not deleted while a copy is on loan.
    code = barcode()
    add_copy(staff, tid, code)
    with stack.db() as db:
        db.execute("UPDATE copy SET status = 'on-loan' WHERE barcode = ?", (code,))
    page = staff.get("/staff/titles/%d/delete" % tid)
    r = staff.post("/staff/titles/%d/delete" % tid, {"csrf": page.csrf()})
    assert r.status == 409 and "on loan" in r.body, r
    with stack.db() as db:
        db.execute("UPDATE copy SET status = 'available' WHERE barcode = ?", (code,))
    r = staff.post("/staff/titles/%d/delete" % tid, {"csrf": page.csrf()})
    assert r.status == 303, r
    assert titles_found(stack, "q=wombat") == []
    assert Client(stack.port).get("/titles/%d" % tid).status == 404


def test_copies_edit_and_withdraw(stack):
    staff = stack.login(*LIBRARIAN)
    tid = title_id_from(new_title(staff, {"title": "Copy Keeping"}))
    code = barcode()
    add_copy(staff, tid, code)
    with stack.db() as db:
        cid = db.execute("SELECT id FROM copy WHERE barcode = ?", (code,)).fetchone()[0]
    page = staff.get("/staff/titles/%d/copies" % tid)
    r = staff.post("/staff/titles/%d/copies/%d" % (tid, cid),
                   {"csrf": page.csrf(), "location": "REF 12", "status": "in-repair",
                    "notes": "spine loose", "acquired_on": "2026-11-01", "cost": "12.50"})
    assert r.status == 303, r
    # Circulation's own statuses cannot be set by hand.
    r = staff.post("/staff/titles/%d/copies/%d" % (tid, cid),
                   {"csrf": page.csrf(), "status": "on-loan"})
    assert r.status == 422, r
    with stack.db() as db:
        row = db.execute("SELECT location, status, notes, cost_cents FROM copy WHERE id = ?",
                         (cid,)).fetchone()
    assert row == ("REF 12", "in-repair", "spine loose", 1250), row
    assert "being repaired" in Client(stack.port).get("/titles/%d" % tid).body
    # A copy out on loan keeps its status (the page sends it back as it is)
    # while its shelf and notes change; it cannot be set to another.
    with stack.db() as db:
        db.execute("UPDATE copy SET status = 'on-loan' WHERE id = ?", (cid,))
    page = staff.get("/staff/titles/%d/copies" % tid)
    assert '<input type="hidden" name="status" value="on-loan">' in page.body
    r = staff.post("/staff/titles/%d/copies/%d" % (tid, cid),
                   {"csrf": page.csrf(), "location": "REF 14", "status": "on-loan",
                    "notes": "spine mended"})
    assert r.status == 303, r
    r = staff.post("/staff/titles/%d/copies/%d" % (tid, cid),
                   {"csrf": page.csrf(), "location": "REF 14", "status": "lost"})
    assert r.status == 422 and "checked in" in r.body, r
    with stack.db() as db:
        assert db.execute("SELECT location, status, notes FROM copy WHERE id = ?",
                          (cid,)).fetchone() == ("REF 14", "on-loan", "spine mended")
        db.execute("UPDATE copy SET status = 'available' WHERE id = ?", (cid,))
    r = staff.post("/staff/titles/%d/copies/%d/withdraw" % (tid, cid), {"csrf": page.csrf()})
    assert r.status == 303, r
    assert count_rows(stack, "SELECT count(*) FROM copy WHERE id = ? AND status = 'withdrawn'",
                      cid) == 1
    # A copy of another title cannot be reached through this one.
    r = staff.post("/staff/titles/%d/copies/%d/withdraw" % (tid + 1000, cid),
                   {"csrf": page.csrf()})
    assert r.status == 404, r


def test_staff_titles_list_search_and_paging(stack):
    staff = stack.login(*LIBRARIAN)
    r = staff.get("/staff/titles")
    assert r.status == 200 and "New title" in r.body
    r = staff.get("/staff/titles?q=hobbit")
    assert "The Hobbit" in r.body
    r = staff.get("/staff/titles?sort=title")
    assert r.status == 200


def test_sections_pages(stack):
    r = Client(stack.port).get("/sections")
    assert r.status == 200 and "Fiction" in r.body
    with stack.db() as db:
        fiction = db.execute("SELECT id FROM section WHERE name = 'Fiction'").fetchone()[0]
    r = Client(stack.port).get("/sections/%d" % fiction)
    assert r.status == 200 and "The Hobbit" in r.body, r
    assert Client(stack.port).get("/sections/99999").status == 404


def test_common_words_are_looked_for_in_a_window(stack):
    """Two common words found only in a description, of a title beyond the
    first CARREL_SEARCH_WINDOW (3) in search order: the page says where it
    looked and links to a search of every title, which finds it."""
    staff = stack.login(*LIBRARIAN)
    r = new_title(staff, {"title": "Ledger of Tides", "authors": "Ora Vance",
                          "description": "A zephyr and a quokka sail north."})
    assert r.status == 303, r
    target = title_id_from(r)
    for i in range(4):   # newer titles come first in search order
        assert new_title(staff, {"title": "Almanac Volume %d" % i,
                                 "authors": "Ora Vance"}).status == 303
    # The nightly job makes the window: the first 3 titles, indexed alone.
    with stack.db() as db:
        db.execute("DELETE FROM setting WHERE key = 'search.common_at'")
    out = subprocess.run([os.path.join(BIN, "carrel-cron"), "run"], env=stack.env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "common terms and window refreshed" in out.stdout, out
    with stack.db() as db:
        bound = db.execute("SELECT bound FROM search_window").fetchone()[0]
        assert db.execute("SELECT count(*) FROM title_doc WHERE key < ?",
                          (bound,)).fetchone()[0] == 3
        # As catalogue_common_terms lists them in a big catalogue.
        for fts in (0, 1):
            for word in ("zephyr", "quokka"):
                db.execute("INSERT INTO search_common(fts, term, docs) VALUES (?, ?, 50000)",
                           (fts, word))
    r = Client(stack.port).get("/catalogue?q=" + q("zephyr quokka"))
    assert r.status == 200, r
    assert found_titles(r) == [], found_titles(r)
    assert "among the 3 most borrowed and newest titles" in r.body, r.body
    m = re.search(r'href="(/catalogue\?q=[^"]*deep=1)"', r.body)
    assert m, r.body
    deep = Client(stack.port).get(m.group(1).replace("&amp;", "&"))
    assert deep.status == 200, deep
    assert found_titles(deep) == [(str(target), "Ledger of Tides")], found_titles(deep)
    assert "most borrowed and newest" not in deep.body
    # One word, or words in the title fields, are never bounded.
    assert titles_found(stack, "q=zephyr") == ["Ledger of Tides"]
    assert titles_found(stack, "q=" + q("ledger tides")) == ["Ledger of Tides"]
    # Curly apostrophes and dashes cut words as the index does.
    assert titles_found(stack, "q=" + q("Ledger’s tides—quokka")) == []
    assert titles_found(stack, "q=" + q("ledger’s")) == []
    assert "Ledger of Tides" in titles_found(stack, "q=" + q("ledger tides") + "&deep=1")
    with stack.db() as db:
        db.execute("DELETE FROM search_common")
    # Words that are not common are looked for in every title.
    assert titles_found(stack, "q=" + q("zephyr quokka")) == ["Ledger of Tides"]


def test_home_links_new_titles(stack):
    r = Client(stack.port).get("/")
    assert re.search(r'href="/titles/\d+">', r.body), r.body[:2000]
    assert 'action="/catalogue"' in r.body


def main():
    server, port = fake_isbn_server.start()
    url = "http://127.0.0.1:%d/api/books?bibkeys=ISBN:{isbn}&format=json&jscmd=data" % port
    stack = Stack(CARREL_ISBN_URL=url, CARREL_ISBN_TIMEOUT_MS=1000,
                  CARREL_PUBLIC_CACHE_SECONDS=0, CARREL_SEARCH_WINDOW=3)
    r = stack.cli("migrate")
    assert r.returncode == 0, r.stderr
    with stack.db() as db:
        for name in ("Fiction", "History", "Science"):
            db.execute("INSERT INTO section(name) VALUES (?)", (name,))
    stack.add_user(LIBRARIAN[0], "Libby Rarian", "librarian", LIBRARIAN[1])
    stack.add_user(MEMBER[0], "Mem Ber", "member", MEMBER[1])
    return run_module(globals(), stack, cleanup=server.shutdown)


if __name__ == "__main__":
    sys.exit(main())
