/*
** api.c: the JSON API's dispatcher and its first endpoints: catalogue
** search, a title, and who a token is. The rules are in lib/api.h.
*/
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "calendar.h"
#include "catalogue.h"
#include "cataloguing.h"
#include "ebookfile.h"
#include "circulation.h"
#include "desk.h"
#include "members.h"
#include "payments.h"
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
	else if (!valid_year(http_query(c->req, "year_from"), &q->year_from))
		field = "year_from", why = "A year is a number such as 1998.";
	else if (!valid_year(http_query(c->req, "year_to"), &q->year_to))
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

/* ---- the member's own loans, fines, payments and history ---- */

/* A list page of items (all of the list's total from offset, as sliced by
** the caller) with its cursor. */
static void send_list(struct ctx *c, json_t *items, long total, long limit, long offset)
{
	long next = offset + limit;
	send_json(c, 200, json_pack("{s:o, s:i, s:i, s:o}", "items", items, "total",
		(int)total, "limit", (int)limit, "next_cursor", next < total
		? json_string(api_cursor_make(c->arena, next)) : json_null()));
}

/* One open loan, and whether circ_renew would renew it now (and if not,
** its reason), for the member asking (member_id) or staff (0). */
static json_t *open_loan_json(struct ctx *c, const struct desk_open_loan *l,
	long long member_id, const char *today)
{
	struct circ_result r;
	circ_renew_check(c->db, c->arena, c->now, l->id, member_id, &r);
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:b, s:i, s:i, s:b, s:o}",
		"id", (json_int_t)l->id, "title_id", (json_int_t)l->title_id, "title", l->title,
		"barcode", l->barcode, "due", l->due, "overdue", strcmp(l->due, today) < 0,
		"renewals", l->renewals, "max_renewals", l->max_renewals,
		"renewable", r.code == CIRC_OK,
		"not_renewable_because", r.code == CIRC_OK ? json_null() : json_string(r.message));
}

void api_my_loans(struct ctx *c)
{
	long limit, offset;
	if (!read_paging(c, &limit, &offset))
		return;
	struct desk_open_loan *loans;
	int n = desk_open_loans(c->db, c->arena, c->caller->account_id, &loans);
	if (n < 0) {
		internal_error(c);
		return;
	}
	char today[11];
	cal_format(cal_day_of(c->now), today);
	json_t *items = json_array();
	for (long i = offset; i < n && i < offset + limit; i++)
		json_array_append_new(items, open_loan_json(c, &loans[i], c->caller->account_id,
			today));
	send_list(c, items, n, limit, offset);
}

/* A renewal's answer: the loan's new due date, or the rule's refusal. */
static void answer_renewal(struct ctx *c, long long loan_id, const struct circ_result *r)
{
	switch (r->code) {
	case CIRC_OK:
		send_json(c, 200, json_pack("{s:{s:I, s:s, s:s}}", "loan", "id",
			(json_int_t)loan_id, "title", r->title ? r->title : "", "due", r->due));
		return;
	case CIRC_NOT_FOUND:
	case CIRC_NOT_YOURS:
		/* Another's loan is not said to exist. */
		api_error(c, 404, API_ERR_NOT_FOUND, "There is no open loan with that number.",
			"id");
		return;
	case CIRC_ERROR:
		internal_error(c);
		return;
	default:
		api_error(c, 409, API_ERR_CONFLICT, r->message, NULL);
	}
}

void api_my_loan_renew(struct ctx *c)
{
	long long loan_id = valid_id(c->req->params[0]);
	struct circ_result r;
	circ_renew(c->db, c->arena, c->now, loan_id, c->caller->account_id, &r);
	answer_renewal(c, loan_id, &r);
}

