/*
** test_privacy.c: unit tests of lib/privacy.c against a real SQLite
** database migrated from schema/: what stops a member's removal (a loan, a
** hold, an open e-book loan, fines owed), each in words, with nothing
** changed; a removal anonymises the account and keeps its loans, fines and
** ratings; the member's own removal checks their password; the data export
** holds the member's rows and nobody else's; loan history retention moves
** only loans returned before the period to the anonymous account.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "db.h"
#include "db_fixture.h"
#include "notify.h"
#include "privacy.h"
#include "template.h"

#define NOW 1796000000LL          /* a Sunday in December 2026 */
#define DAY 86400LL

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
	long long reader, other, librarian;
	long long title, copy;
};

static const struct auth_cost cheap = { 1, 8192 };

static long long add_account(struct db *db, const char *email, const char *name,
	const char *role)
{
	char hash[AUTH_HASH_MAX];
	assert_int_equal(auth_hash_password(&cheap, "reader password", hash), 0);
	assert_int_equal(db_exec(db, "INSERT INTO account(email, name, phone, password_hash, "
		"role, card_number, notes, created_at, updated_at) VALUES (?, ?, '+4412345', ?, ?, "
		"'CARD-' || ?1, 'a note about them', 0, 0)", "tttt", email, name, hash, role),
		SQLITE_OK);
	return db_last_id(db);
}

static long long add_copy(struct db *db, long long title_id, const char *barcode)
{
	assert_int_equal(db_exec(db, "INSERT INTO copy(barcode, title_id, created_at) "
		"VALUES (?, ?, 0)", "ti", barcode, title_id), SQLITE_OK);
	return db_last_id(db);
}

/* A loan of the copy; returned_at 0 leaves it out. */
static long long add_loan(struct db *db, long long copy_id, long long account_id,
	long long returned_at)
{
	assert_int_equal(db_exec(db, "INSERT INTO loan(copy_id, account_id, loaned_at, "
		"loan_day, due_day, returned_at, return_day, rule_category, rule_item_type, "
		"loan_days, max_renewals, fine_per_day_cents, grace_days, fine_cap_cents) "
		"VALUES (?1, ?2, 0, '2026-01-01', '2026-01-22', nullif(?3, 0), "
		"CASE WHEN ?3 THEN '2026-01-10' END, '*', '*', 21, 3, 25, 1, 1000)", "iii",
		copy_id, account_id, returned_at), SQLITE_OK);
	return db_last_id(db);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	test_db_open(f->dir, &f->db, &f->arena);
	f->reader = add_account(&f->db, "reader@unit.example", "Ada Reader", "member");
	f->other = add_account(&f->db, "other@unit.example", "Otto Other", "member");
	f->librarian = add_account(&f->db, "desk@unit.example", "Desk Person", "librarian");
	assert_int_equal(db_exec(&f->db, "INSERT INTO title(title, format, created_at, "
		"updated_at) VALUES ('A Borrowed Book', 'print', 0, 0)", NULL), SQLITE_OK);
	f->title = db_last_id(&f->db);
	f->copy = add_copy(&f->db, f->title, "B1");
	*state = f;
	return 0;
}

DEFINE_TEST_DB_TEARDOWN(teardown)

static struct privacy_blockers blockers(struct fixture *f, long long who)
{
	struct privacy_blockers b;
	assert_int_equal(privacy_removal_blockers(&f->db, &f->arena, who, NOW, &b), 0);
	return b;
}

static const char *account_text(struct fixture *f, const char *column, long long id)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT coalesce(%s, '') FROM account WHERE id = ?", column);
	sqlite3_stmt *st = db_query(&f->db, sql, "i", id);
	assert_true(db_row(&f->db, st));
	const char *s = db_text(&f->arena, st, 0);
	db_done(st);
	return s;
}

