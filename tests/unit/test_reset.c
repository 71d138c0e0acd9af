/*
** test_reset.c: unit tests of lib/reset.c: reset tokens (shape, only the
** BLAKE2b hash stored), links that expire after an hour and work once,
** the throttles per address and per client, setting a password with a
** link (other links and every session ended, audit row), and the
** confirmation of a new registration. Each test has a fresh database.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "db_fixture.h"
#include "notify.h"
#include "reset.h"
#include "session.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
	long long member;
};

static const time_t now = 1767268800;   /* 2026-01-01 12:00 UTC */
static const struct auth_cost cheap = { 1, 8192 };
static const struct reset_limits limits = { 3, 5 };

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	test_db_open(f->dir, &f->db, &f->arena);
	char hash[AUTH_HASH_MAX];
	assert_int_equal(auth_hash_password(&cheap, "old password", hash), 0);
	assert_int_equal(db_exec(&f->db, "INSERT INTO account(email, name, password_hash, role, "
		"created_at, updated_at) VALUES ('ada@unit.example', 'Ada', ?, 'member', 0, 0)",
		"t", hash), SQLITE_OK);
	f->member = db_last_id(&f->db);
	notify_set_base_url("https://library.example/");
	*state = f;
	return 0;
}

DEFINE_TEST_DB_TEARDOWN(teardown)

static long long count(struct fixture *f, const char *sql)
{
	return db_int(&f->db, -1, sql, NULL);
}

/* The token of the newest email of kind, read from its link after path. */
static const char *emailed_token(struct fixture *f, const char *kind, const char *path)
{
	sqlite3_stmt *st = db_query(&f->db, "SELECT body FROM outbox WHERE kind = ? "
		"ORDER BY id DESC LIMIT 1", "t", kind);
	assert_true(db_row(&f->db, st));
	const char *body = db_text(&f->arena, st, 0);
	db_done(st);
	char *link = strstr(body, path);
	assert_non_null(link);
	char *token = arena_strndup(&f->arena, link + strlen(path), RESET_TOKEN_LEN);
	assert_true(reset_token_well_formed(token));
	return token;
}

static const char *ask(struct fixture *f, const char *email, const char *addr, time_t at)
{
	assert_int_equal(reset_request(&f->db, &f->arena, &limits, email, addr, at), RESET_DONE);
	return emailed_token(f, "password-reset", "https://library.example/password/reset/");
}

static void test_tokens_are_random_urlsafe_and_stored_hashed(void **state)
{
	struct fixture *f = *state;
	char a[RESET_TOKEN_LEN + 1], b[RESET_TOKEN_LEN + 1];
	reset_token_new(a);
	reset_token_new(b);
	assert_int_equal(strlen(a), RESET_TOKEN_LEN);
	assert_true(reset_token_well_formed(a) && reset_token_well_formed(b));
	assert_string_not_equal(a, b);
	assert_false(reset_token_well_formed(NULL));
	assert_false(reset_token_well_formed("short"));
	char bad[RESET_TOKEN_LEN + 1];
	memcpy(bad, a, sizeof bad);
	bad[5] = '/';
	assert_false(reset_token_well_formed(bad));

	const char *token = ask(f, "ada@unit.example", "192.0.2.1", now);
	unsigned char want[RESET_HASH_LEN], got[RESET_HASH_LEN];
	crypto_generichash(want, sizeof want, (const unsigned char *)token, strlen(token), NULL, 0);
	reset_token_hash(token, got);
	assert_memory_equal(want, got, RESET_HASH_LEN);
	sqlite3_stmt *st = db_query(&f->db, "SELECT token_hash, account_id, expires_at - created_at, "
		"requested_ip FROM password_reset", NULL);
	assert_true(db_row(&f->db, st));
	assert_int_equal(sqlite3_column_bytes(st, 0), RESET_HASH_LEN);
	assert_memory_equal(sqlite3_column_blob(st, 0), want, RESET_HASH_LEN);
	assert_int_equal(db_col_int(st, 1), f->member);
	assert_int_equal(db_col_int(st, 2), RESET_LIFETIME);
	assert_string_equal(db_text(&f->arena, st, 3), "192.0.2.1");
	db_done(st);
	/* Email only: no text message, nothing in the notification centre. */
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = 'password-reset' "
		"AND channel = 'email' AND recipient = 'ada@unit.example'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM notification"), 0);
}

