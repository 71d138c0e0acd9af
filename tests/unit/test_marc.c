/*
** test_marc.c: unit tests of lib/marc.c, the MARC 21 reader behind bulk
** imports.
**
** ISO 2709 records are built here by a small builder (leader, directory,
** fields), so each test can break exactly one thing. The MARCXML tests
** carry the same record as the ISO tests and expect the same fields.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "marc.h"

#define S(lit) (lit), (sizeof(lit) - 1)

#define MAX_RECORDS 16
#define MAX_LIST 8

/* What the callback saw, copied. */
struct seen {
	long number;
	char *error;
	char *isbn, *title, *subtitle, *edition, *publisher, *date, *summary;
	char *authors[MAX_LIST], *subjects[MAX_LIST];
	int nauthors, nsubjects, year, pages;
};

struct result {
	int n;
	struct seen rec[MAX_RECORDS];
	int stop_after;
	char err[256];
	int rc;
};

static int collect(void *ctx, const struct marc_record *r)
{
	struct result *res = ctx;
	struct seen *s;

	assert_true(res->n < MAX_RECORDS);
	s = &res->rec[res->n++];
	s->number = r->number;
	s->error = r->error ? strdup(r->error) : NULL;
	s->isbn = strdup(r->isbn);
	s->title = strdup(r->title);
	s->subtitle = strdup(r->subtitle);
	s->edition = strdup(r->edition);
	s->publisher = strdup(r->publisher);
	s->date = strdup(r->date);
	s->summary = strdup(r->summary);
	s->year = r->year;
	s->pages = r->pages;
	assert_true(r->nauthors <= MAX_LIST && r->nsubjects <= MAX_LIST);
	s->nauthors = r->nauthors;
	for (int i = 0; i < r->nauthors; i++)
		s->authors[i] = strdup(r->authors[i]);
	s->nsubjects = r->nsubjects;
	for (int i = 0; i < r->nsubjects; i++)
		s->subjects[i] = strdup(r->subjects[i]);
	return res->stop_after && res->n >= res->stop_after;
}

static void result_free(struct result *res)
{
	for (int i = 0; i < res->n; i++) {
		struct seen *s = &res->rec[i];
		free(s->error);
		free(s->isbn);
		free(s->title);
		free(s->subtitle);
		free(s->edition);
		free(s->publisher);
		free(s->date);
		free(s->summary);
		for (int k = 0; k < s->nauthors; k++)
			free(s->authors[k]);
		for (int k = 0; k < s->nsubjects; k++)
			free(s->subjects[k]);
	}
	free(res);
}

static struct result *read_marc(const char *data, size_t len)
{
	struct result *res = calloc(1, sizeof *res);

	assert_non_null(res);
	res->rc = marc_read(data, len, collect, res, res->err, sizeof res->err);
	return res;
}

/*
** The ISO 2709 builder.
*/

struct builder {
	struct buf dir, data;
	char coding;   /* leader/09 */
};

static void mb_start(struct builder *b, char coding)
{
	buf_clear(&b->dir);
	buf_clear(&b->data);
	b->coding = coding;
}

/* Add a field: content as stored (a data field starts with its two
** indicators, subfields with 0x1F), without the terminator. */
static void mb_field(struct builder *b, const char *tag, const char *content)
{
	size_t n = strlen(content) + 1;

	buf_printf(&b->dir, "%.3s%04zu%05zu", tag, n, b->data.len);
	buf_puts(&b->data, content);
	buf_putc(&b->data, 0x1e);
}

/* Append the finished record to out. */
static void mb_end(struct builder *b, struct buf *out)
{
	size_t base = 24 + b->dir.len + 1;
	size_t len = base + b->data.len + 1;

	buf_printf(out, "%05zunam %c22%05zu   4500", len, b->coding, base);
	buf_append(out, b->dir.data, b->dir.len);
	buf_putc(out, 0x1e);
	buf_append(out, b->data.data, b->data.len);
	buf_putc(out, 0x1d);
}

static void mb_free(struct builder *b)
{
	buf_free(&b->dir);
	buf_free(&b->data);
}

