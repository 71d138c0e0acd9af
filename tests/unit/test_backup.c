/*
** test_backup.c: a backup restores to the same library; a truncated,
** altered, foreign or too new backup is refused and changes nothing; the
** backups folder's names and the rotation.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <ftw.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>

#include "backup.h"
#include "calendar.h"
#include "db_fixture.h"

#define COVER "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.jpg"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
	char work[TEST_DIR_MAX + 8];     /* uploads, archives, restores */
	char uploads[TEST_DIR_MAX + 32];
	char archive[TEST_DIR_MAX + 32];
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	test_db_open(f->dir, &f->db, &f->arena);
	snprintf(f->work, sizeof f->work, "%s-work", f->dir);
	assert_int_equal(mkdir(f->work, 0700), 0);
	snprintf(f->uploads, sizeof f->uploads, "%s/uploads", f->work);
	char path[TEST_DIR_MAX + 200];
	assert_int_equal(mkdir(f->uploads, 0700), 0);
	snprintf(path, sizeof path, "%s/covers", f->uploads);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/covers/" COVER, f->uploads);
	write_file(path, "a cover's bytes");
	snprintf(path, sizeof path, "%s/exports", f->uploads);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/exports/members.csv", f->uploads);
	write_file(path, "not part of a backup");
	assert_int_equal(db_exec(&f->db, "INSERT INTO title(title, format, created_at, updated_at) "
		"VALUES ('Kept in the backup', 'print', 0, 0)", NULL), SQLITE_OK);
	snprintf(f->archive, sizeof f->archive, "%s/b.tar.gz", f->work);
	*state = f;
	return 0;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	nftw(f->work, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	test_db_close(f->dir, &f->db, &f->arena);
	free(f);
	return 0;
}

static void make_backup(struct fixture *f)
{
	struct backup_summary s;
	char err[512] = "";
	assert_int_equal(backup_make(&f->db, f->uploads, f->archive, 1000, 0, "test", &s, err,
		sizeof err), 0);
	assert_int_equal(s.files, 1);
	assert_true(s.db_bytes > 0);
}

/* Restore the archive at path into work/<name>/ (db and uploads). */
static enum backup_outcome restore_into(struct fixture *f, const char *path, const char *name,
	bool force, char *err, size_t errlen)
{
	char db[TEST_DIR_MAX + 64], uploads[TEST_DIR_MAX + 64];
	snprintf(db, sizeof db, "%s/%s/db/carrel.db", f->work, name);
	snprintf(uploads, sizeof uploads, "%s/%s/uploads", f->work, name);
	struct backup_target t = { db, uploads, "schema", force };
	struct backup_summary s;
	return backup_restore(path, &t, 2000, &s, err, errlen);
}

static bool exists(struct fixture *f, const char *rel)
{
	char path[TEST_DIR_MAX + 200];
	struct stat sb;
	snprintf(path, sizeof path, "%s/%s", f->work, rel);
	return stat(path, &sb) == 0;
}

static void round_trip(void **state)
{
	struct fixture *f = *state;
	make_backup(f);
	char err[512] = "";
	assert_int_equal(restore_into(f, f->archive, "new", false, err, sizeof err), BACKUP_DONE);
	assert_true(exists(f, "new/uploads/covers/" COVER));
	assert_false(exists(f, "new/uploads/exports"));
	char path[TEST_DIR_MAX + 64];
	snprintf(path, sizeof path, "%s/new/db/carrel.db", f->work);
	struct db r;
	assert_int_equal(db_open(&r, path, err, sizeof err), 0);
	assert_int_equal(db_int(&r, 0, "SELECT count(*) FROM title WHERE title = "
		"'Kept in the backup'", NULL), 1);
	assert_int_equal(db_int(&r, 0, "SELECT count(*) FROM audit WHERE action = "
		"'backup.restore'", NULL), 1);
	db_close(&r);
	/* The live library recorded the backup. */
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM audit WHERE action = "
		"'backup.make' AND object = 'backup:b.tar.gz'", NULL), 1);

	/* Over it again: only with force. */
	assert_int_equal(restore_into(f, f->archive, "new", false, err, sizeof err),
		BACKUP_REFUSED);
	assert_non_null(strstr(err, "--force"));
	assert_int_equal(restore_into(f, f->archive, "new", true, err, sizeof err), BACKUP_DONE);
}

/* Copy the archive to work/name, changing it on the way: each entry goes
** through change (which may drop it by returning false). */
typedef bool (*entry_change)(const char *name, char *data, size_t *len);

