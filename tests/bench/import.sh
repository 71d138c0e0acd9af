#!/usr/bin/env bash
# tests/bench/import.sh: bulk import and export with the release build.
# Makes (reproducibly) a CSV of 100,000 title rows with copies and one of
# 100,000 members, imports each into a fresh database with `carrel import`,
# then exports the members as CSV and XLSX. BENCH_ROWS changes the count.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rows=${BENCH_ROWS:-100000}
work=$(mktemp -d "${TMPDIR:-/tmp}/carrel-import-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export CARREL_DB=$work/carrel.db CARREL_SCHEMA=$root/schema
"$root/bin/carrel" migrate > /dev/null

python3 - "$work" "$rows" <<'PY'
import csv, random, sys
work, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
words = ("history war garden river night city song winter light stone house "
         "journey secret ocean empire children letters island shadow mountain").split()
first = "Ada Ben Cleo Dan Eve Finn Gail Hugo Iris Jon Kate Leo Mira Ned Olga".split()
last = "Smith Jones Brown Taylor Wilson Evans Thomas Roberts Walker Wright".split()
def isbn13(k):
    d = "978" + "%09d" % k
    s = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(d))
    return d + str((10 - s % 10) % 10)
with open(work + "/titles.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["isbn", "title", "authors", "publisher", "year", "genre", "section",
                "pages", "barcode", "location", "cost"])
    for i in range(n):
        t = " ".join(rnd.choice(words) for _ in range(rnd.randint(2, 5))).title()
        a = "; ".join("%s %s" % (rnd.choice(first), rnd.choice(last))
                      for _ in range(rnd.randint(1, 2)))
        w.writerow([isbn13(i // 2), t, a, "Bench Press", 1900 + i % 120, rnd.choice(words),
                    rnd.choice(["Fiction", "History", "Science", "Children"]),
                    100 + i % 700, "B%08d" % i, "S%03d" % (i % 500), "%d.99" % (i % 40)])
with open(work + "/members.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["name", "email", "phone", "plan", "member_until"])
    for i in range(n):
        w.writerow(["%s %s" % (rnd.choice(first), rnd.choice(last)), "m%d@bench.example" % i,
                    "+44 20 7%03d %04d" % (i // 10000, i % 10000), "Annual",
                    "2027-%02d-15" % (1 + i % 12)])
PY

timed() {   # label, command...
    local label=$1; shift
    local start ms
    start=$(date +%s%N)
    "$@" > "$work/out.txt" 2>&1 || { cat "$work/out.txt"; exit 1; }
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    printf '%-40s %3d.%02d s   %s\n' "$label" $((ms / 1000)) $((ms % 1000 / 10)) \
        "$(tail -1 "$work/out.txt")"
}
echo "== import and export, $rows rows each (release build)"
timed "import titles with copies (CSV)" "$root/bin/carrel" import titles "$work/titles.csv"
timed "import members (CSV)" "$root/bin/carrel" import members "$work/members.csv"
timed "export members (CSV)" "$root/bin/carrel" export members --output "$work/m.csv"
timed "export members (XLSX)" "$root/bin/carrel" export members --format xlsx --output "$work/m.xlsx"
timed "export titles with copies (CSV)" "$root/bin/carrel" export titles --output "$work/t.csv"
echo "database: $(du -h "$CARREL_DB" | cut -f1); members.xlsx: $(du -h "$work/m.xlsx" | cut -f1)"
