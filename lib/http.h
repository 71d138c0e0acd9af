/*
** http.h: request parsing and response building, with no FastCGI in it.
**
** The FastCGI front end (cgi/main.c) copies the CGI parameters and the body
** of a request into a struct req on the request arena and calls
** http_req_parse(); everything below works on plain bytes so it can be unit
** tested and fuzzed on its own.
**
** Every parser enforces limits (field counts, sizes) and rejects text that is
** not valid UTF-8 or holds a NUL byte. Errors are reported as an HTTP status
** (400 malformed, 413 too large) plus a message for the person who sent it.
*/
#ifndef CARREL_HTTP_H
#define CARREL_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

/* One name/value pair of a query string, form or cookie header. Both are
** NUL-terminated, decoded, valid UTF-8 without NUL bytes. */
struct http_kv {
	const char *name;
	const char *value;
	size_t value_len;
};

struct http_kvlist {
	struct http_kv *items;
	size_t n;
	size_t cap;
};

/* One uploaded file of a multipart/form-data body. data points into the
** request body (not NUL-terminated, may be binary). */
struct http_file {
	const char *field;          /* form field name */
	const char *filename;       /* as sent by the browser, UTF-8 checked */
	const char *content_type;   /* as sent (never trusted; see libmagic) */
	const char *data;
	size_t len;
};

struct http_limits {
	size_t max_body;         /* bytes of request body */
	size_t max_fields;       /* name/value pairs per query string or form */
	size_t max_field_len;    /* bytes per decoded value (non-file) */
	size_t max_files;        /* files per multipart body */
	size_t max_file_size;    /* bytes per file */
	size_t max_cookies;      /* cookies in the Cookie header */
	size_t max_files_total;  /* bytes of all files together; 0: no bound
	                            but max_files * max_file_size */
};

/* Limits used by the web front end: 1 MiB body, 200 fields of 64 KiB,
** 4 files of up to 35 MiB each and 35 MiB together (an e-book of 30 MB
** with a cover of 5 MB), so a multipart body may reach 36 MiB; what each
** kind of file may weigh (covers 5 MB, e-books the setting
** ebooks.max_upload_mb) is checked where it is stored. */
extern const struct http_limits http_default_limits;

/* The bytes of files a multipart body may carry under lim. */
size_t http_files_allowance(const struct http_limits *lim);

struct http_error {
	int status;              /* 0 = no error; 400 or 413 */
	const char *message;     /* static text for the error page */
};

struct req {
	struct arena *arena;
	const char *method;          /* "GET", "POST", ... */
	const char *path;            /* percent-decoded path, no query */
	const char *raw_uri;         /* REQUEST_URI as sent (path?query) */
	const char *query_string;    /* raw, may be "" */
	const char *content_type;    /* may be NULL */
	const char *cookie_header;   /* may be NULL */
	const char *range;           /* the Range header; may be NULL */
	const char *authorization;   /* the Authorization header (the API's
	                                token, lib/api.h); may be NULL */
	const char *if_none_match;   /* the If-None-Match header; may be NULL */
	const char *remote_addr;
	bool https;
	const char *body;            /* raw body bytes, body_len of them */
	size_t body_len;

	struct http_kvlist query;    /* from query_string */
	struct http_kvlist form;     /* urlencoded or multipart fields */
	struct http_kvlist cookies;
	struct http_file *files;
	size_t nfiles;

	/* Filled by the router: {placeholders} of the matched route, in order. */
	const char *params[4];
	int nparams;
};

/* Decode raw_uri's path into req->path, then parse the query string,
** cookies and the body (urlencoded or multipart by content_type).
** Returns 0, or fills err and returns its status. */
int http_req_parse(struct req *req, const struct http_limits *lim,
	struct http_error *err);

/* The building blocks http_req_parse uses; each returns 0 or an HTTP
** status with err filled. */
int http_parse_urlencoded(struct arena *a, const char *s, size_t len,
	const struct http_limits *lim, struct http_kvlist *out,
	struct http_error *err);
int http_parse_cookies(struct arena *a, const char *header,
	const struct http_limits *lim, struct http_kvlist *out,
	struct http_error *err);
/* content_type is the full header value, with its boundary parameter. */
int http_parse_multipart(struct arena *a, const char *content_type,
	const char *body, size_t len, const struct http_limits *lim,
	struct http_kvlist *fields, struct http_file **files, size_t *nfiles,
	struct http_error *err);

/* Percent-decode s[0..len) into fresh arena memory ('+' as space when
** plus_is_space). Returns NULL on a malformed escape, a NUL byte, or
** invalid UTF-8 in the result; *outlen gets the decoded length. */
char *http_percent_decode(struct arena *a, const char *s, size_t len,
	bool plus_is_space, size_t *outlen);

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
** nothing above U+10FFFF). */
bool http_utf8_valid(const char *s, size_t len);

/* First value of name, or NULL. */
const char *http_kv_get(const struct http_kvlist *l, const char *name);
const char *http_query(const struct req *r, const char *name);
const char *http_form(const struct req *r, const char *name);
const char *http_cookie(const struct req *r, const char *name);
/* The first uploaded file of field name, or NULL. */
const struct http_file *http_file_get(const struct req *r, const char *name);

/* Append name=value to a list (both copied into the arena). */
void http_kv_add(struct arena *a, struct http_kvlist *l, const char *name,
	const char *value, size_t value_len);

/* Percent-encode s for a query string value or path segment. */
char *http_url_encode(struct arena *a, const char *s);

struct resp {
	struct arena *arena;
	int status;                  /* 200 unless set */
	struct http_kvlist headers;  /* extra headers, in order */
	struct buf *body;            /* owned by the caller, reused */
};

/* Start a 200 text/html response whose body goes to body (cleared). */
void http_resp_init(struct resp *r, struct arena *a, struct buf *body);

/* Add a header. Returns -1 (and adds nothing) when name or value holds a
** CR, LF or NUL, so no header can be injected. */
int http_resp_header(struct resp *r, const char *name, const char *value);

/* Replace the first header of that name (case-insensitive) or add it. */
int http_resp_set_header(struct resp *r, const char *name, const char *value);

/* 303 See Other to location (a path on this site); clears the body. */
void http_redirect(struct resp *r, const char *location);

/* Set-Cookie with HttpOnly; SameSite=Lax; Path=/, plus Secure when secure.
** max_age < 0 omits Max-Age (a browser-session cookie); 0 deletes it. */
void http_set_cookie(struct resp *r, const char *name, const char *value,
	long max_age, bool secure);

/* Write the CGI response head: "Status: 303 See Other\r\n", Content-Type
** (text/html; charset=utf-8 unless a header set one), the extra headers,
** the security headers (CSP default-src 'self'; frame-ancestors 'none',
** nosniff, Referrer-Policy same-origin, X-Frame-Options DENY), and the
** blank line. */
void http_resp_head(const struct resp *r, struct buf *out);

/* "Not Found" for 404 and so on; "Unknown" for codes we never send. */
const char *http_status_text(int status);

#endif
