/*
** arena.h: per-request memory and growable byte buffers.
**
** An arena hands out memory that is released all at once by arena_reset()
** or arena_free(). Workers keep one arena and reset it after every
** request, so nothing allocated while serving a request outlives it.
**
** A buf is a growable, always NUL-terminated byte string. A buf lives on
** the heap (not on an arena) because response bodies can grow large and
** are reused from one request to the next.
**
** Allocation failure is fatal for the process (abort): a worker that cannot
** get memory cannot render even an error page, and the master re-forks it.
*/
#ifndef CARREL_ARENA_H
#define CARREL_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;   /* newest chunk first */
	size_t chunk_size;          /* default size of a new chunk */
	size_t used_total;          /* bytes handed out since the last reset */
};

/* Set up an empty arena; chunk_size 0 picks a default (16 KiB). */
void arena_init(struct arena *a, size_t chunk_size);

/* Allocate n bytes aligned for any type; never returns NULL. */
void *arena_alloc(struct arena *a, size_t n);

/* Allocate n zeroed bytes. */
void *arena_calloc(struct arena *a, size_t n);

/* Copy the string s (or its first n bytes) into the arena, NUL-terminated. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* printf into fresh arena memory. */
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

/* Release everything allocated since init or the last reset; the first
** chunk is kept for reuse so a steady worker does not touch malloc. */
void arena_reset(struct arena *a);

/* Release all memory of the arena. */
void arena_free(struct arena *a);

struct buf {
	char *data;   /* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_append(struct buf *b, const void *data, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Make room for n more bytes; returns where they go (caller adds to len). */
char *buf_reserve(struct buf *b, size_t n);
/* Empty the buffer but keep its memory. */
void buf_clear(struct buf *b);
/* Release the buffer's memory. */
void buf_free(struct buf *b);
/* Append the whole file at path. Returns 0, or -1 (errno set) when it
** cannot be read. */
int buf_read_file(struct buf *b, const char *path);
/* The contents as a C string ("" when empty). */
const char *buf_str(const struct buf *b);

#endif
