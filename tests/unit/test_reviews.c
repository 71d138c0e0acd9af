/*
** test_reviews.c: unit tests of lib/reviews.c against a real SQLite
** database migrated from schema/: only a member who borrowed a title (in
** print or as an e-book granted once) may review it; ratings 1 to 5 only;
** one review per member and title, edited by a second post; a hidden
** review counts in no average (title_stat, kept by the schema's
** triggers) and is audited; and the catalogue's sort by rating.
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
#include "reviews.h"
#include "search.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
	long long reader, stranger, librarian;
	long long book;        /* a print title the reader borrowed */
	long long ebook;       /* an e-book title */
};

static long long add_account(struct db *db, const char *email, const char *name,
	const char *role)
{
	assert_int_equal(db_exec(db, "INSERT INTO account(email, name, password_hash, role, "
		"created_at, updated_at) VALUES (?, ?, '$argon2id$x', ?, 0, 0)", "ttt",
		email, name, role), SQLITE_OK);
	return db_last_id(db);
}

static long long add_title(struct db *db, const char *title, const char *format)
{
	assert_int_equal(db_exec(db, "INSERT INTO title(title, format, created_at, updated_at) "
		"VALUES (?, ?, 0, 0)", "tt", title, format), SQLITE_OK);
	return db_last_id(db);
}

static long long add_copy(struct db *db, long long title_id, const char *barcode)
{
	assert_int_equal(db_exec(db, "INSERT INTO copy(barcode, title_id, created_at) "
		"VALUES (?, ?, 0)", "ti", barcode, title_id), SQLITE_OK);
	return db_last_id(db);
}

/* A loan of the copy to the member, returned. */
static void add_loan(struct db *db, long long copy_id, long long account_id)
{
	assert_int_equal(db_exec(db, "INSERT INTO loan(copy_id, account_id, loaned_at, "
		"loan_day, due_day, returned_at, return_day, rule_category, rule_item_type, "
		"loan_days, max_renewals, fine_per_day_cents, grace_days, fine_cap_cents) "
		"VALUES (?, ?, 0, '2026-11-01', '2026-11-22', 1, '2026-11-10', '*', '*', 21, 3, "
		"25, 1, 1000)", "ii", copy_id, account_id), SQLITE_OK);
}

static void add_ebook_loan(struct db *db, long long title_id, long long account_id,
	const char *status)
{
	bool decided = strcmp(status, "requested") && strcmp(status, "cancelled");
	bool had_access = !strcmp(status, "granted") || !strcmp(status, "returned") ||
		!strcmp(status, "revoked") || !strcmp(status, "expired");
	assert_int_equal(db_exec(db, "INSERT INTO ebook_loan(title_id, account_id, status, "
		"requested_at, decided_at, access_until, reason) VALUES (?, ?, ?, 0, "
		"CASE WHEN ? THEN 1 END, CASE WHEN ? THEN 100 END, "
		"CASE WHEN ? IN ('rejected', 'revoked') THEN 'a reason' ELSE '' END)", "iitiit",
		title_id, account_id, status, (long long)decided, (long long)had_access, status),
		SQLITE_OK);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	test_db_open(f->dir, &f->db, &f->arena);
	f->reader = add_account(&f->db, "reader@unit.example", "Ada Lovelace", "member");
	f->stranger = add_account(&f->db, "stranger@unit.example", "Sam Stranger", "member");
	f->librarian = add_account(&f->db, "desk@unit.example", "Desk Person", "librarian");
	f->book = add_title(&f->db, "Borrowed Book", "print");
	add_loan(&f->db, add_copy(&f->db, f->book, "B1"), f->reader);
	f->ebook = add_title(&f->db, "Digital Book", "ebook");
	*state = f;
	return 0;
}

DEFINE_TEST_DB_TEARDOWN(teardown)

static enum review_result save(struct fixture *f, long long title, long long who,
	const char *rating, const char *body, struct form_errors *errs)
{
	memset(errs, 0, sizeof *errs);
	return reviews_save(&f->db, &f->arena, title, who, rating, body, 1000, errs);
}

static struct review_summary summary(struct fixture *f, long long title)
{
	struct review_summary s;
	assert_int_equal(reviews_summary(&f->db, title, &s), 0);
	return s;
}

