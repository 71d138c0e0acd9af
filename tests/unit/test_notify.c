/*
** test_notify.c: unit tests of the notices core (lib/notify.c): templates
** checked and rendered, the channels a member chose, the in-app
** notification beside each notice, notices to staff, and the record of
** carrel-cron's tasks. Each test has a fresh migrated database.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "db_fixture.h"
#include "notify.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
	long long member, staff, admin;
};

static long long add_account(struct db *db, const char *email, const char *role,
	const char *phone, const char *channel)
{
	assert_int_equal(db_exec(db, "INSERT INTO account(email, name, phone, password_hash, role, "
		"notice_channel, created_at, updated_at) VALUES (?, 'Ada <Reader>', ?, '$argon2id$x', "
		"?, ?, 0, 0)", "tttt", email, phone, role, channel), SQLITE_OK);
	return db_last_id(db);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	test_db_open(f->dir, &f->db, &f->arena);
	f->member = add_account(&f->db, "member@unit.example", "member", "", "email");
	f->staff = add_account(&f->db, "staff@unit.example", "librarian", "", "email");
	f->admin = add_account(&f->db, "admin@unit.example", "admin", "", "email");
	notify_set_base_url("https://library.example/");
	*state = f;
	return 0;
}

DEFINE_TEST_DB_TEARDOWN(teardown)

static const time_t now = 1767268800;   /* 2026-01-01 12:00 UTC */

static struct notice hold_ready(struct fixture *f, long long account_id, const char *title)
{
	struct tv *fields = tv_obj(&f->arena);
	tv_set_str(fields, "title", title);
	tv_set_str(fields, "pickup_by", "8 Jan 2026");
	return (struct notice){ .kind = "hold-ready", .account_id = account_id,
		.object = "hold:1", .bucket = "2026-01-01", .fields = fields };
}

static long long count(struct fixture *f, const char *sql, long long id)
{
	return db_int(&f->db, -1, sql, "i", id);
}

static void test_a_notice_renders_its_kinds_templates(void **state)
{
	struct fixture *f = *state;
	struct notice n = hold_ready(f, f->member, "Fish & <Chips>");
	assert_int_equal(notify_queue(&f->db, &f->arena, now, &n), 1);
	sqlite3_stmt *st = db_query(&f->db, "SELECT subject, body, body_html, recipient, kind "
		"FROM outbox WHERE account_id = ?", "i", f->member);
	assert_true(db_row(&f->db, st));
	/* Text parts are not HTML: nothing escaped. The HTML part is. */
	assert_string_equal(db_text(&f->arena, st, 0), "Ready to collect: Fish & <Chips>");
	const char *body = db_text(&f->arena, st, 1);
	assert_non_null(strstr(body, "Dear Ada <Reader>,"));
	assert_non_null(strstr(body, "Please collect it by 8 Jan 2026"));
	assert_non_null(strstr(body, "https://library.example/account"));
	const char *html = db_text(&f->arena, st, 2);
	assert_non_null(strstr(html, "<strong>Fish &amp; &lt;Chips&gt;</strong>"));
	assert_null(strstr(html, "<Chips>"));
	assert_string_equal(db_text(&f->arena, st, 3), "member@unit.example");
	assert_string_equal(db_text(&f->arena, st, 4), "hold-ready");
	db_done(st);
}

static void test_queued_once_per_dedupe_key(void **state)
{
	struct fixture *f = *state;
	struct notice n = hold_ready(f, f->member, "Once");
	assert_int_equal(notify_queue(&f->db, &f->arena, now, &n), 1);
	assert_int_equal(notify_queue(&f->db, &f->arena, now + 60, &n), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE account_id = ?", f->member), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM notification WHERE account_id = ?",
		f->member), 1);
	assert_int_equal(notify_unread(&f->db, f->member), 1);
}

static void test_channels_follow_the_members_choice(void **state)
{
	struct fixture *f = *state;
	long long both = add_account(&f->db, "both@unit.example", "member", "+447700900123", "both");
	long long sms = add_account(&f->db, "sms@unit.example", "member", "+447700900124", "sms");
	/* Chose text messages but has no phone: email, never nothing. */
	long long nophone = add_account(&f->db, "nophone@unit.example", "member", "", "sms");
	struct notice n = hold_ready(f, both, "Both");
	assert_int_equal(notify_queue(&f->db, &f->arena, now, &n), 2);
	n = hold_ready(f, sms, "Sms");
	assert_int_equal(notify_queue(&f->db, &f->arena, now, &n), 1);
	n = hold_ready(f, nophone, "Nophone");
	assert_int_equal(notify_queue(&f->db, &f->arena, now, &n), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE account_id = ? "
		"AND channel = 'sms' AND recipient = '+447700900123' AND body LIKE '%Both is ready%'",
		both), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE account_id = ? "
		"AND channel = 'email'", sms), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE account_id = ? "
		"AND channel = 'email'", nophone), 1);
}

