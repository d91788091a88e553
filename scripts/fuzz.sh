#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in ./build-fuzz and runs each for
# SECONDS (default 30) on its seed corpus (tests/fuzz/corpus/<name>; new
# inputs go to build-fuzz/corpus/<name>). Exit 1 on any crash, leak or
# undefined behaviour; the reproducer is build-fuzz/crash-<name>-*.
# Usage: scripts/fuzz.sh [SECONDS] [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-30}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(csv amazon movielens gzip npy registry http)
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBCEMB_FUZZ=ON \
  -DBCEMB_BUILD_TESTS=OFF -DBCEMB_BUILD_PYTHON=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target $(printf 'fuzz_%s ' "${TARGETS[@]}")
status=0
for t in "${TARGETS[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  echo "== fuzz_$t for ${SECONDS_EACH}s" >&2
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
       "build-fuzz/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
       -artifact_prefix="build-fuzz/crash-$t-" "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" 2> "build-fuzz/fuzz_$t.log"; then
    echo "fuzz_$t FAILED (see build-fuzz/fuzz_$t.log)" >&2
    tail -40 "build-fuzz/fuzz_$t.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::new_units_added" "build-fuzz/fuzz_$t.log" | tr '\n' ' ' >&2
    echo >&2
  fi
done
exit $status