/* The Hobbit, with every field the reader extracts. */
static void mb_hobbit(struct builder *b, struct buf *out)
{
	mb_start(b, 'a');
	mb_field(b, "001", "ocm12345");
	mb_field(b, "008", "850101s1937    enk           000 1 eng d");
	mb_field(b, "020", "  \x1fz9999999999\x1fq(cancelled)");
	mb_field(b, "020", "  \x1f" "a 0261102214 (pbk.)\x1f" "c\xc2\xa3" "6.99");
	mb_field(b, "100", "1 \x1f" "aTolkien, J. R. R.,\x1f" "d1892-1973.");
	mb_field(b, "245", "14\x1f" "aThe hobbit :\x1f" "bor, There and back "
		"again /\x1f" "cJ.R.R. Tolkien.");
	mb_field(b, "250", "  \x1f" "a4th ed. /\x1f" "brevised.");
	mb_field(b, "264", " 4\x1f" "c\xc2\xa9" "1937");
	mb_field(b, "264", " 1\x1f" "aLondon :\x1f" "bHarperCollins,\x1f"
		"c[2011].");
	mb_field(b, "260", "  \x1f" "aElsewhere :\x1f" "bNot this one,\x1f"
		"c1999.");
	mb_field(b, "300", "  \x1f" "axviii, 310 pages :\x1f" "bill. ;");
	mb_field(b, "520", "  \x1f" "aBilbo Baggins goes on an adventure.");
	mb_field(b, "650", " 0\x1f" "aDragons\x1f" "vFiction.");
	mb_field(b, "650", " 0\x1f" "aMiddle Earth (Imaginary place).");
	mb_field(b, "700", "1 \x1f" "aAnderson, Douglas A.,\x1f" "eeditor.");
	mb_field(b, "700", "1 \x1f" "aLee, Alan,\x1f" "eillustrator.");
	mb_end(b, out);
}

static void check_hobbit(const struct seen *s)
{
	assert_null(s->error);
	assert_string_equal(s->isbn, "0261102214 (pbk.)");
	assert_string_equal(s->title, "The hobbit");
	assert_string_equal(s->subtitle, "or, There and back again");
	assert_int_equal(s->nauthors, 3);
	assert_string_equal(s->authors[0], "Tolkien, J. R. R.");
	assert_string_equal(s->authors[1], "Anderson, Douglas A.");
	assert_string_equal(s->authors[2], "Lee, Alan");
	assert_string_equal(s->edition, "4th ed.");
	assert_string_equal(s->publisher, "HarperCollins");
	assert_string_equal(s->date, "2011");
	assert_int_equal(s->year, 2011);
	assert_int_equal(s->pages, 310);
	assert_int_equal(s->nsubjects, 2);
	assert_string_equal(s->subjects[0], "Dragons");
	assert_string_equal(s->subjects[1], "Middle Earth (Imaginary place)");
	assert_string_equal(s->summary, "Bilbo Baggins goes on an adventure.");
}

/* Dune: 260 rather than 264, few fields, a UTF-8 name. */
static void mb_dune(struct builder *b, struct buf *out)
{
	mb_start(b, 'a');
	mb_field(b, "245", "10\x1f" "aDune.");
	mb_field(b, "100", "1 \x1f" "aHerbert, Frank.");
	mb_field(b, "700", "1 \x1f" "aSch\xc3\xb6nherr, John.");
	mb_field(b, "260", "  \x1f" "aNew York :\x1f" "bAce Books,\x1f"
		"cc1965.");
	mb_field(b, "300", "  \x1f" "a1 online resource (412 p.)");
	mb_end(b, out);
}

static void check_dune(const struct seen *s)
{
	assert_null(s->error);
	assert_string_equal(s->title, "Dune");
	assert_string_equal(s->subtitle, "");
	assert_string_equal(s->isbn, "");
	assert_int_equal(s->nauthors, 2);
	assert_string_equal(s->authors[0], "Herbert, Frank");
	assert_string_equal(s->authors[1], "Sch\xc3\xb6nherr, John");
	assert_string_equal(s->publisher, "Ace Books");
	assert_string_equal(s->date, "c1965");
	assert_int_equal(s->year, 1965);
	assert_int_equal(s->pages, 412);
	assert_int_equal(s->nsubjects, 0);
	assert_string_equal(s->edition, "");
	assert_string_equal(s->summary, "");
}

struct fixture {
	struct builder b;
	struct buf out;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	mb_free(&f->b);
	buf_free(&f->out);
	free(f);
	return 0;
}

/*
** ISO 2709.
*/

