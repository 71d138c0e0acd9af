/*
** check.c: `carrel check`. See check.h.
*/
#include "check.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "payments.h"
#include "template.h"

/* The templates and migrations this build was made with, as the Makefile
** lists them ("a.mustache b.mustache ..."); a build without the lists
** (a fuzzer's) checks only that the folders hold something. */
#ifndef CARREL_TEMPLATE_FILES
#define CARREL_TEMPLATE_FILES ""
#endif
#ifndef CARREL_SCHEMA_FILES
#define CARREL_SCHEMA_FILES ""
#endif

/* At most this many names are listed in one line. */
#define NAMES_SHOWN 5

__attribute__((format(printf, 3, 4)))
static void say(struct check_report *r, enum check_severity severity, const char *fmt, ...)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct check_line *lines = realloc(r->lines, cap * sizeof *lines);
		if (!lines)
			abort();
		r->lines = lines;
		r->cap = cap;
	}
	struct check_line *l = &r->lines[r->n++];
	l->severity = severity;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof l->text, fmt, ap);
	va_end(ap);
	if (severity == CHECK_PROBLEM)
		r->problems++;
	else
		r->warnings++;
}

void check_report_free(struct check_report *r)
{
	free(r->lines);
	memset(r, 0, sizeof *r);
}

int check_user_named(struct check_user *u, const char *name)
{
	memset(u, 0, sizeof *u);
	struct passwd *pw = getpwnam(name);
	if (!pw)
		return -1;
	snprintf(u->name, sizeof u->name, "%s", pw->pw_name);
	u->uid = pw->pw_uid;
	int n = (int)(sizeof u->groups / sizeof u->groups[0]);
	if (getgrouplist(pw->pw_name, pw->pw_gid, u->groups, &n) < 0)
		n = (int)(sizeof u->groups / sizeof u->groups[0]);
	u->ngroups = n;
	return 0;
}

/* ---- the file ---- */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return 64;
	size_t row[64];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The known key closest to a misspelt one, or NULL when none is close. */
static const char *nearest_key(const char *key)
{
	const char *best = NULL;
	size_t best_d = 3;   /* two letters wrong at most */
	const char *name;
	for (size_t i = 0; (name = config_key_name(i)); i++) {
		size_t d = edit_distance(key, name);
		if (d < best_d) {
			best_d = d;
			best = name;
		}
	}
	return best;
}

void check_read_config(struct config *cfg, const char *path, bool must_exist,
	struct check_report *r)
{
	config_defaults(cfg);
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno != ENOENT)
			say(r, CHECK_PROBLEM, "The configuration file %s cannot be read: %s.", path,
				strerror(errno));
		else if (must_exist)
			say(r, CHECK_PROBLEM, "The configuration file %s does not exist.", path);
		else
			say(r, CHECK_WARNING, "There is no configuration file %s: every key has "
				"its default.", path);
	} else {
		char line[1024];
		int lineno = 0;
		while (fgets(line, sizeof line, f)) {
			lineno++;
			char *key, *value;
			int kind = config_split_line(line, &key, &value);
			if (kind == 0)
				continue;
			if (kind < 0) {
				say(r, CHECK_PROBLEM, "%s line %d is not \"key = value\": %s", path,
					lineno, key);
				continue;
			}
			if (!config_key_known(key)) {
				const char *near = nearest_key(key);
				say(r, CHECK_PROBLEM, "%s line %d: there is no key \"%s\"%s%s%s "
					"(the programs refuse to start until it is mended).", path,
					lineno, key, near ? "; did you mean \"" : "", near ? near : "",
					near ? "\"?" : "");
			} else if (config_set(cfg, key, value)) {
				say(r, CHECK_PROBLEM, "%s line %d: \"%s\" is not a value %s can take "
					"(too long, not a number in range, or not yes/no).", path,
					lineno, value, key);
			}
		}
		fclose(f);
	}
	char err[512];
	if (config_read_env(cfg, err, sizeof err))
		say(r, CHECK_PROBLEM, "In the environment: %s.", err);
}

/* ---- folders ---- */

