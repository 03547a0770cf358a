# Shared by the e2e scripts: sourced, not run.
BUILD=${BUILD:-build}
MEDPROF=${MEDPROF:-$BUILD/medprof}
fails=0

ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
# expect_in FILE PATTERN WHAT
expect_in() { if grep -q -- "$2" "$1"; then ok "$3"; else bad "$3 (no '$2' in:)"; sed 's/^/     | /' "$1"; fi; }

free_port() {
    node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# alive PID: running and not a zombie
alive() { [ -r "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" | grep -q '^[ZX]'; }

# start_hostile DIR: starts tests/servers/hostile on 127.0.0.1, sets $server (its pid) and
# $port; the caller stops it by pid.
start_hostile() {
    "$BUILD/tests/servers/hostile" 127.0.0.1 >"$1/server.out" &
    server=$!
    _i=0
    until grep -q port "$1/server.out" 2>/dev/null; do
        _i=$((_i + 1)); [ $_i -lt 100 ] || { bad "hostile server did not start"; finish; }; sleep 0.1
    done
    port=$(sed -n 's/port //p' "$1/server.out")
}

finish() { [ "$fails" = 0 ]; exit $?; }
