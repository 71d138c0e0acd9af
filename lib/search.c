/*
** search.c: the catalogue search. See search.h for how it stays fast.
*/
#include "search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "isbn.h"

#define SEARCH_WORDS_MAX 8
#define SEARCH_WORD_MAX 64

static const char *const sort_names[] = {
	[SORT_RELEVANCE] = "relevance",
	[SORT_TITLE] = "title",
	[SORT_AUTHOR] = "author",
	[SORT_NEWEST] = "newest",
};

enum search_sort search_sort_parse(const char *s)
{
	for (int i = 0; i <= SORT_NEWEST; i++)
		if (s && !strcmp(s, sort_names[i]))
			return (enum search_sort)i;
	return SORT_RELEVANCE;
}

const char *search_sort_name(enum search_sort s)
{
	return (unsigned)s <= SORT_NEWEST ? sort_names[s] : "relevance";
}

/* Word characters: ASCII letters and digits, and every byte of a non-ASCII
** UTF-8 sequence (FTS5's tokenizer decides about those). Everything else,
** FTS5 syntax included, separates words. */
static bool word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c >= 0x80;
}

struct words {
	const char *w[SEARCH_WORDS_MAX];
	size_t len[SEARCH_WORDS_MAX];
	int n;
};

/* Cut text into at most SEARCH_WORDS_MAX words (pointers into text). */
static void split_words(const char *text, struct words *out)
{
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	size_t used = 0;
	out->n = 0;
	while (*p && out->n < SEARCH_WORDS_MAX && used < SEARCH_QUERY_MAX) {
		while (*p && !word_byte(*p))
			p++;
		const unsigned char *start = p;
		while (*p && word_byte(*p))
			p++;
		size_t len = (size_t)(p - start);
		if (!len)
			break;
		/* Cut a long word on a character boundary. */
		if (len > SEARCH_WORD_MAX) {
			len = SEARCH_WORD_MAX;
			while (len > 0 && (start[len] & 0xC0) == 0x80)
				len--;
		}
		out->w[out->n] = (const char *)start;
		out->len[out->n] = len;
		out->n++;
		used += len;
	}
}

/* How the last word is matched. */
enum last_word { LAST_WHOLE, LAST_PREFIX };

/* Words as quoted FTS5 strings, space separated (AND). */
static void append_terms(struct buf *out, const struct words *w, enum last_word last)
{
	for (int i = 0; i < w->n; i++) {
		if (i)
			buf_putc(out, ' ');
		buf_putc(out, '"');
		buf_append(out, w->w[i], w->len[i]);
		buf_putc(out, '"');
	}
	if (w->n && last == LAST_PREFIX)
		buf_putc(out, '*');
}

/* The columns people search; "facets" holds filter tokens only. */
#define TEXT_COLUMNS "{title subtitle authors isbn genre section description}"
#define TITLE_COLUMNS "{title subtitle authors isbn}"

/* Filter tokens as schema/0003_search.sql writes them into "facets". */
static void append_facets(struct buf *expr, const struct search_query *q)
{
	if (q->section_id)
		buf_printf(expr, " \"sec%lld\"", q->section_id);
	if (q->format && *q->format)
		buf_printf(expr, " \"fmt%s\"", q->format);
	if (q->genre && *q->genre) {
		/* 'g' || hex(lower(genre)): SQLite's lower() folds ASCII only. */
		buf_puts(expr, " \"g");
		for (const unsigned char *p = (const unsigned char *)q->genre; *p; p++) {
			unsigned char ch = *p >= 'A' && *p <= 'Z' ? (unsigned char)(*p + 32) : *p;
			buf_printf(expr, "%02X", ch);
		}
		buf_putc(expr, '"');
	}
}

/* The expression for one pass: the words (in the columns named), the
** author filter and the filter tokens. "" when there is nothing to match. */
static const char *build_expression(struct arena *a, const struct search_query *q,
	const struct words *text, const struct words *author, enum last_word last,
	const char *columns)
{
	struct buf expr = BUF_INIT;
	if (text->n) {
		buf_printf(&expr, "%s : (", columns);
		append_terms(&expr, text, last);
		buf_putc(&expr, ')');
	}
	/* Column-filtered groups need an explicit AND between them. */
	if (author->n) {
		if (expr.len)
			buf_puts(&expr, " AND ");
		buf_puts(&expr, "authors : (");
		append_terms(&expr, author, LAST_WHOLE);
		buf_putc(&expr, ')');
	}
	struct buf facets = BUF_INIT;
	append_facets(&facets, q);
	if (facets.len) {
		if (expr.len)
			buf_puts(&expr, " AND ");
		buf_printf(&expr, "facets : (%s)", facets.data + 1);
	}
	buf_free(&facets);
	const char *s = arena_strdup(a, buf_str(&expr));
	buf_free(&expr);
	return s;
}

/* A one-letter prefix would read a large part of the index, and words
** longer than the prefix index (5) are tried whole first. */
static enum last_word last_word_mode(const struct words *w)
{
	if (!w->n)
		return LAST_WHOLE;
	size_t n = w->len[w->n - 1];
	return n >= 2 && n <= 5 ? LAST_PREFIX : LAST_WHOLE;
}

