/*
** test_core.c: unit tests of the database layer, sessions, login
** throttling, validators, configuration, card numbers and the route table.
** Each test gets a fresh database in a temporary folder, migrated from
** schema/.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "db_fixture.h"
#include "session.h"
#include "valid.h"
#include "web.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
};

static const struct auth_cost cheap = { 1, 65536 };

DEFINE_TEST_DB_SETUP(setup)

DEFINE_TEST_DB_TEARDOWN(teardown)

static long long make_account(struct fixture *f, const char *email, enum role role)
{
	struct account_input in = { "Test Person", email, "", "long enough password" };
	struct form_errors errs = { .n = 0 };
	long long id = 0;
	assert_int_equal(account_validate(&f->arena, &in, &errs), ACCOUNT_OK);
	assert_int_equal(account_create(&f->db, &cheap, &in, role, 1000, &errs, &id),
		ACCOUNT_OK);
	return id;
}

static void test_migrations_are_recorded_once(void **state)
{
	struct fixture *f = *state;
	char err[256];
	assert_int_equal(db_migrate(&f->db, "schema", NULL, err, sizeof err), 0);
	glob_t files;
	assert_int_equal(glob("schema/[0-9][0-9][0-9][0-9]_*.sql", 0, NULL, &files), 0);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM schema_migration", NULL),
		(long long)files.gl_pathc);
	globfree(&files);
	assert_int_equal(db_int(&f->db, 0, "PRAGMA foreign_keys", NULL), 1);
}

static void test_statements_are_cached_and_binding_is_checked(void **state)
{
	struct fixture *f = *state;
	sqlite3_stmt *a = db_query(&f->db, "SELECT ?", "i", 1LL);
	sqlite3_stmt *b = db_query(&f->db, "SELECT ?", "i", 2LL);
	assert_ptr_equal(a, b);
	assert_true(db_row(&f->db, b));
	assert_int_equal(db_col_int(b, 0), 2);
	db_done(b);
	/* Too few or too many parameters fail loudly instead of binding NULL. */
	assert_null(db_query(&f->db, "SELECT ?, ?", "i", 1LL));
	assert_null(db_query(&f->db, "SELECT ?", "ii", 1LL, 2LL));
	assert_int_equal(db_int(&f->db, -7, "SELECT 1 WHERE 0", NULL), -7);
}

static void test_transactions_roll_back_and_refuse_nesting(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(db_begin(&f->db), 0);
	assert_int_equal(db_begin(&f->db), -1);
	assert_int_equal(db_exec(&f->db, "INSERT INTO setting VALUES ('k', 'v')", NULL), SQLITE_OK);
	db_rollback(&f->db);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM setting WHERE key = 'k'", NULL), 0);
	assert_int_equal(f->db.tx_depth, 0);
}

static void test_schema_refuses_plain_passwords(void **state)
{
	struct fixture *f = *state;
	int rc = db_exec(&f->db, "INSERT INTO account(email, name, password_hash, "
		"created_at, updated_at) VALUES ('a@b.cd', 'A', 'secret', 0, 0)", NULL);
	assert_int_equal(rc, SQLITE_CONSTRAINT);
}

static void test_account_create_hashes_and_refuses_duplicates(void **state)
{
	struct fixture *f = *state;
	long long id = make_account(f, "Reader@Example.org", ROLE_MEMBER);
	struct account a;
	assert_int_equal(account_get(&f->db, &f->arena, id, &a), ACCOUNT_OK);
	assert_string_equal(a.email, "Reader@Example.org");
	assert_int_equal(strlen(a.card_number), 10);
	sqlite3_stmt *st = db_query(&f->db, "SELECT password_hash FROM account WHERE id = ?",
		"i", id);
	assert_true(db_row(&f->db, st));
	assert_memory_equal(sqlite3_column_text(st, 0), "$argon2id$", 10);
	db_done(st);

	struct account_input dup = { "Other", "reader@example.ORG", "", "long enough password" };
	struct form_errors errs = { .n = 0 };
	long long id2;
	assert_int_equal(account_create(&f->db, &cheap, &dup, ROLE_MEMBER, 1000, &errs, &id2),
		ACCOUNT_EMAIL_TAKEN);
	assert_non_null(form_error_get(&errs, "email"));
}

