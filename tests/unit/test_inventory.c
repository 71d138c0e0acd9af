/*
** test_inventory.c: unit tests of lib/inventory.c against a real SQLite
** database migrated from schema/: shelf marks in shelf order; the scope of
** a session (section, range, both; e-books on no shelf); the refusals when
** opening; scanning (duplicates once, unknown barcodes, unreadable lines,
** last-seen dates); which list a scanned copy lands in; a closed session
** frozen as it was, with its missing copies marked lost and audited.
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
#include "inventory.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
	long long staff, fiction, history;
};

static long long add_title(struct db *db, const char *title, long long section,
	const char *format)
{
	assert_int_equal(db_exec(db, "INSERT INTO title(title, section_id, format, created_at, "
		"updated_at) VALUES (?, nullif(?, 0), ?, 0, 0)", "tit", title, section, format),
		SQLITE_OK);
	return db_last_id(db);
}

static void add_copy(struct db *db, long long title_id, const char *barcode,
	const char *shelf, const char *status)
{
	assert_int_equal(db_exec(db, "INSERT INTO copy(barcode, title_id, location, status, "
		"created_at) VALUES (?, ?, ?, ?, 0)", "titt", barcode, title_id, shelf, status),
		SQLITE_OK);
}

static const char *status_of(struct db *db, struct arena *a, const char *barcode)
{
	sqlite3_stmt *st = db_query(db, "SELECT status FROM copy WHERE barcode = ?", "t", barcode);
	assert_true(db_row(db, st));
	const char *s = db_text(a, st, 0);
	db_done(st);
	return s;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	test_db_open(f->dir, &f->db, &f->arena);
	assert_int_equal(db_exec(&f->db, "INSERT INTO account(email, name, password_hash, role, "
		"created_at, updated_at) VALUES ('s@x.example', 'Stock Taker', '$argon2id$x', "
		"'librarian', 0, 0)", NULL), SQLITE_OK);
	f->staff = db_last_id(&f->db);
	assert_int_equal(db_exec(&f->db, "INSERT INTO section(name) VALUES ('Fiction')", NULL),
		SQLITE_OK);
	f->fiction = db_last_id(&f->db);
	assert_int_equal(db_exec(&f->db, "INSERT INTO section(name) VALUES ('History')", NULL),
		SQLITE_OK);
	f->history = db_last_id(&f->db);
	long long novel = add_title(&f->db, "Novel", f->fiction, "print");
	add_copy(&f->db, novel, "N1", "F 2", "available");
	add_copy(&f->db, novel, "N2", "F 10", "available");
	add_copy(&f->db, novel, "N3", "f 9 smi", "available");
	add_copy(&f->db, novel, "N4", "F 3", "withdrawn");
	add_copy(&f->db, novel, "N5", "F 4", "in-repair");
	add_copy(&f->db, novel, "N6", "F 4", "on-hold-shelf");
	long long ebook = add_title(&f->db, "E Novel", f->fiction, "ebook");
	add_copy(&f->db, ebook, "E1", "", "available");
	long long past = add_title(&f->db, "Past", f->history, "print");
	add_copy(&f->db, past, "H1", "H 1", "available");
	*state = f;
	return 0;
}

DEFINE_TEST_DB_TEARDOWN(teardown)

static int key_cmp(struct arena *a, const char *x, const char *y)
{
	return strcmp(inventory_shelf_key(a, x), inventory_shelf_key(a, y));
}

static void test_shelf_marks_sort_as_on_the_shelves(void **state)
{
	struct arena *a = &((struct fixture *)*state)->arena;
	assert_true(key_cmp(a, "A 2", "A 10") < 0);
	assert_true(key_cmp(a, "823.9", "823.10") < 0);
	assert_int_equal(key_cmp(a, "  f  9 Smi ", "F 9 SMI"), 0);
	assert_int_equal(key_cmp(a, "A 007", "a 7"), 0);
	assert_true(key_cmp(a, "B", "a 99") > 0);
	assert_string_equal(inventory_shelf_key(a, ""), "");
}

static void test_opening_needs_a_scope_that_exists(void **state)
{
	struct fixture *f = *state;
	struct form_errors e = { 0 };
	long long id = 0;
	assert_int_equal(inventory_open(&f->db, &f->arena, 100, f->staff, "", "", "", &e, &id),
		INV_INVALID);
	assert_non_null(form_error_get(&e, "section"));
	memset(&e, 0, sizeof e);
	assert_int_equal(inventory_open(&f->db, &f->arena, 100, f->staff, "9999", "", "", &e, &id),
		INV_INVALID);
	assert_non_null(form_error_get(&e, "section"));
	memset(&e, 0, sizeof e);
	assert_int_equal(inventory_open(&f->db, &f->arena, 100, f->staff, "", "F 9", "F 10", &e,
		&id), INV_OK);
	memset(&e, 0, sizeof e);
	assert_int_equal(inventory_open(&f->db, &f->arena, 100, f->staff, "", "F 10", "F 9", &e,
		&id), INV_INVALID);
	assert_non_null(form_error_get(&e, "shelf_to"));
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM inventory_session", NULL), 1);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM audit WHERE action = "
		"'inventory.open'", NULL), 1);
}

static void test_the_scope_of_a_range(void **state)
{
	struct fixture *f = *state;
	struct form_errors e = { 0 };
	long long id;
	assert_int_equal(inventory_open(&f->db, &f->arena, 100, f->staff, "", "F 2", "F 9", &e,
		&id), INV_OK);
	struct inventory_lists l;
	assert_int_equal(inventory_lists(&f->db, &f->arena, id, 10, &l), 0);
	/* F 2 and "f 9 smi" (it begins with the last mark), not F 10; the
	** withdrawn, in-repair and hold-shelf copies are not expected. */
	assert_int_equal(l.expected, 2);
	assert_int_equal(l.count[INV_MISSING], 2);
	assert_string_equal(l.line[INV_MISSING][0].barcode, "N1");
	assert_string_equal(l.line[INV_MISSING][1].barcode, "N3");
}

