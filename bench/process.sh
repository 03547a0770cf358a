#!/bin/sh
# Tick-processor benchmark: medprof process against node --prof-process on the same big log.
#
#   sh bench/process.sh [SECONDS] [RUNS]          from the repo root, after `make`
#
# 1. Symbol reading: medprof's ELF reader on the node binary (bench/sym-read.c: read, place
#    and demangle node's three executable mappings) against `nm -C -n -S` + `nm -C -n -S -D`,
#    which node's tick processor runs for the same purpose.
# 2. Generates a V8 log of at least 100 MB: node --prof --prof-sampling-interval=50 running
#    tests/data/node20/cpu.js for SECONDS (default 110; run again longer if the log
#    comes out smaller). LOG=path reuses a log instead.
# 3. Times, on that log: cat LOG >/dev/null, medprof process LOG, node --prof-process LOG;
#    the median of RUNS runs each (default 3; node's runs take long: NODE_RUNS, default RUNS),
#    with the peak RSS of each (/usr/bin/time), and prints the ratios. medprof also with
#    --threads 1 (no read-ahead thread), which must print the same report.
# 4. As root, the same for cat and medprof with the page cache dropped before each run
#    (COLD=0 skips it).
# 5. Where the time goes: bench/process-floor.c times each layer on its own (reading, finding
#    lines, hashing them, grouping and attributing, symbols), against a read of the file.
# Environment: BUILD (default build), MEDPROF (default $BUILD/medprof), LOG, NODE_RUNS, COLD,
# KEEP=1 keeps the work directory. Needs node; /usr/bin/time is used when present, else /proc.
set -u
BUILD=${BUILD:-build}
MEDPROF=${MEDPROF:-$BUILD/medprof}
secs=${1:-110}
runs=${2:-3}
node_runs=${NODE_RUNS:-$runs}
cpujs=tests/data/node20/cpu.js

die() { echo "bench/process.sh: $*" >&2; exit 1; }
command -v node >/dev/null 2>&1 || die "node is not installed"
[ -x "$MEDPROF" ] || die "$MEDPROF not built (run make first)"
work=$(mktemp -d)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
MEDPROF=$(cd "$(dirname "$MEDPROF")" && pwd)/$(basename "$MEDPROF")

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else print v[int((NR + 1) / 2)] }'; }

now() { date +%s.%N; }
elapsed() { echo "$1 $2" | awk '{ printf "%.3f", $2 - $1 }'; }

# measure OUT CMD...: runs CMD with stdout to OUT, prints "SECONDS MAXRSS_KB" (wall clock
# from date, to the millisecond; peak RSS from GNU time, else polled from /proc)
measure() {
    out=$1; shift
    if [ -x /usr/bin/time ]; then
        t0=$(now)
        /usr/bin/time -f '%M' -o "$work/time" "$@" >"$out" 2>"$work/stderr" || {
            echo "bench/process.sh: failed: $*" >&2; sed 's/^/  | /' "$work/stderr" >&2; }
        t1=$(now)
        echo "$(elapsed "$t0" "$t1") $(tail -n 1 "$work/time")"
    else
        t0=$(now)
        "$@" >"$out" 2>"$work/stderr" &
        pid=$!
        peak=0
        while kill -0 "$pid" 2>/dev/null; do
            r=$(sed -n 's/^VmHWM: *\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null)
            [ -n "$r" ] && peak=$r
            sleep 0.05
        done
        wait "$pid"
        t1=$(now)
        echo "$(elapsed "$t0" "$t1") $peak"
    fi
}

# repeat N OUT CMD...: N measured runs; prints "median_seconds max_rss_kb"
repeat() {
    n=$1; shift
    : >"$work/runs"
    i=0
    while [ "$i" -lt "$n" ]; do measure "$@" >>"$work/runs"; i=$((i + 1)); done
    echo "$(cut -d' ' -f1 "$work/runs" | median) $(cut -d' ' -f2 "$work/runs" | sort -n | tail -n 1)"
}

ratio() { echo "$1 $2" | awk '{ if ($2 > 0) printf "%.1f", $1 / $2; else print "inf" }'; }

echo "== machine: $(nproc) CPUs, $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -n 1)"
echo "== node $(node --version), $(nm --version 2>/dev/null | head -n 1)"

# ---- 1. symbol reading ---------------------------------------------------------------------
nodebin=$(readlink -f "$(command -v node)")
if cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -I. -o "$work/sym-read" bench/sym-read.c \
    -ldl -lpthread -lm 2>"$work/cc.err"; then
    ends=$(readelf -lW "$nodebin" 2>/dev/null | while read -r type off vaddr paddr filesz memsz flags; do
        case "$type $flags" in "LOAD "*E*) printf '0x%x ' $(( (vaddr + memsz + 4095) / 4096 * 4096 )) ;; esac
    done)
    [ -n "$ends" ] || ends=0x10000000
    : >"$work/symruns"
    for i in 1 2 3 4 5; do "$work/sym-read" "$nodebin" 0x400000 $ends >>"$work/symruns"; done
    sym=$(cut -d' ' -f1 "$work/symruns" | median)
    entries=$(head -n 1 "$work/symruns" | cut -d' ' -f2)
    echo "symbols: medprof reads, places and demangles $nodebin ($entries entries for its"
    echo "         $(echo $ends | wc -w) mappings) in $sym s (median of 5)"
    if command -v nm >/dev/null 2>&1; then
        : >"$work/nmruns"
        for i in 1 2 3; do
            t0=$(now)
            nm -C -n -S "$nodebin" >/dev/null 2>&1
            nm -C -n -S -D "$nodebin" >/dev/null 2>&1
            t1=$(now)
            echo "$(elapsed "$t0" "$t1")" >>"$work/nmruns"
        done
        nmt=$(median <"$work/nmruns")
        echo "         nm -C -n -S + nm -C -n -S -D once: $nmt s (median of 3; node runs them once"
        echo "         per mapping, i.e. $(echo $ends | wc -w) times): medprof is $(ratio "$nmt" "$sym")x faster than one pass"
    fi
