/*
** test_isbn.c: unit tests of ISBN checking and formatting, and of the
** metadata look-up against a small HTTP server that the test forks on a
** loopback port. The server answers from canned responses chosen by the
** ISBN in the request, one made-up ISBN (978000000nnn + check digit) per
** behaviour, so nothing here touches the network.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "isbn.h"

#define HOBBIT       "9780261102217"   /* found: full record */
#define NOT_FOUND    "9780000000002"   /* {} */
#define ERROR_500    "9780000000019"
#define SLOW         "9780000000026"   /* answers after 2 s */
#define MALFORMED    "9780000000033"
#define BIG_LENGTH   "9780000000040"   /* Content-Length: 2 MiB */
#define BIG_STREAM   "9780000000057"   /* 2 MiB, no length, then close */
#define REDIRECT     "9780000000064"   /* 302 to /moved/..., then found */
#define REDIR_LOOP   "9780000000071"
#define REDIR_FILE   "9780000000088"   /* 302 to file:///etc/passwd */
#define BAD_UTF8     "9780000000095"
#define NOT_OBJECT   "9780000000101"   /* {"ISBN:...": 42} */
#define TOP_ARRAY    "9780000000118"   /* [] */
#define MESSY        "9780000000125"
#define EXCERPT      "9780000000132"
#define DESCRIPTION  "9780000000149"
#define LONG         "9780000000156"
#define COUNTER      "9780000000163"   /* title: requests on this connection */
#define HTTP_404     "9780000000170"

static pid_t server_pid;
static int server_port;
static char server_url[128];

/*
** The server. It forks a process per connection (so the slow answer holds
** up nothing else) and keeps connections open between answers with a
** length, so the client's connection reuse is exercised.
*/

static void srv_write(int c, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(c, s, n);
		if (w <= 0)
			_exit(0);
		s += w;
		n -= (size_t)w;
	}
}

static void srv_reply(int c, int status, const char *extra, const char *body)
{
	char head[512];
	int n = snprintf(head, sizeof head, "HTTP/1.1 %d X\r\n"
		"Content-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n",
		status, strlen(body), extra ? extra : "");
	srv_write(c, head, (size_t)n);
	srv_write(c, body, strlen(body));
}

static void srv_found(int c, const char *isbn)
{
	char body[2048];
	snprintf(body, sizeof body, "{\"ISBN:%s\": {"
		"\"url\": \"https://openlibrary.org/books/OL1M/The_Hobbit\","
		"\"title\": \"The Hobbit\","
		"\"subtitle\": \"or There and Back Again\","
		"\"authors\": [{\"url\": \"https://openlibrary.org/authors/OL2A\","
		" \"name\": \"J. R. R. Tolkien\"}],"
		"\"number_of_pages\": 310,"
		"\"publishers\": [{\"name\": \"HarperCollins\"}],"
		"\"publish_date\": \"1999\","
		"\"subjects\": [{\"name\": \"Fantasy\", \"url\": \"x\"},"
		" {\"name\": \"Dragons\"}],"
		"\"notes\": \"Bilbo Baggins goes on an adventure.\","
		"\"cover\": {\"small\": \"https://covers.openlibrary.org/b/id/1-S.jpg\","
		" \"medium\": \"https://covers.openlibrary.org/b/id/1-M.jpg\","
		" \"large\": \"https://covers.openlibrary.org/b/id/1-L.jpg\"}}}",
		isbn);
	srv_reply(c, 200, NULL, body);
}

static void srv_long(int c, const char *isbn)
{
	/* A 600-character title of two-byte characters and 5000 letters of
	** notes. */
	size_t cap = 16384;
	char *body = malloc(cap);
	int n = snprintf(body, cap, "{\"ISBN:%s\": {\"title\": \"", isbn);
	for (int i = 0; i < 600; i++)
		n += snprintf(body + n, cap - (size_t)n, "\xc3\xa9");
	n += snprintf(body + n, cap - (size_t)n,
		"\", \"publish_date\": \"Spring 20245\", \"notes\": \"");
	for (int i = 0; i < 5000; i++)
		body[n++] = 'a';
	snprintf(body + n, cap - (size_t)n, "\"}}");
	srv_reply(c, 200, NULL, body);
	free(body);
}

