/*
** check.h: what in a configuration is wrong or missing, in plain words, one
** line each (`carrel check`).
**
** A problem stops Carrel from working as it should (a folder it cannot
** write, a typo in a key, reminders that cannot be sent); a warning is
** something an administrator should know but may have chosen (plain HTTP
** on a trial machine, a database that `carrel init` has yet to create).
*/
#ifndef CARREL_CHECK_H
#define CARREL_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"

/* carrel.fcgi starts at most this many workers (cgi/main.c). */
#define CHECK_MAX_WORKERS 64

enum check_severity { CHECK_PROBLEM, CHECK_WARNING };

struct check_line {
	enum check_severity severity;
	char text[700];
};

struct check_report {
	struct check_line *lines;
	size_t n, cap;
	int problems, warnings;
};

/* The user the service runs as: the folders must be theirs to write. */
struct check_user {
	char name[64];
	uid_t uid;
	gid_t groups[64];
	int ngroups;
};

/* The user called name (with their groups). Returns 0, or -1 when there is
** no such user. */
int check_user_named(struct check_user *u, const char *name);

/* Read the configuration file at path as config_load does, but go on past
** bad lines: each line that is not "key = value", each unknown key (with
** the known key it was probably meant to be) and each bad value is a
** problem. cfg gets the defaults, the file's good lines, then the CARREL_*
** environment. A missing file is a problem when must_exist. */
void check_read_config(struct config *cfg, const char *path, bool must_exist,
	struct check_report *r);

/* Everything the configuration points at or promises: the database and
** its folder, uploads, backups, the socket's folder, templates and
** migrations (complete, none pending), base_url and secure cookies, mail,
** SMS, the time zone, workers and the other values. */
void check_config(const struct config *cfg, const struct check_user *u,
	struct check_report *r);

void check_report_free(struct check_report *r);

#endif
