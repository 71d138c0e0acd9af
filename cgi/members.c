/*
** members.c: the staff's member screens (list, new, edit, the member page,
** renewals, payments, refunds and fines) and /admin/plans. Receipts, the
** member's own payments and the payment provider's pages are in
** payments.c.
*/
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "cataloguing.h"
#include "circulation.h"
#include "members.h"
#include "payments.h"
#include "web.h"

#define MEMBERS_PER_PAGE 50

static lday today(const struct ctx *c) { return cal_day_of(c->now); }


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
		tv_set_str(o, "price", web_money(c, plans[i].price_cents));
		tv_set_bool(o, "free", plans[i].price_cents == 0);
		tv_set_bool(o, "active", plans[i].active);
		tv_set_int(o, "periods", plans[i].periods);
		tv_set_bool(o, "chosen", plans[i].id == chosen);
		tv_push(list, o);
	}
}

void members_view_standing(struct ctx *c, long long account_id)
{
	struct membership_status s;
	membership_status(c->db, c->arena, account_id, today(c), &s);
	struct tv *m = tv_set_obj(c->view, "membership");
	tv_set_str(m, "status", s.label);
	tv_set_bool(m, "is_active", s.standing == STANDING_ACTIVE);
	tv_set_bool(m, "is_expired", s.standing == STANDING_EXPIRED);
	tv_set_bool(m, "is_pending", s.standing == STANDING_PENDING);
	tv_set_bool(m, "is_none", s.standing == STANDING_NONE);
	tv_set_str(m, "until", s.until);
	tv_set_str(m, "plan", s.plan_name);
	tv_set_int(m, "days_left", s.days_left);
	tv_set_bool(m, "ending_soon", s.standing == STANDING_ACTIVE && s.days_left <= 14);
	if (s.pending_plan_id) {
		tv_set_int(m, "pending_plan_id", s.pending_plan_id);
		tv_set_str(m, "pending_plan", s.pending_plan_name);
		tv_set_str(m, "pending_price", web_money(c, s.pending_price_cents));
	}
}

/* ---- the list ---- */

static void view_member_rows(struct ctx *c, const struct member_row *rows, long n)
{
	struct tv *list = tv_set_list(c->view, "rows");
	for (long i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", rows[i].id);
		tv_set_str(o, "name", rows[i].name);
		tv_set_str(o, "email", rows[i].email);
		tv_set_str(o, "phone", rows[i].phone);
		tv_set_str(o, "card", rows[i].card_number);
		tv_set_str(o, "category", lists_name(c->db, c->arena, LIST_CATEGORY,
			rows[i].category));
		tv_set_str(o, "plan", rows[i].plan_name);
		tv_set_str(o, "until", rows[i].until);
		tv_set_str(o, "status", rows[i].status);
		if (rows[i].owed_cents)
			tv_set_str(o, "owed", web_money(c, rows[i].owed_cents));
		tv_push(list, o);
	}
}

/* Column headers that sort; the current one links to the other direction. */
static void view_sort_links(struct ctx *c, const char *filters, const struct member_filter *f)
{
	static const struct { enum member_sort sort; const char *label; } cols[] = {
		{ MSORT_NAME, "Name" }, { MSORT_EMAIL, "Email" }, { MSORT_PHONE, "Phone" },
		{ MSORT_CARD, "Card" }, { MSORT_CATEGORY, "Category" }, { MSORT_PLAN, "Plan" },
		{ MSORT_UNTIL, "Member until" }, { MSORT_OWED, "Fines owed" },
		{ MSORT_STATUS, "Status" },
	};
	struct tv *list = tv_set_list(c->view, "columns");
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		bool current = cols[i].sort == f->sort;
		bool desc = current && !f->descending;
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "label", cols[i].label);
		tv_set_str(o, "url", arena_printf(c->arena, "/staff/members?%ssort=%s%s", filters,
			member_sort_name(cols[i].sort), desc ? "&dir=desc" : ""));
		if (current)
			tv_set_str(o, "current", f->descending ? "descending" : "ascending");
		tv_push(list, o);
	}
}

