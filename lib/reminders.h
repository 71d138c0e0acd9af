/*
** reminders.h: the reminders carrel-cron queues: a loan due soon, a loan
** overdue, a membership ending. Each goes through notify_queue (notify.h)
** with a dedupe key, so running again, or after a crash halfway, tells
** nobody twice and forgets nobody.
**
** Which day each is sent is a setting (an admin edits them on
** /admin/notices):
**   notices.due_soon_days  days before a loan is due (default 2; 0: none).
**                          A loan due within those days that was not told
**                          yet is told (a run missed is caught up), once per
**                          due day: a renewed loan is told again before its
**                          new due day.
**   notices.overdue_days   days after the due day (default 1,7,14). A loan
**                          is told the latest of these days it has reached,
**                          once each: a run that missed a day sends that
**                          day's notice late, but never an earlier day's
**                          after a later one (8 days overdue, never told:
**                          the 7-day notice only, not the 1-day one).
**   notices.expiry_days    days before a membership's last day (default
**                          14,7,1), the same way: a member is told the
**                          nearest of these days reached, once each per
**                          last day (10 days left, never told: the 14-day
**                          notice; a renewed membership is told again).
**   notices.ebook_expiry_days  days before access to an e-book ends
**                          (default 2; 0: none), queued by lib/ebooks.c
**                          once per loan; edited on the same form.
**
** Dedupe keys (notify_dedupe_key: kind:member:object:bucket):
**   due-soon:M:loan:L:DUEDAY
**   overdue:M:loan:L:overdue-7:DUEDAY
**   membership-expiring:M:membership:expiring-14:ENDDAY
*/
#ifndef CARREL_REMINDERS_H
#define CARREL_REMINDERS_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "db.h"
#include "valid.h"

#define REMINDERS_DAYS_MAX 10    /* days in one list */
#define REMINDERS_DAY_LIMIT 365  /* the most days any setting may hold */

#define REMINDERS_SETTING_DUE_SOON "notices.due_soon_days"
#define REMINDERS_SETTING_OVERDUE "notices.overdue_days"
#define REMINDERS_SETTING_EXPIRY "notices.expiry_days"
#define REMINDERS_SETTING_EBOOK_EXPIRY "notices.ebook_expiry_days"

struct reminder_settings {
	int due_soon_days;                  /* 0: no due-soon reminders */
	int overdue[REMINDERS_DAYS_MAX];    /* ascending, no duplicates */
	int n_overdue;
	int expiry[REMINDERS_DAYS_MAX];     /* descending, no duplicates */
	int n_expiry;
	int ebook_expiry_days;              /* 0: no e-book reminders */
};

/* The settings, each with its default when missing or unreadable. */
void reminders_settings_get(struct db *db, struct reminder_settings *out);

/* A list of days as stored and shown: "1, 7, 14" (arena string). */
const char *reminders_days_text(struct arena *a, const int *days, int n);

/* The settings form as typed. */
struct reminder_settings_input {
	const char *due_soon_days, *overdue_days, *expiry_days;
	const char *ebook_expiry_days;      /* NULL: not on the form, kept */
};

/* Check the form into out. Returns 0, or -1 with errors keyed by the field
** names (due_soon_days, overdue_days, expiry_days, ebook_expiry_days). */
int reminders_settings_validate(const struct reminder_settings_input *in,
	struct reminder_settings *out, struct form_errors *errs);

/* Save them, with an audit row (notices.settings) holding the old and new
** values. Returns 0 or -1. */
int reminders_settings_save(struct db *db, struct arena *a, const struct reminder_settings *s,
	long long actor_id, time_t now);

struct reminder_counts {
	int due_soon, overdue, expiring;    /* notices queued */
	int rows;                           /* outbox rows (a notice by email
	                                       and text message is two) */
};

/* Told every batch: what is being done and how many notices so far. */
typedef void (*reminders_progress_fn)(void *ctx, const char *what, int done);

/* Rows handled in one transaction: small enough that the desk never waits
** long for the database, large enough to be quick. */
#define REMINDERS_BATCH 2000

/* Queue every reminder due at now, in transactions of REMINDERS_BATCH
** candidates. progress may be NULL. Returns 0, or -1 (the batches before
** the failure stay queued; a run again goes on from there). */
int reminders_queue(struct db *db, struct arena *a, time_t now,
	reminders_progress_fn progress, void *progress_ctx, struct reminder_counts *out);

#endif
