/*
** test_circulation.c: unit tests of lib/circulation.c against a real
** SQLite database, migrated from schema/ in a temporary folder for each
** test: loan limits per rule, the rule look-up's precedence, what the desk
** is told when the one-open-loan index catches a second checkout, fines
** recorded at renewals and before payments, money as shown and read back,
** the one borrowing check behind checkouts and holds, and renewals from
** the due date within the rule's "no renewal before N days".
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
#include "money.h"

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

DEFINE_TEST_DB_SETUP(setup)

DEFINE_TEST_DB_TEARDOWN(teardown)

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

/* ---- the rule look-up ---- */

static void test_most_specific_rule_wins(void **state)
{
	struct fixture *f = *state;
	struct circ_rule r;
	/* Only the '*'/'*' rule of the migration: it answers everything. */
	assert_int_equal(circ_rule_for(&f->db, &f->arena, "child", "dvd", &r), 0);
	assert_string_equal(r.category, "*");
	assert_string_equal(r.item_type, "*");
	assert_int_equal(r.loan_days, 21);
	add_rule(f, "*", "dvd", 7, 5);
	assert_int_equal(circ_rule_for(&f->db, &f->arena, "child", "dvd", &r), 0);
	assert_int_equal(r.loan_days, 7);
	add_rule(f, "child", "*", 14, 5);
	assert_int_equal(circ_rule_for(&f->db, &f->arena, "child", "dvd", &r), 0);
	assert_int_equal(r.loan_days, 14);         /* category + any > any + item type */
	add_rule(f, "child", "dvd", 3, 5);
	assert_int_equal(circ_rule_for(&f->db, &f->arena, "child", "dvd", &r), 0);
	assert_int_equal(r.loan_days, 3);          /* the exact pair wins */
	assert_string_equal(r.category, "child");
	assert_string_equal(r.item_type, "dvd");
	/* Each of the others still answers what it is the best match for. */
	assert_int_equal(circ_rule_for(&f->db, &f->arena, "child", "book", &r), 0);
	assert_int_equal(r.loan_days, 14);
	assert_int_equal(circ_rule_for(&f->db, &f->arena, "adult", "dvd", &r), 0);
	assert_int_equal(r.loan_days, 7);
	assert_int_equal(circ_rule_for(&f->db, &f->arena, "adult", "book", &r), 0);
	assert_int_equal(r.loan_days, 21);
	/* A checkout takes its terms from the rule the look-up found. */
	struct circ_result res;
	long long kid = add_member(f, "kid", "child");
	assert_int_equal(lend(f, kid, add_copy(f, "Film", "dvd"), 0, &res), CIRC_OK);
	assert_string_equal(res.due, "2026-03-05");
}

/* ---- one open loan per copy ---- */

static void test_second_checkout_past_the_status_gets_a_clean_refusal(void **state)
{
	struct fixture *f = *state;
	struct circ_result r;
	long long first = add_member(f, "first", "adult");
	long long second = add_member(f, "second", "adult");
	const char *code = add_copy(f, "Contested", "book");
	assert_int_equal(lend(f, first, code, 0, &r), CIRC_OK);
	/* A second desk that read the copy as available before the first
	** committed: only the partial unique index stands in its way. */
	assert_int_equal(db_exec(&f->db, "UPDATE copy SET status = 'available' WHERE barcode = ?",
		"t", code), SQLITE_OK);
	assert_int_equal(lend(f, second, code, 0, &r), CIRC_NOT_AVAILABLE);
	assert_string_equal(r.message, "This copy is already on loan.");
	assert_int_equal(f->db.tx_depth, 0);
	assert_int_equal(open_loans(f, first), 1);
	assert_int_equal(open_loans(f, second), 0);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM hold", NULL), 0);
}

/* ---- fines ---- */

static long ledger_sum(struct fixture *f, long long member)
{
	return (long)db_int(&f->db, 0, "SELECT balance_cents FROM fine_balance "
		"WHERE account_id = ?", "i", member);
}

static long accrued_rows(struct fixture *f, long long loan_id)
{
	return (long)db_int(&f->db, 0, "SELECT count(*) FROM fine WHERE loan_id = ? "
		"AND kind = 'accrued'", "i", loan_id);
}