void page_members_list(struct ctx *c)
{
	struct member_filter f = {
		.q = valid_trim(c->arena, http_query(c->req, "q")),
		.status = valid_trim(c->arena, http_query(c->req, "status")),
		.plan_id = valid_id(http_query(c->req, "plan")),
		.expiring_days = (long)valid_id(http_query(c->req, "expiring")),
		.owing = http_query(c->req, "owing") != NULL,
		.sort = member_sort_parse(http_query(c->req, "sort")),
		.page = web_page_param(c), .per_page = MEMBERS_PER_PAGE,
	};
	const char *dir = http_query(c->req, "dir");
	f.descending = dir && !strcmp(dir, "desc");
	static const char *const statuses[] = { "active", "expired", "pending", "none" };
	bool known = !*f.status;
	for (size_t i = 0; i < 4; i++)
		known = known || !strcmp(f.status, statuses[i]);
	if (!known || f.expiring_days > 3660) {
		web_error(c, 400, "That filter is not one of the choices on the members page.");
		return;
	}
	struct member_row *rows = arena_alloc(c->arena, sizeof *rows * MEMBERS_PER_PAGE);
	long total = 0;
	long n = member_list(c->db, c->arena, &f, today(c), rows, &total);
	if (n < 0) {
		web_error(c, 500, "The member list could not be read just now.");
		return;
	}
	const char *filters = arena_printf(c->arena, "q=%s&status=%s&plan=%lld&expiring=%s%s&",
		http_url_encode(c->arena, f.q), f.status, f.plan_id,
		f.expiring_days ? arena_printf(c->arena, "%ld", f.expiring_days) : "",
		f.owing ? "&owing=1" : "");
	tv_set_str(c->view, "q", f.q);
	struct tv *st = tv_set_list(c->view, "statuses");
	for (size_t i = 0; i < 4; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "name", statuses[i]);
		tv_set_bool(o, "chosen", !strcmp(f.status, statuses[i]));
		tv_push(st, o);
	}
	members_view_plans(c, "plans", false, f.plan_id);
	if (f.expiring_days)
		tv_set_int(c->view, "expiring", f.expiring_days);
	tv_set_bool(c->view, "owing", f.owing);
	tv_set_int(c->view, "total", total);
	view_member_rows(c, rows, n);
	view_sort_links(c, filters, &f);
	web_pager(c, arena_printf(c->arena, "/staff/members?%ssort=%s%s", filters,
		member_sort_name(f.sort), f.descending ? "&dir=desc" : ""), f.page, total,
		MEMBERS_PER_PAGE);
	web_render(c, "staff_members", 200);
}

static bool member_exists(struct ctx *c, long long id);
static void member_page(struct ctx *c, long long id, const char *notice,
	const char *password, long long chosen_plan);

/* ---- new and edit ---- */

struct member_form {
	struct account_input in;
	const char *category;
	long long plan_id;
};

static void member_form_page(struct ctx *c, long long id, const struct member_form *m,
	const struct form_errors *errs, int status)
{
	web_form_token(c);
	tv_set_str(c->view, "name", m->in.name);
	tv_set_str(c->view, "email", m->in.email);
	tv_set_str(c->view, "phone", m->in.phone);
	tv_set_str(c->view, "category", m->category);
	lists_view_options(c, c->view, "categories", LIST_CATEGORY, m->category, false);
	if (id)
		tv_set_int(c->view, "id", id);
	else
		members_view_plans(c, "plans", true, m->plan_id);
	if (errs)
		web_form_errors(c, errs);
	web_render(c, "staff_member_form", status);
}

static void read_member_form(struct ctx *c, struct member_form *m)
{
	m->in.name = http_form(c->req, "name");
	m->in.email = http_form(c->req, "email");
	m->in.phone = http_form(c->req, "phone");
	m->in.password = NULL;
	m->category = valid_trim(c->arena, http_form(c->req, "category"));
	m->plan_id = valid_id(http_form(c->req, "plan"));
}

