#!/bin/sh
# Runs every suite and sums them: cmocka binaries (build/tests/test_*), compile checks,
# Lua-level tests (tests/lua/test_*.lua under build/medprof and under a stock lua5.4), and
# end-to-end scripts (tests/e2e/*.sh, one count per check they print). Ends with one line
# "N passed, N failed"; exits 1 if anything failed.
# SUITE=NAME runs only the suite of that name: a C suite or compile check by its binary's name
# (test_tick, compile_cpp), "lua" (both Lua runs), an e2e script by its name (diff,
# example_spawn). TEST_FILTER reaches the C suites (tests/suite.h).
BUILD=${BUILD:-build}
SUITE=${SUITE:-}
passed=0
failed=0
suites=""   # the names SUITE may take
picked=0    # how many suites SUITE picked
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() { # count SUITE PASSED FAILED
    passed=$((passed + $2))
    failed=$((failed + $3))
    printf '%-34s %4d passed, %d failed\n' "$1" "$2" "$3"
}

# wanted NAME: whether NAME is to run (every suite when SUITE is empty)
wanted() {
    suites="$suites $1"
    [ -z "$SUITE" ] || [ "$SUITE" = "$1" ] || return 1
    picked=$((picked + 1))
}

# A suite that printed no summary (it crashed or hung) counts as one failure.
run_cmocka() {
    name=$(basename "$1")
    timeout 300 "$1" >"$log" 2>&1
    rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    if [ -z "$p" ] || { [ "$rc" != 0 ] && [ -z "$f" ]; }; then
        cat "$log"; count "$name (crashed, rc $rc)" "${p:-0}" 1; return
    fi
    [ "${f:-0}" = 0 ] || cat "$log"
    count "$name" "$p" "${f:-0}"
}

run_lua() { # run_lua NAME COMMAND...
    name=$1; shift
    timeout 600 "$@" >"$log" 2>&1
    rc=$?
    line=$(grep '^lua-tests: ' "$log" | tail -n 1)
    p=$(echo "$line" | sed -n 's/.* \([0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    if [ -z "$p" ]; then cat "$log"; count "$name (no summary, rc $rc)" 0 1; return; fi
    [ "$f" = 0 ] && [ "$rc" = 0 ] || cat "$log"
    [ "$rc" = 0 ] || [ "$f" != 0 ] || f=1
    count "$name" "$p" "$f"
}

run_check() { # run_check NAME COMMAND... : one test, passes when the command succeeds
    name=$1; shift
    if timeout 300 "$@" >"$log" 2>&1; then count "$name" 1 0; else cat "$log"; count "$name" 0 1; fi
}

# e2e scripts print "ok   what" / "FAIL what" per check (tests/e2e/lib.sh); each counts.
run_e2e() { # run_e2e NAME COMMAND...  (E2E_LIMIT: seconds it may take, default 600)
    name=$1; shift
    timeout "${E2E_LIMIT:-600}" "$@" >"$log" 2>&1
    rc=$?
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^FAIL' "$log")
    [ "$rc" = 0 ] || [ "$f" != 0 ] || f=1
    [ "$f" = 0 ] || cat "$log"
    count "$name" "$p" "$f"
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] && wanted "$(basename "$t")" && run_cmocka "$t"
done
for t in "$BUILD"/tests/compile_*; do
    [ -x "$t" ] && wanted "$(basename "$t")" && run_check "$(basename "$t")" "$t"
done
for t in "$BUILD"/examples/*; do
    [ -x "$t" ] && [ -f "tests/e2e/example_$(basename "$t").sh" ] && wanted "example_$(basename "$t")" &&
        run_e2e "example $(basename "$t")" env BUILD="$BUILD" sh "tests/e2e/example_$(basename "$t").sh" "$t"
done
if wanted lua; then
    run_lua "lua (medprof run)" env MEDPROF_BIN="$BUILD/medprof" \
        "$BUILD/medprof" run tests/lua/run.lua tests/lua/test_*.lua
    # MP_PRELOAD: the sanitizer runtimes, when medprof.so was built with them (make sanitize).
    run_lua "lua (stock lua5.4 + medprof.so)" env LUA_CPATH="$BUILD/?.so" MEDPROF_BIN="$BUILD/medprof" \
        ${MP_PRELOAD:+LD_PRELOAD="$MP_PRELOAD" ASAN_OPTIONS=detect_leaks=0} \
        lua5.4 tests/lua/run.lua tests/lua/test_*.lua
fi
for t in tests/e2e/*.sh; do
    case "$t" in */example_*|*/lib.sh) continue ;; esac
    # clone.sh runs all of make test again in a copy of the repository
    case "$t" in */clone.sh) limit=3600 ;; *) limit=600 ;; esac
    [ -f "$t" ] && wanted "$(basename "$t" .sh)" &&
        E2E_LIMIT=$limit run_e2e "e2e $(basename "$t" .sh)" env BUILD="$BUILD" sh "$t"
done

if [ -n "$SUITE" ] && [ "$picked" = 0 ]; then
    echo "no suite is called $SUITE; the suites of $BUILD are:$suites"
    count "$SUITE (no such suite)" 0 1
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
