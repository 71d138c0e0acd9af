/*
** test_api.c: unit tests of lib/api.c and of the API's place in the route
** table: tokens (shape, only the hash kept, refusals, revoked, expired,
** disabled and removed accounts), the per-token rate limit, cursors,
** ETags, the audit note of a token, and the OpenAPI document made from
** every /api row of the route table.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "audit.h"
#include "db.h"
#include "db_fixture.h"
#include "web.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
	long long member;
};

static const time_t now = 1767268800;   /* 2026-01-01 12:00 UTC */

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	test_db_open(f->dir, &f->db, &f->arena);
	assert_int_equal(db_exec(&f->db, "INSERT INTO account(email, name, password_hash, role, "
		"created_at, updated_at) VALUES ('ada@unit.example', 'Ada', '$argon2id$x', 'member', 0, 0)",
		NULL), SQLITE_OK);
	f->member = db_last_id(&f->db);
	*state = f;
	return 0;
}

DEFINE_TEST_DB_TEARDOWN(teardown)

static void make_token(struct fixture *f, const char *name, const char *scope,
	char token[API_TOKEN_LEN + 1])
{
	const char *field, *message;
	assert_int_equal(api_token_create(&f->db, &f->arena, f->member, name, scope, "30", now,
		token, &field, &message), API_TOKEN_OK);
}

static struct api_caller who(struct fixture *f, const char *token, time_t at)
{
	struct api_caller c;
	const char *header = arena_printf(&f->arena, "Bearer %s", token);
	assert_int_equal(api_token_authenticate(&f->db, &f->arena, header, at, &c), 0);
	return c;
}

static void test_token_made_and_known(void **state)
{
	struct fixture *f = *state;
	char token[API_TOKEN_LEN + 1];
	make_token(f, " Self-check 1 ", "read-write", token);
	assert_int_equal(strlen(token), API_TOKEN_LEN);
	assert_memory_equal(token, API_TOKEN_PREFIX, strlen(API_TOKEN_PREFIX));
	/* Only the hash is kept. */
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM api_token WHERE "
		"instr(CAST(token_hash AS TEXT), ?) > 0", "t", token + 7), 0);
	struct api_caller c = who(f, token, now + 60);
	assert_true(c.valid);
	assert_int_equal(c.account_id, f->member);
	assert_string_equal(c.token_name, "Self-check 1");
	assert_int_equal(c.scope, API_SCOPE_WRITE);
	assert_int_equal(c.expires_at, now + 30 * 86400);
	/* Wrong schemes and shapes are nobody. */
	struct api_caller n;
	api_token_authenticate(&f->db, &f->arena, token, now, &n);
	assert_false(n.valid);
	api_token_authenticate(&f->db, &f->arena, "Basic abc", now, &n);
	assert_false(n.valid);
	token[10] ^= 1;
	assert_false(who(f, token, now).valid);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM audit WHERE action = "
		"'api_token.create'", NULL), 1);
}

static void test_token_refusals(void **state)
{
	struct fixture *f = *state;
	char token[API_TOKEN_LEN + 1];
	const char *field, *message;
	assert_int_equal(api_token_create(&f->db, &f->arena, f->member, "  ", "read", "30", now,
		token, &field, &message), API_TOKEN_INVALID);
	assert_string_equal(field, "token_name");
	assert_int_equal(api_token_create(&f->db, &f->arena, f->member, "App", "write", "30",
		now, token, &field, &message), API_TOKEN_INVALID);
	assert_string_equal(field, "token_scope");
	assert_int_equal(api_token_create(&f->db, &f->arena, f->member, "App", "read", "31",
		now, token, &field, &message), API_TOKEN_INVALID);
	assert_string_equal(field, "token_days");
	make_token(f, "App", "read", token);
	assert_int_equal(api_token_create(&f->db, &f->arena, f->member, "App", "read", "90",
		now, token, &field, &message), API_TOKEN_INVALID);
	assert_string_equal(field, "token_name");
	assert_non_null(strstr(message, "already"));
}

static void test_token_ends(void **state)
{
	struct fixture *f = *state;
	char a[API_TOKEN_LEN + 1], b[API_TOKEN_LEN + 1];
	make_token(f, "A", "read", a);
	make_token(f, "B", "read", b);
	assert_false(who(f, a, now + 30 * 86400).valid);      /* expired */
	struct api_token *list;
	assert_int_equal(api_token_list(&f->db, &f->arena, f->member, &list), 2);
	assert_string_equal(list[0].name, "B");
	assert_int_equal(api_token_revoke(&f->db, f->member, list[0].id, now), 0);
	assert_int_equal(api_token_revoke(&f->db, f->member, list[0].id, now), 1);
	assert_int_equal(api_token_revoke(&f->db, f->member + 1, list[1].id, now), 1);
	assert_false(who(f, b, now).valid);
	assert_true(who(f, a, now).valid);
	db_exec(&f->db, "UPDATE account SET disabled_at = 1 WHERE id = ?", "i", f->member);
	assert_false(who(f, a, now).valid);
	db_exec(&f->db, "UPDATE account SET disabled_at = NULL, removed_at = 1 WHERE id = ?",
		"i", f->member);
	assert_false(who(f, a, now).valid);
}

