/*
** fuzz_tabular.c: libFuzzer harness for tabular.c (CSV and XLSX).
**
** The input is read as an uploaded file. Since random bytes seldom make a
** ZIP archive, a first byte of 1 or 2 wraps the rest in a workbook built
** here (entries stored, not compressed): 1 makes it the first sheet's XML,
** 2 the shared strings' XML read by a fixed sheet. The callback checks
** every promise tabular.h makes about a row and reads every byte, and the
** result must be 0, 1 (stopped) or -1 with a message.
**
** Build: see tests/fuzz/run.sh (links -lcsv -lzip -lxml2).
*/
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "http.h"
#include "tabular.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	long rows;
	long last_line;
	bool csv;
	long stop_after;   /* 0: never */
};

struct part {
	const char *name;
	const char *data;
	size_t len;
};

static const char WORKBOOK[] = "<workbook xmlns:r=\"urn:r\"><sheets>"
	"<sheet name=\"A\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char RELS[] = "<Relationships>"
	"<Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\" Type=\"x/"
	"worksheet\"/><Relationship Id=\"rId2\" Target=\"sharedStrings.xml\" "
	"Type=\"x/sharedStrings\"/></Relationships>";
static const char FIXED_SHEET[] = "<worksheet><sheetData><row r=\"1\">"
	"<c r=\"A1\" t=\"s\"><v>0</v></c><c t=\"s\"><v>1</v></c>"
	"<c r=\"E1\" t=\"s\"><v>2</v></c></row><row><c t=\"s\"><v>3</v></c>"
	"<c t=\"s\"><v>7</v></c></row></sheetData></worksheet>";
static const char FIXED_STRINGS[] = "<sst><si><t>a</t></si><si><r><t>b"
	"</t></r><r><t>c</t></r></si></sst>";

static void check(bool ok)
{
	if (!ok)
		abort();
}

static int on_row(void *ctx, const struct tab_row *row)
{
	struct seen *s = ctx;
	bool any = false;

	check(row->line >= 1);
	check(row->ncells >= 1 && row->ncells <= TAB_MAX_CELLS);
	if (s->csv)
		check(row->line > s->last_line);
	s->last_line = row->line;
	for (int i = 0; i < row->ncells; i++) {
		check(row->len[i] <= TAB_MAX_CELL_BYTES);
		check(strlen(row->cell[i]) == row->len[i]);
		check(http_utf8_valid(row->cell[i], row->len[i]));
		any = any || row->len[i] > 0;
	}
	check(any);   /* blank rows are skipped */
	s->rows++;
	return s->stop_after && s->rows >= s->stop_after;
}

static void run(const char *data, size_t len, long stop_after)
{
	struct seen s = { 0, 0, false, stop_after };
	char err[256];
	int rc;

	s.csv = tab_detect(data, len) == TAB_CSV;
	memset(err, 'x', sizeof err);
	rc = tab_read(data, len, on_row, &s, err, sizeof err);
	check(rc == 0 || rc == 1 || rc == -1);
	check(memchr(err, '\0', sizeof err) != NULL);
	if (rc == -1)
		check(err[0] != '\0' && s.rows >= 0);
	else
		check(err[0] == '\0');
	if (rc == 1)
		check(stop_after && s.rows == stop_after);
}

/* A ZIP archive of the parts, in malloc'd memory; NULL on failure. */
static char *zip_parts(const struct part *parts, int n, size_t *len)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *z;
	zip_stat_t st;
	char *out = NULL;

	zip_error_init(&ze);
	src = zip_source_buffer_create(NULL, 0, 0, &ze);
	z = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
	zip_error_fini(&ze);
	if (!z) {
		zip_source_free(src);
		return NULL;
	}
	zip_source_keep(src);
	for (int i = 0; i < n; i++) {
		zip_source_t *s = zip_source_buffer(z, parts[i].data,
			parts[i].len, 0);
		zip_int64_t idx = s ? zip_file_add(z, parts[i].name, s, 0) : -1;
		if (idx < 0) {
			zip_source_free(s);
			continue;
		}
		zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
	}
	if (zip_close(z) != 0) {
		zip_discard(z);
		zip_source_free(src);
		return NULL;
	}
	zip_stat_init(&st);
	if (zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0) {
		out = malloc(st.size ? st.size : 1);
		if (out && zip_source_read(src, out, st.size) !=
			(zip_int64_t)st.size) {
			free(out);
			out = NULL;
		}
		zip_source_close(src);
	}
	*len = out ? st.size : 0;
	zip_source_free(src);
	return out;
}

/* The input as the sheet (mode 1) or the shared strings (mode 2). */
static void run_wrapped(int mode, const char *xml, size_t n)
{
	struct part parts[] = {
		{ "xl/workbook.xml", WORKBOOK, sizeof WORKBOOK - 1 },
		{ "xl/_rels/workbook.xml.rels", RELS, sizeof RELS - 1 },
		{ "xl/worksheets/sheet1.xml", FIXED_SHEET,
			sizeof FIXED_SHEET - 1 },
		{ "xl/sharedStrings.xml", FIXED_STRINGS,
			sizeof FIXED_STRINGS - 1 },
	};
	size_t len;
	char *zip;

	parts[mode == 1 ? 2 : 3].data = xml;
	parts[mode == 1 ? 2 : 3].len = n;
	zip = zip_parts(parts, 4, &len);
	if (!zip)
		return;
	run(zip, len, 0);
	run(zip, len, 2);
	free(zip);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees any read past the end. */
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (size > 0 && (data[0] == 1 || data[0] == 2)) {
		run_wrapped(data[0], copy + 1, size - 1);
	} else {
		run(copy, size, 0);
		run(copy, size, 1);
	}
	free(copy);
	return 0;
}
