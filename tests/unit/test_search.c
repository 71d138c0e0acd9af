/*
** test_search.c: the catalogue search on a small real database: hostile
** search text never reaches FTS5 as syntax, prefixes, ranking tiers,
** filters through the index's facet tokens, and the candidate cap.
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

#include "catalogue.h"
#include "db.h"
#include "db_fixture.h"
#include "search.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
};

static long long add_title(struct db *db, const char *title, const char *author,
	const char *genre, long long section, const char *format, int year, int popularity)
{
	assert_int_equal(db_exec(db, "INSERT INTO title(title, genre, section_id, format, "
		"pub_year, popularity, created_at, updated_at) "
		"VALUES (?, ?, nullif(?, 0), ?, ?, ?, 0, 0)", "ttitii", title, genre, section,
		format, (long long)year, (long long)popularity), SQLITE_OK);
	long long id = db_last_id(db);
	db_exec(db, "INSERT OR IGNORE INTO author(name) VALUES (?)", "t", author);
	assert_int_equal(db_exec(db, "INSERT INTO title_author(title_id, author_id, position) "
		"VALUES (?, (SELECT id FROM author WHERE name = ?), 1)", "it", id, author), SQLITE_OK);
	return id;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	test_db_open(f->dir, &f->db, &f->arena);
	db_exec(&f->db, "INSERT INTO section(id, name) VALUES (1, 'History'), (2, 'Fiction')", NULL);
	add_title(&f->db, "The Hobbit", "J. R. R. Tolkien", "Fantasy", 2, "print", 1937, 50);
	add_title(&f->db, "A History of Middle-earth", "Christopher Tolkien", "History", 1, "print", 1983, 3);
	add_title(&f->db, "Sorcery", "Ann Other", "Fantasy", 2, "ebook", 2001, 0);
	add_title(&f->db, "Gardens of the Moon", "Steven Erikson", "Fantasy", 2, "print", 1999, 40);
	db_exec(&f->db, "UPDATE title SET description = 'Sorcery and war.' WHERE title = "
		"'Gardens of the Moon'", NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	test_db_close(f->dir, &f->db, &f->arena);
	free(f);
	return 0;
}

static int run(struct fixture *f, const char *text, struct search_result *r)
{
	struct search_query q;
	memset(&q, 0, sizeof q);
	q.q = text;
	q.genre = q.author = q.format = "";
	q.page = 1;
	q.per_page = 20;
	return search_run(&f->db, &f->arena, &q, r);
}

static void test_hostile_text_is_never_syntax(void **state)
{
	struct fixture *f = *state;
	static const char *const inputs[] = {
		"\"(*", "-", "*", "()", "\"", "hobbit AND", "NEAR(a b)", "^x", "a:b",
		"{title}: x", "hobbit -", "' OR 1=1 --", "\\", "«»", "a\"b\"c", "(((((",
		"AND OR NOT", "title:hobbit", "*hobbit*",
	};
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		struct search_result r;
		assert_int_equal(run(f, inputs[i], &r), 0);
	}
	struct search_result r;
	assert_int_equal(run(f, "\"(*", &r), 0);
	assert_false(r.searched);
}

static void test_prefix_and_whole_words(void **state)
{
	struct fixture *f = *state;
	struct search_result r;
	assert_int_equal(run(f, "hobb", &r), 0);
	assert_int_equal(r.total, 1);
	assert_string_equal(r.hits[0].title, "The Hobbit");
	/* Longer than the prefix index: tried whole first, then as a prefix. */
	assert_int_equal(run(f, "middle-ear", &r), 0);
	assert_int_equal(r.total, 1);
	assert_int_equal(run(f, "tolkie", &r), 0);
	assert_int_equal(r.total, 2);
	/* Only the last word is a prefix. */
	assert_int_equal(run(f, "hob tolkien", &r), 0);
	assert_int_equal(r.total, 0);
}

static void test_title_matches_rank_first(void **state)
{
	struct fixture *f = *state;
	struct search_result r;
	assert_int_equal(run(f, "sorcery", &r), 0);
	assert_int_equal(r.total, 2);
	/* Less popular, but the word is its title. */
	assert_string_equal(r.hits[0].title, "Sorcery");
	assert_int_equal(run(f, "tolkien", &r), 0);
	/* Both match by author: the more popular first. */
	assert_string_equal(r.hits[0].title, "The Hobbit");
}

