/*
** catalogue.c: reading the catalogue. See catalogue.h.
*/
#include "catalogue.h"

int catalogue_newest(struct db *db, struct arena *a, int max,
	struct title_brief *out)
{
	sqlite3_stmt *st = db_query(db,
		"SELECT t.id, t.title, t.subtitle, coalesce(t.pub_year, 0), "
		"  (SELECT group_concat(name, ', ') FROM "
		"    (SELECT a.name FROM title_author ta JOIN author a ON a.id = ta.author_id "
		"     WHERE ta.title_id = t.id ORDER BY ta.position)) "
		"FROM title t ORDER BY t.created_at DESC, t.id DESC LIMIT ?",
		"i", (long long)max);
	if (!st)
		return -1;
	int n = 0;
	while (n < max && db_row(db, st)) {
		out[n].id = db_col_int(st, 0);
		out[n].title = db_text(a, st, 1);
		out[n].subtitle = db_text(a, st, 2);
		out[n].pub_year = db_col_int(st, 3);
		out[n].authors = db_text(a, st, 4);
		n++;
	}
	db_done(st);
	return n;
}
