/*
** privacy.c: removing a member, their data export, and the loan history
** retention period (see privacy.h).
*/
#include "privacy.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "calendar.h"
#include "circulation.h"
#include "ebooks.h"
#include "export.h"
#include "money.h"

/* ---- what stands in the way ---- */

static void blocker(struct privacy_blockers *out, const char *reason)
{
	if (out->n < PRIVACY_MAX_BLOCKERS)
		out->reasons[out->n++] = reason;
}

static const char *counted(struct arena *a, long long n, const char *one, const char *many)
{
	return arena_printf(a, "%lld %s", n, n == 1 ? one : many);
}

int privacy_removal_blockers(struct db *db, struct arena *a, long long member_id,
	time_t now, struct privacy_blockers *out)
{
	out->n = 0;
	long long loans = db_int(db, -1, "SELECT count(*) FROM loan "
		"WHERE account_id = ? AND returned_at IS NULL", "i", member_id);
	long long holds = db_int(db, -1, "SELECT count(*) FROM hold "
		"WHERE account_id = ? AND status IN ('waiting', 'ready')", "i", member_id);
	int ebooks = ebooks_open_count(db, member_id, now);
	struct circ_fines fines;
	if (loans < 0 || holds < 0 || ebooks < 0 || circ_fines(db, a, member_id, now, &fines))
		return -1;
	if (loans > 0)
		blocker(out, arena_printf(a, "%s still on loan",
			counted(a, loans, "book", "books")));
	if (holds > 0)
		blocker(out, arena_printf(a, "%s waiting or ready to collect",
			counted(a, holds, "hold", "holds")));
	if (ebooks > 0)
		blocker(out, arena_printf(a, "%s still open",
			counted(a, ebooks, "e-book loan or request", "e-book loans or requests")));
	if (fines.owed_cents > 0)
		blocker(out, arena_printf(a, "%s in unpaid fines",
			money_show(db, a, fines.owed_cents)));
	return 0;
}

/* ---- removal ---- */

const char *privacy_member_name(struct db *db, struct arena *a, long long id)
{
	sqlite3_stmt *st = db_query(db, "SELECT name FROM account WHERE id = ? "
		"AND role = 'member' AND removed_at IS NULL", "i", id);
	if (!db_row(db, st))
		return NULL;
	const char *name = db_text(a, st, 0);
	db_done(st);
	return name;
}

bool privacy_is_removed(struct db *db, long long account_id, long long *at)
{
	long long when = db_int(db, -1, "SELECT coalesce(removed_at, -1) FROM account "
		"WHERE id = ?", "i", account_id);
	if (at)
		*at = when;
	return when >= 0;
}

/* Inside the removal's transaction: everything about the person goes,
** the account's figures stay. */
static int anonymise_account(struct db *db, struct arena *a, long long id, time_t now)
{
	const char *email = arena_printf(a, "removed-%lld@removed.invalid", id);
	long long t = (long long)now;
	/* Throttling records name the address; they go with it. */
	if (db_exec(db, "DELETE FROM login_failure WHERE email = (SELECT email FROM account "
		"WHERE id = ?)", "i", id) != SQLITE_OK ||
	    db_exec(db, "DELETE FROM anonymous_request WHERE email <> '' AND email = "
		"(SELECT email FROM account WHERE id = ?)", "i", id) != SQLITE_OK)
		return -1;
	/* The hash is no argon2id string any password matches, and the address
	** is unconfirmed: the account cannot log in or be reset. */
	if (db_exec(db, "UPDATE account SET email = ?, name = 'Removed member', phone = '', "
		"card_number = NULL, notes = '', password_hash = '$argon2id$removed', "
		"notice_channel = 'email', email_confirmed = 0, removed_at = ?, updated_at = ? "
		"WHERE id = ?", "tiii", email, t, t, id) != SQLITE_OK)
		return -1;
	static const char *const cleared[] = {
		"DELETE FROM session WHERE account_id = ?",
		"DELETE FROM password_reset WHERE account_id = ?",
		"DELETE FROM registration_confirm WHERE account_id = ?",
		"DELETE FROM notification WHERE account_id = ?",
		/* Their questions to the library and the answers (the messages go
		** with their ticket). */
		"DELETE FROM support_ticket WHERE account_id = ?",
		/* Ratings stay in the averages; the words and the name do not. */
		"UPDATE review SET body = '' WHERE account_id = ?",
		/* Not sent yet: cancelled. No notice is queued for them again
		** (notify_queue skips removed accounts). */
		"DELETE FROM outbox WHERE account_id = ? AND status = 'queued'",
		"UPDATE outbox SET recipient = '', body = '', body_html = '' WHERE account_id = ?",
	};
	for (size_t i = 0; i < sizeof cleared / sizeof cleared[0]; i++)
		if (db_exec(db, cleared[i], "i", id) != SQLITE_OK)
			return -1;
	return 0;
}

