/*
** test_report.c: unit tests of lib/report.c and lib/svgchart.c against a
** real SQLite database migrated from schema/. Loans, copies, fines and
** payments are seeded from small tables in this file, and every expected
** figure is counted here from those same tables, never from the reports'
** summaries (circ_daily, title_daily), which the tests also check stays in step when a
** loan is returned, renewed, moved or deleted. Then the form's checks, the
** CSV and the chart (escaping, one bar per row).
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
#include "db.h"
#include "db_fixture.h"
#include "report.h"
#include "svgchart.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
	long long section_a, section_b;
	long long member[3];
	long long copy[6];
};

/* 2026-03-15 12:00 UTC, a Sunday; the suite runs in UTC. */
#define NOW ((time_t)1773576000)

/* Loans of the seed: copy index, member index, day lent, day returned. */
static const struct seed_loan {
	int copy, member;
	const char *lent, *returned;
} loans[] = {
	{ 0, 0, "2026-03-02", "2026-03-09" },
	{ 0, 1, "2026-03-10", NULL },
	{ 1, 0, "2026-03-02", "2026-03-03" },
	{ 2, 2, "2026-03-09", "2026-03-14" },
	{ 3, 1, "2026-03-14", NULL },
	{ 1, 2, "2026-02-20", "2026-03-01" },     /* lent before the range */
};
#define NLOANS ((int)(sizeof loans / sizeof loans[0]))

/* Copies: title, section (0 none, 1 a, 2 b), item type, status, acquired, cost. */
static const struct seed_copy {
	const char *title;
	int section;
	const char *item_type, *status, *acquired;
	long long cost;
} copies[] = {
	{ "Alpha", 1, "book", "available", "2026-03-01", 1000 },
	{ "Beta <&> \"B\"", 1, "book", "available", "2026-03-02", 1250 },
	{ "Gamma", 2, "dvd", "available", "2026-03-09", 500 },
	{ "Alpha", 1, "book", "on-loan", "2026-01-10", 1000 },
	{ "Delta", 0, "book", "lost", "2026-03-10", 700 },
	{ "Epsilon", 2, "book", "withdrawn", "2026-03-11", 300 },
};
#define NCOPIES ((int)(sizeof copies / sizeof copies[0]))

static const char *const categories[3] = { "adult", "child", "adult" };

static long long title_id(struct db *db, const char *title, long long section)
{
	long long id = db_int(db, 0, "SELECT id FROM title WHERE title = ?", "t", title);
	if (id)
		return id;
	assert_int_equal(db_exec(db, "INSERT INTO title(title, section_id, created_at, updated_at) "
		"VALUES (?, nullif(?, 0), 0, 0)", "ti", title, section), SQLITE_OK);
	return db_last_id(db);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	test_db_open(f->dir, &f->db, &f->arena);
	struct db *db = &f->db;
	assert_int_equal(db_exec(db, "INSERT INTO section(name) VALUES ('Section A')", NULL), 0);
	f->section_a = db_last_id(db);
	assert_int_equal(db_exec(db, "INSERT INTO section(name) VALUES ('Section B')", NULL), 0);
	f->section_b = db_last_id(db);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(db_exec(db, "INSERT INTO account(email, name, password_hash, role, "
			"category, card_number, created_at, updated_at, member_until) VALUES (?, ?, "
			"'$argon2id$x', 'member', ?, ?, ?, 0, ?)", "tttiit",
			i == 0 ? "one@unit.example" : i == 1 ? "two@unit.example" : "three@unit.example",
			"Unit Reader", categories[i], (long long)(1000 + i),
			(long long)(NOW - 86400 * (i * 3 + 1)),
			i == 2 ? "2026-03-20" : "2027-01-01"), SQLITE_OK);
		f->member[i] = db_last_id(db);
	}
	for (int i = 0; i < NCOPIES; i++) {
		long long section = copies[i].section == 1 ? f->section_a
			: copies[i].section == 2 ? f->section_b : 0;
		long long tid = title_id(db, copies[i].title, section);
		char barcode[16];
		snprintf(barcode, sizeof barcode, "U%02d", i);
		assert_int_equal(db_exec(db, "INSERT INTO copy(barcode, title_id, item_type, status, "
			"acquired_on, cost_cents, created_at) VALUES (?, ?, ?, ?, ?, ?, 0)", "tittti",
			barcode, tid, copies[i].item_type, copies[i].status, copies[i].acquired,
			copies[i].cost), SQLITE_OK);
		f->copy[i] = db_last_id(db);
	}
	for (int i = 0; i < NLOANS; i++)
		assert_int_equal(db_exec(db, "INSERT INTO loan(copy_id, account_id, loaned_at, "
			"loan_day, due_day, returned_at, return_day, rule_category, rule_item_type, "
			"loan_days, max_renewals, fine_per_day_cents, grace_days, fine_cap_cents) "
			"VALUES (?, ?, 0, ?, '2026-04-30', CASE WHEN ?4 IS NULL THEN NULL ELSE 1 END, ?4, "
			"'*', '*', 21, 3, 25, 1, 1000)", "iitt", f->copy[loans[i].copy],
			f->member[loans[i].member], loans[i].lent, loans[i].returned), SQLITE_OK);
	*state = f;
	return 0;
}

