"""Reviews end to end, through nginx and the workers: a member who borrowed
a title (a print loan at the desk, or an e-book loan) rates and reviews
it; the title page shows the average, the count and the reviews; a member
who never borrowed it, and ratings of 0 or 6, are refused with the reason
and nothing is saved; posting again edits the one review; staff hide a
review with a reason (audited) and it leaves the page and the average;
the catalogue sorts by rating; and nginx's public page cache never hands a
visitor's page to a member nor a member's to a visitor."""
import html
import itertools
import re
import sys

from harness import Client, Stack, run_module
from circ import (ADMIN, LIBRARIAN, add_title, checkin, checkout, lend_new_title, loan_row,
                  member, read_form_token)

_visits = itertools.count(1)


def reviews_stack():
    """A stack with a librarian and an admin, the public cache on as it is
    by default (tests that read a page after a change as a visitor ask for
    an address of their own, see visitor_page)."""
    stack = Stack(CARREL_PUBLIC_CACHE_SECONDS=60)
    r = stack.cli("migrate")
    assert r.returncode == 0, r.stderr
    stack.add_user(LIBRARIAN[0], "Desk Person", "librarian", LIBRARIAN[1])
    stack.add_user(ADMIN[0], "Boss Person", "admin", ADMIN[1])
    return stack


def section(body):
    """The title page's reviews section, as text with its markup."""
    m = re.search(r'<section id="reviews".*?</section>', body, re.S)
    assert m, "no reviews section on the page"
    return m.group(0)


def text_of(fragment):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def visitor_page(stack, tid):
    """The title page as a new visitor sees it now: an address no one asked
    for before, so nginx's cache cannot answer with an older page."""
    r = Client(stack.port).get("/titles/%d?visit=%d" % (tid, next(_visits)))
    assert r.status == 200, r
    return r


def post_review(client, tid, rating, body=""):
    token = client.get("/titles/%d" % tid).csrf() or read_form_token(client)
    fields = {"csrf": token, "body": body}
    if rating is not None:
        fields["rating"] = rating
    return client.post("/titles/%d/reviews" % tid, fields)


def borrower(stack, staff, name, title):
    """A member and a title whose copy the desk lent them."""
    client, email, mid = member(stack, name)
    tid, _code, _loan = lend_new_title(stack, staff, email, title)
    return client, mid, tid


def review_rows(stack, tid):
    with stack.db() as db:
        return db.execute("SELECT account_id, rating, body, hidden_at FROM review "
                          "WHERE title_id = ? ORDER BY id", (tid,)).fetchall()


def test_member_who_borrowed_reviews_and_the_page_shows_it(stack):
    staff = stack.login(*LIBRARIAN)
    reader, mid, tid = borrower(stack, staff, "Ada Lovelace", "Notes on the Engine")
    page = reader.get("/titles/%d" % tid)
    part = section(page.body)
    assert "Rate this title" in part and "No ratings yet." in part
    for n in range(1, 6):
        assert re.search(r'<input type="radio" id="rating-%d" name="rating" value="%d"' % (n, n),
                         part), n
        assert '<label class="choice" for="rating-%d">' % n in part
    assert '<textarea id="review-body" name="body"' in part
    r = post_review(reader, tid, "4", "  A clear account.\nWorth reading.  ")
    assert r.status == 303, r
    assert r.header("Location") == "/titles/%d?done=reviewed#reviews" % tid
    assert review_rows(stack, tid) == [(mid, 4, "A clear account.\nWorth reading.", None)]
    part = section(reader.get(r.header("Location")).body)
    assert "Thank you: your review is saved." in part
    assert "4.0 out of 5" in part and "(1 rating)" in part
    # The form now holds the member's own review, to edit or delete.
    assert re.search(r'id="rating-4" name="rating" value="4" checked', part)
    assert "A clear account.\nWorth reading.</textarea>" in part
    assert "Save your review" in part and "Delete your review" in part
    # A visitor sees the average, the review (by first name and initial)
    # and how to review, but no form.
    seen = section(visitor_page(stack, tid).body)
    assert "4.0 out of 5" in seen and "(1 rating)" in seen
    assert "A clear account." in seen and "Ada L." in seen and "Lovelace" not in seen
    assert "Rated 4 out of 5" in seen
    assert "Log in to review" in seen and "<form" not in seen
    # The catalogue's hit shows it too.
    hits = Client(stack.port).get("/catalogue?q=engine&visit=%d" % next(_visits)).body
    assert "4.0 out of 5 (1 rating)" in text_of(hits)


