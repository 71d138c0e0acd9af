/*
** test_ebooks.c: unit tests of the e-book loan rules (lib/ebooks.c): the
** limit per member category (requests and live grants count, a stale grant
** does not), auto-grant, the grant's days from the rule, reasons required,
** expiry (idempotent, a notice once), the reminder once per loan, members
** who may not borrow, and the rules' validation. Each test gets a fresh
** database migrated from schema/ (db_fixture.h).
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
#include "ebooks.h"

#define DAY 86400

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
	time_t now;
	long long librarian;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	test_db_open(f->dir, &f->db, &f->arena);
	f->now = cal_day_start(cal_from_ymd(2026, 12, 10)) + 9 * 3600;
	assert_int_equal(db_exec(&f->db, "INSERT INTO account(email, name, role, password_hash, "
		"created_at, updated_at) VALUES ('desk@x.example', 'Desk', 'librarian', '$argon2id$x', "
		"0, 0)", NULL), SQLITE_OK);
	f->librarian = db_last_id(&f->db);
	*state = f;
	return 0;
}
DEFINE_TEST_DB_TEARDOWN(teardown)

/* A member whose membership runs a year past the fixture's day. */
static long long add_member(struct fixture *f, const char *email, const char *category)
{
	char until[11];
	cal_format(cal_day_of(f->now) + 365, until);
	assert_int_equal(db_exec(&f->db, "INSERT INTO account(email, name, password_hash, "
		"category, member_until, created_at, updated_at) "
		"VALUES (?, 'Ada Reader', '$argon2id$x', ?, ?, 0, 0)", "ttt", email, category, until),
		SQLITE_OK);
	return db_last_id(&f->db);
}

static long long add_ebook(struct fixture *f, const char *title, bool with_file)
{
	static int n;
	assert_int_equal(db_exec(&f->db, "INSERT INTO title(title, format, created_at, updated_at) "
		"VALUES (?, 'ebook', 0, 0)", "t", title), SQLITE_OK);
	long long id = db_last_id(&f->db);
	if (with_file) {
		char name[80];
		snprintf(name, sizeof name, "%064x.epub", ++n);
		assert_int_equal(db_exec(&f->db, "INSERT INTO ebook_file(title_id, name, media_type, "
			"bytes, uploaded_at) VALUES (?, ?, 'application/epub+zip', 100, 0)", "it", id,
			name), SQLITE_OK);
	}
	return id;
}

static long long count(struct fixture *f, const char *sql, long long id)
{
	return db_int(&f->db, -1, sql, "i", id);
}

static const char *status_of(struct fixture *f, long long loan_id)
{
	sqlite3_stmt *st = db_query(&f->db, "SELECT status FROM ebook_loan WHERE id = ?", "i",
		loan_id);
	assert_true(db_row(&f->db, st));
	const char *s = db_text(&f->arena, st, 0);
	db_done(st);
	return s;
}

static long long request_ok(struct fixture *f, long long title, long long member)
{
	struct ebook_result r;
	ebooks_request(&f->db, &f->arena, f->now, title, member, &r);
	assert_int_equal(r.code, EBOOK_OK);
	assert_true(r.loan_id > 0);
	return r.loan_id;
}

static long long outbox_kind(struct fixture *f, const char *kind, long long member)
{
	return db_int(&f->db, -1, "SELECT count(*) FROM outbox WHERE kind = ? AND account_id = ?",
		"ti", kind, member);
}

