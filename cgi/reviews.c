/*
** reviews.c: members' ratings and reviews (lib/reviews.h): the part of
** the title page that shows them and takes a member's own, the member's
** posts, and the staff's list of recent reviews where they hide and show
** them again.
*/
#include <stdio.h>
#include <string.h>

#include "reviews.h"
#include "web.h"

#define TITLE_REVIEWS_PER_PAGE 10
#define STAFF_REVIEWS_PER_PAGE 25

/* ---- ratings in words ---- */

/* "★★★★☆" for a rating of 1 to 5 (or an average rounded). */
static const char *stars_text(struct ctx *c, int stars)
{
	if (stars < 0)
		stars = 0;
	if (stars > 5)
		stars = 5;
	struct buf b = BUF_INIT;
	for (int i = 0; i < 5; i++)
		buf_puts(&b, i < stars ? "\xE2\x98\x85" : "\xE2\x98\x86");
	const char *s = arena_strdup(c->arena, buf_str(&b));
	buf_free(&b);
	return s;
}

void reviews_view_rating(struct ctx *c, struct tv *obj, long long sum, long long count)
{
	if (count <= 0 || sum <= 0)
		return;
	/* The average to one decimal, rounded half up, in integers. */
	long long tenths = (sum * 20 + count) / (count * 2);
	struct tv *r = tv_set_obj(obj, "rating");
	tv_set_str(r, "average", arena_printf(c->arena, "%lld.%lld", tenths / 10, tenths % 10));
	/* Whole stars only: half a star is rounded down, never up. */
	tv_set_str(r, "stars", stars_text(c, (int)((tenths + 4) / 10)));
	tv_set_str(r, "count_text", web_count(c, count, "rating", "ratings"));
}

/* ---- the title page ---- */

static const char *const rating_words[] = {
	"", "1 star (poor)", "2 stars (fair)", "3 stars (good)", "4 stars (very good)",
	"5 stars (excellent)",
};

/* The review form of a member who may review: what they typed when it was
** refused, else their own review, else blank. */
static void view_form(struct ctx *c, struct tv *reviews, long long title_id,
	const struct review *own, const struct tv *typed)
{
	struct tv *f = tv_set_obj(reviews, "form");
	const struct tv *t_rating = typed ? tv_get(typed, "rating") : NULL;
	const struct tv *t_body = typed ? tv_get(typed, "body") : NULL;
	const char *rating = t_rating ? t_rating->s : own ? arena_printf(c->arena, "%d",
		own->rating) : "";
	tv_set_str(f, "action", arena_printf(c->arena, "/titles/%lld/reviews", title_id));
	tv_set_str(f, "delete_action", arena_printf(c->arena, "/titles/%lld/reviews/delete",
		title_id));
	tv_set_str(f, "body", t_body ? t_body->s : own ? own->body : "");
	tv_set_bool(f, "has_own", own != NULL);
	tv_set_bool(f, "own_hidden", own && own->hidden_at);
	struct tv *choices = tv_set_list(f, "ratings");
	for (int i = 1; i <= 5; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "value", i);
		tv_set_str(o, "label", rating_words[i]);
		tv_set_bool(o, "checked", strlen(rating) == 1 && rating[0] == '0' + i);
		tv_push(choices, o);
	}
	const struct tv *errors = typed ? tv_get(typed, "errors") : NULL;
	if (errors)
		tv_set(f, "errors", (struct tv *)errors);
}

static void view_item(struct ctx *c, struct tv *list, const struct review *r, bool staff)
{
	struct tv *o = tv_obj(c->arena);
	tv_set_int(o, "id", r->id);
	tv_set_str(o, "name", staff ? r->member : reviews_public_name(c->arena, r->member));
	tv_set_int(o, "rating", r->rating);
	tv_set_str(o, "stars", stars_text(c, r->rating));
	tv_set_str(o, "body", r->body);
	tv_set_str(o, "date", web_date(c, r->updated_at));
	tv_set_bool(o, "edited", r->updated_at != r->created_at);
	if (r->hidden_at) {
		struct tv *h = tv_set_obj(o, "hidden");
		tv_set_str(h, "reason", r->hidden_reason);
		tv_set_str(h, "by", r->hidden_by);
		tv_set_str(h, "date", web_date(c, r->hidden_at));
	}
	tv_push(list, o);
}

