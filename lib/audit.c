/*
** audit.c: the append-only, hash-chained audit trail. See audit.h.
*/
#include "audit.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each field goes in as its 8-byte little-endian length and its bytes, so
** ("ab", "c") and ("a", "bc") hash differently. */
static void hash_bytes(crypto_generichash_state *st, const void *p, size_t n)
{
	unsigned char len[8];
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)((uint64_t)n >> (8 * i));
	crypto_generichash_update(st, len, sizeof len);
	if (n)
		crypto_generichash_update(st, p, n);
}

static void hash_text(crypto_generichash_state *st, const char *s)
{
	hash_bytes(st, s ? s : "", s ? strlen(s) : 0);
}

static void hash_int(crypto_generichash_state *st, long long v)
{
	char buf[24];
	int n = snprintf(buf, sizeof buf, "%lld", v);
	hash_bytes(st, buf, (size_t)n);
}

void audit_link(const unsigned char *prev, const struct audit_row *r,
	unsigned char out[AUDIT_HASH_BYTES])
{
	static const unsigned char genesis[AUDIT_HASH_BYTES];
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, AUDIT_HASH_BYTES);
	crypto_generichash_update(&st, prev ? prev : genesis, AUDIT_HASH_BYTES);
	hash_int(&st, r->id);
	hash_int(&st, r->at);
	hash_int(&st, r->actor_id);
	hash_text(&st, r->action);
	hash_text(&st, r->object);
	hash_text(&st, r->detail);
	hash_text(&st, r->before_value);
	hash_text(&st, r->after_value);
	crypto_generichash_final(&st, out, AUDIT_HASH_BYTES);
}

static const char *value_text(sqlite3_value *v)
{
	return (const char *)sqlite3_value_text(v);
}

/* audit_hash(prev, id, at, actor_id, action, object, detail, before, after) */
static void sql_audit_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const unsigned char *prev = NULL;
	if (sqlite3_value_type(argv[0]) == SQLITE_BLOB &&
	    sqlite3_value_bytes(argv[0]) == AUDIT_HASH_BYTES)
		prev = sqlite3_value_blob(argv[0]);
	struct audit_row r = {
		.id = sqlite3_value_int64(argv[1]),
		.at = sqlite3_value_int64(argv[2]),
		.actor_id = sqlite3_value_int64(argv[3]),   /* NULL reads as 0 */
		.action = value_text(argv[4]),
		.object = value_text(argv[5]),
		.detail = value_text(argv[6]),
		.before_value = value_text(argv[7]),
		.after_value = value_text(argv[8]),
	};
	unsigned char out[AUDIT_HASH_BYTES];
	audit_link(prev, &r, out);
	sqlite3_result_blob(ctx, out, AUDIT_HASH_BYTES, SQLITE_TRANSIENT);
}

int audit_register_sql(sqlite3 *h)
{
	return sqlite3_create_function(h, "audit_hash", 9, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
		NULL, sql_audit_hash, NULL, NULL);
}

static long long current_actor;

void audit_set_actor(long long account_id)
{
	current_actor = account_id;
}

long long audit_actor(void)
{
	return current_actor;
}

/* The API token the current request acts through, or "" (see audit.h). */
static char current_via[128];

void audit_set_via(const char *token_name)
{
	snprintf(current_via, sizeof current_via, "%s", token_name ? token_name : "");
}

int audit_record(struct db *db, long long actor_id, time_t now, const char *action,
	const char *object, const char *detail, const char *before, const char *after)
{
	char *with_via = NULL;
	if (*current_via) {
		size_t n = (detail ? strlen(detail) : 0) + strlen(current_via) + 32;
		with_via = malloc(n);
		if (!with_via)
			return -1;
		snprintf(with_via, n, "%s%svia API token \"%s\"", detail ? detail : "",
			detail && *detail ? " · " : "", current_via);
		detail = with_via;
	}
	int rc = db_exec(db, "INSERT INTO audit(at, actor_id, action, object, detail, "
		"before_value, after_value) VALUES (?, nullif(?, 0), ?, ?, ?, ?, ?)",
		"iittttt", (long long)now, actor_id, action, object ? object : "",
		detail ? detail : "", before ? before : "", after ? after : "") == SQLITE_OK
		? 0 : -1;
	free(with_via);
	return rc;
}