static void test_each_reason_is_said_and_nothing_changes(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(blockers(f, f->reader).n, 0);

	add_loan(&f->db, f->copy, f->reader, 0);
	add_loan(&f->db, add_copy(&f->db, f->title, "B2"), f->reader, 0);
	assert_int_equal(db_exec(&f->db, "INSERT INTO hold(title_id, account_id, placed_at) "
		"VALUES (?, ?, 0)", "ii", f->title, f->reader), SQLITE_OK);
	assert_int_equal(db_exec(&f->db, "INSERT INTO ebook_loan(title_id, account_id, status, "
		"requested_at) VALUES (?, ?, 'requested', 0)", "ii", f->title, f->reader), SQLITE_OK);
	assert_int_equal(db_exec(&f->db, "INSERT INTO fine(account_id, kind, amount_cents, at) "
		"VALUES (?, 'accrued', 350, 0)", "i", f->reader), SQLITE_OK);

	struct privacy_blockers b = blockers(f, f->reader);
	assert_int_equal(b.n, 4);
	assert_string_equal(b.reasons[0], "2 books still on loan");
	assert_string_equal(b.reasons[1], "1 hold waiting or ready to collect");
	assert_string_equal(b.reasons[2], "1 e-book loan or request still open");
	assert_non_null(strstr(b.reasons[3], "3.50"));
	assert_non_null(strstr(b.reasons[3], "in unpaid fines"));

	long long audits = db_int(&f->db, -1, "SELECT count(*) FROM audit", NULL);
	assert_int_equal(privacy_remove_member(&f->db, &f->arena, f->reader, f->librarian, NOW,
		&b), PRIVACY_REFUSED);
	assert_int_equal(b.n, 4);
	assert_string_equal(account_text(f, "name", f->reader), "Ada Reader");
	assert_string_equal(account_text(f, "email", f->reader), "reader@unit.example");
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM audit", NULL), audits);

	/* The other member is not held back by the reader's loans. */
	assert_int_equal(blockers(f, f->other).n, 0);
}

static void test_removal_anonymises_and_keeps_the_figures(void **state)
{
	struct fixture *f = *state;
	long long loan = add_loan(&f->db, f->copy, f->reader, NOW - DAY);
	assert_int_equal(db_exec(&f->db, "INSERT INTO fine(account_id, loan_id, kind, "
		"amount_cents, at) VALUES (?1, ?2, 'accrued', 200, 0), (?1, ?2, 'paid', -200, 0)",
		"ii", f->reader, loan), SQLITE_OK);
	assert_int_equal(db_exec(&f->db, "INSERT INTO review(title_id, account_id, rating, body, "
		"created_at, updated_at) VALUES (?, ?, 4, 'Loved it, said Ada', 0, 0)", "ii",
		f->title, f->reader), SQLITE_OK);
	assert_int_equal(db_exec(&f->db, "INSERT INTO session(token_hash, account_id, csrf, "
		"created_at, last_seen, expires_at) VALUES (zeroblob(32), ?, 'x', 0, 0, 1)", "i",
		f->reader), SQLITE_OK);
	assert_int_equal(db_exec(&f->db, "INSERT INTO notification(account_id, kind, subject, "
		"dedupe_key, created_at) VALUES (?, 'x', 'Hello Ada', 'k', 0)", "i", f->reader),
		SQLITE_OK);
	assert_int_equal(db_exec(&f->db, "INSERT INTO outbox(account_id, kind, channel, "
		"recipient, subject, body, dedupe_key, next_attempt_at, created_at) VALUES "
		"(?1, 'x', 'email', 'reader@unit.example', 'Due soon', 'Dear Ada', 'a', 0, 0), "
		"(?1, 'x', 'sms', '+4412345', 'Due', 'Dear Ada', 'b', 0, 0)", "i", f->reader),
		SQLITE_OK);
	assert_int_equal(db_exec(&f->db, "UPDATE outbox SET status = 'sent' WHERE dedupe_key = 'a'",
		NULL), SQLITE_OK);
	assert_int_equal(db_exec(&f->db, "INSERT INTO support_ticket(account_id, subject, "
		"created_at, updated_at) VALUES (?, 'My card', 0, 0)", "i", f->reader), SQLITE_OK);
	assert_int_equal(db_exec(&f->db, "INSERT INTO support_message(ticket_id, body, created_at) "
		"VALUES (?, 'I am Ada and lost my card', 0)", "i", db_last_id(&f->db)), SQLITE_OK);
	const char *exported = privacy_export_csv(&f->db, &f->arena, f->reader, NOW);
	assert_non_null(strstr(exported, "support,1,body,I am Ada and lost my card\r\n"));

	struct privacy_blockers b;
	assert_int_equal(privacy_remove_member(&f->db, &f->arena, f->reader, f->librarian, NOW,
		&b), PRIVACY_OK);
	assert_string_equal(account_text(f, "name", f->reader), "Removed member");
	char email[64];
	snprintf(email, sizeof email, "removed-%lld@removed.invalid", f->reader);
	assert_string_equal(account_text(f, "email", f->reader), email);
	assert_string_equal(account_text(f, "phone", f->reader), "");
	assert_string_equal(account_text(f, "card_number", f->reader), "");
	assert_string_equal(account_text(f, "notes", f->reader), "");
	assert_false(auth_check_password(account_text(f, "password_hash", f->reader),
		"reader password"));
	assert_true(privacy_is_removed(&f->db, f->reader, NULL));
	assert_false(privacy_is_removed(&f->db, f->other, NULL));

	/* The figures stay, pointing at the anonymised account. */
	assert_int_equal(db_int(&f->db, 0, "SELECT account_id FROM loan WHERE id = ?", "i", loan),
		f->reader);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM fine WHERE account_id = ?", "i",
		f->reader), 2);
	assert_int_equal(db_int(&f->db, -1, "SELECT rating_sum FROM title_stat WHERE title_id = ?",
		"i", f->title), 4);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM review WHERE body <> ''", NULL), 0);
	/* What spoke of the person is gone. */
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM session", NULL), 0);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM support_message", NULL), 0);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM notification WHERE account_id = ?",
		"i", f->reader), 0);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM outbox WHERE status = 'queued' "
		"OR recipient <> '' OR body <> ''", NULL), 0);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM outbox WHERE status = 'sent'",
		NULL), 1);
	/* The audit row says who removed whom by number only. */
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM audit WHERE action = "
		"'account.remove' AND actor_id = ? AND instr(detail, 'Ada') = 0", "i", f->librarian), 1);

	/* No notice is queued for them again, by email, text or in-app. */
	struct tv *fields = tv_obj(&f->arena);
	tv_set_str(fields, "title", "A Borrowed Book");
	tv_set_str(fields, "pickup_by", "2026-12-20");
	struct notice n = { .kind = "hold-ready", .account_id = f->reader, .object = "hold:9",
		.bucket = "2026-12-06", .fields = fields };
	long long rows = db_int(&f->db, -1, "SELECT count(*) FROM outbox", NULL);
	assert_int_equal(notify_queue(&f->db, &f->arena, NOW, &n), 0);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM outbox", NULL), rows);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM notification", NULL), 0);
	n.account_id = f->other;
	assert_true(notify_queue(&f->db, &f->arena, NOW, &n) > 0);

	/* Removed once: not again, and the address is free. */
	assert_int_equal(privacy_remove_member(&f->db, &f->arena, f->reader, f->librarian, NOW,
		&b), PRIVACY_NOT_FOUND);
	assert_int_equal(privacy_remove_member(&f->db, &f->arena, f->librarian, f->librarian, NOW,
		&b), PRIVACY_NOT_FOUND);
	add_account(&f->db, "reader@unit.example", "Ada Again", "member");
}

