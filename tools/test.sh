#!/usr/bin/env bash
# test.sh -- THE test command: install what is missing, build with -Werror, build the weights,
# run every test, then the same tests under ASan+UBSan. .ci/run calls exactly this.
set -eu
cd "$(dirname "$0")/.."
export ORCHARD_SHARED=${ORCHARD_SHARED:-$(pwd)/../shared}
if [ ! -d "$ORCHARD_SHARED/data/fruits-360" ]; then
    echo "test.sh: no data at $ORCHARD_SHARED/data/fruits-360 (set ORCHARD_SHARED)" >&2; exit 1
fi
tools/install-deps.sh --test
JOBS=$(nproc)
make -j"$JOBS" WERROR=1 all weights
make -j"$JOBS" WERROR=1 check
# the NEON kernels, cross-built for AArch64 and run under qemu-user (on x86-64 hosts)
if [ "$(uname -m)" = x86_64 ]; then make -j"$JOBS" WERROR=1 neon-check; fi
make -j"$JOBS" WERROR=1 asan
