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
	{ page_api_docs, "getApiDocs", "This document for people, as a page", NULL, NULL,
	  false, 0, NULL },
	{ api_my_holds, "listMyHolds", "The token's account's holds, waiting or ready, "
	  "oldest first", "HoldList", NULL, true, 0, NULL },
	{ api_hold_place, "placeHold", "Place a hold on a title for the token's account",
	  "HoldPlaced", NULL, false, 201, "HoldRequest" },
	{ api_hold_cancel, "cancelHold", "Cancel one of the account's own holds",
	  "HoldCancelled", NULL, false, 0, NULL },
	{ api_my_loans, "listMyLoans", "The token's account's loans out, soonest due first, "
	  "with whether each may be renewed now", "LoanList", NULL, true, 0, NULL },
	{ api_my_loan_renew, "renewMyLoan", "Renew one of the account's own loans (409 with "
	  "the rule's reason when refused)", "LoanRenewed", NULL, false, 0, NULL },
	{ api_my_fines, "getMyFines", "What the account owes, whether it may borrow, and "
	  "the fines ledger (newest first, the last 50)", "Fines", NULL, false, 0, NULL },
	{ api_my_payments, "listMyPayments", "The account's payments, newest first",
	  "PaymentList", NULL, true, 0, NULL },
	{ api_my_history, "listMyHistory", "The account's returned loans, newest first "
	  "(the last 200, as /account/history)", "HistoryList", NULL, true, 0, NULL },
	{ api_checkout, "checkOut", "Lend a copy to a member, as the desk's checkout",
	  "LoanMade", NULL, false, 201, "CheckoutRequest" },
	{ api_checkin, "checkIn", "Take a copy back, as the desk's checkin", "LoanReturned",
	  NULL, false, 0, "CheckinRequest" },
	{ api_loan_renew, "renewLoan", "Renew any member's loan, as the desk does",
	  "LoanRenewed", NULL, false, 0, NULL },
	{ api_members, "listMembers", "Look members up by name, email, phone or card, by "
	  "name, as the staff's members list", "MemberList",
	  "[" STR_PARAM("q", "Part of a name, email or phone, or a card number") "]", true, 0,
	  NULL },
	{ api_member, "getMember", "A member as the desk sees them: details, membership, "
	  "loans, fines and whether they may borrow", "MemberDetail", NULL, false, 0, NULL },
	{ api_title_create, "createTitle", "Catalogue a title as the staff's title form "
	  "does (no cover or e-book file); the answer is the title", "Title", NULL, false, 201,
	  "TitleRequest" },
	{ api_title_update, "updateTitle", "Change a title: the members sent replace its "
	  "values, the rest stay", "Title", NULL, false, 0, "TitleRequest" },
	{ api_copy_add, "addCopy", "Add a copy to a title, as the title's copies form",
	  "CopyAnswer", NULL, false, 201, "CopyRequest" },
	{ api_copy_update, "updateCopy", "Change a copy: the members sent replace its values, "
	  "the rest stay", "CopyAnswer", NULL, false, 0, "CopyRequest" },
	{ api_member_create, "createMember", "Make a member as the staff's new-member form "
	  "does; the temporary password is in this answer only", "MemberDetail", NULL, false,
	  201, "MemberRequest" },
};

#define ERROR_SHAPE "{\"type\": \"object\", \"required\": [\"error\"], " \
	"\"additionalProperties\": false, \"properties\": {\"error\": {\"type\": \"object\", " \
	"\"required\": [\"code\", \"message\", \"field\"], \"additionalProperties\": false, " \
	"\"properties\": {\"code\": {\"type\": \"string\"}, \"message\": {\"type\": \"string\"}, " \
	"\"field\": {\"type\": [\"string\", \"null\"]}}}}}"

