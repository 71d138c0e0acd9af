/*
** http.c: request parsing and response building. See http.h.
**
** Every parser works on (pointer, length) slices of what the client sent:
** no scan relies on a NUL inside hostile bytes, and every scan stops at the
** slice's end. Memory comes from the arena the caller passes; nothing here
** calls malloc or free (except through arena_* and buf_*).
**
** How the limits of struct http_limits are applied:
**
**   max_body       bytes of a urlencoded body, and of a query string.
**                  A multipart body may be up to
**                  max_files * max_file_size + max_body bytes in all: file
**                  contents count against the file allowance, everything
**                  else (field values, part headers, boundaries, preamble)
**                  against max_body.
**   max_fields     name/value pairs per query string and per form. A
**                  multipart body may hold at most max_fields + max_files
**                  parts, so "no file chosen" parts (which are skipped) are
**                  bounded too.
**   max_field_len  bytes per decoded name and per decoded value (not files).
**   max_files      files per multipart body ("no file chosen" not counted).
**   max_file_size  bytes per file.
**   max_files_total bytes of all files together, when not 0 (it replaces
**                  max_files * max_file_size above when smaller).
**   max_cookies    cookies accepted from one Cookie header; more is a 413.
**
** A limit is checked before the memory it protects is spent where that is
** cheap (counts, raw lengths); all arithmetic on limits saturates.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* memmem */
#endif

#include "http.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KIB ((size_t)1024)
#define MIB (KIB * 1024)

const struct http_limits http_default_limits = {
	.max_body = 1 * MIB,
	.max_fields = 200,
	.max_field_len = 64 * KIB,
	.max_files = 4,
	.max_file_size = 35 * MIB,
	.max_cookies = 50,
	.max_files_total = 35 * MIB,
};

/* Messages for the error page. They are read by a librarian or a patron,
** so they say what went wrong in their words, not ours. */
static const char MSG_ADDR[] = "The address is malformed.";
static const char MSG_ADDR_BIG[] = "The address is too long.";
static const char MSG_FORM_BAD[] = "The form is malformed.";
static const char MSG_FORM_UTF8[] =
	"The form contains text that is not valid UTF-8.";
static const char MSG_FORM_NUL[] =
	"The form contains a character that is not allowed.";
static const char MSG_FORM_BIG[] = "The form is too large.";
static const char MSG_FIELDS[] = "The form has too many fields.";
static const char MSG_FIELD_BIG[] = "A field of the form is too long.";
static const char MSG_UPLOAD_BAD[] = "The upload is malformed.";
static const char MSG_UPLOAD_BIG[] = "The upload is too large.";
static const char MSG_FILES[] = "Too many files were uploaded at once.";
static const char MSG_FILE_BIG[] = "A file is too large.";
static const char MSG_FILES_BIG[] = "The files uploaded together are too large.";
static const char MSG_FILENAME[] =
	"The name of an uploaded file is not valid UTF-8.";
static const char MSG_COOKIES[] =
	"Your browser sent too many cookies for this site.";

static int fail(struct http_error *err, int status, const char *msg)
{
	if (err) {
		err->status = status;
		err->message = msg;
	}
	return status;
}

