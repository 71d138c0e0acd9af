/*
** template.h: mustache templates (the official spec: comments, delimiters,
** interpolation, sections, inverted sections, partials, inheritance).
**
** Data handed to a template is a small tree of tv values (strings, booleans,
** lists, objects) allocated on an arena. Handlers build one per request:
**
**     struct tv *view = tv_obj(arena);
**     tv_set_str(view, "name", member->name);
**     struct tv *loans = tv_set_list(view, "loans");
**     ...
**     tmpl_render(set, "account", view, arena, &out);
**
** Templates are compiled once (tmpl_set_load_dir at worker start) and
** rendered many times; compiled templates are read-only after loading.
** {{x}} is HTML-escaped (& < > " ' ), {{{x}}} and {{&x}} are not.
*/
#ifndef CARREL_TEMPLATE_H
#define CARREL_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

enum tv_kind { TV_NULL, TV_BOOL, TV_STR, TV_LIST, TV_OBJ };

struct tv_pair;

struct tv {
	enum tv_kind kind;
	bool b;                  /* TV_BOOL */
	const char *s;           /* TV_STR (NUL-terminated) */
	size_t len;              /* TV_STR length; TV_LIST item count; TV_OBJ pair count */
	struct tv **items;       /* TV_LIST */
	struct tv_pair *pairs;   /* TV_OBJ, in insertion order */
	size_t cap;              /* allocated slots in items or pairs */
	struct arena *arena;     /* where lists and objects grow */
};

struct tv_pair {
	const char *key;
	struct tv *val;
};

struct tv *tv_null(struct arena *a);
struct tv *tv_bool(struct arena *a, bool b);
/* The string is copied into the arena; NULL becomes "". */
struct tv *tv_str(struct arena *a, const char *s);
struct tv *tv_strn(struct arena *a, const char *s, size_t n);
struct tv *tv_int(struct arena *a, long long n);
struct tv *tv_list(struct arena *a);
struct tv *tv_obj(struct arena *a);

/* Append to a list. */
void tv_push(struct tv *list, struct tv *val);
/* Set key in an object (replacing an earlier value of the same key); the key
** is copied. Returns val. */
struct tv *tv_set(struct tv *obj, const char *key, struct tv *val);
void tv_set_str(struct tv *obj, const char *key, const char *s);
void tv_set_int(struct tv *obj, const char *key, long long n);
void tv_set_bool(struct tv *obj, const char *key, bool b);
/* Create, set and return a new empty list or object under key. */
struct tv *tv_set_list(struct tv *obj, const char *key);
struct tv *tv_set_obj(struct tv *obj, const char *key);
/* Look key up in obj (not in parents); NULL when absent or obj not TV_OBJ. */
struct tv *tv_get(const struct tv *obj, const char *key);

struct tmpl;       /* one compiled template */
struct tmpl_set;   /* named templates; partials are looked up by name here */

/* A new empty set. */
struct tmpl_set *tmpl_set_new(void);

/* Compile src under name into the set (replacing one of the same name).
** Returns 0, or -1 with a message "name:line: what" in err (errlen bytes). */
int tmpl_set_add(struct tmpl_set *set, const char *name, const char *src,
	size_t len, char *err, size_t errlen);

/* Compile every *.mustache file in dir; a file "_nav.mustache" is named
** "_nav". Returns 0, or -1 with the first error in err. */
int tmpl_set_load_dir(struct tmpl_set *set, const char *dir, char *err,
	size_t errlen);

/* True when the set holds a template of that name. */
bool tmpl_set_has(const struct tmpl_set *set, const char *name);

/* Render template name with view (the root context) and append the output
** to out. A missing partial renders as empty, as the spec says. Returns 0,
** or -1 with out unchanged when no template has that name or when the
** template runs away (partials nested over 64 deep, as in a partial that
** includes itself unconditionally). scratch is used for temporary memory
** during rendering. */
int tmpl_render(const struct tmpl_set *set, const char *name,
	const struct tv *view, struct arena *scratch, struct buf *out);

/* The same for text that is not HTML (an email's plain part, a subject,
** a text message): {{x}} is written as it is, like {{{x}}}. */
int tmpl_render_text(const struct tmpl_set *set, const char *name,
	const struct tv *view, struct arena *scratch, struct buf *out);

/* The first name used by template name ({{x}}, {{#x}}, {{^x}}; the first
** part of a dotted name) for which known() says false, or NULL when every
** name is known. Lets an editor of a template be told about a misspelt
** field, which mustache itself would silently render as nothing. */
const char *tmpl_first_unknown_name(const struct tmpl_set *set, const char *name,
	bool (*known)(const char *name, void *data), void *data);

/* Release the set and every template in it. */
void tmpl_set_free(struct tmpl_set *set);

/* Append s to out with & < > " ' replaced by entities. */
void tmpl_escape_html(struct buf *out, const char *s, size_t len);

#endif
