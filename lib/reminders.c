/*
** reminders.c: the reminders carrel-cron queues. See reminders.h.
**
** Each kind is found by one query over an indexed day column (open loans
** by due_day, accounts by member_until), a day window per reminder day,
** leaving out what the outbox already holds under the reminder's dedupe
** key. Candidates are taken REMINDERS_BATCH at a time, in the index's
** order, and each batch is queued in one transaction: the outbox rows are
** the mark that a reminder was sent, so a crash loses at most the batch
** under way, which the next run queues again.
*/
#include "reminders.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "circulation.h"
#include "money.h"
#include "notify.h"

static const int default_overdue[] = { 1, 7, 14 };
static const int default_expiry[] = { 14, 7, 1 };

/* ---- settings ---- */

static int cmp_ascending(const void *x, const void *y)
{
	return *(const int *)x - *(const int *)y;
}

static int cmp_descending(const void *x, const void *y)
{
	return *(const int *)y - *(const int *)x;
}

/* Parse a list of days ("1, 7,14"), sorted and without duplicates.
** Returns the count, or -1 with why. */
static int parse_days(const char *s, int lo, int *out, const char **why)
{
	int n = 0;
	const char *p = s;
	while (*p == ' ')
		p++;
	if (!*p)
		return 0;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p < '0' || *p > '9') {
			*why = "Write whole numbers of days separated by commas, e.g. 1, 7, 14.";
			return -1;
		}
		char *end;
		long v = strtol(p, &end, 10);
		if (v < lo || v > REMINDERS_DAY_LIMIT || end - p > 3) {
			*why = lo ? "Each number of days must be from 1 to 365."
			          : "Each number of days must be from 0 to 365.";
			return -1;
		}
		bool seen = false;
		for (int i = 0; i < n; i++)
			seen |= out[i] == (int)v;
		if (!seen) {
			if (n == REMINDERS_DAYS_MAX) {
				*why = "At most 10 days in the list.";
				return -1;
			}
			out[n++] = (int)v;
		}
		p = end;
		while (*p == ' ')
			p++;
		if (!*p)
			return n;
		if (*p != ',') {
			*why = "Write whole numbers of days separated by commas, e.g. 1, 7, 14.";
			return -1;
		}
		p++;
	}
}

static const char *setting_text(struct db *db, struct arena *a, const char *key)
{
	sqlite3_stmt *st = db_query(db, "SELECT value FROM setting WHERE key = ?", "t", key);
	if (!st || !db_row(db, st))
		return NULL;
	const char *v = db_text(a, st, 0);
	db_done(st);
	return v;
}

void reminders_settings_get(struct db *db, struct reminder_settings *out)
{
	struct arena a;
	arena_init(&a, 1024);
	const char *why;
	memset(out, 0, sizeof *out);
	const char *soon = setting_text(db, &a, REMINDERS_SETTING_DUE_SOON);
	int days[REMINDERS_DAYS_MAX];
	out->due_soon_days = soon && parse_days(soon, 0, days, &why) == 1 ? days[0] : 2;

	const char *overdue = setting_text(db, &a, REMINDERS_SETTING_OVERDUE);
	out->n_overdue = overdue ? parse_days(overdue, 1, out->overdue, &why) : -1;
	if (out->n_overdue < 0) {
		out->n_overdue = 3;
		memcpy(out->overdue, default_overdue, sizeof default_overdue);
	}
	qsort(out->overdue, (size_t)out->n_overdue, sizeof (int), cmp_ascending);

	const char *expiry = setting_text(db, &a, REMINDERS_SETTING_EXPIRY);
	out->n_expiry = expiry ? parse_days(expiry, 1, out->expiry, &why) : -1;
	if (out->n_expiry < 0) {
		out->n_expiry = 3;
		memcpy(out->expiry, default_expiry, sizeof default_expiry);
	}
	qsort(out->expiry, (size_t)out->n_expiry, sizeof (int), cmp_descending);

	const char *ebook = setting_text(db, &a, REMINDERS_SETTING_EBOOK_EXPIRY);
	out->ebook_expiry_days = ebook && parse_days(ebook, 0, days, &why) == 1 ? days[0] : 2;
	arena_free(&a);
}

const char *reminders_days_text(struct arena *a, const int *days, int n)
{
	char text[REMINDERS_DAYS_MAX * 6 + 1] = "";
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "%s%d", i ? ", " : "",
			days[i]);
	return arena_strdup(a, text);
}

