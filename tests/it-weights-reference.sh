#!/usr/bin/env bash
# it-weights-reference.sh -- the built weights/mobilenet_v2_1.0_224.orw against the Keras .h5,
# read and folded independently in Python (tests/orw_reference.py, weights/FORMAT.md only).
set -u
cd "$(dirname "$0")/.."
ORW=${ORCHARD_WEIGHTS:-weights/mobilenet_v2_1.0_224.orw}
H5=${ORCHARD_SHARED:-../shared}/weights/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5
[ -f "$ORW" ] || { echo "missing $ORW (make weights)"; exit 1; }
[ -f "$H5" ] || { echo "missing $H5 (set ORCHARD_SHARED)"; exit 1; }
/usr/bin/python3 tests/orw_reference.py "$ORW" "$H5" || exit 1
