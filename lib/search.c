/*
** search.c: the catalogue search. See search.h for how it stays fast.
*/
#include "search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalogue.h"
#include "isbn.h"

#define SEARCH_WORDS_MAX 8
#define SEARCH_WORD_MAX 64

static const char *const sort_names[] = {
	[SORT_RELEVANCE] = "relevance",
	[SORT_TITLE] = "title",
	[SORT_AUTHOR] = "author",
	[SORT_NEWEST] = "newest",
	[SORT_RATING] = "rating",
};

static const char *const sort_labels[] = {
	[SORT_RELEVANCE] = "Relevance",
	[SORT_TITLE] = "Title",
	[SORT_AUTHOR] = "Author",
	[SORT_NEWEST] = "Newest",
	[SORT_RATING] = "Highest rated",
};

enum search_sort search_sort_parse(const char *s)
{
	for (int i = 0; i <= SORT_LAST; i++)
		if (s && !strcmp(s, sort_names[i]))
			return (enum search_sort)i;
	return SORT_RELEVANCE;
}

const char *search_sort_name(enum search_sort s)
{
	return (unsigned)s <= SORT_LAST ? sort_names[s] : "relevance";
}

const char *search_sort_label(enum search_sort s)
{
	return (unsigned)s <= SORT_LAST ? sort_labels[s] : sort_labels[SORT_RELEVANCE];
}

/* Word characters for has_word_starting: ASCII letters and digits, and
** every byte of a non-ASCII UTF-8 sequence. */
static bool word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c >= 0x80;
}

struct words {
	const char *w[SEARCH_WORDS_MAX];   /* folded as the index folds them */
	size_t len[SEARCH_WORDS_MAX];
	int n;
};

/* The indexes' tokenizer (unicode61, diacritics removed; schema 0007), for
** the connection it was made for: search text is cut into words exactly as
** titles were, so each word is one index term. A quoted string that the
** tokenizer cut in two would be a phrase, which the indexes (detail=column)
** cannot answer. */
struct tokenizer {
	unsigned long serial;    /* of the connection (struct db) */
	fts5_tokenizer api;
	Fts5Tokenizer *tok;
};

static fts5_api *fts5_api_of(sqlite3 *h)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return api;
}

/* The tokenizer of db's connection, made on first use. Kept for the
** process's life (a worker has one connection), and made anew when the
** connection is another one. */
static struct tokenizer *tokenizer_for(struct db *db)
{
	static struct tokenizer cached;
	if (cached.tok && cached.serial == db->serial)
		return &cached;
	if (cached.tok)
		cached.api.xDelete(cached.tok);
	memset(&cached, 0, sizeof cached);
	fts5_api *api = fts5_api_of(db->h);
	void *user = NULL;
	const char *args[] = { "remove_diacritics", "2" };
	if (!api || api->xFindTokenizer(api, "unicode61", &user, &cached.api) != SQLITE_OK ||
	    cached.api.xCreate(user, args, 2, &cached.tok) != SQLITE_OK) {
		memset(&cached, 0, sizeof cached);
		return NULL;
	}
	cached.serial = db->serial;
	return &cached;
}

struct token_sink {
	struct arena *a;
	struct words *out;
};

static int take_token(void *ctx, int flags, const char *token, int len, int start, int end)
{
	(void)start;
	(void)end;
	struct token_sink *sink = ctx;
	if (flags & FTS5_TOKEN_COLOCATED)
		return SQLITE_OK;
	if (sink->out->n == SEARCH_WORDS_MAX)
		return SQLITE_DONE;
	size_t n = (size_t)len;
	/* Cut a long word on a character boundary. */
	if (n > SEARCH_WORD_MAX) {
		n = SEARCH_WORD_MAX;
		while (n > 0 && ((unsigned char)token[n] & 0xC0) == 0x80)
			n--;
	}
	sink->out->w[sink->out->n] = arena_strndup(sink->a, token, n);
	sink->out->len[sink->out->n++] = n;
	return SQLITE_OK;
}

/* Cut the first SEARCH_QUERY_MAX bytes of text into at most
** SEARCH_WORDS_MAX words. Returns 0, or -1 when the tokenizer is missing. */
static int split_words(struct db *db, struct arena *a, const char *text, struct words *out)
{
	out->n = 0;
	size_t len = strlen(text ? text : "");
	if (!len)
		return 0;
	if (len > SEARCH_QUERY_MAX) {
		len = SEARCH_QUERY_MAX;
		while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
			len--;
	}
	struct tokenizer *t = tokenizer_for(db);
	if (!t) {
		fprintf(stderr, "carrel: search: FTS5's unicode61 tokenizer is missing\n");
		return -1;
	}
	struct token_sink sink = { a, out };
	int rc = t->api.xTokenize(t->tok, &sink, FTS5_TOKENIZE_QUERY, text, (int)len, take_token);
	return rc == SQLITE_OK || rc == SQLITE_DONE ? 0 : -1;
}

