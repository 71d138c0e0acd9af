/*
** notify.c: notices to people and carrel-cron's task record. See notify.h.
*/
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desk.h"

static char site_base_url[256];

void notify_set_base_url(const char *base_url)
{
	snprintf(site_base_url, sizeof site_base_url, "%s", base_url ? base_url : "");
	size_t n = strlen(site_base_url);
	while (n && site_base_url[n - 1] == '/')
		site_base_url[--n] = '\0';
}

const char *notify_url(struct arena *a, const char *path)
{
	return arena_printf(a, "%s%s", site_base_url, path);
}

const char *notify_dedupe_key(struct arena *a, const struct notice *n)
{
	return arena_printf(a, "%s:%lld:%s:%s", n->kind, n->account_id, n->object, n->bucket);
}

/* ---- the people told, for live updates ---- */

#define TOUCHED_MAX 256
static long long touched[TOUCHED_MAX];
static size_t touched_n;

static void touch(long long account_id)
{
	for (size_t i = 0; i < touched_n; i++)
		if (touched[i] == account_id)
			return;
	if (touched_n < TOUCHED_MAX)
		touched[touched_n++] = account_id;
}

size_t notify_take_touched(long long *out, size_t max)
{
	size_t n = touched_n < max ? touched_n : max;
	memcpy(out, touched, n * sizeof *out);
	touched_n = 0;
	return n;
}

/* ---- templates ---- */

static const char *const common_fields = "member_name library_name account_url";

/* True when name is one of the space-separated words of list. */
static bool in_word_list(const char *list, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = list; *p;) {
		while (*p == ' ')
			p++;
		size_t w = strcspn(p, " ");
		if (w == len && !memcmp(p, name, len))
			return true;
		p += w;
	}
	return false;
}

static bool known_field(const char *name, void *fields)
{
	return in_word_list(common_fields, name) || in_word_list(fields, name);
}

/* The line of src where {{name first appears (1 when it cannot be found). */
static int line_of_name(const char *src, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = strstr(src, "{{"); p; p = strstr(p + 2, "{{")) {
		const char *q = p + 2;
		while (*q == ' ' || *q == '#' || *q == '^' || *q == '&' || *q == '{' || *q == '/')
			q++;
		if (!strncmp(q, name, len)) {
			int line = 1;
			for (const char *s = src; s < p; s++)
				line += *s == '\n';
			return line;
		}
	}
	return 1;
}

/* The four parts of a notice, in the order of struct notice_texts and
** struct notice_message; each is a template named by its index. */
enum { PART_SUBJECT, PART_TEXT, PART_HTML, PART_SMS, PARTS };
static const char *const part_label[PARTS] = { "Subject", "Text", "HTML", "Text message" };
static const char *const part_name[PARTS] = { "0", "1", "2", "3" };

static const char *part_source(const struct notice_texts *t, int i)
{
	const char *src = i == PART_SUBJECT ? t->subject : i == PART_TEXT ? t->body_text
		: i == PART_HTML ? t->body_html : t->sms_text;
	return src ? src : "";
}

/* Compile the four parts into set, checking their names against fields.
** Returns 0, or -1 with err naming the part and line. */
static int compile_parts(struct tmpl_set *set, const char *fields,
	const struct notice_texts *texts, char *err, size_t errlen)
{
	for (int i = 0; i < PARTS; i++) {
		const char *src = part_source(texts, i);
		char why[256];
		if (tmpl_set_add(set, part_name[i], src, strlen(src), why, sizeof why)) {
			/* "N:LINE: what" from the compiler */
			const char *what = strchr(why + 2, ':');
			snprintf(err, errlen, "%s, line %d: %s", part_label[i], atoi(why + 2),
				what ? what + 2 : why);
			return -1;
		}
		const char *unknown = tmpl_first_unknown_name(set, part_name[i], known_field,
			(void *)fields);
		if (unknown) {
			snprintf(err, errlen, "%s, line %d: {{%s}} is not a field of this notice; "
				"the fields are %s %s.", part_label[i], line_of_name(src, unknown),
				unknown, common_fields, fields);
			return -1;
		}
	}
	return 0;
}

