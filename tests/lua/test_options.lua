-- Option tables at their edges: what the fuzzer of the binding's option readers
-- (tests/fuzz/fuzz_lua.c) found wrong, each kept as a regression test. None of these sends
-- a request: the URL is a closed port, and the bad options are refused before any connect.
local medprof = require "medprof"
local check = require "check"

local T = {}

local nowhere = "http://127.0.0.1:1/"

-- fuzz_lua: duration = 1e300 made mp_load_run convert 1e309 ns to int64 (undefined
-- behaviour; in practice a deadline in the past, so the run ended at once with nothing).
function T.load_refuses_times_beyond_1e9_seconds()
  for _, opts in ipairs{
    { url = nowhere, connections = 1, duration = 1e300 },
    { url = nowhere, connections = 1, duration = math.huge },
    { url = nowhere, rate = 10, duration = 2e9 },
    { url = nowhere, connections = 1, duration = 1, timeout = 1e300 },
    { url = nowhere, connections = 1, duration = 1, max_time = 0 / 0 },
    { url = nowhere, connections = 1, duration = 1, progress_interval = 1e10 },
  } do
    local t0 = medprof.now()
    local r, err, code = medprof.load(opts)
    check.eq(r, nil, "refused")
    check.eq(err, "load: times must be numbers up to 1e9 s", "message")
    check.eq(code, "MP_ERR_INVALID_ARG", "code")
    check.truthy(medprof.now() - t0 < 1, "at once")
  end
end

function T.quick_refuses_an_arrival_beyond_1e9_seconds()
  local r, err = medprof.quick{ url = nowhere, count = 1, num = 1, arrival = 1e300 }
  check.eq(r, nil, "refused")
  check.eq(err, "load: times must be numbers up to 1e9 s", "message")
end

-- A timeout so long that num * timeout overflows int64 nanoseconds is still accepted: the
-- run's bound saturates instead of wrapping into the past.
function T.quick_with_huge_but_valid_times_still_runs()
  local r = assert(medprof.quick{ url = nowhere, count = 1, num = 2000000000, timeout = 1e9 })
  check.eq(r.requests, 1, "one request, refused at connect")
  check.truthy(r.errors.ECONNREFUSED == 1, "ECONNREFUSED counted")
end

-- distortion as a number and as the flag's text give the same report, also with the
-- collector running all the time (tests/fuzz/corpus/lua/regression-distortion-number is the
-- input that found a use-after-free when the config held the number's text).
function T.ticklog_distortion_as_a_number_is_kept_alive()
  local log = "tests/data/node20/small-v8.log"
  local want = assert(medprof.ticklog(log, { distortion = "250000", symbols = false })):report()
  collectgarbage("incremental", 1, 1000) -- collect all the time meanwhile
  local got = assert(medprof.ticklog(log, { distortion = 250000, symbols = false })):report()
  collectgarbage("incremental", 200, 100) -- Lua's defaults
  check.eq(got, want, "report")
  check.raises("distortion option must be a number", medprof.ticklog, log, { distortion = {} })
end

-- range and distortion given as the CLI gives them are read as node reads --range and
-- --distortion (parseInt): "12abc" is 12, a side that is no number has no bound.
function T.ticklog_range_and_distortion_text_read_as_node_does()
  local log = "tests/data/node20/small-v8.log"
  local function report(opts)
    opts.symbols = false
    return assert(medprof.ticklog(log, opts)):report()
  end
  check.eq(report{ range = "40abc,200xyz" }, report{ range = "40,200" }, "parseInt on each side")
  check.eq(report{ range = "abc,200" }, report{ range = ",200" }, "no number: no lower bound")
  check.eq(report{ range = "abc" }, report{}, "no numbers: all ticks")
  check.eq(report{ distortion = "500ps" }, report{ distortion = 500 }, "parseInt")
  check.eq(report{ distortion = "abc" }, report{}, "no number: none")
  check.truthy(report{ range = "40,200" } ~= report{}, "the range keeps fewer ticks")
  check.raises("range option must be a string", medprof.ticklog, log, { range = 40 })
  check.raises("distortion option must be a finite number", medprof.ticklog, log,
               { distortion = math.huge })
end

-- threads = 1 reads line by line on the calling thread; the default reads a file ahead on a
-- second thread that groups ticks alike: the same profile either way.
function T.ticklog_threads()
  local log = "tests/data/node20/http-v8.log"
  local one <close> = assert(medprof.ticklog(log, { threads = 1, symbols = false }))
  local two <close> = assert(medprof.ticklog(log, { symbols = false }))
  check.eq(two:report(), one:report(), "report")
  check.eq(two:report{ format = "json" }, one:report{ format = "json" }, "JSON report")
  check.eq(two:summary().ticks, one:summary().ticks, "ticks")
  check.raises("threads option must be 0 %(default%), 1 or 2", medprof.ticklog, log, { threads = 3 })
  check.raises("threads option must be 0 %(default%), 1 or 2", medprof.ticklog, log, { threads = -1 })
end

-- fuzz_lua: integer options went through (int) casts, so 2^32 + 1 threads became 1 thread,
-- 2^32 + 80 a port 80, and 2^31 users a negative count ("must not be negative").
function T.int_options_beyond_int_range_are_refused_not_wrapped()
  check.raises("threads option is out of range", medprof.load,
               { url = nowhere, connections = 1, threads = 2 ^ 32 + 1 })
  check.raises("count option is out of range", medprof.quick, { url = nowhere, count = 2 ^ 31 })
  check.raises("num option is out of range", medprof.quick, { url = nowhere, num = -2 ^ 40 })
  check.raises("connections option is out of range", medprof.load,
               { url = nowhere, connections = math.mininteger })
  check.raises("port option is out of range", medprof.probe, { port = 2 ^ 32 + 80 })
  local prof = assert(medprof.ticklog("tests/data/node20/small-v8.log",
                                      { stacks = true, symbols = false }))
  check.raises("width option is out of range", prof.flamegraph, prof, { width = 2 ^ 33 })
  local p <close> = assert(medprof.spawn{ "sleep", "5" })
  check.raises("not a signal number", p.signal, p, 2 ^ 32 + 9) -- would have been SIGKILL
end

return T
