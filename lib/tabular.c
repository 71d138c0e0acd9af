/*
** tabular.c: CSV (libcsv) and XLSX (libzip + libxml2) tables. See
** tabular.h.
**
** Both readers fill one struct tab_rowbuf and hand it to the callback:
** the bytes of every cell go to one growable buffer, a NUL after each, and
** the pointer and length arrays are fixed-size, so reading a row does no
** per-cell allocation.
**
** CSV line numbers: libcsv does not report positions, so the text is fed
** to it one physical line at a time (a line ends at LF, CRLF or a lone
** CR). A record can only end at the end of such a line, which tells where
** each record starts, and lets the UTF-8 and NUL checks name the line.
*/
#include "tabular.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <zip.h>

#include "arena.h"
#include "http.h"

#define NO_CELL SIZE_MAX

/* Sizes of libcsv's field buffer: it grows by CSV_BLOCK and may never
** exceed CSV_BUFFER_CAP, so one endless quoted cell cannot take more. */
#define CSV_BLOCK (16 * 1024)
#define CSV_BUFFER_CAP (TAB_MAX_CELL_BYTES + 2 * CSV_BLOCK)

/* How much of the file tab_detect() looks at. */
#define DETECT_BYTES 4096

#define MIB(n) ((n) / (1024 * 1024))

static int tab_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write the message to err and return -1. */
static int tab_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
** The row being built.
*/

struct tab_rowbuf {
	struct buf text;                  /* cell bytes, NUL after each */
	size_t off[TAB_MAX_CELLS];        /* into text, or NO_CELL */
	size_t len[TAB_MAX_CELLS];
	const char *ptr[TAB_MAX_CELLS];   /* filled just before delivery */
	int ncells;                       /* 1 + the highest column placed */
};

static void rowbuf_init(struct tab_rowbuf *rb)
{
	memset(&rb->text, 0, sizeof rb->text);
	for (int i = 0; i < TAB_MAX_CELLS; i++)
		rb->off[i] = NO_CELL;
	rb->ncells = 0;
}

static void rowbuf_clear(struct tab_rowbuf *rb)
{
	for (int i = 0; i < rb->ncells; i++)
		rb->off[i] = NO_CELL;
	rb->ncells = 0;
	buf_clear(&rb->text);
}

/* Place s[0..n) in column col (< TAB_MAX_CELLS); a later value for the
** same column replaces the earlier one. */
static void rowbuf_put(struct tab_rowbuf *rb, int col, const char *s,
	size_t n)
{
	rb->off[col] = rb->text.len;
	rb->len[col] = n;
	buf_append(&rb->text, s, n);
	buf_append(&rb->text, "", 1);
	if (col >= rb->ncells)
		rb->ncells = col + 1;
}

/* Hand the row to fn unless it is blank. Returns fn's answer (0 for a
** blank row); the row is cleared either way. */
static int rowbuf_emit(struct tab_rowbuf *rb, long line, tab_row_fn fn,
	void *ctx)
{
	struct tab_row row;
	bool blank = true;
	int rc = 0;

	for (int i = 0; i < rb->ncells; i++) {
		if (rb->off[i] == NO_CELL) {
			rb->ptr[i] = "";
			rb->len[i] = 0;
		} else {
			rb->ptr[i] = rb->text.data + rb->off[i];
			blank = blank && rb->len[i] == 0;
		}
	}
	if (!blank) {
		row.line = line;
		row.ncells = rb->ncells;
		row.cell = rb->ptr;
		row.len = rb->len;
		rc = fn(ctx, &row);
	}
	rowbuf_clear(rb);
	return rc;
}

/*
** CSV.
*/

struct csv_reader {
	struct csv_parser parser;
	struct tab_rowbuf row;
	tab_row_fn fn;
	void *ctx;
	long line;            /* physical line being parsed */
	long record_line;     /* line the current record started on */
	bool in_record;
	bool record_ended;    /* libcsv ended a record in this line */
	int stop;             /* 1: the callback stopped; -1: error */
	char *err;
	size_t errlen;
};

/* libcsv's allocator: refuses to grow a field past CSV_BUFFER_CAP, which
** makes csv_parse() stop with CSV_ENOMEM. */
static void *csv_capped_realloc(void *p, size_t n)
{
	if (n > CSV_BUFFER_CAP)
		return NULL;
	return realloc(p, n);
}

static void csv_on_field(void *s, size_t n, void *ud)
{
	struct csv_reader *r = ud;

	if (r->stop)
		return;
	if (r->row.ncells == TAB_MAX_CELLS) {
		r->stop = tab_fail(r->err, r->errlen, "The CSV file has more "
			"than %d cells in the record on line %ld.",
			TAB_MAX_CELLS, r->record_line);
		return;
	}
	if (n > TAB_MAX_CELL_BYTES) {
		r->stop = tab_fail(r->err, r->errlen, "The CSV file has a cell "
			"longer than %d KiB in the record on line %ld.",
			TAB_MAX_CELL_BYTES / 1024, r->record_line);
		return;
	}
	rowbuf_put(&r->row, r->row.ncells, s ? s : "", n);
}

