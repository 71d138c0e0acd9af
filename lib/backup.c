/*
** backup.c: making, checking and restoring backups. See backup.h.
*/
#include "backup.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "calendar.h"

#define MANIFEST_NAME "manifest.json"
#define DB_NAME "carrel.db"
#define MANIFEST_MAX (16 * 1024 * 1024)
/* Pages copied per sqlite3_backup_step: a few MB between steps. */
#define BACKUP_STEP_PAGES 256

/* snprintf for paths and messages; an over-long path is cut (PATH_MAX is
** far beyond what a library's folders are named). */
static int put(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int put(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vsnprintf(out, n, fmt, ap);
	va_end(ap);
	return rc;
}

/* The folders of uploads that belong to the library. */
static const char *const upload_dirs[] = { "covers", "ebooks" };
#define N_UPLOAD_DIRS (sizeof upload_dirs / sizeof upload_dirs[0])

/* One file of the archive: its path in the archive, where it is on disk,
** its size and hash. */
struct member {
	char *path;
	char *disk;
	long long bytes;
	char hash[BACKUP_HASH_HEX];
};

struct members {
	struct member *v;
	size_t n, cap;
};

static void members_free(struct members *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].path);
		free(m->v[i].disk);
	}
	free(m->v);
	memset(m, 0, sizeof *m);
}

static struct member *members_add(struct members *m, const char *path, const char *disk)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 32;
		struct member *v = realloc(m->v, cap * sizeof *v);
		if (!v)
			return NULL;
		m->v = v;
		m->cap = cap;
	}
	struct member *e = &m->v[m->n];
	memset(e, 0, sizeof *e);
	e->path = strdup(path);
	e->disk = strdup(disk ? disk : "");
	if (!e->path || !e->disk) {
		free(e->path);
		free(e->disk);
		return NULL;
	}
	m->n++;
	return e;
}

static void to_hex(const unsigned char *h, char out[BACKUP_HASH_HEX])
{
	sodium_bin2hex(out, BACKUP_HASH_HEX, h, 32);
}

/* BLAKE2b-256 and size of a file. */
static int hash_file(const char *path, char out[BACKUP_HASH_HEX], long long *bytes)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 32);
	unsigned char chunk[65536], h[32];
	size_t n;
	long long total = 0;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		crypto_generichash_update(&st, chunk, n);
		total += (long long)n;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return -1;
	crypto_generichash_final(&st, h, sizeof h);
	to_hex(h, out);
	*bytes = total;
	return 0;
}

static int fsync_path(const char *path, bool dir)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

static void dir_of(const char *path, char out[PATH_MAX])
{
	char copy[PATH_MAX];
	put(copy, sizeof copy, "%s", path);
	put(out, PATH_MAX, "%s", dirname(copy));
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* ---- making a backup ---- */

/* Copy the database into dest with the online backup API. The source
** connection holds one read transaction from the first step to the last,
** so every step reads the same snapshot: in WAL mode a reader never blocks
** a writer, so checkouts keep committing meanwhile, and the copy is never
** restarted by them (a backup without its own read transaction starts over
** whenever another process writes, and under a steady load of checkouts
** might never finish). The small steps let the copy be watched and keep
** each call short. The schema version is read from the same snapshot. */
static int copy_database(const char *src_path, const char *dest_path, int *schema_version,
	char *err, size_t errlen)
{
	sqlite3 *src = NULL, *dest = NULL;
	sqlite3_backup *b = NULL;
	int rc = -1, step = SQLITE_OK;
	if (sqlite3_open_v2(src_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(src, 5000) != SQLITE_OK ||
	    sqlite3_exec(src, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		put(err, errlen, "the database could not be read: %s", sqlite3_errmsg(src));
		goto done;
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(src, "SELECT coalesce(max(version), 0) FROM schema_migration",
		-1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		put(err, errlen, "the database's schema version could not be read: %s",
			sqlite3_errmsg(src));
		sqlite3_finalize(st);
		goto done;
	}
	*schema_version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_open_v2(dest_path, &dest, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		put(err, errlen, "the copy could not be made: %s", sqlite3_errmsg(dest));
		goto done;
	}
	b = sqlite3_backup_init(dest, "main", src, "main");
	if (!b) {
		put(err, errlen, "the copy could not start: %s", sqlite3_errmsg(dest));
		goto done;
	}
	do {
		step = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
		if (step == SQLITE_BUSY || step == SQLITE_LOCKED)
			sqlite3_sleep(10);
	} while (step == SQLITE_OK || step == SQLITE_BUSY || step == SQLITE_LOCKED);
	if (sqlite3_backup_finish(b) != SQLITE_OK || step != SQLITE_DONE) {
		put(err, errlen, "the copy of the database failed: %s", sqlite3_errstr(step));
		goto done;
	}
	rc = 0;
done:
	if (dest && sqlite3_close(dest) != SQLITE_OK && rc == 0) {
		put(err, errlen, "the copy of the database could not be closed");
		rc = -1;
	}
	if (src) {
		sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(src);
	}
	return rc;
}

/* The uploaded files that belong to the library: regular files directly
** in uploads/covers and uploads/ebooks whose names do not start with a dot
** (files being written are). */
static int collect_uploads(const char *uploads, struct members *m, char *err, size_t errlen)
{
	for (size_t i = 0; i < N_UPLOAD_DIRS; i++) {
		char dir[PATH_MAX];
		put(dir, sizeof dir, "%s/%s", uploads, upload_dirs[i]);
		DIR *d = opendir(dir);
		if (!d) {
			if (errno == ENOENT)
				continue;
			put(err, errlen, "%s could not be read: %s", dir, strerror(errno));
			return -1;
		}
		struct dirent *e;
		int rc = 0;
		while (rc == 0 && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char disk[PATH_MAX], path[PATH_MAX];
			struct stat sb;
			put(disk, sizeof disk, "%s/%s", dir, e->d_name);
			if (lstat(disk, &sb) || !S_ISREG(sb.st_mode))
				continue;
			put(path, sizeof path, "uploads/%s/%s", upload_dirs[i], e->d_name);
			struct member *f = members_add(m, path, disk);
			if (!f || hash_file(disk, f->hash, &f->bytes)) {
				put(err, errlen, "%s could not be read", disk);
				rc = -1;
			}
		}
		closedir(d);
		if (rc)
			return -1;
	}
	return 0;
}

static json_t *member_json(const struct member *f)
{
	return json_pack("{s:s, s:I, s:s}", "path", f->path, "bytes", (json_int_t)f->bytes,
		"blake2b_256", f->hash);
}

static char *manifest_text(const struct backup_summary *s, const struct member *dbm,
	const struct members *files)
{
	json_t *list = json_array();
	for (size_t i = 0; i < files->n; i++)
		json_array_append_new(list, member_json(&files->v[i]));
	json_t *root = json_pack("{s:i, s:s, s:i, s:I, s:o, s:I, s:o}",
		"carrel_backup", BACKUP_FORMAT, "application", "carrel",
		"schema_version", s->schema_version, "created_at", (json_int_t)s->created_at,
		"database", member_json(dbm), "file_count", (json_int_t)files->n, "files", list);
	char *text = root ? json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	return text;
}

static int write_entry_header(struct archive *ar, const char *path, long long bytes,
	time_t mtime)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_size(e, bytes);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0640);
	archive_entry_set_mtime(e, mtime, 0);
	int rc = archive_write_header(ar, e);
	archive_entry_free(e);
	return rc == ARCHIVE_OK ? 0 : -1;
}

/* One file into the archive; its size must still be what was hashed. */
static int write_file_entry(struct archive *ar, const struct member *f, time_t mtime)
{
	if (write_entry_header(ar, f->path, f->bytes, mtime))
		return -1;
	FILE *in = fopen(f->disk, "rb");
	if (!in)
		return -1;
	char chunk[65536];
	size_t n;
	long long total = 0;
	int rc = 0;
	while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, in)) > 0) {
		total += (long long)n;
		if (total > f->bytes || archive_write_data(ar, chunk, n) != (la_ssize_t)n)
			rc = -1;
	}
	if (ferror(in) || total != f->bytes)
		rc = -1;
	fclose(in);
	return rc;
}

