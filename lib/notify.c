/*
** notify.c: the outbox of notices. See notify.h.
*/
#include "notify.h"

const char *notify_dedupe_key(struct arena *a, const struct notice *n)
{
	return arena_printf(a, "%s:%lld:%s:%s", n->kind, n->account_id, n->object, n->bucket);
}

int notify_queue(struct db *db, struct arena *a, time_t now, const struct notice *n)
{
	int rc = db_exec(db, "INSERT INTO outbox(account_id, channel, recipient, subject, body, "
		"dedupe_key, next_attempt_at, created_at) "
		"SELECT id, 'email', email, ?1, ?2, ?3, ?4, ?4 FROM account WHERE id = ?5 "
		"ON CONFLICT(dedupe_key) DO NOTHING", "tttii", n->subject, n->body,
		notify_dedupe_key(a, n), (long long)now, n->account_id);
	if (rc != SQLITE_OK)
		return -1;
	return db_changes(db) == 1 ? 1 : 0;
}

int notify_list(struct db *db, struct arena *a, long long account_id, int max,
	struct notice_row **out)
{
	*out = arena_calloc(a, sizeof **out * (size_t)(max + 1));
	sqlite3_stmt *st = db_query(db, "SELECT id, created_at, channel, recipient, subject, "
		"status FROM outbox WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
		"ii", account_id, (long long)max);
	if (!st)
		return -1;
	int n = 0;
	while (db_row(db, st)) {
		struct notice_row *r = &(*out)[n++];
		r->id = db_col_int(st, 0);
		r->created_at = db_col_int(st, 1);
		r->channel = db_text(a, st, 2);
		r->recipient = db_text(a, st, 3);
		r->subject = db_text(a, st, 4);
		r->status = db_text(a, st, 5);
	}
	return n;
}
