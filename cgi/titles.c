/*
** titles.c: the staff screens of the catalogue: the staff dashboard, the
** list of titles, the title form (new, edit, with ISBN look-up and cover
** upload), deleting a title, and a title's copies (acquisitions).
*/
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cataloguing.h"
#include "cover.h"
#include "dashboard.h"
#include "ebookfile.h"
#include "isbn.h"
#include "money.h"
#include "search.h"
#include "notify.h"
#include "web.h"

#define STAFF_TITLES_PER_PAGE 50

static const char *today(struct ctx *c)
{
	struct tm tm;
	char out[16];
	localtime_r(&c->now, &tm);
	strftime(out, sizeof out, "%Y-%m-%d", &tm);
	return arena_strdup(c->arena, out);
}

/* One figure of the staff home: its number in words and where it leads. */
static void figure(struct ctx *c, struct tv *list, const char *label, const char *value,
	const char *href, bool warn)
{
	struct tv *o = tv_obj(c->arena);
	tv_set_str(o, "label", label);
	tv_set_str(o, "value", value);
	tv_set_str(o, "href", href);
	tv_set_bool(o, "warn", warn);
	tv_push(list, o);
}

static void view_figures(struct ctx *c)
{
	struct dashboard d;
	if (dashboard_get(c->db, c->now, &d))
		return;
	struct tv *list = tv_set_list(c->view, "figures");
	char n[32];
#define COUNT(v) (snprintf(n, sizeof n, "%ld", (long)(v)), arena_strdup(c->arena, n))
	figure(c, list, "Active members", COUNT(d.active_members),
		"/staff/members?status=active", false);
	figure(c, list, "Loans out", COUNT(d.loans_out), "/staff/loans", false);
	figure(c, list, "Overdue", COUNT(d.overdue), "/staff/overdue", d.overdue > 0);
	figure(c, list, "Holds waiting", COUNT(d.holds_waiting), "/staff/holds#queues", false);
	figure(c, list, "On the hold shelf", COUNT(d.holds_ready), "/staff/holds#shelf", false);
	figure(c, list, "E-books being read", COUNT(d.ebook_grants),
		"/staff/ebook-requests#grants", false);
	figure(c, list, "E-book requests waiting", COUNT(d.ebook_requests),
		"/staff/ebook-requests", d.ebook_requests > 0);
	figure(c, list, arena_printf(c->arena, "Fines owed by %s", web_count(c, d.members_owing,
		"member", "members")), web_money(c, d.fines_owed_cents), "/staff/members?owing=1",
		false);
	figure(c, list, arena_printf(c->arena, "Payments this month (%ld)", d.payments_month),
		web_money(c, d.payments_month_cents),
		arena_printf(c->arena, "/staff/reports/fines?from=%s&group=month", d.month_start), false);
	figure(c, list, "Memberships ending within 14 days", COUNT(d.expiring),
		arena_printf(c->arena, "/staff/members?expiring=%d", DASHBOARD_EXPIRING_DAYS),
		false);
#undef COUNT
}

void page_staff_home(struct ctx *c)
{
	view_figures(c);
	tv_set_str(c->view, "titles", web_count(c, db_int(c->db, 0,
		"SELECT count(*) FROM title", NULL), "title", "titles"));
	tv_set_str(c->view, "copies", web_count(c, db_int(c->db, 0,
		"SELECT count(*) FROM copy WHERE status <> 'withdrawn'", NULL), "copy", "copies"));
	/* Notices that silently stop are the worst kind: say it where staff
	** look first when carrel-cron has not run for a while. */
	long long cron_at = cron_last_finished(c->db);
	if (c->now - cron_at > CRON_SILENT_WARN_SECONDS) {
		tv_set_bool(c->view, "cron_silent", true);
		if (cron_at)
			tv_set_str(c->view, "cron_last", web_date(c, cron_at));
	}
	web_render(c, "staff_home", 200);
}

/* ---- the list ---- */