/* Answer one request; returns false when the connection must close. */
static bool srv_answer(int c, const char *target, int count)
{
	char isbn[14] = "";
	char body[4096];
	const char *k = strstr(target, "ISBN:");
	if (k)
		snprintf(isbn, sizeof isbn, "%.13s", k + 5);
	if (strncmp(target, "/api/books?", 11) && strncmp(target, "/moved/", 7)) {
		srv_reply(c, 404, NULL, "no such page");
		return true;
	}
	if (!strncmp(target, "/moved/", 7) || !strcmp(isbn, HOBBIT)) {
		srv_found(c, isbn);
	} else if (!strcmp(isbn, ERROR_500)) {
		srv_reply(c, 500, NULL, "{\"error\": \"oops\"}");
	} else if (!strcmp(isbn, HTTP_404)) {
		srv_reply(c, 404, NULL, "{}");
	} else if (!strcmp(isbn, SLOW)) {
		sleep(2);
		srv_found(c, isbn);
		return false;
	} else if (!strcmp(isbn, MALFORMED)) {
		snprintf(body, sizeof body, "{\"ISBN:%s\": {\"title\": \"The", isbn);
		srv_reply(c, 200, NULL, body);
	} else if (!strcmp(isbn, BIG_LENGTH) || !strcmp(isbn, BIG_STREAM)) {
		size_t total = 2 * 1024 * 1024;
		char chunk[65536];
		memset(chunk, ' ', sizeof chunk);
		int n = snprintf(body, sizeof body, "HTTP/1.1 200 OK\r\n"
			"Content-Type: application/json\r\n");
		if (!strcmp(isbn, BIG_LENGTH))
			n += snprintf(body + n, sizeof body - (size_t)n,
				"Content-Length: %zu\r\n", total);
		else
			n += snprintf(body + n, sizeof body - (size_t)n,
				"Connection: close\r\n");
		n += snprintf(body + n, sizeof body - (size_t)n, "\r\n{}");
		srv_write(c, body, (size_t)n);
		for (size_t sent = 2; sent < total; sent += sizeof chunk)
			srv_write(c, chunk, sizeof chunk);
		return false;
	} else if (!strcmp(isbn, REDIRECT)) {
		snprintf(body, sizeof body, "Location: /moved%s\r\n", target);
		srv_reply(c, 302, body, "");
	} else if (!strcmp(isbn, REDIR_LOOP)) {
		snprintf(body, sizeof body, "Location: %s\r\n", target);
		srv_reply(c, 302, body, "");
	} else if (!strcmp(isbn, REDIR_FILE)) {
		srv_reply(c, 302, "Location: file:///etc/passwd\r\n", "");
	} else if (!strcmp(isbn, BAD_UTF8)) {
		snprintf(body, sizeof body, "{\"ISBN:%s\": {\"title\": \"\xff\xfe\"}}",
			isbn);
		srv_reply(c, 200, NULL, body);
	} else if (!strcmp(isbn, NOT_OBJECT)) {
		snprintf(body, sizeof body, "{\"ISBN:%s\": 42}", isbn);
		srv_reply(c, 200, NULL, body);
	} else if (!strcmp(isbn, TOP_ARRAY)) {
		srv_reply(c, 200, NULL, "[]");
	} else if (!strcmp(isbn, MESSY)) {
		snprintf(body, sizeof body, "{\"ISBN:%s\": {"
			"\"title\": \"  Le   Petit\\tPrince\\n \","
			"\"subtitle\": \"\\u00e9dition \\u00ab sp\\u00e9ciale \\u00bb\","
			"\"authors\": [\"  Antoine de Saint-Exup\\u00e9ry \","
			" {\"name\": \"\"}, {\"nope\": 1}, 5, \"A2\", \"A3\", \"A4\","
			" \"A5\", \"A6\", \"A7\", \"A8\", \"A9\"],"
			"\"publishers\": [\"  Gallimard  \", \"Other\"],"
			"\"publish_date\": \"c1943\","
			"\"number_of_pages\": \"96\","
			"\"subjects\": [\"Fiction\", {\"name\": \" Princes \"}, {}],"
			"\"description\": {\"type\": \"/type/text\", \"value\":"
			" \"Line one.  \\r\\n\\r\\n\\r\\n  Line two\\u0007 end.  \"},"
			"\"cover\": {\"large\": \"javascript:alert(1)\","
			" \"medium\": \"https://covers.example/m.jpg\"}}}", isbn);
		srv_reply(c, 200, NULL, body);
	} else if (!strcmp(isbn, EXCERPT)) {
		snprintf(body, sizeof body, "{\"ISBN:%s\": {\"title\": \"T\","
			"\"excerpts\": [{\"text\": \"  An excerpt. \"}],"
			"\"description\": \"unused\", \"publish_date\": \"May 1999\","
			"\"number_of_pages\": 0, \"cover\": {\"large\": \"\"}}}", isbn);
		srv_reply(c, 200, NULL, body);
	} else if (!strcmp(isbn, DESCRIPTION)) {
		snprintf(body, sizeof body, "{\"ISBN:%s\": {\"title\": 7,"
			"\"notes\": {\"value\": \"   \"},"
			"\"description\": {\"value\": \"From description.\"},"
			"\"publish_date\": \"1999-05-01\", \"number_of_pages\": -3,"
			"\"authors\": \"not a list\"}}", isbn);
		srv_reply(c, 200, NULL, body);
	} else if (!strcmp(isbn, LONG)) {
		srv_long(c, isbn);
	} else if (!strcmp(isbn, COUNTER)) {
		snprintf(body, sizeof body, "{\"ISBN:%s\": {\"title\": \"%d\"}}",
			isbn, count);
		srv_reply(c, 200, NULL, body);
	} else {
		srv_reply(c, 200, NULL, "{}");
	}
	return true;
}

