/*
** template.c: mustache templates. See template.h.
**
** A template is compiled in five passes over its source, all at load time:
**
**   1. lex: split the source into text and tag tokens, following set
**      delimiter tags; text is cut after every newline so that a line is a
**      run of tokens ending in a text token that ends in '\n'.
**   2. match: pair every close tag with its open tag (nesting errors).
**   3. standalone: a line holding only whitespace and tags that print
**      nothing in place loses its whitespace and newline; partials and
**      parents on it remember the whitespace as indentation.
**   4. build: turn the tokens into a tree of tmpl_node.
**   5. fix: re-indent the content of standalone blocks (see fix_blocks).
**
** Rendering is then a read-only walk of the tree that appends to a buf.
** The context stack, the chain of block overrides and the indentation all
** live on the C stack or in the caller's scratch arena, so a render does
** not call malloc except to grow the output.
*/
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L   /* scandir, alphasort, strdup */
#endif

#include "template.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Sections, inverted sections, parents and blocks nested in one template.
** The later passes recurse over the tree, so this bounds their stack. */
#define TMPL_MAX_NEST 100

/* Partials, parents and block substitutions nested while rendering; a
** template that includes itself without end stops here. */
#define TMPL_MAX_INCLUDE 64

/* Every node list entered while rendering (sections, their list items,
** partials) counts against these, so a template whose expansion explodes
** (a partial that includes itself twice, sections nested over lists)
** fails instead of holding the worker. */
#define TMPL_MAX_DEPTH 1024
#define TMPL_MAX_STEPS 4000000UL
#define TMPL_MAX_OUTPUT ((size_t)256 << 20)

enum tmpl_op {
	TMPL_TEXT,       /* literal bytes */
	TMPL_VAR,        /* {{x}}: value, HTML-escaped */
	TMPL_RAW,        /* {{{x}}} and {{&x}}: value as is */
	TMPL_SECTION,    /* {{#x}} */
	TMPL_INVERTED,   /* {{^x}} */
	TMPL_PARTIAL,    /* {{>x}} */
	TMPL_PARENT,     /* {{<x}}: kids are the block overrides only */
	TMPL_BLOCK       /* {{$x}}: kids are the default content */
};

struct tmpl_node {
	const char *text;           /* TEXT: the bytes; others: the name */
	const char **parts;         /* VAR..INVERTED: name split on '.' */
	/* PARTIAL, PARENT: indentation of a standalone tag's line, added to
	** every line of the included template. BLOCK: indentation added to
	** the lines of whatever content replaces the block (see fix_blocks).
	** Never NULL. */
	const char *indent;
	struct tmpl_node *kids;
	struct tmpl_node *next;
	/* 32-bit sizes (tmpl_compile refuses a larger source): every worker
	** keeps thousands of nodes, compiled once in the master. */
	uint32_t len;
	uint32_t indent_len;
	uint32_t nparts;            /* 0 for the implicit iterator "." */
	enum tmpl_op op;
	bool standalone;            /* the open tag's line was standalone */
};

struct tmpl {
	char *name;
	uint32_t hash;
	struct tmpl_node *root;     /* in the set's arena */
};

struct tmpl_set {
	struct tmpl **v;
	size_t n, cap;
	/* Every template's nodes, names and copy of its source: one arena for
	** the set rather than one each, whose half-used chunks cost a quarter
	** of the whole in every worker. A template replaced, or one that fails
	** to compile, leaves its bytes here until the set is freed. */
	struct arena arena;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("carrel: out of memory\n", stderr);
		abort();
	}
	return p;
}

/*
** Values
*/

static struct tv *tv_new(struct arena *a, enum tv_kind kind)
{
	struct tv *v = arena_calloc(a, sizeof *v);
	v->kind = kind;
	v->arena = a;
	return v;
}

/*
** The tv_* constructors return a new value on arena a; it lives until the
** arena is reset. Templates print nothing for null.
*/
struct tv *tv_null(struct arena *a)
{
	return tv_new(a, TV_NULL);
}

/* A boolean; {{x}} prints it as "true" or "false". */
struct tv *tv_bool(struct arena *a, bool b)
{
	struct tv *v = tv_new(a, TV_BOOL);
	v->b = b;
	return v;
}

/* A copy of the n bytes at s; NULL becomes "". */
struct tv *tv_strn(struct arena *a, const char *s, size_t n)
{
	struct tv *v = tv_new(a, TV_STR);
	if (!s)
		n = 0;
	v->s = arena_strndup(a, s ? s : "", n);
	v->len = n;
	return v;
}

/* A copy of the C string s; NULL becomes "". */
struct tv *tv_str(struct arena *a, const char *s)
{
	return tv_strn(a, s, s ? strlen(s) : 0);
}

/* n as its decimal string (templates only ever print numbers). */
struct tv *tv_int(struct arena *a, long long n)
{
	struct tv *v = tv_new(a, TV_STR);
	v->s = arena_printf(a, "%lld", n);
	v->len = strlen(v->s);
	return v;
}

/* An empty list; fill it with tv_push. */
struct tv *tv_list(struct arena *a)
{
	return tv_new(a, TV_LIST);
}

/* An empty object; fill it with tv_set and friends. */
struct tv *tv_obj(struct arena *a)
{
	return tv_new(a, TV_OBJ);
}

/*
** Append val to list (a TV_LIST). The item array grows on the list's
** arena; the old array is left there until the arena is reset.
*/
void tv_push(struct tv *list, struct tv *val)
{
	assert(list->kind == TV_LIST);
	if (list->kind != TV_LIST)
		return;
	if (list->len == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 8;
		struct tv **items = arena_alloc(list->arena, cap * sizeof *items);
		if (list->len)
			memcpy(items, list->items, list->len * sizeof *items);
		list->items = items;
		list->cap = cap;
	}
	list->items[list->len++] = val;
}