struct candidate {
	long long id;
	long long key;       /* place in search order (popularity, newest) */
	int tier;            /* 0 found in title, subtitle, authors or ISBN,
	                        1 anywhere */
	const char *title;   /* these three only when sorting or filtering */
	const char *authors; /* needs them (struct gather.need_rows) */
	int year;
};

/* Sorting titles the way a shelf does: ignore a leading article. */
static const char *sort_key(const char *title)
{
	static const char *const articles[] = { "the ", "a ", "an " };
	for (size_t i = 0; i < sizeof articles / sizeof articles[0]; i++) {
		size_t n = strlen(articles[i]);
		if (!strncasecmp(title, articles[i], n))
			return title + n;
	}
	return title;
}

static int compare_candidates(const void *pa, const void *pb, void *arg)
{
	const struct candidate *a = pa, *b = pb;
	int c = 0;
	switch (*(const enum search_sort *)arg) {
	case SORT_RELEVANCE:
		c = a->tier - b->tier;
		break;
	case SORT_TITLE:
		c = strcasecmp(sort_key(a->title), sort_key(b->title));
		break;
	case SORT_AUTHOR:
		c = strcasecmp(a->authors, b->authors);
		break;
	case SORT_NEWEST:
		c = (b->year > a->year) - (b->year < a->year);
		break;
	}
	return c ? c : (a->key > b->key) - (a->key < b->key);
}

/* The title a search-order key belongs to (see schema/0003_search.sql). */
static long long key_title_id(long long key)
{
	return 4294967295LL - (key & 0xFFFFFFFFLL);
}

/* Candidates in search order, keys only: nothing but the index is read,
** and LIMIT stops the scan. */
static const char sql_keys[] =
	"SELECT rowid FROM title_fts WHERE title_fts MATCH ?1 ORDER BY rowid LIMIT ?2";

/* With the row-by-row filters (year range, on the shelf), read from the
** small title_stat rows; the CROSS JOIN keeps the index as the outer loop. */
static const char sql_filtered[] =
	"SELECT title_fts.rowid FROM title_fts "
	"  CROSS JOIN title_stat s ON s.title_id = 4294967295 - (title_fts.rowid & 4294967295) "
	"WHERE title_fts MATCH ?1 "
	"  AND (?2 = 0 OR s.pub_year >= ?2) AND (?3 = 0 OR s.pub_year <= ?3) "
	"  AND (?4 = 0 OR s.available > 0) "
	"ORDER BY title_fts.rowid LIMIT ?5";

/* Sorting by title, author or year needs those of every candidate. */
static const char sql_rows[] =
	"SELECT title_fts.rowid, d.title, d.authors, s.pub_year FROM title_fts "
	"  CROSS JOIN title_stat s ON s.title_id = 4294967295 - (title_fts.rowid & 4294967295) "
	"  CROSS JOIN title_doc d ON d.key = title_fts.rowid "
	"WHERE title_fts MATCH ?1 "
	"  AND (?2 = 0 OR s.pub_year >= ?2) AND (?3 = 0 OR s.pub_year <= ?3) "
	"  AND (?4 = 0 OR s.available > 0) "
	"ORDER BY title_fts.rowid LIMIT ?5";

/* Browsing by row filters alone: the same order, from title_doc. */
static const char sql_browse[] =
	"SELECT d.key, d.title, d.authors, s.pub_year "
	"FROM title_doc d CROSS JOIN title_stat s ON s.title_id = d.title_id "
	"WHERE (?2 = 0 OR s.pub_year >= ?2) AND (?3 = 0 OR s.pub_year <= ?3) "
	"  AND (?4 = 0 OR s.available > 0) AND ?1 = '' "
	"ORDER BY d.key LIMIT ?5";

struct gather {
	struct candidate *c;
	int n;               /* candidates kept */
	bool more;           /* a pass had more than it could keep */
	bool need_rows;      /* sorting needs title, authors, year */
	bool filtered;       /* a year range or "on the shelf" is asked for */
};

static bool already_have(const struct gather *g, long long key)
{
	for (int i = 0; i < g->n; i++)
		if (g->c[i].key == key)
			return true;
	return false;
}

/* One pass: up to the room left of matches of expr, in search order,
** skipping titles an earlier pass found; each new one gets tier. */
static int gather_pass(struct db *db, struct arena *a, const struct search_query *q,
	const char *expr, int tier, struct gather *g)
{
	int room = SEARCH_CANDIDATES - g->n;
	if (room <= 0) {
		g->more = true;
		return 0;
	}
	const char *sql = !*expr ? sql_browse : g->need_rows ? sql_rows
		: g->filtered ? sql_filtered : sql_keys;
	sqlite3_stmt *st = sql == sql_keys
		? db_query(db, sql, "ti", expr, (long long)(SEARCH_CANDIDATES + 1))
		: db_query(db, sql, "tiiii", expr, (long long)q->year_from,
			(long long)q->year_to, (long long)q->available,
			(long long)(SEARCH_CANDIDATES + 1));
	if (!st)
		return -1;
	int rc, kept = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long key = db_col_int(st, 0);
		if (g->n && already_have(g, key))
			continue;
		if (++kept > room) {
			g->more = true;
			break;
		}
		struct candidate *c = &g->c[g->n++];
		c->key = key;
		c->id = key_title_id(key);
		c->tier = tier;
		if (sql == sql_rows || sql == sql_browse) {
			c->title = db_text(a, st, 1);
			c->authors = db_text(a, st, 2);
			c->year = (int)db_col_int(st, 3);
		} else {
			c->title = c->authors = "";
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "carrel: search failed (%s) for: %s\n", db_errmsg(db), expr);
		return -1;
	}
	return 0;
}