static void srv_connection(int c)
{
	struct timeval tv = { 5, 0 };   /* stray keep-alive children go away */
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	for (int count = 1; ; count++) {
		char req[8192];
		size_t n = 0;
		while (!memmem(req, n, "\r\n\r\n", 4)) {
			if (n == sizeof req - 1)
				return;
			ssize_t r = read(c, req + n, sizeof req - 1 - n);
			if (r <= 0)
				return;
			n += (size_t)r;
		}
		req[n] = '\0';
		char target[2048];
		if (sscanf(req, "GET %2047s HTTP/1.1", target) != 1) {
			srv_reply(c, 400, NULL, "bad request");
			return;
		}
		if (!srv_answer(c, target, count))
			return;
	}
}

static void srv_run(int lfd)
{
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);       /* reap connection children */
	for (;;) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			_exit(1);
		}
		pid_t p = fork();
		if (p == 0) {
			close(lfd);
			srv_connection(c);
			_exit(0);
		}
		close(c);
	}
}

/* A loopback port that nothing listens on (bound, then closed). */
static int closed_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof sa;
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

static int group_setup(void **state)
{
	(void)state;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof sa;
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(lfd, 64) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	server_port = ntohs(sa.sin_port);
	snprintf(server_url, sizeof server_url, "http://127.0.0.1:%d/api/books?"
		"bibkeys=ISBN:{isbn}&format=json&jscmd=data", server_port);
	fflush(NULL);
	server_pid = fork();
	if (server_pid < 0)
		return -1;
	if (server_pid == 0) {
		setpgid(0, 0);
		srv_run(lfd);
		_exit(0);
	}
	setpgid(server_pid, server_pid);   /* whichever runs first */
	close(lfd);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	isbn_lookup_cleanup();
	if (server_pid > 0) {
		kill(-server_pid, SIGKILL);
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
	}
	return 0;
}

static int setup(void **state)
{
	struct arena *a = malloc(sizeof *a);
	arena_init(a, 0);
	*state = a;
	return 0;
}

static int teardown(void **state)
{
	arena_free(*state);
	free(*state);
	return 0;
}

/*
** isbn_normalize, isbn_looks_like, isbn_format.
*/

static void assert_normal(const char *in, const char *want)
{
	char out[14] = "junk";
	const char *msg = isbn_normalize(in, out);
	if (msg)
		fail_msg("\"%s\": %s", in, msg);
	assert_string_equal(out, want);
}