static void test_card_numbers_carry_a_luhn_digit(void **state)
{
	(void)state;
	char card[16];
	account_card_number(12, card);
	assert_string_equal(card, "2000000121");
	for (long long id = 1; id < 2000; id += 37) {
		account_card_number(id, card);
		int sum = 0, n = (int)strlen(card);
		for (int i = 0; i < n; i++) {
			int d = card[n - 1 - i] - '0';
			if (i % 2) {
				d *= 2;
				if (d > 9)
					d -= 9;
			}
			sum += d;
		}
		assert_int_equal(sum % 10, 0);
	}
}

static void test_login_throttles_after_five_failures(void **state)
{
	struct fixture *f = *state;
	make_account(f, "t@example.org", ROLE_MEMBER);
	struct auth_throttle rule = { 5, 900 };
	long long id = 0;
	for (int i = 0; i < 5; i++)
		assert_int_equal(auth_login(&f->db, &cheap, &rule, "t@example.org", "wrong",
			"", 10000 + i, &id), AUTH_BAD_CREDENTIALS);
	assert_int_equal(auth_login(&f->db, &cheap, &rule, "T@example.org",
		"long enough password", "", 10010, &id), AUTH_THROTTLED);
	/* Once the window has passed the right password works again. */
	assert_int_equal(auth_login(&f->db, &cheap, &rule, "t@example.org",
		"long enough password", "", 10010 + 900, &id), AUTH_OK);
	assert_true(id > 0);
	/* Unknown emails are throttled the same way. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(auth_login(&f->db, &cheap, &rule, "nobody@example.org", "x",
			"", 20000, &id), AUTH_BAD_CREDENTIALS);
	assert_int_equal(auth_login(&f->db, &cheap, &rule, "nobody@example.org", "x",
		"", 20001, &id), AUTH_THROTTLED);
}

static void test_sessions_expire_idle_and_absolute(void **state)
{
	struct fixture *f = *state;
	long long id = make_account(f, "s@example.org", ROLE_LIBRARIAN);
	struct session_policy pol = { 100, 1000 };
	char token[SESSION_TOKEN_LEN + 1];
	struct session s;
	assert_int_equal(session_create(&f->db, &pol, id, 5000, token), 0);
	assert_int_equal(strlen(token), SESSION_TOKEN_LEN);
	assert_int_equal(session_load(&f->db, &pol, token, 5050, &s), 0);
	assert_true(s.valid);
	assert_int_equal(s.role, ROLE_LIBRARIAN);
	assert_int_equal(s.account_id, id);
	/* Used at 5090 (touch happens once a minute): still valid at 5150. */
	assert_int_equal(session_load(&f->db, &pol, token, 5090, &s), 0);
	assert_int_equal(session_load(&f->db, &pol, token, 5150, &s), 0);
	assert_true(s.valid);
	/* Idle for more than 100 seconds: gone. */
	assert_int_equal(session_load(&f->db, &pol, token, 5300, &s), 0);
	assert_false(s.valid);
	/* Absolute: even in constant use, never past created + 1000. */
	assert_int_equal(session_create(&f->db, &pol, id, 8000, token), 0);
	for (int t = 8050; t < 9000; t += 50)
		assert_int_equal(session_load(&f->db, &pol, token, t, &s), 0);
	assert_int_equal(session_load(&f->db, &pol, token, 9001, &s), 0);
	assert_false(s.valid);
	/* Malformed tokens never reach the database. */
	assert_int_equal(session_load(&f->db, &pol, "short", 8001, &s), 0);
	assert_false(s.valid);
}

static void test_session_tokens_stored_hashed(void **state)
{
	struct fixture *f = *state;
	long long id = make_account(f, "h@example.org", ROLE_MEMBER);
	struct session_policy pol = { 100, 1000 };
	char token[SESSION_TOKEN_LEN + 1];
	assert_int_equal(session_create(&f->db, &pol, id, 5000, token), 0);
	unsigned char want[32];
	crypto_generichash(want, 32, (const unsigned char *)token, strlen(token), NULL, 0);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM session WHERE token_hash = ?",
		"b", want, 32), 1);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM session WHERE "
		"instr(token_hash, ?) OR instr(csrf, ?)", "tt", token, token), 0);
	session_destroy(&f->db, token);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM session", NULL), 0);
}

