/*
** auth.h: roles, password hashes (argon2id) and login with throttling.
*/
#ifndef CARREL_AUTH_H
#define CARREL_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "db.h"

/* Ordered: a route open to a role is open to every role above it. */
enum role { ROLE_ANON = 0, ROLE_MEMBER, ROLE_LIBRARIAN, ROLE_ADMIN };

/* "member", "librarian", "admin" ("anonymous" for ROLE_ANON). */
const char *auth_role_name(enum role r);
/* Parse a stored or submitted role name; -1 when it is not one. Anonymous
** is not a role an account can have, so it is not accepted. */
int auth_role_parse(const char *name);

/* Cost of hashing, from the configuration. */
struct auth_cost {
	unsigned long long ops;
	size_t mem;
};

#define AUTH_HASH_MAX 128   /* crypto_pwhash_STRBYTES */

/* Hash password into out (an "$argon2id$..." string). Returns 0, or -1 when
** the system is out of memory. */
int auth_hash_password(const struct auth_cost *cost, const char *password,
	char out[AUTH_HASH_MAX]);

/* True when password matches the stored hash. Constant time in the
** password's content. */
bool auth_check_password(const char *hash, const char *password);

/* Throttling rule: more than max_failures failed logins for one email in
** window seconds means no more tries until the window passes. */
struct auth_throttle {
	int max_failures;
	long window;
};

enum auth_result { AUTH_OK, AUTH_BAD_CREDENTIALS, AUTH_THROTTLED, AUTH_ERROR,
	AUTH_DISABLED };   /* the password was right, but an admin disabled
	                      the account (schema/0030_sections_staff.sql) */

/* Check email and password. On AUTH_OK *account_id is set and the failure
** count for the email is cleared; on a wrong password (or an unknown email,
** or an account whose address is not confirmed yet, which take the same
** time) the failure is recorded. Once max_failures
** have been recorded within the window, AUTH_THROTTLED is returned without
** looking at the password. A disabled account answers AUTH_DISABLED only
** when the password was right: a wrong one is AUTH_BAD_CREDENTIALS as for
** any account, so the answer tells nothing more than a login ever did. */
enum auth_result auth_login(struct db *db, const struct auth_cost *cost,
	const struct auth_throttle *rule,
	const char *email, const char *password, const char *remote_addr,
	time_t now, long long *account_id);

/* Replace the password of an account after checking the current one.
** Returns AUTH_OK, AUTH_BAD_CREDENTIALS (current password wrong) or
** AUTH_ERROR. */
enum auth_result auth_change_password(struct db *db,
	const struct auth_cost *cost, long long account_id, const char *current,
	const char *fresh, time_t now);

#endif