static void assert_refused(const char *in, const char *want_msg)
{
	char out[14] = "junk";
	const char *msg = isbn_normalize(in, out);
	if (!msg)
		fail_msg("\"%s\" was accepted as %s", in ? in : "NULL", out);
	assert_string_equal(msg, want_msg);
	assert_string_equal(out, "");
}

static const char *const WRONG_CHECK =
	"This ISBN's check digit is wrong; please check it for a typing mistake.";
static const char *const WRONG_LENGTH = "An ISBN has 10 or 13 digits.";
static const char *const WRONG_CHAR =
	"An ISBN has only digits, hyphens and spaces (an ISBN-10 may end in X).";
static const char *const WRONG_X =
	"Only the last character of a 10-digit ISBN can be X.";
static const char *const EMPTY = "Please enter an ISBN.";

static void test_normalize_valid(void **state)
{
	(void)state;
	assert_normal("9780261102217", HOBBIT);
	assert_normal("978-0-261-10221-7", HOBBIT);
	assert_normal(" 978 0 261 10221 7 ", HOBBIT);
	assert_normal("978-0261102217", HOBBIT);
	assert_normal("0261102214", HOBBIT);           /* ISBN-10 */
	assert_normal("0-261-10221-4", HOBBIT);
	assert_normal("0 261 10221 4", HOBBIT);
	assert_normal("080442957X", "9780804429573");  /* ends in X */
	assert_normal("0-8044-2957-x", "9780804429573");
	assert_normal("979-10-90636-07-1", "9791090636071");
	assert_normal("9780000000002", "9780000000002");
}

static void test_normalize_invalid(void **state)
{
	(void)state;
	assert_refused(NULL, EMPTY);
	assert_refused("", EMPTY);
	assert_refused(" - - ", EMPTY);
	/* Check digits. */
	assert_refused("9780261102218", WRONG_CHECK);
	assert_refused("978-0-261-10221-0", WRONG_CHECK);
	assert_refused("0261102215", WRONG_CHECK);
	assert_refused("0804429571", WRONG_CHECK);     /* X typed as 1 */
	assert_refused("0261102241", WRONG_CHECK);     /* swapped digits */
	assert_refused("9790261102217", WRONG_CHECK);
	/* Lengths. */
	assert_refused("026110221", WRONG_LENGTH);
	assert_refused("978026110221", WRONG_LENGTH);
	assert_refused("97802611022171", WRONG_LENGTH);
	assert_refused("123456789012345678901234567890", WRONG_LENGTH);
	assert_refused("1", WRONG_LENGTH);
	/* Letters and other characters. */
	assert_refused("ISBN 9780261102217", WRONG_CHAR);
	assert_refused("978O261102217", WRONG_CHAR);   /* letter O */
	assert_refused("978.0.261.10221.7", WRONG_CHAR);
	assert_refused("978\xe2\x80\x90" "0261102217", WRONG_CHAR);
	assert_refused("9780261102217\n", WRONG_CHAR);
	assert_refused("the hobbit", WRONG_CHAR);
	/* X anywhere but tenth and last. */
	assert_refused("978026110221X", WRONG_X);
	assert_refused("X261102214", WRONG_X);
	assert_refused("080442957X1", WRONG_X);
	assert_refused("080442957XX", WRONG_X);
	/* A 13-digit number that is no ISBN (an EAN of something else). */
	assert_refused("9770261102218", "An ISBN-13 starts with 978 or 979.");
	assert_refused("4006381333931", "An ISBN-13 starts with 978 or 979.");
}

static void test_looks_like(void **state)
{
	(void)state;
	assert_true(isbn_looks_like("9780261102217"));
	assert_true(isbn_looks_like("978-0-261-10221-7"));
	assert_true(isbn_looks_like(" 978 0 261 10221 7 "));
	assert_true(isbn_looks_like("0261102214"));
	assert_true(isbn_looks_like("0-8044-2957-X"));
	assert_true(isbn_looks_like("080442957x"));
	assert_true(isbn_looks_like("9780261102218"));   /* wrong check digit */
	assert_true(isbn_looks_like("1234567890"));
	assert_false(isbn_looks_like(NULL));
	assert_false(isbn_looks_like(""));
	assert_false(isbn_looks_like("   "));
	assert_false(isbn_looks_like("hobbit"));
	assert_false(isbn_looks_like("1999"));
	assert_false(isbn_looks_like("978026110221"));
	assert_false(isbn_looks_like("97802611022171"));
	assert_false(isbn_looks_like("978026110221X"));
	assert_false(isbn_looks_like("X"));
	assert_false(isbn_looks_like("0261102214 hobbit"));
	assert_false(isbn_looks_like("ISBN 0261102214"));
	assert_false(isbn_looks_like("080442957X1"));
}

