#!/usr/bin/env bash
# End to end for the registry and the server, on an experiment's BC-Aligner run:
# publish versions 0..K-1, gc, verify, serve; fetch version-0 and version-2
# embeddings of every user and item over HTTP; score the experiment's saved
# consumers on the served version-0 embeddings of the latest version and print
# them beside the in-process ROC-AUC of results.json.
# Usage: scripts/e2e_registry.sh EXPERIMENT_DIR [data flags as given to the experiment...]
set -euo pipefail
cd "$(dirname "$0")/.."
EXP=${1:?usage: scripts/e2e_registry.sh EXPERIMENT_DIR [data flags]}
shift
RUN="$EXP/runs/joint-lin-mloss"
B=./build/bcemb
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
n=$(/usr/bin/python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['versions']))" "$RUN/run.json")
last=$((n - 1))
$B registry init "$tmp/reg" >/dev/null
for k in $(seq 0 $last); do $B registry publish "$tmp/reg" --run "$RUN" --version "$k" >/dev/null; done
$B registry gc "$tmp/reg"
$B registry verify "$tmp/reg" | head -4
$B -q serve "$tmp/reg" --port 0 > "$tmp/serve.out" &
pid=$!
for _ in $(seq 1 100); do grep -q listening "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
addr=$(/usr/bin/python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readline())['listening'])" "$tmp/serve.out")
# Fetch every user and item at versions 0 and 2 (binary batches), save as .npy + ids.
/usr/bin/python3 - "$addr" "$RUN/v$last" "$tmp" <<'PY'
import json, sys, urllib.request
import numpy as np
addr, vdir, out = sys.argv[1:4]
for kind, tsv in (("users", "users.tsv"), ("items", "items.tsv")):
    ids = [l.rstrip("\n").split("\t", 1)[1] for l in open(f"{vdir}/{tsv}").readlines()[1:]]
    for version in (0, 2):
        rows = []
        for s in range(0, len(ids), 5000):
            req = urllib.request.Request(f"http://{addr}/v1/embeddings:batch",
                                         data=json.dumps({"kind": kind, "version": version, "ids": ids[s:s + 5000]}).encode(),
                                         headers={"Content-Type": "application/json", "Accept": "application/octet-stream"})
            with urllib.request.urlopen(req) as r:
                dim = int(r.headers["X-Bcemb-Dim"])
                rows.append(np.frombuffer(r.read(), dtype="<f4").reshape(-1, dim))
        emb = np.concatenate(rows)
        np.save(f"{out}/{kind}_v{version}.npy", emb)
        with open(f"{out}/{kind}.tsv", "w") as f:
            f.write("index\tid\n" + "".join(f"{i}\t{x}\n" for i, x in enumerate(ids)))
        print(f"served {kind} at version {version}: {emb.shape}")
PY
for task in edge-rating item-rating-avg item-rating-std user-positive-activity; do
  served=$($B -q consumer eval "$@" --experiment "$EXP" --task "$task" --version "$last" \
           --user-embeddings "$tmp/users_v0.npy" --user-ids "$tmp/users.tsv" \
           --item-embeddings "$tmp/items_v0.npy" --item-ids "$tmp/items.tsv")
  /usr/bin/python3 - "$EXP/results.json" "$task" "$last" "$served" <<'PY'
import json, sys
res, task, v, served = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
s = next(x for x in res["strategies"] if x["strategy"] == "joint-lin-mloss")
local = s["tasks"][task]["per_version"][v]["auc"]
print(f"{task:24s} version {v}: in-process ROC-AUC {local:.6f}  served {served['auc']:.6f}  diff {abs(local - served['auc']):.2e}")
PY
done