/*
** Set key in obj (a TV_OBJ) to val and return val. An existing key keeps
** its place; a new key is copied to the object's arena and goes last.
*/
struct tv *tv_set(struct tv *obj, const char *key, struct tv *val)
{
	assert(obj->kind == TV_OBJ);
	if (obj->kind != TV_OBJ)
		return val;
	for (size_t i = 0; i < obj->len; i++) {
		if (strcmp(obj->pairs[i].key, key) == 0) {
			obj->pairs[i].val = val;
			return val;
		}
	}
	if (obj->len == obj->cap) {
		size_t cap = obj->cap ? obj->cap * 2 : 8;
		struct tv_pair *pairs = arena_alloc(obj->arena, cap * sizeof *pairs);
		if (obj->len)
			memcpy(pairs, obj->pairs, obj->len * sizeof *pairs);
		obj->pairs = pairs;
		obj->cap = cap;
	}
	obj->pairs[obj->len].key = arena_strdup(obj->arena, key);
	obj->pairs[obj->len].val = val;
	obj->len++;
	return val;
}

/* tv_set with a new string (copied; NULL becomes ""). */
void tv_set_str(struct tv *obj, const char *key, const char *s)
{
	tv_set(obj, key, tv_str(obj->arena, s));
}

/* tv_set with a new decimal string. */
void tv_set_int(struct tv *obj, const char *key, long long n)
{
	tv_set(obj, key, tv_int(obj->arena, n));
}

/* tv_set with a new boolean. */
void tv_set_bool(struct tv *obj, const char *key, bool b)
{
	tv_set(obj, key, tv_bool(obj->arena, b));
}

/* Set key to a new empty list and return the list, for the caller to fill. */
struct tv *tv_set_list(struct tv *obj, const char *key)
{
	return tv_set(obj, key, tv_list(obj->arena));
}

/* Set key to a new empty object and return the object. */
struct tv *tv_set_obj(struct tv *obj, const char *key)
{
	return tv_set(obj, key, tv_obj(obj->arena));
}

/* Find key in obj. Unlike tv_get this tells a key set to NULL from a
** missing key: the context stack stops at the first object that has the
** key, whatever its value. */
static bool obj_find(const struct tv *obj, const char *key,
	const struct tv **val)
{
	if (!obj || obj->kind != TV_OBJ)
		return false;
	for (size_t i = 0; i < obj->len; i++) {
		if (strcmp(obj->pairs[i].key, key) == 0) {
			*val = obj->pairs[i].val;
			return true;
		}
	}
	return false;
}

/*
** The value of key in obj itself (parents are not searched); NULL when the
** key is absent or obj is not an object.
*/
struct tv *tv_get(const struct tv *obj, const char *key)
{
	const struct tv *v = NULL;
	obj_find(obj, key, &v);
	return (struct tv *)v;
}

/*
** Escaping
*/

/*
** Append the len bytes at s to out, with & < > " ' replaced by entities so
** the text is safe both in element content and in quoted attributes.
*/
void tmpl_escape_html(struct buf *out, const char *s, size_t len)
{
	if (!len)
		return;
	const char *run = s, *end = s + len;
	for (const char *p = s; p < end; p++) {
		const char *rep;
		switch (*p) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		buf_append(out, run, (size_t)(p - run));
		buf_puts(out, rep);
		run = p + 1;
	}
	buf_append(out, run, (size_t)(end - run));
}

/*
** Compiling
*/

enum tok_kind {
	TOK_TEXT,
	TOK_VAR,        /* {{x}} */
	TOK_RAW,        /* {{{x}}} {{&x}} */
	TOK_SECTION,    /* {{#x}} */
	TOK_INVERTED,   /* {{^x}} */
	TOK_PARENT,     /* {{<x}} */
	TOK_BLOCK,      /* {{$x}} */
	TOK_CLOSE,      /* {{/x}} */
	TOK_PARTIAL,    /* {{>x}} */
	TOK_COMMENT,    /* {{!x}} */
	TOK_DELIM       /* {{=a b=}} */
};

struct tok {
	enum tok_kind kind;
	bool nl;             /* TEXT ending in '\n' */
	bool drop;           /* TEXT: whitespace of a standalone line */
	bool standalone;     /* tag: its line is standalone */
	const char *p;       /* TEXT: the bytes; tags: the trimmed name */
	size_t n;
	const char *indent;  /* tag: whitespace that begins its line */
	size_t indent_len;
	int line;
	size_t match;        /* CLOSE: index of the open tag */
};

struct compile {
	const char *errname;  /* what error messages call the template */
	char *err;
	size_t errlen;
	struct tmpl *t;
	struct arena *arena;  /* the set's: where the template is kept */
	const char *src;      /* the copy in arena */
	size_t len;
	struct tok *tok;
	size_t ntok, cap;
};

