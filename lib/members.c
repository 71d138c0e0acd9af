/*
** members.c: membership plans, membership periods and the member list.
** See members.h for the model.
*/
#include "members.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

/* ---- plans ---- */

static void read_plan(struct arena *a, sqlite3_stmt *st, struct plan *p)
{
	p->id = db_col_int(st, 0);
	p->name = db_text(a, st, 1);
	p->duration_days = (int)db_col_int(st, 2);
	p->price_cents = (long)db_col_int(st, 3);
	p->active = db_col_int(st, 4) != 0;
	p->periods = (long)db_col_int(st, 5);
}

/* periods is counted only for the admin's list: it reads every period of
** the plan, which a look-up per payment or per imported row cannot afford. */
#define PLAN_COLUMNS "p.id, p.name, p.duration_days, p.price_cents, p.active, 0"
#define PLAN_COLUMNS_COUNTED "p.id, p.name, p.duration_days, p.price_cents, p.active, " \
	"(SELECT count(*) FROM membership m WHERE m.plan_id = p.id)"

int plans_list(struct db *db, struct arena *a, bool active_only, bool count_periods,
	struct plan **out)
{
	int n = (int)db_int(db, 0, "SELECT count(*) FROM plan", NULL);
	*out = arena_calloc(a, sizeof **out * (size_t)(n + 1));
	sqlite3_stmt *st = count_periods
		? db_query(db, "SELECT " PLAN_COLUMNS_COUNTED " FROM plan p "
			"WHERE p.active OR NOT ? ORDER BY p.price_cents, p.name", "i",
			(long long)active_only)
		: db_query(db, "SELECT " PLAN_COLUMNS " FROM plan p "
			"WHERE p.active OR NOT ? ORDER BY p.price_cents, p.name", "i",
			(long long)active_only);
	if (!st)
		return -1;
	int i = 0;
	while (db_row(db, st)) {
		if (i == n) {
			db_done(st);
			break;
		}
		read_plan(a, st, &(*out)[i++]);
	}
	return i;
}

int plan_get(struct db *db, struct arena *a, long long id, struct plan *out)
{
	sqlite3_stmt *st = db_query(db, "SELECT " PLAN_COLUMNS " FROM plan p WHERE p.id = ?",
		"i", id);
	if (!db_row(db, st))
		return -1;
	read_plan(a, st, out);
	db_done(st);
	return 0;
}

int plan_by_name(struct db *db, struct arena *a, const char *name, struct plan *out)
{
	sqlite3_stmt *st = db_query(db, "SELECT " PLAN_COLUMNS " FROM plan p WHERE p.name = ?",
		"t", name);
	if (!db_row(db, st))
		return -1;
	read_plan(a, st, out);
	db_done(st);
	return 0;
}

static long parse_days(const char *s)
{
	char *end;
	if (!s || !*s)
		return -1;
	long v = strtol(s, &end, 10);
	return *end || v < 1 || v > 3660 ? -1 : v;
}

bool plan_validate(struct arena *a, const struct plan_input *in, struct plan *out,
	struct form_errors *errs)
{
	memset(out, 0, sizeof *out);
	out->name = valid_trim(a, in->name);
	if (!*out->name || strlen(out->name) > 80)
		form_error(errs, "name", "Give the plan a name of up to 80 characters.");
	long days = parse_days(valid_trim(a, in->duration_days));
	if (days < 0)
		form_error(errs, "duration_days", "Give the duration as a number of days "
			"from 1 to 3660.");
	out->duration_days = (int)days;
	const char *price = valid_trim(a, in->price);
	long long cents = *price ? money_parse(price) : 0;   /* "5.00" or "5.00 €" */
	if (cents < 0 || cents > 100000000)
		form_error(errs, "price", "Write the price as an amount such as 5.00 "
			"(0 for a free plan).");
	out->price_cents = (long)cents;
	out->active = in->active && *in->active;
	return errs->n == 0;
}

