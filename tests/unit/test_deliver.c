/*
** test_deliver.c: unit tests of delivering the outbox (lib/deliver.c)
** without a network: emails saved as .eml files when no mail server is
** configured, the backoff of a mail server that refuses connections (a
** closed loopback port), failing for good after the last try with staff
** told, addresses and phone numbers that fail at once, each notice tried
** once a run, the one-line summary, and what staff read (counts,
** failures, saved files). Each test has a fresh migrated database.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "db_fixture.h"
#include "deliver.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
	char uploads[TEST_DIR_MAX + 16];
	struct config cfg;
	long long member;
};

static const time_t now = 1767268800;   /* 2026-01-01 12:00 UTC */

/* A loopback port nobody listens on: connections are refused at once. */
static int closed_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	socklen_t len = sizeof sa;
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
	close(s);
	return ntohs(sa.sin_port);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	test_db_open(f->dir, &f->db, &f->arena);
	snprintf(f->uploads, sizeof f->uploads, "%s-uploads", f->dir);
	char err[256];
	unsetenv("CARREL_SMTP_URL");
	setenv("CARREL_CONF", "/dev/null", 1);
	assert_int_equal(config_load(&f->cfg, err, sizeof err), 0);
	assert_int_equal(config_set(&f->cfg, "uploads", f->uploads), 0);
	assert_int_equal(config_set(&f->cfg, "smtp_from", "desk@library.example"), 0);
	assert_int_equal(db_exec(&f->db, "INSERT INTO account(email, name, phone, password_hash, "
		"role, created_at, updated_at) VALUES ('ann@example.org', 'Ann Reader', '', "
		"'$argon2id$x', 'member', 0, 0), ('desk@example.org', 'Desk Person', '', "
		"'$argon2id$x', 'librarian', 0, 0)", NULL), SQLITE_OK);
	f->member = db_int(&f->db, 0, "SELECT id FROM account WHERE email = 'ann@example.org'",
		NULL);
	*state = f;
	return 0;
}

static void remove_uploads(const char *uploads)
{
	char mail[TEST_DIR_MAX + 32], path[TEST_DIR_MAX + 64];
	snprintf(mail, sizeof mail, "%s/mail", uploads);
	for (int id = 1; id <= 50; id++) {
		snprintf(path, sizeof path, "%s/%d.eml", mail, id);
		unlink(path);
	}
	rmdir(mail);
	rmdir(uploads);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	remove_uploads(f->uploads);
	test_db_close(f->dir, &f->db, &f->arena);
	free(f);
	return 0;
}

static long long queue(struct fixture *f, const char *channel, const char *recipient,
	const char *subject, time_t due)
{
	static int n;
	char key[32];
	snprintf(key, sizeof key, "unit:%d", ++n);
	assert_int_equal(db_exec(&f->db, "INSERT INTO outbox(account_id, kind, channel, recipient, "
		"subject, body, body_html, dedupe_key, next_attempt_at, created_at) "
		"VALUES (?, 'test', ?, ?, ?, 'Hello Ann.', '<p>Hello</p>', ?, ?, ?)", "ittttii",
		f->member, channel, recipient, subject, key, (long long)due, (long long)due),
		SQLITE_OK);
	return db_last_id(&f->db);
}

struct row {
	char status[16], via[16], error[512];
	long long attempts, next_at, sent_at;
};

static struct row row_of(struct fixture *f, long long id)
{
	struct row r = { .attempts = -1 };
	sqlite3_stmt *st = db_query(&f->db, "SELECT status, coalesce(sent_via, ''), last_error, "
		"attempts, next_attempt_at, coalesce(sent_at, 0) FROM outbox WHERE id = ?", "i", id);
	assert_non_null(st);
	assert_true(db_row(&f->db, st));
	snprintf(r.status, sizeof r.status, "%s", sqlite3_column_text(st, 0));
	snprintf(r.via, sizeof r.via, "%s", sqlite3_column_text(st, 1));
	snprintf(r.error, sizeof r.error, "%s", sqlite3_column_text(st, 2));
	r.attempts = db_col_int(st, 3);
	r.next_at = db_col_int(st, 4);
	r.sent_at = db_col_int(st, 5);
	db_done(st);
	return r;
}

static void test_without_a_mail_server_emails_are_saved(void **state)
{
	struct fixture *f = *state;
	long long id = queue(f, "email", "ann@example.org", "Saved", now - 60);
	long long later = queue(f, "email", "ann@example.org", "Not due", now + 60);
	struct deliver_totals t;
	assert_int_equal(deliver_due(&f->db, &f->cfg, now, &t, NULL, NULL), 0);
	assert_int_equal(t.emails_saved, 1);
	assert_int_equal(t.emails_sent + t.sms_sent + t.retrying + t.failed, 0);
	struct row r = row_of(f, id);
	assert_string_equal(r.status, "sent");
	assert_string_equal(r.via, "folder");
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.sent_at, now);
	assert_string_equal(row_of(f, later).status, "queued");
	const char *path = deliver_eml_path(&f->db, &f->arena, &f->cfg, id);
	assert_non_null(path);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	struct buf b = BUF_INIT;
	assert_int_equal(buf_read_file(&b, path), 0);
	assert_non_null(strstr(buf_str(&b), "\r\nSubject: Saved\r\n"));
	assert_non_null(strstr(buf_str(&b), "To: \"Ann Reader\" <ann@example.org>\r\n"));
	buf_free(&b);
	/* Not saved: no path. */
	assert_null(deliver_eml_path(&f->db, &f->arena, &f->cfg, later));
	assert_null(deliver_eml_path(&f->db, &f->arena, &f->cfg, 9999));
	struct outbox_file *files;
	assert_int_equal(deliver_recent_files(&f->db, &f->arena, &f->cfg, 10, &files), 1);
	assert_int_equal(files[0].id, id);
	assert_string_equal(files[0].subject, "Saved");
	/* A second run has nothing to do. */
	assert_int_equal(deliver_due(&f->db, &f->cfg, now, &t, NULL, NULL), 0);
	assert_int_equal(t.emails_saved, 0);
}

