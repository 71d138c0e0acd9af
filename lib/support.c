/*
** support.c: support tickets and the rules the help pages tell. See
** support.h.
*/
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "circulation.h"
#include "desk.h"
#include "ebooks.h"
#include "members.h"
#include "notify.h"
#include "rules.h"
#include "support.h"

/* ---- checking what was typed ---- */

static const char *text_problem(const char *s, size_t max, const char *empty,
	const char *too_long)
{
	if (!s || !*s)
		return empty;
	if (valid_utf8_chars(s) > max)
		return too_long;
	return NULL;
}

bool support_validate(struct arena *a, struct support_input *in, bool visitor,
	struct form_errors *errs)
{
	int before = errs->n;
	in->subject = valid_trim(a, in->subject);
	in->message = valid_trim(a, in->message);
	const char *msg = text_problem(in->subject, SUPPORT_SUBJECT_MAX,
		"Please say in a few words what your question is about.",
		"Please keep the subject under 200 characters.");
	if (!msg && valid_has_control(in->subject))
		msg = "The subject must be one line.";
	if (msg)
		form_error(errs, "subject", msg);
	msg = text_problem(in->message, SUPPORT_MESSAGE_MAX, "Please write your question.",
		"Please keep your message under 5,000 characters.");
	if (msg)
		form_error(errs, "message", msg);
	if (visitor) {
		in->name = valid_trim(a, in->name);
		in->email = valid_trim(a, in->email);
		if ((msg = valid_name(in->name)))
			form_error(errs, "name", msg);
		if ((msg = valid_email(in->email)))
			form_error(errs, "email", msg);
	} else {
		in->name = in->email = "";
	}
	return errs->n == before;
}

const char *support_reply_problem(struct arena *a, const char *typed, const char **body)
{
	*body = valid_trim(a, typed);
	return text_problem(*body, SUPPORT_MESSAGE_MAX, "Please write a message.",
		"Please keep your message under 5,000 characters.");
}

const char *support_status_words(const char *status, bool staff)
{
	if (!strcmp(status, "open"))
		return staff ? "Waiting for an answer" : "Waiting for the library";
	if (!strcmp(status, "answered"))
		return "Answered";
	if (!strcmp(status, "closed"))
		return "Closed";
	return status;
}

/* ---- opening ---- */

static int visitor_limit(struct db *db)
{
	return (int)db_int(db, SUPPORT_VISITOR_LIMIT_DEFAULT, "SELECT CAST(value AS INTEGER) "
		"FROM setting WHERE key = ?", "t", SUPPORT_SETTING_VISITOR_LIMIT);
}

static bool visitor_over_limit(struct db *db, const char *remote_addr, time_t now)
{
	long long opened = db_int(db, 0, "SELECT count(*) FROM support_ticket "
		"WHERE account_id IS NULL AND remote_addr = ? AND created_at > ?", "ti",
		remote_addr ? remote_addr : "", (long long)(now - SUPPORT_WINDOW));
	return opened >= visitor_limit(db);
}

static int add_message(struct db *db, time_t now, long long ticket_id, long long author_id,
	bool from_staff, const char *body)
{
	return db_exec(db, "INSERT INTO support_message(ticket_id, author_id, from_staff, body, "
		"created_at) VALUES (?, nullif(?, 0), ?, ?, ?)", "iiiti", ticket_id, author_id,
		(long long)from_staff, body, (long long)now) == SQLITE_OK ? 0 : -1;
}

/* The asker's name: the member's, or the visitor's as given. */
static const char *asker_name(struct db *db, struct arena *a, long long ticket_id)
{
	const char *name = "";
	sqlite3_stmt *st = db_query(db, "SELECT coalesce(a.name, t.name) FROM support_ticket t "
		"LEFT JOIN account a ON a.id = t.account_id WHERE t.id = ?", "i", ticket_id);
	if (st && db_row(db, st)) {
		name = db_text(a, st, 0);
		db_done(st);
	}
	return name[0] ? name : "A visitor";
}

static int tell_staff(struct db *db, struct arena *a, time_t now, long long ticket_id,
	const char *key, const char *subject, const char *what)
{
	return notify_staff(db, a, now, "support-ticket", key,
		arena_printf(a, "%s: %s", what, subject),
		arena_printf(a, "%s wrote about \"%s\".", asker_name(db, a, ticket_id), subject),
		arena_printf(a, "/staff/support/%lld", ticket_id)) < 0 ? -1 : 0;
}

