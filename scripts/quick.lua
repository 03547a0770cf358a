-- load an HTTP server like `artillery quick` (or wrk, or wrk2) and print artillery's report
local medprof = require "medprof"
local args = require "medprof.args"

local spec = {
  name = "quick",
  usage = "[options] URL",
  summary = "Sends load to URL and prints artillery's summary report with honest numbers\n" ..
            "(latency from microsecond data, rate = requests / load duration).\n" ..
            "  --count C --num N        artillery quick: C virtual users arriving over 1 s, each\n" ..
            "                           sending N requests one after another on its connection\n" ..
            "  --connections C --duration S | --requests N   closed loop, like wrk\n" ..
            "  --rate R --duration S    open model, like wrk2 (coordinated-omission corrected)",
  { "count", "c", "integer", "virtual users (quick model)", default = 10 },
  { "num", "n", "integer", "requests per virtual user (quick model)", default = 10 },
  { "output", "o", "string", "write the JSON report to a new FILE", metavar = "FILE" },
  { "html", nil, "string", "write an HTML page with charts of the run to a new FILE", metavar = "FILE" },
  { "force", nil, "flag", "let --output and --html overwrite existing files" },
  { "quiet", "q", "flag", "print nothing (the JSON report is still written)" },
  { "connections", nil, "integer", "closed/open model: connections" },
  { "duration", "d", "number", "closed/open model: seconds of load" },
  { "requests", nil, "integer", "closed model: requests to send in all" },
  { "rate", nil, "number", "open model: requests per second" },
  { "threads", "t", "integer", "event-loop threads (default: the number of cores)" },
  { "timeout", nil, "number", "seconds per request", default = 10 },
  { "method", "X", "string", "HTTP method", default = "GET" },
  { "header", "H", "list", "'Name: value' request header (repeatable)" },
  { "body", nil, "string", "request body" },
  { "body-file", nil, "string", "request body from FILE", metavar = "FILE" },
  { "follow", nil, "flag", "follow redirects on the URL's own host and port (at most 10 in a row)" },
  { "format", "f", "string", "text or json", default = "text" },
  { "latency", nil, "flag", "also print a latency distribution table like wrk's" },
  { "progress", nil, "flag", "live line on a terminal, a period report every 10 s otherwise (--no-progress: none)", default = true },
}

local o, rest = args.parse(arg, spec)
local function die(msg, code) args.die("quick", msg, code or 2) end
if #rest ~= 1 then die("give exactly one URL") end
if o.format ~= "text" and o.format ~= "json" then die("--format must be text or json") end
local url = rest[1]
if not url:match("^%a[%w+.-]*://") then die(("'%s' is not a URL (http://host:port/path)"):format(url)) end
local scheme = url:match("^(%a[%w+.-]*)://"):lower()
if scheme ~= "http" and scheme ~= "https" then
  die(("unknown protocol in target: %s"):format(url))
end

local function positive(name, v, integer)
  if v ~= nil and not (v > 0) then die(("--%s must be %s"):format(name, integer and "at least 1" or "above 0")) end
end
positive("count", o.count, true)
positive("num", o.num, true)
positive("connections", o.connections, true)
positive("requests", o.requests, true)
positive("threads", o.threads, true)
positive("duration", o.duration)
positive("rate", o.rate)
positive("timeout", o.timeout)

local body = o.body
if o.body_file then
  if body then die("give --body or --body-file, not both") end
  local f, err = io.open(o.body_file, "rb")
  if not f then die(err, 1) end
  body = f:read("a")
  f:close()
end

local closed = o.connections or o.duration or o.requests
local given = {}
for _, a in ipairs(arg) do given[a:match("^%-%-?([^=]+)") or ""] = true end
local quick_flags = given.c or given.count or given.n or given.num
if (closed or o.rate) and quick_flags then
  die("--count/--num pick the quick model; they do not mix with --connections/--duration/--rate")
end
if o.rate and o.requests then die("--requests is for the closed model, not with --rate") end

-- raise_nofile: many connections need as many descriptors; the run raises the soft limit
-- as far as the hard one allows and warns (r.warning) when that is not enough.
local opts = { url = url, timeout = o.timeout, threads = o.threads, method = o.method,
               headers = o.header, body = body, follow = o.follow or false, raise_nofile = true }
local model = "quick"
if o.rate then
  model = "open"
  opts.rate, opts.duration, opts.connections = o.rate, o.duration or 10, o.connections
elseif closed then
  model = "closed"
  opts.connections, opts.duration, opts.requests = o.connections, o.duration, o.requests
else
  opts.count, opts.num = o.count, o.num
