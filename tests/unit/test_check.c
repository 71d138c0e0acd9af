/*
** test_check.c: unit tests of lib/check.c (`carrel check`): a good
** configuration has no problem; each kind of mistake is one line in plain
** words (a typo in a key with the key meant, a bad value, a line that is
** not key = value, missing or unwritable folders, an incomplete templates
** folder, pending and newer migrations, plain HTTP with secure cookies,
** no mail server, half-filled SMS settings, an unknown time zone, too many
** workers). Runs from the top of the repository (templates/, schema/).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pwd.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

struct fixture {
	char dir[256];
	struct config cfg;
	struct check_user me;
	struct check_report r;
};

static void path_in(const struct fixture *f, char *out, size_t outlen, const char *name)
{
	snprintf(out, outlen, "%s/%s", f->dir, name);
}

static void make_dir(const struct fixture *f, const char *name, mode_t mode)
{
	char path[400];
	path_in(f, path, sizeof path, name);
	assert_int_equal(mkdir(path, mode), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	const char *tmp = getenv("TMPDIR");
	snprintf(f->dir, sizeof f->dir, "%s/carrel-check-XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
	assert_non_null(mkdtemp(f->dir));
	make_dir(f, "data", 0750);
	make_dir(f, "data/uploads", 0750);
	make_dir(f, "data/backups", 0750);
	make_dir(f, "run", 0750);
	struct config *c = &f->cfg;
	config_defaults(c);
	path_in(f, c->db, sizeof c->db, "data/carrel.db");
	path_in(f, c->uploads, sizeof c->uploads, "data/uploads");
	path_in(f, c->backups, sizeof c->backups, "data/backups");
	path_in(f, c->socket, sizeof c->socket, "run/carrel.sock");
	snprintf(c->base_url, sizeof c->base_url, "https://library.example.org");
	c->secure_cookies = true;
	snprintf(c->smtp_url, sizeof c->smtp_url, "smtp://mail.example.org:587");
	snprintf(c->smtp_from, sizeof c->smtp_from, "library@example.org");
	struct passwd *pw = getpwuid(geteuid());
	assert_non_null(pw);
	assert_int_equal(check_user_named(&f->me, pw->pw_name), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	check_report_free(&f->r);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* How many lines of that severity hold every one of the words given. */
static int lines_with(const struct check_report *r, enum check_severity sev, const char *a,
	const char *b)
{
	int n = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->lines[i].severity == sev && strstr(r->lines[i].text, a) &&
		    (!b || strstr(r->lines[i].text, b)))
			n++;
	return n;
}

static void print_report(const struct check_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		fprintf(stderr, "  %s: %s\n", r->lines[i].severity == CHECK_PROBLEM ? "problem" :
			"warning", r->lines[i].text);
}

static void exec_sql(const char *db, const char *sql)
{
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	char *err = NULL;
	int rc = sqlite3_exec(h, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fprintf(stderr, "sql: %s\n", err);
	sqlite3_free(err);
	sqlite3_close(h);
	assert_int_equal(rc, SQLITE_OK);
}

static void test_a_good_configuration_has_no_problem(void **state)
{
	struct fixture *f = *state;
	check_config(&f->cfg, &f->me, &f->r);
	print_report(&f->r);
	assert_int_equal(f->r.problems, 0);
	assert_int_equal(lines_with(&f->r, CHECK_WARNING, "does not exist yet", "carrel init"), 1);
}

static void test_the_file_is_read_past_each_bad_line(void **state)
{
	struct fixture *f = *state;
	char conf[400];
	path_in(f, conf, sizeof conf, "carrel.conf");
	FILE *out = fopen(conf, "w");
	assert_non_null(out);
	fputs("# a comment\n\nsmtp_from = desk@example.org\nsmtp_ulr = smtp://x\n"
	      "workers = many\njust some words\nbase_url = https://a.example\ncolour = blue\n", out);
	fclose(out);
	struct config cfg;
	check_read_config(&cfg, conf, true, &f->r);
	print_report(&f->r);
	assert_int_equal(f->r.problems, 4);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "line 4: there is no key \"smtp_ulr\"",
		"did you mean \"smtp_url\"?"), 1);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "line 5: \"many\"", "workers"), 1);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "line 6 is not \"key = value\"", NULL), 1);
	/* Nothing near enough to suggest. */
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "no key \"colour\" (", NULL), 1);
	/* The good lines around them were taken. */
	assert_string_equal(cfg.smtp_from, "desk@example.org");
	assert_string_equal(cfg.base_url, "https://a.example");
}

static void test_a_named_file_must_exist(void **state)
{
	struct fixture *f = *state;
	struct config cfg;
	check_read_config(&cfg, "/nonexistent/carrel.conf", true, &f->r);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "/nonexistent/carrel.conf does not exist",
		NULL), 1);
	check_report_free(&f->r);
	check_read_config(&cfg, "/nonexistent/carrel.conf", false, &f->r);
	assert_int_equal(f->r.problems, 0);
	assert_int_equal(f->r.warnings, 1);
}

static void test_missing_folders_are_named(void **state)
{
	struct fixture *f = *state;
	path_in(f, f->cfg.db, sizeof f->cfg.db, "gone/carrel.db");
	path_in(f, f->cfg.uploads, sizeof f->cfg.uploads, "gone/uploads");
	snprintf(f->cfg.templates, sizeof f->cfg.templates, "/nonexistent/templates");
	check_config(&f->cfg, &f->me, &f->r);
	print_report(&f->r);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "The database's folder", "/gone does not exist"), 1);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "gone/uploads", "key uploads) does not exist"), 1);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "templates folder /nonexistent/templates",
		"does not exist"), 1);
	assert_int_equal(f->r.problems, 3);
}

