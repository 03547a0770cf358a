#!/bin/sh
# medprof process --preprocess, --timed-range, --ptr and the v8-version line against the real
# `node --prof-process`, byte for byte. Synthetic logs (tests/data/tick-gen.js with its extras:
# script sources and source positions with every kind of escape, deopts, current-time
# records) run as in process_vs_node.sh: node with a fake nm and objdump, medprof with the
# very symbols node placed. Real logs (tests/data/node20, and one written here with
# current-time records) run without C++ symbols on both sides (the fake nm has none for
# them), so everything else in them must match.
. tests/e2e/lib.sh
command -v node >/dev/null 2>&1 || { echo "SKIP: no node"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
data=tests/data
real=$data/node20
major=$(node_major)
v8=$(node -p process.versions.v8)
nm="--nm=$data/tick-fake-nm.sh"
objdump="--objdump=$data/tick-fake-objdump.sh"

# same WHAT LOG NODE-OPTIONS -- MEDPROF-OPTIONS: both outputs (stdout) byte for byte
same() {
    what=$1 log=$2
    shift 2
    nodeopts=
    while [ "$1" != "--" ]; do nodeopts="$nodeopts $1"; shift; done
    shift
    node --prof-process "$nm" "$objdump" $nodeopts "$log" >"$tmp/node.out" 2>/dev/null
    # --node: the real logs are node 20's, and node 18 or 22 may be the one compared with
    "$MEDPROF" process --node="$major" "$@" $nodeopts "$log" >"$tmp/mp.out" 2>"$tmp/mp.err"
    if cmp -s "$tmp/node.out" "$tmp/mp.out"; then
        ok "$what:$nodeopts: same as node ($(wc -c <"$tmp/mp.out") bytes)"
    else
        bad "$what:$nodeopts: differs from node"
        diff "$tmp/node.out" "$tmp/mp.out" | head -20
        head -5 "$tmp/mp.err"
    fi
}

for seed in 3 11 29 41; do
    log="$tmp/s$seed.log"
    node "$data/tick-gen.js" "$seed" $((300 + seed * 13)) extras >"$log"
    symbols_of "$log" >"$tmp/s$seed.syms"
    [ -s "$tmp/s$seed.syms" ] || bad "seed $seed: node placed no symbols"
    grep -q '^current-time' "$log" || bad "seed $seed: no current-time records to test with"
    for opt in --preprocess "--preprocess --timed-range" "--preprocess --ptr" "--preprocess -j" \
               "--preprocess --distortion=500 --range=40,200" --timed-range \
               --pairwise-timed-range "--ptr -g" "--timed-range --range=40,300"; do
        same "seed $seed" "$log" $opt -- --symbol-list "$tmp/s$seed.syms"
    done
done

# The real logs: code, functions, ticks and scripts as node has them (no C++ symbols).
same "small-v8.log" "$real/small-v8.log" --preprocess -- --no-symbols --v8-version="$v8"
same "http-v8.log" "$real/http-v8.log" --preprocess -- --no-symbols --v8-version="$v8"
# A fresh log with real current-time records (one per Date.now()).
if (cd "$tmp" && node --prof --log-internal-timer-events -e '
      let s = 0; const t0 = Date.now();
      while (Date.now() - t0 < 150) for (let i = 0; i < 1e4; i++) s += i;' ) &&
   ct=$(ls "$tmp"/isolate-*-v8.log 2>/dev/null | head -n 1) && [ -n "$ct" ] &&
   grep -q '^current-time' "$ct"; then
    for opt in --only-summary "--timed-range --only-summary" "--ptr --only-summary" \
               "--preprocess --ptr"; do
        same "timer-events log" "$ct" $opt -- --no-symbols
    done
    ticks_all=$("$MEDPROF" process --no-symbols --only-summary "$ct" | sed -n 's/.*(\([0-9]*\) ticks.*/\1/p')
    ticks_ptr=$("$MEDPROF" process --no-symbols --only-summary --ptr "$ct" | sed -n 's/.*(\([0-9]*\) ticks.*/\1/p')
    if [ -n "$ticks_ptr" ] && [ "$ticks_ptr" -lt "$ticks_all" ]; then
        ok "--ptr leaves ticks out ($ticks_ptr of $ticks_all)"
    else
        bad "--ptr kept $ticks_ptr of $ticks_all ticks"
    fi
elif [ "$major" -ge 21 ]; then
    echo "skip node $major writes no current-time records (--log-internal-timer-events)"
else
    bad "node --prof --log-internal-timer-events wrote no current-time records"
fi

# The v8-version line node prints first: the record missing, cut short, from another V8.
tail -n +2 "$real/small-v8.log" >"$tmp/nover.log"
sed '1s/.*/v8-version,10,2,154,26,-node.26,0/' "$real/small-v8.log" >"$tmp/oldver.log"
sed '1s/.*/v8-version,11,3/' "$real/small-v8.log" >"$tmp/cut.log"
: >"$tmp/empty.log"
for f in "$real/small-v8.log" "$tmp/nover.log" "$tmp/oldver.log" "$tmp/cut.log" "$tmp/empty.log"; do
    for opt in --only-summary --preprocess; do
        same "$(basename "$f")" "$f" $opt -- --no-symbols --v8-version="$v8"
    done
done
expect_in "$tmp/mp.out" "Unable to read v8-version from log file." "an empty log has no v8-version"
# Without --v8-version medprof compares with nothing: an old log is no different to it.
"$MEDPROF" process --no-symbols --only-summary "$tmp/oldver.log" >"$tmp/mp.out"
if head -n 1 "$tmp/mp.out" | grep -q '^Statistical profiling result'; then
    ok "no version line without --v8-version"
else
    bad "a version line without --v8-version:"; head -n 2 "$tmp/mp.out"
fi
# medprof's own formats keep their files clean: the line goes to stderr there.
"$MEDPROF" process --no-symbols --format json "$tmp/nover.log" >"$tmp/mp.out" 2>"$tmp/mp.err"
if node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$tmp/mp.out"; then
    ok "--format json stays JSON without a v8-version record"
else
    bad "--format json broken by the version line"
fi
expect_in "$tmp/mp.err" "Unable to read v8-version" "--format json: the line on stderr"

# --output gets what node prints on stdout.
node --prof-process "$nm" "$objdump" --preprocess "$tmp/nover.log" >"$tmp/node.out" 2>/dev/null
"$MEDPROF" process --node="$major" --no-symbols --preprocess --output "$tmp/pre.json" "$tmp/nover.log"
if cmp -s "$tmp/node.out" "$tmp/pre.json"; then ok "--preprocess --output: node's stdout"
else bad "--preprocess --output differs from node's stdout"; fi
"$MEDPROF" process --preprocess --format json "$real/small-v8.log" >/dev/null 2>"$tmp/mp.err"
[ $? = 2 ] && ok "--preprocess refuses --format" || bad "--preprocess took --format"
finish
