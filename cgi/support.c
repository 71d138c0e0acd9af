/*
** support.c: questions to the library: the support form (/support), the
** staff's tickets (/staff/support) and a member's own (/account/support).
** The rules are in lib/support.c.
*/
#include <stdio.h>
#include <string.h>

#include "support.h"
#include "web.h"

#define STAFF_PER_PAGE 25
#define MEMBER_PER_PAGE 20

/* ---- the thread, as every page shows it ---- */

/* The ticket's fields under obj; with staff, the asker's contact. */
static void view_ticket(struct ctx *c, struct tv *obj, const struct support_ticket *t,
	bool staff)
{
	tv_set_int(obj, "id", t->id);
	tv_set_str(obj, "subject", t->subject);
	tv_set_str(obj, "status", t->status);
	tv_set_str(obj, "status_words", support_status_words(t->status, staff));
	tv_set_bool(obj, "is_open", !strcmp(t->status, "open"));
	tv_set_bool(obj, "is_answered", !strcmp(t->status, "answered"));
	tv_set_bool(obj, "is_closed", !strcmp(t->status, "closed"));
	tv_set_str(obj, "opened", web_date(c, t->created_at));
	tv_set_str(obj, "changed", web_moment(c, t->updated_at));
	tv_set_str(obj, "messages_text", web_count(c, t->messages, "message", "messages"));
	if (t->answered_at)
		tv_set_str(obj, "answered", web_date(c, t->answered_at));
	if (staff) {
		tv_set_str(obj, "asker", t->name[0] ? t->name : "A removed account");
		tv_set_str(obj, "asker_email", t->email);
		if (t->account_id)
			tv_set_str(obj, "member_url",
				arena_printf(c->arena, "/staff/members/%lld", t->account_id));
		else
			tv_set_bool(obj, "visitor", true);
	}
}

/* The messages under obj as "thread"; false when they could not be read. */
static bool view_thread(struct ctx *c, struct tv *obj, long long ticket_id, bool staff)
{
	struct support_message *m;
	int n = support_thread(c->db, c->arena, ticket_id, &m);
	if (n < 0)
		return false;
	struct tv *list = tv_set_list(obj, "thread");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_int(o, "id", m[i].id);
		tv_set_bool(o, "from_staff", m[i].from_staff);
		const char *who = m[i].from_staff
			? (staff && m[i].author[0] ? m[i].author : "The library")
			: (staff ? (m[i].author[0] ? m[i].author : "The visitor") : "You");
		tv_set_str(o, "who", who);
		tv_set_str(o, "when", web_moment(c, m[i].created_at));
		tv_set_str(o, "body", m[i].body);
		tv_push(list, o);
	}
	return true;
}

/* ---- /support ---- */

static void support_form(struct ctx *c, const struct support_input *in,
	const struct form_errors *errs, const char *problem, int status)
{
	web_form_token(c);
	tv_set_bool(c->view, "visitor", !c->sess.valid);
	tv_set_str(c->view, "subject", in->subject ? in->subject : "");
	tv_set_str(c->view, "message", in->message ? in->message : "");
	tv_set_str(c->view, "name", in->name ? in->name : "");
	tv_set_str(c->view, "email", in->email ? in->email : "");
	if (errs)
		web_form_errors(c, errs);
	if (problem)
		tv_set_str(c->view, "problem", problem);
	web_render(c, "support", status);
}

void page_support_form(struct ctx *c)
{
	struct support_input in = { "", "", "", "" };
	support_form(c, &in, NULL, NULL, 200);
}

void page_support_open(struct ctx *c)
{
	struct support_input in = {
		http_form(c->req, "subject"), http_form(c->req, "message"),
		http_form(c->req, "name"), http_form(c->req, "email"),
	};
	struct form_errors errs = { .n = 0 };
	bool visitor = !c->sess.valid;
	if (!support_validate(c->arena, &in, visitor, &errs)) {
		support_form(c, &in, &errs, NULL, 422);
		return;
	}
	long long id = 0;
	switch (support_open(c->db, c->arena, c->now, visitor ? 0 : c->sess.account_id, &in,
		c->req->remote_addr, &id)) {
	case SUPPORT_OK:
		web_redirect(c, "/support/sent");
		return;
	case SUPPORT_THROTTLED: {
		char retry[24];
		snprintf(retry, sizeof retry, "%d", SUPPORT_WINDOW);
		http_resp_header(c->resp, "Retry-After", retry);
		support_form(c, &in, NULL, "Many questions have been sent from your connection "
			"in the last hour, so this one was not sent. Please try again in an hour, "
			"log in first, or ask at the library desk. What you wrote is kept below.", 429);
		return;
	}
	default:
		support_form(c, &in, NULL, "Your question could not be sent just now. Please "
			"try again.", 500);
	}
}