static size_t sat_add(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static size_t sat_mul(size_t a, size_t b)
{
	return b && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static void trim_ows(const char **s, size_t *len)
{
	while (*len && is_ows(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_ows((*s)[*len - 1]))
		(*len)--;
}

/* Case-insensitive comparison of a slice with a literal. */
static bool slice_ieq(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && strncasecmp(s, lit, n) == 0;
}

/* A control character other than tab: never valid in a header line. */
static bool is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* RFC 9110 tchar: what a header name or cookie name is made of. */
static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/*
** Append an item whose strings already live in the arena. The list grows
** by doubling into fresh arena memory; the old array is simply abandoned,
** which costs at most as much again as the final array.
*/
static void kv_push(struct arena *a, struct http_kvlist *l, const char *name,
	const char *value, size_t value_len)
{
	if (l->n >= l->cap) {
		size_t cap = l->cap ? l->cap : 4;
		if (cap > SIZE_MAX / 2 / sizeof *l->items) {
			/* Same policy as the arena: a worker that cannot
			** allocate is replaced by the master. */
			fputs("carrel: http list too large\n", stderr);
			abort();
		}
		cap *= 2;
		struct http_kv *items = arena_alloc(a, cap * sizeof *items);
		if (l->n)
			memcpy(items, l->items, l->n * sizeof *items);
		l->items = items;
		l->cap = cap;
	}
	l->items[l->n].name = name;
	l->items[l->n].value = value;
	l->items[l->n].value_len = value_len;
	l->n++;
}

/*
** Append name=value to l; both are copied into a (value_len bytes of value,
** NUL-terminated; a NULL name or value counts as ""). The caller vouches
** that they are valid UTF-8 without NUL bytes, as every list promises.
*/
void http_kv_add(struct arena *a, struct http_kvlist *l, const char *name,
	const char *value, size_t value_len)
{
	if (!value)
		value_len = 0;
	kv_push(a, l, arena_strdup(a, name),
		arena_strndup(a, value ? value : "", value_len), value_len);
}

/*
** True when s[0..len) is well-formed UTF-8 as Unicode 15, table 3-7,
** defines it: the second byte's range depends on the first, which is what
** shuts out overlongs (C0, C1, E0 80..9F, F0 80..8F), surrogates
** (ED A0..BF) and code points above U+10FFFF (F4 90.., F5..FF).
** A NULL s is valid only when len is 0. U+0000 is valid UTF-8; callers
** that forbid NUL check for it themselves.
*/
bool http_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	if (!s)
		return len == 0;
	while (i < len) {
		unsigned c = p[i];
		unsigned lo = 0x80, hi = 0xbf;
		size_t more;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
		} else if (c == 0xe0) {
			more = 2;
			lo = 0xa0;
		} else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) {
			more = 2;
		} else if (c == 0xed) {
			more = 2;
			hi = 0x9f;
		} else if (c == 0xf0) {
			more = 3;
			lo = 0x90;
		} else if (c >= 0xf1 && c <= 0xf3) {
			more = 3;
		} else if (c == 0xf4) {
			more = 3;
			hi = 0x8f;
		} else {
			return false;
		}
		if (len - i - 1 < more)
			return false;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= more; k++) {
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				return false;
		}
		i += more + 1;
	}
	return true;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum pct_err { PCT_OK, PCT_ESCAPE, PCT_NUL, PCT_UTF8 };

