#!/usr/bin/env bash
# Speed of one version's training, bcemb against the anchor
# (../shared/bench/reference_pinsage.py, the reference algorithm in plain
# PyTorch), on the same machine and thread count, in one run.
# Usage: bench/speed_vs_anchor.sh [threads] [epochs]
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${1:-2}
EPOCHS=${2:-20}
ML=../shared/data/movielens-100k
[ -x build/bcemb ] || bash scripts/build.sh
anchor=$(/usr/bin/python3 ../shared/bench/reference_pinsage.py --movielens "$ML" --dim 256 --epochs "$EPOCHS" \
         --eval-every 1 --threads "$THREADS")
ours=$(./build/bcemb -q bench train --format movielens --path "$ML" --dims 256 --layers 2 --epochs "$EPOCHS" \
       --eval-every 1 --threads "$THREADS")
/usr/bin/python3 - "$anchor" "$ours" <<'PY'
import json, sys
a, o = json.loads(sys.argv[1]), json.loads(sys.argv[2])
def first(curve, level):
    for p in curve:
        if p["recall@50"] >= level:
            return p["epoch"], p["train_s"]
    return None, None
level = 0.21
ae, at = first(a["curve"], level)
oe, ot = first(o["curve"], level)
print(json.dumps({
    "anchor": {"median_epoch_s": a["median_epoch_s"], "best_recall@50": max(p["recall@50"] for p in a["curve"]),
               "epochs_to_0.21": ae, "train_s_to_0.21": at},
    "bcemb": {"median_epoch_s": o["median_epoch_s"], "best_recall@50": max(p["recall@50"] for p in o["curve"]),
              "epochs_to_0.21": oe, "train_s_to_0.21": ot},
    "epoch_speedup": a["median_epoch_s"] / o["median_epoch_s"],
    "time_to_0.21_speedup": (at / ot) if at and ot else None}, indent=2))
PY
