/*
** reviews.h: members' ratings and reviews of titles (schema/0022_ebooks.sql,
** table review).
**
** A member may rate a title from 1 to 5 stars, and write a few words about
** it, once they have borrowed it: a loan of one of its copies, or an e-book
** loan of it that was granted at some point (granted, returned, revoked or
** expired). One review per member and title: posting again edits it. A
** member may delete their own. Staff hide a review with a reason, and may
** show it again; both are recorded in the audit trail (review.hide,
** review.show, with the state before and after: "shown", "hidden: why"). A hidden review is shown to staff only and counts in no
** average: the schema's triggers keep title_stat.rating_sum and
** rating_count to the visible reviews.
*/
#ifndef CARREL_REVIEWS_H
#define CARREL_REVIEWS_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "db.h"
#include "valid.h"

#define REVIEW_BODY_MAX 5000     /* characters of a review's text */
#define REVIEW_REASON_MAX 500    /* characters of the reason for hiding one */

/* The refusals, in words for people. */
#define REVIEW_NOT_BORROWED_MESSAGE "You can review a title after you have borrowed it."
#define REVIEW_RATING_MESSAGE "Choose a rating from 1 to 5 stars."

enum review_result {
	REVIEW_OK,
	REVIEW_INVALID,        /* a field is wrong (the errors say which) */
	REVIEW_NOT_BORROWED,   /* the member never borrowed the title */
	REVIEW_NOT_FOUND,      /* no such title or review */
	REVIEW_ERROR,
};

struct review {
	long long id;
	long long title_id;
	const char *title;          /* the title's name */
	long long account_id;
	const char *member;         /* the member's name */
	int rating;                 /* 1 to 5 */
	const char *body;           /* "" when only rated */
	long long created_at, updated_at;
	long long hidden_at;        /* 0: shown */
	const char *hidden_by;      /* the staff member's name, "" when shown */
	const char *hidden_reason;
};

/* A title's visible ratings, as title_stat keeps them. */
struct review_summary {
	long long sum;
	long long count;
};

/* Whether the member has borrowed the title: a loan of a copy of it, or
** an e-book loan of it that was granted at some point. */
bool reviews_has_borrowed(struct db *db, long long account_id, long long title_id);

/* Rate (rating_text "1" to "5") and review (body, trimmed; may be empty)
** the title as the member; their review of it, if any, is edited instead.
** A rating or body refused is REVIEW_INVALID with errors on "rating" and
** "body"; a title never borrowed REVIEW_NOT_BORROWED (with the message on
** "rating"); no such title REVIEW_NOT_FOUND. */
enum review_result reviews_save(struct db *db, struct arena *a, long long title_id,
	long long account_id, const char *rating_text, const char *body, time_t now,
	struct form_errors *errs);

/* Delete the member's own review of the title: REVIEW_OK, or
** REVIEW_NOT_FOUND when they have none. */
enum review_result reviews_delete_own(struct db *db, long long title_id,
	long long account_id);

/* Hide a review (staff), with a reason (trimmed, required, at most
** REVIEW_REASON_MAX characters; an error on "reason" otherwise), audited.
** Hiding a hidden review again changes its reason. */
enum review_result reviews_hide(struct db *db, struct arena *a, long long review_id,
	const char *reason, long long actor_id, time_t now, struct form_errors *errs);

/* Show a hidden review again (staff), audited. Showing a shown one is
** REVIEW_OK and changes nothing. */
enum review_result reviews_show(struct db *db, struct arena *a, long long review_id,
	long long actor_id, time_t now);

/* The title's visible ratings. Returns 0 or -1. */
int reviews_summary(struct db *db, long long title_id, struct review_summary *out);

/* The member's own review of the title into out: 0, 1 when they have
** none, -1 on error. */
int reviews_own(struct db *db, struct arena *a, long long title_id,
	long long account_id, struct review *out);

/* A title's reviews, newest first (by last change): the visible ones, or
** with_hidden every one (for staff). offset and limit page them; *total
** gets how many there are. Returns the count put in *out (on the arena),
** or -1. */
int reviews_of_title(struct db *db, struct arena *a, long long title_id,
	bool with_hidden, long offset, long limit, long *total, struct review **out);

/* Recent reviews of every title for staff, newest first: all, or
** hidden_only the hidden ones; title_id non-zero keeps one title's.
** Paged and counted as reviews_of_title. */
int reviews_recent(struct db *db, struct arena *a, bool hidden_only,
	long long title_id, long offset, long limit, long *total, struct review **out);

/* One review (for staff). Returns 0, 1 when there is none, or -1. */
int reviews_get(struct db *db, struct arena *a, long long review_id,
	struct review *out);

/* A reviewer's name as the public sees it: the first name and the initial
** of the last ("Ada Lovelace" -> "Ada L."), or the one name given. */
const char *reviews_public_name(struct arena *a, const char *name);

#endif
