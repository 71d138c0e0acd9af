/*
** fuzz_http.c: libFuzzer harness for the request parsers of lib/http.c.
**
**     clang -g -O1 -fsanitize=fuzzer,address,undefined \
**         -fno-sanitize-recover=undefined -Ilib \
**         lib/arena.c lib/http.c tests/fuzz/fuzz_http.c -o /tmp/fuzz_http
**     /tmp/fuzz_http -max_total_time=120 tests/fuzz/corpus/http
**
** Each input goes, under a fresh arena, to the urlencoded parser, the
** cookie parser, the multipart parser (with a fixed boundary, and with the
** input's first line as the content type), the percent decoder and the
** whole-request parser; then the promises http.h makes about the results
** are checked, so a wrong answer is a crash just as an overflow is.
** Copies of the input are made with malloc at their exact size, so ASan
** sees a read one byte past the end (arena memory is padded).
*/
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small limits reach the 413 paths with small inputs. */
static const struct http_limits small_limits = {
	.max_body = 512,
	.max_fields = 8,
	.max_field_len = 64,
	.max_files = 2,
	.max_file_size = 256,
	.max_cookies = 6,
};

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* Every list promises NUL-terminated, valid UTF-8 names and values with
** no NUL inside. */
static void check_list(const struct http_kvlist *l)
{
	check(l->n <= l->cap || l->n == 0);
	for (size_t i = 0; i < l->n; i++) {
		const struct http_kv *kv = &l->items[i];
		size_t nlen = strlen(kv->name);
		check(strlen(kv->value) == kv->value_len);
		check(http_utf8_valid(kv->name, nlen));
		check(http_utf8_valid(kv->value, kv->value_len));
	}
}

static void check_error(int rc, const struct http_error *err)
{
	if (rc == 0)
		return;
	check(rc == 400 || rc == 413);
	check(err->status == rc);
	check(err->message != NULL && err->message[0] != '\0');
}

static void check_files(const struct http_file *files, size_t n,
	const char *body, size_t len, const struct http_limits *lim)
{
	check(n <= lim->max_files);
	for (size_t i = 0; i < n; i++) {
		const struct http_file *f = &files[i];
		check(f->len <= lim->max_file_size);
		check(f->data >= body && f->data <= body + len);
		check(f->len <= (size_t)(body + len - f->data));
		check(http_utf8_valid(f->field, strlen(f->field)));
		check(http_utf8_valid(f->filename, strlen(f->filename)));
		check(f->content_type != NULL);
	}
}

static void run_multipart(struct arena *a, const char *ct, const char *body,
	size_t len, const struct http_limits *lim)
{
	struct http_kvlist fields = { 0 };
	struct http_file *files = NULL;
	size_t nfiles = 0;
	struct http_error err = { 0, NULL };
	int rc;

	rc = http_parse_multipart(a, ct, body, len, lim, &fields, &files,
		&nfiles, &err);
	check_error(rc, &err);
	check_list(&fields);
	if (rc == 0) {
		check(fields.n <= lim->max_fields);
		check_files(files, nfiles, body, len, lim);
	} else {
		check(nfiles == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct arena a;
	struct http_error err = { 0, NULL };
	struct http_kvlist l;
	char *cstr, *ct;
	const char *nl;
	size_t n;
	int rc;

	arena_init(&a, 0);
	cstr = malloc(size + 1);
	if (!cstr)
		return 0;
	memcpy(cstr, data, size);
	cstr[size] = '\0';

	for (int pass = 0; pass < 2; pass++) {
		const struct http_limits *lim = pass ? &small_limits :
			&http_default_limits;

		memset(&l, 0, sizeof l);
		rc = http_parse_urlencoded(&a, in, size, lim, &l, &err);
		check_error(rc, &err);
		check_list(&l);
		if (rc == 0)
			check(l.n <= lim->max_fields);

		memset(&l, 0, sizeof l);
		rc = http_parse_cookies(&a, cstr, lim, &l, &err);
		check_error(rc, &err);
		check_list(&l);
		if (rc == 0)
			check(l.n <= lim->max_cookies);

		run_multipart(&a, "multipart/form-data; boundary=XyZ", in,
			size, lim);
	}

	/* First line as the content type, the rest as the body. */
	nl = memchr(in, '\n', size);
	if (nl) {
		size_t clen = (size_t)(nl - in);
		size_t blen = size - clen - 1;
		char *body = malloc(blen ? blen : 1);
		ct = malloc(clen + 1);
		if (body && ct) {
			memcpy(ct, in, clen);
			ct[clen] = '\0';
			memcpy(body, nl + 1, blen);
			run_multipart(&a, ct, body, blen, &small_limits);
			run_multipart(&a, ct, body, blen, &http_default_limits);

			/* And as a whole request: raw_uri from the first
			** line, the rest as a urlencoded then multipart
			** body. */
			for (int k = 0; k < 2; k++) {
				struct req r;
				memset(&r, 0, sizeof r);
				r.arena = &a;
				r.raw_uri = ct;
				r.cookie_header = ct;
				r.content_type = k ? "multipart/form-data; "
					"boundary=XyZ" :
					"application/x-www-form-urlencoded";
				r.body = body;
				r.body_len = blen;
				rc = http_req_parse(&r, &small_limits, &err);
				check_error(rc, &err);
				check_list(&r.query);
				check_list(&r.form);
				check_list(&r.cookies);
				if (rc == 0) {
					check(r.path[0] == '/');
					check_files(r.files, r.nfiles, body,
						blen, &small_limits);
				}
			}
		}
		free(body);
		free(ct);
	}

	for (int plus = 0; plus < 2; plus++) {
		char *d = http_percent_decode(&a, in, size, plus, &n);
		if (d) {
			check(n <= size);
			check(strlen(d) == n);
			check(http_utf8_valid(d, n));
			/* Encoding then decoding gives the text back. */
			char *e = http_url_encode(&a, d);
			size_t n2;
			char *d2 = http_percent_decode(&a, e, strlen(e), plus,
				&n2);
			check(d2 && n2 == n && memcmp(d, d2, n) == 0);
		}
	}
	check(http_utf8_valid(in, size) == http_utf8_valid(cstr, size));

	/* The response side: whatever the header text, the head holds no
	** CR or LF but those ending its lines. */
	{
		struct resp resp;
		struct buf head = BUF_INIT;
		const char *h;

		http_resp_init(&resp, &a, NULL);
		http_resp_header(&resp, "X-Fuzz", cstr);
		http_resp_header(&resp, cstr, "1");
		http_set_cookie(&resp, "c", cstr, 60, true);
		http_redirect(&resp, cstr);
		http_resp_head(&resp, &head);
		h = buf_str(&head);
		for (size_t i = 0; i < head.len; i++) {
			if (h[i] == '\n')
				check(i > 0 && h[i - 1] == '\r');
			if (h[i] == '\r')
				check(h[i + 1] == '\n');
		}
		check(strstr(h, "\r\n\r\n") == h + head.len - 4);
		buf_free(&head);
	}

	free(cstr);
	arena_free(&a);
	return 0;
}
