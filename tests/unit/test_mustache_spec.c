/*
** test_mustache_spec.c: run the official mustache spec against template.c.
**
** Reads every *.json file of the spec directory ($MUSTACHE_SPEC_DIR, else
** ../shared/mustache-spec relative to the project root, where the test
** runs), renders each test and compares with its "expected". Output is TAP;
** the exit status is 0 only when every test passes. Without the directory
** the suite reports itself skipped (TAP "1..0 # SKIP") and exits 0.
**
** Link: lib/arena.c lib/template.c, and jansson
** (pkg-config --cflags --libs jansson).
*/
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L   /* scandir, alphasort */
#endif

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "arena.h"
#include "template.h"

#define SPEC_DIR_DEFAULT "../shared/mustache-spec"
#define SPEC_MAIN "(spec template)"   /* name no spec partial uses */

struct spec_file {
	char *name;      /* "sections.json" */
	json_t *root;    /* NULL when the file did not parse */
	char error[512];
};

/* JSON numbers become the strings a template prints: integers in decimal,
** others in the shortest %g form that reads back as the same double, so
** 1.210 prints "1.21" and not "1.2099999999999999". */
static struct tv *spec_real(struct arena *a, double d)
{
	char s[64];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(s, sizeof s, "%.*g", prec, d);
		if (strtod(s, NULL) == d)
			break;
	}
	return tv_str(a, s);
}

static struct tv *spec_value(struct arena *a, json_t *j)
{
	struct tv *v;
	const char *key;
	json_t *item;
	size_t i;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		v = tv_obj(a);
		json_object_foreach(j, key, item)
			tv_set(v, key, spec_value(a, item));
		return v;
	case JSON_ARRAY:
		v = tv_list(a);
		json_array_foreach(j, i, item)
			tv_push(v, spec_value(a, item));
		return v;
	case JSON_STRING:
		return tv_strn(a, json_string_value(j), json_string_length(j));
	case JSON_INTEGER:
		return tv_int(a, (long long)json_integer_value(j));
	case JSON_REAL:
		return spec_real(a, json_real_value(j));
	case JSON_TRUE:
		return tv_bool(a, true);
	case JSON_FALSE:
		return tv_bool(a, false);
	case JSON_NULL:
		break;
	}
	return tv_null(a);
}

/* Lambdas ({"__tag__": "code"}) need code in the data; template.c has no
** lambdas, so such tests are skipped rather than failed. */
static bool spec_has_lambda(json_t *j)
{
	const char *key;
	json_t *item;
	size_t i;

	if (json_is_object(j)) {
		json_t *tag = json_object_get(j, "__tag__");
		if (json_is_string(tag) && strcmp(json_string_value(tag), "code") == 0)
			return true;
		json_object_foreach(j, key, item) {
			if (spec_has_lambda(item))
				return true;
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, item) {
			if (spec_has_lambda(item))
				return true;
		}
	}
	return false;
}

/* One TAP diagnostic line with the string escaped, so whitespace shows. */
static void spec_diag(const char *label, const char *s, size_t n)
{
	printf("#   %-9s \"", label);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (ch) {
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		default:
			if (ch < 0x20 || ch == 0x7f)
				printf("\\x%02x", ch);
			else
				putchar(ch);
		}
	}
	puts("\"");
}

/* TAP gives '#' a meaning in a test line. */
static void spec_name(const char *s)
{
	for (; *s; s++) {
		if (*s == '#')
			putchar('\\');
		putchar(*s);
	}
}

static const char *spec_str(json_t *obj, const char *key, size_t *len)
{
	json_t *j = json_object_get(obj, key);
	if (!json_is_string(j)) {
		*len = 0;
		return NULL;
	}
	*len = json_string_length(j);
	return json_string_value(j);
}

