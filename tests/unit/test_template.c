/*
** test_template.c: template.c behaviour the mustache spec does not cover,
** and (test_engine_promises) each kind of tag the engine promises, so that
** a clone without the official spec files still tests them.
**
** Link: lib/arena.c lib/template.c, and cmocka
** (pkg-config --cflags --libs cmocka).
*/
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L   /* mkdtemp */
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "template.h"

struct fixture {
	struct arena a;
	struct tmpl_set *set;
	struct buf out;
	char err[256];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	arena_init(&f->a, 0);
	f->set = tmpl_set_new();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	buf_free(&f->out);
	tmpl_set_free(f->set);
	arena_free(&f->a);
	free(f);
	return 0;
}

/* Compile src as name; the test fails with the compiler's message. */
static void add(struct fixture *f, const char *name, const char *src)
{
	int rc = tmpl_set_add(f->set, name, src, strlen(src), f->err,
		sizeof f->err);
	if (rc)
		fail_msg("%s", f->err);
}

/* Render name with view and return the output. */
static const char *render(struct fixture *f, const char *name,
	const struct tv *view)
{
	buf_clear(&f->out);
	assert_int_equal(tmpl_render(f->set, name, view, &f->a, &f->out), 0);
	return buf_str(&f->out);
}

static void test_escape_quote(void **state)
{
	struct fixture *f = *state;
	struct tv *view = tv_obj(&f->a);
	tv_set_str(view, "q", "O'Brien & <Sons> \"Ltd\"");
	add(f, "t", "{{q}}|{{{q}}}|{{&q}}");
	assert_string_equal(render(f, "t", view),
		"O&#39;Brien &amp; &lt;Sons&gt; &quot;Ltd&quot;|"
		"O'Brien & <Sons> \"Ltd\"|O'Brien & <Sons> \"Ltd\"");

	struct buf b = BUF_INIT;
	tmpl_escape_html(&b, "a'b", 3);
	tmpl_escape_html(&b, "", 0);
	assert_string_equal(buf_str(&b), "a&#39;b");
	buf_free(&b);
}

static void expect_error(struct fixture *f, const char *src, const char *msg)
{
	strcpy(f->err, "untouched");
	assert_int_equal(tmpl_set_add(f->set, "page", src, strlen(src), f->err,
		sizeof f->err), -1);
	assert_string_equal(f->err, msg);
	assert_false(tmpl_set_has(f->set, "page"));
}

static void test_compile_errors(void **state)
{
	struct fixture *f = *state;
	expect_error(f, "a\nb\n{{#loans}}\n{{title}}\n",
		"page:3: unclosed section 'loans'");
	expect_error(f, "{{#a}}\n{{^b}}\n{{/a}}\n",
		"page:3: close tag 'a' does not match inverted section 'b' "
		"opened on line 2");
	expect_error(f, "x\n\n{{/a}}", "page:3: close tag 'a' without an open section");
	expect_error(f, "one\ntwo {{name\n", "page:2: unclosed tag: '{{' without '}}'");
	expect_error(f, "{{{name}}", "page:1: unclosed tag: '{{' without '}}}'");
	expect_error(f, "\n{{=<% %>=}}\n<%x}}",
		"page:3: unclosed tag: '<%' without '%>'");
	expect_error(f, "{{= | =}}", "page:1: bad set-delimiter tag: want two "
		"delimiters, as in {{=<% %>=}}");
	expect_error(f, "{{ }}", "page:1: empty tag name");
	expect_error(f, "{{a..b}}", "page:1: bad name 'a..b'");
	expect_error(f, "{{<layout}}\n{{$content}}\n{{/layout}}",
		"page:3: close tag 'layout' does not match block 'content' "
		"opened on line 2");
	/* A multi-line comment moves the line count along. */
	expect_error(f, "{{!\n\n}}\n{{#a}}", "page:4: unclosed section 'a'");

	/* A failed compile leaves the earlier template of that name alone. */
	add(f, "page", "fine");
	assert_int_equal(tmpl_set_add(f->set, "page", "{{#x}}", 6, f->err,
		sizeof f->err), -1);
	assert_string_equal(render(f, "page", NULL), "fine");

	/* A NULL err is allowed; an empty template is valid. */
	assert_int_equal(tmpl_set_add(f->set, "bad", "{{", 2, NULL, 0), -1);
	assert_int_equal(tmpl_set_add(f->set, "empty", "", 0, NULL, 0), 0);
	assert_string_equal(render(f, "empty", NULL), "");
}

