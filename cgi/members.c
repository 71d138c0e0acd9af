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
#include "reset.h"
#include "web.h"

#define MEMBERS_PER_PAGE 50

static lday today(const struct ctx *c) { return cal_day_of(c->now); }


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
		tv_set_str(o, "until", web_day(c, rows[i].until));
		tv_set_str(o, "status", members_status_words(rows[i].status));
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
	if (n >= 0 && f.page > web_page_last(total, MEMBERS_PER_PAGE)) {
		f.page = web_page_last(total, MEMBERS_PER_PAGE);   /* past the end: the last page */
		n = member_list(c->db, c->arena, &f, today(c), rows, &total);
	}
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
		tv_set_str(o, "label", members_status_words(statuses[i]));
		tv_set_bool(o, "chosen", !strcmp(f.status, statuses[i]));
		tv_push(st, o);
	}
	members_view_plans(c, "plans", false, f.plan_id);
	if (f.expiring_days)
		tv_set_int(c->view, "expiring", f.expiring_days);
	tv_set_bool(c->view, "owing", f.owing);
	tv_set_int(c->view, "total", total);
	tv_set_str(c->view, "total_text", web_count(c, total, "member", "members"));
	view_member_rows(c, rows, n);
	view_sort_links(c, filters, &f);
	web_pager(c, arena_printf(c->arena, "/staff/members?%ssort=%s%s", filters,
		member_sort_name(f.sort), f.descending ? "&dir=desc" : ""), f.page, total,
		MEMBERS_PER_PAGE);
	web_render(c, "staff_members", 200);
}

static bool member_exists(struct ctx *c, long long id);
struct member_page_form;
static void member_page(struct ctx *c, long long id, const char *notice,
	const char *password, const struct member_page_form *f, int status);

/* ---- new and edit ---- */

struct member_form {
	struct account_input in;
	const char *category;
	long long plan_id;
	const char *notice_channel;   /* editing only; NULL: not on the form */
};

static void member_form_page(struct ctx *c, long long id, const struct member_form *m,
	const struct form_errors *errs, int status)
{
	web_form_token(c);
	tv_set_str(c->view, "name", m->in.name);
	tv_set_str(c->view, "email", m->in.email);
	tv_set_str(c->view, "phone", m->in.phone);
	if (m->notice_channel)
		web_view_channels(c, m->notice_channel);
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
	m->notice_channel = http_form(c->req, "notice_channel");
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
	struct member_form m = { { "", "", "", NULL }, "adult", 0, NULL };
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

enum account_result members_create(struct ctx *c, struct account_input *in,
	const char *category, long long plan_id, long long actor_id, struct form_errors *errs,
	long long *id, const char **password)
{
	*password = temporary_password(c);
	in->password = *password;
	account_validate(c->arena, in, errs);
	check_category(c, category, errs);
	struct plan plan = { 0 };
	if (plan_id && plan_get(c->db, c->arena, plan_id, &plan))
		form_error(errs, "plan", "Choose one of the plans.");
	if (errs->n)
		return ACCOUNT_INVALID;
	struct auth_cost cost = web_auth_cost(c);
	*id = 0;
	enum account_result rc = account_create(c->db, &cost, in, ROLE_MEMBER, c->now, errs, id);
	if (rc != ACCOUNT_OK)
		return rc;
	member_set_category(c->db, *id, category, c->now);
	account_require_password_change(c->db, *id);
	if (plan.id && plan.price_cents == 0) {
		struct pay_result r;
		payment_free_plan(c->db, c->arena, c->now, *id, plan.id, actor_id, &r);
	} else if (plan.id) {
		/* The member's page then offers this plan, waiting for payment. */
		membership_join_pending(c->db, *id, &plan, c->now);
	}
	return ACCOUNT_OK;
}

void page_members_new(struct ctx *c)
{
	struct member_form m;
	read_member_form(c, &m);
	struct form_errors errs = { .n = 0 };
	const char *password;
	long long id = 0;
	switch (members_create(c, &m.in, m.category, m.plan_id, c->sess.account_id, &errs, &id,
		&password)) {
	case ACCOUNT_OK:
		/* The temporary password is shown once, in this answer: never in a
		** URL (it would stay in the history, logs and Referer headers). */
		member_page(c, id, "The member was created.", password, NULL, 200);
		return;
	case ACCOUNT_ERROR:
		web_error(c, 500, "The member could not be created just now; nothing was saved.");
		return;
	default:
		member_form_page(c, 0, &m, &errs, 422);
	}
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
	struct member_form m = { { a.name, a.email, a.phone, NULL }, category, 0,
		a.notice_channel };
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
	const char *why = m.notice_channel ? account_channel_refusal(m.notice_channel, m.in.phone)
		: NULL;
	if (why)
		form_error(&errs, "notice_channel", why);
	if (errs.n) {
		member_form_page(c, id, &m, &errs, 422);
		return;
	}
	enum account_result rc = account_update_profile(c->db, c->sess.account_id, id, &m.in,
		c->now, &errs);
	if (rc == ACCOUNT_OK && m.notice_channel)
		rc = account_set_notice_channel(c->db, c->sess.account_id, id, m.notice_channel,
			c->now);
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
	account_require_password_change(c->db, id);
	account_audit(c->db, c->sess.account_id, id, "account.password",
		"temporary password issued", c->now);
	/* Shown once, in this answer: never in a URL, a log line or on reload. */
	member_page(c, id, "A new temporary password was issued.", password, NULL, 200);
}

/* ---- the member page ---- */

static bool view_member_profile(struct ctx *c, long long id)
{
	sqlite3_stmt *st = db_query(c->db, "SELECT name, email, phone, coalesce(card_number, ''), "
		"category, created_at, role, email_confirmed FROM account WHERE id = ?", "i", id);
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
	tv_set_bool(m, "email_unconfirmed", db_col_int(st, 7) == 0);
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
		tv_set_str(o, "status", members_status_words(p[i].status));
		tv_set_str(o, "start", web_day(c, p[i].start_day));
		tv_set_str(o, "end", web_day(c, p[i].end_day));
		tv_set_str(o, "price", web_money(c, p[i].price_cents));
		tv_set_str(o, "note", p[i].note);
		if (p[i].payment_id)
			tv_set_int(o, "payment_id", p[i].payment_id);
		tv_push(list, o);
	}
}