static void test_format(void **state)
{
	(void)state;
	char out[18];
	isbn_format(HOBBIT, out);
	assert_string_equal(out, "978-0-261-10221-7");
	isbn_format("9791090636071", out);
	assert_string_equal(out, "979-1-090-63607-1");
	isbn_format("12345", out);
	assert_string_equal(out, "12345");
	isbn_format("", out);
	assert_string_equal(out, "");
	isbn_format("978026110221X", out);
	assert_string_equal(out, "978026110221X");
	isbn_format("978-0-261-10221-7-and-more", out);
	assert_string_equal(out, "978-0-261-10221-7");
}

/*
** isbn_lookup against the forked server.
*/

static enum isbn_lookup_result look(struct arena *a, const char *isbn,
	long timeout_ms, struct isbn_record *r, const char **why)
{
	return isbn_lookup(server_url, isbn, timeout_ms, a, r, why);
}

static void assert_empty(const struct isbn_record *r)
{
	assert_string_equal(r->title, "");
	assert_string_equal(r->subtitle, "");
	assert_string_equal(r->publisher, "");
	assert_string_equal(r->pub_date, "");
	assert_string_equal(r->description, "");
	assert_string_equal(r->cover_url, "");
	assert_int_equal(r->pub_year, 0);
	assert_int_equal(r->pages, 0);
	assert_int_equal(r->nauthors, 0);
	assert_int_equal(r->nsubjects, 0);
}

static void assert_hobbit(const struct isbn_record *r)
{
	assert_string_equal(r->title, "The Hobbit");
	assert_string_equal(r->subtitle, "or There and Back Again");
	assert_string_equal(r->publisher, "HarperCollins");
	assert_string_equal(r->pub_date, "1999");
	assert_int_equal(r->pub_year, 1999);
	assert_int_equal(r->pages, 310);
	assert_int_equal(r->nauthors, 1);
	assert_string_equal(r->authors[0], "J. R. R. Tolkien");
	assert_int_equal(r->nsubjects, 2);
	assert_string_equal(r->subjects[0], "Fantasy");
	assert_string_equal(r->subjects[1], "Dragons");
	assert_string_equal(r->description, "Bilbo Baggins goes on an adventure.");
	assert_string_equal(r->cover_url,
		"https://covers.openlibrary.org/b/id/1-L.jpg");
}

static void assert_unavailable(struct arena *a, const char *isbn,
	const char *want_why)
{
	struct isbn_record r;
	const char *why = NULL;
	assert_int_equal(look(a, isbn, 2000, &r, &why), ISBN_UNAVAILABLE);
	assert_non_null(why);
	if (strcmp(why, want_why))
		fail_msg("%s: why is \"%s\", expected \"%s\"", isbn, why, want_why);
	assert_empty(&r);
}

static void test_lookup_found(void **state)
{
	struct isbn_record r;
	const char *why = "unset";
	assert_int_equal(look(*state, HOBBIT, 2000, &r, &why), ISBN_FOUND);
	assert_null(why);
	assert_hobbit(&r);
	/* An ISBN-10 as typed is accepted too; why may be NULL. */
	assert_int_equal(look(*state, "0-261-10221-4", 2000, &r, NULL),
		ISBN_FOUND);
	assert_hobbit(&r);
}

static void test_lookup_not_found(void **state)
{
	struct isbn_record r;
	const char *why = NULL;
	assert_int_equal(look(*state, NOT_FOUND, 2000, &r, &why),
		ISBN_NOT_FOUND);
	assert_string_equal(why, "The ISBN service has no book with this ISBN.");
	assert_empty(&r);
	/* An invalid ISBN is never sent. */
	assert_int_equal(look(*state, "9780261102218", 2000, &r, &why),
		ISBN_NOT_FOUND);
	assert_string_equal(why, WRONG_CHECK);
	assert_empty(&r);
}

