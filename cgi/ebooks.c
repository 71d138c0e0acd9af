/*
** ebooks.c: e-book loans on the pages: the request on a title's page, the
** member's e-books on /account, the librarian's /staff/ebook-requests, the
** e-books on the staff member page, and the e-book rules on /admin/rules.
** The rules themselves are in lib/ebooks.c.
*/
#include <string.h>

#include "ebooks.h"
#include "lists.h"
#include "web.h"

#define STAFF_PER_PAGE 25
#define LIVE_SHOWN 100
#define RECENT_SHOWN 20
#define MEMBER_LOANS_SHOWN 200

/* Answer a refused POST with the page it came from (rendered by its GET
** handler, which answers 200) under the refusal's status. */
static void answer_refused(struct ctx *c, page_fn page, int status)
{
	page(c);
	if (c->resp->status == 200)
		c->resp->status = status;
}

static int refusal_status(enum ebook_code code)
{
	switch (code) {
	case EBOOK_INVALID: return 422;
	case EBOOK_REFUSED: return 409;
	case EBOOK_NOT_FOUND: return 404;
	case EBOOK_NOT_YOURS: return 403;
	default: return 500;
	}
}

/* One loan for a page: its dates and state in words. */
static struct tv *loan_view(struct ctx *c, const struct ebook_loan_row *l)
{
	struct tv *o = tv_obj(c->arena);
	tv_set_int(o, "id", l->id);
	tv_set_int(o, "title_id", l->title_id);
	tv_set_str(o, "title", l->title);
	tv_set_int(o, "member_id", l->account_id);
	tv_set_str(o, "member", l->member);
	tv_set_str(o, "card_number", l->card_number);
	tv_set_str(o, "status", ebooks_status_words(l->status, l->live));
	/* What was decided, for the list of decisions: a grant still running
	** was "granted". */
	tv_set_str(o, "outcome", l->live ? "granted" : ebooks_status_words(l->status, l->live));
	tv_set_str(o, "requested", web_date(c, l->requested_at));
	if (l->decided_at)
		tv_set_str(o, "decided", web_date(c, l->decided_at));
	/* A grant no librarian made was the auto-grant setting's. */
	bool auto_granted = l->decided_at && !*l->decided_by && l->access_until;
	tv_set_str(o, "decided_by", *l->decided_by ? l->decided_by
		: auto_granted ? "automatically" : "");
	if (l->access_until)
		tv_set_str(o, "until", web_date(c, l->access_until));
	if (l->ended_at)
		tv_set_str(o, "ended", web_date(c, l->ended_at));
	tv_set_str(o, "reason", l->reason);
	tv_set_bool(o, "live", l->live);
	tv_set_bool(o, "requested_state", !strcmp(l->status, "requested"));
	tv_set_str(o, "read_url", arena_printf(c->arena, "/ebooks/%lld/read", l->title_id));
	return o;
}

/* ---- the title page ---- */

void ebooks_view_title(struct ctx *c, long long title_id, bool is_ebook)
{
	const struct tv *posted = tv_get(c->view, "ebook_refused");
	if (!is_ebook && !posted)
		return;
	struct tv *o = tv_set_obj(c->view, "ebook_panel");
	tv_set_int(o, "title_id", title_id);
	/* A refused request of a print title (no form offers one) is answered
	** here all the same. */
	tv_set_bool(o, "lendable", !is_ebook || ebooks_lendable(c->db, title_id));
	const char *done = http_query(c->req, "ebook");
	if (done && !strcmp(done, "requested"))
		tv_set_str(o, "ebook_notice", "Your request was sent.");
	else if (done && !strcmp(done, "granted"))
		tv_set_str(o, "ebook_notice", "Your request was granted: you can read the e-book now.");
	if (!c->sess.valid)
		return;
	struct ebook_loan_row l;
	if (ebooks_member_title_loan(c->db, c->arena, c->sess.account_id, title_id, c->now, &l) == 0
	    && (l.live || !strcmp(l.status, "requested"))) {
		tv_set(o, "loan", loan_view(c, &l));
		return;
	}
	struct ebook_result r;
	ebooks_request_check(c->db, c->arena, c->now, title_id, c->sess.account_id, &r);
	if (posted || r.code != EBOOK_OK) {
		tv_set_str(o, "refusal", web_message(c, posted ? posted->s : r.message));
		tv_set_bool(o, "refused_now", posted != NULL);
	}
	tv_set_bool(o, "can_request", r.code == EBOOK_OK && !posted);
}

