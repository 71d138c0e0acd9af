/*
** admin.c: the admin's screens: accounts and their roles, circulation
** rules, and settings (closed days).
*/
#include <string.h>

#include "account.h"
#include "circulation.h"
#include "closing.h"
#include "money.h"
#include "rules.h"
#include "staff.h"
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

/* A refused role change (or disabling, with disabling set), shown beside
** the account's control. */
struct role_refusal {
	long long id;
	const char *message;
	bool disabling;
};

static void users_page(struct ctx *c, const char *q, const char *role_name,
	const struct role_refusal *refusal, int status)
{
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
		tv_set_bool(row, "disabled", staff_is_disabled(c->db, rows[i].id));
		if (refusal && refusal->id == rows[i].id)
			tv_set_str(row, refusal->disabling ? "disable_error" : "error",
				refusal->message);
		tv_push(list, row);
	}
	static const char *const notices[][2] = {
		{ "role", "The role was changed." },
		{ "disabled", "The account was disabled: it can no longer log in, and "
			"was logged out everywhere." },
		{ "enabled", "The account was enabled: it can log in again." },
	};
	if (!refusal)
		web_done_notice(c, notices, sizeof notices / sizeof notices[0]);
	pager(c, q, role >= 0 ? role_name : "", f.page, total);
	web_render(c, "admin_users", status);
}

void page_admin_users(struct ctx *c)
{
	users_page(c, valid_trim(c->arena, http_query(c->req, "q")),
		http_query(c->req, "role"), NULL, 200);
}

/* A refused change answers the users page, narrowed to that account so
** the reason shows beside its control. */
static void role_refused(struct ctx *c, long long id, const char *message, int status)
{
	struct account a;
	const char *q = account_get(c->db, c->arena, id, &a) == ACCOUNT_OK ? a.email : "";
	struct role_refusal r = { id, message, false };
	users_page(c, q, "", &r, status);
}

static void disable_refused(struct ctx *c, long long id, const char *message, int status)
{
	struct account a;
	const char *q = account_get(c->db, c->arena, id, &a) == ACCOUNT_OK ? a.email : "";
	struct role_refusal r = { id, message, true };
	users_page(c, q, "", &r, status);
}

/* Disable or enable an account; back to the list as it was filtered. */
static void set_disabled(struct ctx *c, bool disabled)
{
	long long id = valid_id(c->req->params[0]);
	switch (staff_set_disabled(c->db, c->sess.account_id, id, disabled, c->now)) {
	case ACCOUNT_OK:
		web_redirect(c, arena_printf(c->arena, "/admin/users?q=%s&done=%s",
			http_url_encode(c->arena, valid_trim(c->arena, http_form(c->req, "q"))),
			disabled ? "disabled" : "enabled"));
		return;
	case ACCOUNT_NOT_FOUND:
		web_error(c, 404, "There is no account with that number.");
		return;
	case ACCOUNT_INVALID:
		disable_refused(c, id, "You cannot disable your own account: another admin "
			"must do it.", 422);
		return;
	case ACCOUNT_LAST_ADMIN:
		disable_refused(c, id, "This is the library's last enabled admin: make another "
			"account an admin first, so that someone can still manage the library.", 409);
		return;
	case ACCOUNT_FORBIDDEN:
		web_error(c, 403, "Your account is no longer an admin's, so it cannot disable "
			"or enable accounts.");
		return;
	default:
		web_error(c, 500, "The account could not be changed just now. Please try again.");
	}
}

void page_admin_user_disable(struct ctx *c)
{
	set_disabled(c, true);
}

void page_admin_user_enable(struct ctx *c)
{
	set_disabled(c, false);
}

void page_admin_user_role(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	int role = auth_role_parse(http_form(c->req, "role"));
	if (role < 0) {
		/* No form of ours sends another value. */
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
		role_refused(c, id, "You cannot lower your own role: another admin must do it, "
			"so that the library always keeps an admin.", 422);
		return;
	case ACCOUNT_LAST_ADMIN:
		role_refused(c, id, "This is the library's last admin: make another account "
			"an admin first, so that someone can still manage the library.", 409);
		return;
	case ACCOUNT_FORBIDDEN:
		web_error(c, 403, "Your account is no longer an admin's, so it cannot change "
			"roles.");
		return;
	default:
		web_error(c, 500, "The role could not be changed just now. Please try again.");
	}
}

