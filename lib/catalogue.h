/*
** catalogue.h: reading the catalogue. (Search, editing and copies come with
** the catalogue issue; for now the home page's list of new titles.)
*/
#ifndef CARREL_CATALOGUE_H
#define CARREL_CATALOGUE_H

#include "arena.h"
#include "db.h"

struct title_brief {
	long long id;
	const char *title;
	const char *subtitle;
	const char *authors;     /* "A, B" in title-page order */
	long long pub_year;      /* 0 when unknown */
};

/* The newest titles first, at most max of them, into out. Returns how
** many, or -1 on a database error. */
int catalogue_newest(struct db *db, struct arena *a, int max,
	struct title_brief *out);

#endif
