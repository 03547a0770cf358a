#!/bin/sh
# medprof process --format svg|folded on a real Node 20 log: the SVG is well-formed XML, its
# totals equal the report's, and — where Debian's chromium is installed — a headless browser
# runs its script (the frame labels are written by it) and renders a picture that is not
# blank. Without chromium those two checks are reported as skipped.
. tests/e2e/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log=tests/data/node20/small-v8.log
syms=tests/data/tick-small.syms

"$MEDPROF" process --format svg --symbol-list "$syms" --output "$tmp/flame.svg" "$log" 2>"$tmp/err"
[ $? = 0 ] && ok "--format svg --output FILE" || { bad "--format svg failed"; cat "$tmp/err"; }
xmllint --noout "$tmp/flame.svg" 2>"$tmp/xml" && ok "the SVG is well-formed (xmllint)" || { bad "xmllint"; cat "$tmp/xml"; }
expect_in "$tmp/flame.svg" 'data-total="410"' "the graph's total is the report's 410 ticks"
expect_in "$tmp/flame.svg" '<title>all (410 ticks, 100.00%)' "the root frame holds every tick"
"$MEDPROF" process --format svg --icicle --title 'x<y' --symbol-list "$syms" "$log" >"$tmp/icicle.svg"
xmllint --noout "$tmp/icicle.svg" 2>/dev/null && ok "--icicle is well-formed" || bad "--icicle"
expect_in "$tmp/icicle.svg" 'x&lt;y (410 ticks)' "the title is escaped"
"$MEDPROF" process --format folded --symbol-list "$syms" "$log" >"$tmp/folded"
total=$(awk '{ s += $NF } END { print s }' "$tmp/folded")
[ "$total" = 410 ] && ok "folded counts add up to 410" || bad "folded total '$total'"

# The viewers' formats: the fields each requires, and totals equal to the report's.
"$MEDPROF" process --format cpuprofile --symbol-list "$syms" --output "$tmp/small.cpuprofile" "$log"
"$MEDPROF" process --format speedscope --symbol-list "$syms" --output "$tmp/small.speedscope.json" "$log"
node -e '
const fs = require("fs");
const c = JSON.parse(fs.readFileSync(process.argv[1])), s = JSON.parse(fs.readFileSync(process.argv[2]));
const ok = (cond, what) => console.log((cond ? "ok   " : "FAIL ") + what);
const ids = new Set(c.nodes.map(n => n.id));
ok(c.nodes.every(n => n.callFrame && typeof n.callFrame.functionName === "string" &&
   typeof n.callFrame.url === "string" && Number.isInteger(n.callFrame.lineNumber) &&
   Number.isInteger(n.callFrame.columnNumber) && Array.isArray(n.children)), "cpuprofile: every node has a callFrame");
ok(c.samples.length === 410 && c.timeDeltas.length === 410, "cpuprofile: 410 samples and time deltas");
ok(c.samples.every(id => ids.has(id)) && c.nodes.every(n => n.children.every(id => ids.has(id))), "cpuprofile: ids resolve");
ok(c.nodes.reduce((a, n) => a + n.hitCount, 0) === 410, "cpuprofile: hit counts add up to 410");
ok(c.timeDeltas.reduce((a, d) => a + d, 0) === c.endTime - c.startTime, "cpuprofile: deltas span start to end");
const js = c.nodes.find(n => n.callFrame.url.endsWith("small.js") && n.callFrame.functionName);
ok(js && js.callFrame.lineNumber >= 0 && js.callFrame.columnNumber >= 0, "cpuprofile: JS frames carry url, 0-based line and column");
ok(s.$schema === "https://www.speedscope.app/file-format-schema.json" && Array.isArray(s.shared.frames), "speedscope: schema and frames");
const p = s.profiles[0];
ok(p.type === "sampled" && p.unit === "microseconds" && p.samples.length === 410 && p.weights.length === 410, "speedscope: a sampled profile of 410 stacks");
ok(p.samples.every(st => st.every(i => Number.isInteger(i) && i >= 0 && i < s.shared.frames.length)), "speedscope: frame indices resolve");
ok(new Set(s.shared.frames.map(f => f.name)).size === s.shared.frames.length, "speedscope: one frame per name");
' "$tmp/small.cpuprofile" "$tmp/small.speedscope.json" >"$tmp/viewers" 2>&1
cat "$tmp/viewers"
fails=$((fails + $(grep -c '^FAIL' "$tmp/viewers")))
grep -q '^ok' "$tmp/viewers" || bad "the viewer formats could not be checked"

if [ -z "$CHROME" ]; then
    echo "skip headless chromium checks: chromium is not installed (apt-get install chromium)"
    finish
fi
run_chrome "$tmp/profile" --dump-dom "file://$tmp/flame.svg" >"$tmp/dom"
grep -q '<text x="[0-9.]*" y="[0-9.]*">[^<][^<]*</text></g>' "$tmp/dom" &&
    ok "chromium ran the script (frame labels drawn)" || bad "no labels in chromium's DOM: the script did not run"
run_chrome "$tmp/profile" --window-size=1200,500 --screenshot="$tmp/flame.png" "file://$tmp/flame.svg" >/dev/null
colours=$(png_colours "$tmp/flame.png")
[ "${colours:-0}" -gt 20 ] && ok "the screenshot is not blank ($colours sampled values)" || bad "blank screenshot ($colours)"
finish
