/*
** opac.c: the public pages: home, catalogue search, title pages, sections.
*/
#include <stdio.h>
#include <string.h>

#include "catalogue.h"
#include "circulation.h"
#include "cover.h"
#include "isbn.h"
#include "search.h"
#include "web.h"

#define HOME_NEW_TITLES 8
#define RESULTS_PER_PAGE 20

/* The address of a cover image, or "" when the title has none. */
static const char *cover_url(struct ctx *c, const char *name)
{
	return name && cover_name_valid(name) ? arena_printf(c->arena, "/covers/%s", name) : "";
}

void page_opac_home(struct ctx *c)
{
	struct title_brief titles[HOME_NEW_TITLES];
	int n = catalogue_newest(c->db, c->arena, HOME_NEW_TITLES, titles);
	if (n < 0) {
		web_error(c, 500, "The catalogue could not be read. Please try again.");
		return;
	}
	tv_set_bool(c->view, "has_new_titles", n > 0);
	struct tv *list = tv_set_list(c->view, "new_titles");
	for (int i = 0; i < n; i++) {
		struct tv *t = tv_obj(c->arena);
		tv_set_int(t, "id", titles[i].id);
		tv_set_str(t, "title", titles[i].title);
		tv_set_str(t, "subtitle", titles[i].subtitle);
		tv_set_str(t, "authors", titles[i].authors);
		if (titles[i].pub_year)
			tv_set_int(t, "year", titles[i].pub_year);
		tv_push(list, t);
	}
	web_render(c, "home", 200);
}

/* For load balancers and monitoring: answers when a worker and the
** database both respond. */
void page_opac_healthz(struct ctx *c)
{
	long long one = db_int(c->db, 0, "SELECT 1", NULL);
	c->resp->status = one == 1 ? 200 : 503;
	http_resp_set_header(c->resp, "Content-Type", "text/plain; charset=utf-8");
	http_resp_set_header(c->resp, "Cache-Control", "no-store");
	buf_clear(c->resp->body);
	buf_puts(c->resp->body, one == 1 ? "ok\n" : "database unavailable\n");
}

/* ---- search ---- */


/* Read the search form from the query into q; a message for the first
** field that makes no sense, or NULL. */
static const char *read_search_form(struct ctx *c, struct search_query *q)
{
	memset(q, 0, sizeof *q);
	q->q = valid_trim(c->arena, http_query(c->req, "q"));
	q->genre = valid_trim(c->arena, http_query(c->req, "genre"));
	q->author = valid_trim(c->arena, http_query(c->req, "author"));
	q->format = http_query(c->req, "format") ? http_query(c->req, "format") : "";
	const char *available = http_query(c->req, "available");
	q->available = available && (!strcmp(available, "1") || !strcmp(available, "on"));
	q->sort = search_sort_parse(http_query(c->req, "sort"));
	q->page = web_page_param(c);
	q->per_page = RESULTS_PER_PAGE;
	q->window = c->cfg->search_window;
	const char *deep = http_query(c->req, "deep");
	q->deep = deep && !strcmp(deep, "1");
	const char *section = http_query(c->req, "section");
	if (section && *section && !(q->section_id = valid_id(section)))
		return "Choose a section from the list.";
	if (*q->format && strcmp(q->format, "print") && strcmp(q->format, "ebook"))
		return "The format is either print or e-book.";
	if (!valid_year(http_query(c->req, "year_from"), &q->year_from) ||
	    !valid_year(http_query(c->req, "year_to"), &q->year_to))
		return "A year is a number such as 1998.";
	if (q->year_from && q->year_to && q->year_from > q->year_to)
		return "The first year of the range comes after the last one.";
	if (strlen(q->genre) > 100 || strlen(q->author) > 200)
		return "That filter is too long.";
	return NULL;
}

