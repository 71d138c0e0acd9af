/*
** ebookfile.c: checking, storing and reading e-book files. See ebookfile.h.
*/
#include "ebookfile.h"
#include "sniff.h"

#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <qpdf/qpdf-c.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zip.h>

#define EB_WANT "An e-book must be a PDF or EPUB file; "
#define EB_IO_ERROR "The e-book file could not be saved; please try again."
#define EB_HASH_BYTES 32
/* What libmagic needs to tell a PDF from an EPUB from anything else. */
#define EB_HEAD_BYTES (256 * 1024)
/* container.xml and the OPF package are small; a bigger one is not an
** honest EPUB (and we read them whole). */
#define EB_XML_MAX (4 * 1024 * 1024)

enum eb_kind { EB_PDF, EB_EPUB };

static const char *const eb_media[] = { "application/pdf", "application/epub+zip" };
static const char *const eb_ext[] = { "pdf", "epub" };

/* Messages that carry a size, a type or a detail. Workers handle one
** request at a time; ebookfile.h tells callers the next call overwrites. */
static char eb_msg[400];

/* Plain words for the kinds of file a librarian might pick by mistake. */
static const struct {
	const char *mime;
	const char *what;
} eb_refusals[] = {
	{ "application/zip", "a ZIP archive that is not an EPUB book" },
	{ "image/png", "a PNG image" },
	{ "image/jpeg", "a JPEG image" },
	{ "image/gif", "a GIF image" },
	{ "image/webp", "a WebP image" },
	{ "image/", "an image" },
	{ "text/html", "a web page" },
	{ "text/", "a text file" },
	{ "application/msword", "a word-processor document" },
	{ "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	  "a word-processor document" },
	{ "application/vnd.oasis.opendocument.text", "a word-processor document" },
	{ "application/x-mobipocket-ebook", "a Kindle (MOBI) book" },
	{ "application/postscript", "a PostScript document" },
	{ "application/x-executable", "a program" },
	{ "application/x-dosexec", "a program" },
	{ "application/octet-stream", "of a kind that could not be recognised" },
	{ "audio/", "a sound recording" },
	{ "video/", "a video" },
};

static const char *eb_refusal(const char *mime)
{
	size_t n = sizeof eb_refusals / sizeof eb_refusals[0];
	for (size_t i = 0; i < n; i++) {
		const char *m = eb_refusals[i].mime;
		size_t mlen = strlen(m);
		bool family = m[mlen - 1] == '/';
		if (family ? strncmp(mime, m, mlen) == 0 : strcmp(mime, m) == 0) {
			snprintf(eb_msg, sizeof eb_msg, EB_WANT "this file is %s.",
				eb_refusals[i].what);
			return eb_msg;
		}
	}
	snprintf(eb_msg, sizeof eb_msg, EB_WANT "this file is of another kind (%.60s).",
		mime);
	return eb_msg;
}

/* The kind of a file from its first bytes, or -1 with *error set. */
static int eb_identify(const void *head, size_t len, const char **error)
{
	const char *mime = sniff_mime(head, len, "ebook");
	if (!mime) {
		*error = EB_IO_ERROR;
		return -1;
	}
	/* A second opinion on the first bytes, as covers have. */
	if (!strcmp(mime, "application/pdf") && len >= 5 && !memcmp(head, "%PDF-", 5))
		return EB_PDF;
	if (!strcmp(mime, "application/epub+zip") && len >= 4 && !memcmp(head, "PK\3\4", 4))
		return EB_EPUB;
	*error = eb_refusal(mime);
	return -1;
}

/* Copy text to out (outlen bytes) with runs of white space made one space
** and the ends trimmed, cut at a character boundary when too long. */
static void eb_copy_text(char *out, size_t outlen, const char *text)
{
	size_t n = 0;
	bool space = false;
	for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p < 0x20) {
			space = n > 0;
			continue;
		}
		if (space) {
			if (n + 1 >= outlen)
				break;
			out[n++] = ' ';
			space = false;
		}
		if (n + 1 >= outlen)
			break;
		out[n++] = (char)*p;
	}
	/* Never leave half a UTF-8 character at the end. */
	if (n > 0 && ((unsigned char)out[n - 1] & 0x80)) {
		size_t start = n - 1;
		while (start > 0 && ((unsigned char)out[start] & 0xC0) == 0x80)
			start--;
		unsigned char lead = (unsigned char)out[start];
		size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
		if (n - start < want)
			n = start;
	}
	out[n] = '\0';
}