static void to_hex(const unsigned char *h, char *out)
{
	sodium_bin2hex(out, AUDIT_HASH_BYTES * 2 + 1, h, AUDIT_HASH_BYTES);
}

/* Mark the chain broken at id with a reason for people. */
static int broken(struct arena *a, struct audit_check *out, long long id, const char *why)
{
	out->broken_id = id;
	out->why = arena_strdup(a, why);
	return 1;
}

/* Why row id's link does not follow from the row before it (prev_id). */
static const char *mismatch_reason(struct arena *a, long long prev_id, long long id)
{
	if (id > prev_id + 1)
		return id == prev_id + 2
			? arena_printf(a, "row %lld before it was removed", prev_id + 1)
			: arena_printf(a, "rows %lld to %lld before it were removed",
				prev_id + 1, id - 1);
	return "it was changed after it was written (or its link was)";
}

int audit_verify(struct db *db, struct arena *a, struct audit_check *out)
{
	memset(out, 0, sizeof *out);
	/* Links whose row is gone: a row was removed but not its link. */
	long long orphan = db_int(db, 0, "SELECT min(c.audit_id) FROM audit_chain c "
		"WHERE NOT EXISTS (SELECT 1 FROM audit WHERE id = c.audit_id)", NULL);
	sqlite3_stmt *st = db_query(db, "SELECT a.id, a.at, coalesce(a.actor_id, 0), a.action, "
		"a.object, a.detail, a.before_value, a.after_value, c.hash "
		"FROM audit a LEFT JOIN audit_chain c ON c.audit_id = a.id ORDER BY a.id", NULL);
	if (!st)
		return -1;
	unsigned char prev[AUDIT_HASH_BYTES];
	bool have_prev = false;
	long long prev_id = 0;
	int rc = 0;
	while (db_row(db, st)) {
		struct audit_row r = {
			.id = sqlite3_column_int64(st, 0),
			.at = sqlite3_column_int64(st, 1),
			.actor_id = sqlite3_column_int64(st, 2),
			.action = (const char *)sqlite3_column_text(st, 3),
			.object = (const char *)sqlite3_column_text(st, 4),
			.detail = (const char *)sqlite3_column_text(st, 5),
			.before_value = (const char *)sqlite3_column_text(st, 6),
			.after_value = (const char *)sqlite3_column_text(st, 7),
		};
		const void *stored = sqlite3_column_blob(st, 8);
		int stored_len = sqlite3_column_bytes(st, 8);
		if (orphan && orphan < r.id) {
			rc = broken(a, out, r.id, arena_printf(a,
				"row %lld before it was removed", orphan));
			break;
		}
		if (!stored || stored_len != AUDIT_HASH_BYTES) {
			rc = broken(a, out, r.id, "it has no link in the chain (written by hand?)");
			break;
		}
		unsigned char want[AUDIT_HASH_BYTES];
		audit_link(have_prev ? prev : NULL, &r, want);
		if (sodium_memcmp(want, stored, AUDIT_HASH_BYTES) != 0) {
			rc = broken(a, out, r.id, mismatch_reason(a, prev_id, r.id));
			break;
		}
		memcpy(prev, stored, AUDIT_HASH_BYTES);
		have_prev = true;
		prev_id = r.id;
		out->rows++;
	}
	if (rc)
		db_done(st);
	if (!rc && orphan)
		rc = broken(a, out, orphan, "the newest rows were removed");
	if (have_prev) {
		out->head_id = prev_id;
		to_hex(prev, out->head_hash);
	}
	return rc;
}

/* ---- reading the trail ---- */

