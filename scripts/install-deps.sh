#!/usr/bin/env bash
# Installs the Debian packages bcemb needs (skips when all are present).
set -euo pipefail
PKGS=(build-essential cmake ccache pkg-config
      libtorch-dev libopenblas-dev libopenblas0-openmp zlib1g-dev libsqlite3-dev
      nlohmann-json3-dev libcli11-dev libcpp-httplib-dev libeigen3-dev
      libgtest-dev libbenchmark-dev
      python3-numpy python3-torch gnuplot-nox wrk
      pybind11-dev python3-dev python3-pytest python3-sklearn
      clang libclang-rt-14-dev libomp-dev libgloo-dev)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing: ${missing[*]}" >&2
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
