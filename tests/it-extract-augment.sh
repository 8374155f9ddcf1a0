#!/usr/bin/env bash
# it-extract-augment.sh -- `orchard extract --augment`: each file gives one row per listed
# variant right after its own, path "URI#variant", same label; the row of variant v equals the
# features of the image rotated / mirrored beforehand by numpy (np.rot90, np.fliplr: an
# independent reference of the augment.h convention); Parquet with shards across the copies:
# counts, manifest and run.json record the list, a rerun resumes, another list is refused with
# what changed; array mode + finalize give the same PCA model; a bad list and a list on finalize are usage errors.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
it_init it-extract-augment

# two asymmetric 100x100 BMP images in classes A and B; ref/ holds their transformed copies
"$PY" - "$T" <<'PY' || fail "writing the test images"
import numpy as np, os, struct, sys
t = sys.argv[1]
def bmp(path, img):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    h, w, _ = img.shape
    row = (w * 3 + 3) // 4 * 4
    data = bytearray()
    for y in range(h - 1, -1, -1):
        line = img[y, :, ::-1].tobytes()
        data += line + b"\0" * (row - len(line))
    head = struct.pack("<2sIHHI", b"BM", 54 + len(data), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(data), 2835, 2835, 0, 0)
    open(path, "wb").write(head + info + bytes(data))
yy, xx = np.mgrid[0:100, 0:100].astype(float)
imgs = {
    "A/a.bmp": np.stack([xx * 2.5, yy * 1.2 + 30, 128 + 100 * np.sin(xx / 9 + yy / 23)], -1),
    "B/b.bmp": np.stack([255 - yy * 2, 60 + 80 * np.cos((xx - 2 * yy) / 15), xx * yy / 40], -1),
}
for name, img in imgs.items():
    img = np.clip(img, 0, 255).astype(np.uint8)
    img[10:30, 5:20] = (250, 20, 20)  # a red block near the top left
    bmp(f"{t}/in/{name}", img)
    stem = name[:-4]
    bmp(f"{t}/ref/{stem}_rot90.bmp", np.ascontiguousarray(np.rot90(img)))
    bmp(f"{t}/ref/{stem}_mirror.bmp", np.ascontiguousarray(np.fliplr(img)))
    bmp(f"{t}/ref/{stem}_mirror-rot270.bmp", np.ascontiguousarray(np.rot90(np.fliplr(img), 3)))
PY

"$ORCHARD" extract --help | grep -q -- "--augment LIST" || fail "extract --help does not document --augment"
"$ORCHARD" extract "$T/in" "$T/csv" --format csv --augment rot90,mirror,mirror-rot270 \
    --threads 2 --quiet 2>"$T/log.csv" || { cat "$T/log.csv"; fail "csv run"; }
"$ORCHARD" extract "$T/ref" "$T/refcsv" --format csv --threads 2 --quiet 2>"$T/log.ref" ||
    { cat "$T/log.ref"; fail "reference run"; }
"$PY" - "$T" <<'PY' || fail "augmented rows differ from the reference"
import csv, sys
import numpy as np
t = sys.argv[1]
rows = list(csv.reader(open(f"{t}/csv/features.csv")))[1:]
want = [(f"file://{t}/in/{c}/{s}.bmp{v}", c) for c, s in (("A", "a"), ("B", "b"))
        for v in ("", "#rot90", "#mirror", "#mirror-rot270")]
got = [(r[0], r[1]) for r in rows]
assert got == want, f"paths/labels/order: {got} != {want}"
ref = {r[0].rsplit("/", 1)[1]: np.array(r[2:], dtype=np.float64)
       for r in list(csv.reader(open(f"{t}/refcsv/features.csv")))[1:]}
base = {}
for r in rows:
    x = np.array(r[2:], dtype=np.float64)
    stem = r[0].rsplit("/", 1)[1].split(".bmp")[0]
    v = r[0].split("#")[1] if "#" in r[0] else None
    if v is None:
        base[stem] = x
        continue
    y = ref[f"{stem}_{v}.bmp"]
    err = np.abs(x - y).max() / max(np.abs(y).max(), 1e-6)
    assert err < 2e-3, f"{r[0]}: relative difference {err:g} to the pre-rotated image"
    assert np.abs(x - base[stem]).max() > 1e-2, f"{r[0]}: same features as the original"
print("ok", len(rows), "rows")
PY

# Parquet: 2 files x 8 variants in shards of 5 (a shard ends inside one file's copies)
run() { "$ORCHARD" extract "$T/in" "$T/out" --shard-size 5 --pca-k 2 --threads 2 --quiet "$@"; }
run --augment dihedral 2>"$T/log1" || { cat "$T/log1"; fail "parquet run"; }
grep -q "16 images" "$T/log1" || { cat "$T/log1"; fail "expected 16 rows (2 files x 8)"; }
grep -q '"augment": "rot90,rot180,rot270,mirror,mirror-rot90,mirror-rot180,mirror-rot270"' \
    "$T/out/run.json" || fail "run.json does not record the variants"
grep -q '"processed": 16' "$T/out/run.json" || fail "run.json counts"
grep -q '^augment rot90,rot180,rot270,mirror,' "$T/out/_manifest" || fail "manifest lacks augment"
grep -q '^shards 4$' "$T/out/_manifest" || fail "expected 4 shards of 5 rows"
run --augment identity,rot90,rot180,rot270,mirror,mirror-rot90,mirror-rot180,mirror-rot270 \
    2>"$T/log2" || { cat "$T/log2"; fail "rerun"; }
grep -q "4 of 4 shards resumed" "$T/log2" || { cat "$T/log2"; fail "the same list spelled out did not resume"; }
run --augment flip 2>"$T/log3" && fail "another --augment list was not refused"
grep -q -- "--augment rot90,rot180,rot270,mirror,mirror-rot90,mirror-rot180,mirror-rot270 then, mirror now" "$T/log3" ||
    { cat "$T/log3"; fail "the refusal does not name the --augment change"; }

# array mode: two tasks then finalize (the list comes from the manifest): the same rows
for i in 0 1; do
    "$ORCHARD" extract "$T/in" "$T/arr" --shard $i/2 --shard-size 5 --threads 2 --quiet \
        --augment dihedral 2>"$T/log.a$i" || { cat "$T/log.a$i"; fail "array task $i"; }
done
"$ORCHARD" finalize "$T/arr" --pca-k 2 --threads 2 --quiet 2>"$T/log.f" || { cat "$T/log.f"; fail "finalize"; }
grep -q '"processed": 16' "$T/arr/run.json" || fail "finalize counts"
grep -q '"augment": "rot90,rot180,rot270,mirror,' "$T/arr/run.json" || fail "finalize lost the list"
cmp -s "$T/arr/pca.orpca" "$T/out/pca.orpca" || fail "array + finalize gave another PCA model"

"$ORCHARD" extract "$T/in" "$T/bad" --augment rot45 2>"$T/log4"; rc=$?
[ $rc -eq 2 ] || fail "--augment rot45 exited $rc, expected 2"
grep -q -- "^orchard extract: --augment: unknown variant 'rot45'" "$T/log4" || { cat "$T/log4"; fail "bad list message"; }
"$ORCHARD" finalize "$T/out" --augment rot90 2>"$T/log5"; rc=$?
[ $rc -eq 2 ] || fail "finalize --augment exited $rc, expected 2 (it reads the manifest)"
echo "it-extract-augment: ok"
