#!/bin/sh
# The Lua recipes in examples/ run against examples/server.js and print what they promise.
. tests/e2e/lib.sh
tmp=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

port=$(free_port)
"$MEDPROF" run examples/profile-endpoint.lua '/Patient?name=tur' "$port" >"$tmp/pe" 2>&1
[ $? = 0 ] && ok "profile-endpoint.lua runs" || bad "profile-endpoint.lua failed"
expect_in "$tmp/pe" "^http.requests: \.* 2000$" "profile-endpoint: the load report"
expect_in "$tmp/pe" "JS: \*searchPatients" "profile-endpoint: the hot function"
pdir=$(sed -n 's/^processed.txt: \(.*\)\/processed.txt$/\1/p' "$tmp/pe")
[ -n "$pdir" ] && [ -s "$pdir/processed.txt" ] && ok "profile-endpoint: processed.txt" || bad "profile-endpoint: no processed.txt"
[ -n "$pdir" ] && rm -rf "$pdir"

PORT=$port node examples/server.js 2>/dev/null &
server=$!
i=0; while ! "$MEDPROF" run /dev/stdin <<LUA 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
assert(medprof.probe{ port = $port })
LUA
"$MEDPROF" run examples/sweep.lua "http://127.0.0.1:$port/healthcheck" 0.5 8 >"$tmp/sweep" 2>&1
[ $? = 0 ] && ok "sweep.lua runs" || bad "sweep.lua failed"
[ "$(grep -c '^ *[0-9][0-9]* *[0-9][0-9]* ' "$tmp/sweep")" = 4 ] && ok "sweep: rows for 1, 2, 4, 8" || { bad "sweep rows"; cat "$tmp/sweep"; }
"$MEDPROF" run examples/multi-endpoint.lua "http://127.0.0.1:$port" 10 5 >"$tmp/multi" 2>&1
[ $? = 0 ] && ok "multi-endpoint.lua runs" || bad "multi-endpoint.lua failed"
# 10 users by weight 5:3:1:1 → 5+3+1+1 users x 5 requests = 50, all merged into one report.
expect_in "$tmp/multi" "^http.requests: \.* 50$" "multi-endpoint: the merged report counts every request"
expect_in "$tmp/multi" "^http.codes.200: \.* 50$" "multi-endpoint: all answered 200"
kill "$server"; wait "$server" 2>/dev/null; server=""

"$MEDPROF" run examples/compare.lua "http://127.0.0.1:$port/Patient?name=smi" \
    "env PORT=$port node examples/server.js" "env PORT=$port node examples/server.js" >"$tmp/cmp" 2>&1
# compare.lua's commands must start with node: env-prefixed ones are refused with a message.
expect_in "$tmp/cmp" "must start with node" "compare refuses a command that is not node"
# B searches 8x as many patients, so the search functions' share must be the change that
# tops the table (comparing a server with itself would rank noise).
printf "process.env.PATIENTS = '40000';\nrequire('%s/examples/server.js');\n" "$PWD" >"$tmp/heavy.js"
PORT=$port "$MEDPROF" run examples/compare.lua "http://127.0.0.1:$port/Patient?name=smi" \
    "node examples/server.js" "node $tmp/heavy.js" >"$tmp/cmp" 2>&1
[ $? = 0 ] && ok "compare.lua runs" || { bad "compare.lua failed"; cat "$tmp/cmp"; }
top=$(grep -A1 'function (share of ticks' "$tmp/cmp" | tail -1)
case "$top" in
  *" +"*searchPatients*|*" +"*scorePatient*|*" +"*distance*|*" +"*"server.js:82:"*) ok "compare: the biggest change is the search getting heavier" ;;
  *) bad "compare: top row is not the search: $top"; cat "$tmp/cmp" ;;
esac
expect_in "$tmp/cmp" "^p99: .* ms -> .* ms" "compare: the p99 change"
finish
