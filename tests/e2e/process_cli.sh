#!/bin/sh
# `medprof process` as a user meets it: node's real Node 20 logs with this machine's own
# symbols, JSON, several logs, --merge, stdin, garbage and missing files.
. tests/e2e/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
data=tests/data/node20

section() { # FILE TITLE: the lines of one report section, title to the blank line after it
    awk -v t=" [$2]:" '$0 == t { on = 1 } on && $0 == "" { exit } on' "$1"
}

"$MEDPROF" process "$data/small-v8.log" >"$tmp/small.txt" 2>"$tmp/small.err"
[ $? = 0 ] && ok "process exits 0" || bad "process exit code"
expect_in "$tmp/small.txt" "^Statistical profiling result from $data/small-v8.log, (410 ticks, " \
    "header names the log as given, with node's tick count"
# The log was recorded with this machine's node 20 and libraries: with their symbols read
# correctly, the JavaScript and shared-library rows are node's and C++ names most ticks.
if [ "$(node --version 2>/dev/null)" = v20.20.2 ]; then
    for s in JavaScript "Shared libraries"; do
        section "$tmp/small.txt" "$s" >"$tmp/mine"
        section "$data/small.prof-process.txt" "$s" >"$tmp/node"
        cmp -s "$tmp/mine" "$tmp/node" && ok "[$s] rows equal node's" || {
            bad "[$s] rows differ from node's"; diff "$tmp/node" "$tmp/mine"; }
    done
    unacc=$(sed -n '1s/.* ticks, \([0-9]*\) unaccounted.*/\1/p' "$tmp/small.txt")
    [ "$unacc" -lt 200 ] && ok "C++ symbols name ticks node leaves unaccounted ($unacc < 310)" \
        || bad "unaccounted $unacc (node: 310)"
    section "$tmp/small.txt" "C++" | grep -q "v8::internal::" && ok "[C++] has V8's functions" \
        || bad "[C++] without V8's functions"
    "$MEDPROF" process "$data/http-v8.log" >"$tmp/http.txt" 2>"$tmp/http.err"
    for s in JavaScript "Shared libraries"; do
        section "$tmp/http.txt" "$s" >"$tmp/mine"
        section "$data/http.prof-process.txt" "$s" >"$tmp/node"
        cmp -s "$tmp/mine" "$tmp/node" && ok "http: [$s] rows equal node's" || {
            bad "http: [$s] rows differ from node's"; diff "$tmp/node" "$tmp/mine"; }
    done
    expect_in "$tmp/http.txt" "^Statistical profiling result from .*http-v8.log, (723 ticks, " \
        "http: node's tick count"
else
    echo "skip: the symbol checks need node v20.20.2, the node that wrote the sample logs"
fi

"$MEDPROF" process --no-symbols --format json "$data/small-v8.log" >"$tmp/small.json"
if command -v node >/dev/null 2>&1; then
    node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
             if (j.ticks.total !== 410 || j.summary.javascript !== 52 || !j.bottom_up.children.length)
               process.exit(1)' "$tmp/small.json" && ok "--format json is valid JSON with the totals" \
        || bad "--format json"
fi

"$MEDPROF" process --no-symbols --only-summary "$data/small-v8.log" "$data/http-v8.log" >"$tmp/two.txt"
[ "$(grep -c '^Statistical profiling result' "$tmp/two.txt")" = 2 ] && ok "one report per log" \
    || bad "several logs"
"$MEDPROF" process --no-symbols --only-summary --merge "$data/small-v8.log" "$data/http-v8.log" >"$tmp/merged.txt"
expect_in "$tmp/merged.txt" "^Statistical profiling result from .*small-v8.log + .*http-v8.log, (1133 ticks" \
    "--merge sums the logs"

"$MEDPROF" process --no-symbols --only-summary - <"$data/small-v8.log" >"$tmp/stdin.txt"
expect_in "$tmp/stdin.txt" "^Statistical profiling result from -, (410 ticks" "'-' reads stdin"

head -c 200000 /dev/urandom >"$tmp/garbage.log"
"$MEDPROF" process "$tmp/garbage.log" >"$tmp/out" 2>"$tmp/err"
[ $? = 0 ] && ok "binary garbage: no crash" || bad "binary garbage exit code"
: >"$tmp/empty.log"
"$MEDPROF" process "$tmp/empty.log" >"$tmp/out" 2>&1
expect_in "$tmp/out" "(0 ticks, 0 unaccounted, 0 excluded)\.$" "empty log: header only"
head -c 5000 "$data/small-v8.log" >"$tmp/cut.log"
"$MEDPROF" process "$tmp/cut.log" >"$tmp/out" 2>"$tmp/err"
expect_in "$tmp/err" "cut.log is broken" "truncated log: node's warning"

"$MEDPROF" process "$tmp/nope.log" >"$tmp/out" 2>&1
[ $? = 1 ] && ok "missing log exits 1" || bad "missing log exit code"
expect_in "$tmp/out" "cannot open log '$tmp/nope.log'" "missing log named"
"$MEDPROF" process -j -g "$data/small-v8.log" >"$tmp/out" 2>&1
[ $? = 2 ] && ok "two state filters: usage error" || bad "two state filters"
"$MEDPROF" process -ni -j "$data/small-v8.log" >"$tmp/out" 2>&1
[ $? = 2 ] && ok "-ni with -j: usage error (node 26 would drop -j)" || bad "-ni with -j"
expect_in "$tmp/out" "give one VM-state filter (-ni -j" "-ni with -j: says why"
printf 'tick,0x1,1,0,0x0,0\ntick,0x1,2,0,0x0,7\ntick,0x1,3,0,0x0,8\n' >"$tmp/idle.log"
"$MEDPROF" process --no-symbols -ni "$tmp/idle.log" >"$tmp/out" 2>&1
expect_in "$tmp/out" "(3 ticks, 2 unaccounted, 1 excluded)" "-ni: the IDLE tick (state 8) is excluded"
"$MEDPROF" process --format yaml "$data/small-v8.log" >"$tmp/out" 2>&1
[ $? = 2 ] && ok "bad --format: usage error" || bad "bad --format"
finish
