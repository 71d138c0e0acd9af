/*
** catalogue.c: titles, authors, sections and copies. See catalogue.h.
*/
#include "catalogue.h"

#include <string.h>

#include "valid.h"

int catalogue_newest(struct db *db, struct arena *a, int max,
	struct title_brief *out)
{
	sqlite3_stmt *st = db_query(db,
		"SELECT t.id, t.title, t.subtitle, coalesce(t.pub_year, 0), d.authors "
		"FROM title t JOIN title_doc d ON d.title_id = t.id "
		"ORDER BY t.created_at DESC, t.id DESC LIMIT ?",
		"i", (long long)max);
	if (!st)
		return -1;
	int n = 0;
	while (n < max && db_row(db, st)) {
		out[n].id = db_col_int(st, 0);
		out[n].title = db_text(a, st, 1);
		out[n].subtitle = db_text(a, st, 2);
		out[n].pub_year = db_col_int(st, 3);
		out[n].authors = db_text(a, st, 4);
		n++;
	}
	db_done(st);
	return n;
}

static int load_authors(struct db *db, struct arena *a, struct title_detail *t)
{
	sqlite3_stmt *st = db_query(db,
		"SELECT a.name FROM title_author ta JOIN author a ON a.id = ta.author_id "
		"WHERE ta.title_id = ? ORDER BY ta.position", "i", t->id);
	if (!st)
		return -1;
	t->nauthors = 0;
	while (db_row(db, st))
		if (t->nauthors < TITLE_AUTHORS_MAX)
			t->authors[t->nauthors++] = db_text(a, st, 0);
	return 0;
}

static int load_copies(struct db *db, struct arena *a, struct title_detail *t)
{
	long n = db_int(db, 0, "SELECT count(*) FROM copy WHERE title_id = ?", "i", t->id);
	t->copies = arena_calloc(a, sizeof *t->copies * (size_t)(n ? n : 1));
	sqlite3_stmt *st = db_query(db,
		"SELECT id, barcode, location, status, acquired_on, source, cost_cents, notes, "
		"  coalesce(last_seen_at, 0) "
		"FROM copy WHERE title_id = ? ORDER BY status = 'withdrawn', barcode",
		"i", t->id);
	if (!st)
		return -1;
	t->ncopies = 0;
	while (db_row(db, st)) {
		if (t->ncopies >= n)
			continue;
		struct copy_info *c = &t->copies[t->ncopies++];
		c->id = db_col_int(st, 0);
		c->barcode = db_text(a, st, 1);
		c->location = db_text(a, st, 2);
		c->status = db_text(a, st, 3);
		c->acquired_on = db_text(a, st, 4);
		c->source = db_text(a, st, 5);
		c->cost_cents = db_col_int(st, 6);
		c->notes = db_text(a, st, 7);
		c->last_seen_at = db_col_int(st, 8);
	}
	return 0;
}

int catalogue_title_get(struct db *db, struct arena *a, long long id,
	struct title_detail *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = db_query(db,
		"SELECT t.id, coalesce(t.isbn13, ''), t.title, t.subtitle, t.publisher, "
		"  coalesce(t.pub_year, 0), t.pub_date, t.genre, coalesce(t.section_id, 0), "
		"  coalesce(s.name, ''), t.language, coalesce(t.pages, 0), t.description, "
		"  t.format, t.cover "
		"FROM title t LEFT JOIN section s ON s.id = t.section_id WHERE t.id = ?",
		"i", id);
	if (!st)
		return -1;
	if (!db_row(db, st))
		return 1;
	out->id = db_col_int(st, 0);
	out->isbn13 = db_text(a, st, 1);
	out->title = db_text(a, st, 2);
	out->subtitle = db_text(a, st, 3);
	out->publisher = db_text(a, st, 4);
	out->pub_year = (int)db_col_int(st, 5);
	out->pub_date = db_text(a, st, 6);
	out->genre = db_text(a, st, 7);
	out->section_id = db_col_int(st, 8);
	out->section = db_text(a, st, 9);
	out->language = db_text(a, st, 10);
	out->pages = (int)db_col_int(st, 11);
	out->description = db_text(a, st, 12);
	out->format = db_text(a, st, 13);
	out->cover = db_text(a, st, 14);
	db_done(st);
	return load_authors(db, a, out) || load_copies(db, a, out) ? -1 : 0;
}

