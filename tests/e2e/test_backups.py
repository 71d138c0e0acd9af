#!/usr/bin/env python3
"""End-to-end tests of backups through the real nginx and workers:
`carrel backup` while checkouts keep committing, `carrel restore` into a
new folder (every loan committed before the backup began is there, the
database passes its integrity check, the covers are back), refusals of a
cut short or foreign file that leave the target as it was, --force,
/admin/backups (list, make one now, download through nginx, settings,
roles), and carrel-cron's nightly backup with its rotation."""
import datetime
import hashlib
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, Client, run_module  # noqa: E402
from circ import ADMIN, LIBRARIAN, add_title, checkin, checkout, circ_stack, member  # noqa: E402

COVER_BYTES = b"\xff\xd8\xff\xe0 a cover for the backup test " * 40
EBOOK_BYTES = b"%PDF-1.4 an e-book file for the backup test " * 100
STATE = {}


def cover_name(data):
    return hashlib.blake2b(data, digest_size=32).hexdigest() + ".jpg"


def ebook_name():
    return hashlib.blake2b(EBOOK_BYTES, digest_size=32).hexdigest() + ".pdf"


def file_hash(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tree_state(folder):
    """Every file under folder with its hash: what "untouched" compares."""
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            out[os.path.relpath(path, folder)] = file_hash(path)
    return out


def target_env(stack, folder):
    """The configuration of a library in folder (db and uploads there)."""
    return dict(stack.env, CARREL_DB=os.path.join(folder, "db", "carrel.db"),
                CARREL_UPLOADS=os.path.join(folder, "uploads"))


def restore(stack, folder, archive, *extra):
    return subprocess.run([os.path.join(BIN, "carrel"), "restore", archive] + list(extra),
                          env=target_env(stack, folder), capture_output=True, text=True,
                          timeout=120)


def integrity_problems(db):
    """PRAGMA integrity_check's complaints that are true. SQLite 3.40 (as
    packaged by Debian 12) reports NULLs in title_author.author_id, a NOT
    NULL column of a WITHOUT ROWID table, that are not there: each such line
    is checked with a query (lib/backup.c does the same)."""
    out = []
    for (line,) in db.execute("PRAGMA integrity_check(100)"):
        m = re.match(r"NULL value in (\w+)\.(\w+)$", line)
        if line == "ok":
            continue
        if m and db.execute('SELECT count(*) FROM "%s" WHERE "%s" IS NULL'
                            % (m.group(1), m.group(2))).fetchone()[0] == 0:
            continue
        out.append(line)
    return out


def seed_library(stack):
    """Some bulk (so that the copy takes many steps), a cover on a title."""
    with stack.db() as db:
        db.executemany("INSERT INTO title(title, format, created_at, updated_at) "
                       "VALUES (?, 'print', 0, 0)",
                       [("Bulk title number %d of the backup test" % i,) for i in range(8000)])
    covers = os.path.join(stack.env["CARREL_UPLOADS"], "covers")
    os.makedirs(covers, exist_ok=True)
    with open(os.path.join(covers, cover_name(COVER_BYTES)), "wb") as f:
        f.write(COVER_BYTES)
    ebooks = os.path.join(stack.env["CARREL_UPLOADS"], "ebooks")
    os.makedirs(ebooks, exist_ok=True)
    with open(os.path.join(ebooks, ebook_name()), "wb") as f:
        f.write(EBOOK_BYTES)
    with open(os.path.join(ebooks, ".tmp-being-written"), "wb") as f:
        f.write(b"half")
    tid, _ = add_title(stack, "A title with a cover")
    with stack.db() as db:
        db.execute("UPDATE title SET cover = ? WHERE id = ?", (cover_name(COVER_BYTES), tid))


def test_backup_during_checkouts_restores_every_committed_loan(stack):
    seed_library(stack)
    staff = stack.login(*LIBRARIAN)
    _, email, _ = member(stack, "Busy Borrower")
    codes = [add_title(stack, "Loaned during the backup %d" % i)[1][0] for i in range(400)]
    committed = []          # (barcode, when the checkout's 303 came back)
    failures = []
    stop = threading.Event()

    def desk():
        for code in codes:
            if stop.is_set():
                return
            r = checkout(staff, email, code)
            if r.status != 303:
                failures.append((code, r.status))
                return
            committed.append((code, time.monotonic()))
            r = checkin(staff, code)
            if r.status not in (200, 303):
                failures.append((code, r.status))
                return

    thread = threading.Thread(target=desk)
    thread.start()
    while len(committed) < 10 and thread.is_alive():
        time.sleep(0.02)
    archive = os.path.join(stack.dir, "during-load.tar.gz")
    began = time.monotonic()
    r = stack.cli("backup", archive)
    ended = time.monotonic()
    time.sleep(0.3)
    stop.set()
    thread.join()
    assert r.returncode == 0, r.stderr
    assert not failures, failures
    before = [c for c, at in committed if at < began]
    during = [c for c, at in committed if began <= at <= ended]
    assert len(before) >= 10, committed
    # Writers were not held up: checkouts committed while the copy ran.
    assert during, "no checkout committed during the %.2f s backup" % (ended - began)
    STATE["archive"] = archive
    STATE["before"] = before

    folder = os.path.join(stack.dir, "restored")
    out = restore(stack, folder, archive)
    assert out.returncode == 0, out.stderr
    assert "restored" in out.stdout, out.stdout
    restored_db = os.path.join(folder, "db", "carrel.db")
    import sqlite3
    with sqlite3.connect(restored_db) as db:
        have = {row[0] for row in db.execute(
            "SELECT c.barcode FROM loan l JOIN copy c ON c.id = l.copy_id")}
        assert integrity_problems(db) == []
        assert db.execute("SELECT count(*) FROM title WHERE title LIKE 'Bulk title%'"
                          ).fetchone()[0] == 8000
        assert db.execute("SELECT count(*) FROM audit WHERE action = 'backup.restore'"
                          ).fetchone()[0] == 1
    missing = [c for c in before if c not in have]
    assert not missing, "loans committed before the backup and missing: %r" % missing
    with open(os.path.join(folder, "uploads", "covers", cover_name(COVER_BYTES)), "rb") as f:
        assert f.read() == COVER_BYTES
    with open(os.path.join(folder, "uploads", "ebooks", ebook_name()), "rb") as f:
        assert f.read() == EBOOK_BYTES
    # Temporary files and exports are not part of a library.
    assert sorted(os.listdir(os.path.join(folder, "uploads"))) == ["covers", "ebooks"]
    assert os.listdir(os.path.join(folder, "uploads", "ebooks")) == [ebook_name()]
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM audit WHERE action = 'backup.make'"
                          ).fetchone()[0] >= 1
    STATE["restored"] = folder