end

local text = o.format == "text" and not o.quiet
local function out(s) io.stdout:write(s) io.stdout:flush() end
local function clock() return os.date("%H:%M:%S") .. "(" .. os.date("%z") .. ")" end

-- Progress: a live line on a terminal, a short period report every 10 s otherwise.
local tty = medprof.isatty(2)
local live = o.progress and not o.quiet
local phase_done = model ~= "quick"
local shown = false
local started_at, phase_shown = nil, model ~= "quick"
-- "Phase started" is printed once the run is under way, so a run that cannot start (a bad
-- URL, https) prints only its error.
local function phase_started()
  if phase_shown then return end
  phase_shown = true
  if text then out(("Phase started: unnamed (index: 0, duration: 1s) %s\n\n"):format(started_at)) end
end
-- The phase is complete once the last user has arrived: (count - 1) / count s in.
local started_wall
local function phase_completed(now_wall)
  if phase_done or now_wall < started_wall + (opts.count - 1) / opts.count then return end
  phase_done = true
  if text then out(("Phase completed: unnamed (index: 0, duration: 1s) %s\n\n"):format(clock())) end
end
if live then
  opts.progress = function(p)
    phase_started()
    phase_completed(medprof.wall())
    if tty then
      io.stderr:write(("\r  %5.1fs  requests %d  responses %d  %d/sec  errors %d  p99 %.1f ms   ")
        :format(p.elapsed, p.requests, p.responses, math.floor(p.rate + 0.5), p.errors, p.p99_ms))
      io.stderr:flush()
      shown = true
    end
  end
end

-- Every 10-second period: its aggregate for the JSON report's "intermediate" array (as
-- artillery writes it), and, when not on a terminal, artillery's intermediate report.
local periods = {}
local print_periods = live and not tty and text
local want_json = o.output or (o.format == "json" and not o.quiet)
if print_periods or want_json then
  opts.period = function(p)
    if want_json then periods[#periods + 1] = p:period_json() end
    if not print_periods then return end
    phase_started()
    phase_completed(p.start + p.duration)
    local to = (math.floor(p.start / 10) + 1) * 10
    local title = ("Metrics for period to: %s(%s)"):format(os.date("%H:%M:%S", to), os.date("%z", to))
    local width = math.floor(p.duration * 1000 + 0.5) / 1000
    width = math.tointeger(width) or width
    out(("%s\n%s (width: %ss)\n%s\n\n%s\n\n"):format(("-"):rep(#title), title, width,
        ("-"):rep(#title), p:metrics()))
  end
end

-- The report files before the run: an existing file is refused (never overwritten without
-- --force) before any load is sent; a run that fails removes them again (args.die).
local json_file = o.output and args.create("quick", o.output, o.force)
local html_file = o.html and args.create("quick", o.html, o.force)

started_at, started_wall = clock(), medprof.wall()
local r, err
if model == "quick" then r, err = medprof.quick(opts) else r, err = medprof.load(opts) end
if shown then io.stderr:write("\r", (" "):rep(79), "\r") end
if not r then args.die("quick", err, 1) end

if text then
  if model == "quick" then
    phase_started()
    if not phase_done then out(("Phase completed: unnamed (index: 0, duration: 1s) %s\n\n"):format(clock())) end
    local secs = math.floor(r.duration)
    out(("All VUs finished. Total time: %d second%s\n\n"):format(secs, secs == 1 and "" or "s"))
  end
  out(r:report())
  if o.latency then out("\n" .. r:latency_table()) end
  if model == "open" then
    local u = r:hist("medprof.response_time_uncorrected")
    if u then
      out(("\nUncorrected (from the actual send): median %.1f ms, p99 %.1f ms, max %.1f ms\n")
        :format(u:percentile(50) / 1000, u:percentile(99) / 1000, u.max / 1000))
    end
  end
elseif o.format == "json" and not o.quiet then
  out(r:json{ intermediate = periods })
end
if r.warning and not o.quiet then io.stderr:write("medprof quick: warning: ", r.warning, "\n") end
if r.interrupted and not o.quiet then
  io.stderr:write("medprof quick: interrupted: the report covers what was measured until then\n")
end
if json_file then
  json_file:write(r:json{ intermediate = periods })
  args.close("quick", json_file)
  if text and json_file ~= io.stdout then out("Log file: " .. o.output .. "\n") end
end
if html_file then
  html_file:write(r:html(url))
  args.close("quick", html_file)
  if text and html_file ~= io.stdout then out("Charts: " .. o.html .. "\n") end
end
if r.interrupted then os.exit(130) end