/* The current search as a query string (without page), for paging links. */
static const char *search_url(struct ctx *c, const struct search_query *q)
{
	struct arena *a = c->arena;
	char *url = arena_printf(a, "/catalogue?q=%s", http_url_encode(a, q->q));
	if (q->section_id)
		url = arena_printf(a, "%s&section=%lld", url, q->section_id);
	if (*q->genre)
		url = arena_printf(a, "%s&genre=%s", url, http_url_encode(a, q->genre));
	if (*q->author)
		url = arena_printf(a, "%s&author=%s", url, http_url_encode(a, q->author));
	if (*q->format)
		url = arena_printf(a, "%s&format=%s", url, q->format);
	if (q->available)
		url = arena_printf(a, "%s&available=1", url);
	if (q->year_from)
		url = arena_printf(a, "%s&year_from=%d", url, q->year_from);
	if (q->year_to)
		url = arena_printf(a, "%s&year_to=%d", url, q->year_to);
	if (q->sort != SORT_RELEVANCE)
		url = arena_printf(a, "%s&sort=%s", url, search_sort_name(q->sort));
	if (q->deep)
		url = arena_printf(a, "%s&deep=1", url);
	return url;
}

static void view_hits(struct ctx *c, const struct search_result *r)
{
	struct tv *list = tv_set_list(c->view, "hits");
	for (int i = 0; i < r->n; i++) {
		const struct search_hit *h = &r->hits[i];
		struct tv *t = tv_obj(c->arena);
		tv_set_int(t, "id", h->id);
		tv_set_str(t, "title", h->title);
		tv_set_str(t, "subtitle", h->subtitle);
		tv_set_str(t, "authors", h->authors);
		if (h->year)
			tv_set_int(t, "year", h->year);
		tv_set_bool(t, "ebook", !strcmp(h->format, "ebook"));
		tv_set_str(t, "cover_url", cover_url(c, h->cover));
		tv_set_int(t, "available", h->available);
		tv_set_int(t, "copies", h->copies);
		reviews_view_rating(c, t, h->rating_sum, h->rating_count);
		tv_push(list, t);
	}
}

static void view_pager(struct ctx *c, const struct search_query *q, long total)
{
	long pages = (total + q->per_page - 1) / q->per_page;
	const char *base = search_url(c, q);
	tv_set_int(c->view, "page", q->page);
	tv_set_int(c->view, "pages", pages ? pages : 1);
	if (q->page > 1)
		tv_set_str(c->view, "prev_url", arena_printf(c->arena, "%s&page=%ld",
			base, q->page - 1));
	if (q->page < pages)
		tv_set_str(c->view, "next_url", arena_printf(c->arena, "%s&page=%ld",
			base, q->page + 1));
}

/* The form's own state, so it shows what was searched. */
static void view_search_form(struct ctx *c, const struct search_query *q)
{
	tv_set_str(c->view, "q", q->q);
	tv_set_str(c->view, "genre", q->genre);
	tv_set_str(c->view, "author", q->author);
	tv_set_bool(c->view, "available", q->available);
	tv_set_bool(c->view, "format_print", !strcmp(q->format, "print"));
	tv_set_bool(c->view, "format_ebook", !strcmp(q->format, "ebook"));
	if (q->year_from)
		tv_set_int(c->view, "year_from", q->year_from);
	if (q->year_to)
		tv_set_int(c->view, "year_to", q->year_to);
	struct tv *sorts = tv_set_list(c->view, "sorts");
	for (int s = SORT_RELEVANCE; s <= SORT_LAST; s++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "value", search_sort_name((enum search_sort)s));
		tv_set_str(o, "label", search_sort_label((enum search_sort)s));
		tv_set_bool(o, "selected", (int)q->sort == s);
		tv_push(sorts, o);
	}
	struct section_info *sections;
	int n = catalogue_sections(c->db, c->arena, &sections);
	struct tv *list = tv_set_list(c->view, "sections");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", sections[i].id);
		tv_set_str(o, "name", sections[i].name);
		tv_set_bool(o, "selected", sections[i].id == q->section_id);
		tv_push(list, o);
	}
}

/* Run a search for its page; a page past the last shows the last one
** (web_page_last). False when the search could not be run. */
static bool run_page(struct ctx *c, struct search_query *q, struct search_result *r)
{
	if (search_run(c->db, c->arena, q, r))
		return false;
	long last = web_page_last(r->total, q->per_page);
	if (q->page <= last)
		return true;
	q->page = last;
	return !search_run(c->db, c->arena, q, r);
}

