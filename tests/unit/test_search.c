/*
** test_search.c: the catalogue search on a small real database: hostile
** search text never reaches FTS5 as syntax, words cut as the index cuts
** them, prefixes, ranking tiers, filters (years too) through the index's
** facet tokens, the candidate cap and the window.
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

DEFINE_TEST_DB_TEARDOWN(teardown)

/* A search for text, no filters, the first page of 20. */
static struct search_query query_for(const char *text)
{
	struct search_query q;
	memset(&q, 0, sizeof q);
	q.q = text;
	q.genre = q.author = q.format = "";
	q.page = 1;
	q.per_page = 20;
	return q;
}

static int run(struct fixture *f, const char *text, struct search_result *r)
{
	struct search_query q = query_for(text);
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
	struct search_query q = query_for("");
	q.genre = "fantasy";    /* genre matching ignores ASCII case */
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

/* Titles found by a year range q.year_from..q.year_to (0: open). */
static long years(struct fixture *f, int from, int to)
{
	struct search_query q = query_for("");
	q.year_from = from;
	q.year_to = to;
	struct search_result r;
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	return r.total;
}

static void test_year_ranges_are_index_tokens(void **state)
{
	struct fixture *f = *state;
	/* 1937, 1983, 1999, 2001 */
	assert_int_equal(years(f, 1990, 0), 2);
	assert_int_equal(years(f, 0, 1990), 2);
	assert_int_equal(years(f, 1937, 1937), 1);
	assert_int_equal(years(f, 1938, 1982), 0);
	assert_int_equal(years(f, 1983, 1999), 2);
	assert_int_equal(years(f, 1900, 2100), 4);
	assert_int_equal(years(f, 2002, 0), 0);
	assert_int_equal(years(f, 1, 9999), 4);
	/* Ranges that cross decade, century and millennium edges, checked
	** against the years themselves. */
	db_begin(&f->db);
	for (int y = 1890; y <= 2030; y += 7) {
		char title[32];
		snprintf(title, sizeof title, "Year %d", y);
		add_title(&f->db, title, "Annalist", "Annals", 0, "print", y, 0);
	}
	db_commit(&f->db);
	static const int ranges[][2] = {
		{ 1895, 1905 }, { 1899, 2001 }, { 1990, 2009 }, { 1900, 1999 },
		{ 1901, 1998 }, { 2000, 0 }, { 0, 1899 }, { 1953, 1953 }, { 1954, 2031 },
	};
	for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
		long want = db_int(&f->db, -1, "SELECT count(*) FROM title WHERE pub_year > 0 "
			"AND (?1 = 0 OR pub_year >= ?1) AND (?2 = 0 OR pub_year <= ?2)", "ii",
			(long long)ranges[i][0], (long long)ranges[i][1]);
		assert_int_equal(years(f, ranges[i][0], ranges[i][1]), want);
	}
	/* Changing a year moves the title in the index. */
	db_exec(&f->db, "UPDATE title SET pub_year = 1850 WHERE title = 'The Hobbit'", NULL);
	assert_int_equal(years(f, 1850, 1850), 1);
}

static void test_words_are_cut_as_the_index_cuts_them(void **state)
{
	struct fixture *f = *state;
	add_title(&f->db, "Tolkien’s World — A Café Guide", "Zoë Ämter", "Essays", 0, "print", 2010, 0);
	struct search_result r;
	/* A typographic apostrophe or dash separates words, as in the index. */
	assert_int_equal(run(f, "Tolkien’s World", &r), 0);
	assert_int_equal(r.total, 1);
	assert_int_equal(run(f, "world—café", &r), 0);
	assert_int_equal(r.total, 1);
	/* Accents and case are folded both ways. */
	assert_int_equal(run(f, "cafe ZOE amter", &r), 0);
	assert_int_equal(r.total, 1);
	assert_int_equal(run(f, "Ämt", &r), 0);
	assert_int_equal(r.total, 1);
}

static void test_long_last_word_found_as_a_prefix(void **state)
{
	struct fixture *f = *state;
	struct search_result r;
	/* "erikso" is no word: found as the start of one, checked in full. */
	assert_int_equal(run(f, "gardens erikso", &r), 0);
	assert_int_equal(r.total, 1);
	/* The first five letters match "Erikson", the rest does not. */
	assert_int_equal(run(f, "gardens eriksx", &r), 0);
	assert_int_equal(r.total, 0);
}

/* Words the indexes hold in many titles (as catalogue_common_terms would
** list them in a big catalogue). */
static void make_common(struct fixture *f, int fts, const char *term)
{
	assert_int_equal(db_exec(&f->db, "INSERT OR REPLACE INTO search_common(fts, term, docs) "
		"VALUES (?, ?, 50000)", "it", (long long)fts, term), SQLITE_OK);
}

