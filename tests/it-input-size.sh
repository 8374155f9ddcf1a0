#!/usr/bin/env bash
# it-input-size.sh -- the network run at another input size: `orchard extract --input-size 288`
# gives other (not 224's) 1280-d rows for the same images; Parquet runs record the size in
# run.json and _manifest, resume at the same size and refuse another one naming the change;
# array mode + finalize take it from the manifest (same PCA model as one process); bad sizes are
# usage errors; evaluate refuses a model trained at other sizes than a DATASET's run.json
# says. `orchard predict --input-size 224,288` averages the class probabilities of the
# two sizes: exactly the mean of `--input-size 224` and `--input-size 288` alone. `orchard
# train` records the sizes in the model (--input-size, else the run.json of Parquet DATASETs);
# predict without --input-size runs at the recorded sizes; evaluate.json names them; a LIST
# that contradicts a DATASET's run.json is refused naming it.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
it_init it-input-size
IN="$T/in"
copy_test_images "$IN" 6 "Kiwi" "Pear 2"

"$ORCHARD" extract --help | grep -q -- "--input-size N" || fail "extract --help lacks --input-size"
"$ORCHARD" predict --help | grep -q -- "--input-size LIST" || fail "predict --help lacks --input-size"
for s in 224 288; do
    "$ORCHARD" extract "$IN" "$T/csv$s" --format csv --input-size $s --threads 2 --quiet \
        2>"$T/log.csv$s" || { cat "$T/log.csv$s"; fail "csv run at $s"; }
done
"$ORCHARD" extract "$IN" "$T/csvdef" --format csv --threads 2 --quiet 2>"$T/log.csvdef" ||
    { cat "$T/log.csvdef"; fail "csv run at the default size"; }
cmp -s "$T/csv224/features.csv" "$T/csvdef/features.csv" ||
    fail "--input-size 224 differs from the default (the weight file's 224)"
"$PY" - "$T" <<'PY' || fail "288 rows"
import csv, sys
import numpy as np
t = sys.argv[1]
a = list(csv.reader(open(f"{t}/csv224/features.csv")))
b = list(csv.reader(open(f"{t}/csv288/features.csv")))
assert a[0] == b[0] and len(a[0]) == 2 + 1280, "headers"
assert [r[:2] for r in a] == [r[:2] for r in b] and len(a) == 13, "paths, labels and order"
for ra, rb in zip(a[1:], b[1:]):
    x, y = np.array(ra[2:], float), np.array(rb[2:], float)
    assert np.isfinite(y).all() and (y >= 0).all() and (y <= 6).all(), "ReLU6 range"
    assert np.abs(x - y).max() > 0.05, f"{ra[0]}: 288 features equal the 224 ones"
    c = x @ y / np.linalg.norm(x) / np.linalg.norm(y)
    assert c > 0.6, f"{ra[0]}: 224 and 288 features unrelated (cosine {c:.3f})"
print("ok")
PY

# Parquet: the size is part of the run
run() { "$ORCHARD" extract "$IN" "$T/out" --shard-size 5 --pca-k 2 --threads 2 --quiet "$@"; }
run --input-size 288 2>"$T/log1" || { cat "$T/log1"; fail "parquet run"; }
grep -q '"input_size": 288' "$T/out/run.json" || fail "run.json does not record the size"
grep -q '^input_size 288$' "$T/out/_manifest" || fail "the manifest does not record the size"
run --input-size 288 2>"$T/log2" || { cat "$T/log2"; fail "rerun"; }
grep -q "3 of 3 shards resumed" "$T/log2" || { cat "$T/log2"; fail "the same size did not resume"; }
run 2>"$T/log3" && fail "a rerun at the default size was not refused"
grep -q -- "--input-size 288 then, 224 now" "$T/log3" || { cat "$T/log3"; fail "the refusal does not name the size"; }
"$ORCHARD" extract "$IN" "$T/out224" --shard-size 5 --pca-k 2 --threads 2 --quiet 2>"$T/log4" ||
    { cat "$T/log4"; fail "default run"; }
