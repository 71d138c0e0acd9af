/*
** test_reminders.c: unit tests of the reminders below carrel-cron: the
** settings' validation, each kind queued on its day (and caught up when a
** run was missed, never an earlier overdue day after a later one), the
** member's channels, nothing queued twice, and a run after a crash halfway
** (some reminders queued, the rest not) that queues the rest. Each test
** gets a fresh database migrated from schema/ (db_fixture.h).
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
#include "notify.h"
#include "reminders.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
	lday today;
	time_t now;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	test_db_open(f->dir, &f->db, &f->arena);
	f->today = cal_from_ymd(2026, 12, 10);
	f->now = cal_day_start(f->today) + 8 * 3600;
	*state = f;
	return 0;
}
DEFINE_TEST_DB_TEARDOWN(teardown)

static long long add_member(struct fixture *f, const char *email, const char *phone,
	const char *channel, int member_days_left)
{
	char until[11];
	cal_format(f->today + member_days_left, until);
	assert_int_equal(db_exec(&f->db, "INSERT INTO account(email, name, phone, password_hash, "
		"notice_channel, member_until, created_at, updated_at) "
		"VALUES (?, 'Ada Reader', ?, '$argon2id$x', ?, ?, 0, 0)", "tttt", email, phone,
		channel, until), SQLITE_OK);
	return db_last_id(&f->db);
}

/* An open loan of a new copy of "The Hobbit" due days from today. */
static long long add_loan(struct fixture *f, long long member, int due_in)
{
	static int copies;
	char due[11];
	cal_format(f->today + due_in, due);
	long long title = db_int(&f->db, 0, "SELECT id FROM title WHERE title = 'The Hobbit'",
		NULL);
	if (!title) {
		assert_int_equal(db_exec(&f->db, "INSERT INTO title(title, created_at, updated_at) "
			"VALUES ('The Hobbit', 0, 0)", NULL), SQLITE_OK);
		title = db_last_id(&f->db);
	}
	char barcode[32];
	snprintf(barcode, sizeof barcode, "C%d", ++copies);
	assert_int_equal(db_exec(&f->db, "INSERT INTO copy(barcode, title_id, status, created_at) "
		"VALUES (?, ?, 'on-loan', 0)", "ti", barcode, title), SQLITE_OK);
	assert_int_equal(db_exec(&f->db, "INSERT INTO loan(copy_id, account_id, loaned_at, "
		"loan_day, due_day, rule_category, rule_item_type, loan_days, max_renewals, "
		"fine_per_day_cents, grace_days, fine_cap_cents) VALUES (?, ?, 0, '2026-11-01', ?, "
		"'adult', 'book', 21, 3, 25, 1, 1000)", "iit", db_last_id(&f->db), member, due),
		SQLITE_OK);
	return db_last_id(&f->db);
}

static struct reminder_counts run_at(struct fixture *f, int days_later)
{
	struct reminder_counts n;
	assert_int_equal(reminders_queue(&f->db, &f->arena, f->now + days_later * 86400, NULL,
		NULL, &n), 0);
	return n;
}

static long long outbox_count(struct fixture *f, const char *key_like)
{
	return db_int(&f->db, -1, "SELECT count(*) FROM outbox WHERE dedupe_key LIKE ?", "t",
		key_like);
}

static void test_settings_validation(void **state)
{
	(void)state;
	struct reminder_settings s;
	struct form_errors e = { 0 };
	struct reminder_settings_input in = { "3", "14, 1,7,7", " 1,30 ", NULL };
	assert_int_equal(reminders_settings_validate(&in, &s, &e), 0);
	assert_int_equal(s.due_soon_days, 3);
	assert_int_equal(s.n_overdue, 3);
	assert_int_equal(s.overdue[0], 1);
	assert_int_equal(s.overdue[2], 14);
	assert_int_equal(s.n_expiry, 2);
	assert_int_equal(s.expiry[0], 30);

	struct form_errors e2 = { 0 };
	struct reminder_settings_input bad = { "two", "1,400", "1,2,3,4,5,6,7,8,9,10,11", NULL };
	assert_int_equal(reminders_settings_validate(&bad, &s, &e2), -1);
	assert_non_null(form_error_get(&e2, "due_soon_days"));
	assert_non_null(strstr(form_error_get(&e2, "overdue_days"), "1 to 365"));
	assert_non_null(strstr(form_error_get(&e2, "expiry_days"), "At most 10"));

	struct form_errors e3 = { 0 };
	struct reminder_settings_input words = { "0", "1;7", "", NULL };
	assert_int_equal(reminders_settings_validate(&words, &s, &e3), -1);
	assert_null(form_error_get(&e3, "due_soon_days"));
	assert_non_null(form_error_get(&e3, "overdue_days"));
	assert_null(form_error_get(&e3, "expiry_days"));
}

