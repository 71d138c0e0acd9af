/*
** test_lists.c: unit tests of lib/lists.c against a real SQLite database
** migrated from schema/: the seeded lists and their order, adding and
** renaming with their refusals, the reason a delete in use is refused
** (counts and plurals), the defaults that stay, and the schema refusing
** codes that are not on the lists (copies, accounts and rules alike).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_fixture.h"
#include "lists.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
};

DEFINE_TEST_DB_SETUP(setup)

DEFINE_TEST_DB_TEARDOWN(teardown)

static void add_copy(struct fixture *f, const char *barcode, const char *item_type)
{
	assert_int_equal(db_exec(&f->db, "INSERT OR IGNORE INTO title(id, title, created_at, "
		"updated_at) VALUES (1, 'A title', 0, 0)", NULL), SQLITE_OK);
	assert_int_equal(db_exec(&f->db, "INSERT INTO copy(barcode, title_id, item_type, "
		"created_at) VALUES (?, 1, ?, 0)", "tt", barcode, item_type), SQLITE_OK);
}

static enum lists_result add(struct fixture *f, const char *code, const char *name,
	const char *position, struct form_errors *errs)
{
	struct list_input in = { code, name, position };
	return lists_add(&f->db, &f->arena, LIST_ITEM_TYPE, &in, 0, 1000, errs);
}

static void test_seeded_lists_in_order(void **state)
{
	struct fixture *f = *state;
	struct list_entry *e;
	assert_int_equal(lists_entries(&f->db, &f->arena, LIST_ITEM_TYPE, &e), 4);
	assert_string_equal(e[0].code, "book");
	assert_string_equal(e[1].name, "DVD");
	assert_string_equal(e[3].code, "reference");
	assert_int_equal(lists_entries(&f->db, &f->arena, LIST_CATEGORY, &e), 4);
	assert_string_equal(e[0].name, "Adult");
	assert_string_equal(lists_name(&f->db, &f->arena, LIST_CATEGORY, "child"), "Child");
	assert_string_equal(lists_name(&f->db, &f->arena, LIST_ITEM_TYPE, "*"), "Any item type");
	assert_string_equal(lists_name(&f->db, &f->arena, LIST_ITEM_TYPE, "gone"), "gone");
}

static void test_add_and_save_with_refusals(void **state)
{
	struct fixture *f = *state;
	struct form_errors errs = { .n = 0 };
	assert_int_equal(add(f, "Large Print", "Large print", "", &errs), LISTS_INVALID);
	assert_non_null(form_error_get(&errs, "code"));
	errs.n = 0;
	assert_int_equal(add(f, "dvd", "Films", "", &errs), LISTS_CONFLICT);
	errs.n = 0;
	assert_int_equal(add(f, "films", "dvd", "", &errs), LISTS_CONFLICT);
	assert_non_null(form_error_get(&errs, "name"));
	errs.n = 0;
	assert_int_equal(add(f, "large-print", " Large print ", "", &errs), LISTS_OK);
	assert_string_equal(lists_name(&f->db, &f->arena, LIST_ITEM_TYPE, "large-print"),
		"Large print");
	assert_int_equal(db_int(&f->db, 0, "SELECT position FROM item_type WHERE code = "
		"'large-print'", NULL), 5);   /* at the end */
	struct list_input in = { NULL, "Big print", "0" };
	assert_int_equal(lists_save(&f->db, &f->arena, LIST_ITEM_TYPE, "large-print", &in, 0,
		1000, &errs), LISTS_OK);
	struct list_entry *e;
	lists_entries(&f->db, &f->arena, LIST_ITEM_TYPE, &e);
	assert_string_equal(e[0].name, "Big print");
	in.position = "10000";
	assert_int_equal(lists_save(&f->db, &f->arena, LIST_ITEM_TYPE, "large-print", &in, 0,
		1000, &errs), LISTS_INVALID);
	in.position = "1";
	errs.n = 0;
	assert_int_equal(lists_save(&f->db, &f->arena, LIST_ITEM_TYPE, "nothing", &in, 0,
		1000, &errs), LISTS_NOT_FOUND);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM audit WHERE action IN "
		"('item_type.add', 'item_type.save')", NULL), 2);
}

