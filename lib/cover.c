/*
** cover.c: checking and storing uploaded cover images. See cover.h.
*/
#include "cover.h"
#include "sniff.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COVER_WANT "The cover must be a JPEG, PNG or WebP image; "
#define COVER_IO_ERROR "The cover could not be saved; please try again."
#define COVER_HASH_BYTES 32

/* A kind of image we accept. looks_like checks the first bytes ourselves:
** libmagic's own tests are short (two bytes for JPEG, "RIFF....WEBP" for
** WebP), and a second, independent opinion costs nothing. */
struct cover_kind {
	const char *mime;
	const char *ext;
	const char *damaged;   /* refusal when libmagic and the bytes disagree */
	bool (*looks_like)(const unsigned char *p, size_t len);
};

static bool cover_looks_jpeg(const unsigned char *p, size_t len)
{
	/* SOI, then a marker (APP0 JFIF, APP1 Exif, DQT...) or a fill byte. */
	return len >= 4 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF &&
		p[3] >= 0xC0;
}

static bool cover_looks_png(const unsigned char *p, size_t len)
{
	/* The signature, then the IHDR chunk that must come first. */
	return len >= 16 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0 &&
		memcmp(p + 12, "IHDR", 4) == 0;
}

static bool cover_looks_webp(const unsigned char *p, size_t len)
{
	/* RIFF container of form WEBP whose first chunk is lossy (VP8 ),
	** lossless (VP8L) or extended (VP8X). */
	return len >= 16 && memcmp(p, "RIFF", 4) == 0 &&
		memcmp(p + 8, "WEBPVP8", 7) == 0 &&
		(p[15] == ' ' || p[15] == 'L' || p[15] == 'X');
}

static const struct cover_kind cover_kinds[] = {
	{ "image/jpeg", "jpg", COVER_WANT "this file is not a valid JPEG image.",
	  cover_looks_jpeg },
	{ "image/png", "png", COVER_WANT "this file is not a valid PNG image.",
	  cover_looks_png },
	{ "image/webp", "webp", COVER_WANT "this file is not a valid WebP image.",
	  cover_looks_webp },
};

