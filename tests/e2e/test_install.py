#!/usr/bin/env python3
"""End-to-end test of installing Carrel as a service: `make install` into a
DESTDIR (as a package build would, so no system user and no owners), the
files where Debian would have them, `carrel check` on a good and a broken
configuration, `carrel init`, the installed carrel.fcgi behind an nginx
running the installed server block (moved to a free port and into the
DESTDIR), the systemd units through `systemd-analyze verify`, and `make
uninstall`, which keeps the configuration and the data."""
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, ROOT, Client, free_port  # noqa: E402

PREFIX = "/usr"
TMP = tempfile.mkdtemp(prefix="carrel-install-")
DEST = os.path.join(TMP, "root")
RUN = os.path.join(TMP, "run")          # what systemd's RuntimeDirectory would be
GOOD_CONF = os.path.join(TMP, "good.conf")
BROKEN_CONF = os.path.join(TMP, "broken.conf")
PORT = free_port()


class Skip(Exception):
    pass


def dest(path):
    """The installed path inside DESTDIR."""
    return DEST + path


def clean_env(**extra):
    """The environment without anything that would steer the programs or a
    make started from `make test`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CARREL_") and k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(extra)
    return env


def make(*targets):
    r = subprocess.run(["make", "--no-print-directory", "-j2", "DESTDIR=" + DEST,
                        "PREFIX=" + PREFIX] + list(targets), cwd=ROOT, env=clean_env(),
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, "make %s failed:\n%s\n%s" % (" ".join(targets), r.stdout[-3000:],
                                                         r.stderr[-3000:])
    return r.stdout + r.stderr


def me():
    import pwd
    return pwd.getpwuid(os.geteuid()).pw_name


def carrel(*args, conf=None):
    env = clean_env(**({"CARREL_CONF": conf} if conf else {}))
    return subprocess.run([dest(PREFIX + "/bin/carrel")] + list(args), env=env,
                          capture_output=True, text=True, timeout=120)


def read(path):
    with open(path) as f:
        return f.read()


def inside_dest(text):
    """A configuration or server block of the installed copy, moved into
    DESTDIR and this test's run folder."""
    text = text.replace("/run/carrel-live.sock", os.path.join(RUN, "live.sock"))
    text = text.replace("/run/carrel/", RUN + "/")
    text = text.replace("/var/lib/carrel", dest("/var/lib/carrel"))
    return text.replace(PREFIX + "/share/carrel", dest(PREFIX + "/share/carrel"))


def set_key(text, key, value):
    out, n = re.subn(r"(?m)^%s\s*=.*$" % re.escape(key), "%s = %s" % (key, value), text)
    return out if n else out + "%s = %s\n" % (key, value)


# ---- the tests, in order ----

def test_make_install_puts_files_in_place():
    out = make("install")
    assert "not making the system user carrel" in out, out
    for path in ("/bin/carrel", "/sbin/carrel.fcgi", "/sbin/carrel-cron"):
        st = os.stat(dest(PREFIX + path))
        assert stat.S_ISREG(st.st_mode) and st.st_mode & 0o111, path
    share = dest(PREFIX + "/share/carrel")
    templates = sorted(f for f in os.listdir(os.path.join(ROOT, "templates")) if f.endswith(".mustache"))
    assert sorted(os.listdir(os.path.join(share, "templates"))) == templates
    migrations = sorted(f for f in os.listdir(os.path.join(ROOT, "schema")) if f.endswith(".sql"))
    assert sorted(f for f in os.listdir(os.path.join(share, "schema")) if f.endswith(".sql")) == migrations
    assert os.path.isfile(os.path.join(share, "schema", "demo", "catalogue.sql"))
    assert read(os.path.join(share, "static", "carrel.css")) == read(os.path.join(ROOT, "static", "carrel.css"))
    assert os.path.isfile(os.path.join(share, "static", "errors", "50x.html"))

    conf = dest("/etc/carrel/carrel.conf")
    assert stat.S_IMODE(os.stat(conf).st_mode) == 0o640, oct(os.stat(conf).st_mode)
    text = read(conf)
    for line in ("db = /var/lib/carrel/carrel.db", "socket = /run/carrel/carrel.sock",
                 "templates = /usr/share/carrel/templates", "schema = /usr/share/carrel/schema",
                 "uploads = /var/lib/carrel/uploads", "backups = /var/lib/carrel/backups"):
        assert line in text, line
    for d in ("/var/lib/carrel/uploads", "/var/lib/carrel/backups"):
        assert os.path.isdir(dest(d)), d

    site = read(dest("/etc/nginx/sites-available/carrel"))
    assert not os.path.exists(dest("/etc/nginx/sites-enabled/carrel")), "the site is enabled"
    assert "server unix:/run/carrel/carrel.sock;" in site
    assert "alias /usr/share/carrel/static/;" in site
    assert "alias /var/lib/carrel/backups/;" in site
    assert "root /var/lib/carrel/uploads;" in site
    assert not re.search(r"^[^#]*@[A-Z_]+@", site, re.M), "a placeholder is left in the site"

    units = dest(PREFIX + "/lib/systemd/system")
    service = read(os.path.join(units, "carrel.service"))
    for line in ("ExecStart=/usr/sbin/carrel.fcgi", "User=carrel", "RuntimeDirectory=carrel",
                 "ProtectSystem=strict", "ReadWritePaths=/var/lib/carrel", "NoNewPrivileges=yes",
                 "PrivateTmp=yes", "WantedBy=multi-user.target"):
        assert line in service, line
    cron = read(os.path.join(units, "carrel-cron.service"))
    assert "ExecStart=/usr/sbin/carrel-cron run" in cron and "Type=oneshot" in cron
    timer = read(os.path.join(units, "carrel-cron.timer"))
    assert "OnCalendar=" in timer and "WantedBy=timers.target" in timer


