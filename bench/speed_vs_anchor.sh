#!/usr/bin/env bash
# Speed of one version's training, bcemb against the anchor
# (../shared/bench/reference_pinsage.py, the reference algorithm in plain
# PyTorch): MovieLens 100K version 0, dim 256, 2 layers, batch 2048, same
# machine and thread count, in one run. Both are run with several seeds because
# the epoch at which validation Recall@50 first reaches 0.21 is noisy; medians
# are compared.
# Usage: bench/speed_vs_anchor.sh [threads=2] [epochs=20] [seeds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${1:-2}
EPOCHS=${2:-20}
SEEDS=${3:-3}
ML=../shared/data/movielens-100k
[ -x build/bcemb ] || bash scripts/build.sh
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for seed in $(seq 0 $((SEEDS - 1))); do
  a=$(/usr/bin/python3 ../shared/bench/reference_pinsage.py --movielens "$ML" --dim 256 --epochs "$EPOCHS" \
      --eval-every 1 --threads "$THREADS" --seed "$seed")
  o=$(./build/bcemb -q bench train --format movielens --path "$ML" --dims 256 --layers 2 --epochs "$EPOCHS" \
      --eval-every 1 --threads "$THREADS" --seed "$seed")
  echo "{\"seed\": $seed, \"anchor\": $a, \"bcemb\": $o}" >> "$out"
done
/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
level = 0.21
rows = [json.loads(l) for l in open(sys.argv[1])]
def first(curve):
    for p in curve:
        if p["recall@50"] >= level:
            return p["epoch"], p["train_s"]
    return None, None
report = {"per_seed": []}
summary = {}
for name in ("anchor", "bcemb"):
    epoch_s = [r[name]["median_epoch_s"] for r in rows]
    firsts = [first(r[name]["curve"]) for r in rows]
    times = [t for _, t in firsts if t is not None]
    median_to = statistics.median([t if t is not None else float("inf") for _, t in firsts])
    summary[name] = {"median_epoch_s": statistics.median(epoch_s),
                     # JSON has no Infinity: a level never reached is null
                     "median_train_s_to_0.21": median_to if median_to != float("inf") else None,
                     "epochs_to_0.21": [e for e, _ in firsts],
                     "train_s_to_0.21": [round(t, 2) if t else None for _, t in firsts],
                     "best_recall@50": [round(max(p["recall@50"] for p in r[name]["curve"]), 4) for r in rows]}
report.update(summary)
report["epoch_speedup"] = summary["anchor"]["median_epoch_s"] / summary["bcemb"]["median_epoch_s"]
a, b = summary["anchor"]["median_train_s_to_0.21"], summary["bcemb"]["median_train_s_to_0.21"]
report["time_to_0.21_speedup"] = a / b if a is not None and b is not None else None
del report["per_seed"]
print(json.dumps(report, indent=2))
PY
