/*
** cover.h: book cover images uploaded by librarians, checked by content
** and stored by content.
**
** A cover lives once under <uploads>/covers/ as <hash>.<jpg|png|webp>,
** where hash is the hex BLAKE2b-256 of its bytes. The same image uploaded
** twice, or for two editions, is one file, and a name never changes what it
** points at, so nginx can serve covers with a long cache lifetime and a
** title row keeps only the file name. Nothing here knows about titles or
** the database: removing a file no title uses any more is the caller's job.
**
** Only JPEG, PNG and WebP are accepted, judged by libmagic on the bytes,
** never by the file name or the browser's Content-Type: what we store is
** served back to every patron's browser, and SVG (script) or anything a
** browser might sniff into HTML must never get in.
*/
#ifndef CARREL_COVER_H
#define CARREL_COVER_H

#include <stdbool.h>
#include <stddef.h>

#define COVER_MAX_BYTES (5 * 1024 * 1024)
#define COVER_NAME_MAX 80

/* Check that data really is a JPEG, PNG or WebP image (by its content, with
** libmagic, never by the file name or the browser's content type) of at
** most max_len bytes, and store it as <uploads>/covers/<hash>.<jpg|png|webp>,
** where hash is the hex BLAKE2b-256 (libsodium crypto_generichash) of the
** content: the same image uploaded twice is stored once. uploads_dir and
** its covers folder are created (mode 0755) when missing; the file is
** written to a temporary in the same folder, fsynced, given mode 0644
** (nginx serves it, possibly as another user) and renamed into place, so
** a reader never sees half a cover.
**
** Writes the file name (not the path) to name_out and returns 0; or sets
** name_out to "", *error to a message for the librarian, and returns -1:
**   "The cover file is empty."
**   "The cover image is too large: 20.0 MB; the limit is 5 MB."
**   "The cover must be a JPEG, PNG or WebP image; this file is a GIF image."
**   "The cover could not be saved; please try again." (I/O; details go to
**   stderr, the worker log).
** Nothing is written when it fails. *error is static text or, for the
** messages with a size or an unusual file type in them, a per-process
** buffer that the next call overwrites: copy it (arena_strdup) before
** calling again. On success *error is NULL.
**
** The caller must have initialised libsodium (sodium_init), as every
** Carrel entry point does at start-up. Not thread-safe (workers are
** single-threaded processes): the libmagic handle is opened on first use
** and kept for the life of the process. */
int cover_store(const char *uploads_dir, const void *data, size_t len,
	size_t max_len, char name_out[COVER_NAME_MAX], const char **error);

/* True when name is a file name cover_store could have produced: 64
** lowercase hex digits, a dot, and jpg, png or webp, nothing else. Check a
** stored value with it before building a path or a URL from it. NULL is
** not valid. */
bool cover_name_valid(const char *name);

#endif
