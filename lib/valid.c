/*
** valid.c: form field validators. See valid.h.
*/
#include "valid.h"

#include <ctype.h>
#include <string.h>

void form_error(struct form_errors *e, const char *field, const char *message)
{
	if (form_error_get(e, field) || e->n >= FORM_ERRORS_MAX)
		return;
	e->items[e->n].field = field;
	e->items[e->n].message = message;
	e->n++;
}

const char *form_error_get(const struct form_errors *e, const char *field)
{
	for (int i = 0; i < e->n; i++)
		if (!strcmp(e->items[i].field, field))
			return e->items[i].message;
	return NULL;
}

size_t valid_utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

bool valid_has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

const char *valid_name(const char *s)
{
	if (!s || !*s)
		return "Please enter a name.";
	if (valid_utf8_chars(s) > 200)
		return "A name can be at most 200 characters.";
	if (valid_has_control(s))
		return "A name cannot contain control characters.";
	return NULL;
}

const char *valid_email(const char *s)
{
	if (!s || !*s)
		return "Please enter an email address.";
	size_t len = strlen(s);
	if (len > 254)
		return "An email address can be at most 254 characters.";
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@'))
		return "Please enter an email address like name@example.org.";
	const char *domain = at + 1;
	const char *dot = strrchr(domain, '.');
	if (!*domain || !dot || dot == domain || dot[1] == '\0' ||
	    domain[0] == '.' || strstr(domain, ".."))
		return "Please enter an email address like name@example.org.";
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == 0x7f || c == ',' || c == ';' || c == '<' ||
		    c == '>' || c == '"' || c == '(' || c == ')' || c == '\\')
			return "An email address cannot contain spaces or ,;<>\"()\\.";
	}
	return NULL;
}

const char *valid_phone(const char *s)
{
	if (!s || !*s)
		return NULL;
	size_t digits = 0;
	for (const char *p = s; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (!(*p == ' ' || *p == '-' || *p == '(' || *p == ')' ||
			   *p == '.' || (*p == '+' && p == s)))
			return "A phone number has digits, spaces, - ( ) and an optional leading +.";
	}
	if (digits < 7 || digits > 15)
		return "A phone number has between 7 and 15 digits.";
	return NULL;
}

const char *valid_password(const char *s)
{
	if (!s || valid_utf8_chars(s) < 8)
		return "A password needs at least 8 characters.";
	if (strlen(s) > 1024)
		return "A password can be at most 1024 bytes.";
	return NULL;
}

char *valid_trim(struct arena *a, const char *s)
{
	if (!s)
		return arena_strdup(a, "");
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return arena_strndup(a, s, n);
}

long long valid_id(const char *s)
{
	if (!s || !*s || strlen(s) > 18)
		return 0;
	long long n = 0;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return 0;
		n = n * 10 + (*p - '0');
	}
	return n;
}

/* The shape valid_local_path() asks of a path, as bytes. */
static bool local_path_shape(const char *s)
{
	if (s[0] != '/' || s[1] == '/' || s[1] == '\\')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '\\')
			return false;
	return true;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* s with each %XX decoded once into out (as long as s, or shorter).
** False when that would hold a NUL byte. */
static bool percent_decoded(const char *s, char *out)
{
	for (; *s; s++) {
		int hi, lo;
		if (*s == '%' && (hi = hex_digit(s[1])) >= 0 && (lo = hex_digit(s[2])) >= 0) {
			*out = (char)(hi * 16 + lo);
			if (!*out)
				return false;
			out++;
			s += 2;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
	return true;
}

bool valid_local_path(const char *s)
{
	char decoded[VALID_PATH_MAX + 1];
	return s && strlen(s) <= VALID_PATH_MAX && local_path_shape(s) &&
		percent_decoded(s, decoded) && local_path_shape(decoded);
}

const char *valid_label(const char *code, const char *const (*pairs)[2], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(code, pairs[i][0]))
			return pairs[i][1];
	return code;
}

bool valid_year(const char *s, int *out)
{
	*out = 0;
	if (!s || !*s)
		return true;
	long long y = valid_id(s);
	if (y < 1 || y > 9999 || strlen(s) > 4)
		return false;
	*out = (int)y;
	return true;
}
