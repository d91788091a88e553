#!/usr/bin/env bash
# Installs dependencies, builds, and runs the main job on the embedded
# synthetic data: every version trained with BC-Aligner, results in runs/demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
./build/bcemb train --strategy bc-aligner --dims 64,80,96,112,128 --layers 2,2,3,3,3 --epochs 20 --out runs/demo "$@"
