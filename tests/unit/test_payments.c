/*
** test_payments.c: unit tests of memberships, payments and the outbox
** below the web: refunds reversing a period (cancelled, cut short, later
** periods moved back) and a fine payment, refusals that change nothing,
** the free-plan window at its edges, pending periods cancelled by another
** plan, an online fine payment's excess, the provider registry and the
** outbox's dedupe key. Each test gets a fresh database migrated from
** schema/ (db_fixture.h).
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

#include "calendar.h"
#include "db.h"
#include "db_fixture.h"
#include "members.h"
#include "notify.h"
#include "payments.h"
#include "testprovider.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
	long long member, staff;
	time_t now;
	lday today;
};

static long long add_account(struct db *db, const char *email, const char *role)
{
	assert_int_equal(db_exec(db, "INSERT INTO account(email, name, password_hash, role, "
		"created_at, updated_at) VALUES (?, 'Some One', '$argon2id$x', ?, 0, 0)", "tt",
		email, role), SQLITE_OK);
	return db_last_id(db);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	test_db_open(f->dir, &f->db, &f->arena);
	f->member = add_account(&f->db, "member@unit.example", "member");
	f->staff = add_account(&f->db, "staff@unit.example", "librarian");
	f->now = 1767268800;             /* 2026-01-01 12:00 UTC */
	f->today = cal_day_of(f->now);
	*state = f;
	return 0;
}

DEFINE_TEST_DB_TEARDOWN(teardown)

static struct plan plan_named(struct fixture *f, const char *name)
{
	struct plan p;
	assert_int_equal(plan_by_name(&f->db, &f->arena, name, &p), 0);
	return p;
}

static const char *until_of(struct fixture *f)
{
	sqlite3_stmt *st = db_query(&f->db, "SELECT coalesce(member_until, '') FROM account "
		"WHERE id = ?", "i", f->member);
	assert_true(db_row(&f->db, st));
	const char *s = db_text(&f->arena, st, 0);
	db_done(st);
	return s;
}

static const char *day(struct fixture *f, long offset)
{
	char *s = arena_alloc(&f->arena, 11);
	cal_format(f->today + offset, s);
	return s;
}

/* A completed desk payment for plan name; returns its id. */
static long long pay_plan(struct fixture *f, const char *name, time_t at)
{
	struct plan p = plan_named(f, name);
	struct payment_input in = { .account_id = f->member, .purpose = PAY_PLAN,
		.plan_id = p.id, .method = PAY_CASH, .recorded_by = f->staff };
	struct pay_result r;
	payment_record_desk(&f->db, &f->arena, at, &in, &r);
	assert_true(r.ok);
	return r.payment_id;
}

static void refund(struct fixture *f, long long payment_id, time_t at, struct pay_result *r)
{
	payment_refund(&f->db, &f->arena, at, payment_id, f->member, f->staff, "test", r);
}

static long long count(struct fixture *f, const char *sql)
{
	return db_int(&f->db, -1, sql, NULL);
}

static void test_refund_not_begun_cancels_and_moves_later_back(void **state)
{
	struct fixture *f = *state;
	long long first = pay_plan(f, "Monthly", f->now);
	long long second = pay_plan(f, "Annual", f->now);
	assert_string_equal(until_of(f), day(f, 30 + 365));
	struct pay_result r;
	refund(f, first, f->now, &r);
	assert_true(r.ok);
	assert_string_equal(r.member_until, day(f, 365));
	assert_string_equal(until_of(f), day(f, 365));
	/* The Annual period, chained after the Monthly one, now starts today. */
	sqlite3_stmt *st = db_query(&f->db, "SELECT status, start_day, end_day, note FROM "
		"membership WHERE payment_id = ?", "i", second);
	assert_true(db_row(&f->db, st));
	assert_string_equal(db_text(&f->arena, st, 0), "active");
	assert_string_equal(db_text(&f->arena, st, 1), day(f, 0));
	assert_string_equal(db_text(&f->arena, st, 2), day(f, 365));
	assert_non_null(strstr(db_text(&f->arena, st, 3), "moved back 30 days"));
	db_done(st);
	/* The refunded period keeps its dates in the history. */
	assert_int_equal(count(f, "SELECT count(*) FROM membership WHERE status = 'cancelled' "
		"AND start_day IS NOT NULL AND cancelled_at IS NOT NULL"), 1);
}

