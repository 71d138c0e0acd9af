/*
** api_openapi.c: /api/v1/openapi.json, the OpenAPI 3.1 document of the API.
**
** Its paths are made from THE route table: every /api row is an operation,
** with its method, its path parameters, whether it needs a token (and which
** scope) and the errors the dispatcher may give it. What the table cannot
** say, a summary and the answer's schema, comes from api_operations below,
** found by the row's handler; a row without one makes the document refuse
** to build (and the unit test fail), so a new API route cannot be left out
** of it. The schemas of the answers are in SCHEMAS.
*/
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "web.h"

/* What the route table does not say about an operation. params: JSON of
** the query parameters (an array), or NULL. */
struct api_operation {
	page_fn handler;
	const char *id;
	const char *summary;
	const char *schema;          /* the 200 answer's, in components */
	const char *params;
	bool lists;                  /* pages with limit and cursor */
	int ok_status;               /* 0: 200 */
	const char *request;         /* the body's schema, in components; NULL:
	                                no body */
};

#define STR_PARAM(n, d) "{\"name\": \"" n "\", \"in\": \"query\", \"required\": false, " \
	"\"description\": \"" d "\", \"schema\": {\"type\": \"string\"}}"
#define INT_PARAM(n, d) "{\"name\": \"" n "\", \"in\": \"query\", \"required\": false, " \
	"\"description\": \"" d "\", \"schema\": {\"type\": \"integer\"}}"

static const struct api_operation api_operations[] = {
	{ api_openapi, "getOpenApi", "This document", "OpenApiDocument", NULL, false, 0, NULL },
	{ api_catalogue, "searchCatalogue", "Search the catalogue as /catalogue does",
	  "SearchResults",
	  "[" STR_PARAM("q", "Words to look for; an ISBN finds its title") ","
	  INT_PARAM("section", "A section's number") ","
	  STR_PARAM("genre", "A genre, exactly") ","
	  STR_PARAM("author", "Every word in an author's name") ","
	  STR_PARAM("format", "print or ebook") ","
	  STR_PARAM("available", "1 or true: only titles with a copy on the shelf") ","
	  INT_PARAM("year_from", "Published in or after") ","
	  INT_PARAM("year_to", "Published in or before") ","
	  STR_PARAM("sort", "relevance, title, author, newest or rating") "]", true, 0, NULL },
	{ api_title, "getTitle", "A title with its copies and their availability", "Title",
	  NULL, false, 0, NULL },
	{ api_me, "getMe", "Who the token belongs to, its scope and expiry", "Me", NULL,
	  false, 0, NULL },
	{ api_hold_place, "placeHold", "Place a hold on a title for the token's account",
	  "HoldPlaced", NULL, false, 201, "HoldRequest" },
	{ api_hold_cancel, "cancelHold", "Cancel one of the account's own holds",
	  "HoldCancelled", NULL, false, 0, NULL },
};

#define ERROR_SHAPE "{\"type\": \"object\", \"required\": [\"error\"], " \
	"\"additionalProperties\": false, \"properties\": {\"error\": {\"type\": \"object\", " \
	"\"required\": [\"code\", \"message\", \"field\"], \"additionalProperties\": false, " \
	"\"properties\": {\"code\": {\"type\": \"string\"}, \"message\": {\"type\": \"string\"}, " \
	"\"field\": {\"type\": [\"string\", \"null\"]}}}}}"

