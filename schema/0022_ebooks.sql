-- 0022_ebooks: e-book files, digital loans (requests and grants), the
-- record of every reading, the e-book rules, and members' reviews.

-- The file of an e-book title (title.format = 'ebook'): one per title. The
-- file lives once under <uploads>/ebooks/ as <hash>.<pdf|epub>, hash being
-- the hex BLAKE2b-256 of its bytes; nginx serves it only through an
-- internal location the worker names (X-Accel-Redirect) after checking a
-- grant, never at an address of its own.
CREATE TABLE ebook_file (
  title_id      INTEGER PRIMARY KEY REFERENCES title(id) ON DELETE CASCADE,
  name          TEXT NOT NULL
                CHECK (length(name) IN (68, 69) AND name NOT GLOB '*[^0-9a-f.pub]*'
                       AND (name GLOB '*.pdf' OR name GLOB '*.epub')),
  media_type    TEXT NOT NULL
                CHECK (media_type IN ('application/pdf', 'application/epub+zip')),
  bytes         INTEGER NOT NULL CHECK (bytes > 0),
  pages         INTEGER CHECK (pages IS NULL OR pages >= 0),  -- PDF; NULL: unknown
  meta_title    TEXT NOT NULL DEFAULT '',   -- as the file itself says (EPUB
  meta_author   TEXT NOT NULL DEFAULT '',   -- metadata, a PDF's document
  meta_language TEXT NOT NULL DEFAULT '',   -- information)
  original_name TEXT NOT NULL DEFAULT '',   -- the uploaded file's name
  uploaded_at   INTEGER NOT NULL,
  uploaded_by   INTEGER REFERENCES account(id)
);
CREATE INDEX ebook_file_name ON ebook_file(name);

-- A member's digital loan of an e-book title, from the request on:
--   requested -> granted (by a librarian, or at once by the auto-grant
--                setting) -> returned (early, by the member) | revoked (by
--                a librarian, with a reason) | expired (access_until passed)
--   requested -> rejected (with a reason) | cancelled (by the member)
-- A grant is live while status = 'granted' AND access_until > now: the
-- time alone ends access, whether or not carrel-cron has marked it expired.
CREATE TABLE ebook_loan (
  id            INTEGER PRIMARY KEY,
  title_id      INTEGER NOT NULL REFERENCES title(id),
  account_id    INTEGER NOT NULL REFERENCES account(id),
  status        TEXT NOT NULL DEFAULT 'requested'
                CHECK (status IN ('requested', 'granted', 'rejected', 'cancelled',
                                  'returned', 'revoked', 'expired')),
  requested_at  INTEGER NOT NULL,
  decided_at    INTEGER,                       -- granted or rejected
  decided_by    INTEGER REFERENCES account(id), -- NULL: granted automatically
  access_until  INTEGER,                       -- granted: readable until then
  loan_days     INTEGER,                       -- the rule's days when granted
  ended_at      INTEGER,                       -- returned, revoked, expired,
  ended_by      INTEGER REFERENCES account(id), -- cancelled; by whom
  reason        TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
  CHECK (status = 'requested' OR decided_at IS NOT NULL OR status = 'cancelled'),
  CHECK (status NOT IN ('granted', 'returned', 'revoked', 'expired')
         OR access_until IS NOT NULL),
  CHECK (status NOT IN ('rejected', 'revoked') OR reason <> '')
);
-- One open request or grant per member and title.
CREATE UNIQUE INDEX ebook_loan_open ON ebook_loan(account_id, title_id)
  WHERE status IN ('requested', 'granted');
CREATE INDEX ebook_loan_status ON ebook_loan(status, access_until);
CREATE INDEX ebook_loan_title ON ebook_loan(title_id);
CREATE INDEX ebook_loan_account ON ebook_loan(account_id, requested_at);

-- Every reading of a file: who, when, which loan, and the byte range asked
-- for ('' for the whole file).
CREATE TABLE ebook_access (
  id            INTEGER PRIMARY KEY,
  loan_id       INTEGER REFERENCES ebook_loan(id),  -- NULL: staff checking it
  account_id    INTEGER NOT NULL REFERENCES account(id),
  title_id      INTEGER NOT NULL,
  at            INTEGER NOT NULL,
  range         TEXT NOT NULL DEFAULT '' CHECK (length(range) <= 200)
);
CREATE INDEX ebook_access_loan ON ebook_access(loan_id, at);
CREATE INDEX ebook_access_title ON ebook_access(title_id, at);

