/*
** closing.h: the days of the week the library closes every week (e.g.
** every Sunday), kept beside the single closed dates. calendar.c treats
** both alike: due dates move past them and overdue fines skip them.
*/
#ifndef CARREL_CLOSING_H
#define CARREL_CLOSING_H

#include <time.h>

#include "arena.h"
#include "db.h"

/* The weekly closing days as closed_days.weekly (bit 0 = Sunday). */
unsigned closing_weekly_mask(struct db *db);

/* A weekly closing day for the settings page. */
struct closing_weekday {
	int weekday;               /* 0 = Sunday .. 6 = Saturday */
	const char *name;          /* "Sunday" */
	const char *reason;
};

/* The weekday's name, e.g. "Sunday", or "" outside 0..6. */
const char *closing_weekday_name(int weekday);

/* Parse a weekday typed or chosen in a form ("0".."6"). Returns it or -1. */
int closing_parse_weekday(const char *s);

/* The weekly closing days, Sunday first (rows on the arena). Returns the
** count. */
int closing_weekly_list(struct db *db, struct arena *a, struct closing_weekday **out);

/* Close the library every weekday (reason may be empty; at most 200
** characters), audited as closed_weekday.add. Returns 0, or -1 with a
** message for the admin in *why. */
int closing_weekly_add(struct db *db, struct arena *a, int weekday, const char *reason,
	long long actor_id, time_t now, const char **why);

/* Open the library on a weekday again, audited as closed_weekday.delete.
** Returns 0, 1 when that weekday is not closed weekly, -1 on error. */
int closing_weekly_remove(struct db *db, int weekday, long long actor_id, time_t now);

#endif
