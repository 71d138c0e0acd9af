/*
** staff.c: staff accounts kept by admins. See staff.h.
*/
#include "staff.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"

void staff_temporary_password(char out[STAFF_TEMP_PASSWORD_LEN + 1])
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
	int n = 0;
	for (int group = 0; group < 4; group++) {
		if (group)
			out[n++] = '-';
		for (int i = 0; i < 4; i++)
			out[n++] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	}
	out[n] = '\0';
}

enum account_result staff_create(struct db *db, const struct auth_cost *cost,
	struct arena *a, struct staff_input *in, time_t now,
	struct form_errors *errs, long long *id,
	char password[STAFF_TEMP_PASSWORD_LEN + 1])
{
	staff_temporary_password(password);
	struct account_input account = { in->name, in->email, "", password };
	account_validate(a, &account, errs);
	in->name = account.name;
	in->email = account.email;
	int role = auth_role_parse(in->role);
	if (role != ROLE_LIBRARIAN && role != ROLE_ADMIN)
		form_error(errs, "role", "Choose librarian or admin.");
	if (errs->n)
		return ACCOUNT_INVALID;
	enum account_result rc = account_create(db, cost, &account, (enum role)role, now,
		errs, id);
	if (rc != ACCOUNT_OK)
		return rc;
	/* Nobody has logged in with it yet: no session can hold the old flag. */
	return account_require_password_change(db, *id) == 0 ? ACCOUNT_OK : ACCOUNT_ERROR;
}

bool staff_is_disabled(struct db *db, long long id)
{
	return db_int(db, 0, "SELECT disabled_at IS NOT NULL FROM account WHERE id = ?",
		"i", id) != 0;
}

/* Why the change may not be made, or ACCOUNT_OK. */
static enum account_result disable_refusal(struct db *db, long long actor_id,
	long long id, bool disabled)
{
	if (actor_id && !db_int(db, 0, "SELECT count(*) FROM account WHERE id = ? "
		"AND role = 'admin' AND disabled_at IS NULL", "i", actor_id))
		return ACCOUNT_FORBIDDEN;
	if (!db_int(db, 0, "SELECT count(*) FROM account WHERE id = ?", "i", id))
		return ACCOUNT_NOT_FOUND;
	if (!disabled)
		return ACCOUNT_OK;
	if (id == actor_id)
		return ACCOUNT_INVALID;
	if (db_int(db, 0, "SELECT role = 'admin' FROM account WHERE id = ?", "i", id) &&
	    !db_int(db, 0, "SELECT count(*) FROM account WHERE role = 'admin' "
		"AND disabled_at IS NULL AND id <> ?", "i", id))
		return ACCOUNT_LAST_ADMIN;
	return ACCOUNT_OK;
}

enum account_result staff_set_disabled(struct db *db, long long actor_id,
	long long id, bool disabled, time_t now)
{
	if (db_begin(db))
		return ACCOUNT_ERROR;
	enum account_result refusal = disable_refusal(db, actor_id, id, disabled);
	if (refusal != ACCOUNT_OK || staff_is_disabled(db, id) == disabled) {
		db_rollback(db);
		return refusal;
	}
	sqlite3_stmt *st = db_query(db, "SELECT name, email, role FROM account WHERE id = ?",
		"i", id);
	char detail[500] = "";
	if (st && db_row(db, st)) {
		snprintf(detail, sizeof detail, "%.150s <%.200s>, %s", sqlite3_column_text(st, 0),
			sqlite3_column_text(st, 1), sqlite3_column_text(st, 2));
		db_done(st);
	}
	char object[32];
	snprintf(object, sizeof object, "account:%lld", id);
	if (db_exec(db, disabled
		? "UPDATE account SET disabled_at = ?1, updated_at = ?1 WHERE id = ?2"
		: "UPDATE account SET disabled_at = NULL, updated_at = ?1 WHERE id = ?2",
		"ii", (long long)now, id) != SQLITE_OK ||
	    /* Whoever is logged in as it is logged out with the next page. */
	    (disabled && db_exec(db, "DELETE FROM session WHERE account_id = ?", "i",
		id) != SQLITE_OK) ||
	    audit_record(db, actor_id, now, disabled ? "account.disable" : "account.enable",
		object, detail, disabled ? "enabled" : "disabled",
		disabled ? "disabled" : "enabled")) {
		db_rollback(db);
		return ACCOUNT_ERROR;
	}
	return db_commit(db) ? ACCOUNT_ERROR : ACCOUNT_OK;
}

enum account_result staff_choose_password(struct db *db, const struct auth_cost *cost,
	long long id, const char *fresh, time_t now, struct form_errors *errs)
{
	const char *msg = valid_password(fresh);
	if (msg) {
		form_error(errs, "password", msg);
		return ACCOUNT_INVALID;
	}
	char old[AUTH_HASH_MAX] = "";
	sqlite3_stmt *st = db_query(db, "SELECT password_hash FROM account WHERE id = ?",
		"i", id);
	if (st && db_row(db, st)) {
		snprintf(old, sizeof old, "%s", sqlite3_column_text(st, 0));
		db_done(st);
	}
	if (!old[0])
		return ACCOUNT_ERROR;
	if (auth_check_password(old, fresh)) {
		form_error(errs, "password", "That is the temporary password: choose a "
			"new one of your own.");
		return ACCOUNT_INVALID;
	}
	char hash[AUTH_HASH_MAX];
	if (auth_hash_password(cost, fresh, hash))
		return ACCOUNT_ERROR;
	if (db_begin(db))
		return ACCOUNT_ERROR;
	if (db_exec(db, "UPDATE account SET password_hash = ?, must_change_password = 0, "
		"updated_at = ? WHERE id = ?", "tii", hash, (long long)now, id) != SQLITE_OK ||
	    account_audit(db, id, id, "account.password-chosen", "in place of a temporary one",
		now)) {
		db_rollback(db);
		return ACCOUNT_ERROR;
	}
	return db_commit(db) ? ACCOUNT_ERROR : ACCOUNT_OK;
}