static void test_renewing_overdue_records_the_fine_and_the_cap_holds(void **state)
{
	struct fixture *f = *state;
	struct circ_result r;
	/* The fines block would stop the second renewal; this test is about the cap. */
	assert_int_equal(db_exec(&f->db, "UPDATE setting SET value = '100000' WHERE key = ?",
		"t", CIRC_SETTING_BLOCK_FINES), SQLITE_OK);
	long long m = add_member(f, "late", "adult");
	assert_int_equal(lend(f, m, add_copy(f, "Slow Read", "book"), 0, &r), CIRC_OK);
	long long loan = r.loan_id;
	/* Due day 21; renewed on day 51, 30 days late: 29 charged, 7.25. */
	circ_renew(&f->db, &f->arena, at_day(51), loan, m, &r);
	assert_int_equal(r.code, CIRC_OK);
	assert_string_equal(r.due, "2026-05-13");        /* day 72 */
	assert_int_equal(accrued_rows(f, loan), 1);
	assert_int_equal(ledger_sum(f, m), 725);
	/* 30 days late again: 7.25 more would pass the 10.00 cap; 2.75 is left. */
	circ_renew(&f->db, &f->arena, at_day(102), loan, m, &r);
	assert_int_equal(r.code, CIRC_OK);
	assert_int_equal(ledger_sum(f, m), 1000);
	/* Nothing more, however late it comes back. */
	struct circ_fines fines;
	assert_int_equal(circ_fines(&f->db, &f->arena, m, at_day(200), &fines), 0);
	assert_int_equal(fines.accruing_cents, 0);
	circ_checkin(&f->db, &f->arena, at_day(200), "B0001", &r);
	assert_int_equal(r.code, CIRC_OK);
	assert_int_equal(r.fine_cents, 0);
	assert_int_equal(ledger_sum(f, m), 1000);
	assert_int_equal(db_int(&f->db, -1, "SELECT fine_cents FROM loan WHERE id = ?", "i", loan),
		1000);
	/* Over 30 days late, a renewal is refused and records nothing. */
	assert_int_equal(lend(f, m, add_copy(f, "Later", "book"), 200, &r), CIRC_OK);
	circ_renew(&f->db, &f->arena, at_day(200 + 21 + 31), r.loan_id, m, &r);
	assert_int_equal(r.code, CIRC_RENEW_OVERDUE);
	assert_int_equal(r.why.kind, CIRC_WHY_SETTING);
	assert_string_equal(r.why.setting, CIRC_SETTING_RENEW_OVERDUE);
	assert_int_equal(ledger_sum(f, m), 1000);
}

static void test_paying_while_out_records_the_fine_so_far_once(void **state)
{
	struct fixture *f = *state;
	struct circ_result r;
	long long m = add_member(f, "payer", "adult");
	assert_int_equal(lend(f, m, add_copy(f, "Out Still", "book"), 0, &r), CIRC_OK);
	long long loan = r.loan_id;
	/* Day 26: 5 late, 4 charged. Nothing recorded yet, 1.00 accruing. */
	struct circ_fines fines;
	assert_int_equal(circ_fines(&f->db, &f->arena, m, at_day(26), &fines), 0);
	assert_int_equal(fines.recorded_cents, 0);
	assert_int_equal(fines.accruing_cents, 100);
	/* More than owed: refused, and the accrual is not left behind. */
	circ_fine_pay(&f->db, &f->arena, at_day(26), m, 101, "", 0, &r);
	assert_int_equal(r.code, CIRC_ERROR);
	assert_int_equal(accrued_rows(f, loan), 0);
	circ_fine_pay(&f->db, &f->arena, at_day(26), m, 100, "", 0, &r);
	assert_int_equal(r.code, CIRC_OK);
	assert_int_equal(ledger_sum(f, m), 0);
	/* Paying again the same day finds nothing new to record or pay. */
	circ_fine_pay(&f->db, &f->arena, at_day(26), m, 1, "", 0, &r);
	assert_int_equal(r.code, CIRC_ERROR);
	assert_int_equal(accrued_rows(f, loan), 1);
	/* Closing a day already recorded (day 24) leaves the record alone, and
	** a closed day after it (day 28) is not charged. Back on day 30: days
	** 27, 29 and 30 are charged. */
	assert_int_equal(db_exec(&f->db, "INSERT INTO closed_day(day) VALUES ('2026-03-26'), "
		"('2026-03-30')", NULL), SQLITE_OK);
	circ_checkin(&f->db, &f->arena, at_day(30), "B0001", &r);
	assert_int_equal(r.code, CIRC_OK);
	assert_int_equal(r.fine_cents, 75);
	assert_int_equal(ledger_sum(f, m), 75);
	assert_int_equal(db_int(&f->db, -1, "SELECT fine_cents FROM loan WHERE id = ?", "i", loan),
		175);
}

