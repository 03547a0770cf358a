-- medprof.quick / medprof.load / medprof.load_result against the hostile test server and
-- examples/server.js (loopback only, every server stopped by pid).
local check = require "check"
local medprof = require "medprof"

local build = os.getenv("BUILD") or "build"

-- Starts tests/servers/hostile; returns the process and its port.
local function hostile()
  local p = assert(medprof.spawn{ build .. "/tests/servers/hostile", "127.0.0.1", stdout = "pipe" })
  local out = ""
  for _ = 1, 50 do
    out = out .. (p:read("stdout", 0.1) or "")
    if out:find("\n") then break end
  end
  return p, assert(math.tointeger(tonumber(out:match("port (%d+)"))), "hostile did not start")
end

-- Stops it with SIGTERM and returns what it printed: { total = n, ok = n, ... }.
local function served(p)
  p:signal("SIGTERM")
  local out = ""
  for _ = 1, 50 do
    local chunk = p:read("stdout", 0.1)
    if not chunk then break end
    out = out .. chunk
  end
  p:close()
  local counts = {}
  for k, v in out:gmatch("(%w+)=(%d+)") do counts[k] = tonumber(v) end
  return counts
end

local T = {}

function T.quick_counts_equal_server_counts()
  local p <close>, port = hostile()
  local before = medprof.now()
  local r = assert(medprof.quick{ url = ("http://127.0.0.1:%d/chunked"):format(port), count = 4, num = 25 })
  local after = medprof.now()
  local s = served(p)
  check.truthy(r.span and before <= r.span.first and r.span.first <= r.span.last and
               r.span.last <= after, "span inside the call, on medprof.now()'s clock")
  check.truthy(math.abs((r.span.last - r.span.first) - r.duration) < 1e-3, "span = duration")
  check.eq(r.requests, 100, "requests")
  check.eq(s.total, 100, "server total")
  check.eq(r.codes[200], 100, "codes[200]")
  check.eq(r.responses, 100, "responses")
  check.eq(r.counters["vusers.completed"], 4, "vusers.completed")
  check.eq(r.counters["http.downloaded_bytes"], 1100, "body bytes")
  check.truthy(r.latency.count == 100, "latency samples")
  check.truthy(r.latency:percentile(99) >= r.latency:percentile(50), "p99 >= p50")
  check.truthy(r.latency:percentile(100) == r.latency.max, "p100 is the max")
  check.eq(math.type(r.rate), "integer", "rate type")
  check.eq(r.interrupted, false, "interrupted")
end

function T.report_has_artillery_layout()
  local p <close>, port = hostile()
  local r = assert(medprof.quick{ url = ("http://127.0.0.1:%d/ok"):format(port), count = 2, num = 5 })
  served(p)
  local text = r:report()
  check.match(text, "^%-+\nSummary report @ %d%d:%d%d:%d%d%([+-]%d%d%d%d%)\n%-+\n\n")
  for line in text:gmatch("[^\n]+") do
    if line:find(" %.%.%.+ ") then
      local col = line:find(" [^ ]+$")
      check.eq(col, 81, "value column in '" .. line .. "'")
    end
  end
  check.match(text, "\nhttp%.requests: %.+ 10\n")
  check.match(text, "\nhttp%.request_rate: %.+ %d+/sec\n")
  check.match(text, "\nvusers%.failed: %.+ 0\n")
  -- JS sort order: http.response_time.2xx before http.responses
  check.truthy(text:find("http.response_time.2xx", 1, true) < text:find("http.responses", 1, true), "order")
end

function T.json_reads_back_and_merges()
  local p <close>, port = hostile()
  local url = ("http://127.0.0.1:%d/ok"):format(port)
  local a = assert(medprof.quick{ url = url, count = 2, num = 10 })
  local b = assert(medprof.quick{ url = url, count = 3, num = 10 })
  served(p)
  local back = assert(medprof.load_result(a:json()))
  check.eq(back:report(), a:report(), "round trip")
  back:merge(b)
  check.eq(back.requests, 50, "merged requests")
  check.eq(back.codes[200], 50, "merged codes")
  check.eq(back.latency.count, 50, "merged samples")
  local ok, msg, code = medprof.load_result("{not json")
  check.eq(ok, nil, "bad json")
  check.match(msg, "report JSON")
  check.eq(code, "MP_ERR_PARSE", "code")
