/*
** web.h: what every page handler shares: the request context, the route
** table's shape, and the chrome helpers (render a page in the layout, error
** pages, redirects, form tokens). Handlers live in one file per screen area
** and are named page_<area>_<action>.
*/
#ifndef CARREL_WEB_H
#define CARREL_WEB_H

#include <stdbool.h>
#include <time.h>

#include "account.h"
#include "api.h"
#include "arena.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "lists.h"
#include "session.h"
#include "template.h"
#include "valid.h"

struct ctx {
	struct req *req;
	struct resp *resp;
	struct arena *arena;            /* freed after the request */
	struct db *db;                  /* this worker's connection */
	const struct config *cfg;
	const struct tmpl_set *tmpl;    /* compiled once per worker */
	struct session sess;            /* sess.valid false: anonymous */
	const char *session_token;      /* the session cookie as sent, or NULL */
	const char *anon_csrf;          /* a visitor's double-submit token */
	time_t now;
	bool personal;                  /* the page holds something of this
	                                   visitor's (a form token) */
	struct tv *view;                /* the page's data; the layout's too */
	const char *currency;           /* the library's, read once a request
	                                   (web_money) */
	const struct api_caller *caller; /* on /api: whose token the request
	                                   carries (caller->valid false: none);
	                                   NULL on every other path */
};

typedef void (*page_fn)(struct ctx *c);

struct route {
	const char *method;      /* "GET" or "POST" (HEAD is served as GET) */
	const char *pattern;     /* "/admin/users/{id}/role": {id} is digits,
	                            any other {name} is one non-empty segment */
	enum role min_role;
	page_fn handler;
	bool csrf_exempt;        /* a provider's callback, authenticated by its
	                            own signature instead of a form token */
	enum api_scope scope;    /* an /api row (lib/api.h): the token scope it
	                            needs; API_SCOPE_NONE: public */
};

/* Whether a route (by its pattern) or a path is the JSON API's: under
** API_PREFIX. Such paths go to api_dispatch instead of the pages'. */
bool route_is_api(const struct route *r);
bool path_is_api(const char *path);

/* The JSON API's dispatcher (cgi/api.c): authentication by token, role
** and scope checks, rate limit, handler, ETag; the request's body is read
** and parsed already (err non-zero: it was refused, answer that). */
void api_dispatch(struct ctx *c, const struct http_error *err);

/* The OpenAPI document (cgi/api_openapi.c), its paths made from the /api
** rows of the route table; NULL when a row has no description there (a
** jansson json_t the caller frees with json_decref). */
struct json_t *api_openapi_document(void);
/* Whether an /api row has its description for the document. */
bool api_route_documented(const struct route *r);

/* Answer the API's one error shape (lib/api.h) with status; field may be
** NULL. */
void api_error(struct ctx *c, int status, const char *code, const char *message,
	const char *field);

extern const struct route routes[];
extern const int routes_count;

/* Find the route for method and path, filling req->params. Returns the
** route, or NULL with *path_known true when another method would match
** (405) and false when nothing does (404). */
const struct route *route_match(struct req *req, const char *method,
	bool *path_known);

/* The methods some route answers at req->path, for Allow: "GET, HEAD",
** "POST", "GET, HEAD, POST" or "". */
const char *route_methods(struct req *req);

/* Render template name in the layout with status, as the response. */
void web_render(struct ctx *c, const char *name, int status);

/* An error page in the layout with a message for the reader. */
void web_error(struct ctx *c, int status, const char *message);

/* The view of that error page, made fresh as c->view, for a handler that
** adds to it (the error template's partials) before web_render(c, "error",
** status). */
struct tv *web_error_view(struct ctx *c, int status, const char *message);

/* 303 to location. */
void web_redirect(struct ctx *c, const char *location);

/* Put the CSRF token in the view as "csrf" (and for a visitor, set the
** cookie the form will be checked against). Call on every page with a
** form. */
void web_form_token(struct ctx *c);