static void test_limit_per_category(void **state)
{
	struct fixture *f = *state;
	long long adult = add_member(f, "a@x.example", "adult");
	long long child = add_member(f, "c@x.example", "child");
	assert_int_equal(db_exec(&f->db, "INSERT INTO ebook_rule(category, max_active, loan_days) "
		"VALUES ('child', 2, 7)", NULL), SQLITE_OK);
	long long t[7];
	for (int i = 0; i < 7; i++) {
		char name[32];
		snprintf(name, sizeof name, "E-book %d", i);
		t[i] = add_ebook(f, name, true);
	}
	for (int i = 0; i < 5; i++)
		request_ok(f, t[i], adult);
	struct ebook_result r;
	ebooks_request(&f->db, &f->arena, f->now, t[5], adult, &r);
	assert_int_equal(r.code, EBOOK_REFUSED);
	assert_string_equal(r.message, "You already have 5 e-books requested or on loan, the most "
		"your membership allows; return one first.");
	assert_int_equal(ebooks_open_count(&f->db, adult, f->now), 5);

	/* The child's category has its own rule: 2 at once, 7 days. */
	long long first = request_ok(f, t[0], child);
	request_ok(f, t[1], child);
	ebooks_request(&f->db, &f->arena, f->now, t[2], child, &r);
	assert_int_equal(r.code, EBOOK_REFUSED);
	assert_non_null(strstr(r.message, "You already have 2 e-books"));
	ebooks_grant(&f->db, &f->arena, f->now, first, f->librarian, &r);
	assert_int_equal(r.code, EBOOK_OK);
	assert_int_equal(r.access_until, (long long)f->now + 7 * DAY);

	/* The same title twice is refused; a title without a file too. */
	ebooks_request_check(&f->db, &f->arena, f->now, t[0], child, &r);
	assert_int_equal(r.code, EBOOK_REFUSED);
	assert_non_null(strstr(r.message, "on loan already"));
	long long bare = add_ebook(f, "No File", false);
	long long other = add_member(f, "o@x.example", "adult");
	ebooks_request(&f->db, &f->arena, f->now, bare, other, &r);
	assert_int_equal(r.code, EBOOK_REFUSED);
	ebooks_request(&f->db, &f->arena, f->now, 99999, other, &r);
	assert_int_equal(r.code, EBOOK_NOT_FOUND);
	assert_int_equal(count(f, "SELECT count(*) FROM ebook_loan WHERE account_id = ?", other), 0);

	/* A category with 0 at once has no e-books. */
	assert_int_equal(db_exec(&f->db, "INSERT INTO ebook_rule(category, max_active, loan_days) "
		"VALUES ('staff', 0, 7)", NULL), SQLITE_OK);
	long long staff = add_member(f, "s@x.example", "staff");
	ebooks_request(&f->db, &f->arena, f->now, t[6], staff, &r);
	assert_int_equal(r.code, EBOOK_REFUSED);
	assert_string_equal(r.message, "Your membership does not include e-book loans.");
}

static void test_auto_grant(void **state)
{
	struct fixture *f = *state;
	long long m = add_member(f, "a@x.example", "adult");
	long long t = add_ebook(f, "Auto", true);
	assert_false(ebooks_auto_grant(&f->db));
	assert_int_equal(ebooks_auto_grant_set(&f->db, true, f->librarian, f->now), 0);
	assert_true(ebooks_auto_grant(&f->db));
	struct ebook_result r;
	ebooks_request(&f->db, &f->arena, f->now, t, m, &r);
	assert_int_equal(r.code, EBOOK_OK);
	assert_true(r.granted);
	assert_string_equal(status_of(f, r.loan_id), "granted");
	assert_int_equal(r.access_until, (long long)f->now + 14 * DAY);
	assert_int_equal(count(f, "SELECT count(*) FROM ebook_loan WHERE id = ? "
		"AND decided_by IS NULL", r.loan_id), 1);
	assert_int_equal(outbox_kind(f, "ebook-granted", m), 1);
	/* Nobody had to be told of a request already granted. */
	assert_int_equal(count(f, "SELECT count(*) FROM notification WHERE kind = 'ebook-request' "
		"AND account_id = ?", f->librarian), 0);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM audit WHERE action = "
		"'ebook.grant' AND actor_id IS NULL", NULL), 1);
}

