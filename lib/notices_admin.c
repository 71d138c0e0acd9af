/*
** notices_admin.c: the admin's side of notice texts. See notices_admin.h.
*/
#include "notices_admin.h"

#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "money.h"

int notices_admin_list(struct db *db, struct arena *a, struct notice_kind_row **out)
{
	struct notice_kind *kinds;
	int n = notify_kinds(db, a, &kinds);
	if (n < 0)
		return -1;
	*out = arena_calloc(a, sizeof **out * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		struct notice_kind_row *r = &(*out)[i];
		r->k = kinds[i];
		r->edited_by = "";
		sqlite3_stmt *st = db_query(db, "SELECT coalesce(a.name, ''), "
			"d.kind IS NULL OR (d.subject = t.subject AND d.body_text = t.body_text "
			"AND d.body_html = t.body_html AND d.sms_text = t.sms_text) "
			"FROM notice_template t LEFT JOIN account a ON a.id = t.updated_by "
			"LEFT JOIN notice_template_default d ON d.kind = t.kind WHERE t.kind = ?",
			"t", kinds[i].kind);
		if (st && db_row(db, st)) {
			r->edited_by = db_text(a, st, 0);
			r->is_default = db_col_int(st, 1) != 0;
			db_done(st);
		}
	}
	return n;
}

/* A sample value for a field, by its name: every kind's fields are among
** these, and a field added later still gets a readable stand-in. */
static const char *sample_value(struct db *db, struct arena *a, const char *kind,
	const char *field, time_t now, const char *title)
{
	lday today = cal_day_of(now);
	char day[11];
	if (!strcmp(field, "title"))
		return title;
	if (!strcmp(field, "due") || !strcmp(field, "pickup_by")) {
		cal_format(today + 2, day);
		return cal_show_day(a, day);
	}
	if (!strcmp(field, "end")) {
		cal_format(today + 7, day);
		return cal_show_day(a, day);
	}
	if (!strcmp(field, "day")) {
		cal_format(today, day);
		return cal_show_day(a, day);
	}
	if (!strcmp(field, "days"))
		return "2";
	if (!strcmp(field, "minutes"))
		return "60";
	if (!strcmp(field, "hours"))
		return "24";
	if (!strcmp(field, "fine"))
		return money_show(db, a, 150);
	if (!strcmp(field, "amount"))
		return money_show(db, a, 4000);
	if (!strcmp(field, "excess"))
		return "";
	if (!strcmp(field, "plan"))
		return "Annual";
	if (!strcmp(field, "what"))
		return "the Annual membership";
	if (!strcmp(field, "method"))
		return "card";
	if (!strcmp(field, "reference"))
		return "P-000123";
	if (!strcmp(field, "reason"))
		return "paid twice by mistake";
	if (!strcmp(field, "link"))
		return notify_url(a, !strcmp(kind, "registration-confirm")
			? "/register/confirm/sample-link" : "/password/reset/sample-link");
	if (!strcmp(field, "login_url"))
		return notify_url(a, "/login");
	if (!strcmp(field, "forgot_url"))
		return notify_url(a, "/password/forgot");
	return arena_printf(a, "(%s)", field);
}

struct tv *notices_sample_view(struct db *db, struct arena *a, const struct notice_kind *k,
	time_t now, const char **who)
{
	struct tv *view = tv_obj(a);
	long long member = db_int(db, 0, "SELECT id FROM account WHERE role = 'member' "
		"ORDER BY id LIMIT 1", NULL);
	notify_common_fields(db, a, member, view);
	if (member) {
		*who = "";
		sqlite3_stmt *st = db_query(db, "SELECT name FROM account WHERE id = ?", "i", member);
		if (st && db_row(db, st)) {
			*who = db_text(a, st, 0);
			db_done(st);
		}
	} else {
		tv_set_str(view, "member_name", "Ada Reader");
		*who = "Ada Reader (a made-up member: the library has no members yet)";
	}
	const char *title = "The Hobbit";
	sqlite3_stmt *st = db_query(db, "SELECT t.title FROM loan l JOIN copy c ON c.id = l.copy_id "
		"JOIN title t ON t.id = c.title_id WHERE l.account_id = ? ORDER BY l.id DESC LIMIT 1",
		"i", member);
	if (st && db_row(db, st)) {
		title = db_text(a, st, 0);
		db_done(st);
	} else if ((st = db_query(db, "SELECT title FROM title ORDER BY id LIMIT 1", NULL)) &&
	           db_row(db, st)) {
		title = db_text(a, st, 0);
		db_done(st);
	}
	const char *p = k->fields;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t len = strcspn(p, " ");
		if (len) {
			const char *field = arena_strndup(a, p, len);
			tv_set_str(view, field, sample_value(db, a, k->kind, field, now, title));
		}
		p += len;
	}
	return view;
}