/* The message paired with ?done=key among messages ({key, text} pairs) as
** "notice" in the view; nothing from the address itself is ever shown. */
void web_done_notice(struct ctx *c, const char *const (*messages)[2], size_t n);

/* Put form errors in the view as errors.<field> and error_count. */
void web_form_errors(struct ctx *c, const struct form_errors *e);

/* A page number from the query ("page"), 1 when absent or invalid. */
long web_page_param(struct ctx *c);

/* The last page of a list of total rows, per_page to a page (1 when the
** list is empty). A page number past it is clamped to it: a list handler
** that got page > web_page_last() reads the last page instead, so an
** address with a page past the end shows the end of the list. */
long web_page_last(long total, long per_page);

/* prev_url, next_url, page and pages for _pager.mustache; base is the
** page's address with its query (page= is added). A page past the last is
** shown as the last. */
void web_pager(struct ctx *c, const char *base, long page, long total, long per_page);

/* A count with its noun for display: "1 title", "2 titles", "0 titles". */
const char *web_count(struct ctx *c, long long n, const char *one, const char *many);

/* A day stored as YYYY-MM-DD for display, e.g. "22 Nov 2026" (as web_date);
** "" stays "". Files and exports keep the ISO form. */
const char *web_day(struct ctx *c, const char *iso_day);

/* A date (in the library's time zone) for display, e.g. "22 Nov 2026". */
const char *web_date(struct ctx *c, long long unix_seconds);

/* The time of day of a moment, "14:05", and the moment itself, "22 Nov
** 2026, 14:05" (the library's time zone). */
const char *web_time(struct ctx *c, long long unix_seconds);
const char *web_moment(struct ctx *c, long long unix_seconds);

/* A message written in lib/ (a refusal, a reason) for a page: the days in
** it written YYYY-MM-DD are shown as web_day shows them. For messages
** only: never for a form's values, which keep what was typed. */
const char *web_message(struct ctx *c, const char *message);

/* An amount of money in cents for people, with the library's currency,
** e.g. "12.50 €" or "-0.25 €" (money_show). Form fields and files take the
** plain amount instead (money_amount in money.h). */
const char *web_money(struct ctx *c, long long cents);

/* The cost and throttling settings of the configuration. */
struct auth_cost web_auth_cost(const struct ctx *c);

/* A member's loans, holds, fines and balance into the view (the staff
** member page and the member's own account page). */
void circ_view_member(struct ctx *c, long long member_id, bool staff);

/* ---- views several screens share (cgi/views.c): the member's own pages
** (account.c, payments.c) and the staff's (members.c) read them from there
** and never from each other. ---- */

/* A member's membership standing into the view as "membership" (the
** member's account page and the staff member page), in words for people. */
void members_view_standing(struct ctx *c, long long account_id);

/* The plans (all, or those on offer) as a list for a form, the chosen one
** marked. A menu with no chosen plan shows its "Choose a plan" placeholder:
** the free plan is never picked for anyone silently. */
void members_view_plans(struct ctx *c, const char *key, bool active_only,
	long long chosen);

/* A membership standing or period state as stored ("pending", "none",
** "active", ...) in words for people ("waiting for payment", ...). */
const char *members_status_words(const char *status);

/* The plan a member's plan menu starts on: the one waiting for payment,
** else the current one, else 0 (none: the placeholder). */
long long members_plan_to_offer(struct ctx *c, long long account_id);

struct payment;
/* What a payment list row and a receipt both show, in words for people. */
void payments_view_fields(struct ctx *c, struct tv *o, const struct payment *p);

/* A member's payments as "payments" (and has_payments) in the view; with
** staff, each completed payment carries its refund form's address. */
void payments_view_list(struct ctx *c, long long account_id, bool staff);

