/*
** circulation.c: checkout, checkin, renewals, holds and fines. See
** circulation.h.
*/
#include "circulation.h"

#include "audit.h"
#include "closing.h"
#include "members.h"
#include "money.h"
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(struct circ_result *r, enum circ_code code, const char *message)
{
	r->code = code;
	r->message = message;
}

/* The why of a refusal that a circulation rule produced. */
static void why_rule(struct circ_why *w, long long rule_id, const char *category,
	const char *item_type, const char *what, const char *limit)
{
	*w = (struct circ_why){ .kind = CIRC_WHY_RULE, .rule_id = rule_id,
		.category = category, .item_type = item_type, .what = what, .limit = limit };
}

/* The why of a refusal that a library-wide setting produced. */
static void why_setting(struct circ_why *w, const char *key, const char *what,
	const char *limit)
{
	*w = (struct circ_why){ .kind = CIRC_WHY_SETTING, .setting = key, .what = what,
		.limit = limit };
}

static long setting_long(struct db *db, const char *key, long def)
{
	return (long)db_int(db, def, "SELECT CAST(value AS INTEGER) FROM setting WHERE key = ?",
		"t", key);
}

void circ_settings_get(struct db *db, struct circ_settings *out)
{
	out->block_fines_cents = setting_long(db, CIRC_SETTING_BLOCK_FINES, 500);
	out->renew_overdue_days = setting_long(db, CIRC_SETTING_RENEW_OVERDUE, 30);
}

static lday day_of_text(const char *s)
{
	lday d = 0;
	cal_parse(s, &d);
	return d;
}

static void rule_from_row(struct arena *a, sqlite3_stmt *st, struct circ_rule *out)
{
	out->id = db_col_int(st, 0);
	out->category = db_text(a, st, 1);
	out->item_type = db_text(a, st, 2);
	out->loan_days = (int)db_col_int(st, 3);
	out->max_loans = (int)db_col_int(st, 4);
	out->max_renewals = (int)db_col_int(st, 5);
	out->fine_per_day_cents = (long)db_col_int(st, 6);
	out->grace_days = (int)db_col_int(st, 7);
	out->fine_cap_cents = (long)db_col_int(st, 8);
	out->hold_pickup_days = (int)db_col_int(st, 9);
	out->no_renewal_before_days = sqlite3_column_type(st, 10) == SQLITE_NULL
		? -1 : (int)db_col_int(st, 10);
}

int circ_rule_for(struct db *db, struct arena *a, const char *category,
	const char *item_type, struct circ_rule *out)
{
	/* Exact pair first, then the category, then the item type, then any. */
	sqlite3_stmt *st = db_query(db,
		"SELECT id, category, item_type, loan_days, max_loans, max_renewals, "
		"  fine_per_day_cents, grace_days, fine_cap_cents, hold_pickup_days, "
		"  no_renewal_before_days "
		"FROM circ_rule "
		"WHERE category IN (?1, '*') AND item_type IN (?2, '*') "
		"ORDER BY (category = ?1) * 2 + (item_type = ?2) DESC LIMIT 1",
		"tt", category, item_type);
	if (!st || !db_row(db, st))
		return -1;
	rule_from_row(a, st, out);
	db_done(st);
	return 0;
}

int circ_closed_days(struct db *db, struct arena *a, struct closed_days *out)
{
	long n = (long)db_int(db, 0, "SELECT count(*) FROM closed_day", NULL);
	lday *days = arena_alloc(a, sizeof *days * (size_t)(n ? n : 1));
	sqlite3_stmt *st = db_query(db, "SELECT day FROM closed_day ORDER BY day", NULL);
	if (!st)
		return -1;
	size_t i = 0;
	while (db_row(db, st)) {
		lday d;
		if ((long)i < n && cal_parse((const char *)sqlite3_column_text(st, 0), &d))
			days[i++] = d;
	}
	out->days = days;
	out->n = i;
	out->weekly = closing_weekly_mask(db);
	return 0;
}

long long circ_find_member(struct db *db, const char *email_or_card)
{
	if (!email_or_card || !*email_or_card)
		return 0;
	return db_int(db, 0, "SELECT id FROM account WHERE email = ?1 OR card_number = ?1",
		"t", email_or_card);
}

/* ---- fines ---- */

/* An open loan's terms: the rule it was made under (its snapshot), its due
** day, and how far its lateness is already in the ledger. */
struct loan_terms {
	long long id;
	long long account_id;
	long long copy_id;
	const char *title;
	lday due;
	struct fine_rule fine;
	int max_renewals;
	int loan_days;
	int renewals;
	bool recorded;       /* lateness up to recorded_to is in the ledger */
	lday recorded_to;
	int no_renewal_before;  /* days before due; -1: any time */
	long long rule_id;   /* the rule it was made under (0: since deleted) */
	const char *rule_category, *rule_item_type;
};

static int loan_terms(struct db *db, struct arena *a, long long loan_id, struct loan_terms *t)
{
	sqlite3_stmt *st = db_query(db,
		"SELECT l.id, l.account_id, l.copy_id, l.due_day, l.fine_per_day_cents, "
		"  l.grace_days, l.fine_cap_cents, l.max_renewals, l.loan_days, l.renewals, "
		"  l.fine_recorded_day, t.title, coalesce(l.rule_id, 0), l.rule_category, "
		"  l.rule_item_type, coalesce(l.no_renewal_before_days, -1) "
		"FROM loan l JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id "
		"WHERE l.id = ? AND l.returned_at IS NULL", "i", loan_id);
	if (!st || !db_row(db, st))
		return -1;
	t->id = db_col_int(st, 0);
	t->account_id = db_col_int(st, 1);
	t->copy_id = db_col_int(st, 2);
	t->due = day_of_text((const char *)sqlite3_column_text(st, 3));
	t->fine.per_day_cents = (long)db_col_int(st, 4);
	t->fine.grace_days = (int)db_col_int(st, 5);
	t->fine.cap_cents = (long)db_col_int(st, 6);
	t->max_renewals = (int)db_col_int(st, 7);
	t->loan_days = (int)db_col_int(st, 8);
	t->renewals = (int)db_col_int(st, 9);
	t->recorded = sqlite3_column_type(st, 10) != SQLITE_NULL &&
		cal_parse((const char *)sqlite3_column_text(st, 10), &t->recorded_to);
	t->title = db_text(a, st, 11);
	t->rule_id = db_col_int(st, 12);
	t->rule_category = db_text(a, st, 13);
	t->rule_item_type = db_text(a, st, 14);
	t->no_renewal_before = (int)db_col_int(st, 15);
	db_done(st);
	return 0;
}

