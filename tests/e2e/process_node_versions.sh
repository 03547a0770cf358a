#!/bin/sh
# medprof process reads a log as the node that wrote it would: node 18's, 22's, 24's and 26's
# own --prof-process differ from node 20's on some records (mp_tick_config.node). Each case of
# tests/data/node-versions/cases, written for each of them, must come out as that node
# printed it: the SHA-256 of node's output is in tests/data/node-versions/expected
# (bench/node-versions.sh runs the real nodes, shows any difference and rewrites the file).
# The synthetic logs carry that node's v8-version record, the real ones were written by it.
# Then the override: the same logs read with --node=20 come out as the node 20 here prints
# them, and the detection is seen in --format json.
. tests/e2e/lib.sh
command -v node >/dev/null 2>&1 || { echo "SKIP: no node"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm="--nm=$PWD/tests/data/tick-fake-nm.sh"
objdump="--objdump=$PWD/tests/data/tick-fake-objdump.sh"
MEDPROF=$(cd "$(dirname "$MEDPROF")" && pwd)/$(basename "$MEDPROF")

nv_cases >"$tmp/cases"
for major in $(nv_majors); do
    mkdir -p "$tmp/$major"
    while read -r log opts; do
        nv_has "$major" "$log" "$opts" || continue
        nv_log "$tmp/$major" "$major" "$log" </dev/null
        want=$(awk -F'\t' -v m="$major" -v c="$log${opts:+ $opts}" '$1 == m && $2 == c { print $3 }' \
               "$nv/expected")
        # shellcheck disable=SC2086
        got=$(nv_medprof "$tmp/$major" "$log" $opts | sha256sum | cut -d' ' -f1)
        if [ -z "$want" ]; then bad "node $major: $log $opts: no expected output (bench/node-versions.sh --update)"
        elif [ "$got" = "$want" ]; then ok "node $major: $log ${opts:-(defaults)}: as node $major prints it"
        else bad "node $major: $log ${opts:-(defaults)}: not as node $major prints it (bench/node-versions.sh shows how)"
        fi
    done <"$tmp/cases"
done

# --node=20 reads them as node 20 does, whatever wrote them.
v20=$(node -p process.versions.v8)
if [ "$(node_major)" = 20 ]; then
    for major in 18 22; do
        for log in 3 29 small; do
            nv_node "$tmp/$major" "$log" >"$tmp/node.txt"
            nv_medprof "$tmp/$major" "$log" --node=20 --v8-version="$v20" >"$tmp/mp.txt"
            if cmp -s "$tmp/node.txt" "$tmp/mp.txt"; then ok "node $major's log $log, --node=20: as node 20 prints it"
            else bad "node $major's log $log, --node=20: not as node 20 prints it"; diff "$tmp/node.txt" "$tmp/mp.txt" | head -10; fi
        done
    done
fi
for major in $(nv_majors); do
    nv_medprof "$tmp/$major" 3 --format json >"$tmp/mp.json"
    expect_in "$tmp/mp.json" "\"read_as_node\":$major" "node $major's log is read as node $major's"
done
nv_medprof "$tmp/22" small --format json --node=18 >"$tmp/mp.json"
expect_in "$tmp/mp.json" '"read_as_node":18' "--node=18 overrides the log's version"
"$MEDPROF" process --node=17 "$tmp/22/small.log" >/dev/null 2>"$tmp/err"
check '[ $? = 2 ]' "--node=17 is refused"
expect_in "$tmp/err" "18 to 26" "--node=17: says what it takes"
finish
