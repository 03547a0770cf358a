-- load an HTTP server like `artillery quick` (or wrk, or wrk2) and print artillery's report
local medprof = require "medprof"
local args = require "medprof.args"
local console = require "medprof.console"

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

local o, rest, given = args.parse(arg, spec)
local function die(msg, code) args.die("quick", msg, code or 2) end
if #rest ~= 1 then die("give exactly one URL") end
if o.format ~= "text" and o.format ~= "json" then die("--format must be text or json") end
local url = rest[1]
if not url:match("^%a[%w+.-]*://") then die(("'%s' is not a URL (http://host:port/path)"):format(url)) end
local scheme = url:match("^(%a[%w+.-]*)://"):lower()
if scheme ~= "http" and scheme ~= "https" then
  die(("unknown protocol in target: %s"):format(url))
end

local body = o.body
if o.body_file then
  if body then die("give --body or --body-file, not both") end
  local f, err = io.open(o.body_file, "rb")
  if not f then die(err, 1) end
  body = f:read("a")
  f:close()
end

-- The model: --connections, --duration, --requests or --rate pick wrk's (or wrk2's), else
-- artillery quick's. --count and --num go along only when given, so that the library
-- refuses them with another model. raise_nofile: many connections need as many
-- descriptors; the run raises the soft limit as far as the hard one allows and warns
-- (r.warning) when that is not enough.
local run = (o.connections or o.duration or o.requests or o.rate) and "load" or "quick"
local opts = { url = url, timeout = o.timeout, threads = o.threads, method = o.method,
               headers = o.header, body = body, follow = o.follow or false, raise_nofile = true,
               connections = o.connections, duration = o.duration, requests = o.requests,
               rate = o.rate }
if run == "quick" or given.count then opts.count = o.count end
if run == "quick" or given.num then opts.num = o.num end
local usable, why = medprof.check_options(run, opts)
if not usable then die(why) end

local text = o.format == "text" and not o.quiet
local function out(s) io.stdout:write(s) io.stdout:flush() end

-- Progress: a live line on a terminal, artillery's report every 10 s otherwise; every
-- period's JSON for the report's "intermediate" array (as artillery writes it). Artillery
-- quick's one phase is complete once the last user has arrived: (count - 1) / count s in.
local want_json = o.output or (o.format == "json" and not o.quiet)
local c = console.new{ text = text, progress = o.progress and not o.quiet, json = want_json,
  phase = run == "quick" and { duration = 1, arrived = (o.count - 1) / o.count } or nil }
c:attach(opts)

-- The report files before the run: an existing file is refused (never overwritten without
-- --force) before any load is sent; a run that fails removes them again (args.die).
local json_file = o.output and args.create("quick", o.output, o.force)
local html_file = o.html and args.create("quick", o.html, o.force)

c:start()
local r, err = medprof[run](opts)
c:finish(r)
if not r then args.die("quick", err, 1) end

if text then
  out(r:report())
  if o.latency then out("\n" .. r:latency_table()) end
  if opts.rate then
    local u = r:hist("medprof.response_time_uncorrected")
    if u then
      out(("\nUncorrected (from the actual send): median %.1f ms, p99 %.1f ms, max %.1f ms\n")
        :format(u:percentile(50) / 1000, u:percentile(99) / 1000, u.max / 1000))
    end
  end
elseif o.format == "json" and not o.quiet then
  out(r:json{ intermediate = c.intermediate })
end
if r.warning and not o.quiet then io.stderr:write("medprof quick: warning: ", r.warning, "\n") end
if r.interrupted and not o.quiet then
  io.stderr:write("medprof quick: interrupted: the report covers what was measured until then\n")
end
if json_file then
  json_file:write(r:json{ intermediate = c.intermediate })
  args.close("quick", json_file)
  if text and json_file ~= io.stdout then out("Log file: " .. o.output .. "\n") end
end
if html_file then
  html_file:write(r:html(url))
  args.close("quick", html_file)
  if text and html_file ~= io.stdout then out("Charts: " .. o.html .. "\n") end
end
if r.interrupted then os.exit(130) end