/* A category from the admin's list (see /admin/categories). */
static bool check_category(struct ctx *c, const char *category, struct form_errors *errs)
{
	if (!*category) {
		form_error(errs, "category", "Choose a category; circulation rules can differ "
			"by category.");
		return false;
	}
	return lists_check_code(c->db, LIST_CATEGORY, category, "category", errs);
}

void page_members_new_form(struct ctx *c)
{
	struct member_form m = { { "", "", "", NULL }, "adult", 0 };
	member_form_page(c, 0, &m, NULL, 200);
}

/* A password for a member made at the desk: they change it on first use. */
static const char *temporary_password(struct ctx *c)
{
	unsigned char raw[6];
	randombytes_buf(raw, sizeof raw);
	char *out = arena_alloc(c->arena, 13);
	for (int i = 0; i < 6; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return out;
}

void page_members_new(struct ctx *c)
{
	struct member_form m;
	read_member_form(c, &m);
	struct form_errors errs = { .n = 0 };
	const char *password = temporary_password(c);
	m.in.password = password;
	account_validate(c->arena, &m.in, &errs);
	check_category(c, m.category, &errs);
	struct plan plan = { 0 };
	if (m.plan_id && plan_get(c->db, c->arena, m.plan_id, &plan))
		form_error(&errs, "plan", "Choose one of the plans.");
	if (errs.n) {
		member_form_page(c, 0, &m, &errs, 422);
		return;
	}
	struct auth_cost cost = web_auth_cost(c);
	long long id = 0;
	enum account_result rc = account_create(c->db, &cost, &m.in, ROLE_MEMBER, c->now,
		&errs, &id);
	if (rc != ACCOUNT_OK) {
		if (rc == ACCOUNT_ERROR)
			web_error(c, 500, "The member could not be created just now; nothing was saved.");
		else
			member_form_page(c, 0, &m, &errs, 422);
		return;
	}
	member_set_category(c->db, id, m.category, c->now);
	long long chosen_plan = 0;
	if (plan.id && plan.price_cents == 0) {
		struct pay_result r;
		payment_free_plan(c->db, c->arena, c->now, id, plan.id, c->sess.account_id, &r);
	} else if (plan.id) {
		membership_join_pending(c->db, id, &plan, c->now);
		chosen_plan = plan.id;
	}
	/* The temporary password is shown once, in this answer: never in a URL
	** (it would stay in the history, logs and Referer headers). */
	member_page(c, id, "The member was created.", password, chosen_plan);
}

#define STAFF_ONLY_BY_ADMIN "The details of a staff account can be changed only by an admin."

/* Staff accounts are changed by admins only (lib/account.c says who may). */
static bool may_edit(struct ctx *c, const struct account *a)
{
	if (a->id == c->sess.account_id || account_may_edit(c->sess.role, a->role))
		return true;
	web_error(c, 403, STAFF_ONLY_BY_ADMIN);
	return false;
}

void page_members_edit_form(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	struct account a;
	if (account_get(c->db, c->arena, id, &a) != ACCOUNT_OK) {
		web_error(c, 404, "There is no member with that number.");
		return;
	}
	if (!may_edit(c, &a))
		return;
	const char *category = "adult";
	sqlite3_stmt *st = db_query(c->db, "SELECT category FROM account WHERE id = ?", "i", id);
	if (db_row(c->db, st)) {
		category = db_text(c->arena, st, 0);
		db_done(st);
	}
	struct member_form m = { { a.name, a.email, a.phone, NULL }, category, 0 };
	member_form_page(c, id, &m, NULL, 200);
}

void page_members_edit(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	struct account a;
	if (account_get(c->db, c->arena, id, &a) != ACCOUNT_OK) {
		web_error(c, 404, "There is no member with that number.");
		return;
	}
	if (!may_edit(c, &a))
		return;
	struct member_form m;
	read_member_form(c, &m);
	struct form_errors errs = { .n = 0 };
	m.in.password = "unchanged-password";   /* not edited here */
	account_validate(c->arena, &m.in, &errs);
	check_category(c, m.category, &errs);
	if (errs.n) {
		member_form_page(c, id, &m, &errs, 422);
		return;
	}
	enum account_result rc = account_update_profile(c->db, c->sess.account_id, id, &m.in,
		c->now, &errs);
	if (rc == ACCOUNT_OK && member_set_category(c->db, id, m.category, c->now) == 0) {
		web_redirect(c, arena_printf(c->arena, "/staff/members/%lld?done=saved", id));
		return;
	}
	if (rc == ACCOUNT_EMAIL_TAKEN || rc == ACCOUNT_INVALID)
		member_form_page(c, id, &m, &errs, 422);
	else if (rc == ACCOUNT_FORBIDDEN)
		web_error(c, 403, STAFF_ONLY_BY_ADMIN);
	else
		web_error(c, 500, "The member could not be saved just now.");
}

/* Issue a temporary password (imported members have none; forgotten
** ones are replaced): shown once, and every session of the member ends. */
void page_members_password(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	if (!member_exists(c, id))
		return;
	const char *password = temporary_password(c);
	struct auth_cost cost = web_auth_cost(c);
	char hash[AUTH_HASH_MAX];
	if (auth_hash_password(&cost, password, hash) ||
	    db_exec(c->db, "UPDATE account SET password_hash = ?, updated_at = ? WHERE id = ? "
		"AND role = 'member'", "tii", hash, (long long)c->now, id) != SQLITE_OK ||
	    db_changes(c->db) != 1) {
		web_error(c, 422, "A temporary password can be issued only to a member.");
		return;
	}
	session_destroy_others(c->db, id, NULL);
	account_audit(c->db, c->sess.account_id, id, "account.password",
		"temporary password issued", c->now);
	/* Shown once, in this answer: never in a URL, a log line or on reload. */
	member_page(c, id, "A new temporary password was issued.", password, 0);
}

/* ---- the member page ---- */

static bool view_member_profile(struct ctx *c, long long id)
{
	sqlite3_stmt *st = db_query(c->db, "SELECT name, email, phone, coalesce(card_number, ''), "
		"category, created_at, role FROM account WHERE id = ?", "i", id);
	if (!db_row(c->db, st)) {
		web_error(c, 404, "There is no member with that number.");
		return false;
	}
	struct tv *m = tv_set_obj(c->view, "m");
	tv_set_int(m, "id", id);
	tv_set_str(m, "name", db_text(c->arena, st, 0));
	tv_set_str(m, "email", db_text(c->arena, st, 1));
	tv_set_str(m, "phone", db_text(c->arena, st, 2));
	tv_set_str(m, "card_number", db_text(c->arena, st, 3));
	tv_set_str(m, "category", lists_name(c->db, c->arena, LIST_CATEGORY,
		db_text(c->arena, st, 4)));
	tv_set_str(m, "since", web_date(c, db_col_int(st, 5)));
	int role = auth_role_parse(db_text(c->arena, st, 6));
	tv_set_bool(m, "can_edit", id == c->sess.account_id ||
		account_may_edit(c->sess.role, role < 0 ? ROLE_MEMBER : (enum role)role));
	tv_set_bool(m, "is_member", role == ROLE_MEMBER);
	db_done(st);
	return true;
}

static void view_periods(struct ctx *c, long long id)
{
	struct membership_period *p;
	int n = membership_periods(c->db, c->arena, id, today(c), &p);
	tv_set_bool(c->view, "has_periods", n > 0);
	struct tv *list = tv_set_list(c->view, "periods");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "plan", *p[i].plan_name ? p[i].plan_name : "(carried over or imported)");
		tv_set_str(o, "status", p[i].status);
		tv_set_str(o, "start", p[i].start_day);
		tv_set_str(o, "end", p[i].end_day);
		tv_set_str(o, "price", web_money(c, p[i].price_cents));
		tv_set_str(o, "note", p[i].note);
		if (p[i].payment_id)
			tv_set_int(o, "payment_id", p[i].payment_id);
		tv_push(list, o);
	}
}

