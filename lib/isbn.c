/*
** isbn.c: ISBN checking, formatting and metadata look-up. See isbn.h.
*/
#include "isbn.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

/* Collect the digits of in (skipping hyphens and white space) into d,
** NUL-terminated when there are at most 13. Returns how many there are
** (counting stops at 14), -1 for any other character, or -2 for an X or x
** that is not the tenth and last one; an X is stored as 'X'. */
static int isbn_digits(const char *in, char d[14])
{
	int n = 0;
	bool x = false;
	for (const char *p = in; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '-' || c == ' ' || c == '\t')
			continue;
		if (x)
			return -2;                /* something after the X */
		if (c == 'X' || c == 'x') {
			if (n != 9)
				return -2;
			d[n++] = 'X';
			x = true;
		} else if (isdigit(c)) {
			if (n < 13)
				d[n] = (char)c;
			if (n < 14)
				n++;
		} else {
			return -1;
		}
	}
	if (n <= 13)
		d[n] = '\0';
	return n;
}

/* The check digit (0-9) of the first 12 digits of an ISBN-13. */
static int isbn13_check(const char *d)
{
	int sum = 0;
	for (int i = 0; i < 12; i++)
		sum += (d[i] - '0') * (i % 2 ? 3 : 1);
	return (10 - sum % 10) % 10;
}

const char *isbn_normalize(const char *in, char out[14])
{
	char d[14];
	out[0] = '\0';
	if (!in)
		return "Please enter an ISBN.";
	int n = isbn_digits(in, d);
	if (n == -1)
		return "An ISBN has only digits, hyphens and spaces (an ISBN-10 may end in X).";
	if (n == -2)
		return "Only the last character of a 10-digit ISBN can be X.";
	if (n == 0)
		return "Please enter an ISBN.";
	if (n != 10 && n != 13)
		return "An ISBN has 10 or 13 digits.";
	if (n == 13) {
		if (strncmp(d, "978", 3) && strncmp(d, "979", 3))
			return "An ISBN-13 starts with 978 or 979.";
		if (isbn13_check(d) != d[12] - '0')
			return "This ISBN's check digit is wrong; please check it for a typing mistake.";
		memcpy(out, d, 14);
		return NULL;
	}
	/* ISBN-10: the weighted sum 10*d1 + 9*d2 + ... + 1*d10 is a multiple
	** of 11, with X standing for 10. */
	int sum = 0;
	for (int i = 0; i < 10; i++)
		sum += (10 - i) * (d[i] == 'X' ? 10 : d[i] - '0');
	if (sum % 11)
		return "This ISBN's check digit is wrong; please check it for a typing mistake.";
	memcpy(out, "978", 3);
	memcpy(out + 3, d, 9);
	out[12] = (char)('0' + isbn13_check(out));
	out[13] = '\0';
	return NULL;
}

bool isbn_looks_like(const char *s)
{
	char d[14];
	if (!s)
		return false;
	int n = isbn_digits(s, d);
	return n == 10 || n == 13;
}

void isbn_format(const char *isbn13, char out[18])
{
	if (!isbn13)
		isbn13 = "";
	size_t len = strlen(isbn13);
	bool digits = len == 13;
	for (size_t i = 0; digits && i < 13; i++)
		digits = isdigit((unsigned char)isbn13[i]) != 0;
	if (!digits) {
		snprintf(out, 18, "%s", isbn13);
		return;
	}
	snprintf(out, 18, "%.3s-%.1s-%.3s-%.5s-%.1s", isbn13, isbn13 + 3,
		isbn13 + 4, isbn13 + 7, isbn13 + 12);
}

/*
** The look-up.
*/

/* One handle per process: libcurl keeps its connection cache (and DNS
** cache) in the handle, so reusing it spares a worker a TCP and TLS
** handshake per look-up. It is a cache keyed by nothing a request can
** change; isbn_curl_pid notices a fork, after which the child must not
** touch the parent's connections. */
static bool isbn_global_ok;
static CURL *isbn_curl;
static pid_t isbn_curl_pid;

int isbn_lookup_init(void)
{
	if (isbn_global_ok)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	isbn_global_ok = true;
	return 0;
}

