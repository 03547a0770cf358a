#!/bin/sh
# Reading ahead (the default for a log file): a second thread reads the log and groups the
# ticks that are alike between code events; each group is attributed once and counted for
# all. The report, JSON and warnings must be exactly those of reading line by line on one
# thread (--threads 1), whatever the log: ticks repeated across code events, groups split
# between batches, epochs with thousands of distinct stacks, lines longer than the read
# buffer, odd tick forms, a last line without its newline, an empty line, a tick first.
. tests/e2e/lib.sh
command -v node >/dev/null 2>&1 || { echo "SKIP: no node"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
data=tests/data
node20=$data/node20

same_as_one_thread() { # same_as_one_thread WHAT MEDPROF-PROCESS-ARGS...
    what=$1; shift
    "$MEDPROF" process --threads 1 "$@" >"$tmp/one.txt" 2>"$tmp/one.err"; r1=$?
    "$MEDPROF" process "$@" >"$tmp/two.txt" 2>"$tmp/two.err"; r2=$?
    if [ -s "$tmp/one.txt" ] && [ $r1 = $r2 ] && cmp -s "$tmp/one.txt" "$tmp/two.txt" &&
        cmp -s "$tmp/one.err" "$tmp/two.err"; then ok "$what"
    else
        bad "$what (exit $r1 / $r2)"
        diff "$tmp/one.txt" "$tmp/two.txt" | head -10
        diff "$tmp/one.err" "$tmp/two.err" | head -5
    fi
}

: >"$tmp/syms"
for seed in 5 17 23; do
    node "$data/tick-gen.js" "$seed" 600 | awk -F, -v OFS=, '
        /^tick,/ { n++; print; $3 = $3 + 1; print
                   ring[n % 25] = $0
                   if (n > 25) { $0 = ring[(n + 1) % 25]; $3 = $3 + 2; print }
                   if (n % 7 == 0) { $6 = ($6 + 1) % 8; print }
                   if (n % 11 == 0) { t = $0; sub(/,0x/, ", 0x", t); print t; print t }
                   if (n % 13 == 0) { $3 = "x" $3; print }
                   next }
        { print }' >"$tmp/rep.log"
    for opt in "" -g -j --separate-ic=false --separate-bytecodes --call-graph-size=2 \
               --ignore-unknown "--format json" "--format folded" "--format svg"; do
        same_as_one_thread "seed $seed ${opt:-(defaults)}: read ahead = one thread" \
            --symbol-list "$tmp/syms" $opt "$tmp/rep.log"
    done
done
node "$data/tick-gen.js" 7 400 >"$tmp/a.log"
node "$data/tick-gen.js" 8 400 >"$tmp/b.log"
same_as_one_thread "--merge of two logs: read ahead = one thread" \
    --symbol-list "$tmp/syms" --merge "$tmp/a.log" "$tmp/b.log"
same_as_one_thread "two logs, two reports: read ahead = one thread" \
    --symbol-list "$tmp/syms" "$tmp/a.log" "$tmp/b.log"

# node's own logs, with the symbols of this machine's libraries
for log in small-v8.log http-v8.log; do
    same_as_one_thread "$log: read ahead = one thread" "$node20/$log"
    same_as_one_thread "$log --separate-ic=false: read ahead = one thread" --separate-ic=false "$node20/$log"
done

# Every record that is not a tick ends the ticks' groups: the same tick line before and after
# a code-move, a code-creation, a code-delete or an sfi-move resolves differently.
{
    echo "v8-version,11,3,244,8,-node.38,0"
    echo "code-creation,JS,10,1,0x10000,256,fA a.js:1:1,0x1,~"
    for i in 1 2 3; do echo "tick,0x10010,$i,0,0x0,0"; done
    echo "code-move,0x10000,0x20000"
    for i in 4 5 6 7; do echo "tick,0x10010,$i,0,0x0,0"; done
    echo "code-creation,JS,10,1,0x10000,256,fB b.js:1:1,0x2,~"
    for i in 8 9 10 11 12; do echo "tick,0x10010,$i,0,0x0,0"; done
    echo "code-delete,0x10000"
    for i in 13 14; do echo "tick,0x10010,$i,0,0x0,0"; done
    echo "code-creation,JS,10,1,0x10000,256,fC c.js:1:1,0x3,~"
    echo "sfi-move,0x10000,0x40000"
    for i in 15 16 17 18 19 20; do echo "tick,0x10010,$i,0,0x0,0"; done
    echo "code-creation,JS,10,1,0x10000,256,fD d.js:1:1,0x4,~"
    for i in 21 22 23 24 25 26 27; do echo "tick,0x10010,$i,0,0x0,0"; done
} >"$tmp/epochs.log"
same_as_one_thread "ticks alike around code events: read ahead = one thread" \
    --symbol-list "$tmp/syms" "$tmp/epochs.log"
expect_in "$tmp/two.txt" "27 ticks, 12 unaccounted" "ticks alike around code events: 27 ticks, 12 unaccounted (4 moved away, 2 deleted, 6 sfi-moved)"
expect_in "$tmp/two.txt" "^ *3  *11.1%  *11.1%  JS: ~fA a.js:1:1" "fA: the 3 ticks before the move"
expect_in "$tmp/two.txt" "^ *5  *18.5%  *18.5%  JS: ~fB b.js:1:1" "fB: the 5 ticks before the delete"
expect_in "$tmp/two.txt" "^ *7  *25.9%  *25.9%  JS: ~fD d.js:1:1" "fD: the 7 ticks after it is created"

# Thousands of distinct stacks between two code events (the group table grows), the same
# few stacks for more than a batch holds (groups go on in the next batch), and a line
# longer than the reader's buffer.
node -e '
const out = [];
out.push("v8-version,11,3,244,8,-node.38,0");
for (let i = 0; i < 64; i++)
  out.push(`code-creation,JS,10,1,0x${(0x10000 + i * 0x100).toString(16)},256,f${i} a.js:${i}:1,0x1,~`);
for (let i = 0; i < 20000; i++) {
  const f = [];
  for (let k = 0; k < 1 + (i % 5); k++) f.push("0x" + (0x10000 + ((i * 7 + k * 13) % 64) * 0x100 + 8).toString(16));
  out.push(`tick,0x${(0x10000 + (i % 64) * 0x100 + 4).toString(16)},${1000 + i},0,0x0,${i % 3},${f.join(",")}`);
}
out.push("code-creation,JS,10,1,0x20000,256,g b.js:1:1,0x1,*");
for (let i = 0; i < 60000; i++)
  out.push(`tick,0x20010,${50000 + i},0,0x0,0,0x${(0x10000 + (i % 3) * 0x100 + 8).toString(16)},0x20020`);
const long = [];
for (let i = 0; i < 200000; i++) long.push("0x" + (0x10000 + (i % 64) * 0x100 + 8).toString(16));
out.push(`tick,0x20010,200000,0,0x0,0,${long.join(",")}`);
out.push(`code-creation,JS,10,1,0x30000,256,h c.js:1:1,0x1,~`);
for (let i = 0; i < 1000; i++) out.push(`tick,0x30010,${300000 + i},0,0x0,0,0x20020`);
console.log(out.join("\n"));
' >"$tmp/big.log"
check '[ $(wc -c <"$tmp/big.log") -gt 3000000 ]' "the big log is bigger than a batch and the read buffer"
same_as_one_thread "many stacks, long runs, a 1.8 MB line: read ahead = one thread" \
    --symbol-list "$tmp/syms" "$tmp/big.log"
same_as_one_thread "the same, bottom up 10 deep: read ahead = one thread" \
    --symbol-list "$tmp/syms" --call-graph-size=10 "$tmp/big.log"
same_as_one_thread "the same, folded stacks: read ahead = one thread" \
    --symbol-list "$tmp/syms" --format folded "$tmp/big.log"
same_as_one_thread "the same, speedscope (samples with times): read ahead = one thread" \
    --symbol-list "$tmp/syms" --format speedscope "$tmp/big.log"

# One epoch with more distinct stacks than a batch holds and than an epoch keeps (the groups
# of its first batch are counted again from later batches; past the limit a new epoch
# starts), and between them the same few stacks again and again.
node -e '
const out = ["v8-version,11,3,244,8,-node.38,0"];
const at = (k, off) => "0x" + (0x10000 + (k % 64) * 0x100 + off).toString(16);
for (let i = 0; i < 64; i++)
  out.push(`code-creation,JS,10,1,${at(i, 0)},256,f${i} a.js:${i}:1,0x1,~`);
for (let i = 0; i < 160000; i++) {
  out.push(`tick,${at(i, 4)},${1000 + i},0,0x0,${i % 2},${at(i >> 6, 8)},${at(i >> 12, 9 + (i % 7))}`);
  if (i % 4 === 0) out.push(`tick,${at(i % 50, 4)},${1000 + i},0,0x0,0,${at(1, 8)},${at(2, 9)}`);
}
console.log(out.join("\n"));
' >"$tmp/wide.log"
check '[ $(grep -c "^tick" "$tmp/wide.log") -eq 200000 ]' "the wide log has 200000 ticks"
same_as_one_thread "160000 distinct stacks in one epoch, and repeats across batches: read ahead = one thread" \
    --symbol-list "$tmp/syms" "$tmp/wide.log"
same_as_one_thread "the same, folded stacks: read ahead = one thread" \
    --symbol-list "$tmp/syms" --format folded "$tmp/wide.log"

# The ends of a log: no newline at the end, an empty line (node stops reading there), a
# tick as the first line, an empty log, a log of one line.
head -c -1 "$tmp/a.log" >"$tmp/nonl.log"
same_as_one_thread "last line without its newline: read ahead = one thread" \
    --symbol-list "$tmp/syms" "$tmp/nonl.log"
awk 'NR == 300 { print "" } { print }' "$tmp/a.log" >"$tmp/empty-line.log"
same_as_one_thread "an empty line ends the log: read ahead = one thread" \
    --symbol-list "$tmp/syms" "$tmp/empty-line.log"
grep '^tick,' "$tmp/a.log" >"$tmp/ticks-only.log"
same_as_one_thread "a tick first (no v8-version): read ahead = one thread" \
    --symbol-list "$tmp/syms" "$tmp/ticks-only.log"
: >"$tmp/empty.log"
"$MEDPROF" process --symbol-list "$tmp/syms" "$tmp/empty.log" >"$tmp/e2.txt" 2>&1; r2=$?
"$MEDPROF" process --threads 1 --symbol-list "$tmp/syms" "$tmp/empty.log" >"$tmp/e1.txt" 2>&1; r1=$?
check '[ $r1 = $r2 ] && cmp -s "$tmp/e1.txt" "$tmp/e2.txt"' "an empty log: read ahead = one thread"
printf '\ntick,0x1,2,0,0x0,0\n' >"$tmp/empty-first.log"
same_as_one_thread "an empty first line (nothing read): read ahead = one thread" \
    --symbol-list "$tmp/syms" "$tmp/empty-first.log"
printf 'tick,0x1,2,0,0x0,0' >"$tmp/one-line.log"
same_as_one_thread "one tick and no newline: read ahead = one thread" \
    --symbol-list "$tmp/syms" "$tmp/one-line.log"

# stdin (a pipe) is read line by line on one thread: the same again
"$MEDPROF" process --symbol-list "$tmp/syms" - <"$tmp/rep.log" 2>/dev/null | tail -n +2 >"$tmp/pipe.txt"
"$MEDPROF" process --symbol-list "$tmp/syms" "$tmp/rep.log" 2>/dev/null | tail -n +2 >"$tmp/file.txt"
check 'cmp -s "$tmp/pipe.txt" "$tmp/file.txt"' "a pipe on stdin gives the file's report"

"$MEDPROF" process --threads 3 "$tmp/a.log" >/dev/null 2>"$tmp/t3.err"; r=$?
check '[ $r = 2 ] && grep -q -- "--threads must be 1 or 2" "$tmp/t3.err"' "--threads 3 is refused"
finish
