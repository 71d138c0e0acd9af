-- 0011_search_window_index: the search window gets indexes of its own.
--
-- A search whose terms are all common reads only the first titles in
-- search order, the window (lib/search.h). Until now that was a bound on
-- the key (rowid < the window's last key), and FTS5 checks such a bound
-- only when it has found a match: when the words have few titles in
-- common inside the window, the walk went on to the next match beyond it,
-- often to the end of the index. "history queen justice" as an e-book
-- took 4 ms at a million titles with a window of 5,000 titles or of
-- 999,000 alike.
--
-- So the window's documents are indexed again, on their own, in two small
-- indexes like title_fts and text_fts; a windowed search walks them to
-- their end, which comes soon. They are contentless (no text is read back
-- from them, only keys) and hold exactly the documents of title_doc whose
-- key is below search_window.bound: triggers keep them in step between
-- refreshes, and catalogue_search_window (lib/catalogue.c; daily by
-- carrel-cron) moves the bound as the catalogue and its borrowing change.
-- A bound of 0 means no window: the catalogue is no larger than it, or a
-- bulk load has emptied it until the next refresh.

CREATE TABLE search_window (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  titles  INTEGER NOT NULL,            -- the window's size when refreshed
  bound   INTEGER NOT NULL DEFAULT 0   -- keys below it are in the window
);
INSERT INTO search_window(id, titles) VALUES (1, 50000);

CREATE VIRTUAL TABLE title_window_fts USING fts5(
  title, subtitle, authors, isbn, facets,
  content = '',
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3 4 5',
  detail = column
);
CREATE VIRTUAL TABLE text_window_fts USING fts5(
  title, subtitle, authors, isbn, genre, section, description, facets,
  content = '',
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3 4 5',
  detail = column
);

CREATE TRIGGER title_doc_ai_window AFTER INSERT ON title_doc
  WHEN new.key < (SELECT bound FROM search_window) BEGIN
  INSERT INTO title_window_fts(rowid, title, subtitle, authors, isbn, facets)
  VALUES (new.key, new.title, new.subtitle, new.authors, new.isbn, new.facets);
  INSERT INTO text_window_fts(rowid, title, subtitle, authors, isbn, genre, section,
                              description, facets)
  VALUES (new.key, new.title, new.subtitle, new.authors, new.isbn, new.genre,
          new.section, new.description, new.facets);
END;
CREATE TRIGGER title_doc_ad_window AFTER DELETE ON title_doc
  WHEN old.key < (SELECT bound FROM search_window) BEGIN
  INSERT INTO title_window_fts(title_window_fts, rowid, title, subtitle, authors, isbn, facets)
  VALUES ('delete', old.key, old.title, old.subtitle, old.authors, old.isbn, old.facets);
  INSERT INTO text_window_fts(text_window_fts, rowid, title, subtitle, authors, isbn, genre,
                              section, description, facets)
  VALUES ('delete', old.key, old.title, old.subtitle, old.authors, old.isbn, old.genre,
          old.section, old.description, old.facets);
END;

-- The first window, as catalogue_search_window makes it.
UPDATE search_window SET bound =
  coalesce((SELECT key FROM title_doc ORDER BY key LIMIT 1 OFFSET 50000), 0);
INSERT INTO title_window_fts(rowid, title, subtitle, authors, isbn, facets)
  SELECT key, title, subtitle, authors, isbn, facets FROM title_doc
  WHERE key < (SELECT bound FROM search_window);
INSERT INTO text_window_fts(rowid, title, subtitle, authors, isbn, genre, section,
                            description, facets)
  SELECT key, title, subtitle, authors, isbn, genre, section, description, facets
  FROM title_doc WHERE key < (SELECT bound FROM search_window);
