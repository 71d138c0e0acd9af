/*
** api.c: the JSON API's dispatcher and its first endpoints: catalogue
** search, a title, and who a token is. The rules are in lib/api.h.
*/
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "catalogue.h"
#include "circulation.h"
#include "desk.h"
#include "search.h"
#include "web.h"

/* ---- answers ---- */

static void send_json(struct ctx *c, int status, json_t *doc)
{
	c->resp->status = status;
	http_resp_set_header(c->resp, "Content-Type", "application/json; charset=utf-8");
	buf_clear(c->resp->body);
	char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	if (text) {
		buf_puts(c->resp->body, text);
		free(text);
	} else {
		c->resp->status = 500;
		buf_puts(c->resp->body, "{\"error\":{\"code\":\"internal_error\",\"message\":"
			"\"The answer could not be written.\",\"field\":null}}");
	}
	json_decref(doc);
}

void api_error(struct ctx *c, int status, const char *code, const char *message,
	const char *field)
{
	json_t *e = json_pack("{s:s, s:s, s:o}", "code", code, "message", message,
		"field", field ? json_string(field) : json_null());
	send_json(c, status, json_pack("{s:o}", "error", e));
}

static void internal_error(struct ctx *c)
{
	api_error(c, 500, API_ERR_INTERNAL, "Something went wrong on our side. Please "
		"try again.", NULL);
}

/* A moment as RFC 3339 in UTC ("2026-12-06T10:00:00Z"), or null for 0. */
static json_t *json_moment(long long unix_seconds)
{
	if (!unix_seconds)
		return json_null();
	time_t t = (time_t)unix_seconds;
	struct tm tm;
	gmtime_r(&t, &tm);
	char s[32];
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(s);
}

static json_t *json_or_null_int(long long v)
{
	return v ? json_integer(v) : json_null();
}

/* ---- the dispatcher ---- */

