/*
** lists.h: the two lists an admin keeps for circulation: item types (what
** a copy is: book, DVD, ...) and member categories (who a member is:
** adult, child, ...). A copy's item_type, an account's category and the
** circulation rules name a code from these lists (a rule may also say '*'
** for any); the schema refuses any other code (migrations 0012 and 0016).
**
** Every change made here is written to the audit table in the transaction
** that makes it: item_type.add, item_type.save, item_type.delete and
** category.add, category.save, category.delete.
*/
#ifndef CARREL_LISTS_H
#define CARREL_LISTS_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"
#include "db.h"
#include "valid.h"

enum list_kind { LIST_ITEM_TYPE, LIST_CATEGORY };

enum lists_result {
	LISTS_OK,
	LISTS_INVALID,     /* a field is wrong (errors say which) */
	LISTS_CONFLICT,    /* the code or name is taken, or the entry is in use */
	LISTS_NOT_FOUND,
	LISTS_ERROR,
};

/* One entry of a list, with what uses it. */
struct list_entry {
	const char *code;
	const char *name;
	long position;
	long records;      /* copies of this item type, or accounts of this category */
	long rules;        /* circulation rules naming it */
};

/* An entry as typed into the admin's forms (text). */
struct list_input {
	const char *code;      /* only when adding */
	const char *name;
	const char *position;  /* a whole number; empty when adding = at the end */
};

/* Every entry of a list in its order (position, then name). Returns the
** count (entries on the arena), or -1. */
int lists_entries(struct db *db, struct arena *a, enum list_kind kind,
	struct list_entry **out);

/* True when code is on the list. */
bool lists_has(struct db *db, enum list_kind kind, const char *code);

/* The name to show for code: the list's name, "Any item type" / "Any
** category" for '*', or the code itself when the list does not hold it
** (a rule deleted since, say). */
const char *lists_name(struct db *db, struct arena *a, enum list_kind kind,
	const char *code);

/* Add an entry. A bad code, name or position is LISTS_INVALID, a code or
** name already on the list LISTS_CONFLICT, each with an error keyed by the
** field ("code", "name", "position"). */
enum lists_result lists_add(struct db *db, struct arena *a, enum list_kind kind,
	const struct list_input *in, long long actor_id, time_t now,
	struct form_errors *errs);

/* Rename an entry and set its position (in->code is ignored). Results as
** lists_add, or LISTS_NOT_FOUND. */
enum lists_result lists_save(struct db *db, struct arena *a, enum list_kind kind,
	const char *code, const struct list_input *in, long long actor_id, time_t now,
	struct form_errors *errs);

/* Delete an entry no copy, account or rule uses. In use is LISTS_CONFLICT
** with the reason in *why ("12 copies and 1 rule use this type."); so is
** the schema's default (book, adult), which new rows get when none is
** given. */
enum lists_result lists_delete(struct db *db, struct arena *a, enum list_kind kind,
	const char *code, long long actor_id, time_t now, const char **why);

/* Check a code typed into a form for an item type or a category: an empty
** code is accepted (the caller's default applies), one not on the list is
** refused with an error on field. Returns true when acceptable. */
bool lists_check_code(struct db *db, enum list_kind kind,
	const char *code, const char *field, struct form_errors *errs);

/* Check a rule's category and item type: each '*' or a code on its list;
** errors on "category" and "item_type". Returns 0 or -1. */
int lists_check_rule(struct db *db, const char *category,
	const char *item_type, struct form_errors *errs);

/* A copy's item type code ("" when there is no such copy). */
const char *lists_copy_item_type(struct db *db, struct arena *a, long long copy_id);

/* Set a copy's item type (a code on the list). Returns LISTS_OK,
** LISTS_INVALID (not on the list), LISTS_NOT_FOUND or LISTS_ERROR. */
enum lists_result lists_copy_set_item_type(struct db *db, long long copy_id,
	const char *code);

#endif