void api_my_fines(struct ctx *c)
{
	long long me = c->caller->account_id;
	struct circ_fines fines;
	if (circ_fines(c->db, c->arena, me, c->now, &fines)) {
		internal_error(c);
		return;
	}
	struct circ_standing standing;
	bool may = circ_may_borrow(c->db, c->arena, me, c->now, &standing);
	struct desk_ledger_row *rows;
	int n = desk_fine_ledger(c->db, c->arena, me, &rows);
	json_t *ledger = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(ledger, json_pack("{s:o, s:s, s:I, s:s}",
			"at", json_moment(rows[i].at), "kind", rows[i].kind,
			"amount_cents", (json_int_t)rows[i].amount_cents, "reason", rows[i].reason));
	send_json(c, 200, json_pack("{s:I, s:I, s:I, s:b, s:o, s:o}",
		"recorded_cents", (json_int_t)fines.recorded_cents,
		"accruing_cents", (json_int_t)fines.accruing_cents,
		"owed_cents", (json_int_t)fines.owed_cents, "may_borrow", may,
		"blocked_because", may ? json_null() : json_string(standing.for_member),
		"ledger", ledger));
}

void api_my_payments(struct ctx *c)
{
	long limit, offset;
	if (!read_paging(c, &limit, &offset))
		return;
	struct payment *p;
	/* One more than the page, to know whether another follows. */
	int n = payment_list(c->db, c->arena, c->caller->account_id, (int)(offset + limit + 1),
		&p);
	json_t *items = json_array();
	for (long i = offset; i < n && i < offset + limit; i++)
		json_array_append_new(items, json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:o, s:o}",
			"id", (json_int_t)p[i].id, "amount_cents", (json_int_t)p[i].amount_cents,
			"purpose", p[i].purpose, "method", p[i].method, "status", p[i].status,
			"plan", p[i].plan_id ? json_string(p[i].plan_name) : json_null(),
			"created_at", json_moment(p[i].created_at),
			"completed_at", json_moment(p[i].completed_at)));
	long next = offset + limit;
	send_json(c, 200, json_pack("{s:o, s:i, s:o}", "items", items, "limit", (int)limit,
		"next_cursor", n > next ? json_string(api_cursor_make(c->arena, next))
		: json_null()));
}

#define HISTORY_MAX 200     /* as /account/history shows */

void api_my_history(struct ctx *c)
{
	long limit, offset;
	if (!read_paging(c, &limit, &offset))
		return;
	struct desk_past_loan *past;
	int n = desk_past_loans(c->db, c->arena, c->caller->account_id, HISTORY_MAX, &past);
	if (n < 0) {
		internal_error(c);
		return;
	}
	json_t *items = json_array();
	for (long i = offset; i < n && i < offset + limit; i++)
		json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:s, s:I}",
			"title_id", (json_int_t)past[i].title_id, "title", past[i].title,
			"loaned", past[i].loaned, "returned", past[i].returned,
			"fine_cents", (json_int_t)past[i].fine_cents));
	send_list(c, items, n, limit, offset);
}

/* ---- staff: the desk's checkout, checkin and renewal ---- */

/* A member of body that must be a string, trimmed; NULL when answered.
** A missing one is "" when optional. */
static const char *body_text(struct ctx *c, json_t *body, const char *name, bool required)
{
	json_t *v = json_object_get(body, name);
	if (!v && !required)
		return "";
	if (json_is_string(v)) {
		const char *s = valid_trim(c->arena, json_string_value(v));
		if (*s || !required)
			return s;
	}
	api_error(c, 422, API_ERR_INVALID_FIELD, arena_printf(c->arena, v && !json_is_string(v)
		? "%s is a string." : "%s is missing.", name), name);
	return NULL;
}

/* The borrower of a checkout: member_id, or member (a card number or
** email); 0 when answered. */
static long long checkout_member(struct ctx *c, json_t *body)
{
	if (json_object_get(body, "member_id")) {
		long long id = body_id(c, body, "member_id");
		if (id && !desk_member_exists(c->db, id)) {
			api_error(c, 422, API_ERR_INVALID_FIELD, "There is no member with that "
				"number.", "member_id");
			return 0;
		}
		return id;
	}
	const char *typed = body_text(c, body, "member", true);
	if (!typed)
		return 0;
	long long id = circ_find_member(c->db, typed);
	if (!id)
		api_error(c, 422, API_ERR_INVALID_FIELD, "No member has that library card "
			"number or email address.", "member");
	return id;
}