static void list_recent(struct ctx *c, long page, bool by_title)
{
	long long total = db_int(c->db, 0, "SELECT count(*) FROM title", NULL);
	if (page > web_page_last((long)total, STAFF_TITLES_PER_PAGE))
		page = web_page_last((long)total, STAFF_TITLES_PER_PAGE);   /* past the end */
	sqlite3_stmt *st = db_query(c->db, by_title
		? "SELECT t.id, t.title, d.authors, coalesce(t.isbn13, ''), coalesce(t.pub_year, 0), "
		  "(SELECT count(*) FROM copy WHERE title_id = t.id AND status <> 'withdrawn') "
		  "FROM title t JOIN title_doc d ON d.title_id = t.id "
		  "ORDER BY t.title COLLATE NOCASE, t.id LIMIT ? OFFSET ?"
		: "SELECT t.id, t.title, d.authors, coalesce(t.isbn13, ''), coalesce(t.pub_year, 0), "
		  "(SELECT count(*) FROM copy WHERE title_id = t.id AND status <> 'withdrawn') "
		  "FROM title t JOIN title_doc d ON d.title_id = t.id "
		  "ORDER BY t.created_at DESC, t.id DESC LIMIT ? OFFSET ?",
		"ii", (long long)STAFF_TITLES_PER_PAGE,
		(long long)(page - 1) * STAFF_TITLES_PER_PAGE);
	struct tv *list = tv_set_list(c->view, "rows");
	while (db_row(c->db, st)) {
		struct tv *r = tv_obj(c->arena);
		tv_set_int(r, "id", db_col_int(st, 0));
		tv_set_str(r, "title", db_text(c->arena, st, 1));
		tv_set_str(r, "authors", db_text(c->arena, st, 2));
		tv_set_str(r, "isbn", db_text(c->arena, st, 3));
		if (db_col_int(st, 4))
			tv_set_int(r, "year", db_col_int(st, 4));
		tv_set_int(r, "copies", db_col_int(st, 5));
		tv_push(list, r);
	}
	tv_set_int(c->view, "total", total);
	tv_set_str(c->view, "total_text", web_count(c, total, "title", "titles"));
	long pages = (long)((total + STAFF_TITLES_PER_PAGE - 1) / STAFF_TITLES_PER_PAGE);
	tv_set_int(c->view, "page", page);
	tv_set_int(c->view, "pages", pages ? pages : 1);
	const char *sort = by_title ? "title" : "added";
	if (page > 1)
		tv_set_str(c->view, "prev_url", arena_printf(c->arena,
			"/staff/titles?sort=%s&page=%ld", sort, page - 1));
	if (page < pages)
		tv_set_str(c->view, "next_url", arena_printf(c->arena,
			"/staff/titles?sort=%s&page=%ld", sort, page + 1));
}

static int list_search(struct ctx *c, const char *q, long page)
{
	struct search_query sq;
	memset(&sq, 0, sizeof sq);
	sq.q = q;
	sq.genre = sq.author = sq.format = "";
	sq.page = page;
	sq.per_page = STAFF_TITLES_PER_PAGE;
	struct search_result r;
	if (search_run(c->db, c->arena, &sq, &r))
		return -1;
	if (page > web_page_last(r.total, STAFF_TITLES_PER_PAGE)) {
		page = sq.page = web_page_last(r.total, STAFF_TITLES_PER_PAGE);   /* past the end */
		if (search_run(c->db, c->arena, &sq, &r))
			return -1;
	}
	struct tv *list = tv_set_list(c->view, "rows");
	for (int i = 0; i < r.n; i++) {
		struct tv *row = tv_obj(c->arena);
		tv_set_int(row, "id", r.hits[i].id);
		tv_set_str(row, "title", r.hits[i].title);
		tv_set_str(row, "authors", r.hits[i].authors);
		if (r.hits[i].year)
			tv_set_int(row, "year", r.hits[i].year);
		tv_set_int(row, "copies", r.hits[i].copies);
		tv_push(list, row);
	}
	tv_set_int(c->view, "total", r.total);
	tv_set_str(c->view, "total_text", web_count(c, r.total, "title", "titles"));
	tv_set_bool(c->view, "more", r.more);
	long pages = (r.total + STAFF_TITLES_PER_PAGE - 1) / STAFF_TITLES_PER_PAGE;
	tv_set_int(c->view, "page", page);
	tv_set_int(c->view, "pages", pages ? pages : 1);
	const char *base = arena_printf(c->arena, "/staff/titles?q=%s",
		http_url_encode(c->arena, q));
	if (page > 1)
		tv_set_str(c->view, "prev_url", arena_printf(c->arena, "%s&page=%ld", base, page - 1));
	if (page < pages)
		tv_set_str(c->view, "next_url", arena_printf(c->arena, "%s&page=%ld", base, page + 1));
	return 0;
}

