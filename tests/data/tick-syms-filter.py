#!/usr/bin/env python3
"""Makes a tick-*.syms fixture: node's own static C++ symbols for a log, cut down to the ones
a lookup can reach. Usage:
    node --prof-process --serialize-vm-symbols LOG > syms.json
    python3 tests/data/tick-syms-filter.py LOG syms.json > tests/data/tick-NAME.syms
For every address a tick record names (pc, tos, frames), the symbol with the greatest start
<= that address is kept: that is the only one CodeMap.findInTree_ looks at, so the filtered
list resolves every tick exactly as the full one does. Output lines: START END NAME (hex)."""
import bisect, json, sys

log, symfile = sys.argv[1], sys.argv[2]
syms = sorted(json.load(open(symfile)), key=lambda s: s[1])
starts = [s[1] for s in syms]
keep = set()

def parse_int(f):
    f = f.strip()
    try:
        return int(f, 16) if f.lower().startswith(("0x", "-0x", "+0x")) else int(f)
    except ValueError:
        return None

with open(log, encoding="utf-8", errors="replace") as fh:
    for line in fh:
        if not line.startswith("tick,"):
            continue
        f = line.rstrip("\n").split(",")
        addrs, prev = [parse_int(f[1]), parse_int(f[4])], parse_int(f[1])
        for fr in f[6:]:
            if fr[:1] in "+-" and fr:
                off = parse_int(fr)
                prev = None if prev is None or off is None else prev + off
                addrs.append(prev)
            elif fr[:1] != "o":
                addrs.append(parse_int(fr))
        for a in addrs:
            if a is None:
                continue
            i = bisect.bisect_right(starts, a) - 1
            if i >= 0:
                keep.add(i)
out = sys.stdout
for i in sorted(keep):
    name, start, end = syms[i]
    out.write("%x %x %s\n" % (start, end, name.replace("\\", "\\\\").replace("\n", "\\n")))