static int compile_fail(struct compile *c, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int compile_fail(struct compile *c, int line, const char *fmt, ...)
{
	if (c->err && c->errlen) {
		int n = snprintf(c->err, c->errlen, "%s:%d: ", c->errname, line);
		if (n >= 0 && (size_t)n < c->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -1;
}

static const char *tok_what(enum tok_kind k)
{
	switch (k) {
	case TOK_SECTION: return "section";
	case TOK_INVERTED: return "inverted section";
	case TOK_PARENT: return "parent";
	case TOK_BLOCK: return "block";
	default: return "tag";
	}
}

static bool tok_opens(enum tok_kind k)
{
	return k == TOK_SECTION || k == TOK_INVERTED || k == TOK_PARENT ||
		k == TOK_BLOCK;
}

static struct tok *tok_push(struct compile *c, enum tok_kind kind,
	const char *p, size_t n, int line)
{
	if (c->ntok == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->tok = xrealloc(c->tok, c->cap * sizeof *c->tok);
	}
	struct tok *t = &c->tok[c->ntok++];
	memset(t, 0, sizeof *t);
	t->kind = kind;
	t->p = p;
	t->n = n;
	t->line = line;
	t->indent = "";
	return t;
}

/* Where pre (if not NUL) followed by the n bytes of pat first occurs in
** [p, end); NULL if nowhere. */
static const char *find(const char *p, const char *end, char pre,
	const char *pat, size_t n)
{
	size_t need = n + (pre ? 1 : 0);
	char first = pre ? pre : pat[0];
	while ((size_t)(end - p) >= need) {
		const char *q = memchr(p, first, (size_t)(end - p) - need + 1);
		if (!q)
			return NULL;
		if (memcmp(q + (pre ? 1 : 0), pat, n) == 0)
			return q;
		p = q + 1;
	}
	return NULL;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int count_nl(const char *p, const char *end)
{
	int n = 0;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* A name must be one word; dotted names must not have empty parts. */
static int check_name(struct compile *c, enum tok_kind kind, const char *p,
	size_t n, int line)
{
	if (!n)
		return compile_fail(c, line, "empty %s name", tok_what(kind));
	for (size_t i = 0; i < n; i++) {
		if (is_space(p[i]))
			return compile_fail(c, line, "bad name '%.*s'", (int)n, p);
	}
	if (kind == TOK_VAR || kind == TOK_RAW || kind == TOK_SECTION ||
		kind == TOK_INVERTED) {
		if (n == 1 && p[0] == '.')
			return 0;
		if (p[0] == '.' || p[n - 1] == '.' || find(p, p + n, '.', ".", 1))
			return compile_fail(c, line, "bad name '%.*s'", (int)n, p);
	}
	return 0;
}

/* Parse "{{=<% %>=}}": content holds the two new delimiters. */
static int parse_delim(struct compile *c, const char *p, const char *end,
	int line, const char **otag, size_t *olen, const char **ctag,
	size_t *clen)
{
	const char *w[2];
	size_t wn[2];
	for (int i = 0; i < 2; i++) {
		while (p < end && is_space(*p))
			p++;
		w[i] = p;
		while (p < end && !is_space(*p))
			p++;
		wn[i] = (size_t)(p - w[i]);
		if (!wn[i])
			goto bad;
	}
	while (p < end && is_space(*p))
		p++;
	if (p != end)
		goto bad;
	*otag = w[0];
	*olen = wn[0];
	*ctag = w[1];
	*clen = wn[1];
	return 0;
bad:
	return compile_fail(c, line,
		"bad set-delimiter tag: want two delimiters, as in {{=<%% %%>=}}");
}

/* Pass 1: tokens. */
static int compile_lex(struct compile *c)
{
	const char *p = c->src, *end = c->src + c->len;
	const char *otag = "{{", *ctag = "}}";
	size_t olen = 2, clen = 2;
	int line = 1;

	while (p < end) {
		const char *t = find(p, end, 0, otag, olen);
		const char *stop = t ? t : end;
		while (p < stop) {
			const char *nl = memchr(p, '\n', (size_t)(stop - p));
			const char *e = nl ? nl + 1 : stop;
			tok_push(c, TOK_TEXT, p, (size_t)(e - p), line)->nl = nl != NULL;
			if (nl)
				line++;
			p = e;
		}
		if (!t)
			break;

		const char *q = t + olen;
		char pre = 0;   /* '{' and '=' tags end with it before ctag */
		enum tok_kind kind = TOK_VAR;
		switch (q < end ? *q : 0) {
		case '!': kind = TOK_COMMENT; q++; break;
		case '#': kind = TOK_SECTION; q++; break;
		case '^': kind = TOK_INVERTED; q++; break;
		case '/': kind = TOK_CLOSE; q++; break;
		case '>': kind = TOK_PARTIAL; q++; break;
		case '<': kind = TOK_PARENT; q++; break;
		case '$': kind = TOK_BLOCK; q++; break;
		case '&': kind = TOK_RAW; q++; break;
		case '{': kind = TOK_RAW; pre = '}'; q++; break;
		case '=': kind = TOK_DELIM; pre = '='; q++; break;
		}
		const char *close = find(q, end, pre, ctag, clen);
		if (!close) {
			return compile_fail(c, line, "unclosed tag: '%.*s' without '%s%.*s'",
				(int)olen, otag, pre == '}' ? "}" : pre == '=' ? "=" : "",
				(int)clen, ctag);
		}
		p = close + (pre ? 1 : 0) + clen;

		if (kind == TOK_DELIM) {
			if (parse_delim(c, q, close, line, &otag, &olen, &ctag, &clen))
				return -1;
			tok_push(c, kind, q, (size_t)(close - q), line);
		} else if (kind == TOK_COMMENT) {
			tok_push(c, kind, q, (size_t)(close - q), line);
		} else {
			const char *e = close;
			while (q < e && is_space(*q))
				q++;
			while (e > q && is_space(e[-1]))
				e--;
			if (check_name(c, kind, q, (size_t)(e - q), line))
				return -1;
			tok_push(c, kind, q, (size_t)(e - q), line);
		}
		line += count_nl(t, p);
	}
	return 0;
}

/* Pass 2: pair open and close tags. */
static int compile_match(struct compile *c)
{
	size_t stack[TMPL_MAX_NEST];
	size_t depth = 0;

	for (size_t i = 0; i < c->ntok; i++) {
		struct tok *t = &c->tok[i];
		if (tok_opens(t->kind)) {
			if (depth == TMPL_MAX_NEST) {
				return compile_fail(c, t->line,
					"sections nested more than %d deep", TMPL_MAX_NEST);
			}
			stack[depth++] = i;
		} else if (t->kind == TOK_CLOSE) {
			if (!depth) {
				return compile_fail(c, t->line,
					"close tag '%.*s' without an open section",
					(int)t->n, t->p);
			}
			struct tok *o = &c->tok[stack[--depth]];
			if (o->n != t->n || memcmp(o->p, t->p, t->n) != 0) {
				return compile_fail(c, t->line,
					"close tag '%.*s' does not match %s '%.*s' opened on line %d",
					(int)t->n, t->p, tok_what(o->kind), (int)o->n, o->p,
					o->line);
			}
			t->match = stack[depth];
		}
	}
	if (depth) {
		struct tok *o = &c->tok[stack[depth - 1]];
		return compile_fail(c, o->line, "unclosed %s '%.*s'",
			tok_what(o->kind), (int)o->n, o->p);
	}
	return 0;
}

/* Text made of spaces and tabs, and perhaps a final "\n" or "\r\n". */
static bool tok_blank(const struct tok *t)
{
	size_t n = t->n;
	if (t->nl) {
		n--;
		if (n && t->p[n - 1] == '\r')
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		if (t->p[i] != ' ' && t->p[i] != '\t')
			return false;
	}
	return true;
}

/* Pass 3 for the line made of tokens a..b. The line is standalone when it
** holds at least one tag, no text but whitespace, and no tag that prints
** in place: an interpolation, or a section or block opened and closed on
** this very line (its content is on the line). A parent opened and closed
** on the line is fine: like a partial, it prints whole lines. */
static void standalone_line(struct compile *c, size_t a, size_t b)
{
	bool tags = false;
	for (size_t k = a; k <= b; k++) {
		struct tok *t = &c->tok[k];
		switch (t->kind) {
		case TOK_TEXT:
			if (!tok_blank(t))
				goto inline_line;
			break;
		case TOK_VAR:
		case TOK_RAW:
			goto inline_line;
		case TOK_CLOSE:
			if (t->match >= a && c->tok[t->match].kind != TOK_PARENT)
				goto inline_line;
			tags = true;
			break;
		default:
			tags = true;
			break;
		}
	}
	if (!tags)
		return;
	const struct tok *lead = c->tok[a].kind == TOK_TEXT ? &c->tok[a] : NULL;
	for (size_t k = a; k <= b; k++) {
		struct tok *t = &c->tok[k];
		if (t->kind == TOK_TEXT) {
			t->drop = true;
		} else {
			t->standalone = true;
			if (lead) {
				t->indent = lead->p;
				t->indent_len = lead->n;
			}
		}
	}
	return;

inline_line:
	/* A block preceded on its line by whitespace alone indents the later
	** lines of its replacement by that whitespace. */
	if (a < b && c->tok[a].kind == TOK_TEXT && !c->tok[a].nl &&
		tok_blank(&c->tok[a]) && c->tok[a + 1].kind != TOK_TEXT) {
		c->tok[a + 1].indent = c->tok[a].p;
		c->tok[a + 1].indent_len = c->tok[a].n;
	}
}

static void compile_standalone(struct compile *c)
{
	size_t a = 0;
	for (size_t i = 0; i < c->ntok; i++) {
		const struct tok *t = &c->tok[i];
		if ((t->kind == TOK_TEXT && t->nl) || i + 1 == c->ntok) {
			standalone_line(c, a, i);
			a = i + 1;
		}
	}
}

static struct tmpl_node *node_new(struct compile *c, enum tmpl_op op,
	const struct tok *t)
{
	struct arena *a = c->arena;
	struct tmpl_node *n = arena_calloc(a, sizeof *n);
	n->op = op;
	n->standalone = t->standalone;
	n->indent = t->indent;
	n->indent_len = t->indent_len;
	if (op == TMPL_TEXT) {
		n->text = t->p;
		n->len = t->n;
		return n;
	}
	n->text = arena_strndup(a, t->p, t->n);
	n->len = t->n;
	if (op == TMPL_VAR || op == TMPL_RAW || op == TMPL_SECTION ||
		op == TMPL_INVERTED) {
		if (t->n == 1 && t->p[0] == '.')
			return n;
		n->nparts = 1;
		for (size_t i = 0; i < t->n; i++)
			n->nparts += t->p[i] == '.';
		n->parts = arena_alloc(a, n->nparts * sizeof *n->parts);
		if (n->nparts == 1) {       /* most names: no copy of a copy */
			n->parts[0] = n->text;
			return n;
		}
		const char *p = t->p, *end = t->p + t->n;
		for (size_t i = 0; i < n->nparts; i++) {
			const char *dot = memchr(p, '.', (size_t)(end - p));
			const char *e = dot ? dot : end;
			n->parts[i] = arena_strndup(a, p, (size_t)(e - p));
			p = e + 1;
		}
	}
	return n;
}

/* Pass 4: the tree. Inside a parent only blocks are kept: the spec has the
** rest of a parent's content parsed (so errors show) but ignored. */
static struct tmpl_node *compile_build(struct compile *c)
{
	struct frame {
		struct tmpl_node *node;     /* NULL for the template itself */
		struct tmpl_node **tail;
		struct tmpl_node *last;
	} st[TMPL_MAX_NEST + 1];
	struct tmpl_node *root = NULL;
	size_t sp = 0;

	st[0].node = NULL;
	st[0].tail = &root;
	st[0].last = NULL;
	for (size_t i = 0; i < c->ntok; i++) {
		const struct tok *t = &c->tok[i];
		struct frame *f = &st[sp];
		struct tmpl_node *n;
		if (t->drop || t->kind == TOK_COMMENT || t->kind == TOK_DELIM)
			continue;
		if (t->kind == TOK_CLOSE) {
			sp--;
			continue;
		}
		if (t->kind == TOK_TEXT && f->last && f->last->op == TMPL_TEXT &&
			f->last->text + f->last->len == t->p) {
			f->last->len += t->n;
			continue;
		}
		switch (t->kind) {
		case TOK_TEXT: n = node_new(c, TMPL_TEXT, t); break;
		case TOK_VAR: n = node_new(c, TMPL_VAR, t); break;
		case TOK_RAW: n = node_new(c, TMPL_RAW, t); break;
		case TOK_SECTION: n = node_new(c, TMPL_SECTION, t); break;
		case TOK_INVERTED: n = node_new(c, TMPL_INVERTED, t); break;
		case TOK_PARENT: n = node_new(c, TMPL_PARENT, t); break;
		case TOK_BLOCK: n = node_new(c, TMPL_BLOCK, t); break;
		case TOK_PARTIAL: n = node_new(c, TMPL_PARTIAL, t); break;
		default: continue;
		}
		if (!f->node || f->node->op != TMPL_PARENT || n->op == TMPL_BLOCK) {
			*f->tail = n;
			f->tail = &n->next;
			f->last = n;
		}
		if (tok_opens(t->kind)) {
			sp++;
			st[sp].node = n;
			st[sp].tail = &n->kids;
			st[sp].last = NULL;
		}
	}
	assert(sp == 0);
	return root;
}

/*
** Pass 5: block indentation. The spec removes a block's indentation where
** it is written and adds the indentation of the place it is used. A block
** whose open tag has a line to itself gets its content shifted left by the
** content's common indentation (its "intrinsic" indentation); that
** indentation, or the tag's own when the content is empty, is what gets
** added back to whatever content renders in the block's place. A block
** opened mid-line keeps its content as written; a replacement rendered
** there gets the whitespace that begins the line added to its later lines.
*/

struct measure {
	bool bol;              /* at the start of a line */
	const char *run;       /* whitespace seen so far on this line */
	size_t runlen;
	bool have;             /* some line has been measured */
	const char *res;       /* common indentation of the lines so far */
	size_t reslen;
};

static void measure_line(struct measure *m, const char *p, size_t n)
{
	if (!n)
		p = "";
	if (!m->have) {
		m->have = true;
		m->res = p;
		m->reslen = n;
		return;
	}
	size_t k = 0;
	while (k < n && k < m->reslen && p[k] == m->res[k])
		k++;
	m->reslen = k;
}

/* Find the common indentation of the non-blank lines in the list n. The
** content of parents is left out: overrides fix their own indentation. */
static void measure(const struct tmpl_node *n, struct measure *m)
{
	for (; n; n = n->next) {
		switch (n->op) {
		case TMPL_TEXT:
			for (size_t i = 0; i < n->len; i++) {
				char ch = n->text[i];
				if (!m->bol) {
					if (ch == '\n') {
						m->bol = true;
						m->runlen = 0;
					}
					continue;
				}
				if ((ch == ' ' || ch == '\t') &&
					(!m->runlen || m->run + m->runlen == n->text + i)) {
					if (!m->runlen)
						m->run = n->text + i;
					m->runlen++;
					continue;
				}
				if (ch == '\n' || (ch == '\r' && i + 1 < n->len &&
					n->text[i + 1] == '\n')) {
					m->runlen = 0;   /* a blank line says nothing */
					i += ch == '\r';
					continue;
				}
				measure_line(m, m->run, m->runlen);
				m->bol = false;
				m->runlen = 0;
			}
			break;
		case TMPL_SECTION:
		case TMPL_INVERTED:
			measure(n->kids, m);
			break;
		case TMPL_BLOCK:
			if (n->standalone) {
				measure_line(m, n->indent, n->indent_len);
				m->bol = true;
				m->runlen = 0;
			}
			measure(n->kids, m);
			break;
		case TMPL_PARTIAL:
		case TMPL_PARENT:
			if (n->standalone) {
				measure_line(m, n->indent, n->indent_len);
				m->runlen = 0;
				break;
			}
			/* fall through */
		case TMPL_VAR:
		case TMPL_RAW:
			if (m->bol) {
				measure_line(m, m->run, m->runlen);
				m->bol = false;
				m->runlen = 0;
			}
			break;
		}
	}
}

static void strip_indent(struct tmpl_node *n, const char *pre, size_t plen)
{
	size_t k = 0;
	while (k < plen && k < n->indent_len && n->indent[k] == pre[k])
		k++;
	n->indent += k;
	n->indent_len -= k;
}

/* Remove the prefix pre (whitespace) from every line of the list n. */
static void dedent(struct arena *a, struct tmpl_node *n, const char *pre,
	size_t plen, bool *bol)
{
	for (; n; n = n->next) {
		switch (n->op) {
		case TMPL_TEXT: {
			char *o = arena_alloc(a, n->len);
			size_t w = 0, i = 0;
			while (i < n->len) {
				if (*bol) {
					for (size_t k = 0; k < plen && i < n->len &&
						n->text[i] == pre[k]; k++)
						i++;
					*bol = false;
					continue;
				}
				char ch = n->text[i++];
				o[w++] = ch;
				if (ch == '\n')
					*bol = true;
			}
			n->text = o;
			n->len = w;
			break;
		}
		case TMPL_SECTION:
		case TMPL_INVERTED:
			dedent(a, n->kids, pre, plen, bol);
			break;
		case TMPL_BLOCK:
			strip_indent(n, pre, plen);
			if (n->standalone)
				*bol = true;
			dedent(a, n->kids, pre, plen, bol);
			break;
		case TMPL_PARTIAL:
		case TMPL_PARENT:
			if (n->standalone) {
				strip_indent(n, pre, plen);
				break;
			}
			/* fall through */
		case TMPL_VAR:
		case TMPL_RAW:
			*bol = false;
			break;
		}
	}
}

/* Outer blocks first: a nested block's indentation is measured after the
** enclosing block has been shifted, so it ends up relative to it. */
static void fix_blocks(struct arena *a, struct tmpl_node *n)
{
	for (; n; n = n->next) {
		if (n->op == TMPL_BLOCK && n->standalone) {
			struct measure m = { .bol = true };
			measure(n->kids, &m);
			if (m.have) {
				if (m.reslen) {
					bool bol = true;
					dedent(a, n->kids, m.res, m.reslen, &bol);
				}
				n->indent = m.res;
				n->indent_len = m.reslen;
			}
		}
		fix_blocks(a, n->kids);
	}
}

static void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	free(t->name);
	free(t);
}

/* Compile src into a new template kept in arena a, or return NULL with
** err set. */
static struct tmpl *tmpl_compile(struct arena *a, const char *errname,
	const char *src, size_t len, char *err, size_t errlen)
{
	if (len > UINT32_MAX) {     /* the nodes keep 32-bit sizes */
		if (err && errlen)
			snprintf(err, errlen, "%s: the template is too large", errname);
		return NULL;
	}
	struct compile c;
	struct tmpl *t = xrealloc(NULL, sizeof *t);

	memset(&c, 0, sizeof c);
	memset(t, 0, sizeof *t);
	c.arena = a;
	c.errname = errname;
	c.err = err;
	c.errlen = errlen;
	c.t = t;
	c.src = arena_strndup(a, src, len);
	c.len = len;
	if (compile_lex(&c) || compile_match(&c)) {
		tmpl_free(t);
		t = NULL;
		goto cleanup;
	}
	compile_standalone(&c);
	t->root = compile_build(&c);
	fix_blocks(a, t->root);

cleanup:
	free(c.tok);
	return t;
}

/*
** Sets
*/

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static struct tmpl *set_find(const struct tmpl_set *set, const char *name)
{
	uint32_t h = name_hash(name);
	for (size_t i = 0; i < set->n; i++) {
		if (set->v[i]->hash == h && strcmp(set->v[i]->name, name) == 0)
			return set->v[i];
	}
	return NULL;
}

/*
** A new empty set; free it with tmpl_set_free. Never returns NULL (running
** out of memory aborts, as in arena.c).
*/
struct tmpl_set *tmpl_set_new(void)
{
	struct tmpl_set *set = xrealloc(NULL, sizeof *set);
	memset(set, 0, sizeof *set);
	arena_init(&set->arena, 64 * 1024);
	return set;
}

static int set_add(struct tmpl_set *set, const char *name, const char *errname,
	const char *src, size_t len, char *err, size_t errlen)
{
	struct tmpl *t = tmpl_compile(&set->arena, errname, src, len, err, errlen);
	if (!t)
		return -1;
	t->name = xrealloc(NULL, strlen(name) + 1);
	strcpy(t->name, name);
	t->hash = name_hash(name);
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->v[i]->name, name) == 0) {
			tmpl_free(set->v[i]);
			set->v[i] = t;
			return 0;
		}
	}
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 16;
		set->v = xrealloc(set->v, set->cap * sizeof *set->v);
	}
	set->v[set->n++] = t;
	return 0;
}

