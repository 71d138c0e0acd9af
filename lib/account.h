/*
** account.h: accounts of members and staff: create, read, edit, list and
** change roles. Passwords and logins are in auth.h.
*/
#ifndef CARREL_ACCOUNT_H
#define CARREL_ACCOUNT_H

#include <time.h>

#include "arena.h"
#include "auth.h"
#include "db.h"
#include "valid.h"

struct account {
	long long id;
	const char *email;
	const char *name;
	const char *phone;
	enum role role;
	const char *card_number;
	long long created_at;
	const char *notice_channel;  /* "email", "sms" or "both" */
};

/* What a person submits when registering or editing a profile. Fields are
** trimmed by account_validate. */
struct account_input {
	const char *name;
	const char *email;
	const char *phone;
	const char *password;   /* NULL when editing a profile */
};

enum account_result { ACCOUNT_OK, ACCOUNT_INVALID, ACCOUNT_EMAIL_TAKEN,
	ACCOUNT_NOT_FOUND, ACCOUNT_ERROR,
	ACCOUNT_FORBIDDEN,    /* the actor may not change this account */
	ACCOUNT_LAST_ADMIN }; /* the change would leave the library no admin */

/* Why a notice channel cannot be chosen with this phone (SMS needs one),
** or NULL when it can. */
const char *account_channel_refusal(const char *channel, const char *phone);

/* Set how notices reach account id ("email", "sms" or "both"; check it
** with account_channel_refusal first), as actor_id, with an audit row
** ('account.notices') when it changes. Returns ACCOUNT_OK, ACCOUNT_INVALID
** or ACCOUNT_ERROR. */
enum account_result account_set_notice_channel(struct db *db, long long actor_id,
	long long id, const char *channel, time_t now);

/* Trim in's fields (into arena a) and check them; errors go to errs.
** Returns ACCOUNT_OK or ACCOUNT_INVALID. */
enum account_result account_validate(struct arena *a, struct account_input *in,
	struct form_errors *errs);

/* Create an account with a library card number. in must have been
** validated. On ACCOUNT_EMAIL_TAKEN an error for "email" is added. */
enum account_result account_create(struct db *db, const struct auth_cost *cost,
	const struct account_input *in, enum role role, time_t now,
	struct form_errors *errs, long long *id);

/* Load an account (strings on arena a). */
enum account_result account_get(struct db *db, struct arena *a, long long id,
	struct account *out);

/* May someone of role actor change the details of an account of role
** target? A member's account: any staff. A staff account (librarian or
** admin): admins only, so a librarian cannot take over an admin's login
** by changing its email. Everyone may change their own (not decided here). */
bool account_may_edit(enum role actor, enum role target);

/* Change name, email and phone (in validated; password ignored) of
** account id, as actor_id (the account itself, or staff). Inside the
** write transaction: a staff actor must still be allowed by
** account_may_edit() (ACCOUNT_FORBIDDEN otherwise), and the change is
** recorded in the audit trail ('account.edit', what changed). */
enum account_result account_update_profile(struct db *db, long long actor_id,
	long long id, const struct account_input *in, time_t now,
	struct form_errors *errs);

/* Record in the audit trail, as actor_id, a change to account id that
** has no function of its own here (e.g. 'account.password' when staff
** issue a temporary password). Returns 0 or -1. */
int account_audit(struct db *db, long long actor_id, long long id, const char *action,
	const char *detail, time_t now);

/* Mark account id as holding a temporary password: every page sends it
** to /password/change until it chooses its own (staff.h). Sessions that
** already exist carry the flag from their next request. Returns 0 or -1. */
int account_require_password_change(struct db *db, long long id);

/* Change the role of an account, recorded in the audit trail as done by
** actor_id. Checked inside the write transaction, so two admins acting at
** the same moment cannot get past each other: the actor must still be an
** admin (ACCOUNT_FORBIDDEN), cannot lower their own role (ACCOUNT_INVALID)
** and the library must keep at least one admin (ACCOUNT_LAST_ADMIN). */
enum account_result account_set_role(struct db *db, long long actor_id,
	long long id, enum role role, time_t now);

struct account_filter {
	const char *q;          /* matches name or email (substring), may be "" */
	int role;               /* -1 any */
	long page;              /* from 1 */
	long per_page;
};

/* One page of accounts ordered by name; *total gets the number matching.
** Returns the number of accounts put in out (at most per_page). */
long account_list(struct db *db, struct arena *a, const struct account_filter *f,
	struct account *out, long *total);

/* The library card number for an account id: "2", the id in 8 digits, and a
** Luhn check digit, e.g. 2000000121 for id 12. */
void account_card_number(long long id, char out[16]);

/* Is there at least one admin account? */
bool account_admin_exists(struct db *db);

#endif
