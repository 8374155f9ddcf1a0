#!/usr/bin/env bash
# it-extract-s3.sh -- `orchard extract` with S3 on both sides, against a real S3 server (Ceph
# radosgw on 127.0.0.1, started by tests/s3/rgw-start.sh; it checks SigV4 and payload hashes):
#  - local -> S3: every object under the output prefix equals, byte for byte, the file of a
#    local -> local run of the same input (parts, manifests, model, _SUCCESS);
#  - S3 -> S3 (100 images uploaded with `orchard s3 cp`, one of them not an image): rows, labels,
#    s3:// paths, features equal to the local run's (read by DuckDB), the bad object in errors/;
#  - a run killed with SIGKILL, resumed with a fresh staging folder (another machine): it fetches
#    the complete parts from S3 and ends with the same objects as an uninterrupted run.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
BUILD=${ORCHARD_BUILD:-build}
SHARED=${ORCHARD_SHARED:-../shared}
ORCHARD=$(realpath "$BUILD/orchard")
PY=/usr/bin/python3
fail() { echo "it-extract-s3: FAIL: $*"; exit 1; }
[ -x "$ORCHARD" ] || fail "no $ORCHARD"
[ -x tests/s3/rgw-start.sh ] || fail "tests/s3/rgw-start.sh missing"
[ -d tests/parquet/node_modules/@duckdb/node-api ] || fail "tests/parquet/node_modules missing: run tools/install-deps.sh --test"
T=$(mktemp -d /tmp/orchard-it-extract-s3-XXXXXX)
export S3_ACCESS_KEY=AKIAIOSFODNN7EXAMPLE S3_SECRET_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY S3_REGION=eu-west-3
SPID=
for attempt in 1 2 3 4 5 6; do # rgw-start exits 3 when one of its 41 ports is taken: try another
    PORT=$((21000 + (($$ * 131 + attempt * 977) % 200) * 45))
    SPID=$(tests/s3/rgw-start.sh "$PORT" "$T/rgw$attempt" $$); rc=$?
    [ $rc -eq 0 ] && break
    SPID=
    [ $rc -eq 3 ] || { tail -n 20 "$T/rgw$attempt/server.log"; rm -rf "$T"; fail "radosgw did not start"; }
done
[ -n "$SPID" ] || { rm -rf "$T"; fail "no free port range for radosgw"; }
trap 'tests/s3/rgw-stop.sh "$SPID" >/dev/null 2>&1; rm -rf "$T"' EXIT
export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY AWS_REGION=$S3_REGION
export AWS_ENDPOINT_URL=http://127.0.0.1:$PORT AWS_EC2_METADATA_DISABLED=true
unset AWS_SESSION_TOKEN AWS_PROFILE
export HOME=$T/home TMPDIR=$T/tmp
mkdir -p "$HOME" "$TMPDIR"
B=orchard-it-extract
for _ in 1 2 3 4 5 6 7 8 9 10; do "$ORCHARD" s3 mb "s3://$B" 2>/dev/null && break; sleep 2; done
"$ORCHARD" s3 ls "s3://$B" >/dev/null || fail "bucket $B"

