/*
** notifications.c: the notification centre (a member's on
** /account/notifications, the staff's own on /staff/notifications), the
** notices sent to a member (the outbox, also on the staff member page),
** carrel-cron's task record for staff, and the check nginx's live-update
** subscriber asks for (/live/auth/{id}).
**
** Reading a list changes nothing. A notification is marked read when its
** owner opens it (POST .../notifications/{id}/read, which then goes to its
** link) or with "Mark all as read" (POST .../notifications/read-all).
*/
#include <string.h>
#include <time.h>

#include "centre.h"
#include "notify.h"
#include "web.h"

#define NOTICES_SHOWN 100
#define CENTRE_PER_PAGE 20

/* A notice's channel and state as people read them. */
static const char *const channel_words[][2] = {
	{ "email", "email" }, { "sms", "text message" }, { "in-app", "here" },
};
static const char *const status_words[][2] = {
	{ "queued", "not sent yet" }, { "sent", "sent" }, { "failed", "could not be sent" },
};

void notifications_view_member(struct ctx *c, long long account_id)
{
	struct notice_row *rows;
	int n = notify_list(c->db, c->arena, account_id, NOTICES_SHOWN, &rows);
	tv_set_bool(c->view, "has_notices", n > 0);
	struct tv *list = tv_set_list(c->view, "notices");
	for (int i = 0; i < n; i++) {
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "date", web_date(c, rows[i].created_at));
		tv_set_str(o, "channel", LABEL_OF(rows[i].channel, channel_words));
		tv_set_str(o, "recipient", rows[i].recipient);
		tv_set_str(o, "subject", rows[i].subject);
		tv_set_str(o, "status", LABEL_OF(rows[i].status, status_words));
		if (!strcmp(rows[i].status, "failed") && rows[i].last_error[0])
			tv_set_str(o, "reason", rows[i].last_error);
		tv_push(list, o);
	}
}

/* A moment for people, "6 Dec 2026, 14:05", and for machines (datetime). */
static void set_time(struct ctx *c, struct tv *o, long long unix_seconds)
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;
	char iso[32];
	localtime_r(&t, &tm);
	strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M%z", &tm);
	tv_set_str(o, "when", web_moment(c, unix_seconds));
	tv_set_str(o, "when_iso", arena_strdup(c->arena, iso));
}

/* A link kept in a notification, when it is a path inside Carrel. */
static bool inside_link(const char *link)
{
	return link[0] == '/' && link[1] != '/' && link[1] != '\\';
}

/* The signed-in person's notifications, one page, into the view; base is
** the centre's address (/account/notifications or /staff/notifications). */
static void centre_view(struct ctx *c, const char *base)
{
	long long me = c->sess.account_id;
	long total = centre_count(c->db, me);
	long page = web_page_param(c);
	if (page > web_page_last(total, CENTRE_PER_PAGE))
		page = web_page_last(total, CENTRE_PER_PAGE);
	struct centre_row *rows;
	int n = centre_list(c->db, c->arena, me, (page - 1) * CENTRE_PER_PAGE, CENTRE_PER_PAGE,
		&rows);
	struct tv *list = tv_set_list(c->view, "centre");
	for (int i = 0; i < n; i++) {
		const struct centre_row *r = &rows[i];
		struct tv *o = tv_obj(c->arena);
		bool unread = r->read_at == 0, has_link = inside_link(r->link);
		tv_set_int(o, "id", r->id);
		tv_set_bool(o, "unread", unread);
		tv_set_str(o, "state", unread ? "Unread" : "Read");
		set_time(c, o, r->created_at);
		/* Written by lib/ with days as YYYY-MM-DD: shown as people read them. */
		tv_set_str(o, "subject", web_message(c, r->subject));
		tv_set_str(o, "body", web_message(c, r->body));
		if (has_link || unread)
			tv_set_str(o, "action", has_link ? "Open" : "Mark as read");
		tv_push(list, o);
	}
	int unread = notify_unread(c->db, me);
	tv_set_bool(c->view, "has_centre", n > 0);
	tv_set_str(c->view, "centre_base", base);
	tv_set_str(c->view, "centre_total", web_count(c, total, "notification", "notifications"));
	if (unread > 0)
		tv_set_str(c->view, "centre_unread", web_count(c, unread, "unread", "unread"));
	if (total > CENTRE_PER_PAGE)
		web_pager(c, base, page, total, CENTRE_PER_PAGE);
	web_form_token(c);
}

