#!/bin/sh
# A stand-in for nm, for node --prof-process --nm=: symbols of the synthetic /fake/libfoo.so
# (tests/data/tick-gen.js). Sized, unsized, duplicate and out-of-range entries on purpose.
for a in "$@"; do [ "$a" = "-D" ] && exit 0; done
for a in "$@"; do last=$a; done
[ "$last" = /fake/libfoo.so ] || exit 0
cat <<'SYMS'
0000000000000100 0000000000000040 T foo_sized
0000000000000140 T bar_unsized
0000000000000180 0000000000000020 t std::vector<int, std::allocator<int> >::push_back(int const&)
0000000000000180 0000000000000010 T dup_start
00000000000001c0 0000000000000080 W weak_one
0000000000000200 0000000000000010 T inside_weak
0000000000000260 T TOTAL
0000000000000280 0000000000000030 T _underscore
00000000000002b0 0000000000000030 T zzz_last
00000000000002e0 0000000000000400000 T too_big
0000000000000300 0000000000000010 D data_symbol
SYMS