static void rewrite(struct fixture *f, const char *name, entry_change change, char *out,
	size_t outlen)
{
	snprintf(out, outlen, "%s/%s", f->work, name);
	struct archive *in = archive_read_new(), *w = archive_write_new();
	archive_read_support_filter_gzip(in);
	archive_read_support_format_tar(in);
	assert_int_equal(archive_read_open_filename(in, f->archive, 65536), ARCHIVE_OK);
	archive_write_add_filter_gzip(w);
	archive_write_set_format_pax_restricted(w);
	assert_int_equal(archive_write_open_filename(w, out), ARCHIVE_OK);
	struct archive_entry *e;
	while (archive_read_next_header(in, &e) == ARCHIVE_OK) {
		size_t len = (size_t)archive_entry_size(e);
		char *data = malloc(len + 1);
		assert_int_equal(archive_read_data(in, data, len), (la_ssize_t)len);
		if (change(archive_entry_pathname(e), data, &len)) {
			archive_entry_set_size(e, (la_int64_t)len);
			assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
			assert_int_equal(archive_write_data(w, data, len), (la_ssize_t)len);
		}
		free(data);
	}
	archive_read_free(in);
	assert_int_equal(archive_write_close(w), ARCHIVE_OK);
	archive_write_free(w);
}

static bool flip_db_byte(const char *name, char *data, size_t *len)
{
	if (!strcmp(name, "carrel.db"))
		data[*len / 2] ^= 0x10;
	return true;
}

static bool drop_manifest(const char *name, char *data, size_t *len)
{
	(void)data; (void)len;
	return strcmp(name, "manifest.json") != 0;
}

static bool drop_cover(const char *name, char *data, size_t *len)
{
	(void)data; (void)len;
	return strncmp(name, "uploads/covers/", 15) != 0;
}

/* Each refused, with a message; the target is not made at all. */
static void refused(struct fixture *f, const char *path, const char *words)
{
	char err[512] = "";
	assert_int_equal(restore_into(f, path, "refused", false, err, sizeof err), BACKUP_REFUSED);
	if (!strstr(err, words))
		fail_msg("\"%s\" not in: %s", words, err);
	assert_false(exists(f, "refused"));
}

static void truncated_archive_is_refused(void **state)
{
	struct fixture *f = *state;
	make_backup(f);
	char path[TEST_DIR_MAX + 32];
	snprintf(path, sizeof path, "%s/cut.tar.gz", f->work);
	struct buf b = BUF_INIT;
	assert_int_equal(buf_read_file(&b, f->archive), 0);
	FILE *out = fopen(path, "wb");
	fwrite(b.data, 1, b.len * 2 / 3, out);
	fclose(out);
	buf_free(&b);
	refused(f, path, "cut short");
}

static void flipped_byte_is_refused(void **state)
{
	struct fixture *f = *state;
	make_backup(f);
	char path[TEST_DIR_MAX + 32];
	rewrite(f, "flipped.tar.gz", flip_db_byte, path, sizeof path);
	refused(f, path, "checksum");
}

static void missing_manifest_is_refused(void **state)
{
	struct fixture *f = *state;
	make_backup(f);
	char path[TEST_DIR_MAX + 32];
	rewrite(f, "bare.tar.gz", drop_manifest, path, sizeof path);
	refused(f, path, "no manifest");
}

static void missing_file_is_refused(void **state)
{
	struct fixture *f = *state;
	make_backup(f);
	char path[TEST_DIR_MAX + 32];
	rewrite(f, "nocover.tar.gz", drop_cover, path, sizeof path);
	refused(f, path, "is missing uploads/covers/" COVER);
}

static void foreign_file_is_refused(void **state)
{
	struct fixture *f = *state;
	char path[TEST_DIR_MAX + 32];
	snprintf(path, sizeof path, "%s/garbage.tar.gz", f->work);
	write_file(path, "this is not an archive at all\n");
	refused(f, path, "not a Carrel backup");
}

static void newer_schema_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(db_exec(&f->db, "INSERT INTO schema_migration(version, name, applied_at) "
		"VALUES (9999, '9999_future.sql', 0)", NULL), SQLITE_OK);
	make_backup(f);
	refused(f, f->archive, "newer Carrel");
}

