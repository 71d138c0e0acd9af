/*
** test_security.c: unit tests of what a hostile visitor tried (issue 11):
** the login's next path, formula guards in CSV exports, who may change a
** staff account (and the audit of every change), and role changes made
** at the same moment through two connections.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "auth.h"
#include "db.h"
#include "db_fixture.h"
#include "export.h"
#include "valid.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
};

static const struct auth_cost cheap = { 1, 65536 };

DEFINE_TEST_DB_SETUP(setup)

DEFINE_TEST_DB_TEARDOWN(teardown)

static long long make_account(struct fixture *f, const char *name, const char *email,
	enum role role)
{
	struct account_input in = { name, email, "", "long enough password" };
	struct form_errors errs = { .n = 0 };
	long long id = 0;
	assert_int_equal(account_validate(&f->arena, &in, &errs), ACCOUNT_OK);
	assert_int_equal(account_create(&f->db, &cheap, &in, role, 1000, &errs, &id),
		ACCOUNT_OK);
	return id;
}

static void test_local_paths(void **state)
{
	(void)state;
	const char *const good[] = {
		"/", "/account", "/account/history?page=2", "/catalogue?q=a%20b&sort=year",
		"/titles/12#holds", "/catalogue?q=%2Fx",
	};
	const char *const bad[] = {
		"", "account", "//evil.example", "/\\evil.example", "/\t/evil.example",
		"/\n/evil.example", "/\r/evil.example", "/\x0b/evil", "/\x7f/evil",
		"/%09/evil.example", "/%0a/evil.example", "/%0D/evil.example",
		"/%2F/evil.example", "/%2f%2fevil.example", "/%5Cevil.example",
		"/%5cevil.example", "/a\\b", "/a%00b", "https://evil.example/",
		" /account", "\t/account",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (!valid_local_path(good[i]))
			fail_msg("\"%s\" was refused", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (valid_local_path(bad[i]))
			fail_msg("\"%s\" was accepted", bad[i]);
	assert_false(valid_local_path(NULL));
	char longest[VALID_PATH_MAX + 2];
	memset(longest, 'a', sizeof longest);
	longest[0] = '/';
	longest[VALID_PATH_MAX] = '\0';
	assert_true(valid_local_path(longest));
	longest[VALID_PATH_MAX] = 'a';
	longest[VALID_PATH_MAX + 1] = '\0';
	assert_false(valid_local_path(longest));
}

/* The members export as CSV text. */
static char *members_csv(struct fixture *f)
{
	char *text = NULL;
	size_t len = 0;
	char err[256];
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_true(export_csv(&f->db, EXPORT_MEMBERS, out, err, sizeof err) >= 0);
	fclose(out);
	return text;
}

static void test_csv_formula_guard_inside_the_cell(void **state)
{
	struct fixture *f = *state;
	static const char *const names[][2] = {
		/* name as stored, the cell as written */
		{ "=x,=cmd|' /C calc'!A0,", "\"'=x,=cmd|' /C calc'!A0,\"" },
		{ "+1+1", "'+1+1" },
		{ "-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0" },
		{ "@SUM(A1)", "'@SUM(A1)" },
		{ "\tTab", "'\tTab" },
		{ "\rReturn", "\"'\rReturn\"" },
		{ "=\"quoted\"", "\"'=\"\"quoted\"\"\"" },
		{ "Plain Person", "Plain Person" },
	};
	char email[64];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(email, sizeof email, "f%zu@example.org", i);
		long long id = make_account(f, "Placeholder", email, ROLE_MEMBER);
		assert_int_equal(db_exec(&f->db, "UPDATE account SET name = ? WHERE id = ?",
			"ti", names[i][0], id), SQLITE_OK);
	}
	assert_int_equal(db_exec(&f->db, "INSERT INTO fine(account_id, kind, amount_cents, "
		"at) SELECT id, 'waived', -150, 0 FROM account WHERE email = 'f1@example.org'",
		NULL), SQLITE_OK);
	char *csv = members_csv(f);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		/* name, then the email: the cell ends where the next begins. */
		snprintf(email, sizeof email, ",%s,f%zu@example.org,", names[i][1], i);
		if (!strstr(csv, email))
			fail_msg("no %s in\n%s", email, csv);
	}
	/* Numbers are numbers: a negative amount is not guarded. */
	assert_non_null(strstr(csv, ",-1.50,"));
	assert_null(strstr(csv, "'-1.50"));
	free(csv);
}

