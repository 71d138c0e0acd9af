/*
** catalogue.h: titles, authors, sections and copies: reading them for the
** public pages, and keeping them for the staff screens.
*/
#ifndef CARREL_CATALOGUE_H
#define CARREL_CATALOGUE_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "db.h"
#include "valid.h"

#define TITLE_AUTHORS_MAX 10

struct title_brief {
	long long id;
	const char *title;
	const char *subtitle;
	const char *authors;     /* "A, B" in title-page order */
	long long pub_year;      /* 0 when unknown */
};

struct copy_info {
	long long id;
	const char *barcode;
	const char *location;
	const char *status;      /* available, on-loan, ... */
	const char *acquired_on; /* YYYY-MM-DD or "" */
	const char *source;
	long long cost_cents;
	const char *notes;
	long long last_seen_at;  /* found on the shelf at stocktaking; 0 never */
};

struct title_detail {
	long long id;
	const char *isbn13;      /* "" when none */
	const char *title;
	const char *subtitle;
	const char *publisher;
	int pub_year;            /* 0 when unknown */
	const char *pub_date;
	const char *genre;
	long long section_id;    /* 0 when none */
	const char *section;
	const char *language;
	int pages;               /* 0 when unknown */
	const char *description;
	const char *format;
	const char *cover;
	const char *authors[TITLE_AUTHORS_MAX];
	int nauthors;
	struct copy_info *copies;
	int ncopies;
};

struct section_info {
	long long id;
	const char *name;
	const char *description;
	long titles;
};

/* The newest titles first, at most max of them, into out. Returns how
** many, or -1 on a database error. */
int catalogue_newest(struct db *db, struct arena *a, int max,
	struct title_brief *out);

/* A title with its authors and copies. Returns 0, 1 when there is no such
** title, -1 on a database error. */
int catalogue_title_get(struct db *db, struct arena *a, long long id,
	struct title_detail *out);

/* Every section, by name, with its number of titles. Returns how many (into
** *out, on the arena), or -1. */
int catalogue_sections(struct db *db, struct arena *a, struct section_info **out);

/* One section. Returns 0, 1 when absent, -1 on error. */
int catalogue_section_get(struct db *db, struct arena *a, long long id,
	struct section_info *out);

/* Bulk loading: between begin and end, changes to titles only mark them
** for the search index, which end rebuilds in one go (in the caller's
** transaction, if any). Returns 0 or -1. */
int catalogue_bulk_begin(struct db *db);
int catalogue_bulk_end(struct db *db);

/* A term of the search indexes in more titles than this is common: a
** search of common terms only is bounded (lib/search.h). Also in
** schema/0007_search_split.sql. */
#define SEARCH_COMMON_DOCS 1000

/* Refresh the list of common terms (search_common) from the indexes; run
** by catalogue_bulk_end after a load of 10,000 titles or more, and daily
** by carrel-cron (about a second at a
** million titles). Inside the caller's transaction if one is open.
** Returns 0, or -1 on a database error. */
int catalogue_common_terms(struct db *db);

/* Make the search window anew (schema/0011_search_window_index.sql): the
** first `titles` documents in search order, indexed on their own, or no
** window (titles <= 0, or a catalogue no larger). Run daily by carrel-cron
** with the search_window setting (a few seconds at a million titles, in
** transactions of a few thousand titles each, during which the window is
** smaller but whole); a bulk load of 10,000 titles or more empties it
** until then. Inside the caller's transaction if one is open. Returns 0,
** or -1 on a database error. */
int catalogue_search_window(struct db *db, long titles);

/* Display a copy status for people: "on loan" for "on-loan" and so on. */
const char *catalogue_status_label(const char *status);

#endif