/*
** Compile the len bytes at src (need not be NUL-terminated; the set keeps
** its own copy) under name, replacing a template of the same name. On a
** syntax error the set is unchanged and err gets "name:line: what".
** Returns 0 or -1.
*/
int tmpl_set_add(struct tmpl_set *set, const char *name, const char *src,
	size_t len, char *err, size_t errlen)
{
	return set_add(set, name, name, src, len, err, errlen);
}

/* Read the whole file at path into out; -1 with errno set on failure. */
static int read_file(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "rb");
	int rc = 0;
	if (!f)
		return -1;
	for (;;) {
		char *p = buf_reserve(out, 8192);
		size_t n = fread(p, 1, 8192, f);
		out->len += n;
		out->data[out->len] = '\0';
		if (n < 8192)
			break;
	}
	if (ferror(f)) {
		rc = -1;
		if (!errno)
			errno = EIO;
	}
	fclose(f);
	return rc;
}

/*
** Compile every "*.mustache" file in dir, named by the file name without
** the extension. Files whose names begin with '.' (editor droppings) and
** entries that are not regular files are skipped. Files are read in name
** order and loading stops at the first error, which is reported as
** "dir/file.mustache:line: what" (or the system's message for I/O
** errors). Returns 0 or -1; templates loaded before an error stay in the
** set.
*/
int tmpl_set_load_dir(struct tmpl_set *set, const char *dir, char *err,
	size_t errlen)
{
	static const char ext[] = ".mustache";
	const size_t extlen = sizeof ext - 1;
	struct dirent **ents = NULL;
	struct buf path = BUF_INIT, src = BUF_INIT;
	int n, rc = 0;

	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *fname = ents[i]->d_name;
		size_t flen = strlen(fname);
		struct stat st;
		char name[256];

		if (fname[0] == '.' || flen <= extlen ||
			strcmp(fname + flen - extlen, ext) != 0)
			continue;
		buf_clear(&path);
		buf_printf(&path, "%s/%s", dir, fname);
		if (stat(path.data, &st) == 0 && !S_ISREG(st.st_mode))
			continue;
		buf_clear(&src);
		errno = 0;
		if (read_file(path.data, &src)) {
			if (err && errlen)
				snprintf(err, errlen, "%s: %s", path.data, strerror(errno));
			rc = -1;
			goto cleanup;
		}
		memcpy(name, fname, flen - extlen);
		name[flen - extlen] = '\0';
		if (set_add(set, name, path.data, buf_str(&src), src.len, err,
			errlen)) {
			rc = -1;
			goto cleanup;
		}
	}

