#!/usr/bin/env bash
# it-pca.sh -- `orchard pca fit|apply|show` end to end on a generated features CSV: k and the
# projection against scikit-learn, CSV and Parquet outputs, Parquet input, merged statistics
# shards equal to one fit, and the refusals (bad CSV, wrong dimension, corrupt model, usage).
set -u
. tests/lib.sh
it_init it-pca

"$PY" - "$T" <<'EOF' || fail "could not generate the CSV"
import numpy as np, sys
t = sys.argv[1]
rng = np.random.default_rng(5)
n, d = 600, 48
z = rng.normal(size=(n, 6)) * np.array([5, 3, 2, 1, 0.5, 0.2])
x = (z @ rng.normal(size=(6, d)) + 0.05 * rng.normal(size=(n, d)) + 2.0).astype(np.float32)
def write(path, rows, start):
    with open(path, "w") as f:
        f.write("path,label," + ",".join("f%d" % i for i in range(d)) + "\n")
        for r, row in enumerate(rows):
            p = '"img/%d, ""quoted"".jpg"' % (start + r) if r % 50 == 0 else "img/%d.jpg" % (start + r)
            f.write(p + ",class%d," % (r % 3) + ",".join("%.9g" % v for v in row) + "\n")
write(t + "/all.csv", x, 0)
write(t + "/a.csv", x[:250], 0)
write(t + "/b.csv", x[250:], 250)
EOF

"$ORCHARD" pca fit "$T/all.csv" -o "$T/m.orpca" --pca-variance 0.95 2>"$T/fit.log" \
    || { cat "$T/fit.log"; fail "fit failed"; }
grep -q "600 rows x 48 features" "$T/fit.log" || { cat "$T/fit.log"; fail "fit summary"; }
"$ORCHARD" pca show "$T/m.orpca" >"$T/show.txt" || fail "show failed"
"$ORCHARD" pca apply "$T/m.orpca" "$T/all.csv" -o "$T/y.csv" 2>/dev/null || fail "apply csv"
"$ORCHARD" pca apply "$T/m.orpca" "$T/all.csv" -o "$T/yds" 2>/dev/null || fail "apply parquet"
[ -f "$T/yds/_SUCCESS" ] || fail "no _SUCCESS in the Parquet output"

"$PY" - "$T" <<'EOF' || fail "scikit-learn comparison"
import numpy as np, sys, csv
from sklearn.decomposition import PCA
t = sys.argv[1]
rows = list(csv.reader(open(t + "/all.csv")))
x = np.array([[float(v) for v in r[2:]] for r in rows[1:]], dtype=np.float32).astype(np.float64)
p = PCA(n_components=0.95, svd_solver="full").fit(x)
show = open(t + "/show.txt").read().split("\n")
k = int([l for l in show if l.startswith("k ")][0].split()[1])
assert k == p.n_components_, (k, p.n_components_)
ratios = [float(l.split()[2]) for l in show if l[:1].isdigit()]
assert np.allclose(ratios, p.explained_variance_ratio_, rtol=0, atol=1e-10)
out = list(csv.reader(open(t + "/y.csv")))
assert out[0] == ["path", "label"] + ["pca%d" % j for j in range(k)], out[0]
assert out[1][0] == 'img/0, "quoted".jpg' and out[2][1] == "class1", out[1][:2]
y = np.array([[float(v) for v in r[2:]] for r in out[1:]])
ref = p.transform(x)
for j in range(k):
    s = 1.0 if np.dot(y[:, j], ref[:, j]) > 0 else -1.0
    assert np.max(np.abs(y[:, j] - s * ref[:, j])) < 1e-4 * (1 + np.max(np.abs(ref[:, j]))), j
print("k", k, "matches scikit-learn")
EOF

# Parquet input: the pca column of the dataset just written, fitted again
"$ORCHARD" pca fit "$T/yds" --column pca --pca-k 2 -o "$T/m2.orpca" 2>"$T/fit2.log" \
    || { cat "$T/fit2.log"; fail "fit on a Parquet dataset"; }
