/*
** search_times.c: the catalogue search without nginx or FastCGI: each query
** of a `gen_catalogue --queries` list is run through search_run() against a
** database, and the time of each is measured. Prints p50, p90, p99 and the
** slowest queries, so a change to lib/search.c can be judged in seconds.
**
**   search_times DB QUERIES [ROUNDS]
**
** ROUNDS (default 2) passes over the list; only the last is counted (the
** first warms the page cache). PER_PAGE (default 20) hits are loaded, as
** the page would; the window is carrel.fcgi's (CARREL_SEARCH_WINDOW);
** SEARCH_TIMES_OUT names a file for every query's time.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "search.h"

static long search_window;

struct timing {
	double us;
	const char *path;
};

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The fields of the search form, read the way cgi/opac.c reads them. */
static void read_query(struct arena *a, const char *path, struct search_query *q)
{
	memset(q, 0, sizeof *q);
	q->q = q->genre = q->author = q->format = "";
	q->page = 1;
	q->per_page = getenv("PER_PAGE") ? atol(getenv("PER_PAGE")) : 20;
	q->window = search_window;
	const char *qs = strchr(path, '?');
	if (!qs)
		return;
	struct http_kvlist kv = { 0 };
	struct http_error err;
	if (http_parse_urlencoded(a, qs + 1, strlen(qs + 1), &http_default_limits, &kv, &err))
		return;
	const char *v;
	if ((v = http_kv_get(&kv, "q")))
		q->q = v;
	if ((v = http_kv_get(&kv, "genre")))
		q->genre = v;
	if ((v = http_kv_get(&kv, "format")))
		q->format = v;
	if ((v = http_kv_get(&kv, "section")))
		q->section_id = atoll(v);
	if ((v = http_kv_get(&kv, "available")))
		q->available = true;
	if ((v = http_kv_get(&kv, "year_from")))
		q->year_from = atoi(v);
	if ((v = http_kv_get(&kv, "year_to")))
		q->year_to = atoi(v);
	if ((v = http_kv_get(&kv, "sort")))
		q->sort = search_sort_parse(v);
}

static int by_time(const void *pa, const void *pb)
{
	const struct timing *a = pa, *b = pb;
	return (a->us > b->us) - (a->us < b->us);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: search_times DB QUERIES [ROUNDS]\n", stderr);
		return 2;
	}
	int rounds = argc > 3 ? atoi(argv[3]) : 2;
	/* The window as carrel.fcgi would have it (CARREL_SEARCH_WINDOW). */
	struct config cfg;
	char err[512];
	if (config_load(&cfg, err, sizeof err)) {
		fprintf(stderr, "search_times: %s\n", err);
		return 1;
	}
	search_window = cfg.search_window;
	struct db db;
	if (db_open(&db, argv[1], err, sizeof err)) {
		fprintf(stderr, "search_times: %s\n", err);
		return 1;
	}
	FILE *f = fopen(argv[2], "r");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	size_t n = 0, cap = 1024;
	char **paths = malloc(cap * sizeof *paths);
	char line[4096];
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		if (n == cap)
			paths = realloc(paths, (cap *= 2) * sizeof *paths);
		paths[n++] = strdup(line);
	}
	fclose(f);
	struct timing *t = calloc(n, sizeof *t);
	struct arena a;
	arena_init(&a, 1 << 16);
	double total = 0;
	long found = 0;
	for (int r = 0; r < rounds; r++) {
		total = 0;
		found = 0;
		for (size_t i = 0; i < n; i++) {
			struct search_query q;
			struct search_result res;
			double t0 = now_us();
			read_query(&a, paths[i], &q);
			if (search_run(&db, &a, &q, &res)) {
				fprintf(stderr, "search_times: failed: %s\n", paths[i]);
				return 1;
			}
			t[i].us = now_us() - t0;
			t[i].path = paths[i];
			total += t[i].us;
			found += res.total;
			arena_reset(&a);
		}
	}
	if (getenv("SEARCH_TIMES_OUT")) {
		FILE *o = fopen(getenv("SEARCH_TIMES_OUT"), "w");
		for (size_t i = 0; o && i < n; i++)
			fprintf(o, "%.0f %s\n", t[i].us, t[i].path);
		if (o)
			fclose(o);
	}
	qsort(t, n, sizeof *t, by_time);
	printf("%zu queries: mean %.0f us, p50 %.0f, p90 %.0f, p99 %.0f, max %.0f us; "
		"%.1f results a query\n", n, total / (double)n, t[n / 2].us, t[n * 9 / 10].us,
		t[n * 99 / 100].us, t[n - 1].us, (double)found / (double)n);
	for (size_t i = n > 15 ? n - 15 : 0; i < n; i++)
		printf("  %8.0f us  %s\n", t[i].us, t[i].path);
	arena_free(&a);
	db_close(&db);
	return 0;
}
