#!/usr/bin/env bash
# Training at scale on synthetic data: for 100k, 1M and 10M interactions
# (users/items 3k/1.5k, 30k/15k, 300k/150k), version 0, dim 64, 2 layers,
# batch 2048: data generation seconds, seconds per epoch, seconds of training
# until validation Recall@50 first reaches 95% of the best that the exact mode
# (--plan full, the reference's computation) reaches in EPOCHS epochs, and peak
# RSS -- for the exact mode and for --plan auto. The exact mode runs at 100k
# and 1M only; at 10M the level is 95% of auto's own best.
# Usage: bench/scale.sh [sizes=100k,1M,10M] [epochs=20] [threads=2]
# Prints one JSON object per size on stdout; progress on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/sizes.sh
SIZES=${1:-100k,1M,10M}
EPOCHS=${2:-20}
THREADS=${3:-2}
B=./build/bcemb
[ -x "$B" ] || bash scripts/build.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for size in ${SIZES//,/ }; do
  data=$(synthetic_flags "$size")
  echo "== $size: data" >&2
  $B -q data inspect --format synthetic $data --json > "$tmp/data.json"
  common="--format synthetic $data --dims 64 --layers 2 --batch-size 2048 --epochs $EPOCHS --eval-every 1 --threads $THREADS"
  plans="auto"
  [ "$size" != 10M ] && plans="full auto"
  for plan in $plans; do
    echo "== $size: --plan $plan, $EPOCHS epochs" >&2
    $B bench train $common --plan "$plan" > "$tmp/$plan.json"
  done
  /usr/bin/python3 - "$size" "$tmp" "$plans" <<'PY'
import json, sys
size, tmp, plans = sys.argv[1], sys.argv[2], sys.argv[3].split()
data = json.load(open(f"{tmp}/data.json"))
runs = {p: json.load(open(f"{tmp}/{p}.json")) for p in plans}
ref = "full" if "full" in runs else "auto"
level = 0.95 * max(p["recall@50"] for p in runs[ref]["curve"])
out = {"size": size, "interactions": data["interactions"], "users": data["users"], "items": data["items"],
       "generate_s": round(data["load"]["seconds"], 2), "train_edges": runs[ref]["train_edges"],
       "level_recall@50": round(level, 4), "level_from": ref}
for p, r in runs.items():
    first = next((c for c in r["curve"] if c["recall@50"] >= level), None)
    out[p] = {"plan": r["plan"], "median_epoch_s": round(r["median_epoch_s"], 3),
              "best_recall@50": round(max(c["recall@50"] for c in r["curve"]), 4),
              "epochs_to_level": first["epoch"] if first else None,
              "train_s_to_level": round(first["train_s"], 1) if first else None,
              "peak_rss_mb": round(r["peak_rss_mb"])}
if "full" in runs and out["full"]["train_s_to_level"] and out["auto"]["train_s_to_level"]:
    out["epoch_speedup"] = round(out["full"]["median_epoch_s"] / out["auto"]["median_epoch_s"], 2)
    out["time_to_level_speedup"] = round(out["full"]["train_s_to_level"] / out["auto"]["train_s_to_level"], 2)
print(json.dumps(out))
PY
done
