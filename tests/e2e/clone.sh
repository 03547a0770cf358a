#!/bin/sh
# The repository holds everything its tests need: the tracked files of this work tree (as they
# are now, uncommitted changes included; untracked files left out) are copied into an empty
# temporary folder, with nothing beside it, and `make test` runs there and must end with
# "0 failed". A fixture read from outside the repository, or one not added to git, fails it.
#
# All of make test, not a part: which suites read which files is what could go wrong.
# Inside the copy this check skips itself (MEDPROF_CLONE_CHECK=skip), and so does make
# sanitize. The copy's output is kept in $BUILD/clone-test.log.
. tests/e2e/lib.sh
if [ "${MEDPROF_CLONE_CHECK:-}" = skip ]; then echo "SKIP: MEDPROF_CLONE_CHECK=skip"; exit 0; fi
top=$(git rev-parse --show-toplevel 2>/dev/null)
if [ "$top" != "$(pwd -P)" ]; then echo "SKIP: not the top of a git work tree"; exit 0; fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/medprof-clone.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
box=$tmp/box   # holds the copy and nothing else
copy=$box/medprof
mkdir -p "$copy"

# A tracked file deleted from the work tree is not copied (tar only warns about it).
git ls-files -z | tar --null --no-recursion --ignore-failed-read -T - -cf - 2>"$tmp/tar.err" |
    tar -xf - -C "$copy"
n=$(git ls-files | wc -l)
check '[ -f "$copy/Makefile" ] && [ -f "$copy/tests/run.sh" ] && [ "$(ls -A "$box")" = medprof ]' \
    "the $n tracked files copied into an empty folder"

# The copy builds and tests on its own: nothing from this run's environment reaches it.
jobs=$(nproc 2>/dev/null || echo 2)
(cd "$copy" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u BUILD -u SUITE -u TEST_FILTER \
    -u MP_PRELOAD -u SAN -u OPT -u CFLAGS -u MEDPROF -u MEDPROF_BIN -u MEDPROF_PATH \
    -u LUA_PATH -u LUA_CPATH -u V8_VERSION MEDPROF_CLONE_CHECK=skip \
    make --no-print-directory -j"$jobs" test) >"$tmp/test.log" 2>&1
rc=$?
mkdir -p "$BUILD"
cp "$tmp/test.log" "$BUILD/clone-test.log"
last=$(tail -n 1 "$tmp/test.log")
if [ $rc = 0 ] && echo "$last" | grep -q '^[0-9][0-9]* passed, 0 failed$'; then
    ok "make test in the copy: $last"
else
    bad "make test in the copy (exit $rc): $last"
    # the suites that failed, then the end of the log ($BUILD/clone-test.log has all of it)
    grep -a ' passed, [1-9][0-9]* failed$' "$tmp/test.log" | sed 's/^/     | /'
    tail -n 30 "$tmp/test.log" | sed 's/^/     | /'
fi
finish