void page_staff_titles(struct ctx *c)
{
	const char *q = valid_trim(c->arena, http_query(c->req, "q"));
	const char *sort = http_query(c->req, "sort");
	bool by_title = sort && !strcmp(sort, "title");
	long page = web_page_param(c);
	tv_set_str(c->view, "q", q);
	tv_set_bool(c->view, "sort_title", by_title);
	const char *done = http_query(c->req, "done");
	if (done && !strcmp(done, "deleted"))
		tv_set_str(c->view, "notice", "The title was deleted.");
	if (*q) {
		if (list_search(c, q, page)) {
			web_error(c, 500, "The search could not be run just now. Please try again.");
			return;
		}
	} else {
		list_recent(c, page, by_title);
	}
	web_render(c, "staff_titles", 200);
}

/* ---- the title form ---- */

static void read_title_form(struct ctx *c, struct title_input *in)
{
	memset(in, 0, sizeof *in);
	const char *v;
#define FIELD(f) in->f = (v = http_form(c->req, #f)) ? v : ""
	FIELD(isbn); FIELD(title); FIELD(subtitle); FIELD(authors); FIELD(publisher);
	FIELD(pub_date); FIELD(genre); FIELD(section); FIELD(language); FIELD(pages);
	FIELD(description); FIELD(format);
#undef FIELD
}

static void view_sections(struct ctx *c, long long selected)
{
	struct section_info *sections;
	int n = catalogue_sections(c->db, c->arena, &sections);
	struct tv *list = tv_set_list(c->view, "sections");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", sections[i].id);
		tv_set_str(o, "name", sections[i].name);
		tv_set_bool(o, "selected", sections[i].id == selected);
		tv_push(list, o);
	}
}

/* What staff see of the title's e-book file, and the upload limit. */
static void view_ebook_file(struct ctx *c, long long id)
{
	char words[32];
	ebookfile_size_words(words, sizeof words, (long long)ebookfile_max_upload(c->db));
	tv_set_str(c->view, "ebook_limit", arena_strdup(c->arena, words));
	struct ebook_file_row f;
	if (!id || ebookfile_get(c->db, c->arena, id, &f) != 1)
		return;
	struct tv *o = tv_set_obj(c->view, "ebook_file");
	bool pdf = !strcmp(f.media_type, "application/pdf");
	tv_set_str(o, "kind", pdf ? "PDF" : "EPUB");
	ebookfile_size_words(words, sizeof words, f.bytes);
	tv_set_str(o, "size", arena_strdup(c->arena, words));
	if (f.pages > 0)
		tv_set_str(o, "pages", web_count(c, f.pages, "page", "pages"));
	tv_set_str(o, "meta_title", f.meta_title);
	tv_set_str(o, "meta_author", f.meta_author);
	tv_set_str(o, "meta_language", f.meta_language);
	tv_set_str(o, "original_name", f.original_name);
	tv_set_str(o, "uploaded", web_date(c, f.uploaded_at));
	tv_set_str(o, "read_url", arena_printf(c->arena, "/ebooks/%lld/read", id));
}

/* Show the title form with in's values; id 0 for a new title. */
static void title_form(struct ctx *c, long long id, const struct title_input *in,
	const char *cover, const struct form_errors *errs, int status)
{
	web_form_token(c);
	struct tv *f = tv_set_obj(c->view, "f");
	tv_set_str(f, "isbn", in->isbn);
	tv_set_str(f, "title", in->title);
	tv_set_str(f, "subtitle", in->subtitle);
	tv_set_str(f, "authors", in->authors);
	tv_set_str(f, "publisher", in->publisher);
	tv_set_str(f, "pub_date", in->pub_date);
	tv_set_str(f, "genre", in->genre);
	tv_set_str(f, "language", *in->language ? in->language : "en");
	tv_set_str(f, "pages", in->pages);
	tv_set_str(f, "description", in->description);
	tv_set_bool(f, "ebook", in->format && !strcmp(in->format, "ebook"));
	if (cover && cover_name_valid(cover))
		tv_set_str(f, "cover_url", arena_printf(c->arena, "/covers/%s", cover));
	view_sections(c, valid_id(in->section));
	view_ebook_file(c, id);
	tv_set_int(c->view, "id", id);
	tv_set_bool(c->view, "editing", id != 0);
	tv_set_str(c->view, "action", id ? arena_printf(c->arena, "/staff/titles/%lld/edit", id)
		: "/staff/titles/new");
	if (errs)
		web_form_errors(c, errs);
	web_render(c, "staff_title_form", status);
}