void page_ebooks_request(struct ctx *c)
{
	long long title_id = valid_id(c->req->params[0]);
	struct ebook_result r;
	ebooks_request(c->db, c->arena, c->now, title_id, c->sess.account_id, &r);
	if (r.code == EBOOK_OK) {
		web_redirect(c, arena_printf(c->arena, "/titles/%lld?ebook=%s#ebook", title_id,
			r.granted ? "granted" : "requested"));
		return;
	}
	if (r.code == EBOOK_NOT_FOUND || r.code == EBOOK_ERROR) {
		web_error(c, refusal_status(r.code), r.message);
		return;
	}
	tv_set_str(c->view, "ebook_refused", r.message);
	answer_refused(c, page_opac_title, 409);
}

/* ---- the member's account ---- */

/* A refusal of a member's return or cancel, shown beside that loan. */
static long long refused_loan_id;
static const char *refused_loan_message;

void ebooks_view_account(struct ctx *c, long long account_id, bool staff)
{
	struct ebook_loan_row *rows;
	int n = ebooks_member_loans(c->db, c->arena, account_id, c->now, MEMBER_LOANS_SHOWN, &rows);
	struct tv *o = tv_set_obj(c->view, "ebooks");
	tv_set_bool(o, "staff", staff);
	struct tv *requested = tv_set_list(o, "requested");
	struct tv *granted = tv_set_list(o, "granted");
	struct tv *history = tv_set_list(o, "history");
	for (int i = 0; i < n; i++) {
		struct tv *v = loan_view(c, &rows[i]);
		if (rows[i].id == refused_loan_id && refused_loan_message)
			tv_set_str(v, "refusal", web_message(c, refused_loan_message));
		if (!strcmp(rows[i].status, "requested"))
			tv_push(requested, v);
		else if (rows[i].live)
			tv_push(granted, v);
		else
			tv_push(history, v);
	}
	tv_set_bool(o, "has_requested", requested->len > 0);
	tv_set_bool(o, "has_granted", granted->len > 0);
	tv_set_bool(o, "has_history", history->len > 0);
	tv_set_bool(o, "has_any", n > 0);
	struct ebook_rule rule;
	const char *category = "*";
	sqlite3_stmt *st = db_query(c->db, "SELECT category FROM account WHERE id = ?", "i",
		account_id);
	if (st && db_row(c->db, st)) {
		category = db_text(c->arena, st, 0);
		db_done(st);
	}
	ebooks_rule_for(c->db, c->arena, category, &rule);
	tv_set_int(o, "open", ebooks_open_count(c->db, account_id, c->now));
	tv_set_int(o, "max_active", rule.max_active);
	tv_set_int(o, "loan_days", rule.loan_days);
	if (staff)
		return;
	static const char *const done[][2] = {
		{ "returned", "The e-book was returned. Thank you." },
		{ "cancelled", "Your e-book request was cancelled." },
	};
	const char *key = http_query(c->req, "ebook");
	for (size_t i = 0; key && i < sizeof done / sizeof done[0]; i++)
		if (!strcmp(key, done[i][0]))
			tv_set_str(o, "ebook_notice", done[i][1]);
}

typedef void (*member_change_fn)(struct db *db, struct arena *a, time_t now,
	long long loan_id, long long member_id, struct ebook_result *r);

static void member_change(struct ctx *c, member_change_fn change, const char *done)
{
	long long id = valid_id(c->req->params[0]);
	struct ebook_result r;
	change(c->db, c->arena, c->now, id, c->sess.account_id, &r);
	if (r.code == EBOOK_OK) {
		web_redirect(c, arena_printf(c->arena, "/account?ebook=%s#ebooks", done));
		return;
	}
	if (r.code != EBOOK_REFUSED) {
		web_error(c, refusal_status(r.code), r.message);
		return;
	}
	refused_loan_id = id;
	refused_loan_message = r.message;
	answer_refused(c, page_account_overview, 409);
	refused_loan_id = 0;
	refused_loan_message = NULL;
}

void page_ebooks_return_own(struct ctx *c)
{
	member_change(c, ebooks_return, "returned");
}

void page_ebooks_cancel_own(struct ctx *c)
{
	member_change(c, ebooks_cancel, "cancelled");
}

/* ---- the librarian's requests ---- */

/* A refused decision: the loan, what was typed and why. */
struct decision_refusal {
	long long loan_id;
	const char *reason, *message;
};

static void staff_list(struct ctx *c, const char *key, enum ebook_list which, long page,
	long per_page, const struct decision_refusal *refused, long *total)
{
	struct ebook_loan_row *rows;
	int n = ebooks_staff_list(c->db, c->arena, which, c->now, page, per_page, &rows, total);
	struct tv *list = tv_set_list(c->view, key);
	for (int i = 0; i < n; i++) {
		struct tv *o = loan_view(c, &rows[i]);
		tv_set_int(o, "open", rows[i].open_count);
		tv_set_int(o, "max_active", rows[i].max_active);
		tv_set_bool(o, "at_limit", rows[i].open_count > rows[i].max_active);
		if (refused && refused->loan_id == rows[i].id) {
			tv_set_str(o, "typed_reason", refused->reason ? refused->reason : "");
			tv_set_str(o, "error", web_message(c, refused->message));
		}
		tv_push(list, o);
	}
}