/* A search whose words are all common reads the first q.window titles in
** search order, says so when more may match, and reads every title when
** asked; any rarer word keeps the whole catalogue in reach. */
static void test_window_bounds_searches_of_common_words(void **state)
{
	struct fixture *f = *state;
	db_begin(&f->db);
	for (int i = 0; i < 30; i++) {
		char title[32];
		snprintf(title, sizeof title, "Filler %d", i);
		add_title(&f->db, title, "Someone", "Misc", 0, "print", 2000, 9);
	}
	db_commit(&f->db);
	assert_int_equal(catalogue_search_window(&f->db, 5), 0);
	/* "war" is only in the description of Gardens of the Moon (popularity
	** 40, so early in search order); "sorcery" also in the title of
	** Sorcery (popularity 0, so last). */
	struct search_query q = query_for("war sorcery");
	q.window = 5;
	struct search_result r;
	/* Nothing is common: every title is read. */
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_int_equal(r.total, 1);
	assert_false(r.windowed);
	for (int fts = 0; fts < 2; fts++) {
		make_common(f, fts, "war");
		make_common(f, fts, "sorcery");
	}
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_int_equal(r.total, 1);
	/* Found inside the window; fewer than the cap, so more may lie beyond. */
	assert_true(r.windowed);
	assert_true(r.windowed_titles);
	db_exec(&f->db, "UPDATE title SET description = 'Sorcery and war.' WHERE title = "
		"'Sorcery'", NULL);
	db_exec(&f->db, "UPDATE title SET description = '' WHERE title = 'Gardens of the Moon'", NULL);
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_int_equal(r.total, 0);
	assert_true(r.windowed);
	q.deep = true;
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_int_equal(r.total, 1);
	assert_false(r.windowed);
	assert_string_equal(r.hits[0].title, "Sorcery");
	/* A word that is not common in the full index keeps its pass whole. */
	q.deep = false;
	db_exec(&f->db, "DELETE FROM search_common WHERE fts = 1 AND term = 'sorcery'", NULL);
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_int_equal(r.total, 1);
	assert_true(r.windowed_titles);   /* the title pass is still bounded */
	/* One word is never bounded: its own postings stop the walk. */
	q.q = "war";
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_int_equal(r.total, 1);
	assert_false(r.windowed);
	/* A common word and a filter token that is not common: whole. */
	q.q = "sorcery";
	q.format = "ebook";
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_int_equal(r.total, 1);
	assert_false(r.windowed);
	/* The window's index follows the catalogue between refreshes: a title
	** new to it (much borrowed already, so first in search order) is found
	** there, and one deleted leaves it. */
	make_common(f, 1, "sorcery");
	q.q = "war sorcery";
	q.format = "";
	long long id = add_title(&f->db, "Sorcery at War", "Ann Other", "Fantasy", 2, "print",
		2020, 100);
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_int_equal(r.total, 1);
	assert_true(r.windowed);
	assert_string_equal(r.hits[0].title, "Sorcery at War");
	assert_int_equal(db_exec(&f->db, "DELETE FROM title WHERE id = ?", "i", id), SQLITE_OK);
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_int_equal(r.total, 0);
	/* No window at all: everything is read. */
	assert_int_equal(catalogue_search_window(&f->db, 0), 0);
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_int_equal(r.total, 1);
	assert_false(r.windowed);
	/* A window larger than the catalogue is none. */
	assert_int_equal(catalogue_search_window(&f->db, 1000), 0);
	assert_int_equal(db_int(&f->db, -1, "SELECT bound FROM search_window", NULL), 0);
}

static void test_common_terms_are_listed_from_the_indexes(void **state)
{
	struct fixture *f = *state;
	make_common(f, 0, "nonesuch");
	assert_int_equal(catalogue_common_terms(&f->db), 0);
	/* No term of this small catalogue is in SEARCH_COMMON_DOCS titles. */
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM search_common", NULL), 0);
	assert_true(db_int(&f->db, 0, "SELECT CAST(value AS INTEGER) FROM setting "
		"WHERE key = 'search.common_at'", NULL) > 0);
	/* The vocabulary it reads is the indexes' own. */
	assert_int_equal(db_int(&f->db, 0, "SELECT doc FROM title_terms WHERE term = 'tolkien'",
		NULL), 2);
	assert_int_equal(db_int(&f->db, 0, "SELECT doc FROM text_terms WHERE term = 'war'",
		NULL), 1);
}

/* A hit's counts of copies, kept by triggers, against the copies themselves
** through every change of status, a move to another title and a delete. */
/* Filter tokens far commoner than a search's words are checked row by
** row in title_stat instead of through the index (lib/search.c,
** checked_filters); either way the same titles are found, in the same
** order. */
static int filtered_titles(struct fixture *f, const char *text, long long section,
	const char *format, const char *genre, int from, int to, struct search_result *r)
{
	struct search_query q = query_for(text);
	q.section_id = section;
	q.format = format;
	q.genre = genre;
	q.year_from = from;
	q.year_to = to;
	q.per_page = 100;
	assert_int_equal(search_run(&f->db, &f->arena, &q, r), 0);
	return (int)r->total;
}

