/*
** auth.c: roles, argon2id password hashes, login throttling. See auth.h.
*/
#include "auth.h"
#include "audit.h"

#include <sodium.h>
#include <string.h>

static const char *const role_names[] = {
	[ROLE_ANON] = "anonymous",
	[ROLE_MEMBER] = "member",
	[ROLE_LIBRARIAN] = "librarian",
	[ROLE_ADMIN] = "admin",
};

const char *auth_role_name(enum role r)
{
	return (unsigned)r <= ROLE_ADMIN ? role_names[r] : "anonymous";
}

int auth_role_parse(const char *name)
{
	for (int r = ROLE_MEMBER; r <= ROLE_ADMIN; r++)
		if (name && !strcmp(name, role_names[r]))
			return r;
	return -1;
}

int auth_hash_password(const struct auth_cost *cost, const char *password,
	char out[AUTH_HASH_MAX])
{
	_Static_assert(AUTH_HASH_MAX == crypto_pwhash_STRBYTES, "hash size");
	return crypto_pwhash_str_alg(out, password, strlen(password), cost->ops,
		cost->mem, crypto_pwhash_ALG_ARGON2ID13) == 0 ? 0 : -1;
}

bool auth_check_password(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

/* A hash of a random password, made once per process: verifying against it
** for an unknown email costs what a real check costs, so the answer time
** does not tell whether an account exists. */
static const char *dummy_hash(const struct auth_cost *cost)
{
	static char hash[AUTH_HASH_MAX];
	if (!hash[0]) {
		unsigned char pw[16];
		char hex[33];
		randombytes_buf(pw, sizeof pw);
		sodium_bin2hex(hex, sizeof hex, pw, sizeof pw);
		if (auth_hash_password(cost, hex, hash))
			hash[0] = '\0';
	}
	return hash;
}

static long long recent_failures(struct db *db, const struct auth_throttle *rule,
	const char *email, time_t now)
{
	return db_int(db, 0,
		"SELECT count(*) FROM login_failure WHERE email = ? AND at > ?",
		"ti", email, (long long)(now - rule->window));
}

enum auth_result auth_login(struct db *db, const struct auth_cost *cost,
	const struct auth_throttle *rule,
	const char *email, const char *password, const char *remote_addr,
	time_t now, long long *account_id)
{
	if (recent_failures(db, rule, email, now) >= rule->max_failures) {
		char detail[300];
		snprintf(detail, sizeof detail, "%.200s from %s: too many failed logins", email,
			remote_addr && *remote_addr ? remote_addr : "an unknown address");
		audit_record(db, 0, now, "login.refused", "", detail, NULL, NULL);
		return AUTH_THROTTLED;
	}

	long long id = 0;
	char hash[AUTH_HASH_MAX] = "";
	/* An account whose address is not confirmed yet is as good as none:
	** logging in would tell whoever registered it that the address was new. */
	bool disabled = false;
	sqlite3_stmt *st = db_query(db, "SELECT id, password_hash, disabled_at IS NOT NULL "
		"FROM account WHERE email = ? AND email_confirmed", "t", email);
	if (!st)
		return AUTH_ERROR;
	if (db_row(db, st)) {
		id = db_col_int(st, 0);
		const char *h = (const char *)sqlite3_column_text(st, 1);
		if (h)
			snprintf(hash, sizeof hash, "%s", h);
		disabled = db_col_int(st, 2) != 0;
		db_done(st);
	}
	bool good;
	if (id && hash[0]) {
		good = auth_check_password(hash, password);
	} else {
		auth_check_password(dummy_hash(cost), password);
		good = false;
	}
	const char *from = remote_addr && *remote_addr ? remote_addr : "an unknown address";
	char detail[300];
	if (good && disabled) {
		char object[32];
		snprintf(object, sizeof object, "account:%lld", id);
		snprintf(detail, sizeof detail, "from %s: the account is disabled", from);
		audit_record(db, 0, now, "login.disabled", object, detail, NULL, NULL);
		return AUTH_DISABLED;
	}
	if (good) {
		db_exec(db, "DELETE FROM login_failure WHERE email = ?", "t", email);
		*account_id = id;
		/* Staff logins are in the audit trail; members' are not staff actions. */
		if (db_int(db, 0, "SELECT role IN ('librarian', 'admin') FROM account WHERE id = ?",
			"i", id)) {
			char object[32];
			snprintf(object, sizeof object, "account:%lld", id);
			snprintf(detail, sizeof detail, "from %s", from);
			audit_record(db, id, now, "login", object, detail, NULL, NULL);
		}
		return AUTH_OK;
	}
	db_exec(db, "INSERT INTO login_failure(email, at, remote_addr) VALUES (?, ?, ?)",
		"tit", email, (long long)now, remote_addr ? remote_addr : "");
	char object[32] = "";
	if (id)
		snprintf(object, sizeof object, "account:%lld", id);
	snprintf(detail, sizeof detail, "%.200s from %s%s", email, from,
		id ? "" : " (no account has this address)");
	audit_record(db, 0, now, "login.failed", object, detail, NULL, NULL);
	/* Old failures only matter inside the window; drop them as we go. */
	db_exec(db, "DELETE FROM login_failure WHERE at <= ?", "i",
		(long long)(now - rule->window));
	return AUTH_BAD_CREDENTIALS;
}

enum auth_result auth_change_password(struct db *db,
	const struct auth_cost *cost, long long account_id, const char *current,
	const char *fresh, time_t now)
{
	char hash[AUTH_HASH_MAX] = "";
	sqlite3_stmt *st = db_query(db,
		"SELECT password_hash FROM account WHERE id = ?", "i", account_id);
	if (db_row(db, st)) {
		snprintf(hash, sizeof hash, "%s", (const char *)sqlite3_column_text(st, 0));
		db_done(st);
	}
	if (!hash[0])
		return AUTH_ERROR;
	if (!auth_check_password(hash, current))
		return AUTH_BAD_CREDENTIALS;
	char fresh_hash[AUTH_HASH_MAX];
	if (auth_hash_password(cost, fresh, fresh_hash))
		return AUTH_ERROR;
	if (db_exec(db, "UPDATE account SET password_hash = ?, must_change_password = 0, "
		"updated_at = ? WHERE id = ?", "tii", fresh_hash, (long long)now,
		account_id) != SQLITE_OK)
		return AUTH_ERROR;
	return AUTH_OK;
}
