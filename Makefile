# Carrel: a library management system in C.
#
#   make          build bin/carrel.fcgi, bin/carrel-cron, bin/carrel
#   make deps     install the Debian packages the build and tests need
#   make run      serve a demo library on http://127.0.0.1:8080/ (PORT=...)
#   make test     sanitizer build; unit tests, mustache spec, end-to-end tests,
#                 the real-browser suite (chromium, tests/browser)
#   make bench    wrk through nginx: home page and catalogue search against
#                 a static file of the same size, and checkout+checkin pairs
#                 (bench-home, bench-circulation, bench-import,
#                 bench-catalogue, bench-notices)
#   make fuzz     libFuzzer runs over the parsers (FUZZ_SECONDS each)
#   make install  install as a service (PREFIX, DESTDIR; README "In production")
#   make uninstall  remove what install put in place, but never the data or
#                 the configuration
#   make clean

CC      ?= cc
PORT    ?= 8080
WARN    := -Wall -Wextra -Werror
XML_CFLAGS := -I/usr/include/libxml2
BASE    := -std=c11 -D_GNU_SOURCE $(WARN) -Ilib -Icgi $(XML_CFLAGS) -MMD -MP
RELEASE := $(BASE) -O2 -g
ASAN    := $(BASE) -O1 -g -fno-omit-frame-pointer \
           -fsanitize=address,undefined -fno-sanitize-recover=undefined
LIBS    := -lfcgi -lsqlite3 -lsodium -lmagic -lcurl -ljansson \
           -lcsv -lzip -lxml2 -lxlsxwriter -lqpdf -larchive
TEST_LIBS := -lcmocka

DEB_PACKAGES := gcc make pkg-config nginx libfcgi-dev libsqlite3-dev \
	libsodium-dev libmagic-dev libcurl4-openssl-dev libjansson-dev \
	libcmocka-dev libcsv-dev libzip-dev libxml2-dev libxlsxwriter-dev libarchive-dev \
	wrk python3 curl sqlite3 tzdata chromium python3-aiosmtpd libnginx-mod-nchan \
	libqpdf-dev
# node and npm for the browser suite's tools, unless a node is already here.
ifeq ($(shell command -v node),)
DEB_PACKAGES += nodejs npm
endif

