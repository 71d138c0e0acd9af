/*
** payments.c: receipts, the member's own payments page, online payments
** through the configured provider with the built-in test provider's
** checkout pages, and the provider's callback.
*/
#include <stdio.h>
#include <string.h>

#include "circulation.h"
#include "members.h"
#include "payments.h"
#include "testprovider.h"
#include "web.h"


/* The HTTP status that says why a payment operation was refused. */
static int refusal_status(const struct pay_result *r)
{
	static const int statuses[] = {
		[PAY_PROBLEM_INPUT] = 422, [PAY_PROBLEM_STATE] = 409,
		[PAY_PROBLEM_MISSING] = 404, [PAY_PROBLEM_ERROR] = 500,
	};
	return statuses[r->problem];
}

void payments_refused(struct ctx *c, const struct pay_result *r)
{
	web_error(c, refusal_status(r), r->message);
}

/* What a payment list row and a receipt both show. */
static void view_payment(struct ctx *c, struct tv *o, const struct payment *p)
{
	tv_set_int(o, "id", p->id);
	tv_set_str(o, "reference", p->reference);
	tv_set_str(o, "amount", web_money(c, p->amount_cents));
	tv_set_str(o, "purpose", p->purpose);
	tv_set_str(o, "plan", p->plan_name);
	tv_set_str(o, "method", p->method);
	tv_set_str(o, "status", p->status);
	tv_set_str(o, "note", p->note);
	if (p->excess_cents) {
		tv_set_str(o, "excess", web_money(c, p->excess_cents));
		tv_set_str(o, "applied", web_money(c, p->amount_cents - p->excess_cents));
	}
}

void payments_view_list(struct ctx *c, long long account_id, bool staff)
{
	struct payment *p;
	int n = payment_list(c->db, c->arena, account_id, 100, &p);
	tv_set_bool(c->view, "has_payments", n > 0);
	struct tv *list = tv_set_list(c->view, "payments");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		view_payment(c, o, &p[i]);
		tv_set_str(o, "date", web_date(c, p[i].created_at));
		if (staff && !strcmp(p[i].status, "completed"))
			tv_set_str(o, "refund_url", arena_printf(c->arena,
				"/staff/members/%lld/payments/%lld/refund", account_id, p[i].id));
		tv_push(list, o);
	}
}

/* ---- receipts ---- */

static struct tv *view_receipt(struct ctx *c, const struct payment *p)
{
	struct tv *r = tv_set_obj(c->view, "receipt");
	view_payment(c, r, p);
	tv_set_str(r, "date", web_date(c, p->completed_at ? p->completed_at : p->created_at));
	tv_set_str(r, "member", p->member_name);
	tv_set_str(r, "email", p->member_email);
	tv_set_str(r, "card", p->card_number);
	tv_set_str(r, "recorded_by", p->recorded_by_name);
	tv_set_int(r, "account_id", p->account_id);
	if (p->refunded_at) {
		struct tv *f = tv_set_obj(r, "refund");
		tv_set_str(f, "date", web_date(c, p->refunded_at));
		tv_set_str(f, "reason", p->refund_reason);
		tv_set_str(f, "by", p->refunded_by_name);
	}
	return r;
}

void page_payment_receipt(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	struct payment p;
	bool staff = c->sess.role >= ROLE_LIBRARIAN;
	/* A member sees only their own: someone else's is "not found", not 403,
	** so receipt numbers cannot be probed. */
	if (payment_get(c->db, c->arena, id, &p) || (!staff && p.account_id != c->sess.account_id)) {
		web_error(c, 404, "There is no payment with that number.");
		return;
	}
	struct tv *r = view_receipt(c, &p);
	tv_set_bool(c->view, "staff", staff);
	if (p.plan_id) {
		struct membership_status s;
		membership_status(c->db, c->arena, p.account_id, cal_day_of(c->now), &s);
		tv_set_str(r, "member_until", s.until);
	}
	static const char *const notices[][2] = {
		{ "recorded", "The payment was recorded." },
		{ "refunded", "The payment was refunded." },
	};
	web_done_notice(c, notices, sizeof notices / sizeof notices[0]);
	web_render(c, "receipt", 200);
}

/* ---- the member's own payments ---- */

void page_account_payments(struct ctx *c)
{
	long long id = c->sess.account_id;
	static const char *const notices[][2] = {
		{ "paid", "Thank you: your payment was received." },
		{ "declined", "The payment was declined; nothing was charged. You can try "
			"again or pay at the desk." },
		{ "extended", "Your membership was renewed." },
	};
	web_done_notice(c, notices, sizeof notices / sizeof notices[0]);
	members_view_standing(c, id);
	payments_view_list(c, id, false);
	members_view_plans(c, "plans", true, 0);
	long owed = circ_balance(c->db, c->arena, id, c->now);
	if (owed > 0)
		tv_set_str(c->view, "owed", web_money(c, owed));
	web_form_token(c);
	web_render(c, "account_payments", 200);
}