static void test_a_refusing_server_backs_off_then_fails(void **state)
{
	struct fixture *f = *state;
	char url[64];
	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", closed_port());
	assert_int_equal(config_set(&f->cfg, "smtp_url", url), 0);
	assert_int_equal(db_exec(&f->db, "UPDATE setting SET value = '3' "
		"WHERE key = 'notices.max_attempts'", NULL), SQLITE_OK);
	assert_int_equal(db_exec(&f->db, "UPDATE setting SET value = '100' "
		"WHERE key = 'notices.retry_seconds'", NULL), SQLITE_OK);
	long long a = queue(f, "email", "ann@example.org", "First", now);
	long long b = queue(f, "email", "ann@example.org", "Second", now);
	struct deliver_totals t;
	/* 1st try at now, 2nd after 100 s, 3rd (the last) after 200 more. */
	const time_t tries[] = { now, now + 100, now + 300 };
	const long long next[] = { now + 100, now + 300 };
	for (int i = 0; i < 3; i++) {
		/* Too early: nothing is tried. */
		if (i > 0) {
			assert_int_equal(deliver_due(&f->db, &f->cfg, tries[i] - 1, &t, NULL, NULL), 0);
			assert_int_equal(t.retrying + t.failed, 0);
		}
		assert_int_equal(deliver_due(&f->db, &f->cfg, tries[i], &t, NULL, NULL), 1);
		assert_true(t.server_down);
		struct row r = row_of(f, a);
		assert_int_equal(r.attempts, i + 1);
		assert_non_null(strstr(r.error, "could not be reached"));
		assert_non_null(strstr(r.error, url));
		if (i < 2) {
			assert_int_equal(t.retrying, 2);
			assert_string_equal(r.status, "queued");
			assert_int_equal(r.next_at, next[i]);
		} else {
			assert_int_equal(t.failed, 2);
			assert_string_equal(r.status, "failed");
		}
	}
	assert_string_equal(row_of(f, b).status, "failed");
	/* Staff are told, each once per notice. */
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM notification n JOIN account a "
		"ON a.id = n.account_id WHERE a.role = 'librarian' AND n.kind = 'notice-failed'", NULL),
		2);
	struct outbox_counts c;
	assert_int_equal(deliver_counts(&f->db, &c), 0);
	assert_int_equal(c.failed, 2);
	assert_int_equal(c.queued + c.sent, 0);
	struct outbox_failure *fails;
	assert_int_equal(deliver_recent_failures(&f->db, &f->arena, 10, &fails), 2);
	assert_string_equal(fails[0].member_name, "Ann Reader");
	assert_int_equal(fails[0].attempts, 3);
	assert_int_equal(fails[0].last_attempt_at, now + 300);
	/* Never tried again. */
	assert_int_equal(deliver_due(&f->db, &f->cfg, now + 100000, &t, NULL, NULL), 0);
	assert_int_equal(row_of(f, a).attempts, 3);
}

static void test_what_can_never_work_fails_at_once(void **state)
{
	struct fixture *f = *state;
	long long email = queue(f, "email", "ann@example.org\r\nBcc: x@example.net", "Bad", now);
	long long phone = queue(f, "sms", "not a number", "unused", now);
	long long no_gateway = queue(f, "sms", "07700 900123", "unused", now);
	struct deliver_totals t;
	assert_int_equal(deliver_due(&f->db, &f->cfg, now, &t, NULL, NULL), 0);
	assert_int_equal(t.failed, 2);
	assert_int_equal(t.retrying, 1);
	struct row r = row_of(f, email);
	assert_string_equal(r.status, "failed");
	assert_int_equal(r.attempts, 1);
	assert_non_null(strstr(r.error, "cannot be used"));
	r = row_of(f, phone);
	assert_string_equal(r.status, "failed");
	assert_non_null(strstr(r.error, "\"not a number\""));
	/* No gateway configured: that may change, so it waits. */
	r = row_of(f, no_gateway);
	assert_string_equal(r.status, "queued");
	assert_non_null(strstr(r.error, "No text message gateway is configured"));
	assert_int_equal(r.next_at, now + 300);
}

static void test_the_summary_reads_as_words(void **state)
{
	(void)state;
	char line[256];
	struct deliver_totals t = { .emails_sent = 12, .sms_sent = 1, .retrying = 2 };
	deliver_summary(&t, line, sizeof line);
	assert_string_equal(line, "12 emails sent, 1 text message sent, 2 waiting to retry, 0 failed");
	struct deliver_totals u = { .emails_saved = 1, .emails_sent = 1, .failed = 1,
		.server_down = true };
	deliver_summary(&u, line, sizeof line);
	assert_string_equal(line, "1 email saved as files, 1 email sent, 0 text messages sent, "
		"0 waiting to retry, 1 failed (the mail server could not be used)");
	struct deliver_totals v = { .retrying = 3, .gateway_down = true };
	deliver_summary(&v, line, sizeof line);
	assert_string_equal(line, "0 emails sent, 0 text messages sent, 3 waiting to retry, "
		"0 failed (the text message gateway could not be reached)");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_without_a_mail_server_emails_are_saved, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_a_refusing_server_backs_off_then_fails, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_what_can_never_work_fails_at_once, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_the_summary_reads_as_words, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
