/*
** import.c: bulk imports as batches: checked, committed, undone. See
** import.h for the columns and the rules.
**
** One transaction holds the whole import; each row runs in a savepoint so
** that a row failing half-way leaves nothing behind. The check runs the
** very same code as the commit and rolls the transaction back, so the
** preview is what the import will do. Duplicates within the file are found
** through a temporary table keyed by email, card, barcode or title key,
** which also remembers the title a key already made.
**
** What changed is found by reading what a page would show of the row (its
** "shown" fields) before and after writing it: the difference is the
** preview's before -> after, and no difference makes the row unchanged
** (its write is rolled back, so not even updated_at moves).
*/
#include "import.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "calendar.h"
#include "account.h"
#include "catalogue.h"
#include "cataloguing.h"
#include "marc.h"
#include "members.h"
#include "tabular.h"
#include "valid.h"

static const char *const kind_names[] = { "members", "titles" };

int import_kind_parse(const char *s)
{
	if (s && !strcmp(s, "members"))
		return IMPORT_MEMBERS;
	if (s && !strcmp(s, "titles"))
		return IMPORT_TITLES;
	return -1;
}

const char *import_kind_name(enum import_kind kind)
{
	return kind_names[kind];
}

/* ---- columns ---- */

enum member_col { M_NAME, M_EMAIL, M_PHONE, M_CATEGORY, M_CARD, M_PLAN, M_UNTIL, M_COLS };
static const char *const member_cols[M_COLS] = {
	"name", "email", "phone", "category", "card_number", "plan", "member_until",
};

enum title_col { T_ISBN, T_TITLE, T_SUBTITLE, T_AUTHORS, T_PUBLISHER, T_YEAR, T_GENRE,
	T_SECTION, T_LANGUAGE, T_PAGES, T_FORMAT, T_DESCRIPTION, T_BARCODE, T_LOCATION,
	T_STATUS, T_ACQUIRED, T_SOURCE, T_COST, T_ITEM_TYPE, T_COLS };
