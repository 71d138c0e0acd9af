/*
** reviews.c: members' ratings and reviews. See reviews.h.
*/
#include "reviews.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "http.h"

bool reviews_has_borrowed(struct db *db, long long account_id, long long title_id)
{
	return db_int(db, 0,
		"SELECT EXISTS (SELECT 1 FROM loan l JOIN copy k ON k.id = l.copy_id "
		"  WHERE l.account_id = ?1 AND k.title_id = ?2) "
		"OR EXISTS (SELECT 1 FROM ebook_loan e WHERE e.account_id = ?1 "
		"  AND e.title_id = ?2 AND e.status IN ('granted', 'returned', 'revoked', 'expired'))",
		"ii", account_id, title_id) == 1;
}

/* The rating typed: exactly one digit from 1 to 5, else 0. */
static int parse_rating(struct arena *a, const char *text)
{
	const char *t = valid_trim(a, text);
	return strlen(t) == 1 && t[0] >= '1' && t[0] <= '5' ? t[0] - '0' : 0;
}

/* Whether text holds a control character other than a line break or a
** tab, which a review's paragraphs may hold. */
static bool has_stray_control(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f)
			return true;
	return false;
}

/* A message for free text (a review, a reason) that cannot be kept, or
** NULL. */
static const char *check_text(const char *text, size_t max, const char *too_long)
{
	if (!http_utf8_valid(text, strlen(text)))
		return "The text could not be read: please type it again.";
	if (valid_utf8_chars(text) > max)
		return too_long;
	if (has_stray_control(text))
		return "The text holds characters that cannot be shown. Please type it again.";
	return NULL;
}

static bool title_exists(struct db *db, long long title_id)
{
	return db_int(db, 0, "SELECT 1 FROM title WHERE id = ?", "i", title_id) == 1;
}

enum review_result reviews_save(struct db *db, struct arena *a, long long title_id,
	long long account_id, const char *rating_text, const char *body, time_t now,
	struct form_errors *errs)
{
	if (!title_exists(db, title_id))
		return REVIEW_NOT_FOUND;
	if (!reviews_has_borrowed(db, account_id, title_id)) {
		form_error(errs, "rating", REVIEW_NOT_BORROWED_MESSAGE);
		return REVIEW_NOT_BORROWED;
	}
	int rating = parse_rating(a, rating_text);
	if (!rating)
		form_error(errs, "rating", REVIEW_RATING_MESSAGE);
	const char *text = valid_trim(a, body);
	const char *problem = check_text(text, REVIEW_BODY_MAX,
		"A review can be at most 5000 characters.");
	if (problem)
		form_error(errs, "body", problem);
	if (errs->n)
		return REVIEW_INVALID;
	/* One per member and title: a second post edits the first. A hidden
	** review stays hidden when its author edits it. */
	int rc = db_exec(db, "INSERT INTO review(title_id, account_id, rating, body, "
		"created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) "
		"ON CONFLICT (title_id, account_id) DO UPDATE SET rating = excluded.rating, "
		"body = excluded.body, updated_at = excluded.updated_at",
		"iiiti", title_id, account_id, (long long)rating, text, (long long)now);
	return rc == SQLITE_OK ? REVIEW_OK : REVIEW_ERROR;
}

enum review_result reviews_delete_own(struct db *db, long long title_id,
	long long account_id)
{
	if (db_exec(db, "DELETE FROM review WHERE title_id = ? AND account_id = ?", "ii",
		title_id, account_id) != SQLITE_OK)
		return REVIEW_ERROR;
	return db_changes(db) ? REVIEW_OK : REVIEW_NOT_FOUND;
}

/* A review's state in words for the audit trail: "shown", or "hidden:
** <reason>". */
static const char *state_words(struct arena *a, const char *reason)
{
	return reason ? arena_printf(a, "hidden: %s", reason) : "shown";
}

/* Hide the review with a reason, or (reason NULL) show it again, recorded
** in the audit trail with its state before and after, in one transaction. */
static enum review_result set_hidden(struct db *db, struct arena *a, long long review_id,
	const char *reason, long long actor_id, time_t now)
{
	if (db_begin(db))
		return REVIEW_ERROR;
	sqlite3_stmt *st = db_query(db, "SELECT hidden_at IS NOT NULL, hidden_reason FROM review "
		"WHERE id = ?", "i", review_id);
	if (!st || !db_row(db, st)) {
		db_rollback(db);
		return st ? REVIEW_NOT_FOUND : REVIEW_ERROR;
	}
	const char *before = state_words(a, db_col_int(st, 0) ? db_text(a, st, 1) : NULL);
	db_done(st);
	int rc = reason
		? db_exec(db, "UPDATE review SET hidden_at = ?, hidden_by = nullif(?, 0), "
			"hidden_reason = ? WHERE id = ?", "iiti", (long long)now, actor_id,
			reason, review_id)
		: db_exec(db, "UPDATE review SET hidden_at = NULL, hidden_by = NULL, "
			"hidden_reason = '' WHERE id = ? AND hidden_at IS NOT NULL", "i", review_id);
	if (rc != SQLITE_OK || (db_changes(db) && audit_record(db, actor_id, now,
	    reason ? "review.hide" : "review.show", arena_printf(a, "review:%lld", review_id),
	    reason ? reason : "", before, state_words(a, reason))) || db_commit(db)) {
		db_rollback(db);
		return REVIEW_ERROR;
	}
	return REVIEW_OK;
}

