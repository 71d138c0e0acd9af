/*
** cataloguing.h: the librarian's side of the catalogue: creating, editing
** and deleting titles, and adding, editing and withdrawing copies
** (acquisitions). Reading is in catalogue.h.
**
** Input arrives as text from a form; each *_validate function trims and
** checks it field by field (errors keyed by the form's field names) and
** fills the typed values the save functions store.
*/
#ifndef CARREL_CATALOGUING_H
#define CARREL_CATALOGUING_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "catalogue.h"
#include "db.h"
#include "valid.h"

/* A title as typed into the form. */
struct title_input {
	const char *isbn;
	const char *title;
	const char *subtitle;
	const char *authors;       /* one per line (or separated by ';') */
	const char *publisher;
	const char *pub_date;      /* YYYY, YYYY-MM or YYYY-MM-DD, or "" */
	const char *genre;
	const char *section;       /* a section id, or "" */
	const char *language;      /* ISO 639-1, "" for "en" */
	const char *pages;
	const char *description;
	const char *format;        /* print or ebook */

	/* Filled by cataloguing_title_validate: */
	char isbn13[14];           /* "" when none */
	const char *author_names[TITLE_AUTHORS_MAX];
	int nauthors;
	int pub_year;
	long long section_id;
	int npages;
};

struct copy_input {
	const char *barcode;
	const char *location;
	const char *status;
	const char *acquired_on;   /* YYYY-MM-DD or "" */
	const char *source;
	const char *cost;          /* "12.50", "12" or "" */
	const char *notes;

	long long cost_cents;      /* filled by cataloguing_copy_validate */
};

enum cat_result { CAT_OK, CAT_INVALID, CAT_NOT_FOUND, CAT_CONFLICT, CAT_ERROR };

/* Check and normalise a title form. Returns CAT_OK or CAT_INVALID. */
enum cat_result cataloguing_title_validate(struct db *db, struct arena *a,
	struct title_input *in, struct form_errors *errs);

/* Create (id 0) or update a title with its authors, in one transaction.
** cover: a stored cover file name to set, "" to remove it, NULL to keep
** it. A duplicate ISBN is CAT_CONFLICT with an error on "isbn". */
enum cat_result cataloguing_title_save(struct db *db, long long id,
	const struct title_input *in, const char *cover, time_t now,
	struct form_errors *errs, long long *saved_id);

/* The same inside a transaction the caller holds (bulk imports); no ISBN
** check. */
enum cat_result cataloguing_title_write(struct db *db, long long id,
	const struct title_input *in, const char *cover, time_t now, long long *saved_id);

/* True when another title than except_id has this ISBN-13. */
bool cataloguing_isbn_taken(struct db *db, const char *isbn13, long long except_id);

/* Delete a title and its copies. Refused (CAT_CONFLICT, *why set) while a
** copy is on loan or waiting on the hold shelf. */
enum cat_result cataloguing_title_delete(struct db *db, long long id,
	long long actor_id, time_t now, const char **why);

/* Check a copy form (for a new copy when creating, else an edit). */
enum cat_result cataloguing_copy_validate(struct arena *a, struct copy_input *in,
	bool creating, struct form_errors *errs);

/* Add a copy to a title (an acquisition). A barcode in use is CAT_CONFLICT
** with an error on "barcode". */
enum cat_result cataloguing_copy_add(struct db *db, long long title_id,
	const struct copy_input *in, time_t now, struct form_errors *errs,
	long long *copy_id);

/* Change a copy's location, status and notes (and acquisition details).
** Circulation owns "on-loan" and "on-hold-shelf": a copy in either state
** keeps it, and no copy can be put into either from here. */
enum cat_result cataloguing_copy_update(struct db *db, long long title_id,
	long long copy_id, const struct copy_input *in, time_t now, struct form_errors *errs);

/* Mark a copy withdrawn (it stays on record). Refused while on loan. */
enum cat_result cataloguing_copy_withdraw(struct db *db, long long title_id,
	long long copy_id, time_t now, const char **why);

/* Inside the caller's transaction: set a copy's status to one a librarian
** may set by hand (stocktaking marks copies lost, or found again),
** recording action with detail in the audit trail, the copy as it was and
** became. Circulation owns "on-loan" and "on-hold-shelf": a copy in either
** is CAT_CONFLICT. Returns CAT_OK, CAT_NOT_FOUND, CAT_CONFLICT, CAT_INVALID
** (a status not on the list) or CAT_ERROR; the caller rolls back on any
** but CAT_OK. */
enum cat_result cataloguing_copy_set_status_in_tx(struct db *db, long long copy_id,
	const char *status, time_t now, const char *action, const char *detail);

/* Statuses a librarian may set by hand, for the form. */
extern const char *const cataloguing_manual_statuses[];
extern const int cataloguing_manual_status_count;

/* Parse money typed as "12", "12.5" or "12.50" into cents; -1 if not. */
long long cataloguing_parse_cents(const char *s);

/* True for a real calendar date written YYYY-MM-DD. */
bool cataloguing_valid_date(const char *s);

#endif
