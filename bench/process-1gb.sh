#!/bin/sh
# Bounded memory on big logs: medprof process on a 100 MB and a 1 GB V8 tick log, peak RSS of
# each against a fixed bound. A server profiled for an hour writes logs of this size; the
# report must not need memory in proportion to the log.
#
#   sh bench/process-1gb.sh [BOUND_MB]          from the repo root, after `make`
#
# The logs are generated cheaply, not recorded: a real node --prof log (SRC, default
# tests/data/node20/http-v8.log) once, then its tick lines again and again with
# timestamps moved on, up to the size. CHURN=1 repeats the code events too (code-creation,
# code-move, code-delete...: the code map changes all the time, as in a server that keeps
# compiling). Both logs go to a temporary directory (TMPDIR) that is removed at exit; they
# are never kept in the repository.
#
# For each log: /usr/bin/time -v $MEDPROF process [ARGS] LOG >/dev/null, its wall time and
# peak RSS; then whether every peak RSS is under BOUND_MB (default 128) and how much the 1 GB
# run needed over the 100 MB one. FORMATS (default "text svg") lists the --format values to
# measure: text is node's report; svg also collects every stack for the flame graph. Exits 1
# when a run is over the bound. Measured (2 CPUs, http-v8.log repeated, 2026-11-24): text
# 64.7 MB for 100 MB and 1 GB alike (61 MB of it node's symbols; 3.7 MB with
# ARGS=--no-symbols); svg 64.8 MB for both: the flame graph keeps the tree of distinct
# stacks, not a sample per tick (only cpuprofile and speedscope ask for samples).
# Environment: BUILD (default build), MEDPROF, SRC, CHURN, FORMATS, ARGS (extra options for
# process, e.g. --no-symbols), KEEP=1 keeps the work directory.
set -u
BUILD=${BUILD:-build}
MEDPROF=${MEDPROF:-$BUILD/medprof}
SRC=${SRC:-tests/data/node20/http-v8.log}
FORMATS=${FORMATS:-text svg}
ARGS=${ARGS:-}
bound_mb=${1:-128}

die() { echo "bench/process-1gb.sh: $*" >&2; exit 1; }
[ -x "$MEDPROF" ] || die "$MEDPROF not built (run make first)"
[ -x /usr/bin/time ] || die "needs GNU time as /usr/bin/time (apt-get install time)"
[ -f "$SRC" ] || die "$SRC not found (run from the repo root, or set SRC)"
grep -q '^tick,' "$SRC" || die "$SRC has no tick lines"

work=$(mktemp -d) || die "cannot make a temporary directory"
if [ "${KEEP:-0}" = 1 ]; then echo "keeping $work"; else trap 'rm -rf "$work"' EXIT; fi
trap 'exit 130' INT TERM

# Both logs at once need 1.1 GB; some room besides for the filesystem.
avail_kb=$(df -Pk "$work" | awk 'NR == 2 { print $4 }')
[ "$avail_kb" -gt 1500000 ] ||
    die "only $((avail_kb / 1024)) MB free in $work: the logs need 1.1 GB (set TMPDIR elsewhere)"

# gen MB OUT: SRC once, then its tick lines (every line after the shared libraries, with
# CHURN=1) repeated with timestamps moved past the previous copy's, until OUT has MB
# megabytes. Tick timestamps are field 3, code-creation's field 4.
gen() {
    awk -v want=$(($1 * 1000000)) -v churn="${CHURN:-0}" '
        BEGIN { FS = ","; n = 0; bytes = 0; last = 0 }
        {
            print; bytes += length($0) + 1
            if ($1 == "tick") ts = $3; else if ($1 == "code-creation") ts = $4; else ts = ""
            if (ts != "" && ts + 0 > last) last = ts + 0
            if ($1 == "shared-library-end") { body = 1; next }
            if (!body || ($1 != "tick" && !churn) || $1 ~ /^(profiler|v8-version|v8-platform)$/) next
            n++; kind[n] = $1; line[n] = $0
            if (ts != "") {
                f = ($1 == "tick") ? 3 : 4
                pre = ""; post = ""
                for (i = 1; i < f; i++) pre = pre $i ","
                for (i = f + 1; i <= NF; i++) post = post "," $i
                head[n] = pre; stamp[n] = ts + 0; tail[n] = post
            } else stamp[n] = -1
        }
        END {
            shift = 0; span = last + 1000
            while (bytes < want) {
                shift += span
                for (k = 1; k <= n && bytes < want; k++) {
                    if (stamp[k] < 0) { print line[k]; bytes += length(line[k]) + 1; continue }
                    s = sprintf("%s%.0f%s", head[k], stamp[k] + shift, tail[k])
                    print s; bytes += length(s) + 1
                }
            }
        }' "$SRC" >"$2"
}

now() { date +%s.%N; }

# run LOG FORMAT: prints "WALL_S PEAK_RSS_KB" of one medprof process run.
run() {
    /usr/bin/time -v -o "$work/time" "$MEDPROF" process --format "$2" $ARGS "$1" \
        >"$work/out" 2>"$work/err" || { sed 's/^/  | /' "$work/err" "$work/time" >&2;
                                        die "medprof process $2 $1 failed"; }
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time" |
           awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }')
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")
    echo "$wall $rss"
}

echo "== $(nproc) CPUs, $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -n 1)"
echo "== source: $SRC ($(grep -c '^tick,' "$SRC") ticks)$( [ "${CHURN:-0}" = 1 ] && echo ', code events repeated too')"
for mb in 100 1000; do
    t0=$(now)
    gen "$mb" "$work/$mb.log"
    t1=$(now)
    printf '== generated %4d MB: %d ticks, %d lines, in %.1f s\n' \
        $(($(wc -c <"$work/$mb.log") / 1000000)) "$(grep -c '^tick,' "$work/$mb.log")" \
        "$(wc -l <"$work/$mb.log")" "$(echo "$t0 $t1" | awk '{ print $2 - $1 }')"
done

fail=0
echo
printf '%-8s %-8s %10s %14s\n' format log "wall s" "peak RSS MB"
for fmt in $FORMATS; do
    for mb in 100 1000; do
        cat "$work/$mb.log" >/dev/null # from the page cache, as far as it holds
        set -- $(run "$work/$mb.log" "$fmt")
        eval "rss_${fmt}_$mb=$2"
        printf '%-8s %5d MB %10s %14.1f\n' "$fmt" "$mb" "$1" "$(echo "$2" | awk '{ print $1 / 1024 }')"
        [ "$2" -le $((bound_mb * 1024)) ] || fail=1
    done
done
echo
for fmt in $FORMATS; do
    eval "a=\$rss_${fmt}_100 b=\$rss_${fmt}_1000"
    verdict=$( [ "$a" -le $((bound_mb * 1024)) ] && [ "$b" -le $((bound_mb * 1024)) ] &&
               echo "under" || echo "OVER")
    printf '%-5s peak RSS %s the %d MB bound; 1 GB needs %+.1f MB over 100 MB\n' "$fmt" \
        "$verdict" "$bound_mb" "$(echo "$a $b" | awk '{ print ($2 - $1) / 1024 }')"
done
exit $fail
