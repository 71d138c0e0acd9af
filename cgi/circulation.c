/*
** circulation.c: the circulation desk (finding the member, their summary,
** checkout, checkin, printable slips, the overdue list), the hold shelf
** and queues, a loan's "why", a member's circulation page for staff (loans,
** holds, fines, payments and waivers), and the member's own actions
** (renew, place and cancel holds).
*/
#include <stdio.h>
#include <string.h>

#include "cataloguing.h"
#include "circulation.h"
#include "desk.h"
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
	lists_view_names(c, o, "category", "item_type");
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

/* The receipt of a checkout or checkin (?loan=), with its slip's address. */
static void view_loan_receipt(struct ctx *c, long long loan_id)
{
	struct desk_receipt d;
	if (desk_loan_receipt(c->db, c->arena, loan_id, &d))
		return;
	struct tv *r = tv_set_obj(c->view, "receipt");
	tv_set_int(r, "loan_id", d.loan_id);
	tv_set_str(r, "title", d.title);
	tv_set_str(r, "member", d.member);
	tv_set_int(r, "member_id", d.member_id);
	tv_set_str(r, "barcode", d.barcode);
	tv_set_str(r, "due", web_day(c, d.due));
	tv_set_str(r, "returned", web_day(c, d.returned));
	if (d.fine_cents)
		tv_set_str(r, "fine", web_money(c, d.fine_cents));
	if (d.hold_id) {
		tv_set_int(r, "hold_id", d.hold_id);
		tv_set_str(r, "held_for", d.held_for);
		tv_set_str(r, "pickup_by", web_day(c, d.pickup_by));
	}
}

/* The member chosen at the desk, summed up before lending, as "chosen". */
static bool view_member_summary(struct ctx *c, long long member_id)
{
	struct desk_summary s;
	if (desk_member_summary(c->db, c->arena, member_id, c->now, &s))
		return false;
	struct tv *o = tv_set_obj(c->view, "chosen");
	tv_set_int(o, "id", s.id);
	tv_set_str(o, "name", s.name);
	tv_set_str(o, "email", s.email);
	tv_set_str(o, "phone", s.phone);
	tv_set_str(o, "card", s.card);
	tv_set_str(o, "category", s.category);
	tv_set_str(o, "notes", s.notes);
	tv_set_str(o, "status", s.membership.label);
	tv_set_bool(o, "is_active", s.membership.standing == STANDING_ACTIVE);
	tv_set_str(o, "until", web_day(c, s.membership.until));
	tv_set_str(o, "plan", s.membership.plan_name);
	tv_set_int(o, "loans_out", s.loans_out);
	tv_set_int(o, "overdue", s.overdue);
	tv_set_bool(o, "has_overdue", s.overdue > 0);
	tv_set_int(o, "holds_ready", s.holds_ready);
	tv_set_bool(o, "has_holds_ready", s.holds_ready > 0);
	tv_set_str(o, "owed", web_money(c, s.owed_cents));
	tv_set_bool(o, "owes", s.owed_cents > 0);
	if (s.blocked)
		tv_set_str(o, "blocked", s.blocked);
	return true;
}

/* The pick list when several members match what was typed. */
static void view_matches(struct ctx *c, const struct desk_match *m, int shown, int total)
{
	struct tv *list = tv_set_list(c->view, "matches");
	for (int i = 0; i < shown; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", m[i].id);
		tv_set_str(o, "name", m[i].name);
		tv_set_str(o, "email", m[i].email);
		tv_set_str(o, "card", m[i].card);
		tv_set_str(o, "status", m[i].status);
		tv_push(list, o);
	}
	tv_set_bool(c->view, "has_matches", shown > 0);
	tv_set_int(c->view, "match_count", shown);
	tv_set_bool(c->view, "more_matches", total > shown);
}

