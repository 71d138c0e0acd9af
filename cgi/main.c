/*
** main.c: carrel.fcgi, the FastCGI application.
**
** The master process reads the configuration, applies pending migrations,
** compiles the templates, binds the unix socket and keeps N prefork workers
** alive, re-forking any that dies. SIGTERM or SIGINT drains: each worker
** finishes the request it is serving and exits; the master waits for them
** (killing stragglers after a grace period), removes the socket and exits.
**
** A worker opens its own database connection (SQLite handles must not cross
** a fork) and loops: accept -> parse into a struct req on the request
** arena -> load the session -> match the route -> role check -> CSRF check
** -> handler -> write the response -> log one line -> reset the arena.
*/
#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "isbn.h"
#include "live.h"
#include "notify.h"
#include "payments.h"
#include "web.h"

#define MAX_WORKERS 64
#define DRAIN_SECONDS 10

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t child_exited;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_child(int sig)
{
	(void)sig;
	child_exited = 1;
}

/* No SA_RESTART: a stop signal must interrupt accept() in the worker
** (FCGI_FAIL_ACCEPT_ON_INTR) and sigsuspend() in the master. */
static void set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

struct worker {
	const struct config *cfg;
	const struct tmpl_set *tmpl;
	/* Two connections: pages read through a memory mapping of the file
	** (a search at a million titles takes half the time), while changes
	** go through one without: each checkpoint that grew the file made
	** every mapping be made again, and the desk lost a third of its
	** speed. GET and HEAD use the first, everything else the second. */
	struct db db;
	struct db db_write;
	struct arena arena;
	struct buf body;
	struct buf head;
};

/* ---- one request ---- */

static const char *fcgi_param(FCGX_Request *fr, const char *name)
{
	const char *v = FCGX_GetParam(name, fr->envp);
	return v ? v : "";
}