/* ---- PDF ---- */

static void eb_pdf_info(qpdf_data q, const char *key, char *out, size_t outlen)
{
	qpdf_oh trailer = qpdf_get_trailer(q);
	qpdf_oh info = qpdf_oh_get_key(q, trailer, "/Info");
	if (!qpdf_oh_is_dictionary(q, info))
		return;
	qpdf_oh v = qpdf_oh_get_key(q, info, key);
	if (qpdf_oh_is_string(q, v))
		eb_copy_text(out, outlen, qpdf_oh_get_utf8_value(q, v));
}

/* Open a PDF (from path, or data of len bytes) with qpdf: page count,
** Title and Author. Returns 0, or -1 with *error set. */
static int eb_inspect_pdf(const char *path, const void *data, size_t len,
	struct ebook_info *info, const char **error)
{
	qpdf_data q = qpdf_init();
	qpdf_silence_errors(q);
	qpdf_set_suppress_warnings(q, QPDF_TRUE);
	/* A damaged file is refused rather than guessed at: what we store is
	** what every reader gets. */
	qpdf_set_attempt_recovery(q, QPDF_FALSE);
	QPDF_ERROR_CODE rc = path ? qpdf_read(q, path, NULL)
		: qpdf_read_memory(q, "upload", data, len, NULL);
	int pages = -1;
	if (!(rc & QPDF_ERRORS))
		pages = qpdf_get_num_pages(q);
	if ((rc & QPDF_ERRORS) || pages < 0 || qpdf_has_error(q)) {
		qpdf_error e = qpdf_has_error(q) ? qpdf_get_error(q) : NULL;
		if (e && qpdf_get_error_code(q, e) == qpdf_e_password) {
			*error = "This PDF is protected with a password, so readers could not "
				"open it. Save a copy without the password and upload that.";
		} else {
			const char *detail = e ? qpdf_get_error_message_detail(q, e) : "";
			fprintf(stderr, "carrel: ebook: PDF refused: %s\n", detail);
			snprintf(eb_msg, sizeof eb_msg, "This PDF could not be read: it is "
				"damaged or incomplete%s%.120s%s. Save it again from the program "
				"that made it and upload it again.", *detail ? " (" : "", detail,
				*detail ? ")" : "");
			*error = eb_msg;
		}
		qpdf_cleanup(&q);
		return -1;
	}
	if (pages == 0) {
		qpdf_cleanup(&q);
		*error = "This PDF has no pages.";
		return -1;
	}
	info->pages = pages;
	eb_pdf_info(q, "/Title", info->title, sizeof info->title);
	eb_pdf_info(q, "/Author", info->author, sizeof info->author);
	qpdf_cleanup(&q);
	return 0;
}

/* ---- EPUB ---- */