/* What the ledger holds for a loan already (recorded at a renewal while
** overdue, or before a payment): the cap applies to the loan as a whole. */
static long accrued_for_loan(struct db *db, long long loan_id)
{
	return (long)db_int(db, 0, "SELECT coalesce(sum(amount_cents), 0) FROM fine "
		"WHERE loan_id = ? AND kind = 'accrued'", "i", loan_id);
}

/* What a loan's lateness up to day on adds to the ledger: the fine for the
** days after those already recorded, within the loan's cap on all it has
** accrued. days_late and days_charged describe the whole lateness since the
** due day. Recorded days are subtracted as the fine for them today, so a
** closed day added later changes only days not yet recorded. */
static struct fine_calc loan_fine_until(struct db *db, const struct closed_days *closed,
	const struct loan_terms *t, lday on)
{
	struct fine_rule uncapped = t->fine;
	uncapped.cap_cents = 0;
	struct fine_calc f = cal_fine(closed, &uncapped, t->due, on);
	if (t->recorded)
		f.cents -= cal_fine(closed, &uncapped, t->due,
			t->recorded_to < on ? t->recorded_to : on).cents;
	long before = accrued_for_loan(db, t->id);
	if (t->fine.cap_cents > 0 && f.cents + before > t->fine.cap_cents) {
		f.cents = t->fine.cap_cents > before ? t->fine.cap_cents - before : 0;
		f.capped = true;
	}
	return f;
}

/* Inside a transaction: put what a loan's lateness has run up to today and
** the ledger does not hold yet into it, as an accrued row with reason, and
** note on the loan that its lateness is recorded up to today. Returns the
** amount recorded (0 when nothing was owed), or -1. */
static long record_loan_fine(struct db *db, const struct closed_days *closed,
	const struct loan_terms *t, lday today, time_t now, const char *reason)
{
	struct fine_calc f = loan_fine_until(db, closed, t, today);
	if (f.cents <= 0)
		return 0;
	char today_s[11];
	cal_format(today, today_s);
	if (db_exec(db, "INSERT INTO fine(account_id, loan_id, kind, amount_cents, reason, at) "
		"VALUES (?, ?, 'accrued', ?, ?, ?)", "iiiti", t->account_id, t->id,
		(long long)f.cents, reason, (long long)now) != SQLITE_OK ||
	    db_exec(db, "UPDATE loan SET fine_recorded_day = ? WHERE id = ?", "ti", today_s,
		t->id) != SQLITE_OK)
		return -1;
	return f.cents;
}

/* What to do with one overdue loan: see each_overdue_loan. */
typedef int (*overdue_fn)(struct db *db, struct arena *a, const struct closed_days *closed,
	const struct loan_terms *t, lday today, time_t now, void *arg);

/* Call fn for each of the member's open loans past their due day (only
** these can owe anything). Returns 0, fn's first non-zero answer, or -1
** when the loans cannot be read. */
static int each_overdue_loan(struct db *db, struct arena *a, long long member_id,
	time_t now, overdue_fn fn, void *arg)
{
	lday today = cal_day_of(now);
	char today_s[11];
	cal_format(today, today_s);
	long n = (long)db_int(db, 0, "SELECT count(*) FROM loan WHERE account_id = ? "
		"AND returned_at IS NULL AND due_day < ?", "it", member_id, today_s);
	struct closed_days closed;
	if (!n)
		return 0;
	if (circ_closed_days(db, a, &closed))
		return -1;
	/* The ids first: fn writes, and the loop's statement is one of fn's. */
	long long *ids = arena_alloc(a, sizeof *ids * (size_t)n);
	long k = 0;
	sqlite3_stmt *st = db_query(db, "SELECT id FROM loan WHERE account_id = ? "
		"AND returned_at IS NULL AND due_day < ?", "it", member_id, today_s);
	while (db_row(db, st))
		if (k < n)
			ids[k++] = db_col_int(st, 0);
	for (long i = 0; i < k; i++) {
		struct loan_terms t;
		int rc = loan_terms(db, a, ids[i], &t) ? -1 : fn(db, a, &closed, &t, today, now, arg);
		if (rc)
			return rc;
	}
	return 0;
}

static int record_fine_so_far(struct db *db, struct arena *a, const struct closed_days *closed,
	const struct loan_terms *t, lday today, time_t now, void *arg)
{
	(void)arg;
	char due_s[11], today_s[11];
	cal_format(t->due, due_s);
	cal_format(today, today_s);
	return record_loan_fine(db, closed, t, today, now, arena_printf(a, "Overdue so far: "
		"%s, due %s, up to %s (still out)", t->title, due_s, today_s)) < 0 ? -1 : 0;
}

/* Inside a transaction: record what each of the member's overdue loans
** has run up so far, so that the ledger holds everything owed up to
** today. Returns 0 or -1. */
static int record_member_fines(struct db *db, struct arena *a, long long member_id, time_t now)
{
	return each_overdue_loan(db, a, member_id, now, record_fine_so_far, NULL);
}

static int add_accruing(struct db *db, struct arena *a, const struct closed_days *closed,
	const struct loan_terms *t, lday today, time_t now, void *arg)
{
	(void)a;
	(void)now;
	((struct circ_fines *)arg)->accruing_cents += loan_fine_until(db, closed, t, today).cents;
	return 0;
}