static int write_archive(int fd, const char *manifest, const struct member *dbm,
	const struct members *files, time_t now, char *err, size_t errlen)
{
	struct archive *ar = archive_write_new();
	int rc = -1;
	if (!ar || archive_write_add_filter_gzip(ar) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(ar) != ARCHIVE_OK ||
	    archive_write_open_fd(ar, fd) != ARCHIVE_OK)
		goto done;
	size_t mlen = strlen(manifest);
	if (write_entry_header(ar, MANIFEST_NAME, (long long)mlen, now) ||
	    archive_write_data(ar, manifest, mlen) != (la_ssize_t)mlen ||
	    write_file_entry(ar, dbm, now))
		goto done;
	for (size_t i = 0; i < files->n; i++)
		if (write_file_entry(ar, &files->v[i], now))
			goto done;
	if (archive_write_close(ar) != ARCHIVE_OK)
		goto done;
	rc = 0;
done:
	if (rc)
		put(err, errlen, "the archive could not be written: %s",
			ar && archive_error_string(ar) ? archive_error_string(ar) : strerror(errno));
	archive_write_free(ar);
	return rc;
}

int backup_make(struct db *db, const char *uploads, const char *path, time_t now,
	long long actor_id, const char *how, struct backup_summary *out,
	char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	out->created_at = now;
	const char *src = sqlite3_db_filename(db->h, "main");
	char dir[PATH_MAX], tmp_db[PATH_MAX], tmp_archive[PATH_MAX];
	dir_of(path, dir);
	put(tmp_db, sizeof tmp_db, "%s/.%s.db-XXXXXX", dir, base_of(path));
	put(tmp_archive, sizeof tmp_archive, "%s.tmp", path);
	if (!src || !*src) {
		put(err, errlen, "the database has no file to back up");
		return -1;
	}
	int dbfd = mkstemp(tmp_db);
	if (dbfd < 0) {
		put(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	close(dbfd);
	struct members files = { 0 }, dbl = { 0 };
	char *manifest = NULL;
	int fd = -1, rc = -1;
	if (copy_database(src, tmp_db, &out->schema_version, err, errlen))
		goto done;
	struct member *dbm = members_add(&dbl, DB_NAME, tmp_db);
	if (!dbm || hash_file(tmp_db, dbm->hash, &dbm->bytes)) {
		put(err, errlen, "the copy of the database could not be read");
		goto done;
	}
	/* After the database's snapshot: a file is stored before any row names
	** it, so every file the snapshot names is there by now. */
	if (collect_uploads(uploads, &files, err, errlen))
		goto done;
	out->db_bytes = dbm->bytes;
	out->files = (long)files.n;
	memcpy(out->db_hash, dbm->hash, sizeof out->db_hash);
	manifest = manifest_text(out, dbm, &files);
	if (!manifest) {
		put(err, errlen, "out of memory");
		goto done;
	}
	fd = open(tmp_archive, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		put(err, errlen, "%s: %s", tmp_archive, strerror(errno));
		goto done;
	}
	if (write_archive(fd, manifest, dbm, &files, now, err, errlen))
		goto done;
	struct stat sb;
	if (fsync(fd) || fstat(fd, &sb)) {
		put(err, errlen, "the archive could not be saved: %s", strerror(errno));
		goto done;
	}
	out->archive_bytes = (long long)sb.st_size;
	close(fd);
	fd = -1;
	if (rename(tmp_archive, path) || fsync_path(dir, true)) {
		put(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	rc = 0;
	char detail[256], object[BACKUP_NAME_MAX + 300];
	put(object, sizeof object, "backup:%s", base_of(path));
	put(detail, sizeof detail, "%s; database %lld bytes (schema %d), %ld files, "
		"archive %lld bytes", how, out->db_bytes, out->schema_version, out->files,
		out->archive_bytes);
	if (audit_record(db, actor_id, now, "backup.make",
		object, detail, NULL, NULL))
		fprintf(stderr, "carrel: backup %s made but not recorded in the audit trail\n", path);
done:
	if (fd >= 0)
		close(fd);
	if (rc)
		unlink(tmp_archive);
	unlink(tmp_db);
	free(manifest);
	members_free(&files);
	members_free(&dbl);
	return rc;
}

/* ---- restoring ---- */

/* A restore in progress: two staging folders, one beside the database
** (the manifest and the database) and one inside the uploads folder (the
** files), each on the file system of what it will replace, so that putting
** things in place is a rename; and the folders made for a fresh target,
** removed again when the restore is refused. */
struct restore {
	const struct backup_target *t;
	char stage[PATH_MAX];
	char ustage[PATH_MAX];
	char made[8][PATH_MAX];
	int nmade;
	struct members got;              /* what the archive held, as read */
	char *manifest;
	size_t manifest_len;
	char *err;
	size_t errlen;
};

static enum backup_outcome say(struct restore *r, enum backup_outcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static enum backup_outcome say(struct restore *r, enum backup_outcome o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return o;
}

/* mkdir -p, remembering each folder made. */
static int make_dirs(struct restore *r, const char *path)
{
	char p[PATH_MAX];
	put(p, sizeof p, "%s", path);
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		struct stat sb;
		if (stat(p, &sb)) {
			if (mkdir(p, 0750) && errno != EEXIST)
				return -1;
			if (r->nmade < (int)(sizeof r->made / sizeof r->made[0]))
				put(r->made[r->nmade++], PATH_MAX, "%s", p);
		}
		*s = c;
		if (!c)
			return 0;
	}
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

static void remove_tree(const char *path)
{
	if (*path)
		nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Undo everything a refused restore made. */
static void restore_clean(struct restore *r)
{
	remove_tree(r->stage);
	remove_tree(r->ustage);
	for (int i = r->nmade - 1; i >= 0; i--)
		rmdir(r->made[i]);
}

static bool safe_file_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 200 || s[0] == '.')
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return false;
	return true;
}

/* Where an archive's entry goes in the staging folders, or false for a
** name no Carrel backup holds (a path that climbs out, a folder, ...). */
static bool entry_destination(struct restore *r, const char *name, char out[PATH_MAX])
{
	if (!strcmp(name, MANIFEST_NAME) || !strcmp(name, DB_NAME)) {
		put(out, PATH_MAX, "%s/%s", r->stage, name);
		return true;
	}
	for (size_t i = 0; i < N_UPLOAD_DIRS; i++) {
		char prefix[32];
		int n = put(prefix, sizeof prefix, "uploads/%s/", upload_dirs[i]);
		if (!strncmp(name, prefix, (size_t)n) && safe_file_name(name + n)) {
			put(out, PATH_MAX, "%s/%s", r->ustage, name + strlen("uploads/"));
			return true;
		}
	}
	return false;
}

static struct member *find_member(struct members *m, const char *path)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].path, path))
			return &m->v[i];
	return NULL;
}