/* The entry name of z, whole, into b (NUL-terminated). 0 or -1. */
static int eb_zip_read(zip_t *z, const char *name, struct buf *b)
{
	zip_stat_t st;
	if (zip_stat(z, name, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
	    st.size > EB_XML_MAX)
		return -1;
	zip_file_t *f = zip_fopen(z, name, 0);
	if (!f)
		return -1;
	char *p = buf_reserve(b, (size_t)st.size + 1);
	zip_int64_t got = zip_fread(f, p, st.size);
	zip_fclose(f);
	if (got < 0 || (zip_uint64_t)got != st.size)
		return -1;
	b->len += (size_t)got;
	p[got] = '\0';
	return 0;
}

static xmlDocPtr eb_xml(const struct buf *b, const char *url)
{
	/* No network, no entity substitution, no DTD loading: an EPUB is a
	** stranger's file. */
	return xmlReadMemory(b->data, (int)b->len, url, NULL,
		XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static bool eb_named(xmlNodePtr n, const char *local)
{
	return n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, BAD_CAST local);
}

/* The first element called local under n, depth first. */
static xmlNodePtr eb_find(xmlNodePtr n, const char *local)
{
	for (; n; n = n->next) {
		if (eb_named(n, local))
			return n;
		xmlNodePtr c = eb_find(n->children, local);
		if (c)
			return c;
	}
	return NULL;
}

static void eb_dc(xmlNodePtr metadata, const char *local, char *out, size_t outlen)
{
	for (xmlNodePtr n = metadata->children; n; n = n->next) {
		if (!eb_named(n, local) || !n->ns ||
		    xmlStrcmp(n->ns->href, BAD_CAST "http://purl.org/dc/elements/1.1/"))
			continue;
		xmlChar *text = xmlNodeGetContent(n);
		eb_copy_text(out, outlen, (const char *)text);
		xmlFree(text);
		if (*out)
			return;
	}
}

/* The OPF package's path from META-INF/container.xml, into path. */
static int eb_rootfile(zip_t *z, char *path, size_t pathlen)
{
	struct buf b = BUF_INIT;
	int rc = -1;
	if (eb_zip_read(z, "META-INF/container.xml", &b) == 0) {
		xmlDocPtr doc = eb_xml(&b, "container.xml");
		xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
		xmlNodePtr rf = root ? eb_find(root, "rootfile") : NULL;
		xmlChar *full = rf ? xmlGetProp(rf, BAD_CAST "full-path") : NULL;
		if (full && *full && strlen((const char *)full) < pathlen) {
			snprintf(path, pathlen, "%s", (const char *)full);
			rc = 0;
		}
		xmlFree(full);
		xmlFreeDoc(doc);
	}
	buf_free(&b);
	return rc;
}

static int eb_inspect_zip(zip_t *z, struct ebook_info *info, const char **error)
{
	char opf[1024];
	if (eb_rootfile(z, opf, sizeof opf) != 0) {
		*error = "This EPUB could not be read: its table of contents "
			"(META-INF/container.xml) is missing or damaged.";
		return -1;
	}
	struct buf b = BUF_INIT;
	int rc = -1;
	xmlDocPtr doc = NULL;
	xmlNodePtr root = NULL, metadata = NULL;
	if (eb_zip_read(z, opf, &b) == 0 && (doc = eb_xml(&b, "package.opf")) &&
	    (root = xmlDocGetRootElement(doc)) && eb_named(root, "package") &&
	    (metadata = eb_find(root->children, "metadata"))) {
		eb_dc(metadata, "title", info->title, sizeof info->title);
		eb_dc(metadata, "creator", info->author, sizeof info->author);
		eb_dc(metadata, "language", info->language, sizeof info->language);
		rc = 0;
	} else {
		*error = "This EPUB could not be read: its package description (the OPF "
			"file its container names) is missing or damaged.";
	}
	xmlFreeDoc(doc);
	buf_free(&b);
	return rc;
}

static int eb_inspect_epub(const char *path, const void *data, size_t len,
	struct ebook_info *info, const char **error)
{
	zip_error_t zerr;
	zip_error_init(&zerr);
	zip_t *z = NULL;
	if (path) {
		int code = 0;
		z = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code);
	} else {
		zip_source_t *src = zip_source_buffer_create(data, len, 0, &zerr);
		if (src && !(z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &zerr)))
			zip_source_free(src);
	}
	zip_error_fini(&zerr);
	if (!z) {
		*error = "This EPUB could not be read: the file is damaged or incomplete.";
		return -1;
	}
	info->pages = -1;
	int rc = eb_inspect_zip(z, info, error);
	zip_discard(z);
	return rc;
}

static int eb_inspect(int kind, const char *path, const void *data, size_t len,
	struct ebook_info *info, const char **error)
{
	info->media_type = eb_media[kind];
	return kind == EB_PDF ? eb_inspect_pdf(path, data, len, info, error)
		: eb_inspect_epub(path, data, len, info, error);
}

