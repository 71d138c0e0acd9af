-- 0004_circulation: rules, closed days, loans, holds and the fines ledger.
-- Days ("library days") are written YYYY-MM-DD in the library's time zone;
-- instants are unix seconds.

-- Who a member is for the rules (adult, child, student, staff, ...).
ALTER TABLE account ADD COLUMN category TEXT NOT NULL DEFAULT 'adult'
  CHECK (length(category) BETWEEN 1 AND 40);
-- What a copy is for the rules (book, dvd, magazine, ...).
ALTER TABLE copy ADD COLUMN item_type TEXT NOT NULL DEFAULT 'book'
  CHECK (length(item_type) BETWEEN 1 AND 40);

-- Circulation rules. A loan uses the most specific row for its member's
-- category and its copy's item type; '*' matches anything, so one '*'/'*'
-- row is a whole policy.
CREATE TABLE circ_rule (
  id                 INTEGER PRIMARY KEY,
  category           TEXT NOT NULL DEFAULT '*' CHECK (length(category) BETWEEN 1 AND 40),
  item_type          TEXT NOT NULL DEFAULT '*' CHECK (length(item_type) BETWEEN 1 AND 40),
  loan_days          INTEGER NOT NULL CHECK (loan_days BETWEEN 1 AND 366),
  max_loans          INTEGER NOT NULL CHECK (max_loans BETWEEN 0 AND 1000),
  max_renewals       INTEGER NOT NULL CHECK (max_renewals BETWEEN 0 AND 100),
  fine_per_day_cents INTEGER NOT NULL CHECK (fine_per_day_cents BETWEEN 0 AND 100000),
  grace_days         INTEGER NOT NULL CHECK (grace_days BETWEEN 0 AND 365),
  fine_cap_cents     INTEGER NOT NULL CHECK (fine_cap_cents BETWEEN 0 AND 10000000),
  hold_pickup_days   INTEGER NOT NULL CHECK (hold_pickup_days BETWEEN 1 AND 365),
  UNIQUE (category, item_type)
);
-- The defaults of the design: 21 days, 5 loans, 3 renewals, 0.25 a day
-- after 1 day of grace, capped at 10.00; 7 days to collect a hold.
INSERT INTO circ_rule(category, item_type, loan_days, max_loans, max_renewals,
  fine_per_day_cents, grace_days, fine_cap_cents, hold_pickup_days)
VALUES ('*', '*', 21, 5, 3, 25, 1, 1000, 7);

-- Days the library is closed: no due date falls on one, none is charged.
CREATE TABLE closed_day (
  day     TEXT PRIMARY KEY CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
  reason  TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- Library-wide circulation settings (in the setting table):
INSERT INTO setting(key, value) VALUES
  ('circ.block_fines_cents', '500'),       -- blocked when owing more than this
  ('circ.renew_overdue_days', '30');       -- no renewal this many days overdue

CREATE TABLE loan (
  id              INTEGER PRIMARY KEY,
  copy_id         INTEGER NOT NULL REFERENCES copy(id),
  account_id      INTEGER NOT NULL REFERENCES account(id),
  loaned_at       INTEGER NOT NULL,
  loan_day        TEXT NOT NULL,          -- the day of checkout
  due_day         TEXT NOT NULL,          -- moved to an open day
  renewals        INTEGER NOT NULL DEFAULT 0 CHECK (renewals >= 0),
  last_renewed_day TEXT,                  -- the day of the last renewal
  returned_at     INTEGER,                -- NULL while out
  return_day      TEXT,
  -- The rule as it was applied at checkout, so a loan's "why" and fine
  -- do not change when an admin edits the rules later.
  rule_id         INTEGER REFERENCES circ_rule(id) ON DELETE SET NULL,
  rule_category   TEXT NOT NULL,
  rule_item_type  TEXT NOT NULL,
  loan_days       INTEGER NOT NULL,
  max_renewals    INTEGER NOT NULL,
  fine_per_day_cents INTEGER NOT NULL,
  grace_days      INTEGER NOT NULL,
  fine_cap_cents  INTEGER NOT NULL,
  closed_skipped  INTEGER NOT NULL DEFAULT 0,   -- days the due date moved
  fine_cents      INTEGER,                -- fixed at return; NULL while out
  CHECK ((returned_at IS NULL) = (return_day IS NULL))
);
-- The invariant of circulation: a copy is on at most one open loan.
CREATE UNIQUE INDEX loan_open_copy ON loan(copy_id) WHERE returned_at IS NULL;
CREATE INDEX loan_open_account ON loan(account_id) WHERE returned_at IS NULL;
CREATE INDEX loan_account ON loan(account_id, loaned_at);

CREATE TABLE hold (
  id          INTEGER PRIMARY KEY,
  title_id    INTEGER NOT NULL REFERENCES title(id) ON DELETE CASCADE,
  account_id  INTEGER NOT NULL REFERENCES account(id),
  placed_at   INTEGER NOT NULL,
  status      TEXT NOT NULL DEFAULT 'waiting'
              CHECK (status IN ('waiting', 'ready', 'collected', 'cancelled', 'expired')),
  copy_id     INTEGER REFERENCES copy(id),   -- the copy trapped for it (ready)
  ready_day   TEXT,
  pickup_by   TEXT,                          -- last day to collect
  ended_at    INTEGER,
  CHECK (status <> 'ready' OR (copy_id IS NOT NULL AND pickup_by IS NOT NULL))
);
-- One active hold per member and title; a copy waits for one hold at most.
CREATE UNIQUE INDEX hold_active ON hold(title_id, account_id) WHERE status IN ('waiting', 'ready');
CREATE UNIQUE INDEX hold_ready_copy ON hold(copy_id) WHERE status = 'ready';
CREATE INDEX hold_queue ON hold(title_id, placed_at, id) WHERE status = 'waiting';
CREATE INDEX hold_account ON hold(account_id, status);

-- Waiting holds with their place in their title's queue: first come, first
-- served. The one definition of queue order (lib/circulation.c uses it).
CREATE VIEW waiting_hold AS
SELECT id, title_id, account_id, placed_at,
       row_number() OVER (PARTITION BY title_id ORDER BY placed_at, id) AS place
FROM hold WHERE status = 'waiting';

-- The fines ledger: a member's balance is the sum of amount_cents
-- (accrued is positive, paid and waived negative), plus what their open
-- overdue loans have accrued so far (computed, not stored, until return).
CREATE TABLE fine (
  id           INTEGER PRIMARY KEY,
  account_id   INTEGER NOT NULL REFERENCES account(id),
  loan_id      INTEGER REFERENCES loan(id),
  kind         TEXT NOT NULL CHECK (kind IN ('accrued', 'paid', 'waived')),
  amount_cents INTEGER NOT NULL CHECK ((kind = 'accrued' AND amount_cents > 0)
                                       OR (kind <> 'accrued' AND amount_cents < 0)),
  reason       TEXT NOT NULL DEFAULT '',
  recorded_by  INTEGER REFERENCES account(id),
  at           INTEGER NOT NULL
);
CREATE INDEX fine_account ON fine(account_id, at);