int circ_loan_fine_now(struct db *db, struct arena *a, long long loan_id, time_t now,
	struct fine_calc *out, long *recorded_cents)
{
	struct closed_days closed;
	struct loan_terms t;
	if (circ_closed_days(db, a, &closed) || loan_terms(db, a, loan_id, &t))
		return -1;
	*out = loan_fine_until(db, &closed, &t, cal_day_of(now));
	*recorded_cents = accrued_for_loan(db, loan_id);
	return 0;
}

int circ_fines(struct db *db, struct arena *a, long long member_id, time_t now,
	struct circ_fines *out)
{
	memset(out, 0, sizeof *out);
	out->recorded_cents = (long)db_int(db, 0, "SELECT balance_cents FROM fine_balance "
		"WHERE account_id = ?", "i", member_id);
	int rc = each_overdue_loan(db, a, member_id, now, add_accruing, out);
	out->owed_cents = out->recorded_cents + out->accruing_cents;
	return rc;
}

long circ_balance(struct db *db, struct arena *a, long long member_id, time_t now)
{
	struct circ_fines f;
	circ_fines(db, a, member_id, now, &f);
	return f.owed_cents;
}

bool circ_may_borrow(struct db *db, struct arena *a, long long member_id, time_t now,
	struct circ_standing *out)
{
	*out = (struct circ_standing){ .may_borrow = true, .why = { .kind = CIRC_WHY_NONE } };
	struct circ_settings set;
	circ_settings_get(db, &set);
	long limit = set.block_fines_cents;
	long owed = circ_balance(db, a, member_id, now);
	if (owed > limit) {
		const char *owed_s = money_show(db, a, owed), *limit_s = money_show(db, a, limit);
		out->may_borrow = false;
		why_setting(&out->why, CIRC_SETTING_BLOCK_FINES, "fines a member may owe and "
			"still borrow", limit_s);
		out->for_staff = arena_printf(a, "The member owes %s in fines, more than the %s "
			"allowed; they can borrow again once they have paid.", owed_s, limit_s);
		out->for_member = arena_printf(a, "Your account owes %s in fines, more than the "
			"%s allowed; you can borrow and place holds again once you have paid.",
			owed_s, limit_s);
		return false;
	}
	lday today = cal_day_of(now);
	out->for_staff = membership_refusal(db, a, member_id, today);
	if (!out->for_staff)
		return true;
	out->may_borrow = false;
	out->for_member = membership_refusal_to_member(db, a, member_id, today);
	return false;
}

const char *circ_blocked(struct db *db, struct arena *a, long long member_id, time_t now,
	struct circ_why *why)
{
	struct circ_standing s;
	circ_may_borrow(db, a, member_id, now, &s);
	if (why)
		*why = s.why;
	return s.for_staff;
}

/* ---- holds ---- */

/* Tell a member their hold is ready to collect. The dedupe key (the hold
** and its ready day) makes this once per hold, however often it runs. */
static void notify_hold_ready(struct db *db, struct arena *a, time_t now,
	long long account_id, long long hold_id, long long title_id, const char *ready,
	const char *pickup)
{
	const char *title = "";
	sqlite3_stmt *st = db_query(db, "SELECT title FROM title WHERE id = ?", "i", title_id);
	if (db_row(db, st)) {
		title = db_text(a, st, 0);
		db_done(st);
	}
	struct tv *fields = tv_obj(a);
	tv_set_str(fields, "title", title);
	tv_set_str(fields, "pickup_by", cal_show_day(a, pickup));
	struct notice n = {
		.kind = "hold-ready", .account_id = account_id,
		.object = arena_printf(a, "hold:%lld", hold_id), .bucket = ready,
		.fields = fields,
	};
	notify_queue(db, a, now, &n);
}

/* Tell a member their hold ended uncollected, once per hold. */
static int notify_hold_expired(struct db *db, struct arena *a, time_t now,
	long long account_id, long long hold_id, long long title_id, const char *pickup)
{
	struct tv *fields = tv_obj(a);
	tv_set_str(fields, "title", "");
	sqlite3_stmt *st = db_query(db, "SELECT title FROM title WHERE id = ?", "i", title_id);
	if (db_row(db, st)) {
		tv_set_str(fields, "title", db_text(a, st, 0));
		db_done(st);
	}
	tv_set_str(fields, "pickup_by", cal_show_day(a, pickup));
	struct notice n = {
		.kind = "hold-expired", .account_id = account_id,
		.object = arena_printf(a, "hold:%lld", hold_id), .bucket = pickup,
		.fields = fields,
	};
	return notify_queue(db, a, now, &n) < 0 ? -1 : 0;
}

/* Give copy_id to the first waiting hold on title_id (ready, on the hold
** shelf until its pickup day, the member told), or put it back on the
** shelf. Returns the hold id it went to, or 0. */
static long long pass_copy_along(struct db *db, struct arena *a,
	const struct closed_days *closed, long long copy_id, long long title_id,
	time_t now, struct circ_result *r)
{
	lday today = cal_day_of(now);
	long long hold_id = 0, account_id = 0;
	sqlite3_stmt *st = db_query(db, "SELECT id, account_id FROM waiting_hold "
		"WHERE title_id = ? AND place = 1", "i", title_id);
	if (db_row(db, st)) {
		hold_id = db_col_int(st, 0);
		account_id = db_col_int(st, 1);
		db_done(st);
	}
	if (!hold_id) {
		db_exec(db, "UPDATE copy SET status = 'available' WHERE id = ?", "i", copy_id);
		return 0;
	}
	const char *category = "adult", *item_type = "book", *name = "";
	st = db_query(db, "SELECT a.category, c.item_type, a.name FROM account a, copy c "
		"WHERE a.id = ? AND c.id = ?", "ii", account_id, copy_id);
	if (db_row(db, st)) {
		category = db_text(a, st, 0);
		item_type = db_text(a, st, 1);
		name = db_text(a, st, 2);
		db_done(st);
	}
	struct circ_rule rule;
	int pickup_days = circ_rule_for(db, a, category, item_type, &rule) == 0
		? rule.hold_pickup_days : 7;
	char ready[11], pickup[11];
	cal_format(today, ready);
	cal_format(cal_next_open(closed, today + pickup_days), pickup);
	db_exec(db, "UPDATE hold SET status = 'ready', copy_id = ?, ready_day = ?, "
		"pickup_by = ? WHERE id = ?", "itti", copy_id, ready, pickup,
		hold_id);
	db_exec(db, "UPDATE copy SET status = 'on-hold-shelf' WHERE id = ?", "i", copy_id);
	notify_hold_ready(db, a, now, account_id, hold_id, title_id, ready, pickup);
	if (r) {
		r->held_for = name;
		memcpy(r->pickup_by, pickup, sizeof pickup);
		r->hold_id = hold_id;
	}
	return hold_id;
}

