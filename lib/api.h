/*
** api.h: the JSON API (/api/v1): its tokens, rate limit, cursors and ETags.
**
** The design, in one place:
**
** Routes. API routes are rows of THE route table (cgi/routes.c) like every
** page: method, pattern, the lowest role, the handler, and for API rows the
** token scope the route needs (route.scope: API_SCOPE_NONE for a public
** route, API_SCOPE_READ to read, API_SCOPE_WRITE to change anything). A row
** whose pattern starts with API_PREFIX ("/api/") is an API route; nothing
** else marks it. All answer JSON but one: /api/docs, the document as a
** page for people, made from it on the server (no JavaScript), which goes
** through the same dispatcher (so it too reads no cookies). `carrel routes`
** prints "api" and the scope beside the role, and the OpenAPI document
** (/api/v1/openapi.json, cgi/api_openapi.c) is made from those rows.
**
** Dispatch. cgi/main.c hands every path under /api/ to api_dispatch
** (cgi/api.c), which differs from the pages' dispatcher in these ways:
** - Authentication is only `Authorization: Bearer <token>`. Cookies are not
**   read at all on /api, so a browser's session never acts there and no
**   CSRF token is needed or checked: a request carries its credential
**   itself, which no other site can make a browser do.
** - A route with min_role above ROLE_ANON needs a token (401 without one);
**   a public route answers without one but checks one that is sent (a bad
**   token is 401 everywhere, never silently ignored). The token's account
**   must reach min_role (403) and its scope the route's (403,
**   insufficient_scope).
** - Every failure is JSON in one shape, for 400, 401, 403, 404, 405, 409,
**   413, 415, 422, 429 and 500 alike:
**       {"error": {"code": "not_found", "message": "...", "field": "..."}}
**   code is one of API_ERR_* below (stable, for programs), message is for
**   people, field names the parameter or body member at fault (null when
**   none). There is never an HTML error page under /api.
** - Bodies: Content-Type application/json in (415 otherwise, for a request
**   with a body), at most API_MAX_BODY bytes (413), parsed with jansson
**   (400 invalid_json; a body that is not an object, or a member of the
**   wrong type, is 422 with the member as field). Answers are
**   application/json; charset=utf-8. A refusal of lib/ (a hold the rules
**   do not allow) is 409 "refused" with lib/'s message. Something of
**   another account's is 404, as if it did not exist, never 403.
** - Lists page with an opaque cursor: ?limit= (API_LIMIT_DEFAULT, at most
**   API_LIMIT_MAX) and ?cursor= taken from the previous answer's
**   "next_cursor" (null on the last page). A cursor is only to be handed
**   back; its inside is not part of the API.
** - Reads (GET 200) carry an ETag, a hash of the answer's bytes; a request
**   whose If-None-Match names it is answered 304 with no body.
** - Cache-Control: no-store on every answer to a request with a token;
**   no-cache (keep it, but ask again with the ETag) on public answers.
** - Rate limit per token: api.requests_per_minute (setting, default 120)
**   in a fixed window of a minute; past it 429 with Retry-After (seconds
**   to the next minute).
** - Audit: the dispatcher makes the token's account the actor
**   (audit_set_actor) and names the token (audit_set_via), so every write
**   done with a token is in the trail with "via API token <name>".
**
** Adding an endpoint: a row in cgi/routes.c (with .scope unless public); a
** handler in cgi/api.c that reads with read_paging / read_body_object /
** body_id, calls lib/ with c->caller->account_id, and answers with
** send_json or api_error; an entry in api_operations and the answer's
** schema in SCHEMAS (cgi/api_openapi.c): without the entry the document
** refuses to build and tests/unit/test_api.c fails. The e2e suites check
** each answer against its schema (check_answer in test_api_catalogue.py).
*/
#ifndef CARREL_API_H
#define CARREL_API_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "arena.h"
#include "auth.h"
#include "db.h"
#include "valid.h"

#define API_PREFIX "/api/"
#define API_MAX_BODY (64 * 1024)       /* bytes of a JSON request body */
#define API_LIMIT_DEFAULT 20           /* items of a list page */
#define API_LIMIT_MAX 100
#define API_RATE_DEFAULT 120           /* requests a minute per token */

/* The token scope a route needs; a token's own scope is READ or WRITE. */
enum api_scope { API_SCOPE_NONE, API_SCOPE_READ, API_SCOPE_WRITE };

/* "read", "read-write"; "" for NONE. */
const char *api_scope_name(enum api_scope s);
/* "read" or "read-write"; -1 for anything else. */
int api_scope_parse(const char *s);

