/*
** views.c: the view pieces that several screens show: a member's
** membership standing, the plan menus, and payment lists. The member's
** own pages (account.c, payments.c) and the staff's (members.c) all read
** them from here, so neither of those files depends on the other.
*/
#include <string.h>

#include "members.h"
#include "payments.h"
#include "web.h"

void members_view_plans(struct ctx *c, const char *key, bool active_only, long long chosen)
{
	struct plan *plans;
	int n = plans_list(c->db, c->arena, active_only, !strcmp(key, "admin_plans"), &plans);
	struct tv *list = tv_set_list(c->view, key);
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", plans[i].id);
		tv_set_str(o, "name", plans[i].name);
		tv_set_int(o, "days", plans[i].duration_days);
		tv_set_str(o, "days_text", web_count(c, plans[i].duration_days, "day", "days"));
		tv_set_str(o, "price", web_money(c, plans[i].price_cents));
		tv_set_bool(o, "free", plans[i].price_cents == 0);
		tv_set_bool(o, "active", plans[i].active);
		tv_set_int(o, "periods", plans[i].periods);
		tv_set_str(o, "periods_text", web_count(c, plans[i].periods, "period", "periods"));
		tv_set_bool(o, "chosen", plans[i].id == chosen);
		tv_push(list, o);
	}
}

long long members_plan_to_offer(struct ctx *c, long long account_id)
{
	struct membership_status s;
	membership_status(c->db, c->arena, account_id, cal_day_of(c->now), &s);
	return s.pending_plan_id ? s.pending_plan_id : s.plan_id;
}

const char *members_status_words(const char *status)
{
	static const char *const words[][2] = {
		{ "pending", "waiting for payment" }, { "none", "no membership" },
	};
	return LABEL_OF(status, words);
}

void members_view_standing(struct ctx *c, long long account_id)
{
	struct membership_status s;
	membership_status(c->db, c->arena, account_id, cal_day_of(c->now), &s);
	struct tv *m = tv_set_obj(c->view, "membership");
	tv_set_str(m, "status", members_status_words(s.label));
	tv_set_bool(m, "is_active", s.standing == STANDING_ACTIVE);
	tv_set_bool(m, "is_expired", s.standing == STANDING_EXPIRED);
	tv_set_bool(m, "is_pending", s.standing == STANDING_PENDING);
	tv_set_bool(m, "is_none", s.standing == STANDING_NONE);
	tv_set_str(m, "until", web_day(c, s.until));
	tv_set_str(m, "plan", s.plan_name);
	tv_set_int(m, "days_left", s.days_left);
	tv_set_str(m, "days_left_text", web_count(c, s.days_left, "day", "days"));
	tv_set_bool(m, "ending_soon", s.standing == STANDING_ACTIVE && s.days_left <= 14);
	if (s.pending_plan_id) {
		tv_set_int(m, "pending_plan_id", s.pending_plan_id);
		tv_set_str(m, "pending_plan", s.pending_plan_name);
		tv_set_str(m, "pending_price", web_money(c, s.pending_price_cents));
	}
}

/* Words for the codes a payment row stores. */
static const char *payment_words(const char *code)
{
	static const char *const words[][2] = {
		{ "plan", "membership" }, { "fine", "fines" }, { "other", "other" },
		{ "cash", "cash" }, { "card", "card at the desk" }, { "online", "online" },
		{ "pending", "waiting for the provider" }, { "completed", "paid" },
		{ "failed", "declined" }, { "refunded", "refunded" },
	};
	for (size_t i = 0; code && i < sizeof words / sizeof words[0]; i++)
		if (!strcmp(code, words[i][0]))
			return words[i][1];
	return code ? code : "";
}

void payments_view_fields(struct ctx *c, struct tv *o, const struct payment *p)
{
	tv_set_int(o, "id", p->id);
	tv_set_str(o, "reference", p->reference);
	tv_set_str(o, "amount", web_money(c, p->amount_cents));
	tv_set_str(o, "purpose", payment_words(p->purpose));
	tv_set_str(o, "plan", p->plan_name);
	tv_set_str(o, "method", payment_words(p->method));
	tv_set_str(o, "status", payment_words(p->status));
	tv_set_str(o, "note", p->note);
	if (p->excess_cents) {
		tv_set_str(o, "excess", web_money(c, p->excess_cents));
		tv_set_str(o, "applied", web_money(c, p->amount_cents - p->excess_cents));
	}
}

void payments_view_list(struct ctx *c, long long account_id, bool staff)
{
	payments_view_list_refused(c, account_id, staff, NULL);
}

void payments_view_list_refused(struct ctx *c, long long account_id, bool staff,
	const struct refund_refusal *refused)
{
	bool shown = false;
	struct payment *p;
	int n = payment_list(c->db, c->arena, account_id, 100, &p);
	tv_set_bool(c->view, "has_payments", n > 0);
	struct tv *list = tv_set_list(c->view, "payments");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		payments_view_fields(c, o, &p[i]);
		tv_set_str(o, "date", web_date(c, p[i].created_at));
		if (staff && !strcmp(p[i].status, "completed"))
			tv_set_str(o, "refund_url", arena_printf(c->arena,
				"/staff/members/%lld/payments/%lld/refund", account_id, p[i].id));
		if (refused && refused->payment_id == p[i].id && staff &&
		    !strcmp(p[i].status, "completed")) {
			tv_set_str(o, "refund_reason", refused->reason);
			tv_set_str(o, "refund_error", web_message(c, refused->message));
			shown = true;
		}
		tv_push(list, o);
	}
	/* A payment with no refund form (already refunded, not completed, not
	** this member's): the reason goes above the list instead. */
	if (refused && !shown)
		tv_set_str(c->view, "refund_refused", web_message(c, refused->message));
}

int payments_refusal_status(const struct pay_result *r)
{
	static const int statuses[] = {
		[PAY_PROBLEM_INPUT] = 422, [PAY_PROBLEM_STATE] = 409,
		[PAY_PROBLEM_MISSING] = 404, [PAY_PROBLEM_ERROR] = 500,
	};
	return statuses[r->problem];
}

void web_view_channels(struct ctx *c, const char *chosen)
{
	static const char *const channels[][2] = {
		{ "email", "Email" },
		{ "sms", "Text message" },
		{ "both", "Email and text message" },
	};
	struct tv *list = tv_set_list(c->view, "channels");
	for (size_t i = 0; i < sizeof channels / sizeof channels[0]; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "value", channels[i][0]);
		tv_set_str(o, "label", channels[i][1]);
		tv_set_bool(o, "checked", !strcmp(chosen, channels[i][0]));
		tv_push(list, o);
	}
	tv_set_bool(c->view, "has_channels", true);
}