static void test_common_filters_are_checked_row_by_row(void **state)
{
	struct fixture *f = *state;
	db_begin(&f->db);
	for (int i = 0; i < 48; i++) {
		char title[48];
		snprintf(title, sizeof title, "Lantern %s%d", i % 3 ? "" : "quill ", i);
		add_title(&f->db, title, "Lampwright", i % 4 ? "Fantasy" : "History", 1 + i % 2,
			i % 5 ? "print" : "ebook", 1950 + i, i % 7);
	}
	db_commit(&f->db);
	static const struct {
		const char *text;
		long long section;
		const char *format, *genre;
		int from, to;
	} searches[] = {
		{ "lantern", 1, "", "", 0, 0 },
		{ "quill", 2, "", "", 0, 0 },
		{ "lantern quill", 0, "ebook", "", 0, 0 },
		{ "quill", 0, "", "FANTASY", 0, 0 },
		{ "lantern", 0, "", "", 1960, 1975 },
		{ "quill", 1, "print", "history", 1955, 0 },
		{ "lant", 2, "", "Fantasy", 0, 1980 },
	};
	enum { N = sizeof searches / sizeof searches[0] };
	long long through_index[N][100];
	int found[N];
	for (int i = 0; i < N; i++) {
		struct search_result r;
		found[i] = filtered_titles(f, searches[i].text, searches[i].section,
			searches[i].format, searches[i].genre, searches[i].from, searches[i].to, &r);
		/* Against the table itself. */
		long want = db_int(&f->db, -1, "SELECT count(*) FROM title WHERE title LIKE ?1 "
			"AND (?2 = 0 OR section_id = ?2) AND (?3 = '' OR format = ?3) "
			"AND (?4 = '' OR genre = ?4 COLLATE NOCASE) AND (?5 = 0 OR pub_year >= ?5) "
			"AND (?6 = 0 OR pub_year <= ?6)", "tittii",
			strstr(searches[i].text, "quill") ? "%quill%" : "lant%", searches[i].section,
			searches[i].format, searches[i].genre, (long long)searches[i].from,
			(long long)searches[i].to);
		assert_true(want > 0);
		assert_int_equal(found[i], want);
		for (int h = 0; h < r.n; h++)
			through_index[i][h] = r.hits[h].id;
	}
	/* Every filter token now far commoner than the words. */
	for (int fts = 0; fts < 2; fts++) {
		assert_int_equal(db_exec(&f->db, "INSERT OR REPLACE INTO search_common(fts, term, docs) "
			"SELECT ?, term, 1000000 FROM title_terms WHERE term GLOB 'sec*' "
			"OR term GLOB 'fmt*' OR term GLOB 'g[0-9a-f]*' OR term GLOB '[ydcm][0-9]*'",
			"i", (long long)fts), SQLITE_OK);
		make_common(f, fts, "lantern");
		make_common(f, fts, "quill");
	}
	for (int i = 0; i < N; i++) {
		struct search_result r;
		assert_int_equal(filtered_titles(f, searches[i].text, searches[i].section,
			searches[i].format, searches[i].genre, searches[i].from, searches[i].to, &r),
			found[i]);
		for (int h = 0; h < r.n; h++)
			assert_int_equal(r.hits[h].id, through_index[i][h]);
	}
	/* The check reads title_stat, not the index: a title whose row there
	** says another section drops out of a section search... */
	long long first = through_index[0][0];
	db_exec(&f->db, "UPDATE title_stat SET section_id = 9 WHERE title_id = ?", "i", first);
	struct search_result r;
	assert_int_equal(filtered_titles(f, "lantern", 1, "", "", 0, 0, &r), found[0] - 1);
	/* ...but not from a search with no words, where the index drives. */
	int by_section = filtered_titles(f, "", 1, "", "", 0, 0, &r);
	assert_int_equal(by_section, db_int(&f->db, -1, "SELECT count(*) FROM title "
		"WHERE section_id = 1", NULL));
	/* And title_stat follows the title. */
	db_exec(&f->db, "UPDATE title SET section_id = 2, format = 'ebook', genre = 'Poetry', "
		"pub_year = 2020 WHERE id = ?", "i", first);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM title_stat WHERE title_id = ? "
		"AND section_id = 2 AND format = 'ebook' AND genre = 'poetry' AND pub_year = 2020",
		"i", first), 1);
	assert_int_equal(filtered_titles(f, "lantern", 2, "ebook", "POETRY", 2020, 2020, &r), 1);
	assert_int_equal(r.hits[0].id, first);
}

