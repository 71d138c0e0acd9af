"""End-to-end harness: starts the real carrel.fcgi (sanitizer build) and a
real nginx on a free loopback port, and drives them as a browser would:
cookies, CSRF tokens, forms, redirects not followed automatically.

Only the Python standard library is used.
"""
import http.client
import os
import re
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import traceback
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("CARREL_TEST_BIN", os.path.join(ROOT, "build", "asan", "bin"))

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, headers, body, data=b""):
        self.status = status
        self.headers = headers          # list of (name, value)
        self.body = body                # str (utf-8, replaced errors)
        self.data = data                # the body's bytes, for downloads

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def csrf(self):
        m = re.search(r'name="csrf" value="([^"]+)"', self.body)
        return m.group(1) if m else None

    def __repr__(self):
        return "<Response %d %s>" % (self.status, self.body[:200])


class Client:
    """A browser: keeps cookies (honouring Max-Age=0), no redirect following."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        hdrs = r.getheaders()
        conn.close()
        for k, v in hdrs:
            if k.lower() == "set-cookie":
                self._store_cookie(v)
        return Response(r.status, hdrs, data.decode("utf-8", "replace"), data)

    def _store_cookie(self, value):
        parts = [p.strip() for p in value.split(";")]
        name, _, val = parts[0].partition("=")
        attrs = {p.partition("=")[0].lower(): p.partition("=")[2] for p in parts[1:]}
        if attrs.get("max-age") == "0":
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = val

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields, csrf=True):
        """POST a urlencoded form. csrf=True fetches nothing: it uses the
        token of the last page read (self.last_csrf) when present."""
        items = list(fields.items()) if isinstance(fields, dict) else list(fields)
        body = urllib.parse.urlencode(items)
        return self.request("POST", path, body=body,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})

    def form(self, page_path, action, fields):
        """Read page_path, take its csrf token, and post fields to action."""
        page = self.get(page_path)
        token = page.csrf()
        assert token, "no csrf token on %s (status %d)" % (page_path, page.status)
        f = dict(fields)
        f["csrf"] = token
        return self.post(action, f)


def plan_id(page, name):
    """The value of the plan called name in a page's plan choices."""
    m = re.search(r'value="(\d+)"[^>]*>\s*(?:<strong>)?%s\b' % re.escape(name), page.body)
    assert m, "no plan %s on the page" % name
    return m.group(1)


def emailed_link(stack, email, kind):
    """The path of the Carrel link in the newest email of kind (a notice
    kind: "registration-confirm", "password-reset") queued to email."""
    with stack.db() as db:
        row = db.execute("SELECT body FROM outbox WHERE recipient = ? COLLATE NOCASE "
                         "AND kind = ? AND channel = 'email' ORDER BY id DESC LIMIT 1",
                         (email, kind)).fetchone()
    assert row, "no %s email to %s" % (kind, email)
    m = re.search(r"https?://[^/\s]+(/[\w/-]+/[A-Za-z0-9_-]{43})\b", row[0])
    assert m, "no link in the %s email: %s" % (kind, row[0])
    return m.group(1)


def confirm_registration(stack, client, email, clear=False):
    """Finish a registration as its owner would: open the link emailed to
    the new account and press its button. Returns the answer (303 to the
    account page, logged in). With clear, the email is then taken out of
    the outbox, so that suites which count or deliver a member's notices
    meet only those of their own test."""
    path = emailed_link(stack, email, "registration-confirm")
    page = client.get(path)
    assert page.status == 200, page
    r = client.post(path, {"csrf": page.csrf()})
    if clear and r.status == 303:
        with stack.db() as db:
            db.execute("DELETE FROM outbox WHERE recipient = ? COLLATE NOCASE "
                       "AND kind = 'registration-confirm'", (email,))
    return r