static bool is_json_type(const char *content_type)
{
	if (!content_type)
		return false;
	size_t n = strlen("application/json");
	return !strncasecmp(content_type, "application/json", n) &&
		(content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

/* The request as sent may be refused before any route is looked at. */
static bool request_acceptable(struct ctx *c, const struct http_error *err)
{
	if (err->status == 413) {
		char msg[96];
		snprintf(msg, sizeof msg, "The request's body is too large: at most %d KB.",
			API_MAX_BODY / 1024);
		api_error(c, 413, API_ERR_TOO_LARGE, msg, NULL);
		return false;
	}
	if (err->status) {
		api_error(c, err->status, API_ERR_BAD_REQUEST, err->message, NULL);
		return false;
	}
	if (c->req->body_len && !is_json_type(c->req->content_type)) {
		api_error(c, 415, API_ERR_MEDIA_TYPE, "Send the request's body as JSON, with "
			"Content-Type: application/json.", NULL);
		return false;
	}
	return true;
}

static const struct route *find_route(struct ctx *c)
{
	bool path_known;
	const struct route *route = route_match(c->req, c->req->method, &path_known);
	if (route && route_is_api(route))
		return route;
	if (route || !path_known)
		api_error(c, 404, API_ERR_NOT_FOUND, "There is nothing at this address of "
			"the API. /api/v1/openapi.json lists what there is.", NULL);
	else {
		http_resp_header(c->resp, "Allow", route_methods(c->req));
		api_error(c, 405, API_ERR_METHOD, "This address cannot be used with that method.",
			NULL);
	}
	return NULL;
}

/* The token's checks: who it is, whether it may use the route, the rate
** limit. False when the request was answered. */
static bool authorize(struct ctx *c, const struct route *route, struct api_caller *caller)
{
	const char *auth = c->req->authorization;
	bool sent = auth && *auth;
	if (sent && api_token_authenticate(c->db, c->arena, auth, c->now, caller)) {
		internal_error(c);
		return false;
	}
	if (sent && !caller->valid) {
		http_resp_header(c->resp, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
		api_error(c, 401, API_ERR_INVALID_TOKEN, "The token is not valid: it may be "
			"mistyped, revoked or expired, or its account closed. Make a new one on "
			"your profile page.", NULL);
		return false;
	}
	if (!sent && route->min_role > ROLE_ANON) {
		http_resp_header(c->resp, "WWW-Authenticate", "Bearer");
		api_error(c, 401, API_ERR_TOKEN_REQUIRED, "This needs an API token, sent as "
			"Authorization: Bearer <token>. Make one on your profile page.", NULL);
		return false;
	}
	if (!sent)
		return true;
	if (caller->role < route->min_role) {
		api_error(c, 403, API_ERR_FORBIDDEN, "Your account does not give access to this.",
			NULL);
		return false;
	}
	if (caller->scope < route->scope) {
		api_error(c, 403, API_ERR_SCOPE, "This token may only read. Make a read-write "
			"token to make changes.", NULL);
		return false;
	}
	int wait = api_rate_check(c->db, caller->token_id, c->now);
	if (wait < 0) {
		internal_error(c);
		return false;
	}
	if (wait > 0) {
		char retry[16];
		snprintf(retry, sizeof retry, "%d", wait);
		http_resp_header(c->resp, "Retry-After", retry);
		api_error(c, 429, API_ERR_RATE_LIMITED, "This token has made too many requests "
			"this minute. Wait for the time in Retry-After and try again.", NULL);
		return false;
	}
	return true;
}

/* A read's ETag, and 304 when the client holds that answer already. */
static void apply_etag(struct ctx *c)
{
	if (c->resp->status != 200 || (strcmp(c->req->method, "GET") &&
	    strcmp(c->req->method, "HEAD")))
		return;
	const char *etag = api_etag(c->arena, c->resp->body->data ? c->resp->body->data : "",
		c->resp->body->len);
	http_resp_set_header(c->resp, "ETag", etag);
	if (api_etag_matches(c->req->if_none_match, etag)) {
		c->resp->status = 304;
		buf_clear(c->resp->body);
	}
}

void api_dispatch(struct ctx *c, const struct http_error *err)
{
	struct api_caller caller;
	memset(&caller, 0, sizeof caller);
	c->caller = &caller;
	const struct route *route = NULL;
	if (request_acceptable(c, err) && (route = find_route(c)) &&
	    authorize(c, route, &caller)) {
		/* Whatever the handler writes to the audit trail is the token's. */
		audit_set_actor(caller.valid ? caller.account_id : 0);
		audit_set_via(caller.valid ? caller.token_name : NULL);
		route->handler(c);
		audit_set_actor(0);
		audit_set_via(NULL);
	}
	apply_etag(c);
	http_resp_set_header(c->resp, "Cache-Control", c->req->authorization &&
		*c->req->authorization ? "no-store" : "no-cache");
	c->caller = NULL;
}

/* ---- parameters ---- */

/* limit and cursor of a list; false when answered (422 or 400). */
static bool read_paging(struct ctx *c, long *limit, long *offset)
{
	const char *l = http_query(c->req, "limit");
	*limit = API_LIMIT_DEFAULT;
	if (l && *l) {
		long long v = valid_id(l);
		if (v < 1 || v > API_LIMIT_MAX) {
			api_error(c, 422, API_ERR_INVALID_FIELD, "limit is a whole number from 1 "
				"to 100.", "limit");
			return false;
		}
		*limit = (long)v;
	}
	*offset = api_cursor_offset(c->arena, http_query(c->req, "cursor"));
	if (*offset < 0) {
		api_error(c, 400, API_ERR_INVALID_CURSOR, "That cursor is not one this API "
			"gave. Start again without a cursor.", "cursor");
		return false;
	}
	return true;
}

static bool parse_year(const char *s, int *out)
{
	*out = 0;
	if (!s || !*s)
		return true;
	long long y = valid_id(s);
	if (y < 1 || y > 9999 || strlen(s) > 4)
		return false;
	*out = (int)y;
	return true;
}

/* The catalogue's filters, as /catalogue reads them; false when answered. */
static bool read_search(struct ctx *c, struct search_query *q)
{
	memset(q, 0, sizeof *q);
	q->q = valid_trim(c->arena, http_query(c->req, "q"));
	q->genre = valid_trim(c->arena, http_query(c->req, "genre"));
	q->author = valid_trim(c->arena, http_query(c->req, "author"));
	q->format = http_query(c->req, "format") ? http_query(c->req, "format") : "";
	const char *available = http_query(c->req, "available");
	q->available = available && (!strcmp(available, "1") || !strcmp(available, "true"));
	const char *sort = http_query(c->req, "sort");
	q->sort = search_sort_parse(sort);
	q->window = c->cfg->search_window;
	const char *section = http_query(c->req, "section");
	const char *field = NULL, *why = NULL;
	if (sort && *sort && strcmp(search_sort_name(q->sort), sort))
		field = "sort", why = "sort is one of relevance, title, author, newest, rating.";
	else if (section && *section && !(q->section_id = valid_id(section)))
		field = "section", why = "section is a section's number.";
	else if (*q->format && strcmp(q->format, "print") && strcmp(q->format, "ebook"))
		field = "format", why = "format is print or ebook.";
	else if (!parse_year(http_query(c->req, "year_from"), &q->year_from))
		field = "year_from", why = "A year is a number such as 1998.";
	else if (!parse_year(http_query(c->req, "year_to"), &q->year_to))
		field = "year_to", why = "A year is a number such as 1998.";
	else if (q->year_from && q->year_to && q->year_from > q->year_to)
		field = "year_from", why = "year_from comes after year_to.";
	else if (strlen(q->genre) > 100)
		field = "genre", why = "genre is at most 100 characters.";
	else if (strlen(q->author) > 200)
		field = "author", why = "author is at most 200 characters.";
	if (!field)
		return true;
	api_error(c, 422, API_ERR_INVALID_FIELD, why, field);
	return false;
}

/* The request's body as a JSON object; NULL when answered (400 for what
** is not JSON, 422 for JSON that is not an object). The caller frees it. */
static json_t *read_body_object(struct ctx *c)
{
	json_error_t jerr;
	json_t *body = c->req->body_len ? json_loadb(c->req->body, c->req->body_len,
		JSON_REJECT_DUPLICATES, &jerr) : NULL;
	if (!body) {
		api_error(c, 400, API_ERR_INVALID_JSON, c->req->body_len ? arena_printf(c->arena,
			"The body is not valid JSON: %s (line %d).", jerr.text, jerr.line)
			: "Send a JSON object as the body.", NULL);
		return NULL;
	}
	if (!json_is_object(body)) {
		json_decref(body);
		api_error(c, 422, API_ERR_INVALID_FIELD, "The body is a JSON object.", NULL);
		return NULL;
	}
	return body;
}

/* A member of body that must be a positive whole number; 0 when answered. */
static long long body_id(struct ctx *c, json_t *body, const char *name)
{
	json_t *v = json_object_get(body, name);
	if (json_is_integer(v) && json_integer_value(v) > 0)
		return json_integer_value(v);
	api_error(c, 422, API_ERR_INVALID_FIELD, arena_printf(c->arena, v ? "%s is a "
		"positive whole number." : "%s is missing.", name), name);
	return 0;
}

/* ---- endpoints ---- */

/* "A; B" as ["A", "B"]. */
static json_t *author_list(const char *authors)
{
	json_t *list = json_array();
	const char *p = authors ? authors : "";
	while (*p) {
		const char *end = strstr(p, "; ");
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n)
			json_array_append_new(list, json_stringn(p, n));
		p += n + (end ? 2 : 0);
	}
	return list;
}

static json_t *hit_json(const struct search_hit *h)
{
	json_t *rating = h->rating_count ? json_pack("{s:f, s:I}", "average",
		(double)h->rating_sum / (double)h->rating_count, "count",
		(json_int_t)h->rating_count) : json_null();
	return json_pack("{s:I, s:s, s:s, s:o, s:o, s:s, s:i, s:i, s:o}",
		"id", (json_int_t)h->id, "title", h->title, "subtitle", h->subtitle,
		"authors", author_list(h->authors), "year", json_or_null_int(h->year),
		"format", h->format, "copies", h->copies, "available", h->available,
		"rating", rating);
}

/* The hits from offset, limit of them: a page of the search when the
** offset falls on one, else the first offset + limit hits, sliced. */
static int search_slice(struct ctx *c, struct search_query *q, long offset, long limit,
	struct search_result *r, int *first)
{
	if (offset % limit == 0) {
		q->page = offset / limit + 1;
		q->per_page = limit;
		*first = 0;
	} else {
		q->page = 1;
		q->per_page = offset + limit;
		*first = (int)offset;
	}
	return search_run(c->db, c->arena, q, r);
}

void api_catalogue(struct ctx *c)
{
	struct search_query q;
	long limit, offset;
	if (!read_search(c, &q) || !read_paging(c, &limit, &offset))
		return;
	struct search_result r;
	int first;
	if (search_slice(c, &q, offset, limit, &r, &first)) {
		internal_error(c);
		return;
	}
	json_t *items = json_array();
	for (int i = first; i < r.n; i++)
		json_array_append_new(items, hit_json(&r.hits[i]));
	long next = offset + (long)json_array_size(items);
	bool more_pages = json_array_size(items) > 0 && next < r.total;
	send_json(c, 200, json_pack("{s:o, s:I, s:b, s:b, s:i, s:o}",
		"items", items, "total", (json_int_t)r.total, "more_matches", r.more,
		"by_isbn", r.by_isbn, "limit", (int)limit,
		"next_cursor", more_pages ? json_string(api_cursor_make(c->arena, next))
		: json_null()));
}

static json_t *copy_json(struct ctx *c, const struct copy_info *k)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:b}", "id", (json_int_t)k->id,
		"location", k->location, "status", k->status,
		"status_label", catalogue_status_label(k->status),
		"available", !strcmp(k->status, "available"));
	const char *due = !strcmp(k->status, "on-loan") ? api_copy_due_day(c->db, c->arena,
		k->id) : NULL;
	json_object_set_new(o, "due", due && *due ? json_string(due) : json_null());
	return o;
}

