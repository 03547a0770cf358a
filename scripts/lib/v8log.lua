-- medprof.v8log: what a V8 tick log (node --prof) names, read without processing it, for
-- `medprof symbols --from-log` and for recipes.
--
--   local v8log = require "medprof.v8log"
--   local libs, err = v8log.libraries("isolate-0x1-v8.log") -- { "/usr/bin/node", ... }
local M = {}

-- V8's log escapes, undone left to right: \\, \n, \xHH, \uHHHH (as UTF-8).
function M.unescape(s)
  if not s:find("\\", 1, true) then return s end
  local out, i = {}, 1
  while i <= #s do
    local b = s:find("\\", i, true)
    if not b then out[#out + 1] = s:sub(i) break end
    out[#out + 1] = s:sub(i, b - 1)
    local c = s:sub(b + 1, b + 1)
    local hex2, hex4 = s:match("^x(%x%x)", b + 1), s:match("^u(%x%x%x%x)", b + 1)
    if c == "\\" then out[#out + 1] = "\\" i = b + 2
    elseif c == "n" then out[#out + 1] = "\n" i = b + 2
    elseif hex2 then out[#out + 1] = string.char(tonumber(hex2, 16)) i = b + 4
    elseif hex4 then out[#out + 1] = utf8.char(tonumber(hex4, 16)) i = b + 6
    else out[#out + 1] = "\\" i = b + 1 end
  end
  return table.concat(out)
end

-- Not a file: the kernel's [vdso] and [vsyscall], and anonymous ranges ("7f00-7f10").
function M.is_pseudo(lib)
  return lib == "[vdso]" or lib == "[vsyscall]" or lib:match("^%x+%-%x+$") ~= nil
end

-- The library names of a log's shared-library records, first appearance first (pseudo
-- ones included). → list | nil, message
function M.libraries(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local seen, list, carry = {}, {}, "\n"
  while true do
    local chunk = f:read(1 << 20)
    if not chunk then break end
    local text = carry .. chunk
    local lastnl = text:find("\n[^\n]*$")
    -- complete lines are those before the last newline; the rest waits for the next chunk
    for name in text:sub(1, lastnl - 1):gmatch("\nshared%-library,([^,\n]*)") do
      name = M.unescape(name)
      if not seen[name] then seen[name] = true list[#list + 1] = name end
    end
    carry = text:sub(lastnl)
  end
  f:close()
  return list -- a last line without a newline is dropped, as node's reader drops it
end

return M