/* ---- circulation rules ---- */

/* The fields of a rule form, in order: name, label, size. */
static const struct { const char *name, *label; int size; } rule_fields[] = {
	{ "category", "Category", 8 }, { "item_type", "Item type", 8 },
	{ "loan_days", "Loan days", 4 }, { "max_loans", "Loans at once", 4 },
	{ "max_renewals", "Renewals", 3 }, { "no_renewal_before", "No renewal before (days)", 3 },
	{ "fine_per_day", "Fine a day", 6 }, { "grace_days", "Grace days", 3 },
	{ "fine_cap", "Fine cap", 6 }, { "hold_pickup_days", "Pickup days", 3 },
};
#define RULE_FIELDS (sizeof rule_fields / sizeof rule_fields[0])

/* A rule form's values, in rule_fields' order, as typed (NULL: none). */
typedef const char *rule_values[RULE_FIELDS];

static void rule_values_of(struct ctx *c, const struct circ_rule *r, rule_values out)
{
	const char *v[RULE_FIELDS] = {
		r->category, r->item_type, arena_printf(c->arena, "%d", r->loan_days),
		arena_printf(c->arena, "%d", r->max_loans),
		arena_printf(c->arena, "%d", r->max_renewals),
		r->no_renewal_before_days < 0 ? "" : arena_printf(c->arena, "%d",
			r->no_renewal_before_days),
		money_amount(c->arena, r->fine_per_day_cents),
		arena_printf(c->arena, "%d", r->grace_days),
		money_amount(c->arena, r->fine_cap_cents),
		arena_printf(c->arena, "%d", r->hold_pickup_days),
	};
	memcpy(out, v, sizeof v);
}

static void rule_values_typed(struct ctx *c, rule_values out)
{
	for (size_t i = 0; i < RULE_FIELDS; i++)
		out[i] = http_form(c->req, rule_fields[i].name);
}

/* One rule form's fields into o as "fields"; errs (or NULL) beside each. */
static void view_rule_fields(struct ctx *c, struct tv *o, const rule_values values,
	bool general, const struct form_errors *errs)
{
	struct tv *fields = tv_set_list(o, "fields");
	for (size_t i = 0; i < RULE_FIELDS; i++) {
		struct tv *f = tv_obj(c->arena);
		tv_set_str(f, "name", rule_fields[i].name);
		tv_set_str(f, "label", rule_fields[i].label);
		tv_set_int(f, "size", rule_fields[i].size);
		tv_set_str(f, "value", values[i] ? values[i] : "");
		/* Category and item type: chosen from the admin's lists (or
		** "any"), fixed on the general rule. */
		bool code = i < 2;
		tv_set_bool(f, "hidden", general && code);
		tv_set_bool(f, "select", !general && code);
		if (!general && code)
			lists_view_options(c, f, "options", i == 0 ? LIST_CATEGORY : LIST_ITEM_TYPE,
				values[i] ? values[i] : "*", true);
		const char *error = errs ? form_error_get(errs, rule_fields[i].name) : NULL;
		if (error)
			tv_set_str(f, "error", error);
		tv_push(fields, f);
	}
}

/* What came back refused: the form (a rule's id, or 0 for the new rule)
** with what was typed and why. */
struct rule_refusal {
	long long id;
	const struct form_errors *errs;   /* a field's problems */
	const char *problem;              /* or the whole form's (a deletion) */
};