static const char *join_lines(struct arena *a, const char *const *items, int n)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < n; i++) {
		if (i)
			buf_putc(&b, '\n');
		buf_puts(&b, items[i]);
	}
	const char *s = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return s;
}

/* The "fill from ISBN" step: look the ISBN up and put what the service
** knows into the form. Whatever happens, the form stays usable. */
static void fill_from_isbn(struct ctx *c, struct title_input *in, const char *isbn,
	struct form_errors *errs)
{
	char isbn13[14];
	const char *msg = isbn_normalize(isbn, isbn13);
	in->isbn = isbn;
	if (msg) {
		form_error(errs, "isbn", msg);
		return;
	}
	long long existing = db_int(c->db, 0, "SELECT id FROM title WHERE isbn13 = ?", "t", isbn13);
	if (existing) {
		tv_set_int(c->view, "existing_id", existing);
		form_error(errs, "isbn", "This ISBN is already in the catalogue.");
		return;
	}
	struct isbn_record rec;
	const char *why = NULL;
	switch (isbn_lookup(c->cfg->isbn_url, isbn13, c->cfg->isbn_timeout_ms, c->arena,
		&rec, &why)) {
	case ISBN_FOUND:
		in->title = rec.title;
		in->subtitle = rec.subtitle;
		in->authors = join_lines(c->arena, rec.authors, rec.nauthors);
		in->publisher = rec.publisher;
		in->pub_date = rec.pub_year ? arena_printf(c->arena, "%d", rec.pub_year) : "";
		in->pages = rec.pages ? arena_printf(c->arena, "%d", rec.pages) : "";
		in->description = rec.description;
		in->genre = rec.nsubjects ? rec.subjects[0] : "";
		tv_set_str(c->view, "notice", "Filled in from the ISBN service. Check the "
			"details, choose a section and save.");
		break;
	case ISBN_NOT_FOUND:
		tv_set_str(c->view, "lookup_problem", "The ISBN service does not know this "
			"ISBN. Please fill in the details yourself.");
		break;
	case ISBN_UNAVAILABLE:
		tv_set_str(c->view, "lookup_problem", arena_printf(c->arena, "%s You can "
			"fill in the details yourself.", why ? why : "The ISBN service is not answering."));
		break;
	}
}

void page_staff_title_new_form(struct ctx *c)
{
	struct title_input in;
	memset(&in, 0, sizeof in);
	in.isbn = in.title = in.subtitle = in.authors = in.publisher = in.pub_date = "";
	in.genre = in.section = in.language = in.pages = in.description = "";
	in.format = "print";
	struct form_errors errs = { .n = 0 };
	const char *isbn = valid_trim(c->arena, http_query(c->req, "isbn"));
	if (*isbn)
		fill_from_isbn(c, &in, isbn, &errs);
	title_form(c, 0, &in, NULL, &errs, 200);
}

/* Store an uploaded cover if one came with the form. Returns the file name
** (NULL: none sent) or sets an error on "cover". */
static const char *store_cover(struct ctx *c, struct form_errors *errs, bool *failed)
{
	*failed = false;
	const struct http_file *file = http_file_get(c->req, "cover");
	if (!file)
		return NULL;
	char *name = arena_alloc(c->arena, COVER_NAME_MAX);
	const char *error = NULL;
	if (cover_store(c->cfg->uploads, file->data, file->len, COVER_MAX_BYTES, name, &error)) {
		form_error(errs, "cover", error);
		*failed = true;
		return NULL;
	}
	return name;
}

/* Check and store an uploaded e-book file if one came with the form (only
** for a title of format e-book). Returns true with *info filled when one
** was stored; false with an error on "ebook_file" (*failed) or when none
** was sent. */
static bool store_ebook_file(struct ctx *c, const struct title_input *in,
	struct ebook_info *info, struct form_errors *errs, bool *failed)
{
	*failed = false;
	const struct http_file *file = http_file_get(c->req, "ebook_file");
	if (!file)
		return false;
	const char *error = NULL;
	if (strcmp(in->format, "ebook")) {
		error = "Only an e-book can have an e-book file: choose e-book as the "
			"format, or leave the file out.";
	} else if (ebookfile_store(c->cfg->uploads, file->data, file->len,
		ebookfile_max_upload(c->db), info, &error) == 0) {
		return true;
	}
	form_error(errs, "ebook_file", arena_strdup(c->arena, error));
	*failed = true;
	return false;
}

