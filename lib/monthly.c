/*
** monthly.c: the monthly report to staff. See monthly.h.
*/
#include "monthly.h"

#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "desk.h"
#include "money.h"
#include "notify.h"
#include "svgchart.h"

static const char *const month_names[] = {
	"January", "February", "March", "April", "May", "June", "July", "August",
	"September", "October", "November", "December",
};

bool monthly_parse(const char *s, int *year, int *month)
{
	int y, m, n = 0;
	if (!s || strlen(s) != 7 || sscanf(s, "%4d-%2d%n", &y, &m, &n) != 2 || n != 7 ||
	    s[4] != '-' || y < 1970 || y > 9999 || m < 1 || m > 12)
		return false;
	*year = y;
	*month = m;
	return true;
}

void monthly_last_month(time_t now, int *year, int *month)
{
	int y, m, d;
	cal_to_ymd(cal_day_of(now), &y, &m, &d);
	if (--m == 0) {
		m = 12;
		y--;
	}
	*year = y;
	*month = m;
}

const char *monthly_name(struct arena *a, const struct monthly_report *r)
{
	return arena_printf(a, "%s %d", month_names[r->month - 1], r->year);
}

static long count_in_month(struct db *db, const struct monthly_report *r, const char *sql)
{
	return (long)db_int(db, 0, sql, "tt", r->first, r->next);
}

static int count_payments(struct db *db, struct arena *a, struct monthly_report *r,
	time_t start, time_t end)
{
	sqlite3_stmt *st = db_query(db, "SELECT purpose, count(*), sum(amount_cents) FROM payment "
		"WHERE status IN ('completed', 'refunded') AND completed_at >= ? AND completed_at < ? "
		"GROUP BY purpose ORDER BY purpose", "ii", (long long)start, (long long)end);
	if (!st)
		return -1;
	while (db_row(db, st)) {
		if (r->nkinds >= 3)
			continue;
		struct monthly_kind *k = &r->kinds[r->nkinds++];
		k->purpose = db_text(a, st, 0);
		k->count = (long)db_col_int(st, 1);
		k->cents = db_col_int(st, 2);
		r->payments += k->count;
		r->payments_cents += k->cents;
	}
	return 0;
}

static int top_titles(struct db *db, struct arena *a, struct monthly_report *r)
{
	sqlite3_stmt *st = db_query(db, "SELECT t.id, t.title, count(*) AS n FROM loan l "
		"JOIN copy c ON c.id = l.copy_id JOIN title t ON t.id = c.title_id "
		"WHERE l.loan_day >= ? AND l.loan_day < ? "
		"GROUP BY t.id ORDER BY n DESC, t.title, t.id LIMIT ?", "tti", r->first, r->next,
		(long long)MONTHLY_TOP);
	if (!st)
		return -1;
	while (db_row(db, st)) {
		if (r->ntop >= MONTHLY_TOP)
			continue;
		struct monthly_title *t = &r->top[r->ntop++];
		t->id = db_col_int(st, 0);
		t->title = db_text(a, st, 1);
		t->loans = (long)db_col_int(st, 2);
	}
	return 0;
}

static int loans_per_day(struct db *db, struct monthly_report *r)
{
	sqlite3_stmt *st = db_query(db, "SELECT CAST(substr(loan_day, 9, 2) AS INTEGER), count(*) "
		"FROM loan WHERE loan_day >= ? AND loan_day < ? GROUP BY loan_day", "tt",
		r->first, r->next);
	if (!st)
		return -1;
	while (db_row(db, st)) {
		long long day = db_col_int(st, 0);
		if (day >= 1 && day <= r->days)
			r->per_day[day - 1] = (long)db_col_int(st, 1);
	}
	return 0;
}