static void test_iso_fields(void **state)
{
	struct fixture *f = *state;
	struct result *res;

	mb_hobbit(&f->b, &f->out);
	assert_int_equal(marc_detect(f->out.data, f->out.len), MARC_ISO2709);
	res = read_marc(f->out.data, f->out.len);
	assert_string_equal(res->err, "");
	assert_int_equal(res->rc, 0);
	assert_int_equal(res->n, 1);
	assert_int_equal(res->rec[0].number, 1);
	check_hobbit(&res->rec[0]);
	result_free(res);
}

static void test_iso_several_records(void **state)
{
	struct fixture *f = *state;
	struct result *res;

	mb_hobbit(&f->b, &f->out);
	mb_dune(&f->b, &f->out);
	buf_puts(&f->out, "\r\n");     /* a line break between records */
	mb_hobbit(&f->b, &f->out);
	buf_puts(&f->out, "\n");
	res = read_marc(f->out.data, f->out.len);
	assert_int_equal(res->rc, 0);
	assert_int_equal(res->n, 3);
	check_hobbit(&res->rec[0]);
	check_dune(&res->rec[1]);
	check_hobbit(&res->rec[2]);
	for (int i = 0; i < 3; i++)
		assert_int_equal(res->rec[i].number, i + 1);
	result_free(res);

	/* The callback can stop the reading. */
	res = calloc(1, sizeof *res);
	assert_non_null(res);
	res->stop_after = 2;
	assert_int_equal(marc_read(f->out.data, f->out.len, collect, res,
		res->err, sizeof res->err), 1);
	assert_int_equal(res->n, 2);
	result_free(res);
}

/* Replace the first occurrence of from (in record bytes) by to. */
static void patch(struct buf *b, size_t start, const char *from,
	const char *to)
{
	char *p = memmem(b->data + start, b->len - start, from, strlen(from));

	assert_non_null(p);
	assert_int_equal(strlen(from), strlen(to));
	memcpy(p, to, strlen(to));
}

static void test_iso_broken_records(void **state)
{
	struct fixture *f = *state;
	struct result *res;
	size_t second, third, fourth;

	mb_hobbit(&f->b, &f->out);
	second = f->out.len;
	mb_dune(&f->b, &f->out);
	third = f->out.len;
	mb_dune(&f->b, &f->out);
	fourth = f->out.len;
	mb_dune(&f->b, &f->out);
	mb_hobbit(&f->b, &f->out);
	/* Record 2: the 245 entry (first in Dune's directory) starts far
	** away. */
	patch(&f->out, second + 24, "245001000000", "245001009999");
	/* Record 3: the 245 field loses its terminator. */
	patch(&f->out, third + 24 + 12, "\x1e\x31\x20\x1f", "X1 \x1f");
	/* Record 4: a tag in the directory is not a tag. */
	patch(&f->out, fourth + 24, "245", "2 5");
	res = read_marc(f->out.data, f->out.len);
	assert_int_equal(res->rc, 0);
	assert_int_equal(res->n, 5);
	check_hobbit(&res->rec[0]);
	assert_string_equal(res->rec[1].error, "record 2: the directory entry "
		"for field 245 points past the end of the record");
	assert_int_equal(res->rec[1].number, 2);
	assert_string_equal(res->rec[1].title, "");
	assert_int_equal(res->rec[1].nauthors, 0);
	assert_string_equal(res->rec[2].error, "record 3: field 245 does not "
		"end with a field terminator");
	assert_string_equal(res->rec[3].error, "record 4: its directory is "
		"damaged");
	check_hobbit(&res->rec[4]);
	assert_int_equal(res->rec[4].number, 5);
	result_free(res);
}