DEFINE_TEST_DB_TEARDOWN(teardown)

static struct report_table run(struct fixture *f, enum report_kind kind,
	struct report_input in)
{
	struct report_params p;
	struct form_errors errs = { 0 };
	assert_int_equal(report_check(&f->db, &f->arena, kind, &in, NOW, &p, &errs), 0);
	struct report_table t;
	assert_int_equal(report_run(&f->db, &f->arena, &p, &t), 0);
	return t;
}

static long long n_at(const struct report_table *t, long r, int c)
{
	return report_cell(t, r, c)->n;
}

static const char *text_at(const struct report_table *t, long r, int c)
{
	return report_cell(t, r, c)->text;
}

/* Loans lent on day among the seed (the category "" for any). */
static long seeded_lent(const char *day, const char *category)
{
	long n = 0;
	for (int i = 0; i < NLOANS; i++)
		n += !strcmp(loans[i].lent, day)
			&& (!*category || !strcmp(categories[loans[i].member], category));
	return n;
}

static long seeded_returned(const char *day)
{
	long n = 0;
	for (int i = 0; i < NLOANS; i++)
		n += loans[i].returned && !strcmp(loans[i].returned, day);
	return n;
}

static void test_circulation_per_day_counts_the_seed(void **state)
{
	struct fixture *f = *state;
	/* The last loan is renewed twice, on two days (the trigger records each). */
	long long last = db_int(&f->db, 0, "SELECT max(id) FROM loan", NULL);
	db_exec(&f->db, "UPDATE loan SET renewals = 1, last_renewed_day = '2026-03-04' "
		"WHERE id = ?", "i", last);
	db_exec(&f->db, "UPDATE loan SET renewals = 2, last_renewed_day = '2026-03-05' "
		"WHERE id = ?", "i", last);
	struct report_table t = run(f, REPORT_CIRCULATION,
		(struct report_input){ .from = "2026-03-01", .to = "2026-03-15" });
	assert_int_equal(t.nrows, 15);
	for (long r = 0; r < t.nrows; r++) {
		const char *d = text_at(&t, r, 0);
		assert_int_equal(n_at(&t, r, 1), seeded_lent(d, ""));
		assert_int_equal(n_at(&t, r, 2), seeded_returned(d));
		assert_int_equal(n_at(&t, r, 3), !strcmp(d, "2026-03-04") || !strcmp(d, "2026-03-05"));
	}
	assert_string_equal(text_at(&t, 0, 0), "2026-03-01");
	assert_string_equal(text_at(&t, 14, 0), "2026-03-15");
	/* Filtered by category: only the child's loans. */
	t = run(f, REPORT_CIRCULATION, (struct report_input){ .from = "2026-03-01",
		.to = "2026-03-15", .category = "child" });
	for (long r = 0; r < t.nrows; r++)
		assert_int_equal(n_at(&t, r, 1), seeded_lent(text_at(&t, r, 0), "child"));
	/* Filtered by item type: the one DVD's loan. */
	t = run(f, REPORT_CIRCULATION, (struct report_input){ .from = "2026-03-01",
		.to = "2026-03-15", .item_type = "dvd" });
	long dvd = 0;
	for (long r = 0; r < t.nrows; r++)
		dvd += n_at(&t, r, 1);
	assert_int_equal(dvd, 1);
}

