/*
** cataloguing.c: creating and editing titles and copies. See cataloguing.h.
*/
#include "cataloguing.h"
#include "audit.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isbn.h"

const char *const cataloguing_manual_statuses[] = {
	"available", "damaged", "in-repair", "lost", "withdrawn",
};
const int cataloguing_manual_status_count =
	(int)(sizeof cataloguing_manual_statuses / sizeof cataloguing_manual_statuses[0]);

static size_t utf8_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static bool has_control(const char *s, bool newlines_ok)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && !(newlines_ok && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7f)
			return true;
	}
	return false;
}

/* Trim, then check length (characters) and control characters. */
static const char *text_field(struct arena *a, const char *in, size_t max,
	bool multiline, const char *field, const char *label, struct form_errors *errs)
{
	const char *s = valid_trim(a, in);
	if (utf8_len(s) > max)
		form_error(errs, field, arena_printf(a, "%s can be at most %zu characters.",
			label, max));
	else if (has_control(s, multiline))
		form_error(errs, field, arena_printf(a, "%s cannot contain control characters.",
			label));
	return s;
}

bool cataloguing_valid_date(const char *s)
{
	int y, m, d;
	char tail;
	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
	    s[4] != '-' || s[7] != '-')
		return false;
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

/* "1999", "1999-05" or "1999-05-01": the year, or 0 when malformed. */
static int pub_date_year(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < 4 && i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	int year = n >= 4 ? atoi(s) : 0;
	if (n == 4)
		return year;
	if (n == 7 && s[4] == '-' && isdigit((unsigned char)s[5]) &&
	    isdigit((unsigned char)s[6]) && atoi(s + 5) >= 1 && atoi(s + 5) <= 12)
		return year;
	if (n == 10 && cataloguing_valid_date(s))
		return year;
	return 0;
}

/* Split the authors field on new lines and semicolons. */
static void split_authors(struct arena *a, struct title_input *in,
	struct form_errors *errs)
{
	in->nauthors = 0;
	const char *p = in->authors;
	while (*p) {
		size_t len = strcspn(p, "\n;");
		const char *name = valid_trim(a, arena_strndup(a, p, len));
		p += len;
		if (*p)
			p++;
		if (!*name)
			continue;
		if (in->nauthors == TITLE_AUTHORS_MAX) {
			form_error(errs, "authors", "A title can list at most 10 authors.");
			return;
		}
		if (utf8_len(name) > 300 || has_control(name, false)) {
			form_error(errs, "authors", "Each author's name can be at most 300 characters.");
			return;
		}
		in->author_names[in->nauthors++] = name;
	}
}

enum cat_result cataloguing_title_validate(struct db *db, struct arena *a,
	struct title_input *in, struct form_errors *errs)
{
	in->title = text_field(a, in->title, 500, false, "title", "The title", errs);
	if (!*in->title)
		form_error(errs, "title", "Please enter the title.");
	in->subtitle = text_field(a, in->subtitle, 500, false, "subtitle", "The subtitle", errs);
	in->authors = text_field(a, in->authors, 3500, true, "authors", "The authors", errs);
	split_authors(a, in, errs);
	in->publisher = text_field(a, in->publisher, 300, false, "publisher", "The publisher", errs);
	in->genre = text_field(a, in->genre, 100, false, "genre", "The genre", errs);
	in->description = text_field(a, in->description, 5000, true, "description",
		"The description", errs);

	in->isbn = valid_trim(a, in->isbn);
	in->isbn13[0] = '\0';
	const char *msg;
	if (*in->isbn && (msg = isbn_normalize(in->isbn, in->isbn13)))
		form_error(errs, "isbn", msg);

	in->pub_date = valid_trim(a, in->pub_date);
	in->pub_year = 0;
	if (*in->pub_date && !(in->pub_year = pub_date_year(in->pub_date)))
		form_error(errs, "pub_date", "Write the publication date as a year (1999), "
			"a month (1999-05) or a day (1999-05-01).");

	in->pages = valid_trim(a, in->pages);
	in->npages = 0;
	if (*in->pages) {
		long long n = valid_id(in->pages);
		if (n < 1 || n > 100000)
			form_error(errs, "pages", "The number of pages is a whole number from 1 to 100000.");
		in->npages = (int)n;
	}

