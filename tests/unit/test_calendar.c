/*
** test_calendar.c: unit tests of library days (calendar.c): date
** arithmetic over the whole supported range, parsing and formatting, due
** dates over month and year ends and closed days, fines with grace, caps
** and closed days (checked against a day-by-day reference), inputs at the
** ends of the long range, and day starts across clock changes in several
** time zones.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"

#define FIRST_DAY (-719162L)    /* 0001-01-01 */
#define LAST_DAY  2932896L      /* 9999-12-31 */

/* The library's defaults: 25 cents a day after 1 day of grace, capped at
** 10.00. */
static const struct fine_rule defaults = { 25, 1, 1000 };
static const struct closed_days none = { NULL, 0, 0 };

/* The day of a date the test knows to be valid. */
static lday D(const char *s)
{
	lday d = LONG_MIN;
	assert_true(cal_parse(s, &d));
	return d;
}

static void assert_day(lday d, const char *want)
{
	char s[11];
	cal_format(d, s);
	assert_string_equal(s, want);
}

/* An instant given in UTC, built without the code under test's mktime. */
static time_t utc(const char *date, int h, int m, int s)
{
	return (time_t)D(date) * 86400 + h * 3600 + m * 60 + s;
}

/*
** Date arithmetic
*/

static void test_ymd_anchors(void **state)
{
	(void)state;
	assert_int_equal(cal_from_ymd(1970, 1, 1), 0);
	assert_int_equal(cal_from_ymd(1969, 12, 31), -1);
	assert_int_equal(cal_from_ymd(1970, 1, 2), 1);
	assert_int_equal(cal_from_ymd(2000, 1, 1), 10957);
	assert_int_equal(cal_from_ymd(2000, 3, 1), 11017);
	assert_int_equal(cal_from_ymd(2026, 11, 22), 20779);
	assert_int_equal(cal_from_ymd(1900, 1, 1), -25567);
	assert_int_equal(cal_from_ymd(1, 1, 1), FIRST_DAY);
	assert_int_equal(cal_from_ymd(9999, 12, 31), LAST_DAY);
}

