#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS: build each tests/fuzz/fuzz_*.c with clang's
# libFuzzer under ASan and UBSan and run it for SECONDS, starting from
# tests/fuzz/corpus/<name>/ when it exists. New inputs stay in a temporary
# folder; a crash leaves its input in tests/fuzz/artifacts/. Every harness
# links the same parsers (and libcsv, libzip, libxml2 for the importers).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-300}
work=$(mktemp -d "${TMPDIR:-/tmp}/carrel-fuzz.XXXXXX")
mkdir -p "$root/tests/fuzz/artifacts"
status=0
for src in "$root"/tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    short=${name#fuzz_}
    bin="$work/$name"
    clang -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=undefined -I"$root/lib" -I/usr/include/libxml2 \
        "$src" "$root/lib/arena.c" "$root/lib/http.c" "$root/lib/template.c" \
        "$root/lib/tabular.c" "$root/lib/marc.c" -lcsv -lzip -lxml2 -o "$bin"
    corpus="$work/corpus-$short"
    mkdir -p "$corpus"
    [ -d "$root/tests/fuzz/corpus/$short" ] && cp "$root/tests/fuzz/corpus/$short"/* "$corpus"/ 2>/dev/null || true
    echo "== $name for ${seconds}s"
    if ! "$bin" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$root/tests/fuzz/artifacts/$name-" "$corpus" > "$work/$name.log" 2>&1; then
        status=1
        tail -40 "$work/$name.log"
    else
        grep -E 'stat::number_of_executed_units|Done' "$work/$name.log" | tail -2
    fi
done
rm -rf "$work"
exit $status
