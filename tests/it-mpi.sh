#!/usr/bin/env bash
# it-mpi.sh -- `mpirun -np N orchard extract` (N = 1, 2, 3) against a single-process run on a
# small ../shared subset: the same features and errors parts byte for byte (same rows, bitwise
# features), PCA mean and components within 1e-9 (runs that check rows only use --no-pca), _SUCCESS and run.json once (rank 0), the same
# model bits on a rerun with the same N (statistics of resumed shards folded back); array mode
# N=3 + finalize gives the single run's parts; rank 0 failing (OUTPUT of another run) ends every
# rank with its reason, no hang; one rank SIGKILLed mid-run: non-zero exit naming the rank, no
# _SUCCESS, and a rerun with N=2 resumes to exactly the single run's rows.
# Skipped (exit 0, with a message) only when orchard was built without MPI.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
it_init it-mpi
if ! ldd "$ORCHARD" | grep -q libmpi; then
    echo "it-mpi: SKIPPED: $ORCHARD was built without MPI (install libopenmpi-dev openmpi-bin and rebuild)"
    exit 0
fi
command -v mpirun >/dev/null || fail "$ORCHARD has MPI but mpirun is missing (apt-get install openmpi-bin)"
# The PCA fit (a 1280x1280 eigen-decomposition, ~8 CPU s) is what costs: runs that only check
# rows use --no-pca. ASan pass: Open MPI's own allocations are not ours to report; fewer images
# and one PCA run under MPI (-np 3).
PER_CLASS=12; SHARD=4; PCA_NPS="1 2 3"; ASAN=0
case "$BUILD" in *-asan) PER_CLASS=6; SHARD=2; PCA_NPS=3; ASAN=1
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" ;; esac
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
MPIRUN=(mpirun --oversubscribe --allow-run-as-root)
IN="$T/in"
copy_test_images "$IN" "$PER_CLASS" "Grape White" "Tomato 1"
echo "text" >"$IN/Tomato 1/bad.jpg"
ROWS=$((2 * PER_CLASS))
NSHARDS=$(( (ROWS + 1 + SHARD - 1) / SHARD ))
ARGS=(--shard-size $SHARD --threads 2 --batch 2 --progress-interval 1000)
PCA=(--pca-k 4)
fdigest() { (cd "$1" && find features errors -name 'part-*' -exec sha256sum {} + | sort) ; }
# the PCA models of two outputs: same k and count, mean and components within 1e-9
pca_close() {
    "$PY" - "$1/pca.orpca" "$2/pca.orpca" <<'EOF' || fail "PCA of $2 differs from $1"
import struct, sys
import numpy as np
def load(p):
    b = open(p, "rb").read()
    d, k = struct.unpack_from("<II", b, 16)
    count, = struct.unpack_from("<Q", b, 24)
    off, = struct.unpack_from("<Q", b, 48)
    a = np.frombuffer(b, "<f8", count=5 * d + k * d, offset=off)  # d = 1280: no padding
    return d, k, count, a[:d], a[5 * d:].reshape(k, d)
d1, k1, n1, m1, c1 = load(sys.argv[1])
d2, k2, n2, m2, c2 = load(sys.argv[2])
assert (d1, k1, n1) == (d2, k2, n2) and d1 % 8 == 0, ((d1, k1, n1), (d2, k2, n2))
dm, dc = np.abs(m1 - m2).max(), np.abs(c1 - c2).max()
print("it-mpi: PCA max |d mean| %.3g, max |d component| %.3g" % (dm, dc))
sys.exit(0 if dm <= 1e-9 and dc <= 1e-9 else 1)
EOF
}
# the checks every complete run must pass: $1 output, $2 log, $3 ranks, $4 1 = with PCA
check_run() {
    [ -f "$1/_SUCCESS" ] || { cat "$2"; fail "$1: no _SUCCESS"; }
    [ "$(fdigest "$1")" = "$ref" ] || { diff <(echo "$ref") <(fdigest "$1") | head; fail "$1: features/errors parts differ from the single run"; }
    grep -q "\"processed\": $ROWS, \"skipped\": 1, \"shards\": $NSHARDS" "$1/run.json" || fail "$1: run.json counts"
    grep -q "\"ranks\": $3," "$1/run.json" || fail "$1: run.json ranks"
    [ "$(grep -c 'images -> ' "$2")" -eq 1 ] || { cat "$2"; fail "$1: the summary (rank 0) should appear once"; }
    [ "$4" = 1 ] || return 0
    [ "$(ls "$1"/pca/part-* | wc -l)" -eq $NSHARDS ] || fail "$1: pca parts"
    pca_close "$T/single" "$1"
}

"$ORCHARD" extract "$IN" "$T/single" "${ARGS[@]}" "${PCA[@]}" 2>"$T/s.log" || { cat "$T/s.log"; fail "single run"; }
ref=$(fdigest "$T/single")
for np in 1 2 3; do
    pca=0; opt=(--no-pca)
    case " $PCA_NPS " in *" $np "*) pca=1; opt=("${PCA[@]}") ;; esac
    "${MPIRUN[@]}" -np $np "$ORCHARD" extract "$IN" "$T/m$np" "${ARGS[@]}" "${opt[@]}" >"$T/m$np.log" 2>&1 ||
        { cat "$T/m$np.log"; fail "mpirun -np $np"; }
    check_run "$T/m$np" "$T/m$np.log" $np $pca
done
grep -q "rank 2/3: .* to process" "$T/m3.log" || fail "-np 3: rank 2 did not run"

