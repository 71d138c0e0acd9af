/*
** privacy.c: removing a member (staff, or the member from their profile),
** the member's data download, and the loan history retention setting
** (lib/privacy.h).
*/
#include <string.h>

#include "calendar.h"
#include "privacy.h"
#include "web.h"

/* The blockers as "blockers" (and is_blocked) in the view. */
static void view_blockers(struct ctx *c, const struct privacy_blockers *b)
{
	struct tv *list = tv_set_list(c->view, "blockers");
	for (int i = 0; i < b->n; i++)
		tv_push(list, tv_str(c->arena, b->reasons[i]));
	tv_set_bool(c->view, "is_blocked", b->n > 0);
}

/* ---- staff ---- */

/* The confirm page; refused is true when a removal was just refused. */
static void staff_remove_page(struct ctx *c, long long id, const struct privacy_blockers *b,
	bool refused, int status)
{
	const char *name = privacy_member_name(c->db, c->arena, id);
	if (!name) {
		web_error(c, 404, "There is no member with that number.");
		return;
	}
	struct tv *m = tv_set_obj(c->view, "m");
	tv_set_int(m, "id", id);
	tv_set_str(m, "name", name);
	view_blockers(c, b);
	tv_set_bool(c->view, "refused", refused);
	web_form_token(c);
	web_render(c, "staff_member_remove", status);
}

/* The member's number from the address, or 0 after sending staff to the
** page of a member removed already. */
static long long member_to_remove(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	if (privacy_is_removed(c->db, id, NULL)) {
		web_redirect(c, arena_printf(c->arena, "/staff/members/%lld", id));
		return 0;
	}
	return id;
}

void page_privacy_staff_remove_form(struct ctx *c)
{
	long long id = member_to_remove(c);
	if (!id)
		return;
	struct privacy_blockers b = { 0 };
	if (privacy_removal_blockers(c->db, c->arena, id, c->now, &b)) {
		web_error(c, 500, "The member's loans and fines could not be read just now.");
		return;
	}
	staff_remove_page(c, id, &b, false, 200);
}

void page_privacy_staff_remove(struct ctx *c)
{
	long long id = member_to_remove(c);
	if (!id)
		return;
	struct privacy_blockers b = { 0 };
	switch (privacy_remove_member(c->db, c->arena, id, c->sess.account_id, c->now, &b)) {
	case PRIVACY_OK:
		web_redirect(c, arena_printf(c->arena, "/staff/members/%lld?done=removed", id));
		return;
	case PRIVACY_REFUSED:
		staff_remove_page(c, id, &b, true, 409);
		return;
	case PRIVACY_NOT_FOUND:
		web_error(c, 404, "There is no member with that number.");
		return;
	default:
		web_error(c, 500, "The member could not be removed just now. Nothing was "
			"changed; please try again.");
	}
}

bool privacy_page_removed_member(struct ctx *c, long long id)
{
	long long at;
	if (!privacy_is_removed(c->db, id, &at))
		return false;
	struct tv *m = tv_set_obj(c->view, "m");
	tv_set_int(m, "id", id);
	tv_set_str(m, "removed_on", web_date(c, at));
	const char *done = http_query(c->req, "done");
	if (done && !strcmp(done, "removed"))
		tv_set_str(c->view, "notice", "The member was removed.");
	web_render(c, "staff_member_removed", 200);
	return true;
}

/* ---- the member ---- */

void privacy_view_profile(struct ctx *c)
{
	if (tv_get(c->view, "blockers"))
		return;
	/* Staff accounts are disabled by an admin, not removed by themselves. */
	tv_set_bool(c->view, "can_remove", c->sess.role == ROLE_MEMBER);
	struct privacy_blockers b = { 0 };
	privacy_removal_blockers(c->db, c->arena, c->sess.account_id, c->now, &b);
	view_blockers(c, &b);
}

void page_privacy_remove_own(struct ctx *c)
{
	if (c->sess.role != ROLE_MEMBER) {
		web_error(c, 403, "Staff accounts are not removed here: an admin closes them.");
		return;
	}
	struct privacy_blockers b = { 0 };
	switch (privacy_remove_own(c->db, c->arena, c->sess.account_id,
		http_form(c->req, "remove_password"), c->now, &b)) {
	case PRIVACY_OK:
		http_set_cookie(c->resp, SESSION_COOKIE, "", 0, c->cfg->secure_cookies);
		web_redirect(c, "/removed");
		return;
	case PRIVACY_BAD_PASSWORD:
		/* Beside the password only: the details form above is not in question. */
		tv_set_str(tv_set_obj(c->view, "errors"), "remove_password", "That is not your "
			"password. Your account was not removed.");
		account_profile_page(c, 422);
		return;
	case PRIVACY_REFUSED:
		view_blockers(c, &b);
		tv_set_bool(c->view, "can_remove", true);
		tv_set_bool(c->view, "remove_refused", true);
		account_profile_page(c, 409);
		return;
	default:
		web_error(c, 500, "Your account could not be removed just now. Nothing was "
			"changed; please try again.");
	}
}

void page_privacy_removed(struct ctx *c)
{
	web_render(c, "account_removed", 200);
}

/* The member's own data as a download. */
static void send_data(struct ctx *c, const char *body, const char *type, const char *ext)
{
	if (!body) {
		web_error(c, 500, "Your data could not be gathered just now. Please try again.");
		return;
	}
	buf_puts(c->resp->body, body);
	http_resp_set_header(c->resp, "Content-Type", type);
	char today[11];
	cal_format(cal_day_of(c->now), today);
	http_resp_header(c->resp, "Content-Disposition", arena_printf(c->arena,
		"attachment; filename=\"my-library-data-%s.%s\"", today, ext));
	http_resp_header(c->resp, "Cache-Control", "private, no-store");
}

void page_privacy_data_json(struct ctx *c)
{
	send_data(c, privacy_export_json(c->db, c->arena, c->sess.account_id, c->now),
		"application/json; charset=utf-8", "json");
}

void page_privacy_data_csv(struct ctx *c)
{
	send_data(c, privacy_export_csv(c->db, c->arena, c->sess.account_id, c->now),
		"text/csv; charset=utf-8", "csv");
}

/* ---- the retention setting (/admin/settings) ---- */

void privacy_view_retention(struct ctx *c, const char *typed, const char *error)
{
	if (tv_get(c->view, "retention"))
		return;
	struct tv *o = tv_set_obj(c->view, "retention");
	if (typed)
		tv_set_str(o, "value", typed);
	else
		tv_set_int(o, "value", privacy_retention_days(c->db));
	if (error)
		tv_set_str(o, "error", error);
}

void page_admin_retention(struct ctx *c)
{
	struct form_errors errs = { .n = 0 };
	const char *typed = http_form(c->req, "retention_days");
	if (privacy_retention_save(c->db, c->arena, typed, c->sess.account_id, c->now, &errs)) {
		if (!errs.n) {
			web_error(c, 500, "The setting could not be saved just now. Please try again.");
			return;
		}
		privacy_view_retention(c, typed ? typed : "", form_error_get(&errs, "retention_days"));
		admin_settings_page(c, 422);
		return;
	}
	web_redirect(c, "/admin/settings?done=retention#retention");
}