cleanup:
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	buf_free(&path);
	buf_free(&src);
	return rc;
}

/*
** True when the set holds a template called name.
*/
bool tmpl_set_has(const struct tmpl_set *set, const char *name)
{
	return set_find(set, name) != NULL;
}

/*
** Free the set and all its templates. NULL is fine.
*/
void tmpl_set_free(struct tmpl_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		tmpl_free(set->v[i]);
	free(set->v);
	arena_free(&set->arena);
	free(set);
}

/*
** Rendering
*/

/* The context stack: innermost first. */
struct ctx {
	const struct tv *v;
	const struct ctx *up;
};

/* Block overrides in force: one frame per parent tag being rendered,
** innermost first. The outermost frame that overrides a block wins. */
struct ovr {
	const struct tmpl_node *parent;
	const struct ovr *up;
};

struct render {
	const struct tmpl_set *set;
	struct arena *scratch;
	struct buf *out;
	size_t start;            /* out->len before rendering */
	const char *indent;      /* prefix of every template line; never NULL */
	size_t indent_len;
	bool bol;                /* the last template text ended a line */
	int includes;            /* nested partials, parents, substitutions */
	int depth;               /* nested node lists */
	unsigned long steps;     /* node lists entered */
	bool failed;             /* a limit was hit */
	bool plain;              /* text, not HTML: {{x}} is not escaped */
};