int catalogue_sections(struct db *db, struct arena *a, struct section_info **out)
{
	long n = db_int(db, 0, "SELECT count(*) FROM section", NULL);
	*out = arena_calloc(a, sizeof **out * (size_t)(n ? n : 1));
	sqlite3_stmt *st = db_query(db,
		"SELECT s.id, s.name, s.description, s.title_count "
		"FROM section s ORDER BY s.name COLLATE NOCASE", NULL);
	if (!st)
		return -1;
	int i = 0;
	while (db_row(db, st)) {
		if (i >= n)
			continue;
		(*out)[i].id = db_col_int(st, 0);
		(*out)[i].name = db_text(a, st, 1);
		(*out)[i].description = db_text(a, st, 2);
		(*out)[i].titles = (long)db_col_int(st, 3);
		i++;
	}
	return i;
}

int catalogue_section_get(struct db *db, struct arena *a, long long id,
	struct section_info *out)
{
	sqlite3_stmt *st = db_query(db,
		"SELECT s.id, s.name, s.description, s.title_count "
		"FROM section s WHERE s.id = ?", "i", id);
	if (!st)
		return -1;
	if (!db_row(db, st))
		return 1;
	out->id = db_col_int(st, 0);
	out->name = db_text(a, st, 1);
	out->description = db_text(a, st, 2);
	out->titles = (long)db_col_int(st, 3);
	db_done(st);
	return 0;
}

const char *catalogue_status_label(const char *status)
{
	static const char *const labels[][2] = {
		{ "available", "on the shelf" },
		{ "on-loan", "on loan" },
		{ "on-hold-shelf", "held for a reader" },
		{ "lost", "lost" },
		{ "damaged", "damaged" },
		{ "in-repair", "being repaired" },
		{ "withdrawn", "withdrawn" },
	};
	return LABEL_OF(status, labels);
}

int catalogue_bulk_begin(struct db *db)
{
	return db_exec(db, "INSERT OR REPLACE INTO setting(key, value) "
		"VALUES ('search.deferred', '1')", NULL) == SQLITE_OK ? 0 : -1;
}

/* Run steps in order, each binding the integer arg when it has a
** parameter, inside the caller's transaction or one of their own. */
static int run_steps(struct db *db, const char *const *steps, size_t n, long long arg)
{
	bool own = db->tx_depth == 0;
	if (own && db_begin(db))
		return -1;
	for (size_t i = 0; i < n; i++) {
		int rc = strchr(steps[i], '?') ? db_exec(db, steps[i], "i", arg)
			: db_exec(db, steps[i], NULL);
		if (rc != SQLITE_OK) {
			if (own)
				db_rollback(db);
			return -1;
		}
	}
	return own && db_commit(db) ? -1 : 0;
}

int catalogue_common_terms(struct db *db)
{
	static const char *const steps[] = {
		"DELETE FROM search_common",
		"INSERT INTO search_common(fts, term, docs) "
		"  SELECT 0, term, doc FROM title_terms WHERE doc > ?",
		"INSERT INTO search_common(fts, term, docs) "
		"  SELECT 1, term, doc FROM text_terms WHERE doc > ?",
		"INSERT OR REPLACE INTO setting(key, value) "
		"  VALUES ('search.common_at', unixepoch())",
	};
	return run_steps(db, steps, sizeof steps / sizeof steps[0], SEARCH_COMMON_DOCS);
}

/* Empty the window's indexes and set no bound, so the triggers leave them
** alone. */
#define WINDOW_EMPTY \
	"UPDATE search_window SET bound = 0", \
	"INSERT INTO title_window_fts(title_window_fts) VALUES ('delete-all')", \
	"INSERT INTO text_window_fts(text_window_fts) VALUES ('delete-all')"

