/*
** test_ebookfile.c: unit tests of e-book file checks, storage and grants.
**
** The PDF and EPUB are made here: a PDF written by hand with a correct
** xref table, an EPUB zipped with libzip (mimetype first, stored). Each
** test gets a fresh migrated database and an uploads folder that does not
** exist yet.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

#include "db_fixture.h"
#include "ebookfile.h"

struct fixture {
	char dir[TEST_DIR_MAX];
	struct db db;
	struct arena arena;
	char root[TEST_DIR_MAX];
	char uploads[TEST_DIR_MAX + 16];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	test_db_open(f->dir, &f->db, &f->arena);
	const char *tmp = getenv("TMPDIR");
	snprintf(f->root, sizeof f->root, "%s/carrel-ebook-XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
	assert_non_null(mkdtemp(f->root));
	snprintf(f->uploads, sizeof f->uploads, "%s/uploads", f->root);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[TEST_DIR_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->root);
	assert_int_equal(system(cmd), 0);
	test_db_close(f->dir, &f->db, &f->arena);
	free(f);
	return 0;
}

/* A PDF of pages pages with Title and Author, into b. */
static void make_pdf(struct buf *b, int pages, const char *title, const char *author)
{
	long offsets[64];
	int n = 0;
	buf_puts(b, "%PDF-1.4\n");
	offsets[n++] = (long)b->len;
	buf_puts(b, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	offsets[n++] = (long)b->len;
	buf_puts(b, "2 0 obj\n<< /Type /Pages /Kids [");
	for (int i = 0; i < pages; i++)
		buf_printf(b, "%d 0 R ", 3 + i);
	buf_printf(b, "] /Count %d >>\nendobj\n", pages);
	for (int i = 0; i < pages; i++) {
		offsets[n++] = (long)b->len;
		buf_printf(b, "%d 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>\n"
			"endobj\n", 3 + i);
	}
	int info = n + 1;
	offsets[n++] = (long)b->len;
	buf_printf(b, "%d 0 obj\n<< /Title (%s) /Author (%s) >>\nendobj\n", info, title, author);
	long xref = (long)b->len;
	buf_printf(b, "xref\n0 %d\n0000000000 65535 f \n", n + 1);
	for (int i = 0; i < n; i++)
		buf_printf(b, "%010ld 00000 n \n", offsets[i]);
	buf_printf(b, "trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%ld\n%%%%EOF\n",
		n + 1, info, xref);
}

static void zip_put(zip_t *z, const char *name, const char *text, bool store)
{
	zip_source_t *s = zip_source_buffer(z, text, strlen(text), 0);
	assert_non_null(s);
	zip_int64_t i = zip_file_add(z, name, s, ZIP_FL_ENC_UTF_8);
	assert_true(i >= 0);
	if (store)
		assert_int_equal(zip_set_file_compression(z, (zip_uint64_t)i, ZIP_CM_STORE, 0), 0);
}

/* A zip at path, read back into b. epub: with the mimetype entry first;
** container: with META-INF/container.xml. */
static void make_zip(struct fixture *f, struct buf *b, bool epub, bool container)
{
	char path[TEST_DIR_MAX + 32];
	snprintf(path, sizeof path, "%s/made.zip", f->root);
	int err = 0;
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
	assert_non_null(z);
	if (epub)
		zip_put(z, "mimetype", "application/epub+zip", true);
	if (container)
		zip_put(z, "META-INF/container.xml", "<?xml version=\"1.0\"?><container "
			"version=\"1.0\" xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\">"
			"<rootfiles><rootfile full-path=\"OPS/book.opf\" "
			"media-type=\"application/oebps-package+xml\"/></rootfiles></container>", false);
	zip_put(z, "OPS/book.opf", "<?xml version=\"1.0\"?><package "
		"xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\"><metadata "
		"xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>  The   Odyssey </dc:title>"
		"<dc:creator>Homer</dc:creator><dc:language>grc</dc:language></metadata>"
		"<manifest/><spine/></package>", false);
	assert_int_equal(zip_close(z), 0);
	assert_int_equal(buf_read_file(b, path), 0);
	unlink(path);
}

static void expected_name(const void *data, size_t len, const char *ext, char *out)
{
	unsigned char hash[32];
	char hex[65];
	crypto_generichash(hash, sizeof hash, data, len, NULL, 0);
	sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
	snprintf(out, EBOOKFILE_NAME_MAX, "%s.%s", hex, ext);
}

static void test_pdf_is_stored_with_its_facts(void **state)
{
	struct fixture *f = *state;
	struct buf pdf = BUF_INIT;
	make_pdf(&pdf, 4, "Moby Dick", "Herman Melville");
	struct ebook_info info;
	const char *error;
	assert_int_equal(ebookfile_store(f->uploads, pdf.data, pdf.len, 1 << 20, &info, &error), 0);
	assert_null(error);
	char want[EBOOKFILE_NAME_MAX];
	expected_name(pdf.data, pdf.len, "pdf", want);
	assert_string_equal(info.name, want);
	assert_string_equal(info.media_type, "application/pdf");
	assert_int_equal(info.pages, 4);
	assert_int_equal(info.bytes, (long long)pdf.len);
	assert_string_equal(info.title, "Moby Dick");
	assert_string_equal(info.author, "Herman Melville");
	assert_true(ebookfile_name_valid(info.name));

	char path[TEST_DIR_MAX + 128];
	snprintf(path, sizeof path, "%s/ebooks/%s", f->uploads, info.name);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(st.st_size, (off_t)pdf.len);
	/* The same file again: the same name, one file, not rewritten. */
	ino_t inode = st.st_ino;
	struct ebook_info again;
	assert_int_equal(ebookfile_store(f->uploads, pdf.data, pdf.len, 1 << 20, &again, &error), 0);
	assert_string_equal(again.name, info.name);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_ino, inode);
	/* And from a path, streamed: the same too. */
	char src[TEST_DIR_MAX + 32];
	snprintf(src, sizeof src, "%s/moby.pdf", f->root);
	FILE *out = fopen(src, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(pdf.data, 1, pdf.len, out), pdf.len);
	fclose(out);
	assert_int_equal(ebookfile_store_path(f->uploads, src, &again, &error), 0);
	assert_string_equal(again.name, info.name);
	assert_int_equal(again.pages, 4);
	buf_free(&pdf);
}

