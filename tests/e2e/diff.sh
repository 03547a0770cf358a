#!/bin/sh
# medprof diff: a log against itself moves nothing; two different logs give a table of movers
# and a well-formed differential flame graph; bad input is refused.
. tests/e2e/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
small=tests/data/node20/small-v8.log
http=tests/data/node20/http-v8.log

"$MEDPROF" diff "$small" "$small" >"$tmp/same" 2>"$tmp/err"
[ $? = 0 ] && ok "diff of a log with itself runs" || { bad "diff failed"; cat "$tmp/err"; }
moved=$(sed -n '5,$p' "$tmp/same" | awk '$3 != "+0.0" && $3 != "-0.0" || $6 != "+0.0" && $6 != "-0.0"' | wc -l)
rows=$(sed -n '5,$p' "$tmp/same" | wc -l)
[ "$rows" -gt 0 ] && [ "$moved" = 0 ] && ok "nothing moves against itself ($rows rows)" || { bad "$moved rows moved against itself"; cat "$tmp/same"; }
expect_in "$tmp/same" "^before: .*small-v8.log (410 ticks)" "the header names both logs and their ticks"

"$MEDPROF" diff --top 5 "$small" "$http" >"$tmp/two"
[ "$(sed -n '5,$p' "$tmp/two" | wc -l)" = 5 ] && ok "--top 5 gives five rows" || { bad "--top rows"; cat "$tmp/two"; }
"$MEDPROF" diff --format svg -o "$tmp/diff.svg" "$small" "$http" && xmllint --noout "$tmp/diff.svg" &&
    ok "the differential flame graph is well-formed" || bad "differential svg"
expect_in "$tmp/diff.svg" 'style="fill:rgb(' "frames are coloured by their change"
expect_in "$tmp/diff.svg" 'points)</title>' "titles give the change in points"

# JSON profiles (`medprof process --format json`) give the same table as their logs.
"$MEDPROF" process --format json "$small" >"$tmp/a.json"
"$MEDPROF" process --format json "$http" >"$tmp/b.json"
"$MEDPROF" diff --top 15 "$small" "$http" | sed -n '4,$p' >"$tmp/from-logs"
"$MEDPROF" diff --top 15 "$tmp/a.json" "$tmp/b.json" | sed -n '4,$p' >"$tmp/from-json"
[ -s "$tmp/from-json" ] && cmp -s "$tmp/from-logs" "$tmp/from-json" &&
    ok "two JSON profiles give the logs' table" || { bad "JSON and log tables differ"; diff "$tmp/from-logs" "$tmp/from-json"; }
"$MEDPROF" diff --format svg "$tmp/a.json" "$tmp/b.json" >"$tmp/out" 2>&1
[ $? = 2 ] && ok "no differential graph from JSON profiles: exit 2" || bad "svg from JSON exit code"
expect_in "$tmp/out" "JSON profiles carry no stacks" "and it says why"

"$MEDPROF" diff "$small" >"$tmp/out" 2>&1
[ $? = 2 ] && ok "one log: exit 2" || bad "one-log exit code"
"$MEDPROF" diff "$small" /nonexistent.log >"$tmp/out" 2>&1
[ $? = 1 ] && ok "a missing log: exit 1" || bad "missing-log exit code"
expect_in "$tmp/out" "/nonexistent.log" "a missing log is named"
finish