int monthly_compute(struct db *db, struct arena *a, int year, int month, time_t now,
	struct monthly_report *r)
{
	memset(r, 0, sizeof *r);
	r->year = year;
	r->month = month;
	snprintf(r->key, sizeof r->key, "%04d-%02d", year, month);
	lday first = cal_from_ymd(year, month, 1);
	lday next = month == 12 ? cal_from_ymd(year + 1, 1, 1) : cal_from_ymd(year, month + 1, 1);
	if (first < 0 || next < 0)
		return -1;
	cal_format(first, r->first);
	cal_format(next, r->next);
	r->days = (int)(next - first);
	lday today = cal_day_of(now);
	r->under_way = today < next;
	cal_format(r->under_way ? today : next, r->overdue_at);
	time_t start = cal_day_start(first), end = cal_day_start(next);

	r->loans = count_in_month(db, r, "SELECT count(*) FROM loan "
		"WHERE loan_day >= ? AND loan_day < ?");
	r->returns = count_in_month(db, r, "SELECT count(*) FROM loan "
		"WHERE return_day >= ? AND return_day < ?");
	r->renewals = count_in_month(db, r, "SELECT count(*) FROM membership "
		"WHERE status = 'active' AND payment_id IS NOT NULL "
		"AND start_day >= ? AND start_day < ?");
	/* Out when the month ended (lent before the next month's first day,
	** not yet returned on it) and due before that day; for a month under
	** way the same at the start of today. */
	r->overdue = (long)db_int(db, 0, "SELECT count(*) FROM loan WHERE loan_day < ?1 "
		"AND due_day < ?1 AND (return_day IS NULL OR return_day >= ?1)", "t", r->overdue_at);
	r->new_members = (long)db_int(db, 0, "SELECT count(*) FROM account WHERE role = 'member' "
		"AND created_at >= ? AND created_at < ?", "ii", (long long)start, (long long)end);
	if (count_payments(db, a, r, start, end) || top_titles(db, a, r) || loans_per_day(db, r))
		return -1;
	return 0;
}

/* ---- the chart ---- */

const char *monthly_svg(struct arena *a, const struct monthly_report *r)
{
	long most = 0;
	struct svg_bar *bars = arena_calloc(a, sizeof *bars * (size_t)(r->days > 0 ? r->days : 1));
	for (int d = 0; d < r->days; d++) {
		if (r->per_day[d] > most)
			most = r->per_day[d];
		bars[d].value = (double)r->per_day[d];
		bars[d].tip = arena_printf(a, "%d %s: %ld loan%s", d + 1, month_names[r->month - 1],
			r->per_day[d], r->per_day[d] == 1 ? "" : "s");
	}
	struct svg_chart c = {
		.id = "chart",
		.title = arena_printf(a, "Loans per day, %s", monthly_name(a, r)),
		.desc = arena_printf(a, "One bar a day, days 1 to %d; the busiest day had %ld loan%s, "
			"the month %ld in all.", r->days, most, most == 1 ? "" : "s", r->loans),
		.bars = bars,
		.nbars = r->days,
		.first_label = "1",
		.last_label = arena_printf(a, "%d", r->days),
		.value_label = arena_printf(a, "%ld", most),
	};
	return svgchart_bars(a, &c);
}

/* ---- the email ---- */

static const char *const purpose_words[][2] = {
	{ "plan", "Memberships" }, { "fine", "Fines" }, { "other", "Other" },
};

