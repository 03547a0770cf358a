#!/bin/sh
# Portable symbols: a log processed with `--symbols FILE` on a machine that lacks the
# profiled binaries gives the report the profiling machine gives. Simulated here by moving
# every library of a real node 20 log to a path that does not exist (in the log and in the
# symbols file alike): with the file, the report must be the original one, paths aside;
# without it, no C++ names, one warning per library, and no crash.
. tests/e2e/lib.sh
log=tests/data/node20/small-v8.log
[ -f "$log" ] || { echo "SKIP: no $log"; exit 0; }
for lib in $(sed -n 's/^shared-library,\([^,[]*\),.*/\1/p' "$log" | sort -u); do
    [ -f "$lib" ] || { echo "SKIP: $lib (named by the log) is not on this machine"; exit 0; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$MEDPROF" symbols --from-log "$log" -o "$tmp/syms.txt" 2>"$tmp/err" &&
    ok "symbols --from-log exits 0" || { bad "symbols --from-log failed"; cat "$tmp/err"; }
expect_in "$tmp/syms.txt" "^medprof-symbols 1$" "the file starts with its magic line"
expect_in "$tmp/syms.txt" "^library /usr/bin/node$" "it holds the node binary"
grep -q '^library \[vdso\]' "$tmp/syms.txt" && bad "[vdso] written" || ok "no [vdso] block"

"$MEDPROF" process "$log" >"$tmp/local.txt" 2>"$tmp/local.err" || bad "process with local files failed"
"$MEDPROF" process --symbols "$tmp/syms.txt" "$log" >"$tmp/file.txt" 2>"$tmp/file.err" ||
    bad "process --symbols failed"
cmp -s "$tmp/local.txt" "$tmp/file.txt" && ok "--symbols FILE gives the report local files give" ||
    { bad "--symbols FILE report differs"; diff "$tmp/local.txt" "$tmp/file.txt" | head -n 10; }

# Another machine: the libraries live under a prefix that does not exist here.
moved=/nonexistent-medprof-machine
sed "s|^shared-library,/|shared-library,$moved/|" "$log" >"$tmp/moved.log"
sed "s|^library /|library $moved/|" "$tmp/syms.txt" >"$tmp/moved-syms.txt"
"$MEDPROF" process --symbols "$tmp/moved-syms.txt" "$tmp/moved.log" >"$tmp/moved.txt" 2>"$tmp/moved.err" ||
    bad "process --symbols on the moved log failed"
sed "s|$moved/|/|g; s|$tmp/moved.log|$log|" "$tmp/moved.txt" >"$tmp/moved-back.txt"
cmp -s "$tmp/local.txt" "$tmp/moved-back.txt" &&
    ok "on a machine without the binaries, the symbols file gives the same report" ||
    { bad "moved report differs"; diff "$tmp/local.txt" "$tmp/moved-back.txt" | head -n 10; }
[ -s "$tmp/moved.err" ] && { bad "warnings with a complete symbols file:"; cat "$tmp/moved.err"; } ||
    ok "no warnings with a complete symbols file"

"$MEDPROF" process "$tmp/moved.log" >"$tmp/nosyms.txt" 2>"$tmp/nosyms.err" &&
    ok "without the file: still a report, exit 0" || bad "process without symbols failed"
n=$(grep -c "no C++ symbols for $moved/" "$tmp/nosyms.err")
libs=$(sed -n 's/^shared-library,\(\/[^,]*\),.*/\1/p' "$log" | sort -u | wc -l)
[ "$n" = "$libs" ] && ok "one warning per missing library ($n)" ||
    { bad "$n warnings for $libs libraries"; cat "$tmp/nosyms.err"; }
sed -n '/\[C++\]:/,/^$/p' "$tmp/nosyms.txt" | grep -q '::' && bad "C++ names without symbols" ||
    ok "no C++ names without symbols"
finish
