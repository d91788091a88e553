"""The Python module against the CLI on the same registry."""

import concurrent.futures
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import bcemb
from conftest import cli


def export(registry, version, kind, tmp_path):
    out, ids = tmp_path / f"{kind}{version}.npy", tmp_path / f"{kind}{version}.tsv"
    cli("export", registry, "--version", str(version), "--kind", kind, "--out", str(out), "--ids", str(ids))
    rows = [line.split("\t", 1)[1] for line in ids.read_text().splitlines()[1:]]
    return rows, np.load(out)


def test_embeddings_equal_the_cli_export_bit_for_bit(registry, tmp_path):
    reg = bcemb.Registry(registry)
    assert reg.latest == 2
    assert [v["version"] for v in reg.versions()] == [0, 1, 2]
    assert reg.versions()[1]["parent"] == 0 and reg.versions()[0]["parent"] is None
    for kind in ("users", "items"):
        for version in (0, 1, 2):
            ids, emb = reg.embeddings(kind, version=version)
            cli_ids, cli_emb = export(registry, version, kind, tmp_path)
            assert ids == cli_ids
            assert emb.dtype == np.float32 and emb.flags["C_CONTIGUOUS"]
            assert np.array_equal(emb, cli_emb)
    ids, latest = reg.embeddings("items")
    assert latest.shape == (len(ids), reg.versions()[-1]["dim"])
    some = ids[5:9][::-1]
    picked_ids, picked = reg.embeddings("items", version=0, ids=some)
    assert picked_ids == some
    _, all0 = reg.embeddings("items", version=0)
    np.testing.assert_allclose(picked, all0[[ids.index(i) for i in some]], rtol=1e-6, atol=1e-6)


def test_transform_is_the_chain_of_the_runs_transforms(registry, run_dir):
    reg, run = bcemb.Registry(registry), bcemb.Run(run_dir)
    assert run.versions == 3
    _, z2 = run.embeddings("items", 2)
    chained = z2 @ run.transform_matrix(2).T @ run.transform_matrix(1).T
    np.testing.assert_allclose(reg.transform(z2, 2, 0), chained, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(run.compatible("items", 2, 0), chained, rtol=1e-4, atol=1e-5)
    assert run.metrics(1)["version"] == 1
    assert run.manifest()["complete"] is True
    with pytest.raises(bcemb.Error, match="backward transforms only go to older versions"):
        reg.transform(z2, 0, 2)


def test_publish_external_matches_the_cli(registry, tmp_path):
    reg = bcemb.Registry(registry)
    ids, z = reg.embeddings("items")
    rng = np.random.default_rng(0)
    rotation = np.linalg.qr(rng.normal(size=(z.shape[1], z.shape[1])))[0].astype(np.float32)
    external = (z @ rotation).astype(np.float32)
    # The CLI on a copy of the same registry, with the same files.
    import shutil
    twin = str(tmp_path / "twin")
    shutil.copytree(registry, twin)
    np.save(tmp_path / "ext.npy", external)
    (tmp_path / "ext.tsv").write_text("index\tid\n" + "".join(f"{i}\t{x}\n" for i, x in enumerate(ids)))
    cli("registry", "publish-external", twin, "--embeddings", str(tmp_path / "ext.npy"), "--ids",
        str(tmp_path / "ext.tsv"), "--previous-version", "2", "--fit", "procrustes")
    error = reg.publish_external(external, ids, previous_version=2, fit="procrustes")
    assert error < 1e-3  # a pure rotation aligns exactly
    assert reg.latest == 3  # the new version is seen without reopening
    for version in (0, 3):
        _, mine = reg.embeddings("items", version=version)
        _, theirs = bcemb.Registry(twin).embeddings("items", version=version)
        assert np.array_equal(mine, theirs)
    assert reg.verify()["ok"]


def test_errors_carry_the_cli_messages(registry):
    reg = bcemb.Registry(registry)
    with pytest.raises(bcemb.Error, match=r"version 7 does not exist \(versions 0..2\)"):
        reg.embeddings("items", version=7)
    with pytest.raises(bcemb.Error, match="unknown item id 'nope'"):
        reg.embeddings("items", ids=["nope"])
    with pytest.raises(bcemb.Error, match="kind must be users or items"):
        reg.embeddings("things")
    with pytest.raises(bcemb.Error, match="previous-version 1 is not the registry's latest version"):
        reg.publish_external(np.zeros((3, 4), np.float32), ["a", "b", "c"], previous_version=1)
    with pytest.raises(bcemb.Error):
        bcemb.Registry(os.path.dirname(registry) + "/missing")
    # A damaged object: verify names it, and reading refuses it.
    objects = os.path.join(registry, "objects")
    table = max((os.path.join(objects, f) for f in os.listdir(objects) if f.endswith(".npy")), key=os.path.getsize)
    with open(table, "r+b") as f:
        f.seek(-4, os.SEEK_END)
        f.write(b"\x00\x01\x02\x03")
    report = bcemb.Registry.verify(reg)
    assert not report["ok"] and any(os.path.basename(table) in p for p in report["problems"])
    with pytest.raises(bcemb.Error, match="checksum|sha256|SHA-256"):
        bcemb.Registry(registry).embeddings("items")


def test_concurrent_readers_get_correct_answers(registry):
    reg = bcemb.Registry(registry)
    ids, _ = reg.embeddings("items")
    expected = {v: reg.embeddings("items", version=v)[1] for v in (0, 1, 2)}

    def read(i):
        version = i % 3
        got_ids, got = reg.embeddings("items", version=version)
        return got_ids == ids and np.array_equal(got, expected[version])

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(read, range(64)))


def test_client_matches_the_registry(registry):
    server = subprocess.Popen([os.environ.get("BCEMB_BIN", "build/bcemb"), "-q", "serve", registry, "--port", "0"],
                              stdout=subprocess.PIPE, text=True)
    try:
        address = json.loads(server.stdout.readline())["listening"]
        client = bcemb.Client(f"http://{address}")
        reg = bcemb.Registry(registry)
        ids, local = reg.embeddings("users", version=1)
        got_ids, remote = client.embeddings("users", version=1, ids=ids[:50])
        assert got_ids == ids[:50]
        np.testing.assert_allclose(remote, local[:50], rtol=1e-5, atol=1e-6)
        assert [v["version"] for v in client.versions()] == [0, 1, 2]
        with pytest.raises(bcemb.Error, match="unknown user id"):
            client.embeddings("users", ids=["nobody"])
        # SIGTERM is a graceful stop: in-flight requests finish, exit status 0.
        server.terminate()
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_example_consumer_scores_every_version(run_dir, tmp_path):
    _, items = bcemb.Run(run_dir).embeddings("items", 0)
    ids = bcemb.Run(run_dir).embeddings("items", 2)[0]
    (tmp_path / "labels.tsv").write_text("".join(f"{x}\t{int(x[-1]) % 2}\n" for x in ids))
    example = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "consumer_auc.py")
    out = subprocess.run([sys.executable, example, run_dir, str(tmp_path / "reg"), str(tmp_path / "labels.tsv")],
                         capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert len(lines) == 6 and lines[0].startswith("version 0  compatible  ROC-AUC")


def test_import_does_not_load_libtorch():
    code = "import bcemb; print(open('/proc/self/maps').read())"
    maps = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "_bcemb" in maps
    assert "libtorch" not in maps and "libc10" not in maps