static void test_circulation_by_week_and_month(void **state)
{
	struct fixture *f = *state;
	struct report_table t = run(f, REPORT_CIRCULATION, (struct report_input){
		.from = "2026-02-18", .to = "2026-03-15", .group = "week" });
	/* Weeks from Monday: 16 Feb, 23 Feb, 2 Mar, 9 Mar. */
	assert_int_equal(t.nrows, 4);
	const char *weeks[] = { "2026-02-16", "2026-02-23", "2026-03-02", "2026-03-09" };
	long want[4] = { 0 };
	for (int i = 0; i < NLOANS; i++) {
		lday d, from;
		cal_parse(loans[i].lent, &d);
		for (int w = 3; w >= 0; w--) {
			cal_parse(weeks[w], &from);
			if (d >= from) {
				want[w]++;
				break;
			}
		}
	}
	for (int w = 0; w < 4; w++) {
		assert_string_equal(text_at(&t, w, 0), weeks[w]);
		assert_int_equal(n_at(&t, w, 1), want[w]);
	}
	t = run(f, REPORT_CIRCULATION, (struct report_input){ .from = "2026-02-01",
		.to = "2026-03-15", .group = "month" });
	assert_int_equal(t.nrows, 2);
	assert_string_equal(text_at(&t, 0, 0), "2026-02-01");
	assert_int_equal(n_at(&t, 0, 1), 1);
	assert_int_equal(n_at(&t, 1, 1), NLOANS - 1);
	assert_int_equal(n_at(&t, 1, 2), 4);      /* returns in March */
}

static long long summary(struct fixture *f, const char *column_sum_sql)
{
	return db_int(&f->db, -1, column_sum_sql, NULL);
}

static void test_summary_stays_in_step(void **state)
{
	struct fixture *f = *state;
	const char *total_loans = "SELECT sum(loans) FROM circ_daily";
	const char *total_returns = "SELECT sum(returns) FROM circ_daily";
	const char *title_loans = "SELECT sum(loans) FROM title_daily";
	assert_int_equal(summary(f, total_loans), NLOANS);
	assert_int_equal(summary(f, title_loans), NLOANS);
	assert_int_equal(summary(f, total_returns), 4);
	long long open = db_int(&f->db, 0, "SELECT min(id) FROM loan WHERE returned_at IS NULL", NULL);
	db_exec(&f->db, "UPDATE loan SET returned_at = 1, return_day = '2026-03-15' WHERE id = ?",
		"i", open);
	assert_int_equal(summary(f, total_returns), 5);
	assert_int_equal(db_int(&f->db, 0, "SELECT returns FROM circ_daily WHERE day = '2026-03-15'",
		NULL), 1);
	db_exec(&f->db, "UPDATE loan SET loan_day = '2026-03-11' WHERE id = ?", "i", open);
	assert_int_equal(db_int(&f->db, 0, "SELECT sum(loans) FROM circ_daily WHERE day = "
		"'2026-03-10'", NULL), 0);
	assert_int_equal(db_int(&f->db, 0, "SELECT sum(loans) FROM circ_daily WHERE day = "
		"'2026-03-11'", NULL), 1);
	assert_int_equal(db_int(&f->db, 0, "SELECT sum(loans) FROM title_daily WHERE day = "
		"'2026-03-10'", NULL), 0);
	assert_int_equal(db_int(&f->db, 0, "SELECT sum(loans) FROM title_daily WHERE day = "
		"'2026-03-11'", NULL), 1);
	db_exec(&f->db, "UPDATE loan SET renewals = 1, last_renewed_day = '2026-03-12' "
		"WHERE id = ?", "i", open);
	assert_int_equal(summary(f, "SELECT sum(renewals) FROM circ_daily"), 1);
	/* Removed: its loan, return and renewal go with it. */
	db_exec(&f->db, "DELETE FROM loan WHERE id = ?", "i", open);
	assert_int_equal(summary(f, total_loans), NLOANS - 1);
	assert_int_equal(summary(f, title_loans), NLOANS - 1);
	assert_int_equal(summary(f, total_returns), 4);
	assert_int_equal(summary(f, "SELECT sum(renewals) FROM circ_daily"), 0);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM renewal", NULL), 0);
}

