/*
** cron.c: carrel-cron, the scheduled jobs. Run it every few minutes (cron
** or a systemd timer); every job is safe to run again.
**
**   carrel-cron run     run every job that is due
**
** Jobs today: expire holds not collected by their pickup day, passing each
** copy to the next reader in the queue; once a day, refresh the search's
** list of common terms. Reminders, notices and the monthly
** report arrive with the notifications issue.
*/
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalogue.h"
#include "circulation.h"
#include "config.h"
#include "db.h"

static void usage(FILE *out)
{
	fputs("usage: carrel-cron run\n"
	      "\n"
	      "Runs the scheduled jobs once: today, expiring holds that were not\n"
	      "collected in time (the copy passes to the next in the queue), and\n"
	      "once a day refreshing the catalogue search's list of common words\n"
	      "and its window.\n"
	      "Reminders, overdue notices and the monthly report are not built yet.\n", out);
}

/* Once a day, the search's list of common terms and its window (lib/
** catalogue.h): words become common as the catalogue grows, and borrowing
** moves titles into the window and out. Returns 1 when refreshed, 0 when
** not due, -1 on error. */
static int refresh_search(struct db *db, const struct config *cfg, time_t now)
{
	long long at = db_int(db, 0, "SELECT CAST(value AS INTEGER) FROM setting "
		"WHERE key = 'search.common_at'", NULL);
	if (at > 0 && now - at < 24 * 60 * 60 && now >= at)
		return 0;
	/* Each in transactions of its own: the window is made a few thousand
	** titles at a time, so the desk is never kept waiting for long. */
	if (catalogue_common_terms(db) || catalogue_search_window(db, cfg->search_window))
		return -1;
	return 1;
}

static int run_jobs(const struct config *cfg)
{
	char err[512];
	struct db db;
	if (db_open(&db, cfg->db, err, sizeof err)) {
		fprintf(stderr, "carrel-cron: %s\n", err);
		return 1;
	}
	time_t now = time(NULL);
	if (cfg->test_clock)
		now += (time_t)db_int(&db, 0, "SELECT CAST(value AS INTEGER) FROM setting "
			"WHERE key = 'test.clock_offset'", NULL);
	struct arena a;
	arena_init(&a, 0);
	int expired = circ_holds_expire(&db, &a, now);
	int refreshed = refresh_search(&db, cfg, now);
	arena_free(&a);
	db_close(&db);
	if (expired < 0) {
		fputs("carrel-cron: expiring holds failed\n", stderr);
		return 1;
	}
	printf("carrel-cron: %d hold(s) expired\n", expired);
	if (refreshed < 0) {
		fputs("carrel-cron: refreshing the search's common terms and window failed\n", stderr);
		return 1;
	}
	if (refreshed)
		puts("carrel-cron: the search's common terms and window refreshed");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "run")) {
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
		return run_jobs(&cfg);
	}
	bool help = argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"));
	usage(help ? stdout : stderr);
	return help ? 0 : 2;
}