def test_member_who_never_borrowed_is_refused(stack):
    staff = stack.login(*LIBRARIAN)
    _reader, _mid, tid = borrower(stack, staff, "Lent Person", "A Borrowed Story")
    stranger, _email, _sid = member(stack, "Never Borrowed")
    part = section(stranger.get("/titles/%d" % tid).body)
    assert "You can review a title after you have borrowed it." in part
    assert 'name="rating"' not in part
    r = post_review(stranger, tid, "5", "I never read it but here goes")
    assert r.status == 409, r
    part = section(r.body)
    # The reason beside the rating, what was typed kept.
    assert re.search(r'<p class="field-error" id="rating-error" role="alert">You can review a '
                     r'title after you have borrowed it\.</p>', part)
    assert "I never read it but here goes</textarea>" in part
    assert review_rows(stack, tid) == []
    # No such title: a plain 404.
    assert post_review(stranger, 999999, "5").status == 404


def test_ratings_of_0_and_6_are_refused_and_nothing_is_saved(stack):
    staff = stack.login(*LIBRARIAN)
    reader, _mid, tid = borrower(stack, staff, "Rating Person", "Scales and Stars")
    for bad in ("0", "6", None, "five", ""):
        r = post_review(reader, tid, bad, "Typed words stay")
        assert r.status == 422, (bad, r)
        part = section(r.body)
        assert re.search(r'id="rating-error" role="alert">Choose a rating from 1 to 5 stars\.</p>',
                         part), bad
        assert "Typed words stay</textarea>" in part
        assert " checked" not in part
        assert review_rows(stack, tid) == []
    # Too long a review is refused beside the text, the rating kept.
    r = post_review(reader, tid, "3", "x" * 5001)
    assert r.status == 422
    part = section(r.body)
    assert 'id="body-error">A review can be at most 5000 characters.' in part
    assert re.search(r'id="rating-3" name="rating" value="3" checked', part)
    assert review_rows(stack, tid) == []
    assert "No ratings yet." in section(visitor_page(stack, tid).body)


def test_posting_again_edits_the_one_review(stack):
    staff = stack.login(*LIBRARIAN)
    reader, mid, tid = borrower(stack, staff, "Edit Person", "Second Thoughts")
    assert post_review(reader, tid, "2", "Dull at first.").status == 303
    assert post_review(reader, tid, "5", "Wonderful in the end.").status == 303
    assert review_rows(stack, tid) == [(mid, 5, "Wonderful in the end.", None)]
    seen = section(visitor_page(stack, tid).body)
    assert "Wonderful in the end." in seen and "Dull at first." not in seen
    assert "5.0 out of 5" in seen and "(1 rating)" in seen
    # The member deletes it: gone from the page and the average.
    page = reader.get("/titles/%d" % tid)
    r = reader.post("/titles/%d/reviews/delete" % tid, {"csrf": page.csrf()})
    assert r.status == 303 and "done=review-deleted" in r.header("Location")
    assert review_rows(stack, tid) == []
    seen = section(visitor_page(stack, tid).body)
    assert "No ratings yet." in seen and "Wonderful" not in seen
    # Only members post; a visitor is sent to log in.
    anon = Client(stack.port)
    page = anon.get("/titles/%d?visit=%d" % (tid, next(_visits)))
    r = anon.post("/titles/%d/reviews" % tid, {"rating": "5", "csrf": page.csrf() or ""})
    assert r.status in (303, 403)
    assert review_rows(stack, tid) == []


