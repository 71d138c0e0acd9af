/*
** test_http.c: unit tests of lib/http.c (request parsing, response head).
**
** Each test gets a fresh arena from the group setup and frees it in the
** teardown, the way a worker resets its arena after each request.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "http.h"

#define S(lit) (lit), (sizeof(lit) - 1)

static int setup(void **state)
{
	struct arena *a = malloc(sizeof *a);
	if (!a)
		return -1;
	arena_init(a, 0);
	*state = a;
	return 0;
}

static int teardown(void **state)
{
	struct arena *a = *state;
	arena_free(a);
	free(a);
	return 0;
}

/* Decode a literal; NULL when http_percent_decode refuses it. */
static char *dec(struct arena *a, const char *s, size_t len, bool plus,
	size_t *outlen)
{
	return http_percent_decode(a, s, len, plus, outlen);
}

static void test_percent_decode_ok(void **state)
{
	struct arena *a = *state;
	size_t n = 99;
	char *s;

	s = dec(a, S("a%20b"), false, &n);
	assert_string_equal(s, "a b");
	assert_int_equal(n, 3);
	assert_string_equal(dec(a, S("a+b"), false, NULL), "a+b");
	assert_string_equal(dec(a, S("a+b"), true, NULL), "a b");
	assert_string_equal(dec(a, S("%2B"), true, NULL), "+");
	assert_string_equal(dec(a, S("%c3%A9t%C3%a9"), false, NULL),
		"\xc3\xa9t\xc3\xa9");
	assert_string_equal(dec(a, S("%E2%82%AC"), false, NULL),
		"\xe2\x82\xac");
	assert_string_equal(dec(a, S("%F0%9F%93%9A"), false, NULL),
		"\xf0\x9f\x93\x9a");
	s = dec(a, "", 0, false, &n);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(n, 0);
	/* Only len bytes are read: the '%' beyond it is not seen. */
	assert_string_equal(dec(a, "ab%", 2, false, NULL), "ab");
	/* Raw UTF-8 passes through. */
	assert_string_equal(dec(a, S("caf\xc3\xa9"), false, NULL),
		"caf\xc3\xa9");
}

static void test_percent_decode_bad(void **state)
{
	struct arena *a = *state;

	assert_null(dec(a, S("%zz"), false, NULL));
	assert_null(dec(a, S("%4g"), false, NULL));
	assert_null(dec(a, S("%"), false, NULL));
	assert_null(dec(a, S("abc%"), false, NULL));
	assert_null(dec(a, S("abc%4"), false, NULL));
	assert_null(dec(a, S("%00"), false, NULL));
	assert_null(dec(a, S("a%00b"), true, NULL));
	assert_null(dec(a, "a\0b", 3, false, NULL));        /* raw NUL */
	assert_null(dec(a, S("%C0%80"), false, NULL));     /* overlong NUL */
	assert_null(dec(a, S("%C0%AF"), false, NULL));     /* overlong '/' */
	assert_null(dec(a, S("%E0%80%AF"), false, NULL));
	assert_null(dec(a, S("%ED%A0%80"), false, NULL));  /* surrogate */
	assert_null(dec(a, S("%F4%90%80%80"), false, NULL)); /* > U+10FFFF */
	assert_null(dec(a, S("%E2%82"), false, NULL));     /* truncated */
	assert_null(dec(a, S("%FF"), false, NULL));
	assert_null(dec(a, S("\xff"), false, NULL));
	/* "% 41" is not an escape with a space in it. */
	assert_null(dec(a, S("% 41"), false, NULL));
}

static void test_utf8_valid(void **state)
{
	(void)state;
	assert_true(http_utf8_valid("", 0));
	assert_true(http_utf8_valid(NULL, 0));
	assert_false(http_utf8_valid(NULL, 1));
	assert_true(http_utf8_valid(S("plain ascii")));
	assert_true(http_utf8_valid(S("\xc2\x80")));          /* U+0080 */
	assert_true(http_utf8_valid(S("\xdf\xbf")));          /* U+07FF */
	assert_true(http_utf8_valid(S("\xe0\xa0\x80")));      /* U+0800 */
	assert_true(http_utf8_valid(S("\xed\x9f\xbf")));      /* U+D7FF */
	assert_true(http_utf8_valid(S("\xee\x80\x80")));      /* U+E000 */
	assert_true(http_utf8_valid(S("\xef\xbf\xbf")));      /* U+FFFF */
	assert_true(http_utf8_valid(S("\xf0\x90\x80\x80")));  /* U+10000 */
	assert_true(http_utf8_valid(S("\xf4\x8f\xbf\xbf")));  /* U+10FFFF */
	assert_true(http_utf8_valid(S("\xf1\x80\x80\x80")));
	assert_true(http_utf8_valid(S("\xf3\xbf\xbf\xbf")));

	assert_false(http_utf8_valid(S("\x80")));             /* lone cont. */
	assert_false(http_utf8_valid(S("\xbf")));
	assert_false(http_utf8_valid(S("\xc0\x80")));         /* overlong */
	assert_false(http_utf8_valid(S("\xc1\xbf")));
	assert_false(http_utf8_valid(S("\xe0\x80\x80")));
	assert_false(http_utf8_valid(S("\xe0\x9f\xbf")));
	assert_false(http_utf8_valid(S("\xf0\x80\x80\x80")));
	assert_false(http_utf8_valid(S("\xf0\x8f\xbf\xbf")));
	assert_false(http_utf8_valid(S("\xed\xa0\x80")));     /* surrogates */
	assert_false(http_utf8_valid(S("\xed\xbf\xbf")));
	assert_false(http_utf8_valid(S("\xf4\x90\x80\x80"))); /* too big */
	assert_false(http_utf8_valid(S("\xf5\x80\x80\x80")));
	assert_false(http_utf8_valid(S("\xfe")));
	assert_false(http_utf8_valid(S("\xff")));
	assert_false(http_utf8_valid(S("\xc3")));             /* truncated */
	assert_false(http_utf8_valid(S("\xe2\x82")));
	assert_false(http_utf8_valid(S("\xf0\x9f\x93")));
	assert_false(http_utf8_valid(S("ab\xe2\x82")));
	assert_false(http_utf8_valid(S("\xe2\x28\xa1")));     /* bad cont. */
	assert_false(http_utf8_valid(S("\xc3\xc3")));
	assert_false(http_utf8_valid(S("\xf3\xbf\xbf\xc0")));
	assert_false(http_utf8_valid(S("\xe1\x80\x7f")));
	/* Truncation detected by len, not by a NUL: the 0xac is past len. */
	assert_false(http_utf8_valid("\xe2\x82\xac", 2));
}

