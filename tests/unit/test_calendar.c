/*
** test_calendar.c: library days, due dates and fines around month ends,
** leap days, grace, the cap and closed days.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"

static lday D(const char *s)
{
	lday d;
	assert_true(cal_parse(s, &d));
	return d;
}

static void assert_day(lday d, const char *want)
{
	char s[11];
	cal_format(d, s);
	assert_string_equal(s, want);
}

/* The library's defaults: 0.25 a day after 1 day of grace, capped at 10.00. */
static const struct fine_rule defaults = { 25, 1, 1000 };

static void test_ymd_round_trip_and_leap_years(void **state)
{
	(void)state;
	lday start = cal_from_ymd(1900, 1, 1), end = cal_from_ymd(2100, 12, 31);
	assert_int_equal(cal_from_ymd(1970, 1, 1), 0);
	for (lday d = start; d <= end; d++) {
		int y, m, dd;
		cal_to_ymd(d, &y, &m, &dd);
		assert_int_equal(cal_from_ymd(y, m, dd), d);
	}
	assert_true(cal_from_ymd(2000, 2, 29) > 0);
	assert_true(cal_from_ymd(2024, 2, 29) > 0);
	assert_int_equal(cal_from_ymd(1900, 2, 29), -1);
	assert_int_equal(cal_from_ymd(2100, 2, 29), -1);
	assert_int_equal(cal_from_ymd(2026, 2, 29), -1);
	assert_int_equal(cal_from_ymd(2026, 4, 31), -1);
	assert_int_equal(cal_from_ymd(2026, 13, 1), -1);
	assert_int_equal(cal_from_ymd(2026, 1, 0), -1);
}

static void test_parse_and_format(void **state)
{
	(void)state;
	lday d;
	assert_day(D("2024-02-29"), "2024-02-29");
	assert_day(D("1969-12-31"), "1969-12-31");
	assert_false(cal_parse("2026-02-29", &d));
	assert_false(cal_parse("2026-2-28", &d));
	assert_false(cal_parse("2026/02/28", &d));
	assert_false(cal_parse("2026-02-28x", &d));
	assert_false(cal_parse("", &d));
	assert_false(cal_parse(NULL, &d));
}

static void test_due_dates_over_month_and_year_ends(void **state)
{
	(void)state;
	struct closed_days none = { NULL, 0 };
	assert_day(cal_due_date(&none, D("2026-01-31"), 21).due, "2026-02-21");
	assert_day(cal_due_date(&none, D("2024-02-28"), 1).due, "2024-02-29");
	assert_day(cal_due_date(&none, D("2026-02-28"), 1).due, "2026-03-01");
	assert_day(cal_due_date(&none, D("2026-12-20"), 21).due, "2027-01-10");
	struct due_calc r = cal_due_date(&none, D("2026-11-22"), 21);
	assert_int_equal(r.closed_skipped, 0);
	assert_int_equal(r.due, r.nominal);
}

static void test_due_dates_move_past_closed_days(void **state)
{
	(void)state;
	/* A Christmas closure: 24 Dec to 1 Jan. */
	lday days[9];
	for (int i = 0; i < 9; i++)
		days[i] = D("2026-12-24") + i;
	struct closed_days xmas = { days, 9 };
	struct due_calc r = cal_due_date(&xmas, D("2026-12-04"), 21);
	assert_day(r.nominal, "2026-12-25");
	assert_day(r.due, "2027-01-02");
	assert_int_equal(r.closed_skipped, 8);
	assert_true(cal_is_closed(&xmas, D("2027-01-01")));
	assert_false(cal_is_closed(&xmas, D("2027-01-02")));
	assert_day(cal_next_open(&xmas, D("2026-12-23")), "2026-12-23");
	/* A single closed day moves a date by one. */
	lday one[] = { D("2026-06-01") };
	struct closed_days single = { one, 1 };
	assert_day(cal_next_open(&single, D("2026-06-01")), "2026-06-02");
}