static const char *const title_cols[T_COLS] = {
	"isbn", "title", "subtitle", "authors", "publisher", "year", "genre", "section",
	"language", "pages", "format", "description", "barcode", "location", "status",
	"acquired_on", "source", "cost", "item_type",
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
	{ "type", "item_type" }, { "itemtype", "item_type" },
	{ "member_category", "category" },
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

/* What a row did, kept until the row is known to be saved. */
#define ROW_ENTRIES 4

struct change_note;

struct importer {
	struct db *db;
	struct arena *a;           /* the batch's strings */
	struct arena row;          /* reset after every row */
	enum import_kind kind;
	const char *batch_id;
	bool commit;               /* record changes for the undo */
	time_t now;
	lday today;
	int col[T_COLS];           /* file column of each known column, or -1 */
	bool header_done;
	const char *fatal;         /* stops the import: nothing is saved */
	const char *format;
	const char *ignored_columns;
	/* the changes a commit notes for the undo */
	struct arena notes;        /* their labels and states before */
	struct change_note *changes;
	long nchanges, changes_cap;
	long *touched;             /* hash of (object, row_id): note index + 1 */
	size_t touched_cap, ntouched;
	/* the batch so far */
	struct import_counts n;
	struct import_entry *entries;
	long nentries, nlisted_changes, nlisted_rejects, unlisted;
	/* the row under way */
	long line;
	struct import_counts row_n;
	struct import_entry row_entries[ROW_ENTRIES];
	int nrow_entries;
};

static void add_counts(struct import_counts *to, const struct import_counts *d)
{
	to->titles_added += d->titles_added;
	to->titles_updated += d->titles_updated;
	to->titles_unchanged += d->titles_unchanged;
	to->copies_added += d->copies_added;
	to->copies_updated += d->copies_updated;
	to->copies_unchanged += d->copies_unchanged;
	to->members_added += d->members_added;
	to->members_updated += d->members_updated;
	to->members_unchanged += d->members_unchanged;
	to->rejected += d->rejected;
}

/* Keep an entry of the batch, copied onto the batch's arena, while there
** is room to list it. */
static void keep_entry(struct importer *im, const struct import_entry *e)
{
	bool reject = !strcmp(e->action, "reject");
	long *listed = reject ? &im->nlisted_rejects : &im->nlisted_changes;
	if (*listed >= IMPORT_LISTED) {
		im->unlisted++;
		return;
	}
	(*listed)++;
	struct import_entry *k = &im->entries[im->nentries++];
	*k = *e;
	k->label = arena_strdup(im->a, e->label);
	k->reason = arena_strdup(im->a, e->reason ? e->reason : "");
	k->fields = e->nfields ? arena_alloc(im->a, sizeof *k->fields * (size_t)e->nfields) : NULL;
	for (int i = 0; i < e->nfields; i++) {
		k->fields[i].name = arena_strdup(im->a, e->fields[i].name);
		k->fields[i].before = arena_strdup(im->a, e->fields[i].before);
		k->fields[i].after = arena_strdup(im->a, e->fields[i].after);
	}
}

static void reject(struct importer *im, long line, const char *reason)
{
	im->n.rejected++;
	struct import_entry e = { .line = line, .object = "row", .action = "reject",
		.label = "", .reason = reason };
	keep_entry(im, &e);
}

/* Note what the row under way did to an object. */
static void row_entry(struct importer *im, const char *object, const char *action,
	const char *label, struct import_field *fields, int nfields)
{
	if (im->nrow_entries == ROW_ENTRIES)
		return;
	im->row_entries[im->nrow_entries++] = (struct import_entry){ .line = im->line,
		.object = object, .action = action, .label = label, .reason = "",
		.fields = fields, .nfields = nfields };
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
	im->ignored_columns = arena_strdup(im->a, ignored.data ? ignored.data : "");
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
				  "acquired_on, source, cost, item_type");
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
	if (s[0] == '\'' && s[1] && strchr("=+-@\t\r", s[1]))
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

/* A code of a list (item_type or member_category), lower-cased into
** *code; the reason when the list does not hold it. */
static const char *list_code(struct importer *im, const char *what, const char *count_sql,
	const char *codes_sql, const char *typed, const char **code)
{
	char *lower = arena_strdup(&im->row, typed);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	*code = lower;
	if (db_int(im->db, 0, count_sql, "t", lower))
		return NULL;
	sqlite3_stmt *st = db_query(im->db, codes_sql, NULL);
	const char *codes = "";
	if (db_row(im->db, st)) {
		codes = db_text(&im->row, st, 0);
		db_done(st);
	}
	return arena_printf(&im->row, "the %s \"%s\" is not one of the list: %s", what, typed,
		codes);
}

/* ---- what changed ---- */

#define SHOWN_MAX 16

/* What a page shows of a row: the column names of sql's result (one row,
** for id) and their values as text. */
struct shown {
	int n;
	const char *name[SHOWN_MAX];
	const char *value[SHOWN_MAX];
};

static void shown_load(struct importer *im, const char *sql, long long id, struct shown *s)
{
	s->n = 0;
	sqlite3_stmt *st = db_query(im->db, sql, "i", id);
	if (!db_row(im->db, st))
		return;
	int ncols = sqlite3_column_count(st);
	for (int i = 0; i < ncols && i < SHOWN_MAX; i++) {
		s->name[s->n] = arena_strdup(&im->row, sqlite3_column_name(st, i));
		const char *v = db_text(&im->row, st, i);
		/* A long description is shown by its start. */
		if (strlen(v) > 160)
			v = arena_printf(&im->row, "%.150s…", v);
		s->value[s->n++] = v;
	}
	db_done(st);
}

/* The fields whose values differ, into *out; returns how many. */
static int shown_diff(struct importer *im, const struct shown *before,
	const struct shown *after, struct import_field **out)
{
	*out = arena_alloc(&im->row, sizeof **out * SHOWN_MAX);
	int n = 0;
	for (int i = 0; i < before->n && i < after->n; i++)
		if (strcmp(before->value[i], after->value[i]))
			(*out)[n++] = (struct import_field){ before->name[i], before->value[i],
				after->value[i] };
	return n;
}

static const char *const title_shown_sql =
	"SELECT coalesce(t.isbn13, '') AS isbn, t.title AS title, t.subtitle AS subtitle, "
	"coalesce((SELECT group_concat(name, '; ') FROM (SELECT au.name FROM title_author ta "
	"  JOIN author au ON au.id = ta.author_id WHERE ta.title_id = t.id "
	"  ORDER BY ta.position)), '') AS authors, "
	"t.publisher AS publisher, CASE WHEN t.pub_date <> '' THEN t.pub_date "
	"  ELSE coalesce(t.pub_year, '') END AS year, t.genre AS genre, "
	"coalesce(s.name, '') AS section, t.language AS language, "
	"coalesce(t.pages, '') AS pages, t.format AS format, t.description AS description "
	"FROM title t LEFT JOIN section s ON s.id = t.section_id WHERE t.id = ?";

static const char *const copy_shown_sql =
	"SELECT location, status, acquired_on, source, "
	"printf('%.2f', cost_cents / 100.0) AS cost, item_type FROM copy WHERE id = ?";

static const char *const member_shown_sql =
	"SELECT a.name AS name, a.phone AS phone, a.category AS category, "
	"coalesce(a.card_number, '') AS card_number, coalesce(p.name, '') AS plan, "
	"coalesce(a.member_until, '') AS member_until, "
	"coalesce((SELECT group_concat(pl.name, ', ') FROM membership m JOIN plan pl "
	"  ON pl.id = m.plan_id WHERE m.account_id = a.id AND m.status = 'pending'), '') "
	"  AS \"plan waiting for payment\" "
	"FROM account a LEFT JOIN plan p ON p.id = a.member_plan_id WHERE a.id = ?";

/* ---- what a commit records for its undo ---- */

/* A change is noted in memory while the rows are read, and written to
** import_change once, with its state after, at the end of the commit
** (note_changes_write): one insert of the finished row instead of an
** insert inside every row's savepoint and an update of it at the end.
** A savepoint rolled back forgets the changes noted since (changes_undo). */
struct change_note {
	const char *object, *action, *label, *before;
	long long row_id;
	long line;
};

/* A slot of the hash of touched rows: the row id's bits mixed (Fibonacci
** hashing), and the object's first letter, which differs for each. */
static size_t touched_slot(const char *object, long long id, size_t mask)
{
	return (size_t)(((unsigned long long)id * 0x9E3779B97F4A7C15ull) >> 17 ^
		(unsigned char)object[0]) & mask;
}

/* Whether the batch has noted a change of that row. A slot holds a note's
** index + 1; one past the notes kept (forgotten on a rollback) or of
** another row is passed over. */
static bool touched(const struct importer *im, const char *object, long long id)
{
	if (!im->touched_cap)
		return false;
	size_t mask = im->touched_cap - 1;
	for (size_t i = touched_slot(object, id, mask); im->touched[i]; i = (i + 1) & mask) {
		long k = im->touched[i] - 1;
		if (k < im->nchanges && im->changes[k].row_id == id &&
		    !strcmp(im->changes[k].object, object))
			return true;
	}
	return false;
}

static void touched_add(struct importer *im, long k)
{
	if ((im->ntouched + 1) * 2 > im->touched_cap) {
		/* Grow, keeping only the notes kept. */
		free(im->touched);
		im->touched_cap = im->touched_cap ? im->touched_cap * 2 : 1024;
		im->touched = calloc(im->touched_cap, sizeof *im->touched);
		if (!im->touched)
			abort();
		im->ntouched = 0;
		for (long j = 0; j < k; j++)
			touched_add(im, j);
	}
	const struct change_note *c = &im->changes[k];
	size_t mask = im->touched_cap - 1;
	size_t i = touched_slot(c->object, c->row_id, mask);
	while (im->touched[i])
		i = (i + 1) & mask;
	im->touched[i] = k + 1;
	im->ntouched++;
}

/* Forget the changes noted since mark (their writes were rolled back). */
static void changes_undo(struct importer *im, long mark)
{
	im->nchanges = mark;
}

/* object: title, copy, member, author or section. An update records the
** state before (the first time the batch touches the row). */
static int note_change(struct importer *im, const char *object, long long id,
	const char *action, const char *label)
{
	if (!im->commit)
		return 0;
	/* A row is noted once, at its first touch: a row the batch added or
	** updated already (an ISBN on several lines) keeps no second state
	** before, and an author named twice in a row is added once. */
	if (touched(im, object, id))
		return 0;
	const char *before = NULL;
	if (!strcmp(action, "update")) {
		sqlite3_stmt *st = db_query(im->db, !strcmp(object, "title")
			? "SELECT state FROM import_title_state WHERE id = ?"
			: !strcmp(object, "copy") ? "SELECT state FROM import_copy_state WHERE id = ?"
			: "SELECT state FROM import_member_state WHERE id = ?", "i", id);
		if (db_row(im->db, st)) {
			before = db_text(&im->notes, st, 0);
			db_done(st);
		}
	}
	if (im->nchanges == im->changes_cap) {
		im->changes_cap = im->changes_cap ? im->changes_cap * 2 : 1024;
		im->changes = realloc(im->changes, sizeof *im->changes * (size_t)im->changes_cap);
		if (!im->changes)
			abort();
	}
	long k = im->nchanges++;
	im->changes[k] = (struct change_note){ .object = object, .action = action,
		.label = arena_strdup(&im->notes, label), .before = before, .row_id = id,
		.line = im->line };
	touched_add(im, k);
	return 0;
}

/* Write the changes noted, in their order, each with the state of its row
** as it is at the commit (`after`). */
static int note_changes_write(struct importer *im)
{
	for (long k = 0; k < im->nchanges; k++) {
		const struct change_note *c = &im->changes[k];
		if (db_exec(im->db, "INSERT INTO import_change(batch_id, object, row_id, action, "
			"line, label, before, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, CASE ?2 "
			"WHEN 'title' THEN (SELECT state FROM import_title_state WHERE id = ?3) "
			"WHEN 'copy' THEN (SELECT state FROM import_copy_state WHERE id = ?3) "
			"WHEN 'member' THEN (SELECT state FROM import_member_state WHERE id = ?3) END)",
			"ttititt", im->batch_id, c->object, c->row_id,
			c->action, (long long)c->line, c->label, c->before) != SQLITE_OK)
			return -1;
	}
	return 0;
}

/* Write an update between shown states: returns "update" or "unchanged"
** after running write (which returns a reason or NULL) in a savepoint that
** is rolled back when nothing a page shows has changed. */
typedef const char *(*write_fn)(struct importer *im, long long id, void *arg);

static const char *update_shown(struct importer *im, const char *object, const char *label,
	const char *shown_sql, long long id, write_fn write, void *arg, bool *changed)
{
	struct shown before, after;
	shown_load(im, shown_sql, id, &before);
	long mark = im->nchanges;
	if (db_exec(im->db, "SAVEPOINT import_update", NULL) != SQLITE_OK)
		return "the row could not be saved just now";
	const char *why = note_change(im, object, id, "update", label)
		? "the row could not be saved just now" : write(im, id, arg);
	if (why) {
		db_exec(im->db, "ROLLBACK TO import_update", NULL);
		db_exec(im->db, "RELEASE import_update", NULL);
		changes_undo(im, mark);
		return why;
	}
	shown_load(im, shown_sql, id, &after);
	struct import_field *fields;
	int n = shown_diff(im, &before, &after, &fields);
	if (n == 0) {
		db_exec(im->db, "ROLLBACK TO import_update", NULL);
		changes_undo(im, mark);
	} else
		row_entry(im, object, "update", label, fields, n);
	db_exec(im->db, "RELEASE import_update", NULL);
	*changed = n > 0;
	return NULL;
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

struct member_cells {
	const char *name, *email, *phone, *category, *card, *plan, *until;
};

static const char *member_update(struct importer *im, long long id, void *arg)
{
	const struct member_cells *m = arg;
	if (db_exec(im->db, "UPDATE account SET name = ?, phone = coalesce(nullif(?, ''), phone), "
		"category = coalesce(nullif(?, ''), category), "
		"card_number = coalesce(nullif(?, ''), card_number), updated_at = ? WHERE id = ?",
		"ttttii", m->name, m->phone, m->category, m->card, (long long)im->now, id)
		!= SQLITE_OK)
		return "the member could not be updated";
	return member_membership(im, id, m->plan, m->until, false);
}

static const char *member_add(struct importer *im, const struct member_cells *m,
	const char *label)
{
	if (db_exec(im->db, "INSERT INTO account(email, name, phone, password_hash, role, "
		"category, card_number, created_at, updated_at) "
		"VALUES (?, ?, ?, '" NO_PASSWORD "', 'member', ?, nullif(?, ''), ?, ?)",
		"tttttii", m->email, m->name, m->phone, *m->category ? m->category : "adult",
		m->card, (long long)im->now, (long long)im->now) != SQLITE_OK)
		return "the member could not be saved";
	long long id = db_last_id(im->db);
	char generated[16];
	account_card_number(id, generated);
	if (!*m->card && db_exec(im->db, "UPDATE account SET card_number = ? WHERE id = ?",
		"ti", generated, id) != SQLITE_OK)
		return "no card number could be given to the member";
	const char *why = member_membership(im, id, m->plan, m->until, true);
	if (why)
		return why;
	if (note_change(im, "member", id, "add", label))
		return "the member could not be saved";
	im->row_n.members_added++;
	row_entry(im, "member", "add", label, NULL, 0);
	return NULL;
}

static const char *member_row(struct importer *im, const struct tab_row *row)
{
	struct member_cells m = {
		.name = cell(im, row, M_NAME), .email = cell(im, row, M_EMAIL),
		.phone = cell(im, row, M_PHONE), .category = cell(im, row, M_CATEGORY),
		.card = cell(im, row, M_CARD), .plan = cell(im, row, M_PLAN),
		.until = cell(im, row, M_UNTIL),
	};
	const char *why;
	if ((why = valid_name(m.name)) || (why = valid_email(m.email)) ||
	    (why = valid_phone(m.phone)))
		return why;
	if (*m.category && (why = list_code(im, "category",
		"SELECT count(*) FROM member_category WHERE code = ?",
		"SELECT group_concat(code, ', ') FROM (SELECT code FROM member_category "
		"ORDER BY position, code)", m.category, &m.category)))
		return why;
	if (strlen(m.card) > 32 ||
	    strspn(m.card, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-") != strlen(m.card))
		return "a card number has up to 32 digits, capital letters and hyphens";
	long first;
	if (!first_sighting(im, arena_printf(&im->row, "email:%s", m.email), row->line, 0,
		&first))
		return arena_printf(&im->row, "the email %s is also on line %ld", m.email, first);
	if (*m.card && !first_sighting(im, arena_printf(&im->row, "card:%s", m.card), row->line,
		0, &first))
		return arena_printf(&im->row, "the card number %s is also on line %ld", m.card,
			first);

	long long id = 0;
	const char *role = "";
	sqlite3_stmt *st = db_query(im->db, "SELECT id, role FROM account WHERE email = ?", "t",
		m.email);
	if (db_row(im->db, st)) {
		id = db_col_int(st, 0);
		role = db_text(&im->row, st, 1);
		db_done(st);
	}
	if (id && strcmp(role, "member"))
		return "this email belongs to a staff account";
	if (*m.card && db_int(im->db, 0, "SELECT count(*) FROM account WHERE card_number = ? "
		"AND id <> ?", "ti", m.card, id))
		return arena_printf(&im->row, "the card number %s belongs to another account",
			m.card);
	const char *label = arena_printf(&im->row, "%s <%s>", m.name, m.email);
	if (!id)
		return member_add(im, &m, label);
	bool changed;
	why = update_shown(im, "member", label, member_shown_sql, id, member_update, &m,
		&changed);
	if (!why)
		*(changed ? &im->row_n.members_updated : &im->row_n.members_unchanged) += 1;
	return why;
}

/* ---- titles ---- */

/* The section of that name, made (and noted for the undo) when new. */
static long long section_by_name(struct importer *im, const char *name)
{
	if (!*name)
		return 0;
	long long id = db_int(im->db, 0, "SELECT id FROM section WHERE name = ? COLLATE NOCASE",
		"t", name);
	if (!id && db_exec(im->db, "INSERT INTO section(name) VALUES (?)", "t", name) == SQLITE_OK) {
		id = db_last_id(im->db);
		if (note_change(im, "section", id, "add", name))
			return 0;
	}
	return id;
}

/* The first message of a validation, for the report. */
static const char *first_error(const struct form_errors *e)
{
	return e->n ? e->items[0].message : "the row is not valid";
}

static const char *joined_authors(struct arena *a, const struct title_input *in)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < in->nauthors; i++)
		buf_printf(&b, "%s%s", i ? "; " : "", in->author_names[i]);
	const char *s = arena_strdup(a, b.data ? b.data : "");
	buf_free(&b);
	return s;
}

static const char *stored_authors(struct importer *im, long long title_id)
{
	sqlite3_stmt *st = db_query(im->db, "SELECT coalesce(group_concat(name, '; '), '') FROM "
		"(SELECT au.name FROM title_author ta JOIN author au ON au.id = ta.author_id "
		"WHERE ta.title_id = ? ORDER BY ta.position)", "i", title_id);
	const char *s = "";
	if (db_row(im->db, st)) {
		s = db_text(&im->row, st, 0);
		db_done(st);
	}
	return s;
}

/* Without an ISBN or a copy, a title is the catalogue's title of the same
** name and authors (in order), if it has no ISBN either. The index is
** named: left to itself the planner took the ISBN's unique index for
** "isbn13 IS NULL" and read every title without an ISBN, for every row. */
static long long same_title(struct importer *im, const struct title_input *in)
{
	return db_int(im->db, 0, "SELECT t.id FROM title t INDEXED BY title_name_without_isbn "
		"WHERE t.title = ? "
		"AND t.isbn13 IS NULL AND coalesce((SELECT group_concat(name, '; ') FROM "
		"(SELECT au.name FROM title_author ta JOIN author au ON au.id = ta.author_id "
		"WHERE ta.title_id = t.id ORDER BY ta.position)), '') = ? LIMIT 1", "tt",
		in->title, joined_authors(&im->row, in));
}

/* The title in the catalogue a row updates: the one with its ISBN; without
** an ISBN, the one its copy's barcode belongs to, but only when the row
** names the same title (and authors, when it gives any): a barcode alone
** never lets a row rewrite another title. *existing is 0 for a new title. */
static const char *find_title(struct importer *im, const struct title_input *in,
	const char *barcode, long long *existing)
{
	*existing = 0;
	if (*in->isbn13) {
		*existing = db_int(im->db, 0, "SELECT id FROM title WHERE isbn13 = ?", "t",
			in->isbn13);
		return NULL;
	}
	long long owner = *barcode ? db_int(im->db, 0, "SELECT title_id FROM copy WHERE "
		"barcode = ?", "t", barcode) : 0;
	if (!owner) {
		*existing = same_title(im, in);
		return NULL;
	}
	const char *title = "";
	sqlite3_stmt *st = db_query(im->db, "SELECT title FROM title WHERE id = ?", "i", owner);
	if (db_row(im->db, st)) {
		title = db_text(&im->row, st, 0);
		db_done(st);
	}
	const char *authors = stored_authors(im, owner);
	const char *row_authors = joined_authors(&im->row, in);
	if (strcasecmp(title, in->title) || (*row_authors && strcasecmp(authors, row_authors)))
		return arena_printf(&im->row, "the barcode %s belongs to a copy of \"%s\"%s%s, not "
			"of \"%s\"%s%s; give the row that title's ISBN, or another barcode", barcode,
			title, *authors ? " by " : "", authors, in->title, *row_authors ? " by " : "",
			row_authors);
	*existing = owner;
	return NULL;
}

/* Which cells of a title row were empty (and so keep the stored value). */
struct title_given {
	bool language, format, section;
};

/* Fill what the row leaves empty from title id as stored. */
static void title_keep_stored(struct importer *im, long long id, struct title_input *in,
	const struct title_given *given)
{
	sqlite3_stmt *st = db_query(im->db, "SELECT coalesce(isbn13, ''), subtitle, publisher, "
		"coalesce(pub_year, 0), pub_date, genre, coalesce(section_id, 0), language, "
		"coalesce(pages, 0), description, format FROM title WHERE id = ?", "i", id);
	if (!db_row(im->db, st))
		return;
	if (!*in->isbn13)
		snprintf(in->isbn13, sizeof in->isbn13, "%s", sqlite3_column_text(st, 0));
	if (!*in->subtitle)
		in->subtitle = db_text(&im->row, st, 1);
	if (!*in->publisher)
		in->publisher = db_text(&im->row, st, 2);
	if (!*in->pub_date) {
		in->pub_year = (int)db_col_int(st, 3);
		in->pub_date = db_text(&im->row, st, 4);
	}
	if (!*in->genre)
		in->genre = db_text(&im->row, st, 5);
	if (!given->section)
		in->section_id = db_col_int(st, 6);
	if (!given->language)
		in->language = db_text(&im->row, st, 7);
	if (!in->npages)
		in->npages = (int)db_col_int(st, 8);
	if (!*in->description)
		in->description = db_text(&im->row, st, 9);
	if (!given->format)
		in->format = db_text(&im->row, st, 10);
	db_done(st);
	if (in->nauthors)
		return;
	st = db_query(im->db, "SELECT au.name FROM title_author ta JOIN author au "
		"ON au.id = ta.author_id WHERE ta.title_id = ? ORDER BY ta.position", "i", id);
	while (db_row(im->db, st))
		if (in->nauthors < TITLE_AUTHORS_MAX)
			in->author_names[in->nauthors++] = db_text(&im->row, st, 0);
}

/* Write a title, noting the authors it makes for the undo. */
static const char *title_write(struct importer *im, long long id, const struct title_input *in,
	long long *saved)
{
	bool known[TITLE_AUTHORS_MAX];
	for (int i = 0; i < in->nauthors; i++)
		known[i] = !im->commit || db_int(im->db, 0, "SELECT count(*) FROM author "
			"WHERE name = ?", "t", in->author_names[i]) > 0;
	if (cataloguing_title_write(im->db, id, in, NULL, im->now, saved) != CAT_OK)
		return "the title could not be saved";
	for (int i = 0; i < in->nauthors; i++)
		if (!known[i] && note_change(im, "author", db_int(im->db, 0, "SELECT id FROM author "
			"WHERE name = ?", "t", in->author_names[i]), "add", in->author_names[i]))
			return "the title could not be saved";
	return NULL;
}

static const char *title_update(struct importer *im, long long id, void *arg)
{
	long long saved;
	return title_write(im, id, arg, &saved);
}

/* Save the title of a row (or find the one this import already saved for
** the same key). Sets *title_id. */
static const char *title_part(struct importer *im, struct title_input *in,
	const struct title_given *given, const char *key, const char *barcode,
	long long *title_id)
{
	long first;
	if (!first_sighting(im, key, im->line, 0, &first)) {
		*title_id = seen_title(im, key);
		return *title_id ? NULL : arena_printf(&im->row, "the title on line %ld was "
			"rejected, so its copies are too", first);
	}
	long long existing;
	const char *why = find_title(im, in, barcode, &existing);
	if (why)
		return why;
	const char *label = in->title;
	if (existing) {
		title_keep_stored(im, existing, in, given);
		bool changed;
		why = update_shown(im, "title", label, title_shown_sql, existing, title_update, in,
			&changed);
		if (why)
			return why;
		*(changed ? &im->row_n.titles_updated : &im->row_n.titles_unchanged) += 1;
		*title_id = existing;
	} else {
		if ((why = title_write(im, 0, in, title_id)) ||
		    note_change(im, "title", *title_id, "add", label))
			return why ? why : "the title could not be saved";
		im->row_n.titles_added++;
		row_entry(im, "title", "add", label, NULL, 0);
	}
	db_exec(im->db, "UPDATE temp.import_seen SET title_id = ? WHERE key = ?", "it",
		*title_id, key);
	return NULL;
}

struct copy_cells {
	struct copy_input in;
	const char *item_type;     /* a code, or "" */
};

static const char *copy_update(struct importer *im, long long id, void *arg)
{
	const struct copy_cells *c = arg;
	/* Empty cells keep what is stored; status is circulation's and the
	** copy form's, not an import's, once the copy exists. */
	return db_exec(im->db, "UPDATE copy SET location = coalesce(nullif(?1, ''), location), "
		"acquired_on = coalesce(nullif(?2, ''), acquired_on), "
		"source = coalesce(nullif(?3, ''), source), "
		"cost_cents = CASE WHEN ?4 = '' THEN cost_cents ELSE ?5 END, "
		"item_type = coalesce(nullif(?6, ''), item_type) WHERE id = ?7", "ttttiti",
		c->in.location, c->in.acquired_on, c->in.source, c->in.cost, c->in.cost_cents,
		c->item_type, id) == SQLITE_OK ? NULL : "the copy could not be updated";
}

static const char *copy_part(struct importer *im, struct copy_cells *c, long long title_id)
{
	sqlite3_stmt *st = db_query(im->db, "SELECT id, title_id FROM copy WHERE barcode = ?",
		"t", c->in.barcode);
	long long copy_id = 0, owner = 0;
	if (db_row(im->db, st)) {
		copy_id = db_col_int(st, 0);
		owner = db_col_int(st, 1);
		db_done(st);
	}
	if (copy_id && owner != title_id)
		return arena_printf(&im->row, "the barcode %s belongs to a copy of another title",
			c->in.barcode);
	const char *label = arena_printf(&im->row, "copy %s", c->in.barcode);
	if (copy_id) {
		bool changed;
		const char *why = update_shown(im, "copy", label, copy_shown_sql, copy_id,
			copy_update, c, &changed);
		if (!why)
			*(changed ? &im->row_n.copies_updated : &im->row_n.copies_unchanged) += 1;
		return why;
	}
	if (db_exec(im->db, "INSERT INTO copy(barcode, title_id, location, status, acquired_on, "
		"source, cost_cents, notes, item_type, created_at) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?)", "tittttiti", c->in.barcode, title_id,
		c->in.location, c->in.status, c->in.acquired_on, c->in.source, c->in.cost_cents,
		*c->item_type ? c->item_type : "book", (long long)im->now) != SQLITE_OK ||
	    note_change(im, "copy", db_last_id(im->db), "add", label))
		return "the copy could not be saved";
	im->row_n.copies_added++;
	row_entry(im, "copy", "add", label, NULL, 0);
	return NULL;
}

static const char *title_row(struct importer *im, const struct tab_row *row)
{
	const char *format = cell(im, row, T_FORMAT), *language = cell(im, row, T_LANGUAGE);
	const char *section = cell(im, row, T_SECTION);
	struct title_given given = { *language != '\0', *format != '\0', *section != '\0' };
	struct title_input in = {
		.isbn = cell(im, row, T_ISBN), .title = cell(im, row, T_TITLE),
		.subtitle = cell(im, row, T_SUBTITLE), .authors = cell(im, row, T_AUTHORS),
		.publisher = cell(im, row, T_PUBLISHER), .pub_date = cell(im, row, T_YEAR),
		.genre = cell(im, row, T_GENRE), .section = "", .language = language,
		.pages = cell(im, row, T_PAGES), .description = cell(im, row, T_DESCRIPTION),
		.format = *format ? format : "print",
	};
	struct form_errors errs = { .n = 0 };
	if (cataloguing_title_validate(im->db, &im->row, &in, &errs) != CAT_OK)
		return first_error(&errs);
	if (strlen(section) > 200)
		return "the section name is longer than 200 characters";
	struct copy_cells cp = { .in = {
		.barcode = cell(im, row, T_BARCODE), .location = cell(im, row, T_LOCATION),
		.status = cell(im, row, T_STATUS), .acquired_on = cell(im, row, T_ACQUIRED),
		.source = cell(im, row, T_SOURCE), .cost = cell(im, row, T_COST), .notes = "",
	}, .item_type = cell(im, row, T_ITEM_TYPE) };
	bool has_copy = *cp.in.barcode != '\0';
	const char *why;
	if (has_copy) {
		if (!strcmp(cp.in.status, "on-loan") || !strcmp(cp.in.status, "on-hold-shelf"))
			cp.in.status = "";   /* circulation's to say, not the file's */
		if (cataloguing_copy_validate(&im->row, &cp.in, true, &errs) != CAT_OK)
			return first_error(&errs);
		if (*cp.item_type && (why = list_code(im, "item type",
			"SELECT count(*) FROM item_type WHERE code = ?",
			"SELECT group_concat(code, ', ') FROM (SELECT code FROM item_type "
			"ORDER BY position, code)", cp.item_type, &cp.item_type)))
			return why;
		long first;
		if (!first_sighting(im, arena_printf(&im->row, "barcode:%s", cp.in.barcode),
			row->line, 0, &first))
			return arena_printf(&im->row, "the barcode %s is also on line %ld",
				cp.in.barcode, first);
	}
	in.section_id = section_by_name(im, section);
	const char *key = *in.isbn13 ? arena_printf(&im->row, "isbn:%s", in.isbn13)
		: arena_printf(&im->row, "title:%s|%s", in.title, in.authors);
	long long title_id;
	why = title_part(im, &in, &given, key, cp.in.barcode, &title_id);
	if (why || !has_copy)
		return why;
	return copy_part(im, &cp, title_id);
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
	im->line = row->line;
	memset(&im->row_n, 0, sizeof im->row_n);
	im->nrow_entries = 0;
	long mark = im->nchanges;
	const char *why = im->kind == IMPORT_MEMBERS ? member_row(im, row) : title_row(im, row);
	if (why) {
		db_exec(im->db, "ROLLBACK TO import_row", NULL);
		changes_undo(im, mark);
		reject(im, row->line, why);
	} else {
		add_counts(&im->n, &im->row_n);
		for (int i = 0; i < im->nrow_entries; i++)
			keep_entry(im, &im->row_entries[i]);
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

/* ---- the whole file ---- */

static int read_file(struct importer *im, const char *data, size_t len, char *err,
	size_t errlen)
{
	enum tab_format tf = tab_detect(data, len);
	enum marc_format mf = marc_detect(data, len);
	/* MARCXML is XML; ISO 2709 starts with digits and holds control
	** characters no CSV has. */
	if (im->kind == IMPORT_TITLES &&
	    (mf == MARC_XML || (mf == MARC_ISO2709 && tf == TAB_UNKNOWN))) {
		im->format = mf == MARC_XML ? "MARCXML" : "MARC 21";
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
	im->format = tf == TAB_XLSX ? "XLSX" : "CSV";
	return tab_read(data, len, on_row, im, err, errlen) < 0 ? -1 : 0;
}

static void importer_init(struct importer *im, struct db *db, struct arena *a,
	enum import_kind kind, const char *batch_id, bool commit, time_t now)
{
	memset(im, 0, sizeof *im);
	im->db = db;
	im->a = a;
	im->kind = kind;
	im->batch_id = batch_id;
	im->commit = commit;
	im->now = now;
	im->today = cal_day_of(now);
	im->format = "";
	im->ignored_columns = "";
	im->entries = arena_alloc(a, sizeof *im->entries * 2 * IMPORT_LISTED);
	arena_init(&im->row, 0);
	arena_init(&im->notes, 0);
}

static void importer_free(struct importer *im)
{
	arena_free(&im->row);
	arena_free(&im->notes);
	free(im->changes);
	free(im->touched);
}

/* Run the import of a file inside the caller's transaction. Returns 0, or
** -1 with *error when the file cannot be imported at all. */
static int import_file(struct importer *im, const char *data, size_t len, const char **error)
{
	if (db_exec(im->db, "CREATE TEMP TABLE IF NOT EXISTS import_seen(key TEXT PRIMARY KEY, "
		"line INTEGER, title_id INTEGER) WITHOUT ROWID", NULL) != SQLITE_OK ||
	    db_exec(im->db, "DELETE FROM temp.import_seen", NULL) != SQLITE_OK) {
		*error = "The import could not start just now; nothing was saved.";
		return -1;
	}
	/* Search documents are built once at the end (a check, rolled back,
	** never builds them). */
	if (im->kind == IMPORT_TITLES)
		catalogue_bulk_begin(im->db);
	char err[512] = "";
	int read = read_file(im, data, len, err, sizeof err);
	if (read == 0 && !im->fatal && !im->header_done)
		im->fatal = "The file has no rows: the first row must name the columns.";
	if (read < 0 || im->fatal) {
		*error = im->fatal ? im->fatal : arena_printf(im->a, "%s Nothing was saved.", err);
		return -1;
	}
	if (im->kind == IMPORT_TITLES && im->commit && catalogue_bulk_end(im->db)) {
		*error = "The import could not be saved just now; nothing was saved.";
		return -1;
	}
	return 0;
}

/* ---- batches ---- */

static void new_batch_id(char id[33])
{
	unsigned char raw[16];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(id, 33, raw, sizeof raw);
}

static int save_counts(struct db *db, const char *id, const struct import_counts *n,
	long unlisted)
{
	return db_exec(db, "UPDATE import_batch SET titles_added = ?, titles_updated = ?, "
		"titles_unchanged = ?, copies_added = ?, copies_updated = ?, copies_unchanged = ?, "
		"members_added = ?, members_updated = ?, members_unchanged = ?, rejected = ?, "
		"unlisted = ? WHERE id = ?", "iiiiiiiiiiit", (long long)n->titles_added,
		(long long)n->titles_updated, (long long)n->titles_unchanged,
		(long long)n->copies_added, (long long)n->copies_updated,
		(long long)n->copies_unchanged, (long long)n->members_added,
		(long long)n->members_updated, (long long)n->members_unchanged,
		(long long)n->rejected, (long long)unlisted, id) == SQLITE_OK ? 0 : -1;
}

/* Replace the batch's entries of phase (adds, updates and rejects; or
** what an undo kept) with these. */
static int save_entries(struct db *db, const char *id, bool undo,
	const struct import_entry *e, long n)
{
	if (db_exec(db, undo ? "DELETE FROM import_entry WHERE batch_id = ? AND action = 'kept'"
		: "DELETE FROM import_entry WHERE batch_id = ? AND action <> 'kept'", "t", id)
		!= SQLITE_OK)
		return -1;
	long long seq = db_int(db, 0, "SELECT coalesce(max(seq), 0) FROM import_entry "
		"WHERE batch_id = ?", "t", id);
	for (long i = 0; i < n; i++) {
		seq++;
		if (db_exec(db, "INSERT INTO import_entry(batch_id, seq, line, object, action, "
			"label, reason) VALUES (?, ?, ?, ?, ?, ?, ?)", "tiitttt", id, seq,
			(long long)e[i].line, e[i].object, e[i].action, e[i].label, e[i].reason)
			!= SQLITE_OK)
			return -1;
		for (int f = 0; f < e[i].nfields; f++)
			if (db_exec(db, "INSERT INTO import_entry_field(batch_id, seq, pos, field, "
				"before, after) VALUES (?, ?, ?, ?, ?, ?)", "tiittt", id, seq,
				(long long)f, e[i].fields[f].name, e[i].fields[f].before,
				e[i].fields[f].after) != SQLITE_OK)
				return -1;
	}
	return 0;
}

static const char *counts_text(struct arena *a, enum import_kind kind,
	const struct import_counts *n)
{
	return kind == IMPORT_MEMBERS
		? arena_printf(a, "members: %ld added, %ld updated, %ld unchanged; %ld rejected",
			n->members_added, n->members_updated, n->members_unchanged, n->rejected)
		: arena_printf(a, "titles: %ld added, %ld updated, %ld unchanged; copies: %ld added, "
			"%ld updated, %ld unchanged; %ld rejected", n->titles_added, n->titles_updated,
			n->titles_unchanged, n->copies_added, n->copies_updated, n->copies_unchanged,
			n->rejected);
}

static int audit(struct db *db, time_t now, long long actor_id, const char *action,
	const char *id, const char *detail)
{
	return db_exec(db, "INSERT INTO audit(at, actor_id, action, object, detail) "
		"VALUES (?, nullif(?, 0), ?, ?, ?)", "iittt", (long long)now, actor_id, action,
		id, detail) == SQLITE_OK ? 0 : -1;
}

int import_stage(struct db *db, struct arena *a, enum import_kind kind,
	const char *file_name, const char *data, size_t len, time_t now,
	long long actor_id, char id[33], const char **error)
{
	struct importer im;
	importer_init(&im, db, a, kind, NULL, false, now);
	*error = NULL;
	int rc = -1;
	if (db_begin(db)) {
		*error = "The file could not be checked just now; please try again.";
		goto out;
	}
	/* The check writes as the import would, then takes it all back. */
	int checked = import_file(&im, data, len, error);
	db_rollback(db);
	if (checked)
		goto out;
	new_batch_id(id);
	if (db_begin(db)) {
		*error = "The file could not be kept just now; please try again.";
		goto out;
	}
	/* Checked files nobody imported are not kept for long. */
	if (db_exec(db, "DELETE FROM import_batch WHERE status = 'staged' AND staged_at < ?", "i",
		(long long)now - 86400) != SQLITE_OK ||
	    db_exec(db, "INSERT INTO import_batch(id, kind, status, file_name, format, data, "
		"ignored_columns, staged_by, staged_at) VALUES (?, ?, 'staged', ?, ?, ?, ?, "
		"nullif(?, 0), ?)", "ttttbtii", id, kind_names[kind],
		file_name ? file_name : "", im.format, data, (int)len, im.ignored_columns,
		actor_id, (long long)now) != SQLITE_OK ||
	    save_counts(db, id, &im.n, im.unlisted) ||
	    save_entries(db, id, false, im.entries, im.nentries) || db_commit(db)) {
		db_rollback(db);
		*error = "The file could not be kept just now; please try again.";
		goto out;
	}
	rc = 0;
out:
	importer_free(&im);
	return rc;
}

/* Import data as batch id (a row of import_batch in the caller's
** transaction) and record it committed. */
static int commit_batch(struct db *db, struct arena *a, enum import_kind kind,
	const char *id, const char *data, size_t len, time_t now, long long actor_id,
	const char **error)
{
	struct importer im;
	importer_init(&im, db, a, kind, id, true, now);
	int rc = -1;
	if (import_file(&im, data, len, error))
		goto out;
	if (note_changes_write(&im) ||
	    db_exec(db, "UPDATE import_batch SET status = 'committed', format = ?, data = NULL, "
		"ignored_columns = ?, committed_by = nullif(?, 0), committed_at = ? WHERE id = ?",
		"ttiit", im.format, im.ignored_columns, actor_id, (long long)now, id) != SQLITE_OK ||
	    save_counts(db, id, &im.n, im.unlisted) ||
	    save_entries(db, id, false, im.entries, im.nentries) ||
	    audit(db, now, actor_id, "import", arena_printf(a, "import:%s", id),
		arena_printf(a, "%s %s: %s", kind_names[kind], im.format,
			counts_text(a, kind, &im.n)))) {
		*error = "The import could not be saved just now; nothing was saved.";
		goto out;
	}
	rc = 0;
out:
	importer_free(&im);
	return rc;
}

int import_commit(struct db *db, struct arena *a, const char *id, time_t now,
	long long actor_id, const char **error)
{
	*error = NULL;
	if (db_begin(db)) {
		*error = "The import could not start just now; please try again.";
		return -1;
	}
	sqlite3_stmt *st = db_query(db, "SELECT kind, status, data FROM import_batch "
		"WHERE id = ?", "t", id);
	if (!db_row(db, st)) {
		db_rollback(db);
		*error = "There is no such import.";
		return -1;
	}
	int kind = import_kind_parse((const char *)sqlite3_column_text(st, 0));
	bool staged = !strcmp((const char *)sqlite3_column_text(st, 1), "staged");
	size_t len = (size_t)sqlite3_column_bytes(st, 2);
	char *data = arena_alloc(a, len + 1);
	if (len)
		memcpy(data, sqlite3_column_blob(st, 2), len);
	data[len] = '\0';
	db_done(st);
	if (!staged || kind < 0) {
		db_rollback(db);
		*error = "This file was imported already.";
		return -1;
	}
	if (commit_batch(db, a, (enum import_kind)kind, id, data, len, now, actor_id, error) ||
	    db_commit(db)) {
		db_rollback(db);
		if (!*error)
			*error = "The import could not be saved just now; nothing was saved.";
		return -1;
	}
	return 0;
}

int import_run(struct db *db, struct arena *a, enum import_kind kind,
	const char *file_name, const char *data, size_t len, time_t now,
	long long actor_id, char id[33], const char **error)
{
	*error = NULL;
	new_batch_id(id);
	if (db_begin(db)) {
		*error = "The import could not start just now; nothing was saved.";
		return -1;
	}
	if (db_exec(db, "INSERT INTO import_batch(id, kind, status, file_name, staged_by, "
		"staged_at) VALUES (?, ?, 'staged', ?, nullif(?, 0), ?)", "tttii", id,
		kind_names[kind], file_name ? file_name : "", actor_id, (long long)now) != SQLITE_OK ||
	    commit_batch(db, a, kind, id, data, len, now, actor_id, error) || db_commit(db)) {
		db_rollback(db);
		if (!*error)
			*error = "The import could not be saved just now; nothing was saved.";
		return -1;
	}
	return 0;
}

/* ---- undo ---- */

struct change {
	long long seq, row_id;
	long line;
	const char *object, *action, *label, *before, *after;
};

static const char *current_state(struct db *db, struct arena *a, const char *object,
	long long id)
{
	sqlite3_stmt *st = db_query(db, !strcmp(object, "title")
		? "SELECT state FROM import_title_state WHERE id = ?"
		: !strcmp(object, "copy") ? "SELECT state FROM import_copy_state WHERE id = ?"
		: "SELECT state FROM import_member_state WHERE id = ?", "i", id);
	const char *s = NULL;
	if (db_row(db, st)) {
		s = db_text(a, st, 0);
		db_done(st);
	}
	return s;
}

/* Why an added row must stay, or NULL when it may go. */
static const char *added_in_use(struct db *db, const struct change *c)
{
	long long id = c->row_id;
	if (!strcmp(c->object, "copy")) {
		if (db_int(db, 0, "SELECT count(*) FROM loan WHERE copy_id = ?", "i", id))
			return "it has been lent since the import";
		if (db_int(db, 0, "SELECT count(*) FROM hold WHERE copy_id = ?", "i", id))
			return "it has been set aside for a hold since the import";
		return NULL;
	}
	if (!strcmp(c->object, "title")) {
		if (db_int(db, 0, "SELECT count(*) FROM copy WHERE title_id = ?", "i", id))
			return "it still has copies that are kept";
		if (db_int(db, 0, "SELECT count(*) FROM hold WHERE title_id = ?", "i", id))
			return "readers have placed holds on it since the import";
		return NULL;
	}
	if (db_int(db, 0, "SELECT count(*) FROM loan WHERE account_id = ?", "i", id))
		return "they have borrowed since the import";
	if (db_int(db, 0, "SELECT count(*) FROM hold WHERE account_id = ?", "i", id))
		return "they have placed holds since the import";
	if (db_int(db, 0, "SELECT count(*) FROM payment WHERE account_id = ?", "i", id) ||
	    db_int(db, 0, "SELECT count(*) FROM fine WHERE account_id = ?", "i", id))
		return "they have payments or fines since the import";
	if (db_int(db, 0, "SELECT count(*) FROM session WHERE account_id = ?", "i", id))
		return "they have logged in since the import";
	return NULL;
}

static int remove_added(struct db *db, const struct change *c)
{
	const char *sql = !strcmp(c->object, "copy") ? "DELETE FROM copy WHERE id = ?"
		: !strcmp(c->object, "title") ? "DELETE FROM title WHERE id = ?"
		: "DELETE FROM account WHERE id = ?";
	return db_exec(db, sql, "i", c->row_id) == SQLITE_OK ? 0 : -1;
}

/* Put an updated row back as it was before the import. */
static int restore(struct db *db, const struct change *c)
{
	const char *b = c->before;
	long long id = c->row_id;
	if (!strcmp(c->object, "title"))
		return db_exec(db, "UPDATE title SET isbn13 = ?1->>'isbn13', title = ?1->>'title', "
			"subtitle = ?1->>'subtitle', publisher = ?1->>'publisher', "
			"pub_year = ?1->>'pub_year', pub_date = ?1->>'pub_date', genre = ?1->>'genre', "
			"section_id = ?1->>'section_id', language = ?1->>'language', "
			"pages = ?1->>'pages', description = ?1->>'description', "
			"format = ?1->>'format', cover = ?1->>'cover', "
			"updated_at = ?1->>'updated_at' WHERE id = ?2", "ti", b, id) != SQLITE_OK ||
		    db_exec(db, "DELETE FROM title_author WHERE title_id = ?", "i", id) != SQLITE_OK ||
		    db_exec(db, "INSERT INTO title_author(title_id, author_id, position) "
			"SELECT ?2, value, key + 1 FROM json_each(?1->>'authors')", "ti", b, id)
			!= SQLITE_OK ? -1 : 0;
	if (!strcmp(c->object, "copy"))
		return db_exec(db, "UPDATE copy SET location = ?1->>'location', "
			"status = ?1->>'status', acquired_on = ?1->>'acquired_on', "
			"source = ?1->>'source', cost_cents = ?1->>'cost_cents', notes = ?1->>'notes', "
			"item_type = ?1->>'item_type' WHERE id = ?2", "ti", b, id) == SQLITE_OK ? 0 : -1;
	return db_exec(db, "UPDATE account SET name = ?1->>'name', phone = ?1->>'phone', "
		"category = ?1->>'category', card_number = ?1->>'card_number', "
		"member_until = ?1->>'member_until', member_plan_id = ?1->>'member_plan_id', "
		"updated_at = ?1->>'updated_at' WHERE id = ?2", "ti", b, id) != SQLITE_OK ||
	    db_exec(db, "DELETE FROM membership WHERE account_id = ?2 AND id NOT IN "
		"(SELECT value->>'id' FROM json_each(?1->>'memberships'))", "ti", b, id)
		!= SQLITE_OK ||
	    db_exec(db, "UPDATE membership SET plan_id = m.value->>'plan_id', "
		"status = m.value->>'status', start_day = m.value->>'start_day', "
		"end_day = m.value->>'end_day', price_cents = m.value->>'price_cents', "
		"payment_id = m.value->>'payment_id', cancelled_at = m.value->>'cancelled_at', "
		"note = m.value->>'note' FROM json_each(?1->>'memberships') AS m "
		"WHERE membership.id = m.value->>'id' AND membership.account_id = ?2", "ti", b, id)
		!= SQLITE_OK ? -1 : 0;
}

/* Undo one change; the reason it must be kept, or NULL when undone. */
static const char *undo_one(struct db *db, struct arena *a, const struct change *c)
{
	bool member = !strcmp(c->object, "member");
	const char *now = current_state(db, a, c->object, c->row_id);
	bool added = !strcmp(c->action, "add");
	if (!now)
		return added ? NULL : member ? "the member has been deleted since the import"
			: "it has been deleted since the import";
	const char *why = added ? added_in_use(db, c) : NULL;
	if (why)
		return why;
	if (!c->after || strcmp(now, c->after))
		return member ? "their record has been changed since the import"
			: "it has been changed since the import";
	if (added ? remove_added(db, c) : restore(db, c))
		return added ? "something else in the library refers to it now"
			: "its former values clash with another record now (the same ISBN, "
			  "barcode or card number)";
	return NULL;
}

static long load_changes(struct db *db, struct arena *a, const char *id, struct change **out)
{
	long n = db_int(db, 0, "SELECT count(*) FROM import_change WHERE batch_id = ?", "t", id);
	*out = arena_alloc(a, sizeof **out * (size_t)(n ? n : 1));
	long i = 0;
	sqlite3_stmt *st = db_query(db, "SELECT seq, object, row_id, action, line, label, before, "
		"after FROM import_change WHERE batch_id = ? ORDER BY seq DESC", "t", id);
	while (i < n && db_row(db, st)) {
		struct change *c = &(*out)[i++];
		c->seq = db_col_int(st, 0);
		c->object = db_text(a, st, 1);
		c->row_id = db_col_int(st, 2);
		c->action = db_text(a, st, 3);
		c->line = (long)db_col_int(st, 4);
		c->label = db_text(a, st, 5);
		c->before = sqlite3_column_type(st, 6) == SQLITE_NULL ? NULL : db_text(a, st, 6);
		c->after = sqlite3_column_type(st, 7) == SQLITE_NULL ? NULL : db_text(a, st, 7);
	}
	if (i == n)
		db_done(st);
	return i;
}

/* Authors and sections the batch made go when nothing uses them now. */
static int remove_unused(struct db *db, const struct change *c)
{
	if (!strcmp(c->object, "author"))
		return db_exec(db, "DELETE FROM author WHERE id = ?1 AND NOT EXISTS "
			"(SELECT 1 FROM title_author WHERE author_id = ?1)", "i", c->row_id);
	return db_exec(db, "DELETE FROM section WHERE id = ?1 AND NOT EXISTS "
		"(SELECT 1 FROM title WHERE section_id = ?1)", "i", c->row_id);
}

int import_undo(struct db *db, struct arena *a, const char *id, time_t now,
	long long actor_id, const char **error)
{
	if (db_begin(db)) {
		*error = "The import could not be undone just now; please try again.";
		return -1;
	}
	sqlite3_stmt *st = db_query(db, "SELECT status FROM import_batch WHERE id = ?", "t", id);
	const char *status = "";
	if (db_row(db, st)) {
		status = db_text(a, st, 0);
		db_done(st);
	}
	if (strcmp(status, "committed")) {
		db_rollback(db);
		*error = !*status ? "There is no such import."
			: !strcmp(status, "undone") ? "This import was undone already."
			: "This file has not been imported, so there is nothing to undo.";
		return -1;
	}
	struct change *changes;
	long n = load_changes(db, a, id, &changes);
	struct import_entry *kept = arena_alloc(a, sizeof *kept * (size_t)(n ? n : 1));
	long nkept = 0, undone = 0;
	int failed = 0;
	/* Newest first: a title's copies go before the title. */
	for (long i = 0; i < n && !failed; i++) {
		const struct change *c = &changes[i];
		if (!strcmp(c->object, "author") || !strcmp(c->object, "section"))
			continue;
		if (db_exec(db, "SAVEPOINT import_undo", NULL) != SQLITE_OK) {
			failed = 1;
			break;
		}
		const char *why = undo_one(db, a, c);
		if (why) {
			db_exec(db, "ROLLBACK TO import_undo", NULL);
			kept[nkept++] = (struct import_entry){ .line = c->line, .object = c->object,
				.action = "kept", .label = c->label, .reason = why };
		} else {
			undone++;
		}
		db_exec(db, "RELEASE import_undo", NULL);
	}
	for (long i = 0; i < n && !failed; i++)
		if (!strcmp(changes[i].object, "author") || !strcmp(changes[i].object, "section"))
			failed = remove_unused(db, &changes[i]) != SQLITE_OK;
	if (failed ||
	    db_exec(db, "UPDATE import_batch SET status = 'undone', undone_by = nullif(?, 0), "
		"undone_at = ? WHERE id = ?", "iit", actor_id, (long long)now, id) != SQLITE_OK ||
	    save_entries(db, id, true, kept, nkept) ||
	    audit(db, now, actor_id, "import.undo", arena_printf(a, "import:%s", id),
		arena_printf(a, "%ld changes undone, %ld kept", undone, nkept)) ||
	    db_commit(db)) {
		db_rollback(db);
		*error = "The import could not be undone just now; nothing was changed.";
		return -1;
	}
	return 0;
}

/* ---- reading batches ---- */

#define BATCH_COLUMNS \
	"SELECT b.id, b.kind, b.status, b.file_name, b.format, b.ignored_columns, " \
	"b.titles_added, b.titles_updated, b.titles_unchanged, b.copies_added, " \
	"b.copies_updated, b.copies_unchanged, b.members_added, b.members_updated, " \
	"b.members_unchanged, b.rejected, b.unlisted, coalesce(s.name, ''), " \
	"coalesce(c.name, ''), coalesce(u.name, ''), b.staged_at, " \
	"coalesce(b.committed_at, 0), coalesce(b.undone_at, 0) FROM import_batch b " \
	"LEFT JOIN account s ON s.id = b.staged_by LEFT JOIN account c ON c.id = b.committed_by " \
	"LEFT JOIN account u ON u.id = b.undone_by "

static void batch_from_row(struct arena *a, sqlite3_stmt *st, struct import_batch *b)
{
	memset(b, 0, sizeof *b);
	snprintf(b->id, sizeof b->id, "%s", sqlite3_column_text(st, 0));
	b->kind = import_kind_parse((const char *)sqlite3_column_text(st, 1)) == IMPORT_TITLES
		? IMPORT_TITLES : IMPORT_MEMBERS;
	b->status = db_text(a, st, 2);
	b->file_name = db_text(a, st, 3);
	b->format = db_text(a, st, 4);
	b->ignored_columns = db_text(a, st, 5);
	long *counts[] = { &b->n.titles_added, &b->n.titles_updated, &b->n.titles_unchanged,
		&b->n.copies_added, &b->n.copies_updated, &b->n.copies_unchanged,
		&b->n.members_added, &b->n.members_updated, &b->n.members_unchanged,
		&b->n.rejected, &b->unlisted };
	for (int i = 0; i < 11; i++)
		*counts[i] = (long)db_col_int(st, 6 + i);
	b->staged_by = db_text(a, st, 17);
	b->committed_by = db_text(a, st, 18);
	b->undone_by = db_text(a, st, 19);
	b->staged_at = db_col_int(st, 20);
	b->committed_at = db_col_int(st, 21);
	b->undone_at = db_col_int(st, 22);
}

static void load_entries(struct db *db, struct arena *a, struct import_batch *b)
{
	long n = db_int(db, 0, "SELECT count(*) FROM import_entry WHERE batch_id = ?", "t", b->id);
	b->entries = arena_alloc(a, sizeof *b->entries * (size_t)(n ? n : 1));
	b->nentries = 0;
	sqlite3_stmt *st = db_query(db, "SELECT seq, line, object, action, label, reason, "
		"(SELECT count(*) FROM import_entry_field f WHERE f.batch_id = e.batch_id "
		"AND f.seq = e.seq) FROM import_entry e WHERE batch_id = ? ORDER BY seq", "t", b->id);
	long long *seqs = arena_alloc(a, sizeof *seqs * (size_t)(n ? n : 1));
	while (b->nentries < n && db_row(db, st)) {
		struct import_entry *e = &b->entries[b->nentries];
		seqs[b->nentries++] = db_col_int(st, 0);
		e->line = (long)db_col_int(st, 1);
		e->object = db_text(a, st, 2);
		e->action = db_text(a, st, 3);
		e->label = db_text(a, st, 4);
		e->reason = db_text(a, st, 5);
		e->nfields = (int)db_col_int(st, 6);
		e->fields = e->nfields ? arena_alloc(a, sizeof *e->fields * (size_t)e->nfields)
			: NULL;
	}
	if (b->nentries == n)
		db_done(st);
	for (long i = 0; i < b->nentries; i++) {
		struct import_entry *e = &b->entries[i];
		if (!e->nfields)
			continue;
		int f = 0;
		st = db_query(db, "SELECT field, before, after FROM import_entry_field "
			"WHERE batch_id = ? AND seq = ? ORDER BY pos", "ti", b->id, seqs[i]);
		while (db_row(db, st))
			if (f < e->nfields)
				e->fields[f++] = (struct import_field){ db_text(a, st, 0),
					db_text(a, st, 1), db_text(a, st, 2) };
		e->nfields = f;
	}
}

int import_batch_load(struct db *db, struct arena *a, const char *id, struct import_batch *b)
{
	sqlite3_stmt *st = db_query(db, BATCH_COLUMNS "WHERE b.id = ?", "t", id);
	if (!db_row(db, st))
		return -1;
	batch_from_row(a, st, b);
	db_done(st);
	load_entries(db, a, b);
	return 0;
}

long import_batch_recent(struct db *db, struct arena *a, int limit, struct import_batch **out)
{
	*out = arena_alloc(a, sizeof **out * (size_t)(limit > 0 ? limit : 1));
	long n = 0;
	sqlite3_stmt *st = db_query(db, BATCH_COLUMNS "ORDER BY b.staged_at DESC, b.rowid DESC "
		"LIMIT ?", "i", (long long)limit);
	while (db_row(db, st))
		if (n < limit)
			batch_from_row(a, st, &(*out)[n++]);
	return n;
}
