#!/usr/bin/env bash
# install-deps.sh [--test] -- install what Orchard needs from Debian (and, with --test, the
# test-only helpers from Debian and npm). Safe to rerun: installs only what is missing.
set -eu
TEST=0; [ "${1:-}" = "--test" ] && TEST=1
BUILD_PKGS="build-essential pkg-config libstb-dev libcurl4-openssl-dev libssl-dev libzstd-dev check libhdf5-dev"
# test-only: numpy/h5py reference model, LAPACK oracle for PCA, the S3 server, node for Parquet readers
TEST_PKGS="python3 python3-numpy python3-h5py python3-sklearn chromium liblapacke-dev nodejs npm curl"
# test-only: Ceph radosgw, the real S3 server tests/test_s3.c starts on 127.0.0.1 (openssl:
# its test certificate)
TEST_PKGS="$TEST_PKGS radosgw ceph-mon ceph-osd ceph-common openssl"
# test-only: Open MPI, so the build has MPI and tests/it-mpi.sh runs (`mpirun -np N orchard extract`)
TEST_PKGS="$TEST_PKGS libopenmpi-dev openmpi-bin"
# test-only on x86-64: the AArch64 cross compiler and qemu-user for `make neon-check`
if [ "$(uname -m)" = x86_64 ]; then
    TEST_PKGS="$TEST_PKGS gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static"
fi
want="$BUILD_PKGS"; [ $TEST = 1 ] && want="$want $TEST_PKGS"
missing=""
for p in $want; do
    # node/npm may come from another packaging (e.g. nodesource's nodejs bundles npm)
    case $p in nodejs) command -v node >/dev/null && continue ;; npm) command -v npm >/dev/null && continue ;; esac
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "install-deps: apt-get install$missing"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# the three Parquet readers of tests/it-parquet.sh, pinned by tests/parquet/package-lock.json
if [ $TEST = 1 ] && [ ! -d "$(dirname "$0")/../tests/parquet/node_modules/@duckdb/node-api" ]; then
    echo "install-deps: npm ci in tests/parquet"
    (cd "$(dirname "$0")/../tests/parquet" && npm ci --no-audit --no-fund --loglevel=error)
fi