static void test_decisions_need_reasons(void **state)
{
	struct fixture *f = *state;
	long long m = add_member(f, "a@x.example", "adult");
	long long a = request_ok(f, add_ebook(f, "One", true), m);
	long long b = request_ok(f, add_ebook(f, "Two", true), m);
	assert_int_equal(count(f, "SELECT count(*) FROM notification WHERE kind = 'ebook-request' "
		"AND account_id = ?", f->librarian), 2);
	struct ebook_result r;
	ebooks_reject(&f->db, &f->arena, f->now, a, f->librarian, "  ", &r);
	assert_int_equal(r.code, EBOOK_INVALID);
	assert_string_equal(status_of(f, a), "requested");
	ebooks_reject(&f->db, &f->arena, f->now, a, f->librarian, "Not licensed", &r);
	assert_int_equal(r.code, EBOOK_OK);
	assert_string_equal(status_of(f, a), "rejected");
	assert_int_equal(outbox_kind(f, "ebook-rejected", m), 1);
	ebooks_grant(&f->db, &f->arena, f->now, a, f->librarian, &r);
	assert_int_equal(r.code, EBOOK_REFUSED);

	ebooks_grant(&f->db, &f->arena, f->now, b, f->librarian, &r);
	assert_int_equal(r.code, EBOOK_OK);
	ebooks_revoke(&f->db, &f->arena, f->now, b, f->librarian, "", &r);
	assert_int_equal(r.code, EBOOK_INVALID);
	/* Someone else may not return it. */
	long long other = add_member(f, "o@x.example", "adult");
	ebooks_return(&f->db, &f->arena, f->now, b, other, &r);
	assert_int_equal(r.code, EBOOK_NOT_YOURS);
	ebooks_revoke(&f->db, &f->arena, f->now, b, f->librarian, "Withdrawn", &r);
	assert_int_equal(r.code, EBOOK_OK);
	assert_string_equal(status_of(f, b), "revoked");
	assert_int_equal(outbox_kind(f, "ebook-revoked", m), 1);
	ebooks_return(&f->db, &f->arena, f->now, b, m, &r);
	assert_int_equal(r.code, EBOOK_REFUSED);
	assert_int_equal(ebooks_open_count(&f->db, m, f->now), 0);
	/* Two requests, a rejection, a grant and a revocation; nothing refused. */
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM audit WHERE action LIKE "
		"'ebook.%'", NULL), 5);
}

static void test_expire_is_idempotent_and_tells_once(void **state)
{
	struct fixture *f = *state;
	long long m = add_member(f, "a@x.example", "adult");
	long long t = add_ebook(f, "Fleeting", true);
	long long id = request_ok(f, t, m);
	struct ebook_result r;
	ebooks_grant(&f->db, &f->arena, f->now, id, f->librarian, &r);
	assert_int_equal(r.code, EBOOK_OK);
	assert_int_equal(ebooks_expire(&f->db, &f->arena, f->now + 13 * DAY), 0);
	/* The time alone ends access: no longer open, before anything is marked. */
	time_t later = f->now + 14 * DAY + 1;
	assert_int_equal(ebooks_open_count(&f->db, m, later), 0);
	assert_string_equal(status_of(f, id), "granted");
	assert_int_equal(ebooks_expire(&f->db, &f->arena, later), 1);
	assert_string_equal(status_of(f, id), "expired");
	assert_int_equal(ebooks_expire(&f->db, &f->arena, later), 0);
	assert_int_equal(ebooks_expire(&f->db, &f->arena, later + DAY), 0);
	assert_int_equal(outbox_kind(f, "ebook-expired", m), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM ebook_loan WHERE id = ? "
		"AND ended_at = access_until", id), 1);
}

static void test_stale_grant_never_blocks_a_request(void **state)
{
	struct fixture *f = *state;
	long long m = add_member(f, "a@x.example", "adult");
	long long t = add_ebook(f, "Again", true);
	long long id = request_ok(f, t, m);
	struct ebook_result r;
	ebooks_grant(&f->db, &f->arena, f->now, id, f->librarian, &r);
	time_t later = f->now + 20 * DAY;
	ebooks_request(&f->db, &f->arena, later, t, m, &r);
	assert_int_equal(r.code, EBOOK_OK);
	assert_string_equal(status_of(f, id), "expired");
	assert_string_equal(status_of(f, r.loan_id), "requested");
}

static void test_reminder_once_per_loan(void **state)
{
	struct fixture *f = *state;
	long long m = add_member(f, "a@x.example", "adult");
	long long id = request_ok(f, add_ebook(f, "Reminded", true), m);
	struct ebook_result r;
	ebooks_grant(&f->db, &f->arena, f->now, id, f->librarian, &r);
	assert_int_equal(ebooks_expiry_days(&f->db), 2);
	assert_int_equal(ebooks_remind(&f->db, &f->arena, f->now + 11 * DAY), 0);
	assert_int_equal(ebooks_remind(&f->db, &f->arena, f->now + 12 * DAY + 60), 1);
	assert_int_equal(ebooks_remind(&f->db, &f->arena, f->now + 12 * DAY + 120), 0);
	assert_int_equal(ebooks_remind(&f->db, &f->arena, f->now + 13 * DAY), 0);
	assert_int_equal(outbox_kind(f, "ebook-expiring", m), 1);
	/* 0 days: no reminders. */
	long long id2 = request_ok(f, add_ebook(f, "Quiet", true), m);
	ebooks_grant(&f->db, &f->arena, f->now, id2, f->librarian, &r);
	assert_int_equal(db_exec(&f->db, "UPDATE setting SET value = '0' "
		"WHERE key = 'notices.ebook_expiry_days'", NULL), SQLITE_OK);
	assert_int_equal(ebooks_remind(&f->db, &f->arena, f->now + 13 * DAY), 0);
	assert_int_equal(outbox_kind(f, "ebook-expiring", m), 1);
}