static void test_own_removal_checks_the_password(void **state)
{
	struct fixture *f = *state;
	struct privacy_blockers b;
	assert_int_equal(privacy_remove_own(&f->db, &f->arena, f->reader, "wrong", NOW, &b),
		PRIVACY_BAD_PASSWORD);
	assert_int_equal(privacy_remove_own(&f->db, &f->arena, f->reader, "", NOW, &b),
		PRIVACY_BAD_PASSWORD);
	assert_int_equal(privacy_remove_own(&f->db, &f->arena, f->reader, NULL, NOW, &b),
		PRIVACY_BAD_PASSWORD);
	assert_string_equal(account_text(f, "name", f->reader), "Ada Reader");
	assert_int_equal(privacy_remove_own(&f->db, &f->arena, f->reader, "reader password", NOW,
		&b), PRIVACY_OK);
	assert_int_equal(db_int(&f->db, -1, "SELECT actor_id FROM audit WHERE action = "
		"'account.remove'", NULL), f->reader);
}

static void test_export_holds_only_the_members_rows(void **state)
{
	struct fixture *f = *state;
	add_loan(&f->db, f->copy, f->reader, NOW - DAY);
	assert_int_equal(db_exec(&f->db, "INSERT INTO title(title, format, created_at, updated_at) "
		"VALUES ('Otto''s Secret', 'print', 0, 0)", NULL), SQLITE_OK);
	add_loan(&f->db, add_copy(&f->db, db_last_id(&f->db), "O1"), f->other, 0);
	assert_int_equal(db_exec(&f->db, "INSERT INTO fine(account_id, kind, amount_cents, at) "
		"VALUES (?, 'accrued', 125, 0)", "i", f->other), SQLITE_OK);

	const char *text = privacy_export_json(&f->db, &f->arena, f->reader, NOW);
	assert_non_null(text);
	json_error_t err;
	json_t *root = json_loads(text, 0, &err);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "profile"),
		"email")), "reader@unit.example");
	json_t *loans = json_object_get(root, "loans");
	assert_int_equal(json_array_size(loans), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(loans, 0), "title")),
		"A Borrowed Book");
	assert_int_equal(json_array_size(json_object_get(root, "fines")), 0);
	static const char *const sections[] = { "memberships", "holds", "payments",
		"ebook_loans", "reviews", "notices" };
	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
		assert_true(json_is_array(json_object_get(root, sections[i])));
	json_decref(root);
	assert_null(strstr(text, "Otto"));

	const char *csv = privacy_export_csv(&f->db, &f->arena, f->reader, NOW);
	assert_non_null(csv);
	assert_true(!strncmp(csv, "section,row,field,value\r\n", 25));
	assert_non_null(strstr(csv, "profile,0,email,reader@unit.example\r\n"));
	assert_non_null(strstr(csv, "loans,1,title,A Borrowed Book\r\n"));
	assert_null(strstr(csv, "Otto"));

	assert_null(privacy_export_json(&f->db, &f->arena, 999999, NOW));
}