static void test_recursion_guard(void **state)
{
	struct fixture *f = *state;
	struct tv *view = tv_obj(&f->a);

	add(f, "loop", "x{{>loop}}");
	buf_puts(&f->out, "kept");
	assert_int_equal(tmpl_render(f->set, "loop", view, &f->a, &f->out), -1);
	/* The output is rolled back so an error page can take its place. */
	assert_string_equal(buf_str(&f->out), "kept");

	/* Two calls per level: the step budget ends it, not 2^64 calls. */
	add(f, "fork", "{{>fork}}{{>fork}}");
	assert_int_equal(tmpl_render(f->set, "fork", view, &f->a, &f->out), -1);

	/* A parent that is its own parent, and a block replaced by itself. */
	add(f, "self", "{{<self}}{{/self}}");
	assert_int_equal(tmpl_render(f->set, "self", view, &f->a, &f->out), -1);
	add(f, "base", "{{$b}}{{/b}}");
	add(f, "sub", "{{<base}}{{$b}}[{{$b}}{{/b}}]{{/b}}{{/base}}");
	assert_int_equal(tmpl_render(f->set, "sub", view, &f->a, &f->out), -1);

	/* Recursion that ends with the data is fine, even 50 levels deep. */
	struct tv *root = tv_obj(&f->a), *node = root;
	for (int i = 0; i < 50; i++) {
		struct tv *kid = tv_obj(&f->a);
		tv_set_int(node, "n", i);
		tv_push(tv_set_list(node, "kids"), kid);
		node = kid;
	}
	/* Without its own empty list the leaf would find its parent's "kids"
	** up the context stack and recurse until the guard stops it. */
	tv_set_int(node, "n", 50);
	tv_set_list(node, "kids");
	add(f, "tree", "{{n}}{{#kids}}<{{>tree}}{{/kids}}");
	const char *got = render(f, "tree", root);
	assert_int_equal(strncmp(got, "0<1<2<", 6), 0);
	assert_non_null(strstr(got, "<49<50"));
}

static void write_file(const char *dir, const char *name, const char *s)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(s, fp);
	fclose(fp);
}

static void remove_dir(const char *dir, const char **names)
{
	char path[512];
	for (; *names; names++) {
		snprintf(path, sizeof path, "%s/%s", dir, *names);
		unlink(path);
	}
	rmdir(dir);
}

static void test_load_dir(void **state)
{
	struct fixture *f = *state;
	char dir[] = "/tmp/carrel-tmpl-XXXXXX";
	const char *names[] = { "page.mustache", "_nav.mustache",
		"notes.txt", ".#page.mustache", "empty.mustache", "broken.mustache",
		NULL };
	struct tv *view = tv_obj(&f->a);

	assert_non_null(mkdtemp(dir));
	write_file(dir, "page.mustache", "<h1>{{title}}</h1>\n{{>_nav}}\n");
	write_file(dir, "_nav.mustache", "<nav>home</nav>\n");
	write_file(dir, "notes.txt", "{{#not a template");
	write_file(dir, ".#page.mustache", "{{#editor lock file");
	write_file(dir, "empty.mustache", "");
	assert_int_equal(tmpl_set_load_dir(f->set, dir, f->err, sizeof f->err), 0);
	assert_true(tmpl_set_has(f->set, "page"));
	assert_true(tmpl_set_has(f->set, "_nav"));
	assert_true(tmpl_set_has(f->set, "empty"));
	assert_false(tmpl_set_has(f->set, "notes"));
	tv_set_str(view, "title", "Loans");
	assert_string_equal(render(f, "page", view),
		"<h1>Loans</h1>\n<nav>home</nav>\n");

	/* The error names the file and the line. */
	write_file(dir, "broken.mustache", "ok\n{{#loans}}\n");
	assert_int_equal(tmpl_set_load_dir(f->set, dir, f->err, sizeof f->err), -1);
	char want[512];
	snprintf(want, sizeof want, "%s/broken.mustache:2: unclosed section 'loans'",
		dir);
	assert_string_equal(f->err, want);

	remove_dir(dir, names);
	assert_int_equal(tmpl_set_load_dir(f->set, dir, f->err, sizeof f->err), -1);
	assert_non_null(strstr(f->err, "No such file or directory"));
}

