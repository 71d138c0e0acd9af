/*
** sections.c: /staff/sections, the library's sections kept by staff: the
** list in its order with each section's titles, adding one, a section's
** page (rename, describe, place in the order, delete when empty) and
** merging one into another after a confirmation. The rules are in
** lib/sections.c.
*/
#include <string.h>

#include "catalogue.h"
#include "sections.h"
#include "web.h"

/* A section merged away or deleted since the page was loaded. */
static void section_missing(struct ctx *c)
{
	web_error(c, 404, "There is no such section. It may have been merged into "
		"another or deleted.");
}

/* What a refused form typed and why, for the page it came from. */
struct section_refusal {
	const struct section_input *typed;   /* name and description, or NULL */
	const struct form_errors *errs;
	const char *position;                /* the position typed, or NULL */
	const char *position_error;
	const char *delete_error;
	const char *merge_error;
};

static const char *const notices[][2] = {
	{ "added", "The section was added at the end of the order." },
	{ "saved", "The section was saved." },
	{ "moved", "The order was changed." },
	{ "merged", "The sections were merged." },
	{ "deleted", "The section was deleted." },
};

/* ---- the list ---- */

static void sections_page(struct ctx *c, const struct section_input *typed,
	const struct form_errors *errs, int status)
{
	struct section_info *sections;
	int n = catalogue_sections(c->db, c->arena, &sections);
	if (n < 0) {
		web_error(c, 500, "The sections could not be read just now. Please try again.");
		return;
	}
	web_form_token(c);
	struct tv *list = tv_set_list(c->view, "sections");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", sections[i].id);
		tv_set_int(o, "position", i + 1);
		tv_set_str(o, "name", sections[i].name);
		tv_set_str(o, "description", sections[i].description);
		tv_set_str(o, "titles_text", web_count(c, sections[i].titles, "title", "titles"));
		tv_set_bool(o, "can_go_up", i > 0);
		tv_set_bool(o, "can_go_down", i + 1 < n);
		tv_push(list, o);
	}
	tv_set_bool(c->view, "has_sections", n > 0);
	tv_set_str(c->view, "total_text", web_count(c, n, "section", "sections"));
	tv_set_str(c->view, "name", typed ? typed->name : "");
	tv_set_str(c->view, "description", typed ? typed->description : "");
	if (errs)
		web_form_errors(c, errs);
	else
		web_done_notice(c, notices, sizeof notices / sizeof notices[0]);
	web_render(c, "staff_sections", status);
}

void page_staff_sections(struct ctx *c)
{
	sections_page(c, NULL, NULL, 200);
}

static void read_input(struct ctx *c, struct section_input *in)
{
	in->name = http_form(c->req, "name");
	in->description = http_form(c->req, "description");
}

void page_staff_section_add(struct ctx *c)
{
	struct section_input in;
	read_input(c, &in);
	struct form_errors errs = { .n = 0 };
	long long id = 0;
	enum section_result rc = sections_validate(c->arena, &in, &errs);
	if (rc == SECTION_OK)
		rc = sections_add(c->db, c->sess.account_id, &in, c->now, &errs, &id);
	switch (rc) {
	case SECTION_OK:
		web_redirect(c, "/staff/sections?done=added");
		return;
	case SECTION_INVALID:
		sections_page(c, &in, &errs, 422);
		return;
	case SECTION_NAME_TAKEN:
		sections_page(c, &in, &errs, 409);
		return;
	default:
		web_error(c, 500, "The section could not be added just now. Please try again.");
	}
}

/* ---- one section ---- */

/* The section of the address into *s, or an error page and false. */
static bool section_of_path(struct ctx *c, struct section_info *s)
{
	int rc = catalogue_section_get(c->db, c->arena, valid_id(c->req->params[0]), s);
	if (rc > 0)
		section_missing(c);
	else if (rc)
		web_error(c, 500, "The section could not be read just now. Please try again.");
	return rc == 0;
}

/* The other sections, as the merge's choices, into chosen marked. */
static void view_merge_targets(struct ctx *c, long long id, long long chosen)
{
	struct section_info *sections;
	int n = catalogue_sections(c->db, c->arena, &sections);
	struct tv *list = tv_set_list(c->view, "targets");
	for (int i = 0; i < n; i++) {
		if (sections[i].id == id)
			continue;
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", sections[i].id);
		tv_set_str(o, "name", sections[i].name);
		tv_set_str(o, "titles_text", web_count(c, sections[i].titles, "title", "titles"));
		tv_set_bool(o, "selected", sections[i].id == chosen);
		tv_push(list, o);
	}
	tv_set_bool(c->view, "has_targets", n > 1);
}

static void section_page(struct ctx *c, const struct section_refusal *r, int status)
{
	struct section_info s;
	if (!section_of_path(c, &s))
		return;
	web_form_token(c);
	struct tv *v = tv_set_obj(c->view, "section");
	tv_set_int(v, "id", s.id);
	tv_set_str(v, "name", s.name);
	tv_set_str(v, "titles_text", web_count(c, s.titles, "title", "titles"));
	tv_set_bool(v, "has_titles", s.titles > 0);
	long position = sections_position(c->db, s.id);
	long count = sections_count(c->db);
	tv_set_str(v, "place_text", arena_printf(c->arena, "%ld of %ld", position, count));
	bool typed = r && r->typed;
	tv_set_str(c->view, "name", typed ? r->typed->name : s.name);
	tv_set_str(c->view, "description", typed ? r->typed->description : s.description);
	tv_set_str(c->view, "position", r && r->position ? r->position
		: arena_printf(c->arena, "%ld", position));
	if (r && r->errs)
		web_form_errors(c, r->errs);
	if (r && r->position_error)
		tv_set_str(c->view, "position_error", r->position_error);
	if (r && r->delete_error)
		tv_set_str(c->view, "delete_error", r->delete_error);
	if (r && (r->position_error || r->delete_error || r->merge_error))
		tv_set_str(c->view, "problem", "Nothing was changed: see the message beside "
			"the button below.");
	if (r && r->merge_error)
		tv_set_str(c->view, "merge_error", r->merge_error);
	if (!r)
		web_done_notice(c, notices, sizeof notices / sizeof notices[0]);
	view_merge_targets(c, s.id, 0);
	web_render(c, "staff_section", status);
}

