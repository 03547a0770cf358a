#!/bin/sh
# medprof profile end to end, against the real node and examples/server.js: the whole seed
# routine, then each failure path. Loopback only; every server is stopped and checked by PID.
. tests/e2e/lib.sh
tmp=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
port=$(free_port)
base="http://127.0.0.1:$port"
server_pid() { sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$1" | head -n 1; }

# ---- the whole routine ------------------------------------------------------------------
ls isolate-*-v8.log 2>/dev/null | sort >"$tmp/logs-before"
"$MEDPROF" profile --url "$base/Patient?name=smi" --ready "$base/healthcheck" --count 5 --num 40 \
    --env "PORT=$port" --out "$tmp/run" -- node examples/server.js >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 0 ] && ok "profile exits 0" || { bad "profile exit code $rc"; cat "$tmp/err"; }
expect_in "$tmp/out" "^http.requests: \.*  *200$" "the load report shows 200 requests"
expect_in "$tmp/out" "^== medprof profile" "the closing summary"
expect_in "$tmp/out" "top JavaScript:" "the summary lists JavaScript functions"
[ -s "$tmp/run/processed.txt" ] && ok "processed.txt written" || bad "no processed.txt"
expect_in "$tmp/run/processed.txt" "^Statistical profiling result from $tmp/run/isolate-" "processed.txt header names the log"
# The hot spot of /Patient search is searchPatients with distance() inlined into it by
# TurboFan: it must lead the JavaScript rows.
sed -n '/\[JavaScript\]/,/^ *$/p' "$tmp/run/processed.txt" | sed -n '3,7p' >"$tmp/topjs"
expect_in "$tmp/topjs" "JS: \*\(searchPatients\|distance\|scorePatient\) .*examples/server.js" "the search hot path (searchPatients, inlined distance) leads the JavaScript rows"
[ -s "$tmp/run/report.json" ] && ok "report.json written" || bad "no report.json"
xmllint --noout "$tmp/run/flame.svg" 2>"$tmp/xml" && ok "flame.svg is well-formed (xmllint)" ||
    { bad "flame.svg"; cat "$tmp/xml"; }
expect_in "$tmp/run/flame.svg" "searchPatients" "the flame graph shows the hot function"
node -e '
const fs = require("fs"), d = process.argv[1];
const c = JSON.parse(fs.readFileSync(d + "/profile.cpuprofile"));
const s = JSON.parse(fs.readFileSync(d + "/profile.speedscope.json"));
const ok = c.nodes.length > 1 && c.samples.length === c.timeDeltas.length && c.samples.length > 0 &&
  s.profiles[0].type === "sampled" && s.profiles[0].samples.length === c.samples.length;
process.exit(ok ? 0 : 1);' "$tmp/run" && ok "profile.cpuprofile and profile.speedscope.json written, same samples" ||
    bad "the viewer files"
if [ -n "$CHROME" ]; then
    for page in report.html flame.svg; do
        run_chrome "$tmp/chrome" --window-size=900,900 --screenshot="$tmp/$page.png" "file://$tmp/run/$page" >/dev/null
        colours=$(png_colours "$tmp/$page.png")
        [ "${colours:-0}" -gt 20 ] && ok "$page renders in headless chromium ($colours sampled values)" ||
            bad "$page renders blank in chromium"
    done
    run_chrome "$tmp/chrome" --dump-dom "file://$tmp/run/report.html" >"$tmp/dom"
    grep -q "<th>requests</th><td>200</td>" "$tmp/dom" && ok "chromium reads report.html's numbers" ||
        bad "report.html in chromium"
else
    echo "skip headless chromium checks: chromium is not installed"
fi
xmllint --noout "$tmp/run/report.html" 2>"$tmp/xml" && ok "report.html is well-formed (xmllint)" ||
    { bad "report.html"; cat "$tmp/xml"; }
expect_in "$tmp/run/report.html" "<th>requests</th><td>200</td>" "report.html counts the requests"
# With --no-short-builtin-calls (added by default) V8's builtins run where their symbols are:
# hardly any tick is left unaccounted (with the remapped copy it was 15 % on this server).
ticks=$(sed -n 's/^ticks: \([0-9]*\) .*unaccounted \([0-9]*\))$/\1 \2/p' "$tmp/out")
set -- $ticks
[ -n "${2:-}" ] && [ $(( $2 * 100 )) -le $(( $1 * 2 )) ] && ok "at most 2 % unaccounted ($2 of $1)" ||
    bad "unaccounted ticks: '${2:-?}' of '${1:-?}'"
