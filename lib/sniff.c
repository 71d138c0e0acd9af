/*
** sniff.c: the shared libmagic handle. See sniff.h.
*/
#include "sniff.h"

#include <errno.h>
#include <magic.h>
#include <stdio.h>
#include <string.h>

/* Opened on first use and kept for the life of the process: loading the
** compiled magic database costs milliseconds and a few megabytes, too much
** for every upload. Sharing it between requests is safe: the database is
** read once into memory at magic_load() and never changes while we run
** (a package upgrade replaces the file on disk, and workers are restarted
** with the service), and magic_buffer() carries nothing from one call to
** the next except its result text, which callers use before the next call.
** A failed open is not remembered, so the next upload tries again. */
static magic_t sniffer;

static magic_t sniffer_get(const char *who)
{
	if (sniffer)
		return sniffer;
	/* MAGIC_NO_COMPRESS_FORK: never run a decompressor program from a
	** worker, whatever the flags may become. */
	magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_COMPRESS_FORK);
	if (!m) {
		fprintf(stderr, "carrel: %s: magic_open: %s\n", who, strerror(errno));
		return NULL;
	}
	if (magic_load(m, NULL) != 0) {
		fprintf(stderr, "carrel: %s: magic_load: %s\n", who, magic_error(m));
		magic_close(m);
		return NULL;
	}
	sniffer = m;
	return m;
}

const char *sniff_mime(const void *data, size_t len, const char *who)
{
	magic_t m = sniffer_get(who);
	if (!m)
		return NULL;
	const char *mime = magic_buffer(m, data, len);
	if (!mime)
		fprintf(stderr, "carrel: %s: magic_buffer: %s\n", who, magic_error(m));
	return mime;
}