/* How the last word is matched: whole; as a prefix; or by its first
** PREFIX_INDEX_MAX characters as a prefix, each match then checked for a
** word that begins with all of it (see stem_matches). */
enum last_word { LAST_WHOLE, LAST_PREFIX, LAST_STEM };

#define PREFIX_INDEX_MAX 5    /* the longest prefix index (schema 0007) */

/* Bytes of the first n characters of the UTF-8 word w (len bytes). */
static size_t first_chars(const char *w, size_t len, int n)
{
	size_t i = 0;
	for (int chars = 0; i < len && chars < n; chars++)
		for (i++; i < len && ((unsigned char)w[i] & 0xC0) == 0x80; i++)
			;
	return i;
}

/* Words as quoted FTS5 strings, space separated (AND). */
static void append_terms(struct buf *out, const struct words *w, enum last_word last)
{
	for (int i = 0; i < w->n; i++) {
		size_t len = w->len[i];
		if (i == w->n - 1 && last == LAST_STEM)
			len = first_chars(w->w[i], len, PREFIX_INDEX_MAX);
		if (i)
			buf_putc(out, ' ');
		buf_putc(out, '"');
		buf_append(out, w->w[i], len);
		buf_putc(out, '"');
	}
	if (w->n && last != LAST_WHOLE)
		buf_putc(out, '*');
}

/* Whether some word of text begins with prefix (len bytes), ASCII letters
** in either case. */
static bool has_word_starting(const char *text, const char *prefix, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	while (*p) {
		while (*p && !word_byte(*p))
			p++;
		if (!*p)
			break;
		if (!strncasecmp((const char *)p, prefix, len))
			return true;
		while (*p && word_byte(*p))
			p++;
	}
	return false;
}

/* Whether the title fields of the document with this key hold a word that
** begins with the whole of the last word (a LAST_STEM match). */
static bool stem_matches(struct db *db, long long key, const char *word, size_t len)
{
	sqlite3_stmt *st = db_query(db, "SELECT title || ' ' || subtitle || ' ' || authors "
		"FROM title_doc WHERE key = ?", "i", key);
	bool yes = false;
	if (db_row(db, st)) {
		yes = has_word_starting((const char *)sqlite3_column_text(st, 0), word, len);
		db_done(st);
	}
	return yes;
}

/* The columns people search; "facets" holds filter tokens only. */
#define TEXT_COLUMNS "{title subtitle authors isbn genre section description}"
#define TITLE_COLUMNS "{title subtitle authors isbn}"

#define YEAR_TERMS_MAX 80    /* tokens a year range can need (see year_tokens) */

enum facet_kind { FACET_SECTION, FACET_FORMAT, FACET_GENRE };

/* What a search looks for, worked out once for all its passes. */
struct plan {
	struct words text;      /* the search box's words */
	struct words author;    /* the author filter's words */
	enum last_word last;    /* how the last word of text is matched */
	const char *facets[3];  /* section, format and genre tokens, as the */
	enum facet_kind kinds[3];   /* index has them, and which is which */
	int nfacets;
	const char *years[YEAR_TERMS_MAX];   /* the year filter's tokens, any */
	int nyears;                          /* of which will do */
	/* The same filters as values, for checking row by row in title_stat
	** (struct checks); 0 or NULL when not asked for. */
	long long section_id;
	const char *format;
	const char *genre;      /* folded as the genre token folds it */
	int year_from, year_to;
	/* Titles holding each term in index 0 and 1 (term_docs), counted on
	** first use: -1 until then. */
	long long text_docs[2][SEARCH_WORDS_MAX];
	long long author_docs[2][SEARCH_WORDS_MAX];
	long long facet_docs[2][3];
	long long years_docs[2];
	long window;            /* titles in the search window, 0: none (0011);
	                           -1 until a pass asks */
};

