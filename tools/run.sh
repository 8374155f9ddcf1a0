#!/usr/bin/env bash
# run.sh -- the README's first command: the main job on the defaults.
#   bash tools/run.sh [INPUT] [extract options...]
# Installs the build dependencies if missing (tools/install-deps.sh), builds, builds the
# weights (make weights), then runs `orchard extract` on $ORCHARD_SHARED/data/fruits-360/Test
# (the whole Test split present, 18,153 images; INPUT overrides it, e.g. a folder or an
# s3://bucket/prefix/) to ./out (ORCHARD_OUT overrides) with --pca-variance 0.95, and prints
# where the results are and how to read them with DuckDB. Rerunning resumes (nothing is
# recomputed for a complete output); pass --overwrite to start over, --limit N for a quick look.
set -eu
cd "$(dirname "$0")/.."
export ORCHARD_SHARED=${ORCHARD_SHARED:-$(pwd)/../shared}
INPUT="$ORCHARD_SHARED/data/fruits-360/Test"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then INPUT=$1; shift; fi
OUT=${ORCHARD_OUT:-out}
if ! command -v cc >/dev/null || ! command -v pkg-config >/dev/null ||
   ! pkg-config --exists stb libzstd libcurl openssl check hdf5 2>/dev/null; then
    tools/install-deps.sh
fi
make -j"$(nproc)" all weights >/dev/null
case "$INPUT" in
    s3://*) ;;
    *) [ -d "$INPUT" ] || { echo "run.sh: no input folder $INPUT (set ORCHARD_SHARED or pass INPUT)" >&2; exit 1; } ;;
esac
echo "run.sh: orchard extract $INPUT $OUT --pca-variance 0.95 $*" >&2
build/orchard extract "$INPUT" "$OUT" --pca-variance 0.95 "$@"
case "$OUT" in
    s3://*) where=$OUT ;;
    *) where=$(cd "$OUT" && pwd) ;;
esac
cat <<MSG

Results in $where:
  features/   path, label, features (1280 floats)    Parquet parts, _SUCCESS
  pca/        path, label, pca (k floats)            same rows and order
  errors/     path, reason of every skipped file
  pca.orpca   the PCA model ('build/orchard pca show $OUT/pca.orpca')
  run.json    counts, classes, k and explained variance, timings, peak RSS
Read them with DuckDB, e.g.:
  duckdb -c "SELECT label, count(*) AS n, len(any_value(pca)) AS k FROM read_parquet('$where/pca/*.parquet') GROUP BY label ORDER BY label"
MSG
