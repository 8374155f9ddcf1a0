#!/usr/bin/env bash
# it-extract-local.sh -- `orchard extract` folder -> folder on 200 ../shared images (4 classes,
# shards of 23): exit 0, _SUCCESS last, run.json counts/classes/k, every part of features/ and
# pca/ read by the three Parquet readers (DuckDB, hyparquet, parquet-wasm) with every value
# equal to the engine's CSV path (features) and to `orchard pca apply` on those CSV features
# (pca), labels and paths included; a rerun resumes every shard and changes nothing; a changed
# input is refused with what changed; --overwrite then starts over; --pca-fit-on reuses a model.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
it_init it-extract-local
[ -d tests/parquet/node_modules/@duckdb/node-api ] || fail "tests/parquet/node_modules missing: run tools/install-deps.sh --test"
IN="$T/in"
copy_test_images "$IN" 50 "Apple Braeburn" "Banana" "Kiwi" "Pear 2"
n=$(find "$IN" -type f | wc -l); [ "$n" -eq 200 ] || fail "expected 200 input files, got $n"

"$ORCHARD" extract "$IN" "$T/csv" --format csv --threads 2 --quiet 2>"$T/log.csv" || { cat "$T/log.csv"; fail "csv run"; }
"$ORCHARD" extract "$IN" "$T/out" --shard-size 23 --pca-k 8 --threads 2 --progress-interval 1 \
    2>"$T/log" || { cat "$T/log"; fail "extract exited $?"; }
grep -q "200 images" "$T/log" || { cat "$T/log"; fail "summary lacks '200 images'"; }
grep -q "images, .* img/s, ETA" "$T/log" || { cat "$T/log"; fail "no plain progress line"; }
for f in _SUCCESS _manifest run.json pca.orpca features/_SUCCESS pca/_SUCCESS errors/_SUCCESS; do
    [ -f "$T/out/$f" ] || fail "no $f"
done
"$ORCHARD" pca apply "$T/out/pca.orpca" "$T/csv/features.csv" -o "$T/pca.csv" 2>/dev/null || fail "pca apply"
$PY tests/extract_expect.py "$T/out" 23 "$T/csv/features.csv" "$T/pca.csv" "$T/check" || fail "expectations"
node tests/parquet/check.mjs "$T/check" >"$T/check.log" 2>&1 || { tail -n 30 "$T/check.log"; fail "Parquet readers disagree with the CSV path"; }
$PY - "$T/out/run.json" <<'PY' || fail "run.json"
import json, sys
r = json.load(open(sys.argv[1]))
c = r["counts"]
assert (c["seen"], c["processed"], c["skipped"], c["shards"]) == (200, 200, 0, 9), c
assert r["classes"] == ["Apple Braeburn", "Banana", "Kiwi", "Pear 2"], r["classes"]
assert r["pca"]["k"] == 8 and 0 < r["pca"]["explained_variance_ratio"] < 1, r["pca"]
for k in ("list", "fetch_decode_busy", "inference", "write_busy", "pca_fit", "pca_pass2", "total"):
    assert r["timings_s"][k] >= 0, k
assert r["peak_rss_mb"] > 0 and r["images_per_s"] > 0 and len(r["weights_sha256"]) == 64
assert r["status"] == "complete"
PY

# a rerun resumes every shard, rewrites nothing and gives the same files
sum1=$(cd "$T/out" && find features pca errors -name 'part-*' -exec sha256sum {} + | sort)
"$ORCHARD" extract "$IN" "$T/out" --shard-size 23 --pca-k 8 --threads 2 --quiet 2>"$T/log2" || { cat "$T/log2"; fail "rerun"; }
grep -q "9 of 9 shards resumed" "$T/log2" || { cat "$T/log2"; fail "rerun did not resume"; }
sum2=$(cd "$T/out" && find features pca errors -name 'part-*' -exec sha256sum {} + | sort)
[ "$sum1" = "$sum2" ] || fail "rerun changed the parts"
[ -f "$T/out/_SUCCESS" ] || fail "rerun: no _SUCCESS"

# a changed input is refused (exit 1) with what changed; --overwrite starts over
cp "$IN/Kiwi/$(ls "$IN/Kiwi" | head -n 1)" "$IN/Kiwi/zz-new.jpg"
"$ORCHARD" extract "$IN" "$T/out" --shard-size 23 --pca-k 8 --quiet 2>"$T/log3"; rc=$?
[ $rc -eq 1 ] || fail "changed input: exit $rc, want 1"
grep -q "200 files then, 201 now" "$T/log3" || { cat "$T/log3"; fail "changed input message"; }
grep -q -- "--overwrite" "$T/log3" || fail "changed input message does not name --overwrite"
cp "$T/out/pca.orpca" "$T/model.orpca"
"$ORCHARD" extract "$IN" "$T/out" --shard-size 23 --threads 2 --quiet --overwrite --pca-fit-on "$T/model.orpca" \
    2>"$T/log5" || { cat "$T/log5"; fail "--overwrite --pca-fit-on"; }
$PY - "$T/out" <<'PY' || fail "after --overwrite"
import json, os, sys
out = sys.argv[1]
r = json.load(open(out + "/run.json"))
assert r["counts"]["processed"] == 201 and r["counts"]["shards_resumed"] == 0, r["counts"]
assert r["pca"]["fitted_rows"] == 200 and r["pca"]["fitted_on"].endswith("/model.orpca"), r["pca"]
ids = {p.split("-")[2] for p in os.listdir(out + "/features") if p.startswith("part-")}
assert len(ids) == 1, ids
assert len([p for p in os.listdir(out + "/features") if p.startswith("part-")]) == 9
PY
cmp -s "$T/model.orpca" "$T/out/pca.orpca" || fail "--pca-fit-on did not keep the model"
echo "it-extract-local: ok"
