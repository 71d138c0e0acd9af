/*
** desk.h: what the circulation desk reads: finding the member at the
** counter, their summary before lending, the receipt of a checkout or
** checkin, the hold shelf and queues, a loan's terms, past loans, the
** overdue list and the printable slips. The desk's writes (checkout,
** checkin, renewals, holds) are circulation.h's; this module only reads,
** plus the staff notes on a member.
**
** Rows come back on the arena; text columns are "" when empty or NULL.
*/
#ifndef CARREL_DESK_H
#define CARREL_DESK_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "calendar.h"
#include "db.h"
#include "members.h"

/* ---- finding the member ---- */

/* At most this many members in the desk's pick list. */
#define DESK_MAX_MATCHES 20

struct desk_match {
	long long id;
	const char *name, *email, *card;
	const char *status;        /* membership: "active", "expired", ... */
};

/* The members what was typed at the desk names: the one whose email or
** card number it is exactly (case aside), else everyone whose name
** contains it, by name. Fills up to max rows of out and returns how many
** matched, counting at most max + 1 (more than max: too many to list), or
** -1. */
int desk_find_members(struct db *db, struct arena *a, const char *typed, lday today,
	struct desk_match *out, int max);

/* Whether an account with this id exists. */
bool desk_member_exists(struct db *db, long long id);

/* ---- the member summary before lending ---- */

struct desk_summary {
	long long id;
	const char *name, *email, *phone, *card, *category;
	const char *notes;         /* staff notes ("" when none) */
	struct membership_status membership;
	int loans_out;
	int overdue;               /* loans out past their due day */
	int holds_ready;           /* on the hold shelf for them */
	long owed_cents;           /* fines owed now, accruing ones included */
	const char *blocked;       /* why they may not borrow now, or NULL */
};

/* Returns 0, 1 when there is no such account, -1 on error. */
int desk_member_summary(struct db *db, struct arena *a, long long id, time_t now,
	struct desk_summary *out);

/* Change a member's staff notes (at most DESK_NOTES_MAX bytes), audited as
** account.notes. Returns 0, 1 when there is no such account, -1. */
#define DESK_NOTES_MAX 2000
int desk_set_notes(struct db *db, long long id, const char *notes, long long actor_id,
	time_t now);

/* ---- the receipt of one checkout or checkin ---- */

struct desk_receipt {
	long long loan_id, member_id;
	const char *title, *member, *barcode;
	const char *due, *returned;  /* returned "" while the loan is open */
	long fine_cents;             /* fixed at checkin */
	long long hold_id;           /* the copy went to the hold shelf: its hold */
	const char *held_for, *pickup_by;
};

/* Returns 0, or 1 when there is no such loan. */
int desk_loan_receipt(struct db *db, struct arena *a, long long loan_id,
	struct desk_receipt *out);

/* ---- holds ---- */

struct desk_shelf_hold {
	long long id, title_id, member_id;
	const char *title, *member, *barcode, *ready, *pickup_by;
};

struct desk_queued_hold {
	long long id, title_id, member_id;
	const char *title, *member;
	long long placed_at;       /* unix seconds */
	int place;                 /* in its title's queue, from 1 */
};

/* The hold shelf, soonest pickup first. Returns the count or -1. */
int desk_hold_shelf(struct db *db, struct arena *a, struct desk_shelf_hold **out);

/* The queues by title (at most 500 holds). Returns the count or -1. */
int desk_hold_queues(struct db *db, struct arena *a, struct desk_queued_hold **out);

/* ---- a loan and its terms ---- */

struct desk_loan {
	long long id, member_id;
	const char *title, *member, *category, *barcode, *item_type;
	const char *loan_day, *due_day, *renewed_day, *return_day;
	const char *rule_category, *rule_item_type;
	bool rule_removed;         /* the rule it was made under is deleted */
	int renewals, loan_days, max_renewals, grace_days, closed_skipped;
	long per_day_cents, cap_cents;
	bool returned;
	long fine_cents;           /* fixed at return */
};

/* Returns 0, or 1 when there is no such loan. */
int desk_loan_get(struct db *db, struct arena *a, long long id, struct desk_loan *out);

/* The account a loan belongs to, or 0. */
long long desk_loan_member(struct db *db, long long loan_id);

/* ---- a member's past loans ---- */

struct desk_past_loan {
	long long title_id;
	const char *title, *loaned, *returned;
	long fine_cents;
};

/* The latest returned loans of a member, at most limit. Returns the count. */
int desk_past_loans(struct db *db, struct arena *a, long long member_id, int limit,
	struct desk_past_loan **out);

/* ---- a member's loans, holds and fines ledger ---- */

struct desk_open_loan {
	long long id, title_id;
	const char *title, *barcode, *due;
	int renewals, max_renewals;
};

/* A member's loans still out, soonest due first. Returns the count. */
int desk_open_loans(struct db *db, struct arena *a, long long member_id,
	struct desk_open_loan **out);

struct desk_member_hold {
	long long id, title_id;
	const char *title, *pickup_by;   /* pickup_by: '' while waiting */
	bool ready;                      /* on the hold shelf */
	int place;                       /* place in the queue while waiting */
};

/* A member's holds waiting or ready, oldest first. Returns the count. */
int desk_member_holds(struct db *db, struct arena *a, long long member_id,
	struct desk_member_hold **out);

struct desk_ledger_row {
	long long at;
	const char *kind, *reason;
	long amount_cents;
};

/* The latest rows of a member's fines ledger (at most 50). Returns the count. */
int desk_fine_ledger(struct db *db, struct arena *a, long long member_id,
	struct desk_ledger_row **out);

/* ---- the overdue list ---- */

struct desk_overdue {
	long long loan_id, member_id;
	const char *title, *barcode, *member, *email, *phone, *due;
	long days_overdue;         /* calendar days past the due day */
	long fine_cents;           /* the fine so far (recorded and accruing) */
};

/* Every open loan past its due day, most overdue first (at most 1000).
** Returns the count or -1. */
int desk_overdue_list(struct db *db, struct arena *a, time_t now, struct desk_overdue **out);

/* ---- every loan out ---- */

struct desk_loan_out {
	long long loan_id, member_id;
	const char *title, *barcode, *member, *due;
	bool overdue;
};

/* One page (from 1) of the open loans, soonest due first; *total gets how
** many there are. Returns the count on the page or -1. */
int desk_loans_out(struct db *db, struct arena *a, time_t now, long page, int per_page,
	struct desk_loan_out **out, long *total);

/* ---- slips ---- */

/* The library's name for slips (setting library.name, else "Carrel
** Library"). */
const char *desk_library_name(struct db *db, struct arena *a);

struct desk_slip_loan {
	long long loan_id;
	const char *title, *barcode, *due;
};

/* A member's loans made on day (still out), for the checkout receipt.
** Returns the count. */
int desk_loans_made_on(struct db *db, struct arena *a, long long member_id, lday day,
	struct desk_slip_loan **out);

struct desk_hold_slip {
	long long id, member_id;
	const char *member, *card, *title, *barcode, *ready, *pickup_by;
};

/* A hold on the hold shelf, for its slip. Returns 0, or 1 when the hold
** is not waiting on the shelf. */
int desk_hold_slip(struct db *db, struct arena *a, long long hold_id,
	struct desk_hold_slip *out);

/* ---- after login ---- */

/* Where an account lands after logging in when no page was asked for:
** "/staff" for librarians and admins, "/account" for members. */
const char *desk_landing(struct db *db, long long account_id);

#endif
