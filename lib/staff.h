/*
** staff.h: staff accounts kept by admins (/admin/users): creating a
** librarian or admin with a temporary password, which the account must
** replace at its first login, and disabling an account (it can no longer
** log in; its loans, payments and audit rows stay) or enabling it again.
**
** The temporary password is made here from libsodium's random numbers and
** shown once by the caller; only its hash is stored. An account holding
** one has account.must_change_password set, which the session carries
** (session.h), so the web dispatcher can send it to /password/change from
** every page without reading anything more.
*/
#ifndef CARREL_STAFF_H
#define CARREL_STAFF_H

#include <time.h>

#include "account.h"
#include "arena.h"
#include "auth.h"
#include "db.h"
#include "valid.h"

/* Four groups of four letters and digits, without those easily mistaken
** for one another (0 O 1 l I), e.g. "k7mq-x3vp-9tcw-hr4e": 80 bits. */
#define STAFF_TEMP_PASSWORD_LEN 19

void staff_temporary_password(char out[STAFF_TEMP_PASSWORD_LEN + 1]);

struct staff_input {
	const char *name;
	const char *email;
	const char *role;        /* "librarian" or "admin" */
};

/* Check and trim in (into a); errors under "name", "email", "role".
** Create the account as actor_id with a fresh temporary password (into
** password), to be changed at first login, recorded in the audit trail
** ('account.create'). Returns ACCOUNT_OK, ACCOUNT_INVALID,
** ACCOUNT_EMAIL_TAKEN (an error for "email") or ACCOUNT_ERROR. */
enum account_result staff_create(struct db *db, const struct auth_cost *cost,
	struct arena *a, struct staff_input *in, time_t now,
	struct form_errors *errs, long long *id,
	char password[STAFF_TEMP_PASSWORD_LEN + 1]);

/* Disable (disabled true) or enable account id, as actor_id (0: the
** system, the command line), recorded as 'account.disable' or
** 'account.enable'. Disabling ends the account's sessions at once.
** Checked inside the write transaction: an actor must be an enabled admin
** (ACCOUNT_FORBIDDEN), cannot disable their own account (ACCOUNT_INVALID),
** and the last enabled admin cannot be disabled (ACCOUNT_LAST_ADMIN).
** An account already so is ACCOUNT_OK with nothing recorded. */
enum account_result staff_set_disabled(struct db *db, long long actor_id,
	long long id, bool disabled, time_t now);

/* Whether account id is disabled. */
bool staff_is_disabled(struct db *db, long long id);

/* The account's own new password in place of a temporary one (or any
** other): checked (errors under "password"), refused when it is the
** temporary one again; clears must_change_password, recorded as
** 'account.password-chosen'. Returns ACCOUNT_OK, ACCOUNT_INVALID or
** ACCOUNT_ERROR. The caller ends the account's other sessions. */
enum account_result staff_choose_password(struct db *db, const struct auth_cost *cost,
	long long id, const char *fresh, time_t now, struct form_errors *errs);

#endif
