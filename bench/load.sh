#!/bin/sh
# bench/load.sh - medprof's load generator against wrk, autocannon and artillery.
#
#   sh bench/load.sh [BUILD_DIR]        (default build; run `make` first)
#
# Two loopback targets: bench/server.c (a minimal C keep-alive server, so the generator is
# what is measured) and examples/server.js (GET /healthcheck). On each, one after another:
#   wrk -t1 -c20 -d10s                                          (Debian's wrk)
#   medprof quick --connections 20 --duration 10 --threads 1   (closed loop, like wrk)
#     (these two alternate for MEDPROF_BENCH_ROUNDS rounds, default 3: medians are shown)
#   autocannon -c 20 -d 10                                      (npm)
#   artillery quick --count 20 --num 100 and medprof quick --count 20 --num 100 (wall time)
# autocannon and artillery are installed by npm into a scratch folder under /tmp
# (MEDPROF_BENCH_NPM to reuse one; artillery with --ignore-scripts). Printed per tool:
# requests/s, CPU seconds of the generator process per 100k requests, ratio to wrk.
set -u
BUILD=${1:-build}
MEDPROF=$BUILD/medprof
DUR=${MEDPROF_BENCH_SECONDS:-10}
ROUNDS=${MEDPROF_BENCH_ROUNDS:-3}
NPM_DIR=${MEDPROF_BENCH_NPM:-/tmp/medprof-bench-npm}
tmp=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

[ -x "$MEDPROF" ] || { echo "bench/load.sh: no $MEDPROF (run make)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench/load.sh: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/load.sh: needs GNU time (/usr/bin/time)" >&2; exit 1; }

cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -o "$tmp/server" bench/server.c || exit 1

if [ ! -x "$NPM_DIR/node_modules/.bin/autocannon" ] || [ ! -x "$NPM_DIR/node_modules/.bin/artillery" ]; then
    echo "installing autocannon and artillery into $NPM_DIR (npm, --ignore-scripts) ..."
    mkdir -p "$NPM_DIR"
    (cd "$NPM_DIR" && npm install --ignore-scripts --no-audit --no-fund autocannon artillery >install.log 2>&1) ||
        echo "  npm install failed (see $NPM_DIR/install.log): autocannon and artillery are skipped"
fi
AUTOCANNON=$NPM_DIR/node_modules/.bin/autocannon
ARTILLERY=$NPM_DIR/node_modules/.bin/artillery