expect_in "$tmp/out" "node --prof --no-short-builtin-calls examples/server.js" "--prof and --no-short-builtin-calls inserted after node"
# Exact counts: the load's requests equal what the server itself counted (readiness
# probes went to /healthcheck, counted apart).
served=$(sed -n 's/.*"patient-search":\([0-9]*\).*/\1/p' "$tmp/run/server.log")
[ "$served" = 200 ] && ok "the server counted 200 searches" || bad "server counted '$served' searches"
pid=$(server_pid "$tmp/run/report.json")
[ -n "$pid" ] && ! alive "$pid" && ok "server $pid is gone" || bad "server '$pid' left behind"
ls "$tmp/run"/isolate-*-v8.log >/dev/null 2>&1 && ok "the tick log moved into the output dir" || bad "no tick log in the output dir"
ls isolate-*-v8.log 2>/dev/null | sort >"$tmp/logs-after"
pidlog=$(ls "$tmp/run"/isolate-*-v8.log 2>/dev/null | head -n 1 | sed 's|.*/||')
grep -qx "$pidlog" "$tmp/logs-after" && bad "the tick log was left in the working directory" || ok "no tick log left behind"

# ---- failure paths ------------------------------------------------------------------------
"$MEDPROF" profile --url "$base/" --out "$tmp/npm" -- npm start >"$tmp/out" 2>&1
[ $? = 2 ] && ok "a non-node command: exit 2" || bad "non-node exit code"
expect_in "$tmp/out" "must start with node" "a non-node command: message"

"$MEDPROF" profile --url "$base/" --out "$tmp/early" -- node -e "console.log('bad config'); process.exit(3)" >"$tmp/out" 2>&1
[ $? = 1 ] && ok "server exits before ready: exit 1" || bad "early exit code"
expect_in "$tmp/out" "exited with code 3 before" "server exits before ready: message"
expect_in "$tmp/out" "| bad config" "server exits before ready: its last output is shown"

"$MEDPROF" profile --url "$base/" --timeout 1 --out "$tmp/never" -- node -e "setTimeout(() => {}, 60000)" >"$tmp/out" 2>&1
[ $? = 1 ] && ok "never ready: exit 1" || bad "never-ready exit code"
expect_in "$tmp/out" "not ready after 1.0 s" "never ready: message"

PORT=$port node examples/server.js 2>/dev/null &
other=$!
pids="$pids $other"
i=0; while ! node -e "require('net').connect($port,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
"$MEDPROF" profile --url "$base/healthcheck" --out "$tmp/taken" -- node examples/server.js >"$tmp/out" 2>&1
[ $? = 1 ] && ok "port taken: exit 1" || bad "port-taken exit code"
expect_in "$tmp/out" "already taken by another process" "port taken: message"
kill "$other" 2>/dev/null; wait "$other" 2>/dev/null

cat >"$tmp/stubborn.js" <<JS
process.on('SIGINT', () => {});
require('http').createServer((q, s) => s.end('ok')).listen($port);
JS
"$MEDPROF" profile --url "$base/" --count 2 --num 5 --grace 0.5 --out "$tmp/stub" -- node "$tmp/stubborn.js" >"$tmp/out" 2>&1
expect_in "$tmp/out" "ignored SIGINT" "a server that ignores SIGINT: warned"
pid=$(server_pid "$tmp/stub/report.json")
[ -n "$pid" ] && ! alive "$pid" && ok "the stubborn server $pid is gone" || bad "stubborn server left behind"

cat >"$tmp/nolog.js" <<JS
const fs = require('fs');
for (const f of fs.readdirSync('.')) if (/^isolate-.*-v8\.log$/.test(f)) fs.unlinkSync(f);
require('http').createServer((q, s) => s.end('ok')).listen($port);
JS
"$MEDPROF" profile --url "$base/" --count 2 --num 5 --cwd "$tmp" --out "$tmp/nolog" -- node "$tmp/nolog.js" >"$tmp/out" 2>&1
[ $? = 1 ] && ok "no tick log: exit 1" || bad "no-tick-log exit code"
expect_in "$tmp/out" "wrote no isolate-\*-v8.log" "no tick log: message"