static const char *const centre_done[][2] = {
	{ "read", "All your notifications are marked as read." },
};

void page_account_notifications(struct ctx *c)
{
	centre_view(c, "/account/notifications");
	web_done_notice(c, centre_done, sizeof centre_done / sizeof centre_done[0]);
	notifications_view_member(c, c->sess.account_id);
	web_render(c, "account_notifications", 200);
}

/* Open notification {id}: mark it read and go where it leads (else back to
** the list). */
static void centre_open(struct ctx *c, const char *base)
{
	long long id = valid_id(c->req->params[0]);
	const char *link = "";
	int rc = id > 0 ? centre_mark_read(c->db, c->arena, c->sess.account_id, id, c->now, &link)
	                : 1;
	if (rc < 0)
		return web_error(c, 500, "The notification could not be marked as read just now. "
			"Please try again.");
	if (rc > 0)
		return web_error(c, 404, "There is no such notification among yours.");
	web_redirect(c, inside_link(link) ? link : base);
}

static void centre_read_all(struct ctx *c, const char *base)
{
	if (centre_mark_all_read(c->db, c->sess.account_id, c->now) < 0)
		return web_error(c, 500, "The notifications could not be marked as read just now. "
			"Please try again.");
	web_redirect(c, arena_printf(c->arena, "%s?done=read", base));
}

void page_account_notification_read(struct ctx *c)
{
	centre_open(c, "/account/notifications");
}

void page_account_notifications_read_all(struct ctx *c)
{
	centre_read_all(c, "/account/notifications");
}

void page_staff_notification_read(struct ctx *c)
{
	centre_open(c, "/staff/notifications");
}

void page_staff_notifications_read_all(struct ctx *c)
{
	centre_read_all(c, "/staff/notifications");
}

/* ---- carrel-cron's tasks, for staff ---- */

static const char *const task_words[][2] = {
	{ "deliver", "Sending email and text messages" },
	{ "reminders", "Queueing reminders" },
	{ "expire-holds", "Ending holds not collected in time" },
	{ "refresh-search", "Refreshing the catalogue search" },
	{ "monthly-report", "Monthly report to staff" },
};
static const char *const outcome_words[][2] = {
	{ "running", "running now" }, { "ok", "finished well" }, { "failed", "failed" },
};

void cron_view_tasks(struct ctx *c)
{
	struct cron_task_row *rows;
	int n = centre_cron_tasks(c->db, c->arena, &rows);
	struct tv *list = tv_set_list(c->view, "tasks");
	for (int i = 0; i < n; i++) {
		const struct cron_task_row *r = &rows[i];
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "name", LABEL_OF(r->name, task_words));
		struct tv *started = tv_set_obj(o, "started");
		set_time(c, started, r->started_at);
		if (r->finished_at) {
			struct tv *finished = tv_set_obj(o, "finished");
			set_time(c, finished, r->finished_at);
		}
		tv_set_str(o, "outcome", LABEL_OF(r->outcome, outcome_words));
		tv_set_bool(o, "failed", !strcmp(r->outcome, "failed"));
		tv_set_str(o, "message", r->message);
		tv_push(list, o);
	}
	tv_set_bool(c->view, "has_tasks", n > 0);
	long long last = cron_last_finished(c->db);
	if (c->now - last > CRON_SILENT_WARN_SECONDS) {
		struct tv *w = tv_set_obj(c->view, "cron_stale");
		if (last)
			set_time(c, tv_set_obj(w, "last"), last);
	}
}

void page_staff_notifications(struct ctx *c)
{
	centre_view(c, "/staff/notifications");
	web_done_notice(c, centre_done, sizeof centre_done / sizeof centre_done[0]);
	cron_view_tasks(c);
	outbox_view(c);     /* queued, sent and failed counts; the .eml folder */
	web_render(c, "staff_notifications", 200);
}

/* ---- live updates ---- */

/* nginx asks this (nchan_authorize_request) before it lets anyone listen
** to /live/notifications/{id}: only the person whose account it is. */
void page_live_auth(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	if (!c->sess.valid || id <= 0 || id != c->sess.account_id)
		return web_error(c, 403, "Only the owner of an account may follow its notifications.");
	c->resp->status = 200;
	buf_clear(c->resp->body);
}
