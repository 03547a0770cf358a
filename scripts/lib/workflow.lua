-- medprof.workflow: the seed routine as one function, for `medprof profile` and for recipes.
--
--   local workflow = require "medprof.workflow"
--   local run, err = workflow.profile{
--     command = { "node", "dist/index.js" },   -- --prof is inserted after node
--     url = "http://localhost:8103/healthcheck",
--     load = { count = 20, num = 100 },         -- medprof.quick; or { rate=, duration= };
--                                              -- or false: no load (wait for Ctrl+C)
--     out = "results",                          -- server.log and the tick logs go here
--   }
--   run.result     the load result (medprof.quick/load), nil without load
--   run.profiles   { { log = path, prof = medprof.ticklog object }, ... } main isolate first;
--                  with a load, the main isolate's prof covers the load window only (first
--                  request sent to last response ended) and also has all = the whole log,
--                  startup = the log up to the first request, window = { start, end } in
--                  seconds on the log's clock, clock = { zero =, error =, how = } (how
--                  "marker": measured from the preload's mark; "spawn": not measured,
--                  the logger is taken to start at the spawn, which it follows by the time
--                  node needs to start it)
--   run.server     how the server ended (status table of Proc:stop)
--   run.warnings   list of strings worth showing
--   run.interrupted  Ctrl+C came while waiting for the server (the error says so)
-- With prof, the server also runs medprof's vitals preload (node --require; preload = false
-- turns it off): run.vitals holds the samples of /proc and of node (event-loop delay, heap)
-- and run.mark the preload's mark that aligns the tick log's clock with medprof's.
-- Options: ready (URL, default url), timeout (30), grace (10), cwd, env ({NAME=VALUE}),
-- force (let server.log overwrite an existing file in out; without it that is an error),
-- prof (default true: insert --prof and process the logs), keep_short_builtin_calls (do not
-- add node's --no-short-builtin-calls; see with_prof), on_ready(server) and
-- on_loaded(result) callbacks for progress output. The load is checked (workflow.check_load)
-- before the server starts.
local medprof = require "medprof"

local M = {}

-- The last n lines of a file, indented, for error messages about a server's output.
function M.tail(file, n)
  local lines = {}
  local f = io.open(file)
  if not f then return "  (no output)" end
  for line in f:lines() do
    lines[#lines + 1] = line
    if #lines > n then table.remove(lines, 1) end
  end
  f:close()
  if #lines == 0 then return "  (no output)" end
  return "  | " .. table.concat(lines, "\n  | ")
end

-- node's --prof must be on node's own command line: node refuses it in NODE_OPTIONS.
function M.is_node(word)
  local exe = word:match("[^/]+$") or ""
  return exe == "node" or exe == "nodejs" or exe:match("^node%d+$") ~= nil
end

-- node's argv with --prof after the node executable, and --no-short-builtin-calls unless
-- keep_short_calls: with short builtin calls (V8's default on x64), V8 runs its builtins
-- from a copy in the code range that the log never describes, so their ticks come out
-- "Unaccounted" (97 of 1669 ticks in a 2 s CPU-bound run, against 6 without the copy).
-- Without it they run from node's own text and get their Builtins_* names; the calls into
-- builtins become slightly longer.
function M.with_prof(command, keep_short_calls)
  local argv = { command[1] }
  local has = {}
  for i = 2, #command do has[command[i]] = true end
  if not has["--prof"] then argv[#argv + 1] = "--prof" end
  if not keep_short_calls and not has["--short-builtin-calls"] and
     not has["--no-short-builtin-calls"] then
    argv[#argv + 1] = "--no-short-builtin-calls"
  end
  for i = 2, #command do argv[#argv + 1] = command[i] end
  return argv
end

local function host_port(url)
  local host, port = url:match("^%a+://%[([^%]]+)%]:(%d+)")
  if not host then host, port = url:match("^%a+://([^/:?#]+):(%d+)") end
  if not host then host = url:match("^%a+://([^/:?#]+)") port = 80 end
  return host, tonumber(port)
end

-- The load step as the medprof function that runs it and its options: { rate=, duration= }
-- and { connections=, duration=, requests= } go to medprof.load, { count=, num= } (20 and
-- 100 by default) to medprof.quick.
local function load_call(load, url)
  if load.rate then
    return "load", { url = url, rate = load.rate, duration = load.duration }
  elseif load.connections then
    return "load", { url = url, connections = load.connections, duration = load.duration,
                     requests = load.requests }
  end
  return "quick", { url = url, count = load.count or 20, num = load.num or 100 }
end

-- Whether the load step takes load (a table as workflow.profile's load) at url, by the
-- library's rules (counts from 1, one model's options), without starting anything.
-- → true | nil, message, "MP_ERR_INVALID_ARG"
function M.check_load(load, url)
  return medprof.check_options(load_call(load, url))
end

-- node names its logs isolate-0xADDRESS-PID-v8.log: matching the pid (and the start time)
-- takes this server's logs only, even with other profiles running in the same directory.
-- They move next to server.log; the paths returned are where they are now.
function M.move_logs(dir, run, server)
  local logs = medprof.newfiles(dir, ("isolate-*-%d-v8.log"):format(run.pid), server.started) or {}
  for i, log in ipairs(logs) do
    local moved = run.out .. "/" .. log:match("[^/]+$")
    if moved ~= log and os.rename(log, moved) then logs[i] = moved end
  end
  return logs
end

-- Where the preload goes: the output directory, as an absolute path when the server runs
-- elsewhere (node resolves --require against its own working directory).
function M.preload_path(out, cwd)
  local path = out .. "/vitals-preload.js"
  if path:sub(1, 1) == "/" or not cwd then return path end
  local pwd = os.getenv("PWD")
  return pwd and (pwd .. "/" .. path) or os.tmpname()
end

function M.profile(o)
  assert(type(o) == "table" and o.command and o.command[1], "profile: command = {...} needed")
  local prof = o.prof ~= false
  if prof and not M.is_node(o.command[1]) then
    return nil, ("the command must start with node, not '%s': --prof has to be on node's own " ..
                 "command line (node refuses it in NODE_OPTIONS)"):format(o.command[1])
  end
  if o.load ~= false then
    local usable, why = M.check_load(o.load or {}, o.url)
    if not usable then return nil, why end
  end
  local run = { warnings = {}, profiles = {}, out = o.out or "." }
  local ready = o.ready or o.url
  local host, port = host_port(ready)
  if medprof.probe{ host = host, port = port, timeout = 0.5 } then
    return nil, ("port %d on %s is already taken by another process: stop it first, or the " ..
                 "load would hit it instead of the server being profiled"):format(port, host)
  end
  local env = {}
  for k, v in pairs(o.env or {}) do env[k] = v end
  if env.NODE_ENV == nil and os.getenv("NODE_ENV") == nil then env.NODE_ENV = "production" end

  run.server_log = run.out .. "/server.log"
  local argv = prof and M.with_prof(o.command, o.keep_short_builtin_calls) or o.command
  run.command = argv
  local preload = prof and o.preload ~= false and M.preload_path(run.out, o.cwd)
  if preload then
    local written, perr = medprof.write_preload(preload)
    if not written then return nil, perr end
    argv = { argv[1], "--require", preload, table.unpack(argv, 2) }
  end
  local spawn = { env = env, cwd = o.cwd, stdout = run.server_log, stderr = "stdout",
                  exclusive = not o.force, vitals_pipe = preload and true or nil }
  table.move(argv, 1, #argv, 1, spawn)
  run.spawned = medprof.now()
  local server <close>, err = medprof.spawn(spawn)
  if not server then return nil, err end
  run.pid = server.pid
  local vitals <close> = server:vitals()
  -- Ctrl+C ends the wait only: the server is stopped, its logs kept.
  local ok, why, code, status = medprof.interruptible(function()
    return server:wait_ready{ url = ready, timeout = o.timeout or 30 }
  end)
  if code == "MP_ERR_INTERRUPTED" then
    run.interrupted = true
    why = ("interrupted while waiting for %s to answer"):format(ready)
  end
  if not ok then
    if not status then server:stop{ grace = o.grace or 10 } end
    -- the logs it wrote go with the server.log, not stay behind in the working directory
    local kept = prof and M.move_logs(o.cwd or ".", run, server) or {}
    local where = #kept > 0 and ("\nits tick logs were moved to %s"):format(table.concat(kept, ", "))
                  or ""
    return nil, ("%s\nthe server's last output:\n%s%s"):format(why, M.tail(run.server_log, 15),
                                                               where), run
  end
  if o.on_ready then o.on_ready(server) end

  -- Ctrl+C ends the wait for the server, or the load (which then reports what it measured)
  if o.load == false then
    medprof.interruptible(function() local st = server:wait() return st end)
  else
    local fn, opts = load_call(o.load or {}, o.url)
    local result, lerr = medprof.interruptible(function() return medprof[fn](opts) end)
    if result then
      run.result = result
      if o.on_loaded then o.on_loaded(result) end
    else
      run.warnings[#run.warnings + 1] = "load: " .. tostring(lerr)
    end
  end

  local st, serr = server:stop{ grace = o.grace or 10 }
  if not st then return nil, serr end
  run.server = st
  if vitals then
    vitals:stop()
    run.vitals = vitals:samples()
    local m = vitals:marks()[1]
    if m then
      run.mark = { name = ("%s%d_%d"):format(medprof.MARK_PREFIX, run.pid, m.seq),
                   before = m.t0_ns / 1e9, after = m.t1_ns / 1e9 }
    end
  end
  if st.stopped_by and st.stopped_by ~= "SIGINT" then
    run.warnings[#run.warnings + 1] = ("the server ignored SIGINT for %g s; %s ended it, so " ..
      "its tick log may end early"):format(o.grace or 10, st.stopped_by)
  end
  if not prof then return run end

  local dir = o.cwd or "."
  local logs = M.move_logs(dir, run, server)
  if #logs == 0 then
    return nil, ("the server wrote no isolate-*-v8.log in %s (did node get --prof, and did it " ..
                 "live long enough to write one?); its last output:\n%s"):format(dir,
                 M.tail(run.server_log, 10)), run
  end
  -- Main isolate first: worker threads each write a log too, and the main thread's, which
  -- serves the requests, is the largest.
  local size = {}
  for _, log in ipairs(logs) do
    local f = io.open(log)
    size[log] = f and f:seek("end") or 0
    if f then f:close() end
  end
  table.sort(logs, function(a, b) return size[a] > size[b] end)
  for i, log in ipairs(logs) do
    local entry, perr = M.read_profile(log, i == 1 and run or nil)
    if entry then
      for _, w in ipairs((entry.all or entry.prof):warnings()) do run.warnings[#run.warnings + 1] = w end
      run.profiles[#run.profiles + 1] = entry
    else
      run.warnings[#run.warnings + 1] = perr
    end
  end
  return run
end

-- The load window of run (a table as workflow.profile returns) on the clock of a log whose
-- profile is all: { start, end } seconds, and the clock that cut it. nil without a load.
function M.load_window(run, all)
  local span = run.result and run.result.span
  if not span then return nil end
  local clock = run.mark and all:clock(run.mark.name, run.mark.before, run.mark.after)
  if clock then
    clock.how = "marker"
  else
    clock = { zero = run.spawned, how = "spawn" }
  end
  return { span.first - clock.zero, span.last - clock.zero }, clock
end

-- One tick log as workflow.profile reads it: stacks for the flame graph, samples for the
-- viewers' timelines (cpuprofile, speedscope). With run (the main isolate's log of a run
-- with a load), prof is the load window, all and startup the whole log and its start.
function M.read_profile(log, run)
  local viewers = { stacks = true, samples = true }
  if not (run and run.result and run.result.span) then
    local p, err = medprof.ticklog(log, viewers)
    return p and { log = log, prof = p }, err
  end
  local all, err = medprof.ticklog(log)
  if not all then return nil, err end
  local window, clock = M.load_window(run, all)
  viewers.window = window
  local prof, perr = medprof.ticklog(log, viewers)
  if not prof then return nil, perr end
  local startup = assert(medprof.ticklog(log, { window = { -math.huge, window[1] } }))
  return { log = log, prof = prof, all = all, startup = startup, window = window, clock = clock }
end

return M