static const char SCHEMAS[] =
"{"
"\"Error\": " ERROR_SHAPE ","
"\"OpenApiDocument\": {\"type\": \"object\", \"required\": [\"openapi\", \"info\", \"paths\"]},"
"\"SearchHit\": {\"type\": \"object\", \"additionalProperties\": false,"
"  \"required\": [\"id\", \"title\", \"subtitle\", \"authors\", \"year\", \"format\","
"   \"copies\", \"available\", \"rating\"],"
"  \"properties\": {"
"   \"id\": {\"type\": \"integer\"}, \"title\": {\"type\": \"string\"},"
"   \"subtitle\": {\"type\": \"string\"},"
"   \"authors\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}},"
"   \"year\": {\"type\": [\"integer\", \"null\"]},"
"   \"format\": {\"type\": \"string\", \"enum\": [\"print\", \"ebook\"]},"
"   \"copies\": {\"type\": \"integer\"}, \"available\": {\"type\": \"integer\"},"
"   \"rating\": {\"oneOf\": [{\"type\": \"null\"}, {\"type\": \"object\","
"     \"additionalProperties\": false, \"required\": [\"average\", \"count\"],"
"     \"properties\": {\"average\": {\"type\": \"number\"}, \"count\": {\"type\": \"integer\"}}}]}}},"
"\"SearchResults\": {\"type\": \"object\", \"additionalProperties\": false,"
"  \"required\": [\"items\", \"total\", \"more_matches\", \"by_isbn\", \"limit\", \"next_cursor\"],"
"  \"properties\": {"
"   \"items\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/SearchHit\"}},"
"   \"total\": {\"type\": \"integer\", \"description\": \"Matches found, at most 200\"},"
"   \"more_matches\": {\"type\": \"boolean\", \"description\": \"More matched than total\"},"
"   \"by_isbn\": {\"type\": \"boolean\"}, \"limit\": {\"type\": \"integer\"},"
"   \"next_cursor\": {\"type\": [\"string\", \"null\"]}}},"
"\"Copy\": {\"type\": \"object\", \"additionalProperties\": false,"
"  \"required\": [\"id\", \"location\", \"status\", \"status_label\", \"available\", \"due\"],"
"  \"properties\": {"
"   \"id\": {\"type\": \"integer\"}, \"location\": {\"type\": \"string\"},"
"   \"status\": {\"type\": \"string\", \"enum\": [\"available\", \"on-loan\", \"on-hold-shelf\","
"     \"lost\", \"damaged\", \"in-repair\"]},"
"   \"status_label\": {\"type\": \"string\"}, \"available\": {\"type\": \"boolean\"},"
"   \"due\": {\"type\": [\"string\", \"null\"], \"format\": \"date\"}}},"
"\"Title\": {\"type\": \"object\", \"additionalProperties\": false,"
"  \"required\": [\"id\", \"isbn13\", \"title\", \"subtitle\", \"authors\", \"publisher\","
"   \"year\", \"genre\", \"section\", \"language\", \"pages\", \"description\", \"format\","
"   \"copies\", \"copies_total\", \"copies_available\"],"
"  \"properties\": {"
"   \"id\": {\"type\": \"integer\"}, \"isbn13\": {\"type\": [\"string\", \"null\"]},"
"   \"title\": {\"type\": \"string\"}, \"subtitle\": {\"type\": \"string\"},"
"   \"authors\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}},"
"   \"publisher\": {\"type\": \"string\"}, \"year\": {\"type\": [\"integer\", \"null\"]},"
"   \"genre\": {\"type\": \"string\"},"
"   \"section\": {\"oneOf\": [{\"type\": \"null\"}, {\"type\": \"object\","
"     \"additionalProperties\": false, \"required\": [\"id\", \"name\"],"
"     \"properties\": {\"id\": {\"type\": \"integer\"}, \"name\": {\"type\": \"string\"}}}]},"
"   \"language\": {\"type\": \"string\"}, \"pages\": {\"type\": [\"integer\", \"null\"]},"
"   \"description\": {\"type\": \"string\"},"
"   \"format\": {\"type\": \"string\", \"enum\": [\"print\", \"ebook\"]},"
"   \"copies\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/Copy\"}},"
"   \"copies_total\": {\"type\": \"integer\"}, \"copies_available\": {\"type\": \"integer\"}}},"
"\"HoldRequest\": {\"type\": \"object\", \"required\": [\"title_id\"],"
"  \"properties\": {\"title_id\": {\"type\": \"integer\", \"minimum\": 1}}},"
"\"HoldPlaced\": {\"type\": \"object\", \"additionalProperties\": false, \"required\": [\"hold\"],"
"  \"properties\": {\"hold\": {\"type\": \"object\", \"additionalProperties\": false,"
"   \"required\": [\"id\", \"title_id\", \"status\", \"queue_place\"],"
"   \"properties\": {\"id\": {\"type\": \"integer\"}, \"title_id\": {\"type\": \"integer\"},"
"    \"status\": {\"type\": \"string\", \"enum\": [\"waiting\", \"ready\"]},"
"    \"queue_place\": {\"type\": \"integer\"}}}}},"
"\"HoldCancelled\": {\"type\": \"object\", \"additionalProperties\": false, \"required\": [\"hold\"],"
"  \"properties\": {\"hold\": {\"type\": \"object\", \"additionalProperties\": false,"
"   \"required\": [\"id\", \"status\"],"
"   \"properties\": {\"id\": {\"type\": \"integer\"},"
"    \"status\": {\"type\": \"string\", \"enum\": [\"cancelled\"]}}}}},"
"\"Me\": {\"type\": \"object\", \"additionalProperties\": false,"
"  \"required\": [\"account\", \"token\"],"
"  \"properties\": {"
"   \"account\": {\"type\": \"object\", \"additionalProperties\": false,"
"     \"required\": [\"id\", \"name\", \"email\", \"role\"],"
"     \"properties\": {\"id\": {\"type\": \"integer\"}, \"name\": {\"type\": \"string\"},"
"      \"email\": {\"type\": \"string\"},"
"      \"role\": {\"type\": \"string\", \"enum\": [\"member\", \"librarian\", \"admin\"]}}},"
"   \"token\": {\"type\": \"object\", \"additionalProperties\": false,"
"     \"required\": [\"name\", \"scope\", \"expires_at\"],"
"     \"properties\": {\"name\": {\"type\": \"string\"},"
"      \"scope\": {\"type\": \"string\", \"enum\": [\"read\", \"read-write\"]},"
"      \"expires_at\": {\"type\": \"string\", \"format\": \"date-time\"}}}}}"
"}";

