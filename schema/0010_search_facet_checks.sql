-- 0010_search_facet_checks: a title's section, format and genre beside
-- its year in title_stat, so a search can check a common filter row by row
-- instead of through the index.
--
-- A filter token found in a large part of the catalogue ("sec1" in three
-- titles of ten, "fmtprint" in nineteen of twenty) is costly to intersect
-- with the words of a search: FTS5 can skip through a posting list a page
-- at a time only, and a page of such a token holds a thousand titles, so
-- "children rebels" in section 1 read every posting of "sec1" in the
-- window (3 ms at a million titles) to check 43 matches. lib/search.c now
-- leaves such a token out of the index expression when the words are far
-- rarer, and checks each match here instead (about a microsecond each).
--
-- genre is kept folded as the filter token folds it (ASCII lower case), so
-- the check and the token agree.

ALTER TABLE title_stat ADD COLUMN section_id INTEGER NOT NULL DEFAULT 0;  -- 0: none
ALTER TABLE title_stat ADD COLUMN format TEXT NOT NULL DEFAULT 'print';
ALTER TABLE title_stat ADD COLUMN genre TEXT NOT NULL DEFAULT '';

UPDATE title_stat SET
  section_id = coalesce((SELECT t.section_id FROM title t WHERE t.id = title_stat.title_id), 0),
  format = (SELECT t.format FROM title t WHERE t.id = title_stat.title_id),
  genre = (SELECT lower(t.genre) FROM title t WHERE t.id = title_stat.title_id);

DROP TRIGGER title_ai_stat;
CREATE TRIGGER title_ai_stat AFTER INSERT ON title BEGIN
  INSERT INTO title_stat(title_id, pub_year, section_id, format, genre)
  VALUES (new.id, coalesce(new.pub_year, 0), coalesce(new.section_id, 0), new.format,
          lower(new.genre));
END;

DROP TRIGGER title_au_stat;
CREATE TRIGGER title_au_stat AFTER UPDATE OF pub_year, section_id, format, genre ON title BEGIN
  UPDATE title_stat SET pub_year = coalesce(new.pub_year, 0),
                        section_id = coalesce(new.section_id, 0),
                        format = new.format,
                        genre = lower(new.genre)
  WHERE title_id = new.id;
END;
