/*
** money.h: amounts of money, which are integer cents everywhere, written
** for people and for files.
**
** Two forms: the plain amount ("12.50", "-0.25") goes into form fields,
** files, exports and the audit trail, where it must read back as a number;
** the shown amount adds the library's currency after it ("12.50 €"), for
** every page, message and notice a person reads. The currency is the
** setting library.currency (MONEY_SETTING_CURRENCY), "€" unless an admin
** changes it at /admin/settings.
*/
#ifndef CARREL_MONEY_H
#define CARREL_MONEY_H

#include <time.h>

#include "arena.h"
#include "db.h"
#include "valid.h"

#define MONEY_SETTING_CURRENCY "library.currency"
#define MONEY_DEFAULT_CURRENCY "€"
#define MONEY_CURRENCY_MAX 8      /* bytes: a symbol or a short code */

/* The plain amount: "12.50", "-0.25". */
const char *money_amount(struct arena *a, long cents);

/* The amount as people read it, with currency after a space:
** "12.50 €", "-0.25 €". */
const char *money_in(struct arena *a, const char *currency, long cents);

/* An amount typed into a form: "12.50", "12.5" or "12", optionally with a
** currency after it as amounts are shown ("12.50 €", "12.50 EUR"), so a
** form filled with a shown amount reads back. Returns cents, 0 for empty
** text, or -1 when it is not an amount (no sign: amounts typed are never
** negative). */
long long money_parse(const char *s);

/* The library's currency (the setting, or the default). */
const char *money_currency(struct db *db, struct arena *a);

/* money_in with the library's currency. */
const char *money_show(struct db *db, struct arena *a, long cents);

/* Check a currency typed by an admin (trimmed; a symbol or code of up to
** MONEY_CURRENCY_MAX bytes, no digits, spaces or markup characters) into
** *out. Returns 0, or -1 with an error on field "currency". */
int money_currency_validate(struct arena *a, const char *typed, const char **out,
	struct form_errors *errs);

/* Save the currency, with an audit row (settings.save) holding the old and
** new values. Returns 0 or -1. */
int money_currency_save(struct db *db, struct arena *a, const char *currency,
	long long actor_id, time_t now);

#endif
