#!/bin/sh
# The benchmarks' C programs build with the project's warnings (make test does not otherwise
# compile them, and a benchmark that no longer builds is found only when someone needs it),
# and process-floor's layers run on a small log.
. tests/e2e/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for src in bench/*.c; do
    name=$(basename "$src" .c)
    if cc -std=c11 -D_POSIX_C_SOURCE=200809L -O1 -Wall -Wextra -Werror -I. -o "$tmp/$name" "$src" \
            -lpthread -ldl -lm >"$tmp/$name.err" 2>&1; then
        ok "$src builds with -Wall -Wextra -Werror"
    else
        bad "$src does not build:"; sed 's/^/     | /' "$tmp/$name.err"
    fi
done
log=tests/data/node20/small-v8.log
if [ -x "$tmp/process-floor" ] && [ -f "$log" ]; then
    "$tmp/process-floor" "$log" 1 >"$tmp/floor" 2>&1
    check '[ "$(grep -cE "^(read|lines|hashed|grouped|symbols) +[0-9.]+ +[0-9.]+ +[0-9.]+$" "$tmp/floor")" = 5 ]' \
        "process-floor times its five layers on $log"
    if "$tmp/process-floor" "$tmp/no-such.log" 1 >"$tmp/missing" 2>&1; then
        bad "process-floor exits 0 on a log that is not there"
    else
        expect_in "$tmp/missing" "no-such.log" "process-floor fails on a missing log, naming it"
    fi
fi
finish