static void test_popular_titles_authors_sections(void **state)
{
	struct fixture *f = *state;
	struct report_input range = { .from = "2026-03-01", .to = "2026-03-15" };
	struct report_table t = run(f, REPORT_POPULAR_TITLES, range);
	/* Alpha: copies 0 (twice) and 3; Beta: copy 1 once in range; Gamma once. */
	assert_int_equal(t.nrows, 3);
	assert_string_equal(text_at(&t, 0, 1), "Alpha");
	assert_int_equal(n_at(&t, 0, 2), 3);
	assert_int_equal(n_at(&t, 0, 0), 1);
	assert_int_equal(n_at(&t, 1, 2), 1);
	assert_int_equal(n_at(&t, 2, 0), 3);
	range.top = "1";
	t = run(f, REPORT_POPULAR_TITLES, range);
	assert_int_equal(t.nrows, 1);
	range.top = NULL;
	/* Section B: Gamma alone; the child (member 1) borrowed Alpha twice. */
	char section_b[24];
	snprintf(section_b, sizeof section_b, "%lld", f->section_b);
	t = run(f, REPORT_POPULAR_TITLES, (struct report_input){ .from = range.from,
		.to = range.to, .section = section_b });
	assert_int_equal(t.nrows, 1);
	assert_string_equal(text_at(&t, 0, 1), "Gamma");
	t = run(f, REPORT_POPULAR_TITLES, (struct report_input){ .from = range.from,
		.to = range.to, .category = "child" });
	assert_int_equal(t.nrows, 1);
	assert_string_equal(text_at(&t, 0, 1), "Alpha");
	assert_int_equal(n_at(&t, 0, 2), 2);
	t = run(f, REPORT_POPULAR_SECTIONS, range);
	assert_int_equal(t.nrows, 2);
	assert_string_equal(text_at(&t, 0, 1), "Section A");
	assert_int_equal(n_at(&t, 0, 2), 4);
	assert_string_equal(text_at(&t, 1, 1), "Section B");
	assert_int_equal(n_at(&t, 1, 2), 1);
	/* An author of Alpha and Gamma. */
	db_exec(&f->db, "INSERT INTO author(name) VALUES ('Unit Author')", NULL);
	db_exec(&f->db, "INSERT INTO title_author(title_id, author_id, position) "
		"SELECT id, (SELECT id FROM author WHERE name = 'Unit Author'), 1 FROM title "
		"WHERE title IN ('Alpha', 'Gamma')", NULL);
	t = run(f, REPORT_POPULAR_AUTHORS, range);
	assert_int_equal(t.nrows, 1);
	assert_int_equal(n_at(&t, 0, 2), 4);
}

static void test_stock_never_borrowed_acquisitions(void **state)
{
	struct fixture *f = *state;
	struct report_table t = run(f, REPORT_STOCK, (struct report_input){ 0 });
	assert_int_equal(t.nrows, 7);
	long long total = 0;
	for (long r = 0; r < t.nrows; r++)
		total += n_at(&t, r, 1);
	assert_int_equal(total, NCOPIES);
	assert_string_equal(text_at(&t, 0, 0), "Available");
	assert_int_equal(n_at(&t, 0, 1), 3);
	assert_string_equal(text_at(&t, 3, 0), "Lost");
	assert_int_equal(n_at(&t, 3, 1), 1);
	/* Never lent, acquired in March, not withdrawn: copy 4 (Delta) only. */
	t = run(f, REPORT_NEVER_BORROWED, (struct report_input){ .from = "2026-03-01",
		.to = "2026-03-15" });
	assert_int_equal(t.nrows, 1);
	assert_string_equal(text_at(&t, 0, 1), "Delta");
	assert_int_equal(n_at(&t, 0, 3), 700);
	t = run(f, REPORT_ACQUISITIONS, (struct report_input){ .from = "2026-01-01",
		.to = "2026-03-15", .group = "month" });
	assert_int_equal(t.nrows, 3);
	long long copies_march = 0, cost_march = 0;
	for (int i = 0; i < NCOPIES; i++)
		if (!strncmp(copies[i].acquired, "2026-03", 7)) {
			copies_march++;
			cost_march += copies[i].cost;
		}
	assert_int_equal(n_at(&t, 0, 1), 1);
	assert_int_equal(n_at(&t, 1, 1), 0);
	assert_int_equal(n_at(&t, 2, 1), copies_march);
	assert_int_equal(n_at(&t, 2, 2), cost_march);
}

static void test_members_and_history(void **state)
{
	struct fixture *f = *state;
	struct report_table t = run(f, REPORT_MEMBERS, (struct report_input){
		.from = "2026-03-01", .to = "2026-03-31" });
	assert_int_equal(t.nrows, 31);
	long long joined = 0, ending = 0;
	for (long r = 0; r < t.nrows; r++) {
		joined += n_at(&t, r, 1);
		ending += n_at(&t, r, 3);
	}
	assert_int_equal(joined, 3);
	assert_int_equal(ending, 1);
	assert_int_equal(n_at(&t, 19, 3), 1);      /* 2026-03-20 */
	t = run(f, REPORT_MEMBER_HISTORY, (struct report_input){ .member = "1002",
		.from = "2026-02-01", .to = "2026-03-15" });
	assert_int_equal(t.nrows, 2);
	assert_string_equal(text_at(&t, 0, 0), "2026-02-20");
	assert_string_equal(text_at(&t, 1, 1), "Gamma");
	assert_string_equal(text_at(&t, 1, 4), "2026-03-14");
}

