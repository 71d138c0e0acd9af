/*
** reports.c: /staff/reports, the index, and /staff/reports/{kind}, one
** report: its form (GET, so a report's address can be kept and shared), the
** table with its chart, and ?format=csv|xlsx for the same rows as a file,
** written to the exports folder and handed to nginx like /staff/exports.
** Every figure comes from lib/report.h.
*/
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "money.h"
#include "report.h"
#include "web.h"

void page_reports(struct ctx *c)
{
	struct tv *kinds = tv_set_list(c->view, "reports");
	for (int k = 0; k < REPORT_KIND_COUNT; k++) {
		const struct report_info *info = report_info((enum report_kind)k);
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "slug", info->slug);
		tv_set_str(o, "name", info->name);
		tv_set_str(o, "summary", info->summary);
		tv_push(kinds, o);
	}
	web_render(c, "staff_reports", 200);
}

static const char *const form_fields[] = {
	"from", "to", "group", "section", "item_type", "category", "top", "member",
};
#define NFIELDS ((int)(sizeof form_fields / sizeof form_fields[0]))

static struct report_input read_input(struct ctx *c)
{
	return (struct report_input){
		.from = http_query(c->req, "from"), .to = http_query(c->req, "to"),
		.group = http_query(c->req, "group"), .section = http_query(c->req, "section"),
		.item_type = http_query(c->req, "item_type"),
		.category = http_query(c->req, "category"), .top = http_query(c->req, "top"),
		.member = http_query(c->req, "member"),
	};
}

/* This report's address with the form's fields as typed (and format=). */
static const char *report_url(struct ctx *c, const char *slug, const char *format)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "/staff/reports/%s?", slug);
	for (int i = 0; i < NFIELDS; i++) {
		const char *v = http_query(c->req, form_fields[i]);
		if (v && *v)
			buf_printf(&b, "%s=%s&", form_fields[i], http_url_encode(c->arena, v));
	}
	buf_printf(&b, "format=%s", format);
	const char *url = arena_strndup(c->arena, b.data, b.len);
	buf_free(&b);
	return url;
}

/* An item type or category menu under key: {code, name, selected}. */
static void view_codes(struct ctx *c, struct tv *form, const char *key, bool categories,
	const char *chosen)
{
	struct report_code *codes;
	int n = report_codes(c->db, c->arena, categories, &codes);
	struct tv *list = tv_set_list(form, key);
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "code", codes[i].code);
		tv_set_str(o, "name", codes[i].name);
		tv_set_bool(o, "selected", chosen && !strcmp(chosen, codes[i].code));
		tv_push(list, o);
	}
}

static void view_options(struct ctx *c, struct tv *form, const struct report_info *info)
{
	static const char *const groups[][2] = {
		{ "day", "Day" }, { "week", "Week (from Monday)" }, { "month", "Month" },
	};
	const char *group = http_query(c->req, "group");
	struct tv *list = tv_set_list(form, "groups");
	for (int i = 0; i < 3; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "value", groups[i][0]);
		tv_set_str(o, "name", groups[i][1]);
		tv_set_bool(o, "selected", group ? !strcmp(group, groups[i][0]) : i == 0);
		tv_push(list, o);
	}
	if (info->uses & REPORT_USES_SECTION) {
		struct report_section *sections;
		int n = report_sections(c->db, c->arena, &sections);
		const char *chosen = http_query(c->req, "section");
		struct tv *s = tv_set_list(form, "sections");
		for (int i = 0; i < n; i++) {
			struct tv *o = tv_obj(c->arena);
			const char *id = arena_printf(c->arena, "%lld", sections[i].id);
			tv_set_str(o, "id", id);
			tv_set_str(o, "name", sections[i].name);
			tv_set_bool(o, "selected", chosen && !strcmp(chosen, id));
			tv_push(s, o);
		}
	}
	if (info->uses & REPORT_USES_ITEM_TYPE)
		view_codes(c, form, "item_types", false, http_query(c->req, "item_type"));
	if (info->uses & REPORT_USES_CATEGORY)
		view_codes(c, form, "categories", true, http_query(c->req, "category"));
}

/* The form: what was typed kept, the range filled in when it was not. */
static void view_form(struct ctx *c, const struct report_info *info,
	const struct report_params *p, bool checked)
{
	struct tv *form = tv_set_obj(c->view, "form");
	for (int i = 0; i < NFIELDS; i++) {
		const char *v = http_query(c->req, form_fields[i]);
		tv_set_str(form, form_fields[i], v ? v : "");
	}
	if (checked) {
		const char *from = http_query(c->req, "from"), *to = http_query(c->req, "to");
		if (!from || !*from)
			tv_set_str(form, "from", p->from);
		if (!to || !*to)
			tv_set_str(form, "to", p->to);
	}
	if (info->uses & REPORT_USES_TOP) {
		const char *top = http_query(c->req, "top");
		if (!top || !*top)
			tv_set_int(form, "top", p->top ? p->top : info->default_top);
	}
	tv_set_bool(c->view, "uses_range", info->uses & REPORT_USES_RANGE);
	tv_set_bool(c->view, "uses_group", info->uses & REPORT_USES_GROUP);
	tv_set_bool(c->view, "uses_section", info->uses & REPORT_USES_SECTION);
	tv_set_bool(c->view, "uses_item_type", info->uses & REPORT_USES_ITEM_TYPE);
	tv_set_bool(c->view, "uses_category", info->uses & REPORT_USES_CATEGORY);
	tv_set_bool(c->view, "uses_top", info->uses & REPORT_USES_TOP);
	tv_set_bool(c->view, "uses_member", info->uses & REPORT_USES_MEMBER);
	view_options(c, form, info);
}