static void test_iso_bad_length(void **state)
{
	struct fixture *f = *state;
	struct result *res;
	size_t second;
	char want[160];

	/* Not a number: the rest cannot be found. */
	mb_hobbit(&f->b, &f->out);
	second = f->out.len;
	mb_dune(&f->b, &f->out);
	mb_hobbit(&f->b, &f->out);
	memcpy(f->out.data + second, "00a12", 5);
	res = read_marc(f->out.data, f->out.len);
	assert_int_equal(res->rc, -1);
	assert_int_equal(res->n, 1);
	snprintf(want, sizeof want, "The MARC file is damaged at record 2 "
		"(byte %zu): it does not start with a record length.", second);
	assert_string_equal(res->err, want);
	result_free(res);

	/* A length one byte short: no record terminator there. */
	buf_clear(&f->out);
	mb_dune(&f->b, &f->out);
	f->out.data[4]--;
	res = read_marc(f->out.data, f->out.len);
	assert_int_equal(res->rc, -1);
	assert_int_equal(res->n, 0);
	assert_string_equal(res->err, "The MARC file is damaged at record 1 "
		"(byte 0): the record does not end where its length says.");
	result_free(res);

	/* Cut short. */
	buf_clear(&f->out);
	mb_hobbit(&f->b, &f->out);
	mb_dune(&f->b, &f->out);
	res = read_marc(f->out.data, f->out.len - 20);
	assert_int_equal(res->rc, -1);
	assert_int_equal(res->n, 1);
	assert_non_null(strstr(res->err, "The MARC file is cut short: record 2 "
		"should be"));
	result_free(res);

	/* Too short to be a record. */
	res = read_marc(S("00010nam a2200000 4500"));
	assert_int_equal(res->rc, -1);
	assert_non_null(strstr(res->err, "a record length of 10 is too short"));
	result_free(res);
}

static void test_iso_marc8(void **state)
{
	struct fixture *f = *state;
	struct result *res;

	/* MARC-8 with a combining acute (0xE2) before the e. */
	mb_start(&f->b, ' ');
	mb_field(&f->b, "245", "10\x1f" "aLes mis\xe2" "erables.");
	mb_end(&f->b, &f->out);
	/* MARC-8 in name, but only ASCII in fact: accepted. */
	mb_start(&f->b, ' ');
	mb_field(&f->b, "245", "10\x1f" "aPlain title.");
	mb_end(&f->b, &f->out);
	/* An escape sequence is MARC-8 even in ASCII bytes. */
	mb_start(&f->b, ' ');
	mb_field(&f->b, "245", "10\x1f" "a\x1b(BGreek.");
	mb_end(&f->b, &f->out);
	res = read_marc(f->out.data, f->out.len);
	assert_int_equal(res->rc, 0);
	assert_int_equal(res->n, 3);
	assert_string_equal(res->rec[0].error, "record 1 is MARC-8 encoded; "
		"only UTF-8 (Unicode) records can be imported");
	assert_null(res->rec[1].error);
	assert_string_equal(res->rec[1].title, "Plain title");
	assert_string_equal(res->rec[2].error, "record 3 is MARC-8 encoded; "
		"only UTF-8 (Unicode) records can be imported");
	result_free(res);
}

static void test_iso_invalid_utf8(void **state)
{
	struct fixture *f = *state;
	struct result *res;

	mb_start(&f->b, 'a');
	mb_field(&f->b, "100", "1 \x1f" "aHugo, Victor.");
	mb_field(&f->b, "245", "10\x1f" "aLes mis\xe9rables.");
	mb_end(&f->b, &f->out);
	mb_dune(&f->b, &f->out);
	res = read_marc(f->out.data, f->out.len);
	assert_int_equal(res->rc, 0);
	assert_int_equal(res->n, 2);
	assert_string_equal(res->rec[0].error, "record 1: field 245 is not "
		"valid UTF-8 text");
	check_dune(&res->rec[1]);
	result_free(res);
}

static void test_not_marc(void **state)
{
	struct result *res;

	(void)state;
	res = read_marc("", 0);
	assert_int_equal(res->rc, -1);
	assert_string_equal(res->err, "The file is empty.");
	result_free(res);
	res = read_marc(S("\xef\xbb\xbf \n"));
	assert_string_equal(res->err, "The file is empty.");
	result_free(res);
	assert_int_equal(marc_detect(S("title,author\n")), MARC_UNKNOWN);
	res = read_marc(S("title,author\n"));
	assert_int_equal(res->rc, -1);
	assert_string_equal(res->err, "The file is not a MARC file (neither "
		"ISO 2709 nor MARCXML).");
	result_free(res);
	res = read_marc(S("<html><body>hi</body></html>"));
	assert_int_equal(res->rc, -1);
	assert_string_equal(res->err, "The file holds no MARC records.");
	result_free(res);
}

/*
** MARCXML.
*/