/* Whether a ready hold's pickup day is before today (YYYY-MM-DD). */
static bool any_lapsed_hold(struct db *db, const char *today_s)
{
	return db_int(db, 0, "SELECT EXISTS (SELECT 1 FROM hold WHERE status = 'ready' "
		"AND pickup_by < ?)", "t", today_s) != 0;
}

/* Inside a transaction: expire the ready holds whose pickup day is before
** today, each copy passing to the next in its queue (or to the shelf).
** The next reader's pickup day may have passed too (after a long closure):
** the loop expires that hold as well. Returns how many expired, or -1. */
static int expire_lapsed_holds(struct db *db, struct arena *a, time_t now)
{
	lday today = cal_day_of(now);
	char today_s[11];
	cal_format(today, today_s);
	if (!any_lapsed_hold(db, today_s))
		return 0;
	struct closed_days closed;
	if (circ_closed_days(db, a, &closed))
		return -1;
	int expired = 0;
	for (;;) {
		long long hold_id = 0, copy_id = 0, title_id = 0, account_id = 0;
		const char *pickup = "";
		sqlite3_stmt *st = db_query(db, "SELECT id, copy_id, title_id, account_id, "
			"pickup_by FROM hold WHERE status = 'ready' AND pickup_by < ? "
			"ORDER BY pickup_by, id LIMIT 1", "t", today_s);
		if (db_row(db, st)) {
			hold_id = db_col_int(st, 0);
			copy_id = db_col_int(st, 1);
			title_id = db_col_int(st, 2);
			account_id = db_col_int(st, 3);
			pickup = db_text(a, st, 4);
			db_done(st);
		}
		if (!hold_id)
			return expired;
		if (db_exec(db, "UPDATE hold SET status = 'expired', ended_at = ? WHERE id = ?",
			"ii", (long long)now, hold_id) != SQLITE_OK ||
		    notify_hold_expired(db, a, now, account_id, hold_id, title_id, pickup))
			return -1;
		pass_copy_along(db, a, &closed, copy_id, title_id, now, NULL);
		expired++;
	}
}

