#!/usr/bin/env bash
# Data parallel on one machine: 1M synthetic interactions (30k users, 15k
# items), version 0, dim 64, 2 layers, batch 2048 (global), --plan auto,
# trained by 1 process with 2 threads and by 2 ranks (bcemb launch) with 1
# thread each, and (the base of a scaling projection) by 1 process with 1
# thread: seconds per epoch, steps, bytes each rank allreduces per step (the
# gradient buffer) and in all (with evaluation's layer sums), rank 0's calls
# to allreduce and wall-clock seconds in them (waiting included; evaluation's
# too, while train_s is training only), the validation Recall@50, and peak
# RSS per process.
# Usage: bench/dist.sh [epochs=5] [plan=auto]
# Prints one JSON object on stdout; progress on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${1:-5}
PLAN=${2:-auto}
B=./build/bcemb
[ -x "$B" ] || bash scripts/build.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common="--format synthetic --users 30000 --items 15000 --interactions 1000000 --dims 64 --layers 2
        --batch-size 2048 --epochs $EPOCHS --eval-every 1 --plan $PLAN"
echo "== 1 process x 2 threads" >&2
$B bench train $common --threads 2 > "$tmp/one.json"
echo "== 1 process x 1 thread" >&2
$B bench train $common --threads 1 > "$tmp/one1.json"
echo "== 2 ranks x 1 thread (bcemb launch)" >&2
$B launch --nproc 2 -- bench train $common --threads 1 > "$tmp/two.json"
/usr/bin/python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
one, one1, two = (json.load(open(f"{tmp}/{n}.json")) for n in ("one", "one1", "two"))
def row(r):
    return {"plan": r["plan"], "median_epoch_s": round(r["median_epoch_s"], 3),
            "best_recall@50": round(max(c["recall@50"] for c in r["curve"]), 4), "peak_rss_mb": round(r["peak_rss_mb"])}
out = {"train_edges": one["train_edges"], "epochs": one["epochs"], "one_process_2_threads": row(one),
       "one_process_1_thread": row(one1),
       "two_ranks_1_thread": dict(row(two), steps=two["steps"], step_allreduce_bytes=two["step_allreduce_bytes"],
                                  allreduce_bytes_total=two["allreduce_bytes_total"],
                                  allreduce_calls=two["allreduce_calls"],
                                  allreduce_s=round(two["allreduce_s"], 2), train_s=round(two["curve"][-1]["train_s"], 2),
                                  allreduce_ms_per_call=round(1000 * two["allreduce_s"] / two["allreduce_calls"], 3)),
       "speedup_vs_2_threads": round(one["median_epoch_s"] / two["median_epoch_s"], 2),
       "speedup_vs_1_thread": round(one1["median_epoch_s"] / two["median_epoch_s"], 2)}
print(json.dumps(out))
PY
