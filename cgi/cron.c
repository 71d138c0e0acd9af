/*
** cron.c: carrel-cron, the scheduled jobs. Run it every minute or few (cron
** or a systemd timer); every task is safe to run again, and a lock keeps
** two runs from overlapping.
**
**   carrel-cron run [--now WHEN]       run every task that is due
**   carrel-cron deliver [--now WHEN]   only deliver the outbox (lib/deliver.h)
**
** Each task's start and end are recorded in cron_task (lib/notify.h), which
** staff read on /staff/notifications: a task that stops running or keeps
** failing does not go unnoticed. --now moves the clock (tests, or catching
** up by hand): WHEN is YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] in the library's
** time zone, or @UNIXSECONDS.
*/
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "calendar.h"
#include "catalogue.h"
#include "circulation.h"
#include "config.h"
#include "db.h"
#include "deliver.h"
#include "ebooks.h"
#include "live.h"
#include "monthly.h"
#include "notify.h"
#include "privacy.h"
#include "reminders.h"

/* What every task is given. */
struct cron {
	const struct config *cfg;
	struct db db;
	struct arena arena;       /* reset after each task */
	time_t now;
	bool on_terminal;         /* progress lines go to a terminal */
	bool clock_moved;         /* --now given */
};

/* A task: returns 0 with a one-line summary in msg, or -1 with the reason. */
struct cron_task_def {
	const char *name;         /* as recorded in cron_task */
	int (*run)(struct cron *c, char *msg, size_t msglen);
};

