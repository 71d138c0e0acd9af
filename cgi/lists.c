/*
** lists.c: the admin's lists of item types (/admin/item-types) and member
** categories (/admin/categories), and the view helpers other screens use
** to offer them in a select or to show their names.
*/
#include <string.h>

#include "lists.h"
#include "web.h"

/* ---- for other screens ---- */

void lists_view_options(struct ctx *c, struct tv *obj, const char *key,
	enum list_kind kind, const char *chosen, bool with_any)
{
	struct list_entry *entries;
	int n = lists_entries(c->db, c->arena, kind, &entries);
	struct tv *options = tv_set_list(obj, key);
	if (with_any) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "code", "*");
		tv_set_str(o, "name", lists_name(c->db, c->arena, kind, "*"));
		tv_set_bool(o, "selected", chosen && !strcmp(chosen, "*"));
		tv_push(options, o);
	}
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "code", entries[i].code);
		tv_set_str(o, "name", entries[i].name);
		tv_set_bool(o, "selected", chosen && !strcmp(chosen, entries[i].code));
		tv_push(options, o);
	}
}

/* The text under key in obj, or NULL. */
static const char *view_text(const struct tv *obj, const char *key)
{
	const struct tv *v = key ? tv_get(obj, key) : NULL;
	return v && v->kind == TV_STR ? v->s : NULL;
}

void lists_view_names(struct ctx *c, struct tv *obj, const char *category_key,
	const char *item_type_key)
{
	const char *category = view_text(obj, category_key);
	const char *item_type = view_text(obj, item_type_key);
	if (category)
		tv_set_str(obj, arena_printf(c->arena, "%s_name", category_key),
			lists_name(c->db, c->arena, LIST_CATEGORY, category));
	if (item_type)
		tv_set_str(obj, arena_printf(c->arena, "%s_name", item_type_key),
			lists_name(c->db, c->arena, LIST_ITEM_TYPE, item_type));
}

/* ---- the admin's pages ---- */

struct list_screen {
	const char *base;        /* the page's address */
	const char *template;
	const char *record, *records;   /* what carries an entry: "copy", "copies" */
	const char *add_heading;
};

static const struct list_screen screens[] = {
	[LIST_ITEM_TYPE] = { "/admin/item-types", "admin_item_types", "copy", "copies",
		"Add an item type" },
	[LIST_CATEGORY] = { "/admin/categories", "admin_categories", "member", "members",
		"Add a category" },
};

/* "1 copy", "12 copies". */
static const char *count_of(struct ctx *c, long n, const char *one, const char *many)
{
	return arena_printf(c->arena, "%ld %s", n, n == 1 ? one : many);
}

/* A refused form, to show again: the row it came from (NULL: the add
** form), what was typed, and the errors or the reason a delete was
** refused. */
struct refused {
	const char *row;
	const struct list_input *typed;
	const struct form_errors *errs;
	const char *delete_why;
};

static void view_row(struct ctx *c, enum list_kind kind, struct tv *row,
	const struct list_entry *e, const struct refused *r)
{
	tv_set_str(row, "code", e->code);
	tv_set_str(row, "name", e->name);
	tv_set_int(row, "position", e->position);
	tv_set_str(row, "uses", arena_printf(c->arena, "%s and %s",
		count_of(c, e->records, screens[kind].record, screens[kind].records),
		count_of(c, e->rules, "rule", "rules")));
	if (!r || !r->row || strcmp(r->row, e->code))
		return;
	if (r->typed) {
		tv_set_str(row, "name", r->typed->name ? r->typed->name : "");
		tv_set_str(row, "position", r->typed->position ? r->typed->position : "");
	}
	if (r->errs) {
		const char *name = form_error_get(r->errs, "name");
		const char *position = form_error_get(r->errs, "position");
		if (name)
			tv_set_str(row, "name_error", name);
		if (position)
			tv_set_str(row, "position_error", position);
	}
	if (r->delete_why)
		tv_set_str(row, "delete_error", r->delete_why);
}

static void view_draft(struct ctx *c, const struct refused *r)
{
	struct tv *d = tv_set_obj(c->view, "draft");
	bool mine = r && !r->row && r->typed;
	tv_set_str(d, "code", mine && r->typed->code ? r->typed->code : "");
	tv_set_str(d, "name", mine && r->typed->name ? r->typed->name : "");
	tv_set_str(d, "position", mine && r->typed->position ? r->typed->position : "");
	if (mine && r->errs)
		web_form_errors(c, r->errs);
}

