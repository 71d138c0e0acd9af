-- 0003_search: the catalogue's full-text index.
--
-- Each title has one searchable document in title_doc, rebuilt by triggers
-- whenever the title, its authors or its section change; the FTS5 index
-- title_fts mirrors title_doc (external content) through triggers too.
--
-- title_doc.key is the document's place in search order: FTS5 walks its
-- matches in key order, so a search can stop after the first few hundred
-- matches and still have the most popular titles among them. The key puts
-- popularity first (in log2 buckets, so a loan rarely moves a title) and,
-- within a bucket, newer titles first:
--   key = (31 - bucket) << 32 | (4294967295 - title id)

CREATE TABLE title_doc (
  key          INTEGER PRIMARY KEY,
  title_id     INTEGER NOT NULL UNIQUE REFERENCES title(id) ON DELETE CASCADE,
  title        TEXT NOT NULL,
  subtitle     TEXT NOT NULL,
  authors      TEXT NOT NULL,   -- "A; B" in title-page order
  isbn         TEXT NOT NULL,   -- ISBN-13 digits, or ''
  genre        TEXT NOT NULL,
  section      TEXT NOT NULL,   -- the section's name
  description  TEXT NOT NULL,
  -- Filter tokens, so the index itself narrows a search by section, format
  -- and genre: "sec<id> fmt<format> g<hex of the lower-case genre>".
  facets       TEXT NOT NULL
);

-- What title_doc should hold for each title.
CREATE VIEW title_doc_source AS
SELECT ((31 - min(31, CAST(log2(t.popularity + 1) AS INTEGER))) << 32)
         | (4294967295 - t.id)                                  AS key,
       t.id                                                     AS title_id,
       t.title                                                  AS title,
       t.subtitle                                               AS subtitle,
       coalesce((SELECT group_concat(name, '; ') FROM
                  (SELECT a.name FROM title_author ta JOIN author a ON a.id = ta.author_id
                   WHERE ta.title_id = t.id ORDER BY ta.position)), '') AS authors,
       coalesce(t.isbn13, '')                                   AS isbn,
       t.genre                                                  AS genre,
       coalesce((SELECT s.name FROM section s WHERE s.id = t.section_id), '') AS section,
       t.description                                            AS description,
       'sec' || coalesce(t.section_id, 0) || ' fmt' || t.format
         || ' g' || hex(lower(t.genre))                         AS facets
FROM title t;

CREATE VIRTUAL TABLE title_fts USING fts5(
  title, subtitle, authors, isbn, genre, section, description, facets,
  content = 'title_doc', content_rowid = 'key',
  tokenize = 'unicode61 remove_diacritics 2',
  -- Prefix indexes make "last word as a prefix" searches of 2 to 5
  -- letters stop early like whole words; longer words are tried whole
  -- first (lib/search.c).
  prefix = '2 3 4 5'
);

-- title_doc -> title_fts
CREATE TRIGGER title_doc_ai AFTER INSERT ON title_doc BEGIN
  INSERT INTO title_fts(rowid, title, subtitle, authors, isbn, genre, section, description, facets)
  VALUES (new.key, new.title, new.subtitle, new.authors, new.isbn, new.genre,
          new.section, new.description, new.facets);
END;
CREATE TRIGGER title_doc_ad AFTER DELETE ON title_doc BEGIN
  INSERT INTO title_fts(title_fts, rowid, title, subtitle, authors, isbn, genre, section, description, facets)
  VALUES ('delete', old.key, old.title, old.subtitle, old.authors, old.isbn, old.genre,
          old.section, old.description, old.facets);
END;

-- catalogue tables -> title_doc. Every change marks the titles it touches
-- in search_pending; marking rebuilds their documents at once, unless a
-- bulk load has set the setting 'search.deferred' (lib/catalogue.c,
-- catalogue_bulk_begin/_end): then the marks wait and the documents are
-- built in one go at the end, instead of three times per title.
CREATE TABLE search_pending (
  title_id INTEGER PRIMARY KEY
);
CREATE TRIGGER search_pending_ai AFTER INSERT ON search_pending
  WHEN NOT EXISTS (SELECT 1 FROM setting WHERE key = 'search.deferred')
BEGIN
  DELETE FROM title_doc WHERE title_id = new.title_id;
  INSERT INTO title_doc SELECT * FROM title_doc_source WHERE title_id = new.title_id;
  DELETE FROM search_pending WHERE title_id = new.title_id;
END;

CREATE TRIGGER title_ai_doc AFTER INSERT ON title BEGIN
  INSERT OR IGNORE INTO search_pending(title_id) VALUES (new.id);
END;
CREATE TRIGGER title_au_doc AFTER UPDATE OF title, subtitle, isbn13, genre, section_id,
    description, popularity, format ON title
  WHEN old.title IS NOT new.title OR old.subtitle IS NOT new.subtitle
    OR old.format IS NOT new.format
    OR old.isbn13 IS NOT new.isbn13 OR old.genre IS NOT new.genre
    OR old.section_id IS NOT new.section_id OR old.description IS NOT new.description
    OR min(31, CAST(log2(old.popularity + 1) AS INTEGER))
       <> min(31, CAST(log2(new.popularity + 1) AS INTEGER))
