#!/usr/bin/env bash
# it-report.sh -- orchard report on a small real run folder (PCA model, pca Parquet dataset,
# evaluation.json, run.json, errors.csv), opened in headless Debian chromium: the page loads
# with no console error, every plot has a non-zero size, and a screenshot is kept as a test
# artifact in $ORCHARD_BUILD/artifacts/report.png.
set -u
. tests/lib.sh
it_init it-report
CHROMIUM=$(command -v chromium || command -v chromium-browser) \
    || fail "chromium is not installed (tools/install-deps.sh --test installs it)"

# four classes in 8 dimensions, 40 rows each, names needing HTML escaping
awk 'BEGIN {
    srand(7);
    printf "path,label"; for (j = 0; j < 8; j++) printf ",f%d", j; printf "\n";
    split("Apple <Red>|Banana & Co|Cherry \"2\"|Date", name, "|");
    for (i = 0; i < 160; i++) {
        c = i % 4;
        q = name[c + 1];
        gsub(/"/, "\"\"", q);
        printf "file:///data/%d.jpg,\"%s\"", i, q;
        for (j = 0; j < 8; j++) printf ",%.5f", ((c * 3 + j) % 4 - 1.5) * 2 + rand() * 2.5;
        printf "\n";
    }
}' > "$T/features.csv"
RUN="$T/run"
mkdir -p "$RUN"
"$ORCHARD" pca fit "$T/features.csv" -o "$RUN/model.orpca" --pca-k 3 > /dev/null || fail "pca fit"
"$ORCHARD" pca apply "$RUN/model.orpca" "$T/features.csv" -o "$RUN/pca" > /dev/null || fail "pca apply"
"$ORCHARD" train "$T/features.csv" -o "$T/m.orcls" > /dev/null 2>&1 || fail "train"
"$ORCHARD" evaluate "$T/m.orcls" "$T/features.csv" -o "$RUN/evaluation.json" > /dev/null || fail "evaluate"
cat > "$RUN/run.json" <<'EOF'
{"input": "synthetic", "images_per_second": 123.4, "counts": {"seen": 162, "processed": 160,
 "skipped": 2}, "timings": {"decode": 0.5, "network": 2.25, "write": 0.1}}
EOF
printf 'path,reason\nfile:///data/x.jpg,"x.jpg: truncated JPEG <EOI missing>"\nfile:///data/y.jpg,empty file\n' \
    > "$RUN/errors.csv"

"$ORCHARD" report --help | grep -q -- "--evaluation" || fail "report --help"
"$ORCHARD" report "$RUN" -o "$T/report.html" > "$T/out" || fail "report"
grep -q "run.json; PCA model" "$T/out" || fail "sources: $(cat "$T/out")"
for id in timings scree scatter confusion per-class; do
    grep -q "<svg id=\"$id\"" "$T/report.html" || fail "no $id plot"
done
grep -q "Apple &lt;Red&gt;" "$T/report.html" || fail "class names not escaped"
grep -q "truncated JPEG &lt;EOI missing&gt;" "$T/report.html" || fail "skipped inputs table"
grep -q "<script" "$T/report.html" && fail "the report must not need a script"
"$ORCHARD" report "$T/nothing-here" -o "$T/x.html" 2> /dev/null; [ $? -eq 2 ] || fail "missing folder"
mkdir -p "$T/empty"
"$ORCHARD" report "$T/empty" -o "$T/empty.html" > /dev/null || fail "report on an empty folder"
grep -q "No run.json" "$T/empty.html" || fail "empty folder: missing data not said"

# in the browser: a test-only copy measures every plot into the DOM, chromium dumps it
sed 's|</body>|<script>document.body.insertAdjacentHTML("beforeend", "<pre id=sizes>" + [...document.querySelectorAll("svg.plot")].map(s => { const r = s.getBoundingClientRect(); return s.id + "=" + Math.round(r.width) + "x" + Math.round(r.height); }).join(" ") + "</pre>");</script></body>|' \
    "$T/report.html" > "$T/measure.html"
CHROME_FLAGS=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
              --user-data-dir="$T/profile" --enable-logging=stderr --v=0)
timeout 120 "$CHROMIUM" "${CHROME_FLAGS[@]}" --dump-dom "file://$T/measure.html" \
    > "$T/dom.html" 2> "$T/console.log" || fail "chromium --dump-dom failed: $(tail -5 "$T/console.log")"
sizes=$(sed -n 's|.*<pre id="sizes">\([^<]*\)</pre>.*|\1|p' "$T/dom.html")
[ -n "$sizes" ] || fail "no sizes measured (page did not load?)"
for id in timings scree scatter confusion per-class; do
    echo "$sizes" | grep -Eq "(^| )$id=[1-9][0-9]*x[1-9][0-9]*( |$)" || fail "plot $id has no size: $sizes"
done
timeout 120 "$CHROMIUM" "${CHROME_FLAGS[@]}" --window-size=1000,3600 \
    --screenshot="$T/report.png" "file://$T/report.html" >> "$T/console.log" 2>&1 \
    || fail "chromium --screenshot failed"
[ -s "$T/report.png" ] || fail "no screenshot"
# console messages of the page itself (the original report, not the measuring copy)
if grep -E "CONSOLE|Uncaught|SyntaxError" "$T/console.log" | grep -v "measure.html" | grep -q .; then
    fail "console errors: $(grep -E 'CONSOLE|Uncaught|SyntaxError' "$T/console.log" | head -3)"
fi
mkdir -p "$BUILD/artifacts"
cp "$T/report.html" "$T/report.png" "$BUILD/artifacts/"
echo "it-report: ok ($sizes; screenshot $BUILD/artifacts/report.png)"