enum privacy_result privacy_remove_member(struct db *db, struct arena *a,
	long long member_id, long long actor_id, time_t now, struct privacy_blockers *blockers)
{
	blockers->n = 0;
	if (db_begin(db))
		return PRIVACY_ERROR;
	if (!db_int(db, 0, "SELECT count(*) FROM account WHERE id = ? AND role = 'member' "
		"AND removed_at IS NULL", "i", member_id)) {
		db_rollback(db);
		return PRIVACY_NOT_FOUND;
	}
	if (privacy_removal_blockers(db, a, member_id, now, blockers))
		goto fail;
	if (blockers->n) {
		db_rollback(db);
		return PRIVACY_REFUSED;
	}
	/* By id only: the trail must not keep what the removal takes away. */
	const char *how = actor_id == member_id ? "at the member's own request"
		: "by staff";
	if (anonymise_account(db, a, member_id, now) ||
	    audit_record(db, actor_id, now, "account.remove",
		arena_printf(a, "account:%lld", member_id),
		arena_printf(a, "member %lld removed %s", member_id, how), NULL, NULL) ||
	    db_commit(db))
		goto fail;
	return PRIVACY_OK;
fail:
	db_rollback(db);
	return PRIVACY_ERROR;
}

enum privacy_result privacy_remove_own(struct db *db, struct arena *a, long long member_id,
	const char *password, time_t now, struct privacy_blockers *blockers)
{
	blockers->n = 0;
	sqlite3_stmt *st = db_query(db, "SELECT password_hash FROM account WHERE id = ? "
		"AND removed_at IS NULL", "i", member_id);
	if (!st)
		return PRIVACY_ERROR;
	if (!db_row(db, st))
		return PRIVACY_NOT_FOUND;
	const char *hash = db_text(a, st, 0);
	db_done(st);
	if (!password || !*password || !auth_check_password(hash, password))
		return PRIVACY_BAD_PASSWORD;
	return privacy_remove_member(db, a, member_id, member_id, now, blockers);
}

/* ---- the member's data ---- */

/* A value of a row as JSON: numbers stay numbers, NULL is null. */
static json_t *column_json(sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, col));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, col));
	case SQLITE_NULL:
		return json_null();
	default:
		return json_stringn((const char *)sqlite3_column_text(st, col),
			(size_t)sqlite3_column_bytes(st, col));
	}
}

/* Every row of a query about one member, as an array of objects keyed by
** the query's column names. NULL on a database error. */
static json_t *rows_json(struct db *db, const char *sql, long long member_id)
{
	sqlite3_stmt *st = db_query(db, sql, "i", member_id);
	if (!st)
		return NULL;
	json_t *rows = json_array();
	while (db_row(db, st)) {
		json_t *row = json_object();
		for (int c = 0; c < sqlite3_column_count(st); c++)
			json_object_set_new(row, sqlite3_column_name(st, c), column_json(st, c));
		json_array_append_new(rows, row);
	}
	return rows;
}

/* Times are written in UTC as ISO 8601; money in cents as stored. */
#define ISO(col) "strftime('%Y-%m-%dT%H:%M:%SZ', " col ", 'unixepoch')"