void api_title(struct ctx *c)
{
	circ_holds_expire(c->db, c->arena, c->now);
	struct title_detail t;
	int rc = catalogue_title_get(c->db, c->arena, valid_id(c->req->params[0]), &t);
	if (rc) {
		if (rc > 0)
			api_error(c, 404, API_ERR_NOT_FOUND, "There is no title with that number.",
				"id");
		else
			internal_error(c);
		return;
	}
	json_t *authors = json_array();
	for (int i = 0; i < t.nauthors; i++)
		json_array_append_new(authors, json_string(t.authors[i]));
	json_t *copies = json_array();
	int on_shelf = 0;
	for (int i = 0; i < t.ncopies; i++) {
		if (!strcmp(t.copies[i].status, "withdrawn"))
			continue;   /* gone from the library, as on the title page */
		on_shelf += !strcmp(t.copies[i].status, "available");
		json_array_append_new(copies, copy_json(c, &t.copies[i]));
	}
	json_t *section = t.section_id ? json_pack("{s:I, s:s}", "id",
		(json_int_t)t.section_id, "name", t.section) : json_null();
	size_t ncopies = json_array_size(copies);
	send_json(c, 200, json_pack("{s:I, s:o, s:s, s:s, s:o, s:s, s:o, s:s, s:o, s:s, "
		"s:o, s:s, s:s, s:o, s:i, s:i}",
		"id", (json_int_t)t.id, "isbn13", *t.isbn13 ? json_string(t.isbn13) : json_null(),
		"title", t.title, "subtitle", t.subtitle, "authors", authors,
		"publisher", t.publisher, "year", json_or_null_int(t.pub_year),
		"genre", t.genre, "section", section, "language", t.language,
		"pages", json_or_null_int(t.pages), "description", t.description,
		"format", t.format, "copies", copies, "copies_total", (int)ncopies,
		"copies_available", on_shelf));
}