/* Matches in the title, subtitle, authors or ISBN first, then anywhere,
** each in search order: a title that names the words always outranks one
** whose blurb mentions them. */
static int collect_candidates(struct db *db, struct arena *a,
	const struct search_query *q, struct gather *g)
{
	struct words text, author;
	split_words(q->q, &text);
	split_words(q->author, &author);
	enum last_word last = last_word_mode(&text);
	if (!text.n)
		return gather_pass(db, a, q, build_expression(a, q, &text, &author, last,
			TEXT_COLUMNS), 1, g);
	for (int attempt = 0; attempt < 2; attempt++) {
		static const char *const columns[] = { TITLE_COLUMNS, TEXT_COLUMNS };
		for (int tier = 0; tier < 2; tier++)
			if (gather_pass(db, a, q, build_expression(a, q, &text, &author, last,
				columns[tier]), tier, g))
				return -1;
		/* A long last word found nothing whole: it may be half typed. */
		if (g->n || last == LAST_PREFIX || text.len[text.n - 1] < 2)
			break;
		last = LAST_PREFIX;
	}
	return 0;
}

static int load_hit(struct db *db, struct arena *a, long long id,
	struct search_hit *h)
{
	sqlite3_stmt *st = db_query(db,
		"SELECT t.title, t.subtitle, d.authors, coalesce(t.pub_year, 0), t.format, "
		"  t.cover, "
		"  (SELECT count(*) FROM copy c WHERE c.title_id = t.id "
		"     AND c.status NOT IN ('withdrawn', 'lost')), "
		"  (SELECT count(*) FROM copy c WHERE c.title_id = t.id "
		"     AND c.status = 'available') "
		"FROM title t JOIN title_doc d ON d.title_id = t.id WHERE t.id = ?",
		"i", id);
	if (!db_row(db, st))
		return -1;
	h->id = id;
	h->title = db_text(a, st, 0);
	h->subtitle = db_text(a, st, 1);
	h->authors = db_text(a, st, 2);
	h->year = (int)db_col_int(st, 3);
	h->format = db_text(a, st, 4);
	h->cover = db_text(a, st, 5);
	h->copies = (int)db_col_int(st, 6);
	h->available = (int)db_col_int(st, 7);
	db_done(st);
	return 0;
}

/* An ISBN typed into the search box finds its title directly. */
static bool search_by_isbn(struct db *db, struct arena *a, const char *text,
	struct search_result *out)
{
	char isbn13[14];
	if (!text || !isbn_looks_like(text) || isbn_normalize(text, isbn13))
		return false;
	long long id = db_int(db, 0, "SELECT id FROM title WHERE isbn13 = ?", "t", isbn13);
	if (!id)
		return false;
	out->hits = arena_calloc(a, sizeof *out->hits);
	if (load_hit(db, a, id, &out->hits[0]))
		return false;
	out->n = 1;
	out->total = 1;
	out->searched = true;
	out->by_isbn = true;
	return true;
}

int search_run(struct db *db, struct arena *a, const struct search_query *q,
	struct search_result *out)
{
	memset(out, 0, sizeof *out);
	if (search_by_isbn(db, a, q->q, out))
		return 0;
	struct words text, author;
	split_words(q->q, &text);
	split_words(q->author, &author);
	bool filtered = q->section_id || (q->genre && *q->genre) ||
		(q->format && *q->format) || q->available || q->year_from || q->year_to;
	if (!text.n && !author.n && !filtered)
		return 0;   /* nothing to look for: the page says so */
	out->searched = true;

	struct gather g = { arena_alloc(a, sizeof *g.c * SEARCH_CANDIDATES), 0, false,
		q->sort != SORT_RELEVANCE, q->year_from || q->year_to || q->available };
	if (collect_candidates(db, a, q, &g))
		return -1;
	struct candidate *cands = g.c;
	int n = g.n;
	out->more = g.more;
	out->total = n;
	enum search_sort sort = q->sort;
	qsort_r(cands, (size_t)n, sizeof *cands, compare_candidates, &sort);

	long first = (q->page > 0 ? q->page - 1 : 0) * q->per_page;
	if (first >= n)
		return 0;
	long count = n - first < q->per_page ? n - first : q->per_page;
	out->hits = arena_calloc(a, sizeof *out->hits * (size_t)count);
	for (long i = 0; i < count; i++)
		if (load_hit(db, a, cands[first + i].id, &out->hits[out->n]) == 0)
			out->n++;
	return 0;
}
