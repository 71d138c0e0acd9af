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

/* Append up to max words of text to out as quoted FTS5 strings; the last
** one gets a "*" when prefix is set. Returns the number of words. */
static int append_words(struct buf *out, const char *text, int max, bool prefix)
{
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	size_t used = 0;
	int n = 0;
	size_t last_len = 0;
	while (*p && n < max && used < SEARCH_QUERY_MAX) {
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
		if (n)
			buf_putc(out, ' ');
		buf_putc(out, '"');
		buf_append(out, start, len);
		buf_putc(out, '"');
		used += len;
		last_len = len;
		n++;
	}
	/* A one-letter prefix would read most of the index; match it whole. */
	if (n && prefix && last_len >= 2)
		buf_putc(out, '*');
	return n;
}

const char *search_fts_expression(struct arena *a, const char *text,
	const char *author)
{
	struct buf expr = BUF_INIT;
	append_words(&expr, text, SEARCH_WORDS_MAX, true);
	if (author && *author) {
		struct buf names = BUF_INIT;
		if (append_words(&names, author, SEARCH_WORDS_MAX, false)) {
			if (expr.len)
				buf_putc(&expr, ' ');
			buf_printf(&expr, "authors : (%s)", names.data);
		}
		buf_free(&names);
	}
	const char *s = arena_strdup(a, buf_str(&expr));
	buf_free(&expr);
	return s;
}

struct candidate {
	long long id;
	double score;        /* bm25: lower is better */
	long order;          /* place in search order (popularity, newest) */
	const char *title;
	const char *authors;
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
		c = (a->score > b->score) - (a->score < b->score);
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
	return c ? c : (a->order > b->order) - (a->order < b->order);
}

/* Candidates in search order. The CROSS JOINs keep the full-text index as
** the outer loop, so rows come in its order and LIMIT stops the scan. */
static const char sql_text[] =
	"SELECT d.title_id, bm25(title_fts, 10.0, 4.0, 6.0, 10.0, 2.0, 2.0, 1.0), "
	"       t.title, d.authors, coalesce(t.pub_year, 0) "
	"FROM title_fts CROSS JOIN title_doc d ON d.key = title_fts.rowid "
	"     CROSS JOIN title t ON t.id = d.title_id "
	"WHERE title_fts MATCH ?1 "
	"  AND (?2 = 0 OR t.section_id = ?2) AND (?3 = '' OR t.genre = ?3) "
	"  AND (?4 = '' OR t.format = ?4) "
	"  AND (?5 = 0 OR t.pub_year >= ?5) AND (?6 = 0 OR t.pub_year <= ?6) "
	"  AND (?7 = 0 OR EXISTS (SELECT 1 FROM copy c WHERE c.title_id = t.id "
	"                         AND c.status = 'available')) "
	"ORDER BY title_fts.rowid LIMIT ?8";

/* Browsing by filters alone: the same order, from title_doc. */
static const char sql_browse[] =
	"SELECT d.title_id, 0.0, t.title, d.authors, coalesce(t.pub_year, 0) "
	"FROM title_doc d CROSS JOIN title t ON t.id = d.title_id "
	"WHERE ?1 = '' "
	"  AND (?2 = 0 OR t.section_id = ?2) AND (?3 = '' OR t.genre = ?3) "
	"  AND (?4 = '' OR t.format = ?4) "
	"  AND (?5 = 0 OR t.pub_year >= ?5) AND (?6 = 0 OR t.pub_year <= ?6) "
	"  AND (?7 = 0 OR EXISTS (SELECT 1 FROM copy c WHERE c.title_id = t.id "
	"                         AND c.status = 'available')) "
	"ORDER BY d.key LIMIT ?8";

static int collect_candidates(struct db *db, struct arena *a,
	const struct search_query *q, const char *expr, struct candidate *out,
	int *n)
{
	sqlite3_stmt *st = db_query(db, *expr ? sql_text : sql_browse, "tittiiii",
		expr, (long long)q->section_id, q->genre ? q->genre : "",
		q->format ? q->format : "", (long long)q->year_from,
		(long long)q->year_to, (long long)q->available,
		(long long)SEARCH_CANDIDATES + 1);
	if (!st)
		return -1;
	*n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct candidate *c = &out[*n];
		c->id = db_col_int(st, 0);
		c->score = sqlite3_column_double(st, 1);
		c->order = *n;
		c->title = db_text(a, st, 2);
		c->authors = db_text(a, st, 3);
		c->year = (int)db_col_int(st, 4);
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "carrel: search failed (%s) for: %s\n", db_errmsg(db), expr);
		return -1;
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
	const char *expr = search_fts_expression(a, q->q, q->author);
	bool filtered = q->section_id || (q->genre && *q->genre) ||
		(q->format && *q->format) || q->available || q->year_from || q->year_to;
	if (!*expr && !filtered)
		return 0;   /* nothing to look for: the page says so */
	out->searched = true;

	struct candidate *cands = arena_alloc(a, sizeof *cands * (SEARCH_CANDIDATES + 1));
	int n = 0;
	if (collect_candidates(db, a, q, expr, cands, &n))
		return -1;
	out->more = n > SEARCH_CANDIDATES;
	if (out->more)
		n = SEARCH_CANDIDATES;
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
