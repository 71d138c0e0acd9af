/*
** payments.h: the payments ledger, desk payments, online payments through a
** provider, and refunds.
**
** A payment is money for a plan, for fines or for something else. Desk
** payments (cash, card at the desk) are completed when recorded. Online
** payments start pending and are settled by the provider's callback. In
** both cases a completed payment takes effect in its own transaction: a
** plan payment activates or extends the membership, a fine payment
** credits the fines ledger. A refund (staff) reverses that effect in its
** own transaction. Completed and refunded payments queue a notice to the
** member (notify.h).
**
** Online payments go through a provider (struct payment_provider): it
** sends the member to its checkout and vouches for its answers, which come
** back to /payments/callback. Each payment names its provider. Carrel
** checks every answer with that provider and refuses a replayed one (each
** carries a nonce, remembered), one older than an hour, one for another
** amount or for a payment that is not pending: nothing changes. The one
** provider built in is the test provider (testprovider.h).
*/
#ifndef CARREL_PAYMENTS_H
#define CARREL_PAYMENTS_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "db.h"
#include "valid.h"

enum pay_purpose { PAY_PLAN, PAY_FINE, PAY_OTHER };
enum pay_method { PAY_CASH, PAY_CARD, PAY_ONLINE };

struct payment_input {
	long long account_id;
	long amount_cents;           /* plans: 0 means the plan's price */
	enum pay_purpose purpose;
	long long plan_id;           /* PAY_PLAN */
	enum pay_method method;
	const char *note;
	long long recorded_by;       /* staff account, 0 online */
};

/* Why something was refused, so a page can answer with the right status. */
enum pay_problem {
	PAY_PROBLEM_INPUT,           /* what was asked is not acceptable (422) */
	PAY_PROBLEM_STATE,           /* not in this payment's state (409) */
	PAY_PROBLEM_MISSING,         /* no such payment (404) */
	PAY_PROBLEM_ERROR,           /* the database failed (500) */
};

struct pay_result {
	bool ok;
	bool declined;               /* a genuine answer: the payment failed */
	enum pay_problem problem;    /* when not ok */
	const char *message;         /* why not (or what was done), for people */
	long long payment_id;
	const char *reference;
	const char *checkout_url;    /* online: where to send the member */
	char member_until[11];       /* after a plan payment or its refund */
};

/* What a provider's answer to /payments/callback carries. */
struct provider_answer {
	const char *reference;
	const char *status;          /* "completed" or "failed" */
	const char *amount_cents;    /* as sent: digits */
	const char *nonce;           /* 32 hex digits, never sent twice */
	const char *timestamp;       /* unix seconds */
	const char *signature;       /* the provider's, over the rest */
};

/* Names as stored and shown; the parse functions return -1 if unknown. */
const char *payment_purpose_name(enum pay_purpose p);
const char *payment_method_name(enum pay_method m);
int payment_purpose_parse(const char *s);
int payment_method_parse(const char *s);

/* Record a desk payment (cash or card) as completed, with its effect. A
** fine payment may not exceed what the member owes. */
void payment_record_desk(struct db *db, struct arena *a, time_t now,
	const struct payment_input *in, struct pay_result *r);

/* A free plan needs no payment: extend the membership at once. staff_id 0
** means the member asks for themselves, and is refused while their
** membership has more than the free-plan window left
** (membership_free_plan_refusal); staff may extend anyone. */
void payment_free_plan(struct db *db, struct arena *a, time_t now,
	long long account_id, long long plan_id, long long staff_id, struct pay_result *r);

struct payment {
	long long id, account_id, plan_id, recorded_by;
	long amount_cents;
	long excess_cents;           /* beyond the fines owed when it completed */
	const char *purpose, *method, *status, *reference, *note, *provider;
	const char *plan_name, *member_name, *member_email, *card_number, *recorded_by_name;
	long long created_at, completed_at;
	long long refunded_at;       /* 0 unless refunded */
	const char *refund_reason, *refunded_by_name;
};

/* An online payment provider. A real one is a second implementation of
** these three, named by the configuration key payment_provider. */
struct payment_provider {
	const char *name;        /* in the configuration and on each payment */
	/* The address of the provider's checkout for a new pending payment (an
	** arena string), or NULL when the provider cannot take it now. */
	const char *(*checkout_url)(struct db *db, struct arena *a, const struct payment *p);
	/* True when ans really comes from this provider (its signature). */
	bool (*answer_genuine)(struct db *db, struct arena *a,
		const struct provider_answer *ans);
};

/* The built-in provider with this name, or NULL. */
const struct payment_provider *payment_provider_named(const char *name);

/* Start an online payment with provider: a pending row with a fresh
** reference, and r->checkout_url to send the member to. A fine payment is
** for what is owed now, and refused when nothing is. */
void payment_start_online(struct db *db, struct arena *a, time_t now,
	const struct payment_provider *provider, const struct payment_input *in,
	struct pay_result *r);

/* Refund a completed payment (staff_id: who), reversing its effect in the
** same transaction: a fine payment's credit goes back on the fines ledger
** as owed, a plan payment's period is cancelled or cut short and the
** member's expiry goes back (membership_undo_payment). Written to the
** audit table; the member is sent a notice. Refused, changing nothing,
** without a reason (PAY_PROBLEM_INPUT), for a payment that is not
** completed or already refunded (PAY_PROBLEM_STATE), or for no such
** payment of this member (PAY_PROBLEM_MISSING). */
void payment_refund(struct db *db, struct arena *a, time_t now, long long payment_id,
	long long account_id, long long staff_id, const char *reason, struct pay_result *r);


/* One payment by id or by reference: 0 and *out filled (strings on the
** arena), or -1 when there is none. */
int payment_get(struct db *db, struct arena *a, long long id, struct payment *out);
int payment_by_reference(struct db *db, struct arena *a, const char *reference,
	struct payment *out);

/* A member's payments, newest first (at most max). Returns the count. */
int payment_list(struct db *db, struct arena *a, long long account_id, int max,
	struct payment **out);

/* Check and apply a provider's answer. Refused (ok false, nothing
** changed) when the payment's provider does not vouch for it, when the
** nonce was seen before, when it is older than an hour, when the payment
** is not pending or the amount differs. */
void payment_callback(struct db *db, struct arena *a, time_t now,
	const struct provider_answer *ans, struct pay_result *r);

#endif
