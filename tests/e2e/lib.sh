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

finish() { [ "$fails" = 0 ]; exit $?; }
