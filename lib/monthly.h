/*
** monthly.h: the monthly report to staff. For a month of the library's
** time zone: loans, returns, new members, membership renewals, payments by
** kind, the ten titles lent most, the loans overdue at the month's end and
** the loans of each day as an SVG bar chart, emailed (HTML with a plain
** text part, templates/email_monthly_report*.mustache) to every librarian
** and admin through the outbox, once per person and month.
**
** What counts:
**   loans        loans whose day of checkout is in the month
**   returns      loans whose day of return is in the month
**   new members  member accounts made in the month
**   renewals     paid membership periods (status active, with a payment)
**                starting in the month
**   payments     payments completed in the month, by purpose (one refunded
**                later still counts: it was received)
**   overdue      loans out when the month ended whose due day had passed
**                (for the month under way: at the start of today)
*/
#ifndef CARREL_MONTHLY_H
#define CARREL_MONTHLY_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "db.h"
#include "template.h"

#define MONTHLY_TOP 10

struct monthly_kind {
	const char *purpose;      /* plan, fine, other */
	long count;
	long long cents;
};

struct monthly_title {
	long long id;
	const char *title;
	long loans;
};

struct monthly_report {
	int year, month;
	char key[8];              /* "2026-11" */
	char first[11], next[11]; /* its first day and the next month's */
	char overdue_at[11];      /* the day overdue loans are counted at the
	                             start of: next, or today while the month
	                             is under way */
	bool under_way;           /* the month has not ended at now */
	int days;
	long loans, returns, new_members, renewals, overdue;
	long payments;
	long long payments_cents;
	struct monthly_kind kinds[3];
	int nkinds;
	struct monthly_title top[MONTHLY_TOP];
	int ntop;
	long per_day[31];
};

/* "YYYY-MM" to a year and month. Returns false when it is not one. */
bool monthly_parse(const char *s, int *year, int *month);

/* The month before the one holding now (library time): on the 1st of
** December, November. */
void monthly_last_month(time_t now, int *year, int *month);

/* Compute the report as it stands at now. Returns 0, or -1 on a database
** error. */
int monthly_compute(struct db *db, struct arena *a, int year, int month, time_t now,
	struct monthly_report *r);

/* The loans per day as an SVG bar chart: one <rect> a day, each with a
** <title>, and a title and description for screen readers (arena string,
** well-formed XML). */
const char *monthly_svg(struct arena *a, const struct monthly_report *r);

/* "November 2026". */
const char *monthly_name(struct arena *a, const struct monthly_report *r);

/* Compute the month's report, render it with templates
** email_monthly_report (HTML) and email_monthly_report_text, and queue it
** by email to every librarian and admin (kind monthly-report, dedupe key
** monthly-report:ACCOUNT:YYYY-MM), in one transaction. Returns the number
** of emails queued (0 when all were queued before), or -1 with err set. */
int monthly_send(struct db *db, struct arena *a, const struct tmpl_set *tmpl, int year,
	int month, time_t now, char *err, size_t errlen);

#endif
