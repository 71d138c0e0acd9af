/*
** test_staff.c: unit tests of lib/staff.c and lib/sections.c: temporary
** passwords (shape, randomness), disabling (self, the last enabled admin,
** sessions ended, login refused only with the right password), choosing
** one's own password; sections' unique names whatever the case, their
** order kept dense, merging and deleting. Each test has a fresh database.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "db.h"
#include "db_fixture.h"
#include "notify.h"
#include "sections.h"
#include "session.h"
#include "staff.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
};

static const time_t now = 1767268800;   /* 2026-01-01 12:00 UTC */
static const struct auth_cost cheap = { 1, 8192 };

DEFINE_TEST_DB_SETUP(setup)
DEFINE_TEST_DB_TEARDOWN(teardown)

static long long make_account(struct fixture *f, const char *email, const char *role,
	const char *password)
{
	struct account_input in = { "Some One", email, "", password };
	struct form_errors errs = { .n = 0 };
	long long id = 0;
	assert_int_equal(account_create(&f->db, &cheap, &in, (enum role)auth_role_parse(role),
		now, &errs, &id), ACCOUNT_OK);
	return id;
}

static void test_temporary_passwords_are_random_and_readable(void **state)
{
	(void)state;
	char a[STAFF_TEMP_PASSWORD_LEN + 1], b[STAFF_TEMP_PASSWORD_LEN + 1];
	staff_temporary_password(a);
	staff_temporary_password(b);
	assert_int_equal(strlen(a), STAFF_TEMP_PASSWORD_LEN);
	assert_string_not_equal(a, b);
	for (int i = 0; i < STAFF_TEMP_PASSWORD_LEN; i++) {
		if (i % 5 == 4)
			assert_int_equal(a[i], '-');
		else
			assert_null(strchr("01lIoO-", a[i]));
	}
}

static void test_a_staff_account_must_change_its_password(void **state)
{
	struct fixture *f = *state;
	struct staff_input in = { " Lena ", "lena@example.org", "librarian" };
	struct form_errors errs = { .n = 0 };
	long long id = 0;
	char password[STAFF_TEMP_PASSWORD_LEN + 1];
	assert_int_equal(staff_create(&f->db, &cheap, &f->arena, &in, now, &errs, &id,
		password), ACCOUNT_OK);
	assert_int_equal(db_int(&f->db, -1, "SELECT must_change_password FROM account "
		"WHERE id = ?", "i", id), 1);
	struct auth_throttle rule = { 5, 900 };
	long long got = 0;
	assert_int_equal(auth_login(&f->db, &cheap, &rule, "lena@example.org", password, "",
		now, &got), AUTH_OK);
	assert_int_equal(got, id);
	/* The temporary one again, or too short: refused. */
	errs.n = 0;
	assert_int_equal(staff_choose_password(&f->db, &cheap, id, password, now, &errs),
		ACCOUNT_INVALID);
	errs.n = 0;
	assert_int_equal(staff_choose_password(&f->db, &cheap, id, "short", now, &errs),
		ACCOUNT_INVALID);
	errs.n = 0;
	assert_int_equal(staff_choose_password(&f->db, &cheap, id, "a long own secret", now,
		&errs), ACCOUNT_OK);
	assert_int_equal(db_int(&f->db, -1, "SELECT must_change_password FROM account "
		"WHERE id = ?", "i", id), 0);
	/* A member is not a staff role here. */
	struct staff_input member = { "M", "m@example.org", "member" };
	errs.n = 0;
	assert_int_equal(staff_create(&f->db, &cheap, &f->arena, &member, now, &errs, &id,
		password), ACCOUNT_INVALID);
	assert_non_null(form_error_get(&errs, "role"));
}

