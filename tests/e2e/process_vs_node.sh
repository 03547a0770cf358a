#!/bin/sh
# medprof process against the real `node --prof-process`, byte for byte, on synthetic logs
# full of edge cases (tests/data/tick-gen.js: escapes, {N} names, overlapping code, moves and
# deletes of unknown code, sfi-move, unknown code states, relative and overflow frames,
# external callbacks, every VM state, a library mapped twice, [vdso]). node runs with a fake
# nm and objdump; medprof gets the very symbols node placed (--serialize-vm-symbols), so the
# whole report must match, for each option set.
. tests/e2e/lib.sh
command -v node >/dev/null 2>&1 || { echo "SKIP: no node"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
data=tests/data
nm="--nm=$data/tick-fake-nm.sh"
objdump="--objdump=$data/tick-fake-objdump.sh"

for seed in 3 11 29; do
    node "$data/tick-gen.js" "$seed" $((300 + seed * 13)) >"$tmp/s$seed.log"
    symbols_of "$tmp/s$seed.log" >"$tmp/s$seed.syms"
    [ -s "$tmp/s$seed.syms" ] || bad "seed $seed: node placed no symbols"
    for opt in "" --separate-ic=false --separate-bytecodes=true --separate-builtins=false \
               --separate-stubs=false --separate-bytecodes --ignore-unknown --only-summary \
               -g -j -e -p -b -c -o --call-graph-size=2 --call-graph-size=0 --range=40,200 \
               "--distortion=500 --range=40,200" --filter-runtime-timer=GC_Scavenge; do
        node --prof-process "$nm" "$objdump" $opt "$tmp/s$seed.log" >"$tmp/node.txt" 2>/dev/null
        "$MEDPROF" process --symbol-list "$tmp/s$seed.syms" $opt "$tmp/s$seed.log" \
            >"$tmp/mp.txt" 2>"$tmp/mp.err"
        if cmp -s "$tmp/node.txt" "$tmp/mp.txt"; then
            ok "seed $seed ${opt:-(defaults)}: same report as node"
        else
            bad "seed $seed ${opt:-(defaults)}: report differs from node"
            diff "$tmp/node.txt" "$tmp/mp.txt" | head -20
        fi
    done
    expect_in "$tmp/mp.err" "code-move events\? for unknown code" "seed $seed: unknown moves summarised"
done
finish