int reminders_settings_validate(const struct reminder_settings_input *in,
	struct reminder_settings *out, struct form_errors *errs)
{
	const char *why;
	int days[REMINDERS_DAYS_MAX];
	memset(out, 0, sizeof *out);
	int n = parse_days(in->due_soon_days ? in->due_soon_days : "", 0, days, &why);
	if (n != 1)
		form_error(errs, "due_soon_days", "Write one whole number of days from 0 to 365 "
			"(0 sends no due-soon reminders).");
	else
		out->due_soon_days = days[0];

	n = parse_days(in->overdue_days ? in->overdue_days : "", 1, out->overdue, &why);
	if (n < 0)
		form_error(errs, "overdue_days", why);
	else
		out->n_overdue = n;
	qsort(out->overdue, (size_t)out->n_overdue, sizeof (int), cmp_ascending);

	n = parse_days(in->expiry_days ? in->expiry_days : "", 1, out->expiry, &why);
	if (n < 0)
		form_error(errs, "expiry_days", why);
	else
		out->n_expiry = n;
	qsort(out->expiry, (size_t)out->n_expiry, sizeof (int), cmp_descending);

	out->ebook_expiry_days = -1;        /* not on the form: kept as saved */
	if (in->ebook_expiry_days) {
		n = parse_days(in->ebook_expiry_days, 0, days, &why);
		if (n != 1)
			form_error(errs, "ebook_expiry_days", "Write one whole number of days from 0 "
				"to 365 (0 sends no e-book reminders).");
		else
			out->ebook_expiry_days = days[0];
	}
	return errs->n ? -1 : 0;
}

static int save_setting(struct db *db, const char *key, const char *value)
{
	return db_exec(db, "INSERT INTO setting(key, value) VALUES (?1, ?2) "
		"ON CONFLICT(key) DO UPDATE SET value = ?2", "tt", key, value) == SQLITE_OK ? 0 : -1;
}

