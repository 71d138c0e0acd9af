/*
** report.c: the staff reports (see report.h). Each report is a few
** grouped queries over an index or the circ_daily summary; per-period
** reports make one row for every period of the range (zeros included) and
** add each day's figures to its period here, in C, so the SQL stays one
** fixed statement per report whatever the grouping.
*/
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "calendar.h"
#include "export.h"
#include "lists.h"
#include "money.h"
#include "svgchart.h"

static const struct report_info infos[REPORT_KIND_COUNT] = {
	[REPORT_CIRCULATION] = { "circulation", "Circulation",
		"Loans, returns and renewals per day, week or month.",
		REPORT_USES_RANGE | REPORT_USES_GROUP | REPORT_USES_SECTION |
		REPORT_USES_ITEM_TYPE | REPORT_USES_CATEGORY, 0 },
	[REPORT_POPULAR_TITLES] = { "popular-titles", "Popular titles",
		"The titles lent most in a range of days.",
		REPORT_USES_RANGE | REPORT_USES_SECTION | REPORT_USES_ITEM_TYPE |
		REPORT_USES_CATEGORY | REPORT_USES_TOP, 20 },
	[REPORT_POPULAR_AUTHORS] = { "popular-authors", "Popular authors",
		"The authors whose titles were lent most in a range of days.",
		REPORT_USES_RANGE | REPORT_USES_SECTION | REPORT_USES_ITEM_TYPE |
		REPORT_USES_CATEGORY | REPORT_USES_TOP, 20 },
	[REPORT_POPULAR_SECTIONS] = { "popular-sections", "Popular sections",
		"Loans by section in a range of days.",
		REPORT_USES_RANGE | REPORT_USES_ITEM_TYPE | REPORT_USES_CATEGORY |
		REPORT_USES_TOP, 20 },
	[REPORT_STOCK] = { "stock", "Copies by status",
		"How many copies are available, on loan, lost, damaged, in repair or withdrawn now.",
		REPORT_USES_SECTION | REPORT_USES_ITEM_TYPE, 0 },
	[REPORT_NEVER_BORROWED] = { "never-borrowed", "Never borrowed",
		"Copies acquired in a range of days that have never been lent.",
		REPORT_USES_RANGE | REPORT_USES_SECTION | REPORT_USES_ITEM_TYPE |
		REPORT_USES_TOP, 100 },
	[REPORT_ACQUISITIONS] = { "acquisitions", "Acquisitions",
		"Copies acquired and what they cost, per day, week or month.",
		REPORT_USES_RANGE | REPORT_USES_GROUP | REPORT_USES_SECTION |
		REPORT_USES_ITEM_TYPE, 0 },
	[REPORT_MEMBERS] = { "members", "Member activity",
		"New members, membership renewals and memberships ending, per period.",
		REPORT_USES_RANGE | REPORT_USES_GROUP | REPORT_USES_CATEGORY, 0 },
	[REPORT_MEMBER_HISTORY] = { "member-history", "A member's borrowing",
		"Every loan of one member, found by email or card number.",
		REPORT_USES_RANGE | REPORT_USES_MEMBER, 0 },
	[REPORT_FINES] = { "fines", "Fines and payments",
		"Fines charged, paid and waived, payments by purpose and method, refunds.",
		REPORT_USES_RANGE | REPORT_USES_GROUP, 0 },
};

const struct report_info *report_info(enum report_kind k) { return &infos[k]; }

int report_kind_parse(const char *slug)
{
	for (int k = 0; slug && k < REPORT_KIND_COUNT; k++)
		if (!strcmp(slug, infos[k].slug))
			return k;
	return -1;
}

/* ---- the form ---- */

static bool empty(const char *s) { return !s || !*s; }