static void render_list(struct render *r, const struct tmpl_node *n,
	const struct ctx *c, const struct ovr *o);

/* Template text: indentation goes before each line that has something on
** it, so blank lines carry no trailing whitespace. */
static void emit_text(struct render *r, const char *s, size_t n)
{
	if (!n)
		return;
	if (!r->indent_len) {
		buf_append(r->out, s, n);
		r->bol = s[n - 1] == '\n';
		return;
	}
	const char *end = s + n;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl + 1 : end;
		if (r->bol && *s != '\n' && !(*s == '\r' && e - s == 2 && nl))
			buf_append(r->out, r->indent, r->indent_len);
		buf_append(r->out, s, (size_t)(e - s));
		r->bol = nl != NULL;
		s = e;
	}
}

/* Data: newlines in it do not start template lines, so never indented. */
static void emit_value(struct render *r, const struct tv *v, bool escape)
{
	const char *s;
	size_t n;

	if (!v)
		return;
	switch (v->kind) {
	case TV_STR:
		if (!v->s)
			return;
		s = v->s;
		n = v->len;
		break;
	case TV_BOOL:
		s = v->b ? "true" : "false";
		n = strlen(s);
		break;
	default:
		return;   /* null, lists and objects print nothing */
	}
	if (!n)
		return;
	if (r->bol && r->indent_len)
		buf_append(r->out, r->indent, r->indent_len);
	r->bol = false;
	if (escape && !r->plain)
		tmpl_escape_html(r->out, s, n);
	else
		buf_append(r->out, s, n);
}