/* Read the body into the arena. A body over the limit is left unread
** (finish_request reads it away before the connection closes) and 413 is
** returned. */
static int read_body(FCGX_Request *fr, struct req *req, size_t limit,
	struct http_error *err)
{
	const char *cl = fcgi_param(fr, "CONTENT_LENGTH");
	long long declared = *cl ? valid_id(cl) : 0;
	if (*cl && declared == 0 && strcmp(cl, "0") != 0) {
		err->status = 400;
		err->message = "The request's length is malformed.";
		return 400;
	}
	if ((unsigned long long)declared > limit) {
		err->status = 413;
		err->message = "What you sent is too large. Forms are limited to 1 MB, "
			"and uploaded files to 35 MB together.";
		return 413;
	}
	char *body = arena_alloc(req->arena, (size_t)declared + 1);
	size_t got = 0;
	while (got < (size_t)declared) {
		int n = FCGX_GetStr(body + got, (int)((size_t)declared - got), fr->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	body[got] = '\0';
	req->body = body;
	req->body_len = got;
	return 0;
}

static bool is_multipart(const char *content_type)
{
	return content_type && !strncasecmp(content_type, "multipart/form-data", 19);
}

static void load_session(struct ctx *c)
{
	c->session_token = http_cookie(c->req, SESSION_COOKIE);
	struct session_policy pol = { c->cfg->session_idle, c->cfg->session_max };
	if (c->session_token &&
	    session_load(c->db, &pol, c->session_token, c->now, &c->sess) == 0 &&
	    !c->sess.valid) {
		/* Expired or unknown: drop the stale cookie. */
		http_set_cookie(c->resp, SESSION_COOKIE, "", 0, c->cfg->secure_cookies);
	}
	const char *anon = http_cookie(c->req, CSRF_COOKIE);
	if (anon && strlen(anon) == SESSION_TOKEN_LEN)
		c->anon_csrf = anon;
}

static bool csrf_ok(struct ctx *c)
{
	const char *expected = c->sess.valid ? c->sess.csrf : c->anon_csrf;
	return session_csrf_ok(expected, http_form(c->req, "csrf"));
}

static void send_to_login(struct ctx *c)
{
	const char *back = strcmp(c->req->method, "GET") ? c->req->path : c->req->raw_uri;
	web_redirect(c, arena_printf(c->arena, "/login?next=%s",
		http_url_encode(c->arena, back)));
}

/* An account holding a temporary password (staff.h) may use only these
** until it has chosen its own: the session already says so, so this costs
** nothing on other requests. */
static bool may_use_before_changing(const struct route *route)
{
	return route->handler == page_password_change_form ||
		route->handler == page_password_change ||
		route->handler == page_account_logout;
}

static void send_to_password_change(struct ctx *c)
{
	if (strcmp(c->req->method, "GET") || !strcmp(c->req->path, "/"))
		web_redirect(c, "/password/change");
	else
		web_redirect(c, arena_printf(c->arena, "/password/change?next=%s",
			http_url_encode(c->arena, c->req->raw_uri)));
}

static bool has_header(const struct resp *r, const char *name)
{
	for (size_t i = 0; i < r->headers.n; i++)
		if (!strcasecmp(r->headers.items[i].name, name))
			return true;
	return false;
}

/* Let nginx keep a public page for a few seconds (fastcgi_cache in
** nginx/dev.conf and carrel.conf) when it is the same for every visitor:
** a GET of a public route by someone not logged in, answered 200, with no
** cookie set, no form token in it and no caching rule of its own. nginx
** bypasses its cache for any request carrying a session cookie. A HEAD
** is never offered: its answer has no body. */
static void allow_public_cache(struct ctx *c, const struct route *route)
{
	if (c->cfg->public_cache_seconds <= 0 || route->min_role != ROLE_ANON ||
	    strcmp(c->req->method, "GET") || c->sess.valid || c->session_token ||
	    c->personal || c->resp->status != 200 ||
	    has_header(c->resp, "Set-Cookie") || has_header(c->resp, "Cache-Control"))
		return;
	char seconds[16];
	snprintf(seconds, sizeof seconds, "%d", c->cfg->public_cache_seconds);
	http_resp_header(c->resp, "X-Accel-Expires", seconds);
}

static void dispatch(struct ctx *c, FCGX_Request *fr)
{
	struct req *req = c->req;
	struct http_error err = { 0, NULL };
	/* The JSON API reads no cookies at all (lib/api.h) and has its own
	** body limit and error shape. */
	if (path_is_api(req->raw_uri)) {
		req->cookie_header = NULL;
		if (!read_body(fr, req, API_MAX_BODY, &err))
			http_req_parse(req, &http_default_limits, &err);
		api_dispatch(c, &err);
		return;
	}
	size_t limit = http_default_limits.max_body;
	if (is_multipart(req->content_type))
		limit += http_files_allowance(&http_default_limits);
	if (read_body(fr, req, limit, &err) || http_req_parse(req, &http_default_limits, &err)) {
		web_error(c, err.status, err.message);
		return;
	}
	load_session(c);

	bool path_known;
	const struct route *route = route_match(req, req->method, &path_known);
	if (!route) {
		if (path_known) {
			http_resp_header(c->resp, "Allow", "GET, HEAD, POST");
			web_error(c, 405, "This page cannot be used that way.");
		} else {
			web_error(c, 404, "There is no page at this address. It may have "
				"moved; try the search or the links above.");
		}
		return;
	}
	enum role role = c->sess.valid ? c->sess.role : ROLE_ANON;
	if (role < route->min_role) {
		if (role == ROLE_ANON)
			send_to_login(c);
		else
			web_error(c, 403, "Your account does not give access to this page.");
		return;
	}
	if (c->sess.valid && c->sess.must_change_password && !may_use_before_changing(route)) {
		send_to_password_change(c);
		return;
	}
	if (strcmp(route->method, "GET") != 0 && !route->csrf_exempt && !csrf_ok(c)) {
		web_error(c, 403, "This form has expired or did not come from this site. "
			"Please go back, reload the page and try again.");
		return;
	}
	/* Whatever the handler writes to the audit trail is this person's. */
	audit_set_actor(c->sess.valid ? c->sess.account_id : 0);
	route->handler(c);
	audit_set_actor(0);
	allow_public_cache(c, route);
}

/* A value for the log line: control characters, backslash and anything
** not printable ASCII become \xNN, so what a visitor put in a path (a
** decoded %0a, say) can never start a line of its own or pass for
** another field. */
static const char *log_safe(struct arena *a, const char *s)
{
	size_t n = strlen(s), out = 0;
	char *p = arena_alloc(a, n * 4 + 1);
	for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
		if (*q < 0x20 || *q >= 0x7f || *q == '\\' || *q == ' ')
			out += (size_t)sprintf(p + out, "\\x%02x", *q);
		else
			p[out++] = (char)*q;
	}
	p[out] = '\0';
	return p;
}

static void write_response(FCGX_Request *fr, struct worker *w,
	const struct resp *resp, bool head_only)
{
	buf_clear(&w->head);
	http_resp_head(resp, &w->head);
	FCGX_PutStr(w->head.data, (int)w->head.len, fr->out);
	if (!head_only && resp->body->len)
		FCGX_PutStr(resp->body->data, (int)resp->body->len, fr->out);
}

/* End a request and close its connection at once. libfcgi's own close
** shuts down the sending side and then waits for the web server to close
** its end (a lingering close, so that TCP sends no reset over unread
** data); nginx closes only once it has read and handled the answer, so
** each worker sat idle for that long before it could take the next
** request, a third of the rate on two busy cores. Reading the rest of the
** request first (nginx sends all of it, body included, before it reads
** the answer) leaves nothing unread, so closing straight away is clean. */
static void finish_request(FCGX_Request *fr)
{
	char rest[16384];
	while (FCGX_GetStr(rest, sizeof rest, fr->in) > 0)
		;
	FCGX_Detach(fr);
	FCGX_Finish_r(fr);
}

static void serve(FCGX_Request *fr, struct worker *w)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	arena_reset(&w->arena);