static void requests_page(struct ctx *c, const struct decision_refusal *refused, int status)
{
	/* Grants whose time has passed are not listed as live. */
	ebooks_expire(c->db, c->arena, c->now);
	web_form_token(c);
	long page = web_page_param(c), total = 0, live_total = 0, recent_total = 0;
	staff_list(c, "waiting", EBOOK_LIST_WAITING, page, STAFF_PER_PAGE, refused, &total);
	if (page > web_page_last(total, STAFF_PER_PAGE)) {
		page = web_page_last(total, STAFF_PER_PAGE);
		staff_list(c, "waiting", EBOOK_LIST_WAITING, page, STAFF_PER_PAGE, refused, &total);
	}
	web_pager(c, "/staff/ebook-requests", page, total, STAFF_PER_PAGE);
	tv_set_str(c->view, "waiting_text", web_count(c, total, "request waiting",
		"requests waiting"));
	staff_list(c, "live", EBOOK_LIST_LIVE, 1, LIVE_SHOWN, refused, &live_total);
	tv_set_str(c->view, "live_text", web_count(c, live_total, "e-book on loan",
		"e-books on loan"));
	tv_set_bool(c->view, "live_more", live_total > LIVE_SHOWN);
	tv_set_bool(c->view, "has_waiting", total > 0);
	tv_set_bool(c->view, "has_live", live_total > 0);
	staff_list(c, "recent", EBOOK_LIST_RECENT, 1, RECENT_SHOWN, NULL, &recent_total);
	tv_set_bool(c->view, "has_recent", recent_total > 0);
	tv_set_bool(c->view, "auto_grant", ebooks_auto_grant(c->db));
	tv_set_bool(c->view, "is_admin_user", c->sess.role >= ROLE_ADMIN);
	static const char *const notices[][2] = {
		{ "granted", "The request was granted; the member was told." },
		{ "rejected", "The request was turned down; the member was told why." },
		{ "revoked", "Access was ended; the member was told why." },
	};
	web_done_notice(c, notices, sizeof notices / sizeof notices[0]);
	web_render(c, "staff_ebook_requests", status);
}

void page_staff_ebook_requests(struct ctx *c)
{
	requests_page(c, NULL, 200);
}

typedef void (*decision_fn)(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long staff_id, const char *reason, struct ebook_result *r);

static void grant_without_reason(struct db *db, struct arena *a, time_t now, long long loan_id,
	long long staff_id, const char *reason, struct ebook_result *r)
{
	(void)reason;
	ebooks_grant(db, a, now, loan_id, staff_id, r);
}

static void decide(struct ctx *c, decision_fn fn, const char *done)
{
	long long id = valid_id(c->req->params[0]);
	const char *reason = http_form(c->req, "reason");
	struct ebook_result r;
	fn(c->db, c->arena, c->now, id, c->sess.account_id, reason, &r);
	if (r.code == EBOOK_OK) {
		web_redirect(c, arena_printf(c->arena, "/staff/ebook-requests?done=%s", done));
		return;
	}
	if (r.code != EBOOK_REFUSED && r.code != EBOOK_INVALID) {
		web_error(c, refusal_status(r.code), r.message);
		return;
	}
	struct decision_refusal refused = { id, reason, r.message };
	requests_page(c, &refused, refusal_status(r.code));
}

void page_staff_ebook_grant(struct ctx *c)
{
	decide(c, grant_without_reason, "granted");
}

void page_staff_ebook_reject(struct ctx *c)
{
	decide(c, ebooks_reject, "rejected");
}

void page_staff_ebook_revoke(struct ctx *c)
{
	decide(c, ebooks_revoke, "revoked");
}

/* ---- the e-book rules on /admin/rules ---- */

/* A refused rule form: its category ("" for the new rule's form), what was
** typed, and why. */
static const char *refused_rule;
static const struct form_errors *refused_rule_errs;
static const char *refused_rule_problem;

static void rule_form(struct ctx *c, struct tv *o, const struct ebook_rule *r, bool typed,
	const struct form_errors *errs)
{
	tv_set_str(o, "category", r->category);
	if (typed) {
		tv_set_str(o, "max_active", http_form(c->req, "max_active"));
		tv_set_str(o, "loan_days", http_form(c->req, "loan_days"));
	} else {
		tv_set_int(o, "max_active", r->max_active);
		tv_set_int(o, "loan_days", r->loan_days);
	}
	struct tv *e = tv_set_obj(o, "errors");
	const char *fields[] = { "category", "max_active", "loan_days" };
	for (size_t i = 0; errs && i < sizeof fields / sizeof fields[0]; i++) {
		const char *msg = form_error_get(errs, fields[i]);
		if (msg)
			tv_set_str(e, fields[i], msg);
	}
}

