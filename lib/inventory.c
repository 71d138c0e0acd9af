/*
** inventory.c: stocktaking sessions, their scans and their lists (see
** inventory.h for the rules of scope and of each list).
*/
#include "inventory.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cataloguing.h"
#include "circulation.h"
#include "export.h"
#include "money.h"

/* Digits of a number in a shelf key: enough for any number on a spine. */
#define KEY_DIGITS 12

/* The key of mark into out, which has room for key_room(mark) bytes. */
static void shelf_key_into(const char *mark, char *out)
{
	size_t o = 0;
	const char *p = mark;
	while (*p == ' ' || *p == '\t')
		p++;
	while (*p) {
		unsigned char ch = (unsigned char)*p;
		if (isdigit(ch)) {
			const char *start = p;
			while (*start == '0' && isdigit((unsigned char)start[1]))
				start++;
			const char *end = start;
			while (isdigit((unsigned char)*end))
				end++;
			size_t len = (size_t)(end - start);
			for (size_t i = len; i < KEY_DIGITS; i++)
				out[o++] = '0';
			memcpy(out + o, start, len);
			o += len;
			p = end;
		} else if (isspace(ch)) {
			while (isspace((unsigned char)*p))
				p++;
			if (*p)
				out[o++] = ' ';
		} else {
			out[o++] = (char)tolower(ch);
			p++;
		}
	}
	out[o] = '\0';
}

/* A run of digits grows at most to KEY_DIGITS; anything else keeps its size. */
static size_t key_room(const char *mark)
{
	return strlen(mark) * (KEY_DIGITS + 1) + 1;
}

char *inventory_shelf_key(struct arena *a, const char *mark)
{
	char *out = arena_alloc(a, key_room(mark));
	shelf_key_into(mark, out);
	return out;
}

/* shelf_key(mark) in SQL, for the scope's range test and the lists' order. */
static void sql_shelf_key(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *mark = (const char *)sqlite3_value_text(argv[0]);
	if (!mark)
		mark = "";
	char *key = sqlite3_malloc64(key_room(mark));
	if (!key) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	shelf_key_into(mark, key);
	sqlite3_result_text(ctx, key, -1, sqlite3_free);
}