/* A refusal of checkout or checkin: 422 on the field at fault, else 409. */
static void answer_circ_refusal(struct ctx *c, const struct circ_result *r)
{
	if (r->code == CIRC_ERROR)
		internal_error(c);
	else if (r->code == CIRC_UNKNOWN_BARCODE)
		api_error(c, 422, API_ERR_INVALID_FIELD, r->message, "barcode");
	else if (r->code == CIRC_UNKNOWN_MEMBER)
		api_error(c, 422, API_ERR_INVALID_FIELD, r->message, "member");
	else
		api_error(c, 409, API_ERR_CONFLICT, r->message, NULL);
}

void api_checkout(struct ctx *c)
{
	json_t *body = read_body_object(c);
	if (!body)
		return;
	long long member_id = checkout_member(c, body);
	const char *barcode = member_id ? body_text(c, body, "barcode", true) : NULL;
	json_decref(body);
	if (!barcode)
		return;
	struct circ_result r;
	circ_checkout(c->db, c->arena, c->now, member_id, barcode, &r);
	if (r.code != CIRC_OK) {
		answer_circ_refusal(c, &r);
		return;
	}
	send_json(c, 201, json_pack("{s:{s:I, s:I, s:s, s:s, s:s}}", "loan",
		"id", (json_int_t)r.loan_id, "member_id", (json_int_t)member_id,
		"title", r.title ? r.title : "", "barcode", barcode, "due", r.due));
}

void api_checkin(struct ctx *c)
{
	json_t *body = read_body_object(c);
	if (!body)
		return;
	const char *barcode = body_text(c, body, "barcode", true);
	json_decref(body);
	if (!barcode)
		return;
	struct circ_result r;
	circ_checkin(c->db, c->arena, c->now, barcode, &r);
	if (r.code != CIRC_OK) {
		answer_circ_refusal(c, &r);
		return;
	}
	json_t *hold = r.held_for ? json_pack("{s:I, s:s, s:s}", "id", (json_int_t)r.hold_id,
		"member", r.held_for, "pickup_by", r.pickup_by) : json_null();
	send_json(c, 200, json_pack("{s:{s:I, s:s, s:s, s:s, s:I, s:o}}", "loan",
		"id", (json_int_t)r.loan_id, "title", r.title ? r.title : "", "barcode", barcode,
		"due", r.due, "fine_cents", (json_int_t)r.fine_cents, "held_for", hold));
}

void api_loan_renew(struct ctx *c)
{
	long long loan_id = valid_id(c->req->params[0]);
	struct circ_result r;
	circ_renew(c->db, c->arena, c->now, loan_id, 0, &r);
	answer_renewal(c, loan_id, &r);
}

/* ---- staff: members ---- */

static json_t *member_row_json(const struct member_row *m)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I}",
		"id", (json_int_t)m->id, "name", m->name, "email", m->email, "phone", m->phone,
		"card_number", m->card_number, "category", m->category, "membership", m->status,
		"until", *m->until ? json_string(m->until) : json_null(),
		"owed_cents", (json_int_t)m->owed_cents);
}

/* Members whose name, email, phone or card has q, by name, a page at a
** time: the staff's members list. */
void api_members(struct ctx *c)
{
	long limit, offset;
	if (!read_paging(c, &limit, &offset))
		return;
	const char *q = valid_trim(c->arena, http_query(c->req, "q"));
	if (strlen(q) > 200) {
		api_error(c, 422, API_ERR_INVALID_FIELD, "q is at most 200 characters.", "q");
		return;
	}
	/* A page of the list when the offset falls on one, else sliced. */
	bool on_page = offset % limit == 0;
	struct member_filter f = { .q = q, .sort = MSORT_NAME,
		.page = on_page ? offset / limit + 1 : 1,
		.per_page = on_page ? limit : offset + limit };
	struct member_row *rows = arena_alloc(c->arena, sizeof *rows * (size_t)f.per_page);
	long total = 0;
	long n = member_list(c->db, c->arena, &f, cal_day_of(c->now), rows, &total);
	if (n < 0) {
		internal_error(c);
		return;
	}
	json_t *items = json_array();
	for (long i = on_page ? 0 : offset; i < n; i++)
		json_array_append_new(items, member_row_json(&rows[i]));
	send_list(c, items, total, limit, offset);
}