def test_staff_hide_a_review_with_a_reason(stack):
    staff = stack.login(*LIBRARIAN)
    fan, fan_id, tid = borrower(stack, staff, "Fan Reader", "The Disputed Book")
    critic, critic_email, critic_id = member(stack, "Rude Critic")
    with stack.db() as db:
        code = db.execute("SELECT barcode FROM copy WHERE title_id = ?", (tid,)).fetchone()[0]
    assert checkin(staff, code).status in (200, 303)
    assert checkout(staff, critic_email, code).status == 303
    assert loan_row(stack, code)
    assert post_review(fan, tid, "5", "A delight.").status == 303
    assert post_review(critic, tid, "1", "Buy cheap watches at example.com").status == 303
    seen = section(visitor_page(stack, tid).body)
    assert "3.0 out of 5" in seen and "(2 ratings)" in seen

    listing = staff.get("/staff/reviews")
    assert listing.status == 200
    assert "Buy cheap watches" in listing.body and "A delight." in listing.body
    with stack.db() as db:
        rid = db.execute("SELECT id FROM review WHERE account_id = ?", (critic_id,)).fetchone()[0]
    # No reason: refused beside the field, nothing hidden.
    r = staff.post("/staff/reviews/%d/hide" % rid, {"csrf": listing.csrf(), "reason": "  "})
    assert r.status == 422, r
    assert 'id="reason-%d-error">Say why the review is hidden' % rid in r.body
    assert review_rows(stack, tid)[1][3] is None
    r = staff.post("/staff/reviews/%d/hide" % rid, {"csrf": listing.csrf(),
                                                    "reason": "Advertising"})
    assert r.status == 303, r
    assert r.header("Location") == "/staff/reviews?done=hidden#review-%d" % rid
    assert review_rows(stack, tid)[1][3] is not None
    with stack.db() as db:
        audit = db.execute("SELECT a.action, a.detail, u.email FROM audit a JOIN account u "
                           "ON u.id = a.actor_id WHERE a.object = ?",
                           ("review:%d" % rid,)).fetchall()
    assert audit == [("review.hide", "Advertising", LIBRARIAN[0])]

    # Nobody but staff sees it; the average leaves it out.
    seen = section(visitor_page(stack, tid).body)
    assert "Buy cheap watches" not in seen and "Rude" not in seen
    assert "5.0 out of 5" in seen and "(1 rating)" in seen
    other, _e, _o = member(stack, "Other Member")
    seen = section(other.get("/titles/%d" % tid).body)
    assert "Buy cheap watches" not in seen and "5.0 out of 5" in seen
    seen = section(fan.get("/titles/%d" % tid).body)
    assert "Buy cheap watches" not in seen
    # Its author is told it is hidden, and the form keeps it.
    seen = section(critic.get("/titles/%d" % tid).body)
    assert "The library has hidden your review from other readers." in seen
    # Staff see it marked, with the reason.
    seen = section(staff.get("/titles/%d" % tid).body)
    assert "Buy cheap watches" in seen
    assert re.search(r"<strong>Hidden</strong> by Desk Person on [^:]+: Advertising", seen)
    hidden = staff.get("/staff/reviews?hidden=1").body
    assert "Buy cheap watches" in hidden and "A delight." not in hidden
    assert "1 review" in text_of(hidden)
    # Shown again: back in the average; audited.
    r = staff.post("/staff/reviews/%d/show" % rid, {"csrf": listing.csrf(), "hidden": "1"})
    assert r.status == 303
    assert r.header("Location") == "/staff/reviews?hidden=1&done=shown#review-%d" % rid
    seen = section(visitor_page(stack, tid).body)
    assert "Buy cheap watches" in seen and "3.0 out of 5" in seen
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM audit WHERE object = ? AND action = "
                          "'review.show'", ("review:%d" % rid,)).fetchone()[0] == 1
    # Members cannot reach the staff's list nor hide.
    assert fan.get("/staff/reviews").status == 403
    page = fan.get("/titles/%d" % tid)
    assert fan.post("/staff/reviews/%d/hide" % rid,
                    {"csrf": page.csrf(), "reason": "mine"}).status == 403