/* Whether u may write the file or folder at path (and enter it, for a
** folder), from its mode bits: the owner's, the group's when u is in the
** group, else the others'. */
static bool user_can_write(const struct check_user *u, const char *path)
{
	struct stat st;
	if (stat(path, &st))
		return false;
	bool dir = S_ISDIR(st.st_mode);
	if (u->uid == geteuid())
		return access(path, dir ? W_OK | X_OK : W_OK) == 0;
	if (u->uid == 0)
		return true;
	mode_t need;
	bool in_group = false;
	for (int i = 0; i < u->ngroups; i++)
		in_group |= u->groups[i] == st.st_gid;
	if (st.st_uid == u->uid)
		need = S_IWUSR | (dir ? S_IXUSR : 0);
	else if (in_group)
		need = S_IWGRP | (dir ? S_IXGRP : 0);
	else
		need = S_IWOTH | (dir ? S_IXOTH : 0);
	return (st.st_mode & need) == need;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The folder holding path ("." for a bare name). */
static void parent_of(const char *path, char *out, size_t outlen)
{
	char copy[600];
	snprintf(copy, sizeof copy, "%s", path);
	snprintf(out, outlen, "%s", dirname(copy));
}

/* A folder the service writes in: there, and writable by u. */
static void check_writable_dir(const struct check_user *u, const char *dir,
	const char *what, const char *key, struct check_report *r)
{
	if (!*dir) {
		say(r, CHECK_PROBLEM, "%s is empty: %s needs a folder.", key, what);
		return;
	}
	if (!is_dir(dir)) {
		say(r, CHECK_PROBLEM, "The folder %s (%s, key %s) does not exist.", dir, what, key);
		return;
	}
	if (!user_can_write(u, dir))
		say(r, CHECK_PROBLEM, "The user %s cannot write in %s (%s, key %s).", u->name,
			dir, what, key);
}

/* ---- database and migrations ---- */

static bool is_migration_name(const char *name)
{
	size_t n = strlen(name);
	return n > 9 && isdigit((unsigned char)name[0]) && isdigit((unsigned char)name[1]) &&
		isdigit((unsigned char)name[2]) && isdigit((unsigned char)name[3]) &&
		name[4] == '_' && !strcmp(name + n - 4, ".sql");
}

static int migration_select(const struct dirent *d)
{
	return is_migration_name(d->d_name);
}

/* The names of the list missing from dir, said in one line. */
static void check_complete(const char *dir, const char *list, const char *what,
	const char *key, struct check_report *r)
{
	char missing[400] = "";
	size_t used = 0;
	int count = 0;
	char name[256];
	for (const char *p = list; *p; ) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n == 0)
			break;
		if (n < sizeof name) {
			memcpy(name, p, n);
			name[n] = '\0';
			char path[900];
			snprintf(path, sizeof path, "%s/%s", dir, name);
			if (access(path, R_OK)) {
				if (count < NAMES_SHOWN && used + n + 3 < sizeof missing)
					used += (size_t)snprintf(missing + used, sizeof missing - used,
						"%s%s", count ? ", " : "", name);
				count++;
			}
		}
		p += n;
	}
	if (count)
		say(r, CHECK_PROBLEM, "The %s folder %s (key %s) is incomplete: %d of the files "
			"this Carrel needs are missing or unreadable (%s%s).", what, dir, key, count,
			missing, count > NAMES_SHOWN ? ", ..." : "");
}

/* The migrations in the folder that the database has not applied, and any
** the database has that the folder does not know (a newer Carrel's). */
static void check_pending(sqlite3 *h, const char *dir, struct check_report *r)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, migration_select, alphasort);
	if (n < 0)
		return;   /* said by the schema folder's check */
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(h, "SELECT count(*) FROM schema_migration WHERE version = ?",
	    -1, &st, NULL) != SQLITE_OK) {
		say(r, CHECK_PROBLEM, "The database has no record of its migrations (%s): "
			"it is not a Carrel database, or was never migrated.", sqlite3_errmsg(h));
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return;
	}
	char pending[400] = "";
	size_t used = 0;
	int count = 0, newest = 0;
	for (int i = 0; i < n; i++) {
		int version = atoi(names[i]->d_name);
		if (version > newest)
			newest = version;
		sqlite3_reset(st);
		sqlite3_bind_int(st, 1, version);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0) {
			if (count < NAMES_SHOWN && used + strlen(names[i]->d_name) + 3 < sizeof pending)
				used += (size_t)snprintf(pending + used, sizeof pending - used, "%s%s",
					count ? ", " : "", names[i]->d_name);
			count++;
		}
		free(names[i]);
	}
	free(names);
	sqlite3_finalize(st);
	if (count)
		say(r, CHECK_PROBLEM, "%d migration%s of %s %s not applied to the database yet "
			"(%s%s): carrel.fcgi applies them when it starts, or run \"carrel migrate\".",
			count, count == 1 ? "" : "s", dir, count == 1 ? "is" : "are", pending,
			count > NAMES_SHOWN ? ", ..." : "");
	if (sqlite3_prepare_v2(h, "SELECT coalesce(max(version), 0) FROM schema_migration",
	    -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		int applied = sqlite3_column_int(st, 0);
		if (applied > newest)
			say(r, CHECK_PROBLEM, "The database has migration %04d, newer than any in %s "
				"(%04d): it was used by a newer Carrel than these files.", applied,
				dir, newest);
	}
	sqlite3_finalize(st);
}

