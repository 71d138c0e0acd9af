/*
** deliver.h: sending the outbox (lib/notify.h queues it), and what staff
** see of it.
**
** carrel-cron calls deliver_due() every run: each notice that is queued
** and due goes out, oldest first, in batches:
**   - email over SMTP with libcurl (config smtp_url, smtp_from, smtp_user,
**     smtp_password, smtp_starttls, smtp_ca), one connection for all of a
**     run's emails while the server keeps it open; the message is built by
**     lib/mime.h. With no smtp_url (as `make run` starts), each email is
**     saved instead as <uploads>/mail/<id>.eml, the very bytes the server
**     would get, which staff open from /staff/notifications;
**   - text messages by HTTP POST to config sms_url with Twilio's form
**     fields To (the phone in E.164, lib/phone.h), From (sms_from) and
**     Body, and basic auth sms_user:sms_token.
** A send that fails is tried again later: attempts + 1 and the next
** attempt after notices.retry_seconds * 2^(attempts - 1) (settings); after
** notices.max_attempts tries the notice is 'failed' with the reason in
** plain words, and every librarian and admin is told in-app. An address or
** phone number that can never work fails at once. Every send is recorded:
** sent_at and sent_via ('smtp', 'folder' or 'sms').
*/
#ifndef CARREL_DELIVER_H
#define CARREL_DELIVER_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "db.h"

/* Notices read and sent at a time. */
#define DELIVER_BATCH 200

struct deliver_totals {
	int emails_sent;       /* handed to the mail server */
	int emails_saved;      /* saved as .eml files (no mail server) */
	int sms_sent;          /* accepted by the gateway */
	int retrying;          /* failed this time; will be tried again */
	int failed;            /* failed for good this time */
	bool server_down;      /* the mail server could not be reached, or
	                          refused the login or a secure connection */
	bool gateway_down;     /* the SMS gateway could not be reached */
};

/* Deliver every notice due at now. Progress (may be NULL) is called after
** each batch with the totals so far. Returns 0 when the run went through
** (a notice refused on its own, e.g. an address the server does not know,
** is counted in retrying or failed, and staff are told of it when it fails
** for good), 1 when the mail server or the SMS gateway could not be used
** at all (server_down, gateway_down: something for an admin to put right),
** -1 on a database error. */
int deliver_due(struct db *db, const struct config *cfg, time_t now,
	struct deliver_totals *out,
	void (*progress)(void *arg, const struct deliver_totals *t), void *arg);

/* One line for people: "12 emails sent, 1 text message sent, 2 waiting to
** retry, 0 failed" (saved emails said as "3 emails saved as files", and
** a server or gateway that could not be used said at the end). */
void deliver_summary(const struct deliver_totals *t, char *out, size_t len);

/* The folder emails are saved in without a mail server: <uploads>/mail. */
const char *deliver_mail_dir(struct arena *a, const struct config *cfg);

/* ---- what staff see (cgi/outbox.c) ---- */

struct outbox_counts {
	long long queued, sent, failed;
	long long retrying;    /* queued after at least one failed try */
};

/* How many notices are in each state. Returns 0 or -1. */
int deliver_counts(struct db *db, struct outbox_counts *out);

struct outbox_failure {
	long long id, account_id, attempts, created_at, last_attempt_at;
	const char *kind, *channel, *recipient, *subject, *member_name, *reason;
};

/* The notices that failed for good, the most recent first (at most max).
** Returns the count or -1; rows on the arena. */
int deliver_recent_failures(struct db *db, struct arena *a, int max,
	struct outbox_failure **out);

struct outbox_file {
	long long id, sent_at;
	const char *recipient, *subject;
};

/* The emails most recently saved as files whose file is still there, the
** newest first (at most max). Returns the count or -1. */
int deliver_recent_files(struct db *db, struct arena *a, const struct config *cfg,
	int max, struct outbox_file **out);

/* The .eml file of notice id when it was saved as one and is still there,
** else NULL. */
const char *deliver_eml_path(struct db *db, struct arena *a, const struct config *cfg,
	long long id);

#endif
