#!/usr/bin/env bash
# Load test of `bcemb serve` with wrk, on loopback only: single-id item lookups
# at a non-latest version (so every request runs the composed transform), ids
# drawn at random. Publishes every version of RUN into a fresh registry, gc's it,
# serves it, runs wrk, prints wrk's report and the server's /metrics summary.
# With BATCH > 1 each request is instead a POST of BATCH random ids answered as
# raw float32 (octet-stream); rows/s and MB/s are printed after wrk's report.
# Usage: bench/serve_load.sh RUN_DIR [version=2] [seconds=15] [connections=64] [wrk threads=2] [batch=1]
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${1:?usage: bench/serve_load.sh RUN_DIR [version] [seconds] [connections] [threads] [batch]}
VERSION=${2:-2}
DURATION=${3:-15}
CONN=${4:-64}
THREADS=${5:-2}
BATCH=${6:-1}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
[ -x build/bcemb ] || bash scripts/build.sh
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
./build/bcemb registry init "$tmp/reg" >/dev/null
n=$(/usr/bin/python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['versions']))" "$RUN/run.json")
for k in $(seq 0 $((n - 1))); do ./build/bcemb registry publish "$tmp/reg" --run "$RUN" --version "$k" >/dev/null; done
./build/bcemb registry gc "$tmp/reg" >/dev/null
./build/bcemb -q serve "$tmp/reg" --port 0 > "$tmp/serve.out" &
pid=$!
for _ in $(seq 1 100); do grep -q listening "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
addr=$(/usr/bin/python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readline())['listening'])" "$tmp/serve.out")
/usr/bin/python3 - "$RUN/v$((n - 1))/items.tsv" "$VERSION" "$BATCH" > "$tmp/ids.lua" <<'PY'
import json, sys
ids = [l.rstrip("\n").split("\t", 1)[1] for l in open(sys.argv[1]).readlines()[1:]]
version, batch = sys.argv[2], int(sys.argv[3])
print("ids = {" + ",".join(json.dumps(i) for i in ids) + "}")
if batch == 1:
    print('request = function() return wrk.format("GET", "/v1/embeddings/items/" .. ids[math.random(#ids)] .. "?version=%s") end' % version)
else:
    # JSON string literals are valid Lua string literals for these ids.
    print('request = function()')
    print('  local t = {}')
    print('  for i = 1, %d do t[i] = string.format("%%q", ids[math.random(#ids)]) end' % batch)
    print('  local body = \'{"kind":"items","version":%s,"ids":[\' .. table.concat(t, ",") .. "]}"' % version)
    print('  return wrk.format("POST", "/v1/embeddings:batch", {["Content-Type"]="application/json", ["Accept"]="application/octet-stream"}, body)')
    print('end')
    print('done = function(summary, latency, requests)')
    print('  local s = summary.duration / 1e6')
    print('  io.write(string.format("batch %d ids: %%.0f rows/s\\n", summary.requests / s * %d))' % (batch, batch))
    print('end')
PY
echo "registry: $n versions of $RUN (gc'ed); serving version $VERSION from the latest table at http://$addr"
wrk -t"$THREADS" -c"$CONN" -d"${DURATION}s" --latency -s "$tmp/ids.lua" "http://$addr"
/usr/bin/python3 -c "import sys, urllib.request; print(''.join(l for l in urllib.request.urlopen('http://' + sys.argv[1] + '/metrics').read().decode().splitlines(True) if l.startswith(('bcemb_requests_total', 'bcemb_request_errors_total', 'bcemb_served_version'))))" "$addr"
