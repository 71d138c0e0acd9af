-- 0008_circulation_fines_holds: what lazy hold expiry and the fines ledger
-- need to stay cheap and exact.

-- Ready holds by pickup day: checkout, hold placement and the pages that
-- show holds or copies look for lapsed ones on every call.
CREATE INDEX hold_ready_pickup ON hold(pickup_by) WHERE status = 'ready';
