#!/usr/bin/env bash
# it-extract-hostile.sh -- a folder of good images with hostile files mixed in: zero-byte, a
# truncated JPEG, text named .jpg, a PNG header claiming 30000x30000, plus inputs that must
# work: a CMYK (Adobe, 4-component) JPEG, a 16-bit PNG, a grayscale PNG. The good ones are in
# features/ and pca/, each bad one in errors/ (read by DuckDB) with its reason; exit status 0,
# then 3 with --max-errors below the count (run.json says so, no _SUCCESS), 0 at the count.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
it_init it-extract-hostile
[ -d tests/parquet/node_modules/@duckdb/node-api ] || fail "tests/parquet/node_modules missing: run tools/install-deps.sh --test"
SRC="$SHARED/data/fruits-360/Test/Apple Golden 1"
[ -d "$SRC" ] || fail "missing test data $SRC"
IN="$T/in"
mkdir -p "$IN/good" "$IN/odd" "$IN/bad"
jpgs=("$SRC"/*.jpg)
for k in 0 1 2 3 4 5; do cp "${jpgs[$k]}" "$IN/good/"; done
$PY tests/hostile_images.py "$T/gen" || fail "generating images"
cp "$T/gen/gray.png" "$T/gen/deep.png" "$T/gen/cmyk.jpg" "$IN/odd/"
cp "$T/gen/bomb.png" "$IN/bad/bomb.png"
: >"$IN/bad/zero.jpg"
head -c 1500 "${jpgs[6]}" >"$IN/bad/truncated.jpg"
echo "this is not an image" >"$IN/bad/text.jpg"

"$ORCHARD" extract "$IN" "$T/out" --pca-k 3 --threads 2 --shard-size 4 2>"$T/log"; rc=$?
[ $rc -eq 0 ] || { cat "$T/log"; fail "exit $rc with skipped files, want 0"; }
grep -q "4 skipped" "$T/log" || { cat "$T/log"; fail "summary does not say 4 skipped"; }
[ -f "$T/out/_SUCCESS" ] || fail "no _SUCCESS"
node tests/parquet/dump.mjs "$T/out/errors" path reason >"$T/errors.jsonl" || fail "DuckDB on errors/"
node tests/parquet/dump.mjs "$T/out/features" path label >"$T/features.jsonl" || fail "DuckDB on features/"
node tests/parquet/dump.mjs "$T/out/pca" path label pca >"$T/pca.jsonl" || fail "DuckDB on pca/"
$PY - "$T" <<'PY' || fail "outputs"
import json, os, sys, urllib.parse
t = sys.argv[1]
load = lambda n: [json.loads(l) for l in open(os.path.join(t, n))]
errs = {os.path.basename(urllib.parse.unquote(e["path"])): e["reason"] for e in load("errors.jsonl")}
assert set(errs) == {"bomb.png", "zero.jpg", "truncated.jpg", "text.jpg"}, errs
assert "30000x30000" in errs["bomb.png"], errs["bomb.png"]
assert "empty file" in errs["zero.jpg"], errs["zero.jpg"]
assert "truncated JPEG" in errs["truncated.jpg"], errs["truncated.jpg"]
assert "not a supported image" in errs["text.jpg"], errs["text.jpg"]
feats = load("features.jsonl")
names = [os.path.basename(urllib.parse.unquote(f["path"])) for f in feats]
assert sorted(names[6:]) == ["cmyk.jpg", "deep.png", "gray.png"], names
assert [f["label"] for f in feats] == ["good"] * 6 + ["odd"] * 3
pca = load("pca.jsonl")
assert [p["path"] for p in pca] == [f["path"] for f in feats]
assert all(len(p["pca"]) == 3 for p in pca)
r = json.load(open(os.path.join(t, "out", "run.json")))
assert (r["counts"]["seen"], r["counts"]["processed"], r["counts"]["skipped"]) == (13, 9, 4), r["counts"]
PY
"$ORCHARD" extract "$IN" "$T/out3" --no-pca --max-errors 3 --quiet 2>"$T/log3"; rc=$?
[ $rc -eq 3 ] || { cat "$T/log3"; fail "--max-errors 3 with 4 skipped: exit $rc, want 3"; }
grep -q "more than --max-errors 3" "$T/log3" || fail "--max-errors message"
[ -f "$T/out3/_SUCCESS" ] && fail "_SUCCESS written although --max-errors was exceeded"
grep -q '"status": "too many errors"' "$T/out3/run.json" || fail "run.json status"
"$ORCHARD" extract "$IN" "$T/out3" --no-pca --max-errors 4 --quiet 2>/dev/null || fail "--max-errors 4"
[ -f "$T/out3/_SUCCESS" ] || fail "no _SUCCESS at --max-errors 4"
# usage errors: 2
"$ORCHARD" extract "$IN" "$T/o" --pca-k 3 --pca-variance 0.9 2>/dev/null; [ $? -eq 2 ] || fail "--pca-k with --pca-variance"
"$ORCHARD" extract "$IN" "$T/o" --pca-variance 1.5 2>/dev/null; [ $? -eq 2 ] || fail "--pca-variance 1.5"
"$ORCHARD" extract "$IN" 2>/dev/null; [ $? -eq 2 ] || fail "missing OUTPUT"
echo "it-extract-hostile: ok"
