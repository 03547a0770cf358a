#!/bin/sh
# The tick fast path (plain 0x-hex and decimal fields, read in one pass) must give exactly
# what the general path gives. Forcing the general path is easy: parseInt(" 0x10") is 16 too,
# but the fast path only takes fields that start with a digit. Also the fields at the edge of
# the fast path's digit limits, and lines it must hand over (trailing comma, missing fields).
. tests/e2e/lib.sh
command -v node >/dev/null 2>&1 || { echo "SKIP: no node"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
data=tests/data

same_report() { # same_report A B WHAT [OPTIONS...]
    a=$1 b=$2 what=$3; shift 3
    "$MEDPROF" process --symbol-list "$tmp/syms" "$@" "$a" >"$tmp/a.txt" 2>"$tmp/a.err"
    "$MEDPROF" process --symbol-list "$tmp/syms" "$@" "$b" >"$tmp/b.txt" 2>"$tmp/b.err"
    tail -n +2 "$tmp/b.txt" >"$tmp/b.txt.body"
    # the first line names the log
    if [ -s "$tmp/a.txt" ] && tail -n +2 "$tmp/a.txt" | cmp -s - "$tmp/b.txt.body"; then ok "$what"
    else bad "$what"; diff "$tmp/a.txt" "$tmp/b.txt" | head -10; fi
}

: >"$tmp/syms"
for seed in 5 17; do
    node "$data/tick-gen.js" "$seed" 400 >"$tmp/fast.log"
    # a space before every 0x field and every decimal field of the tick lines
    sed '/^tick,/ { s/,0x/, 0x/g; s/,\([0-9]\)/, \1/g }' "$tmp/fast.log" >"$tmp/slow.log"
    cmp -s "$tmp/fast.log" "$tmp/slow.log" && bad "seed $seed: the slow variant is the same file"
    for opt in "" --separate-ic=false -g --range=40,200 --call-graph-size=2; do
        same_report "$tmp/fast.log" "$tmp/slow.log" "seed $seed ${opt:-(defaults)}: fast path = general path" $opt
    done
done

# Ticks seen before: the fast path reuses what a repeated tick resolved to until a record
# that is not a tick comes. Every tick line again right after itself (another time), the
# tick of 25 ticks earlier again (code events have come since, in between), now and then
# with another VM state, and now and then in a form only the general path reads: still the
# general path's report, text and stacks.
for seed in 5 23; do
    node "$data/tick-gen.js" "$seed" 600 | awk -F, -v OFS=, '
        /^tick,/ { n++; print; $3 = $3 + 1; print
                   ring[n % 25] = $0
                   if (n > 25) { $0 = ring[(n + 1) % 25]; $3 = $3 + 2; print }
                   if (n % 7 == 0) { $6 = ($6 + 1) % 8; print }
                   if (n % 11 == 0) { t = $0; sub(/,0x/, ", 0x", t); print t }
                   next }
        { print }' >"$tmp/rep.log"
    sed '/^tick,/ { s/,0x/, 0x/g; s/,\([0-9]\)/, \1/g }' "$tmp/rep.log" >"$tmp/rep-slow.log"
    for opt in "" -g --separate-ic=false --call-graph-size=3; do
        same_report "$tmp/rep.log" "$tmp/rep-slow.log" "seed $seed, repeated ticks ${opt:-(defaults)}: = general path" $opt
    done
    same_report "$tmp/rep.log" "$tmp/rep-slow.log" "seed $seed, repeated ticks: folded stacks = general path" --format folded
done

# Digit limits: 15 hex digits and 18 decimal ones are the fast path's; one more goes to the
# general path, whose parseInt gives the same value (or NaN past 2^63).
{
    echo "v8-version,11,3,244,8,-node.38,0"
    echo "code-creation,Builtin,2,1,0xeffffffffffff00,256,A"
    echo "code-creation,Builtin,2,1,0x0fffffffffffff00,256,B"
    echo "tick,0xeffffffffffff10,100,0,0x0,0"
    echo "tick,0x0fffffffffffff10,100000000000000000,0,0x0,0"
    echo "tick,0x00fffffffffffff10,1000000000000000000,0,0x0,0"
    echo "tick,0xfffffffffffff10,100,0,0x0,0,"
    echo "tick,0xfffffffffffff10,100,0,0x0"
    echo "tick,0xFFFFFFFFFFFFF10,100,0,0X0,0,0xfffffffffffff20"
    echo "tick,0xfffffffffffff10,100,0,0x0,6,0xfffffffffffff20,0xfffffffffffff30,+16,o,0x1"
} >"$tmp/edge.log"
sed '/^tick,/ { s/,0x/, 0x/g; s/,0X/, 0X/g; s/,\([0-9]\)/, \1/g }' "$tmp/edge.log" >"$tmp/edge-slow.log"
same_report "$tmp/edge.log" "$tmp/edge-slow.log" "digit limits and odd lines: fast path = general path"
expect_in "$tmp/a.txt" "Builtin: A" "a 15-digit pc is found"
expect_in "$tmp/a.txt" "Builtin: B" "a 16-digit pc is found"
finish
