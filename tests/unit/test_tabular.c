/*
** test_tabular.c: unit tests of lib/tabular.c, the CSV and XLSX reader
** behind bulk imports.
**
** CSV inputs are literals. XLSX inputs are made here: with libxlsxwriter
** (what Excel-like programs write: shared strings, inline strings in
** constant-memory mode, numbers, booleans, rich text, two sheets) and, for
** what libxlsxwriter never writes (rows and cells without r, phonetic
** runs, error cells, a DOCTYPE, lying sizes), by zipping hand-written XML
** with libzip. Each file is written to a temporary folder and read back
** into memory, the way an upload arrives.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>
#include <zip.h>

#include "arena.h"
#include "tabular.h"

#define S(lit) (lit), (sizeof(lit) - 1)

#define MAX_ROWS 64
#define MAX_COLS 300

/* What the callback saw: copies of every row. */
struct table {
	int nrows;
	long line[MAX_ROWS];
	int ncells[MAX_ROWS];
	char *cell[MAX_ROWS][MAX_COLS];
	int stop_after;     /* stop after this many rows (0: never) */
	char err[256];
};

static char tmpdir[64];

static int collect(void *ctx, const struct tab_row *row)
{
	struct table *t = ctx;
	int r = t->nrows;

	assert_true(row->ncells >= 1 && row->ncells <= TAB_MAX_CELLS);
	for (int i = 0; i < row->ncells; i++) {
		/* NUL-terminated, the length right, no NUL inside. */
		assert_int_equal(strlen(row->cell[i]), row->len[i]);
	}
	t->nrows++;
	if (r >= MAX_ROWS)
		return 0;   /* counted, not kept */
	t->line[r] = row->line;
	t->ncells[r] = row->ncells;
	for (int i = 0; i < row->ncells && i < MAX_COLS; i++)
		t->cell[r][i] = strdup(row->cell[i]);
	return t->stop_after && t->nrows >= t->stop_after;
}

static void table_free(struct table *t)
{
	for (int r = 0; r < t->nrows && r < MAX_ROWS; r++)
		for (int i = 0; i < t->ncells[r] && i < MAX_COLS; i++)
			free(t->cell[r][i]);
	free(t);
}

static struct table *table_new(void)
{
	struct table *t = calloc(1, sizeof *t);
	assert_non_null(t);
	return t;
}

/* Read data into a fresh table; *rc gets tab_read's answer. */
static struct table *read_table(const char *data, size_t len, int *rc)
{
	struct table *t = table_new();
	*rc = tab_read(data, len, collect, t, t->err, sizeof t->err);
	return t;
}

/* Expect an error whose message holds want, after nrows rows. */
static void expect_error_after(const char *data, size_t len, int nrows,
	const char *want)
{
	int rc;
	struct table *t = read_table(data, len, &rc);

	assert_int_equal(rc, -1);
	if (!strstr(t->err, want))
		fail_msg("error \"%s\" does not say \"%s\"", t->err, want);
	assert_int_equal(t->nrows, nrows);
	table_free(t);
}

/* Expect an error whose message holds want, and no row delivered. */
static void expect_error(const char *data, size_t len, const char *want)
{
	expect_error_after(data, len, 0, want);
}

static void assert_row(const struct table *t, int r, long line, int ncells,
	...)
{
	va_list ap;

	assert_true(r < t->nrows);
	assert_int_equal(t->line[r], line);
	assert_int_equal(t->ncells[r], ncells);
	va_start(ap, ncells);
	for (int i = 0; i < ncells; i++)
		assert_string_equal(t->cell[r][i], va_arg(ap, const char *));
	va_end(ap);
}

/*
** CSV.
*/

