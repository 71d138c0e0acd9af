/*
** reset.c: password reset links and the throttling of anonymous requests.
** See reset.h.
*/
#include "reset.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "account.h"
#include "notify.h"
#include "session.h"

void reset_token_new(char out[RESET_TOKEN_LEN + 1])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, RESET_TOKEN_LEN + 1, raw, sizeof raw,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
}

bool reset_token_well_formed(const char *token)
{
	if (!token || strlen(token) != RESET_TOKEN_LEN)
		return false;
	for (const char *p = token; *p; p++) {
		char c = *p;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

void reset_token_hash(const char *token, unsigned char out[RESET_HASH_LEN])
{
	crypto_generichash(out, RESET_HASH_LEN, (const unsigned char *)token,
		strlen(token), NULL, 0);
}

/* The date bucket of a notice: the UTC day of now. */
static const char *today_bucket(struct arena *a, time_t now)
{
	char day[16];
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	return arena_strdup(a, day);
}

/* ---- throttling ---- */

static long long recent_requests(struct db *db, const char *action, const char *column,
	const char *value, time_t now)
{
	/* Two fixed statements rather than a column name pasted into one. */
	if (!strcmp(column, "email"))
		return db_int(db, 0, "SELECT count(*) FROM anonymous_request "
			"WHERE action = ? AND email = ? AND at > ?", "tti", action, value,
			(long long)(now - RESET_WINDOW));
	return db_int(db, 0, "SELECT count(*) FROM anonymous_request "
		"WHERE action = ? AND remote_addr = ? AND at > ?", "tti", action, value,
		(long long)(now - RESET_WINDOW));
}

static int record_request(struct db *db, const char *action, const char *email,
	const char *remote_addr, time_t now)
{
	/* Requests only matter inside the window; drop older ones as we go. */
	if (db_exec(db, "DELETE FROM anonymous_request WHERE at <= ?", "i",
		(long long)(now - RESET_WINDOW)) != SQLITE_OK)
		return -1;
	return db_exec(db, "INSERT INTO anonymous_request(action, email, remote_addr, at) "
		"VALUES (?, ?, ?, ?)", "ttti", action, email ? email : "",
		remote_addr ? remote_addr : "", (long long)now) == SQLITE_OK ? 0 : -1;
}

bool reset_register_allowed(struct db *db, const struct reset_limits *lim,
	const char *remote_addr, time_t now)
{
	const char *addr = remote_addr ? remote_addr : "";
	if (recent_requests(db, "register", "remote_addr", addr, now) >= lim->per_addr)
		return false;
	record_request(db, "register", "", addr, now);
	return true;
}

/* ---- asking for a link ---- */

static long long account_by_email(struct db *db, const char *email)
{
	return db_int(db, 0, "SELECT id FROM account WHERE email = ?", "t", email);
}

/* The password-reset notice for account_id (0: nobody) with the link of
** token. For nobody it is rendered and dropped, so an unknown address
** costs about what a known one does. Returns 0 or -1. */
static int queue_reset_notice(struct db *db, struct arena *a, long long account_id,
	const char *token, const unsigned char hash[RESET_HASH_LEN], time_t now)
{
	struct tv *fields = tv_obj(a);
	tv_set_str(fields, "link", notify_url(a, arena_printf(a, "/password/reset/%s", token)));
	tv_set_int(fields, "minutes", RESET_LIFETIME / 60);
	if (!account_id) {
		struct notice_kind k;
		struct notice_message m;
		char err[256];
		notify_common_fields(db, a, 0, fields);
		if (notify_kind_get(db, a, "password-reset", &k))
			return -1;
		return notify_render(a, k.fields, &k.texts, fields, &m, err, sizeof err);
	}
	/* Each link is its own notice: the dedupe key names its hash. */
	char hex[17];
	sodium_bin2hex(hex, sizeof hex, hash, 8);
	struct notice n = {
		.kind = "password-reset", .account_id = account_id,
		.object = arena_printf(a, "reset:%s", hex), .bucket = today_bucket(a, now),
		.fields = fields, .email_only = true,
	};
	return notify_queue(db, a, now, &n) < 0 ? -1 : 0;
}

enum reset_result reset_request(struct db *db, struct arena *a,
	const struct reset_limits *lim, const char *email, const char *remote_addr,
	time_t now)
{
	const char *addr = remote_addr ? remote_addr : "";
	if (db_begin(db))
		return RESET_ERROR;
	if (recent_requests(db, "password-reset", "remote_addr", addr, now) >= lim->per_addr) {
		db_rollback(db);
		return RESET_THROTTLED;
	}
	/* Counted before this one is recorded: per_email links an hour. */
	bool address_allowed = recent_requests(db, "password-reset", "email", email, now) <
		lim->per_email;
	if (record_request(db, "password-reset", email, addr, now))
		goto fail;
	long long id = address_allowed ? account_by_email(db, email) : 0;
	char token[RESET_TOKEN_LEN + 1];
	unsigned char hash[RESET_HASH_LEN];
	reset_token_new(token);
	reset_token_hash(token, hash);
	if (id && db_exec(db, "INSERT INTO password_reset(token_hash, account_id, created_at, "
		"expires_at, requested_ip) VALUES (?, ?, ?, ?, ?)", "biiit", hash, RESET_HASH_LEN,
		id, (long long)now, (long long)(now + RESET_LIFETIME), addr) != SQLITE_OK)
		goto fail;
	if (queue_reset_notice(db, a, id, token, hash, now))
		goto fail;
	sodium_memzero(token, sizeof token);
	return db_commit(db) ? RESET_ERROR : RESET_DONE;
fail:
	db_rollback(db);
	return RESET_ERROR;
}

/* ---- using a link ---- */

/* The account of a token that still works, by a query of one table's
** account_id for the token's hash and now. */
static enum reset_result live_token(struct db *db, const char *sql, const char *token,
	time_t now, long long *account_id)
{
	if (!reset_token_well_formed(token))
		return RESET_GONE;
	unsigned char hash[RESET_HASH_LEN];
	reset_token_hash(token, hash);
	sqlite3_stmt *st = db_query(db, sql, "bi", hash, RESET_HASH_LEN, (long long)now);
	if (!st)
		return RESET_ERROR;
	if (!db_row(db, st))
		return RESET_GONE;
	*account_id = db_col_int(st, 0);
	db_done(st);
	return RESET_DONE;
}

enum reset_result reset_token_check(struct db *db, const char *token, time_t now,
	long long *account_id)
{
	return live_token(db, "SELECT account_id FROM password_reset "
		"WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?", token, now, account_id);
}

bool reset_passwords_ok(const char *password, const char *again, struct form_errors *errs)
{
	const char *msg = valid_password(password);
	if (msg)
		form_error(errs, "password", msg);
	else if (!again || strcmp(password, again))
		form_error(errs, "password_again", "The two passwords are not the same. "
			"Please type the new password twice.");
	return errs->n == 0;
}

enum reset_result reset_password(struct db *db, const struct auth_cost *cost,
	const char *token, const char *password, const char *remote_addr, time_t now,
	long long *account_id)
{
	char hash[AUTH_HASH_MAX];
	/* Hash before the transaction: it is slow and needs no lock. */
	if (auth_hash_password(cost, password, hash))
		return RESET_ERROR;
	if (db_begin(db))
		return RESET_ERROR;
	long long id = 0;
	enum reset_result r = reset_token_check(db, token, now, &id);
	if (r != RESET_DONE) {
		db_rollback(db);
		return r;
	}
	char detail[96];
	snprintf(detail, sizeof detail, "by a reset link, from %s",
		remote_addr && *remote_addr ? remote_addr : "an unknown address");
	/* The link came to the account's address: that confirms it too. */
	if (db_exec(db, "UPDATE account SET password_hash = ?, email_confirmed = 1, "
		"must_change_password = 0, updated_at = ? WHERE id = ?", "tii", hash, (long long)now, id) != SQLITE_OK ||
	    /* This link and every other still open: any of them could set it again. */
	    db_exec(db, "UPDATE password_reset SET used_at = ? "
		"WHERE account_id = ? AND used_at IS NULL", "ii", (long long)now, id) != SQLITE_OK ||
	    account_audit(db, id, id, "account.password-reset", detail, now)) {
		db_rollback(db);
		return RESET_ERROR;
	}
	/* Whoever knew the old password is logged out everywhere. */
	session_destroy_others(db, id, NULL);
	if (db_commit(db))
		return RESET_ERROR;
	*account_id = id;
	return RESET_DONE;
}

/* ---- registration ---- */

int reset_confirm_start(struct db *db, struct arena *a, long long account_id,
	const char *welcome, time_t now)
{
	char token[RESET_TOKEN_LEN + 1];
	unsigned char hash[RESET_HASH_LEN];
	reset_token_new(token);
	reset_token_hash(token, hash);
	struct tv *fields = tv_obj(a);
	tv_set_str(fields, "link", notify_url(a, arena_printf(a, "/register/confirm/%s", token)));
	tv_set_int(fields, "hours", RESET_CONFIRM_LIFETIME / 3600);
	sodium_memzero(token, sizeof token);
	struct notice n = {
		.kind = "registration-confirm", .account_id = account_id, .object = "register",
		.bucket = today_bucket(a, now), .fields = fields, .email_only = true,
	};
	if (db_begin(db))
		return -1;
	if (db_exec(db, "UPDATE account SET email_confirmed = 0 WHERE id = ?", "i",
		account_id) != SQLITE_OK ||
	    db_exec(db, "INSERT INTO registration_confirm(token_hash, account_id, welcome, "
		"created_at, expires_at) VALUES (?, ?, ?, ?, ?)", "bitii", hash, RESET_HASH_LEN,
		account_id, welcome ? welcome : "", (long long)now,
		(long long)(now + RESET_CONFIRM_LIFETIME)) != SQLITE_OK ||
	    notify_queue(db, a, now, &n) < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db) ? -1 : 0;
}

enum reset_result reset_confirm_check(struct db *db, const char *token, time_t now)
{
	long long account_id;
	return live_token(db, "SELECT account_id FROM registration_confirm "
		"WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?", token, now, &account_id);
}

enum reset_result reset_confirm(struct db *db, struct arena *a, const char *token,
	time_t now, long long *account_id, const char **welcome)
{
	if (!reset_token_well_formed(token))
		return RESET_GONE;
	unsigned char hash[RESET_HASH_LEN];
	reset_token_hash(token, hash);
	if (db_begin(db))
		return RESET_ERROR;
	sqlite3_stmt *st = db_query(db, "SELECT account_id, welcome FROM registration_confirm "
		"WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?", "bi",
		hash, RESET_HASH_LEN, (long long)now);
	if (!st || !db_row(db, st)) {
		db_rollback(db);
		return st ? RESET_GONE : RESET_ERROR;
	}
	long long id = db_col_int(st, 0);
	const char *w = db_text(a, st, 1);
	db_done(st);
	if (db_exec(db, "UPDATE registration_confirm SET used_at = ? WHERE token_hash = ?",
		"ib", (long long)now, hash, RESET_HASH_LEN) != SQLITE_OK ||
	    db_exec(db, "UPDATE account SET email_confirmed = 1, updated_at = ? WHERE id = ?",
		"ii", (long long)now, id) != SQLITE_OK ||
	    account_audit(db, id, id, "account.confirm", "email address confirmed", now)) {
		db_rollback(db);
		return RESET_ERROR;
	}
	if (db_commit(db))
		return RESET_ERROR;
	*account_id = id;
	*welcome = w;
	return RESET_DONE;
}

int reset_account_exists_notice(struct db *db, struct arena *a, const char *email,
	time_t now)
{
	long long id = account_by_email(db, email);
	if (!id)
		return 0;
	struct tv *fields = tv_obj(a);
	tv_set_str(fields, "login_url", notify_url(a, "/login"));
	tv_set_str(fields, "forgot_url", notify_url(a, "/password/forgot"));
	struct notice n = {
		.kind = "account-exists", .account_id = id, .object = "register",
		.bucket = today_bucket(a, now), .fields = fields, .email_only = true,
	};
	return notify_queue(db, a, now, &n) < 0 ? -1 : 0;
}

int reset_confirm_by_staff(struct db *db, long long staff_id, long long account_id, time_t now)
{
	if (!db_int(db, 0, "SELECT count(*) FROM account WHERE id = ? AND NOT email_confirmed",
			"i", account_id))
		return 0;
	if (db_begin(db))
		return -1;
	if (db_exec(db, "UPDATE registration_confirm SET used_at = ? WHERE account_id = ? "
		"AND used_at IS NULL", "ii", (long long)now, account_id) != SQLITE_OK ||
	    db_exec(db, "UPDATE account SET email_confirmed = 1, updated_at = ? WHERE id = ?",
		"ii", (long long)now, account_id) != SQLITE_OK ||
	    account_audit(db, staff_id, account_id, "account.confirm",
		"email address confirmed by staff", now)) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db) ? -1 : 0;
}