enum support_result support_open(struct db *db, struct arena *a, time_t now,
	long long account_id, const struct support_input *in, const char *remote_addr,
	long long *ticket_id)
{
	*ticket_id = 0;
	if (db_begin(db))
		return SUPPORT_ERROR;
	if (!account_id && visitor_over_limit(db, remote_addr, now)) {
		db_rollback(db);
		return SUPPORT_THROTTLED;
	}
	if (db_exec(db, "INSERT INTO support_ticket(account_id, name, email, subject, "
		    "remote_addr, created_at, updated_at) VALUES (nullif(?, 0), ?, ?, ?, ?, ?, ?)",
		    "ittttii", account_id, in->name, in->email, in->subject,
		    remote_addr ? remote_addr : "", (long long)now, (long long)now) != SQLITE_OK)
		goto error;
	long long id = db_last_id(db);
	if (add_message(db, now, id, account_id, false, in->message) ||
	    tell_staff(db, a, now, id, arena_printf(a, "support-ticket:%lld", id), in->subject,
		    "New question"))
		goto error;
	if (db_commit(db))
		goto error;
	*ticket_id = id;
	return SUPPORT_OK;
error:
	db_rollback(db);
	return SUPPORT_ERROR;
}

/* ---- reading ---- */

#define TICKET_COLUMNS "t.id, coalesce(t.account_id, 0), t.created_at, t.updated_at, " \
	"t.subject, t.status, coalesce(a.name, t.name), coalesce(a.email, t.email), " \
	"(SELECT count(*) FROM support_message m WHERE m.ticket_id = t.id), " \
	"(SELECT coalesce(max(m.created_at), 0) FROM support_message m " \
	" WHERE m.ticket_id = t.id AND m.from_staff) "

static void ticket_from_row(struct arena *a, sqlite3_stmt *st, struct support_ticket *t)
{
	t->id = db_col_int(st, 0);
	t->account_id = db_col_int(st, 1);
	t->created_at = db_col_int(st, 2);
	t->updated_at = db_col_int(st, 3);
	t->subject = db_text(a, st, 4);
	t->status = db_text(a, st, 5);
	t->name = db_text(a, st, 6);
	t->email = db_text(a, st, 7);
	t->messages = (long)db_col_int(st, 8);
	t->answered_at = db_col_int(st, 9);
}

static bool known_status(const char *status)
{
	return status && (!strcmp(status, "open") || !strcmp(status, "answered") ||
		!strcmp(status, "closed"));
}

int support_list(struct db *db, struct arena *a, const char *status, long long account_id,
	long page, int per_page, struct support_ticket **out, long *total)
{
	const char *only = known_status(status) ? status : "";
	*total = (long)db_int(db, 0, "SELECT count(*) FROM support_ticket "
		"WHERE (?1 = '' OR status = ?1) AND (?2 = 0 OR account_id = ?2)", "ti", only,
		account_id);
	*out = arena_calloc(a, sizeof **out * (size_t)(per_page + 1));
	if (page < 1)
		page = 1;
	sqlite3_stmt *st = db_query(db, "SELECT " TICKET_COLUMNS "FROM support_ticket t "
		"LEFT JOIN account a ON a.id = t.account_id "
		"WHERE (?1 = '' OR t.status = ?1) AND (?2 = 0 OR t.account_id = ?2) "
		"ORDER BY CASE t.status WHEN 'open' THEN 0 WHEN 'answered' THEN 1 ELSE 2 END, "
		"t.updated_at DESC, t.id DESC LIMIT ?3 OFFSET ?4", "tiii", only, account_id,
		(long long)per_page, (long long)(page - 1) * per_page);
	if (!st)
		return -1;
	int n = 0;
	while (n < per_page && db_row(db, st))
		ticket_from_row(a, st, &(*out)[n++]);
	if (n == per_page)
		db_done(st);
	return n;
}

long support_open_count(struct db *db)
{
	return (long)db_int(db, 0, "SELECT count(*) FROM support_ticket WHERE status = 'open'",
		NULL);
}

int support_get(struct db *db, struct arena *a, long long id, long long member_id,
	struct support_ticket *out)
{
	sqlite3_stmt *st = db_query(db, "SELECT " TICKET_COLUMNS "FROM support_ticket t "
		"LEFT JOIN account a ON a.id = t.account_id "
		"WHERE t.id = ?1 AND (?2 = 0 OR t.account_id = ?2)", "ii", id, member_id);
	if (!st)
		return -1;
	if (!db_row(db, st))
		return 1;
	ticket_from_row(a, st, out);
	db_done(st);
	return 0;
}

