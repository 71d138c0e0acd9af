/*
** import.c: bulk imports. See import.h for the columns and the rules.
**
** One transaction holds the whole import; each row runs in a savepoint so
** that a row failing half-way leaves nothing behind. Duplicates within the
** file are found through a temporary table keyed by email, card, barcode
** or title key, which also remembers the title a key already made.
*/
#include "import.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "calendar.h"
#include "catalogue.h"
#include "cataloguing.h"
#include "marc.h"
#include "members.h"
#include "tabular.h"
#include "valid.h"

int import_kind_parse(const char *s)
{
	if (s && !strcmp(s, "members"))
		return IMPORT_MEMBERS;
	if (s && !strcmp(s, "titles"))
		return IMPORT_TITLES;
	return -1;
}

/* ---- columns ---- */

enum member_col { M_NAME, M_EMAIL, M_PHONE, M_CATEGORY, M_CARD, M_PLAN, M_UNTIL, M_COLS };
static const char *const member_cols[M_COLS] = {
	"name", "email", "phone", "category", "card_number", "plan", "member_until",
};

enum title_col { T_ISBN, T_TITLE, T_SUBTITLE, T_AUTHORS, T_PUBLISHER, T_YEAR, T_GENRE,
	T_SECTION, T_LANGUAGE, T_PAGES, T_FORMAT, T_DESCRIPTION, T_BARCODE, T_LOCATION,
	T_STATUS, T_ACQUIRED, T_SOURCE, T_COST, T_COLS };
static const char *const title_cols[T_COLS] = {
	"isbn", "title", "subtitle", "authors", "publisher", "year", "genre", "section",
	"language", "pages", "format", "description", "barcode", "location", "status",
	"acquired_on", "source", "cost",
};

/* Other names people give these columns. */
static const struct { const char *alias, *name; } aliases[] = {
	{ "card", "card_number" }, { "card_no", "card_number" },
	{ "expires", "member_until" }, { "expiry", "member_until" },
	{ "expiry_date", "member_until" }, { "author", "authors" },
	{ "isbn13", "isbn" }, { "isbn_13", "isbn" }, { "pub_year", "year" },
	{ "published", "year" }, { "pub_date", "year" }, { "mobile", "phone" },
	{ "full_name", "name" }, { "e_mail", "email" }, { "shelf", "location" },
	{ "acquired", "acquired_on" }, { "vendor", "source" }, { "summary", "description" },
};

/* "Card Number " -> "card_number". */
static char *header_key(struct arena *a, const char *s)
{
	char *k = valid_trim(a, s);
	for (char *p = k; *p; p++)
		*p = (*p == ' ' || *p == '-') ? '_' : (char)tolower((unsigned char)*p);
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (!strcmp(k, aliases[i].alias))
			return (char *)aliases[i].name;
	return k;
}

/* ---- the state of one import ---- */

struct importer {
	struct db *db;
	struct arena *a;           /* the report's strings */
	struct arena row;          /* reset after every row */
	enum import_kind kind;
	time_t now;
	lday today;
	long long actor_id;
	struct import_report *r;
	int col[T_COLS];           /* file column of each known column, or -1 */
	int ncols;
	bool header_done;
	const char *fatal;         /* stops the import: nothing is saved */
};

static void reject(struct importer *im, long line, const char *reason)
{
	im->r->rejected++;
	if (im->r->nproblems < IMPORT_PROBLEMS_LISTED) {
		struct import_problem *p = &im->r->problems[im->r->nproblems++];
		p->line = line;
		p->reason = arena_strdup(im->a, reason);
	}
}

