/*
** sections.c: keeping the library's sections. See sections.h.
*/
#include "sections.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"

enum section_result sections_validate(struct arena *a, struct section_input *in,
	struct form_errors *errs)
{
	in->name = valid_trim(a, in->name);
	in->description = valid_trim(a, in->description);
	const char *msg = valid_name(in->name);
	if (msg)
		form_error(errs, "name", msg);
	if (valid_utf8_chars(in->description) > SECTION_DESCRIPTION_MAX)
		form_error(errs, "description",
			"A description can be at most 2,000 characters.");
	return errs->n ? SECTION_INVALID : SECTION_OK;
}

/* The section other than id holding name in any case, or 0. */
static long long name_holder(struct db *db, const char *name, long long id)
{
	return db_int(db, 0, "SELECT id FROM section WHERE name = ? COLLATE NOCASE "
		"AND id <> ?", "ti", name, id);
}

static int record(struct db *db, long long actor_id, time_t now, const char *action,
	long long id, const char *detail, const char *before, const char *after)
{
	char object[40];
	snprintf(object, sizeof object, "section:%lld", id);
	return audit_record(db, actor_id, now, action, object, detail, before, after);
}

/* Positions 1..n in the present order, whatever made gaps or ties (a
** section deleted, two imported at once). */
static int renumber(struct db *db)
{
	return db_exec(db, "UPDATE section SET position = o.place FROM "
		"(SELECT id, row_number() OVER (ORDER BY position, id) AS place FROM section) o "
		"WHERE o.id = section.id AND section.position <> o.place", NULL) == SQLITE_OK ? 0 : -1;
}

static const char *taken_message = "Another section is already called that. "
	"Choose another name, or merge the two sections.";

enum section_result sections_add(struct db *db, long long actor_id,
	const struct section_input *in, time_t now, struct form_errors *errs,
	long long *id)
{
	if (db_begin(db))
		return SECTION_ERROR;
	if (name_holder(db, in->name, 0)) {
		db_rollback(db);
		form_error(errs, "name", taken_message);
		return SECTION_NAME_TAKEN;
	}
	if (renumber(db) ||
	    db_exec(db, "INSERT INTO section(name, description, position) VALUES (?, ?, "
		"(SELECT coalesce(max(position), 0) + 1 FROM section))", "tt",
		in->name, in->description) != SQLITE_OK)
		goto fail;
	*id = db_last_id(db);
	if (record(db, actor_id, now, "section.create", *id, in->name, NULL,
		in->description))
		goto fail;
	return db_commit(db) ? SECTION_ERROR : SECTION_OK;
fail:
	db_rollback(db);
	return SECTION_ERROR;
}

enum section_result sections_save(struct db *db, long long actor_id, long long id,
	const struct section_input *in, time_t now, struct form_errors *errs)
{
	if (db_begin(db))
		return SECTION_ERROR;
	sqlite3_stmt *st = db_query(db, "SELECT name, description FROM section WHERE id = ?",
		"i", id);
	if (!st)
		goto fail;
	if (!db_row(db, st)) {
		db_rollback(db);
		return SECTION_NOT_FOUND;
	}
	char old_name[SECTION_NAME_MAX * 4 + 1], old_description[SECTION_DESCRIPTION_MAX * 4 + 1];
	snprintf(old_name, sizeof old_name, "%s", sqlite3_column_text(st, 0));
	snprintf(old_description, sizeof old_description, "%s", sqlite3_column_text(st, 1));
	db_done(st);
	if (name_holder(db, in->name, id)) {
		db_rollback(db);
		form_error(errs, "name", taken_message);
		return SECTION_NAME_TAKEN;
	}
	bool renamed = strcmp(old_name, in->name) != 0;
	bool described = strcmp(old_description, in->description) != 0;
	if (!renamed && !described) {
		db_rollback(db);
		return SECTION_OK;
	}
	/* A new name rebuilds the search documents of its titles (the
	** trigger section_au_doc), inside this transaction. */
	if (db_exec(db, "UPDATE section SET name = ?, description = ? WHERE id = ?", "tti",
		in->name, in->description, id) != SQLITE_OK)
		goto fail;
	if (renamed && record(db, actor_id, now, "section.rename", id, in->name,
		old_name, in->name))
		goto fail;
	if (described && record(db, actor_id, now, "section.describe", id, in->name,
		old_description, in->description))
		goto fail;
	return db_commit(db) ? SECTION_ERROR : SECTION_OK;
fail:
	db_rollback(db);
	return SECTION_ERROR;
}

long sections_position(struct db *db, long long id)
{
	return (long)db_int(db, 0, "SELECT count(*) FROM section s, section me "
		"WHERE me.id = ?1 AND (s.position < me.position OR "
		"(s.position = me.position AND s.id <= me.id))", "i", id);
}

long sections_count(struct db *db)
{
	return (long)db_int(db, 0, "SELECT count(*) FROM section", NULL);
}

