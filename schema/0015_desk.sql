-- 0015_desk: the circulation desk's additions: weekly closing days beside
-- the single closed dates, and staff notes on an account.

-- Days of the week the library is closed every week (0 = Sunday ..
-- 6 = Saturday). Due dates move past them and overdue fines skip them,
-- exactly like the dates in closed_day.
CREATE TABLE closed_weekday (
  weekday INTEGER PRIMARY KEY CHECK (weekday BETWEEN 0 AND 6),
  reason  TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 200)
);

-- What the desk should know about a member (staff only; never shown to the
-- member), e.g. "prefers large print", "card reported lost 2026-03-01".
ALTER TABLE account ADD COLUMN notes TEXT NOT NULL DEFAULT ''
  CHECK (length(notes) <= 2000);

-- The overdue list reads the open loans by due date.
CREATE INDEX loan_open_due ON loan(due_day) WHERE returned_at IS NULL;
