/*
** lists.c: item types and member categories. See lists.h.
*/
#include "lists.h"

#include <string.h>

#include "valid.h"

/* What differs between the two lists: their SQL (table names cannot be
** bound, so each statement is written out) and their words. */
struct list_def {
	const char *entries, *has, *name_of, *next_position, *code_taken, *name_taken;
	const char *insert, *update, *remove, *records, *rules, *read;
	const char *audit;                  /* the audit action's prefix */
	const char *noun;                   /* "type", "category" */
	const char *record, *records_word;  /* "copy", "copies" */
	const char *any;                    /* the name of '*' */
	const char *unknown;                /* a code not on the list */
	const char *fallback;               /* the schema's default code, which stays */
	const char *fallback_why;
};

static const struct list_def defs[] = {
	[LIST_ITEM_TYPE] = {
		.entries = "SELECT l.code, l.name, l.position, "
			"(SELECT count(*) FROM copy WHERE item_type = l.code), "
			"(SELECT count(*) FROM circ_rule WHERE item_type = l.code) "
			"FROM item_type l ORDER BY l.position, l.name COLLATE NOCASE, l.code",
		.has = "SELECT count(*) FROM item_type WHERE code = ?",
		.name_of = "SELECT name FROM item_type WHERE code = ?",
		.next_position = "SELECT coalesce(max(position), 0) + 1 FROM item_type",
		.code_taken = "SELECT count(*) FROM item_type WHERE code = ?",
		.name_taken = "SELECT count(*) FROM item_type WHERE lower(name) = lower(?) "
			"AND code <> ?",
		.insert = "INSERT INTO item_type(code, name, position) VALUES (?, ?, ?)",
		.update = "UPDATE item_type SET name = ?, position = ? WHERE code = ?",
		.remove = "DELETE FROM item_type WHERE code = ?",
		.records = "SELECT count(*) FROM copy WHERE item_type = ?",
		.rules = "SELECT count(*) FROM circ_rule WHERE item_type = ?",
		.read = "SELECT name, position FROM item_type WHERE code = ?",
		.audit = "item_type", .noun = "type", .record = "copy", .records_word = "copies",
		.any = "Any item type",
		.unknown = "There is no such item type: choose one from the list.",
		.fallback = "book",
		.fallback_why = "This type stays on the list: a copy added or imported without "
			"a type is a book. Rename it if the name does not suit.",
	},
	[LIST_CATEGORY] = {
		.entries = "SELECT l.code, l.name, l.position, "
			"(SELECT count(*) FROM account WHERE category = l.code), "
			"(SELECT count(*) FROM circ_rule WHERE category = l.code) "
			"FROM member_category l ORDER BY l.position, l.name COLLATE NOCASE, l.code",
		.has = "SELECT count(*) FROM member_category WHERE code = ?",
		.name_of = "SELECT name FROM member_category WHERE code = ?",
		.next_position = "SELECT coalesce(max(position), 0) + 1 FROM member_category",
		.code_taken = "SELECT count(*) FROM member_category WHERE code = ?",
		.name_taken = "SELECT count(*) FROM member_category WHERE lower(name) = lower(?) "
			"AND code <> ?",
		.insert = "INSERT INTO member_category(code, name, position) VALUES (?, ?, ?)",
		.update = "UPDATE member_category SET name = ?, position = ? WHERE code = ?",
		.remove = "DELETE FROM member_category WHERE code = ?",
		.records = "SELECT count(*) FROM account WHERE category = ?",
		.rules = "SELECT count(*) FROM circ_rule WHERE category = ?",
		.read = "SELECT name, position FROM member_category WHERE code = ?",
		.audit = "category", .noun = "category", .record = "member",
		.records_word = "members", .any = "Any category",
		.unknown = "There is no such member category: choose one from the list.",
		.fallback = "adult",
		.fallback_why = "This category stays on the list: a member who joins or is "
			"added without one is an adult. Rename it if the name does not suit.",
	},
};

#define CODE_MAX 40
#define NAME_MAX_CHARS 100
#define POSITION_MAX 9999

int lists_entries(struct db *db, struct arena *a, enum list_kind kind,
	struct list_entry **out)
{
	const struct list_def *d = &defs[kind];
	long cap = 16, n = 0;
	*out = arena_calloc(a, sizeof **out * (size_t)cap);
	sqlite3_stmt *st = db_query(db, d->entries, NULL);
	if (!st)
		return -1;
	while (db_row(db, st)) {
		if (n == cap) {
			struct list_entry *bigger = arena_calloc(a, sizeof *bigger * (size_t)cap * 2);
			memcpy(bigger, *out, sizeof *bigger * (size_t)cap);
			*out = bigger;
			cap *= 2;
		}
		struct list_entry *e = &(*out)[n++];
		e->code = db_text(a, st, 0);
		e->name = db_text(a, st, 1);
		e->position = (long)db_col_int(st, 2);
		e->records = (long)db_col_int(st, 3);
		e->rules = (long)db_col_int(st, 4);
	}
	return (int)n;
}