static void test_refund_under_way_cuts_short(void **state)
{
	struct fixture *f = *state;
	long long pid = pay_plan(f, "Annual", f->now);
	struct pay_result r;
	refund(f, pid, f->now + 20 * 86400, &r);
	assert_true(r.ok);
	assert_string_equal(until_of(f), day(f, 19));
	assert_non_null(strstr(r.message, "346 days earlier"));
	assert_int_equal(count(f, "SELECT count(*) FROM membership WHERE status = 'active'"), 1);
	/* A period already over is left as it was. */
	long long later = pay_plan(f, "Monthly", f->now + 100 * 86400);
	refund(f, later, f->now + 400 * 86400, &r);
	assert_true(r.ok);
	assert_non_null(strstr(r.message, "already ended"));
	assert_string_equal(until_of(f), day(f, 130));
}

static void test_refund_refusals_change_nothing(void **state)
{
	struct fixture *f = *state;
	long long pid = pay_plan(f, "Monthly", f->now);
	struct pay_result r;
	payment_refund(&f->db, &f->arena, f->now, pid, f->member, f->staff, "", &r);
	assert_false(r.ok);
	assert_int_equal(r.problem, PAY_PROBLEM_INPUT);
	payment_refund(&f->db, &f->arena, f->now, pid, f->staff, f->staff, "why", &r);
	assert_false(r.ok);
	assert_int_equal(r.problem, PAY_PROBLEM_MISSING);
	assert_int_equal(count(f, "SELECT count(*) FROM payment WHERE status = 'completed'"), 1);
	refund(f, pid, f->now, &r);
	assert_true(r.ok);
	refund(f, pid, f->now, &r);
	assert_false(r.ok);
	assert_int_equal(r.problem, PAY_PROBLEM_STATE);
	assert_non_null(strstr(r.message, "already refunded"));
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'payment.refund'"), 1);
	/* A pending online payment cannot be refunded. */
	struct plan p = plan_named(f, "Annual");
	struct payment_input in = { .account_id = f->member, .purpose = PAY_PLAN,
		.plan_id = p.id };
	payment_start_online(&f->db, &f->arena, f->now, &testprovider, &in, &r);
	assert_true(r.ok);
	long long pending = r.payment_id;
	refund(f, pending, f->now, &r);
	assert_false(r.ok);
	assert_int_equal(r.problem, PAY_PROBLEM_STATE);
	assert_int_equal(count(f, "SELECT count(*) FROM payment WHERE status = 'pending'"), 1);
}

static void add_fine(struct fixture *f, long cents)
{
	assert_int_equal(db_exec(&f->db, "INSERT INTO fine(account_id, kind, amount_cents, at) "
		"VALUES (?, 'accrued', ?, 0)", "ii", f->member, (long long)cents), SQLITE_OK);
}

static long long balance(struct fixture *f)
{
	return db_int(&f->db, -1, "SELECT sum(amount_cents) FROM fine WHERE account_id = ?", "i",
		f->member);
}

static void test_online_fine_excess_and_its_refund(void **state)
{
	struct fixture *f = *state;
	add_fine(f, 300);
	struct payment_input in = { .account_id = f->member, .purpose = PAY_FINE };
	struct pay_result r;
	payment_start_online(&f->db, &f->arena, f->now, &testprovider, &in, &r);
	assert_true(r.ok);
	assert_non_null(strstr(r.checkout_url, r.reference));
	long long online = r.payment_id;
	const char *reference = r.reference;
	struct payment_input desk = { .account_id = f->member, .purpose = PAY_FINE,
		.amount_cents = 200, .method = PAY_CASH, .recorded_by = f->staff };
	payment_record_desk(&f->db, &f->arena, f->now, &desk, &r);
	assert_true(r.ok);
	struct provider_answer ans = { .reference = reference, .status = "completed",
		.amount_cents = "300" };
	assert_int_equal(testprovider_sign(&f->db, &f->arena, f->now, &ans), 0);
	payment_callback(&f->db, &f->arena, f->now + 60, &ans, &r);
	assert_true(r.ok);
	assert_int_equal(balance(f), 0);
	assert_int_equal(db_int(&f->db, -1, "SELECT excess_cents FROM payment WHERE id = ?", "i",
		online), 200);
	/* Refunded: only the 1.00 it paid off is owed again. */
	refund(f, online, f->now + 120, &r);
	assert_true(r.ok);
	assert_int_equal(balance(f), 100);
	/* Nothing else owed than that: a new online payment asks for 1.00. */
	payment_start_online(&f->db, &f->arena, f->now, &testprovider, &in, &r);
	assert_true(r.ok);
	assert_int_equal(db_int(&f->db, -1, "SELECT amount_cents FROM payment WHERE id = ?", "i",
		r.payment_id), 100);
}