static bool all_digits(const char *s)
{
	if (empty(s) || strlen(s) > 9)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The range typed, or the last 30 days; a report without a range (copies
** by status) ignores what the address may hold. */
static void check_range(const struct report_input *in, lday today, unsigned uses,
	lday *from, lday *to, struct form_errors *errs)
{
	*to = today;
	*from = today - (REPORT_DEFAULT_DAYS - 1);
	if (!(uses & REPORT_USES_RANGE))
		return;
	bool ok_from = empty(in->from) || cal_parse(in->from, from);
	bool ok_to = empty(in->to) || cal_parse(in->to, to);
	if (!ok_from)
		form_error(errs, "from", "Write the first day as YYYY-MM-DD: the year, the month and the day in digits.");
	if (!ok_to)
		form_error(errs, "to", "Write the last day as YYYY-MM-DD: the year, the month and the day in digits.");
	if (!ok_from || !ok_to)
		return;
	if (empty(in->from) && !empty(in->to))
		*from = *to - (REPORT_DEFAULT_DAYS - 1);
	if (*from > *to)
		form_error(errs, "to", "The last day comes before the first day.");
	else if (*to - *from + 1 > REPORT_MAX_DAYS)
		form_error(errs, "from", "A report covers ten years at most; choose a later first day.");
}

static void check_group(const struct report_input *in, lday from, lday to, unsigned uses,
	enum report_group *g, struct form_errors *errs)
{
	*g = REPORT_BY_DAY;
	if (!(uses & REPORT_USES_GROUP) || empty(in->group) || !strcmp(in->group, "day"))
		*g = REPORT_BY_DAY;
	else if (!strcmp(in->group, "week"))
		*g = REPORT_BY_WEEK;
	else if (!strcmp(in->group, "month"))
		*g = REPORT_BY_MONTH;
	else {
		form_error(errs, "group", "Choose day, week or month.");
		return;
	}
	if ((uses & REPORT_USES_GROUP) && *g == REPORT_BY_DAY && to >= from
		&& to - from + 1 > REPORT_MAX_DAILY_DAYS)
		form_error(errs, "group", "With a row a day, a report covers a year at most: "
			"group by week or month, or choose fewer days.");
}

static int check_member(struct db *db, struct arena *a, const char *typed,
	struct report_params *p, struct form_errors *errs)
{
	if (empty(typed)) {
		form_error(errs, "member", "Type the member's email or card number.");
		return 0;
	}
	sqlite3_stmt *st = db_query(db, "SELECT id, name FROM account "
		"WHERE email = ?1 OR card_number = ?1 ORDER BY email = ?1 DESC LIMIT 1", "t", typed);
	if (!st)
		return -1;
	if (db_row(db, st)) {
		p->member_id = db_col_int(st, 0);
		p->member_name = db_text(a, st, 1);
		db_done(st);
	} else {
		form_error(errs, "member", "No member has that email or card number.");
	}
	return 0;
}

int report_check(struct db *db, struct arena *a, enum report_kind kind,
	const struct report_input *in, time_t now, struct report_params *p,
	struct form_errors *errs)
{
	memset(p, 0, sizeof *p);
	p->kind = kind;
	p->item_type = "";
	p->category = "";
	p->member_name = "";
	unsigned uses = infos[kind].uses;
	int before = errs->n;
	lday from, to;
	check_range(in, cal_day_of(now), uses, &from, &to, errs);
	cal_format(from, p->from);
	cal_format(to, p->to);
	check_group(in, from, to, uses, &p->group, errs);
	if ((uses & REPORT_USES_SECTION) && !empty(in->section)) {
		p->section_id = all_digits(in->section) ? atoll(in->section) : 0;
		if (p->section_id <= 0 || db_int(db, 0, "SELECT count(*) FROM section WHERE id = ?",
			"i", p->section_id) != 1)
			form_error(errs, "section", "There is no such section.");
	}
	if ((uses & REPORT_USES_ITEM_TYPE) && !empty(in->item_type) && strcmp(in->item_type, "*")) {
		if (lists_has(db, LIST_ITEM_TYPE, in->item_type))
			p->item_type = arena_strdup(a, in->item_type);
		else
			form_error(errs, "item_type", "There is no such item type.");
	}
	if ((uses & REPORT_USES_CATEGORY) && !empty(in->category) && strcmp(in->category, "*")) {
		if (lists_has(db, LIST_CATEGORY, in->category))
			p->category = arena_strdup(a, in->category);
		else
			form_error(errs, "category", "There is no such member category.");
	}
	p->top = infos[kind].default_top;
	if ((uses & REPORT_USES_TOP) && !empty(in->top)) {
		long n = all_digits(in->top) ? atol(in->top) : 0;
		if (n < 1 || n > REPORT_MAX_TOP)
			form_error(errs, "top", "Show between 1 and 1000 rows.");
		else
			p->top = (int)n;
	}
	if ((uses & REPORT_USES_MEMBER) && check_member(db, a, in->member, p, errs))
		return -1;
	return errs->n > before ? 1 : 0;
}

int report_sections(struct db *db, struct arena *a, struct report_section **out)
{
	int n = (int)db_int(db, 0, "SELECT count(*) FROM section", NULL);
	*out = arena_calloc(a, sizeof **out * (size_t)(n > 0 ? n : 1));
	sqlite3_stmt *st = db_query(db, "SELECT id, name FROM section ORDER BY position, id", NULL);
	if (!st)
		return -1;
	int i = 0;
	while (db_row(db, st)) {
		if (i == n) {
			db_done(st);
			break;
		}
		(*out)[i].id = db_col_int(st, 0);
		(*out)[i].name = db_text(a, st, 1);
		i++;
	}
	return i;
}

int report_codes(struct db *db, struct arena *a, bool categories, struct report_code **out)
{
	const char *count_sql = categories ? "SELECT count(*) FROM member_category"
		: "SELECT count(*) FROM item_type";
	const char *sql = categories
		? "SELECT code, name FROM member_category ORDER BY position, name COLLATE NOCASE, code"
		: "SELECT code, name FROM item_type ORDER BY position, name COLLATE NOCASE, code";
	int n = (int)db_int(db, 0, count_sql, NULL);
	*out = arena_calloc(a, sizeof **out * (size_t)(n > 0 ? n : 1));
	sqlite3_stmt *st = db_query(db, sql, NULL);
	if (!st)
		return -1;
	int i = 0;
	while (db_row(db, st)) {
		if (i == n) {
			db_done(st);
			break;
		}
		(*out)[i].code = db_text(a, st, 0);
		(*out)[i].name = db_text(a, st, 1);
		i++;
	}
	return i;
}

/* ---- building the table ---- */

static void table_init(struct report_table *t, const struct report_column *cols, int ncols)
{
	memset(t, 0, sizeof *t);
	t->cols = cols;
	t->ncols = ncols;
	t->chart_col = -1;
}

/* A new row of empty cells ("" or 0). */
static struct report_value *row_add(struct arena *a, struct report_table *t)
{
	if (t->nrows == t->cap) {
		long cap = t->cap ? t->cap * 2 : 32;
		struct report_value *cells = arena_alloc(a, sizeof *cells * (size_t)(cap * t->ncols));
		if (t->nrows)
			memcpy(cells, t->cells, sizeof *cells * (size_t)(t->nrows * t->ncols));
		t->cells = cells;
		t->cap = cap;
	}
	struct report_value *row = &t->cells[t->nrows++ * t->ncols];
	for (int c = 0; c < t->ncols; c++)
		row[c] = (struct report_value){ "", 0 };
	return row;
}

const struct report_value *report_cell(const struct report_table *t, long r, int c)
{
	return &t->cells[r * t->ncols + c];
}

/* ---- periods ---- */

struct periods {
	enum report_group group;
	lday from, to;
	long n;
};

static lday monday_of(lday d) { return d - (cal_weekday(d) + 6) % 7; }

static long month_number(lday d)
{
	int y, m, dd;
	cal_to_ymd(d, &y, &m, &dd);
	return (long)y * 12 + (m - 1);
}

static long period_of(const struct periods *ps, lday d)
{
	switch (ps->group) {
	case REPORT_BY_WEEK: return (monday_of(d) - monday_of(ps->from)) / 7;
	case REPORT_BY_MONTH: return month_number(d) - month_number(ps->from);
	default: return d - ps->from;
	}
}

/* The first day of period i (a week's Monday, a month's 1st). */
static lday period_start(const struct periods *ps, long i)
{
	switch (ps->group) {
	case REPORT_BY_WEEK: return monday_of(ps->from) + 7 * i;
	case REPORT_BY_MONTH: {
		long m = month_number(ps->from) + i;
		return cal_from_ymd((int)(m / 12), (int)(m % 12) + 1, 1);
	}
	default: return ps->from + i;
	}
}

static void periods_init(struct periods *ps, const struct report_params *p)
{
	cal_parse(p->from, &ps->from);
	cal_parse(p->to, &ps->to);
	ps->group = p->group;
	ps->n = period_of(ps, ps->to) + 1;
}

/* One row a period, its first column the period's first day. */
static void rows_per_period(struct arena *a, struct report_table *t, const struct periods *ps)
{
	for (long i = 0; i < ps->n; i++) {
		char day[11];
		cal_format(period_start(ps, i), day);
		row_add(a, t)[0].text = arena_strdup(a, day);
	}
}

/* The row of the period holding day (YYYY-MM-DD), or NULL outside. */
static struct report_value *period_row(struct report_table *t, const struct periods *ps,
	const char *day)
{
	lday d;
	if (!cal_parse(day, &d) || d < ps->from || d > ps->to)
		return NULL;
	return &t->cells[period_of(ps, d) * t->ncols];
}

static const char *const group_words[] = { "per day", "per week", "per month" };

static const char *range_words(struct arena *a, const struct report_params *p)
{
	return arena_printf(a, "%s to %s", p->from, p->to);
}

/* The instants that bound the range: [start of from, start of the day after to). */
static void range_instants(const struct report_params *p, long long *start, long long *end)
{
	lday from, to;
	cal_parse(p->from, &from);
	cal_parse(p->to, &to);
	*start = (long long)cal_day_start(from);
	*end = (long long)cal_day_start(to + 1);
}

/* ---- the reports ---- */

static const struct report_column circulation_cols[] = {
	{ "period", "Period from", REPORT_DAY }, { "loans", "Loans", REPORT_COUNT },
	{ "returns", "Returns", REPORT_COUNT }, { "renewals", "Renewals", REPORT_COUNT },
};

static int run_circulation(struct db *db, struct arena *a, const struct report_params *p,
	struct report_table *t)
{
	table_init(t, circulation_cols, 4);
	struct periods ps;
	periods_init(&ps, p);
	rows_per_period(a, t, &ps);
	sqlite3_stmt *st = db_query(db, "SELECT day, sum(loans), sum(returns), sum(renewals) "
		"FROM circ_daily WHERE day >= ?1 AND day <= ?2 AND (?3 = 0 OR section_id = ?3) "
		"AND (?4 = '' OR item_type = ?4) AND (?5 = '' OR category = ?5) GROUP BY day",
		"ttitt", p->from, p->to, p->section_id, p->item_type, p->category);
	if (!st)
		return -1;
	while (db_row(db, st)) {
		struct report_value *row = period_row(t, &ps, (const char *)sqlite3_column_text(st, 0));
		for (int c = 1; row && c <= 3; c++)
			row[c].n += db_col_int(st, c);
	}
	t->caption = arena_printf(a, "Loans, returns and renewals %s, %s", group_words[p->group],
		range_words(a, p));
	t->unit = "loan";
	t->chart_col = 1;
	return 0;
}

static const struct report_column popular_title_cols[] = {
	{ "rank", "Rank", REPORT_COUNT }, { "title", "Title", REPORT_TEXT },
	{ "loans", "Loans", REPORT_COUNT },
};
static const struct report_column popular_author_cols[] = {
	{ "rank", "Rank", REPORT_COUNT }, { "author", "Author", REPORT_TEXT },
	{ "loans", "Loans", REPORT_COUNT },
};
static const struct report_column popular_section_cols[] = {
	{ "rank", "Rank", REPORT_COUNT }, { "section", "Section", REPORT_TEXT },
	{ "loans", "Loans", REPORT_COUNT },
};

/* Loans made in the range per title, filtered, summed from title_daily
** (kept by triggers: 0027): popular titles and authors start from these
** counts and join titles or authors to them alone. A title's section is
** looked up once, in an IN list, and only when the filter asks for it. */
#define LOANS_PER_TITLE \
	"(SELECT title_id AS tid, sum(loans) AS n FROM title_daily " \
	"WHERE day >= ?1 AND day <= ?2 " \
	"AND (?3 = 0 OR title_id IN (SELECT id FROM title WHERE section_id = ?3)) " \
	"AND (?4 = '' OR item_type = ?4) AND (?5 = '' OR category = ?5) " \
	"GROUP BY title_id HAVING n > 0 "

static const char *const popular_sql[] = {
	"SELECT t.title, x.n FROM " LOANS_PER_TITLE "ORDER BY n DESC, title_id LIMIT ?6) x "
	"JOIN title t ON t.id = x.tid ORDER BY x.n DESC, t.title, t.id",
	"SELECT au.name, sum(x.n) AS n FROM " LOANS_PER_TITLE ") x "
	"JOIN title_author ta ON ta.title_id = x.tid JOIN author au ON au.id = ta.author_id "
	"GROUP BY au.id ORDER BY n DESC, au.name LIMIT ?6",
	/* Sections from circ_daily: the section each loan's title had that day. */
	"SELECT coalesce(s.name, 'No section'), x.n FROM (SELECT section_id AS sid, "
	"sum(loans) AS n FROM circ_daily WHERE day >= ?1 AND day <= ?2 "
	"AND (?3 = 0 OR section_id = ?3) AND (?4 = '' OR item_type = ?4) "
	"AND (?5 = '' OR category = ?5) GROUP BY section_id HAVING n > 0) x "
	"LEFT JOIN section s ON s.id = x.sid ORDER BY x.n DESC, s.name LIMIT ?6",
};

static int run_popular(struct db *db, struct arena *a, const struct report_params *p,
	struct report_table *t)
{
	int which = (int)p->kind - REPORT_POPULAR_TITLES;
	static const struct report_column *const cols[] = {
		popular_title_cols, popular_author_cols, popular_section_cols,
	};
	static const char *const what[] = { "titles", "authors", "sections" };
	table_init(t, cols[which], 3);
	sqlite3_stmt *st = db_query(db, popular_sql[which], "ttitti", p->from, p->to,
		p->section_id, p->item_type, p->category, (long long)p->top);
	if (!st)
		return -1;
	while (db_row(db, st)) {
		struct report_value *row = row_add(a, t);
		row[0].n = t->nrows;
		row[1].text = db_text(a, st, 0);
		row[2].n = db_col_int(st, 1);
	}
	t->caption = arena_printf(a, "The %s lent most (top %d), %s", what[which], p->top,
		range_words(a, p));
	t->unit = "loan";
	t->label_col = 1;
	t->chart_col = 2;
	return 0;
}

static const struct report_column stock_cols[] = {
	{ "status", "Status", REPORT_TEXT }, { "copies", "Copies", REPORT_COUNT },
};

/* Every status a copy may have (the schema's CHECK), in words. */
static const char *const copy_statuses[][2] = {
	{ "available", "Available" }, { "on-loan", "On loan" },
	{ "on-hold-shelf", "On the hold shelf" }, { "lost", "Lost" },
	{ "damaged", "Damaged" }, { "in-repair", "In repair" }, { "withdrawn", "Withdrawn" },
};
#define NSTATUSES ((int)(sizeof copy_statuses / sizeof copy_statuses[0]))

static int run_stock(struct db *db, struct arena *a, const struct report_params *p,
	struct report_table *t)
{
	table_init(t, stock_cols, 2);
	for (int i = 0; i < NSTATUSES; i++)
		row_add(a, t)[0].text = copy_statuses[i][1];
	sqlite3_stmt *st = db_query(db, "SELECT k.status, count(*) FROM copy k "
		"WHERE (?1 = 0 OR k.title_id IN (SELECT id FROM title WHERE section_id = ?1)) "
		"AND (?2 = '' OR k.item_type = ?2) GROUP BY k.status", "it", p->section_id,
		p->item_type);
	if (!st)
		return -1;
	while (db_row(db, st)) {
		const char *status = (const char *)sqlite3_column_text(st, 0);
		for (int i = 0; i < NSTATUSES; i++)
			if (!strcmp(status, copy_statuses[i][0]))
				t->cells[i * t->ncols + 1].n = db_col_int(st, 1);
	}
	t->caption = "Copies by status now";
	t->unit = "copy";
	t->chart_col = 1;
	return 0;
}

static const struct report_column never_cols[] = {
	{ "barcode", "Barcode", REPORT_TEXT }, { "title", "Title", REPORT_TEXT },
	{ "acquired_on", "Acquired", REPORT_DAY }, { "cost", "Cost", REPORT_MONEY },
};

static int run_never_borrowed(struct db *db, struct arena *a, const struct report_params *p,
	struct report_table *t)
{
	table_init(t, never_cols, 4);
	sqlite3_stmt *st = db_query(db, "SELECT k.barcode, t.title, k.acquired_on, k.cost_cents "
		"FROM copy k JOIN title t ON t.id = k.title_id "
		"WHERE k.acquired_on >= ?1 AND k.acquired_on <= ?2 AND k.status <> 'withdrawn' "
		"AND (?3 = 0 OR t.section_id = ?3) AND (?4 = '' OR k.item_type = ?4) "
		"AND NOT EXISTS (SELECT 1 FROM loan l WHERE l.copy_id = k.id) "
		"ORDER BY k.acquired_on, k.barcode LIMIT ?5", "ttiti", p->from, p->to,
		p->section_id, p->item_type, (long long)p->top);
	if (!st)
		return -1;
	while (db_row(db, st)) {
		struct report_value *row = row_add(a, t);
		row[0].text = db_text(a, st, 0);
		row[1].text = db_text(a, st, 1);
		row[2].text = db_text(a, st, 2);
		row[3].n = db_col_int(st, 3);
	}
	t->caption = arena_printf(a, "Copies acquired %s and never lent (the first %d, "
		"oldest first)", range_words(a, p), p->top);
	return 0;
}

static const struct report_column acquisition_cols[] = {
	{ "period", "Period from", REPORT_DAY }, { "copies", "Copies", REPORT_COUNT },
	{ "cost", "Cost", REPORT_MONEY },
};

static int run_acquisitions(struct db *db, struct arena *a, const struct report_params *p,
	struct report_table *t)
{
	table_init(t, acquisition_cols, 3);
	struct periods ps;
	periods_init(&ps, p);
	rows_per_period(a, t, &ps);
	sqlite3_stmt *st = db_query(db, "SELECT k.acquired_on, count(*), sum(k.cost_cents) "
		"FROM copy k WHERE k.acquired_on >= ?1 AND k.acquired_on <= ?2 "
		"AND (?3 = 0 OR k.title_id IN (SELECT id FROM title WHERE section_id = ?3)) "
		"AND (?4 = '' OR k.item_type = ?4) GROUP BY k.acquired_on", "ttit",
		p->from, p->to, p->section_id, p->item_type);
	if (!st)
		return -1;
	while (db_row(db, st)) {
		struct report_value *row = period_row(t, &ps, (const char *)sqlite3_column_text(st, 0));
		if (row) {
			row[1].n += db_col_int(st, 1);
			row[2].n += db_col_int(st, 2);
		}
	}
	t->caption = arena_printf(a, "Copies acquired and their cost %s, %s",
		group_words[p->group], range_words(a, p));
	t->unit = "copy";
	t->chart_col = 1;
	return 0;
}

static const struct report_column member_cols[] = {
	{ "period", "Period from", REPORT_DAY }, { "new_members", "New members", REPORT_COUNT },
	{ "renewals", "Memberships paid", REPORT_COUNT },
	{ "expiries", "Memberships ending", REPORT_COUNT },
};

/* Add a "day, count" query's counts to column col of their periods. */
static int add_per_day(struct db *db, struct report_table *t, const struct periods *ps,
	int col, sqlite3_stmt *st)
{
	if (!st)
		return -1;
	while (db_row(db, st)) {
		struct report_value *row = period_row(t, ps, (const char *)sqlite3_column_text(st, 0));
		if (row)
			row[col].n += db_col_int(st, 1);
	}
	return 0;
}

static int run_members(struct db *db, struct arena *a, const struct report_params *p,
	struct report_table *t)
{
	table_init(t, member_cols, 4);
	struct periods ps;
	periods_init(&ps, p);
	rows_per_period(a, t, &ps);
	long long start, end;
	range_instants(p, &start, &end);
	if (add_per_day(db, t, &ps, 1, db_query(db, "SELECT date(created_at, 'unixepoch', "
		"'localtime') AS d, count(*) FROM account WHERE created_at >= ?1 AND created_at < ?2 "
		"AND role = 'member' AND (?3 = '' OR category = ?3) GROUP BY d", "iit", start, end,
		p->category))
	    || add_per_day(db, t, &ps, 2, db_query(db, "SELECT m.start_day, count(*) "
		"FROM membership m JOIN account a ON a.id = m.account_id "
		"WHERE m.status = 'active' AND m.payment_id IS NOT NULL "
		"AND m.start_day >= ?1 AND m.start_day <= ?2 AND (?3 = '' OR a.category = ?3) "
		"GROUP BY m.start_day", "ttt", p->from, p->to, p->category))
	    || add_per_day(db, t, &ps, 3, db_query(db, "SELECT member_until, count(*) FROM account "
		"WHERE member_until >= ?1 AND member_until <= ?2 AND role = 'member' "
		"AND (?3 = '' OR category = ?3) GROUP BY member_until", "ttt", p->from, p->to,
		p->category)))
		return -1;
	t->caption = arena_printf(a, "New members, memberships paid and memberships ending %s, %s",
		group_words[p->group], range_words(a, p));
	t->unit = "new member";
	t->chart_col = 1;
	return 0;
}

static const struct report_column history_cols[] = {
	{ "loaned", "Lent", REPORT_DAY }, { "title", "Title", REPORT_TEXT },
	{ "barcode", "Barcode", REPORT_TEXT }, { "due", "Due", REPORT_DAY },
	{ "returned", "Returned", REPORT_DAY }, { "renewals", "Renewals", REPORT_COUNT },
	{ "fine", "Fine", REPORT_MONEY },
};

static int run_member_history(struct db *db, struct arena *a, const struct report_params *p,
	struct report_table *t)
{
	table_init(t, history_cols, 7);
	sqlite3_stmt *st = db_query(db, "SELECT l.loan_day, t.title, k.barcode, l.due_day, "
		"coalesce(l.return_day, ''), l.renewals, coalesce(l.fine_cents, 0) "
		"FROM loan l JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id "
		"WHERE l.account_id = ?1 AND l.loan_day >= ?2 AND l.loan_day <= ?3 "
		"ORDER BY l.loan_day, l.loaned_at, l.id LIMIT ?4", "itti", p->member_id, p->from, p->to,
		(long long)REPORT_MAX_HISTORY);
	if (!st)
		return -1;
	while (db_row(db, st)) {
		struct report_value *row = row_add(a, t);
		for (int c = 0; c < 5; c++)
			row[c].text = db_text(a, st, c);
		row[5].n = db_col_int(st, 5);
		row[6].n = db_col_int(st, 6);
	}
	t->caption = arena_printf(a, "Loans of %s, %s", p->member_name, range_words(a, p));
	return 0;
}

static const struct report_column fine_cols[] = {
	{ "period", "Period from", REPORT_DAY }, { "kind", "What", REPORT_TEXT },
	{ "method", "Method", REPORT_TEXT }, { "count", "Count", REPORT_COUNT },
	{ "amount", "Amount", REPORT_MONEY },
};

/* The kinds of money movement, in the order each period lists them. */
enum money_kind { FINE_CHARGED, FINE_PAID, FINE_WAIVED, PAID_PLAN, PAID_FINE, PAID_OTHER,
	REFUND, MONEY_KINDS };
static const char *const money_kind_words[MONEY_KINDS] = {
	"Fines charged", "Fines paid", "Fines waived", "Membership payments", "Fine payments",
	"Other payments", "Refunds",
};
static const char *const method_codes[] = { "", "cash", "card", "online" };
static const char *const method_words[] = { "", "Cash", "Card", "Online" };
#define NMETHODS 4

struct money_cell {
	long long count, cents;
};

static int method_index(const char *code)
{
	for (int i = 1; i < NMETHODS; i++)
		if (code && !strcmp(code, method_codes[i]))
			return i;
	return 0;
}

/* Add a "day, kind, method, count, cents" query's rows to the grid. */
static int add_money(struct db *db, struct money_cell *grid, const struct periods *ps,
	sqlite3_stmt *st, int (*kind_of)(const char *))
{
	if (!st)
		return -1;
	while (db_row(db, st)) {
		lday d;
		if (!cal_parse((const char *)sqlite3_column_text(st, 0), &d) || d < ps->from
			|| d > ps->to)
			continue;
		int k = kind_of((const char *)sqlite3_column_text(st, 1));
		int m = method_index((const char *)sqlite3_column_text(st, 2));
		if (k < 0)
			continue;
		struct money_cell *cell = &grid[(period_of(ps, d) * MONEY_KINDS + k) * NMETHODS + m];
		cell->count += db_col_int(st, 3);
		cell->cents += db_col_int(st, 4);
	}
	return 0;
}

static int fine_kind(const char *k)
{
	return !strcmp(k, "accrued") ? FINE_CHARGED : !strcmp(k, "paid") ? FINE_PAID
		: !strcmp(k, "waived") ? FINE_WAIVED : -1;
}

static int payment_kind(const char *purpose)
{
	return !strcmp(purpose, "plan") ? PAID_PLAN : !strcmp(purpose, "fine") ? PAID_FINE
		: PAID_OTHER;
}

static int refund_kind(const char *unused)
{
	(void)unused;
	return REFUND;
}

static int run_fines(struct db *db, struct arena *a, const struct report_params *p,
	struct report_table *t)
{
	table_init(t, fine_cols, 5);
	struct periods ps;
	periods_init(&ps, p);
	long long start, end;
	range_instants(p, &start, &end);
	struct money_cell *grid = arena_calloc(a, sizeof *grid * (size_t)(ps.n * MONEY_KINDS * NMETHODS));
	/* Paid and waived fines are negative in the ledger: shown as amounts. */
	if (add_money(db, grid, &ps, db_query(db, "SELECT date(at, 'unixepoch', 'localtime') AS d, "
		"kind, '', count(*), abs(sum(amount_cents)) FROM fine WHERE at >= ?1 AND at < ?2 "
		"GROUP BY d, kind", "ii", start, end), fine_kind)
	    || add_money(db, grid, &ps, db_query(db, "SELECT date(completed_at, 'unixepoch', "
		"'localtime') AS d, purpose, method, count(*), sum(amount_cents) FROM payment "
		"WHERE completed_at >= ?1 AND completed_at < ?2 "
		"AND status IN ('completed', 'refunded') GROUP BY d, purpose, method", "ii",
		start, end), payment_kind)
	    || add_money(db, grid, &ps, db_query(db, "SELECT date(refunded_at, 'unixepoch', "
		"'localtime') AS d, '', method, count(*), sum(amount_cents) FROM payment "
		"WHERE refunded_at >= ?1 AND refunded_at < ?2 GROUP BY d, method", "ii",
		start, end), refund_kind))
		return -1;
	for (long i = 0; i < ps.n; i++) {
		char day[11];
		cal_format(period_start(&ps, i), day);
		const char *period = NULL;
		for (int k = 0; k < MONEY_KINDS; k++)
			for (int m = 0; m < NMETHODS; m++) {
				const struct money_cell *cell = &grid[(i * MONEY_KINDS + k) * NMETHODS + m];
				if (!cell->count)
					continue;
				if (!period)
					period = arena_strdup(a, day);
				struct report_value *row = row_add(a, t);
				row[0].text = period;
				row[1].text = money_kind_words[k];
				row[2].text = method_words[m];
				row[3].n = cell->count;
				row[4].n = cell->cents;
			}
	}
	t->caption = arena_printf(a, "Fines, payments and refunds %s, %s", group_words[p->group],
		range_words(a, p));
	return 0;
}

int report_run(struct db *db, struct arena *a, const struct report_params *p,
	struct report_table *t)
{
	int begun = db_snapshot_begin(db);
	int rc;
	switch (p->kind) {
	case REPORT_CIRCULATION: rc = run_circulation(db, a, p, t); break;
	case REPORT_POPULAR_TITLES:
	case REPORT_POPULAR_AUTHORS:
	case REPORT_POPULAR_SECTIONS: rc = run_popular(db, a, p, t); break;
	case REPORT_STOCK: rc = run_stock(db, a, p, t); break;
	case REPORT_NEVER_BORROWED: rc = run_never_borrowed(db, a, p, t); break;
	case REPORT_ACQUISITIONS: rc = run_acquisitions(db, a, p, t); break;
	case REPORT_MEMBERS: rc = run_members(db, a, p, t); break;
	case REPORT_MEMBER_HISTORY: rc = run_member_history(db, a, p, t); break;
	case REPORT_FINES: rc = run_fines(db, a, p, t); break;
	default: rc = -1;
	}
	db_snapshot_end(db, begun);
	return rc;
}

/* ---- files ---- */

long report_csv(const struct report_table *t, FILE *out, char *err, size_t errlen)
{
	struct arena a;
	arena_init(&a, 0);
	for (int c = 0; c < t->ncols; c++) {
		if (c)
			fputc(',', out);
		export_csv_cell(out, t->cols[c].key);
	}
	fputs("\r\n", out);
	for (long r = 0; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			const struct report_value *v = report_cell(t, r, c);
			if (c)
				fputc(',', out);
			switch (t->cols[c].type) {
			case REPORT_COUNT: fprintf(out, "%lld", v->n); break;
			case REPORT_MONEY: fputs(money_amount(&a, (long)v->n), out); break;
			default: export_csv_cell(out, v->text);
			}
		}
		fputs("\r\n", out);
	}
	arena_free(&a);
	if (ferror(out)) {
		snprintf(err, errlen, "the report could not be written");
		return -1;
	}
	return t->nrows;
}

