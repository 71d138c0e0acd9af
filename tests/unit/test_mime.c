/*
** test_mime.c: unit tests of building an email (mime.c): the headers a
** message must have, names and subjects that are not ASCII (encoded-words
** decoded back here), names and subjects that try to add headers with CR
** and LF, addresses refused, line lengths, quoted-printable bodies decoded
** back to the text they were made from, and the multipart/alternative
** layout when there is HTML.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "mime.h"

/* 6 Dec 2026 04:30:02 UTC, a Sunday. */
#define SUNDAY 1796531402

static struct mime_mail mail(void)
{
	struct mime_mail m = {
		.from_name = "Riverside Library", .from_addr = "library@riverside.example",
		.to_name = "Ann Reader", .to_addr = "ann@example.org",
		.subject = "Your hold is ready", .text = "Hello Ann,\nyour book is here.\n",
		.html = "", .date = SUNDAY,
	};
	return m;
}

static char *build(const struct mime_mail *m)
{
	struct buf out = BUF_INIT;
	assert_int_equal(mime_build(&out, m), 0);
	char *s = strdup(buf_str(&out));
	buf_free(&out);
	return s;
}

/* Every line ends in CRLF (no bare CR or LF) and is at most max long. */
static void assert_lines(const char *msg, size_t max)
{
	const char *line = msg;
	for (const char *p = msg; *p; p++) {
		if (*p == '\r') {
			assert_int_equal(p[1], '\n');
			assert_true((size_t)(p - line) <= max);
			p++;
			line = p + 1;
		} else {
			assert_int_not_equal(*p, '\n');
		}
	}
	assert_ptr_equal(line, msg + strlen(msg));   /* ends with CRLF */
}

/* The header block, unfolded, as lines "Name: value\n". */
static char *headers_of(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");
	assert_non_null(end);
	char *out = malloc((size_t)(end - msg) + 2);
	size_t n = 0;
	for (const char *p = msg; p < end; p++) {
		if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
			p++;   /* a fold: the line goes on */
			continue;
		}
		if (p[0] == '\r' && p[1] == '\n') {
			out[n++] = '\n';
			p++;
			continue;
		}
		out[n++] = *p;
	}
	out[n++] = '\n';
	out[n] = '\0';
	return out;
}

/* The value of header name (unfolded, the leading space dropped), or NULL;
** fails when the header appears more than once. */
static char *header(const char *msg, const char *name)
{
	char *all = headers_of(msg), *found = NULL;
	size_t len = strlen(name);
	for (char *line = all; *line;) {
		char *nl = strchr(line, '\n');
		*nl = '\0';
		if (!strncasecmp(line, name, len) && line[len] == ':') {
			assert_null(found);
			found = strdup(line + len + 1 + (line[len + 1] == ' '));
		}
		line = nl + 1;
	}
	free(all);
	return found;
}

/* How many header lines (unfolded) the message has. */
static int header_count(const char *msg)
{
	char *all = headers_of(msg);
	int n = 0;
	for (char *p = all; *p; p++)
		n += *p == '\n';
	free(all);
	return n;
}

