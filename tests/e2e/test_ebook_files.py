#!/usr/bin/env python3
"""E-book files end to end, through real nginx and workers: uploads on the
title form checked by content (and refused beside the control), what
staff see of a file, `carrel ebook attach/detach`, and reading through
/ebooks/{id}/read: a live grant gets the bytes from nginx (Range too),
every reading is recorded, and nobody else gets anything."""
import hashlib
import io
import os
import re
import stat
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import circ  # noqa: E402
import images  # noqa: E402
from harness import Client, run_module  # noqa: E402

LIBRARIAN = circ.LIBRARIAN


# ---- files made here, by hand ----

def make_pdf(pages=3, title="A Small Book", author="Ann Author", padding=0):
    """A valid PDF of `pages` pages with a correct xref table; padding adds
    a stream of that many bytes (for sizes)."""
    kids = " ".join("%d 0 R" % (3 + i) for i in range(pages))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            ("<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages)).encode()]
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"] * pages
    info = len(objs) + 1
    objs.append(("<< /Title (%s) /Author (%s) >>" % (title, author)).encode())
    if padding:
        objs.append(b"<< /Length %d >>\nstream\n" % padding + b"x" * padding
                    + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objs) + 1, info, xref))
    return bytes(out)


CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf"
    media-type="application/oebps-package+xml"/></rootfiles>
</container>"""

OPF = """<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="id">urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427</dc:identifier>
    <dc:title>%s</dc:title>
    <dc:creator>%s</dc:creator>
    <dc:language>%s</dc:language>
  </metadata>
  <manifest><item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/></manifest>
  <spine><itemref idref="c1"/></spine>
