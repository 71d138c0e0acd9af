/*
** deliver.c: sending the outbox by SMTP, to a folder, or by an SMS gateway.
** See deliver.h.
*/
#include "deliver.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mime.h"
#include "notify.h"
#include "phone.h"

/* How long one connection may take to open, and one send to finish. */
#define CONNECT_TIMEOUT_MS 15000L
#define SEND_TIMEOUT_MS 60000L

/* ---- settings ---- */

static long long setting_int(struct db *db, const char *key, long long def, long long min,
	long long max)
{
	long long v = db_int(db, def, "SELECT CAST(value AS INTEGER) FROM setting "
		"WHERE key = ? AND value GLOB '[0-9]*'", "t", key);
	return v < min || v > max ? def : v;
}

static const char *setting_text(struct db *db, struct arena *a, const char *key,
	const char *def)
{
	sqlite3_stmt *st = db_query(db, "SELECT value FROM setting WHERE key = ? AND value <> ''",
		"t", key);
	if (st && db_row(db, st)) {
		const char *v = db_text(a, st, 0);
		db_done(st);
		return v;
	}
	return def;
}

/* What a run knows before it starts. */
struct run {
	struct db *db;
	struct arena *a;            /* reset after each batch */
	const struct config *cfg;
	time_t now;
	long long retry_seconds;
	int max_attempts;
	const char *library_name;   /* "" when the setting is empty */
	const char *country_code;
	struct deliver_totals *t;
};

/* ---- the outbox rows ---- */

struct outgoing {
	long long id, account_id, attempts;
	const char *kind, *channel, *recipient, *subject, *body, *html, *name;
};

static int read_batch(struct run *r, long long after, struct outgoing **out)
{
	*out = arena_calloc(r->a, sizeof **out * DELIVER_BATCH);
	/* Oldest first; by id so that each notice is tried at most once a run
	** even when a failure makes it due again at once. Through the index of
	** queued notices (schema/0017), never a walk over all that were sent. */
	sqlite3_stmt *st = db_query(r->db, "SELECT o.id, coalesce(o.account_id, 0), o.attempts, "
		"o.kind, o.channel, o.recipient, o.subject, o.body, o.body_html, "
		"coalesce(a.name, '') FROM outbox o INDEXED BY outbox_due "
		"LEFT JOIN account a ON a.id = o.account_id "
		"WHERE o.status = 'queued' AND o.next_attempt_at <= ?1 AND o.id > ?2 "
		"ORDER BY o.id LIMIT ?3", "iii", (long long)r->now, after, (long long)DELIVER_BATCH);
	if (!st)
		return -1;
	int n = 0;
	while (db_row(r->db, st)) {
		struct outgoing *o = &(*out)[n++];
		o->id = db_col_int(st, 0);
		o->account_id = db_col_int(st, 1);
		o->attempts = db_col_int(st, 2);
		o->kind = db_text(r->a, st, 3);
		o->channel = db_text(r->a, st, 4);
		o->recipient = db_text(r->a, st, 5);
		o->subject = db_text(r->a, st, 6);
		o->body = db_text(r->a, st, 7);
		o->html = db_text(r->a, st, 8);
		o->name = db_text(r->a, st, 9);
	}
	return n;
}

static int record_sent(struct run *r, const struct outgoing *o, const char *via)
{
	return db_exec(r->db, "UPDATE outbox SET status = 'sent', sent_at = ?1, sent_via = ?2, "
		"attempts = attempts + 1, last_attempt_at = ?1, last_error = '' WHERE id = ?3",
		"iti", (long long)r->now, via, o->id) == SQLITE_OK ? 0 : -1;
}

/* Tell every librarian and admin that a notice failed for good. */
static void tell_staff(struct run *r, const struct outgoing *o, const char *reason)
{
	const char *who = o->name[0] ? arena_printf(r->a, "%s (%s)", o->name, o->recipient)
		: o->recipient;
	const char *how = strcmp(o->channel, "sms") ? "by email" : "by text message";
	const char *link = o->account_id
		? arena_printf(r->a, "/staff/members/%lld#notices", o->account_id)
		: "/staff/notifications";
	notify_staff(r->db, r->a, r->now, "notice-failed",
		arena_printf(r->a, "notice-failed:%lld", o->id),
		arena_printf(r->a, "A notice could not be sent: %s", o->subject),
		arena_printf(r->a, "\"%s\" to %s %s: %s", o->subject, who, how, reason), link);
}

