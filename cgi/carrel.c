/*
** carrel.c: the admin command line.
**
**   carrel init [--demo]     migrate; create the first admin (password
**                            printed once); --demo adds a small catalogue
**   carrel migrate           apply pending schema/ migrations
**   carrel user add --email E --name N [--role R] [--phone P]
**                   [--plan NAME] [--until YYYY-MM-DD]
**                            password read from standard input; a member
**                            joins NAME (a paid plan waits for payment) or
**                            is a member until the given day
**   carrel import members|titles FILE
**                            CSV, XLSX (or MARC 21 for titles), imported at
**                            once as one batch (undone from the web, at
**                            /staff/imports/BATCH); prints the summary and
**                            every rejected row
**   carrel export KIND [--format csv|xlsx] [--output FILE]
**                            members, titles, loans or payments; CSV to
**                            standard output unless --output is given
**   carrel backup FILE       the database (from one snapshot, while the
**                            site serves) and the covers and e-books in one
**                            archive (lib/backup.h)
**   carrel restore FILE [--force]
**                            check the archive wholly, then put it in place
**                            of the library (--force over an existing one,
**                            with carrel.fcgi and carrel-cron stopped)
**   carrel routes            print the route table
**   carrel check [--config FILE] [--user NAME]
**                            what in the configuration is wrong or missing,
**                            one line each; exit status 1 when anything is
**                            wrong (lib/check.h). The folders are checked
**                            for NAME (default: carrel when run as root and
**                            that user exists, else whoever runs it)
*/
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <errno.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "export.h"
#include "import.h"
#include "calendar.h"
#include "check.h"
#include "members.h"
#include "audit.h"
#include "backup.h"
#include "config.h"
#include "db.h"
#include "ebookfile.h"
#include "notify.h"
#include "web.h"

static void usage(void)
{
	fputs("usage: carrel init [--demo]\n"
	      "       carrel migrate\n"
	      "       carrel user add --email E --name N [--role member|librarian|admin] [--phone P]\n"
	      "                [--plan NAME] [--until YYYY-MM-DD]\n"
	      "                (the password is read from standard input)\n"
	      "       carrel import members|titles FILE\n"
	      "       carrel export members|titles|loans|payments|ebook-loans|ebook-requests [--format csv|xlsx] [--output FILE]\n"
	      "       carrel ebook attach TITLE_ID FILE   (a PDF or EPUB, any size)\n"
	      "       carrel ebook detach TITLE_ID\n"
	      "       carrel audit verify\n"
	      "       carrel backup FILE\n"
	      "       carrel restore FILE [--force]\n"
	      "       carrel routes\n"
	      "       carrel check [--config FILE] [--user NAME]\n", stderr);
}

static int open_db(const struct config *cfg, struct db *db)
{
	char err[512];
	if (db_open(db, cfg->db, err, sizeof err)) {
		fprintf(stderr, "carrel: %s\n", err);
		return -1;
	}
	return 0;
}

static int migrate(const struct config *cfg, struct db *db)
{
	char err[512];
	if (db_migrate(db, cfg->schema, stdout, err, sizeof err) < 0) {
		fprintf(stderr, "carrel: migration failed: %s\n", err);
		return -1;
	}
	return 0;
}

/* The demo catalogue is plain SQL beside the migrations; it is loaded only
** into an empty catalogue so running init twice changes nothing. */
static int load_demo(const struct config *cfg, struct db *db)
{
	if (db_int(db, 0, "SELECT count(*) FROM title", NULL) > 0)
		return 0;
	char path[600];
	snprintf(path, sizeof path, "%s/demo/catalogue.sql", cfg->schema);
	struct buf sql = BUF_INIT;
	if (buf_read_file(&sql, path)) {
		fprintf(stderr, "carrel: cannot read %s\n", path);
		buf_free(&sql);
		return -1;
	}
	int rc = 0;
	if (db_begin(db) || db_script(db, sql.data) != SQLITE_OK || db_commit(db)) {
		db_rollback(db);
		fprintf(stderr, "carrel: %s did not load\n", path);
		rc = -1;
	} else {
		printf("demo catalogue loaded: %lld titles\n",
			db_int(db, 0, "SELECT count(*) FROM title", NULL));
	}
	buf_free(&sql);
	return rc;
}

