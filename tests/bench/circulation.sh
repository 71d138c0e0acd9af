#!/usr/bin/env bash
# tests/bench/circulation.sh: checkout+checkin pairs a second through nginx
# (wrk, BENCH_THREADS threads of one connection each, BENCH_SECONDS), with
# the release build, on a small catalogue made here. Each thread lends and
# takes back its own copies, so every request is a real state change; a
# refused request is counted and makes the run fail. BENCH_LOG names a file
# to keep the server's log in (one line a request, with its microseconds).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${BENCH_SECONDS:-10}
threads=${BENCH_THREADS:-8}
copies=10
work=$(mktemp -d "${TMPDIR:-/tmp}/carrel-circ-bench.XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export CARREL_DB=$work/carrel.db CARREL_SOCKET=$work/carrel.sock
export CARREL_SCHEMA=$root/schema CARREL_TEMPLATES=$root/templates
"$root/bin/carrel" migrate > /dev/null
echo "bench password 1" | "$root/bin/carrel" user add --email desk@example.org \
    --name "Bench Desk" --role librarian > /dev/null
echo "bench password 1" | "$root/bin/carrel" user add --email bench@example.org \
    --name "Bench Member" --plan Student > /dev/null
python3 - "$CARREL_DB" "$threads" "$copies" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
threads, copies = int(sys.argv[2]), int(sys.argv[3])
# One member borrows everything: lift the loan limit for the bench.
db.execute("UPDATE circ_rule SET max_loans = 1000")
for t in range(threads):
    cur = db.execute("INSERT INTO title(title, created_at, updated_at) VALUES (?, 0, 0)",
                     ("Bench Title %d" % t,))
    for k in range(copies):
        db.execute("INSERT INTO copy(barcode, title_id, created_at) VALUES (?, ?, 0)",
                   ("B%d-%d" % (t, k), cur.lastrowid))
db.commit()
PY
PORT=$port VAR=$work NGINX_WORKERS=1 "$root/nginx/serve.sh" > "$work/server.log" 2>&1 &
serve=$!
# On the way out: stop the stack, show any answer that was not a redirect
# (none is the good case, so grep finding nothing is no failure), tidy up.
finish() {
    kill -TERM "$serve" 2>/dev/null || true
    wait "$serve" 2>/dev/null || true
    { grep -E "^POST [^ ]+ [^3]" "$work/server.log" || true; } | sort | uniq -c | head -5
    if [ -n "${BENCH_LOG:-}" ]; then cp "$work/server.log" "$BENCH_LOG"; fi
    rm -rf "$work"
}
trap finish EXIT
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.05
done
csrf=$(curl -fs -c "$work/jar" "http://127.0.0.1:$port/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p')
curl -fs -b "$work/jar" -c "$work/jar" -o /dev/null --data-urlencode "email=desk@example.org" \
    --data-urlencode "password=bench password 1" --data-urlencode "csrf=$csrf" \
    "http://127.0.0.1:$port/login"
session=$(awk '$6 == "carrel_session" {print $7}' "$work/jar")
token=$(curl -fs -b "carrel_session=$session" "http://127.0.0.1:$port/staff/checkout" \
    | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
[ -n "$token" ] || { echo "bench: could not log in" >&2; exit 1; }
out=$(CARREL_BENCH_COOKIE="carrel_session=$session" CARREL_BENCH_CSRF=$token \
    CARREL_BENCH_COPIES=$copies wrk -t"$threads" -c"$threads" -d"${seconds}s" --latency \
    -s "$root/tests/bench/circulation.lua" "http://127.0.0.1:$port/")
line=$(echo "$out" | grep '^carrel-bench')
echo "carrel circulation bench: wrk -t$threads -c$threads -d${seconds}s, $(nproc) cores"
echo "  $line"
loans=$(sqlite3 "$CARREL_DB" "SELECT count(*) FROM loan" 2>/dev/null || echo "?")
echo "  loans recorded: $loans (target: 2000 pairs a second or more)"
echo "$line" | grep -q 'refused=0' || { echo "bench: some requests were refused" >&2; exit 1; }
