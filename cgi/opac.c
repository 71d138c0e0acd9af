/*
** opac.c: the public pages: home (and, with the catalogue issue, search
** and title pages).
*/
#include "catalogue.h"
#include "web.h"

#define HOME_NEW_TITLES 8

void page_opac_home(struct ctx *c)
{
	struct title_brief titles[HOME_NEW_TITLES];
	int n = catalogue_newest(c->db, c->arena, HOME_NEW_TITLES, titles);
	if (n < 0) {
		web_error(c, 500, "The catalogue could not be read. Please try again.");
		return;
	}
	tv_set_bool(c->view, "has_new_titles", n > 0);
	struct tv *list = tv_set_list(c->view, "new_titles");
	for (int i = 0; i < n; i++) {
		struct tv *t = tv_obj(c->arena);
		tv_set_int(t, "id", titles[i].id);
		tv_set_str(t, "title", titles[i].title);
		tv_set_str(t, "subtitle", titles[i].subtitle);
		tv_set_str(t, "authors", titles[i].authors);
		if (titles[i].pub_year)
			tv_set_int(t, "year", titles[i].pub_year);
		tv_push(list, t);
	}
	web_render(c, "home", 200);
}

/* For load balancers and monitoring: answers when a worker and the
** database both respond. */
void page_opac_healthz(struct ctx *c)
{
	long long one = db_int(c->db, 0, "SELECT 1", NULL);
	c->resp->status = one == 1 ? 200 : 503;
	http_resp_set_header(c->resp, "Content-Type", "text/plain; charset=utf-8");
	http_resp_set_header(c->resp, "Cache-Control", "no-store");
	buf_clear(c->resp->body);
	buf_puts(c->resp->body, one == 1 ? "ok\n" : "database unavailable\n");
}