static void test_csv_basic(void **state)
{
	int rc;
	struct table *t;

	(void)state;
	assert_int_equal(tab_detect(S("title,author\n")), TAB_CSV);
	t = read_table(S("title,author\nDune,Frank Herbert\n"), &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(t->nrows, 2);
	assert_row(t, 0, 1, 2, "title", "author");
	assert_row(t, 1, 2, 2, "Dune", "Frank Herbert");
	table_free(t);

	/* No newline at the end. */
	t = read_table(S("a,b"), &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(t->nrows, 1);
	assert_row(t, 0, 1, 2, "a", "b");
	table_free(t);
}

static void test_csv_quoting(void **state)
{
	int rc;
	struct table *t;

	(void)state;
	t = read_table(S("\"a,b\",\"say \"\"hi\"\"\",  c  ,\"  kept  \",,"
		"\"\"\n"), &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(t->nrows, 1);
	assert_row(t, 0, 1, 6, "a,b", "say \"hi\"", "c", "  kept  ", "", "");
	table_free(t);
}

static void test_csv_newlines_and_lines(void **state)
{
	int rc;
	struct table *t;

	(void)state;
	t = read_table(S("h1,h2\n\"multi\nline\",x\n\n\"three\n\nlines\","
		"y\nlast,z\n"), &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(t->nrows, 4);
	assert_row(t, 0, 1, 2, "h1", "h2");
	assert_row(t, 1, 2, 2, "multi\nline", "x");
	assert_row(t, 2, 5, 2, "three\n\nlines", "y");
	assert_row(t, 3, 8, 2, "last", "z");
	table_free(t);

	/* Blank lines and rows of empty cells are skipped, but counted. */
	t = read_table(S("a\n\n,,\n   \nb\n"), &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(t->nrows, 2);
	assert_row(t, 0, 1, 1, "a");
	assert_row(t, 1, 5, 1, "b");
	table_free(t);
}

static void test_csv_crlf_and_cr(void **state)
{
	int rc;
	struct table *t;

	(void)state;
	t = read_table(S("a,b\r\n\"c\r\nd\",e\r\nf,g\r\n"), &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(t->nrows, 3);
	assert_row(t, 0, 1, 2, "a", "b");
	assert_row(t, 1, 2, 2, "c\r\nd", "e");
	assert_row(t, 2, 4, 2, "f", "g");
	table_free(t);

	/* Old Mac line ends. */
	t = read_table(S("a,b\rc,d\r\re,f"), &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(t->nrows, 3);
	assert_row(t, 0, 1, 2, "a", "b");
	assert_row(t, 1, 2, 2, "c", "d");
	assert_row(t, 2, 4, 2, "e", "f");
	table_free(t);
}

static void test_csv_bom_and_utf8(void **state)
{
	int rc;
	struct table *t;

	(void)state;
	t = read_table(S("\xef\xbb\xbftitle,author\n"
		"Les Mis\xc3\xa9rables,Victor Hugo\n"), &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(t->nrows, 2);
	assert_row(t, 0, 1, 2, "title", "author");
	assert_row(t, 1, 2, 2, "Les Mis\xc3\xa9rables", "Victor Hugo");
	table_free(t);
}

static void test_csv_invalid_utf8(void **state)
{
	int rc;
	struct table *t;

	(void)state;
	/* Latin-1, as older Excel saves "CSV": rows before it were read. */
	t = read_table(S("title\nok\nMis\xe9rables\n"), &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(t->err, "The CSV file is not UTF-8 text (line 3)."
		" Save it as \"CSV UTF-8\" and try again.");
	table_free(t);
	expect_error_after(S("a\n\xc0\x80\n"), 1, "not UTF-8 text (line 2)");
	expect_error(S("\xed\xa0\x80\n"), "not UTF-8 text (line 1)");
	expect_error(S("\xff\xfe" "a\0b\0"), "UTF-16");
}

static void test_csv_nul(void **state)
{
	struct buf b = BUF_INIT;
	int rc;
	struct table *t;

	(void)state;
	/* Early: the file is not text at all. */
	expect_error(S("a,b\nc\0d\n"), "not a CSV or XLSX file");

	/* Past the part tab_detect() looks at: named by its line. */
	for (int i = 0; i < 500; i++)
		buf_puts(&b, "abcdefghij\n");
	buf_append(&b, S("x\0y\n"));
	assert_int_equal(tab_detect(b.data, b.len), TAB_CSV);
	t = read_table(b.data, b.len, &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(t->err, "The CSV file holds a NUL byte (line 501);"
		" it is not a text file.");
	table_free(t);
	buf_free(&b);
}

static void test_csv_too_many_cells(void **state)
{
	struct buf b = BUF_INIT;
	int rc;
	struct table *t;

	(void)state;
	buf_puts(&b, "h\n");
	for (int i = 0; i < TAB_MAX_CELLS; i++)
		buf_puts(&b, i ? ",x" : "x");
	buf_puts(&b, "\n");
	t = read_table(b.data, b.len, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(t->nrows, 2);
	assert_int_equal(t->ncells[1], TAB_MAX_CELLS);
	table_free(t);

	buf_puts(&b, "x");
	for (int i = 0; i < TAB_MAX_CELLS; i++)
		buf_puts(&b, ",y");
	buf_puts(&b, "\n");
	t = read_table(b.data, b.len, &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(t->err, "The CSV file has more than 256 cells in "
		"the record on line 3.");
	table_free(t);
	buf_free(&b);
}

static void test_csv_cell_size(void **state)
{
	struct buf b = BUF_INIT;
	int rc;
	struct table *t;

	(void)state;
	/* Exactly at the limit: fine. */
	buf_puts(&b, "a,\"");
	for (int i = 0; i < TAB_MAX_CELL_BYTES; i++)
		buf_putc(&b, 'x');
	buf_puts(&b, "\"\n");
	t = read_table(b.data, b.len, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(strlen(t->cell[0][1]), TAB_MAX_CELL_BYTES);
	table_free(t);

	/* One more byte. */
	buf_clear(&b);
	buf_puts(&b, "h\na,");
	for (int i = 0; i <= TAB_MAX_CELL_BYTES; i++)
		buf_putc(&b, 'x');
	t = read_table(b.data, b.len, &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(t->err, "The CSV file has a cell longer than 64 "
		"KiB in the record on line 2.");
	table_free(t);

	/* A quote that is never closed, over a megabyte of lines: refused
	** once the cell passes the limit. */
	buf_clear(&b);
	buf_puts(&b, "h\n\"");
	for (int i = 0; i < 100000; i++)
		buf_puts(&b, "some text\n");
	t = read_table(b.data, b.len, &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(t->err, "The CSV file has a cell longer than 64 "
		"KiB in the record on line 2.");
	assert_int_equal(t->nrows, 1);
	table_free(t);
	buf_free(&b);
}

static void test_csv_bad_quotes(void **state)
{
	int rc;
	struct table *t;

	(void)state;
	t = read_table(S("a,b\nc,\"d\ne\n"), &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(t->err, "The CSV file has a quoted cell that is "
		"never closed (in the record on line 2).");
	assert_int_equal(t->nrows, 1);
	table_free(t);

	expect_error(S("a,1\" ruler\n"), "stray quote on line 1");
	expect_error(S("a,\"b\"c\n"), "stray quote on line 1");
}

static void test_csv_delimiters(void **state)
{
	int rc;
	struct table *t;

	(void)state;
	t = read_table(S("title;author;\"a,b\"\nx;y;z\n"), &rc);
	assert_int_equal(rc, 0);
	assert_row(t, 0, 1, 3, "title", "author", "a,b");
	assert_row(t, 1, 2, 3, "x", "y", "z");
	table_free(t);

	t = read_table(S("title\tauthor\nx, y\tz\n"), &rc);
	assert_int_equal(rc, 0);
	assert_row(t, 0, 1, 2, "title", "author");
	assert_row(t, 1, 2, 2, "x, y", "z");
	table_free(t);
}

static void test_csv_stop(void **state)
{
	struct table *t = table_new();

	(void)state;
	t->stop_after = 2;
	assert_int_equal(tab_read(S("a\nb\nc\nd\n"), collect, t, t->err,
		sizeof t->err), 1);
	assert_int_equal(t->nrows, 2);
	table_free(t);
}

/*
** Files that are neither.
*/

static void test_not_a_table(void **state)
{
	static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01"
		"\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
	char random[4096];
	unsigned seed = 12345;

	(void)state;
	assert_int_equal(tab_detect(png, sizeof png - 1), TAB_UNKNOWN);
	expect_error(png, sizeof png - 1, "The file is not a CSV or XLSX "
		"file.");
	for (size_t i = 0; i < sizeof random; i++) {
		seed = seed * 1103515245u + 12345u;
		random[i] = (char)(seed >> 16);
	}
	assert_int_equal(tab_detect(random, sizeof random), TAB_UNKNOWN);
	expect_error(random, sizeof random, "not a CSV or XLSX file");
	assert_int_equal(tab_detect("", 0), TAB_UNKNOWN);
	expect_error("", 0, "The file is empty.");
	expect_error(S("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), "old Excel (.xls)");
}

/*
** XLSX made with libxlsxwriter.
*/

/* Read a whole file into b. */
static void slurp(const char *path, struct buf *b)
{
	buf_clear(b);
	assert_int_equal(buf_read_file(b, path), 0);
}

typedef void (*fill_fn)(lxw_workbook *wb);

/* Make a workbook with fill and load its bytes into b. */
static void make_xlsx(fill_fn fill, bool constant_memory, struct buf *b)
{
	char path[128];
	lxw_workbook_options opt = { .constant_memory = constant_memory,
		.tmpdir = tmpdir };
	lxw_workbook *wb;

	snprintf(path, sizeof path, "%s/t.xlsx", tmpdir);
	wb = workbook_new_opt(path, &opt);
	assert_non_null(wb);
	fill(wb);
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	slurp(path, b);
	unlink(path);
}

static void fill_books(lxw_workbook *wb)
{
	lxw_worksheet *ws = workbook_add_worksheet(wb, "Books");
	lxw_worksheet *other = workbook_add_worksheet(wb, "Other");

	worksheet_write_string(ws, 0, 0, "isbn", NULL);
	worksheet_write_string(ws, 0, 1, "title", NULL);
	worksheet_write_string(ws, 0, 2, "year", NULL);
	worksheet_write_string(ws, 0, 3, "price", NULL);
	worksheet_write_string(ws, 0, 4, "available", NULL);
	worksheet_write_number(ws, 1, 0, 9780261102217.0, NULL);
	worksheet_write_string(ws, 1, 1, "The Hobbit", NULL);
	worksheet_write_number(ws, 1, 2, 1937, NULL);
	worksheet_write_number(ws, 1, 3, 12.5, NULL);
	worksheet_write_boolean(ws, 1, 4, 1, NULL);
	/* Row 3 is empty; row 4 has cells in A and D only. */
	worksheet_write_string(ws, 3, 0, "L\xc3\xa9on", NULL);
	worksheet_write_string(ws, 3, 3, "The Hobbit", NULL);   /* shared */
	worksheet_write_boolean(ws, 3, 4, 0, NULL);
	worksheet_write_string(other, 0, 0, "not this sheet", NULL);
}

static void check_books(const struct table *t)
{
	assert_int_equal(t->nrows, 3);
	assert_row(t, 0, 1, 5, "isbn", "title", "year", "price", "available");
	assert_row(t, 1, 2, 5, "9780261102217", "The Hobbit", "1937", "12.5",
		"TRUE");
	assert_row(t, 2, 4, 5, "L\xc3\xa9on", "", "", "The Hobbit", "FALSE");
}

static void test_xlsx_shared_strings(void **state)
{
	struct buf *b = *state;
	int rc;
	struct table *t;

	make_xlsx(fill_books, false, b);
	assert_int_equal(tab_detect(b->data, b->len), TAB_XLSX);
	t = read_table(b->data, b->len, &rc);
	assert_string_equal(t->err, "");
	assert_int_equal(rc, 0);
	check_books(t);
	table_free(t);
}

static void test_xlsx_inline_strings(void **state)
{
	struct buf *b = *state;
	int rc;
	struct table *t;

	/* Constant-memory mode writes strings inline, not shared. */
	make_xlsx(fill_books, true, b);
	assert_null(memmem(b->data, b->len, "sharedStrings", 13));
	t = read_table(b->data, b->len, &rc);
	assert_int_equal(rc, 0);
	check_books(t);
	table_free(t);
}

static void fill_rich(lxw_workbook *wb)
{
	lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
	lxw_format *bold = workbook_add_format(wb);
	lxw_rich_string_tuple a = { NULL, "The " };
	lxw_rich_string_tuple b2 = { bold, "Lord" };
	lxw_rich_string_tuple c = { NULL, " of the Rings" };
	lxw_rich_string_tuple *parts[] = { &a, &b2, &c, NULL };

	format_set_bold(bold);
	worksheet_write_rich_string(ws, 0, 0, parts, NULL);
	worksheet_write_formula_str(ws, 0, 1, "=\"x\"&\"y\"", NULL, "xy");
	worksheet_write_formula_num(ws, 0, 2, "=1+1", NULL, 2);
	worksheet_write_string(ws, 0, 200, "far right", NULL);
	worksheet_write_string(ws, 0, 3, "  spaced  ", NULL);
}

static void test_xlsx_rich_text_and_formulas(void **state)
{
	struct buf *b = *state;
	int rc;
	struct table *t;

	make_xlsx(fill_rich, false, b);
	t = read_table(b->data, b->len, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(t->nrows, 1);
	assert_int_equal(t->ncells[0], 201);
	assert_string_equal(t->cell[0][0], "The Lord of the Rings");
	assert_string_equal(t->cell[0][1], "xy");
	assert_string_equal(t->cell[0][2], "2");
	assert_string_equal(t->cell[0][3], "  spaced  ");
	assert_string_equal(t->cell[0][4], "");
	assert_string_equal(t->cell[0][200], "far right");
	table_free(t);
}

static void fill_too_wide(lxw_workbook *wb)
{
	lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);

	worksheet_write_string(ws, 0, 0, "h", NULL);
	worksheet_write_string(ws, 1, TAB_MAX_CELLS, "too far", NULL);
	/* Formatting far out, with no value, is fine. */
	worksheet_write_blank(ws, 0, 1000, workbook_add_format(wb));
}

static void test_xlsx_too_wide(void **state)
{
	struct buf *b = *state;
	int rc;
	struct table *t;

	make_xlsx(fill_too_wide, false, b);
	t = read_table(b->data, b->len, &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(t->err, "Row 2 of the sheet has more than 256 "
		"columns.");
	assert_int_equal(t->nrows, 1);
	table_free(t);
}

/* Flip a byte in the middle of the data of the entry called name. */
static void flip_data_byte(struct buf *b, const char *name)
{
	size_t n = strlen(name);
	unsigned char *h = (unsigned char *)b->data;

	for (;;) {
		h = memmem(h, b->len - (size_t)((char *)h - b->data),
			"PK\3\4", 4);
		assert_non_null(h);
		size_t name_len = h[26] | (size_t)h[27] << 8;
		size_t extra_len = h[28] | (size_t)h[29] << 8;
		size_t comp = h[18] | (size_t)h[19] << 8 |
			(size_t)h[20] << 16 | (size_t)h[21] << 24;
		if (name_len == n && !memcmp(h + 30, name, n)) {
			assert_true(comp > 8);
			h[30 + name_len + extra_len + comp / 2] ^= 0x55;
			return;
		}
		h += 4;
	}
}

static void test_xlsx_damaged(void **state)
{
	struct buf *b = *state;

	make_xlsx(fill_books, false, b);
	/* Cut in half: the central directory is gone. */
	expect_error(b->data, b->len / 2, "The file is not a valid XLSX "
		"workbook (it may be damaged or cut short)");
	/* Cut by a few bytes. */
	expect_error(b->data, b->len - 10, "not a valid XLSX workbook");
	/* A byte of the compressed sheet flipped: inflate or the CRC
	** tells. */
	flip_data_byte(b, "xl/worksheets/sheet1.xml");
	expect_error(b->data, b->len, "The XLSX workbook is damaged "
		"(xl/worksheets/sheet1.xml: ");
}

/*
** XLSX made by hand with libzip.
*/

struct part {
	const char *name;
	const char *text;
};

static const char WORKBOOK[] = "<?xml version=\"1.0\"?>"
	"<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/"
	"2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/"
	"officeDocument/2006/relationships\"><sheets>"
	"<sheet name=\"Data\" sheetId=\"2\" r:id=\"rId7\"/>"
	"<sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/>"
	"</sheets></workbook>";

static const char RELS[] = "<?xml version=\"1.0\"?>"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/"
	"2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/"
	"officeDocument/2006/relationships/worksheet\" "
	"Target=\"worksheets/sheet1.xml\"/>"
	"<Relationship Id=\"rId7\" Type=\"http://schemas.openxmlformats.org/"
	"officeDocument/2006/relationships/worksheet\" "
	"Target=\"/xl/worksheets/data.xml\"/>"
	"<Relationship Id=\"rId9\" Type=\"http://schemas.openxmlformats.org/"
	"officeDocument/2006/relationships/sharedStrings\" "
	"Target=\"strings.xml\"/>"
	"</Relationships>";

static const char STRINGS[] = "<?xml version=\"1.0\"?>"
	"<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/"
	"main\" count=\"3\" uniqueCount=\"3\">"
	"<si><t>plain</t></si>"
	"<si><r><rPr><b/></rPr><t xml:space=\"preserve\">rich </t></r>"
	"<r><t>text &amp; more</t></r></si>"
	"<si><t>\xe6\x9d\xb1\xe4\xba\xac</t><rPh sb=\"0\" eb=\"2\">"
	"<t>\xe3\x83\x88\xe3\x82\xa6\xe3\x82\xad\xe3\x83\xa7\xe3\x82\xa6</t>"
	"</rPh></si>"
	"<si/>"
	"</sst>";

#define SHEET_HEAD "<?xml version=\"1.0\"?><worksheet xmlns=\"http://" \
	"schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
#define SHEET_TAIL "</sheetData></worksheet>"

static const char DATA_SHEET[] = SHEET_HEAD
	"<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c t=\"s\"><v>1</v></c>"
	"<c t=\"s\"><v>2</v></c><c r=\"E1\" t=\"s\"><v>3</v></c></row>"
	"<row><c><v>42</v></c><c t=\"e\"><v>#DIV/0!</v></c>"
	"<c t=\"str\"><f>A2&amp;\"!\"</f><v>42!</v></c>"
	"<c t=\"inlineStr\"><is><r><t>in</t></r><r><t>line</t></r></is></c>"
	"</row>"
	"<row r=\"7\" spans=\"1:3\"><c r=\"C7\" t=\"d\"><v>2024-01-31</v></c>"
	"<c r=\"B7\"><v>-1.5E-3</v></c></row>"
	"<row r=\"8\"><c r=\"A8\" s=\"1\"/><c r=\"B8\" t=\"s\"><v>3</v></c></row>"
	"<row r=\"9\"><c r=\"A9\"><v><![CDATA[7]]></v></c></row>"
	SHEET_TAIL;

static const char SHEET1[] = SHEET_HEAD
	"<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>" SHEET_TAIL;

/* Zip parts into b (stored uncompressed when store). */
static void make_zip(const struct part *parts, int n, bool store,
	struct buf *b)
{
	char path[128];
	zip_t *z;
	int err = 0;

	snprintf(path, sizeof path, "%s/t.zip", tmpdir);
	z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
	assert_non_null(z);
	for (int i = 0; i < n; i++) {
		zip_source_t *s = zip_source_buffer(z, parts[i].text,
			strlen(parts[i].text), 0);
		zip_int64_t idx = zip_file_add(z, parts[i].name, s,
			ZIP_FL_ENC_UTF_8);
		assert_true(idx >= 0);
		if (store)
			zip_set_file_compression(z, (zip_uint64_t)idx,
				ZIP_CM_STORE, 0);
	}
	assert_int_equal(zip_close(z), 0);
	slurp(path, b);
	unlink(path);
}

static void test_xlsx_by_hand(void **state)
{
	struct buf *b = *state;
	const struct part parts[] = {
		{ "[Content_Types].xml", "<Types/>" },
		{ "xl/workbook.xml", WORKBOOK },
		{ "xl/_rels/workbook.xml.rels", RELS },
		{ "xl/strings.xml", STRINGS },
		{ "xl/worksheets/sheet1.xml", SHEET1 },
		{ "xl/worksheets/data.xml", DATA_SHEET },
	};
	int rc;
	struct table *t;

	make_zip(parts, 6, false, b);
	t = read_table(b->data, b->len, &rc);
	assert_string_equal(t->err, "");
	assert_int_equal(rc, 0);
	/* The first sheet of the workbook (data.xml), not sheet1.xml; the
	** phonetic reading of the third string is left out; E1 is an empty
	** string, so the row ends at C; row 8 is blank. */
	assert_int_equal(t->nrows, 4);
	assert_row(t, 0, 1, 3, "plain", "rich text & more",
		"\xe6\x9d\xb1\xe4\xba\xac");
	assert_row(t, 1, 2, 4, "42", "", "42!", "inline");
	assert_row(t, 2, 7, 3, "", "-1.5E-3", "2024-01-31");
	assert_row(t, 3, 9, 1, "7");
	table_free(t);
}

static void test_xlsx_fallback_sheet(void **state)
{
	struct buf *b = *state;
	const struct part parts[] = {
		{ "xl/worksheets/sheet1.xml", SHEET1 },
	};
	int rc;
	struct table *t;

	/* No workbook.xml and no relationships: sheet1.xml is read. */
	make_zip(parts, 1, false, b);
	t = read_table(b->data, b->len, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(t->nrows, 1);
	assert_row(t, 0, 1, 1, "1");
	table_free(t);
}

static void test_zip_without_workbook(void **state)
{
	struct buf *b = *state;
	const struct part parts[] = {
		{ "readme.txt", "hello" },
		{ "mimetype", "application/vnd.oasis.opendocument.spreadsheet" },
	};

	make_zip(parts, 2, false, b);
	assert_int_equal(tab_detect(b->data, b->len), TAB_XLSX);
	expect_error(b->data, b->len, "The file is a ZIP archive but not an "
		"Excel workbook: it has no worksheet.");
}

static void test_xlsx_bad_xml(void **state)
{
	struct buf *b = *state;
	struct part parts[] = {
		{ "xl/worksheets/sheet1.xml", NULL },
		{ "xl/sharedStrings.xml", STRINGS },
	};

	parts[0].text = SHEET_HEAD "<row><c><v>1</v></row>" SHEET_TAIL;
	make_zip(parts, 1, false, b);
	expect_error(b->data, b->len, "xl/worksheets/sheet1.xml is not valid "
		"XML (line 1:");
	parts[0].text = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
		"<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>L\xe9on"
		"</t></is></c></row></sheetData></worksheet>";
	make_zip(parts, 1, false, b);
	expect_error(b->data, b->len, "The XLSX workbook is damaged: "
		"xl/worksheets/sheet1.xml is not valid XML (line 1: the text is "
		"not UTF-8).");

	/* A DOCTYPE, even a harmless one, is refused before any row. */
	parts[0].text = "<?xml version=\"1.0\"?><!DOCTYPE worksheet ["
		"<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">"
		"<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
		"<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>&b;&x;"
		"</t></is></c></row></sheetData></worksheet>";
	make_zip(parts, 1, false, b);
	expect_error(b->data, b->len, "a DOCTYPE is not accepted");

	/* A shared string that is not there. */
	parts[0].text = SHEET_HEAD "<row><c t=\"s\"><v>4</v></c></row>"
		SHEET_TAIL;
	make_zip(parts, 2, false, b);
	expect_error(b->data, b->len, "row 1 refers to a shared text it does "
		"not have");
	make_zip(parts, 1, false, b);
	expect_error(b->data, b->len, "refers to a shared text");
}

/* Set the uncompressed size of the first entry, in its local header
** and in the central directory, to size. */
static void patch_size(struct buf *b, uint32_t size)
{
	unsigned char le[4] = { size & 0xff, (size >> 8) & 0xff,
		(size >> 16) & 0xff, size >> 24 };
	char *central = memmem(b->data, b->len, "PK\1\2", 4);

	assert_memory_equal(b->data, "PK\3\4", 4);
	assert_non_null(central);
	memcpy(b->data + 22, le, 4);
	memcpy(central + 24, le, 4);
}

static void test_xlsx_lying_sizes(void **state)
{
	struct buf *b = *state;
	const struct part parts[] = {
		{ "xl/worksheets/sheet1.xml", DATA_SHEET },
	};

	/* A zip bomb's claim: refused before anything is unzipped. */
	make_zip(parts, 1, false, b);
	patch_size(b, 0x7fffffff);
	expect_error(b->data, b->len, "The XLSX workbook is too large: "
		"xl/worksheets/sheet1.xml unzips to more than 256 MiB.");

	/* Claims less than it holds: the bytes actually read count. */
	make_zip(parts, 1, false, b);
	patch_size(b, 100);
	expect_error(b->data, b->len, "The XLSX workbook is damaged");
	make_zip(parts, 1, true, b);
	patch_size(b, 100);
	expect_error(b->data, b->len, "The XLSX workbook is damaged "
		"(xl/worksheets/sheet1.xml: its size is not the one the archive "
		"records).");
}

/*
** Bombs: parts that unpack far beyond their size are read as a stream.
*/

/* A part made as it is zipped: head, fill bytes of white space, tail. */
struct lazy_part {
	const char *head, *tail;
	size_t fill, pos;
	zip_error_t error;
};

static size_t lazy_total(const struct lazy_part *p)
{
	return strlen(p->head) + p->fill + strlen(p->tail);
}

static zip_int64_t lazy_read(struct lazy_part *p, char *out, size_t len)
{
	size_t hl = strlen(p->head), n = 0;

	while (n < len && p->pos < lazy_total(p)) {
		size_t at = p->pos, take;
		if (at < hl) {
			take = hl - at < len - n ? hl - at : len - n;
			memcpy(out + n, p->head + at, take);
		} else if (at < hl + p->fill) {
			take = hl + p->fill - at < len - n ? hl + p->fill - at : len - n;
			memset(out + n, ' ', take);
		} else {
			take = lazy_total(p) - at < len - n ? lazy_total(p) - at : len - n;
			memcpy(out + n, p->tail + (at - hl - p->fill), take);
		}
		n += take;
		p->pos += take;
	}
	return (zip_int64_t)n;
}

static zip_int64_t lazy_source(void *ud, void *data, zip_uint64_t len,
	zip_source_cmd_t cmd)
{
	struct lazy_part *p = ud;

	switch (cmd) {
	case ZIP_SOURCE_OPEN:
		p->pos = 0;
		return 0;
	case ZIP_SOURCE_READ:
		return lazy_read(p, data, (size_t)len);
	case ZIP_SOURCE_STAT: {
		zip_stat_t *st = data;
		zip_stat_init(st);
		st->size = lazy_total(p);
		st->valid |= ZIP_STAT_SIZE;
		return sizeof *st;
	}
	case ZIP_SOURCE_ERROR:
		return zip_error_to_data(&p->error, data, len);
	case ZIP_SOURCE_SUPPORTS:
		return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN,
			ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
			ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
	case ZIP_SOURCE_CLOSE:
	case ZIP_SOURCE_FREE:
		return 0;
	default:
		return -1;
	}
}

/* A workbook whose only part is the sheet p, deflated, into b. */
static void make_bomb(struct lazy_part *p, struct buf *b)
{
	char path[128];
	int err = 0;
	zip_t *z;
	zip_source_t *src;

	snprintf(path, sizeof path, "%s/bomb.zip", tmpdir);
	z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
	assert_non_null(z);
	zip_error_init(&p->error);
	src = zip_source_function(z, lazy_source, p);
	assert_non_null(src);
	assert_true(zip_file_add(z, "xl/worksheets/sheet1.xml", src,
		ZIP_FL_ENC_UTF_8) >= 0);
	assert_int_equal(zip_close(z), 0);
	zip_error_fini(&p->error);
	slurp(path, b);
	unlink(path);
}

/* A line of /proc/self/status, in KiB. */
static long status_kib(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	assert_non_null(f);
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, key, strlen(key)))
			v = atol(line + strlen(key) + 1);
	fclose(f);
	return v;
}

/* 128 MiB of sheet from a file of about 128 KiB: its rows arrive, and the
** reading takes a few MiB, not the sheet's size. */
static void test_xlsx_bomb_read_in_bounded_memory(void **state)
{
	struct buf *b = *state;
	struct lazy_part p = { SHEET_HEAD "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\">"
		"<is><t>first</t></is></c></row>", "<row r=\"2\"><c r=\"A2\">"
		"<v>2</v></c></row>" SHEET_TAIL, 128u << 20, 0, { 0 } };
	int rc;
	FILE *clear;

	make_bomb(&p, b);
	assert_true(b->len < 1024 * 1024);
	/* Start the peak afresh (Linux: "5" resets VmHWM to VmRSS). */
	clear = fopen("/proc/self/clear_refs", "w");
	if (clear) {
		fputs("5", clear);
		fclose(clear);
	}
	long before = status_kib("VmRSS:");
	struct table *t = read_table(b->data, b->len, &rc);
	long peak = status_kib("VmHWM:");
	assert_int_equal(rc, 0);
	assert_int_equal(t->nrows, 2);
	assert_row(t, 0, 1, 1, "first");
	assert_row(t, 1, 2, 1, "2");
	table_free(t);
	if (peak - before > 16 * 1024)
		fail_msg("reading the bomb took %ld KiB", peak - before);
}

/* What the stream holds is bounded: one tag, one cell, the shared
** strings. */
static void test_xlsx_stream_limits(void **state)
{
	struct buf *b = *state;
	size_t big = 5u << 20;
	char *text = malloc(big + 1);
	struct lazy_part tag = { SHEET_HEAD "<row r=\"1\" x=\"", "\"/>" SHEET_TAIL,
		big, 0, { 0 } };
	struct lazy_part cell = { SHEET_HEAD "<row r=\"1\"><c r=\"A1\"><v>1</v></c>"
		"</row><row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>",
		"</t></is></c></row>" SHEET_TAIL, big, 0, { 0 } };

	assert_non_null(text);
	make_bomb(&tag, b);
	expect_error(b->data, b->len, "xl/worksheets/sheet1.xml is not valid "
		"XML (line 1: an element is longer than 4 MiB)");
	make_bomb(&cell, b);
	expect_error_after(b->data, b->len, 1, "Row 2 of the sheet has a cell "
		"longer than 64 KiB.");

	/* 17 shared strings of 1 MiB: more than 16 MiB of text. */
	struct buf sst = { 0 };
	buf_puts(&sst, "<?xml version=\"1.0\"?><sst>");
	memset(text, 'x', 1u << 20);
	text[1u << 20] = '\0';
	for (int i = 0; i < 17; i++) {
		buf_puts(&sst, "<si><t>");
		buf_puts(&sst, text);
		buf_puts(&sst, "</t></si>");
	}
	buf_puts(&sst, "</sst>");
	const struct part parts[] = {
		{ "xl/worksheets/sheet1.xml", SHEET1 },
		{ "xl/sharedStrings.xml", buf_str(&sst) },
	};
	make_zip(parts, 2, false, b);
	expect_error(b->data, b->len, "The XLSX workbook's texts take more "
		"than 16 MiB");
	buf_free(&sst);
	free(text);
}

static int xlsx_setup(void **state)
{
	struct buf *b = calloc(1, sizeof *b);
	if (!b)
		return -1;
	*state = b;
	return 0;
}

static int xlsx_teardown(void **state)
{
	buf_free(*state);
	free(*state);
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/carrel-tabular.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

#define XLSX_TEST(f) cmocka_unit_test_setup_teardown(f, xlsx_setup, \
	xlsx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_basic),
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_csv_newlines_and_lines),
		cmocka_unit_test(test_csv_crlf_and_cr),
		cmocka_unit_test(test_csv_bom_and_utf8),
		cmocka_unit_test(test_csv_invalid_utf8),
		cmocka_unit_test(test_csv_nul),
		cmocka_unit_test(test_csv_too_many_cells),
		cmocka_unit_test(test_csv_cell_size),
		cmocka_unit_test(test_csv_bad_quotes),
		cmocka_unit_test(test_csv_delimiters),
		cmocka_unit_test(test_csv_stop),
		cmocka_unit_test(test_not_a_table),
		XLSX_TEST(test_xlsx_shared_strings),
		XLSX_TEST(test_xlsx_inline_strings),
		XLSX_TEST(test_xlsx_rich_text_and_formulas),
		XLSX_TEST(test_xlsx_too_wide),
		XLSX_TEST(test_xlsx_damaged),
		XLSX_TEST(test_xlsx_by_hand),
		XLSX_TEST(test_xlsx_fallback_sheet),
		XLSX_TEST(test_zip_without_workbook),
		XLSX_TEST(test_xlsx_bad_xml),
		XLSX_TEST(test_xlsx_lying_sizes),
		XLSX_TEST(test_xlsx_bomb_read_in_bounded_memory),
		XLSX_TEST(test_xlsx_stream_limits),
	};
	return cmocka_run_group_tests_name("tabular", tests, group_setup,
		group_teardown);
}