static void test_blocked_member_and_return(void **state)
{
	struct fixture *f = *state;
	long long m = add_member(f, "a@x.example", "adult");
	long long t = add_ebook(f, "Borrowed", true);
	assert_int_equal(db_exec(&f->db, "UPDATE account SET member_until = '2020-01-01' "
		"WHERE id = ?", "i", m), SQLITE_OK);
	struct ebook_result r;
	ebooks_request(&f->db, &f->arena, f->now, t, m, &r);
	assert_int_equal(r.code, EBOOK_REFUSED);
	assert_int_equal(count(f, "SELECT count(*) FROM ebook_loan WHERE account_id = ?", m), 0);
	assert_int_equal(db_exec(&f->db, "UPDATE account SET member_until = '2030-01-01' "
		"WHERE id = ?", "i", m), SQLITE_OK);
	long long id = request_ok(f, t, m);
	ebooks_cancel(&f->db, &f->arena, f->now, id, m, &r);
	assert_int_equal(r.code, EBOOK_OK);
	assert_string_equal(status_of(f, id), "cancelled");
	id = request_ok(f, t, m);
	ebooks_grant(&f->db, &f->arena, f->now, id, f->librarian, &r);
	ebooks_return(&f->db, &f->arena, f->now + DAY, id, m, &r);
	assert_int_equal(r.code, EBOOK_OK);
	assert_string_equal(status_of(f, id), "returned");
	assert_int_equal(outbox_kind(f, "ebook-returned", m), 1);
}

static void test_rules_validation(void **state)
{
	struct fixture *f = *state;
	struct ebook_rule r;
	struct form_errors e = { 0 };
	struct ebook_rule_input bad = { "nobody", "1001", "0" };
	assert_int_equal(ebooks_rule_validate(&f->db, &f->arena, &bad, &r, &e), -1);
	assert_non_null(form_error_get(&e, "category"));
	assert_non_null(form_error_get(&e, "max_active"));
	assert_non_null(form_error_get(&e, "loan_days"));
	struct form_errors ok_errs = { 0 };
	struct ebook_rule_input good = { "student", " 3 ", "21" };
	assert_int_equal(ebooks_rule_validate(&f->db, &f->arena, &good, &r, &ok_errs), 0);
	assert_int_equal(ebooks_rule_save(&f->db, &f->arena, &r, true, f->librarian, f->now,
		&ok_errs), 0);
	assert_int_equal(ebooks_rule_save(&f->db, &f->arena, &r, true, f->librarian, f->now,
		&ok_errs), -1);
	assert_non_null(form_error_get(&ok_errs, "category"));
	struct ebook_rule got;
	ebooks_rule_for(&f->db, &f->arena, "student", &got);
	assert_int_equal(got.max_active, 3);
	assert_int_equal(got.loan_days, 21);
	ebooks_rule_for(&f->db, &f->arena, "child", &got);
	assert_string_equal(got.category, "*");
	const char *why = NULL;
	assert_int_equal(ebooks_rule_delete(&f->db, &f->arena, "*", f->librarian, f->now, &why), 2);
	assert_non_null(why);
	assert_int_equal(ebooks_rule_delete(&f->db, &f->arena, "student", f->librarian, f->now,
		&why), 0);
	assert_int_equal(ebooks_rule_delete(&f->db, &f->arena, "student", f->librarian, f->now,
		&why), 1);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_limit_per_category, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_grant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decisions_need_reasons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expire_is_idempotent_and_tells_once, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_stale_grant_never_blocks_a_request, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_reminder_once_per_loan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocked_member_and_return, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules_validation, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
