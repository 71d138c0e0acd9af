-- 0013_import_batches: staged imports and their undo (Koha's staged import).
-- A file posted to /staff/imports is only checked: it is kept here as a
-- staged batch with what it would do (its entries), and nothing else is
-- written. "Import" commits the batch; the commit records every row it
-- added and the state before of every row it updated (import_change), so
-- the batch can be undone as a whole later.
--
-- The checks of a few values are written with OR, not IN: SQLite builds a
-- temporary b-tree for an IN list of more than two values every time the
-- check runs, which was a tenth of the cost of writing an import's rows.

CREATE TABLE import_batch (
  id            TEXT PRIMARY KEY            -- random, 32 hex digits: in URLs
                CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
  kind          TEXT NOT NULL CHECK (kind IN ('members', 'titles')),
  status        TEXT NOT NULL CHECK (status = 'staged' OR status = 'committed'
                                 OR status = 'undone'),
  file_name     TEXT NOT NULL DEFAULT '',
  format        TEXT NOT NULL DEFAULT '',   -- CSV, XLSX, MARC 21, MARCXML
  data          BLOB,                       -- the staged file; NULL once committed
  ignored_columns TEXT NOT NULL DEFAULT '',
  -- What the check found, then what the commit did.
  titles_added     INTEGER NOT NULL DEFAULT 0,
  titles_updated   INTEGER NOT NULL DEFAULT 0,
  titles_unchanged INTEGER NOT NULL DEFAULT 0,
  copies_added     INTEGER NOT NULL DEFAULT 0,
  copies_updated   INTEGER NOT NULL DEFAULT 0,
  copies_unchanged INTEGER NOT NULL DEFAULT 0,
  members_added    INTEGER NOT NULL DEFAULT 0,
  members_updated  INTEGER NOT NULL DEFAULT 0,
  members_unchanged INTEGER NOT NULL DEFAULT 0,
  rejected      INTEGER NOT NULL DEFAULT 0,
  unlisted      INTEGER NOT NULL DEFAULT 0, -- entries beyond those listed
  staged_by     INTEGER REFERENCES account(id) ON DELETE SET NULL,
  staged_at     INTEGER NOT NULL,
  committed_by  INTEGER REFERENCES account(id) ON DELETE SET NULL,
  committed_at  INTEGER,
  undone_by     INTEGER REFERENCES account(id) ON DELETE SET NULL,
  undone_at     INTEGER,
  CHECK ((status = 'staged') = (committed_at IS NULL)),
  CHECK ((status = 'undone') = (undone_at IS NOT NULL))
);
CREATE INDEX import_batch_staged ON import_batch(staged_at);

-- What a batch does (or would do), row by row, for its page: a title,
-- copy or member added or updated (with each changed field in
-- import_entry_field), a row rejected with the reason, or, after an undo,
-- something the undo had to keep, with the reason.
CREATE TABLE import_entry (
  batch_id  TEXT NOT NULL REFERENCES import_batch(id) ON DELETE CASCADE,
  seq       INTEGER NOT NULL,
  line      INTEGER NOT NULL,               -- the file's line, row or record
  object    TEXT NOT NULL CHECK (object = 'row' OR object = 'title' OR object = 'copy'
                 OR object = 'member'),
  action    TEXT NOT NULL CHECK (action = 'add' OR action = 'update' OR action = 'reject'
                 OR action = 'kept'),
  label     TEXT NOT NULL DEFAULT '',
  reason    TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (batch_id, seq)
) WITHOUT ROWID;

CREATE TABLE import_entry_field (
  batch_id  TEXT NOT NULL,
  seq       INTEGER NOT NULL,
  pos       INTEGER NOT NULL,
  field     TEXT NOT NULL,
  before    TEXT NOT NULL,
  after     TEXT NOT NULL,
  PRIMARY KEY (batch_id, seq, pos),
  FOREIGN KEY (batch_id, seq) REFERENCES import_entry(batch_id, seq) ON DELETE CASCADE
) WITHOUT ROWID;

-- What a committed batch changed, for its undo: each row it added, and each
-- row it updated with its state before (JSON, from the *_state views
-- below); `after` is the state at the commit, so that the undo can tell a
-- row changed since and leave it alone. Authors and sections the import
-- made are removed by the undo when nothing uses them any more. A batch
-- notes a row once (lib/import.c); the changes are written at the end of
-- the commit, appended in their order (seq), so a plain table with its
-- rowid as seq takes them fastest, and the undo reads them back through
-- import_change_batch in that order.
CREATE TABLE import_change (
  seq       INTEGER PRIMARY KEY,
  batch_id  TEXT NOT NULL REFERENCES import_batch(id) ON DELETE CASCADE,
  object    TEXT NOT NULL CHECK (object = 'title' OR object = 'copy'
                 OR object = 'member' OR object = 'author' OR object = 'section'),
  row_id    INTEGER NOT NULL,
  action    TEXT NOT NULL CHECK (action IN ('add', 'update')),
  line      INTEGER NOT NULL DEFAULT 0,
  label     TEXT NOT NULL DEFAULT '',
  before    TEXT,                           -- JSON; NULL for an added row
  after     TEXT                            -- JSON, set at the commit
);
CREATE INDEX import_change_batch ON import_change(batch_id);

-- The whole state of a title, a copy or a member as the undo compares and
-- restores it. A title's popularity is left out (loans and holds move it
-- without anyone editing the title); a member's password only as whether
-- there is one.
CREATE VIEW import_title_state AS
SELECT t.id AS id, json_object(
  'isbn13', t.isbn13, 'title', t.title, 'subtitle', t.subtitle,
  'publisher', t.publisher, 'pub_year', t.pub_year, 'pub_date', t.pub_date,
  'genre', t.genre, 'section_id', t.section_id, 'language', t.language,
  'pages', t.pages, 'description', t.description, 'format', t.format,
  'cover', t.cover, 'created_at', t.created_at, 'updated_at', t.updated_at,
  'authors', (SELECT json_group_array(author_id) FROM
    (SELECT author_id FROM title_author WHERE title_id = t.id ORDER BY position))
) AS state FROM title t;

CREATE VIEW import_copy_state AS
SELECT c.id AS id, json_object(
  'barcode', c.barcode, 'title_id', c.title_id, 'location', c.location,
  'status', c.status, 'acquired_on', c.acquired_on, 'source', c.source,
  'cost_cents', c.cost_cents, 'notes', c.notes, 'item_type', c.item_type,
  'created_at', c.created_at
) AS state FROM copy c;

CREATE VIEW import_member_state AS
SELECT a.id AS id, json_object(
  'email', a.email, 'name', a.name, 'phone', a.phone, 'role', a.role,
  'has_password', a.password_hash <> '$argon2id$none',
  'card_number', a.card_number, 'category', a.category,
  'member_until', a.member_until, 'member_plan_id', a.member_plan_id,
  'created_at', a.created_at, 'updated_at', a.updated_at,
  'memberships', (SELECT json_group_array(json_object(
      'id', m.id, 'plan_id', m.plan_id, 'status', m.status, 'start_day', m.start_day,
      'end_day', m.end_day, 'price_cents', m.price_cents, 'payment_id', m.payment_id,
      'created_at', m.created_at, 'cancelled_at', m.cancelled_at, 'note', m.note))
    FROM (SELECT * FROM membership WHERE account_id = a.id ORDER BY id) m)
) AS state FROM account a;
