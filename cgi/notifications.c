/*
** notifications.c: the notices queued for a member (the outbox), on the
** staff member page and on the member's /account/notifications.
*/
#include <string.h>

#include "notify.h"
#include "web.h"

#define NOTICES_SHOWN 100

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

void page_account_notifications(struct ctx *c)
{
	notifications_view_member(c, c->sess.account_id);
	web_render(c, "account_notifications", 200);
}
