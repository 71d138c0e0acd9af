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


/* ---- receipts ---- */

static struct tv *view_receipt(struct ctx *c, const struct payment *p)
{
	struct tv *r = tv_set_obj(c->view, "receipt");
	payments_view_fields(c, r, p);
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
		tv_set_str(r, "member_until", web_day(c, s.until));
	}
	static const char *const notices[][2] = {
		{ "recorded", "The payment was recorded." },
		{ "refunded", "The payment was refunded." },
	};
	web_done_notice(c, notices, sizeof notices / sizeof notices[0]);
	web_render(c, "receipt", 200);
}

/* ---- the member's own payments ---- */

/* What the member sent when a request was refused, to show again with the
** reason beside its control. */
struct own_payment_form {
	long long plan_id;           /* the plan chosen, or 0 */
	const char *plan_error;      /* beside the plan menu */
	const char *fine_error;      /* beside the fines button */
};

static void account_payments_page(struct ctx *c, const struct own_payment_form *f, int status)
{
	long long id = c->sess.account_id;
	static const char *const notices[][2] = {
		{ "paid", "Thank you: your payment was received." },
		{ "declined", "The payment was declined; nothing was charged. You can try "
			"again or pay at the desk." },
		{ "extended", "Your membership was renewed." },
	};
	if (!f)
		web_done_notice(c, notices, sizeof notices / sizeof notices[0]);
	members_view_standing(c, id);
	payments_view_list(c, id, false);
	members_view_plans(c, "plans", true, f ? f->plan_id : members_plan_to_offer(c, id));
	long owed = circ_balance(c->db, c->arena, id, c->now);
	if (owed > 0)
		tv_set_str(c->view, "owed", web_money(c, owed));
	if (f && f->plan_error)
		tv_set_str(c->view, "plan_error", web_message(c, f->plan_error));
	if (f && f->fine_error)
		tv_set_str(c->view, "fine_error", web_message(c, f->fine_error));
	web_form_token(c);
	web_render(c, "account_payments", status);
}

void page_account_payments(struct ctx *c)
{
	account_payments_page(c, NULL, 200);
}

/* The page again, the refusal beside the form it came from. */
static void own_payment_refused(struct ctx *c, int purpose, long long plan_id,
	const struct pay_result *r)
{
	struct own_payment_form f = { .plan_id = plan_id };
	if (purpose == PAY_FINE)
		f.fine_error = r->message;
	else
		f.plan_error = r->message;
	account_payments_page(c, &f, payments_refusal_status(r));
}

void page_account_payment_start(struct ctx *c)
{
	int purpose = payment_purpose_parse(http_form(c->req, "purpose"));
	long long plan_id = valid_id(http_form(c->req, "plan"));
	struct pay_result r = { .problem = PAY_PROBLEM_INPUT };
	if (purpose == PAY_PLAN) {
		struct plan p;
		if (plan_get(c->db, c->arena, plan_id, &p) || !p.active) {
			r.message = "Choose one of the plans on offer.";
			own_payment_refused(c, purpose, 0, &r);
			return;
		}
		if (p.price_cents == 0) {
			/* A free plan: no payment, but the free-plan rule. */
			payment_free_plan(c->db, c->arena, c->now, c->sess.account_id, plan_id, 0, &r);
			if (r.ok)
				web_redirect(c, "/account/payments?done=extended");
			else
				own_payment_refused(c, purpose, plan_id, &r);
			return;
		}
	} else if (purpose != PAY_FINE) {
		r.message = "Choose to pay your fines or to renew your membership.";
		own_payment_refused(c, PAY_PLAN, plan_id, &r);
		return;
	}
	struct payment_input in = { .account_id = c->sess.account_id,
		.purpose = (enum pay_purpose)purpose, .plan_id = plan_id, .note = "" };
	payment_start_online(c->db, c->arena, c->now,
		payment_provider_named(c->cfg->payment_provider), &in, &r);
	if (r.ok)
		web_redirect(c, r.checkout_url);
	else
		own_payment_refused(c, purpose, plan_id, &r);
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