void page_support_sent(struct ctx *c)
{
	tv_set_bool(c->view, "visitor", !c->sess.valid);
	web_render(c, "support_sent", 200);
}

/* ---- staff ---- */

static const char *const staff_filters[][2] = {
	{ "", "All" }, { "open", "Waiting for an answer" }, { "answered", "Answered" },
	{ "closed", "Closed" },
};

void page_staff_support(struct ctx *c)
{
	const char *status = http_query(c->req, "status");
	if (!status || !valid_label(status, staff_filters, 4) || !status[0])
		status = "";
	long page = web_page_param(c);
	struct support_ticket *t;
	long total = 0;
	int n = support_list(c->db, c->arena, status, 0, page, STAFF_PER_PAGE, &t, &total);
	if (n >= 0 && page > web_page_last(total, STAFF_PER_PAGE)) {
		page = web_page_last(total, STAFF_PER_PAGE);
		n = support_list(c->db, c->arena, status, 0, page, STAFF_PER_PAGE, &t, &total);
	}
	if (n < 0) {
		web_error(c, 500, "The questions could not be read just now. Please try again.");
		return;
	}
	struct tv *filters = tv_set_list(c->view, "filters");
	for (size_t i = 0; i < sizeof staff_filters / sizeof staff_filters[0]; i++) {
		struct tv *f = tv_obj(c->arena);
		tv_set_str(f, "label", staff_filters[i][1]);
		tv_set_str(f, "href", staff_filters[i][0][0]
			? arena_printf(c->arena, "/staff/support?status=%s", staff_filters[i][0])
			: "/staff/support");
		tv_set_bool(f, "current", !strcmp(status, staff_filters[i][0]));
		tv_push(filters, f);
	}
	struct tv *list = tv_set_list(c->view, "tickets");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		view_ticket(c, o, &t[i], true);
		tv_push(list, o);
	}
	tv_set_bool(c->view, "has_tickets", n > 0);
	tv_set_str(c->view, "total_text", web_count(c, total, "question", "questions"));
	long waiting = support_open_count(c->db);
	tv_set_str(c->view, "open_text", waiting ? web_count(c, waiting, "waits", "wait")
	                                         : "none waits");
	web_pager(c, status[0] ? arena_printf(c->arena, "/staff/support?status=%s", status)
	                       : "/staff/support", page, total, STAFF_PER_PAGE);
	web_render(c, "staff_support", 200);
}

static void ticket_missing(struct ctx *c)
{
	web_error(c, 404, "There is no such question.");
}

/* One ticket with its thread into the view as "ticket": owner 0 for
** staff, else the member whose ticket it must be (another member's is as
** unknown as one that never was). False when an error page was sent. */
static bool view_one_ticket(struct ctx *c, long long id, long long owner)
{
	struct support_ticket t;
	int got = support_get(c->db, c->arena, id, owner, &t);
	if (got > 0) {
		ticket_missing(c);
		return false;
	}
	bool staff = owner == 0;
	struct tv *o = got ? NULL : tv_set_obj(c->view, "ticket");
	if (o) {
		view_ticket(c, o, &t, staff);
		if (view_thread(c, o, id, staff)) {
			web_form_token(c);
			return true;
		}
	}
	web_error(c, 500, "The question could not be read just now. Please try again.");
	return false;
}

/* The staff's page of one ticket; after a refused answer, what was typed
** and why. */
static void staff_ticket_page(struct ctx *c, long long id, const char *typed,
	const char *error, int status)
{
	static const char *const messages[][2] = {
		{ "answered", "Your answer was sent." },
		{ "closed", "The question is closed." },
		{ "reopened", "The question is open again." },
	};
	if (!view_one_ticket(c, id, 0))
		return;
	web_done_notice(c, messages, sizeof messages / sizeof messages[0]);
	tv_set_str(c->view, "answer", typed ? typed : "");
	if (error)
		tv_set_str(c->view, "answer_error", error);
	web_render(c, "staff_support_ticket", status);
}

void page_staff_support_ticket(struct ctx *c)
{
	staff_ticket_page(c, valid_id(c->req->params[0]), NULL, NULL, 200);
}

