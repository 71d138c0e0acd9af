/*
** password.c: "Forgot your password?": asking for a reset link, and
** choosing a new password with one. The rules are in lib/reset.c.
*/
#include <stdio.h>
#include <string.h>

#include "reset.h"
#include "web.h"

static struct reset_limits reset_limits(const struct ctx *c)
{
	return (struct reset_limits){ c->cfg->reset_per_email, c->cfg->reset_per_ip };
}

static void forgot_form(struct ctx *c, const char *email, const struct form_errors *errs,
	int status)
{
	static const char *const messages[][2] = {
		/* The same words whether or not an account uses the address. */
		{ "sent", "If an account uses that address, we have sent it a link to "
			"choose a new password. The link works for an hour, once. If "
			"nothing arrives within a few minutes, look in your spam folder, "
			"or ask at the library desk." },
	};
	web_form_token(c);
	web_done_notice(c, messages, sizeof messages / sizeof messages[0]);
	tv_set_str(c->view, "email", email);
	if (errs)
		web_form_errors(c, errs);
	web_render(c, "password_forgot", status);
}

void page_password_forgot_form(struct ctx *c)
{
	forgot_form(c, "", NULL, 200);
}

void page_password_forgot(struct ctx *c)
{
	const char *email = valid_trim(c->arena, http_form(c->req, "email"));
	struct form_errors errs = { .n = 0 };
	const char *msg = valid_email(email);
	if (msg) {
		form_error(&errs, "email", msg);
		forgot_form(c, email, &errs, 422);
		return;
	}
	struct reset_limits lim = reset_limits(c);
	switch (reset_request(c->db, c->arena, &lim, email, c->req->remote_addr, c->now)) {
	case RESET_DONE:
		web_redirect(c, "/password/forgot?done=sent");
		return;
	case RESET_THROTTLED: {
		char retry[24];
		snprintf(retry, sizeof retry, "%d", RESET_WINDOW);
		http_resp_header(c->resp, "Retry-After", retry);
		web_error(c, 429, "There have been too many requests for password "
			"reset links from your connection. Please wait an hour and try "
			"again, or ask at the library desk.");
		return;
	}
	default:
		web_error(c, 500, "Your request could not be handled just now. "
			"Please try again.");
	}
}

/* A link that does not work (any more): the same page and status (404)
** whether it never existed, was used or expired. */
static void link_gone(struct ctx *c)
{
	web_render(c, "password_gone", 404);
}

static void reset_form(struct ctx *c, const char *token, const struct form_errors *errs,
	int status)
{
	web_form_token(c);
	/* The address holds the token: no cache keeps the page. */
	http_resp_set_header(c->resp, "Cache-Control", "no-store");
	tv_set_str(c->view, "action", arena_printf(c->arena, "/password/reset/%s", token));
	if (errs)
		web_form_errors(c, errs);
	web_render(c, "password_reset", status);
}

void page_password_reset_form(struct ctx *c)
{
	const char *token = c->req->params[0];
	long long id = 0;
	switch (reset_token_check(c->db, token, c->now, &id)) {
	case RESET_DONE:
		reset_form(c, token, NULL, 200);
		return;
	case RESET_GONE:
		link_gone(c);
		return;
	default:
		web_error(c, 500, "The link could not be checked just now. Please try again.");
	}
}

void page_password_reset(struct ctx *c)
{
	const char *token = c->req->params[0];
	long long id = 0;
	enum reset_result r = reset_token_check(c->db, token, c->now, &id);
	if (r == RESET_DONE) {
		const char *password = http_form(c->req, "password");
		struct form_errors errs = { .n = 0 };
		if (!reset_passwords_ok(password, http_form(c->req, "password_again"), &errs)) {
			reset_form(c, token, &errs, 422);
			return;
		}
		struct auth_cost cost = web_auth_cost(c);
		r = reset_password(c->db, &cost, token, password, c->req->remote_addr, c->now, &id);
	}
	switch (r) {
	case RESET_DONE:
		web_redirect(c, "/login?done=password_reset");
		return;
	case RESET_GONE:
		link_gone(c);
		return;
	default:
		web_error(c, 500, "Your password could not be changed just now. "
			"Nothing was changed; please try again.");
	}
}
