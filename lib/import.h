/*
** import.h: bulk import of members, and of titles with their copies, from
** CSV or XLSX (lib/tabular.h), and of titles from MARC 21 (lib/marc.h), as
** batches that are checked first, then committed, and can be undone.
**
** The first row names the columns (in any order, any case; unknown columns
** are ignored and listed). Every row is checked; a bad row is reported with
** its line and the reason, and a file that cannot be read changes nothing.
**
** Staged import (as Koha's): import_stage() only checks a file. It runs the
** whole import inside a transaction that it rolls back, so the preview is
** exactly what the import would do (titles, copies and members to add, to
** update with each changed field as before -> after, rows rejected), and
** keeps the file and that preview as a batch with status "staged". Nothing
** else is written. import_commit() imports a staged batch for real and
** records what it did (import_change: rows added, and the state before of
** rows updated); import_undo() reverts a committed batch: what it added is
** removed and what it updated is put back, each only if nothing has
** happened to it since; what cannot be undone is kept and listed with the
** reason, and the rest is still undone. The command line commits directly
** (import_run), as one batch that can be undone from the web.
**
** Empty cells: for a new row an empty cell takes the default; for a row
** that updates an existing title, copy or member an empty cell (or a
** missing column) leaves the stored value unchanged. An import never
** clears a field: clear it on the title's, copy's or member's own form.
** A row whose stored values would not change is counted as unchanged.
**
** Members: name and email are required; phone, category (a code of the
** member categories list, default adult), card_number, plan (a plan's
** name) and member_until (YYYY-MM-DD) are optional. A row whose email is
** already a member's updates that member; a member made by an import has
** no password until the desk issues one.
**
** Titles: title is required; isbn, subtitle, authors ("; " between
** names), publisher, year, genre, section (by name, made if new),
** language, pages, format, description, and for a copy barcode, location,
** status, acquired_on, source, cost and item_type (a code of the item
** types list, default book). One row per copy: rows with the same ISBN are
** copies of one title. A title whose ISBN is already in the catalogue is
** updated; a row without an ISBN updates the title its copy's barcode
** belongs to only when the title (and the authors, if given) are the same,
** and is rejected otherwise. These are the columns `carrel export` writes.
*/
#ifndef CARREL_IMPORT_H
#define CARREL_IMPORT_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "db.h"

enum import_kind { IMPORT_MEMBERS, IMPORT_TITLES };

/* Entries (additions and updates) and rejected rows listed on a batch's
** page, each; beyond them rows are only counted. */
#define IMPORT_LISTED 1000

struct import_counts {
	long titles_added, titles_updated, titles_unchanged;
	long copies_added, copies_updated, copies_unchanged;
	long members_added, members_updated, members_unchanged;
	long rejected;
};

/* One changed field of an update. */
struct import_field {
	const char *name;
	const char *before;
	const char *after;
};

/* One line of a batch's page. */
struct import_entry {
	long line;                  /* the row's line (CSV) or row (XLSX), or
	                               record number (MARC) */
	const char *object;         /* "row", "title", "copy", "member" */
	const char *action;         /* "add", "update", "reject", or "kept" (the
	                               undo had to leave it) */
	const char *label;          /* the title, "copy B-1", "Name <email>" */
	const char *reason;         /* for reject and kept; "" otherwise */
	struct import_field *fields;   /* for update */
	int nfields;
};

struct import_batch {
	char id[33];
	enum import_kind kind;
	const char *status;         /* "staged", "committed", "undone" */
	const char *file_name;
	const char *format;         /* "CSV", "XLSX", "MARC 21", "MARCXML" */
	const char *ignored_columns;   /* "" or "shoe size, notes" */
	struct import_counts n;
	long unlisted;              /* entries not listed (over IMPORT_LISTED) */
	const char *staged_by, *committed_by, *undone_by;   /* names; "" for
	                                                       the command line */
	long long staged_at, committed_at, undone_at;        /* 0: not yet */
	struct import_entry *entries;
	long nentries;
};

/* "members" or "titles"; -1 when unknown. */
int import_kind_parse(const char *s);
const char *import_kind_name(enum import_kind kind);

/* Check data[0..len) and keep it as a staged batch, its id into id.
** Returns 0; or -1 when the file cannot be read at all (nothing is
** stored), *error saying why. actor_id: the staff account (0: none). */
int import_stage(struct db *db, struct arena *a, enum import_kind kind,
	const char *file_name, const char *data, size_t len, time_t now,
	long long actor_id, char id[33], const char **error);

/* Import a staged batch for real. Returns 0; -1 with *error when the batch
** is not staged (already imported, or unknown) or cannot be saved now. */
int import_commit(struct db *db, struct arena *a, const char *id, time_t now,
	long long actor_id, const char **error);

/* Check and commit in one (the command line): the batch is recorded like
** a committed staged one. Returns 0, or -1 with *error (nothing saved). */
int import_run(struct db *db, struct arena *a, enum import_kind kind,
	const char *file_name, const char *data, size_t len, time_t now,
	long long actor_id, char id[33], const char **error);

/* Undo a committed batch (see above). Returns 0, or -1 with *error when
** the batch is not committed (staged, already undone, unknown). Audited. */
int import_undo(struct db *db, struct arena *a, const char *id, time_t now,
	long long actor_id, const char **error);

/* A batch with its entries. Returns 0, or -1 when there is no such batch. */
int import_batch_load(struct db *db, struct arena *a, const char *id,
	struct import_batch *b);

/* The most recent batches (without their entries), newest first, into
** *out. Returns how many. */
long import_batch_recent(struct db *db, struct arena *a, int limit,
	struct import_batch **out);

#endif
