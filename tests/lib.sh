# lib.sh -- shell helpers shared by the tests/it-*.sh scripts (sourced from the repository root,
# after the script has set SHARED and defined fail).

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
