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
