/*
** circulation.h: checkout, checkin, renewals, the holds queue and fines.
**
** Every operation runs in one IMMEDIATE transaction, so two desks acting on
** the same copy at once are serialised by SQLite, and the schema's partial
** unique index (one open loan per copy) backs the check up. Refusals come
** back with a code and a sentence for the person at the desk; nothing is
** changed when an operation is refused.
**
** Time: callers pass "now" (unix seconds); library days come from it in the
** library's time zone (calendar.h).
*/
#ifndef CARREL_CIRCULATION_H
#define CARREL_CIRCULATION_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "calendar.h"
#include "db.h"

struct circ_rule {
	long long id;
	const char *category;      /* "*" = any */
	const char *item_type;     /* "*" = any */
	int loan_days;
	int max_loans;
	int max_renewals;
	long fine_per_day_cents;
	int grace_days;
	long fine_cap_cents;
	int hold_pickup_days;
	int no_renewal_before_days; /* no renewal earlier than this many days
	                               before the due date; -1: any time */
};

enum circ_code {
	CIRC_OK,
	CIRC_UNKNOWN_MEMBER,
	CIRC_UNKNOWN_BARCODE,
	CIRC_NOT_AVAILABLE,        /* on loan, lost, withdrawn, ... */
	CIRC_HELD_FOR_OTHER,       /* on the hold shelf for someone else */
	CIRC_TOO_MANY_LOANS,
	CIRC_BLOCKED,               /* fines over the limit, or membership not in order */
	CIRC_NOT_ON_LOAN,          /* checkin of a copy that is not out */
	CIRC_RENEW_LIMIT,
	CIRC_RENEW_HELD,           /* someone is waiting for the title */
	CIRC_RENEW_OVERDUE,        /* too long overdue to renew */
	CIRC_RENEW_TOO_SOON,       /* before the rule's "no renewal before N days" */
	CIRC_NOT_YOURS,            /* a member acting on another's loan or hold */
	CIRC_HOLD_HAVE_IT,         /* a hold on a title the member has out */
	CIRC_HOLD_DUPLICATE,
	CIRC_NOT_FOUND,
	CIRC_ERROR,
};

/* Which rule or setting produced a refusal, for the staff's "why". */
enum circ_why_kind { CIRC_WHY_NONE, CIRC_WHY_RULE, CIRC_WHY_SETTING };
struct circ_why {
	enum circ_why_kind kind;
	long long rule_id;         /* CIRC_WHY_RULE: 0 when since deleted */
	const char *category;      /* CIRC_WHY_RULE: the rule's category ... */
	const char *item_type;     /* ... and item type ("*" = any) */
	const char *setting;       /* CIRC_WHY_SETTING: its key (CIRC_SETTING_...) */
	const char *what;          /* what is limited, e.g. "loans at once" */
	const char *limit;         /* the limit as people read it: "5", "5.00" */
};

/* What an operation did, for the desk's answer and its "why". */
struct circ_result {
	enum circ_code code;
	const char *message;       /* a sentence for people; "" when CIRC_OK */
	struct circ_why why;       /* for refusals a rule or setting produced */
	long long loan_id;
	long long hold_id;
	const char *member_name;
	const char *title;
	char due[11];              /* YYYY-MM-DD of the (new) due date */
	long fine_cents;           /* fine of a checkin */
	const char *held_for;      /* checkin trapped the copy for this member */
	char pickup_by[11];
	int queue_place;           /* place of a new hold */
};

/* Library-wide circulation settings, kept in the setting table under these
** keys (an admin edits them at /admin/settings). */
#define CIRC_SETTING_BLOCK_FINES   "circ.block_fines_cents"
#define CIRC_SETTING_RENEW_OVERDUE "circ.renew_overdue_days"
struct circ_settings {
	long block_fines_cents;    /* no borrowing or renewing when owing more */
	long renew_overdue_days;   /* no renewal when overdue by more days */
};

/* The settings, with the design's defaults (5.00, 30 days) for any not set. */
void circ_settings_get(struct db *db, struct circ_settings *out);

/* The most specific rule for a member category and item type: exact pair,
** then category with any item, then any category with the item, then any.
** Returns 0, or -1 when no rule matches at all. */
int circ_rule_for(struct db *db, struct arena *a, const char *category,
	const char *item_type, struct circ_rule *out);

/* All closed days, sorted (on the arena), and the weekly closing days.
** Returns 0 or -1. */
int circ_closed_days(struct db *db, struct arena *a, struct closed_days *out);

/* Look a member up by email or library card number. Returns the account id
** or 0. */
long long circ_find_member(struct db *db, const char *email_or_card);

/* Lend the copy with barcode to member_id. */
void circ_checkout(struct db *db, struct arena *a, time_t now, long long member_id,
	const char *barcode, struct circ_result *r);

/* Take a copy back: ends its loan, fixes the fine in the ledger, and traps
** the copy for the first hold waiting on its title. */
void circ_checkin(struct db *db, struct arena *a, time_t now, const char *barcode,
	struct circ_result *r);