end

function T.errors_by_name()
  local p <close>, port = hostile()
  local r = assert(medprof.quick{ url = ("http://127.0.0.1:%d/reset"):format(port), count = 3, num = 5 })
  local g = assert(medprof.quick{ url = ("http://127.0.0.1:%d/garbage"):format(port), count = 2, num = 5 })
  local h = assert(medprof.quick{ url = ("http://127.0.0.1:%d/hang"):format(port), count = 2, num = 5, timeout = 0.2 })
  served(p)
  check.eq(r.errors.ECONNRESET, 3, "ECONNRESET")
  check.eq(r.counters["vusers.failed"], 3, "failed")
  check.eq(g.errors.EPARSE, 2, "EPARSE")
  check.eq(h.errors.ETIMEDOUT, 2, "ETIMEDOUT")
  check.eq(h.requests, 2, "one request per failed user")
end

function T.refused_and_unsupported()
  local port = check.free_port()
  local r = assert(medprof.quick{ url = ("http://127.0.0.1:%d/"):format(port), count = 3, num = 5 })
  check.eq(r.errors.ECONNREFUSED, 3, "ECONNREFUSED")
  check.eq(r.requests, 3, "requests")
  local ok, msg, code = medprof.quick{ url = "https://127.0.0.1:1/" }
  check.eq(ok, nil, "https")
  check.match(msg, "not supported yet")
  check.eq(code, "MP_ERR_UNSUPPORTED", "code")
end

function T.bad_options_raise()
  check.raises("url option is required", medprof.quick, {})
  check.raises("unknown option 'cuont'", medprof.quick, { url = "http://127.0.0.1:1/", cuont = 1 })
  check.raises("count option must be an integer", medprof.quick, { url = "http://x/", count = "many" })
  check.raises("use medprof.load", medprof.quick, { url = "http://x/", rate = 5 })
  check.raises("count/num are for quick", medprof.load, { url = "http://x/", count = 5 })
  check.raises("headers", medprof.load, { url = "http://x/", headers = { true } })
  check.raises("must not be negative", medprof.load, { url = "http://x/", duration = -1 })
end

