#!/usr/bin/python3
"""extract_expect.py -- expectations for tests/parquet/check.mjs from independent sources.

  extract_expect.py OUT SHARD_SIZE FEATURES.csv PCA.csv CHECKDIR

FEATURES.csv is `orchard extract --format csv` of the same input (path,label,f0..), PCA.csv is
`orchard pca apply OUT/pca.orpca FEATURES.csv` (path,label,pc0..). For every part of
OUT/features and OUT/pca (shard i = rows of files i*SHARD_SIZE .. of the sorted listing; the
input has no bad file, so rows and files coincide), CHECKDIR gets a symlink NAME.parquet and
NAME.expect.json with every value, so the three readers compare each value with the CSV path.
Also checks: part counts, _SUCCESS manifests list the parts.
"""
import csv
import json
import os
import sys

out, shard, feat_csv, pca_csv, check = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]


def rows(path):
    with open(path, newline="") as f:
        r = list(csv.reader(f))
    return r[1:]


feat = rows(feat_csv)
pca = rows(pca_csv)
assert len(feat) == len(pca), (len(feat), len(pca))
assert [r[0] for r in feat] == [r[0] for r in pca]
nshards = (len(feat) + shard - 1) // shard
os.makedirs(check, exist_ok=True)
for sub, src, col in (("features", feat, "features"), ("pca", pca, "pca")):
    d = os.path.join(out, sub)
    parts = sorted(p for p in os.listdir(d) if p.startswith("part-") and p.endswith(".parquet"))
    assert len(parts) == nshards, (sub, len(parts), nshards)
    success = open(os.path.join(d, "_SUCCESS")).read()
    for p in parts:
        assert p in success, (sub, p)
    for i, p in enumerate(parts):
        assert p.startswith("part-%05d-" % i), p
        chunk = src[i * shard:(i + 1) * shard]
        name = "%s-%05d" % (sub, i)
        os.symlink(os.path.abspath(os.path.join(d, p)), os.path.join(check, name + ".parquet"))
        exp = {
            "file": name + ".parquet",
            "rows": len(chunk),
            "codec": "ZSTD",
            "row_groups": 1 if chunk else 0,
            "columns": [
                {"name": "path", "type": "string", "nullable": False},
                {"name": "label", "type": "string_dict", "nullable": False},
                {"name": col, "type": "float_list", "nullable": False},
            ],
            "data": [[r[0], r[1], [float(x) for x in r[2:]]] for r in chunk],
        }
        with open(os.path.join(check, name + ".expect.json"), "w") as f:
            json.dump(exp, f)
print("extract_expect: %d rows, %d shards, %d pca components" % (len(feat), nshards, len(pca[0]) - 2))