/* Filter tokens as schema/0003_search.sql (and 0007) write them into
** "facets": sec<id>, fmt<format>, g<hex of the lower-case genre>. */
static void plan_facets(struct arena *a, const struct search_query *q, struct plan *p)
{
	p->nfacets = 0;
	p->section_id = q->section_id;
	p->format = p->genre = NULL;
	if (q->section_id) {
		p->kinds[p->nfacets] = FACET_SECTION;
		p->facets[p->nfacets++] = arena_printf(a, "sec%lld", q->section_id);
	}
	if (q->format && *q->format) {
		p->format = q->format;
		p->kinds[p->nfacets] = FACET_FORMAT;
		p->facets[p->nfacets++] = arena_printf(a, "fmt%s", q->format);
	}
	if (q->genre && *q->genre) {
		/* SQLite's lower() folds ASCII only; FTS5 folds the hex digits. */
		struct buf g = BUF_INIT, folded = BUF_INIT;
		buf_putc(&g, 'g');
		for (const unsigned char *c = (const unsigned char *)q->genre; *c; c++) {
			unsigned char ch = *c >= 'A' && *c <= 'Z' ? (unsigned char)(*c + 32) : *c;
			buf_printf(&g, "%02x", ch);
			buf_putc(&folded, (char)ch);
		}
		p->kinds[p->nfacets] = FACET_GENRE;
		p->facets[p->nfacets++] = arena_strdup(a, buf_str(&g));
		p->genre = arena_strdup(a, buf_str(&folded));
		buf_free(&g);
		buf_free(&folded);
	}
	p->year_from = q->year_from;
	p->year_to = q->year_to;
}

/* Filters a pass checks row by row rather than through the index: bit i
** for p->facets[i], CHECK_YEARS for the year range (see checked_filters). */
#define CHECK_YEARS (1u << 3)

/* The facets column's part of an expression: every filter token, and one
** of the year tokens; but none of those checked row by row. FTS5 wants an
** explicit AND before a bracketed group, so every part is joined by one. */
static void append_facets(struct buf *expr, const struct plan *p, unsigned checked)
{
	for (int i = 0; i < p->nfacets; i++)
		if (!(checked & (1u << i)))
			buf_printf(expr, "%s\"%s\"", expr->len ? " AND " : "", p->facets[i]);
	if ((checked & CHECK_YEARS) || !p->nyears)
		return;
	buf_puts(expr, expr->len ? " AND (" : "(");
	for (int i = 0; i < p->nyears; i++)
		buf_printf(expr, "%s\"%s\"", i ? " OR " : "", p->years[i]);
	buf_putc(expr, ')');
}

/* The expression for one pass: the words (in the columns named, the last
** matched as last says), the author filter and the filter tokens not
** checked row by row. "" when there is nothing to match. */
static const char *build_expression(struct arena *a, const struct plan *p,
	enum last_word last, const char *columns, unsigned checked)
{
	struct buf expr = BUF_INIT;
	if (p->text.n) {
		buf_printf(&expr, "%s : (", columns);
		append_terms(&expr, &p->text, last);
		buf_putc(&expr, ')');
	}
	/* Column-filtered groups need an explicit AND between them. */
	if (p->author.n) {
		if (expr.len)
			buf_puts(&expr, " AND ");
		buf_puts(&expr, "authors : (");
		append_terms(&expr, &p->author, LAST_WHOLE);
		buf_putc(&expr, ')');
	}
	struct buf facets = BUF_INIT;
	append_facets(&facets, p, checked);
	if (facets.len) {
		if (expr.len)
			buf_puts(&expr, " AND ");
		buf_printf(&expr, "facets : (%s)", facets.data);
	}
	buf_free(&facets);
	const char *s = arena_strdup(a, buf_str(&expr));
	buf_free(&expr);
	return s;
}

/* The year filter from..to (0: open) as the fewest year, decade, century
** and millennium tokens that cover it (schema/0007_search_split.sql), e.g.
** 1950..1975 is d195 d196 y1970 ... y1975. Years outside the catalogue's
** first and last may be covered as well, so an open end costs a token or
** two, not dozens. None when no year is asked for. */
static void plan_years(struct db *db, struct arena *a, int from, int to, struct plan *p)
{
	p->nyears = 0;
	if (!from && !to)
		return;
	long long first = db_int(db, 0, "SELECT min(pub_year) FROM title WHERE pub_year > 0", NULL);
	long long last = db_int(db, 0, "SELECT max(pub_year) FROM title", NULL);
	long long lo = from ? from : 1, hi = to ? to : 9999;
	if (first > 0 && lo <= first)
		lo = first - first % 1000;
	if (first > 0 && hi >= last)
		hi = last - last % 1000 + 999;
	if (first <= 0 || lo > hi) {
		p->years[p->nyears++] = "y0";   /* no title has year 0: nothing matches */
		return;
	}
	static const struct { int size; char letter; } levels[] = {
		{ 1000, 'm' }, { 100, 'c' }, { 10, 'd' }, { 1, 'y' },
	};
	for (long long y = lo; y <= hi && p->nyears < YEAR_TERMS_MAX;) {
		for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
			int size = levels[i].size;
			if (y % size == 0 && y + size - 1 <= hi) {
				p->years[p->nyears++] = arena_printf(a, "%c%lld", levels[i].letter,
					y / size);
				y += size;
				break;
			}
		}
	}
}