long report_xlsx(const struct report_table *t, const char *path, char *err, size_t errlen)
{
	lxw_workbook_options options = { .constant_memory = LXW_TRUE };
	lxw_workbook *wb = workbook_new_opt(path, &options);
	if (!wb) {
		snprintf(err, errlen, "the workbook could not be created");
		return -1;
	}
	lxw_worksheet *ws = workbook_add_worksheet(wb, "report");
	lxw_format *bold = workbook_add_format(wb);
	format_set_bold(bold);
	lxw_format *money = workbook_add_format(wb);
	format_set_num_format(money, "0.00");
	for (int c = 0; c < t->ncols; c++)
		worksheet_write_string(ws, 0, (lxw_col_t)c, t->cols[c].key, bold);
	for (long r = 0; r < t->nrows; r++) {
		lxw_row_t xr = (lxw_row_t)(r + 1);
		for (int c = 0; c < t->ncols; c++) {
			const struct report_value *v = report_cell(t, r, c);
			lxw_col_t xc = (lxw_col_t)c;
			switch (t->cols[c].type) {
			case REPORT_COUNT:
				worksheet_write_number(ws, xr, xc, (double)v->n, NULL);
				break;
			case REPORT_MONEY:
				worksheet_write_number(ws, xr, xc, (double)v->n / 100.0, money);
				break;
			default:
				if (*v->text)
					worksheet_write_string(ws, xr, xc, v->text, NULL);
			}
		}
	}
	lxw_error e = workbook_close(wb);
	if (e != LXW_NO_ERROR) {
		snprintf(err, errlen, "the workbook could not be written: %s", lxw_strerror(e));
		return -1;
	}
	return t->nrows;
}

