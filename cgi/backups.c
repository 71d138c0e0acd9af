/*
** backups.c: /admin/backups: the kept backups (lib/backup.h), making one
** now, the rotation's settings, and downloads handed to nginx with
** X-Accel-Redirect (an internal location, nginx/dev.conf: /_backups/), so
** that no address serves a backup without this role check.
*/
#include <stdio.h>
#include <string.h>

#include "backup.h"
#include "web.h"

/* Typed settings shown again beside their errors; NULL: the saved ones. */
struct typed_settings {
	const char *keep_daily, *keep_weekly, *hour;
};

static void view_settings(struct ctx *c, const struct typed_settings *typed)
{
	struct backup_settings s;
	backup_settings_get(c->db, &s);
	struct tv *o = tv_set_obj(c->view, "settings");
	tv_set_str(o, "keep_daily", typed ? typed->keep_daily : arena_printf(c->arena, "%ld",
		s.keep_daily));
	tv_set_str(o, "keep_weekly", typed ? typed->keep_weekly : arena_printf(c->arena, "%ld",
		s.keep_weekly));
	tv_set_str(o, "hour", typed ? typed->hour : arena_printf(c->arena, "%ld", s.hour));
	tv_set_str(c->view, "nightly_at", arena_printf(c->arena, "%02ld:00", s.hour));
}

static void view_backups(struct ctx *c)
{
	struct backup_file *files;
	int n = backup_list(c->arena, c->cfg->backups, &files);
	if (n < 0) {
		tv_set_str(c->view, "problem", "The backups folder cannot be read; ask whoever runs "
			"the server to check it.");
		n = 0;
	}
	struct tv *list = tv_set_list(c->view, "backups");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "name", files[i].name);
		tv_set_str(o, "date", web_date(c, files[i].created_at));
		tv_set_str(o, "time", web_time(c, files[i].created_at));
		tv_set_str(o, "size", backup_size_words(c->arena, files[i].bytes));
		tv_set_str(o, "kind", files[i].nightly ? "nightly" : "by hand");
		tv_push(list, o);
	}
	tv_set_bool(c->view, "has_backups", n > 0);
	tv_set_str(c->view, "count_text", web_count(c, n, "backup", "backups"));
}

static void backups_page(struct ctx *c, const struct typed_settings *typed,
	const struct form_errors *errs, int status)
{
	web_form_token(c);
	view_backups(c);
	view_settings(c, typed);
	if (errs)
		web_form_errors(c, errs);
	static const char *const notices[][2] = {
		{ "made", "A backup was made: it is the first in the list." },
		{ "settings", "The nightly backup's settings were saved." },
	};
	web_done_notice(c, notices, sizeof notices / sizeof notices[0]);
	web_render(c, "admin_backups", status);
}

void page_admin_backups(struct ctx *c)
{
	backups_page(c, NULL, NULL, 200);
}

void page_admin_backup_make(struct ctx *c)
{
	char name[BACKUP_NAME_MAX], err[512];
	struct backup_summary s;
	if (backup_make_kept(c->db, c->cfg->backups, c->cfg->uploads, false, c->now,
		c->sess.account_id, name, &s, err, sizeof err)) {
		fprintf(stderr, "carrel: backup by hand: %s\n", err);
		tv_set_str(c->view, "problem", "The backup could not be made just now (the server's "
			"log says why); nothing was saved. Please try again or ask whoever runs the "
			"server.");
		backups_page(c, NULL, NULL, 500);
		return;
	}
	web_redirect(c, "/admin/backups?done=made");
}

void page_admin_backup_settings(struct ctx *c)
{
	struct typed_settings typed = { http_form(c->req, "keep_daily"),
		http_form(c->req, "keep_weekly"), http_form(c->req, "hour") };
	struct form_errors errs = { .n = 0 };
	struct backup_settings s;
	if (backup_settings_validate(c->arena, typed.keep_daily, typed.keep_weekly, typed.hour,
		&s, &errs)) {
		backups_page(c, &typed, &errs, 422);
		return;
	}
	if (backup_settings_save(c->db, c->arena, &s, c->sess.account_id, c->now)) {
		web_error(c, 500, "The settings could not be saved just now. Please try again.");
		return;
	}
	web_redirect(c, "/admin/backups?done=settings#settings");
}

/* Only a name of the strict shape that is in the list now: nothing else
** reaches nginx's internal location. */
void page_admin_backup_download(struct ctx *c)
{
	const char *name = c->req->params[0];
	struct backup_file *files;
	int n = backup_name_valid(name) ? backup_list(c->arena, c->cfg->backups, &files) : 0;
	bool listed = false;
	for (int i = 0; i < n && !listed; i++)
		listed = !strcmp(files[i].name, name);
	if (!listed) {
		web_error(c, 404, "There is no such backup: it may have been removed by the rotation.");
		return;
	}
	http_resp_set_header(c->resp, "Content-Type", "application/gzip");
	http_resp_header(c->resp, "Content-Disposition", arena_printf(c->arena,
		"attachment; filename=\"%s\"", name));
	http_resp_header(c->resp, "X-Accel-Redirect", arena_printf(c->arena, "/_backups/%s", name));
}
