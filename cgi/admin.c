/*
** admin.c: the admin's screens: accounts and their roles.
*/
#include <string.h>

#include "account.h"
#include "web.h"

#define USERS_PER_PAGE 50

static void role_options(struct ctx *c, struct tv *row, enum role current)
{
	struct tv *options = tv_set_list(row, "roles");
	for (int r = ROLE_MEMBER; r <= ROLE_ADMIN; r++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "value", auth_role_name((enum role)r));
		tv_set_bool(o, "selected", r == (int)current);
		tv_push(options, o);
	}
}

/* Links to the previous and next page keeping the other filters. */
static void pager(struct ctx *c, const char *q, const char *role, long page,
	long total)
{
	long pages = (total + USERS_PER_PAGE - 1) / USERS_PER_PAGE;
	tv_set_int(c->view, "page", page);
	tv_set_int(c->view, "pages", pages ? pages : 1);
	const char *base = arena_printf(c->arena, "/admin/users?q=%s&role=%s",
		http_url_encode(c->arena, q), http_url_encode(c->arena, role));
	if (page > 1)
		tv_set_str(c->view, "prev_url", arena_printf(c->arena, "%s&page=%ld",
			base, page - 1));
	if (page < pages)
		tv_set_str(c->view, "next_url", arena_printf(c->arena, "%s&page=%ld",
			base, page + 1));
}

void page_admin_users(struct ctx *c)
{
	const char *q = valid_trim(c->arena, http_query(c->req, "q"));
	const char *role_name = http_query(c->req, "role");
	int role = auth_role_parse(role_name);
	struct account_filter f = { q, role, web_page_param(c), USERS_PER_PAGE };
	struct account rows[USERS_PER_PAGE];
	long total = 0;
	long n = account_list(c->db, c->arena, &f, rows, &total);

	web_form_token(c);
	tv_set_str(c->view, "q", q);
	struct tv *filter = tv_set_list(c->view, "role_filter");
	for (int r = ROLE_MEMBER; r <= ROLE_ADMIN; r++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "value", auth_role_name((enum role)r));
		tv_set_bool(o, "selected", r == role);
		tv_push(filter, o);
	}
	tv_set_int(c->view, "total", total);
	struct tv *list = tv_set_list(c->view, "users");
	for (long i = 0; i < n; i++) {
		struct tv *row = tv_obj(c->arena);
		tv_set_int(row, "id", rows[i].id);
		tv_set_str(row, "name", rows[i].name);
		tv_set_str(row, "email", rows[i].email);
		tv_set_str(row, "card_number", rows[i].card_number);
		tv_set_str(row, "role", auth_role_name(rows[i].role));
		tv_set_str(row, "since", web_date(c, rows[i].created_at));
		tv_set_bool(row, "is_self", rows[i].id == c->sess.account_id);
		role_options(c, row, rows[i].role);
		tv_push(list, row);
	}
	if (!strcmp(http_query(c->req, "done") ? http_query(c->req, "done") : "", "role"))
		tv_set_str(c->view, "notice", "The role was changed.");
	pager(c, q, role >= 0 ? role_name : "", f.page, total);
	web_render(c, "admin_users", 200);
}

void page_admin_user_role(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	int role = auth_role_parse(http_form(c->req, "role"));
	if (role < 0) {
		web_error(c, 400, "Choose a role: member, librarian or admin.");
		return;
	}
	switch (account_set_role(c->db, c->sess.account_id, id, (enum role)role, c->now)) {
	case ACCOUNT_OK:
		/* Sessions read the role afresh on every request: nothing more. */
		web_redirect(c, "/admin/users?done=role");
		return;
	case ACCOUNT_NOT_FOUND:
		web_error(c, 404, "There is no account with that number.");
		return;
	case ACCOUNT_INVALID:
		web_error(c, 422, "You cannot lower your own role: another admin must "
			"do it, so that the library always keeps an admin.");
		return;
	default:
		web_error(c, 500, "The role could not be changed just now. Please try again.");
	}
}
