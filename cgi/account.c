/*
** account.c: log in, log out, register, and the member's own account pages
** (overview, profile, password).
*/
#include <stdio.h>
#include <string.h>

#include "account.h"
#include "circulation.h"
#include "desk.h"
#include "members.h"
#include "payments.h"
#include "reset.h"
#include "web.h"

/* Only a path on this site may follow a login: never "//host" or a URL, so
** the login form cannot be used to send people elsewhere. */
static const char *safe_next(const char *next)
{
	return valid_local_path(next) ? next : "/account";
}

static void start_session(struct ctx *c, long long account_id)
{
	struct session_policy pol = { c->cfg->session_idle, c->cfg->session_max };
	char token[SESSION_TOKEN_LEN + 1];
	/* A session that was open before the login is ended: a token set by
	** someone else before login must not become a logged-in one. */
	if (c->session_token)
		session_destroy(c->db, c->session_token);
	if (session_create(c->db, &pol, account_id, c->now, token)) {
		web_error(c, 500, "You could not be logged in just now. Please try again.");
		return;
	}
	http_set_cookie(c->resp, SESSION_COOKIE, token, c->cfg->session_max,
		c->cfg->secure_cookies);
}

static void login_form(struct ctx *c, const char *email, const char *next,
	const char *error, int status)
{
	web_form_token(c);
	tv_set_str(c->view, "email", email ? email : "");
	tv_set_str(c->view, "next", next && *next ? safe_next(next) : "");
	if (error)
		tv_set_str(c->view, "error", error);
	web_render(c, "login", status);
}

void page_account_login_form(struct ctx *c)
{
	static const char *const messages[][2] = {
		{ "password_reset", "Your password was changed; please log in." },
	};
	web_done_notice(c, messages, sizeof messages / sizeof messages[0]);
	login_form(c, "", http_query(c->req, "next"), NULL, 200);
}

void page_account_login(struct ctx *c)
{
	const char *email = valid_trim(c->arena, http_form(c->req, "email"));
	const char *password = http_form(c->req, "password");
	const char *next = http_form(c->req, "next");
	if (!*email || !password || !*password) {
		login_form(c, email, next, "Please enter your email address and password.", 422);
		return;
	}
	struct auth_cost cost = web_auth_cost(c);
	struct auth_throttle rule = { c->cfg->login_max_failures, c->cfg->login_window };
	long long id = 0;
	switch (auth_login(c->db, &cost, &rule, email, password, c->req->remote_addr,
		c->now, &id)) {
	case AUTH_OK:
		start_session(c, id);
		if (c->resp->status != 500)
			web_redirect(c, next && *next ? safe_next(next) : desk_landing(c->db, id));
		return;
	case AUTH_BAD_CREDENTIALS:
		/* The same words whether or not the email has an account. */
		login_form(c, email, next, "The email address or password is not right.", 422);
		return;
	case AUTH_DISABLED:
		/* Said only to whoever typed the right password: a wrong one
		** gets the same words as for any account. */
		login_form(c, email, next, "This account has been disabled, so it cannot "
			"log in. If you think that is a mistake, please ask the library's "
			"staff.", 409);
		return;
	case AUTH_THROTTLED: {
		char retry[24];
		snprintf(retry, sizeof retry, "%ld", c->cfg->login_window);
		http_resp_header(c->resp, "Retry-After", retry);
		web_error(c, 429, arena_printf(c->arena, "There have been too many "
			"failed attempts to log in to this account. For its safety, "
			"logging in is paused for %ld minutes. If you have forgotten "
			"your password, use \"Forgot your password?\" on the login page, "
			"or ask at the library desk.",
			c->cfg->login_window / 60));
		return;
	}
	case AUTH_ERROR:
		break;
	}
	web_error(c, 500, "You could not be logged in just now. Please try again.");
}

void page_account_logout(struct ctx *c)
{
	session_destroy(c->db, c->session_token);
	http_set_cookie(c->resp, SESSION_COOKIE, "", 0, c->cfg->secure_cookies);
	web_redirect(c, "/");
}

/* Whether any plan is on offer: with none, visitors register without a
** membership (and join one later at the desk). */
static bool plans_offered(struct ctx *c)
{
	return db_int(c->db, 0, "SELECT count(*) FROM plan WHERE active", NULL) > 0;
}

/* The register and profile pages: the same fields, shown again with what
** was typed and an error under each field that needs one. */
static void details_form(struct ctx *c, const char *page,
	const struct account_input *in, const struct form_errors *errs, int status)
{
	web_form_token(c);
	if (!strcmp(page, "register")) {
		members_view_plans(c, "plans", true, valid_id(http_form(c->req, "plan")));
		tv_set_bool(c->view, "plans_offered", plans_offered(c));
	}
	tv_set_str(c->view, "name", in->name);
	tv_set_str(c->view, "email", in->email);
	tv_set_str(c->view, "phone", in->phone);
	if (!strcmp(page, "profile")) {
		/* As typed, else as stored. */
		struct account a;
		const char *channel = http_form(c->req, "notice_channel");
		if (!channel && account_get(c->db, c->arena, c->sess.account_id, &a) == ACCOUNT_OK)
			channel = a.notice_channel;
		web_view_channels(c, channel ? channel : "email");
		privacy_view_profile(c);
		api_tokens_view_profile(c);
	}
	if (errs)
		web_form_errors(c, errs);
	web_render(c, page, status);
}

