#!/usr/bin/env bash
# bench-e2e.sh -- `make bench-e2e`: the whole ../shared Fruits-360 Test split, folder -> folder,
# with PCA (--pca-variance 0.95), from scratch (--overwrite): wall time, images/s, peak RSS
# (/usr/bin/time -v), per-stage timings from run.json, and the wall time scaled to the full
# 22,688-image split (target <= 90 s on 2 cores, RSS <= 300 MB).
#   bench/bench-e2e.sh [extra extract options, e.g. --threads 2]
set -eu
cd "$(dirname "$0")/.."
BUILD=${ORCHARD_BUILD:-build}
SHARED=${ORCHARD_SHARED:-../shared}
IN="$SHARED/data/fruits-360/Test"
OUT=${BENCH_OUT:-$(mktemp -d /tmp/orchard-bench-e2e-XXXXXX)}
[ -d "$IN" ] || { echo "bench-e2e: no $IN" >&2; exit 1; }
echo "bench-e2e: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -v "$BUILD/orchard" extract "$IN" "$OUT" --pca-variance 0.95 --overwrite \
    --progress-interval 15 "$@" 2>"$OUT.log" || { tail -n 30 "$OUT.log"; exit 1; }
grep -E "orchard extract: [0-9]+ images|PCA:" "$OUT.log" || true
/usr/bin/python3 - "$OUT/run.json" "$OUT.log" <<'PY'
import json, os, re, sys
r = json.load(open(sys.argv[1]))
log = open(sys.argv[2]).read()
wall = float(re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", log).group(2)) * 60 + \
    float(re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", log).group(3))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", log).group(1)) / 1024
c, t = r["counts"], r["timings_s"]
print("bench-e2e: %d images seen, %d processed, %d skipped, %d classes, k = %d (%.4f of the variance)"
      % (c["seen"], c["processed"], c["skipped"], r["class_count"], r["pca"]["k"], r["pca"]["explained_variance_ratio"]))
print("bench-e2e: wall %.1f s, %.1f images/s, peak RSS %.0f MB, %d threads, %s"
      % (wall, c["seen"] / wall, rss, r["threads"], r["isa"]))
print("bench-e2e: stages, wall (s): " + ", ".join("%s %.2f" % kv for kv in t.items()))
cpu = r["cpu_s"]
print("bench-e2e: stages, CPU (s): " + ", ".join("%s %.2f" % kv for kv in cpu.items()))
ncpu = min(r["threads"], os.cpu_count() or 1)
print("bench-e2e: CPU-bound estimate on %d idle cores: %.1f s for these images, %.1f s for 22,688 "
      "(process CPU / cores: assumes perfect scaling; a projection, not a measurement)" % (ncpu, cpu["total"] / ncpu, cpu["total"] / ncpu * 22688 / c["seen"]))
print("bench-e2e: scaled to 22,688 images: %.1f s (target <= 90 s), RSS target <= 300 MB" % (wall * 22688 / c["seen"]))
PY
[ -n "${BENCH_OUT:-}" ] || rm -rf "$OUT" "$OUT.log"
