/*
** db.c: SQLite connection, migrations, statement cache. See db.h.
*/
#include "db.h"

#include "audit.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct db_cache_entry {
	const char *sql;         /* the caller's string literal */
	sqlite3_stmt *st;
};

static uint64_t hash_text(const char *s)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void cache_insert(struct db *db, const char *sql, sqlite3_stmt *st);

static void cache_grow(struct db *db)
{
	struct db_cache_entry *old = db->cache;
	size_t old_cap = db->cache_cap;
	db->cache_cap = old_cap ? old_cap * 2 : 64;
	db->cache = calloc(db->cache_cap, sizeof *db->cache);
	if (!db->cache)
		abort();
	db->cache_len = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].sql)
			cache_insert(db, old[i].sql, old[i].st);
	free(old);
}

static void cache_insert(struct db *db, const char *sql, sqlite3_stmt *st)
{
	if ((db->cache_len + 1) * 2 > db->cache_cap)
		cache_grow(db);
	size_t i = hash_text(sql) & (db->cache_cap - 1);
	while (db->cache[i].sql)
		i = (i + 1) & (db->cache_cap - 1);
	db->cache[i].sql = sql;
	db->cache[i].st = st;
	db->cache_len++;
}

/* Look up by text, not pointer: the same SQL written in two places shares
** one statement, and a literal's address is not guaranteed unique. */
static sqlite3_stmt *cache_find(struct db *db, const char *sql)
{
	if (!db->cache_cap)
		return NULL;
	size_t i = hash_text(sql) & (db->cache_cap - 1);
	while (db->cache[i].sql) {
		if (db->cache[i].sql == sql || !strcmp(db->cache[i].sql, sql))
			return db->cache[i].st;
		i = (i + 1) & (db->cache_cap - 1);
	}
	return NULL;
}

/* Every Carrel process is single-threaded: SQLite can skip its mutexes
** and its memory statistics (about a tenth of the cost of a bulk import).
** Only possible before SQLite starts, so done once, before the first open. */
static void configure_sqlite_once(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Another connection holds the lock: wait for it in short steps, up to
** five seconds in all. SQLite's own handler (sqlite3_busy_timeout) sleeps
** 1, 2, 5, 10, 15 ms and more between tries, while a write here holds the
** lock for a fraction of a millisecond, so a worker at the desk slept many
** times longer than the write it waited for. */
#define LOCK_WAIT_MS 5000   /* then SQLITE_BUSY */

static int wait_for_lock(void *unused, int tries)
{
	(void)unused;
	/* 100 tries of 250 us (25 ms), then 2 ms at a time. */
	long waited_us = tries < 100 ? tries * 250L : 25000 + (tries - 100) * 2000L;
	if (waited_us >= LOCK_WAIT_MS * 1000L)
		return 0;
	long us = tries < 100 ? 250 : 2000;
	struct timespec pause = { 0, us * 1000 };
	nanosleep(&pause, NULL);
	return 1;
}

int db_open(struct db *db, const char *path, char *err, size_t errlen)
{
	static unsigned long opened;
	configure_sqlite_once();
	memset(db, 0, sizeof *db);
	db->serial = ++opened;
	int rc = sqlite3_open_v2(path, &db->h,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
			db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		sqlite3_close(db->h);
		db->h = NULL;
		return -1;
	}
	sqlite3_busy_handler(db->h, wait_for_lock, NULL);
	/* The audit trail's triggers link each new row with it (audit.h). */
	audit_register_sql(db->h);
	sqlite3_extended_result_codes(db->h, 0);
	static const char pragmas[] =
		"PRAGMA journal_mode=WAL;"
		"PRAGMA synchronous=NORMAL;"
		"PRAGMA foreign_keys=ON;"
		"PRAGMA temp_store=MEMORY;"
		/* Read pages through a shared mapping: no read() per page, and
		** every worker shares the operating system's cache of the file
		** instead of keeping its own copy. */
		"PRAGMA mmap_size=2147483648;";
	char *msg = NULL;
	if (sqlite3_exec(db->h, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, msg ? msg : "pragma failed");
		sqlite3_free(msg);
		sqlite3_close(db->h);
		db->h = NULL;
		return -1;
	}
	return 0;
}

int db_unmapped(struct db *db)
{
	return db_script(db, "PRAGMA mmap_size=0; PRAGMA cache_size=-1024;") ? -1 : 0;
}

void db_close(struct db *db)
{
	if (!db->h)
		return;
	if (db->tx_depth) {
		fprintf(stderr, "carrel: transaction begun at %s:%d never ended\n",
			db->tx_file, db->tx_line);
		db_rollback(db);
	}
	for (size_t i = 0; i < db->cache_cap; i++)
		if (db->cache[i].st)
			sqlite3_finalize(db->cache[i].st);
	free(db->cache);
	sqlite3_close(db->h);
	memset(db, 0, sizeof *db);
}

static int bind_args(struct db *db, sqlite3_stmt *st, const char *sql,
	const char *fmt, va_list ap)
{
	int want = sqlite3_bind_parameter_count(st);
	int idx = 0, rc = SQLITE_OK;
	for (const char *f = fmt ? fmt : ""; *f && rc == SQLITE_OK; f++) {
		idx++;
		switch (*f) {
		case 't': {
			const char *s = va_arg(ap, const char *);
			rc = s ? sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT)
			       : sqlite3_bind_null(st, idx);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			int n = va_arg(ap, int);
			rc = sqlite3_bind_text(st, idx, s, n, SQLITE_TRANSIENT);
			break;
		}
		case 'i':
			rc = sqlite3_bind_int64(st, idx, va_arg(ap, long long));
			break;
		case 'b': {
			const void *p = va_arg(ap, const void *);
			int n = va_arg(ap, int);
			rc = sqlite3_bind_blob(st, idx, p, n, SQLITE_TRANSIENT);
			break;
		}
		case 'n':
			rc = sqlite3_bind_null(st, idx);
			break;
		default:
			fprintf(stderr, "carrel: bad bind format '%c' for: %s\n", *f, sql);
			return SQLITE_MISUSE;
		}
	}
	if (rc != SQLITE_OK) {
		fprintf(stderr, "carrel: bind %d failed (%s) for: %s\n", idx,
			sqlite3_errmsg(db->h), sql);
		return rc;
	}
	/* Fail loudly when the caller binds too few or too many parameters. */
	if (idx != want) {
		fprintf(stderr, "carrel: %d parameters bound, %d wanted: %s\n",
			idx, want, sql);
		return SQLITE_MISUSE;
	}
	return SQLITE_OK;
}

