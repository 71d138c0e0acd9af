/*
** marc.h: MARC 21 bibliographic records from an uploaded file held in
** memory, ISO 2709 ("binary" .mrc) or MARCXML, one callback per record
** with the fields a catalogue needs. Pure parsing: no database, no HTTP.
**
** The format is told by the content: XML when the first byte after a
** byte order mark and white space is '<', else ISO 2709.
**
** ISO 2709 is read by hand (marc.c): Debian's YAZ (libyaz) parses records
** but only converts them between formats; it gives no public access to
** the fields. MARCXML is read with libxml2's streaming SAX2 parser
** (-lxml2): no DTD is loaded, no entity is expanded, nothing is fetched,
** a document with a DOCTYPE is refused, and the text must be UTF-8.
**
** Errors come in two kinds. A record that is damaged inside but whose
** length can be trusted (a bad directory, MARC-8 text, invalid UTF-8) is
** handed to the callback with error set, and reading goes on. A file whose
** structure cannot be followed (a bad record length, a cut-short file,
** malformed XML) stops marc_read() with a message; records before it may
** already have been delivered, so callers treat that error as "save
** nothing".
*/
#ifndef CARREL_MARC_H
#define CARREL_MARC_H

#include <stddef.h>

/* One record. Every string is NUL-terminated UTF-8, "" when the field is
** absent, and valid only during the callback. Trailing ISBD punctuation
** (" /", " :", " ;", " =", ",", ".") is trimmed from title, subtitle,
** authors, publisher and subjects, but a period after an initial stays
** ("Tolkien, J. R. R."). */
struct marc_record {
	long number;                  /* 1-based position in the file */
	const char *error;            /* non-NULL: the record is damaged and
	                              ** this says why ("record 7: ..."); the
	                              ** fields below are then empty */
	const char *isbn;             /* first 020$a, as written: the caller
	                              ** validates ("0261102214 (pbk.)") */
	const char *title;            /* 245$a */
	const char *subtitle;         /* 245$b */
	const char *const *authors;   /* 100$a, then each 700$a, in order */
	int nauthors;
	const char *edition;          /* 250$a ("2nd ed.") */
	const char *publisher;        /* 264$b (publication, else the first
	                              ** 264 with one), else 260$b */
	const char *date;             /* 264$c likewise, else 260$c; without
	                              ** [ ] . and the copyright sign */
	int year;                     /* first 4-digit year in date, or 0 */
	int pages;                    /* from 300$a: the number before "p",
	                              ** else the first number; 0 if none */
	const char *const *subjects;  /* each 650$a */
	int nsubjects;
	const char *summary;          /* 520$a */
};

/* Called once per record, damaged ones included. Return nonzero to stop. */
typedef int (*marc_record_fn)(void *ctx, const struct marc_record *rec);

enum marc_format { MARC_UNKNOWN, MARC_ISO2709, MARC_XML };

/* MARC_XML when the first byte after a UTF-8 byte order mark and white
** space is '<'; MARC_ISO2709 when the file starts with the five digits of
** a record length; else MARC_UNKNOWN. */
enum marc_format marc_detect(const char *data, size_t len);

/* Read every record of data[0..len), calling fn for each. Returns 0 at the
** end of the file, 1 when fn stopped the reading, or -1 with a message for
** the person who uploaded the file in err (a file without any record is
** an error too). */
int marc_read(const char *data, size_t len, marc_record_fn fn, void *ctx,
	char *err, size_t errlen);

#endif
