/*
** db.h: the SQLite connection, migrations, cached prepared statements and
** transactions.
**
** Every statement is prepared once per connection and kept in a cache keyed
** by its SQL text, so handlers pass string literals and pay for parsing
** only on first use. Parameters are bound from a format string:
**
**     t  const char *       text (NULL binds NULL)
**     s  const char *, int  text with a length
**     i  long long          64-bit integer
**     b  const void *, int  blob with a length
**     n  (nothing)          NULL
**
** A statement returned by db_query() is reset when db_row() reaches the
** end; a caller that stops early calls db_done().
*/
#ifndef CARREL_DB_H
#define CARREL_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>

#include "arena.h"

struct db_cache_entry;

struct db {
	sqlite3 *h;
	struct db_cache_entry *cache;   /* open-addressed table of statements */
	size_t cache_cap;
	size_t cache_len;
	int tx_depth;                   /* 0 or 1: no nested transactions */
	const char *tx_file;            /* where the open transaction began */
	int tx_line;
	unsigned long serial;           /* which connection of this process: a
	                                   cache of per-connection things checks
	                                   it (a new one may reuse the address) */
};

/* Open path with WAL, foreign keys on, a 5 s busy timeout and
** synchronous=NORMAL. Returns 0, or -1 with a message in err. */
int db_open(struct db *db, const char *path, char *err, size_t errlen);

/* Read this connection's pages with read() into a 1 MB cache instead of
** through a memory mapping: for a connection that mostly writes (see
** cgi/main.c). Returns 0 or -1. */
int db_unmapped(struct db *db);

/* Finalize every cached statement and close. Complains (stderr) about a
** transaction left open, naming where it began. */
void db_close(struct db *db);

/* Apply each schema/NNNN_name.sql not yet recorded in schema_migration, in
** order, each in its own transaction. Progress goes to log (may be NULL).
** Returns the number applied, or -1 with a message in err. */
int db_migrate(struct db *db, const char *dir, FILE *log, char *err,
	size_t errlen);

/* The cached statement for sql, reset, with fmt's parameters bound.
** Returns NULL (logged) on a prepare or bind error. */
sqlite3_stmt *db_query(struct db *db, const char *sql, const char *fmt, ...);

/* Step: true while there is a row; at the end or on error the statement is
** reset and false returned (errors are logged). */
bool db_row(struct db *db, sqlite3_stmt *st);

/* Reset a statement whose rows were not all read. */
void db_done(sqlite3_stmt *st);

/* Run a statement that returns no rows. Returns SQLITE_OK, or the SQLite
** result code (e.g. SQLITE_CONSTRAINT) on failure. */
int db_exec(struct db *db, const char *sql, const char *fmt, ...);

/* Run a query expected to give one integer; def when no row. */
long long db_int(struct db *db, long long def, const char *sql,
	const char *fmt, ...);

/* Run several statements of plain SQL (no parameters); for migrations and
** fixtures only. Returns SQLITE_OK or the error code (logged). */
int db_script(struct db *db, const char *sql);

/* Column helpers: text copied into the arena ("" for NULL). */
const char *db_text(struct arena *a, sqlite3_stmt *st, int col);
long long db_col_int(sqlite3_stmt *st, int col);

long long db_last_id(struct db *db);
int db_changes(struct db *db);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. db_begin returns 0 or -1; the file
** and line of the begin are kept to name a transaction never ended. */
#define db_begin(db) db_begin_at((db), __FILE__, __LINE__)
int db_begin_at(struct db *db, const char *file, int line);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/* The last SQLite error message of this connection. */
/* Read several statements from one snapshot: the database as it was at
** the first of them, with the WAL read lock taken once instead of once per
** statement. Returns 1 when it began a read transaction, 0 when one was
** already open (the reads join it), -1 on error; pass that to
** db_snapshot_end(). Only for reads: a write inside one may fail busy. */
int db_snapshot_begin(struct db *db);
void db_snapshot_end(struct db *db, int begun);

const char *db_errmsg(struct db *db);

#endif