static void csv_on_record(int c, void *ud)
{
	struct csv_reader *r = ud;

	(void)c;
	r->record_ended = true;
	if (r->stop) {
		rowbuf_clear(&r->row);
		return;
	}
	if (rowbuf_emit(&r->row, r->record_line, r->fn, r->ctx))
		r->stop = 1;
}

/* Length of the physical line at s (n bytes left), its end included. */
static size_t csv_line_length(const char *s, size_t n)
{
	const char *nl = memchr(s, '\n', n);
	size_t end = nl ? (size_t)(nl - s) + 1 : n;
	const char *cr = memchr(s, '\r', end);

	/* The first CR ends the line unless it is the CR of a CRLF. */
	if (cr && (cr + 1 == s + n || cr[1] != '\n'))
		return (size_t)(cr - s) + 1;
	return end;
}

/* True when the line holds nothing but spaces, tabs and line ends. */
static bool csv_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	}
	return true;
}

/* The delimiter: ';' or tab when the first line has more of it, outside
** quotes, than commas (and, for tab, than semicolons); else ','. */
static unsigned char csv_sniff_delimiter(const char *s, size_t n)
{
	size_t commas = 0, semicolons = 0, tabs = 0;
	bool quoted = false;

	for (size_t i = 0; i < n && s[i] != '\n' && s[i] != '\r'; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (quoted)
			continue;
		else if (s[i] == ',')
			commas++;
		else if (s[i] == ';')
			semicolons++;
		else if (s[i] == '\t')
			tabs++;
	}
	if (tabs > commas && tabs > semicolons)
		return '\t';
	if (semicolons > commas)
		return ';';
	return ',';
}

/* Check one physical line: UTF-8, no NUL. */
static int csv_check_line(struct csv_reader *r, const char *s, size_t n)
{
	if (memchr(s, '\0', n))
		return tab_fail(r->err, r->errlen, "The CSV file holds a NUL "
			"byte (line %ld); it is not a text file.", r->line);
	if (!http_utf8_valid(s, n))
		return tab_fail(r->err, r->errlen, "The CSV file is not UTF-8 "
			"text (line %ld). Save it as \"CSV UTF-8\" and try "
			"again.", r->line);
	return 0;
}

/* Turn a csv_parse() that stopped early into a message. */
static int csv_parse_failed(struct csv_reader *r)
{
	if (csv_error(&r->parser) == CSV_ENOMEM)
		return tab_fail(r->err, r->errlen, "The CSV file has a cell "
			"longer than %d KiB in the record on line %ld.",
			TAB_MAX_CELL_BYTES / 1024, r->record_line);
	return tab_fail(r->err, r->errlen, "The CSV file has a stray quote "
		"on line %ld: a cell that holds a \" must be quoted, and the "
		"quote doubled (\"\").", r->line);
}

/* Feed the next physical line to libcsv. Returns 0 or -1. */
static int csv_feed_line(struct csv_reader *r, const char *s, size_t n)
{
	r->line++;
	if (csv_check_line(r, s, n))
		return -1;
	if (!r->in_record)
		r->record_line = r->line;
	r->record_ended = false;
	if (csv_parse(&r->parser, s, n, csv_on_field, csv_on_record, r) < n)
		return csv_parse_failed(r);
	if (r->record_ended)
		r->in_record = false;
	else if (!r->in_record && !csv_blank(s, n))
		r->in_record = true;
	return 0;
}

static int csv_read(const char *data, size_t len, tab_row_fn fn, void *ctx,
	char *err, size_t errlen)
{
	struct csv_reader *r = calloc(1, sizeof *r);
	size_t pos = 0;
	int rc = 0;

	if (!r)
		return tab_fail(err, errlen, "Out of memory.");
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		pos = 3;
	rowbuf_init(&r->row);
	r->fn = fn;
	r->ctx = ctx;
	r->err = err;
	r->errlen = errlen;
	csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
	csv_set_delim(&r->parser, csv_sniff_delimiter(data + pos, len - pos));
	csv_set_blk_size(&r->parser, CSV_BLOCK);
	csv_set_realloc_func(&r->parser, csv_capped_realloc);

	while (pos < len && !r->stop && rc == 0) {
		size_t n = csv_line_length(data + pos, len - pos);
		rc = csv_feed_line(r, data + pos, n);
		pos += n;
	}
	if (rc == 0 && !r->stop &&
		csv_fini(&r->parser, csv_on_field, csv_on_record, r) != 0)
		rc = tab_fail(err, errlen, "The CSV file has a quoted cell that "
			"is never closed (in the record on line %ld).",
			r->record_line);
	if (rc == 0)
		rc = r->stop;
	csv_free(&r->parser);
	buf_free(&r->row.text);
	free(r);
	return rc;
}

/*
** XML, through libxml2's SAX2 interface and its push parser: each part is
** unzipped in chunks of XML_CHUNK bytes and handed over as it comes, so
** no part is ever held whole in memory, however far it unpacks. No tree
** is built. (xmlReader, which builds and frees a node for every element,
** was three times slower on a 100,000-row sheet.) What the reader keeps
** is bounded: the text being collected (a cell, or the shared strings),
** and what libxml2 holds back while it waits for the end of a tag
** (TAB_MAX_XML_PENDING).
**
** The parser runs with XML_PARSE_NONET and without XML_PARSE_NOENT,
** DTDLOAD or HUGE; there is no entity handler, so only the five
** predefined entities and character references are expanded; a DOCTYPE
** stops the parse as soon as it starts. The text must be UTF-8: a part
** that does not start with '<' (after a UTF-8 byte order mark or white
** space) or that holds a NUL byte is refused before libxml2 sees it, so
** its character set converters never run.
*/

