/*
** calendar.c: library days, closed days, due dates and overdue fines.
** See calendar.h.
**
** Day numbers are plain longs, so callers may hand us anything (a corrupt
** row, a date typed in the year 9999); every function here stays defined
** for every input: arithmetic that could overflow saturates, and dates
** outside the years 1..9999 are clamped where a date must be produced.
*/
#include "calendar.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* 0001-01-01 and 9999-12-31, the ends of the range cal_from_ymd accepts
** and cal_to_ymd produces (the unit tests check them against
** cal_from_ymd). */
#define CAL_FIRST_DAY (-719162L)
#define CAL_LAST_DAY  2932896L

/* Wider than any offset from UTC a zone has ever used (the local mean
** times of the 19th century stay within 16 hours), so local midnight of
** day d always lies within this many seconds of d * 86400. */
#define CAL_TZ_SLACK (36L * 3600)

/* Days from 1970-01-01 to year-month-day in the proleptic Gregorian
** calendar, with no check that the date exists (month must be 1..12).
** Howard Hinnant's days_from_civil: count in 400-year eras that start on
** 1 March, so the leap day is the last day of its year. The year is a
** long so that cal_day_of can pass any year localtime_r produces. */
static lday cal_days_from_civil(long year, int month, int day)
{
	long y = year - (month <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;                              /* 0..399 */
	long mp = month > 2 ? month - 3 : month + 9;            /* March = 0 */
	long doy = (153 * mp + 2) / 5 + day - 1;                /* 0..365 */
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;       /* 0..146096 */
	return era * 146097 + doe - 719468;
}

static bool cal_is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int cal_month_days(int year, int month)
{
	static const int len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (month == 2 && cal_is_leap(year))
		return 29;
	return len[month - 1];
}

static bool cal_valid_ymd(int year, int month, int day)
{
	return year >= 1 && year <= 9999 && month >= 1 && month <= 12
		&& day >= 1 && day <= cal_month_days(year, month);
}

/*
** The day number of year-month-day, or -1 when the date does not exist or
** lies outside the years 1..9999. Note that -1 is also the day number of
** 1969-12-31, so a caller that may meet that date checks validity another
** way (cal_parse does).
*/
lday cal_from_ymd(int year, int month, int day)
{
	if (!cal_valid_ymd(year, month, day))
		return -1;
	return cal_days_from_civil(year, month, day);
}

/*
** The date of day d. Days before 0001-01-01 or after 9999-12-31 are
** clamped to those dates, so the year always has four digits (which
** cal_format relies on) and nothing overflows for any d.
*/
void cal_to_ymd(lday d, int *year, int *month, int *day)
{
	if (d < CAL_FIRST_DAY)
		d = CAL_FIRST_DAY;
	if (d > CAL_LAST_DAY)
		d = CAL_LAST_DAY;
	/* Hinnant's civil_from_days, the inverse of cal_days_from_civil. In
	** the clamped range z >= 0, so the era division needs no floor. */
	long z = d + 719468;
	long era = z / 146097;
	long doe = z - era * 146097;                                   /* 0..146096 */
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);            /* 0..365 */
	long mp = (5 * doy + 2) / 153;                                 /* 0..11 */
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = (int)(yoe + era * 400 + (m <= 2));
	*month = m;
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
}

