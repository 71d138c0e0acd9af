/*
** mime.c: building one email. See mime.h.
*/
#include "mime.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Header lines are folded to stay within this (RFC 5322's "should"). */
#define LINE_MAX_CHARS 78
/* Quoted-printable lines, the "=" of a soft break included (RFC 2045). */
#define QP_LINE_MAX 76
/* Bytes of text in one encoded-word: 45 bytes make 60 base64 characters,
** and with "=?UTF-8?B?" and "?=" the word stays within 75 (RFC 2047). */
#define WORD_BYTES 45
/* "=?UTF-8?B?" and "?=" */
#define ENCODED_WORD_OVERHEAD 12
#define ENCODED_LINE_MAX 76

/* ---- header text ---- */

/* The length of the UTF-8 sequence starting at s, or 0 when it is not a
** valid one. */
static size_t utf8_sequence(const unsigned char *s)
{
	size_t n;
	if (s[0] < 0x80)
		return 1;
	else if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4;
	else
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
	    (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
		return 0;
	return n;
}

/* s made fit for a header: every control character (CR and LF included)
** and every run of white space becomes one space, bytes that are not UTF-8
** become '?', and the ends are trimmed. */
static void header_text(struct buf *out, const char *s)
{
	buf_clear(out);
	bool space = false;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		if (*p < 0x20 || *p == ' ' || *p == 0x7f) {
			space = out->len > 0;
			p++;
			continue;
		}
		if (space)
			buf_putc(out, ' ');
		space = false;
		size_t n = utf8_sequence(p);
		if (n == 0) {
			buf_putc(out, '?');
			p++;
		} else {
			buf_append(out, p, n);
			p += n;
		}
	}
}

static bool is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* The longest run of characters without a space. */
static size_t longest_word(const char *s)
{
	size_t best = 0, run = 0;
	for (; *s; s++) {
		run = *s == ' ' ? 0 : run + 1;
		if (run > best)
			best = run;
	}
	return best;
}

/* A header being written: knows how long its current line is, to fold. */
struct header {
	struct buf *out;
	size_t col;
	bool empty;      /* no token yet: nothing to fold after */
};

static void header_start(struct header *h, struct buf *out, const char *name)
{
	h->out = out;
	buf_printf(out, "%s:", name);
	h->col = strlen(name) + 1;
	h->empty = true;
}

static void header_fold(struct header *h)
{
	buf_puts(h->out, "\r\n");
	h->col = 0;
}

/* Append one token after a space, folding first when it would not fit. */
static void header_token(struct header *h, const char *token, size_t len)
{
	if (h->col + 1 + len > LINE_MAX_CHARS && !h->empty)
		header_fold(h);
	h->empty = false;
	buf_putc(h->out, ' ');
	buf_append(h->out, token, len);
	h->col += 1 + len;
}

static void header_end(struct header *h)
{
	buf_puts(h->out, "\r\n");
}

/* Plain words, each a token (text is clean: single spaces). */
static void header_words(struct header *h, const char *text)
{
	while (*text) {
		const char *end = strchr(text, ' ');
		size_t len = end ? (size_t)(end - text) : strlen(text);
		header_token(h, text, len);
		text += len;
		if (*text == ' ')
			text++;
	}
}

/* text as RFC 2047 encoded-words, each a token: cut between characters,
** never inside one, so each word decodes on its own. */
static void header_encoded(struct header *h, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	while (*p) {
		/* As many bytes as fit on this line (RFC 2047: lines with
		** encoded-words are at most 76), else the next line. */
		size_t room = ENCODED_LINE_MAX - h->col - 1 - ENCODED_WORD_OVERHEAD;
		if (h->col + 1 + ENCODED_WORD_OVERHEAD + 12 > ENCODED_LINE_MAX) {
			if (!h->empty)
				header_fold(h);
			room = ENCODED_LINE_MAX - h->col - 1 - ENCODED_WORD_OVERHEAD;
		}
		size_t max_bytes = room / 4 * 3;
		if (max_bytes > WORD_BYTES)
			max_bytes = WORD_BYTES;
		size_t take = 0;
		while (p[take]) {
			size_t n = utf8_sequence(p + take);
			if (n == 0)
				n = 1;   /* header_text left none; be safe anyway */
			if (take + n > max_bytes)
				break;
			take += n;
		}
		if (take == 0) {   /* not even one character fits: next line */
			header_fold(h);
			continue;
		}
		char b64[sodium_base64_ENCODED_LEN(WORD_BYTES, sodium_base64_VARIANT_ORIGINAL)];
		sodium_bin2base64(b64, sizeof b64, p, take, sodium_base64_VARIANT_ORIGINAL);
		char word[128];
		int len = snprintf(word, sizeof word, "=?UTF-8?B?%s?=", b64);
		header_token(h, word, (size_t)len);
		p += take;
	}
}

/* Does clean text need encoded-words: not ASCII, something a reader would
** take for an encoded-word, or a word longer than longest_allowed (0: any
** length) that could not be folded? */
static bool needs_encoding(const char *clean, size_t longest_allowed)
{
	return !is_ascii(clean) || strstr(clean, "=?") ||
		(longest_allowed && longest_word(clean) > longest_allowed);
}

/* A quoted name is one token: longer ones are encoded, which can fold. */
#define NAME_QUOTED_MAX 40

static void header_subject(struct buf *out, const char *subject)
{
	struct buf clean = BUF_INIT;
	header_text(&clean, subject);
	struct header h;
	header_start(&h, out, "Subject");
	if (needs_encoding(buf_str(&clean), LINE_MAX_CHARS - 10))
		header_encoded(&h, buf_str(&clean));
	else
		header_words(&h, buf_str(&clean));
	header_end(&h);
	buf_free(&clean);
}