/* The error codes of the one error shape (see above). */
#define API_ERR_BAD_REQUEST "bad_request"           /* 400 */
#define API_ERR_INVALID_JSON "invalid_json"         /* 400 */
#define API_ERR_INVALID_CURSOR "invalid_cursor"     /* 400 */
#define API_ERR_TOKEN_REQUIRED "token_required"     /* 401 */
#define API_ERR_INVALID_TOKEN "invalid_token"       /* 401 */
#define API_ERR_FORBIDDEN "forbidden"               /* 403 */
#define API_ERR_SCOPE "insufficient_scope"          /* 403 */
#define API_ERR_NOT_FOUND "not_found"               /* 404 */
#define API_ERR_METHOD "method_not_allowed"         /* 405 */
#define API_ERR_TOO_LARGE "payload_too_large"       /* 413 */
#define API_ERR_CONFLICT "refused"                 /* 409: the state of things */
#define API_ERR_MEDIA_TYPE "unsupported_media_type" /* 415 */
#define API_ERR_INVALID_FIELD "invalid_field"       /* 422 */
#define API_ERR_RATE_LIMITED "rate_limited"         /* 429 */
#define API_ERR_INTERNAL "internal_error"           /* 500 */

/* ---- tokens ---- */

#define API_TOKEN_PREFIX "carrel_"
/* The prefix and 43 characters of base64url (32 random bytes). */
#define API_TOKEN_LEN (sizeof API_TOKEN_PREFIX - 1 + 43)
#define API_TOKEN_NAME_MAX 60
#define API_TOKENS_PER_ACCOUNT 20      /* live (unrevoked, unexpired) ones */

struct api_token {
	long long id, account_id;
	const char *name;
	enum api_scope scope;
	long long created_at, expires_at, last_used_at, revoked_at;  /* 0: none */
};

/* Who a token is, once authenticated. */
struct api_caller {
	bool valid;
	long long token_id, account_id;
	enum role role;
	const char *token_name;
	enum api_scope scope;
	long long expires_at;
	const char *name, *email;     /* the account's */
};

/* The days a new token may last, for the profile form's choice. */
extern const int api_token_days[];
extern const int api_token_days_count;

enum api_token_result { API_TOKEN_OK, API_TOKEN_INVALID, API_TOKEN_ERROR };

/* Make a token for account_id. name, scope ("read" or "read-write") and
** days (one of api_token_days) as typed; a refusal goes to *field and
** *message (for people) with API_TOKEN_INVALID. On API_TOKEN_OK the token
** itself is in token (shown once; only its hash is kept). Audited. */
enum api_token_result api_token_create(struct db *db, struct arena *a,
	long long account_id, const char *name, const char *scope, const char *days,
	time_t now, char token[API_TOKEN_LEN + 1], const char **field,
	const char **message);

/* The account's tokens, newest first, revoked ones included (on the arena).
** Returns how many, or -1. */
int api_token_list(struct db *db, struct arena *a, long long account_id,
	struct api_token **out);

/* Revoke one of the account's own tokens. Returns 0, 1 when it has no such
** live token, -1 on error. Audited. */
int api_token_revoke(struct db *db, long long account_id, long long token_id,
	time_t now);

/* The caller of an Authorization header's value ("Bearer <token>"): a
** well-formed, known, unrevoked, unexpired token of an account neither
** disabled nor removed. out->valid false otherwise. Returns 0, -1 on a
** database error. */
int api_token_authenticate(struct db *db, struct arena *a, const char *authorization,
	time_t now, struct api_caller *out);

/* Count one request of a token against the rate limit (and note its last
** use). Returns 0 when allowed, else the seconds until it may ask again
** (for Retry-After); -1 on a database error. */
int api_rate_check(struct db *db, long long token_id, time_t now);

/* The day (YYYY-MM-DD) a copy on loan is due back, or "" when it is not
** on loan. */
const char *api_copy_due_day(struct db *db, struct arena *a, long long copy_id);

/* A hold's status as stored ("waiting", "ready", ...), or "" when none. */
const char *api_hold_status(struct db *db, struct arena *a, long long hold_id);

/* The setting api.requests_per_minute (API_RATE_DEFAULT when unset). */
long long api_requests_per_minute(struct db *db);

#define API_RATE_MAX 100000

/* Set api.requests_per_minute from what an admin typed (1 to
** API_RATE_MAX). Returns 0; -1 with the reason in errs under
** "api_rate" (or errs empty on a database error). Audited. */
int api_rate_save(struct db *db, struct arena *a, const char *typed, long long actor_id,
	time_t now, struct form_errors *errs);

/* ---- paging and ETags ---- */

/* An opaque cursor for a list's next page that starts at offset. */
const char *api_cursor_make(struct arena *a, long offset);
/* The offset of a cursor; -1 when it is none of ours. NULL or "": 0. */
long api_cursor_offset(struct arena *a, const char *cursor);

/* The ETag of an answer's bytes: a quoted hash. */
const char *api_etag(struct arena *a, const char *body, size_t len);
/* Whether an If-None-Match header's value names etag (or is "*"). */
bool api_etag_matches(const char *if_none_match, const char *etag);

#endif