grep -q '"input_size": 224' "$T/out224/run.json" || fail "run.json of a default run"
grep -q '^input_size' "$T/out224/_manifest" && fail "a default run's manifest names a size"
"$ORCHARD" extract "$IN" "$T/out224" --shard-size 5 --pca-k 2 --threads 2 --quiet \
    --input-size 224 2>"$T/log5" || { cat "$T/log5"; fail "--input-size 224 on a default run"; }
grep -q "3 of 3 shards resumed" "$T/log5" || { cat "$T/log5"; fail "--input-size 224 (the weight file's) did not resume the default run"; }
grep -q '^input_size' "$T/out224/_manifest" && fail "--input-size 224 made the manifest name a size"

for i in 0 1; do
    "$ORCHARD" extract "$IN" "$T/arr" --shard $i/2 --shard-size 5 --threads 2 --quiet \
        --input-size 288 2>"$T/log.a$i" || { cat "$T/log.a$i"; fail "array task $i"; }
done
"$ORCHARD" finalize "$T/arr" --pca-k 2 --threads 2 --quiet 2>"$T/log.f" || { cat "$T/log.f"; fail "finalize"; }
grep -q '"input_size": 288' "$T/arr/run.json" || fail "finalize lost the size"
cmp -s "$T/arr/pca.orpca" "$T/out/pca.orpca" || fail "array + finalize gave another PCA model"

for bad in 31 1025 abc 288x; do
    "$ORCHARD" extract "$IN" "$T/bad" --input-size "$bad" 2>"$T/log.bad"; rc=$?
    [ $rc -eq 2 ] || fail "--input-size $bad exited $rc, expected 2"
    grep -q -- "--input-size" "$T/log.bad" || { cat "$T/log.bad"; fail "--input-size $bad: message"; }
done

# predict at two sizes = the mean of the two sizes alone (a model trained on both sizes' rows)
mkdir -p "$T/both"
cp "$T/csv224/features.csv" "$T/both/a.csv"
cp "$T/csv288/features.csv" "$T/both/b.csv"
"$ORCHARD" train "$T/both" -o "$T/m.orcls" >"$T/out.train" 2>"$T/log.train" ||
    { cat "$T/log.train"; fail "train"; }
grep -q "^network input sizes: none" "$T/out.train" || { cat "$T/out.train"; fail "CSV rows recorded a size"; }
"$ORCHARD" train "$T/both" -o "$T/m2.orcls" --input-size 224,288 >"$T/out.train2" 2>"$T/log.train2" ||
    { cat "$T/log.train2"; fail "train --input-size 224,288"; }
grep -q "^network input sizes: 224,288 (--input-size)" "$T/out.train2" ||
    { cat "$T/out.train2"; fail "train summary lacks the sizes"; }
IMG="$IN/Kiwi/$(ls "$IN/Kiwi" | head -n 1)"
for s in 224 288 224,288; do
    "$ORCHARD" predict "$T/m.orcls" "$IMG" --json --top 2 --input-size $s >"$T/p$s.json" \
        2>"$T/log.p$s" || { cat "$T/log.p$s"; fail "predict --input-size $s"; }
done
"$ORCHARD" predict "$T/m2.orcls" "$IMG" --json --top 2 >"$T/prec.json" 2>"$T/log.prec" ||
    { cat "$T/log.prec"; fail "predict at the recorded sizes"; }
"$ORCHARD" predict "$T/m2.orcls" "$IMG" --json --top 2 --input-size 288 >"$T/prec288.json" \
    2>"$T/log.prec288" || { cat "$T/log.prec288"; fail "predict --input-size over the recorded"; }
"$PY" - "$T" <<'PY' || fail "predict at two sizes"
import json, sys
t = sys.argv[1]
p = {s: json.load(open(f"{t}/p{s}.json")) for s in ("224", "288", "224,288")}
prob = {s: {e["label"]: e["probability"] for e in v["top"]} for s, v in p.items()}
assert p["224,288"]["views"] == 2 and p["224"]["views"] == 1, "views"
for label in ("Kiwi", "Pear 2"):
    want = (prob["224"][label] + prob["288"][label]) / 2
    assert abs(prob["224,288"][label] - want) < 2e-6, f"{label}: {prob['224,288'][label]} != {want}"