const char *notices_error_field(const char *message)
{
	static const char *const parts[][2] = {
		{ "Text message", "sms_text" },   /* before "Text", which it starts with */
		{ "Subject", "subject" },
		{ "Text", "body_text" },
		{ "HTML", "body_html" },
	};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		if (!strncmp(message, parts[i][0], strlen(parts[i][0])))
			return parts[i][1];
	return "body_text";
}

/* The sizes the table allows, said for people. */
static bool sizes_refused(const struct notice_texts *t, char *err, size_t errlen,
	const char **field)
{
	if (!*t->subject || strlen(t->subject) > 500) {
		*field = "subject";
		snprintf(err, errlen, "Subject: write a subject of at most 500 characters.");
	} else if (!*t->body_text || strlen(t->body_text) > 20000) {
		*field = "body_text";
		snprintf(err, errlen, "Text: write the text of the email, at most 20,000 "
			"characters; every email has one, even with an HTML part.");
	} else if (strlen(t->body_html) > 40000) {
		*field = "body_html";
		snprintf(err, errlen, "HTML: at most 40,000 characters.");
	} else if (strlen(t->sms_text) > 1000) {
		*field = "sms_text";
		snprintf(err, errlen, "Text message: at most 1,000 characters.");
	} else {
		return false;
	}
	return true;
}

/* Which parts an edit changed, for the audit row. */
static const char *changed_parts(struct arena *a, const struct notice_kind *old,
	const struct notice_texts *t)
{
	const char *out = arena_printf(a, "%s%s%s%s",
		strcmp(old->texts.subject, t->subject) ? "subject, " : "",
		strcmp(old->texts.body_text, t->body_text) ? "text, " : "",
		strcmp(old->texts.body_html, t->body_html) ? "HTML, " : "",
		strcmp(old->texts.sms_text, t->sms_text) ? "text message, " : "");
	size_t n = strlen(out);
	return n ? arena_strndup(a, out, n - 2) : "nothing changed";
}

int notices_save(struct db *db, struct arena *a, const char *kind,
	const struct notice_texts *texts, long long actor_id, time_t now,
	char *err, size_t errlen, const char **field)
{
	struct notice_kind k;
	int got = notify_kind_get(db, a, kind, &k);
	if (got)
		return got > 0 ? 2 : -1;
	if (sizes_refused(texts, err, errlen, field))
		return 1;
	if (notify_render(a, k.fields, texts, NULL, NULL, err, errlen)) {
		*field = notices_error_field(err);
		return 1;
	}
	if (db_begin(db))
		return -1;
	if (db_exec(db, "UPDATE notice_template SET subject = ?, body_text = ?, body_html = ?, "
		"sms_text = ?, updated_at = ?, updated_by = nullif(?, 0) WHERE kind = ?", "ttttiit",
		texts->subject, texts->body_text, texts->body_html, texts->sms_text, (long long)now,
		actor_id, kind) != SQLITE_OK ||
	    db_exec(db, "INSERT INTO audit(at, actor_id, action, object, detail) "
		"VALUES (?, nullif(?, 0), 'notice.edit', ?, ?)", "iitt", (long long)now, actor_id,
		arena_printf(a, "notice_template:%s", kind), changed_parts(a, &k, texts)) != SQLITE_OK ||
	    db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

int notices_restore(struct db *db, const char *kind, long long actor_id, time_t now)
{
	if (!db_int(db, 0, "SELECT count(*) FROM notice_template_default WHERE kind = ?", "t",
		kind))
		return 1;
	if (db_begin(db))
		return -1;
	if (db_exec(db, "UPDATE notice_template SET (subject, body_text, body_html, sms_text) = "
		"(SELECT subject, body_text, body_html, sms_text FROM notice_template_default d "
		"WHERE d.kind = notice_template.kind), updated_at = ?, updated_by = nullif(?, 0) "
		"WHERE kind = ?", "iit", (long long)now, actor_id, kind) != SQLITE_OK ||
	    db_exec(db, "INSERT INTO audit(at, actor_id, action, object, detail) "
		"VALUES (?, nullif(?, 0), 'notice.restore', 'notice_template:' || ?, "
		"'the default text restored')", "iit", (long long)now, actor_id, kind) != SQLITE_OK ||
	    db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	return 0;
}
