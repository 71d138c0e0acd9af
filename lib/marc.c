/*
** marc.c: MARC 21 records from ISO 2709 (read by hand) and MARCXML (read
** with libxml2's SAX2 parser). See marc.h.
**
** Both readers turn a record into the same list of data fields, each
** kept the way ISO 2709 stores its subfields (0x1F, code, text, ...), so
** one extractor serves both. A record's memory comes from an arena that
** is reset after its callback.
**
** ISO 2709 in brief: a record starts with a 24-byte leader (00-04 record
** length, 09 character coding 'a' = UCS/Unicode, 10 indicator count,
** 12-16 base address of data), then a directory of 12-byte entries (tag,
** 4-digit field length, 5-digit start from the base address) ended by a
** field terminator 0x1E, then the fields, each ended by 0x1E, and the
** record terminator 0x1D.
*/
#include "marc.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "arena.h"
#include "http.h"

#define MARC_RT 0x1d   /* record terminator */
#define MARC_FT 0x1e   /* field terminator */
#define MARC_SD 0x1f   /* subfield delimiter */

#define LEADER_LEN 24
#define DIR_ENTRY_LEN 12
/* Leader, directory terminator, record terminator. */
#define MIN_RECORD_LEN (LEADER_LEN + 2)

static const char MARC8_MESSAGE[] = "record %ld is MARC-8 encoded; only "
	"UTF-8 (Unicode) records can be imported";

/* A data field: tag, second indicator, and its subfields as ISO 2709
** stores them (0x1F, code, text, ...) without indicators or terminator. */
struct marc_field {
	char tag[4];
	char ind2;
	const char *sub;
	size_t len;
};

struct marc_reader {
	marc_record_fn fn;
	void *ctx;
	char *err;
	size_t errlen;
	struct arena arena;          /* the current record's memory */
	struct marc_field *fields;   /* on the arena */
	size_t nfields, cap;
	long number;                 /* records seen so far */
};