void isbn_lookup_cleanup(void)
{
	if (isbn_curl && isbn_curl_pid == getpid())
		curl_easy_cleanup(isbn_curl);
	isbn_curl = NULL;
	if (isbn_global_ok)
		curl_global_cleanup();
	isbn_global_ok = false;
}

/* The kept handle, reset to no options, or NULL when libcurl fails. */
static CURL *isbn_handle(void)
{
	if (isbn_lookup_init() < 0)
		return NULL;
	if (isbn_curl && isbn_curl_pid != getpid()) {
		/* Inherited across fork: cleaning it up would close (and for
		** TLS, shut down) connections the parent still uses, so the
		** child leaves it alone and makes its own. */
		isbn_curl = NULL;
	}
	if (!isbn_curl) {
		isbn_curl = curl_easy_init();
		isbn_curl_pid = getpid();
	} else {
		curl_easy_reset(isbn_curl);   /* keeps the connection cache */
	}
	return isbn_curl;
}

struct isbn_body {
	struct buf b;
	bool too_big;
};

static size_t isbn_write(char *p, size_t size, size_t n, void *ud)
{
	struct isbn_body *body = ud;
	size_t len = size * n;
	if (len > ISBN_MAX_BODY - body->b.len) {
		body->too_big = true;
		return 0;                      /* makes curl stop the transfer */
	}
	buf_append(&body->b, p, len);
	return len;
}

/* Substitute isbn for every {isbn} in tmpl, or append Open Library's query
** when there is none. */
static char *isbn_url(struct arena *a, const char *tmpl, const char *isbn)
{
	if (!strstr(tmpl, "{isbn}"))
		return arena_printf(a, "%s%cbibkeys=ISBN:%s&format=json&jscmd=data",
			tmpl, strchr(tmpl, '?') ? '&' : '?', isbn);
	struct buf b = BUF_INIT;
	for (const char *p = tmpl, *q; *p; p = q + 6) {
		q = strstr(p, "{isbn}");
		if (!q) {
			buf_puts(&b, p);
			break;
		}
		buf_append(&b, p, (size_t)(q - p));
		buf_puts(&b, isbn);
	}
	char *url = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return url;
}

/* A cleaned copy of s on a, cut to max_chars characters (on a character
** boundary), without leading or trailing white space. In a single-line field
** every run of white space and control characters becomes one space; in a
** multi-line one line breaks stay (CR dropped, at most one blank line in a
** row) and other runs become one space. s is valid UTF-8: jansson refuses
** to decode anything else. */
static const char *isbn_clean(struct arena *a, const char *s, size_t max_chars,
	bool multiline)
{
	char *out = arena_alloc(a, strlen(s) + 1);
	size_t o = 0, chars = 0;
	int newlines = 0;            /* line breaks waiting to be written */
	bool space = false;          /* a space waiting to be written */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if (multiline && c == '\n') {
			newlines++;
			space = false;
			continue;
		}
		if (c <= ' ' || c == 0x7f) {
			if (!newlines)
				space = true;
			continue;
		}
		if ((c & 0xC0) != 0x80) {     /* first byte of a character */
			size_t gap = 0;
			if (o > 0)
				gap = newlines ? (newlines > 1 ? 2 : 1) : space;
			if (chars + gap + 1 > max_chars)
				break;
			for (size_t i = 0; i < gap; i++)
				out[o++] = newlines ? '\n' : ' ';
			chars += gap + 1;
			newlines = 0;
			space = false;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

/* The text of v: a JSON string, or an object {"value": string} as Open
** Library writes notes and descriptions; "" for anything else. */
static const char *isbn_text(struct arena *a, json_t *v, size_t max_chars,
	bool multiline)
{
	if (json_is_object(v))
		v = json_object_get(v, "value");
	if (!json_is_string(v))
		return "";
	return isbn_clean(a, json_string_value(v), max_chars, multiline);
}

/* The name of a list entry: a string, or an object {"name": string}. */
static const char *isbn_name(struct arena *a, json_t *v)
{
	if (json_is_object(v))
		v = json_object_get(v, "name");
	return isbn_text(a, v, ISBN_MAX_NAME, false);
}

/* Up to max non-empty names from the array v into names; returns how many. */
static int isbn_names(struct arena *a, json_t *v, const char **names, int max)
{
	int n = 0;
	size_t i;
	json_t *e;
	if (!json_is_array(v))
		return 0;
	json_array_foreach(v, i, e) {
		if (n >= max)
			break;
		const char *s = isbn_name(a, e);
		if (*s)
			names[n++] = s;
	}
	return n;
}

/* The first run of exactly four digits in s read as a year, when it is a
** plausible one (1000-2100); else 0. */
static int isbn_year(const char *s)
{
	for (const char *p = s; *p; ) {
		if (!isdigit((unsigned char)*p)) {
			p++;
			continue;
		}
		const char *q = p;
		while (isdigit((unsigned char)*q))
			q++;
		if (q - p == 4) {
			int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 +
				(p[2] - '0') * 10 + (p[3] - '0');
			if (y >= 1000 && y <= 2100)
				return y;
		}
		p = q;
	}
	return 0;
}

/* number_of_pages: an integer, or a string of digits; 0 unless 1-100000. */
static int isbn_pages(json_t *v)
{
	long long n = 0;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		for (; *s && n <= 100000; s++) {
			if (!isdigit((unsigned char)*s))
				return 0;
			n = n * 10 + (*s - '0');
		}
	}
	return n >= 1 && n <= 100000 ? (int)n : 0;
}

/* v when it is an http(s) URL without white space, quotes, backslashes or
** angle brackets (it ends up in an <img src>), else NULL. */
static const char *isbn_url_ok(json_t *v)
{
	if (!json_is_string(v))
		return NULL;
	const char *s = json_string_value(v);
	if (strlen(s) > ISBN_MAX_URL ||
	    (strncmp(s, "https://", 8) && strncmp(s, "http://", 7)))
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '"' || *p == '\'' ||
		    *p == '<' || *p == '>' || *p == '\\')
			return NULL;
	return s;
}

