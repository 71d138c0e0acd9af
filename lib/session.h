/*
** session.h: cookie sessions stored hashed in SQLite, and CSRF tokens.
**
** The browser holds a random 32-byte token (base64url, 43 characters) in the
** cookie "carrel_session"; the database holds only BLAKE2b(token). A session
** ends when it sits unused for the idle time or reaches its absolute age.
**
** Every form carries a field "csrf". A logged-in browser's token is kept in
** its session row; a visitor who is not logged in gets a random token in the
** cookie "carrel_csrf" and the form must echo it (double submit), so the
** login and registration forms are protected without storing anything.
*/
#ifndef CARREL_SESSION_H
#define CARREL_SESSION_H

#include <stdbool.h>
#include <time.h>

#include "auth.h"
#include "db.h"

#define SESSION_COOKIE "carrel_session"
#define CSRF_COOKIE "carrel_csrf"
#define SESSION_TOKEN_LEN 43      /* base64url of 32 bytes, no padding */

struct session {
	bool valid;                   /* false: anonymous */
	long long account_id;
	enum role role;
	char name[201];
	char email[255];
	char csrf[SESSION_TOKEN_LEN + 1];
	bool must_change_password;    /* given a temporary password: every
	                                 page leads to /password/change */
};

struct session_policy {
	long idle;                    /* seconds */
	long max_age;                 /* seconds */
};

/* A fresh random token, NUL-terminated (SESSION_TOKEN_LEN chars). */
void session_random_token(char out[SESSION_TOKEN_LEN + 1]);

/* Start a session for account_id; the cookie value goes to token. Also
** removes that account's expired sessions. Returns 0 or -1. */
int session_create(struct db *db, const struct session_policy *pol,
	long long account_id, time_t now, char token[SESSION_TOKEN_LEN + 1]);

/* Load the session of a cookie token into s (s->valid false when there is
** none, it expired, the account is disabled, or the token is malformed). Keeps last_seen fresh to
** the minute. Returns 0, or -1 on a database error. */
int session_load(struct db *db, const struct session_policy *pol,
	const char *token, time_t now, struct session *s);

/* End the session of a cookie token (logging out). */
void session_destroy(struct db *db, const char *token);

/* End every session of an account except the one of keep_token (may be
** NULL: end them all). Used when a password or role changes. */
void session_destroy_others(struct db *db, long long account_id,
	const char *keep_token);

/* Constant-time check that the submitted csrf field equals expected. */
bool session_csrf_ok(const char *expected, const char *submitted);

#endif
