#!/bin/sh
# medprof quick's command line: the three models, --format json, -H/--body, --latency, and
# clear errors for bad input (against tests/servers/hostile, stopped here by pid).
set -u
. tests/e2e/lib.sh
tmp=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

start_hostile "$tmp"
url="http://127.0.0.1:$port/ok"

"$MEDPROF" quick -q -c 3 -n 7 --format json "$url" >"$tmp/quiet.txt"
check '[ ! -s "$tmp/quiet.txt" ]' "--quiet prints nothing"
"$MEDPROF" quick -c 3 -n 7 --format json "$url" >"$tmp/r.json"
check "node -e 'const j=JSON.parse(require(\"fs\").readFileSync(\"$tmp/r.json\",\"utf8\"));process.exit(j.aggregate.counters[\"http.requests\"]===21&&j.aggregate.rates[\"http.request_rate\"]>0&&j.aggregate.summaries[\"http.response_time\"].count===21&&j.medprof.histograms[\"http.response_time\"].buckets.length>0?0:1)'" \
    "--format json has artillery's aggregate and medprof's buckets"
"$MEDPROF" quick --connections 3 --requests 50 -X POST -H 'X-Test: 1' --body hello --latency "$url" >"$tmp/closed.txt" 2>&1
expect_in "$tmp/closed.txt" '^http\.requests: \.* 50$' "--connections 3 --requests 50 sends 50"
expect_in "$tmp/closed.txt" 'Latency Distribution' "--latency prints the table"
expect_in "$tmp/closed.txt" '99.99%' "with p99.99"
"$MEDPROF" quick --rate 100 --duration 0.5 "$url" >"$tmp/open.txt" 2>&1
expect_in "$tmp/open.txt" '^http\.requests: \.* 50$' "--rate 100 --duration 0.5 sends 50"
expect_in "$tmp/open.txt" 'Uncorrected' "the open model also reports uncorrected latency"

"$MEDPROF" quick --count 0 "$url" >"$tmp/e1" 2>&1
check '[ $? = 2 ]' "--count 0: exit 2"
expect_in "$tmp/e1" 'at least 1' "--count 0: says why"
"$MEDPROF" quick --count 2 --connections 3 "$url" >"$tmp/e2" 2>&1
check '[ $? = 2 ]' "--count with --connections: exit 2"
"$MEDPROF" quick "https://127.0.0.1:$port/" >"$tmp/e3" 2>&1
check '[ $? = 1 ]' "https: exit 1"
expect_in "$tmp/e3" 'https is not supported yet' "https: says it is not supported yet"
check '! grep -q "Phase started" "$tmp/e3"' "https: no phase line before the error"
"$MEDPROF" quick -H 'no colon' "$url" >"$tmp/e4" 2>&1
check '[ $? = 1 ]' "a bad header: exit 1"
expect_in "$tmp/e4" "bad header 'no colon'" "a bad header: says which"
"$MEDPROF" quick "localhost:$port/ok" >"$tmp/e5" 2>&1
check '[ $? = 2 ]' "a URL without scheme: exit 2"

kill -TERM "$server"
wait "$server"
server=""
total=$(sed -n 's/.*served total=\([0-9]*\).*/\1/p' "$tmp/server.out")
check '[ "$total" = $((21 + 21 + 50 + 50)) ]' "the server counted exactly the requests sent ($total)"
check 'grep -q "bytes=250" "$tmp/server.out"' "and 50 request bodies of 5 bytes"

# On a terminal (script(1) gives it one) the live progress line is drawn, without errors.
if command -v script >/dev/null 2>&1; then
    start_hostile "$tmp"
    # -e: script exits with medprof's status
    script -eqc "'$MEDPROF' quick --connections 2 --duration 0.7 http://127.0.0.1:$port/ok" "$tmp/tty.txt" >/dev/null 2>&1
    check '[ $? = 0 ] && ! grep -q "nil value" "$tmp/tty.txt"' "on a terminal: exits 0 without a Lua error"
    expect_in "$tmp/tty.txt" 'requests [0-9]*  responses [0-9]*' "on a terminal: the live progress line"
    kill -TERM "$server"
    wait "$server"
    server=""
else
    ok "on a terminal: skipped (no script(1))"
fi
finish
