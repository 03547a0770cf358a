#!/bin/sh
# bench/load-memory.sh - does medprof's memory stay flat as the number of requests grows?
#
#   sh bench/load-memory.sh [BUILD_DIR]        (default build; run `make` first)
#
# Runs `medprof quick --connections 50 --requests N --threads 1` (closed loop, keep-alive)
# against bench/server.c on 127.0.0.1, for N = 1,000,000 and then 10,000,000, each under
# GNU time -v, and prints the peak RSS of both runs, their request rates and the ratio of
# the peaks (constant memory: about 1). The report goes through the same code as on a
# terminal-less CLI run: a period report every 10 s.
#
# What is kept per request: nothing. The latency histograms have a fixed size (about 230 KB
# each); the per-second series grows with the run's duration (about 1.2 KB per second per
# thread), not with its requests; the 10-second periods are handed over and freed. RSS
# rises over a run's first minute (malloc and Lua's collector settling on the periods'
# histograms) and then stays flat, so a run of 30 s shows a little less than one of 5 min.
#
# MEDPROF_MEM_SMALL / MEDPROF_MEM_LARGE change the two request counts, MEDPROF_MEM_CONNECTIONS
# the connections (50).
set -u
BUILD=${1:-build}
MEDPROF=$BUILD/medprof
SMALL=${MEDPROF_MEM_SMALL:-1000000}
LARGE=${MEDPROF_MEM_LARGE:-10000000}
CONNS=${MEDPROF_MEM_CONNECTIONS:-50}
tmp=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

[ -x "$MEDPROF" ] || { echo "bench/load-memory.sh: no $MEDPROF (run make)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/load-memory.sh: needs GNU time (apt-get install time)" >&2; exit 1; }
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -o "$tmp/server" bench/server.c || exit 1

"$tmp/server" 0 >"$tmp/server.out" &
server=$!
i=0
until grep -q listening "$tmp/server.out" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "bench server did not start" >&2; exit 1; }; sleep 0.1
done
url="http://127.0.0.1:$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/server.out")/"

run() { # run N: sets rss (kB), rate (req/s), wall (s), sent
    /usr/bin/time -v -o "$tmp/time" "$MEDPROF" quick --threads 1 --connections "$CONNS" \
        --requests "$1" "$url" >"$tmp/out" 2>&1
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$tmp/time")
    wall=$(sed -n 's/.*Elapsed (wall clock) time.*: \(.*\)$/\1/p' "$tmp/time" |
           awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.1f", s }')
    rate=$(sed -n 's/^http\.request_rate: \.* \([0-9]*\)\/sec$/\1/p' "$tmp/out" | tail -n 1)
    sent=$(sed -n 's/^http\.requests: \.* \([0-9]*\)$/\1/p' "$tmp/out" | tail -n 1)
}

echo "bench/load-memory.sh: $(nproc) cores, $(uname -sr), $CONNS connections, 1 thread, $url"
printf '  %-12s %12s %14s %10s %8s\n' "requests" "sent" "peak RSS kB" "req/s" "wall s"
run "$SMALL"
small_rss=$rss
printf '  %-12s %12s %14s %10s %8s\n' "$SMALL" "$sent" "$rss" "$rate" "$wall"
run "$LARGE"
large_rss=$rss
printf '  %-12s %12s %14s %10s %8s\n' "$LARGE" "$sent" "$rss" "$rate" "$wall"
awk -v a="$small_rss" -v b="$large_rss" -v n="$SMALL" -v m="$LARGE" 'BEGIN {
    printf "  peak RSS %s / %s requests: %.2fx for %gx the requests\n", m, n, b / a, m / n }'
