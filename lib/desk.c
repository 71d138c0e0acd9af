/*
** desk.c: what the circulation desk reads. See desk.h.
*/
#include "desk.h"

#include <stdio.h>
#include <string.h>

#include "circulation.h"

/* Room for one more row in an arena array of *cap rows of size bytes,
** doubling it when full (the old rows stay on the arena until the request
** ends, which is cheap at the sizes the desk shows). */
static void *room_for_one_more(struct arena *a, void *rows, int n, int *cap, size_t size)
{
	if (n < *cap)
		return rows;
	int grown = *cap ? *cap * 2 : 16;
	void *bigger = arena_alloc(a, size * (size_t)grown);
	if (n)
		memcpy(bigger, rows, size * (size_t)n);
	*cap = grown;
	return bigger;
}

#define PUSH(a, rows, n, cap) \
	((rows) = room_for_one_more((a), (rows), (n), &(cap), sizeof *(rows)), &(rows)[(n)++])

static const char *today_text(time_t now, char buf[11])
{
	cal_format(cal_day_of(now), buf);
	return buf;
}

/* ---- finding the member ---- */

static void match_from_row(struct arena *a, sqlite3_stmt *st, struct desk_match *m)
{
	m->id = db_col_int(st, 0);
	m->name = db_text(a, st, 1);
	m->email = db_text(a, st, 2);
	m->card = db_text(a, st, 3);
}

int desk_find_members(struct db *db, struct arena *a, const char *typed, lday today,
	struct desk_match *out, int max)
{
	if (!typed || !*typed)
		return 0;
	int n = 0;
	/* An email address or card number names one member: take it as is. */
	sqlite3_stmt *st = db_query(db, "SELECT id, name, email, coalesce(card_number, '') "
		"FROM account WHERE email = ?1 OR card_number = ?1 COLLATE NOCASE "
		"ORDER BY id LIMIT 1", "t", typed);
	if (!st)
		return -1;
	if (db_row(db, st)) {
		if (max > 0)
			match_from_row(a, st, &out[0]);
		db_done(st);
		n = 1;
	} else {
		/* Otherwise a part of a name: everyone whose name holds it. */
		st = db_query(db, "SELECT id, name, email, coalesce(card_number, '') "
			"FROM account WHERE instr(lower(name), lower(?1)) > 0 "
			"ORDER BY name COLLATE NOCASE, id LIMIT ?2", "ti", typed, (long long)max + 1);
		if (!st)
			return -1;
		while (db_row(db, st)) {
			if (n < max)
				match_from_row(a, st, &out[n]);
			n++;
		}
	}
	/* The membership of each, read after the look-up's statement is done. */
	for (int i = 0; i < n && i < max; i++) {
		struct membership_status s;
		membership_status(db, a, out[i].id, today, &s);
		out[i].status = s.label;
	}
	return n;
}

bool desk_member_exists(struct db *db, long long id)
{
	return id > 0 && db_int(db, 0, "SELECT count(*) FROM account WHERE id = ?", "i", id) > 0;
}

/* ---- the member summary ---- */

int desk_member_summary(struct db *db, struct arena *a, long long id, time_t now,
	struct desk_summary *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = db_query(db, "SELECT id, name, email, phone, "
		"  coalesce(card_number, ''), category, notes FROM account WHERE id = ?", "i", id);
	if (!st)
		return -1;
	if (!db_row(db, st))
		return 1;
	out->id = db_col_int(st, 0);
	out->name = db_text(a, st, 1);
	out->email = db_text(a, st, 2);
	out->phone = db_text(a, st, 3);
	out->card = db_text(a, st, 4);
	out->category = db_text(a, st, 5);
	out->notes = db_text(a, st, 6);
	db_done(st);

	/* A hold not collected in time is not counted as waiting. */
	circ_holds_expire(db, a, now);
	char today[11];
	today_text(now, today);
	membership_status(db, a, id, cal_day_of(now), &out->membership);
	out->loans_out = (int)db_int(db, 0, "SELECT count(*) FROM loan "
		"WHERE account_id = ? AND returned_at IS NULL", "i", id);
	out->overdue = (int)db_int(db, 0, "SELECT count(*) FROM loan "
		"WHERE account_id = ? AND returned_at IS NULL AND due_day < ?", "it", id, today);
	out->holds_ready = (int)db_int(db, 0, "SELECT count(*) FROM hold "
		"WHERE account_id = ? AND status = 'ready'", "i", id);
	struct circ_fines fines;
	if (circ_fines(db, a, id, now, &fines) == 0)
		out->owed_cents = fines.owed_cents;
	out->blocked = circ_blocked(db, a, id, now, NULL);
	return 0;
}

