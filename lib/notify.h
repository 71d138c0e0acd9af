/*
** notify.h: notices to people, and the record of carrel-cron's tasks.
**
** Domain code queues a notice where a library would tell someone something
** (a hold ready to collect, a payment's receipt, a loan due soon). A notice
** has a kind, whose texts are templates an admin edits (notice_template:
** subject, plain text and HTML for email, a text message), and the fields
** those templates are rendered with. notify_queue renders them at once and
** puts one outbox row per channel the member chose (email, text message or
** both), which carrel-cron delivers (lib/deliver.h), and a notification in
** the member's notification centre.
**
** Each notice has a dedupe key made of its kind, the member, the object it
** is about and a date bucket, unique per channel: queueing the same notice
** again changes nothing, so code that runs twice (a repeated request, a
** cron run, a crash halfway) never tells anyone twice.
*/
#ifndef CARREL_NOTIFY_H
#define CARREL_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "arena.h"
#include "db.h"
#include "template.h"

/* Where links in notices point: the site's base_url (config), e.g.
** "https://library.example.org". Set once at start by each program. */
void notify_set_base_url(const char *base_url);
/* base_url + path, e.g. notify_url(a, "/account") (arena string). */
const char *notify_url(struct arena *a, const char *path);

struct notice {
	const char *kind;         /* a notice_template kind: "hold-ready", ... */
	long long account_id;     /* the person it is for */
	const char *object;       /* what it is about, e.g. "hold:42" */
	const char *bucket;       /* the date bucket, e.g. "2026-03-01" */
	struct tv *fields;        /* the kind's fields (member_name, library_name
	                             and account_url are added); may be NULL */
	bool email_only;          /* never by text message, never in-app
	                             (a password reset link) */
	const char *link;         /* where the in-app notification leads
	                             (default "/account") */
};

/* The dedupe key of a notice: kind:member:object:bucket (arena string). */
const char *notify_dedupe_key(struct arena *a, const struct notice *n);

/* Render n's templates and queue it on each channel the member chose (text
** messages only with a phone number), due at once, plus an in-app
** notification. Works inside or outside the caller's transaction. Returns
** the number of outbox rows queued: 0 when they were all queued before (or
** the account is gone), -1 on a database error or a template that does not
** render. */
int notify_queue(struct db *db, struct arena *a, time_t now, const struct notice *n);

/* Tell every librarian and admin in their notification centre (in-app
** only), once per dedupe_key. Returns the number of people told, or -1. */
int notify_staff(struct db *db, struct arena *a, time_t now, const char *kind,
	const char *dedupe_key, const char *subject, const char *body, const char *link);

/* The texts of a kind of notice, as stored or as an admin typed them. */
struct notice_texts {
	const char *subject, *body_text, *body_html, *sms_text;
};

struct notice_kind {
	const char *kind, *name, *description, *fields;
	struct notice_texts texts;
	long long updated_at;     /* 0: never edited */
};

/* Every kind of notice, in the order people read them. Returns the count or
** -1; the rows are on the arena. */
int notify_kinds(struct db *db, struct arena *a, struct notice_kind **out);
/* One kind. Returns 0, 1 when there is no such kind, -1 on error. */
int notify_kind_get(struct db *db, struct arena *a, const char *kind, struct notice_kind *out);

/* The rendered notice. */
struct notice_message {
	const char *subject, *text, *html, *sms;
};

/* Render texts (a kind's fields listed in fields) with the view. Returns 0,
** or -1 with err naming the part and line ("Text message, line 2: ...") when
** a template does not compile or uses a name that is not one of the fields
** (or the common member_name, library_name, account_url). With view NULL it
** only checks. */
int notify_render(struct arena *a, const char *fields, const struct notice_texts *texts,
	const struct tv *view, struct notice_message *out, char *err, size_t errlen);

/* The common fields every notice knows, set on view: member_name (of
** account_id), library_name, account_url. */
void notify_common_fields(struct db *db, struct arena *a, long long account_id, struct tv *view);

struct notice_row {
	long long id;
	long long created_at;
	const char *channel, *recipient, *subject, *status, *last_error;
};

/* A member's notices from the outbox, newest first (at most max). Returns
** the count, or -1. The rows are on the arena. */
int notify_list(struct db *db, struct arena *a, long long account_id, int max,
	struct notice_row **out);

/* How many unread notifications account_id has in the notification centre. */
int notify_unread(struct db *db, long long account_id);

/* The people told since the last call (accounts notified in-app), for the
** live update of their pages: fills up to max ids and returns how many.
** Kept per process; a notice rolled back afterwards still counts, which is
** harmless (the page only looks again). */
size_t notify_take_touched(long long *out, size_t max);

/* ---- carrel-cron's tasks (cron_task) ---- */

/* Record that task name starts now. Returns 0 or -1. */
int cron_task_begin(struct db *db, const char *name, time_t now);
/* Record how it ended: ok, and a one-line message for staff. */
int cron_task_end(struct db *db, const char *name, time_t now, bool ok, const char *message);

/* When any task last finished (unix seconds), 0 when none ever did. */
long long cron_last_finished(struct db *db);

/* How long carrel-cron may be silent before staff are warned. */
#define CRON_SILENT_WARN_SECONDS 3600

#endif
