/*
** api.c: API tokens, the per-token rate limit, cursors and ETags. See api.h.
*/
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "audit.h"
#include "valid.h"

const char *api_scope_name(enum api_scope s)
{
	return s == API_SCOPE_READ ? "read" : s == API_SCOPE_WRITE ? "read-write" : "";
}

int api_scope_parse(const char *s)
{
	if (s && !strcmp(s, "read"))
		return API_SCOPE_READ;
	if (s && !strcmp(s, "read-write"))
		return API_SCOPE_WRITE;
	return -1;
}

const int api_token_days[] = { 30, 90, 365 };
const int api_token_days_count = (int)(sizeof api_token_days / sizeof api_token_days[0]);

/* ---- tokens ---- */

static void token_hash(const char *token, unsigned char out[32])
{
	crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

static bool token_well_formed(const char *token)
{
	size_t plen = sizeof API_TOKEN_PREFIX - 1;
	if (!token || strlen(token) != API_TOKEN_LEN || strncmp(token, API_TOKEN_PREFIX, plen))
		return false;
	for (const char *p = token + plen; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	return true;
}

static void random_token(char out[API_TOKEN_LEN + 1])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	size_t plen = sizeof API_TOKEN_PREFIX - 1;
	memcpy(out, API_TOKEN_PREFIX, plen);
	sodium_bin2base64(out + plen, API_TOKEN_LEN + 1 - plen, raw, sizeof raw,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static int parse_days(const char *s)
{
	long long d = valid_id(s);
	for (int i = 0; i < api_token_days_count; i++)
		if (d == api_token_days[i])
			return api_token_days[i];
	return 0;
}

/* Why a name cannot be a new token's, or NULL. */
static const char *name_refusal(struct db *db, long long account_id, const char *name,
	time_t now)
{
	if (!*name)
		return "Give the token a name, such as the app or machine that will use it.";
	if (valid_utf8_chars(name) > API_TOKEN_NAME_MAX || valid_has_control(name))
		return "A token's name is at most 60 characters on one line.";
	if (db_int(db, 0, "SELECT count(*) FROM api_token WHERE account_id = ? AND name = ? "
		"AND revoked_at IS NULL AND expires_at > ?", "iti", account_id, name,
		(long long)now) > 0)
		return "You already have a token of that name. Choose another name.";
	return NULL;
}

enum api_token_result api_token_create(struct db *db, struct arena *a,
	long long account_id, const char *name, const char *scope, const char *days,
	time_t now, char token[API_TOKEN_LEN + 1], const char **field,
	const char **message)
{
	name = valid_trim(a, name ? name : "");
	int sc = api_scope_parse(scope);
	int d = parse_days(days);
	*field = NULL;
	*message = NULL;
	if ((*message = name_refusal(db, account_id, name, now)))
		*field = "token_name";
	else if (sc < 0)
		*field = "token_scope", *message = "Choose whether the token may only read or "
			"may also make changes.";
	else if (!d)
		*field = "token_days", *message = "Choose how long the token lasts.";
	else if (db_int(db, 0, "SELECT count(*) FROM api_token WHERE account_id = ? AND "
		"revoked_at IS NULL AND expires_at > ?", "ii", account_id, (long long)now)
		>= API_TOKENS_PER_ACCOUNT)
		*field = "token_name", *message = "You have 20 tokens already. Revoke one "
			"you no longer use first.";
	if (*field)
		return API_TOKEN_INVALID;

	random_token(token);
	unsigned char hash[32];
	token_hash(token, hash);
	if (db_begin(db))
		return API_TOKEN_ERROR;
	long long expires = (long long)now + (long long)d * 86400;
	if (db_exec(db, "INSERT INTO api_token(account_id, name, scope, token_hash, "
		"created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)", "ittbii", account_id,
		name, api_scope_name((enum api_scope)sc), hash, 32, (long long)now, expires)
		!= SQLITE_OK)
		goto fail;
	long long id = db_last_id(db);
	char *object = arena_printf(a, "api_token:%lld", id);
	/* The name goes in the detail, where any text is safe; after is JSON. */
	char *after = arena_printf(a, "{\"scope\": \"%s\", \"days\": %d}",
		api_scope_name((enum api_scope)sc), d);
	if (audit_record(db, account_id, now, "api_token.create", object,
		arena_printf(a, "API token \"%s\"", name), NULL, after) ||
	    db_commit(db))
		goto fail;
	return API_TOKEN_OK;
fail:
	db_rollback(db);
	sodium_memzero(token, API_TOKEN_LEN + 1);
	return API_TOKEN_ERROR;
}

int api_token_list(struct db *db, struct arena *a, long long account_id,
	struct api_token **out)
{
	int n = (int)db_int(db, 0, "SELECT count(*) FROM api_token WHERE account_id = ?",
		"i", account_id);
	*out = arena_calloc(a, sizeof **out * (size_t)(n ? n : 1));
	sqlite3_stmt *st = db_query(db, "SELECT id, name, scope, created_at, expires_at, "
		"coalesce(last_used_at, 0), coalesce(revoked_at, 0) FROM api_token "
		"WHERE account_id = ? ORDER BY id DESC", "i", account_id);
	if (!st)
		return -1;
	int got = 0;
	while (got < n && db_row(db, st)) {
		struct api_token *t = &(*out)[got++];
		t->id = db_col_int(st, 0);
		t->account_id = account_id;
		t->name = db_text(a, st, 1);
		int sc = api_scope_parse((const char *)sqlite3_column_text(st, 2));
		t->scope = sc < 0 ? API_SCOPE_READ : (enum api_scope)sc;
		t->created_at = db_col_int(st, 3);
		t->expires_at = db_col_int(st, 4);
		t->last_used_at = db_col_int(st, 5);
		t->revoked_at = db_col_int(st, 6);
	}
	if (got == n)
		db_done(st);
	return got;
}

int api_token_revoke(struct db *db, long long account_id, long long token_id, time_t now)
{
	if (db_begin(db))
		return -1;
	if (db_exec(db, "UPDATE api_token SET revoked_at = ? WHERE id = ? AND account_id = ? "
		"AND revoked_at IS NULL", "iii", (long long)now, token_id, account_id) != SQLITE_OK)
		goto fail;
	if (db_changes(db) == 0) {
		db_rollback(db);
		return 1;
	}
	char object[40];
	snprintf(object, sizeof object, "api_token:%lld", token_id);
	if (audit_record(db, account_id, now, "api_token.revoke", object, NULL, NULL, NULL) ||
	    db_commit(db))
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

int api_token_authenticate(struct db *db, struct arena *a, const char *authorization,
	time_t now, struct api_caller *out)
{
	memset(out, 0, sizeof *out);
	if (!authorization || strncasecmp(authorization, "Bearer ", 7))
		return 0;
	const char *token = authorization + 7;
	while (*token == ' ')
		token++;
	if (!token_well_formed(token))
		return 0;
	unsigned char hash[32];
	token_hash(token, hash);
	sqlite3_stmt *st = db_query(db,
		"SELECT t.id, t.account_id, t.name, t.scope, t.expires_at, a.role, a.name, a.email "
		"FROM api_token t JOIN account a ON a.id = t.account_id "
		"WHERE t.token_hash = ? AND t.revoked_at IS NULL AND t.expires_at > ? "
		"AND a.disabled_at IS NULL AND a.removed_at IS NULL",
		"bi", hash, 32, (long long)now);
	if (!st)
		return -1;
	if (db_row(db, st)) {
		out->valid = true;
		out->token_id = db_col_int(st, 0);
		out->account_id = db_col_int(st, 1);
		out->token_name = db_text(a, st, 2);
		int sc = api_scope_parse((const char *)sqlite3_column_text(st, 3));
		out->scope = sc < 0 ? API_SCOPE_READ : (enum api_scope)sc;
		out->expires_at = db_col_int(st, 4);
		int role = auth_role_parse((const char *)sqlite3_column_text(st, 5));
		out->role = role < 0 ? ROLE_MEMBER : (enum role)role;
		out->name = db_text(a, st, 6);
		out->email = db_text(a, st, 7);
		db_done(st);
	}
	return 0;
}

long long api_requests_per_minute(struct db *db)
{
	long long n = db_int(db, API_RATE_DEFAULT, "SELECT CAST(value AS INTEGER) FROM setting "
		"WHERE key = 'api.requests_per_minute'", NULL);
	return n > 0 ? n : API_RATE_DEFAULT;
}

int api_rate_check(struct db *db, long long token_id, time_t now)
{
	long long minute = (long long)now / 60 * 60;
	/* One statement counts and notes the use: no other request of the same
	** token can come between reading the count and writing it. */
	long long count = db_int(db, -1,
		"UPDATE api_token SET "
		"window_count = CASE WHEN window_start = ?1 THEN window_count + 1 ELSE 1 END, "
		"window_start = ?1, last_used_at = ?2 WHERE id = ?3 RETURNING window_count",
		"iii", minute, (long long)now, token_id);
	if (count < 0)
		return -1;
	if (count <= api_requests_per_minute(db))
		return 0;
	return (int)(minute + 60 - (long long)now);
}

const char *api_copy_due_day(struct db *db, struct arena *a, long long copy_id)
{
	sqlite3_stmt *st = db_query(db, "SELECT due_day FROM loan WHERE copy_id = ? "
		"AND returned_at IS NULL", "i", copy_id);
	if (!st || !db_row(db, st))
		return "";
	const char *day = db_text(a, st, 0);
	db_done(st);
	return day;
}

const char *api_hold_status(struct db *db, struct arena *a, long long hold_id)
{
	sqlite3_stmt *st = db_query(db, "SELECT status FROM hold WHERE id = ?", "i", hold_id);
	if (!st || !db_row(db, st))
		return "";
	const char *status = db_text(a, st, 0);
	db_done(st);
	return status;
}

int api_rate_save(struct db *db, struct arena *a, const char *typed, long long actor_id,
	time_t now, struct form_errors *errs)
{
	const char *s = valid_trim(a, typed ? typed : "");
	long long n = valid_id(s);
	if (n < 1 || n > API_RATE_MAX || strlen(s) > 6) {
		form_error(errs, "api_rate", arena_printf(a, "Enter a number of requests from 1 "
			"to %d.", API_RATE_MAX));
		return -1;
	}
	long long before = api_requests_per_minute(db);
	if (db_begin(db))
		return -1;
	if (db_exec(db, "INSERT INTO setting(key, value) VALUES ('api.requests_per_minute', ?) "
		"ON CONFLICT(key) DO UPDATE SET value = excluded.value", "t",
		arena_printf(a, "%lld", n)) != SQLITE_OK ||
	    audit_record(db, actor_id, now, "settings.save", "settings:api",
		"API requests a minute per token", arena_printf(a, "%lld", before),
		arena_printf(a, "%lld", n)) ||
	    db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

/* ---- paging and ETags ---- */

const char *api_cursor_make(struct arena *a, long offset)
{
	char plain[32];
	int n = snprintf(plain, sizeof plain, "o:%ld", offset);
	char *out = arena_alloc(a, sodium_base64_ENCODED_LEN((size_t)n,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING));
	sodium_bin2base64(out, sodium_base64_ENCODED_LEN((size_t)n,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING), (const unsigned char *)plain,
		(size_t)n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

long api_cursor_offset(struct arena *a, const char *cursor)
{
	(void)a;
	if (!cursor || !*cursor)
		return 0;
	unsigned char plain[32];
	size_t len = 0;
	if (strlen(cursor) > 40 || sodium_base642bin(plain, sizeof plain - 1, cursor,
		strlen(cursor), NULL, &len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return -1;
	plain[len] = '\0';
	if (len < 3 || memcmp(plain, "o:", 2))
		return -1;
	long long off = valid_id((const char *)plain + 2);
	if (strcmp((const char *)plain + 2, "0") && off <= 0)
		return -1;
	return off > 100000000 ? -1 : (long)off;
}

const char *api_etag(struct arena *a, const char *body, size_t len)
{
	unsigned char h[16];
	crypto_generichash(h, sizeof h, (const unsigned char *)body, len, NULL, 0);
	char hex[33];
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	return arena_printf(a, "\"%s\"", hex);
}

bool api_etag_matches(const char *if_none_match, const char *etag)
{
	if (!if_none_match || !*if_none_match)
		return false;
	size_t elen = strlen(etag);
	for (const char *p = if_none_match; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *end = p;
		while (*end && *end != ',')
			end++;
		const char *q = p, *qe = end;
		while (qe > q && qe[-1] == ' ')
			qe--;
		if (qe - q >= 2 && !strncmp(q, "W/", 2))
			q += 2;
		if ((qe - q == 1 && *q == '*') ||
		    ((size_t)(qe - q) == elen && !strncmp(q, etag, elen)))
			return true;
		p = end;
	}
	return false;
}