/* Render the compiled parts with view. */
static int render_parts(const struct tmpl_set *set, struct arena *a, const struct tv *view,
	struct notice_message *out, char *err, size_t errlen)
{
	const char **dest[PARTS] = { &out->subject, &out->text, &out->html, &out->sms };
	for (int i = 0; i < PARTS; i++) {
		struct buf b = { 0 };
		int rc = i == PART_HTML ? tmpl_render(set, part_name[i], view, a, &b)
		                        : tmpl_render_text(set, part_name[i], view, a, &b);
		*dest[i] = arena_strdup(a, b.data ? b.data : "");
		buf_free(&b);
		if (rc) {
			snprintf(err, errlen, "%s: the template runs away (it includes itself).",
				part_label[i]);
			return -1;
		}
	}
	/* A subject is one line: a field holding a line break must not start
	** another header. */
	char *subject = arena_strdup(a, out->subject);
	for (char *c = subject; *c; c++)
		if (*c == '\r' || *c == '\n' || *c == '\t')
			*c = ' ';
	out->subject = subject;
	return 0;
}

int notify_render(struct arena *a, const char *fields, const struct notice_texts *texts,
	const struct tv *view, struct notice_message *out, char *err, size_t errlen)
{
	struct notice_message unused;
	if (!out)
		out = &unused;
	memset(out, 0, sizeof *out);
	struct tmpl_set *set = tmpl_set_new();
	int rc = compile_parts(set, fields ? fields : "", texts, err, errlen);
	if (!rc && view)
		rc = render_parts(set, a, view, out, err, errlen);
	tmpl_set_free(set);
	return rc;
}

/* Compiled texts of the kinds queued lately, kept per process: a reminder
** run queues thousands of notices of a few kinds, and compiling four
** templates for each was most of its cost. An entry is used only while the
** stored texts are exactly the ones it was compiled from, so an admin's
** edit is seen at once. */
struct compiled_kind {
	char *kind, *fields, *src[PARTS];
	struct tmpl_set *set;
};
#define COMPILED_MAX 32
static struct compiled_kind compiled[COMPILED_MAX];

static bool compiled_matches(const struct compiled_kind *e, const struct notice_kind *k)
{
	if (!e->set || strcmp(e->kind, k->kind) || strcmp(e->fields, k->fields))
		return false;
	for (int i = 0; i < PARTS; i++)
		if (strcmp(e->src[i], part_source(&k->texts, i)))
			return false;
	return true;
}

static void compiled_clear(struct compiled_kind *e)
{
	free(e->kind);
	free(e->fields);
	for (int i = 0; i < PARTS; i++)
		free(e->src[i]);
	if (e->set)
		tmpl_set_free(e->set);
	memset(e, 0, sizeof *e);
}

/* The compiled texts of k, from the cache or compiled now; NULL with err
** when they do not compile. */
static const struct tmpl_set *compiled_for(const struct notice_kind *k, char *err,
	size_t errlen)
{
	struct compiled_kind *slot = NULL;
	for (int i = 0; i < COMPILED_MAX; i++) {
		if (compiled_matches(&compiled[i], k))
			return compiled[i].set;
		if (!slot && (!compiled[i].set || !strcmp(compiled[i].kind, k->kind)))
			slot = &compiled[i];
	}
	if (!slot)
		slot = &compiled[0];   /* more kinds than slots: a rare recompile */
	compiled_clear(slot);
	struct tmpl_set *set = tmpl_set_new();
	if (compile_parts(set, k->fields, &k->texts, err, errlen)) {
		tmpl_set_free(set);
		return NULL;
	}
	slot->kind = strdup(k->kind);
	slot->fields = strdup(k->fields);
	for (int i = 0; i < PARTS; i++)
		slot->src[i] = strdup(part_source(&k->texts, i));
	slot->set = set;
	return set;
}

static void kind_from_row(struct arena *a, sqlite3_stmt *st, struct notice_kind *k)
{
	k->kind = db_text(a, st, 0);
	k->name = db_text(a, st, 1);
	k->description = db_text(a, st, 2);
	k->fields = db_text(a, st, 3);
	k->texts.subject = db_text(a, st, 4);
	k->texts.body_text = db_text(a, st, 5);
	k->texts.body_html = db_text(a, st, 6);
	k->texts.sms_text = db_text(a, st, 7);
	k->updated_at = db_col_int(st, 8);
}

#define KIND_COLUMNS "kind, name, description, fields, subject, body_text, body_html, " \
	"sms_text, coalesce(updated_at, 0)"