int support_thread(struct db *db, struct arena *a, long long ticket_id,
	struct support_message **out)
{
	int n = (int)db_int(db, 0, "SELECT count(*) FROM support_message WHERE ticket_id = ?",
		"i", ticket_id);
	*out = arena_calloc(a, sizeof **out * (size_t)(n + 1));
	sqlite3_stmt *st = db_query(db, "SELECT m.id, coalesce(m.author_id, 0), m.created_at, "
		"m.from_staff, coalesce(a.name, ''), m.body FROM support_message m "
		"LEFT JOIN account a ON a.id = m.author_id WHERE m.ticket_id = ? ORDER BY m.id",
		"i", ticket_id);
	if (!st)
		return -1;
	int i = 0;
	while (i < n && db_row(db, st)) {
		struct support_message *m = &(*out)[i++];
		m->id = db_col_int(st, 0);
		m->author_id = db_col_int(st, 1);
		m->created_at = db_col_int(st, 2);
		m->from_staff = db_col_int(st, 3) != 0;
		m->author = db_text(a, st, 4);
		m->body = db_text(a, st, 5);
	}
	if (i == n)
		db_done(st);
	return i;
}

/* ---- answering ---- */

/* The visitor's email: the same notice, rendered with the name they gave,
** queued straight to their address (they have no account, so no other
** channel and no notification centre). Returns 0 or -1. */
static int email_visitor(struct db *db, struct arena *a, time_t now,
	const struct support_ticket *t, struct tv *fields, const char *key)
{
	struct notice_kind k;
	if (notify_kind_get(db, a, "support-answer", &k))
		return -1;
	tv_set_str(fields, "member_name", t->name);
	tv_set_str(fields, "library_name", desk_library_name(db, a));
	tv_set_str(fields, "account_url", notify_url(a, "/support"));
	struct notice_message m;
	char err[512];
	if (notify_render(a, k.fields, &k.texts, fields, &m, err, sizeof err)) {
		fprintf(stderr, "carrel: the support-answer notice does not render: %s\n", err);
		return -1;
	}
	return db_exec(db, "INSERT INTO outbox(account_id, kind, channel, recipient, subject, "
		"body, body_html, dedupe_key, next_attempt_at, created_at) "
		"VALUES (NULL, 'support-answer', 'email', ?1, ?2, ?3, ?4, ?5, ?6, ?6) "
		"ON CONFLICT(dedupe_key, channel) DO NOTHING", "ttttti",
		t->email, m.subject, m.text, m.html, key, (long long)now) == SQLITE_OK ? 0 : -1;
}

static int tell_asker(struct db *db, struct arena *a, time_t now,
	const struct support_ticket *t, long long message_id, const char *answer)
{
	struct tv *fields = tv_obj(a);
	tv_set_str(fields, "subject", t->subject);
	tv_set_str(fields, "answer", answer);
	if (t->account_id) {
		const char *path = arena_printf(a, "/account/support/%lld", t->id);
		tv_set_str(fields, "ticket_url", notify_url(a, path));
		struct notice n = {
			.kind = "support-answer", .account_id = t->account_id,
			.object = arena_printf(a, "support-message:%lld", message_id), .bucket = "",
			.fields = fields, .link = path,
		};
		return notify_queue(db, a, now, &n) < 0 ? -1 : 0;
	}
	if (!t->email[0])
		return 0;    /* an account removed since: nobody to tell */
	tv_set_str(fields, "ticket_url", notify_url(a, "/support"));
	return email_visitor(db, a, now, t, fields,
		arena_printf(a, "support-answer:visitor:support-message:%lld", message_id));
}

/* Open the write transaction of a reply to ticket ticket_id (owner 0:
** any ticket, for staff; else only that member's), read it into *t and add
** author_id's message. SUPPORT_OK leaves the transaction open for the
** caller; anything else has rolled it back. */
static enum support_result begin_reply(struct db *db, struct arena *a, time_t now,
	long long ticket_id, long long owner, long long author_id, const char *body,
	struct support_ticket *t)
{
	if (db_begin(db))
		return SUPPORT_ERROR;
	enum support_result rc = SUPPORT_OK;
	int got = support_get(db, a, ticket_id, owner, t);
	if (got)
		rc = got > 0 ? SUPPORT_NOT_FOUND : SUPPORT_ERROR;
	else if (!strcmp(t->status, "closed"))
		rc = SUPPORT_CLOSED;
	else if (add_message(db, now, ticket_id, author_id, owner == 0, body))
		rc = SUPPORT_ERROR;
	if (rc != SUPPORT_OK)
		db_rollback(db);
	return rc;
}

enum support_result support_answer(struct db *db, struct arena *a, time_t now,
	long long staff_id, long long ticket_id, const char *body)
{
	struct support_ticket t;
	enum support_result rc = begin_reply(db, a, now, ticket_id, 0, staff_id, body, &t);
	if (rc != SUPPORT_OK)
		return rc;
	long long message_id = db_last_id(db);
	if (db_exec(db, "UPDATE support_ticket SET status = 'answered', updated_at = ? "
		    "WHERE id = ?", "ii", (long long)now, ticket_id) != SQLITE_OK ||
	    audit_record(db, staff_id, now, "support.answer",
		    arena_printf(a, "support_ticket:%lld", ticket_id), t.subject, t.status,
		    "answered") ||
	    tell_asker(db, a, now, &t, message_id, body) ||
	    db_commit(db))
		goto error;
	return SUPPORT_OK;
error:
	db_rollback(db);
	return SUPPORT_ERROR;
}