/* ---- money, the borrowing check, holds and renewals ---- */

static void test_money_shown_and_read_back(void **state)
{
	struct fixture *f = *state;
	assert_string_equal(money_amount(&f->arena, 1250), "12.50");
	assert_string_equal(money_amount(&f->arena, -25), "-0.25");
	assert_string_equal(money_show(&f->db, &f->arena, 1250), "12.50 €");
	assert_int_equal(db_exec(&f->db, "INSERT OR REPLACE INTO setting(key, value) "
		"VALUES (?, 'CHF')", "t", MONEY_SETTING_CURRENCY), SQLITE_OK);
	assert_string_equal(money_show(&f->db, &f->arena, 5), "0.05 CHF");
	/* What a page shows reads back; what is not an amount does not. */
	assert_int_equal(money_parse("12.50 €"), 1250);
	assert_int_equal(money_parse("12.5CHF"), 1250);
	assert_int_equal(money_parse("7"), 700);
	assert_int_equal(money_parse(""), 0);
	assert_int_equal(money_parse("abc"), -1);
	assert_int_equal(money_parse("1.234"), -1);
	assert_int_equal(money_parse("-1.00"), -1);
	struct form_errors errs = { .n = 0 };
	const char *currency;
	assert_int_equal(money_currency_validate(&f->arena, " £ ", &currency, &errs), 0);
	assert_string_equal(currency, "£");
	assert_int_equal(money_currency_validate(&f->arena, "E 1", &currency, &errs), -1);
	assert_non_null(form_error_get(&errs, "currency"));
}

static void test_one_check_refuses_holds_and_checkouts_alike(void **state)
{
	struct fixture *f = *state;
	struct circ_result r;
	long long m = add_member(f, "lapsed", "adult");
	assert_int_equal(db_exec(&f->db, "UPDATE account SET member_until = '2026-03-01' "
		"WHERE id = ?", "i", m), SQLITE_OK);
	const char *barcode = add_copy(f, "Wanted", "book");
	long long title_id = db_int(&f->db, 0, "SELECT title_id FROM copy WHERE barcode = ?",
		"t", barcode);
	struct circ_standing s;
	assert_false(circ_may_borrow(&f->db, &f->arena, m, at_day(0), &s));
	assert_non_null(strstr(s.for_staff, "The membership expired on 2026-03-01"));
	assert_non_null(strstr(s.for_member, "Your membership expired on 2026-03-01"));
	assert_int_equal(lend(f, m, barcode, 0, &r), CIRC_BLOCKED);
	circ_hold_check(&f->db, &f->arena, at_day(0), title_id, m, &r);
	assert_int_equal(r.code, CIRC_BLOCKED);
	circ_hold_place(&f->db, &f->arena, at_day(0), title_id, m, &r);
	assert_int_equal(r.code, CIRC_BLOCKED);
	assert_string_equal(r.message, s.for_member);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM hold", NULL), 0);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM copy WHERE status = "
		"'available'", NULL), 1);
	/* Renewed, the same member may hold it, once. */
	assert_int_equal(db_exec(&f->db, "UPDATE account SET member_until = '2099-12-31' "
		"WHERE id = ?", "i", m), SQLITE_OK);
	circ_hold_place(&f->db, &f->arena, at_day(0), title_id, m, &r);
	assert_int_equal(r.code, CIRC_OK);
	circ_hold_check(&f->db, &f->arena, at_day(0), title_id, m, &r);
	assert_int_equal(r.code, CIRC_HOLD_DUPLICATE);
}

