/*
** circulation.c: the circulation desk (checkout, checkin), the hold shelf
** and queues, a loan's "why", a member's circulation page for staff (loans,
** holds, fines, payments and waivers), and the member's own actions
** (renew, place and cancel holds).
*/
#include <stdio.h>
#include <string.h>

#include "cataloguing.h"
#include "circulation.h"
#include "web.h"

/* ---- the desk ---- */

/* The rule or setting behind a refusal, as "why" in view (see _why), with
** the address where an admin changes it. */
static void view_why(struct ctx *c, struct tv *view, const struct circ_why *w)
{
	if (w->kind == CIRC_WHY_NONE)
		return;
	struct tv *o = tv_set_obj(view, "why");
	tv_set_str(o, "what", w->what);
	tv_set_str(o, "limit", w->limit);
	if (w->kind == CIRC_WHY_SETTING) {
		tv_set_bool(o, "setting", true);
		tv_set_str(o, "url", "/admin/settings#limits");
		tv_set_str(o, "link", "Change it under Settings");
		return;
	}
	tv_set_bool(o, "rule", true);
	tv_set_str(o, "category", w->category);
	tv_set_str(o, "item_type", w->item_type);
	tv_set_bool(o, "removed", w->rule_id == 0);
	tv_set_str(o, "url", w->rule_id ? arena_printf(c->arena, "/admin/rules#rule-%lld",
		w->rule_id) : "/admin/rules");
	tv_set_str(o, "link", "See the rules");
}

/* A refused request of the staff as an error page with its why. */
static void staff_refusal(struct ctx *c, int status, const struct circ_result *r)
{
	view_why(c, web_error_view(c, status, r->message), &r->why);
	web_render(c, "error", status);
}

/* The receipt of a checkout or checkin, from the loan row. */
static void view_loan_receipt(struct ctx *c, long long loan_id)
{
	sqlite3_stmt *st = db_query(c->db,
		"SELECT l.id, t.title, a.name, a.id, k.barcode, l.due_day, l.return_day, "
		"  coalesce(l.fine_cents, 0), k.status, k.id "
		"FROM loan l JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id "
		"JOIN account a ON a.id = l.account_id WHERE l.id = ?", "i", loan_id);
	if (!db_row(c->db, st))
		return;
	struct tv *r = tv_set_obj(c->view, "receipt");
	tv_set_int(r, "loan_id", db_col_int(st, 0));
	tv_set_str(r, "title", db_text(c->arena, st, 1));
	tv_set_str(r, "member", db_text(c->arena, st, 2));
	tv_set_int(r, "member_id", db_col_int(st, 3));
	tv_set_str(r, "barcode", db_text(c->arena, st, 4));
	tv_set_str(r, "due", web_day(c, db_text(c->arena, st, 5)));
	tv_set_str(r, "returned", db_text(c->arena, st, 6));
	long fine = (long)db_col_int(st, 7);
	if (fine)
		tv_set_str(r, "fine", circ_money(c->arena, fine));
	bool on_hold_shelf = !strcmp((const char *)sqlite3_column_text(st, 8), "on-hold-shelf");
	long long copy_id = db_col_int(st, 9);
	db_done(st);
	if (on_hold_shelf) {
		st = db_query(c->db, "SELECT a.name, h.pickup_by FROM hold h JOIN account a "
			"ON a.id = h.account_id WHERE h.copy_id = ? AND h.status = 'ready'", "i", copy_id);
		if (db_row(c->db, st)) {
			tv_set_str(r, "held_for", db_text(c->arena, st, 0));
			tv_set_str(r, "pickup_by", web_day(c, db_text(c->arena, st, 1)));
			db_done(st);
		}
	}
}

/* A desk page: the form, and the receipt of ?loan= or the refusal r. */
static void desk_page(struct ctx *c, const char *page, const char *member,
	const char *barcode, const struct circ_result *r, int status)
{
	web_form_token(c);
	tv_set_str(c->view, "member", member ? member : "");
	tv_set_str(c->view, "barcode", barcode ? barcode : "");
	if (r) {
		tv_set_str(c->view, "refusal", r->message);
		view_why(c, c->view, &r->why);
	}
	long long loan = valid_id(http_query(c->req, "loan"));
	if (loan && !r)
		view_loan_receipt(c, loan);
	web_render(c, page, status);
}

void page_circ_checkout_form(struct ctx *c)
{
	desk_page(c, "staff_checkout", http_query(c->req, "member"), NULL, NULL, 200);
}