static const char SCHEMAS[] =
"{"
"\"Error\": " ERROR_SHAPE ","
"\"OpenApiDocument\": {\"type\": \"object\", \"required\": [\"openapi\", \"info\", \"paths\"],"
"  \"description\": \"An OpenAPI 3.1 document: this one.\"},"
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
"\"MyHold\": {\"type\": \"object\", \"additionalProperties\": false,"
"  \"required\": [\"id\", \"title_id\", \"title\", \"status\", \"queue_place\", \"pickup_by\"],"
"  \"properties\": {\"id\": {\"type\": \"integer\"}, \"title_id\": {\"type\": \"integer\"},"
"   \"title\": {\"type\": \"string\"},"
"   \"status\": {\"type\": \"string\", \"enum\": [\"waiting\", \"ready\"]},"
"   \"queue_place\": {\"type\": [\"integer\", \"null\"], \"description\": \"While waiting\"},"
"   \"pickup_by\": {\"type\": [\"string\", \"null\"], \"format\": \"date\","
"     \"description\": \"When ready: the last day to collect it\"}}},"
"\"HoldList\": {\"type\": \"object\", \"additionalProperties\": false,"
"  \"required\": [\"items\", \"total\", \"limit\", \"next_cursor\"],"
"  \"properties\": {\"items\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/MyHold\"}},"
"   \"total\": {\"type\": \"integer\"}, \"limit\": {\"type\": \"integer\"},"
"   \"next_cursor\": {\"type\": [\"string\", \"null\"]}}},"
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
"\"MyLoan\": {\"type\": \"object\", \"additionalProperties\": false,"
"  \"required\": [\"id\", \"title_id\", \"title\", \"barcode\", \"due\", \"overdue\", \"renewals\", \"max_renewals\", \"renewable\", \"not_renewable_because\"],"
"  \"properties\": {\"id\": {\"type\": \"integer\"}, \"title_id\": {\"type\": \"integer\"},"
"   \"title\": {\"type\": \"string\"}, \"barcode\": {\"type\": \"string\"},"
"   \"due\": {\"type\": \"string\", \"format\": \"date\"}, \"overdue\": {\"type\": \"boolean\"},"
"   \"renewals\": {\"type\": \"integer\"}, \"max_renewals\": {\"type\": \"integer\"},"
"   \"renewable\": {\"type\": \"boolean\", \"description\": \"Whether a renewal now would be accepted\"},"
"   \"not_renewable_because\": {\"type\": [\"string\", \"null\"], \"description\": \"The rule's reason when not renewable\"}}},"
"\"LoanList\": {\"type\": \"object\", \"additionalProperties\": false,"
"  \"required\": [\"items\", \"total\", \"limit\", \"next_cursor\"],"
"  \"properties\": {\"items\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/MyLoan\"}},"
"   \"total\": {\"type\": \"integer\"}, \"limit\": {\"type\": \"integer\"},"
"   \"next_cursor\": {\"type\": [\"string\", \"null\"]}}},"
"\"LoanRenewed\": {\"type\": \"object\", \"additionalProperties\": false, \"required\": [\"loan\"],"
"  \"properties\": {\"loan\": {\"type\": \"object\", \"additionalProperties\": false,"
"   \"required\": [\"id\", \"title\", \"due\"],"
"   \"properties\": {\"id\": {\"type\": \"integer\"}, \"title\": {\"type\": \"string\"},"
"    \"due\": {\"type\": \"string\", \"format\": \"date\", \"description\": \"The new due date\"}}}}},"
"\"FineEntry\": {\"type\": \"object\", \"additionalProperties\": false,"
"  \"required\": [\"at\", \"kind\", \"amount_cents\", \"reason\"],"
"  \"properties\": {\"at\": {\"type\": \"string\", \"format\": \"date-time\"}, \"kind\": {\"type\": \"string\"},"
"   \"amount_cents\": {\"type\": \"integer\", \"description\": \"Positive: owed; negative: paid or waived\"},"
"   \"reason\": {\"type\": \"string\"}}},"
"\"Fines\": {\"type\": \"object\", \"additionalProperties\": false,"
"  \"required\": [\"recorded_cents\", \"accruing_cents\", \"owed_cents\", \"may_borrow\", \"blocked_because\", \"ledger\"],"
"  \"properties\": {\"recorded_cents\": {\"type\": \"integer\"},"
"   \"accruing_cents\": {\"type\": \"integer\", \"description\": \"Loans out and overdue, not recorded yet\"},"
"   \"owed_cents\": {\"type\": \"integer\", \"description\": \"What is owed now: both\"},"
"   \"may_borrow\": {\"type\": \"boolean\"}, \"blocked_because\": {\"type\": [\"string\", \"null\"]},"
"   \"ledger\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/FineEntry\"}}}},"
"\"Payment\": {\"type\": \"object\", \"additionalProperties\": false,"
"  \"required\": [\"id\", \"amount_cents\", \"purpose\", \"method\", \"status\", \"plan\", \"created_at\", \"completed_at\"],"
"  \"properties\": {\"id\": {\"type\": \"integer\"}, \"amount_cents\": {\"type\": \"integer\"},"
"   \"purpose\": {\"type\": \"string\"}, \"method\": {\"type\": \"string\"}, \"status\": {\"type\": \"string\"},"
"   \"plan\": {\"type\": [\"string\", \"null\"], \"description\": \"The membership plan paid for\"},"
"   \"created_at\": {\"type\": \"string\", \"format\": \"date-time\"},"
"   \"completed_at\": {\"type\": [\"string\", \"null\"], \"format\": \"date-time\"}}},"
"\"PaymentList\": {\"type\": \"object\", \"additionalProperties\": false,"
"  \"required\": [\"items\", \"limit\", \"next_cursor\"],"
"  \"properties\": {\"items\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/Payment\"}},"
"   \"limit\": {\"type\": \"integer\"}, \"next_cursor\": {\"type\": [\"string\", \"null\"]}}},"
"\"PastLoan\": {\"type\": \"object\", \"additionalProperties\": false,"
"  \"required\": [\"title_id\", \"title\", \"loaned\", \"returned\", \"fine_cents\"],"
"  \"properties\": {\"title_id\": {\"type\": \"integer\"}, \"title\": {\"type\": \"string\"},"
"   \"loaned\": {\"type\": \"string\", \"format\": \"date\"}, \"returned\": {\"type\": \"string\", \"format\": \"date\"},"
"   \"fine_cents\": {\"type\": \"integer\"}}},"
"\"HistoryList\": {\"type\": \"object\", \"additionalProperties\": false,"
"  \"required\": [\"items\", \"total\", \"limit\", \"next_cursor\"],"
"  \"properties\": {\"items\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/PastLoan\"}},"
"   \"total\": {\"type\": \"integer\"}, \"limit\": {\"type\": \"integer\"},"
"   \"next_cursor\": {\"type\": [\"string\", \"null\"]}}},"
"\"CheckoutRequest\": {\"type\": \"object\", \"required\": [\"barcode\"],"
"  \"description\": \"The borrower as member_id, or as member: a library card number or email address.\","
"  \"properties\": {\"member_id\": {\"type\": \"integer\", \"minimum\": 1},"
"   \"member\": {\"type\": \"string\"}, \"barcode\": {\"type\": \"string\"}}},"
"\"LoanMade\": {\"type\": \"object\", \"additionalProperties\": false, \"required\": [\"loan\"],"
"  \"properties\": {\"loan\": {\"type\": \"object\", \"additionalProperties\": false,"
"   \"required\": [\"id\", \"member_id\", \"title\", \"barcode\", \"due\"],"
"   \"properties\": {\"id\": {\"type\": \"integer\"}, \"member_id\": {\"type\": \"integer\"},"
"    \"title\": {\"type\": \"string\"}, \"barcode\": {\"type\": \"string\"},"
"    \"due\": {\"type\": \"string\", \"format\": \"date\"}}}}},"
"\"CheckinRequest\": {\"type\": \"object\", \"required\": [\"barcode\"],"
"  \"properties\": {\"barcode\": {\"type\": \"string\"}}},"
"\"LoanReturned\": {\"type\": \"object\", \"additionalProperties\": false, \"required\": [\"loan\"],"
"  \"properties\": {\"loan\": {\"type\": \"object\", \"additionalProperties\": false,"
"   \"required\": [\"id\", \"title\", \"barcode\", \"due\", \"fine_cents\", \"held_for\"],"
"   \"properties\": {\"id\": {\"type\": \"integer\"}, \"title\": {\"type\": \"string\"},"
"    \"barcode\": {\"type\": \"string\"}, \"due\": {\"type\": \"string\", \"format\": \"date\"},"
"    \"fine_cents\": {\"type\": \"integer\", \"description\": \"The fine fixed at the return\"},"
"    \"held_for\": {\"oneOf\": [{\"type\": \"null\"}, {\"type\": \"object\", \"additionalProperties\": false,"
"     \"required\": [\"id\", \"member\", \"pickup_by\"],"
"     \"properties\": {\"id\": {\"type\": \"integer\", \"description\": \"The hold\"},"
"      \"member\": {\"type\": \"string\"}, \"pickup_by\": {\"type\": \"string\", \"format\": \"date\"}}}],"
"     \"description\": \"The copy went to the hold shelf for this hold\"}}}}},"
"\"MemberRow\": {\"type\": \"object\", \"additionalProperties\": false,"
"  \"required\": [\"id\", \"name\", \"email\", \"phone\", \"card_number\", \"category\", \"membership\", \"until\", \"owed_cents\"],"
"  \"properties\": {\"id\": {\"type\": \"integer\"}, \"name\": {\"type\": \"string\"},"
"   \"email\": {\"type\": \"string\"}, \"phone\": {\"type\": \"string\"},"
"   \"card_number\": {\"type\": \"string\"}, \"category\": {\"type\": \"string\"},"
"   \"membership\": {\"type\": \"string\", \"enum\": [\"active\", \"expired\", \"pending\", \"none\"]},"
"   \"until\": {\"type\": [\"string\", \"null\"], \"format\": \"date\"},"
"   \"owed_cents\": {\"type\": \"integer\", \"description\": \"Recorded fines\"}}},"
"\"MemberList\": {\"type\": \"object\", \"additionalProperties\": false,"
"  \"required\": [\"items\", \"total\", \"limit\", \"next_cursor\"],"
"  \"properties\": {\"items\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/MemberRow\"}},"
"   \"total\": {\"type\": \"integer\"}, \"limit\": {\"type\": \"integer\"},"
"   \"next_cursor\": {\"type\": [\"string\", \"null\"]}}},"
"\"MemberDetail\": {\"type\": \"object\", \"additionalProperties\": false, \"required\": [\"member\"],"
"  \"properties\": {\"member\": {\"type\": \"object\", \"additionalProperties\": false,"
"   \"required\": [\"id\", \"name\", \"email\", \"phone\", \"card_number\", \"category\", \"notes\", \"membership\", \"loans_out\", \"overdue\", \"holds_ready\", \"owed_cents\", \"may_borrow\", \"blocked_because\"],"
"   \"properties\": {\"id\": {\"type\": \"integer\"}, \"name\": {\"type\": \"string\"},"
"    \"email\": {\"type\": \"string\"}, \"phone\": {\"type\": \"string\"},"
"    \"card_number\": {\"type\": \"string\"}, \"category\": {\"type\": \"string\"},"
"    \"notes\": {\"type\": \"string\", \"description\": \"Staff notes\"},"
"    \"membership\": {\"type\": \"object\", \"additionalProperties\": false,"
"     \"required\": [\"status\", \"until\", \"plan\"],"
"     \"properties\": {\"status\": {\"type\": \"string\", \"enum\": [\"active\", \"expired\", \"pending\", \"none\"]},"
"      \"until\": {\"type\": [\"string\", \"null\"], \"format\": \"date\"}, \"plan\": {\"type\": \"string\"}}},"
"    \"loans_out\": {\"type\": \"integer\"}, \"overdue\": {\"type\": \"integer\"},"
"    \"holds_ready\": {\"type\": \"integer\"},"
"    \"owed_cents\": {\"type\": \"integer\", \"description\": \"Owed now, accruing fines included\"},"
"    \"may_borrow\": {\"type\": \"boolean\"}, \"blocked_because\": {\"type\": [\"string\", \"null\"]},"
"    \"temporary_password\": {\"type\": \"string\", \"description\": \"Only in the answer that made the member: they change it at first login\"}}}}},"
"\"MemberRequest\": {\"type\": \"object\", \"required\": [\"name\", \"email\", \"category\"],"
"  \"properties\": {\"name\": {\"type\": \"string\"}, \"email\": {\"type\": \"string\"},"
"   \"phone\": {\"type\": \"string\"},"
"   \"category\": {\"type\": \"string\", \"description\": \"One of the admin's member categories\"},"
"   \"plan_id\": {\"type\": \"integer\", \"minimum\": 1, \"description\": \"A membership plan: a free one is joined now, another waits for payment\"}}},"
"\"TitleRequest\": {\"type\": \"object\","
"  \"description\": \"As the staff's title form: every member a string (numbers may be sent as numbers). A new title needs title; format is print unless given.\","
"  \"properties\": {\"isbn\": {\"type\": \"string\"}, \"title\": {\"type\": \"string\"},"
"   \"subtitle\": {\"type\": \"string\"},"
"   \"authors\": {\"type\": [\"array\", \"string\"], \"items\": {\"type\": \"string\"}, \"description\": \"A list, or one a line\"},"
"   \"publisher\": {\"type\": \"string\"},"
"   \"pub_date\": {\"type\": \"string\", \"description\": \"YYYY, YYYY-MM or YYYY-MM-DD\"},"
"   \"genre\": {\"type\": \"string\"}, \"section\": {\"type\": [\"integer\", \"string\", \"null\"], \"description\": \"A section's number\"},"
"   \"language\": {\"type\": \"string\", \"description\": \"ISO 639-1\"},"
"   \"pages\": {\"type\": [\"integer\", \"string\", \"null\"]}, \"description\": {\"type\": \"string\"},"
"   \"format\": {\"type\": \"string\", \"enum\": [\"print\", \"ebook\"]}}},"
"\"CopyRequest\": {\"type\": \"object\","
"  \"description\": \"As the title's copies form; a new copy needs barcode.\","
"  \"properties\": {\"barcode\": {\"type\": \"string\"}, \"location\": {\"type\": \"string\"},"
"   \"status\": {\"type\": \"string\", \"enum\": [\"available\", \"lost\", \"damaged\", \"in-repair\", \"withdrawn\"]},"
"   \"acquired_on\": {\"type\": \"string\", \"format\": \"date\"}, \"source\": {\"type\": \"string\"},"
"   \"cost\": {\"type\": [\"string\", \"integer\"], \"description\": \"12.50 or 12\"},"
"   \"notes\": {\"type\": \"string\"},"
"   \"item_type\": {\"type\": \"string\", \"description\": \"An item type's code on the admin's list\"}}},"
"\"CopyAnswer\": {\"type\": \"object\", \"additionalProperties\": false, \"required\": [\"copy\"],"
"  \"properties\": {\"copy\": {\"type\": \"object\", \"additionalProperties\": false,"
"   \"required\": [\"id\", \"title_id\", \"barcode\", \"location\", \"status\", \"status_label\", \"available\", \"due\"],"
"   \"properties\": {\"id\": {\"type\": \"integer\"}, \"title_id\": {\"type\": \"integer\"},"
"    \"barcode\": {\"type\": \"string\"}, \"location\": {\"type\": \"string\"},"
"    \"status\": {\"type\": \"string\", \"enum\": [\"available\", \"on-loan\", \"on-hold-shelf\", \"lost\", \"damaged\", \"in-repair\", \"withdrawn\"]},"
"    \"status_label\": {\"type\": \"string\"}, \"available\": {\"type\": \"boolean\"},"
"    \"due\": {\"type\": [\"string\", \"null\"], \"format\": \"date\"}}}}},"
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
	snprintf(ref, sizeof ref, "#/components/schemas/%s", op->schema ? op->schema : "");
	snprintf(ok, sizeof ok, "%d", op->ok_status ? op->ok_status : 200);
	/* An operation with no schema of its own answers a page (/api/docs). */
	json_t *responses = op->schema ? json_pack("{s:{s:s, s:{s:{s:{s:s}}}}}", ok,
		"description", op->summary, "content", "application/json", "schema", "$ref", ref)
		: json_pack("{s:{s:s, s:{s:{s:{s:s}}}}}", ok, "description", op->summary,
		"content", "text/html", "schema", "type", "string");
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

