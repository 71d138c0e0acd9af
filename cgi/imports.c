/*
** imports.c: /staff/imports: a CSV, XLSX or MARC file of members or titles
** is first checked and shown (nothing saved), then imported with "Import"
** as a batch, which can be undone as a whole (see lib/import.h).
**
**   GET  /staff/imports              the form and the recent batches
**   POST /staff/imports              check a file: the preview (200)
**   GET  /staff/imports/{batch}      a batch: its preview or its report
**   POST /staff/imports/{batch}/commit   import it: 303 to its report
**   POST /staff/imports/{batch}/undo     undo it: 303 to its report
*/
#include <stdio.h>
#include <string.h>

#include "import.h"
#include "web.h"

#define RECENT_BATCHES 20

/* "1 title", "3 copies". */
static const char *count_of(struct ctx *c, long n, const char *one, const char *many)
{
	return arena_printf(c->arena, "%ld %s", n, n == 1 ? one : many);
}

static const char *status_text(const struct import_batch *b)
{
	return !strcmp(b->status, "staged") ? "checked, not imported"
		: !strcmp(b->status, "undone") ? "undone" : "imported";
}

static const char *counts_line(struct ctx *c, const struct import_batch *b)
{
	const struct import_counts *n = &b->n;
	if (b->kind == IMPORT_MEMBERS)
		return arena_printf(c->arena, "members: %ld added, %ld updated; %ld rejected",
			n->members_added, n->members_updated, n->rejected);
	return arena_printf(c->arena, "titles: %ld added, %ld updated; copies: %ld added, "
		"%ld updated; %ld rejected", n->titles_added, n->titles_updated, n->copies_added,
		n->copies_updated, n->rejected);
}

static void view_recent(struct ctx *c)
{
	struct import_batch *recent;
	long n = import_batch_recent(c->db, c->arena, RECENT_BATCHES, &recent);
	struct tv *list = tv_set_list(c->view, "batches");
	for (long i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		const struct import_batch *b = &recent[i];
		tv_set_str(o, "id", b->id);
		tv_set_str(o, "date", web_date(c, b->committed_at ? b->committed_at : b->staged_at));
		tv_set_str(o, "kind", import_kind_name(b->kind));
		tv_set_str(o, "file_name", *b->file_name ? b->file_name : "(no name)");
		tv_set_str(o, "status", status_text(b));
		tv_set_str(o, "counts", counts_line(c, b));
		tv_set_str(o, "who", *b->committed_by ? b->committed_by
			: *b->staged_by ? b->staged_by : "command line");
		tv_push(list, o);
	}
	tv_set_bool(c->view, "has_batches", n > 0);
}

/* The form; kind as chosen (kept when the form comes back), errors beside
** their controls. */
static void imports_form(struct ctx *c, const char *kind, const struct form_errors *errs,
	int status)
{
	tv_set_bool(c->view, "kind_members", kind && !strcmp(kind, "members"));
	tv_set_bool(c->view, "kind_titles", kind && !strcmp(kind, "titles"));
	tv_set_bool(c->view, "kind_none", import_kind_parse(kind) < 0);
	if (errs)
		web_form_errors(c, errs);
	view_recent(c);
	web_form_token(c);
	web_render(c, "staff_imports", status);
}

void page_imports_form(struct ctx *c)
{
	imports_form(c, http_query(c->req, "kind"), NULL, 200);
}

/* ---- a batch's page ---- */

static void push_line(struct ctx *c, struct tv *list, const char *text)
{
	tv_push(list, tv_str(c->arena, text));
}

/* The summary: "2 titles to add", "1 copy updated", ... */
static void view_summary(struct ctx *c, const struct import_batch *b, bool staged)
{
	const struct import_counts *n = &b->n;
	struct tv *list = tv_set_list(c->view, "summary");
	const char *add = staged ? "to add" : "added", *upd = staged ? "to update" : "updated";
	struct { long n; const char *one, *many, *what; } lines[] = {
		{ n->titles_added, "title", "titles", add },
		{ n->titles_updated, "title", "titles", upd },
		{ n->titles_unchanged, "title", "titles", "unchanged" },
		{ n->copies_added, "copy", "copies", add },
		{ n->copies_updated, "copy", "copies", upd },
		{ n->copies_unchanged, "copy", "copies", "unchanged" },
		{ n->members_added, "member", "members", add },
		{ n->members_updated, "member", "members", upd },
		{ n->members_unchanged, "member", "members", "unchanged" },
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		bool is_titles = i < 6;
		if ((b->kind == IMPORT_TITLES) != is_titles)
			continue;
		push_line(c, list, arena_printf(c->arena, "%s %s",
			count_of(c, lines[i].n, lines[i].one, lines[i].many), lines[i].what));
	}
	push_line(c, list, arena_printf(c->arena, "%s rejected",
		count_of(c, n->rejected, "row", "rows")));
	tv_set_bool(c->view, "nothing_to_do", !(n->titles_added + n->titles_updated +
		n->copies_added + n->copies_updated + n->members_added + n->members_updated));
}

static struct tv *entry_view(struct ctx *c, const struct import_entry *e)
{
	struct tv *o = tv_obj(c->arena);
	tv_set_int(o, "line", e->line);
	tv_set_str(o, "object", e->object);
	tv_set_str(o, "label", e->label);
	tv_set_str(o, "reason", e->reason);
	struct tv *fields = tv_set_list(o, "fields");
	for (int i = 0; i < e->nfields; i++) {
		struct tv *f = tv_obj(c->arena);
		tv_set_str(f, "field", e->fields[i].name);
		tv_set_str(f, "before", *e->fields[i].before ? e->fields[i].before : "(empty)");
		tv_set_str(f, "after", *e->fields[i].after ? e->fields[i].after : "(empty)");
		tv_push(fields, f);
	}
	return o;
}