static sqlite3_stmt *db_vquery(struct db *db, const char *sql,
	const char *fmt, va_list ap)
{
	sqlite3_stmt *st = cache_find(db, sql);
	if (!st) {
		if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
			&st, NULL) != SQLITE_OK) {
			fprintf(stderr, "carrel: prepare failed (%s): %s\n",
				sqlite3_errmsg(db->h), sql);
			return NULL;
		}
		cache_insert(db, sql, st);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (bind_args(db, st, sql, fmt, ap) != SQLITE_OK) {
		sqlite3_clear_bindings(st);
		return NULL;
	}
	return st;
}

sqlite3_stmt *db_query(struct db *db, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sqlite3_stmt *st = db_vquery(db, sql, fmt, ap);
	va_end(ap);
	return st;
}

bool db_row(struct db *db, sqlite3_stmt *st)
{
	if (!st)
		return false;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return true;
	if (rc != SQLITE_DONE)
		fprintf(stderr, "carrel: step failed (%s): %s\n",
			sqlite3_errmsg(db->h), sqlite3_sql(st));
	sqlite3_reset(st);
	return false;
}

void db_done(sqlite3_stmt *st)
{
	if (st)
		sqlite3_reset(st);
}

int db_exec(struct db *db, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sqlite3_stmt *st = db_vquery(db, sql, fmt, ap);
	va_end(ap);
	if (!st)
		return SQLITE_ERROR;
	int rc = sqlite3_step(st);
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_CONSTRAINT)
		fprintf(stderr, "carrel: exec failed (%s): %s\n",
			sqlite3_errmsg(db->h), sql);
	/* reset returns the step's error again; keep the step's code. */
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

long long db_int(struct db *db, long long def, const char *sql,
	const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sqlite3_stmt *st = db_vquery(db, sql, fmt, ap);
	va_end(ap);
	long long v = def;
	if (db_row(db, st)) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			v = sqlite3_column_int64(st, 0);
		db_done(st);
	}
	return v;
}

int db_script(struct db *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "carrel: %s\n", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
	}
	return rc;
}

const char *db_text(struct arena *a, sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);
	return s ? arena_strndup(a, (const char *)s, (size_t)n) : "";
}

