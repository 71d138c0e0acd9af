/*
** outbox.c: what staff see of the outbox: how many notices wait, went and
** failed, the failures with their reason, and, when no mail server is
** configured, the emails saved as files (templates/_outbox.mustache, which
** /staff/notifications includes); and GET /staff/notices/{id}/email, one
** such file to open in a mail program.
*/
#include <stdio.h>

#include "deliver.h"
#include "web.h"

#define FAILURES_SHOWN 20
#define FILES_SHOWN 20

static const char *const channel_words[][2] = {
	{ "email", "email" }, { "sms", "text message" },
};

static void outbox_failures(struct ctx *c, struct tv *o)
{
	struct outbox_failure *rows;
	int n = deliver_recent_failures(c->db, c->arena, FAILURES_SHOWN, &rows);
	tv_set_bool(o, "has_failures", n > 0);
	struct tv *list = tv_set_list(o, "failures");
	for (int i = 0; i < n; i++) {
		struct tv *f = tv_obj(c->arena);
		tv_set_str(f, "date", web_date(c, rows[i].last_attempt_at));
		tv_set_str(f, "member", rows[i].member_name[0] ? rows[i].member_name
			: "an account since deleted");
		if (rows[i].account_id)
			tv_set_str(f, "member_url", arena_printf(c->arena, "/staff/members/%lld",
				rows[i].account_id));
		tv_set_str(f, "channel", LABEL_OF(rows[i].channel, channel_words));
		tv_set_str(f, "recipient", rows[i].recipient);
		tv_set_str(f, "subject", rows[i].subject);
		tv_set_str(f, "reason", rows[i].reason);
		tv_set_str(f, "tries", web_count(c, rows[i].attempts, "try", "tries"));
		tv_push(list, f);
	}
}

static void outbox_files(struct ctx *c, struct tv *o)
{
	struct outbox_file *rows;
	int n = deliver_recent_files(c->db, c->arena, c->cfg, FILES_SHOWN, &rows);
	tv_set_bool(o, "has_files", n > 0);
	struct tv *list = tv_set_list(o, "files");
	for (int i = 0; i < n; i++) {
		struct tv *f = tv_obj(c->arena);
		tv_set_str(f, "url", arena_printf(c->arena, "/staff/notices/%lld/email", rows[i].id));
		tv_set_str(f, "date", web_date(c, rows[i].sent_at));
		tv_set_str(f, "recipient", rows[i].recipient);
		tv_set_str(f, "subject", rows[i].subject);
		tv_push(list, f);
	}
}

void outbox_view(struct ctx *c)
{
	struct outbox_counts n;
	struct tv *o = tv_set_obj(c->view, "outbox");
	if (deliver_counts(c->db, &n)) {
		tv_set_bool(o, "unknown", true);
		return;
	}
	tv_set_str(o, "queued", web_count(c, n.queued, "notice waiting", "notices waiting"));
	tv_set_bool(o, "has_retrying", n.retrying > 0);
	tv_set_str(o, "retrying", web_count(c, n.retrying, "after a failed try",
		"after a failed try"));
	tv_set_str(o, "sent", web_count(c, n.sent, "notice sent", "notices sent"));
	tv_set_str(o, "failed", web_count(c, n.failed, "notice could not be sent",
		"notices could not be sent"));
	tv_set_bool(o, "has_failed", n.failed > 0);
	tv_set_bool(o, "mail_server", c->cfg->smtp_url[0] != '\0');
	tv_set_bool(o, "sms_gateway", c->cfg->sms_url[0] != '\0');
	tv_set_str(o, "mail_folder", deliver_mail_dir(c->arena, c->cfg));
	outbox_failures(c, o);
	if (!c->cfg->smtp_url[0])
		outbox_files(c, o);
}

void page_outbox_email(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	const char *path = id ? deliver_eml_path(c->db, c->arena, c->cfg, id) : NULL;
	if (!path || buf_read_file(c->resp->body, path)) {
		buf_clear(c->resp->body);
		web_error(c, 404, "There is no saved email for this notice: it went to the "
			"mail server, or it has not been sent yet.");
		return;
	}
	http_resp_set_header(c->resp, "Content-Type", "message/rfc822");
	http_resp_header(c->resp, "Content-Disposition", arena_printf(c->arena,
		"attachment; filename=\"notice-%lld.eml\"", id));
	http_resp_header(c->resp, "Cache-Control", "private, no-store");
}
