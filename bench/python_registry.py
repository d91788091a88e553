"""Throughput of the Python module against the CLI and raw HTTP.

Usage: /usr/bin/python3 bench/python_registry.py [rows=100000] [dim=256] [repeats=5]
(with PYTHONPATH=build/python). Builds a registry from a hand-written run
directory (random tables: version 0 of dim/2, version 1 of dim), then prints
one JSON object: seconds and rows/s of `bcemb export --version 0` and of
Registry.embeddings("items", version=0) (first call: loads and checks the
table; later calls: one GEMM), and batch lookups of 1000 ids through
bcemb.Client against the same requests made with urllib.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np

import bcemb

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BCEMB = os.environ.get("BCEMB_BIN", os.path.join(ROOT, "build", "bcemb"))
rows, dim, repeats = (int(a) for a in (sys.argv[1:] + ["100000", "256", "5"][len(sys.argv) - 1:])[:3])


def write_run(path):
    rng = np.random.default_rng(0)
    ids = [f"i{i}" for i in range(rows)]
    dims = [dim // 2, dim]
    for k, d in enumerate(dims):
        v = os.path.join(path, f"v{k}")
        os.makedirs(v)
        np.save(os.path.join(v, "item_emb.npy"), rng.standard_normal((rows, d), dtype=np.float32))
        np.save(os.path.join(v, "user_emb.npy"), rng.standard_normal((100, d), dtype=np.float32))
        with open(os.path.join(v, "items.tsv"), "w") as f:
            f.write("index\tid\n" + "".join(f"{i}\t{x}\n" for i, x in enumerate(ids)))
        with open(os.path.join(v, "users.tsv"), "w") as f:
            f.write("index\tid\n" + "".join(f"{i}\tu{i}\n" for i in range(100)))
        if k:
            np.save(os.path.join(v, "B.npy"), rng.standard_normal((dims[k - 1], d), dtype=np.float32) / np.sqrt(d))
        open(os.path.join(v, "model.pt"), "w").write("none")
        json.dump({"version": k}, open(os.path.join(v, "metrics.json"), "w"))
    json.dump({"format": "bcemb-run/1", "strategy": "bench", "fingerprint": "bench", "complete": True,
               "versions": [{"index": k, "dim": d, "layers": 2, "users": 100, "items": rows}
                            for k, d in enumerate(dims)]}, open(os.path.join(path, "run.json"), "w"))
    return ids


def timed(fn, n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


tmp = tempfile.mkdtemp()
try:
    ids = write_run(os.path.join(tmp, "run"))
    reg_dir = os.path.join(tmp, "reg")
    subprocess.run([BCEMB, "-q", "registry", "init", reg_dir], check=True, stdout=subprocess.DEVNULL)
    for k in (0, 1):
        subprocess.run([BCEMB, "-q", "registry", "publish", reg_dir, "--run", os.path.join(tmp, "run"),
                        "--version", str(k)], check=True, capture_output=True)
    out = os.path.join(tmp, "x.npy")
    cli_s = timed(lambda: subprocess.run([BCEMB, "-q", "export", reg_dir, "--version", "0", "--kind", "items",
                                          "--out", out], check=True, capture_output=True), repeats)
    t0 = time.perf_counter()
    reg = bcemb.Registry(reg_dir)
    first = reg.embeddings("items", version=0)[1]
    first_s = time.perf_counter() - t0
    warm_s = timed(lambda: reg.embeddings("items", version=0), repeats)
    assert np.array_equal(first, np.load(out))

    server = subprocess.Popen([BCEMB, "-q", "serve", reg_dir, "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        address = json.loads(server.stdout.readline())["listening"]
        client = bcemb.Client(f"http://{address}")
        batches = [ids[i:i + 1000] for i in range(0, 50000, 1000)]
        client_s = timed(lambda: [client.embeddings("items", version=0, ids=b) for b in batches], 3)

        def raw():
            for b in batches:
                req = urllib.request.Request(f"http://{address}/v1/embeddings:batch",
                                             data=json.dumps({"kind": "items", "version": 0, "ids": b}).encode(),
                                             headers={"Accept": "application/octet-stream",
                                                      "Content-Type": "application/json"})
                with urllib.request.urlopen(req) as r:
                    np.frombuffer(r.read(), dtype="<f4")
        raw_s = timed(raw, 3)
    finally:
        server.terminate()
        server.wait()
    looked_up = 50 * 1000
    print(json.dumps({
        "rows": rows, "dim_latest": dim, "dim_version0": dim // 2,
        "cli_export_s": round(cli_s, 3), "cli_export_rows_per_s": round(rows / cli_s),
        "python_first_call_s": round(first_s, 3),
        "python_embeddings_s": round(warm_s, 4), "python_rows_per_s": round(rows / warm_s),
        "client_batch1000_rows_per_s": round(looked_up / client_s), "urllib_batch1000_rows_per_s": round(looked_up / raw_s),
    }, indent=1))
finally:
    shutil.rmtree(tmp)
