/*
** notify.h: the outbox of notices to members.
**
** Domain code queues a notice where a library would tell someone something
** (a hold ready to collect, a payment's receipt or refund). Each notice has
** a dedupe key made of its kind, the member, the object it is about and a
** date bucket, unique in the table: queueing the same notice again changes
** nothing, so code that runs twice (a repeated request, a cron run) never
** tells anyone twice.
**
** Delivery is not done here yet: rows stay 'queued' until the
** notifications issue brings carrel-cron's SMTP and SMS senders.
*/
#ifndef CARREL_NOTIFY_H
#define CARREL_NOTIFY_H

#include <time.h>

#include "arena.h"
#include "db.h"

struct notice {
	const char *kind;         /* "hold-ready", "payment-receipt", ... */
	long long account_id;     /* the member it is for */
	const char *object;       /* what it is about, e.g. "hold:42" */
	const char *bucket;       /* the date bucket, e.g. "2026-03-01" */
	const char *subject;
	const char *body;
};

/* The dedupe key of a notice: kind:member:object:bucket (arena string). */
const char *notify_dedupe_key(struct arena *a, const struct notice *n);

/* Queue n by email to the member's address, due at once. Works inside or
** outside the caller's transaction. Returns 1 when queued, 0 when a notice
** with the same dedupe key is already in the outbox (or the member has no
** account), -1 on a database error. */
int notify_queue(struct db *db, struct arena *a, time_t now, const struct notice *n);

struct notice_row {
	long long id;
	long long created_at;
	const char *channel, *recipient, *subject, *status;
};

/* A member's notices, newest first (at most max). Returns the count, or -1.
** The rows are on the arena. */
int notify_list(struct db *db, struct arena *a, long long account_id, int max,
	struct notice_row **out);

#endif