long long db_col_int(sqlite3_stmt *st, int col)
{
	return sqlite3_column_int64(st, col);
}

long long db_last_id(struct db *db)
{
	return sqlite3_last_insert_rowid(db->h);
}

int db_changes(struct db *db)
{
	return sqlite3_changes(db->h);
}

int db_begin_at(struct db *db, const char *file, int line)
{
	if (db->tx_depth) {
		fprintf(stderr, "carrel: %s:%d begins a transaction inside the one "
			"begun at %s:%d\n", file, line, db->tx_file, db->tx_line);
		return -1;
	}
	if (db_exec(db, "BEGIN IMMEDIATE", NULL) != SQLITE_OK)
		return -1;
	db->tx_depth = 1;
	db->tx_file = file;
	db->tx_line = line;
	return 0;
}

int db_snapshot_begin(struct db *db)
{
	if (db->tx_depth)
		return 0;
	if (db_exec(db, "BEGIN", NULL) != SQLITE_OK)
		return -1;
	db->tx_depth = 1;
	db->tx_file = "a read snapshot";
	db->tx_line = 0;
	return 1;
}

void db_snapshot_end(struct db *db, int begun)
{
	if (begun == 1 && db->tx_depth) {
		db_exec(db, "COMMIT", NULL);
		db->tx_depth = 0;
	}
}

int db_commit(struct db *db)
{
	int rc = db_exec(db, "COMMIT", NULL);
	if (rc != SQLITE_OK) {
		db_rollback(db);
		return -1;
	}
	db->tx_depth = 0;
	return 0;
}

void db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		db_exec(db, "ROLLBACK", NULL);
	db->tx_depth = 0;
}

const char *db_errmsg(struct db *db)
{
	return sqlite3_errmsg(db->h);
}

/* ---- migrations ---- */

static int migration_filter(const struct dirent *e)
{
	const char *n = e->d_name;
	size_t len = strlen(n);
	return len > 9 && n[0] >= '0' && n[0] <= '9' && n[1] >= '0' && n[1] <= '9' &&
		n[2] >= '0' && n[2] <= '9' && n[3] >= '0' && n[3] <= '9' &&
		n[4] == '_' && !strcmp(n + len - 4, ".sql");
}

static int apply_migration(struct db *db, const char *dir, const char *name,
	int version, char *err, size_t errlen)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	struct buf file = BUF_INIT;
	if (buf_read_file(&file, path)) {
		snprintf(err, errlen, "%s: cannot read", path);
		buf_free(&file);
		return -1;
	}
	const char *sql = file.data;
	int rc = -1;
	if (db_begin(db))
		goto cleanup;
	char *msg = NULL;
	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, msg ? msg : "failed");
		sqlite3_free(msg);
		db_rollback(db);
		goto cleanup;
	}
	if (db_exec(db, "INSERT INTO schema_migration(version, name, applied_at) "
		"VALUES (?, ?, ?)", "iti", (long long)version, name,
		(long long)time(NULL)) != SQLITE_OK || db_commit(db)) {
		snprintf(err, errlen, "%s: cannot record: %s", path, db_errmsg(db));
		db_rollback(db);
		goto cleanup;
	}
	rc = 0;
cleanup:
	buf_free(&file);
	return rc;
}

int db_migrate(struct db *db, const char *dir, FILE *log, char *err,
	size_t errlen)
{
	if (db_script(db, "CREATE TABLE IF NOT EXISTS schema_migration ("
		"version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
		"applied_at INTEGER NOT NULL)") != SQLITE_OK) {
		snprintf(err, errlen, "cannot create schema_migration: %s", db_errmsg(db));
		return -1;
	}
	struct dirent **names = NULL;
	int n = scandir(dir, &names, migration_filter, alphasort);
	if (n < 0) {
		snprintf(err, errlen, "%s: cannot list migrations", dir);
		return -1;
	}
	int applied = 0;
	for (int i = 0; i < n; i++) {
		int version = atoi(names[i]->d_name);
		if (applied >= 0 && !db_int(db, 0,
			"SELECT count(*) FROM schema_migration WHERE version = ?",
			"i", (long long)version)) {
			if (apply_migration(db, dir, names[i]->d_name, version, err, errlen))
				applied = -1;
			else {
				applied++;
				if (log)
					fprintf(log, "migrated: %s\n", names[i]->d_name);
			}
		}
		free(names[i]);
	}
	free(names);
	return applied;
}
