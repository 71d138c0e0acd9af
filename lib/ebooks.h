/*
** ebooks.h: e-book loans, from the member's request to the end of access.
**
**   requested -> granted (by a librarian, or at once when the setting
**                ebooks.auto_grant is 1) -> returned (early, by the member)
**                | revoked (by a librarian, with a reason) | expired
**   requested -> rejected (by a librarian, with a reason) | cancelled
**
** A grant is live while status = 'granted' and access_until > now: the
** time alone ends access (schema/0022_ebooks.sql); ebooks_expire() marks
** what the time has ended as 'expired' and tells the member, and is called
** by carrel-cron and, lazily, before every request.
**
** The limits are the e-book rules (ebook_rule): per member category (the
** account's category, else '*'), how many e-book loans a member may have
** open at once (requested and live granted) and how many days a grant
** lasts. A member who may not borrow print books (circ_may_borrow) may not
** request e-books either.
**
** Every change runs in one IMMEDIATE transaction with an audit row
** (ebook.request, ebook.grant, ...) and queues the member's notice
** (notify_queue, kinds ebook-granted, ebook-rejected, ebook-revoked,
** ebook-expired, ebook-returned; ebook-expiring is the reminder), each once
** per loan by its dedupe key kind:member:ebook-loan:ID:bucket.
*/
#ifndef CARREL_EBOOKS_H
#define CARREL_EBOOKS_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "db.h"
#include "valid.h"

#define EBOOKS_SETTING_AUTO_GRANT "ebooks.auto_grant"
#define EBOOKS_SETTING_EXPIRY_DAYS "notices.ebook_expiry_days"
#define EBOOKS_REASON_MAX 500

enum ebook_code {
	EBOOK_OK,
	EBOOK_NOT_FOUND,       /* no such title, e-book or loan */
	EBOOK_REFUSED,         /* a rule says no (the message says which) */
	EBOOK_INVALID,         /* a field is wrong: a reason missing or too long */
	EBOOK_NOT_YOURS,       /* a member acting on another's loan */
	EBOOK_ERROR,
};

struct ebook_result {
	enum ebook_code code;
	const char *message;   /* a sentence for people; "" when EBOOK_OK */
	long long loan_id;
	bool granted;          /* a request granted at once (auto-grant) */
	long long access_until;
};

/* ---- rules and settings ---- */

struct ebook_rule {
	const char *category;  /* a member category's code, or "*" */
	int max_active;        /* open e-book loans at once */
	int loan_days;         /* days a grant lasts */
};

/* The rule of a member category: its own, else the '*' one (else the
** design's 5 and 14). */
void ebooks_rule_for(struct db *db, struct arena *a, const char *category,
	struct ebook_rule *out);

/* Every rule, '*' first, then by category. Returns the count or -1. */
int ebooks_rules_list(struct db *db, struct arena *a, struct ebook_rule **out);

/* A rule form as typed. */
struct ebook_rule_input {
	const char *category, *max_active, *loan_days;
};

/* Check a rule form (the category is one of the member categories or "*").
** Returns 0, or -1 with errors keyed category, max_active, loan_days. */
int ebooks_rule_validate(struct db *db, struct arena *a, const struct ebook_rule_input *in,
	struct ebook_rule *out, struct form_errors *errs);

/* Save a rule (a new one when is_new: refused when the category has one
** already), audited. Returns 0, 1 when an existing rule is gone, -1 with
** errs filled when refused, or -1 with errs empty on a database error. */
int ebooks_rule_save(struct db *db, struct arena *a, const struct ebook_rule *r,
	bool is_new, long long actor_id, time_t now, struct form_errors *errs);

/* Delete the rule of a category, audited; the '*' rule stays. Returns 0,
** 1 when there is no such rule, 2 when refused (*why says why), -1. */
int ebooks_rule_delete(struct db *db, struct arena *a, const char *category,
	long long actor_id, time_t now, const char **why);

