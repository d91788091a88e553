#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite: ctest (GoogleTest
# and pytest), the core under ASan+UBSan, and 30 s of every libFuzzer target.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
(cd build && ctest --output-on-failure -j"$(nproc)")
bash scripts/sanitize.sh
bash scripts/fuzz.sh 30