else
    echo "symbols: cannot build bench/sym-read.c:"; sed 's/^/  | /' "$work/cc.err"
fi

# ---- 2. the log -----------------------------------------------------------------------------
if [ -n "${LOG:-}" ]; then
    log=$LOG
else
    [ -f "$cpujs" ] || die "$cpujs not found (run from the repo root)"
    cp "$cpujs" "$work/cpu.js"
    gen() {
        rm -f "$work"/isolate-*-v8.log
        echo "generating: node --prof --prof-sampling-interval=50 cpu.js $1 ..."
        (cd "$work" && node --prof --prof-sampling-interval=50 cpu.js "$1" >/dev/null) ||
            die "node --prof failed"
        log=$(ls "$work"/isolate-*-v8.log | head -n 1)
    }
    gen "$secs"
    size=$(wc -c <"$log")
    if [ "$size" -lt 100000000 ]; then
        more=$(( secs * 105000000 / (size + 1) + 5 ))
        echo "log is $((size / 1000000)) MB, under 100 MB: again for $more s"
        gen "$more"
    fi
fi
size=$(wc -c <"$log")
ticks=$(grep -c '^tick,' "$log")
echo "log: $log, $((size / 1000000)) MB, $ticks ticks"

# ---- 3. timings -------------------------------------------------------------------------------
cat "$log" >/dev/null # warm the page cache: every contender reads from memory
# and one untimed run: node's binary into the page cache too, and the CPU out of its idle
# state (on this VM the first runs after a quiet spell were a third slower)
"$MEDPROF" process "$log" >/dev/null 2>&1
set -- $(repeat "$runs" /dev/null cat "$log");            cat_s=$1
set -- $(repeat "$runs" "$work/medprof.txt" "$MEDPROF" process "$log"); mp_s=$1; mp_kb=$2
set -- $(repeat "$runs" "$work/medprof1.txt" "$MEDPROF" process --threads 1 "$log"); mp1_s=$1; mp1_kb=$2
set -- $(repeat "$node_runs" "$work/node.txt" node --prof-process "$log"); node_s=$1; node_kb=$2

echo
printf '%-28s %10s %12s\n' "" "median s" "peak RSS MB"
printf '%-28s %10s %12s\n' "cat LOG >/dev/null" "$cat_s" "-"
printf '%-28s %10s %12s\n' "medprof process LOG" "$mp_s" "$((mp_kb / 1024))"
printf '%-28s %10s %12s\n' "  the same, --threads 1" "$mp1_s" "$((mp1_kb / 1024))"
printf '%-28s %10s %12s\n' "node --prof-process LOG" "$node_s" "$((node_kb / 1024))"
echo
echo "medprof is $(ratio "$node_s" "$mp_s")x faster than node (target >= 50x)"
echo "medprof takes $(ratio "$mp_s" "$cat_s")x the time of cat (target <= 3x)"
echo "peak memory: medprof $((mp_kb / 1024)) MB, node $((node_kb / 1024)) MB"
cmp -s "$work/medprof.txt" "$work/medprof1.txt" || echo "!! --threads 1 printed another report"
# Cold cache: the page cache dropped before each run (root only), so cat and medprof both
# read the log from disk, and medprof node's binary too. A log just written by node --prof is
# warm; one copied from a server or read after a while is cold.
if [ -w /proc/sys/vm/drop_caches ] && [ "${COLD:-1}" = 1 ]; then
    cold() { sync; echo 3 >/proc/sys/vm/drop_caches; measure "$@"; }
    : >"$work/coldcat"; : >"$work/coldmp"
    i=0
    while [ "$i" -lt "$runs" ]; do
        cold /dev/null cat "$log" >>"$work/coldcat"
        cold "$work/medprof.txt" "$MEDPROF" process "$log" >>"$work/coldmp"
        i=$((i + 1))
    done
    ccat=$(cut -d' ' -f1 "$work/coldcat" | median); cmp_s=$(cut -d' ' -f1 "$work/coldmp" | median)
    echo "cold cache (caches dropped before each run): cat $ccat s, medprof $cmp_s s:" \
         "medprof takes $(ratio "$cmp_s" "$ccat")x the time of cat"
fi
if cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -I. -o "$work/process-floor" bench/process-floor.c \
        -lpthread -ldl -lm 2>"$work/cc.err"; then
    echo
    echo "each layer on its own (bench/process-floor.c), x read: over reading the file in-process"
    "$work/process-floor" "$log" "$runs" 2>/dev/null | sed 's/^/  /'
else
    echo "layers: cannot build bench/process-floor.c:"; sed 's/^/  | /' "$work/cc.err"
fi
echo
echo "first lines of each report:"
head -n 1 "$work/medprof.txt" | sed 's/^/  medprof: /'
head -n 1 "$work/node.txt" | sed 's/^/  node:    /'
[ "${KEEP:-0}" = 1 ] && echo "kept: $work"
exit 0