/* The member page. notice and password (a temporary one, just issued)
** are for the answer to a POST; password is never read from the request,
** and such an answer may not be kept by any cache. */
static void member_page(struct ctx *c, long long id, const char *notice,
	const char *password, long long chosen_plan)
{
	if (!view_member_profile(c, id))
		return;
	if (notice)
		tv_set_str(c->view, "notice", notice);
	if (password) {
		tv_set_str(c->view, "temporary_password", password);
		http_resp_set_header(c->resp, "Cache-Control", "no-store");
	}
	members_view_standing(c, id);
	view_periods(c, id);
	members_view_plans(c, "plans", true, chosen_plan);
	payments_view_list(c, id, true);
	circ_view_member(c, id, true);
	notifications_view_member(c, id);
	web_form_token(c);
	web_render(c, "staff_member", 200);
}

void page_members_show(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	static const char *const notices[][2] = {
		{ "saved", "The member's details were saved." },
		{ "renewed", "The loan was renewed." },
		{ "paid", "The payment was recorded." },
		{ "waived", "The amount was waived." },
		{ "extended", "The membership was renewed." },
	};
	web_done_notice(c, notices, sizeof notices / sizeof notices[0]);
	member_page(c, id, NULL, NULL, valid_id(http_query(c->req, "plan")));
}

