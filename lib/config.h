/*
** config.h: carrel.conf (key = value lines) plus CARREL_<KEY> environment
** overrides, read by carrel.fcgi, carrel-cron and carrel alike.
**
** The file is the one named by CARREL_CONF, else ./carrel.conf when it
** exists (the installed programs: /etc/carrel/carrel.conf); a missing file
** is not an error (every key has a default).
*/
#ifndef CARREL_CONFIG_H
#define CARREL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct config {
	char db[512];            /* SQLite database file */
	char socket[512];        /* FastCGI unix socket */
	int workers;             /* 0 = number of cores */
	char uploads[512];       /* uploaded files */
	char backups[512];       /* backups kept by carrel-cron and /admin/backups
	                            (lib/backup.h) */
	char templates[512];     /* *.mustache directory */
	char schema[512];        /* numbered *.sql migrations */
	char base_url[256];      /* e.g. https://library.example.org */
	char smtp_url[256];      /* smtp://host:587 or smtps://host:465; empty:
	                            emails are saved as files (lib/deliver.h) */
	char smtp_from[256];
	char smtp_user[256];     /* log in to the mail server when set */
	char smtp_password[256];
	bool smtp_starttls;      /* smtp:// must switch to TLS (STARTTLS) */
	char smtp_ca[512];       /* CA file that signs the server's certificate
	                            (empty: the system's) */
	char sms_url[256];       /* the gateway's Messages address (Twilio's) */
	char sms_user[128];      /* basic auth: account id ... */
	char sms_token[256];     /* ... and token */
	char sms_from[64];       /* the sender number or name of text messages */
	char isbn_url[256];      /* Open Library style; {isbn} is replaced */
	long isbn_timeout_ms;    /* how long a look-up may take */
	char timezone[64];       /* the library's time zone, e.g. Europe/London */
	bool secure_cookies;     /* add Secure to cookies (behind HTTPS) */
	long session_idle;       /* seconds a session may sit unused */
	long session_max;        /* seconds a session may live at all */
	unsigned long long pwhash_ops;   /* argon2id opslimit */
	size_t pwhash_mem;               /* argon2id memlimit in bytes */
	int login_max_failures;  /* failures allowed in login_window */
	bool test_clock;         /* tests only: add the setting test.clock_offset
	                            (seconds) to the clock, so they can move time */
	int public_cache_seconds; /* nginx may cache anonymous public pages this
	                            long (0: never); see cgi/main.c */
	long login_window;       /* seconds */
	long search_window;      /* titles a search of common words only reads
	                            (0: all); see lib/search.h */
	char payment_provider[32]; /* the online payment provider ("test") */
	int reset_per_email;     /* password reset emails to one address an hour */
	int reset_per_ip;        /* reset requests from one client an hour */
	int register_per_ip;     /* registrations from one client an hour */
	char live_url[256];      /* nchan's publisher for live updates, e.g.
	                            http://localhost/live-publish; the account
	                            id is appended (lib/live.h). '' = off */
	char live_socket[512];   /* the unix socket live_url is reached through
	                            ('' = over TCP) */
};

/* Fill cfg with defaults, then the file, then the environment. Returns 0,
** or -1 with a message in err (a malformed line or an unknown key). */
int config_load(struct config *cfg, char *err, size_t errlen);

/* Set one key from text; used by config_load and the tests. Returns 0, or
** -1 for an unknown key or a bad value. */
int config_set(struct config *cfg, const char *key, const char *value);

/* Every key's default (the paths as this build was compiled with). */
void config_defaults(struct config *cfg);

/* One line of a configuration file, trimmed in place: 0 for a blank line
** or a comment, 1 for "key = value" (into key and value), -1 for anything
** else (key then holds the trimmed line, for the message). */
int config_split_line(char *line, char **key, char **value);

/* The CARREL_<KEY> variables over cfg. Returns 0, or -1 with a message. */
int config_read_env(struct config *cfg, char *err, size_t errlen);

/* The file config_load reads: CARREL_CONF when set (named is then true:
** the file must exist), else this build's default. */
const char *config_file_path(bool *named);

/* Whether key is a configuration key; config_key_name(i) walks them all
** (NULL past the last). */
bool config_key_known(const char *key);
const char *config_key_name(size_t i);

#endif