const struct audit_group audit_groups[] = {
	{ "logins", "Logins", { "login", "login.*", NULL } },
	{ "circulation", "Circulation", { "loan.*", "hold.*", NULL } },
	{ "money", "Fines, payments and memberships", { "fine.*", "payment.*", "membership.*", NULL } },
	{ "accounts", "Accounts and roles", { "account.*", NULL } },
	{ "catalogue", "Catalogue", { "title.*", "copy.*", "review.*", "section.*", NULL } },
	{ "ebooks", "E-books", { "ebook*", NULL } },
	{ "rules", "Rules and settings", { "rule.*", "settings.*", "closed_*", "plan.*", NULL } },
	{ "lists", "Item types, categories and notices",
	  { "item_type.*", "category.*", "notice*", NULL } },
	{ "imports", "Imports", { "import", "import.*", NULL } },
	{ "backups", "Backups", { "backup.*", NULL } },
	{ "inventory", "Stocktaking", { "inventory.*", NULL } },
};
const int audit_group_count = (int)(sizeof audit_groups / sizeof audit_groups[0]);

const struct audit_group *audit_group_named(const char *key)
{
	for (int i = 0; key && i < audit_group_count; i++)
		if (!strcmp(audit_groups[i].key, key))
			return &audit_groups[i];
	return NULL;
}

static const char *const action_words[][2] = {
	{ "login", "Logged in" },
	{ "login.failed", "Failed login" },
	{ "login.refused", "Login refused: too many failures" },
	{ "loan.checkout", "Checkout" },
	{ "loan.checkin", "Checkin" },
	{ "inventory.open", "Stocktaking opened" },
	{ "inventory.close", "Stocktaking closed" },
	{ "inventory.checkin", "Checked in at stocktaking" },
	{ "inventory.mark-lost", "Marked lost at stocktaking" },
	{ "inventory.found", "Found at stocktaking" },
	{ "loan.renew", "Renewal" },
	{ "hold.cancel", "Hold cancelled" },
	{ "fine.paid", "Fine paid" },
	{ "fine.waived", "Fine waived" },
	{ "payment.add", "Payment recorded" },
	{ "payment.refund", "Payment refunded" },
	{ "membership.renew", "Membership renewed" },
	{ "account.create", "Account created" },
	{ "account.edit", "Account changed" },
	{ "account.role", "Role changed" },
	{ "account.password", "Password set by staff" },
	{ "account.password-reset", "Password reset by email" },
	{ "account.confirm", "Email address confirmed" },
	{ "account.notes", "Notes changed" },
	{ "account.notices", "Notice choice changed" },
	{ "account.disable", "Account disabled" },
	{ "account.enable", "Account enabled" },
	{ "account.password-chosen", "Own password chosen" },
	{ "login.disabled", "Login refused: account disabled" },
	{ "section.create", "Section added" },
	{ "section.rename", "Section renamed" },
	{ "section.describe", "Section description changed" },
	{ "section.move", "Section moved in the order" },
	{ "section.merge", "Section merged into another" },
	{ "section.delete", "Section deleted" },
	{ "account.remove", "Member removed" },
	{ "loan.anonymise", "Old loans anonymised" },
	{ "title.create", "Title added" },
	{ "title.edit", "Title changed" },
	{ "title.delete", "Title deleted" },
	{ "ebook.file", "E-book file attached" },
	{ "ebook.file-removed", "E-book file removed" },
	{ "ebook.request", "E-book requested" },
	{ "ebook.grant", "E-book granted" },
	{ "ebook.reject", "E-book request turned down" },
	{ "ebook.cancel", "E-book request cancelled" },
	{ "ebook.return", "E-book returned early" },
	{ "ebook.revoke", "E-book access revoked" },
	{ "ebook.expire", "E-book access ended" },
	{ "ebook_rule.save", "E-book rule saved" },
	{ "ebook_rule.delete", "E-book rule deleted" },
	{ "setting.ebooks", "E-book settings changed" },
	{ "copy.add", "Copy added" },
	{ "copy.edit", "Copy changed" },
	{ "copy.withdraw", "Copy withdrawn" },
	{ "review.hide", "Review hidden" },
	{ "review.show", "Review shown again" },
	{ "support.answer", "Question answered" },
	{ "support.close", "Question closed" },
	{ "support.reopen", "Question reopened" },
	{ "rule.save", "Rule saved" },
	{ "rule.delete", "Rule deleted" },
	{ "settings.save", "Settings changed" },
	{ "plan.save", "Plan saved" },
	{ "closed_day.add", "Closed days added" },
	{ "closed_day.delete", "Closed day opened again" },
	{ "closed_weekday.add", "Weekly closing day added" },
	{ "closed_weekday.delete", "Weekly closing day removed" },
	{ "notice.edit", "Notice text changed" },
	{ "notice.restore", "Notice text restored" },
	{ "notices.settings", "Reminder days changed" },
	{ "import", "Import committed" },
	{ "import.undo", "Import undone" },
	{ "backup.make", "Backup made" },
	{ "backup.restore", "Backup restored" },
};