/* Register shelf_key() on this connection once, before any statement that
** names it is prepared. A worker keeps two connections (reads and writes),
** so the last few connections served are remembered: registering again
** would expire every statement the connection has cached. */
static int ensure_functions(struct db *db)
{
	enum { REMEMBERED = 8 };
	static unsigned long serials[REMEMBERED];
	static int used, next;
	for (int i = 0; i < used; i++)
		if (serials[i] == db->serial)
			return 0;
	if (sqlite3_create_function_v2(db->h, "shelf_key", 1,
		SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL, sql_shelf_key,
		NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	serials[next] = db->serial;
	next = (next + 1) % REMEMBERED;
	if (used < REMEMBERED)
		used++;
	return 0;
}

/* ---- opening ---- */

enum inv_result inventory_open(struct db *db, struct arena *a, time_t now,
	long long actor_id, const char *section, const char *shelf_from,
	const char *shelf_to, struct form_errors *errs, long long *id)
{
	section = valid_trim(a, section ? section : "");
	shelf_from = valid_trim(a, shelf_from ? shelf_from : "");
	shelf_to = valid_trim(a, shelf_to ? shelf_to : "");
	long long section_id = 0;
	const char *section_name = "";
	if (*section) {
		section_id = valid_id(section);
		sqlite3_stmt *st = section_id > 0
			? db_query(db, "SELECT name FROM section WHERE id = ?", "i", section_id) : NULL;
		if (st && db_row(db, st)) {
			section_name = db_text(a, st, 0);
			db_done(st);
		} else {
			form_error(errs, "section", "There is no such section. Choose one from the list.");
		}
	}
	if (strlen(shelf_from) > 100 || valid_has_control(shelf_from))
		form_error(errs, "shelf_from", "A shelf mark has at most 100 characters.");
	if (strlen(shelf_to) > 100 || valid_has_control(shelf_to))
		form_error(errs, "shelf_to", "A shelf mark has at most 100 characters.");
	if (*shelf_from && !*shelf_to)
		form_error(errs, "shelf_to", "Give the last shelf mark of the range too.");
	if (!*shelf_from && *shelf_to)
		form_error(errs, "shelf_from", "Give the first shelf mark of the range too.");
	if (!*section && !*shelf_from && !*shelf_to)
		form_error(errs, "section", "Choose a section, give a range of shelf marks, or both.");
	const char *from_key = inventory_shelf_key(a, shelf_from);
	const char *to_key = inventory_shelf_key(a, shelf_to);
	if (!errs->n && *shelf_from && strcmp(from_key, to_key) > 0)
		form_error(errs, "shelf_to", "The range ends before it starts: the last shelf mark "
			"sorts before the first.");
	if (errs->n)
		return INV_INVALID;
	if (db_begin(db))
		return INV_ERROR;
	if (db_exec(db, "INSERT INTO inventory_session(section_id, section_name, shelf_from, "
		"shelf_to, shelf_from_key, shelf_to_key, opened_by, opened_at) "
		"VALUES (nullif(?, 0), ?, ?, ?, ?, ?, nullif(?, 0), ?)", "itttttii",
		section_id, section_name, shelf_from, shelf_to, from_key, to_key,
		actor_id, (long long)now) != SQLITE_OK)
		goto error;
	*id = db_last_id(db);
	const char *scope = *section_name && *shelf_from
		? arena_printf(a, "%s, shelves %s to %s", section_name, shelf_from, shelf_to)
		: *section_name ? section_name
		: arena_printf(a, "shelves %s to %s", shelf_from, shelf_to);
	if (audit_record(db, actor_id, now, "inventory.open",
		arena_printf(a, "inventory:%lld", *id), scope, NULL, NULL) || db_commit(db))
		goto error;
	return INV_OK;
error:
	db_rollback(db);
	return INV_ERROR;
}

/* ---- reading ---- */

/* The scope of a session as bound into the lists' queries. */
struct scope {
	long long section;       /* 0 any; -1 a section since removed: none match */
	const char *from_key, *to_key;
	bool closed;
};

/* The scope test in SQL for copy c of title t, with the session's scope
** bound as ?2 (section), ?3 (from key) and ?4 (to key). */
#define IN_SCOPE \
	"(t.format = 'print' AND (?2 = 0 OR t.section_id = ?2) AND (?3 = '' OR " \
	"(shelf_key(c.location) >= ?3 AND (shelf_key(c.location) <= ?4 OR " \
	"substr(shelf_key(c.location), 1, length(?4)) = ?4))))"

static int read_scope(struct db *db, struct arena *a, long long id, struct scope *s)
{
	sqlite3_stmt *st = db_query(db, "SELECT coalesce(section_id, 0), section_name, "
		"shelf_from_key, shelf_to_key, closed_at IS NOT NULL "
		"FROM inventory_session WHERE id = ?", "i", id);
	if (!st)
		return -1;
	if (!db_row(db, st))
		return 1;
	s->section = db_col_int(st, 0);
	if (!s->section && *db_text(a, st, 1))
		s->section = -1;
	s->from_key = db_text(a, st, 2);
	s->to_key = db_text(a, st, 3);
	s->closed = db_col_int(st, 4);
	db_done(st);
	return 0;
}

static void keep_line(struct inventory_lists *out, enum inv_list l, int max,
	const struct inventory_line *line)
{
	out->count[l]++;
	if (max < 0 || out->shown[l] < max)
		out->line[l][out->shown[l]++] = *line;
}

static enum inv_list list_named(const char *key);

/* Which list a scanned copy goes in (the rules in inventory.h). */
static enum inv_list scanned_list(const struct inventory_line *k, bool checked_in,
	bool in_scope)
{
	if (!k->copy_id)
		return INV_UNKNOWN;
	if (checked_in || !strcmp(k->status, "on-loan"))
		return INV_ON_LOAN;
	if (!strcmp(k->status, "lost") || !strcmp(k->status, "withdrawn"))
		return INV_FOUND;
	if (!in_scope || !strcmp(k->status, "on-hold-shelf"))
		return INV_MISPLACED;
	return INV_SEEN;
}

static int read_scans(struct db *db, struct arena *a, long long id, const struct scope *s,
	int max, struct inventory_lists *out)
{
	sqlite3_stmt *st = db_query(db,
		"SELECT i.barcode, coalesce(c.id, 0), coalesce(c.status, ''), "
		"  coalesce(c.location, ''), coalesce(t.id, 0), coalesce(t.title, ''), "
		"  coalesce(sec.name, ''), i.checkin_loan_id IS NOT NULL, i.checkin_note, "
		"  coalesce(c.last_seen_at, 0), "
		"  CASE WHEN c.id IS NULL THEN 0 ELSE " IN_SCOPE " END, coalesce(i.list, '') "
		"FROM inventory_scan i LEFT JOIN copy c ON c.id = i.copy_id "
		"LEFT JOIN title t ON t.id = c.title_id LEFT JOIN section sec ON sec.id = t.section_id "
		"WHERE i.session_id = ?1 ORDER BY i.scanned_at DESC, i.barcode",
		"iitt", id, s->section, s->from_key, s->to_key);
	if (!st)
		return -1;
	while (db_row(db, st)) {
		struct inventory_line k = {
			.barcode = db_text(a, st, 0), .copy_id = db_col_int(st, 1),
			.status = db_text(a, st, 2), .location = db_text(a, st, 3),
			.title_id = db_col_int(st, 4), .title = db_text(a, st, 5),
			.section = db_text(a, st, 6), .note = db_text(a, st, 8),
			.last_seen_at = db_col_int(st, 9),
		};
		const char *kept = db_text(a, st, 11);
		enum inv_list l = s->closed && *kept ? list_named(kept)
			: scanned_list(&k, db_col_int(st, 7), db_col_int(st, 10));
		keep_line(out, l, max, &k);
	}
	return 0;
}

/* The expected and missing counts of a session. Returns 0 or -1. */
static int count_missing(struct db *db, long long id, const struct scope *s,
	struct inventory_lists *out)
{
	if (s->closed) {
		out->expected = db_int(db, -1, "SELECT expected_count FROM inventory_session "
			"WHERE id = ?", "i", id);
		out->count[INV_MISSING] = db_int(db, -1, "SELECT count(*) FROM inventory_missing "
			"WHERE session_id = ?", "i", id);
		return out->expected < 0 || out->count[INV_MISSING] < 0 ? -1 : 0;
	}
	out->expected = db_int(db, -1, "SELECT count(*) FROM copy c JOIN title t ON t.id = c.title_id "
		"WHERE c.status = 'available' AND " IN_SCOPE, "iitt", id, s->section, s->from_key,
		s->to_key);
	out->count[INV_MISSING] = db_int(db, -1, "SELECT count(*) FROM copy c "
		"JOIN title t ON t.id = c.title_id WHERE c.status = 'available' AND " IN_SCOPE
		" AND NOT EXISTS (SELECT 1 FROM inventory_scan i WHERE i.copy_id = c.id "
		"AND i.session_id = ?1)", "iitt", id, s->section, s->from_key, s->to_key);
	return out->expected < 0 || out->count[INV_MISSING] < 0 ? -1 : 0;
}

/* The first room missing copies in shelf order (room > 0). */
static int list_missing(struct db *db, struct arena *a, long long id, const struct scope *s,
	long room, struct inventory_lists *out)
{
	out->line[INV_MISSING] = arena_calloc(a, sizeof(struct inventory_line) * (size_t)room);
	sqlite3_stmt *st = s->closed ? db_query(db,
		"SELECT c.id, c.barcode, c.location, t.id, t.title, coalesce(sec.name, ''), "
		"  coalesce(c.last_seen_at, 0), c.status "
		"FROM inventory_missing m JOIN copy c ON c.id = m.copy_id "
		"JOIN title t ON t.id = c.title_id LEFT JOIN section sec ON sec.id = t.section_id "
		"WHERE m.session_id = ? ORDER BY shelf_key(c.location), c.barcode LIMIT ?",
		"ii", id, (long long)room) : db_query(db,
		"SELECT c.id, c.barcode, c.location, t.id, t.title, coalesce(sec.name, ''), "
		"  coalesce(c.last_seen_at, 0), c.status "
		"FROM copy c JOIN title t ON t.id = c.title_id "
		"LEFT JOIN section sec ON sec.id = t.section_id "
		"WHERE c.status = 'available' AND " IN_SCOPE
		" AND NOT EXISTS (SELECT 1 FROM inventory_scan i WHERE i.copy_id = c.id "
		"AND i.session_id = ?1) ORDER BY shelf_key(c.location), c.barcode LIMIT ?5",
		"iitti", id, s->section, s->from_key, s->to_key, (long long)room);
	if (!st)
		return -1;
	while (db_row(db, st)) {
		if (out->shown[INV_MISSING] >= room)
			continue;
		out->line[INV_MISSING][out->shown[INV_MISSING]++] = (struct inventory_line){
			.copy_id = db_col_int(st, 0), .barcode = db_text(a, st, 1),
			.location = db_text(a, st, 2), .title_id = db_col_int(st, 3),
			.title = db_text(a, st, 4), .section = db_text(a, st, 5),
			.status = db_text(a, st, 7), .note = "", .last_seen_at = db_col_int(st, 6),
		};
	}
	return 0;
}

int inventory_lists(struct db *db, struct arena *a, long long id, int max,
	struct inventory_lists *out)
{
	memset(out, 0, sizeof *out);
	if (ensure_functions(db))
		return -1;
	struct scope s;
	if (read_scope(db, a, id, &s) || count_missing(db, id, &s, out))
		return -1;
	long scans = db_int(db, 0, "SELECT count(*) FROM inventory_scan WHERE session_id = ?",
		"i", id);
	long room = max >= 0 && scans > max ? max : scans;
	for (int l = 0; l < INV_LISTS; l++)
		if (l != INV_MISSING)
			out->line[l] = arena_calloc(a, sizeof(struct inventory_line) * (size_t)(room + 1));
	if (read_scans(db, a, id, &s, max, out))
		return -1;
	long missing_room = max >= 0 && out->count[INV_MISSING] > max ? max
		: out->count[INV_MISSING];
	return missing_room > 0 ? list_missing(db, a, id, &s, missing_room, out) : 0;
}

static void fill_counts(const struct inventory_lists *l, struct inventory_session *s)
{
	s->expected = l->expected;
	for (int i = 0; i < INV_LISTS; i++)
		s->count[i] = l->count[i];
}

/* The columns read_session reads. */
#define SESSION_COLUMNS \
	"s.id, coalesce(s.section_id, 0), s.section_name, s.shelf_from, s.shelf_to, " \
	"coalesce(o.name, ''), coalesce(k.name, ''), s.opened_at, coalesce(s.closed_at, 0), " \
	"s.expected_count, s.seen_count, s.missing_count, s.misplaced_count, s.marked_lost, " \
	"(SELECT count(*) FROM inventory_scan i WHERE i.session_id = s.id AND i.copy_id IS NULL), " \
	"(SELECT count(*) FROM inventory_scan i WHERE i.session_id = s.id " \
	"   AND i.checkin_loan_id IS NOT NULL) " \
	"FROM inventory_session s LEFT JOIN account o ON o.id = s.opened_by " \
	"LEFT JOIN account k ON k.id = s.closed_by "

static void read_session(struct arena *a, sqlite3_stmt *st, struct inventory_session *s)
{
	memset(s, 0, sizeof *s);
	s->id = db_col_int(st, 0);
	s->section_id = db_col_int(st, 1);
	s->section_name = db_text(a, st, 2);
	s->shelf_from = db_text(a, st, 3);
	s->shelf_to = db_text(a, st, 4);
	s->opened_by = db_text(a, st, 5);
	s->closed_by = db_text(a, st, 6);
	s->opened_at = db_col_int(st, 7);
	s->closed_at = db_col_int(st, 8);
	s->closed = s->closed_at != 0;
	s->expected = db_col_int(st, 9);
	s->count[INV_SEEN] = db_col_int(st, 10);
	s->count[INV_MISSING] = db_col_int(st, 11);
	s->count[INV_MISPLACED] = db_col_int(st, 12);
	s->marked_lost = db_col_int(st, 13);
	s->count[INV_UNKNOWN] = db_col_int(st, 14);
	s->count[INV_ON_LOAN] = db_col_int(st, 15);
}

/* An open session's counts, worked out now. */
static int live_counts(struct db *db, struct arena *a, struct inventory_session *s)
{
	if (s->closed)
		return 0;
	struct inventory_lists l;
	if (inventory_lists(db, a, s->id, 0, &l))
		return -1;
	fill_counts(&l, s);
	return 0;
}

int inventory_sessions(struct db *db, struct arena *a, long page, int per_page,
	struct inventory_session **out, long *total)
{
	*total = db_int(db, 0, "SELECT count(*) FROM inventory_session", NULL);
	*out = arena_calloc(a, sizeof **out * (size_t)per_page);
	sqlite3_stmt *st = db_query(db, "SELECT " SESSION_COLUMNS
		"ORDER BY s.closed_at IS NOT NULL, s.opened_at DESC, s.id DESC LIMIT ? OFFSET ?",
		"ii", (long long)per_page, (long long)(page - 1) * per_page);
	if (!st)
		return -1;
	int n = 0;
	while (db_row(db, st))
		if (n < per_page)
			read_session(a, st, &(*out)[n++]);
	for (int i = 0; i < n; i++)
		if (live_counts(db, a, &(*out)[i]))
			return -1;
	return n;
}

int inventory_get(struct db *db, struct arena *a, long long id, bool with_counts,
	struct inventory_session *out)
{
	sqlite3_stmt *st = db_query(db, "SELECT " SESSION_COLUMNS "WHERE s.id = ?", "i", id);
	if (!st)
		return -1;
	if (!db_row(db, st))
		return 1;
	read_session(a, st, out);
	db_done(st);
	return with_counts ? live_counts(db, a, out) : 0;
}

/* ---- scanning ---- */

/* A barcode as scanned: printable, no spaces, at most 64 characters. */
static bool readable(const char *code, size_t n)
{
	if (n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)code[i] < 0x21 || (unsigned char)code[i] > 0x7e)
			return false;
	return true;
}

/* The copies on loan a submit found, to check in after its transaction. */
struct on_loan {
	const char **barcodes;
	int n;
};

/* Record one barcode inside the transaction. Returns 0 or -1. */
static int record_scan(struct db *db, struct arena *a, time_t now, long long actor_id,
	long long id, const char *code, struct inventory_scan_result *out,
	struct on_loan *loans)
{
	long long copy_id = 0;
	bool on_loan = false;
	sqlite3_stmt *st = db_query(db, "SELECT id, status = 'on-loan' FROM copy WHERE barcode = ?",
		"t", code);
	if (!st)
		return -1;
	if (db_row(db, st)) {
		copy_id = db_col_int(st, 0);
		on_loan = db_col_int(st, 1);
		db_done(st);
	}
	if (db_exec(db, "INSERT OR IGNORE INTO inventory_scan(session_id, barcode, copy_id, "
		"scanned_at, scanned_by) VALUES (?, ?, nullif(?, 0), ?, nullif(?, 0))", "itiii",
		id, code, copy_id, (long long)now, actor_id) != SQLITE_OK)
		return -1;
	if (!db_changes(db)) {
		out->repeated++;
		return 0;
	}
	out->added++;
	if (!copy_id) {
		out->unknown++;
		return 0;
	}
	if (on_loan)
		loans->barcodes[loans->n++] = arena_strdup(a, code);
	return db_exec(db, "UPDATE copy SET last_seen_at = ? WHERE id = ?", "ii",
		(long long)now, copy_id) == SQLITE_OK ? 0 : -1;
}

/* What a checkin by a scan did, in words for the list. */
static const char *checkin_note(struct arena *a, const struct circ_result *r)
{
	const char *fine = r->fine_cents > 0 ? arena_printf(a, " A fine of %s was recorded.",
		money_amount(a, r->fine_cents)) : "";
	if (r->held_for)
		return arena_printf(a, "Checked in, loan to %s closed. Held for %s: put it on the "
			"hold shelf.%s", r->member_name ? r->member_name : "a member", r->held_for, fine);
	return arena_printf(a, "Checked in, loan to %s closed.%s",
		r->member_name ? r->member_name : "a member", fine);
}

/* Check in a copy the system had on loan, through the desk's checkin, and
** note the outcome on its scan. */
static int check_in_scanned(struct db *db, struct arena *a, time_t now, long long actor_id,
	long long id, const char *code, struct inventory_scan_result *out)
{
	struct circ_result r;
	circ_checkin(db, a, now, code, &r);
	bool ok = r.code == CIRC_OK;
	const char *note = ok ? checkin_note(a, &r)
		: arena_printf(a, "Not checked in: %s", r.message);
	if (db_begin(db))
		return -1;
	if (db_exec(db, "UPDATE inventory_scan SET checkin_loan_id = nullif(?, 0), "
		"checkin_note = ? WHERE session_id = ? AND barcode = ?", "itit",
		ok ? r.loan_id : 0LL, note, id, code) != SQLITE_OK ||
	    (ok && audit_record(db, actor_id, now, "inventory.checkin",
		arena_printf(a, "loan:%lld", r.loan_id), arena_printf(a,
		"%s found on the shelf at stocktaking %lld: %s", code, id, note), NULL, NULL)) ||
	    db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	if (ok)
		out->checked_in++;
	return 0;
}

/* Begin the write transaction of a change to session id, which must be
** open: INV_OK with the transaction begun, or why not (nothing begun). */
static enum inv_result begin_in_open_session(struct db *db, long long id)
{
	if (db_begin(db))
		return INV_ERROR;
	long long open = db_int(db, -1, "SELECT closed_at IS NULL FROM inventory_session "
		"WHERE id = ?", "i", id);
	if (open == 1)
		return INV_OK;
	db_rollback(db);
	return open < 0 ? INV_NOT_FOUND : INV_CLOSED;
}

enum inv_result inventory_scan(struct db *db, struct arena *a, time_t now,
	long long actor_id, long long id, const char *text,
	struct inventory_scan_result *out)
{
	memset(out, 0, sizeof *out);
	struct on_loan loans = { arena_calloc(a, sizeof(char *) * INVENTORY_SCAN_MAX), 0 };
	enum inv_result begun = begin_in_open_session(db, id);
	if (begun != INV_OK)
		return begun;
	int taken = 0;
	for (const char *p = text ? text : ""; *p;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		const char *start = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		size_t n = (size_t)(p - start);
		if (!n)
			continue;
		if (taken >= INVENTORY_SCAN_MAX) {
			out->over++;
			continue;
		}
		if (!readable(start, n)) {
			out->unreadable++;
			continue;
		}
		taken++;
		if (record_scan(db, a, now, actor_id, id, arena_strndup(a, start, n), out, &loans))
			goto error;
	}
	if (db_commit(db))
		goto error;
	for (int i = 0; i < loans.n; i++)
		if (check_in_scanned(db, a, now, actor_id, id, loans.barcodes[i], out))
			return INV_ERROR;
	return INV_OK;
error:
	db_rollback(db);
	return INV_ERROR;
}

/* ---- found again, closing ---- */

enum inv_result inventory_mark_found(struct db *db, struct arena *a, time_t now,
	long long id, long long copy_id, const char **why)
{
	*why = "";
	enum inv_result begun = begin_in_open_session(db, id);
	if (begun != INV_OK)
		return begun;
	sqlite3_stmt *st = db_query(db, "SELECT c.barcode, c.status FROM inventory_scan i "
		"JOIN copy c ON c.id = i.copy_id WHERE i.session_id = ? AND c.id = ? "
		"AND c.status IN ('lost', 'withdrawn')", "ii", id, copy_id);
	const char *barcode = NULL, *was = NULL;
	if (st && db_row(db, st)) {
		barcode = db_text(a, st, 0);
		was = db_text(a, st, 1);
		db_done(st);
	}
	if (!barcode) {
		db_rollback(db);
		*why = "That copy is not one found in this stocktaking while lost or withdrawn.";
		return INV_INVALID;
	}
	if (cataloguing_copy_set_status_in_tx(db, copy_id, "available", now, "inventory.found",
		arena_printf(a, "%s, %s, found at stocktaking %lld", barcode, was, id)) != CAT_OK ||
	    db_commit(db)) {
		db_rollback(db);
		return INV_ERROR;
	}
	return INV_OK;
}

/* Keep the lists as they are at closing: each scan's list, and the
** missing copies. Returns 0 or -1. */
static int keep_lists(struct db *db, struct arena *a, long long id, const struct scope *s)
{
	struct inventory_lists l;
	if (inventory_lists(db, a, id, -1, &l))
		return -1;
	for (int i = 0; i < INV_LISTS; i++)
		for (int j = 0; i != INV_MISSING && j < l.shown[i]; j++)
			if (db_exec(db, "UPDATE inventory_scan SET list = ? WHERE session_id = ? "
				"AND barcode = ?", "tit", inventory_list_key((enum inv_list)i), id,
				l.line[i][j].barcode) != SQLITE_OK)
				return -1;
	return db_exec(db, "INSERT INTO inventory_missing(session_id, copy_id) "
		"SELECT ?1, c.id FROM copy c JOIN title t ON t.id = c.title_id "
		"WHERE c.status = 'available' AND " IN_SCOPE " AND NOT EXISTS (SELECT 1 FROM "
		"inventory_scan i WHERE i.copy_id = c.id AND i.session_id = ?1)", "iitt",
		id, s->section, s->from_key, s->to_key) == SQLITE_OK ? 0 : -1;
}

/* Every missing copy of a session (kept by keep_lists) marked lost.
** Returns how many, or -1. */
static long mark_missing_lost(struct db *db, struct arena *a, time_t now, long long id)
{
	long n = db_int(db, 0, "SELECT count(*) FROM inventory_missing WHERE session_id = ?",
		"i", id);
	long long *ids = arena_calloc(a, sizeof *ids * (size_t)(n + 1));
	const char **codes = arena_calloc(a, sizeof *codes * (size_t)(n + 1));
	long got = 0;
	sqlite3_stmt *st = db_query(db, "SELECT c.id, c.barcode FROM inventory_missing m "
		"JOIN copy c ON c.id = m.copy_id WHERE m.session_id = ? ORDER BY c.id", "i", id);
	if (!st)
		return -1;
	while (db_row(db, st))
		if (got < n) {
			ids[got] = db_col_int(st, 0);
			codes[got++] = db_text(a, st, 1);
		}
	for (long i = 0; i < got; i++)
		if (cataloguing_copy_set_status_in_tx(db, ids[i], "lost", now, "inventory.mark-lost",
			arena_printf(a, "%s missing at stocktaking %lld", codes[i], id)) != CAT_OK)
			return -1;
	return got;
}

enum inv_result inventory_close(struct db *db, struct arena *a, time_t now,
	long long actor_id, long long id, bool mark_lost, long *marked)
{
	*marked = 0;
	if (ensure_functions(db) || db_begin(db))
		return INV_ERROR;
	struct scope s;
	int found = read_scope(db, a, id, &s);
	if (found) {
		db_rollback(db);
		return found > 0 ? INV_NOT_FOUND : INV_ERROR;
	}
	if (s.closed) {
		db_rollback(db);
		return INV_CLOSED;
	}
	struct inventory_lists l;
	if (inventory_lists(db, a, id, 0, &l) || keep_lists(db, a, id, &s))
		goto error;
	if (mark_lost && (*marked = mark_missing_lost(db, a, now, id)) < 0)
		goto error;
	if (db_exec(db, "UPDATE inventory_session SET closed_at = ?, closed_by = ?, "
		"expected_count = ?, seen_count = ?, missing_count = ?, misplaced_count = ?, "
		"marked_lost = ? WHERE id = ?", "iiiiiiii", (long long)now, actor_id,
		(long long)l.expected, (long long)l.count[INV_SEEN], (long long)l.count[INV_MISSING],
		(long long)l.count[INV_MISPLACED], (long long)*marked, id) != SQLITE_OK ||
	    audit_record(db, actor_id, now, "inventory.close", arena_printf(a, "inventory:%lld", id),
		arena_printf(a, "%ld expected, %ld seen, %ld missing, %ld misplaced; %ld marked lost",
		l.expected, l.count[INV_SEEN], l.count[INV_MISSING], l.count[INV_MISPLACED], *marked),
		NULL, NULL) ||
	    db_commit(db))
		goto error;
	return INV_OK;
error:
	db_rollback(db);
	*marked = 0;
	return INV_ERROR;
}

/* ---- names, CSV ---- */

static const char *const list_names[INV_LISTS][2] = {
	[INV_SEEN] = { "seen", "Seen" },
	[INV_MISSING] = { "missing", "Missing" },
	[INV_MISPLACED] = { "misplaced", "Misplaced" },
	[INV_ON_LOAN] = { "on-loan", "On loan but on the shelf" },
	[INV_FOUND] = { "found", "Found while lost or withdrawn" },
	[INV_UNKNOWN] = { "unknown", "Not in the catalogue" },
};

const char *inventory_list_key(enum inv_list l)
{
	return list_names[l][0];
}

const char *inventory_list_name(enum inv_list l)
{
	return list_names[l][1];
}

static enum inv_list list_named(const char *key)
{
	for (int i = 0; i < INV_LISTS; i++)
		if (!strcmp(key, list_names[i][0]))
			return (enum inv_list)i;
	return INV_SEEN;
}

long inventory_csv(struct db *db, struct arena *a, long long id, FILE *out)
{
	struct inventory_lists l;
	if (inventory_lists(db, a, id, -1, &l))
		return -1;
	fputs("list,barcode,title,shelf,section,status,last_seen,note\r\n", out);
	long rows = 0;
	for (int i = 0; i < INV_LISTS; i++)
		for (int j = 0; j < l.shown[i]; j++) {
			const struct inventory_line *k = &l.line[i][j];
			const char *cells[] = { inventory_list_key((enum inv_list)i), k->barcode,
				k->title ? k->title : "", k->location ? k->location : "",
				k->section ? k->section : "", k->status ? k->status : "" };
			for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
				export_csv_cell(out, cells[c]);
				fputc(',', out);
			}
			if (k->last_seen_at) {
				char day[32];
				time_t t = (time_t)k->last_seen_at;
				struct tm tm;
				strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
				fputs(day, out);
			}
			fputc(',', out);
			export_csv_cell(out, k->note ? k->note : "");
			fputs("\r\n", out);
			rows++;
		}
	return rows;
}
