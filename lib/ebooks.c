/*
** ebooks.c: e-book loans. See ebooks.h.
*/
#include "ebooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "calendar.h"
#include "circulation.h"
#include "lists.h"
#include "notify.h"

#define DAY_SECONDS 86400
#define DEFAULT_MAX_ACTIVE 5
#define DEFAULT_LOAN_DAYS 14
#define DEFAULT_EXPIRY_DAYS 2
#define EXPIRY_DAYS_LIMIT 365

static void result_init(struct ebook_result *r)
{
	memset(r, 0, sizeof *r);
	r->message = "";
}

static void fail(struct ebook_result *r, enum ebook_code code, const char *message)
{
	r->code = code;
	r->message = message;
}

static const char *day_text(struct arena *a, long long at)
{
	char day[11];
	cal_format(cal_day_of((time_t)at), day);
	return arena_strdup(a, day);
}

/* An audit row (lib/audit.h); before and after may be NULL. */
static int audit_change(struct db *db, time_t now, long long actor_id, const char *action,
	const char *object, const char *detail, const char *before, const char *after)
{
	return audit_record(db, actor_id, now, action, object, detail, before, after);
}

static int audit(struct db *db, time_t now, long long actor_id, const char *action,
	const char *object, const char *detail)
{
	return audit_change(db, now, actor_id, action, object, detail, NULL, NULL);
}

static int audit_loan(struct db *db, struct arena *a, time_t now, long long actor_id,
	const char *action, long long loan_id, const char *detail)
{
	return audit(db, now, actor_id, action, arena_printf(a, "ebook_loan:%lld", loan_id),
		detail);
}

static long long setting_int(struct db *db, const char *key, long long def)
{
	sqlite3_stmt *st = db_query(db, "SELECT value FROM setting WHERE key = ?", "t", key);
	if (!st || !db_row(db, st))
		return def;
	const char *v = (const char *)sqlite3_column_text(st, 0);
	char *end;
	long long n = v ? strtoll(v, &end, 10) : 0;
	bool ok = v && *v && !*end;
	db_done(st);
	return ok ? n : def;
}

static int setting_save(struct db *db, const char *key, const char *value)
{
	return db_exec(db, "INSERT INTO setting(key, value) VALUES (?1, ?2) "
		"ON CONFLICT(key) DO UPDATE SET value = ?2", "tt", key, value) == SQLITE_OK ? 0 : -1;
}

/* ---- rules and settings ---- */

void ebooks_rule_for(struct db *db, struct arena *a, const char *category,
	struct ebook_rule *out)
{
	*out = (struct ebook_rule){ "*", DEFAULT_MAX_ACTIVE, DEFAULT_LOAN_DAYS };
	sqlite3_stmt *st = db_query(db, "SELECT category, max_active, loan_days FROM ebook_rule "
		"WHERE category IN (?, '*') ORDER BY category = '*' LIMIT 1", "t",
		category ? category : "*");
	if (st && db_row(db, st)) {
		out->category = db_text(a, st, 0);
		out->max_active = (int)db_col_int(st, 1);
		out->loan_days = (int)db_col_int(st, 2);
		db_done(st);
	}
}

/* The rule of an account's category. */
static void rule_of_member(struct db *db, struct arena *a, long long account_id,
	struct ebook_rule *out)
{
	const char *category = "*";
	sqlite3_stmt *st = db_query(db, "SELECT category FROM account WHERE id = ?", "i",
		account_id);
	if (st && db_row(db, st)) {
		category = db_text(a, st, 0);
		db_done(st);
	}
	ebooks_rule_for(db, a, category, out);
}

int ebooks_rules_list(struct db *db, struct arena *a, struct ebook_rule **out)
{
	int n = (int)db_int(db, 0, "SELECT count(*) FROM ebook_rule", NULL);
	*out = arena_alloc(a, sizeof **out * (size_t)(n + 1));
	sqlite3_stmt *st = db_query(db, "SELECT category, max_active, loan_days FROM ebook_rule "
		"ORDER BY category <> '*', category", NULL);
	if (!st)
		return -1;
	int i = 0;
	while (db_row(db, st)) {
		if (i >= n) {
			db_done(st);
			break;
		}
		(*out)[i].category = db_text(a, st, 0);
		(*out)[i].max_active = (int)db_col_int(st, 1);
		(*out)[i].loan_days = (int)db_col_int(st, 2);
		i++;
	}
	return i;
}