/* A progress line on a terminal, rewritten in place ("\r"); nothing when
** run by cron. Tasks call it every so often with what they are doing. */
void cron_progress(struct cron *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cron_progress(struct cron *c, const char *fmt, ...)
{
	if (!c->on_terminal)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("\r\033[K", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

/* ---- tasks ---- */

static int task_expire_holds(struct cron *c, char *msg, size_t msglen)
{
	int expired = circ_holds_expire(&c->db, &c->arena, c->now);
	if (expired < 0) {
		snprintf(msg, msglen, "expiring holds failed: %s", db_errmsg(&c->db));
		return -1;
	}
	snprintf(msg, msglen, "%d hold%s expired", expired, expired == 1 ? "" : "s");
	return 0;
}

static void reminders_progress(void *ctx, const char *kind, int done)
{
	cron_progress(ctx, "queueing reminders: %s, %d so far", kind, done);
}

/* Reminders (lib/reminders.h): due soon, overdue, membership ending. */
static int task_queue_reminders(struct cron *c, char *msg, size_t msglen)
{
	struct reminder_counts n;
	if (reminders_queue(&c->db, &c->arena, c->now, reminders_progress, c, &n)) {
		snprintf(msg, msglen, "queueing reminders failed after %d: %s",
			n.due_soon + n.overdue + n.expiring, db_errmsg(&c->db));
		return -1;
	}
	snprintf(msg, msglen, "%d due soon, %d overdue, %d membership ending queued",
		n.due_soon, n.overdue, n.expiring);
	return 0;
}

/* E-book loans (lib/ebooks.h): grants whose time has passed are marked
** expired (their members told), then "access ends in N days" reminders. */
static int task_ebooks(struct cron *c, char *msg, size_t msglen)
{
	int expired = ebooks_expire(&c->db, &c->arena, c->now);
	if (expired < 0) {
		snprintf(msg, msglen, "expiring e-book loans failed: %s", db_errmsg(&c->db));
		return -1;
	}
	int reminded = ebooks_remind(&c->db, &c->arena, c->now);
	if (reminded < 0) {
		snprintf(msg, msglen, "%d e-book loan%s expired; queueing their reminders failed: %s",
			expired, expired == 1 ? "" : "s", db_errmsg(&c->db));
		return -1;
	}
	snprintf(msg, msglen, "%d e-book loan%s expired, %d ending soon told", expired,
		expired == 1 ? "" : "s", reminded);
	return 0;
}

/* Once a day, the search's list of common terms and its window (lib/
** catalogue.h): words become common as the catalogue grows, and borrowing
** moves titles into the window and out. */
static int task_refresh_search(struct cron *c, char *msg, size_t msglen)
{
	long long at = db_int(&c->db, 0, "SELECT CAST(value AS INTEGER) FROM setting "
		"WHERE key = 'search.common_at'", NULL);
	if (at > 0 && c->now - at < 24 * 60 * 60 && c->now >= at) {
		snprintf(msg, msglen, "not due (once a day)");
		return 0;
	}
	/* Each in transactions of its own: the window is made a few thousand
	** titles at a time, so the desk is never kept waiting for long. */
	if (catalogue_common_terms(&c->db) ||
	    catalogue_search_window(&c->db, c->cfg->search_window)) {
		snprintf(msg, msglen, "refreshing the search's common terms and window failed");
		return -1;
	}
	snprintf(msg, msglen, "the search's common terms and window refreshed");
	return 0;
}

static void deliver_progress(void *arg, const struct deliver_totals *t)
{
	cron_progress(arg, "delivering notices: %d sent, %d waiting to retry, %d failed",
		t->emails_sent + t->emails_saved + t->sms_sent, t->retrying, t->failed);
}

/* Send what is due in the outbox (lib/deliver.h). The task fails when the
** mail server or the SMS gateway could not be used at all, so staff see it
** on /staff/notifications; a notice refused on its own is told to staff
** when it fails for good. */
static int task_deliver(struct cron *c, char *msg, size_t msglen)
{
	struct deliver_totals t;
	int rc = deliver_due(&c->db, c->cfg, c->now, &t, deliver_progress, c);
	deliver_summary(&t, msg, msglen);
	if (rc < 0) {
		size_t used = strlen(msg);
		snprintf(msg + used, msglen - used, "; then a database error: %s", db_errmsg(&c->db));
	}
	return rc == 0 ? 0 : -1;
}

/* ---- the monthly report (lib/monthly.h) ---- */

/* The email's templates, read from the configured folder when first needed. */
static struct tmpl_set *report_templates(struct cron *c, char *msg, size_t msglen)
{
	static struct tmpl_set *set;
	if (!set) {
		set = tmpl_set_new();
		char err[512];
		if (tmpl_set_load_dir(set, c->cfg->templates, err, sizeof err)) {
			snprintf(msg, msglen, "the templates in %s do not load: %s", c->cfg->templates, err);
			tmpl_set_free(set);
			set = NULL;
		}
	}
	return set;
}

static int send_monthly_report(struct cron *c, int year, int month, char *msg, size_t msglen)
{
	struct tmpl_set *tmpl = report_templates(c, msg, msglen);
	if (!tmpl)
		return -1;
	char err[512];
	int queued = monthly_send(&c->db, &c->arena, tmpl, year, month, c->now, err, sizeof err);
	if (queued < 0) {
		snprintf(msg, msglen, "the report for %04d-%02d: %s", year, month, err);
		return -1;
	}
	snprintf(msg, msglen, "the report for %04d-%02d: %d email%s queued%s", year, month, queued,
		queued == 1 ? "" : "s", queued ? "" : " (sent before)");
	return 0;
}

/* On the 1st of a month, last month's report; once (the outbox's dedupe
** key), however often carrel-cron runs that day. */
static int task_monthly_report(struct cron *c, char *msg, size_t msglen)
{
	int y, m, d;
	cal_to_ymd(cal_day_of(c->now), &y, &m, &d);
	if (d != 1) {
		snprintf(msg, msglen, "not due (on the 1st of each month)");
		return 0;
	}
	monthly_last_month(c->now, &y, &m);
	return send_monthly_report(c, y, m, msg, msglen);
}

/* The nightly backup (lib/backup.h) into the backups folder, once a library
** day from the hour the setting backup.hour names, then the rotation. */
static int task_backup(struct cron *c, char *msg, size_t msglen)
{
	struct backup_settings set;
	backup_settings_get(&c->db, &set);
	if (!backup_nightly_due(&c->arena, c->cfg->backups, &set, c->now)) {
		snprintf(msg, msglen, "not due (once a day from %02ld:00)", set.hour);
		return 0;
	}
	cron_progress(c, "making the nightly backup");
	char name[BACKUP_NAME_MAX], err[512];
	struct backup_summary s;
	if (backup_make_kept(&c->db, c->cfg->backups, c->cfg->uploads, true, c->now, 0, name, &s,
		err, sizeof err)) {
		snprintf(msg, msglen, "the nightly backup failed: %s", err);
		return -1;
	}
	int removed = backup_rotate(&c->arena, c->cfg->backups, &set);
	snprintf(msg, msglen, "%s made (%s); %d older backup%s removed by rotation", name,
		backup_size_words(&c->arena, s.archive_bytes), removed < 0 ? 0 : removed,
		removed == 1 ? "" : "s");
	return removed < 0 ? -1 : 0;
}

/* Returned loans older than the retention period lose their member
** (lib/privacy.h); nothing when the period is 0, the default. */
static int task_anonymise_loans(struct cron *c, char *msg, size_t msglen)
{
	long moved = privacy_anonymise_loans(&c->db, c->now);
	if (moved < 0) {
		snprintf(msg, msglen, "anonymising old loans failed: %s", db_errmsg(&c->db));
		return -1;
	}
	snprintf(msg, msglen, "%ld returned loan%s anonymised", moved, moved == 1 ? "" : "s");
	return 0;
}

/* The tasks of `carrel-cron run`, in order: delivery last, so that what
** the others queue goes out in the same run. */
static const struct cron_task_def run_tasks[] = {
	{ "queue-reminders", task_queue_reminders },
	{ "expire-holds", task_expire_holds },
	{ "ebooks", task_ebooks },
	{ "refresh-search", task_refresh_search },
	{ "monthly-report", task_monthly_report },
	{ "backup", task_backup },
	{ "anonymise-loans", task_anonymise_loans },
	{ "deliver", task_deliver },
};

/* `carrel-cron deliver`: delivery alone. */
static const struct cron_task_def deliver_tasks[] = {
	{ "deliver", task_deliver },
};

/* ---- running ---- */

/* Run one task, recording it; tell staff when it fails. */
static int run_task(struct cron *c, const struct cron_task_def *t)
{
	char msg[512] = "";
	time_t began = time(NULL);
	cron_task_begin(&c->db, t->name, c->now);
	int rc = t->run(c, msg, sizeof msg);
	if (c->on_terminal)
		fputs("\r\033[K", stderr);   /* the last progress line */
	cron_task_end(&c->db, t->name, c->now + (time(NULL) - began), rc == 0, msg);
	if (rc) {
		fprintf(stderr, "carrel-cron: %s: %s\n", t->name, msg);
		char day[11];
		cal_format(cal_day_of(c->now), day);
		notify_staff(&c->db, &c->arena, c->now, "cron-failed",
			arena_printf(&c->arena, "cron-failed:%s:%s", t->name, day),
			arena_printf(&c->arena, "A scheduled task failed: %s", t->name), msg,
			"/staff/notifications");
	} else {
		printf("carrel-cron: %s: %s\n", t->name, msg);
	}
	arena_reset(&c->arena);
	return rc;
}

static int run_tasks_in(struct cron *c, const struct cron_task_def *tasks, size_t n)
{
	int failed = 0;
	for (size_t i = 0; i < n; i++)
		failed += run_task(c, &tasks[i]) != 0;
	return failed ? 1 : 0;
}

/* Parse --now's WHEN in the library's time zone. */
static bool parse_when(const char *s, time_t *out)
{
	if (s[0] == '@') {
		char *end;
		errno = 0;
		long long v = strtoll(s + 1, &end, 10);
		if (errno || *end || end == s + 1)
			return false;
		*out = (time_t)v;
		return true;
	}
	struct tm tm = { 0 };
	int n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3)
		return false;
	const char *rest = s + n;
	if (*rest == 'T' || *rest == ' ') {
		int m = 0;
		if (sscanf(rest + 1, "%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &m) != 2)
			return false;
		rest += 1 + m;
		if (*rest == ':') {
			if (sscanf(rest + 1, "%2d%n", &tm.tm_sec, &m) != 1)
				return false;
			rest += 1 + m;
		}
	}
	if (*rest)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	*out = mktime(&tm);
	return *out != (time_t)-1;
}

/* Only one carrel-cron at a time per database: a lock file beside it. A
** run that finds it taken leaves at once (the other run does the work).
** Returns the held descriptor, -1 when taken, -2 on error. */
static int take_lock(const char *db_path)
{
	char path[600];
	snprintf(path, sizeof path, "%s.cron-lock", db_path);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -2;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return errno == EWOULDBLOCK ? -1 : -2;
	}
	return fd;
}

static void usage(FILE *out)
{
	fputs("usage: carrel-cron run [--now WHEN]\n"
	      "       carrel-cron deliver [--now WHEN]\n"
	      "       carrel-cron monthly-report --month YYYY-MM [--now WHEN]\n"
	      "\n"
	      "  run      run every scheduled task that is due: queue reminders (due\n"
	      "           soon, overdue, membership ending), expire holds not\n"
	      "           collected in time, end e-book loans whose time is up and\n"
	      "           remind those ending soon, refresh the search once a day, on the\n"
	      "           1st email last month's report to every librarian and admin,\n"
	      "           make the nightly backup (once a day from backup.hour) and\n"
	      "           rotate the kept ones, anonymise returned loans older than the\n"
	      "           loan history retention (once a day; none by default), and\n"
	      "           last deliver the notices that are due.\n"
	      "  deliver  only deliver the notices that are due (email, text messages);\n"
	      "           exits 1 when the mail server or the text message gateway\n"
	      "           could not be used (the notices are tried again later).\n"
	      "  monthly-report  email that month's report now, then deliver (once per\n"
	      "           person and month: a second run queues nothing).\n"
	      "\n"
	      "  --now WHEN  act as if it were WHEN (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]\n"
	      "              in the library's time zone, or @UNIXSECONDS)\n"
	      "\n"
	      "Only one carrel-cron runs at a time; a second one started meanwhile\n"
	      "says so and leaves. Each task's last run shows on /staff/notifications.\n",
	      out);
}

/* The clock: the real one, moved by --now, then by the tests' offset. */
static time_t cron_clock(struct cron *c, const char *when)
{
	time_t now = time(NULL);
	if (when)
		parse_when(when, &now);
	if (c->cfg->test_clock)
		now += (time_t)db_int(&c->db, 0, "SELECT CAST(value AS INTEGER) FROM setting "
			"WHERE key = 'test.clock_offset'", NULL);
	return now;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	const char *when = NULL, *month = NULL;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--month") && i + 1 < argc) {
			month = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "--now") && i + 1 < argc) {
			when = argv[++i];
			time_t t;
			if (!parse_when(when, &t)) {
				fprintf(stderr, "carrel-cron: --now %s: write the time as YYYY-MM-DD, "
					"YYYY-MM-DDTHH:MM or @UNIXSECONDS\n", when);
				return 2;
			}
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return 0;
	}
	int report_year = 0, report_month = 0;
	if (!strcmp(cmd, "monthly-report") &&
	    !monthly_parse(month, &report_year, &report_month)) {
		fputs("carrel-cron: monthly-report needs the month as --month YYYY-MM, "
			"e.g. --month 2026-11\n", stderr);
		return 2;
	}
	if (strcmp(cmd, "run") && strcmp(cmd, "deliver") && strcmp(cmd, "monthly-report")) {
		usage(stderr);
		return 2;
	}
	struct config cfg;
	char err[512];
	if (config_load(&cfg, err, sizeof err)) {
		fprintf(stderr, "carrel-cron: %s\n", err);
		return 1;
	}
	if (sodium_init() < 0)
		return 1;
	setenv("TZ", cfg.timezone, 1);
	tzset();
	notify_set_base_url(cfg.base_url);
	int lock = take_lock(cfg.db);
	if (lock == -1) {
		fputs("carrel-cron: another carrel-cron is running; leaving it the work\n", stderr);
		return 0;
	}
	if (lock < 0) {
		fprintf(stderr, "carrel-cron: cannot make the lock file beside %s: %s\n", cfg.db,
			strerror(errno));
		return 1;
	}
	struct cron c = { .cfg = &cfg, .on_terminal = isatty(STDERR_FILENO),
		.clock_moved = when != NULL };
	if (db_open(&c.db, cfg.db, err, sizeof err)) {
		fprintf(stderr, "carrel-cron: %s\n", err);
		return 1;
	}
	arena_init(&c.arena, 0);
	c.now = cron_clock(&c, when);
	int rc;
	if (!strcmp(cmd, "monthly-report")) {
		char msg[512];
		rc = send_monthly_report(&c, report_year, report_month, msg, sizeof msg) ? 1 : 0;
		fprintf(rc ? stderr : stdout, "carrel-cron: monthly-report: %s\n", msg);
		if (!rc)
			rc = run_tasks_in(&c, deliver_tasks, sizeof deliver_tasks / sizeof deliver_tasks[0]);
	} else if (!strcmp(cmd, "deliver")) {
		rc = run_tasks_in(&c, deliver_tasks, sizeof deliver_tasks / sizeof deliver_tasks[0]);
	} else {
		rc = run_tasks_in(&c, run_tasks, sizeof run_tasks / sizeof run_tasks[0]);
	}
	/* Pages open for the people this run notified show the new count. */
	live_publish_touched(&cfg, &c.db);
	arena_free(&c.arena);
	db_close(&c.db);
	close(lock);
	return rc;
}
