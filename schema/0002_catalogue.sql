-- 0002_catalogue: what the library holds. Titles are works as catalogued;
-- copies are the physical (or e-book) items patrons borrow.

CREATE TABLE section (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
  description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE title (
  id           INTEGER PRIMARY KEY,
  isbn13       TEXT UNIQUE CHECK (isbn13 IS NULL OR (length(isbn13) = 13 AND isbn13 NOT GLOB '*[^0-9]*')),
  title        TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  subtitle     TEXT NOT NULL DEFAULT '',
  publisher    TEXT NOT NULL DEFAULT '',
  pub_year     INTEGER CHECK (pub_year IS NULL OR pub_year BETWEEN 0 AND 9999),
  pub_date     TEXT NOT NULL DEFAULT '',      -- YYYY-MM-DD when known
  genre        TEXT NOT NULL DEFAULT '',
  section_id   INTEGER REFERENCES section(id) ON DELETE SET NULL,
  language     TEXT NOT NULL DEFAULT 'en',    -- ISO 639-1
  pages        INTEGER CHECK (pages IS NULL OR pages > 0),
  description  TEXT NOT NULL DEFAULT '',
  format       TEXT NOT NULL DEFAULT 'print' CHECK (format IN ('print', 'ebook')),
  cover        TEXT NOT NULL DEFAULT '',      -- file name under uploads/covers
  popularity   INTEGER NOT NULL DEFAULT 0,    -- loans and holds, for ranking
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX title_created ON title(created_at DESC);
CREATE INDEX title_section ON title(section_id);

CREATE TABLE author (
  id    INTEGER PRIMARY KEY,
  name  TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 300)
);

-- Authors of a title, in the order printed on the title page.
CREATE TABLE title_author (
  title_id   INTEGER NOT NULL REFERENCES title(id) ON DELETE CASCADE,
  author_id  INTEGER NOT NULL REFERENCES author(id),
  position   INTEGER NOT NULL CHECK (position >= 1),
  PRIMARY KEY (title_id, position),
  UNIQUE (title_id, author_id)
) WITHOUT ROWID;
CREATE INDEX title_author_author ON title_author(author_id);

CREATE TABLE copy (
  id           INTEGER PRIMARY KEY,
  barcode      TEXT NOT NULL UNIQUE CHECK (length(barcode) BETWEEN 1 AND 64),
  title_id     INTEGER NOT NULL REFERENCES title(id),
  location     TEXT NOT NULL DEFAULT '',      -- shelf mark
  status       TEXT NOT NULL DEFAULT 'available'
               CHECK (status IN ('available', 'on-loan', 'on-hold-shelf', 'lost',
                                 'damaged', 'in-repair', 'withdrawn')),
  acquired_on  TEXT NOT NULL DEFAULT '',      -- YYYY-MM-DD
  source       TEXT NOT NULL DEFAULT '',      -- vendor or donor
  cost_cents   INTEGER NOT NULL DEFAULT 0 CHECK (cost_cents >= 0),
  notes        TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL
);
CREATE INDEX copy_title ON copy(title_id);