int reminders_settings_save(struct db *db, struct arena *a, const struct reminder_settings *s,
	long long actor_id, time_t now)
{
	struct reminder_settings old;
	reminders_settings_get(db, &old);
	const char *soon = arena_printf(a, "%d", s->due_soon_days);
	const char *overdue = reminders_days_text(a, s->overdue, s->n_overdue);
	const char *expiry = reminders_days_text(a, s->expiry, s->n_expiry);
	int ebook_days = s->ebook_expiry_days >= 0 ? s->ebook_expiry_days : old.ebook_expiry_days;
	const char *ebook = arena_printf(a, "%d", ebook_days);
	const char *detail = arena_printf(a, "due soon %d -> %s; overdue %s -> %s; "
		"membership ending %s -> %s; e-book access ending %d -> %s", old.due_soon_days, soon,
		reminders_days_text(a, old.overdue, old.n_overdue), overdue,
		reminders_days_text(a, old.expiry, old.n_expiry), expiry, old.ebook_expiry_days, ebook);
	if (db_begin(db))
		return -1;
	if (save_setting(db, REMINDERS_SETTING_DUE_SOON, soon) ||
	    save_setting(db, REMINDERS_SETTING_OVERDUE, overdue) ||
	    save_setting(db, REMINDERS_SETTING_EXPIRY, expiry) ||
	    save_setting(db, REMINDERS_SETTING_EBOOK_EXPIRY, ebook) ||
	    db_exec(db, "INSERT INTO audit(at, actor_id, action, object, detail) "
		"VALUES (?, nullif(?, 0), 'notices.settings', 'setting:notices', ?)", "iit",
		(long long)now, actor_id, detail) != SQLITE_OK ||
	    db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

/* ---- queueing ---- */

/* One reminder to queue, read from its candidate query. */
struct candidate {
	long long id;             /* the loan, or the account */
	long long account_id;
	const char *day;          /* the due day, or the membership's last day */
	const char *name;         /* the title, or the plan */
	long fine_cents;          /* overdue: the fine so far */
};

/* A day window of one reminder day: candidates whose day is in [from, to]
** (YYYY-MM-DD), told with bucket. */
struct window {
	const char *kind;
	int threshold;            /* the reminder day it stands for */
	char from[11], to[11];
};

struct run {
	struct db *db;
	struct arena *batch_arena;     /* reset after each batch */
	time_t now;
	lday today;
	struct closed_days closed;
	reminders_progress_fn progress;
	void *progress_ctx;
	struct reminder_counts *counts;
	int done;                      /* notices queued so far */
};

/* The candidates of a window after (after_day, after_id), at most
** REMINDERS_BATCH, into out. Returns the count or -1. */
static int due_soon_batch(struct run *r, const struct window *w, const char *after_day,
	long long after_id, struct candidate *out)
{
	sqlite3_stmt *st = db_query(r->db, "SELECT l.id, l.account_id, l.due_day, t.title "
		"FROM loan l JOIN copy c ON c.id = l.copy_id JOIN title t ON t.id = c.title_id "
		"WHERE l.returned_at IS NULL AND l.due_day BETWEEN ?1 AND ?2 "
		"AND (l.due_day, l.id) > (?3, ?4) "
		"AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dedupe_key = "
		"'due-soon:' || l.account_id || ':loan:' || l.id || ':' || l.due_day) "
		"ORDER BY l.due_day, l.id LIMIT ?5", "tttii", w->from, w->to, after_day,
		after_id, (long long)REMINDERS_BATCH);
	if (!st)
		return -1;
	int n = 0;
	while (db_row(r->db, st)) {
		struct candidate *c = &out[n++];
		c->id = db_col_int(st, 0);
		c->account_id = db_col_int(st, 1);
		c->day = db_text(r->batch_arena, st, 2);
		c->name = db_text(r->batch_arena, st, 3);
	}
	return n;
}

static int overdue_batch(struct run *r, const struct window *w, const char *after_day,
	long long after_id, struct candidate *out)
{
	const char *bucket_start = arena_printf(r->batch_arena, "overdue-%d:", w->threshold);
	sqlite3_stmt *st = db_query(r->db, "SELECT l.id, l.account_id, l.due_day, t.title, "
		"l.fine_per_day_cents, l.grace_days, l.fine_cap_cents "
		"FROM loan l JOIN copy c ON c.id = l.copy_id JOIN title t ON t.id = c.title_id "
		"WHERE l.returned_at IS NULL AND l.due_day BETWEEN ?1 AND ?2 "
		"AND (l.due_day, l.id) > (?3, ?4) "
		"AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dedupe_key = "
		"'overdue:' || l.account_id || ':loan:' || l.id || ':' || ?6 || l.due_day) "
		"ORDER BY l.due_day, l.id LIMIT ?5", "tttiit", w->from, w->to, after_day,
		after_id, (long long)REMINDERS_BATCH, bucket_start);
	if (!st)
		return -1;
	int n = 0;
	while (db_row(r->db, st)) {
		struct candidate *c = &out[n++];
		c->id = db_col_int(st, 0);
		c->account_id = db_col_int(st, 1);
		c->day = db_text(r->batch_arena, st, 2);
		c->name = db_text(r->batch_arena, st, 3);
		struct fine_rule rule = {
			.per_day_cents = (long)db_col_int(st, 4),
			.grace_days = (int)db_col_int(st, 5),
			.cap_cents = (long)db_col_int(st, 6),
		};
		lday due = 0;
		cal_parse(c->day, &due);
		c->fine_cents = cal_fine(&r->closed, &rule, due, r->today).cents;
	}
	return n;
}

static int expiring_batch(struct run *r, const struct window *w, const char *after_day,
	long long after_id, struct candidate *out)
{
	const char *bucket_start = arena_printf(r->batch_arena, "expiring-%d:", w->threshold);
	sqlite3_stmt *st = db_query(r->db, "SELECT a.id, a.member_until, "
		"coalesce(p.name, 'library') FROM account a LEFT JOIN plan p ON p.id = a.member_plan_id "
		"WHERE a.member_until BETWEEN ?1 AND ?2 AND (a.member_until, a.id) > (?3, ?4) "
		"AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dedupe_key = "
		"'membership-expiring:' || a.id || ':membership:' || ?6 || a.member_until) "
		"ORDER BY a.member_until, a.id LIMIT ?5", "tttiit", w->from, w->to, after_day,
		after_id, (long long)REMINDERS_BATCH, bucket_start);
	if (!st)
		return -1;
	int n = 0;
	while (db_row(r->db, st)) {
		struct candidate *c = &out[n++];
		c->id = c->account_id = db_col_int(st, 0);
		c->day = db_text(r->batch_arena, st, 1);
		c->name = db_text(r->batch_arena, st, 2);
	}
	return n;
}

/* The notice of one candidate. */
static void notice_of(struct run *r, const struct window *w, const struct candidate *c,
	struct notice *n)
{
	struct arena *a = r->batch_arena;
	lday day = 0;
	cal_parse(c->day, &day);
	struct tv *f = tv_obj(a);
	memset(n, 0, sizeof *n);
	n->kind = w->kind;
	n->account_id = c->account_id;
	n->fields = f;
	if (!strcmp(w->kind, "membership-expiring")) {
		n->object = "membership";
		n->bucket = arena_printf(a, "expiring-%d:%s", w->threshold, c->day);
		tv_set_str(f, "plan", c->name);
		tv_set_str(f, "end", cal_show_day(a, c->day));
		tv_set_int(f, "days", day - r->today);
		return;
	}
	n->object = arena_printf(a, "loan:%lld", c->id);
	tv_set_str(f, "title", c->name);
	tv_set_str(f, "due", cal_show_day(a, c->day));
	if (!strcmp(w->kind, "due-soon")) {
		n->bucket = c->day;
		tv_set_int(f, "days", day - r->today);
	} else {
		n->bucket = arena_printf(a, "overdue-%d:%s", w->threshold, c->day);
		tv_set_int(f, "days", r->today - day);
		if (c->fine_cents > 0)
			tv_set_str(f, "fine", money_show(r->db, a, c->fine_cents));
	}
}

static int *count_of(struct reminder_counts *counts, const char *kind)
{
	if (!strcmp(kind, "due-soon"))
		return &counts->due_soon;
	if (!strcmp(kind, "overdue"))
		return &counts->overdue;
	return &counts->expiring;
}

typedef int (*batch_fn)(struct run *r, const struct window *w, const char *after_day,
	long long after_id, struct candidate *out);

/* Queue every candidate of one window, a batch per transaction. */
static int queue_window(struct run *r, const struct window *w, batch_fn fetch)
{
	struct candidate *batch = malloc(sizeof *batch * REMINDERS_BATCH);
	char after_day[11] = "";
	long long after_id = 0;
	int rc = 0;
	for (;;) {
		arena_reset(r->batch_arena);
		if (db_begin(r->db)) {
			rc = -1;
			break;
		}
		int n = fetch(r, w, after_day, after_id, batch);
		int queued = 0;
		for (int i = 0; i < n && queued >= 0; i++) {
			struct notice notice;
			notice_of(r, w, &batch[i], &notice);
			int rows = notify_queue(r->db, r->batch_arena, r->now, &notice);
			if (rows < 0) {
				queued = -1;
				break;
			}
			if (rows > 0) {
				queued++;
				r->counts->rows += rows;
			}
		}
		if (n < 0 || queued < 0 || db_commit(r->db)) {
			db_rollback(r->db);
			rc = -1;
			break;
		}
		*count_of(r->counts, w->kind) += queued;
		r->done += queued;
		if (r->progress)
			r->progress(r->progress_ctx, w->kind, r->done);
		if (n < REMINDERS_BATCH)
			break;
		snprintf(after_day, sizeof after_day, "%s", batch[n - 1].day);
		after_id = batch[n - 1].id;
	}
	free(batch);
	return rc;
}

static void window_days(struct window *w, lday from, lday to)
{
	if (from < 0)
		snprintf(w->from, sizeof w->from, "0000-00-00");
	else
		cal_format(from, w->from);
	cal_format(to, w->to);
}

int reminders_queue(struct db *db, struct arena *a, time_t now,
	reminders_progress_fn progress, void *progress_ctx, struct reminder_counts *out)
{
	memset(out, 0, sizeof *out);
	struct reminder_settings s;
	reminders_settings_get(db, &s);
	struct arena batch_arena;
	arena_init(&batch_arena, 0);
	struct run r = { .db = db, .batch_arena = &batch_arena, .now = now,
		.today = cal_day_of(now), .progress = progress, .progress_ctx = progress_ctx,
		.counts = out };
	int rc = circ_closed_days(db, a, &r.closed);
	struct window w;

	/* Due soon: due within the days, from tomorrow. */
	if (!rc && s.due_soon_days > 0) {
		w = (struct window){ .kind = "due-soon", .threshold = s.due_soon_days };
		window_days(&w, r.today + 1, r.today + s.due_soon_days);
		rc = queue_window(&r, &w, due_soon_batch);
	}
	/* Overdue: a loan is in the window of the latest day it reached. */
	for (int i = 0; !rc && i < s.n_overdue; i++) {
		int t = s.overdue[i];
		w = (struct window){ .kind = "overdue", .threshold = t };
		lday oldest = i + 1 < s.n_overdue ? r.today - s.overdue[i + 1] + 1 : -1;
		window_days(&w, oldest, r.today - t);
		rc = queue_window(&r, &w, overdue_batch);
	}
	/* Membership ending: a member is in the window of the nearest day
	** reached, while at least a day is left. */
	for (int i = 0; !rc && i < s.n_expiry; i++) {
		int t = s.expiry[i];
		w = (struct window){ .kind = "membership-expiring", .threshold = t };
		int nearest = i + 1 < s.n_expiry ? s.expiry[i + 1] + 1 : 1;
		window_days(&w, r.today + nearest, r.today + t);
		rc = queue_window(&r, &w, expiring_batch);
	}
	arena_free(&batch_arena);
	return rc;
}
