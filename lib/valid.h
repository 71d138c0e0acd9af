/*
** valid.h: small validators for submitted form fields, and the list of
** field errors that goes back to the form.
**
** Validators take text that http.c already checked for UTF-8 and NUL bytes.
** Each returns NULL when the value is acceptable, or a message written for
** the person filling in the form.
*/
#ifndef CARREL_VALID_H
#define CARREL_VALID_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

#define FORM_ERRORS_MAX 16

struct form_errors {
	struct {
		const char *field;
		const char *message;
	} items[FORM_ERRORS_MAX];
	int n;
};

/* Record message against field (first error per field wins). */
void form_error(struct form_errors *e, const char *field, const char *message);
/* The message for field, or NULL. */
const char *form_error_get(const struct form_errors *e, const char *field);

const char *valid_name(const char *s);
const char *valid_email(const char *s);
/* An empty phone is allowed (it is optional). */
const char *valid_phone(const char *s);
const char *valid_password(const char *s);

/* A copy of s without leading and trailing white space (NULL -> ""). */
char *valid_trim(struct arena *a, const char *s);

/* Longest path valid_local_path() accepts. */
#define VALID_PATH_MAX 1000

/* Is s a path on this site that is safe to redirect to (a login's ?next=)?
** It must start with exactly one '/' followed by neither '/' nor '\\',
** hold no backslash and no control character (a browser drops tab and
** line breaks, so "/\t/host" would read as "//host"), and be so both as
** written and once percent-decoded. */
bool valid_local_path(const char *s);

/* Parse a positive decimal id (no sign, no leading junk); 0 when invalid. */
long long valid_id(const char *s);

/* Characters (not bytes) of valid UTF-8 text. */
size_t valid_utf8_chars(const char *s);

/* Whether s holds a control character (below 0x20, or DEL). */
bool valid_has_control(const char *s);

/* The words people read for a code, from {code, words} pairs; the code
** itself when it has none. LABEL_OF(code, pairs) passes the pairs' count. */
const char *valid_label(const char *code, const char *const (*pairs)[2], size_t n);
#define LABEL_OF(code, pairs) valid_label((code), (pairs), sizeof (pairs) / sizeof (pairs)[0])

/* A year field into *out: "" (or NULL) is 0, meaning open; otherwise 1 to
** 4 digits. False for anything else. */
bool valid_year(const char *s, int *out);

#endif