def test_installed_programs_read_etc_carrel_by_default():
    r = carrel("check", "--user", me())
    assert "/etc/carrel/carrel.conf:" in r.stdout, r.stdout + r.stderr
    # A build from the checkout (the tests' own) keeps the repository's default.
    built = subprocess.run([os.path.join(BIN, "carrel"), "check", "--user", me()],
                           cwd=TMP, env=clean_env(), capture_output=True, text=True, timeout=60)
    assert "\ncarrel.conf:" in "\n" + built.stdout, built.stdout


def write_configs():
    text = inside_dest(read(dest("/etc/carrel/carrel.conf")))
    text = set_key(text, "smtp_url", "smtp://127.0.0.1:2525")
    text = set_key(text, "smtp_starttls", "no")
    text = set_key(text, "workers", "2")
    if os.path.isfile("/usr/share/zoneinfo/Europe/London"):
        text = set_key(text, "timezone", "Europe/London")
    with open(GOOD_CONF, "w") as f:
        f.write(text)
    broken = set_key(text, "db", os.path.join(TMP, "nowhere", "carrel.db"))
    broken = set_key(broken, "base_url", "http://library.example.org")
    broken = set_key(broken, "secure_cookies", "no")
    broken += "smtp_ulr = smtp://mail.example.org\n"
    with open(BROKEN_CONF, "w") as f:
        f.write(broken)


def test_check_passes_a_good_configuration():
    os.makedirs(RUN, exist_ok=True)
    write_configs()
    r = carrel("check", "--config", GOOD_CONF, "--user", me())
    assert r.returncode == 0, r.stdout + r.stderr
    assert "problem:" not in r.stdout, r.stdout
    assert "no problems" in r.stdout, r.stdout
    # Before `carrel init` there is no database yet: said, but not wrong.
    assert "does not exist yet" in r.stdout, r.stdout