/* A free plan chosen by the member: no payment, but the free-plan rule. */
static void take_free_plan(struct ctx *c, long long plan_id)
{
	struct pay_result r;
	payment_free_plan(c->db, c->arena, c->now, c->sess.account_id, plan_id, 0, &r);
	if (r.ok)
		web_redirect(c, "/account/payments?done=extended");
	else
		payments_refused(c, &r);
}

void page_account_payment_start(struct ctx *c)
{
	int purpose = payment_purpose_parse(http_form(c->req, "purpose"));
	long long plan_id = valid_id(http_form(c->req, "plan"));
	if (purpose == PAY_PLAN) {
		struct plan p;
		if (plan_get(c->db, c->arena, plan_id, &p) || !p.active) {
			web_error(c, 422, "Choose one of the plans on offer.");
			return;
		}
		if (p.price_cents == 0) {
			take_free_plan(c, plan_id);
			return;
		}
	} else if (purpose != PAY_FINE) {
		web_error(c, 422, "Choose to pay your fines or to renew your membership.");
		return;
	}
	struct payment_input in = { .account_id = c->sess.account_id,
		.purpose = (enum pay_purpose)purpose, .plan_id = plan_id, .note = "" };
	struct pay_result r;
	payment_start_online(c->db, c->arena, c->now,
		payment_provider_named(c->cfg->payment_provider), &in, &r);
	if (r.ok)
		web_redirect(c, r.checkout_url);
	else
		payments_refused(c, &r);
}

/* ---- the built-in test provider's checkout ---- */

/* The payment a test-provider page is about: pending through this
** provider, and the logged-in member's own (someone else's is "not
** found", as a provider would answer). False after an error page. */
static bool test_provider_payment(struct ctx *c, struct payment *p)
{
	if (payment_by_reference(c->db, c->arena, c->req->params[0], p) ||
	    strcmp(p->provider, testprovider.name) || p->account_id != c->sess.account_id) {
		web_error(c, 404, "The payment provider knows no such payment of yours.");
		return false;
	}
	return true;
}

/* Its checkout page: what a hosted payment page would show. */
void page_test_provider_form(struct ctx *c)
{
	struct payment p;
	if (!test_provider_payment(c, &p))
		return;
	tv_set_str(c->view, "reference", p.reference);
	tv_set_str(c->view, "amount", web_money(c, p.amount_cents));
	tv_set_str(c->view, "purpose", *p.plan_name ? arena_printf(c->arena, "%s membership",
		p.plan_name) : "Library fines");
	tv_set_bool(c->view, "pending", !strcmp(p.status, "pending"));
	tv_set_str(c->view, "status", p.status);
	web_form_token(c);
	web_render(c, "test_provider", 200);
}

/* The member approved or declined: the provider signs its answer and hands
** it back through the browser to /payments/callback. */
void page_test_provider_answer(struct ctx *c)
{
	struct payment p;
	if (!test_provider_payment(c, &p))
		return;
	if (strcmp(p.status, "pending")) {
		web_error(c, 409, arena_printf(c->arena, "This payment is already %s.", p.status));
		return;
	}
	const char *decision = http_form(c->req, "decision");
	struct provider_answer ans = {
		.reference = p.reference,
		.status = decision && !strcmp(decision, "approve") ? "completed" : "failed",
		.amount_cents = arena_printf(c->arena, "%ld", p.amount_cents),
	};
	if (testprovider_sign(c->db, c->arena, c->now, &ans)) {
		web_error(c, 500, "The payment provider is not available just now.");
		return;
	}
	struct tv *a = tv_set_obj(c->view, "answer");
	tv_set_str(a, "reference", ans.reference);
	tv_set_str(a, "status", ans.status);
	tv_set_str(a, "amount_cents", ans.amount_cents);
	tv_set_str(a, "nonce", ans.nonce);
	tv_set_str(a, "timestamp", ans.timestamp);
	tv_set_str(a, "signature", ans.signature);
	tv_set_bool(c->view, "approved", !strcmp(ans.status, "completed"));
	web_render(c, "test_provider_return", 200);
}

/* ---- the provider's answer ---- */

void page_payment_callback(struct ctx *c)
{
	struct provider_answer ans = {
		.reference = http_form(c->req, "reference"),
		.status = http_form(c->req, "status"),
		.amount_cents = http_form(c->req, "amount_cents"),
		.nonce = http_form(c->req, "nonce"),
		.timestamp = http_form(c->req, "timestamp"),
		.signature = http_form(c->req, "signature"),
	};
	struct pay_result r;
	payment_callback(c->db, c->arena, c->now, &ans, &r);
	if (r.ok)
		web_redirect(c, "/account/payments?done=paid");
	else if (r.declined)
		web_redirect(c, "/account/payments?done=declined");
	else
		web_error(c, r.problem == PAY_PROBLEM_ERROR ? 500 : 400, r.message);
}
