/*
** members.h: membership plans, membership periods and the member list.
**
** A member's standing comes from their periods: pending until the plan is
** paid for, then active through its end day, then expired. The latest end
** day of the active periods is kept on the account (member_until) so that
** checkout and the member list test it without a join; every change of
** periods goes through this module, which keeps the two in step.
**
** Functions marked "inside a transaction" expect the caller to have called
** db_begin(): payments activate a membership in the payment's transaction.
*/
#ifndef CARREL_MEMBERS_H
#define CARREL_MEMBERS_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "calendar.h"
#include "db.h"
#include "valid.h"

struct plan {
	long long id;
	const char *name;
	int duration_days;
	long price_cents;
	bool active;
	long periods;            /* membership periods that name it (counted
	                            only by plans_list with count_periods) */
};

/* Plans by price then name; active_only for the registration form.
** Returns the count, or -1. */
int plans_list(struct db *db, struct arena *a, bool active_only, bool count_periods,
	struct plan **out);

/* 0 and *out filled, or -1 when there is no such plan. */
int plan_get(struct db *db, struct arena *a, long long id, struct plan *out);

/* The plan with this name (any case); 0, or -1 when there is none. */
int plan_by_name(struct db *db, struct arena *a, const char *name, struct plan *out);

/* What an admin submits for a plan; checked into *out by plan_validate. */
struct plan_input {
	const char *name, *duration_days, *price, *active;
};
bool plan_validate(struct arena *a, const struct plan_input *in, struct plan *out,
	struct form_errors *errs);

/* Create (id 0) or change a plan. Returns 0; -1 with errs filled (a name
** already taken) or on a database error. */
int plan_save(struct db *db, long long id, const struct plan *p, time_t now,
	long long actor_id, struct form_errors *errs);

enum standing { STANDING_NONE, STANDING_PENDING, STANDING_ACTIVE, STANDING_EXPIRED };

struct membership_status {
	enum standing standing;
	const char *label;           /* "active", "expired", "pending", "none" */
	char until[11];              /* last valid day, "" when never active */
	const char *plan_name;       /* of the latest active period, or "" */
	long long plan_id;           /* that plan, or 0 */
	long days_left;              /* through until; negative once expired */
	long long pending_plan_id;   /* a period waiting for payment, or 0 */
	const char *pending_plan_name;
	long pending_price_cents;
};

void membership_status(struct db *db, struct arena *a, long long account_id,
	lday today, struct membership_status *out);

/* Why this member may not borrow because of their membership, written for
** the desk, or NULL when the membership is in order. A membership is in
** order only while active: none at all (staff accounts included), one
** waiting for its payment and an expired one all refuse. Circulation's
** borrowing check (circ_may_borrow) asks this; this module asks nothing of
** circulation. */
const char *membership_refusal(struct db *db, struct arena *a, long long account_id,
	lday today);

/* The same reason, said to the member ("Your membership ..."). */
const char *membership_refusal_to_member(struct db *db, struct arena *a,
	long long account_id, lday today);

/* Inside a transaction: a period of plan waiting for payment. */
int membership_add_pending(struct db *db, long long account_id, const struct plan *p,
	time_t now);

/* The same in a transaction of its own (a new member joining a paid plan).
** Returns 0 or -1 (nothing saved). */
int membership_join_pending(struct db *db, long long account_id, const struct plan *p,
	time_t now);

/* Inside a transaction: the plan has been paid for (payment_id, or 0 for a
** free plan). Activates the member's pending period of that plan, or adds
** a new one, running from the later of today and the current expiry for
** the plan's duration; the member's other pending periods are cancelled.
** The new last day goes to until. Returns 0 or -1. */
int membership_extend(struct db *db, long long account_id, const struct plan *p,
	long long payment_id, lday today, time_t now, char until[11]);

/* Inside a transaction: an active period with a given last day (imports,
** and staff setting an expiry); pending periods are cancelled. */
int membership_set_until(struct db *db, long long account_id, long long plan_id,
	lday today, lday until, time_t now);

/* Why this member may not take a free plan now (they have a membership
** that ends more than membership.free_plan_window_days from today, 14 by
** default), or NULL when they may. Staff are not held to it. */
const char *membership_free_plan_refusal(struct db *db, struct arena *a,
	long long account_id, lday today);

/* What undoing a period did. */
struct membership_undo {
	bool found;              /* a period was bought with the payment */
	bool cancelled;          /* it had not begun: cancelled whole */
	long days_removed;       /* days taken off (0: it had run its course) */
	char until[11];          /* the member's last valid day now, "" if none */
};

/* Inside a transaction: the payment that bought a period is refunded. A
** period not yet begun is cancelled; one under way ends yesterday; one
** already over stays. The member's later periods (chained after it) move
** back by the days taken off, so the expiry goes back as far. Every change
** is noted on the period with why. Returns 0 (out->found false when no
** period names the payment), or -1. */
int membership_undo_payment(struct db *db, struct arena *a, long long payment_id,
	const char *why, lday today, time_t now, struct membership_undo *out);

struct membership_period {
	long long id;
	const char *plan_name;   /* "" when carried over or imported */
	const char *status;      /* pending, active, expired, cancelled */
	const char *start_day, *end_day;
	long price_cents;
	long long payment_id;
	const char *note;        /* why it was cancelled, cut short or moved */
};

/* Every period of a member, newest first. Returns the count, or -1. */
int membership_periods(struct db *db, struct arena *a, long long account_id,
	lday today, struct membership_period **out);

/* ---- the member list (staff) ---- */

enum member_sort { MSORT_NAME, MSORT_EMAIL, MSORT_PHONE, MSORT_CARD, MSORT_CATEGORY,
	MSORT_PLAN, MSORT_UNTIL, MSORT_OWED, MSORT_STATUS, MSORT_COUNT };

struct member_filter {
	const char *q;            /* name, email, phone (substring) or card */
	const char *status;       /* "", active, expired, pending, none */
	long long plan_id;        /* 0: any */
	long expiring_days;       /* > 0: active and ending within N days */
	bool owing;               /* owed_cents > 0 */
	enum member_sort sort;
	bool descending;
	long page, per_page;
};

struct member_row {
	long long id;
	const char *name, *email, *phone, *card_number, *category;
	const char *plan_name, *until, *status;
	long owed_cents;          /* recorded fines (the view fine_balance) */
};

/* The sort for a query value ("name", "until", ...); MSORT_NAME if unknown. */
enum member_sort member_sort_parse(const char *s);
const char *member_sort_name(enum member_sort s);

/* One page of members; *total gets how many match. Returns the count put
** in out (at most per_page), or -1. */
long member_list(struct db *db, struct arena *a, const struct member_filter *f,
	lday today, struct member_row *out, long *total);

/* How many members match f (its paging and sort aside), or -1. */
long member_count(struct db *db, const struct member_filter *f, lday today);

/* A member's category and library details for the staff forms. */
int member_set_category(struct db *db, long long account_id, const char *category,
	time_t now);

#endif
