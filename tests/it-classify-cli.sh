#!/usr/bin/env bash
# it-classify-cli.sh -- orchard train / evaluate / predict on a small synthetic features CSV:
# selection table, evaluation.json contents, averaging of "#variant" views, several DATASETs
# (rows of one name in two of them are views of one image), refusal of corrupt
# models, of a dataset with another class list, of another PCA model, and of bad command lines.
set -u
. tests/lib.sh
it_init it-classify-cli

# three well separated classes (one with a space and a comma in its name), 8 features, 60 rows
# each; the label field quoted as CSV requires
gen() { # seed file [classes]
    awk -v seed="$1" -v classes="${3:-3}" 'BEGIN {
        srand(seed);
        printf "path,label"; for (j = 0; j < 8; j++) printf ",f%d", j; printf "\n";
        split("Apple Braeburn|Banana, ripe|Cherry|Date", name, "|");
        for (i = 0; i < 60 * classes; i++) {
            c = i % classes;
            printf "file:///data/%s/%d.jpg,\"%s\"", c, i, name[c + 1];
            for (j = 0; j < 8; j++) {
                centre = ((c * 7 + j * 3) % 5 - 2) * 4;
                printf ",%.6f", centre + (rand() + rand() + rand() - 1.5);
            }
            printf "\n";
        }
    }' > "$2"
}
gen 1 "$T/train.csv"
gen 2 "$T/test.csv"

"$ORCHARD" train --help | grep -q -- "--select" || fail "train --help does not list --select"
"$ORCHARD" evaluate --help | grep -q -- "--output" || fail "evaluate --help"
"$ORCHARD" predict --help | grep -q -- "--json" || fail "predict --help"
# a bad --tta list is a usage error that names the option typed (not --augment) and the bad value
"$ORCHARD" predict "$T/none.orcls" --tta rot90,rot45 "$T/none.jpg" 2> "$T/err"; rc=$?
[ $rc -eq 2 ] || fail "predict --tta rot90,rot45 exited $rc, expected 2"
grep -q -- "^orchard predict: --tta: unknown variant 'rot45'" "$T/err" || fail "--tta: $(cat "$T/err")"
grep -q -- "--augment" "$T/err" && fail "predict --tta error names --augment: $(cat "$T/err")"

"$ORCHARD" train "$T/train.csv" -o "$T/m.orcls" --select --selection-json "$T/sel.json" \
    > "$T/train.out" 2> "$T/train.err" || { cat "$T/train.err"; fail "train --select"; }
grep -q "^selected: " "$T/train.out" || fail "no selected line"
grep -q '"val_top1": 1.000000' "$T/sel.json" || fail "validation accuracy not perfect on separable data"
[ -s "$T/m.orcls" ] || fail "no model written"
grep -q '"train_rows": 144, "validation_rows": 36, "validation_images": 36' "$T/sel.json" || fail "split sizes: $(head -c 80 "$T/sel.json")"
# augmented copies ("#variant" after the path) of validation images are kept out of training
# and averaged with their image
awk -F, 'NR > 1 { sub(/\.jpg/, ".jpg#mirror", $1) } NR > 1' OFS=, "$T/train.csv" > "$T/aug-rows"
cat "$T/train.csv" "$T/aug-rows" > "$T/train-aug.csv"
"$ORCHARD" train "$T/train-aug.csv" -o "$T/aug.orcls" --select --selection-json "$T/sel-aug.json" \
    > /dev/null 2>&1 || fail "train --select on augmented rows"
grep -q '"train_rows": 288, "validation_rows": 72, "validation_images": 36' "$T/sel-aug.json" \
    || fail "augmented split sizes: $(head -c 80 "$T/sel-aug.json")"

"$ORCHARD" evaluate "$T/m.orcls" "$T/test.csv" -o "$T/eval.json" > "$T/eval.out" \
    || fail "evaluate"
grep -q "top-1 100.00%" "$T/eval.out" || { cat "$T/eval.out"; fail "top-1 not 100%"; }
/usr/bin/python3 - "$T/eval.json" <<'EOF' || fail "evaluation.json content"
import json, sys
e = json.load(open(sys.argv[1]))
assert e["rows"] == 180 and e["top1"] == 1.0 and e["top5"] == 1.0, e["top1"]
assert e["classes"] == ["Apple Braeburn", "Banana, ripe", "Cherry"], e["classes"]
assert [p["support"] for p in e["per_class"]] == [60, 60, 60]
assert all(p["precision"] == 1.0 and p["recall"] == 1.0 for p in e["per_class"])
assert e["confusion"] == [[60, 0, 0], [0, 60, 0], [0, 0, 60]]
EOF

