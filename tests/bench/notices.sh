#!/usr/bin/env bash
# tests/bench/notices.sh: carrel-cron at scale, with the release build.
# Imports 100,000 titles with copies and 100,000 members, lends every copy
# (100,000 open loans, one in ten due in two days), then times:
#   - `carrel-cron run`: queueing the 10,000 "due soon" reminders among the
#     100,000 loans and delivering them (no mail server: .eml files);
#   - `carrel-cron run` again, when nothing is new;
#   - `carrel-cron deliver` of the same 10,000 emails to a real SMTP server
#     on loopback (python3-aiosmtpd), as notices a second.
# BENCH_LOANS changes the count.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
loans=${BENCH_LOANS:-100000}
work=$(mktemp -d "${TMPDIR:-/tmp}/carrel-notices-bench.XXXXXX")
sink_pid=
cleanup() {
    [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
export CARREL_DB=$work/carrel.db CARREL_SCHEMA=$root/schema CARREL_UPLOADS=$work/uploads
export CARREL_SMTP_URL=
mkdir -p "$CARREL_UPLOADS"
# Debian's python3 sees python3-aiosmtpd even when another comes first in PATH.
python=python3
[ -x /usr/bin/python3 ] && python=/usr/bin/python3
"$root/bin/carrel" migrate > /dev/null

python3 - "$work" "$loans" <<'PY'
import csv, sys
work, n = sys.argv[1], int(sys.argv[2])
with open(work + "/titles.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["title", "authors", "section", "barcode"])
    for i in range(n):
        w.writerow(["Bench Title %d" % i, "Bench Author", "Fiction", "N%08d" % i])
with open(work + "/members.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["name", "email", "plan", "member_until"])
    for i in range(n):
        w.writerow(["Reader %d" % i, "r%d@bench.example" % i, "Annual", "2099-12-31"])
PY
"$root/bin/carrel" import titles "$work/titles.csv" > /dev/null
"$root/bin/carrel" import members "$work/members.csv" > /dev/null
# The once-a-day search refresh, out of the way of the timings below.
"$root/bin/carrel-cron" run > /dev/null

today=$(date +%F)
sqlite3 "$CARREL_DB" <<SQL
WITH c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM copy),
     m AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM account
           WHERE role = 'member')
INSERT INTO loan(copy_id, account_id, loaned_at, loan_day, due_day, rule_category,
  rule_item_type, loan_days, max_renewals, fine_per_day_cents, grace_days, fine_cap_cents)
SELECT c.id, m.id, strftime('%s', 'now') - 86400, date('$today', '-1 day'),
  -- one loan in ten due in two days; the rest due later, none overdue
  date('$today', CASE WHEN c.i % 10 = 0 THEN '+2 days' ELSE '+' || (3 + c.i % 10) || ' days' END),
  '', '', 14, 3, 20, 0, 500
FROM c JOIN m ON m.i = c.i;
UPDATE copy SET status = 'on-loan';
SQL

timed() {   # label, command...
    local label=$1; shift
    local start ms
    start=$(date +%s%N)
    "$@" > "$work/out.txt" 2>&1 || { cat "$work/out.txt"; exit 1; }
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    elapsed_ms=$ms
    printf '%-58s %3d.%02d s\n' "$label" $((ms / 1000)) $((ms % 1000 / 10))
    sed 's/^/      /' "$work/out.txt"
}

open=$(sqlite3 "$CARREL_DB" "SELECT count(*) FROM loan WHERE returned_at IS NULL")
echo "== carrel-cron with $open open loans (release build)"
timed "run: queue the reminders, write them as .eml files" "$root/bin/carrel-cron" run
queued=$(sqlite3 "$CARREL_DB" "SELECT count(*) FROM outbox WHERE kind = 'due-soon'")
echo "      due-soon reminders in the outbox: $queued"
timed "run again: nothing new" "$root/bin/carrel-cron" run
again=$(sqlite3 "$CARREL_DB" "SELECT count(*) FROM outbox WHERE kind = 'due-soon'")
echo "      due-soon reminders in the outbox: $again (the same)"

# The same emails again, over SMTP to a real server on loopback.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$python" - "$port" "$work/sink.txt" <<'PY' &
import sys, time, threading
from aiosmtpd.controller import Controller
port, out = int(sys.argv[1]), sys.argv[2]
class Sink:
    messages = 0
    async def handle_DATA(self, server, session, envelope):
        Sink.messages += 1
        return "250 OK"
controller = Controller(Sink(), hostname="127.0.0.1", port=port)
controller.start()
def report():
    while True:
        time.sleep(0.2)
        with open(out + ".tmp", "w") as f:
            f.write(str(Sink.messages))
        import os
        os.replace(out + ".tmp", out)
threading.Thread(target=report, daemon=True).start()
threading.Event().wait()
PY
sink_pid=$!
sleep 1
sqlite3 "$CARREL_DB" "UPDATE outbox SET status = 'queued', attempts = 0, sent_at = NULL, \
  next_attempt_at = 0 WHERE kind = 'due-soon'"
CARREL_SMTP_URL=smtp://127.0.0.1:$port timed "deliver $queued emails over SMTP (aiosmtpd on loopback)" \
    "$root/bin/carrel-cron" deliver
sleep 0.5
received=$(cat "$work/sink.txt")
echo "      received by the SMTP server: $received"
python3 -c "print('      %.0f notices a second' % ($received / ($elapsed_ms / 1000.0)))"
