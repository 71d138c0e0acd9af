/*
** test_circulation.c: unit tests of lib/circulation.c against a real
** SQLite database, migrated from schema/ in a temporary folder for each
** test: loan limits per rule, the rule look-up's precedence, and what the
** desk is told when the one-open-loan index catches a second checkout.
** The clock is a fixed day in UTC; tests move it by whole days.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"
#include "circulation.h"
#include "db.h"
#include "db_fixture.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
	int copies;              /* copies made so far, for unique barcodes */
};

/* Noon on 2026-03-02, a Monday: the first day of every test. */
static time_t day0;

static time_t at_day(int n)
{
	return day0 + (time_t)n * 86400;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	test_db_open(f->dir, &f->db, &f->arena);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	test_db_close(f->dir, &f->db, &f->arena);
	free(f);
	return 0;
}

/* A member of category with a membership valid for years. */
static long long add_member(struct fixture *f, const char *name, const char *category)
{
	char email[96];
	snprintf(email, sizeof email, "%s@test.example", name);
	assert_int_equal(db_exec(&f->db, "INSERT INTO account(email, name, password_hash, "
		"category, member_until, created_at, updated_at) "
		"VALUES (?, ?, '$argon2id$test', ?, '2099-12-31', 0, 0)", "ttt",
		email, name, category), SQLITE_OK);
	return db_last_id(&f->db);
}

/* A title with one copy of item_type; returns the copy's barcode (arena). */
static const char *add_copy(struct fixture *f, const char *title, const char *item_type)
{
	assert_int_equal(db_exec(&f->db, "INSERT INTO title(title, created_at, updated_at) "
		"VALUES (?, 0, 0)", "t", title), SQLITE_OK);
	long long title_id = db_last_id(&f->db);
	const char *barcode = arena_printf(&f->arena, "B%04d", ++f->copies);
	assert_int_equal(db_exec(&f->db, "INSERT INTO copy(barcode, title_id, item_type, "
		"created_at) VALUES (?, ?, ?, 0)", "tit", barcode, title_id, item_type), SQLITE_OK);
	return barcode;
}

static void add_rule(struct fixture *f, const char *category, const char *item_type,
	int loan_days, int max_loans)
{
	assert_int_equal(db_exec(&f->db, "INSERT INTO circ_rule(category, item_type, loan_days, "
		"max_loans, max_renewals, fine_per_day_cents, grace_days, fine_cap_cents, "
		"hold_pickup_days) VALUES (?, ?, ?, ?, 3, 25, 1, 1000, 7)", "ttii",
		category, item_type, (long long)loan_days, (long long)max_loans), SQLITE_OK);
}

/* Lend barcode to member on day n; returns the result's code. */
static enum circ_code lend(struct fixture *f, long long member, const char *barcode, int n,
	struct circ_result *r)
{
	circ_checkout(&f->db, &f->arena, at_day(n), member, barcode, r);
	return r->code;
}

static long open_loans(struct fixture *f, long long member)
{
	return (long)db_int(&f->db, 0, "SELECT count(*) FROM loan WHERE account_id = ? "
		"AND returned_at IS NULL", "i", member);
}

/* ---- loan limits ---- */

static void test_general_rule_limits_all_item_types(void **state)
{
	struct fixture *f = *state;
	struct circ_result r;
	long long m = add_member(f, "general", "adult");
	for (int i = 0; i < 5; i++)
		assert_int_equal(lend(f, m, add_copy(f, "Book", "book"), 0, &r), CIRC_OK);
	/* The '*'/'*' rule's limit of 5 counts the books against a DVD too. */
	assert_int_equal(lend(f, m, add_copy(f, "Film", "dvd"), 0, &r), CIRC_TOO_MANY_LOANS);
	assert_non_null(strstr(r.message, "5 item(s) out; the limit is 5"));
	assert_int_equal(open_loans(f, m), 5);
}

static void test_item_type_rule_limits_its_type_within_the_general_limit(void **state)
{
	struct fixture *f = *state;
	struct circ_result r;
	add_rule(f, "*", "dvd", 7, 2);
	long long m = add_member(f, "typed", "adult");
	assert_int_equal(lend(f, m, add_copy(f, "Film 1", "dvd"), 0, &r), CIRC_OK);
	assert_int_equal(lend(f, m, add_copy(f, "Film 2", "dvd"), 0, &r), CIRC_OK);
	assert_int_equal(lend(f, m, add_copy(f, "Film 3", "dvd"), 0, &r), CIRC_TOO_MANY_LOANS);
	assert_non_null(strstr(r.message, "2 dvd item(s) out; the limit for dvd items is 2"));
	/* Books are not DVDs: three more fit under the general limit of 5 ... */
	for (int i = 0; i < 3; i++)
		assert_int_equal(lend(f, m, add_copy(f, "Book", "book"), 0, &r), CIRC_OK);
	assert_int_equal(lend(f, m, add_copy(f, "Book", "book"), 0, &r), CIRC_TOO_MANY_LOANS);
	/* ... and a DVD rule with a higher limit does not lift the general one. */
	assert_int_equal(db_exec(&f->db, "DELETE FROM circ_rule WHERE item_type = 'dvd'", NULL),
		SQLITE_OK);
	add_rule(f, "*", "dvd", 7, 9);
	assert_int_equal(lend(f, m, add_copy(f, "Film 4", "dvd"), 0, &r), CIRC_TOO_MANY_LOANS);
	assert_non_null(strstr(r.message, "the limit is 5"));
	assert_int_equal(open_loans(f, m), 5);
}

static void test_category_rule_is_the_general_rule_of_its_members(void **state)
{
	struct fixture *f = *state;
	struct circ_result r;
	add_rule(f, "child", "*", 14, 2);
	add_rule(f, "*", "dvd", 7, 4);
	long long child = add_member(f, "kid", "child");
	assert_int_equal(lend(f, child, add_copy(f, "Book", "book"), 0, &r), CIRC_OK);
	assert_int_equal(lend(f, child, add_copy(f, "Book", "book"), 0, &r), CIRC_OK);
	/* child/'*' outranks '*'/dvd, and it counts every loan. */
	assert_int_equal(lend(f, child, add_copy(f, "Film", "dvd"), 0, &r), CIRC_TOO_MANY_LOANS);
	assert_non_null(strstr(r.message, "the limit is 2"));
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	day0 = cal_day_start(cal_from_ymd(2026, 3, 2)) + 12 * 3600;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_general_rule_limits_all_item_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_item_type_rule_limits_its_type_within_the_general_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_category_rule_is_the_general_rule_of_its_members, setup, teardown),
	};
	return cmocka_run_group_tests_name("circulation", tests, NULL, NULL);
}
