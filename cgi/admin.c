/*
** admin.c: the admin's screens: accounts and their roles, circulation
** rules, and settings (closed days).
*/
#include <string.h>

#include "account.h"
#include "circulation.h"
#include "rules.h"
#include "web.h"

#define USERS_PER_PAGE 50

static void role_options(struct ctx *c, struct tv *row, enum role current)
{
	struct tv *options = tv_set_list(row, "roles");
	for (int r = ROLE_MEMBER; r <= ROLE_ADMIN; r++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "value", auth_role_name((enum role)r));
		tv_set_bool(o, "selected", r == (int)current);
		tv_push(options, o);
	}
}

/* Links to the previous and next page keeping the other filters. */
static void pager(struct ctx *c, const char *q, const char *role, long page,
	long total)
{
	long pages = (total + USERS_PER_PAGE - 1) / USERS_PER_PAGE;
	tv_set_int(c->view, "page", page);
	tv_set_int(c->view, "pages", pages ? pages : 1);
	const char *base = arena_printf(c->arena, "/admin/users?q=%s&role=%s",
		http_url_encode(c->arena, q), http_url_encode(c->arena, role));
	if (page > 1)
		tv_set_str(c->view, "prev_url", arena_printf(c->arena, "%s&page=%ld",
			base, page - 1));
	if (page < pages)
		tv_set_str(c->view, "next_url", arena_printf(c->arena, "%s&page=%ld",
			base, page + 1));
}

void page_admin_users(struct ctx *c)
{
	const char *q = valid_trim(c->arena, http_query(c->req, "q"));
	const char *role_name = http_query(c->req, "role");
	int role = auth_role_parse(role_name);
	struct account_filter f = { q, role, web_page_param(c), USERS_PER_PAGE };
	struct account rows[USERS_PER_PAGE];
	long total = 0;
	long n = account_list(c->db, c->arena, &f, rows, &total);
	if (n >= 0 && f.page > web_page_last(total, USERS_PER_PAGE)) {
		f.page = web_page_last(total, USERS_PER_PAGE);   /* past the end: the last page */
		n = account_list(c->db, c->arena, &f, rows, &total);
	}

	web_form_token(c);
	tv_set_str(c->view, "q", q);
	struct tv *filter = tv_set_list(c->view, "role_filter");
	for (int r = ROLE_MEMBER; r <= ROLE_ADMIN; r++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "value", auth_role_name((enum role)r));
		tv_set_bool(o, "selected", r == role);
		tv_push(filter, o);
	}
	tv_set_int(c->view, "total", total);
	tv_set_str(c->view, "total_text", web_count(c, total, "account", "accounts"));
	struct tv *list = tv_set_list(c->view, "users");
	for (long i = 0; i < n; i++) {
		struct tv *row = tv_obj(c->arena);
		tv_set_int(row, "id", rows[i].id);
		tv_set_str(row, "name", rows[i].name);
		tv_set_str(row, "email", rows[i].email);
		tv_set_str(row, "card_number", rows[i].card_number);
		tv_set_str(row, "role", auth_role_name(rows[i].role));
		tv_set_str(row, "since", web_date(c, rows[i].created_at));
		tv_set_bool(row, "is_self", rows[i].id == c->sess.account_id);
		role_options(c, row, rows[i].role);
		tv_push(list, row);
	}
	if (!strcmp(http_query(c->req, "done") ? http_query(c->req, "done") : "", "role"))
		tv_set_str(c->view, "notice", "The role was changed.");
	pager(c, q, role >= 0 ? role_name : "", f.page, total);
	web_render(c, "admin_users", 200);
}

void page_admin_user_role(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	int role = auth_role_parse(http_form(c->req, "role"));
	if (role < 0) {
		web_error(c, 400, "Choose a role: member, librarian or admin.");
		return;
	}
	switch (account_set_role(c->db, c->sess.account_id, id, (enum role)role, c->now)) {
	case ACCOUNT_OK:
		/* Sessions read the role afresh on every request: nothing more. */
		web_redirect(c, "/admin/users?done=role");
		return;
	case ACCOUNT_NOT_FOUND:
		web_error(c, 404, "There is no account with that number.");
		return;
	case ACCOUNT_INVALID:
		web_error(c, 422, "You cannot lower your own role: another admin must "
			"do it, so that the library always keeps an admin.");
		return;
	default:
		web_error(c, 500, "The role could not be changed just now. Please try again.");
	}
}

/* ---- circulation rules ---- */

static void view_rules(struct ctx *c)
{
	struct circ_rule *rules;
	int n = rules_list(c->db, c->arena, &rules);
	struct tv *list = tv_set_list(c->view, "rules");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", rules[i].id);
		tv_set_str(o, "category", rules[i].category);
		tv_set_str(o, "item_type", rules[i].item_type);
		tv_set_int(o, "loan_days", rules[i].loan_days);
		tv_set_int(o, "max_loans", rules[i].max_loans);
		tv_set_int(o, "max_renewals", rules[i].max_renewals);
		tv_set_str(o, "fine_per_day", circ_money(c->arena, rules[i].fine_per_day_cents));
		tv_set_int(o, "grace_days", rules[i].grace_days);
		tv_set_str(o, "fine_cap", circ_money(c->arena, rules[i].fine_cap_cents));
		tv_set_int(o, "hold_pickup_days", rules[i].hold_pickup_days);
		tv_set_bool(o, "general", !strcmp(rules[i].category, "*") &&
			!strcmp(rules[i].item_type, "*"));
		tv_push(list, o);
	}
}

