-- 0021_title_without_isbn_index: an import row with no ISBN and no copy is
-- matched to the catalogue's title of the same name (lib/import.c,
-- same_title). Without an index that was a scan of every title for every
-- row: 100,000 such rows took minutes. Only titles without an ISBN are
-- ever matched by name, so only they are in the index.
CREATE INDEX title_name_without_isbn ON title(title) WHERE isbn13 IS NULL;