/* Whether requests are granted at once (the setting ebooks.auto_grant). */
bool ebooks_auto_grant(struct db *db);
/* Change it, audited. Returns 0 or -1. */
int ebooks_auto_grant_set(struct db *db, bool on, long long actor_id, time_t now);

/* ---- the loan's life ---- */

/* How many e-book loans a member has open: requested, and granted with
** access left. */
int ebooks_open_count(struct db *db, long long account_id, time_t now);

/* Whether member_id may request title_id now: r->code EBOOK_OK, or the
** refusal ebooks_request would give, said to the member. Writes nothing. */
void ebooks_request_check(struct db *db, struct arena *a, time_t now, long long title_id,
	long long member_id, struct ebook_result *r);

/* A member requests an e-book: granted at once when the auto-grant setting
** is on; otherwise staff are told in-app. */
void ebooks_request(struct db *db, struct arena *a, time_t now, long long title_id,
	long long member_id, struct ebook_result *r);

/* A librarian grants a request: readable for the rule's loan days. */
void ebooks_grant(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long staff_id, struct ebook_result *r);

/* A librarian turns a request down, with a reason (required). */
void ebooks_reject(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long staff_id, const char *reason, struct ebook_result *r);

/* The member withdraws their request. */
void ebooks_cancel(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long member_id, struct ebook_result *r);

/* The member gives a live grant back early (a receipt is queued). */
void ebooks_return(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long member_id, struct ebook_result *r);

/* A librarian ends a live grant, with a reason (required). */
void ebooks_revoke(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long staff_id, const char *reason, struct ebook_result *r);

/* Mark every grant whose access_until has passed as expired and tell its
** member, in one transaction. Cheap when there is none (one indexed read).
** Returns how many expired, or -1. */
int ebooks_expire(struct db *db, struct arena *a, time_t now);

/* The days before access ends on which the reminder goes (the setting
** notices.ebook_expiry_days, default 2; 0: none; edited with the other
** reminder days, lib/reminders.h). */
int ebooks_expiry_days(struct db *db);

/* Queue the "access ends in N days" reminder of every live grant ending
** within the setting's days, once per loan. Returns how many were queued,
** or -1. */
int ebooks_remind(struct db *db, struct arena *a, time_t now);

/* ---- reading them ---- */

struct ebook_loan_row {
	long long id, title_id, account_id;
	const char *title, *member, *card_number, *category;
	const char *status;       /* as stored: requested, granted, ... */
	const char *decided_by;   /* the librarian's name; "" when automatic */
	long long requested_at, decided_at, access_until, ended_at;
	const char *reason;
	bool live;                /* granted with access left */
	int open_count, max_active;   /* the member's, for staff deciding */
};

/* A status for people: "requested", "granted", "turned down", ... */
const char *ebooks_status_words(const char *status, bool live);

/* A member's e-book loans, newest first (at most max). Returns the count
** or -1. */
int ebooks_member_loans(struct db *db, struct arena *a, long long account_id, time_t now,
	int max, struct ebook_loan_row **out);

/* The member's latest loan of a title (open first). Returns 0, 1 when there
** is none, -1. */
int ebooks_member_title_loan(struct db *db, struct arena *a, long long account_id,
	long long title_id, time_t now, struct ebook_loan_row *out);

/* Whether a title is an e-book with a file to lend. */
bool ebooks_lendable(struct db *db, long long title_id);

/* One page of a list for staff, with the total: the requests waiting
** (oldest first), the live grants (ending soonest first), or the recent
** decisions and endings (newest first). Returns the rows on the page or -1. */
enum ebook_list { EBOOK_LIST_WAITING, EBOOK_LIST_LIVE, EBOOK_LIST_RECENT };
int ebooks_staff_list(struct db *db, struct arena *a, enum ebook_list which, time_t now,
	long page, long per_page, struct ebook_loan_row **out, long *total);

/* One loan. Returns 0, 1 when there is none, -1. */
int ebooks_loan_get(struct db *db, struct arena *a, long long loan_id, time_t now,
	struct ebook_loan_row *out);

#endif