/* What the desk made of the member field: one member, several, or none. */
struct desk_lookup {
	long long member_id;       /* the one member, or 0 */
	struct desk_match matches[DESK_MAX_MATCHES];
	int count;                 /* how many matched */
};

/* The member a form or address names: the chosen member_id when it is
** one, else the members what was typed matches. */
static void look_up_member(struct ctx *c, const char *chosen_id, const char *typed,
	struct desk_lookup *out)
{
	out->member_id = 0;
	out->count = 0;
	long long id = valid_id(chosen_id);
	if (id && desk_member_exists(c->db, id)) {
		out->member_id = id;
		out->count = 1;
		return;
	}
	out->count = desk_find_members(c->db, c->arena, typed, cal_day_of(c->now),
		out->matches, DESK_MAX_MATCHES);
	if (out->count == 1)
		out->member_id = out->matches[0].id;
}

/* The checkout page: the member field (or the chosen member's summary),
** the barcode, the pick list of a lookup, the receipt of ?loan=, and the
** refusal r or member_error. */
static void checkout_page(struct ctx *c, const char *typed, const char *barcode,
	const struct desk_lookup *who, const char *member_error,
	const struct circ_result *r, int status)
{
	web_form_token(c);
	tv_set_str(c->view, "member", typed ? typed : "");
	tv_set_str(c->view, "barcode", barcode ? barcode : "");
	if (who && who->member_id)
		view_member_summary(c, who->member_id);
	else if (who && who->count > 1)
		view_matches(c, who->matches, who->count < DESK_MAX_MATCHES ? who->count
			: DESK_MAX_MATCHES, who->count);
	if (member_error)
		tv_set_str(c->view, "member_error", member_error);
	if (r) {
		tv_set_str(c->view, "refusal", r->message);
		view_why(c, c->view, &r->why);
	}
	long long loan = valid_id(http_query(c->req, "loan"));
	if (loan && !r)
		view_loan_receipt(c, loan);
	web_render(c, "staff_checkout", status);
}

static const char *no_member_match(const char *typed)
{
	if (!typed || !*typed)
		return "Type the member's name, email address or card number.";
	return "No member has that name, email address or card number.";
}

void page_circ_checkout_form(struct ctx *c)
{
	/* ?member= is a member's number (after a checkout, or chosen from the
	** pick list) or what a librarian typed to look them up. */
	const char *asked = valid_trim(c->arena, http_query(c->req, "member"));
	struct desk_lookup who = { .count = 0 };
	const char *error = NULL;
	const char *typed = asked;
	if (*asked) {
		look_up_member(c, asked, asked, &who);
		if (who.count == 0)
			error = no_member_match(asked);
		if (who.member_id)
			typed = "";
	}
	checkout_page(c, typed, "", &who, error, NULL, 200);
}

void page_circ_checkout(struct ctx *c)
{
	const char *typed = valid_trim(c->arena, http_form(c->req, "member"));
	const char *barcode = valid_trim(c->arena, http_form(c->req, "barcode"));
	struct desk_lookup who;
	look_up_member(c, http_form(c->req, "member_id"), typed, &who);
	if (who.count == 0) {
		struct circ_result none = { .code = CIRC_UNKNOWN_MEMBER,
			.message = no_member_match(typed) };
		checkout_page(c, typed, barcode, &who, none.message, &none, 422);
		return;
	}
	if (!who.member_id) {
		/* Several match: nothing is lent until one is chosen. */
		checkout_page(c, typed, barcode, &who, NULL, NULL, 409);
		return;
	}
	if (!*barcode) {
		web_redirect(c, arena_printf(c->arena, "/staff/checkout?member=%lld",
			who.member_id));
		return;
	}
	struct circ_result r;
	circ_checkout(c->db, c->arena, c->now, who.member_id, barcode, &r);
	if (r.code == CIRC_OK) {
		/* Keep the member: the next item is usually theirs. */
		web_redirect(c, arena_printf(c->arena, "/staff/checkout?member=%lld&loan=%lld",
			who.member_id, r.loan_id));
		return;
	}
	checkout_page(c, "", barcode, &who, NULL, &r, r.code == CIRC_ERROR ? 500 : 422);
}