cat >"$tmp/reset.js" <<JS
require('http').createServer((q, s) => { if (q.url === '/boom') q.socket.destroy(); else s.end('ok'); }).listen($port);
JS
"$MEDPROF" profile --url "$base/boom" --ready "$base/" --count 3 --num 5 --cwd "$tmp" --out "$tmp/errors" -- node "$tmp/reset.js" >"$tmp/out" 2>&1
[ $? = 1 ] && ok "load errors: exit 1" || bad "load-errors exit code"
expect_in "$tmp/out" "^errors.ECONNRESET: " "load errors: reported"
[ -s "$tmp/errors/processed.txt" ] && ok "load errors: the profile is still written" || bad "load errors: no profile"

# Ctrl+C on medprof while it profiles with --no-load: the server stops, the profile is kept.
"$MEDPROF" profile --no-load --url "$base/healthcheck" --out "$tmp/ctrlc" --env "PORT=$port" -- node examples/server.js >"$tmp/out" 2>&1 &
mp=$!
i=0; while ! grep -q "yourself" "$tmp/out" && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
alive $mp && ok "--no-load: medprof waits for Ctrl+C" || bad "--no-load: medprof did not wait"
kill -INT $mp
wait $mp
grep -q "^http.requests" "$tmp/out" && bad "--no-load ran a load" || ok "--no-load runs no load"
[ -s "$tmp/ctrlc/processed.txt" ] && ok "Ctrl+C: the profile is written" || { bad "Ctrl+C: no profile"; cat "$tmp/out"; }
pid=$(server_pid "$tmp/ctrlc/report.json")
[ -n "$pid" ] && ! alive "$pid" && ok "Ctrl+C: server $pid is gone" || bad "Ctrl+C: server left behind"
# Ctrl+C during the load: the load stops, its partial report and the profile are kept.
"$MEDPROF" profile --url "$base/Patient?name=smi" --ready "$base/healthcheck" --count 20 --num 100000 \
    --out "$tmp/ctrlc-load" --env "PORT=$port" -- node examples/server.js >"$tmp/out" 2>&1 &
mp=$!
i=0; while ! grep -q "is up" "$tmp/out" && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
sleep 1.5
kill -INT $mp
wait $mp
expect_in "$tmp/out" "^http.requests: " "Ctrl+C during the load: the partial load report is printed"
[ -s "$tmp/ctrlc-load/processed.txt" ] && ok "Ctrl+C during the load: the profile is written" || { bad "Ctrl+C during the load: no profile"; cat "$tmp/out"; }
pid=$(server_pid "$tmp/ctrlc-load/report.json")
[ -n "$pid" ] && ! alive "$pid" && ok "Ctrl+C during the load: server $pid is gone" || bad "Ctrl+C during the load: server left behind"

# Ctrl+C while waiting for a server that never becomes ready: it is stopped, exit 130.
cat >"$tmp/slow.js" <<JS
console.log('slow.js pid ' + process.pid);
setTimeout(() => {}, 60000);
JS
"$MEDPROF" profile --url "$base/" --timeout 60 --out "$tmp/ctrlc-ready" -- node "$tmp/slow.js" >"$tmp/out" 2>&1 &
mp=$!
i=0; while ! grep -q "slow.js pid" "$tmp/ctrlc-ready/server.log" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
pid=$(sed -n 's/^slow.js pid \([0-9]*\)/\1/p' "$tmp/ctrlc-ready/server.log")
kill -INT $mp
wait $mp
rc=$?
[ $rc = 130 ] && ok "Ctrl+C while waiting: exit 130" || bad "Ctrl+C while waiting: exit $rc"
[ -n "$pid" ] && ! alive "$pid" && ok "Ctrl+C while waiting: server $pid is gone" || bad "Ctrl+C while waiting: server '$pid' left behind"
ls isolate-*-"$pid"-v8.log >/dev/null 2>&1 && bad "Ctrl+C while waiting: the server's tick log was left in the working directory" || ok "Ctrl+C while waiting: no tick log left in the working directory"
ls "$tmp"/ctrlc-ready/isolate-*-"$pid"-v8.log >/dev/null 2>&1 && ok "Ctrl+C while waiting: the tick log moved to the output directory" || bad "Ctrl+C while waiting: the tick log is not in the output directory"
expect_in "$tmp/out" "its tick logs were moved to $tmp/ctrlc-ready/isolate-" "Ctrl+C while waiting: the message says where the tick log went"
finish