/* ---- /api/docs: the document for people, made from it on the server ---- */

/* A schema's type for people: "integer or null", "array of Copy", ... */
static const char *type_words(struct ctx *c, json_t *schema)
{
	json_t *ref = json_object_get(schema, "$ref");
	if (json_is_string(ref)) {
		const char *slash = strrchr(json_string_value(ref), '/');
		return slash ? slash + 1 : json_string_value(ref);
	}
	json_t *one = json_object_get(schema, "oneOf");
	if (json_is_array(one)) {
		const char *words = "";
		size_t i;
		json_t *s;
		json_array_foreach(one, i, s) {
			json_t *t = json_object_get(s, "type");
			const char *w = json_is_string(t) && !strcmp(json_string_value(t), "object")
				? "object" : type_words(c, s);
			words = i ? arena_printf(c->arena, "%s or %s", words, w) : w;
		}
		return words;
	}
	json_t *type = json_object_get(schema, "type");
	if (json_is_array(type)) {
		const char *words = "";
		size_t i;
		json_t *t;
		json_array_foreach(type, i, t)
			words = i ? arena_printf(c->arena, "%s or %s", words, json_string_value(t))
				: json_string_value(t);
		return words;
	}
	const char *t = json_is_string(type) ? json_string_value(type) : "any";
	if (!strcmp(t, "array"))
		return arena_printf(c->arena, "array of %s",
			type_words(c, json_object_get(schema, "items")));
	json_t *values = json_object_get(schema, "enum");
	if (json_is_array(values)) {
		const char *words = "";
		size_t i;
		json_t *v;
		json_array_foreach(values, i, v)
			words = arena_printf(c->arena, "%s%s%s", words, i ? ", " : "",
				json_string_value(v));
		return arena_printf(c->arena, "%s: %s", t, words);
	}
	return t;
}