int plan_save(struct db *db, long long id, const struct plan *p, time_t now,
	long long actor_id, struct form_errors *errs)
{
	if (db_begin(db))
		return -1;
	int rc = id
		? db_exec(db, "UPDATE plan SET name = ?, duration_days = ?, price_cents = ?, "
			"active = ? WHERE id = ?", "tiiii", p->name, (long long)p->duration_days,
			(long long)p->price_cents, (long long)p->active, id)
		: db_exec(db, "INSERT INTO plan(name, duration_days, price_cents, active, "
			"created_at) VALUES (?, ?, ?, ?, ?)", "tiiii", p->name,
			(long long)p->duration_days, (long long)p->price_cents,
			(long long)p->active, (long long)now);
	if (rc == SQLITE_CONSTRAINT) {
		db_rollback(db);
		form_error(errs, "name", "Another plan already has this name.");
		return -1;
	}
	char detail[160];
	snprintf(detail, sizeof detail, "%s: %d days, %ld cents%s", p->name,
		p->duration_days, p->price_cents, p->active ? "" : ", retired");
	if (rc != SQLITE_OK ||
	    db_exec(db, "INSERT INTO audit(at, actor_id, action, object, detail) "
		"VALUES (?, ?, 'plan.save', ?, ?)", "iitt", (long long)now, actor_id,
		id ? "plan" : "plan:new", detail) != SQLITE_OK) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db);
}

/* ---- a member's standing ---- */

void membership_status(struct db *db, struct arena *a, long long account_id,
	lday today, struct membership_status *out)
{
	memset(out, 0, sizeof *out);
	out->plan_name = "";
	out->pending_plan_name = "";
	sqlite3_stmt *st = db_query(db, "SELECT a.member_until, coalesce(p.name, ''), "
		"coalesce(p.id, 0) FROM account a LEFT JOIN plan p ON p.id = a.member_plan_id "
		"WHERE a.id = ?", "i", account_id);
	if (db_row(db, st)) {
		snprintf(out->until, sizeof out->until, "%s", db_text(a, st, 0));
		out->plan_name = db_text(a, st, 1);
		out->plan_id = db_col_int(st, 2);
		db_done(st);
	}
	st = db_query(db, "SELECT p.id, p.name, m.price_cents FROM membership m "
		"JOIN plan p ON p.id = m.plan_id WHERE m.account_id = ? AND m.status = 'pending' "
		"ORDER BY m.id DESC LIMIT 1", "i", account_id);
	if (db_row(db, st)) {
		out->pending_plan_id = db_col_int(st, 0);
		out->pending_plan_name = db_text(a, st, 1);
		out->pending_price_cents = (long)db_col_int(st, 2);
		db_done(st);
	}
	lday until;
	if (out->until[0] && cal_parse(out->until, &until)) {
		out->days_left = until - today;
		out->standing = until >= today ? STANDING_ACTIVE : STANDING_EXPIRED;
	} else {
		out->until[0] = '\0';
		out->standing = out->pending_plan_id ? STANDING_PENDING : STANDING_NONE;
	}
	static const char *labels[] = { "none", "pending", "active", "expired" };
	out->label = labels[out->standing];
}

/* The reason of membership_refusal, for the desk or said to the member. */
static const char *refusal(struct db *db, struct arena *a, long long account_id, lday today,
	bool to_member)
{
	struct membership_status s;
	membership_status(db, a, account_id, today, &s);
	switch (s.standing) {
	case STANDING_ACTIVE:
		return NULL;
	case STANDING_EXPIRED:
		return arena_printf(a, to_member
			? "Your membership expired on %s; you can borrow and place holds again "
			  "once it is renewed."
			: "The membership expired on %s; the member can borrow again once it is "
			  "renewed.", s.until);
	case STANDING_PENDING:
		return arena_printf(a, to_member
			? "Your membership (%s plan) is waiting for its payment of %s; you can "
			  "borrow and place holds once it is paid."
			: "The membership (%s plan) is waiting for its payment of %s; the member "
			  "can borrow once it is paid.", s.pending_plan_name,
			money_show(db, a, s.pending_price_cents));
	default:
		return to_member
			? "You have no membership yet; choose a plan to borrow and place holds."
			: "This account has no membership; choose a plan for it to borrow.";
	}
}

const char *membership_refusal(struct db *db, struct arena *a, long long account_id,
	lday today)
{
	return refusal(db, a, account_id, today, false);
}