/* ---- the chart ---- */

static const char *plural(struct arena *a, long long n, const char *noun)
{
	size_t len = strlen(noun);
	if (n == 1)
		return arena_printf(a, "1 %s", noun);
	if (len > 1 && noun[len - 1] == 'y')
		return arena_printf(a, "%lld %.*sies", n, (int)(len - 1), noun);
	return arena_printf(a, "%lld %ss", n, noun);
}

/* A day for people ("6 Dec 2026"), other text as it is. */
static const char *label_words(struct arena *a, const char *s, bool day)
{
	return day ? cal_show_day(a, s) : s;
}

/* A label under the chart's first or last bar: a day for people, other
** text cut to a few words (at a character's first byte). */
static const char *axis_label(struct arena *a, const char *s, bool day)
{
	enum { MAX_BYTES = 24 };
	if (day)
		return cal_show_day(a, s);
	size_t n = strlen(s);
	if (n <= MAX_BYTES)
		return s;
	n = MAX_BYTES;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return arena_printf(a, "%.*s…", (int)n, s);
}

/* "Loans 4, Returns 2, Cost 12.50 €": every figure of a row. */
static const char *row_figures(struct arena *a, const struct report_table *t, long r,
	const char *currency)
{
	struct buf b = BUF_INIT;
	for (int c = 0; c < t->ncols; c++) {
		const struct report_value *v = report_cell(t, r, c);
		if (c == t->label_col || (t->cols[c].type != REPORT_COUNT
			&& t->cols[c].type != REPORT_MONEY) || !strcmp(t->cols[c].key, "rank"))
			continue;
		buf_printf(&b, "%s%s %s", b.len ? ", " : "", t->cols[c].label,
			t->cols[c].type == REPORT_MONEY ? money_in(a, currency, (long)v->n)
			: arena_printf(a, "%lld", v->n));
	}
	const char *s = arena_strndup(a, b.data ? b.data : "", b.len);
	buf_free(&b);
	return s;
}