static void test_epub_metadata(void **state)
{
	struct fixture *f = *state;
	struct buf epub = BUF_INIT;
	make_zip(f, &epub, true, true);
	struct ebook_info info;
	const char *error;
	assert_int_equal(ebookfile_store(f->uploads, epub.data, epub.len, 1 << 20, &info, &error), 0);
	assert_string_equal(info.media_type, "application/epub+zip");
	assert_int_equal(info.pages, -1);
	assert_string_equal(info.title, "The Odyssey");
	assert_string_equal(info.author, "Homer");
	assert_string_equal(info.language, "grc");
	char want[EBOOKFILE_NAME_MAX];
	expected_name(epub.data, epub.len, "epub", want);
	assert_string_equal(info.name, want);
	buf_free(&epub);
}

/* Refused with words in the message, and nothing stored. */
static void refused(struct fixture *f, const void *data, size_t len, size_t max,
	const char *words)
{
	struct ebook_info info;
	const char *error = NULL;
	assert_int_equal(ebookfile_store(f->uploads, data, len, max, &info, &error), -1);
	assert_non_null(error);
	if (!strstr(error, words))
		fail_msg("\"%s\" not in \"%s\"", words, error);
	assert_string_equal(info.name, "");
	char dir[TEST_DIR_MAX + 32];
	snprintf(dir, sizeof dir, "%s/ebooks", f->uploads);
	char cmd[TEST_DIR_MAX + 96];
	snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s' 2>/dev/null)\"", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_refusals(void **state)
{
	struct fixture *f = *state;
	static const unsigned char png[] = {
		0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
		0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
		0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00,
		0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xd0, 0xca, 0xdf, 0x02,
		0x00, 0x02, 0x14, 0x01, 0x4e, 0x69, 0xa1, 0x48, 0xd9, 0x00, 0x00, 0x00,
		0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
	};
	refused(f, png, sizeof png, 1 << 20, "this file is a PNG image");
	struct buf zip = BUF_INIT;
	make_zip(f, &zip, false, true);
	refused(f, zip.data, zip.len, 1 << 20, "a ZIP archive that is not an EPUB");
	buf_clear(&zip);
	make_zip(f, &zip, true, false);
	refused(f, zip.data, zip.len, 1 << 20, "container.xml");
	buf_free(&zip);

	struct buf pdf = BUF_INIT;
	make_pdf(&pdf, 2, "T", "A");
	refused(f, pdf.data, pdf.len / 2, 1 << 20, "This PDF could not be read");
	static const char garbage[] = "%PDF-1.7\n\x01\x02 this is not a PDF at all \xff\xfe";
	refused(f, garbage, sizeof garbage - 1, 1 << 20, "This PDF could not be read");
	refused(f, pdf.data, pdf.len, 100, "the limit is 100 bytes");
	refused(f, pdf.data, pdf.len, 100, "carrel ebook attach");
	refused(f, "", 0, 100, "empty");
	buf_free(&pdf);
	assert_false(ebookfile_name_valid("../x.pdf"));
	assert_false(ebookfile_name_valid(NULL));
}

static void test_attach_grant_and_access(void **state)
{
	struct fixture *f = *state;
	struct db *db = &f->db;
	assert_int_equal(db_exec(db, "INSERT INTO title(id, title, format, created_at, updated_at) "
		"VALUES (1, 'E', 'ebook', 0, 0), (2, 'P', 'print', 0, 0)", NULL), SQLITE_OK);
	assert_int_equal(db_exec(db, "INSERT INTO account(id, email, name, role, password_hash, "
		"created_at, updated_at) VALUES (7, 'm@x.org', 'M', 'member', '$argon2id$x', 0, 0)", NULL), SQLITE_OK);
	struct buf pdf = BUF_INIT;
	make_pdf(&pdf, 1, "T", "A");
	struct ebook_info info;
	const char *error;
	assert_int_equal(ebookfile_store(f->uploads, pdf.data, pdf.len, 1 << 20, &info, &error), 0);
	assert_int_equal(ebookfile_attach(db, f->uploads, 2, &info, "p.pdf", 0, 5),
		EBOOKFILE_NOT_EBOOK);
	assert_int_equal(ebookfile_attach(db, f->uploads, 9, &info, "p.pdf", 0, 5),
		EBOOKFILE_NOT_FOUND);
	assert_int_equal(ebookfile_attach(db, f->uploads, 1, &info, "p.pdf", 0, 5), EBOOKFILE_OK);
	struct ebook_file_row row;
	assert_int_equal(ebookfile_get(db, &f->arena, 1, &row), 1);
	assert_string_equal(row.original_name, "p.pdf");
	assert_int_equal(row.pages, 1);

	long long loan = 0;
	assert_int_equal(ebookfile_reader_grant(db, 7, 1, 1000, &loan), EBOOK_GRANT_NONE);
	assert_int_equal(db_exec(db, "INSERT INTO ebook_loan(id, title_id, account_id, status, "
		"requested_at, decided_at, access_until) VALUES (3, 1, 7, 'granted', 0, 0, 2000)",
		NULL), SQLITE_OK);
	assert_int_equal(ebookfile_reader_grant(db, 7, 1, 1000, &loan), EBOOK_GRANT_LIVE);
	assert_int_equal(loan, 3);
	/* The time alone ends it, whatever the status still says. */
	assert_int_equal(ebookfile_reader_grant(db, 7, 1, 2000, &loan), EBOOK_GRANT_ENDED);
	assert_int_equal(loan, 0);
	assert_int_equal(ebookfile_record_access(db, 3, 7, 1, 1500, "bytes=0-9"), 0);
	assert_int_equal(db_int(db, 0, "SELECT count(*) FROM ebook_access WHERE loan_id = 3 "
		"AND range = 'bytes=0-9'", NULL), 1);
	assert_int_equal(ebookfile_loan_count(db, 1), 1);

	/* Detaching deletes the file no title uses any more. */
	char path[TEST_DIR_MAX + 128];
	snprintf(path, sizeof path, "%s/ebooks/%s", f->uploads, info.name);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(ebookfile_detach(db, f->uploads, 1, 0, 9), EBOOKFILE_OK);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(ebookfile_detach(db, f->uploads, 1, 0, 9), EBOOKFILE_NOT_FOUND);
	assert_int_equal(db_int(db, 0, "SELECT count(*) FROM audit WHERE object = 'title:1' "
		"AND action IN ('ebook.file', 'ebook.file-removed')", NULL), 2);
	buf_free(&pdf);
}

static void test_size_words(void **state)
{
	(void)state;
	char out[32];
	ebookfile_size_words(out, sizeof out, 512);
	assert_string_equal(out, "512 bytes");
	ebookfile_size_words(out, sizeof out, 30 * 1024 * 1024);
	assert_string_equal(out, "30 MB");
	ebookfile_size_words(out, sizeof out, 1536 * 1024 + 1);
	assert_string_equal(out, "1.6 MB");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pdf_is_stored_with_its_facts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_epub_metadata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_grant_and_access, setup, teardown),
		cmocka_unit_test(test_size_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