enum review_result reviews_hide(struct db *db, struct arena *a, long long review_id,
	const char *reason, long long actor_id, time_t now, struct form_errors *errs)
{
	const char *why = valid_trim(a, reason);
	const char *problem = !*why ? "Say why the review is hidden: the reason is kept "
		"with it for other staff."
		: check_text(why, REVIEW_REASON_MAX, "A reason can be at most 500 characters.");
	if (problem) {
		form_error(errs, "reason", problem);
		return REVIEW_INVALID;
	}
	return set_hidden(db, a, review_id, why, actor_id, now);
}

enum review_result reviews_show(struct db *db, struct arena *a, long long review_id,
	long long actor_id, time_t now)
{
	return set_hidden(db, a, review_id, NULL, actor_id, now);
}

int reviews_summary(struct db *db, long long title_id, struct review_summary *out)
{
	out->sum = out->count = 0;
	sqlite3_stmt *st = db_query(db, "SELECT rating_sum, rating_count FROM title_stat "
		"WHERE title_id = ?", "i", title_id);
	if (!st)
		return -1;
	if (db_row(db, st)) {
		out->sum = db_col_int(st, 0);
		out->count = db_col_int(st, 1);
		db_done(st);
	}
	return 0;
}

#define REVIEW_COLUMNS \
	"SELECT r.id, r.title_id, t.title, r.account_id, a.name, r.rating, r.body, " \
	"  r.created_at, r.updated_at, coalesce(r.hidden_at, 0), coalesce(h.name, ''), " \
	"  r.hidden_reason " \
	"FROM review r JOIN title t ON t.id = r.title_id " \
	"JOIN account a ON a.id = r.account_id LEFT JOIN account h ON h.id = r.hidden_by "

static void read_review(struct arena *a, sqlite3_stmt *st, struct review *r)
{
	r->id = db_col_int(st, 0);
	r->title_id = db_col_int(st, 1);
	r->title = db_text(a, st, 2);
	r->account_id = db_col_int(st, 3);
	r->member = db_text(a, st, 4);
	r->rating = (int)db_col_int(st, 5);
	r->body = db_text(a, st, 6);
	r->created_at = db_col_int(st, 7);
	r->updated_at = db_col_int(st, 8);
	r->hidden_at = db_col_int(st, 9);
	r->hidden_by = db_text(a, st, 10);
	r->hidden_reason = db_text(a, st, 11);
}

/* One review from a statement already bound: 0, 1 when none, -1. */
static int read_one(struct db *db, struct arena *a, sqlite3_stmt *st, struct review *out)
{
	memset(out, 0, sizeof *out);
	if (!st)
		return -1;
	if (!db_row(db, st))
		return 1;
	read_review(a, st, out);
	db_done(st);
	return 0;
}

int reviews_own(struct db *db, struct arena *a, long long title_id,
	long long account_id, struct review *out)
{
	return read_one(db, a, db_query(db, REVIEW_COLUMNS
		"WHERE r.title_id = ? AND r.account_id = ?", "ii", title_id, account_id), out);
}

int reviews_get(struct db *db, struct arena *a, long long review_id, struct review *out)
{
	return read_one(db, a, db_query(db, REVIEW_COLUMNS "WHERE r.id = ?", "i",
		review_id), out);
}

/* Rows of a bound statement into an array of at most limit on the arena. */
static int read_list(struct db *db, struct arena *a, sqlite3_stmt *st, long limit,
	struct review **out)
{
	*out = NULL;
	if (!st)
		return -1;
	*out = arena_calloc(a, sizeof **out * (size_t)(limit > 0 ? limit : 1));
	int n = 0;
	while (n < limit && db_row(db, st))
		read_review(a, st, &(*out)[n++]);
	if (n == limit)
		db_done(st);
	return n;
}

int reviews_of_title(struct db *db, struct arena *a, long long title_id,
	bool with_hidden, long offset, long limit, long *total, struct review **out)
{
	*total = db_int(db, 0, "SELECT count(*) FROM review WHERE title_id = ? "
		"AND (? OR hidden_at IS NULL)", "ii", title_id, (long long)with_hidden);
	return read_list(db, a, db_query(db, REVIEW_COLUMNS
		"WHERE r.title_id = ? AND (? OR r.hidden_at IS NULL) "
		"ORDER BY r.updated_at DESC, r.id DESC LIMIT ? OFFSET ?", "iiii", title_id,
		(long long)with_hidden, (long long)limit, (long long)offset), limit, out);
}

int reviews_recent(struct db *db, struct arena *a, bool hidden_only,
	long long title_id, long offset, long limit, long *total, struct review **out)
{
	*total = db_int(db, 0, "SELECT count(*) FROM review r WHERE (?1 = 0 OR "
		"r.hidden_at IS NOT NULL) AND (?2 = 0 OR r.title_id = ?2)", "ii",
		(long long)hidden_only, title_id);
	return read_list(db, a, db_query(db, REVIEW_COLUMNS
		"WHERE (?1 = 0 OR r.hidden_at IS NOT NULL) AND (?2 = 0 OR r.title_id = ?2) "
		"ORDER BY r.updated_at DESC, r.id DESC LIMIT ?3 OFFSET ?4", "iiii",
		(long long)hidden_only, title_id, (long long)limit, (long long)offset), limit, out);
}

const char *reviews_public_name(struct arena *a, const char *name)
{
	const char *full = valid_trim(a, name);
	const char *first_end = strpbrk(full, " \t");
	const char *last = strrchr(full, ' ');
	if (!first_end || !last || !last[1])
		return full;
	/* The initial is the last name's first character, whole (UTF-8). */
	size_t len = 1;
	while (((unsigned char)last[1 + len] & 0xC0) == 0x80)
		len++;
	return arena_printf(a, "%.*s %.*s.", (int)(first_end - full), full, (int)len, last + 1);
}
