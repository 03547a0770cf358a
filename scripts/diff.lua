-- compare two profiles: the functions whose share of ticks moved most, or a differential flame graph
local medprof = require "medprof"
local args = require "medprof.args"

local spec = {
  name = "diff",
  usage = "[options] BEFORE AFTER",
  summary = "Reads two profiles (before and after a change): V8 tick logs, or JSON from\n" ..
            "`medprof process --format json`. Prints the functions by\n" ..
            "change in their share of ticks: self (the function itself was running) and total\n" ..
            "(it was on the stack), biggest movers first. --format svg draws AFTER's flame graph\n" ..
            "coloured by each frame's change against BEFORE: red grew, blue shrank (this needs\n" ..
            "the logs: JSON profiles carry no stacks).",
  { "format", "f", "string", "text (a table) or svg (a differential flame graph)", default = "text" },
  { "top", "n", "integer", "rows of the table", default = 25 },
  { "output", "o", "string", "write to a new FILE instead of stdout", metavar = "FILE" },
  { "force", nil, "flag", "let --output overwrite an existing FILE" },
  { "icicle", nil, "flag", "--format svg: roots at the top" },
  { "symbols", nil, "string", "C++ symbols from a `medprof symbols` file", metavar = "FILE" },
}

local o, logs = args.parse(arg, spec)
if #logs ~= 2 then args.die("diff", "give two profiles: BEFORE and AFTER", 2) end
if o.format ~= "text" and o.format ~= "svg" then
  args.die("diff", ("--format must be text or svg, not '%s'"):format(o.format), 2)
end
-- The output file before the work: an existing one is refused, never overwritten without --force.
local sink = args.create("diff", o.output, o.force)

-- A JSON profile starts with '{'; a V8 log never does.
local function is_json(path)
  local f = io.open(path)
  if not f then return false end
  local head = f:read(64) or ""
  f:close()
  return head:match("^%s*{") ~= nil
end

local profs, jsons = {}, {}
for i, log in ipairs(logs) do
  if is_json(log) then
    local f = assert(io.open(log))
    local data, jerr = medprof.json.decode(f:read("a"))
    f:close()
    if not data or type(data.on_stack) ~= "table" then
      args.die("diff", ("%s: not a `medprof process --format json` profile (%s)"):format(log,
        jerr or "no on_stack section"))
    end
    jsons[i] = data
  else
    local prof, err = medprof.ticklog(log, { stacks = true, symbols = o.symbols })
    if not prof then args.die("diff", err) end
    profs[i] = prof
  end
end
if o.format == "svg" and not (profs[1] and profs[2]) then
  args.die("diff", "--format svg needs two tick logs: JSON profiles carry no stacks", 2)
end

if o.format == "svg" then
  sink:write(profs[2]:flamegraph{ baseline = profs[1], icicle = o.icicle,
    title = ("%s vs %s (red: more of the ticks, blue: fewer)"):format(logs[2], logs[1]) })
  args.close("diff", sink)
  return
end

-- Self and total share of every name, in % of the profile's ticks. From a log, through the
-- folded stacks: a name counts once per stack for its total, however often it recurses.
local function shares_of_log(prof)
  local self, total, ticks = {}, {}, 0
  for stack, count in prof:folded():gmatch("([^\n]*) (%d+)\n") do
    count = tonumber(count)
    ticks = ticks + count
    local seen, last = {}, nil
    for name in stack:gmatch("[^;]+") do
      if not seen[name] then
        seen[name] = true
        total[name] = (total[name] or 0) + count
      end
      last = name
    end
    self[last] = (self[last] or 0) + count
  end
  return self, total, ticks
end

-- From a JSON profile: the section rows give self ticks, on_stack the totals.
local function shares_of_json(data)
  local self, total = {}, {}
  for _, section in ipairs{ "javascript", "cpp", "shared" } do
    for _, row in ipairs(data[section] or {}) do self[row.name] = row.ticks end
  end
  if (data.ticks.unaccounted or 0) > 0 then self.UNKNOWN = data.ticks.unaccounted end
  for _, row in ipairs(data.on_stack) do total[row.name] = row.ticks end
  return self, total, data.ticks.total - (data.ticks.excluded or 0)
end

local function shares(i)
  local self, total, ticks
  if jsons[i] then self, total, ticks = shares_of_json(jsons[i])
  else self, total, ticks = shares_of_log(profs[i]) end
  for _, t in ipairs{ self, total } do
    for k, v in pairs(t) do t[k] = v * 100 / math.max(ticks, 1) end
  end
  return self, total, ticks
end

local s1, t1, n1 = shares(1)
local s2, t2, n2 = shares(2)
local rows = {}
for name in pairs(t1) do rows[name] = true end
for name in pairs(t2) do rows[name] = true end
local list = {}
for name in pairs(rows) do
  list[#list + 1] = { name = name, self = (s2[name] or 0) - (s1[name] or 0),
                      total = (t2[name] or 0) - (t1[name] or 0) }
end
table.sort(list, function(a, b)
  local ka, kb = math.max(math.abs(a.self), math.abs(a.total)), math.max(math.abs(b.self), math.abs(b.total))
  if ka ~= kb then return ka > kb end
  return a.name < b.name
end)

sink:write(("before: %s (%d ticks)\nafter:  %s (%d ticks)\n\n"):format(logs[1], n1, logs[2], n2))
sink:write(("%-22s  %-22s  %s\n"):format("   self %: before after", "  total %: before after", "name"))
for i = 1, math.min(o.top, #list) do
  local r = list[i]
  sink:write(("%6.1f %6.1f %+7.1f   %6.1f %6.1f %+7.1f   %s\n"):format(s1[r.name] or 0, s2[r.name] or 0,
    r.self, t1[r.name] or 0, t2[r.name] or 0, r.total, r.name))
end
args.close("diff", sink)
