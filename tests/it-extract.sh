#!/usr/bin/env bash
# it-extract.sh -- `orchard extract` end to end on a small folder: labels (spaces, commas),
# file:// URIs, sorted rows, hostile files listed in errors.csv, identical output for other
# thread/batch settings, exit statuses and --help.
set -u
. tests/lib.sh
it_init it-extract
SRC="$SHARED/data/fruits-360/Test/Apple Braeburn"
[ -d "$SRC" ] || fail "missing test data $SRC"
IN="$T/in put"
mkdir -p "$IN/Apple Braeburn" "$IN/Kiwi, gold" "$IN/a/b c" "$IN/bad"
jpgs=("$SRC"/*.jpg)
cp "${jpgs[0]}" "${jpgs[1]}" "${jpgs[2]}" "$IN/Apple Braeburn/"
cp "${jpgs[3]}" "$IN/Kiwi, gold/k 1.jpg"
cp "${jpgs[4]}" "$IN/a/b c/x%y.jpg"
: > "$IN/bad/empty.jpg"
echo "not an image" > "$IN/bad/text.jpg"
head -c 1500 "${jpgs[5]}" > "$IN/bad/truncated.jpg"
touch "$IN/.hidden.jpg"

"$ORCHARD" extract "$IN" "$T/out1" --format csv --threads 2 --batch 2 --quiet 2> "$T/log1" \
    || { cat "$T/log1"; fail "extract exited $?"; }
grep -q "5 images" "$T/log1" || { cat "$T/log1"; fail "summary lacks '5 images'"; }
grep -q "3 skipped" "$T/log1" || { cat "$T/log1"; fail "summary lacks '3 skipped'"; }
/usr/bin/python3 - "$T/out1" "$IN" <<'PY' || fail "CSV content"
import csv, math, os, sys, urllib.parse
out, src = sys.argv[1], os.path.realpath(sys.argv[2])
rows = list(csv.reader(open(out + "/features.csv", newline="")))
head = rows[0]
assert head[:2] == ["path", "label"] and head[2:] == ["f%d" % i for i in range(1280)], head[:4]
rows = rows[1:]
assert len(rows) == 5, len(rows)
paths = [r[0] for r in rows]
for p in paths:
    assert p.startswith("file:///"), p
    assert " " not in p and "," not in p, p
local = [urllib.parse.unquote(p[len("file://"):]) for p in paths]
assert local == sorted(local), local
assert all(os.path.isfile(p) and p.startswith(src + "/") for p in local), local
labels = [r[1] for r in rows]
assert labels == ["Apple Braeburn"] * 3 + ["Kiwi, gold", "b c"], labels
assert local[4].endswith("/a/b c/x%y.jpg") and "x%25y.jpg" in paths[4], paths[4]
for r in rows:
    v = [float(x) for x in r[2:]]
    assert len(v) == 1280 and all(math.isfinite(x) and 0.0 <= x <= 6.0 for x in v)
    assert max(v) > 0.5
errs = list(csv.reader(open(out + "/errors.csv", newline="")))
assert errs[0] == ["path", "reason"], errs[0]
reasons = {os.path.basename(urllib.parse.unquote(e[0])): e[1] for e in errs[1:]}
assert set(reasons) == {"empty.jpg", "text.jpg", "truncated.jpg"}, reasons
assert "empty file" in reasons["empty.jpg"], reasons
assert "not a supported image" in reasons["text.jpg"], reasons
assert "truncated JPEG" in reasons["truncated.jpg"], reasons
assert not os.path.exists(out + "/features.csv.tmp")
PY

# other thread count and batch size: byte-identical output
"$ORCHARD" extract "$IN" "$T/out2" --format csv --threads 1 --batch 3 --quiet 2> "$T/log2" || fail "run 2"
cmp -s "$T/out1/features.csv" "$T/out2/features.csv" || fail "features differ for threads 1 batch 3"
cmp -s "$T/out1/errors.csv" "$T/out2/errors.csv" || fail "errors.csv differs"

# exit statuses
"$ORCHARD" extract "$IN" "$T/out3" --format csv --max-errors 2 --quiet 2> /dev/null; rc=$?
[ $rc -eq 3 ] || fail "--max-errors 2 with 3 skipped gave $rc, want 3"
"$ORCHARD" extract "$IN" "$T/out3" --format csv --max-errors 3 --quiet 2> /dev/null || fail "--max-errors 3"
"$ORCHARD" extract "$IN" 2> /dev/null; [ $? -eq 2 ] || fail "missing OUTPUT_DIR not a usage error"
"$ORCHARD" extract "$IN" "$T/o" --format xml 2> "$T/e"; [ $? -eq 2 ] || fail "--format xml"
grep -q "not supported" "$T/e" || fail "--format message"
"$ORCHARD" extract "$IN" "$T/o" --threads 0 2> "$T/e"; [ $? -eq 2 ] || fail "--threads 0"
"$ORCHARD" extract "$IN" "$T/o" --bogus 1 2> /dev/null; [ $? -eq 2 ] || fail "unknown option"
"$ORCHARD" extract "$T/nope" "$T/o" 2> "$T/e"; [ $? -eq 1 ] || fail "missing input folder"
grep -q "nope" "$T/e" || fail "missing input message"
echo "garbage" > "$T/w.orw"
"$ORCHARD" extract "$IN" "$T/o" --weights "$T/w.orw" 2> "$T/e"; [ $? -eq 1 ] || fail "bad weights"
grep -q "w.orw" "$T/e" || { cat "$T/e"; fail "bad weights message lacks the file name"; }
mkdir -p "$T/empty"
"$ORCHARD" extract "$T/empty" "$T/o" 2> "$T/e"; [ $? -eq 1 ] || fail "empty input folder"
grep -q "no files found" "$T/e" || fail "empty input message"
"$ORCHARD" extract --help > "$T/help" || fail "--help"
for opt in --format --threads --batch --weights --isa --limit --max-errors --quiet; do
    grep -q -- "$opt" "$T/help" || fail "--help does not explain $opt"
done
"$ORCHARD" --help | grep -q extract || fail "orchard --help does not list extract"
echo "it-extract: ok"