static const char *str_of(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : "";
}

static const char *schema_name_of(json_t *response)
{
	json_t *ref = json_object_get(json_object_get(json_object_get(json_object_get(
		response, "content"), "application/json"), "schema"), "$ref");
	if (!json_is_string(ref))
		return NULL;
	const char *slash = strrchr(json_string_value(ref), '/');
	return slash ? slash + 1 : NULL;
}

static void view_operation(struct ctx *c, struct tv *list, const char *path,
	const char *method, json_t *op)
{
	struct tv *o = tv_obj(c->arena);
	char upper[8];
	snprintf(upper, sizeof upper, "%s", method);
	for (char *m = upper; *m; m++)
		*m = (char)(*m - 'a' + 'A');
	tv_set_str(o, "method", upper);
	tv_set_str(o, "path", path);
	tv_set_str(o, "anchor", str_of(op, "operationId"));
	tv_set_str(o, "summary", str_of(op, "summary"));
	json_t *scope = json_object_get(op, "x-carrel-scope");
	tv_set_str(o, "access", json_is_string(scope) ? arena_printf(c->arena,
		"Needs a %s token of a %s account or above.", json_string_value(scope),
		str_of(op, "x-carrel-role")) : "Open to all; a token is accepted.");
	struct tv *params = tv_set_list(o, "params");
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(op, "parameters"), i, p) {
		struct tv *r = tv_obj(c->arena);
		tv_set_str(r, "name", str_of(p, "name"));
		tv_set_str(r, "in", str_of(p, "in"));
		tv_set_str(r, "type", type_words(c, json_object_get(p, "schema")));
		tv_set_str(r, "description", str_of(p, "description"));
		tv_set_bool(r, "required", json_is_true(json_object_get(p, "required")));
		tv_push(params, r);
	}
	tv_set_bool(o, "has_params", i > 0);
	json_t *body = json_object_get(op, "requestBody");
	if (body)
		tv_set_str(o, "request", schema_name_of(body));
	struct tv *responses = tv_set_list(o, "responses");
	const char *status;
	json_t *r;
	json_object_foreach(json_object_get(op, "responses"), status, r) {
		struct tv *x = tv_obj(c->arena);
		tv_set_str(x, "status", status);
		tv_set_str(x, "description", str_of(r, "description"));
		const char *schema = schema_name_of(r);
		if (schema)
			tv_set_str(x, "schema", schema);
		tv_push(responses, x);
	}
	tv_push(list, o);
}