/* A try that failed: again later, or (after the last try, or at once when
** it can never work) failed for good. */
static int record_failure(struct run *r, const struct outgoing *o, const char *reason,
	bool permanent)
{
	long long attempts = o->attempts + 1;
	if (permanent || attempts >= r->max_attempts) {
		if (db_exec(r->db, "UPDATE outbox SET status = 'failed', attempts = ?1, "
			"last_attempt_at = ?2, last_error = ?3 WHERE id = ?4", "iiti", attempts,
			(long long)r->now, reason, o->id) != SQLITE_OK)
			return -1;
		r->t->failed++;
		tell_staff(r, o, reason);
		return 0;
	}
	/* retry_seconds, then twice that, four times ... */
	long long shift = attempts - 1 < 20 ? attempts - 1 : 20;
	long long wait = r->retry_seconds << shift;
	if (db_exec(r->db, "UPDATE outbox SET attempts = ?1, next_attempt_at = ?2, "
		"last_attempt_at = ?3, last_error = ?4 WHERE id = ?5", "iiiti", attempts,
		(long long)r->now + wait, (long long)r->now, reason, o->id) != SQLITE_OK)
		return -1;
	r->t->retrying++;
	return 0;
}

/* ---- email: building, the folder, SMTP ---- */

/* Build o as a message into out. Returns 0, or -1 when an address cannot
** be used. */
static int build_email(struct run *r, const struct outgoing *o, struct buf *out)
{
	struct mime_mail m = {
		.from_name = r->library_name, .from_addr = r->cfg->smtp_from,
		.to_name = o->name, .to_addr = o->recipient,
		.subject = o->subject, .text = o->body, .html = o->html, .date = r->now,
	};
	buf_clear(out);
	return mime_build(out, &m);
}

const char *deliver_mail_dir(struct arena *a, const struct config *cfg)
{
	return arena_printf(a, "%s/mail", cfg->uploads);
}

static int make_dir(const char *path)
{
	return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* Save the message as <dir>/<id>.eml: written aside, then renamed, so a
** reader never sees half a file. Readable by its owner only: it may hold a
** password reset link. Returns NULL or the reason it could not be. */
static const char *save_email(struct run *r, const struct outgoing *o, const struct buf *msg)
{
	const char *dir = deliver_mail_dir(r->a, r->cfg);
	if (make_dir(r->cfg->uploads) || make_dir(dir))
		return arena_printf(r->a, "The folder %s for emails could not be made: %s.", dir,
			strerror(errno));
	const char *path = arena_printf(r->a, "%s/%lld.eml", dir, o->id);
	const char *tmp = arena_printf(r->a, "%s/.%lld.eml.tmp", dir, o->id);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return arena_printf(r->a, "The email could not be saved in %s: %s.", dir,
			strerror(errno));
	size_t done = 0;
	while (done < msg->len) {
		ssize_t w = write(fd, msg->data + done, msg->len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	int saved_errno = errno;
	if (close(fd) || done < msg->len || rename(tmp, path)) {
		unlink(tmp);
		return arena_printf(r->a, "The email could not be saved in %s: %s.", dir,
			strerror(done < msg->len ? saved_errno : errno));
	}
	return NULL;
}

/* One SMTP session for the whole run: the same easy handle keeps its
** connection open between messages. */
struct smtp {
	CURL *h;
	const struct config *cfg;
	const struct buf *msg;
	size_t pos;
	char error[CURL_ERROR_SIZE];
	char reply[256];            /* the server's last refusal (4xx, 5xx) */
	const char *down;           /* why the server cannot be used this run */
};

static size_t smtp_read(char *dest, size_t size, size_t nmemb, void *arg)
{
	struct smtp *s = arg;
	size_t room = size * nmemb, left = s->msg->len - s->pos;
	size_t n = left < room ? left : room;
	memcpy(dest, s->msg->data + s->pos, n);
	s->pos += n;
	return n;
}

/* Keep the server's last refusal, to say why something did not go (curl
** may say QUIT after it, whose "221 Bye" says nothing). */
static int smtp_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	(void)h;
	struct smtp *s = arg;
	if (type != CURLINFO_HEADER_IN || size < 3 || (data[0] != '4' && data[0] != '5'))
		return 0;
	size_t n = size < sizeof s->reply - 1 ? size : sizeof s->reply - 1;
	while (n > 0 && (data[n - 1] == '\r' || data[n - 1] == '\n'))
		n--;
	memcpy(s->reply, data, n);
	s->reply[n] = '\0';
	for (char *p = s->reply; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	return 0;
}

/* A curl handle for url that speaks only the given protocols, with
** delivery's timeouts and error buffer (CURL_ERROR_SIZE bytes); NULL when
** it cannot be made. */
static CURL *curl_open(const char *url, const char *protocols, long protocol_mask,
	char *error)
{
	CURL *h = curl_easy_init();
	if (!h)
		return NULL;
#if LIBCURL_VERSION_NUM >= 0x075500
	(void)protocol_mask;
	if (curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols) != CURLE_OK) {
#else
	(void)protocols;
	if (curl_easy_setopt(h, CURLOPT_PROTOCOLS, protocol_mask) != CURLE_OK) {
#endif
		curl_easy_cleanup(h);
		return NULL;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, SEND_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
	return h;
}

static int smtp_open(struct smtp *s, const struct config *cfg)
{
	memset(s, 0, sizeof *s);
	s->cfg = cfg;
	s->h = curl_open(cfg->smtp_url, "smtp,smtps", CURLPROTO_SMTP | CURLPROTO_SMTPS, s->error);
	if (!s->h)
		return -1;
	CURL *h = s->h;
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, smtp_read);
	curl_easy_setopt(h, CURLOPT_READDATA, s);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, smtp_debug);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, s);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);    /* for smtp_debug only */
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, cfg->smtp_from);
	if (cfg->smtp_starttls)
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (cfg->smtp_ca[0])
		curl_easy_setopt(h, CURLOPT_CAINFO, cfg->smtp_ca);
	if (cfg->smtp_user[0]) {
		curl_easy_setopt(h, CURLOPT_USERNAME, cfg->smtp_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, cfg->smtp_password);
	}
	return 0;
}

