# lib.sh -- shell helpers shared by the tests/it-*.sh scripts (sourced from the repository root):
# it_init, the common head of a script, and copy_test_images (needs SHARED and fail, which
# it_init provides).

# copy_test_images DST N CLASS...: the first N files (sorted by name) of each CLASS folder of
# ../shared Fruits-360 Test into DST/CLASS; a missing class folder fails the test
copy_test_images() {
    local dst=$1 n=$2 c src
    shift 2
    for c in "$@"; do
        src="$SHARED/data/fruits-360/Test/$c"
        [ -d "$src" ] || fail "missing test data $src"
        mkdir -p "$dst/$c"
        ls "$src" | sort | head -n "$n" | while read -r f; do cp "$src/$f" "$dst/$c/"; done
    done
}

# it_init NAME: the common head of a tests/it-*.sh script (run from the repository root):
# BUILD, SHARED, ORCHARD, PY, fail MESSAGE ("NAME: FAIL: MESSAGE", exit 1), a missing orchard
# binary a failure, and T, a fresh temporary folder removed on exit (KEEP=1 keeps it).
it_init() {
    IT_NAME=$1
    BUILD=${ORCHARD_BUILD:-build}
    SHARED=${ORCHARD_SHARED:-../shared}
    ORCHARD="$BUILD/orchard"
    PY=/usr/bin/python3
    [ -x "$ORCHARD" ] || fail "no $ORCHARD"
    T=$(mktemp -d "/tmp/orchard-$IT_NAME-XXXXXX")
    [ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$T"' EXIT
}
fail() { echo "${IT_NAME:-test}: FAIL: $*"; exit 1; }
