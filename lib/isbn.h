/*
** isbn.h: ISBN checking and formatting, and book metadata look-up by ISBN
** over HTTP (Open Library's "jscmd=data" JSON format).
**
** Everything in Carrel stores and compares the 13 digits of the ISBN-13,
** with no hyphens: an ISBN-10 typed into a form is converted on the way in,
** so a book is found whichever of its two numbers a person types.
**
** The look-up uses libcurl and jansson (link -lcurl -ljansson). It keeps
** one curl handle per process so a worker reuses its connection to the
** ISBN service from one look-up to the next; see isbn_lookup().
*/
#ifndef CARREL_ISBN_H
#define CARREL_ISBN_H

#include <stdbool.h>

#include "arena.h"

/* The Open Library API; {isbn} is replaced by the 13 digits. */
#define ISBN_DEFAULT_URL \
	"https://openlibrary.org/api/books?bibkeys=ISBN:{isbn}&format=json&jscmd=data"
#define ISBN_DEFAULT_TIMEOUT_MS 3000L
/* Answers larger than this are refused (the transfer is stopped). */
#define ISBN_MAX_BODY (1024 * 1024)

/* Check an ISBN-10 or ISBN-13 as typed (digits with any hyphens and spaces,
** an ISBN-10 may end in X or x) and write the 13 digits of its ISBN-13,
** NUL-terminated, to out; an ISBN-10 becomes 978 + its first 9 digits + a
** new check digit. Returns NULL when the ISBN is valid, else a message for
** the person filling in the form (out is then ""). */
const char *isbn_normalize(const char *in, char out[14]);

/* True when s has the shape of an ISBN: only digits, hyphens and spaces
** plus an optional final X, with 10 or 13 digits in all (X counting as the
** tenth). The check digit is not checked, so that a search for a mistyped
** ISBN is still treated as an ISBN search and can say what is wrong. */
bool isbn_looks_like(const char *s);

/* Write isbn13 (13 digits, as from isbn_normalize) for display as
** 978-0-261-10221-7, i.e. grouped 3-1-3-5-1 (prefix, registration group,
** publisher, title, check digit). Real hyphenation depends on the
** registration-group and publisher ranges published by the International
** ISBN Agency, which we do not ship, so the groups are often not the ones
** printed on the book; the digits always are. Anything that is not 13
** digits is copied unchanged (cut to 17 bytes; NULL gives ""). */
void isbn_format(const char *isbn13, char out[18]);

/* What a look-up found. Every string is trimmed, valid UTF-8, on the arena
** given to isbn_lookup(), and "" (never NULL) when unknown. Single-line
** fields have runs of white space and control characters folded into one
** space; description keeps its line breaks. */
struct isbn_record {
	const char *title, *subtitle, *publisher, *pub_date;
	int pub_year;            /* 0 when unknown; from pub_date: "1999",
	                            "May 1999", "1999-05-01", "c1999" */
	int pages;               /* 0 when unknown */
	const char *authors[8];
	int nauthors;
	const char *subjects[8];
	int nsubjects;
	const char *description; /* "notes", else "excerpts"[0].text, else
	                            "description" */
	const char *cover_url;   /* cover.large, else cover.medium; only an
	                            http(s) URL is kept */
};

/* Lengths in characters beyond which a field is cut. */
#define ISBN_MAX_TITLE 500
#define ISBN_MAX_NAME 200        /* subtitle, publisher, author, subject */
#define ISBN_MAX_DATE 100
#define ISBN_MAX_DESCRIPTION 4000
#define ISBN_MAX_URL 1000        /* bytes */

enum isbn_lookup_result {
	ISBN_FOUND,          /* *out is filled */
	ISBN_NOT_FOUND,      /* the service does not know the ISBN */
	ISBN_UNAVAILABLE     /* no usable answer: network, HTTP error, timeout,
	                        too large, malformed */
};

/* Initialise libcurl for this process (curl_global_init). isbn_lookup()
** calls it itself the first time, so calling it is optional; a program that
** starts threads should call it first, before any thread exists. Returns 0,
** or -1 when libcurl cannot be initialised. */
int isbn_lookup_init(void);

/* Look up isbn13 (an ISBN as isbn_normalize accepts it; normally its 13
** digits) at url_template, in which every "{isbn}" is replaced by the 13
** digits. A template without "{isbn}" (such as the bare
** "https://openlibrary.org/api/books") gets Open Library's query
** "?bibkeys=ISBN:<isbn>&format=json&jscmd=data" appended. Only http and
** https are used, redirects included (at most 3); the whole look-up, and the
** connection on its own, may take timeout_ms (<= 0: the default, 3 s); an
** answer over ISBN_MAX_BODY is refused.
**
** Fills *out (all strings on a) and returns ISBN_FOUND, or returns
** ISBN_NOT_FOUND or ISBN_UNAVAILABLE with *out emptied (every string "").
** *why (when why is not NULL) is set to NULL for ISBN_FOUND, else to a
** sentence for the librarian saying what happened (static or on a).
**
** The curl handle is kept for the next call so the connection to the
** service is reused; a process forked after a look-up makes its own handle
** rather than share the parent's connections. Not thread-safe. */
enum isbn_lookup_result isbn_lookup(const char *url_template,
	const char *isbn13, long timeout_ms, struct arena *a,
	struct isbn_record *out, const char **why);

/* Release the kept curl handle and libcurl's global state; a later look-up
** starts afresh. For clean exits and leak checkers; never required. */
void isbn_lookup_cleanup(void);

#endif
