-- 0031_member_removal: removing a member (the right to erasure) and the
-- loan history retention period (lib/privacy.h).

-- When the account was removed: its name, email, phone, card, notes and
-- password are gone, and it can no longer log in; its loans, payments and
-- fines stay, without the person. NULL: an account in use.
ALTER TABLE account ADD COLUMN removed_at INTEGER;

-- The one built-in account that returned loans older than the retention
-- period are moved to, so each loan keeps its account (the foreign key and
-- NOT NULL stay as they are) and the reports' daily figures, counted when
-- the loan was made and returned, do not move. It cannot log in: its
-- password is no argon2id hash any password matches, its address is on a
-- reserved domain, and it is removed from the day it is made. created_at 0
-- keeps it out of every "new members" figure.
INSERT INTO account(email, name, phone, password_hash, role, card_number, created_at,
  updated_at, email_confirmed, removed_at)
VALUES ('anonymous@removed.invalid', 'Anonymous reader', '', '$argon2id$no-login', 'member',
  NULL, 0, 0, 0, 0);
INSERT INTO setting(key, value)
  SELECT 'privacy.anonymous_account', id FROM account WHERE email = 'anonymous@removed.invalid';

-- Returned loans older than this many days lose their member (carrel-cron's
-- anonymise-loans task). 0: loan history is kept for ever, so nothing is
-- lost by surprise; an admin chooses a period on /admin/settings.
INSERT INTO setting(key, value) VALUES ('privacy.loan_retention_days', '0');