static void send_member(struct ctx *c, int status, long long id, const char *password)
{
	struct desk_summary s;
	int rc = desk_member_summary(c->db, c->arena, id, c->now, &s);
	if (rc) {
		if (rc > 0)
			api_error(c, 404, API_ERR_NOT_FOUND, "There is no member with that number.",
				"id");
		else
			internal_error(c);
		return;
	}
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:o, s:s}, "
		"s:i, s:i, s:i, s:I, s:b, s:o}",
		"id", (json_int_t)s.id, "name", s.name, "email", s.email, "phone", s.phone,
		"card_number", s.card, "category", s.category, "notes", s.notes,
		"membership", "status", s.membership.label, "until", *s.membership.until
		? json_string(s.membership.until) : json_null(), "plan", s.membership.plan_name,
		"loans_out", s.loans_out, "overdue", s.overdue, "holds_ready", s.holds_ready,
		"owed_cents", (json_int_t)s.owed_cents, "may_borrow", s.blocked == NULL,
		"blocked_because", s.blocked ? json_string(s.blocked) : json_null());
	if (password)
		json_object_set_new(o, "temporary_password", json_string(password));
	send_json(c, status, json_pack("{s:o}", "member", o));
}

void api_member(struct ctx *c)
{
	send_member(c, 200, valid_id(c->req->params[0]), NULL);
}

void api_member_create(struct ctx *c)
{
	json_t *body = read_body_object(c);
	if (!body)
		return;
	const char *name = body_text(c, body, "name", false);
	const char *email = name ? body_text(c, body, "email", false) : NULL;
	const char *phone = email ? body_text(c, body, "phone", false) : NULL;
	const char *category = phone ? body_text(c, body, "category", false) : NULL;
	json_t *plan = json_object_get(body, "plan_id");
	long long plan_id = category && plan ? body_id(c, body, "plan_id") : 0;
	json_decref(body);
	if (!category || (plan && !plan_id))
		return;
	struct account_input in = { name, email, phone, NULL };
	struct form_errors errs = { .n = 0 };
	long long id = 0;
	const char *password;
	switch (members_create(c, &in, category, plan_id,
		c->caller->account_id, &errs, &id, &password)) {
	case ACCOUNT_OK:
		send_member(c, 201, id, password);
		return;
	case ACCOUNT_ERROR:
		internal_error(c);
		return;
	default:
		api_error(c, 422, API_ERR_INVALID_FIELD, errs.n ? errs.items[0].message
			: "The member could not be made.", errs.n ? errs.items[0].field : NULL);
	}
}

/* ---- staff: titles and copies ---- */

/* A member of body as the form's text: a string as it is, a whole number
** written out, null as ""; an array of strings (authors) one a line. Sets
** *out only when the member is there. False when answered (422). */
static bool body_form_value(struct ctx *c, json_t *body, const char *name, bool list,
	const char **out)
{
	json_t *v = json_object_get(body, name);
	if (!v)
		return true;
	if (json_is_string(v))
		*out = arena_strdup(c->arena, json_string_value(v));   /* outlives the body */
	else if (json_is_integer(v))
		*out = arena_printf(c->arena, "%lld", (long long)json_integer_value(v));
	else if (json_is_null(v))
		*out = "";
	else if (list && json_is_array(v)) {
		const char *joined = "";
		size_t i;
		json_t *item;
		json_array_foreach(v, i, item) {
			if (!json_is_string(item))
				goto wrong;
			joined = arena_printf(c->arena, "%s%s%s", joined, i ? "\n" : "",
				json_string_value(item));
		}
		*out = joined;
	} else
		goto wrong;
	return true;
wrong:
	api_error(c, 422, API_ERR_INVALID_FIELD, arena_printf(c->arena, list ? "%s is a list "
		"of strings, or a string." : "%s is a string or a whole number.", name), name);
	return false;
}

/* The refusal of a form's checks as the API's: the first error's field. */
static void answer_form_errors(struct ctx *c, const struct form_errors *errs)
{
	api_error(c, 422, API_ERR_INVALID_FIELD, errs->n ? errs->items[0].message
		: "Something sent is not right.", errs->n ? errs->items[0].field : NULL);
}