void page_staff_support_answer(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	const char *typed = http_form(c->req, "message");
	const char *body;
	const char *problem = support_reply_problem(c->arena, typed, &body);
	if (problem) {
		staff_ticket_page(c, id, typed, problem, 422);
		return;
	}
	switch (support_answer(c->db, c->arena, c->now, c->sess.account_id, id, body)) {
	case SUPPORT_OK:
		web_redirect(c, arena_printf(c->arena, "/staff/support/%lld?done=answered", id));
		return;
	case SUPPORT_CLOSED:
		staff_ticket_page(c, id, typed, "This question is closed. Reopen it to answer.", 409);
		return;
	case SUPPORT_NOT_FOUND:
		ticket_missing(c);
		return;
	default:
		staff_ticket_page(c, id, typed, "Your answer could not be sent just now. "
			"Please try again.", 500);
	}
}

static void staff_set_closed(struct ctx *c, bool closing)
{
	long long id = valid_id(c->req->params[0]);
	enum support_result r = closing
		? support_close(c->db, c->arena, c->now, c->sess.account_id, id)
		: support_reopen(c->db, c->arena, c->now, c->sess.account_id, id);
	if (r == SUPPORT_OK)
		web_redirect(c, arena_printf(c->arena, "/staff/support/%lld?done=%s", id,
			closing ? "closed" : "reopened"));
	else if (r == SUPPORT_NOT_FOUND)
		ticket_missing(c);
	else
		web_error(c, 500, "The question could not be changed just now. Please try again.");
}

void page_staff_support_close(struct ctx *c)
{
	staff_set_closed(c, true);
}

void page_staff_support_reopen(struct ctx *c)
{
	staff_set_closed(c, false);
}

/* ---- a member's own ---- */

void page_account_support(struct ctx *c)
{
	long page = web_page_param(c);
	struct support_ticket *t;
	long total = 0;
	int n = support_list(c->db, c->arena, "", c->sess.account_id, page, MEMBER_PER_PAGE,
		&t, &total);
	if (n >= 0 && page > web_page_last(total, MEMBER_PER_PAGE)) {
		page = web_page_last(total, MEMBER_PER_PAGE);
		n = support_list(c->db, c->arena, "", c->sess.account_id, page, MEMBER_PER_PAGE,
			&t, &total);
	}
	if (n < 0) {
		web_error(c, 500, "Your questions could not be read just now. Please try again.");
		return;
	}
	struct tv *list = tv_set_list(c->view, "tickets");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		view_ticket(c, o, &t[i], false);
		if (!view_thread(c, o, t[i].id, false)) {
			web_error(c, 500, "Your questions could not be read just now. Please try again.");
			return;
		}
		tv_push(list, o);
	}
	tv_set_bool(c->view, "has_tickets", n > 0);
	tv_set_str(c->view, "total_text", web_count(c, total, "question", "questions"));
	web_pager(c, "/account/support", page, total, MEMBER_PER_PAGE);
	web_render(c, "account_support", 200);
}

static void member_ticket_page(struct ctx *c, long long id, const char *typed,
	const char *error, int status)
{
	static const char *const messages[][2] = {
		{ "sent", "Your message was added. The library will answer here and let you know." },
	};
	if (!view_one_ticket(c, id, c->sess.account_id))
		return;
	web_done_notice(c, messages, sizeof messages / sizeof messages[0]);
	tv_set_str(c->view, "follow_up", typed ? typed : "");
	if (error)
		tv_set_str(c->view, "follow_up_error", error);
	web_render(c, "account_support_ticket", status);
}

void page_account_support_ticket(struct ctx *c)
{
	member_ticket_page(c, valid_id(c->req->params[0]), NULL, NULL, 200);
}

void page_account_support_follow_up(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	const char *typed = http_form(c->req, "message");
	const char *body;
	const char *problem = support_reply_problem(c->arena, typed, &body);
	if (problem) {
		member_ticket_page(c, id, typed, problem, 422);
		return;
	}
	switch (support_follow_up(c->db, c->arena, c->now, c->sess.account_id, id, body)) {
	case SUPPORT_OK:
		web_redirect(c, arena_printf(c->arena, "/account/support/%lld?done=sent", id));
		return;
	case SUPPORT_CLOSED:
		member_ticket_page(c, id, typed, "This question is closed, so nothing can be "
			"added to it. Please ask a new question instead.", 409);
		return;
	case SUPPORT_NOT_FOUND:
		ticket_missing(c);
		return;
	default:
		member_ticket_page(c, id, typed, "Your message could not be added just now. "
			"Please try again.", 500);
	}
}
