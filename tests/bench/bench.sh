#!/usr/bin/env bash
# tests/bench/bench.sh: requests per second through nginx for the home page
# and for a static file of the same size served by the same nginx, their
# ratio, the workers' resident memory and the master's start-up time.
#
#   BENCH_SECONDS (default 10), BENCH_THREADS (2), BENCH_CONNECTIONS (32)
# Uses the release build in bin/ and a demo library in a temporary folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${BENCH_SECONDS:-10}
threads=${BENCH_THREADS:-2}
conns=${BENCH_CONNECTIONS:-32}
work=$(mktemp -d "${TMPDIR:-/tmp}/carrel-bench.XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

export CARREL_DB=$work/carrel.db CARREL_SOCKET=$work/carrel.sock
export CARREL_SCHEMA=$root/schema CARREL_TEMPLATES=$root/templates
"$root/bin/carrel" init --demo > "$work/init.log"

# The static twin lives in a copy of static/ so the tree is not touched.
cp -r "$root/static" "$work/static"

# Start-up: from exec to the socket accepting a connection, best of five.
# Timed from one process that starts the master and then tries to connect
# every 0.2 ms: timing with date(1) and polling with sleep(1) added the
# start-up of those programs, several milliseconds each.
best=$(python3 - "$root/bin/carrel.fcgi" "$CARREL_SOCKET" <<'PY'
import os, signal, socket, subprocess, sys, time
binary, path = sys.argv[1], sys.argv[2]
best = None
for _ in range(5):
    if os.path.exists(path):
        os.unlink(path)
    t0 = time.monotonic()
    p = subprocess.Popen([binary], stderr=subprocess.DEVNULL)
    while True:
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(path)
            break
        except OSError:
            time.sleep(0.0002)
        finally:
            s.close()
        if time.monotonic() - t0 > 10:
            sys.exit("bench: carrel.fcgi did not start")
    us = int((time.monotonic() - t0) * 1e6)
    p.send_signal(signal.SIGTERM)
    p.wait()
    best = us if best is None else min(best, us)
print(best)
PY
)

PORT=$port VAR=$work STATIC=$work/static NGINX_WORKERS=1 \
    "$root/nginx/serve.sh" > "$work/server.log" 2>&1 &
serve=$!
trap 'kill -TERM $serve 2>/dev/null; wait $serve 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.05
done
curl -fs "http://127.0.0.1:$port/" > "$work/static/bench-home.html"
size=$(stat -c %s "$work/static/bench-home.html")

# A logged-in member: their pages are never cached, so this measures the
# workers themselves.
echo "bench password 1" | "$root/bin/carrel" user add --email bench@example.org \
    --name "Bench Member" > /dev/null
csrf=$(curl -fs -c "$work/jar" "http://127.0.0.1:$port/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p')
curl -fs -b "$work/jar" -c "$work/jar" -o /dev/null \
    --data-urlencode "email=bench@example.org" --data-urlencode "password=bench password 1" \
    --data-urlencode "csrf=$csrf" "http://127.0.0.1:$port/login"
session=$(awk '$6 == "carrel_session" {print $7}' "$work/jar")
[ -n "$session" ] || { echo "bench: could not log in" >&2; exit 1; }

rate() {   # url [header] -> requests per second
    wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency ${2:+-H "$2"} "$1" > "$work/wrk.out"
    grep -q 'Non-2xx' "$work/wrk.out" && { cat "$work/wrk.out" >&2; echo "bench: errors" >&2; exit 1; }
    awk '/Requests\/sec/ {print $2}' "$work/wrk.out"
}
latency() { awk '/ 99%/ {print $2}' "$work/wrk.out"; }

home=$(rate "http://127.0.0.1:$port/");   home_p99=$(latency)
member=$(rate "http://127.0.0.1:$port/" "Cookie: carrel_session=$session"); member_p99=$(latency)
static=$(rate "http://127.0.0.1:$port/static/bench-home.html"); static_p99=$(latency)
ratio=$(awk -v a="$home" -v b="$static" 'BEGIN {printf "%.2f", a / b}')
member_ratio=$(awk -v a="$member" -v b="$static" 'BEGIN {printf "%.2f", a / b}')

master=$(sed -n 's/^carrel: master \([0-9]*\) serving.*/\1/p' "$work/server.log")
rss=""
for p in $(pgrep -P "$master"); do
    rss="$rss $(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' /proc/$p/status)MB"
done

echo "carrel bench: wrk -t$threads -c$conns -d${seconds}s, nginx 1 worker, $(nproc) cores"
printf '  home page, anonymous (%d bytes, nginx microcache) %8.0f req/s  p99 %s\n' "$size" "$home" "$home_p99"
printf '  home page, logged-in member (every request a worker) %6.0f req/s  p99 %s\n' "$member" "$member_p99"
printf '  static file of the same size                    %8.0f req/s  p99 %s\n' "$static" "$static_p99"
echo   "  ratio anonymous home/static  $ratio (target >= 0.5)"
echo   "  ratio member home/static     $member_ratio"
echo   "  worker resident memory    $rss (target < 8 MB each)"
echo   "  master start-up            $(awk -v u=$best 'BEGIN {printf "%.1f", u / 1000}') ms (best of 5; target < 50 ms)"