static void test_rate_limit(void **state)
{
	struct fixture *f = *state;
	char token[API_TOKEN_LEN + 1];
	make_token(f, "A", "read", token);
	long long id = who(f, token, now).token_id;
	db_exec(&f->db, "UPDATE setting SET value = '3' WHERE key = 'api.requests_per_minute'",
		NULL);
	time_t minute = now / 60 * 60;
	for (int i = 0; i < 3; i++)
		assert_int_equal(api_rate_check(&f->db, id, minute + 10), 0);
	assert_int_equal(api_rate_check(&f->db, id, minute + 15), 45);
	assert_int_equal(api_rate_check(&f->db, id, minute + 60), 0);
	assert_int_equal(db_int(&f->db, 0, "SELECT last_used_at FROM api_token WHERE id = ?",
		"i", id), minute + 60);
}

static void test_cursor_and_etag(void **state)
{
	struct fixture *f = *state;
	const char *cur = api_cursor_make(&f->arena, 40);
	assert_int_equal(api_cursor_offset(&f->arena, cur), 40);
	assert_int_equal(api_cursor_offset(&f->arena, NULL), 0);
	assert_int_equal(api_cursor_offset(&f->arena, ""), 0);
	assert_int_equal(api_cursor_offset(&f->arena, "40"), -1);
	assert_int_equal(api_cursor_offset(&f->arena, "!!"), -1);
	assert_int_equal(api_cursor_offset(&f->arena, api_cursor_make(&f->arena, 0)), 0);
	const char *e = api_etag(&f->arena, "{}", 2);
	assert_int_equal(strlen(e), 34);
	assert_string_not_equal(e, api_etag(&f->arena, "{ }", 3));
	assert_true(api_etag_matches(e, e));
	assert_true(api_etag_matches(arena_printf(&f->arena, "\"x\", W/%s", e), e));
	assert_true(api_etag_matches("*", e));
	assert_false(api_etag_matches("\"x\"", e));
	assert_false(api_etag_matches(NULL, e));
}

static void test_audit_names_the_token(void **state)
{
	struct fixture *f = *state;
	audit_set_via("Desk app");
	audit_record(&f->db, f->member, now, "test.write", "x:1", "changed", NULL, NULL);
	audit_set_via(NULL);
	audit_record(&f->db, f->member, now, "test.write", "x:2", "changed", NULL, NULL);
	struct arena *a = &f->arena;
	sqlite3_stmt *st = db_query(&f->db, "SELECT detail FROM audit WHERE action = "
		"'test.write' ORDER BY id", NULL);
	assert_true(db_row(&f->db, st));
	assert_string_equal(db_text(a, st, 0), "changed · via API token \"Desk app\"");
	assert_true(db_row(&f->db, st));
	assert_string_equal(db_text(a, st, 0), "changed");
	db_done(st);
}

/* Every /api row of the route table is an operation of the document, and
** every operation a row. */
static void test_openapi_from_route_table(void **state)
{
	(void)state;
	json_t *doc = api_openapi_document();
	assert_non_null(doc);
	json_t *paths = json_object_get(doc, "paths");
	int api_rows = 0;
	for (int i = 0; i < routes_count; i++) {
		if (!route_is_api(&routes[i])) {
			assert_null(json_object_get(paths, routes[i].pattern));
			continue;
		}
		api_rows++;
		assert_true(api_route_documented(&routes[i]));
		char method[8];
		snprintf(method, sizeof method, "%s", routes[i].method);
		for (char *m = method; *m; m++)
			*m = (char)(*m - 'A' + 'a');
		assert_non_null(json_object_get(json_object_get(paths, routes[i].pattern), method));
	}
	int ops = 0;
	const char *path;
	json_t *item;
	json_object_foreach(paths, path, item)
		ops += (int)json_object_size(item);
	assert_int_equal(ops, api_rows);
	assert_true(api_rows >= 4);
	assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	json_decref(doc);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_token_made_and_known, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cursor_and_etag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_names_the_token, setup, teardown),
		cmocka_unit_test(test_openapi_from_route_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