/* Titles the window takes in at a time: each step is a transaction of its
** own (a few tenths of a second at a million titles), so the desk never
** waits long for the lock while the window is made. */
#define WINDOW_STEP 5000

int catalogue_search_window(struct db *db, long titles)
{
	static const char *const empty[] = {
		WINDOW_EMPTY,
		"UPDATE search_window SET titles = ?",
	};
	if (run_steps(db, empty, sizeof empty / sizeof empty[0], titles))
		return -1;
	/* After each step the window holds exactly the documents below its
	** bound, as the triggers on title_doc expect; the bound only grows. */
	static const char *const step[] = {
		"INSERT INTO title_window_fts(rowid, title, subtitle, authors, isbn, facets) "
		"  SELECT key, title, subtitle, authors, isbn, facets FROM title_doc "
		"  WHERE key >= (SELECT bound FROM search_window) AND key < ?1",
		"INSERT INTO text_window_fts(rowid, title, subtitle, authors, isbn, genre, "
		"  section, description, facets) "
		"  SELECT key, title, subtitle, authors, isbn, genre, section, description, facets "
		"  FROM title_doc WHERE key >= (SELECT bound FROM search_window) AND key < ?1",
		"UPDATE search_window SET bound = ?1 WHERE bound < ?1",
	};
	long long last = titles > 0 ? db_int(db, 0, "SELECT key FROM title_doc ORDER BY key "
		"LIMIT 1 OFFSET ?", "i", (long long)titles) : 0;
	if (!last)
		return 0;   /* a catalogue no larger than the window has none */
	for (long taken = 0; taken < titles; taken += WINDOW_STEP) {
		long long bound = last;
		if (taken + WINDOW_STEP < titles)
			bound = db_int(db, 0, "SELECT key FROM title_doc ORDER BY key "
				"LIMIT 1 OFFSET ?", "i", (long long)(taken + WINDOW_STEP));
		if (!bound || bound > last)   /* titles deleted meanwhile */
			bound = last;
		if (run_steps(db, step, sizeof step / sizeof step[0], bound))
			return -1;
	}
	static const char *const merge[] = {
		"INSERT INTO title_window_fts(title_window_fts) VALUES ('optimize')",
		"INSERT INTO text_window_fts(text_window_fts) VALUES ('optimize')",
	};
	return run_steps(db, merge, sizeof merge / sizeof merge[0], 0);
}

/* A load of this many titles is big: the indexes are merged after it, and
** the search's common terms and window are made anew. */
#define BULK_BIG 10000

int catalogue_bulk_end(struct db *db)
{
	long long pending = db_int(db, 0, "SELECT count(*) FROM search_pending", NULL);
	/* A big load would index most of its titles twice (new titles come
	** early in search order, inside the window); the window waits for
	** carrel-cron instead, and until then searches read everything. */
	static const char *const no_window[] = { WINDOW_EMPTY };
	if (pending >= BULK_BIG &&
	    run_steps(db, no_window, sizeof no_window / sizeof no_window[0], 0))
		return -1;
	static const char *const steps[] = {
		"DELETE FROM setting WHERE key = 'search.deferred'",
		"DELETE FROM title_doc WHERE title_id IN (SELECT title_id FROM search_pending)",
		"INSERT INTO title_doc SELECT * FROM title_doc_source "
		"  WHERE title_id IN (SELECT title_id FROM search_pending)",
		"DELETE FROM search_pending",
	};
	if (run_steps(db, steps, sizeof steps / sizeof steps[0], 0))
		return -1;
	/* A big load leaves the indexes in many small segments; merged into
	** one, searches read about half as much. It may also have made words
	** common (lib/search.h). A small one waits for carrel-cron: reading
	** the vocabulary takes a second at a million titles. */
	if (pending < BULK_BIG)
		return 0;
	static const char *const merge[] = {
		"INSERT INTO title_fts(title_fts) VALUES ('optimize')",
		"INSERT INTO text_fts(text_fts) VALUES ('optimize')",
	};
	if (run_steps(db, merge, sizeof merge / sizeof merge[0], 0))
		return -1;
	return catalogue_common_terms(db);
}
