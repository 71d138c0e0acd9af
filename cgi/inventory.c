/*
** inventory.c: stocktaking pages (/staff/inventory): the sessions and the
** form to open one; a session's scanning box and lists; found copies put
** back in stock; closing, after a confirmation; a session's lists as CSV.
** The rules are in lib/inventory.h.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "inventory.h"
#include "web.h"

#define SESSIONS_PER_PAGE 20
/* Lines of each list a session's page shows; the CSV has them all. */
#define LIST_BOUND 100

/* The scope of a session in words: "Fiction, shelves A to F". */
static const char *scope_words(struct ctx *c, const struct inventory_session *s)
{
	const char *section = *s->section_name
		? (s->section_id ? s->section_name
			: arena_printf(c->arena, "%s (a section since removed)", s->section_name))
		: "";
	if (!*s->shelf_from)
		return section;
	const char *range = arena_printf(c->arena, "shelves %s to %s", s->shelf_from, s->shelf_to);
	return *section ? arena_printf(c->arena, "%s, %s", section, range) : range;
}

static void view_counts(struct tv *o, const struct inventory_session *s)
{
	tv_set_int(o, "expected", s->expected);
	tv_set_int(o, "seen", s->count[INV_SEEN]);
	tv_set_int(o, "missing", s->count[INV_MISSING]);
	tv_set_int(o, "misplaced", s->count[INV_MISPLACED]);
	tv_set_int(o, "on_loan", s->count[INV_ON_LOAN]);
	tv_set_int(o, "unknown", s->count[INV_UNKNOWN]);
	tv_set_int(o, "marked_lost", s->marked_lost);
}

static struct tv *session_view(struct ctx *c, const struct inventory_session *s)
{
	struct tv *o = tv_obj(c->arena);
	tv_set_int(o, "id", s->id);
	tv_set_str(o, "scope", scope_words(c, s));
	tv_set_str(o, "opened_by", *s->opened_by ? s->opened_by : "someone since removed");
	tv_set_str(o, "opened_at", web_moment(c, s->opened_at));
	tv_set_bool(o, "closed", s->closed);
	if (s->closed) {
		tv_set_str(o, "closed_by", *s->closed_by ? s->closed_by : "someone since removed");
		tv_set_str(o, "closed_at", web_moment(c, s->closed_at));
	}
	view_counts(o, s);
	return o;
}

/* The list of sessions and the form to open one (typed: what was typed,
** after a refusal). */
static void sessions_page(struct ctx *c, const char *section, const char *from,
	const char *to, const struct form_errors *errs, int status)
{
	long page = web_page_param(c), total = 0;
	struct inventory_session *rows;
	int n = inventory_sessions(c->db, c->arena, page, SESSIONS_PER_PAGE, &rows, &total);
	if (n >= 0 && page > web_page_last(total, SESSIONS_PER_PAGE)) {
		page = web_page_last(total, SESSIONS_PER_PAGE);
		n = inventory_sessions(c->db, c->arena, page, SESSIONS_PER_PAGE, &rows, &total);
	}
	struct section_info *sections;
	int ns = catalogue_sections(c->db, c->arena, &sections);
	if (n < 0 || ns < 0)
		return web_error(c, 500, "The stocktaking sessions could not be read just now.");
	struct tv *list = tv_set_list(c->view, "sessions");
	for (int i = 0; i < n; i++)
		tv_push(list, session_view(c, &rows[i]));
	tv_set_bool(c->view, "has_sessions", n > 0);
	web_pager(c, "/staff/inventory", page, total, SESSIONS_PER_PAGE);
	struct tv *opts = tv_set_list(c->view, "sections");
	long long chosen = valid_id(section);
	for (int i = 0; i < ns; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", sections[i].id);
		tv_set_str(o, "name", sections[i].name);
		tv_set_bool(o, "selected", sections[i].id == chosen);
		tv_push(opts, o);
	}
	tv_set_str(c->view, "shelf_from", from);
	tv_set_str(c->view, "shelf_to", to);
	if (errs)
		web_form_errors(c, errs);
	web_form_token(c);
	web_render(c, "staff_inventory", status);
}

void page_inventory_list(struct ctx *c)
{
	sessions_page(c, "", "", "", NULL, 200);
}

void page_inventory_open(struct ctx *c)
{
	const char *section = http_form(c->req, "section");
	const char *from = http_form(c->req, "shelf_from");
	const char *to = http_form(c->req, "shelf_to");
	struct form_errors errs = { 0 };
	long long id = 0;
	switch (inventory_open(c->db, c->arena, c->now, c->sess.account_id, section, from, to,
		&errs, &id)) {
	case INV_OK:
		return web_redirect(c, arena_printf(c->arena, "/staff/inventory/%lld?done=opened", id));
	case INV_INVALID:
		return sessions_page(c, section ? section : "", from ? from : "", to ? to : "",
			&errs, 422);
	default:
		return web_error(c, 500, "The session could not be opened just now. Please try again.");
	}
}