/* After the title is saved: attach the new e-book file, or remove the old
** one when asked. Returns 0 or -1. */
static int save_ebook_file(struct ctx *c, long long id, const struct ebook_info *stored)
{
	const char *remove = http_form(c->req, "remove_ebook_file");
	if (stored) {
		const struct http_file *file = http_file_get(c->req, "ebook_file");
		return ebookfile_attach(c->db, c->cfg->uploads, id, stored, file->filename,
			c->sess.account_id, c->now) == EBOOKFILE_OK ? 0 : -1;
	}
	if (remove && !strcmp(remove, "1"))
		return ebookfile_detach(c->db, c->cfg->uploads, id, c->sess.account_id, c->now)
			== EBOOKFILE_ERROR ? -1 : 0;
	return 0;
}

/* Shared by new and edit: validate, store the cover, save. */
static void save_title(struct ctx *c, long long id)
{
	struct title_input in;
	read_title_form(c, &in);
	struct form_errors errs = { .n = 0 };
	const char *old_cover = id ? arena_strdup(c->arena, "") : NULL;
	if (id) {
		sqlite3_stmt *st = db_query(c->db, "SELECT cover FROM title WHERE id = ?", "i", id);
		if (!db_row(c->db, st)) {
			web_error(c, 404, "There is no title with that number.");
			return;
		}
		old_cover = db_text(c->arena, st, 0);
		db_done(st);
	}
	/* Check everything that can be checked before a file is written, so a
	** refused form stores nothing. */
	if (cataloguing_title_validate(c->db, c->arena, &in, &errs) == CAT_OK &&
	    cataloguing_isbn_taken(c->db, in.isbn13, id))
		form_error(&errs, "isbn", "Another title in the catalogue already has this ISBN.");
	/* A title with an e-book file stays an e-book until the file goes. */
	const char *remove_ebook = http_form(c->req, "remove_ebook_file");
	if (id && strcmp(in.format, "ebook") && !(remove_ebook && !strcmp(remove_ebook, "1")) &&
	    ebookfile_get(c->db, c->arena, id, &(struct ebook_file_row){ 0 }) == 1)
		form_error(&errs, "format", "This title has an e-book file. Tick “Remove "
			"the file” to make it a print title.");
	if (errs.n) {
		title_form(c, id, &in, old_cover, &errs, 422);
		return;
	}
	bool failed;
	struct ebook_info *ebook = arena_alloc(c->arena, sizeof *ebook);
	if (!store_ebook_file(c, &in, ebook, &errs, &failed))
		ebook = NULL;
	if (failed) {
		title_form(c, id, &in, old_cover, &errs, 422);
		return;
	}
	const char *cover = store_cover(c, &errs, &failed);
	if (failed) {
		if (ebook)
			ebookfile_forget(c->db, c->cfg->uploads, ebook->name);
		title_form(c, id, &in, old_cover, &errs, 422);
		return;
	}
	const char *remove = http_form(c->req, "remove_cover");
	if (!cover && remove && !strcmp(remove, "1"))
		cover = "";
	long long saved = 0;
	enum cat_result r = cataloguing_title_save(c->db, id, &in, cover, c->now, &errs, &saved);
	if (r != CAT_OK && ebook)
		ebookfile_forget(c->db, c->cfg->uploads, ebook->name);
	switch (r) {
	case CAT_OK:
		if (save_ebook_file(c, saved, ebook))
			break;
		web_redirect(c, arena_printf(c->arena, "/staff/titles/%lld/copies?done=%s",
			saved, id ? "saved" : "created"));
		return;
	case CAT_CONFLICT:
	case CAT_INVALID:
		title_form(c, id, &in, old_cover, &errs, 422);
		return;
	case CAT_NOT_FOUND:
		web_error(c, 404, "There is no title with that number.");
		return;
	case CAT_ERROR:
		break;
	}
	web_error(c, 500, "The title could not be saved just now. Nothing was changed; "
		"please try again.");
}

void page_staff_title_new(struct ctx *c)
{
	save_title(c, 0);
}