/* A one-letter prefix would read a large part of the index, and words
** longer than the prefix index (5) are tried whole first. */
static enum last_word last_word_mode(const struct words *w)
{
	if (!w->n)
		return LAST_WHOLE;
	const char *last = w->w[w->n - 1];
	size_t len = w->len[w->n - 1];
	bool two_or_more = first_chars(last, len, 1) < len;
	bool indexed = first_chars(last, len, PREFIX_INDEX_MAX) == len;
	return two_or_more && indexed ? LAST_PREFIX : LAST_WHOLE;
}

struct candidate {
	long long key;       /* place in search order (popularity, newest) */
	int tier;            /* 0 found in title, subtitle, authors or ISBN,
	                        1 anywhere */
	const char *title;   /* these three only when sorting or filtering */
	const char *authors; /* needs them (struct gather.need_rows) */
	int year;
	long long rating_sum, rating_count;   /* the same */
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

/* The higher average first (compared as fractions, exactly), then the
** more ratings; a title nobody rated after every rated one. */
static int compare_ratings(const struct candidate *a, const struct candidate *b)
{
	if (!a->rating_count || !b->rating_count)
		return (a->rating_count == 0) - (b->rating_count == 0);
	long long left = a->rating_sum * b->rating_count;
	long long right = b->rating_sum * a->rating_count;
	if (left != right)
		return left > right ? -1 : 1;
	return (b->rating_count > a->rating_count) - (b->rating_count < a->rating_count);
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
	case SORT_RATING:
		c = compare_ratings(a, b);
		break;
	}
	return c ? c : (a->key > b->key) - (a->key < b->key);
}

/* The statements of one pass over a full-text index (schema 0007, 0011).
** Each reads the matches of ?1 in search order; LIMIT ?3 stops the walk.
** A key's low 32 bits hold 4294967295 minus its title's id
** (0003_search.sql). */
#define TITLE_STAT_OF(fts) \
	"  CROSS JOIN title_stat s ON s.title_id = 4294967295 - (" fts ".rowid & 4294967295) "
/* The row-by-row checks (struct checks): ?2 on the shelf only, ?4 section
** (0: any), ?5 format and ?6 folded genre (NULL: any), years ?7 to ?8. */
#define ROW_CHECKS \
	"  AND (?2 = 0 OR s.available > 0) AND (?4 = 0 OR s.section_id = ?4) " \
	"  AND (?5 IS NULL OR s.format = ?5) AND (?6 IS NULL OR s.genre = ?6) " \
	"  AND s.pub_year BETWEEN ?7 AND ?8 "
#define PASS_STATEMENTS(fts) { \
	/* Keys only: nothing but the index is read. */ \
	"SELECT rowid FROM " fts " WHERE " fts " MATCH ?1 AND ?2 = 0 " \
	"ORDER BY rowid LIMIT ?3", \
	/* Checked row by row in the small title_stat rows; the CROSS JOIN \
	** keeps the index as the outer loop. */ \
	"SELECT " fts ".rowid FROM " fts " " TITLE_STAT_OF(fts) \
	"WHERE " fts " MATCH ?1 " ROW_CHECKS \
	"ORDER BY " fts ".rowid LIMIT ?3", \
	/* Sorting by title, author, year or rating needs those of every \
	** candidate. */ \
	"SELECT " fts ".rowid, d.title, d.authors, s.pub_year, s.rating_sum, s.rating_count " \
	"FROM " fts " " TITLE_STAT_OF(fts) \
	"  CROSS JOIN title_doc d ON d.key = " fts ".rowid " \
	"WHERE " fts " MATCH ?1 " ROW_CHECKS \
	"ORDER BY " fts ".rowid LIMIT ?3" }

enum pass_sql { PASS_KEYS, PASS_CHECK, PASS_ROWS };

