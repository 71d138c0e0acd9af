/*
** account.c: member and staff accounts. See account.h.
*/
#include "account.h"
#include "audit.h"

#include <stdio.h>
#include <string.h>

#include "notify.h"

enum account_result account_validate(struct arena *a, struct account_input *in,
	struct form_errors *errs)
{
	in->name = valid_trim(a, in->name);
	in->email = valid_trim(a, in->email);
	in->phone = valid_trim(a, in->phone);
	const char *msg;
	if ((msg = valid_name(in->name)))
		form_error(errs, "name", msg);
	if ((msg = valid_email(in->email)))
		form_error(errs, "email", msg);
	if ((msg = valid_phone(in->phone)))
		form_error(errs, "phone", msg);
	if (in->password && (msg = valid_password(in->password)))
		form_error(errs, "password", msg);
	return errs->n ? ACCOUNT_INVALID : ACCOUNT_OK;
}

void account_card_number(long long id, char out[16])
{
	char digits[16];
	snprintf(digits, sizeof digits, "2%08lld", id % 100000000);
	/* Luhn: double every second digit from the right of the payload. */
	int sum = 0;
	size_t n = strlen(digits);
	for (size_t i = 0; i < n; i++) {
		int d = digits[n - 1 - i] - '0';
		if (i % 2 == 0) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	memcpy(out, digits, n);
	out[n] = (char)('0' + (10 - sum % 10) % 10);
	out[n + 1] = '\0';
}

static bool email_taken(struct db *db, const char *email, long long except_id)
{
	return db_int(db, 0, "SELECT count(*) FROM account WHERE email = ? AND id <> ?",
		"ti", email, except_id) > 0;
}

/* A new member, in the staff's notification centre. */
static int tell_staff_new_member(struct db *db, long long id, const struct account_input *in,
	time_t now)
{
	struct arena a;
	arena_init(&a, 0);
	int rc = notify_staff(db, &a, now, "new-member",
		arena_printf(&a, "new-member:%lld", id),
		arena_printf(&a, "New member: %s", in->name),
		arena_printf(&a, "%s joined with the email address %s.", in->name, in->email),
		arena_printf(&a, "/staff/members/%lld", id));
	arena_free(&a);
	return rc < 0 ? -1 : 0;
}

enum account_result account_create(struct db *db, const struct auth_cost *cost,
	const struct account_input *in, enum role role, time_t now,
	struct form_errors *errs, long long *id)
{
	char hash[AUTH_HASH_MAX];
	/* Hash before the transaction: it is slow and needs no lock. */
	if (auth_hash_password(cost, in->password, hash))
		return ACCOUNT_ERROR;
	if (db_begin(db))
		return ACCOUNT_ERROR;
	if (email_taken(db, in->email, 0)) {
		db_rollback(db);
		form_error(errs, "email", "An account with this email address already exists.");
		return ACCOUNT_EMAIL_TAKEN;
	}
	if (db_exec(db, "INSERT INTO account(email, name, phone, password_hash, role, "
		"created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", "tttttii",
		in->email, in->name, in->phone, hash, auth_role_name(role),
		(long long)now, (long long)now) != SQLITE_OK)
		goto fail;
	*id = db_last_id(db);
	char card[16];
	account_card_number(*id, card);
	if (db_exec(db, "UPDATE account SET card_number = ? WHERE id = ?", "ti",
		card, *id) != SQLITE_OK)
		goto fail;
	if (role == ROLE_MEMBER && tell_staff_new_member(db, *id, in, now))
		goto fail;
	/* By staff at the desk or an admin, or by the person registering. */
	char object[32], detail[400];
	snprintf(object, sizeof object, "account:%lld", *id);
	snprintf(detail, sizeof detail, "%.150s <%.200s>, %s", in->name, in->email,
		auth_role_name(role));
	if (audit_record(db, audit_actor(), now, "account.create", object, detail, NULL, NULL))
		goto fail;
	if (db_commit(db))
		return ACCOUNT_ERROR;
	return ACCOUNT_OK;
fail:
	db_rollback(db);
	return ACCOUNT_ERROR;
}

static void account_from_row(struct arena *a, sqlite3_stmt *st, struct account *out)
{
	out->id = db_col_int(st, 0);
	out->email = db_text(a, st, 1);
	out->name = db_text(a, st, 2);
	out->phone = db_text(a, st, 3);
	int role = auth_role_parse((const char *)sqlite3_column_text(st, 4));
	out->role = role < 0 ? ROLE_MEMBER : (enum role)role;
	out->card_number = db_text(a, st, 5);
	out->created_at = db_col_int(st, 6);
	out->notice_channel = db_text(a, st, 7);
}

#define ACCOUNT_COLUMNS "id, email, name, phone, role, card_number, created_at, " \
	"notice_channel"

enum account_result account_get(struct db *db, struct arena *a, long long id,
	struct account *out)
{
	sqlite3_stmt *st = db_query(db, "SELECT " ACCOUNT_COLUMNS
		" FROM account WHERE id = ?", "i", id);
	if (!st)
		return ACCOUNT_ERROR;
	if (!db_row(db, st))
		return ACCOUNT_NOT_FOUND;
	account_from_row(a, st, out);
	db_done(st);
	return ACCOUNT_OK;
}

bool account_may_edit(enum role actor, enum role target)
{
	if (target >= ROLE_LIBRARIAN)
		return actor == ROLE_ADMIN;
	return actor >= ROLE_LIBRARIAN;
}

/* The role of account id as stored now; -1 when there is none. */
static int stored_role(struct db *db, long long id)
{
	int role = -1;
	sqlite3_stmt *st = db_query(db, "SELECT role FROM account WHERE id = ?", "i", id);
	if (db_row(db, st)) {
		role = auth_role_parse((const char *)sqlite3_column_text(st, 0));
		db_done(st);
	}
	return role;
}

int account_audit(struct db *db, long long actor_id, long long id, const char *action,
	const char *detail, time_t now)
{
	char object[32];
	snprintf(object, sizeof object, "account:%lld", id);
	return db_exec(db, "INSERT INTO audit(at, actor_id, action, object, detail) "
		"VALUES (?, nullif(?, 0), ?, ?, ?)", "iittt", (long long)now, actor_id, action,
		object, detail) == SQLITE_OK ? 0 : -1;
}

int account_require_password_change(struct db *db, long long id)
{
	return db_exec(db, "UPDATE account SET must_change_password = 1 WHERE id = ?", "i",
		id) == SQLITE_OK ? 0 : -1;
}

/* What an edit changes, for the audit trail: the fields by name, and the
** login email from and to. */
static void edit_detail(struct db *db, long long id, const struct account_input *in,
	char *out, size_t n)
{
	out[0] = '\0';
	sqlite3_stmt *st = db_query(db, "SELECT name, email, phone FROM account WHERE id = ?",
		"i", id);
	if (!db_row(db, st))
		return;
	const char *name = (const char *)sqlite3_column_text(st, 0);
	const char *email = (const char *)sqlite3_column_text(st, 1);
	const char *phone = (const char *)sqlite3_column_text(st, 2);
	size_t len = 0;
	if (strcmp(name ? name : "", in->name))
		len += (size_t)snprintf(out + len, n - len, "name; ");
	if (len < n && strcmp(phone ? phone : "", in->phone))
		len += (size_t)snprintf(out + len, n - len, "phone; ");
	if (len < n && strcmp(email ? email : "", in->email))
		len += (size_t)snprintf(out + len, n - len, "email %s -> %s; ",
			email ? email : "", in->email);
	if (len == 0)
		snprintf(out, n, "nothing changed");
	else if (len < n)
		out[len - 2] = '\0';
	db_done(st);
}

enum account_result account_update_profile(struct db *db, long long actor_id,
	long long id, const struct account_input *in, time_t now,
	struct form_errors *errs)
{
	if (db_begin(db))
		return ACCOUNT_ERROR;
	int target = stored_role(db, id);
	if (target < 0) {
		db_rollback(db);
		return ACCOUNT_NOT_FOUND;
	}
	int actor = actor_id == id ? target : stored_role(db, actor_id);
	if (actor_id != id && (actor < 0 || !account_may_edit((enum role)actor,
		(enum role)target))) {
		db_rollback(db);
		return ACCOUNT_FORBIDDEN;
	}
	if (email_taken(db, in->email, id)) {
		db_rollback(db);
		form_error(errs, "email", "Another account already uses this email address.");
		return ACCOUNT_EMAIL_TAKEN;
	}
	char detail[600];
	edit_detail(db, id, in, detail, sizeof detail);
	if (db_exec(db, "UPDATE account SET name = ?, email = ?, phone = ?, "
		"updated_at = ? WHERE id = ?", "tttii", in->name, in->email, in->phone,
		(long long)now, id) != SQLITE_OK ||
	    account_audit(db, actor_id, id, "account.edit", detail, now)) {
		db_rollback(db);
		return ACCOUNT_ERROR;
	}
	return db_commit(db) ? ACCOUNT_ERROR : ACCOUNT_OK;
}

enum account_result account_set_role(struct db *db, long long actor_id,
	long long id, enum role role, time_t now)
{
	if (role < ROLE_MEMBER || role > ROLE_ADMIN)
		return ACCOUNT_INVALID;
	if (actor_id == id && role != ROLE_ADMIN)
		return ACCOUNT_INVALID;
	/* BEGIN IMMEDIATE: from here on no other connection writes, so what is
	** read below is still true when the change is saved. */
	if (db_begin(db))
		return ACCOUNT_ERROR;
	int old_role = stored_role(db, id);
	enum account_result refusal = ACCOUNT_OK;
	if (old_role < 0)
		refusal = ACCOUNT_NOT_FOUND;
	else if (stored_role(db, actor_id) != ROLE_ADMIN)
		refusal = ACCOUNT_FORBIDDEN;
	else if (old_role == ROLE_ADMIN && role != ROLE_ADMIN &&
		db_int(db, 0, "SELECT count(*) FROM account WHERE role = 'admin' "
			"AND disabled_at IS NULL AND id <> ?",
			"i", id) == 0)
		refusal = ACCOUNT_LAST_ADMIN;
	if (refusal != ACCOUNT_OK) {
		db_rollback(db);
		return refusal;
	}
	char detail[64];
	snprintf(detail, sizeof detail, "%s -> %s", auth_role_name((enum role)old_role),
		auth_role_name(role));
	if (db_exec(db, "UPDATE account SET role = ?, updated_at = ? WHERE id = ?",
		"tii", auth_role_name(role), (long long)now, id) != SQLITE_OK ||
	    account_audit(db, actor_id, id, "account.role", detail, now)) {
		db_rollback(db);
		return ACCOUNT_ERROR;
	}
	return db_commit(db) ? ACCOUNT_ERROR : ACCOUNT_OK;
}

long account_list(struct db *db, struct arena *a, const struct account_filter *f,
	struct account *out, long *total)
{
	const char *q = f->q ? f->q : "";
	const char *role = f->role >= 0 ? auth_role_name((enum role)f->role) : NULL;
	/* instr() rather than LIKE: the search text may hold % and _. */
	*total = db_int(db, 0, "SELECT count(*) FROM account WHERE "
		"(?1 = '' OR instr(lower(name), lower(?1)) OR instr(lower(email), lower(?1))) "
		"AND (?2 IS NULL OR role = ?2) AND removed_at IS NULL", "tt", q, role);
	long offset = (f->page > 0 ? f->page - 1 : 0) * f->per_page;
	sqlite3_stmt *st = db_query(db, "SELECT " ACCOUNT_COLUMNS " FROM account WHERE "
		"(?1 = '' OR instr(lower(name), lower(?1)) OR instr(lower(email), lower(?1))) "
		"AND (?2 IS NULL OR role = ?2) AND removed_at IS NULL "
		"ORDER BY name COLLATE NOCASE, id "
		"LIMIT ?3 OFFSET ?4", "ttii", q, role, (long long)f->per_page,
		(long long)offset);
	long n = 0;
	while (n < f->per_page && db_row(db, st))
		account_from_row(a, st, &out[n++]);
	db_done(st);
	return n;
}

bool account_admin_exists(struct db *db)
{
	return db_int(db, 0, "SELECT count(*) FROM account WHERE role = 'admin'", NULL) > 0;
}

const char *account_channel_refusal(const char *channel, const char *phone)
{
	if (strcmp(channel, "email") && strcmp(channel, "sms") && strcmp(channel, "both"))
		return "Choose email, text message or both.";
	if (strcmp(channel, "email") && !*phone)
		return "Text messages need a mobile phone number: add one above, or choose email.";
	return NULL;
}

enum account_result account_set_notice_channel(struct db *db, long long actor_id,
	long long id, const char *channel, time_t now)
{
	if (db_begin(db))
		return ACCOUNT_ERROR;
	sqlite3_stmt *st = db_query(db, "SELECT notice_channel, phone FROM account WHERE id = ?",
		"i", id);
	char old[8] = "";
	bool has_phone = false;
	if (db_row(db, st)) {
		snprintf(old, sizeof old, "%s", (const char *)sqlite3_column_text(st, 0));
		has_phone = sqlite3_column_bytes(st, 1) > 0;
		db_done(st);
	}
	if (!*old || account_channel_refusal(channel, has_phone ? "phone" : "")) {
		db_rollback(db);
		return ACCOUNT_INVALID;
	}
	if (strcmp(old, channel)) {
		char detail[48];
		snprintf(detail, sizeof detail, "notices by %s -> %s", old, channel);
		if (db_exec(db, "UPDATE account SET notice_channel = ?, updated_at = ? WHERE id = ?",
			"tii", channel, (long long)now, id) != SQLITE_OK ||
		    account_audit(db, actor_id, id, "account.notices", detail, now)) {
			db_rollback(db);
			return ACCOUNT_ERROR;
		}
	}
	return db_commit(db) ? ACCOUNT_ERROR : ACCOUNT_OK;
}