#define XML_CHUNK (64 * 1024)

struct tab_sax;

/* Element handlers: return 0 to go on, else stop the parse with that
** value (1: the row callback said stop; -1: error, message written). */
typedef int (*tab_sax_start_fn)(struct tab_sax *s, const xmlChar *name,
	const xmlChar **attrs, int nattrs);
typedef int (*tab_sax_end_fn)(struct tab_sax *s, const xmlChar *name);
/* The text being collected would pass text_cap: write why, return -1. */
typedef int (*tab_sax_full_fn)(struct tab_sax *s);

struct tab_sax {
	xmlParserCtxtPtr ctxt;
	tab_sax_start_fn start;
	tab_sax_end_fn end;
	tab_sax_full_fn full;
	void (*ready)(struct tab_sax *s);   /* the parser exists: look names up */
	struct buf *text;     /* where character data goes; NULL drops it */
	size_t text_cap;      /* text may not grow past this */
	void *user;
	int rc;               /* nonzero once a handler stopped the parse */
	char why[200];        /* why the XML is not acceptable */
	int why_line;
	bool started;         /* the first '<' was seen */
};

static void sax_start(void *ctx, const xmlChar *localname,
	const xmlChar *prefix, const xmlChar *uri, int nb_namespaces,
	const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
	const xmlChar **attributes)
{
	struct tab_sax *s = ctx;

	(void)prefix, (void)uri, (void)nb_namespaces, (void)namespaces;
	(void)nb_defaulted;
	if (s->rc == 0 && s->start)
		s->rc = s->start(s, localname, attributes, nb_attributes);
	if (s->rc)
		xmlStopParser(s->ctxt);
}

static void sax_end(void *ctx, const xmlChar *localname,
	const xmlChar *prefix, const xmlChar *uri)
{
	struct tab_sax *s = ctx;

	(void)prefix, (void)uri;
	if (s->rc == 0 && s->end)
		s->rc = s->end(s, localname);
	if (s->rc)
		xmlStopParser(s->ctxt);
}

static void sax_text(void *ctx, const xmlChar *ch, int len)
{
	struct tab_sax *s = ctx;

	if (!s->text || s->rc != 0 || len <= 0)
		return;
	if (s->text->len + (size_t)len > s->text_cap) {
		s->rc = s->full(s);
		xmlStopParser(s->ctxt);
		return;
	}
	buf_append(s->text, ch, (size_t)len);
}

static void sax_doctype(void *ctx, const xmlChar *name,
	const xmlChar *external_id, const xmlChar *system_id)
{
	struct tab_sax *s = ctx;

	(void)name, (void)external_id, (void)system_id;
	snprintf(s->why, sizeof s->why, "a DOCTYPE is not accepted");
	s->why_line = xmlSAX2GetLineNumber(s->ctxt);
	s->rc = -1;
	xmlStopParser(s->ctxt);
}

/* Keep libxml2's first complaint: its first line, in plainer words when
** the text is not UTF-8. */
static void sax_error(void *ctx, xmlErrorPtr e)
{
	struct tab_sax *s = ctx;

	if (s->why[0] || !e || !e->message)
		return;
	if (!strncmp(e->message, "Input is not proper UTF-8", 25))
		snprintf(s->why, sizeof s->why, "the text is not UTF-8");
	else
		snprintf(s->why, sizeof s->why, "%.*s",
			(int)strcspn(e->message, "\n"), e->message);
	s->why_line = e->line;
}

/* Can this chunk go to libxml2 as UTF-8 (see above)? first: it is the
** part's first chunk, where a byte order mark may be. */
static bool tab_xml_plain(struct tab_sax *s, const char *data, size_t len,
	bool first)
{
	size_t i = 0;

	if (memchr(data, '\0', len))
		return false;
	if (s->started)
		return true;
	if (first && len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len && (data[i] == ' ' || data[i] == '\t' ||
		data[i] == '\r' || data[i] == '\n'))
		i++;
	if (i == len)
		return true;   /* white space so far: the next chunk tells */
	s->started = data[i] == '<';
	return s->started;
}

/* Start the push parser with s's handlers. */
static int tab_sax_begin(struct tab_sax *s)
{
	xmlSAXHandler h;

	memset(&h, 0, sizeof h);
	h.initialized = XML_SAX2_MAGIC;
	h.startElementNs = sax_start;
	h.endElementNs = sax_end;
	h.characters = sax_text;
	h.ignorableWhitespace = sax_text;
	h.cdataBlock = sax_text;
	h.internalSubset = sax_doctype;
	h.serror = sax_error;
	s->ctxt = xmlCreatePushParserCtxt(&h, s, NULL, 0, NULL);
	if (!s->ctxt) {
		snprintf(s->why, sizeof s->why, "out of memory");
		return -1;
	}
	xmlCtxtUseOptions(s->ctxt, XML_PARSE_NONET | XML_PARSE_IGNORE_ENC);
	return 0;
}