static int urlenc(struct arena *a, const char *s, size_t len,
	const struct http_limits *lim, struct http_kvlist *l,
	struct http_error *err)
{
	memset(l, 0, sizeof *l);
	memset(err, 0, sizeof *err);
	return http_parse_urlencoded(a, s, len, lim, l, err);
}

static void test_urlencoded_basic(void **state)
{
	struct arena *a = *state;
	struct http_kvlist l;
	struct http_error err;

	assert_int_equal(urlenc(a, S("a=1&b=2"), NULL, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(http_kv_get(&l, "a"), "1");
	assert_string_equal(http_kv_get(&l, "b"), "2");
	assert_null(http_kv_get(&l, "c"));
	assert_null(http_kv_get(&l, "A"));

	assert_int_equal(urlenc(a, S("q=war+and%20peace&x%2By=%26%3D"),
		NULL, &l, &err), 0);
	assert_string_equal(http_kv_get(&l, "q"), "war and peace");
	assert_string_equal(http_kv_get(&l, "x+y"), "&=");

	/* Empty pairs skipped; no '=' means ""; '=' inside the value. */
	assert_int_equal(urlenc(a, S("&&flag&a=b=c&&empty=&"), NULL, &l,
		&err), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.items[0].name, "flag");
	assert_string_equal(l.items[0].value, "");
	assert_int_equal(l.items[0].value_len, 0);
	assert_string_equal(http_kv_get(&l, "a"), "b=c");
	assert_string_equal(http_kv_get(&l, "empty"), "");

	/* Repeated names: all kept in order, http_kv_get gives the first. */
	assert_int_equal(urlenc(a, S("k=1&k=2"), NULL, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(http_kv_get(&l, "k"), "1");
	assert_string_equal(l.items[1].value, "2");

	assert_int_equal(urlenc(a, "", 0, NULL, &l, &err), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(urlenc(a, NULL, 0, NULL, &l, &err), 0);
	assert_int_equal(urlenc(a, S("&&&"), NULL, &l, &err), 0);
	assert_int_equal(l.n, 0);

	/* Only len bytes count. */
	assert_int_equal(urlenc(a, "a=1&b=2", 3, NULL, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(http_kv_get(&l, "a"), "1");
	assert_int_equal(l.items[0].value_len, 1);
}

static void test_urlencoded_bad(void **state)
{
	struct arena *a = *state;
	struct http_kvlist l;
	struct http_error err;

	assert_int_equal(urlenc(a, S("a=%zz"), NULL, &l, &err), 400);
	assert_int_equal(err.status, 400);
	assert_non_null(err.message);
	assert_int_equal(urlenc(a, S("a=1%"), NULL, &l, &err), 400);
	assert_int_equal(urlenc(a, S("a%=1"), NULL, &l, &err), 400);

	assert_int_equal(urlenc(a, S("a=%FF"), NULL, &l, &err), 400);
	assert_string_equal(err.message,
		"The form contains text that is not valid UTF-8.");
	assert_int_equal(urlenc(a, S("a=%C0%80"), NULL, &l, &err), 400);
	assert_string_equal(err.message,
		"The form contains text that is not valid UTF-8.");
	assert_int_equal(urlenc(a, S("n%ED%A0%80=1"), NULL, &l, &err), 400);
	assert_int_equal(urlenc(a, S("a=\xe9t\xe9"), NULL, &l, &err), 400);

	assert_int_equal(urlenc(a, S("a=x%00y"), NULL, &l, &err), 400);
	assert_string_equal(err.message,
		"The form contains a character that is not allowed.");
	assert_int_equal(urlenc(a, "a=x\0y", 5, NULL, &l, &err), 400);
}

static void test_urlencoded_limits(void **state)
{
	struct arena *a = *state;
	struct http_kvlist l;
	struct http_error err;
	struct buf b = BUF_INIT;
	const struct http_limits *lim = &http_default_limits;
	size_t i;

	assert_int_equal(lim->max_body, 1024 * 1024);
	assert_int_equal(lim->max_fields, 200);
	assert_int_equal(lim->max_field_len, 64 * 1024);
	assert_int_equal(lim->max_files, 4);
	assert_int_equal(lim->max_file_size, 35 * 1024 * 1024);
	assert_int_equal(http_files_allowance(lim), 35 * 1024 * 1024);
	assert_int_equal(lim->max_cookies, 50);

	/* 200 fields pass, 201 do not. */
	for (i = 0; i < 200; i++)
		buf_printf(&b, "%sf%zu=%zu", i ? "&" : "", i, i);
	assert_int_equal(urlenc(a, b.data, b.len, lim, &l, &err), 0);
	assert_int_equal(l.n, 200);
	assert_string_equal(http_kv_get(&l, "f199"), "199");
	buf_puts(&b, "&f200=200");
	assert_int_equal(urlenc(a, b.data, b.len, lim, &l, &err), 413);
	assert_int_equal(err.status, 413);
	assert_string_equal(err.message, "The form has too many fields.");
	/* Empty pairs are not fields. */
	buf_clear(&b);
	for (i = 0; i < 200; i++)
		buf_printf(&b, "f%zu=%zu&&&", i, i);
	assert_int_equal(urlenc(a, b.data, b.len, lim, &l, &err), 0);

	/* A value of exactly 64 KiB passes; one byte more is a 413. */
	buf_clear(&b);
	buf_puts(&b, "v=");
	for (i = 0; i < 64 * 1024; i++)
		buf_putc(&b, 'x');
	assert_int_equal(urlenc(a, b.data, b.len, lim, &l, &err), 0);
	assert_int_equal(l.items[0].value_len, 64 * 1024);
	buf_putc(&b, 'x');
	assert_int_equal(urlenc(a, b.data, b.len, lim, &l, &err), 413);
	assert_string_equal(err.message, "A field of the form is too long.");

	/* The limit is on the decoded length: 64 KiB of "%41" is fine. */
	buf_clear(&b);
	buf_puts(&b, "v=");
	for (i = 0; i < 64 * 1024; i++)
		buf_puts(&b, "%41");
	assert_int_equal(urlenc(a, b.data, b.len, lim, &l, &err), 0);
	assert_int_equal(l.items[0].value_len, 64 * 1024);

	/* A long name is as bad as a long value. */
	buf_clear(&b);
	for (i = 0; i <= 64 * 1024; i++)
		buf_putc(&b, 'n');
	buf_puts(&b, "=1");
	assert_int_equal(urlenc(a, b.data, b.len, lim, &l, &err), 413);

	/* The whole body: one byte over max_body. */
	buf_clear(&b);
	while (b.len <= 1024 * 1024)
		buf_puts(&b, "a=1&");
	assert_int_equal(urlenc(a, b.data, b.len, lim, &l, &err), 413);
	assert_string_equal(err.message, "The form is too large.");

	buf_free(&b);
}

static void test_kv_add_grows(void **state)
{
	struct arena *a = *state;
	struct http_kvlist l = { 0 };
	char name[32];

	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "k%d", i);
		http_kv_add(a, &l, name, name + 1, strlen(name + 1));
	}
	assert_int_equal(l.n, 1000);
	assert_true(l.cap >= 1000);
	assert_string_equal(http_kv_get(&l, "k0"), "0");
	assert_string_equal(http_kv_get(&l, "k777"), "777");
	assert_string_equal(http_kv_get(&l, "k999"), "999");
	/* The value is copied, only value_len bytes of it. */
	http_kv_add(a, &l, "part", "abcdef", 3);
	assert_string_equal(http_kv_get(&l, "part"), "abc");
	http_kv_add(a, &l, "null", NULL, 5);
	assert_string_equal(http_kv_get(&l, "null"), "");
	assert_null(http_kv_get(NULL, "k0"));
	assert_null(http_kv_get(&l, NULL));
}

static int cookies(struct arena *a, const char *h,
	const struct http_limits *lim, struct http_kvlist *l)
{
	struct http_error err = { 0, NULL };
	memset(l, 0, sizeof *l);
	return http_parse_cookies(a, h, lim, l, &err);
}

static void test_cookies(void **state)
{
	struct arena *a = *state;
	struct http_kvlist l;

	assert_int_equal(cookies(a, "a=b; c=d", NULL, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(http_kv_get(&l, "a"), "b");
	assert_string_equal(http_kv_get(&l, "c"), "d");

	/* Odd whitespace, tabs, no space after ';'. */
	assert_int_equal(cookies(a, "  a = b ;c=d\t;\te =  f g  ;", NULL, &l),
		0);
	assert_int_equal(l.n, 3);
	assert_string_equal(http_kv_get(&l, "a"), "b");
	assert_string_equal(http_kv_get(&l, "c"), "d");
	assert_string_equal(http_kv_get(&l, "e"), "f g");

	/* Quotes removed; a lone quote is kept; '=' inside the value. */
	assert_int_equal(cookies(a, "q=\"x y\"; r=\"; s=\"\"; t=a=b==", NULL,
		&l), 0);
	assert_string_equal(http_kv_get(&l, "q"), "x y");
	assert_string_equal(http_kv_get(&l, "r"), "\"");
	assert_string_equal(http_kv_get(&l, "s"), "");
	assert_string_equal(http_kv_get(&l, "t"), "a=b==");

	/* Malformed pieces are skipped, not fatal. */
	assert_int_equal(cookies(a, "junk; =nameless; ;; a=1; =; b", NULL,
		&l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(http_kv_get(&l, "a"), "1");

	/* Not percent-decoded; empty values kept. */
	assert_int_equal(cookies(a, "p=%41%42; e=", NULL, &l), 0);
	assert_string_equal(http_kv_get(&l, "p"), "%41%42");
	assert_string_equal(http_kv_get(&l, "e"), "");

	/* Invalid UTF-8 or control characters: that cookie only is lost. */
	assert_int_equal(cookies(a, "bad=\xff\xfe; good=1; ctl=a\x01z", NULL,
		&l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(http_kv_get(&l, "good"), "1");
	assert_null(http_kv_get(&l, "bad"));
	assert_int_equal(cookies(a, "\xc3\xa9=\xc3\xa9", NULL, &l), 0);
	assert_string_equal(http_kv_get(&l, "\xc3\xa9"), "\xc3\xa9");

	/* Duplicates: the first wins (browsers send the most specific one
	** first). */
	assert_int_equal(cookies(a, "sid=one; sid=two", NULL, &l), 0);
	assert_string_equal(http_kv_get(&l, "sid"), "one");

	assert_int_equal(cookies(a, NULL, NULL, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(cookies(a, "", NULL, &l), 0);
	assert_int_equal(cookies(a, "   ", NULL, &l), 0);
	assert_int_equal(l.n, 0);
}

static void test_cookie_limits(void **state)
{
	struct arena *a = *state;
	struct http_kvlist l;
	struct http_error err = { 0, NULL };
	struct buf b = BUF_INIT;

	for (int i = 0; i < 50; i++)
		buf_printf(&b, "c%d=%d; ", i, i);
	assert_int_equal(cookies(a, b.data, NULL, &l), 0);
	assert_int_equal(l.n, 50);
	/* Ignored pieces do not count. */
	buf_puts(&b, "junk; ");
	assert_int_equal(cookies(a, b.data, NULL, &l), 0);
	buf_puts(&b, "c50=50");
	memset(&l, 0, sizeof l);
	assert_int_equal(http_parse_cookies(a, b.data, NULL, &l, &err), 413);
	assert_int_equal(err.status, 413);
	assert_non_null(err.message);

	/* An over-long value is ignored. */
	struct http_limits small = http_default_limits;
	small.max_field_len = 4;
	assert_int_equal(cookies(a, "a=1234; b=12345", &small, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(http_kv_get(&l, "a"), "1234");
	buf_free(&b);
}

#define CT "multipart/form-data; boundary=AaB03x"

static int mp(struct arena *a, const char *ct, const char *body, size_t len,
	const struct http_limits *lim, struct http_kvlist *fields,
	struct http_file **files, size_t *nfiles, struct http_error *err)
{
	memset(fields, 0, sizeof *fields);
	memset(err, 0, sizeof *err);
	*files = (struct http_file *)(uintptr_t)1;   /* must be replaced */
	*nfiles = 99;
	return http_parse_multipart(a, ct, body, len, lim, fields, files,
		nfiles, err);
}

/* File data with CRLFs, NULs, a "--AaB03x" not after CRLF, "\r\n--AaB0"
** (a prefix of the delimiter), "\r--AaB03x" and a bare LF before
** "--AaB03x". */
static const char bin[] =
	"\x00\x01\r\n\r\nX--AaB03x\xff\xfe\r\n--AaB0\n--AaB03x--\r--AaB03x"
	"\r\r\n-\x00";

static void test_multipart_basic(void **state)
{
	struct arena *a = *state;
	struct http_kvlist f;
	struct http_file *files;
	size_t nfiles;
	struct http_error err;
	struct buf b = BUF_INIT;

	buf_puts(&b,
		"--AaB03x\r\n"
		"Content-Disposition: form-data; name=\"title\"\r\n"
		"\r\n"
		"Le Rouge et le Noir \xe2\x80\x94 Stendhal\r\nline 2\r\n"
		"--AaB03x\r\n"
		"content-disposition: FORM-DATA; name=cover; "
		"filename=\"c\xc3\xa9.bin\"\r\n"
		"Content-Type: application/octet-stream\r\n"
		"\r\n");
	buf_append(&b, bin, sizeof bin - 1);
	buf_puts(&b,
		"\r\n--AaB03x\r\n"
		"Content-Disposition: form-data; name=\"empty\"\r\n"
		"\r\n"
		"\r\n--AaB03x--\r\n");

	assert_int_equal(mp(a, CT, b.data, b.len, NULL, &f, &files, &nfiles,
		&err), 0);
	assert_int_equal(err.status, 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(http_kv_get(&f, "title"),
		"Le Rouge et le Noir \xe2\x80\x94 Stendhal\r\nline 2");
	assert_string_equal(http_kv_get(&f, "empty"), "");
	assert_int_equal(nfiles, 1);
	assert_string_equal(files[0].field, "cover");
	assert_string_equal(files[0].filename, "c\xc3\xa9.bin");
	assert_string_equal(files[0].content_type,
		"application/octet-stream");
	assert_int_equal(files[0].len, sizeof bin - 1);
	assert_memory_equal(files[0].data, bin, sizeof bin - 1);
	/* The data points into the body, not a copy. */
	assert_true(files[0].data > b.data &&
		files[0].data < b.data + b.len);

	/* The same through http_req_parse. */
	struct req r;
	memset(&r, 0, sizeof r);
	r.arena = a;
	r.raw_uri = "/staff/titles/new";
	r.content_type = "Multipart/Form-Data; boundary=\"AaB03x\"";
	r.body = b.data;
	r.body_len = b.len;
	assert_int_equal(http_req_parse(&r, NULL, &err), 0);
	assert_string_equal(http_form(&r, "empty"), "");
	assert_int_equal(r.nfiles, 1);
	const struct http_file *fp = http_file_get(&r, "cover");
	assert_non_null(fp);
	assert_int_equal(fp->len, sizeof bin - 1);
	assert_null(http_file_get(&r, "title"));
	buf_free(&b);
}

static void test_multipart_variants(void **state)
{
	struct arena *a = *state;
	struct http_kvlist f;
	struct http_file *files;
	size_t nfiles;
	struct http_error err;

	/* Preamble, transport padding, no Content-Type on the file,
	** epilogue, quoted boundary with odd characters. */
	static const char body1[] =
		"This is the preamble.\r\n"
		"--b'(+_,-./:=?)\t \r\n"
		"Content-Disposition: form-data; name=\"f\"; filename=\"a.txt\""
		"\r\nX-Other: ignored\r\n"
		"\r\n"
		"hello\r\n"
		"--b'(+_,-./:=?)--\r\nepilogue --b'(+_,-./:=?) junk";
	assert_int_equal(mp(a,
		"multipart/form-data; charset=utf-8; "
		"boundary=\"b'(+_,-./:=?)\"",
		S(body1), NULL, &f, &files, &nfiles, &err), 0);
	assert_int_equal(nfiles, 1);
	assert_string_equal(files[0].content_type,
		"application/octet-stream");
	assert_int_equal(files[0].len, 5);
	assert_memory_equal(files[0].data, "hello", 5);

	/* "No file chosen": filename="" and no data: skipped. An empty
	** file that was chosen (a name, no data) is kept. */
	static const char body2[] =
		"--AaB03x\r\n"
		"Content-Disposition: form-data; name=\"a\"; filename=\"\"\r\n"
		"Content-Type: application/octet-stream\r\n"
		"\r\n"
		"\r\n--AaB03x\r\n"
		"Content-Disposition: form-data; name=\"b\"; filename=\"e\"\r\n"
		"\r\n"
		"\r\n--AaB03x--";
	assert_int_equal(mp(a, CT, S(body2), NULL, &f, &files, &nfiles, &err),
		0);
	assert_int_equal(nfiles, 1);
	assert_string_equal(files[0].field, "b");
	assert_int_equal(files[0].len, 0);
	assert_int_equal(f.n, 0);

	/* Only the closing delimiter: an empty form. */
	assert_int_equal(mp(a, CT, S("--AaB03x--\r\n"), NULL, &f, &files,
		&nfiles, &err), 0);
	assert_int_equal(f.n, 0);
	assert_int_equal(nfiles, 0);
	assert_null(files);

	/* The blank line sharing its CRLF with the delimiter (RFC 2046
	** lets a part end after its headers). */
	assert_int_equal(mp(a, CT,
		S("--AaB03x\r\nContent-Disposition: form-data; name=x\r\n"
		"\r\n--AaB03x--"), NULL, &f, &files, &nfiles, &err), 0);
	assert_string_equal(http_kv_get(&f, "x"), "");

	/* Spaces around ';' and '=', a trailing ';', a space before the
	** colon of a part header. */
	assert_int_equal(mp(a, "  multipart/form-data ; boundary = AaB03x ;",
		S("--AaB03x\r\n"
		"Content-Disposition : form-data ; name = \"x\"\r\n"
		"\r\nv\r\n--AaB03x--"), NULL, &f, &files, &nfiles, &err), 0);
	assert_string_equal(http_kv_get(&f, "x"), "v");
}

static void test_multipart_malformed(void **state)
{
	struct arena *a = *state;
	struct http_kvlist f;
	struct http_file *files;
	size_t nfiles;
	struct http_error err;
	static const char ok_part[] =
		"--AaB03x\r\n"
		"Content-Disposition: form-data; name=\"a\"\r\n"
		"\r\n"
		"1\r\n";
	static const char *const bad_bodies[] = {
		/* no closing delimiter */
		"--AaB03x\r\nContent-Disposition: form-data; name=\"a\"\r\n"
		"\r\n1\r\n",
		"--AaB03x\r\nContent-Disposition: form-data; name=\"a\"\r\n"
		"\r\n1",
		/* headers without the blank line */
		"--AaB03x\r\nContent-Disposition: form-data; name=\"a\"\r\n"
		"--AaB03x--",
		"--AaB03x\r\nContent-Disposition: form-data; name=\"a\"\r\n"
		"1\r\n--AaB03x--",
		/* no boundary at all */
		"hello world",
		"",
		/* delimiter not followed by CRLF or "--" */
		"--AaB03xyz\r\nContent-Disposition: form-data; name=a\r\n"
		"\r\n1\r\n--AaB03x--",
		"--AaB03x\nContent-Disposition: form-data; name=a\n\n1\n"
		"--AaB03x--",
		/* no Content-Disposition, wrong type, no name */
		"--AaB03x\r\nContent-Type: text/plain\r\n\r\n1\r\n--AaB03x--",
		"--AaB03x\r\nContent-Disposition: attachment; name=a\r\n"
		"\r\n1\r\n--AaB03x--",
		"--AaB03x\r\nContent-Disposition: form-data; filename=a\r\n"
		"\r\n1\r\n--AaB03x--",
		"--AaB03x\r\n\r\n1\r\n--AaB03x--",
		/* two Content-Dispositions, two names, unclosed quote */
		"--AaB03x\r\nContent-Disposition: form-data; name=a\r\n"
		"Content-Disposition: form-data; name=b\r\n\r\n1\r\n"
		"--AaB03x--",
		"--AaB03x\r\nContent-Disposition: form-data; name=a; name=b\r\n"
		"\r\n1\r\n--AaB03x--",
		"--AaB03x\r\nContent-Disposition: form-data; name=\"a\r\n"
		"\r\n1\r\n--AaB03x--",
		/* a header line without a colon, folding, a control char */
		"--AaB03x\r\nContent-Disposition: form-data; name=a\r\n"
		"garbage\r\n\r\n1\r\n--AaB03x--",
		"--AaB03x\r\nContent-Disposition: form-data;\r\n name=a\r\n"
		"\r\n1\r\n--AaB03x--",
		"--AaB03x\r\nContent-Disposition: form-data; name=\"a\x01\"\r\n"
		"\r\n1\r\n--AaB03x--",
		/* two Content-Types, two filenames */
		"--AaB03x\r\nContent-Disposition: form-data; name=a; "
		"filename=b\r\nContent-Type: text/plain\r\n"
		"content-type: image/png\r\n\r\n1\r\n--AaB03x--",
		"--AaB03x\r\nContent-Disposition: form-data; name=a; "
		"filename=b; filename=c\r\n\r\n1\r\n--AaB03x--",
		/* a file's Content-Type that is not UTF-8 */
		"--AaB03x\r\nContent-Disposition: form-data; name=a; "
		"filename=b\r\nContent-Type: \xff\r\n\r\n1\r\n--AaB03x--",
	};

	for (size_t i = 0; i < sizeof bad_bodies / sizeof *bad_bodies; i++) {
		const char *body = bad_bodies[i];
		int rc = mp(a, CT, body, strlen(body), NULL, &f, &files,
			&nfiles, &err);
		if (rc != 400)
			fail_msg("body %zu: got %d", i, rc);
		assert_string_equal(err.message, "The upload is malformed.");
		assert_int_equal(nfiles, 0);
	}

	/* Bad content types, with a good body. */
	static const char *const bad_types[] = {
		NULL,
		"",
		"multipart/form-data",
		"multipart/form-data; boundary=",
		"multipart/form-data; boundary=\"\"",
		"multipart/form-data; boundary=\"AaB03x",
		"multipart/form-data; boundary=AaB03x; boundary=AaB03x",
		"multipart/mixed; boundary=AaB03x",
		"text/plain; boundary=AaB03x",
		"multipart/form-data; boundary=AaB03x garbage",
		"multipart/form-data; =x; boundary=AaB03x",
		"multipart/form-data; boundary=\"AaB03x \"",
		"multipart/form-data; boundary="
		"12345678901234567890123456789012345678901234567890"
		"123456789012345678901",
	};
	char body[256];
	snprintf(body, sizeof body, "%s--AaB03x--", ok_part);
	assert_int_equal(mp(a, CT, body, strlen(body), NULL, &f, &files,
		&nfiles, &err), 0);
	for (size_t i = 0; i < sizeof bad_types / sizeof *bad_types; i++) {
		int rc = mp(a, bad_types[i], body, strlen(body), NULL, &f,
			&files, &nfiles, &err);
		if (rc != 400)
			fail_msg("type %zu: got %d", i, rc);
	}
	/* 70 characters is the most RFC 2046 allows, and it works. */
	const char *b70 = "1234567890123456789012345678901234567890"
		"123456789012345678901234567890";
	char ct[128], body70[256];
	snprintf(ct, sizeof ct, "multipart/form-data; boundary=%s", b70);
	snprintf(body70, sizeof body70,
		"--%s\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n"
		"--%s--", b70, b70);
	assert_int_equal(mp(a, ct, body70, strlen(body70), NULL, &f, &files,
		&nfiles, &err), 0);
	assert_string_equal(http_kv_get(&f, "a"), "1");

	/* Invalid UTF-8 or a NUL in a field is a 400 too. */
	static const char bad_utf8[] =
		"--AaB03x\r\nContent-Disposition: form-data; name=a\r\n\r\n"
		"\xc0\x80\r\n--AaB03x--";
	assert_int_equal(mp(a, CT, S(bad_utf8), NULL, &f, &files, &nfiles,
		&err), 400);
	assert_string_equal(err.message,
		"The form contains text that is not valid UTF-8.");
	static const char nul[] =
		"--AaB03x\r\nContent-Disposition: form-data; name=a\r\n\r\n"
		"x\0y\r\n--AaB03x--";
	assert_int_equal(mp(a, CT, S(nul), NULL, &f, &files, &nfiles, &err),
		400);
	static const char bad_name[] =
		"--AaB03x\r\nContent-Disposition: form-data; name=\"\xff\"\r\n"
		"\r\n1\r\n--AaB03x--";
	assert_int_equal(mp(a, CT, S(bad_name), NULL, &f, &files, &nfiles,
		&err), 400);
	static const char bad_fname[] =
		"--AaB03x\r\nContent-Disposition: form-data; name=f; "
		"filename=\"\xed\xa0\x80\"\r\n\r\n1\r\n--AaB03x--";
	assert_int_equal(mp(a, CT, S(bad_fname), NULL, &f, &files, &nfiles,
		&err), 400);
}

static void add_file_part(struct buf *b, const char *name, size_t len)
{
	buf_printf(b, "--AaB03x\r\nContent-Disposition: form-data; "
		"name=\"%s\"; filename=\"%s.pdf\"\r\n"
		"Content-Type: application/pdf\r\n\r\n", name, name);
	char *p = buf_reserve(b, len);
	memset(p, 'z', len);
	b->len += len;
	buf_puts(b, "\r\n");
}

static void test_multipart_limits(void **state)
{
	struct arena *a = *state;
	struct http_kvlist f;
	struct http_file *files;
	size_t nfiles;
	struct http_error err;
	struct buf b = BUF_INIT;
	struct http_limits lim = http_default_limits;

	lim.max_file_size = 1000;
	lim.max_files = 2;
	lim.max_fields = 3;
	lim.max_field_len = 10;
	lim.max_body = 2000;

	/* A file of exactly the limit passes; one byte more is 413. */
	add_file_part(&b, "a", 1000);
	buf_puts(&b, "--AaB03x--");
	assert_int_equal(mp(a, CT, b.data, b.len, &lim, &f, &files, &nfiles,
		&err), 0);
	assert_int_equal(nfiles, 1);
	assert_int_equal(files[0].len, 1000);
	assert_string_equal(files[0].content_type, "application/pdf");
	buf_clear(&b);
	add_file_part(&b, "a", 1001);
	buf_puts(&b, "--AaB03x--");
	assert_int_equal(mp(a, CT, b.data, b.len, &lim, &f, &files, &nfiles,
		&err), 413);
	assert_string_equal(err.message, "A file is too large.");
	assert_int_equal(nfiles, 0);

	/* Files together over max_files_total: 413, though each is small
	** enough; under it they pass. */
	lim.max_files_total = 1500;
	buf_clear(&b);
	add_file_part(&b, "a", 800);
	add_file_part(&b, "b", 800);
	buf_puts(&b, "--AaB03x--");
	assert_int_equal(mp(a, CT, b.data, b.len, &lim, &f, &files, &nfiles,
		&err), 413);
	assert_string_equal(err.message, "The files uploaded together are too large.");
	buf_clear(&b);
	add_file_part(&b, "a", 800);
	add_file_part(&b, "b", 700);
	buf_puts(&b, "--AaB03x--");
	assert_int_equal(mp(a, CT, b.data, b.len, &lim, &f, &files, &nfiles,
		&err), 0);
	assert_int_equal(nfiles, 2);
	lim.max_files_total = 0;

	/* Too many files. */
	buf_clear(&b);
	add_file_part(&b, "a", 10);
	add_file_part(&b, "b", 10);
	add_file_part(&b, "c", 10);
	buf_puts(&b, "--AaB03x--");
	assert_int_equal(mp(a, CT, b.data, b.len, &lim, &f, &files, &nfiles,
		&err), 413);
	assert_string_equal(err.message,
		"Too many files were uploaded at once.");

	/* Too many fields, a field too long. */
	buf_clear(&b);
	for (int i = 0; i < 4; i++)
		buf_printf(&b, "--AaB03x\r\nContent-Disposition: form-data; "
			"name=f%d\r\n\r\nv\r\n", i);
	buf_puts(&b, "--AaB03x--");
	assert_int_equal(mp(a, CT, b.data, b.len, &lim, &f, &files, &nfiles,
		&err), 413);
	assert_string_equal(err.message, "The form has too many fields.");
	buf_clear(&b);
	buf_puts(&b, "--AaB03x\r\nContent-Disposition: form-data; name=f\r\n"
		"\r\n0123456789A\r\n--AaB03x--");
	assert_int_equal(mp(a, CT, b.data, b.len, &lim, &f, &files, &nfiles,
		&err), 413);
	assert_string_equal(err.message, "A field of the form is too long.");
	/* So is a part's name. */
	buf_clear(&b);
	buf_puts(&b, "--AaB03x\r\nContent-Disposition: form-data; "
		"name=n0123456789\r\n\r\nv\r\n--AaB03x--");
	assert_int_equal(mp(a, CT, b.data, b.len, &lim, &f, &files, &nfiles,
		&err), 413);

	/* The whole body: 2 files of 1000 plus 2000 for the rest. */
	buf_clear(&b);
	while (b.len <= 2 * 1000 + 2000)
		buf_puts(&b, "preamble ");
	buf_puts(&b, "\r\n--AaB03x--");
	assert_int_equal(mp(a, CT, b.data, b.len, &lim, &f, &files, &nfiles,
		&err), 413);
	assert_string_equal(err.message, "The upload is too large.");

	/* Non-file bytes beyond max_body, even when the total is under. */
	buf_clear(&b);
	while (b.len <= 2100)
		buf_puts(&b, "preamble ");
	buf_puts(&b, "\r\n--AaB03x\r\nContent-Disposition: form-data; "
		"name=f\r\n\r\nv\r\n--AaB03x--");
	assert_int_equal(mp(a, CT, b.data, b.len, &lim, &f, &files, &nfiles,
		&err), 413);
	assert_string_equal(err.message, "The form is too large.");

	/* More files than the first array holds: it grows, nothing lost. */
	struct http_limits many = http_default_limits;
	many.max_files = 9;
	buf_clear(&b);
	for (int i = 0; i < 9; i++) {
		char name[16];
		snprintf(name, sizeof name, "f%d", i);
		add_file_part(&b, name, (size_t)i * 100);
	}
	buf_puts(&b, "--AaB03x--");
	assert_int_equal(mp(a, CT, b.data, b.len, &many, &f, &files, &nfiles,
		&err), 0);
	assert_int_equal(nfiles, 9);
	for (size_t i = 0; i < 9; i++) {
		char name[16];
		snprintf(name, sizeof name, "f%zu", i);
		assert_string_equal(files[i].field, name);
		assert_int_equal(files[i].len, i * 100);
		for (size_t k = 0; k < files[i].len; k++)
			assert_int_equal(files[i].data[k], 'z');
	}

	/* Many "no file chosen" parts are bounded by fields + files. */
	buf_clear(&b);
	for (int i = 0; i < 6; i++)
		buf_puts(&b, "--AaB03x\r\nContent-Disposition: form-data; "
			"name=f; filename=\"\"\r\n\r\n\r\n");
	buf_puts(&b, "--AaB03x--");
	assert_int_equal(mp(a, CT, b.data, b.len, &lim, &f, &files, &nfiles,
		&err), 413);
	buf_free(&b);
}

static void test_req_parse(void **state)
{
	struct arena *a = *state;
	struct req r;
	struct http_error err;

	memset(&r, 0, sizeof r);
	r.arena = a;
	r.method = "POST";
	r.raw_uri = "/titles/caf%C3%A9+1/hold?next=%2Faccount&x";
	r.cookie_header = "sid=abc; theme=\"dark\"";
	r.content_type = "Application/X-WWW-Form-Urlencoded ; charset=UTF-8";
	r.body = "csrf=tok&name=Ada+Lovelace";
	r.body_len = strlen(r.body);
	assert_int_equal(http_req_parse(&r, &http_default_limits, &err), 0);
	assert_int_equal(err.status, 0);
	assert_string_equal(r.path, "/titles/caf\xc3\xa9+1/hold");
	assert_string_equal(r.query_string, "next=%2Faccount&x");
	assert_string_equal(http_query(&r, "next"), "/account");
	assert_string_equal(http_query(&r, "x"), "");
	assert_string_equal(http_cookie(&r, "sid"), "abc");
	assert_string_equal(http_cookie(&r, "theme"), "dark");
	assert_string_equal(http_form(&r, "name"), "Ada Lovelace");
	assert_string_equal(http_form(&r, "csrf"), "tok");
	assert_null(http_form(&r, "next"));
	assert_null(http_file_get(&r, "name"));

	/* QUERY_STRING given: it is what is parsed. */
	memset(&r, 0, sizeof r);
	r.arena = a;
	r.raw_uri = "/catalogue?q=ignored";
	r.query_string = "q=dune&page=2";
	assert_int_equal(http_req_parse(&r, NULL, NULL), 0);
	assert_string_equal(r.path, "/catalogue");
	assert_string_equal(http_query(&r, "q"), "dune");
	assert_null(http_cookie(&r, "sid"));

	/* A body of another type is left alone. */
	memset(&r, 0, sizeof r);
	r.arena = a;
	r.raw_uri = "/";
	r.content_type = "application/json";
	r.body = "{\"a\":1}";
	r.body_len = 7;
	assert_int_equal(http_req_parse(&r, NULL, &err), 0);
	assert_int_equal(r.form.n, 0);
	/* "application/x-www-form-urlencodedX" is another type too. */
	r.content_type = "application/x-www-form-urlencodedX";
	r.body = "a=1";
	r.body_len = 3;
	assert_int_equal(http_req_parse(&r, NULL, &err), 0);
	assert_int_equal(r.form.n, 0);
}

static void test_req_parse_errors(void **state)
{
	struct arena *a = *state;
	struct req r;
	struct http_error err;
	static const char *const bad_uris[] = {
		NULL, "", "titles", "http://x/", "/a%00b", "/a%zz", "/a%",
		"/%C0%AF", "/%ED%A0%80", "/\xff",
	};

	for (size_t i = 0; i < sizeof bad_uris / sizeof *bad_uris; i++) {
		memset(&r, 0, sizeof r);
		r.arena = a;
		r.raw_uri = bad_uris[i];
		assert_int_equal(http_req_parse(&r, NULL, &err), 400);
		assert_string_equal(err.message, "The address is malformed.");
	}

	memset(&r, 0, sizeof r);
	r.arena = a;
	r.raw_uri = "/?a=%FF";
	assert_int_equal(http_req_parse(&r, NULL, &err), 400);
	assert_string_equal(err.message, "The address is malformed.");

	struct http_limits lim = http_default_limits;
	lim.max_fields = 1;
	memset(&r, 0, sizeof r);
	r.arena = a;
	r.raw_uri = "/?a=1&b=2";
	assert_int_equal(http_req_parse(&r, &lim, &err), 413);

	memset(&r, 0, sizeof r);
	r.arena = a;
	r.raw_uri = "/login";
	r.content_type = "application/x-www-form-urlencoded";
	r.body = "email=%E9";
	r.body_len = strlen(r.body);
	assert_int_equal(http_req_parse(&r, NULL, &err), 400);
	assert_string_equal(err.message,
		"The form contains text that is not valid UTF-8.");

	memset(&r, 0, sizeof r);
	r.arena = a;
	r.raw_uri = "/upload";
	r.content_type = " multipart/form-data; boundary=x";
	r.body = "--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1";
	r.body_len = strlen(r.body);
	assert_int_equal(http_req_parse(&r, NULL, &err), 400);
	assert_string_equal(err.message, "The upload is malformed.");
	/* Too many cookies fail the request. */
	struct buf b = BUF_INIT;
	for (int i = 0; i <= 50; i++)
		buf_printf(&b, "c%d=%d; ", i, i);
	r.cookie_header = b.data;
	assert_int_equal(http_req_parse(&r, NULL, &err), 413);
	r.cookie_header = NULL;
	buf_free(&b);

	/* An empty body is not parsed, even when its type says multipart. */
	r.body_len = 0;
	assert_int_equal(http_req_parse(&r, NULL, &err), 0);
}

static void test_url_encode(void **state)
{
	struct arena *a = *state;

	assert_string_equal(http_url_encode(a, "/account/loans?x=1&y=a b"),
		"%2Faccount%2Floans%3Fx%3D1%26y%3Da%20b");
	assert_string_equal(http_url_encode(a, "AZaz09-_.~"), "AZaz09-_.~");
	assert_string_equal(http_url_encode(a, "\xc3\xa9+%#"),
		"%C3%A9%2B%25%23");
	assert_string_equal(http_url_encode(a, ""), "");
	assert_string_equal(http_url_encode(a, NULL), "");
	/* Round trip through the query decoder. */
	const char *orig = "/a b+c?d=e&f%\xe2\x82\xac";
	char *enc = http_url_encode(a, orig);
	assert_string_equal(http_percent_decode(a, enc, strlen(enc), true,
		NULL), orig);
}

static void test_resp_headers(void **state)
{
	struct arena *a = *state;
	struct resp r;
	struct buf body = BUF_INIT, head = BUF_INIT;

	buf_puts(&body, "stale");
	http_resp_init(&r, a, &body);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.headers.n, 0);
	assert_int_equal(body.len, 0);

	assert_int_equal(http_resp_header(&r, "X-Test", "ok"), 0);
	/* Injection refused: CR, LF in value or name, bad names. */
	assert_int_equal(http_resp_header(&r, "X-A", "a\r\nSet-Cookie: x=1"),
		-1);
	assert_int_equal(http_resp_header(&r, "X-A", "a\nb"), -1);
	assert_int_equal(http_resp_header(&r, "X-A", "a\rb"), -1);
	assert_int_equal(http_resp_header(&r, "X-A", "a\x01"), -1);
	assert_int_equal(http_resp_header(&r, "X-A\r\nX-B", "1"), -1);
	assert_int_equal(http_resp_header(&r, "X-A: b", "1"), -1);
	assert_int_equal(http_resp_header(&r, "X A", "1"), -1);
	assert_int_equal(http_resp_header(&r, "", "1"), -1);
	assert_int_equal(http_resp_header(&r, NULL, "1"), -1);
	assert_int_equal(http_resp_header(&r, "X-A", NULL), -1);
	assert_int_equal(http_resp_set_header(&r, "X-A", "a\r\n"), -1);
	/* The security headers cannot be replaced. */
	assert_int_equal(http_resp_header(&r, "x-frame-options", "ALLOW"), -1);
	assert_int_equal(http_resp_header(&r, "Referrer-Policy", "unsafe-url"),
		-1);
	assert_int_equal(http_resp_header(&r, "X-Content-Type-Options", "x"),
		-1);
	assert_int_equal(http_resp_header(&r, "Status", "200 OK"), -1);
	assert_int_equal(r.headers.n, 1);
	/* Tabs and UTF-8 are fine in a value. */
	assert_int_equal(http_resp_header(&r, "X-U", "a\tb \xc3\xa9"), 0);

	/* set_header replaces the first, case-insensitively. */
	assert_int_equal(http_resp_set_header(&r, "x-test", "new"), 0);
	assert_int_equal(r.headers.n, 2);
	assert_string_equal(http_kv_get(&r.headers, "x-test"), "new");
	assert_int_equal(http_resp_set_header(&r, "X-New", "1"), 0);
	assert_int_equal(r.headers.n, 3);

	http_resp_head(&r, &head);
	const char *h = buf_str(&head);
	assert_true(strncmp(h, "Status: 200 OK\r\n", 16) == 0);
	assert_non_null(strstr(h,
		"\r\nContent-Type: text/html; charset=utf-8\r\n"));
	assert_non_null(strstr(h, "\r\nx-test: new\r\n"));
	assert_non_null(strstr(h, "\r\nX-U: a\tb \xc3\xa9\r\n"));
	assert_non_null(strstr(h, "\r\nContent-Security-Policy: "
		"default-src 'self'; frame-ancestors 'none'\r\n"));
	assert_non_null(strstr(h, "\r\nX-Content-Type-Options: nosniff\r\n"));
	assert_non_null(strstr(h, "\r\nReferrer-Policy: same-origin\r\n"));
	assert_non_null(strstr(h, "\r\nX-Frame-Options: DENY\r\n"));
	assert_null(strstr(h, "X-A"));
	/* Ends with exactly one blank line, which is the only one. */
	assert_true(head.len >= 4);
	assert_string_equal(h + head.len - 4, "\r\n\r\n");
	assert_true(strstr(h, "\r\n\r\n") == h + head.len - 4);
	/* No bare LF or CR anywhere. */
	for (size_t i = 0; i < head.len; i++) {
		if (h[i] == '\n')
			assert_true(i > 0 && h[i - 1] == '\r');
		if (h[i] == '\r')
			assert_true(h[i + 1] == '\n');
	}
	buf_free(&head);
	buf_free(&body);
}

static void test_resp_content_type(void **state)
{
	struct arena *a = *state;
	struct resp r;
	struct buf head = BUF_INIT;

	http_resp_init(&r, a, NULL);
	r.status = 404;
	assert_int_equal(http_resp_set_header(&r, "content-type",
		"text/csv; charset=utf-8"), 0);
	http_resp_head(&r, &head);
	assert_true(strncmp(buf_str(&head), "Status: 404 Not Found\r\n", 23)
		== 0);
	assert_non_null(strstr(buf_str(&head),
		"content-type: text/csv; charset=utf-8\r\n"));
	assert_null(strstr(buf_str(&head), "text/html"));
	assert_non_null(strstr(buf_str(&head), "X-Frame-Options: DENY"));

	/* A header pushed by hand past the checks is dropped. */
	buf_clear(&head);
	http_resp_init(&r, a, NULL);
	r.status = 7;
	http_kv_add(a, &r.headers, "X-Evil", "a\r\nSet-Cookie: x", 16);
	http_resp_head(&r, &head);
	assert_true(strncmp(buf_str(&head),
		"Status: 500 Internal Server Error\r\n", 35) == 0);
	assert_null(strstr(buf_str(&head), "Evil"));
	assert_null(strstr(buf_str(&head), "Set-Cookie"));
	buf_free(&head);
}

static void test_redirect(void **state)
{
	struct arena *a = *state;
	struct resp r;
	struct buf body = BUF_INIT, head = BUF_INIT;

	http_resp_init(&r, a, &body);
	buf_puts(&body, "<p>half a page</p>");
	http_resp_set_header(&r, "Location", "/old");
	http_redirect(&r, "/account?tab=loans");
	assert_int_equal(r.status, 303);
	assert_int_equal(body.len, 0);
	assert_int_equal(r.headers.n, 1);
	assert_string_equal(http_kv_get(&r.headers, "Location"),
		"/account?tab=loans");
	http_resp_head(&r, &head);
	assert_true(strncmp(buf_str(&head), "Status: 303 See Other\r\n", 23)
		== 0);
	assert_non_null(strstr(buf_str(&head),
		"\r\nLocation: /account?tab=loans\r\n"));

	/* Off-site or broken targets go home instead. */
	static const char *const bad[] = {
		"//evil.example/", "/\\evil.example", "https://evil.example/",
		"account", "", NULL, "/a\r\nSet-Cookie: x=1", "/a\nb",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		http_resp_init(&r, a, &body);
		http_redirect(&r, bad[i]);
		assert_int_equal(r.status, 303);
		assert_string_equal(http_kv_get(&r.headers, "Location"), "/");
	}
	buf_free(&head);
	buf_free(&body);
}

static void test_set_cookie(void **state)
{
	struct arena *a = *state;
	struct resp r;

	http_resp_init(&r, a, NULL);
	http_set_cookie(&r, "sid", "abc123", -1, false);
	http_set_cookie(&r, "sid", "", 0, true);
	http_set_cookie(&r, "__Host-sid", "x_y-z", 3600, true);
	assert_int_equal(r.headers.n, 3);
	assert_string_equal(r.headers.items[0].name, "Set-Cookie");
	assert_string_equal(r.headers.items[0].value,
		"sid=abc123; Path=/; HttpOnly; SameSite=Lax");
	assert_string_equal(r.headers.items[1].value,
		"sid=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure");
	assert_string_equal(r.headers.items[2].value,
		"__Host-sid=x_y-z; Path=/; HttpOnly; SameSite=Lax; "
		"Max-Age=3600; Secure");

	/* Values or names a browser would misread are refused. */
	http_set_cookie(&r, "sid", "a;b", -1, false);
	http_set_cookie(&r, "sid", "a b", -1, false);
	http_set_cookie(&r, "sid", "a\r\nX: y", -1, false);
	http_set_cookie(&r, "sid", "\"q\"", -1, false);
	http_set_cookie(&r, "sid", "a\\b", -1, false);
	http_set_cookie(&r, "sid", "a,b", -1, false);
	http_set_cookie(&r, "sid", "caf\xc3\xa9", -1, false);
	http_set_cookie(&r, "s=d", "x", -1, false);
	http_set_cookie(&r, "", "x", -1, false);
	http_set_cookie(&r, NULL, "x", -1, false);
	http_set_cookie(&r, "sid", NULL, -1, false);
	assert_int_equal(r.headers.n, 3);
}

static void test_status_text(void **state)
{
	static const struct { int code; const char *text; } t[] = {
		{ 200, "OK" }, { 201, "Created" }, { 204, "No Content" },
		{ 301, "Moved Permanently" }, { 302, "Found" },
		{ 303, "See Other" }, { 304, "Not Modified" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 409, "Conflict" },
		{ 413, "Content Too Large" },
		{ 415, "Unsupported Media Type" },
		{ 422, "Unprocessable Content" },
		{ 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 502, "Bad Gateway" },
		{ 503, "Service Unavailable" },
		{ 0, "Unknown" }, { 418, "Unknown" }, { -1, "Unknown" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		assert_string_equal(http_status_text(t[i].code), t[i].text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_percent_decode_ok, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_percent_decode_bad, setup,
			teardown),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test_setup_teardown(test_urlencoded_basic, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_urlencoded_bad, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_urlencoded_limits, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_kv_add_grows, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_cookies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cookie_limits, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_multipart_basic, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_multipart_variants, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_multipart_malformed, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_multipart_limits, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_req_parse, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_req_parse_errors, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_url_encode, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_resp_headers, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_resp_content_type, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_redirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_cookie, setup,
			teardown),
		cmocka_unit_test(test_status_text),
	};
	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