/* The window is made a few thousand titles at a time, each step a
** transaction of its own; in the end it holds exactly the documents below
** its bound, and a windowed search finds what lies in it. */
static void test_window_is_made_in_steps(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(catalogue_bulk_begin(&f->db), 0);
	db_begin(&f->db);
	for (int i = 0; i < 5200; i++) {
		char title[48];
		snprintf(title, sizeof title, "Atlas %s%d", i % 50 ? "" : "of rivers ", i);
		add_title(&f->db, title, "Cartographer", "Maps", 0, "print", 1900 + i % 100, 0);
	}
	assert_int_equal(catalogue_bulk_end(&f->db), 0);
	db_commit(&f->db);
	assert_int_equal(catalogue_search_window(&f->db, 5100), 0);
	long long bound = db_int(&f->db, 0, "SELECT bound FROM search_window", NULL);
	assert_int_equal(bound, db_int(&f->db, 0, "SELECT key FROM title_doc ORDER BY key "
		"LIMIT 1 OFFSET 5100", NULL));
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM title_window_fts_docsize", NULL),
		5100);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM text_window_fts_docsize", NULL),
		5100);
	assert_int_equal(db_exec(&f->db, "INSERT INTO text_window_fts(text_window_fts, rank) "
		"VALUES ('integrity-check', 0)", NULL), SQLITE_OK);
	/* "atlas rivers", both common: only the window is read. The newest
	** titles come first, so the oldest "of rivers" ones lie beyond it. */
	for (int fts = 0; fts < 2; fts++) {
		make_common(f, fts, "atlas");
		make_common(f, fts, "rivers");
	}
	struct search_query q = query_for("atlas rivers");
	q.window = 1;
	struct search_result r;
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_true(r.windowed);
	assert_int_equal(r.window, 5100);
	long long in_window = db_int(&f->db, -1, "SELECT count(*) FROM title_doc "
		"WHERE key < ? AND title LIKE 'Atlas of rivers%'", "i", bound);
	assert_true(in_window > 90 && in_window < 104);   /* 104 in all */
	assert_int_equal(r.total, in_window);
	q.deep = true;
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_false(r.windowed);
	assert_int_equal(r.total, 104);
}

static void test_hits_count_copies(void **state)
{
	struct fixture *f = *state;
	static const char *const statuses[] = { "available", "on-loan", "lost", "available",
		"withdrawn", "damaged" };
	long long hobbit = db_int(&f->db, 0, "SELECT id FROM title WHERE title = 'The Hobbit'", NULL);
	long long moon = db_int(&f->db, 0, "SELECT id FROM title WHERE title = 'Gardens of the Moon'",
		NULL);
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		assert_int_equal(db_exec(&f->db, "INSERT INTO copy(barcode, title_id, status, created_at) "
			"VALUES ('C' || ?, ?, ?, 0)", "iit", (long long)i, hobbit, statuses[i]), SQLITE_OK);
	static const char *const changes[] = {
		"",
		"UPDATE copy SET status = 'on-loan' WHERE barcode = 'C0'",
		"UPDATE copy SET status = 'available' WHERE barcode = 'C2'",
		"UPDATE copy SET status = 'withdrawn' WHERE barcode = 'C3'",
		"UPDATE copy SET title_id = (SELECT id FROM title WHERE title = 'Gardens of the Moon') "
		"  WHERE barcode = 'C1'",
		"DELETE FROM copy WHERE barcode = 'C2'",
	};
	for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
		if (*changes[i])
			assert_int_equal(db_exec(&f->db, changes[i], NULL), SQLITE_OK);
		long long ids[2] = { hobbit, moon };
		const char *words[2] = { "hobbit", "gardens moon" };
		for (int t = 0; t < 2; t++) {
			struct search_result r;
			assert_int_equal(run(f, words[t], &r), 0);
			assert_int_equal(r.n, 1);
			assert_int_equal(r.hits[0].copies, db_int(&f->db, -1, "SELECT count(*) FROM copy "
				"WHERE title_id = ? AND status NOT IN ('withdrawn', 'lost')", "i", ids[t]));
			assert_int_equal(r.hits[0].available, db_int(&f->db, -1, "SELECT count(*) FROM copy "
				"WHERE title_id = ? AND status = 'available'", "i", ids[t]));
		}
	}
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
		cmocka_unit_test_setup_teardown(test_year_ranges_are_index_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_words_are_cut_as_the_index_cuts_them, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_last_word_found_as_a_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_bounds_searches_of_common_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_common_terms_are_listed_from_the_indexes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_common_filters_are_checked_row_by_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_is_made_in_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hits_count_copies, setup, teardown),
	};
	return cmocka_run_group_tests_name("search", tests, NULL, NULL);
}