void page_staff_section(struct ctx *c)
{
	section_page(c, NULL, 200);
}

void page_staff_section_save(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	struct section_input in;
	read_input(c, &in);
	struct form_errors errs = { .n = 0 };
	enum section_result rc = sections_validate(c->arena, &in, &errs);
	if (rc == SECTION_OK)
		rc = sections_save(c->db, c->sess.account_id, id, &in, c->now, &errs);
	struct section_refusal r = { .typed = &in, .errs = &errs };
	switch (rc) {
	case SECTION_OK:
		web_redirect(c, arena_printf(c->arena, "/staff/sections/%lld?done=saved", id));
		return;
	case SECTION_INVALID:
		section_page(c, &r, 422);
		return;
	case SECTION_NAME_TAKEN:
		section_page(c, &r, 409);
		return;
	case SECTION_NOT_FOUND:
		section_missing(c);
		return;
	default:
		web_error(c, 500, "The section could not be saved just now. Please try again.");
	}
}

/* Move up or down one place (the list's buttons), or to the position
** typed (the section's page, which it answers). */
void page_staff_section_move(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	const char *direction = http_form(c->req, "direction");
	const char *typed = valid_trim(c->arena, http_form(c->req, "position"));
	long now_at = sections_position(c->db, id);
	if (!now_at) {
		section_missing(c);
		return;
	}
	long position;
	const char *back;
	if (direction && (!strcmp(direction, "up") || !strcmp(direction, "down"))) {
		position = now_at + (!strcmp(direction, "up") ? -1 : 1);
		back = "/staff/sections?done=moved";
	} else {
		long long wanted = valid_id(typed);
		if (wanted <= 0 || wanted > 100000) {
			struct section_refusal r = { .position = typed, .position_error =
				"Enter a position as a whole number: 1 puts the section first." };
			section_page(c, &r, 422);
			return;
		}
		position = (long)wanted;
		back = arena_printf(c->arena, "/staff/sections/%lld?done=moved", id);
	}
	switch (sections_move(c->db, c->sess.account_id, id, position, c->now)) {
	case SECTION_OK:
		web_redirect(c, back);
		return;
	case SECTION_NOT_FOUND:
		section_missing(c);
		return;
	default:
		web_error(c, 500, "The order could not be changed just now. Please try again.");
	}
}

void page_staff_section_delete(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	switch (sections_delete(c->db, c->sess.account_id, id, c->now)) {
	case SECTION_OK:
		web_redirect(c, "/staff/sections?done=deleted");
		return;
	case SECTION_HAS_TITLES: {
		struct section_refusal r = { .delete_error = "This section still has titles, "
			"and a title's section cannot simply vanish. Merge it into another "
			"section instead: its titles move there, then it is removed." };
		section_page(c, &r, 409);
		return;
	}
	case SECTION_NOT_FOUND:
		section_missing(c);
		return;
	default:
		web_error(c, 500, "The section could not be deleted just now. Please try again.");
	}
}

/* ---- merging ---- */

void page_staff_section_merge_form(struct ctx *c)
{
	struct section_info s, into;
	if (!section_of_path(c, &s))
		return;
	long long into_id = valid_id(http_query(c->req, "into"));
	if (into_id == s.id || catalogue_section_get(c->db, c->arena, into_id, &into)) {
		struct section_refusal r = { .merge_error = "Choose the section its titles "
			"should move to." };
		section_page(c, &r, 422);
		return;
	}
	web_form_token(c);
	struct tv *v = tv_set_obj(c->view, "section");
	tv_set_int(v, "id", s.id);
	tv_set_str(v, "name", s.name);
	tv_set_str(v, "titles_text", web_count(c, s.titles, "title", "titles"));
	struct tv *t = tv_set_obj(c->view, "into");
	tv_set_int(t, "id", into.id);
	tv_set_str(t, "name", into.name);
	tv_set_str(t, "titles_text", web_count(c, into.titles, "title", "titles"));
	tv_set_str(t, "after_text", web_count(c, into.titles + s.titles, "title", "titles"));
	web_render(c, "staff_section_merge", 200);
}

void page_staff_section_merge(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	long long into = valid_id(http_form(c->req, "into"));
	long moved = 0;
	switch (sections_merge(c->db, c->sess.account_id, id, into, c->now, &moved)) {
	case SECTION_OK:
		web_redirect(c, "/staff/sections?done=merged");
		return;
	case SECTION_SAME: {
		struct section_refusal r = { .merge_error = "A section cannot be merged into "
			"itself: choose another one." };
		section_page(c, &r, 422);
		return;
	}
	case SECTION_NOT_FOUND:
		if (sections_position(c->db, id)) {
			struct section_refusal r = { .merge_error = "That section no longer "
				"exists: choose another one." };
			section_page(c, &r, 409);
			return;
		}
		section_missing(c);
		return;
	default:
		web_error(c, 500, "The sections could not be merged just now. Please try again.");
	}
}
