/*
** dashboard.h: the staff home's figures: how the library stands right now.
**
** Each figure is counted the way the list it links to counts, so the two
** always agree: members through member_list (lib/members.h), loans and
** holds from their tables as /staff/loans, /staff/overdue and /staff/holds
** show them.
*/
#ifndef CARREL_DASHBOARD_H
#define CARREL_DASHBOARD_H

#include <time.h>

#include "arena.h"
#include "db.h"

#define DASHBOARD_EXPIRING_DAYS 14

struct dashboard {
	long active_members;        /* membership active today */
	long loans_out;             /* open loans */
	long overdue;               /* open loans past their due day */
	long holds_waiting;         /* in a title's queue */
	long holds_ready;           /* on the hold shelf */
	long ebook_grants;          /* e-book loans readable now */
	long ebook_requests;        /* e-book requests waiting for a librarian */
	long members_owing;         /* members with recorded fines unpaid */
	long long fines_owed_cents; /* the sum of what they owe */
	long payments_month;        /* completed payments this calendar month */
	long long payments_month_cents;
	long expiring;              /* active memberships ending within
	                               DASHBOARD_EXPIRING_DAYS days */
	char month_start[11];       /* YYYY-MM-01 of this month */
};

/* Fill d as of now. Returns 0 or -1. */
int dashboard_get(struct db *db, time_t now, struct dashboard *d);

#endif