/* The same with one refund refused: that payment's row carries the reason
** typed (refund_reason) and why it was refused (refund_error); when the
** payment has no refund form, why is "refund_refused" in the view. */
struct refund_refusal {
	long long payment_id;
	const char *reason, *message;
};
void payments_view_list_refused(struct ctx *c, long long account_id, bool staff,
	const struct refund_refusal *refused);

struct pay_result;
/* The status a refused payment operation answers with, its form shown
** again: 422 (what was typed), 409 (the state of things), 404, or 500. */
int payments_refusal_status(const struct pay_result *r);

/* The choice of how notices reach a member (_notice_channel.mustache):
** "channels" ({value, label, checked}) with chosen checked, has_channels. */
void web_view_channels(struct ctx *c, const char *chosen);

/* A member's notices from the outbox as "notices" (and has_notices). */
void notifications_view_member(struct ctx *c, long long account_id);

/* carrel-cron's tasks as "tasks" (and has_tasks), and "cron_stale" when no
** task finished in the last hour (CRON_SILENT_WARN_SECONDS). */
void cron_view_tasks(struct ctx *c);

/* The entries of a list (item types or member categories) as a select's
** options under key in obj ({code, name, selected}), chosen marked; with
** with_any, first an option '*' named "Any item type" / "Any category". */
void lists_view_options(struct ctx *c, struct tv *obj, const char *key,
	enum list_kind kind, const char *chosen, bool with_any);

/* The names of the codes held in obj under category_key and item_type_key
** (either may be NULL), set beside them as <key>_name: for a "why". */
void lists_view_names(struct ctx *c, struct tv *obj, const char *category_key,
	const char *item_type_key);

/* The outbox for staff as "outbox" in the view (cgi/outbox.c), for the
** partial templates/_outbox.mustache: counts queued, sent and failed, the
** recent failures with their reason, whether a mail server is configured
** and, when not, the recent emails saved as files. */
void outbox_view(struct ctx *c);

/* A title's ratings (lib/reviews.h) under obj as "rating": average ("4.3"),
** stars ("★★★★☆", the average rounded) and count_text ("12 ratings");
** nothing when nobody rated it (cgi/reviews.c). */
void reviews_view_rating(struct ctx *c, struct tv *obj, long long sum, long long count);

/* The title page's reviews as "reviews" for _title_reviews.mustache: the
** average, the visible reviews (staff see hidden ones, marked), and the
** member's form or why they cannot review; a visitor's is the same for
** every visitor. After a refused post the view holds "review_typed"
** (rating, body, errors) and the form shows it. */
void reviews_view_title(struct ctx *c, long long title_id);

/* The private folder nginx serves downloads from (/_exports/ with
** X-Accel-Redirect), made when missing and rid of files older than an
** hour (cgi/exports.c); NULL when it cannot be made. */
const char *exports_folder(struct ctx *c);

/* Handlers, by area. */
void api_catalogue(struct ctx *c);
void api_title(struct ctx *c);
void api_me(struct ctx *c);
void api_hold_place(struct ctx *c);
void api_my_holds(struct ctx *c);
void api_hold_cancel(struct ctx *c);
/* Make a member as the staff's "new member" form does (cgi/members.c): a
** temporary password (to *password, shown once), the category, and the
** plan (free: joined now; else waiting for payment) when plan_id is not 0.
** ACCOUNT_INVALID or ACCOUNT_EMAIL_TAKEN with the reasons in errs. */
enum account_result members_create(struct ctx *c, struct account_input *in,
	const char *category, long long plan_id, long long actor_id, struct form_errors *errs,
	long long *id, const char **password);