# test-time augmentation: "#variant" rows are views of one image, averaged and scored once;
# --per-row scores every row; views with different labels are refused
awk -F, 'NR > 1 { sub(/\.jpg/, ".jpg#rot90", $1) } NR > 1' OFS=, "$T/test.csv" > "$T/tta-rows"
cat "$T/test.csv" "$T/tta-rows" > "$T/test-tta.csv"
"$ORCHARD" evaluate "$T/m.orcls" "$T/test-tta.csv" -o "$T/eval-tta.json" > "$T/eval-tta.out" \
    || fail "evaluate with views"
grep -q "360 rows are 180 images (up to 2 views each" "$T/eval-tta.out" || fail "tta: $(cat "$T/eval-tta.out")"
grep -q '"test_time_augmentation": {"averaged": true, "dataset_rows": 360, "images": 180, "max_views": 2}' \
    "$T/eval-tta.json" || fail "evaluation.json does not say what was averaged"
grep -q '"rows": 180,' "$T/eval-tta.json" || fail "rows after averaging"
"$ORCHARD" evaluate "$T/m.orcls" "$T/test-tta.csv" --per-row | grep -q "on 360 rows" \
    || fail "--per-row"
sed '$ s/,"Cherry",/,"Apple Braeburn",/' "$T/test-tta.csv" > "$T/test-mixed.csv"
"$ORCHARD" evaluate "$T/m.orcls" "$T/test-mixed.csv" 2> "$T/err" && fail "mixed-label views accepted"
grep -q "have different labels (Cherry, Apple Braeburn)" "$T/err" || fail "mixed views: $(cat "$T/err")"

# several DATASETs (e.g. one extraction per --input-size): their rows in argument order; rows
# of the same name are views of one image, in train --select's split and in evaluate's averaging
gen 4 "$T/train-b.csv"
gen 5 "$T/test-b.csv"
"$ORCHARD" train "$T/train.csv" "$T/train-b.csv" -o "$T/m2.orcls" --select \
    --selection-json "$T/sel2.json" > "$T/train2.out" 2> /dev/null || fail "train on two datasets"
grep -q "on 360 rows x 8 features, 3 classes" "$T/train2.out" || fail "two datasets: $(tail -2 "$T/train2.out")"
grep -q '"train_rows": 288, "validation_rows": 72, "validation_images": 36' "$T/sel2.json" \
    || fail "two-dataset split sizes: $(head -c 80 "$T/sel2.json")"
"$ORCHARD" evaluate "$T/m2.orcls" "$T/test-tta.csv" "$T/test-b.csv" -o "$T/eval2.json" \
    > "$T/eval2.out" || fail "evaluate on two datasets"
grep -q "540 rows are 180 images (up to 3 views each" "$T/eval2.out" || fail "two datasets tta: $(cat "$T/eval2.out")"
/usr/bin/python3 - "$T/eval2.json" "$T/test-tta.csv" "$T/test-b.csv" <<'PY' || fail "two-dataset evaluation.json"
import json, sys
e = json.load(open(sys.argv[1]))
assert e["test_time_augmentation"] == {"averaged": True, "dataset_rows": 540, "images": 180,
                                       "max_views": 3}, e["test_time_augmentation"]
assert e["rows"] == 180 and e["top1"] == 1.0, (e["rows"], e["top1"])
assert [p["support"] for p in e["per_class"]] == [60, 60, 60]
assert e["datasets"] == sys.argv[2:] and e["dataset"] == " + ".join(sys.argv[2:]), e["dataset"]
PY
"$ORCHARD" evaluate "$T/m2.orcls" "$T/test.csv" "$T/test-b.csv" -o "$T/eval3.json" > /dev/null \
    || fail "evaluate on two plain datasets"
grep -q '"test_time_augmentation": {"averaged": true, "dataset_rows": 360, "images": 180, "max_views": 2}' \
    "$T/eval3.json" || fail "rows of the same name in two datasets are not averaged"
"$ORCHARD" evaluate "$T/m2.orcls" "$T/test.csv" "$T/test-b.csv" --per-row | grep -q "on 360 rows" \
    || fail "--per-row on two datasets"
"$ORCHARD" evaluate "$T/m2.orcls" 2> "$T/err"; [ $? -eq 2 ] || fail "evaluate without DATASET"
grep -q "need MODEL and at least one DATASET" "$T/err" || fail "evaluate usage: $(cat "$T/err")"

# a linear model with explicit options, then the MLP
"$ORCHARD" train "$T/train.csv" -o "$T/lin.orcls" -C 0.5 --l2-normalize --threads 1 > /dev/null \
    || fail "train linear"
"$ORCHARD" train "$T/train.csv" -o "$T/mlp.orcls" --model mlp --hidden 8 --max-iter 50 > /dev/null \
    || fail "train mlp"
