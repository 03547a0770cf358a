-- the whole routine: start node --prof, drive load, stop it, write processed.txt and report.json
local medprof = require "medprof"
local args = require "medprof.args"
local workflow = require "medprof.workflow"
local json = medprof.json

local spec = {
  name = "profile",
  usage = "[options] -- node [NODE_FLAGS...] SCRIPT [ARGS...]",
  summary = "Starts the server under `node --prof --no-short-builtin-calls` (so V8's builtins\n" ..
            "run where their symbols are; NODE_ENV=production unless set), waits until it\n" ..
            "answers, drives load at it and prints the artillery-style summary, stops it like\n" ..
            "Ctrl+C, processes the tick log(s) this run produced, and writes processed.txt\n" ..
            "(the load window: first request sent to last response), processed-startup.txt\n" ..
            "(the server's start), processed-all.txt (the whole run, as node prints it),\n" ..
            "flame.svg, profile.cpuprofile, profile.speedscope.json (the load window),\n" ..
            "report.json, report.html (load charts), server.log and the tick logs into the\n" ..
            "output directory.",
  { "url", "u", "string", "URL to load", default = "http://localhost:8103/healthcheck", metavar = "URL" },
  { "count", "c", "integer", "virtual users (artillery quick)", default = 20 },
  { "num", "n", "integer", "requests per virtual user", default = 100 },
  { "rate", nil, "number", "open model: requests per second (with --duration)" },
  { "duration", "d", "number", "seconds of load for --rate" },
  { "ready", nil, "string", "URL that must answer 2xx before the load (default: --url)", metavar = "URL" },
  { "timeout", "t", "number", "seconds to wait for readiness", default = 30 },
  { "grace", nil, "number", "seconds to wait after SIGINT", default = 10 },
  { "cwd", nil, "string", "the server's working directory", metavar = "DIR" },
  { "env", "e", "list", "NAME=VALUE for the server's environment (repeatable)" },
  { "out", "o", "string", "output directory, new or empty (default: medprof-YYYYmmdd-HHMMSS)",
    metavar = "DIR" },
  { "force", nil, "flag", "write into --out DIR even if it has files (overwriting them)" },
  { "load-only", nil, "flag", "no --prof and no profile: start, load, stop" },
  { "no-load", nil, "flag", "no load: profile while you drive load by hand; Ctrl+C to finish" },
  { "no-preload", nil, "flag", "no vitals preload in node (no event-loop delay or heap; the load " ..
    "window is then aligned at the spawn, not measured)" },
  { "keep-short-builtin-calls", nil, "flag",
    "do not pass node --no-short-builtin-calls (builtins' ticks then go Unaccounted)" },
  epilog = "example: medprof profile --url 'http://localhost:8103/Patient?name=smi' -- node dist/index.js",
}

local o, command = args.parse(arg, spec)
local function die(msg, code) args.die("profile", msg, code) end
local function say(fmt, ...) io.stdout:write(fmt:format(...), "\n") io.stdout:flush() end

if #command == 0 then die("no server command (put it after --, e.g. -- node dist/index.js)", 2) end
if o.no_load and o.load_only then die("--no-load and --load-only exclude each other", 2) end
if (o.rate == nil) ~= (o.duration == nil) then die("--rate and --duration go together", 2) end
if not o.load_only and not workflow.is_node(command[1]) then
  die(("the server command must start with node, not '%s': --prof has to go on node's own\n" ..
       "command line (node refuses it in NODE_OPTIONS), so name the node command that '%s'\n" ..
       "runs, e.g. -- node dist/index.js"):format(command[1], table.concat(command, " ")), 2)
end
local load = { count = o.count, num = o.num }
if o.rate then load = { rate = o.rate, duration = o.duration } end
if o.no_load then load = false end
if load then
  local usable, why = workflow.check_load(load, o.url)
  if not usable then die(why, 2) end
end
local env = args.env(o.env, "profile")
local out = o.out or os.date("medprof-%Y%m%d-%H%M%S")
-- A new (or empty) directory: nothing in it can be a user's file. One with files in it is
-- refused unless --force, before the server starts.
do
  local ok, err, code = medprof.output_dir(out, { force = o.force })
  if not ok then
    die(code == "MP_ERR_EXISTS" and err .. ": use --force to write into it" or err)
  end
end

local run, err, partial = workflow.profile{
  command = command, url = o.url, ready = o.ready, load = load, env = env, cwd = o.cwd,
  out = out, force = o.force, timeout = o.timeout, grace = o.grace, prof = not o.load_only,
  keep_short_builtin_calls = o.keep_short_builtin_calls, preload = not o.no_preload,
  on_ready = function(server)
    say("medprof profile: %s is up (pid %d); output in %s/", command[1], server.pid, out)
    if load == false then
      say("medprof profile: drive load at %s yourself, then press Ctrl+C to finish", o.url)
    end
  end,
  on_loaded = function(result) io.stdout:write(result:report()) end,
}
run = run or partial

-- One file of the output directory, written whole.
local function write_out(name, ...)
  local f = args.create("profile", out .. "/" .. name, o.force)
  f:write(...)
  args.close("profile", f)
end

-- JSON's null for a value the sampler did not have.
local function null(x) if x == nil then return json.null end return x end

