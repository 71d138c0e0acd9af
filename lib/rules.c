/*
** rules.c: editing circulation rules and closed days. See rules.h.
*/
#include "rules.h"

#include <ctype.h>
#include <string.h>

#include "cataloguing.h"
#include "money.h"

int rules_list(struct db *db, struct arena *a, struct circ_rule **out)
{
	long n = (long)db_int(db, 0, "SELECT count(*) FROM circ_rule", NULL);
	*out = arena_calloc(a, sizeof **out * (size_t)(n ? n : 1));
	sqlite3_stmt *st = db_query(db,
		"SELECT id, category, item_type, loan_days, max_loans, max_renewals, "
		"  fine_per_day_cents, grace_days, fine_cap_cents, hold_pickup_days, "
		"  coalesce(no_renewal_before_days, -1) "
		"FROM circ_rule ORDER BY category = '*', category, item_type = '*', item_type", NULL);
	int i = 0;
	while (db_row(db, st)) {
		if (i >= n)
			continue;
		struct circ_rule *r = &(*out)[i++];
		r->id = db_col_int(st, 0);
		r->category = db_text(a, st, 1);
		r->item_type = db_text(a, st, 2);
		r->loan_days = (int)db_col_int(st, 3);
		r->max_loans = (int)db_col_int(st, 4);
		r->max_renewals = (int)db_col_int(st, 5);
		r->fine_per_day_cents = (long)db_col_int(st, 6);
		r->grace_days = (int)db_col_int(st, 7);
		r->fine_cap_cents = (long)db_col_int(st, 8);
		r->hold_pickup_days = (int)db_col_int(st, 9);
		r->no_renewal_before_days = (int)db_col_int(st, 10);
	}
	return i;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 40)
		return false;
	if (!strcmp(s, "*"))
		return true;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

static int number(const char *s, long min, long max, long *out)
{
	long long v = valid_id(s);
	if (s && !strcmp(s, "0"))
		v = 0;
	else if (v == 0)
		return -1;
	if (v < min || v > max)
		return -1;
	*out = (long)v;
	return 0;
}

int rules_validate(struct arena *a, const struct rule_input *in, struct circ_rule *r,
	struct form_errors *errs)
{
	memset(r, 0, sizeof *r);
	r->category = valid_trim(a, in->category);
	r->item_type = valid_trim(a, in->item_type);
	if (!*r->category)
		r->category = "*";
	if (!*r->item_type)
		r->item_type = "*";
	if (!name_ok(r->category))
		form_error(errs, "category", "A category is a word (letters, digits, - or _) or * for any.");
	if (!name_ok(r->item_type))
		form_error(errs, "item_type", "An item type is a word (letters, digits, - or _) or * for any.");
	long v;
	struct { const char *text, *field, *msg; long min, max; int *dst; } ints[] = {
		{ in->loan_days, "loan_days", "Loan days: a whole number from 1 to 366.", 1, 366, &r->loan_days },
		{ in->max_loans, "max_loans", "Loans at once: a whole number from 0 to 1000.", 0, 1000, &r->max_loans },
		{ in->max_renewals, "max_renewals", "Renewals: a whole number from 0 to 100.", 0, 100, &r->max_renewals },
		{ in->grace_days, "grace_days", "Grace days: a whole number from 0 to 365.", 0, 365, &r->grace_days },
		{ in->hold_pickup_days, "hold_pickup_days", "Pickup days: a whole number from 1 to 365.", 1, 365, &r->hold_pickup_days },
	};
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		if (number(valid_trim(a, ints[i].text), ints[i].min, ints[i].max, &v))
			form_error(errs, ints[i].field, ints[i].msg);
		else
			*ints[i].dst = (int)v;
	}
	long long per_day = cataloguing_parse_cents(valid_trim(a, in->fine_per_day));
	long long cap = cataloguing_parse_cents(valid_trim(a, in->fine_cap));
	if (per_day < 0 || per_day > 100000)
		form_error(errs, "fine_per_day", "The fine per day is an amount such as 0.25.");
	if (cap < 0 || cap > 10000000)
		form_error(errs, "fine_cap", "The cap is an amount such as 10.00 (0 for none).");
	r->fine_per_day_cents = (long)per_day;
	r->fine_cap_cents = (long)cap;
	/* Empty: renewals at any time. */
	const char *before = valid_trim(a, in->no_renewal_before);
	r->no_renewal_before_days = -1;
	if (*before && number(before, 0, 366, &v))
		form_error(errs, "no_renewal_before", "No renewal before: a whole number of days "
			"from 0 to 366 before the due date, or empty to allow renewing at any time.");
	else if (*before)
		r->no_renewal_before_days = (int)v;
	return errs->n ? -1 : 0;
}

