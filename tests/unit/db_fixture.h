/*
** db_fixture.h: a fresh database for a unit test. test_db_open makes a
** private folder under $TMPDIR (or the system's temporary folder), opens a
** database in it migrated from schema/ (tests run from the top of the
** repository) and an arena; test_db_close closes both and removes the
** folder with everything in it; DEFINE_TEST_DB_TEARDOWN makes the
** teardown of a fixture that holds them. Header-only: each unit test program
** includes it once. Include cmocka.h before it.
*/
#ifndef CARREL_TEST_DB_FIXTURE_H
#define CARREL_TEST_DB_FIXTURE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "arena.h"
#include "db.h"

#define TEST_DIR_MAX 256

static void test_db_open(char dir[TEST_DIR_MAX], struct db *db, struct arena *arena)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = P_tmpdir;
	snprintf(dir, TEST_DIR_MAX, "%s/carrel-unit-XXXXXX", tmp);
	assert_non_null(mkdtemp(dir));
	char path[TEST_DIR_MAX + 16], err[256];
	snprintf(path, sizeof path, "%s/test.db", dir);
	assert_int_equal(db_open(db, path, err, sizeof err), 0);
	assert_true(db_migrate(db, "schema", NULL, err, sizeof err) > 0);
	arena_init(arena, 0);
}

static void test_db_close(const char *dir, struct db *db, struct arena *arena)
{
	db_close(db);
	arena_free(arena);
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[TEST_DIR_MAX + 260];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		assert_int_equal(unlink(path), 0);
	}
	closedir(d);
	assert_int_equal(rmdir(dir), 0);
}

/* Defines `static int name(void **state)`, the cmocka setup of a test's
** struct fixture (holding dir, db and arena): a fresh migrated database
** and nothing else in it. */
#define DEFINE_TEST_DB_SETUP(name) \
	static int name(void **state) \
	{ \
		struct fixture *f = calloc(1, sizeof *f); \
		test_db_open(f->dir, &f->db, &f->arena); \
		*state = f; \
		return 0; \
	}

/* Defines `static int name(void **state)`, the cmocka teardown of a
** test's struct fixture: made by calloc, holding the dir, db and arena
** that test_db_open filled; closes them and frees it. */
#define DEFINE_TEST_DB_TEARDOWN(name) \
	static int name(void **state) \
	{ \
		struct fixture *f = *state; \
		test_db_close(f->dir, &f->db, &f->arena); \
		free(f); \
		return 0; \
	}

#endif
