/*
** notices.c: /admin/notices, the texts of the notices Carrel sends (Koha's
** "Notices and slips") and the days reminders go out. An admin reads every
** kind, edits one with a preview for a sample member, and restores the
** text it came with. The work is in lib/notices_admin.c and
** lib/reminders.c.
*/
#include <stdio.h>
#include <string.h>

#include "notices_admin.h"
#include "notify.h"
#include "reminders.h"
#include "web.h"

/* ---- the list and the reminder settings ---- */

static void view_settings(struct ctx *c, const struct reminder_settings_input *typed)
{
	struct tv *o = tv_set_obj(c->view, "settings");
	if (typed) {
		tv_set_str(o, "due_soon_days", typed->due_soon_days);
		tv_set_str(o, "overdue_days", typed->overdue_days);
		tv_set_str(o, "expiry_days", typed->expiry_days);
		tv_set_str(o, "ebook_expiry_days", typed->ebook_expiry_days ? typed->ebook_expiry_days : "");
		return;
	}
	struct reminder_settings s;
	reminders_settings_get(c->db, &s);
	tv_set_int(o, "due_soon_days", s.due_soon_days);
	tv_set_str(o, "overdue_days", reminders_days_text(c->arena, s.overdue, s.n_overdue));
	tv_set_str(o, "expiry_days", reminders_days_text(c->arena, s.expiry, s.n_expiry));
	tv_set_int(o, "ebook_expiry_days", s.ebook_expiry_days);
}

static void notices_page(struct ctx *c, const struct reminder_settings_input *typed,
	const struct form_errors *errs, int status)
{
	struct notice_kind_row *rows;
	int n = notices_admin_list(c->db, c->arena, &rows);
	if (n < 0) {
		web_error(c, 500, "The notices could not be read just now. Please try again.");
		return;
	}
	struct tv *list = tv_set_list(c->view, "kinds");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "kind", rows[i].k.kind);
		tv_set_str(o, "name", rows[i].k.name);
		tv_set_str(o, "description", rows[i].k.description);
		if (rows[i].k.updated_at)
			tv_set_str(o, "edited", web_date(c, rows[i].k.updated_at));
		tv_set_str(o, "edited_by", rows[i].edited_by);
		tv_set_bool(o, "is_default", rows[i].is_default);
		tv_push(list, o);
	}
	web_form_token(c);
	view_settings(c, typed);
	if (errs)
		web_form_errors(c, errs);
	static const char *const notices[][2] = {
		{ "settings", "The reminder days were saved. The next run of carrel-cron uses them." },
	};
	web_done_notice(c, notices, sizeof notices / sizeof notices[0]);
	web_render(c, "admin_notices", status);
}

void page_admin_notices(struct ctx *c)
{
	notices_page(c, NULL, NULL, 200);
}

void page_admin_notices_settings(struct ctx *c)
{
	struct reminder_settings_input in = {
		valid_trim(c->arena, http_form(c->req, "due_soon_days")),
		valid_trim(c->arena, http_form(c->req, "overdue_days")),
		valid_trim(c->arena, http_form(c->req, "expiry_days")),
		http_form(c->req, "ebook_expiry_days")
			? valid_trim(c->arena, http_form(c->req, "ebook_expiry_days")) : NULL,
	};
	struct form_errors errs = { .n = 0 };
	struct reminder_settings s;
	if (reminders_settings_validate(&in, &s, &errs)) {
		notices_page(c, &in, &errs, 422);
		return;
	}
	if (reminders_settings_save(c->db, c->arena, &s, c->sess.account_id, c->now)) {
		web_error(c, 500, "The reminder days could not be saved just now. Please try again.");
		return;
	}
	web_redirect(c, "/admin/notices?done=settings#reminders");
}

/* ---- one kind ---- */

/* The kind named in the address, or a 404 page and false. */
static bool load_kind(struct ctx *c, struct notice_kind *k)
{
	int rc = notify_kind_get(c->db, c->arena, c->req->params[0], k);
	if (rc > 0)
		web_error(c, 404, "There is no such kind of notice.");
	else if (rc < 0)
		web_error(c, 500, "The notice could not be read just now. Please try again.");
	return rc == 0;
}

/* The fields a kind's templates may use, as people type them: {{title}}. */
static void view_fields(struct ctx *c, const struct notice_kind *k)
{
	struct tv *list = tv_set_list(c->view, "fields");
	const char *all = arena_printf(c->arena, "member_name library_name account_url %s",
		k->fields);
	for (const char *p = all; *p;) {
		while (*p == ' ')
			p++;
		size_t len = strcspn(p, " ");
		if (len)
			tv_push(list, tv_str(c->arena, arena_printf(c->arena, "{{%.*s}}", (int)len, p)));
		p += len;
	}
}

