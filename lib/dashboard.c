/*
** dashboard.c: the staff home's figures. See dashboard.h.
*/
#include "dashboard.h"

#include <string.h>

#include "calendar.h"
#include "members.h"

/* The first instant of the month holding day (library time). */
static time_t month_start(lday day, char out[11])
{
	int y, m, d;
	cal_to_ymd(day, &y, &m, &d);
	lday first = cal_from_ymd(y, m, 1);
	cal_format(first, out);
	return cal_day_start(first);
}

static time_t next_month_start(lday day)
{
	int y, m, d;
	cal_to_ymd(day, &y, &m, &d);
	return cal_day_start(m == 12 ? cal_from_ymd(y + 1, 1, 1) : cal_from_ymd(y, m + 1, 1));
}

int dashboard_get(struct db *db, time_t now, struct dashboard *d)
{
	memset(d, 0, sizeof *d);
	lday today = cal_day_of(now);
	char today_s[11];
	cal_format(today, today_s);
	d->active_members = member_count(db, &(struct member_filter){ .status = "active" }, today);
	d->expiring = member_count(db,
		&(struct member_filter){ .expiring_days = DASHBOARD_EXPIRING_DAYS }, today);
	d->members_owing = member_count(db, &(struct member_filter){ .owing = true }, today);
	if (d->active_members < 0 || d->expiring < 0 || d->members_owing < 0)
		return -1;
	d->loans_out = (long)db_int(db, 0,
		"SELECT count(*) FROM loan WHERE returned_at IS NULL", NULL);
	d->overdue = (long)db_int(db, 0,
		"SELECT count(*) FROM loan WHERE returned_at IS NULL AND due_day < ?", "t", today_s);
	d->holds_waiting = (long)db_int(db, 0,
		"SELECT count(*) FROM hold WHERE status = 'waiting'", NULL);
	d->holds_ready = (long)db_int(db, 0,
		"SELECT count(*) FROM hold WHERE status = 'ready'", NULL);
	d->ebook_grants = (long)db_int(db, 0, "SELECT count(*) FROM ebook_loan "
		"WHERE status = 'granted' AND access_until > ?", "i", (long long)now);
	d->ebook_requests = (long)db_int(db, 0,
		"SELECT count(*) FROM ebook_loan WHERE status = 'requested'", NULL);
	/* What the members counted in members_owing owe (the list's "owing"). */
	d->fines_owed_cents = db_int(db, 0, "SELECT coalesce(sum(owed), 0) FROM "
		"(SELECT sum(f.amount_cents) AS owed FROM fine f JOIN account a ON a.id = f.account_id "
		" WHERE a.role = 'member' GROUP BY f.account_id) WHERE owed > 0", NULL);
	long long from = month_start(today, d->month_start), to = next_month_start(today);
	sqlite3_stmt *st = db_query(db, "SELECT count(*), coalesce(sum(amount_cents), 0) "
		"FROM payment WHERE status = 'completed' AND completed_at >= ? AND completed_at < ?",
		"ii", from, to);
	if (!st)
		return -1;
	if (db_row(db, st)) {
		d->payments_month = (long)db_col_int(st, 0);
		d->payments_month_cents = db_col_int(st, 1);
		db_done(st);
	}
	return 0;
}
