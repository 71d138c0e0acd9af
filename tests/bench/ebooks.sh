#!/usr/bin/env bash
# tests/bench/ebooks.sh: reading an e-book through nginx. A member with a
# live grant asks GET /ebooks/{id}/read for a 4 MB PDF, whole and as 64 KB
# ranges, BENCH_SECONDS each with wrk; beside them nginx serves the same
# file as a plain static file. The worker only checks the grant and records
# the reading; nginx streams the bytes (X-Accel-Redirect), so the ratio to
# the static file shows what the check costs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${BENCH_SECONDS:-10}
work=$(mktemp -d "${TMPDIR:-/tmp}/carrel-ebook-bench.XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export CARREL_DB=$work/carrel.db CARREL_SOCKET=$work/carrel.sock CARREL_UPLOADS=$work/uploads
export CARREL_SCHEMA=$root/schema CARREL_TEMPLATES=$root/templates
"$root/bin/carrel" migrate > /dev/null
echo "bench password 1" | "$root/bin/carrel" user add --email reader@example.org \
    --name "Bench Reader" --plan Student > /dev/null
# A PDF of 200 pages of 20 KB each: real enough for qpdf, about 4 MB.
python3 - "$work/book.pdf" <<'PY'
import sys
pages, objs = 200, []
filler = b"%" + b"x" * 20000 + b"\n"
objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
objs.append(b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages)
for i in range(pages):
    objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>\n" + filler)
out, offsets = bytearray(b"%PDF-1.4\n"), []
for n, body in enumerate(objs, 1):
    offsets.append(len(out))
    out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
for off in offsets:
    out += b"%010d 00000 n \n" % off
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
open(sys.argv[1], "wb").write(out)
PY
tid=$(sqlite3 "$CARREL_DB" "INSERT INTO title(title, format, created_at, updated_at) VALUES ('Bench E-book', 'ebook', 0, 0) RETURNING id")
"$root/bin/carrel" ebook attach "$tid" "$work/book.pdf" > /dev/null
sqlite3 "$CARREL_DB" "INSERT INTO ebook_loan(title_id, account_id, status, requested_at, decided_at, access_until, loan_days) SELECT $tid, id, 'granted', 0, 0, strftime('%s','now') + 86400, 14 FROM account WHERE email = 'reader@example.org'"
mkdir -p "$work/static"
cp "$work/book.pdf" "$root/static/.bench-book.pdf"
PORT=$port VAR=$work NGINX_WORKERS=1 "$root/nginx/serve.sh" > "$work/server.log" 2>&1 &
serve=$!
finish() {
    kill -TERM "$serve" 2>/dev/null || true
    wait "$serve" 2>/dev/null || true
    rm -f "$root/static/.bench-book.pdf"
    rm -rf "$work"
}
trap finish EXIT
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.05
done
csrf=$(curl -fs -c "$work/jar" "http://127.0.0.1:$port/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p')
curl -fs -b "$work/jar" -c "$work/jar" -o /dev/null --data-urlencode "email=reader@example.org" \
    --data-urlencode "password=bench password 1" --data-urlencode "csrf=$csrf" \
    "http://127.0.0.1:$port/login"
session=$(awk '$6 == "carrel_session" {print $7}' "$work/jar")
code=$(curl -s -o /dev/null -w '%{http_code}' -b "carrel_session=$session" \
    "http://127.0.0.1:$port/ebooks/$tid/read")
[ "$code" = 200 ] || { echo "bench: the reader answered $code" >&2; exit 1; }
run() {   # label, url, extra header
    local out
    out=$(wrk -t2 -c4 -d"${seconds}s" --latency -H "Cookie: carrel_session=$session" \
        ${3:+-H "$3"} "$2")
    printf '  %-34s %10s req/s  p50 %8s  p99 %8s  %s/s\n' "$1" \
        "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
        "$(echo "$out" | awk '$1 == "50%" {print $2}')" \
        "$(echo "$out" | awk '$1 == "99%" {print $2}')" \
        "$(echo "$out" | awk '/Transfer\/sec/ {print $2}')"
}
echo "carrel e-book bench: wrk -t2 -c4 -d${seconds}s, a $(($(stat -c %s "$work/book.pdf") / 1024)) KB PDF, $(nproc) cores"
run "static file, whole" "http://127.0.0.1:$port/static/.bench-book.pdf"
run "/ebooks/{id}/read, whole" "http://127.0.0.1:$port/ebooks/$tid/read"
run "static file, 64 KB range" "http://127.0.0.1:$port/static/.bench-book.pdf" "Range: bytes=65536-131071"
run "/ebooks/{id}/read, 64 KB range" "http://127.0.0.1:$port/ebooks/$tid/read" "Range: bytes=65536-131071"
echo "  readings recorded: $(sqlite3 "$CARREL_DB" "SELECT count(*) FROM ebook_access")"