static void test_disabling_keeps_an_admin_and_ends_sessions(void **state)
{
	struct fixture *f = *state;
	long long boss = make_account(f, "boss@example.org", "admin", "boss password");
	long long desk = make_account(f, "desk@example.org", "librarian", "desk password");
	struct session_policy pol = { 3600, 86400 };
	char token[SESSION_TOKEN_LEN + 1];
	assert_int_equal(session_create(&f->db, &pol, desk, now, token), 0);

	assert_int_equal(staff_set_disabled(&f->db, boss, boss, true, now), ACCOUNT_INVALID);
	assert_int_equal(staff_set_disabled(&f->db, desk, boss, true, now), ACCOUNT_FORBIDDEN);
	/* The system (the command line) may, but not the last enabled admin. */
	assert_int_equal(staff_set_disabled(&f->db, 0, boss, true, now), ACCOUNT_LAST_ADMIN);
	assert_int_equal(staff_set_disabled(&f->db, boss, 999, true, now), ACCOUNT_NOT_FOUND);

	assert_int_equal(staff_set_disabled(&f->db, boss, desk, true, now), ACCOUNT_OK);
	assert_true(staff_is_disabled(&f->db, desk));
	struct session s;
	assert_int_equal(session_load(&f->db, &pol, token, now + 1, &s), 0);
	assert_false(s.valid);
	struct auth_throttle rule = { 5, 900 };
	long long got = 0;
	assert_int_equal(auth_login(&f->db, &cheap, &rule, "desk@example.org", "desk password",
		"", now, &got), AUTH_DISABLED);
	assert_int_equal(auth_login(&f->db, &cheap, &rule, "desk@example.org", "wrong one",
		"", now, &got), AUTH_BAD_CREDENTIALS);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM audit WHERE "
		"action = 'account.disable'", NULL), 1);
	/* Staff notices go to the enabled staff only. */
	assert_int_equal(notify_staff(&f->db, &f->arena, now, "notice-failed", "unit:1",
		"A notice failed", "body", "/staff/notifications"), 1);
	/* Twice is once. */
	assert_int_equal(staff_set_disabled(&f->db, boss, desk, true, now), ACCOUNT_OK);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM audit WHERE "
		"action = 'account.disable'", NULL), 1);

	/* A second admin, disabled, does not count as the one kept. */
	long long other = make_account(f, "other@example.org", "admin", "other password");
	assert_int_equal(staff_set_disabled(&f->db, boss, other, true, now), ACCOUNT_OK);
	assert_int_equal(staff_set_disabled(&f->db, 0, boss, true, now), ACCOUNT_LAST_ADMIN);
	assert_int_equal(account_set_role(&f->db, other, boss, ROLE_LIBRARIAN, now),
		ACCOUNT_LAST_ADMIN);
	assert_int_equal(staff_set_disabled(&f->db, boss, desk, false, now), ACCOUNT_OK);
	assert_false(staff_is_disabled(&f->db, desk));
	assert_int_equal(auth_login(&f->db, &cheap, &rule, "desk@example.org", "desk password",
		"", now, &got), AUTH_OK);
}

static long long add_section(struct fixture *f, const char *name, enum section_result want)
{
	struct section_input in = { name, "" };
	struct form_errors errs = { .n = 0 };
	long long id = 0;
	assert_int_equal(sections_validate(&f->arena, &in, &errs), SECTION_OK);
	assert_int_equal(sections_add(&f->db, 0, &in, now, &errs, &id), want);
	return id;
}

static void test_sections_names_order_merge_and_delete(void **state)
{
	struct fixture *f = *state;
	long long a = add_section(f, "Atlases", SECTION_OK);
	long long b = add_section(f, "Biography", SECTION_OK);
	long long c = add_section(f, "Cookery", SECTION_OK);
	add_section(f, " atlases ", SECTION_NAME_TAKEN);
	/* The schema holds to it too. */
	assert_int_not_equal(db_exec(&f->db, "INSERT INTO section(name) VALUES ('BIOGRAPHY')",
		NULL), SQLITE_OK);
	assert_int_equal(sections_position(&f->db, c), 3);
	assert_int_equal(sections_move(&f->db, 0, c, 1, now), SECTION_OK);
	assert_int_equal(sections_position(&f->db, c), 1);
	assert_int_equal(sections_position(&f->db, a), 2);
	assert_int_equal(sections_move(&f->db, 0, a, 99, now), SECTION_OK);
	assert_int_equal(sections_position(&f->db, a), 3);
	assert_int_equal(sections_position(&f->db, b), 2);
	/* A section made elsewhere (an import) goes last. */
	assert_int_equal(db_exec(&f->db, "INSERT INTO section(name) VALUES ('Drama')", NULL),
		SQLITE_OK);
	long long d = db_last_id(&f->db);
	assert_int_equal(sections_position(&f->db, d), 4);

	assert_int_equal(db_exec(&f->db, "INSERT INTO title(title, section_id, created_at, "
		"updated_at) VALUES ('Maps', ?1, 0, 0), ('More maps', ?1, 0, 0)", "i", a), SQLITE_OK);
	assert_int_equal(sections_delete(&f->db, 0, a, now), SECTION_HAS_TITLES);
	long moved = 0;
	assert_int_equal(sections_merge(&f->db, 0, a, a, now, &moved), SECTION_SAME);
	assert_int_equal(sections_merge(&f->db, 0, a, 999, now, &moved), SECTION_NOT_FOUND);
	assert_int_equal(sections_merge(&f->db, 0, a, b, now, &moved), SECTION_OK);
	assert_int_equal(moved, 2);
	assert_int_equal(db_int(&f->db, 0, "SELECT title_count FROM section WHERE id = ?", "i",
		b), 2);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM title_doc WHERE "
		"section = 'Biography'", NULL), 2);
	assert_int_equal(sections_position(&f->db, a), 0);
	assert_int_equal(sections_position(&f->db, d), 3);
	assert_int_equal(sections_delete(&f->db, 0, c, now), SECTION_OK);
	assert_int_equal(sections_count(&f->db), 2);
	assert_int_equal(sections_position(&f->db, b), 1);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM audit WHERE action GLOB "
		"'section.*'", NULL), 7);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_temporary_passwords_are_random_and_readable),
		cmocka_unit_test_setup_teardown(test_a_staff_account_must_change_its_password,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_disabling_keeps_an_admin_and_ends_sessions,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_sections_names_order_merge_and_delete,
			setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
