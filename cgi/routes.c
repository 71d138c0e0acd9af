/*
** routes.c: THE route table. Every URL the application answers is listed
** here with its method, the lowest role allowed to use it and its handler.
** The dispatcher (main.c) checks the role and, for every method but GET,
** the CSRF token, before any handler runs; handlers never repeat those
** checks.
*/
#include <string.h>

#include "web.h"

/* Rows name csrf_exempt only where it is true. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

const struct route routes[] = {
	/* Public */
	{ "GET",  "/",                       ROLE_ANON,   page_opac_home },
	{ "GET",  "/healthz",                ROLE_ANON,   page_opac_healthz },
	{ "GET",  "/catalogue",              ROLE_ANON,   page_opac_catalogue },
	{ "GET",  "/titles/{id}",            ROLE_ANON,   page_opac_title },
	{ "GET",  "/sections",               ROLE_ANON,   page_opac_sections },
	{ "GET",  "/sections/{id}",          ROLE_ANON,   page_opac_section },
	{ "GET",  "/login",                  ROLE_ANON,   page_account_login_form },
	{ "POST", "/login",                  ROLE_ANON,   page_account_login },
	{ "GET",  "/register",               ROLE_ANON,   page_account_register_form },
	{ "POST", "/register",               ROLE_ANON,   page_account_register },
	{ "GET",  "/register/sent",          ROLE_ANON,   page_account_register_sent },
	{ "GET",  "/register/confirm/{token}", ROLE_ANON, page_account_confirm_form },
	{ "POST", "/register/confirm/{token}", ROLE_ANON, page_account_confirm },
	{ "GET",  "/password/forgot",        ROLE_ANON,   page_password_forgot_form },
	{ "POST", "/password/forgot",        ROLE_ANON,   page_password_forgot },
	{ "GET",  "/password/reset/{token}", ROLE_ANON,   page_password_reset_form },
	{ "POST", "/password/reset/{token}", ROLE_ANON,   page_password_reset },
	{ "GET",  "/help",                   ROLE_ANON,   page_help },
	{ "GET",  "/help/{topic}",           ROLE_ANON,   page_help_topic },
	{ "GET",  "/support",                ROLE_ANON,   page_support_form },
	{ "POST", "/support",                ROLE_ANON,   page_support_open },
	{ "GET",  "/support/sent",           ROLE_ANON,   page_support_sent },
	/* An account given a temporary password is sent here from every page
	** until it chooses its own (main.c). */
	{ "GET",  "/password/change",        ROLE_MEMBER, page_password_change_form },
	{ "POST", "/password/change",        ROLE_MEMBER, page_password_change },
	/* nginx asks it before a live-update subscription (lib/live.h); it
	** answers 200 or 403 itself, so it is open to all. */
	{ "GET",  "/live/auth/{id}",         ROLE_ANON,   page_live_auth },
	{ "GET",  "/removed",                ROLE_ANON,   page_privacy_removed },
	/* The payment provider's answer: checked by its signature, not a form token. */
	{ "POST", "/payments/callback",      ROLE_ANON,   page_payment_callback, true },

	/* Member */
	{ "POST", "/logout",                 ROLE_MEMBER, page_account_logout },
	{ "GET",  "/account",                ROLE_MEMBER, page_account_overview },
	{ "GET",  "/account/profile",        ROLE_MEMBER, page_account_profile_form },
	{ "POST", "/account/profile",        ROLE_MEMBER, page_account_profile },
	{ "POST", "/account/password",       ROLE_MEMBER, page_account_password },
	{ "GET",  "/account/history",        ROLE_MEMBER, page_circ_history },
	{ "GET",  "/account/notifications",  ROLE_MEMBER, page_account_notifications },
	{ "POST", "/account/notifications/read-all", ROLE_MEMBER, page_account_notifications_read_all },
	{ "POST", "/account/notifications/{id}/read", ROLE_MEMBER, page_account_notification_read },
	{ "POST", "/account/loans/{id}/renew", ROLE_MEMBER, page_circ_renew_own },
	{ "POST", "/account/holds/{id}/cancel", ROLE_MEMBER, page_circ_hold_cancel_own },
	{ "POST", "/titles/{id}/hold",       ROLE_MEMBER, page_circ_hold_place },
	{ "POST", "/titles/{id}/ebook-request", ROLE_MEMBER, page_ebooks_request },
	{ "POST", "/account/ebooks/{id}/return", ROLE_MEMBER, page_ebooks_return_own },
	{ "POST", "/account/ebooks/{id}/cancel", ROLE_MEMBER, page_ebooks_cancel_own },
	{ "POST", "/titles/{id}/reviews",    ROLE_MEMBER, page_reviews_save },
	{ "POST", "/titles/{id}/reviews/delete", ROLE_MEMBER, page_reviews_delete },
	{ "GET",  "/account/payments",       ROLE_MEMBER, page_account_payments },
	{ "GET",  "/account/data.json",      ROLE_MEMBER, page_privacy_data_json },
	{ "GET",  "/account/data.csv",       ROLE_MEMBER, page_privacy_data_csv },
	{ "POST", "/account/remove",         ROLE_MEMBER, page_privacy_remove_own },
	{ "POST", "/account/payments",       ROLE_MEMBER, page_account_payment_start },
	{ "GET",  "/payments/{id}",          ROLE_MEMBER, page_payment_receipt },
	/* The built-in test provider's hosted checkout (see lib/payments.h). */
	{ "GET",  "/payments/test-provider/{ref}", ROLE_MEMBER, page_test_provider_form },
	{ "POST", "/payments/test-provider/{ref}", ROLE_MEMBER, page_test_provider_answer },
	/* {id} is the title; nginx sends the file once the worker found a grant. */
	{ "GET",  "/ebooks/{id}/read",       ROLE_MEMBER, page_ebook_read },
	{ "GET",  "/account/support",        ROLE_MEMBER, page_account_support },
	{ "GET",  "/account/support/{id}",   ROLE_MEMBER, page_account_support_ticket },
	{ "POST", "/account/support/{id}",   ROLE_MEMBER, page_account_support_follow_up },

	/* Staff: librarians and admins */
	{ "GET",  "/staff",                               ROLE_LIBRARIAN, page_staff_home },
	{ "GET",  "/staff/titles",                        ROLE_LIBRARIAN, page_staff_titles },
	{ "GET",  "/staff/titles/new",                    ROLE_LIBRARIAN, page_staff_title_new_form },
	{ "POST", "/staff/titles/new",                    ROLE_LIBRARIAN, page_staff_title_new },
	{ "GET",  "/staff/titles/{id}/edit",              ROLE_LIBRARIAN, page_staff_title_edit_form },
	{ "POST", "/staff/titles/{id}/edit",              ROLE_LIBRARIAN, page_staff_title_edit },
	{ "GET",  "/staff/titles/{id}/delete",            ROLE_LIBRARIAN, page_staff_title_delete_form },
	{ "POST", "/staff/titles/{id}/delete",            ROLE_LIBRARIAN, page_staff_title_delete },
	{ "GET",  "/staff/titles/{id}/copies",            ROLE_LIBRARIAN, page_staff_copies },
	{ "POST", "/staff/titles/{id}/copies",            ROLE_LIBRARIAN, page_staff_copy_add },
	{ "POST", "/staff/titles/{id}/copies/{id}",       ROLE_LIBRARIAN, page_staff_copy_edit },
	{ "POST", "/staff/titles/{id}/copies/{id}/withdraw", ROLE_LIBRARIAN, page_staff_copy_withdraw },
	{ "GET",  "/staff/isbn/{isbn}",                   ROLE_LIBRARIAN, page_staff_isbn },
	{ "GET",  "/staff/checkout",                      ROLE_LIBRARIAN, page_circ_checkout_form },
	{ "POST", "/staff/checkout",                      ROLE_LIBRARIAN, page_circ_checkout },
	{ "GET",  "/staff/checkin",                       ROLE_LIBRARIAN, page_circ_checkin_form },
	{ "POST", "/staff/checkin",                       ROLE_LIBRARIAN, page_circ_checkin },
	{ "GET",  "/staff/holds",                         ROLE_LIBRARIAN, page_circ_holds },
	{ "POST", "/staff/holds/{id}/cancel",             ROLE_LIBRARIAN, page_circ_hold_cancel_staff },
	{ "GET",  "/staff/loans",                         ROLE_LIBRARIAN, page_circ_loans },
	{ "GET",  "/staff/loans/{id}",                    ROLE_LIBRARIAN, page_circ_loan },
	{ "POST", "/staff/loans/{id}/renew",              ROLE_LIBRARIAN, page_circ_loan_renew_staff },
	{ "GET",  "/staff/overdue",                       ROLE_LIBRARIAN, page_circ_overdue },
	{ "GET",  "/staff/slips/checkout/{id}",           ROLE_LIBRARIAN, page_circ_checkout_slip },
	{ "GET",  "/staff/slips/hold/{id}",               ROLE_LIBRARIAN, page_circ_hold_slip },
	{ "POST", "/staff/members/{id}/notes",            ROLE_LIBRARIAN, page_circ_member_notes },
	{ "GET",  "/staff/members",                       ROLE_LIBRARIAN, page_members_list },
	{ "GET",  "/staff/members/new",                   ROLE_LIBRARIAN, page_members_new_form },
	{ "POST", "/staff/members/new",                   ROLE_LIBRARIAN, page_members_new },
	{ "GET",  "/staff/members/{id}",                  ROLE_LIBRARIAN, page_members_show },
	{ "GET",  "/staff/members/{id}/remove",           ROLE_LIBRARIAN, page_privacy_staff_remove_form },
	{ "POST", "/staff/members/{id}/remove",           ROLE_LIBRARIAN, page_privacy_staff_remove },
	{ "POST", "/staff/members/{id}/confirm-email",    ROLE_LIBRARIAN, page_members_confirm_email },
	{ "GET",  "/staff/members/{id}/edit",             ROLE_LIBRARIAN, page_members_edit_form },
	{ "POST", "/staff/members/{id}/edit",             ROLE_LIBRARIAN, page_members_edit },
	{ "POST", "/staff/members/{id}/renew",            ROLE_LIBRARIAN, page_members_renew },
	{ "GET",  "/staff/members/{id}/payments",         ROLE_LIBRARIAN, page_members_payments },
	{ "POST", "/staff/members/{id}/payments",         ROLE_LIBRARIAN, page_members_payment_add },
	{ "POST", "/staff/members/{id}/payments/{id}/refund", ROLE_LIBRARIAN, page_members_payment_refund },
	{ "POST", "/staff/members/{id}/fines",            ROLE_LIBRARIAN, page_members_fines },
	{ "POST", "/staff/members/{id}/password",         ROLE_LIBRARIAN, page_members_password },
	{ "GET",  "/staff/imports",                       ROLE_LIBRARIAN, page_imports_form },
	{ "POST", "/staff/imports",                       ROLE_LIBRARIAN, page_imports_run },
	{ "GET",  "/staff/imports/{batch}",               ROLE_LIBRARIAN, page_imports_show },
	{ "POST", "/staff/imports/{batch}/commit",        ROLE_LIBRARIAN, page_imports_commit },
	{ "POST", "/staff/imports/{batch}/undo",          ROLE_LIBRARIAN, page_imports_undo },
	{ "GET",  "/staff/exports",                       ROLE_LIBRARIAN, page_exports },
	{ "GET",  "/staff/exports/{kind}",                ROLE_LIBRARIAN, page_export_download },
	{ "GET",  "/staff/reports",                       ROLE_LIBRARIAN, page_reports },
	{ "GET",  "/staff/reports/{kind}",                ROLE_LIBRARIAN, page_report },
	{ "GET",  "/staff/notices/{id}/email",            ROLE_LIBRARIAN, page_outbox_email },
	{ "GET",  "/staff/notifications",                 ROLE_LIBRARIAN, page_staff_notifications },
	{ "POST", "/staff/notifications/read-all",        ROLE_LIBRARIAN, page_staff_notifications_read_all },
	{ "POST", "/staff/notifications/{id}/read",       ROLE_LIBRARIAN, page_staff_notification_read },
	{ "GET",  "/staff/ebook-requests",                ROLE_LIBRARIAN, page_staff_ebook_requests },
	{ "POST", "/staff/ebook-requests/{id}/grant",     ROLE_LIBRARIAN, page_staff_ebook_grant },
	{ "POST", "/staff/ebook-requests/{id}/reject",    ROLE_LIBRARIAN, page_staff_ebook_reject },
	{ "POST", "/staff/ebook-requests/{id}/revoke",    ROLE_LIBRARIAN, page_staff_ebook_revoke },
	{ "GET",  "/staff/reviews",                       ROLE_LIBRARIAN, page_reviews_staff },
	{ "POST", "/staff/reviews/{id}/hide",             ROLE_LIBRARIAN, page_reviews_hide },
	{ "POST", "/staff/reviews/{id}/show",             ROLE_LIBRARIAN, page_reviews_show },
	{ "GET",  "/staff/support",                       ROLE_LIBRARIAN, page_staff_support },
	{ "GET",  "/staff/support/{id}",                  ROLE_LIBRARIAN, page_staff_support_ticket },
	{ "POST", "/staff/support/{id}/answer",           ROLE_LIBRARIAN, page_staff_support_answer },
	{ "POST", "/staff/support/{id}/close",            ROLE_LIBRARIAN, page_staff_support_close },
	{ "POST", "/staff/support/{id}/reopen",           ROLE_LIBRARIAN, page_staff_support_reopen },
	{ "GET",  "/staff/inventory",                     ROLE_LIBRARIAN, page_inventory_list },
	{ "POST", "/staff/inventory",                     ROLE_LIBRARIAN, page_inventory_open },
	{ "GET",  "/staff/inventory/{id}",                ROLE_LIBRARIAN, page_inventory_show },
	{ "POST", "/staff/inventory/{id}/scan",           ROLE_LIBRARIAN, page_inventory_scan },
	{ "POST", "/staff/inventory/{id}/found",          ROLE_LIBRARIAN, page_inventory_found },
	{ "GET",  "/staff/inventory/{id}/close",          ROLE_LIBRARIAN, page_inventory_close_form },
	{ "POST", "/staff/inventory/{id}/close",          ROLE_LIBRARIAN, page_inventory_close },
	{ "GET",  "/staff/inventory/{id}/csv",            ROLE_LIBRARIAN, page_inventory_csv },
	{ "GET",  "/staff/sections",                      ROLE_LIBRARIAN, page_staff_sections },
	{ "POST", "/staff/sections",                      ROLE_LIBRARIAN, page_staff_section_add },
	{ "GET",  "/staff/sections/{id}",                 ROLE_LIBRARIAN, page_staff_section },
	{ "POST", "/staff/sections/{id}",                 ROLE_LIBRARIAN, page_staff_section_save },
	{ "POST", "/staff/sections/{id}/move",            ROLE_LIBRARIAN, page_staff_section_move },
	{ "POST", "/staff/sections/{id}/delete",          ROLE_LIBRARIAN, page_staff_section_delete },
	{ "GET",  "/staff/sections/{id}/merge",           ROLE_LIBRARIAN, page_staff_section_merge_form },
	{ "POST", "/staff/sections/{id}/merge",           ROLE_LIBRARIAN, page_staff_section_merge },

	/* Admin */
	{ "GET",  "/admin/users",            ROLE_ADMIN,  page_admin_users },
	{ "GET",  "/admin/users/new",        ROLE_ADMIN,  page_admin_user_new_form },
	{ "POST", "/admin/users/new",        ROLE_ADMIN,  page_admin_user_new },
	{ "POST", "/admin/users/{id}/disable", ROLE_ADMIN, page_admin_user_disable },
	{ "POST", "/admin/users/{id}/enable", ROLE_ADMIN, page_admin_user_enable },
	{ "GET",  "/admin/rules",            ROLE_ADMIN,  page_admin_rules },
	{ "POST", "/admin/rules",            ROLE_ADMIN,  page_admin_rule_add },
	{ "POST", "/admin/rules/{id}",       ROLE_ADMIN,  page_admin_rule_edit },
	{ "POST", "/admin/rules/{id}/delete", ROLE_ADMIN, page_admin_rule_delete },
	{ "POST", "/admin/rules/ebooks",     ROLE_ADMIN,  page_admin_ebook_rule_add },
	{ "POST", "/admin/rules/ebooks/{code}", ROLE_ADMIN, page_admin_ebook_rule_save },
	{ "POST", "/admin/rules/ebooks/{code}/delete", ROLE_ADMIN, page_admin_ebook_rule_delete },
	{ "POST", "/admin/rules/ebook-auto-grant", ROLE_ADMIN, page_admin_ebook_auto_grant },
	{ "GET",  "/admin/settings",         ROLE_ADMIN,  page_admin_settings },
	{ "POST", "/admin/settings/limits",  ROLE_ADMIN,  page_admin_limits },
	{ "POST", "/admin/settings/currency", ROLE_ADMIN, page_admin_currency },
	{ "POST", "/admin/settings/retention", ROLE_ADMIN, page_admin_retention },
	{ "POST", "/admin/settings/api",     ROLE_ADMIN,  page_admin_api_rate },
	{ "POST", "/admin/settings/closed",  ROLE_ADMIN,  page_admin_closed_add },
	{ "POST", "/admin/settings/closed/{day}/delete", ROLE_ADMIN, page_admin_closed_delete },
	{ "POST", "/admin/settings/weekly",  ROLE_ADMIN,  page_admin_weekly_add },
	{ "POST", "/admin/settings/weekly/{day}/delete", ROLE_ADMIN, page_admin_weekly_delete },
	{ "POST", "/admin/users/{id}/role",  ROLE_ADMIN,  page_admin_user_role },
	{ "GET",  "/admin/plans",            ROLE_ADMIN,  page_admin_plans },
	{ "POST", "/admin/plans",            ROLE_ADMIN,  page_admin_plan_add },
	{ "POST", "/admin/plans/{id}",       ROLE_ADMIN,  page_admin_plan_edit },
	{ "GET",  "/admin/item-types",       ROLE_ADMIN,  page_admin_item_types },
	{ "POST", "/admin/item-types",       ROLE_ADMIN,  page_admin_item_type_add },
	{ "POST", "/admin/item-types/{code}", ROLE_ADMIN, page_admin_item_type_save },
	{ "POST", "/admin/item-types/{code}/delete", ROLE_ADMIN, page_admin_item_type_delete },
	{ "GET",  "/admin/categories",       ROLE_ADMIN,  page_admin_categories },
	{ "POST", "/admin/categories",       ROLE_ADMIN,  page_admin_category_add },
	{ "POST", "/admin/categories/{code}", ROLE_ADMIN, page_admin_category_save },
	{ "POST", "/admin/categories/{code}/delete", ROLE_ADMIN, page_admin_category_delete },
	{ "GET",  "/admin/audit",            ROLE_ADMIN,  page_admin_audit },
	{ "GET",  "/admin/audit/verify",     ROLE_ADMIN,  page_admin_audit_verify },
	{ "GET",  "/admin/notices",          ROLE_ADMIN,  page_admin_notices },
	{ "POST", "/admin/notices/settings", ROLE_ADMIN,  page_admin_notices_settings },
	{ "GET",  "/admin/notices/{kind}",   ROLE_ADMIN,  page_admin_notice },
	{ "POST", "/admin/notices/{kind}",   ROLE_ADMIN,  page_admin_notice_save },
	{ "POST", "/admin/notices/{kind}/restore", ROLE_ADMIN, page_admin_notice_restore },
	{ "GET",  "/admin/backups",          ROLE_ADMIN,  page_admin_backups },
	{ "POST", "/admin/backups",          ROLE_ADMIN,  page_admin_backup_make },
	{ "POST", "/admin/backups/settings", ROLE_ADMIN,  page_admin_backup_settings },
	{ "GET",  "/admin/backups/{name}",   ROLE_ADMIN,  page_admin_backup_download },

	/* API tokens, made and revoked on the profile page (cgi/api_tokens.c). */
	{ "POST", "/account/api-tokens",     ROLE_MEMBER, page_api_token_create },
	{ "POST", "/account/api-tokens/{id}/revoke", ROLE_MEMBER, page_api_token_revoke },

	/* The JSON API (lib/api.h): every row under /api/ is answered by
	** api_dispatch, authenticated by a Bearer token only; .scope is the
	** token scope the row needs (none: public, a token accepted). Each row
	** is an operation of /api/v1/openapi.json (cgi/api_openapi.c). */
	{ "GET",  "/api/v1/openapi.json",    ROLE_ANON,   api_openapi },
	/* The same document as a page for people (HTML, the only one here). */
	{ "GET",  "/api/docs",               ROLE_ANON,   page_api_docs },
	{ "GET",  "/api/v1/catalogue",       ROLE_ANON,   api_catalogue },
	{ "GET",  "/api/v1/titles/{id}",     ROLE_ANON,   api_title },
	{ "GET",  "/api/v1/me",              ROLE_MEMBER, api_me, .scope = API_SCOPE_READ },
	{ "GET",  "/api/v1/me/holds",        ROLE_MEMBER, api_my_holds, .scope = API_SCOPE_READ },
	{ "POST", "/api/v1/holds",           ROLE_MEMBER, api_hold_place, .scope = API_SCOPE_WRITE },
	{ "POST", "/api/v1/holds/{id}/cancel", ROLE_MEMBER, api_hold_cancel,
	  .scope = API_SCOPE_WRITE },
	{ "GET",  "/api/v1/me/loans",        ROLE_MEMBER, api_my_loans, .scope = API_SCOPE_READ },
	{ "POST", "/api/v1/me/loans/{id}/renew", ROLE_MEMBER, api_my_loan_renew,
	  .scope = API_SCOPE_WRITE },
	{ "GET",  "/api/v1/me/fines",        ROLE_MEMBER, api_my_fines, .scope = API_SCOPE_READ },
	{ "GET",  "/api/v1/me/payments",     ROLE_MEMBER, api_my_payments, .scope = API_SCOPE_READ },
	{ "GET",  "/api/v1/me/history",      ROLE_MEMBER, api_my_history, .scope = API_SCOPE_READ },
	{ "POST", "/api/v1/checkouts",       ROLE_LIBRARIAN, api_checkout, .scope = API_SCOPE_WRITE },
	{ "POST", "/api/v1/checkins",        ROLE_LIBRARIAN, api_checkin, .scope = API_SCOPE_WRITE },
	{ "POST", "/api/v1/loans/{id}/renew", ROLE_LIBRARIAN, api_loan_renew,
	  .scope = API_SCOPE_WRITE },
	{ "GET",  "/api/v1/members",         ROLE_LIBRARIAN, api_members, .scope = API_SCOPE_READ },
	{ "POST", "/api/v1/members",         ROLE_LIBRARIAN, api_member_create,
	  .scope = API_SCOPE_WRITE },
	{ "GET",  "/api/v1/members/{id}",    ROLE_LIBRARIAN, api_member, .scope = API_SCOPE_READ },
	{ "POST", "/api/v1/titles",          ROLE_LIBRARIAN, api_title_create,
	  .scope = API_SCOPE_WRITE },
	{ "POST", "/api/v1/titles/{id}",     ROLE_LIBRARIAN, api_title_update,
	  .scope = API_SCOPE_WRITE },
	{ "POST", "/api/v1/titles/{id}/copies", ROLE_LIBRARIAN, api_copy_add,
	  .scope = API_SCOPE_WRITE },
	{ "POST", "/api/v1/titles/{id}/copies/{id}", ROLE_LIBRARIAN, api_copy_update,
	  .scope = API_SCOPE_WRITE },
};

