/*
** export.c: the exports. Each kind is one SQL query whose column names are
** the header row; the same names are what the importer reads, so an export
** can be edited and imported back. Money leaves as a decimal (REAL) column.
*/
#include "export.h"

#include <string.h>
#include <xlsxwriter.h>

static const char *const kind_names[EXPORT_KIND_COUNT] = {
	"members", "titles", "loans", "payments", "ebook-loans", "ebook-requests",
};

static const char *const kind_sql[EXPORT_KIND_COUNT] = {
	/* members */
	"SELECT a.card_number AS card_number, a.name AS name, a.email AS email, "
	"a.phone AS phone, a.category AS category, coalesce(p.name, '') AS plan, "
	"coalesce(a.member_until, '') AS member_until, "
	"CASE WHEN a.member_until >= date('now') THEN 'active' "
	"     WHEN a.member_until IS NOT NULL THEN 'expired' "
	"     WHEN EXISTS (SELECT 1 FROM membership m WHERE m.account_id = a.id "
	"                  AND m.status = 'pending') THEN 'pending' ELSE 'none' END AS status, "
	"(SELECT coalesce(sum(amount_cents), 0) FROM fine f WHERE f.account_id = a.id) / 100.0 "
	"  AS fines_owed, date(a.created_at, 'unixepoch') AS joined "
	"FROM account a LEFT JOIN plan p ON p.id = a.member_plan_id "
	"WHERE a.role = 'member' AND a.removed_at IS NULL ORDER BY a.id",
	/* titles, one row per copy (a title without copies has one row) */
	"SELECT coalesce(t.isbn13, '') AS isbn, t.title AS title, t.subtitle AS subtitle, "
	"coalesce((SELECT group_concat(name, '; ') FROM (SELECT au.name FROM title_author ta "
	"  JOIN author au ON au.id = ta.author_id WHERE ta.title_id = t.id "
	"  ORDER BY ta.position)), '') AS authors, "
	"t.publisher AS publisher, coalesce(t.pub_year, '') AS year, t.genre AS genre, "
	"coalesce(s.name, '') AS section, t.language AS language, "
	"coalesce(t.pages, '') AS pages, t.format AS format, t.description AS description, "
	"coalesce(c.barcode, '') AS barcode, coalesce(c.location, '') AS location, "
	"coalesce(c.status, '') AS status, coalesce(c.acquired_on, '') AS acquired_on, "
	"coalesce(c.source, '') AS source, "
	"CASE WHEN c.id IS NULL THEN '' ELSE c.cost_cents / 100.0 END AS cost, "
	"coalesce(c.item_type, '') AS item_type "
	"FROM title t LEFT JOIN section s ON s.id = t.section_id "
	"LEFT JOIN copy c ON c.title_id = t.id ORDER BY t.id, c.id",
	/* loans */
	"SELECT l.id AS loan, k.barcode AS barcode, t.title AS title, "
	"a.card_number AS card_number, a.name AS member, l.loan_day AS loaned, "
	"l.due_day AS due, coalesce(l.return_day, '') AS returned, l.renewals AS renewals, "
	"CASE WHEN l.fine_cents IS NULL THEN '' ELSE l.fine_cents / 100.0 END AS fine "
	"FROM loan l JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id "
	"JOIN account a ON a.id = l.account_id ORDER BY l.id",
	/* payments */
	"SELECT p.reference AS reference, datetime(p.created_at, 'unixepoch') AS created, "
	"a.card_number AS card_number, a.name AS member, p.amount_cents / 100.0 AS amount, "
	"p.purpose AS purpose, coalesce(pl.name, '') AS plan, p.method AS method, "
	"p.status AS status, coalesce(s.name, '') AS recorded_by, p.note AS note "
	"FROM payment p JOIN account a ON a.id = p.account_id "
	"LEFT JOIN plan pl ON pl.id = p.plan_id LEFT JOIN account s ON s.id = p.recorded_by "
	"ORDER BY p.id",
	/* ebook-loans: those granted, live or ended (expired as carrel-cron
	** last marked them) */
	"SELECT l.id AS ebook_loan, t.title AS title, a.card_number AS card_number, "
	"a.name AS member, datetime(l.decided_at, 'unixepoch') AS granted, "
	"coalesce(d.name, 'automatically') AS granted_by, l.loan_days AS loan_days, "
	"datetime(l.access_until, 'unixepoch') AS access_until, l.status AS status, "
	"coalesce(datetime(l.ended_at, 'unixepoch'), '') AS ended, l.reason AS reason "
	"FROM ebook_loan l JOIN title t ON t.id = l.title_id JOIN account a ON a.id = l.account_id "
	"LEFT JOIN account d ON d.id = l.decided_by "
	"WHERE l.status IN ('granted', 'returned', 'revoked', 'expired') ORDER BY l.id",
	/* ebook-requests: every request and what became of it */
	"SELECT l.id AS ebook_request, t.title AS title, a.card_number AS card_number, "
	"a.name AS member, datetime(l.requested_at, 'unixepoch') AS requested, "
	"CASE WHEN l.status IN ('requested', 'rejected', 'cancelled') THEN l.status "
	"     ELSE 'granted' END AS decision, "
	"coalesce(datetime(l.decided_at, 'unixepoch'), '') AS decided, "
	"CASE WHEN l.decided_at IS NULL THEN '' ELSE coalesce(d.name, 'automatically') END "
	"  AS decided_by, "
	"CASE WHEN l.status = 'rejected' THEN l.reason ELSE '' END AS reason "
	"FROM ebook_loan l JOIN title t ON t.id = l.title_id JOIN account a ON a.id = l.account_id "
	"LEFT JOIN account d ON d.id = l.decided_by ORDER BY l.id",
};