int notify_kinds(struct db *db, struct arena *a, struct notice_kind **out)
{
	int n = (int)db_int(db, 0, "SELECT count(*) FROM notice_template", NULL);
	*out = arena_calloc(a, sizeof **out * (size_t)(n + 1));
	sqlite3_stmt *st = db_query(db, "SELECT " KIND_COLUMNS " FROM notice_template "
		"ORDER BY name", NULL);
	if (!st)
		return -1;
	int i = 0;
	while (db_row(db, st)) {
		if (i < n)
			kind_from_row(a, st, &(*out)[i++]);
	}
	return i;
}

int notify_kind_get(struct db *db, struct arena *a, const char *kind, struct notice_kind *out)
{
	sqlite3_stmt *st = db_query(db, "SELECT " KIND_COLUMNS " FROM notice_template "
		"WHERE kind = ?", "t", kind);
	if (!st)
		return -1;
	if (!db_row(db, st))
		return 1;
	kind_from_row(a, st, out);
	db_done(st);
	return 0;
}

void notify_common_fields(struct db *db, struct arena *a, long long account_id, struct tv *view)
{
	const char *name = "";
	sqlite3_stmt *st = db_query(db, "SELECT name FROM account WHERE id = ?", "i", account_id);
	if (st && db_row(db, st)) {
		name = db_text(a, st, 0);
		db_done(st);
	}
	tv_set_str(view, "member_name", name);
	tv_set_str(view, "library_name", desk_library_name(db, a));
	tv_set_str(view, "account_url", notify_url(a, "/account"));
}

/* ---- queueing ---- */

struct addressee {
	const char *email, *phone, *channel;
};

/* Returns 0, 1 when the account is gone, -1 on error. */
static int addressee_get(struct db *db, struct arena *a, long long account_id,
	struct addressee *to)
{
	/* A removed member (lib/privacy.h) is as gone as a deleted account. */
	sqlite3_stmt *st = db_query(db, "SELECT email, phone, notice_channel FROM account "
		"WHERE id = ? AND removed_at IS NULL", "i", account_id);
	if (!st)
		return -1;
	if (!db_row(db, st))
		return 1;
	to->email = db_text(a, st, 0);
	to->phone = db_text(a, st, 1);
	to->channel = db_text(a, st, 2);
	db_done(st);
	return 0;
}

static int queue_row(struct db *db, time_t now, const struct notice *n, const char *key,
	const char *channel, const char *recipient, const char *subject, const char *body,
	const char *html)
{
	if (db_exec(db, "INSERT INTO outbox(account_id, kind, channel, recipient, subject, body, "
		"body_html, dedupe_key, next_attempt_at, created_at) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) "
		"ON CONFLICT(dedupe_key, channel) DO NOTHING", "ittttttti",
		n->account_id, n->kind, channel, recipient, subject, body, html, key,
		(long long)now) != SQLITE_OK)
		return -1;
	return db_changes(db);
}

static int queue_in_app(struct db *db, time_t now, long long account_id, const char *kind,
	const char *key, const char *subject, const char *body, const char *link)
{
	if (db_exec(db, "INSERT INTO notification(account_id, kind, subject, body, link, "
		"dedupe_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
		"ON CONFLICT(account_id, dedupe_key) DO NOTHING", "ittttti", account_id, kind,
		subject, body, link ? link : "", key, (long long)now) != SQLITE_OK)
		return -1;
	if (db_changes(db) == 1)
		touch(account_id);
	return db_changes(db);
}

