/*
** payments.c: the payments ledger, desk and online payments, refunds.
** See payments.h.
*/
#include "payments.h"
#include "audit.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "circulation.h"
#include "members.h"
#include "money.h"
#include "notify.h"
#include "testprovider.h"
#include "valid.h"

static const char *const purpose_names[] = { "plan", "fine", "other" };
static const char *const method_names[] = { "cash", "card", "online" };

const char *payment_purpose_name(enum pay_purpose p) { return purpose_names[p]; }
const char *payment_method_name(enum pay_method m) { return method_names[m]; }

static int parse_name(const char *s, const char *const *names, int n)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

int payment_purpose_parse(const char *s) { return parse_name(s, purpose_names, 3); }
int payment_method_parse(const char *s) { return parse_name(s, method_names, 3); }

static void refuse_as(struct pay_result *r, enum pay_problem problem, const char *message)
{
	r->ok = false;
	r->problem = problem;
	r->message = message;
}

static void refuse(struct pay_result *r, const char *message)
{
	refuse_as(r, PAY_PROBLEM_INPUT, message);
}

/* A reference nobody can guess: a letter for where it came from and 12
** hex digits, e.g. D-3F9A0C77B21E for the desk. */
static const char *new_reference(struct arena *a, char kind)
{
	unsigned char raw[6];
	char hex[13];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
	for (char *p = hex; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	return arena_printf(a, "%c-%s", kind, hex);
}

/* What a payment was for, for people: "Annual membership". */
static const char *payment_what(struct arena *a, const struct payment *p)
{
	if (*p->plan_name)
		return arena_printf(a, "%s membership", p->plan_name);
	return !strcmp(p->purpose, "fine") ? "library fines" : p->note;
}

/* ---- notices ---- */

/* Inside the payment's transaction: tell the member it was received
** (kind "payment-receipt") or refunded ("payment-refund"). */
static int notify_payment(struct db *db, struct arena *a, time_t now, long long payment_id,
	const char *kind)
{
	struct payment p;
	if (payment_get(db, a, payment_id, &p))
		return -1;
	char day[11];
	cal_format(cal_day_of(now), day);
	struct tv *fields = tv_obj(a);
	tv_set_str(fields, "amount", money_show(db, a, p.amount_cents));
	tv_set_str(fields, "what", payment_what(a, &p));
	tv_set_str(fields, "method", p.method);
	tv_set_str(fields, "day", day);
	tv_set_str(fields, "reference", p.reference);
	tv_set_str(fields, "reason", p.refund_reason);
	if (p.excess_cents)
		tv_set_str(fields, "excess", money_show(db, a, p.excess_cents));
	struct notice n = {
		.kind = kind, .account_id = p.account_id,
		.object = arena_printf(a, "payment:%lld", p.id), .bucket = day,
		.fields = fields, .link = "/account/payments",
	};
	if (notify_queue(db, a, now, &n) < 0)
		return -1;
	if (strcmp(kind, "payment-receipt"))
		return 0;
	/* And the staff, in their notification centre. */
	return notify_staff(db, a, now, "payment-received",
		arena_printf(a, "payment-received:%lld", p.id),
		arena_printf(a, "Payment received: %s from %s", money_show(db, a, p.amount_cents),
			p.member_name),
		arena_printf(a, "%s, paid by %s. Reference %s.", payment_what(a, &p), p.method,
			p.reference),
		arena_printf(a, "/staff/members/%lld/payments", p.account_id)) < 0 ? -1 : 0;
}

/* A payment's state as people read it. */
static const char *payment_status_words(const char *status)
{
	static const char *const words[][2] = {
		{ "pending", "still waiting to be paid" }, { "completed", "paid" },
		{ "failed", "a failed payment" }, { "refunded", "refunded" },
		{ "cancelled", "cancelled" },
	};
	return LABEL_OF(status, words);
}

/* ---- taking payments ---- */

/* A fine payment credits what is owed; what is beyond that (an online
** payment that completes after the fines were paid some other way) is
** kept on the payment as its excess, shown on the receipt. */
static int apply_fine_payment(struct db *db, struct arena *a, time_t now, long long payment_id,
	const struct payment_input *in, struct pay_result *r)
{
	long owed = circ_balance(db, a, in->account_id, now);
	long credit = in->amount_cents < owed ? in->amount_cents : owed;
	if (credit < 0)
		credit = 0;
	struct circ_result cr;
	if (credit > 0 && circ_fine_credit_in_tx(db, a, now, in->account_id, credit,
		"paid", in->note ? in->note : "", in->recorded_by, payment_id, &cr))
		return refuse(r, cr.message), -1;
	long excess = in->amount_cents - credit;
	if (excess > 0 && db_exec(db, "UPDATE payment SET excess_cents = ? WHERE id = ?", "ii",
		(long long)excess, payment_id) != SQLITE_OK)
		return refuse_as(r, PAY_PROBLEM_ERROR, "The payment could not be recorded just now."), -1;
	return 0;
}

/* The effect of a completed payment, inside its transaction. */
static int apply_payment(struct db *db, struct arena *a, time_t now, long long payment_id,
	const struct payment_input *in, struct pay_result *r)
{
	if (in->purpose == PAY_PLAN) {
		struct plan p;
		if (plan_get(db, a, in->plan_id, &p))
			return refuse(r, "That plan does not exist."), -1;
		if (membership_extend(db, in->account_id, &p, payment_id, cal_day_of(now), now,
			r->member_until))
			return refuse(r, "The membership could not be extended just now."), -1;
	} else if (in->purpose == PAY_FINE &&
	           apply_fine_payment(db, a, now, payment_id, in, r)) {
		return -1;
	}
	if (notify_payment(db, a, now, payment_id, "payment-receipt"))
		return refuse_as(r, PAY_PROBLEM_ERROR, "The payment could not be recorded just now."), -1;
	return 0;
}

/* Check what a payment is for; fills in a plan's price. */
static bool check_input(struct db *db, struct arena *a, time_t now,
	struct payment_input *in, struct pay_result *r)
{
	if (!db_int(db, 0, "SELECT count(*) FROM account WHERE id = ?", "i", in->account_id))
		return refuse(r, "There is no member with that number."), false;
	if (in->purpose == PAY_PLAN) {
		struct plan p;
		if (plan_get(db, a, in->plan_id, &p))
			return refuse(r, "Choose one of the plans."), false;
		if (p.price_cents <= 0)
			return refuse(r, "That plan is free: renew it without a payment."), false;
		in->amount_cents = p.price_cents;
	} else if (in->amount_cents <= 0) {
		return refuse(r, "Enter the amount as a number such as 2.50."), false;
	}
	if (in->purpose == PAY_FINE && in->method != PAY_ONLINE) {
		long owed = circ_balance(db, a, in->account_id, now);
		if (in->amount_cents > owed)
			return refuse(r, arena_printf(a, "The member owes %s in fines; %s is more "
				"than that.", money_show(db, a, owed), money_show(db, a, in->amount_cents))), false;
	}
	if (in->purpose == PAY_OTHER && (!in->note || !*in->note))
		return refuse(r, "Say what the payment is for in the note."), false;
	return true;
}

static int insert_payment(struct db *db, const struct payment_input *in, const char *status,
	const char *reference, const char *provider, time_t now)
{
	return db_exec(db, "INSERT INTO payment(account_id, amount_cents, purpose, plan_id, "
		"method, status, reference, note, recorded_by, provider, created_at, completed_at) "
		"VALUES (?, ?, ?, nullif(?, 0), ?, ?, ?, ?, nullif(?, 0), ?, ?, "
		"CASE WHEN ? = 'completed' THEN ? END)", "iitittttititi",
		in->account_id, (long long)in->amount_cents, payment_purpose_name(in->purpose),
		in->purpose == PAY_PLAN ? in->plan_id : 0, payment_method_name(in->method),
		status, reference, in->note ? in->note : "", in->recorded_by, provider,
		(long long)now, status, (long long)now) == SQLITE_OK ? 0 : -1;
}

void payment_record_desk(struct db *db, struct arena *a, time_t now,
	const struct payment_input *in_, struct pay_result *r)
{
	memset(r, 0, sizeof *r);
	struct payment_input in = *in_;
	if (in.method == PAY_ONLINE)
		return refuse(r, "Online payments are made by the member from their account.");
	if (db_begin(db))
		return refuse_as(r, PAY_PROBLEM_ERROR, "The payment could not be recorded just now.");
	if (!check_input(db, a, now, &in, r))
		goto fail;
	r->reference = new_reference(a, 'D');
	if (insert_payment(db, &in, "completed", r->reference, "", now)) {
		refuse_as(r, PAY_PROBLEM_ERROR, "The payment could not be recorded just now.");
		goto fail;
	}
	r->payment_id = db_last_id(db);
	if (apply_payment(db, a, now, r->payment_id, &in, r))
		goto fail;
	if (audit_record(db, in.recorded_by, now, "payment.add",
		arena_printf(a, "payment:%lld", r->payment_id), arena_printf(a, "%s, %s %s for %s "
		"from member %lld%s%s", r->reference, money_amount(a, in.amount_cents),
		payment_method_name(in.method), payment_purpose_name(in.purpose), in.account_id,
		in.note && *in.note ? ": " : "", in.note ? in.note : ""), NULL, NULL) ||
	    db_commit(db)) {
		refuse_as(r, PAY_PROBLEM_ERROR, "The payment could not be recorded just now.");
		goto fail;
	}
	r->ok = true;
	return;
fail:
	db_rollback(db);
}

void payment_free_plan(struct db *db, struct arena *a, time_t now,
	long long account_id, long long plan_id, long long staff_id, struct pay_result *r)
{
	memset(r, 0, sizeof *r);
	struct plan p;
	if (plan_get(db, a, plan_id, &p))
		return refuse(r, "Choose one of the plans.");
	if (p.price_cents > 0)
		return refuse(r, "That plan has a price: record its payment.");
	if (db_begin(db))
		return refuse_as(r, PAY_PROBLEM_ERROR, "The membership could not be renewed just now.");
	const char *why = staff_id ? NULL
		: membership_free_plan_refusal(db, a, account_id, cal_day_of(now));
	if (why) {
		db_rollback(db);
		return refuse_as(r, PAY_PROBLEM_STATE, why);
	}
	if (membership_extend(db, account_id, &p, 0, cal_day_of(now), now, r->member_until) ||
	    audit_record(db, staff_id ? staff_id : account_id, now, "membership.renew",
		arena_printf(a, "account:%lld", account_id), arena_printf(a, "%s (free plan)%s",
		p.name, staff_id ? "" : " by the member"), NULL, arena_printf(a, "until %s",
		r->member_until)) ||
	    db_commit(db)) {
		db_rollback(db);
		return refuse_as(r, PAY_PROBLEM_ERROR, "The membership could not be renewed just now.");
	}
	r->ok = true;
}

/* ---- online payments ---- */

static const struct payment_provider *const providers[] = { &testprovider };

const struct payment_provider *payment_provider_named(const char *name)
{
	for (size_t i = 0; name && i < sizeof providers / sizeof providers[0]; i++)
		if (!strcmp(name, providers[i]->name))
			return providers[i];
	return NULL;
}

/* Insert the pending row of an online payment; r->payment_id gets it. */
static bool insert_pending(struct db *db, struct arena *a, time_t now,
	const struct payment_provider *provider, struct payment_input *in, struct pay_result *r)
{
	if (db_begin(db))
		return refuse_as(r, PAY_PROBLEM_ERROR, "The payment could not be started just now."),
			false;
	if (in->purpose == PAY_FINE)
		in->amount_cents = circ_balance(db, a, in->account_id, now);
	if (in->purpose == PAY_FINE && in->amount_cents <= 0) {
		refuse_as(r, PAY_PROBLEM_STATE, "There are no fines to pay.");
		goto fail;
	}
	if (!check_input(db, a, now, in, r))
		goto fail;
	r->reference = new_reference(a, 'O');
	if (insert_payment(db, in, "pending", r->reference, provider->name, now)) {
		refuse_as(r, PAY_PROBLEM_ERROR, "The payment could not be started just now.");
		goto fail;
	}
	r->payment_id = db_last_id(db);
	if (db_commit(db)) {
		refuse_as(r, PAY_PROBLEM_ERROR, "The payment could not be started just now.");
		goto fail;
	}
	return true;
fail:
	db_rollback(db);
	return false;
}

void payment_start_online(struct db *db, struct arena *a, time_t now,
	const struct payment_provider *provider, const struct payment_input *in_,
	struct pay_result *r)
{
	memset(r, 0, sizeof *r);
	if (!provider)
		return refuse_as(r, PAY_PROBLEM_ERROR, "Online payments are not set up here; "
			"please pay at the desk.");
	struct payment_input in = *in_;
	in.method = PAY_ONLINE;
	in.recorded_by = 0;
	if (!insert_pending(db, a, now, provider, &in, r))
		return;
	struct payment p;
	if (!payment_get(db, a, r->payment_id, &p))
		r->checkout_url = provider->checkout_url(db, a, &p);
	if (!r->checkout_url) {
		db_exec(db, "UPDATE payment SET status = 'failed', completed_at = ? WHERE id = ?",
			"ii", (long long)now, r->payment_id);
		return refuse_as(r, PAY_PROBLEM_ERROR, "The payment provider cannot take the "
			"payment just now; nothing was charged. Please try later or pay at the desk.");
	}
	r->ok = true;
}

/* ---- refunds ---- */

/* The fines a payment paid off are owed again: one ledger entry. */
static int reinstate_fines(struct db *db, struct arena *a, time_t now,
	const struct payment *p, long long staff_id, const char *why, const char **effect)
{
	long paid_off = -(long)db_int(db, 0, "SELECT coalesce(sum(amount_cents), 0) FROM fine "
		"WHERE payment_id = ? AND kind = 'paid'", "i", p->id);
	if (paid_off <= 0) {
		*effect = "It had paid no fines off, so the fines are unchanged.";
		return 0;
	}
	*effect = arena_printf(a, "The %s of fines it paid are owed again.",
		money_show(db, a, paid_off));
	return db_exec(db, "INSERT INTO fine(account_id, kind, amount_cents, reason, recorded_by, "
		"at, payment_id) VALUES (?, 'accrued', ?, ?, nullif(?, 0), ?, ?)", "iitiii",
		p->account_id, (long long)paid_off, arena_printf(a, "Owed again: %s", why),
		staff_id, (long long)now, p->id) == SQLITE_OK ? 0 : -1;
}

/* The period a plan payment bought is cancelled or cut short. */
static int undo_plan(struct db *db, struct arena *a, time_t now, const struct payment *p,
	const char *why, const char **effect, char until[11])
{
	struct membership_undo u;
	if (membership_undo_payment(db, a, p->id, why, cal_day_of(now), now, &u))
		return -1;
	snprintf(until, 11, "%s", u.until);
	if (!u.found)
		*effect = "No membership period was bought with it, so the membership is unchanged.";
	else if (!u.days_removed)
		*effect = "The period it paid for had already ended, so the membership is unchanged.";
	else if (*u.until)
		*effect = arena_printf(a, "The membership now ends on %s, %ld day%s earlier.",
			u.until, u.days_removed, u.days_removed == 1 ? "" : "s");
	else
		*effect = "The membership it paid for was cancelled; there is no other.";
	return 0;
}

/* Reverse what a completed payment did; *effect says what, for people. */
static int reverse_payment(struct db *db, struct arena *a, time_t now, const struct payment *p,
	long long staff_id, const char *reason, const char **effect, char until[11])
{
	const char *why = arena_printf(a, "payment %s refunded (%s)", p->reference, reason);
	if (!strcmp(p->purpose, "plan"))
		return undo_plan(db, a, now, p, why, effect, until);
	if (!strcmp(p->purpose, "fine"))
		return reinstate_fines(db, a, now, p, staff_id, why, effect);
	*effect = "Nothing else depended on it.";
	return 0;
}

/* The payment, if this member's and completed; else r says why not. */
static bool refundable(struct db *db, struct arena *a, long long payment_id,
	long long account_id, struct payment *p, struct pay_result *r)
{
	if (payment_get(db, a, payment_id, p) || p->account_id != account_id)
		return refuse_as(r, PAY_PROBLEM_MISSING, "This member has no payment with that "
			"number."), false;
	r->payment_id = p->id;
	r->reference = p->reference;
	if (p->refunded_at) {
		char day[11];
		cal_format(cal_day_of((time_t)p->refunded_at), day);
		return refuse_as(r, PAY_PROBLEM_STATE, arena_printf(a, "Payment %s was already "
			"refunded on %s; nothing was changed.", p->reference, day)), false;
	}
	if (strcmp(p->status, "completed"))
		return refuse_as(r, PAY_PROBLEM_STATE, arena_printf(a, "Payment %s is %s: only a "
			"completed payment can be refunded; nothing was changed.", p->reference,
			payment_status_words(p->status))), false;
	return true;
}

void payment_refund(struct db *db, struct arena *a, time_t now, long long payment_id,
	long long account_id, long long staff_id, const char *reason, struct pay_result *r)
{
	memset(r, 0, sizeof *r);
	if (!reason || !*reason)
		return refuse(r, "Give the reason for the refund; nothing was changed.");
	if (strlen(reason) > 200)
		return refuse(r, "Keep the reason for the refund to 200 characters.");
	if (db_begin(db))
		return refuse_as(r, PAY_PROBLEM_ERROR, "The refund could not be recorded just now.");
	struct payment p;
	const char *effect = "";
	if (!refundable(db, a, payment_id, account_id, &p, r))
		goto fail;
	refuse_as(r, PAY_PROBLEM_ERROR, "The refund could not be recorded just now.");
	if (db_exec(db, "UPDATE payment SET status = 'refunded', refunded_at = ?, "
		"refunded_by = nullif(?, 0), refund_reason = ? WHERE id = ? AND status = 'completed'",
		"iiti", (long long)now, staff_id, reason, p.id) != SQLITE_OK ||
	    reverse_payment(db, a, now, &p, staff_id, reason, &effect, r->member_until) ||
	    db_exec(db, "INSERT INTO audit(at, actor_id, action, object, detail) "
		"VALUES (?, nullif(?, 0), 'payment.refund', ?, ?)", "iitt", (long long)now, staff_id,
		arena_printf(a, "payment:%lld", p.id), arena_printf(a, "%s, %s for %s: %s. %s",
		p.reference, money_amount(a, p.amount_cents), payment_what(a, &p), reason,
		effect)) != SQLITE_OK ||
	    notify_payment(db, a, now, p.id, "payment-refund") || db_commit(db))
		goto fail;
	r->ok = true;
	r->message = effect;
	return;
fail:
	db_rollback(db);
}

/* ---- reading ---- */

#define PAYMENT_SELECT "SELECT p.id, p.account_id, coalesce(p.plan_id, 0), " \
	"coalesce(p.recorded_by, 0), p.amount_cents, p.purpose, p.method, p.status, " \
	"p.reference, p.note, coalesce(pl.name, ''), a.name, a.email, " \
	"coalesce(a.card_number, ''), coalesce(s.name, ''), p.created_at, " \
	"coalesce(p.completed_at, 0), p.excess_cents, p.provider, " \
	"coalesce(p.refunded_at, 0), p.refund_reason, coalesce(rb.name, '') " \
	"FROM payment p JOIN account a ON a.id = p.account_id " \
	"LEFT JOIN plan pl ON pl.id = p.plan_id LEFT JOIN account s ON s.id = p.recorded_by " \
	"LEFT JOIN account rb ON rb.id = p.refunded_by "

static void read_payment(struct arena *a, sqlite3_stmt *st, struct payment *p)
{
	p->id = db_col_int(st, 0);
	p->account_id = db_col_int(st, 1);
	p->plan_id = db_col_int(st, 2);
	p->recorded_by = db_col_int(st, 3);
	p->amount_cents = (long)db_col_int(st, 4);
	p->purpose = db_text(a, st, 5);
	p->method = db_text(a, st, 6);
	p->status = db_text(a, st, 7);
	p->reference = db_text(a, st, 8);
	p->note = db_text(a, st, 9);
	p->plan_name = db_text(a, st, 10);
	p->member_name = db_text(a, st, 11);
	p->member_email = db_text(a, st, 12);
	p->card_number = db_text(a, st, 13);
	p->recorded_by_name = db_text(a, st, 14);
	p->created_at = db_col_int(st, 15);
	p->completed_at = db_col_int(st, 16);
	p->excess_cents = (long)db_col_int(st, 17);
	p->provider = db_text(a, st, 18);
	p->refunded_at = db_col_int(st, 19);
	p->refund_reason = db_text(a, st, 20);
	p->refunded_by_name = db_text(a, st, 21);
}

static int payment_one(struct db *db, struct arena *a, sqlite3_stmt *st, struct payment *out)
{
	if (!db_row(db, st))
		return -1;
	read_payment(a, st, out);
	db_done(st);
	return 0;
}

int payment_get(struct db *db, struct arena *a, long long id, struct payment *out)
{
	return payment_one(db, a, db_query(db, PAYMENT_SELECT "WHERE p.id = ?", "i", id), out);
}

int payment_by_reference(struct db *db, struct arena *a, const char *reference,
	struct payment *out)
{
	return payment_one(db, a, db_query(db, PAYMENT_SELECT "WHERE p.reference = ?", "t",
		reference), out);
}

int payment_list(struct db *db, struct arena *a, long long account_id, int max,
	struct payment **out)
{
	*out = arena_calloc(a, sizeof **out * (size_t)(max + 1));
	sqlite3_stmt *st = db_query(db, PAYMENT_SELECT "WHERE p.account_id = ? "
		"ORDER BY p.created_at DESC, p.id DESC LIMIT ?", "ii", account_id, (long long)max);
	int n = 0;
	while (db_row(db, st))
		if (n < max)
			read_payment(a, st, &(*out)[n++]);
	return n;
}

/* ---- the provider's answer ---- */

static bool chars_in(const char *s, size_t min, size_t max, const char *set)
{
	size_t n = s ? strlen(s) : 0;
	return n >= min && n <= max && strspn(s, set) == n;
}

#define DIGITS "0123456789"
#define HEX DIGITS "abcdefABCDEF"

static bool answer_well_formed(const struct provider_answer *ans)
{
	return ans->reference && *ans->reference && strlen(ans->reference) < 64 &&
		ans->status && (!strcmp(ans->status, "completed") || !strcmp(ans->status, "failed")) &&
		chars_in(ans->amount_cents, 1, 12, DIGITS) && chars_in(ans->timestamp, 1, 12, DIGITS) &&
		chars_in(ans->nonce, 16, 64, HEX) && chars_in(ans->signature, 1, 512, HEX);
}

#define ANSWER_MAX_AGE 3600

/* Vouched for by the payment's own provider, and recent. */
static bool answer_acceptable(struct db *db, struct arena *a, time_t now,
	const struct provider_answer *ans, struct pay_result *r)
{
	static const char *forged = "The payment answer could not be verified; nothing "
		"was changed.";
	struct payment p;
	const struct payment_provider *provider = NULL;
	if (answer_well_formed(ans) && !payment_by_reference(db, a, ans->reference, &p))
		provider = payment_provider_named(p.provider);
	if (!provider || !provider->answer_genuine(db, a, ans))
		return refuse(r, forged), false;
	long long sent = strtoll(ans->timestamp, NULL, 10);
	if (sent > now + 300 || now - sent > ANSWER_MAX_AGE)
		return refuse(r, "The payment answer is too old; nothing was changed."), false;
	return true;
}

/* Inside the transaction: settle a pending payment as the answer says. */
static int settle(struct db *db, struct arena *a, time_t now, const struct payment *p,
	bool completed, struct pay_result *r)
{
	if (db_exec(db, "UPDATE payment SET status = ?, completed_at = ? WHERE id = ?", "tii",
		completed ? "completed" : "failed", (long long)now, p->id) != SQLITE_OK)
		return refuse_as(r, PAY_PROBLEM_ERROR, "The payment answer could not be "
			"processed just now."), -1;
	if (!completed)
		return 0;
	struct payment_input in = {
		.account_id = p->account_id, .amount_cents = p->amount_cents,
		.purpose = (enum pay_purpose)payment_purpose_parse(p->purpose),
		.plan_id = p->plan_id, .method = PAY_ONLINE, .note = "online",
	};
	return apply_payment(db, a, now, p->id, &in, r);
}

void payment_callback(struct db *db, struct arena *a, time_t now,
	const struct provider_answer *ans, struct pay_result *r)
{
	memset(r, 0, sizeof *r);
	if (!answer_acceptable(db, a, now, ans, r))
		return;
	if (db_begin(db))
		return refuse_as(r, PAY_PROBLEM_ERROR, "The payment answer could not be processed "
			"just now.");
	struct payment p;
	if (payment_by_reference(db, a, ans->reference, &p) ||
	    p.amount_cents != strtol(ans->amount_cents, NULL, 10)) {
		refuse(r, "The payment answer could not be verified; nothing was changed.");
		goto fail;
	}
	r->payment_id = p.id;
	r->reference = p.reference;
	if (db_exec(db, "INSERT INTO payment_callback(nonce, payment_id, at) VALUES (?, ?, ?)",
		"tii", ans->nonce, p.id, (long long)now) != SQLITE_OK) {
		refuse(r, "This payment answer was already received; nothing was changed.");
		goto fail;
	}
	if (strcmp(p.status, "pending")) {
		refuse_as(r, PAY_PROBLEM_STATE, arena_printf(a, "Payment %s is already %s; nothing "
			"was changed.", p.reference, payment_status_words(p.status)));
		goto fail;
	}
	bool completed = !strcmp(ans->status, "completed");
	if (settle(db, a, now, &p, completed, r))
		goto fail;
	if (db_commit(db)) {
		refuse_as(r, PAY_PROBLEM_ERROR, "The payment answer could not be processed just now.");
		goto fail;
	}
	r->ok = completed;
	r->declined = !completed;
	r->message = completed ? "" : "The payment was declined; nothing was charged.";
	return;
fail:
	db_rollback(db);
}