static void view_schema(struct ctx *c, struct tv *list, const char *name, json_t *schema)
{
	struct tv *o = tv_obj(c->arena);
	tv_set_str(o, "name", name);
	tv_set_str(o, "about", str_of(schema, "description"));
	json_t *required = json_object_get(schema, "required");
	struct tv *props = tv_set_list(o, "props");
	const char *key;
	json_t *p;
	size_t n = 0;
	json_object_foreach(json_object_get(schema, "properties"), key, p) {
		struct tv *r = tv_obj(c->arena);
		tv_set_str(r, "name", key);
		tv_set_str(r, "type", type_words(c, p));
		tv_set_str(r, "description", str_of(p, "description"));
		bool always = false;
		size_t i;
		json_t *q;
		json_array_foreach(required, i, q)
			always = always || !strcmp(json_string_value(q), key);
		tv_set_bool(r, "required", always);
		tv_push(props, r);
		n++;
	}
	tv_set_bool(o, "has_props", n > 0);
	tv_push(list, o);
}

void page_api_docs(struct ctx *c)
{
	json_t *doc = api_openapi_document();
	if (!doc) {
		api_error(c, 500, API_ERR_INTERNAL, "The document could not be made.", NULL);
		return;
	}
	tv_set_str(c->view, "description", str_of(json_object_get(doc, "info"), "description"));
	tv_set_str(c->view, "openapi", str_of(doc, "openapi"));
	tv_set_int(c->view, "rate", api_requests_per_minute(c->db));
	tv_set_int(c->view, "max_body_kb", API_MAX_BODY / 1024);
	tv_set_int(c->view, "limit_default", API_LIMIT_DEFAULT);
	tv_set_int(c->view, "limit_max", API_LIMIT_MAX);
	struct tv *ops = tv_set_list(c->view, "operations");
	const char *path, *method;
	json_t *item, *op;
	json_object_foreach(json_object_get(doc, "paths"), path, item)
		json_object_foreach(item, method, op)
			view_operation(c, ops, path, method, op);
	struct tv *schemas = tv_set_list(c->view, "schemas");
	const char *name;
	json_t *schema;
	json_object_foreach(json_object_get(json_object_get(doc, "components"), "schemas"),
		name, schema)
		view_schema(c, schemas, name, schema);
	web_render(c, "api_docs", 200);
	json_decref(doc);
}