/* The checkin page: the form, and the receipt of ?loan= or the refusal r. */
static void checkin_page(struct ctx *c, const char *barcode, const struct circ_result *r,
	int status)
{
	web_form_token(c);
	tv_set_str(c->view, "barcode", barcode ? barcode : "");
	if (r) {
		tv_set_str(c->view, "refusal", r->message);
		view_why(c, c->view, &r->why);
	}
	long long loan = valid_id(http_query(c->req, "loan"));
	if (loan && !r)
		view_loan_receipt(c, loan);
	web_render(c, "staff_checkin", status);
}

void page_circ_checkin_form(struct ctx *c)
{
	checkin_page(c, NULL, NULL, 200);
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
	checkin_page(c, barcode, &r, r.code == CIRC_ERROR ? 500 : 422);
}

/* The member's staff notes, changed from the desk's summary. */
void page_circ_member_notes(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	const char *notes = valid_trim(c->arena, http_form(c->req, "notes"));
	if (!desk_member_exists(c->db, id)) {
		web_error(c, 404, "There is no member with that number.");
		return;
	}
	if (strlen(notes) > DESK_NOTES_MAX) {
		struct desk_lookup who = { .member_id = id, .count = 1 };
		tv_set_str(c->view, "notes_error", "Notes can be at most 2000 characters.");
		tv_set_str(c->view, "notes_typed", notes);
		checkout_page(c, "", "", &who, NULL, NULL, 422);
		return;
	}
	if (desk_set_notes(c->db, id, notes, c->sess.account_id, c->now)) {
		web_error(c, 500, "The notes could not be saved just now. Please try again.");
		return;
	}
	web_redirect(c, arena_printf(c->arena, "/staff/checkout?member=%lld", id));
}

/* ---- loans out and overdue ---- */

#define LOANS_OUT_PER_PAGE 50

/* One loan of a list (/staff/loans, /staff/overdue) pushed onto list, the
** fields both lists show set; returned for the list's own. */
static struct tv *loan_line(struct ctx *c, struct tv *list, long long loan_id,
	long long member_id, const char *title, const char *barcode, const char *member,
	const char *due)
{
	struct tv *o = tv_obj(c->arena);
	tv_set_int(o, "loan_id", loan_id);
	tv_set_int(o, "member_id", member_id);
	tv_set_str(o, "title", title);
	tv_set_str(o, "barcode", barcode);
	tv_set_str(o, "member", member);
	tv_set_str(o, "due", web_day(c, due));
	tv_push(list, o);
	return o;
}

/* Every loan out, soonest due first, a page at a time. */
void page_circ_loans(struct ctx *c)
{
	long page = web_page_param(c), total = 0;
	struct desk_loan_out *rows;
	int n = desk_loans_out(c->db, c->arena, c->now, page, LOANS_OUT_PER_PAGE, &rows, &total);
	if (n >= 0 && page > web_page_last(total, LOANS_OUT_PER_PAGE) && total) {
		page = web_page_last(total, LOANS_OUT_PER_PAGE);
		n = desk_loans_out(c->db, c->arena, c->now, page, LOANS_OUT_PER_PAGE, &rows, &total);
	}
	if (n < 0) {
		web_error(c, 500, "The loans could not be read just now. Please try again.");
		return;
	}
	struct tv *list = tv_set_list(c->view, "loans");
	for (int i = 0; i < n; i++)
		tv_set_bool(loan_line(c, list, rows[i].loan_id, rows[i].member_id, rows[i].title,
			rows[i].barcode, rows[i].member, rows[i].due), "overdue", rows[i].overdue);
	tv_set_str(c->view, "total_text", web_count(c, total, "loan is out", "loans are out"));
	web_pager(c, "/staff/loans", page, total, LOANS_OUT_PER_PAGE);
	web_render(c, "staff_loans", 200);
}

