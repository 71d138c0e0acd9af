/*
** support.h: questions to the library (support tickets) and the library's
** own rules as the help pages tell them.
**
** Anyone may open a ticket from the support page: a member's is linked to
** their account, a visitor's keeps the name and email address they gave.
** Staff read the tickets, answer them and close them; an answer reaches
** the asker as the support-answer notice (a member's through their chosen
** channels and in-app, a visitor's by email). A member adds follow-ups to
** their own ticket while it is not closed; one on an answered ticket opens
** it again. Answers, closing and reopening are written to the audit trail.
*/
#ifndef CARREL_SUPPORT_H
#define CARREL_SUPPORT_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "db.h"
#include "valid.h"

#define SUPPORT_SUBJECT_MAX 200
#define SUPPORT_MESSAGE_MAX 5000
#define SUPPORT_WINDOW (60 * 60)           /* the visitors' throttle, seconds */
#define SUPPORT_SETTING_VISITOR_LIMIT "support.visitor_per_hour"
#define SUPPORT_VISITOR_LIMIT_DEFAULT 5

enum support_result {
	SUPPORT_OK,
	SUPPORT_INVALID,      /* a field is wrong: errors keyed by field */
	SUPPORT_THROTTLED,    /* a visitor's client opened too many this hour */
	SUPPORT_CLOSED,       /* the ticket is closed: nothing added */
	SUPPORT_NOT_FOUND,    /* no such ticket (or not the member's) */
	SUPPORT_ERROR,
};

/* A new question as typed into the support form. */
struct support_input {
	const char *subject, *message;
	const char *name, *email;     /* asked only of visitors */
};

/* Check a new question (trimmed copies go back into in); with visitor, the
** name and email too. Returns true when all is well, else false with
** errors under "subject", "message", "name", "email". */
bool support_validate(struct arena *a, struct support_input *in, bool visitor,
	struct form_errors *errs);

/* Check a reply (an answer or a follow-up): trimmed into *body. Returns
** NULL when good, else the reason for people. */
const char *support_reply_problem(struct arena *a, const char *typed, const char **body);

/* Open a ticket (input validated already) for account_id, or for a
** visitor when account_id is 0 (throttled per remote_addr: the setting
** support.visitor_per_hour tickets in SUPPORT_WINDOW). Staff are told
** in-app. *ticket_id is set on SUPPORT_OK. */
enum support_result support_open(struct db *db, struct arena *a, time_t now,
	long long account_id, const struct support_input *in, const char *remote_addr,
	long long *ticket_id);

/* The status as stored, in words for people ("waiting for the library"). */
const char *support_status_words(const char *status, bool staff);

struct support_ticket {
	long long id, account_id, created_at, updated_at;
	const char *subject, *status;
	const char *name, *email;    /* the member's (from the account) or the visitor's */
	long messages;               /* in the thread */
	long long answered_at;       /* the last answer from staff, 0 when none */
};

struct support_message {
	long long id, author_id, created_at;
	bool from_staff;
	const char *author, *body;   /* author: the writer's name ("" visitor) */
};

/* Tickets, open ones first then answered then closed, the most recently
** changed first within each: with status "open", "answered" or "closed"
** only those, with account_id non-zero only that member's. page from 1.
** Returns the number on this page (rows on the arena) and sets *total,
** or -1. */
int support_list(struct db *db, struct arena *a, const char *status, long long account_id,
	long page, int per_page, struct support_ticket **out, long *total);

/* How many tickets wait for staff (status open). */
long support_open_count(struct db *db);

/* One ticket; with member_id non-zero only when it is that member's.
** Returns 0, 1 when there is none (for them), -1 on error. */
int support_get(struct db *db, struct arena *a, long long id, long long member_id,
	struct support_ticket *out);

/* A ticket's thread, oldest first. Returns the count (on the arena) or -1. */
int support_thread(struct db *db, struct arena *a, long long ticket_id,
	struct support_message **out);

/* Staff answer a ticket (body checked already): stored, the ticket marked
** answered, the asker told (support-answer), an audit row support.answer.
** SUPPORT_CLOSED when the ticket is closed (reopen it first). */
enum support_result support_answer(struct db *db, struct arena *a, time_t now,
	long long staff_id, long long ticket_id, const char *body);

/* A member adds a follow-up to their own ticket (body checked already):
** stored; an answered ticket is open again and staff are told in-app.
** SUPPORT_NOT_FOUND for another's ticket, SUPPORT_CLOSED when closed. */
enum support_result support_follow_up(struct db *db, struct arena *a, time_t now,
	long long member_id, long long ticket_id, const char *body);

/* Staff close a ticket, or reopen a closed one (audit rows support.close
** and support.reopen). Closing a closed ticket or reopening one that is
** not closed changes nothing and is SUPPORT_OK. */
enum support_result support_close(struct db *db, struct arena *a, time_t now,
	long long staff_id, long long ticket_id);
enum support_result support_reopen(struct db *db, struct arena *a, time_t now,
	long long staff_id, long long ticket_id);

/* ---- the library's rules, for the help pages ----
** The general circulation rule (any member category, any item type), the
** circulation settings, the general e-book rule and the plans on offer:
** read live, so the help pages say what the library does today. */

struct support_plan {
	const char *name;
	int days;
	long price_cents;
};

struct support_rules {
	int loan_days, max_loans, max_renewals, grace_days, hold_pickup_days;
	int no_renewal_before_days;  /* -1: renewals at any time */
	long fine_per_day_cents, fine_cap_cents;
	long block_fines_cents;
	long renew_overdue_days;
	int ebook_days, ebook_max;
	int other_rules;             /* rules for particular categories or types */
	int nplans;
	struct support_plan *plans;
};

/* Read them. Returns 0 or -1. */
int support_rules_get(struct db *db, struct arena *a, struct support_rules *out);

#endif