void page_opac_catalogue(struct ctx *c)
{
	struct search_query q;
	const char *problem = read_search_form(c, &q);
	view_search_form(c, &q);
	if (problem) {
		tv_set_str(c->view, "error", problem);
		web_render(c, "catalogue", 400);
		return;
	}
	struct search_result r;
	if (!run_page(c, &q, &r)) {
		web_error(c, 500, "The search could not be run just now. Please try again.");
		return;
	}
	tv_set_bool(c->view, "searched", r.searched);
	tv_set_bool(c->view, "by_isbn", r.by_isbn);
	tv_set_int(c->view, "total", r.total);
	tv_set_bool(c->view, "more", r.more);
	if (r.windowed) {
		struct search_query everywhere = q;
		everywhere.deep = true;
		everywhere.page = 1;
		tv_set_int(c->view, "window", r.window);
		tv_set_bool(c->view, "window_titles", r.windowed_titles);
		tv_set_str(c->view, "deep_url", search_url(c, &everywhere));
	}
	tv_set_bool(c->view, "one", r.total == 1);
	tv_set_bool(c->view, "none", r.searched && r.total == 0);
	tv_set_bool(c->view, "filtered", q.section_id || *q.genre || *q.author ||
		*q.format || q.available || q.year_from || q.year_to);
	view_hits(c, &r);
	view_pager(c, &q, r.total);
	web_render(c, "catalogue", 200);
}

/* ---- a title ---- */

static void view_title(struct ctx *c, const struct title_detail *t)
{
	struct tv *v = tv_set_obj(c->view, "t");
	tv_set_int(v, "id", t->id);
	tv_set_str(v, "title", t->title);
	tv_set_str(v, "subtitle", t->subtitle);
	tv_set_str(v, "publisher", t->publisher);
	if (t->pub_year)
		tv_set_int(v, "year", t->pub_year);
	tv_set_str(v, "pub_date", t->pub_date);
	tv_set_str(v, "genre", t->genre);
	tv_set_str(v, "genre_url", arena_printf(c->arena, "/catalogue?genre=%s",
		http_url_encode(c->arena, t->genre)));
	if (t->section_id) {
		tv_set_int(v, "section_id", t->section_id);
		tv_set_str(v, "section", t->section);
	}
	tv_set_str(v, "language", t->language);
	if (t->pages)
		tv_set_int(v, "pages", t->pages);
	tv_set_str(v, "description", t->description);
	tv_set_bool(v, "ebook", !strcmp(t->format, "ebook"));
	tv_set_str(v, "cover_url", cover_url(c, t->cover));
	if (*t->isbn13) {
		char shown[18];
		isbn_format(t->isbn13, shown);
		tv_set_str(v, "isbn", shown);
	}
	struct tv *authors = tv_set_list(v, "authors");
	for (int i = 0; i < t->nauthors; i++) {
		struct tv *a = tv_obj(c->arena);
		tv_set_str(a, "name", t->authors[i]);
		tv_set_str(a, "url", arena_printf(c->arena, "/catalogue?author=%s",
			http_url_encode(c->arena, t->authors[i])));
		tv_set_bool(a, "more", i + 1 < t->nauthors);
		tv_push(authors, a);
	}
}

/* A hold the member could not place: the reason instead of the button, and
** where to put it right. After a refused POST (page_circ_hold_place) the
** view holds its message as "hold_refused", said even if the check now
** passes. */
static void view_hold_refusal(struct ctx *c, long long title_id)
{
	struct circ_result r;
	circ_hold_check(c->db, c->arena, c->now, title_id, c->sess.account_id, &r);
	const struct tv *posted = tv_get(c->view, "hold_refused");
	if (r.code == CIRC_OK && !posted)
		return;
	struct tv *o = tv_set_obj(c->view, "hold_refusal");
	tv_set_str(o, "message", r.code != CIRC_OK ? r.message : posted->s);
	tv_set_bool(o, "refused_now", posted != NULL);
	if (r.code == CIRC_BLOCKED) {
		tv_set_str(o, "url", "/account/payments");
		tv_set_str(o, "link", "Membership and payments");
	} else if (r.code == CIRC_HOLD_DUPLICATE || r.code == CIRC_HOLD_HAVE_IT) {
		tv_set_str(o, "url", "/account");
		tv_set_str(o, "link", "Your loans and holds");
	}
}