const char *audit_action_words(const char *action)
{
	for (size_t i = 0; i < sizeof action_words / sizeof action_words[0]; i++)
		if (!strcmp(action_words[i][0], action))
			return action_words[i][1];
	return action;
}

/* The filter's WHERE clause, shared by the count and the page: ?1 text,
** ?2 who, ?3..?6 action patterns (NULL: unused; all NULL: any action),
** ?7 from and ?8 to (0: open). A group has at most four patterns. */
#define AUDIT_WHERE \
	"WHERE (?1 = '' OR instr(lower(a.object || ' ' || a.detail || ' ' || a.before_value " \
	"  || ' ' || a.after_value), lower(?1)) > 0) " \
	"AND (?2 = '' OR instr(lower(coalesce(p.name, '') || ' ' || coalesce(p.email, '')), " \
	"  lower(?2)) > 0) " \
	"AND ((?3 IS NULL AND ?4 IS NULL AND ?5 IS NULL AND ?6 IS NULL) OR a.action GLOB ?3 " \
	"  OR a.action GLOB ?4 OR a.action GLOB ?5 OR a.action GLOB ?6) " \
	"AND (?7 = 0 OR a.at >= ?7) AND (?8 = 0 OR a.at < ?8) "

/* The action patterns of f's group, NULL past its last (and all NULL for
** any action). */
static const char *glob_of(const struct audit_filter *f, int i)
{
	return f->group ? f->group->globs[i] : NULL;
}

#define FILTER_ARGS(f) (f)->text ? (f)->text : "", (f)->who ? (f)->who : "", \
	glob_of(f, 0), glob_of(f, 1), glob_of(f, 2), glob_of(f, 3), (f)->from, (f)->to

int audit_search(struct db *db, struct arena *a, const struct audit_filter *f, long page,
	int per_page, struct audit_entry **out, long *total)
{
	*out = NULL;
	*total = 0;
	sqlite3_stmt *st = db_query(db, "SELECT count(*) FROM audit a "
		"LEFT JOIN account p ON p.id = a.actor_id " AUDIT_WHERE, "ttttttii", FILTER_ARGS(f));
	if (!st)
		return -1;
	if (db_row(db, st)) {
		*total = (long)sqlite3_column_int64(st, 0);
		db_done(st);
	}
	st = db_query(db, "SELECT a.id, a.at, coalesce(a.actor_id, 0), coalesce(p.name, ''), "
		"coalesce(p.email, ''), a.action, a.object, a.detail, a.before_value, a.after_value "
		"FROM audit a LEFT JOIN account p ON p.id = a.actor_id " AUDIT_WHERE
		"ORDER BY a.id DESC LIMIT ?9 OFFSET ?10", "ttttttiiii", FILTER_ARGS(f),
		(long long)per_page, (page > 0 ? page - 1 : 0) * (long long)per_page);
	if (!st)
		return -1;
	struct audit_entry *rows = arena_calloc(a, sizeof *rows * (size_t)per_page);
	int n = 0;
	while (n < per_page && db_row(db, st)) {
		struct audit_entry *e = &rows[n++];
		e->id = sqlite3_column_int64(st, 0);
		e->at = sqlite3_column_int64(st, 1);
		e->actor_id = sqlite3_column_int64(st, 2);
		e->actor_name = db_text(a, st, 3);
		e->actor_email = db_text(a, st, 4);
		e->action = db_text(a, st, 5);
		e->object = db_text(a, st, 6);
		e->detail = db_text(a, st, 7);
		e->before_value = db_text(a, st, 8);
		e->after_value = db_text(a, st, 9);
	}
	if (n == per_page)
		db_done(st);
	*out = rows;
	return n;
}