void titles_input_of(struct ctx *c, const struct title_detail *t, struct title_input *in)
{
	memset(in, 0, sizeof *in);
	char isbn[18] = "";
	if (*t->isbn13)
		isbn_format(t->isbn13, isbn);
	in->isbn = arena_strdup(c->arena, isbn);
	in->title = t->title;
	in->subtitle = t->subtitle;
	in->authors = join_lines(c->arena, t->authors, t->nauthors);
	in->publisher = t->publisher;
	in->pub_date = *t->pub_date ? t->pub_date
		: t->pub_year ? arena_printf(c->arena, "%d", t->pub_year) : "";
	in->genre = t->genre;
	in->section = t->section_id ? arena_printf(c->arena, "%lld", t->section_id) : "";
	in->language = t->language;
	in->pages = t->pages ? arena_printf(c->arena, "%d", t->pages) : "";
	in->description = t->description;
	in->format = t->format;
}

void page_staff_title_edit_form(struct ctx *c)
{
	struct title_detail t;
	int rc = catalogue_title_get(c->db, c->arena, valid_id(c->req->params[0]), &t);
	if (rc) {
		web_error(c, rc > 0 ? 404 : 500, rc > 0 ? "There is no title with that number."
			: "The title could not be read. Please try again.");
		return;
	}
	struct title_input in;
	titles_input_of(c, &t, &in);
	title_form(c, t.id, &in, t.cover, NULL, 200);
}

void page_staff_title_edit(struct ctx *c)
{
	save_title(c, valid_id(c->req->params[0]));
}

/* The delete confirmation; why a delete was refused beside its button. */
static void title_delete_page(struct ctx *c, const char *refused, int status)
{
	struct title_detail t;
	int rc = catalogue_title_get(c->db, c->arena, valid_id(c->req->params[0]), &t);
	if (rc) {
		web_error(c, rc > 0 ? 404 : 500, rc > 0 ? "There is no title with that number."
			: "The title could not be read. Please try again.");
		return;
	}
	web_form_token(c);
	tv_set_int(c->view, "id", t.id);
	tv_set_str(c->view, "title", t.title);
	tv_set_str(c->view, "copies", web_count(c, t.ncopies, "copy", "copies"));
	if (refused)
		tv_set_str(c->view, "refused", web_message(c, refused));
	web_render(c, "staff_title_delete", status);
}

void page_staff_title_delete_form(struct ctx *c)
{
	title_delete_page(c, NULL, 200);
}

void page_staff_title_delete(struct ctx *c)
{
	const char *why = NULL;
	long long id = valid_id(c->req->params[0]);
	struct ebook_file_row file = { 0 };
	ebookfile_get(c->db, c->arena, id, &file);
	switch (cataloguing_title_delete(c->db, id, c->sess.account_id, c->now, &why)) {
	case CAT_OK:
		if (file.name)
			ebookfile_forget(c->db, c->cfg->uploads, file.name);
		web_redirect(c, "/staff/titles?done=deleted");
		return;
	case CAT_NOT_FOUND:
		web_error(c, 404, "There is no title with that number.");
		return;
	case CAT_CONFLICT:
		title_delete_page(c, why, 409);
		return;
	default:
		web_error(c, 500, "The title could not be deleted just now. Please try again.");
	}
}

/* ---- copies ---- */

static void view_statuses(struct ctx *c, struct tv *obj, const char *current)
{
	struct tv *list = tv_set_list(obj, "statuses");
	for (int i = 0; i < cataloguing_manual_status_count; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "value", cataloguing_manual_statuses[i]);
		tv_set_str(o, "label", catalogue_status_label(cataloguing_manual_statuses[i]));
		tv_set_bool(o, "selected", !strcmp(current, cataloguing_manual_statuses[i]));
		tv_push(list, o);
	}
}

/* The item type chosen on a copy form ("" when none was sent). */
static const char *typed_item_type(struct ctx *c)
{
	const char *code = http_form(c->req, "item_type");
	return code ? code : "";
}

