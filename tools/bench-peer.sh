#!/usr/bin/env bash
# bench-peer.sh -- Orchard against the speed peer (ONNX Runtime, ../shared/peers) in the same
# run, interleaved configuration by configuration, with the ratio Orchard / ORT of the median
# images/s. `make bench-peer` runs it after building build/bench_model and the weights.
#   tools/bench-peer.sh [--threads 1,2] [--batch 1,32] [--reps 7] [--seconds 1]
#                       [--isa avx512,avx2] [--build build]
# For each thread count and batch size: ORT once, then Orchard once per ISA in the list (ISAs
# this CPU lacks are reported and left out). Raw lines of both programs go to stderr; the
# table to stdout. The machine is shared: check `uptime` and compare only within one run.
set -eu
cd "$(dirname "$0")/.."
THREADS=1,2; BATCHES=1,32; REPS=7; SECONDS_=1; ISAS=avx512,avx2; BUILD=build
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) THREADS=$2 ;; --batch) BATCHES=$2 ;; --reps) REPS=$2 ;;
        --seconds) SECONDS_=$2 ;; --isa) ISAS=$2 ;; --build) BUILD=$2 ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-peer: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    [ $# -ge 2 ] || { echo "bench-peer: '$1' needs a value" >&2; exit 2; }
    shift 2
done
SHARED=${ORCHARD_SHARED:-$(pwd)/../shared}
[ -f "$SHARED/peers/bench-ort.mjs" ] || { echo "bench-peer: no peer at $SHARED/peers (set ORCHARD_SHARED)" >&2; exit 1; }
[ -x "$BUILD/bench_model" ] || { echo "bench-peer: $BUILD/bench_model missing: run make bench" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "bench-peer: node/npm missing: apt-get install nodejs npm" >&2; exit 1; }

PEER=$(mktemp -d /tmp/orchard-peer-XXXXXX)
trap 'rm -rf "$PEER"' EXIT
cp -r "$SHARED/peers/." "$PEER/"
(cd "$PEER" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)

usable=""
for isa in ${ISAS//,/ }; do
    if "$BUILD/bench_model" --isa "$isa" --threads 1 --batch 1 --reps 1 --seconds 0.01 >/dev/null 2>"$PEER/err"; then
        usable="$usable $isa"
    else
        echo "bench-peer: leaving out ISA $isa: $(cat "$PEER/err")" >&2
    fi
done
[ -n "$usable" ] || { echo "bench-peer: no usable ISA in '$ISAS'" >&2; exit 1; }

median() { sed -n 's/.*median *\([0-9.]*\).*/\1/p' | tail -n 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
echo "# bench-peer $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg); reps $REPS x >= ${SECONDS_}s; median img/s"
header="threads batch      ort"
for isa in $usable; do header="$header $(printf '%9s %6s' "$isa" ratio)"; done
echo "$header"
rss=""
for t in ${THREADS//,/ }; do
    for b in ${BATCHES//,/ }; do
        ort_line=$(cd "$PEER" && node bench-ort.mjs --threads "$t" --batch "$b" --reps "$REPS" --seconds "$SECONDS_" | grep '^ort ')
        echo "$ort_line" >&2
        ort=$(echo "$ort_line" | median)
        row=$(printf '%7s %5s %8s' "$t" "$b" "$ort")
        for isa in $usable; do
            out=$("$BUILD/bench_model" --isa "$isa" --threads "$t" --batch "$b" --reps "$REPS" --seconds "$SECONDS_")
            line=$(echo "$out" | grep '^orchard threads=')
            echo "$line ($isa)" >&2
            r=$(echo "$out" | sed -n "s/^orchard peak RSS \([0-9.]*\) MB/\1/p")
            rss="$rss $r"
            o=$(echo "$line" | median)
            r=$(ratio "$o" "$ort")
            row="$row $(printf '%9s %6s' "$o" "$r")"
        done
        echo "$row"
    done
done
echo "# orchard peak RSS per run (MB):$rss"