void page_circ_overdue(struct ctx *c)
{
	struct desk_overdue *rows;
	int n = desk_overdue_list(c->db, c->arena, c->now, &rows);
	if (n < 0) {
		web_error(c, 500, "The overdue list could not be read just now. Please try again.");
		return;
	}
	struct tv *list = tv_set_list(c->view, "overdue");
	/* Most overdue first: the list comes by due day, oldest first. */
	for (int i = 0; i < n; i++) {
		struct tv *o = loan_line(c, list, rows[i].loan_id, rows[i].member_id, rows[i].title,
			rows[i].barcode, rows[i].member, rows[i].due);
		tv_set_str(o, "email", rows[i].email);
		tv_set_str(o, "phone", rows[i].phone);
		tv_set_int(o, "days", rows[i].days_overdue);
		tv_set_bool(o, "one_day", rows[i].days_overdue == 1);
		tv_set_str(o, "fine", web_money(c, rows[i].fine_cents));
	}
	tv_set_int(c->view, "count", n);
	tv_set_bool(c->view, "any", n > 0);
	tv_set_bool(c->view, "one", n == 1);
	char today[11];
	cal_format(cal_day_of(c->now), today);
	tv_set_str(c->view, "today", today);
	web_render(c, "staff_overdue", 200);
}

/* ---- printable slips ---- */

static void view_slip_heading(struct ctx *c)
{
	char today[11];
	cal_format(cal_day_of(c->now), today);
	tv_set_str(c->view, "library", desk_library_name(c->db, c->arena));
	tv_set_str(c->view, "date", web_day(c, today));
}

/* The checkout receipt: the member's loans made today. */
void page_circ_checkout_slip(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	struct desk_summary s;
	if (desk_member_summary(c->db, c->arena, id, c->now, &s)) {
		web_error(c, 404, "There is no member with that number.");
		return;
	}
	struct desk_slip_loan *loans;
	int n = desk_loans_made_on(c->db, c->arena, id, cal_day_of(c->now), &loans);
	view_slip_heading(c);
	tv_set_int(c->view, "member_id", id);
	tv_set_str(c->view, "member", s.name);
	tv_set_str(c->view, "card", s.card);
	struct tv *list = tv_set_list(c->view, "items");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "title", loans[i].title);
		tv_set_str(o, "barcode", loans[i].barcode);
		tv_set_str(o, "due", web_day(c, loans[i].due));
		tv_push(list, o);
	}
	tv_set_int(c->view, "count", n);
	tv_set_bool(c->view, "any", n > 0);
	tv_set_bool(c->view, "one", n == 1);
	web_render(c, "slip_checkout", 200);
}

/* The slip that goes in a copy put on the hold shelf. */
void page_circ_hold_slip(struct ctx *c)
{
	struct desk_hold_slip h;
	if (desk_hold_slip(c->db, c->arena, valid_id(c->req->params[0]), &h)) {
		web_error(c, 404, "That hold is not waiting on the hold shelf.");
		return;
	}
	view_slip_heading(c);
	struct tv *o = tv_set_obj(c->view, "hold");
	tv_set_int(o, "member_id", h.member_id);
	tv_set_str(o, "member", h.member);
	tv_set_str(o, "card", h.card);
	tv_set_str(o, "title", h.title);
	tv_set_str(o, "barcode", h.barcode);
	tv_set_str(o, "ready", web_day(c, h.ready));
	tv_set_str(o, "pickup_by", web_day(c, h.pickup_by));
	web_render(c, "slip_hold", 200);
}

/* ---- holds ---- */