static int marc_fail(struct marc_reader *rd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Write the message to the caller's err and return -1. */
static int marc_fail(struct marc_reader *rd, const char *fmt, ...)
{
	va_list ap;

	if (rd->err && rd->errlen) {
		va_start(ap, fmt);
		vsnprintf(rd->err, rd->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Add a data field; sub is copied to the arena unless it already lives
** in the input. */
static void marc_add_field(struct marc_reader *rd, const char *tag,
	char ind2, const char *sub, size_t len)
{
	struct marc_field *f;

	if (rd->nfields == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : 32;
		struct marc_field *v = arena_alloc(&rd->arena, cap * sizeof *v);
		if (rd->nfields)
			memcpy(v, rd->fields, rd->nfields * sizeof *v);
		rd->fields = v;
		rd->cap = cap;
	}
	f = &rd->fields[rd->nfields++];
	memcpy(f->tag, tag, 3);
	f->tag[3] = '\0';
	f->ind2 = ind2;
	f->sub = sub;
	f->len = len;
}

static void marc_forget_record(struct marc_reader *rd)
{
	arena_reset(&rd->arena);
	rd->fields = NULL;
	rd->nfields = rd->cap = 0;
}

/*
** Cleaning up field text.
*/

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Control characters (line breaks of pretty-printed XML, stray
** terminators) become spaces, runs of spaces one space, and leading and
** trailing spaces go. In place. */
static char *clean_space(char *s)
{
	char *out = s;
	bool space = true;   /* drops leading spaces */

	for (const char *p = s; *p; p++) {
		bool sp = (unsigned char)*p <= 0x20 || *p == 0x7f;
		if (sp && space)
			continue;
		*out++ = sp ? ' ' : *p;
		space = sp;
	}
	if (out > s && out[-1] == ' ')
		out--;
	*out = '\0';
	return s;
}

/* True when the '.' at s[n - 1] ends an initial: one letter (or one
** UTF-8 character) after a space, a period, a hyphen or the start. */
static bool ends_initial(const char *s, size_t n)
{
	size_t i;

	if (n < 2)
		return false;
	i = n - 2;
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;   /* back to the first byte of the character */
	if ((unsigned char)s[i] < 0x80 &&
		!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z')))
		return false;
	return i == 0 || s[i - 1] == ' ' || s[i - 1] == '.' || s[i - 1] == '-';
}

/* Trim trailing ISBD punctuation (" /", " :", " ;", " =", ",", and "."
** unless keep_periods or it ends an initial) and white space. In place. */
static char *trim_isbd(char *s, bool keep_periods)
{
	size_t n;

	s = clean_space(s);
	n = strlen(s);
	while (n > 0) {
		char c = s[n - 1];
		if (is_space(c) || c == '/' || c == ':' || c == ';' ||
			c == '=' || c == ',')
			n--;
		else if (c == '.' && !keep_periods && !ends_initial(s, n))
			n--;
		else
			break;
	}
	s[n] = '\0';
	return s;
}

/* Trim brackets, periods, the copyright sign and spaces from both ends
** of a date ("[©1999]." -> "1999"). In place. */
static char *trim_date(char *s)
{
	static const char copyright[] = "\xc2\xa9";
	size_t n;
	bool changed = true;

	s = clean_space(s);
	while (changed) {
		changed = false;
		if (*s == '[' || *s == ']' || *s == '.' || is_space(*s)) {
			s++;
			changed = true;
		} else if (!strncmp(s, copyright, 2)) {
			s += 2;
			changed = true;
		}
		n = strlen(s);
		if (n > 0 && (s[n - 1] == '[' || s[n - 1] == ']' ||
			s[n - 1] == '.' || is_space(s[n - 1]))) {
			s[n - 1] = '\0';
			changed = true;
		} else if (n >= 2 && !strcmp(s + n - 2, copyright)) {
			s[n - 2] = '\0';
			changed = true;
		}
	}
	return s;
}

/* The first run of exactly four digits, or 0. */
static int marc_year(const char *s)
{
	for (const char *p = s; *p; ) {
		size_t run = strspn(p, "0123456789");
		if (run == 4)
			return atoi(p) > 0 ? atoi(p) : 0;
		p += run ? run : 1;
	}
	return 0;
}

/* The page count of a 300$a: the number followed by "p" ("310 p.",
** "1 online resource (310 pages)"), else the first number, else 0. */
static int marc_pages(const char *s)
{
	int first = 0;
	bool have_first = false;

	for (const char *p = s; *p; ) {
		size_t run = strspn(p, "0123456789");
		if (run == 0) {
			p++;
			continue;
		}
		int n = 0;
		for (size_t i = 0; i < run && i < 6; i++)
			n = n * 10 + (p[i] - '0');
		p += run;
		const char *q = p;
		while (*q == ' ')
			q++;
		if (*q == 'p' || *q == 'P')
			return n;
		if (!have_first) {
			first = n;
			have_first = true;
		}
	}
	return first;
}

/*
** Extracting the fields.
*/

/* The first subfield code of field f, copied to the arena; NULL when the
** field has none. */
static char *marc_subfield(struct arena *a, const struct marc_field *f,
	char code)
{
	const char *p = f->sub, *end = f->sub + f->len;

	while (p < end) {
		const char *sd = memchr(p, MARC_SD, (size_t)(end - p));
		const char *text, *next;

		if (!sd || end - sd < 2)
			return NULL;
		text = sd + 2;
		next = memchr(text, MARC_SD, (size_t)(end - text));
		if (!next)
			next = end;
		if (sd[1] == code)
			return arena_strndup(a, text, (size_t)(next - text));
		p = next;
	}
	return NULL;
}

/* The first code subfield of a field tagged tag (and with that second
** indicator, unless ind2 is 0), or NULL. */
static char *marc_first(struct marc_reader *rd, const char *tag, char ind2,
	char code)
{
	for (size_t i = 0; i < rd->nfields; i++) {
		const struct marc_field *f = &rd->fields[i];
		char *s;

		if (strcmp(f->tag, tag) || (ind2 && f->ind2 != ind2))
			continue;
		s = marc_subfield(&rd->arena, f, code);
		if (s)
			return s;
	}
	return NULL;
}

/* Publisher or date: 264 with second indicator 1 (publication), else any
** 264, else 260. */
static char *marc_imprint(struct marc_reader *rd, char code)
{
	char *s = marc_first(rd, "264", '1', code);

	if (!s)
		s = marc_first(rd, "264", 0, code);
	if (!s)
		s = marc_first(rd, "260", 0, code);
	return s;
}

/* Every code subfield of fields tagged tag (the first of each field),
** trimmed and non-empty, appended to list from *n on. */
static void marc_each(struct marc_reader *rd, const char *tag, char code,
	const char **list, int *n)
{
	for (size_t i = 0; i < rd->nfields; i++) {
		char *s;

		if (strcmp(rd->fields[i].tag, tag))
			continue;
		s = marc_subfield(&rd->arena, &rd->fields[i], code);
		if (s && *(s = trim_isbd(s, false)))
			list[(*n)++] = s;
	}
}

static size_t marc_count(const struct marc_reader *rd, const char *tag)
{
	size_t n = 0;

	for (size_t i = 0; i < rd->nfields; i++)
		n += !strcmp(rd->fields[i].tag, tag);
	return n;
}

/* A subfield's text with spaces trimmed, or "" when absent. */
static const char *cleaned(char *s)
{
	return s ? clean_space(s) : "";
}

/* A subfield's text without trailing ISBD punctuation, or "". */
static const char *trimmed(char *s, bool keep_periods)
{
	return s ? trim_isbd(s, keep_periods) : "";
}

static void marc_extract(struct marc_reader *rd, struct marc_record *r)
{
	const char **authors, **subjects;
	char *s;
	int n = 0;

	r->isbn = cleaned(marc_first(rd, "020", 0, 'a'));
	r->title = trimmed(marc_first(rd, "245", 0, 'a'), false);
	r->subtitle = trimmed(marc_first(rd, "245", 0, 'b'), false);
	r->edition = trimmed(marc_first(rd, "250", 0, 'a'), true);
	r->publisher = trimmed(marc_imprint(rd, 'b'), false);
	s = marc_imprint(rd, 'c');
	r->date = s ? trim_date(s) : "";
	r->year = marc_year(r->date);
	s = marc_first(rd, "300", 0, 'a');
	r->pages = s ? marc_pages(s) : 0;
	r->summary = cleaned(marc_first(rd, "520", 0, 'a'));

	authors = arena_alloc(&rd->arena, (1 + marc_count(rd, "700")) *
		sizeof *authors);
	s = marc_first(rd, "100", 0, 'a');
	if (s && *(s = trim_isbd(s, false)))
		authors[n++] = s;
	marc_each(rd, "700", 'a', authors, &n);
	r->authors = authors;
	r->nauthors = n;

	n = 0;
	subjects = arena_alloc(&rd->arena, (1 + marc_count(rd, "650")) *
		sizeof *subjects);
	marc_each(rd, "650", 'a', subjects, &n);
	r->subjects = subjects;
	r->nsubjects = n;
}

/* Hand the current record to the callback: its fields, or why it is
** damaged. Returns 1 when the callback says stop, else 0. */
static int marc_deliver(struct marc_reader *rd, const char *why)
{
	static const char *const none[1] = { NULL };
	struct marc_record r = {
		.number = rd->number, .error = why,
		.isbn = "", .title = "", .subtitle = "", .authors = none,
		.edition = "", .publisher = "", .date = "", .subjects = none,
		.summary = "",
	};
	int rc;

	if (!why)
		marc_extract(rd, &r);
	rc = rd->fn(rd->ctx, &r);
	marc_forget_record(rd);
	return rc ? 1 : 0;
}

/*
** ISO 2709.
*/

/* The n ASCII digits at s as a number, or -1. */
static long marc_number(const char *s, int n)
{
	long v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* No byte above 0x7F and no escape (MARC-8's character set switch). */
static bool plain_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] >= 0x80 || s[i] == 0x1b)
			return false;
	}
	return true;
}

static bool valid_tag(const char *t)
{
	for (int i = 0; i < 3; i++) {
		char c = t[i];
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
			(c >= 'a' && c <= 'z')))
			return false;
	}
	return true;
}

/* Check one directory entry and its field; add the field when it is a
** data field. Returns NULL or why the record is damaged. */
static const char *iso_field(struct marc_reader *rd, const char *entry,
	const char *data, size_t datalen, bool unicode, int nind)
{
	struct arena *a = &rd->arena;
	long flen = marc_number(entry + 3, 4);
	long start = marc_number(entry + 7, 5);
	const char *f;
	size_t n, skip;

	if (!valid_tag(entry) || flen < 1 || start < 0)
		return arena_printf(a, "record %ld: its directory is damaged",
			rd->number);
	if ((size_t)start + (size_t)flen > datalen)
		return arena_printf(a, "record %ld: the directory entry for "
			"field %.3s points past the end of the record",
			rd->number, entry);
	f = data + start;
	n = (size_t)flen - 1;
	if (f[n] != MARC_FT)
		return arena_printf(a, "record %ld: field %.3s does not end "
			"with a field terminator", rd->number, entry);
	if (memchr(f, '\0', n))
		return arena_printf(a, "record %ld: field %.3s holds a NUL "
			"byte", rd->number, entry);
	if (unicode && !http_utf8_valid(f, n))
		return arena_printf(a, "record %ld: field %.3s is not valid "
			"UTF-8 text", rd->number, entry);
	if (entry[0] == '0' && entry[1] == '0')
		return NULL;   /* a control field: no indicators, no subfields */
	skip = n < (size_t)nind ? n : (size_t)nind;
	marc_add_field(rd, entry, nind >= 2 && n >= 2 ? f[1] : ' ', f + skip,
		n - skip);
	return NULL;
}

/* Split one record (whose length and terminator were checked) into
** fields. Returns NULL or why the record is damaged. */
static const char *iso_parse(struct marc_reader *rd, const char *rec,
	size_t len)
{
	struct arena *a = &rd->arena;
	long base = marc_number(rec + 12, 5);
	bool unicode = rec[9] == 'a';
	int nind = (rec[10] >= '0' && rec[10] <= '9') ? rec[10] - '0' : 2;
	size_t nentries;

	if (base < LEADER_LEN + 1 || (size_t)base > len - 1)
		return arena_printf(a, "record %ld: the base address in its "
			"leader is damaged", rd->number);
	if (rec[base - 1] != MARC_FT ||
		(base - 1 - LEADER_LEN) % DIR_ENTRY_LEN != 0)
		return arena_printf(a, "record %ld: its directory is damaged",
			rd->number);
	if (!unicode && !plain_ascii(rec, len))
		return arena_printf(a, MARC8_MESSAGE, rd->number);
	nentries = (size_t)(base - 1 - LEADER_LEN) / DIR_ENTRY_LEN;
	for (size_t i = 0; i < nentries; i++) {
		const char *why = iso_field(rd, rec + LEADER_LEN +
			i * DIR_ENTRY_LEN, rec + base, len - (size_t)base - 1,
			unicode, nind);
		if (why)
			return why;
	}
	return NULL;
}

/* Skip white space between records (some files put a line break after
** each). */
static size_t iso_skip_space(const char *data, size_t len, size_t pos)
{
	while (pos < len && is_space(data[pos]))
		pos++;
	return pos;
}

/* Check that a record can be followed: length, size, terminator. */
static int iso_check_length(struct marc_reader *rd, const char *rec,
	size_t left, size_t offset, long *reclen)
{
	*reclen = left >= 5 ? marc_number(rec, 5) : -1;
	if (*reclen < 0)
		return marc_fail(rd, "The MARC file is damaged at record %ld "
			"(byte %zu): it does not start with a record length.",
			rd->number, offset);
	if (*reclen < MIN_RECORD_LEN)
		return marc_fail(rd, "The MARC file is damaged at record %ld "
			"(byte %zu): a record length of %ld is too short.",
			rd->number, offset, *reclen);
	if ((size_t)*reclen > left)
		return marc_fail(rd, "The MARC file is cut short: record %ld "
			"should be %ld bytes long but only %zu are left.",
			rd->number, *reclen, left);
	if (rec[*reclen - 1] != MARC_RT)
		return marc_fail(rd, "The MARC file is damaged at record %ld "
			"(byte %zu): the record does not end where its length "
			"says.", rd->number, offset);
	return 0;
}

/* Read the records of data[start..len). */
static int iso_read(struct marc_reader *rd, const char *data, size_t len,
	size_t start)
{
	size_t pos = start;

	while (pos < len) {
		long reclen;
		const char *why;

		rd->number++;
		if (iso_check_length(rd, data + pos, len - pos, pos, &reclen))
			return -1;
		why = iso_parse(rd, data + pos, (size_t)reclen);
		if (marc_deliver(rd, why))
			return 1;
		pos = iso_skip_space(data, len, pos + (size_t)reclen);
	}
	return 0;
}

/*
** MARCXML, through libxml2's SAX2 interface (streaming, no tree; three
** times the speed of xmlReader). The parser runs with XML_PARSE_NONET and
** without NOENT, DTDLOAD or HUGE, and has no entity handler: only the
** predefined entities and character references are expanded, and a
** DOCTYPE stops the parse as soon as it starts. The text is taken as
** UTF-8 whatever it declares (only Unicode records are imported), and a
** file with a NUL byte is refused first, so libxml2's character set
** converters never run. Element names are matched without regard to
** namespace: <marc:record>, <record xmlns="...slim"> and a bare <record>
** are all records.
*/

struct xml_state {
	struct marc_reader *rd;
	xmlParserCtxtPtr ctxt;
	int rc;                  /* nonzero: stopped (1 by fn, -1 error) */
	char why_xml[200];       /* libxml2's first complaint */
	int why_line;
	bool in_record, in_field, in_subfield;
	const char *why;         /* what is wrong with the current record */
	char tag[4], ind2;
	struct buf field;        /* the current datafield's subfields */
};

/* Copy the value of the attribute called name (no namespace) to out;
** false when it is absent or does not fit. */
static bool xml_attr(const xmlChar **attrs, int n, const char *name,
	char *out, size_t outlen)
{
	for (int i = 0; i < n; i++, attrs += 5) {
		size_t len = (size_t)(attrs[4] - attrs[3]);
		if (strcmp((const char *)attrs[0], name) || attrs[2])
			continue;
		if (len >= outlen)
			return false;
		memcpy(out, attrs[3], len);
		out[len] = '\0';
		return true;
	}
	return false;
}

static void xml_record_start(struct xml_state *x)
{
	x->rd->number++;
	marc_forget_record(x->rd);
	x->in_record = true;
	x->in_field = x->in_subfield = false;
	x->why = NULL;
}

/* Remember the first thing wrong with the record. */
static void xml_record_damaged(struct xml_state *x, const char *what)
{
	if (!x->why)
		x->why = arena_printf(&x->rd->arena, "record %ld: %s",
			x->rd->number, what);
}

static void xml_datafield_start(struct xml_state *x, const xmlChar **attrs,
	int nattrs)
{
	char tag[8], ind2[8];

	if (!xml_attr(attrs, nattrs, "tag", tag, sizeof tag) ||
		strlen(tag) != 3 || !valid_tag(tag)) {
		xml_record_damaged(x, "a datafield has no valid tag");
		return;
	}
	memcpy(x->tag, tag, 4);
	x->ind2 = xml_attr(attrs, nattrs, "ind2", ind2, sizeof ind2) &&
		ind2[0] ? ind2[0] : ' ';
	x->in_field = true;
	buf_clear(&x->field);
}

static void xml_subfield_start(struct xml_state *x, const xmlChar **attrs,
	int nattrs)
{
	char code[8];

	if (!xml_attr(attrs, nattrs, "code", code, sizeof code) ||
		strlen(code) != 1 || (unsigned char)code[0] <= 0x20 ||
		(unsigned char)code[0] >= 0x7f) {
		xml_record_damaged(x, "a subfield has no valid code");
		return;
	}
	buf_putc(&x->field, MARC_SD);
	buf_putc(&x->field, code[0]);
	x->in_subfield = true;
}

static void xml_datafield_end(struct xml_state *x)
{
	if (x->in_field)
		marc_add_field(x->rd, x->tag, x->ind2, arena_strndup(
			&x->rd->arena, buf_str(&x->field), x->field.len),
			x->field.len);
	x->in_field = x->in_subfield = false;
}

/* An element starts (attrs set) or ends. Returns 0, 1 when the callback
** stopped, -1 on error. */
static int xml_element(struct xml_state *x, const char *name, bool start,
	const xmlChar **attrs, int nattrs)
{
	if (!strcmp(name, "record")) {
		if (start && x->in_record)
			return marc_fail(x->rd, "The MARCXML file has a record "
				"inside record %ld.", x->rd->number);
		if (start) {
			xml_record_start(x);
			return 0;
		}
		x->in_record = false;
		return marc_deliver(x->rd, x->why);
	}
	if (!x->in_record)
		return 0;
	if (!strcmp(name, "datafield")) {
		if (start)
			xml_datafield_start(x, attrs, nattrs);
		else
			xml_datafield_end(x);
	} else if (!strcmp(name, "subfield") && x->in_field) {
		if (start)
			xml_subfield_start(x, attrs, nattrs);
		else
			x->in_subfield = false;
	}
	return 0;
}

static void sax_start(void *ctx, const xmlChar *localname,
	const xmlChar *prefix, const xmlChar *uri, int nb_namespaces,
	const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
	const xmlChar **attributes)
{
	struct xml_state *x = ctx;

	(void)prefix, (void)uri, (void)nb_namespaces, (void)namespaces;
	(void)nb_defaulted;
	if (x->rc == 0)
		x->rc = xml_element(x, (const char *)localname, true,
			attributes, nb_attributes);
	if (x->rc)
		xmlStopParser(x->ctxt);
}

static void sax_end(void *ctx, const xmlChar *localname,
	const xmlChar *prefix, const xmlChar *uri)
{
	struct xml_state *x = ctx;

	(void)prefix, (void)uri;
	if (x->rc == 0)
		x->rc = xml_element(x, (const char *)localname, false, NULL, 0);
	if (x->rc)
		xmlStopParser(x->ctxt);
}

/* Subfield text; control characters (which XML 1.0 does not allow
** anyway) become spaces so they cannot pose as delimiters. */
static void sax_text(void *ctx, const xmlChar *ch, int len)
{
	struct xml_state *x = ctx;
	size_t from = x->field.len;

	if (!x->in_subfield || x->rc || len <= 0)
		return;
	buf_append(&x->field, ch, (size_t)len);
	for (size_t i = from; i < x->field.len; i++) {
		if ((unsigned char)x->field.data[i] < 0x20)
			x->field.data[i] = ' ';
	}
}

static void sax_doctype(void *ctx, const xmlChar *name,
	const xmlChar *external_id, const xmlChar *system_id)
{
	struct xml_state *x = ctx;

	(void)name, (void)external_id, (void)system_id;
	x->rc = marc_fail(x->rd, "The MARCXML file has a DOCTYPE; files with "
		"a document type declaration are not accepted.");
	xmlStopParser(x->ctxt);
}

/* Keep libxml2's first complaint: its first line, in plainer words when
** the text is not UTF-8. */
static void sax_error(void *ctx, xmlErrorPtr e)
{
	struct xml_state *x = ctx;

	if (x->why_xml[0] || !e || !e->message)
		return;
	if (!strncmp(e->message, "Input is not proper UTF-8", 25))
		snprintf(x->why_xml, sizeof x->why_xml, "the text is not UTF-8");
	else
		snprintf(x->why_xml, sizeof x->why_xml, "%.*s",
			(int)strcspn(e->message, "\n"), e->message);
	x->why_line = e->line;
}

/* Point the parser's SAX handler at the functions above. */
static void xml_handlers(struct xml_state *x)
{
	xmlSAXHandler *h = x->ctxt->sax;

	memset(h, 0, sizeof *h);
	h->initialized = XML_SAX2_MAGIC;
	h->startElementNs = sax_start;
	h->endElementNs = sax_end;
	h->characters = sax_text;
	h->ignorableWhitespace = sax_text;
	h->cdataBlock = sax_text;
	h->internalSubset = sax_doctype;
	h->serror = sax_error;
	x->ctxt->userData = x;
}

static int xml_read(struct marc_reader *rd, const char *data, size_t len)
{
	struct xml_state x;

	if (len > INT_MAX)
		return marc_fail(rd, "The MARCXML file is too large.");
	if (memchr(data, '\0', len))
		return marc_fail(rd, "The MARCXML file is not UTF-8 text (it "
			"holds NUL bytes).");
	memset(&x, 0, sizeof x);
	x.rd = rd;
	x.ctxt = xmlCreateMemoryParserCtxt(data, (int)len);
	if (!x.ctxt)
		return marc_fail(rd, "Out of memory.");
	xmlCtxtUseOptions(x.ctxt, XML_PARSE_NONET | XML_PARSE_IGNORE_ENC);
	xml_handlers(&x);
	xmlParseDocument(x.ctxt);
	if (x.rc == 0 && !x.ctxt->wellFormed)
		x.rc = marc_fail(rd, "The MARCXML file is not well-formed XML "
			"(line %d: %s).", x.why_line,
			x.why_xml[0] ? x.why_xml : "malformed");
	if (x.ctxt->myDoc)
		xmlFreeDoc(x.ctxt->myDoc);
	xmlFreeParserCtxt(x.ctxt);
	buf_free(&x.field);
	return x.rc;
}

/*
** Detection and the entry point.
*/

/* Offset of the first byte after a UTF-8 byte order mark and white
** space. */
static size_t marc_content_start(const char *data, size_t len)
{
	size_t i = 0;

	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len && is_space(data[i]))
		i++;
	return i;
}

