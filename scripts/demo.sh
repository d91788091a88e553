#!/usr/bin/env bash
# Installs dependencies, builds, and runs the main job: the full comparison
# (all eight strategies, consumers, tables, plots) on the embedded synthetic
# data, into runs/demo (about 10 minutes on 2 cores). Extra flags go to `bcemb demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
./build/bcemb demo --out runs/demo "$@"
