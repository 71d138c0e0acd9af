/*
** web.c: the chrome every page shares: layout data, error pages,
** redirects, form tokens. See web.h.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ctype.h>

#include "web.h"
#include "calendar.h"
#include "money.h"
#include "notify.h"

/* The navigation's "Notifications (3)": one count on the partial index of
** unread notifications. With live updates on (config live_url), the count
** carries the address static/live.js listens on for new ones. */
static void web_nav_notifications(struct ctx *c, struct tv *user)
{
	int unread = notify_unread(c->db, c->sess.account_id);
	if (unread < 0)
		unread = 0;
	struct tv *n = tv_set_obj(user, "notifications");
	tv_set_str(n, "url", c->sess.role >= ROLE_LIBRARIAN ? "/staff/notifications"
	                                                    : "/account/notifications");
	tv_set_int(n, "unread", unread);
	tv_set_str(n, "label", unread ? web_count(c, unread, "unread", "unread") : "none unread");
	if (c->cfg->live_url[0])
		tv_set_str(n, "live", arena_printf(c->arena, "/live/notifications/%lld",
			c->sess.account_id));
}

/* The data the layout needs: who is logged in and what they may see. */
static void web_layout_view(struct ctx *c)
{
	struct tv *v = c->view;
	if (c->sess.valid) {
		struct tv *user = tv_set_obj(v, "user");
		tv_set_str(user, "name", c->sess.name);
		tv_set_str(user, "email", c->sess.email);
		tv_set_bool(v, "is_staff", c->sess.role >= ROLE_LIBRARIAN);
		tv_set_bool(v, "is_admin", c->sess.role >= ROLE_ADMIN);
		/* The log-out button in the navigation is a form. */
		tv_set_str(v, "csrf", c->sess.csrf);
		web_nav_notifications(c, user);
	}
}

void web_render(struct ctx *c, const char *name, int status)
{
	web_layout_view(c);
	c->resp->status = status;
	buf_clear(c->resp->body);
	if (tmpl_render(c->tmpl, name, c->view, c->arena, c->resp->body)) {
		fprintf(stderr, "carrel: template %s is missing or ran away\n", name);
		c->resp->status = 500;
		buf_clear(c->resp->body);
		buf_puts(c->resp->body, "<!doctype html><title>Error</title>"
			"<h1>Something went wrong</h1>");
	}
}

struct tv *web_error_view(struct ctx *c, int status, const char *message)
{
	/* A fresh view: nothing half-built by the handler leaks into the page. */
	c->view = tv_obj(c->arena);
	tv_set_int(c->view, "status", status);
	tv_set_str(c->view, "status_text", http_status_text(status));
	tv_set_str(c->view, "message", web_message(c, message));
	if (status == 405)
		tv_set_bool(c->view, "method_not_allowed", true);
	return c->view;
}

void web_error(struct ctx *c, int status, const char *message)
{
	web_error_view(c, status, message);
	web_render(c, "error", status);
}

void web_redirect(struct ctx *c, const char *location)
{
	http_redirect(c->resp, location);
}

void web_form_token(struct ctx *c)
{
	c->personal = true;
	if (c->sess.valid) {
		tv_set_str(c->view, "csrf", c->sess.csrf);
		return;
	}
	if (!c->anon_csrf) {
		char *token = arena_alloc(c->arena, SESSION_TOKEN_LEN + 1);
		session_random_token(token);
		c->anon_csrf = token;
		http_set_cookie(c->resp, CSRF_COOKIE, token, -1, c->cfg->secure_cookies);
	}
	tv_set_str(c->view, "csrf", c->anon_csrf);
}

void web_done_notice(struct ctx *c, const char *const (*messages)[2], size_t n)
{
	const char *key = http_query(c->req, "done");
	for (size_t i = 0; key && i < n; i++)
		if (!strcmp(key, messages[i][0]))
			tv_set_str(c->view, "notice", messages[i][1]);
}

void web_form_errors(struct ctx *c, const struct form_errors *e)
{
	struct tv *errors = tv_set_obj(c->view, "errors");
	for (int i = 0; i < e->n; i++)
		tv_set_str(errors, e->items[i].field, web_message(c, e->items[i].message));
	/* Only a count above zero: "0" is a non-empty string, and would show
	** a form's "please correct" banner on a blank form. */
	if (e->n > 0)
		tv_set_int(c->view, "error_count", e->n);
}

long web_page_param(struct ctx *c)
{
	long long n = valid_id(http_query(c->req, "page"));
	return n > 0 && n < 1000000 ? (long)n : 1;
}

long web_page_last(long total, long per_page)
{
	long pages = total > 0 ? (total + per_page - 1) / per_page : 1;
	return pages;
}

void web_pager(struct ctx *c, const char *base, long page, long total, long per_page)
{
	long pages = web_page_last(total, per_page);
	if (page > pages)
		page = pages;
	tv_set_int(c->view, "page", page);
	tv_set_int(c->view, "pages", pages ? pages : 1);
	const char *sep = strchr(base, '?') ? "&" : "?";
	if (page > 1)
		tv_set_str(c->view, "prev_url", arena_printf(c->arena, "%s%spage=%ld",
			base, sep, page - 1));
	if (page < pages)
		tv_set_str(c->view, "next_url", arena_printf(c->arena, "%s%spage=%ld",
			base, sep, page + 1));
}

const char *web_count(struct ctx *c, long long n, const char *one, const char *many)
{
	return arena_printf(c->arena, "%lld %s", n, n == 1 || n == -1 ? one : many);
}

const char *web_date(struct ctx *c, long long unix_seconds)
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;
	char out[32];
	localtime_r(&t, &tm);
	strftime(out, sizeof out, "%-d %b %Y", &tm);
	return arena_strdup(c->arena, out);
}

const char *web_time(struct ctx *c, long long unix_seconds)
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;
	char out[8] = "";
	if (localtime_r(&t, &tm))
		strftime(out, sizeof out, "%H:%M", &tm);
	return arena_strdup(c->arena, out);
}

const char *web_moment(struct ctx *c, long long unix_seconds)
{
	return arena_printf(c->arena, "%s, %s", web_date(c, unix_seconds),
		web_time(c, unix_seconds));
}

const char *web_day(struct ctx *c, const char *iso_day)
{
	return cal_show_day(c->arena, iso_day);
}

/* Whether s starts with a day written YYYY-MM-DD (and no more digits). */
static bool iso_day_at(const char *s)
{
	static const char shape[] = "dddd-dd-dd";
	for (int i = 0; i < 10; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != '-')
			return false;
	return !isdigit((unsigned char)s[10]);
}

const char *web_message(struct ctx *c, const char *message)
{
	if (!message)
		return "";
	struct buf out = BUF_INIT;
	for (const char *p = message; *p; ) {
		bool starts_word = p == message || !isdigit((unsigned char)p[-1]);
		if (starts_word && iso_day_at(p)) {
			char day[11];
			memcpy(day, p, 10);
			day[10] = '\0';
			buf_puts(&out, web_day(c, day));
			p += 10;
		} else {
			buf_putc(&out, *p++);
		}
	}
	const char *shown = arena_strndup(c->arena, out.data ? out.data : "", out.len);
	buf_free(&out);
	return shown;
}

const char *web_money(struct ctx *c, long long cents)
{
	if (!c->currency)
		c->currency = money_currency(c->db, c->arena);
	return money_in(c->arena, c->currency, (long)cents);
}

struct auth_cost web_auth_cost(const struct ctx *c)
{
	struct auth_cost cost = { c->cfg->pwhash_ops, c->cfg->pwhash_mem };
	return cost;
}