/* Resolve a name the spec's way: the first part in the innermost context
** that has it as a key, the other parts only inside that value. */
static const struct tv *lookup(const struct tmpl_node *n, const struct ctx *c)
{
	const struct tv *v = NULL;

	if (!n->nparts)
		return c ? c->v : NULL;
	for (; c; c = c->up) {
		if (obj_find(c->v, n->parts[0], &v))
			break;
	}
	if (!c)
		return NULL;
	for (size_t i = 1; i < n->nparts && v; i++) {
		if (!obj_find(v, n->parts[i], &v))
			return NULL;
	}
	return v;
}

/* Falsy: missing, null, false, "" and []. An empty string is falsy (as in
** JavaScript, the spec's own example of truthiness) because tv_str turns a
** NULL column into "", and {{#note}}...{{/note}} should then hide. */
static bool truthy(const struct tv *v)
{
	if (!v)
		return false;
	switch (v->kind) {
	case TV_NULL: return false;
	case TV_BOOL: return v->b;
	case TV_STR: return v->len > 0;
	case TV_LIST: return v->len > 0;
	case TV_OBJ: return true;
	}
	return false;
}

static void indent_push(struct render *r, const char *s, size_t n)
{
	if (!n)
		return;
	char *p = arena_alloc(r->scratch, r->indent_len + n);
	memcpy(p, r->indent, r->indent_len);
	memcpy(p + r->indent_len, s, n);
	r->indent = p;
	r->indent_len += n;
}

