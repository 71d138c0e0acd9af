/*
** tabular.h: read a table (CSV or XLSX) from an uploaded file held in
** memory, one callback per row. Pure parsing: no database, no HTTP.
**
** CSV is parsed by libcsv (-lcsv): comma-separated, or semicolon or tab
** when the first line has more of those than commas; "quoted" cells may
** hold delimiters, doubled quotes and line breaks; spaces and tabs around
** unquoted cells are dropped. The text must be UTF-8 (an initial byte
** order mark is skipped) without NUL bytes; lines may end in LF, CRLF
** or CR.
**
** XLSX is unzipped by libzip (-lzip) and its XML read by libxml2's
** streaming SAX2 parser (-lxml2): the first sheet of the workbook, with
** shared strings, inline strings, numbers as written in the file (so a
** date is Excel's day number), booleans as TRUE/FALSE and error cells as
** empty cells. No DTD is loaded, no entity is expanded, nothing is fetched
** from the network, and a document with a DOCTYPE is refused.
**
** Every part of the workbook is unzipped in chunks straight into the
** parser, never held whole, so memory stays bounded (a few MiB, plus the
** shared strings, at most TAB_MAX_SHARED_BYTES) however far a file
** unpacks: a small file that unzips to hundreds of MiB is read in the
** same memory as any other, or refused at the first limit it crosses.
** Sizes and CRCs are checked as the parts are read, so a damaged
** workbook, like malformed XML or CSV or a cell over the limits, may be
** found after earlier rows were delivered: callers must treat any error
** as "save nothing" (an import runs in one transaction).
*/
#ifndef CARREL_TABULAR_H
#define CARREL_TABULAR_H

#include <stddef.h>

/* Limits; going over one is an error that names the line. */
#define TAB_MAX_CELLS 256                     /* cells in one row */
#define TAB_MAX_CELL_BYTES (64 * 1024)        /* bytes in one cell */
#define TAB_MAX_XML_BYTES (256 * 1024 * 1024) /* an XLSX part, unzipped */
#define TAB_MAX_XML_PENDING (4 * 1024 * 1024) /* one XML tag, attributes and all */
#define TAB_MAX_SHARED_STRINGS 1000000        /* shared strings of an XLSX */
#define TAB_MAX_SHARED_BYTES (16 * 1024 * 1024) /* their text, in all */

/* One row. cell[i] is NUL-terminated UTF-8, len[i] bytes long, and holds
** no NUL; cells missing from the file are "" (an XLSX row may skip some).
** Leading and trailing white space inside quotes or in XLSX cells is kept.
** Everything is valid only during the callback. */
struct tab_row {
	long line;                 /* CSV: line the record starts on (1-based);
	                           ** XLSX: the row number */
	int ncells;                /* 1..TAB_MAX_CELLS */
	const char *const *cell;
	const size_t *len;
};

/* Called once per row, the header row (the first) included; rows with no
** cells or only empty ones are skipped. Return nonzero to stop. */
typedef int (*tab_row_fn)(void *ctx, const struct tab_row *row);

enum tab_format { TAB_UNKNOWN, TAB_CSV, TAB_XLSX };

/* Guess the format from the content: a ZIP archive is XLSX; text (no NUL,
** no control characters but tab, CR, LF and form feed in the first 4 KiB)
** is CSV, even when not UTF-8 (tab_read then says so, with the line);
** anything else, an empty file included, is TAB_UNKNOWN. */
enum tab_format tab_detect(const char *data, size_t len);

/* Read the rows of data[0..len), detected by tab_detect(), calling fn for
** each. Returns 0 at the end of the table, 1 when fn stopped the reading,
** or -1 with a message for the person who uploaded the file in err (for
** example "The CSV file is not UTF-8 text (line 12)."). */
int tab_read(const char *data, size_t len, tab_row_fn fn, void *ctx,
	char *err, size_t errlen);

#endif