static void test_lookup_http_errors(void **state)
{
	assert_unavailable(*state, ERROR_500,
		"The ISBN service answered with an error (HTTP 500).");
	assert_unavailable(*state, HTTP_404,
		"The ISBN service answered with an error (HTTP 404).");
}

static void test_lookup_timeout(void **state)
{
	struct isbn_record r;
	const char *why = NULL;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(look(*state, SLOW, 300, &r, &why), ISBN_UNAVAILABLE);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 +
		(t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 250 && ms < 1500);
	assert_string_equal(why,
		"The ISBN service did not answer within 0.3 seconds.");
	assert_empty(&r);
	/* The wording follows the timeout. */
	assert_int_equal(look(*state, SLOW, 1000, &r, &why), ISBN_UNAVAILABLE);
	assert_string_equal(why,
		"The ISBN service did not answer within 1 second.");
	/* The handle still works after an aborted transfer. */
	assert_int_equal(look(*state, HOBBIT, 2000, &r, &why), ISBN_FOUND);
	assert_hobbit(&r);
}

static void test_lookup_malformed(void **state)
{
	const char *unreadable = "The ISBN service sent an answer we could not read.";
	assert_unavailable(*state, MALFORMED, unreadable);
	assert_unavailable(*state, BAD_UTF8, unreadable);
	assert_unavailable(*state, NOT_OBJECT, unreadable);
	assert_unavailable(*state, TOP_ARRAY, unreadable);
}

static void test_lookup_oversize(void **state)
{
	const char *big = "The ISBN service sent an answer larger than 1 MiB.";
	assert_unavailable(*state, BIG_LENGTH, big);
	assert_unavailable(*state, BIG_STREAM, big);
	struct isbn_record r;
	assert_int_equal(look(*state, HOBBIT, 2000, &r, NULL), ISBN_FOUND);
	assert_hobbit(&r);
}

static void test_lookup_redirects(void **state)
{
	struct isbn_record r;
	const char *why = NULL;
	assert_int_equal(look(*state, REDIRECT, 2000, &r, &why), ISBN_FOUND);
	assert_string_equal(r.title, "The Hobbit");
	assert_unavailable(*state, REDIR_LOOP,
		"The ISBN service redirected us too many times.");
	assert_unavailable(*state, REDIR_FILE,
		"The ISBN service's address (or one it redirected to) is not an "
		"http or https URL; check the isbn_url setting.");
}

static void test_lookup_messy_record(void **state)
{
	struct isbn_record r;
	assert_int_equal(look(*state, MESSY, 2000, &r, NULL), ISBN_FOUND);
	assert_string_equal(r.title, "Le Petit Prince");
	assert_string_equal(r.subtitle,
		"\xc3\xa9" "dition \xc2\xab sp\xc3\xa9" "ciale \xc2\xbb");
	assert_string_equal(r.publisher, "Gallimard");
	assert_string_equal(r.pub_date, "c1943");
	assert_int_equal(r.pub_year, 1943);
	assert_int_equal(r.pages, 96);
	assert_int_equal(r.nauthors, 8);
	assert_string_equal(r.authors[0], "Antoine de Saint-Exup\xc3\xa9ry");
	assert_string_equal(r.authors[1], "A2");
	assert_string_equal(r.authors[7], "A8");
	assert_int_equal(r.nsubjects, 2);
	assert_string_equal(r.subjects[0], "Fiction");
	assert_string_equal(r.subjects[1], "Princes");
	assert_string_equal(r.description, "Line one.\n\nLine two end.");
	assert_string_equal(r.cover_url, "https://covers.example/m.jpg");

	assert_int_equal(look(*state, EXCERPT, 2000, &r, NULL), ISBN_FOUND);
	assert_string_equal(r.description, "An excerpt.");
	assert_int_equal(r.pub_year, 1999);
	assert_int_equal(r.pages, 0);
	assert_string_equal(r.cover_url, "");
	assert_int_equal(r.nauthors, 0);

	assert_int_equal(look(*state, DESCRIPTION, 2000, &r, NULL), ISBN_FOUND);
	assert_string_equal(r.title, "");
	assert_string_equal(r.description, "From description.");
	assert_string_equal(r.pub_date, "1999-05-01");
	assert_int_equal(r.pub_year, 1999);
	assert_int_equal(r.pages, 0);
	assert_int_equal(r.nauthors, 0);
}