static void check_database(const struct config *cfg, const struct check_user *u,
	struct check_report *r)
{
	if (!*cfg->db) {
		say(r, CHECK_PROBLEM, "db is empty: Carrel needs a database file.");
		return;
	}
	char dir[600];
	parent_of(cfg->db, dir, sizeof dir);
	if (!is_dir(dir)) {
		say(r, CHECK_PROBLEM, "The database's folder %s does not exist (db = %s).", dir,
			cfg->db);
		return;
	}
	/* SQLite writes its -wal and -shm files, and carrel-cron its lock,
	** beside the database. */
	if (!user_can_write(u, dir))
		say(r, CHECK_PROBLEM, "The user %s cannot write in %s, the database's folder "
			"(SQLite keeps its -wal and -shm files there).", u->name, dir);
	struct stat st;
	if (stat(cfg->db, &st)) {
		say(r, CHECK_WARNING, "The database %s does not exist yet: \"carrel init\" "
			"creates it (run it as %s).", cfg->db, u->name);
		return;
	}
	if (!user_can_write(u, cfg->db))
		say(r, CHECK_PROBLEM, "The user %s cannot write the database %s (was \"carrel "
			"init\" run as another user? chown it to %s).", u->name, cfg->db, u->name);
	sqlite3 *h = NULL;
	if (sqlite3_open_v2(cfg->db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		say(r, CHECK_PROBLEM, "The database %s cannot be opened: %s.", cfg->db,
			h ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		return;
	}
	sqlite3_busy_timeout(h, 2000);
	check_pending(h, cfg->schema, r);
	sqlite3_close(h);
}

static void check_templates(const struct config *cfg, struct check_report *r)
{
	if (!is_dir(cfg->templates)) {
		say(r, CHECK_PROBLEM, "The templates folder %s (key templates) does not exist.",
			cfg->templates);
		return;
	}
	int before = r->problems;
	check_complete(cfg->templates, CARREL_TEMPLATE_FILES, "templates", "templates", r);
	if (r->problems > before)
		return;
	struct tmpl_set *set = tmpl_set_new();
	char err[512];
	if (tmpl_set_load_dir(set, cfg->templates, err, sizeof err))
		say(r, CHECK_PROBLEM, "The templates in %s do not load: %s.", cfg->templates, err);
	else if (!tmpl_set_has(set, "layout"))
		say(r, CHECK_PROBLEM, "The templates folder %s has no layout.mustache: it is "
			"not Carrel's templates folder.", cfg->templates);
	tmpl_set_free(set);
}

static void check_schema(const struct config *cfg, struct check_report *r)
{
	if (!is_dir(cfg->schema)) {
		say(r, CHECK_PROBLEM, "The migrations folder %s (key schema) does not exist.",
			cfg->schema);
		return;
	}
	char first[600];
	snprintf(first, sizeof first, "%s/0001_init.sql", cfg->schema);
	if (access(first, R_OK))
		say(r, CHECK_PROBLEM, "The migrations folder %s (key schema) has no readable "
			"0001_init.sql: it is not Carrel's schema folder.", cfg->schema);
	else
		check_complete(cfg->schema, CARREL_SCHEMA_FILES, "migrations", "schema", r);
}

static void check_socket(const struct config *cfg, const struct check_user *u,
	struct check_report *r)
{
	struct sockaddr_un sa;
	if (strlen(cfg->socket) >= sizeof sa.sun_path) {
		say(r, CHECK_PROBLEM, "The socket path %s is longer than the %zu characters a "
			"unix socket's name may have.", cfg->socket, sizeof sa.sun_path - 1);
		return;
	}
	char dir[600];
	parent_of(cfg->socket, dir, sizeof dir);
	if (!is_dir(dir))
		say(r, CHECK_WARNING, "The socket's folder %s does not exist yet: systemd makes "
			"it when carrel.service starts (RuntimeDirectory); without systemd, "
			"create it, writable by %s.", dir, u->name);
	else if (!user_can_write(u, dir))
		say(r, CHECK_PROBLEM, "The user %s cannot make the socket %s: the folder is not "
			"theirs to write.", u->name, cfg->socket);
}

/* ---- addresses, mail, SMS ---- */

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void check_base_url(const struct config *cfg, struct check_report *r)
{
	bool https = starts_with(cfg->base_url, "https://");
	bool http = starts_with(cfg->base_url, "http://");
	if (!https && !http) {
		say(r, CHECK_PROBLEM, "base_url \"%s\" is not a web address (https://...): the "
			"links in emails would not work.", cfg->base_url);
		return;
	}
	if (http)
		say(r, CHECK_WARNING, "base_url %s is plain HTTP: fine for a trial, but in "
			"production serve HTTPS, set base_url to https://... and secure_cookies = "
			"yes (cookies are only marked Secure behind HTTPS).", cfg->base_url);
	if (http && cfg->secure_cookies)
		say(r, CHECK_PROBLEM, "secure_cookies is on but base_url is plain HTTP: browsers "
			"do not send Secure cookies over HTTP, so nobody could log in.");
	if (https && !cfg->secure_cookies)
		say(r, CHECK_WARNING, "base_url is HTTPS but secure_cookies is off: set "
			"secure_cookies = yes so the session cookie never travels over plain HTTP.");
}

static bool looks_like_address(const char *s)
{
	const char *at = strchr(s, '@');
	return at && at != s && at[1] && !strchr(at + 1, '@') && !strpbrk(s, " \t<>");
}

static void check_mail(const struct config *cfg, struct check_report *r)
{
	if (!*cfg->smtp_url)
		say(r, CHECK_PROBLEM, "smtp_url is empty: reminders, password resets and other "
			"emails cannot be sent (they are only kept as files under %s/mail).",
			cfg->uploads);
	else if (!starts_with(cfg->smtp_url, "smtp://") && !starts_with(cfg->smtp_url, "smtps://"))
		say(r, CHECK_PROBLEM, "smtp_url \"%s\" should start with smtp:// (port 587, with "
			"smtp_starttls = yes) or smtps:// (port 465).", cfg->smtp_url);
	if (!*cfg->smtp_from)
		say(r, CHECK_PROBLEM, "smtp_from is empty: emails need a sender address.");
	else if (!looks_like_address(cfg->smtp_from))
		say(r, CHECK_PROBLEM, "smtp_from \"%s\" is not an email address.", cfg->smtp_from);
	else if (*cfg->smtp_url && strstr(cfg->smtp_from, "@localhost"))
		say(r, CHECK_WARNING, "smtp_from is %s: mail servers refuse or bin mail from "
			"such an address; use the library's own.", cfg->smtp_from);
	if (*cfg->smtp_user && !*cfg->smtp_password)
		say(r, CHECK_PROBLEM, "smtp_user is set but smtp_password is empty: the mail "
			"server's login would fail.");
	if (!*cfg->smtp_user && *cfg->smtp_password)
		say(r, CHECK_PROBLEM, "smtp_password is set but smtp_user is empty: Carrel only "
			"logs in to the mail server when smtp_user is set.");
	if (*cfg->smtp_ca && access(cfg->smtp_ca, R_OK))
		say(r, CHECK_PROBLEM, "smtp_ca %s cannot be read: %s.", cfg->smtp_ca, strerror(errno));
}

static void check_sms(const struct config *cfg, struct check_report *r)
{
	struct { const char *key; const char *value; } keys[] = {
		{ "sms_url", cfg->sms_url }, { "sms_user", cfg->sms_user },
		{ "sms_token", cfg->sms_token }, { "sms_from", cfg->sms_from },
	};
	char missing[128] = "";
	size_t used = 0;
	int set = 0, unset = 0;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (*keys[i].value) {
			set++;
			continue;
		}
		used += (size_t)snprintf(missing + used, sizeof missing - used, "%s%s",
			unset ? ", " : "", keys[i].key);
		unset++;
	}
	if (set && unset)
		say(r, CHECK_PROBLEM, "The SMS settings are half filled: %s %s empty, so text "
			"messages would fail (fill all four sms_ keys, or none to send no SMS).",
			missing, unset == 1 ? "is" : "are");
	if (*cfg->sms_url && !starts_with(cfg->sms_url, "https://") &&
	    !starts_with(cfg->sms_url, "http://"))
		say(r, CHECK_PROBLEM, "sms_url \"%s\" is not a web address.", cfg->sms_url);
}

/* ---- the rest ---- */

static void check_timezone(const struct config *cfg, struct check_report *r)
{
	if (!strcmp(cfg->timezone, "UTC"))
		return;
	const char *zones = getenv("TZDIR");
	char path[600];
	snprintf(path, sizeof path, "%s/%s", zones && *zones ? zones : "/usr/share/zoneinfo",
		cfg->timezone);
	struct stat st;
	if (!*cfg->timezone || cfg->timezone[0] == '/' || strstr(cfg->timezone, "..") ||
	    stat(path, &st) || !S_ISREG(st.st_mode))
		say(r, CHECK_PROBLEM, "timezone \"%s\" is not a time zone this machine knows "
			"(e.g. Europe/London; the names are those of tzdata): days would be "
			"counted in UTC.", cfg->timezone);
}

static void check_numbers(const struct config *cfg, struct check_report *r)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cfg->workers > CHECK_MAX_WORKERS)
		say(r, CHECK_PROBLEM, "workers = %d is more than the %d carrel.fcgi starts at "
			"most (0 means one per core: %ld here).", cfg->workers, CHECK_MAX_WORKERS,
			cores);
	else if (cores > 0 && cfg->workers > 8 * cores)
		say(r, CHECK_WARNING, "workers = %d for %ld cores: more than 8 a core only uses "
			"memory.", cfg->workers, cores);
	if (!payment_provider_named(cfg->payment_provider))
		say(r, CHECK_PROBLEM, "payment_provider \"%s\" names no provider this build "
			"knows (it knows: test).", cfg->payment_provider);
	if (cfg->test_clock)
		say(r, CHECK_PROBLEM, "test_clock is on: it lets the setting test.clock_offset "
			"move the clock, for tests only.");
	if (cfg->pwhash_ops < crypto_pwhash_OPSLIMIT_INTERACTIVE ||
	    cfg->pwhash_mem < crypto_pwhash_MEMLIMIT_INTERACTIVE)
		say(r, CHECK_WARNING, "pwhash_ops or pwhash_mem is below libsodium's interactive "
			"limits: stolen password hashes would be cheap to crack.");
	if (cfg->session_idle > cfg->session_max)
		say(r, CHECK_WARNING, "session_idle (%ld s) is longer than session_max (%ld s): "
			"sessions end at session_max anyway.", cfg->session_idle, cfg->session_max);
	if (*cfg->isbn_url && !strstr(cfg->isbn_url, "{isbn}"))
		say(r, CHECK_PROBLEM, "isbn_url has no {isbn} in it: every look-up would ask "
			"for the same thing.");
	if (*cfg->live_url && *cfg->live_socket) {
		char dir[600];
		parent_of(cfg->live_socket, dir, sizeof dir);
		if (!is_dir(dir))
			say(r, CHECK_PROBLEM, "The folder of live_socket %s does not exist: live "
				"updates cannot reach nginx.", cfg->live_socket);
	}
}

void check_config(const struct config *cfg, const struct check_user *u,
	struct check_report *r)
{
	check_schema(cfg, r);
	check_database(cfg, u, r);
	check_writable_dir(u, cfg->uploads, "uploaded covers, e-books, exports", "uploads", r);
	check_writable_dir(u, cfg->backups, "nightly backups", "backups", r);
	check_socket(cfg, u, r);
	check_templates(cfg, r);
	check_base_url(cfg, r);
	check_mail(cfg, r);
	check_sms(cfg, r);
	check_timezone(cfg, r);
	check_numbers(cfg, r);
}
