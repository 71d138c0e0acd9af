#!/usr/bin/env bash
# tests/bench/catalogue.sh: catalogue search through nginx at several
# catalogue sizes: requests per second, p50 and p99 for a mix of searches
# (tests/bench/catalogue.lua over `gen_catalogue --queries`), and the same
# nginx serving a static file the size of a typical result page with the
# same wrk settings; their ratio; and how much slower the largest catalogue
# is than the smallest.
#
#   BENCH_SIZES        titles per run (default "10000 100000 1000000")
#   BENCH_SEED         generator and query seed (42)
#   BENCH_CACHE        generated databases (default var/bench), kept between
#                      runs, keyed by size, seed and a hash of the generator
#                      and the schema; BENCH_REGEN=1 makes them again
#   BENCH_SECONDS (10), BENCH_THREADS (2), BENCH_CONNECTIONS (32)
#   BENCH_WARMUP       seconds of warm-up before each measurement (3; 20 with
#                      BENCH_NGINX_CACHE=1)
#   BENCH_QUERIES      paths in each query list (10000)
#   GEN_CATALOGUE      the generator (default build/bench/gen_catalogue,
#                      compiled here when missing or older than its sources)
#
# Uses the release build in bin/. Every search reaches a worker: the
# application marks nothing cacheable (CARREL_PUBLIC_CACHE_SECONDS=0), and
# every request carries a session cookie that is no session, which makes
# nginx bypass its page cache altogether (with fastcgi_cache_lock on, as
# it once was in nginx/dev.conf, concurrent misses for the same URL waited
# for one another in 500 ms steps and p99 measured that lock rather than
# the workers). BENCH_NGINX_CACHE=1 measures what an anonymous visitor meets in
# production instead: no cookie, and anonymous result pages kept by nginx
# for CARREL_PUBLIC_CACHE_SECONDS (the application's default unless set)
# and refreshed in the background once expired; the "workers" column says how many searches
# still reached a worker. BENCH_FRESH=N (percent, with BENCH_NGINX_CACHE=1)
# makes N requests in a hundred of the measurement searches never asked
# before (a second query list, without the first one's searches), which
# nginx cannot have kept: what a catalogue's new searches cost among the
# repeated ones. Exits non-zero when any answer was not 2xx.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
sizes=${BENCH_SIZES:-10000 100000 1000000}
seed=${BENCH_SEED:-42}
cache=${BENCH_CACHE:-var/bench}
case $cache in /*) ;; *) cache=$root/$cache ;; esac
seconds=${BENCH_SECONDS:-10}
threads=${BENCH_THREADS:-2}
conns=${BENCH_CONNECTIONS:-32}
warmup=${BENCH_WARMUP:-}
nqueries=${BENCH_QUERIES:-10000}
fresh=${BENCH_FRESH:-0}
gen=${GEN_CATALOGUE:-$root/build/bench/gen_catalogue}
lua=$root/tests/bench/catalogue.lua
bypass=(-H "Cookie: carrel_session=bench-not-a-session")
cache_env=(CARREL_PUBLIC_CACHE_SECONDS=0)
if [ "${BENCH_NGINX_CACHE:-0}" = 1 ]; then
    bypass=()
    # The application's own default unless set, and a warm-up long enough
    # for most of the query list to have been asked once.
    cache_env=()
    [ -n "${CARREL_PUBLIC_CACHE_SECONDS:-}" ] &&
        cache_env=(CARREL_PUBLIC_CACHE_SECONDS="$CARREL_PUBLIC_CACHE_SECONDS")
    warmup=${warmup:-20}
fi
warmup=${warmup:-3}

[ -x "$root/bin/carrel.fcgi" ] || { echo "bench: no bin/carrel.fcgi; run make first" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench: wrk is not installed (make deps)" >&2; exit 1; }
mkdir -p "$cache"
src=$root/tests/bench/gen_catalogue.c
gen_src=("$src" "$root/lib/db.c" "$root/lib/arena.c" "$root/lib/catalogue.c")
stale=0
[ -x "$gen" ] || stale=1
for f in "${gen_src[@]}"; do if [ "$f" -nt "$gen" ]; then stale=1; fi; done
if [ -z "${GEN_CATALOGUE:-}" ] && [ $stale = 1 ]; then
    mkdir -p "$(dirname "$gen")"
    echo "bench: compiling $gen"
    ${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -O2 -I"$root/lib" "${gen_src[@]}" \
        -lsqlite3 -o "$gen"
fi
# A database is only as good as the generator, the schema and the bulk
# load (lib/catalogue.c: catalogue_bulk_end) that made it.
key=$(cat "$src" "$root/lib/catalogue.c" "$root"/schema/[0-9]*.sql | sha256sum | cut -c1-10)

work=; serve=
stop_stack() {
    if [ -n "$serve" ]; then
        kill -TERM "$serve" 2>/dev/null || true
        wait "$serve" 2>/dev/null || true
        serve=
    fi
}
cleanup() {
    stop_stack
    [ -n "$work" ] && rm -rf "$work"
    work=
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wrk with the Lua script over a list of paths; the summary goes to
# $work/wrk.out. Returns non-zero when an answer was not 2xx.
run_wrk() {   # list seconds [fresh list]
    CARREL_BENCH_QUERIES=$1 CARREL_BENCH_SEED=$seed CARREL_BENCH_THREADS=$threads \
    CARREL_BENCH_FRESH=${3:-} CARREL_BENCH_FRESH_PERCENT=$fresh \
        wrk -t"$threads" -c"$conns" -d"$2s" --latency "${bypass[@]}" -s "$lua" "$base" \
        > "$work/wrk.out" 2>&1 || {
        cat "$work/wrk.out" >&2; echo "bench: wrk failed" >&2; exit 1; }
    grep -q '^carrel-bench requests=' "$work/wrk.out" || {
        cat "$work/wrk.out" >&2; echo "bench: no summary from catalogue.lua" >&2; exit 1; }
    [ "$(field non2xx)" = 0 ]
}
field() {     # name -> value from the last wrk summary
    awk -v k="$1" '$1 == "carrel-bench" && $2 ~ /^requests=/ {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$work/wrk.out"
}
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }

declare -A rps p50 p99 worker srps sp99 ratio bytes gentime errors reached share alone
failed=0
for n in $sizes; do
    db=$cache/catalogue-$n-s$seed-$key.db
    if [ "${BENCH_REGEN:-0}" = 1 ] || [ ! -s "$db" ]; then
        rm -f "$cache/catalogue-$n-s$seed-"*
        echo "bench: generating $n titles into $db"
        "$gen" --schema "$root/schema" "$db.tmp" "$n" "$seed" > "$db.gen.tmp"
        cat "$db.gen.tmp"
        rm -f "$db.tmp-wal" "$db.tmp-shm"
        mv "$db.tmp" "$db"
        mv "$db.gen.tmp" "$db.gen"
    fi
    gentime[$n]=$(sed -n 's/.*; \([0-9.]*\) s (seed.*/\1/p' "$db.gen" 2>/dev/null || true)
    queries=${db%.db}.queries
    if [ ! -s "$queries" ] || [ "$(wc -l < "$queries")" -ne "$nqueries" ]; then
        "$gen" --queries "$db" "$nqueries" "$seed" > "$queries.tmp"
        mv "$queries.tmp" "$queries"
    fi
    # Searches for BENCH_FRESH: another seed's, each once, none of the first list's.
    fresh_list=${db%.db}.fresh
    if [ "$fresh" != 0 ] && [ ! -s "$fresh_list" ]; then
        "$gen" --queries "$db" 50000 "$((seed + 1))" |
            awk 'NR == FNR { seen[$0] = 1; next } !seen[$0]++' "$queries" - > "$fresh_list.tmp"
        mv "$fresh_list.tmp" "$fresh_list"
    fi

    work=$(mktemp -d "${TMPDIR:-/tmp}/carrel-bench-cat.XXXXXX")
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    base=http://127.0.0.1:$port
    cp -r "$root/static" "$work/static"
    env ${cache_env[@]+"${cache_env[@]}"} \
    CARREL_DB=$db CARREL_SOCKET=$work/carrel.sock \
    CARREL_SCHEMA=$root/schema CARREL_TEMPLATES=$root/templates \
    PORT=$port VAR=$work STATIC=$work/static NGINX_WORKERS=1 \
        "$root/nginx/serve.sh" > "$work/server.log" 2>&1 &
    serve=$!
    up=0
    for _ in $(seq 600); do
        curl -fs "$base/healthz" >/dev/null 2>&1 && { up=1; break; }
        kill -0 "$serve" 2>/dev/null || break
        sleep 0.05
    done
    [ $up = 1 ] || { cat "$work/server.log" >&2; echo "bench: the stack did not start" >&2; exit 1; }

    first=$(head -n 1 "$queries")
    code=$(curl -s -o /dev/null -w '%{http_code}' "$base$first")
    if [ "$code" != 200 ]; then
        echo "bench: GET $first answered $code; is the catalogue search page built?" >&2
        exit 1
    fi

    # The static twin: the median of the first 25 result pages by size.
    k=0
    while read -r path; do
        k=$((k + 1))
        curl -fs -o "$work/page.$k" "$base$path" && echo "$(stat -c %s "$work/page.$k") $work/page.$k"
    done < <(head -n 25 "$queries") | sort -n > "$work/pages"
    median=$(awk '{ line[NR] = $2 } END { print line[int((NR + 1) / 2)] }' "$work/pages")
    [ -n "$median" ] || { echo "bench: could not fetch result pages" >&2; exit 1; }
    cp "$median" "$work/static/bench.html"
    bytes[$n]=$(stat -c %s "$work/static/bench.html")
    echo /static/bench.html > "$work/static.list"

    echo "bench: $n titles: warming up ${warmup}s, measuring ${seconds}s"
    run_wrk "$queries" "$warmup" || true
    logged=$(wc -l < "$work/server.log")
    if run_wrk "$queries" "$seconds" "$([ "$fresh" != 0 ] && echo "$fresh_list")"; then errors[$n]=0; else
        errors[$n]=$(field non2xx); failed=1
        grep '^carrel-bench status' "$work/wrk.out" >&2
        echo "bench: $n titles: ${errors[$n]} answers were not 2xx" >&2
    fi
    rps[$n]=$(field rps); p50[$n]=$(field p50_us); p99[$n]=$(field p99_us)
    # The workers' own time per search, from their log lines
    # ("GET /catalogue 200 1234us"): what the search costs without queueing.
    worker[$n]=$(tail -n +"$((logged + 1))" "$work/server.log" |
        sed -n 's|^GET /catalogue [0-9]* \([0-9]*\)us$|\1|p' | sort -n |
        awk '{ v[NR] = $1 } END { if (NR) printf "%.2f/%.2f", v[int(NR * 0.5) + 1] / 1000, v[int(NR * 0.99) + 1] / 1000 }')
    # How many of the searches reached a worker (all of them, unless
    # nginx's page cache is on).
    reached[$n]=$(tail -n +"$((logged + 1))" "$work/server.log" | grep -c '^GET /catalogue ' || true)
    share[$n]=$(awk -v w="${reached[$n]}" -v r="$(field requests)" \
        'BEGIN { printf "%.0f%%", (r > 0 ? 100 * w / r : 0) }')
    [ "$(field socket_errors)" = 0 ] || echo "bench: $n titles: $(field socket_errors) socket errors" >&2

    # The search alone, without nginx, FastCGI or the page: search_run()
    # over the same list in one process (tests/bench/search_times.c).
    if [ -x "$root/build/bench/search_times" ]; then
        alone[$n]=$("$root/build/bench/search_times" "$db" "$queries" 2 |
            sed -n 's/.*mean \([0-9]*\) us, p50 [0-9]*, p90 [0-9]*, p99 \([0-9]*\),.*/\1\/\2/p')
    fi

    run_wrk "$work/static.list" 1 || true
    if ! run_wrk "$work/static.list" "$seconds"; then
        failed=1; grep '^carrel-bench status' "$work/wrk.out" >&2
        echo "bench: the static file answered non-2xx" >&2
    fi
    srps[$n]=$(field rps); sp99[$n]=$(field p99_us)
    ratio[$n]=$(awk -v a="${rps[$n]}" -v b="${srps[$n]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    echo "bench: $n titles: search ${rps[$n]} req/s, p50 $(ms "${p50[$n]}") ms," \
         "p99 $(ms "${p99[$n]}") ms, worker p50/p99 ${worker[$n]:--} ms;" \
         "static ${srps[$n]} req/s (${bytes[$n]} bytes); ratio ${ratio[$n]}"
    cleanup
done

echo
echo "carrel catalogue bench: wrk -t$threads -c$conns -d${seconds}s, $nqueries queries (seed $seed)," \
     "nginx 1 worker, page cache $([ ${#bypass[@]} = 0 ] && echo "on, warmed ${warmup} s, refreshed in the background" || echo bypassed)$([ "$fresh" != 0 ] && echo ", ${fresh} % of searches new"), $(nproc) cores"
printf '  %9s %12s %8s %8s %13s %8s %12s %10s %6s %7s %10s\n' titles "search req/s" "p50 ms" "p99 ms" \
    "worker p50/99" "workers" "static req/s" "static p99" ratio "page B" "generated"
for n in $sizes; do
    printf '  %9s %12.0f %8s %8s %13s %8s %12.0f %10s %6s %7s %10s\n' "$n" "${rps[$n]}" "$(ms "${p50[$n]}")" \
        "$(ms "${p99[$n]}")" "${worker[$n]:--}" "${share[$n]}" "${srps[$n]}" "$(ms "${sp99[$n]}")" \
        "${ratio[$n]}" "${bytes[$n]}" "${gentime[$n]:+${gentime[$n]} s}"
done
echo "  (workers: the share of searches that reached a worker rather than nginx's page cache)"
echo "  the search alone (search_run in one process, no nginx, FastCGI or page), mean/p99 us:"
for n in $sizes; do
    printf '  %9s %12s\n' "$n" "${alone[$n]:--}"
done
set -- $sizes
smallest=$1; largest=${!#}
if [ "$smallest" != "$largest" ]; then
    awk -v a="${rps[$smallest]}" -v b="${rps[$largest]}" -v s="$smallest" -v l="$largest" \
        'BEGIN { printf "  slowdown %s -> %s titles: %.2fx (search req/s at %s / at %s; target: flat, 1.00)\n", s, l, a / b, s, l }'
fi
echo "  targets at 1,000,000 titles: ratio >= 0.5, p99 < 10 ms"
[ $failed = 0 ] || { echo "bench: some answers were not 2xx" >&2; exit 1; }