enum section_result sections_move(struct db *db, long long actor_id, long long id,
	long position, time_t now)
{
	if (db_begin(db))
		return SECTION_ERROR;
	if (renumber(db))
		goto fail;
	long old = (long)db_int(db, 0, "SELECT position FROM section WHERE id = ?", "i", id);
	if (!old) {
		db_rollback(db);
		return SECTION_NOT_FOUND;
	}
	long last = (long)db_int(db, 0, "SELECT count(*) FROM section", NULL);
	if (position < 1)
		position = 1;
	if (position > last)
		position = last;
	if (position == old) {
		db_rollback(db);
		return SECTION_OK;
	}
	int rc = position < old
		? db_exec(db, "UPDATE section SET position = position + 1 "
			"WHERE position >= ? AND position < ?", "ii", (long long)position, (long long)old)
		: db_exec(db, "UPDATE section SET position = position - 1 "
			"WHERE position > ? AND position <= ?", "ii", (long long)old, (long long)position);
	if (rc != SQLITE_OK ||
	    db_exec(db, "UPDATE section SET position = ? WHERE id = ?", "ii",
		(long long)position, id) != SQLITE_OK)
		goto fail;
	char before[24], after[24];
	snprintf(before, sizeof before, "%ld", old);
	snprintf(after, sizeof after, "%ld", position);
	sqlite3_stmt *st = db_query(db, "SELECT name FROM section WHERE id = ?", "i", id);
	char name[SECTION_NAME_MAX * 4 + 1] = "";
	if (st && db_row(db, st)) {
		snprintf(name, sizeof name, "%s", sqlite3_column_text(st, 0));
		db_done(st);
	}
	if (record(db, actor_id, now, "section.move", id, name, before, after))
		goto fail;
	return db_commit(db) ? SECTION_ERROR : SECTION_OK;
fail:
	db_rollback(db);
	return SECTION_ERROR;
}

/* The name of section id into out; false when there is none. */
static bool section_name(struct db *db, long long id, char *out, size_t size)
{
	sqlite3_stmt *st = db_query(db, "SELECT name FROM section WHERE id = ?", "i", id);
	if (!st || !db_row(db, st))
		return false;
	snprintf(out, size, "%s", sqlite3_column_text(st, 0));
	db_done(st);
	return true;
}

enum section_result sections_merge(struct db *db, long long actor_id, long long id,
	long long into, time_t now, long *moved)
{
	*moved = 0;
	if (id == into)
		return SECTION_SAME;
	if (db_begin(db))
		return SECTION_ERROR;
	char from_name[SECTION_NAME_MAX * 4 + 1], into_name[SECTION_NAME_MAX * 4 + 1];
	if (!section_name(db, id, from_name, sizeof from_name) ||
	    !section_name(db, into, into_name, sizeof into_name)) {
		db_rollback(db);
		return SECTION_NOT_FOUND;
	}
	/* Each title's counts, filter row and search document follow it
	** (the triggers of schema/0003 and 0010). */
	if (db_exec(db, "UPDATE title SET section_id = ? WHERE section_id = ?", "ii",
		into, id) != SQLITE_OK)
		goto fail;
	*moved = db_changes(db);
	if (db_exec(db, "DELETE FROM section WHERE id = ?", "i", id) != SQLITE_OK ||
	    renumber(db))
		goto fail;
	char detail[SECTION_NAME_MAX * 8 + 80], after[40];
	snprintf(detail, sizeof detail, "%ld title%s moved from %s into %s", *moved,
		*moved == 1 ? "" : "s", from_name, into_name);
	snprintf(after, sizeof after, "section:%lld", into);
	if (record(db, actor_id, now, "section.merge", id, detail, from_name, after))
		goto fail;
	return db_commit(db) ? SECTION_ERROR : SECTION_OK;
fail:
	db_rollback(db);
	return SECTION_ERROR;
}

enum section_result sections_delete(struct db *db, long long actor_id, long long id,
	time_t now)
{
	if (db_begin(db))
		return SECTION_ERROR;
	char name[SECTION_NAME_MAX * 4 + 1];
	if (!section_name(db, id, name, sizeof name)) {
		db_rollback(db);
		return SECTION_NOT_FOUND;
	}
	if (db_int(db, 0, "SELECT EXISTS (SELECT 1 FROM title WHERE section_id = ?)", "i", id)) {
		db_rollback(db);
		return SECTION_HAS_TITLES;
	}
	if (db_exec(db, "DELETE FROM section WHERE id = ?", "i", id) != SQLITE_OK ||
	    renumber(db) ||
	    record(db, actor_id, now, "section.delete", id, name, name, NULL))
		goto fail;
	return db_commit(db) ? SECTION_ERROR : SECTION_OK;
fail:
	db_rollback(db);
	return SECTION_ERROR;
}