/* Run one test; prints its TAP line and returns true when it passed. */
static bool spec_run(int k, const char *file, json_t *test)
{
	struct arena a;
	struct buf out = BUF_INIT;
	struct tmpl_set *set = tmpl_set_new();
	char err[512] = "";
	const char *name, *tmpl, *expected, *key;
	size_t name_len, tmpl_len, expected_len;
	json_t *partials, *p;
	bool ok = false, skip = false;

	arena_init(&a, 0);
	name = spec_str(test, "name", &name_len);
	tmpl = spec_str(test, "template", &tmpl_len);
	expected = spec_str(test, "expected", &expected_len);
	if (!name)
		name = "(unnamed)";
	if (!tmpl || !expected) {
		snprintf(err, sizeof err, "test has no template or no expected");
		goto report;
	}
	if (spec_has_lambda(json_object_get(test, "data"))) {
		skip = true;
		goto report;
	}
	partials = json_object_get(test, "partials");
	json_object_foreach(partials, key, p) {
		size_t n = json_string_length(p);
		if (tmpl_set_add(set, key, json_string_value(p), n, err, sizeof err))
			goto report;
	}
	if (tmpl_set_add(set, SPEC_MAIN, tmpl, tmpl_len, err, sizeof err))
		goto report;
	struct tv *view = spec_value(&a, json_object_get(test, "data"));
	if (tmpl_render(set, SPEC_MAIN, view, &a, &out)) {
		snprintf(err, sizeof err, "tmpl_render returned -1");
		goto report;
	}
	ok = out.len == expected_len &&
		memcmp(buf_str(&out), expected, expected_len) == 0;

report:
	printf("%s %d - %s: ", ok || skip ? "ok" : "not ok", k, file);
	spec_name(name);
	if (skip)
		fputs(" # SKIP lambdas are not supported", stdout);
	putchar('\n');
	if (!ok && !skip) {
		if (tmpl)
			spec_diag("template:", tmpl, tmpl_len);
		if (expected)
			spec_diag("expected:", expected, expected_len);
		if (err[0])
			printf("#   error:    %s\n", err);
		else
			spec_diag("got:", buf_str(&out), out.len);
	}
	buf_free(&out);
	tmpl_set_free(set);
	arena_free(&a);
	return ok || skip;
}

static int spec_is_json(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 5 &&
		strcmp(d->d_name + n - 5, ".json") == 0;
}

/* A clone without the spec files still tests the engine (test_template
** covers what it promises); the official suite is then reported as skipped,
** with where to get it, instead of failing. */
static int skip_spec(const char *dir, const char *why)
{
	printf("1..0 # SKIP official mustache spec: %s %s\n", dir, why);
	printf("# SKIP the official mustache spec was not run: %s %s.\n"
	       "# SKIP get the files from https://github.com/mustache/spec (its specs/ folder)\n"
	       "# SKIP and set MUSTACHE_SPEC_DIR to that folder, or place them in %s.\n",
	       dir, why, SPEC_DIR_DEFAULT);
	return 0;
}

int main(void)
{
	const char *dir = getenv("MUSTACHE_SPEC_DIR");
	struct dirent **ents = NULL;
	struct spec_file *files = NULL;
	struct stat st;
	int nfiles, ntests = 0, k = 0, failed = 0;

	if (!dir || !*dir)
		dir = SPEC_DIR_DEFAULT;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return skip_spec(dir, "not found");
	nfiles = scandir(dir, &ents, spec_is_json, alphasort);
	if (nfiles <= 0) {
		free(ents);
		return skip_spec(dir, "holds no *.json spec files");
	}

	/* Load everything first: the TAP plan comes before the tests. */
	files = calloc((size_t)nfiles, sizeof *files);
	if (!files)
		abort();
	for (int i = 0; i < nfiles; i++) {
		char path[4096];
		json_error_t jerr;
		snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
		files[i].name = ents[i]->d_name;
		files[i].root = json_load_file(path, 0, &jerr);
		if (!files[i].root) {
			snprintf(files[i].error, sizeof files[i].error, "%s:%d: %s",
				files[i].name, jerr.line, jerr.text);
		} else if (!json_is_array(json_object_get(files[i].root, "tests"))) {
			snprintf(files[i].error, sizeof files[i].error,
				"%s: no \"tests\" array", files[i].name);
			json_decref(files[i].root);
			files[i].root = NULL;
		}
		ntests += files[i].root ?
			(int)json_array_size(json_object_get(files[i].root, "tests")) : 1;
	}

	printf("1..%d\n", ntests);
	for (int i = 0; i < nfiles; i++) {
		json_t *test;
		size_t j;
		if (!files[i].root) {
			printf("not ok %d - %s: file loads\n#   error:    %s\n", ++k,
				files[i].name, files[i].error);
			failed++;
			continue;
		}
		json_array_foreach(json_object_get(files[i].root, "tests"), j, test) {
			if (!spec_run(++k, files[i].name, test))
				failed++;
		}
	}
	printf("# %d of %d spec tests passed\n", ntests - failed, ntests);

	for (int i = 0; i < nfiles; i++) {
		json_decref(files[i].root);
		free(ents[i]);
	}
	free(ents);
	free(files);
	return failed ? 1 : 0;
}
