#!/bin/sh
# make install gives a working whole: the binary runs outside the tree (its scripts are
# inside it), the header alone builds a program via pkg-config, the module loads in lua5.4.
. tests/e2e/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make --no-print-directory BUILD="$BUILD" install PREFIX="$tmp/prefix" >"$tmp/log" 2>&1 &&
    ok "make install" || { bad "make install"; cat "$tmp/log"; }
(cd "$tmp" && "$tmp/prefix/bin/medprof" --help) >"$tmp/help" 2>&1
expect_in "$tmp/help" "^  process " "the installed binary carries its subcommands"
cat >"$tmp/use.c" <<'C'
#define MEDPROF_IMPLEMENTATION
#include <medprof.h>
#include <stdio.h>
int main(void)
{
    mp_buf b = { 0 };
    mp_error err;
    if (mp_load_write_phase(0, "warm", 1, 2, 0, &b, &err) != MP_OK) return 1;
    printf("%.*s\n", 39, b.data);
    mp_buf_free(&b);
    return 0;
}
C
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
# shellcheck disable=SC2046
(cd "$tmp" && cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags medprof) use.c -o use \
    $(pkg-config --libs medprof)) >"$tmp/cc" 2>&1 && ok "the installed header alone builds a program" ||
    { bad "building against the installed header"; cat "$tmp/cc"; }
[ -x "$tmp/use" ] && [ "$("$tmp/use")" = "Phase started: warm (index: 1, duration" ] && ok "and it runs" || bad "the program's output"
# MP_PRELOAD: the sanitizer runtimes when this is a `make sanitize` build (tests/run.sh).
(cd "$tmp" && env ${MP_PRELOAD:+LD_PRELOAD="$MP_PRELOAD" ASAN_OPTIONS=detect_leaks=0} \
    LUA_CPATH="$tmp/prefix/lib/lua/5.4/?.so" lua5.4 -e 'print(require("medprof")._VERSION)') \
    >"$tmp/lua" 2>&1
expect_in "$tmp/lua" "^[0-9]*\.[0-9]*\.[0-9]*$" "the installed module loads in lua5.4"
finish
