-- The vitals part through Lua: medprof.vitals, medprof.write_preload, spawn's vitals_pipe and
-- p:vitals, with node and the preload.
local medprof = require "medprof"
local check = require "check"

local T = {}

local function wait_until(f, seconds)
  local deadline = medprof.now() + seconds
  while medprof.now() < deadline do
    if f() then return true end
    medprof.sleep(0.02)
  end
  return false
end

local function tmp_preload()
  local path = os.tmpname()
  assert(medprof.write_preload(path))
  return path
end

function T.vitals_of_a_sleeping_process()
  local p <close> = assert(medprof.spawn{ "sleep", "5" })
  local v <close> = assert(medprof.vitals(p.pid, { interval = 0.05 }))
  check.eq(v.pid, p.pid)
  check.match(tostring(v), "medprof%.Vitals %(pid %d+%)")
  check.truthy(wait_until(function() return #v:samples() >= 5 end, 5), "5 samples")
  local st = v:status()
  check.eq(st.running, true)
  check.eq(st.ended, false)
  check.truthy(v:stop(), "stop")
  check.truthy(v:stop(), "stop again")
  local samples = v:samples()
  check.eq(v:status().running, false)
  check.eq(v:status().samples, #samples)
  for i, s in ipairs(samples) do
    check.truthy(s.t > 0 and s.interval > 0, "times")
    check.truthy(s.cpu_user + s.cpu_sys < 50, "a sleep burns nothing")
    check.eq(math.type(s.rss_bytes), "integer")
    check.eq(s.threads, 1)
    check.eq(s.processes, 1)
    check.truthy(s.fds >= 3, "fds")
    check.eq(s.eld_p99_ms, nil)     -- no preload
    check.eq(s.node_fresh, nil)
    if i > 1 then check.truthy(s.t > samples[i - 1].t, "in order") end
  end
  check.eq(#v:marks(), 0)
  v:close()
  check.match(tostring(v), "closed")
  check.raises("closed vitals sampler", v.samples, v)
end

function T.a_process_that_ends_keeps_its_samples()
  local p <close> = assert(medprof.spawn{ "sh", "-c", "sleep 0.4" })
  local v <close> = assert(p:vitals{ interval = 0.05 })
  check.truthy(wait_until(function() return not v:status().running end, 5), "stopped by itself")
  local st = v:status()
  check.eq(st.ended, true)
  check.truthy(st.ended_at >= v:samples()[#v:samples()].t, "ended after the last sample")
  check.truthy(#v:samples() >= 4, "samples kept")
  check.truthy(v:stop(), "stop after the end")
end

function T.bad_arguments_raise_and_failures_return_fail()
  check.raises("number expected", medprof.vitals, "x")
  check.raises("not a process id", medprof.vitals, 0)
  check.raises("interval must be", medprof.vitals, 1, { interval = -1 })
  check.raises("unknown option 'every'", medprof.vitals, 1, { every = 1 })
  check.raises("interval option must be a number", medprof.vitals, 1, { interval = "fast" })
  local v, msg, code = medprof.vitals(0x3FFFFFFF)
  check.eq(v, nil)
  check.match(msg, "no process")
  check.eq(code, "MP_ERR_NOT_FOUND")
  local ok, wmsg, wcode = medprof.write_preload("/nonexistent-dir/preload.js")
  check.eq(ok, nil)
  check.match(wmsg, "/nonexistent%-dir/preload%.js")
  check.eq(wcode, "MP_ERR_NOT_FOUND")
  check.raises("vitals_pipe option must be", medprof.spawn, { "true", vitals_pipe = "yes" })
  check.raises("vitals_pipe option must be 3 to 1023", medprof.spawn, { "true", vitals_pipe = 2 })
end

-- The child gets the pipe's write end at 3 (or the number given) and the variable naming it.
function T.vitals_pipe_reaches_the_child()
  for _, case in ipairs{ { true, "3" }, { 7, "7" } } do
    local p <close> = assert(medprof.spawn{ "sh", "-c",
      'echo "$MEDPROF_VITALS_FD"; [ -p /proc/self/fd/$MEDPROF_VITALS_FD ] && echo pipe',
      vitals_pipe = case[1], stdout = "pipe", env = { MEDPROF_VITALS_FD = "9" } })
    local out = ""
    while true do
      local chunk = p:read("stdout", 5)
      if not chunk then break end
      out = out .. chunk
    end
    check.eq(out, case[2] .. "\npipe\n")
  end
end

-- node with the preload: event-loop delay, heap, handles and the marker arrive in the samples.
function T.node_preload_reports_through_the_pipe()
  local preload = tmp_preload()
  local p <close> = assert(medprof.spawn{ "node", "--require", preload, "-e",
    "setInterval(() => { const e = Date.now() + 30; while (Date.now() < e); }, 100); " ..
    "setTimeout(() => process.exit(0), 1500)", vitals_pipe = true })
  local v <close> = assert(p:vitals())
  check.truthy(wait_until(function() return not v:status().running end, 10), "node ended")
  os.remove(preload)
  local st = v:status()
  check.eq(st.ended, true)
  check.eq(st.bad_lines, 0)
  check.truthy(st.node_lines >= 8, "node_lines " .. st.node_lines)
  local marks = v:marks()
  check.eq(#marks, 1)
  check.eq(marks[1].seq, 1)
  check.truthy(marks[1].t0_ns <= marks[1].t1_ns, "mark in order")
  local with, blocked = 0, 0
  for _, s in ipairs(v:samples()) do
    if s.eld_p99_ms then
      with = with + 1
      check.truthy(s.heap_used_bytes > 0 and s.heap_total_bytes >= s.heap_used_bytes, "heap")
      check.eq(math.type(s.active_handles), "float")
      check.truthy(math.abs(s.node_t - s.t) < 1, "node's clock is ours")
      if s.eld_p99_ms >= 20 then blocked = blocked + 1 end
    end
  end
  check.truthy(with >= 8, "samples with the preload's values: " .. with)
  check.truthy(blocked >= with // 2, ("blocked samples %d of %d"):format(blocked, with))
end

-- Without the variable the preload does nothing: node runs as it would.
function T.preload_without_the_pipe_is_silent()
  local preload = tmp_preload()
  local p <close> = assert(medprof.spawn{ "node", "--require", preload, "-e",
    "console.log(typeof process.env.MEDPROF_VITALS_FD)", stdout = "pipe",
    env = { MEDPROF_VITALS_FD = false } })
  check.eq(p:read("stdout", 10), "undefined\n")
  check.eq(p:wait(10).code, 0)
  os.remove(preload)
end

return T
