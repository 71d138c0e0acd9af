/*
** test_support.c: unit tests of lib/support.c against a real SQLite
** database migrated from schema/: what a question must hold; a visitor's
** throttle; staff told of new questions and follow-ups; an answer stored,
** audited and sent (a member's through notify_queue, a visitor's as an
** email to the address given); follow-ups only on one's own question and
** not on a closed one; closing and reopening; the order of the list; and
** the library's rules read live for the help pages.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_fixture.h"
#include "support.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
	long long member, other, librarian;
};

static long long add_account(struct db *db, const char *email, const char *name,
	const char *role)
{
	assert_int_equal(db_exec(db, "INSERT INTO account(email, name, password_hash, role, "
		"created_at, updated_at) VALUES (?, ?, '$argon2id$x', ?, 0, 0)", "ttt",
		email, name, role), SQLITE_OK);
	return db_last_id(db);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	test_db_open(f->dir, &f->db, &f->arena);
	f->member = add_account(&f->db, "mia@example.org", "Mia Member", "member");
	f->other = add_account(&f->db, "otto@example.org", "Otto Other", "member");
	f->librarian = add_account(&f->db, "lib@example.org", "Lou Librarian", "librarian");
	*state = f;
	return 0;
}

DEFINE_TEST_DB_TEARDOWN(teardown)

#define NOW 1800000000LL

static long long open_question(struct fixture *f, long long account_id, const char *subject)
{
	struct support_input in = { subject, "What are your opening hours?", "Vic Visitor",
		"vic@example.org" };
	struct form_errors errs = { .n = 0 };
	assert_true(support_validate(&f->arena, &in, account_id == 0, &errs));
	long long id = 0;
	assert_int_equal(support_open(&f->db, &f->arena, NOW, account_id, &in, "192.0.2.7", &id),
		SUPPORT_OK);
	assert_true(id > 0);
	return id;
}

static long long count(struct db *db, const char *sql, long long arg)
{
	return db_int(db, -1, sql, "i", arg);
}

static void test_questions_are_checked(void **state)
{
	struct fixture *f = *state;
	struct form_errors errs = { .n = 0 };
	struct support_input in = { "  ", " \n ", "", "not an address" };
	assert_false(support_validate(&f->arena, &in, true, &errs));
	assert_non_null(form_error_get(&errs, "subject"));
	assert_non_null(form_error_get(&errs, "message"));
	assert_non_null(form_error_get(&errs, "name"));
	assert_non_null(form_error_get(&errs, "email"));

	/* A member is asked neither name nor email; text is trimmed. */
	struct form_errors ok = { .n = 0 };
	struct support_input mine = { "  Parking ", "  Is there any?  ", NULL, NULL };
	assert_true(support_validate(&f->arena, &mine, false, &ok));
	assert_string_equal(mine.subject, "Parking");
	assert_string_equal(mine.message, "Is there any?");
	assert_string_equal(mine.email, "");

	/* A subject is one line, and neither part runs on forever. */
	struct form_errors e2 = { .n = 0 };
	char long_text[SUPPORT_MESSAGE_MAX + 2];
	memset(long_text, 'a', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = '\0';
	struct support_input bad = { "Two\nlines", long_text, NULL, NULL };
	assert_false(support_validate(&f->arena, &bad, false, &e2));
	assert_string_equal(form_error_get(&e2, "subject"), "The subject must be one line.");
	assert_non_null(form_error_get(&e2, "message"));

	const char *body;
	assert_non_null(support_reply_problem(&f->arena, "   ", &body));
	assert_null(support_reply_problem(&f->arena, " Thanks ", &body));
	assert_string_equal(body, "Thanks");
}

static void test_new_question_tells_staff(void **state)
{
	struct fixture *f = *state;
	long long id = open_question(f, f->member, "Lost card");
	struct support_ticket t;
	assert_int_equal(support_get(&f->db, &f->arena, id, 0, &t), 0);
	assert_int_equal(t.account_id, f->member);
	assert_string_equal(t.status, "open");
	assert_string_equal(t.name, "Mia Member");
	assert_int_equal(t.messages, 1);
	assert_int_equal(count(&f->db, "SELECT count(*) FROM notification WHERE account_id = ? "
		"AND kind = 'support-ticket'", f->librarian), 1);
	assert_int_equal(count(&f->db, "SELECT count(*) FROM notification WHERE account_id = ?",
		f->member), 0);
	assert_int_equal(support_open_count(&f->db), 1);
}