enum marc_format marc_detect(const char *data, size_t len)
{
	size_t i = marc_content_start(data, len);

	if (i < len && data[i] == '<')
		return MARC_XML;
	if (len - i >= 5 && marc_number(data + i, 5) >= 0)
		return MARC_ISO2709;
	return MARC_UNKNOWN;
}

int marc_read(const char *data, size_t len, marc_record_fn fn, void *ctx,
	char *err, size_t errlen)
{
	struct marc_reader rd;
	enum marc_format format = marc_detect(data, len);
	size_t start = marc_content_start(data, len);
	int rc;

	memset(&rd, 0, sizeof rd);
	rd.fn = fn;
	rd.ctx = ctx;
	rd.err = err;
	rd.errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	if (start == len)
		return marc_fail(&rd, "The file is empty.");
	if (format == MARC_UNKNOWN)
		return marc_fail(&rd, "The file is not a MARC file (neither "
			"ISO 2709 nor MARCXML).");
	arena_init(&rd.arena, 0);
	/* XML from its '<': white space before an XML declaration is an
	** error to libxml2, though not to a person. */
	if (format == MARC_XML)
		rc = xml_read(&rd, data + start, len - start);
	else
		rc = iso_read(&rd, data, len, start);
	if (rc == 0 && rd.number == 0)
		rc = marc_fail(&rd, "The file holds no MARC records.");
	arena_free(&rd.arena);
	return rc;
}