void page_circ_checkout(struct ctx *c)
{
	const char *member = valid_trim(c->arena, http_form(c->req, "member"));
	const char *barcode = valid_trim(c->arena, http_form(c->req, "barcode"));
	long long member_id = circ_find_member(c->db, member);
	struct circ_result r;
	circ_checkout(c->db, c->arena, c->now, member_id, barcode, &r);
	if (r.code == CIRC_OK) {
		/* Keep the member in the form: the next item is usually theirs. */
		web_redirect(c, arena_printf(c->arena, "/staff/checkout?loan=%lld&member=%s",
			r.loan_id, http_url_encode(c->arena, member)));
		return;
	}
	desk_page(c, "staff_checkout", member, barcode, &r, r.code == CIRC_ERROR ? 500 : 422);
}

void page_circ_checkin_form(struct ctx *c)
{
	desk_page(c, "staff_checkin", NULL, NULL, NULL, 200);
}

void page_circ_checkin(struct ctx *c)
{
	const char *barcode = valid_trim(c->arena, http_form(c->req, "barcode"));
	struct circ_result r;
	circ_checkin(c->db, c->arena, c->now, barcode, &r);
	if (r.code == CIRC_OK) {
		web_redirect(c, arena_printf(c->arena, "/staff/checkin?loan=%lld", r.loan_id));
		return;
	}
	desk_page(c, "staff_checkin", NULL, barcode, &r, r.code == CIRC_ERROR ? 500 : 422);
}

/* ---- holds ---- */

void page_circ_holds(struct ctx *c)
{
	/* Uncollected holds pass their copy on before the shelf is shown. */
	circ_holds_expire(c->db, c->arena, c->now);
	struct tv *shelf = tv_set_list(c->view, "shelf");
	sqlite3_stmt *st = db_query(c->db,
		"SELECT h.id, t.id, t.title, a.id, a.name, k.barcode, h.ready_day, h.pickup_by "
		"FROM hold h JOIN title t ON t.id = h.title_id JOIN account a ON a.id = h.account_id "
		"JOIN copy k ON k.id = h.copy_id WHERE h.status = 'ready' ORDER BY h.pickup_by, h.id", NULL);
	while (db_row(c->db, st)) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", db_col_int(st, 0));
		tv_set_int(o, "title_id", db_col_int(st, 1));
		tv_set_str(o, "title", db_text(c->arena, st, 2));
		tv_set_int(o, "member_id", db_col_int(st, 3));
		tv_set_str(o, "member", db_text(c->arena, st, 4));
		tv_set_str(o, "barcode", db_text(c->arena, st, 5));
		tv_set_str(o, "ready", db_text(c->arena, st, 6));
		tv_set_str(o, "pickup_by", web_day(c, db_text(c->arena, st, 7)));
		tv_push(shelf, o);
	}
	struct tv *queue = tv_set_list(c->view, "queue");
	st = db_query(c->db,
		"SELECT q.id, t.id, t.title, a.id, a.name, q.placed_at, q.place "
		"FROM waiting_hold q JOIN title t ON t.id = q.title_id JOIN account a ON a.id = q.account_id "
		"ORDER BY t.title, q.place LIMIT 500", NULL);
	while (db_row(c->db, st)) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", db_col_int(st, 0));
		tv_set_int(o, "title_id", db_col_int(st, 1));
		tv_set_str(o, "title", db_text(c->arena, st, 2));
		tv_set_int(o, "member_id", db_col_int(st, 3));
		tv_set_str(o, "member", db_text(c->arena, st, 4));
		tv_set_str(o, "placed", web_date(c, db_col_int(st, 5)));
		tv_set_int(o, "place", db_col_int(st, 6));
		tv_push(queue, o);
	}
	web_form_token(c);
	web_render(c, "staff_holds", 200);
}

void page_circ_hold_cancel_staff(struct ctx *c)
{
	struct circ_result r;
	circ_hold_cancel(c->db, c->arena, c->now, valid_id(c->req->params[0]), 0, &r);
	if (r.code == CIRC_OK)
		web_redirect(c, "/staff/holds");
	else
		web_error(c, r.code == CIRC_NOT_FOUND ? 404 : 500, r.message);
}

/* ---- a loan's "why" ---- */