/* Inside a transaction: the audit row of an admin's change. */
static int audit_change(struct db *db, long long actor_id, time_t now, const char *action,
	const char *object, const char *detail)
{
	return db_exec(db, "INSERT INTO audit(at, actor_id, action, object, detail) "
		"VALUES (?, nullif(?, 0), ?, ?, ?)", "iittt", (long long)now, actor_id, action,
		object, detail) == SQLITE_OK ? 0 : -1;
}

/* Inside a transaction: the row of rules_save. Returns as it does. */
static int save_rule_row(struct db *db, long long id, const struct circ_rule *r,
	struct form_errors *errs)
{
	if (db_int(db, 0, "SELECT count(*) FROM circ_rule WHERE category = ? AND item_type = ? "
		"AND id <> ?", "tti", r->category, r->item_type, id)) {
		form_error(errs, "category", "There is already a rule for this category and item type.");
		return -1;
	}
	int rc;
	if (id) {
		/* The catch-all rule keeps its '*'/'*' so every loan finds a rule. */
		if (db_int(db, 0, "SELECT count(*) FROM circ_rule WHERE id = ? AND category = '*' "
			"AND item_type = '*'", "i", id) && (strcmp(r->category, "*") ||
			strcmp(r->item_type, "*"))) {
			form_error(errs, "category", "The rule for any category and any item type "
				"stays general; add a new rule for the particular case.");
			return -1;
		}
		rc = db_exec(db, "UPDATE circ_rule SET category = ?, item_type = ?, loan_days = ?, "
			"max_loans = ?, max_renewals = ?, fine_per_day_cents = ?, grace_days = ?, "
			"fine_cap_cents = ?, hold_pickup_days = ?, no_renewal_before_days = nullif(?, -1) "
			"WHERE id = ?", "ttiiiiiiii" "i",
			r->category, r->item_type, (long long)r->loan_days, (long long)r->max_loans,
			(long long)r->max_renewals, (long long)r->fine_per_day_cents,
			(long long)r->grace_days, (long long)r->fine_cap_cents,
			(long long)r->hold_pickup_days, (long long)r->no_renewal_before_days, id);
		if (rc == SQLITE_OK && db_changes(db) == 0)
			return 1;
	} else {
		rc = db_exec(db, "INSERT INTO circ_rule(category, item_type, loan_days, max_loans, "
			"max_renewals, fine_per_day_cents, grace_days, fine_cap_cents, hold_pickup_days, "
			"no_renewal_before_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, nullif(?, -1))",
			"ttiiiiiii" "i",
			r->category, r->item_type, (long long)r->loan_days, (long long)r->max_loans,
			(long long)r->max_renewals, (long long)r->fine_per_day_cents,
			(long long)r->grace_days, (long long)r->fine_cap_cents,
			(long long)r->hold_pickup_days, (long long)r->no_renewal_before_days);
	}
	return rc == SQLITE_OK ? 0 : -1;
}

int rules_save(struct db *db, struct arena *a, long long id, const struct circ_rule *r,
	long long actor_id, time_t now, struct form_errors *errs)
{
	if (db_begin(db))
		return -1;
	int rc = save_rule_row(db, id, r, errs);
	const char *detail = arena_printf(a, "%s/%s: %d days, %d loans, %d renewals, %s a day "
		"after %d grace day(s), cap %s, %d pickup days, %s", r->category, r->item_type,
		r->loan_days, r->max_loans, r->max_renewals, money_amount(a, r->fine_per_day_cents),
		r->grace_days, money_amount(a, r->fine_cap_cents), r->hold_pickup_days,
		r->no_renewal_before_days < 0 ? "renewals at any time"
			: arena_printf(a, "no renewal before %d days", r->no_renewal_before_days));
	if (rc == 0 && audit_change(db, actor_id, now, "rule.save", arena_printf(a,
		"circ_rule:%lld", id ? id : db_last_id(db)), detail))
		rc = -1;
	if (rc || db_commit(db)) {
		db_rollback(db);
		return rc ? rc : -1;
	}
	return 0;
}

