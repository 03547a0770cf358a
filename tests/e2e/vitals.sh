#!/bin/sh
# The vitals of real node servers through the preload (medprof.write_preload, spawn's
# vitals_pipe, p:vitals): a server that blocks its event loop 50 ms every 100 ms shows an
# event-loop delay p99 of 40 ms or more, a healthy one under the same load less than 10 ms;
# the preload's marker is in the V8 log of node --prof, in the form docs/vitals.md gives, and
# its times bracket the sampler's clock. The marker is checked with node 18 and 22 too when
# bench/node-versions.sh has installed them (NODES, default .cache/node-versions).
. tests/e2e/lib.sh
NODES=${NODES:-.cache/node-versions}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/server.js" <<'JS'
// GET / answers "ok"; BLOCK_MS > 0: every 100 ms the loop is blocked that long.
const http = require('http');
const block = Number(process.env.BLOCK_MS || 0);
if (block > 0) setInterval(() => { const end = Date.now() + block; while (Date.now() < end); }, 100);
http.createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGINT', () => process.exit(0));
JS

# run.lua NODE MODE PORT DIR: starts the server with the preload (MODE blocking, healthy, or
# mark: under --prof in DIR), loads it for 2 s at 100 requests/s, and prints what it saw.
cat >"$tmp/run.lua" <<'LUA'
local node, mode, port, dir = arg[1], arg[2], tonumber(arg[3]), arg[4]
local preload = dir .. "/preload.js"
assert(medprof.write_preload(preload))
local argv = { node, "--require", preload, dir .. "/../server.js", cwd = dir, vitals_pipe = true,
               env = { PORT = tostring(port), BLOCK_MS = mode == "blocking" and "50" or "0" },
               stderr = "null" }
if mode == "mark" then table.insert(argv, 2, "--prof") end
local p <close> = assert(medprof.spawn(argv))
local url = ("http://127.0.0.1:%d/"):format(port)
assert(p:wait_ready{ url = url, timeout = 20 })
local v <close> = assert(p:vitals())
local r = assert(medprof.load{ url = url, rate = 100, duration = 2, connections = 4 })
assert(v:stop())
local p99s, cpu = {}, 0
for _, s in ipairs(v:samples()) do
  if s.eld_p99_ms and s.node_fresh then p99s[#p99s + 1] = s.eld_p99_ms end
  cpu = math.max(cpu, s.cpu_user + s.cpu_sys)
end
table.sort(p99s)
print("samples", #v:samples())
print("eld_samples", #p99s)
print("eld_p99_median", p99s[#p99s // 2 + 1] or -1)
print("max_cpu", cpu)
print("responses", r:counter("http.responses"))
print("bad_lines", v:status().bad_lines)
local pid = p.pid
local t_first = v:samples()[1].t
local marks = v:marks()
print("marks", #marks)
p:stop()
if mode ~= "mark" then return end
print("mark_before_first_sample", marks[1] and marks[1].t1_ns / 1e9 <= t_first and 1 or 0)
for _, log in ipairs(assert(medprof.newfiles(dir, ("isolate-*-%d-v8.log"):format(pid)))) do
  for line in io.lines(log) do
    if line:find(("__medprof_mark_%d_1 "):format(pid), 1, true) then print("log", line) end
  end
end
print("pid", pid)
LUA

# value FILE KEY
value() { sed -n "s/^$2	//p" "$1" | head -n 1; }

run() { # run NODE MODE NAME: output in $tmp/NAME.out
    mkdir -p "$tmp/$3"
    "$MEDPROF" run "$tmp/run.lua" "$1" "$2" "$(free_port)" "$tmp/$3" >"$tmp/$3.out" 2>&1 ||
        { bad "$3: run failed"; sed 's/^/     | /' "$tmp/$3.out"; return 1; }
}

if run node blocking blocking; then
    o=$tmp/blocking.out
    check "[ $(value "$o" eld_samples) -ge 10 ]" "blocking: the preload's lines arrive ($(value "$o" eld_samples) samples)"
    check "awk 'BEGIN { exit !($(value "$o" eld_p99_median) >= 40) }'" \
        "blocking 50 ms every 100 ms: event-loop delay p99 $(value "$o" eld_p99_median) ms >= 40"
    check "awk 'BEGIN { exit !($(value "$o" max_cpu) >= 30) }'" "blocking: CPU seen ($(value "$o" max_cpu) %)"
    check "[ $(value "$o" bad_lines) = 0 ]" "blocking: no bad lines"
    check "[ $(value "$o" responses) -ge 150 ]" "blocking: the load got its answers ($(value "$o" responses))"
fi
if run node healthy healthy; then
    o=$tmp/healthy.out
    check "awk 'BEGIN { exit !($(value "$o" eld_p99_median) >= 0 && $(value "$o" eld_p99_median) < 10) }'" \
        "healthy: event-loop delay p99 $(value "$o" eld_p99_median) ms < 10"
    check "[ $(value "$o" marks) = 1 ]" "healthy: one marker"
fi

# The marker in V8's log: code-creation,KIND,N,TIME,0xADDR,SIZE,__medprof_mark_PID_1 :L:C,...
mark_check() { # mark_check NODE LABEL
    run "$1" mark "mark-$2" || return
    o=$tmp/mark-$2.out
    pid=$(value "$o" pid)
    line=$(value "$o" log)
    echo "     $2: $line"
    check "echo '$line' | grep -Eq '^code-creation,(JS|LazyCompile|Function),[0-9]+,[0-9]+,0x[0-9a-f]+,[0-9]+,__medprof_mark_${pid}_1 :[0-9]+:[0-9]+,0x[0-9a-f]+,~\$'" \
        "$2: the marker's code-creation record is in the v8 log"
    check "[ $(value "$o" marks) = 1 ] && [ $(value "$o" mark_before_first_sample) = 1 ]" \
        "$2: the mark line arrived, timed before the first sample"
}
mark_check node "node $(node --version)"
for major in 18 22; do
    bin=$(cd "$NODES" 2>/dev/null && pwd)/node_modules/node$major/bin/node
    if [ -x "$bin" ]; then mark_check "$bin" "node $("$bin" --version)"
    else echo "skip node $major: not installed (sh bench/node-versions.sh installs it)"; fi
done
finish
