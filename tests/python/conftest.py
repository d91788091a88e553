"""Fixtures: a small trained run and a registry made with the bcemb CLI."""

import os
import shutil
import subprocess

import pytest

BCEMB = os.environ.get("BCEMB_BIN", "build/bcemb")
DATA = ["--users", "300", "--items", "200", "--interactions", "6000", "--cuts", "0.5,0.6,0.7,0.8"]
TRAIN = ["--dims", "16,20,24", "--layers", "2", "--epochs", "3", "--warmup", "1", "--threads", "1"]


def cli(*args, check=True):
    """Runs the bcemb CLI quietly; returns the completed process."""
    return subprocess.run([BCEMB, "-q", *args], capture_output=True, text=True, check=check)


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("run") / "bc"
    cli("train", *DATA, *TRAIN, "--strategy", "bc-aligner", "--out", str(path))
    return str(path)


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory, run_dir):
    path = tmp_path_factory.mktemp("reg") / "reg"
    cli("registry", "init", str(path))
    for k in range(3):
        cli("registry", "publish", str(path), "--run", run_dir, "--version", str(k))
    return str(path)


@pytest.fixture
def registry(tmp_path, registry_template):
    """A fresh copy per test: tests may publish or damage it."""
    path = tmp_path / "reg"
    shutil.copytree(registry_template, path)
    return str(path)
