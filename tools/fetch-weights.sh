#!/usr/bin/env bash
# fetch-weights.sh H5 OUT.orw CONVERTER -- build the Orchard weight file with orchard-convert.
# Uses the Keras .h5 in $ORCHARD_SHARED/weights when present. Otherwise, on a machine with
# internet access, downloads the official Keras file, but only when KERAS_SHA256 gives the
# SHA-256 to check it against: Keras publishes no checksum for this file (keras.applications
# downloads it unchecked), so there is no trustworthy value to build in.
set -eu
H5=$1; OUT=$2; CONVERT=$3
URL=https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5
mkdir -p "$(dirname "$OUT")"
if [ ! -f "$H5" ]; then
    if [ -z "${KERAS_SHA256:-}" ]; then
        echo "fetch-weights: $H5 not found (set ORCHARD_SHARED to the folder holding weights/)." >&2
        echo "fetch-weights: to download $URL instead, set KERAS_SHA256=<its sha256>; an unchecked download is refused" >&2
        exit 1
    fi
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    H5="$tmp/$(basename "$URL")"
    echo "fetch-weights: downloading $URL" >&2
    curl -fsSL --retry 3 -o "$H5" "$URL" || { echo "fetch-weights: download of $URL failed" >&2; exit 1; }
    got=$(sha256sum "$H5" | cut -d' ' -f1)
    if [ "$got" != "$KERAS_SHA256" ]; then
        echo "fetch-weights: SHA-256 of the download is $got, expected $KERAS_SHA256; refusing it" >&2; exit 1
    fi
fi
"$CONVERT" "$H5" "$OUT"