	in->language = valid_trim(a, in->language);
	if (!*in->language)
		in->language = "en";
	size_t ll = strlen(in->language);
	bool lang_ok = ll == 2 || ll == 3;
	for (size_t i = 0; i < ll; i++)
		lang_ok = lang_ok && islower((unsigned char)in->language[i]);
	if (!lang_ok)
		form_error(errs, "language", "The language is a two-letter code such as en, fr or de.");

	if (!in->format || (strcmp(in->format, "print") && strcmp(in->format, "ebook")))
		form_error(errs, "format", "Choose print or e-book.");

	in->section_id = 0;
	if (in->section && *in->section) {
		in->section_id = valid_id(in->section);
		if (!in->section_id || !db_int(db, 0, "SELECT count(*) FROM section WHERE id = ?",
			"i", in->section_id))
			form_error(errs, "section", "Choose a section from the list.");
	}
	return errs->n ? CAT_INVALID : CAT_OK;
}

bool cataloguing_isbn_taken(struct db *db, const char *isbn13, long long except_id)
{
	return *isbn13 && db_int(db, 0, "SELECT count(*) FROM title WHERE isbn13 = ? AND id <> ?",
		"ti", isbn13, except_id) > 0;
}

static int save_authors(struct db *db, long long title_id, const struct title_input *in)
{
	if (db_exec(db, "DELETE FROM title_author WHERE title_id = ?", "i", title_id) != SQLITE_OK)
		return -1;
	for (int i = 0; i < in->nauthors; i++) {
		if (db_exec(db, "INSERT OR IGNORE INTO author(name) VALUES (?)", "t",
			in->author_names[i]) != SQLITE_OK)
			return -1;
		long long author_id = db_int(db, 0, "SELECT id FROM author WHERE name = ?", "t",
			in->author_names[i]);
		/* The same name twice in one list is listed once. */
		int rc = db_exec(db, "INSERT OR IGNORE INTO title_author(title_id, author_id, position) "
			"VALUES (?, ?, (SELECT count(*) + 1 FROM title_author WHERE title_id = ?))",
			"iii", title_id, author_id, title_id);
		if (rc != SQLITE_OK)
			return -1;
	}
	return 0;
}

enum cat_result cataloguing_title_write(struct db *db, long long id,
	const struct title_input *in, const char *cover, time_t now, long long *saved_id)
{
	const char *isbn = *in->isbn13 ? in->isbn13 : NULL;
	int rc;
	if (id == 0) {
		rc = db_exec(db, "INSERT INTO title(isbn13, title, subtitle, publisher, pub_year, "
			"pub_date, genre, section_id, language, pages, description, format, cover, "
			"created_at, updated_at) VALUES (?, ?, ?, ?, nullif(?, 0), ?, ?, nullif(?, 0), "
			"?, nullif(?, 0), ?, ?, ?, ?, ?)", "ttttittititttii",
			isbn, in->title, in->subtitle, in->publisher, (long long)in->pub_year,
			in->pub_date, in->genre, in->section_id, in->language, (long long)in->npages,
			in->description, in->format, cover ? cover : "", (long long)now, (long long)now);
		id = db_last_id(db);
	} else {
		rc = db_exec(db, "UPDATE title SET isbn13 = ?, title = ?, subtitle = ?, "
			"publisher = ?, pub_year = nullif(?, 0), pub_date = ?, genre = ?, "
			"section_id = nullif(?, 0), language = ?, pages = nullif(?, 0), "
			"description = ?, format = ?, cover = coalesce(?, cover), updated_at = ? "
			"WHERE id = ?", "ttttittititttii",
			isbn, in->title, in->subtitle, in->publisher, (long long)in->pub_year,
			in->pub_date, in->genre, in->section_id, in->language, (long long)in->npages,
			in->description, in->format, cover, (long long)now, id);
		if (rc == SQLITE_OK && db_changes(db) == 0)
			return CAT_NOT_FOUND;
	}
	if (rc != SQLITE_OK || save_authors(db, id, in))
		return CAT_ERROR;
	*saved_id = id;
	return CAT_OK;
}