"$ORCHARD" evaluate "$T/mlp.orcls" "$T/test.csv" | grep -q "top-1 100.00%" || fail "mlp accuracy"

# refusals: corrupt model, truncated model, another class list, bad usage
cp "$T/m.orcls" "$T/bad.orcls"
printf '\x01' | dd of="$T/bad.orcls" bs=1 seek=300 conv=notrunc 2>/dev/null
"$ORCHARD" evaluate "$T/bad.orcls" "$T/test.csv" 2> "$T/err" && fail "corrupt model accepted"
grep -q "checksum mismatch" "$T/err" || fail "corrupt model: $(cat "$T/err")"
head -c 200 "$T/m.orcls" > "$T/short.orcls"
"$ORCHARD" evaluate "$T/short.orcls" "$T/test.csv" 2> "$T/err" && fail "truncated model accepted"
grep -q "not an Orchard classifier" "$T/err" || fail "truncated: $(cat "$T/err")"
gen 3 "$T/other.csv" 4
"$ORCHARD" evaluate "$T/m.orcls" "$T/other.csv" 2> "$T/err" && fail "other class list accepted"
grep -q "class 'Date' is not one of the model's 3 classes" "$T/err" || fail "class list: $(cat "$T/err")"
"$ORCHARD" train "$T/train.csv" 2> /dev/null; [ $? -eq 2 ] || fail "missing -o is not a usage error"
"$ORCHARD" train "$T/train.csv" -o "$T/x.orcls" -C -1 2> /dev/null; [ $? -eq 2 ] || fail "-C -1 accepted"
"$ORCHARD" train "$T/train.csv" -o "$T/x.orcls" --input pca 2> "$T/err"; [ $? -eq 2 ] \
    || fail "--input pca without --pca accepted"
echo "garbage,row" >> "$T/test.csv"
"$ORCHARD" evaluate "$T/m.orcls" "$T/test.csv" 2> "$T/err" && fail "bad CSV row accepted"
grep -q "test.csv:182" "$T/err" || fail "bad row not located: $(cat "$T/err")"

# a PCA-sourced model refuses another PCA file (any file stands for the .orpca here)
head -c 1000 /dev/urandom > "$T/a.orpca"; head -c 1000 /dev/urandom > "$T/b.orpca"
"$ORCHARD" train "$T/train.csv" -o "$T/p.orcls" --input pca --pca "$T/a.orpca" > /dev/null \
    || fail "train on pca input"
"$ORCHARD" evaluate "$T/p.orcls" "$T/train.csv" --pca "$T/a.orpca" > /dev/null || fail "same pca"
"$ORCHARD" evaluate "$T/p.orcls" "$T/train.csv" --pca "$T/b.orpca" 2> "$T/err" \
    && fail "other PCA accepted"
grep -q "is not the PCA model this classifier was trained with" "$T/err" || fail "pca: $(cat "$T/err")"
"$ORCHARD" evaluate "$T/p.orcls" "$T/train.csv" 2> "$T/err" && fail "missing --pca accepted"

# the real PCA: fit on train, project both splits to Parquet datasets, train and evaluate on them
"$ORCHARD" pca fit "$T/train.csv" -o "$T/real.orpca" --pca-k 4 > /dev/null || fail "pca fit"
"$ORCHARD" pca apply "$T/real.orpca" "$T/train.csv" -o "$T/train-pca" > /dev/null || fail "pca apply train"
gen 2 "$T/test2.csv"
"$ORCHARD" pca apply "$T/real.orpca" "$T/test2.csv" -o "$T/test-pca" > /dev/null || fail "pca apply test"
"$ORCHARD" train "$T/train-pca" --input pca --pca "$T/real.orpca" -o "$T/rp.orcls" > "$T/rp.out" \
    || fail "train on a Parquet pca dataset"
grep -q "180 rows x 4 features" "$T/rp.out" || fail "pca dataset shape: $(cat "$T/rp.out")"
"$ORCHARD" evaluate "$T/rp.orcls" "$T/test-pca" --pca "$T/real.orpca" | grep -q "top-1 100.00%" \
    || fail "evaluate on a Parquet pca dataset"
"$ORCHARD" evaluate "$T/rp.orcls" "$T/test-pca" --pca "$T/a.orpca" 2> /dev/null && fail "other pca"
# DATASETs of different dimensions are refused, naming both (a Parquet one and a CSV)
"$ORCHARD" evaluate "$T/rp.orcls" "$T/test-pca" "$T/test2.csv" --pca "$T/real.orpca" 2> "$T/err" \
    && fail "datasets of different dimensions accepted"
grep -q "test2.csv has 8 feature values per row but $T/test-pca has 4" "$T/err" \
    || fail "dimension mismatch: $(cat "$T/err")"
echo "it-classify-cli: ok"