static void test_staff_accounts_changed_by_admins_only(void **state)
{
	struct fixture *f = *state;
	long long admin = make_account(f, "Ada Admin", "admin@example.org", ROLE_ADMIN);
	long long lib = make_account(f, "Lee Librarian", "lib@example.org", ROLE_LIBRARIAN);
	long long lib2 = make_account(f, "Lou Librarian", "lib2@example.org", ROLE_LIBRARIAN);
	long long m = make_account(f, "Mo Member", "m@example.org", ROLE_MEMBER);

	assert_true(account_may_edit(ROLE_LIBRARIAN, ROLE_MEMBER));
	assert_true(account_may_edit(ROLE_ADMIN, ROLE_MEMBER));
	assert_true(account_may_edit(ROLE_ADMIN, ROLE_LIBRARIAN));
	assert_true(account_may_edit(ROLE_ADMIN, ROLE_ADMIN));
	assert_false(account_may_edit(ROLE_LIBRARIAN, ROLE_ADMIN));
	assert_false(account_may_edit(ROLE_LIBRARIAN, ROLE_LIBRARIAN));
	assert_false(account_may_edit(ROLE_MEMBER, ROLE_MEMBER));

	struct form_errors errs = { .n = 0 };
	struct account_input thief = { "Taken Over", "thief@example.org", "", NULL };
	assert_int_equal(account_update_profile(&f->db, lib, admin, &thief, 3000, &errs),
		ACCOUNT_FORBIDDEN);
	assert_int_equal(account_update_profile(&f->db, lib, lib2, &thief, 3000, &errs),
		ACCOUNT_FORBIDDEN);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM account WHERE email = "
		"'thief@example.org'", NULL), 0);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM audit WHERE action = "
		"'account.edit'", NULL), 0);

	/* A librarian changes a member; an admin a librarian; each audited. */
	struct account_input renamed = { "Mo Renamed", "m@example.org", "", NULL };
	assert_int_equal(account_update_profile(&f->db, lib, m, &renamed, 3000, &errs),
		ACCOUNT_OK);
	char object[32];
	snprintf(object, sizeof object, "account:%lld", m);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM audit WHERE action = "
		"'account.edit' AND actor_id = ? AND object = ? AND detail = 'name'", "it",
		lib, object), 1);
	struct account_input moved = { "Lee Librarian", "lee@example.org", "", NULL };
	assert_int_equal(account_update_profile(&f->db, admin, lib, &moved, 3000, &errs),
		ACCOUNT_OK);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM audit WHERE action = "
		"'account.edit' AND actor_id = ? AND detail = "
		"'email lib@example.org -> lee@example.org'", "i", admin), 1);
	/* Everyone may change their own. */
	struct account_input own = { "Lou Self", "lib2@example.org", "", NULL };
	assert_int_equal(account_update_profile(&f->db, lib2, lib2, &own, 3000, &errs),
		ACCOUNT_OK);
}

/* Two admins demote each other through two connections, one after the
** other: the second finds, inside its write transaction, that it is no
** longer an admin. An admin is left. */
static void test_two_admins_demoting_each_other(void **state)
{
	struct fixture *f = *state;
	long long a = make_account(f, "Ann Admin", "a@example.org", ROLE_ADMIN);
	long long b = make_account(f, "Bob Admin", "b@example.org", ROLE_ADMIN);
	struct db other;
	char path[TEST_DIR_MAX + 16], err[256];
	snprintf(path, sizeof path, "%s/test.db", f->dir);
	assert_int_equal(db_open(&other, path, err, sizeof err), 0);

	assert_int_equal(account_set_role(&f->db, a, b, ROLE_LIBRARIAN, 2000), ACCOUNT_OK);
	assert_int_equal(account_set_role(&other, b, a, ROLE_LIBRARIAN, 2000),
		ACCOUNT_FORBIDDEN);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM account WHERE role = 'admin'",
		NULL), 1);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM audit WHERE "
		"action = 'account.role'", NULL), 1);
	/* Nor can a demoted admin raise anyone. */
	assert_int_equal(account_set_role(&other, b, b, ROLE_ADMIN, 2000), ACCOUNT_FORBIDDEN);
	db_close(&other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_paths),
		cmocka_unit_test_setup_teardown(test_csv_formula_guard_inside_the_cell, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_staff_accounts_changed_by_admins_only, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_two_admins_demoting_each_other, setup,
			teardown),
	};
	return cmocka_run_group_tests_name("security", tests, NULL, NULL);
}