/*
** The library day holding instant t: its local date (localtime_r, so the
** process's TZ as of the last tzset) as a day number. Any year localtime_r
** produces is converted, not only 1..9999. Should localtime_r fail (t so
** far off that the year does not fit an int), the UTC day of t is the
** best answer left.
*/
lday cal_day_of(time_t t)
{
	struct tm tm;
	if (!localtime_r(&t, &tm)) {
		long long q = (long long)t / 86400;
		if ((long long)t % 86400 < 0)
			q--;                             /* floor, not truncation */
		return (lday)q;
	}
	return cal_days_from_civil((long)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/*
** The first instant of day d: the earliest t with cal_day_of(t) >= d.
** Usually that is local midnight. When a clock change skips midnight (it
** jumps from 23:59:59 to 01:00, as in Santiago or Havana in spring) it is
** the first instant that exists, 01:00; when midnight happens twice (the
** clock goes back from 00:59:59 to 00:00) it is the earlier one; and when
** a whole day is skipped (Samoa, 2011-12-30) it is the start of the next
** day that exists, so day starts never go backwards. Days outside the
** years 1..9999 are clamped as by cal_to_ymd.
**
** mktime with tm_isdst = -1 finds midnight, but for a skipped or repeated
** midnight the C library may pick an instant on either side, so its answer
** is kept only when it is on day d and the second before it is not. Else
** the instant is found by bisection, which relies on local dates never
** going backwards in time. Zones whose clocks go back across midnight do
** it at 24:00 (Santiago: 23:59:59 -03, then 23:00 -04 the same day), which
** keeps the dates in order.
*/
time_t cal_day_start(lday d)
{
	int y, m, md;
	if (d < CAL_FIRST_DAY)
		d = CAL_FIRST_DAY;
	if (d > CAL_LAST_DAY)
		d = CAL_LAST_DAY;
	cal_to_ymd(d, &y, &m, &md);

	struct tm tm = { 0 };
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = md;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	/* A failed mktime returns -1, which fails this check as well. */
	if (cal_day_of(t) == d && cal_day_of(t - 1) < d)
		return t;

	/* Invariant: cal_day_of(lo) < d <= cal_day_of(hi). */
	time_t lo = (time_t)d * 86400 - CAL_TZ_SLACK;
	time_t hi = (time_t)d * 86400 + CAL_TZ_SLACK;
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;
		if (cal_day_of(mid) >= d)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/* The value of the n decimal digits at s, or -1 if one is not a digit
** (isdigit might take other characters in some locales). */
static int cal_digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
** Parse exactly "YYYY-MM-DD" (ten characters, nothing before or after,
** no signs or spaces) naming a real date of the years 0001..9999 into
** *out. Returns false, leaving *out alone, for anything else, including a
** NULL s (a NULL database column).
*/
bool cal_parse(const char *s, lday *out)
{
	if (!s)
		return false;
	for (int i = 0; i < 10; i++)
		if (s[i] == '\0')
			return false;                  /* too short; read no further */
	if (s[10] != '\0' || s[4] != '-' || s[7] != '-')
		return false;
	int y = cal_digits(s, 4), m = cal_digits(s + 5, 2), d = cal_digits(s + 8, 2);
	if (y < 0 || m < 0 || d < 0 || !cal_valid_ymd(y, m, d))
		return false;
	*out = cal_days_from_civil(y, m, d);
	return true;
}

/*
** Write day d as "YYYY-MM-DD" and a NUL into out (11 bytes). Days outside
** the years 1..9999 are clamped (see cal_to_ymd), so it is always exactly
** ten characters.
*/
void cal_format(lday d, char out[11])
{
	int y, m, md;
	cal_to_ymd(d, &y, &m, &md);
	/* By hand rather than snprintf: the widths are known, and gcc cannot
	** always prove that "%04d" of an int fits and warns of truncation. */
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + md / 10);
	out[9] = (char)('0' + md % 10);
	out[10] = '\0';
}

/* The number of closed days before d (the index of the first >= d). */
static size_t cal_lower_bound(const struct closed_days *c, lday d)
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

/* The number of closed days on or before d (the index of the first > d). */
static size_t cal_upper_bound(const struct closed_days *c, lday d)
{
	size_t lo = 0, hi = c ? c->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->days[mid] <= d)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
** The day of the week of d, 0 = Sunday. Day 0, 1970-01-01, was a
** Thursday (4); the remainder is made non-negative for days before it.
*/
int cal_weekday(lday d)
{
	long r = d % 7;
	if (r < 0)
		r += 7;
	return (int)((r + 4) % 7);
}

/* Whether d's weekday is one the library closes every week. */
static bool cal_weekly_closed(const struct closed_days *c, lday d)
{
	return c && (c->weekly & CAL_WEEKDAY_BIT(cal_weekday(d)));
}

/*
** Whether day d is closed in c: one of its dates (binary search) or a
** weekday it closes every week. A NULL c, like one with n == 0 and no
** weekly days, is a library that never closes.
*/
bool cal_is_closed(const struct closed_days *c, lday d)
{
	if (cal_weekly_closed(c, d))
		return true;
	size_t i = cal_lower_bound(c, d);
	return c && i < c->n && c->days[i] == d;
}

/*
** Day d when open, else the first open day after it (a NULL c never
** closes). Walking forward from d, each closed date passed is the next
** entry of the sorted array, so the walk follows the array from where the
** binary search puts d; between two dates at most six weekly days can be
** closed in a row (unless all seven are), so the walk is bounded by
** 7 * (n + 1) steps. When every weekday closes weekly, or the closed days
** run unbroken from d to the largest lday, there is no open day; then d
** itself.
*/
lday cal_next_open(const struct closed_days *c, lday d)
{
	if (c && (c->weekly & CAL_ALL_WEEKDAYS) == CAL_ALL_WEEKDAYS)
		return d;
	size_t i = cal_lower_bound(c, d);
	lday e = d;
	for (;;) {
		bool closed_date = c && i < c->n && c->days[i] == e;
		if (!closed_date && !cal_weekly_closed(c, e))
			return e;
		if (e == LONG_MAX)
			return d;
		if (closed_date)
			i++;
		e++;
	}
}

/*
** The due date of a loan made on day from for loan_days days, with the
** nominal date and the number of closed days the due date moved over. A
** negative loan_days counts as 0 (due the day it is made, or the next
** open day), and a nominal date beyond the largest lday stops there.
*/
struct due_calc cal_due_date(const struct closed_days *c, lday from, int loan_days)
{
	struct due_calc r;
	if (loan_days < 0)
		loan_days = 0;
	r.nominal = from > LONG_MAX - loan_days ? LONG_MAX : from + loan_days;
	r.due = cal_next_open(c, r.nominal);
	/* due - nominal <= n closed days; clamp for the int all the same. */
	unsigned long moved = (unsigned long)r.due - (unsigned long)r.nominal;
	r.closed_skipped = moved > INT_MAX ? INT_MAX : (int)moved;
	return r;
}

static int cal_clamp_int(unsigned long v)
{
	return v > INT_MAX ? INT_MAX : (int)v;
}

/*
** The closed days in (start, on], start < on: the dates (two binary
** searches) plus the days of the weekly closing weekdays (whole weeks at
** once, then the few days left over), less the dates that fall on a weekly
** closing weekday, which would otherwise count twice (one look at each
** date in the range). No sum can overflow: each part counts distinct days
** of the range, and so does the total.
*/
static unsigned long cal_closed_between(const struct closed_days *c, lday start, lday on)
{
	size_t first = cal_upper_bound(c, start), last = cal_upper_bound(c, on);
	unsigned long closed = last - first;
	if (!c || !(c->weekly & CAL_ALL_WEEKDAYS))
		return closed;
	unsigned long span = (unsigned long)on - (unsigned long)start;
	closed += span / 7 * (unsigned long)__builtin_popcount(c->weekly & CAL_ALL_WEEKDAYS);
	/* The days left over after the whole weeks are the last few: on - j. */
	for (lday j = 0; j < (lday)(span % 7); j++)
		if (cal_weekly_closed(c, on - j))
			closed++;
	for (size_t i = first; i < last; i++)
		if (cal_weekly_closed(c, c->days[i]))
			closed--;
	return closed;
}

/*
** The fine for an item due on day due and returned (or still out) on day
** on, under rule r; c may be NULL (never closed).
**
** The late days are due+1 .. on. The first grace_days of them are free
** whether or not the library was open (grace is counted in calendar days,
** and a closed day inside it is simply grace, not in closed_skipped). Of
** the rest, (due + grace_days, on], the closed days are skipped and the
** others charged. Closed days are counted by cal_closed_between, so a
** range of centuries costs no more than a week plus a look at each closed
** date inside it.
**
** A negative per_day_cents or grace_days counts as 0, and a cap_cents of
** 0 or less means no cap. Counts too large for the int fields read
** INT_MAX. cents is the days charged times per_day_cents, saturating at
** LONG_MAX (reachable only without a cap, so a caller that adds fines up
** must saturate too), then capped; capped is true only when the cap
** lowered the fine, not when the fine came to exactly the cap.
*/
struct fine_calc cal_fine(const struct closed_days *c, const struct fine_rule *r,
	lday due, lday on)
{
	struct fine_calc f = { 0 };
	if (on <= due)
		return f;

	long per_day = r->per_day_cents > 0 ? r->per_day_cents : 0;
	unsigned long grace = r->grace_days > 0 ? (unsigned long)r->grace_days : 0;
	/* on > due, so the difference is exact in unsigned arithmetic even
	** where on - due would overflow a long. */
	unsigned long late = (unsigned long)on - (unsigned long)due;
	f.days_late = cal_clamp_int(late);
	if (late <= grace) {
		f.in_grace = true;
		return f;
	}

	/* The charged window is (start, on]. due <= start < on, since grace <
	** late, so the sum cannot overflow. */
	lday start = due + (lday)grace;
	unsigned long closed = cal_closed_between(c, start, on);
	unsigned long charged = late - grace - closed;
	f.days_charged = cal_clamp_int(charged);
	f.closed_skipped = cal_clamp_int(closed);

	if (per_day != 0 && charged > (unsigned long)(LONG_MAX / per_day))
		f.cents = LONG_MAX;
	else
		f.cents = (long)charged * per_day;
	if (r->cap_cents > 0 && f.cents > r->cap_cents) {
		f.cents = r->cap_cents;
		f.capped = true;
	}
	return f;
}

const char *cal_show_day(struct arena *a, const char *iso_day)
{
	struct tm tm = { 0 };
	char out[32];
	if (!iso_day || strlen(iso_day) != 10 ||
	    sscanf(iso_day, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return iso_day ? iso_day : "";
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	strftime(out, sizeof out, "%-d %b %Y", &tm);
	return arena_strdup(a, out);
}