/* A title's stored values as its edit form shows them (cgi/titles.c). */
struct title_detail;
struct title_input;
void titles_input_of(struct ctx *c, const struct title_detail *t, struct title_input *in);
void api_title_create(struct ctx *c);
void api_title_update(struct ctx *c);
void api_copy_add(struct ctx *c);
void api_copy_update(struct ctx *c);
void api_members(struct ctx *c);
void api_member(struct ctx *c);
void api_member_create(struct ctx *c);
void api_my_loans(struct ctx *c);
void api_my_loan_renew(struct ctx *c);
void api_my_fines(struct ctx *c);
void api_my_payments(struct ctx *c);
void api_my_history(struct ctx *c);
void api_checkout(struct ctx *c);
void api_checkin(struct ctx *c);
void api_loan_renew(struct ctx *c);
void api_openapi(struct ctx *c);
void page_api_docs(struct ctx *c);
void page_api_token_create(struct ctx *c);
void page_api_token_revoke(struct ctx *c);
/* The API's rate limit on /admin/settings (cgi/api_tokens.c) into the
** view as "api_rate" (value, error): as typed and refused, else stored. */
void api_view_rate(struct ctx *c, const char *typed, const char *error);
void page_admin_api_rate(struct ctx *c);
/* The profile page's API tokens section (cgi/api_tokens.c) into the view. */
void api_tokens_view_profile(struct ctx *c);
void page_opac_home(struct ctx *c);
void page_opac_healthz(struct ctx *c);
void page_opac_catalogue(struct ctx *c);
void page_opac_title(struct ctx *c);
void page_opac_sections(struct ctx *c);
void page_opac_section(struct ctx *c);
void page_account_login_form(struct ctx *c);
void page_account_login(struct ctx *c);
void page_account_logout(struct ctx *c);
void page_account_register_form(struct ctx *c);
void page_account_register(struct ctx *c);
void page_account_overview(struct ctx *c);
void page_account_profile_form(struct ctx *c);
void page_account_profile(struct ctx *c);
void page_account_password(struct ctx *c);
void page_staff_home(struct ctx *c);
void page_staff_titles(struct ctx *c);
void page_staff_title_new_form(struct ctx *c);
void page_staff_title_new(struct ctx *c);
void page_staff_title_edit_form(struct ctx *c);
void page_staff_title_edit(struct ctx *c);
void page_staff_title_delete_form(struct ctx *c);
void page_staff_title_delete(struct ctx *c);
void page_staff_copies(struct ctx *c);
void page_staff_copy_add(struct ctx *c);
void page_staff_copy_edit(struct ctx *c);
void page_staff_copy_withdraw(struct ctx *c);
void page_staff_isbn(struct ctx *c);
void page_circ_checkout_form(struct ctx *c);
void page_circ_checkout(struct ctx *c);
void page_circ_checkin_form(struct ctx *c);
void page_circ_checkin(struct ctx *c);
void page_circ_holds(struct ctx *c);
void page_circ_hold_cancel_staff(struct ctx *c);
void page_circ_loan(struct ctx *c);
void page_circ_loan_renew_staff(struct ctx *c);
void page_circ_renew_own(struct ctx *c);
void page_circ_hold_place(struct ctx *c);
void page_circ_hold_cancel_own(struct ctx *c);
void page_circ_history(struct ctx *c);
void page_admin_rules(struct ctx *c);
void page_admin_rule_add(struct ctx *c);
void page_admin_rule_edit(struct ctx *c);
void page_admin_rule_delete(struct ctx *c);
void page_admin_settings(struct ctx *c);
void page_admin_limits(struct ctx *c);
void page_admin_currency(struct ctx *c);
void page_admin_closed_add(struct ctx *c);
void page_admin_closed_delete(struct ctx *c);
void page_members_list(struct ctx *c);
void page_members_new_form(struct ctx *c);
void page_members_new(struct ctx *c);
void page_members_show(struct ctx *c);
void page_members_confirm_email(struct ctx *c);
void page_members_edit_form(struct ctx *c);
void page_members_edit(struct ctx *c);
void page_members_renew(struct ctx *c);
void page_members_payments(struct ctx *c);
void page_members_payment_add(struct ctx *c);
void page_members_fines(struct ctx *c);
void page_members_payment_refund(struct ctx *c);
void page_account_notifications(struct ctx *c);
void page_account_notification_read(struct ctx *c);
void page_account_notifications_read_all(struct ctx *c);
void page_staff_notifications(struct ctx *c);
void page_staff_notification_read(struct ctx *c);
void page_staff_notifications_read_all(struct ctx *c);
void page_live_auth(struct ctx *c);
void page_ebook_read(struct ctx *c);
void page_payment_receipt(struct ctx *c);
void page_admin_notices(struct ctx *c);
void page_admin_notices_settings(struct ctx *c);
void page_admin_notice(struct ctx *c);
void page_admin_notice_save(struct ctx *c);
void page_admin_notice_restore(struct ctx *c);
void page_account_payments(struct ctx *c);
void page_account_payment_start(struct ctx *c);
void page_test_provider_form(struct ctx *c);
void page_test_provider_answer(struct ctx *c);
void page_payment_callback(struct ctx *c);
void page_members_password(struct ctx *c);
void page_imports_form(struct ctx *c);
void page_imports_run(struct ctx *c);
void page_imports_show(struct ctx *c);
void page_imports_commit(struct ctx *c);
void page_imports_undo(struct ctx *c);
void page_exports(struct ctx *c);
void page_export_download(struct ctx *c);
void page_admin_plans(struct ctx *c);
void page_admin_plan_add(struct ctx *c);
void page_admin_plan_edit(struct ctx *c);
void page_admin_users(struct ctx *c);
void page_admin_user_role(struct ctx *c);
void page_circ_loans(struct ctx *c);
void page_circ_overdue(struct ctx *c);
void page_circ_checkout_slip(struct ctx *c);
void page_circ_hold_slip(struct ctx *c);
void page_circ_member_notes(struct ctx *c);
void page_admin_weekly_add(struct ctx *c);
void page_admin_weekly_delete(struct ctx *c);
void page_admin_item_types(struct ctx *c);
void page_admin_item_type_add(struct ctx *c);
void page_admin_item_type_save(struct ctx *c);
void page_admin_item_type_delete(struct ctx *c);
void page_admin_categories(struct ctx *c);
void page_admin_category_add(struct ctx *c);
void page_admin_category_save(struct ctx *c);
void page_admin_category_delete(struct ctx *c);
void page_outbox_email(struct ctx *c);
void page_account_register_sent(struct ctx *c);
void page_account_confirm_form(struct ctx *c);
void page_account_confirm(struct ctx *c);
void page_password_forgot_form(struct ctx *c);
void page_password_forgot(struct ctx *c);
void page_password_reset_form(struct ctx *c);
void page_password_reset(struct ctx *c);
void page_admin_backups(struct ctx *c);
void page_admin_backup_make(struct ctx *c);
void page_admin_backup_settings(struct ctx *c);
void page_admin_backup_download(struct ctx *c);
void page_reviews_save(struct ctx *c);
void page_reviews_delete(struct ctx *c);
void page_reviews_staff(struct ctx *c);
void page_reviews_hide(struct ctx *c);
void page_reviews_show(struct ctx *c);
void page_reports(struct ctx *c);
void page_report(struct ctx *c);

