-- 0027_reports: what the staff reports (lib/report.h) read, so that each
-- stays fast at a million loans.

-- Every renewal of a loan, one row each: a loan keeps only its count and
-- the day of the last one, and circulation over time needs each day.
-- Written by the trigger below whenever a loan's renewals count goes up.
CREATE TABLE renewal (
  id       INTEGER PRIMARY KEY,
  loan_id  INTEGER NOT NULL REFERENCES loan(id) ON DELETE CASCADE,
  day      TEXT NOT NULL
);
CREATE INDEX renewal_loan ON renewal(loan_id);
-- Renewals made before this migration: only the last one's day is known,
-- so all of a loan's renewals are put on that day.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
INSERT INTO renewal(loan_id, day)
  SELECT l.id, l.last_renewed_day FROM loan l JOIN n ON n.i <= l.renewals
  WHERE l.last_renewed_day IS NOT NULL;

-- Loans, returns and renewals per library day, by the title's section
-- (0: none), the copy's item type and the member's category as they were
-- on that day: the circulation report sums these instead of reading every
-- loan. Kept in step by the triggers below, in the writing transaction.
CREATE TABLE circ_daily (
  day         TEXT NOT NULL,
  section_id  INTEGER NOT NULL,
  item_type   TEXT NOT NULL,
  category    TEXT NOT NULL,
  loans       INTEGER NOT NULL DEFAULT 0,
  returns     INTEGER NOT NULL DEFAULT 0,
  renewals    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, section_id, item_type, category)
) WITHOUT ROWID;

INSERT INTO circ_daily(day, section_id, item_type, category, loans, returns, renewals)
SELECT day, section_id, item_type, category, sum(lo), sum(re), sum(rn) FROM (
  SELECT l.loan_day AS day, coalesce(t.section_id, 0) AS section_id, k.item_type,
         a.category, 1 AS lo, 0 AS re, 0 AS rn
  FROM loan l JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id
  JOIN account a ON a.id = l.account_id
  UNION ALL
  SELECT l.return_day, coalesce(t.section_id, 0), k.item_type, a.category, 0, 1, 0
  FROM loan l JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id
  JOIN account a ON a.id = l.account_id WHERE l.return_day IS NOT NULL
  UNION ALL
  SELECT r.day, coalesce(t.section_id, 0), k.item_type, a.category, 0, 0, 1
  FROM renewal r JOIN loan l ON l.id = r.loan_id JOIN copy k ON k.id = l.copy_id
  JOIN title t ON t.id = k.title_id JOIN account a ON a.id = l.account_id)
GROUP BY day, section_id, item_type, category;

-- Loans per library day and title, by the copy's item type and the
-- member's category as they were that day: popular titles, authors and
-- sections read these rows, in day order, instead of each loan's copy.
CREATE TABLE title_daily (
  day         TEXT NOT NULL,
  title_id    INTEGER NOT NULL,
  item_type   TEXT NOT NULL,
  category    TEXT NOT NULL,
  loans       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, title_id, item_type, category)
) WITHOUT ROWID;

INSERT INTO title_daily(day, title_id, item_type, category, loans)
  SELECT l.loan_day, k.title_id, k.item_type, a.category, count(*)
  FROM loan l JOIN copy k ON k.id = l.copy_id JOIN account a ON a.id = l.account_id
  GROUP BY l.loan_day, k.title_id, k.item_type, a.category;

-- The row of circ_daily a loan's event on a day adds to (made at 0 when
-- missing); the triggers then add or take away one.
CREATE VIEW circ_daily_key AS
SELECT l.id AS loan_id, coalesce(t.section_id, 0) AS section_id, k.item_type, a.category,
       k.title_id
FROM loan l JOIN copy k ON k.id = l.copy_id JOIN title t ON t.id = k.title_id
JOIN account a ON a.id = l.account_id;

CREATE TRIGGER circ_daily_loan AFTER INSERT ON loan BEGIN
  INSERT INTO circ_daily(day, section_id, item_type, category, loans)
    SELECT NEW.loan_day, section_id, item_type, category, 1
    FROM circ_daily_key WHERE loan_id = NEW.id
    ON CONFLICT DO UPDATE SET loans = loans + 1;
  INSERT INTO title_daily(day, title_id, item_type, category, loans)
    SELECT NEW.loan_day, title_id, item_type, category, 1
    FROM circ_daily_key WHERE loan_id = NEW.id
    ON CONFLICT DO UPDATE SET loans = loans + 1;
  INSERT INTO circ_daily(day, section_id, item_type, category, returns)
    SELECT NEW.return_day, section_id, item_type, category, 1
    FROM circ_daily_key WHERE loan_id = NEW.id AND NEW.return_day IS NOT NULL
    ON CONFLICT DO UPDATE SET returns = returns + 1;
