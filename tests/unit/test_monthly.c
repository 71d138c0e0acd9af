/*
** test_monthly.c: unit tests of lib/monthly.c against a real SQLite
** database migrated from schema/: the month's words (parse, last month),
** the figures and their edges (a loan lent in one month and returned in the
** next, overdue at the month's end, a member who joined just before
** midnight in the library's time zone), the chart's bars, and queueing the
** email once per librarian and admin, never to a member.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "db_fixture.h"
#include "monthly.h"
#include "notify.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
	long long member, staff, admin, copy_a, copy_b;
};

static long long add_account(struct db *db, const char *email, const char *role,
	long long created_at)
{
	assert_int_equal(db_exec(db, "INSERT INTO account(email, name, password_hash, role, "
		"created_at, updated_at) VALUES (?, 'Unit Person', '$argon2id$x', ?, ?, ?)", "ttii",
		email, role, created_at, created_at), SQLITE_OK);
	return db_last_id(db);
}

static long long add_copy(struct db *db, const char *title, const char *barcode)
{
	assert_int_equal(db_exec(db, "INSERT INTO title(title, format, created_at, updated_at) "
		"VALUES (?, 'print', 0, 0)", "t", title), SQLITE_OK);
	long long tid = db_last_id(db);
	assert_int_equal(db_exec(db, "INSERT INTO copy(barcode, title_id, created_at) "
		"VALUES (?, ?, 0)", "ti", barcode, tid), SQLITE_OK);
	return db_last_id(db);
}

static void add_loan(struct fixture *f, long long copy, const char *loan_day,
	const char *due_day, const char *return_day)
{
	assert_int_equal(db_exec(&f->db, "INSERT INTO loan(copy_id, account_id, loaned_at, "
		"loan_day, due_day, returned_at, return_day, rule_category, rule_item_type, "
		"loan_days, max_renewals, fine_per_day_cents, grace_days, fine_cap_cents) "
		"VALUES (?, ?, 0, ?, ?, CASE WHEN ?5 IS NULL THEN NULL ELSE 1 END, ?5, "
		"'*', '*', 21, 3, 25, 1, 1000)", "iittt", copy, f->member, loan_day, due_day,
		return_day), SQLITE_OK);
}

/* 15 December 2026, noon in New York: November is over. */
static const time_t december = 1797354000;