static int read_header(struct importer *im, const struct tab_row *row)
{
	const char *const *known = im->kind == IMPORT_MEMBERS ? member_cols : title_cols;
	int nknown = im->kind == IMPORT_MEMBERS ? M_COLS : T_COLS;
	for (int i = 0; i < T_COLS; i++)
		im->col[i] = -1;
	struct buf ignored = BUF_INIT;
	for (int c = 0; c < row->ncells; c++) {
		const char *k = header_key(&im->row, row->cell[c]);
		int found = -1;
		for (int i = 0; i < nknown && found < 0; i++)
			if (!strcmp(k, known[i]))
				found = i;
		if (found >= 0 && im->col[found] < 0)
			im->col[found] = c;
		else if (*row->cell[c])
			buf_printf(&ignored, "%s%s", ignored.len ? ", " : "", row->cell[c]);
	}
	im->r->ignored_columns = arena_strdup(im->a, ignored.data ? ignored.data : "");
	buf_free(&ignored);
	const char *missing = im->kind == IMPORT_MEMBERS
		? (im->col[M_NAME] < 0 ? "name" : im->col[M_EMAIL] < 0 ? "email" : NULL)
		: (im->col[T_TITLE] < 0 ? "title" : NULL);
	if (missing) {
		im->fatal = arena_printf(im->a, "The first row must name the columns, and a "
			"\"%s\" column is required. The columns of a %s import are: %s.", missing,
			im->kind == IMPORT_MEMBERS ? "members" : "titles",
			im->kind == IMPORT_MEMBERS
				? "name, email, phone, category, card_number, plan, member_until"
				: "isbn, title, subtitle, authors, publisher, year, genre, section, "
				  "language, pages, format, description, barcode, location, status, "
				  "acquired_on, source, cost");
		return 1;
	}
	return 0;
}

/* A cell of the row by known column; "" when absent. A leading apostrophe
** that an export put before =, +, - or @ (against formula injection) is
** dropped again. */
static const char *cell(struct importer *im, const struct tab_row *row, int known)
{
	int c = im->col[known];
	if (c < 0 || c >= row->ncells)
		return "";
	const char *s = row->cell[c];
	if (s[0] == '\'' && s[1] && strchr("=+-@\t", s[1]))
		s++;
	return valid_trim(&im->row, s);
}

/* A date as YYYY-MM-DD, or a spreadsheet's day number (days since
** 1899-12-30), into *out; false when it is neither. */
static bool parse_day(const char *s, lday *out)
{
	if (cal_parse(s, out))
		return true;
	char *end;
	double serial = strtod(s, &end);
	if (end == s || *end || serial < 1 || serial > 2958465)
		return false;
	*out = cal_from_ymd(1899, 12, 30) + (lday)serial;
	return true;
}

/* Remember key for this import; on a repeat, *first_line is the line it
** was first seen on and false is returned. title_id rides along. */
static bool first_sighting(struct importer *im, const char *key, long line,
	long long title_id, long *first_line)
{
	if (db_exec(im->db, "INSERT INTO temp.import_seen(key, line, title_id) VALUES (?, ?, ?)",
		"tii", key, (long long)line, title_id) == SQLITE_OK)
		return true;
	*first_line = (long)db_int(im->db, 0, "SELECT line FROM temp.import_seen WHERE key = ?",
		"t", key);
	return false;
}

static long long seen_title(struct importer *im, const char *key)
{
	return db_int(im->db, 0, "SELECT title_id FROM temp.import_seen WHERE key = ?", "t", key);
}

/* ---- members ---- */

/* A password hash no password matches: the member asks the desk for one. */
#define NO_PASSWORD "$argon2id$none"

static const char *member_membership(struct importer *im, long long id, const char *plan_name,
	const char *until, bool is_new)
{
	struct plan p = { 0 };
	if (*plan_name && plan_by_name(im->db, &im->row, plan_name, &p))
		return arena_printf(&im->row, "there is no plan named \"%s\"", plan_name);
	lday last;
	if (*until) {
		if (!parse_day(until, &last))
			return "member_until is not a date (write YYYY-MM-DD)";
		return membership_set_until(im->db, id, p.id, im->today, last, im->now)
			? "the membership could not be saved" : NULL;
	}
	if (!p.id || !is_new)
		return NULL;
	char new_until[11];
	int rc = p.price_cents ? membership_add_pending(im->db, id, &p, im->now)
		: membership_extend(im->db, id, &p, 0, im->today, im->now, new_until);
	return rc ? "the membership could not be saved" : NULL;
}

