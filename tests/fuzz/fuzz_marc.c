/*
** fuzz_marc.c: libFuzzer harness for marc.c (ISO 2709 and MARCXML).
**
** The input is read as an uploaded MARC file, once to the end and once
** stopping after the first record. The callback checks every promise
** marc.h makes about a record (numbers in order, strings NUL-terminated
** valid UTF-8, a damaged record carries only its message) and reads every
** byte; the result must be 0, 1 (stopped) or -1 with a message.
**
** Build: see tests/fuzz/run.sh (links -lxml2).
*/
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "marc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	long records;
	long stop_after;   /* 0: never */
};

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void check_text(const char *s)
{
	check(s != NULL);
	check(http_utf8_valid(s, strlen(s)));
}

static void check_list(const char *const *list, int n)
{
	check(n >= 0);
	for (int i = 0; i < n; i++) {
		check_text(list[i]);
		check(list[i][0] != '\0');
	}
}

static int on_record(void *ctx, const struct marc_record *r)
{
	struct seen *s = ctx;

	check(r->number == ++s->records);
	check_text(r->isbn);
	check_text(r->title);
	check_text(r->subtitle);
	check_text(r->edition);
	check_text(r->publisher);
	check_text(r->date);
	check_text(r->summary);
	check_list(r->authors, r->nauthors);
	check_list(r->subjects, r->nsubjects);
	check(r->year >= 0 && r->year <= 9999);
	check(r->pages >= 0);
	if (r->error) {
		check_text(r->error);
		check(r->error[0] != '\0');
		check(r->title[0] == '\0' && r->nauthors == 0);
	}
	return s->stop_after && s->records >= s->stop_after;
}

static void run(const char *data, size_t len, long stop_after)
{
	struct seen s = { 0, stop_after };
	char err[256];
	int rc;

	memset(err, 'x', sizeof err);
	rc = marc_read(data, len, on_record, &s, err, sizeof err);
	check(rc == 0 || rc == 1 || rc == -1);
	check(memchr(err, '\0', sizeof err) != NULL);
	if (rc == -1)
		check(err[0] != '\0');
	else
		check(err[0] == '\0' && s.records > 0);
	if (rc == 1)
		check(s.records == stop_after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees any read past the end. */
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	run(copy, size, 0);
	run(copy, size, 1);
	free(copy);
	return 0;
}
