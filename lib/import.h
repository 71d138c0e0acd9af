/*
** import.h: bulk import of members, and of titles with their copies, from
** CSV or XLSX (lib/tabular.h), and of titles from MARC 21 (lib/marc.h).
**
** The first row names the columns (in any order, any case; unknown columns
** are ignored and listed). Every row is checked; the good rows are saved in
** one transaction, each bad row is reported with its line and the reason,
** and a file that cannot be read saves nothing at all.
**
** Members: name and email are required; phone, category, card_number,
** plan (a plan's name) and member_until (YYYY-MM-DD) are optional. A row
** whose email is already a member's updates that member; a member made by
** an import has no password until the desk issues one.
**
** Titles: title is required; isbn, subtitle, authors ("; " between
** names), publisher, year, genre, section (by name, made if new),
** language, pages, format, description, and for a copy barcode, location,
** status, acquired_on, source and cost. One row per copy: rows with the
** same ISBN are copies of one title. A title whose ISBN is already in the
** catalogue is updated. These are the columns `carrel export` writes.
*/
#ifndef CARREL_IMPORT_H
#define CARREL_IMPORT_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "db.h"

enum import_kind { IMPORT_MEMBERS, IMPORT_TITLES };

/* Rejected rows listed in a report; the rest are only counted. */
#define IMPORT_PROBLEMS_LISTED 1000

struct import_problem {
	long line;                  /* the row's line (CSV) or row (XLSX), or
	                               record number (MARC) */
	const char *reason;
};

struct import_report {
	const char *error;          /* the file could not be imported: nothing
	                               was saved; NULL on success */
	const char *format;         /* "CSV", "XLSX", "MARC 21", "MARCXML" */
	long added, updated, rejected;
	struct import_problem *problems;   /* the first IMPORT_PROBLEMS_LISTED */
	long nproblems;
	const char *ignored_columns;       /* "" or "shoe size, notes" */
};

/* "members" or "titles"; -1 when unknown. */
int import_kind_parse(const char *s);

/* Import data[0..len). Strings of the report live on arena a. Returns 0
** when rows were saved (some may have been rejected), -1 when nothing was
** (report->error says why). actor_id is the staff account (0: the command
** line), recorded in the audit trail. */
int import_run(struct db *db, struct arena *a, enum import_kind kind, const char *data,
	size_t len, time_t now, long long actor_id, struct import_report *report);

#endif