int desk_set_notes(struct db *db, long long id, const char *notes, long long actor_id,
	time_t now)
{
	if (!notes)
		notes = "";
	if (strlen(notes) > DESK_NOTES_MAX)
		return -1;
	if (db_begin(db))
		return -1;
	if (db_exec(db, "UPDATE account SET notes = ? WHERE id = ?", "ti", notes, id)
		!= SQLITE_OK) {
		db_rollback(db);
		return -1;
	}
	if (!db_changes(db)) {
		db_rollback(db);
		return 1;
	}
	char object[32];
	snprintf(object, sizeof object, "account:%lld", id);
	if (db_exec(db, "INSERT INTO audit(at, actor_id, action, object, detail) "
		"VALUES (?, nullif(?, 0), 'account.notes', ?, ?)", "iitt", (long long)now,
		actor_id, object, notes) != SQLITE_OK || db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

/* ---- the receipt of one checkout or checkin ---- */

int desk_loan_receipt(struct db *db, struct arena *a, long long loan_id,
	struct desk_receipt *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = db_query(db,
		"SELECT l.id, t.title, a.name, a.id, k.barcode, l.due_day, "
		"  coalesce(l.return_day, ''), coalesce(l.fine_cents, 0), k.status, k.id "
		"FROM loan l JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id "
		"JOIN account a ON a.id = l.account_id WHERE l.id = ?", "i", loan_id);
	if (!st || !db_row(db, st))
		return 1;
	out->loan_id = db_col_int(st, 0);
	out->title = db_text(a, st, 1);
	out->member = db_text(a, st, 2);
	out->member_id = db_col_int(st, 3);
	out->barcode = db_text(a, st, 4);
	out->due = db_text(a, st, 5);
	out->returned = db_text(a, st, 6);
	out->fine_cents = (long)db_col_int(st, 7);
	bool on_hold_shelf = !strcmp(db_text(a, st, 8), "on-hold-shelf");
	long long copy_id = db_col_int(st, 9);
	db_done(st);
	out->held_for = "";
	out->pickup_by = "";
	/* Only a returned copy can have been trapped by this checkin. */
	if (!on_hold_shelf || !*out->returned)
		return 0;
	st = db_query(db, "SELECT h.id, a.name, h.pickup_by FROM hold h JOIN account a "
		"ON a.id = h.account_id WHERE h.copy_id = ? AND h.status = 'ready'", "i", copy_id);
	if (st && db_row(db, st)) {
		out->hold_id = db_col_int(st, 0);
		out->held_for = db_text(a, st, 1);
		out->pickup_by = db_text(a, st, 2);
		db_done(st);
	}
	return 0;
}

/* ---- holds ---- */

int desk_hold_shelf(struct db *db, struct arena *a, struct desk_shelf_hold **out)
{
	int n = 0, cap = 0;
	*out = NULL;
	sqlite3_stmt *st = db_query(db,
		"SELECT h.id, t.id, t.title, a.id, a.name, k.barcode, h.ready_day, h.pickup_by "
		"FROM hold h JOIN title t ON t.id = h.title_id JOIN account a ON a.id = h.account_id "
		"JOIN copy k ON k.id = h.copy_id WHERE h.status = 'ready' "
		"ORDER BY h.pickup_by, h.id", NULL);
	if (!st)
		return -1;
	while (db_row(db, st)) {
		struct desk_shelf_hold *h = PUSH(a, *out, n, cap);
		h->id = db_col_int(st, 0);
		h->title_id = db_col_int(st, 1);
		h->title = db_text(a, st, 2);
		h->member_id = db_col_int(st, 3);
		h->member = db_text(a, st, 4);
		h->barcode = db_text(a, st, 5);
		h->ready = db_text(a, st, 6);
		h->pickup_by = db_text(a, st, 7);
	}
	return n;
}

int desk_hold_queues(struct db *db, struct arena *a, struct desk_queued_hold **out)
{
	int n = 0, cap = 0;
	*out = NULL;
	sqlite3_stmt *st = db_query(db,
		"SELECT q.id, t.id, t.title, a.id, a.name, q.placed_at, q.place "
		"FROM waiting_hold q JOIN title t ON t.id = q.title_id "
		"JOIN account a ON a.id = q.account_id ORDER BY t.title, q.place LIMIT 500", NULL);
	if (!st)
		return -1;
	while (db_row(db, st)) {
		struct desk_queued_hold *h = PUSH(a, *out, n, cap);
		h->id = db_col_int(st, 0);
		h->title_id = db_col_int(st, 1);
		h->title = db_text(a, st, 2);
		h->member_id = db_col_int(st, 3);
		h->member = db_text(a, st, 4);
		h->placed_at = db_col_int(st, 5);
		h->place = (int)db_col_int(st, 6);
	}
	return n;
}

/* ---- a loan and its terms ---- */

int desk_loan_get(struct db *db, struct arena *a, long long id, struct desk_loan *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = db_query(db,
		"SELECT l.id, t.title, a.name, a.id, a.category, k.barcode, k.item_type, "
		"  l.loan_day, l.due_day, coalesce(l.last_renewed_day, ''), "
		"  coalesce(l.return_day, ''), l.rule_category, l.rule_item_type, l.rule_id, "
		"  l.renewals, l.loan_days, l.max_renewals, l.grace_days, l.closed_skipped, "
		"  l.fine_per_day_cents, l.fine_cap_cents, l.fine_cents "
		"FROM loan l JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id "
		"JOIN account a ON a.id = l.account_id WHERE l.id = ?", "i", id);
	if (!st || !db_row(db, st))
		return 1;
	out->id = db_col_int(st, 0);
	out->title = db_text(a, st, 1);
	out->member = db_text(a, st, 2);
	out->member_id = db_col_int(st, 3);
	out->category = db_text(a, st, 4);
	out->barcode = db_text(a, st, 5);
	out->item_type = db_text(a, st, 6);
	out->loan_day = db_text(a, st, 7);
	out->due_day = db_text(a, st, 8);
	out->renewed_day = db_text(a, st, 9);
	out->return_day = db_text(a, st, 10);
	out->rule_category = db_text(a, st, 11);
	out->rule_item_type = db_text(a, st, 12);
	out->rule_removed = sqlite3_column_type(st, 13) == SQLITE_NULL;
	out->renewals = (int)db_col_int(st, 14);
	out->loan_days = (int)db_col_int(st, 15);
	out->max_renewals = (int)db_col_int(st, 16);
	out->grace_days = (int)db_col_int(st, 17);
	out->closed_skipped = (int)db_col_int(st, 18);
	out->per_day_cents = (long)db_col_int(st, 19);
	out->cap_cents = (long)db_col_int(st, 20);
	out->returned = sqlite3_column_type(st, 21) != SQLITE_NULL;
	out->fine_cents = (long)db_col_int(st, 21);
	db_done(st);
	return 0;
}

long long desk_loan_member(struct db *db, long long loan_id)
{
	return db_int(db, 0, "SELECT account_id FROM loan WHERE id = ?", "i", loan_id);
}

/* ---- a member's past loans ---- */

int desk_past_loans(struct db *db, struct arena *a, long long member_id, int limit,
	struct desk_past_loan **out)
{
	int n = 0, cap = 0;
	*out = NULL;
	sqlite3_stmt *st = db_query(db,
		"SELECT t.id, t.title, l.loan_day, l.return_day, coalesce(l.fine_cents, 0) "
		"FROM loan l JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id "
		"WHERE l.account_id = ? AND l.returned_at IS NOT NULL "
		"ORDER BY l.returned_at DESC, l.id DESC LIMIT ?", "ii", member_id, (long long)limit);
	while (st && db_row(db, st)) {
		struct desk_past_loan *p = PUSH(a, *out, n, cap);
		p->title_id = db_col_int(st, 0);
		p->title = db_text(a, st, 1);
		p->loaned = db_text(a, st, 2);
		p->returned = db_text(a, st, 3);
		p->fine_cents = (long)db_col_int(st, 4);
	}
	return n;
}

/* ---- a member's loans, holds and fines ledger ---- */

int desk_open_loans(struct db *db, struct arena *a, long long member_id,
	struct desk_open_loan **out)
{
	int n = 0, cap = 0;
	*out = NULL;
	sqlite3_stmt *st = db_query(db,
		"SELECT l.id, t.id, t.title, k.barcode, l.due_day, l.renewals, l.max_renewals "
		"FROM loan l JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id "
		"WHERE l.account_id = ? AND l.returned_at IS NULL ORDER BY l.due_day, l.id",
		"i", member_id);
	while (st && db_row(db, st)) {
		struct desk_open_loan *l = PUSH(a, *out, n, cap);
		l->id = db_col_int(st, 0);
		l->title_id = db_col_int(st, 1);
		l->title = db_text(a, st, 2);
		l->barcode = db_text(a, st, 3);
		l->due = db_text(a, st, 4);
		l->renewals = (int)db_col_int(st, 5);
		l->max_renewals = (int)db_col_int(st, 6);
	}
	return n;
}

int desk_member_holds(struct db *db, struct arena *a, long long member_id,
	struct desk_member_hold **out)
{
	int n = 0, cap = 0;
	*out = NULL;
	sqlite3_stmt *st = db_query(db,
		"SELECT h.id, t.id, t.title, h.status = 'ready', coalesce(h.pickup_by, ''), "
		"  coalesce(q.place, 0) "
		"FROM hold h JOIN title t ON t.id = h.title_id LEFT JOIN waiting_hold q ON q.id = h.id "
		"WHERE h.account_id = ? AND h.status IN ('waiting', 'ready') ORDER BY h.placed_at",
		"i", member_id);
	while (st && db_row(db, st)) {
		struct desk_member_hold *h = PUSH(a, *out, n, cap);
		h->id = db_col_int(st, 0);
		h->title_id = db_col_int(st, 1);
		h->title = db_text(a, st, 2);
		h->ready = db_col_int(st, 3) != 0;
		h->pickup_by = db_text(a, st, 4);
		h->place = (int)db_col_int(st, 5);
	}
	return n;
}

int desk_fine_ledger(struct db *db, struct arena *a, long long member_id,
	struct desk_ledger_row **out)
{
	int n = 0, cap = 0;
	*out = NULL;
	sqlite3_stmt *st = db_query(db, "SELECT at, kind, amount_cents, reason FROM fine "
		"WHERE account_id = ? ORDER BY at DESC, id DESC LIMIT 50", "i", member_id);
	while (st && db_row(db, st)) {
		struct desk_ledger_row *r = PUSH(a, *out, n, cap);
		r->at = db_col_int(st, 0);
		r->kind = db_text(a, st, 1);
		r->amount_cents = (long)db_col_int(st, 2);
		r->reason = db_text(a, st, 3);
	}
	return n;
}

/* ---- the overdue list ---- */

int desk_overdue_list(struct db *db, struct arena *a, time_t now, struct desk_overdue **out)
{
	int n = 0, cap = 0;
	*out = NULL;
	char today[11];
	lday today_day = cal_day_of(now);
	today_text(now, today);
	sqlite3_stmt *st = db_query(db,
		"SELECT l.id, a.id, t.title, k.barcode, a.name, a.email, a.phone, l.due_day "
		"FROM loan l JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id "
		"JOIN account a ON a.id = l.account_id "
		"WHERE l.returned_at IS NULL AND l.due_day < ? "
		"ORDER BY l.due_day, l.id LIMIT 1000", "t", today);
	if (!st)
		return -1;
	while (db_row(db, st)) {
		struct desk_overdue *o = PUSH(a, *out, n, cap);
		o->loan_id = db_col_int(st, 0);
		o->member_id = db_col_int(st, 1);
		o->title = db_text(a, st, 2);
		o->barcode = db_text(a, st, 3);
		o->member = db_text(a, st, 4);
		o->email = db_text(a, st, 5);
		o->phone = db_text(a, st, 6);
		o->due = db_text(a, st, 7);
		lday due;
		o->days_overdue = cal_parse(o->due, &due) ? today_day - due : 0;
	}
	/* The fines, once the list's statement is done (they read other rows). */
	for (int i = 0; i < n; i++) {
		struct fine_calc f;
		long recorded = 0;
		if (circ_loan_fine_now(db, a, (*out)[i].loan_id, now, &f, &recorded) == 0)
			(*out)[i].fine_cents = f.cents + recorded;
	}
	return n;
}

/* ---- every loan out ---- */

int desk_loans_out(struct db *db, struct arena *a, time_t now, long page, int per_page,
	struct desk_loan_out **out, long *total)
{
	char today[11];
	today_text(now, today);
	*total = (long)db_int(db, 0, "SELECT count(*) FROM loan WHERE returned_at IS NULL", NULL);
	*out = arena_calloc(a, sizeof **out * (size_t)per_page);
	sqlite3_stmt *st = db_query(db,
		"SELECT l.id, a.id, t.title, k.barcode, a.name, l.due_day, l.due_day < ? "
		"FROM loan l JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id "
		"JOIN account a ON a.id = l.account_id "
		"WHERE l.returned_at IS NULL ORDER BY l.due_day, l.id LIMIT ? OFFSET ?", "tii",
		today, (long long)per_page, (page > 0 ? page - 1 : 0) * (long long)per_page);
	if (!st)
		return -1;
	int n = 0;
	while (n < per_page && db_row(db, st)) {
		struct desk_loan_out *o = &(*out)[n++];
		o->loan_id = db_col_int(st, 0);
		o->member_id = db_col_int(st, 1);
		o->title = db_text(a, st, 2);
		o->barcode = db_text(a, st, 3);
		o->member = db_text(a, st, 4);
		o->due = db_text(a, st, 5);
		o->overdue = db_col_int(st, 6) != 0;
	}
	if (n == per_page)
		db_done(st);
	return n;
}

/* ---- slips ---- */

const char *desk_library_name(struct db *db, struct arena *a)
{
	sqlite3_stmt *st = db_query(db,
		"SELECT value FROM setting WHERE key = 'library.name' AND value <> ''", NULL);
	if (st && db_row(db, st)) {
		const char *name = db_text(a, st, 0);
		db_done(st);
		return name;
	}
	return "Carrel Library";
}

int desk_loans_made_on(struct db *db, struct arena *a, long long member_id, lday day,
	struct desk_slip_loan **out)
{
	int n = 0, cap = 0;
	*out = NULL;
	char day_s[11];
	cal_format(day, day_s);
	sqlite3_stmt *st = db_query(db,
		"SELECT l.id, t.title, k.barcode, l.due_day "
		"FROM loan l JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id "
		"WHERE l.account_id = ? AND l.returned_at IS NULL AND l.loan_day = ? "
		"ORDER BY l.id", "it", member_id, day_s);
	while (st && db_row(db, st)) {
		struct desk_slip_loan *l = PUSH(a, *out, n, cap);
		l->loan_id = db_col_int(st, 0);
		l->title = db_text(a, st, 1);
		l->barcode = db_text(a, st, 2);
		l->due = db_text(a, st, 3);
	}
	return n;
}

int desk_hold_slip(struct db *db, struct arena *a, long long hold_id,
	struct desk_hold_slip *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = db_query(db,
		"SELECT h.id, a.id, a.name, coalesce(a.card_number, ''), t.title, k.barcode, "
		"  h.ready_day, h.pickup_by "
		"FROM hold h JOIN account a ON a.id = h.account_id JOIN title t ON t.id = h.title_id "
		"JOIN copy k ON k.id = h.copy_id WHERE h.id = ? AND h.status = 'ready'", "i", hold_id);
	if (!st || !db_row(db, st))
		return 1;
	out->id = db_col_int(st, 0);
	out->member_id = db_col_int(st, 1);
	out->member = db_text(a, st, 2);
	out->card = db_text(a, st, 3);
	out->title = db_text(a, st, 4);
	out->barcode = db_text(a, st, 5);
	out->ready = db_text(a, st, 6);
	out->pickup_by = db_text(a, st, 7);
	db_done(st);
	return 0;
}

/* ---- after login ---- */

const char *desk_landing(struct db *db, long long account_id)
{
	long long staff = db_int(db, 0, "SELECT role IN ('librarian', 'admin') FROM account "
		"WHERE id = ?", "i", account_id);
	return staff ? "/staff" : "/account";
}