LIB_SRC  := $(wildcard lib/*.c)
# Handlers and chrome shared by carrel.fcgi and the carrel command line.
WEB_SRC  := $(filter-out cgi/main.c cgi/carrel.c cgi/cron.c,$(wildcard cgi/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)

rel_obj  = $(patsubst %.c,build/rel/%.o,$(1))
asan_obj = $(patsubst %.c,build/asan/%.o,$(1))

BINS      := bin/carrel.fcgi bin/carrel-cron bin/carrel
ASAN_BINS := build/asan/bin/carrel.fcgi build/asan/bin/carrel-cron build/asan/bin/carrel
UNIT_BINS := $(patsubst tests/unit/%.c,build/asan/tests/%,$(UNIT_SRC))

.PHONY: all deps browser-deps run test unit e2e bench bench-home bench-circulation bench-catalogue \
	bench-import bench-notices fuzz clean
.PHONY: bench-reports bench-ebooks
.PHONY: install uninstall FORCE
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BINS)

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(RELEASE) -c $< -o $@

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ASAN) -c $< -o $@

bin/carrel.fcgi: $(call rel_obj,cgi/main.c $(WEB_SRC) $(LIB_SRC))
	@mkdir -p bin
	$(CC) $(RELEASE) $^ -o $@ $(LIBS)

bin/carrel: $(call rel_obj,cgi/carrel.c $(WEB_SRC) $(LIB_SRC))
	@mkdir -p bin
	$(CC) $(RELEASE) $^ -o $@ $(LIBS)

bin/carrel-cron: $(call rel_obj,cgi/cron.c $(LIB_SRC))
	@mkdir -p bin
	$(CC) $(RELEASE) $^ -o $@ $(LIBS)

build/asan/bin/carrel.fcgi: $(call asan_obj,cgi/main.c $(WEB_SRC) $(LIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(ASAN) $^ -o $@ $(LIBS)

build/asan/bin/carrel: $(call asan_obj,cgi/carrel.c $(WEB_SRC) $(LIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(ASAN) $^ -o $@ $(LIBS)

build/asan/bin/carrel-cron: $(call asan_obj,cgi/cron.c $(LIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(ASAN) $^ -o $@ $(LIBS)

# Unit tests link the library and the web handlers (for the route table).
build/asan/tests/%: $(call asan_obj,tests/unit/%.c $(WEB_SRC) $(LIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(ASAN) $^ -o $@ $(LIBS) $(TEST_LIBS)

# ---- make install: Carrel as a service (README, "In production") ----
# Program files go under PREFIX (binaries, the templates, static files and
# migrations in share/carrel, the systemd units in lib/systemd/system, which
# systemd reads under /usr and /usr/local alike); the configuration in
# /etc/carrel, data in /var/lib/carrel, the socket in /run/carrel. The
# installed programs are built with those paths as their defaults
# (lib/config.c), so they read /etc/carrel/carrel.conf with no CARREL_CONF;
# bin/ keeps the repository's relative paths for make run and the tests.
PREFIX      ?= /usr/local
DESTDIR     ?=
BINDIR      := $(PREFIX)/bin
SBINDIR     := $(PREFIX)/sbin
SHAREDIR    := $(PREFIX)/share/carrel
UNITDIR     := $(PREFIX)/lib/systemd/system
SYSCONFDIR  := /etc
STATEDIR    := /var/lib/carrel
RUNDIR      := /run/carrel
LIVE_SOCKET := /run/carrel-live.sock
NGINX_SITE  := $(SYSCONFDIR)/nginx/sites-available/carrel
SERVICE_USER ?= carrel
NGINX_GROUP ?= www-data

INST_BINS := build/inst/bin/carrel.fcgi build/inst/bin/carrel-cron build/inst/bin/carrel
INST_PATHS := -DCARREL_DEFAULT_CONF='"$(SYSCONFDIR)/carrel/carrel.conf"' \
	-DCARREL_DEFAULT_DB='"$(STATEDIR)/carrel.db"' \
	-DCARREL_DEFAULT_UPLOADS='"$(STATEDIR)/uploads"' \
	-DCARREL_DEFAULT_BACKUPS='"$(STATEDIR)/backups"' \
	-DCARREL_DEFAULT_SOCKET='"$(RUNDIR)/carrel.sock"' \
	-DCARREL_DEFAULT_TEMPLATES='"$(SHAREDIR)/templates"' \
	-DCARREL_DEFAULT_SCHEMA='"$(SHAREDIR)/schema"'
# Built with the others, so that `sudo make install` finds them made.
all: $(INST_BINS)

inst_obj = $(call rel_obj,$(filter-out lib/config.c,$(1))) build/inst/lib/config.o
SUBST := sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SHAREDIR@|$(SHAREDIR)|g' \
	-e 's|@UNITDIR@|$(UNITDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	-e 's|@STATEDIR@|$(STATEDIR)|g' -e 's|@RUNDIR@|$(RUNDIR)|g' \
	-e 's|@LIVE_SOCKET@|$(LIVE_SOCKET)|g' -e 's|@USER@|$(SERVICE_USER)|g' \
	-e 's|@NGINX_GROUP@|$(NGINX_GROUP)|g' -e 's|@STATIC@|$(SHAREDIR)/static|g' \
	-e 's|@SOCKET@|$(RUNDIR)/carrel.sock|g' -e 's|@UPLOADS@|$(STATEDIR)/uploads|g' \
	-e 's|@BACKUPS@|$(STATEDIR)/backups|g'
INST_FILES := build/inst/carrel.service build/inst/carrel-cron.service \
	build/inst/carrel-cron.timer build/inst/carrel.conf build/inst/nginx-site.conf

FORCE:

# Written only when the paths change, so that a new PREFIX rebuilds.
# (make expands the whole recipe before running it: the folder is made
# by the expansion too, or a fresh clone could not write the file.)
build/inst/paths: FORCE
	$(shell mkdir -p $(dir $@))
	$(file >$@.new,$(INST_PATHS) $(SUBST))
	@cmp -s $@.new $@ && rm $@.new || mv $@.new $@

build/inst/lib/config.o: lib/config.c build/inst/paths
	@mkdir -p $(dir $@)
	$(CC) $(RELEASE) $(INST_PATHS) -c $< -o $@

build/inst/bin/carrel.fcgi: $(call inst_obj,cgi/main.c $(WEB_SRC) $(LIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(RELEASE) $^ -o $@ $(LIBS)

build/inst/bin/carrel: $(call inst_obj,cgi/carrel.c $(WEB_SRC) $(LIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(RELEASE) $^ -o $@ $(LIBS)

build/inst/bin/carrel-cron: $(call inst_obj,cgi/cron.c $(LIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(RELEASE) $^ -o $@ $(LIBS)

build/inst/%: nginx/service/%.in build/inst/paths
	$(SUBST) $< > $@
build/inst/carrel-cron.timer: nginx/service/carrel-cron.timer
	cp $< $@
build/inst/nginx-site.conf: nginx/carrel.conf build/inst/paths
	$(SUBST) $< > $@

# carrel check compares the templates and migrations it finds with those
# this build was made from (lib/check.c); the lists are rewritten only
# when a file comes or goes.
MANIFEST := -DCARREL_TEMPLATE_FILES='"$(sort $(notdir $(wildcard templates/*.mustache)))"' \
	-DCARREL_SCHEMA_FILES='"$(sort $(notdir $(wildcard schema/[0-9]*.sql)))"'
build/manifest: FORCE
	@mkdir -p build
	$(file >$@.new,$(MANIFEST))
	@cmp -s $@.new $@ && rm $@.new || mv $@.new $@
build/rel/lib/check.o build/asan/lib/check.o: build/manifest
build/rel/lib/check.o: RELEASE += $(MANIFEST)
build/asan/lib/check.o: ASAN += $(MANIFEST)

# As root with no DESTDIR it also makes the system user, hands the data
# folder to it and reloads systemd; otherwise (a package build, a test)
# it says what it left out. The configuration and the nginx site are
# installed only when absent: an administrator's edits are never replaced
# (the new versions are always in $(SHAREDIR)/examples to compare).
install: $(INST_BINS) $(INST_FILES)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR)
	install -m 0755 build/inst/bin/carrel $(DESTDIR)$(BINDIR)/carrel
	install -m 0755 build/inst/bin/carrel.fcgi build/inst/bin/carrel-cron $(DESTDIR)$(SBINDIR)/
	rm -rf $(DESTDIR)$(SHAREDIR)
	install -d $(DESTDIR)$(SHAREDIR)/templates $(DESTDIR)$(SHAREDIR)/schema/demo \
		$(DESTDIR)$(SHAREDIR)/static $(DESTDIR)$(SHAREDIR)/examples
	install -m 0644 templates/*.mustache $(DESTDIR)$(SHAREDIR)/templates/
	install -m 0644 schema/*.sql $(DESTDIR)$(SHAREDIR)/schema/
	install -m 0644 schema/demo/* $(DESTDIR)$(SHAREDIR)/schema/demo/
	cd static && find . -type f | while read -r f; do \
		install -D -m 0644 "$$f" "$(DESTDIR)$(SHAREDIR)/static/$$f" || exit 1; done
	install -m 0644 build/inst/carrel.conf build/inst/nginx-site.conf $(DESTDIR)$(SHAREDIR)/examples/
	install -m 0644 build/inst/carrel.service build/inst/carrel-cron.service \
		build/inst/carrel-cron.timer $(DESTDIR)$(UNITDIR)/
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/carrel $(DESTDIR)$(dir $(NGINX_SITE))
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/carrel/carrel.conf ]; then \
		echo "kept $(DESTDIR)$(SYSCONFDIR)/carrel/carrel.conf (this release's is $(SHAREDIR)/examples/carrel.conf)"; \
	else install -m 0640 build/inst/carrel.conf $(DESTDIR)$(SYSCONFDIR)/carrel/carrel.conf && \
		echo "installed $(DESTDIR)$(SYSCONFDIR)/carrel/carrel.conf: edit it, then run carrel check"; fi
	@if [ -e $(DESTDIR)$(NGINX_SITE) ]; then \
		echo "kept $(DESTDIR)$(NGINX_SITE) (this release's is $(SHAREDIR)/examples/nginx-site.conf)"; \
	else install -m 0644 build/inst/nginx-site.conf $(DESTDIR)$(NGINX_SITE) && \
		echo "installed $(DESTDIR)$(NGINX_SITE) (not enabled; see the README)"; fi
	install -d -m 0750 $(DESTDIR)$(STATEDIR)
	install -d -m 2750 $(DESTDIR)$(STATEDIR)/uploads $(DESTDIR)$(STATEDIR)/backups
	@if [ -n "$(DESTDIR)" ] || [ "$$(id -u)" != 0 ]; then \
		echo "not making the system user $(SERVICE_USER) nor setting owners:" \
		     "$(if $(DESTDIR),DESTDIR is set,not root) (see the README, In production)"; \
	else \
		if ! getent passwd $(SERVICE_USER) >/dev/null; then \
			if command -v adduser >/dev/null; then \
				adduser --system --group --home $(STATEDIR) --no-create-home \
					--gecos "Carrel library system" $(SERVICE_USER); \
			else \
				useradd --system --user-group --home-dir $(STATEDIR) \
					--shell /usr/sbin/nologin --comment "Carrel library system" $(SERVICE_USER); \
			fi || exit 1; \
			echo "made the system user $(SERVICE_USER)"; \
		fi; \
		group=$(SERVICE_USER); \
		if getent group $(NGINX_GROUP) >/dev/null; then group=$(NGINX_GROUP); \
		else echo "no group $(NGINX_GROUP) (is nginx installed?): nginx may not reach uploads and backups"; fi; \
		chown root:$(SERVICE_USER) $(SYSCONFDIR)/carrel/carrel.conf && \
		chown $(SERVICE_USER):$$group $(STATEDIR) $(STATEDIR)/uploads $(STATEDIR)/backups || exit 1; \
		if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	fi

uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ] && [ "$$(id -u)" = 0 ]; then \
		systemctl disable --now carrel-cron.timer carrel.service 2>/dev/null || true; fi
	rm -f $(DESTDIR)$(BINDIR)/carrel $(DESTDIR)$(SBINDIR)/carrel.fcgi $(DESTDIR)$(SBINDIR)/carrel-cron
	rm -f $(DESTDIR)$(UNITDIR)/carrel.service $(DESTDIR)$(UNITDIR)/carrel-cron.service \
		$(DESTDIR)$(UNITDIR)/carrel-cron.timer
	rm -rf $(DESTDIR)$(SHAREDIR)
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ] && [ "$$(id -u)" = 0 ]; then \
		systemctl daemon-reload; fi
	@echo "kept: the configuration $(DESTDIR)$(SYSCONFDIR)/carrel/carrel.conf, the nginx site" \
		"$(DESTDIR)$(NGINX_SITE), the data in $(DESTDIR)$(STATEDIR) and the user $(SERVICE_USER);" \
		"remove them by hand when the library's data is no longer wanted"

# Installs only what is missing, so it is quick when nothing is.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	  $$sudo apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q --no-install-recommends $$missing; \
	fi

run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p var
	bin/carrel init --demo
	PORT=$(PORT) CRON_EVERY=60 nginx/serve.sh

unit: deps
	@$(MAKE) --no-print-directory $(UNIT_BINS) $(ASAN_BINS)

test: deps browser-deps
	@$(MAKE) --no-print-directory $(UNIT_BINS) $(ASAN_BINS)
	@$(MAKE) --no-print-directory $(INST_BINS)
	@tests/run.sh $(UNIT_BINS)

# The browser suite's npm tools (playwright-core, axe-core), as pinned in
# tests/browser/package-lock.json; reinstalled when the lock file changes.
# They drive Debian's chromium: no browser is downloaded.
browser-deps: deps tests/browser/node_modules/.package-lock.json

tests/browser/node_modules/.package-lock.json: tests/browser/package-lock.json tests/browser/package.json
	cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	@touch $@

e2e: deps browser-deps
	@$(MAKE) --no-print-directory $(ASAN_BINS)
	@$(MAKE) --no-print-directory $(INST_BINS)
	@tests/run.sh

# The home page against a static file, then catalogue search at 10k, 100k
# and 1M titles (BENCH_SIZES; generated databases are kept in var/bench).
bench: bench-home bench-circulation bench-import bench-catalogue bench-notices bench-ebooks

bench-home: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/bench.sh

bench-circulation: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/circulation.sh

bench-import: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/import.sh

bench-notices: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/notices.sh

# Each staff report page at a million loans (tests/bench/reports.sh).
bench-reports: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/reports.sh

bench-ebooks: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/ebooks.sh

# The JSON API's search and checkout+checkin pairs beside the HTML pages'
# (tests/bench/api.sh).
bench-api: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/api.sh

bench-catalogue: deps
	@$(MAKE) --no-print-directory all build/bench/search_times
	@tests/bench/catalogue.sh

# The search alone, in one process against a bench database (see
# tests/bench/search_times.c); bench-catalogue runs it at every size.
build/bench/search_times: $(call rel_obj,tests/bench/search_times.c $(LIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(RELEASE) $^ -o $@ $(LIBS)

FUZZ_SECONDS ?= 300
fuzz:
	@command -v clang >/dev/null || $(MAKE) --no-print-directory deps DEB_PACKAGES=clang
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