/* http_percent_decode, telling why it failed so the error page can say. */
static char *pct_decode(struct arena *a, const char *s, size_t len,
	bool plus_is_space, size_t *outlen, enum pct_err *why)
{
	char *out;
	size_t o = 0;

	*why = PCT_OK;
	if (!s)
		len = 0;
	if (len == SIZE_MAX) {
		*why = PCT_ESCAPE;
		return NULL;
	}
	/* Decoding never lengthens, so len + 1 is enough. */
	out = arena_alloc(a, len + 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			int hi, lo;
			if (len - i < 3 ||
			    (hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0) {
				*why = PCT_ESCAPE;
				return NULL;
			}
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (c == 0) {
			*why = PCT_NUL;
			return NULL;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	if (!http_utf8_valid(out, o)) {
		*why = PCT_UTF8;
		return NULL;
	}
	if (outlen)
		*outlen = o;
	return out;
}

/*
** Percent-decode s[0..len) into fresh memory from a. A '%' must be followed
** by two hex digits (either case); "%zz", "%4" and a trailing "%" are
** malformed rather than passed through, so the same bytes never mean two
** things. Returns NULL when malformed, when the result holds a NUL (raw or
** %00), or when it is not valid UTF-8 (which rules out %C0%80 too).
** outlen may be NULL.
*/
char *http_percent_decode(struct arena *a, const char *s, size_t len,
	bool plus_is_space, size_t *outlen)
{
	enum pct_err why;
	return pct_decode(a, s, len, plus_is_space, outlen, &why);
}

static int pct_fail(struct http_error *err, enum pct_err why)
{
	switch (why) {
	case PCT_NUL:
		return fail(err, 400, MSG_FORM_NUL);
	case PCT_UTF8:
		return fail(err, 400, MSG_FORM_UTF8);
	default:
		return fail(err, 400, MSG_FORM_BAD);
	}
}

/*
** Parse application/x-www-form-urlencoded text s[0..len) (a form body or
** a query string) and append its pairs to out. Pairs are split at '&'
** only; empty pairs are skipped; a pair without '=' has the value "".
** Names and values are decoded with '+' as space and must be valid UTF-8
** without NUL. Returns 0; 400 for a bad escape, NUL or invalid UTF-8; 413
** when len exceeds max_body, there are more than max_fields pairs, or a
** decoded name or value exceeds max_field_len. On error out may already
** hold the pairs before the bad one. lim NULL means http_default_limits.
*/
int http_parse_urlencoded(struct arena *a, const char *s, size_t len,
	const struct http_limits *lim, struct http_kvlist *out,
	struct http_error *err)
{
	size_t i = 0, count = 0;

	if (!lim)
		lim = &http_default_limits;
	if (!s)
		len = 0;
	if (len > lim->max_body)
		return fail(err, 413, MSG_FORM_BIG);
	while (i < len) {
		const char *pair = s + i;
		const char *amp = memchr(pair, '&', len - i);
		size_t plen = amp ? (size_t)(amp - pair) : len - i;
		const char *eq, *v;
		size_t nlen, vlen, dnlen, dvlen;
		char *name, *value;
		enum pct_err why;

		i = amp ? i + plen + 1 : len;
		if (plen == 0)
			continue;
		/* Count before decoding, so 10^5 pairs cost no memory. */
		if (++count > lim->max_fields)
			return fail(err, 413, MSG_FIELDS);
		eq = memchr(pair, '=', plen);
		nlen = eq ? (size_t)(eq - pair) : plen;
		v = eq ? eq + 1 : pair + plen;
		vlen = eq ? plen - nlen - 1 : 0;
		name = pct_decode(a, pair, nlen, true, &dnlen, &why);
		if (!name)
			return pct_fail(err, why);
		value = pct_decode(a, v, vlen, true, &dvlen, &why);
		if (!value)
			return pct_fail(err, why);
		if (dnlen > lim->max_field_len || dvlen > lim->max_field_len)
			return fail(err, 413, MSG_FIELD_BIG);
		kv_push(a, out, name, value, dvlen);
	}
	return 0;
}

/*
** Parse a Cookie header ("a=b; c=d") and append its cookies to out.
** Pieces are split at ';' and trimmed of spaces and tabs, around the name
** and the value too. A value in double quotes loses them. Values are not
** percent-decoded: cookies are ours, and we only ever set token-safe
** values. Browsers also send cookies set by other sites on the same host
** and by scripts, so a piece that is malformed (no '=', empty name, control
** characters, invalid UTF-8, longer than max_field_len) is ignored instead
** of failing the request. Returns 0, or 413 when more than max_cookies
** cookies are acceptable. header NULL is no cookies.
*/
int http_parse_cookies(struct arena *a, const char *header,
	const struct http_limits *lim, struct http_kvlist *out,
	struct http_error *err)
{
	size_t len, i = 0, count = 0;

	if (!header)
		return 0;
	if (!lim)
		lim = &http_default_limits;
	len = strlen(header);
	while (i < len) {
		const char *piece = header + i;
		const char *semi = memchr(piece, ';', len - i);
		size_t plen = semi ? (size_t)(semi - piece) : len - i;
		const char *eq, *name, *value;
		size_t nlen, vlen, k;
		bool ok = true;

		i = semi ? i + plen + 1 : len;
		trim_ows(&piece, &plen);
		eq = memchr(piece, '=', plen);
		if (!eq)
			continue;
		name = piece;
		nlen = (size_t)(eq - piece);
		value = eq + 1;
		vlen = plen - nlen - 1;
		trim_ows(&name, &nlen);
		trim_ows(&value, &vlen);
		if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
			value++;
			vlen -= 2;
		}
		if (nlen == 0 || nlen > lim->max_field_len ||
		    vlen > lim->max_field_len)
			continue;
		for (k = 0; k < nlen && ok; k++)
			ok = !is_ctl((unsigned char)name[k]);
		for (k = 0; k < vlen && ok; k++)
			ok = !is_ctl((unsigned char)value[k]);
		if (!ok || !http_utf8_valid(name, nlen) ||
		    !http_utf8_valid(value, vlen))
			continue;
		if (++count > lim->max_cookies)
			return fail(err, 413, MSG_COOKIES);
		kv_push(a, out, arena_strndup(a, name, nlen),
			arena_strndup(a, value, vlen), vlen);
	}
	return 0;
}

/* One `; name=value` parameter of a header value. */
struct hparam {
	const char *name;
	size_t nlen;
	const char *val;
	size_t vlen;
};

/*
** Read the next parameter from *pp, which stops at end. Returns 1 with *out
** filled, 0 when none is left, -1 when the text is malformed.
**
** A quoted value runs to the next '"' with no backslash escapes. That is
** what browsers send (the HTML standard has them write '"' as %22 in names
** and filenames and leave '\' alone), and old Windows browsers sent whole
** paths like "C:\dir\x.txt" that escapes would mangle.
*/
static int hparam_next(const char **pp, const char *end, struct hparam *out)
{
	const char *p = *pp;

	while (p < end && is_ows(*p))
		p++;
	if (p == end)
		return 0;
	if (*p != ';')
		return -1;
	p++;
	while (p < end && is_ows(*p))
		p++;
	if (p == end) {
		*pp = p;
		return 0;
	}
	out->name = p;
	while (p < end && *p != '=' && *p != ';' && !is_ows(*p))
		p++;
	out->nlen = (size_t)(p - out->name);
	if (out->nlen == 0)
		return -1;
	while (p < end && is_ows(*p))
		p++;
	if (p == end || *p != '=')
		return -1;
	p++;
	while (p < end && is_ows(*p))
		p++;
	if (p < end && *p == '"') {
		const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
		if (!q)
			return -1;
		out->val = p + 1;
		out->vlen = (size_t)(q - p - 1);
		p = q + 1;
	} else {
		out->val = p;
		while (p < end && *p != ';' && !is_ows(*p))
			p++;
		out->vlen = (size_t)(p - out->val);
	}
	*pp = p;
	return 1;
}

/*
** Find the boundary of a multipart/form-data content type. Returns 0 with
** the boundary (a slice of content_type) or -1. RFC 2046 allows 1 to 70
** characters; we take any printable ASCII but no trailing space, since the
** boundary is only ever searched for, never interpreted.
*/
static int mp_boundary(const char *ct, const char **b, size_t *blen)
{
	const char *p, *end, *type;
	struct hparam hp;
	bool found = false;
	int rc;

	if (!ct)
		return -1;
	p = ct;
	end = ct + strlen(ct);
	while (p < end && is_ows(*p))
		p++;
	type = p;
	while (p < end && *p != ';' && !is_ows(*p))
		p++;
	if (!slice_ieq(type, (size_t)(p - type), "multipart/form-data"))
		return -1;
	while ((rc = hparam_next(&p, end, &hp)) == 1) {
		if (!slice_ieq(hp.name, hp.nlen, "boundary"))
			continue;
		if (found)
			return -1;
		found = true;
		*b = hp.val;
		*blen = hp.vlen;
	}
	if (rc < 0 || !found || *blen < 1 || *blen > 70)
		return -1;
	for (size_t i = 0; i < *blen; i++) {
		unsigned char c = (unsigned char)(*b)[i];
		if (c < 0x20 || c > 0x7e)
			return -1;
	}
	if ((*b)[*blen - 1] == ' ')
		return -1;
	return 0;
}

struct mp_part {
	char *name;
	size_t nlen;
	char *filename;       /* NULL when the part is a plain field */
	size_t fnlen;
	char *ctype;          /* NULL when the part had no Content-Type */
	size_t ctlen;
};

/*
** Parse the headers of one part, [p, end): lines that each end in CRLF.
** Only Content-Disposition (required, "form-data", with a name) and
** Content-Type matter; others are ignored, but each of the two may appear
** once only, so two readers of the same bytes cannot disagree. Returns 0
** or -1 when malformed.
*/
static int mp_headers(struct arena *a, const char *p, const char *end,
	struct mp_part *part)
{
	const char *cd = NULL, *q, *cend;
	size_t cdlen = 0;
	bool have_ct = false, have_name = false;
	struct hparam hp;
	int rc;

	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		const char *line = p, *colon, *v;
		size_t llen, hnlen, vlen;

		if (!eol)
			return -1;
		llen = (size_t)(eol - p);
		p = eol + 2;
		for (size_t k = 0; k < llen; k++) {
			if (is_ctl((unsigned char)line[k]))
				return -1;
		}
		/* A line starting with a space would be obsolete folding,
		** which no browser sends. */
		colon = memchr(line, ':', llen);
		if (!colon || colon == line || is_ows(line[0]))
			return -1;
		hnlen = (size_t)(colon - line);
		while (hnlen && is_ows(line[hnlen - 1]))
			hnlen--;
		v = colon + 1;
		vlen = llen - (size_t)(v - line);
		trim_ows(&v, &vlen);
		if (slice_ieq(line, hnlen, "Content-Disposition")) {
			if (cd)
				return -1;
			cd = v;
			cdlen = vlen;
		} else if (slice_ieq(line, hnlen, "Content-Type")) {
			if (have_ct)
				return -1;
			have_ct = true;
			part->ctype = arena_strndup(a, v, vlen);
			part->ctlen = vlen;
		}
	}
	if (!cd)
		return -1;
	q = cd;
	cend = cd + cdlen;
	while (q < cend && *q != ';' && !is_ows(*q))
		q++;
	if (!slice_ieq(cd, (size_t)(q - cd), "form-data"))
		return -1;
	while ((rc = hparam_next(&q, cend, &hp)) == 1) {
		if (slice_ieq(hp.name, hp.nlen, "name")) {
			if (have_name)
				return -1;
			have_name = true;
			part->name = arena_strndup(a, hp.val, hp.vlen);
			part->nlen = hp.vlen;
		} else if (slice_ieq(hp.name, hp.nlen, "filename")) {
			if (part->filename)
				return -1;
			part->filename = arena_strndup(a, hp.val, hp.vlen);
			part->fnlen = hp.vlen;
		}
		/* filename* (RFC 5987) is ignored: RFC 7578 forbids it in
		** form-data and browsers send UTF-8 in filename. */
	}
	if (rc < 0 || !have_name)
		return -1;
	return 0;
}

/*
** Parse a multipart/form-data body[0..len) whose boundary comes from
** content_type (the whole header value). Fields are appended to fields;
** *files and *nfiles are replaced by the uploaded files, whose data point
** into body (so body must outlive them). A part with a filename parameter
** is a file, even with filename=""; a file part with an empty filename and
** no data is "no file chosen" and skipped. A file part without a
** Content-Type gets "application/octet-stream".
**
** The body must begin with the first delimiter or reach it after a
** preamble, every part must have its headers, the blank line and its
** data, and the closing delimiter must come; what follows it is ignored.
** Returns 0; 400 "The upload is malformed." when it is not so, or 400 when
** a field or name is not valid UTF-8 or holds a NUL; 413 for the limits
** described at the top of this file. On error, fields may hold the fields
** before the bad part and *files is left empty.
*/
size_t http_files_allowance(const struct http_limits *lim)
{
	size_t all = sat_mul(lim->max_files, lim->max_file_size);
	return lim->max_files_total && lim->max_files_total < all ? lim->max_files_total : all;
}

int http_parse_multipart(struct arena *a, const char *content_type,
	const char *body, size_t len, const struct http_limits *lim,
	struct http_kvlist *fields, struct http_file **files, size_t *nfiles,
	struct http_error *err)
{
	const char *b = NULL, *p, *end;
	size_t blen = 0, dl, nf = 0, fcap = 0, nfield = 0, nparts = 0;
	size_t filebytes = 0, max_parts;
	struct http_file *fv = NULL;
	char *delim;

	if (!lim)
		lim = &http_default_limits;
	*files = NULL;
	*nfiles = 0;
	if (mp_boundary(content_type, &b, &blen) < 0)
		return fail(err, 400, MSG_UPLOAD_BAD);
	if (len > sat_add(http_files_allowance(lim), lim->max_body))
		return fail(err, 413, MSG_UPLOAD_BIG);
	if (!body || len == 0)
		return fail(err, 400, MSG_UPLOAD_BAD);
	max_parts = sat_add(lim->max_fields, lim->max_files);

	/* delim is CRLF "--" boundary; the first one may lack the CRLF
	** when the body starts with it (no preamble). */
	dl = blen + 4;
	delim = arena_alloc(a, dl);
	memcpy(delim, "\r\n--", 4);
	memcpy(delim + 4, b, blen);
	end = body + len;
	if (len >= dl - 2 && memcmp(body, delim + 2, dl - 2) == 0) {
		p = body + dl - 2;
	} else {
		const char *q = memmem(body, len, delim, dl);
		if (!q)
			return fail(err, 400, MSG_UPLOAD_BAD);
		p = q + dl;
	}

	/* p is just past a delimiter. */
	for (;;) {
		const char *q, *hend, *data;
		size_t dlen;
		struct mp_part part;

		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			break;
		while (p < end && is_ows(*p))
			p++;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return fail(err, 400, MSG_UPLOAD_BAD);
		p += 2;
		q = memmem(p, (size_t)(end - p), delim, dl);
		if (!q)
			return fail(err, 400, MSG_UPLOAD_BAD);
		/* The blank line ending the headers may share its CRLF with
		** the next delimiter when the part's data is empty; q + 2 is
		** within the body because the delimiter is longer than 2. */
		if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
			hend = p;
			data = p + 2;
		} else {
			const char *h = memmem(p, (size_t)(q + 2 - p),
				"\r\n\r\n", 4);
			if (!h)
				return fail(err, 400, MSG_UPLOAD_BAD);
			hend = h + 2;
			data = h + 4;
		}
		if (data > q)
			data = q;
		dlen = (size_t)(q - data);

		if (++nparts > max_parts)
			return fail(err, 413, MSG_FIELDS);
		memset(&part, 0, sizeof part);
		if (mp_headers(a, p, hend, &part) < 0)
			return fail(err, 400, MSG_UPLOAD_BAD);
		if (!http_utf8_valid(part.name, part.nlen))
			return fail(err, 400, MSG_FORM_UTF8);
		if (part.nlen > lim->max_field_len)
			return fail(err, 413, MSG_FIELD_BIG);

		if (part.filename) {
			if (part.fnlen == 0 && dlen == 0)
				goto next;
			if (!http_utf8_valid(part.filename, part.fnlen))
				return fail(err, 400, MSG_FILENAME);
			if (part.ctype && !http_utf8_valid(part.ctype,
			    part.ctlen))
				return fail(err, 400, MSG_UPLOAD_BAD);
			if (nf >= lim->max_files)
				return fail(err, 413, MSG_FILES);
			if (dlen > lim->max_file_size)
				return fail(err, 413, MSG_FILE_BIG);
			if (sat_add(filebytes, dlen) > http_files_allowance(lim))
				return fail(err, 413, MSG_FILES_BIG);
			if (nf == fcap) {
				/* nf < max_files, so this stays small. */
				size_t cap = fcap ? fcap * 2 : 4;
				struct http_file *n = arena_alloc(a,
					cap * sizeof *n);
				if (nf)
					memcpy(n, fv, nf * sizeof *n);
				fv = n;
				fcap = cap;
			}
			fv[nf].field = part.name;
			fv[nf].filename = part.filename;
			fv[nf].content_type = part.ctype ? part.ctype :
				"application/octet-stream";
			fv[nf].data = data;
			fv[nf].len = dlen;
			nf++;
			filebytes += dlen;
		} else {
			if (++nfield > lim->max_fields)
				return fail(err, 413, MSG_FIELDS);
			if (dlen > lim->max_field_len)
				return fail(err, 413, MSG_FIELD_BIG);
			if (memchr(data, '\0', dlen))
				return fail(err, 400, MSG_FORM_NUL);
			if (!http_utf8_valid(data, dlen))
				return fail(err, 400, MSG_FORM_UTF8);
			kv_push(a, fields, part.name,
				arena_strndup(a, data, dlen), dlen);
		}
next:
		p = q + dl;
		/* Everything that is not file data counts against max_body;
		** filebytes <= p - body since files lie before p. */
		if ((size_t)(p - body) - filebytes > lim->max_body)
			return fail(err, 413, MSG_FORM_BIG);
	}
	*files = fv;
	*nfiles = nf;
	return 0;
}