/* What to tell a librarian whose file is something else, in plain words.
** A mime ending in '/' matches the whole family. First match wins. */
static const struct {
	const char *mime;
	const char *message;
} cover_refusals[] = {
	{ "image/gif", COVER_WANT "this file is a GIF image." },
	{ "image/bmp", COVER_WANT "this file is a BMP image." },
	{ "image/x-ms-bmp", COVER_WANT "this file is a BMP image." },
	{ "image/tiff", COVER_WANT "this file is a TIFF image." },
	{ "image/svg+xml", COVER_WANT "this file is an SVG drawing." },
	{ "image/heic", COVER_WANT "this file is a HEIC photo." },
	{ "image/heif", COVER_WANT "this file is a HEIF photo." },
	{ "image/heic-sequence", COVER_WANT "this file is a HEIC photo." },
	{ "image/heif-sequence", COVER_WANT "this file is a HEIF photo." },
	{ "image/avif", COVER_WANT "this file is an AVIF image." },
	{ "image/jxl", COVER_WANT "this file is a JPEG XL image." },
	{ "image/jp2", COVER_WANT "this file is a JPEG 2000 image." },
	{ "image/jpx", COVER_WANT "this file is a JPEG 2000 image." },
	{ "image/jpm", COVER_WANT "this file is a JPEG 2000 image." },
	{ "image/x-icon", COVER_WANT "this file is an icon." },
	{ "image/vnd.microsoft.icon", COVER_WANT "this file is an icon." },
	{ "image/vnd.adobe.photoshop", COVER_WANT "this file is a Photoshop document." },
	{ "application/pdf", COVER_WANT "this file is a PDF document." },
	{ "application/postscript", COVER_WANT "this file is a PostScript document." },
	{ "text/html", COVER_WANT "this file is a web page." },
	{ "text/plain", COVER_WANT "this file is plain text." },
	{ "application/zip", COVER_WANT "this file is a ZIP archive." },
	{ "application/gzip", COVER_WANT "this file is a compressed (gzip) file." },
	{ "application/x-gzip", COVER_WANT "this file is a compressed (gzip) file." },
	{ "application/x-rar", COVER_WANT "this file is a RAR archive." },
	{ "application/vnd.rar", COVER_WANT "this file is a RAR archive." },
	{ "application/x-7z-compressed", COVER_WANT "this file is a 7-Zip archive." },
	{ "application/x-tar", COVER_WANT "this file is a tar archive." },
	{ "application/msword", COVER_WANT "this file is a word-processor document." },
	{ "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	  COVER_WANT "this file is a word-processor document." },
	{ "application/vnd.oasis.opendocument.text",
	  COVER_WANT "this file is a word-processor document." },
	{ "application/vnd.ms-excel", COVER_WANT "this file is a spreadsheet." },
	{ "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	  COVER_WANT "this file is a spreadsheet." },
	{ "application/vnd.oasis.opendocument.spreadsheet",
	  COVER_WANT "this file is a spreadsheet." },
	{ "application/vnd.ms-powerpoint", COVER_WANT "this file is a presentation." },
	{ "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	  COVER_WANT "this file is a presentation." },
	{ "application/x-executable", COVER_WANT "this file is a program." },
	{ "application/x-pie-executable", COVER_WANT "this file is a program." },
	{ "application/x-sharedlib", COVER_WANT "this file is a program." },
	{ "application/x-dosexec", COVER_WANT "this file is a program." },
	{ "application/x-mach-binary", COVER_WANT "this file is a program." },
	{ "application/octet-stream",
	  COVER_WANT "the kind of this file could not be recognised." },
	{ "text/", COVER_WANT "this file is a text file." },
	{ "video/", COVER_WANT "this file is a video." },
	{ "audio/", COVER_WANT "this file is a sound recording." },
	{ "font/", COVER_WANT "this file is a font." },
};

/* Messages that carry a size or a type name. Workers handle one request at
** a time and cover.h tells callers to copy it before the next call. */
static char cover_msg[200];

/* The refusal for a file libmagic calls mime; never NULL. */
static const char *cover_refusal(const char *mime)
{
	size_t n = sizeof cover_refusals / sizeof cover_refusals[0];
	for (size_t i = 0; i < n; i++) {
		const char *m = cover_refusals[i].mime;
		size_t mlen = strlen(m);
		bool family = m[mlen - 1] == '/';
		if (family ? strncmp(mime, m, mlen) == 0 : strcmp(mime, m) == 0)
			return cover_refusals[i].message;
	}
	if (strncmp(mime, "image/", 6) == 0)
		snprintf(cover_msg, sizeof cover_msg,
			COVER_WANT "this file is an image of another kind (%.60s).",
			mime + 6);
	else
		snprintf(cover_msg, sizeof cover_msg,
			COVER_WANT "this file is of another kind (%.60s).", mime);
	return cover_msg;
}

/* The kind of data, or NULL with *error set. */
static const struct cover_kind *cover_identify(const void *data, size_t len,
	const char **error)
{
	const char *mime = sniff_mime(data, len, "cover");
	if (!mime) {
		*error = COVER_IO_ERROR;
		return NULL;
	}
	size_t n = sizeof cover_kinds / sizeof cover_kinds[0];
	for (size_t i = 0; i < n; i++) {
		if (strcmp(mime, cover_kinds[i].mime) != 0)
			continue;
		if (!cover_kinds[i].looks_like(data, len)) {
			*error = cover_kinds[i].damaged;
			return NULL;
		}
		return &cover_kinds[i];
	}
	*error = cover_refusal(mime);
	return NULL;
}

/* Write bytes as "20.0 MB" (MB = 2^20 bytes, like the limit), rounded up so
** a file just over the limit never reads as equal to it; a limit is rounded
** down, and a whole one loses its ".0" ("5 MB"). */
static void cover_size_text(char *out, size_t outlen, size_t bytes, bool limit)
{
	size_t unit = 1;
	const char *name = "bytes";
	if (bytes >= 1024 * 1024) {
		unit = 1024 * 1024;
		name = "MB";
	} else if (bytes >= 1024) {
		unit = 1024;
		name = "KB";
	}
	if (unit == 1) {
		snprintf(out, outlen, "%zu %s", bytes, name);
		return;
	}
	size_t whole = bytes / unit, rem = bytes % unit;
	if (limit && rem == 0) {
		snprintf(out, outlen, "%zu %s", whole, name);
		return;
	}
	size_t tenths = limit ? rem * 10 / unit : (rem * 10 + unit - 1) / unit;
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	snprintf(out, outlen, "%zu.%zu %s", whole, tenths, name);
}

/* mkdir -p path with mode 0755. Folders we create are chmod'ed to 0755
** whatever the umask, because nginx may run as another user and must
** reach the files. Returns 0 or -1 (logged). */
static int cover_mkdirs(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	char p[PATH_MAX];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof p)
		return -1;
	memcpy(p, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		if (p[i - 1] == '/')
			continue;   /* "a//b" or a trailing slash */
		char c = p[i];
		p[i] = '\0';
		if (mkdir(p, 0755) == 0) {
			if (chmod(p, 0755) != 0) {
				fprintf(stderr, "carrel: cover: chmod %s: %s\n", p,
					strerror(errno));
				return -1;
			}
		} else {
			/* Not only EEXIST: an existing folder we may not write in
			** (or on a read-only mount) can answer EACCES or EROFS. */
			int err = errno;
			if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
				fprintf(stderr, "carrel: cover: mkdir %s: %s\n", p,
					err == EEXIST ? "exists and is not a folder" :
					strerror(err));
				return -1;
			}
		}
		p[i] = c;
	}
	return 0;
}

static int cover_write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Put data at dir/name atomically. Returns 0 or -1 (logged, nothing left
** behind). */
static int cover_write(const char *dir, const char *name, const void *data,
	size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int n1 = snprintf(path, sizeof path, "%s/%s", dir, name);
	int n2 = snprintf(tmp, sizeof tmp, "%s/.tmp-XXXXXX", dir);
	if (n1 < 0 || (size_t)n1 >= sizeof path || n2 < 0 ||
	    (size_t)n2 >= sizeof tmp) {
		fprintf(stderr, "carrel: cover: path too long: %s\n", dir);
		return -1;
	}
	/* The name is the content's hash, so a file already there holds these
	** very bytes: nothing to write. A wrong size means a damaged file
	** (say, restored from a broken backup), which the rename below
	** replaces. */
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size == (unsigned long long)len)
		return 0;
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "carrel: cover: create %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	const char *step = "write";
	int dfd;
	if (cover_write_all(fd, data, len) != 0)
		goto fail;
	step = "fsync";
	if (fsync(fd) != 0)
		goto fail;
	step = "chmod";
	if (fchmod(fd, 0644) != 0)   /* mkstemp made it 0600 */
		goto fail;
	step = "close";
	if (close(fd) != 0) {
		fd = -1;   /* closed even when it fails; never close twice */
		goto fail;
	}
	fd = -1;
	/* Two workers storing the same cover at once both get here; the
	** second rename swaps identical bytes, and a reader holding the first
	** file keeps a complete one. */
	step = "rename";
	if (rename(tmp, path) != 0)
		goto fail;
	/* Make the new directory entry durable too. Best effort: the cover is
	** in place and readable either way. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	fprintf(stderr, "carrel: cover: %s %s: %s\n", step, tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

int cover_store(const char *uploads_dir, const void *data, size_t len,
	size_t max_len, char name_out[COVER_NAME_MAX], const char **error)
{
	name_out[0] = '\0';
	*error = NULL;
	if (len == 0 || !data) {
		*error = "The cover file is empty.";
		return -1;
	}
	if (len > max_len) {
		char have[32], limit[32];
		cover_size_text(have, sizeof have, len, false);
		cover_size_text(limit, sizeof limit, max_len, true);
		snprintf(cover_msg, sizeof cover_msg,
			"The cover image is too large: %s; the limit is %s.", have, limit);
		*error = cover_msg;
		return -1;
	}
	const struct cover_kind *kind = cover_identify(data, len, error);
	if (!kind)
		return -1;

	unsigned char hash[COVER_HASH_BYTES];
	char hex[COVER_HASH_BYTES * 2 + 1];
	crypto_generichash(hash, sizeof hash, data, len, NULL, 0);
	sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
	char name[COVER_NAME_MAX];
	snprintf(name, sizeof name, "%s.%s", hex, kind->ext);

	char dir[PATH_MAX];
	if (!uploads_dir || !uploads_dir[0]) {
		fputs("carrel: cover: no uploads folder configured\n", stderr);
		*error = COVER_IO_ERROR;
		return -1;
	}
	int n = snprintf(dir, sizeof dir, "%s/covers", uploads_dir);
	if (n < 0 || (size_t)n >= sizeof dir || cover_mkdirs(dir) != 0 ||
	    cover_write(dir, name, data, len) != 0) {
		*error = COVER_IO_ERROR;
		return -1;
	}
	memcpy(name_out, name, strlen(name) + 1);
	return 0;
}

bool cover_name_valid(const char *name)
{
	if (!name)
		return false;
	for (int i = 0; i < COVER_HASH_BYTES * 2; i++) {
		char c = name[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;   /* also stops at the NUL of a short name */
	}
	const char *ext = name + COVER_HASH_BYTES * 2;
	return strcmp(ext, ".jpg") == 0 || strcmp(ext, ".png") == 0 ||
		strcmp(ext, ".webp") == 0;
}