/* Copy one entry's data to dest, hashing it; the manifest is kept in
** memory too. Returns 0, or -1 when the archive could not be read (its
** message in err) or dest not written. */
static int extract_entry(struct restore *r, struct archive *ar, struct member *f, bool keep)
{
	int fd = open(f->disk, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 32);
	const void *buf;
	size_t len;
	la_int64_t off;
	int rc, status = 0;
	while ((rc = archive_read_data_block(ar, &buf, &len, &off)) == ARCHIVE_OK) {
		if (off != f->bytes || write(fd, buf, len) != (ssize_t)len) {
			status = -1;
			break;
		}
		crypto_generichash_update(&st, buf, len);
		f->bytes += (long long)len;
		if (keep) {
			if (r->manifest_len + len > MANIFEST_MAX) {
				status = -1;
				break;
			}
			char *m = realloc(r->manifest, r->manifest_len + len + 1);
			if (!m) {
				status = -1;
				break;
			}
			memcpy(m + r->manifest_len, buf, len);
			r->manifest = m;
			r->manifest_len += len;
			m[r->manifest_len] = '\0';
		}
	}
	if (rc != ARCHIVE_EOF)
		status = -1;
	if (close(fd))
		status = -1;
	unsigned char h[32];
	crypto_generichash_final(&st, h, sizeof h);
	to_hex(h, f->hash);
	return status;
}