static void tab_sax_free(struct tab_sax *s)
{
	if (!s->ctxt)
		return;
	if (s->ctxt->myDoc)
		xmlFreeDoc(s->ctxt->myDoc);
	xmlFreeParserCtxt(s->ctxt);
	s->ctxt = NULL;
}

/* Bytes libxml2 holds that it has not parsed yet: a start tag is parsed
** only once it is whole, so an endless one would be kept whole. */
static size_t tab_sax_pending(const struct tab_sax *s)
{
	const xmlParserInputPtr in = s->ctxt->input;
	return in && in->cur && in->end ? (size_t)(in->end - in->cur) : 0;
}

/* Feed n bytes (n == 0: the end of the part). Returns 0 to go on, a
** handler's stop value, or -1 when the XML is malformed (s->why says
** why). */
static int tab_sax_feed(struct tab_sax *s, const char *data, size_t n)
{
	xmlParseChunk(s->ctxt, data, (int)n, n == 0);
	if (s->rc)
		return s->rc;
	if (!s->ctxt->wellFormed) {
		if (!s->why[0])
			snprintf(s->why, sizeof s->why, "malformed");
		return -1;
	}
	if (tab_sax_pending(s) > TAB_MAX_XML_PENDING) {
		snprintf(s->why, sizeof s->why, "an element is longer than "
			"%d MiB", MIB(TAB_MAX_XML_PENDING));
		s->why_line = xmlSAX2GetLineNumber(s->ctxt);
		return -1;
	}
	return 0;
}

/* The interned form of name, for comparing element names by pointer. */
static const xmlChar *tab_sax_name(struct tab_sax *s, const char *name)
{
	return xmlDictLookup(s->ctxt->dict, BAD_CAST name, -1);
}

/* Copy the value of the attribute called name (its local name; in a
** namespace only when any_ns) to out. False when it is absent or does not
** fit. */
static bool sax_attr(const xmlChar **attrs, int n, const char *name,
	bool any_ns, char *out, size_t outlen)
{
	for (int i = 0; i < n; i++, attrs += 5) {
		size_t len = (size_t)(attrs[4] - attrs[3]);
		if (strcmp((const char *)attrs[0], name) || (attrs[2] && !any_ns))
			continue;
		if (len >= outlen)
			return false;
		memcpy(out, attrs[3], len);
		out[len] = '\0';
		return true;
	}
	return false;
}

/*
** XLSX.
*/

struct xlsx {
	zip_t *zip;
	char *err;
	size_t errlen;
	char sheet_part[256];
	char strings_part[256];
	char first_sheet_id[128];   /* relationship id of the first sheet */
	/* Shared strings: string i is sst_text.data + sst_off[i], its
	** length sst_off[i + 1] - sst_off[i] - 1 (a NUL after each). The
	** text is at most TAB_MAX_SHARED_BYTES, so 32 bits hold an offset. */
	struct buf sst_text;
	uint32_t *sst_off;
	size_t nsst, sst_cap;
};

static int xlsx_open(struct xlsx *x, const char *data, size_t len)
{
	zip_error_t ze;
	zip_source_t *src;

	zip_error_init(&ze);
	src = zip_source_buffer_create(data, len, 0, &ze);
	if (src) {
		x->zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS,
			&ze);
		if (!x->zip)
			zip_source_free(src);
	}
	if (!x->zip) {
		tab_fail(x->err, x->errlen, "The file is not a valid XLSX "
			"workbook (it may be damaged or cut short): %s.",
			zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return -1;
	}
	zip_error_fini(&ze);
	return 0;
}

/* Why an XML part could not be read, for err. */
static int xlsx_xml_failed(struct xlsx *x, const struct tab_sax *s,
	const char *part)
{
	return tab_fail(x->err, x->errlen, "The XLSX workbook is damaged: "
		"%s is not valid XML (line %d: %s).", part, s->why_line,
		s->why);
}

static int xlsx_part_damaged(struct xlsx *x, const char *part,
	const char *why)
{
	return tab_fail(x->err, x->errlen, "The XLSX workbook is damaged "
		"(%s: %s).", part, why);
}

#define SIZE_MISMATCH "its size is not the one the archive records"

/* A part read as far as the XML goes was not valid XML: when the archive
** itself is damaged (the unzipped bytes were garbage), say that instead,
** which means reading the rest of the part. Returns -1. */
static int xlsx_xml_or_zip_failed(struct xlsx *x, const struct tab_sax *s,
	const char *part, zip_file_t *f, zip_uint64_t got, zip_uint64_t size,
	char *chunk)
{
	zip_int64_t n;

	while ((n = zip_fread(f, chunk, XML_CHUNK)) > 0 && got <= size)
		got += (zip_uint64_t)n;
	if (n < 0)
		return xlsx_part_damaged(x, part, zip_file_strerror(f));
	if (got != size)
		return xlsx_part_damaged(x, part, SIZE_MISMATCH);
	return xlsx_xml_failed(x, s, part);
}