static void test_never_borrowed_is_refused(void **state)
{
	struct fixture *f = *state;
	struct form_errors errs;
	assert_false(reviews_has_borrowed(&f->db, f->stranger, f->book));
	assert_int_equal(save(f, f->book, f->stranger, "5", "Lovely", &errs), REVIEW_NOT_BORROWED);
	assert_string_equal(form_error_get(&errs, "rating"),
		"You can review a title after you have borrowed it.");
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM review", NULL), 0);
	assert_int_equal(save(f, 999999, f->reader, "5", "", &errs), REVIEW_NOT_FOUND);
}

static void test_ratings_outside_one_to_five_are_refused(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = { "0", "6", "", "five", "3.5", "-1", "10", " ", "4x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct form_errors errs;
		assert_int_equal(save(f, f->book, f->reader, bad[i], "Fine", &errs), REVIEW_INVALID);
		assert_string_equal(form_error_get(&errs, "rating"), "Choose a rating from 1 to 5 stars.");
	}
	struct form_errors errs;
	assert_int_equal(save(f, f->book, f->reader, NULL, "Fine", &errs), REVIEW_INVALID);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM review", NULL), 0);
	assert_int_equal(summary(f, f->book).count, 0);
}

static void test_review_text_is_checked(void **state)
{
	struct fixture *f = *state;
	struct form_errors errs;
	char *long_text = malloc(REVIEW_BODY_MAX + 2);
	memset(long_text, 'x', REVIEW_BODY_MAX + 1);
	long_text[REVIEW_BODY_MAX + 1] = '\0';
	assert_int_equal(save(f, f->book, f->reader, "4", long_text, &errs), REVIEW_INVALID);
	assert_non_null(form_error_get(&errs, "body"));
	/* 5000 characters of two bytes each are within the limit. */
	struct buf wide = BUF_INIT;
	for (int i = 0; i < REVIEW_BODY_MAX; i++)
		buf_puts(&wide, "\xC3\xA9");
	assert_int_equal(save(f, f->book, f->reader, "4", buf_str(&wide), &errs), REVIEW_OK);
	buf_free(&wide);
	assert_int_equal(save(f, f->book, f->reader, "4", "bad \xC3 bytes", &errs), REVIEW_INVALID);
	assert_int_equal(save(f, f->book, f->reader, "4", "a\x01" "b", &errs), REVIEW_INVALID);
	/* Trimmed; paragraphs kept. */
	assert_int_equal(save(f, f->book, f->reader, " 4 ", "  One.\n\nTwo.  \n", &errs), REVIEW_OK);
	struct review r;
	assert_int_equal(reviews_own(&f->db, &f->arena, f->book, f->reader, &r), 0);
	assert_string_equal(r.body, "One.\n\nTwo.");
	assert_int_equal(r.rating, 4);
	free(long_text);
}

static void test_one_review_per_member_and_title_is_edited(void **state)
{
	struct fixture *f = *state;
	struct form_errors errs;
	assert_int_equal(save(f, f->book, f->reader, "2", "Slow start.", &errs), REVIEW_OK);
	assert_int_equal(summary(f, f->book).sum, 2);
	memset(&errs, 0, sizeof errs);
	assert_int_equal(reviews_save(&f->db, &f->arena, f->book, f->reader, "5",
		"It grew on me.", 2000, &errs), REVIEW_OK);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM review", NULL), 1);
	struct review r;
	assert_int_equal(reviews_own(&f->db, &f->arena, f->book, f->reader, &r), 0);
	assert_int_equal(r.rating, 5);
	assert_string_equal(r.body, "It grew on me.");
	assert_int_equal(r.created_at, 1000);
	assert_int_equal(r.updated_at, 2000);
	struct review_summary s = summary(f, f->book);
	assert_int_equal(s.sum, 5);
	assert_int_equal(s.count, 1);
	/* Deleting it takes it out of the average; a second delete finds none. */
	assert_int_equal(reviews_delete_own(&f->db, f->book, f->stranger), REVIEW_NOT_FOUND);
	assert_int_equal(reviews_delete_own(&f->db, f->book, f->reader), REVIEW_OK);
	assert_int_equal(reviews_delete_own(&f->db, f->book, f->reader), REVIEW_NOT_FOUND);
	assert_int_equal(summary(f, f->book).count, 0);
	assert_int_equal(summary(f, f->book).sum, 0);
}