</package>"""


def make_epub(title="Les Misérables", author="Victor Hugo", lang="fr", container=True):
    """An EPUB: the mimetype entry first and stored, then the container
    naming the OPF package."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip",
                   compress_type=zipfile.ZIP_STORED)
        if container:
            z.writestr("META-INF/container.xml", CONTAINER, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("OEBPS/content.opf", OPF % (title, author, lang),
                   compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("OEBPS/c1.xhtml", "<html xmlns='http://www.w3.org/1999/xhtml'><body>"
                   "<p>Chapter one.</p></body></html>", compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def stored_name(data, ext):
    return hashlib.blake2b(data, digest_size=32).hexdigest() + "." + ext


# ---- helpers ----

def ebooks_dir(stack):
    return os.path.join(stack.env["CARREL_UPLOADS"], "ebooks")


def on_disk(stack):
    d = ebooks_dir(stack)
    return sorted(n for n in os.listdir(d) if not n.startswith(".")) if os.path.isdir(d) else []


def rows(stack, sql, *args):
    with stack.db() as db:
        return db.execute(sql, args).fetchall()


def post_title(staff, path, fields, files=()):
    """Post the title form at path (new or edit) as the browser does."""
    page = staff.get(path)
    assert page.status == 200, page
    body, ctype = images.multipart([("csrf", page.csrf())] + list(fields.items()), list(files))
    return staff.request("POST", path, body=body, headers={"Content-Type": ctype})


def new_ebook(staff, title, files=(), fmt="ebook"):
    return post_title(staff, "/staff/titles/new", {"title": title, "format": fmt,
                                                   "language": "en"}, files)


def title_id_from(r):
    m = re.match(r"/staff/titles/(\d+)/copies", r.header("Location") or "")
    assert m, r
    return int(m.group(1))


def field_error(body, field):
    m = re.search(r'<p class="field-error" id="%s-error">([^<]*)</p>' % field, body)
    return m.group(1) if m else None


def staff_client(stack):
    return stack.login(*LIBRARIAN)


def grant(stack, tid, mid, days=14, status="granted"):
    """An ebook_loan row as the request/grant flow would leave it."""
    now = int(time.time())
    with stack.db() as db:
        cur = db.execute(
            "INSERT INTO ebook_loan(title_id, account_id, status, requested_at, decided_at, "
            "access_until, loan_days, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (tid, mid, status, now - 60, now - 30, now + days * 86400, days,
             "withdrawn from the collection" if status == "revoked" else ""))
        return cur.lastrowid


PDF = make_pdf()
EPUB = make_epub()
_state = {}


def pdf_title(stack):
    """A title with PDF attached through the form, made once."""
    if "pdf" not in _state:
        staff = staff_client(stack)
        r = new_ebook(staff, "The Small Book", [("ebook_file", "small-book.pdf",
                                                  "application/pdf", PDF)])
        assert r.status == 303, r
        _state["pdf"] = title_id_from(r)
    return _state["pdf"]


# ---- tests ----

def test_pdf_upload_stored_by_content_and_shown_to_staff(stack):
    tid = pdf_title(stack)
    name = stored_name(PDF, "pdf")
    row = rows(stack, "SELECT name, media_type, bytes, pages, meta_title, meta_author, "
               "original_name FROM ebook_file WHERE title_id = ?", tid)
    assert row == [(name, "application/pdf", len(PDF), 3, "A Small Book", "Ann Author",
                    "small-book.pdf")], row
    path = os.path.join(ebooks_dir(stack), name)
    with open(path, "rb") as f:
        assert f.read() == PDF
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    page = staff_client(stack).get("/staff/titles/%d/edit" % tid)
    assert page.status == 200
    for words in ("PDF", "3 pages", "A Small Book", "Ann Author", "small-book.pdf",
                  'href="/ebooks/%d/read"' % tid, "Remove the file"):
        assert words in page.body, words
    assert re.search(r"<dd>PDF, [0-9.]+ (KB|bytes), 3 pages</dd>", page.body), page.body


def test_epub_upload_shows_its_metadata(stack):
    staff = staff_client(stack)
    r = new_ebook(staff, "Miserables", [("ebook_file", "hugo.epub", "application/epub+zip",
                                         EPUB)])
    assert r.status == 303, r
    tid = title_id_from(r)
    row = rows(stack, "SELECT name, media_type, pages, meta_title, meta_author, meta_language "
               "FROM ebook_file WHERE title_id = ?", tid)
    assert row == [(stored_name(EPUB, "epub"), "application/epub+zip", None,
                    "Les Misérables", "Victor Hugo", "fr")], row
    page = staff.get("/staff/titles/%d/edit" % tid)
    for words in ("EPUB", "Les Misérables", "Victor Hugo", "<dd>fr</dd>", "hugo.epub"):
        assert words in page.body, words


def test_refused_files_are_named_beside_the_control(stack):
    staff = staff_client(stack)
    titles_before = rows(stack, "SELECT count(*) FROM title")[0][0]
    files_before = on_disk(stack)
    zip_buf = io.BytesIO()
    with zipfile.ZipFile(zip_buf, "w") as z:
        z.writestr("notes.txt", "just a zip")
    cases = [
        ("cover.pdf", images.png(), "PNG image"),
        ("archive.epub", zip_buf.getvalue(), "ZIP archive that is not an EPUB"),
        ("broken.pdf", PDF[:len(PDF) // 2], "This PDF could not be read"),
        ("garbage.pdf", b"%PDF-1.4\n" + os.urandom(3000), "This PDF could not be read"),
        ("nocontainer.epub", make_epub(container=False), "container.xml"),
    ]
    for filename, data, words in cases:
        r = new_ebook(staff, "Refused Book", [("ebook_file", filename, "application/pdf",
                                               data)])
        assert r.status == 422, (filename, r)
        err = field_error(r.body, "ebook-file")
        assert err and words in err, (filename, err)
        assert 'value="Refused Book"' in r.body, "what was typed is kept"
        assert 'aria-describedby="ebook-file-error"' in r.body
    # A file for a print title is refused too.
    r = new_ebook(staff, "Print Book", [("ebook_file", "b.pdf", "application/pdf", PDF)],
                  fmt="print")
    assert r.status == 422 and "Only an e-book" in field_error(r.body, "ebook-file"), r
    assert rows(stack, "SELECT count(*) FROM title")[0][0] == titles_before
    assert on_disk(stack) == files_before


def test_a_file_over_the_setting_is_refused_with_size_and_limit(stack):
    staff = staff_client(stack)
    with stack.db() as db:
        db.execute("INSERT OR REPLACE INTO setting(key, value) VALUES ('ebooks.max_upload_mb', '1')")
    try:
        big = make_pdf(padding=1536 * 1024)
        r = new_ebook(staff, "Big Book", [("ebook_file", "big.pdf", "application/pdf", big)])
        assert r.status == 422, r
        err = field_error(r.body, "ebook-file")
        assert "too large: 1.6 MB; the limit is 1 MB" in err, err
        assert "command line" in err, err
        assert "up to 1 MB" in r.body
    finally:
        with stack.db() as db:
            db.execute("DELETE FROM setting WHERE key = 'ebooks.max_upload_mb'")
    assert stored_name(big, "pdf") not in on_disk(stack)


def test_a_29_megabyte_ebook_goes_through_nginx_and_the_worker(stack):
    staff = staff_client(stack)
    big = make_pdf(padding=29 * 1024 * 1024)
    cover = images.png()
    r = new_ebook(staff, "Thick Book", [("ebook_file", "thick.pdf", "application/pdf", big),
                                        ("cover", "c.png", "image/png", cover)])
    assert r.status == 303, r
    tid = title_id_from(r)
    assert rows(stack, "SELECT bytes FROM ebook_file WHERE title_id = ?", tid) == [(len(big),)]
    staff.form("/staff/titles/%d/delete" % tid, "/staff/titles/%d/delete" % tid, {})
    assert stored_name(big, "pdf") not in on_disk(stack), "a file no title uses is deleted"


def test_the_same_file_twice_is_stored_once(stack):
    staff = staff_client(stack)
    pdf_title(stack)
    r = new_ebook(staff, "The Small Book, again", [("ebook_file", "copy.pdf",
                                                    "application/pdf", PDF)])
    assert r.status == 303, r
    assert on_disk(stack).count(stored_name(PDF, "pdf")) == 1
    n = rows(stack, "SELECT count(*) FROM ebook_file WHERE name = ?", stored_name(PDF, "pdf"))
    assert n == [(2,)], n


def test_replacing_and_removing_the_file_on_the_form(stack):
    staff = staff_client(stack)
    first = make_pdf(title="First")
    r = new_ebook(staff, "Replaced", [("ebook_file", "1.pdf", "application/pdf", first)])
    tid = title_id_from(r)
    second = make_pdf(pages=5, title="Second")
    r = post_title(staff, "/staff/titles/%d/edit" % tid, {"title": "Replaced", "format": "ebook",
                   "language": "en"}, [("ebook_file", "2.pdf", "application/pdf", second)])
    assert r.status == 303, r
    assert rows(stack, "SELECT pages, meta_title FROM ebook_file WHERE title_id = ?", tid) == \
        [(5, "Second")]
    assert stored_name(first, "pdf") not in on_disk(stack)
    # Making it a print title while it has a file is refused...
    r = post_title(staff, "/staff/titles/%d/edit" % tid, {"title": "Replaced", "format": "print",
                   "language": "en"})
    assert r.status == 422 and "has an e-book file" in r.body, r
    # ...unless the file goes at the same time.
    r = post_title(staff, "/staff/titles/%d/edit" % tid, {"title": "Replaced", "format": "print",
                   "language": "en", "remove_ebook_file": "1"})
    assert r.status == 303, r
    assert rows(stack, "SELECT count(*) FROM ebook_file WHERE title_id = ?", tid) == [(0,)]
    assert stored_name(second, "pdf") not in on_disk(stack)
    # Each change is in the audit trail, by the librarian.
    trail = rows(stack, "SELECT a.action, a.before_value, a.after_value, u.email FROM audit a "
                 "JOIN account u ON u.id = a.actor_id WHERE a.object = ? "
                 "AND a.action LIKE 'ebook.%' ORDER BY a.id", "title:%d" % tid)
    assert trail == [("ebook.file", "", stored_name(first, "pdf"), LIBRARIAN[0]),
                     ("ebook.file", stored_name(first, "pdf"), stored_name(second, "pdf"),
                      LIBRARIAN[0]),
                     ("ebook.file-removed", stored_name(second, "pdf"), "", LIBRARIAN[0])], trail


def test_cli_attach_and_detach(stack):
    tid, _ = circ.add_title(stack, "Command Line Book", copies=0, fmt="ebook")
    data = make_epub(title="From the shell", author="Tess Terminal", lang="en")
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
        f.write(data)
    try:
        r = stack.cli("ebook", "attach", str(tid), f.name)
        assert r.returncode == 0, r.stderr
        assert "EPUB" in r.stdout, r.stdout
        row = rows(stack, "SELECT name, meta_title, meta_author, uploaded_by FROM ebook_file "
                   "WHERE title_id = ?", tid)
        assert row == [(stored_name(data, "epub"), "From the shell", "Tess Terminal", None)], row
        # The same checks as the web: a PNG is refused whatever its name.
        with open(f.name, "wb") as g:
            g.write(images.png())
        r = stack.cli("ebook", "attach", str(tid), f.name)
        assert r.returncode == 1 and "PNG image" in r.stderr, r
        # A print title takes no file.
        ptid, _ = circ.add_title(stack, "Paper Only", copies=0)
        r = stack.cli("ebook", "attach", str(ptid), f.name)
        assert r.returncode == 1 and "e-book" in r.stderr, r
        r = stack.cli("ebook", "detach", str(tid))
        assert r.returncode == 0, r.stderr
        assert rows(stack, "SELECT count(*) FROM ebook_file WHERE title_id = ?", tid) == [(0,)]
        assert stored_name(data, "epub") not in on_disk(stack)
        r = stack.cli("ebook", "detach", str(tid))
        assert r.returncode == 1 and "no e-book file" in r.stderr, r
        r = stack.cli("--help")
        assert "carrel ebook attach TITLE_ID FILE" in r.stderr
    finally:
        os.unlink(f.name)


def test_a_granted_member_reads_the_file_through_nginx(stack):
    tid = pdf_title(stack)
    reader, _, mid = circ.member(stack, "Rita Reader")
    loan = grant(stack, tid, mid)
    r = reader.get("/ebooks/%d/read" % tid)
    assert r.status == 200, r
    assert r.data == PDF
    assert r.header("Content-Type") == "application/pdf", r.headers
    assert r.header("Content-Disposition") == 'inline; filename="The-Small-Book.pdf"', r.headers
    assert "no-store" in r.header("Cache-Control") and "private" in r.header("Cache-Control")
    assert r.header("X-Accel-Redirect") is None
    r = reader.request("GET", "/ebooks/%d/read" % tid, headers={"Range": "bytes=10-99"})
    assert r.status == 206, r
    assert r.data == PDF[10:100]
    assert r.header("Content-Range") == "bytes 10-99/%d" % len(PDF), r.headers
    got = rows(stack, "SELECT loan_id, account_id, title_id, range FROM ebook_access "
               "WHERE account_id = ? ORDER BY id", mid)
    assert got == [(loan, mid, tid, ""), (loan, mid, tid, "bytes=10-99")], got
    _state["reader"] = (reader, mid, loan)


def test_the_same_url_is_refused_after_expiry_and_revoke(stack):
    tid = pdf_title(stack)
    if "reader" not in _state:
        test_a_granted_member_reads_the_file_through_nginx(stack)
    reader, mid, loan = _state["reader"]
    circ.set_clock(stack, 15)
    try:
        r = reader.get("/ebooks/%d/read" % tid)
        assert r.status == 403, r
        assert "Your access to this e-book has ended" in r.body
        assert 'href="/titles/%d"' % tid in r.body
        assert r.data[:5] != b"%PDF-"
    finally:
        circ.set_clock(stack, 0)
    assert reader.get("/ebooks/%d/read" % tid).status == 200
    with stack.db() as db:
        db.execute("UPDATE ebook_loan SET status = 'revoked', reason = 'Licence ended', "
                   "ended_at = ? WHERE id = ?", (int(time.time()), loan))
    r = reader.get("/ebooks/%d/read" % tid)
    assert r.status == 403 and "has ended" in r.body, r
    n = rows(stack, "SELECT count(*) FROM ebook_access WHERE account_id = ?", mid)[0][0]
    assert n == 3, n   # the two readings before, and the one after the clock came back


def test_others_are_refused_and_visitors_sent_to_log_in(stack):
    tid = pdf_title(stack)
    other, _, omid = circ.member(stack, "Otto Other")
    r = other.get("/ebooks/%d/read" % tid)
    assert r.status == 403 and "You have not been granted this e-book" in r.body, r
    # A loan that is only requested gives nothing either.
    now = int(time.time())
    with stack.db() as db:
        db.execute("INSERT INTO ebook_loan(title_id, account_id, status, requested_at) "
                   "VALUES (?, ?, 'requested', ?)", (tid, omid, now))
    assert other.get("/ebooks/%d/read" % tid).status == 403
    r = Client(stack.port).get("/ebooks/%d/read" % tid)
    assert r.status == 303, r
    assert r.header("Location").startswith("/login?next="), r.headers
    assert rows(stack, "SELECT count(*) FROM ebook_access WHERE account_id = ?", omid) == [(0,)]


def test_staff_open_any_file_recorded_without_a_loan(stack):
    tid = pdf_title(stack)
    staff = staff_client(stack)
    r = staff.get("/ebooks/%d/read" % tid)
    assert r.status == 200 and r.data == PDF, r
    with stack.db() as db:
        sid = db.execute("SELECT id FROM account WHERE email = ?", (LIBRARIAN[0],)).fetchone()[0]
    got = rows(stack, "SELECT loan_id FROM ebook_access WHERE account_id = ?", sid)
    assert got and all(g == (None,) for g in got), got
    # A title without a file says so.
    bare, _ = circ.add_title(stack, "No File Yet", copies=0, fmt="ebook")
    r = staff.get("/ebooks/%d/read" % bare)
    assert r.status == 404 and "not added the file" in r.body, r


def test_no_address_reaches_the_file_without_the_worker(stack):
    pdf_title(stack)
    name = stored_name(PDF, "pdf")
    assert name in on_disk(stack)
    visitor = Client(stack.port)
    reader = _state["reader"][0] if "reader" in _state else visitor
    for who in (visitor, reader):
        for path in ("/_ebooks/" + name, "/ebooks/" + name, "/uploads/ebooks/" + name,
                     "/uploads/" + name, "/static/ebooks/" + name,
                     "/static/../uploads/ebooks/" + name, "/static/..%2fuploads/ebooks/" + name,
                     "/covers/" + name, "/_exports/../ebooks/" + name):
            r = who.get(path)
            assert r.status == 404, (path, r)
            assert r.data[:5] != b"%PDF-", path


def test_title_with_ebook_loans_cannot_be_deleted(stack):
    staff = staff_client(stack)
    data = make_pdf(title="Kept")
    r = new_ebook(staff, "Lent Once", [("ebook_file", "k.pdf", "application/pdf", data)])
    tid = title_id_from(r)
    _, _, mid = circ.member(stack, "Lena Lent")
    grant(stack, tid, mid, status="revoked")
    r = staff.form("/staff/titles/%d/delete" % tid, "/staff/titles/%d/delete" % tid, {})
    assert r.status == 409, r
    assert "loans are kept on record" in r.body and "remove its file" in r.body, r.body
    assert rows(stack, "SELECT count(*) FROM ebook_file WHERE title_id = ?", tid) == [(1,)]
    assert stored_name(data, "pdf") in on_disk(stack)


def main():
    stack = circ.circ_stack()
    return run_module(globals(), stack)


if __name__ == "__main__":
    sys.exit(main())