/* Unzip f chunk by chunk into the parser. Returns 0, a handler's stop
** value (1, or -1 with err written), or -1 with err written. */
static int xlsx_feed(struct xlsx *x, const char *part, zip_file_t *f,
	zip_uint64_t size, struct tab_sax *s, char *chunk)
{
	zip_uint64_t got = 0;
	zip_int64_t n;
	int rc = 0;

	while ((n = zip_fread(f, chunk, XML_CHUNK)) > 0) {
		bool first = got == 0;
		got += (zip_uint64_t)n;
		if (got > size)
			return xlsx_part_damaged(x, part, SIZE_MISMATCH);
		if (!tab_xml_plain(s, chunk, (size_t)n, first)) {
			snprintf(s->why, sizeof s->why, "the text is not UTF-8 XML");
			s->why_line = 1;
			return xlsx_xml_or_zip_failed(x, s, part, f, got, size, chunk);
		}
		rc = tab_sax_feed(s, chunk, (size_t)n);
		if (rc < 0 && s->why[0])
			return xlsx_xml_or_zip_failed(x, s, part, f, got, size, chunk);
		if (rc)
			return rc;
	}
	if (n < 0)
		return xlsx_part_damaged(x, part, zip_file_strerror(f));
	if (got != size)
		return xlsx_part_damaged(x, part, SIZE_MISMATCH);
	if (!s->started) {
		snprintf(s->why, sizeof s->why, "the text is not UTF-8 XML");
		s->why_line = 1;
		return xlsx_xml_failed(x, s, part);
	}
	rc = tab_sax_feed(s, NULL, 0);
	if (rc < 0 && s->why[0])
		return xlsx_xml_failed(x, s, part);
	return rc;
}

/* Parse the part called name with s's handlers (set by the caller; the
** parser itself is made here). Returns 0, 1 (the row callback said stop),
** 2 when there is no such part, or -1 with err written. */
static int xlsx_parse(struct xlsx *x, const char *name, struct tab_sax *s)
{
	zip_int64_t i = zip_name_locate(x->zip, name, ZIP_FL_NOCASE);
	zip_stat_t st;
	zip_file_t *f;
	char *chunk;
	int rc;

	if (i < 0)
		return 2;
	zip_stat_init(&st);
	if (zip_stat_index(x->zip, (zip_uint64_t)i, 0, &st) != 0 ||
		!(st.valid & ZIP_STAT_SIZE))
		return tab_fail(x->err, x->errlen, "The XLSX workbook is "
			"damaged (%s cannot be read).", name);
	if (st.size > TAB_MAX_XML_BYTES)
		return tab_fail(x->err, x->errlen, "The XLSX workbook is too "
			"large: %s unzips to more than %d MiB.", name,
			MIB(TAB_MAX_XML_BYTES));
	f = zip_fopen_index(x->zip, (zip_uint64_t)i, 0);
	if (!f)
		return tab_fail(x->err, x->errlen, "The XLSX workbook cannot "
			"be read (%s: %s).", name, zip_strerror(x->zip));
	chunk = malloc(XML_CHUNK);
	if (!chunk) {
		zip_fclose(f);
		return tab_fail(x->err, x->errlen, "Out of memory.");
	}
	/* The handlers look element names up in the parser's dictionary,
	** so the parser exists before the first byte. */
	if (tab_sax_begin(s)) {
		rc = tab_fail(x->err, x->errlen, "Out of memory.");
	} else {
		if (s->ready)
			s->ready(s);
		rc = xlsx_feed(x, name, f, st.size, s, chunk);
	}
	tab_sax_free(s);
	free(chunk);
	zip_fclose(f);
	return rc;
}

/* The part a relationship target points to: "/xl/x.xml" is absolute,
** "worksheets/sheet1.xml" relative to xl/. */
static void xlsx_part_path(char *out, size_t n, const char *target)
{
	if (target[0] == '/')
		snprintf(out, n, "%s", target + 1);
	else
		snprintf(out, n, "xl/%s", target);
}

/* xl/workbook.xml: the relationship id (r:id) of the first <sheet>. */
static int workbook_start(struct tab_sax *s, const xmlChar *name,
	const xmlChar **attrs, int nattrs)
{
	struct xlsx *x = s->user;

	if (!x->first_sheet_id[0] && !strcmp((const char *)name, "sheet"))
		sax_attr(attrs, nattrs, "id", true, x->first_sheet_id,
			sizeof x->first_sheet_id);
	return 0;
}

/* xl/_rels/workbook.xml.rels: where the first sheet and the shared
** strings are. */
static int rels_start(struct tab_sax *s, const xmlChar *name,
	const xmlChar **attrs, int nattrs)
{
	struct xlsx *x = s->user;
	char id[128], target[200], type[200];
	size_t tn;

	if (strcmp((const char *)name, "Relationship") ||
		!sax_attr(attrs, nattrs, "Target", false, target,
			sizeof target) || !target[0])
		return 0;
	if (x->first_sheet_id[0] &&
		sax_attr(attrs, nattrs, "Id", false, id, sizeof id) &&
		!strcmp(id, x->first_sheet_id))
		xlsx_part_path(x->sheet_part, sizeof x->sheet_part, target);
	if (sax_attr(attrs, nattrs, "Type", false, type, sizeof type) &&
		(tn = strlen(type)) >= 14 &&
		!strcmp(type + tn - 14, "/sharedStrings"))
		xlsx_part_path(x->strings_part, sizeof x->strings_part,
			target);
	return 0;
}