const int routes_count = (int)(sizeof routes / sizeof routes[0]);

bool path_is_api(const char *path)
{
	return path && !strncmp(path, API_PREFIX, sizeof API_PREFIX - 1);
}

bool route_is_api(const struct route *r)
{
	return path_is_api(r->pattern);
}

/* Match one pattern against path; placeholders go to req->params. */
static bool pattern_match(const char *pattern, const char *path, struct req *req)
{
	const char *p = pattern, *s = path;
	int nparams = 0;
	while (*p && *s) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			bool digits_only = close && close - p == 3 && !strncmp(p, "{id}", 4);
			const char *end = s;
			while (*end && *end != '/')
				end++;
			if (end == s || nparams >= 4)
				return false;
			if (digits_only)
				for (const char *d = s; d < end; d++)
					if (*d < '0' || *d > '9')
						return false;
			req->params[nparams++] = arena_strndup(req->arena, s, (size_t)(end - s));
			p = close + 1;
			s = end;
		} else if (*p++ != *s++) {
			return false;
		}
	}
	if (*p || *s)
		return false;
	req->nparams = nparams;
	return true;
}

const struct route *route_match(struct req *req, const char *method,
	bool *path_known)
{
	*path_known = false;
	if (!strcmp(method, "HEAD"))
		method = "GET";
	for (int i = 0; i < routes_count; i++) {
		if (!pattern_match(routes[i].pattern, req->path, req))
			continue;
		if (!strcmp(routes[i].method, method))
			return &routes[i];
		*path_known = true;
	}
	req->nparams = 0;
	return NULL;
}

const char *route_methods(struct req *req)
{
	bool get = false, post = false;
	for (int i = 0; i < routes_count; i++) {
		if (!pattern_match(routes[i].pattern, req->path, req))
			continue;
		get = get || !strcmp(routes[i].method, "GET");
		post = post || !strcmp(routes[i].method, "POST");
	}
	req->nparams = 0;
	return get && post ? "GET, HEAD, POST" : get ? "GET, HEAD" : post ? "POST" : "";
}