def test_cut_short_and_garbage_are_refused_leaving_the_target(stack):
    archive = STATE["archive"]
    with open(archive, "rb") as f:
        data = f.read()
    cut = os.path.join(stack.dir, "cut.tar.gz")
    with open(cut, "wb") as f:
        f.write(data[:len(data) // 2])
    garbage = os.path.join(stack.dir, "garbage.tar.gz")
    with open(garbage, "wb") as f:
        f.write(b"\x1f\x8b" + os.urandom(5000))

    # Into a fresh folder: refused, and the folder is not even made.
    fresh = os.path.join(stack.dir, "never-made")
    out = restore(stack, fresh, cut)
    assert out.returncode != 0 and "cut short" in out.stderr, out
    assert not os.path.exists(fresh)
    out = restore(stack, fresh, garbage)
    assert out.returncode != 0 and "not a Carrel backup" in out.stderr, out
    assert not os.path.exists(fresh)

    # Over an existing library, even with --force: every byte stays.
    folder = STATE["restored"]
    before = tree_state(folder)
    for bad, words in ((cut, "cut short"), (garbage, "not a Carrel backup")):
        out = restore(stack, folder, bad, "--force")
        assert out.returncode != 0 and words in out.stderr, out
        assert tree_state(folder) == before, bad


def test_restore_over_a_library_needs_force(stack):
    folder = STATE["restored"]
    out = restore(stack, folder, STATE["archive"])
    assert out.returncode != 0, out
    assert "--force" in out.stderr and "Stop carrel.fcgi" in out.stderr, out.stderr
    out = restore(stack, folder, STATE["archive"], "--force")
    assert out.returncode == 0, out.stderr
    import sqlite3
    with sqlite3.connect(os.path.join(folder, "db", "carrel.db")) as db:
        assert db.execute("SELECT count(*) FROM audit WHERE action = 'backup.restore'"
                          ).fetchone()[0] == 1   # the backup's own, restored again


def backup_links(page):
    return re.findall(r'href="/admin/backups/(carrel-[0-9]{8}-[0-9]{6}-[a-z-]+\.tar\.gz)"',
                      page.body)


def test_admin_makes_lists_and_downloads_a_backup(stack):
    admin = stack.login(*ADMIN)
    page = admin.get("/admin/backups")
    assert page.status == 200, page
    assert backup_links(page) == []
    r = admin.post("/admin/backups", {"csrf": page.csrf()})
    assert r.status == 303 and r.header("Location") == "/admin/backups?done=made", r
    page = admin.get("/admin/backups?done=made")
    assert "A backup was made" in page.body
    names = backup_links(page)
    assert len(names) == 1 and names[0].endswith("-by-hand.tar.gz"), names
    row = re.search(r"<tr>(?:(?!</tr>).)*%s(?:(?!</tr>).)*</tr>" % re.escape(names[0]),
                    page.body, re.S).group(0)
    today = datetime.datetime.now(datetime.timezone.utc).date()
    assert "%d %s" % (today.day, today.strftime("%b %Y")) in row, row
    assert "by hand" in row and re.search(r"\d+(\.\d)? (KB|MB)", row), row

    d = admin.get("/admin/backups/" + names[0])
    assert d.status == 200, d
    with open(os.path.join(stack.env["CARREL_BACKUPS"], names[0]), "rb") as f:
        assert d.data == f.read()
    assert "attachment" in (d.header("Content-Disposition") or "")
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM audit WHERE action = 'backup.make' AND "
                          "object = ? AND actor_id IS NOT NULL",
                          ("backup:" + names[0],)).fetchone()[0] == 1
    STATE["by_hand"] = names[0]


def test_only_admins_reach_backups(stack):
    name = STATE["by_hand"]
    librarian = stack.login(*LIBRARIAN)
    assert librarian.get("/admin/backups").status == 403
    d = librarian.get("/admin/backups/" + name)
    assert d.status == 403 and not d.data.startswith(b"\x1f\x8b"), d
    visitor = Client(stack.port)
    r = visitor.get("/admin/backups/" + name)
    assert r.status == 303 and r.header("Location").startswith("/login"), r
    # nginx's location is internal, and names outside the list are unknown.
    for path in ("/_backups/" + name, "/backups/" + name):
        r = visitor.get(path)
        assert r.status in (403, 404) and not r.data.startswith(b"\x1f\x8b"), (path, r)
    admin = stack.login(*ADMIN)
    for bad in ("..%2Fcarrel.db", "carrel-20200101-000000-nightly.tar.gz",
                name + ".tmp", "%2e%2e"):
        r = admin.get("/admin/backups/" + bad)
        assert r.status in (400, 404) and not r.data.startswith(b"\x1f\x8b"), (bad, r)


def test_rotation_settings_are_checked_beside_the_fields(stack):
    admin = stack.login(*ADMIN)
    page = admin.get("/admin/backups")
    r = admin.post("/admin/backups/settings", {"csrf": page.csrf(), "keep_daily": "0",
                                               "keep_weekly": "lots", "hour": "2"})
    assert r.status == 422, r
    assert 'id="keep_daily-error"' in r.body and 'id="keep_weekly-error"' in r.body, r.body
    assert 'value="lots"' in r.body and 'id="hour-error"' not in r.body
    r = admin.post("/admin/backups/settings", {"csrf": page.csrf(), "keep_daily": "3",
                                               "keep_weekly": "2", "hour": "2"})
    assert r.status == 303, r
    with stack.db() as db:
        got = dict(db.execute("SELECT key, value FROM setting WHERE key LIKE 'backup.%'"))
        assert got == {"backup.keep_daily": "3", "backup.keep_weekly": "2",
                       "backup.hour": "2"}, got
        assert db.execute("SELECT count(*) FROM audit WHERE object = 'settings:backups'"
                          ).fetchone()[0] == 1


def expected_nightly(days, keep_daily, keep_weekly):
    """The nightly backups (as dates) rotation keeps, computed here: the
    newest per day for the newest keep_daily days, the newest per Monday
    to Sunday week for the newest keep_weekly weeks."""
    newest = sorted(days, reverse=True)
    keep = set(newest[:keep_daily])
    weeks = []
    for d in newest:
        monday = d - datetime.timedelta(days=d.weekday())
        if monday not in [w for w, _ in weeks]:
            weeks.append((monday, d))
    keep |= {d for _, d in weeks[:keep_weekly]}
    return keep


def test_nightly_backups_are_made_once_a_day_and_rotated(stack):
    folder = stack.env["CARREL_BACKUPS"]
    first = datetime.date(2026, 10, 1)
    made = []
    for i in range(18):
        day = first + datetime.timedelta(days=i)
        early = stack.cron("run", "--now", "%sT01:30" % day.isoformat())
        assert early.returncode == 0 and "backup: not due" in early.stdout, early
        r = stack.cron("run", "--now", "%sT03:00" % day.isoformat())
        assert r.returncode == 0, r.stdout + r.stderr
        assert "-nightly.tar.gz made" in r.stdout, r.stdout
        made.append(day)
        again = stack.cron("run", "--now", "%sT23:00" % day.isoformat())
        assert "backup: not due" in again.stdout, again.stdout
    names = sorted(os.listdir(folder))
    nightly = {datetime.datetime.strptime(n[7:15], "%Y%m%d").date()
               for n in names if n.endswith("-nightly.tar.gz")}
    assert nightly == expected_nightly(made, 3, 2), sorted(nightly)
    assert STATE["by_hand"] in names   # never rotated away
    assert not [n for n in names if n.startswith(".") or n.endswith(".tmp")], names
    admin = stack.login(*ADMIN)
    page = admin.get("/admin/backups")
    assert len(backup_links(page)) == len(nightly) + 1
    assert page.body.count(">nightly<") == len(nightly), page.body
    last = made[-1]
    assert "%d %s" % (last.day, last.strftime("%b %Y")) in page.body
    # A nightly backup restores like any other.
    newest = sorted(n for n in names if n.endswith("-nightly.tar.gz"))[-1]
    out = restore(stack, os.path.join(stack.dir, "from-nightly"), os.path.join(folder, newest))
    assert out.returncode == 0, out.stderr


def main():
    return run_module(globals(), circ_stack())


if __name__ == "__main__":
    sys.exit(main())