/* name <addr>, the name quoted or encoded; the address alone without one. */
static void header_mailbox(struct buf *out, const char *field, const char *name,
	const char *addr)
{
	struct buf clean = BUF_INIT;
	header_text(&clean, name);
	struct header h;
	header_start(&h, out, field);
	const char *text = buf_str(&clean);
	if (!*text) {
		header_token(&h, addr, strlen(addr));
	} else if (needs_encoding(text, 0) || strlen(text) > NAME_QUOTED_MAX) {
		header_encoded(&h, text);
		struct buf angle = BUF_INIT;
		buf_printf(&angle, "<%s>", addr);
		header_token(&h, angle.data, angle.len);
		buf_free(&angle);
	} else {
		struct buf quoted = BUF_INIT;
		buf_putc(&quoted, '"');
		for (const char *p = text; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(&quoted, '\\');
			buf_putc(&quoted, *p);
		}
		buf_printf(&quoted, "\" <%s>", addr);
		header_token(&h, quoted.data, quoted.len);
		buf_free(&quoted);
	}
	header_end(&h);
	buf_free(&clean);
}

int mime_address_ok(const char *addr)
{
	if (!addr || !*addr || strlen(addr) > 254)
		return 0;
	const char *at = strchr(addr, '@');
	if (!at || at == addr || !at[1] || strchr(at + 1, '@'))
		return 0;
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("<>()[],;:\"\\", *p))
			return 0;
	return 1;
}

void mime_date(char *out, time_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, MIME_DATE_MAX, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
		tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		tm.tm_sec);
}

/* ---- bodies ---- */

struct qp {
	struct buf *out;
	size_t col;
};

/* Append one encoded unit (a byte as itself, or =XX), breaking the line
** softly first when the unit and a final "=" would not fit. */
static void qp_unit(struct qp *q, const char *unit, size_t len)
{
	if (q->col + len > QP_LINE_MAX - 1) {
		buf_puts(q->out, "=\r\n");
		q->col = 0;
	}
	buf_append(q->out, unit, len);
	q->col += len;
}

static void qp_byte(struct qp *q, unsigned char c, bool line_end_next)
{
	/* Encoded: '=', what is not printable ASCII, white space that ends a
	** line (a server may strip it), and a '.' that starts a line (a lone
	** "." line ends an SMTP message). */
	bool encode = c == '=' || c > 126 || (c < 32 && c != '\t') ||
		((c == ' ' || c == '\t') && line_end_next);
	if (c == '.' && q->col == 0)
		encode = true;
	if (encode) {
		char hex[4];
		snprintf(hex, sizeof hex, "=%02X", c);
		qp_unit(q, hex, 3);
	} else {
		char one = (char)c;
		qp_unit(q, &one, 1);
	}
}

/* text in quoted-printable, its line breaks (LF, CRLF or CR) made CRLF. */
static void quoted_printable(struct buf *out, const char *text)
{
	struct qp q = { out, 0 };
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	while (*p) {
		if (*p == '\r' || *p == '\n') {
			p += (p[0] == '\r' && p[1] == '\n') ? 2 : 1;
			buf_puts(out, "\r\n");
			q.col = 0;
			continue;
		}
		bool line_end_next = p[1] == '\0' || p[1] == '\r' || p[1] == '\n';
		qp_byte(&q, *p, line_end_next);
		p++;
	}
}

static void part(struct buf *out, const char *subtype, const char *text)
{
	buf_printf(out, "Content-Type: text/%s; charset=UTF-8\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n", subtype);
	quoted_printable(out, text);
}

static bool ends_with_crlf(const struct buf *b)
{
	return b->len >= 2 && b->data[b->len - 2] == '\r' && b->data[b->len - 1] == '\n';
}

int mime_build(struct buf *out, const struct mime_mail *m)
{
	if (!mime_address_ok(m->from_addr) || !mime_address_ok(m->to_addr))
		return -1;
	unsigned char random[16];
	char id[33], boundary[33], date[MIME_DATE_MAX];
	randombytes_buf(random, sizeof random);
	sodium_bin2hex(id, sizeof id, random, sizeof random);
	randombytes_buf(random, sizeof random);
	sodium_bin2hex(boundary, sizeof boundary, random, sizeof random);
	mime_date(date, m->date);

	header_mailbox(out, "From", m->from_name, m->from_addr);
	header_mailbox(out, "To", m->to_name, m->to_addr);
	header_subject(out, m->subject);
	buf_printf(out, "Date: %s\r\n", date);
	buf_printf(out, "Message-ID: <%s@%s>\r\n", id, strchr(m->from_addr, '@') + 1);
	buf_puts(out, "MIME-Version: 1.0\r\n");
	/* Tells mail systems and out-of-office replies that no one typed it. */
	buf_puts(out, "Auto-Submitted: auto-generated\r\n");
	if (!m->html || !*m->html) {
		part(out, "plain", m->text);
		if (!ends_with_crlf(out))
			buf_puts(out, "\r\n");
		return 0;
	}
	/* "=_" never occurs in quoted-printable text, so neither part can
	** contain the boundary. The line break before a boundary belongs to
	** the boundary: a part's own last line break is kept before it. */
	buf_printf(out, "Content-Type: multipart/alternative;\r\n boundary=\"=_%s\"\r\n\r\n",
		boundary);
	buf_printf(out, "--=_%s\r\n", boundary);
	part(out, "plain", m->text);
	buf_printf(out, "\r\n--=_%s\r\n", boundary);
	part(out, "html", m->html);
	buf_printf(out, "\r\n--=_%s--\r\n", boundary);
	return 0;
}