# same N again over the complete output: every shard resumed (statistics read back), the same
# model bits
if [ $ASAN = 0 ]; then
    cp "$T/m3/pca.orpca" "$T/m3.orpca"
    "${MPIRUN[@]}" -np 3 "$ORCHARD" extract "$IN" "$T/m3" "${ARGS[@]}" "${PCA[@]}" >"$T/m3b.log" 2>&1 ||
        { cat "$T/m3b.log"; fail "mpirun -np 3 rerun"; }
    grep -q "$NSHARDS of $NSHARDS shards resumed" "$T/m3b.log" || { cat "$T/m3b.log"; fail "rerun did not resume"; }
    cmp -s "$T/m3/pca.orpca" "$T/m3.orpca" || fail "-np 3 twice: the PCA model differs (the reduction order is not fixed)"
fi

# array mode N=3 + finalize: the single run's parts (its PCA model: it-extract-array.sh)
for i in 0 1 2; do "$ORCHARD" extract "$IN" "$T/arr" "${ARGS[@]}" --quiet --shard $i/3 2>"$T/a$i.log" & done
wait
"$ORCHARD" finalize "$T/arr" --no-pca --quiet 2>"$T/f.log" || { cat "$T/a"*.log "$T/f.log"; fail "array N=3 + finalize"; }
[ "$(fdigest "$T/arr")" = "$ref" ] || fail "array N=3 + finalize: parts differ"

# rank 0 fails (OUTPUT holds another run): every rank ends, with rank 0's reason
timeout 300 "${MPIRUN[@]}" -np 3 "$ORCHARD" extract "$IN" "$T/single" --shard-size 3 --threads 1 --no-pca >"$T/r0.log" 2>&1
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || { cat "$T/r0.log"; fail "rank 0 failing: exit $rc (124: hang)"; }
grep -q "rank 0 of 3 .*failed: .*holds the results of another run" "$T/r0.log" || { cat "$T/r0.log"; fail "rank 0 failing: message"; }

# one rank killed mid-run: no _SUCCESS, mpirun names it; a rerun with N=2 completes. Rank 1 is
# stopped once it is in pass 1 (past the start-up collectives: its "to process" line), ranks 0
# and 2 write their parts and wait for it at the statistics; then SIGKILL. Its own input, with
# two more classes and --batch 1, so that a rank's pass 1 (~30 images) outlasts the polling
# even on a quiet machine; the reference is a single run over it.
IN3="$T/in3"
cp -a "$IN" "$IN3"
for c in Banana Kiwi; do
    mkdir -p "$IN3/$c"
    ls "$SHARED/data/fruits-360/Test/$c" | sort | head -n $((PER_CLASS * 3)) | while read -r f; do cp "$SHARED/data/fruits-360/Test/$c/$f" "$IN3/$c/"; done
done
ROWS=$((8 * PER_CLASS)); NSHARDS=$(( (ROWS + 1 + SHARD - 1) / SHARD ))
"$ORCHARD" extract "$IN3" "$T/single3" "${ARGS[@]}" --no-pca 2>"$T/s3.log" || { cat "$T/s3.log"; fail "single run (kill input)"; }
ref=$(fdigest "$T/single3")
K="$T/k"
"${MPIRUN[@]}" -np 3 "$ORCHARD" extract "$IN3" "$K" "${ARGS[@]}" --threads 1 --batch 1 --no-pca >"$T/k.log" 2>&1 &
mp=$!
victim=""
for _ in $(seq 1 1200); do
    for p in $(pgrep -P $mp); do
        tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=1 && victim=$p
    done
    [ -n "$victim" ] && grep -q "rank 1/3: .* to process" "$T/k.log" && break
    sleep 0.02
done
[ -n "$victim" ] || { kill $mp; cat "$T/k.log"; fail "rank 1 not found"; }
kill -STOP "$victim"
others=0; for s in $(seq 0 $((NSHARDS - 1))); do [ $((s % 3)) -ne 1 ] && others=$((others + 1)); done
for _ in $(seq 1 1200); do
    [ "$(ls "$K"/features/part-* 2>/dev/null | wc -l)" -ge $others ] && break
    kill -0 $mp 2>/dev/null || break
    sleep 0.1
done
[ "$(ls "$K"/features/part-* 2>/dev/null | wc -l)" -ge $others ] || { cat "$T/k.log"; fail "ranks 0 and 2 did not write their parts while rank 1 was stopped"; }
kill -9 "$victim"
wait $mp; rc=$?
[ $rc -ne 0 ] || { cat "$T/k.log"; fail "a killed rank: mpirun exit 0"; }
[ -f "$K/_SUCCESS" ] && fail "a killed rank: _SUCCESS written"
grep -Eqi "rank 1 .*(signal 9|killed)" "$T/k.log" || { cat "$T/k.log"; fail "a killed rank: no message naming rank 1"; }
"${MPIRUN[@]}" -np 2 "$ORCHARD" extract "$IN3" "$K" "${ARGS[@]}" --batch 1 --no-pca >"$T/k2.log" 2>&1 || { cat "$T/k2.log"; fail "rerun with -np 2"; }
grep -q "resuming run" "$T/k2.log" || { cat "$T/k2.log"; fail "the rerun did not resume"; }
check_run "$K" "$T/k2.log" 2 0
echo "it-mpi: ok (np 1, 2, 3 vs one process; array N=3 + finalize; rank 0 failing; rank 1 killed + resume with N=2)"