static const struct { const char *section, *sql; } export_sections[] = {
	{ "memberships", "SELECT m.id, coalesce(p.name, '') AS plan, m.status, m.start_day, "
		"m.end_day, m.price_cents, m.payment_id, m.note, " ISO("m.created_at") " AS created "
		"FROM membership m LEFT JOIN plan p ON p.id = m.plan_id "
		"WHERE m.account_id = ? ORDER BY m.id" },
	{ "loans", "SELECT l.id, t.title, k.barcode, l.loan_day, l.due_day, l.return_day, "
		"l.renewals, l.fine_cents FROM loan l JOIN copy k ON k.id = l.copy_id "
		"JOIN title t ON t.id = k.title_id WHERE l.account_id = ? ORDER BY l.id" },
	{ "holds", "SELECT h.id, t.title, h.status, " ISO("h.placed_at") " AS placed, "
		"h.ready_day, h.pickup_by, " ISO("h.ended_at") " AS ended FROM hold h "
		"JOIN title t ON t.id = h.title_id WHERE h.account_id = ? ORDER BY h.id" },
	{ "fines", "SELECT f.id, f.kind, f.amount_cents, f.reason, f.loan_id, f.payment_id, "
		ISO("f.at") " AS at FROM fine f WHERE f.account_id = ? ORDER BY f.id" },
	{ "payments", "SELECT p.id, p.reference, p.amount_cents, p.purpose, "
		"coalesce(pl.name, '') AS plan, p.method, p.status, p.note, "
		ISO("p.created_at") " AS created, " ISO("p.completed_at") " AS completed, "
		ISO("p.refunded_at") " AS refunded FROM payment p "
		"LEFT JOIN plan pl ON pl.id = p.plan_id WHERE p.account_id = ? ORDER BY p.id" },
	{ "ebook_loans", "SELECT l.id, t.title, l.status, " ISO("l.requested_at") " AS requested, "
		ISO("l.access_until") " AS access_until, " ISO("l.ended_at") " AS ended, l.reason "
		"FROM ebook_loan l JOIN title t ON t.id = l.title_id WHERE l.account_id = ? "
		"ORDER BY l.id" },
	{ "reviews", "SELECT r.id, t.title, r.rating, r.body, " ISO("r.created_at") " AS created, "
		ISO("r.updated_at") " AS updated FROM review r JOIN title t ON t.id = r.title_id "
		"WHERE r.account_id = ? ORDER BY r.id" },
	{ "support", "SELECT t.id AS ticket, t.subject, t.status, "
		"CASE WHEN m.from_staff THEN 'library' ELSE 'you' END AS written_by, m.body, "
		ISO("m.created_at") " AS at FROM support_ticket t "
		"JOIN support_message m ON m.ticket_id = t.id WHERE t.account_id = ? "
		"ORDER BY t.id, m.id" },
	{ "notices", "SELECT o.id, o.kind, o.channel, o.recipient, o.subject, o.body, o.status, "
		ISO("o.created_at") " AS created, " ISO("o.sent_at") " AS sent FROM outbox o "
		"WHERE o.account_id = ? ORDER BY o.id" },
};

static json_t *export_object(struct db *db, long long member_id, time_t now)
{
	json_t *profile = rows_json(db, "SELECT id, name, email, phone, card_number, category, "
		"notice_channel, member_until, " ISO("created_at") " AS joined FROM account "
		"WHERE id = ?", member_id);
	if (!profile || json_array_size(profile) != 1) {
		json_decref(profile);
		return NULL;
	}
	json_t *root = json_object();
	char exported[32];
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(exported, sizeof exported, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(root, "exported", json_string(exported));
	json_object_set(root, "profile", json_array_get(profile, 0));
	json_decref(profile);
	for (size_t i = 0; i < sizeof export_sections / sizeof export_sections[0]; i++) {
		json_t *rows = rows_json(db, export_sections[i].sql, member_id);
		if (!rows) {
			json_decref(root);
			return NULL;
		}
		json_object_set_new(root, export_sections[i].section, rows);
	}
	return root;
}

/* A jansson string moved onto the arena. */
static const char *arena_json(struct arena *a, char *s)
{
	if (!s)
		return NULL;
	const char *out = arena_strdup(a, s);
	free(s);
	return out;
}

const char *privacy_export_json(struct db *db, struct arena *a, long long member_id,
	time_t now)
{
	json_t *root = export_object(db, member_id, now);
	if (!root)
		return NULL;
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return arena_json(a, text);
}

/* One line of the CSV: section, row number (0 for the profile), field, value. */
static void csv_value(FILE *out, const char *section, size_t row, const char *field,
	const json_t *v)
{
	export_csv_cell(out, section);
	fprintf(out, ",%zu,", row);
	export_csv_cell(out, field);
	fputc(',', out);
	if (json_is_string(v))
		export_csv_cell(out, json_string_value(v));
	else if (json_is_integer(v))
		fprintf(out, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		fprintf(out, "%g", json_real_value(v));
	fputs("\r\n", out);
}

static void csv_object(FILE *out, const char *section, size_t row, json_t *obj)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
		csv_value(out, section, row, key, v);
}

const char *privacy_export_csv(struct db *db, struct arena *a, long long member_id,
	time_t now)
{
	json_t *root = export_object(db, member_id, now);
	if (!root)
		return NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out) {
		json_decref(root);
		return NULL;
	}
	fputs("section,row,field,value\r\n", out);
	const char *section;
	json_t *v;
	json_object_foreach(root, section, v) {
		if (json_is_object(v)) {
			csv_object(out, section, 0, v);
		} else if (json_is_array(v)) {
			size_t i;
			json_t *row;
			json_array_foreach(v, i, row)
				csv_object(out, section, i + 1, row);
		} else {
			csv_value(out, section, 0, section, v);
		}
	}
	fclose(out);
	json_decref(root);
	return arena_json(a, text);
}

/* ---- loan history retention ---- */

long privacy_retention_days(struct db *db)
{
	return (long)db_int(db, 0, "SELECT CAST(value AS INTEGER) FROM setting WHERE key = ?",
		"t", PRIVACY_SETTING_RETENTION);
}