void page_circ_loan(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	sqlite3_stmt *st = db_query(c->db,
		"SELECT l.id, t.title, a.name, a.id, a.category, k.barcode, k.item_type, l.loan_day, "
		"  l.due_day, l.renewals, l.last_renewed_day, coalesce(l.return_day, ''), "
		"  l.rule_category, l.rule_item_type, l.loan_days, l.max_renewals, "
		"  l.fine_per_day_cents, l.grace_days, l.fine_cap_cents, l.closed_skipped, "
		"  l.fine_cents, l.rule_id "
		"FROM loan l JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id "
		"JOIN account a ON a.id = l.account_id WHERE l.id = ?", "i", id);
	if (!db_row(c->db, st)) {
		web_error(c, 404, "There is no such loan.");
		return;
	}
	struct tv *v = tv_set_obj(c->view, "loan");
	static const char *const text_cols[] = {
		NULL, "title", "member", NULL, "category", "barcode", "item_type", "loan_day",
		"due_day", NULL, "renewed_day", "return_day", "rule_category", "rule_item_type",
	};
	for (int i = 0; i < 14; i++)
		if (text_cols[i])
			tv_set_str(v, text_cols[i], db_text(c->arena, st, i));
	tv_set_int(v, "id", db_col_int(st, 0));
	tv_set_int(v, "member_id", db_col_int(st, 3));
	tv_set_int(v, "renewals", db_col_int(st, 9));
	tv_set_int(v, "loan_days", db_col_int(st, 14));
	tv_set_int(v, "max_renewals", db_col_int(st, 15));
	tv_set_str(v, "per_day", circ_money(c->arena, (long)db_col_int(st, 16)));
	tv_set_int(v, "grace_days", db_col_int(st, 17));
	tv_set_str(v, "cap", circ_money(c->arena, (long)db_col_int(st, 18)));
	tv_set_int(v, "closed_skipped", db_col_int(st, 19));
	bool returned = sqlite3_column_type(st, 20) != SQLITE_NULL;
	if (returned)
		tv_set_str(v, "fixed_fine", circ_money(c->arena, (long)db_col_int(st, 20)));
	tv_set_bool(v, "rule_changed", sqlite3_column_type(st, 21) == SQLITE_NULL);
	db_done(st);
	if (!returned) {
		struct fine_calc f;
		long recorded;
		if (circ_loan_fine_now(c->db, c->arena, id, c->now, &f, &recorded) == 0) {
			struct tv *fv = tv_set_obj(v, "fine_now");
			tv_set_str(fv, "cents", circ_money(c->arena, f.cents));
			if (recorded)
				tv_set_str(fv, "recorded", circ_money(c->arena, recorded));
			tv_set_int(fv, "days_late", f.days_late);
			tv_set_int(fv, "days_charged", f.days_charged);
			tv_set_int(fv, "closed_skipped", f.closed_skipped);
			tv_set_bool(fv, "in_grace", f.in_grace);
			tv_set_bool(fv, "capped", f.capped);
		}
		char today[11];
		cal_format(cal_day_of(c->now), today);
		tv_set_str(v, "today", today);
	}
	web_form_token(c);
	web_render(c, "staff_loan", 200);
}

void page_circ_loan_renew_staff(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	struct circ_result r;
	circ_renew(c->db, c->arena, c->now, id, 0, &r);
	if (r.code == CIRC_OK) {
		long long member = db_int(c->db, 0, "SELECT account_id FROM loan WHERE id = ?", "i", id);
		web_redirect(c, arena_printf(c->arena, "/staff/members/%lld?done=renewed", member));
		return;
	}
	staff_refusal(c, r.code == CIRC_NOT_FOUND ? 404 : r.code == CIRC_ERROR ? 500 : 409, &r);
}

/* ---- a member, for staff ---- */

