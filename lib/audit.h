/*
** audit.h: the audit trail: who did what, when, to which object, with the
** value before and after.
**
** The audit table is append-only: triggers refuse UPDATE and DELETE
** (schema/0026_audit_chain.sql). Each row is also chained to the one
** before it: audit_chain holds, per row, the BLAKE2b-256 hash of the
** previous row's hash and this row's fields, computed by a trigger through
** the SQL function audit_hash() that every connection registers (db_open).
** Whoever changes or removes a row by hand (dropping the triggers first)
** breaks the chain at that row, and audit_verify names it.
**
** What the chain cannot show by itself: the newest rows removed together
** with their links (the chain simply ends earlier). audit_verify reports
** the head (the newest row and its hash) so an admin can compare it with
** an earlier report.
*/
#ifndef CARREL_AUDIT_H
#define CARREL_AUDIT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "db.h"

#define AUDIT_HASH_BYTES 32

/* Register audit_hash(prev, id, at, actor_id, action, object, detail,
** before_value, after_value) on a connection. Returns SQLITE_OK or an
** SQLite error code. */
int audit_register_sql(sqlite3 *h);

/* The fields of one audit row, as hashed. */
struct audit_row {
	long long id, at;
	long long actor_id;              /* 0: no one (the system, carrel-cron) */
	const char *action, *object, *detail, *before_value, *after_value;
};

/* The link of row r after prev (AUDIT_HASH_BYTES bytes, or NULL for the
** first row): BLAKE2b-256 over prev and every field, each length-prefixed
** so no two rows hash alike by moving text between fields. */
void audit_link(const unsigned char *prev, const struct audit_row *r,
	unsigned char out[AUDIT_HASH_BYTES]);

/* Whose actions the records of this process are, for code that does not
** carry the actor itself (circulation, say): the worker's dispatcher sets
** the logged-in account before each handler and 0 after it; carrel-cron
** and the command line leave it 0, the system. Workers are
** single-threaded processes, so one value per process is exact. */
void audit_set_actor(long long account_id);
long long audit_actor(void);

/* The name of the API token the current request acts through (lib/api.h),
** or NULL/"" for none: while set, every record's detail ends with
** "via API token \"<name>\"", so a write done with a token is known for
** one. The API dispatcher sets it beside the actor and clears it after. */
void audit_set_via(const char *token_name);

/* Record one action (inside or outside the caller's transaction). actor_id
** 0 for the system. before and after: the object's values as they were and
** as they became (JSON or words; NULL for none). Returns 0 or -1. */
int audit_record(struct db *db, long long actor_id, time_t now, const char *action,
	const char *object, const char *detail, const char *before, const char *after);

/* The outcome of walking the chain from the first row. */
struct audit_check {
	long long rows;                  /* rows checked */
	long long head_id;               /* the newest row, 0 when none */
	char head_hash[AUDIT_HASH_BYTES * 2 + 1];  /* its link, hex */
	long long broken_id;             /* 0: intact; else the first row whose
	                                    link does not match */
	const char *why;                 /* for people: what is wrong there */
};

/* Walk the whole trail. Returns 0 when intact, 1 when broken (out says
** where and why), -1 on a database error. */
int audit_verify(struct db *db, struct arena *a, struct audit_check *out);

/* ---- reading the trail (/admin/audit) ---- */

/* The groups of actions the page filters by. */
struct audit_group {
	const char *key;         /* "circulation" */
	const char *name;        /* "Circulation" */
	const char *globs[5];    /* action patterns (GLOB), NULL-ended */
};
extern const struct audit_group audit_groups[];
extern const int audit_group_count;
/* The group named key, or NULL. */
const struct audit_group *audit_group_named(const char *key);

/* An action for people: "loan.checkout" -> "Checkout"; an action with no
** words of its own is shown as it is stored. */
const char *audit_action_words(const char *action);

struct audit_filter {
	const char *text;                /* in the object or detail; "" any */
	const char *who;                 /* in the actor's name or email; "" any */
	const struct audit_group *group; /* NULL: any action */
	long long from, to;              /* unix seconds, [from, to); 0: open */
};

struct audit_entry {
	long long id, at, actor_id;
	const char *actor_name, *actor_email;   /* "" for the system */
	const char *action, *object, *detail, *before_value, *after_value;
};

/* The entries matching f, newest first: page (from 1) of per_page. Returns
** the number on this page (rows on the arena) and sets *total, or -1. */
int audit_search(struct db *db, struct arena *a, const struct audit_filter *f, long page,
	int per_page, struct audit_entry **out, long *total);

#endif