#define HOBBIT_XML(p) \
	"<" p "leader>01142cam  2200301 a 4500</" p "leader>" \
	"<" p "controlfield tag=\"001\">ocm12345</" p "controlfield>" \
	"<" p "datafield tag=\"020\" ind1=\" \" ind2=\" \">" \
	"<" p "subfield code=\"z\">9999999999</" p "subfield></" p "datafield>" \
	"<" p "datafield tag=\"020\" ind1=\" \" ind2=\" \">" \
	"<" p "subfield code=\"a\">0261102214 (pbk.)</" p "subfield>" \
	"</" p "datafield>" \
	"<" p "datafield tag=\"100\" ind1=\"1\" ind2=\" \">" \
	"<" p "subfield code=\"a\">Tolkien, J. R. R.,</" p "subfield>" \
	"<" p "subfield code=\"d\">1892-1973.</" p "subfield></" p "datafield>" \
	"<" p "datafield tag=\"245\" ind1=\"1\" ind2=\"4\">\n  " \
	"<" p "subfield code=\"a\">The hobbit :</" p "subfield>\n  " \
	"<" p "subfield code=\"b\">or, There and\n back again /</" p \
	"subfield></" p "datafield>" \
	"<" p "datafield tag=\"250\" ind1=\" \" ind2=\" \">" \
	"<" p "subfield code=\"a\">4th ed. /</" p "subfield></" p "datafield>" \
	"<" p "datafield tag=\"264\" ind1=\" \" ind2=\"1\">" \
	"<" p "subfield code=\"b\">HarperCollins,</" p "subfield>" \
	"<" p "subfield code=\"c\"><![CDATA[[2011].]]></" p "subfield>" \
	"</" p "datafield>" \
	"<" p "datafield tag=\"300\" ind1=\" \" ind2=\" \">" \
	"<" p "subfield code=\"a\">xviii, 310 pages :</" p "subfield>" \
	"</" p "datafield>" \
	"<" p "datafield tag=\"520\" ind1=\" \" ind2=\" \">" \
	"<" p "subfield code=\"a\">Bilbo Baggins goes on an adventure." \
	"</" p "subfield></" p "datafield>" \
	"<" p "datafield tag=\"650\" ind1=\" \" ind2=\"0\">" \
	"<" p "subfield code=\"a\">Dragons</" p "subfield></" p "datafield>" \
	"<" p "datafield tag=\"650\" ind1=\" \" ind2=\"0\">" \
	"<" p "subfield code=\"a\">Middle Earth (Imaginary place).</" p \
	"subfield></" p "datafield>" \
	"<" p "datafield tag=\"700\" ind1=\"1\" ind2=\" \">" \
	"<" p "subfield code=\"a\">Anderson, Douglas A.,</" p "subfield>" \
	"</" p "datafield>" \
	"<" p "datafield tag=\"700\" ind1=\"1\" ind2=\" \">" \
	"<" p "subfield code=\"a\">Lee, Alan,</" p "subfield></" p "datafield>"

#define SLIM "\"http://www.loc.gov/MARC21/slim\""

static void test_xml_namespaced(void **state)
{
	static const char xml[] = "\xef\xbb\xbf<?xml version=\"1.0\" "
		"encoding=\"UTF-8\"?>\n<marc:collection xmlns:marc=" SLIM ">\n"
		"<marc:record>" HOBBIT_XML("marc:") "</marc:record>\n"
		"<marc:record>" HOBBIT_XML("marc:") "</marc:record>\n"
		"</marc:collection>\n";
	struct result *res;

	(void)state;
	assert_int_equal(marc_detect(S(xml)), MARC_XML);
	res = read_marc(S(xml));
	assert_string_equal(res->err, "");
	assert_int_equal(res->rc, 0);
	assert_int_equal(res->n, 2);
	check_hobbit(&res->rec[0]);
	check_hobbit(&res->rec[1]);
	assert_int_equal(res->rec[1].number, 2);
	result_free(res);
}

static void test_xml_default_namespace(void **state)
{
	static const char collection[] = "<collection xmlns=" SLIM ">"
		"<record>" HOBBIT_XML("") "</record><record/></collection>";
	static const char single[] = "\n  <?xml version=\"1.0\"?>\n"
		"<record xmlns=" SLIM ">"
		HOBBIT_XML("") "</record>";
	struct result *res;

	(void)state;
	res = read_marc(S(collection));
	assert_int_equal(res->rc, 0);
	assert_int_equal(res->n, 2);
	check_hobbit(&res->rec[0]);
	/* An empty record is delivered (the caller finds it has no title). */
	assert_null(res->rec[1].error);
	assert_string_equal(res->rec[1].title, "");
	result_free(res);

	res = read_marc(S(single));
	assert_int_equal(res->rc, 0);
	assert_int_equal(res->n, 1);
	check_hobbit(&res->rec[0]);
	result_free(res);
}