static void test_folders_are_checked_for_the_service_user(void **state)
{
	struct fixture *f = *state;
	/* Someone else, in no group of these folders: mode 0750 keeps them out. */
	struct check_user other = { .name = "someone", .uid = 54321, .groups = { 54321 },
		.ngroups = 1 };
	check_config(&f->cfg, &other, &f->r);
	print_report(&f->r);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "The user someone cannot write in",
		"the database's folder"), 1);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "someone cannot write in", "key backups"), 1);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "someone cannot make the socket", NULL), 1);
	check_report_free(&f->r);
	/* In the folders' group with mode 0770 they may. */
	struct stat st;
	char data[400];
	path_in(f, data, sizeof data, "data");
	assert_int_equal(stat(data, &st), 0);
	other.groups[0] = st.st_gid;
	const char *dirs[] = { "data", "data/uploads", "data/backups", "run" };
	for (size_t i = 0; i < 4; i++) {
		char p[400];
		path_in(f, p, sizeof p, dirs[i]);
		assert_int_equal(chmod(p, 0770), 0);
	}
	check_config(&f->cfg, &other, &f->r);
	print_report(&f->r);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "cannot", NULL), 0);
}

static void test_templates_folder_must_be_complete(void **state)
{
	struct fixture *f = *state;
	make_dir(f, "templates", 0755);
	char path[400];
	path_in(f, path, sizeof path, "templates/layout.mustache");
	FILE *out = fopen(path, "w");
	assert_non_null(out);
	fputs("<html>{{{body}}}</html>\n", out);
	fclose(out);
	path_in(f, f->cfg.templates, sizeof f->cfg.templates, "templates");
	check_config(&f->cfg, &f->me, &f->r);
	print_report(&f->r);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "is incomplete", "are missing"), 1);
}

static void test_pending_and_newer_migrations(void **state)
{
	struct fixture *f = *state;
	exec_sql(f->cfg.db, "CREATE TABLE schema_migration (version INTEGER PRIMARY KEY, "
		"name TEXT NOT NULL, applied_at INTEGER NOT NULL);"
		"INSERT INTO schema_migration VALUES (1, '0001_init.sql', 0);");
	check_config(&f->cfg, &f->me, &f->r);
	print_report(&f->r);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "not applied to the database yet",
		"carrel migrate"), 1);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "0001_init.sql", NULL), 0);
	check_report_free(&f->r);
	exec_sql(f->cfg.db, "INSERT INTO schema_migration SELECT 9999, 'later.sql', 0;");
	check_config(&f->cfg, &f->me, &f->r);
	print_report(&f->r);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "migration 9999", "newer Carrel"), 1);
}

static void test_plain_http_and_secure_cookies(void **state)
{
	struct fixture *f = *state;
	snprintf(f->cfg.base_url, sizeof f->cfg.base_url, "http://library.example.org");
	check_config(&f->cfg, &f->me, &f->r);
	assert_int_equal(lines_with(&f->r, CHECK_WARNING, "is plain HTTP", NULL), 1);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "secure_cookies is on", "nobody could log in"), 1);
	check_report_free(&f->r);
	snprintf(f->cfg.base_url, sizeof f->cfg.base_url, "https://library.example.org");
	f->cfg.secure_cookies = false;
	check_config(&f->cfg, &f->me, &f->r);
	assert_int_equal(f->r.problems, 0);
	assert_int_equal(lines_with(&f->r, CHECK_WARNING, "secure_cookies is off", NULL), 1);
	check_report_free(&f->r);
	snprintf(f->cfg.base_url, sizeof f->cfg.base_url, "library.example.org");
	check_config(&f->cfg, &f->me, &f->r);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "is not a web address", NULL), 1);
}

static void test_mail_sms_timezone_and_workers(void **state)
{
	struct fixture *f = *state;
	f->cfg.smtp_url[0] = '\0';
	snprintf(f->cfg.smtp_from, sizeof f->cfg.smtp_from, "the library");
	snprintf(f->cfg.sms_url, sizeof f->cfg.sms_url, "https://sms.example/Messages");
	snprintf(f->cfg.sms_user, sizeof f->cfg.sms_user, "AC123");
	snprintf(f->cfg.timezone, sizeof f->cfg.timezone, "Mars/Olympus_Mons");
	f->cfg.workers = 100;
	check_config(&f->cfg, &f->me, &f->r);
	print_report(&f->r);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "smtp_url is empty", "cannot be sent"), 1);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "smtp_from \"the library\"", NULL), 1);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "half filled", "sms_token, sms_from are empty"), 1);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "timezone \"Mars/Olympus_Mons\"", NULL), 1);
	assert_int_equal(lines_with(&f->r, CHECK_PROBLEM, "workers = 100", "64"), 1);
	assert_int_equal(f->r.problems, 5);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_good_configuration_has_no_problem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_file_is_read_past_each_bad_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_named_file_must_exist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_folders_are_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folders_are_checked_for_the_service_user, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_templates_folder_must_be_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending_and_newer_migrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain_http_and_secure_cookies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mail_sms_timezone_and_workers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