grep -q "600 rows x" "$T/fit2.log" || fail "Parquet row count"

# statistics shards merged == one fit (same k, same eigenvalues to 1e-12)
"$ORCHARD" pca fit "$T/a.csv" -o "$T/a.orpca" --save-stats "$T/a.orpstat" 2>/dev/null || fail "shard a"
"$ORCHARD" pca fit "$T/b.csv" -o "$T/b.orpca" --save-stats "$T/b.orpstat" 2>/dev/null || fail "shard b"
"$ORCHARD" pca fit "$T/a.orpstat" "$T/b.orpstat" -o "$T/ab.orpca" 2>/dev/null || fail "merge"
"$ORCHARD" pca fit "$T/a.csv" "$T/b.csv" -o "$T/ab2.orpca" 2>/dev/null || fail "two csv"
"$ORCHARD" pca show --all "$T/ab.orpca" >"$T/ab.txt"
"$ORCHARD" pca show --all "$T/m.orpca" >"$T/m.txt"
"$PY" - "$T/ab.txt" "$T/m.txt" <<'EOF' || fail "merged statistics differ from one pass"
import sys
def ev(p):
    return [float(l.split()[1]) for l in open(p) if l[:1].isdigit()]
a, b = ev(sys.argv[1]), ev(sys.argv[2])
assert len(a) == len(b) == 48
assert all(abs(u - v) <= 1e-12 * abs(b[0]) for u, v in zip(a, b)), max(abs(u - v) for u, v in zip(a, b))
EOF
grep -q "fitted_rows 600" "$T/ab.txt" || fail "merged row count"

# refusals
"$ORCHARD" pca fit "$T/all.csv" -o "$T/x.orpca" --pca-k 3 --pca-variance 0.9 2>/dev/null
[ $? -eq 2 ] || fail "--pca-k with --pca-variance must be a usage error"
"$ORCHARD" pca fit "$T/nope.csv" -o "$T/x.orpca" 2>"$T/err" && fail "missing input accepted"
grep -q "nope.csv" "$T/err" || fail "missing input not named"
awk 'BEGIN { FS = OFS = "," } NR == 5 { $3 = "abc" } { print }' "$T/all.csv" >"$T/bad.csv"
"$ORCHARD" pca fit "$T/bad.csv" -o "$T/x.orpca" 2>"$T/err" && fail "bad number accepted"
grep -q "bad.csv:5: feature f0 is 'abc'" "$T/err" || { cat "$T/err"; fail "bad number message"; }
cut -d, -f1-20 "$T/all.csv" | sed '1s/.*/path,label,f0,f1,f2,f3,f4,f5,f6,f7,f8,f9,f10,f11,f12,f13,f14,f15,f16,f17/' >"$T/narrow.csv"
"$ORCHARD" pca apply "$T/m.orpca" "$T/narrow.csv" -o "$T/z.csv" 2>"$T/err" && fail "wrong dimension accepted"
grep -q "18 features per row, the model" "$T/err" || { cat "$T/err"; fail "dimension message"; }
[ ! -e "$T/z.csv" ] || fail "output written on failure"
printf 'XXXX' | dd of="$T/m.orpca" bs=1 seek=300 conv=notrunc 2>/dev/null
"$ORCHARD" pca apply "$T/m.orpca" "$T/all.csv" -o "$T/z.csv" 2>"$T/err" && fail "corrupt model accepted"
grep -q "checksum mismatch" "$T/err" || { cat "$T/err"; fail "corrupt model message"; }
"$ORCHARD" pca frobnicate 2>/dev/null; [ $? -eq 2 ] || fail "unknown action exit status"
"$ORCHARD" pca fit --help | grep -q -- "--pca-variance" || fail "help"
echo "it-pca: ok"