/* What the desk sent from the member page when it was refused, shown again
** with the reason beside its control (errors.renew_plan, errors.fine_amount,
** errors.fine_reason). */
struct member_page_form {
	long long renew_plan;
	bool renew_card;
	const char *fine_amount, *fine_reason;
	bool fine_card;
	struct form_errors errs;
};

/* The member page. notice and password (a temporary one, just issued)
** are for the answer to a POST; password is never read from the request,
** and such an answer may not be kept by any cache. f is a refused desk
** form to show again (status 409 or 422). */
static void member_page(struct ctx *c, long long id, const char *notice,
	const char *password, const struct member_page_form *f, int status)
{
	if (!view_member_profile(c, id))
		return;
	static const char *const notices[][2] = {
		{ "saved", "The member's details were saved." },
		{ "renewed", "The loan was renewed." },
		{ "paid", "The payment was recorded." },
		{ "waived", "The amount was waived." },
		{ "extended", "The membership was renewed." },
		{ "confirmed", "The email address is confirmed: the member can log in now." },
	};
	if (notice)
		tv_set_str(c->view, "notice", notice);
	else if (!f)
		web_done_notice(c, notices, sizeof notices / sizeof notices[0]);
	if (password) {
		tv_set_str(c->view, "temporary_password", password);
		http_resp_set_header(c->resp, "Cache-Control", "no-store");
	}
	members_view_standing(c, id);
	view_periods(c, id);
	long long plan = valid_id(http_query(c->req, "plan"));
	members_view_plans(c, "plans", true, f ? f->renew_plan
		: plan ? plan : members_plan_to_offer(c, id));
	payments_view_list(c, id, true);
	circ_view_member(c, id, true);
	ebooks_view_account(c, id, true);
	notifications_view_member(c, id);
	if (f) {
		struct tv *typed = tv_set_obj(c->view, "typed");
		tv_set_bool(typed, "renew_card", f->renew_card);
		tv_set_str(typed, "fine_amount", f->fine_amount);
		tv_set_str(typed, "fine_reason", f->fine_reason);
		tv_set_bool(typed, "fine_card", f->fine_card);
		web_form_errors(c, &f->errs);
	}
	web_form_token(c);
	web_render(c, "staff_member", status);
}