static void test_delete_in_use_says_why(void **state)
{
	struct fixture *f = *state;
	const char *why = NULL;
	add_copy(f, "D1", "dvd");
	assert_int_equal(lists_delete(&f->db, &f->arena, LIST_ITEM_TYPE, "dvd", 0, 1000, &why),
		LISTS_CONFLICT);
	assert_non_null(strstr(why, "1 copy uses this type"));
	add_copy(f, "D2", "dvd");
	assert_int_equal(db_exec(&f->db, "INSERT INTO circ_rule(category, item_type, loan_days, "
		"max_loans, max_renewals, fine_per_day_cents, grace_days, fine_cap_cents, "
		"hold_pickup_days) VALUES ('*', 'dvd', 7, 5, 3, 25, 1, 1000, 7)", NULL), SQLITE_OK);
	lists_delete(&f->db, &f->arena, LIST_ITEM_TYPE, "dvd", 0, 1000, &why);
	assert_non_null(strstr(why, "2 copies and 1 rule use this type"));
	assert_int_equal(lists_delete(&f->db, &f->arena, LIST_ITEM_TYPE, "book", 0, 1000, &why),
		LISTS_CONFLICT);
	assert_int_equal(lists_delete(&f->db, &f->arena, LIST_CATEGORY, "adult", 0, 1000, &why),
		LISTS_CONFLICT);
	assert_int_equal(lists_delete(&f->db, &f->arena, LIST_ITEM_TYPE, "magazine", 0, 1000,
		&why), LISTS_OK);
	assert_false(lists_has(&f->db, LIST_ITEM_TYPE, "magazine"));
	assert_int_equal(lists_delete(&f->db, &f->arena, LIST_ITEM_TYPE, "magazine", 0, 1000,
		&why), LISTS_NOT_FOUND);
}

static void test_schema_refuses_unknown_codes(void **state)
{
	struct fixture *f = *state;
	struct form_errors errs = { .n = 0 };
	add_copy(f, "B1", "book");
	long long id = db_int(&f->db, 0, "SELECT id FROM copy WHERE barcode = 'B1'", NULL);
	assert_int_equal(lists_copy_set_item_type(&f->db, id, "zeppelin"), LISTS_INVALID);
	assert_int_equal(lists_copy_set_item_type(&f->db, id, "dvd"), LISTS_OK);
	assert_string_equal(lists_copy_item_type(&f->db, &f->arena, id), "dvd");
	assert_int_equal(lists_copy_set_item_type(&f->db, id + 99, "dvd"), LISTS_NOT_FOUND);
	assert_int_not_equal(db_exec(&f->db, "INSERT INTO circ_rule(category, item_type, "
		"loan_days, max_loans, max_renewals, fine_per_day_cents, grace_days, fine_cap_cents, "
		"hold_pickup_days) VALUES ('martian', '*', 7, 5, 3, 25, 1, 1000, 7)", NULL), SQLITE_OK);
	assert_int_equal(lists_check_rule(&f->db, "martian", "zeppelin", &errs), -1);
	assert_int_equal(errs.n, 2);
	errs.n = 0;
	assert_int_equal(lists_check_rule(&f->db, "*", "dvd", &errs), 0);
	assert_true(lists_check_code(&f->db, LIST_CATEGORY, "", "category", &errs));
	assert_false(lists_check_code(&f->db, LIST_CATEGORY, "Adult", "category",
		&errs));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seeded_lists_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_and_save_with_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_in_use_says_why, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_refuses_unknown_codes, setup, teardown),
	};
	return cmocka_run_group_tests_name("lists", tests, NULL, NULL);
}