/* True when the media type of ct is type (case-insensitive); parameters
** such as "; charset=utf-8" are ignored. */
static bool ctype_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	while (is_ows(*ct))
		ct++;
	if (strncasecmp(ct, type, n) != 0)
		return false;
	return ct[n] == '\0' || ct[n] == ';' || is_ows(ct[n]);
}

/*
** Fill in req from its raw fields. Before the call the front end sets
** arena, raw_uri (REQUEST_URI, required), query_string (QUERY_STRING; when
** NULL it is taken from raw_uri after the '?'), content_type and
** cookie_header (NULL when absent), body and body_len. The parsed members
** (path, query, form, cookies, files, nfiles) are overwritten. The path
** must start with '/', and is percent-decoded with '+' kept as '+'; it is
** not normalised (no "..", "//" or "%2F" handling), since it is only ever
** matched against the route table, never used as a file name.
**
** A body of 0 bytes is never parsed, whatever its type; a body that is not
** urlencoded or multipart/form-data is left for the handler. Returns 0, or
** fills err (which may be NULL) and returns 400 or 413. lim NULL means
** http_default_limits.
*/
int http_req_parse(struct req *req, const struct http_limits *lim,
	struct http_error *err)
{
	struct arena *a = req->arena;
	const char *uri = req->raw_uri, *qm, *qs;
	struct http_error dummy;
	size_t plen;
	char *path;
	int rc;