/* The page of reviews asked for (?reviews_page=), newest first, with
** links to the others. */
static void view_list(struct ctx *c, struct tv *reviews, long long title_id, bool staff)
{
	long long asked = valid_id(http_query(c->req, "reviews_page"));
	long page = asked > 0 && asked < 100000 ? (long)asked : 1;
	long total = 0;
	struct review *items;
	int n = reviews_of_title(c->db, c->arena, title_id, staff,
		(page - 1) * TITLE_REVIEWS_PER_PAGE, TITLE_REVIEWS_PER_PAGE, &total, &items);
	long pages = web_page_last(total, TITLE_REVIEWS_PER_PAGE);
	if (page > pages) {
		page = pages;
		n = reviews_of_title(c->db, c->arena, title_id, staff,
			(page - 1) * TITLE_REVIEWS_PER_PAGE, TITLE_REVIEWS_PER_PAGE, &total, &items);
	}
	struct tv *list = tv_set_list(reviews, "items");
	for (int i = 0; i < n; i++)
		view_item(c, list, &items[i], staff);
	tv_set_bool(reviews, "has_items", n > 0);
	if (pages <= 1)
		return;
	/* The pager partial reads these from the reviews object. */
	struct tv *p = tv_set_obj(reviews, "paging");
	tv_set_int(p, "page", page);
	tv_set_int(p, "pages", pages);
	if (page > 1)
		tv_set_str(p, "prev_url", arena_printf(c->arena, "/titles/%lld?reviews_page=%ld#reviews",
			title_id, page - 1));
	if (page < pages)
		tv_set_str(p, "next_url", arena_printf(c->arena, "/titles/%lld?reviews_page=%ld#reviews",
			title_id, page + 1));
}

void reviews_view_title(struct ctx *c, long long title_id)
{
	struct tv *reviews = tv_set_obj(c->view, "reviews");
	struct review_summary sum;
	if (reviews_summary(c->db, title_id, &sum) == 0)
		reviews_view_rating(c, reviews, sum.sum, sum.count);
	bool staff = c->sess.valid && c->sess.role >= ROLE_LIBRARIAN;
	view_list(c, reviews, title_id, staff);
	if (staff)
		tv_set_str(reviews, "staff_url", arena_printf(c->arena, "/staff/reviews?title=%lld",
			title_id));
	if (!c->sess.valid) {
		/* The same for every visitor: nginx may keep this page a moment. */
		tv_set_str(reviews, "login_url", arena_printf(c->arena,
			"/login?next=%%2Ftitles%%2F%lld%%23reviews", title_id));
		return;
	}
	static const char *const notices[][2] = {
		{ "reviewed", "Thank you: your review is saved." },
		{ "review-deleted", "Your review is deleted." },
	};
	const char *done = http_query(c->req, "done");
	for (size_t i = 0; done && i < sizeof notices / sizeof notices[0]; i++)
		if (!strcmp(done, notices[i][0]))
			tv_set_str(reviews, "notice", notices[i][1]);
	web_form_token(c);
	const struct tv *typed = tv_get(c->view, "review_typed");
	if (!typed && !reviews_has_borrowed(c->db, c->sess.account_id, title_id)) {
		tv_set_str(reviews, "cannot", REVIEW_NOT_BORROWED_MESSAGE);
		return;
	}
	/* A refused post shows the form again with what was typed, whatever
	** the reason: it is said beside the rating. */
	struct review own;
	bool has_own = reviews_own(c->db, c->arena, title_id, c->sess.account_id, &own) == 0;
	view_form(c, reviews, title_id, has_own ? &own : NULL, typed);
}

/* ---- a member's posts ---- */