/* A row's state as JSON (the import views' query sql, for id), malloc'd;
** NULL when there is none. */
static char *state_of(struct db *db, const char *sql, long long id)
{
	char *out = NULL;
	sqlite3_stmt *st = db_query(db, sql, "i", id);
	if (db_row(db, st)) {
		const char *s = (const char *)sqlite3_column_text(st, 0);
		out = s ? strdup(s) : NULL;
		db_done(st);
	}
	return out;
}

/* The audit row of a change to a title or copy, by whoever this request
** is; frees before and after. Returns 0 or -1. */
static int record_change(struct db *db, time_t now, const char *action, const char *what,
	long long id, const char *detail, char *before, char *after)
{
	char object[48];
	snprintf(object, sizeof object, "%s:%lld", what, id);
	int rc = audit_record(db, audit_actor(), now, action, object, detail, before, after);
	free(before);
	free(after);
	return rc;
}

enum cat_result cataloguing_title_save(struct db *db, long long id,
	const struct title_input *in, const char *cover, time_t now,
	struct form_errors *errs, long long *saved_id)
{
	if (db_begin(db))
		return CAT_ERROR;
	if (cataloguing_isbn_taken(db, in->isbn13, id)) {
		db_rollback(db);
		form_error(errs, "isbn", "Another title in the catalogue already has this ISBN.");
		return CAT_CONFLICT;
	}
	char *before = id ? state_of(db, "SELECT state FROM import_title_state WHERE id = ?",
		id) : NULL;
	enum cat_result r = cataloguing_title_write(db, id, in, cover, now, saved_id);
	if (r == CAT_OK && record_change(db, now, id ? "title.edit" : "title.create", "title",
		*saved_id, in->title, before,
		state_of(db, "SELECT state FROM import_title_state WHERE id = ?", *saved_id)))
		r = CAT_ERROR;
	if (r != CAT_OK || db_commit(db)) {
		db_rollback(db);
		return r != CAT_OK ? r : CAT_ERROR;
	}
	return CAT_OK;
}

enum cat_result cataloguing_title_delete(struct db *db, long long id,
	long long actor_id, time_t now, const char **why)
{
	if (db_begin(db))
		return CAT_ERROR;
	char title[512] = "";
	sqlite3_stmt *st = db_query(db, "SELECT title FROM title WHERE id = ?", "i", id);
	if (db_row(db, st)) {
		snprintf(title, sizeof title, "%s", sqlite3_column_text(st, 0));
		db_done(st);
	} else {
		db_rollback(db);
		return CAT_NOT_FOUND;
	}
	long long busy = db_int(db, 0, "SELECT count(*) FROM copy WHERE title_id = ? "
		"AND status IN ('on-loan', 'on-hold-shelf')", "i", id);
	if (busy) {
		db_rollback(db);
		*why = busy == 1 ? "A copy of this title is on loan or waiting for a reader, "
			"so it cannot be deleted. Check the copy in first."
			: "Copies of this title are on loan or waiting for readers, so it cannot "
			"be deleted. Check them in first.";
		return CAT_CONFLICT;
	}
	/* Digital loans are history we keep, like a withdrawn copy's. */
	if (db_int(db, 0, "SELECT count(*) FROM ebook_loan WHERE title_id = ?", "i", id)) {
		db_rollback(db);
		*why = "This e-book has been requested or lent, and those loans are kept on "
			"record, so the title cannot be deleted. To stop lending it, remove its "
			"file on the title form instead.";
		return CAT_CONFLICT;
	}
	char object[32];
	snprintf(object, sizeof object, "title:%lld", id);
	if (db_exec(db, "DELETE FROM ebook_file WHERE title_id = ?", "i", id) != SQLITE_OK ||
	    db_exec(db, "DELETE FROM copy WHERE title_id = ?", "i", id) != SQLITE_OK ||
	    db_exec(db, "DELETE FROM title WHERE id = ?", "i", id) != SQLITE_OK ||
	    db_exec(db, "INSERT INTO audit(at, actor_id, action, object, detail) "
		"VALUES (?, ?, 'title.delete', ?, ?)", "iitt", (long long)now, actor_id,
		object, title) != SQLITE_OK ||
	    db_commit(db)) {
		db_rollback(db);
		return CAT_ERROR;
	}
	return CAT_OK;
}