static void test_visitors_are_throttled(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(db_exec(&f->db, "UPDATE setting SET value = '2' WHERE key = ?", "t",
		SUPPORT_SETTING_VISITOR_LIMIT), SQLITE_OK);
	open_question(f, 0, "One");
	open_question(f, 0, "Two");
	struct support_input in = { "Three", "More", "Vic Visitor", "vic@example.org" };
	long long id = 7;
	assert_int_equal(support_open(&f->db, &f->arena, NOW + 60, 0, &in, "192.0.2.7", &id),
		SUPPORT_THROTTLED);
	assert_int_equal(id, 0);
	/* Another client, a member, or an hour later: allowed. */
	assert_int_equal(support_open(&f->db, &f->arena, NOW, 0, &in, "192.0.2.8", &id),
		SUPPORT_OK);
	assert_int_equal(support_open(&f->db, &f->arena, NOW, f->member, &in, "192.0.2.7", &id),
		SUPPORT_OK);
	assert_int_equal(support_open(&f->db, &f->arena, NOW + SUPPORT_WINDOW + 1, 0, &in,
		"192.0.2.7", &id), SUPPORT_OK);
}

static void test_answer_to_a_member(void **state)
{
	struct fixture *f = *state;
	long long id = open_question(f, f->member, "Renewals");
	assert_int_equal(support_answer(&f->db, &f->arena, NOW + 10, f->librarian, id,
		"Three times."), SUPPORT_OK);
	struct support_ticket t;
	assert_int_equal(support_get(&f->db, &f->arena, id, f->member, &t), 0);
	assert_string_equal(t.status, "answered");
	assert_int_equal(t.answered_at, NOW + 10);
	struct support_message *m;
	assert_int_equal(support_thread(&f->db, &f->arena, id, &m), 2);
	assert_true(m[1].from_staff);
	assert_string_equal(m[1].author, "Lou Librarian");
	assert_string_equal(m[1].body, "Three times.");
	assert_int_equal(count(&f->db, "SELECT count(*) FROM outbox WHERE account_id = ? "
		"AND kind = 'support-answer' AND channel = 'email'", f->member), 1);
	assert_int_equal(count(&f->db, "SELECT count(*) FROM notification WHERE account_id = ? "
		"AND kind = 'support-answer'", f->member), 1);
	assert_int_equal(count(&f->db, "SELECT count(*) FROM audit WHERE actor_id = ? "
		"AND action = 'support.answer'", f->librarian), 1);
}

static void test_answer_to_a_visitor_is_an_email(void **state)
{
	struct fixture *f = *state;
	long long id = open_question(f, 0, "Donations");
	assert_int_equal(support_answer(&f->db, &f->arena, NOW, f->librarian, id, "Yes."),
		SUPPORT_OK);
	sqlite3_stmt *st = db_query(&f->db, "SELECT recipient, subject, body FROM outbox "
		"WHERE kind = 'support-answer' AND account_id IS NULL", NULL);
	assert_true(db_row(&f->db, st));
	assert_string_equal(db_text(&f->arena, st, 0), "vic@example.org");
	assert_string_equal(db_text(&f->arena, st, 1), "Re: Donations");
	const char *body = db_text(&f->arena, st, 2);
	assert_non_null(strstr(body, "Dear Vic Visitor"));
	assert_non_null(strstr(body, "Yes."));
	assert_false(db_row(&f->db, st));
}

static void test_follow_ups(void **state)
{
	struct fixture *f = *state;
	long long id = open_question(f, f->member, "Holds");
	assert_int_equal(support_answer(&f->db, &f->arena, NOW, f->librarian, id, "Seven days."),
		SUPPORT_OK);
	/* Not another member's, and not one that does not exist. */
	assert_int_equal(support_follow_up(&f->db, &f->arena, NOW, f->other, id, "Me too"),
		SUPPORT_NOT_FOUND);
	assert_int_equal(support_follow_up(&f->db, &f->arena, NOW, f->member, id + 100, "Hm"),
		SUPPORT_NOT_FOUND);
	struct support_ticket t;
	assert_int_equal(support_get(&f->db, &f->arena, id, f->other, &t), 1);
	assert_int_equal(support_follow_up(&f->db, &f->arena, NOW + 5, f->member, id,
		"Even at Christmas?"), SUPPORT_OK);
	assert_int_equal(support_get(&f->db, &f->arena, id, f->member, &t), 0);
	assert_string_equal(t.status, "open");
	assert_int_equal(t.messages, 3);
	assert_int_equal(count(&f->db, "SELECT count(*) FROM notification WHERE account_id = ? "
		"AND kind = 'support-ticket'", f->librarian), 2);
}

