#!/usr/bin/env bash
# it-extract-resume.sh -- SIGKILL `orchard extract` at random moments (pass 1, PCA fit, pass 2,
# commit: anywhere), rerun each time, and compare with an uninterrupted run: every part file of
# features/, errors/ and pca/ byte for byte (same rows, none lost or duplicated, same order),
# the PCA model byte for byte (statistics are merged in shard order whatever was resumed),
# _SUCCESS present once finished and never over an output a killed run left unfinished.
# ORC_RESUME_KILLS (default 4) kills; the moments are random (seed printed; ORC_RESUME_SEED).
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
it_init it-extract-resume
IN="$T/in"
copy_test_images "$IN" 40 "Cherry 1" "Lemon" "Onion White"
: >"$IN/Lemon/empty.jpg"
echo "text" >"$IN/Onion White/note.jpg"
ARGS=(--shard-size 11 --pca-k 5 --threads 2 --batch 4 --quiet)

t0=$(date +%s.%N)
"$ORCHARD" extract "$IN" "$T/ref" "${ARGS[@]}" 2>"$T/ref.log" || { cat "$T/ref.log"; fail "reference run"; }
t1=$(date +%s.%N)
dur=$(echo "$t1 - $t0" | bc)
SEED=${ORC_RESUME_SEED:-$$}
RANDOM=$SEED
echo "reference run ${dur}s; seed $SEED"
digest() { (cd "$1" && find features errors pca -name 'part-*' -exec sha256sum {} + | sort; sha256sum pca.orpca) ; }
ref=$(digest "$T/ref")
kills=${ORC_RESUME_KILLS:-4}
for k in $(seq 1 "$kills"); do
    # a moment in (0, 1.1 * reference duration): early kills hit pass 1, late ones the PCA
    r=$((RANDOM % 1000))
    at=$(echo "scale=3; $dur * 1.1 * $r / 1000 + 0.05" | bc)
    "$ORCHARD" extract "$IN" "$T/out" "${ARGS[@]}" 2>>"$T/kill.log" &
    pid=$!
    sleep "$at"
    if kill -9 $pid 2>/dev/null; then
        wait $pid 2>/dev/null
        echo "kill $k at ${at}s"
        # _SUCCESS is written last: a kill that lands after it (the process still exiting) may
        # leave it, but then over the complete output, never over an unfinished one
        if [ -f "$T/out/_SUCCESS" ]; then
            [ "$(digest "$T/out")" = "$ref" ] \
                || fail "a killed run left _SUCCESS over an unfinished output (kill $k at ${at}s)"
            echo "kill $k came after the commit: _SUCCESS over the complete output"
        fi
    else
        wait $pid || fail "run $k failed"
        echo "run $k finished before the kill at ${at}s"
    fi
done
"$ORCHARD" extract "$IN" "$T/out" "${ARGS[@]}" 2>"$T/final.log" || { cat "$T/final.log" "$T/kill.log"; fail "final rerun"; }
[ -f "$T/out/_SUCCESS" ] || fail "no _SUCCESS after the final rerun"
got=$(digest "$T/out")
[ "$ref" = "$got" ] || { diff <(echo "$ref") <(echo "$got"); fail "resumed output differs from the uninterrupted run"; }
stray=$(find "$T/out" -name '.*tmp*' -o -name '*.tmp' -o -name '*.tmp.*' | wc -l)
[ "$stray" -eq 0 ] || fail "temporary files left: $(find "$T/out" -name '.*tmp*' -o -name '*.tmp')"
echo "it-extract-resume: ok"