void page_reviews_save(struct ctx *c)
{
	long long title_id = valid_id(c->req->params[0]);
	const char *rating = http_form(c->req, "rating");
	const char *body = http_form(c->req, "body");
	struct form_errors errs = { .n = 0 };
	enum review_result rc = reviews_save(c->db, c->arena, title_id, c->sess.account_id,
		rating, body, c->now, &errs);
	if (rc == REVIEW_OK) {
		web_redirect(c, arena_printf(c->arena, "/titles/%lld?done=reviewed#reviews",
			title_id));
		return;
	}
	if (rc == REVIEW_NOT_FOUND || rc == REVIEW_ERROR) {
		web_error(c, rc == REVIEW_NOT_FOUND ? 404 : 500, rc == REVIEW_NOT_FOUND
			? "There is no title with that number in the catalogue."
			: "Your review could not be saved just now. Please try again.");
		return;
	}
	/* The title page again, what was typed kept, the reason beside it. */
	struct tv *typed = tv_set_obj(c->view, "review_typed");
	tv_set_str(typed, "rating", rating ? rating : "");
	tv_set_str(typed, "body", body ? body : "");
	struct tv *errors = tv_set_obj(typed, "errors");
	for (int i = 0; i < errs.n; i++)
		tv_set_str(errors, errs.items[i].field, errs.items[i].message);
	page_opac_title(c);
	if (c->resp->status == 200)
		c->resp->status = rc == REVIEW_NOT_BORROWED ? 409 : 422;
}

void page_reviews_delete(struct ctx *c)
{
	long long title_id = valid_id(c->req->params[0]);
	enum review_result rc = reviews_delete_own(c->db, title_id, c->sess.account_id);
	if (rc == REVIEW_ERROR) {
		web_error(c, 500, "Your review could not be deleted just now. Please try again.");
		return;
	}
	/* Nothing to delete (deleted already, from another tab): the page says so. */
	web_redirect(c, arena_printf(c->arena, "/titles/%lld?done=review-deleted#reviews",
		title_id));
}

/* ---- staff ---- */

/* The staff list's filters as read from a query or a form. */
struct staff_filter {
	bool hidden_only;
	long long title_id;
	long page;
};

static void read_filter(struct ctx *c, struct staff_filter *f, bool from_form)
{
	const char *hidden = from_form ? http_form(c->req, "hidden") : http_query(c->req, "hidden");
	const char *title = from_form ? http_form(c->req, "title") : http_query(c->req, "title");
	const char *page = from_form ? http_form(c->req, "page") : http_query(c->req, "page");
	f->hidden_only = hidden && !strcmp(hidden, "1");
	f->title_id = valid_id(title);
	long long p = valid_id(page);
	f->page = p > 0 && p < 1000000 ? (long)p : 1;
}

/* The list's address with its filters, without the page. */
static const char *filter_url(struct ctx *c, const struct staff_filter *f)
{
	const char *url = "/staff/reviews";
	if (f->hidden_only)
		url = "/staff/reviews?hidden=1";
	if (f->title_id)
		url = arena_printf(c->arena, "%s%stitle=%lld", url, f->hidden_only ? "&" : "?",
			f->title_id);
	return url;
}

/* A hide refused: the review's row shows the reason typed and why. */
struct hide_refusal {
	long long review_id;
	const char *reason;
	const char *message;
};

