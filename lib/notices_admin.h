/*
** notices_admin.h: what an admin does with the texts of notices at
** /admin/notices: see them with a sample member, save an edit (refused,
** nothing saved, when a template is broken), restore the text a kind came
** with. The texts and rendering are notify.h's; this adds the sample, the
** checks before saving, and the audit trail (notice.edit, notice.restore).
*/
#ifndef CARREL_NOTICES_ADMIN_H
#define CARREL_NOTICES_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "arena.h"
#include "db.h"
#include "notify.h"
#include "template.h"

/* A notice kind for the list: notify.h's, with who last edited it and
** whether it still has the text it came with. */
struct notice_kind_row {
	struct notice_kind k;
	const char *edited_by;    /* "" when never edited, or the editor is gone */
	bool is_default;
};

/* Every kind, in notify_kinds' order. Returns the count or -1. */
int notices_admin_list(struct db *db, struct arena *a, struct notice_kind_row **out);

/* The view a kind's templates are previewed with: a real member of the
** library (the first member by number) when there is one, else made-up
** ones, and a sample value for each of the kind's fields (a title from the
** catalogue, days in words, amounts in the library's currency). who is
** set to whom it is: "Ada Reader (a made-up member)" or the member. */
struct tv *notices_sample_view(struct db *db, struct arena *a, const struct notice_kind *k,
	time_t now, const char **who);

/* Which form field a notify_render message is about: "subject",
** "body_text", "body_html" or "sms_text" (from the part it names). */
const char *notices_error_field(const char *message);

/* Check texts for kind (sizes, and notify_render's template check) and save
** them, as actor_id, with updated_at/updated_by and an audit row. Returns
** 0, 1 when refused (err names the part and line; *field the form field),
** 2 when there is no such kind, -1 on a database error. */
int notices_save(struct db *db, struct arena *a, const char *kind,
	const struct notice_texts *texts, long long actor_id, time_t now,
	char *err, size_t errlen, const char **field);

/* Put back the texts kind came with (notice_template_default), recorded as
** an edit by actor_id. Returns 0, 1 when there is no such kind, or -1. */
int notices_restore(struct db *db, const char *kind, long long actor_id, time_t now);

#endif
