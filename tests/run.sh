#!/usr/bin/env bash
# tests/run.sh: run every test program, each printing TAP, and end with one
# line "N passed, N failed". A program that exits non-zero without
# reporting a failure (a crash, a sanitizer abort) counts as one failure.
#
#   tests/run.sh [unit test binaries...]
# The mustache spec runner is one of the unit binaries (it reports itself
# skipped when the official spec files are absent); the end-to-end suites
# are every tests/e2e/test_*.py, then the real-browser suite
# (tests/browser/run.py), whose screenshots go under the log folder.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# Debian's python3, which sees the Debian python3-* packages the tests use
# (python3-aiosmtpd), even when another python3 comes first in PATH.
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
passed=0 failed=0
logdir=$(mktemp -d "${TMPDIR:-/tmp}/carrel-tests.XXXXXX")

run_suite() {   # name, command...
    local name=$1; shift
    local out="$logdir/$(echo "$name" | tr '/' '_').tap"
    echo "== $name"
    CMOCKA_MESSAGE_OUTPUT=TAP "$@" > "$out" 2>&1
    local rc=$?
    local ok bad
    ok=$(grep -cE '^ok [0-9]+' "$out")
    bad=$(grep -cE '^not ok [0-9]+' "$out")
    grep -E '^(not ok|# )|^ok .* # SKIP' "$out" | head -60
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
        bad=1
        echo "not ok - $name exited with status $rc"
    fi
    if [ "$rc" -ne 0 ] && ! grep -qE '^# ' "$out"; then
        # No failing line says why: show the end of what the program printed.
        echo "#   the end of its output ($out):"
        tail -n 25 "$out" | sed 's/^/#   /'
    fi
    if grep -qE '^1\.\.0 # SKIP' "$out"; then
        echo "   SKIPPED: $(sed -n 's/^1\.\.0 # SKIP //p' "$out")"
    fi
    echo "   $ok passed, $bad failed"
    passed=$((passed + ok))
    failed=$((failed + bad))
}

for t in "$@"; do
    run_suite "$(basename "$t")" "$t"
done
for t in tests/e2e/test_*.py; do
    run_suite "$(basename "$t")" "$PYTHON" "$t"
done
run_suite browser "$PYTHON" tests/browser/run.py "$logdir/browser"
echo "logs: $logdir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