static void rules_page(struct ctx *c, const struct form_errors *errs, int status)
{
	web_form_token(c);
	view_rules(c);
	const char *done = http_query(c->req, "done");
	if (done && !strcmp(done, "saved"))
		tv_set_str(c->view, "notice", "The rules were saved.");
	if (errs)
		web_form_errors(c, errs);
	web_render(c, "admin_rules", status);
}

void page_admin_rules(struct ctx *c)
{
	rules_page(c, NULL, 200);
}

static void save_rule(struct ctx *c, long long id)
{
	struct rule_input in = {
		http_form(c->req, "category"), http_form(c->req, "item_type"),
		http_form(c->req, "loan_days"), http_form(c->req, "max_loans"),
		http_form(c->req, "max_renewals"), http_form(c->req, "fine_per_day"),
		http_form(c->req, "grace_days"), http_form(c->req, "fine_cap"),
		http_form(c->req, "hold_pickup_days"),
	};
	struct form_errors errs = { .n = 0 };
	struct circ_rule r;
	int rc = rules_validate(c->arena, &in, &r, &errs);
	if (rc == 0)
		rc = rules_save(c->db, c->arena, id, &r, c->sess.account_id, c->now, &errs);
	if (rc == 0) {
		web_redirect(c, "/admin/rules?done=saved");
	} else if (rc == 1) {
		web_error(c, 404, "There is no such rule.");
	} else if (errs.n) {
		rules_page(c, &errs, 422);
	} else {
		web_error(c, 500, "The rule could not be saved just now. Please try again.");
	}
}

void page_admin_rule_add(struct ctx *c)
{
	save_rule(c, 0);
}

void page_admin_rule_edit(struct ctx *c)
{
	save_rule(c, valid_id(c->req->params[0]));
}

void page_admin_rule_delete(struct ctx *c)
{
	const char *why = NULL;
	int rc = rules_delete(c->db, c->arena, valid_id(c->req->params[0]), c->sess.account_id,
		c->now, &why);
	if (rc == 0)
		web_redirect(c, "/admin/rules?done=saved");
	else if (rc == 2)
		web_error(c, 404, "There is no such rule.");
	else
		web_error(c, rc > 0 ? 409 : 500, rc > 0 ? why : "The rule could not be deleted.");
}

/* ---- settings: borrowing limits and closed days ---- */

/* The limits form: what was typed when it comes back with errors, else
** the saved settings. */
static void view_limits(struct ctx *c, const struct settings_input *typed)
{
	struct tv *o = tv_set_obj(c->view, "limits");
	if (typed) {
		tv_set_str(o, "block_fines", valid_trim(c->arena, typed->block_fines));
		tv_set_str(o, "renew_overdue_days", valid_trim(c->arena, typed->renew_overdue_days));
		return;
	}
	struct circ_settings set;
	circ_settings_get(c->db, &set);
	tv_set_str(o, "block_fines", circ_money(c->arena, set.block_fines_cents));
	tv_set_int(o, "renew_overdue_days", set.renew_overdue_days);
}

static void view_closed_days(struct ctx *c)
{
	struct closed_day_row *days;
	int n = rules_closed_days(c->db, c->arena, &days);
	struct tv *list = tv_set_list(c->view, "closed");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "day", days[i].day);
		tv_set_str(o, "reason", days[i].reason);
		tv_push(list, o);
	}
}

/* The settings page; problem is a closed-days error, typed and errs those
** of the limits form. */
static void settings_page(struct ctx *c, const char *problem,
	const struct settings_input *typed, const struct form_errors *errs, int status)
{
	web_form_token(c);
	view_limits(c, typed);
	view_closed_days(c);
	if (problem)
		tv_set_str(c->view, "problem", problem);
	if (errs)
		web_form_errors(c, errs);
	const char *done = http_query(c->req, "done");
	if (done && !strcmp(done, "saved"))
		tv_set_str(c->view, "notice", "The closed days were saved.");
	if (done && !strcmp(done, "limits"))
		tv_set_str(c->view, "notice", "The borrowing limits were saved.");
	web_render(c, "admin_settings", status);
}

void page_admin_settings(struct ctx *c)
{
	settings_page(c, NULL, NULL, NULL, 200);
}

void page_admin_limits(struct ctx *c)
{
	struct settings_input in = {
		http_form(c->req, "block_fines"), http_form(c->req, "renew_overdue_days"),
	};
	struct form_errors errs = { .n = 0 };
	struct circ_settings set;
	if (rules_settings_validate(c->arena, &in, &set, &errs)) {
		settings_page(c, NULL, &in, &errs, 422);
		return;
	}
	if (rules_settings_save(c->db, c->arena, &set, c->sess.account_id, c->now)) {
		web_error(c, 500, "The settings could not be saved just now. Please try again.");
		return;
	}
	web_redirect(c, "/admin/settings?done=limits");
}

void page_admin_closed_add(struct ctx *c)
{
	const char *why = NULL;
	const char *reason = valid_trim(c->arena, http_form(c->req, "reason"));
	if (strlen(reason) > 200) {
		settings_page(c, "The reason can be at most 200 characters.", NULL, NULL, 422);
		return;
	}
	if (rules_close_days(c->db, c->arena, valid_trim(c->arena, http_form(c->req, "from")),
		valid_trim(c->arena, http_form(c->req, "to")), reason, c->sess.account_id, c->now,
		&why)) {
		settings_page(c, why, NULL, NULL, 422);
		return;
	}
	web_redirect(c, "/admin/settings?done=saved");
}

void page_admin_closed_delete(struct ctx *c)
{
	int rc = rules_open_day(c->db, c->req->params[0], c->sess.account_id, c->now);
	if (rc == 1)
		web_error(c, 404, "That day is not a closed day.");
	else if (rc < 0)
		web_error(c, 500, "The day could not be changed just now.");
	else
		web_redirect(c, "/admin/settings?done=saved");
}