/* Loans, holds and fines of a member into the view (shared with /account). */
void circ_view_member(struct ctx *c, long long member_id, bool staff)
{
	/* A hold not collected in time is not shown as waiting on the shelf. */
	circ_holds_expire(c->db, c->arena, c->now);
	char today_s[11];
	cal_format(cal_day_of(c->now), today_s);
	tv_set_bool(c->view, "staff_view", staff);
	struct tv *loans = tv_set_list(c->view, "loans");
	sqlite3_stmt *st = db_query(c->db,
		"SELECT l.id, t.id, t.title, k.barcode, l.due_day, l.renewals, l.max_renewals "
		"FROM loan l JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id "
		"WHERE l.account_id = ? AND l.returned_at IS NULL ORDER BY l.due_day, l.id",
		"i", member_id);
	while (db_row(c->db, st)) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", db_col_int(st, 0));
		tv_set_int(o, "title_id", db_col_int(st, 1));
		tv_set_str(o, "title", db_text(c->arena, st, 2));
		tv_set_str(o, "barcode", db_text(c->arena, st, 3));
		const char *due = db_text(c->arena, st, 4);
		tv_set_str(o, "due", web_day(c, due));
		tv_set_bool(o, "overdue", strcmp(due, today_s) < 0);
		tv_set_int(o, "renewals", db_col_int(st, 5));
		tv_set_int(o, "max_renewals", db_col_int(st, 6));
		tv_set_bool(o, "staff", staff);
		tv_push(loans, o);
	}
	struct tv *holds = tv_set_list(c->view, "holds");
	st = db_query(c->db,
		"SELECT h.id, t.id, t.title, h.status, coalesce(h.pickup_by, ''), "
		"  coalesce(q.place, 0) "
		"FROM hold h JOIN title t ON t.id = h.title_id LEFT JOIN waiting_hold q ON q.id = h.id "
		"WHERE h.account_id = ? AND h.status IN ('waiting', 'ready') ORDER BY h.placed_at",
		"i", member_id);
	while (db_row(c->db, st)) {
		struct tv *o = tv_obj(c->arena);
		long long hold_id = db_col_int(st, 0);
		tv_set_int(o, "id", hold_id);
		tv_set_int(o, "title_id", db_col_int(st, 1));
		tv_set_str(o, "title", db_text(c->arena, st, 2));
		bool ready = !strcmp((const char *)sqlite3_column_text(st, 3), "ready");
		tv_set_bool(o, "ready", ready);
		tv_set_str(o, "pickup_by", web_day(c, db_text(c->arena, st, 4)));
		tv_set_int(o, "place", db_col_int(st, 5));
		tv_push(holds, o);
	}
	struct circ_fines fines;
	circ_fines(c->db, c->arena, member_id, c->now, &fines);
	tv_set_str(c->view, "balance", circ_money(c->arena, fines.recorded_cents));
	tv_set_bool(c->view, "owes", fines.recorded_cents > 0);
	if (fines.accruing_cents > 0) {
		tv_set_str(c->view, "accruing", circ_money(c->arena, fines.accruing_cents));
		tv_set_str(c->view, "owed_now", circ_money(c->arena, fines.owed_cents));
	}
	struct circ_why why;
	const char *blocked = circ_blocked(c->db, c->arena, member_id, c->now, &why);
	if (blocked)
		tv_set_str(c->view, "blocked", web_message(c, blocked));
	if (blocked && staff)
		view_why(c, c->view, &why);
	struct tv *ledger = tv_set_list(c->view, "ledger");
	st = db_query(c->db, "SELECT at, kind, amount_cents, reason FROM fine WHERE account_id = ? "
		"ORDER BY at DESC, id DESC LIMIT 50", "i", member_id);
	while (db_row(c->db, st)) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "date", web_date(c, db_col_int(st, 0)));
		tv_set_str(o, "kind", db_text(c->arena, st, 1));
		tv_set_str(o, "amount", circ_money(c->arena, (long)db_col_int(st, 2)));
		tv_set_str(o, "reason", db_text(c->arena, st, 3));
		tv_push(ledger, o);
	}
}

/* ---- the member's own actions ---- */

void page_circ_renew_own(struct ctx *c)
{
	struct circ_result r;
	circ_renew(c->db, c->arena, c->now, valid_id(c->req->params[0]), c->sess.account_id, &r);
	if (r.code == CIRC_OK) {
		web_redirect(c, "/account?done=renewed");
		return;
	}
	web_error(c, r.code == CIRC_NOT_FOUND ? 404 : r.code == CIRC_ERROR ? 500
		: r.code == CIRC_NOT_YOURS ? 403 : 409, r.message);
}

void page_circ_hold_place(struct ctx *c)
{
	long long title_id = valid_id(c->req->params[0]);
	struct circ_result r;
	circ_hold_place(c->db, c->arena, c->now, title_id, c->sess.account_id, &r);
	if (r.code == CIRC_OK) {
		web_redirect(c, "/account?done=hold");
		return;
	}
	web_error(c, r.code == CIRC_NOT_FOUND ? 404 : r.code == CIRC_ERROR ? 500 : 409, r.message);
}

void page_circ_hold_cancel_own(struct ctx *c)
{
	struct circ_result r;
	circ_hold_cancel(c->db, c->arena, c->now, valid_id(c->req->params[0]),
		c->sess.account_id, &r);
	if (r.code == CIRC_OK) {
		web_redirect(c, "/account?done=cancelled");
		return;
	}
	web_error(c, r.code == CIRC_NOT_FOUND ? 404 : r.code == CIRC_NOT_YOURS ? 403 : 500,
		r.message);
}

void page_circ_history(struct ctx *c)
{
	struct tv *list = tv_set_list(c->view, "past");
	sqlite3_stmt *st = db_query(c->db,
		"SELECT t.id, t.title, l.loan_day, l.return_day, coalesce(l.fine_cents, 0) "
		"FROM loan l JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id "
		"WHERE l.account_id = ? AND l.returned_at IS NOT NULL "
		"ORDER BY l.returned_at DESC, l.id DESC LIMIT 200", "i", c->sess.account_id);
	while (db_row(c->db, st)) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "title_id", db_col_int(st, 0));
		tv_set_str(o, "title", db_text(c->arena, st, 1));
		tv_set_str(o, "loaned", db_text(c->arena, st, 2));
		tv_set_str(o, "returned", db_text(c->arena, st, 3));
		long fine = (long)db_col_int(st, 4);
		if (fine)
			tv_set_str(o, "fine", circ_money(c->arena, fine));
		tv_push(list, o);
	}
	web_render(c, "history", 200);
}
