#!/usr/bin/env bash
# The pipeline at scale, end to end, on synthetic data of 10M interactions
# (300k users, 150k items; or 1M: 30k/15k): train two versions with BC-Aligner
# (dim 64, 2 layers, EPOCHS epochs), publish both into a fresh registry, gc,
# verify, serve, fetch one item and a 1,000-id octet-stream batch at version 0
# from the latest table, check the batch equals `bcemb export`, stop the server
# with SIGTERM. Prints wall time and peak RSS of each step.
# Usage: bench/scale_e2e.sh [size=10M] [epochs=2] [threads=2]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-10M}
EPOCHS=${2:-2}
THREADS=${3:-2}
case $SIZE in
  1M) data="--users 30000 --items 15000 --interactions 1000000" ;;
  10M) data="--users 300000 --items 150000 --interactions 10000000" ;;
  *) echo "unknown size $SIZE (1M or 10M)" >&2; exit 2 ;;
esac
B=$PWD/build/bcemb
[ -x "$B" ] || bash scripts/build.sh
T=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
timed() { local what=$1; shift; /usr/bin/time -f "$what: %e s, peak RSS %M KB" "$@"; }
echo "== train ($SIZE, 2 versions, $EPOCHS epochs, $THREADS threads)" >&2
timed train "$B" -q train --format synthetic $data --cuts 0.6,0.8,1.0 --dims 64,64 --layers 2,2 \
  --epochs "$EPOCHS" --warmup 1 --strategy bc-aligner --threads "$THREADS" --out "$T/run" > /dev/null
"$B" -q registry init "$T/reg" > /dev/null
for k in 0 1; do timed "publish v$k" "$B" -q registry publish "$T/reg" --run "$T/run" --version $k > /dev/null; done
timed gc "$B" -q registry gc "$T/reg" > /dev/null
timed verify "$B" -q registry verify "$T/reg" > /dev/null
"$B" -q serve "$T/reg" --port 0 > "$T/serve.out" &
pid=$!
for _ in $(seq 1 100); do grep -q listening "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
addr=$(/usr/bin/python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readline())['listening'])" "$T/serve.out")
"$B" -q export "$T/reg" --version 0 --kind items --out "$T/v0.npy" > /dev/null
/usr/bin/python3 - "$addr" "$T/run/v1/items.tsv" "$T/v0.npy" <<'PY'
import json, sys, time, urllib.request
import numpy as np
addr, ids_file, export = sys.argv[1:]
ids = [l.rstrip("\n").split("\t", 1)[1] for l in open(ids_file).readlines()[1:1001]]
one = json.load(urllib.request.urlopen(f"http://{addr}/v1/embeddings/items/{ids[0]}?version=0"))
req = urllib.request.Request(f"http://{addr}/v1/embeddings:batch",
                             json.dumps({"kind": "items", "version": 0, "ids": ids}).encode(),
                             {"Content-Type": "application/json", "Accept": "application/octet-stream"})
t0 = time.perf_counter()
body = urllib.request.urlopen(req).read()
dt = time.perf_counter() - t0
got = np.frombuffer(body, dtype="<f4").reshape(len(ids), -1)
want = np.load(export)[: len(ids)]  # export rows follow the latest table's id order
ok = np.allclose(got, want, atol=1e-5) and np.allclose(one["embedding"], want[0], atol=1e-5)
print(json.dumps({"items": int(np.load(export).shape[0]), "dim_v0": int(got.shape[1]),
                  "batch_1000_s": round(dt, 4), "served_equals_export": bool(ok)}))
sys.exit(0 if ok else 1)
PY
kill -TERM "$pid"
wait "$pid" && echo "serve: SIGTERM, exit 0" >&2
pid=""