static void copies_page(struct ctx *c, long long title_id, const struct copy_input *draft,
	const struct form_errors *errs, int status)
{
	struct title_detail t;
	int rc = catalogue_title_get(c->db, c->arena, title_id, &t);
	if (rc) {
		web_error(c, rc > 0 ? 404 : 500, rc > 0 ? "There is no title with that number."
			: "The title could not be read. Please try again.");
		return;
	}
	web_form_token(c);
	tv_set_int(c->view, "title_id", t.id);
	tv_set_str(c->view, "title", t.title);
	struct tv *list = tv_set_list(c->view, "copies");
	for (int i = 0; i < t.ncopies; i++) {
		const struct copy_info *k = &t.copies[i];
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", k->id);
		tv_set_str(o, "barcode", k->barcode);
		tv_set_str(o, "location", k->location);
		tv_set_str(o, "status", k->status);
		tv_set_str(o, "status_label", catalogue_status_label(k->status));
		tv_set_str(o, "acquired_on", k->acquired_on);
		tv_set_str(o, "acquired_shown", web_day(c, k->acquired_on));
		tv_set_str(o, "source", k->source);
		tv_set_str(o, "cost", money_amount(c->arena, k->cost_cents));   /* the form's */
		tv_set_str(o, "cost_shown", web_money(c, k->cost_cents));
		tv_set_str(o, "notes", k->notes);
		tv_set_str(o, "last_seen", k->last_seen_at ? web_date(c, k->last_seen_at) : "never");
		bool circulating = !strcmp(k->status, "on-loan") || !strcmp(k->status, "on-hold-shelf");
		tv_set_bool(o, "circulating", circulating);
		tv_set_bool(o, "withdrawn", !strcmp(k->status, "withdrawn"));
		view_statuses(c, o, k->status);
		lists_view_options(c, o, "item_types", LIST_ITEM_TYPE,
			lists_copy_item_type(c->db, c->arena, k->id), false);
		tv_push(list, o);
	}
	struct tv *d = tv_set_obj(c->view, "draft");
	tv_set_str(d, "barcode", draft ? draft->barcode : "");
	tv_set_str(d, "location", draft ? draft->location : "");
	tv_set_str(d, "acquired_on", draft ? draft->acquired_on : today(c));
	tv_set_str(d, "source", draft ? draft->source : "");
	tv_set_str(d, "cost", draft ? draft->cost : "");
	tv_set_str(d, "notes", draft ? draft->notes : "");
	tv_set_bool(d, "typed", draft != NULL);   /* the add form's errors show beside it */
	lists_view_options(c, d, "item_types", LIST_ITEM_TYPE,
		draft && *typed_item_type(c) ? typed_item_type(c) : "book", false);
	static const struct { const char *key, *text; } notices[] = {
		{ "created", "The title was created. Add its copies below." },
		{ "saved", "The title was saved." },
		{ "added", "The copy was added." },
		{ "updated", "The copy was updated." },
		{ "withdrawn", "The copy was withdrawn." },
	};
	const char *done = http_query(c->req, "done");
	for (size_t i = 0; done && i < sizeof notices / sizeof notices[0]; i++)
		if (!strcmp(done, notices[i].key))
			tv_set_str(c->view, "notice", notices[i].text);
	if (errs)
		web_form_errors(c, errs);
	web_render(c, "staff_copies", status);
}

void page_staff_copies(struct ctx *c)
{
	copies_page(c, valid_id(c->req->params[0]), NULL, NULL, 200);
}

static void read_copy_form(struct ctx *c, struct copy_input *in)
{
	memset(in, 0, sizeof *in);
	const char *v;
#define FIELD(f) in->f = (v = http_form(c->req, #f)) ? v : ""
	FIELD(barcode); FIELD(location); FIELD(status); FIELD(acquired_on);
	FIELD(source); FIELD(cost); FIELD(notes);
#undef FIELD
}

/* The item type of a copy form: none sent (the copy keeps its type, a new
** one is a book) or one on the list; another is an error on "item_type". */
static bool check_item_type(struct ctx *c, struct form_errors *errs)
{
	return lists_check_code(c->db, LIST_ITEM_TYPE, typed_item_type(c),
		"item_type", errs);
}

static enum cat_result set_item_type(struct ctx *c, long long copy_id,
	struct form_errors *errs)
{
	const char *code = typed_item_type(c);
	if (!*code)
		return CAT_OK;
	switch (lists_copy_set_item_type(c->db, copy_id, code)) {
	case LISTS_OK:
		return CAT_OK;
	case LISTS_INVALID:
		check_item_type(c, errs);
		return CAT_INVALID;
	case LISTS_NOT_FOUND:
		return CAT_NOT_FOUND;
	default:
		return CAT_ERROR;
	}
}

/* The answer to a copy form: back to the copies with a notice, the form
** again with its errors, or an error page. */
static void copy_answer(struct ctx *c, long long title_id, enum cat_result r,
	const char *done, const struct copy_input *draft, const struct form_errors *errs,
	const char *not_found)
{
	switch (r) {
	case CAT_OK:
		web_redirect(c, arena_printf(c->arena, "/staff/titles/%lld/copies?done=%s",
			title_id, done));
		return;
	case CAT_INVALID:
	case CAT_CONFLICT:
		copies_page(c, title_id, draft, errs, 422);
		return;
	case CAT_NOT_FOUND:
		web_error(c, 404, not_found);
		return;
	case CAT_ERROR:
		break;
	}
	web_error(c, 500, "The copy could not be saved just now. Please try again.");
}

