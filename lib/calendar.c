/*
** calendar.c: library days, closed days, due dates and fines. See
** calendar.h.
*/
#include "calendar.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Days from 1970-01-01 of a proleptic Gregorian date, counting eras of 400
** years (146097 days) so the arithmetic stays in integers. */
static lday days_from_civil(long y, long m, long d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

lday cal_from_ymd(int year, int month, int day)
{
	if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 ||
	    day > month_days(year, month))
		return -1;
	return days_from_civil(year, month, day);
}

void cal_to_ymd(lday d, int *year, int *month, int *day)
{
	long z = d + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long dd = doy - (153 * mp + 2) / 5 + 1;
	long mm = mp + (mp < 10 ? 3 : -9);
	*year = (int)(y + (mm <= 2));
	*month = (int)mm;
	*day = (int)dd;
}

lday cal_day_of(time_t t)
{
	struct tm tm;
	localtime_r(&t, &tm);
	return days_from_civil(tm.tm_year + 1900L, tm.tm_mon + 1L, tm.tm_mday);
}

time_t cal_day_start(lday d)
{
	int y, m, dd;
	cal_to_ymd(d, &y, &m, &dd);
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = dd;
	tm.tm_isdst = -1;
	/* Where a clock change skips midnight, mktime normalises 00:00 to the
	** first instant that exists, which is what "start of day" means. */
	return mktime(&tm);
}

bool cal_parse(const char *s, lday *out)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	lday day = cal_from_ymd(y, m, d);
	if (day == -1 && !(y == 1969 && m == 12 && d == 31))
		return false;
	*out = day;
	return true;
}

void cal_format(lday d, char out[11])
{
	int y, m, dd;
	cal_to_ymd(d, &y, &m, &dd);
	if (y < 0 || y > 9999) {
		memcpy(out, "0000-00-00", 11);
		return;
	}
	snprintf(out, 11, "%04d-%02d-%02d", y, m, dd);
}

/* Index of the first closed day >= d. */
static size_t lower_bound(const struct closed_days *c, lday d)
{
	size_t lo = 0, hi = c ? c->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->days[mid] < d)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Closed days in [from, to]. */
static long closed_between(const struct closed_days *c, lday from, lday to)
{
	if (!c || to < from)
		return 0;
	return (long)(lower_bound(c, to + 1) - lower_bound(c, from));
}

bool cal_is_closed(const struct closed_days *c, lday d)
{
	size_t i = lower_bound(c, d);
	return c && i < c->n && c->days[i] == d;
}

lday cal_next_open(const struct closed_days *c, lday d)
{
	lday day = d;
	size_t bound = c ? c->n + 1 : 1;
	for (size_t i = 0; i < bound && cal_is_closed(c, day); i++)
		day++;
	return cal_is_closed(c, day) ? d : day;
}

struct due_calc cal_due_date(const struct closed_days *c, lday from, int loan_days)
{
	struct due_calc r;
	r.nominal = from + (loan_days > 0 ? loan_days : 0);
	r.due = cal_next_open(c, r.nominal);
	r.closed_skipped = (int)(r.due - r.nominal);
	return r;
}

struct fine_calc cal_fine(const struct closed_days *c, const struct fine_rule *r,
	lday due, lday on)
{
	struct fine_calc f;
	memset(&f, 0, sizeof f);
	if (on <= due)
		return f;
	long late = on - due;
	f.days_late = late > INT_MAX ? INT_MAX : (int)late;
	long grace = r->grace_days > 0 ? r->grace_days : 0;
	if (late <= grace) {
		f.in_grace = true;
		return f;
	}
	lday first = due + grace + 1;
	long closed = closed_between(c, first, on);
	long charged = on - first + 1 - closed;
	f.closed_skipped = closed > INT_MAX ? INT_MAX : (int)closed;
	f.days_charged = charged > INT_MAX ? INT_MAX : (int)charged;
	long per_day = r->per_day_cents > 0 ? r->per_day_cents : 0;
	/* Saturate rather than overflow: no fine reaches LONG_MAX anyway. */
	long cents = per_day && charged > LONG_MAX / per_day ? LONG_MAX : charged * per_day;
	if (r->cap_cents > 0 && cents > r->cap_cents) {
		cents = r->cap_cents;
		f.capped = true;
	}
	f.cents = cents;
	return f;
}