void ebooks_view_rules(struct ctx *c)
{
	struct ebook_rule *rules;
	int n = ebooks_rules_list(c->db, c->arena, &rules);
	struct tv *o = tv_set_obj(c->view, "ebook_rules");
	struct tv *list = tv_set_list(o, "rules");
	for (int i = 0; i < n; i++) {
		struct tv *r = tv_obj(c->arena);
		bool general = !strcmp(rules[i].category, "*");
		bool this_one = refused_rule && !strcmp(refused_rule, rules[i].category);
		rule_form(c, r, &rules[i], this_one && refused_rule_errs, this_one ?
			refused_rule_errs : NULL);
		tv_set_bool(r, "general", general);
		tv_set_str(r, "name", general ? "Any category"
			: lists_name(c->db, c->arena, LIST_CATEGORY, rules[i].category));
		tv_set_str(r, "slug", general ? "any" : rules[i].category);
		if (this_one && refused_rule_problem)
			tv_set_str(r, "problem", refused_rule_problem);
		tv_push(list, r);
	}
	struct ebook_rule fresh = { "", 5, 14 };
	bool typed = refused_rule && !*refused_rule;
	if (typed)
		fresh.category = http_form(c->req, "category") ? http_form(c->req, "category") : "";
	struct tv *f = tv_set_obj(o, "new_rule");
	rule_form(c, f, &fresh, typed, typed ? refused_rule_errs : NULL);
	lists_view_options(c, f, "options", LIST_CATEGORY, fresh.category, false);
	tv_set_bool(o, "auto_grant", ebooks_auto_grant(c->db));
	const char *done = http_query(c->req, "done");
	if (done && !strcmp(done, "ebooks"))
		tv_set_str(o, "ebook_notice", "The e-book rules were saved.");
	if (refused_rule_errs && refused_rule_errs->n)
		tv_set_bool(o, "has_errors", true);
}

/* The rules page again, the refused form's values and errors shown. */
static void rules_refused(struct ctx *c, const char *category, const struct form_errors *errs,
	const char *problem, int status)
{
	refused_rule = category;
	refused_rule_errs = errs;
	refused_rule_problem = problem;
	answer_refused(c, page_admin_rules, status);
	refused_rule = NULL;
	refused_rule_errs = NULL;
	refused_rule_problem = NULL;
}

static void save_rule(struct ctx *c, const char *category, bool is_new)
{
	struct ebook_rule_input in = {
		is_new ? http_form(c->req, "category") : category,
		http_form(c->req, "max_active"), http_form(c->req, "loan_days"),
	};
	struct form_errors errs = { .n = 0 };
	struct ebook_rule r;
	int rc = ebooks_rule_validate(c->db, c->arena, &in, &r, &errs);
	if (rc == 0)
		rc = ebooks_rule_save(c->db, c->arena, &r, is_new, c->sess.account_id, c->now, &errs);
	if (rc == 0)
		web_redirect(c, "/admin/rules?done=ebooks#ebook-rules");
	else if (rc == 1)
		web_error(c, 404, "There is no e-book rule for that category.");
	else if (errs.n)
		rules_refused(c, is_new ? "" : category, &errs, NULL, 422);
	else
		web_error(c, 500, "The e-book rule could not be saved just now. Please try again.");
}

void page_admin_ebook_rule_add(struct ctx *c)
{
	save_rule(c, NULL, true);
}

void page_admin_ebook_rule_save(struct ctx *c)
{
	const char *category = c->req->params[0];
	save_rule(c, strcmp(category, "any") ? category : "*", false);
}

void page_admin_ebook_rule_delete(struct ctx *c)
{
	const char *category = c->req->params[0];
	if (!strcmp(category, "any"))
		category = "*";
	const char *why = NULL;
	int rc = ebooks_rule_delete(c->db, c->arena, category, c->sess.account_id, c->now, &why);
	if (rc == 0)
		web_redirect(c, "/admin/rules?done=ebooks#ebook-rules");
	else if (rc == 1)
		web_error(c, 404, "There is no e-book rule for that category.");
	else if (rc == 2)
		rules_refused(c, category, NULL, why, 409);
	else
		web_error(c, 500, "The e-book rule could not be deleted just now. Please try again.");
}

void page_admin_ebook_auto_grant(struct ctx *c)
{
	const char *on = http_form(c->req, "auto_grant");
	if (ebooks_auto_grant_set(c->db, on && !strcmp(on, "1"), c->sess.account_id, c->now)) {
		web_error(c, 500, "The setting could not be saved just now. Please try again.");
		return;
	}
	web_redirect(c, "/admin/rules?done=ebooks#ebook-rules");
}
