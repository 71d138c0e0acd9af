/*
** ebookfile.h: the files of e-book titles (PDF and EPUB), checked by
** content and stored by content, and who may read them.
**
** A file lives once under <uploads>/ebooks/ as <hash>.<pdf|epub>, where
** hash is the hex BLAKE2b-256 of its bytes (like covers, lib/cover.h); the
** ebook_file row of a title names it (schema/0022_ebooks.sql). nginx
** serves it only through its internal location /_ebooks/, named by the
** worker with X-Accel-Redirect after ebookfile_reader_grant said yes.
**
** A file is judged by libmagic on its bytes, never by its name or the
** browser's content type, and then opened: a PDF with qpdf (page count,
** document Title and Author), an EPUB with libzip and libxml2
** (META-INF/container.xml -> the OPF package -> dc:title, dc:creator,
** dc:language). A file that does not open is refused.
*/
#ifndef CARREL_EBOOKFILE_H
#define CARREL_EBOOKFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "arena.h"
#include "db.h"

#define EBOOKFILE_NAME_MAX 80
#define EBOOKFILE_DEFAULT_MAX_MB 30

/* What a stored file is, as ebookfile_store found it. */
struct ebook_info {
	char name[EBOOKFILE_NAME_MAX];   /* <hash>.pdf or <hash>.epub */
	const char *media_type;          /* application/pdf, application/epub+zip */
	long long bytes;
	int pages;                       /* PDF; -1 for an EPUB */
	char title[512];                 /* as the file says; "" when it does not */
	char author[512];
	char language[64];
};

/* Check data (len bytes, at most max_len) and store it as
** <uploads_dir>/ebooks/<hash>.<pdf|epub>: temporary file, fsync, mode
** 0644, rename; the same file twice is stored once. Fills *info and
** returns 0, or sets *error to a message for the librarian and returns -1
** with nothing stored:
**   "The e-book file is empty."
**   "The e-book file is too large: 31.2 MB; the limit is 30 MB. Larger
**    files can be attached with the command line: carrel ebook attach."
**   "An e-book must be a PDF or EPUB file; this file is a PNG image."
**   "This PDF could not be read (...). ..." and the like.
** *error may be a per-process buffer the next call overwrites. The caller
** has called sodium_init. Not thread-safe (libmagic handle kept). */
int ebookfile_store(const char *uploads_dir, const void *data, size_t len,
	size_t max_len, struct ebook_info *info, const char **error);

/* The same for a file on disk, of any size: it is read in pieces (hashed
** while copied to the temporary file), never whole into memory. */
int ebookfile_store_path(const char *uploads_dir, const char *path,
	struct ebook_info *info, const char **error);

/* True when name is one ebookfile_store could have produced. */
bool ebookfile_name_valid(const char *name);

/* "30 MB", "812 KB", "1.4 MB": bytes for people (MB = 2^20 bytes). */
void ebookfile_size_words(char *out, size_t outlen, long long bytes);

/* The web's upload limit in bytes: the setting ebooks.max_upload_mb
** (default 30, at least 1). */
size_t ebookfile_max_upload(struct db *db);

/* ---- the ebook_file rows ---- */

enum ebookfile_result {
	EBOOKFILE_OK,
	EBOOKFILE_NOT_FOUND,      /* no such title */
	EBOOKFILE_NOT_EBOOK,      /* the title is not of format e-book */
	EBOOKFILE_ERROR
};

/* Attach a stored file to title_id (its format must be 'ebook'),
** replacing the file it had; original_name is the name it was uploaded
** under; by the account (0: the command line). The file the title had
** before is deleted from disk when no title uses it any more. */
enum ebookfile_result ebookfile_attach(struct db *db, const char *uploads_dir,
	long long title_id, const struct ebook_info *info, const char *original_name,
	long long by, time_t now);

/* Take the file from title_id (deleting it from disk when no other title
** uses it), by the account (0: the command line). EBOOKFILE_NOT_FOUND when
** the title had none. Both are recorded in the audit trail ("ebook.file",
** "ebook.file-removed", object "title:ID", before and after the file names). */
enum ebookfile_result ebookfile_detach(struct db *db, const char *uploads_dir,
	long long title_id, long long by, time_t now);

/* Delete <uploads>/ebooks/name unless an ebook_file row names it. */
void ebookfile_forget(struct db *db, const char *uploads_dir, const char *name);

/* A title's file, for staff. */
struct ebook_file_row {
	const char *name, *media_type, *original_name;
	const char *meta_title, *meta_author, *meta_language;
	long long bytes;
	int pages;                  /* -1: not known (EPUB) */
	long long uploaded_at;
};

/* 1 and *out filled (strings on a), 0 when the title has no file, -1. */
int ebookfile_get(struct db *db, struct arena *a, long long title_id,
	struct ebook_file_row *out);

/* ---- reading ---- */

enum ebook_grant {
	EBOOK_GRANT_LIVE,         /* status granted and access_until > now */
	EBOOK_GRANT_ENDED,        /* had one: expired, returned, revoked, or
	                             its time has passed */
	EBOOK_GRANT_NONE          /* never granted this title */
};

/* Whether account may read title_id now; *loan_id is the live loan. */
enum ebook_grant ebookfile_reader_grant(struct db *db, long long account_id,
	long long title_id, time_t now, long long *loan_id);

/* Record one reading (loan_id 0: staff checking the file; range as the
** Range header asked, "" for the whole file, cut to 200 bytes). */
int ebookfile_record_access(struct db *db, long long loan_id, long long account_id,
	long long title_id, time_t now, const char *range);

/* The title's number of ebook_loan rows of any status. */
long long ebookfile_loan_count(struct db *db, long long title_id);

#endif