/* Parse one of the small index parts, when it is there. */
static int xlsx_index_part(struct xlsx *x, const char *part,
	tab_sax_start_fn start)
{
	struct tab_sax s;
	int rc;

	memset(&s, 0, sizeof s);
	s.start = start;
	s.user = x;
	rc = xlsx_parse(x, part, &s);
	return rc == 2 ? 0 : rc;
}

/* Find the first sheet's part and the shared strings' part. A workbook
** without the usual index falls back to xl/worksheets/sheet1.xml. */
static int xlsx_locate_parts(struct xlsx *x)
{
	snprintf(x->sheet_part, sizeof x->sheet_part,
		"xl/worksheets/sheet1.xml");
	snprintf(x->strings_part, sizeof x->strings_part,
		"xl/sharedStrings.xml");
	if (xlsx_index_part(x, "xl/workbook.xml", workbook_start))
		return -1;
	return xlsx_index_part(x, "xl/_rels/workbook.xml.rels", rels_start);
}

/*
** Shared strings: <sst><si><t>text</t></si><si><r><t>rich </t></r>
** <r><t>text</t></r><rPh><t>phonetic reading, not part of it</t></rPh>
** </si>...</sst>. They are kept for the whole sheet, so they are bounded:
** TAB_MAX_SHARED_STRINGS of them, TAB_MAX_SHARED_BYTES in all.
*/

struct sst_state {
	struct xlsx *x;
	bool in_si, in_rph;
};

/* The shared strings would pass TAB_MAX_SHARED_BYTES. */
static int sst_full(struct xlsx *x)
{
	return tab_fail(x->err, x->errlen, "The XLSX workbook's texts take more "
		"than %d MiB; save it as CSV UTF-8, or import it in parts.",
		MIB(TAB_MAX_SHARED_BYTES));
}

/* End the shared string being built (its text is at the end of
** sst_text) and start the next. */
static int sst_push(struct xlsx *x)
{
	if (x->nsst == TAB_MAX_SHARED_STRINGS)
		return tab_fail(x->err, x->errlen, "The XLSX workbook has more "
			"than %d different texts; save it as CSV UTF-8, or "
			"import it in parts.", TAB_MAX_SHARED_STRINGS);
	if (x->sst_text.len >= TAB_MAX_SHARED_BYTES)
		return sst_full(x);
	if (x->nsst + 2 > x->sst_cap) {
		size_t cap = x->sst_cap * 2;
		uint32_t *p = realloc(x->sst_off, cap * sizeof *p);
		if (!p)
			return tab_fail(x->err, x->errlen, "Out of memory.");
		x->sst_off = p;
		x->sst_cap = cap;
	}
	buf_append(&x->sst_text, "", 1);
	x->nsst++;
	x->sst_off[x->nsst] = (uint32_t)x->sst_text.len;
	return 0;
}

static int sst_start(struct tab_sax *s, const xmlChar *name,
	const xmlChar **attrs, int nattrs)
{
	struct sst_state *st = s->user;
	const char *n = (const char *)name;

	(void)attrs, (void)nattrs;
	if (!strcmp(n, "si")) {
		st->in_si = true;
		st->in_rph = false;
	} else if (!strcmp(n, "rPh")) {
		st->in_rph = true;
	} else if (!strcmp(n, "t") && st->in_si && !st->in_rph) {
		s->text = &st->x->sst_text;
	}
	return 0;
}

static int sst_end(struct tab_sax *s, const xmlChar *name)
{
	struct sst_state *st = s->user;
	const char *n = (const char *)name;

	s->text = NULL;
	if (!strcmp(n, "si") && st->in_si) {
		st->in_si = false;
		return sst_push(st->x);
	}
	if (!strcmp(n, "rPh"))
		st->in_rph = false;
	return 0;
}

static int sst_text_full(struct tab_sax *s)
{
	struct sst_state *st = s->user;
	return sst_full(st->x);
}

/* Returns 0 (also when the workbook has no shared strings) or -1. */
static int xlsx_shared_strings(struct xlsx *x)
{
	struct tab_sax s;
	struct sst_state st = { x, false, false };
	int rc;

	x->sst_cap = 1024;
	x->sst_off = malloc(x->sst_cap * sizeof *x->sst_off);
	if (!x->sst_off)
		return tab_fail(x->err, x->errlen, "Out of memory.");
	x->sst_off[0] = 0;
	memset(&s, 0, sizeof s);
	s.start = sst_start;
	s.end = sst_end;
	s.full = sst_text_full;
	/* The NUL sst_push adds after the last one must fit too. */
	s.text_cap = TAB_MAX_SHARED_BYTES - 1;
	s.user = &st;
	rc = xlsx_parse(x, x->strings_part, &s);
	return rc == 2 ? 0 : rc;
}

/*
** The sheet: <sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>
** <c r="B1" t="inlineStr"><is><t>text</t></is></c>...</row>...
*/

struct sheet {
	struct xlsx *x;
	struct tab_rowbuf row;
	tab_row_fn fn;
	void *ctx;
	long rownum;      /* current row's number */
	int col;          /* current cell's column (0 = A) */
	char kind;        /* current cell's type: s b e n (anything else) */
	bool in_cell, in_inline, in_rph;
	struct buf value; /* text of the current cell */
	const xmlChar *n_row, *n_c, *n_v, *n_is, *n_t, *n_rph;
};

