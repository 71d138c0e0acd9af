/*
** audit.c: the audit trail for admins: /admin/audit searches and filters
** it, /admin/audit/verify walks its hash chain (lib/audit.h).
*/
#include <string.h>

#include "audit.h"
#include "calendar.h"
#include "web.h"

#define AUDIT_PER_PAGE 50

/* A day field of the filter: "" (open) or YYYY-MM-DD, else an error. The
** text as typed goes to *typed. */
static bool read_day(struct ctx *c, const char *field, bool end, long long *out,
	const char **typed, struct form_errors *errs)
{
	const char *s = valid_trim(c->arena, http_query(c->req, field));
	tv_set_str(c->view, field, s);
	*typed = s;
	*out = 0;
	if (!*s)
		return true;
	lday d;
	if (!cal_parse(s, &d)) {
		form_error(errs, field, "Write the day as YYYY-MM-DD, for example 2026-12-01.");
		return false;
	}
	/* "to" includes its whole day. */
	*out = (long long)cal_day_start(end ? d + 1 : d);
	return true;
}

static void view_groups(struct ctx *c, const struct audit_group *chosen)
{
	struct tv *list = tv_set_list(c->view, "groups");
	for (int i = 0; i < audit_group_count; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "key", audit_groups[i].key);
		tv_set_str(o, "name", audit_groups[i].name);
		tv_set_bool(o, "chosen", chosen == &audit_groups[i]);
		tv_push(list, o);
	}
}

static void view_entries(struct ctx *c, const struct audit_entry *rows, int n)
{
	struct tv *list = tv_set_list(c->view, "entries");
	for (int i = 0; i < n; i++) {
		const struct audit_entry *e = &rows[i];
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", e->id);
		tv_set_str(o, "when", web_moment(c, e->at));
		tv_set_str(o, "who", e->actor_id ? (*e->actor_name ? e->actor_name
			: arena_printf(c->arena, "account %lld", e->actor_id)) : "the system");
		tv_set_str(o, "email", e->actor_email);
		tv_set_str(o, "action", audit_action_words(e->action));
		tv_set_str(o, "code", e->action);
		tv_set_str(o, "object", e->object);
		tv_set_str(o, "detail", web_message(c, e->detail));
		tv_set_str(o, "before", e->before_value);
		tv_set_str(o, "after", e->after_value);
		tv_set_bool(o, "changed", *e->before_value || *e->after_value);
		tv_push(list, o);
	}
}

void page_admin_audit(struct ctx *c)
{
	struct form_errors errs = { .n = 0 };
	struct audit_filter f = {
		.text = valid_trim(c->arena, http_query(c->req, "q")),
		.who = valid_trim(c->arena, http_query(c->req, "who")),
		.group = audit_group_named(http_query(c->req, "group")),
	};
	tv_set_str(c->view, "q", f.text);
	tv_set_str(c->view, "who", f.who);
	const char *from, *to;
	bool days_ok = read_day(c, "from", false, &f.from, &from, &errs);
	days_ok = read_day(c, "to", true, &f.to, &to, &errs) && days_ok;
	view_groups(c, f.group);
	if (!days_ok) {
		web_form_errors(c, &errs);
		web_render(c, "admin_audit", 422);
		return;
	}
	long page = web_page_param(c), total = 0;
	struct audit_entry *rows;
	int n = audit_search(c->db, c->arena, &f, page, AUDIT_PER_PAGE, &rows, &total);
	if (n < 0) {
		web_error(c, 500, "The audit trail could not be read just now. Please try again.");
		return;
	}
	if (page > web_page_last(total, AUDIT_PER_PAGE) && total) {
		page = web_page_last(total, AUDIT_PER_PAGE);
		n = audit_search(c->db, c->arena, &f, page, AUDIT_PER_PAGE, &rows, &total);
	}
	view_entries(c, rows, n > 0 ? n : 0);
	tv_set_str(c->view, "total_text", web_count(c, total, "entry", "entries"));
	const char *base = arena_printf(c->arena, "/admin/audit?q=%s&who=%s&group=%s&from=%s&to=%s",
		http_url_encode(c->arena, f.text), http_url_encode(c->arena, f.who),
		f.group ? f.group->key : "", http_url_encode(c->arena, from),
		http_url_encode(c->arena, to));
	web_pager(c, base, page, total, AUDIT_PER_PAGE);
	web_render(c, "admin_audit", 200);
}

void page_admin_audit_verify(struct ctx *c)
{
	struct audit_check check;
	int rc = audit_verify(c->db, c->arena, &check);
	if (rc < 0) {
		web_error(c, 500, "The audit trail could not be read just now. Please try again.");
		return;
	}
	tv_set_bool(c->view, "intact", rc == 0);
	tv_set_str(c->view, "rows_text", web_count(c, check.rows, "entry", "entries"));
	tv_set_int(c->view, "broken_id", check.broken_id);
	tv_set_str(c->view, "why", check.why ? check.why : "");
	tv_set_int(c->view, "head_id", check.head_id);
	tv_set_str(c->view, "head_hash", check.head_hash);
	web_render(c, "admin_audit_verify", 200);
}