static void test_layout(void **state)
{
	struct fixture *f = *state;
	struct tv *view = tv_obj(&f->a);
	struct tv *loans = tv_set_list(view, "loans");
	struct tv *l1 = tv_obj(&f->a), *l2 = tv_obj(&f->a);

	tv_set_str(view, "member", "Ada O'Hara");
	tv_set_str(l1, "title", "Dune");
	tv_set_str(l2, "title", "Emma");
	tv_push(loans, l1);
	tv_push(loans, l2);
	add(f, "layout",
		"<html>\n"
		"<head><title>{{$title}}Carrel{{/title}}</title></head>\n"
		"<body>\n"
		"  {{>_nav}}\n"
		"  <main>\n"
		"    {{$content}}\n"
		"    <p>Nothing here.</p>\n"
		"    {{/content}}\n"
		"  </main>\n"
		"</body>\n"
		"</html>\n");
	add(f, "_nav", "<nav>\n  <a href=\"/\">Home</a>\n</nav>\n");
	add(f, "account",
		"{{<layout}}\n"
		"{{$title}}Loans of {{member}}{{/title}}\n"
		"{{$content}}\n"
		"<h1>Loans of {{member}}</h1>\n"
		"<ul>\n"
		"  {{#loans}}\n"
		"  <li>{{title}}</li>\n"
		"  {{/loans}}\n"
		"</ul>\n"
		"{{/content}}\n"
		"{{/layout}}\n");
	add(f, "blank", "{{<layout}}{{/layout}}");
	assert_string_equal(render(f, "account", view),
		"<html>\n"
		"<head><title>Loans of Ada O&#39;Hara</title></head>\n"
		"<body>\n"
		"  <nav>\n"
		"    <a href=\"/\">Home</a>\n"
		"  </nav>\n"
		"  <main>\n"
		"    <h1>Loans of Ada O&#39;Hara</h1>\n"
		"    <ul>\n"
		"      <li>Dune</li>\n"
		"      <li>Emma</li>\n"
		"    </ul>\n"
		"  </main>\n"
		"</body>\n"
		"</html>\n");
	assert_string_equal(render(f, "blank", view),
		"<html>\n"
		"<head><title>Carrel</title></head>\n"
		"<body>\n"
		"  <nav>\n"
		"    <a href=\"/\">Home</a>\n"
		"  </nav>\n"
		"  <main>\n"
		"    <p>Nothing here.</p>\n"
		"  </main>\n"
		"</body>\n"
		"</html>\n");
}

static void test_missing_template(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(tmpl_render(f->set, "nope", NULL, &f->a, &f->out), -1);
	assert_false(tmpl_set_has(f->set, "nope"));
	/* A missing partial or parent is no error: it renders as empty. */
	add(f, "t", "[{{>nope}}{{<nope}}{{$x}}y{{/x}}{{/nope}}]");
	assert_string_equal(render(f, "t", NULL), "[]");
}

static void test_values(void **state)
{
	struct fixture *f = *state;
	struct tv *view = tv_obj(&f->a);

	tv_set_str(view, "empty", "");
	tv_set_str(view, "null_str", NULL);
	tv_set_int(view, "n", -42);
	tv_set_bool(view, "yes", true);
	tv_set(view, "nothing", NULL);
	tv_set_obj(view, "obj");
	tv_set_str(view, "n", "replaced");   /* same key: replaced in place */
	assert_int_equal(view->len, 6);
	add(f, "t", "{{#empty}}E{{/empty}}{{^empty}}e{{/empty}}"
		"{{^null_str}}s{{/null_str}}|{{n}}|{{yes}}|{{#obj}}o{{/obj}}"
		"|{{nothing}}{{^nothing}}-{{/nothing}}|{{obj}}");
	assert_string_equal(render(f, "t", view), "es|replaced|true|o|-|");

	/* A key set to null still hides the same key further out. */
	struct tv *inner = tv_set_obj(view, "inner");
	tv_set(inner, "n", tv_null(&f->a));
	add(f, "u", "{{#inner}}[{{n}}]{{/inner}}");
	assert_string_equal(render(f, "u", view), "[]");
	assert_null(tv_get(view, "absent"));
	assert_null(tv_get(tv_str(&f->a, "s"), "n"));
}