/* Column index of a cell reference like "BC12" (0 = A), or -1. Columns
** past the limit all come out as TAB_MAX_CELLS. */
static int sheet_column(const char *ref)
{
	long col = 0;
	int letters = 0;

	for (; *ref >= 'A' && *ref <= 'Z'; ref++, letters++) {
		col = col * 26 + (*ref - 'A' + 1);
		if (col > TAB_MAX_CELLS)
			col = TAB_MAX_CELLS + 1;
	}
	if (letters == 0 || letters > 3)
		return -1;
	return (int)col - 1;
}

/* A row number attribute, or -1 when it is not a number 1..9999999. */
static long sheet_row_number(const char *s)
{
	long n = 0;
	int digits = 0;

	for (; *s >= '0' && *s <= '9'; s++) {
		if (++digits > 7)
			return -1;
		n = n * 10 + (*s - '0');
	}
	return (digits == 0 || *s || n == 0) ? -1 : n;
}

static void sheet_row_start(struct sheet *sh, const xmlChar **attrs,
	int nattrs)
{
	char r[16];
	long n = sax_attr(attrs, nattrs, "r", false, r, sizeof r) ?
		sheet_row_number(r) : -1;

	sh->rownum = n > 0 ? n : sh->rownum + 1;
	sh->col = -1;
	rowbuf_clear(&sh->row);
}

static void sheet_cell_start(struct sheet *sh, const xmlChar **attrs,
	int nattrs)
{
	char r[16], t[16];
	int col = sax_attr(attrs, nattrs, "r", false, r, sizeof r) ?
		sheet_column(r) : -1;

	sh->col = col >= 0 ? col : sh->col + 1;
	if (!sax_attr(attrs, nattrs, "t", false, t, sizeof t))
		sh->kind = 'n';
	else if (!strcmp(t, "s") || !strcmp(t, "b") || !strcmp(t, "e"))
		sh->kind = t[0];
	else
		sh->kind = 'n';   /* n, str, inlineStr, d: the text as is */
	sh->in_cell = true;
	sh->in_inline = sh->in_rph = false;
	buf_clear(&sh->value);
}

/* The shared string a cell's value points to; -1 when there is none. */
static int sheet_shared(struct sheet *sh, const char **v, size_t *n)
{
	const char *p = sh->value.data;
	struct xlsx *x = sh->x;
	size_t i = 0;

	if (sh->value.len == 0 || sh->value.len > 9)
		goto missing;
	for (size_t k = 0; k < sh->value.len; k++) {
		if (p[k] < '0' || p[k] > '9')
			goto missing;
		i = i * 10 + (size_t)(p[k] - '0');
	}
	if (i >= x->nsst)
		goto missing;
	*v = x->sst_text.data + x->sst_off[i];
	*n = x->sst_off[i + 1] - x->sst_off[i] - 1;
	return 0;
missing:
	return tab_fail(x->err, x->errlen, "The XLSX workbook is damaged: "
		"row %ld refers to a shared text it does not have.",
		sh->rownum);
}

static int cell_too_long(struct sheet *sh)
{
	return tab_fail(sh->x->err, sh->x->errlen, "Row %ld of the sheet has a "
		"cell longer than %d KiB.", sh->rownum, TAB_MAX_CELL_BYTES / 1024);
}

/* The text of a cell being read would pass the limit: stop there. */
static int sheet_value_full(struct tab_sax *s)
{
	return cell_too_long(s->user);
}

/* The cell ends: work out its text and place it in the row. */
static int sheet_cell_end(struct sheet *sh)
{
	const char *v = buf_str(&sh->value);
	size_t n = sh->value.len;

	sh->in_cell = false;
	if (sh->kind == 's' && sheet_shared(sh, &v, &n))
		return -1;
	if (sh->kind == 'b' && n == 1 && (v[0] == '0' || v[0] == '1')) {
		v = v[0] == '1' ? "TRUE" : "FALSE";
		n = strlen(v);
	}
	if (sh->kind == 'e' || n == 0)
		return 0;
	if (sh->col >= TAB_MAX_CELLS)
		return tab_fail(sh->x->err, sh->x->errlen, "Row %ld of the "
			"sheet has more than %d columns.", sh->rownum,
			TAB_MAX_CELLS);
	if (n > TAB_MAX_CELL_BYTES)
		return cell_too_long(sh);
	rowbuf_put(&sh->row, sh->col, v, n);
	return 0;
}

/* Element names compare by pointer: they are interned. */
static int sheet_start(struct tab_sax *s, const xmlChar *name,
	const xmlChar **attrs, int nattrs)
{
	struct sheet *sh = s->user;

	if (name == sh->n_row) {
		sheet_row_start(sh, attrs, nattrs);
	} else if (name == sh->n_c) {
		sheet_cell_start(sh, attrs, nattrs);
	} else if (!sh->in_cell) {
		return 0;
	} else if (name == sh->n_v) {
		s->text = &sh->value;
	} else if (name == sh->n_is) {
		sh->in_inline = true;
	} else if (name == sh->n_rph) {
		sh->in_rph = true;
	} else if (name == sh->n_t && sh->in_inline && !sh->in_rph) {
		s->text = &sh->value;
	}
	return 0;
}

