-- 0009_members_payments_notices: refunds of payments, the online provider
-- each payment went through, membership periods that keep their dates when
-- cancelled, the free-plan window, and the outbox of notices.

-- Payments: the provider of an online payment (its answer is checked with
-- that provider's key), what a fine payment brought beyond what was owed,
-- and the refund of a completed payment.
ALTER TABLE payment ADD COLUMN provider TEXT NOT NULL DEFAULT '';
-- An online fine payment that completes after the fines were paid some
-- other way credits only what is still owed; the rest is kept here (and
-- shown on the receipt) until the payment is refunded.
ALTER TABLE payment ADD COLUMN excess_cents INTEGER NOT NULL DEFAULT 0
  CHECK (excess_cents >= 0);
ALTER TABLE payment ADD COLUMN refunded_at INTEGER;
ALTER TABLE payment ADD COLUMN refunded_by INTEGER REFERENCES account(id);
ALTER TABLE payment ADD COLUMN refund_reason TEXT NOT NULL DEFAULT '';
UPDATE payment SET provider = 'test' WHERE method = 'online';

-- Membership periods, rebuilt so that a cancelled period keeps its dates
-- (a refunded period stays in the history with the days it would have
-- covered). Status: pending (no dates) until paid, active (dates) once
-- paid, cancelled (dates or none) when refunded or replaced by another
-- plan's payment. Expired is still not stored: an active period whose
-- end_day has passed.
CREATE TABLE membership_new (
  id            INTEGER PRIMARY KEY,
  account_id    INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
  plan_id       INTEGER REFERENCES plan(id),      -- NULL: carried over or imported
  status        TEXT NOT NULL CHECK (status IN ('pending', 'active', 'cancelled')),
  start_day     TEXT,
  end_day       TEXT,
  price_cents   INTEGER NOT NULL DEFAULT 0,        -- the plan's price when joined
  payment_id    INTEGER REFERENCES payment(id),
  created_at    INTEGER NOT NULL,
  cancelled_at  INTEGER,                           -- set with status cancelled
  note          TEXT NOT NULL DEFAULT '',          -- why it was cancelled, cut short or moved
  CHECK (status <> 'active' OR (start_day IS NOT NULL AND end_day IS NOT NULL)),
  CHECK (status <> 'pending' OR (start_day IS NULL AND end_day IS NULL)),
  CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
  CHECK (start_day IS NULL OR end_day IS NULL OR start_day <= end_day)
);
INSERT INTO membership_new(id, account_id, plan_id, status, start_day, end_day, price_cents,
  payment_id, created_at, cancelled_at)
  SELECT id, account_id, plan_id, status, start_day, end_day, price_cents, payment_id,
    created_at, CASE WHEN status = 'cancelled' THEN created_at END
  FROM membership;
DROP TABLE membership;
ALTER TABLE membership_new RENAME TO membership;
CREATE INDEX membership_account ON membership(account_id, id);
CREATE INDEX membership_plan ON membership(plan_id);
CREATE INDEX membership_payment ON membership(payment_id);

-- A member may take a free plan only with no membership, or one that ends
-- within this many days (staff may extend anyone).
INSERT INTO setting(key, value) VALUES ('membership.free_plan_window_days', '14');

-- Notices to members, written by the code where a library would tell
-- someone something (a hold ready to collect, a payment's receipt).
-- Delivery (SMTP, SMS) comes with the notifications issue; until then
-- every row stays queued.
CREATE TABLE outbox (
  id            INTEGER PRIMARY KEY,
  account_id    INTEGER REFERENCES account(id) ON DELETE SET NULL,  -- whom it is for
  channel       TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'in-app')),
  recipient     TEXT NOT NULL,                     -- email address, phone number or account
  subject       TEXT NOT NULL,
  body          TEXT NOT NULL,
  -- kind:member:object:date bucket, so a notice is queued once however
  -- often the code that queues it runs.
  dedupe_key    TEXT NOT NULL UNIQUE,
  status        TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
  attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at INTEGER NOT NULL,                -- unix seconds; due when <= now
  last_error    TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  sent_at       INTEGER
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'queued';
CREATE INDEX outbox_account ON outbox(account_id, created_at);