static const struct api_operation *api_operation_of(const struct route *r)
{
	for (size_t i = 0; i < sizeof api_operations / sizeof api_operations[0]; i++)
		if (api_operations[i].handler == r->handler)
			return &api_operations[i];
	return NULL;
}

bool api_route_documented(const struct route *r)
{
	return api_operation_of(r) != NULL;
}

static json_t *error_response(const char *why)
{
	return json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", why, "content",
		"application/json", "schema", "$ref", "#/components/schemas/Error");
}

/* The {name} segments of a pattern as path parameters. */
static void add_path_params(json_t *params, const char *pattern)
{
	for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{')) {
		const char *close = strchr(p, '}');
		if (!close)
			break;
		char name[32];
		snprintf(name, sizeof name, "%.*s", (int)(close - p - 1), p + 1);
		bool digits = !strcmp(name, "id");
		json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:{s:s}}", "name", name,
			"in", "path", "required", 1, "schema", "type", digits ? "integer" : "string"));
	}
}

static json_t *operation_json(const struct route *r, const struct api_operation *op)
{
	json_t *params = op->params ? json_loads(op->params, 0, NULL) : json_array();
	add_path_params(params, r->pattern);
	if (op->lists) {
		json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:s, s:{s:s, s:i, s:i, s:i}}",
			"name", "limit", "in", "query", "required", 0, "description",
			"Items a page (20 unless given)", "schema", "type", "integer",
			"minimum", 1, "maximum", API_LIMIT_MAX, "default", API_LIMIT_DEFAULT));
		json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:s, s:{s:s}}",
			"name", "cursor", "in", "query", "required", 0, "description",
			"next_cursor of the page before", "schema", "type", "string"));
	}
	char ref[96], ok[8];
	snprintf(ref, sizeof ref, "#/components/schemas/%s", op->schema);
	snprintf(ok, sizeof ok, "%d", op->ok_status ? op->ok_status : 200);
	json_t *responses = json_pack("{s:{s:s, s:{s:{s:{s:s}}}}}", ok, "description",
		op->summary, "content", "application/json", "schema", "$ref", ref);
	bool reads = !strcmp(r->method, "GET");
	if (reads)
		json_object_set_new(responses, "304", json_pack("{s:s}", "description",
			"Not modified: If-None-Match named the answer's ETag"));
	json_object_set_new(responses, "400", error_response(reads ? "Malformed request"
		: "Malformed request, or a body that is not JSON"));
	if (op->lists || strchr(r->pattern, '{') || !reads)
		json_object_set_new(responses, "422", error_response("A parameter is wrong"));
	if (strchr(r->pattern, '{') || !reads)
		json_object_set_new(responses, "404", error_response("No such thing, or not "
			"the token's account's"));
	if (!reads) {
		json_object_set_new(responses, "409", error_response("Refused: the library's "
			"rules or the state of things do not allow it"));
		json_object_set_new(responses, "413", error_response("The body is too large"));
		json_object_set_new(responses, "415", error_response("The body is not "
			"application/json"));
	}
	json_object_set_new(responses, "401", error_response("The token is missing or not valid"));
	if (r->scope != API_SCOPE_NONE)
		json_object_set_new(responses, "403", error_response("The token's account or "
			"scope does not allow this"));
	json_object_set_new(responses, "429", error_response("Too many requests with this "
		"token; see Retry-After"));
	json_object_set_new(responses, "500", error_response("Something went wrong"));
	json_t *o = json_pack("{s:s, s:s, s:o, s:o}", "operationId", op->id, "summary",
		op->summary, "parameters", params, "responses", responses);
	if (op->request) {
		snprintf(ref, sizeof ref, "#/components/schemas/%s", op->request);
		json_object_set_new(o, "requestBody", json_pack("{s:b, s:{s:{s:{s:s}}}}",
			"required", 1, "content", "application/json", "schema", "$ref", ref));
	}
	json_object_set_new(o, "x-carrel-role", json_string(auth_role_name(r->min_role)));
	json_object_set_new(o, "x-carrel-scope", r->scope ? json_string(api_scope_name(r->scope))
		: json_null());
	json_object_set_new(o, "security", r->scope != API_SCOPE_NONE
		? json_pack("[{s:[]}]", "token") : json_pack("[{}, {s:[]}]", "token"));
	return o;
}