static void test_fines_grace_and_cap(void **state)
{
	(void)state;
	struct closed_days none = { NULL, 0 };
	lday due = D("2026-03-10");
	struct fine_calc f = cal_fine(&none, &defaults, due, due);
	assert_int_equal(f.cents, 0);
	assert_false(f.in_grace);
	f = cal_fine(&none, &defaults, due, due - 5);
	assert_int_equal(f.cents, 0);
	f = cal_fine(&none, &defaults, due, due + 1);
	assert_int_equal(f.cents, 0);
	assert_true(f.in_grace);
	f = cal_fine(&none, &defaults, due, due + 2);
	assert_int_equal(f.cents, 25);
	assert_int_equal(f.days_late, 2);
	assert_int_equal(f.days_charged, 1);
	/* 40 charged days reach the cap exactly; more stays at it. */
	f = cal_fine(&none, &defaults, due, due + 41);
	assert_int_equal(f.cents, 1000);
	assert_false(f.capped);
	f = cal_fine(&none, &defaults, due, due + 42);
	assert_int_equal(f.cents, 1000);
	assert_true(f.capped);
	struct fine_rule no_cap = { 25, 0, 0 };
	f = cal_fine(&none, &no_cap, due, due + 100);
	assert_int_equal(f.cents, 2500);
	struct fine_rule free_rule = { 0, 1, 1000 };
	assert_int_equal(cal_fine(&none, &free_rule, due, due + 30).cents, 0);
	struct fine_rule long_grace = { 25, 10, 1000 };
	f = cal_fine(&none, &long_grace, due, due + 4);
	assert_int_equal(f.cents, 0);
	assert_true(f.in_grace);
}

static void test_fines_across_leap_day_and_year_end(void **state)
{
	(void)state;
	struct closed_days none = { NULL, 0 };
	/* Due 28 Feb 2024, returned 2 March: 29 Feb (grace), 1 and 2 March. */
	struct fine_calc f = cal_fine(&none, &defaults, D("2024-02-28"), D("2024-03-02"));
	assert_int_equal(f.days_late, 3);
	assert_int_equal(f.cents, 50);
	f = cal_fine(&none, &defaults, D("2026-12-30"), D("2027-01-03"));
	assert_int_equal(f.days_late, 4);
	assert_int_equal(f.cents, 75);
}

static void test_closed_days_are_not_charged(void **state)
{
	(void)state;
	lday due = D("2026-05-01");
	/* Closed on the grace day and on two later days. */
	lday days[] = { due + 1, due + 3, due + 4 };
	struct closed_days closed = { days, 3 };
	struct fine_calc f = cal_fine(&closed, &defaults, due, due + 6);
	assert_int_equal(f.days_late, 6);
	assert_int_equal(f.closed_skipped, 2);
	assert_int_equal(f.days_charged, 3);
	assert_int_equal(f.cents, 75);
}

static void test_huge_ranges_do_not_overflow(void **state)
{
	(void)state;
	struct closed_days none = { NULL, 0 };
	struct fine_rule big = { 100000000, 0, 0 };
	struct fine_calc f = cal_fine(&none, &big, D("2000-01-01"), D("2099-12-31"));
	assert_true(f.cents > 0);
	assert_int_equal(f.days_late, D("2099-12-31") - D("2000-01-01"));
	struct fine_rule negative = { -5, -3, 0 };
	assert_int_equal(cal_fine(&none, &negative, D("2026-01-01"), D("2026-02-01")).cents, 0);
}

static void test_days_follow_the_time_zone(void **state)
{
	(void)state;
	setenv("TZ", "Europe/London", 1);
	tzset();
	/* Both clock changes of 2026: 29 March and 25 October. */
	for (lday d = D("2026-03-27"); d <= D("2026-03-31"); d++) {
		assert_int_equal(cal_day_of(cal_day_start(d)), d);
		assert_int_equal(cal_day_of(cal_day_start(d + 1) - 1), d);
	}
	for (lday d = D("2026-10-23"); d <= D("2026-10-27"); d++) {
		assert_int_equal(cal_day_of(cal_day_start(d)), d);
		assert_int_equal(cal_day_of(cal_day_start(d + 1) - 1), d);
	}
	/* 23:30 UTC on 1 July is already 2 July in London. */
	assert_day(cal_day_of(cal_day_start(D("2026-07-02")) + 0), "2026-07-02");
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(cal_day_start(D("1970-01-02")), 86400);
	assert_int_equal(cal_day_of(86399), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ymd_round_trip_and_leap_years),
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_due_dates_over_month_and_year_ends),
		cmocka_unit_test(test_due_dates_move_past_closed_days),
		cmocka_unit_test(test_fines_grace_and_cap),
		cmocka_unit_test(test_fines_across_leap_day_and_year_end),
		cmocka_unit_test(test_closed_days_are_not_charged),
		cmocka_unit_test(test_huge_ranges_do_not_overflow),
		cmocka_unit_test(test_days_follow_the_time_zone),
	};
	return cmocka_run_group_tests_name("calendar", tests, NULL, NULL);
}