long long cataloguing_parse_cents(const char *s)
{
	if (!s || !*s)
		return 0;
	long long units = 0;
	const char *p = s;
	int digits = 0;
	while (isdigit((unsigned char)*p) && digits < 9) {
		units = units * 10 + (*p++ - '0');
		digits++;
	}
	if (!digits)
		return -1;
	long long cents = 0;
	if (*p == '.') {
		p++;
		int n = 0;
		while (isdigit((unsigned char)*p) && n < 2) {
			cents = cents * 10 + (*p++ - '0');
			n++;
		}
		if (n == 0)
			return -1;
		if (n == 1)
			cents *= 10;
	}
	return *p ? -1 : units * 100 + cents;
}

static bool status_manual(const char *s)
{
	for (int i = 0; i < cataloguing_manual_status_count; i++)
		if (!strcmp(s, cataloguing_manual_statuses[i]))
			return true;
	return false;
}

/* The statuses circulation sets: a copy is lent or put on the hold shelf
** at the desk, never by hand. */
static bool circulating(const char *status)
{
	return !strcmp(status, "on-loan") || !strcmp(status, "on-hold-shelf");
}

enum cat_result cataloguing_copy_validate(struct arena *a, struct copy_input *in,
	bool creating, struct form_errors *errs)
{
	in->barcode = valid_trim(a, in->barcode);
	if (creating) {
		size_t n = strlen(in->barcode);
		bool ok = n >= 1 && n <= 64;
		for (size_t i = 0; ok && i < n; i++)
			ok = isalnum((unsigned char)in->barcode[i]) || in->barcode[i] == '-';
		if (!n)
			form_error(errs, "barcode", "Please scan or type the copy's barcode.");
		else if (!ok)
			form_error(errs, "barcode", "A barcode has up to 64 letters, digits and hyphens.");
	}
	in->location = text_field(a, in->location, 100, false, "location", "The shelf location", errs);
	in->source = text_field(a, in->source, 200, false, "source", "The source", errs);
	in->notes = text_field(a, in->notes, 1000, true, "notes", "The notes", errs);
	in->status = in->status && *in->status ? in->status : "available";
	/* An edit of a copy out on loan sends its status back unchanged (the
	** copies page shows it as text); cataloguing_copy_update checks that it
	** is the copy's own. */
	if (!status_manual(in->status) && (creating || !circulating(in->status)))
		form_error(errs, "status", "Choose a status from the list.");
	in->acquired_on = valid_trim(a, in->acquired_on);
	if (*in->acquired_on && !cataloguing_valid_date(in->acquired_on))
		form_error(errs, "acquired_on", "Write the date as YYYY-MM-DD, e.g. 2026-11-22.");
	in->cost = valid_trim(a, in->cost);
	in->cost_cents = cataloguing_parse_cents(in->cost);
	if (in->cost_cents < 0)
		form_error(errs, "cost", "Write the cost as an amount such as 12.50.");
	return errs->n ? CAT_INVALID : CAT_OK;
}

enum cat_result cataloguing_copy_add(struct db *db, long long title_id,
	const struct copy_input *in, time_t now, struct form_errors *errs,
	long long *copy_id)
{
	if (!db_int(db, 0, "SELECT count(*) FROM title WHERE id = ?", "i", title_id))
		return CAT_NOT_FOUND;
	if (db_begin(db))
		return CAT_ERROR;
	int rc = db_exec(db, "INSERT INTO copy(barcode, title_id, location, status, "
		"acquired_on, source, cost_cents, notes, created_at) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", "tittttiti",
		in->barcode, title_id, in->location, in->status, in->acquired_on, in->source,
		in->cost_cents, in->notes, (long long)now);
	if (rc == SQLITE_CONSTRAINT) {
		db_rollback(db);
		form_error(errs, "barcode", "This barcode is already used by another copy.");
		return CAT_CONFLICT;
	}
	if (rc == SQLITE_OK)
		*copy_id = db_last_id(db);
	if (rc != SQLITE_OK ||
	    record_change(db, now, "copy.add", "copy", *copy_id, in->barcode, NULL,
		state_of(db, "SELECT state FROM import_copy_state WHERE id = ?", *copy_id)) ||
	    db_commit(db)) {
		db_rollback(db);
		return CAT_ERROR;
	}
	return CAT_OK;
}