const char *membership_refusal_to_member(struct db *db, struct arena *a,
	long long account_id, lday today)
{
	return refusal(db, a, account_id, today, true);
}

/* Recompute account.member_until and member_plan_id from the periods. */
static int sync_account(struct db *db, long long account_id, time_t now)
{
	return db_exec(db, "UPDATE account SET "
		"member_until = (SELECT max(end_day) FROM membership "
		"  WHERE account_id = ?1 AND status = 'active'), "
		"member_plan_id = (SELECT plan_id FROM membership "
		"  WHERE account_id = ?1 AND status = 'active' ORDER BY end_day DESC, id DESC LIMIT 1), "
		"updated_at = ?2 WHERE id = ?1", "ii", account_id, (long long)now) == SQLITE_OK
		? 0 : -1;
}

/* Periods still waiting for a payment once the membership has been
** activated or extended some other way (another plan paid for, a free
** plan, staff setting an expiry) are not needed any more: cancelled, so the
** member is not shown "waiting for payment" of a plan they did not take. */
static int cancel_pending(struct db *db, long long account_id, const char *by_plan,
	time_t now)
{
	struct arena scratch;
	arena_init(&scratch, 0);
	const char *note = *by_plan
		? arena_printf(&scratch, "not needed: the membership was taken with %s", by_plan)
		: "not needed: the membership was set by staff";
	int rc = db_exec(db, "UPDATE membership SET status = 'cancelled', cancelled_at = ?, "
		"note = ? WHERE account_id = ? AND status = 'pending'", "iti", (long long)now, note,
		account_id);
	arena_free(&scratch);
	return rc == SQLITE_OK ? 0 : -1;
}

int membership_add_pending(struct db *db, long long account_id, const struct plan *p,
	time_t now)
{
	return db_exec(db, "INSERT INTO membership(account_id, plan_id, status, price_cents, "
		"created_at) VALUES (?, ?, 'pending', ?, ?)", "iiii", account_id, p->id,
		(long long)p->price_cents, (long long)now) == SQLITE_OK ? 0 : -1;
}