class Stack:
    """A private Carrel: database, socket and logs in a temporary folder."""

    def __init__(self, **extra_env):
        self.dir = tempfile.mkdtemp(prefix="carrel-e2e-")
        self.port = free_port()
        self.log_path = os.path.join(self.dir, "server.log")
        self.env = dict(os.environ)
        self.env.update({
            "CARREL_DB": os.path.join(self.dir, "carrel.db"),
            "CARREL_SOCKET": os.path.join(self.dir, "carrel.sock"),
            "CARREL_TEMPLATES": os.path.join(ROOT, "templates"),
            "CARREL_SCHEMA": os.path.join(ROOT, "schema"),
            "CARREL_UPLOADS": os.path.join(self.dir, "uploads"),
            "CARREL_BACKUPS": os.path.join(self.dir, "backups"),
            "CARREL_WORKERS": "2",
            "CARREL_BASE_URL": "http://127.0.0.1:%d" % self.port,
            # Live updates: nchan's publisher on a socket of this stack (serve.sh).
            "CARREL_LIVE_URL": "http://localhost/live-publish",
            "CARREL_LIVE_SOCKET": os.path.join(self.dir, "live.sock"),
            # Cheap hashes keep the suite fast; they are still argon2id.
            "CARREL_PWHASH_OPS": "1",
            "CARREL_PWHASH_MEM": "65536",
            # Suites register many members from one address.
            "CARREL_REGISTER_PER_IP": "100000",
            "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=0",
            "UBSAN_OPTIONS": "print_stacktrace=1",
        })
        self.env.update({k: str(v) for k, v in extra_env.items()})
        self.proc = None

    def cli(self, *args, stdin=None):
        return subprocess.run([os.path.join(BIN, "carrel")] + list(args), env=self.env,
                              input=stdin, capture_output=True, text=True, timeout=60)

    def cron(self, *args):
        """Run carrel-cron with this stack's configuration (e.g. "run",
        "--now", "2026-12-06T09:00")."""
        return subprocess.run([os.path.join(BIN, "carrel-cron")] + list(args), env=self.env,
                              capture_output=True, text=True, timeout=300)

    def start(self):
        r = self.cli("migrate")
        if r.returncode != 0:
            raise RuntimeError("migrate failed: " + r.stderr)
        env = dict(self.env, PORT=str(self.port), VAR=self.dir, BIN=BIN)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([os.path.join(ROOT, "nginx", "serve.sh")], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if Client(self.port).get("/healthz").status == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError("the stack did not start:\n" + self.read_log())

    def stop(self):
        """SIGTERM the serve script; returns its exit code."""
        if not self.proc:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            rc = self.proc.wait()
        self.proc = None
        self.log.close()
        return rc

    def read_log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def sanitizer_reports(self):
        return [l for l in self.read_log().splitlines() if any(m in l for m in SANITIZER_MARKS)]

    def db(self):
        c = sqlite3.connect(self.env["CARREL_DB"], timeout=10)
        return c

    def add_user(self, email, name, role, password, plan=None, until=None):
        """Make an account with the command line. Members join the free
        Student plan unless told otherwise, so that they can borrow."""
        args = ["user", "add", "--email", email, "--name", name, "--role", role]
        if role == "member" and not plan and not until:
            plan = "Student"
        if plan:
            args += ["--plan", plan]
        if until:
            args += ["--until", until]
        r = self.cli(*args, stdin=password + "\n")
        if r.returncode != 0:
            raise RuntimeError("carrel user add failed: " + r.stderr)

    def login(self, email, password):
        c = Client(self.port)
        r = c.form("/login", "/login", {"email": email, "password": password})
        if r.status != 303:
            raise RuntimeError("login of %s failed: %r" % (email, r))
        return c

    def worker_pids(self):
        """The master's children, read from /proc."""
        master = self.master_pid()
        out = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == master:
                    out.append(int(pid))
            except OSError:
                pass
        return out

    def master_pid(self):
        for line in self.read_log().splitlines():
            m = re.match(r"carrel: master (\d+) serving", line)
            if m:
                return int(m.group(1))
        return None


class Suite:
    """Runs test functions, printing TAP."""

    def __init__(self):
        self.results = []

    def run(self, tests, *args, extra=0):
        """extra: results the caller prints itself after these."""
        print("1..%d" % (len(tests) + extra), flush=True)
        for i, fn in enumerate(tests, 1):
            name = fn.__name__
            try:
                fn(*args)
                print("ok %d - %s" % (i, name), flush=True)
                self.results.append(True)
            except Exception:
                print("not ok %d - %s" % (i, name), flush=True)
                for line in traceback.format_exc().splitlines():
                    print("# " + line, flush=True)
                self.results.append(False)
        return all(self.results)


def run_module(namespace, stack, cleanup=None):
    """Start stack, run every test_* function of a suite module (its
    globals()), stop, and add a last TAP line for sanitizer reports found in
    the server log. Returns the process exit status."""
    stack.start()
    tests = [v for k, v in list(namespace.items()) if k.startswith("test_")]
    suite = Suite()
    try:
        ok = suite.run(tests, stack, extra=1)
    finally:
        stack.stop()
        if cleanup:
            cleanup()
    reports = stack.sanitizer_reports()
    print("%s %d - no_sanitizer_reports" % ("not ok" if reports else "ok", len(tests) + 1))
    for line in reports[:20]:
        print("# " + line)
    return 0 if ok and not reports else 1
