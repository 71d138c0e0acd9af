/*
** test_phone.c: unit tests of phone numbers to E.164 (phone.c): the ways
** people type numbers, the international prefix, national numbers taking
** the library's country code, and numbers that cannot be used.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "phone.h"

static void assert_e164(const char *number, const char *cc, const char *want)
{
	char out[PHONE_E164_MAX];
	const char *why = phone_e164(number, cc, out);
	if (why)
		fail_msg("%s: %s", number, why);
	assert_string_equal(out, want);
}

static void assert_refused(const char *number, const char *cc, const char *reason_part)
{
	char out[PHONE_E164_MAX] = "junk";
	const char *why = phone_e164(number, cc, out);
	if (!why)
		fail_msg("%s was accepted as %s", number, out);
	assert_non_null(strstr(why, reason_part));
	assert_string_equal(out, "");
}

static void test_international_forms(void **state)
{
	(void)state;
	assert_e164("+447700900123", "+44", "+447700900123");
	assert_e164("+44 7700 900 123", "+44", "+447700900123");
	assert_e164("0044 7700 900123", "+44", "+447700900123");
	assert_e164("00 1 (555) 010-4477", "+44", "+15550104477");
	assert_e164("+1.555.010.4477", "+44", "+15550104477");
	assert_e164("+353 87 123 4567", "+44", "+353871234567");
	assert_e164("+44 (0)20 7946 0018", "+44", "+442079460018");
	assert_e164("0044(0)7700 900123", "+44", "+447700900123");
}

static void test_national_numbers_take_the_country_code(void **state)
{
	(void)state;
	assert_e164("07700 900123", "+44", "+447700900123");
	assert_e164("(020) 7946-0018", "+44", "+442079460018");
	assert_e164("07700 900123", "+353", "+3537700900123");
	assert_e164("555 010 4477", "+1", "+15550104477");
	assert_e164("030/1234567", "+49", "+49301234567");
	assert_e164("\t07700\t900123 ", "+44", "+447700900123");
}

static void test_numbers_that_cannot_be_used(void **state)
{
	(void)state;
	assert_refused("", "+44", "no phone number");
	assert_refused(NULL, "+44", "no phone number");
	assert_refused("07700 9OO123", "+44", "something other than digits");
	assert_refused("+44 7700+900123", "+44", "something other than digits");
	assert_refused("07700\r\n900123", "+44", "something other than digits");
	assert_refused("ext. 12", "+44", "something other than digits");
	assert_refused("+44 (0) 7700", "+44", "8 to 15 digits");
	assert_refused("0123", "+44", "8 to 15 digits");
	assert_refused("+1234567", "+44", "8 to 15 digits");        /* 7 digits */
	assert_refused("+1234567890123456", "+44", "8 to 15 digits"); /* 16 */
	assert_refused("+0447700900123", "+44", "8 to 15 digits");
	assert_refused("000447700900123", "+44", "8 to 15 digits");
	char many[80];
	memset(many, '1', sizeof many - 1);
	many[sizeof many - 1] = '\0';
	assert_refused(many, "+44", "8 to 15 digits");
	assert_refused("+", "+44", "8 to 15 digits");
}

static void test_lengths_at_the_limits(void **state)
{
	(void)state;
	assert_e164("+12345678", "+44", "+12345678");               /* 8 */
	assert_e164("+123456789012345", "+44", "+123456789012345"); /* 15 */
}

static void test_a_bad_country_code_is_named(void **state)
{
	(void)state;
	assert_refused("07700 900123", "44", "sms.country_code");
	assert_refused("07700 900123", "+4444", "sms.country_code");
	assert_refused("07700 900123", "+0", "sms.country_code");
	assert_refused("07700 900123", "", "sms.country_code");
	assert_refused("07700 900123", NULL, "sms.country_code");
	/* A number already international does not need it. */
	assert_e164("+447700900123", "junk", "+447700900123");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_international_forms),
		cmocka_unit_test(test_national_numbers_take_the_country_code),
		cmocka_unit_test(test_numbers_that_cannot_be_used),
		cmocka_unit_test(test_lengths_at_the_limits),
		cmocka_unit_test(test_a_bad_country_code_is_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