-- report.json: whatever was measured, also when a step failed.
local report = { url = o.url, out = out, error = err }
if run then
  report.command = run.command
  report.server = run.server and { pid = run.pid, ended = run.server.text,
                                   stopped_by = run.server.stopped_by }
  if report.server and run.vitals then
    -- the server's side of the timeline, t in seconds from the load's start (from the
    -- spawn without a load); null where the preload said nothing
    local t0 = run.result and run.result.span and run.result.span.first or run.spawned
    local series = setmetatable({}, json.array_mt)
    for i, v in ipairs(run.vitals) do
      series[i] = { t = v.t - t0, cpu = v.cpu_user + v.cpu_sys, cpu_main = v.cpu_main,
        rss_bytes = v.rss_bytes, threads = v.threads, fds = null(v.fds),
        eld_p50_ms = null(v.eld_p50_ms), eld_p99_ms = null(v.eld_p99_ms),
        eld_max_ms = null(v.eld_max_ms), heap_used_bytes = null(v.heap_used_bytes),
        heap_total_bytes = null(v.heap_total_bytes), active_handles = null(v.active_handles) }
    end
    report.server.series = series
  end
  report.load = run.result and json.decode(run.result:json())
  report.warnings = run.warnings
  report.profiles = {}
  for i, p in ipairs(run.profiles) do
    local name = i == 1 and "processed.txt" or ("processed-%d.txt"):format(i)
    write_out(name, p.prof:report{})
    -- the load window's neighbours: the start alone, and the whole log as node prints it
    for file, prof in pairs{ ["processed-startup.txt"] = p.startup, ["processed-all.txt"] = p.all } do
      write_out(file, prof:report{})
    end
    -- the viewers' files: flame.svg, profile.cpuprofile (Chrome DevTools, VS Code),
    -- profile.speedscope.json (speedscope.app); "-N" for a second isolate on
    local suffix = i == 1 and "" or ("-%d"):format(i)
    for file, text in pairs{
      ["flame" .. suffix .. ".svg"] = p.prof:flamegraph{ title = table.concat(run.command, " ") },
      ["profile" .. suffix .. ".cpuprofile"] = p.prof:cpuprofile(),
      ["profile" .. suffix .. ".speedscope.json"] = p.prof:speedscope(p.log:match("[^/]+$")),
    } do
      write_out(file, text)
    end
    report.profiles[i] = { log = p.log, processed = out .. "/" .. name, summary = p.prof:summary(),
      js = p.prof:top{ section = "js", n = 20 }, cpp = p.prof:top{ section = "cpp", n = 20 } }
    if p.window then
      report.profiles[i].window = { start = p.window[1], ["end"] = p.window[2],
        alignment = p.clock.how, alignment_error = p.clock.error,
        startup_ticks = p.startup:summary().ticks, all_ticks = p.all:summary().ticks }
    end
  end
  for _, w in ipairs(run.warnings) do io.stderr:write("medprof profile: ", w, "\n") end
end
write_out("report.json", json.encode(report, { indent = true }), "\n")
if run and run.result then
  write_out("report.html", run.result:html(o.url))
end
if not run or err then die(err, run and run.interrupted and 130 or nil) end

local function ms(us) return us and ("%.1f ms"):format(us / 1000) or "-" end
say("\n== medprof profile: %s %s", table.concat(run.command, " "), run.server.text)
if run.result then
  local r = run.result
  say("load: %d requests, %d/sec, latency p50 %s  p95 %s  p99 %s", r.requests, r.rate,
      ms(r.latency:percentile(50)), ms(r.latency:percentile(95)), ms(r.latency:percentile(99)))
end
local main = report.profiles[1]
if main then
  local s = main.summary
  local w = main.window
  if w then
    say("load window: %.3f s to %.3f s of the log (%s); start: %d ticks, whole run: %d",
        w.start, w["end"], w.alignment == "marker" and
          ("aligned by the preload's mark, ±%.3f ms"):format(w.alignment_error * 1000) or
          "aligned at the spawn, not measured: starts late by node's start-up",
        w.startup_ticks, w.all_ticks)
  end
  say("ticks: %d (JavaScript %d, C++ %d, GC %d, shared libraries %d, unaccounted %d)",
      s.ticks, s.js, s.cpp, s.gc, s.shared, s.unaccounted)
  for _, section in ipairs{ { "js", "top JavaScript" }, { "cpp", "top C++" } } do
    say("%s:", section[2])
    for i = 1, math.min(5, #main[section[1]]) do
      local row = main[section[1]][i]
      say("  %6d  %5.1f%%  %s", row.ticks, row.pct, row.name)
    end
  end
  say("files: %s%s, %s/flame.svg, %s/profile.cpuprofile, %s/profile.speedscope.json,\n" ..
      "       %s/report.json, %s/report.html, %s/server.log", main.processed,
      w and (" (the load), %s/processed-startup.txt, %s/processed-all.txt"):format(out, out) or "",
      out, out, out, out, out, out)
elseif not o.load_only then
  die("no profile was written")
else
  say("files: %s/report.json, %s/server.log", out, out)
end
if run.result and run.result.errors and next(run.result.errors) then os.exit(1) end
