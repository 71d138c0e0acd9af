/*
** ebooks_read.c: GET /ebooks/{id}/read, a member reading the file of an
** e-book title ({id} is the title). The worker checks the grant and
** records the reading; nginx sends the file (X-Accel-Redirect to its
** internal location /_ebooks/), Range requests included, so the worker
** never holds it.
*/
#include <string.h>

#include "catalogue.h"
#include "ebookfile.h"
#include "web.h"

/* A file name for the reader's browser from the title: letters and digits
** of ASCII, other runs made one hyphen, nothing a header could misread. */
static const char *download_name(struct ctx *c, const char *title, const char *media_type)
{
	char base[81];
	size_t n = 0;
	bool gap = false;
	for (const unsigned char *p = (const unsigned char *)title; *p && n < 80; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) {
			if (gap && n)
				base[n++] = '-';
			if (n < 80)
				base[n++] = (char)*p;
			gap = false;
		} else {
			gap = true;
		}
	}
	base[n] = '\0';
	return arena_printf(c->arena, "%s.%s", n ? base : "e-book",
		!strcmp(media_type, "application/pdf") ? "pdf" : "epub");
}

static void refuse(struct ctx *c, int status, long long title_id, const char *message)
{
	struct tv *v = web_error_view(c, status, message);
	tv_set_int(v, "title_id", title_id);
	web_render(c, "ebook_refused", status);
}

void page_ebook_read(struct ctx *c)
{
	long long title_id = valid_id(c->req->params[0]);
	struct title_detail t;
	int rc = catalogue_title_get(c->db, c->arena, title_id, &t);
	if (rc) {
		web_error(c, rc > 0 ? 404 : 500, rc > 0 ? "There is no title with that number."
			: "The title could not be read. Please try again.");
		return;
	}
	/* Staff may open any file, to check an upload; their reading is
	** recorded without a loan. */
	long long loan_id = 0;
	if (c->sess.role < ROLE_LIBRARIAN) {
		switch (ebookfile_reader_grant(c->db, c->sess.account_id, title_id, c->now,
			&loan_id)) {
		case EBOOK_GRANT_LIVE:
			break;
		case EBOOK_GRANT_ENDED:
			refuse(c, 403, title_id, "Your access to this e-book has ended. You may "
				"request it again from its page.");
			return;
		case EBOOK_GRANT_NONE:
			refuse(c, 403, title_id, "You have not been granted this e-book. You may "
				"request it from its page.");
			return;
		}
	}
	struct ebook_file_row f;
	rc = ebookfile_get(c->db, c->arena, title_id, &f);
	if (rc <= 0 || !ebookfile_name_valid(f.name)) {
		if (rc < 0)
			web_error(c, 500, "The e-book could not be opened just now. Please try again.");
		else
			refuse(c, 404, title_id, "The library has not added the file of this "
				"e-book yet.");
		return;
	}
	if (ebookfile_record_access(c->db, loan_id, c->sess.account_id, title_id, c->now,
		c->req->range)) {
		web_error(c, 500, "The e-book could not be opened just now. Please try again.");
		return;
	}
	c->personal = true;
	http_resp_set_header(c->resp, "Content-Type", f.media_type);
	http_resp_header(c->resp, "Content-Disposition", arena_printf(c->arena,
		"inline; filename=\"%s\"", download_name(c, t.title, f.media_type)));
	http_resp_header(c->resp, "Cache-Control", "private, no-store");
	http_resp_header(c->resp, "X-Accel-Redirect", arena_printf(c->arena, "/_ebooks/%s",
		f.name));
}