static struct tv *report_view(struct db *db, struct arena *a, const struct monthly_report *r)
{
	struct tv *v = tv_obj(a);
	tv_set_str(v, "month", monthly_name(a, r));
	tv_set_str(v, "library_name", desk_library_name(db, a));
	tv_set_int(v, "loans", r->loans);
	tv_set_int(v, "returns", r->returns);
	tv_set_int(v, "new_members", r->new_members);
	tv_set_int(v, "renewals", r->renewals);
	tv_set_int(v, "overdue", r->overdue);
	tv_set_bool(v, "under_way", r->under_way);
	tv_set_int(v, "payments", r->payments);
	tv_set_str(v, "payments_total", money_show(db, a, (long)r->payments_cents));
	struct tv *kinds = tv_set_list(v, "kinds");
	for (int i = 0; i < r->nkinds; i++) {
		struct tv *k = tv_obj(a);
		tv_set_str(k, "name", valid_label(r->kinds[i].purpose, purpose_words,
			sizeof purpose_words / sizeof purpose_words[0]));
		tv_set_int(k, "count", r->kinds[i].count);
		tv_set_str(k, "total", money_show(db, a, (long)r->kinds[i].cents));
		tv_push(kinds, k);
	}
	tv_set_bool(v, "has_payments", r->nkinds > 0);
	struct tv *top = tv_set_list(v, "top");
	for (int i = 0; i < r->ntop; i++) {
		struct tv *t = tv_obj(a);
		tv_set_int(t, "rank", i + 1);
		tv_set_str(t, "title", r->top[i].title);
		tv_set_int(t, "loans", r->top[i].loans);
		tv_set_str(t, "url", notify_url(a, arena_printf(a, "/titles/%lld", r->top[i].id)));
		tv_push(top, t);
	}
	tv_set_bool(v, "has_top", r->ntop > 0);
	tv_set_str(v, "chart", monthly_svg(a, r));
	tv_set_str(v, "staff_url", notify_url(a, "/staff"));
	return v;
}

static const char *render(const struct tmpl_set *tmpl, struct arena *a, const char *name,
	const struct tv *view, bool html)
{
	struct buf out = BUF_INIT;
	int rc = html ? tmpl_render(tmpl, name, view, a, &out)
	              : tmpl_render_text(tmpl, name, view, a, &out);
	const char *s = rc ? NULL : arena_strndup(a, out.data ? out.data : "", out.len);
	buf_free(&out);
	return s;
}

int monthly_send(struct db *db, struct arena *a, const struct tmpl_set *tmpl, int year,
	int month, time_t now, char *err, size_t errlen)
{
	struct monthly_report r;
	if (monthly_compute(db, a, year, month, now, &r)) {
		snprintf(err, errlen, "the figures could not be read: %s", db_errmsg(db));
		return -1;
	}
	const struct tv *view = report_view(db, a, &r);
	const char *html = render(tmpl, a, "email_monthly_report", view, true);
	const char *text = render(tmpl, a, "email_monthly_report_text", view, false);
	if (!html || !text) {
		snprintf(err, errlen, "the templates email_monthly_report and "
			"email_monthly_report_text are missing");
		return -1;
	}
	const char *subject = arena_printf(a, "Monthly report for %s", monthly_name(a, &r));
	if (db_begin(db)) {
		snprintf(err, errlen, "the database is busy: %s", db_errmsg(db));
		return -1;
	}
	if (db_exec(db, "INSERT INTO outbox(account_id, kind, channel, recipient, subject, body, "
		"body_html, dedupe_key, next_attempt_at, created_at) "
		"SELECT id, 'monthly-report', 'email', email, ?1, ?2, ?3, "
		"'monthly-report:' || id || ':' || ?4, ?5, ?5 FROM account "
		"WHERE role IN ('librarian', 'admin') AND disabled_at IS NULL ORDER BY id "
		"ON CONFLICT(dedupe_key, channel) DO NOTHING", "tttti", subject, text, html, r.key,
		(long long)now) != SQLITE_OK)
		goto fail;
	int queued = db_changes(db);
	if (queued > 0 && notify_staff(db, a, now, "monthly-report",
		arena_printf(a, "monthly-report:%s", r.key),
		arena_printf(a, "Monthly report for %s sent", monthly_name(a, &r)),
		arena_printf(a, "The report for %s was emailed to every librarian and admin: "
			"%ld loans, %ld returns, %ld new members.", monthly_name(a, &r), r.loans,
			r.returns, r.new_members), "/staff/notifications") < 0)
		goto fail;
	if (db_commit(db))
		goto fail;
	return queued;
fail:
	snprintf(err, errlen, "the report could not be queued: %s", db_errmsg(db));
	db_rollback(db);
	return -1;
}
