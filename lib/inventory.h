/*
** inventory.h: stocktaking. A librarian opens an inventory session for a
** section, a range of shelf marks, or both; scans the barcodes of the
** copies found on the shelves (many per submit); reads what is seen,
** missing, misplaced, on loan though on the shelf, and found after being
** written off; and closes the session, marking the missing copies lost
** when asked.
**
** The scope. A copy is in scope when its title is a print title (e-books
** are on no shelf), in the section (when one is chosen) and its shelf mark
** (copy.location) is in the range (when one is given). The range is
** inclusive at both ends and compared in shelf order (inventory_shelf_key):
** letters without regard to case, runs of digits as numbers (A 2 before
** A 10), spaces squeezed; a mark that begins with the upper bound is
** inside it ("to 823" takes in "823.91 SMI", "to H" takes in "H Smith").
**
** What is expected on the shelf: copies in scope whose status is
** "available". The others are not expected there: on loan (with a reader),
** on the hold shelf (expected at the hold shelf, not in the section),
** damaged or being repaired (set aside), lost or withdrawn (written off).
** A scanned copy is listed, first rule that applies:
**   on loan    the system had it on loan: it is checked in through the
**              desk's own checkin (circ_checkin: the fine, and a hold
**              waiting for the title traps it) and listed with the outcome;
**   found      lost or withdrawn: offered to be marked available;
**   misplaced  out of scope, or on the hold shelf: with where it belongs;
**   seen       otherwise (a damaged or in-repair copy is seen with its
**              status shown).
** Missing: expected and not scanned. A barcode no copy has is listed as not
** in the catalogue. Every scanned copy has its last_seen_at set.
*/
#ifndef CARREL_INVENTORY_H
#define CARREL_INVENTORY_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "arena.h"
#include "db.h"
#include "valid.h"

/* The most barcodes one submit takes. */
#define INVENTORY_SCAN_MAX 5000

enum inv_result { INV_OK, INV_INVALID, INV_NOT_FOUND, INV_CLOSED, INV_ERROR };

enum inv_list {
	INV_SEEN, INV_MISSING, INV_MISPLACED, INV_ON_LOAN, INV_FOUND, INV_UNKNOWN,
	INV_LISTS
};

struct inventory_session {
	long long id;
	long long section_id;          /* 0: none chosen, or since removed */
	const char *section_name;      /* as named at opening; "" when none */
	const char *shelf_from, *shelf_to;   /* "" when no range */
	const char *opened_by, *closed_by;   /* names */
	long long opened_at, closed_at;      /* closed_at 0 while open */
	bool closed;
	/* Counts: kept at closing; worked out afresh while open. */
	long expected, marked_lost;
	long count[INV_LISTS];
};

/* One line of a list. */
struct inventory_line {
	long long copy_id, title_id;   /* 0 for a barcode not in the catalogue */
	const char *barcode, *title, *location, *status;
	const char *section;           /* the title's section; "" none */
	const char *note;              /* on loan: what the checkin did */
	long long last_seen_at;        /* 0: never */
};

struct inventory_lists {
	struct inventory_line *line[INV_LISTS];
	int shown[INV_LISTS];          /* lines held (at most the bound) */
	long count[INV_LISTS];         /* lines in all */
	long expected;
};

/* What one submit of barcodes did. */
struct inventory_scan_result {
	int added;                     /* barcodes new to the session */
	int repeated;                  /* scanned before, or twice in the submit */
	int unknown;                   /* new ones no copy has */
	int checked_in;                /* copies on loan checked in */
	int unreadable;                /* not a barcode (spaces, controls, too long) */
	int over;                      /* left over beyond INVENTORY_SCAN_MAX */
};

/* The sort key of a shelf mark (see the top): on the arena. Two marks sort
** as their keys compare byte by byte. */
char *inventory_shelf_key(struct arena *a, const char *mark);

/* Open a session. section: a section id or "" (none); shelf_from and
** shelf_to: both or neither. Refused (INV_INVALID, errors on "section",
** "shelf_from", "shelf_to") for an empty scope, an unknown section, one end
** of a range alone, or a range whose start sorts after its end. */
enum inv_result inventory_open(struct db *db, struct arena *a, time_t now,
	long long actor_id, const char *section, const char *shelf_from,
	const char *shelf_to, struct form_errors *errs, long long *id);

/* Sessions, newest first, page (from 1) of per_page, with their counts.
** Returns how many on this page (*out on the arena) and *total, or -1. */
int inventory_sessions(struct db *db, struct arena *a, long page, int per_page,
	struct inventory_session **out, long *total);

/* One session; with_counts, an open one's counts worked out now (a page
** that reads the lists has them from there). Returns 0, 1 when there is
** none, -1. */
int inventory_get(struct db *db, struct arena *a, long long id, bool with_counts,
	struct inventory_session *out);

/* The lists of a session, each bounded to max lines (max < 0: all of them;
** 0: the counts alone). Returns 0 or -1. */
int inventory_lists(struct db *db, struct arena *a, long long id, int max,
	struct inventory_lists *out);

/* Record the barcodes in text (separated by line breaks or spaces, as a
** scanner or a paste gives them) in one transaction, then check in the
** copies the system had on loan. Refused (INV_CLOSED) for a closed
** session; INV_NOT_FOUND when there is none. */
enum inv_result inventory_scan(struct db *db, struct arena *a, time_t now,
	long long actor_id, long long id, const char *text,
	struct inventory_scan_result *out);

/* Mark a lost or withdrawn copy scanned in this open session available
** (cataloguing_copy_set_status_in_tx, audited). INV_INVALID (*why) when it
** is not such a copy of this session. */
enum inv_result inventory_mark_found(struct db *db, struct arena *a, time_t now,
	long long id, long long copy_id, const char **why);

/* Close a session: its counts are kept, and with mark_lost every missing
** copy is marked lost (audited one by one). Returns INV_CLOSED when it was
** closed already. *marked: how many were marked lost. */
enum inv_result inventory_close(struct db *db, struct arena *a, time_t now,
	long long actor_id, long long id, bool mark_lost, long *marked);

/* Every line of every list as CSV (list, barcode, title, shelf, section,
** status, last seen, note) to out. Returns rows written, or -1. */
long inventory_csv(struct db *db, struct arena *a, long long id, FILE *out);

/* The name of a list for people ("Seen", "Missing", ...) and for files. */
const char *inventory_list_name(enum inv_list l);
const char *inventory_list_key(enum inv_list l);

#endif
