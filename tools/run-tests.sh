#!/usr/bin/env bash
# run-tests.sh BUILD -- run every Check binary in BUILD/tests and every tests/it-*.sh script,
# then print one closing line "N passed, N failed" (Check counts each test; a script is one test)
# and the wall seconds of each binary and script, so the suite's time is visible in every run.
# A script exits 0 (pass), 1 (fail); its output is shown only when it fails or with VERBOSE=1.
set -u
BUILD=${1:-build}
export ORCHARD_BUILD=$BUILD
# Check's default per-test timeout is 4 s: far too short under ASan on a loaded 2-core machine
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-120}
export ORCHARD_SHARED=${ORCHARD_SHARED:-$(cd "$(dirname "$0")/.." && pwd)/../shared}
passed=0; failed=0; failed_names=()
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    t0=$SECONDS
    out=$("$t" 2>&1); rc=$?
    echo "$out" | grep -E '^[0-9]+%: Checks:' | sed "s|^|$(basename "$t"): |; s|\$| ($((SECONDS - t0)) s)|"
    line=$(echo "$out" | grep -E '^[0-9]+%: Checks:' | tail -n 1)
    n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/'); f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
    e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
    if [ -z "$line" ]; then n=1; f=1; e=0; fi
    passed=$((passed + n - f - e)); failed=$((failed + f + e))
    if [ $rc -ne 0 ] || [ $((f + e)) -ne 0 ]; then
        echo "$out" | grep -vE '^[0-9]+%: Checks:' | tail -n 40
        failed_names+=("$(basename "$t")")
        [ $((f + e)) -eq 0 ] && failed=$((failed + 1))
    fi
done
for s in tests/it-*.sh; do
    [ -f "$s" ] || continue
    log=$(mktemp); t0=$SECONDS
    if bash "$s" >"$log" 2>&1; then
        passed=$((passed + 1)); echo "$(basename "$s"): ok ($((SECONDS - t0)) s)"
        [ "${VERBOSE:-0}" = 1 ] && cat "$log"
    else
        failed=$((failed + 1)); failed_names+=("$(basename "$s")")
        echo "$(basename "$s"): FAILED ($((SECONDS - t0)) s)"; tail -n 60 "$log"
    fi
    rm -f "$log"
done
[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