static void smtp_close(struct smtp *s)
{
	if (s->h)
		curl_easy_cleanup(s->h);   /* says QUIT on a connection still open */
	s->h = NULL;
}

/* Whether a failure is the server's as a whole (nothing else will go this
** run) rather than this message's. */
static bool server_level(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_LOGIN_DENIED:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return true;
	default:
		return false;
	}
}

/* url as staff may read it: without a "user:password@" in it. */
static const char *url_shown(struct arena *a, const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	const char *at = strchr(host, '@');
	const char *slash = strchr(host, '/');
	if (!at || (slash && slash < at))
		return url;
	return arena_printf(a, "%.*s%s", (int)(host - url), url, at + 1);
}

/* Why a send failed, for people. */
static const char *smtp_why(struct arena *a, const struct smtp *s, CURLcode rc,
	const char *to)
{
	const char *url = url_shown(a, s->cfg->smtp_url);
	const char *detail = s->error[0] ? s->error : curl_easy_strerror(rc);
	switch (rc) {
	case CURLE_LOGIN_DENIED:
		return arena_printf(a, "The mail server at %s refused the login of %s%s%s.", url,
			s->cfg->smtp_user, s->reply[0] ? ": " : "", s->reply);
	case CURLE_USE_SSL_FAILED:
		return arena_printf(a, "The mail server at %s does not offer a secure connection "
			"(STARTTLS), which smtp_starttls asks for.", url);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return arena_printf(a, "A secure connection to the mail server at %s could not be "
			"made (%s).", url, detail);
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return arena_printf(a, "The mail server address smtp_url (%s) is not one Carrel can "
			"use: write it as smtp://host:port or smtps://host:port.", url);
	default:
		break;
	}
	if (server_level(rc))
		return arena_printf(a, "The mail server at %s could not be reached (%s).", url,
			detail);
	if (!strncmp(s->error, "RCPT failed", 11))
		return arena_printf(a, "The mail server refused the address %s: %s", to,
			s->reply[0] ? s->reply : detail);
	return arena_printf(a, "The mail server did not take the email: %s",
		s->reply[0] ? s->reply : detail);
}