static void view_rules(struct ctx *c, const struct rule_refusal *refused)
{
	struct circ_rule *rules;
	int n = rules_list(c->db, c->arena, &rules);
	struct tv *list = tv_set_list(c->view, "rules");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		bool general = !strcmp(rules[i].category, "*") && !strcmp(rules[i].item_type, "*");
		bool this_one = refused && refused->id == rules[i].id;
		rule_values values;
		if (this_one && refused->errs)
			rule_values_typed(c, values);
		else
			rule_values_of(c, &rules[i], values);
		tv_set_int(o, "id", rules[i].id);
		tv_set_bool(o, "general", general);
		view_rule_fields(c, o, values, general, this_one ? refused->errs : NULL);
		if (this_one && refused->problem)
			tv_set_str(o, "problem", refused->problem);
		tv_push(list, o);
	}
	/* The new rule's form: the design's defaults, or what was typed. */
	struct circ_rule defaults = { .category = "*", .item_type = "*", .loan_days = 21,
		.max_loans = 5, .max_renewals = 3, .fine_per_day_cents = 25, .grace_days = 1,
		.fine_cap_cents = 1000, .hold_pickup_days = 7, .no_renewal_before_days = -1 };
	rule_values values;
	bool typed = refused && refused->id == 0 && refused->errs;
	if (typed)
		rule_values_typed(c, values);
	else
		rule_values_of(c, &defaults, values);
	view_rule_fields(c, tv_set_obj(c->view, "new_rule"), values, false,
		typed ? refused->errs : NULL);
}

static void rules_page(struct ctx *c, const struct rule_refusal *refused, int status)
{
	web_form_token(c);
	view_rules(c, refused);
	ebooks_view_rules(c);
	const char *done = http_query(c->req, "done");
	if (done && !strcmp(done, "saved"))
		tv_set_str(c->view, "notice", "The rules were saved.");
	if (refused && refused->errs) {
		tv_set_int(c->view, "error_count", refused->errs->n);
		tv_set_str(c->view, "error_form", refused->id
			? arena_printf(c->arena, "rule-%lld", refused->id) : "new-rule");
	}
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
		http_form(c->req, "hold_pickup_days"), http_form(c->req, "no_renewal_before"),
	};
	struct form_errors errs = { .n = 0 };
	struct circ_rule r;
	int rc = rules_validate(c->arena, &in, &r, &errs);
	if (rc == 0)
		rc = lists_check_rule(c->db, r.category, r.item_type, &errs);
	if (rc == 0)
		rc = rules_save(c->db, c->arena, id, &r, c->sess.account_id, c->now, &errs);
	if (rc == 0) {
		web_redirect(c, "/admin/rules?done=saved");
	} else if (rc == 1) {
		web_error(c, 404, "There is no such rule.");
	} else if (errs.n) {
		struct rule_refusal refused = { .id = id, .errs = &errs };
		rules_page(c, &refused, 422);
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
	long long id = valid_id(c->req->params[0]);
	int rc = rules_delete(c->db, c->arena, id, c->sess.account_id, c->now, &why);
	if (rc == 0) {
		web_redirect(c, "/admin/rules?done=saved");
	} else if (rc == 2) {
		web_error(c, 404, "There is no such rule.");
	} else if (rc > 0) {
		struct rule_refusal refused = { .id = id, .problem = why };
		rules_page(c, &refused, 409);
	} else {
		web_error(c, 500, "The rule could not be deleted just now. Please try again.");
	}
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
	tv_set_str(o, "block_fines", money_amount(c->arena, set.block_fines_cents));
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

/* The weekly closing days, and the days of the week that could be added. */
static void view_weekly_days(struct ctx *c)
{
	struct closing_weekday *days;
	int n = closing_weekly_list(c->db, c->arena, &days);
	struct tv *list = tv_set_list(c->view, "weekly");
	unsigned closed = 0;
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "weekday", days[i].weekday);
		tv_set_str(o, "name", days[i].name);
		tv_set_str(o, "reason", days[i].reason);
		tv_push(list, o);
		closed |= 1u << days[i].weekday;
	}
	tv_set_bool(c->view, "any_weekday_open", closed != CAL_ALL_WEEKDAYS);
	struct tv *open = tv_set_list(c->view, "weekdays_open");
	for (int w = 0; w < 7; w++) {
		if (closed & (1u << w))
			continue;
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "weekday", w);
		tv_set_str(o, "name", closing_weekday_name(w));
		tv_push(open, o);
	}
}

