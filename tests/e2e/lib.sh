# Shared by the e2e scripts: sourced, not run.
BUILD=${BUILD:-build}
MEDPROF=${MEDPROF:-$BUILD/medprof}
fails=0

ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
# expect_in FILE PATTERN WHAT
# check 'SHELL TEST' WHAT
check() { if eval "$1"; then ok "$2"; else bad "$2"; fi; }
expect_in() { if grep -q -- "$2" "$1"; then ok "$3"; else bad "$3 (no '$2' in:)"; sed 's/^/     | /' "$1"; fi; }

free_port() {
    node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# alive PID: running and not a zombie
alive() { [ -r "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^[ZX]' && [ -r "/proc/$1/stat" ]; }

# start_hostile DIR: starts tests/servers/hostile on 127.0.0.1, sets $server (its pid) and
# $port; the caller stops it by pid.
start_hostile() {
    # a fresh file: a second server in the same DIR must not be read from the first one's
    rm -f "$1/server.out"
    "$BUILD/tests/servers/hostile" 127.0.0.1 >"$1/server.out" &
    server=$!
    _i=0
    until grep -q '^port [0-9][0-9]*$' "$1/server.out" 2>/dev/null; do
        _i=$((_i + 1)); [ $_i -lt 100 ] || { bad "hostile server did not start"; finish; }; sleep 0.1
    done
    port=$(sed -n 's/^port \([0-9]*\)$/\1/p' "$1/server.out" | head -n 1)
}

# Headless Chromium (Debian's chromium), when installed: CHROME is empty otherwise and the
# caller reports its browser checks as skipped.
CHROME=$(command -v chromium || command -v chromium-browser || true)
run_chrome() { # run_chrome PROFILE_DIR ARGS...
    _dir=$1; shift
    timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$_dir" "$@" 2>/dev/null
}
# png_colours FILE: how many distinct values a sample of the decoded pixels has (0: blank).
png_colours() {
    node -e '
const fs = require("fs"), zlib = require("zlib");
const png = fs.readFileSync(process.argv[1]);
let off = 8, idat = [];
while (off < png.length) {
  const len = png.readUInt32BE(off), type = png.toString("ascii", off + 4, off + 8);
  if (type === "IDAT") idat.push(png.subarray(off + 8, off + 8 + len));
  off += 12 + len;
}
const raw = zlib.inflateSync(Buffer.concat(idat)), seen = new Set();
for (let i = 0; i + 4 <= raw.length; i += 4 * 7) seen.add(raw.readUInt32BE(i));
console.log(seen.size);' "$1" 2>/dev/null || echo 0
}

# The node on PATH: its major version, and its V8's for the logs tick-gen.js writes
# (V8_VERSION), so that medprof reads them as this node does. bench/node-versions.sh runs
# the comparisons with node 18 and 22 first on PATH.
node_major() { node -p 'process.versions.node.split(".")[0]'; }
export V8_VERSION="${V8_VERSION:-$(node -p process.versions.v8 2>/dev/null)}"

# The cases of tests/data/node-versions/cases (process_node_versions.sh, bench/node-versions.sh).
nv=tests/data/node-versions
nv_v8() { sed -n "s/^$1 //p" "$nv/versions"; }  # nv_v8 MAJOR: that node's V8 version
# nv_cases: "LOG OPTIONS" lines
nv_cases() { grep -v '^#' "$nv/cases" | grep -v '^ *$'; }
nv_majors() { cut -d' ' -f1 "$nv/versions"; }
# nv_has MAJOR LOG [OPTIONS]: whether the case is one for that node: its log exists for it (a
# real one may not) and the node has its options (-ni: node 26 on)
nv_has() {
    [ "$2" != small ] || [ -e "$nv/node$1-small.log.gz" ] || return 1
    case " $3 " in *" -ni "*) [ "$1" -ge 26 ] ;; esac
}
# nv_log DIR MAJOR LOG: the case's log as written for node MAJOR, in DIR/LOG.log, and in
# DIR/LOG.syms the symbols node places for it (needs $nm and $objdump).
nv_log() {
    [ -e "$1/$3.log" ] && return 0
    case $3 in
    small) gzip -dc "$nv/node$2-small.log.gz" >"$1/$3.log" ;;
    *x) V8_VERSION=$(nv_v8 "$2") node tests/data/tick-gen.js "${3%x}" $((300 + ${3%x} * 13)) extras \
            >"$1/$3.log" ;;
    *) V8_VERSION=$(nv_v8 "$2") node tests/data/tick-gen.js "$3" $((300 + $3 * 13)) >"$1/$3.log" ;;
    esac
    symbols_of "$1/$3.log" >"$1/$3.syms"
}
# nv_medprof DIR LOG OPTIONS...: medprof's output for a case, run in DIR (the header names
# the log as given); a real log gets no C++ symbols, as node with the fake nm.
nv_medprof() {
    _d=$1 _l=$2; shift 2
    if [ "$_l" = small ]; then set -- --no-symbols "$@"; else set -- --symbol-list "$_l.syms" "$@"; fi
    (cd "$_d" && "$MEDPROF" process "$@" "$_l.log" 2>/dev/null)
}
nv_node() { # the same from node --prof-process (the node on PATH)
    _d=$1 _l=$2; shift 2
    (cd "$_d" && node --prof-process "$nm" "$objdump" "$@" "$_l.log" 2>/dev/null)
}

finish() { [ "$fails" = 0 ]; exit $?; }

# symbols_of LOG > SYMBOL-LIST: the static symbols node places for LOG (with $nm and $objdump,
# the fake tools the caller names) as "START END NAME" lines for medprof's --symbol-list
# (A log from another V8 makes node print its version line first: not JSON, left out.)
symbols_of() {
    node --prof-process "$nm" "$objdump" --serialize-vm-symbols "$1" 2>/dev/null |
      grep -v '^Testing v8 version different' | node -e '
      let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
        for (const [n, a, b] of JSON.parse(s))
          process.stdout.write(a.toString(16) + " " + b.toString(16) + " " +
            n.replace(/\\/g, "\\\\").replace(/\n/g, "\\n") + "\n"); })'
}
