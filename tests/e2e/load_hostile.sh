#!/bin/sh
# medprof quick against the hostile server's harder cases, from the command line: 100 MB
# bodies in little memory, a response trickling one byte a second, --follow and redirects,
# and the descriptor limit (raised by the CLI, named in a warning when it cannot be). Every
# server is on 127.0.0.1 and stopped here by pid; every run is bounded.
set -u
. tests/e2e/lib.sh
tmp=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
# value FILE NAME: the report's value for metric NAME (empty when absent)
value() { sed -n "s/^$2: \\.* \\([0-9]*\\)\$/\\1/p" "$1" | tail -n 1; }

start_hostile "$tmp"
base="http://127.0.0.1:$port"

# 100 MB bodies: read to the end, counted, not kept. GNU time's %M is the peak RSS in kB.
for path in big-body big-chunked; do
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%M' -o "$tmp/rss" "$MEDPROF" quick --no-progress -c 1 -n 3 "$base/$path" >"$tmp/big.txt" 2>&1
        rss=$(tail -n 1 "$tmp/rss")
    else
        "$MEDPROF" quick --no-progress -c 1 -n 3 "$base/$path" >"$tmp/big.txt" 2>&1
        rss=0
    fi
    check '[ "$(value "$tmp/big.txt" http.codes.200)" = 3 ]' "/$path: 3 responses of 100 MB"
    check '[ "$(value "$tmp/big.txt" http.downloaded_bytes)" = 314572800 ]' "/$path: 300 MB counted"
    check '[ "$rss" -lt 60000 ]' "/$path: medprof's peak RSS ${rss} kB (a body would be 102400 kB)"
done

# One byte a second: the 1.5 s request timeout fires (the gaps between bytes are shorter).
start=$(date +%s%N)
"$MEDPROF" quick --no-progress --timeout 1.5 -c 2 -n 2 "$base/trickle" >"$tmp/trickle.txt" 2>&1
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check '[ "$(value "$tmp/trickle.txt" errors.ETIMEDOUT)" = 2 ]' "/trickle: errors.ETIMEDOUT 2"
check '! grep -q "^http.codes" "$tmp/trickle.txt"' "/trickle: no status code counted"
check '[ $ms -ge 1500 ] && [ $ms -lt 2800 ]' "/trickle: ended after ${ms} ms (timeout 1.5 s; the second user arrives at 0.5 s)"

# Redirects: counted, not followed, unless --follow; never to another host.
"$MEDPROF" quick --no-progress -c 2 -n 3 "$base/redirect" >"$tmp/r0.txt" 2>&1
check '[ "$(value "$tmp/r0.txt" http.codes.302)" = 6 ] && ! grep -q "^http.codes.200" "$tmp/r0.txt"' \
    "a 302 is counted and not followed by default"
"$MEDPROF" quick --no-progress --follow -c 2 -n 3 "$base/redirect" >"$tmp/r1.txt" 2>&1
check '[ "$(value "$tmp/r1.txt" http.codes.302)" = 6 ] && [ "$(value "$tmp/r1.txt" http.codes.200)" = 6 ] && [ "$(value "$tmp/r1.txt" http.requests)" = 12 ]' \
    "--follow: 6 redirects followed to 6 200s, 12 requests"
"$MEDPROF" quick --no-progress --follow -c 2 -n 3 "$base/redirect-other" >"$tmp/r2.txt" 2>&1
check '[ "$(value "$tmp/r2.txt" errors.EREDIRECT_HOST)" = 2 ] && [ "$(value "$tmp/r2.txt" http.requests)" = 2 ]' \
    "--follow: a Location on another host is errors.EREDIRECT_HOST, not requested"
"$MEDPROF" quick --no-progress --follow -c 1 -n 1 "$base/redirect-loop" >"$tmp/r3.txt" 2>&1
check '[ "$(value "$tmp/r3.txt" errors.EREDIRECT_LIMIT)" = 1 ] && [ "$(value "$tmp/r3.txt" http.codes.302)" = 10 ]' \
    "--follow: a loop ends after 10 hops with errors.EREDIRECT_LIMIT"

# Descriptors: the CLI raises a low soft limit itself ...
( ulimit -Sn 512 && "$MEDPROF" quick --no-progress --connections 1000 --duration 0.5 "$base/ok" ) >"$tmp/n1.txt" 2>&1
check '! grep -q "EMFILE" "$tmp/n1.txt" && ! grep -q "warning" "$tmp/n1.txt" && [ -n "$(value "$tmp/n1.txt" http.codes.200)" ]' \
    "1000 connections with a soft limit of 512: raised, no EMFILE"
# ... and says so when the hard limit is too low.
( ulimit -n 512 && "$MEDPROF" quick --no-progress --connections 1000 --duration 0.5 "$base/ok" ) >"$tmp/n2.txt" 2>&1
expect_in "$tmp/n2.txt" "warning: 1000 connections need about .* RLIMIT_NOFILE allows 512" \
    "1000 connections with a hard limit of 512: a warning names the limit"
expect_in "$tmp/n2.txt" '^errors.EMFILE: ' "and the errors are counted as errors.EMFILE"

kill -TERM "$server"
wait "$server"
server=""
served=$(sed -n 's/.*served total=\([0-9]*\).*/\1/p' "$tmp/server.out")
check '[ -n "$served" ]' "the server stopped and counted ($served requests)"
finish