/* ---- e-book loans (cgi/ebooks.c) ---- */

/* The e-book panel of a title's page (templates/_title_ebook.mustache):
** for an e-book title, the member's request or loan of it, the button to
** request it or why they may not; nothing for a print title. */
void ebooks_view_title(struct ctx *c, long long title_id, bool is_ebook);
/* A member's e-book loans as "ebooks" (_account_ebooks.mustache): requested,
** on loan and past; with staff, for the staff member page (no forms). */
void ebooks_view_account(struct ctx *c, long long account_id, bool staff);
/* The e-book rules and the auto-grant setting as "ebook_rules" on
** /admin/rules (_ebook_rules.mustache). */
void ebooks_view_rules(struct ctx *c);
void page_ebooks_request(struct ctx *c);
void page_ebooks_return_own(struct ctx *c);
void page_ebooks_cancel_own(struct ctx *c);
void page_staff_ebook_requests(struct ctx *c);
void page_staff_ebook_grant(struct ctx *c);
void page_staff_ebook_reject(struct ctx *c);
void page_staff_ebook_revoke(struct ctx *c);
void page_admin_ebook_rule_add(struct ctx *c);
void page_admin_ebook_rule_save(struct ctx *c);
void page_admin_ebook_rule_delete(struct ctx *c);
void page_admin_ebook_auto_grant(struct ctx *c);

