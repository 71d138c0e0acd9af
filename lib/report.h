/*
** report.h: the staff reports. Each report takes a range of library days
** (from and to, both included; by default the last 30 days up to today), a
** grouping where it counts per period (day, week from Monday, month) and
** filters, and gives one table: named, typed columns and rows. That one
** table is what the page shows, what its chart draws and what the CSV and
** XLSX downloads hold, so they always agree.
**
** What counts (days are the library's, instants read in its time zone):
**   circulation      loans (day of checkout), returns (day of return) and
**                    renewals (each renewal, on its day) per period; the
**                    filters are the title's section, the copy's item type
**                    and the member's category as they were that day
**                    (summed from circ_daily, kept by triggers: 0027)
**   popular-*        loans made in the range, by title, author (every
**                    author of the title) or section; the top N (summed
**                    from title_daily and circ_daily, kept by triggers)
**   stock            copies by status now (no range)
**   never-borrowed   copies acquired in the range that were never lent
**                    (withdrawn ones left out), oldest first; the first N
**   acquisitions     copies acquired per period and what they cost
**   members          per period: member accounts made, paid membership
**                    periods starting (as the monthly report counts
**                    renewals), and members whose membership ends
**   member-history   one member's loans made in the range
**   fines            per period: fines charged, paid and waived (the
**                    ledger), payments received by purpose and method, and
**                    refunds by method
*/
#ifndef CARREL_REPORT_H
#define CARREL_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "arena.h"
#include "db.h"
#include "valid.h"

enum report_kind {
	REPORT_CIRCULATION,
	REPORT_POPULAR_TITLES,
	REPORT_POPULAR_AUTHORS,
	REPORT_POPULAR_SECTIONS,
	REPORT_STOCK,
	REPORT_NEVER_BORROWED,
	REPORT_ACQUISITIONS,
	REPORT_MEMBERS,
	REPORT_MEMBER_HISTORY,
	REPORT_FINES,
	REPORT_KIND_COUNT
};

/* What a report's form asks for. */
#define REPORT_USES_RANGE     0x01
#define REPORT_USES_GROUP     0x02
#define REPORT_USES_SECTION   0x04
#define REPORT_USES_ITEM_TYPE 0x08
#define REPORT_USES_CATEGORY  0x10
#define REPORT_USES_TOP       0x20
#define REPORT_USES_MEMBER    0x40

#define REPORT_DEFAULT_DAYS 30
#define REPORT_MAX_DAYS 3660        /* ten years */
#define REPORT_MAX_DAILY_DAYS 366   /* one row a day: a year at most */
#define REPORT_MAX_TOP 1000
#define REPORT_MAX_HISTORY 10000    /* one member's loans in a range */

struct report_info {
	const char *slug;       /* in the address: "circulation" */
	const char *name;       /* "Circulation" */
	const char *summary;    /* one line for the index */
	unsigned uses;          /* REPORT_USES_* */
	int default_top;        /* with REPORT_USES_TOP */
};

const struct report_info *report_info(enum report_kind k);
/* The kind named by slug, or -1. */
int report_kind_parse(const char *slug);

enum report_group { REPORT_BY_DAY, REPORT_BY_WEEK, REPORT_BY_MONTH };

/* The form as typed (NULL or "" for a field left empty). */
struct report_input {
	const char *from, *to, *group, *section, *item_type, *category, *top, *member;
};

/* The form checked. */
struct report_params {
	enum report_kind kind;
	char from[11], to[11];      /* YYYY-MM-DD, from <= to */
	enum report_group group;
	long long section_id;       /* 0: any */
	const char *item_type;      /* "": any */
	const char *category;       /* "": any */
	int top;
	long long member_id;        /* member-history: the member */
	const char *member_name;
};

/* Check the input for kind at now (today is now's library day). Returns 0
** with params filled, 1 when a field is refused (errs says which and why,
** keyed by the field's name: from, to, group, section, item_type,
** category, top, member), or -1 on a database error. */
int report_check(struct db *db, struct arena *a, enum report_kind kind,
	const struct report_input *in, time_t now, struct report_params *p,
	struct form_errors *errs);

/* The sections for the form's menu, by name. Returns the count, or -1. */
struct report_section {
	long long id;
	const char *name;
};
int report_sections(struct db *db, struct arena *a, struct report_section **out);

/* The item types (categories false) or member categories for the form's
** menus, in their list's order: code and name only (lists_entries would
** count the copies and accounts of each). Returns the count, or -1. */
struct report_code {
	const char *code, *name;
};
int report_codes(struct db *db, struct arena *a, bool categories, struct report_code **out);

enum report_type {
	REPORT_TEXT,
	REPORT_COUNT,
	REPORT_MONEY,     /* cents */
	REPORT_DAY,       /* YYYY-MM-DD text */
};

struct report_column {
	const char *key;      /* the header of the CSV and XLSX: "loans" */
	const char *label;    /* the page's header: "Loans" */
	enum report_type type;
};

/* One cell: text for REPORT_TEXT and REPORT_DAY (never NULL), n for
** REPORT_COUNT and REPORT_MONEY. */
struct report_value {
	const char *text;
	long long n;
};

struct report_table {
	const struct report_column *cols;
	int ncols;
	struct report_value *cells;   /* row r, column c: cells[r * ncols + c] */
	long nrows, cap;
	const char *caption;          /* what the rows are, days as YYYY-MM-DD */
	const char *unit;             /* the charted count's noun: "loan" */
	int label_col;                /* the column naming a chart's bar */
	int chart_col;                /* the count column charted, -1: no chart */
};

/* Run the report. Returns 0 with the table on the arena, or -1. */
int report_run(struct db *db, struct arena *a, const struct report_params *p,
	struct report_table *t);

/* The cell at row r, column c. */
const struct report_value *report_cell(const struct report_table *t, long r, int c);

/* The table as CSV (header of column keys; money as a plain amount, 12.50;
** text a spreadsheet could take for a formula guarded like the exports).
** Returns the number of data rows, or -1 with err set. */
long report_csv(const struct report_table *t, FILE *out, char *err, size_t errlen);

/* The table as an XLSX workbook at path (counts and money as numbers).
** Returns rows, or -1 with err set. */
long report_xlsx(const struct report_table *t, const char *path, char *err,
	size_t errlen);

/* The chart of a table whose chart_col >= 0: a bar per row (svgchart.h),
** each bar's tip naming the row's label and every count and amount of the
** row, money shown with currency. NULL when the table has no chart. */
const char *report_svg(struct arena *a, const struct report_table *t, const char *currency);

#endif
