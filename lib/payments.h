/*
** payments.h: the payments ledger, desk payments and online payments.
**
** A payment is money for a plan, for fines or for something else. Desk
** payments (cash, card at the desk) are completed when recorded. Online
** payments start pending and are settled by the provider's callback. In
** both cases a completed payment takes effect in its own transaction: a
** plan payment activates or extends the membership, a fine payment
** credits the fines ledger.
**
** Online payments go through a provider. The one built in is a test
** provider that behaves like a hosted checkout: the member is sent to its
** page, approves or declines, and the provider's answer comes back to
** /payments/callback as a message signed with Ed25519 (libsodium). Only
** the provider holds the secret key; Carrel checks with the public key.
** Each answer carries a nonce: a replayed answer, a forged or altered one,
** or one for an amount other than the payment's changes nothing.
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
	const char *message;         /* why not, for the person at the screen */
	long long payment_id;
	const char *reference;
	char member_until[11];       /* after a plan payment */
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

/* Start an online payment: a pending row with a fresh reference. */
void payment_start_online(struct db *db, struct arena *a, time_t now,
	const struct payment_input *in, struct pay_result *r);

struct payment {
	long long id, account_id, plan_id, recorded_by;
	long amount_cents;
	const char *purpose, *method, *status, *reference, *note;
	const char *plan_name, *member_name, *member_email, *card_number, *recorded_by_name;
	long long created_at, completed_at;
};

int payment_get(struct db *db, struct arena *a, long long id, struct payment *out);
int payment_by_reference(struct db *db, struct arena *a, const char *reference,
	struct payment *out);

/* A member's payments, newest first (at most max). Returns the count. */
int payment_list(struct db *db, struct arena *a, long long account_id, int max,
	struct payment **out);

/* ---- the provider's answer ---- */

struct provider_answer {
	const char *reference;
	const char *status;          /* "completed" or "failed" */
	const char *amount_cents;    /* as sent: digits */
	const char *nonce;           /* 32 hex digits */
	const char *timestamp;       /* unix seconds */
	const char *signature;       /* 128 hex digits: Ed25519 over the rest */
};

/* The exact bytes that are signed (arena string). */
const char *payment_answer_message(struct arena *a, const struct provider_answer *ans);

/* Check and apply an answer. Refused (ok false, nothing changed) when the
** signature does not verify against the provider's public key, when the
** nonce was seen before, when it is older than an hour, when the payment
** is not pending or the amount differs. */
void payment_callback(struct db *db, struct arena *a, time_t now,
	const struct provider_answer *ans, struct pay_result *r);

/* ---- the built-in test provider ---- */

/* Sign an answer as the test provider would (its keys are made on first
** use and kept in settings). Fills nonce, timestamp and signature. */
int test_provider_sign(struct db *db, struct arena *a, time_t now,
	struct provider_answer *ans);

#endif