static void list_page(struct ctx *c, enum list_kind kind, const struct refused *r,
	int status)
{
	struct list_entry *entries;
	int n = lists_entries(c->db, c->arena, kind, &entries);
	if (n < 0) {
		web_error(c, 500, "The list could not be read just now. Please try again.");
		return;
	}
	web_form_token(c);
	tv_set_str(c->view, "base", screens[kind].base);
	tv_set_str(c->view, "add_heading", screens[kind].add_heading);
	struct tv *rows = tv_set_list(c->view, "entries");
	for (int i = 0; i < n; i++) {
		struct tv *row = tv_obj(c->arena);
		view_row(c, kind, row, &entries[i], r);
		tv_push(rows, row);
	}
	view_draft(c, r);
	if (r && r->row)
		tv_set_str(c->view, "problem", "Nothing was changed: see the message beside the entry.");
	static const char *const notices[][2] = {
		{ "added", "The entry was added." },
		{ "saved", "The entry was saved." },
		{ "deleted", "The entry was deleted." },
	};
	web_done_notice(c, notices, sizeof notices / sizeof notices[0]);
	web_render(c, screens[kind].template, status);
}

static void read_input(struct ctx *c, struct list_input *in)
{
	in->code = http_form(c->req, "code");
	in->name = http_form(c->req, "name");
	in->position = http_form(c->req, "position");
}

/* The answer to a changing form: 303 back to the list, or the list again
** with what was refused. */
static void answer(struct ctx *c, enum list_kind kind, enum lists_result rc,
	const char *done, const struct refused *r)
{
	switch (rc) {
	case LISTS_OK:
		web_redirect(c, arena_printf(c->arena, "%s?done=%s", screens[kind].base, done));
		return;
	case LISTS_INVALID:
		list_page(c, kind, r, 422);
		return;
	case LISTS_CONFLICT:
		list_page(c, kind, r, 409);
		return;
	case LISTS_NOT_FOUND:
		web_error(c, 404, "There is no such entry on the list.");
		return;
	case LISTS_ERROR:
		break;
	}
	web_error(c, 500, "The list could not be changed just now. Please try again.");
}

static void add_entry(struct ctx *c, enum list_kind kind)
{
	struct list_input in;
	read_input(c, &in);
	struct form_errors errs = { .n = 0 };
	enum lists_result rc = lists_add(c->db, c->arena, kind, &in, c->sess.account_id,
		c->now, &errs);
	struct refused r = { NULL, &in, &errs, NULL };
	answer(c, kind, rc, "added", &r);
}

static void save_entry(struct ctx *c, enum list_kind kind)
{
	const char *code = c->req->params[0];
	struct list_input in;
	read_input(c, &in);
	struct form_errors errs = { .n = 0 };
	enum lists_result rc = lists_save(c->db, c->arena, kind, code, &in,
		c->sess.account_id, c->now, &errs);
	struct refused r = { code, &in, &errs, NULL };
	answer(c, kind, rc, "saved", &r);
}

static void delete_entry(struct ctx *c, enum list_kind kind)
{
	const char *code = c->req->params[0];
	const char *why = NULL;
	enum lists_result rc = lists_delete(c->db, c->arena, kind, code, c->sess.account_id,
		c->now, &why);
	struct refused r = { code, NULL, NULL, why };
	answer(c, kind, rc, "deleted", &r);
}

void page_admin_item_types(struct ctx *c) { list_page(c, LIST_ITEM_TYPE, NULL, 200); }
void page_admin_item_type_add(struct ctx *c) { add_entry(c, LIST_ITEM_TYPE); }
void page_admin_item_type_save(struct ctx *c) { save_entry(c, LIST_ITEM_TYPE); }
void page_admin_item_type_delete(struct ctx *c) { delete_entry(c, LIST_ITEM_TYPE); }
void page_admin_categories(struct ctx *c) { list_page(c, LIST_CATEGORY, NULL, 200); }
void page_admin_category_add(struct ctx *c) { add_entry(c, LIST_CATEGORY); }
void page_admin_category_save(struct ctx *c) { save_entry(c, LIST_CATEGORY); }
void page_admin_category_delete(struct ctx *c) { delete_entry(c, LIST_CATEGORY); }