/* cover.large, else cover.medium, when usable; else "". */
static const char *isbn_cover(struct arena *a, json_t *cover)
{
	const char *s = isbn_url_ok(json_object_get(cover, "large"));
	if (!s)
		s = isbn_url_ok(json_object_get(cover, "medium"));
	return s ? arena_strdup(a, s) : "";
}

static void isbn_record_empty(struct isbn_record *r)
{
	memset(r, 0, sizeof *r);
	r->title = r->subtitle = r->publisher = r->pub_date = "";
	r->description = r->cover_url = "";
}

/* Fill r from one book entry of the answer. */
static void isbn_record_fill(struct arena *a, json_t *book,
	struct isbn_record *r)
{
	const char *pubs[1];
	r->title = isbn_text(a, json_object_get(book, "title"),
		ISBN_MAX_TITLE, false);
	r->subtitle = isbn_text(a, json_object_get(book, "subtitle"),
		ISBN_MAX_NAME, false);
	if (isbn_names(a, json_object_get(book, "publishers"), pubs, 1))
		r->publisher = pubs[0];
	r->pub_date = isbn_text(a, json_object_get(book, "publish_date"),
		ISBN_MAX_DATE, false);
	r->pub_year = isbn_year(r->pub_date);
	r->pages = isbn_pages(json_object_get(book, "number_of_pages"));
	r->nauthors = isbn_names(a, json_object_get(book, "authors"),
		r->authors, 8);
	r->nsubjects = isbn_names(a, json_object_get(book, "subjects"),
		r->subjects, 8);
	r->description = isbn_text(a, json_object_get(book, "notes"),
		ISBN_MAX_DESCRIPTION, true);
	if (!*r->description) {
		json_t *ex = json_array_get(json_object_get(book, "excerpts"), 0);
		r->description = isbn_text(a, json_object_get(ex, "text"),
			ISBN_MAX_DESCRIPTION, true);
	}
	if (!*r->description)
		r->description = isbn_text(a, json_object_get(book,
			"description"), ISBN_MAX_DESCRIPTION, true);
	r->cover_url = isbn_cover(a, json_object_get(book, "cover"));
}