int export_kind_parse(const char *s)
{
	for (int i = 0; s && i < EXPORT_KIND_COUNT; i++)
		if (!strcmp(s, kind_names[i]))
			return i;
	return -1;
}

const char *export_kind_name(enum export_kind k) { return kind_names[k]; }

int export_format_parse(const char *s)
{
	if (s && !strcmp(s, "csv"))
		return EXPORT_CSV;
	if (s && !strcmp(s, "xlsx"))
		return EXPORT_XLSX;
	return -1;
}

/* ---- CSV ---- */

/* A spreadsheet opening the file must not run a text cell as a formula:
** text starting with = + - @, a tab or a carriage return gets a leading
** apostrophe, inside the cell's quotes, so it stays part of that one cell
** (the importer drops it again). Numbers are never text here: the query's
** numeric columns leave as numbers, unguarded. */
static bool formula_like(const char *s)
{
	return s[0] && strchr("=+-@\t\r", s[0]);
}

void export_csv_cell(FILE *out, const char *s)
{
	bool guard = formula_like(s);
	if (!strpbrk(s, ",\"\r\n")) {
		if (guard)
			fputc('\'', out);
		fputs(s, out);
		return;
	}
	fputc('"', out);
	if (guard)
		fputc('\'', out);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

static void csv_value(FILE *out, sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		fprintf(out, "%lld", (long long)sqlite3_column_int64(st, col));
		break;
	case SQLITE_FLOAT:
		fprintf(out, "%.2f", sqlite3_column_double(st, col));
		break;
	case SQLITE_NULL:
		break;
	default:
		export_csv_cell(out, (const char *)sqlite3_column_text(st, col));
	}
}

long export_csv(struct db *db, enum export_kind kind, FILE *out, char *err, size_t errlen)
{
	sqlite3_stmt *st = db_query(db, kind_sql[kind], NULL);
	if (!st) {
		snprintf(err, errlen, "the export query failed: %s", db_errmsg(db));
		return -1;
	}
	int ncol = sqlite3_column_count(st);
	for (int i = 0; i < ncol; i++) {
		if (i)
			fputc(',', out);
		export_csv_cell(out, sqlite3_column_name(st, i));
	}
	fputs("\r\n", out);
	long rows = 0;
	while (db_row(db, st)) {
		for (int i = 0; i < ncol; i++) {
			if (i)
				fputc(',', out);
			csv_value(out, st, i);
		}
		fputs("\r\n", out);
		rows++;
	}
	if (ferror(out)) {
		snprintf(err, errlen, "the export could not be written");
		return -1;
	}
	return rows;
}

/* ---- XLSX ---- */

long export_xlsx(struct db *db, enum export_kind kind, const char *path, char *err,
	size_t errlen)
{
	lxw_workbook_options options = { .constant_memory = LXW_TRUE };
	lxw_workbook *wb = workbook_new_opt(path, &options);
	if (!wb) {
		snprintf(err, errlen, "the workbook could not be created");
		return -1;
	}
	lxw_worksheet *ws = workbook_add_worksheet(wb, kind_names[kind]);
	lxw_format *bold = workbook_add_format(wb);
	format_set_bold(bold);
	lxw_format *money = workbook_add_format(wb);
	format_set_num_format(money, "0.00");
	sqlite3_stmt *st = db_query(db, kind_sql[kind], NULL);
	if (!st) {
		workbook_close(wb);
		snprintf(err, errlen, "the export query failed: %s", db_errmsg(db));
		return -1;
	}
	int ncol = sqlite3_column_count(st);
	for (int i = 0; i < ncol; i++)
		worksheet_write_string(ws, 0, (lxw_col_t)i, sqlite3_column_name(st, i), bold);
	long rows = 0;
	while (db_row(db, st)) {
		lxw_row_t r = (lxw_row_t)(rows + 1);
		for (int i = 0; i < ncol; i++) {
			lxw_col_t c = (lxw_col_t)i;
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
				worksheet_write_number(ws, r, c, (double)sqlite3_column_int64(st, i), NULL);
				break;
			case SQLITE_FLOAT:
				worksheet_write_number(ws, r, c, sqlite3_column_double(st, i), money);
				break;
			case SQLITE_NULL:
				break;
			default: {
				const char *s = (const char *)sqlite3_column_text(st, i);
				if (*s)
					worksheet_write_string(ws, r, c, s, NULL);
			}
			}
		}
		rows++;
	}
	lxw_error e = workbook_close(wb);
	if (e != LXW_NO_ERROR) {
		snprintf(err, errlen, "the workbook could not be written: %s", lxw_strerror(e));
		return -1;
	}
	return rows;
}
