#!/usr/bin/env bash
# How epoch time grows with the data: the log-log slope of seconds per epoch
# against training edges between two synthetic sizes (default 1M and 10M;
# version 0, dim 64, 2 layers, batch 2048, --plan auto). A shared VM's speed
# drifts by up to 2x within minutes, so the two sizes are run alternately,
# ROUNDS times, and the slope is given from the fastest run of each size and
# from the medians, beside every run's figure.
# Usage: bench/slope.sh [rounds=3] [epochs=3] [threads=2] [small=1M] [large=10M]
# Prints one JSON object on stdout; progress on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/sizes.sh
ROUNDS=${1:-3}
EPOCHS=${2:-3}
THREADS=${3:-2}
SMALL=${4:-1M}
LARGE=${5:-10M}
B=./build/bcemb
[ -x "$B" ] || bash scripts/build.sh
# Both sizes are checked before the first run.
synthetic_flags "$SMALL" > /dev/null
synthetic_flags "$LARGE" > /dev/null
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for round in $(seq 1 "$ROUNDS"); do
  for size in "$SMALL" "$LARGE"; do
    echo "== round $round/$ROUNDS: $size" >&2
    r=$($B -q bench train --format synthetic $(synthetic_flags "$size") --dims 64 --layers 2 --batch-size 2048 \
        --epochs "$EPOCHS" --eval-every "$EPOCHS" --threads "$THREADS")
    echo "{\"size\": \"$size\", \"run\": $r}" >> "$out"
  done
done
/usr/bin/python3 - "$out" "$SMALL" "$LARGE" <<'PY'
import json, math, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
small, large = sys.argv[2], sys.argv[3]
def runs(size):
    return [r["run"] for r in rows if r["size"] == size]
edges = {s: runs(s)[0]["train_edges"] for s in (small, large)}
epoch_s = {s: [r["median_epoch_s"] for r in runs(s)] for s in (small, large)}
def slope(a, b):
    return math.log(b / a) / math.log(edges[large] / edges[small])
report = {"sizes": [small, large], "train_edges": [edges[small], edges[large]],
          "epoch_s": {s: [round(x, 3) for x in v] for s, v in epoch_s.items()},
          "slope_from_fastest": round(slope(min(epoch_s[small]), min(epoch_s[large])), 3),
          "slope_from_medians": round(slope(statistics.median(epoch_s[small]), statistics.median(epoch_s[large])), 3),
          "peak_rss_mb": {s: round(max(r["peak_rss_mb"] for r in runs(s))) for s in (small, large)}}
print(json.dumps(report))
PY