def test_check_names_each_problem_of_a_broken_configuration():
    r = carrel("check", "--user", me(), conf=BROKEN_CONF)   # through CARREL_CONF
    assert r.returncode == 1, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    missing = os.path.join(TMP, "nowhere")

    def one(pattern):
        found = [l for l in lines if re.search(pattern, l)]
        assert len(found) == 1, "%r: %r in\n%s" % (pattern, found, r.stdout)
        return found[0]
    assert one(r"The database's folder %s does not exist" % re.escape(missing)).startswith("problem:")
    typo = one(r'there is no key "smtp_ulr"')
    assert typo.startswith("problem:") and 'did you mean "smtp_url"?' in typo, typo
    assert "line " in typo, typo
    assert one(r"base_url http://library.example.org is plain HTTP").startswith("warning:")
    assert re.search(r"^%s: 2 problems, 1 warning" % re.escape(BROKEN_CONF), lines[-1]), lines[-1]
    # The other programs refuse a typo outright, naming the line.
    r = subprocess.run([dest(PREFIX + "/sbin/carrel.fcgi")], env=clean_env(CARREL_CONF=BROKEN_CONF),
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "smtp_ulr" in r.stderr, r.stderr


def test_init_makes_the_first_admin_and_check_sees_no_pending_migration():
    r = carrel("init", conf=GOOD_CONF)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "First admin account" in r.stdout and "password:" in r.stdout, r.stdout
    assert os.path.isfile(dest("/var/lib/carrel/carrel.db"))
    r = carrel("check", "--config", GOOD_CONF, "--user", me())
    assert r.returncode == 0 and "does not exist yet" not in r.stdout, r.stdout
    # A release's new migration, not applied yet, is named.
    extra = dest(PREFIX + "/share/carrel/schema/9990_check_pending.sql")
    with open(extra, "w") as f:
        f.write("CREATE TABLE check_pending (id INTEGER PRIMARY KEY);\n")
    try:
        r = carrel("check", "--config", GOOD_CONF, "--user", me())
        assert r.returncode == 1, r.stdout
        assert re.search(r"^problem: 1 migration of .* is not applied to the database yet "
                         r"\(9990_check_pending\.sql\)", r.stdout, re.M), r.stdout
    finally:
        os.unlink(extra)


def nginx_conf():
    """The installed server block, on a free port over plain HTTP, with the
    paths moved into DESTDIR, wrapped in a whole nginx configuration as
    nginx/dev.conf is (so nginx runs unprivileged, or as root hands its
    workers to whoever runs the test)."""
    site = inside_dest(read(dest("/etc/nginx/sites-available/carrel")))
    # The port 80 server only redirects to HTTPS.
    site = re.sub(r"server \{\s*listen 80;.*?\n\}\n", "", site, flags=re.S)
    site = re.sub(r"listen 443 ssl http2;", "listen 127.0.0.1:%d;" % PORT, site)
    site = re.sub(r"\n\s*listen \[::\]:443 ssl http2;", "", site)
    site = re.sub(r"\n\s*ssl_certificate(_key)? [^;]*;", "", site)
    site = site.replace("/var/cache/nginx/carrel", os.path.join(TMP, "nginx", "cache"))
    assert "listen 127.0.0.1:%d;" % PORT in site, site
    ngx = os.path.join(TMP, "nginx")
    os.makedirs(ngx, exist_ok=True)
    with open(os.path.join(ngx, "site.conf"), "w") as f:
        f.write(site)
    # The site includes fastcgi_params relative to the configuration's folder.
    shutil.copy("/etc/nginx/fastcgi_params", os.path.join(ngx, "fastcgi_params"))
    import grp
    import pwd
    user = pwd.getpwuid(os.geteuid()).pw_name
    group = grp.getgrgid(os.getegid()).gr_name
    main = """load_module /usr/lib/nginx/modules/ngx_nchan_module.so;
user %(user)s %(group)s;
worker_processes 1;
daemon off;
pid %(ngx)s/nginx.pid;
error_log %(ngx)s/error.log warn;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path %(ngx)s/body;
    fastcgi_temp_path %(ngx)s/fastcgi;
    proxy_temp_path %(ngx)s/proxy;
    uwsgi_temp_path %(ngx)s/uwsgi;
    scgi_temp_path %(ngx)s/scgi;
    include %(ngx)s/site.conf;
}
""" % {"user": user, "group": group, "ngx": ngx}
    path = os.path.join(ngx, "nginx.conf")
    with open(path, "w") as f:
        f.write(main)
    return path


def wait_for(check, what, proc, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return
        if proc.poll() is not None:
            raise AssertionError("%s: the process exited with %s" % (what, proc.returncode))
        time.sleep(0.05)
    raise AssertionError("%s did not happen in %d s" % (what, seconds))


def test_installed_copy_serves_the_catalogue_through_the_installed_site():
    log = open(os.path.join(TMP, "carrel.log"), "w")
    app = subprocess.Popen([dest(PREFIX + "/sbin/carrel.fcgi")], env=clean_env(CARREL_CONF=GOOD_CONF),
                           stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    web = None
    try:
        wait_for(lambda: os.path.exists(os.path.join(RUN, "carrel.sock")), "the socket", app)
        conf = nginx_conf()
        web = subprocess.Popen(["nginx", "-e", os.path.join(TMP, "nginx", "error.log"), "-c", conf],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

        def answers():
            try:
                with socket.create_connection(("127.0.0.1", PORT), timeout=1):
                    return True
            except OSError:
                return False
        wait_for(answers, "nginx listening", web)
        c = Client(PORT)
        page = c.get("/catalogue?q=")
        assert page.status == 200, page
        assert "<html" in page.body and "/static/carrel.css" in page.body, page.body[:500]
        home = c.get("/")
        assert home.status == 200, home
        css = c.get("/static/carrel.css")
        assert css.status == 200, css
        assert css.data == open(os.path.join(ROOT, "static", "carrel.css"), "rb").read()
        assert (css.header("Content-Type") or "").startswith("text/css"), css.headers
        assert c.get("/healthz").status == 200
    finally:
        if web:
            web.send_signal(signal.SIGQUIT)
            web.wait(timeout=20)
        app.send_signal(signal.SIGTERM)
        rc = app.wait(timeout=30)
        log.close()
    assert rc == 0, read(os.path.join(TMP, "carrel.log"))
    assert not os.path.exists(os.path.join(RUN, "carrel.sock"))


def test_systemd_units_verify():
    tool = shutil.which("systemd-analyze")
    if not tool:
        raise Skip("systemd-analyze is not installed; the units were not verified")
    units = os.path.join(TMP, "units")
    os.makedirs(units, exist_ok=True)
    names = ["carrel.service", "carrel-cron.service", "carrel-cron.timer"]
    for name in names:
        # The programs are where DESTDIR put them, not yet in /usr/sbin.
        text = read(dest(PREFIX + "/lib/systemd/system/" + name))
        with open(os.path.join(units, name), "w") as f:
            f.write(text.replace(PREFIX + "/sbin/", dest(PREFIX + "/sbin/")))
    r = subprocess.run([tool, "verify", "--man=no"] + [os.path.join(units, n) for n in names],
                       cwd=units, capture_output=True, text=True, timeout=60)
    # A directive it does not understand is only a warning (exit 0) naming
    # the file: any line about our units fails the test.
    ours = [l for l in (r.stdout + r.stderr).splitlines() if "carrel" in l]
    assert r.returncode == 0 and not ours, r.stdout + r.stderr


def test_make_install_again_keeps_an_edited_configuration():
    conf = dest("/etc/carrel/carrel.conf")
    with open(conf, "a") as f:
        f.write("# edited by the administrator\n")
    edited = read(conf)
    out = make("install")
    assert read(conf) == edited
    assert "kept %s" % conf in out, out
    assert os.path.isfile(dest(PREFIX + "/share/carrel/examples/carrel.conf"))


def test_make_uninstall_keeps_configuration_and_data():
    out = make("uninstall")
    left = []
    for top, _dirs, files in os.walk(DEST):
        left += [os.path.join(top, f)[len(DEST):] for f in files]
    programs = [p for p in left if p.startswith(PREFIX + "/")]
    assert not programs, "left after uninstall: %s" % programs
    assert not os.path.exists(dest(PREFIX + "/share/carrel"))
    for kept in ("/etc/carrel/carrel.conf", "/etc/nginx/sites-available/carrel",
                 "/var/lib/carrel/carrel.db"):
        assert kept in left, "%s was removed" % kept
    assert "kept" in out and "/var/lib/carrel" in out, out


TESTS = [
    test_make_install_puts_files_in_place,
    test_installed_programs_read_etc_carrel_by_default,
    test_check_passes_a_good_configuration,
    test_check_names_each_problem_of_a_broken_configuration,
    test_init_makes_the_first_admin_and_check_sees_no_pending_migration,
    test_installed_copy_serves_the_catalogue_through_the_installed_site,
    test_systemd_units_verify,
    test_make_install_again_keeps_an_edited_configuration,
    test_make_uninstall_keeps_configuration_and_data,
]


def main():
    print("1..%d" % len(TESTS), flush=True)
    failed = 0
    for i, fn in enumerate(TESTS, 1):
        started = time.time()
        try:
            fn()
            print("ok %d - %s (%.1f s)" % (i, fn.__name__, time.time() - started), flush=True)
        except Skip as e:
            print("ok %d - %s # SKIP %s" % (i, fn.__name__, e), flush=True)
        except Exception:
            failed += 1
            print("not ok %d - %s" % (i, fn.__name__), flush=True)
            for line in traceback.format_exc().splitlines():
                print("# " + line, flush=True)
            if i == 1:
                break   # nothing else can run without the installed copy
    if failed or os.environ.get("KEEP"):
        print("# files kept in " + TMP)
    else:
        shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
