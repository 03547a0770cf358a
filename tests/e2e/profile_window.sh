#!/bin/sh
# medprof profile's load window, against the real node: a server that burns 1.5 s of CPU in
# startupWork before it listens and runs handleRequest per request. processed.txt (the load
# window) must hold handleRequest and next to none of startupWork, processed-startup.txt the
# reverse, processed-all.txt both (what node --prof-process prints of the whole log).
. tests/e2e/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
port=$(free_port)
"$MEDPROF" profile --url "http://127.0.0.1:$port/" --ready "http://127.0.0.1:$port/healthcheck" --count 4 --num 50 --env "PORT=$port" \
    --out "$tmp/run" -- node tests/servers/heavy_start.js >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 0 ] && ok "profile exits 0" || { bad "profile exit code $rc"; cat "$tmp/out" "$tmp/err"; }
pid=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$tmp/run/report.json" | head -n 1)
[ -n "$pid" ] && ! alive "$pid" && ok "the server (pid $pid) is gone" || bad "server $pid still alive"
for f in processed.txt processed-startup.txt processed-all.txt; do
    [ -s "$tmp/run/$f" ] && ok "$f written" || bad "no $f"
done
# ticks of a function: the [JavaScript] rows naming it, summed; and the file's tick count
ticks_of() { awk -v f="$2" '/^ \[JavaScript\]/{js=1;next} /^ *$/{js=0} js && index($0,f){t+=$1} END{print t+0}' "$1"; }
total_of() { sed -n '1s/.*(\([0-9]*\) ticks.*/\1/p' "$1"; }
sw=$(ticks_of "$tmp/run/processed.txt" startupWork); hw=$(ticks_of "$tmp/run/processed.txt" handleRequest)
ss=$(ticks_of "$tmp/run/processed-startup.txt" startupWork); hs=$(ticks_of "$tmp/run/processed-startup.txt" handleRequest)
sa=$(ticks_of "$tmp/run/processed-all.txt" startupWork); ha=$(ticks_of "$tmp/run/processed-all.txt" handleRequest)
echo "     startupWork: window $sw, start $ss, all $sa; handleRequest: window $hw, start $hs, all $ha"
check "[ $sa -ge 1000 ]" "the whole log holds the start's 1.5 s of startupWork ($sa ticks)"
check "[ \$((sw * 100)) -lt $sa ]" "the load window holds < 1 % of startupWork ($sw of $sa)"
check "[ $hw -ge 50 ] && [ \$((hw * 100)) -ge \$((ha * 99)) ]" \
    "the load window holds the requests' handleRequest ($hw of $ha)"
check "[ \$((ss * 100)) -ge \$((sa * 99)) ] && [ $hs = 0 ]" "the start holds startupWork and no requests"
tw=$(total_of "$tmp/run/processed.txt"); ts=$(total_of "$tmp/run/processed-startup.txt"); ta=$(total_of "$tmp/run/processed-all.txt")
check "[ \$((tw + ts)) -le $ta ]" "window and start do not overlap ($tw + $ts <= $ta)"
log=$(ls "$tmp/run"/isolate-*-v8.log | head -n 1)
"$MEDPROF" process "$log" >"$tmp/node-like.txt" 2>/dev/null
check "cmp -s '$tmp/node-like.txt' '$tmp/run/processed-all.txt'" "processed-all.txt is medprof process of the log"
expect_in "$tmp/out" "^load window: .*aligned by the preload.s mark, ±0\.[0-9]* ms" "the summary says where the window is and how it was aligned"
node -e '
const r = require(process.argv[1]); const w = r.profiles[0].window;
process.exit(w && w.start > 1 && w["end"] > w.start && w.startup_ticks > 0 ? 0 : 1)' \
    "$tmp/run/report.json" && ok "report.json has the window" || bad "report.json: no window"
node -e '
const s = require(process.argv[1]).server.series;
process.exit(s.length >= 5 && s.every(v => typeof v.t === "number" && v.rss_bytes > 1e6) &&
             s.some(v => typeof v.eld_p99_ms === "number" && v.heap_used_bytes > 0) ? 0 : 1)' \
    "$tmp/run/report.json" && ok "report.json: the server's series, with the preload's values" || bad "report.json: no server series"

# --no-preload: nothing runs inside node; the window is aligned at the spawn and says so.
"$MEDPROF" profile --url "http://127.0.0.1:$port/" --ready "http://127.0.0.1:$port/healthcheck" --count 2 --num 10 --env "PORT=$port" \
    --env START_MS=200 --no-preload --out "$tmp/plain" -- node tests/servers/heavy_start.js >"$tmp/out2" 2>&1
check "[ $? = 0 ]" "--no-preload: profile exits 0"
expect_in "$tmp/out2" "^load window: .*aligned at the spawn, not measured" "--no-preload: the summary says the window is not measured"
check "[ ! -e '$tmp/plain/vitals-preload.js' ]" "--no-preload: no preload written"
node -e '
const s = require(process.argv[1]).server.series;
process.exit(s.length >= 1 && s.every(v => v.eld_p99_ms === null && v.rss_bytes > 1e6) ? 0 : 1)' \
    "$tmp/plain/report.json" && ok "--no-preload: /proc samples only, event-loop delay null" || bad "--no-preload: series wrong"
finish
