#!/usr/bin/env bash
# fetch-weights.sh H5 OUT.orw CONVERTER -- build the Orchard weight file.
# Uses the Keras .h5 in ../shared/weights (ORCHARD_SHARED) when present; otherwise, on a machine
# with internet access, downloads the official Keras file and checks its SHA-256 first.
set -eu
H5=$1; OUT=$2; CONVERT=$3
URL=https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5
# SHA-256 of the official download (KERAS_SHA256 may override it)
KERAS_SHA256=${KERAS_SHA256:-}
if [ ! -f "$H5" ]; then
    echo "fetch-weights: $H5 not found; downloading the official Keras weights" >&2
    tmp=$(mktemp -d); H5="$tmp/$(basename "$URL")"
    curl -fsSL --retry 3 -o "$H5" "$URL" || { echo "fetch-weights: download of $URL failed; set ORCHARD_SHARED to a folder with weights/" >&2; exit 1; }
    got=$(sha256sum "$H5" | cut -d' ' -f1)
    if [ -n "$KERAS_SHA256" ] && [ "$got" != "$KERAS_SHA256" ]; then
        echo "fetch-weights: SHA-256 of the download is $got, expected $KERAS_SHA256; refusing it" >&2; exit 1
    fi
fi
"$CONVERT" "$H5" "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