static int sheet_end(struct tab_sax *s, const xmlChar *name)
{
	struct sheet *sh = s->user;

	s->text = NULL;
	if (name == sh->n_row)
		return rowbuf_emit(&sh->row, sh->rownum, sh->fn, sh->ctx) ?
			1 : 0;
	if (name == sh->n_c && sh->in_cell)
		return sheet_cell_end(sh);
	if (name == sh->n_is)
		sh->in_inline = false;
	else if (name == sh->n_rph)
		sh->in_rph = false;
	return 0;
}

/* The names the handlers compare by pointer, from the parser's
** dictionary. */
static void sheet_ready(struct tab_sax *s)
{
	struct sheet *sh = s->user;

	sh->n_row = tab_sax_name(s, "row");
	sh->n_c = tab_sax_name(s, "c");
	sh->n_v = tab_sax_name(s, "v");
	sh->n_is = tab_sax_name(s, "is");
	sh->n_t = tab_sax_name(s, "t");
	sh->n_rph = tab_sax_name(s, "rPh");
}

static int xlsx_sheet(struct xlsx *x, tab_row_fn fn, void *ctx)
{
	struct sheet *sh = calloc(1, sizeof *sh);
	struct tab_sax s;
	int rc;

	if (!sh)
		return tab_fail(x->err, x->errlen, "Out of memory.");
	sh->x = x;
	sh->fn = fn;
	sh->ctx = ctx;
	rowbuf_init(&sh->row);
	memset(&s, 0, sizeof s);
	s.start = sheet_start;
	s.end = sheet_end;
	s.full = sheet_value_full;
	s.ready = sheet_ready;
	s.text_cap = TAB_MAX_CELL_BYTES;
	s.user = sh;
	rc = xlsx_parse(x, x->sheet_part, &s);
	if (rc == 2)
		rc = tab_fail(x->err, x->errlen, "The file is a ZIP archive "
			"but not an Excel workbook: it has no worksheet. Save "
			"it as .xlsx or as CSV UTF-8.");
	buf_free(&sh->row.text);
	buf_free(&sh->value);
	free(sh);
	return rc;
}

/* The index, then the shared strings, then the sheet row by row, each
** part unzipped as it is read. */
static int xlsx_read_parts(struct xlsx *x, tab_row_fn fn, void *ctx)
{
	if (xlsx_locate_parts(x))
		return -1;
	if (zip_name_locate(x->zip, x->sheet_part, ZIP_FL_NOCASE) < 0)
		return tab_fail(x->err, x->errlen, "The file is a ZIP archive "
			"but not an Excel workbook: it has no worksheet. Save "
			"it as .xlsx or as CSV UTF-8.");
	if (xlsx_shared_strings(x))
		return -1;
	return xlsx_sheet(x, fn, ctx);
}

static int xlsx_read(const char *data, size_t len, tab_row_fn fn, void *ctx,
	char *err, size_t errlen)
{
	struct xlsx x;
	int rc;

	memset(&x, 0, sizeof x);
	x.err = err;
	x.errlen = errlen;
	if (xlsx_open(&x, data, len))
		return -1;
	rc = xlsx_read_parts(&x, fn, ctx);
	zip_discard(x.zip);
	buf_free(&x.sst_text);
	free(x.sst_off);
	return rc;
}

/*
** Detection.
*/

enum tab_format tab_detect(const char *data, size_t len)
{
	size_t n = len < DETECT_BYTES ? len : DETECT_BYTES;

	if (len >= 4 && (!memcmp(data, "PK\3\4", 4) ||
		!memcmp(data, "PK\5\6", 4)))
		return TAB_XLSX;
	if (len == 0)
		return TAB_UNKNOWN;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' &&
			c != '\f')
			return TAB_UNKNOWN;
	}
	return TAB_CSV;
}

/* Why a file is neither CSV nor XLSX, for the person who sent it. */
static int tab_unknown(const char *data, size_t len, char *err,
	size_t errlen)
{
	if (len == 0)
		return tab_fail(err, errlen, "The file is empty.");
	if (len >= 2 && (!memcmp(data, "\xff\xfe", 2) ||
		!memcmp(data, "\xfe\xff", 2)))
		return tab_fail(err, errlen, "The file is UTF-16 text; save "
			"it as \"CSV UTF-8\" and try again.");
	if (len >= 4 && !memcmp(data, "\xd0\xcf\x11\xe0", 4))
		return tab_fail(err, errlen, "The file is an old Excel (.xls) "
			"or password-protected workbook; save it as .xlsx "
			"without a password, or as CSV UTF-8.");
	return tab_fail(err, errlen, "The file is not a CSV or XLSX file.");
}

int tab_read(const char *data, size_t len, tab_row_fn fn, void *ctx,
	char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	switch (tab_detect(data, len)) {
	case TAB_XLSX:
		return xlsx_read(data, len, fn, ctx, err, errlen);
	case TAB_CSV:
		return csv_read(data, len, fn, ctx, err, errlen);
	default:
		return tab_unknown(data, len, err, errlen);
	}
}