enum support_result support_follow_up(struct db *db, struct arena *a, time_t now,
	long long member_id, long long ticket_id, const char *body)
{
	if (!member_id)
		return SUPPORT_NOT_FOUND;
	struct support_ticket t;
	enum support_result rc = begin_reply(db, a, now, ticket_id, member_id, member_id,
		body, &t);
	if (rc != SUPPORT_OK)
		return rc;
	long long message_id = db_last_id(db);
	if (db_exec(db, "UPDATE support_ticket SET status = 'open', updated_at = ? WHERE id = ?",
		    "ii", (long long)now, ticket_id) != SQLITE_OK ||
	    tell_staff(db, a, now, ticket_id,
		    arena_printf(a, "support-follow-up:%lld", message_id), t.subject,
		    "Follow-up") ||
	    db_commit(db))
		goto error;
	return SUPPORT_OK;
error:
	db_rollback(db);
	return SUPPORT_ERROR;
}

/* Close (closing true) or reopen a ticket, with its audit row. */
static enum support_result set_closed(struct db *db, struct arena *a, time_t now,
	long long staff_id, long long ticket_id, bool closing)
{
	if (db_begin(db))
		return SUPPORT_ERROR;
	struct support_ticket t;
	int got = support_get(db, a, ticket_id, 0, &t);
	if (got) {
		db_rollback(db);
		return got > 0 ? SUPPORT_NOT_FOUND : SUPPORT_ERROR;
	}
	bool closed = !strcmp(t.status, "closed");
	if (closed == closing) {
		db_rollback(db);
		return SUPPORT_OK;
	}
	/* Reopened, it goes back to whoever wrote last: an answered ticket
	** stays answered, one whose last word is the asker's waits again. */
	const char *after = closing ? "closed" :
		db_int(db, 0, "SELECT from_staff FROM support_message WHERE ticket_id = ? "
			"ORDER BY id DESC LIMIT 1", "i", ticket_id) ? "answered" : "open";
	if (db_exec(db, "UPDATE support_ticket SET status = ?, updated_at = ? WHERE id = ?",
		    "tii", after, (long long)now, ticket_id) != SQLITE_OK ||
	    audit_record(db, staff_id, now, closing ? "support.close" : "support.reopen",
		    arena_printf(a, "support_ticket:%lld", ticket_id), t.subject, t.status, after) ||
	    db_commit(db)) {
		db_rollback(db);
		return SUPPORT_ERROR;
	}
	return SUPPORT_OK;
}

enum support_result support_close(struct db *db, struct arena *a, time_t now,
	long long staff_id, long long ticket_id)
{
	return set_closed(db, a, now, staff_id, ticket_id, true);
}

enum support_result support_reopen(struct db *db, struct arena *a, time_t now,
	long long staff_id, long long ticket_id)
{
	return set_closed(db, a, now, staff_id, ticket_id, false);
}

/* ---- the rules for the help pages ---- */

int support_rules_get(struct db *db, struct arena *a, struct support_rules *out)
{
	memset(out, 0, sizeof *out);
	struct circ_rule r;
	if (circ_rule_for(db, a, "*", "*", &r))
		return -1;
	out->loan_days = r.loan_days;
	out->max_loans = r.max_loans;
	out->max_renewals = r.max_renewals;
	out->grace_days = r.grace_days;
	out->hold_pickup_days = r.hold_pickup_days;
	out->no_renewal_before_days = r.no_renewal_before_days;
	out->fine_per_day_cents = r.fine_per_day_cents;
	out->fine_cap_cents = r.fine_cap_cents;
	struct circ_settings s;
	circ_settings_get(db, &s);
	out->block_fines_cents = s.block_fines_cents;
	out->renew_overdue_days = s.renew_overdue_days;
	struct ebook_rule e;
	ebooks_rule_for(db, a, "*", &e);
	out->ebook_days = e.loan_days;
	out->ebook_max = e.max_active;
	struct circ_rule *all;
	int nrules = rules_list(db, a, &all);
	out->other_rules = nrules > 1 ? nrules - 1 : 0;
	struct plan *plans;
	int n = plans_list(db, a, true, false, &plans);
	if (n < 0)
		return -1;
	out->plans = arena_calloc(a, sizeof *out->plans * (size_t)(n + 1));
	for (int i = 0; i < n; i++)
		out->plans[i] = (struct support_plan){ plans[i].name, plans[i].duration_days,
			plans[i].price_cents };
	out->nplans = n;
	return 0;
}
