/*
** centre.c: the notification centre and the cron task record as people
** read them. See centre.h.
*/
#include "centre.h"

#include <string.h>

long centre_count(struct db *db, long long account_id)
{
	return (long)db_int(db, 0, "SELECT count(*) FROM notification WHERE account_id = ?",
		"i", account_id);
}

int centre_list(struct db *db, struct arena *a, long long account_id, long offset,
	int per_page, struct centre_row **out)
{
	*out = arena_calloc(a, sizeof **out * (size_t)(per_page + 1));
	sqlite3_stmt *st = db_query(db, "SELECT id, created_at, coalesce(read_at, 0), kind, "
		"subject, body, link FROM notification WHERE account_id = ? "
		"ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?", "iii", account_id,
		(long long)per_page, (long long)offset);
	if (!st)
		return -1;
	int n = 0;
	while (db_row(db, st)) {
		struct centre_row *r = &(*out)[n++];
		r->id = db_col_int(st, 0);
		r->created_at = db_col_int(st, 1);
		r->read_at = db_col_int(st, 2);
		r->kind = db_text(a, st, 3);
		r->subject = db_text(a, st, 4);
		r->body = db_text(a, st, 5);
		r->link = db_text(a, st, 6);
	}
	return n;
}

int centre_mark_read(struct db *db, struct arena *a, long long account_id, long long id,
	time_t now, const char **link)
{
	sqlite3_stmt *st = db_query(db, "SELECT link FROM notification "
		"WHERE id = ? AND account_id = ?", "ii", id, account_id);
	if (!st)
		return -1;
	if (!db_row(db, st))
		return 1;
	*link = db_text(a, st, 0);
	db_done(st);
	return db_exec(db, "UPDATE notification SET read_at = ? "
		"WHERE id = ? AND account_id = ? AND read_at IS NULL", "iii", (long long)now, id,
		account_id) == SQLITE_OK ? 0 : -1;
}

int centre_mark_all_read(struct db *db, long long account_id, time_t now)
{
	if (db_exec(db, "UPDATE notification SET read_at = ? "
		"WHERE account_id = ? AND read_at IS NULL", "ii", (long long)now,
		account_id) != SQLITE_OK)
		return -1;
	return db_changes(db);
}

int centre_cron_tasks(struct db *db, struct arena *a, struct cron_task_row **out)
{
	int n = (int)db_int(db, 0, "SELECT count(*) FROM cron_task", NULL);
	*out = arena_calloc(a, sizeof **out * (size_t)(n + 1));
	sqlite3_stmt *st = db_query(db, "SELECT name, outcome, message, started_at, "
		"coalesce(finished_at, 0), runs FROM cron_task ORDER BY name", NULL);
	if (!st)
		return -1;
	int i = 0;
	while (db_row(db, st)) {
		if (i >= n)
			continue;
		struct cron_task_row *r = &(*out)[i++];
		r->name = db_text(a, st, 0);
		r->outcome = db_text(a, st, 1);
		r->message = db_text(a, st, 2);
		r->started_at = db_col_int(st, 3);
		r->finished_at = db_col_int(st, 4);
		r->runs = db_col_int(st, 5);
	}
	return i;
}
