/*
** help.c: the help pages (/help, /help/{topic}): guides for patrons, for
** librarians and for admins. Each topic is a template (help_<topic>);
** the library's own rules (loan period, fines, limits, plans) are read
** from the database on every page, so they say what the library does today.
** Staff and admin guides are shown only to those roles: anyone else asking
** for one gets 403 ("this guide is for library staff").
*/
#include <string.h>

#include "support.h"
#include "web.h"

struct help_topic {
	const char *slug;        /* /help/{slug}, template help_{slug} */
	const char *title;
	const char *summary;
	enum role audience;      /* the lowest role that reads it */
};

static const struct help_topic topics[] = {
	{ "search", "Searching the catalogue", "find a book, narrow a search, see what is on the shelf", ROLE_ANON },
	{ "borrow", "Borrowing", "how long you keep a book and how many at once", ROLE_ANON },
	{ "renew", "Renewing", "keep a book longer from your account", ROLE_ANON },
	{ "holds", "Placing a hold", "reserve a book that is out, collect it when it is back", ROLE_ANON },
	{ "fines", "Fines and paying", "what a late return costs and how to pay", ROLE_ANON },
	{ "ebooks", "Reading e-books", "ask for an e-book and read it in your browser", ROLE_ANON },
	{ "membership", "Membership", "the plans, their prices, and renewing", ROLE_ANON },
	{ "desk", "The circulation desk", "checkout, checkin, renewals, holds and fines at the desk", ROLE_LIBRARIAN },
	{ "cataloguing", "Cataloguing", "add titles by ISBN or by hand, copies and covers", ROLE_LIBRARIAN },
	{ "imports", "Imports and exports", "bring in members and titles, take out lists", ROLE_LIBRARIAN },
	{ "reports", "Reports", "circulation, popular titles, stock, members and fines", ROLE_LIBRARIAN },
	{ "stocktaking", "Stocktaking", "scan a shelf, find what is missing or misplaced", ROLE_LIBRARIAN },
	{ "sections", "Sections", "the parts of the library titles are shelved in", ROLE_LIBRARIAN },
	{ "support", "Answering questions", "the questions patrons send from the support page", ROLE_LIBRARIAN },
	{ "rules", "Circulation rules", "loan periods, limits, fines, closed days", ROLE_ADMIN },
	{ "plans", "Membership plans", "what members pay, for how long", ROLE_ADMIN },
	{ "staff-accounts", "Staff accounts", "librarians and admins, and what each may do", ROLE_ADMIN },
	{ "backups", "Backups", "copies of the database, and restoring one", ROLE_ADMIN },
	{ "audit", "The audit trail", "who did what and when, and checking nobody changed it", ROLE_ADMIN },
};
#define TOPIC_COUNT (sizeof topics / sizeof topics[0])

static const struct help_topic *topic_named(const char *slug)
{
	for (size_t i = 0; i < TOPIC_COUNT; i++)
		if (!strcmp(topics[i].slug, slug))
			return &topics[i];
	return NULL;
}

static enum role reader_role(const struct ctx *c)
{
	return c->sess.valid ? c->sess.role : ROLE_ANON;
}

/* The list of topics for one audience, as key in the view (and has_<key>);
** nothing when the reader may not read them. */
static void view_topics(struct ctx *c, const char *key, enum role audience)
{
	if (reader_role(c) < audience)
		return;
	tv_set_bool(c->view, arena_printf(c->arena, "has_%s", key), true);
	struct tv *list = tv_set_list(c->view, key);
	for (size_t i = 0; i < TOPIC_COUNT; i++) {
		if (topics[i].audience != audience)
			continue;
		struct tv *o = tv_obj(c->arena);
		tv_set_str(o, "href", arena_printf(c->arena, "/help/%s", topics[i].slug));
		tv_set_str(o, "title", topics[i].title);
		tv_set_str(o, "summary", topics[i].summary);
		tv_push(list, o);
	}
}