/* Where a misplaced copy belongs, in words. */
static const char *belongs(struct ctx *c, const struct inventory_line *k)
{
	if (!strcmp(k->status, "on-hold-shelf"))
		return "the hold shelf (it is held for a reader)";
	const char *section = *k->section ? k->section : "no section";
	return *k->location ? arena_printf(c->arena, "%s, shelf %s", section, k->location)
		: arena_printf(c->arena, "%s, no shelf mark", section);
}

static void view_lists(struct ctx *c, const struct inventory_session *s,
	const struct inventory_lists *l)
{
	struct tv *lists = tv_set_list(c->view, "lists");
	for (int i = 0; i < INV_LISTS; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "key", inventory_list_key((enum inv_list)i));
		tv_set_str(o, "name", inventory_list_name((enum inv_list)i));
		tv_set_int(o, "count", l->count[i]);
		tv_set_bool(o, "bounded", l->count[i] > l->shown[i]);
		tv_set_int(o, "shown", l->shown[i]);
		tv_set_bool(o, "with_where", i == INV_MISPLACED);
		tv_set_bool(o, "with_note", i == INV_ON_LOAN);
		tv_set_bool(o, "with_found", i == INV_FOUND && !s->closed);
		tv_set_bool(o, "catalogued", i != INV_UNKNOWN);
		struct tv *rows = tv_set_list(o, "lines");
		for (int j = 0; j < l->shown[i]; j++) {
			const struct inventory_line *k = &l->line[i][j];
			struct tv *r = tv_obj(c->arena);
			tv_set_str(r, "barcode", k->barcode);
			tv_set_int(r, "copy_id", k->copy_id);
			tv_set_int(r, "title_id", k->title_id);
			tv_set_str(r, "title", k->title);
			tv_set_str(r, "location", *k->location ? k->location : "none");
			tv_set_str(r, "status", catalogue_status_label(k->status));
			tv_set_bool(r, "unusual", i == INV_SEEN && strcmp(k->status, "available"));
			tv_set_str(r, "last_seen", k->last_seen_at ? web_date(c, k->last_seen_at) : "never");
			tv_set_str(r, "belongs", i == INV_MISPLACED ? belongs(c, k) : "");
			tv_set_str(r, "note", k->note);
			tv_push(rows, r);
		}
		tv_push(lists, o);
	}
}

/* The message of a submit of barcodes, from its counts in the address. */
static void scan_notice(struct ctx *c)
{
	const char *keys[] = { "added", "repeated", "unknown", "checked_in", "unreadable", "over" };
	long v[6];
	bool any = false;
	for (int i = 0; i < 6; i++) {
		const char *s = http_query(c->req, keys[i]);
		v[i] = s ? valid_id(s) : 0;
		if (v[i] < 0)
			v[i] = 0;
		any = any || s;
	}
	if (!any)
		return;
	const char *msg = arena_printf(c->arena, "%s recorded.", web_count(c, v[0],
		"new barcode", "new barcodes"));
	if (v[1])
		msg = arena_printf(c->arena, "%s %s scanned already (counted once).", msg,
			web_count(c, v[1], "barcode was", "barcodes were"));
	if (v[2])
		msg = arena_printf(c->arena, "%s %s not in the catalogue.", msg,
			web_count(c, v[2], "barcode is", "barcodes are"));
	if (v[3])
		msg = arena_printf(c->arena, "%s %s on loan checked in: see below.", msg,
			web_count(c, v[3], "copy", "copies"));
	if (v[4])
		msg = arena_printf(c->arena, "%s %s not read as a barcode (spaces inside, or "
			"longer than 64 characters) and left out.", msg,
			web_count(c, v[4], "line was", "lines were"));
	if (v[5])
		msg = arena_printf(c->arena, "%s Only %d barcodes are taken at a time: %s left "
			"over; scan them again.", msg, INVENTORY_SCAN_MAX,
			web_count(c, v[5], "was", "were"));
	tv_set_str(c->view, "notice", msg);
}

/* Session id into *s (inventory_get), or an error page and false. */
static bool session_of(struct ctx *c, long long id, bool with_counts,
	struct inventory_session *s)
{
	int found = inventory_get(c->db, c->arena, id, with_counts, s);
	if (found)
		web_error(c, found > 0 ? 404 : 500, found > 0
			? "There is no stocktaking session with that number."
			: "The session could not be read just now.");
	return found == 0;
}