json_t *api_openapi_document(void)
{
	json_t *paths = json_object();
	for (int i = 0; i < routes_count; i++) {
		const struct route *r = &routes[i];
		if (!route_is_api(r))
			continue;
		const struct api_operation *op = api_operation_of(r);
		if (!op) {
			json_decref(paths);
			return NULL;
		}
		json_t *item = json_object_get(paths, r->pattern);
		if (!item) {
			item = json_object();
			json_object_set_new(paths, r->pattern, item);
		}
		char method[8];
		snprintf(method, sizeof method, "%s", r->method);
		for (char *m = method; *m; m++)
			*m = (char)(*m - 'A' + 'a');
		json_object_set_new(item, method, operation_json(r, op));
	}
	json_t *schemas = json_loads(SCHEMAS, 0, NULL);
	if (!schemas) {
		json_decref(paths);
		return NULL;
	}
	return json_pack("{s:s, s:{s:s, s:s, s:s}, s:[{s:s}], s:o, s:{s:o, s:{s:{s:s, s:s, s:s}}}}",
		"openapi", "3.1.0",
		"info", "title", "Carrel API", "version", "1",
		"description", "The library's catalogue, accounts and circulation as JSON. "
		"Errors are {\"error\": {\"code\", \"message\", \"field\"}}. Lists page with "
		"limit and an opaque cursor (next_cursor). Reads carry an ETag.",
		"servers", "url", "/",
		"paths", paths,
		"components", "schemas", schemas, "securitySchemes", "token", "type", "http",
		"scheme", "bearer", "description", "An API token made on the profile page");
}

void api_openapi(struct ctx *c)
{
	json_t *doc = api_openapi_document();
	if (!doc) {
		api_error(c, 500, API_ERR_INTERNAL, "The document could not be made.", NULL);
		return;
	}
	char *text = json_dumps(doc, JSON_INDENT(1) | JSON_ENSURE_ASCII);
	json_decref(doc);
	if (!text) {
		api_error(c, 500, API_ERR_INTERNAL, "The document could not be made.", NULL);
		return;
	}
	http_resp_set_header(c->resp, "Content-Type", "application/json; charset=utf-8");
	buf_clear(c->resp->body);
	buf_puts(c->resp->body, text);
	free(text);
}