/* After registering: a free plan starts at once; a paid one waits for its
** payment (online or at the desk). Returns the ?done= key for /account. */
static const char *join_plan(struct ctx *c, long long account_id, const struct plan *p)
{
	if (p->price_cents == 0) {
		struct pay_result r;
		payment_free_plan(c->db, c->arena, c->now, account_id, p->id, 0, &r);
		return r.ok ? "welcome" : "welcome_later";
	}
	return membership_join_pending(c->db, account_id, p, c->now)
		? "welcome_later" : "welcome_pending";
}

void page_account_register_form(struct ctx *c)
{
	struct account_input in = { "", "", "", NULL };
	details_form(c, "register", &in, NULL, 200);
}

void page_account_register(struct ctx *c)
{
	struct account_input in = {
		http_form(c->req, "name"), http_form(c->req, "email"),
		http_form(c->req, "phone"), http_form(c->req, "password"),
	};
	if (!in.password)
		in.password = "";
	struct form_errors errs = { .n = 0 };
	struct plan plan;
	account_validate(c->arena, &in, &errs);
	bool chosen = !plan_get(c->db, c->arena, valid_id(http_form(c->req, "plan")), &plan) &&
		plan.active;
	if (!chosen && plans_offered(c))
		form_error(&errs, "plan", "Choose one of the membership plans.");
	if (errs.n) {
		details_form(c, "register", &in, &errs, 422);
		return;
	}
	struct reset_limits lim = { 0, c->cfg->register_per_ip };
	if (!reset_register_allowed(c->db, &lim, c->req->remote_addr, c->now)) {
		char retry[24];
		snprintf(retry, sizeof retry, "%d", RESET_WINDOW);
		http_resp_header(c->resp, "Retry-After", retry);
		web_error(c, 429, "There have been too many registrations from your "
			"connection. Please wait an hour and try again, or register at the "
			"library desk.");
		return;
	}
	/* A new address and a known one answer alike ("check your email"),
	** and both hash the password first, so neither the page nor its time
	** tells whether the address has an account; the email does. */
	struct auth_cost cost = web_auth_cost(c);
	long long id = 0;
	int rc = -1;
	switch (account_create(c->db, &cost, &in, ROLE_MEMBER, c->now, &errs, &id)) {
	case ACCOUNT_OK: {
		const char *done = chosen ? join_plan(c, id, &plan) : "welcome_no_plan";
		rc = reset_confirm_start(c->db, c->arena, id, done, c->now);
		break;
	}
	case ACCOUNT_EMAIL_TAKEN:
		rc = reset_account_exists_notice(c->db, c->arena, in.email, c->now);
		break;
	case ACCOUNT_INVALID:
		details_form(c, "register", &in, &errs, 422);
		return;
	default:
		break;
	}
	if (rc) {
		web_error(c, 500, "Your account could not be created just now. "
			"Please try again.");
		return;
	}
	web_redirect(c, "/register/sent");
}

void page_account_register_sent(struct ctx *c)
{
	tv_set_int(c->view, "hours", RESET_CONFIRM_LIFETIME / 3600);
	web_render(c, "register_sent", 200);
}

/* A confirm link that does not work (any more): 404, as a reset link. */
static void confirm_gone(struct ctx *c)
{
	tv_set_bool(c->view, "registration", true);
	web_render(c, "password_gone", 404);
}

void page_account_confirm_form(struct ctx *c)
{
	switch (reset_confirm_check(c->db, c->req->params[0], c->now)) {
	case RESET_DONE:
		web_form_token(c);
		/* The address holds the token: no cache keeps the page. */
		http_resp_set_header(c->resp, "Cache-Control", "no-store");
		tv_set_str(c->view, "action", arena_printf(c->arena, "/register/confirm/%s",
			c->req->params[0]));
		web_render(c, "register_confirm", 200);
		return;
	case RESET_GONE:
		confirm_gone(c);
		return;
	default:
		web_error(c, 500, "The link could not be checked just now. Please try again.");
	}
}

void page_account_confirm(struct ctx *c)
{
	long long id = 0;
	const char *welcome = NULL;
	switch (reset_confirm(c->db, c->arena, c->req->params[0], c->now, &id, &welcome)) {
	case RESET_DONE:
		start_session(c, id);
		if (c->resp->status != 500)
			web_redirect(c, arena_printf(c->arena, "/account?done=%s",
				*welcome ? welcome : "welcome"));
		return;
	case RESET_GONE:
		confirm_gone(c);
		return;
	default:
		web_error(c, 500, "Your registration could not be finished just now. "
			"Please try again.");
	}
}

