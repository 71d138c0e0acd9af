/*
** centre.h: the notification centre as people read it (the rows of
** notification, schema 0017, that notify.c writes), and carrel-cron's task
** record as staff read it.
**
** A notification is marked read when its owner opens it (a POST, so that a
** page read, a prefetch or a crawler never marks anything) or marks them all
** read at once; reading the list changes nothing.
*/
#ifndef CARREL_CENTRE_H
#define CARREL_CENTRE_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "db.h"

struct centre_row {
	long long id;
	long long created_at;
	long long read_at;        /* 0: unread */
	const char *kind, *subject, *body, *link;
};

/* How many notifications account_id has in all. */
long centre_count(struct db *db, long long account_id);

/* One page of account_id's notifications, newest first: up to per_page rows
** from row offset. Returns the count, or -1; the rows are on the arena. */
int centre_list(struct db *db, struct arena *a, long long account_id, long offset,
	int per_page, struct centre_row **out);

/* Mark notification id of account_id read (once: the first time stays).
** Returns 0 with its link in *link ("" when it has none), 1 when account_id
** has no such notification, -1 on error. */
int centre_mark_read(struct db *db, struct arena *a, long long account_id, long long id,
	time_t now, const char **link);

/* Mark every unread notification of account_id read. Returns how many were
** unread, or -1. */
int centre_mark_all_read(struct db *db, long long account_id, time_t now);

/* ---- carrel-cron's tasks (when the last one finished, and how long it
** may be silent: cron_last_finished and CRON_SILENT_WARN_SECONDS in
** notify.h) ---- */

struct cron_task_row {
	const char *name, *outcome, *message;
	long long started_at, finished_at;   /* finished_at 0: still running */
	long long runs;
};

/* Every task carrel-cron has recorded, by name. Returns the count, or -1. */
int centre_cron_tasks(struct db *db, struct arena *a, struct cron_task_row **out);

#endif