/* [index][enum pass_sql], the index as enum pass_index says. */
enum pass_index { TITLE_FTS, TEXT_FTS, TITLE_WINDOW_FTS, TEXT_WINDOW_FTS };
static const char *const pass_sql[4][3] = {
	PASS_STATEMENTS("title_fts"),
	PASS_STATEMENTS("text_fts"),
	PASS_STATEMENTS("title_window_fts"),
	PASS_STATEMENTS("text_window_fts"),
};

/* "On the shelf" alone: the same order, from title_doc. */
static const char sql_browse[] =
	"SELECT d.key, d.title, d.authors, s.pub_year, s.rating_sum, s.rating_count "
	"FROM title_doc d CROSS JOIN title_stat s ON s.title_id = d.title_id "
	"WHERE ?1 = '' AND (?2 = 0 OR s.available > 0) "
	"ORDER BY d.key LIMIT ?3";

/* What a pass checks row by row in title_stat (ROW_CHECKS). */
struct checks {
	long long section_id;   /* 0: any */
	const char *format;     /* NULL: any */
	const char *genre;      /* folded; NULL: any */
	int year_lo, year_hi;   /* 0 to 9999: any, unknown years included */
};

/* The checks for the filters in checked (a mask as checked_filters makes). */
static struct checks checks_of(const struct plan *p, unsigned checked)
{
	struct checks c = { .year_lo = 0, .year_hi = 9999 };
	for (int i = 0; i < p->nfacets; i++) {
		if (!(checked & (1u << i)))
			continue;
		switch (p->kinds[i]) {
		case FACET_SECTION: c.section_id = p->section_id; break;
		case FACET_FORMAT: c.format = p->format; break;
		case FACET_GENRE: c.genre = p->genre; break;
		}
	}
	if (checked & CHECK_YEARS) {
		c.year_lo = p->year_from > 0 ? p->year_from : 1;
		c.year_hi = p->year_to > 0 ? p->year_to : 9999;
	}
	return c;
}

static bool checks_any(const struct checks *c)
{
	return c->section_id || c->format || c->genre || c->year_lo > 0 || c->year_hi < 9999;
}

struct gather {
	struct candidate *c;
	int n;               /* candidates kept */
	bool more;           /* a pass had more than it could keep */
	bool need_rows;      /* sorting needs title, authors, year */
	bool shelf;          /* only titles with a copy on the shelf */
	const char *stem;    /* when set, a match must hold a word that begins */
	size_t stem_len;     /* with these bytes (LAST_STEM) */
	bool windowed;       /* a pass was cut at the window and came up short */
	bool windowed_titles; /* ... the title fields' pass among them */
};

static bool already_have(const struct gather *g, long long key)
{
	for (int i = 0; i < g->n; i++)
		if (g->c[i].key == key)
			return true;
	return false;
}

/* One pass over index fts (0 title_fts, 1 text_fts; in the window's own
** index when windowed): up to the room left of matches of expr passing the
** row checks, in search order, skipping titles an earlier pass found; each
** new one gets tier. */
static int gather_pass(struct db *db, struct arena *a, const char *expr,
	const struct checks *ck, int fts, int tier, bool windowed, struct gather *g)
{
	int room = SEARCH_CANDIDATES - g->n;
	if (room <= 0) {
		g->more = true;
		return 0;
	}
	bool browse = !*expr;
	enum pass_sql kind = g->need_rows ? PASS_ROWS
		: g->shelf || checks_any(ck) ? PASS_CHECK : PASS_KEYS;
	int index = windowed ? fts + TITLE_WINDOW_FTS : fts;
	/* A stem pass rejects some matches, so its walk ends with its index
	** (the window's, when its terms are common) rather than at a count. */
	long long limit = g->stem ? 0x7FFFFFFFLL : SEARCH_CANDIDATES + 1;
	sqlite3_stmt *st;
	if (browse || kind == PASS_KEYS)
		st = db_query(db, browse ? sql_browse : pass_sql[index][kind], "tii", expr,
			(long long)g->shelf, limit);
	else
		st = db_query(db, pass_sql[index][kind], "tiiittii", expr, (long long)g->shelf,
			limit, ck->section_id, ck->format, ck->genre,
			(long long)ck->year_lo, (long long)ck->year_hi);
	if (!st)
		return -1;
	bool with_rows = browse || g->need_rows;
	int rc, kept = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long key = db_col_int(st, 0);
		if (g->n && already_have(g, key))
			continue;
		if (g->stem && !stem_matches(db, key, g->stem, g->stem_len))
			continue;
		if (++kept > room) {
			g->more = true;
			break;
		}
		struct candidate *c = &g->c[g->n++];
		c->key = key;
		c->tier = tier;
		if (with_rows) {
			c->title = db_text(a, st, 1);
			c->authors = db_text(a, st, 2);
			c->year = (int)db_col_int(st, 3);
			c->rating_sum = db_col_int(st, 4);
			c->rating_count = db_col_int(st, 5);
		} else {
			c->title = c->authors = "";
			c->rating_sum = c->rating_count = 0;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "carrel: search failed (%s) for: %s\n", db_errmsg(db), expr);
		return -1;
	}
	if (windowed && kept <= room) {
		g->windowed = true;
		g->windowed_titles |= fts == 0;
	}
	return 0;
}