static void test_a_link_expires_after_an_hour(void **state)
{
	struct fixture *f = *state;
	const char *token = ask(f, "ada@unit.example", "192.0.2.1", now);
	long long id = 0;
	assert_int_equal(reset_token_check(&f->db, token, now + RESET_LIFETIME - 1, &id), RESET_DONE);
	assert_int_equal(id, f->member);
	assert_int_equal(reset_token_check(&f->db, token, now + RESET_LIFETIME, &id), RESET_GONE);
	assert_int_equal(reset_password(&f->db, &cheap, token, "new password", "", now +
		RESET_LIFETIME, &id), RESET_GONE);
	char unknown[RESET_TOKEN_LEN + 1];
	reset_token_new(unknown);
	assert_int_equal(reset_token_check(&f->db, unknown, now, &id), RESET_GONE);
	assert_int_equal(reset_token_check(&f->db, "../../etc", now, &id), RESET_GONE);
}

static void test_an_unknown_address_gets_nothing_but_is_counted(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(reset_request(&f->db, &f->arena, &limits, "nobody@unit.example",
		"192.0.2.1", now), RESET_DONE);
	assert_int_equal(count(f, "SELECT count(*) FROM password_reset"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM anonymous_request "
		"WHERE email = 'nobody@unit.example'"), 1);
}

static void test_throttles_per_address_and_per_client(void **state)
{
	struct fixture *f = *state;
	/* Three links an hour to one address, from different clients. */
	for (int i = 0; i < 4; i++) {
		char addr[32];
		snprintf(addr, sizeof addr, "192.0.2.%d", i);
		assert_int_equal(reset_request(&f->db, &f->arena, &limits, "ADA@unit.example",
			addr, now + i), RESET_DONE);
	}
	assert_int_equal(count(f, "SELECT count(*) FROM password_reset"), 3);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox"), 3);
	/* Five requests an hour from one client, whatever the addresses. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(reset_request(&f->db, &f->arena, &limits, "x@unit.example",
			"198.51.100.7", now + i), RESET_DONE);
	assert_int_equal(reset_request(&f->db, &f->arena, &limits, "x@unit.example",
		"198.51.100.7", now + 10), RESET_THROTTLED);
	/* An hour on, both may ask again; the old requests are dropped. */
	time_t later = now + RESET_WINDOW + 10;
	assert_int_equal(reset_request(&f->db, &f->arena, &limits, "ada@unit.example",
		"198.51.100.7", later), RESET_DONE);
	assert_int_equal(count(f, "SELECT count(*) FROM password_reset"), 4);
	assert_int_equal(count(f, "SELECT count(*) FROM anonymous_request"), 1);
	/* Registrations have their own count. */
	struct reset_limits two = { 0, 2 };
	assert_true(reset_register_allowed(&f->db, &two, "198.51.100.7", later));
	assert_true(reset_register_allowed(&f->db, &two, "198.51.100.7", later));
	assert_false(reset_register_allowed(&f->db, &two, "198.51.100.7", later));
	assert_true(reset_register_allowed(&f->db, &two, "198.51.100.8", later));
}

