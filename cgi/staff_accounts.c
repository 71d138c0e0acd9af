/*
** staff_accounts.c: staff accounts made by admins (/admin/users/new, the
** temporary password shown once) and the page an account holding a
** temporary password is sent to until it chooses its own
** (/password/change; main.c sends it there). Disabling and enabling are
** on the users list (admin.c). The rules are in lib/staff.c.
*/
#include <string.h>

#include "staff.h"
#include "web.h"

static void role_choices(struct ctx *c, const char *chosen)
{
	struct tv *roles = tv_set_list(c->view, "roles");
	static const char *const choices[][2] = {
		{ "librarian", "Librarian: the catalogue, circulation, members and reports" },
		{ "admin", "Admin: all of that, and the library's rules, settings and accounts" },
	};
	for (size_t i = 0; i < sizeof choices / sizeof choices[0]; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "value", choices[i][0]);
		tv_set_str(o, "label", choices[i][1]);
		tv_set_bool(o, "checked", chosen && !strcmp(chosen, choices[i][0]));
		tv_push(roles, o);
	}
}

static void new_user_form(struct ctx *c, const struct staff_input *typed,
	const struct form_errors *errs, int status)
{
	web_form_token(c);
	tv_set_str(c->view, "name", typed ? typed->name : "");
	tv_set_str(c->view, "email", typed ? typed->email : "");
	role_choices(c, typed ? typed->role : "librarian");
	if (errs)
		web_form_errors(c, errs);
	web_render(c, "admin_user_new", status);
}

void page_admin_user_new_form(struct ctx *c)
{
	new_user_form(c, NULL, NULL, 200);
}

void page_admin_user_new(struct ctx *c)
{
	struct staff_input in = { http_form(c->req, "name"), http_form(c->req, "email"),
		http_form(c->req, "role") };
	struct form_errors errs = { .n = 0 };
	struct auth_cost cost = web_auth_cost(c);
	long long id = 0;
	char password[STAFF_TEMP_PASSWORD_LEN + 1];
	enum account_result rc = staff_create(c->db, &cost, c->arena, &in, c->now, &errs,
		&id, password);
	if (!in.role)
		in.role = "";
	switch (rc) {
	case ACCOUNT_OK:
		break;
	case ACCOUNT_INVALID:
		new_user_form(c, &in, &errs, 422);
		return;
	case ACCOUNT_EMAIL_TAKEN:
		new_user_form(c, &in, &errs, 409);
		return;
	default:
		web_error(c, 500, "The account could not be made just now. Please try again.");
		return;
	}
	/* Shown once, in this answer: never in an address, a log line or on
	** reload (a reload would post again and be refused: the email is
	** taken). */
	http_resp_set_header(c->resp, "Cache-Control", "no-store");
	tv_set_str(c->view, "name", in.name);
	tv_set_str(c->view, "email", in.email);
	tv_set_str(c->view, "role", in.role);
	tv_set_str(c->view, "password", password);
	tv_set_str(c->view, "login_url", arena_printf(c->arena, "%s/login", c->cfg->base_url));
	web_render(c, "admin_user_created", 200);
}

/* ---- the first login's own password ---- */

/* Where to go after choosing a password: the page first asked for, when
** it is one of ours. */
static const char *next_page(struct ctx *c, const char *next)
{
	if (next && *next && valid_local_path(next) && strncmp(next, "/password/change", 16))
		return next;
	return c->sess.role >= ROLE_LIBRARIAN ? "/staff" : "/account";
}

static void change_form(struct ctx *c, const struct form_errors *errs, int status)
{
	web_form_token(c);
	const char *next = http_query(c->req, "next");
	if (!next)
		next = http_form(c->req, "next");
	tv_set_str(c->view, "next", next && valid_local_path(next) ? next : "");
	tv_set_bool(c->view, "must_change", c->sess.must_change_password);
	tv_set_str(c->view, "email", c->sess.email);
	if (errs)
		web_form_errors(c, errs);
	web_render(c, "password_change", status);
}

void page_password_change_form(struct ctx *c)
{
	http_resp_set_header(c->resp, "Cache-Control", "no-store");
	change_form(c, NULL, 200);
}

void page_password_change(struct ctx *c)
{
	const char *fresh = http_form(c->req, "password");
	const char *again = http_form(c->req, "password_again");
	struct form_errors errs = { .n = 0 };
	if (fresh && *fresh && (!again || strcmp(fresh, again))) {
		form_error(&errs, "password_again", "The two passwords are not the same: "
			"type the new one twice.");
		change_form(c, &errs, 422);
		return;
	}
	struct auth_cost cost = web_auth_cost(c);
	switch (staff_choose_password(c->db, &cost, c->sess.account_id, fresh ? fresh : "",
		c->now, &errs)) {
	case ACCOUNT_OK:
		/* Any other browser that logged in with the old one is logged out. */
		session_destroy_others(c->db, c->sess.account_id, c->session_token);
		web_redirect(c, next_page(c, http_form(c->req, "next")));
		return;
	case ACCOUNT_INVALID:
		change_form(c, &errs, 422);
		return;
	default:
		web_error(c, 500, "Your password could not be changed just now. Please try again.");
	}
}
