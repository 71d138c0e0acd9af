#!/usr/bin/env bash
# tests/bench/api.sh: the JSON API beside the HTML pages, through nginx with
# the release build (wrk, BENCH_THREADS connections, BENCH_SECONDS each):
#   search    GET /catalogue?q=  and  GET /api/v1/catalogue?q=  (public)
#   checkout  checkout+checkin pairs at the desk's forms (circulation.lua)
#             and through POST /api/v1/checkouts and /api/v1/checkins with
#             a librarian's read-write token (api_circulation.lua)
# on a small catalogue made here. A refused pair request makes the run fail.
# Every search reaches a worker, as in catalogue.sh: the application marks
# nothing cacheable (CARREL_PUBLIC_CACHE_SECONDS=0) and the HTML search
# carries a cookie that is no session, so nginx's page cache is bypassed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${BENCH_SECONDS:-10}
threads=${BENCH_THREADS:-8}
copies=10
work=$(mktemp -d "${TMPDIR:-/tmp}/carrel-api-bench.XXXXXX")
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
# One member borrows everything, and one token asks as often as it likes.
db.execute("UPDATE circ_rule SET max_loans = 1000")
db.execute("INSERT OR REPLACE INTO setting(key, value) VALUES ('api.requests_per_minute', '100000')")
words = ["Harbour", "Lantern", "Meadow", "Quarry", "Orchard", "Tundra", "Glacier", "Summit"]
for i in range(2000):
    db.execute("INSERT INTO title(title, created_at, updated_at) VALUES (?, 0, 0)",
               ("%s of the %s %d" % (words[i % 8], words[(i // 8) % 8], i),))
for t in range(threads):
    cur = db.execute("INSERT INTO title(title, created_at, updated_at) VALUES (?, 0, 0)",
                     ("Bench Title %d" % t,))
    for k in range(copies):
        for prefix in ("B", "A"):   # B: the pages' copies, A: the API's
            db.execute("INSERT INTO copy(barcode, title_id, created_at) VALUES (?, ?, 0)",
                       ("%s%d-%d" % (prefix, t, k), cur.lastrowid))
db.commit()
PY
CARREL_PUBLIC_CACHE_SECONDS=0 PORT=$port VAR=$work NGINX_WORKERS=1 "$root/nginx/serve.sh" > "$work/server.log" 2>&1 &
serve=$!
finish() {
    kill -TERM "$serve" 2>/dev/null || true
    wait "$serve" 2>/dev/null || true
    rm -rf "$work"
}
trap finish EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 100); do
    curl -fs "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.05
done
# The desk's session and form token, and a read-write API token made on
# its profile page (shown once, in that answer).
csrf=$(curl -fs -c "$work/jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p')
curl -fs -b "$work/jar" -c "$work/jar" -o /dev/null --data-urlencode "email=desk@example.org" \
    --data-urlencode "password=bench password 1" --data-urlencode "csrf=$csrf" "$base/login"
session=$(awk '$6 == "carrel_session" {print $7}' "$work/jar")
form=$(curl -fs -b "carrel_session=$session" "$base/staff/checkout" \
    | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
[ -n "$form" ] || { echo "bench: could not log in" >&2; exit 1; }
profile=$(curl -fs -b "carrel_session=$session" "$base/account/profile" \
    | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
token=$(curl -s -b "carrel_session=$session" --data-urlencode "token_name=Bench" \
    --data-urlencode "token_scope=read-write" --data-urlencode "token_days=30" \
    --data-urlencode "csrf=$profile" "$base/account/api-tokens" \
    | grep -o 'carrel_[A-Za-z0-9_-]\{43\}' | head -1)
[ -n "$token" ] || { echo "bench: could not make an API token" >&2; exit 1; }

echo "carrel API bench: wrk -t$threads -c$threads -d${seconds}s each, $(nproc) cores"
rate() {  # requests a second of a plain wrk run
    wrk -t"$threads" -c"$threads" -d"${seconds}s" "$@" | awk '/^Requests\/sec/ {print $2}'
}
echo "  search   HTML /catalogue?q=harbour         $(rate -H "Cookie: carrel_session=bench-not-a-session" "$base/catalogue?q=harbour") requests/s"
echo "  search   API  /api/v1/catalogue?q=harbour  $(rate "$base/api/v1/catalogue?q=harbour") requests/s"
pairs() {  # the carrel-bench line of a pairs script, failing on refusals
    local line
    line=$(wrk -t"$threads" -c"$threads" -d"${seconds}s" --latency -s "$1" "$base/" \
        | grep '^carrel-bench')
    echo "$line"
    echo "$line" | grep -q 'refused=0' || { echo "bench: some requests were refused" >&2; return 1; }
}
echo "  checkout HTML forms  $(CARREL_BENCH_COOKIE="carrel_session=$session" \
    CARREL_BENCH_CSRF=$form CARREL_BENCH_COPIES=$copies pairs "$root/tests/bench/circulation.lua")"
echo "  checkout API         $(CARREL_BENCH_TOKEN=$token CARREL_BENCH_COPIES=$copies \
    pairs "$root/tests/bench/api_circulation.lua")"
