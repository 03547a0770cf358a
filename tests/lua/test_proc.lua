-- The process part through Lua: medprof.spawn, Proc methods, newfiles, and medprof.args.
local medprof = require "medprof"
local args = require "medprof.args"
local check = require "check"

local T = {}

local function read_all(p, stream)
  local out = {}
  local deadline = medprof.now() + 10
  while medprof.now() < deadline do
    local chunk = p:read(stream or "stdout", 1)
    if not chunk then return table.concat(out) end
    out[#out + 1] = chunk
  end
  error("no end of output in 10 s")
end

local function alive(pid)
  local f = io.open(("/proc/%d/stat"):format(pid))
  if not f then return false end
  local stat = f:read("a")
  f:close()
  return not stat:match("%) [ZX] ")
end

function T.spawn_runs_a_command_with_env_and_cwd()
  local p <close> = assert(medprof.spawn{ "sh", "-c", 'echo "$GREETING from $(pwd)"',
    env = { GREETING = "hello" }, cwd = "/tmp", stdout = "pipe" })
  check.eq(read_all(p), "hello from /tmp\n")
  local st = assert(p:wait(5))
  check.eq(st.state, "exited")
  check.eq(st.code, 0)
  check.eq(st.text, "exited with code 0")
end

function T.env_false_removes_a_variable()
  local p <close> = assert(medprof.spawn{ "sh", "-c", 'echo "${HOME-none}"', env = { HOME = false },
    stdout = "pipe" })
  check.eq(read_all(p), "none\n")
end

function T.expected_failures_return_fail_triples()
  local p, msg, code = medprof.spawn{ "medprof-no-such-program" }
  check.eq(p, nil)
  check.match(msg, "medprof%-no%-such%-program")
  check.eq(code, "MP_ERR_NOT_FOUND")
  p, msg, code = medprof.spawn{ "true", cwd = "/nonexistent-dir" }
  check.eq(p, nil)
  check.match(msg, "/nonexistent%-dir")
  -- a port out of range is named, not mistaken for a missing one
  local ok, pmsg, pcode = medprof.probe{ port = 70000 }
  check.eq(ok, nil)
  check.match(pmsg, "port 70000 is not in 1%.%.65535")
  check.eq(pcode, "MP_ERR_INVALID_ARG")
  check.raises("give url= or port=", medprof.probe, {})
end

function T.bad_arguments_raise()
  check.raises("table expected", medprof.spawn, "node server.js")
  check.raises("command is empty", medprof.spawn, {})
  check.raises("unknown option 'cmd'", medprof.spawn, { "true", cmd = "x" })
  check.raises("cwd option must be a string", medprof.spawn, { "true", cwd = 1 })
  check.raises("env value", medprof.spawn, { "true", env = { A = {} } })
  local p <close> = assert(medprof.spawn{ "true" })
  check.raises("give url= or port=", p.wait_ready, p, {})
  check.raises("unknown option 'grace_period'", p.stop, p, { grace_period = 1 })
end

function T.stop_reports_sigint_and_escalation()
  local p <close> = assert(medprof.spawn{ "sleep", "30" })
  local st = assert(p:stop{ grace = 5 })
  check.eq(st.state, "signaled")
  check.eq(st.signal, "SIGINT")
  check.eq(st.stopped_by, "SIGINT")
  local stubborn <close> = assert(medprof.spawn{ "sh", "-c",
    "trap '' INT TERM; echo ready; while :; do sleep 0.05; done", stdout = "pipe" })
  check.truthy(stubborn:read("stdout", 5):find("ready"), "ready line")
  st = assert(stubborn:stop{ grace = 0.2, term_grace = 0.2 })
  check.eq(st.signal, "SIGKILL")
  check.eq(st.stopped_by, "SIGKILL")
end

function T.wait_ready_against_node_and_a_dying_child()
  local port = check.free_port()
  local server <close> = assert(medprof.spawn{ "node", "examples/server.js",
    env = { PORT = tostring(port) }, stderr = "null" })
  check.eq(type(server.pid), "number")
  assert(server:wait_ready{ url = ("http://127.0.0.1:%d/healthcheck"):format(port), timeout = 20 })
  local st = assert(server:stop{ grace = 5 })
  check.eq(st.text, "exited with code 0") -- server.js exits 0 on SIGINT
  local dying <close> = assert(medprof.spawn{ "sh", "-c", "exit 4" })
  local ok, msg, code, status = dying:wait_ready{ port = port, timeout = 20 }
  check.eq(ok, nil)
  check.eq(code, "MP_ERR_CHILD_EXITED")
  check.match(msg, "exited with code 4")
  check.eq(status.code, 4)
end

function T.close_stops_the_child_and_the_object_reports_closed()
  local pid
  do
    local p <close> = assert(medprof.spawn{ "sleep", "30" })
    pid = p.pid
    check.truthy(alive(pid), "child running")
  end
  check.truthy(not alive(pid), "child gone after <close>")
  local p = assert(medprof.spawn{ "sleep", "30" })
  pid = p.pid
  p:close()
  check.eq(tostring(p), "medprof.Proc (closed)")
  check.eq(p.pid, nil)
  check.raises("closed process", p.stop, p)
  check.truthy(not alive(pid), "child gone after close()")
end

function T.gc_stops_an_abandoned_child()
  local pid = assert(medprof.spawn{ "sleep", "30" }).pid
  collectgarbage()
  collectgarbage()
  check.truthy(not alive(pid), "child gone after collection")
end

function T.newfiles_finds_what_appeared_since()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir " .. dir))
  local function touch(name, when)
    assert(os.execute(("touch -d @%d %s/%s"):format(when, dir, name)))
  end
  local now = math.floor(medprof.wall())
  touch("isolate-0xold-v8.log", now - 60)
  touch("isolate-0xa-v8.log", now + 1)
  touch("isolate-0xb-v8.log", now + 2)
  touch("notes.txt", now + 3)
  local files = assert(medprof.newfiles(dir, "isolate-*-v8.log", now))
  check.eq(#files, 2)
  check.eq(files[1], dir .. "/isolate-0xb-v8.log")
  check.eq(files[2], dir .. "/isolate-0xa-v8.log")
  check.eq(#assert(medprof.newfiles(dir, "*.log")), 3)
  local none, msg = medprof.newfiles(dir .. "/missing", "*")
  check.eq(none, nil)
  check.match(msg, "missing")
  assert(os.execute("rm -r " .. dir))
end

function T.time_helpers()
  local t0 = medprof.now()
  medprof.sleep(0.05)
  check.truthy(medprof.now() - t0 >= 0.045, "slept")
  check.truthy(math.abs(medprof.wall() - os.time()) < 2, "wall clock")
  check.eq(medprof._VERSION:match("^%d+%.%d+%.%d+$") ~= nil, true)
end

local spec = {
  name = "t", usage = "[options] URL",
  { "count", "c", "integer", "virtual users", default = 10 },
  { "rate", nil, "number", "per second" },
  { "header", "H", "list", "header" },
  { "quiet", "q", "flag", "quiet" },
  { "term-grace", nil, "number", "grace" },
}

function T.args_parse_values_flags_lists_and_rest()
  local o, rest = args.try_parse({ "-c", "20", "--rate=2.5", "-H", "A: 1", "--header", "B: 2",
    "-q", "--term-grace", "3", "http://x/", "--", "--not-an-option" }, spec)
  check.eq(o.count, 20)
  check.eq(o.rate, 2.5)
  check.eq(#o.header, 2)
  check.eq(o.header[2], "B: 2")
  check.eq(o.quiet, true)
  check.eq(o.term_grace, 3)
  check.eq(rest[1], "http://x/")
  check.eq(rest[2], "--not-an-option")
  o = args.try_parse({ "--no-quiet" }, spec)
  check.eq(o.quiet, false)
  check.eq(o.count, 10)
end

-- The options given, apart from the defaults; node's parseBool for "bool" options.
function T.args_given_and_node_booleans()
  local bools = { name = "t", { "count", "c", "integer", "users", default = 10 },
                  { "separate-ic", nil, "bool", "as node" }, { "quiet", "q", "flag", "quiet" } }
  local o, rest, given = args.try_parse({ "--separate-ic=true", "-q", "x" }, bools)
  check.eq(o.count, 10, "default")
  check.eq(given.count, nil, "a default is not given")
  check.eq(given.separate_ic and given.quiet, true, "given")
  check.eq(o.separate_ic, true, "=true")
  check.eq(rest[1], "x", "rest")
  o, _, given = args.try_parse({ "-c", "10", "--separate-ic" }, bools)
  check.eq(given.count, true, "the default's value, given")
  check.eq(o.separate_ic, false, "bare: false, as node's parseBool")
  check.eq(args.try_parse({ "--separate-ic=1" }, bools).separate_ic, true, "=1")
  check.eq(args.try_parse({ "--separate-ic=yes" }, bools).separate_ic, false, "=yes")
  check.eq(args.try_parse({ "--no-separate-ic" }, bools).separate_ic, false, "--no-")
  check.match(args.help(bools), "\n      %-%-separate%-ic%s+as node\n")
end

-- medprof.interruptible: a function's results pass through, its errors go on up; Ctrl+C
-- (here the CLI's SIGINT) ends the function only, with the fail triple.
function T.interruptible_ends_the_function_only()
  local a, b = medprof.interruptible(function(x) return x, 2 end, 1)
  check.eq(a, 1)
  check.eq(b, 2)
  check.raises("boom", medprof.interruptible, function() error("boom") end)
  local script = check.temp_file([[
    local pid = io.open("/proc/self/stat"):read("n")
    os.execute(("(sleep 0.3; kill -INT %d) &"):format(pid))
    local r, msg, code = medprof.interruptible(function() medprof.sleep(10) return "slept" end)
    print(r, msg, code)
    ]])
  local self = arg and arg[-1]
  local bin = os.getenv("MEDPROF_BIN") or (self and self:match("medprof$") and self)
              or check.medprof_bin()
  local out, rc = check.run(("%s run %s"):format(bin, script))
  os.remove(script)
  check.eq(out, "nil\tinterrupted\tMP_ERR_INTERRUPTED\n", "the script went on")
  check.eq(rc, 0, "exit code")
end

function T.args_reject_bad_input_with_a_message()
  local o, msg = args.try_parse({ "--cuont", "3" }, spec)
  check.eq(o, nil)
  check.match(msg, "unknown option '%-%-cuont'")
  o, msg = args.try_parse({ "--count", "many" }, spec)
  check.match(msg, "wants an integer, not 'many'")
  o, msg = args.try_parse({ "--count" }, spec)
  check.match(msg, "needs a value")
  o, msg = args.try_parse({ "--quiet=yes" }, spec)
  check.match(msg, "takes no value")
  check.match(args.help(spec), "%-c, %-%-count INTEGER%s+virtual users %(default 10%)")
end

return T