int notify_queue(struct db *db, struct arena *a, time_t now, const struct notice *n)
{
	struct addressee to;
	int got = addressee_get(db, a, n->account_id, &to);
	if (got)
		return got < 0 ? -1 : 0;
	struct notice_kind k;
	if (notify_kind_get(db, a, n->kind, &k))
		return -1;
	struct tv *view = n->fields ? n->fields : tv_obj(a);
	notify_common_fields(db, a, n->account_id, view);
	struct notice_message m;
	char err[512];
	const struct tmpl_set *set = compiled_for(&k, err, sizeof err);
	if (!set || render_parts(set, a, view, &m, err, sizeof err)) {
		/* Templates are checked when saved; this is a stored one broken
		** by hand. Said in the log, since no page shows it. */
		fprintf(stderr, "carrel: the %s notice does not render: %s\n", n->kind, err);
		return -1;
	}
	const char *key = notify_dedupe_key(a, n);
	bool has_phone = to.phone[0] != '\0' && m.sms[0] != '\0' && !n->email_only;
	bool by_sms = has_phone && strcmp(to.channel, "email");
	bool by_email = !by_sms || !strcmp(to.channel, "both");
	int queued = 0, rc;
	if (by_email) {
		rc = queue_row(db, now, n, key, "email", to.email, m.subject, m.text, m.html);
		if (rc < 0)
			return -1;
		queued += rc;
	}
	if (by_sms) {
		rc = queue_row(db, now, n, key, "sms", to.phone, m.subject, m.sms, "");
		if (rc < 0)
			return -1;
		queued += rc;
	}
	if (!n->email_only && queue_in_app(db, now, n->account_id, n->kind, key, m.subject,
			m.text, n->link ? n->link : "/account") < 0)
		return -1;
	return queued;
}

int notify_staff(struct db *db, struct arena *a, time_t now, const char *kind,
	const char *dedupe_key, const char *subject, const char *body, const char *link)
{
	sqlite3_stmt *st = db_query(db, "SELECT id FROM account "
		"WHERE role IN ('librarian', 'admin') AND disabled_at IS NULL ORDER BY id", NULL);
	if (!st)
		return -1;
	int n = 0, cap = 16;
	long long *ids = arena_alloc(a, sizeof *ids * (size_t)cap);
	while (db_row(db, st)) {
		if (n == cap) {
			long long *more = arena_alloc(a, sizeof *more * (size_t)cap * 2);
			memcpy(more, ids, sizeof *ids * (size_t)n);
			ids = more;
			cap *= 2;
		}
		ids[n++] = db_col_int(st, 0);
	}
	int told = 0;
	for (int i = 0; i < n; i++) {
		int rc = queue_in_app(db, now, ids[i], kind, dedupe_key, subject, body, link);
		if (rc < 0)
			return -1;
		told += rc;
	}
	return told;
}

int notify_list(struct db *db, struct arena *a, long long account_id, int max,
	struct notice_row **out)
{
	*out = arena_calloc(a, sizeof **out * (size_t)(max + 1));
	sqlite3_stmt *st = db_query(db, "SELECT id, created_at, channel, recipient, subject, "
		"status, last_error FROM outbox WHERE account_id = ? "
		"ORDER BY created_at DESC, id DESC LIMIT ?", "ii", account_id, (long long)max);
	if (!st)
		return -1;
	int n = 0;
	while (db_row(db, st)) {
		struct notice_row *r = &(*out)[n++];
		r->id = db_col_int(st, 0);
		r->created_at = db_col_int(st, 1);
		r->channel = db_text(a, st, 2);
		r->recipient = db_text(a, st, 3);
		r->subject = db_text(a, st, 4);
		r->status = db_text(a, st, 5);
		r->last_error = db_text(a, st, 6);
	}
	return n;
}

int notify_unread(struct db *db, long long account_id)
{
	return (int)db_int(db, 0, "SELECT count(*) FROM notification "
		"WHERE account_id = ? AND read_at IS NULL", "i", account_id);
}

/* ---- carrel-cron's tasks ---- */

int cron_task_begin(struct db *db, const char *name, time_t now)
{
	return db_exec(db, "INSERT INTO cron_task(name, started_at, outcome, runs) "
		"VALUES (?1, ?2, 'running', 0) ON CONFLICT(name) DO UPDATE SET "
		"started_at = ?2, finished_at = NULL, outcome = 'running', message = ''",
		"ti", name, (long long)now) == SQLITE_OK ? 0 : -1;
}

int cron_task_end(struct db *db, const char *name, time_t now, bool ok, const char *message)
{
	return db_exec(db, "UPDATE cron_task SET finished_at = ?, outcome = ?, message = ?, "
		"runs = runs + 1 WHERE name = ?", "ittt", (long long)now, ok ? "ok" : "failed",
		message ? message : "", name) == SQLITE_OK ? 0 : -1;
}

long long cron_last_finished(struct db *db)
{
	return db_int(db, 0, "SELECT coalesce(max(finished_at), 0) FROM cron_task", NULL);
}
