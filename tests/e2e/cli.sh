#!/bin/sh
# The medprof CLI as a user meets it: help, version, script lookup, `launch` against the
# example server, Ctrl+C while it holds the server, and its failure paths.
. tests/e2e/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$MEDPROF" --help >"$tmp/help" 2>&1
expect_in "$tmp/help" "^  launch  *start a server" "--help lists launch with its summary"
"$MEDPROF" --version >"$tmp/version"
expect_in "$tmp/version" "^medprof [0-9]*\.[0-9]*\.[0-9]* (Lua 5.4" "--version"
"$MEDPROF" no-such-command >"$tmp/out" 2>&1
[ $? = 2 ] && ok "unknown command exits 2" || bad "unknown command exit code"
expect_in "$tmp/out" "unknown command 'no-such-command'" "unknown command message"

printf 'print("args:", arg[0], ...)\n' >"$tmp/echo.lua"
"$MEDPROF" run "$tmp/echo.lua" a b >"$tmp/out" 2>&1
expect_in "$tmp/out" "^args:	$tmp/echo.lua	a	b" "run passes ... and arg"
printf 'error("boom")\n' >"$tmp/boom.lua"
"$MEDPROF" run "$tmp/boom.lua" >"$tmp/out" 2>&1
[ $? = 1 ] && ok "a failing script exits 1" || bad "failing script exit code"
expect_in "$tmp/out" "boom" "error message with traceback"
printf -- '-- my own launch\nprint("user launch", ...)\n' >"$tmp/launch.lua"
MEDPROF_PATH="/nonexistent:$tmp" "$MEDPROF" launch x >"$tmp/out" 2>&1
expect_in "$tmp/out" "^user launch	x" "a script in MEDPROF_PATH wins over the built-in one"

port=$(free_port)
"$MEDPROF" launch --ready "http://127.0.0.1:$port/healthcheck" --env "PORT=$port" \
    --log "$tmp/server.log" -- node examples/server.js >"$tmp/out" 2>&1
[ $? = 0 ] && ok "launch exits 0" || bad "launch exit code"
expect_in "$tmp/out" "ready after .* s: http://127.0.0.1:$port/healthcheck answers" "launch waits for readiness"
expect_in "$tmp/out" "exited with code 0 after" "launch reports how the server ended"
expect_in "$tmp/server.log" "served" "server output went to --log"
pid=$(sed -n 's/.*(pid \([0-9]*\)).*/\1/p' "$tmp/out" | head -n 1)
[ -n "$pid" ] && ! alive "$pid" && ok "server $pid is gone" || bad "server $pid left behind"

# Ctrl+C on medprof while it holds the server: the server is stopped, the account printed.
"$MEDPROF" launch --hold --ready "http://127.0.0.1:$port/healthcheck" --env "PORT=$port" \
    --log "$tmp/server2.log" -- node examples/server.js >"$tmp/hold" 2>&1 &
mp=$!
i=0
while ! grep -q holding "$tmp/hold" && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
pid=$(sed -n 's/.*(pid \([0-9]*\)).*/\1/p' "$tmp/hold" | head -n 1)
kill -INT $mp
wait $mp
rc=$?
[ $rc = 0 ] && ok "Ctrl+C during --hold is a normal stop" || bad "--hold exit code $rc"
expect_in "$tmp/hold" "exited with code 0" "--hold reports the stop"
[ -n "$pid" ] && ! alive "$pid" && ok "held server $pid is gone" || bad "held server $pid left behind"

"$MEDPROF" launch --port "$port" -t 5 -- sh -c 'echo oops >&2; exit 3' >"$tmp/out" 2>&1
[ $? = 1 ] && ok "a server that dies early: exit 1" || bad "dying server exit code"
expect_in "$tmp/out" "exited with code 3 before" "dying server message"
"$MEDPROF" launch --port "$port" -t 0.5 -- sleep 30 >"$tmp/out" 2>&1
[ $? = 1 ] && ok "a server that never listens: exit 1" || bad "never-ready exit code"
expect_in "$tmp/out" "not ready after 0.5 s" "never-ready message"
pid=$(sed -n 's/.*(pid \([0-9]*\)).*/\1/p' "$tmp/out" | head -n 1)
[ -n "$pid" ] && ! alive "$pid" && ok "never-ready server $pid is gone" || bad "never-ready server left behind"
"$MEDPROF" launch --port "$port" -- medprof-no-such-server >"$tmp/out" 2>&1
expect_in "$tmp/out" "cannot run 'medprof-no-such-server': not found in PATH" "missing binary"
"$MEDPROF" launch --port 1 --bogus >"$tmp/out" 2>&1
[ $? = 2 ] && ok "bad option exits 2" || bad "bad option exit code"
finish