static void test_ebook_loans_granted_once_count_as_borrowed(void **state)
{
	struct fixture *f = *state;
	static const char *const never[] = { "requested", "rejected", "cancelled" };
	for (size_t i = 0; i < sizeof never / sizeof never[0]; i++) {
		add_ebook_loan(&f->db, f->ebook, f->stranger, never[i]);
		assert_false(reviews_has_borrowed(&f->db, f->stranger, f->ebook));
	}
	static const char *const had[] = { "granted", "returned", "revoked", "expired" };
	for (size_t i = 0; i < sizeof had / sizeof had[0]; i++) {
		assert_int_equal(db_exec(&f->db, "DELETE FROM ebook_loan", NULL), SQLITE_OK);
		add_ebook_loan(&f->db, f->ebook, f->stranger, had[i]);
		assert_true(reviews_has_borrowed(&f->db, f->stranger, f->ebook));
	}
	struct form_errors errs;
	assert_int_equal(save(f, f->ebook, f->stranger, "3", "", &errs), REVIEW_OK);
	/* Another title's loan does not count. */
	assert_false(reviews_has_borrowed(&f->db, f->stranger, f->book));
}

static void test_hidden_review_counts_in_no_average(void **state)
{
	struct fixture *f = *state;
	struct form_errors errs;
	long long copy = add_copy(&f->db, f->book, "B2");
	add_loan(&f->db, copy, f->stranger);
	assert_int_equal(save(f, f->book, f->reader, "5", "Wonderful", &errs), REVIEW_OK);
	assert_int_equal(save(f, f->book, f->stranger, "2", "Spam spam", &errs), REVIEW_OK);
	struct review_summary s = summary(f, f->book);
	assert_int_equal(s.sum, 7);
	assert_int_equal(s.count, 2);
	long long spam = db_int(&f->db, 0, "SELECT id FROM review WHERE account_id = ?", "i",
		f->stranger);

	/* A reason is required. */
	memset(&errs, 0, sizeof errs);
	assert_int_equal(reviews_hide(&f->db, &f->arena, spam, "  ", f->librarian, 3000, &errs),
		REVIEW_INVALID);
	assert_non_null(form_error_get(&errs, "reason"));
	assert_int_equal(summary(f, f->book).count, 2);
	memset(&errs, 0, sizeof errs);
	assert_int_equal(reviews_hide(&f->db, &f->arena, 999999, "Spam", f->librarian, 3000,
		&errs), REVIEW_NOT_FOUND);

	memset(&errs, 0, sizeof errs);
	assert_int_equal(reviews_hide(&f->db, &f->arena, spam, " Advertising ", f->librarian,
		3000, &errs), REVIEW_OK);
	s = summary(f, f->book);
	assert_int_equal(s.sum, 5);
	assert_int_equal(s.count, 1);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM audit WHERE action = "
		"'review.hide' AND object = 'review:' || ? AND actor_id = ? AND detail = "
		"'Advertising' AND before_value = 'shown' AND after_value = 'hidden: Advertising'",
		"ii", spam, f->librarian), 1);

	/* Its author editing it does not bring it back, nor into the average. */
	assert_int_equal(save(f, f->book, f->stranger, "1", "Still spam", &errs), REVIEW_OK);
	assert_int_equal(summary(f, f->book).count, 1);
	assert_int_equal(summary(f, f->book).sum, 5);

	/* The public list leaves it out; staff see it, with its reason. */
	long total;
	struct review *list;
	assert_int_equal(reviews_of_title(&f->db, &f->arena, f->book, false, 0, 10, &total,
		&list), 1);
	assert_int_equal(total, 1);
	assert_int_equal(list[0].account_id, f->reader);
	assert_int_equal(reviews_of_title(&f->db, &f->arena, f->book, true, 0, 10, &total,
		&list), 2);
	assert_int_equal(reviews_recent(&f->db, &f->arena, true, 0, 0, 10, &total, &list), 1);
	assert_int_equal(list[0].id, spam);
	assert_string_equal(list[0].hidden_reason, "Advertising");
	assert_string_equal(list[0].hidden_by, "Desk Person");

	/* Shown again, it counts again (with its edited rating); audited. */
	assert_int_equal(reviews_show(&f->db, &f->arena, spam, f->librarian, 4000), REVIEW_OK);
	s = summary(f, f->book);
	assert_int_equal(s.sum, 6);
	assert_int_equal(s.count, 2);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM audit WHERE action = "
		"'review.show'", NULL), 1);
	/* Showing a shown review changes nothing and writes nothing. */
	assert_int_equal(reviews_show(&f->db, &f->arena, spam, f->librarian, 4000), REVIEW_OK);
	assert_int_equal(db_int(&f->db, -1, "SELECT count(*) FROM audit WHERE action = "
		"'review.show'", NULL), 1);
	assert_int_equal(summary(f, f->book).count, 2);
}