static void test_partial_indent(void **state)
{
	struct fixture *f = *state;
	struct tv *view = tv_obj(&f->a);
	struct tv *rows = tv_set_list(view, "rows");

	tv_push(rows, tv_str(&f->a, "a"));
	tv_push(rows, tv_str(&f->a, "b\nc"));
	/* Each template line of the partial is indented, every time round
	** the loop; blank lines get no trailing spaces; data is left alone. */
	add(f, "_row", "{{#rows}}\n<td>{{.}}</td>\n\n{{/rows}}\n");
	add(f, "t", "<tr>\n  {{>_row}}\n</tr>\n");
	assert_string_equal(render(f, "t", view),
		"<tr>\n  <td>a</td>\n\n  <td>b\nc</td>\n\n</tr>\n");
}

/* ---- What the engine promises, checked without the official spec files.
** A clone without them (see test_mustache_spec.c) still tests every kind
** of tag here: one shared view, one case per rule. */

static struct tv *promise_view(struct arena *a)
{
	struct tv *view = tv_obj(a);
	tv_set_str(view, "name", "Ada");
	tv_set_str(view, "html", "<b>&\"'</b>");
	tv_set_int(view, "count", 3);
	tv_set_bool(view, "yes", true);
	tv_set_bool(view, "no", false);
	tv_set_str(view, "empty", "");
	tv_set_list(view, "none");
	struct tv *member = tv_set_obj(view, "member");
	tv_set_str(member, "name", "Grace");
	struct tv *card = tv_set_obj(member, "card");
	tv_set_str(card, "number", "C-1");
	struct tv *loans = tv_set_list(view, "loans");
	const char *titles[] = { "Dune", "Emma" };
	for (int i = 0; i < 2; i++) {
		struct tv *loan = tv_obj(a);
		tv_set_str(loan, "title", titles[i]);
		tv_push(loans, loan);
	}
	struct tv *words = tv_set_list(view, "words");
	tv_push(words, tv_str(a, "a"));
	tv_push(words, tv_str(a, "<b>"));
	return view;
}

struct promise {
	const char *rule;
	const char *src;
	const char *expected;
};