/* A catalogue's worth of titles: what a short prefix is taken to match. */
#define DOCS_ALL 0x7FFFFFFFLL

/* How many titles of index fts hold term (len bytes, as the index has it),
** by search_common: 0 when it is not listed there (SEARCH_COMMON_DOCS or
** fewer). A prefix counts the common terms it begins, and one of three
** characters or fewer counts as the whole catalogue (the words it begins
** are surely many together). */
static long long term_docs(struct db *db, int fts, const char *term, size_t len,
	bool prefix)
{
	if (!prefix)
		return db_int(db, 0, "SELECT docs FROM search_common WHERE fts = ? AND term = ?",
			"is", (long long)fts, term, (int)len);
	if (first_chars(term, len, 3) == len)
		return DOCS_ALL;
	/* The terms it begins sort from it up to it followed by the highest
	** code point, which no text holds. */
	char upper[SEARCH_WORD_MAX + 5];
	memcpy(upper, term, len);
	memcpy(upper + len, "\xF4\x8F\xBF\xBF", 4);
	return db_int(db, 0, "SELECT coalesce(sum(docs), 0) FROM search_common "
		"WHERE fts = ? AND term >= ? AND term < ?", "iss", (long long)fts, term,
		(int)len, upper, (int)len + 4);
}

/* Forget what is known of the last word's titles (its match changed). */
static void forget_last_word_docs(struct plan *p)
{
	if (p->text.n)
		p->text_docs[0][p->text.n - 1] = p->text_docs[1][p->text.n - 1] = -1;
}

static void plan_docs_unknown(struct plan *p)
{
	memset(p->text_docs, 0xff, sizeof p->text_docs);
	memset(p->author_docs, 0xff, sizeof p->author_docs);
	memset(p->facet_docs, 0xff, sizeof p->facet_docs);
	p->years_docs[0] = p->years_docs[1] = -1;
}

static long long text_word_docs(struct db *db, struct plan *p, int fts, int i)
{
	long long *d = &p->text_docs[fts][i];
	if (*d < 0)
		*d = term_docs(db, fts, p->text.w[i], p->text.len[i],
			i == p->text.n - 1 && p->last != LAST_WHOLE);
	return *d;
}

static long long author_word_docs(struct db *db, struct plan *p, int fts, int i)
{
	long long *d = &p->author_docs[fts][i];
	if (*d < 0)
		*d = term_docs(db, fts, p->author.w[i], p->author.len[i], false);
	return *d;
}

static long long facet_docs(struct db *db, struct plan *p, int fts, int i)
{
	long long *d = &p->facet_docs[fts][i];
	if (*d < 0)
		*d = term_docs(db, fts, p->facets[i], strlen(p->facets[i]), false);
	return *d;
}

/* Titles in the year range, as far as search_common tells. */
static long long years_docs(struct db *db, struct plan *p, int fts)
{
	long long *d = &p->years_docs[fts];
	if (*d < 0) {
		*d = 0;
		for (int i = 0; i < p->nyears; i++)
			*d += term_docs(db, fts, p->years[i], strlen(p->years[i]), false);
	}
	return *d;
}

/* Whether a pass over index fts looks for two or more terms (words, author
** words and filter tokens, whether the index or a row check tests them),
** every one of them common. Those few titles that hold them all can only
** be found by reading the terms' postings to the end: the one search
** whose cost grows with the catalogue. */
static bool all_common(struct db *db, struct plan *p, int fts)
{
	int terms = p->text.n + p->author.n + p->nfacets + (p->nyears > 0);
	if (terms < 2)
		return false;
	for (int i = 0; i < p->text.n; i++)
		if (!text_word_docs(db, p, fts, i))
			return false;
	for (int i = 0; i < p->author.n; i++)
		if (!author_word_docs(db, p, fts, i))
			return false;
	for (int i = 0; i < p->nfacets; i++)
		if (!facet_docs(db, p, fts, i))
			return false;
	return p->nyears == 0 || years_docs(db, p, fts) > 0;
}

