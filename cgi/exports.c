/*
** exports.c: /staff/exports. The export is written to a private folder
** under uploads and handed to nginx with X-Accel-Redirect, so the worker
** never holds the file in memory and nginx streams it (see lib/export.h).
*/
#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calendar.h"
#include "export.h"
#include "web.h"

/* Exports older than this are removed when the next one is made. */
#define EXPORT_KEEP_SECONDS 3600

void page_exports(struct ctx *c)
{
	struct tv *kinds = tv_set_list(c->view, "kinds");
	for (int k = 0; k < EXPORT_KIND_COUNT; k++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "name", export_kind_name((enum export_kind)k));
		tv_push(kinds, o);
	}
	web_render(c, "staff_exports", 200);
}

static const char *export_dir(struct ctx *c)
{
	return arena_printf(c->arena, "%s/exports", c->cfg->uploads);
}

static void remove_old_exports(const char *dir, time_t now)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		struct stat sb;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &sb) == 0 && now - sb.st_mtime > EXPORT_KEEP_SECONDS)
			unlink(path);
	}
	closedir(d);
}

/* Write the export to a fresh file; its name (random, so it cannot be
** guessed by another user) goes to *name. */
static long write_export(struct ctx *c, enum export_kind kind, enum export_format fmt,
	const char *dir, const char **name, char *err, size_t errlen)
{
	unsigned char raw[16];
	char hex[33];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
	const char *ext = fmt == EXPORT_CSV ? "csv" : "xlsx";
	*name = arena_printf(c->arena, "%s-%s.%s", hex, export_kind_name(kind), ext);
	const char *tmp = arena_printf(c->arena, "%s/.tmp-%s", dir, *name);
	const char *final = arena_printf(c->arena, "%s/%s", dir, *name);
	long rows;
	if (fmt == EXPORT_CSV) {
		FILE *f = fopen(tmp, "w");
		if (!f) {
			snprintf(err, errlen, "%s", strerror(errno));
			return -1;
		}
		rows = export_csv(c->db, kind, f, err, errlen);
		if (fclose(f) && rows >= 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			rows = -1;
		}
	} else {
		rows = export_xlsx(c->db, kind, tmp, err, errlen);
	}
	if (rows >= 0 && rename(tmp, final)) {
		snprintf(err, errlen, "%s", strerror(errno));
		rows = -1;
	}
	if (rows < 0)
		unlink(tmp);
	return rows;
}

const char *exports_folder(struct ctx *c)
{
	const char *dir = export_dir(c);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return NULL;
	remove_old_exports(dir, c->now);
	return dir;
}

void page_export_download(struct ctx *c)
{
	int kind = export_kind_parse(c->req->params[0]);
	int fmt = export_format_parse(http_query(c->req, "format"));
	if (kind < 0) {
		web_error(c, 404, "There is no such export.");
		return;
	}
	if (fmt < 0) {
		web_error(c, 400, "Choose CSV or XLSX for the export.");
		return;
	}
	const char *dir = export_dir(c);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		web_error(c, 500, "The export folder could not be made; ask an admin.");
		return;
	}
	remove_old_exports(dir, c->now);
	const char *name;
	char err[256] = "";
	if (write_export(c, (enum export_kind)kind, (enum export_format)fmt, dir, &name,
		err, sizeof err) < 0) {
		fprintf(stderr, "carrel: export %s: %s\n", export_kind_name((enum export_kind)kind), err);
		web_error(c, 500, "The export could not be made just now.");
		return;
	}
	char today[11];
	cal_format(cal_day_of(c->now), today);
	const char *ext = fmt == EXPORT_CSV ? "csv" : "xlsx";
	http_resp_set_header(c->resp, "Content-Type", fmt == EXPORT_CSV
		? "text/csv; charset=utf-8"
		: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
	http_resp_header(c->resp, "Content-Disposition", arena_printf(c->arena,
		"attachment; filename=\"carrel-%s-%s.%s\"",
		export_kind_name((enum export_kind)kind), today, ext));
	http_resp_header(c->resp, "X-Accel-Redirect", arena_printf(c->arena,
		"/_exports/%s", name));
}