static void test_each_kind_once(void **state)
{
	struct fixture *f = *state;
	long long email = add_member(f, "ada@example.org", "", "email", 7);
	long long both = add_member(f, "bo@example.org", "+447700900001", "both", 7);
	long long sms = add_member(f, "cy@example.org", "+447700900002", "sms", 300);
	add_loan(f, email, 2);
	long long late = add_loan(f, sms, -7);
	add_loan(f, both, 10);

	struct reminder_counts n = run_at(f, 0);
	assert_int_equal(n.due_soon, 1);
	assert_int_equal(n.overdue, 1);
	assert_int_equal(n.expiring, 2);
	assert_int_equal(n.rows, 5);   /* both: email and text message */
	assert_int_equal(outbox_count(f, "due-soon:%:2026-12-12"), 1);
	char key[80];
	snprintf(key, sizeof key, "overdue:%lld:loan:%lld:overdue-7:2026-12-03", sms, late);
	assert_int_equal(outbox_count(f, key), 1);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM outbox WHERE account_id = ? "
		"AND channel = 'sms'", "i", sms), 1);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM outbox WHERE account_id = ? "
		"AND kind = 'membership-expiring'", "i", both), 2);
	assert_int_equal(outbox_count(f, "membership-expiring:%:expiring-7:2026-12-17"), 3);
	sqlite3_stmt *st = db_query(&f->db, "SELECT body FROM outbox WHERE kind = 'overdue'",
		NULL);
	assert_true(db_row(&f->db, st));
	const char *body = db_text(&f->arena, st, 0);
	db_done(st);
	assert_non_null(strstr(body, "3 Dec 2026"));
	assert_non_null(strstr(body, "7 day(s) overdue"));

	n = run_at(f, 0);
	assert_int_equal(n.due_soon + n.overdue + n.expiring + n.rows, 0);
}

static void test_missed_days_are_caught_up_in_order(void **state)
{
	struct fixture *f = *state;
	long long m = add_member(f, "ada@example.org", "", "email", 300);
	add_loan(f, m, -3);
	run_at(f, 0);                           /* 3 days overdue: the 1-day notice */
	assert_int_equal(outbox_count(f, "overdue:%:overdue-1:%"), 1);
	run_at(f, 6);                           /* 9 days (runs missed): the 7-day one */
	assert_int_equal(outbox_count(f, "overdue:%:overdue-7:%"), 1);
	run_at(f, 30);                          /* 33 days: the 14-day one, once */
	run_at(f, 31);
	assert_int_equal(outbox_count(f, "overdue:%:overdue-14:%"), 1);
	assert_int_equal(outbox_count(f, "overdue:%"), 3);

	/* Never told before and already 20 days late: the latest day only. */
	long long other = add_member(f, "bo@example.org", "", "email", 300);
	add_loan(f, other, -20);
	run_at(f, 0);
	char key[64];
	snprintf(key, sizeof key, "overdue:%lld:%%", other);
	assert_int_equal(outbox_count(f, key), 1);
	snprintf(key, sizeof key, "overdue:%lld:%%overdue-14:%%", other);
	assert_int_equal(outbox_count(f, key), 1);
}

static void test_crash_halfway_loses_nothing(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < 30; i++) {
		char email[40];
		snprintf(email, sizeof email, "m%d@example.org", i);
		add_loan(f, add_member(f, email, "", "email", 300), 2);
	}
	/* A run that got through a third before it died: its batch committed,
	** the rest never began. */
	assert_int_equal(db_exec(&f->db, "INSERT INTO outbox(account_id, kind, channel, "
		"recipient, subject, body, dedupe_key, next_attempt_at, created_at) "
		"SELECT l.account_id, 'due-soon', 'email', 'x', 's', 'b', "
		"'due-soon:' || l.account_id || ':loan:' || l.id || ':' || l.due_day, 0, 0 "
		"FROM loan l ORDER BY l.id LIMIT 10", NULL), SQLITE_OK);
	struct reminder_counts n = run_at(f, 0);
	assert_int_equal(n.due_soon, 20);
	assert_int_equal(outbox_count(f, "due-soon:%"), 30);
}

static void test_settings_change_the_days(void **state)
{
	struct fixture *f = *state;
	long long m = add_member(f, "ada@example.org", "", "email", 20);
	add_loan(f, m, 3);
	struct reminder_settings s;
	struct form_errors e = { 0 };
	struct reminder_settings_input in = { "0", "", "21", NULL };
	assert_int_equal(reminders_settings_validate(&in, &s, &e), 0);
	assert_int_equal(reminders_settings_save(&f->db, &f->arena, &s, 0, f->now), 0);
	struct reminder_counts n = run_at(f, 0);
	assert_int_equal(n.due_soon, 0);
	assert_int_equal(n.expiring, 1);
	assert_int_equal(outbox_count(f, "membership-expiring:%:expiring-21:%"), 1);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM audit "
		"WHERE action = 'notices.settings'", NULL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings_validation),
		cmocka_unit_test_setup_teardown(test_each_kind_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missed_days_are_caught_up_in_order, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_crash_halfway_loses_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings_change_the_days, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