static void test_close_and_reopen(void **state)
{
	struct fixture *f = *state;
	long long id = open_question(f, f->member, "Fines");
	assert_int_equal(support_close(&f->db, &f->arena, NOW, f->librarian, id), SUPPORT_OK);
	assert_int_equal(support_close(&f->db, &f->arena, NOW, f->librarian, id), SUPPORT_OK);
	assert_int_equal(count(&f->db, "SELECT count(*) FROM audit WHERE action = 'support.close' "
		"AND actor_id = ?", f->librarian), 1);
	assert_int_equal(support_answer(&f->db, &f->arena, NOW, f->librarian, id, "Late"),
		SUPPORT_CLOSED);
	assert_int_equal(support_follow_up(&f->db, &f->arena, NOW, f->member, id, "Hello?"),
		SUPPORT_CLOSED);
	/* The asker wrote last: reopened, it waits for staff again. */
	assert_int_equal(support_reopen(&f->db, &f->arena, NOW, f->librarian, id), SUPPORT_OK);
	struct support_ticket t;
	assert_int_equal(support_get(&f->db, &f->arena, id, 0, &t), 0);
	assert_string_equal(t.status, "open");
	assert_int_equal(count(&f->db, "SELECT count(*) FROM audit WHERE action = 'support.reopen' "
		"AND actor_id = ?", f->librarian), 1);
	assert_int_equal(support_close(&f->db, &f->arena, NOW, f->librarian, id + 100),
		SUPPORT_NOT_FOUND);
}

static void test_list_order_and_filters(void **state)
{
	struct fixture *f = *state;
	long long closed = open_question(f, f->member, "Closed");
	long long answered = open_question(f, f->other, "Answered");
	long long waiting = open_question(f, f->member, "Waiting");
	assert_int_equal(support_answer(&f->db, &f->arena, NOW + 1, f->librarian, answered, "A"),
		SUPPORT_OK);
	assert_int_equal(support_close(&f->db, &f->arena, NOW + 2, f->librarian, closed),
		SUPPORT_OK);
	struct support_ticket *t;
	long total;
	assert_int_equal(support_list(&f->db, &f->arena, "", 0, 1, 10, &t, &total), 3);
	assert_int_equal(total, 3);
	assert_int_equal(t[0].id, waiting);
	assert_int_equal(t[1].id, answered);
	assert_int_equal(t[2].id, closed);
	assert_int_equal(support_list(&f->db, &f->arena, "closed", 0, 1, 10, &t, &total), 1);
	assert_int_equal(t[0].id, closed);
	assert_int_equal(support_list(&f->db, &f->arena, "", f->member, 1, 10, &t, &total), 2);
	assert_int_equal(support_list(&f->db, &f->arena, "", 0, 2, 2, &t, &total), 1);
	assert_int_equal(t[0].id, closed);
	/* Anything else is all of them. */
	assert_int_equal(support_list(&f->db, &f->arena, "'; DROP", 0, 1, 10, &t, &total), 3);
}

static void test_rules_are_read_live(void **state)
{
	struct fixture *f = *state;
	struct support_rules r;
	assert_int_equal(support_rules_get(&f->db, &f->arena, &r), 0);
	assert_int_equal(r.loan_days, 21);
	assert_int_equal(r.max_loans, 5);
	assert_int_equal(r.max_renewals, 3);
	assert_int_equal(r.fine_per_day_cents, 25);
	assert_int_equal(r.grace_days, 1);
	assert_int_equal(r.fine_cap_cents, 1000);
	assert_int_equal(r.block_fines_cents, 500);
	assert_int_equal(r.hold_pickup_days, 7);
	assert_int_equal(r.ebook_days, 14);
	assert_int_equal(r.nplans, 3);
	assert_int_equal(r.other_rules, 0);
	assert_int_equal(db_exec(&f->db, "UPDATE circ_rule SET loan_days = 28, max_loans = 9 "
		"WHERE category = '*' AND item_type = '*'", NULL), SQLITE_OK);
	assert_int_equal(db_exec(&f->db, "UPDATE plan SET active = 0 WHERE name = 'Monthly'",
		NULL), SQLITE_OK);
	assert_int_equal(support_rules_get(&f->db, &f->arena, &r), 0);
	assert_int_equal(r.loan_days, 28);
	assert_int_equal(r.max_loans, 9);
	assert_int_equal(r.nplans, 2);
	for (int i = 0; i < r.nplans; i++)
		assert_string_not_equal(r.plans[i].name, "Monthly");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_questions_are_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_question_tells_staff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_visitors_are_throttled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_to_a_member, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_to_a_visitor_is_an_email, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow_ups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_order_and_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules_are_read_live, setup, teardown),
	};
	return cmocka_run_group_tests_name("support", tests, NULL, NULL);
}