/* Send one message. Returns NULL, or why not (and s->down is set when the
** server as a whole cannot be used). */
static const char *smtp_send(struct smtp *s, struct arena *a, const struct buf *msg,
	const char *to)
{
	struct curl_slist *rcpt = curl_slist_append(NULL, to);
	if (!rcpt)
		return "Out of memory while sending.";
	s->msg = msg;
	s->pos = 0;
	s->error[0] = s->reply[0] = '\0';
	curl_easy_setopt(s->h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(s->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg->len);
	CURLcode rc = curl_easy_perform(s->h);
	curl_easy_setopt(s->h, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpt);
	if (rc == CURLE_OK)
		return NULL;
	const char *why = smtp_why(a, s, rc, to);
	if (server_level(rc))
		s->down = why;
	return why;
}

/* ---- text messages ---- */

struct sms {
	CURL *h;
	const struct config *cfg;
	struct buf answer;
	char error[CURL_ERROR_SIZE];
	const char *down;
};

static size_t sms_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;
	if (b->len < 4096)
		buf_append(b, data, n < 4096 - b->len ? n : 4096 - b->len);
	return n;
}

static int sms_open(struct sms *s, const struct config *cfg)
{
	memset(s, 0, sizeof *s);
	s->cfg = cfg;
	s->h = curl_open(cfg->sms_url, "http,https", CURLPROTO_HTTP | CURLPROTO_HTTPS, s->error);
	if (!s->h)
		return -1;
	CURL *h = s->h;
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sms_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s->answer);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "Carrel library system (notices)");
	curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(h, CURLOPT_USERNAME, cfg->sms_user);
	curl_easy_setopt(h, CURLOPT_PASSWORD, cfg->sms_token);
	return 0;
}

static void sms_close(struct sms *s)
{
	if (s->h)
		curl_easy_cleanup(s->h);
	s->h = NULL;
	buf_free(&s->answer);
}

/* The gateway's own words for a refusal (Twilio's JSON "message"), if any. */
static const char *gateway_message(struct arena *a, const struct buf *answer)
{
	json_error_t err;
	json_t *j = json_loadb(answer->data ? answer->data : "", answer->len, 0, &err);
	const char *msg = NULL;
	if (j && json_is_string(json_object_get(j, "message")))
		msg = arena_strdup(a, json_string_value(json_object_get(j, "message")));
	json_decref(j);
	return msg;
}

static void form_field(struct buf *form, CURL *h, const char *name, const char *value)
{
	char *enc = curl_easy_escape(h, value, 0);
	buf_printf(form, "%s%s=%s", form->len ? "&" : "", name, enc ? enc : "");
	curl_free(enc);
}

static const char *sms_send(struct sms *s, struct arena *a, const char *to, const char *body)
{
	struct buf form = BUF_INIT;
	form_field(&form, s->h, "To", to);
	if (s->cfg->sms_from[0])
		form_field(&form, s->h, "From", s->cfg->sms_from);
	form_field(&form, s->h, "Body", body);
	buf_clear(&s->answer);
	s->error[0] = '\0';
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, form.data);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form.len);
	CURLcode rc = curl_easy_perform(s->h);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, NULL);
	buf_free(&form);
	const char *url = url_shown(a, s->cfg->sms_url);
	if (rc != CURLE_OK) {
		const char *why = arena_printf(a, "The text message gateway at %s could not be "
			"reached (%s).", url, s->error[0] ? s->error : curl_easy_strerror(rc));
		if (server_level(rc))
			s->down = why;
		return why;
	}
	long status = 0;
	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300)
		return NULL;
	const char *said = gateway_message(a, &s->answer);
	if (status == 401 || status == 403)
		return arena_printf(a, "The text message gateway refused the account sms_user %s "
			"and its token (HTTP %ld)%s%s.", s->cfg->sms_user, status, said ? ": " : "",
			said ? said : "");
	return arena_printf(a, "The text message gateway answered HTTP %ld%s%s.", status,
		said ? ": " : "", said ? said : "");
}

/* ---- the run ---- */

struct senders {
	struct smtp smtp;
	bool smtp_ready;
	struct sms sms;
	bool sms_ready;
	struct buf msg;
};