/* A session's page; error: why a form on it was refused (beside the box). */
static void session_page(struct ctx *c, long long id, const char *typed, const char *error,
	int status)
{
	struct inventory_session s;
	if (!session_of(c, id, false, &s))
		return;
	struct inventory_lists l;
	if (inventory_lists(c->db, c->arena, id, LIST_BOUND, &l))
		return web_error(c, 500, "The session could not be read just now.");
	/* The lists' own counts: worked out now while open, as kept once closed. */
	struct inventory_session live = s;
	live.expected = l.expected;
	for (int i = 0; i < INV_LISTS; i++)
		live.count[i] = l.count[i];
	tv_set(c->view, "session", session_view(c, &live));
	view_lists(c, &s, &l);
	tv_set_str(c->view, "typed", typed);
	if (error)
		tv_set_str(c->view, "scan_error", error);
	static const char *const done[][2] = {
		{ "opened", "The session is open. Scan the copies on the shelves into the box." },
		{ "found", "The copy is available again." },
		{ "closed", "The session is closed." },
	};
	web_done_notice(c, done, sizeof done / sizeof done[0]);
	scan_notice(c);
	web_form_token(c);
	web_render(c, "staff_inventory_session", status);
}

void page_inventory_show(struct ctx *c)
{
	session_page(c, valid_id(c->req->params[0]), "", NULL, 200);
}

void page_inventory_scan(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	const char *text = http_form(c->req, "barcodes");
	struct inventory_scan_result r;
	switch (inventory_scan(c->db, c->arena, c->now, c->sess.account_id, id, text, &r)) {
	case INV_OK:
		if (!r.added && !r.repeated && !r.unreadable)
			return session_page(c, id, text ? text : "",
				"Scan or type at least one barcode.", 422);
		return web_redirect(c, arena_printf(c->arena, "/staff/inventory/%lld?added=%d"
			"&repeated=%d&unknown=%d&checked_in=%d&unreadable=%d&over=%d#scan", id, r.added,
			r.repeated, r.unknown, r.checked_in, r.unreadable, r.over));
	case INV_CLOSED:
		return session_page(c, id, text ? text : "",
			"This session is closed: nothing more can be scanned into it. "
			"Open a new session to count again.", 409);
	case INV_NOT_FOUND:
		return web_error(c, 404, "There is no stocktaking session with that number.");
	default:
		return web_error(c, 500, "The barcodes could not be recorded just now. "
			"Please scan them again.");
	}
}

void page_inventory_found(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	const char *why;
	switch (inventory_mark_found(c->db, c->arena, c->now, id,
		valid_id(http_form(c->req, "copy")), &why)) {
	case INV_OK:
		return web_redirect(c, arena_printf(c->arena, "/staff/inventory/%lld?done=found#found",
			id));
	case INV_INVALID:
		return session_page(c, id, "", why, 409);
	case INV_CLOSED:
		return session_page(c, id, "", "This session is closed: change the copy on its "
			"title's copies page instead.", 409);
	case INV_NOT_FOUND:
		return web_error(c, 404, "There is no stocktaking session with that number.");
	default:
		return web_error(c, 500, "The copy could not be changed just now. Please try again.");
	}
}

static void close_page(struct ctx *c, long long id, const char *error, int status)
{
	struct inventory_session s;
	if (!session_of(c, id, true, &s))
		return;
	if (s.closed)
		return web_redirect(c, arena_printf(c->arena, "/staff/inventory/%lld", id));
	tv_set(c->view, "session", session_view(c, &s));
	tv_set_str(c->view, "missing_words", web_count(c, s.count[INV_MISSING],
		"missing copy", "missing copies"));
	if (error)
		tv_set_str(c->view, "close_error", error);
	web_form_token(c);
	web_render(c, "staff_inventory_close", status);
}

void page_inventory_close_form(struct ctx *c)
{
	close_page(c, valid_id(c->req->params[0]), NULL, 200);
}

void page_inventory_close(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	const char *mark = http_form(c->req, "mark_lost");
	long marked = 0;
	switch (inventory_close(c->db, c->arena, c->now, c->sess.account_id, id,
		mark && !strcmp(mark, "1"), &marked)) {
	case INV_OK:
		return web_redirect(c, arena_printf(c->arena, "/staff/inventory/%lld?done=closed", id));
	case INV_CLOSED:
		return session_page(c, id, "", "This session was closed already.", 409);
	case INV_NOT_FOUND:
		return web_error(c, 404, "There is no stocktaking session with that number.");
	default:
		return close_page(c, id, "The session could not be closed just now; nothing was "
			"changed. Please try again.", 500);
	}
}

void page_inventory_csv(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	struct inventory_session s;
	if (!session_of(c, id, false, &s))
		return;
	char *data = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&data, &len);
	long rows = out ? inventory_csv(c->db, c->arena, id, out) : -1;
	if (out)
		fclose(out);
	if (rows < 0) {
		free(data);
		return web_error(c, 500, "The lists could not be written just now.");
	}
	c->resp->status = 200;
	http_resp_set_header(c->resp, "Content-Type", "text/csv; charset=utf-8");
	http_resp_set_header(c->resp, "Content-Disposition", arena_printf(c->arena,
		"attachment; filename=\"stocktaking-%lld.csv\"", id));
	http_resp_set_header(c->resp, "Cache-Control", "no-store");
	buf_clear(c->resp->body);
	buf_append(c->resp->body, data, len);
	free(data);
}