static void test_email_only_notices_skip_sms_and_the_centre(void **state)
{
	struct fixture *f = *state;
	long long both = add_account(&f->db, "b@unit.example", "member", "+447700900125", "both");
	struct tv *fields = tv_obj(&f->arena);
	tv_set_str(fields, "link", "https://library.example/password/reset/abc");
	tv_set_str(fields, "minutes", "60");
	struct notice n = { .kind = "password-reset", .account_id = both, .object = "reset:1",
		.bucket = "2026-01-01", .fields = fields, .email_only = true };
	assert_int_equal(notify_queue(&f->db, &f->arena, now, &n), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE account_id = ? "
		"AND channel = 'email' AND body LIKE '%/password/reset/abc%'", both), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM notification WHERE account_id = ?", both), 0);
}

static void test_a_gone_account_queues_nothing(void **state)
{
	struct fixture *f = *state;
	struct notice n = hold_ready(f, 999999, "Nobody");
	assert_int_equal(notify_queue(&f->db, &f->arena, now, &n), 0);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM outbox", NULL), 0);
}

static void test_templates_are_checked(void **state)
{
	struct fixture *f = *state;
	char err[512];
	struct notice_texts ok = { "Hi {{member_name}}", "{{title}}\n", "<p>{{title}}</p>", "" };
	assert_int_equal(notify_render(&f->arena, "title", &ok, NULL, NULL, err, sizeof err), 0);
	struct notice_texts unclosed = { "Hi", "line one\n{{#title}}\nno end\n", "", "" };
	assert_int_equal(notify_render(&f->arena, "title", &unclosed, NULL, NULL, err,
		sizeof err), -1);
	assert_true(!strncmp(err, "Text, line ", 11));
	struct notice_texts misspelt = { "Hi", "fine\n", "", "one\ntwo {{titel}}" };
	assert_int_equal(notify_render(&f->arena, "title", &misspelt, NULL, NULL, err,
		sizeof err), -1);
	assert_non_null(strstr(err, "Text message, line 2: {{titel}} is not a field"));
	/* A subject never carries a line break into a header. */
	struct tv *view = tv_obj(&f->arena);
	tv_set_str(view, "title", "a\r\nBcc: x@evil.example");
	struct notice_texts subj = { "About {{title}}", "x", "", "" };
	struct notice_message m;
	assert_int_equal(notify_render(&f->arena, "title", &subj, view, &m, err, sizeof err), 0);
	assert_null(strchr(m.subject, '\n'));
	assert_null(strchr(m.subject, '\r'));
}

static void test_staff_are_told_once_each(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(notify_staff(&f->db, &f->arena, now, "cron-failed", "cron-failed:x:1",
		"A task failed", "why", "/staff/notifications"), 2);
	assert_int_equal(notify_staff(&f->db, &f->arena, now, "cron-failed", "cron-failed:x:1",
		"A task failed", "why", "/staff/notifications"), 0);
	assert_int_equal(notify_unread(&f->db, f->staff), 1);
	assert_int_equal(notify_unread(&f->db, f->admin), 1);
	assert_int_equal(notify_unread(&f->db, f->member), 0);
	long long touched[8];
	size_t n = notify_take_touched(touched, 8);
	assert_true(n >= 2);
	assert_int_equal(notify_take_touched(touched, 8), 0);
}

static void test_cron_tasks_are_recorded(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(cron_task_begin(&f->db, "queue-reminders", now), 0);
	assert_int_equal(db_int(&f->db, 0, "SELECT count(*) FROM cron_task WHERE name = "
		"'queue-reminders' AND outcome = 'running' AND finished_at IS NULL", NULL), 1);
	assert_int_equal(cron_task_end(&f->db, "queue-reminders", now + 3, false, "it broke"), 0);
	assert_int_equal(cron_task_begin(&f->db, "queue-reminders", now + 60), 0);
	assert_int_equal(cron_task_end(&f->db, "queue-reminders", now + 61, true, "3 queued"), 0);
	sqlite3_stmt *st = db_query(&f->db, "SELECT started_at, finished_at, outcome, message, "
		"runs FROM cron_task WHERE name = 'queue-reminders'", NULL);
	assert_true(db_row(&f->db, st));
	assert_int_equal(db_col_int(st, 0), now + 60);
	assert_int_equal(db_col_int(st, 1), now + 61);
	assert_string_equal(db_text(&f->arena, st, 2), "ok");
	assert_string_equal(db_text(&f->arena, st, 3), "3 queued");
	assert_int_equal(db_col_int(st, 4), 2);
	db_done(st);
}

static void test_every_stored_template_renders(void **state)
{
	struct fixture *f = *state;
	struct notice_kind *kinds;
	int n = notify_kinds(&f->db, &f->arena, &kinds);
	assert_true(n >= 9);
	char err[512];
	for (int i = 0; i < n; i++) {
		if (notify_render(&f->arena, kinds[i].fields, &kinds[i].texts, NULL, NULL, err,
				sizeof err))
			fail_msg("%s: %s", kinds[i].kind, err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_notice_renders_its_kinds_templates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queued_once_per_dedupe_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channels_follow_the_members_choice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_email_only_notices_skip_sms_and_the_centre, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_a_gone_account_queues_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_templates_are_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_staff_are_told_once_each, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cron_tasks_are_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_stored_template_renders, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