/* A filter token is checked row by row when it is in more than this many
** times the titles of the rarest word: FTS5 skips through postings a page
** at a time, so intersecting a token on a third of the titles reads
** nearly all of its postings in the range walked (about 0.15 us each, a
** thousand to a page), while checking a match in title_stat costs about a
** microsecond. */
#define CHECK_RATIO 8

/* Which filters a pass over index fts checks row by row instead of through
** the index (bit i: p->facets[i]; CHECK_YEARS: the year range): the common
** ones, when the search has words far rarer. With no words the filters
** drive the index themselves. */
static unsigned checked_filters(struct db *db, struct plan *p, int fts)
{
	if ((!p->text.n && !p->author.n) || (!p->nfacets && !p->nyears))
		return 0;
	long long rarest = DOCS_ALL;
	for (int i = 0; i < p->text.n; i++) {
		long long d = text_word_docs(db, p, fts, i);
		rarest = d < rarest ? d : rarest;
	}
	for (int i = 0; i < p->author.n; i++) {
		long long d = author_word_docs(db, p, fts, i);
		rarest = d < rarest ? d : rarest;
	}
	if (rarest < SEARCH_COMMON_DOCS)   /* not listed: at most that many */
		rarest = SEARCH_COMMON_DOCS;
	unsigned checked = 0;
	for (int i = 0; i < p->nfacets; i++)
		if (facet_docs(db, p, fts, i) > rarest * CHECK_RATIO)
			checked |= 1u << i;
	if (p->nyears && years_docs(db, p, fts) > rarest * CHECK_RATIO)
		checked |= CHECK_YEARS;
	return checked;
}

/* Whether a pass over index fts reads only the window, the first titles
** in search order (the most borrowed and newest, schema 0011): when its
** terms are all common, unless asked for everything (q->deep). A
** catalogue no larger than the window has none, and is always read
** whole. */
static bool pass_windowed(struct db *db, const struct search_query *q,
	struct plan *p, int fts)
{
	if (q->window <= 0 || q->deep || !all_common(db, p, fts))
		return false;
	if (p->window < 0)
		p->window = db_int(db, 0, "SELECT CASE WHEN bound != 0 THEN titles ELSE 0 END "
			"FROM search_window", NULL);
	return p->window > 0;
}

/* One pass of a search over index fts (0: the title fields, 1: all),
** the last word matched as last says, its matches ranked tier. */
static int pass(struct db *db, struct arena *a, const struct search_query *q,
	struct plan *p, enum last_word last, int fts, int tier, struct gather *g)
{
	static const char *const columns[] = { TITLE_COLUMNS, TEXT_COLUMNS };
	if (g->n >= SEARCH_CANDIDATES) {   /* an earlier pass filled the list */
		g->more = true;
		return 0;
	}
	unsigned checked = checked_filters(db, p, fts);
	struct checks ck = checks_of(p, checked);
	return gather_pass(db, a, build_expression(a, p, last, columns[fts], checked),
		&ck, fts, tier, pass_windowed(db, q, p, fts), g);
}

/* The rest of the plan, once the words are known (p->text, p->author). */
static void plan_search(struct db *db, struct arena *a, const struct search_query *q,
	struct plan *p)
{
	p->last = last_word_mode(&p->text);
	plan_facets(a, q, p);
	plan_years(db, a, q->year_from, q->year_to, p);
	plan_docs_unknown(p);
	p->window = -1;
}

/* Matches in the title, subtitle, authors or ISBN first (from the small
** title index), then anywhere, each in search order: a title that names
** the words always outranks one whose blurb mentions them. */
static int collect_candidates(struct db *db, struct arena *a,
	const struct search_query *q, struct plan *p, struct gather *g)
{
	/* Filters alone: authors and filter tokens are in the title index. */
	if (!p->text.n)
		return pass(db, a, q, p, p->last, 0, 1, g);
	for (int tier = 0; tier < 2; tier++)
		if (pass(db, a, q, p, p->last, tier, tier, g))
			return -1;
	if (g->n || p->last == LAST_PREFIX)
		return 0;
	/* A long last word found nothing whole: it may be half typed ("tolkie").
	** A prefix longer than the prefix index would make FTS5 merge the
	** postings of every word it begins, so the index is asked for its first
	** five letters and each match checked for the rest; only in the title
	** fields (where names are typed) and, when the rest is common, within
	** the window. */
	g->windowed = g->windowed_titles = false;
	g->stem = p->text.w[p->text.n - 1];
	g->stem_len = p->text.len[p->text.n - 1];
	p->last = LAST_STEM;
	forget_last_word_docs(p);
	int rc = pass(db, a, q, p, LAST_STEM, 0, 0, g);
	g->stem = NULL;
	return rc;
}