void page_circ_holds(struct ctx *c)
{
	/* Uncollected holds pass their copy on before the shelf is shown. */
	circ_holds_expire(c->db, c->arena, c->now);
	struct desk_shelf_hold *shelf;
	int n = desk_hold_shelf(c->db, c->arena, &shelf);
	struct tv *list = tv_set_list(c->view, "shelf");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", shelf[i].id);
		tv_set_int(o, "title_id", shelf[i].title_id);
		tv_set_str(o, "title", shelf[i].title);
		tv_set_int(o, "member_id", shelf[i].member_id);
		tv_set_str(o, "member", shelf[i].member);
		tv_set_str(o, "barcode", shelf[i].barcode);
		tv_set_str(o, "ready", web_day(c, shelf[i].ready));
		tv_set_str(o, "pickup_by", web_day(c, shelf[i].pickup_by));
		tv_push(list, o);
	}
	struct desk_queued_hold *queue;
	n = desk_hold_queues(c->db, c->arena, &queue);
	list = tv_set_list(c->view, "queue");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", queue[i].id);
		tv_set_int(o, "title_id", queue[i].title_id);
		tv_set_str(o, "title", queue[i].title);
		tv_set_int(o, "member_id", queue[i].member_id);
		tv_set_str(o, "member", queue[i].member);
		tv_set_str(o, "placed", web_date(c, queue[i].placed_at));
		tv_set_int(o, "place", queue[i].place);
		tv_push(list, o);
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

/* A count that a template tests with a section: a number is never falsy
** there (and a missing key would be looked up in the enclosing object), so
** none is the value false. */
static void set_count_or_false(struct tv *o, const char *key, long long n)
{
	if (n)
		tv_set_int(o, key, n);
	else
		tv_set_bool(o, key, false);
}

/* A refused renewal beside its loan's Renew button: the page showing the
** loan (circ_view_member, or the loan page) finds it under
** renew_refusal_<loan id>. */
static void view_renew_refusal(struct ctx *c, long long loan_id, const struct circ_result *r,
	bool staff)
{
	struct tv *o = tv_set_obj(c->view, arena_printf(c->arena, "renew_refusal_%lld", loan_id));
	tv_set_str(o, "message", web_message(c, r->message));
	if (staff)
		view_why(c, o, &r->why);
	if (!tv_get(o, "why"))
		tv_set_bool(o, "why", false);   /* not the page's own "why" */
	tv_set_bool(c->view, "renew_refused", true);
}

/* The loan's refusal (view_renew_refusal) as its "refusal", if any. */
static void attach_renew_refusal(struct ctx *c, struct tv *loan, long long loan_id)
{
	if (!tv_get(c->view, "renew_refused"))
		return;
	struct tv *refusal = tv_get(c->view, arena_printf(c->arena, "renew_refusal_%lld",
		loan_id));
	if (refusal)
		tv_set(loan, "refusal", refusal);
}

/* Answer a refused POST with the page it came from (rendered by its GET
** handler, which answers 200) under the refusal's status. */
static void answer_refused(struct ctx *c, page_fn page, int status)
{
	page(c);
	if (c->resp->status == 200)
		c->resp->status = status;
}

