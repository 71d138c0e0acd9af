-- 0006: periods by plan, for the plan list's counts and the member list's
-- plan filter (found slow by the import benchmark: a scan per row).
CREATE INDEX membership_plan ON membership(plan_id);
