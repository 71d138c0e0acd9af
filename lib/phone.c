/*
** phone.c: phone numbers to E.164. See phone.h.
*/
#include "phone.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#define TOO_SHORT_OR_LONG "The phone number is not a full number: with its " \
	"country code it needs 8 to 15 digits, like +44 7700 900123."

/* Country codes are 1 to 3 digits and never start with 0. */
static bool country_code_ok(const char *cc)
{
	if (!cc || cc[0] != '+' || cc[1] < '1' || cc[1] > '9')
		return false;
	size_t n = strlen(cc + 1);
	if (n > 3)
		return false;
	for (const char *p = cc + 1; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

/* The digits of number (and a leading "+") without the separators people
** type; false when something else is in it. Digits past cap are counted
** in *len but not kept. */
static bool digits_only(const char *number, char *out, size_t cap, size_t *len)
{
	size_t n = 0;
	for (const char *p = number; *p; p++) {
		char c = *p;
		/* "+44 (0)20 ...": the (0) is said at home, not dialled from abroad. */
		if (n > 0 && !strncmp(p, "(0)", 3)) {
			p += 2;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '.' || c == '-' || c == '/' ||
		    c == '(' || c == ')' || c == '[' || c == ']')
			continue;
		bool plus_first = c == '+' && n == 0;
		if (!isdigit((unsigned char)c) && !plus_first)
			return false;
		if (n + 1 < cap)
			out[n] = c;
		n++;
	}
	out[n < cap ? n : cap - 1] = '\0';
	*len = n;
	return true;
}

const char *phone_e164(const char *number, const char *country_code,
	char out[PHONE_E164_MAX])
{
	out[0] = '\0';
	char digits[64];
	size_t len;
	if (!number || !*number)
		return "There is no phone number to send a text message to.";
	if (!digits_only(number, digits, sizeof digits, &len))
		return "The phone number has something other than digits, spaces and + - . / ( ).";
	if (len >= sizeof digits)
		return TOO_SHORT_OR_LONG;
	char e164[96];
	if (digits[0] == '+') {
		strcpy(e164, digits);
	} else if (digits[0] == '0' && digits[1] == '0') {
		e164[0] = '+';
		strcpy(e164 + 1, digits + 2);
	} else {
		if (!country_code_ok(country_code))
			return "The library's country code for phone numbers (setting "
				"sms.country_code) is not a + and 1 to 3 digits, like +44.";
		strcpy(e164, country_code);
		strcat(e164, digits[0] == '0' ? digits + 1 : digits);
	}
	size_t n = strlen(e164 + 1);
	if (e164[1] == '0' || n < 8 || n > 15)
		return TOO_SHORT_OR_LONG;
	strcpy(out, e164);
	return NULL;
}
