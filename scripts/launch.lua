-- start a server, wait until it answers, then stop it like Ctrl+C and say how it ended
local medprof = require "medprof"
local args = require "medprof.args"

local spec = {
  name = "launch",
  usage = "[options] -- COMMAND [ARGS...]",
  summary = "Starts COMMAND in its own process group, waits until --ready URL answers 2xx (or\n" ..
            "--port accepts), then stops it with SIGINT (SIGTERM, then SIGKILL after the grace\n" ..
            "periods) and reports how it ended. With --hold it keeps the server up until\n" ..
            "Ctrl+C or until the server exits by itself.",
  { "ready", "r", "string", "URL that must answer 2xx", metavar = "URL" },
  { "port", "p", "integer", "TCP port that must accept (instead of --ready)" },
  { "timeout", "t", "number", "seconds to wait for readiness", default = 30 },
  { "grace", nil, "number", "seconds to wait after SIGINT", default = 10 },
  { "cwd", nil, "string", "working directory of the server", metavar = "DIR" },
  { "env", "e", "list", "NAME=VALUE for the server's environment (repeatable)" },
  { "log", nil, "string", "send the server's stdout and stderr to a new FILE", metavar = "FILE" },
  { "force", nil, "flag", "let --log overwrite an existing FILE" },
  { "hold", nil, "flag", "keep it running until Ctrl+C" },
}

local o, command = args.parse(arg, spec)
if #command == 0 then args.die("launch", "no command given (put it after --)", 2) end
if not o.ready and not o.port then args.die("launch", "give --ready URL or --port N", 2) end

local function say(fmt, ...) io.stdout:write("medprof launch: ", fmt:format(...), "\n") io.stdout:flush() end

local env = args.env(o.env, "launch")

local spawn = { env = env, cwd = o.cwd }
for i, w in ipairs(command) do spawn[i] = w end
-- exclusive: an existing file (or a link planted there) is refused, never overwritten
if o.log then spawn.stdout, spawn.stderr, spawn.exclusive = o.log, "stdout", not o.force end

local t0 = medprof.now()
local server <close>, err, code = medprof.spawn(spawn)
if not server then
  args.die("launch", code == "MP_ERR_EXISTS" and err .. ": use --force to overwrite" or err)
end
say("started %s (pid %d)", table.concat(command, " "), server.pid)

local what = o.ready or ("port " .. o.port)
local ok, why, _, status = server:wait_ready{ url = o.ready, port = o.port, timeout = o.timeout }
if not ok then
  if status then args.die("launch", ("%s (after %.2f s)"):format(why, status.runtime)) end
  server:stop{ grace = o.grace }
  args.die("launch", why)
end
say("ready after %.2f s: %s answers", medprof.now() - t0, what)

if o.hold then
  say("holding; press Ctrl+C to stop the server")
  -- Ctrl+C ends the wait only: the server is then stopped below, like any other.
  local ended = medprof.interruptible(function() local st = server:wait() return st end)
  if ended then say("pid %d %s after %.2f s", server.pid, ended.text, ended.runtime) return end
end

say("stopping pid %d with SIGINT (grace %g s)", server.pid, o.grace)
local st, serr = server:stop{ grace = o.grace }
if not st then args.die("launch", serr) end
local how = st.stopped_by and st.stopped_by ~= "SIGINT" and
  (" — it ignored SIGINT; %s ended it"):format(st.stopped_by) or ""
say("pid %d %s after %.2f s%s", server.pid, st.text, st.runtime, how)
if st.group_killed then say("killed processes it left behind in its group") end