static void test_retention_moves_only_old_returned_loans(void **state)
{
	struct fixture *f = *state;
	long long old = add_loan(&f->db, f->copy, f->reader, NOW - 40 * DAY);
	long long recent = add_loan(&f->db, add_copy(&f->db, f->title, "B2"), f->reader,
		NOW - 10 * DAY);
	long long open = add_loan(&f->db, add_copy(&f->db, f->title, "B3"), f->reader, 0);
	long long daily_sum = db_int(&f->db, -1, "SELECT sum(loans) * 1000 + sum(returns) "
		"FROM circ_daily", NULL);

	assert_int_equal(privacy_retention_days(&f->db), 0);
	assert_int_equal(privacy_anonymise_loans(&f->db, NOW), 0);

	struct form_errors errs = { .n = 0 };
	static const char *const bad[] = { "", "-1", "thirty", "3.5", "36501", "+4" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errs.n = 0;
		assert_int_equal(privacy_retention_save(&f->db, &f->arena, bad[i], f->librarian, NOW,
			&errs), -1);
		assert_non_null(form_error_get(&errs, "retention_days"));
	}
	assert_int_equal(privacy_retention_days(&f->db), 0);
	errs.n = 0;
	assert_int_equal(privacy_retention_save(&f->db, &f->arena, " 30 ", f->librarian, NOW,
		&errs), 0);
	assert_int_equal(privacy_retention_days(&f->db), 30);

	assert_int_equal(privacy_anonymise_loans(&f->db, NOW), 1);
	long long anonymous = db_int(&f->db, 0, "SELECT value FROM setting WHERE key = ?", "t",
		PRIVACY_SETTING_ANONYMOUS);
	assert_true(anonymous > 0);
	assert_true(privacy_is_removed(&f->db, anonymous, NULL));
	assert_null(privacy_member_name(&f->db, &f->arena, anonymous));
	assert_int_equal(db_int(&f->db, 0, "SELECT account_id FROM loan WHERE id = ?", "i", old),
		anonymous);
	assert_int_equal(db_int(&f->db, 0, "SELECT account_id FROM loan WHERE id = ?", "i", recent),
		f->reader);
	assert_int_equal(db_int(&f->db, 0, "SELECT account_id FROM loan WHERE id = ?", "i", open),
		f->reader);
	assert_int_equal(db_int(&f->db, -1, "SELECT sum(loans) * 1000 + sum(returns) "
		"FROM circ_daily", NULL), daily_sum);
	/* Once a day: a later run that day finds it done; a shorter period acts at once. */
	assert_int_equal(privacy_anonymise_loans(&f->db, NOW + 60), 0);
	assert_int_equal(privacy_retention_save(&f->db, &f->arena, "5", f->librarian, NOW,
		&errs), 0);
	assert_int_equal(privacy_anonymise_loans(&f->db, NOW + 60), 1);
	assert_int_equal(db_int(&f->db, 0, "SELECT account_id FROM loan WHERE id = ?", "i", open),
		f->reader);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_each_reason_is_said_and_nothing_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removal_anonymises_and_keeps_the_figures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_removal_checks_the_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_holds_only_the_members_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_moves_only_old_returned_loans, setup, teardown),
	};
	return cmocka_run_group_tests_name("privacy", tests, NULL, NULL);
}
