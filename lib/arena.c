/*
** arena.c: chunked bump allocator and growable buffers. See arena.h.
*/
#include "arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_CHUNK (16 * 1024)

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;                 /* usable bytes in data[] */
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fputs("carrel: out of memory\n", stderr);
		abort();
	}
	return p;
}

static struct arena_chunk *chunk_new(size_t size)
{
	struct arena_chunk *c = xmalloc(sizeof *c + size);
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

void arena_init(struct arena *a, size_t chunk_size)
{
	a->head = NULL;
	a->chunk_size = chunk_size ? chunk_size : ARENA_DEFAULT_CHUNK;
	a->used_total = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (need == 0)
		need = ARENA_ALIGN;
	struct arena_chunk *c = a->head;
	if (!c || c->size - c->used < need) {
		/* Big requests get a chunk of their own so the current chunk's
		** free space is not wasted. */
		size_t size = need > a->chunk_size / 4 ? need : a->chunk_size;
		struct arena_chunk *fresh = chunk_new(size);
		if (c && size == need) {
			fresh->next = c->next;
			c->next = fresh;
			c = fresh;
		} else {
			fresh->next = c;
			a->head = fresh;
			c = fresh;
		}
	}
	void *p = c->data + c->used;
	c->used += need;
	a->used_total += need;
	return p;
}

void *arena_calloc(struct arena *a, size_t n)
{
	void *p = arena_alloc(a, n);
	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s ? s : "", s ? strlen(s) : 0);
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return arena_strdup(a, "");
	char *p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

void arena_reset(struct arena *a)
{
	struct arena_chunk *keep = NULL;
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		/* Keep one standard-sized chunk; free the rest. */
		if (!keep && c->size == a->chunk_size) {
			keep = c;
		} else {
			free(c);
		}
		c = next;
	}
	if (keep) {
		keep->next = NULL;
		keep->used = 0;
	}
	a->head = keep;
	a->used_total = 0;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used_total = 0;
}

char *buf_reserve(struct buf *b, size_t n)
{
	if (b->cap - b->len < n + 1 || !b->data) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap - b->len < n + 1) {
			if (cap > SIZE_MAX / 2) {
				fputs("carrel: buffer too large\n", stderr);
				abort();
			}
			cap *= 2;
		}
		char *p = realloc(b->data, cap);
		if (!p) {
			fputs("carrel: out of memory\n", stderr);
			abort();
		}
		b->data = p;
		b->cap = cap;
	}
	return b->data + b->len;
}

void buf_append(struct buf *b, const void *data, size_t n)
{
	char *p = buf_reserve(b, n);
	if (n)
		memcpy(p, data, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap, copy;
	va_start(ap, fmt);
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n > 0) {
		char *p = buf_reserve(b, (size_t)n);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		b->len += (size_t)n;
	}
	va_end(ap);
}

void buf_clear(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int buf_read_file(struct buf *b, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(b, chunk, n);
	int failed = ferror(f);
	fclose(f);
	buf_append(b, "", 0);   /* a NUL even for an empty file */
	return failed ? -1 : 0;
}

const char *buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}