void api_me(struct ctx *c)
{
	const struct api_caller *who = c->caller;
	send_json(c, 200, json_pack("{s:{s:I, s:s, s:s, s:s}, s:{s:s, s:s, s:o}}",
		"account", "id", (json_int_t)who->account_id, "name", who->name,
		"email", who->email, "role", auth_role_name(who->role),
		"token", "name", who->token_name, "scope", api_scope_name(who->scope),
		"expires_at", json_moment(who->expires_at)));
}

void api_hold_place(struct ctx *c)
{
	json_t *body = read_body_object(c);
	if (!body)
		return;
	long long title_id = body_id(c, body, "title_id");
	json_decref(body);
	if (!title_id)
		return;
	struct circ_result r;
	circ_hold_place(c->db, c->arena, c->now, title_id, c->caller->account_id, &r);
	switch (r.code) {
	case CIRC_OK:
		send_json(c, 201, json_pack("{s:{s:I, s:I, s:s, s:i}}", "hold",
			"id", (json_int_t)r.hold_id, "title_id", (json_int_t)title_id,
			"status", api_hold_status(c->db, c->arena, r.hold_id),
			"queue_place", r.queue_place));
		return;
	case CIRC_NOT_FOUND:
		api_error(c, 404, API_ERR_NOT_FOUND, r.message, "title_id");
		return;
	case CIRC_ERROR:
		internal_error(c);
		return;
	default:
		api_error(c, 409, API_ERR_CONFLICT, r.message, NULL);
	}
}

