#!/usr/bin/env bash
# it-isa.sh -- kernel ISA choice through the CLI: `orchard -v extract` logs the ISA and the
# kernels it picked; --isa and ORCHARD_ISA force a narrower one (the option wins); an unknown
# name (exit status 2) or an ISA this CPU lacks (exit status 1) is refused by name, never
# SIGILL; every ISA this CPU has gives features equal within 1e-4 of the others.
set -u
. tests/lib.sh
it_init it-isa
SRC="$SHARED/data/fruits-360/Test/Apple Braeburn"
[ -d "$SRC" ] || fail "missing test data $SRC"
mkdir -p "$T/in/Apple"
jpgs=("$SRC"/*.jpg)
cp "${jpgs[0]}" "${jpgs[1]}" "$T/in/Apple/"
unset ORCHARD_ISA

case "$(uname -m)" in x86_64) isas="scalar avx2 avx512"; foreign=neon ;; aarch64) isas="scalar neon"; foreign=avx2 ;; *) isas=scalar; foreign=neon ;; esac
have=""
for isa in $isas; do
    "$ORCHARD" -v extract "$T/in" "$T/out-$isa" --format csv --isa "$isa" --quiet 2>"$T/log-$isa"
    rc=$?
    if grep -q "which this CPU or build lacks" "$T/log-$isa"; then
        [ $rc -eq 1 ] || fail "--isa $isa refused with status $rc (want 1)"
        echo "it-isa: this CPU lacks $isa (refused by name)"
        continue
    fi
    [ $rc -eq 0 ] || fail "--isa $isa: status $rc: $(cat "$T/log-$isa")"
    grep -q "kernels: .*pwconv_minmax__$isa" "$T/log-$isa" || fail "-v does not log the $isa kernels: $(cat "$T/log-$isa")"
    have="$have $isa"
done
[ -n "$have" ] || fail "no ISA ran"

# ORCHARD_ISA: used without --isa; --isa wins over it
ORCHARD_ISA=scalar "$ORCHARD" -v extract "$T/in" "$T/out-env" --format csv --quiet 2>"$T/log-env" || fail "ORCHARD_ISA=scalar failed"
grep -q "pwconv_minmax__scalar" "$T/log-env" || fail "ORCHARD_ISA=scalar not used: $(cat "$T/log-env")"
best=$(echo $have | awk '{print $NF}')
ORCHARD_ISA=scalar "$ORCHARD" -v extract "$T/in" "$T/out-env2" --format csv --isa "$best" --quiet 2>"$T/log-env2" || fail "--isa $best with ORCHARD_ISA set failed"
grep -q "pwconv_minmax__$best" "$T/log-env2" || fail "--isa did not win over ORCHARD_ISA"

# refusals: unknown names and an ISA of the other architecture, by option and by environment
"$ORCHARD" extract "$T/in" "$T/out-x" --isa sse9 2>"$T/err1"; rc=$?
[ $rc -eq 2 ] && grep -q "unknown ISA 'sse9'" "$T/err1" || fail "--isa sse9: status $rc: $(cat "$T/err1")"
ORCHARD_ISA=$foreign "$ORCHARD" extract "$T/in" "$T/out-y" 2>"$T/err2"; rc=$?
[ $rc -eq 1 ] && grep -q "ORCHARD_ISA asks for ISA '$foreign'" "$T/err2" || fail "ORCHARD_ISA=$foreign: status $rc: $(cat "$T/err2")"
ORCHARD_ISA=bogus "$ORCHARD" extract "$T/in" "$T/out-z" 2>"$T/err3"; rc=$?
[ $rc -eq 2 ] && grep -q "ORCHARD_ISA: unknown ISA 'bogus'" "$T/err3" || fail "ORCHARD_ISA=bogus: status $rc: $(cat "$T/err3")"

# all ISAs agree within 1e-4 on every feature
set -- $have
first=$1
for isa in $have; do
    /usr/bin/python3 - "$T/out-$first/features.csv" "$T/out-$isa/features.csv" <<'PY' || fail "features of $first and $isa differ"
import csv, sys
a = list(csv.reader(open(sys.argv[1]))); b = list(csv.reader(open(sys.argv[2])))
assert len(a) == len(b) == 3 and a[0] == b[0], "row counts or headers differ"
worst = max(abs(float(x) - float(y)) for ra, rb in zip(a[1:], b[1:]) for x, y in zip(ra[2:], rb[2:]))
print("it-isa: max |difference| %s vs %s: %.3g" % (sys.argv[1].split('/')[-2], sys.argv[2].split('/')[-2], worst))
sys.exit(0 if worst <= 1e-4 else 1)
PY
done
echo "it-isa: ok ($have)"