static void test_csrf_compare(void **state)
{
	(void)state;
	char t[SESSION_TOKEN_LEN + 1];
	session_random_token(t);
	assert_true(session_csrf_ok(t, t));
	char other[SESSION_TOKEN_LEN + 1];
	memcpy(other, t, sizeof other);
	other[5] = other[5] == 'A' ? 'B' : 'A';
	assert_false(session_csrf_ok(t, other));
	assert_false(session_csrf_ok(t, ""));
	assert_false(session_csrf_ok(t, NULL));
	assert_false(session_csrf_ok(NULL, t));
	assert_false(session_csrf_ok("", ""));
}

static void test_role_changes_audited_and_self_demotion_refused(void **state)
{
	struct fixture *f = *state;
	long long admin = make_account(f, "admin@example.org", ROLE_ADMIN);
	long long m = make_account(f, "m@example.org", ROLE_MEMBER);
	assert_int_equal(account_set_role(&f->db, admin, m, ROLE_LIBRARIAN, 2000), ACCOUNT_OK);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM audit WHERE "
		"action = 'account.role' AND detail = 'member -> librarian'", NULL), 1);
	assert_int_equal(account_set_role(&f->db, admin, admin, ROLE_MEMBER, 2000),
		ACCOUNT_INVALID);
	assert_int_equal(account_set_role(&f->db, admin, 99999, ROLE_MEMBER, 2000),
		ACCOUNT_NOT_FOUND);
}

static void test_account_list_filters_and_pages(void **state)
{
	struct fixture *f = *state;
	char email[64];
	for (int i = 0; i < 7; i++) {
		snprintf(email, sizeof email, "p%d@example.org", i);
		make_account(f, email, i == 3 ? ROLE_LIBRARIAN : ROLE_MEMBER);
	}
	struct account rows[5];
	long total;
	struct account_filter all = { "", -1, 2, 5 };
	assert_int_equal(account_list(&f->db, &f->arena, &all, rows, &total), 2);
	assert_int_equal(total, 7);
	struct account_filter lib = { "", ROLE_LIBRARIAN, 1, 5 };
	assert_int_equal(account_list(&f->db, &f->arena, &lib, rows, &total), 1);
	assert_string_equal(rows[0].email, "p3@example.org");
	/* Search text with LIKE wildcards matches literally. */
	struct account_filter pct = { "%", -1, 1, 5 };
	assert_int_equal(account_list(&f->db, &f->arena, &pct, rows, &total), 0);
	struct account_filter q = { "P5@", -1, 1, 5 };
	assert_int_equal(account_list(&f->db, &f->arena, &q, rows, &total), 1);
}

static void test_validators(void **state)
{
	(void)state;
	assert_null(valid_email("a.b+c@library.example.org"));
	assert_non_null(valid_email("no-at-sign"));
	assert_non_null(valid_email("two@@example.org"));
	assert_non_null(valid_email("a@nodot"));
	assert_non_null(valid_email("a b@example.org"));
	assert_non_null(valid_email("a@example..org"));
	assert_non_null(valid_email(""));
	assert_null(valid_phone(""));
	assert_null(valid_phone("+44 (20) 7946-0000"));
	assert_non_null(valid_phone("123"));
	assert_non_null(valid_phone("12345678x"));
	assert_non_null(valid_phone("44+12345678"));
	assert_null(valid_password("eight ch"));
	assert_non_null(valid_password("seven c"));
	/* Characters, not bytes: eight accented letters are enough. */
	assert_null(valid_password("éééééééé"));
	assert_non_null(valid_name(""));
	assert_non_null(valid_name("tab\there"));
	assert_null(valid_name("Zoë O'Brien-Ñúñez"));
	assert_int_equal(valid_id("42"), 42);
	assert_int_equal(valid_id("4x"), 0);
	assert_int_equal(valid_id("-4"), 0);
	assert_int_equal(valid_id("9999999999999999999"), 0);
}

