-- 0008_circulation_fines_holds: what lazy hold expiry and the fines ledger
-- need to stay cheap and exact.

-- Ready holds by pickup day: checkout, hold placement and the pages that
-- show holds or copies look for lapsed ones on every call.
CREATE INDEX hold_ready_pickup ON hold(pickup_by) WHERE status = 'ready';

-- The day up to which an open loan's lateness is already in the ledger:
-- before a payment or waiver, what a loan still out has run up so far is
-- recorded (an accrued row), and its fine from then on counts only the
-- days after this one. NULL: nothing recorded since the current due day.
ALTER TABLE loan ADD COLUMN fine_recorded_day TEXT;

-- A loan's own ledger rows, read at every checkin and renewal.
CREATE INDEX fine_loan ON fine(loan_id) WHERE loan_id IS NOT NULL;

-- Every account's recorded fines balance (0 without fines): the one
-- definition the member list's column, its sort and its "owing" filter use,
-- and lib/circulation.c too. What loans still out are accruing is not in it
-- until it is recorded. Written per account, not as a GROUP BY, so that a
-- join on account_id reads only that account's rows (index fine_account).
CREATE VIEW fine_balance AS
SELECT a.id AS account_id,
       (SELECT coalesce(sum(f.amount_cents), 0) FROM fine f
        WHERE f.account_id = a.id) AS balance_cents
FROM account a;