static void test_xml_broken(void **state)
{
	static const char bad_tag[] = "<collection>"
		"<record><datafield tag=\"24\"><subfield code=\"a\">x</subfield>"
		"</datafield></record>"
		"<record><datafield tag=\"245\"><subfield>x</subfield>"
		"</datafield></record>"
		"<record>" HOBBIT_XML("") "</record></collection>";
	static const char malformed[] = "<collection><record>" HOBBIT_XML("")
		"</record><record><datafield tag=\"245\"></record></collection>";
	static const char latin1[] = "<?xml version=\"1.0\" encoding=\"ISO-"
		"8859-1\"?>\n<collection><record><datafield tag=\"245\">"
		"<subfield code=\"a\">Les Mis\xe9rables</subfield></datafield>"
		"</record></collection>";
	struct result *res;

	(void)state;
	res = read_marc(S(bad_tag));
	assert_int_equal(res->rc, 0);
	assert_int_equal(res->n, 3);
	assert_string_equal(res->rec[0].error, "record 1: a datafield has no "
		"valid tag");
	assert_string_equal(res->rec[1].error, "record 2: a subfield has no "
		"valid code");
	check_hobbit(&res->rec[2]);
	result_free(res);

	/* The reader parses ahead, so the error may stop it before the good
	** record before it is delivered: either way the import fails. */
	res = read_marc(S(malformed));
	assert_int_equal(res->rc, -1);
	assert_true(res->n <= 1);
	assert_non_null(strstr(res->err, "The MARCXML file is not well-formed "
		"XML (line 4: Opening and ending tag mismatch: datafield"));
	result_free(res);

	/* Only UTF-8, whatever the file declares. */
	res = read_marc(S(latin1));
	assert_int_equal(res->rc, -1);
	assert_int_equal(res->n, 0);
	assert_string_equal(res->err, "The MARCXML file is not well-formed XML "
		"(line 2: the text is not UTF-8).");
	result_free(res);
}

static void test_xml_entities(void **state)
{
	static const char external[] = "<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE collection [\n"
		"<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>\n"
		"<collection><record><datafield tag=\"245\">"
		"<subfield code=\"a\">&xxe;</subfield></datafield></record>"
		"</collection>";
	static const char laughs[] = "<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE c [<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">"
		"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
		"<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
		"<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">"
		"]><c><record><datafield tag=\"245\"><subfield code=\"a\">"
		"&d;&d;&d;&d;&d;&d;&d;&d;</subfield></datafield></record></c>";
	static const char predefined[] = "<collection><record>"
		"<datafield tag=\"245\"><subfield code=\"a\">Tom &amp; Jerry "
		"&#x263A; &lt;3</subfield></datafield></record></collection>";
	struct result *res;

	(void)state;
	res = read_marc(S(external));
	assert_int_equal(res->rc, -1);
	assert_int_equal(res->n, 0);
	assert_string_equal(res->err, "The MARCXML file has a DOCTYPE; files "
		"with a document type declaration are not accepted.");
	result_free(res);

	res = read_marc(S(laughs));
	assert_int_equal(res->rc, -1);
	assert_int_equal(res->n, 0);
	result_free(res);

	/* Character references and the five predefined entities are text. */
	res = read_marc(S(predefined));
	assert_int_equal(res->rc, 0);
	assert_string_equal(res->rec[0].title, "Tom & Jerry \xe2\x98\xba <3");
	result_free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_iso_fields, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_iso_several_records,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_iso_broken_records,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_iso_bad_length, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_iso_marc8, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_iso_invalid_utf8, setup,
			teardown),
		cmocka_unit_test(test_not_marc),
		cmocka_unit_test(test_xml_namespaced),
		cmocka_unit_test(test_xml_default_namespace),
		cmocka_unit_test(test_xml_broken),
		cmocka_unit_test(test_xml_entities),
	};
	return cmocka_run_group_tests_name("marc", tests, NULL, NULL);
}