/* The texts rendered for the sample member, or nothing when they do not
** render (the error is then beside its field). */
static void view_preview(struct ctx *c, const struct notice_kind *k,
	const struct notice_texts *t)
{
	const char *who;
	struct tv *sample = notices_sample_view(c->db, c->arena, k, c->now, &who);
	struct notice_message m;
	char err[512];
	if (notify_render(c->arena, k->fields, t, sample, &m, err, sizeof err))
		return;
	struct tv *o = tv_set_obj(c->view, "preview");
	tv_set_str(o, "who", who);
	tv_set_str(o, "subject", m.subject);
	tv_set_str(o, "text", m.text);
	tv_set_str(o, "html", m.html);
	tv_set_str(o, "sms", m.sms);
	size_t chars = valid_utf8_chars(m.sms);
	tv_set_str(o, "sms_length", web_count(c, (long long)chars, "character", "characters"));
	tv_set_bool(o, "sms_long", chars > 160);
}

static void notice_page(struct ctx *c, const struct notice_kind *k,
	const struct notice_texts *t, const char *field, const char *error, int status)
{
	web_form_token(c);
	tv_set_str(c->view, "kind", k->kind);
	tv_set_str(c->view, "name", k->name);
	tv_set_str(c->view, "description", k->description);
	tv_set_str(c->view, "subject", t->subject);
	tv_set_str(c->view, "body_text", t->body_text);
	tv_set_str(c->view, "body_html", t->body_html);
	tv_set_str(c->view, "sms_text", t->sms_text);
	view_fields(c, k);
	if (field) {
		struct form_errors errs = { .n = 0 };
		form_error(&errs, field, error);
		web_form_errors(c, &errs);
	} else {
		view_preview(c, k, t);
	}
	static const char *const notices[][2] = {
		{ "saved", "The notice was saved. Notices queued from now on use it." },
		{ "restored", "The default text was restored." },
	};
	web_done_notice(c, notices, sizeof notices / sizeof notices[0]);
	web_render(c, "admin_notice", status);
}

void page_admin_notice(struct ctx *c)
{
	struct notice_kind k;
	if (load_kind(c, &k))
		notice_page(c, &k, &k.texts, NULL, NULL, 200);
}

/* Preview (nothing saved) or Save, from the one form. */
void page_admin_notice_save(struct ctx *c)
{
	struct notice_kind k;
	if (!load_kind(c, &k))
		return;
	const char *typed[4] = {
		http_form(c->req, "subject"), http_form(c->req, "body_text"),
		http_form(c->req, "body_html"), http_form(c->req, "sms_text"),
	};
	for (int i = 0; i < 4; i++)
		if (!typed[i])
			typed[i] = "";
	struct notice_texts t = {
		valid_trim(c->arena, typed[0]), typed[1], typed[2], typed[3],
	};
	const char *action = http_form(c->req, "action");
	char err[512];
	const char *field = NULL;
	if (action && !strcmp(action, "preview")) {
		bool broken = notify_render(c->arena, k.fields, &t, NULL, NULL, err, sizeof err) != 0;
		if (broken)
			field = notices_error_field(err);
		notice_page(c, &k, &t, field, err, broken ? 422 : 200);
		return;
	}
	switch (notices_save(c->db, c->arena, k.kind, &t, c->sess.account_id, c->now, err,
		sizeof err, &field)) {
	case 0:
		web_redirect(c, arena_printf(c->arena, "/admin/notices/%s?done=saved", k.kind));
		return;
	case 1:
		notice_page(c, &k, &t, field, err, 422);
		return;
	case 2:
		web_error(c, 404, "There is no such kind of notice.");
		return;
	default:
		web_error(c, 500, "The notice could not be saved just now. Please try again.");
	}
}

void page_admin_notice_restore(struct ctx *c)
{
	struct notice_kind k;
	if (!load_kind(c, &k))
		return;
	int rc = notices_restore(c->db, k.kind, c->sess.account_id, c->now);
	if (rc == 0)
		web_redirect(c, arena_printf(c->arena, "/admin/notices/%s?done=restored", k.kind));
	else if (rc > 0)
		web_error(c, 404, "This kind of notice has no default text to restore.");
	else
		web_error(c, 500, "The default text could not be restored just now. Please try again.");
}