bool lists_has(struct db *db, enum list_kind kind, const char *code)
{
	return code && *code && db_int(db, 0, defs[kind].has, "t", code) > 0;
}

const char *lists_name(struct db *db, struct arena *a, enum list_kind kind,
	const char *code)
{
	if (!code)
		return "";
	if (!strcmp(code, "*"))
		return defs[kind].any;
	sqlite3_stmt *st = db_query(db, defs[kind].name_of, "t", code);
	if (!db_row(db, st))
		return code;
	const char *name = db_text(a, st, 0);
	db_done(st);
	return name;
}

/* ---- checking what was typed ---- */

static bool code_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > CODE_MAX)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

/* The position typed, or -1 when it is not a whole number in range. */
static long parse_position(const char *s)
{
	if (!strcmp(s, "0"))
		return 0;
	long long v = valid_id(s);
	return v >= 1 && v <= POSITION_MAX ? (long)v : -1;
}

/* Check name and position into *name and *position; with adding, an empty
** position is *position 0 (the caller puts the entry at the end). */
static void check_fields(struct arena *a, const struct list_input *in, bool adding,
	const char **name, long *position, struct form_errors *errs)
{
	*name = valid_trim(a, in->name);
	if (!**name || valid_utf8_chars(*name) > NAME_MAX_CHARS || valid_has_control(*name))
		form_error(errs, "name", "Give a name of up to 100 characters, as members "
			"and staff will read it.");
	const char *pos = valid_trim(a, in->position);
	*position = adding && !*pos ? 0 : parse_position(pos);
	if (*position < 0)
		form_error(errs, "position", "The position is a whole number from 0 to 9999; "
			"lower numbers come first.");
}

/* ---- changes ---- */

static int audit_change(struct db *db, struct arena *a, const struct list_def *d,
	long long actor_id, time_t now, const char *what, const char *code, const char *detail)
{
	return db_exec(db, "INSERT INTO audit(at, actor_id, action, object, detail) "
		"VALUES (?, nullif(?, 0), ?, ?, ?)", "iittt", (long long)now, actor_id,
		arena_printf(a, "%s.%s", d->audit, what), arena_printf(a, "%s:%s", d->audit, code),
		detail) == SQLITE_OK ? 0 : -1;
}

/* Commit, or roll back and return LISTS_ERROR. */
static enum lists_result finish(struct db *db, bool ok)
{
	if (ok && db_commit(db) == 0)
		return LISTS_OK;
	db_rollback(db);
	return LISTS_ERROR;
}

enum lists_result lists_add(struct db *db, struct arena *a, enum list_kind kind,
	const struct list_input *in, long long actor_id, time_t now,
	struct form_errors *errs)
{
	const struct list_def *d = &defs[kind];
	const char *code = valid_trim(a, in->code), *name;
	long position;
	if (!code_ok(code))
		form_error(errs, "code", "A code is 1 to 40 lower-case letters, digits, - or _, "
			"such as dvd or large-print.");
	check_fields(a, in, true, &name, &position, errs);
	if (errs->n)
		return LISTS_INVALID;
	if (db_begin(db))
		return LISTS_ERROR;
	if (db_int(db, 0, d->code_taken, "t", code))
		form_error(errs, "code", arena_printf(a, "The code %s is already on the list.", code));
	if (db_int(db, 0, d->name_taken, "tt", name, code))
		form_error(errs, "name", "Another entry of the list has this name.");
	if (errs->n) {
		db_rollback(db);
		return LISTS_CONFLICT;
	}
	if (!position)
		position = (long)db_int(db, 1, d->next_position, NULL);
	bool ok = db_exec(db, d->insert, "tti", code, name, (long long)position) == SQLITE_OK &&
		!audit_change(db, a, d, actor_id, now, "add", code,
			arena_printf(a, "%s (position %ld)", name, position));
	return finish(db, ok);
}

