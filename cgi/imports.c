/*
** imports.c: /staff/imports: upload a CSV, XLSX or MARC file of members or
** titles and read the summary (see lib/import.h for the rules).
*/
#include <string.h>

#include "import.h"
#include "web.h"

static void imports_form(struct ctx *c, const char *kind, const char *problem, int status)
{
	tv_set_bool(c->view, "members", !kind || strcmp(kind, "titles"));
	tv_set_bool(c->view, "titles", kind && !strcmp(kind, "titles"));
	if (problem)
		tv_set_str(c->view, "problem", problem);
	web_form_token(c);
	web_render(c, "staff_imports", status);
}

void page_imports_form(struct ctx *c)
{
	imports_form(c, http_query(c->req, "kind"), NULL, 200);
}

static void view_report(struct ctx *c, const struct import_report *r)
{
	struct tv *v = tv_set_obj(c->view, "report");
	tv_set_str(v, "format", r->format);
	tv_set_int(v, "added", r->added);
	tv_set_int(v, "updated", r->updated);
	tv_set_int(v, "rejected", r->rejected);
	tv_set_str(v, "ignored_columns", r->ignored_columns);
	struct tv *list = tv_set_list(v, "problems");
	for (long i = 0; i < r->nproblems; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "line", r->problems[i].line);
		tv_set_str(o, "reason", r->problems[i].reason);
		tv_push(list, o);
	}
	if (r->rejected > r->nproblems)
		tv_set_int(v, "more", r->rejected - r->nproblems);
}

void page_imports_run(struct ctx *c)
{
	const char *kind_name = http_form(c->req, "kind");
	int kind = import_kind_parse(kind_name);
	const struct http_file *file = http_file_get(c->req, "file");
	if (kind < 0) {
		imports_form(c, kind_name, "Choose whether the file holds members or titles.", 422);
		return;
	}
	if (!file || file->len == 0) {
		imports_form(c, kind_name, "Choose a file to import (CSV or XLSX; MARC 21 "
			"for titles).", 422);
		return;
	}
	struct import_report r;
	if (import_run(c->db, c->arena, (enum import_kind)kind, file->data, file->len, c->now,
		c->sess.account_id, &r)) {
		imports_form(c, kind_name, r.error, 422);
		return;
	}
	tv_set_str(c->view, "kind", kind_name);
	tv_set_str(c->view, "filename", file->filename ? file->filename : "");
	view_report(c, &r);
	web_render(c, "staff_import_report", 200);
}