IN="$T/in"
copy_test_images "$IN" 50 "Mango" "Plum"
echo "not an image" >"$IN/Plum/zz bad.jpg"
# the reference: local -> local, with a PCA fit; the S3 runs project with that model
ARGS=(--shard-size 17 --threads 2 --quiet)
"$ORCHARD" extract "$IN" "$T/local" "${ARGS[@]}" --pca-k 4 2>"$T/l.log" || { cat "$T/l.log"; fail "local run"; }
cp "$T/local/pca.orpca" "$T/model.orpca"
ARGS+=(--pca-fit-on "$T/model.orpca")
mirror() { # mirror s3://$B/$1 into $2
    "$ORCHARD" s3 ls "s3://$B/$1" >"$T/ls.txt" || fail "ls $1"
    while read -r size key; do
        rel=${key#"$1"}
        mkdir -p "$(dirname "$2/$rel")"
        "$ORCHARD" s3 cp "s3://$B/$key" "$2/$rel" >/dev/null || fail "cp $key"
    done <"$T/ls.txt"
}
tree() { (cd "$1" && find . -type f ! -name '*.tmp' ! -name run.json | sort | while read -r f; do echo "$f $(sha256sum <"$f" | cut -c1-64)"; done); }

# local -> S3: the same objects as the local files
"$ORCHARD" extract "$IN" "s3://$B/l2s/" "${ARGS[@]}" 2>"$T/l2s.log" || { cat "$T/l2s.log"; fail "local -> S3 run"; }
mirror "l2s/" "$T/l2s"
[ -f "$T/l2s/_SUCCESS" ] || fail "local -> S3: no _SUCCESS object"
want=$(tree "$T/local"); got=$(tree "$T/l2s")
[ "$want" = "$got" ] || { diff <(echo "$want") <(echo "$got"); fail "local -> S3 objects differ from the local run"; }
grep -q '"region": "eu-west-3"' "$T/l2s/run.json" || fail "run.json region"

# S3 -> S3
for f in $(cd "$IN" && find . -type f | sed 's|^\./||' | tr ' ' '\001'); do
    f=$(echo "$f" | tr '\001' ' ')
    "$ORCHARD" s3 cp "$IN/$f" "s3://$B/images/$f" >/dev/null || fail "upload $f"
done
"$ORCHARD" extract "s3://$B/images/" "s3://$B/s2s/" "${ARGS[@]}" --fetch-threads 8 2>"$T/s2s.log" || { cat "$T/s2s.log"; fail "S3 -> S3 run"; }
mirror "s2s/" "$T/s2s"
[ -f "$T/s2s/_SUCCESS" ] || fail "S3 -> S3: no _SUCCESS"
for d in local s2s; do
    node tests/parquet/dump.mjs "$T/$d/features" path label features >"$T/$d.f.jsonl" || fail "DuckDB $d"
    node tests/parquet/dump.mjs "$T/$d/errors" path reason >"$T/$d.e.jsonl" || fail "DuckDB $d errors"
    node tests/parquet/dump.mjs "$T/$d/pca" path pca >"$T/$d.p.jsonl" || fail "DuckDB $d pca"
done
$PY - "$T" "$IN" "$B" <<'PY' || fail "S3 -> S3 content"
import json, os, sys, urllib.parse
t, src, b = sys.argv[1], os.path.realpath(sys.argv[2]), sys.argv[3]
load = lambda n: [json.loads(l) for l in open(os.path.join(t, n))]
lf, sf = load("local.f.jsonl"), load("s2s.f.jsonl")
assert len(lf) == len(sf) == 100, (len(lf), len(sf))
for a, c in zip(lf, sf):
    rel = urllib.parse.unquote(a["path"][len("file://"):])[len(src) + 1:]
    assert c["path"] == "s3://%s/images/%s" % (b, rel), (c["path"], rel)
    assert a["label"] == c["label"] and a["features"] == c["features"], rel
se = load("s2s.e.jsonl")
assert len(se) == 1 and se[0]["path"] == "s3://%s/images/Plum/zz bad.jpg" % b, se
assert "not a supported image" in se[0]["reason"], se
lp, sp = load("local.p.jsonl"), load("s2s.p.jsonl")
assert [p["pca"] for p in lp] == [p["pca"] for p in sp]  # same features, same model
r = json.load(open(os.path.join(t, "s2s", "run.json")))
assert (r["counts"]["seen"], r["counts"]["processed"], r["counts"]["skipped"]) == (101, 100, 1), r["counts"]
PY

# killed S3 -> S3 run, resumed from another (empty) staging folder
"$ORCHARD" extract "s3://$B/images/" "s3://$B/kill/" "${ARGS[@]}" --batch 4 --staging "$T/stage1" 2>/dev/null &
pid=$!
for _ in $(seq 1 600); do
    n=$("$ORCHARD" s3 ls "s3://$B/kill/features/" 2>/dev/null | grep -c part- || true)
    [ "$n" -ge 2 ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
"$ORCHARD" s3 ls "s3://$B/kill/" | grep -q "_SUCCESS$" && [ "$n" -lt 6 ] && fail "killed run left _SUCCESS"
"$ORCHARD" extract "s3://$B/images/" "s3://$B/kill/" "${ARGS[@]}" --staging "$T/stage2" 2>"$T/k.log" || { cat "$T/k.log"; fail "resumed S3 run"; }
mirror "kill/" "$T/kill"
want=$(tree "$T/s2s"); got=$(tree "$T/kill")
[ "$want" = "$got" ] || { diff <(echo "$want") <(echo "$got"); fail "resumed S3 output differs from the uninterrupted one"; }
echo "it-extract-s3: ok (resume after $n parts)"
