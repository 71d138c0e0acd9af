/*
** test_cover.c: unit tests of cover image checking and storage.
**
** The images are the smallest real files of each kind (1x1 pixel), each
** checked with libjpeg, libpng and libwebp when they were made; the same
** bytes are in tests/e2e/images.py. Each test gets an uploads folder under
** a fresh temporary folder; the uploads folder itself does not exist yet,
** so every first store also exercises mkdir -p.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <magic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "cover.h"

/* 1x1 RGB, 8-bit, one IDAT. */
static const unsigned char png_1x1[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
	0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00,
	0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xd0, 0xca, 0xdf, 0x02,
	0x00, 0x02, 0x14, 0x01, 0x4e, 0x69, 0xa1, 0x48, 0xd9, 0x00, 0x00, 0x00,
	0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

/* 1x1 grey baseline JFIF, as libjpeg writes it with optimised Huffman
** tables. */
static const unsigned char jpeg_1x1[] = {
	0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01,
	0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43,
	0x00, 0x08, 0x06, 0x06, 0x07, 0x06, 0x05, 0x08, 0x07, 0x07, 0x07, 0x09,
	0x09, 0x08, 0x0a, 0x0c, 0x14, 0x0d, 0x0c, 0x0b, 0x0b, 0x0c, 0x19, 0x12,
	0x13, 0x0f, 0x14, 0x1d, 0x1a, 0x1f, 0x1e, 0x1d, 0x1a, 0x1c, 0x1c, 0x20,
	0x24, 0x2e, 0x27, 0x20, 0x22, 0x2c, 0x23, 0x1c, 0x1c, 0x28, 0x37, 0x29,
	0x2c, 0x30, 0x31, 0x34, 0x34, 0x34, 0x1f, 0x27, 0x39, 0x3d, 0x38, 0x32,
	0x3c, 0x2e, 0x33, 0x34, 0x32, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x01,
	0x00, 0x01, 0x01, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x14, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xc4, 0x00, 0x14, 0x10, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,
	0x3f, 0xff, 0xd9,
};

/* 1x1 lossy WebP: RIFF....WEBPVP8 with one key frame. */
static const unsigned char webp_1x1[] = {
	0x52, 0x49, 0x46, 0x46, 0x22, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
	0x56, 0x50, 0x38, 0x20, 0x16, 0x00, 0x00, 0x00, 0x30, 0x01, 0x00, 0x9d,
	0x01, 0x2a, 0x01, 0x00, 0x01, 0x00, 0x0e, 0xc0, 0xfe, 0x25, 0xa4, 0x00,
	0x03, 0x70, 0x00, 0x00, 0x00, 0x00,
};

/* 1x1 transparent GIF89a. */
static const unsigned char gif_1x1[] = {
	0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00,
	0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
	0x00, 0x02, 0x01, 0x44, 0x00, 0x3b,
};

static const char text_file[] = "Hello, this is a cover.\n";
static const char svg_file[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	"width=\"1\" height=\"1\"><script>alert(1)</script></svg>\n";

#define WANT "The cover must be a JPEG, PNG or WebP image; "

struct fixture {
	char root[64];       /* the temporary folder, removed afterwards */
	char uploads[96];    /* root/uploads, not created in advance */
	char covers[128];    /* uploads/covers */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	snprintf(f->root, sizeof f->root, "/tmp/carrel-cover-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->uploads, sizeof f->uploads, "%s/uploads", f->root);
	snprintf(f->covers, sizeof f->covers, "%s/covers", f->uploads);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->root);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Entries of dir other than . and ..; *temps counts names that are not
** cover names (leftover temporaries). -1 when dir does not exist. */
static int count_files(const char *dir, int *temps)
{
	DIR *d = opendir(dir);
	if (temps)
		*temps = 0;
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		if (temps && !cover_name_valid(e->d_name))
			(*temps)++;
	}
	closedir(d);
	return n;
}

static void expected_name(const void *data, size_t len, const char *ext,
	char out[COVER_NAME_MAX])
{
	unsigned char hash[32];
	char hex[65];
	crypto_generichash(hash, sizeof hash, data, len, NULL, 0);
	sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
	snprintf(out, COVER_NAME_MAX, "%s.%s", hex, ext);
}

/* Store data, check the name, the bytes on disk and the modes. */
static void store_ok(struct fixture *f, const void *data, size_t len,
	const char *ext)
{
	char name[COVER_NAME_MAX], want[COVER_NAME_MAX];
	const char *error = "unset";
	assert_int_equal(cover_store(f->uploads, data, len, COVER_MAX_BYTES, name,
		&error), 0);
	assert_null(error);
	expected_name(data, len, ext, want);
	assert_string_equal(name, want);
	assert_true(cover_name_valid(name));

	char path[256];
	snprintf(path, sizeof path, "%s/%s", f->covers, name);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(st.st_size, (off_t)len);
	struct buf b = BUF_INIT;
	assert_int_equal(buf_read_file(&b, path), 0);
	assert_int_equal(b.len, len);
	assert_memory_equal(b.data, data, len);
	buf_free(&b);

	assert_int_equal(stat(f->covers, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(stat(f->uploads, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
}

/* Refused with exactly message, and the folder is as it was. */
static void store_refused(struct fixture *f, const void *data, size_t len,
	size_t max_len, const char *message)
{
	int temps;
	int before = count_files(f->covers, NULL);
	char name[COVER_NAME_MAX];
	memcpy(name, "junk", 5);
	const char *error = NULL;
	assert_int_equal(cover_store(f->uploads, data, len, max_len, name, &error),
		-1);
	assert_non_null(error);
	assert_string_equal(error, message);
	assert_string_equal(name, "");
	assert_int_equal(count_files(f->covers, &temps), before);
	assert_int_equal(temps, 0);
}

/* The sample images are what libmagic (5.44, Debian 12) says they are. */
static void test_samples_are_what_libmagic_says(void **state)
{
	(void)state;
	magic_t m = magic_open(MAGIC_MIME_TYPE);
	assert_non_null(m);
	assert_int_equal(magic_load(m, NULL), 0);
	assert_string_equal(magic_buffer(m, png_1x1, sizeof png_1x1), "image/png");
	assert_string_equal(magic_buffer(m, jpeg_1x1, sizeof jpeg_1x1), "image/jpeg");
	assert_string_equal(magic_buffer(m, webp_1x1, sizeof webp_1x1), "image/webp");
	assert_string_equal(magic_buffer(m, gif_1x1, sizeof gif_1x1), "image/gif");
	assert_string_equal(magic_buffer(m, text_file, strlen(text_file)),
		"text/plain");
	assert_string_equal(magic_buffer(m, svg_file, strlen(svg_file)),
		"image/svg+xml");
	magic_close(m);
}

static void test_store_png(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(count_files(f->uploads, NULL), -1);
	store_ok(f, png_1x1, sizeof png_1x1, "png");
	assert_int_equal(count_files(f->covers, NULL), 1);
}

static void test_store_jpeg(void **state)
{
	store_ok(*state, jpeg_1x1, sizeof jpeg_1x1, "jpg");
}

static void test_store_webp(void **state)
{
	store_ok(*state, webp_1x1, sizeof webp_1x1, "webp");
}

static void test_same_image_is_stored_once(void **state)
{
	struct fixture *f = *state;
	char a[COVER_NAME_MAX], b[COVER_NAME_MAX];
	const char *error;
	int temps;
	assert_int_equal(cover_store(f->uploads, png_1x1, sizeof png_1x1,
		COVER_MAX_BYTES, a, &error), 0);
	assert_int_equal(cover_store(f->uploads, png_1x1, sizeof png_1x1,
		COVER_MAX_BYTES, b, &error), 0);
	assert_string_equal(a, b);
	assert_int_equal(count_files(f->covers, &temps), 1);
	assert_int_equal(temps, 0);

	/* A different image is a second file. */
	store_ok(f, jpeg_1x1, sizeof jpeg_1x1, "jpg");
	assert_int_equal(count_files(f->covers, &temps), 2);
	assert_int_equal(temps, 0);
}

/* A file of the right name but the wrong size (a damaged copy) is
** replaced, not trusted. */
static void test_damaged_copy_is_replaced(void **state)
{
	struct fixture *f = *state;
	char name[COVER_NAME_MAX], path[256];
	expected_name(png_1x1, sizeof png_1x1, "png", name);
	assert_int_equal(mkdir(f->uploads, 0755), 0);
	assert_int_equal(mkdir(f->covers, 0755), 0);
	snprintf(path, sizeof path, "%s/%s", f->covers, name);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	fwrite(png_1x1, 1, 10, fp);
	fclose(fp);
	store_ok(f, png_1x1, sizeof png_1x1, "png");
	assert_int_equal(count_files(f->covers, NULL), 1);
}

static void test_gif_is_refused_by_content(void **state)
{
	struct fixture *f = *state;
	/* Renamed cover.png and sent as image/png: cover_store never sees a
	** name or a type, only the bytes. */
	store_refused(f, gif_1x1, sizeof gif_1x1, COVER_MAX_BYTES,
		WANT "this file is a GIF image.");
	/* Nothing was created, not even the folders. */
	assert_int_equal(count_files(f->uploads, NULL), -1);
	/* Nor added to a folder that holds covers already. */
	store_ok(f, webp_1x1, sizeof webp_1x1, "webp");
	store_refused(f, gif_1x1, sizeof gif_1x1, COVER_MAX_BYTES,
		WANT "this file is a GIF image.");
}

static void test_other_kinds_are_named(void **state)
{
	struct fixture *f = *state;
	store_refused(f, text_file, strlen(text_file), COVER_MAX_BYTES,
		WANT "this file is plain text.");
	store_refused(f, svg_file, strlen(svg_file), COVER_MAX_BYTES,
		WANT "this file is an SVG drawing.");
	static const char pdf[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
	store_refused(f, pdf, sizeof pdf - 1, COVER_MAX_BYTES,
		WANT "this file is a PDF document.");
	static const unsigned char noise[] = { 0x00, 0x9c, 0x17, 0xfe, 0x01,
		0x80, 0x42, 0x00, 0xff, 0x13, 0x07, 0xc8 };
	store_refused(f, noise, sizeof noise, COVER_MAX_BYTES,
		WANT "the kind of this file could not be recognised.");
	assert_int_equal(count_files(f->uploads, NULL), -1);
}

/* libmagic calls these JPEG and WebP from their first few bytes; our own
** check of the first bytes refuses them. */
static void test_first_bytes_must_agree(void **state)
{
	struct fixture *f = *state;
	static const char fake_jpeg[] = "\xff\xd8\xff\x00 not really a JPEG";
	static const char fake_webp[] = "RIFF\x10\x00\x00\x00WEBPjunkjunk";
	magic_t m = magic_open(MAGIC_MIME_TYPE);
	assert_non_null(m);
	assert_int_equal(magic_load(m, NULL), 0);
	assert_string_equal(magic_buffer(m, fake_jpeg, sizeof fake_jpeg - 1),
		"image/jpeg");
	assert_string_equal(magic_buffer(m, fake_webp, sizeof fake_webp - 1),
		"image/webp");
	magic_close(m);
	store_refused(f, fake_jpeg, sizeof fake_jpeg - 1, COVER_MAX_BYTES,
		WANT "this file is not a valid JPEG image.");
	store_refused(f, fake_webp, sizeof fake_webp - 1, COVER_MAX_BYTES,
		WANT "this file is not a valid WebP image.");
	assert_int_equal(count_files(f->uploads, NULL), -1);
}

static void test_too_large(void **state)
{
	struct fixture *f = *state;
	store_refused(f, png_1x1, sizeof png_1x1, sizeof png_1x1 - 1,
		"The cover image is too large: 69 bytes; the limit is 68 bytes.");
	char name[COVER_NAME_MAX];
	const char *error;
	assert_int_equal(cover_store(f->uploads, png_1x1, sizeof png_1x1,
		sizeof png_1x1, name, &error), 0);   /* exactly the limit is fine */

	/* The size is checked before the content, so zeros will do. */
	size_t big = 20 * 1024 * 1024;
	char *data = calloc(1, big + 1);
	assert_non_null(data);
	store_refused(f, data, big, COVER_MAX_BYTES,
		"The cover image is too large: 20.0 MB; the limit is 5 MB.");
	/* Just over the limit never reads as the limit itself. */
	store_refused(f, data, COVER_MAX_BYTES + 1, COVER_MAX_BYTES,
		"The cover image is too large: 5.1 MB; the limit is 5 MB.");
	store_refused(f, data, 1536, 1024,
		"The cover image is too large: 1.5 KB; the limit is 1 KB.");
	free(data);
	assert_int_equal(count_files(f->covers, NULL), 1);
}

static void test_empty(void **state)
{
	struct fixture *f = *state;
	store_refused(f, "", 0, COVER_MAX_BYTES, "The cover file is empty.");
	store_refused(f, NULL, 0, COVER_MAX_BYTES, "The cover file is empty.");
	assert_int_equal(count_files(f->uploads, NULL), -1);
}

/* An uploads "folder" that is a file: the cover cannot be saved, and the
** librarian is asked to try again, not told why. */
static void test_io_error(void **state)
{
	struct fixture *f = *state;
	FILE *fp = fopen(f->uploads, "w");
	assert_non_null(fp);
	fclose(fp);
	store_refused(f, png_1x1, sizeof png_1x1, COVER_MAX_BYTES,
		"The cover could not be saved; please try again.");
	char name[COVER_NAME_MAX];
	const char *error;
	assert_int_equal(cover_store("", png_1x1, sizeof png_1x1,
		COVER_MAX_BYTES, name, &error), -1);
	assert_string_equal(error, "The cover could not be saved; please try again.");
	assert_int_equal(cover_store(NULL, png_1x1, sizeof png_1x1,
		COVER_MAX_BYTES, name, &error), -1);
	assert_string_equal(error, "The cover could not be saved; please try again.");
}

static void test_name_valid(void **state)
{
	(void)state;
	const char *hex =
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char good[COVER_NAME_MAX];
	const char *exts[] = { "jpg", "png", "webp" };
	for (int i = 0; i < 3; i++) {
		snprintf(good, sizeof good, "%s.%s", hex, exts[i]);
		assert_true(cover_name_valid(good));
	}

	char bad[160];
	const char *bad_exts[] = { "gif", "jpeg", "PNG", "svg", "png.html",
		"png/", "", "webp " };
	for (size_t i = 0; i < sizeof bad_exts / sizeof bad_exts[0]; i++) {
		snprintf(bad, sizeof bad, "%s.%s", hex, bad_exts[i]);
		assert_false(cover_name_valid(bad));
	}
	snprintf(bad, sizeof bad, "%s", hex);            /* no extension */
	assert_false(cover_name_valid(bad));
	snprintf(bad, sizeof bad, "%.63s.png", hex);     /* 63 digits */
	assert_false(cover_name_valid(bad));
	snprintf(bad, sizeof bad, "%sa.png", hex);       /* 65 digits */
	assert_false(cover_name_valid(bad));
	snprintf(bad, sizeof bad, "%s.png", hex);
	bad[10] = 'A';                                   /* upper case */
	assert_false(cover_name_valid(bad));
	bad[10] = 'g';                                   /* not hex */
	assert_false(cover_name_valid(bad));
	bad[10] = '/';
	assert_false(cover_name_valid(bad));
	snprintf(bad, sizeof bad, "../%.61s.png", hex);  /* 64 characters before .png */
	assert_false(cover_name_valid(bad));
	snprintf(bad, sizeof bad, "covers/%s.png", hex);
	assert_false(cover_name_valid(bad));

	assert_false(cover_name_valid("../x.png"));
	assert_false(cover_name_valid("abc.png"));
	assert_false(cover_name_valid("a/b.png"));
	assert_false(cover_name_valid(".png"));
	assert_false(cover_name_valid(""));
	assert_false(cover_name_valid(NULL));
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples_are_what_libmagic_says),
		cmocka_unit_test_setup_teardown(test_store_png, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_jpeg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_webp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_image_is_stored_once, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_damaged_copy_is_replaced, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_gif_is_refused_by_content, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_other_kinds_are_named, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_first_bytes_must_agree, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_error, setup, teardown),
		cmocka_unit_test(test_name_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