/* ---- renewals, payments and fines at the desk ---- */

static bool member_exists(struct ctx *c, long long id)
{
	if (db_int(c->db, 0, "SELECT count(*) FROM account WHERE id = ?", "i", id))
		return true;
	web_error(c, 404, "There is no member with that number.");
	return false;
}

void page_members_renew(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	if (!member_exists(c, id))
		return;
	long long plan_id = valid_id(http_form(c->req, "plan"));
	int method = payment_method_parse(http_form(c->req, "method"));
	struct plan p;
	if (plan_get(c->db, c->arena, plan_id, &p)) {
		web_error(c, 422, "Choose one of the plans to renew the membership with.");
		return;
	}
	struct pay_result r;
	if (p.price_cents == 0) {
		payment_free_plan(c->db, c->arena, c->now, id, plan_id, c->sess.account_id, &r);
	} else {
		if (method != PAY_CASH && method != PAY_CARD) {
			web_error(c, 422, "Choose how the member paid: cash or card.");
			return;
		}
		struct payment_input in = {
			.account_id = id, .purpose = PAY_PLAN, .plan_id = plan_id,
			.method = (enum pay_method)method, .note = valid_trim(c->arena,
				http_form(c->req, "note")), .recorded_by = c->sess.account_id,
		};
		payment_record_desk(c->db, c->arena, c->now, &in, &r);
	}
	if (!r.ok)
		payments_refused(c, &r);
	else if (r.payment_id)
		web_redirect(c, arena_printf(c->arena, "/payments/%lld?done=recorded", r.payment_id));
	else
		web_redirect(c, arena_printf(c->arena, "/staff/members/%lld?done=extended", id));
}

void page_members_payments(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	if (!view_member_profile(c, id))
		return;
	members_view_standing(c, id);
	payments_view_list(c, id, true);
	members_view_plans(c, "plans", true, valid_id(http_query(c->req, "plan")));
	tv_set_str(c->view, "balance", web_money(c, circ_balance(c->db, c->arena, id, c->now)));
	web_form_token(c);
	web_render(c, "staff_payments", 200);
}

void page_members_payment_add(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	if (!member_exists(c, id))
		return;
	int purpose = payment_purpose_parse(http_form(c->req, "purpose"));
	int method = payment_method_parse(http_form(c->req, "method"));
	if (purpose < 0 || (method != PAY_CASH && method != PAY_CARD)) {
		web_error(c, 422, "Choose what the payment is for and how it was paid "
			"(cash or card); nothing was recorded.");
		return;
	}
	const char *amount = valid_trim(c->arena, http_form(c->req, "amount"));
	struct payment_input in = {
		.account_id = id, .purpose = (enum pay_purpose)purpose,
		.plan_id = valid_id(http_form(c->req, "plan")),
		.amount_cents = (long)cataloguing_parse_cents(amount),
		.method = (enum pay_method)method,
		.note = valid_trim(c->arena, http_form(c->req, "note")),
		.recorded_by = c->sess.account_id,
	};
	struct pay_result r;
	payment_record_desk(c->db, c->arena, c->now, &in, &r);
	if (!r.ok)
		payments_refused(c, &r);
	else
		web_redirect(c, arena_printf(c->arena, "/payments/%lld?done=recorded", r.payment_id));
}