/* One hit of a result page: three rows found by key, no counting (copies
** and those on the shelf are kept in title_stat). */
static int load_hit(struct db *db, struct arena *a, long long key,
	struct search_hit *h)
{
	sqlite3_stmt *st = db_query(db,
		"SELECT d.title_id, d.title, d.subtitle, d.authors, s.pub_year, t.format, "
		"  t.cover, s.copies, s.available, s.rating_sum, s.rating_count "
		"FROM title_doc d CROSS JOIN title t CROSS JOIN title_stat s "
		"WHERE d.key = ? AND t.id = d.title_id AND s.title_id = d.title_id",
		"i", key);
	if (!db_row(db, st))
		return -1;
	h->id = db_col_int(st, 0);
	h->title = db_text(a, st, 1);
	h->subtitle = db_text(a, st, 2);
	h->authors = db_text(a, st, 3);
	h->year = (int)db_col_int(st, 4);
	h->format = db_text(a, st, 5);
	h->cover = db_text(a, st, 6);
	h->copies = (int)db_col_int(st, 7);
	h->available = (int)db_col_int(st, 8);
	h->rating_sum = db_col_int(st, 9);
	h->rating_count = db_col_int(st, 10);
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
	long long key = db_int(db, 0, "SELECT d.key FROM title t JOIN title_doc d "
		"ON d.title_id = t.id WHERE t.isbn13 = ?", "t", isbn13);
	if (!key)
		return false;
	out->hits = arena_calloc(a, sizeof *out->hits);
	if (load_hit(db, a, key, &out->hits[0]))
		return false;
	out->n = 1;
	out->total = 1;
	out->searched = true;
	out->by_isbn = true;
	return true;
}

static int search_in_snapshot(struct db *db, struct arena *a,
	const struct search_query *q, struct search_result *out);

int search_run(struct db *db, struct arena *a, const struct search_query *q,
	struct search_result *out)
{
	/* Some thirty statements, one consistent view, one lock. */
	int begun = db_snapshot_begin(db);
	int rc = search_in_snapshot(db, a, q, out);
	db_snapshot_end(db, begun);
	return rc;
}

static int search_in_snapshot(struct db *db, struct arena *a,
	const struct search_query *q, struct search_result *out)
{
	memset(out, 0, sizeof *out);
	if (search_by_isbn(db, a, q->q, out))
		return 0;
	struct plan p;
	if (split_words(db, a, q->q, &p.text) || split_words(db, a, q->author, &p.author))
		return -1;
	bool filtered = q->section_id || (q->genre && *q->genre) ||
		(q->format && *q->format) || q->available || q->year_from || q->year_to;
	if (!p.text.n && !p.author.n && !filtered)
		return 0;   /* nothing to look for: the page says so */
	out->searched = true;
	plan_search(db, a, q, &p);

	struct gather g = {
		.c = arena_alloc(a, sizeof *g.c * SEARCH_CANDIDATES),
		.need_rows = q->sort != SORT_RELEVANCE,
		.shelf = q->available,
	};
	if (collect_candidates(db, a, q, &p, &g))
		return -1;
	struct candidate *cands = g.c;
	int n = g.n;
	out->more = g.more;
	out->windowed = g.windowed && !g.more;
	out->windowed_titles = g.windowed_titles && !g.more;
	if (out->windowed)
		out->window = p.window;
	out->total = n;
	enum search_sort sort = q->sort;
	qsort_r(cands, (size_t)n, sizeof *cands, compare_candidates, &sort);

	long first = (q->page > 0 ? q->page - 1 : 0) * q->per_page;
	if (first >= n)
		return 0;
	long count = n - first < q->per_page ? n - first : q->per_page;
	out->hits = arena_calloc(a, sizeof *out->hits * (size_t)count);
	for (long i = 0; i < count; i++)
		if (load_hit(db, a, cands[first + i].key, &out->hits[out->n]) == 0)
			out->n++;
	return 0;
}
