#!/usr/bin/env bash
# bench-mpi.sh -- scaling on this machine: `orchard extract` over the first BENCH_IMAGES
# (default 1000) files of ../shared Fruits-360 Test, folder -> folder, shards of 50 files,
# --no-pca (the PCA fit is a fixed cost on rank 0, reported by bench-e2e), each configuration
# from scratch, 3 times:
#   1 rank x 1 thread on 1 core | 1 rank x 2 threads on 2 | mpirun -np 2 x 1 thread on 2 (taskset)
# Prints a table: median wall (whole command: start-up, model load, MPI init included),
# images/s, speed-up over 1 x 1 and parallel efficiency (speed-up / cores). MPI overhead per
# image: an MPI run with nothing left to do (every shard complete: start-up, listing broadcast,
# barrier, commit) minus the same single-process run, over the images, medians of 3.
#   BENCH_IMAGES=200 bench/bench-mpi.sh      MPIRUN_ARGS="--bind-to core" bench/bench-mpi.sh
set -eu
cd "$(dirname "$0")/.."
BUILD=${ORCHARD_BUILD:-build}
SHARED=${ORCHARD_SHARED:-../shared}
ORCHARD="$BUILD/orchard"
IN="$SHARED/data/fruits-360/Test"
N=${BENCH_IMAGES:-1000}
REPS=${BENCH_REPS:-3}
[ -d "$IN" ] || { echo "bench-mpi: no $IN" >&2; exit 1; }
ldd "$ORCHARD" | grep -q libmpi || { echo "bench-mpi: $ORCHARD was built without MPI (make MPI=1)" >&2; exit 1; }
ROOT=(); [ "$(id -u)" = 0 ] && ROOT=(--allow-run-as-root)
# a rank waiting in a collective yields its core instead of spinning (2 cores, shared)
read -r -a EXTRA <<<"${MPIRUN_ARGS:---bind-to none --mca mpi_yield_when_idle 1}"
MPIRUN=(mpirun "${ROOT[@]}" "${EXTRA[@]}")
T=$(mktemp -d /tmp/orchard-bench-mpi-XXXXXX)
trap 'rm -rf "$T"' EXIT
# shards of 50: 20 for 1000 images, 10 per rank (one 1024-file shard would leave rank 1 idle)
ARGS=(--limit "$N" --no-pca --quiet --batch 32 --shard-size "${BENCH_SHARD:-50}")

# run LABEL OUTPUT command...: prints the wall seconds
timed() {
    local out=$1; shift
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >"$out.log" 2>&1 || { tail -n 20 "$out.log" >&2; echo "bench-mpi: failed: $*" >&2; exit 1; }
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
}
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# the cores column is enforced: each configuration runs under a CPU affinity of 1 or 2 cores
# (inherited by the decode threads and by mpirun's ranks), so a 1-thread run cannot borrow the
# second core for decoding and the speed-up is per core really added
CORES1=(taskset -c 0); CORES2=(taskset -c 0,1)
command -v taskset >/dev/null || { CORES1=(); CORES2=(); echo "bench-mpi: no taskset: cores not pinned" >&2; }
echo "bench-mpi: $(nproc) CPUs, $N images, $REPS runs each, load average $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A WALL
for cfg in 1x1 1x2 2x1; do
    ws=()
    for r in $(seq 1 "$REPS"); do
        o="$T/$cfg-$r"
        case $cfg in
            1x1) w=$(timed "$o" "${CORES1[@]}" "$ORCHARD" extract "$IN" "$o" "${ARGS[@]}" --threads 1) ;;
            1x2) w=$(timed "$o" "${CORES2[@]}" "$ORCHARD" extract "$IN" "$o" "${ARGS[@]}" --threads 2) ;;
            2x1) w=$(timed "$o" "${CORES2[@]}" "${MPIRUN[@]}" -np 2 "$ORCHARD" extract "$IN" "$o" "${ARGS[@]}" --threads 1) ;;
        esac
        ws+=("$w")
    done
    WALL[$cfg]=$(median "${ws[@]}")
    echo "bench-mpi: $cfg walls (s): ${ws[*]}"
done
# nothing left to do: MPI start-up and collectives vs a single process
ms=(); ss=()
for r in $(seq 1 "$REPS"); do
    ms+=("$(timed "$T/res-m$r" "${MPIRUN[@]}" -np 2 "$ORCHARD" extract "$IN" "$T/2x1-1" "${ARGS[@]}" --threads 1)")
    ss+=("$(timed "$T/res-s$r" "$ORCHARD" extract "$IN" "$T/2x1-1" "${ARGS[@]}" --threads 1)")
done
grep -q "resumed" "$T/res-m1.log" || { cat "$T/res-m1.log"; echo "bench-mpi: the rerun did not resume" >&2; exit 1; }
RM=$(median "${ms[@]}"); RS=$(median "${ss[@]}")

/usr/bin/python3 - "$N" "${WALL[1x1]}" "${WALL[1x2]}" "${WALL[2x1]}" "$RM" "$RS" <<'PY'
import sys
n = int(sys.argv[1])
w11, w12, w21, rm, rs = map(float, sys.argv[2:])
print()
print("| configuration | cores | wall s (median) | images/s | speed-up | efficiency |")
print("|---|---|---|---|---|---|")
for name, cores, w in (("1 rank x 1 thread", 1, w11), ("1 rank x 2 threads", 2, w12),
                       ("2 ranks x 1 thread (mpirun)", 2, w21)):
    print("| %s | %d | %.2f | %.1f | %.2f | %.0f %% |" % (name, cores, w, n / w, w11 / w,
                                                      100 * w11 / w / cores))
print()
print("MPI overhead (every shard complete: start-up, listing broadcast, barrier, commit): "
      "mpirun -np 2 %.2f s vs single process %.2f s -> %.2f s per run, %.2f ms per image at %d images"
      % (rm, rs, rm - rs, 1000 * (rm - rs) / n, n))
print("2 ranks vs 1 rank x 2 threads: %+.2f ms per image" % (1000 * (w21 - w12) / n))
PY
echo "bench-mpi: load average after $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: timings are noisy)"
