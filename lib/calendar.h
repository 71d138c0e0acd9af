/*
** calendar.h: library days, closed days, due dates and overdue fines.
**
** A "library day" (lday) counts days since 1970-01-01 in the library's time
** zone (the process's TZ, set from the configuration at start). Due dates
** and fines are computed in whole library days, so a loan due on a day is
** due until that day ends, and daylight-saving changes never move a date.
**
** Everything here is pure (no database): circulation.c loads the rules and
** closed days and calls these, and the unit tests call them directly.
*/
#ifndef CARREL_CALENDAR_H
#define CARREL_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "arena.h"

typedef long lday;

/* The library day holding instant t (local time). */
lday cal_day_of(time_t t);

/* The first instant of day d (local midnight; the first existing instant
** when midnight is skipped by a clock change). */
time_t cal_day_start(lday d);

/* Proleptic Gregorian calendar conversions. cal_from_ymd returns the day,
** or -1 for a date that does not exist (2026-02-29, 2026-13-01). */
lday cal_from_ymd(int year, int month, int day);
void cal_to_ymd(lday d, int *year, int *month, int *day);

/* "YYYY-MM-DD" <-> day. cal_parse returns false for malformed or impossible
** dates (and writes nothing); cal_format writes 10 characters and a NUL. */
bool cal_parse(const char *s, lday *out);
void cal_format(lday d, char out[11]);

/* The days the library is closed: single dates, and days of the week it
** closes every week (e.g. every Sunday). */
struct closed_days {
	const lday *days;   /* ascending, no duplicates */
	size_t n;
	unsigned weekly;    /* bit w set: closed every weekday w (cal_weekday) */
};

/* The day of the week of d: 0 = Sunday, 1 = Monday .. 6 = Saturday. */
int cal_weekday(lday d);

/* The weekly bit of weekday w (0..6), for closed_days.weekly. */
#define CAL_WEEKDAY_BIT(w) (1u << (w))
#define CAL_ALL_WEEKDAYS 0x7fu

/* Whether d is closed: one of the dates, or its weekday closes weekly. */
bool cal_is_closed(const struct closed_days *c, lday d);

/* d itself when the library is open that day, else the next open day.
** (Were every day closed, returns d: there is no open day to move to.) */
lday cal_next_open(const struct closed_days *c, lday d);

/* How a due date came about, for the "why" of a loan. */
struct due_calc {
	lday due;            /* the due date */
	lday nominal;        /* from + loan_days, before moving */
	int closed_skipped;  /* closed days the due date was moved over */
};

/* The due date of a loan made (or renewed) on day from for loan_days days:
** from + loan_days, moved forward to the next open day. */
struct due_calc cal_due_date(const struct closed_days *c, lday from, int loan_days);

/* The fine rule that applies to a loan. */
struct fine_rule {
	long per_day_cents;   /* charged for each chargeable day */
	int grace_days;       /* the first grace_days days after the due date
	                         are never charged */
	long cap_cents;       /* at most this per loan; 0 = no cap */
};

/* A fine and how it was reached, for the "why". */
struct fine_calc {
	long cents;           /* the fine */
	int days_late;        /* calendar days after the due date, up to on */
	int days_charged;     /* days actually charged */
	int closed_skipped;   /* late days not charged because closed */
	bool in_grace;        /* late, but only by the grace days or fewer */
	bool capped;          /* the cap cut the fine */
};

/* The fine for an item due on day due and returned (or still out) on day
** on. Late days are the days after due up to and including on. Of those,
** the first grace_days are free, and closed days are never charged; the
** rest are charged at per_day_cents, up to cap_cents. Returned on or before
** the due day: no fine. Never negative; no overflow for any input. */
struct fine_calc cal_fine(const struct closed_days *c, const struct fine_rule *r,
	lday due, lday on);

/* A day written YYYY-MM-DD as people read it, "6 Dec 2026" (arena string);
** anything else is returned as it is. */
const char *cal_show_day(struct arena *a, const char *iso_day);

#endif
