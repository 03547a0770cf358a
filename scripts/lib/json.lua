-- medprof.json: JSON for reports and option files, in plain Lua.
--
--   local json = require "medprof.json"   (also medprof.json)
--   json.encode(value [, { indent = true }]) → string     keys sorted, so output is stable
--   json.decode(text) → value | nil, "message at byte N"
--
-- Tables with keys 1..n (and no others) are arrays, other tables objects; an empty table is
-- an object unless it has the metatable json.array_mt. JSON null decodes to json.null.
local M = {}

M.null = setmetatable({}, { __tostring = function() return "null" end, __name = "json.null" })
M.array_mt = { __name = "json.array" }

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
                  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

local function encode_string(s)
  return '"' .. s:gsub('[%c"\\<>&]', function(c)
    return escapes[c] or ("\\u%04x"):format(c:byte())
  end) .. '"'
end

local function is_array(t)
  if getmetatable(t) == M.array_mt then return true end
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local encode_value

local function encode_table(t, indent, depth, seen)
  if seen[t] then error("json.encode: a table contains itself", 0) end
  seen[t] = true
  local nl, pad, inner = "", "", ""
  if indent then
    nl = "\n"
    pad = ("  "):rep(depth)
    inner = ("  "):rep(depth + 1)
  end
  local parts = {}
  local open, close
  if is_array(t) then
    open, close = "[", "]"
    for i = 1, #t do parts[i] = inner .. encode_value(t[i], indent, depth + 1, seen) end
  else
    open, close = "{", "}"
    local keys = {}
    for k in pairs(t) do
      if type(k) ~= "string" and type(k) ~= "number" then
        error("json.encode: object keys must be strings or numbers, not " .. type(k), 0)
      end
      keys[#keys + 1] = tostring(k)
    end
    table.sort(keys)
    for i, k in ipairs(keys) do
      local v = t[k]
      if v == nil then v = t[tonumber(k)] end
      parts[i] = inner .. encode_string(k) .. (indent and ": " or ":") ..
                 encode_value(v, indent, depth + 1, seen)
    end
  end
  seen[t] = nil
  if #parts == 0 then return open .. close end
  return open .. nl .. table.concat(parts, "," .. nl) .. nl .. pad .. close
end

function encode_value(v, indent, depth, seen)
  local kind = type(v)
  if v == M.null or v == nil then return "null"
  elseif kind == "boolean" then return tostring(v)
  elseif kind == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    if math.type(v) == "integer" then return tostring(v) end
    if v == math.floor(v) and math.abs(v) < 2^53 then return ("%d"):format(v) end
    for digits = 15, 17 do -- the shortest form that reads back as v
      local text = ("%." .. digits .. "g"):format(v)
      if tonumber(text) == v then return text end
    end
  elseif kind == "string" then return encode_string(v)
  elseif kind == "table" then return encode_table(v, indent, depth, seen)
  end
  error("json.encode: cannot encode a " .. kind, 0)
end

function M.encode(value, opts)
  return encode_value(value, opts and opts.indent, 0, {})
end

-- ---- decoding ----------------------------------------------------------------------------

local decode_value

local function fail(text, pos, what)
  error({ json_error = ("%s at byte %d"):format(what, pos) }, 0)
end

local function skip(text, pos)
  return text:find("[^ \t\r\n]", pos) or #text + 1
end

local function utf8_of(code)
  return utf8.char(code)
end

local function decode_string(text, pos)
  local out, i = {}, pos + 1
  while true do
    local j = text:find('["\\%c]', i)
    if not j then fail(text, pos, "unterminated string") end
    out[#out + 1] = text:sub(i, j - 1)
    local c = text:sub(j, j)
    if c == '"' then return table.concat(out), j + 1 end
    if c ~= "\\" then fail(text, j, "control character in string") end
    local e = text:sub(j + 1, j + 1)
    local simple = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n",
                     r = "\r", t = "\t" }
    if simple[e] then
      out[#out + 1] = simple[e]
      i = j + 2
    elseif e == "u" then
      local hex = text:match("^%x%x%x%x", j + 2)
      if not hex then fail(text, j, "bad \\u escape") end
      local code = tonumber(hex, 16)
      i = j + 6
      if code >= 0xD800 and code <= 0xDBFF then
        local low = text:match("^\\u(%x%x%x%x)", i)
        local lc = low and tonumber(low, 16)
        if lc and lc >= 0xDC00 and lc <= 0xDFFF then
          code = 0x10000 + (code - 0xD800) * 0x400 + (lc - 0xDC00)
          i = i + 6
        else
          code = 0xFFFD
        end
      elseif code >= 0xDC00 and code <= 0xDFFF then
        code = 0xFFFD
      end
      out[#out + 1] = utf8_of(code)
    else
      fail(text, j, "bad escape")
    end
  end
end

local function decode_array(text, pos, depth)
  local arr = setmetatable({}, M.array_mt)
  pos = skip(text, pos + 1)
  if text:sub(pos, pos) == "]" then return arr, pos + 1 end
  while true do
    local v
    v, pos = decode_value(text, pos, depth + 1)
    arr[#arr + 1] = v
    pos = skip(text, pos)
    local c = text:sub(pos, pos)
    if c == "]" then return arr, pos + 1 end
    if c ~= "," then fail(text, pos, "expected ',' or ']'") end
    pos = skip(text, pos + 1)
  end
end

local function decode_object(text, pos, depth)
  local obj = {}
  pos = skip(text, pos + 1)
  if text:sub(pos, pos) == "}" then return obj, pos + 1 end
  while true do
    if text:sub(pos, pos) ~= '"' then fail(text, pos, "expected a string key") end
    local k
    k, pos = decode_string(text, pos)
    pos = skip(text, pos)
    if text:sub(pos, pos) ~= ":" then fail(text, pos, "expected ':'") end
    pos = skip(text, pos + 1)
    obj[k], pos = decode_value(text, pos, depth + 1)
    pos = skip(text, pos)
    local c = text:sub(pos, pos)
    if c == "}" then return obj, pos + 1 end
    if c ~= "," then fail(text, pos, "expected ',' or '}'") end
    pos = skip(text, pos + 1)
  end
end

function decode_value(text, pos, depth)
  if depth > 500 then fail(text, pos, "nested too deeply") end
  pos = skip(text, pos)
  local c = text:sub(pos, pos)
  if c == "{" then return decode_object(text, pos, depth)
  elseif c == "[" then return decode_array(text, pos, depth)
  elseif c == '"' then return decode_string(text, pos)
  elseif text:find("^true", pos) then return true, pos + 4
  elseif text:find("^false", pos) then return false, pos + 5
  elseif text:find("^null", pos) then return M.null, pos + 4
  end
  local num = text:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
  if num and num ~= "" and num ~= "-" then
    local v = math.tointeger(tonumber(num)) or tonumber(num)
    if v then return v, pos + #num end
  end
  fail(text, pos, pos > #text and "unexpected end of input" or "unexpected character")
end

function M.decode(text)
  if type(text) ~= "string" then error("json.decode: string expected, got " .. type(text), 2) end
  local ok, value, pos = pcall(decode_value, text, 1, 0)
  if not ok then
    if type(value) == "table" and value.json_error then return nil, value.json_error end
    error(value, 0)
  end
  pos = skip(text, pos)
  if pos <= #text then return nil, ("trailing data at byte %d"):format(pos) end
  return value
end

return M