/* Read every entry of the archive into the staging folders. */
static enum backup_outcome extract(struct restore *r, const char *path)
{
	struct archive *ar = archive_read_new();
	archive_read_support_filter_gzip(ar);
	archive_read_support_format_tar(ar);
	enum backup_outcome o = BACKUP_DONE;
	const char *name = base_of(path);
	if (archive_read_open_filename(ar, path, 65536) != ARCHIVE_OK) {
		o = access(path, R_OK)
			? say(r, BACKUP_REFUSED, "%s cannot be read: %s", name, strerror(errno))
			: say(r, BACKUP_REFUSED, "%s is not a Carrel backup (it is not a .tar.gz "
				"archive).", name);
		goto done;
	}
	struct archive_entry *e;
	int rc;
	size_t entries = 0;
	while ((rc = archive_read_next_header(ar, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
		entries++;
		const char *ename = archive_entry_pathname(e);
		char dest[PATH_MAX];
		if (!ename || archive_entry_filetype(e) != AE_IFREG ||
		    !entry_destination(r, ename, dest)) {
			o = say(r, BACKUP_REFUSED, "%s is not a Carrel backup: it holds \"%s\", which "
				"no Carrel backup does.", name, ename ? ename : "");
			goto done;
		}
		if (find_member(&r->got, ename)) {
			o = say(r, BACKUP_REFUSED, "%s is not a Carrel backup: it holds \"%s\" twice.",
				name, ename);
			goto done;
		}
		if (!strncmp(ename, "uploads/", 8)) {
			char sub[PATH_MAX];
			dir_of(dest, sub);
			if (mkdir(sub, 0750) && errno != EEXIST) {
				o = say(r, BACKUP_FAILED, "%s could not be made: %s", sub, strerror(errno));
				goto done;
			}
		}
		struct member *f = members_add(&r->got, ename, dest);
		if (!f) {
			o = say(r, BACKUP_FAILED, "out of memory");
			goto done;
		}
		if (extract_entry(r, ar, f, !strcmp(ename, MANIFEST_NAME))) {
			const char *why = archive_error_string(ar);
			o = say(r, BACKUP_REFUSED, "%s is damaged or cut short (at \"%s\"%s%s); nothing "
				"was restored.", name, ename, why ? ": " : "", why ? why : "");
			goto done;
		}
	}
	if (rc != ARCHIVE_EOF) {
		const char *why = archive_error_string(ar);
		o = entries == 0
			? say(r, BACKUP_REFUSED, "%s is not a Carrel backup (it is not a .tar.gz "
				"archive%s%s).", name, why ? ": " : "", why ? why : "")
			: say(r, BACKUP_REFUSED, "%s is damaged or cut short%s%s; nothing was restored.",
				name, why ? ": " : "", why ? why : "");
	}
done:
	archive_read_free(ar);
	return o;
}

/* The highest migration this build knows (schema/NNNN_*.sql). */
static int known_schema(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int max = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *n = e->d_name;
		size_t len = strlen(n);
		if (len > 9 && n[4] == '_' && !strcmp(n + len - 4, ".sql") &&
		    strspn(n, "0123456789") == 4 && atoi(n) > max)
			max = atoi(n);
	}
	closedir(d);
	return max;
}

static long long json_number(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static const char *json_text(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : "";
}

/* One file the manifest lists must have been read, whole. */
static bool listed_file_ok(struct restore *r, json_t *item)
{
	struct member *f = find_member(&r->got, json_text(item, "path"));
	return f && f->bytes == json_number(item, "bytes") &&
		!strcmp(f->hash, json_text(item, "blake2b_256"));
}

/* The manifest against what was read: the database and every file,
** nothing more. */
static enum backup_outcome check_manifest(struct restore *r, const char *name,
	struct backup_summary *out)
{
	if (!r->manifest)
		return say(r, BACKUP_REFUSED, "%s has no manifest: it is not a Carrel backup.", name);
	json_t *m = json_loadb(r->manifest, r->manifest_len, 0, NULL);
	enum backup_outcome o = BACKUP_DONE;
	long long format = m ? json_number(m, "carrel_backup") : -1;
	if (!json_is_object(m) || format < 1 || strcmp(json_text(m, "application"), "carrel")) {
		o = say(r, BACKUP_REFUSED, "%s has no readable manifest: it is not a Carrel backup.",
			name);
		goto done;
	}
	if (format > BACKUP_FORMAT) {
		o = say(r, BACKUP_REFUSED, "%s was made by a newer Carrel (backup format %lld; this "
			"one reads format %d). Restore it with that version.", name, format,
			BACKUP_FORMAT);
		goto done;
	}
	json_t *dbj = json_object_get(m, "database");
	struct member *dbm = find_member(&r->got, DB_NAME);
	if (!dbm)
		o = say(r, BACKUP_REFUSED, "%s holds no database; nothing was restored.", name);
	else if (!json_is_object(dbj) || dbm->bytes != json_number(dbj, "bytes") ||
		 strcmp(dbm->hash, json_text(dbj, "blake2b_256")))
		o = say(r, BACKUP_REFUSED, "The database in %s does not match its checksum: the "
			"backup is damaged; nothing was restored.", name);
	if (o != BACKUP_DONE)
		goto done;
	json_t *files = json_object_get(m, "files");
	size_t i, listed = json_is_array(files) ? json_array_size(files) : 0;
	json_t *item;
	json_array_foreach(files, i, item)
		if (!listed_file_ok(r, item)) {
			o = say(r, BACKUP_REFUSED, "%s is missing %s, or it does not match its "
				"checksum; nothing was restored.", name, json_text(item, "path"));
			goto done;
		}
	/* Besides the manifest and the database, only the files listed. */
	if (!json_is_array(files) || json_number(m, "file_count") != (long long)listed ||
	    r->got.n != listed + 2) {
		o = say(r, BACKUP_REFUSED, "%s holds files its manifest does not list; nothing was "
			"restored.", name);
		goto done;
	}
	out->schema_version = (int)json_number(m, "schema_version");
	out->created_at = json_number(m, "created_at");
	out->db_bytes = dbm->bytes;
	out->files = (long)listed;
	memcpy(out->db_hash, dbm->hash, sizeof out->db_hash);
done:
	json_decref(m);
	return o;
}

/* Whether a name from the database's own schema is a plain identifier. */
static bool plain_identifier(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* Whether integrity_check's "NULL value in T.C" is true. SQLite 3.40's
** check misreads the NOT NULL columns of a WITHOUT ROWID table stored
** in another order than declared (title_author), reporting NULLs that are
** not there; so such a line is checked again with a plain query. The names
** come from the database's schema (confirmed by pragma_table_info) and are
** plain identifiers, the only SQL here not wholly written in advance. */
static bool null_really_there(sqlite3 *h, const char *line)
{
	char table[80], column[80];
	if (sscanf(line, "NULL value in %79[a-z0-9_].%79[a-z0-9_]", table, column) != 2 ||
	    !plain_identifier(table) || !plain_identifier(column))
		return true;
	sqlite3_stmt *st = NULL;
	bool known = sqlite3_prepare_v2(h, "SELECT count(*) FROM pragma_table_info(?) "
		"WHERE name = ?", -1, &st, NULL) == SQLITE_OK &&
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC) == SQLITE_OK &&
		sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC) == SQLITE_OK &&
		sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
	sqlite3_finalize(st);
	if (!known)
		return true;
	char sql[256];
	put(sql, sizeof sql, "SELECT count(*) FROM \"%s\" WHERE \"%s\" IS NULL", table, column);
	bool there = sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK ||
		sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int64(st, 0) != 0;
	sqlite3_finalize(st);
	return there;
}

/* PRAGMA integrity_check: NULL when ok, else its first true complaint. */
static const char *integrity(struct restore *r, sqlite3 *h)
{
	static char first[256];
	sqlite3_stmt *st = NULL;
	const char *verdict = NULL;
	(void)r;
	if (sqlite3_prepare_v2(h, "PRAGMA integrity_check(100)", -1, &st, NULL) != SQLITE_OK) {
		put(first, sizeof first, "%s", sqlite3_errmsg(h));
		return first;
	}
	int rc;
	while (!verdict && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(st, 0);
		if (line && strcmp(line, "ok") && null_really_there(h, line)) {
			put(first, sizeof first, "%s", line);
			verdict = first;
		}
	}
	if (!verdict && rc != SQLITE_DONE) {
		put(first, sizeof first, "%s", sqlite3_errmsg(h));
		verdict = first;
	}
	sqlite3_finalize(st);
	return verdict;
}

/* The staged database: whole (integrity_check), of the schema the manifest
** says and not newer than this build knows. */
static enum backup_outcome check_database(struct restore *r, const char *name,
	const struct backup_summary *s, int *db_schema)
{
	char path[PATH_MAX];
	put(path, sizeof path, "%s/%s", r->stage, DB_NAME);
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	enum backup_outcome o = BACKUP_DONE;
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		o = say(r, BACKUP_REFUSED, "The database in %s cannot be opened; nothing was "
			"restored.", name);
		goto done;
	}
	const char *verdict = integrity(r, h);
	if (verdict) {
		o = say(r, BACKUP_REFUSED, "The database in %s fails SQLite's integrity check (%s); "
			"nothing was restored.", name, verdict);
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(h, "SELECT coalesce(max(version), 0) FROM schema_migration", -1,
		&st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		o = say(r, BACKUP_REFUSED, "The database in %s is not a Carrel database; nothing "
			"was restored.", name);
		goto done;
	}
	*db_schema = sqlite3_column_int(st, 0);
	int known = known_schema(r->t->schema);
	if (*db_schema != s->schema_version)
		o = say(r, BACKUP_REFUSED, "The database in %s is of schema %d but its manifest says "
			"%d: the backup was altered; nothing was restored.", name, *db_schema,
			s->schema_version);
	else if (known < 0)
		o = say(r, BACKUP_FAILED, "The migrations folder %s cannot be read.", r->t->schema);
	else if (*db_schema > known)
		o = say(r, BACKUP_REFUSED, "%s was made by a newer Carrel (schema %d; this one knows "
			"up to %d). Upgrade Carrel first, then restore it; nothing was restored.", name,
			*db_schema, known);
done:
	sqlite3_finalize(st);
	sqlite3_close(h);
	return o;
}

/* Bring the staged database up to this build's schema and record the
** restore in its audit trail. It is closed (its WAL folded into it and
** removed) before it is put in place. */
static enum backup_outcome prepare_database(struct restore *r, const char *name,
	int db_schema, time_t now, struct backup_summary *s)
{
	char path[PATH_MAX], wal[PATH_MAX + 8], err[512];
	put(path, sizeof path, "%s/%s", r->stage, DB_NAME);
	put(wal, sizeof wal, "%s-wal", path);
	struct db db;
	if (db_open(&db, path, err, sizeof err))
		return say(r, BACKUP_FAILED, "The database in %s cannot be opened: %s", name, err);
	enum backup_outcome o = BACKUP_DONE;
	int applied = db_migrate(&db, r->t->schema, NULL, err, sizeof err);
	char detail[300];
	put(detail, sizeof detail, "from %s, made at %lld with schema %d%s", name,
		s->created_at, db_schema, applied > 0 ? ", migrated to this version" : "");
	if (applied < 0)
		o = say(r, BACKUP_FAILED, "The database in %s could not be brought up to date: %s",
			name, err);
	else if (audit_record(&db, 0, now, "backup.restore", "backup:restore", detail, NULL, NULL))
		o = say(r, BACKUP_FAILED, "The restore could not be recorded in the audit trail.");
	s->migrated = applied > 0;
	db_close(&db);
	struct stat sb;
	if (o == BACKUP_DONE && stat(wal, &sb) == 0 && sb.st_size > 0)
		o = say(r, BACKUP_FAILED, "The restored database could not be closed cleanly.");
	return o;
}

static bool dir_has_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	struct dirent *e;
	bool any = false;
	while (!any && (e = readdir(d)))
		any = e->d_name[0] != '.';
	closedir(d);
	return any;
}