BEGIN
  INSERT OR IGNORE INTO search_pending(title_id) VALUES (new.id);
END;
CREATE TRIGGER title_ad_doc AFTER DELETE ON title BEGIN
  DELETE FROM title_doc WHERE title_id = old.id;
  DELETE FROM search_pending WHERE title_id = old.id;
END;
CREATE TRIGGER title_author_ai_doc AFTER INSERT ON title_author BEGIN
  INSERT OR IGNORE INTO search_pending(title_id) VALUES (new.title_id);
END;
CREATE TRIGGER title_author_ad_doc AFTER DELETE ON title_author BEGIN
  INSERT OR IGNORE INTO search_pending(title_id) VALUES (old.title_id);
END;
CREATE TRIGGER author_au_doc AFTER UPDATE OF name ON author BEGIN
  INSERT OR IGNORE INTO search_pending(title_id)
    SELECT title_id FROM title_author WHERE author_id = new.id;
END;
CREATE TRIGGER section_au_doc AFTER UPDATE OF name ON section BEGIN
  INSERT OR IGNORE INTO search_pending(title_id)
    SELECT id FROM title WHERE section_id = new.id;
END;

-- Titles catalogued before this migration.
INSERT INTO title_doc SELECT * FROM title_doc_source;

-- Filters and sorts of the catalogue.
CREATE INDEX title_genre ON title(genre);
CREATE INDEX title_pub_year ON title(pub_year);
CREATE INDEX copy_title_status ON copy(title_id, status);

-- Titles per section, for the sections page, kept by triggers: counting a
-- million titles on every page view would not do.
ALTER TABLE section ADD COLUMN title_count INTEGER NOT NULL DEFAULT 0;
UPDATE section SET title_count = (SELECT count(*) FROM title t WHERE t.section_id = section.id);
CREATE TRIGGER title_ai_section AFTER INSERT ON title WHEN new.section_id IS NOT NULL BEGIN
  UPDATE section SET title_count = title_count + 1 WHERE id = new.section_id;
END;
CREATE TRIGGER title_ad_section AFTER DELETE ON title WHEN old.section_id IS NOT NULL BEGIN
  UPDATE section SET title_count = title_count - 1 WHERE id = old.section_id;
END;
CREATE TRIGGER title_au_section AFTER UPDATE OF section_id ON title
  WHEN old.section_id IS NOT new.section_id BEGIN
  UPDATE section SET title_count = title_count - 1 WHERE id = old.section_id;
  UPDATE section SET title_count = title_count + 1 WHERE id = new.section_id;
END;

-- What the row-by-row filters of a search read (publication year, copies
-- on the shelf), in rows small enough to look up by the hundred per search.
-- Kept by triggers on title and copy.
CREATE TABLE title_stat (
  title_id   INTEGER PRIMARY KEY REFERENCES title(id) ON DELETE CASCADE,
  pub_year   INTEGER NOT NULL DEFAULT 0,   -- 0 when unknown
  available  INTEGER NOT NULL DEFAULT 0    -- copies with status 'available'
);
INSERT INTO title_stat(title_id, pub_year, available)
  SELECT t.id, coalesce(t.pub_year, 0),
         (SELECT count(*) FROM copy c WHERE c.title_id = t.id AND c.status = 'available')
  FROM title t;
CREATE TRIGGER title_ai_stat AFTER INSERT ON title BEGIN
  INSERT INTO title_stat(title_id, pub_year) VALUES (new.id, coalesce(new.pub_year, 0));
END;
CREATE TRIGGER title_au_stat AFTER UPDATE OF pub_year ON title BEGIN
  UPDATE title_stat SET pub_year = coalesce(new.pub_year, 0) WHERE title_id = new.id;
END;
CREATE TRIGGER title_ad_stat AFTER DELETE ON title BEGIN
  DELETE FROM title_stat WHERE title_id = old.id;
END;
CREATE TRIGGER copy_ai_stat AFTER INSERT ON copy WHEN new.status = 'available' BEGIN
  UPDATE title_stat SET available = available + 1 WHERE title_id = new.title_id;
END;
CREATE TRIGGER copy_ad_stat AFTER DELETE ON copy WHEN old.status = 'available' BEGIN
  UPDATE title_stat SET available = available - 1 WHERE title_id = old.title_id;
END;
CREATE TRIGGER copy_au_stat AFTER UPDATE OF status, title_id ON copy BEGIN
  UPDATE title_stat SET available = available - 1
    WHERE title_id = old.title_id AND old.status = 'available';
  UPDATE title_stat SET available = available + 1
    WHERE title_id = new.title_id AND new.status = 'available';
END;