static void test_renewal_extends_from_the_due_date_not_before_its_window(void **state)
{
	struct fixture *f = *state;
	struct circ_result r;
	assert_int_equal(db_exec(&f->db, "INSERT INTO circ_rule(category, item_type, loan_days, "
		"max_loans, max_renewals, fine_per_day_cents, grace_days, fine_cap_cents, "
		"hold_pickup_days, no_renewal_before_days) "
		"VALUES ('*', 'dvd', 7, 5, 3, 25, 1, 1000, 7, 2)", NULL), SQLITE_OK);
	long long m = add_member(f, "early", "adult");
	assert_int_equal(lend(f, m, add_copy(f, "Book", "book"), 0, &r), CIRC_OK);
	/* On the day of checkout: 21 days on from the due date (day 21). */
	circ_renew(&f->db, &f->arena, at_day(0), r.loan_id, m, &r);
	assert_int_equal(r.code, CIRC_OK);
	assert_string_equal(r.due, "2026-04-13");        /* day 42 */
	/* A DVD, due day 7, renews from day 5 only. */
	assert_int_equal(lend(f, m, add_copy(f, "Film", "dvd"), 0, &r), CIRC_OK);
	long long loan = r.loan_id;
	circ_renew(&f->db, &f->arena, at_day(4), loan, m, &r);
	assert_int_equal(r.code, CIRC_RENEW_TOO_SOON);
	assert_non_null(strstr(r.message, "renewed from 2026-03-07"));
	assert_int_equal(r.why.kind, CIRC_WHY_RULE);
	assert_string_equal(r.why.limit, "2");
	circ_renew(&f->db, &f->arena, at_day(5), loan, m, &r);
	assert_int_equal(r.code, CIRC_OK);
	assert_string_equal(r.due, "2026-03-16");        /* day 14 */
}

/* circ_renew_check gives circ_renew's answer and changes nothing. */
static void test_renew_check_agrees_and_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct circ_result r, check;
	assert_int_equal(db_exec(&f->db, "INSERT INTO circ_rule(category, item_type, loan_days, "
		"max_loans, max_renewals, fine_per_day_cents, grace_days, fine_cap_cents, "
		"hold_pickup_days, no_renewal_before_days) "
		"VALUES ('*', 'dvd', 7, 5, 3, 25, 1, 1000, 7, 2)", NULL), SQLITE_OK);
	long long m = add_member(f, "checker", "adult");
	long long other = add_member(f, "stranger", "adult");
	assert_int_equal(lend(f, m, add_copy(f, "Film", "dvd"), 0, &r), CIRC_OK);
	long long loan = r.loan_id;
	circ_renew_check(&f->db, &f->arena, at_day(4), loan, m, &check);
	assert_int_equal(check.code, CIRC_RENEW_TOO_SOON);
	circ_renew(&f->db, &f->arena, at_day(4), loan, m, &r);
	assert_int_equal(r.code, CIRC_RENEW_TOO_SOON);
	assert_string_equal(check.message, r.message);
	circ_renew_check(&f->db, &f->arena, at_day(5), loan, other, &check);
	assert_int_equal(check.code, CIRC_NOT_YOURS);
	circ_renew_check(&f->db, &f->arena, at_day(5), loan, m, &check);
	assert_int_equal(check.code, CIRC_OK);
	assert_int_equal(db_int(&f->db, -1, "SELECT renewals FROM loan WHERE id = ?", "i", loan), 0);
	circ_renew(&f->db, &f->arena, at_day(5), loan, m, &r);
	assert_int_equal(r.code, CIRC_OK);
	circ_renew_check(&f->db, &f->arena, at_day(5), 999999, 0, &check);
	assert_int_equal(check.code, CIRC_NOT_FOUND);
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
		cmocka_unit_test_setup_teardown(test_most_specific_rule_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_checkout_past_the_status_gets_a_clean_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renewing_overdue_records_the_fine_and_the_cap_holds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paying_while_out_records_the_fine_so_far_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_money_shown_and_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_check_refuses_holds_and_checkouts_alike, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renewal_extends_from_the_due_date_not_before_its_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renew_check_agrees_and_changes_nothing, setup, teardown),
	};
	return cmocka_run_group_tests_name("circulation", tests, NULL, NULL);
}