void page_circ_loan(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	struct desk_loan l;
	if (desk_loan_get(c->db, c->arena, id, &l)) {
		web_error(c, 404, "There is no such loan.");
		return;
	}
	struct tv *v = tv_set_obj(c->view, "loan");
	tv_set_int(v, "id", l.id);
	tv_set_str(v, "title", l.title);
	tv_set_str(v, "member", l.member);
	tv_set_int(v, "member_id", l.member_id);
	tv_set_str(v, "category", l.category);
	tv_set_str(v, "barcode", l.barcode);
	tv_set_str(v, "item_type", l.item_type);
	tv_set_str(v, "loan_day", web_day(c, l.loan_day));
	tv_set_str(v, "due_day", web_day(c, l.due_day));
	tv_set_str(v, "renewed_day", web_day(c, l.renewed_day));
	tv_set_str(v, "return_day", web_day(c, l.return_day));
	tv_set_str(v, "rule_category", l.rule_category);
	tv_set_str(v, "rule_item_type", l.rule_item_type);
	tv_set_int(v, "renewals", l.renewals);
	tv_set_int(v, "loan_days", l.loan_days);
	tv_set_int(v, "max_renewals", l.max_renewals);
	tv_set_str(v, "per_day", web_money(c, l.per_day_cents));
	tv_set_int(v, "grace_days", l.grace_days);
	tv_set_str(v, "grace_days_text", web_count(c, l.grace_days, "day", "days"));
	tv_set_str(v, "closed_skipped_days", web_count(c, l.closed_skipped, "day", "days"));
	tv_set_str(v, "cap", web_money(c, l.cap_cents));
	set_count_or_false(v, "closed_skipped", l.closed_skipped);
	if (l.returned)
		tv_set_str(v, "fixed_fine", web_money(c, l.fine_cents));
	tv_set_bool(v, "rule_changed", l.rule_removed);
	attach_renew_refusal(c, v, id);
	if (!l.returned) {
		struct fine_calc f;
		long recorded;
		if (circ_loan_fine_now(c->db, c->arena, id, c->now, &f, &recorded) == 0) {
			struct tv *fv = tv_set_obj(v, "fine_now");
			tv_set_str(fv, "cents", web_money(c, f.cents));
			if (recorded)
				tv_set_str(fv, "recorded", web_money(c, recorded));
			tv_set_int(fv, "days_late", f.days_late);
			tv_set_str(fv, "days_late_text", web_count(c, f.days_late, "day", "days"));
			tv_set_str(fv, "closed_skipped_text", web_count(c, f.closed_skipped,
				"closed day", "closed days"));
			tv_set_int(fv, "days_charged", f.days_charged);
			set_count_or_false(fv, "closed_skipped", f.closed_skipped);
			tv_set_bool(fv, "in_grace", f.in_grace);
			tv_set_bool(fv, "capped", f.capped);
		}
		char today[11];
		cal_format(cal_day_of(c->now), today);
		tv_set_str(v, "today", web_day(c, today));
	}
	lists_view_names(c, v, "rule_category", "rule_item_type");
	lists_view_names(c, v, "category", "item_type");
	static const char *const notices[][2] = { { "renewed", "The loan was renewed." } };
	web_done_notice(c, notices, 1);
	web_form_token(c);
	web_render(c, "staff_loan", 200);
}