int rules_delete(struct db *db, struct arena *a, long long id, long long actor_id,
	time_t now, const char **why)
{
	struct circ_rule r = { 0 };
	sqlite3_stmt *st = db_query(db, "SELECT category, item_type FROM circ_rule WHERE id = ?",
		"i", id);
	if (!db_row(db, st))
		return 2;
	r.category = db_text(a, st, 0);
	r.item_type = db_text(a, st, 1);
	db_done(st);
	if (!strcmp(r.category, "*") && !strcmp(r.item_type, "*")) {
		*why = "The rule for any category and any item type cannot be deleted: every "
			"loan needs a rule. Change its values instead.";
		return 1;
	}
	if (db_begin(db))
		return -1;
	if (db_exec(db, "DELETE FROM circ_rule WHERE id = ?", "i", id) != SQLITE_OK ||
	    audit_change(db, actor_id, now, "rule.delete", arena_printf(a, "circ_rule:%lld", id),
		arena_printf(a, "%s/%s", r.category, r.item_type)) || db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

int rules_closed_days(struct db *db, struct arena *a, struct closed_day_row **out)
{
	long n = (long)db_int(db, 0, "SELECT count(*) FROM closed_day", NULL);
	*out = arena_calloc(a, sizeof **out * (size_t)(n ? n : 1));
	sqlite3_stmt *st = db_query(db, "SELECT day, reason FROM closed_day ORDER BY day", NULL);
	int i = 0;
	while (db_row(db, st)) {
		if (i >= n)
			continue;
		(*out)[i].day = db_text(a, st, 0);
		(*out)[i].reason = db_text(a, st, 1);
		i++;
	}
	return i;
}

int rules_close_days(struct db *db, struct arena *a, const char *from, const char *to,
	const char *reason, long long actor_id, time_t now, const char **why)
{
	lday first, last;
	if (!cal_parse(from, &first)) {
		*why = "Write the day as YYYY-MM-DD, e.g. 2026-12-25.";
		return -1;
	}
	if (!to || !*to)
		last = first;
	else if (!cal_parse(to, &last) || last < first || last - first > 366) {
		*why = "The last day must be a date (YYYY-MM-DD) on or after the first, within a year.";
		return -1;
	}
	*why = "The closed days could not be saved just now.";
	if (db_begin(db))
		return -1;
	char day[11], first_s[11];
	cal_format(first, first_s);
	for (lday d = first; d <= last; d++) {
		cal_format(d, day);
		if (db_exec(db, "INSERT OR REPLACE INTO closed_day(day, reason) VALUES (?, ?)",
			"tt", day, reason ? reason : "") != SQLITE_OK) {
			db_rollback(db);
			return -1;
		}
	}
	if (audit_change(db, actor_id, now, "closed_day.add", "closed_day", arena_printf(a,
		"%s..%s: %s", first_s, day, reason ? reason : "")) || db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	*why = NULL;
	return 0;
}

int rules_open_day(struct db *db, const char *day, long long actor_id, time_t now)
{
	lday d;
	if (!day || !cal_parse(day, &d))
		return 1;
	if (db_begin(db))
		return -1;
	if (db_exec(db, "DELETE FROM closed_day WHERE day = ?", "t", day) != SQLITE_OK) {
		db_rollback(db);
		return -1;
	}
	if (!db_changes(db)) {
		db_rollback(db);
		return 1;
	}
	if (audit_change(db, actor_id, now, "closed_day.delete", "closed_day", day) ||
	    db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

/* ---- circulation settings ---- */

int rules_settings_validate(struct arena *a, const struct settings_input *in,
	struct circ_settings *out, struct form_errors *errs)
{
	memset(out, 0, sizeof *out);
	const char *fines = valid_trim(a, in->block_fines);
	long long cents = *fines ? cataloguing_parse_cents(fines) : -1;
	if (cents < 0 || cents > 1000000)
		form_error(errs, "block_fines", "The fines limit is an amount from 0.00 to "
			"10000.00, such as 5.00 (0.00 blocks a member who owes anything).");
	else
		out->block_fines_cents = (long)cents;
	if (number(valid_trim(a, in->renew_overdue_days), 0, 365, &out->renew_overdue_days))
		form_error(errs, "renew_overdue_days", "Days overdue: a whole number from 0 to "
			"365 (0 refuses renewing any overdue loan).");
	return errs->n ? -1 : 0;
}

int rules_settings_save(struct db *db, struct arena *a, const struct circ_settings *s,
	long long actor_id, time_t now)
{
	struct circ_settings old;
	if (db_begin(db))
		return -1;
	circ_settings_get(db, &old);
	const char *detail = arena_printf(a, "fines block limit %s -> %s; renewal refused "
		"when overdue more than %ld -> %ld days", money_amount(a, old.block_fines_cents),
		money_amount(a, s->block_fines_cents), old.renew_overdue_days, s->renew_overdue_days);
	if (db_exec(db, "INSERT OR REPLACE INTO setting(key, value) VALUES (?, ?), (?, ?)",
		"tttt", CIRC_SETTING_BLOCK_FINES, arena_printf(a, "%ld", s->block_fines_cents),
		CIRC_SETTING_RENEW_OVERDUE, arena_printf(a, "%ld", s->renew_overdue_days)) != SQLITE_OK ||
	    audit_change(db, actor_id, now, "settings.save", "settings:circulation", detail)) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db);
}