	if (!err)
		err = &dummy;
	err->status = 0;
	err->message = NULL;
	if (!lim)
		lim = &http_default_limits;
	memset(&req->query, 0, sizeof req->query);
	memset(&req->form, 0, sizeof req->form);
	memset(&req->cookies, 0, sizeof req->cookies);
	req->files = NULL;
	req->nfiles = 0;

	if (!uri || uri[0] != '/')
		return fail(err, 400, MSG_ADDR);
	qm = strchr(uri, '?');
	plen = qm ? (size_t)(qm - uri) : strlen(uri);
	path = http_percent_decode(a, uri, plen, false, NULL);
	if (!path)
		return fail(err, 400, MSG_ADDR);
	req->path = path;

	qs = req->query_string ? req->query_string : qm ? qm + 1 : "";
	req->query_string = qs;
	rc = http_parse_urlencoded(a, qs, strlen(qs), lim, &req->query, err);
	if (rc)
		return fail(err, rc, rc == 413 ? MSG_ADDR_BIG : MSG_ADDR);

	rc = http_parse_cookies(a, req->cookie_header, lim, &req->cookies,
		err);
	if (rc)
		return rc;

	if (!req->body || req->body_len == 0 || !req->content_type)
		return 0;
	if (ctype_is(req->content_type, "application/x-www-form-urlencoded"))
		return http_parse_urlencoded(a, req->body, req->body_len, lim,
			&req->form, err);
	if (ctype_is(req->content_type, "multipart/form-data"))
		return http_parse_multipart(a, req->content_type, req->body,
			req->body_len, lim, &req->form, &req->files,
			&req->nfiles, err);
	return 0;
}

