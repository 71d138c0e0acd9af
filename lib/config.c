/*
** config.c: defaults, carrel.conf and CARREL_* environment. See config.h.
*/
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum key_type { KEY_STR, KEY_INT, KEY_LONG, KEY_ULL, KEY_SIZE, KEY_BOOL };

struct config_key {
	const char *name;
	enum key_type type;
	size_t offset;
	size_t size;     /* for KEY_STR: capacity of the char array */
};

#define STR(f) { #f, KEY_STR, offsetof(struct config, f), sizeof(((struct config *)0)->f) }
#define NUM(f, t) { #f, t, offsetof(struct config, f), 0 }

static const struct config_key config_keys[] = {
	STR(db), STR(socket), NUM(workers, KEY_INT), STR(uploads),
	STR(templates), STR(schema), STR(base_url), STR(smtp_url),
	STR(smtp_from), STR(sms_url), STR(sms_user), STR(sms_token),
	STR(smtp_user), STR(smtp_password), NUM(smtp_starttls, KEY_BOOL), STR(smtp_ca),
	STR(sms_from),
	STR(isbn_url), NUM(isbn_timeout_ms, KEY_LONG), STR(timezone), NUM(secure_cookies, KEY_BOOL),
	NUM(session_idle, KEY_LONG), NUM(session_max, KEY_LONG),
	NUM(pwhash_ops, KEY_ULL), NUM(pwhash_mem, KEY_SIZE),
	NUM(login_max_failures, KEY_INT), NUM(login_window, KEY_LONG),
	NUM(public_cache_seconds, KEY_INT), NUM(test_clock, KEY_BOOL),
	NUM(search_window, KEY_LONG),
	STR(payment_provider),
	NUM(reset_per_email, KEY_INT), NUM(reset_per_ip, KEY_INT), NUM(register_per_ip, KEY_INT),
	STR(live_url), STR(live_socket),
	STR(backups),
};

#define NKEYS (sizeof config_keys / sizeof config_keys[0])

/* Where things are unless the configuration says otherwise. A checkout's
** build uses paths relative to the repository (make run, the tests); the
** build `make install` puts in place is compiled with the installed paths
** (-DCARREL_DEFAULT_CONF=... and so on, see the Makefile). */
#ifndef CARREL_DEFAULT_CONF
#define CARREL_DEFAULT_CONF "carrel.conf"
#endif
#ifndef CARREL_DEFAULT_DB
#define CARREL_DEFAULT_DB "var/carrel.db"
#endif
#ifndef CARREL_DEFAULT_SOCKET
#define CARREL_DEFAULT_SOCKET "var/carrel.sock"
#endif
#ifndef CARREL_DEFAULT_UPLOADS
#define CARREL_DEFAULT_UPLOADS "var/uploads"
#endif
#ifndef CARREL_DEFAULT_BACKUPS
#define CARREL_DEFAULT_BACKUPS "var/backups"
#endif
#ifndef CARREL_DEFAULT_TEMPLATES
#define CARREL_DEFAULT_TEMPLATES "templates"
#endif
#ifndef CARREL_DEFAULT_SCHEMA
#define CARREL_DEFAULT_SCHEMA "schema"
#endif

const char *config_file_path(bool *named)
{
	const char *path = getenv("CARREL_CONF");
	if (named)
		*named = path != NULL;
	return path ? path : CARREL_DEFAULT_CONF;
}

bool config_key_known(const char *key)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(config_keys[i].name, key))
			return true;
	return false;
}

