#!/usr/bin/env bash
# it-extract-array.sh -- array mode: `orchard extract --shard I/3` as three processes at once on
# the same OUTPUT, then `orchard finalize OUTPUT`: every part and the PCA model byte for byte
# those of a single-process run. Then a task killed with SIGKILL: finalize refuses (exit 1,
# names the missing shard, no _SUCCESS); rerun with another N (2, index from
# SLURM_ARRAY_TASK_ID / AWS_BATCH_JOB_ARRAY_INDEX) and finalize: the single run's files again.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
it_init it-extract-array
IN="$T/in"
copy_test_images "$IN" 30 "Grape White" "Tomato 1"
echo "text" >"$IN/Tomato 1/bad.jpg"
ARGS=(--shard-size 7 --threads 1 --batch 4 --quiet)
PCA=(--pca-k 4)
digest() { (cd "$1" && find features errors pca -name 'part-*' -exec sha256sum {} + | sort; sha256sum pca.orpca _manifest) ; }
fdigest() { (cd "$1" && find features errors -name 'part-*' -exec sha256sum {} + | sort; sha256sum _manifest) ; }

"$ORCHARD" extract "$IN" "$T/single" "${ARGS[@]}" "${PCA[@]}" 2>"$T/s.log" || { cat "$T/s.log"; fail "single run"; }
ref=$(digest "$T/single")

for i in 0 1 2; do "$ORCHARD" extract "$IN" "$T/arr" "${ARGS[@]}" --shard $i/3 2>"$T/a$i.log" & done
wait || true
for i in 0 1 2; do grep -q "shard set $i/3" "$T/a$i.log" || { cat "$T/a$i.log"; fail "task $i"; }; done
[ -f "$T/arr/_SUCCESS" ] && fail "_SUCCESS before finalize"
"$ORCHARD" finalize "$T/arr" "${PCA[@]}" --threads 1 --quiet 2>"$T/f.log" || { cat "$T/f.log"; fail "finalize"; }
[ -f "$T/arr/_SUCCESS" ] || fail "no _SUCCESS after finalize"
[ "$(digest "$T/arr")" = "$ref" ] || { diff <(echo "$ref") <(digest "$T/arr"); fail "array run + finalize differs from the single run"; }
grep -q '"processed": 60, "skipped": 1' "$T/arr/run.json" || fail "run.json counts"

# a killed task: finalize refuses; another N completes it
"$ORCHARD" extract "$IN" "$T/k" "${ARGS[@]}" --shard 0/3 2>/dev/null || fail "task 0/3"
"$ORCHARD" extract "$IN" "$T/k" "${ARGS[@]}" --shard 1/3 2>/dev/null &
pid=$!; sleep 1; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
"$ORCHARD" finalize "$T/k" --no-pca 2>"$T/fk.log"; rc=$?
[ $rc -eq 1 ] || fail "finalize with missing shards: exit $rc, want 1"
grep -Eq "shards are not complete \(first: shard [12], from" "$T/fk.log" || { cat "$T/fk.log"; fail "finalize message"; }
[ -f "$T/k/_SUCCESS" ] && fail "_SUCCESS with missing shards"
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_MIN=1 "$ORCHARD" extract "$IN" "$T/k" "${ARGS[@]}" --shard-count 2 2>"$T/k0.log" || { cat "$T/k0.log"; fail "slurm task"; }
grep -q "shard set 0/2" "$T/k0.log" || fail "SLURM_ARRAY_TASK_ID 1 (min 1) is not index 0"
AWS_BATCH_JOB_ARRAY_INDEX=1 "$ORCHARD" extract "$IN" "$T/k" "${ARGS[@]}" --shard-count 2 2>"$T/k1.log" || { cat "$T/k1.log"; fail "batch task"; }
grep -q "shard set 1/2" "$T/k1.log" || fail "AWS_BATCH_JOB_ARRAY_INDEX 1"
"$ORCHARD" finalize "$T/k" --no-pca --quiet 2>/dev/null || fail "finalize after the rerun"
[ -f "$T/k/_SUCCESS" ] || fail "no _SUCCESS after the rerun with N=2"
[ "$(fdigest "$T/k")" = "$(fdigest "$T/single")" ] || fail "killed + rerun with N=2 differs from the single run"
"$ORCHARD" extract "$IN" "$T/x" --shard 3/3 2>/dev/null; [ $? -eq 2 ] || fail "--shard 3/3 accepted"
"$ORCHARD" finalize "$T/nothing" 2>"$T/n.log"; [ $? -eq 1 ] || fail "finalize without manifest"
grep -q "_manifest" "$T/n.log" || fail "finalize without manifest: message"
echo "it-extract-array: ok"