/* Renew a loan: its due date moves on by the loan period from the current
** due date (renewing early wastes nothing), past closed days; a loan
** already overdue is renewed from today, so no day is charged twice.
** Refused before the loan's "no renewal before N days" (CIRC_RENEW_TOO_SOON),
** at its renewal limit, when another reader waits for the title, when
** overdue beyond the setting, or when the member may not borrow.
** member_id is the member asking (0 for staff, who may renew any loan);
** the messages are said to the member when it is not 0. */
void circ_renew(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long member_id, struct circ_result *r);

/* Whether circ_renew would renew the loan now: r->code CIRC_OK, or the
** refusal it would give with its message (said to the member when
** member_id is not 0). Changes nothing. */
void circ_renew_check(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long member_id, struct circ_result *r);

/* Place a hold on a title for a member; r->queue_place is their place.
** Refused as circ_hold_check says, changing nothing (no copy is taken off
** the shelf for a refused hold). */
void circ_hold_place(struct db *db, struct arena *a, time_t now, long long title_id,
	long long member_id, struct circ_result *r);

/* Cancel a hold (member_id 0: staff). A ready hold's copy passes on. */
void circ_hold_cancel(struct db *db, struct arena *a, time_t now, long long hold_id,
	long long member_id, struct circ_result *r);

/* Expire ready holds whose pickup day has passed, passing each copy to the
** next in its queue (or back to the shelf). Cheap when none has (one
** indexed look-up, no write lock), so pages that show holds or copies call
** it before reading them, as does carrel-cron; checkout and hold placement
** do the same inside their own transactions. Returns how many expired, or
** -1. */
int circ_holds_expire(struct db *db, struct arena *a, time_t now);

/* The place (1-based) of a waiting hold in its title's queue; 0 if none. */
int circ_hold_place_in_queue(struct db *db, long long hold_id);

/* An open loan's fine as of now: *out is what it adds to the ledger (the
** days not recorded yet, within the cap) and how it came about, and
** *recorded_cents what the ledger holds for the loan already (recorded at a
** renewal while overdue, or before a payment). Returns 0, or -1 when the
** loan is not open. */
int circ_loan_fine_now(struct db *db, struct arena *a, long long loan_id, time_t now,
	struct fine_calc *out, long *recorded_cents);

/* A member's fines. The ledger (the view fine_balance, which the member list
** reads too) holds everything recorded: fines of returned loans, lateness
** recorded at renewals and before payments, payments and waivers. Loans still
** out and overdue keep accruing until they are returned, renewed or a
** payment is taken: that part is computed, not stored. */
struct circ_fines {
	long recorded_cents;       /* the ledger's sum */
	long accruing_cents;       /* open overdue loans, not recorded yet */
	long owed_cents;           /* both: what the member owes now */
};
int circ_fines(struct db *db, struct arena *a, long long member_id, time_t now,
	struct circ_fines *out);

/* What the member owes now (circ_fines' owed_cents). */
long circ_balance(struct db *db, struct arena *a, long long member_id, time_t now);

/* Whether a member may borrow now: THE check behind checkout, renewals,
** holds and the title page's "Place a hold". They may not when they owe
** more fines than the setting allows, or their membership is not active
** (none, staff accounts without one included; waiting for its payment;
** expired: see membership_refusal). */
struct circ_standing {
	bool may_borrow;
	const char *for_staff;     /* why not, written for the desk; NULL if they may */
	const char *for_member;    /* the same, said to the member */
	struct circ_why why;       /* the setting behind it; CIRC_WHY_NONE for a
	                              membership not in order */
};
bool circ_may_borrow(struct db *db, struct arena *a, long long member_id, time_t now,
	struct circ_standing *out);

/* circ_may_borrow's reason for the desk, or NULL when the member may
** borrow; *why (when not NULL) as there. */
const char *circ_blocked(struct db *db, struct arena *a, long long member_id, time_t now,
	struct circ_why *why);

/* Whether a hold on the title would be placed for the member now: r->code
** CIRC_OK, or the refusal circ_hold_place would give, with its message said
** to the member (CIRC_BLOCKED: they may not borrow; CIRC_HOLD_HAVE_IT: they
** have the title out; CIRC_HOLD_DUPLICATE: they hold it already;
** CIRC_NOT_FOUND). The title page shows the reason instead of the button. */
void circ_hold_check(struct db *db, struct arena *a, time_t now, long long title_id,
	long long member_id, struct circ_result *r);

/* Inside an open transaction: credit the fines ledger (kind "paid" or
** "waived") by amount_cents, refused above what the member owes. First the
** fine the member's overdue loans have run up so far is recorded (an
** accrued row per loan), so the credit never takes the ledger below zero.
** payment_id (or 0) names the payment it came from. Returns 0, or -1 with
** r filled (the caller rolls back). */
int circ_fine_credit_in_tx(struct db *db, struct arena *a, time_t now,
	long long member_id, long amount_cents, const char *kind, const char *reason,
	long long actor_id, long long payment_id, struct circ_result *r);

/* Record a payment (amount_cents > 0) or waive an amount with a reason.
** Refused (CIRC_ERROR with a message) for amounts above the balance. */
void circ_fine_pay(struct db *db, struct arena *a, time_t now, long long member_id,
	long amount_cents, const char *note, long long actor_id, struct circ_result *r);
void circ_fine_waive(struct db *db, struct arena *a, time_t now, long long member_id,
	long amount_cents, const char *reason, long long actor_id, struct circ_result *r);

#endif