static const struct promise promises[] = {
	/* Interpolation and escaping */
	{ "plain text is kept", "Hello, world!\n", "Hello, world!\n" },
	{ "a name is replaced", "Hi {{name}}.", "Hi Ada." },
	{ "spaces inside a tag", "Hi {{ name }}.", "Hi Ada." },
	{ "double braces escape HTML", "{{html}}", "&lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;" },
	{ "triple braces do not escape", "{{{html}}}", "<b>&\"'</b>" },
	{ "ampersand does not escape", "{{& html}}", "<b>&\"'</b>" },
	{ "integers print in decimal", "{{count}} loans", "3 loans" },
	{ "a missing name is empty", "[{{nobody}}|{{{nobody}}}]", "[|]" },
	/* Dotted names */
	{ "dotted names reach inside objects", "{{member.name}} {{member.card.number}}",
	  "Grace C-1" },
	{ "a broken chain is empty", "[{{member.nobody.number}}]", "[]" },
	{ "a dotted chain starts at the nearest match",
	  "{{#loans}}{{member.name}}{{/loans}}", "GraceGrace" },
	{ "a dotted section", "{{#member.card}}{{number}}{{/member.card}}", "C-1" },
	/* Sections */
	{ "true shows a section once", "{{#yes}}Y{{/yes}}", "Y" },
	{ "false hides a section", "[{{#no}}N{{/no}}]", "[]" },
	{ "an empty string hides a section", "[{{#empty}}E{{/empty}}]", "[]" },
	{ "a missing name hides a section", "[{{#nobody}}X{{/nobody}}]", "[]" },
	{ "a list repeats a section", "{{#loans}}<{{title}}>{{/loans}}", "<Dune><Emma>" },
	{ "an empty list hides a section", "[{{#none}}X{{/none}}]", "[]" },
	{ "an object becomes the context", "{{#member}}{{name}}{{/member}}", "Grace" },
	{ "outer names are found from inside", "{{#loans}}{{name}}:{{title}} {{/loans}}",
	  "Ada:Dune Ada:Emma " },
	{ "the implicit iterator, escaped", "{{#words}}({{.}}){{/words}}", "(a)(&lt;b&gt;)" },
	{ "the implicit iterator, raw", "{{#words}}({{{.}}}){{/words}}", "(a)(<b>)" },
	{ "nested sections", "{{#yes}}{{#member}}{{#card}}{{number}}{{/card}}{{/member}}{{/yes}}",
	  "C-1" },
	/* Inverted sections */
	{ "inverted shows on false", "{{^no}}N{{/no}}", "N" },
	{ "inverted shows on an empty list", "{{^none}}none{{/none}}", "none" },
	{ "inverted shows on a missing name", "{{^nobody}}x{{/nobody}}", "x" },
	{ "inverted hides on true and lists", "[{{^yes}}Y{{/yes}}{{^loans}}L{{/loans}}]", "[]" },
	/* Comments */
	{ "an inline comment is dropped", "a{{! not shown }}b", "ab" },
	{ "a multi-line comment is dropped", "a{{!\nnot\nshown\n}}b", "ab" },
	/* Standalone lines: a line holding only a section, inverted, comment,
	** partial or delimiter tag (and white space) leaves nothing behind. */
	{ "standalone section lines vanish", "<ul>\n  {{#loans}}\n  <li>{{title}}\n  {{/loans}}\n</ul>\n",
	  "<ul>\n  <li>Dune\n  <li>Emma\n</ul>\n" },
	{ "standalone inverted lines vanish", "a\n{{^no}}\nb\n{{/no}}\nc\n", "a\nb\nc\n" },
	{ "standalone comment lines vanish", "a\n  {{! note }}\nb\n", "a\nb\n" },
	{ "standalone lines with CRLF", "a\r\n{{#yes}}\r\nb\r\n{{/yes}}\r\n", "a\r\nb\r\n" },
	{ "standalone at the start and end", "{{#yes}}\nb\n{{/yes}}", "b\n" },
	{ "tags with text beside them are not standalone", " {{#yes}}b{{/yes}} \n", " b \n" },
	{ "interpolation is never standalone", "  {{name}}\n", "  Ada\n" },
	/* Set delimiters */
	{ "new delimiters", "{{=<% %>=}}<% name %> {{name}}", "Ada {{name}}" },
	{ "new delimiters in sections", "{{=| |=}}|#loans||title| |/loans|", "Dune Emma " },
	{ "delimiters switch back", "{{=[ ]=}}[name][={{ }}=]{{name}}", "AdaAda" },
	{ "a standalone delimiter line vanishes", "a\n  {{=| |=}}\n|name|\n", "a\nAda\n" },
	{ "triple mustache keeps with new delimiters", "{{=<% %>=}}<%{html}%>|<%&html%>",
	  "<b>&\"'</b>|<b>&\"'</b>" },
	/* Partials */
	{ "a partial renders in the caller's context", "[{{>p_name}}]", "[Ada]" },
	{ "a partial inside a section", "{{#loans}}{{>p_title}}{{/loans}}", "DuneEmma" },
	{ "a missing partial is empty", "[{{>p_nobody}}]", "[]" },
	{ "a partial keeps its own delimiters", "{{=| |=}}|>p_name|", "Ada" },
	{ "a standalone partial is indented", "<div>\n  {{>p_lines}}\n</div>\n",
	  "<div>\n  one\n  two\n</div>\n" },
	/* Inheritance: a parent's blocks are overridden, else their default shows */
	{ "a block shows its default", "{{$b}}default{{/b}}", "default" },
	{ "a parent's block is overridden", "{{<p_parent}}{{$body}}mine {{name}}{{/body}}{{/p_parent}}",
	  "<h>title</h><m>mine Ada</m>" },
	{ "a parent's default block is kept", "{{<p_parent}}{{/p_parent}}",
	  "<h>title</h><m>nothing</m>" },
};

static void test_engine_promises(void **state)
{
	struct fixture *f = *state;
	struct tv *view = promise_view(&f->a);
	add(f, "p_name", "{{name}}");
	add(f, "p_title", "{{title}}");
	add(f, "p_lines", "one\ntwo\n");
	add(f, "p_parent", "<h>{{$head}}title{{/head}}</h><m>{{$body}}nothing{{/body}}</m>");
	for (size_t i = 0; i < sizeof promises / sizeof promises[0]; i++) {
		const struct promise *p = &promises[i];
		if (tmpl_set_add(f->set, "case", p->src, strlen(p->src), f->err, sizeof f->err))
			fail_msg("%s: does not compile: %s", p->rule, f->err);
		buf_clear(&f->out);
		assert_int_equal(tmpl_render(f->set, "case", view, &f->a, &f->out), 0);
		if (strcmp(buf_str(&f->out), p->expected))
			fail_msg("%s: rendered \"%s\", expected \"%s\"", p->rule,
				buf_str(&f->out), p->expected);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_escape_quote, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compile_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recursion_guard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_template, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_indent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_promises, setup, teardown),
	};
	return cmocka_run_group_tests_name("template", tests, NULL, NULL);
}