const char *config_key_name(size_t i)
{
	return i < NKEYS ? config_keys[i].name : NULL;
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->db, sizeof cfg->db, "%s", CARREL_DEFAULT_DB);
	snprintf(cfg->socket, sizeof cfg->socket, "%s", CARREL_DEFAULT_SOCKET);
	snprintf(cfg->uploads, sizeof cfg->uploads, "%s", CARREL_DEFAULT_UPLOADS);
	snprintf(cfg->backups, sizeof cfg->backups, "%s", CARREL_DEFAULT_BACKUPS);
	snprintf(cfg->templates, sizeof cfg->templates, "%s", CARREL_DEFAULT_TEMPLATES);
	snprintf(cfg->schema, sizeof cfg->schema, "%s", CARREL_DEFAULT_SCHEMA);
	snprintf(cfg->base_url, sizeof cfg->base_url, "http://127.0.0.1:8080");
	snprintf(cfg->smtp_from, sizeof cfg->smtp_from, "library@localhost");
	snprintf(cfg->isbn_url, sizeof cfg->isbn_url, "%s",
		"https://openlibrary.org/api/books?bibkeys=ISBN:{isbn}&format=json&jscmd=data");
	cfg->isbn_timeout_ms = 3000;
	snprintf(cfg->timezone, sizeof cfg->timezone, "UTC");
	cfg->session_idle = 2 * 60 * 60;
	cfg->session_max = 7 * 24 * 60 * 60;
	cfg->pwhash_ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	cfg->pwhash_mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	cfg->login_max_failures = 5;
	cfg->login_window = 15 * 60;
	cfg->public_cache_seconds = 60;
	cfg->search_window = 50000;
	snprintf(cfg->payment_provider, sizeof cfg->payment_provider, "test");
	cfg->reset_per_email = 3;
	cfg->reset_per_ip = 20;
	cfg->register_per_ip = 20;
}

static int parse_number(const char *value, long long min, long long max,
	long long *out)
{
	char *end;
	errno = 0;
	long long n = strtoll(value, &end, 10);
	if (errno || end == value || *end != '\0' || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

int config_set(struct config *cfg, const char *key, const char *value)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct config_key *k = &config_keys[i];
		if (strcmp(k->name, key) != 0)
			continue;
		char *field = (char *)cfg + k->offset;
		long long n = 0;
		switch (k->type) {
		case KEY_STR:
			if (strlen(value) >= k->size)
				return -1;
			memcpy(field, value, strlen(value) + 1);
			return 0;
		case KEY_BOOL:
			if (!strcmp(value, "1") || !strcasecmp(value, "true") ||
			    !strcasecmp(value, "yes") || !strcasecmp(value, "on"))
				*(bool *)field = true;
			else if (!strcmp(value, "0") || !strcasecmp(value, "false") ||
			    !strcasecmp(value, "no") || !strcasecmp(value, "off"))
				*(bool *)field = false;
			else
				return -1;
			return 0;
		case KEY_INT:
			if (parse_number(value, 0, 1 << 20, &n))
				return -1;
			*(int *)field = (int)n;
			return 0;
		case KEY_LONG:
			if (parse_number(value, 0, 1LL << 40, &n))
				return -1;
			*(long *)field = (long)n;
			return 0;
		case KEY_ULL:
			if (parse_number(value, 1, 1LL << 40, &n))
				return -1;
			*(unsigned long long *)field = (unsigned long long)n;
			return 0;
		case KEY_SIZE:
			if (parse_number(value, 8192, 1LL << 40, &n))
				return -1;
			*(size_t *)field = (size_t)n;
			return 0;
		}
	}
	return -1;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int config_split_line(char *line, char **key, char **value)
{
	char *s = trim(line);
	*key = s;
	*value = NULL;
	if (*s == '\0' || *s == '#')
		return 0;
	char *eq = strchr(s, '=');
	if (!eq)
		return -1;
	*eq = '\0';
	*key = trim(s);
	*value = trim(eq + 1);
	return 1;
}

static int config_read_file(struct config *cfg, const char *path,
	bool must_exist, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (!must_exist && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[1024];
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *key, *value;
		int kind = config_split_line(line, &key, &value);
		if (kind == 0)
			continue;
		if (kind < 0) {
			snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
			rc = -1;
			break;
		}
		if (config_set(cfg, key, value)) {
			snprintf(err, errlen, "%s:%d: unknown key or bad value for '%s'",
				path, lineno, key);
			rc = -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

int config_read_env(struct config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < NKEYS; i++) {
		char name[64] = "CARREL_";
		size_t n = strlen(name);
		for (const char *p = config_keys[i].name; *p && n < sizeof name - 1; p++)
			name[n++] = (char)toupper((unsigned char)*p);
		name[n] = '\0';
		const char *value = getenv(name);
		if (value && config_set(cfg, config_keys[i].name, value)) {
			snprintf(err, errlen, "%s: bad value '%s'", name, value);
			return -1;
		}
	}
	return 0;
}

int config_load(struct config *cfg, char *err, size_t errlen)
{
	config_defaults(cfg);
	bool named;
	const char *path = config_file_path(&named);
	if (config_read_file(cfg, path, named, err, errlen))
		return -1;
	return config_read_env(cfg, err, errlen);
}