static const char *member_row(struct importer *im, const struct tab_row *row, bool *added)
{
	const char *name = cell(im, row, M_NAME), *email = cell(im, row, M_EMAIL);
	const char *phone = cell(im, row, M_PHONE), *category = cell(im, row, M_CATEGORY);
	const char *card = cell(im, row, M_CARD), *plan = cell(im, row, M_PLAN);
	const char *until = cell(im, row, M_UNTIL);
	const char *why;
	if ((why = valid_name(name)) || (why = valid_email(email)) || (why = valid_phone(phone)))
		return why;
	if (!*category)
		category = "adult";
	if (strlen(category) > 40)
		return "the category is longer than 40 characters";
	if (strlen(card) > 32 || strspn(card, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-") != strlen(card))
		return "a card number has up to 32 digits, capital letters and hyphens";
	long first;
	if (!first_sighting(im, arena_printf(&im->row, "email:%s", email), row->line, 0, &first))
		return arena_printf(&im->row, "the email %s is also on line %ld", email, first);
	if (*card && !first_sighting(im, arena_printf(&im->row, "card:%s", card), row->line, 0,
		&first))
		return arena_printf(&im->row, "the card number %s is also on line %ld", card, first);

	long long id = 0;
	const char *role = "";
	sqlite3_stmt *st = db_query(im->db, "SELECT id, role FROM account WHERE email = ?", "t",
		email);
	if (db_row(im->db, st)) {
		id = db_col_int(st, 0);
		role = db_text(&im->row, st, 1);
		db_done(st);
	}
	if (id && strcmp(role, "member"))
		return "this email belongs to a staff account";
	if (*card && db_int(im->db, 0, "SELECT count(*) FROM account WHERE card_number = ? "
		"AND id <> ?", "ti", card, id))
		return arena_printf(&im->row, "the card number %s belongs to another account", card);
	if (id) {
		if (db_exec(im->db, "UPDATE account SET name = ?, phone = ?, category = ?, "
			"card_number = coalesce(nullif(?, ''), card_number), updated_at = ? WHERE id = ?",
			"ttttii", name, phone, category, card, (long long)im->now, id) != SQLITE_OK)
			return "the member could not be updated";
	} else {
		if (db_exec(im->db, "INSERT INTO account(email, name, phone, password_hash, role, "
			"category, card_number, created_at, updated_at) "
			"VALUES (?, ?, ?, '" NO_PASSWORD "', 'member', ?, nullif(?, ''), ?, ?)",
			"tttttii", email, name, phone, category, card, (long long)im->now,
			(long long)im->now) != SQLITE_OK)
			return "the member could not be saved";
		id = db_last_id(im->db);
		char generated[16];
		account_card_number(id, generated);
		if (!*card && db_exec(im->db, "UPDATE account SET card_number = ? WHERE id = ?",
			"ti", generated, id) != SQLITE_OK)
			return "no card number could be given to the member";
		*added = true;
	}
	return member_membership(im, id, plan, until, *added);
}

/* ---- titles ---- */

static long long section_by_name(struct importer *im, const char *name)
{
	if (!*name)
		return 0;
	long long id = db_int(im->db, 0, "SELECT id FROM section WHERE name = ?", "t", name);
	if (!id && db_exec(im->db, "INSERT INTO section(name) VALUES (?)", "t", name) == SQLITE_OK)
		id = db_last_id(im->db);
	return id;
}

/* The first message of a validation, for the report. */
static const char *first_error(const struct form_errors *e)
{
	return e->n ? e->items[0].message : "the row is not valid";
}

/* Without an ISBN or a copy, a title is the catalogue's title of the same
** name and authors (in order), if it has no ISBN either. */
static long long same_title(struct importer *im, const struct title_input *in)
{
	struct buf authors = BUF_INIT;
	for (int i = 0; i < in->nauthors; i++)
		buf_printf(&authors, "%s%s", i ? "; " : "", in->author_names[i]);
	long long id = db_int(im->db, 0, "SELECT t.id FROM title t WHERE t.title = ? "
		"AND t.isbn13 IS NULL AND coalesce((SELECT group_concat(name, '; ') FROM "
		"(SELECT au.name FROM title_author ta JOIN author au ON au.id = ta.author_id "
		"WHERE ta.title_id = t.id ORDER BY ta.position)), '') = ? LIMIT 1", "tt",
		in->title, authors.data ? authors.data : "");
	buf_free(&authors);
	return id;
}

/* Save the title of a row (or find the one this import already saved for
** the same ISBN). The title in the catalogue it updates is the one with its
** ISBN or, without an ISBN, the one its copy's barcode belongs to (so an
** export can be edited and imported back). Sets *title_id; *added or
** *updated say what happened. */
static const char *title_part(struct importer *im, struct title_input *in, const char *key,
	const char *barcode, long line, long long *title_id, bool *added, bool *updated)
{
	long first;
	if (!first_sighting(im, key, line, 0, &first)) {
		*title_id = seen_title(im, key);
		return *title_id ? NULL : arena_printf(&im->row, "the title on line %ld was "
			"rejected, so its copies are too", first);
	}
	long long existing = *in->isbn13
		? db_int(im->db, 0, "SELECT id FROM title WHERE isbn13 = ?", "t", in->isbn13)
		: *barcode
		? db_int(im->db, 0, "SELECT title_id FROM copy WHERE barcode = ?", "t", barcode)
		: same_title(im, in);
	if (cataloguing_title_write(im->db, existing, in, NULL, im->now, title_id) != CAT_OK)
		return "the title could not be saved";
	db_exec(im->db, "UPDATE temp.import_seen SET title_id = ? WHERE key = ?", "it",
		*title_id, key);
	if (existing)
		*updated = true;
	else
		*added = true;
	return NULL;
}

static const char *copy_part(struct importer *im, struct copy_input *cp, long long title_id,
	bool *added, bool *updated)
{
	sqlite3_stmt *st = db_query(im->db, "SELECT id, title_id FROM copy WHERE barcode = ?",
		"t", cp->barcode);
	long long copy_id = 0, owner = 0;
	if (db_row(im->db, st)) {
		copy_id = db_col_int(st, 0);
		owner = db_col_int(st, 1);
		db_done(st);
	}
	if (copy_id && owner != title_id)
		return arena_printf(&im->row, "the barcode %s belongs to a copy of another title",
			cp->barcode);
	if (copy_id) {
		if (db_exec(im->db, "UPDATE copy SET location = ?, acquired_on = ?, source = ?, "
			"cost_cents = ? WHERE id = ?", "tttii", cp->location, cp->acquired_on,
			cp->source, cp->cost_cents, copy_id) != SQLITE_OK)
			return "the copy could not be updated";
		*updated = true;
		return NULL;
	}
	struct form_errors errs = { .n = 0 };
	if (cataloguing_copy_add(im->db, title_id, cp, im->now, &errs, &copy_id) != CAT_OK)
		return errs.n ? first_error(&errs) : "the copy could not be saved";
	*added = true;
	return NULL;
}

static const char *title_row(struct importer *im, const struct tab_row *row, bool *added,
	bool *updated)
{
	const char *format = cell(im, row, T_FORMAT);
	struct title_input in = {
		.isbn = cell(im, row, T_ISBN), .title = cell(im, row, T_TITLE),
		.subtitle = cell(im, row, T_SUBTITLE), .authors = cell(im, row, T_AUTHORS),
		.publisher = cell(im, row, T_PUBLISHER), .pub_date = cell(im, row, T_YEAR),
		.genre = cell(im, row, T_GENRE), .section = "",
		.language = cell(im, row, T_LANGUAGE), .pages = cell(im, row, T_PAGES),
		.description = cell(im, row, T_DESCRIPTION),
		.format = *format ? format : "print",
	};
	struct form_errors errs = { .n = 0 };
	if (cataloguing_title_validate(im->db, &im->row, &in, &errs) != CAT_OK)
		return first_error(&errs);
	const char *section = cell(im, row, T_SECTION);
	if (strlen(section) > 200)
		return "the section name is longer than 200 characters";
	struct copy_input cp = {
		.barcode = cell(im, row, T_BARCODE), .location = cell(im, row, T_LOCATION),
		.status = cell(im, row, T_STATUS), .acquired_on = cell(im, row, T_ACQUIRED),
		.source = cell(im, row, T_SOURCE), .cost = cell(im, row, T_COST), .notes = "",
	};
	bool has_copy = *cp.barcode != '\0';
	if (has_copy) {
		if (!strcmp(cp.status, "on-loan") || !strcmp(cp.status, "on-hold-shelf"))
			cp.status = "";   /* circulation's to say, not the file's */
		if (cataloguing_copy_validate(&im->row, &cp, true, &errs) != CAT_OK)
			return first_error(&errs);
		long first;
		if (!first_sighting(im, arena_printf(&im->row, "barcode:%s", cp.barcode), row->line,
			0, &first))
			return arena_printf(&im->row, "the barcode %s is also on line %ld",
				cp.barcode, first);
	}
	in.section_id = section_by_name(im, section);
	const char *key = *in.isbn13 ? arena_printf(&im->row, "isbn:%s", in.isbn13)
		: arena_printf(&im->row, "title:%s|%s", in.title, in.authors);
	long long title_id;
	const char *why = title_part(im, &in, key, cp.barcode, row->line, &title_id, added,
		updated);
	if (why || !has_copy)
		return why;
	return copy_part(im, &cp, title_id, added, updated);
}

/* ---- one row of a table ---- */

static int on_row(void *ctx, const struct tab_row *row)
{
	struct importer *im = ctx;
	arena_reset(&im->row);
	if (!im->header_done) {
		im->header_done = true;
		return read_header(im, row);
	}
	if (db_exec(im->db, "SAVEPOINT import_row", NULL) != SQLITE_OK) {
		im->fatal = "The import could not be saved just now; nothing was saved.";
		return 1;
	}
	bool added = false, updated = false;
	const char *why = im->kind == IMPORT_MEMBERS ? member_row(im, row, &added)
		: title_row(im, row, &added, &updated);
	if (why) {
		db_exec(im->db, "ROLLBACK TO import_row", NULL);
		reject(im, row->line, why);
	} else if (added) {
		im->r->added++;
	} else {
		im->r->updated++;
	}
	db_exec(im->db, "RELEASE import_row", NULL);
	return 0;
}

/* ---- MARC ---- */

/* A MARC record as a row of the titles table: the same checks and saving. */
static int on_marc(void *ctx, const struct marc_record *rec)
{
	struct importer *im = ctx;
	if (rec->error) {
		reject(im, rec->number, rec->error);
		return 0;
	}
	const char *cells[T_COLS];
	size_t lens[T_COLS] = { 0 };
	for (int i = 0; i < T_COLS; i++)
		cells[i] = "";
	struct buf authors = BUF_INIT;
	for (int i = 0; i < rec->nauthors; i++)
		buf_printf(&authors, "%s%s", i ? "; " : "", rec->authors[i]);
	char year[8] = "", pages[12] = "";
	if (rec->year)
		snprintf(year, sizeof year, "%d", rec->year);
	if (rec->pages > 0 && rec->pages <= 100000)
		snprintf(pages, sizeof pages, "%d", rec->pages);
	/* The ISBN as written may carry a qualifier: "0261102214 (pbk.)". */
	char isbn[40];
	snprintf(isbn, sizeof isbn, "%.*s", (int)strcspn(rec->isbn, " ("), rec->isbn);
	cells[T_ISBN] = isbn;
	cells[T_TITLE] = rec->title;
	cells[T_SUBTITLE] = *rec->edition && !*rec->subtitle ? rec->edition : rec->subtitle;
	cells[T_AUTHORS] = authors.data ? authors.data : "";
	cells[T_PUBLISHER] = rec->publisher;
	cells[T_YEAR] = year;
	cells[T_GENRE] = rec->nsubjects ? rec->subjects[0] : "";
	cells[T_PAGES] = pages;
	cells[T_DESCRIPTION] = rec->summary;
	for (int i = 0; i < T_COLS; i++) {
		im->col[i] = i;
		lens[i] = strlen(cells[i]);
	}
	struct tab_row row = { rec->number, T_COLS, cells, lens };
	im->header_done = true;
	on_row(im, &row);
	buf_free(&authors);
	return 0;
}

/* ---- the whole import ---- */

static int read_file(struct importer *im, const char *data, size_t len, char *err,
	size_t errlen)
{
	enum tab_format tf = tab_detect(data, len);
	enum marc_format mf = marc_detect(data, len);
	/* MARCXML is XML; ISO 2709 starts with digits and holds control
	** characters no CSV has. */
	if (im->kind == IMPORT_TITLES &&
	    (mf == MARC_XML || (mf == MARC_ISO2709 && tf == TAB_UNKNOWN))) {
		im->r->format = mf == MARC_XML ? "MARCXML" : "MARC 21";
		return marc_read(data, len, on_marc, im, err, errlen) < 0 ? -1 : 0;
	}
	if (tf == TAB_UNKNOWN) {
		/* The reader names what the file is instead, when it can tell
		** (UTF-16 text, an old .xls, an empty file). */
		if (tab_read(data, len, on_row, im, err, errlen) >= 0 || !*err)
			snprintf(err, errlen, "This file is not a CSV or XLSX file%s.",
				im->kind == IMPORT_TITLES ? " (nor MARC 21)" : "");
		return -1;
	}
	im->r->format = tf == TAB_XLSX ? "XLSX" : "CSV";
	return tab_read(data, len, on_row, im, err, errlen) < 0 ? -1 : 0;
}

static int setup(struct db *db)
{
	return db_exec(db, "CREATE TEMP TABLE IF NOT EXISTS import_seen("
		"key TEXT PRIMARY KEY, line INTEGER, title_id INTEGER) WITHOUT ROWID", NULL) ==
		SQLITE_OK && db_exec(db, "DELETE FROM temp.import_seen", NULL) == SQLITE_OK ? 0 : -1;
}

int import_run(struct db *db, struct arena *a, enum import_kind kind, const char *data,
	size_t len, time_t now, long long actor_id, struct import_report *report)
{
	memset(report, 0, sizeof *report);
	report->format = "";
	report->ignored_columns = "";
	report->problems = arena_alloc(a, sizeof *report->problems * IMPORT_PROBLEMS_LISTED);
	struct importer im = { .db = db, .a = a, .kind = kind, .now = now,
		.today = cal_day_of(now), .actor_id = actor_id, .r = report };
	arena_init(&im.row, 0);
	char err[512] = "";
	int rc = -1;
	if (setup(db) || db_begin(db)) {
		report->error = "The import could not start just now; nothing was saved.";
		goto out;
	}
	if (kind == IMPORT_TITLES)
		catalogue_bulk_begin(db);
	int read = read_file(&im, data, len, err, sizeof err);
	if (read == 0 && !im.fatal && !im.header_done)
		im.fatal = "The file has no rows: the first row must name the columns.";
	if (read < 0 || im.fatal) {
		db_rollback(db);
		report->error = im.fatal ? im.fatal : arena_printf(a, "%s Nothing was saved.", err);
		report->added = report->updated = 0;
		goto out;
	}
	char detail[200];
	snprintf(detail, sizeof detail, "%s %s: %ld added, %ld updated, %ld rejected",
		kind == IMPORT_MEMBERS ? "members" : "titles", report->format, report->added,
		report->updated, report->rejected);
	if ((kind == IMPORT_TITLES && catalogue_bulk_end(db)) ||
	    db_exec(db, "INSERT INTO audit(at, actor_id, action, object, detail) "
		"VALUES (?, nullif(?, 0), 'import', ?, ?)", "iitt", (long long)now, actor_id,
		kind == IMPORT_MEMBERS ? "members" : "titles", detail) != SQLITE_OK ||
	    db_commit(db)) {
		db_rollback(db);
		report->error = "The import could not be saved just now; nothing was saved.";
		report->added = report->updated = 0;
		goto out;
	}
	rc = 0;
out:
	arena_free(&im.row);
	return rc;
}