static int create_first_admin(const struct config *cfg, struct db *db)
{
	if (account_admin_exists(db))
		return 0;
	unsigned char raw[12];
	char password[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(password, sizeof password, raw, sizeof raw,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	struct account_input in = { "Administrator", "admin@example.org", "", password };
	struct auth_cost cost = { cfg->pwhash_ops, cfg->pwhash_mem };
	struct form_errors errs = { .n = 0 };
	long long id;
	if (account_create(db, &cost, &in, ROLE_ADMIN, time(NULL), &errs, &id) != ACCOUNT_OK) {
		fprintf(stderr, "carrel: could not create the admin account%s%s\n",
			errs.n ? ": " : "", errs.n ? errs.items[0].message : "");
		return -1;
	}
	printf("\n  First admin account (shown only this once):\n"
	       "    email:    %s\n    password: %s\n\n", in.email, password);
	return 0;
}

static int cmd_init(const struct config *cfg, int argc, char **argv)
{
	bool demo = argc > 0 && !strcmp(argv[0], "--demo");
	struct db db;
	if (open_db(cfg, &db))
		return 1;
	int rc = migrate(cfg, &db) || create_first_admin(cfg, &db) ||
		(demo && load_demo(cfg, &db)) ? 1 : 0;
	db_close(&db);
	return rc;
}

static int cmd_migrate(const struct config *cfg)
{
	struct db db;
	if (open_db(cfg, &db))
		return 1;
	int rc = migrate(cfg, &db) ? 1 : 0;
	db_close(&db);
	return rc;
}

/* The password is the first line of standard input, so it never shows in
** the process list or the shell history. */
static int read_password(char *out, size_t n)
{
	if (!fgets(out, (int)n, stdin))
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

/* Give a new account a membership: a plan by name (a free one starts at
** once, a paid one waits for its payment) and/or an active period until a
** day. */
static int cli_join(struct db *db, struct arena *a, long long id, const char *plan_name,
	const char *until)
{
	time_t now = time(NULL);
	lday today = cal_day_of(now), last = 0;
	struct plan p = { 0 };
	if (plan_name && plan_by_name(db, a, plan_name, &p)) {
		fprintf(stderr, "carrel: there is no plan named \"%s\"\n", plan_name);
		return 1;
	}
	if (until && !cal_parse(until, &last)) {
		fprintf(stderr, "carrel: --until wants a date as YYYY-MM-DD\n");
		return 1;
	}
	if (db_begin(db))
		return 1;
	char new_until[11];
	int rc = until ? membership_set_until(db, id, p.id, today, last, now)
		: p.price_cents ? membership_add_pending(db, id, &p, now)
		: membership_extend(db, id, &p, 0, today, now, new_until);
	if (rc || db_commit(db)) {
		db_rollback(db);
		fputs("carrel: the membership could not be saved\n", stderr);
		return 1;
	}
	return 0;
}

static int cmd_user_add(const struct config *cfg, int argc, char **argv)
{
	struct account_input in = { NULL, NULL, "", NULL };
	const char *role_name = "member", *plan_name = NULL, *until = NULL;
	for (int i = 0; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--email"))
			in.email = argv[i + 1];
		else if (!strcmp(argv[i], "--name"))
			in.name = argv[i + 1];
		else if (!strcmp(argv[i], "--role"))
			role_name = argv[i + 1];
		else if (!strcmp(argv[i], "--phone"))
			in.phone = argv[i + 1];
		else if (!strcmp(argv[i], "--plan"))
			plan_name = argv[i + 1];
		else if (!strcmp(argv[i], "--until"))
			until = argv[i + 1];
		else {
			usage();
			return 2;
		}
	}
	int role = auth_role_parse(role_name);
	if (!in.email || !in.name || role < 0 || argc % 2) {
		usage();
		return 2;
	}
	char password[1100];
	if (read_password(password, sizeof password)) {
		fputs("carrel: no password on standard input\n", stderr);
		return 2;
	}
	in.password = password;

	struct arena a;
	arena_init(&a, 0);
	struct form_errors errs = { .n = 0 };
	struct db db;
	int rc = 1;
	if (account_validate(&a, &in, &errs) != ACCOUNT_OK) {
		for (int i = 0; i < errs.n; i++)
			fprintf(stderr, "carrel: %s: %s\n", errs.items[i].field, errs.items[i].message);
		goto cleanup;
	}
	if (open_db(cfg, &db))
		goto cleanup;
	struct auth_cost cost = { cfg->pwhash_ops, cfg->pwhash_mem };
	long long id;
	enum account_result r = account_create(&db, &cost, &in, (enum role)role,
		time(NULL), &errs, &id);
	if (r == ACCOUNT_OK) {
		printf("account %lld created: %s (%s)\n", id, in.email, role_name);
		rc = (plan_name || until) ? cli_join(&db, &a, id, plan_name, until) : 0;
	} else {
		fprintf(stderr, "carrel: %s\n", errs.n ? errs.items[0].message :
			"the account could not be created");
	}
	db_close(&db);
cleanup:
	sodium_memzero(password, sizeof password);
	arena_free(&a);
	return rc;
}

/* The summary of a committed batch, and every rejected row. */
static void print_import(const struct import_batch *b)
{
	long listed = 0;
	for (long i = 0; i < b->nentries; i++)
		if (!strcmp(b->entries[i].action, "reject")) {
			printf("line %ld: %s\n", b->entries[i].line, b->entries[i].reason);
			listed++;
		}
	if (b->n.rejected > listed)
		printf("... and %ld more rejected rows\n", b->n.rejected - listed);
	if (*b->ignored_columns)
		printf("columns not read: %s\n", b->ignored_columns);
	if (b->kind == IMPORT_MEMBERS)
		printf("%s: members %ld added, %ld updated, %ld unchanged; %ld rejected\n",
			b->format, b->n.members_added, b->n.members_updated, b->n.members_unchanged,
			b->n.rejected);
	else
		printf("%s: titles %ld added, %ld updated, %ld unchanged; copies %ld added, "
			"%ld updated, %ld unchanged; %ld rejected\n", b->format, b->n.titles_added,
			b->n.titles_updated, b->n.titles_unchanged, b->n.copies_added,
			b->n.copies_updated, b->n.copies_unchanged, b->n.rejected);
	printf("batch %s: see or undo it at /staff/imports/%s\n", b->id, b->id);
}

static int cmd_import(const struct config *cfg, int argc, char **argv)
{
	int kind = argc == 2 ? import_kind_parse(argv[0]) : -1;
	if (kind < 0) {
		usage();
		return 2;
	}
	struct buf data = BUF_INIT;
	if (buf_read_file(&data, argv[1])) {
		fprintf(stderr, "carrel: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	struct db db;
	if (open_db(cfg, &db)) {
		buf_free(&data);
		return 1;
	}
	struct arena a;
	arena_init(&a, 0);
	char id[33];
	const char *error;
	const char *name = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
	int rc = import_run(&db, &a, (enum import_kind)kind, name, data.data ? data.data : "",
		data.len, time(NULL), 0, id, &error);
	struct import_batch b;
	if (rc) {
		fprintf(stderr, "carrel: %s\n", error);
	} else if (import_batch_load(&db, &a, id, &b) == 0) {
		print_import(&b);
	}
	arena_free(&a);
	db_close(&db);
	buf_free(&data);
	return rc ? 1 : 0;
}

/* XLSX is written by libxlsxwriter to a path: to standard output it goes
** through a temporary file. */
static int copy_file_to_stdout(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (fwrite(chunk, 1, n, stdout) != n)
			break;
	int bad = ferror(f) || ferror(stdout);
	fclose(f);
	return bad ? -1 : 0;
}

static int cmd_export(const struct config *cfg, int argc, char **argv)
{
	int kind = argc > 0 ? export_kind_parse(argv[0]) : -1;
	const char *format = "csv", *output = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--format"))
			format = argv[i + 1];
		else if (!strcmp(argv[i], "--output"))
			output = argv[i + 1];
		else
			kind = -1;
	}
	int fmt = export_format_parse(format);
	if (kind < 0 || fmt < 0 || argc % 2 == 0) {
		usage();
		return 2;
	}
	struct db db;
	if (open_db(cfg, &db))
		return 1;
	char err[256] = "", tmp[] = "/tmp/carrel-export-XXXXXX";
	long rows = -1;
	if (fmt == EXPORT_CSV) {
		FILE *out = output ? fopen(output, "w") : stdout;
		if (out) {
			rows = export_csv(&db, (enum export_kind)kind, out, err, sizeof err);
			if ((output ? fclose(out) : fflush(out)) && rows >= 0)
				rows = -1;
		} else {
			snprintf(err, sizeof err, "%s: %s", output, strerror(errno));
		}
	} else if (output) {
		rows = export_xlsx(&db, (enum export_kind)kind, output, err, sizeof err);
	} else {
		int fd = mkstemp(tmp);
		if (fd >= 0) {
			close(fd);
			rows = export_xlsx(&db, (enum export_kind)kind, tmp, err, sizeof err);
			if (rows >= 0 && copy_file_to_stdout(tmp))
				rows = -1;
			unlink(tmp);
		}
	}
	db_close(&db);
	if (rows < 0) {
		fprintf(stderr, "carrel: export failed%s%s\n", *err ? ": " : "", err);
		return 1;
	}
	fprintf(stderr, "%ld %s exported\n", rows, argv[0]);
	return 0;
}

/* carrel ebook attach TITLE_ID FILE | detach TITLE_ID: the file of an
** e-book title from the command line, without the web's size limit. */
static int cmd_ebook(const struct config *cfg, int argc, char **argv)
{
	bool attach = argc == 3 && !strcmp(argv[0], "attach");
	bool detach = argc == 2 && !strcmp(argv[0], "detach");
	long long title_id = argc > 1 ? valid_id(argv[1]) : 0;
	if ((!attach && !detach) || title_id <= 0) {
		usage();
		return 2;
	}
	struct db db;
	if (open_db(cfg, &db))
		return 1;
	int rc = 1;
	if (detach) {
		switch (ebookfile_detach(&db, cfg->uploads, title_id, 0, time(NULL))) {
		case EBOOKFILE_OK:
			printf("title %lld: e-book file removed\n", title_id);
			rc = 0;
			break;
		case EBOOKFILE_ERROR:
			fputs("carrel: the file could not be removed\n", stderr);
			break;
		default:
			fprintf(stderr, "carrel: title %lld has no e-book file\n", title_id);
		}
		db_close(&db);
		return rc;
	}
	if (db_int(&db, 0, "SELECT count(*) FROM title WHERE id = ? AND format = 'ebook'",
		"i", title_id) == 0) {
		fprintf(stderr, "carrel: there is no e-book title %lld (a title's format must "
			"be e-book to have a file)\n", title_id);
		db_close(&db);
		return 1;
	}
	struct ebook_info info;
	const char *error;
	const char *name = strrchr(argv[2], '/') ? strrchr(argv[2], '/') + 1 : argv[2];
	if (ebookfile_store_path(cfg->uploads, argv[2], &info, &error)) {
		fprintf(stderr, "carrel: %s\n", error);
	} else if (ebookfile_attach(&db, cfg->uploads, title_id, &info, name, 0,
		time(NULL)) != EBOOKFILE_OK) {
		ebookfile_forget(&db, cfg->uploads, info.name);
		fputs("carrel: the file was checked but could not be attached\n", stderr);
	} else {
		char size[32];
		ebookfile_size_words(size, sizeof size, info.bytes);
		printf("title %lld: %s attached (%s, %s", title_id, info.name,
			!strcmp(info.media_type, "application/pdf") ? "PDF" : "EPUB", size);
		if (info.pages > 0)
			printf(", %d pages", info.pages);
		printf(")\n");
		rc = 0;
	}
	db_close(&db);
	return rc;
}

/* Walk the audit trail's hash chain: 0 when intact, 1 naming the first
** broken row. */
static int cmd_audit_verify(const struct config *cfg)
{
	struct db db;
	if (open_db(cfg, &db))
		return 1;
	struct arena arena;
	arena_init(&arena, 4096);
	struct audit_check check;
	int rc = audit_verify(&db, &arena, &check);
	if (rc < 0) {
		fprintf(stderr, "carrel: the audit trail could not be read: %s\n", db_errmsg(&db));
		rc = 1;
	} else if (rc == 1) {
		printf("audit trail BROKEN at row %lld: %s\n"
		       "(%lld rows before it are intact)\n", check.broken_id, check.why, check.rows);
	} else {
		printf("audit trail intact: %lld rows\n", check.rows);
		if (check.head_id)
			printf("newest row %lld, link %s\n", check.head_id, check.head_hash);
	}
	arena_free(&arena);
	db_close(&db);
	return rc;
}

static int cmd_backup(const struct config *cfg, int argc, char **argv)
{
	if (argc != 1) {
		usage();
		return 2;
	}
	struct db db;
	if (open_db(cfg, &db))
		return 1;
	struct backup_summary s;
	char err[512];
	int rc = backup_make(&db, cfg->uploads, argv[0], time(NULL), 0, "by hand (carrel backup)",
		&s, err, sizeof err);
	db_close(&db);
	if (rc) {
		fprintf(stderr, "carrel: the backup failed: %s\n", err);
		return 1;
	}
	printf("backup written to %s: database %lld bytes (schema %d, blake2b %.16s...), "
		"%ld uploaded files, archive %lld bytes\n", argv[0], s.db_bytes, s.schema_version,
		s.db_hash, s.files, s.archive_bytes);
	return 0;
}

static int cmd_restore(const struct config *cfg, int argc, char **argv)
{
	const char *file = NULL;
	bool force = false;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--force"))
			force = true;
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else
			file = NULL, argc = -1;
	}
	if (!file || argc < 0) {
		usage();
		return 2;
	}
	struct backup_target t = { cfg->db, cfg->uploads, cfg->schema, force };
	struct backup_summary s;
	char err[512];
	enum backup_outcome o = backup_restore(file, &t, time(NULL), &s, err, sizeof err);
	if (o != BACKUP_DONE) {
		fprintf(stderr, "carrel: %s\n", err);
		return o == BACKUP_REFUSED ? 3 : 1;
	}
	char made[32];
	time_t at = (time_t)s.created_at;
	strftime(made, sizeof made, "%Y-%m-%d %H:%M UTC", gmtime(&at));
	printf("restored %s (made %s): database %lld bytes, schema %d%s, %ld uploaded files\n"
	       "into %s and %s\n", file, made, s.db_bytes, s.schema_version,
	       s.migrated ? " (migrated to this version)" : "", s.files, cfg->db, cfg->uploads);
	return 0;
}

/* The last column: "signed" for a provider's callback; for an API row
** (lib/api.h) "api" and the token scope it needs ("public": none). */
static const char *route_note(const struct route *r)
{
	if (r->csrf_exempt)
		return "signed";
	if (!route_is_api(r))
		return "";
	return r->scope == API_SCOPE_WRITE ? "api token:read-write"
		: r->scope == API_SCOPE_READ ? "api token:read" : "api public";
}

static int cmd_routes(void)
{
	for (int i = 0; i < routes_count; i++)
		printf("%-5s %-32s %-9s %s\n", routes[i].method, routes[i].pattern,
			auth_role_name(routes[i].min_role), route_note(&routes[i]));
	return 0;
}

/* The user the service runs as, whose folders check looks at. */
static int service_user(struct check_user *u, const char *name)
{
	if (name) {
		if (check_user_named(u, name) == 0)
			return 0;
		fprintf(stderr, "carrel: there is no user %s\n", name);
		return -1;
	}
	if (geteuid() == 0 && check_user_named(u, "carrel") == 0)
		return 0;
	struct passwd *pw = getpwuid(geteuid());
	if (pw && check_user_named(u, pw->pw_name) == 0)
		return 0;
	fputs("carrel: who runs this has no name; say --user NAME\n", stderr);
	return -1;
}

/* Runs before the configuration is loaded the usual way: a typo in the
** file stops the other commands, and check is how it is found. */
static int cmd_check(int argc, char **argv)
{
	const char *user = NULL;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			setenv("CARREL_CONF", argv[++i], 1);
		else if (!strcmp(argv[i], "--user") && i + 1 < argc)
			user = argv[++i];
		else {
			usage();
			return 2;
		}
	}
	if (sodium_init() < 0)
		return 1;
	struct check_user u;
	if (service_user(&u, user))
		return 2;
	bool named;
	const char *path = config_file_path(&named);
	struct config cfg;
	struct check_report r = { 0 };
	check_read_config(&cfg, path, named, &r);
	check_config(&cfg, &u, &r);
	for (size_t i = 0; i < r.n; i++)
		printf("%s: %s\n", r.lines[i].severity == CHECK_PROBLEM ? "problem" : "warning",
			r.lines[i].text);
	if (r.problems)
		printf("%s: %d problem%s, %d warning%s (folders checked for the user %s).\n",
			path, r.problems, r.problems == 1 ? "" : "s", r.warnings,
			r.warnings == 1 ? "" : "s", u.name);
	else
		printf("%s: no problems%s%.0d%s (folders checked for the user %s).\n", path,
			r.warnings ? ", " : "", r.warnings, r.warnings == 0 ? "" :
			r.warnings == 1 ? " warning" : " warnings", u.name);
	int rc = r.problems ? 1 : 0;
	check_report_free(&r);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return 2;
	}
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc - 2, argv + 2);
	/* The database, exports and files this makes hold the library's
	** private data: not for other users, whatever the shell's umask. */
	umask(umask(0) | 027);
	struct config cfg;
	char err[512];
	if (config_load(&cfg, err, sizeof err)) {
		fprintf(stderr, "carrel: %s\n", err);
		return 1;
	}
	if (sodium_init() < 0) {
		fputs("carrel: libsodium failed to start\n", stderr);
		return 1;
	}
	notify_set_base_url(cfg.base_url);
	const char *cmd = argv[1];
	if (!strcmp(cmd, "init"))
		return cmd_init(&cfg, argc - 2, argv + 2);
	if (!strcmp(cmd, "migrate"))
		return cmd_migrate(&cfg);
	if (!strcmp(cmd, "user") && argc > 2 && !strcmp(argv[2], "add"))
		return cmd_user_add(&cfg, argc - 3, argv + 3);
	if (!strcmp(cmd, "routes"))
		return cmd_routes();
	if (!strcmp(cmd, "audit") && argc == 3 && !strcmp(argv[2], "verify"))
		return cmd_audit_verify(&cfg);
	if (!strcmp(cmd, "backup"))
		return cmd_backup(&cfg, argc - 2, argv + 2);
	if (!strcmp(cmd, "restore"))
		return cmd_restore(&cfg, argc - 2, argv + 2);
	if (!strcmp(cmd, "import"))
		return cmd_import(&cfg, argc - 2, argv + 2);
	if (!strcmp(cmd, "export"))
		return cmd_export(&cfg, argc - 2, argv + 2);
	if (!strcmp(cmd, "ebook"))
		return cmd_ebook(&cfg, argc - 2, argv + 2);
	usage();
	return 2;
}
