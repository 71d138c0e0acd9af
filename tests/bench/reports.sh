#!/usr/bin/env bash
# tests/bench/reports.sh: each staff report page through nginx at a million
# loans, with the release build. Builds a library in one SQL transaction
# (BENCH_TITLES titles with two copies each, BENCH_MEMBERS members,
# BENCH_LOANS loans spread over the last two years, one in ten renewed,
# fines and payments), with the reports' triggers on, so the summary they
# read is the one the triggers keep. Then wrk (BENCH_THREADS threads,
# BENCH_CONNS connections, BENCH_SECONDS a page) on each report as a
# librarian: p50, p99 and requests a second. A page answering anything but
# 200 fails the run. The generated database is kept in var/bench/reports.db
# (remove it to build it again); BENCH_BUILD_ONLY=1 stops there.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
titles=${BENCH_TITLES:-100000}
members=${BENCH_MEMBERS:-20000}
loans=${BENCH_LOANS:-1000000}
seconds=${BENCH_SECONDS:-5}
threads=${BENCH_THREADS:-2}
conns=${BENCH_CONNS:-4}
command -v wrk >/dev/null || { echo "bench: wrk is not installed (make deps)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/carrel-reports-bench.XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
kept=$root/var/bench/reports-$loans.db
mkdir -p "$root/var/bench"
export CARREL_DB=$kept CARREL_SOCKET=$work/carrel.sock
export CARREL_SCHEMA=$root/schema CARREL_TEMPLATES=$root/templates
export CARREL_UPLOADS=$work/uploads
mkdir -p "$CARREL_UPLOADS"

if [ ! -s "$kept" ]; then
    start=$(date +%s)
    "$root/bin/carrel" migrate > /dev/null
    today=$(date +%F)
    sqlite3 "$kept" <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12)
INSERT INTO section(name) SELECT 'Bench Section ' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
INSERT INTO author(name) SELECT 'Bench Author ' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $titles)
INSERT INTO title(title, section_id, created_at, updated_at)
  SELECT 'Bench Title ' || i, 1 + i % 12, 0, 0 FROM n;
INSERT INTO title_author(title_id, author_id, position) SELECT id, 1 + id % 2000, 1 FROM title;
INSERT INTO copy(barcode, title_id, item_type, status, acquired_on, cost_cents, created_at)
  SELECT 'BC' || id || '-' || k, id, CASE WHEN id % 10 = 0 THEN 'dvd' ELSE 'book' END,
    CASE WHEN id % 97 = 0 THEN 'lost' WHEN id % 89 = 0 THEN 'damaged' ELSE 'available' END,
    date('$today', '-' || ((id * 7 + k) % 1460) || ' days'), 500 + id % 3000, 0
  FROM title, (SELECT 0 AS k UNION ALL SELECT 1);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $members)
INSERT INTO account(email, name, password_hash, role, category, card_number, created_at,
    updated_at, member_until)
  SELECT 'reader' || i || '@bench.example', 'Bench Reader ' || i, '\$argon2id\$bench', 'member',
    CASE WHEN i % 5 = 0 THEN 'child' ELSE 'adult' END, 'B' || i,
    unixepoch('$today') - (i % 730) * 86400, 0, date('$today', '+' || (i % 400 - 30) || ' days')
  FROM n;
CREATE TEMP TABLE bench_copy(k INTEGER PRIMARY KEY, id INTEGER);
INSERT INTO bench_copy SELECT row_number() OVER (ORDER BY id) - 1, id FROM copy;
CREATE TEMP TABLE bench_member(k INTEGER PRIMARY KEY, id INTEGER);
INSERT INTO bench_member
  SELECT row_number() OVER (ORDER BY id) - 1, id FROM account WHERE role = 'member';
-- Every loan returned (a copy is on one open loan at most), over 730 days.
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $loans - 1)
INSERT INTO loan(copy_id, account_id, loaned_at, loan_day, due_day, returned_at, return_day,
    rule_category, rule_item_type, loan_days, max_renewals, fine_per_day_cents, grace_days,
    fine_cap_cents, fine_cents)
  SELECT c.id, m.id, unixepoch(d.day) + 36000, d.day, date(d.day, '+21 days'),
    unixepoch(d.back) + 50000, d.back, '*', '*', 21, 3, 25, 1, 1000, 0
  FROM (SELECT i, day, min(date(day, '+' || (3 + i % 20) || ' days'), '$today') AS back
        FROM (SELECT i, date('$today', '-' || (i % 730) || ' days') AS day FROM n)) d
  JOIN bench_copy c ON c.k = (d.i * 7919) % (SELECT count(*) FROM bench_copy)
  JOIN bench_member m ON m.k = d.i % $members;