static void test_filters_use_the_index(void **state)
{
	struct fixture *f = *state;
	struct search_query q;
	memset(&q, 0, sizeof q);
	q.q = "";
	q.author = q.format = "";
	q.genre = "fantasy";    /* genre matching ignores ASCII case */
	q.page = 1;
	q.per_page = 20;
	struct search_result r;
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_int_equal(r.total, 3);
	q.format = "ebook";
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_int_equal(r.total, 1);
	assert_string_equal(r.hits[0].title, "Sorcery");
	q.format = "";
	q.genre = "";
	q.section_id = 1;
	q.q = "tolkien";
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_int_equal(r.total, 1);
	assert_string_equal(r.hits[0].title, "A History of Middle-earth");
	/* Moving a title to another section moves it in the index too. */
	db_exec(&f->db, "UPDATE title SET section_id = 1 WHERE title = 'The Hobbit'", NULL);
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_int_equal(r.total, 2);
	assert_int_equal(db_int(&f->db, 0, "SELECT title_count FROM section WHERE id = 1", NULL), 2);
	q.q = "";
	q.section_id = 0;
	q.year_from = 1990;
	q.year_to = 2005;
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_int_equal(r.total, 2);
}

static void test_candidates_are_capped(void **state)
{
	struct fixture *f = *state;
	db_begin(&f->db);
	for (int i = 0; i < SEARCH_CANDIDATES + 50; i++) {
		char title[64];
		snprintf(title, sizeof title, "Common Word Volume %d", i);
		add_title(&f->db, title, "Prolific Writer", "Serial", 0, "print", 2000, i % 7);
	}
	db_commit(&f->db);
	struct search_result r;
	assert_int_equal(run(f, "common word", &r), 0);
	assert_int_equal(r.total, SEARCH_CANDIDATES);
	assert_true(r.more);
	assert_int_equal(r.n, 20);
}

static void test_isbn_typed_with_hyphens(void **state)
{
	struct fixture *f = *state;
	db_exec(&f->db, "UPDATE title SET isbn13 = '9780261102217' WHERE title = 'The Hobbit'", NULL);
	struct search_result r;
	assert_int_equal(run(f, "0-261-10221-4", &r), 0);
	assert_true(r.by_isbn);
	assert_string_equal(r.hits[0].title, "The Hobbit");
}

static void test_bulk_load_defers_the_index(void **state)
{
	struct fixture *f = *state;
	struct search_result r;
	assert_int_equal(db_begin(&f->db), 0);
	assert_int_equal(catalogue_bulk_begin(&f->db), 0);
	add_title(&f->db, "Quagga Almanac", "Bulk Writer", "Nature", 1, "print", 2020, 0);
	add_title(&f->db, "Quagga Gazetteer", "Bulk Writer", "Nature", 1, "print", 2021, 0);
	assert_int_equal(run(f, "quagga", &r), 0);
	assert_int_equal(r.total, 0);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM search_pending", NULL), 2);
	assert_int_equal(catalogue_bulk_end(&f->db), 0);
	assert_int_equal(db_commit(&f->db), 0);
	assert_int_equal(run(f, "quagga", &r), 0);
	assert_int_equal(r.total, 2);
	assert_int_equal(run(f, "bulk writer", &r), 0);
	assert_int_equal(r.total, 2);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM search_pending", NULL), 0);
	/* Outside a bulk load, changes reach the index at once. */
	db_exec(&f->db, "UPDATE title SET title = 'Okapi Almanac' WHERE title = 'Quagga Almanac'", NULL);
	assert_int_equal(run(f, "okapi", &r), 0);
	assert_int_equal(r.total, 1);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hostile_text_is_never_syntax, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix_and_whole_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_title_matches_rank_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters_use_the_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_candidates_are_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_isbn_typed_with_hyphens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_load_defers_the_index, setup, teardown),
	};
	return cmocka_run_group_tests_name("search", tests, NULL, NULL);
}
