#!/bin/sh
# bench/vitals.sh - what the vitals cost the server: examples/server.js under the same load
# with and without the preload and the sampler.
#
#   sh bench/vitals.sh [BUILD_DIR]          (default build; run `make` first)
#
# Each run starts a fresh `node examples/server.js` (with `--require PRELOAD`, the pipe and a
# 0.1 s sampler for "vitals"; nothing for "plain"), waits for it, warms it up for 2 s under
# the same load (not measured), and drives a closed loop
# of MEDPROF_BENCH_CONNECTIONS (20) connections on one thread for MEDPROF_BENCH_SECONDS (10) at
# each endpoint (MEDPROF_BENCH_PATHS, default "/healthcheck /Patient?name=smi": the cheapest
# request, where a fixed cost shows most, and a CPU-heavy one). The two kinds alternate,
# in the order plain, vitals, vitals, plain, ... so that a drift of the machine falls on both
# alike, for MEDPROF_BENCH_ROUNDS (6) runs each. Printed per endpoint: the median requests/s
# of each kind and the median of each pair's vitals / plain; the server's CPU time per
# request (utime + stime from /proc over the measured load), which a shared machine's load
# moves less than requests/s; every run's figures. Then the fixed costs, which do not depend
# on a quiet machine: an idle server's main-thread CPU with and without the preload (its
# timers' wake-ups: an upper bound, as a loaded loop is awake anyway), one report timed in
# node, and the CPU the sampler thread takes (medprof's process, not the server's).
set -u
BUILD=${1:-build}
MEDPROF=$BUILD/medprof
DUR=${MEDPROF_BENCH_SECONDS:-10}
ROUNDS=${MEDPROF_BENCH_ROUNDS:-6}
CONNS=${MEDPROF_BENCH_CONNECTIONS:-20}
PATHS=${MEDPROF_BENCH_PATHS:-"/healthcheck /Patient?name=smi"}
[ -x "$MEDPROF" ] || { echo "bench/vitals.sh: no $MEDPROF (run make)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

cat >"$tmp/run.lua" <<'LUA'
-- run.lua KIND PORT PATH SECONDS CONNECTIONS PRELOAD: one run; prints
-- "RATE CPU_US_PER_REQUEST PRELOAD_LINES"
local kind, port, path, seconds, conns, preload = arg[1], tonumber(arg[2]), arg[3],
  tonumber(arg[4]), tonumber(arg[5]), arg[6]
local argv = { "node", "examples/server.js", env = { PORT = tostring(port), HOST = "127.0.0.1" },
               stderr = "null" }
if kind == "vitals" then
  table.insert(argv, 2, "--require")
  table.insert(argv, 3, preload)
  argv.vitals_pipe = true
end
-- utime + stime of the server, in seconds (read here, the same way for both kinds)
local function cpu(pid)
  local f = assert(io.open(("/proc/%d/stat"):format(pid)))
  local stat = f:read("a")
  f:close()
  local rest, fields = stat:match("%) (.*)"), {}
  for x in rest:gmatch("%S+") do fields[#fields + 1] = x end
  return (tonumber(fields[12]) + tonumber(fields[13])) / 100 -- fields 14, 15; USER_HZ 100
end
local p <close> = assert(medprof.spawn(argv))
local base = ("http://127.0.0.1:%d"):format(port)
assert(p:wait_ready{ url = base .. "/healthcheck", timeout = 30 })
local v = kind == "vitals" and assert(p:vitals()) or nil
-- 2 s not measured first: a fresh node's JIT is cold
assert(medprof.load{ url = base .. path, connections = conns, duration = 2, threads = 1 })
local c0 = cpu(p.pid)
local r = assert(medprof.load{ url = base .. path, connections = conns, duration = seconds,
                               threads = 1 })
local c1 = cpu(p.pid)
local lines = 0
if v then
  assert(v:stop())
  lines = v:status().node_lines
  v:close()
end
p:stop()
print(("%.1f %.2f %d"):format(r.rate, (c1 - c0) * 1e6 / r.responses, lines))
LUA
"$MEDPROF" run /dev/stdin "$tmp/preload.js" <<'LUA' || exit 1
assert(medprof.write_preload(arg[1]))
LUA

# idle.lua KIND SECONDS PRELOAD: ms of CPU per second of an idle server's main thread
cat >"$tmp/idle.lua" <<'LUA'
local kind, seconds, preload = arg[1], tonumber(arg[2]), arg[3]
local argv = { "node", "-e", "setInterval(() => {}, 1000)" }
if kind == "vitals" then
  table.insert(argv, 2, "--require")
  table.insert(argv, 3, preload)
  argv.vitals_pipe = true
end
local p <close> = assert(medprof.spawn(argv))
local v = kind == "vitals" and assert(p:vitals()) or nil
medprof.sleep(1)
local function ns()
  local f = assert(io.open(("/proc/%d/task/%d/schedstat"):format(p.pid, p.pid)))
  local n = tonumber(f:read("a"):match("^%d+"))
  f:close()
  return n
end
local n0, t0 = ns(), medprof.now()
medprof.sleep(seconds)
local n1, t1 = ns(), medprof.now()
if v then v:close() end
print(("%.4f"):format((n1 - n0) / 1e6 / (t1 - t0)))
LUA

# sampler.lua SECONDS: the CPU the sampler thread takes (os.clock: this process's CPU time,
# while the main thread sleeps) sampling an idle node with the preload, % of one core
cat >"$tmp/sampler.lua" <<'LUA'
local seconds, preload = tonumber(arg[1]), arg[2]
local p <close> = assert(medprof.spawn{ "node", "--require", preload, "-e",
  "setInterval(() => {}, 1000)", vitals_pipe = true })
medprof.sleep(0.5)
local v <close> = assert(p:vitals())
local c0 = os.clock()
medprof.sleep(seconds)
local c1 = os.clock()
assert(v:stop())
print(("%.3f %d"):format((c1 - c0) / seconds * 100, #v:samples()))
LUA

free_port() {
    node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "bench/vitals.sh: examples/server.js, $CONNS connections, 1 thread, ${DUR} s per run," \
     "$ROUNDS runs of each kind; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for path in $PATHS; do
    : >"$tmp/plain"; : >"$tmp/vitals"; : >"$tmp/ratio"; : >"$tmp/plain.cpu"; : >"$tmp/vitals.cpu"
    runs=""
    i=0
    while [ $i -lt $ROUNDS ]; do
        if [ $((i % 2)) = 0 ]; then order="plain vitals"; else order="vitals plain"; fi
        for kind in $order; do
            out=$("$MEDPROF" run "$tmp/run.lua" $kind "$(free_port)" "$path" "$DUR" "$CONNS" \
                  "$tmp/preload.js") || { echo "run failed: $out" >&2; exit 1; }
            set -- $out
            echo "$1" >>"$tmp/$kind"
            echo "$2" >>"$tmp/$kind.cpu"
            eval "rate_$kind=$1"
            runs="$runs $kind=$1/$2"
            [ $kind = vitals ] && [ "$3" -lt $((DUR * 9)) ] && echo "  (only $3 preload lines in $DUR s)"
        done
        awk -v a="$rate_vitals" -v b="$rate_plain" 'BEGIN { print a / b }' >>"$tmp/ratio"
        i=$((i + 1))
    done
    p=$(median "$tmp/plain"); v=$(median "$tmp/vitals"); pc=$(median "$tmp/plain.cpu"); vc=$(median "$tmp/vitals.cpu")
    printf '%-18s req/s: plain %8s  vitals %8s  median of the pairs vitals/plain %s\n' "$path" "$p" "$v" \
        "$(median "$tmp/ratio")"
    printf '%-18s server CPU per request: plain %s us  vitals %s us  vitals/plain %s\n' "" "$pc" "$vc" \
        "$(awk -v a="$vc" -v b="$pc" 'BEGIN { printf "%.4f", a / b }')"
    echo "  runs (req/s / CPU us per request):$runs"
done
# What the preload costs node's main thread, which a busy machine barely moves: an idle
# server's main-thread CPU (schedstat: nanoseconds) over DUR s, with and without it
i=0; : >"$tmp/idle.plain"; : >"$tmp/idle.vitals"
while [ $i -lt 3 ]; do
    for kind in plain vitals; do
        "$MEDPROF" run "$tmp/idle.lua" $kind "$DUR" "$tmp/preload.js" >>"$tmp/idle.$kind" || exit 1
    done
    i=$((i + 1))
done
ip=$(median "$tmp/idle.plain"); iv=$(median "$tmp/idle.vitals")
echo "idle node's main thread: plain $ip ms/s, with the preload $iv ms/s:" \
     "the preload takes $(awk -v a="$iv" -v b="$ip" 'BEGIN { printf "%.3f", (a - b) / 10 }') % of a core"
# One report's cost in node, timed in-process: what the preload does every 100 ms (the
# histogram's percentiles, heap statistics, active resources, a line written to /dev/null)
echo "one report of the preload: $(node -e '
const fs = require("fs"), v8 = require("v8"), { monitorEventLoopDelay } = require("perf_hooks");
const fd = fs.openSync("/dev/null", "w"), eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();
const late = (ns) => Math.max(0, ns / 1e6 - 10).toFixed(3);
function report() {
  const heap = v8.getHeapStatistics();
  fs.writeSync(fd, "medprof-vitals 1 sample " + process.hrtime.bigint() + " " + late(eld.percentile(50)) +
    " " + late(eld.percentile(99)) + " " + late(eld.max) + " " + heap.used_heap_size + " " +
    heap.total_heap_size + " " + process.getActiveResourcesInfo().length + "\n");
}
setTimeout(() => {
  for (let i = 0; i < 2000; i++) report();
  const n = 20000, t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) report();
  console.log((Number(process.hrtime.bigint() - t0) / 1e3 / n).toFixed(2) + " us");
  eld.disable();
}, 50);')"
set -- $("$MEDPROF" run "$tmp/sampler.lua" "$DUR" "$tmp/preload.js")
echo "the sampler thread: $1 % of one core ($2 samples in $DUR s)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
