/*
** backup.h: backups of a whole library (the database and the uploaded
** covers and e-books) in one archive, and restoring one.
**
** An archive is a .tar.gz written with libarchive holding, in this order:
**
**   manifest.json          what the archive holds (format below)
**   carrel.db              the database, copied with SQLite's online backup
**                          API from one snapshot while the site serves
**   uploads/covers/NAME    every cover and e-book file (their names are the
**   uploads/ebooks/NAME    hashes of their contents, lib/cover.h)
**
** manifest.json: {"carrel_backup": 1 (the format), "schema_version": the
** highest migration applied, "created_at": unix seconds, "database":
** {"path", "bytes", "blake2b_256"}, "file_count", "files": [{"path",
** "bytes", "blake2b_256"}, ...]}. Exports, saved emails and temporary files
** under uploads are not part of a library and are left out.
**
** Backups kept by the library live in one folder (config `backups`) under
** names of one strict shape, carrel-YYYYMMDD-HHMMSS-nightly.tar.gz or
** ...-by-hand.tar.gz (UTC), which the web pages and the rotation trust and
** nothing else.
*/
#ifndef CARREL_BACKUP_H
#define CARREL_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "arena.h"
#include "db.h"
#include "valid.h"

#define BACKUP_FORMAT 1
#define BACKUP_NAME_MAX 64
#define BACKUP_HASH_HEX 65

/* What a backup holds (made, or read back when restoring). */
struct backup_summary {
	int schema_version;
	long long created_at;
	long long db_bytes;
	long files;                      /* uploaded files */
	long long archive_bytes;
	char db_hash[BACKUP_HASH_HEX];   /* BLAKE2b-256 of the database, hex */
	bool migrated;                   /* restore: an older schema was brought
	                                    up to this build's */
};

/* Back up db's database and the covers and e-books under uploads into one
** archive at path: written to path.tmp, synced, then renamed, so that no
** one ever sees half an archive. how ("by hand", "nightly") goes into the
** audit trail's row "backup.make", recorded by actor_id (0: the system).
** Returns 0, or -1 with a message for people in err. */
int backup_make(struct db *db, const char *uploads, const char *path, time_t now,
	long long actor_id, const char *how, struct backup_summary *out,
	char *err, size_t errlen);

/* Where a restore puts the library. */
struct backup_target {
	const char *db;                  /* the database file */
	const char *uploads;             /* the uploads folder */
	const char *schema;              /* the migrations this build knows */
	bool force;                      /* replacing an existing library */
};

enum backup_outcome {
	BACKUP_DONE = 0,
	BACKUP_REFUSED = 1,              /* the archive or the target said no;
	                                    nothing of the library changed */
	BACKUP_FAILED = -1,              /* the system failed (disk, memory) */
};

/* Restore the archive at path into t: every check first (the manifest, the
** checksums, PRAGMA integrity_check, the schema version, every file
** present), then the swap (see backup.c for why a crash at any point leaves
** either the old or the new library whole). A database of an older schema
** is migrated; the restore is recorded as "backup.restore" in the restored
** database. Returns an outcome, with a message for people in err unless
** done. */
enum backup_outcome backup_restore(const char *path, const struct backup_target *t,
	time_t now, struct backup_summary *out, char *err, size_t errlen);

/* ---- the backups folder ---- */

struct backup_file {
	char name[BACKUP_NAME_MAX];
	time_t created_at;               /* from the name */
	long long bytes;
	bool nightly;                    /* else made by hand */
};

/* Whether name has the strict shape of a kept backup (no path in it). */
bool backup_name_valid(const char *name);

/* The kept backups in dir, newest first, into *out (on the arena).
** Returns how many (0 when the folder does not exist), -1 on error. */
int backup_list(struct arena *a, const char *dir, struct backup_file **out);

/* Make a backup into dir (made when missing) under a fresh name, which goes
** to name (BACKUP_NAME_MAX). Returns 0 or -1 with err, as backup_make. */
int backup_make_kept(struct db *db, const char *dir, const char *uploads, bool nightly,
	time_t now, long long actor_id, char *name, struct backup_summary *out,
	char *err, size_t errlen);

/* ---- nightly backups and their rotation ---- */

struct backup_settings {
	long keep_daily;                 /* backup.keep_daily, default 7 */
	long keep_weekly;                /* backup.keep_weekly, default 4 */
	long hour;                       /* backup.hour: the nightly one is made
	                                    at the first run of carrel-cron from
	                                    this hour of the library's day on,
	                                    default 2 */
};

void backup_settings_get(struct db *db, struct backup_settings *out);

/* Check typed values (keep_daily, keep_weekly, hour), errors by field.
** Returns 0 or -1. */
int backup_settings_validate(struct arena *a, const char *keep_daily,
	const char *keep_weekly, const char *hour, struct backup_settings *out,
	struct form_errors *errs);

/* Save them (audited as "settings.save"). Returns 0 or -1. */
int backup_settings_save(struct db *db, struct arena *a, const struct backup_settings *s,
	long long actor_id, time_t now);

/* Whether the nightly backup is due at now: the hour has come and no
** nightly backup in dir was made on this library day. */
bool backup_nightly_due(struct arena *a, const char *dir, const struct backup_settings *s,
	time_t now);

/* Which nightly backups rotation keeps: the newest of each of the newest
** keep_daily library days that have one, and the newest of each of the
** newest keep_weekly weeks (Monday to Sunday) that have one (as restic's
** --keep-daily and --keep-weekly); a backup kept by either rule stays.
** Backups made by hand are never removed by rotation. keep[i] is set for
** files[i] (newest first, as backup_list gives them). */
void backup_rotation_keep(const struct backup_file *files, int n,
	const struct backup_settings *s, bool *keep);

/* Remove the nightly backups in dir that rotation does not keep. Returns
** how many were removed, or -1. */
int backup_rotate(struct arena *a, const char *dir, const struct backup_settings *s);

/* A size for people: "512 bytes", "3.4 MB". */
const char *backup_size_words(struct arena *a, long long bytes);

#endif
