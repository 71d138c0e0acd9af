/*
** api_tokens.c: the profile page's API tokens: make one (shown once),
** list one's own, revoke. The rules are in lib/api.h.
*/
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "web.h"

static const char *days_label(int days)
{
	return days == 30 ? "30 days" : days == 90 ? "90 days" : days == 365 ? "1 year" : "";
}

/* The choices of the form, with what was typed (or the defaults) kept. */
static void view_form(struct ctx *c, struct tv *o)
{
	const char *name = http_form(c->req, "token_name");
	const char *scope = http_form(c->req, "token_scope");
	const char *days = http_form(c->req, "token_days");
	tv_set_str(o, "name", name ? name : "");
	tv_set_bool(o, "scope_write", scope && !strcmp(scope, "read-write"));
	struct tv *list = tv_set_list(o, "days");
	for (int i = 0; i < api_token_days_count; i++) {
		struct tv *d = tv_obj(c->arena);
		tv_set_int(d, "value", api_token_days[i]);
		tv_set_str(d, "label", days_label(api_token_days[i]));
		tv_set_bool(d, "selected", days ? valid_id(days) == api_token_days[i]
			: api_token_days[i] == 90);
		tv_push(list, d);
	}
}

static const char *token_state(struct ctx *c, const struct api_token *t)
{
	if (t->revoked_at)
		return arena_printf(c->arena, "revoked %s", web_date(c, t->revoked_at));
	if (t->expires_at <= c->now)
		return arena_printf(c->arena, "expired %s", web_date(c, t->expires_at));
	return arena_printf(c->arena, "expires %s", web_date(c, t->expires_at));
}

void api_tokens_view_profile(struct ctx *c)
{
	struct tv *o = tv_get(c->view, "api") ? NULL : tv_set_obj(c->view, "api");
	if (!o)
		return;
	view_form(c, o);
	const char *done = http_query(c->req, "done");
	if (done && !strcmp(done, "token_revoked"))
		tv_set_str(o, "notice", "The token was revoked. Programs using it can no "
			"longer get in.");
	struct api_token *tokens;
	int n = api_token_list(c->db, c->arena, c->sess.account_id, &tokens);
	struct tv *list = tv_set_list(o, "tokens");
	for (int i = 0; i < n; i++) {
		const struct api_token *t = &tokens[i];
		struct tv *r = tv_obj(c->arena);
		tv_set_int(r, "id", t->id);
		tv_set_str(r, "name", t->name);
		tv_set_str(r, "scope", t->scope == API_SCOPE_WRITE ? "read and write" : "read only");
		tv_set_str(r, "created", web_date(c, t->created_at));
		tv_set_str(r, "last_used", t->last_used_at ? web_moment(c, t->last_used_at)
			: "never used");
		tv_set_str(r, "state", token_state(c, t));
		tv_set_bool(r, "live", !t->revoked_at && t->expires_at > c->now);
		tv_push(list, r);
	}
	tv_set_bool(o, "has_tokens", n > 0);
}

void page_api_token_create(struct ctx *c)
{
	char token[API_TOKEN_LEN + 1];
	const char *field, *message;
	switch (api_token_create(c->db, c->arena, c->sess.account_id,
		http_form(c->req, "token_name"), http_form(c->req, "token_scope"),
		http_form(c->req, "token_days"), c->now, token, &field, &message)) {
	case API_TOKEN_OK: {
		/* Shown this once, on this answer, and never again: only its hash is
		** kept, so a redirect could not carry it (an address would put it
		** in logs and history). Hence 200 here instead of a 303, and
		** nothing of the answer may be kept by anyone. */
		struct tv *made = tv_set_obj(c->view, "api_made");
		tv_set_str(made, "token", token);
		tv_set_str(made, "name", valid_trim(c->arena, http_form(c->req, "token_name")));
		http_resp_set_header(c->resp, "Cache-Control", "no-store");
		c->req->form.n = 0;   /* the form starts afresh for the next token */
		account_profile_page(c, 201);
		return;
	}
	case API_TOKEN_INVALID: {
		struct tv *errs = tv_set_obj(c->view, "errors");
		tv_set_str(errs, field, message);
		account_profile_page(c, 422);
		return;
	}
	case API_TOKEN_ERROR:
		break;
	}
	web_error(c, 500, "The token could not be made just now. Please try again.");
}

void page_api_token_revoke(struct ctx *c)
{
	switch (api_token_revoke(c->db, c->sess.account_id, valid_id(c->req->params[0]),
		c->now)) {
	case 0:
		web_redirect(c, "/account/profile?done=token_revoked#api-tokens");
		return;
	case 1:
		tv_set_str(c->view, "api_revoke_error", "That token was revoked already, or is "
			"not yours. Nothing was changed.");
		account_profile_page(c, 409);
		return;
	default:
		web_error(c, 500, "The token could not be revoked just now. Please try again.");
	}
}

/* ---- the rate limit (/admin/settings) ---- */

void api_view_rate(struct ctx *c, const char *typed, const char *error)
{
	if (tv_get(c->view, "api_rate"))
		return;
	struct tv *o = tv_set_obj(c->view, "api_rate");
	if (typed)
		tv_set_str(o, "value", typed);
	else
		tv_set_int(o, "value", api_requests_per_minute(c->db));
	if (error)
		tv_set_str(o, "error", error);
}

void page_admin_api_rate(struct ctx *c)
{
	struct form_errors errs = { .n = 0 };
	const char *typed = http_form(c->req, "api_rate");
	if (api_rate_save(c->db, c->arena, typed, c->sess.account_id, c->now, &errs)) {
		if (!errs.n) {
			web_error(c, 500, "The setting could not be saved just now. Please try again.");
			return;
		}
		api_view_rate(c, typed ? typed : "", form_error_get(&errs, "api_rate"));
		admin_settings_page(c, 422);
		return;
	}
	web_redirect(c, "/admin/settings?done=api#api");
}
