#!/bin/sh
# examples/spawn.c (the header alone, no Lua) starts, waits for and stops the example server.
. tests/e2e/lib.sh
spawn=${1:-$BUILD/examples/spawn}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
port=$(free_port)
PORT=$port "$spawn" "http://127.0.0.1:$port/healthcheck" node examples/server.js >"$tmp/out" 2>&1
[ $? = 0 ] && ok "spawn example exits 0" || bad "spawn example exit code"
expect_in "$tmp/out" "^ready: http://127.0.0.1:$port/healthcheck answers" "it waited for the server"
expect_in "$tmp/out" "exited with code 0" "it stopped the server with SIGINT"
"$spawn" "http://127.0.0.1:$port/" medprof-no-such-server >"$tmp/out" 2>&1
[ $? = 1 ] && ok "missing server: exit 1" || bad "missing server exit code"
expect_in "$tmp/out" "not found in PATH" "missing server message"
finish