/* Every day from 1900 to 2100 against a calendar kept by hand: the day
** after y-m-d is y-m-(d+1), or the first of the next month, or 1 January. */
static void test_ymd_every_day_1900_2100(void **state)
{
	(void)state;
	int y = 1900, m = 1, md = 1;
	lday d = cal_from_ymd(1900, 1, 1);
	while (y <= 2100) {
		int yy, mm, dd;
		assert_int_equal(cal_from_ymd(y, m, md), d);
		cal_to_ymd(d, &yy, &mm, &dd);
		assert_int_equal(yy, y);
		assert_int_equal(mm, m);
		assert_int_equal(dd, md);
		static const int len[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
		bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
		int n = m == 2 && leap ? 29 : len[m - 1];
		if (++md > n) {
			md = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
		d++;
	}
	assert_int_equal(d - 1, cal_from_ymd(2100, 12, 31));
}

/* The whole supported range round-trips, and the day numbers are
** consecutive (each date is the day after the previous one). */
static void test_ymd_round_trip_all_years(void **state)
{
	(void)state;
	int py = 0, pm = 12, pd = 31;
	for (lday d = FIRST_DAY; d <= LAST_DAY; d++) {
		int y, m, md;
		cal_to_ymd(d, &y, &m, &md);
		assert_true(y >= 1 && y <= 9999);
		if (cal_from_ymd(y, m, md) != d)
			fail_msg("day %ld -> %04d-%02d-%02d -> %ld", d, y, m, md,
				cal_from_ymd(y, m, md));
		/* Consecutive: same month and the next day, or day 1 of the next
		** month, or 1 January of the next year. */
		assert_true((y == py && m == pm && md == pd + 1)
			|| (y == py && m == pm + 1 && md == 1)
			|| (y == py + 1 && m == 1 && md == 1 && pm == 12 && pd == 31));
		py = y, pm = m, pd = md;
	}
	assert_int_equal(py, 9999);
}

static void test_leap_years(void **state)
{
	(void)state;
	/* February's length is 1 March minus 1 February, minus 28. */
	static const struct { int year; bool leap; } years[] = {
		{ 2000, true }, { 1900, false }, { 2024, true }, { 2100, false },
		{ 2026, false }, { 1600, true }, { 2400, true }, { 1, false },
		{ 4, true }, { 9996, true }, { 9999, false }, { 2028, true },
	};
	for (size_t i = 0; i < sizeof years / sizeof years[0]; i++) {
		int y = years[i].year;
		lday feb = cal_from_ymd(y, 2, 1), mar = cal_from_ymd(y, 3, 1);
		assert_int_equal(mar - feb, years[i].leap ? 29 : 28);
		if (years[i].leap)
			assert_int_equal(cal_from_ymd(y, 2, 29), mar - 1);
		else
			assert_int_equal(cal_from_ymd(y, 2, 29), -1);
		if (y < 9999)
			assert_int_equal(cal_from_ymd(y + 1, 1, 1) - cal_from_ymd(y, 1, 1),
				years[i].leap ? 366 : 365);
	}
}

static void test_impossible_dates(void **state)
{
	(void)state;
	static const int bad[][3] = {
		{ 2026, 2, 29 }, { 2026, 13, 1 }, { 2026, 0, 1 }, { 2026, 1, 0 },
		{ 2026, 1, 32 }, { 2026, 4, 31 }, { 2026, 6, 31 }, { 2026, 9, 31 },
		{ 2026, 11, 31 }, { 2024, 2, 30 }, { 1900, 2, 29 }, { 2100, 2, 29 },
		{ 0, 1, 1 }, { -1, 12, 31 }, { 10000, 1, 1 }, { 2026, -1, 1 },
		{ 2026, 1, -1 }, { INT_MIN, 1, 1 }, { INT_MAX, 1, 1 },
		{ 2026, INT_MAX, 1 }, { 2026, INT_MIN, 1 }, { 2026, 1, INT_MAX },
		{ 2026, 1, INT_MIN },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(cal_from_ymd(bad[i][0], bad[i][1], bad[i][2]), -1);
	/* The last day of every month exists. */
	assert_true(cal_from_ymd(2026, 4, 30) > 0);
	assert_true(cal_from_ymd(2026, 12, 31) > 0);
	assert_true(cal_from_ymd(2026, 1, 31) > 0);
}

/* Day numbers outside 0001-01-01 .. 9999-12-31 come out clamped, so no
** input overflows or yields a year that does not fit four digits. */
static void test_to_ymd_clamps(void **state)
{
	(void)state;
	static const lday low[] = { LONG_MIN, LONG_MIN + 1, -1000000000L, FIRST_DAY - 1 };
	static const lday high[] = { LONG_MAX, LONG_MAX - 1, 1000000000L, LAST_DAY + 1 };
	int y, m, md;
	for (size_t i = 0; i < 4; i++) {
		cal_to_ymd(low[i], &y, &m, &md);
		assert_true(y == 1 && m == 1 && md == 1);
		assert_day(low[i], "0001-01-01");
		cal_to_ymd(high[i], &y, &m, &md);
		assert_true(y == 9999 && m == 12 && md == 31);
		assert_day(high[i], "9999-12-31");
	}
}

/*
** Parsing and formatting
*/

static void test_parse_valid(void **state)
{
	(void)state;
	lday d;
	assert_true(cal_parse("1970-01-01", &d));
	assert_int_equal(d, 0);
	/* -1 is a day like any other (cal_from_ymd's -1 is not an error here). */
	assert_true(cal_parse("1969-12-31", &d));
	assert_int_equal(d, -1);
	assert_true(cal_parse("0001-01-01", &d));
	assert_int_equal(d, FIRST_DAY);
	assert_true(cal_parse("9999-12-31", &d));
	assert_int_equal(d, LAST_DAY);
	assert_true(cal_parse("2024-02-29", &d));
	assert_int_equal(d, cal_from_ymd(2024, 2, 29));
	assert_true(cal_parse("2000-02-29", &d));
	assert_true(cal_parse("2026-11-22", &d));
	assert_int_equal(d, 20779);
}

static void test_parse_invalid(void **state)
{
	(void)state;
	static const char *bad[] = {
		"", "2026", "2026-02-2", "2026-2-28", "2026-02-028", "2026/02/28",
		"2026.02.28", "20260228", "2026-02-28x", "2026-02-28 ", " 2026-02-28",
		"x2026-02-28", "+026-02-28", "-026-02-28", "2026-+2-28", "2026--2-28",
		"2026-02--8", "2026-0a-28", "2026-02-2a", "2O26-02-28", "2026-02-28\n",
		"0000-01-01", "2026-00-10", "2026-13-01", "2026-99-01", "2026-01-00",
		"2026-01-32", "2026-02-29", "2100-02-29", "1900-02-29", "2026-04-31",
		"2026-06-31", "2026-09-31", "2026-11-31", "2024-02-30",
		"\xb2" "026-02-28", "2026-02-\xb2" "8",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		lday d = 12345;
		if (cal_parse(bad[i], &d))
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(d, 12345);    /* nothing written */
	}
	lday d = 12345;
	assert_false(cal_parse(NULL, &d));
	assert_int_equal(d, 12345);
}

/* A short string in a buffer of its own size: cal_parse must stop at its
** end (the address sanitizer sees a read past it). */
static void test_parse_reads_no_further_than_the_string(void **state)
{
	(void)state;
	for (size_t len = 0; len < 10; len++) {
		char *s = malloc(len + 1);
		assert_non_null(s);
		memcpy(s, "2026-02-28", len);
		s[len] = '\0';
		lday d = 7;
		assert_false(cal_parse(s, &d));
		assert_int_equal(d, 7);
		free(s);
	}
}

static void test_format(void **state)
{
	(void)state;
	assert_day(0, "1970-01-01");
	assert_day(-1, "1969-12-31");
	assert_day(FIRST_DAY, "0001-01-01");
	assert_day(LAST_DAY, "9999-12-31");
	assert_day(cal_from_ymd(2024, 2, 29), "2024-02-29");
	assert_day(cal_from_ymd(987, 6, 5), "0987-06-05");
	assert_day(cal_from_ymd(2026, 11, 22), "2026-11-22");
	/* Exactly ten characters and a NUL, never more. */
	char s[12];
	memset(s, '#', sizeof s);
	cal_format(cal_from_ymd(2026, 1, 9), s);
	assert_int_equal(s[10], '\0');
	assert_int_equal(s[11], '#');
	assert_string_equal(s, "2026-01-09");
}

/* Every day from 1900 to 2100 formats and parses back to itself. */
static void test_parse_format_round_trip(void **state)
{
	(void)state;
	for (lday d = cal_from_ymd(1900, 1, 1); d <= cal_from_ymd(2100, 12, 31); d++) {
		char s[11];
		int y, m, md;
		lday back = LONG_MIN;
		cal_format(d, s);
		cal_to_ymd(d, &y, &m, &md);
		char want[32];
		snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, md);
		assert_string_equal(s, want);
		assert_true(cal_parse(s, &back));
		assert_int_equal(back, d);
	}
}

/*
** Closed days and due dates
*/

static void test_is_closed(void **state)
{
	(void)state;
	assert_false(cal_is_closed(&none, 0));
	assert_false(cal_is_closed(NULL, 0));
	lday one[] = { 100 };
	struct closed_days c1 = { one, 1, 0 };
	assert_true(cal_is_closed(&c1, 100));
	assert_false(cal_is_closed(&c1, 99));
	assert_false(cal_is_closed(&c1, 101));
	/* Every third day of a long stretch, and the ends of the long range. */
	enum { N = 1000 };
	static lday many[N + 2];
	many[0] = LONG_MIN;
	for (int i = 0; i < N; i++)
		many[i + 1] = 3L * i;
	many[N + 1] = LONG_MAX;
	struct closed_days c = { many, N + 2, 0 };
	for (lday d = -10; d < 3L * N + 10; d++)
		assert_int_equal(cal_is_closed(&c, d), d >= 0 && d < 3L * N && d % 3 == 0);
	assert_true(cal_is_closed(&c, LONG_MIN));
	assert_true(cal_is_closed(&c, LONG_MAX));
	assert_false(cal_is_closed(&c, LONG_MIN + 1));
	assert_false(cal_is_closed(&c, LONG_MAX - 1));
}

static void test_next_open(void **state)
{
	(void)state;
	lday d = D("2026-06-01");
	assert_int_equal(cal_next_open(&none, d), d);
	assert_int_equal(cal_next_open(NULL, d), d);
	lday days[] = { d, d + 1, d + 2, d + 4, d + 6, d + 7 };
	struct closed_days c = { days, 6, 0 };
	assert_int_equal(cal_next_open(&c, d - 1), d - 1);
	assert_int_equal(cal_next_open(&c, d), d + 3);
	assert_int_equal(cal_next_open(&c, d + 1), d + 3);
	assert_int_equal(cal_next_open(&c, d + 3), d + 3);
	assert_int_equal(cal_next_open(&c, d + 4), d + 5);
	assert_int_equal(cal_next_open(&c, d + 6), d + 8);
	assert_int_equal(cal_next_open(&c, d + 8), d + 8);
}

/* When every day from d on is closed there is nowhere to move to: the
** only way for a finite list is to run up to the largest day there is. */
static void test_next_open_every_day_closed(void **state)
{
	(void)state;
	lday days[] = { LONG_MAX - 3, LONG_MAX - 2, LONG_MAX - 1, LONG_MAX };
	struct closed_days c = { days, 4, 0 };
	assert_int_equal(cal_next_open(&c, LONG_MAX - 3), LONG_MAX - 3);
	assert_int_equal(cal_next_open(&c, LONG_MAX), LONG_MAX);
	assert_int_equal(cal_next_open(&c, LONG_MAX - 4), LONG_MAX - 4);
	struct due_calc r = cal_due_date(&c, LONG_MAX - 10, 8);
	assert_int_equal(r.nominal, LONG_MAX - 2);
	assert_int_equal(r.due, LONG_MAX - 2);
	assert_int_equal(r.closed_skipped, 0);
	/* A whole closed year: the next open day is the one after it. */
	enum { N = 366 };
	static lday year[N];
	for (int i = 0; i < N; i++)
		year[i] = D("2028-01-01") + i;
	struct closed_days y = { year, N, 0 };
	assert_day(cal_next_open(&y, D("2028-01-01")), "2029-01-01");
	assert_day(cal_next_open(&y, D("2028-12-31")), "2029-01-01");
	r = cal_due_date(&y, D("2027-12-11"), 21);
	assert_day(r.nominal, "2028-01-01");
	assert_day(r.due, "2029-01-01");
	assert_int_equal(r.closed_skipped, 366);
}

static void test_due_dates_over_month_and_year_ends(void **state)
{
	(void)state;
	static const struct { const char *from; int days; const char *due; } cases[] = {
		{ "2026-01-31", 21, "2026-02-21" },
		{ "2026-01-31", 28, "2026-02-28" },
		{ "2026-01-31", 29, "2026-03-01" },
		{ "2024-01-31", 29, "2024-02-29" },
		{ "2024-02-28", 1, "2024-02-29" },
		{ "2024-02-29", 1, "2024-03-01" },
		{ "2026-02-28", 1, "2026-03-01" },
		{ "2100-02-28", 1, "2100-03-01" },
		{ "2000-02-28", 1, "2000-02-29" },
		{ "2026-12-31", 1, "2027-01-01" },
		{ "2026-12-20", 21, "2027-01-10" },
		{ "2026-12-31", 21, "2027-01-21" },
		{ "2026-04-30", 1, "2026-05-01" },
		{ "2026-11-22", 0, "2026-11-22" },
		{ "2026-11-22", 365, "2027-11-22" },
		{ "2027-11-22", 366, "2028-11-22" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct due_calc r = cal_due_date(&none, D(cases[i].from), cases[i].days);
		assert_day(r.due, cases[i].due);
		assert_int_equal(r.nominal, r.due);
		assert_int_equal(r.closed_skipped, 0);
	}
	/* A negative loan counts as none. */
	struct due_calc r = cal_due_date(&none, D("2026-11-22"), -5);
	assert_day(r.due, "2026-11-22");
	assert_day(r.nominal, "2026-11-22");
	r = cal_due_date(NULL, D("2026-11-22"), 21);
	assert_day(r.due, "2026-12-13");
	/* Beyond the largest day the nominal date stops there. */
	r = cal_due_date(&none, LONG_MAX - 3, INT_MAX);
	assert_int_equal(r.nominal, LONG_MAX);
	assert_int_equal(r.due, LONG_MAX);
	assert_int_equal(r.closed_skipped, 0);
}

static void test_due_dates_move_past_closed_days(void **state)
{
	(void)state;
	/* A Christmas closure, 24 December to 1 January, and Easter Monday. */
	lday days[10];
	for (int i = 0; i < 9; i++)
		days[i] = D("2026-12-24") + i;
	days[9] = D("2027-03-29");
	struct closed_days c = { days, 10, 0 };

	struct due_calc r = cal_due_date(&c, D("2026-12-04"), 21);
	assert_day(r.nominal, "2026-12-25");
	assert_day(r.due, "2027-01-02");
	assert_int_equal(r.closed_skipped, 8);
	r = cal_due_date(&c, D("2026-12-03"), 21);
	assert_day(r.due, "2027-01-02");
	assert_int_equal(r.closed_skipped, 9);
	r = cal_due_date(&c, D("2026-12-11"), 21);       /* on 1 January */
	assert_day(r.due, "2027-01-02");
	assert_int_equal(r.closed_skipped, 1);
	r = cal_due_date(&c, D("2026-12-02"), 21);       /* the day before */
	assert_day(r.due, "2026-12-23");
	assert_int_equal(r.closed_skipped, 0);
	/* Closed days between from and the due date do not matter. */
	r = cal_due_date(&c, D("2026-12-20"), 21);
	assert_day(r.due, "2027-01-10");
	assert_int_equal(r.closed_skipped, 0);
	/* A single closed day moves the date by one. */
	r = cal_due_date(&c, D("2027-03-08"), 21);
	assert_day(r.nominal, "2027-03-29");
	assert_day(r.due, "2027-03-30");
	assert_int_equal(r.closed_skipped, 1);
	assert_true(cal_is_closed(&c, D("2027-01-01")));
	assert_false(cal_is_closed(&c, D("2027-01-02")));
	assert_false(cal_is_closed(&c, D("2026-12-23")));
}

/* cal_next_open against a walk day by day, over a year of irregular
** closures. */
static void test_next_open_against_walk(void **state)
{
	(void)state;
	lday base = D("2026-01-01");
	static lday days[400];
	size_t n = 0;
	for (lday d = base; d < base + 400; d++)
		if ((d * 7919) % 11 < 4 || (d >= base + 350 && d < base + 360))
			days[n++] = d;
	struct closed_days c = { days, n, 0 };
	for (lday d = base - 5; d < base + 405; d++) {
		lday e = d;
		while (e >= base && e < base + 400
			&& ((e * 7919) % 11 < 4 || (e >= base + 350 && e < base + 360)))
			e++;
		assert_int_equal(cal_next_open(&c, d), e);
	}
}

/*
** Fines
*/

static void assert_fine(struct fine_calc f, long cents, int late, int charged,
	int skipped, bool grace, bool capped)
{
	assert_int_equal(f.cents, cents);
	assert_int_equal(f.days_late, late);
	assert_int_equal(f.days_charged, charged);
	assert_int_equal(f.closed_skipped, skipped);
	assert_int_equal(f.in_grace, grace);
	assert_int_equal(f.capped, capped);
}

static void test_fine_on_time_and_in_grace(void **state)
{
	(void)state;
	lday due = D("2026-03-10");
	assert_fine(cal_fine(&none, &defaults, due, due), 0, 0, 0, 0, false, false);
	assert_fine(cal_fine(&none, &defaults, due, due - 5), 0, 0, 0, 0, false, false);
	assert_fine(cal_fine(&none, &defaults, due, LONG_MIN), 0, 0, 0, 0, false, false);
	assert_fine(cal_fine(&none, &defaults, due, due + 1), 0, 1, 0, 0, true, false);
	/* One day past the grace. */
	assert_fine(cal_fine(&none, &defaults, due, due + 2), 25, 2, 1, 0, false, false);
	assert_fine(cal_fine(&none, &defaults, due, due + 11), 250, 11, 10, 0, false, false);
	assert_fine(cal_fine(NULL, &defaults, due, due + 3), 50, 3, 2, 0, false, false);
}

static void test_fine_cap(void **state)
{
	(void)state;
	lday due = D("2026-03-10");
	/* 40 charged days come to the cap exactly: not cut by it. */
	assert_fine(cal_fine(&none, &defaults, due, due + 40), 975, 40, 39, 0, false, false);
	assert_fine(cal_fine(&none, &defaults, due, due + 41), 1000, 41, 40, 0, false, false);
	assert_fine(cal_fine(&none, &defaults, due, due + 42), 1000, 42, 41, 0, false, true);
	assert_fine(cal_fine(&none, &defaults, due, due + 400), 1000, 400, 399, 0, false, true);
	/* No cap, and a negative cap is no cap either. */
	struct fine_rule no_cap = { 25, 1, 0 };
	assert_fine(cal_fine(&none, &no_cap, due, due + 101), 2500, 101, 100, 0, false, false);
	struct fine_rule neg_cap = { 25, 1, -1 };
	assert_fine(cal_fine(&none, &neg_cap, due, due + 101), 2500, 101, 100, 0, false, false);
	/* A cap below one day's charge. */
	struct fine_rule tiny = { 25, 0, 10 };
	assert_fine(cal_fine(&none, &tiny, due, due + 1), 10, 1, 1, 0, false, true);
}

static void test_fine_free_and_odd_rules(void **state)
{
	(void)state;
	lday due = D("2026-03-10");
	struct fine_rule free_rule = { 0, 1, 1000 };
	assert_fine(cal_fine(&none, &free_rule, due, due + 30), 0, 30, 29, 0, false, false);
	/* Grace longer than the lateness. */
	struct fine_rule long_grace = { 25, 10, 1000 };
	assert_fine(cal_fine(&none, &long_grace, due, due + 4), 0, 4, 0, 0, true, false);
	assert_fine(cal_fine(&none, &long_grace, due, due + 10), 0, 10, 0, 0, true, false);
	assert_fine(cal_fine(&none, &long_grace, due, due + 11), 25, 11, 1, 0, false, false);
	/* Negative amounts and grace count as nothing. */
	struct fine_rule negative = { -5, -3, 0 };
	assert_fine(cal_fine(&none, &negative, due, due + 31), 0, 31, 31, 0, false, false);
	struct fine_rule neg_grace = { 25, -3, 0 };
	assert_fine(cal_fine(&none, &neg_grace, due, due + 1), 25, 1, 1, 0, false, false);
	struct fine_rule min_grace = { 25, INT_MIN, 0 };
	assert_fine(cal_fine(&none, &min_grace, due, due + 2), 50, 2, 2, 0, false, false);
	struct fine_rule min_day = { LONG_MIN, 0, 0 };
	assert_fine(cal_fine(&none, &min_day, due, due + 2), 0, 2, 2, 0, false, false);
	/* No grace: the first late day is charged. */
	struct fine_rule strict = { 10, 0, 0 };
	assert_fine(cal_fine(&none, &strict, due, due + 1), 10, 1, 1, 0, false, false);
}

static void test_fine_closed_days(void **state)
{
	(void)state;
	lday due = D("2026-05-01");
	/* Closed on the grace day and on two later days. */
	lday days[] = { due - 1, due, due + 1, due + 3, due + 4, due + 30 };
	struct closed_days c = { days, 6, 0 };
	assert_fine(cal_fine(&c, &defaults, due, due + 1), 0, 1, 0, 0, true, false);
	assert_fine(cal_fine(&c, &defaults, due, due + 2), 25, 2, 1, 0, false, false);
	assert_fine(cal_fine(&c, &defaults, due, due + 3), 25, 3, 1, 1, false, false);
	assert_fine(cal_fine(&c, &defaults, due, due + 4), 25, 4, 1, 2, false, false);
	assert_fine(cal_fine(&c, &defaults, due, due + 6), 75, 6, 3, 2, false, false);
	/* Returned on a closed day: that day is not charged either. */
	assert_fine(cal_fine(&c, &defaults, due, due + 30), 650, 30, 26, 3, false, false);
	/* Every chargeable day closed: late, past the grace, and no fine. */
	lday after[] = { due + 2, due + 3, due + 4 };
	struct closed_days all = { after, 3, 0 };
	assert_fine(cal_fine(&all, &defaults, due, due + 4), 0, 4, 0, 3, false, false);
	/* Closed days only inside a longer grace are just grace. */
	struct fine_rule g3 = { 25, 3, 0 };
	assert_fine(cal_fine(&all, &g3, due, due + 3), 0, 3, 0, 0, true, false);
	assert_fine(cal_fine(&all, &g3, due, due + 5), 25, 5, 1, 1, false, false);
	/* The Christmas run in the late window. */
	lday xmas[9];
	for (int i = 0; i < 9; i++)
		xmas[i] = D("2026-12-24") + i;
	struct closed_days x = { xmas, 9, 0 };
	assert_fine(cal_fine(&x, &defaults, D("2026-12-20"), D("2027-01-05")),
		(16 - 1 - 9) * 25, 16, 6, 9, false, false);
}

static void test_fine_across_leap_day_and_year_end(void **state)
{
	(void)state;
	/* Due 28 Feb 2024, returned 2 March: 29 Feb is grace, 1 and 2 March
	** are charged. */
	assert_fine(cal_fine(&none, &defaults, D("2024-02-28"), D("2024-03-02")),
		50, 3, 2, 0, false, false);
	/* The same dates in 2026 are a day shorter. */
	assert_fine(cal_fine(&none, &defaults, D("2026-02-28"), D("2026-03-02")),
		25, 2, 1, 0, false, false);
	assert_fine(cal_fine(&none, &defaults, D("2100-02-28"), D("2100-03-02")),
		25, 2, 1, 0, false, false);
	assert_fine(cal_fine(&none, &defaults, D("2026-12-30"), D("2027-01-03")),
		75, 4, 3, 0, false, false);
	assert_fine(cal_fine(&none, &defaults, D("2026-12-31"), D("2027-01-01")),
		0, 1, 0, 0, true, false);
	assert_fine(cal_fine(&none, &defaults, D("2026-12-31"), D("2027-01-02")),
		25, 2, 1, 0, false, false);
}

static void test_fine_huge_ranges(void **state)
{
	(void)state;
	lday due = D("2000-01-01"), on = D("2099-12-31");
	int late = (int)(on - due);
	assert_int_equal(late, 36524);
	assert_fine(cal_fine(&none, &defaults, due, on), 1000, late, late - 1, 0, false, true);
	struct fine_rule no_cap = { 25, 1, 0 };
	assert_fine(cal_fine(&none, &no_cap, due, on), (late - 1) * 25L, late, late - 1, 0,
		false, false);
	/* A per-day charge that overflows saturates, capped or not. */
	struct fine_rule huge = { LONG_MAX, 0, 0 };
	assert_fine(cal_fine(&none, &huge, due, on), LONG_MAX, late, late, 0, false, false);
	assert_fine(cal_fine(&none, &huge, due, due + 1), LONG_MAX, 1, 1, 0, false, false);
	struct fine_rule huge_capped = { LONG_MAX / 2, 0, 5000 };
	assert_fine(cal_fine(&none, &huge_capped, due, on), 5000, late, late, 0, false, true);
	struct fine_rule near = { LONG_MAX / 36524, 0, 0 };
	assert_fine(cal_fine(&none, &near, due, on), LONG_MAX / 36524 * 36524, late, late, 0,
		false, false);
	struct fine_rule over = { LONG_MAX / 36524 + 1, 0, 0 };
	assert_int_equal(cal_fine(&none, &over, due, on).cents, LONG_MAX);

	/* Every Sunday of the century closed: counted by search, not a walk. */
	static lday sundays[5300];
	size_t n = 0;
	for (lday d = D("2000-01-02"); d <= on; d += 7)       /* a Sunday */
		sundays[n++] = d;
	assert_int_equal(n, 5218);
	struct closed_days c = { sundays, n, 0 };
	struct fine_calc f = cal_fine(&c, &no_cap, due, on);
	/* 2 January 2000, the first Sunday, is the day of grace: not skipped. */
	assert_int_equal(f.closed_skipped, 5217);
	assert_int_equal(f.days_charged, late - 1 - 5217);
	assert_int_equal(f.cents, (late - 1 - 5217) * 25L);

	/* The ends of the long range: the counts saturate, nothing wraps. */
	struct fine_rule one = { 1, 0, 0 };
	assert_fine(cal_fine(&none, &one, LONG_MIN, LONG_MAX), LONG_MAX, INT_MAX, INT_MAX, 0,
		false, false);
	assert_fine(cal_fine(&none, &defaults, LONG_MIN, LONG_MAX), 1000, INT_MAX, INT_MAX, 0,
		false, true);
	lday ends[] = { LONG_MIN, LONG_MIN + 1, 0, LONG_MAX };
	struct closed_days e = { ends, 4, 0 };
	f = cal_fine(&e, &one, LONG_MIN, LONG_MAX);
	assert_int_equal(f.closed_skipped, 3);   /* LONG_MIN is the due day */
	assert_int_equal(f.cents, LONG_MAX);
	struct fine_rule all_grace = { 25, INT_MAX, 0 };
	f = cal_fine(&e, &all_grace, LONG_MAX - INT_MAX, LONG_MAX);
	assert_fine(f, 0, INT_MAX, 0, 0, true, false);
	f = cal_fine(&e, &all_grace, LONG_MAX - INT_MAX - 2L, LONG_MAX);
	assert_fine(f, 25, INT_MAX, 1, 1, false, false);
	f = cal_fine(&e, &all_grace, LONG_MIN, LONG_MAX);
	assert_int_equal(f.days_late, INT_MAX);
	assert_int_equal(f.days_charged, INT_MAX);
	assert_int_equal(f.cents, LONG_MAX);
}

/* The fine computed day by day, as the header describes it. */
static struct fine_calc fine_by_walk(const struct closed_days *c,
	const struct fine_rule *r, lday due, lday on)
{
	struct fine_calc f = { 0 };
	long per_day = r->per_day_cents > 0 ? r->per_day_cents : 0;
	int grace = r->grace_days > 0 ? r->grace_days : 0;
	for (lday d = due + 1; d <= on; d++) {
		f.days_late++;
		if (f.days_late <= grace)
			continue;
		if (cal_is_closed(c, d))
			f.closed_skipped++;
		else
			f.days_charged++;
	}
	f.in_grace = f.days_late > 0 && f.days_late <= grace;
	f.cents = f.days_charged * per_day;
	if (r->cap_cents > 0 && f.cents > r->cap_cents) {
		f.cents = r->cap_cents;
		f.capped = true;
	}
	return f;
}

static void test_fine_against_walk(void **state)
{
	(void)state;
	lday base = D("2025-12-01");
	static lday days[500];
	size_t n = 0;
	for (lday d = base; d < base + 500; d++)
		if ((d * 7919) % 13 < 3 || (d >= base + 23 && d < base + 33))
			days[n++] = d;
	struct closed_days c = { days, n, 0 };
	static const struct fine_rule rules[] = {
		{ 25, 1, 1000 }, { 25, 0, 0 }, { 10, 5, 300 }, { 7, 3, 0 },
		{ -5, -2, -1 }, { 100, 14, 150 },
	};
	for (size_t k = 0; k < sizeof rules / sizeof rules[0]; k++)
		for (lday due = base - 10; due < base + 440; due += 3)
			for (lday on = due - 2; on < due + 70; on++) {
				struct fine_calc a = cal_fine(&c, &rules[k], due, on);
				struct fine_calc b = fine_by_walk(&c, &rules[k], due, on);
				if (a.cents != b.cents || a.days_late != b.days_late
					|| a.days_charged != b.days_charged
					|| a.closed_skipped != b.closed_skipped
					|| a.in_grace != b.in_grace || a.capped != b.capped)
					fail_msg("rule %zu due %ld on %ld: %ld/%d/%d/%d, want %ld/%d/%d/%d",
						k, due, on, a.cents, a.days_late, a.days_charged,
						a.closed_skipped, b.cents, b.days_late,
						b.days_charged, b.closed_skipped);
			}
}

/*
** Weekly closing days
*/

/* The weekday of d counted from a Sunday the test knows, without
** cal_weekday. */
static int weekday_from_a_sunday(lday d)
{
	long r = (d - D("2026-12-06")) % 7;
	return (int)(r < 0 ? r + 7 : r);
}

static void test_weekday(void **state)
{
	(void)state;
	assert_int_equal(cal_weekday(0), 4);                    /* 1970-01-01, Thursday */
	assert_int_equal(cal_weekday(D("2026-12-06")), 0);      /* a Sunday */
	assert_int_equal(cal_weekday(D("2026-12-12")), 6);      /* a Saturday */
	assert_int_equal(cal_weekday(D("2000-02-29")), 2);      /* a Tuesday */
	assert_int_equal(cal_weekday(D("1969-12-31")), 3);      /* before day 0 */
	assert_int_equal(cal_weekday(FIRST_DAY), 1);            /* 0001-01-01, Monday */
	for (lday d = FIRST_DAY; d <= LAST_DAY; d += 997)
		assert_int_equal(cal_weekday(d), weekday_from_a_sunday(d));
	/* Defined for any day number. */
	assert_in_range(cal_weekday(LONG_MIN), 0, 6);
	assert_in_range(cal_weekday(LONG_MAX), 0, 6);
}

static void test_weekly_closed_days(void **state)
{
	(void)state;
	struct closed_days sundays = { NULL, 0, CAL_WEEKDAY_BIT(0) };
	assert_true(cal_is_closed(&sundays, D("2026-12-06")));
	assert_true(cal_is_closed(&sundays, D("2026-12-13")));
	assert_false(cal_is_closed(&sundays, D("2026-12-07")));
	assert_false(cal_is_closed(&none, D("2026-12-06")));
	/* A loan from Saturday 14 November for 22 days would fall due on
	** Sunday 6 December: it moves to the Monday. */
	struct due_calc r = cal_due_date(&sundays, D("2026-11-14"), 22);
	assert_day(r.nominal, "2026-12-06");
	assert_day(r.due, "2026-12-07");
	assert_int_equal(r.closed_skipped, 1);
	r = cal_due_date(&sundays, D("2026-11-15"), 21);        /* lands on a Sunday */
	assert_day(r.due, "2026-12-07");
	r = cal_due_date(&sundays, D("2026-11-16"), 21);        /* a Monday: stays */
	assert_day(r.due, "2026-12-07");
	assert_int_equal(r.closed_skipped, 0);
	/* Sundays and Mondays every week, and a closed Tuesday date: three days. */
	lday tuesday[] = { D("2026-12-08") };
	struct closed_days c = { tuesday, 1, CAL_WEEKDAY_BIT(0) | CAL_WEEKDAY_BIT(1) };
	r = cal_due_date(&c, D("2026-11-15"), 21);
	assert_day(r.due, "2026-12-09");
	assert_int_equal(r.closed_skipped, 3);
	/* A closed date on a weekly closed day is one closed day, not two. */
	lday sunday[] = { D("2026-12-06") };
	struct closed_days both = { sunday, 1, CAL_WEEKDAY_BIT(0) };
	assert_int_equal(cal_next_open(&both, D("2026-12-06")), D("2026-12-07"));
	/* Every weekday closed: no open day to move to. */
	struct closed_days all = { NULL, 0, CAL_ALL_WEEKDAYS };
	assert_int_equal(cal_next_open(&all, D("2026-12-06")), D("2026-12-06"));
	assert_int_equal(cal_next_open(&all, LONG_MAX), LONG_MAX);
	struct closed_days six = { NULL, 0, CAL_ALL_WEEKDAYS & ~CAL_WEEKDAY_BIT(3) };
	assert_day(cal_next_open(&six, D("2026-12-06")), "2026-12-09");
	assert_int_equal(cal_next_open(&six, LONG_MAX - 1) >= LONG_MAX - 1, 1);
}

static void test_weekly_closed_days_not_charged(void **state)
{
	(void)state;
	struct closed_days sundays = { NULL, 0, CAL_WEEKDAY_BIT(0) };
	/* Due Monday 30 November, back Monday 14 December: 14 days late, 1 of
	** grace, the Sundays 6 and 13 December not charged: 11 days. */
	struct fine_calc f = cal_fine(&sundays, &defaults, D("2026-11-30"), D("2026-12-14"));
	assert_fine(f, 275, 14, 11, 2, false, false);
	/* The same with 6 December also a closed date: still two days. */
	lday sunday[] = { D("2026-12-06") };
	struct closed_days both = { sunday, 1, CAL_WEEKDAY_BIT(0) };
	f = cal_fine(&both, &defaults, D("2026-11-30"), D("2026-12-14"));
	assert_fine(f, 275, 14, 11, 2, false, false);
	/* A Sunday inside the grace is grace, not a closed day skipped. */
	f = cal_fine(&sundays, &defaults, D("2026-12-05"), D("2026-12-07"));
	assert_fine(f, 25, 2, 1, 0, false, false);
	/* Every day closed: late, but nothing to charge. */
	struct closed_days all = { NULL, 0, CAL_ALL_WEEKDAYS };
	f = cal_fine(&all, &defaults, D("2026-11-30"), D("2026-12-14"));
	assert_fine(f, 0, 14, 0, 13, false, false);
	/* Centuries of Sundays: counted by whole weeks, exactly. */
	struct fine_rule free_rule = { 0, 0, 0 };
	f = cal_fine(&sundays, &free_rule, FIRST_DAY, LAST_DAY);
	long sundays_in_range = 0;
	for (lday d = FIRST_DAY + 1; d <= LAST_DAY; d++)
		sundays_in_range += weekday_from_a_sunday(d) == 0;
	assert_int_equal(f.closed_skipped, sundays_in_range);
	f = cal_fine(&sundays, &free_rule, LONG_MIN, LONG_MAX);
	assert_int_equal(f.days_late, INT_MAX);
	assert_int_equal(f.closed_skipped, INT_MAX);
}

/* A day closed by the dates of c or by the weekly mask, checked without
** calendar.c. */
static bool closed_by_hand(const struct closed_days *c, lday d)
{
	if (c->weekly & (1u << weekday_from_a_sunday(d)))
		return true;
	for (size_t i = 0; i < c->n; i++)
		if (c->days[i] == d)
			return true;
	return false;
}

/* Due dates and fines against day-by-day walks, for several weekly
** patterns over irregular closed dates (some on the weekly days). */
static void test_weekly_against_walk(void **state)
{
	(void)state;
	lday base = D("2026-01-01");
	static lday days[200];
	size_t n = 0;
	for (lday d = base; d < base + 200; d++)
		if ((d * 7919) % 13 < 2 || (d >= base + 40 && d < base + 47))
			days[n++] = d;
	static const unsigned masks[] = { 0x01, 0x41, 0x03, 0x2a, 0x3f, 0x7e };
	static const struct fine_rule rules[] = { { 25, 1, 1000 }, { 10, 0, 0 }, { 7, 4, 90 } };
	for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++) {
		struct closed_days c = { days, n, masks[m] };
		for (lday d = base - 5; d < base + 210; d++) {
			lday e = d;
			while (closed_by_hand(&c, e))
				e++;
			assert_int_equal(cal_next_open(&c, d), e);
			assert_int_equal(cal_is_closed(&c, d), closed_by_hand(&c, d));
		}
		for (size_t k = 0; k < sizeof rules / sizeof rules[0]; k++)
			for (lday due = base - 10; due < base + 150; due += 5)
				for (lday on = due - 1; on < due + 60; on++) {
					struct fine_calc want = { 0 };
					int grace = rules[k].grace_days;
					for (lday d = due + 1; d <= on; d++) {
						want.days_late++;
						if (want.days_late <= grace)
							continue;
						if (closed_by_hand(&c, d))
							want.closed_skipped++;
						else
							want.days_charged++;
					}
					struct fine_calc got = cal_fine(&c, &rules[k], due, on);
					if (got.days_late != want.days_late
						|| got.days_charged != want.days_charged
						|| got.closed_skipped != want.closed_skipped)
						fail_msg("mask %#x rule %zu due %ld on %ld: %d/%d/%d, want %d/%d/%d",
							masks[m], k, due, on, got.days_late, got.days_charged,
							got.closed_skipped, want.days_late, want.days_charged,
							want.closed_skipped);
				}
	}
}

/*
** Days and time zones
*/

/* Switch to a zone, or skip the test when its file is missing (glibc would
** silently use UTC instead). */
static void use_zone(const char *zone)
{
	char path[256];
	const char *dir = getenv("TZDIR");
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
	if (strcmp(zone, "UTC") != 0 && access(path, R_OK) != 0) {
		print_message("# no zone file %s\n", path);
		skip();
	}
	setenv("TZ", zone, 1);
	tzset();
}

/* What holds in every zone, for days from to to: a day starts on its own
** day (or later, if it was skipped), the second before is an earlier day,
** and starts never go backwards. Every hour's day starts no later than
** the hour. */
static void check_day_starts(lday from, lday to)
{
	time_t prev = cal_day_start(from - 1);
	for (lday d = from; d <= to; d++) {
		time_t t = cal_day_start(d);
		assert_true(cal_day_of(t) >= d);
		assert_true(cal_day_of(t - 1) < d);
		assert_true(t >= prev);
		prev = t;
	}
	for (time_t t = cal_day_start(from); t < cal_day_start(to); t += 3600) {
		lday d = cal_day_of(t);
		assert_true(cal_day_start(d) <= t);
		assert_true(cal_day_start(d + 1) > t);
	}
}

/* Local wall time of t, as "HH:MM:SS". */
static const char *wall(time_t t, char buf[16])
{
	struct tm tm;
	assert_non_null(localtime_r(&t, &tm));
	snprintf(buf, 16, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}

static void test_days_in_utc(void **state)
{
	(void)state;
	use_zone("UTC");
	for (lday d = D("1969-01-01"); d <= D("2030-12-31"); d++) {
		assert_int_equal(cal_day_start(d), (time_t)d * 86400);
		assert_int_equal(cal_day_of((time_t)d * 86400), d);
		assert_int_equal(cal_day_of((time_t)d * 86400 + 86399), d);
	}
	assert_int_equal(cal_day_of(0), 0);
	assert_int_equal(cal_day_of(-1), -1);
	assert_int_equal(cal_day_of(86399), 0);
	assert_int_equal(cal_day_start(D("1970-01-02")), 86400);
	assert_int_equal(cal_day_start(FIRST_DAY), (time_t)FIRST_DAY * 86400);
	assert_int_equal(cal_day_start(LAST_DAY), (time_t)LAST_DAY * 86400);
	/* Out of range: clamped to the supported years. */
	assert_int_equal(cal_day_start(LONG_MAX), (time_t)LAST_DAY * 86400);
	assert_int_equal(cal_day_start(LONG_MIN), (time_t)FIRST_DAY * 86400);
	/* Instants whose year does not fit localtime: still a day. */
	assert_int_equal(cal_day_of(INT64_MAX), INT64_MAX / 86400);
	assert_int_equal(cal_day_of(INT64_MIN), INT64_MIN / 86400 - 1);
	check_day_starts(D("2026-01-01"), D("2026-12-31"));
}

/* London in 2026: clocks go forward at 01:00 GMT on 29 March and back at
** 02:00 BST on 25 October; midnight exists on both days. */
static void test_days_in_london_2026(void **state)
{
	(void)state;
	char buf[16];
	use_zone("Europe/London");
	for (lday d = D("2026-01-01"); d <= D("2026-12-31"); d++) {
		time_t t = cal_day_start(d);
		assert_string_equal(wall(t, buf), "00:00:00");
		assert_int_equal(cal_day_of(t), d);
		assert_int_equal(cal_day_of(t - 1), d - 1);
		long len = (long)(cal_day_start(d + 1) - t);
		if (d == D("2026-03-29"))
			assert_int_equal(len, 23 * 3600);
		else if (d == D("2026-10-25"))
			assert_int_equal(len, 25 * 3600);
		else
			assert_int_equal(len, 24 * 3600);
	}
	assert_int_equal(cal_day_start(D("2026-03-29")), utc("2026-03-29", 0, 0, 0));
	assert_int_equal(cal_day_start(D("2026-03-30")), utc("2026-03-29", 23, 0, 0));
	assert_int_equal(cal_day_start(D("2026-10-25")), utc("2026-10-24", 23, 0, 0));
	assert_int_equal(cal_day_start(D("2026-10-26")), utc("2026-10-26", 0, 0, 0));

	/* Around the spring change: 00:59:59 GMT, then 02:00 BST. */
	assert_day(cal_day_of(utc("2026-03-28", 23, 59, 59)), "2026-03-28");
	assert_day(cal_day_of(utc("2026-03-29", 0, 59, 59)), "2026-03-29");
	assert_day(cal_day_of(utc("2026-03-29", 1, 0, 0)), "2026-03-29");
	assert_day(cal_day_of(utc("2026-03-29", 22, 59, 59)), "2026-03-29");
	assert_day(cal_day_of(utc("2026-03-29", 23, 0, 0)), "2026-03-30");
	/* In summer, 23:30 UTC is already the next day. */
	assert_day(cal_day_of(utc("2026-07-01", 23, 30, 0)), "2026-07-02");
	/* Around the autumn change: 01:00-01:59 happens twice on the 25th. */
	assert_day(cal_day_of(utc("2026-10-24", 22, 59, 59)), "2026-10-24");
	assert_day(cal_day_of(utc("2026-10-24", 23, 0, 0)), "2026-10-25");
	assert_day(cal_day_of(utc("2026-10-25", 0, 59, 59)), "2026-10-25");
	assert_day(cal_day_of(utc("2026-10-25", 1, 0, 0)), "2026-10-25");
	assert_day(cal_day_of(utc("2026-10-25", 23, 59, 59)), "2026-10-25");
	assert_day(cal_day_of(utc("2026-10-26", 0, 0, 0)), "2026-10-26");
	/* In winter local time is UTC. */
	assert_day(cal_day_of(utc("2026-12-31", 23, 59, 59)), "2026-12-31");

	/* Every quarter hour across both changes maps into its day. */
	for (time_t t = utc("2026-03-27", 0, 0, 0); t < utc("2026-04-01", 0, 0, 0); t += 900) {
		lday d = cal_day_of(t);
		assert_true(cal_day_start(d) <= t && t < cal_day_start(d + 1));
	}
	for (time_t t = utc("2026-10-23", 0, 0, 0); t < utc("2026-10-28", 0, 0, 0); t += 900) {
		lday d = cal_day_of(t);
		assert_true(cal_day_start(d) <= t && t < cal_day_start(d + 1));
	}
	check_day_starts(D("2026-01-01"), D("2026-12-31"));
}

/* Where the clock change is at midnight. Santiago springs forward from
** 23:59:59 -04 on 5 September 2026 to 01:00 -03 on the 6th: there is no
** midnight, and the day starts at 01:00. It falls back at 24:00 -03 on
** 4 April to 23:00 -04 on the same day. */
static void test_days_when_midnight_is_skipped(void **state)
{
	(void)state;
	char buf[16];
	use_zone("America/Santiago");
	time_t t = cal_day_start(D("2026-09-06"));
	assert_int_equal(t, utc("2026-09-06", 4, 0, 0));
	assert_string_equal(wall(t, buf), "01:00:00");
	assert_day(cal_day_of(t - 1), "2026-09-05");
	assert_int_equal(t - cal_day_start(D("2026-09-05")), 24 * 3600);
	assert_int_equal(cal_day_start(D("2026-09-07")) - t, 23 * 3600);
	/* 4 April 2026 has 25 hours, its last one twice. */
	assert_int_equal(cal_day_start(D("2026-04-05")) - cal_day_start(D("2026-04-04")),
		25 * 3600);
	assert_string_equal(wall(cal_day_start(D("2026-04-05")), buf), "00:00:00");
	check_day_starts(D("2026-01-01"), D("2026-12-31"));
}

/* Havana springs forward at midnight (8 March 2026) and falls back at
** 01:00 CDT to 00:00 CST on 1 November, so that midnight happens twice:
** the day starts at the first. */
static void test_days_when_midnight_repeats(void **state)
{
	(void)state;
	char buf[16];
	use_zone("America/Havana");
	time_t t = cal_day_start(D("2026-03-08"));
	assert_int_equal(t, utc("2026-03-08", 5, 0, 0));
	assert_string_equal(wall(t, buf), "01:00:00");
	t = cal_day_start(D("2026-11-01"));
	assert_int_equal(t, utc("2026-11-01", 4, 0, 0));
	assert_string_equal(wall(t, buf), "00:00:00");
	assert_day(cal_day_of(t - 1), "2026-10-31");
	assert_day(cal_day_of(t + 3600), "2026-11-01");   /* the second midnight */
	assert_int_equal(cal_day_start(D("2026-11-02")) - t, 25 * 3600);
	check_day_starts(D("2026-01-01"), D("2026-12-31"));
}

/* Samoa skipped 30 December 2011: from 23:59:59 on the 29th (-10) to
** 00:00 on the 31st (+14). The missing day starts where the 31st does,
** and no instant falls on it. */
static void test_days_when_a_day_is_skipped(void **state)
{
	(void)state;
	use_zone("Pacific/Apia");
	lday d30 = D("2011-12-30");
	time_t t = cal_day_start(d30);
	assert_int_equal(t, utc("2011-12-30", 10, 0, 0));
	assert_int_equal(cal_day_start(d30 + 1), t);
	assert_day(cal_day_of(t), "2011-12-31");
	assert_day(cal_day_of(t - 1), "2011-12-29");
	assert_int_equal(t - cal_day_start(d30 - 1), 24 * 3600);
	check_day_starts(D("2011-12-01"), D("2012-01-31"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ymd_anchors),
		cmocka_unit_test(test_ymd_every_day_1900_2100),
		cmocka_unit_test(test_ymd_round_trip_all_years),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_impossible_dates),
		cmocka_unit_test(test_to_ymd_clamps),
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_parse_reads_no_further_than_the_string),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse_format_round_trip),
		cmocka_unit_test(test_is_closed),
		cmocka_unit_test(test_next_open),
		cmocka_unit_test(test_next_open_every_day_closed),
		cmocka_unit_test(test_due_dates_over_month_and_year_ends),
		cmocka_unit_test(test_due_dates_move_past_closed_days),
		cmocka_unit_test(test_next_open_against_walk),
		cmocka_unit_test(test_fine_on_time_and_in_grace),
		cmocka_unit_test(test_fine_cap),
		cmocka_unit_test(test_fine_free_and_odd_rules),
		cmocka_unit_test(test_fine_closed_days),
		cmocka_unit_test(test_fine_across_leap_day_and_year_end),
		cmocka_unit_test(test_fine_huge_ranges),
		cmocka_unit_test(test_fine_against_walk),
		cmocka_unit_test(test_weekday),
		cmocka_unit_test(test_weekly_closed_days),
		cmocka_unit_test(test_weekly_closed_days_not_charged),
		cmocka_unit_test(test_weekly_against_walk),
		cmocka_unit_test(test_days_in_utc),
		cmocka_unit_test(test_days_in_london_2026),
		cmocka_unit_test(test_days_when_midnight_is_skipped),
		cmocka_unit_test(test_days_when_midnight_repeats),
		cmocka_unit_test(test_days_when_a_day_is_skipped),
	};
	return cmocka_run_group_tests_name("calendar", tests, NULL, NULL);
}