static int deliver_email(struct run *r, struct senders *s, const struct outgoing *o)
{
	/* A member's address that cannot work fails at once; the library's own
	** sender address is tried again, once an admin has put it right. */
	if (!mime_address_ok(o->recipient))
		return record_failure(r, o, arena_printf(r->a, "The email address \"%s\" cannot be "
			"used.", o->recipient), true);
	if (build_email(r, o, &s->msg))
		return record_failure(r, o, arena_printf(r->a, "The library's sender address "
			"smtp_from (%s) is not an email address.", r->cfg->smtp_from), false);
	if (!r->cfg->smtp_url[0]) {
		const char *why = save_email(r, o, &s->msg);
		if (why)
			return record_failure(r, o, why, false);
		r->t->emails_saved++;
		return record_sent(r, o, "folder");
	}
	if (!s->smtp_ready) {
		if (smtp_open(&s->smtp, r->cfg)) {
			smtp_close(&s->smtp);
			return record_failure(r, o, "The mail connection could not be set up "
				"(libcurl failed).", false);
		}
		s->smtp_ready = true;
	}
	if (s->smtp.down)
		return record_failure(r, o, s->smtp.down, false);
	const char *why = smtp_send(&s->smtp, r->a, &s->msg, o->recipient);
	if (why) {
		r->t->server_down = r->t->server_down || s->smtp.down != NULL;
		return record_failure(r, o, why, false);
	}
	r->t->emails_sent++;
	return record_sent(r, o, "smtp");
}

static int deliver_sms(struct run *r, struct senders *s, const struct outgoing *o)
{
	char to[PHONE_E164_MAX];
	const char *bad = phone_e164(o->recipient, r->country_code, to);
	if (bad)
		return record_failure(r, o, arena_printf(r->a, "%s It was given as \"%s\".", bad,
			o->recipient), true);
	if (!r->cfg->sms_url[0])
		return record_failure(r, o, "No text message gateway is configured (sms_url in "
			"carrel.conf), so text messages cannot be sent.", false);
	if (!s->sms_ready) {
		if (sms_open(&s->sms, r->cfg)) {
			sms_close(&s->sms);
			return record_failure(r, o, "The text message connection could not be set up "
				"(libcurl failed).", false);
		}
		s->sms_ready = true;
	}
	if (s->sms.down)
		return record_failure(r, o, s->sms.down, false);
	const char *why = sms_send(&s->sms, r->a, to, o->body);
	if (why) {
		r->t->gateway_down = r->t->gateway_down || s->sms.down != NULL;
		return record_failure(r, o, why, false);
	}
	r->t->sms_sent++;
	return record_sent(r, o, "sms");
}

int deliver_due(struct db *db, const struct config *cfg, time_t now,
	struct deliver_totals *out,
	void (*progress)(void *arg, const struct deliver_totals *t), void *arg)
{
	memset(out, 0, sizeof *out);
	struct arena a;
	arena_init(&a, 0);
	struct run r = { .db = db, .a = &a, .cfg = cfg, .now = now, .t = out };
	r.retry_seconds = setting_int(db, "notices.retry_seconds", 300, 1, 7 * 24 * 3600);
	r.max_attempts = (int)setting_int(db, "notices.max_attempts", 6, 1, 100);
	struct arena keep;      /* what lives through the run */
	arena_init(&keep, 0);
	r.library_name = setting_text(db, &keep, "library.name", "");
	r.country_code = setting_text(db, &keep, "sms.country_code", PHONE_DEFAULT_COUNTRY);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		arena_free(&a);
		arena_free(&keep);
		return -1;
	}
	struct senders s = { .msg = BUF_INIT };
	int rc = 0;
	long long after = 0;
	for (;;) {
		struct outgoing *batch;
		int n = read_batch(&r, after, &batch);
		if (n < 0)
			rc = -1;
		if (n <= 0)
			break;
		for (int i = 0; i < n && rc == 0; i++) {
			const struct outgoing *o = &batch[i];
			if (!strcmp(o->channel, "sms"))
				rc = deliver_sms(&r, &s, o);
			else
				rc = deliver_email(&r, &s, o);
		}
		after = batch[n - 1].id;
		arena_reset(&a);
		if (progress)
			progress(arg, out);
		if (rc || n < DELIVER_BATCH)
			break;
	}
	if (s.smtp_ready)
		smtp_close(&s.smtp);
	if (s.sms_ready)
		sms_close(&s.sms);
	buf_free(&s.msg);
	curl_global_cleanup();
	arena_free(&a);
	arena_free(&keep);
	if (rc)
		return -1;
	return out->server_down || out->gateway_down ? 1 : 0;
}

