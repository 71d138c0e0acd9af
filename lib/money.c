/*
** money.c: amounts of money for people and for files. See money.h.
*/
#include "money.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const char *money_amount(struct arena *a, long cents)
{
	const char *sign = cents < 0 ? "-" : "";
	long v = labs(cents);
	return arena_printf(a, "%s%ld.%02ld", sign, v / 100, v % 100);
}

const char *money_in(struct arena *a, const char *currency, long cents)
{
	if (!currency || !*currency)
		return money_amount(a, cents);
	return arena_printf(a, "%s %s", money_amount(a, cents), currency);
}

/* The digits of "12.50" in s[0..n) as cents, or -1. */
static long long parse_plain(const char *s, size_t n)
{
	long long units = 0, cents = 0;
	size_t i = 0;
	int digits = 0, decimals = 0;
	while (i < n && isdigit((unsigned char)s[i]) && digits < 9) {
		units = units * 10 + (s[i++] - '0');
		digits++;
	}
	if (!digits)
		return -1;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && isdigit((unsigned char)s[i]) && decimals < 2) {
			cents = cents * 10 + (s[i++] - '0');
			decimals++;
		}
		if (!decimals)
			return -1;
		if (decimals == 1)
			cents *= 10;
	}
	return i == n ? units * 100 + cents : -1;
}

long long money_parse(const char *s)
{
	if (!s || !*s)
		return 0;
	size_t n = strlen(s);
	/* A currency after the amount, as money_in writes it. */
	size_t end = n;
	while (end > 0 && !isdigit((unsigned char)s[end - 1]) && !strchr(" .", s[end - 1]))
		end--;
	if (end < n && n - end <= MONEY_CURRENCY_MAX) {
		size_t amount_end = end;
		while (amount_end > 0 && s[amount_end - 1] == ' ')
			amount_end--;
		return parse_plain(s, amount_end);
	}
	return parse_plain(s, n);
}

const char *money_currency(struct db *db, struct arena *a)
{
	const char *currency = MONEY_DEFAULT_CURRENCY;
	sqlite3_stmt *st = db_query(db, "SELECT value FROM setting WHERE key = ?", "t",
		MONEY_SETTING_CURRENCY);
	if (st && db_row(db, st)) {
		const char *saved = db_text(a, st, 0);
		if (*saved)
			currency = saved;
		db_done(st);
	}
	return currency;
}

const char *money_show(struct db *db, struct arena *a, long cents)
{
	return money_in(a, money_currency(db, a), cents);
}

int money_currency_validate(struct arena *a, const char *typed, const char **out,
	struct form_errors *errs)
{
	const char *s = valid_trim(a, typed);
	*out = s;
	size_t n = strlen(s);
	bool fits = n >= 1 && n <= MONEY_CURRENCY_MAX;
	/* Digits, a sign or a point would read as part of the amount. */
	if (!fits || strpbrk(s, "0123456789+-.,<>&\"' \t")) {
		form_error(errs, "currency", "Write the currency as a symbol or a short code, "
			"such as € or EUR (up to 8 characters, no digits or spaces).");
		return -1;
	}
	return 0;
}

int money_currency_save(struct db *db, struct arena *a, const char *currency,
	long long actor_id, time_t now)
{
	if (db_begin(db))
		return -1;
	const char *old = money_currency(db, a);
	if (db_exec(db, "INSERT OR REPLACE INTO setting(key, value) VALUES (?, ?)", "tt",
		MONEY_SETTING_CURRENCY, currency) != SQLITE_OK ||
	    db_exec(db, "INSERT INTO audit(at, actor_id, action, object, detail) "
		"VALUES (?, nullif(?, 0), 'settings.save', 'settings:currency', ?)", "iit",
		(long long)now, actor_id, arena_printf(a, "currency %s -> %s", old, currency))
		!= SQLITE_OK || db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	return 0;
}