/* Messages shown after a redirect, chosen by a fixed key so no text from
** the address is ever echoed onto the page. */
static const char *done_message(const char *key)
{
	static const struct { const char *key, *text; } messages[] = {
		{ "welcome", "Welcome to the library! Your account is ready." },
		{ "welcome_pending", "Welcome to the library! Your membership starts as soon "
			"as it is paid for: pay online below or at the desk." },
		{ "welcome_later", "Welcome to the library! Your account is ready, but your "
			"membership could not be set up just now: please ask at the desk." },
		{ "welcome_no_plan", "Welcome to the library! Your account is ready. No "
			"membership plans are offered online just now: please ask at the desk "
			"about borrowing." },
		{ "profile", "Your profile was saved." },
		{ "password", "Your password was changed. Other devices were logged out." },
		{ "renewed", "The loan was renewed. See its new due date below." },
		{ "hold", "Your hold was placed. We will tell you when a copy is ready." },
		{ "cancelled", "The hold was cancelled." },
	};
	for (size_t i = 0; key && i < sizeof messages / sizeof messages[0]; i++)
		if (!strcmp(key, messages[i].key))
			return messages[i].text;
	return NULL;
}

static bool load_own_account(struct ctx *c, struct account *a)
{
	if (account_get(c->db, c->arena, c->sess.account_id, a) != ACCOUNT_OK) {
		web_error(c, 500, "Your account could not be read. Please try again.");
		return false;
	}
	return true;
}

void page_account_overview(struct ctx *c)
{
	struct account a;
	if (!load_own_account(c, &a))
		return;
	const char *done = done_message(http_query(c->req, "done"));
	if (done)
		tv_set_str(c->view, "notice", done);
	struct tv *acc = tv_set_obj(c->view, "account");
	tv_set_str(acc, "name", a.name);
	tv_set_str(acc, "email", a.email);
	tv_set_str(acc, "phone", a.phone);
	tv_set_str(acc, "card_number", a.card_number);
	tv_set_str(acc, "role", auth_role_name(a.role));
	tv_set_str(acc, "since", web_date(c, a.created_at));
	members_view_standing(c, a.id);
	circ_view_member(c, a.id, false);
	ebooks_view_account(c, a.id, false);
	web_form_token(c);
	web_render(c, "account", 200);
}

void page_account_profile_form(struct ctx *c)
{
	struct account a;
	if (!load_own_account(c, &a))
		return;
	struct account_input in = { a.name, a.email, a.phone, NULL };
	details_form(c, "profile", &in, NULL, 200);
}

void account_profile_page(struct ctx *c, int status)
{
	struct account a;
	if (!load_own_account(c, &a))
		return;
	struct account_input in = { a.name, a.email, a.phone, NULL };
	details_form(c, "profile", &in, NULL, status);
}

void page_account_profile(struct ctx *c)
{
	struct account_input in = {
		http_form(c->req, "name"), http_form(c->req, "email"),
		http_form(c->req, "phone"), NULL,
	};
	/* No choice sent (an older form): the stored one stays. */
	const char *channel = http_form(c->req, "notice_channel");
	struct form_errors errs = { .n = 0 };
	account_validate(c->arena, &in, &errs);
	const char *why = channel ? account_channel_refusal(channel, in.phone) : NULL;
	if (why)
		form_error(&errs, "notice_channel", why);
	if (errs.n) {
		details_form(c, "profile", &in, &errs, 422);
		return;
	}
	switch (account_update_profile(c->db, c->sess.account_id, c->sess.account_id, &in,
		c->now, &errs)) {
	case ACCOUNT_OK:
		if (channel && account_set_notice_channel(c->db, c->sess.account_id,
			c->sess.account_id, channel, c->now) != ACCOUNT_OK)
			break;
		web_redirect(c, "/account?done=profile");
		return;
	case ACCOUNT_EMAIL_TAKEN:
		details_form(c, "profile", &in, &errs, 422);
		return;
	default:
		break;
	}
	web_error(c, 500, "Your profile could not be saved just now. Please try again.");
}

void page_account_password(struct ctx *c)
{
	const char *current = http_form(c->req, "current_password");
	const char *fresh = http_form(c->req, "new_password");
	struct form_errors errs = { .n = 0 };
	const char *msg;
	if (!current || !*current)
		form_error(&errs, "current_password", "Please enter your current password.");
	if ((msg = valid_password(fresh)))
		form_error(&errs, "new_password", msg);
	if (!errs.n) {
		struct auth_cost cost = web_auth_cost(c);
		switch (auth_change_password(c->db, &cost, c->sess.account_id, current,
			fresh, c->now)) {
		case AUTH_OK:
			session_destroy_others(c->db, c->sess.account_id, c->session_token);
			web_redirect(c, "/account?done=password");
			return;
		case AUTH_BAD_CREDENTIALS:
			form_error(&errs, "current_password", "Your current password is not right.");
			break;
		default:
			web_error(c, 500, "Your password could not be changed just now. "
				"Please try again.");
			return;
		}
	}
	struct account a;
	if (!load_own_account(c, &a))
		return;
	struct account_input in = { a.name, a.email, a.phone, NULL };
	details_form(c, "profile", &in, &errs, 422);
}