/* The title's fields the body sends over in (the rest as they are). */
static bool read_title_body(struct ctx *c, json_t *body, struct title_input *in)
{
	static const struct { const char *name; size_t offset; } fields[] = {
#define F(f) { #f, offsetof(struct title_input, f) }
		F(isbn), F(title), F(subtitle), F(publisher), F(pub_date), F(genre),
		F(section), F(language), F(pages), F(description), F(format),
#undef F
	};
	if (!body_form_value(c, body, "authors", true, &in->authors))
		return false;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (!body_form_value(c, body, fields[i].name, false,
			(const char **)((char *)in + fields[i].offset)))
			return false;
	return true;
}

/* Save a title as the staff's title form does (no cover or e-book file
** here: those stay as they are). */
static void save_title_json(struct ctx *c, long long id, struct title_input *in)
{
	struct form_errors errs = { .n = 0 };
	if (cataloguing_title_validate(c->db, c->arena, in, &errs) == CAT_OK &&
	    cataloguing_isbn_taken(c->db, in->isbn13, id))
		form_error(&errs, "isbn", "Another title in the catalogue already has this ISBN.");
	/* A title with an e-book file stays an e-book until the file goes. */
	if (!errs.n && id && strcmp(in->format, "ebook") &&
	    ebookfile_get(c->db, c->arena, id, &(struct ebook_file_row){ 0 }) == 1)
		form_error(&errs, "format", "This title has an e-book file; remove it on the "
			"title's page to make it a print title.");
	long long saved = 0;
	enum cat_result r = errs.n ? CAT_INVALID : cataloguing_title_save(c->db, id, in, NULL,
		c->now, &errs, &saved);
	if (r == CAT_ERROR) {
		internal_error(c);
		return;
	}
	if (r != CAT_OK) {
		answer_form_errors(c, &errs);
		return;
	}
	c->req->params[0] = arena_printf(c->arena, "%lld", saved);
	api_title(c);
	if (c->resp->status == 200 && !id)
		c->resp->status = 201;
}

void api_title_create(struct ctx *c)
{
	json_t *body = read_body_object(c);
	if (!body)
		return;
	struct title_input in;
	memset(&in, 0, sizeof in);
	in.isbn = in.title = in.subtitle = in.authors = in.publisher = in.pub_date = "";
	in.genre = in.section = in.language = in.pages = in.description = "";
	in.format = "print";
	bool ok = read_title_body(c, body, &in);
	json_decref(body);
	if (ok)
		save_title_json(c, 0, &in);
}

void api_title_update(struct ctx *c)
{
	long long id = valid_id(c->req->params[0]);
	struct title_detail t;
	int rc = catalogue_title_get(c->db, c->arena, id, &t);
	if (rc) {
		if (rc > 0)
			api_error(c, 404, API_ERR_NOT_FOUND, "There is no title with that number.",
				"id");
		else
			internal_error(c);
		return;
	}
	json_t *body = read_body_object(c);
	if (!body)
		return;
	struct title_input in;
	titles_input_of(c, &t, &in);
	bool ok = read_title_body(c, body, &in);
	json_decref(body);
	if (ok)
		save_title_json(c, id, &in);
}

/* The copy's fields the body sends over in, and its item type (NULL: as
** it is). */
static bool read_copy_body(struct ctx *c, json_t *body, struct copy_input *in,
	const char **item_type)
{
	static const struct { const char *name; size_t offset; } fields[] = {
#define F(f) { #f, offsetof(struct copy_input, f) }
		F(barcode), F(location), F(status), F(acquired_on), F(source), F(cost), F(notes),
#undef F
	};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (!body_form_value(c, body, fields[i].name, false,
			(const char **)((char *)in + fields[i].offset)))
			return false;
	*item_type = NULL;
	return body_form_value(c, body, "item_type", false, item_type);
}

/* The copy's item type as the copies form sets it; false when answered. */
static bool set_copy_item_type(struct ctx *c, long long copy_id, const char *code)
{
	struct form_errors errs = { .n = 0 };
	if (!code || !*code)
		return true;
	switch (lists_copy_set_item_type(c->db, copy_id, code)) {
	case LISTS_OK:
		return true;
	case LISTS_INVALID:
		lists_check_code(c->db, LIST_ITEM_TYPE, code, "item_type", &errs);
		answer_form_errors(c, &errs);
		return false;
	default:
		internal_error(c);
		return false;
	}
}