free_port() {
    node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# cpu FILE: user+system seconds recorded by /usr/bin/time -f '%U %S'
cpu() { awk 'END { printf "%.2f", $1 + $2 }' "$1"; }
# median FILE: the median of the first column
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# sumcol FILE N: the sum of column N
sumcol() { awk -v n="$2" '{ s += $n } END { print s }' "$1"; }

row() { # row TOOL REQS_PER_S CPU_S REQUESTS WALL
    per100k=$(awk -v c="$3" -v n="$4" 'BEGIN { if (n > 0) printf "%.2f", c * 100000 / n; else printf "-" }')
    ratio=$(awk -v r="$2" -v w="$wrk_rate" 'BEGIN { if (w > 0 && r > 0) printf "%.2fx", r / w; else printf "-" }')
    printf '  %-44s %10s %14s %8s %8s\n' "$1" "$2" "$per100k" "$ratio" "$5"
}

bench_target() { # bench_target NAME URL
    name=$1 url=$2
    echo
    echo "== $name: $url"
    printf '  %-44s %10s %14s %8s %8s\n' "generator" "req/s" "cpu s/100k" "vs wrk" "wall s"
    # wrk and medprof alternate for $ROUNDS rounds: on a shared machine the load of the
    # moment moves a single run by tens of percent; the median of alternating runs is fair.
    : >"$tmp/wrk.runs"
    : >"$tmp/mp.runs"
    i=0
    while [ $i -lt "$ROUNDS" ]; do
        i=$((i + 1))
        /usr/bin/time -f '%U %S' -o "$tmp/t" wrk -t1 -c20 -d"${DUR}s" "$url" >"$tmp/o" 2>&1
        echo "$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$tmp/o") $(awk '/requests in/ { print $1 }' "$tmp/o") $(cpu "$tmp/t")" >>"$tmp/wrk.runs"
        /usr/bin/time -f '%U %S' -o "$tmp/t" "$MEDPROF" quick --no-progress --threads 1 --connections 20 \
            --duration "$DUR" "$url" >"$tmp/o" 2>&1
        echo "$(sed -n 's/^http\.request_rate: \.* \([0-9]*\)\/sec$/\1/p' "$tmp/o") $(sed -n 's/^http\.requests: \.* \([0-9]*\)$/\1/p' "$tmp/o") $(cpu "$tmp/t")" >>"$tmp/mp.runs"
    done
    wrk_rate=$(median "$tmp/wrk.runs")
    row "wrk -t1 -c20 -d${DUR}s (median of $ROUNDS)" "$wrk_rate" "$(sumcol "$tmp/wrk.runs" 3)" "$(sumcol "$tmp/wrk.runs" 2)" "$DUR"
    row "medprof --connections 20 -d $DUR -t1 (median)" "$(median "$tmp/mp.runs")" "$(sumcol "$tmp/mp.runs" 3)" "$(sumcol "$tmp/mp.runs" 2)" "$DUR"
    echo "    runs (req/s): wrk $(cut -d' ' -f1 "$tmp/wrk.runs" | tr '\n' ' ')/ medprof $(cut -d' ' -f1 "$tmp/mp.runs" | tr '\n' ' ')"

    if [ -x "$AUTOCANNON" ]; then
        /usr/bin/time -f '%U %S' -o "$tmp/t" "$AUTOCANNON" -c 20 -d "$DUR" -j "$url" >"$tmp/o" 2>/dev/null
        r=$(node -e "const j=JSON.parse(require('fs').readFileSync('$tmp/o','utf8'));console.log(Math.round(j.requests.total/j.duration), j.requests.total)" 2>/dev/null)
        row "autocannon -c 20 -d $DUR" "${r% *}" "$(cpu "$tmp/t")" "${r#* }" "$DUR"
    fi

    start=$(date +%s%N)
    /usr/bin/time -f '%U %S' -o "$tmp/t" "$MEDPROF" quick --no-progress --count 20 --num 100 "$url" >"$tmp/o" 2>&1
    wall=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
    r=$(sed -n 's/^http\.request_rate: \.* \([0-9]*\)\/sec$/\1/p' "$tmp/o")
    row "medprof quick --count 20 --num 100" "$r" "$(cpu "$tmp/t")" 2000 "$wall"

    if [ -x "$ARTILLERY" ]; then
        start=$(date +%s%N)
        /usr/bin/time -f '%U %S' -o "$tmp/t" "$ARTILLERY" quick --count 20 --num 100 "$url" >"$tmp/o" 2>&1
        wall=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
        r=$(sed -n 's/^http\.request_rate: \.* \([0-9]*\)\/sec$/\1/p' "$tmp/o" | tail -n 1)
        n=$(sed -n 's/^http\.requests: \.* \([0-9]*\)$/\1/p' "$tmp/o" | tail -n 1)
        row "artillery quick --count 20 --num 100" "${r:-?}" "$(cpu "$tmp/t")" "${n:-0}" "$wall"
    fi
}

echo "bench/load.sh: $(nproc) cores, $(uname -sr), wrk $(wrk -v 2>&1 | awk 'NR==1 { print $2 }'), node $(node -v)"
port=$(free_port)
"$tmp/server" "$port" >/dev/null &
pids="$pids $!"
sleep 0.3
bench_target "C keep-alive server (bench/server.c)" "http://127.0.0.1:$port/"

port=$(free_port)
PORT=$port node examples/server.js 2>/dev/null &
pids="$pids $!"
i=0
until node -e "require('http').get('http://127.0.0.1:$port/stats',r=>process.exit(r.statusCode==200?0:1)).on('error',()=>process.exit(1))" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "examples/server.js did not start" >&2; exit 1; }; sleep 0.1
done
bench_target "examples/server.js" "http://127.0.0.1:$port/healthcheck"