static const char *isbn_timeout_why(struct arena *a, long ms)
{
	if (ms == 1000)
		return "The ISBN service did not answer within 1 second.";
	return arena_printf(a, "The ISBN service did not answer within %g seconds.",
		(double)ms / 1000.0);
}

/* The sentence for a failed transfer. */
static const char *isbn_curl_why(struct arena *a, CURLcode rc,
	const struct isbn_body *body, long timeout_ms)
{
	if (body->too_big || rc == CURLE_FILESIZE_EXCEEDED)
		return "The ISBN service sent an answer larger than 1 MiB.";
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return isbn_timeout_why(a, timeout_ms);
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return "The ISBN service's address (or one it redirected to) is "
			"not an http or https URL; check the isbn_url setting.";
	case CURLE_TOO_MANY_REDIRECTS:
		return "The ISBN service redirected us too many times.";
	default:
		return arena_printf(a, "The ISBN service could not be reached (%s).",
			curl_easy_strerror(rc));
	}
}

enum isbn_lookup_result isbn_lookup(const char *url_template,
	const char *isbn13, long timeout_ms, struct arena *a,
	struct isbn_record *out, const char **why)
{
	enum isbn_lookup_result res = ISBN_UNAVAILABLE;
	const char *msg = NULL;
	struct isbn_body body = { BUF_INIT, false };
	json_t *root = NULL;
	char isbn[14];

	isbn_record_empty(out);
	if (timeout_ms <= 0)
		timeout_ms = ISBN_DEFAULT_TIMEOUT_MS;
	if ((msg = isbn_normalize(isbn13, isbn)) != NULL) {
		res = ISBN_NOT_FOUND;
		goto done;
	}
	if (!url_template || !*url_template) {
		msg = "No ISBN service is configured (the isbn_url setting).";
		goto done;
	}
	CURL *h = isbn_handle();
	if (!h) {
		msg = "The ISBN look-up could not start (libcurl failed).";
		goto done;
	}
	const char *url = isbn_url(a, url_template, isbn);
	/* CURLOPT_PROTOCOLS (a bit mask) is deprecated from 7.85 and a
	** deprecation warning is an error in our build. */
#if LIBCURL_VERSION_NUM >= 0x075500
	CURLcode prc = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (prc == CURLE_OK)
		prc = curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	CURLcode prc = curl_easy_setopt(h, CURLOPT_PROTOCOLS,
		(long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	if (prc == CURLE_OK)
		prc = curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS,
			(long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	if (prc != CURLE_OK || curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK) {
		msg = isbn_curl_why(a, prc != CURLE_OK ? prc : CURLE_URL_MALFORMAT,
			&body, timeout_ms);
		goto done;
	}
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);   /* no SIGALRM in workers */
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 3L);
	/* Refused up front when the length is announced; isbn_write catches
	** the rest (chunked or unannounced bodies, decompressed size). */
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
		(curl_off_t)ISBN_MAX_BODY);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "Carrel library system (ISBN look-up)");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, isbn_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);

	CURLcode rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		msg = isbn_curl_why(a, rc, &body, timeout_ms);
		goto done;
	}
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		msg = arena_printf(a, "The ISBN service answered with an error "
			"(HTTP %ld).", status);
		goto done;
	}

	/* jansson checks that the text is UTF-8 and refuses \u0000, so every
	** string it hands out is valid UTF-8 without NUL bytes. */
	json_error_t jerr;
	root = json_loadb(body.b.data ? body.b.data : "", body.b.len, 0, &jerr);
	if (!json_is_object(root)) {
		msg = "The ISBN service sent an answer we could not read.";
		goto done;
	}
	char key[5 + 14];
	snprintf(key, sizeof key, "ISBN:%s", isbn);
	json_t *book = json_object_get(root, key);
	if (!book) {
		/* Open Library answers {} for an ISBN it does not know. */
		res = ISBN_NOT_FOUND;
		msg = "The ISBN service has no book with this ISBN.";
		goto done;
	}
	if (!json_is_object(book)) {
		msg = "The ISBN service sent an answer we could not read.";
		goto done;
	}
	isbn_record_fill(a, book, out);
	res = ISBN_FOUND;

done:
	json_decref(root);
	buf_free(&body.b);
	if (why)
		*why = msg;
	return res;
}