int membership_join_pending(struct db *db, long long account_id, const struct plan *p,
	time_t now)
{
	if (db_begin(db))
		return -1;
	if (membership_add_pending(db, account_id, p, now) || db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

/* The member's last valid day into out ("" when never a member); true
** when there is one. */
static bool member_until(struct db *db, long long account_id, char out[11])
{
	out[0] = '\0';
	sqlite3_stmt *st = db_query(db, "SELECT member_until FROM account WHERE id = ? "
		"AND member_until IS NOT NULL", "i", account_id);
	if (!db_row(db, st))
		return false;
	snprintf(out, 11, "%s", (const char *)sqlite3_column_text(st, 0));
	db_done(st);
	return true;
}

/* The first day of a renewal: the later of today and the current expiry
** (renewing early loses nothing; renewing late does not back-date). */
static lday renewal_start(struct db *db, long long account_id, lday today)
{
	char s[11];
	lday until;
	return member_until(db, account_id, s) && cal_parse(s, &until) && until > today
		? until : today;
}

int membership_extend(struct db *db, long long account_id, const struct plan *p,
	long long payment_id, lday today, time_t now, char until[11])
{
	lday start = renewal_start(db, account_id, today);
	lday end = start + p->duration_days;
	char start_s[11], end_s[11];
	cal_format(start, start_s);
	cal_format(end, end_s);
	long long pending = db_int(db, 0, "SELECT id FROM membership WHERE account_id = ? "
		"AND plan_id = ? AND status = 'pending' ORDER BY id LIMIT 1", "ii",
		account_id, p->id);
	int rc = pending
		? db_exec(db, "UPDATE membership SET status = 'active', start_day = ?, end_day = ?, "
			"payment_id = nullif(?, 0) WHERE id = ?", "ttii", start_s, end_s,
			payment_id, pending)
		: db_exec(db, "INSERT INTO membership(account_id, plan_id, status, start_day, "
			"end_day, price_cents, payment_id, created_at) "
			"VALUES (?, ?, 'active', ?, ?, ?, nullif(?, 0), ?)", "iittiii", account_id,
			p->id, start_s, end_s, (long long)p->price_cents, payment_id, (long long)now);
	if (rc != SQLITE_OK || cancel_pending(db, account_id, p->name, now) ||
	    sync_account(db, account_id, now))
		return -1;
	snprintf(until, 11, "%s", end_s);
	return 0;
}

int membership_set_until(struct db *db, long long account_id, long long plan_id,
	lday today, lday until, time_t now)
{
	char start_s[11], end_s[11];
	cal_format(today < until ? today : until, start_s);
	cal_format(until, end_s);
	if (db_exec(db, "INSERT INTO membership(account_id, plan_id, status, start_day, end_day, "
		"created_at) VALUES (?, nullif(?, 0), 'active', ?, ?, ?)", "iitti", account_id,
		plan_id, start_s, end_s, (long long)now) != SQLITE_OK ||
	    cancel_pending(db, account_id, "", now))
		return -1;
	return sync_account(db, account_id, now);
}

const char *membership_free_plan_refusal(struct db *db, struct arena *a,
	long long account_id, lday today)
{
	long window = (long)db_int(db, 14, "SELECT CAST(value AS INTEGER) FROM setting "
		"WHERE key = 'membership.free_plan_window_days'", NULL);
	char until_s[11];
	lday until;
	if (!member_until(db, account_id, until_s) || !cal_parse(until_s, &until) ||
	    until - today <= window)
		return NULL;
	char opens[11];
	cal_format(until - window, opens);
	return arena_printf(a, "Your membership is valid until %s. A free plan can be taken "
		"again from %s, %ld days before it ends; a paid plan can be added at any time.",
		until_s, opens, window);
}

/* Move the active periods of a member that start on or after day `from`
** back by `days` (they were chained after a period that was cut). */
static int shift_later_periods(struct db *db, long long account_id, long long except_id,
	const char *from, long days, const char *note)
{
	return db_exec(db, "UPDATE membership SET "
		"start_day = date(start_day, printf('-%d days', ?1)), "
		"end_day = date(end_day, printf('-%d days', ?1)), "
		"note = trim(note || ' ' || ?2) "
		"WHERE account_id = ?3 AND status = 'active' AND id <> ?4 AND start_day >= ?5",
		"itiit", (long long)days, note, account_id, except_id, from) == SQLITE_OK ? 0 : -1;
}

/* Cancel (not begun) or cut short (under way) period id running from
** start to end; out gets the days taken off. */
static int cut_period(struct db *db, struct arena *a, long long id, lday start, lday end,
	const char *why, lday today, time_t now, struct membership_undo *out)
{
	char end_s[11];
	cal_format(end, end_s);
	if (start >= today) {
		out->cancelled = true;
		out->days_removed = end - start;
		return db_exec(db, "UPDATE membership SET status = 'cancelled', cancelled_at = ?, "
			"note = ? WHERE id = ?", "iti", (long long)now,
			arena_printf(a, "cancelled: %s", why), id) == SQLITE_OK ? 0 : -1;
	}
	if (end < today)
		return 0;      /* over already: nothing to take back */
	char new_end[11];
	cal_format(today - 1, new_end);
	out->days_removed = end - (today - 1);
	return db_exec(db, "UPDATE membership SET end_day = ?, note = ? WHERE id = ?", "tti",
		new_end, arena_printf(a, "cut short (was until %s): %s", end_s, why), id)
		== SQLITE_OK ? 0 : -1;
}

int membership_undo_payment(struct db *db, struct arena *a, long long payment_id,
	const char *why, lday today, time_t now, struct membership_undo *out)
{
	memset(out, 0, sizeof *out);
	long long id = 0, account_id = 0;
	lday start = 0, end = 0;
	sqlite3_stmt *st = db_query(db, "SELECT id, account_id, start_day, end_day FROM membership "
		"WHERE payment_id = ? AND status = 'active'", "i", payment_id);
	if (db_row(db, st)) {
		id = db_col_int(st, 0);
		account_id = db_col_int(st, 1);
		cal_parse(db_text(a, st, 2), &start);
		cal_parse(db_text(a, st, 3), &end);
		db_done(st);
	}
	if (!id)
		return 0;
	char end_s[11];
	cal_format(end, end_s);
	if (cut_period(db, a, id, start, end, why, today, now, out))
		return -1;
	if (out->days_removed > 0 && shift_later_periods(db, account_id, id, end_s,
		out->days_removed, arena_printf(a, "moved back %ld days: %s", out->days_removed, why)))
		return -1;
	if (sync_account(db, account_id, now))
		return -1;
	out->found = true;
	member_until(db, account_id, out->until);
	return 0;
}

int membership_periods(struct db *db, struct arena *a, long long account_id,
	lday today, struct membership_period **out)
{
	int n = (int)db_int(db, 0, "SELECT count(*) FROM membership WHERE account_id = ?",
		"i", account_id);
	*out = arena_calloc(a, sizeof **out * (size_t)(n + 1));
	char today_s[11];
	cal_format(today, today_s);
	sqlite3_stmt *st = db_query(db, "SELECT m.id, coalesce(p.name, ''), "
		"CASE WHEN m.status = 'active' AND m.end_day < ? THEN 'expired' ELSE m.status END, "
		"coalesce(m.start_day, ''), coalesce(m.end_day, ''), m.price_cents, "
		"coalesce(m.payment_id, 0), m.note FROM membership m LEFT JOIN plan p ON p.id = m.plan_id "
		"WHERE m.account_id = ? ORDER BY m.id DESC", "ti", today_s, account_id);
	if (!st)
		return -1;
	int i = 0;
	while (db_row(db, st)) {
		if (i == n) {
			db_done(st);
			break;
		}
		struct membership_period *m = &(*out)[i++];
		m->id = db_col_int(st, 0);
		m->plan_name = db_text(a, st, 1);
		m->status = db_text(a, st, 2);
		m->start_day = db_text(a, st, 3);
		m->end_day = db_text(a, st, 4);
		m->price_cents = (long)db_col_int(st, 5);
		m->payment_id = db_col_int(st, 6);
		m->note = db_text(a, st, 7);
	}
	return i;
}

int member_set_category(struct db *db, long long account_id, const char *category,
	time_t now)
{
	return db_exec(db, "UPDATE account SET category = ?, updated_at = ? WHERE id = ?",
		"tii", category, (long long)now, account_id) == SQLITE_OK ? 0 : -1;
}

/* ---- the member list ---- */

static const char *const sort_names[MSORT_COUNT] = {
	"name", "email", "phone", "card", "category", "plan", "until", "owed", "status",
};

/* ORDER BY terms, each with the id as a tie-break so pages are stable. */
static const char *const sort_sql[MSORT_COUNT] = {
	"a.name COLLATE NOCASE %s, a.id",
	"a.email %s, a.id",
	"a.phone %s, a.id",
	"a.card_number %s, a.id",
	"a.category %s, a.name COLLATE NOCASE, a.id",
	"plan_name COLLATE NOCASE %s, a.name COLLATE NOCASE, a.id",
	"a.member_until %s NULLS LAST, a.id",
	"owed %s, a.name COLLATE NOCASE, a.id",
	"status %s, a.name COLLATE NOCASE, a.id",
};

enum member_sort member_sort_parse(const char *s)
{
	for (int i = 0; s && i < MSORT_COUNT; i++)
		if (!strcmp(s, sort_names[i]))
			return (enum member_sort)i;
	return MSORT_NAME;
}

const char *member_sort_name(enum member_sort s)
{
	return sort_names[s < MSORT_COUNT ? s : MSORT_NAME];
}

/* The members with their fines owed (fb.balance_cents), for the column,
** its sort and the "owing" filter alike: the recorded balance of the view
** fine_balance, which lib/circulation.c reads too. */
#define MEMBER_FROM "FROM account a JOIN fine_balance fb ON fb.account_id = a.id "

/* The WHERE clause shared by the count and the page. Parameters are
** numbered so both statements bind the same list:
**   ?1 search text, ?2 card, ?3 status, ?4 plan, ?5 today, ?6 expiry limit,
**   ?7 owing. */
#define MEMBER_WHERE \
	"WHERE a.role = 'member' AND a.removed_at IS NULL " \
	"AND (?1 = '' OR a.card_number = ?2 OR instr(lower(a.name), lower(?1)) " \
	"     OR instr(lower(a.email), lower(?1)) OR instr(a.phone, ?1)) " \
	"AND (?3 = '' " \
	"  OR (?3 = 'active' AND a.member_until >= ?5) " \
	"  OR (?3 = 'expired' AND a.member_until < ?5) " \
	"  OR (?3 IN ('pending', 'none') AND a.member_until IS NULL " \
	"      AND (?3 = 'pending') = EXISTS (SELECT 1 FROM membership m " \
	"          WHERE m.account_id = a.id AND m.status = 'pending'))) " \
	"AND (?4 = 0 OR a.member_plan_id = ?4) " \
	"AND (?6 = '' OR (a.member_until >= ?5 AND a.member_until <= ?6)) " \
	"AND (NOT ?7 OR fb.balance_cents > 0) "

#define MEMBER_BINDS "tttitti"

/* The page query for a sort order. The statement cache keys on the SQL
** text and keeps the pointer, so each of the (few) texts is built once and
** lives as long as the worker. */
static const char *member_page_sql(enum member_sort sort, bool descending)
{
	static char *texts[MSORT_COUNT][2];
	char **slot = &texts[sort][descending];
	if (*slot)
		return *slot;
	char order[160];
	snprintf(order, sizeof order, sort_sql[sort], descending ? "DESC" : "ASC");
	if (asprintf(slot, "SELECT a.id, a.name, a.email, a.phone, "
		"coalesce(a.card_number, ''), a.category, coalesce(p.name, '') AS plan_name, "
		"coalesce(a.member_until, ''), "
		"CASE WHEN a.member_until >= ?5 THEN 'active' "
		"     WHEN a.member_until < ?5 THEN 'expired' "
		"     WHEN EXISTS (SELECT 1 FROM membership m WHERE m.account_id = a.id "
		"                  AND m.status = 'pending') THEN 'pending' ELSE 'none' END AS status, "
		"fb.balance_cents AS owed "
		MEMBER_FROM "LEFT JOIN plan p ON p.id = a.member_plan_id "
		MEMBER_WHERE "ORDER BY %s LIMIT ?8 OFFSET ?9", order) < 0)
		abort();
	return *slot;
}

long member_count(struct db *db, const struct member_filter *f, lday today)
{
	char today_s[11], limit_s[11] = "";
	cal_format(today, today_s);
	if (f->expiring_days > 0)
		cal_format(today + f->expiring_days, limit_s);
	const char *q = f->q ? f->q : "";
	const char *status = f->status ? f->status : "";
	return (long)db_int(db, -1, "SELECT count(*) " MEMBER_FROM MEMBER_WHERE, MEMBER_BINDS,
		q, q, status, f->plan_id, today_s, limit_s, (long long)f->owing);
}

long member_list(struct db *db, struct arena *a, const struct member_filter *f,
	lday today, struct member_row *out, long *total)
{
	char today_s[11], limit_s[11] = "";
	cal_format(today, today_s);
	if (f->expiring_days > 0)
		cal_format(today + f->expiring_days, limit_s);
	const char *q = f->q ? f->q : "";
	const char *status = f->status ? f->status : "";
	*total = member_count(db, f, today);
	if (*total < 0)
		*total = 0;
	enum member_sort sort = f->sort < MSORT_COUNT ? f->sort : MSORT_NAME;
	const char *sql = member_page_sql(sort, f->descending);
	long offset = (f->page - 1) * f->per_page;
	sqlite3_stmt *st = db_query(db, sql, MEMBER_BINDS "ii", q, q, status, f->plan_id,
		today_s, limit_s, (long long)f->owing, (long long)f->per_page, (long long)offset);
	if (!st)
		return -1;
	long n = 0;
	while (db_row(db, st)) {
		if (n == f->per_page) {
			db_done(st);
			break;
		}
		struct member_row *r = &out[n++];
		r->id = db_col_int(st, 0);
		r->name = db_text(a, st, 1);
		r->email = db_text(a, st, 2);
		r->phone = db_text(a, st, 3);
		r->card_number = db_text(a, st, 4);
		r->category = db_text(a, st, 5);
		r->plan_name = db_text(a, st, 6);
		r->until = db_text(a, st, 7);
		r->status = db_text(a, st, 8);
		r->owed_cents = (long)db_col_int(st, 9);
	}
	return n;
}