/* The status of a copy of a title into status; -1 when no such copy. */
static int copy_status(struct db *db, long long title_id, long long copy_id, char status[32])
{
	status[0] = '\0';
	sqlite3_stmt *st = db_query(db, "SELECT status FROM copy WHERE id = ? AND title_id = ?",
		"ii", copy_id, title_id);
	if (db_row(db, st)) {
		snprintf(status, 32, "%s", sqlite3_column_text(st, 0));
		db_done(st);
	}
	return status[0] ? 0 : -1;
}

enum cat_result cataloguing_copy_update(struct db *db, long long title_id,
	long long copy_id, const struct copy_input *in, time_t now, struct form_errors *errs)
{
	if (db_begin(db))
		return CAT_ERROR;
	char status[32];
	if (copy_status(db, title_id, copy_id, status)) {
		db_rollback(db);
		return CAT_NOT_FOUND;
	}
	bool out = circulating(status);
	if (strcmp(in->status, status) && (out || circulating(in->status))) {
		db_rollback(db);
		form_error(errs, "status", out ? "This copy is on loan or on the hold shelf; its "
			"status changes when it is checked in." : "Choose a status from the list: "
			"a copy goes on loan or to the hold shelf at the desk.");
		return CAT_INVALID;
	}
	char *before = state_of(db, "SELECT state FROM import_copy_state WHERE id = ?", copy_id);
	if (db_exec(db, "UPDATE copy SET location = ?, status = ?, acquired_on = ?, "
		"source = ?, cost_cents = ?, notes = ? WHERE id = ?", "ttttiti",
		in->location, out ? status : in->status, in->acquired_on, in->source,
		in->cost_cents, in->notes, copy_id) != SQLITE_OK ||
	    record_change(db, now, "copy.edit", "copy", copy_id, in->barcode, before,
		state_of(db, "SELECT state FROM import_copy_state WHERE id = ?", copy_id)) ||
	    db_commit(db)) {
		db_rollback(db);
		return CAT_ERROR;
	}
	return CAT_OK;
}

enum cat_result cataloguing_copy_set_status_in_tx(struct db *db, long long copy_id,
	const char *status, time_t now, const char *action, const char *detail)
{
	if (!status_manual(status))
		return CAT_INVALID;
	char was[32] = "";
	sqlite3_stmt *st = db_query(db, "SELECT status FROM copy WHERE id = ?", "i", copy_id);
	if (db_row(db, st)) {
		snprintf(was, sizeof was, "%s", sqlite3_column_text(st, 0));
		db_done(st);
	}
	if (!*was)
		return CAT_NOT_FOUND;
	if (circulating(was))
		return CAT_CONFLICT;
	char *before = state_of(db, "SELECT state FROM import_copy_state WHERE id = ?", copy_id);
	if (db_exec(db, "UPDATE copy SET status = ? WHERE id = ?", "ti", status, copy_id)
		!= SQLITE_OK) {
		free(before);
		return CAT_ERROR;
	}
	return record_change(db, now, action, "copy", copy_id, detail, before,
		state_of(db, "SELECT state FROM import_copy_state WHERE id = ?", copy_id))
		? CAT_ERROR : CAT_OK;
}

enum cat_result cataloguing_copy_withdraw(struct db *db, long long title_id,
	long long copy_id, time_t now, const char **why)
{
	if (db_begin(db))
		return CAT_ERROR;
	char status[32];
	if (copy_status(db, title_id, copy_id, status)) {
		db_rollback(db);
		return CAT_NOT_FOUND;
	}
	enum cat_result r = cataloguing_copy_set_status_in_tx(db, copy_id, "withdrawn", now,
		"copy.withdraw", "");
	if (r == CAT_CONFLICT) {
		db_rollback(db);
		*why = "This copy is on loan or waiting on the hold shelf. Check it in first.";
		return CAT_CONFLICT;
	}
	if (r != CAT_OK || db_commit(db)) {
		db_rollback(db);
		return CAT_ERROR;
	}
	return CAT_OK;
}
