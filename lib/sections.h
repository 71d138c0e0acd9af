/*
** sections.h: keeping the library's sections (staff, /staff/sections):
** add, rename and describe, order, merge one into another, delete an
** empty one. Reading them for the public pages is in catalogue.h
** (catalogue_sections, in this order).
**
** Names are unique whatever their case ("Poetry" is "poetry"); the schema
** holds to it too (schema/0030_sections_staff.sql). A section's name is in
** its titles' search documents: the triggers of schema/0003_search.sql
** rebuild them when it is renamed or its titles move, so the catalogue's
** section filter and search agree with the page at once.
**
** Every change is recorded in the audit trail as actor_id ('section.*').
*/
#ifndef CARREL_SECTIONS_H
#define CARREL_SECTIONS_H

#include <time.h>

#include "arena.h"
#include "db.h"
#include "valid.h"

#define SECTION_NAME_MAX 200
#define SECTION_DESCRIPTION_MAX 2000

struct section_input {
	const char *name;
	const char *description;
};

enum section_result {
	SECTION_OK,
	SECTION_INVALID,      /* a field is wrong (errors say which): 422 */
	SECTION_NAME_TAKEN,   /* another section has the name: 409 */
	SECTION_NOT_FOUND,
	SECTION_HAS_TITLES,   /* cannot be deleted: merge it instead: 409 */
	SECTION_SAME,         /* merged into itself: 422 */
	SECTION_ERROR
};

/* Trim in's fields (into a) and check them; errors go to errs under
** "name" and "description". Returns SECTION_OK or SECTION_INVALID. */
enum section_result sections_validate(struct arena *a, struct section_input *in,
	struct form_errors *errs);

/* Add a section (in validated) at the end of the order; *id gets it. On
** SECTION_NAME_TAKEN an error for "name" is added. */
enum section_result sections_add(struct db *db, long long actor_id,
	const struct section_input *in, time_t now, struct form_errors *errs,
	long long *id);

/* Rename and describe section id (in validated); as sections_add. */
enum section_result sections_save(struct db *db, long long actor_id, long long id,
	const struct section_input *in, time_t now, struct form_errors *errs);

/* Put section id at position (1 is first; beyond the ends is the end),
** the others keeping their order. */
enum section_result sections_move(struct db *db, long long actor_id, long long id,
	long position, time_t now);

/* The position of section id in the order (1 is first), 0 when there is
** no such section. */
long sections_position(struct db *db, long long id);

/* How many sections there are. */
long sections_count(struct db *db);

/* Move every title of section id into section into, then remove id. *moved
** gets the number of titles moved. SECTION_SAME when into is id,
** SECTION_NOT_FOUND when either is missing. */
enum section_result sections_merge(struct db *db, long long actor_id, long long id,
	long long into, time_t now, long *moved);

/* Remove section id: only when no title is in it (SECTION_HAS_TITLES). */
enum section_result sections_delete(struct db *db, long long actor_id, long long id,
	time_t now);

#endif
