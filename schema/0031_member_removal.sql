-- 0031_member_removal: removing a member (the right to erasure) and the
-- loan history retention period (lib/privacy.h).

-- When the account was removed: its name, email, phone, card, notes and
-- password are gone, and it can no longer log in; its loans, payments and
-- fines stay, without the person. NULL: an account in use.
ALTER TABLE account ADD COLUMN removed_at INTEGER;

-- Loans past the retention period are moved to one built-in account,
-- "Anonymous reader", made by the first such run (lib/privacy.c) and named
-- by the setting privacy.anonymous_account.

-- Returned loans older than this many days lose their member (carrel-cron's
-- anonymise-loans task). 0: loan history is kept for ever, so nothing is
-- lost by surprise; an admin chooses a period on /admin/settings.
INSERT INTO setting(key, value) VALUES ('privacy.loan_retention_days', '0');