static void test_lookup_caps_lengths(void **state)
{
	struct isbn_record r;
	assert_int_equal(look(*state, LONG, 2000, &r, NULL), ISBN_FOUND);
	/* 500 characters of two bytes each, cut between characters. */
	assert_int_equal(strlen(r.title), 2 * ISBN_MAX_TITLE);
	assert_memory_equal(r.title + 2 * ISBN_MAX_TITLE - 2, "\xc3\xa9", 2);
	assert_int_equal(strlen(r.description), ISBN_MAX_DESCRIPTION);
	assert_int_equal(r.pub_year, 0);   /* "Spring 20245" has no year */
}

static void test_lookup_reuses_connection(void **state)
{
	struct isbn_record r1, r2;
	assert_int_equal(look(*state, COUNTER, 2000, &r1, NULL), ISBN_FOUND);
	assert_int_equal(look(*state, COUNTER, 2000, &r2, NULL), ISBN_FOUND);
	/* The server numbers the requests on each connection. */
	assert_int_equal(atoi(r2.title), atoi(r1.title) + 1);
	/* After a cleanup a look-up starts afresh, on a new connection. */
	isbn_lookup_cleanup();
	assert_int_equal(look(*state, COUNTER, 2000, &r1, NULL), ISBN_FOUND);
	assert_string_equal(r1.title, "1");
}

static void test_lookup_templates(void **state)
{
	struct arena *a = *state;
	struct isbn_record r;
	const char *why = NULL;
	/* No {isbn}: Open Library's query is appended. */
	char *url = arena_printf(a, "http://127.0.0.1:%d/api/books", server_port);
	assert_int_equal(isbn_lookup(url, HOBBIT, 2000, a, &r, &why), ISBN_FOUND);
	assert_hobbit(&r);
	/* Not http or https. */
	assert_int_equal(isbn_lookup("file:///etc/passwd?{isbn}", HOBBIT, 2000,
		a, &r, &why), ISBN_UNAVAILABLE);
	assert_non_null(strstr(why, "not an http or https URL"));
	assert_int_equal(isbn_lookup("ftp://127.0.0.1/{isbn}", HOBBIT, 2000,
		a, &r, &why), ISBN_UNAVAILABLE);
	assert_non_null(strstr(why, "not an http or https URL"));
	/* Nothing configured. */
	assert_int_equal(isbn_lookup("", HOBBIT, 2000, a, &r, &why),
		ISBN_UNAVAILABLE);
	assert_string_equal(why,
		"No ISBN service is configured (the isbn_url setting).");
	assert_int_equal(isbn_lookup(NULL, HOBBIT, 2000, a, &r, &why),
		ISBN_UNAVAILABLE);
	/* Nobody listening. */
	url = arena_printf(a, "http://127.0.0.1:%d/api/books?bibkeys=ISBN:{isbn}",
		closed_port());
	assert_int_equal(isbn_lookup(url, HOBBIT, 2000, a, &r, &why),
		ISBN_UNAVAILABLE);
	assert_non_null(strstr(why, "The ISBN service could not be reached ("));
	assert_empty(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_valid),
		cmocka_unit_test(test_normalize_invalid),
		cmocka_unit_test(test_looks_like),
		cmocka_unit_test(test_format),
		cmocka_unit_test_setup_teardown(test_lookup_found, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_lookup_not_found, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_lookup_http_errors, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_lookup_timeout, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_lookup_malformed, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_lookup_oversize, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_lookup_redirects, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_lookup_messy_record, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_lookup_caps_lengths, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_lookup_reuses_connection,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_templates, setup,
			teardown),
	};
	return cmocka_run_group_tests_name("isbn", tests, group_setup,
		group_teardown);
}