-- How many e-book loans a member may hold at once (requests waiting count)
-- and for how many days a grant lasts, by member category ('*': any).
CREATE TABLE ebook_rule (
  category      TEXT PRIMARY KEY
                CHECK (category = '*' OR (length(category) BETWEEN 1 AND 40
                       AND category NOT GLOB '*[^a-z0-9_-]*')),
  max_active    INTEGER NOT NULL CHECK (max_active BETWEEN 0 AND 1000),
  loan_days     INTEGER NOT NULL CHECK (loan_days BETWEEN 1 AND 365)
) WITHOUT ROWID;
INSERT INTO ebook_rule(category, max_active, loan_days) VALUES ('*', 5, 14);

CREATE TRIGGER ebook_rule_category_known BEFORE INSERT ON ebook_rule
WHEN NEW.category <> '*' AND NOT EXISTS (SELECT 1 FROM member_category WHERE code = NEW.category)
BEGIN SELECT RAISE(ABORT, 'unknown member category'); END;
CREATE TRIGGER ebook_rule_default_stays BEFORE DELETE ON ebook_rule
WHEN OLD.category = '*'
BEGIN SELECT RAISE(ABORT, 'the rule for every category stays'); END;
CREATE TRIGGER member_category_in_ebook_rule BEFORE DELETE ON member_category
WHEN EXISTS (SELECT 1 FROM ebook_rule WHERE category = OLD.code)
BEGIN SELECT RAISE(ABORT, 'member category in use'); END;

-- A member's rating (1-5) and review of a title they borrowed: one per
-- member and title, editable. Staff may hide one, with a reason; a hidden
-- review is shown to nobody but staff and counts in no average.
CREATE TABLE review (
  id            INTEGER PRIMARY KEY,
  title_id      INTEGER NOT NULL REFERENCES title(id) ON DELETE CASCADE,
  account_id    INTEGER NOT NULL REFERENCES account(id),
  rating        INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  body          TEXT NOT NULL DEFAULT '' CHECK (length(body) <= 5000),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  hidden_at     INTEGER,
  hidden_by     INTEGER REFERENCES account(id),
  hidden_reason TEXT NOT NULL DEFAULT '' CHECK (length(hidden_reason) <= 500),
  CHECK (hidden_at IS NULL OR hidden_reason <> ''),
  UNIQUE (title_id, account_id)
);
CREATE INDEX review_title ON review(title_id, updated_at);
CREATE INDEX review_hidden ON review(hidden_at) WHERE hidden_at IS NOT NULL;

-- The visible ratings of each title, kept in step for the title page and
-- the catalogue's sort by rating.
ALTER TABLE title_stat ADD COLUMN rating_sum INTEGER NOT NULL DEFAULT 0;
ALTER TABLE title_stat ADD COLUMN rating_count INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER review_ai_stat AFTER INSERT ON review WHEN NEW.hidden_at IS NULL BEGIN
  UPDATE title_stat SET rating_sum = rating_sum + NEW.rating, rating_count = rating_count + 1
  WHERE title_id = NEW.title_id;
END;
CREATE TRIGGER review_ad_stat AFTER DELETE ON review WHEN OLD.hidden_at IS NULL BEGIN
  UPDATE title_stat SET rating_sum = rating_sum - OLD.rating, rating_count = rating_count - 1
  WHERE title_id = OLD.title_id;
END;
CREATE TRIGGER review_au_stat_old AFTER UPDATE OF rating, hidden_at ON review
WHEN OLD.hidden_at IS NULL BEGIN
  UPDATE title_stat SET rating_sum = rating_sum - OLD.rating, rating_count = rating_count - 1
  WHERE title_id = OLD.title_id;
END;
CREATE TRIGGER review_au_stat_new AFTER UPDATE OF rating, hidden_at ON review
WHEN NEW.hidden_at IS NULL BEGIN
  UPDATE title_stat SET rating_sum = rating_sum + NEW.rating, rating_count = rating_count + 1
  WHERE title_id = NEW.title_id;
END;