	struct req req;
	memset(&req, 0, sizeof req);
	req.arena = &w->arena;
	req.method = fcgi_param(fr, "REQUEST_METHOD");
	req.raw_uri = fcgi_param(fr, "REQUEST_URI");
	req.query_string = fcgi_param(fr, "QUERY_STRING");
	req.content_type = fcgi_param(fr, "CONTENT_TYPE");
	req.cookie_header = fcgi_param(fr, "HTTP_COOKIE");
	/* nginx's own copy: with its cache on it sends HTTP_RANGE empty. */
	req.range = fcgi_param(fr, "REQUEST_RANGE");
	req.authorization = fcgi_param(fr, "HTTP_AUTHORIZATION");
	/* nginx's own copy, as for the range: with its cache on it keeps the
	** conditional headers to itself. */
	req.if_none_match = fcgi_param(fr, "REQUEST_IF_NONE_MATCH");
	req.remote_addr = fcgi_param(fr, "REMOTE_ADDR");
	req.https = !strcmp(fcgi_param(fr, "HTTPS"), "on");
	req.path = req.raw_uri;   /* until parsed; for the log line */
	if (!*req.method)
		req.method = "GET";
	if (!*req.raw_uri)
		req.raw_uri = "/";

	struct resp resp;
	http_resp_init(&resp, &w->arena, &w->body);
	struct ctx c;
	memset(&c, 0, sizeof c);
	c.req = &req;
	c.resp = &resp;
	c.arena = &w->arena;
	bool reading = !strcmp(req.method, "GET") || !strcmp(req.method, "HEAD");
	struct db *db = reading ? &w->db : &w->db_write;
	c.db = db;
	c.cfg = w->cfg;
	c.tmpl = w->tmpl;
	c.now = time(NULL);
	if (w->cfg->test_clock)
		c.now += (time_t)db_int(db, 0, "SELECT CAST(value AS INTEGER) FROM setting "
			"WHERE key = 'test.clock_offset'", NULL);
	c.view = tv_obj(&w->arena);

	dispatch(&c, fr);
	if (db->tx_depth) {
		fprintf(stderr, "carrel: %s %s left a transaction open (begun at %s:%d)\n",
			log_safe(&w->arena, req.method), log_safe(&w->arena, req.path),
			db->tx_file, db->tx_line);
		db_rollback(db);
	}
	write_response(fr, w, &resp, !strcmp(req.method, "HEAD"));