/* A copy of the title, as the title's answer shows it. */
static void send_copy(struct ctx *c, int status, long long title_id, long long copy_id)
{
	struct title_detail t;
	if (catalogue_title_get(c->db, c->arena, title_id, &t)) {
		internal_error(c);
		return;
	}
	for (int i = 0; i < t.ncopies; i++)
		if (t.copies[i].id == copy_id) {
			json_t *o = copy_json(c, &t.copies[i]);
			json_object_set_new(o, "barcode", json_string(t.copies[i].barcode));
			json_object_set_new(o, "title_id", json_integer(title_id));
			send_json(c, status, json_pack("{s:o}", "copy", o));
			return;
		}
	internal_error(c);
}

static void answer_copy_result(struct ctx *c, enum cat_result r,
	const struct form_errors *errs, const char *not_found)
{
	if (r == CAT_NOT_FOUND)
		api_error(c, 404, API_ERR_NOT_FOUND, not_found, "id");
	else if (r == CAT_ERROR)
		internal_error(c);
	else
		answer_form_errors(c, errs);
}

void api_copy_add(struct ctx *c)
{
	long long title_id = valid_id(c->req->params[0]);
	json_t *body = read_body_object(c);
	if (!body)
		return;
	struct copy_input in = { "", "", "", "", "", "", "", 0 };
	const char *item_type;
	bool ok = read_copy_body(c, body, &in, &item_type);
	json_decref(body);
	if (!ok)
		return;
	struct form_errors errs = { .n = 0 };
	enum cat_result r = cataloguing_copy_validate(c->arena, &in, true, &errs);
	if (item_type && *item_type && !lists_check_code(c->db, LIST_ITEM_TYPE, item_type,
		"item_type", &errs))
		r = CAT_INVALID;
	long long copy_id = 0;
	if (r == CAT_OK)
		r = cataloguing_copy_add(c->db, title_id, &in, c->now, &errs, &copy_id);
	if (r != CAT_OK) {
		answer_copy_result(c, r, &errs, "There is no title with that number.");
		return;
	}
	if (set_copy_item_type(c, copy_id, item_type))
		send_copy(c, 201, title_id, copy_id);
}

void api_copy_update(struct ctx *c)
{
	long long title_id = valid_id(c->req->params[0]);
	long long copy_id = valid_id(c->req->params[1]);
	struct title_detail t;
	const struct copy_info *k = NULL;
	if (!catalogue_title_get(c->db, c->arena, title_id, &t))
		for (int i = 0; i < t.ncopies; i++)
			if (t.copies[i].id == copy_id)
				k = &t.copies[i];
	if (!k) {
		api_error(c, 404, API_ERR_NOT_FOUND, "There is no such copy of this title.", "id");
		return;
	}
	json_t *body = read_body_object(c);
	if (!body)
		return;
	/* What is not sent stays as it is. */
	struct copy_input in = { k->barcode, k->location, k->status, k->acquired_on, k->source,
		k->cost_cents ? arena_printf(c->arena, "%lld.%02lld", k->cost_cents / 100,
		k->cost_cents % 100) : "", k->notes, 0 };
	const char *item_type;
	bool ok = read_copy_body(c, body, &in, &item_type);
	json_decref(body);
	if (!ok)
		return;
	struct form_errors errs = { .n = 0 };
	enum cat_result r = cataloguing_copy_validate(c->arena, &in, false, &errs);
	if (item_type && *item_type && !lists_check_code(c->db, LIST_ITEM_TYPE, item_type,
		"item_type", &errs))
		r = CAT_INVALID;
	if (r == CAT_OK)
		r = cataloguing_copy_update(c->db, title_id, copy_id, &in, c->now, &errs);
	if (r != CAT_OK) {
		answer_copy_result(c, r, &errs, "There is no such copy of this title.");
		return;
	}
	if (set_copy_item_type(c, copy_id, item_type))
		send_copy(c, 200, title_id, copy_id);
}