void page_members_show(struct ctx *c)
{
	if (privacy_page_removed_member(c, valid_id(c->req->params[0])))
		return;
	member_page(c, valid_id(c->req->params[0]), NULL, NULL, NULL, 200);
}

/* A registration whose confirmation email never arrived: staff who have
** checked the address with the member confirm it for them. */
void page_members_confirm_email(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	if (!member_exists(c, id))
		return;
	if (reset_confirm_by_staff(c->db, c->sess.account_id, id, c->now) < 0)
		return web_error(c, 500, "The address could not be confirmed just now. "
			"Please try again.");
	web_redirect(c, arena_printf(c->arena, "/staff/members/%lld?done=confirmed", id));
}

/* ---- renewals, payments and fines at the desk ---- */

static bool member_exists(struct ctx *c, long long id)
{
	if (db_int(c->db, 0, "SELECT count(*) FROM account WHERE id = ?", "i", id))
		return true;
	web_error(c, 404, "There is no member with that number.");
	return false;
}

/* The member page again after a refused renewal, the plan and method kept. */
static void renew_refused(struct ctx *c, long long id, long long plan_id, int method,
	const char *message, int status)
{
	struct member_page_form f = { .renew_plan = plan_id, .renew_card = method == PAY_CARD,
		.fine_amount = "", .fine_reason = "", .errs = { .n = 0 } };
	form_error(&f.errs, "renew_plan", message);
	member_page(c, id, NULL, NULL, &f, status);
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
		renew_refused(c, id, 0, method, "Choose one of the plans to renew the "
			"membership with.", 422);
		return;
	}
	struct pay_result r;
	if (p.price_cents == 0) {
		payment_free_plan(c->db, c->arena, c->now, id, plan_id, c->sess.account_id, &r);
	} else {
		if (method != PAY_CASH && method != PAY_CARD) {
			renew_refused(c, id, plan_id, method, "Choose how the member paid: "
				"cash or card.", 422);
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
		renew_refused(c, id, plan_id, method, r.message, payments_refusal_status(&r));
	else if (r.payment_id)
		web_redirect(c, arena_printf(c->arena, "/payments/%lld?done=recorded", r.payment_id));
	else
		web_redirect(c, arena_printf(c->arena, "/staff/members/%lld?done=extended", id));
}

/* What the desk typed into the payments page's forms when it was refused:
** the payment form's fields, or the reason of one payment's refund form
** (refund_id), with errors.<field> beside each. */
struct desk_payment_form {
	const char *purpose, *amount, *method, *note;
	long long plan_id;
	long long refund_id;
	const char *refund_reason, *refund_error;
	struct form_errors errs;
};

static void payments_page(struct ctx *c, long long id, const struct desk_payment_form *f,
	int status)
{
	if (!view_member_profile(c, id))
		return;
	members_view_standing(c, id);
	struct refund_refusal refused = { f ? f->refund_id : 0,
		f ? f->refund_reason : "", f ? f->refund_error : "" };
	payments_view_list_refused(c, id, true, refused.payment_id ? &refused : NULL);
	long long plan = valid_id(http_query(c->req, "plan"));
	members_view_plans(c, "plans", true, f ? f->plan_id
		: plan ? plan : members_plan_to_offer(c, id));
	tv_set_str(c->view, "balance", web_money(c, circ_balance(c->db, c->arena, id, c->now)));
	if (f) {
		struct tv *typed = tv_set_obj(c->view, "typed");
		tv_set_str(typed, "amount", f->amount);
		tv_set_str(typed, "note", f->note);
		tv_set_bool(typed, "purpose_fine", !strcmp(f->purpose, "fine"));
		tv_set_bool(typed, "purpose_other", !strcmp(f->purpose, "other"));
		tv_set_bool(typed, "method_card", !strcmp(f->method, "card"));
		web_form_errors(c, &f->errs);
	}
	web_form_token(c);
	web_render(c, "staff_payments", status);
}

void page_members_payments(struct ctx *c)
{
	payments_page(c, valid_id(c->req->params[0]), NULL, 200);
}

/* The field of the payment form a refusal from the payments library is
** about, by what the payment was for. */
static const char *refused_field(const struct payment_input *in)
{
	if (in->purpose == PAY_PLAN)
		return "plan";
	if (in->purpose == PAY_OTHER && (!in->note || !*in->note))
		return "note";
	return "amount";
}

static const char *form_text(struct ctx *c, const char *name)
{
	return valid_trim(c->arena, http_form(c->req, name));
}

void page_members_payment_add(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	if (!member_exists(c, id))
		return;
	struct desk_payment_form f = {
		.purpose = form_text(c, "purpose"), .amount = form_text(c, "amount"),
		.method = form_text(c, "method"), .note = form_text(c, "note"),
		.plan_id = valid_id(http_form(c->req, "plan")), .errs = { .n = 0 },
	};
	int purpose = payment_purpose_parse(f.purpose);
	int method = payment_method_parse(f.method);
	long long cents = cataloguing_parse_cents(f.amount);
	if (purpose < 0)
		form_error(&f.errs, "purpose", "Choose what the payment is for.");
	if (method != PAY_CASH && method != PAY_CARD)
		form_error(&f.errs, "method", "Choose how it was paid: cash or card.");
	if (purpose != PAY_PLAN && purpose >= 0 && cents <= 0)
		form_error(&f.errs, "amount", "Enter the amount as a number such as 2.50.");
	if (f.errs.n) {
		payments_page(c, id, &f, 422);
		return;
	}
	struct payment_input in = {
		.account_id = id, .purpose = (enum pay_purpose)purpose,
		.plan_id = f.plan_id, .amount_cents = (long)cents,
		.method = (enum pay_method)method, .note = f.note,
		.recorded_by = c->sess.account_id,
	};
	struct pay_result r;
	payment_record_desk(c->db, c->arena, c->now, &in, &r);
	if (r.ok) {
		web_redirect(c, arena_printf(c->arena, "/payments/%lld?done=recorded", r.payment_id));
		return;
	}
	form_error(&f.errs, refused_field(&in), r.message);
	payments_page(c, id, &f, payments_refusal_status(&r));
}

/* A completed payment given back: its effect is reversed (payments.h). */
void page_members_payment_refund(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	if (!member_exists(c, id))
		return;
	struct pay_result r;
	const char *reason = form_text(c, "reason");
	long long payment_id = valid_id(c->req->params[1]);
	payment_refund(c->db, c->arena, c->now, payment_id, id, c->sess.account_id, reason, &r);
	if (r.ok) {
		web_redirect(c, arena_printf(c->arena, "/payments/%lld?done=refunded", r.payment_id));
		return;
	}
	struct desk_payment_form f = { .purpose = "", .amount = "", .method = "", .note = "",
		.refund_id = payment_id, .refund_reason = reason, .refund_error = r.message,
		.errs = { .n = 0 } };
	payments_page(c, id, &f, payments_refusal_status(&r));
}

/* The member page again after a refused fine payment or waiver. */
static void fines_refused(struct ctx *c, long long id, const char *field, const char *message,
	int status)
{
	struct member_page_form f = {
		.fine_amount = form_text(c, "amount"), .fine_reason = form_text(c, "reason"),
		.fine_card = payment_method_parse(http_form(c->req, "method")) == PAY_CARD,
		.errs = { .n = 0 },
	};
	form_error(&f.errs, field, message);
	member_page(c, id, NULL, NULL, &f, status);
}

/* Fines: "pay" records a desk payment for fines; "waive" needs a reason. */
void page_members_fines(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	if (!member_exists(c, id))
		return;
	const char *action = http_form(c->req, "action");
	long long cents = cataloguing_parse_cents(form_text(c, "amount"));
	const char *reason = form_text(c, "reason");
	if (cents <= 0) {
		fines_refused(c, id, "fine_amount", "Enter the amount as a number such as 2.50.", 422);
		return;
	}
	if (action && !strcmp(action, "waive")) {
		if (!*reason) {
			fines_refused(c, id, "fine_reason", "Give the reason for waiving; "
				"nothing was waived.", 422);
			return;
		}
		struct circ_result r;
		circ_fine_waive(c->db, c->arena, c->now, id, (long)cents, reason,
			c->sess.account_id, &r);
		if (r.code == CIRC_OK)
			web_redirect(c, arena_printf(c->arena, "/staff/members/%lld?done=waived", id));
		else
			fines_refused(c, id, "fine_amount", r.message, 409);
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
		fines_refused(c, id, "fine_amount", r.message, payments_refusal_status(&r));
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