/* cgi/help.c and cgi/support.c: help pages and questions to the library */
void page_help(struct ctx *c);
void page_help_topic(struct ctx *c);
void page_support_form(struct ctx *c);
void page_support_open(struct ctx *c);
void page_support_sent(struct ctx *c);
void page_account_support(struct ctx *c);
void page_account_support_ticket(struct ctx *c);
void page_account_support_follow_up(struct ctx *c);
void page_staff_support(struct ctx *c);
void page_staff_support_ticket(struct ctx *c);
void page_staff_support_answer(struct ctx *c);
void page_staff_support_close(struct ctx *c);
void page_staff_support_reopen(struct ctx *c);
/* cgi/inventory.c: stocktaking */
void page_inventory_list(struct ctx *c);
void page_inventory_open(struct ctx *c);
void page_inventory_show(struct ctx *c);
void page_inventory_scan(struct ctx *c);
void page_inventory_found(struct ctx *c);
void page_inventory_close_form(struct ctx *c);
void page_inventory_close(struct ctx *c);
void page_inventory_csv(struct ctx *c);
/* ---- sections (cgi/sections.c) ---- */
void page_staff_sections(struct ctx *c);
void page_staff_section_add(struct ctx *c);
void page_staff_section(struct ctx *c);
void page_staff_section_save(struct ctx *c);
void page_staff_section_move(struct ctx *c);
void page_staff_section_delete(struct ctx *c);
void page_staff_section_merge_form(struct ctx *c);
void page_staff_section_merge(struct ctx *c);

/* ---- staff accounts (cgi/staff_accounts.c) ---- */
void page_admin_user_new_form(struct ctx *c);
void page_admin_user_new(struct ctx *c);
void page_admin_user_disable(struct ctx *c);
void page_admin_user_enable(struct ctx *c);
void page_password_change_form(struct ctx *c);
void page_password_change(struct ctx *c);

/* cgi/audit.c */
void page_admin_audit(struct ctx *c);
void page_admin_audit_verify(struct ctx *c);

/* ---- removing a member and their data (cgi/privacy.c) ---- */
void page_privacy_staff_remove_form(struct ctx *c);
void page_privacy_staff_remove(struct ctx *c);
void page_privacy_remove_own(struct ctx *c);
void page_privacy_removed(struct ctx *c);
void page_privacy_data_json(struct ctx *c);
void page_privacy_data_csv(struct ctx *c);
void page_admin_retention(struct ctx *c);

/* The staff page of a removed member, when id is one: true when answered. */
bool privacy_page_removed_member(struct ctx *c, long long id);

/* The profile's "Your data" and "Remove my account" sections into the view
** (what stops a removal now), unless a refused removal put them there. */
void privacy_view_profile(struct ctx *c);

/* The retention setting's form into the view ("retention"): what was typed
** and its error, or the saved period. */
void privacy_view_retention(struct ctx *c, const char *typed, const char *error);

/* The member's profile page (account.c) with status, for a refused POST of
** another form on it. */
void account_profile_page(struct ctx *c, int status);

/* The admin settings page (admin.c) with status, for a refused form on it. */
void admin_settings_page(struct ctx *c, int status);

#endif