static void staff_page(struct ctx *c, const struct staff_filter *f,
	const struct hide_refusal *refused, int status)
{
	long total = 0;
	struct review *items;
	long page = f->page;
	int n = reviews_recent(c->db, c->arena, f->hidden_only, f->title_id,
		(page - 1) * STAFF_REVIEWS_PER_PAGE, STAFF_REVIEWS_PER_PAGE, &total, &items);
	long last = web_page_last(total, STAFF_REVIEWS_PER_PAGE);
	if (n >= 0 && page > last) {
		page = last;
		n = reviews_recent(c->db, c->arena, f->hidden_only, f->title_id,
			(page - 1) * STAFF_REVIEWS_PER_PAGE, STAFF_REVIEWS_PER_PAGE, &total, &items);
	}
	if (n < 0) {
		web_error(c, 500, "The reviews could not be read just now. Please try again.");
		return;
	}
	web_form_token(c);
	tv_set_bool(c->view, "hidden_only", f->hidden_only);
	if (f->title_id) {
		tv_set_int(c->view, "filter_title", f->title_id);
		if (n > 0)
			tv_set_str(c->view, "title_name", items[0].title);
	}
	tv_set_str(c->view, "total_text", web_count(c, total, "review", "reviews"));
	struct tv *list = tv_set_list(c->view, "reviews");
	for (int i = 0; i < n; i++) {
		const struct review *r = &items[i];
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", r->id);
		tv_set_int(o, "title_id", r->title_id);
		tv_set_str(o, "title", r->title);
		tv_set_int(o, "member_id", r->account_id);
		tv_set_str(o, "member", r->member);
		tv_set_int(o, "rating", r->rating);
		tv_set_str(o, "stars", stars_text(c, r->rating));
		tv_set_str(o, "body", r->body);
		tv_set_str(o, "date", web_date(c, r->updated_at));
		if (r->hidden_at) {
			struct tv *h = tv_set_obj(o, "hidden");
			tv_set_str(h, "reason", r->hidden_reason);
			tv_set_str(h, "by", r->hidden_by);
			tv_set_str(h, "date", web_date(c, r->hidden_at));
		}
		if (refused && refused->review_id == r->id) {
			tv_set_str(o, "reason", refused->reason ? refused->reason : "");
			tv_set_str(o, "reason_error", refused->message);
		}
		tv_push(list, o);
	}
	tv_set_bool(c->view, "has_reviews", n > 0);
	tv_set_int(c->view, "page_now", page);
	web_pager(c, filter_url(c, f), page, total, STAFF_REVIEWS_PER_PAGE);
	static const char *const notices[][2] = {
		{ "hidden", "The review is hidden. Only staff see it now." },
		{ "shown", "The review is shown again." },
	};
	web_done_notice(c, notices, sizeof notices / sizeof notices[0]);
	if (refused)
		tv_set_str(c->view, "problem", "Nothing was changed: see the message beside the review.");
	web_render(c, "staff_reviews", status);
}

void page_reviews_staff(struct ctx *c)
{
	struct staff_filter f;
	read_filter(c, &f, false);
	staff_page(c, &f, NULL, 200);
}

/* Back to the list as it was, with what happened. */
static void back_to_list(struct ctx *c, const struct staff_filter *f, const char *done,
	long long review_id)
{
	const char *url = filter_url(c, f);
	const char *sep = strchr(url, '?') ? "&" : "?";
	if (f->page > 1) {
		url = arena_printf(c->arena, "%s%spage=%ld", url, sep, f->page);
		sep = "&";
	}
	web_redirect(c, arena_printf(c->arena, "%s%sdone=%s#review-%lld", url, sep, done,
		review_id));
}

void page_reviews_hide(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	struct staff_filter f;
	read_filter(c, &f, true);
	const char *reason = http_form(c->req, "reason");
	struct form_errors errs = { .n = 0 };
	enum review_result rc = reviews_hide(c->db, c->arena, id, reason, c->sess.account_id,
		c->now, &errs);
	if (rc == REVIEW_OK) {
		back_to_list(c, &f, "hidden", id);
		return;
	}
	if (rc == REVIEW_INVALID) {
		struct hide_refusal r = { id, reason, form_error_get(&errs, "reason") };
		staff_page(c, &f, &r, 422);
		return;
	}
	web_error(c, rc == REVIEW_NOT_FOUND ? 404 : 500, rc == REVIEW_NOT_FOUND
		? "There is no such review. It may have been deleted by its author."
		: "The review could not be hidden just now. Please try again.");
}

void page_reviews_show(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	struct staff_filter f;
	read_filter(c, &f, true);
	enum review_result rc = reviews_show(c->db, c->arena, id, c->sess.account_id, c->now);
	if (rc == REVIEW_OK) {
		back_to_list(c, &f, "shown", id);
		return;
	}
	web_error(c, rc == REVIEW_NOT_FOUND ? 404 : 500, rc == REVIEW_NOT_FOUND
		? "There is no such review. It may have been deleted by its author."
		: "The review could not be shown just now. Please try again.");
}