/* Render body in place of node n (a partial, a parent or a block), with
** the extra indentation ind. */
static void render_include(struct render *r, const struct tmpl_node *body,
	const char *ind, size_t indlen, const struct ctx *c, const struct ovr *o)
{
	const char *saved = r->indent;
	size_t saved_len = r->indent_len;

	if (r->includes >= TMPL_MAX_INCLUDE) {
		r->failed = true;
		return;
	}
	indent_push(r, ind, indlen);
	r->includes++;
	render_list(r, body, c, o);
	r->includes--;
	r->indent = saved;
	r->indent_len = saved_len;
}

/* The override of block name: the outermost frame that has one. */
static const struct tmpl_node *find_override(const struct ovr *o,
	const char *name)
{
	const struct tmpl_node *best = NULL;
	for (; o; o = o->up) {
		for (const struct tmpl_node *b = o->parent->kids; b; b = b->next) {
			if (strcmp(b->text, name) == 0) {
				best = b;
				break;
			}
		}
	}
	return best;
}

static void render_node(struct render *r, const struct tmpl_node *n,
	const struct ctx *c, const struct ovr *o)
{
	const struct tv *v;
	const struct tmpl *t;

	switch (n->op) {
	case TMPL_TEXT:
		emit_text(r, n->text, n->len);
		break;
	case TMPL_VAR:
	case TMPL_RAW:
		emit_value(r, lookup(n, c), n->op == TMPL_VAR);
		break;
	case TMPL_SECTION:
		v = lookup(n, c);
		if (!truthy(v))
			break;
		if (v->kind == TV_LIST) {
			for (size_t i = 0; i < v->len && !r->failed; i++) {
				struct ctx item = { v->items[i], c };
				render_list(r, n->kids, &item, o);
			}
		} else {
			struct ctx item = { v, c };
			render_list(r, n->kids, &item, o);
		}
		break;
	case TMPL_INVERTED:
		if (!truthy(lookup(n, c)))
			render_list(r, n->kids, c, o);
		break;
	case TMPL_PARTIAL:
		/* Overrides in force flow into partials: the spec makes a
		** partial the same as a parent with no overrides. */
		t = set_find(r->set, n->text);
		if (t)
			render_include(r, t->root, n->indent,
				n->standalone ? n->indent_len : 0, c, o);
		break;
	case TMPL_PARENT: {
		struct ovr frame = { n, o };
		t = set_find(r->set, n->text);
		if (t)
			render_include(r, t->root, n->indent,
				n->standalone ? n->indent_len : 0, c, &frame);
		break;
	}
	case TMPL_BLOCK: {
		const struct tmpl_node *b = find_override(o, n->text);
		if (b)
			render_include(r, b->kids, n->indent, n->indent_len, c, o);
		else if (n->standalone)
			render_include(r, n->kids, n->indent, n->indent_len, c, o);
		else
			render_list(r, n->kids, c, o);
		break;
	}
	}
}

static void render_list(struct render *r, const struct tmpl_node *n,
	const struct ctx *c, const struct ovr *o)
{
	if (r->failed)
		return;
	if (++r->steps > TMPL_MAX_STEPS || r->depth >= TMPL_MAX_DEPTH ||
		r->out->len - r->start > TMPL_MAX_OUTPUT) {
		r->failed = true;
		return;
	}
	r->depth++;
	for (; n && !r->failed; n = n->next)
		render_node(r, n, c, o);
	r->depth--;
}

/*
** Render template name with view as the root context (NULL: no data) and
** append the result to out. Missing partials and parents render as empty.
** Returns -1, with out as it was, when no template has that name or when
** the render runs away: partials, parents and block substitutions nested
** more than 64 deep (a template that includes itself unconditionally),
** or an expansion far beyond any real page. scratch holds indentation
** strings while rendering; NULL makes tmpl_render use a private arena.
*/
static int render_as(const struct tmpl_set *set, const char *name,
	const struct tv *view, struct arena *scratch, struct buf *out, bool plain)
{
	const struct tmpl *t = set_find(set, name);
	struct arena own;
	struct render r;
	struct ctx root = { view, NULL };

	if (!t)
		return -1;
	if (!scratch) {
		arena_init(&own, 1024);
		scratch = &own;
	}
	memset(&r, 0, sizeof r);
	r.set = set;
	r.scratch = scratch;
	r.out = out;
	r.start = out->len;
	r.indent = "";
	r.bol = true;
	r.plain = plain;
	render_list(&r, t->root, view ? &root : NULL, NULL);
	if (scratch == &own)
		arena_free(&own);
	if (r.failed) {
		out->len = r.start;
		if (out->data)
			out->data[out->len] = '\0';
		return -1;
	}
	return 0;
}

int tmpl_render(const struct tmpl_set *set, const char *name,
	const struct tv *view, struct arena *scratch, struct buf *out)
{
	return render_as(set, name, view, scratch, out, false);
}

int tmpl_render_text(const struct tmpl_set *set, const char *name,
	const struct tv *view, struct arena *scratch, struct buf *out)
{
	return render_as(set, name, view, scratch, out, true);
}

static const char *first_unknown(const struct tmpl_node *n,
	bool (*known)(const char *name, void *data), void *data)
{
	for (; n; n = n->next) {
		bool named = n->op == TMPL_VAR || n->op == TMPL_RAW || n->op == TMPL_SECTION
			|| n->op == TMPL_INVERTED;
		if (named && n->nparts && !known(n->parts[0], data))
			return n->parts[0];
		const char *kid = first_unknown(n->kids, known, data);
		if (kid)
			return kid;
	}
	return NULL;
}

const char *tmpl_first_unknown_name(const struct tmpl_set *set, const char *name,
	bool (*known)(const char *name, void *data), void *data)
{
	const struct tmpl *t = set_find(set, name);
	return t ? first_unknown(t->root, known, data) : NULL;
}