	clock_gettime(CLOCK_MONOTONIC, &t1);
	long usec = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
	/* Log the path only, never the query: it may hold personal data. The
	** token of a password reset or registration link opens an account. */
	const char *logged = !strncmp(req.path, "/password/reset/", 16)
		? "/password/reset/{token}" : !strncmp(req.path, "/register/confirm/", 18)
		? "/register/confirm/{token}" : req.path;
	fprintf(stderr, "%s %s %d %ldus\n", log_safe(&w->arena, req.method),
		log_safe(&w->arena, logged), resp.status, usec);
}

static int worker_main(int listen_fd, const struct config *cfg,
	const struct tmpl_set *tmpl)
{
	struct worker w;
	memset(&w, 0, sizeof w);
	w.cfg = cfg;
	w.tmpl = tmpl;
	char err[512];
	if (db_open(&w.db, cfg->db, err, sizeof err) ||
	    db_open(&w.db_write, cfg->db, err, sizeof err) || db_unmapped(&w.db_write)) {
		fprintf(stderr, "carrel worker: %s\n", err);
		return 1;
	}
	arena_init(&w.arena, 64 * 1024);
	setvbuf(stderr, NULL, _IOLBF, 0);

	FCGX_Request fr;
	FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!stop_requested) {
		if (FCGX_Accept_r(&fr) < 0) {
			if (stop_requested || errno == EINTR)
				continue;
			fprintf(stderr, "carrel worker: accept failed: %s\n", strerror(errno));
			break;
		}
		serve(&fr, &w);
		finish_request(&fr);
		/* After the answer has gone: the people this request notified see
		** their count change on pages they have open (lib/live.h). */
		live_publish_touched(cfg, &w.db);
	}
	FCGX_Free(&fr, 1);
	db_close(&w.db);
	db_close(&w.db_write);
	arena_free(&w.arena);
	buf_free(&w.body);
	buf_free(&w.head);
	return 0;
}

/* ---- master ---- */

struct master {
	pid_t pids[MAX_WORKERS];
	time_t started[MAX_WORKERS];
	int nworkers;
	int listen_fd;
	const struct config *cfg;
	const struct tmpl_set *tmpl;
};

static pid_t spawn_worker(struct master *m)
{
	pid_t pid = fork();
	if (pid == 0) {
		/* The master blocks its signals between sigsuspend()s; a worker
		** must see stop signals at once. */
		sigset_t none;
		sigemptyset(&none);
		set_handler(SIGCHLD, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		_exit(worker_main(m->listen_fd, m->cfg, m->tmpl));
	}
	if (pid < 0)
		fprintf(stderr, "carrel: fork failed: %s\n", strerror(errno));
	return pid;
}

static void reap_and_refork(struct master *m)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < m->nworkers; i++) {
			if (m->pids[i] != pid)
				continue;
			m->pids[i] = 0;
			if (stop_requested)
				break;
			fprintf(stderr, "carrel: worker %d %s %d; starting another\n", pid,
				WIFSIGNALED(status) ? "killed by signal" : "exited with",
				WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			/* A worker that dies at once would die again: do not spin. */
			if (time(NULL) - m->started[i] < 1)
				sleep(1);
			m->pids[i] = spawn_worker(m);
			m->started[i] = time(NULL);
		}
	}
}

static void drain(struct master *m)
{
	for (int i = 0; i < m->nworkers; i++)
		if (m->pids[i] > 0)
			kill(m->pids[i], SIGTERM);
	time_t deadline = time(NULL) + DRAIN_SECONDS;
	int alive;
	do {
		alive = 0;
		for (int i = 0; i < m->nworkers; i++) {
			if (m->pids[i] <= 0)
				continue;
			if (waitpid(m->pids[i], NULL, WNOHANG) == m->pids[i])
				m->pids[i] = 0;
			else
				alive++;
		}
		if (alive && time(NULL) >= deadline) {
			for (int i = 0; i < m->nworkers; i++)
				if (m->pids[i] > 0) {
					kill(m->pids[i], SIGKILL);
					waitpid(m->pids[i], NULL, 0);
					m->pids[i] = 0;
				}
			alive = 0;
		}
		if (alive)
			usleep(20 * 1000);
	} while (alive);
}

