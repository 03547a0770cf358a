#!/usr/bin/env python3
"""Reference for medprof's symbol lookup: V8's LinuxCppEntriesProvider fed with REAL, complete
`nm -C -n -S` and `nm -C -n -S -D` output, with correct placement instead of objdump's
.text offset: ET_EXEC symbols stay at their VMA (+ slide), ET_DYN ones move by the load base
(log start - (p_vaddr - p_offset) of the executable PT_LOAD segment; readelf -lW gives those).
Prints "start end name" (hex) for what V8's code map would keep, sorted by start.

usage: sym-v8ref.py LIB START END [SLIDE]"""
import re, subprocess, sys

FUNC_RE = re.compile(r'^([0-9a-fA-F]{8,16}) ([0-9a-fA-F]{8,16} )?[tTwW] (.*)$')

def run(args):
    env = {"LC_ALL": "C", "PATH": "/usr/bin:/bin"}
    return subprocess.run(args, capture_output=True, env=env).stdout.decode("utf-8", "surrogateescape")

def load_base(lib, start, end):
    out = run(["readelf", "-hlW", lib])
    if re.search(r'Type:\s+EXEC', out):
        return None
    segs = []
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            off, vaddr, memsz = int(f[1], 16), int(f[2], 16), int(f[5], 16)
            flags = " ".join(f[6:-1])
            segs.append((off, vaddr, memsz, "E" in flags))
    first = None
    for off, vaddr, memsz, x in segs:
        if not x: continue
        bias = start - (vaddr - off)
        if first is None: first = bias
        seg_end = bias + vaddr + memsz
        if end >= seg_end and end - seg_end < 0x10000: return bias
    return first if first is not None else start

def main():
    lib, start, end = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0)
    slide = int(sys.argv[4], 0) if len(sys.argv) > 4 else 0
    base = load_base(lib, start, end)
    bias = slide if base is None else base
    lines = []
    for out in (run(["nm", "-C", "-n", "-S", lib]), run(["nm", "-C", "-n", "-S", "-D", lib])):
        parts = out.split("\n")
        lines.extend(parts[:-1])  # a last line without "\n" is dropped, as in V8
    added = []
    state = {"pending": None, "last": None}
    def add(fi):
        p, last = state["pending"], state["last"]
        if p is not None and p["start"] < fi["start"]:
            p["end"] = fi["start"]
            inside = last is not None and p["start"] >= last["start"] and p["end"] <= last["end"]
            if not inside and p["start"] >= start and p["end"] <= end:
                added.append(p); state["last"] = p
        state["pending"] = None
        if fi.get("end"):
            last = state["last"]
            if (last is None or last["start"] != fi["start"]) and fi["start"] >= start and fi["end"] <= end:
                added.append(fi); state["last"] = fi
        else:
            state["pending"] = fi
    for line in lines:
        m = FUNC_RE.match(line)
        if not m: continue
        fi = {"name": m.group(3), "start": int(m.group(1), 16) + bias}
        if m.group(2) and int(m.group(2), 16):
            fi["end"] = fi["start"] + int(m.group(2), 16)
        add(fi)
    add({"name": "", "start": end})
    kept = {}
    for fi in added:            # the code map ignores a second entry at the same start
        kept.setdefault(fi["start"], fi)
    w = sys.stdout.write
    for s in sorted(kept):
        w("%x %x %s\n" % (s, kept[s]["end"], kept[s]["name"]))

main()