void page_opac_title(struct ctx *c)
{
	/* A copy whose hold was not collected in time is shown where it went. */
	circ_holds_expire(c->db, c->arena, c->now);
	struct title_detail t;
	int rc = catalogue_title_get(c->db, c->arena, valid_id(c->req->params[0]), &t);
	if (rc) {
		web_error(c, rc > 0 ? 404 : 500, rc > 0 ? "There is no title with that "
			"number in the catalogue. It may have been withdrawn."
			: "The title could not be read. Please try again.");
		return;
	}
	view_title(c, &t);
	struct tv *copies = tv_set_list(c->view, "copies");
	int on_shelf = 0;
	for (int i = 0; i < t.ncopies; i++) {
		const struct copy_info *k = &t.copies[i];
		if (!strcmp(k->status, "withdrawn"))
			continue;   /* gone from the library: not the public's concern */
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "location", k->location);
		tv_set_str(o, "status", catalogue_status_label(k->status));
		tv_set_bool(o, "available", !strcmp(k->status, "available"));
		on_shelf += !strcmp(k->status, "available");
		if (!strcmp(k->status, "on-loan")) {
			sqlite3_stmt *st = db_query(c->db, "SELECT due_day FROM loan WHERE copy_id = ? "
				"AND returned_at IS NULL", "i", k->id);
			if (db_row(c->db, st)) {
				tv_set_str(o, "due", web_day(c, db_text(c->arena, st, 0)));
				db_done(st);
			}
		}
		tv_push(copies, o);
	}
	/* Members place holds from here; visitors are asked to log in. */
	bool can_hold = !strcmp(t.format, "print") && t.ncopies > 0;
	if (c->sess.valid) {
		web_form_token(c);
		if (can_hold)
			view_hold_refusal(c, t.id);
	}
	tv_set_bool(c->view, "can_hold", can_hold);
	ebooks_view_title(c, t.id, !strcmp(t.format, "ebook"));
	tv_set_int(c->view, "on_shelf", on_shelf);
	tv_set_bool(c->view, "has_copies", copies->len > 0);
	reviews_view_title(c, t.id);
	web_render(c, "title", 200);
}

/* ---- sections ---- */

void page_opac_sections(struct ctx *c)
{
	struct section_info *sections;
	int n = catalogue_sections(c->db, c->arena, &sections);
	if (n < 0) {
		web_error(c, 500, "The sections could not be read. Please try again.");
		return;
	}
	struct tv *list = tv_set_list(c->view, "sections");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", sections[i].id);
		tv_set_str(o, "name", sections[i].name);
		tv_set_str(o, "description", sections[i].description);
		tv_set_int(o, "titles", sections[i].titles);
		tv_set_str(o, "titles_text", web_count(c, sections[i].titles, "title", "titles"));
		tv_push(list, o);
	}
	web_render(c, "sections", 200);
}

void page_opac_section(struct ctx *c)
{
	struct section_info s;
	int rc = catalogue_section_get(c->db, c->arena, valid_id(c->req->params[0]), &s);
	if (rc) {
		web_error(c, rc > 0 ? 404 : 500, rc > 0 ? "There is no such section."
			: "The section could not be read. Please try again.");
		return;
	}
	struct search_query q;
	memset(&q, 0, sizeof q);
	q.q = q.genre = q.author = q.format = "";
	q.section_id = s.id;
	q.sort = SORT_TITLE;
	q.page = web_page_param(c);
	q.per_page = RESULTS_PER_PAGE;
	struct search_result r;
	if (!run_page(c, &q, &r)) {
		web_error(c, 500, "The section could not be read. Please try again.");
		return;
	}
	struct tv *v = tv_set_obj(c->view, "section");
	tv_set_int(v, "id", s.id);
	tv_set_str(v, "name", s.name);
	tv_set_str(v, "description", s.description);
	tv_set_int(v, "titles", s.titles);
	tv_set_str(v, "titles_text", web_count(c, s.titles, "title", "titles"));
	tv_set_str(v, "search_url", arena_printf(c->arena, "/catalogue?section=%lld", s.id));
	view_hits(c, &r);
	/* Paging runs over the section's titles in shelf order. */
	long pages = (r.total + q.per_page - 1) / q.per_page;
	tv_set_int(c->view, "page", q.page);
	tv_set_int(c->view, "pages", pages ? pages : 1);
	if (q.page > 1)
		tv_set_str(c->view, "prev_url", arena_printf(c->arena, "/sections/%lld?page=%ld",
			s.id, q.page - 1));
	if (q.page < pages)
		tv_set_str(c->view, "next_url", arena_printf(c->arena, "/sections/%lld?page=%ld",
			s.id, q.page + 1));
	tv_set_bool(c->view, "more", r.more);
	web_render(c, "section", 200);
}