void page_staff_copy_add(struct ctx *c)
{
	long long title_id = valid_id(c->req->params[0]);
	struct copy_input in;
	read_copy_form(c, &in);
	struct form_errors errs = { .n = 0 };
	long long copy_id;
	enum cat_result r = cataloguing_copy_validate(c->arena, &in, true, &errs);
	if (!check_item_type(c, &errs))
		r = CAT_INVALID;
	if (r == CAT_OK)
		r = cataloguing_copy_add(c->db, title_id, &in, c->now, &errs, &copy_id);
	if (r == CAT_OK)
		r = set_item_type(c, copy_id, &errs);
	copy_answer(c, title_id, r, "added", &in, &errs, "There is no title with that number.");
}

void page_staff_copy_edit(struct ctx *c)
{
	long long title_id = valid_id(c->req->params[0]);
	long long copy_id = valid_id(c->req->params[1]);
	struct copy_input in;
	read_copy_form(c, &in);
	struct form_errors errs = { .n = 0 };
	enum cat_result r = cataloguing_copy_validate(c->arena, &in, false, &errs);
	if (!check_item_type(c, &errs))
		r = CAT_INVALID;
	if (r == CAT_OK)
		r = cataloguing_copy_update(c->db, title_id, copy_id, &in, c->now, &errs);
	if (r == CAT_OK)
		r = set_item_type(c, copy_id, &errs);
	copy_answer(c, title_id, r, "updated", NULL, &errs, "There is no such copy of this title.");
}

void page_staff_copy_withdraw(struct ctx *c)
{
	long long title_id = valid_id(c->req->params[0]);
	const char *why = NULL;
	switch (cataloguing_copy_withdraw(c->db, title_id, valid_id(c->req->params[1]),
		c->now, &why)) {
	case CAT_OK:
		web_redirect(c, arena_printf(c->arena, "/staff/titles/%lld/copies?done=withdrawn",
			title_id));
		return;
	case CAT_NOT_FOUND:
		web_error(c, 404, "There is no such copy of this title.");
		return;
	case CAT_CONFLICT:
		web_error(c, 409, why);
		return;
	default:
		web_error(c, 500, "The copy could not be withdrawn just now. Please try again.");
	}
}

/* ---- ISBN look-up ---- */

void page_staff_isbn(struct ctx *c)
{
	const char *isbn = c->req->params[0];
	char isbn13[14];
	const char *msg = isbn_normalize(isbn, isbn13);
	tv_set_str(c->view, "isbn", isbn);
	if (msg) {
		tv_set_str(c->view, "problem", msg);
		web_render(c, "staff_isbn", 400);
		return;
	}
	char shown[18];
	isbn_format(isbn13, shown);
	tv_set_str(c->view, "isbn", shown);
	tv_set_str(c->view, "isbn13", isbn13);
	long long existing = db_int(c->db, 0, "SELECT id FROM title WHERE isbn13 = ?", "t", isbn13);
	if (existing)
		tv_set_int(c->view, "existing_id", existing);
	struct isbn_record rec;
	const char *why = NULL;
	switch (isbn_lookup(c->cfg->isbn_url, isbn13, c->cfg->isbn_timeout_ms, c->arena,
		&rec, &why)) {
	case ISBN_FOUND: {
		struct tv *r = tv_set_obj(c->view, "record");
		tv_set_str(r, "title", rec.title);
		tv_set_str(r, "subtitle", rec.subtitle);
		tv_set_str(r, "authors", join_lines(c->arena, rec.authors, rec.nauthors));
		tv_set_str(r, "publisher", rec.publisher);
		tv_set_str(r, "pub_date", rec.pub_date);
		if (rec.pages)
			tv_set_int(r, "pages", rec.pages);
		tv_set_str(r, "subjects", join_lines(c->arena, rec.subjects, rec.nsubjects));
		tv_set_str(r, "description", rec.description);
		break;
	}
	case ISBN_NOT_FOUND:
		tv_set_str(c->view, "problem", "The ISBN service does not know this ISBN.");
		break;
	case ISBN_UNAVAILABLE:
		tv_set_str(c->view, "problem", why ? why : "The ISBN service is not answering.");
		break;
	}
	web_render(c, "staff_isbn", 200);
}