static void view_entries(struct ctx *c, const struct import_batch *b)
{
	static const char *const groups[] = { "add", "update", "reject", "kept" };
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		struct tv *list = tv_set_list(c->view, arena_printf(c->arena, "%s_entries",
			groups[g]));
		long n = 0;
		for (long i = 0; i < b->nentries; i++)
			if (!strcmp(b->entries[i].action, groups[g])) {
				tv_push(list, entry_view(c, &b->entries[i]));
				n++;
			}
		tv_set_bool(c->view, arena_printf(c->arena, "has_%s", groups[g]), n > 0);
	}
	if (b->unlisted)
		tv_set_int(c->view, "unlisted", b->unlisted);
}

/* The batch's page: the preview of a staged batch (with "Import"), or the
** report of an imported one (with "Undo this import") or an undone one.
** problem: a refusal shown beside the button. */
static void batch_page(struct ctx *c, const struct import_batch *b, const char *problem,
	int status)
{
	bool staged = !strcmp(b->status, "staged"), undone = !strcmp(b->status, "undone");
	tv_set_str(c->view, "id", b->id);
	tv_set_str(c->view, "kind", import_kind_name(b->kind));
	tv_set_str(c->view, "file_name", b->file_name);
	tv_set_str(c->view, "format", b->format);
	tv_set_str(c->view, "ignored_columns", b->ignored_columns);
	tv_set_bool(c->view, "staged", staged);
	tv_set_bool(c->view, "committed", !strcmp(b->status, "committed"));
	tv_set_bool(c->view, "undone", undone);
	tv_set_str(c->view, "staged_on", web_date(c, b->staged_at));
	tv_set_str(c->view, "staged_by", *b->staged_by ? b->staged_by : "the command line");
	if (b->committed_at) {
		tv_set_str(c->view, "committed_on", web_date(c, b->committed_at));
		tv_set_str(c->view, "committed_by", *b->committed_by ? b->committed_by
			: "the command line");
	}
	if (undone) {
		tv_set_str(c->view, "undone_on", web_date(c, b->undone_at));
		tv_set_str(c->view, "undone_by", *b->undone_by ? b->undone_by : "the command line");
	}
	if (problem)
		tv_set_str(c->view, "problem", problem);
	view_summary(c, b, staged);
	view_entries(c, b);
	web_form_token(c);
	web_render(c, staged ? "staff_import_preview" : "staff_import_report", status);
}

/* Load the batch named in the address; a 404 page when there is none. */
static bool load_batch(struct ctx *c, struct import_batch *b)
{
	if (import_batch_load(c->db, c->arena, c->req->params[0], b) == 0)
		return true;
	web_error(c, 404, "There is no such import. Checked files that were not imported "
		"are kept for a day.");
	return false;
}

/* Uploads may carry an e-book of 30 MB (lib/http.c); an import stays at
** what it always was. */
#define IMPORT_UPLOAD_MAX (8 * 1024 * 1024)

void page_imports_run(struct ctx *c)
{
	const char *kind_name = http_form(c->req, "kind");
	int kind = import_kind_parse(kind_name);
	const struct http_file *file = http_file_get(c->req, "file");
	struct form_errors errs = { .n = 0 };
	if (kind < 0)
		form_error(&errs, "kind", "Choose whether the file holds titles or members.");
	if (!file || file->len == 0)
		form_error(&errs, "file", "Choose a file to check (CSV or XLSX; MARC 21 or "
			"MARCXML for titles).");
	else if (file->len > IMPORT_UPLOAD_MAX)
		form_error(&errs, "file", "The file is too large for the web: the limit is "
			"8 MB. Larger files go through the command line: carrel import.");
	if (errs.n) {
		imports_form(c, kind_name, &errs, 422);
		return;
	}
	char id[33];
	const char *error;
	if (import_stage(c->db, c->arena, (enum import_kind)kind, file->filename, file->data,
		file->len, c->now, c->sess.account_id, id, &error)) {
		form_error(&errs, "file", error);
		imports_form(c, kind_name, &errs, 422);
		return;
	}
	struct import_batch b;
	if (import_batch_load(c->db, c->arena, id, &b)) {
		web_error(c, 500, "The checked file could not be read back; please try again.");
		return;
	}
	batch_page(c, &b, NULL, 200);
}

void page_imports_show(struct ctx *c)
{
	struct import_batch b;
	if (load_batch(c, &b))
		batch_page(c, &b, NULL, 200);
}

void page_imports_commit(struct ctx *c)
{
	struct import_batch b;
	if (!load_batch(c, &b))
		return;
	const char *error;
	if (import_commit(c->db, c->arena, b.id, c->now, c->sess.account_id, &error)) {
		struct import_batch now;
		batch_page(c, import_batch_load(c->db, c->arena, b.id, &now) ? &b : &now, error, 409);
		return;
	}
	web_redirect(c, arena_printf(c->arena, "/staff/imports/%s", b.id));
}

void page_imports_undo(struct ctx *c)
{
	struct import_batch b;
	if (!load_batch(c, &b))
		return;
	const char *error;
	if (import_undo(c->db, c->arena, b.id, c->now, c->sess.account_id, &error)) {
		batch_page(c, &b, error, 409);
		return;
	}
	web_redirect(c, arena_printf(c->arena, "/staff/imports/%s", b.id));
}
