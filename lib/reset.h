/*
** reset.h: "Forgot your password?", registration that tells nobody whether
** an address has an account, and the throttling of what anonymous visitors
** ask for (password reset links, registrations).
**
** A reset link carries a token of 32 random bytes (base64url, 43
** characters); the database keeps only its BLAKE2b hash, with the account,
** when it was asked for and from where. A link works once and for an hour.
** Asking again does not end the links sent before: each stays good for its
** hour, so an email that arrives late still works; choosing a new password
** ends them all.
**
** Nothing here tells a visitor whether an email address has an account: a
** request for an unknown address does the same work, records the same
** request and answers the same, and only the email (sent to the address's
** owner) differs.
*/
#ifndef CARREL_RESET_H
#define CARREL_RESET_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "auth.h"
#include "db.h"
#include "valid.h"

#define RESET_TOKEN_LEN 43          /* base64url of 32 bytes, no padding */
#define RESET_HASH_LEN 32           /* BLAKE2b-256 */
#define RESET_LIFETIME (60 * 60)    /* seconds a link works */
#define RESET_WINDOW (60 * 60)      /* the throttling window, seconds */

/* How many requests the throttles allow in RESET_WINDOW (configuration:
** reset_per_email, reset_per_ip, register_per_ip). */
struct reset_limits {
	int per_email;       /* reset emails to one address */
	int per_addr;        /* requests from one client */
};

enum reset_result {
	RESET_DONE,          /* answered (whether or not anything was sent) */
	RESET_THROTTLED,     /* the client asked too often: nothing done */
	RESET_GONE,          /* the link is unknown, used or expired */
	RESET_ERROR,
};

/* A fresh random token, NUL-terminated. */
void reset_token_new(char out[RESET_TOKEN_LEN + 1]);

/* True when token has the shape of one (43 base64url characters). */
bool reset_token_well_formed(const char *token);

/* BLAKE2b(token): what is stored. */
void reset_token_hash(const char *token, unsigned char out[RESET_HASH_LEN]);

/* Someone asks for a reset link for email from remote_addr. The request is
** recorded; a client over its limit gets RESET_THROTTLED and nothing else
** happens. Otherwise, when the address has an account and has not had
** per_email links this hour, a link is made and the password-reset notice
** queued to it (email only). Returns RESET_DONE whatever the address. */
enum reset_result reset_request(struct db *db, struct arena *a,
	const struct reset_limits *lim, const char *email, const char *remote_addr,
	time_t now);

/* Is token a link that still works? Returns RESET_DONE with *account_id
** set, RESET_GONE, or RESET_ERROR. */
enum reset_result reset_token_check(struct db *db, const char *token, time_t now,
	long long *account_id);

/* Check a new password typed twice, with the same rules as registration;
** errors go to errs under "password" and "password_again". Returns true
** when both are good. */
bool reset_passwords_ok(const char *password, const char *again, struct form_errors *errs);

/* Set the password of the link's account (password checked already). In
** one transaction: the new argon2id hash, the link and every other link of
** the account marked used, every session of the account ended, and an
** audit row 'account.password-reset'. Returns RESET_DONE, RESET_GONE (the
** link stopped working meanwhile) or RESET_ERROR. */
enum reset_result reset_password(struct db *db, const struct auth_cost *cost,
	const char *token, const char *password, const char *remote_addr, time_t now,
	long long *account_id);

/* ---- registration ----
** Registering answers the same whether or not the address has an account:
** "check your email". A new account starts unconfirmed (it cannot log in)
** and its address gets a link that confirms it; a known address gets the
** account-exists notice instead. */

#define RESET_CONFIRM_LIFETIME (24 * 60 * 60)   /* seconds a confirm link works */

/* Throttle of a registration from remote_addr: records it and returns
** false when the client has made per_addr in the window already. */
bool reset_register_allowed(struct db *db, const struct reset_limits *lim,
	const char *remote_addr, time_t now);

/* A new account (just created) waits for its address to be confirmed:
** marks it unconfirmed, makes its link and queues the registration-confirm
** notice. welcome is kept for the account page once confirmed (a short
** key). Returns 0 or -1. */
int reset_confirm_start(struct db *db, struct arena *a, long long account_id,
	const char *welcome, time_t now);

/* Is token a confirm link that still works? RESET_DONE, RESET_GONE or
** RESET_ERROR. */
enum reset_result reset_confirm_check(struct db *db, const char *token, time_t now);

/* Confirm the account of a link: the account may log in, the link is
** used. *account_id and *welcome (arena string) are set on RESET_DONE. */
enum reset_result reset_confirm(struct db *db, struct arena *a, const char *token,
	time_t now, long long *account_id, const char **welcome);

/* Someone tried to register with email, which an account uses: queue it
** the account-exists notice (email only, at most once a day). Returns 0
** or -1. */
int reset_account_exists_notice(struct db *db, struct arena *a, const char *email,
	time_t now);

/* Staff confirm account_id's email address for the member (checked with
** them at the desk, when the emailed link never arrived): the account can
** log in, its confirmation links are used up, and the audit trail says who.
** Returns 0 (also when it was confirmed already) or -1. */
int reset_confirm_by_staff(struct db *db, long long staff_id, long long account_id, time_t now);

#endif