void api_hold_cancel(struct ctx *c)
{
	long long hold_id = valid_id(c->req->params[0]);
	struct circ_result r;
	circ_hold_cancel(c->db, c->arena, c->now, hold_id, c->caller->account_id, &r);
	switch (r.code) {
	case CIRC_OK:
		send_json(c, 200, json_pack("{s:{s:I, s:s}}", "hold", "id", (json_int_t)hold_id,
			"status", "cancelled"));
		return;
	case CIRC_NOT_FOUND:
	case CIRC_NOT_YOURS:
		/* Another's hold is not said to exist. */
		api_error(c, 404, API_ERR_NOT_FOUND, "You have no hold with that number.", "id");
		return;
	case CIRC_ERROR:
		internal_error(c);
		return;
	default:
		api_error(c, 409, API_ERR_CONFLICT, r.message, NULL);
	}
}

/* The account's holds waiting or ready, oldest first, a page at a time. */
void api_my_holds(struct ctx *c)
{
	long limit, offset;
	if (!read_paging(c, &limit, &offset))
		return;
	circ_holds_expire(c->db, c->arena, c->now);
	struct desk_member_hold *holds;
	int n = desk_member_holds(c->db, c->arena, c->caller->account_id, &holds);
	if (n < 0) {
		internal_error(c);
		return;
	}
	json_t *items = json_array();
	for (long i = offset; i < n && i < offset + limit; i++) {
		const struct desk_member_hold *h = &holds[i];
		json_array_append_new(items, json_pack("{s:I, s:I, s:s, s:s, s:o, s:o}",
			"id", (json_int_t)h->id, "title_id", (json_int_t)h->title_id,
			"title", h->title, "status", h->ready ? "ready" : "waiting",
			"queue_place", h->ready ? json_null() : json_integer(h->place),
			"pickup_by", *h->pickup_by ? json_string(h->pickup_by) : json_null()));
	}
	long next = offset + limit;
	send_json(c, 200, json_pack("{s:o, s:i, s:i, s:o}", "items", items, "total", n,
		"limit", (int)limit, "next_cursor", next < n
		? json_string(api_cursor_make(c->arena, next)) : json_null()));
}