-- One in ten renewed: the trigger records each renewal, as the desk's would.
UPDATE loan SET renewals = 1, last_renewed_day = date(loan_day, '+2 days') WHERE id % 10 = 0;
INSERT INTO fine(account_id, loan_id, kind, amount_cents, reason, at)
  SELECT account_id, id, 'accrued', 25 * (1 + id % 8), 'Overdue', returned_at
  FROM loan WHERE id % 20 = 0;
INSERT INTO payment(account_id, amount_cents, purpose, method, status, reference, created_at,
    completed_at)
  SELECT account_id, 25 * (1 + id % 8), 'fine', CASE id % 3 WHEN 0 THEN 'cash'
    WHEN 1 THEN 'card' ELSE 'online' END, 'completed', 'BP' || id, returned_at + 600,
    returned_at + 600
  FROM loan WHERE id % 40 = 0;
INSERT INTO fine(account_id, loan_id, kind, amount_cents, reason, at, payment_id)
  SELECT account_id, NULL, 'paid', -amount_cents, '', completed_at, id FROM payment;
COMMIT;
SQL
    echo "bench: built $kept in $(( $(date +%s) - start )) s"
fi
[ -z "${BENCH_BUILD_ONLY:-}" ] || exit 0
# A database kept from an earlier run takes the migrations added since.
"$root/bin/carrel" migrate > /dev/null
echo "bench password 1" | "$root/bin/carrel" user add --email desk@bench.example \
    --name "Bench Desk" --role librarian > /dev/null 2>&1 || true

PORT=$port VAR=$work NGINX_WORKERS=1 "$root/nginx/serve.sh" > "$work/server.log" 2>&1 &
serve=$!
finish() {
    kill -TERM "$serve" 2>/dev/null || true
    wait "$serve" 2>/dev/null || true
    rm -rf "$work"
}
trap finish EXIT
for _ in $(seq 200); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.05
done
csrf=$(curl -fs -c "$work/jar" "http://127.0.0.1:$port/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p')
curl -fs -b "$work/jar" -c "$work/jar" -o /dev/null --data-urlencode "email=desk@bench.example" \
    --data-urlencode "password=bench password 1" --data-urlencode "csrf=$csrf" \
    "http://127.0.0.1:$port/login"
session=$(awk '$6 == "carrel_session" {print $7}' "$work/jar")
[ -n "$session" ] || { echo "bench: could not log in" >&2; exit 1; }

year_ago=$(date -d '-364 days' +%F)
member=$(sqlite3 "$kept" "SELECT card_number FROM account WHERE role = 'member' LIMIT 1")
pages=(
    "/staff/reports"
    "/staff/reports/circulation"
    "/staff/reports/circulation?from=$year_ago&group=month"
    "/staff/reports/circulation?category=child&item_type=dvd"
    "/staff/reports/popular-titles"
    "/staff/reports/popular-titles?from=$year_ago"
    "/staff/reports/popular-authors"
    "/staff/reports/popular-sections"
    "/staff/reports/stock"
    "/staff/reports/never-borrowed"
    "/staff/reports/acquisitions?from=$year_ago&group=month"
    "/staff/reports/members"
    "/staff/reports/member-history?member=$member&from=$year_ago"
    "/staff/reports/fines"
    "/staff/reports/fines?from=$year_ago&group=month"
    "/staff/reports/circulation?format=csv"
    "/staff/reports/popular-titles?format=xlsx"
)
n=$(sqlite3 "$kept" "SELECT count(*) FROM loan")
echo "carrel reports bench: $n loans, wrk -t$threads -c$conns -d${seconds}s a page, $(nproc) cores"
printf '%-62s %9s %9s %9s\n' "page" "p50" "p99" "req/s"
for page in "${pages[@]}"; do
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: carrel_session=$session" \
        "http://127.0.0.1:$port$page")
    [ "$status" = 200 ] || { echo "bench: $page answered $status" >&2; exit 1; }
    out=$(wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency \
        -H "Cookie: carrel_session=$session" "http://127.0.0.1:$port$page")
    if echo "$out" | grep -q "Non-2xx"; then
        echo "$out" >&2; echo "bench: $page answered non-2xx" >&2; exit 1
    fi
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    rps=$(echo "$out" | awk '$1 == "Requests/sec:" {print $2}')
    printf '%-62s %9s %9s %9s\n' "${page/$year_ago/YEAR_AGO}" "$p50" "$p99" "$rps"
done