/* A completed payment given back: its effect is reversed (payments.h). */
void page_members_payment_refund(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	if (!member_exists(c, id))
		return;
	struct pay_result r;
	payment_refund(c->db, c->arena, c->now, valid_id(c->req->params[1]), id,
		c->sess.account_id, valid_trim(c->arena, http_form(c->req, "reason")), &r);
	if (r.ok)
		web_redirect(c, arena_printf(c->arena, "/payments/%lld?done=refunded", r.payment_id));
	else
		payments_refused(c, &r);
}

/* Fines: "pay" records a desk payment for fines; "waive" needs a reason. */
void page_members_fines(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	if (!member_exists(c, id))
		return;
	const char *action = http_form(c->req, "action");
	long long cents = cataloguing_parse_cents(valid_trim(c->arena, http_form(c->req, "amount")));
	const char *reason = valid_trim(c->arena, http_form(c->req, "reason"));
	if (cents <= 0) {
		web_error(c, 422, "Enter the amount as a number such as 2.50.");
		return;
	}
	if (action && !strcmp(action, "waive")) {
		struct circ_result r;
		circ_fine_waive(c->db, c->arena, c->now, id, (long)cents, reason,
			c->sess.account_id, &r);
		if (r.code == CIRC_OK)
			web_redirect(c, arena_printf(c->arena, "/staff/members/%lld?done=waived", id));
		else
			web_error(c, 422, r.message);
		return;
	}
	int method = payment_method_parse(http_form(c->req, "method"));
	struct payment_input in = {
		.account_id = id, .purpose = PAY_FINE, .amount_cents = (long)cents,
		.method = method == PAY_CARD ? PAY_CARD : PAY_CASH, .note = reason,
		.recorded_by = c->sess.account_id,
	};
	struct pay_result r;
	payment_record_desk(c->db, c->arena, c->now, &in, &r);
	if (r.ok)
		web_redirect(c, arena_printf(c->arena, "/staff/members/%lld?done=paid", id));
	else
		payments_refused(c, &r);
}

/* ---- /admin/plans ---- */

static void plans_page(struct ctx *c, const struct form_errors *errs, int status)
{
	members_view_plans(c, "admin_plans", false, 0);
	static const char *const notices[][2] = { { "saved", "The plan was saved." } };
	web_done_notice(c, notices, 1);
	if (errs)
		web_form_errors(c, errs);
	web_form_token(c);
	web_render(c, "admin_plans", status);
}

void page_admin_plans(struct ctx *c)
{
	plans_page(c, NULL, 200);
}

static void save_plan(struct ctx *c, long long id)
{
	struct plan_input in = {
		http_form(c->req, "name"), http_form(c->req, "duration_days"),
		http_form(c->req, "price"), http_form(c->req, "active"),
	};
	struct form_errors errs = { .n = 0 };
	struct plan p;
	if (id && plan_get(c->db, c->arena, id, &p)) {
		web_error(c, 404, "There is no such plan.");
		return;
	}
	if (!plan_validate(c->arena, &in, &p, &errs) ||
	    plan_save(c->db, id, &p, c->now, c->sess.account_id, &errs)) {
		if (!errs.n)
			web_error(c, 500, "The plan could not be saved just now.");
		else
			plans_page(c, &errs, 422);
		return;
	}
	web_redirect(c, "/admin/plans?done=saved");
}

void page_admin_plan_add(struct ctx *c) { save_plan(c, 0); }

void page_admin_plan_edit(struct ctx *c)
{
	save_plan(c, valid_id(c->req->params[0]));
}