static void test_scans_land_in_their_lists_and_closing_freezes_them(void **state)
{
	struct fixture *f = *state;
	struct form_errors e = { 0 };
	long long id;
	char num[24];
	snprintf(num, sizeof num, "%lld", f->fiction);
	assert_int_equal(inventory_open(&f->db, &f->arena, 100, f->staff, num, "", "", &e, &id),
		INV_OK);
	struct inventory_scan_result r;
	assert_int_equal(inventory_scan(&f->db, &f->arena, 200, f->staff, id,
		"N1\r\nN1\nH1 N4\tN5\nN6\nZZZ\n\001bad\n", &r), INV_OK);
	assert_int_equal(r.added, 6);
	assert_int_equal(r.repeated, 1);
	assert_int_equal(r.unknown, 1);
	assert_int_equal(r.unreadable, 1);
	assert_int_equal(db_int(&f->db, 0, "SELECT last_seen_at FROM copy WHERE barcode = 'N1'",
		NULL), 200);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM copy WHERE barcode = 'N2' "
		"AND last_seen_at IS NULL", NULL), 1);
	struct inventory_lists l;
	assert_int_equal(inventory_lists(&f->db, &f->arena, id, -1, &l), 0);
	assert_int_equal(l.expected, 3);               /* N1, N2, N3; not the e-book */
	assert_int_equal(l.count[INV_SEEN], 2);        /* N1, and N5 being repaired */
	assert_int_equal(l.count[INV_MISSING], 2);     /* N2, N3 */
	assert_int_equal(l.count[INV_MISPLACED], 2);   /* H1 (History), N6 (hold shelf) */
	assert_int_equal(l.count[INV_FOUND], 1);       /* N4 */
	assert_int_equal(l.count[INV_UNKNOWN], 1);
	assert_int_equal(l.count[INV_ON_LOAN], 0);

	long marked;
	assert_int_equal(inventory_close(&f->db, &f->arena, 300, f->staff, id, true, &marked),
		INV_OK);
	assert_int_equal(marked, 2);
	assert_string_equal(status_of(&f->db, &f->arena, "N2"), "lost");
	assert_string_equal(status_of(&f->db, &f->arena, "N3"), "lost");
	assert_string_equal(status_of(&f->db, &f->arena, "N1"), "available");
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM audit WHERE action = "
		"'inventory.mark-lost'", NULL), 2);
	/* Frozen: the missing stay missing though no longer available. */
	assert_int_equal(inventory_lists(&f->db, &f->arena, id, 10, &l), 0);
	assert_int_equal(l.count[INV_MISSING], 2);
	assert_int_equal(l.count[INV_SEEN], 2);
	assert_int_equal(l.expected, 3);
	assert_int_equal(inventory_scan(&f->db, &f->arena, 400, f->staff, id, "N2", &r),
		INV_CLOSED);
	assert_int_equal(inventory_close(&f->db, &f->arena, 400, f->staff, id, true, &marked),
		INV_CLOSED);
	const char *why;
	assert_int_equal(inventory_mark_found(&f->db, &f->arena, 400, id, 1, &why), INV_CLOSED);
	struct inventory_session s;
	assert_int_equal(inventory_get(&f->db, &f->arena, id, true, &s), 0);
	assert_true(s.closed);
	assert_int_equal(s.marked_lost, 2);
	assert_string_equal(s.closed_by, "Stock Taker");
}

static void test_a_found_copy_is_marked_available_once(void **state)
{
	struct fixture *f = *state;
	struct form_errors e = { 0 };
	long long id;
	char num[24];
	snprintf(num, sizeof num, "%lld", f->fiction);
	assert_int_equal(inventory_open(&f->db, &f->arena, 100, f->staff, num, "", "", &e, &id),
		INV_OK);
	struct inventory_scan_result r;
	assert_int_equal(inventory_scan(&f->db, &f->arena, 200, f->staff, id, "N4 N1", &r), INV_OK);
	long long n4 = db_int(&f->db, 0, "SELECT id FROM copy WHERE barcode = 'N4'", NULL);
	long long n1 = db_int(&f->db, 0, "SELECT id FROM copy WHERE barcode = 'N1'", NULL);
	const char *why;
	assert_int_equal(inventory_mark_found(&f->db, &f->arena, 300, id, n1, &why), INV_INVALID);
	assert_int_equal(inventory_mark_found(&f->db, &f->arena, 300, id, n4, &why), INV_OK);
	assert_string_equal(status_of(&f->db, &f->arena, "N4"), "available");
	assert_int_equal(inventory_mark_found(&f->db, &f->arena, 300, id, n4, &why), INV_INVALID);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM audit WHERE action = "
		"'inventory.found'", NULL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shelf_marks_sort_as_on_the_shelves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opening_needs_a_scope_that_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_scope_of_a_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scans_land_in_their_lists_and_closing_freezes_them,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_found_copy_is_marked_available_once, setup,
			teardown),
	};
	return cmocka_run_group_tests_name("inventory", tests, NULL, NULL);
}