/* A backup of an older schema (migrations up to 0021 only) is brought up to
** this build's as it is restored. */
static void older_schema_is_migrated(void **state)
{
	struct fixture *f = *state;
	char old[TEST_DIR_MAX + 32], path[TEST_DIR_MAX + 300], target[600], err[512];
	snprintf(old, sizeof old, "%s/old-schema", f->work);
	assert_int_equal(mkdir(old, 0700), 0);
	DIR *d = opendir("schema");
	struct dirent *e;
	char cwd[256];
	assert_non_null(getcwd(cwd, sizeof cwd));
	while ((e = readdir(d)))
		if (strlen(e->d_name) > 9 && atoi(e->d_name) > 0 && atoi(e->d_name) <= 21) {
			snprintf(path, sizeof path, "%s/%s", old, e->d_name);
			snprintf(target, sizeof target, "%s/schema/%s", cwd, e->d_name);
			assert_int_equal(symlink(target, path), 0);
		}
	closedir(d);
	struct db olddb;
	snprintf(path, sizeof path, "%s/old.db", f->work);
	assert_int_equal(db_open(&olddb, path, err, sizeof err), 0);
	assert_true(db_migrate(&olddb, old, NULL, err, sizeof err) > 0);
	assert_int_equal(db_int(&olddb, 0, "SELECT max(version) FROM schema_migration", NULL), 21);
	struct backup_summary s;
	assert_int_equal(backup_make(&olddb, f->uploads, f->archive, 1000, 0, "test", &s, err,
		sizeof err), 0);
	db_close(&olddb);
	assert_int_equal(s.schema_version, 21);
	char db[TEST_DIR_MAX + 64], uploads[TEST_DIR_MAX + 64];
	snprintf(db, sizeof db, "%s/up/carrel.db", f->work);
	snprintf(uploads, sizeof uploads, "%s/up/uploads", f->work);
	struct backup_target t = { db, uploads, "schema", false };
	assert_int_equal(backup_restore(f->archive, &t, 2000, &s, err, sizeof err), BACKUP_DONE);
	assert_true(s.migrated);
	struct db r;
	assert_int_equal(db_open(&r, db, err, sizeof err), 0);
	assert_int_equal(db_int(&r, 0, "SELECT max(version) FROM schema_migration", NULL),
		db_int(&f->db, 0, "SELECT max(version) FROM schema_migration", NULL));
	assert_int_equal(db_int(&r, 0, "SELECT count(*) FROM audit WHERE action = "
		"'backup.restore'", NULL), 1);
	db_close(&r);
}

static void refused_restore_leaves_the_library(void **state)
{
	struct fixture *f = *state;
	make_backup(f);
	char err[512];
	assert_int_equal(restore_into(f, f->archive, "lib", false, err, sizeof err), BACKUP_DONE);
	char db[TEST_DIR_MAX + 64], cut[TEST_DIR_MAX + 32];
	snprintf(db, sizeof db, "%s/lib/db/carrel.db", f->work);
	struct buf before = BUF_INIT, after = BUF_INIT, b = BUF_INIT;
	assert_int_equal(buf_read_file(&before, db), 0);
	snprintf(cut, sizeof cut, "%s/cut.tar.gz", f->work);
	assert_int_equal(buf_read_file(&b, f->archive), 0);
	FILE *out = fopen(cut, "wb");
	fwrite(b.data, 1, b.len / 2, out);
	fclose(out);
	assert_int_equal(restore_into(f, cut, "lib", true, err, sizeof err), BACKUP_REFUSED);
	assert_int_equal(buf_read_file(&after, db), 0);
	assert_int_equal(before.len, after.len);
	assert_memory_equal(before.data, after.data, before.len);
	assert_true(exists(f, "lib/uploads/covers/" COVER));
	buf_free(&before);
	buf_free(&after);
	buf_free(&b);
}

static void names_are_strict(void **state)
{
	(void)state;
	assert_true(backup_name_valid("carrel-20261101-030000-nightly.tar.gz"));
	assert_true(backup_name_valid("carrel-20261101-030000-by-hand.tar.gz"));
	assert_false(backup_name_valid("../carrel-20261101-030000-nightly.tar.gz"));
	assert_false(backup_name_valid("carrel-20261101-030000-nightly.tar.gz.tmp"));
	assert_false(backup_name_valid("carrel-2026110-0300000-nightly.tar.gz"));
	assert_false(backup_name_valid("carrel-20261101-030000-weekly.tar.gz"));
	assert_false(backup_name_valid(""));
}

/* 40 nightly backups, one a day, and one by hand: 3 daily and 2 weekly. */
static void rotation_keeps_days_and_weeks(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	struct backup_file files[41];
	lday first = cal_from_ymd(2026, 11, 1);   /* a Sunday */
	int n = 0;
	for (int i = 39; i >= 0; i--) {           /* newest first */
		files[n] = (struct backup_file){ .nightly = true,
			.created_at = cal_day_start(first + i) + 3 * 3600 };
		n++;
	}
	files[n++] = (struct backup_file){ .nightly = false,
		.created_at = cal_day_start(first) };
	struct backup_settings s = { 3, 2, 2 };
	bool keep[41];
	backup_rotation_keep(files, n, &s, keep);
	/* Days 39, 38, 37 (10 Dec, a Thursday, and the two days before); the week
	** of 7-13 Dec's newest is day 39 again; 30 Nov-6 Dec's is day 35. */
	for (int i = 0; i < 40; i++) {
		int day = 39 - i;
		bool want = day >= 37 || day == 35;
		if (keep[i] != want)
			fail_msg("day %d: kept %d, wanted %d", day, keep[i], want);
	}
	assert_true(keep[40]);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(truncated_archive_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(flipped_byte_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_manifest_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_file_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(foreign_file_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(newer_schema_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(older_schema_is_migrated, setup, teardown),
		cmocka_unit_test_setup_teardown(refused_restore_leaves_the_library, setup, teardown),
		cmocka_unit_test(names_are_strict),
		cmocka_unit_test(rotation_keeps_days_and_weeks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