static bool library_exists(const struct backup_target *t)
{
	struct stat sb;
	if (stat(t->db, &sb) == 0 && sb.st_size > 0)
		return true;
	for (size_t i = 0; i < N_UPLOAD_DIRS; i++) {
		char dir[PATH_MAX];
		put(dir, sizeof dir, "%s/%s", t->uploads, upload_dirs[i]);
		if (dir_has_files(dir))
			return true;
	}
	return false;
}

/* Fold the current database's WAL into it and empty the WAL, so that the
** WAL left beside the file (zero bytes long) can never be replayed onto the
** new database. Refused when a connection holds it (workers running). */
static enum backup_outcome settle_current(struct restore *r)
{
	struct stat sb;
	if (stat(r->t->db, &sb))
		return BACKUP_DONE;
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int busy = 1;
	if (sqlite3_open_v2(r->t->db, &h, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_busy_timeout(h, 2000) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		busy = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	if (busy)
		return say(r, BACKUP_REFUSED, "The current library is in use (its database is busy): "
			"stop carrel.fcgi and carrel-cron, then restore again. Nothing was changed.");
	return BACKUP_DONE;
}

/* Files of the old library that the new one does not have. */
static void remove_unlisted(struct restore *r)
{
	for (size_t i = 0; i < N_UPLOAD_DIRS; i++) {
		char dir[PATH_MAX];
		put(dir, sizeof dir, "%s/%s", r->t->uploads, upload_dirs[i]);
		DIR *d = opendir(dir);
		if (!d)
			continue;
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char path[PATH_MAX];
			put(path, sizeof path, "uploads/%s/%s", upload_dirs[i], e->d_name);
			if (!find_member(&r->got, path)) {
				char disk[PATH_MAX + 16];
				put(disk, sizeof disk, "%s/%s", dir, e->d_name);
				unlink(disk);
			}
		}
		closedir(d);
	}
}

/* Put the checked library in place.
**
** Why a crash at any point leaves one whole library: the files come first,
** each renamed into uploads/covers or uploads/ebooks. Their names are the
** hashes of their contents, so a name the old library uses is replaced by
** the very same bytes, and the old database still finds every file it
** names; the new files are simply not named by it yet. Then the old
** database's WAL is emptied into it (settle_current) and the new database
** is renamed over the old one: one rename, atomic, the moment the restore
** happens. Before it the old library is whole; after it the new one is,
** every file it names being in place already. Only then are the old
** library's files the new one does not name removed, and the staging
** folders: a crash there leaves unused files or a staging folder (hidden,
** its name starting with a dot, which backups skip), never a broken
** library. */
static enum backup_outcome put_in_place(struct restore *r)
{
	for (size_t i = 0; i < r->got.n; i++) {
		struct member *f = &r->got.v[i];
		if (strncmp(f->path, "uploads/", 8))
			continue;
		char dest[PATH_MAX + 16], sub[PATH_MAX];
		put(dest, sizeof dest, "%s/%s", r->t->uploads, f->path + 8);
		dir_of(dest, sub);
		if ((mkdir(sub, 0750) && errno != EEXIST) || rename(f->disk, dest))
			return say(r, BACKUP_FAILED, "%s could not be put in place: %s; the current "
				"library is unchanged.", dest, strerror(errno));
	}
	for (size_t i = 0; i < N_UPLOAD_DIRS; i++) {
		char sub[PATH_MAX];
		put(sub, sizeof sub, "%s/%s", r->t->uploads, upload_dirs[i]);
		fsync_path(sub, true);
	}
	char staged[PATH_MAX], shm[PATH_MAX + 8], dbdir[PATH_MAX];
	put(staged, sizeof staged, "%s/%s", r->stage, DB_NAME);
	put(shm, sizeof shm, "%s-shm", r->t->db);
	fsync_path(staged, false);
	enum backup_outcome o = settle_current(r);
	if (o != BACKUP_DONE)
		return o;
	unlink(shm);   /* rebuilt by the first connection; it indexes the old WAL */
	if (rename(staged, r->t->db))
		return say(r, BACKUP_FAILED, "%s could not be replaced: %s; the current library is "
			"unchanged.", r->t->db, strerror(errno));
	dir_of(r->t->db, dbdir);
	fsync_path(dbdir, true);
	remove_unlisted(r);
	return BACKUP_DONE;
}

static enum backup_outcome make_stages(struct restore *r)
{
	char dbdir[PATH_MAX];
	dir_of(r->t->db, dbdir);
	if (make_dirs(r, dbdir) || make_dirs(r, r->t->uploads))
		return say(r, BACKUP_FAILED, "The folders for the library could not be made: %s",
			strerror(errno));
	put(r->stage, sizeof r->stage, "%s/.carrel-restore-XXXXXX", dbdir);
	put(r->ustage, sizeof r->ustage, "%s/.carrel-restore-XXXXXX", r->t->uploads);
	if (!mkdtemp(r->stage)) {
		r->stage[0] = '\0';
		return say(r, BACKUP_FAILED, "%s: %s", dbdir, strerror(errno));
	}
	if (!mkdtemp(r->ustage)) {
		r->ustage[0] = '\0';
		return say(r, BACKUP_FAILED, "%s: %s", r->t->uploads, strerror(errno));
	}
	return BACKUP_DONE;
}

enum backup_outcome backup_restore(const char *path, const struct backup_target *t,
	time_t now, struct backup_summary *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	struct restore r = { .t = t, .err = err, .errlen = errlen };
	const char *name = base_of(path);
	bool existing = library_exists(t);
	if (existing && !t->force)
		return say(&r, BACKUP_REFUSED, "There is a library at %s already; restoring replaces "
			"it. Stop carrel.fcgi and carrel-cron first, then restore with --force.", t->db);
	int db_schema = 0;
	enum backup_outcome o = make_stages(&r);
	if (o == BACKUP_DONE)
		o = extract(&r, path);
	if (o == BACKUP_DONE)
		o = check_manifest(&r, name, out);
	if (o == BACKUP_DONE)
		o = check_database(&r, name, out, &db_schema);
	if (o == BACKUP_DONE)
		o = prepare_database(&r, name, db_schema, now, out);
	if (o == BACKUP_DONE)
		o = put_in_place(&r);
	if (o == BACKUP_DONE) {
		/* Restored: the staging folders go, the folders made stay. */
		r.nmade = 0;
		struct stat sb;
		if (stat(path, &sb) == 0)
			out->archive_bytes = (long long)sb.st_size;
	}
	restore_clean(&r);
	members_free(&r.got);
	free(r.manifest);
	return o;
}

/* ---- the backups folder ---- */

static bool digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* carrel-YYYYMMDD-HHMMSS-nightly.tar.gz or ...-by-hand.tar.gz */
static bool parse_name(const char *name, time_t *at, bool *nightly)
{
	if (strncmp(name, "carrel-", 7) || !digits(name + 7, 8) || name[15] != '-' ||
	    !digits(name + 16, 6) || name[22] != '-')
		return false;
	const char *kind = name + 23;
	if (!strcmp(kind, "nightly.tar.gz"))
		*nightly = true;
	else if (!strcmp(kind, "by-hand.tar.gz"))
		*nightly = false;
	else
		return false;
	struct tm tm = { 0 };
	if (sscanf(name + 7, "%4d%2d%2d-%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		&tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*at = timegm(&tm);
	return *at != (time_t)-1;
}

bool backup_name_valid(const char *name)
{
	time_t at;
	bool nightly;
	return name && strlen(name) < BACKUP_NAME_MAX && parse_name(name, &at, &nightly);
}

static int newest_first(const void *a, const void *b)
{
	const struct backup_file *x = a, *y = b;
	if (x->created_at != y->created_at)
		return x->created_at < y->created_at ? 1 : -1;
	return strcmp(y->name, x->name);
}

int backup_list(struct arena *a, const char *dir, struct backup_file **out)
{
	*out = NULL;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	int n = 0, cap = 0;
	struct backup_file *v = NULL;
	struct dirent *e;
	while ((e = readdir(d))) {
		struct backup_file f = { 0 };
		struct stat sb;
		char path[PATH_MAX];
		if (!backup_name_valid(e->d_name))
			continue;
		put(path, sizeof path, "%s/%s", dir, e->d_name);
		if (lstat(path, &sb) || !S_ISREG(sb.st_mode))
			continue;
		parse_name(e->d_name, &f.created_at, &f.nightly);
		put(f.name, sizeof f.name, "%s", e->d_name);
		f.bytes = (long long)sb.st_size;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct backup_file *w = arena_alloc(a, (size_t)cap * sizeof *w);
			if (n)
				memcpy(w, v, (size_t)n * sizeof *w);
			v = w;
		}
		v[n++] = f;
	}
	closedir(d);
	if (n)
		qsort(v, (size_t)n, sizeof *v, newest_first);
	*out = v;
	return n;
}

int backup_make_kept(struct db *db, const char *dir, const char *uploads, bool nightly,
	time_t now, long long actor_id, char *name, struct backup_summary *out,
	char *err, size_t errlen)
{
	if (mkdir(dir, 0750) && errno != EEXIST) {
		put(err, errlen, "the backups folder %s could not be made: %s", dir,
			strerror(errno));
		return -1;
	}
	/* A fresh name: two made within one second get the next second's. */
	char path[PATH_MAX + BACKUP_NAME_MAX];
	for (time_t at = now;; at++) {
		struct tm tm;
		gmtime_r(&at, &tm);
		char stamp[32];
		strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
		put(name, BACKUP_NAME_MAX, "carrel-%s-%s.tar.gz", stamp,
			nightly ? "nightly" : "by-hand");
		put(path, sizeof path, "%s/%s", dir, name);
		struct stat sb;
		if (stat(path, &sb))
			break;
	}
	return backup_make(db, uploads, path, now, actor_id, nightly ? "nightly" : "by hand",
		out, err, errlen);
}

/* ---- nightly backups and their rotation ---- */

#define SETTING_DAILY "backup.keep_daily"
#define SETTING_WEEKLY "backup.keep_weekly"
#define SETTING_HOUR "backup.hour"

static long setting(struct db *db, const char *key, long def)
{
	return (long)db_int(db, def, "SELECT CAST(value AS INTEGER) FROM setting WHERE key = ?",
		"t", key);
}

void backup_settings_get(struct db *db, struct backup_settings *out)
{
	out->keep_daily = setting(db, SETTING_DAILY, 7);
	out->keep_weekly = setting(db, SETTING_WEEKLY, 4);
	out->hour = setting(db, SETTING_HOUR, 2);
}

static bool whole_number(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		return false;
	*out = v;
	return true;
}

int backup_settings_validate(struct arena *a, const char *keep_daily,
	const char *keep_weekly, const char *hour, struct backup_settings *out,
	struct form_errors *errs)
{
	if (!whole_number(valid_trim(a, keep_daily), 1, 366, &out->keep_daily))
		form_error(errs, "keep_daily", "Daily backups to keep: a whole number from 1 to 366.");
	if (!whole_number(valid_trim(a, keep_weekly), 0, 520, &out->keep_weekly))
		form_error(errs, "keep_weekly", "Weekly backups to keep: a whole number from 0 to "
			"520 (0 keeps none beyond the daily ones).");
	if (!whole_number(valid_trim(a, hour), 0, 23, &out->hour))
		form_error(errs, "hour", "The hour of the nightly backup: a whole number from 0 to "
			"23, such as 2 for 02:00.");
	return errs->n ? -1 : 0;
}

int backup_settings_save(struct db *db, struct arena *a, const struct backup_settings *s,
	long long actor_id, time_t now)
{
	struct backup_settings old;
	if (db_begin(db))
		return -1;
	backup_settings_get(db, &old);
	const char *detail = arena_printf(a, "backups kept daily %ld -> %ld, weekly %ld -> %ld; "
		"nightly at hour %ld -> %ld", old.keep_daily, s->keep_daily, old.keep_weekly,
		s->keep_weekly, old.hour, s->hour);
	if (db_exec(db, "INSERT OR REPLACE INTO setting(key, value) VALUES (?, ?), (?, ?), (?, ?)",
		"tttttt", SETTING_DAILY, arena_printf(a, "%ld", s->keep_daily),
		SETTING_WEEKLY, arena_printf(a, "%ld", s->keep_weekly),
		SETTING_HOUR, arena_printf(a, "%ld", s->hour)) != SQLITE_OK ||
	    audit_record(db, actor_id, now, "settings.save", "settings:backups", detail,
		NULL, NULL)) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db);
}

bool backup_nightly_due(struct arena *a, const char *dir, const struct backup_settings *s,
	time_t now)
{
	struct tm tm;
	localtime_r(&now, &tm);
	if (tm.tm_hour < s->hour)
		return false;
	struct backup_file *files;
	int n = backup_list(a, dir, &files);
	lday today = cal_day_of(now);
	for (int i = 0; i < n; i++)
		if (files[i].nightly && cal_day_of(files[i].created_at) == today)
			return false;
	return true;
}

/* The Monday that starts d's week. */
static lday week_of(lday d)
{
	return d - (cal_weekday(d) + 6) % 7;
}

void backup_rotation_keep(const struct backup_file *files, int n,
	const struct backup_settings *s, bool *keep)
{
	long days = 0, weeks = 0;
	lday last_day = -1, last_week = -1;
	/* Newest first: the first backup met of a day (or week) is its newest. */
	for (int i = 0; i < n; i++) {
		keep[i] = !files[i].nightly;
		if (!files[i].nightly)
			continue;
		lday d = cal_day_of(files[i].created_at), w = week_of(d);
		if (d != last_day) {
			last_day = d;
			if (days++ < s->keep_daily)
				keep[i] = true;
		}
		if (w != last_week) {
			last_week = w;
			if (weeks++ < s->keep_weekly)
				keep[i] = true;
		}
	}
}

int backup_rotate(struct arena *a, const char *dir, const struct backup_settings *s)
{
	struct backup_file *files;
	int n = backup_list(a, dir, &files);
	if (n <= 0)
		return n;
	bool *keep = arena_alloc(a, (size_t)n * sizeof *keep);
	backup_rotation_keep(files, n, s, keep);
	int removed = 0;
	for (int i = 0; i < n; i++) {
		if (keep[i])
			continue;
		char path[PATH_MAX + BACKUP_NAME_MAX];
		put(path, sizeof path, "%s/%s", dir, files[i].name);
		if (unlink(path) == 0)
			removed++;
	}
	return removed;
}

const char *backup_size_words(struct arena *a, long long bytes)
{
	if (bytes < 1024)
		return arena_printf(a, "%lld byte%s", bytes, bytes == 1 ? "" : "s");
	static const char *const units[] = { "KB", "MB", "GB", "TB" };
	double v = (double)bytes / 1024;
	int u = 0;
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	return arena_printf(a, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
}