int privacy_retention_save(struct db *db, struct arena *a, const char *typed,
	long long actor_id, time_t now, struct form_errors *errs)
{
	const char *s = typed ? typed : "";
	while (*s == ' ')
		s++;
	char *end;
	long days = strtol(s, &end, 10);
	while (*end == ' ')
		end++;
	if (!*s || *end || s[0] == '-' || s[0] == '+' || days < 0
	    || days > PRIVACY_RETENTION_MAX_DAYS) {
		form_error(errs, "retention_days", arena_printf(a, "Enter a number of days from "
			"0 (keep loan history for ever) to %d.", PRIVACY_RETENTION_MAX_DAYS));
		return -1;
	}
	long before = privacy_retention_days(db);
	if (db_begin(db))
		return -1;
	if (db_exec(db, "INSERT INTO setting(key, value) VALUES (?, ?) ON CONFLICT(key) "
		"DO UPDATE SET value = excluded.value", "tt", PRIVACY_SETTING_RETENTION,
		arena_printf(a, "%ld", days)) != SQLITE_OK ||
	    audit_record(db, actor_id, now, "settings.save", "settings:privacy",
		"loan history retention", arena_printf(a, "%ld days", before),
		arena_printf(a, "%ld days", days)) ||
	    db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

/* The one account old loans are moved to, made the first time: each loan
** keeps its account (the foreign key and NOT NULL stay as they are) and the
** reports' daily figures, counted when the loan was made and returned, do
** not move. It cannot log in: its password is no argon2id hash any
** password matches, its address is on a reserved domain and unconfirmed,
** and it is removed from the start (no member list shows it). created_at
** 0 keeps it out of every "new members" figure. Returns its id, or 0. */
static long long anonymous_account(struct db *db)
{
	long long id = db_int(db, 0, "SELECT CAST(value AS INTEGER) FROM setting WHERE key = ?",
		"t", PRIVACY_SETTING_ANONYMOUS);
	if (id)
		return id;
	if (db_begin(db))
		return 0;
	if (db_exec(db, "INSERT INTO account(email, name, phone, password_hash, role, created_at, "
		"updated_at, email_confirmed, removed_at) VALUES ('anonymous@removed.invalid', "
		"'Anonymous reader', '', '$argon2id$no-login', 'member', 0, 0, 0, 0)", NULL)
		!= SQLITE_OK)
		goto fail;
	id = db_last_id(db);
	char value[24];
	snprintf(value, sizeof value, "%lld", id);
	if (db_exec(db, "INSERT INTO setting(key, value) VALUES (?, ?)", "tt",
		PRIVACY_SETTING_ANONYMOUS, value) != SQLITE_OK || db_commit(db))
		goto fail;
	return id;
fail:
	db_rollback(db);
	return 0;
}

/* Loans are moved in batches, each its own short transaction, so the desk
** never waits long behind the task. */
#define ANONYMISE_BATCH 2000
#define SETTING_LAST_RUN "privacy.loans_anonymised"

long privacy_anonymise_loans(struct db *db, time_t now)
{
	long days = privacy_retention_days(db);
	if (days <= 0)
		return 0;
	long long anonymous = anonymous_account(db);
	if (!anonymous)
		return -1;
	/* Once a library day per period is enough (it reads every loan), and
	** a new period takes effect at once. */
	char today[11], last_run[48];
	cal_format(cal_day_of(now), today);
	snprintf(last_run, sizeof last_run, "%s/%ld", today, days);
	if (db_int(db, 0, "SELECT count(*) FROM setting WHERE key = ? AND value = ?", "tt",
		SETTING_LAST_RUN, last_run))
		return 0;
	long long cutoff = (long long)now - (long long)days * 86400;
	long moved = 0;
	for (;;) {
		if (db_begin(db))
			return -1;
		if (db_exec(db, "UPDATE loan SET account_id = ?1 WHERE id IN (SELECT id FROM loan "
			"WHERE returned_at IS NOT NULL AND returned_at < ?2 AND account_id <> ?1 "
			"LIMIT ?3)", "iii", anonymous, cutoff, (long long)ANONYMISE_BATCH) != SQLITE_OK)
			goto fail;
		int n = db_changes(db);
		char detail[96];
		snprintf(detail, sizeof detail, "%d returned loan%s older than %ld days", n,
			n == 1 ? "" : "s", days);
		if ((n && audit_record(db, 0, now, "loan.anonymise", "loans", detail, NULL, NULL)) ||
		    (n < ANONYMISE_BATCH && db_exec(db, "INSERT INTO setting(key, value) "
			"VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", "tt",
			SETTING_LAST_RUN, last_run) != SQLITE_OK) ||
		    db_commit(db))
			goto fail;
		moved += n;
		if (n < ANONYMISE_BATCH)
			return moved;
	}
fail:
	db_rollback(db);
	return -1;
}