static void test_fines_and_payments(void **state)
{
	struct fixture *f = *state;
	long long day10 = NOW - 5 * 86400;     /* 2026-03-10 */
	long long m = f->member[0];
	db_exec(&f->db, "INSERT INTO fine(account_id, kind, amount_cents, at) VALUES "
		"(?1, 'accrued', 300, ?2), (?1, 'accrued', 200, ?2), (?1, 'waived', -100, ?2)",
		"ii", m, day10);
	db_exec(&f->db, "INSERT INTO payment(account_id, amount_cents, purpose, method, status, "
		"reference, created_at, completed_at) VALUES "
		"(?1, 400, 'fine', 'cash', 'completed', 'R1', ?2, ?2), "
		"(?1, 250, 'fine', 'cash', 'completed', 'R2', ?2, ?2), "
		"(?1, 900, 'other', 'card', 'pending', 'R3', ?2, NULL)", "ii", m, day10);
	db_exec(&f->db, "INSERT INTO payment(account_id, amount_cents, purpose, method, status, "
		"reference, created_at, completed_at, refunded_at) VALUES "
		"(?1, 700, 'other', 'card', 'refunded', 'R4', ?2, ?2, ?3)", "iii", m, day10,
		day10 + 86400);
	struct report_table t = run(f, REPORT_FINES, (struct report_input){
		.from = "2026-03-10", .to = "2026-03-11" });
	/* Day 10: charged 2 (5.00), waived 1 (1.00), fine payments cash 2 (6.50),
	** other card 1 (7.00, refunded later still received); day 11: refund. */
	assert_int_equal(t.nrows, 5);
	assert_string_equal(text_at(&t, 0, 1), "Fines charged");
	assert_int_equal(n_at(&t, 0, 3), 2);
	assert_int_equal(n_at(&t, 0, 4), 500);
	assert_string_equal(text_at(&t, 1, 1), "Fines waived");
	assert_int_equal(n_at(&t, 1, 4), 100);
	assert_string_equal(text_at(&t, 2, 1), "Fine payments");
	assert_string_equal(text_at(&t, 2, 2), "Cash");
	assert_int_equal(n_at(&t, 2, 4), 650);
	assert_string_equal(text_at(&t, 3, 1), "Other payments");
	assert_string_equal(text_at(&t, 4, 0), "2026-03-11");
	assert_string_equal(text_at(&t, 4, 1), "Refunds");
	assert_int_equal(n_at(&t, 4, 4), 700);
}

static void refused(struct fixture *f, enum report_kind kind, struct report_input in,
	const char *field)
{
	struct report_params p;
	struct form_errors errs = { 0 };
	assert_int_equal(report_check(&f->db, &f->arena, kind, &in, NOW, &p, &errs), 1);
	assert_non_null(form_error_get(&errs, field));
}

