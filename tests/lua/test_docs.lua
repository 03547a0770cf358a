-- Every ```lua example in docs/lua.md runs (output muted): the documentation cannot drift
-- from the API.
local medprof = require "medprof"

local T = {}

local function examples()
  local f = assert(io.open("docs/lua.md"))
  local text = f:read("a")
  f:close()
  local list = {}
  for code in text:gmatch("```lua\n(.-)```") do list[#list + 1] = code end
  return list
end

local function muted_env()
  local quiet_io = setmetatable({ write = function() end }, { __index = io })
  return setmetatable({ medprof = medprof, print = function() end, io = quiet_io, arg = {} },
                      { __index = _G })
end

for i, code in ipairs(examples()) do
  local first = code:match("[^\n]*")
  T[("example_%02d %s"):format(i, first)] = function()
    local chunk = assert(load(code, "=docs/lua.md example " .. i, "t", muted_env()))
    chunk()
  end
end

function T.there_are_examples()
  assert(#examples() >= 8, "docs/lua.md lost its examples")
end

return T