/* The currency form: what was typed when it comes back refused (with its
** error beside it), else the saved currency. */
static void view_currency(struct ctx *c, const char *typed, const char *error)
{
	struct tv *o = tv_set_obj(c->view, "currency");
	tv_set_str(o, "value", typed ? typed : money_currency(c->db, c->arena));
	tv_set_str(o, "example", money_show(c->db, c->arena, 1250));
	if (error)
		tv_set_str(o, "error", error);
}

/* The settings page; problem is a closed-days error, typed and errs those
** of the limits form. */
static void settings_page(struct ctx *c, const char *problem,
	const struct settings_input *typed, const struct form_errors *errs, int status)
{
	web_form_token(c);
	view_limits(c, typed);
	view_closed_days(c);
	view_weekly_days(c);
	if (!tv_get(c->view, "currency"))
		view_currency(c, NULL, NULL);
	privacy_view_retention(c, NULL, NULL);
	api_view_rate(c, NULL, NULL);
	if (problem)
		tv_set_str(c->view, "problem", problem);
	if (errs)
		web_form_errors(c, errs);
	const char *done = http_query(c->req, "done");
	if (done && !strcmp(done, "saved"))
		tv_set_str(c->view, "notice", "The closed days were saved.");
	if (done && !strcmp(done, "weekly"))
		tv_set_str(c->view, "notice", "The weekly closing days were saved.");
	if (done && !strcmp(done, "limits"))
		tv_set_str(c->view, "notice", "The borrowing limits were saved.");
	if (done && !strcmp(done, "currency"))
		tv_set_str(c->view, "notice", "The currency was saved.");
	if (done && !strcmp(done, "retention"))
		tv_set_str(c->view, "notice", "The loan history retention was saved.");
	if (done && !strcmp(done, "api"))
		tv_set_str(c->view, "notice", "The API's limit was saved.");
	web_render(c, "admin_settings", status);
}

void admin_settings_page(struct ctx *c, int status)
{
	settings_page(c, NULL, NULL, NULL, status);
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

/* ---- weekly closing days ---- */

void page_admin_weekly_add(struct ctx *c)
{
	const char *why = NULL;
	const char *reason = valid_trim(c->arena, http_form(c->req, "weekly_reason"));
	if (closing_weekly_add(c->db, c->arena, closing_parse_weekday(http_form(c->req,
		"weekday")), reason, c->sess.account_id, c->now, &why)) {
		/* The settings page again, the problem beside the weekly form. */
		tv_set_str(c->view, "weekly_problem", why);
		tv_set_str(c->view, "weekly_reason", reason);
		settings_page(c, NULL, NULL, NULL, 422);
		return;
	}
	web_redirect(c, "/admin/settings?done=weekly#weekly-days");
}

void page_admin_weekly_delete(struct ctx *c)
{
	int rc = closing_weekly_remove(c->db, closing_parse_weekday(c->req->params[0]),
		c->sess.account_id, c->now);
	if (rc == 1)
		web_error(c, 404, "The library does not close on that day every week.");
	else if (rc < 0)
		web_error(c, 500, "The weekly closing day could not be changed just now.");
	else
		web_redirect(c, "/admin/settings?done=weekly#weekly-days");
}

void page_admin_currency(struct ctx *c)
{
	struct form_errors errs = { .n = 0 };
	const char *currency;
	if (money_currency_validate(c->arena, http_form(c->req, "currency"), &currency, &errs)) {
		view_currency(c, currency, form_error_get(&errs, "currency"));
		settings_page(c, NULL, NULL, NULL, 422);
		return;
	}
	if (money_currency_save(c->db, c->arena, currency, c->sess.account_id, c->now)) {
		web_error(c, 500, "The currency could not be saved just now. Please try again.");
		return;
	}
	web_redirect(c, "/admin/settings?done=currency");
}
