#!/bin/sh
# medprof's C++ symbols against binutils on this machine: for node's three executable
# mappings and a few system libraries, `medprof symbols --placed` must print exactly what
# V8's LinuxCppEntriesProvider keeps when fed the COMPLETE output of `nm -C -n -S` and
# `nm -C -n -S -D` with correct placement (bench/sym-v8ref.py, a small re-implementation).
# Skips when nm, readelf, python3 or the node binary is missing.
. tests/e2e/lib.sh
for tool in nm readelf python3; do
    command -v $tool >/dev/null 2>&1 || { echo "SKIP: no $tool"; exit 0; }
done
node=$(command -v node) && node=$(readlink -f "$node") || { echo "SKIP: no node"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

compare() { # LIB START END
    python3 bench/sym-v8ref.py "$1" "$2" "$3" >"$tmp/ref" 2>"$tmp/ref.err"
    "$MEDPROF" symbols --placed "$2,$3" "$1" >"$tmp/mine" 2>"$tmp/mine.err"
    n=$(wc -l <"$tmp/ref")
    if [ -s "$tmp/ref.err" ]; then
        bad "$1: the reference failed"; sed "s/^/     | /" "$tmp/ref.err"
    elif cmp -s "$tmp/ref" "$tmp/mine"; then
        ok "$1 [$2, $3]: $n entries identical to nm + V8's rules"
    else
        bad "$1 [$2, $3]: $n reference entries, $(wc -l <"$tmp/mine") from medprof"
        diff "$tmp/ref" "$tmp/mine" | head -n 10 | sed 's/^/     | /'
        cat "$tmp/ref.err" "$tmp/mine.err" | head -n 5 | sed 's/^/     | /'
    fi
}

# node: the ends of its executable mappings, as node --prof logs them (non-PIE: start 0x400000)
if [ "$(readelf -h "$node" | sed -n 's/ *Type: *\([A-Z]*\).*/\1/p')" = EXEC ]; then
    readelf -lW "$node" | while read -r type off vaddr paddr filesz memsz flags; do
        case "$type $flags" in
            "LOAD "*E*) printf '0x%x\n' $(( (vaddr + memsz + 4095) / 4096 * 4096 )) ;;
        esac
    done >"$tmp/ends"
    [ -s "$tmp/ends" ] || bad "no executable segment found in $node"
    while read -r end; do compare "$node" 0x400000 "$end"; done <"$tmp/ends"
else
    compare "$node" 0x555555554000 0x555565554000
fi

libdir=$(dirname "$(ldd "$node" | awk '/libc.so/ { print $3 }')")
for lib in libc.so.6 libstdc++.so.6 libm.so.6 libgcc_s.so.1; do
    [ -f "$libdir/$lib" ] && compare "$(readlink -f "$libdir/$lib")" 0x7f1234500000 0x7f1236500000
done

# Rust names (node 26 has 5,500): a library of legacy and v0 names, odd ones too, built here.
# v0 generics, impls and punycode are left out: medprof leaves them as written (nm does not).
if command -v cc >/dev/null 2>&1; then
    while read -r name; do
        printf '.globl "%s"\n.type "%s", @function\n.size "%s", 1\n"%s": ret\n' \
            "$name" "$name" "$name" "$name"
    done >"$tmp/rust.s" <<'NAMES'
_ZN3foo3bar17h05af221e174051e9E
_ZN3foo17h05af221e174051e9E.llvm.1234
_ZN4aE.b17h05af221e174051e9E.x
_ZN9$LT$a$GT$17h05af221e174051e9E
_ZN8$BP$$RF$17h05af221e174051e9E
_ZN7$u20$ab17h05af221e174051e9E
_ZN7_$u7e$a17h05af221e174051e9E
_ZN6$u1f$x17h05af221e174051e9E
_ZN5a$u2$17h05af221e174051e9E
_ZN4a...17h05af221e174051e9E
_ZN3foo17h0123000000000000E
_ZN3foo17h05af221e174051e9E.a.E
_ZN02ab17h05af221e174051e9E
_RNvCslLv8O1NqadD_7___rustc10rust_panic
_RNvNtCs1234_3foo3bar3baz
_RNvCs1234_3foo3barCs5_3baz
_RNvC3foo0
_RNvC3foo3barx
NAMES
    if (cd "$tmp" && { echo .text; cat rust.s; } >r.s && cc -shared -nostdlib -o librust.so r.s) \
            2>"$tmp/cc.err"; then
        compare "$tmp/librust.so" 0x7f1234500000 0x7f1236500000
    else
        bad "cannot build a library of Rust names:"; sed 's/^/     | /' "$tmp/cc.err"
    fi
fi
finish