void page_circ_loan_renew_staff(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	const char *from = http_form(c->req, "from");
	bool from_loan_page = from && !strcmp(from, "loan");
	long long member = db_int(c->db, 0, "SELECT account_id FROM loan WHERE id = ?", "i", id);
	struct circ_result r;
	circ_renew(c->db, c->arena, c->now, id, 0, &r);
	if (r.code == CIRC_OK) {
		web_redirect(c, from_loan_page
			? arena_printf(c->arena, "/staff/loans/%lld?done=renewed", id)
			: arena_printf(c->arena, "/staff/members/%lld?done=renewed", member));
		return;
	}
	if (r.code == CIRC_NOT_FOUND || r.code == CIRC_ERROR || !member) {
		staff_refusal(c, r.code == CIRC_NOT_FOUND ? 404 : 500, &r);
		return;
	}
	view_renew_refusal(c, id, &r, true);
	if (from_loan_page) {
		answer_refused(c, page_circ_loan, 409);
		return;
	}
	/* The member page reads its member from the address's first part. */
	c->req->params[0] = arena_printf(c->arena, "%lld", member);
	answer_refused(c, page_members_show, 409);
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
	struct desk_open_loan *out;
	int n = desk_open_loans(c->db, c->arena, member_id, &out);
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", out[i].id);
		tv_set_int(o, "title_id", out[i].title_id);
		tv_set_str(o, "title", out[i].title);
		tv_set_str(o, "barcode", out[i].barcode);
		tv_set_str(o, "due", web_day(c, out[i].due));
		tv_set_bool(o, "overdue", strcmp(out[i].due, today_s) < 0);
		tv_set_int(o, "renewals", out[i].renewals);
		tv_set_int(o, "max_renewals", out[i].max_renewals);
		tv_set_bool(o, "staff", staff);
		attach_renew_refusal(c, o, out[i].id);
		tv_push(loans, o);
	}
	struct tv *holds = tv_set_list(c->view, "holds");
	struct desk_member_hold *held;
	n = desk_member_holds(c->db, c->arena, member_id, &held);
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", held[i].id);
		tv_set_int(o, "title_id", held[i].title_id);
		tv_set_str(o, "title", held[i].title);
		tv_set_bool(o, "ready", held[i].ready);
		tv_set_str(o, "pickup_by", web_day(c, held[i].pickup_by));
		tv_set_int(o, "place", held[i].place);
		tv_push(holds, o);
	}
	struct circ_fines fines;
	circ_fines(c->db, c->arena, member_id, c->now, &fines);
	tv_set_str(c->view, "balance", web_money(c, fines.recorded_cents));
	tv_set_bool(c->view, "owes", fines.recorded_cents > 0);
	if (fines.accruing_cents > 0) {
		tv_set_str(c->view, "accruing", web_money(c, fines.accruing_cents));
		tv_set_str(c->view, "owed_now", web_money(c, fines.owed_cents));
	}
	struct circ_standing standing;
	if (!circ_may_borrow(c->db, c->arena, member_id, c->now, &standing))
		tv_set_str(c->view, "blocked", web_message(c, staff ? standing.for_staff : standing.for_member));
	if (!standing.may_borrow && staff)
		view_why(c, c->view, &standing.why);
	struct tv *ledger = tv_set_list(c->view, "ledger");
	struct desk_ledger_row *rows;
	n = desk_fine_ledger(c->db, c->arena, member_id, &rows);
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "date", web_date(c, rows[i].at));
		tv_set_str(o, "kind", rows[i].kind);
		tv_set_str(o, "amount", web_money(c, rows[i].amount_cents));
		tv_set_str(o, "reason", rows[i].reason);
		tv_push(ledger, o);
	}
}

/* ---- the member's own actions ---- */

void page_circ_renew_own(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	struct circ_result r;
	circ_renew(c->db, c->arena, c->now, id, c->sess.account_id, &r);
	if (r.code == CIRC_OK) {
		web_redirect(c, "/account?done=renewed");
		return;
	}
	if (r.code == CIRC_NOT_FOUND || r.code == CIRC_ERROR || r.code == CIRC_NOT_YOURS) {
		web_error(c, r.code == CIRC_NOT_FOUND ? 404 : r.code == CIRC_ERROR ? 500 : 403,
			r.message);
		return;
	}
	view_renew_refusal(c, id, &r, false);
	answer_refused(c, page_account_overview, 409);
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
	if (r.code == CIRC_NOT_FOUND || r.code == CIRC_ERROR) {
		web_error(c, r.code == CIRC_NOT_FOUND ? 404 : 500, r.message);
		return;
	}
	/* The title page again, its reason where the button was. */
	tv_set_str(c->view, "hold_refused", r.message);
	answer_refused(c, page_opac_title, 409);
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
	struct desk_past_loan *past;
	int n = desk_past_loans(c->db, c->arena, c->sess.account_id, 200, &past);
	struct tv *list = tv_set_list(c->view, "past");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "title_id", past[i].title_id);
		tv_set_str(o, "title", past[i].title);
		tv_set_str(o, "loaned", web_day(c, past[i].loaned));
		tv_set_str(o, "returned", web_day(c, past[i].returned));
		if (past[i].fine_cents)
			tv_set_str(o, "fine", web_money(c, past[i].fine_cents));
		tv_push(list, o);
	}
	web_render(c, "history", 200);
}