function T.closed_and_open_models()
  local p <close>, port = hostile()
  local url = ("http://127.0.0.1:%d/ok"):format(port)
  local c = assert(medprof.load{ url = url, connections = 3, requests = 333, method = "PUT",
                                 headers = { ["X-A"] = "1", "X-B: 2" }, body = "abc" })
  local o = assert(medprof.load{ url = url, rate = 200, duration = 0.5 })
  local s = served(p)
  check.eq(c.requests, 333, "closed requests")
  check.eq(o.requests, 100, "open requests")
  check.eq(s.total, 433, "server total")
  check.eq(s.bytes, 999, "request body bytes the server got")
  check.truthy(o:hist("medprof.response_time_uncorrected"), "uncorrected latency")
  check.truthy(#o.series >= 1, "series")
end

function T.redirects_followed_only_when_asked()
  local p <close>, port = hostile()
  local base = ("http://127.0.0.1:%d"):format(port)
  local plain = assert(medprof.quick{ url = base .. "/redirect", count = 2, num = 3 })
  local followed = assert(medprof.quick{ url = base .. "/redirect-rel", count = 2, num = 3, follow = true })
  local other = assert(medprof.load{ url = base .. "/redirect-other", connections = 1, requests = 3,
                                     follow = true, raise_nofile = true })
  local s = served(p)
  check.eq(plain.codes[302], 6, "302 counted")
  check.eq(plain.codes[200], nil, "and not followed")
  check.eq(followed.codes[301], 6, "301s")
  check.eq(followed.codes[200], 6, "followed to 200s")
  check.eq(followed.requests, 12, "each hop is a request")
  check.eq(other.errors.EREDIRECT_HOST, 3, "a Location on another host is an error")
  check.eq(other.responses, 0, "not a response")
  check.eq(s.total, 6 + 12 + 3, "the server saw every request, and no other")
  check.raises("follow option must be a boolean", medprof.quick, { url = base, follow = 1 })
  check.raises("raise_nofile option must be a boolean", medprof.load, { url = base, raise_nofile = "yes" })
end

function T.progress_can_stop_a_run()
  local p <close>, port = hostile()
  local calls = 0
  local r = assert(medprof.load{ url = ("http://127.0.0.1:%d/ok"):format(port), connections = 2,
                                 duration = 20, progress_interval = 0.05,
                                 progress = function(pr) calls = calls + 1 return pr.elapsed > 0.2 end })
  served(p)
  check.truthy(calls >= 2, "progress calls")
  check.eq(r.interrupted, true, "interrupted")
  check.truthy(r.duration < 2, "stopped early")
  check.raises("boom", medprof.load, { url = ("http://127.0.0.1:%d/ok"):format(port), duration = 5,
                                       progress = function() error("boom") end })
end

function T.periods_add_up_to_the_run()
  local p <close>, port = hostile()
  local n, requests, codes = 0, 0, 0
  local r = assert(medprof.quick{ url = ("http://127.0.0.1:%d/ok"):format(port), count = 3, num = 40,
                                  period = function(pr)
                                    n = n + 1
                                    requests = requests + pr.requests
                                    codes = codes + (pr.codes[200] or 0)
                                    check.match(pr:metrics(), "http%.requests: ")
                                  end })
  served(p)
  check.truthy(n >= 1, "at least one period")
  check.eq(requests, 120, "requests over the periods")
  check.eq(codes, r.codes[200], "codes over the periods")
  check.raises("period option must be a function", medprof.quick, { url = "http://x/", period = 1 })
end

function T.json_intermediate_holds_the_periods()
  local p <close>, port = hostile()
  local periods = {}
  local r = assert(medprof.quick{ url = ("http://127.0.0.1:%d/ok"):format(port), count = 3, num = 40,
                                  period = function(pr) periods[#periods + 1] = pr:period_json() end })
  served(p)
  local j = medprof.json.decode(r:json{ intermediate = periods })
  check.eq(#j.intermediate, #periods, "one element per period")
  check.truthy(#periods >= 1, "at least one period")
  local requests = 0
  for _, it in ipairs(j.intermediate) do
    requests = requests + it.counters["http.requests"]
    -- as artillery writes them: the period's window start, as a string
    check.eq(it.period, ("%d"):format(it.firstMetricAt // 10000 * 10000))
    check.truthy(it.summaries["http.response_time"], "summaries per period")
  end
  check.eq(requests, j.aggregate.counters["http.requests"], "periods add up to the aggregate")
  check.eq(#medprof.json.decode(r:json()).intermediate, 0, "none asked, none written")
  check.raises("must be a string from p:period_json", r.json, r, { intermediate = { 1 } })
end

-- A period's intermediate report, as artillery prints it every 10 s.
function T.period_report_like_artillery()
  local p <close>, port = hostile()
  local reports = {}
  assert(medprof.quick{ url = ("http://127.0.0.1:%d/ok"):format(port), count = 2, num = 5,
                        period = function(pr) reports[#reports + 1] = pr:period_report() end })
  served(p)
  check.truthy(#reports >= 1, "at least one period")
  local dashes, title = reports[1]:match("^(%-+)\n(Metrics for period to: [^ ]+) %(width: [%d.]+s%)\n")
  check.truthy(title and title:match("to: %d%d:%d%d:%d0%([+-]%d%d%d%d%)$"), "title")
  check.eq(#dashes, #title, "dashes as long as the title without the width")
  check.match(reports[1], "\n%-+\n\nhttp%.codes%.200: ")
  check.match(reports[1], "\n[^\n]+\n\n\n$")
end

-- artillery's phase and "All VUs finished" lines, for any phase (medprof quick's is
-- unnamed, 1 s; a script's may have names).
function T.console_lines_like_artillery()
  local clock = "%d%d:%d%d:%d%d%([+-]%d%d%d%d%)"
  check.match(medprof.phase_report{ duration = 1 },
              "^Phase started: unnamed %(index: 0, duration: 1s%) " .. clock .. "\n\n$")
  check.match(medprof.phase_report{ name = "Warm up", index = 1, duration = 2.5, completed = true,
                                    at = medprof.wall() },
              "^Phase completed: Warm up %(index: 1, duration: 2%.5s%) " .. clock .. "\n\n$")
  check.eq(medprof.vus_finished_report(3.7), "All VUs finished. Total time: 3 seconds\n\n")
  check.eq(medprof.vus_finished_report(1.2), "All VUs finished. Total time: 1 second\n\n")
  check.eq(medprof.vus_finished_report(65.5),
           "All VUs finished. Total time: 1 minute, 5 seconds\n\n")
  check.eq(medprof.vus_finished_report(108030),
           "All VUs finished. Total time: 1 day, 6 hours, 0 minutes, 30 seconds\n\n")
  check.raises("duration option must be a number", medprof.phase_report, { name = "x" })
  check.raises("unknown option 'durtion'", medprof.phase_report, { duration = 1, durtion = 1 })
end

-- The library's rules for the options, without a run: the fail triple for a user's
-- options (a command line), where medprof.quick and medprof.load raise.
function T.check_options_tells_without_a_run()
  local url = "http://127.0.0.1:1/"
  check.eq(medprof.check_options("quick", { url = url, count = 3, num = 2 }), true, "quick")
  check.eq(medprof.check_options("load", { url = url, rate = 5, duration = 1 }), true, "open")
  local ok, msg, code = medprof.check_options("quick", { url = url, count = 0 })
  check.eq(ok, nil, "count 0")
  check.eq(msg, "count option must be at least 1", "message")
  check.eq(code, "MP_ERR_INVALID_ARG", "code")
  check.raises("count option must be at least 1", medprof.quick, { url = url, count = 0 })
  _, msg = medprof.check_options("load", { url = url, connections = 2, num = 5 })
  check.match(msg, "^count/num are for quick")
  _, msg = medprof.check_options("load", { url = url, rate = 5, requests = 9 })
  check.eq(msg, "requests goes with the closed model, not with rate")
  _, msg = medprof.check_options("load", { url = url, timeout = -1 })
  check.eq(msg, "timeout option must not be negative")
  _, msg = medprof.check_options("quick", { url = url, cuont = 1 })
  check.eq(msg, "unknown option 'cuont'")
  _, msg, code = medprof.check_options("ticklog", { node = 17 })
  check.match(msg, "^node option must be 18 to 26")
  check.eq(code, "MP_ERR_INVALID_ARG", "ticklog code")
  check.eq(medprof.check_options("ticklog", { node = 20, state = "gc" }), true, "ticklog")
  check.raises("invalid option 'spawn'", medprof.check_options, "spawn", {})
end

function T.node_server_counts_match()
  local port = check.free_port()
  local node <close> = assert(medprof.spawn{ "node", "examples/server.js",
                                             env = { PORT = tostring(port) }, stderr = "pipe" })
  assert(node:wait_ready{ url = ("http://127.0.0.1:%d/healthcheck"):format(port), timeout = 20 })
  local r = assert(medprof.quick{ url = ("http://127.0.0.1:%d/healthcheck"):format(port), count = 5, num = 20 })
  node:stop{ grace = 5 }
  local err = ""
  for _ = 1, 20 do
    local chunk = node:read("stderr", 0.1)
    if not chunk then break end
    err = err .. chunk
  end
  local total = tonumber(err:match('served {"total":(%d+)'))
  -- the readiness probe is one request too
  check.eq(total, r.requests + 1, "node served")
  check.eq(r.codes[200], 100, "codes")
end

return T
