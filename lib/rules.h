/*
** rules.h: the admin's side of circulation: editing the circulation rules,
** the closed days and the circulation settings.
*/
#ifndef CARREL_RULES_H
#define CARREL_RULES_H

#include "arena.h"
#include "circulation.h"
#include "db.h"
#include "valid.h"

/* A rule as typed into the form (all text). */
struct rule_input {
	const char *category, *item_type, *loan_days, *max_loans, *max_renewals;
	const char *fine_per_day, *grace_days, *fine_cap, *hold_pickup_days;
	const char *no_renewal_before;   /* days; empty: renewals at any time */
};

/* Every rule, most general last. Returns the count (rules on the arena). */
int rules_list(struct db *db, struct arena *a, struct circ_rule **out);

/* Check a rule form into r. Returns 0, or -1 with errors keyed by field. */
int rules_validate(struct arena *a, const struct rule_input *in, struct circ_rule *r,
	struct form_errors *errs);

/* Every change below is written to the audit table (who: actor_id, when:
** now) in the transaction that makes it: rule.save, rule.delete,
** closed_day.add, closed_day.delete, settings.save. */

/* Add (id 0) or change a rule. A second rule for the same category and
** item type is refused with an error on "category". Returns 0, 1 when the
** rule does not exist, or -1. */
int rules_save(struct db *db, struct arena *a, long long id, const struct circ_rule *r,
	long long actor_id, time_t now, struct form_errors *errs);

/* Delete a rule; the '*'/'*' rule stays (every loan needs a rule). Loans
** made under it keep its terms. Returns 0, 1 when refused (*why says why),
** 2 when there is no such rule, -1 on error. */
int rules_delete(struct db *db, struct arena *a, long long id, long long actor_id,
	time_t now, const char **why);

/* Closed days from today on (and the last few past ones), as YYYY-MM-DD. */
struct closed_day_row { const char *day; const char *reason; };
int rules_closed_days(struct db *db, struct arena *a, struct closed_day_row **out);
/* Add a closed day (YYYY-MM-DD) or a range of them. Returns 0 or -1 with a
** message in *why. */
int rules_close_days(struct db *db, struct arena *a, const char *from, const char *to,
	const char *reason, long long actor_id, time_t now, const char **why);
/* Open a closed day (YYYY-MM-DD) again. Returns 0, 1 when it is not a
** closed day (or not a date), -1 on error. */
int rules_open_day(struct db *db, const char *day, long long actor_id, time_t now);

/* The circulation settings as typed into the form (text). */
struct settings_input {
	const char *block_fines;         /* an amount, e.g. "5.00" */
	const char *renew_overdue_days;  /* a whole number of days */
};

/* Check the settings form into out. Returns 0, or -1 with errors keyed by
** field. */
int rules_settings_validate(struct arena *a, const struct settings_input *in,
	struct circ_settings *out, struct form_errors *errs);

/* Save the settings (the audit row holds the old and new values).
** Returns 0 or -1. */
int rules_settings_save(struct db *db, struct arena *a, const struct circ_settings *s,
	long long actor_id, time_t now);

#endif