static const char *cell_words(struct ctx *c, const struct report_column *col,
	const struct report_value *v)
{
	switch (col->type) {
	case REPORT_COUNT: return arena_printf(c->arena, "%lld", v->n);
	case REPORT_MONEY: return web_money(c, v->n);
	case REPORT_DAY: return *v->text ? web_day(c, v->text) : "";
	default: return v->text;
	}
}

static void view_table(struct ctx *c, const struct report_table *t)
{
	struct tv *table = tv_set_obj(c->view, "table");
	tv_set_str(table, "caption", web_message(c, t->caption));
	struct tv *heads = tv_set_list(table, "heads");
	for (int i = 0; i < t->ncols; i++) {
		struct tv *h = tv_obj(c->arena);
		tv_set_str(h, "label", t->cols[i].label);
		tv_set_bool(h, "number", t->cols[i].type == REPORT_COUNT
			|| t->cols[i].type == REPORT_MONEY);
		tv_push(heads, h);
	}
	struct tv *rows = tv_set_list(table, "rows");
	for (long r = 0; r < t->nrows; r++) {
		struct tv *row = tv_obj(c->arena);
		struct tv *cells = tv_set_list(row, "cells");
		for (int i = 0; i < t->ncols; i++) {
			struct tv *cell = tv_obj(c->arena);
			tv_set_str(cell, "label", t->cols[i].label);
			tv_set_str(cell, "value", cell_words(c, &t->cols[i], report_cell(t, r, i)));
			tv_set_bool(cell, "number", t->cols[i].type == REPORT_COUNT
				|| t->cols[i].type == REPORT_MONEY);
			tv_push(cells, cell);
		}
		tv_push(rows, row);
	}
	tv_set_bool(table, "empty", t->nrows == 0);
	tv_set_str(table, "count", web_count(c, t->nrows, "row", "rows"));
	const char *svg = report_svg(c->arena, t, c->currency ? c->currency
		: money_currency(c->db, c->arena));
	if (svg)
		tv_set_str(c->view, "chart", svg);
}

/* Write the table to a fresh file in the exports folder and hand it to
** nginx. */
static void send_file(struct ctx *c, const struct report_info *info,
	const struct report_table *t, bool xlsx)
{
	const char *dir = exports_folder(c);
	if (!dir) {
		web_error(c, 500, "The download folder could not be made; ask an admin.");
		return;
	}
	unsigned char raw[16];
	char hex[33];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
	const char *ext = xlsx ? "xlsx" : "csv";
	const char *name = arena_printf(c->arena, "%s-report-%s.%s", hex, info->slug, ext);
	const char *tmp = arena_printf(c->arena, "%s/.tmp-%s", dir, name);
	const char *final = arena_printf(c->arena, "%s/%s", dir, name);
	char err[256] = "";
	long rows = -1;
	if (xlsx) {
		rows = report_xlsx(t, tmp, err, sizeof err);
	} else {
		FILE *f = fopen(tmp, "w");
		if (f) {
			rows = report_csv(t, f, err, sizeof err);
			if (fclose(f) && rows >= 0)
				rows = -1;
		}
	}
	if (rows < 0 || rename(tmp, final)) {
		unlink(tmp);
		fprintf(stderr, "carrel: report %s: %s\n", info->slug, *err ? err : strerror(errno));
		web_error(c, 500, "The report could not be written just now.");
		return;
	}
	http_resp_set_header(c->resp, "Content-Type", xlsx
		? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		: "text/csv; charset=utf-8");
	http_resp_header(c->resp, "Content-Disposition", arena_printf(c->arena,
		"attachment; filename=\"carrel-%s.%s\"", info->slug, ext));
	http_resp_header(c->resp, "X-Accel-Redirect", arena_printf(c->arena, "/_exports/%s", name));
}

void page_report(struct ctx *c)
{
	int kind = report_kind_parse(c->req->params[0]);
	if (kind < 0) {
		web_error(c, 404, "There is no such report.");
		return;
	}
	const char *format = http_query(c->req, "format");
	if (format && *format && strcmp(format, "csv") && strcmp(format, "xlsx")) {
		web_error(c, 400, "A report downloads as CSV or XLSX.");
		return;
	}
	const struct report_info *info = report_info((enum report_kind)kind);
	struct report_input in = read_input(c);
	struct report_params p;
	struct form_errors errs = { 0 };
	int rc = report_check(c->db, c->arena, (enum report_kind)kind, &in, c->now, &p, &errs);
	if (rc < 0) {
		web_error(c, 500, "The report could not be made just now.");
		return;
	}
	tv_set_str(c->view, "name", info->name);
	tv_set_str(c->view, "slug", info->slug);
	tv_set_str(c->view, "summary", info->summary);
	view_form(c, info, &p, rc == 0);
	if (rc > 0) {
		web_form_errors(c, &errs);
		web_render(c, "staff_report", 422);
		return;
	}
	struct report_table t;
	if (report_run(c->db, c->arena, &p, &t)) {
		web_error(c, 500, "The report could not be made just now.");
		return;
	}
	if (format && *format) {
		send_file(c, info, &t, !strcmp(format, "xlsx"));
		return;
	}
	view_table(c, &t);
	tv_set_str(c->view, "csv_url", report_url(c, info->slug, "csv"));
	tv_set_str(c->view, "xlsx_url", report_url(c, info->slug, "xlsx"));
	web_render(c, "staff_report", 200);
}
