/*
** export.h: members, titles with copies, loans and payments as CSV or XLSX.
**
** Rows go from SQLite to the file one at a time, so memory stays flat
** however large the library: CSV is written straight to a FILE, XLSX by
** libxlsxwriter in its constant-memory mode (which needs a file path). The
** web handler writes into a private folder that nginx serves with
** X-Accel-Redirect; the command line writes to standard output.
*/
#ifndef CARREL_EXPORT_H
#define CARREL_EXPORT_H

#include <stdio.h>

#include "db.h"

enum export_kind { EXPORT_MEMBERS, EXPORT_TITLES, EXPORT_LOANS, EXPORT_PAYMENTS,
	EXPORT_EBOOK_LOANS, EXPORT_EBOOK_REQUESTS, EXPORT_KIND_COUNT };
enum export_format { EXPORT_CSV, EXPORT_XLSX };

/* "members", "titles", "loans", "payments", "ebook-loans" (every e-book
** loan granted), "ebook-requests" (every e-book request, however it was
** decided); -1 when unknown. */
int export_kind_parse(const char *s);
const char *export_kind_name(enum export_kind k);
/* "csv" or "xlsx"; -1 when unknown. */
int export_format_parse(const char *s);

/* One text cell of a CSV file: quoted when it holds a comma, quote or line
** break, and guarded with a leading apostrophe when a spreadsheet could
** take it for a formula (= + - @, tab, carriage return). */
void export_csv_cell(FILE *out, const char *s);

/* Write kind as CSV to out. Returns the number of data rows, or -1 with a
** message in err. */
long export_csv(struct db *db, enum export_kind kind, FILE *out, char *err, size_t errlen);

/* Write kind as an XLSX workbook at path. Returns rows or -1. */
long export_xlsx(struct db *db, enum export_kind kind, const char *path, char *err,
	size_t errlen);

#endif