/* Decode a header value made of plain words and RFC 2047 B encoded-words
** (whitespace between two encoded-words dropped, as readers do). */
static char *decode_words(const char *v)
{
	char *out = calloc(1, strlen(v) + 1);
	size_t n = 0;
	int last_encoded = 0;
	const char *p = v;
	while (*p) {
		if (!strncmp(p, "=?UTF-8?B?", 10)) {
			const char *start = p + 10, *end = strstr(start, "?=");
			assert_non_null(end);
			if (last_encoded) {
				while (n > 0 && out[n - 1] == ' ')
					n--;
			}
			size_t bin_len = 0;
			assert_int_equal(sodium_base642bin((unsigned char *)out + n, strlen(v) - n,
				start, (size_t)(end - start), NULL, &bin_len, NULL,
				sodium_base64_VARIANT_ORIGINAL), 0);
			n += bin_len;
			p = end + 2;
			last_encoded = 1;
		} else {
			if (*p != ' ')
				last_encoded = 0;
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	return out;
}

static int hexval(char c)
{
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : c - '0';
}

/* Decode quoted-printable (CRLF line ends become LF). */
static char *decode_qp(const char *s, size_t len)
{
	char *out = malloc(len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '=' && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
		} else if (s[i] == '=') {
			out[n++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else if (s[i] == '\r' && s[i + 1] == '\n') {
			out[n++] = '\n';
			i++;
		} else {
			out[n++] = s[i];
		}
	}
	out[n] = '\0';
	return out;
}

/* The decoded body of the part whose Content-Type starts with type. */
static char *part_body(const char *msg, const char *type)
{
	char needle[64];
	snprintf(needle, sizeof needle, "Content-Type: %s", type);
	const char *ct = strstr(msg, needle);
	assert_non_null(ct);
	const char *body = strstr(ct, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	/* The line break before a boundary belongs to the boundary. */
	const char *end = strstr(body, "\r\n--=_");
	size_t len = end ? (size_t)(end - body) : strlen(body);
	return decode_qp(body, len);
}

static void test_headers_of_a_plain_message(void **state)
{
	(void)state;
	struct mime_mail m = mail();
	char *msg = build(&m);
	assert_lines(msg, 78);
	char *v;
	assert_string_equal(v = header(msg, "From"), "\"Riverside Library\" <library@riverside.example>");
	free(v);
	assert_string_equal(v = header(msg, "To"), "\"Ann Reader\" <ann@example.org>");
	free(v);
	assert_string_equal(v = header(msg, "Subject"), "Your hold is ready");
	free(v);
	assert_string_equal(v = header(msg, "Date"), "Sun, 06 Dec 2026 04:30:02 +0000");
	free(v);
	assert_string_equal(v = header(msg, "MIME-Version"), "1.0");
	free(v);
	assert_string_equal(v = header(msg, "Content-Type"), "text/plain; charset=UTF-8");
	free(v);
	assert_string_equal(v = header(msg, "Content-Transfer-Encoding"), "quoted-printable");
	free(v);
	v = header(msg, "Message-ID");
	assert_non_null(v);
	assert_int_equal(strlen(v), 1 + 32 + strlen("@riverside.example") + 1);
	assert_int_equal(v[0], '<');
	assert_string_equal(v + 33, "@riverside.example>");
	free(v);
	assert_null(strstr(msg, "multipart"));
	char *text = part_body(msg, "text/plain");
	assert_string_equal(text, "Hello Ann,\nyour book is here.\n");
	free(text);
	free(msg);
}

static void test_message_ids_differ(void **state)
{
	(void)state;
	struct mime_mail m = mail();
	char *a = build(&m), *b = build(&m);
	char *ia = header(a, "Message-ID"), *ib = header(b, "Message-ID");
	assert_string_not_equal(ia, ib);
	free(ia), free(ib), free(a), free(b);
}

static void test_no_name_is_the_address_alone(void **state)
{
	(void)state;
	struct mime_mail m = mail();
	m.from_name = NULL;
	m.to_name = "  \r\n ";
	char *msg = build(&m), *v;
	assert_string_equal(v = header(msg, "From"), "library@riverside.example");
	free(v);
	assert_string_equal(v = header(msg, "To"), "ann@example.org");
	free(v);
	free(msg);
}

static void test_utf8_subject_and_name_are_encoded_words(void **state)
{
	(void)state;
	struct mime_mail m = mail();
	m.to_name = "Zoë Ôrla-Ñúñez";
	m.subject = "Prêt à rendre : « Les Misérables » — déjà 2 jours, ¡ojo! 日本語のタイトルも";
	char *msg = build(&m);
	assert_lines(msg, 78);
	/* No 8-bit byte in the headers. */
	char *all = headers_of(msg);
	for (char *p = all; *p; p++)
		assert_true((unsigned char)*p < 0x80);
	free(all);
	/* The first word on the Subject line itself, and no line with an
	** encoded-word longer than 76 (RFC 2047). */
	assert_non_null(strstr(msg, "\r\nSubject: =?UTF-8?B?"));
	for (const char *line = msg; *line;) {
		const char *end = strstr(line, "\r\n");
		char copy[200];
		snprintf(copy, sizeof copy, "%.*s", (int)(end - line), line);
		if (strstr(copy, "=?UTF-8?B?"))
			assert_true(strlen(copy) <= 76);
		line = end + 2;
	}
	char *v = header(msg, "Subject"), *d = decode_words(v);
	assert_string_equal(d, m.subject);
	free(v), free(d);
	v = header(msg, "To");
	char *angle = strstr(v, " <ann@example.org>");
	assert_non_null(angle);
	assert_string_equal(angle, " <ann@example.org>");
	*angle = '\0';
	d = decode_words(v);
	assert_string_equal(d, "Zoë Ôrla-Ñúñez");
	free(v), free(d), free(msg);
}

static void test_cr_lf_never_make_a_header(void **state)
{
	(void)state;
	struct mime_mail m = mail();
	m.to_name = "Mallory\r\nBcc: victim@example.org\r\n";
	m.subject = "Hi\r\nBcc: victim@example.org\nX-Evil: 1\rContent-Type: text/html\r\n\r\nbody";
	m.from_name = "Lib\nrary";
	char *msg = build(&m);
	assert_lines(msg, 78);
	assert_int_equal(header_count(msg), 9);
	char *v = header(msg, "Bcc");
	assert_null(v);
	assert_null(v = header(msg, "X-Evil"));
	assert_null(strstr(msg, "\r\nBcc"));
	assert_null(strstr(msg, "\r\nX-Evil"));
	assert_string_equal(v = header(msg, "Subject"),
		"Hi Bcc: victim@example.org X-Evil: 1 Content-Type: text/html body");
	free(v);
	assert_string_equal(v = header(msg, "To"),
		"\"Mallory Bcc: victim@example.org\" <ann@example.org>");
	free(v);
	assert_string_equal(v = header(msg, "From"), "\"Lib rary\" <library@riverside.example>");
	free(v);
	free(msg);
}

static void test_other_controls_and_bad_utf8_are_cleaned(void **state)
{
	(void)state;
	struct mime_mail m = mail();
	m.subject = "Tab\there\x01\x7f and \xff\xfe bytes";
	m.to_name = "A \"quoted\" \\ name";
	char *msg = build(&m), *v;
	assert_string_equal(v = header(msg, "Subject"), "Tab here and ?? bytes");
	free(v);
	assert_string_equal(v = header(msg, "To"),
		"\"A \\\"quoted\\\" \\\\ name\" <ann@example.org>");
	free(v);
	free(msg);
}

static void test_an_ascii_subject_that_looks_encoded_is_encoded(void **state)
{
	(void)state;
	struct mime_mail m = mail();
	m.subject = "=?UTF-8?B?SGk=?= is not a word";
	char *msg = build(&m);
	char *v = header(msg, "Subject"), *d = decode_words(v);
	assert_string_equal(d, m.subject);
	free(v), free(d), free(msg);
}

static void test_long_subjects_fold(void **state)
{
	(void)state;
	struct mime_mail m = mail();
	m.subject = "Reminder: these books are due back on Tuesday and the library "
		"would be glad to have them back, or renew them online from your account";
	char *msg = build(&m);
	assert_lines(msg, 78);
	assert_non_null(strstr(msg, "\r\n "));   /* it did fold */
	char *v = header(msg, "Subject");
	assert_string_equal(v, m.subject);
	free(v), free(msg);

	char word[400];
	memset(word, 'x', sizeof word - 1);
	word[sizeof word - 1] = '\0';
	m.subject = word;
	msg = build(&m);
	assert_lines(msg, 78);
	v = header(msg, "Subject");
	char *d = decode_words(v);
	assert_string_equal(d, word);
	free(d), free(v), free(msg);
}

static void test_addresses_are_checked(void **state)
{
	(void)state;
	const char *bad[] = { "", "no-at-sign", "@example.org", "ann@", "a@b@c",
		"ann@example.org\r\nBcc: x@y", "ann smith@example.org", "<ann@example.org>",
		"ann@example.org>", "a,b@example.org", "ann@exa\tmple.org", NULL };
	for (int i = 0; bad[i]; i++) {
		struct mime_mail m = mail();
		m.to_addr = bad[i];
		struct buf out = BUF_INIT;
		assert_int_equal(mime_build(&out, &m), -1);
		assert_int_equal(out.len, 0);
		buf_free(&out);
		m = mail();
		m.from_addr = bad[i];
		assert_int_equal(mime_build(&out, &m), -1);
		assert_int_equal(mime_address_ok(bad[i]), 0);
	}
	assert_int_equal(mime_address_ok("ann.o'neil+library@example.org"), 1);
}

static void test_quoted_printable_round_trip(void **state)
{
	(void)state;
	struct mime_mail m = mail();
	char long_line[600];
	memset(long_line, 'a', sizeof long_line - 1);
	long_line[sizeof long_line - 1] = '\0';
	char text[2000];
	snprintf(text, sizeof text,
		"Fines = 2.50 £ (déjà) \n"
		".\n"
		"..leading dots\r\n"
		"trailing tab\t\n"
		"%s\n"
		"é%s\n"
		"From the desk\rend", long_line, long_line);
	m.text = text;
	char *msg = build(&m);
	assert_lines(msg, 76 + 2);
	/* No line of the body is a lone dot or starts with one. */
	assert_null(strstr(msg, "\r\n."));
	char *body = strstr(msg, "\r\n\r\n") + 4;
	for (const char *line = body; *line;) {
		const char *end = strstr(line, "\r\n");
		assert_true(end - line <= 76);
		/* no white space before a line end */
		if (end > line)
			assert_true(end[-1] != ' ' && end[-1] != '\t');
		line = end + 2;
	}
	char *d = part_body(msg, "text/plain");
	char want[2100];
	snprintf(want, sizeof want,
		"Fines = 2.50 £ (déjà) \n.\n..leading dots\ntrailing tab\t\n%s\né%s\nFrom the desk\nend\n",
		long_line, long_line);
	assert_string_equal(d, want);
	free(d), free(msg);
}

static void test_html_makes_multipart_alternative(void **state)
{
	(void)state;
	struct mime_mail m = mail();
	m.html = "<p>Hello <b>Ann</b>, your book is <a href=\"https://x.example/a?b=1\">here</a>.</p>";
	char *msg = build(&m);
	assert_lines(msg, 78);
	char *ct = header(msg, "Content-Type");
	const char *prefix = "multipart/alternative; boundary=\"=_";
	assert_int_equal(strncmp(ct, prefix, strlen(prefix)), 0);
	char boundary[80];
	snprintf(boundary, sizeof boundary, "%.*s", (int)(strlen(ct) - strlen(prefix) + 1),
		ct + strlen(prefix) - 2);
	free(ct);
	assert_int_equal(strlen(boundary), 34);
	char open[96], close[96];
	snprintf(open, sizeof open, "\r\n--%s\r\n", boundary);
	snprintf(close, sizeof close, "\r\n--%s--\r\n", boundary);
	const char *first = strstr(msg, open);
	assert_non_null(first);
	const char *second = strstr(first + 1, open);
	assert_non_null(second);
	assert_null(strstr(second + 1, open));
	const char *end = strstr(msg, close);
	assert_non_null(end);
	assert_string_equal(end, close);
	/* text first, then html: the last alternative is the preferred one */
	const char *plain = strstr(msg, "Content-Type: text/plain; charset=UTF-8");
	const char *html = strstr(msg, "Content-Type: text/html; charset=UTF-8");
	assert_true(first < plain && plain < second && second < html && html < end);
	char *d = part_body(msg, "text/html");
	assert_string_equal(d, m.html);
	free(d);
	d = part_body(msg, "text/plain");
	assert_string_equal(d, "Hello Ann,\nyour book is here.\n");
	free(d), free(msg);
}

static void test_dates(void **state)
{
	(void)state;
	char d[MIME_DATE_MAX];
	mime_date(d, 0);
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	mime_date(d, SUNDAY);
	assert_string_equal(d, "Sun, 06 Dec 2026 04:30:02 +0000");
	mime_date(d, 951782400);   /* a leap day */
	assert_string_equal(d, "Tue, 29 Feb 2000 00:00:00 +0000");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers_of_a_plain_message),
		cmocka_unit_test(test_message_ids_differ),
		cmocka_unit_test(test_no_name_is_the_address_alone),
		cmocka_unit_test(test_utf8_subject_and_name_are_encoded_words),
		cmocka_unit_test(test_cr_lf_never_make_a_header),
		cmocka_unit_test(test_other_controls_and_bad_utf8_are_cleaned),
		cmocka_unit_test(test_an_ascii_subject_that_looks_encoded_is_encoded),
		cmocka_unit_test(test_long_subjects_fold),
		cmocka_unit_test(test_addresses_are_checked),
		cmocka_unit_test(test_quoted_printable_round_trip),
		cmocka_unit_test(test_html_makes_multipart_alternative),
		cmocka_unit_test(test_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