enum lists_result lists_save(struct db *db, struct arena *a, enum list_kind kind,
	const char *code, const struct list_input *in, long long actor_id, time_t now,
	struct form_errors *errs)
{
	const struct list_def *d = &defs[kind];
	const char *name;
	long position;
	check_fields(a, in, false, &name, &position, errs);
	if (errs->n)
		return LISTS_INVALID;
	if (db_begin(db))
		return LISTS_ERROR;
	sqlite3_stmt *st = db_query(db, d->read, "t", code);
	if (!db_row(db, st)) {
		db_rollback(db);
		return LISTS_NOT_FOUND;
	}
	const char *old_name = db_text(a, st, 0);
	long old_position = (long)db_col_int(st, 1);
	db_done(st);
	if (db_int(db, 0, d->name_taken, "tt", name, code)) {
		db_rollback(db);
		form_error(errs, "name", "Another entry of the list has this name.");
		return LISTS_CONFLICT;
	}
	bool ok = db_exec(db, d->update, "tit", name, (long long)position, code) == SQLITE_OK &&
		!audit_change(db, a, d, actor_id, now, "save", code, arena_printf(a,
			"name %s -> %s; position %ld -> %ld", old_name, name, old_position, position));
	return finish(db, ok);
}

/* "1 copy", "12 copies". */
static const char *count_of(struct arena *a, long n, const char *one, const char *many)
{
	return arena_printf(a, "%ld %s", n, n == 1 ? one : many);
}

/* Why an entry in use cannot be deleted, e.g. "12 copies and 1 rule use
** this type." */
static const char *in_use_reason(struct arena *a, const struct list_def *d, long records,
	long rules)
{
	const char *who;
	if (records && rules)
		who = arena_printf(a, "%s and %s", count_of(a, records, d->record, d->records_word),
			count_of(a, rules, "rule", "rules"));
	else if (records)
		who = count_of(a, records, d->record, d->records_word);
	else
		who = count_of(a, rules, "rule", "rules");
	bool one = records + rules == 1;
	return arena_printf(a, "%s %s this %s, so it stays on the list. Give %s another "
		"%s first.", who, one ? "uses" : "use", d->noun, one ? "it" : "them", d->noun);
}

enum lists_result lists_delete(struct db *db, struct arena *a, enum list_kind kind,
	const char *code, long long actor_id, time_t now, const char **why)
{
	const struct list_def *d = &defs[kind];
	if (db_begin(db))
		return LISTS_ERROR;
	sqlite3_stmt *st = db_query(db, d->read, "t", code);
	if (!db_row(db, st)) {
		db_rollback(db);
		return LISTS_NOT_FOUND;
	}
	const char *name = db_text(a, st, 0);
	db_done(st);
	if (!strcmp(code, d->fallback)) {
		db_rollback(db);
		*why = d->fallback_why;
		return LISTS_CONFLICT;
	}
	long records = (long)db_int(db, 0, d->records, "t", code);
	long rules = (long)db_int(db, 0, d->rules, "t", code);
	if (records || rules) {
		db_rollback(db);
		*why = in_use_reason(a, d, records, rules);
		return LISTS_CONFLICT;
	}
	bool ok = db_exec(db, d->remove, "t", code) == SQLITE_OK &&
		!audit_change(db, a, d, actor_id, now, "delete", code, name);
	return finish(db, ok);
}

/* ---- codes typed into other forms ---- */

bool lists_check_code(struct db *db, enum list_kind kind,
	const char *code, const char *field, struct form_errors *errs)
{
	if (!code || !*code || lists_has(db, kind, code))
		return true;
	form_error(errs, field, defs[kind].unknown);
	return false;
}

int lists_check_rule(struct db *db, const char *category,
	const char *item_type, struct form_errors *errs)
{
	int before = errs->n;
	if (strcmp(category, "*"))
		lists_check_code(db, LIST_CATEGORY, category, "category", errs);
	if (strcmp(item_type, "*"))
		lists_check_code(db, LIST_ITEM_TYPE, item_type, "item_type", errs);
	return errs->n > before ? -1 : 0;
}

const char *lists_copy_item_type(struct db *db, struct arena *a, long long copy_id)
{
	sqlite3_stmt *st = db_query(db, "SELECT item_type FROM copy WHERE id = ?", "i", copy_id);
	if (!db_row(db, st))
		return "";
	const char *code = db_text(a, st, 0);
	db_done(st);
	return code;
}

enum lists_result lists_copy_set_item_type(struct db *db, long long copy_id,
	const char *code)
{
	int rc = db_exec(db, "UPDATE copy SET item_type = ? WHERE id = ?", "ti", code, copy_id);
	if (rc == SQLITE_CONSTRAINT)
		return LISTS_INVALID;
	if (rc != SQLITE_OK)
		return LISTS_ERROR;
	return db_changes(db) ? LISTS_OK : LISTS_NOT_FOUND;
}
