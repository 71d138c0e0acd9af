/*
** phone.h: phone numbers in the international form an SMS gateway wants
** (E.164: "+", the country code, the number; 8 to 15 digits in all).
**
** Members type numbers as they say them: "07700 900123", "(020) 7946-0018",
** "0044 7700 900123", "+44 7700 900 123". Spaces, dots, dashes, slashes and
** brackets are dropped; a leading "00" is the international prefix and
** becomes "+"; a number without "+" is a national one and takes the
** library's country code (setting sms.country_code, default "+44"), its
** leading 0 (the trunk prefix) dropped.
*/
#ifndef CARREL_PHONE_H
#define CARREL_PHONE_H

/* Room for "+", 15 digits and the NUL. */
#define PHONE_E164_MAX 17

/* The library's country code when none is set. */
#define PHONE_DEFAULT_COUNTRY "+44"

/* Write number's E.164 form into out. Returns NULL, or a sentence saying
** why the number cannot be used (out is then ""). country_code is "+"
** and 1 to 3 digits, e.g. "+44". */
const char *phone_e164(const char *number, const char *country_code,
	char out[PHONE_E164_MAX]);

#endif
