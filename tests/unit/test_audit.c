/*
** test_audit.c: the audit trail is append-only and its hash chain shows
** the first row changed or removed behind the triggers' back.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "audit.h"
#include "db_fixture.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
};

DEFINE_TEST_DB_SETUP(setup)
DEFINE_TEST_DB_TEARDOWN(teardown)

/* Five actions, rows 1 to 5. */
static void record_five(struct db *db)
{
	static const char *const actions[] = { "login", "loan.checkout", "loan.checkin",
		"payment.add", "rule.save" };
	for (int i = 0; i < 5; i++)
		assert_int_equal(audit_record(db, 0, 1000 + i, actions[i],
			"copy:7", "", i == 4 ? "{\"loan_days\":21}" : NULL,
			i == 4 ? "{\"loan_days\":14}" : NULL), 0);
}

static void drop_guards(struct db *db)
{
	assert_int_equal(db_script(db, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"),
		SQLITE_OK);
}

static void intact_trail_verifies(void **state)
{
	struct fixture *f = *state;
	record_five(&f->db);
	struct audit_check check;
	assert_int_equal(audit_verify(&f->db, &f->arena, &check), 0);
	assert_int_equal(check.rows, 5);
	assert_int_equal(check.head_id, 5);
	assert_int_equal(strlen(check.head_hash), AUDIT_HASH_BYTES * 2);
	assert_int_equal(check.broken_id, 0);
}

static void triggers_refuse_change_and_removal(void **state)
{
	struct fixture *f = *state;
	record_five(&f->db);
	assert_int_not_equal(db_exec(&f->db, "UPDATE audit SET detail = 'x' WHERE id = 2", NULL),
		SQLITE_OK);
	assert_int_not_equal(db_exec(&f->db, "DELETE FROM audit WHERE id = 2", NULL), SQLITE_OK);
	assert_int_not_equal(db_exec(&f->db, "DELETE FROM audit_chain WHERE audit_id = 2", NULL),
		SQLITE_OK);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM audit", NULL), 5);
}

static void changed_row_is_named(void **state)
{
	struct fixture *f = *state;
	record_five(&f->db);
	drop_guards(&f->db);
	assert_int_equal(db_exec(&f->db, "UPDATE audit SET after_value = '{\"loan_days\":99}' "
		"WHERE id = 5", NULL), SQLITE_OK);
	struct audit_check check;
	assert_int_equal(audit_verify(&f->db, &f->arena, &check), 1);
	assert_int_equal(check.broken_id, 5);
	assert_int_equal(check.rows, 4);
	assert_non_null(strstr(check.why, "changed"));
}

static void moved_time_is_named(void **state)
{
	struct fixture *f = *state;
	record_five(&f->db);
	drop_guards(&f->db);
	assert_int_equal(db_exec(&f->db, "UPDATE audit SET at = at + 1 WHERE id = 2", NULL),
		SQLITE_OK);
	struct audit_check check;
	assert_int_equal(audit_verify(&f->db, &f->arena, &check), 1);
	assert_int_equal(check.broken_id, 2);
}

static void removed_row_is_named(void **state)
{
	struct fixture *f = *state;
	record_five(&f->db);
	drop_guards(&f->db);
	assert_int_equal(db_exec(&f->db, "DELETE FROM audit WHERE id = 3", NULL), SQLITE_OK);
	struct audit_check check;
	assert_int_equal(audit_verify(&f->db, &f->arena, &check), 1);
	assert_int_equal(check.broken_id, 4);
	assert_non_null(strstr(check.why, "row 3 before it was removed"));
}

static void removed_row_with_its_link_is_named(void **state)
{
	struct fixture *f = *state;
	record_five(&f->db);
	drop_guards(&f->db);
	assert_int_equal(db_script(&f->db, "DROP TRIGGER audit_chain_no_delete;"
		"DELETE FROM audit WHERE id = 2; DELETE FROM audit_chain WHERE audit_id = 2;"),
		SQLITE_OK);
	struct audit_check check;
	assert_int_equal(audit_verify(&f->db, &f->arena, &check), 1);
	assert_int_equal(check.broken_id, 3);
	assert_non_null(strstr(check.why, "removed"));
}

static void rows_keep_chaining_after_a_verify(void **state)
{
	struct fixture *f = *state;
	record_five(&f->db);
	struct audit_check check;
	assert_int_equal(audit_verify(&f->db, &f->arena, &check), 0);
	assert_int_equal(audit_record(&f->db, 0, 2000, "backup", "", "", NULL, NULL), 0);
	assert_int_equal(audit_verify(&f->db, &f->arena, &check), 0);
	assert_int_equal(check.rows, 6);
}

static void search_filters_by_group_text_and_time(void **state)
{
	struct fixture *f = *state;
	record_five(&f->db);
	struct audit_entry *rows;
	long total;
	struct audit_filter all = { .text = "", .who = "" };
	assert_int_equal(audit_search(&f->db, &f->arena, &all, 1, 3, &rows, &total), 3);
	assert_int_equal(total, 5);
	assert_string_equal(rows[0].action, "rule.save");     /* newest first */
	assert_int_equal(audit_search(&f->db, &f->arena, &all, 2, 3, &rows, &total), 2);
	struct audit_filter circ = { .text = "", .who = "",
		.group = audit_group_named("circulation") };
	assert_int_equal(audit_search(&f->db, &f->arena, &circ, 1, 10, &rows, &total), 2);
	struct audit_filter words = { .text = "LOAN_DAYS\":14", .who = "" };
	assert_int_equal(audit_search(&f->db, &f->arena, &words, 1, 10, &rows, &total), 1);
	assert_string_equal(rows[0].after_value, "{\"loan_days\":14}");
	struct audit_filter late = { .text = "", .who = "", .from = 1003 };
	assert_int_equal(audit_search(&f->db, &f->arena, &late, 1, 10, &rows, &total), 2);
	struct audit_filter nobody = { .text = "", .who = "someone" };
	assert_int_equal(audit_search(&f->db, &f->arena, &nobody, 1, 10, &rows, &total), 0);
	assert_string_equal(audit_action_words("loan.checkout"), "Checkout");
	assert_string_equal(audit_action_words("made.up"), "made.up");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(intact_trail_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(triggers_refuse_change_and_removal, setup, teardown),
		cmocka_unit_test_setup_teardown(changed_row_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(moved_time_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(removed_row_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(removed_row_with_its_link_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(rows_keep_chaining_after_a_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(search_filters_by_group_text_and_time, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
