-- 0014_renewal_window: a circulation rule may refuse renewals earlier than
-- a number of days before the due date ("no renewal before N days"; NULL:
-- renewals at any time). A loan keeps the value of the rule it was made
-- under, as it keeps its other terms.

ALTER TABLE circ_rule ADD COLUMN no_renewal_before_days INTEGER
  CHECK (no_renewal_before_days IS NULL OR no_renewal_before_days BETWEEN 0 AND 366);

ALTER TABLE loan ADD COLUMN no_renewal_before_days INTEGER
  CHECK (no_renewal_before_days IS NULL OR no_renewal_before_days BETWEEN 0 AND 366);
