-- 0033_inventory: stocktaking. A librarian opens an inventory session for a
-- section, a range of shelf marks, or both; scans the barcodes found on the
-- shelves; and closes it, optionally marking the copies not found lost.
-- What each list holds is worked out from these rows and the copies' state
-- (lib/inventory.h); the counts are kept on the session when it closes so
-- a closed session reads the same later.

-- When a copy was last found on the shelf by a stocktaking scan (unix
-- seconds; NULL: never).
ALTER TABLE copy ADD COLUMN last_seen_at INTEGER;

CREATE TABLE inventory_session (
  id              INTEGER PRIMARY KEY,
  -- The scope: a section, a shelf range (inclusive; the keys are the
  -- marks in shelf order, lib/inventory.h inventory_shelf_key), or both.
  section_id      INTEGER REFERENCES section(id) ON DELETE SET NULL,
  section_name    TEXT NOT NULL DEFAULT '',   -- as it was named at opening
  shelf_from      TEXT NOT NULL DEFAULT '' CHECK (length(shelf_from) <= 100),
  shelf_to        TEXT NOT NULL DEFAULT '' CHECK (length(shelf_to) <= 100),
  shelf_from_key  TEXT NOT NULL DEFAULT '',
  shelf_to_key    TEXT NOT NULL DEFAULT '',
  opened_by       INTEGER REFERENCES account(id),
  opened_at       INTEGER NOT NULL,
  closed_by       INTEGER REFERENCES account(id),
  closed_at       INTEGER,
  -- Fixed at closing:
  expected_count  INTEGER NOT NULL DEFAULT 0,
  seen_count      INTEGER NOT NULL DEFAULT 0,
  missing_count   INTEGER NOT NULL DEFAULT 0,
  misplaced_count INTEGER NOT NULL DEFAULT 0,
  marked_lost     INTEGER NOT NULL DEFAULT 0,
  CHECK (section_name <> '' OR shelf_from <> ''),
  CHECK ((shelf_from = '') = (shelf_to = '')),
  CHECK ((closed_at IS NULL) = (closed_by IS NULL))
);
CREATE INDEX inventory_session_opened ON inventory_session(opened_at DESC);

-- One row per barcode scanned in a session (a second scan of it changes
-- nothing). copy_id is NULL for a barcode not in the catalogue.
CREATE TABLE inventory_scan (
  session_id      INTEGER NOT NULL REFERENCES inventory_session(id) ON DELETE CASCADE,
  barcode         TEXT NOT NULL CHECK (length(barcode) BETWEEN 1 AND 64),
  copy_id         INTEGER REFERENCES copy(id) ON DELETE SET NULL,
  scanned_at      INTEGER NOT NULL,
  scanned_by      INTEGER REFERENCES account(id),
  -- A copy the system had on loan, checked in by the scan:
  checkin_loan_id INTEGER REFERENCES loan(id),
  checkin_note    TEXT NOT NULL DEFAULT '',
  -- The list the scan was in when the session closed (NULL while open):
  -- a closed session reads as it was, whatever becomes of the copies.
  list            TEXT CHECK (list IN ('seen', 'misplaced', 'on-loan', 'found', 'unknown')),
  PRIMARY KEY (session_id, barcode)
) WITHOUT ROWID;
CREATE INDEX inventory_scan_copy ON inventory_scan(copy_id, session_id);

-- The copies missing when a session closed.
CREATE TABLE inventory_missing (
  session_id  INTEGER NOT NULL REFERENCES inventory_session(id) ON DELETE CASCADE,
  copy_id     INTEGER NOT NULL REFERENCES copy(id) ON DELETE CASCADE,
  PRIMARY KEY (session_id, copy_id)
) WITHOUT ROWID;
