-- 0007_search_split: two full-text indexes instead of one.
--
-- A search first looks for its words in the title, subtitle, authors and
-- ISBN, then anywhere (genre, section and description too); see
-- lib/search.c. With one index over every column, the first pass walked
-- the words' postings in descriptions as well and threw them away, and a
-- description holds ten times the words of a title. Now each pass has an
-- index of its own:
--
--   title_fts   the title fields (and the filter tokens): small postings,
--               so a search by title or author stays quick at any size
--   text_fts    every searchable column
--
-- Both list only which column a word is in, not where (detail=column): no
-- search uses phrases or word distances, and postings without positions
-- are about half the size. Both mirror title_doc (external content), in
-- the same search order (title_doc.key, see 0003_search.sql).
--
-- search_common lists the terms of each index found in many titles, so a
-- search knows when its words are all common (and finding the few titles
-- that have every one of them would mean reading long postings to their
-- end); lib/search.c, search_stats_refresh.

--
-- The filter tokens gain the publication year, at four sizes: "y1987
-- d198 c19 m1" (year, decade, century, millennium). A year range is then
-- a handful of tokens (1950 to 1975: d195 d196 y1970 ... y1975), and the
-- index narrows by it like by section, instead of each match's year being
-- looked up row by row.

DROP TRIGGER title_doc_ai;
DROP TRIGGER title_doc_ad;
DROP TABLE title_fts;

DROP VIEW title_doc_source;
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
         || ' g' || hex(lower(t.genre))
         || CASE WHEN coalesce(t.pub_year, 0) > 0 THEN
              ' y' || t.pub_year || ' d' || (t.pub_year / 10)
              || ' c' || (t.pub_year / 100) || ' m' || (t.pub_year / 1000)
            ELSE '' END                                         AS facets
FROM title t;

DROP TRIGGER title_au_doc;
CREATE TRIGGER title_au_doc AFTER UPDATE OF title, subtitle, isbn13, genre, section_id,
    description, popularity, format, pub_year ON title
  WHEN old.title IS NOT new.title OR old.subtitle IS NOT new.subtitle
    OR old.format IS NOT new.format OR old.pub_year IS NOT new.pub_year
    OR old.isbn13 IS NOT new.isbn13 OR old.genre IS NOT new.genre
    OR old.section_id IS NOT new.section_id OR old.description IS NOT new.description
    OR min(31, CAST(log2(old.popularity + 1) AS INTEGER))
       <> min(31, CAST(log2(new.popularity + 1) AS INTEGER))
BEGIN
  INSERT OR IGNORE INTO search_pending(title_id) VALUES (new.id);
END;

-- Every document again, with the new tokens (no index listens yet).
DELETE FROM title_doc;
INSERT INTO title_doc SELECT * FROM title_doc_source;

CREATE VIRTUAL TABLE title_fts USING fts5(
  title, subtitle, authors, isbn, facets,
  content = 'title_doc', content_rowid = 'key',
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3 4 5',
  detail = column
);

CREATE VIRTUAL TABLE text_fts USING fts5(
  title, subtitle, authors, isbn, genre, section, description, facets,
  content = 'title_doc', content_rowid = 'key',
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3 4 5',
  detail = column
);

-- title_doc -> both indexes
CREATE TRIGGER title_doc_ai AFTER INSERT ON title_doc BEGIN
  INSERT INTO title_fts(rowid, title, subtitle, authors, isbn, facets)
  VALUES (new.key, new.title, new.subtitle, new.authors, new.isbn, new.facets);
  INSERT INTO text_fts(rowid, title, subtitle, authors, isbn, genre, section, description, facets)
  VALUES (new.key, new.title, new.subtitle, new.authors, new.isbn, new.genre,
          new.section, new.description, new.facets);
END;
CREATE TRIGGER title_doc_ad AFTER DELETE ON title_doc BEGIN
  INSERT INTO title_fts(title_fts, rowid, title, subtitle, authors, isbn, facets)
  VALUES ('delete', old.key, old.title, old.subtitle, old.authors, old.isbn, old.facets);
  INSERT INTO text_fts(text_fts, rowid, title, subtitle, authors, isbn, genre, section, description, facets)
  VALUES ('delete', old.key, old.title, old.subtitle, old.authors, old.isbn, old.genre,
          old.section, old.description, old.facets);
END;

INSERT INTO title_fts(title_fts) VALUES ('rebuild');
INSERT INTO text_fts(text_fts) VALUES ('rebuild');

-- Terms in more than SEARCH_COMMON_DOCS titles (lib/search.h), per index;
-- refreshed by bulk loads and daily by carrel-cron from the fts5vocab
-- tables below (a second for a million titles).
CREATE TABLE search_common (
  fts   INTEGER NOT NULL CHECK (fts IN (0, 1)),   -- 0 title_fts, 1 text_fts
  term  TEXT NOT NULL,                            -- as the index has it
  docs  INTEGER NOT NULL,                         -- titles holding it
  PRIMARY KEY (fts, term)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE title_terms USING fts5vocab(title_fts, 'row');
CREATE VIRTUAL TABLE text_terms USING fts5vocab(text_fts, 'row');
-- 1000 is SEARCH_COMMON_DOCS.
INSERT INTO search_common(fts, term, docs) SELECT 0, term, doc FROM title_terms WHERE doc > 1000;
INSERT INTO search_common(fts, term, docs) SELECT 1, term, doc FROM text_terms WHERE doc > 1000;

-- A result list shows each title's copies that can be borrowed at all (not
-- withdrawn or lost), beside those on the shelf: kept here by triggers too,
-- so a page of results reads one small row per title instead of counting
-- copies.
ALTER TABLE title_stat ADD COLUMN copies INTEGER NOT NULL DEFAULT 0;
UPDATE title_stat SET copies = (SELECT count(*) FROM copy c WHERE c.title_id = title_stat.title_id
                                AND c.status NOT IN ('withdrawn', 'lost'));
CREATE TRIGGER copy_ai_stat_copies AFTER INSERT ON copy
  WHEN new.status NOT IN ('withdrawn', 'lost') BEGIN
  UPDATE title_stat SET copies = copies + 1 WHERE title_id = new.title_id;
END;
CREATE TRIGGER copy_ad_stat_copies AFTER DELETE ON copy
  WHEN old.status NOT IN ('withdrawn', 'lost') BEGIN
  UPDATE title_stat SET copies = copies - 1 WHERE title_id = old.title_id;
END;
CREATE TRIGGER copy_au_stat_copies AFTER UPDATE OF status, title_id ON copy BEGIN
  UPDATE title_stat SET copies = copies - 1
    WHERE title_id = old.title_id AND old.status NOT IN ('withdrawn', 'lost');
  UPDATE title_stat SET copies = copies + 1
    WHERE title_id = new.title_id AND new.status NOT IN ('withdrawn', 'lost');
END;