/* New York: the library's days end five hours after UTC's in November. */
static int setup(void **state)
{
	setenv("TZ", "America/New_York", 1);
	tzset();
	struct fixture *f = calloc(1, sizeof *f);
	test_db_open(f->dir, &f->db, &f->arena);
	/* 2026-11-01 03:00 UTC is still 31 October in New York. */
	f->member = add_account(&f->db, "member@unit.example", "member", 1793502000);
	f->staff = add_account(&f->db, "staff@unit.example", "librarian", 1793502000 + 6 * 3600);
	f->admin = add_account(&f->db, "admin@unit.example", "admin", 0);
	add_account(&f->db, "member2@unit.example", "member", 1793502000 + 6 * 3600);
	f->copy_a = add_copy(&f->db, "Alpha", "A1");
	f->copy_b = add_copy(&f->db, "Beta", "B1");
	notify_set_base_url("https://library.example");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	test_db_close(f->dir, &f->db, &f->arena);
	free(f);
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

static void test_month_words(void **state)
{
	(void)state;
	int y, m;
	assert_true(monthly_parse("2026-11", &y, &m));
	assert_int_equal(y, 2026);
	assert_int_equal(m, 11);
	const char *bad[] = { "2026-13", "2026-00", "2026-1", "202611", "2026-11-01", "", "abcd-ef" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(monthly_parse(bad[i], &y, &m));
	assert_false(monthly_parse(NULL, &y, &m));
	/* 1 January 2027, 10:00 in New York: last month is December 2026. */
	monthly_last_month(1798815600, &y, &m);
	assert_int_equal(y, 2026);
	assert_int_equal(m, 12);
}

static void test_figures_and_their_edges(void **state)
{
	struct fixture *f = *state;
	add_loan(f, f->copy_a, "2026-10-28", "2026-11-18", "2026-11-02");  /* a return */
	add_loan(f, f->copy_a, "2026-11-03", "2026-11-24", "2026-11-10");
	add_loan(f, f->copy_a, "2026-11-12", "2026-11-20", NULL);          /* overdue */
	add_loan(f, f->copy_b, "2026-11-03", "2026-11-30", "2026-12-01");  /* due on the last day */
	add_loan(f, f->copy_b, "2026-12-01", "2026-12-22", NULL);          /* next month */
	struct monthly_report r;
	assert_int_equal(monthly_compute(&f->db, &f->arena, 2026, 11, december, &r), 0);
	assert_false(r.under_way);
	assert_string_equal(r.key, "2026-11");
	assert_int_equal(r.days, 30);
	assert_int_equal(r.loans, 3);
	assert_int_equal(r.returns, 2);
	assert_int_equal(r.overdue, 2);
	/* Only member2 joined in November in New York; staff do not count. */
	assert_int_equal(r.new_members, 1);
	assert_int_equal(r.ntop, 2);
	assert_string_equal(r.top[0].title, "Alpha");
	assert_int_equal(r.top[0].loans, 2);
	assert_int_equal(r.per_day[2], 2);
	assert_int_equal(r.per_day[11], 1);
	assert_int_equal(r.per_day[0], 0);
	assert_int_equal(r.payments, 0);
	/* On 21 November the month is under way: overdue counts at the start
	** of that day (only the loan due on the 20th). */
	assert_int_equal(monthly_compute(&f->db, &f->arena, 2026, 11, 1795269600, &r), 0);
	assert_true(r.under_way);
	assert_string_equal(r.overdue_at, "2026-11-21");
	assert_int_equal(r.overdue, 1);
}

static int count(const char *s, const char *what)
{
	int n = 0;
	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

static void test_chart_has_a_bar_a_day(void **state)
{
	struct fixture *f = *state;
	add_loan(f, f->copy_a, "2026-11-03", "2026-11-24", NULL);
	struct monthly_report r;
	assert_int_equal(monthly_compute(&f->db, &f->arena, 2026, 11, december, &r), 0);
	const char *svg = monthly_svg(&f->arena, &r);
	assert_int_equal(count(svg, "<rect "), 30);
	assert_int_equal(count(svg, "</rect>"), 30);
	assert_int_equal(count(svg, "<title"), 31);
	assert_non_null(strstr(svg, "<title>3 November: 1 loan</title>"));
	assert_non_null(strstr(svg, "<title>4 November: 0 loans</title>"));
	assert_non_null(strstr(svg, "<title id=\"chart-title\">Loans per day, November 2026</title>"));
	assert_true(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
	assert_non_null(strstr(svg, "</svg>"));
}

static void test_queued_once_to_staff_only(void **state)
{
	struct fixture *f = *state;
	struct tmpl_set *set = tmpl_set_new();
	char err[256];
	const char *html = "<p>{{month}}: {{loans}}</p>{{{chart}}}";
	const char *text = "{{month}}: {{loans}} loans";
	assert_int_equal(tmpl_set_add(set, "email_monthly_report", html, strlen(html), err,
		sizeof err), 0);
	assert_int_equal(tmpl_set_add(set, "email_monthly_report_text", text, strlen(text), err,
		sizeof err), 0);
	time_t now = 1796130000;
	assert_int_equal(monthly_send(&f->db, &f->arena, set, 2026, 11, now, err, sizeof err), 2);
	assert_int_equal(monthly_send(&f->db, &f->arena, set, 2026, 11, now, err, sizeof err), 0);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM outbox WHERE account_id = ?", "i",
		f->member), 0);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM outbox WHERE kind = "
		"'monthly-report' AND dedupe_key = 'monthly-report:' || ? || ':2026-11' "
		"AND body = 'November 2026: 0 loans' AND subject = 'Monthly report for November 2026' "
		"AND body_html LIKE '<p>November 2026: 0</p><svg %'", "i", f->admin), 1);
	/* The staff are told it went, once each. */
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM notification WHERE kind = "
		"'monthly-report'", NULL), 2);
	/* Without its templates nothing is queued, and it says why. */
	struct tmpl_set *empty = tmpl_set_new();
	assert_int_equal(monthly_send(&f->db, &f->arena, empty, 2026, 10, now, err, sizeof err), -1);
	assert_non_null(strstr(err, "email_monthly_report"));
	tmpl_set_free(empty);
	tmpl_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_month_words),
		cmocka_unit_test_setup_teardown(test_figures_and_their_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chart_has_a_bar_a_day, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queued_once_to_staff_only, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
