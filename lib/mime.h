/*
** mime.h: one email as the bytes an SMTP server receives (RFC 5322 + MIME).
**
** The message has From, To, Subject, Date, Message-ID, MIME-Version and
** Auto-Submitted headers, then either text/plain alone or a
** multipart/alternative of text/plain and text/html, both UTF-8 in
** quoted-printable. Every line ends in CRLF and is at most 78 characters
** (headers are folded, bodies soft-broken), well within SMTP's 998.
**
** Names and subjects are people's text: control characters (CR and LF
** above all) are turned into spaces before they reach a header, so no
** name or subject can add a header of its own; text that is not plain
** ASCII goes as RFC 2047 encoded-words (UTF-8, base64). An address must
** be a plain address (no spaces, control characters or <>()[],;:"\) or
** the message is not built.
*/
#ifndef CARREL_MIME_H
#define CARREL_MIME_H

#include <time.h>

#include "arena.h"

struct mime_mail {
	const char *from_name;   /* e.g. the library's name; "" or NULL: none */
	const char *from_addr;
	const char *to_name;     /* the member's name; "" or NULL: none */
	const char *to_addr;
	const char *subject;
	const char *text;        /* the plain text body */
	const char *html;        /* the HTML body; "" or NULL: text alone */
	time_t date;
};

/* Append the whole message to out. Returns 0, or -1 when an address is
** not one a message can be sent to (out is then unchanged). */
int mime_build(struct buf *out, const struct mime_mail *m);

/* Whether addr is a plain address mime_build accepts: local@domain with
** no spaces, control characters or <>()[],;:"\ and one @. */
int mime_address_ok(const char *addr);

/* The RFC 5322 date of t, e.g. "Sun, 06 Dec 2026 04:30:02 +0000" (always
** UTC, English names whatever the locale); out holds MIME_DATE_MAX bytes. */
#define MIME_DATE_MAX 64
void mime_date(char *out, time_t t);

#endif