static void test_setting_a_password_ends_links_and_sessions(void **state)
{
	struct fixture *f = *state;
	const char *first = ask(f, "ada@unit.example", "192.0.2.1", now);
	const char *second = ask(f, "ada@unit.example", "192.0.2.1", now + 60);
	struct session_policy pol = { 3600, 86400 };
	char t1[SESSION_TOKEN_LEN + 1], t2[SESSION_TOKEN_LEN + 1];
	assert_int_equal(session_create(&f->db, &pol, f->member, now, t1), 0);
	assert_int_equal(session_create(&f->db, &pol, f->member, now, t2), 0);
	long long id = 0;
	assert_int_equal(reset_password(&f->db, &cheap, second, "new password", "192.0.2.9",
		now + 120, &id), RESET_DONE);
	assert_int_equal(id, f->member);
	assert_int_equal(count(f, "SELECT count(*) FROM password_reset WHERE used_at IS NULL"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM session"), 0);
	assert_int_equal(reset_token_check(&f->db, first, now + 130, &id), RESET_GONE);
	assert_int_equal(reset_password(&f->db, &cheap, second, "third password", "",
		now + 130, &id), RESET_GONE);
	struct auth_throttle rule = { 5, 900 };
	assert_int_equal(auth_login(&f->db, &cheap, &rule, "ada@unit.example", "new password",
		"", now + 140, &id), AUTH_OK);
	assert_int_equal(auth_login(&f->db, &cheap, &rule, "ada@unit.example", "old password",
		"", now + 140, &id), AUTH_BAD_CREDENTIALS);
	sqlite3_stmt *st = db_query(&f->db, "SELECT actor_id, action, detail FROM audit", NULL);
	assert_true(db_row(&f->db, st));
	assert_int_equal(db_col_int(st, 0), f->member);
	assert_string_equal(db_text(&f->arena, st, 1), "account.password-reset");
	assert_non_null(strstr(db_text(&f->arena, st, 2), "192.0.2.9"));
	db_done(st);
}

static void test_new_passwords_follow_the_rules(void **state)
{
	(void)state;
	struct form_errors errs = { .n = 0 };
	assert_false(reset_passwords_ok("short", "short", &errs));
	assert_string_equal(errs.items[0].field, "password");
	errs.n = 0;
	assert_false(reset_passwords_ok("long enough", "long enougH", &errs));
	assert_string_equal(errs.items[0].field, "password_again");
	errs.n = 0;
	assert_false(reset_passwords_ok("long enough", NULL, &errs));
	errs.n = 0;
	assert_true(reset_passwords_ok("long enough", "long enough", &errs));
	assert_int_equal(errs.n, 0);
}

static void test_a_new_account_waits_for_its_confirmation(void **state)
{
	struct fixture *f = *state;
	struct auth_throttle rule = { 50, 900 };
	long long id = 0;
	assert_int_equal(reset_confirm_start(&f->db, &f->arena, f->member, "welcome_pending",
		now), 0);
	assert_int_equal(auth_login(&f->db, &cheap, &rule, "ada@unit.example", "old password",
		"", now, &id), AUTH_BAD_CREDENTIALS);
	const char *token = emailed_token(f, "registration-confirm",
		"https://library.example/register/confirm/");
	assert_int_equal(reset_confirm_check(&f->db, token, now + RESET_CONFIRM_LIFETIME - 1),
		RESET_DONE);
	assert_int_equal(reset_confirm_check(&f->db, token, now + RESET_CONFIRM_LIFETIME),
		RESET_GONE);
	const char *welcome = NULL;
	assert_int_equal(reset_confirm(&f->db, &f->arena, token, now + 60, &id, &welcome),
		RESET_DONE);
	assert_int_equal(id, f->member);
	assert_string_equal(welcome, "welcome_pending");
	assert_int_equal(auth_login(&f->db, &cheap, &rule, "ada@unit.example", "old password",
		"", now + 60, &id), AUTH_OK);
	assert_int_equal(reset_confirm(&f->db, &f->arena, token, now + 70, &id, &welcome),
		RESET_GONE);
}

static void test_a_reset_confirms_an_address_too(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(reset_confirm_start(&f->db, &f->arena, f->member, "welcome", now), 0);
	const char *token = ask(f, "ada@unit.example", "192.0.2.1", now);
	long long id = 0;
	assert_int_equal(reset_password(&f->db, &cheap, token, "new password", "", now, &id),
		RESET_DONE);
	assert_int_equal(count(f, "SELECT email_confirmed FROM account"), 1);
}

static void test_account_exists_told_once_a_day(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(reset_account_exists_notice(&f->db, &f->arena, "ADA@unit.example", now), 0);
	assert_int_equal(reset_account_exists_notice(&f->db, &f->arena, "ada@unit.example",
		now + 3600), 0);
	assert_int_equal(reset_account_exists_notice(&f->db, &f->arena, "nobody@unit.example",
		now), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = 'account-exists'"), 1);
	assert_int_equal(reset_account_exists_notice(&f->db, &f->arena, "ada@unit.example",
		now + 86400), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = 'account-exists'"), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = 'account-exists' "
		"AND body LIKE '%https://library.example/password/forgot%'"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tokens_are_random_urlsafe_and_stored_hashed,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_link_expires_after_an_hour, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_unknown_address_gets_nothing_but_is_counted,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_throttles_per_address_and_per_client, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_setting_a_password_ends_links_and_sessions,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_passwords_follow_the_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_new_account_waits_for_its_confirmation, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_a_reset_confirms_an_address_too, setup, teardown),
		cmocka_unit_test_setup_teardown(test_account_exists_told_once_a_day, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