const char *report_svg(struct arena *a, const struct report_table *t, const char *currency)
{
	if (t->chart_col < 0 || t->nrows == 0)
		return NULL;
	struct svg_bar *bars = arena_calloc(a, sizeof *bars * (size_t)t->nrows);
	long long most = 0, sum = 0;
	for (long r = 0; r < t->nrows; r++) {
		long long n = report_cell(t, r, t->chart_col)->n;
		most = n > most ? n : most;
		sum += n;
		bars[r].value = (double)n;
		bars[r].tip = arena_printf(a, "%s: %s", label_words(a,
			report_cell(t, r, t->label_col)->text, t->cols[t->label_col].type == REPORT_DAY),
			row_figures(a, t, r, currency));
	}
	const char *first = report_cell(t, 0, t->label_col)->text;
	const char *last = report_cell(t, t->nrows - 1, t->label_col)->text;
	bool days = t->cols[t->label_col].type == REPORT_DAY;
	struct svg_chart c = {
		.id = "report-chart",
		.title = arena_printf(a, "%s: %s", t->cols[t->chart_col].label, t->caption),
		.desc = arena_printf(a, "One bar for each of the %ld rows of the table below, "
			"from %s to %s; the tallest is %s, %s in all.", t->nrows,
			label_words(a, first, days), label_words(a, last, days),
			plural(a, most, t->unit), plural(a, sum, t->unit)),
		.bars = bars,
		.nbars = (int)t->nrows,
		.first_label = axis_label(a, first, days),
		.last_label = t->nrows > 1 ? axis_label(a, last, days) : NULL,
		.value_label = plural(a, most, t->unit),
	};
	return svgchart_bars(a, &c);
}
