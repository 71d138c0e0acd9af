/*
** session.c: hashed cookie sessions and CSRF tokens. See session.h.
*/
#include "session.h"

#include <sodium.h>
#include <string.h>

void session_random_token(char out[SESSION_TOKEN_LEN + 1])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, SESSION_TOKEN_LEN + 1, raw, sizeof raw,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static bool token_well_formed(const char *token)
{
	if (!token || strlen(token) != SESSION_TOKEN_LEN)
		return false;
	for (const char *p = token; *p; p++) {
		char c = *p;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

static void token_hash(const char *token, unsigned char out[32])
{
	crypto_generichash(out, 32, (const unsigned char *)token, strlen(token),
		NULL, 0);
}

int session_create(struct db *db, const struct session_policy *pol,
	long long account_id, time_t now, char token[SESSION_TOKEN_LEN + 1])
{
	unsigned char hash[32];
	char csrf[SESSION_TOKEN_LEN + 1];
	session_random_token(token);
	session_random_token(csrf);
	token_hash(token, hash);
	db_exec(db, "DELETE FROM session WHERE account_id = ? AND "
		"(expires_at <= ? OR last_seen <= ?)", "iii", account_id,
		(long long)now, (long long)(now - pol->idle));
	return db_exec(db, "INSERT INTO session(token_hash, account_id, csrf, "
		"created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
		"bitiii", hash, 32, account_id, csrf, (long long)now, (long long)now,
		(long long)(now + pol->max_age)) == SQLITE_OK ? 0 : -1;
}

int session_load(struct db *db, const struct session_policy *pol,
	const char *token, time_t now, struct session *s)
{
	memset(s, 0, sizeof *s);
	if (!token_well_formed(token))
		return 0;
	unsigned char hash[32];
	token_hash(token, hash);
	sqlite3_stmt *st = db_query(db,
		"SELECT s.account_id, s.csrf, s.last_seen, a.role, a.name, a.email, "
		"a.must_change_password "
		"FROM session s JOIN account a ON a.id = s.account_id "
		"WHERE s.token_hash = ? AND s.expires_at > ? AND s.last_seen > ? "
		"AND a.disabled_at IS NULL",
		"bii", hash, 32, (long long)now, (long long)(now - pol->idle));
	if (!st)
		return -1;
	long long last_seen = 0;
	if (db_row(db, st)) {
		s->valid = true;
		s->account_id = db_col_int(st, 0);
		snprintf(s->csrf, sizeof s->csrf, "%s", sqlite3_column_text(st, 1));
		last_seen = db_col_int(st, 2);
		int role = auth_role_parse((const char *)sqlite3_column_text(st, 3));
		s->role = role < 0 ? ROLE_MEMBER : (enum role)role;
		snprintf(s->name, sizeof s->name, "%s", sqlite3_column_text(st, 4));
		snprintf(s->email, sizeof s->email, "%s", sqlite3_column_text(st, 5));
		s->must_change_password = db_col_int(st, 6) != 0;
		db_done(st);
	}
	/* Writing on every request would serialise readers behind the WAL
	** writer lock; a minute's precision is plenty for an idle timeout. */
	if (s->valid && now - last_seen >= 60)
		db_exec(db, "UPDATE session SET last_seen = ? WHERE token_hash = ?",
			"ib", (long long)now, hash, 32);
	return 0;
}

void session_destroy(struct db *db, const char *token)
{
	if (!token_well_formed(token))
		return;
	unsigned char hash[32];
	token_hash(token, hash);
	db_exec(db, "DELETE FROM session WHERE token_hash = ?", "b", hash, 32);
}

void session_destroy_others(struct db *db, long long account_id,
	const char *keep_token)
{
	unsigned char hash[32] = { 0 };
	if (token_well_formed(keep_token))
		token_hash(keep_token, hash);
	db_exec(db, "DELETE FROM session WHERE account_id = ? AND token_hash <> ?",
		"ib", account_id, hash, 32);
}

bool session_csrf_ok(const char *expected, const char *submitted)
{
	if (!expected || !submitted || !token_well_formed(expected))
		return false;
	size_t n = strlen(expected);
	if (strlen(submitted) != n)
		return false;
	return sodium_memcmp(expected, submitted, n) == 0;
}