/* The value of the first item called name, or NULL (also for a NULL list
** or name). Names compare exactly: form fields are case-sensitive. */
const char *http_kv_get(const struct http_kvlist *l, const char *name)
{
	if (!l || !name)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->items[i].name, name) == 0)
			return l->items[i].value;
	}
	return NULL;
}

/* The first query parameter called name, or NULL. */
const char *http_query(const struct req *r, const char *name)
{
	return r ? http_kv_get(&r->query, name) : NULL;
}

/* The first form field called name (urlencoded or multipart), or NULL. */
const char *http_form(const struct req *r, const char *name)
{
	return r ? http_kv_get(&r->form, name) : NULL;
}

/* The first cookie called name, or NULL. */
const char *http_cookie(const struct req *r, const char *name)
{
	return r ? http_kv_get(&r->cookies, name) : NULL;
}

/* The first uploaded file of field name, or NULL. */
const struct http_file *http_file_get(const struct req *r, const char *name)
{
	if (!r || !name)
		return NULL;
	for (size_t i = 0; i < r->nfiles; i++) {
		if (strcmp(r->files[i].field, name) == 0)
			return &r->files[i];
	}
	return NULL;
}

static bool is_unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
		c == '~';
}

/*
** Percent-encode s (NULL as "") into fresh memory from a. Only the RFC 3986
** unreserved characters are kept; '/' is encoded too, because the main use
** is a path passed as a query value (?next=%2Faccount), and a space is %20,
** which both query and path decoding read back as a space.
*/
char *http_url_encode(struct arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	char *out, *o;

	if (!s)
		s = "";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += is_unreserved(*p) ? 1 : 3;
	out = o = arena_alloc(a, n + 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (is_unreserved(*p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

/* Headers the security policy puts on every response; a handler may not
** replace or repeat them (a second Content-Security-Policy is allowed: a
** browser enforces both, so it can only tighten). Status is the CGI status
** line itself, set through resp->status. */
static const char *const resp_reserved[] = {
	"Status",
	"X-Content-Type-Options",
	"Referrer-Policy",
	"X-Frame-Options",
};

static bool hdr_name_ok(const char *name)
{
	if (!name || !*name)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (!is_tchar(*p))
			return false;
	}
	return true;
}

/* No CR or LF (which would start a new header), nor any other control
** character; bytes above 0x7f pass, as RFC 9110 obs-text. */
static bool hdr_value_ok(const char *value)
{
	if (!value)
		return false;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (is_ctl(*p))
			return false;
	}
	return true;
}

static bool hdr_ok(const char *name, const char *value)
{
	if (!hdr_name_ok(name) || !hdr_value_ok(value))
		return false;
	for (size_t i = 0; i < sizeof resp_reserved / sizeof *resp_reserved;
	    i++) {
		if (strcasecmp(name, resp_reserved[i]) == 0)
			return false;
	}
	return true;
}

/*
** Start a response on arena a: status 200, no extra headers, body (which
** the caller owns and reuses across requests; may be NULL) emptied.
*/
void http_resp_init(struct resp *r, struct arena *a, struct buf *body)
{
	r->arena = a;
	r->status = 200;
	memset(&r->headers, 0, sizeof r->headers);
	r->body = body;
	if (body)
		buf_clear(body);
}

/*
** Add a header (name and value copied to the arena). Returns 0, or -1
** with nothing added when the name is not an RFC 9110 token, the value
** holds CR, LF or another control character, either is NULL, or the name
** is one of the fixed security headers or Status.
*/
int http_resp_header(struct resp *r, const char *name, const char *value)
{
	if (!hdr_ok(name, value))
		return -1;
	kv_push(r->arena, &r->headers, arena_strdup(r->arena, name),
		arena_strdup(r->arena, value), strlen(value));
	return 0;
}

/*
** Replace the first header called name (case-insensitive; the new spelling
** is kept) or add one. Returns 0, or -1 as http_resp_header.
*/
int http_resp_set_header(struct resp *r, const char *name, const char *value)
{
	if (!hdr_ok(name, value))
		return -1;
	for (size_t i = 0; i < r->headers.n; i++) {
		struct http_kv *h = &r->headers.items[i];
		if (strcasecmp(h->name, name) == 0) {
			h->name = arena_strdup(r->arena, name);
			h->value = arena_strdup(r->arena, value);
			h->value_len = strlen(value);
			return 0;
		}
	}
	return http_resp_header(r, name, value);
}

/*
** 303 See Other to location, replacing any Location, with the body
** emptied. location must be a path on this site: it must start with one
** '/' (not "//" or "/\", which browsers read as another host) and be a
** valid header value without a tab (which browsers drop, so "/\t/host"
** would read as "//host"). Anything else redirects to "/", so a ?next= value
** copied from the query can never send a person to another site.
*/
void http_redirect(struct resp *r, const char *location)
{
	if (!location || location[0] != '/' || location[1] == '/' ||
	    location[1] == '\\' || !hdr_value_ok(location) || strchr(location, '\t'))
		location = "/";
	r->status = 303;
	http_resp_set_header(r, "Location", location);
	if (r->body)
		buf_clear(r->body);
}

/*
** Add a Set-Cookie header: name=value; Path=/; HttpOnly; SameSite=Lax,
** then Max-Age=max_age when max_age >= 0 (0 deletes the cookie), then
** Secure when secure. No Domain attribute is ever sent, so with secure a
** "__Host-" name prefix works. The name must be a token and the value made
** of RFC 6265 cookie-octets (no space, '"', ',', ';' or '\'); otherwise no
** header is added, since a cookie the browser would misread is worse
** than none.
*/
void http_set_cookie(struct resp *r, const char *name, const char *value,
	long max_age, bool secure)
{
	char age[32] = "";

	if (!hdr_name_ok(name) || !value)
		return;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		unsigned char c = *p;
		if (c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' ||
		    c == '\\')
			return;
	}
	if (max_age >= 0)
		snprintf(age, sizeof age, "; Max-Age=%ld", max_age);
	http_resp_header(r, "Set-Cookie", arena_printf(r->arena,
		"%s=%s; Path=/; HttpOnly; SameSite=Lax%s%s", name, value, age,
		secure ? "; Secure" : ""));
}

/*
** Append the CGI response head to out: the Status line (a status outside
** 100..599 is sent as 500), Content-Type text/html; charset=utf-8 unless a
** Content-Type header was set, the extra headers in order, the security
** headers, and the blank line. A header that would not pass
** http_resp_header (one pushed into r->headers by hand) is dropped.
*/
void http_resp_head(const struct resp *r, struct buf *out)
{
	int status = r->status;
	bool have_ct = false;

	if (status < 100 || status > 599)
		status = 500;
	buf_printf(out, "Status: %d %s\r\n", status, http_status_text(status));
	for (size_t i = 0; i < r->headers.n; i++) {
		if (strcasecmp(r->headers.items[i].name, "Content-Type") == 0 &&
		    hdr_ok(r->headers.items[i].name, r->headers.items[i].value))
			have_ct = true;
	}
	if (!have_ct)
		buf_puts(out, "Content-Type: text/html; charset=utf-8\r\n");
	for (size_t i = 0; i < r->headers.n; i++) {
		const struct http_kv *h = &r->headers.items[i];
		if (hdr_ok(h->name, h->value))
			buf_printf(out, "%s: %s\r\n", h->name, h->value);
	}
	buf_puts(out,
		"Content-Security-Policy: default-src 'self'; "
		"frame-ancestors 'none'\r\n"
		"X-Content-Type-Options: nosniff\r\n"
		"Referrer-Policy: same-origin\r\n"
		"X-Frame-Options: DENY\r\n"
		"\r\n");
}

/* The reason phrase for status (RFC 9110 wording), or "Unknown". */
const char *http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}