static void test_free_plan_window(void **state)
{
	struct fixture *f = *state;
	/* No membership: allowed. */
	assert_null(membership_free_plan_refusal(&f->db, &f->arena, f->member, f->today));
	struct plan student = plan_named(f, "Student");
	struct pay_result r;
	payment_free_plan(&f->db, &f->arena, f->now, f->member, student.id, 0, &r);
	assert_true(r.ok);
	assert_string_equal(until_of(f), day(f, 180));
	/* 180 days left: refused, for the member; staff may. */
	payment_free_plan(&f->db, &f->arena, f->now, f->member, student.id, 0, &r);
	assert_false(r.ok);
	assert_int_equal(r.problem, PAY_PROBLEM_STATE);
	assert_string_equal(until_of(f), day(f, 180));
	/* At 15 days left, refused; at 14, allowed; expired, allowed. */
	assert_non_null(membership_free_plan_refusal(&f->db, &f->arena, f->member,
		f->today + 165));
	assert_null(membership_free_plan_refusal(&f->db, &f->arena, f->member, f->today + 166));
	assert_null(membership_free_plan_refusal(&f->db, &f->arena, f->member, f->today + 400));
	/* The window is a setting. */
	assert_int_equal(db_exec(&f->db, "UPDATE setting SET value = '200' WHERE key = "
		"'membership.free_plan_window_days'", NULL), SQLITE_OK);
	assert_null(membership_free_plan_refusal(&f->db, &f->arena, f->member, f->today));
	payment_free_plan(&f->db, &f->arena, f->now, f->member, student.id, f->staff, &r);
	assert_true(r.ok);
	assert_string_equal(until_of(f), day(f, 360));
}

static void test_paying_another_plan_cancels_pending(void **state)
{
	struct fixture *f = *state;
	struct plan monthly = plan_named(f, "Monthly");
	assert_int_equal(membership_join_pending(&f->db, f->member, &monthly, f->now), 0);
	assert_int_equal(membership_join_pending(&f->db, f->member, &monthly, f->now), 0);
	pay_plan(f, "Annual", f->now);
	assert_int_equal(count(f, "SELECT count(*) FROM membership WHERE status = 'pending'"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM membership WHERE status = 'cancelled' "
		"AND note LIKE '%taken with Annual'"), 2);
	struct membership_status s;
	membership_status(&f->db, &f->arena, f->member, f->today, &s);
	assert_int_equal(s.standing, STANDING_ACTIVE);
	assert_int_equal(s.pending_plan_id, 0);
}

static void test_provider_registry(void **state)
{
	(void)state;
	assert_ptr_equal(payment_provider_named("test"), &testprovider);
	assert_null(payment_provider_named("acme"));
	assert_null(payment_provider_named(NULL));
}

static void test_outbox_dedupe(void **state)
{
	struct fixture *f = *state;
	struct tv *fields = tv_obj(&f->arena);
	tv_set_str(fields, "title", "Ready");
	tv_set_str(fields, "pickup_by", "2 Jan 2026");
	struct notice n = { .kind = "hold-ready", .account_id = f->member, .object = "hold:7",
		.bucket = "2026-01-01", .fields = fields };
	assert_string_equal(notify_dedupe_key(&f->arena, &n),
		arena_printf(&f->arena, "hold-ready:%lld:hold:7:2026-01-01", f->member));
	assert_int_equal(notify_queue(&f->db, &f->arena, f->now, &n), 1);
	assert_int_equal(notify_queue(&f->db, &f->arena, f->now + 5, &n), 0);
	n.bucket = "2026-01-02";
	assert_int_equal(notify_queue(&f->db, &f->arena, f->now, &n), 1);
	struct notice_row *rows;
	assert_int_equal(notify_list(&f->db, &f->arena, f->member, 10, &rows), 2);
	assert_string_equal(rows[0].recipient, "member@unit.example");
	assert_string_equal(rows[0].status, "queued");
	assert_string_equal(rows[0].channel, "email");
	n.account_id = 999999;     /* no such account: nothing queued */
	assert_int_equal(notify_queue(&f->db, &f->arena, f->now, &n), 0);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refund_not_begun_cancels_and_moves_later_back,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_refund_under_way_cuts_short, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refund_refusals_change_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_online_fine_excess_and_its_refund, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_free_plan_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paying_another_plan_cancels_pending, setup,
			teardown),
		cmocka_unit_test(test_provider_registry),
		cmocka_unit_test_setup_teardown(test_outbox_dedupe, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
