#!/usr/bin/env bash
# it-parquet.sh -- our Parquet files, read by three independent readers (DuckDB, hyparquet,
# parquet-wasm/arrow-rs), every value compared with what was written: the "fixtures" case of
# test_parquet writes files with 0 rows, 1 row, many row groups, 100 KB strings, non-ASCII
# paths, empty and null lists, nulls, a dictionary that falls back to PLAIN, zstd levels 1 and
# 3 and uncompressed, plus NAME.expect.json from its generator; tests/parquet/check.mjs checks
# schema, row count, row groups, codecs and every value with each reader.
# Then tests/parquet/foreign.mjs: `orchard parquet cat` on files DuckDB writes, compared with
# DuckDB's reading of them. Needs tests/parquet/node_modules (tools/install-deps.sh --test runs `npm ci` there).
set -u
cd "$(dirname "$0")/.."
BUILD=${ORCHARD_BUILD:-build}
if [ ! -d tests/parquet/node_modules/@duckdb/node-api ] || [ ! -d tests/parquet/node_modules/hyparquet ]; then
    echo "it-parquet: tests/parquet/node_modules is missing: run tools/install-deps.sh --test"
    exit 1
fi
command -v node >/dev/null || { echo "it-parquet: node not found (apt-get install nodejs)"; exit 1; }
tmp=$(mktemp -d /tmp/orchard-it-parquet-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ORC_PARQUET_FIXTURES=$tmp CK_RUN_CASE=fixtures "$BUILD/tests/test_parquet" || exit 1
ls "$tmp"/*.parquet >/dev/null 2>&1 || { echo "it-parquet: no fixtures written"; exit 1; }
node tests/parquet/check.mjs "$tmp" || exit 1
# the other way round: our reader on DuckDB's files (v1 and v2 pages, zstd/snappy/none), every
# value equal to DuckDB's own reading; what we do not support (gzip) refused with a message
mkdir -p "$tmp/foreign"
node tests/parquet/foreign.mjs "$tmp/foreign" "$BUILD/orchard" || exit 1
# the CLI on a fixture: info names rows, row groups and codecs; --help works
rg=$(grep -o '"row_groups":[0-9]*' "$tmp/many-row-groups.expect.json" | cut -d: -f2)
info=$("$BUILD/orchard" parquet info "$tmp/many-row-groups.parquet") || exit 1
echo "$info" | grep -q "rows: 3000  row groups: $rg\$" || { echo "it-parquet: unexpected info: $info"; exit 1; }
echo "$info" | grep -q "row group $((rg - 1)): .* zstd" || { echo "it-parquet: no codecs in info"; exit 1; }
"$BUILD/orchard" parquet --help | grep -q "orchard parquet cat" || exit 1
"$BUILD/orchard" parquet cat "$tmp/nope.parquet" 2>/dev/null && { echo "it-parquet: a missing file was read"; exit 1; }
exit 0