static int prepare(const struct config *cfg, struct tmpl_set *tmpl)
{
	char err[512];
	struct db db;
	if (db_open(&db, cfg->db, err, sizeof err)) {
		fprintf(stderr, "carrel: %s\n", err);
		return -1;
	}
	int applied = db_migrate(&db, cfg->schema, stderr, err, sizeof err);
	db_close(&db);
	if (applied < 0) {
		fprintf(stderr, "carrel: migration failed: %s\n", err);
		return -1;
	}
	if (tmpl_set_load_dir(tmpl, cfg->templates, err, sizeof err)) {
		fprintf(stderr, "carrel: templates: %s\n", err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct config cfg;
	char err[512];
	if (config_load(&cfg, err, sizeof err)) {
		fprintf(stderr, "carrel: %s\n", err);
		return 1;
	}
	if (!payment_provider_named(cfg.payment_provider)) {
		fprintf(stderr, "carrel: payment_provider = %s names no provider this build "
			"knows (it knows: test)\n", cfg.payment_provider);
		return 1;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "carrel: libsodium failed to start\n");
		return 1;
	}
	setenv("TZ", cfg.timezone, 1);
	tzset();
	setvbuf(stderr, NULL, _IOLBF, 0);
	notify_set_base_url(cfg.base_url);

	/* Compiled before the fork so every worker shares the pages. */
	struct tmpl_set *tmpl = tmpl_set_new();
	if (prepare(&cfg, tmpl))
		return 1;

	/* libcurl's global set-up is not fork-safe to repeat lazily in every
	** worker; do it once here. */
	if (isbn_lookup_init()) {
		fprintf(stderr, "carrel: libcurl failed to start\n");
		return 1;
	}
	if (FCGX_Init() != 0) {
		fprintf(stderr, "carrel: FastCGI failed to start\n");
		return 1;
	}
	unlink(cfg.socket);
	mode_t old_mask = umask(0);
	int listen_fd = FCGX_OpenSocket(cfg.socket, 1024);
	umask(old_mask);
	if (listen_fd < 0) {
		fprintf(stderr, "carrel: cannot listen on %s: %s\n", cfg.socket,
			strerror(errno));
		return 1;
	}

	struct master m;
	memset(&m, 0, sizeof m);
	m.listen_fd = listen_fd;
	m.cfg = &cfg;
	m.tmpl = tmpl;
	m.nworkers = cfg.workers > 0 ? cfg.workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (m.nworkers < 1)
		m.nworkers = 1;
	if (m.nworkers > MAX_WORKERS)
		m.nworkers = MAX_WORKERS;

	signal(SIGPIPE, SIG_IGN);
	set_handler(SIGTERM, on_stop);
	set_handler(SIGINT, on_stop);
	set_handler(SIGCHLD, on_child);

	sigset_t blocked, waiting;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGCHLD);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	sigprocmask(SIG_BLOCK, &blocked, &waiting);
	sigdelset(&waiting, SIGCHLD);
	sigdelset(&waiting, SIGTERM);
	sigdelset(&waiting, SIGINT);

	for (int i = 0; i < m.nworkers; i++) {
		m.pids[i] = spawn_worker(&m);
		m.started[i] = time(NULL);
	}
	fprintf(stderr, "carrel: master %d serving %s with %d workers\n",
		(int)getpid(), cfg.socket, m.nworkers);

	while (!stop_requested) {
		sigsuspend(&waiting);
		if (child_exited) {
			child_exited = 0;
			reap_and_refork(&m);
		}
	}
	fprintf(stderr, "carrel: stopping; letting workers finish\n");
	drain(&m);
	close(listen_fd);
	unlink(cfg.socket);
	tmpl_set_free(tmpl);
	fprintf(stderr, "carrel: stopped\n");
	return 0;
}