void deliver_summary(const struct deliver_totals *t, char *out, size_t len)
{
	char saved[64] = "";
	if (t->emails_saved)
		snprintf(saved, sizeof saved, "%d email%s saved as files, ", t->emails_saved,
			t->emails_saved == 1 ? "" : "s");
	snprintf(out, len, "%s%d email%s sent, %d text message%s sent, %d waiting to retry, "
		"%d failed%s", saved, t->emails_sent, t->emails_sent == 1 ? "" : "s", t->sms_sent,
		t->sms_sent == 1 ? "" : "s", t->retrying, t->failed,
		t->server_down && t->gateway_down
			? " (neither the mail server nor the text message gateway could be used)"
			: t->server_down ? " (the mail server could not be used)"
			: t->gateway_down ? " (the text message gateway could not be reached)" : "");
}

/* ---- what staff see ---- */

int deliver_counts(struct db *db, struct outbox_counts *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = db_query(db, "SELECT status, count(*), "
		"sum(status = 'queued' AND attempts > 0) FROM outbox GROUP BY status", NULL);
	if (!st)
		return -1;
	while (db_row(db, st)) {
		const char *status = (const char *)sqlite3_column_text(st, 0);
		long long n = db_col_int(st, 1);
		if (!strcmp(status, "queued")) {
			out->queued = n;
			out->retrying = db_col_int(st, 2);
		} else if (!strcmp(status, "sent")) {
			out->sent = n;
		} else if (!strcmp(status, "failed")) {
			out->failed = n;
		}
	}
	return 0;
}

int deliver_recent_failures(struct db *db, struct arena *a, int max,
	struct outbox_failure **out)
{
	*out = arena_calloc(a, sizeof **out * (size_t)(max + 1));
	sqlite3_stmt *st = db_query(db, "SELECT o.id, coalesce(o.account_id, 0), o.attempts, "
		"o.created_at, coalesce(o.last_attempt_at, o.created_at), o.kind, o.channel, "
		"o.recipient, o.subject, coalesce(a.name, ''), o.last_error FROM outbox o "
		"LEFT JOIN account a ON a.id = o.account_id WHERE o.status = 'failed' "
		"ORDER BY coalesce(o.last_attempt_at, o.created_at) DESC, o.id DESC LIMIT ?",
		"i", (long long)max);
	if (!st)
		return -1;
	int n = 0;
	while (db_row(db, st)) {
		struct outbox_failure *f = &(*out)[n++];
		f->id = db_col_int(st, 0);
		f->account_id = db_col_int(st, 1);
		f->attempts = db_col_int(st, 2);
		f->created_at = db_col_int(st, 3);
		f->last_attempt_at = db_col_int(st, 4);
		f->kind = db_text(a, st, 5);
		f->channel = db_text(a, st, 6);
		f->recipient = db_text(a, st, 7);
		f->subject = db_text(a, st, 8);
		f->member_name = db_text(a, st, 9);
		f->reason = db_text(a, st, 10);
	}
	return n;
}

static const char *eml_path(struct arena *a, const struct config *cfg, long long id)
{
	return arena_printf(a, "%s/%lld.eml", deliver_mail_dir(a, cfg), id);
}

static bool file_there(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int deliver_recent_files(struct db *db, struct arena *a, const struct config *cfg,
	int max, struct outbox_file **out)
{
	*out = arena_calloc(a, sizeof **out * (size_t)(max + 1));
	/* A few more than asked, for files an admin has cleared away. */
	sqlite3_stmt *st = db_query(db, "SELECT id, sent_at, recipient, subject FROM outbox "
		"WHERE sent_via = 'folder' ORDER BY sent_at DESC, id DESC LIMIT ?", "i",
		(long long)max * 2);
	if (!st)
		return -1;
	int n = 0;
	while (db_row(db, st)) {
		if (n == max)
			continue;
		long long id = db_col_int(st, 0);
		if (!file_there(eml_path(a, cfg, id)))
			continue;
		struct outbox_file *f = &(*out)[n++];
		f->id = id;
		f->sent_at = db_col_int(st, 1);
		f->recipient = db_text(a, st, 2);
		f->subject = db_text(a, st, 3);
	}
	return n;
}

const char *deliver_eml_path(struct db *db, struct arena *a, const struct config *cfg,
	long long id)
{
	if (db_int(db, 0, "SELECT count(*) FROM outbox WHERE id = ? AND sent_via = 'folder'",
		"i", id) != 1)
		return NULL;
	const char *path = eml_path(a, cfg, id);
	return file_there(path) ? path : NULL;
}