/* ---- storing ---- */

static void eb_size_text(char *out, size_t outlen, size_t bytes, bool limit)
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
	/* A size over a limit never reads as the limit: round sizes up and
	** limits down. */
	size_t tenths = limit ? rem * 10 / unit : (rem * 10 + unit - 1) / unit;
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	if (tenths == 0 && (limit || rem == 0))
		snprintf(out, outlen, "%zu %s", whole, name);
	else
		snprintf(out, outlen, "%zu.%zu %s", whole, tenths, name);
}

void ebookfile_size_words(char *out, size_t outlen, long long bytes)
{
	eb_size_text(out, outlen, bytes > 0 ? (size_t)bytes : 0, false);
}

/* <uploads>/ebooks into dir, made (0755) when missing. 0 or -1 (logged). */
static int eb_dir(const char *uploads_dir, char *dir, size_t dirlen)
{
	if (!uploads_dir || !*uploads_dir) {
		fputs("carrel: ebook: no uploads folder configured\n", stderr);
		return -1;
	}
	int n = snprintf(dir, dirlen, "%s/ebooks", uploads_dir);
	if (n < 0 || (size_t)n >= dirlen)
		return -1;
	const char *steps[] = { uploads_dir, dir };
	for (int i = 0; i < 2; i++) {
		struct stat st;
		if (stat(steps[i], &st) == 0 && S_ISDIR(st.st_mode))
			continue;
		/* chmod: nginx may run as another user and must reach the files. */
		if (mkdir(steps[i], 0755) != 0 || chmod(steps[i], 0755) != 0) {
			fprintf(stderr, "carrel: ebook: mkdir %s: %s\n", steps[i], strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int eb_write_all(int fd, const unsigned char *p, size_t len)
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

static void eb_name(int kind, const unsigned char hash[EB_HASH_BYTES], char *name)
{
	char hex[EB_HASH_BYTES * 2 + 1];
	sodium_bin2hex(hex, sizeof hex, hash, EB_HASH_BYTES);
	snprintf(name, EBOOKFILE_NAME_MAX, "%s.%s", hex, eb_ext[kind]);
}

/* Finish a complete temporary file fd (at tmp): fsync, 0644, close, and
** rename it to dir/name unless that file already holds these bytes (its
** name is their hash). 0 or -1 (logged; tmp removed either way). */
static int eb_commit(int fd, const char *tmp, const char *dir, const char *name,
	size_t len)
{
	char path[PATH_MAX];
	const char *step = "path";
	int n = snprintf(path, sizeof path, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof path)
		goto fail;
	step = "fsync";
	if (fsync(fd) != 0)
		goto fail;
	step = "chmod";
	if (fchmod(fd, 0644) != 0)
		goto fail;
	step = "close";
	int closed = close(fd);
	fd = -1;
	if (closed != 0)
		goto fail;
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size == (unsigned long long)len) {
		unlink(tmp);
		return 0;
	}
	step = "rename";
	if (rename(tmp, path) != 0)
		goto fail;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	fprintf(stderr, "carrel: ebook: %s %s: %s\n", step, tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

static void eb_clear(struct ebook_info *info)
{
	memset(info, 0, sizeof *info);
	info->pages = -1;
	info->media_type = "";
}

static const char *eb_too_large(size_t len, size_t max_len)
{
	char have[32], limit[32];
	eb_size_text(have, sizeof have, len, false);
	eb_size_text(limit, sizeof limit, max_len, true);
	snprintf(eb_msg, sizeof eb_msg, "The e-book file is too large: %s; the limit is "
		"%s. Larger files can be attached with the command line: carrel ebook "
		"attach.", have, limit);
	return eb_msg;
}

int ebookfile_store(const char *uploads_dir, const void *data, size_t len,
	size_t max_len, struct ebook_info *info, const char **error)
{
	eb_clear(info);
	*error = NULL;
	if (!data || len == 0) {
		*error = "The e-book file is empty.";
		return -1;
	}
	if (len > max_len) {
		*error = eb_too_large(len, max_len);
		return -1;
	}
	int kind = eb_identify(data, len < EB_HEAD_BYTES ? len : EB_HEAD_BYTES, error);
	if (kind < 0 || eb_inspect(kind, NULL, data, len, info, error) != 0)
		return -1;
	unsigned char hash[EB_HASH_BYTES];
	crypto_generichash(hash, sizeof hash, data, len, NULL, 0);
	char name[EBOOKFILE_NAME_MAX], dir[PATH_MAX], tmp[PATH_MAX];
	eb_name(kind, hash, name);
	int fd = -1;
	if (eb_dir(uploads_dir, dir, sizeof dir) == 0 &&
	    snprintf(tmp, sizeof tmp, "%s/.tmp-XXXXXX", dir) < (int)sizeof tmp)
		fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "carrel: ebook: temporary file in %s: %s\n", dir, strerror(errno));
		*error = EB_IO_ERROR;
		return -1;
	}
	if (eb_write_all(fd, data, len) != 0) {
		fprintf(stderr, "carrel: ebook: write %s: %s\n", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		*error = EB_IO_ERROR;
		return -1;
	}
	if (eb_commit(fd, tmp, dir, name, len) != 0) {
		*error = EB_IO_ERROR;
		return -1;
	}
	memcpy(info->name, name, sizeof name);
	info->bytes = (long long)len;
	return 0;
}

/* Copy in to the temporary out, hashing on the way. Returns the bytes
** copied, or -1. */
static long long eb_copy_hashing(int in, int out, unsigned char hash[EB_HASH_BYTES])
{
	crypto_generichash_state state;
	crypto_generichash_init(&state, NULL, 0, EB_HASH_BYTES);
	static unsigned char chunk[1 << 16];
	long long total = 0;
	for (;;) {
		ssize_t n = read(in, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		crypto_generichash_update(&state, chunk, (size_t)n);
		if (eb_write_all(out, chunk, (size_t)n) != 0)
			return -1;
		total += n;
	}
	crypto_generichash_final(&state, hash, EB_HASH_BYTES);
	return total;
}

int ebookfile_store_path(const char *uploads_dir, const char *path,
	struct ebook_info *info, const char **error)
{
	eb_clear(info);
	*error = NULL;
	int in = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (in < 0 || fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(eb_msg, sizeof eb_msg, "The file %.300s cannot be read%s%s.", path,
			in < 0 ? ": " : " (it is not a regular file)", in < 0 ? strerror(errno) : "");
		*error = eb_msg;
		if (in >= 0)
			close(in);
		return -1;
	}
	static unsigned char head[EB_HEAD_BYTES];
	ssize_t hn = pread(in, head, sizeof head, 0);
	if (hn <= 0) {
		*error = hn == 0 ? "The e-book file is empty." : EB_IO_ERROR;
		close(in);
		return -1;
	}
	int kind = eb_identify(head, (size_t)hn, error);
	if (kind < 0) {
		close(in);
		return -1;
	}
	char dir[PATH_MAX], tmp[PATH_MAX];
	int out = -1;
	if (eb_dir(uploads_dir, dir, sizeof dir) == 0 &&
	    snprintf(tmp, sizeof tmp, "%s/.tmp-XXXXXX", dir) < (int)sizeof tmp)
		out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0) {
		close(in);
		*error = EB_IO_ERROR;
		return -1;
	}
	unsigned char hash[EB_HASH_BYTES];
	long long copied = eb_copy_hashing(in, out, hash);
	close(in);
	if (copied <= 0) {
		fprintf(stderr, "carrel: ebook: copy %s: %s\n", path, strerror(errno));
		close(out);
		unlink(tmp);
		*error = EB_IO_ERROR;
		return -1;
	}
	/* Opened from the copy: what is checked is what is stored, even if the
	** original changes meanwhile. */
	if (eb_inspect(kind, tmp, NULL, 0, info, error) != 0) {
		close(out);
		unlink(tmp);
		return -1;
	}
	char name[EBOOKFILE_NAME_MAX];
	eb_name(kind, hash, name);
	if (eb_commit(out, tmp, dir, name, (size_t)copied) != 0) {
		*error = EB_IO_ERROR;
		return -1;
	}
	memcpy(info->name, name, sizeof name);
	info->bytes = copied;
	return 0;
}

bool ebookfile_name_valid(const char *name)
{
	if (!name)
		return false;
	for (int i = 0; i < EB_HASH_BYTES * 2; i++) {
		char c = name[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	const char *ext = name + EB_HASH_BYTES * 2;
	return !strcmp(ext, ".pdf") || !strcmp(ext, ".epub");
}

size_t ebookfile_max_upload(struct db *db)
{
	long long mb = db_int(db, EBOOKFILE_DEFAULT_MAX_MB, "SELECT CAST(value AS INTEGER) "
		"FROM setting WHERE key = 'ebooks.max_upload_mb' AND value <> ''", NULL);
	if (mb < 1)
		mb = 1;
	if (mb > 1024 * 1024)
		mb = 1024 * 1024;
	return (size_t)mb * 1024 * 1024;
}

/* ---- the rows ---- */

void ebookfile_forget(struct db *db, const char *uploads_dir, const char *name)
{
	if (!ebookfile_name_valid(name) || !uploads_dir || !*uploads_dir)
		return;
	if (db_int(db, 1, "SELECT count(*) FROM ebook_file WHERE name = ?", "t", name))
		return;
	char path[PATH_MAX];
	int n = snprintf(path, sizeof path, "%s/ebooks/%s", uploads_dir, name);
	if (n > 0 && (size_t)n < sizeof path && unlink(path) != 0 && errno != ENOENT)
		fprintf(stderr, "carrel: ebook: unlink %s: %s\n", path, strerror(errno));
}

/* The title's file name into name ("" when none). */
static void eb_current(struct db *db, long long title_id, char name[EBOOKFILE_NAME_MAX])
{
	name[0] = '\0';
	sqlite3_stmt *st = db_query(db, "SELECT name FROM ebook_file WHERE title_id = ?",
		"i", title_id);
	if (db_row(db, st)) {
		snprintf(name, EBOOKFILE_NAME_MAX, "%s", sqlite3_column_text(st, 0));
		db_done(st);
	}
}

/* The audit row of a file attached to or removed from a title. */
static int eb_audit(struct db *db, long long by, time_t now, const char *action,
	long long title_id, const char *detail, const char *before, const char *after)
{
	char object[48];
	snprintf(object, sizeof object, "title:%lld", title_id);
	return audit_record(db, by ? by : audit_actor(), now, action, object, detail,
		before && *before ? before : NULL, after && *after ? after : NULL);
}

enum ebookfile_result ebookfile_attach(struct db *db, const char *uploads_dir,
	long long title_id, const struct ebook_info *info, const char *original_name,
	long long by, time_t now)
{
	if (db_begin(db))
		return EBOOKFILE_ERROR;
	sqlite3_stmt *st = db_query(db, "SELECT format FROM title WHERE id = ?", "i", title_id);
	if (!db_row(db, st)) {
		db_rollback(db);
		return EBOOKFILE_NOT_FOUND;
	}
	bool ebook = !strcmp((const char *)sqlite3_column_text(st, 0), "ebook");
	db_done(st);
	if (!ebook) {
		db_rollback(db);
		return EBOOKFILE_NOT_EBOOK;
	}
	char old[EBOOKFILE_NAME_MAX];
	eb_current(db, title_id, old);
	char shown[256];
	eb_copy_text(shown, sizeof shown, original_name);
	if (db_exec(db, "INSERT OR REPLACE INTO ebook_file(title_id, name, media_type, bytes, "
		"pages, meta_title, meta_author, meta_language, original_name, uploaded_at, "
		"uploaded_by) VALUES (?, ?, ?, ?, nullif(?, -1), ?, ?, ?, ?, ?, nullif(?, 0))",
		"ittiittttii", title_id, info->name, info->media_type, info->bytes,
		(long long)info->pages, info->title, info->author, info->language, shown,
		(long long)now, by) != SQLITE_OK ||
	    eb_audit(db, by, now, "ebook.file", title_id, shown, old, info->name) ||
	    db_commit(db)) {
		db_rollback(db);
		return EBOOKFILE_ERROR;
	}
	if (*old && strcmp(old, info->name))
		ebookfile_forget(db, uploads_dir, old);
	return EBOOKFILE_OK;
}

enum ebookfile_result ebookfile_detach(struct db *db, const char *uploads_dir,
	long long title_id, long long by, time_t now)
{
	if (db_begin(db))
		return EBOOKFILE_ERROR;
	char old[EBOOKFILE_NAME_MAX];
	eb_current(db, title_id, old);
	if (!*old) {
		db_rollback(db);
		return EBOOKFILE_NOT_FOUND;
	}
	if (db_exec(db, "DELETE FROM ebook_file WHERE title_id = ?", "i", title_id) != SQLITE_OK ||
	    eb_audit(db, by, now, "ebook.file-removed", title_id, "", old, NULL) ||
	    db_commit(db)) {
		db_rollback(db);
		return EBOOKFILE_ERROR;
	}
	ebookfile_forget(db, uploads_dir, old);
	return EBOOKFILE_OK;
}

int ebookfile_get(struct db *db, struct arena *a, long long title_id,
	struct ebook_file_row *out)
{
	sqlite3_stmt *st = db_query(db, "SELECT name, media_type, original_name, meta_title, "
		"meta_author, meta_language, bytes, coalesce(pages, -1), uploaded_at "
		"FROM ebook_file WHERE title_id = ?", "i", title_id);
	if (!st)
		return -1;
	if (!db_row(db, st))
		return 0;
	out->name = db_text(a, st, 0);
	out->media_type = db_text(a, st, 1);
	out->original_name = db_text(a, st, 2);
	out->meta_title = db_text(a, st, 3);
	out->meta_author = db_text(a, st, 4);
	out->meta_language = db_text(a, st, 5);
	out->bytes = sqlite3_column_int64(st, 6);
	out->pages = sqlite3_column_int(st, 7);
	out->uploaded_at = sqlite3_column_int64(st, 8);
	db_done(st);
	return 1;
}

/* ---- reading ---- */

enum ebook_grant ebookfile_reader_grant(struct db *db, long long account_id,
	long long title_id, time_t now, long long *loan_id)
{
	*loan_id = 0;
	/* The live grant first if there is one; else any grant that has ended. */
	sqlite3_stmt *st = db_query(db, "SELECT id, status = 'granted' AND access_until > ? "
		"FROM ebook_loan WHERE account_id = ? AND title_id = ? "
		"AND status IN ('granted', 'expired', 'returned', 'revoked') "
		"ORDER BY 2 DESC, id DESC LIMIT 1", "iii", (long long)now, account_id, title_id);
	if (!db_row(db, st))
		return EBOOK_GRANT_NONE;
	bool live = sqlite3_column_int(st, 1);
	long long id = sqlite3_column_int64(st, 0);
	db_done(st);
	if (!live)
		return EBOOK_GRANT_ENDED;
	*loan_id = id;
	return EBOOK_GRANT_LIVE;
}

int ebookfile_record_access(struct db *db, long long loan_id, long long account_id,
	long long title_id, time_t now, const char *range)
{
	char kept[201];
	snprintf(kept, sizeof kept, "%s", range ? range : "");
	return db_exec(db, "INSERT INTO ebook_access(loan_id, account_id, title_id, at, range) "
		"VALUES (nullif(?, 0), ?, ?, ?, ?)", "iiiit", loan_id, account_id, title_id,
		(long long)now, kept) == SQLITE_OK ? 0 : -1;
}

long long ebookfile_loan_count(struct db *db, long long title_id)
{
	return db_int(db, 0, "SELECT count(*) FROM ebook_loan WHERE title_id = ?", "i", title_id);
}
