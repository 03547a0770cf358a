#!/bin/sh
# Ctrl+C during `medprof quick` stops the load, prints the report of what was measured and
# exits 130; the server it loaded is stopped here by pid.
set -u
. tests/e2e/lib.sh
tmp=$(mktemp -d)
server=""
quick=""
cleanup() { [ -n "$quick" ] && kill -9 "$quick" 2>/dev/null; [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

start_hostile "$tmp"

"$MEDPROF" quick --connections 4 --duration 30 "http://127.0.0.1:$port/ok" >"$tmp/out.txt" 2>"$tmp/err.txt" &
quick=$!
sleep 1
kill -INT "$quick"
i=0
while alive "$quick" && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
if alive "$quick"; then bad "medprof quick still running 5 s after SIGINT"; else ok "stopped after SIGINT"; fi
wait "$quick"
rc=$?
quick=""
if [ "$rc" = 130 ]; then ok "exit code 130"; else bad "exit code $rc, want 130"; fi
expect_in "$tmp/err.txt" "interrupted" "says it was interrupted"
expect_in "$tmp/out.txt" '^http\.codes\.200: \.* [1-9][0-9]*$' "prints the report of what it measured"
kill -TERM "$server"
wait "$server"
server=""
finish