/* The library's rules as "rules" in the view, in words for people. */
static bool view_rules(struct ctx *c)
{
	struct support_rules r;
	if (support_rules_get(c->db, c->arena, &r))
		return false;
	struct tv *v = tv_set_obj(c->view, "rules");
	tv_set_str(v, "loan_days", web_count(c, r.loan_days, "day", "days"));
	tv_set_str(v, "max_loans", web_count(c, r.max_loans, "item", "items"));
	tv_set_str(v, "max_renewals", web_count(c, r.max_renewals, "time", "times"));
	tv_set_bool(v, "renewals_allowed", r.max_renewals > 0);
	if (r.no_renewal_before_days >= 0)
		tv_set_str(v, "no_renewal_before",
			web_count(c, r.no_renewal_before_days, "day", "days"));
	tv_set_str(v, "renew_overdue_days", web_count(c, r.renew_overdue_days, "day", "days"));
	tv_set_bool(v, "has_fines", r.fine_per_day_cents > 0);
	tv_set_str(v, "fine_per_day", web_money(c, r.fine_per_day_cents));
	tv_set_str(v, "grace_days", web_count(c, r.grace_days, "day", "days"));
	tv_set_bool(v, "has_grace", r.grace_days > 0);
	tv_set_bool(v, "has_cap", r.fine_cap_cents > 0);
	tv_set_str(v, "fine_cap", web_money(c, r.fine_cap_cents));
	tv_set_str(v, "block_fines", web_money(c, r.block_fines_cents));
	tv_set_str(v, "hold_pickup_days", web_count(c, r.hold_pickup_days, "day", "days"));
	tv_set_str(v, "ebook_days", web_count(c, r.ebook_days, "day", "days"));
	tv_set_str(v, "ebook_max", web_count(c, r.ebook_max, "e-book", "e-books"));
	tv_set_bool(v, "other_rules", r.other_rules > 0);
	struct tv *plans = tv_set_list(v, "plans");
	for (int i = 0; i < r.nplans; i++) {
		struct tv *p = tv_obj(c->arena);
		tv_set_str(p, "name", r.plans[i].name);
		tv_set_str(p, "days", web_count(c, r.plans[i].days, "day", "days"));
		tv_set_bool(p, "free", r.plans[i].price_cents == 0);
		tv_set_str(p, "price", web_money(c, r.plans[i].price_cents));
		tv_push(plans, p);
	}
	tv_set_bool(v, "has_plans", r.nplans > 0);
	return true;
}

void page_help(struct ctx *c)
{
	view_topics(c, "patron_topics", ROLE_ANON);
	view_topics(c, "staff_topics", ROLE_LIBRARIAN);
	view_topics(c, "admin_topics", ROLE_ADMIN);
	if (!view_rules(c)) {
		web_error(c, 500, "Help could not be shown just now. Please try again.");
		return;
	}
	web_render(c, "help", 200);
}

void page_help_topic(struct ctx *c)
{
	const struct help_topic *t = topic_named(c->req->params[0]);
	if (!t) {
		web_error(c, 404, "There is no help page of that name. The list of guides is "
			"on the Help page.");
		return;
	}
	if (reader_role(c) < t->audience) {
		web_error(c, 403, t->audience == ROLE_ADMIN
			? "This guide is for the library's administrators."
			: "This guide is for library staff.");
		return;
	}
	if (!view_rules(c)) {
		web_error(c, 500, "Help could not be shown just now. Please try again.");
		return;
	}
	tv_set_str(c->view, "topic_title", t->title);
	tv_set_str(c->view, "audience", t->audience == ROLE_ANON ? "For readers"
		: t->audience == ROLE_LIBRARIAN ? "For library staff" : "For administrators");
	char *name = arena_printf(c->arena, "help_%s", t->slug);
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
	web_render(c, name, 200);
}