int circ_holds_expire(struct db *db, struct arena *a, time_t now)
{
	char today_s[11];
	cal_format(cal_day_of(now), today_s);
	/* Pages call this on every view: look before taking the write lock. */
	if (!any_lapsed_hold(db, today_s))
		return 0;
	if (db_begin(db))
		return -1;
	int expired = expire_lapsed_holds(db, a, now);
	if (expired < 0 || db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	return expired;
}

int circ_hold_place_in_queue(struct db *db, long long hold_id)
{
	return (int)db_int(db, 0, "SELECT place FROM waiting_hold WHERE id = ?", "i", hold_id);
}

/* Why a hold on title_id would be refused for member_id, said to the
** member, with r->code set; NULL when it would be placed. */
static const char *hold_refusal(struct db *db, struct arena *a, time_t now,
	long long title_id, long long member_id, struct circ_result *r)
{
	struct circ_standing standing;
	if (!circ_may_borrow(db, a, member_id, now, &standing)) {
		r->code = CIRC_BLOCKED;
		return standing.for_member;
	}
	if (db_int(db, 0, "SELECT count(*) FROM loan l JOIN copy c ON c.id = l.copy_id "
		"WHERE l.account_id = ? AND l.returned_at IS NULL AND c.title_id = ?",
		"ii", member_id, title_id)) {
		r->code = CIRC_HOLD_HAVE_IT;
		return "You already have this title on loan, so you cannot place a hold on it.";
	}
	sqlite3_stmt *st = db_query(db, "SELECT h.status, coalesce(h.pickup_by, ''), "
		"coalesce(q.place, 0) FROM hold h LEFT JOIN waiting_hold q ON q.id = h.id "
		"WHERE h.account_id = ? AND h.title_id = ? AND h.status IN ('waiting', 'ready')",
		"ii", member_id, title_id);
	if (!db_row(db, st))
		return NULL;
	const char *status = db_text(a, st, 0), *pickup_by = db_text(a, st, 1);
	long place = (long)db_col_int(st, 2);
	db_done(st);
	r->code = CIRC_HOLD_DUPLICATE;
	if (!strcmp(status, "ready"))
		return arena_printf(a, "You already have a hold on this title: a copy is waiting "
			"for you on the hold shelf until %s.", pickup_by);
	return arena_printf(a, "You already have a hold on this title: you are number %ld "
		"in the queue.", place);
}

void circ_hold_check(struct db *db, struct arena *a, time_t now, long long title_id,
	long long member_id, struct circ_result *r)
{
	memset(r, 0, sizeof *r);
	r->message = "";
	if (!db_int(db, 0, "SELECT count(*) FROM title WHERE id = ?", "i", title_id)) {
		fail(r, CIRC_NOT_FOUND, "There is no such title.");
		return;
	}
	const char *refusal = hold_refusal(db, a, now, title_id, member_id, r);
	if (refusal)
		r->message = refusal;
}

void circ_hold_place(struct db *db, struct arena *a, time_t now, long long title_id,
	long long member_id, struct circ_result *r)
{
	memset(r, 0, sizeof *r);
	r->message = "";
	if (db_begin(db)) {
		fail(r, CIRC_ERROR, "The hold could not be placed just now. Please try again.");
		return;
	}
	sqlite3_stmt *st = db_query(db, "SELECT title FROM title WHERE id = ?", "i", title_id);
	if (!db_row(db, st)) {
		db_rollback(db);
		fail(r, CIRC_NOT_FOUND, "There is no such title.");
		return;
	}
	r->title = db_text(a, st, 0);
	db_done(st);
	/* A lapsed hold's copy goes to its next reader before this one queues. */
	if (expire_lapsed_holds(db, a, now) < 0)
		goto error;
	/* The same check as the title page's, inside the write transaction. */
	const char *refusal = hold_refusal(db, a, now, title_id, member_id, r);
	if (refusal) {
		db_rollback(db);
		r->message = refusal;
		return;
	}
	int rc = db_exec(db, "INSERT INTO hold(title_id, account_id, placed_at) VALUES (?, ?, ?)",
		"iii", title_id, member_id, (long long)now);
	if (rc == SQLITE_CONSTRAINT) {
		db_rollback(db);
		fail(r, CIRC_HOLD_DUPLICATE, "You already have a hold on this title.");
		return;
	}
	if (rc != SQLITE_OK)
		goto error;
	r->hold_id = db_last_id(db);
	/* A copy on the shelf is taken down for the hold at once. */
	long long copy_id = db_int(db, 0, "SELECT id FROM copy WHERE title_id = ? "
		"AND status = 'available' ORDER BY id LIMIT 1", "i", title_id);
	if (copy_id) {
		struct closed_days closed;
		if (circ_closed_days(db, a, &closed))
			goto error;
		pass_copy_along(db, a, &closed, copy_id, title_id, now, r);
	}
	r->queue_place = circ_hold_place_in_queue(db, r->hold_id);
	db_exec(db, "UPDATE title SET popularity = popularity + 1 WHERE id = ?", "i", title_id);
	if (db_commit(db))
		goto error;
	return;
error:
	db_rollback(db);
	fail(r, CIRC_ERROR, "The hold could not be placed just now. Please try again.");
}

void circ_hold_cancel(struct db *db, struct arena *a, time_t now, long long hold_id,
	long long member_id, struct circ_result *r)
{
	memset(r, 0, sizeof *r);
	r->message = "";
	if (db_begin(db)) {
		fail(r, CIRC_ERROR, "The hold could not be cancelled just now.");
		return;
	}
	long long account_id = 0, copy_id = 0, title_id = 0;
	const char *status = "";
	sqlite3_stmt *st = db_query(db, "SELECT account_id, coalesce(copy_id, 0), title_id, status "
		"FROM hold WHERE id = ? AND status IN ('waiting', 'ready')", "i", hold_id);
	if (db_row(db, st)) {
		account_id = db_col_int(st, 0);
		copy_id = db_col_int(st, 1);
		title_id = db_col_int(st, 2);
		status = db_text(a, st, 3);
		db_done(st);
	}
	if (!account_id) {
		db_rollback(db);
		fail(r, CIRC_NOT_FOUND, "There is no such hold waiting.");
		return;
	}
	if (member_id && account_id != member_id) {
		db_rollback(db);
		fail(r, CIRC_NOT_YOURS, "That hold is not yours.");
		return;
	}
	if (db_exec(db, "UPDATE hold SET status = 'cancelled', ended_at = ?, copy_id = NULL "
		"WHERE id = ?", "ii", (long long)now, hold_id) != SQLITE_OK)
		goto error;
	if (!strcmp(status, "ready")) {
		struct closed_days closed;
		if (circ_closed_days(db, a, &closed))
			goto error;
		pass_copy_along(db, a, &closed, copy_id, title_id, now, NULL);
	}
	if (audit_record(db, audit_actor(), now, "hold.cancel", arena_printf(a, "hold:%lld", hold_id),
		arena_printf(a, "title %lld for member %lld, %s%s", title_id, account_id, status,
		member_id ? " (by the member)" : ""), status, "cancelled") ||
	    db_commit(db))
		goto error;
	return;
error:
	db_rollback(db);
	fail(r, CIRC_ERROR, "The hold could not be cancelled just now.");
}

/* ---- checkout, checkin, renew ---- */

struct copy_row {
	long long id;
	long long title_id;
	const char *status;
	const char *item_type;
	const char *title;
};

static bool find_copy(struct db *db, struct arena *a, const char *barcode, struct copy_row *c)
{
	sqlite3_stmt *st = db_query(db, "SELECT c.id, c.title_id, c.status, c.item_type, t.title "
		"FROM copy c JOIN title t ON t.id = c.title_id WHERE c.barcode = ?", "t",
		barcode ? barcode : "");
	if (!db_row(db, st))
		return false;
	c->id = db_col_int(st, 0);
	c->title_id = db_col_int(st, 1);
	c->status = db_text(a, st, 2);
	c->item_type = db_text(a, st, 3);
	c->title = db_text(a, st, 4);
	db_done(st);
	return true;
}

static const char *unavailable_message(struct db *db, struct arena *a, const struct copy_row *c)
{
	if (!strcmp(c->status, "on-loan")) {
		const char *due = "";
		sqlite3_stmt *st = db_query(db, "SELECT due_day FROM loan WHERE copy_id = ? "
			"AND returned_at IS NULL", "i", c->id);
		if (db_row(db, st)) {
			due = db_text(a, st, 0);
			db_done(st);
		}
		return arena_printf(a, "This copy is already on loan (due %s). Check it in first "
			"if it is in your hands.", due);
	}
	return arena_printf(a, "This copy cannot be lent: it is marked %s.", c->status);
}

/* Whether the member is at the loan limit of rule: a rule for one item type
** counts the member's open loans of that type, a rule for any item type
** ('*') counts all of them. Fills r when they are. */
static bool at_loan_limit(struct db *db, struct arena *a, long long member_id,
	const struct circ_rule *rule, struct circ_result *r)
{
	bool all_types = !strcmp(rule->item_type, "*");
	long out = (long)db_int(db, 0, "SELECT count(*) FROM loan l JOIN copy k ON k.id = l.copy_id "
		"WHERE l.account_id = ?1 AND l.returned_at IS NULL AND (?2 = '*' OR k.item_type = ?2)",
		"it", member_id, rule->item_type);
	if (out < rule->max_loans)
		return false;
	fail(r, CIRC_TOO_MANY_LOANS, all_types
		? arena_printf(a, "The member already has %ld item(s) out; the limit is %d.",
			out, rule->max_loans)
		: arena_printf(a, "The member already has %ld %s item(s) out; the limit for "
			"%s items is %d.", out, rule->item_type, rule->item_type, rule->max_loans));
	why_rule(&r->why, rule->id, rule->category, rule->item_type, all_types
		? "loans at once, of all item types together"
		: arena_printf(a, "loans at once of %s items", rule->item_type),
		arena_printf(a, "%d", rule->max_loans));
	return true;
}

/* The loan limits a checkout must respect: those of the rule that applies,
** and when that rule is for one item type, also the member's general rule
** (their category with any item type, else any with any) over all their
** loans, so that limits per type never add up past the general one. */
static bool over_loan_limit(struct db *db, struct arena *a, long long member_id,
	const char *category, const struct circ_rule *rule, struct circ_result *r)
{
	if (at_loan_limit(db, a, member_id, rule, r))
		return true;
	struct circ_rule general;
	return strcmp(rule->item_type, "*") &&
		circ_rule_for(db, a, category, "*", &general) == 0 &&
		at_loan_limit(db, a, member_id, &general, r);
}

void circ_checkout(struct db *db, struct arena *a, time_t now, long long member_id,
	const char *barcode, struct circ_result *r)
{
	memset(r, 0, sizeof *r);
	r->message = "";
	if (db_begin(db)) {
		fail(r, CIRC_ERROR, "The checkout could not be recorded just now. Please try again.");
		return;
	}
	const char *category = NULL;
	sqlite3_stmt *st = db_query(db, "SELECT name, category FROM account WHERE id = ?", "i",
		member_id);
	if (db_row(db, st)) {
		r->member_name = db_text(a, st, 0);
		category = db_text(a, st, 1);
		db_done(st);
	}
	struct copy_row c;
	if (!category) {
		fail(r, CIRC_UNKNOWN_MEMBER, "No member has that email address or card number.");
		goto refuse;
	}
	/* A hold not collected in time no longer keeps its copy from anyone. */
	if (expire_lapsed_holds(db, a, now) < 0)
		goto error;
	if (!find_copy(db, a, barcode, &c)) {
		fail(r, CIRC_UNKNOWN_BARCODE, "No copy has that barcode. Check the number, or "
			"catalogue the copy first.");
		goto refuse;
	}
	r->title = c.title;
	if (!strcmp(c.status, "on-hold-shelf")) {
		long long ready_for = db_int(db, 0, "SELECT account_id FROM hold WHERE copy_id = ? "
			"AND status = 'ready'", "i", c.id);
		if (ready_for != member_id) {
			fail(r, CIRC_HELD_FOR_OTHER, "This copy is on the hold shelf for another "
				"reader. It cannot be lent to anyone else.");
			goto refuse;
		}
	} else if (strcmp(c.status, "available")) {
		fail(r, CIRC_NOT_AVAILABLE, unavailable_message(db, a, &c));
		goto refuse;
	}
	const char *blocked = circ_blocked(db, a, member_id, now, &r->why);
	if (blocked) {
		fail(r, CIRC_BLOCKED, blocked);
		goto refuse;
	}
	struct circ_rule rule;
	if (circ_rule_for(db, a, category, c.item_type, &rule)) {
		fail(r, CIRC_ERROR, "No circulation rule covers this member and item. An admin "
			"can add one under Rules.");
		goto refuse;
	}
	if (over_loan_limit(db, a, member_id, category, &rule, r))
		goto refuse;
	struct closed_days closed;
	if (circ_closed_days(db, a, &closed))
		goto error;
	lday today = cal_day_of(now);
	struct due_calc due = cal_due_date(&closed, today, rule.loan_days);
	char today_s[11];
	cal_format(today, today_s);
	cal_format(due.due, r->due);
	int rc = db_exec(db, "INSERT INTO loan(copy_id, account_id, loaned_at, loan_day, due_day, "
		"rule_id, rule_category, rule_item_type, loan_days, max_renewals, "
		"fine_per_day_cents, grace_days, fine_cap_cents, closed_skipped, "
		"no_renewal_before_days) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, nullif(?, -1))", "iiittittiiiiiii",
		c.id, member_id, (long long)now, today_s, r->due, rule.id, rule.category,
		rule.item_type, (long long)rule.loan_days, (long long)rule.max_renewals,
		(long long)rule.fine_per_day_cents, (long long)rule.grace_days,
		(long long)rule.fine_cap_cents, (long long)due.closed_skipped,
		(long long)rule.no_renewal_before_days);
	if (rc == SQLITE_CONSTRAINT) {
		/* The index saw what the status check did not: refuse, not fail. */
		fail(r, CIRC_NOT_AVAILABLE, "This copy is already on loan.");
		goto refuse;
	}
	if (rc != SQLITE_OK)
		goto error;
	r->loan_id = db_last_id(db);
	if (db_exec(db, "UPDATE copy SET status = 'on-loan' WHERE id = ?", "i", c.id) != SQLITE_OK ||
	    db_exec(db, "UPDATE hold SET status = 'collected', ended_at = ? WHERE account_id = ? "
		"AND title_id = ? AND status IN ('waiting', 'ready')", "iii", (long long)now,
		member_id, c.title_id) != SQLITE_OK ||
	    db_exec(db, "UPDATE title SET popularity = popularity + 1 WHERE id = ?", "i",
		c.title_id) != SQLITE_OK ||
	    audit_record(db, audit_actor(), now, "loan.checkout",
		arena_printf(a, "loan:%lld", r->loan_id), arena_printf(a, "%s (%s) lent to %s "
		"(member %lld), due %s", barcode, c.title, r->member_name, member_id, r->due),
		NULL, NULL))
		goto error;
	if (db_commit(db))
		goto error;
	return;
refuse:
	db_rollback(db);
	return;
error:
	db_rollback(db);
	fail(r, CIRC_ERROR, "The checkout could not be recorded just now. Please try again.");
}

void circ_checkin(struct db *db, struct arena *a, time_t now, const char *barcode,
	struct circ_result *r)
{
	memset(r, 0, sizeof *r);
	r->message = "";
	if (db_begin(db)) {
		fail(r, CIRC_ERROR, "The checkin could not be recorded just now. Please try again.");
		return;
	}
	struct copy_row c;
	if (!find_copy(db, a, barcode, &c)) {
		db_rollback(db);
		fail(r, CIRC_UNKNOWN_BARCODE, "No copy has that barcode.");
		return;
	}
	r->title = c.title;
	long long loan_id = db_int(db, 0, "SELECT id FROM loan WHERE copy_id = ? "
		"AND returned_at IS NULL", "i", c.id);
	struct loan_terms t;
	if (!loan_id || loan_terms(db, a, loan_id, &t)) {
		db_rollback(db);
		fail(r, CIRC_NOT_ON_LOAN, "This copy is not on loan, so there is nothing to check in.");
		return;
	}
	r->loan_id = loan_id;
	sqlite3_stmt *st = db_query(db, "SELECT name FROM account WHERE id = ?", "i", t.account_id);
	if (db_row(db, st)) {
		r->member_name = db_text(a, st, 0);
		db_done(st);
	}
	struct closed_days closed;
	if (circ_closed_days(db, a, &closed))
		goto error;
	lday today = cal_day_of(now);
	char today_s[11];
	cal_format(today, today_s);
	cal_format(t.due, r->due);
	/* The rest of the fine goes to the ledger; the loan's fine is all the
	** ledger holds for it, part of which may have been recorded before. */
	r->fine_cents = record_loan_fine(db, &closed, &t, today, now, arena_printf(a,
		"Overdue: %s, due %s, returned %s", c.title, r->due, today_s));
	if (r->fine_cents < 0 || db_exec(db, "UPDATE loan SET returned_at = ?, return_day = ?, "
		"fine_cents = ? WHERE id = ?", "itii", (long long)now, today_s,
		(long long)accrued_for_loan(db, loan_id), loan_id) != SQLITE_OK)
		goto error;
	pass_copy_along(db, a, &closed, c.id, c.title_id, now, r);
	if (audit_record(db, audit_actor(), now, "loan.checkin",
		arena_printf(a, "loan:%lld", loan_id), arena_printf(a, "%s (%s) returned by %s "
		"(member %lld), due %s; fine %s", barcode, c.title, r->member_name ? r->member_name : "",
		t.account_id, r->due, money_amount(a, r->fine_cents)), NULL, NULL) ||
	    db_commit(db))
		goto error;
	return;
error:
	db_rollback(db);
	fail(r, CIRC_ERROR, "The checkin could not be recorded just now. Please try again.");
}

/* Whether the loan t may not be renewed yet (before its "no renewal before
** N days"); fills r when so. */
static bool renewal_too_soon(struct arena *a, const struct loan_terms *t, lday today,
	struct circ_result *r)
{
	if (t->no_renewal_before < 0 || today >= t->due - t->no_renewal_before)
		return false;
	char from[11], due[11];
	cal_format(t->due - t->no_renewal_before, from);
	cal_format(t->due, due);
	fail(r, CIRC_RENEW_TOO_SOON, arena_printf(a, "This loan can be renewed from %s, "
		"%d day%s before it is due on %s; not earlier.", from, t->no_renewal_before,
		t->no_renewal_before == 1 ? "" : "s", due));
	why_rule(&r->why, t->rule_id, t->rule_category, t->rule_item_type,
		"renewing no earlier than this many days before the due date (as it was when "
		"the loan was made)", arena_printf(a, "%d", t->no_renewal_before));
	return true;
}

/* Whether renewing the loan is refused now, and why (in r), by every rule
** circ_renew applies; fills t with the loan's terms. Changes nothing. */
static bool renewal_refused(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long member_id, struct loan_terms *tp, struct circ_result *r)
{
	struct loan_terms t;
	if (loan_terms(db, a, loan_id, &t)) {
		fail(r, CIRC_NOT_FOUND, "That loan is not open.");
		return true;
	}
	*tp = t;
	if (member_id && t.account_id != member_id) {
		fail(r, CIRC_NOT_YOURS, "That loan is not yours.");
		return true;
	}
	long long title_id = db_int(db, 0, "SELECT title_id FROM copy WHERE id = ?", "i", t.copy_id);
	r->title = t.title;
	struct circ_standing standing;
	if (!circ_may_borrow(db, a, t.account_id, now, &standing)) {
		fail(r, CIRC_BLOCKED, member_id ? standing.for_member : standing.for_staff);
		r->why = standing.why;
		return true;
	}
	if (t.renewals >= t.max_renewals) {
		fail(r, CIRC_RENEW_LIMIT, arena_printf(a, "This loan has been renewed %d time(s), "
			"the most allowed.", t.renewals));
		why_rule(&r->why, t.rule_id, t.rule_category, t.rule_item_type,
			"renewals of a loan (as it was when the loan was made)",
			arena_printf(a, "%d", t.max_renewals));
		return true;
	}
	lday today = cal_day_of(now);
	if (renewal_too_soon(a, &t, today, r))
		return true;
	if (db_int(db, 0, "SELECT count(*) FROM hold WHERE title_id = ? AND status = 'waiting' "
		"AND account_id <> ?", "ii", title_id, t.account_id)) {
		fail(r, CIRC_RENEW_HELD, "Another reader is waiting for this title, so it cannot "
			"be renewed. Please return it by its due date.");
		return true;
	}
	struct circ_settings set;
	circ_settings_get(db, &set);
	long limit = set.renew_overdue_days;
	if (today - t.due > limit) {
		fail(r, CIRC_RENEW_OVERDUE, arena_printf(a, "This loan is more than %ld days overdue "
			"and cannot be renewed; please return it.", limit));
		why_setting(&r->why, CIRC_SETTING_RENEW_OVERDUE, "days overdue a loan may be "
			"and still be renewed", arena_printf(a, "%ld", limit));
		return true;
	}
	return false;
}

void circ_renew_check(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long member_id, struct circ_result *r)
{
	memset(r, 0, sizeof *r);
	r->message = "";
	r->loan_id = loan_id;
	struct loan_terms t;
	renewal_refused(db, a, now, loan_id, member_id, &t, r);
}

void circ_renew(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long member_id, struct circ_result *r)
{
	memset(r, 0, sizeof *r);
	r->message = "";
	r->loan_id = loan_id;
	if (db_begin(db)) {
		fail(r, CIRC_ERROR, "The renewal could not be recorded just now. Please try again.");
		return;
	}
	struct loan_terms t;
	if (renewal_refused(db, a, now, loan_id, member_id, &t, r))
		goto refuse;
	lday today = cal_day_of(now);
	struct closed_days closed;
	if (circ_closed_days(db, a, &closed))
		goto error;
	/* Lateness up to today is owed even though the due date moves on. */
	if (record_loan_fine(db, &closed, &t, today, now, arena_printf(a,
		"Overdue until renewed: %s", r->title)) < 0)
		goto error;
	/* From the current due date (Koha's default), so renewing early loses
	** nothing; an overdue loan from today, as its late days are recorded
	** above and must not fall due again. */
	struct due_calc due = cal_due_date(&closed, t.due > today ? t.due : today, t.loan_days);
	char today_s[11];
	cal_format(today, today_s);
	cal_format(due.due, r->due);
	/* From the new due day, no lateness is recorded yet. */
	char old_due[11];
	cal_format(t.due, old_due);
	if (db_exec(db, "UPDATE loan SET due_day = ?, renewals = renewals + 1, "
		"last_renewed_day = ?, closed_skipped = ?, fine_recorded_day = NULL "
		"WHERE id = ?", "ttii", r->due, today_s,
		(long long)due.closed_skipped, loan_id) != SQLITE_OK ||
	    audit_record(db, audit_actor(), now, "loan.renew", arena_printf(a, "loan:%lld", loan_id),
		arena_printf(a, "%s, renewal %d of %d%s", t.title, t.renewals + 1, t.max_renewals,
		member_id ? " (by the member)" : ""), arena_printf(a, "due %s", old_due),
		arena_printf(a, "due %s", r->due)) ||
	    db_commit(db))
		goto error;
	return;
refuse:
	db_rollback(db);
	return;
error:
	db_rollback(db);
	fail(r, CIRC_ERROR, "The renewal could not be recorded just now. Please try again.");
}

/* ---- payments and waivers ---- */

int circ_fine_credit_in_tx(struct db *db, struct arena *a, time_t now,
	long long member_id, long amount_cents, const char *kind, const char *reason,
	long long actor_id, long long payment_id, struct circ_result *r)
{
	memset(r, 0, sizeof *r);
	r->message = "";
	if (amount_cents <= 0) {
		fail(r, CIRC_ERROR, "Enter an amount greater than zero.");
		return -1;
	}
	/* The ledger first takes in what loans still out have run up, so that
	** the credit is set against recorded fines and the sum never goes
	** below zero; what accrues later is recorded at return. */
	if (record_member_fines(db, a, member_id, now)) {
		fail(r, CIRC_ERROR, "The amount could not be recorded just now.");
		return -1;
	}
	long balance = circ_balance(db, a, member_id, now);
	if (amount_cents > balance) {
		fail(r, CIRC_ERROR, arena_printf(a, "The member owes %s; %s is more than that.",
			money_show(db, a, balance), money_show(db, a, amount_cents)));
		return -1;
	}
	if (db_exec(db, "INSERT INTO fine(account_id, kind, amount_cents, reason, recorded_by, "
		"at, payment_id) VALUES (?, ?, ?, ?, nullif(?, 0), ?, nullif(?, 0))", "ititiii",
		member_id, kind, (long long)-amount_cents, reason, actor_id, (long long)now,
		payment_id) != SQLITE_OK ||
	    audit_record(db, actor_id, now, arena_printf(a, "fine.%s", kind),
		arena_printf(a, "account:%lld", member_id), arena_printf(a, "%s %s%s%s",
		kind, money_amount(a, amount_cents), *reason ? ": " : "", reason),
		money_amount(a, balance), money_amount(a, balance - amount_cents))) {
		fail(r, CIRC_ERROR, "The amount could not be recorded just now.");
		return -1;
	}
	r->fine_cents = amount_cents;
	return 0;
}

static void ledger_credit(struct db *db, struct arena *a, time_t now, long long member_id,
	long amount_cents, const char *kind, const char *reason, long long actor_id,
	struct circ_result *r)
{
	if (db_begin(db)) {
		memset(r, 0, sizeof *r);
		fail(r, CIRC_ERROR, "The amount could not be recorded just now.");
		return;
	}
	if (circ_fine_credit_in_tx(db, a, now, member_id, amount_cents, kind, reason,
		actor_id, 0, r) || db_commit(db)) {
		db_rollback(db);
		if (r->code == CIRC_OK)
			fail(r, CIRC_ERROR, "The amount could not be recorded just now.");
	}
}

void circ_fine_pay(struct db *db, struct arena *a, time_t now, long long member_id,
	long amount_cents, const char *note, long long actor_id, struct circ_result *r)
{
	ledger_credit(db, a, now, member_id, amount_cents, "paid", note ? note : "", actor_id, r);
}

void circ_fine_waive(struct db *db, struct arena *a, time_t now, long long member_id,
	long amount_cents, const char *reason, long long actor_id, struct circ_result *r)
{
	if (!reason || !*reason) {
		memset(r, 0, sizeof *r);
		fail(r, CIRC_ERROR, "Give a reason for waiving the fine.");
		return;
	}
	ledger_credit(db, a, now, member_id, amount_cents, "waived", reason, actor_id, r);
}
