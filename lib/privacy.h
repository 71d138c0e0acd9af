/*
** privacy.h: removing a member (the right to erasure), the member's own
** copy of their data, and the loan history retention period.
**
** Removal anonymises the account in one transaction: name, email, phone,
** card number, staff notes and password go; sessions, reset and
** confirmation links, notifications, support tickets and the text of
** reviews are deleted;
** notices still queued are cancelled (and none is queued for them again)
** and the addresses and text of every
** notice sent to them are cleared. Loans, fines, payments and membership
** periods keep their rows and figures, pointing at the anonymised account
** ("Removed member", removed-<id>@removed.invalid: the address is on a
** domain reserved never to exist, so the real one is free to register
** again). Ratings stay in the titles' averages, without a name or text.
** The audit trail is append-only and hash-chained: what it already holds
** stays (see the README), and the removal itself is recorded by id only.
**
** Removal is refused while the member has books on loan, holds waiting or
** ready, e-book loans or requests open, or fines unpaid: each reason comes
** back in words for people, and nothing changes.
**
** Retention: returned loans older than privacy.loan_retention_days (0, the
** default: never) are moved to the one built-in anonymous account
** (privacy.anonymous_account), by carrel-cron once a day.
*/
#ifndef CARREL_PRIVACY_H
#define CARREL_PRIVACY_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "db.h"
#include "valid.h"

#define PRIVACY_SETTING_RETENTION "privacy.loan_retention_days"
#define PRIVACY_SETTING_ANONYMOUS "privacy.anonymous_account"
#define PRIVACY_RETENTION_MAX_DAYS 36500
#define PRIVACY_MAX_BLOCKERS 4

/* What stands in the way of removing a member, each in words
** ("2 books still on loan", "3.50 € in unpaid fines"). */
struct privacy_blockers {
	int n;
	const char *reasons[PRIVACY_MAX_BLOCKERS];
};

/* Fill out with what stops the member's removal now (out->n 0: nothing).
** Returns 0, or -1 on a database error. */
int privacy_removal_blockers(struct db *db, struct arena *a, long long member_id,
	time_t now, struct privacy_blockers *out);

enum privacy_result {
	PRIVACY_OK,
	PRIVACY_REFUSED,        /* blockers say why; nothing changed */
	PRIVACY_NOT_FOUND,      /* no such member, or removed already */
	PRIVACY_BAD_PASSWORD,   /* the member's own request, password wrong */
	PRIVACY_ERROR,
};

/* Remove (anonymise) a member: actor_id is the staff member, or the
** member themselves asking. The blockers are checked again inside the
** transaction. */
enum privacy_result privacy_remove_member(struct db *db, struct arena *a,
	long long member_id, long long actor_id, time_t now, struct privacy_blockers *blockers);

/* The member asks for their own removal, confirming it with their
** password (checked first: PRIVACY_BAD_PASSWORD, nothing else said). */
enum privacy_result privacy_remove_own(struct db *db, struct arena *a, long long member_id,
	const char *password, time_t now, struct privacy_blockers *blockers);

/* The name of a member still in use (not removed, not staff), or NULL. */
const char *privacy_member_name(struct db *db, struct arena *a, long long id);

/* Whether the account was removed (or is the built-in anonymous one);
** *at (when not NULL) gets when, in unix seconds. */
bool privacy_is_removed(struct db *db, long long account_id, long long *at);

/* Everything kept about a member, as JSON text (profile, memberships,
** loans, holds, fines, payments, e-book loans, reviews, notices) and the
** same as CSV, one value a line: section, row, field, value. Strings on
** the arena; NULL on a database error. */
const char *privacy_export_json(struct db *db, struct arena *a, long long member_id,
	time_t now);
const char *privacy_export_csv(struct db *db, struct arena *a, long long member_id,
	time_t now);

/* The retention period in days (0: keep for ever). */
long privacy_retention_days(struct db *db);

/* Check and save the period an admin typed. Returns 0, or -1 with
** errs["retention_days"] filled or on a database error (errs empty). */
int privacy_retention_save(struct db *db, struct arena *a, const char *typed,
	long long actor_id, time_t now, struct form_errors *errs);

/* Move returned loans older than the period to the anonymous account.
** Returns how many were moved (0 when the period is 0), or -1. */
long privacy_anonymise_loans(struct db *db, time_t now);

#endif