static void test_config_keys_and_environment(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	setenv("CARREL_CONF", "/nonexistent/carrel.conf", 1);
	assert_int_equal(config_load(&cfg, err, sizeof err), -1);
	unsetenv("CARREL_CONF");
	setenv("CARREL_WORKERS", "3", 1);
	setenv("CARREL_SECURE_COOKIES", "yes", 1);
	assert_int_equal(config_load(&cfg, err, sizeof err), 0);
	assert_int_equal(cfg.workers, 3);
	assert_true(cfg.secure_cookies);
	assert_string_equal(cfg.db, "var/carrel.db");
	setenv("CARREL_WORKERS", "many", 1);
	assert_int_equal(config_load(&cfg, err, sizeof err), -1);
	assert_non_null(strstr(err, "CARREL_WORKERS"));
	unsetenv("CARREL_WORKERS");
	unsetenv("CARREL_SECURE_COOKIES");
	assert_int_equal(config_set(&cfg, "no_such_key", "1"), -1);
	assert_int_equal(config_set(&cfg, "pwhash_mem", "10"), -1);
}

/* The route table is the one place access is decided: check its shape. */
static void test_route_table_shape(void **state)
{
	(void)state;
	for (int i = 0; i < routes_count; i++) {
		const struct route *r = &routes[i];
		assert_non_null(r->handler);
		assert_true(r->pattern[0] == '/');
		assert_true(!strcmp(r->method, "GET") || !strcmp(r->method, "POST"));
		if (!strncmp(r->pattern, "/admin", 6))
			assert_int_equal(r->min_role, ROLE_ADMIN);
		if (!strncmp(r->pattern, "/staff", 6))
			assert_true(r->min_role >= ROLE_LIBRARIAN);
		if (!strncmp(r->pattern, "/account", 8))
			assert_true(r->min_role >= ROLE_MEMBER);
		for (int j = 0; j < i; j++)
			assert_false(!strcmp(r->method, routes[j].method) &&
				!strcmp(r->pattern, routes[j].pattern));
	}
}

static void test_route_matching(void **state)
{
	struct fixture *f = *state;
	struct req req;
	memset(&req, 0, sizeof req);
	req.arena = &f->arena;
	bool known;
	req.path = "/admin/users/42/role";
	const struct route *r = route_match(&req, "POST", &known);
	assert_non_null(r);
	assert_ptr_equal(r->handler, page_admin_user_role);
	assert_int_equal(req.nparams, 1);
	assert_string_equal(req.params[0], "42");
	req.path = "/admin/users/4x/role";
	assert_null(route_match(&req, "POST", &known));
	assert_false(known);
	req.path = "/admin/users/42/role";
	assert_null(route_match(&req, "GET", &known));
	assert_true(known);
	req.path = "/account";
	r = route_match(&req, "HEAD", &known);
	assert_non_null(r);
	assert_ptr_equal(r->handler, page_account_overview);
	req.path = "/account/";
	assert_null(route_match(&req, "GET", &known));
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrations_are_recorded_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statements_are_cached_and_binding_is_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions_roll_back_and_refuse_nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_refuses_plain_passwords, setup, teardown),
		cmocka_unit_test_setup_teardown(test_account_create_hashes_and_refuses_duplicates, setup, teardown),
		cmocka_unit_test(test_card_numbers_carry_a_luhn_digit),
		cmocka_unit_test_setup_teardown(test_login_throttles_after_five_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions_expire_idle_and_absolute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_tokens_stored_hashed, setup, teardown),
		cmocka_unit_test(test_csrf_compare),
		cmocka_unit_test_setup_teardown(test_role_changes_audited_and_self_demotion_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_account_list_filters_and_pages, setup, teardown),
		cmocka_unit_test(test_validators),
		cmocka_unit_test(test_config_keys_and_environment),
		cmocka_unit_test(test_route_table_shape),
		cmocka_unit_test_setup_teardown(test_route_matching, setup, teardown),
	};
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