assert prob["224"]["Kiwi"] != prob["288"]["Kiwi"], "the two sizes gave the same probabilities"
# m2 is m plus the recorded sizes 224,288: without --input-size predict runs at both
rec = json.load(open(f"{t}/prec.json"))
assert rec["views"] == 2, f"recorded sizes: {rec['views']} views"
assert rec["top"] == p["224,288"]["top"], f"recorded sizes: {rec['top']} != {p['224,288']['top']}"
one = json.load(open(f"{t}/prec288.json"))
assert one["views"] == 1 and one["top"] == p["288"]["top"], "--input-size 288 did not win"
print("ok")
PY
"$ORCHARD" predict "$T/m.orcls" "$IMG" --input-size 224,224 2>"$T/log.pb"; rc=$?
[ $rc -eq 2 ] || fail "predict --input-size 224,224 exited $rc, expected 2"
grep -q "224 is listed twice" "$T/log.pb" || { cat "$T/log.pb"; fail "repeated size message"; }
"$ORCHARD" predict "$T/m.orcls" "$IMG" --input-size 16 2>"$T/log.pc"; rc=$?
[ $rc -eq 2 ] || fail "predict --input-size 16 exited $rc, expected 2"

# Parquet outputs: the run.json sizes are recorded, in argument order without repeats
"$ORCHARD" train "$T/out" "$T/out224" "$T/arr" -o "$T/pq.orcls" >"$T/out.pq" 2>"$T/log.pq" ||
    { cat "$T/log.pq"; fail "train on Parquet outputs"; }
grep -q "^network input sizes: 288,224 (from the DATASETs' run.json)" "$T/out.pq" ||
    { cat "$T/out.pq"; fail "run.json sizes not recorded"; }
"$ORCHARD" evaluate "$T/pq.orcls" "$T/out" -o "$T/eval.json" >/dev/null 2>"$T/log.ev" ||
    { cat "$T/log.ev"; fail "evaluate"; }
"$PY" -c 'import json,sys; c=json.load(open(sys.argv[1]))["classifier"]; assert c["input_sizes"] == [288, 224], c' \
    "$T/eval.json" || fail "evaluation.json input_sizes"
# evaluate refuses rows of a size the model was not trained at (a run.json says so)
"$ORCHARD" train "$T/out" -o "$T/pq288.orcls" >/dev/null 2>"$T/log.pq288" ||
    { cat "$T/log.pq288"; fail "train on the 288 output"; }
"$ORCHARD" evaluate "$T/pq288.orcls" "$T/out224" -o "$T/eval.bad.json" 2>"$T/log.evbad"; rc=$?
[ $rc -eq 1 ] || fail "evaluate of a 288 model on 224 rows exited $rc, expected 1"
grep -q "orchard evaluate: $T/pq288.orcls was trained on rows of network input size 288, but DATASET $T/out224 was extracted at input size 224" \
    "$T/log.evbad" || { cat "$T/log.evbad"; fail "evaluate size mismatch message"; }
[ -e "$T/eval.bad.json" ] && fail "a refused evaluate wrote evaluation.json"
"$ORCHARD" evaluate "$T/pq288.orcls" "$T/out" "$T/csv288" -o "$T/eval.ok.json" >/dev/null 2>"$T/log.evok" ||
    { cat "$T/log.evok"; fail "evaluate of a 288 model on 288 rows (Parquet + CSV)"; }
"$ORCHARD" train "$T/out224" -o "$T/x.orcls" --input-size 288 2>"$T/log.conflict"; rc=$?
[ $rc -eq 2 ] || fail "--input-size 288 on a 224 run exited $rc, expected 2"
grep -q -- "--input-size 288, but DATASET $T/out224 was extracted at input size 224" "$T/log.conflict" ||
    { cat "$T/log.conflict"; fail "the conflict message does not name the DATASET"; }
[ -e "$T/x.orcls" ] && fail "a refused train wrote a model"
"$ORCHARD" train "$T/both" -o "$T/x.orcls" --input-size 224,abc 2>"$T/log.tb"; rc=$?
[ $rc -eq 2 ] || fail "train --input-size 224,abc exited $rc, expected 2"
grep -q "orchard train: --input-size" "$T/log.tb" || { cat "$T/log.tb"; fail "train bad list message"; }
"$ORCHARD" train --help | grep -q -- "--input-size LIST" || fail "train --help lacks --input-size"
echo "it-input-size: ok"
