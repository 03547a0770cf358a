-- Assertions for the Lua tests: each raises with both values shown.
local M = {}

local function show(v)
  if type(v) == "string" then return ("%q"):format(v) end
  return tostring(v)
end

function M.eq(got, want, what)
  if got ~= want then
    error(("%s: expected %s, got %s"):format(what or "value", show(want), show(got)), 2)
  end
end

function M.truthy(v, what)
  if not v then error((what or "value") .. " is " .. show(v), 2) end
  return v
end

function M.match(s, pattern, what)
  if type(s) ~= "string" or not s:find(pattern) then
    error(("%s: %s does not match %q"):format(what or "string", show(s), pattern), 2)
  end
end

-- Calls f(...) and expects it to raise an error matching pattern.
function M.raises(pattern, f, ...)
  local ok, err = pcall(f, ...)
  if ok then error("expected an error matching " .. show(pattern), 2) end
  if not tostring(err):find(pattern) then
    error(("error %s does not match %s"):format(show(err), show(pattern)), 2)
  end
end

-- A free loopback port (bind to 0, read it back): node's server is told to use it.
function M.free_port()
  local medprof = require "medprof"
  local p = medprof.spawn{ "node", "-e",
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})",
    stdout = "pipe" }
  local out = ""
  for _ = 1, 100 do
    local chunk = p:read("stdout", 0.1)
    if not chunk then break end
    out = out .. chunk
    if out:find("\n") then break end
  end
  p:wait(5)
  p:close()
  return assert(math.tointeger(tonumber(out:match("%d+"))), "no free port")
end

function M.read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

function M.write_file(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

-- A new temporary file holding text; returns its path.
function M.temp_file(text)
  return M.write_file(os.tmpname(), text)
end

-- Runs a shell command → its output (stdout and stderr) and exit code.
function M.run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("a")
  local ok, _, code = p:close()
  return out, ok and 0 or code
end

-- The medprof binary, for tests that run it as a command.
function M.medprof_bin()
  return os.getenv("MEDPROF_BIN") or "build/medprof"
end

return M
