-- 0005_membership: plans, membership periods and the payments ledger.
-- Days are 'YYYY-MM-DD' in the library's time zone, like loans' days.

-- What a visitor can join: a duration and a price. Plans are never
-- deleted once used (periods and payments name them); an admin retires one
-- by clearing `active`, which takes it off the registration form.
CREATE TABLE plan (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 80),
  duration_days INTEGER NOT NULL CHECK (duration_days BETWEEN 1 AND 3660),
  price_cents   INTEGER NOT NULL CHECK (price_cents BETWEEN 0 AND 100000000),
  active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at    INTEGER NOT NULL
);
INSERT INTO plan(name, duration_days, price_cents, created_at) VALUES
  ('Monthly', 30, 500, unixepoch()),
  ('Annual', 365, 4000, unixepoch()),
  ('Student', 180, 0, unixepoch());

-- The payments ledger: money that came in (or was meant to). A completed
-- plan payment activates or extends a membership, a completed fine payment
-- credits the fines ledger, both in the payment's own transaction.
CREATE TABLE payment (
  id            INTEGER PRIMARY KEY,
  account_id    INTEGER NOT NULL REFERENCES account(id),
  amount_cents  INTEGER NOT NULL CHECK (amount_cents > 0),
  purpose       TEXT NOT NULL CHECK (purpose IN ('plan', 'fine', 'other')),
  plan_id       INTEGER REFERENCES plan(id),
  method        TEXT NOT NULL CHECK (method IN ('cash', 'card', 'online')),
  status        TEXT NOT NULL CHECK (status IN ('pending', 'completed', 'failed', 'refunded')),
  reference     TEXT NOT NULL UNIQUE,    -- receipt number, or the provider's reference
  note          TEXT NOT NULL DEFAULT '',
  recorded_by   INTEGER REFERENCES account(id),   -- staff at the desk; NULL online
  created_at    INTEGER NOT NULL,
  completed_at  INTEGER,
  CHECK ((purpose = 'plan') = (plan_id IS NOT NULL))
);
CREATE INDEX payment_account ON payment(account_id, created_at);
CREATE INDEX payment_created ON payment(created_at);

-- Every membership period ever held. A period is pending until its plan is
-- paid for, then active from start_day through end_day (inclusive). Expired
-- is not stored: it is an active period whose end_day has passed.
CREATE TABLE membership (
  id            INTEGER PRIMARY KEY,
  account_id    INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
  plan_id       INTEGER REFERENCES plan(id),      -- NULL: carried over or imported
  status        TEXT NOT NULL CHECK (status IN ('pending', 'active', 'cancelled')),
  start_day     TEXT,
  end_day       TEXT,
  price_cents   INTEGER NOT NULL DEFAULT 0,        -- the plan's price when joined
  payment_id    INTEGER REFERENCES payment(id),
  created_at    INTEGER NOT NULL,
  CHECK ((status = 'active') = (start_day IS NOT NULL AND end_day IS NOT NULL))
);
CREATE INDEX membership_account ON membership(account_id, id);

-- The last day of a member's paid-up membership (the latest end_day of
-- their active periods), kept on the account so that checkout and the
-- member list can test it without a join. NULL: never a member.
ALTER TABLE account ADD COLUMN member_until TEXT;
ALTER TABLE account ADD COLUMN member_plan_id INTEGER REFERENCES plan(id);
CREATE INDEX account_member_until ON account(member_until);

-- Fine payments name the payment they came from.
ALTER TABLE fine ADD COLUMN payment_id INTEGER REFERENCES payment(id);

-- Online payment confirmations already seen: a replayed callback finds its
-- nonce here and changes nothing.
CREATE TABLE payment_callback (
  nonce         TEXT PRIMARY KEY,
  payment_id    INTEGER NOT NULL REFERENCES payment(id),
  at            INTEGER NOT NULL
) WITHOUT ROWID;

-- Members who joined before memberships existed keep borrowing: each gets
-- one carried-over period of a year from the day of this migration.
INSERT INTO membership(account_id, plan_id, status, start_day, end_day, created_at)
  SELECT id, NULL, 'active', date('now'), date('now', '+365 days'), unixepoch()
  FROM account WHERE role = 'member';
UPDATE account SET member_until = date('now', '+365 days') WHERE role = 'member';