def test_catalogue_sorts_by_rating(stack):
    ids = {}
    for name in ("Quokka Unrated", "Quokka Fair", "Quokka Best", "Quokka Good"):
        ids[name], _codes = add_title(stack, name)
    raters = []
    for i in range(3):
        _c, _e, mid = member(stack, "Quokka Rater %d" % i)
        raters.append(mid)
    ratings = {"Quokka Fair": [3, 2], "Quokka Best": [5, 5], "Quokka Good": [4, 5, 4]}
    with stack.db() as db:
        for name, values in ratings.items():
            for who, value in zip(raters, values):
                db.execute("INSERT INTO review(title_id, account_id, rating, created_at, "
                           "updated_at) VALUES (?, ?, ?, 0, 0)", (ids[name], who, value))
    page = Client(stack.port).get("/catalogue?q=quokka&sort=rating&visit=%d" % next(_visits))
    assert page.status == 200
    found = re.findall(r'<a class="title" href="/titles/\d+">([^<]+)</a>', page.body)
    assert found == ["Quokka Best", "Quokka Good", "Quokka Fair", "Quokka Unrated"], found
    assert '<option value="rating" selected>Highest rated</option>' in page.body
    words = text_of(page.body)
    assert "5.0 out of 5 (2 ratings)" in words and "4.3 out of 5 (3 ratings)" in words


def test_ebook_borrower_may_review(stack):
    reader, _email, mid = member(stack, "Screen Reader")
    tid, _codes = add_title(stack, "A Digital Edition", copies=0, fmt="ebook")
    part = section(reader.get("/titles/%d" % tid).body)
    assert "You can review a title after you have borrowed it." in part
    with stack.db() as db:
        db.execute("INSERT INTO ebook_loan(title_id, account_id, status, requested_at, "
                   "decided_at, access_until, ended_at) VALUES (?, ?, 'returned', 1, 2, 3, 3)",
                   (tid, mid))
    assert 'name="rating"' in section(reader.get("/titles/%d" % tid).body)
    assert post_review(reader, tid, "5", "Read it on the train.").status == 303
    seen = section(visitor_page(stack, tid).body)
    assert "Read it on the train." in seen and "5.0 out of 5" in seen


def test_cached_visitor_page_never_reaches_a_member(stack):
    staff = stack.login(*LIBRARIAN)
    reader, _mid, tid = borrower(stack, staff, "Cache Reader", "The Cached Title")
    path = "/titles/%d?cache=%d" % (tid, next(_visits))
    first = Client(stack.port).get(path)
    assert "Log in to review" in section(first.body) and first.csrf() is None
    assert "No ratings yet." in section(first.body)
    # The member asks for the very same address: their own page, with the form.
    part = section(reader.get(path).body)
    assert 'name="rating"' in part and "Log in to review" not in part
    assert post_review(reader, tid, "3", "Mine alone.").status == 303
    # A visitor after them gets the visitor's page nginx kept (it still
    # says no ratings: the cache is on), never the member's: no form, no token.
    again = Client(stack.port).get(path)
    assert "No ratings yet." in section(again.body)
    assert 'name="rating"' not in again.body and again.csrf() is None
    # The member is never answered from that cache.
    part = section(reader.get(path).body)
    assert "3.0 out of 5" in part and "Mine alone.</textarea>" in part
    # Another member who never borrowed it sees why, not the reader's form.
    other, _e, _o = member(stack, "Other Cache Member")
    part = section(other.get(path).body)
    assert "You can review a title after you have borrowed it." in part
    assert "Mine alone.</textarea>" not in part and "3.0 out of 5" in part


def main():
    return run_module(globals(), reviews_stack())


if __name__ == "__main__":
    sys.exit(main())
