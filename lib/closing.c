/*
** closing.c: the weekly closing days. See closing.h.
*/
#include "closing.h"

#include <string.h>

static const char *const weekday_names[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
};

const char *closing_weekday_name(int weekday)
{
	return weekday >= 0 && weekday < 7 ? weekday_names[weekday] : "";
}

int closing_parse_weekday(const char *s)
{
	if (!s || s[0] < '0' || s[0] > '6' || s[1] != '\0')
		return -1;
	return s[0] - '0';
}

unsigned closing_weekly_mask(struct db *db)
{
	unsigned mask = 0;
	sqlite3_stmt *st = db_query(db, "SELECT weekday FROM closed_weekday", NULL);
	while (st && db_row(db, st)) {
		long long w = db_col_int(st, 0);
		if (w >= 0 && w < 7)
			mask |= 1u << w;
	}
	return mask;
}

int closing_weekly_list(struct db *db, struct arena *a, struct closing_weekday **out)
{
	*out = arena_calloc(a, sizeof **out * 7);
	int n = 0;
	sqlite3_stmt *st = db_query(db,
		"SELECT weekday, reason FROM closed_weekday ORDER BY weekday", NULL);
	while (st && db_row(db, st)) {
		if (n >= 7)
			continue;
		(*out)[n].weekday = (int)db_col_int(st, 0);
		(*out)[n].name = closing_weekday_name((*out)[n].weekday);
		(*out)[n].reason = db_text(a, st, 1);
		n++;
	}
	return n;
}

/* Inside a transaction: the audit row of a change to the weekly days. */
static int audit(struct db *db, long long actor_id, time_t now, const char *action,
	const char *detail)
{
	return db_exec(db, "INSERT INTO audit(at, actor_id, action, object, detail) "
		"VALUES (?, nullif(?, 0), ?, 'closed_weekday', ?)", "iitt", (long long)now,
		actor_id, action, detail) == SQLITE_OK ? 0 : -1;
}

int closing_weekly_add(struct db *db, struct arena *a, int weekday, const char *reason,
	long long actor_id, time_t now, const char **why)
{
	if (weekday < 0 || weekday > 6) {
		*why = "Choose a day of the week.";
		return -1;
	}
	if (!reason)
		reason = "";
	if (strlen(reason) > 200) {
		*why = "The reason can be at most 200 characters.";
		return -1;
	}
	*why = "The weekly closing day could not be saved just now.";
	if (db_begin(db))
		return -1;
	if (db_exec(db, "INSERT OR REPLACE INTO closed_weekday(weekday, reason) VALUES (?, ?)",
		"it", (long long)weekday, reason) != SQLITE_OK ||
	    audit(db, actor_id, now, "closed_weekday.add", arena_printf(a, "every %s: %s",
		closing_weekday_name(weekday), reason)) || db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	*why = NULL;
	return 0;
}

int closing_weekly_remove(struct db *db, int weekday, long long actor_id, time_t now)
{
	if (weekday < 0 || weekday > 6)
		return 1;
	if (db_begin(db))
		return -1;
	if (db_exec(db, "DELETE FROM closed_weekday WHERE weekday = ?", "i",
		(long long)weekday) != SQLITE_OK) {
		db_rollback(db);
		return -1;
	}
	if (!db_changes(db)) {
		db_rollback(db);
		return 1;
	}
	if (audit(db, actor_id, now, "closed_weekday.delete", closing_weekday_name(weekday)) ||
	    db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	return 0;
}