/* A whole number from lo to hi typed in a form; false when it is not one. */
static bool whole_number(const char *s, int lo, int hi, int *out)
{
	if (!s)
		return false;
	while (*s == ' ')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	char *end;
	long v = strtol(s, &end, 10);
	while (*end == ' ')
		end++;
	if (*end || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

int ebooks_rule_validate(struct db *db, struct arena *a, const struct ebook_rule_input *in,
	struct ebook_rule *out, struct form_errors *errs)
{
	const char *category = valid_trim(a, in->category ? in->category : "");
	out->category = category;
	if (!*category)
		form_error(errs, "category", "Choose a member category.");
	else if (strcmp(category, "*") && !lists_has(db, LIST_CATEGORY, category))
		form_error(errs, "category", "Choose one of the member categories.");
	if (!whole_number(in->max_active, 0, 1000, &out->max_active))
		form_error(errs, "max_active", "Write a whole number from 0 to 1000 "
			"(0: no e-books for this category).");
	if (!whole_number(in->loan_days, 1, 365, &out->loan_days))
		form_error(errs, "loan_days", "Write a whole number of days from 1 to 365.");
	return errs->n ? -1 : 0;
}

int ebooks_rule_save(struct db *db, struct arena *a, const struct ebook_rule *r,
	bool is_new, long long actor_id, time_t now, struct form_errors *errs)
{
	if (db_begin(db))
		return -1;
	sqlite3_stmt *st = db_query(db, "SELECT max_active, loan_days FROM ebook_rule "
		"WHERE category = ?", "t", r->category);
	if (!st)
		goto error;
	bool exists = db_row(db, st);
	const char *before = NULL;
	if (exists) {
		before = arena_printf(a, "%lld at once, %lld days", db_col_int(st, 0),
			db_col_int(st, 1));
		db_done(st);
	}
	if (is_new && exists) {
		db_rollback(db);
		form_error(errs, "category", "This category has an e-book rule already; "
			"change that one instead.");
		return -1;
	}
	if (!is_new && !exists) {
		db_rollback(db);
		return 1;
	}
	if (db_exec(db, "INSERT INTO ebook_rule(category, max_active, loan_days) VALUES (?1, ?2, ?3) "
		"ON CONFLICT(category) DO UPDATE SET max_active = ?2, loan_days = ?3", "tii",
		r->category, (long long)r->max_active, (long long)r->loan_days) != SQLITE_OK)
		goto error;
	const char *after = arena_printf(a, "%d at once, %d days", r->max_active, r->loan_days);
	if (audit_change(db, now, actor_id, "ebook_rule.save",
		    arena_printf(a, "ebook_rule:%s", r->category), is_new ? "added" : "changed",
		    before, after) || db_commit(db))
		goto error;
	return 0;
error:
	db_rollback(db);
	return -1;
}

int ebooks_rule_delete(struct db *db, struct arena *a, const char *category,
	long long actor_id, time_t now, const char **why)
{
	if (!category || !strcmp(category, "*")) {
		*why = "The rule for every category stays; change its numbers instead.";
		return 2;
	}
	if (db_begin(db))
		return -1;
	if (db_exec(db, "DELETE FROM ebook_rule WHERE category = ?", "t", category) != SQLITE_OK)
		goto error;
	if (db_changes(db) == 0) {
		db_rollback(db);
		return 1;
	}
	if (audit(db, now, actor_id, "ebook_rule.delete",
		    arena_printf(a, "ebook_rule:%s", category), "") || db_commit(db))
		goto error;
	return 0;
error:
	db_rollback(db);
	return -1;
}

bool ebooks_auto_grant(struct db *db)
{
	return setting_int(db, EBOOKS_SETTING_AUTO_GRANT, 0) == 1;
}

int ebooks_auto_grant_set(struct db *db, bool on, long long actor_id, time_t now)
{
	bool was = ebooks_auto_grant(db);
	if (db_begin(db))
		return -1;
	if (setting_save(db, EBOOKS_SETTING_AUTO_GRANT, on ? "1" : "0") ||
	    audit_change(db, now, actor_id, "setting.ebooks", "setting:" EBOOKS_SETTING_AUTO_GRANT,
		"grant e-book requests at once", was ? "1" : "0", on ? "1" : "0") ||
	    db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

int ebooks_expiry_days(struct db *db)
{
	long long d = setting_int(db, EBOOKS_SETTING_EXPIRY_DAYS, DEFAULT_EXPIRY_DAYS);
	return d < 0 || d > EXPIRY_DAYS_LIMIT ? DEFAULT_EXPIRY_DAYS : (int)d;
}

/* ---- reading loans ---- */

#define LOAN_COLUMNS \
	"SELECT l.id, l.title_id, l.account_id, t.title, a.name, coalesce(a.card_number, ''), " \
	"a.category, l.status, coalesce(d.name, ''), l.requested_at, coalesce(l.decided_at, 0), " \
	"coalesce(l.access_until, 0), coalesce(l.ended_at, 0), l.reason " \
	"FROM ebook_loan l JOIN title t ON t.id = l.title_id " \
	"JOIN account a ON a.id = l.account_id LEFT JOIN account d ON d.id = l.decided_by "

static void loan_from_row(struct arena *a, sqlite3_stmt *st, time_t now,
	struct ebook_loan_row *o)
{
	memset(o, 0, sizeof *o);
	o->id = db_col_int(st, 0);
	o->title_id = db_col_int(st, 1);
	o->account_id = db_col_int(st, 2);
	o->title = db_text(a, st, 3);
	o->member = db_text(a, st, 4);
	o->card_number = db_text(a, st, 5);
	o->category = db_text(a, st, 6);
	o->status = db_text(a, st, 7);
	o->decided_by = db_text(a, st, 8);
	o->requested_at = db_col_int(st, 9);
	o->decided_at = db_col_int(st, 10);
	o->access_until = db_col_int(st, 11);
	o->ended_at = db_col_int(st, 12);
	o->reason = db_text(a, st, 13);
	o->live = !strcmp(o->status, "granted") && o->access_until > (long long)now;
}

/* Rows of a LOAN_COLUMNS query into an arena array. Returns the count. */
static int loans_read(struct db *db, struct arena *a, sqlite3_stmt *st, time_t now, int max,
	struct ebook_loan_row **out)
{
	*out = arena_alloc(a, sizeof **out * (size_t)(max > 0 ? max : 1));
	if (!st)
		return -1;
	int n = 0;
	while (db_row(db, st)) {
		if (n == max) {
			db_done(st);
			break;
		}
		loan_from_row(a, st, now, &(*out)[n++]);
	}
	return n;
}

int ebooks_loan_get(struct db *db, struct arena *a, long long loan_id, time_t now,
	struct ebook_loan_row *out)
{
	sqlite3_stmt *st = db_query(db, LOAN_COLUMNS "WHERE l.id = ?", "i", loan_id);
	if (!st)
		return -1;
	if (!db_row(db, st))
		return 1;
	loan_from_row(a, st, now, out);
	db_done(st);
	return 0;
}

const char *ebooks_status_words(const char *status, bool live)
{
	if (!strcmp(status, "requested"))
		return "requested";
	if (!strcmp(status, "granted"))
		return live ? "on loan" : "ended";
	if (!strcmp(status, "rejected"))
		return "turned down";
	if (!strcmp(status, "cancelled"))
		return "request cancelled";
	if (!strcmp(status, "returned"))
		return "returned";
	if (!strcmp(status, "revoked"))
		return "ended by the library";
	if (!strcmp(status, "expired"))
		return "ended";
	return status;
}

int ebooks_open_count(struct db *db, long long account_id, time_t now)
{
	return (int)db_int(db, 0, "SELECT count(*) FROM ebook_loan WHERE account_id = ?1 "
		"AND (status = 'requested' OR (status = 'granted' AND access_until > ?2))", "ii",
		account_id, (long long)now);
}

int ebooks_member_loans(struct db *db, struct arena *a, long long account_id, time_t now,
	int max, struct ebook_loan_row **out)
{
	sqlite3_stmt *st = db_query(db, LOAN_COLUMNS "WHERE l.account_id = ? "
		"ORDER BY l.requested_at DESC, l.id DESC LIMIT ?", "ii", account_id, (long long)max);
	return loans_read(db, a, st, now, max, out);
}

int ebooks_member_title_loan(struct db *db, struct arena *a, long long account_id,
	long long title_id, time_t now, struct ebook_loan_row *out)
{
	sqlite3_stmt *st = db_query(db, LOAN_COLUMNS "WHERE l.account_id = ? AND l.title_id = ? "
		"ORDER BY l.status IN ('requested', 'granted') DESC, l.id DESC LIMIT 1", "ii",
		account_id, title_id);
	if (!st)
		return -1;
	if (!db_row(db, st))
		return 1;
	loan_from_row(a, st, now, out);
	db_done(st);
	return 0;
}

bool ebooks_lendable(struct db *db, long long title_id)
{
	return db_int(db, 0, "SELECT count(*) FROM title t JOIN ebook_file f ON f.title_id = t.id "
		"WHERE t.id = ? AND t.format = 'ebook'", "i", title_id) > 0;
}

int ebooks_staff_list(struct db *db, struct arena *a, enum ebook_list which, time_t now,
	long page, long per_page, struct ebook_loan_row **out, long *total)
{
	/* Whole literals: the statement cache keeps the SQL text's address. */
	static const char *const list_sql[] = {
		[EBOOK_LIST_WAITING] = LOAN_COLUMNS "WHERE l.status = 'requested' AND ?1 = ?1 "
			"ORDER BY l.requested_at, l.id LIMIT ?2 OFFSET ?3",
		[EBOOK_LIST_LIVE] = LOAN_COLUMNS "WHERE l.status = 'granted' AND l.access_until > ?1 "
			"ORDER BY l.access_until, l.id LIMIT ?2 OFFSET ?3",
		[EBOOK_LIST_RECENT] = LOAN_COLUMNS "WHERE l.status <> 'requested' AND ?1 = ?1 "
			"ORDER BY max(coalesce(l.decided_at, 0), coalesce(l.ended_at, 0)) DESC, l.id DESC "
			"LIMIT ?2 OFFSET ?3",
	};
	static const char *const count_sql[] = {
		[EBOOK_LIST_WAITING] = "SELECT count(*) FROM ebook_loan l "
			"WHERE l.status = 'requested' AND ?1 = ?1",
		[EBOOK_LIST_LIVE] = "SELECT count(*) FROM ebook_loan l "
			"WHERE l.status = 'granted' AND l.access_until > ?1",
		[EBOOK_LIST_RECENT] = "SELECT count(*) FROM ebook_loan l "
			"WHERE l.status <> 'requested' AND ?1 = ?1",
	};
	*total = (long)db_int(db, 0, count_sql[which], "i", (long long)now);
	if (page < 1)
		page = 1;
	sqlite3_stmt *st = db_query(db, list_sql[which], "iii", (long long)now, (long long)per_page,
		(long long)((page - 1) * per_page));
	int n = loans_read(db, a, st, now, (int)per_page, out);
	/* For the librarian deciding: each member's open loans and limit. */
	for (int i = 0; i < n; i++) {
		struct ebook_rule rule;
		ebooks_rule_for(db, a, (*out)[i].category, &rule);
		(*out)[i].max_active = rule.max_active;
		(*out)[i].open_count = ebooks_open_count(db, (*out)[i].account_id, now);
	}
	return n;
}

/* ---- notices ---- */

/* Queue a kind of notice about a loan to its member, once per loan and
** bucket. fields holds the kind's own fields but title (added here). */
static int notify_loan(struct db *db, struct arena *a, time_t now, const char *kind,
	const struct ebook_loan_row *l, const char *bucket, struct tv *fields)
{
	tv_set_str(fields, "title", l->title);
	struct notice n = {
		.kind = kind, .account_id = l->account_id,
		.object = arena_printf(a, "ebook-loan:%lld", l->id), .bucket = bucket,
		.fields = fields, .link = "/account#ebooks",
	};
	return notify_queue(db, a, now, &n) < 0 ? -1 : 0;
}

static const char *read_url(struct arena *a, long long title_id)
{
	return notify_url(a, arena_printf(a, "/ebooks/%lld/read", title_id));
}

/* ---- requests ---- */

/* Why member_id may not request title_id now, said to the member, with
** r->code set; NULL when they may. A grant whose time has passed counts as
** ended, whether or not it was marked expired yet. */
static const char *request_refusal(struct db *db, struct arena *a, time_t now,
	long long title_id, long long member_id, struct ebook_result *r)
{
	sqlite3_stmt *st = db_query(db, "SELECT t.format, f.title_id IS NOT NULL FROM title t "
		"LEFT JOIN ebook_file f ON f.title_id = t.id WHERE t.id = ?", "i", title_id);
	if (!st || !db_row(db, st)) {
		r->code = st ? EBOOK_NOT_FOUND : EBOOK_ERROR;
		return "There is no such title.";
	}
	bool ebook = !strcmp((const char *)sqlite3_column_text(st, 0), "ebook");
	bool has_file = db_col_int(st, 1) != 0;
	db_done(st);
	r->code = EBOOK_REFUSED;
	if (!ebook)
		return "This title is not an e-book, so it cannot be requested to read online.";
	if (!has_file)
		return "This e-book cannot be requested yet: the library has no file of it to read.";
	struct ebook_loan_row open;
	if (ebooks_member_title_loan(db, a, member_id, title_id, now, &open) == 0) {
		if (!strcmp(open.status, "requested"))
			return arena_printf(a, "You requested this e-book on %s already; you will be "
				"told when it is granted.", day_text(a, open.requested_at));
		if (open.live)
			return arena_printf(a, "You have this e-book on loan already, until %s.",
				day_text(a, open.access_until));
	}
	struct circ_standing standing;
	if (!circ_may_borrow(db, a, member_id, now, &standing))
		return standing.for_member;
	struct ebook_rule rule;
	rule_of_member(db, a, member_id, &rule);
	if (rule.max_active == 0)
		return "Your membership does not include e-book loans.";
	int open_count = ebooks_open_count(db, member_id, now);
	if (open_count >= rule.max_active)
		return arena_printf(a, "You already have %d e-book%s requested or on loan, the most "
			"your membership allows; return one first.", open_count,
			open_count == 1 ? "" : "s");
	r->code = EBOOK_OK;
	return NULL;
}

void ebooks_request_check(struct db *db, struct arena *a, time_t now, long long title_id,
	long long member_id, struct ebook_result *r)
{
	result_init(r);
	const char *refusal = request_refusal(db, a, now, title_id, member_id, r);
	if (refusal)
		r->message = refusal;
}

static int expire_in_tx(struct db *db, struct arena *a, time_t now);
static int grant_in_tx(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long staff_id, struct ebook_result *r);

/* Tell staff in-app that a request waits for them. */
static int tell_staff(struct db *db, struct arena *a, time_t now, long long loan_id)
{
	struct ebook_loan_row l;
	if (ebooks_loan_get(db, a, loan_id, now, &l))
		return -1;
	return notify_staff(db, a, now, "ebook-request",
		arena_printf(a, "ebook-request:%lld", loan_id),
		arena_printf(a, "E-book requested: %s", l.title),
		arena_printf(a, "%s asks to read the e-book %s.", l.member, l.title),
		"/staff/ebook-requests") < 0 ? -1 : 0;
}

void ebooks_request(struct db *db, struct arena *a, time_t now, long long title_id,
	long long member_id, struct ebook_result *r)
{
	result_init(r);
	const char *sorry = "The e-book could not be requested just now. Please try again.";
	if (db_begin(db)) {
		fail(r, EBOOK_ERROR, sorry);
		return;
	}
	/* A grant whose time has passed must not hold the one-open-loan index. */
	if (expire_in_tx(db, a, now) < 0)
		goto error;
	const char *refusal = request_refusal(db, a, now, title_id, member_id, r);
	if (refusal) {
		db_rollback(db);
		r->message = refusal;
		return;
	}
	int rc = db_exec(db, "INSERT INTO ebook_loan(title_id, account_id, status, requested_at) "
		"VALUES (?, ?, 'requested', ?)", "iii", title_id, member_id, (long long)now);
	if (rc == SQLITE_CONSTRAINT) {
		db_rollback(db);
		fail(r, EBOOK_REFUSED, "You have requested this e-book already.");
		return;
	}
	if (rc != SQLITE_OK)
		goto error;
	r->loan_id = db_last_id(db);
	if (audit_loan(db, a, now, member_id, "ebook.request", r->loan_id,
		    arena_printf(a, "title:%lld", title_id)))
		goto error;
	if (ebooks_auto_grant(db)) {
		if (grant_in_tx(db, a, now, r->loan_id, 0, r))
			goto error;
		r->granted = true;
	} else if (tell_staff(db, a, now, r->loan_id)) {
		goto error;
	}
	if (db_commit(db))
		goto error;
	return;
error:
	db_rollback(db);
	long long id = r->loan_id;
	fail(r, EBOOK_ERROR, sorry);
	r->loan_id = id;
}

/* ---- decisions and endings ---- */

/* Inside a transaction: the loan, checked to be in status want (and, for
** a grant, live) and, when member_id is not 0, that member's. Returns 0, or
** -1 with r filled. */
static int loan_in_state(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long member_id, const char *want, struct ebook_loan_row *l, struct ebook_result *r)
{
	int rc = ebooks_loan_get(db, a, loan_id, now, l);
	if (rc) {
		fail(r, rc > 0 ? EBOOK_NOT_FOUND : EBOOK_ERROR, rc > 0 ? "There is no such e-book "
			"loan." : "The e-book loan could not be read just now. Please try again.");
		return -1;
	}
	if (member_id && l->account_id != member_id) {
		fail(r, EBOOK_NOT_YOURS, "That e-book loan is not yours.");
		return -1;
	}
	bool granted = !strcmp(want, "granted");
	if (strcmp(l->status, want) || (granted && !l->live)) {
		const char *now_words = ebooks_status_words(l->status, l->live);
		fail(r, EBOOK_REFUSED, granted
			? arena_printf(a, "This e-book loan has ended already (%s).", now_words)
			: arena_printf(a, "This request was decided already (%s).", now_words));
		return -1;
	}
	return 0;
}

static const char *checked_reason(struct arena *a, const char *typed, struct ebook_result *r)
{
	const char *reason = valid_trim(a, typed ? typed : "");
	if (!*reason) {
		fail(r, EBOOK_INVALID, "Write the reason; the member is told it.");
		return NULL;
	}
	if (strlen(reason) > EBOOKS_REASON_MAX || valid_has_control(reason)) {
		fail(r, EBOOK_INVALID, "Keep the reason to one line of at most 500 characters.");
		return NULL;
	}
	return reason;
}

static int grant_in_tx(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long staff_id, struct ebook_result *r)
{
	struct ebook_loan_row l;
	if (loan_in_state(db, a, now, loan_id, 0, "requested", &l, r))
		return -1;
	struct ebook_rule rule;
	ebooks_rule_for(db, a, l.category, &rule);
	long long until = (long long)now + (long long)rule.loan_days * DAY_SECONDS;
	if (db_exec(db, "UPDATE ebook_loan SET status = 'granted', decided_at = ?, "
		"decided_by = nullif(?, 0), access_until = ?, loan_days = ? WHERE id = ?", "iiiii",
		(long long)now, staff_id, until, (long long)rule.loan_days, loan_id) != SQLITE_OK)
		goto error;
	const char *detail = arena_printf(a, "%d days, until %s%s", rule.loan_days,
		day_text(a, until), staff_id ? "" : " (granted automatically)");
	struct tv *f = tv_obj(a);
	tv_set_str(f, "until", cal_show_day(a, day_text(a, until)));
	tv_set_int(f, "days", rule.loan_days);
	tv_set_str(f, "read_url", read_url(a, l.title_id));
	if (audit_loan(db, a, now, staff_id, "ebook.grant", loan_id, detail) ||
	    notify_loan(db, a, now, "ebook-granted", &l, "granted", f))
		goto error;
	r->access_until = until;
	return 0;
error:
	fail(r, EBOOK_ERROR, "The request could not be granted just now. Please try again.");
	return -1;
}

/* Run one change of a loan in its own transaction. */
typedef int (*loan_change_fn)(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long actor_id, const char *reason, struct ebook_result *r);

static void in_transaction(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long actor_id, const char *reason, loan_change_fn change, struct ebook_result *r)
{
	if (db_begin(db)) {
		fail(r, EBOOK_ERROR, "The e-book loan could not be changed just now. "
			"Please try again.");
		return;
	}
	if (change(db, a, now, loan_id, actor_id, reason, r) || db_commit(db)) {
		db_rollback(db);
		if (r->code == EBOOK_OK)
			fail(r, EBOOK_ERROR, "The e-book loan could not be changed just now. "
				"Please try again.");
		return;
	}
	r->loan_id = loan_id;
}

static int change_grant(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long staff_id, const char *reason, struct ebook_result *r)
{
	(void)reason;
	return grant_in_tx(db, a, now, loan_id, staff_id, r);
}

static int change_reject(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long staff_id, const char *reason, struct ebook_result *r)
{
	struct ebook_loan_row l;
	if (loan_in_state(db, a, now, loan_id, 0, "requested", &l, r))
		return -1;
	struct tv *f = tv_obj(a);
	tv_set_str(f, "reason", reason);
	if (db_exec(db, "UPDATE ebook_loan SET status = 'rejected', decided_at = ?, "
		"decided_by = nullif(?, 0), reason = ? WHERE id = ?", "iiti", (long long)now,
		staff_id, reason, loan_id) != SQLITE_OK ||
	    audit_loan(db, a, now, staff_id, "ebook.reject", loan_id, reason) ||
	    notify_loan(db, a, now, "ebook-rejected", &l, "rejected", f))
		return -1;
	return 0;
}

static int change_cancel(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long member_id, const char *reason, struct ebook_result *r)
{
	(void)reason;
	struct ebook_loan_row l;
	if (loan_in_state(db, a, now, loan_id, member_id, "requested", &l, r))
		return -1;
	if (db_exec(db, "UPDATE ebook_loan SET status = 'cancelled', ended_at = ?, ended_by = ? "
		"WHERE id = ?", "iii", (long long)now, member_id, loan_id) != SQLITE_OK ||
	    audit_loan(db, a, now, member_id, "ebook.cancel", loan_id, ""))
		return -1;
	return 0;
}

static int change_return(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long member_id, const char *reason, struct ebook_result *r)
{
	(void)reason;
	struct ebook_loan_row l;
	if (loan_in_state(db, a, now, loan_id, member_id, "granted", &l, r))
		return -1;
	struct tv *f = tv_obj(a);
	tv_set_str(f, "day", cal_show_day(a, day_text(a, now)));
	if (db_exec(db, "UPDATE ebook_loan SET status = 'returned', ended_at = ?, ended_by = ? "
		"WHERE id = ?", "iii", (long long)now, member_id, loan_id) != SQLITE_OK ||
	    audit_loan(db, a, now, member_id, "ebook.return", loan_id, "") ||
	    notify_loan(db, a, now, "ebook-returned", &l, "returned", f))
		return -1;
	return 0;
}

static int change_revoke(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long staff_id, const char *reason, struct ebook_result *r)
{
	struct ebook_loan_row l;
	if (loan_in_state(db, a, now, loan_id, 0, "granted", &l, r))
		return -1;
	struct tv *f = tv_obj(a);
	tv_set_str(f, "reason", reason);
	if (db_exec(db, "UPDATE ebook_loan SET status = 'revoked', ended_at = ?, "
		"ended_by = nullif(?, 0), reason = ? WHERE id = ?", "iiti", (long long)now, staff_id,
		reason, loan_id) != SQLITE_OK ||
	    audit_loan(db, a, now, staff_id, "ebook.revoke", loan_id, reason) ||
	    notify_loan(db, a, now, "ebook-revoked", &l, "revoked", f))
		return -1;
	return 0;
}

void ebooks_grant(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long staff_id, struct ebook_result *r)
{
	result_init(r);
	in_transaction(db, a, now, loan_id, staff_id, NULL, change_grant, r);
}

void ebooks_reject(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long staff_id, const char *reason, struct ebook_result *r)
{
	result_init(r);
	const char *why = checked_reason(a, reason, r);
	if (why)
		in_transaction(db, a, now, loan_id, staff_id, why, change_reject, r);
}

void ebooks_cancel(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long member_id, struct ebook_result *r)
{
	result_init(r);
	in_transaction(db, a, now, loan_id, member_id, NULL, change_cancel, r);
}

void ebooks_return(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long member_id, struct ebook_result *r)
{
	result_init(r);
	in_transaction(db, a, now, loan_id, member_id, NULL, change_return, r);
}

void ebooks_revoke(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long staff_id, const char *reason, struct ebook_result *r)
{
	result_init(r);
	const char *why = checked_reason(a, reason, r);
	if (why)
		in_transaction(db, a, now, loan_id, staff_id, why, change_revoke, r);
}

/* ---- expiry and the reminder ---- */

/* Grants ended by time, marked expired with their member told. Returns how
** many, or -1. */
static int expire_in_tx(struct db *db, struct arena *a, time_t now)
{
	int n = (int)db_int(db, 0, "SELECT count(*) FROM ebook_loan "
		"WHERE status = 'granted' AND access_until <= ?", "i", (long long)now);
	if (n == 0)
		return 0;
	struct ebook_loan_row *rows;
	sqlite3_stmt *st = db_query(db, LOAN_COLUMNS "WHERE l.status = 'granted' "
		"AND l.access_until <= ? ORDER BY l.access_until, l.id", "i", (long long)now);
	n = loans_read(db, a, st, now, n, &rows);
	for (int i = 0; i < n; i++) {
		const struct ebook_loan_row *l = &rows[i];
		struct tv *f = tv_obj(a);
		tv_set_str(f, "until", cal_show_day(a, day_text(a, l->access_until)));
		if (db_exec(db, "UPDATE ebook_loan SET status = 'expired', ended_at = access_until "
			"WHERE id = ? AND status = 'granted'", "i", l->id) != SQLITE_OK ||
		    audit_loan(db, a, now, 0, "ebook.expire", l->id, "") ||
		    notify_loan(db, a, now, "ebook-expired", l, "expired", f))
			return -1;
	}
	return n;
}

int ebooks_expire(struct db *db, struct arena *a, time_t now)
{
	/* The common case, nothing due, takes no write lock. */
	if (!db_int(db, 0, "SELECT count(*) FROM ebook_loan WHERE status = 'granted' "
		"AND access_until <= ?", "i", (long long)now))
		return 0;
	if (db_begin(db))
		return -1;
	int n = expire_in_tx(db, a, now);
	if (n < 0 || db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	return n;
}

int ebooks_remind(struct db *db, struct arena *a, time_t now)
{
	int days = ebooks_expiry_days(db);
	if (days <= 0)
		return 0;
	long long horizon = (long long)now + (long long)days * DAY_SECONDS;
	/* The reminder's dedupe key (notify_dedupe_key) leaves out those told. */
#define DUE_REMINDERS "WHERE l.status = 'granted' AND l.access_until > ?1 " \
		"AND l.access_until <= ?2 AND NOT EXISTS (SELECT 1 FROM outbox o " \
		"WHERE o.dedupe_key = 'ebook-expiring:' || l.account_id || ':ebook-loan:' || l.id " \
		"|| ':until-' || l.access_until)"
	int n = (int)db_int(db, 0, "SELECT count(*) FROM ebook_loan l " DUE_REMINDERS,
		"ii", (long long)now, horizon);
	if (n == 0)
		return 0;
	struct ebook_loan_row *rows;
	sqlite3_stmt *st = db_query(db, LOAN_COLUMNS DUE_REMINDERS " ORDER BY l.access_until",
		"ii", (long long)now, horizon);
	n = loans_read(db, a, st, now, n, &rows);
	if (n < 0 || db_begin(db))
		return -1;
	for (int i = 0; i < n; i++) {
		const struct ebook_loan_row *l = &rows[i];
		long long left = l->access_until - (long long)now;
		struct tv *f = tv_obj(a);
		tv_set_str(f, "until", cal_show_day(a, day_text(a, l->access_until)));
		tv_set_int(f, "days", (left + DAY_SECONDS - 1) / DAY_SECONDS);
		tv_set_str(f, "read_url", read_url(a, l->title_id));
		if (notify_loan(db, a, now, "ebook-expiring", l,
			    arena_printf(a, "until-%lld", l->access_until), f)) {
			db_rollback(db);
			return -1;
		}
	}
	if (db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	return n;
}