static void test_the_form_is_checked(void **state)
{
	struct fixture *f = *state;
	struct report_params p;
	struct form_errors errs = { 0 };
	struct report_input none = { 0 };
	assert_int_equal(report_check(&f->db, &f->arena, REPORT_CIRCULATION, &none, NOW, &p,
		&errs), 0);
	assert_string_equal(p.from, "2026-02-14");      /* the last 30 days */
	assert_string_equal(p.to, "2026-03-15");
	refused(f, REPORT_CIRCULATION, (struct report_input){ .from = "2026-02-30" }, "from");
	refused(f, REPORT_CIRCULATION, (struct report_input){ .to = "soon" }, "to");
	refused(f, REPORT_CIRCULATION, (struct report_input){ .from = "2026-03-02",
		.to = "2026-03-01" }, "to");
	refused(f, REPORT_CIRCULATION, (struct report_input){ .from = "2010-01-01",
		.to = "2026-01-01", .group = "month" }, "from");
	refused(f, REPORT_CIRCULATION, (struct report_input){ .from = "2024-01-01",
		.to = "2026-01-01" }, "group");
	refused(f, REPORT_CIRCULATION, (struct report_input){ .group = "year" }, "group");
	refused(f, REPORT_CIRCULATION, (struct report_input){ .section = "999" }, "section");
	refused(f, REPORT_CIRCULATION, (struct report_input){ .section = "1x" }, "section");
	refused(f, REPORT_CIRCULATION, (struct report_input){ .item_type = "boat" }, "item_type");
	refused(f, REPORT_CIRCULATION, (struct report_input){ .category = "pirate" }, "category");
	refused(f, REPORT_POPULAR_TITLES, (struct report_input){ .top = "1001" }, "top");
	refused(f, REPORT_POPULAR_TITLES, (struct report_input){ .top = "-1" }, "top");
	refused(f, REPORT_MEMBER_HISTORY, (struct report_input){ 0 }, "member");
	refused(f, REPORT_MEMBER_HISTORY, (struct report_input){ .member = "x@y.example" }, "member");
	/* Two years by week is fine. */
	assert_int_equal(report_check(&f->db, &f->arena, REPORT_CIRCULATION,
		&(struct report_input){ .from = "2024-01-01", .to = "2026-01-01", .group = "week" },
		NOW, &p, &errs), 0);
	assert_int_equal(report_kind_parse("fines"), REPORT_FINES);
	assert_int_equal(report_kind_parse("../etc"), -1);
}

static void test_csv_holds_the_rows(void **state)
{
	struct fixture *f = *state;
	struct report_table t = run(f, REPORT_NEVER_BORROWED, (struct report_input){
		.from = "2026-01-01", .to = "2026-03-15" });
	/* A title a spreadsheet would take for a formula is guarded. */
	t.cells[1].text = "=HYPERLINK(\"x\")";
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	char err[128];
	assert_int_equal(report_csv(&t, out, err, sizeof err), t.nrows);
	fclose(out);
	assert_true(strncmp(text, "barcode,title,acquired_on,cost\r\n", 32) == 0);
	assert_non_null(strstr(text, "\"'=HYPERLINK(\"\"x\"\")\""));
	assert_non_null(strstr(text, ",7.00\r\n"));
	free(text);
}

static int count(const char *s, const char *what)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static void test_svg_escapes_and_draws_a_bar_a_row(void **state)
{
	struct fixture *f = *state;
	struct report_table t = run(f, REPORT_POPULAR_TITLES, (struct report_input){
		.from = "2026-02-01", .to = "2026-03-15" });
	const char *svg = report_svg(&f->arena, &t, "€");
	assert_non_null(svg);
	assert_int_equal(count(svg, "<rect "), t.nrows);
	assert_int_equal(count(svg, "</rect>"), t.nrows);
	assert_non_null(strstr(svg, "role=\"img\""));
	assert_non_null(strstr(svg, "<desc id=\"report-chart-desc\">"));
	assert_non_null(strstr(svg, "Beta &lt;&amp;&gt; &quot;B&quot;: Loans 2"));
	assert_null(strstr(svg, "<&>"));
	assert_null(strstr(svg, "style="));
	/* A report without a chart has none. */
	struct report_table fines = run(f, REPORT_FINES, (struct report_input){ 0 });
	assert_null(report_svg(&f->arena, &fines, "€"));
	/* The drawing alone: a bar for each, heights in proportion. */
	struct svg_bar bars[] = { { "a < b", 2 }, { "c & d", 4 }, { "zero", 0 } };
	struct svg_chart c = { .id = "x", .title = "T \"1\"", .desc = "D's", .bars = bars,
		.nbars = 3, .first_label = "<first>", .last_label = "last" };
	svg = svgchart_bars(&f->arena, &c);
	assert_int_equal(count(svg, "<rect "), 3);
	assert_non_null(strstr(svg, "<title>a &lt; b</title>"));
	assert_non_null(strstr(svg, "<title>c &amp; d</title>"));
	assert_non_null(strstr(svg, "<title id=\"x-title\">T &quot;1&quot;</title>"));
	assert_non_null(strstr(svg, "D&#39;s"));
	assert_non_null(strstr(svg, "&lt;first&gt;"));
	assert_non_null(strstr(svg, "height=\"0.0\""));
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_circulation_per_day_counts_the_seed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_circulation_by_week_and_month, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_stays_in_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_popular_titles_authors_sections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stock_never_borrowed_acquisitions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_members_and_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fines_and_payments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_form_is_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_holds_the_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_svg_escapes_and_draws_a_bar_a_row, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
