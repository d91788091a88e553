#!/usr/bin/env bash
# Builds the torch-free core and its tests under AddressSanitizer and
# UndefinedBehaviorSanitizer in ./build-asan and runs them; any report fails.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBCEMB_SANITIZE=ON -DBCEMB_BUILD_PYTHON=OFF >/dev/null
cmake --build build-asan -j"$(nproc)" --target bcemb_core_tests
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
./build-asan/tests/bcemb_core_tests --gtest_brief=1
