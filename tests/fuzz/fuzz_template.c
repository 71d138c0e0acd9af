/*
** fuzz_template.c: libFuzzer harness for template.c.
**
** The input is a template source; a NUL byte, if any, splits it into the
** template "t" and a second template "p", so the fuzzer can write its own
** partials and parents. Both are compiled next to fixed templates that
** include "t" and "p" (so recursion, parents and blocks get exercised) and
** rendered against a small fixed view. Compile errors are fine; crashes,
** sanitizer reports, leaks and hangs are not.
**
** Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib \
**            tests/fuzz/fuzz_template.c lib/template.c lib/arena.c
*/
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "template.h"

static struct arena view_arena;
static struct tv *view;

static const char *fixed[][2] = {
	{ "list", "{{#items}}[{{>t}}]{{/items}}" },
	{ "layout", "<{{$title}}T{{/title}}>\n  {{$body}}\n  B\n  {{/body}}\n" },
	{ "page", "{{<layout}}{{$body}}\n{{>p}}\n{{/body}}{{/layout}}" },
	{ "wrap", "{{<t}}{{$a}}A{{/a}}{{$b}}\n  {{>p}}\n{{/b}}{{/t}}" },
};

static void fuzz_init(void)
{
	arena_init(&view_arena, 0);
	view = tv_obj(&view_arena);
	tv_set_str(view, "name", "<O'Hara & \"Sons\">");
	tv_set_str(view, "empty", "");
	tv_set_str(view, "multi", "line one\nline two\n");
	tv_set_int(view, "n", 42);
	tv_set_bool(view, "yes", true);
	tv_set_bool(view, "no", false);
	tv_set(view, "nil", tv_null(&view_arena));
	struct tv *items = tv_set_list(view, "items");
	for (int i = 0; i < 3; i++) {
		struct tv *it = tv_obj(&view_arena);
		tv_set_int(it, "n", i);
		tv_set_str(it, "name", i == 1 ? "b\nc" : "a");
		tv_push(items, it);
	}
	struct tv *nested = tv_set_obj(view, "a");
	tv_set_str(tv_set_obj(nested, "b"), "c", "deep");
	tv_set_list(nested, "none");
	struct tv *strs = tv_set_list(view, "strs");
	tv_push(strs, tv_str(&view_arena, "x"));
	tv_push(strs, tv_str(&view_arena, ""));
	tv_push(strs, tv_list(&view_arena));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena scratch;
	static int ready;
	const char *src = (const char *)data;
	const char *nul = memchr(src, '\0', size);
	size_t tlen = nul ? (size_t)(nul - src) : size;
	struct tmpl_set *set;
	struct buf out = BUF_INIT;
	char err[256];

	if (!ready) {
		fuzz_init();
		arena_init(&scratch, 0);
		ready = 1;
	}
	set = tmpl_set_new();
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		if (tmpl_set_add(set, fixed[i][0], fixed[i][1], strlen(fixed[i][1]),
			err, sizeof err))
			abort();   /* the harness itself is broken */
	}
	tmpl_set_add(set, "t", src, tlen, err, sizeof err);
	if (nul)
		tmpl_set_add(set, "p", nul + 1, size - tlen - 1, err, sizeof err);
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		buf_clear(&out);
		tmpl_render(set, fixed[i][0], view, &scratch, &out);
		arena_reset(&scratch);
	}
	if (tmpl_set_has(set, "t")) {
		buf_clear(&out);
		tmpl_render(set, "t", view, &scratch, &out);
		arena_reset(&scratch);
		buf_clear(&out);
		tmpl_render(set, "t", NULL, &scratch, &out);
		arena_reset(&scratch);
	}
	buf_free(&out);
	tmpl_set_free(set);
	return 0;
}