static void test_public_names(void **state)
{
	struct fixture *f = *state;
	assert_string_equal(reviews_public_name(&f->arena, "Ada Lovelace"), "Ada L.");
	assert_string_equal(reviews_public_name(&f->arena, "Ada King Lovelace"), "Ada L.");
	assert_string_equal(reviews_public_name(&f->arena, "Cher"), "Cher");
	assert_string_equal(reviews_public_name(&f->arena, "Zoë Émile"), "Zoë É.");
}

/* Rate title by reviews of these ratings from new members who borrowed it. */
static void rate(struct fixture *f, long long title, const int *ratings, int n)
{
	static int serial;
	long long copy = add_copy(&f->db, title, arena_printf(&f->arena, "R%d", ++serial));
	for (int i = 0; i < n; i++) {
		long long who = add_account(&f->db, arena_printf(&f->arena, "r%d@unit.example",
			++serial), "Rater Person", "member");
		add_loan(&f->db, copy, who);
		struct form_errors errs;
		assert_int_equal(save(f, title, who, arena_printf(&f->arena, "%d", ratings[i]), "",
			&errs), REVIEW_OK);
	}
}

static void test_catalogue_sorts_by_rating(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(search_sort_parse("rating"), SORT_RATING);
	assert_string_equal(search_sort_name(SORT_RATING), "rating");
	assert_string_equal(search_sort_label(SORT_RATING), "Highest rated");
	long long unrated = add_title(&f->db, "Zebra Unrated", "print");
	long long good = add_title(&f->db, "Zebra Good", "print");          /* 4.5, 2 */
	long long best_few = add_title(&f->db, "Zebra Best Few", "print");  /* 5.0, 1 */
	long long good_many = add_title(&f->db, "Zebra Good Many", "print"); /* 4.5, 4 */
	long long poor = add_title(&f->db, "Zebra Poor", "print");          /* 1.0, 1 */
	long long hidden_only = add_title(&f->db, "Zebra Hidden", "print"); /* hidden: none */
	add_copy(&f->db, unrated, "U1");
	rate(f, good, (int[]){ 4, 5 }, 2);
	rate(f, best_few, (int[]){ 5 }, 1);
	rate(f, good_many, (int[]){ 5, 4, 4, 5 }, 4);
	rate(f, poor, (int[]){ 1 }, 1);
	rate(f, hidden_only, (int[]){ 5 }, 1);
	struct form_errors errs = { .n = 0 };
	assert_int_equal(reviews_hide(&f->db, &f->arena, db_int(&f->db, 0, "SELECT id FROM "
		"review WHERE title_id = ?", "i", hidden_only), "Off topic", f->librarian, 1,
		&errs), REVIEW_OK);

	struct search_query q;
	memset(&q, 0, sizeof q);
	q.q = "zebra";
	q.genre = q.author = q.format = "";
	q.sort = SORT_RATING;
	q.page = 1;
	q.per_page = 20;
	struct search_result r;
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_int_equal(r.n, 6);
	const long long order[] = { best_few, good_many, good, poor };
	for (int i = 0; i < 4; i++)
		assert_int_equal(r.hits[i].id, order[i]);
	/* Both unrated (the hidden one's only rating counts for nothing) come
	** last, in the usual order. */
	assert_true((r.hits[4].id == unrated && r.hits[5].id == hidden_only) ||
		(r.hits[4].id == hidden_only && r.hits[5].id == unrated));
	assert_int_equal(r.hits[4].rating_count, 0);
	assert_int_equal(r.hits[1].rating_sum, 18);
	assert_int_equal(r.hits[1].rating_count, 4);

	/* "On the shelf" alone reads titles in search order without words. */
	q.q = "";
	q.available = true;
	assert_int_equal(search_run(&f->db, &f->arena, &q, &r), 0);
	assert_true(r.n >= 6);
	for (int i = 0; i < 4; i++)
		assert_int_equal(r.hits[i].id, order[i]);
	assert_int_equal(r.hits[r.n - 1].rating_count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_never_borrowed_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ratings_outside_one_to_five_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_review_text_is_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_review_per_member_and_title_is_edited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ebook_loans_granted_once_count_as_borrowed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hidden_review_counts_in_no_average, setup, teardown),
		cmocka_unit_test_setup_teardown(test_public_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_catalogue_sorts_by_rating, setup, teardown),
	};
	return cmocka_run_group_tests_name("reviews", tests, NULL, NULL);
}
