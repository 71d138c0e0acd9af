/*
** sniff.h: what a file really is, judged by libmagic on its bytes (never
** by its name or the browser's word): the one libmagic handle every kind
** of upload (covers, e-books) shares.
*/
#ifndef CARREL_SNIFF_H
#define CARREL_SNIFF_H

#include <stddef.h>

/* The MIME type of data ("image/png", "application/pdf", ...), or NULL
** when libmagic cannot be used (the reason goes to stderr, the worker's
** log, under who's name). The text lives until the next call. Not
** thread-safe (workers are single-threaded processes). */
const char *sniff_mime(const void *data, size_t len, const char *who);

#endif
