/*
** search.h: the public catalogue search (OPAC).
**
** Search text is never FTS5 syntax: it is cut into words (letters and
** digits), each matched as a plain term, the last one as a prefix so results
** follow typing ("hobb" finds The Hobbit). Quotes, stars, brackets and a
** lone "-" are just separators. Text that looks like an ISBN (10 or 13
** digits, hyphens allowed) is looked up by ISBN first.
**
** Speed at a million titles comes from stopping early: the full-text
** indexes list each title's document in search order (popularity, then
** newest; see schema/0003_search.sql), so a search reads at most
** SEARCH_CANDIDATES matches in that order. Filters by section, format,
** genre and publication year are tokens in the index, so they narrow the
** walk; a filter token far commoner than the search's words (a third of
** the titles in one section) is checked row by row in title_stat instead,
** as "on the shelf" always is (schema/0010_search_facet_checks.sql). The
** search reads matches in the title, subtitle, authors and ISBN first,
** from an index of those fields alone, then anywhere, and that is the
** relevance order (by popularity within each). Result counts above the
** cap are reported as "more than". The last word is a prefix when it has
** 2 to 5 letters (the prefix index answers those as fast as whole words);
** a longer one is tried whole first, and as a prefix only when that finds
** nothing.
**
** Several common words with few titles in common are what cost: the walk
** must reach the end of the rarest word's postings to know there are no
** more. search_common lists the terms in more than SEARCH_COMMON_DOCS
** titles (catalogue_common_terms, lib/catalogue.h); a pass whose terms
** (words and filter tokens) are two or more and all common reads only the
** window, the first titles in search order, from indexes of their own
** (catalogue_search_window, schema/0011_search_window_index.sql), and the
** result says so (windowed) when more may match beyond; q->deep reads
** everything. Any rarer term keeps a pass whole: its postings are short.
*/
#ifndef CARREL_SEARCH_H
#define CARREL_SEARCH_H

#include <stdbool.h>

#include "arena.h"
#include "db.h"

#define SEARCH_CANDIDATES 200

#define SEARCH_QUERY_MAX 200      /* characters of search text used */

/* SORT_RATING: the highest average rating first (title_stat's rating_sum
** and rating_count, kept by schema/0022_ebooks.sql's triggers), then the
** most ratings; titles nobody rated last. SORT_LAST is the last of them. */
enum search_sort { SORT_RELEVANCE, SORT_TITLE, SORT_AUTHOR, SORT_NEWEST, SORT_RATING };
#define SORT_LAST SORT_RATING

struct search_query {
	const char *q;            /* as typed; may be "" */
	long long section_id;     /* 0: any */
	const char *genre;        /* "": any (exact genre) */
	const char *author;       /* "": any (every word in an author's name) */
	const char *format;       /* "", "print" or "ebook" */
	bool available;           /* only titles with a copy on the shelf */
	int year_from, year_to;   /* 0: open */
	enum search_sort sort;
	long page;                /* from 1 */
	long per_page;
	long window;              /* > 0: a pass of common terms only reads the window
	                             (0: all; see above) */
	bool deep;                /* read every title all the same */
};

struct search_hit {
	long long id;
	const char *title;
	const char *subtitle;
	const char *authors;      /* "A; B" */
	int year;                 /* 0: unknown */
	const char *format;
	const char *cover;        /* file name under uploads/covers, or "" */
	int copies;               /* copies that can be borrowed at all */
	int available;            /* of them, on the shelf now */
	long long rating_sum;     /* the visible ratings: their sum and count */
	long long rating_count;   /* (0: nobody rated it) */
};

struct search_result {
	struct search_hit *hits;  /* this page's hits */
	int n;
	long total;               /* matches found (at most SEARCH_CANDIDATES) */
	bool more;                /* there were more matches than that */
	bool searched;            /* false: the text held no word and no filter was set */
	bool by_isbn;             /* the text was an ISBN and matched one */
	bool windowed;            /* some matches were looked for in the window
	                             only, and more may match */
	bool windowed_titles;     /* matches in the title fields among them */
	long window;              /* when windowed: the titles in the window */
};

/* Parse "relevance", "title", "author", "newest", "rating";
** SORT_RELEVANCE otherwise. */
enum search_sort search_sort_parse(const char *s);
const char *search_sort_name(enum search_sort s);
/* The sort in words for a menu: "Highest rated". */
const char *search_sort_label(enum search_sort s);

/* Run a search. Returns 0, or -1 on a database error. */
int search_run(struct db *db, struct arena *a, const struct search_query *q,
	struct search_result *out);

#endif