END;

CREATE TRIGGER circ_daily_return AFTER UPDATE OF return_day ON loan
WHEN OLD.return_day IS NOT NEW.return_day BEGIN
  UPDATE circ_daily SET returns = returns - 1
    WHERE day = OLD.return_day AND (section_id, item_type, category) =
      (SELECT section_id, item_type, category FROM circ_daily_key WHERE loan_id = NEW.id);
  INSERT INTO circ_daily(day, section_id, item_type, category, returns)
    SELECT NEW.return_day, section_id, item_type, category, 1
    FROM circ_daily_key WHERE loan_id = NEW.id AND NEW.return_day IS NOT NULL
    ON CONFLICT DO UPDATE SET returns = returns + 1;
END;

-- A loan moved to another day of checkout (a correction) moves its count.
CREATE TRIGGER circ_daily_reloan AFTER UPDATE OF loan_day ON loan
WHEN OLD.loan_day IS NOT NEW.loan_day BEGIN
  UPDATE circ_daily SET loans = loans - 1
    WHERE day = OLD.loan_day AND (section_id, item_type, category) =
      (SELECT section_id, item_type, category FROM circ_daily_key WHERE loan_id = NEW.id);
  INSERT INTO circ_daily(day, section_id, item_type, category, loans)
    SELECT NEW.loan_day, section_id, item_type, category, 1
    FROM circ_daily_key WHERE loan_id = NEW.id
    ON CONFLICT DO UPDATE SET loans = loans + 1;
  UPDATE title_daily SET loans = loans - 1
    WHERE day = OLD.loan_day AND (title_id, item_type, category) =
      (SELECT title_id, item_type, category FROM circ_daily_key WHERE loan_id = NEW.id);
  INSERT INTO title_daily(day, title_id, item_type, category, loans)
    SELECT NEW.loan_day, title_id, item_type, category, 1
    FROM circ_daily_key WHERE loan_id = NEW.id
    ON CONFLICT DO UPDATE SET loans = loans + 1;
END;

CREATE TRIGGER renewal_record AFTER UPDATE OF renewals ON loan
WHEN NEW.renewals > OLD.renewals AND NEW.last_renewed_day IS NOT NULL BEGIN
  INSERT INTO renewal(loan_id, day) VALUES (NEW.id, NEW.last_renewed_day);
END;

CREATE TRIGGER circ_daily_renewal AFTER INSERT ON renewal BEGIN
  INSERT INTO circ_daily(day, section_id, item_type, category, renewals)
    SELECT NEW.day, section_id, item_type, category, 1
    FROM circ_daily_key WHERE loan_id = NEW.loan_id
    ON CONFLICT DO UPDATE SET renewals = renewals + 1;
END;

-- A loan removed (a test's or an admin's clean-up) takes its counts along.
CREATE TRIGGER circ_daily_unloan BEFORE DELETE ON loan BEGIN
  UPDATE circ_daily SET loans = loans - (day = OLD.loan_day),
    returns = returns - (day = OLD.return_day),
    renewals = renewals - (SELECT count(*) FROM renewal r WHERE r.loan_id = OLD.id
                           AND r.day = circ_daily.day)
    WHERE (section_id, item_type, category) =
      (SELECT section_id, item_type, category FROM circ_daily_key WHERE loan_id = OLD.id)
    AND (day = OLD.loan_day OR day = OLD.return_day
         OR day IN (SELECT day FROM renewal WHERE loan_id = OLD.id));
  UPDATE title_daily SET loans = loans - 1
    WHERE day = OLD.loan_day AND (title_id, item_type, category) =
      (SELECT title_id, item_type, category FROM circ_daily_key WHERE loan_id = OLD.id);
  DELETE FROM renewal WHERE loan_id = OLD.id;
END;

-- A copy's loans: never-borrowed copies.
CREATE INDEX loan_copy ON loan(copy_id);
-- Acquisitions by day with their cost.
CREATE INDEX copy_acquired ON copy(acquired_on, cost_cents);
-- Not indexed, on purpose: loans by day (the monthly report reads a month
-- of loans once a month; the reports read circ_daily and title_daily) and
-- copies by status (the stock report counts every copy once). Each index
-- on loan or on a copy's status is written by every checkout and checkin:
-- the two cost a fifth of the desk's pairs a second (make
-- bench-circulation), far more than they saved.
-- Fines by time, payments by the time they completed or were refunded.
CREATE INDEX fine_at ON fine(at);
CREATE INDEX payment_completed ON payment(completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX payment_refunded ON payment(refunded_at) WHERE refunded_at IS NOT NULL;
-- New members by the time their account was made.
CREATE INDEX account_created ON account(created_at);
-- Membership periods by their first day (renewals).
CREATE INDEX membership_start ON membership(start_day) WHERE status = 'active';
