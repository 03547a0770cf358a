-- compare two profiles: the functions whose share of ticks moved most, or a differential flame graph
local medprof = require "medprof"
local args = require "medprof.args"
local shares = require "medprof.shares"

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

local function shares_of(i) return jsons[i] and shares.of_json(jsons[i]) or shares.of_log(profs[i]) end
local before, after = shares_of(1), shares_of(2)
sink:write(("before: %s (%d ticks)\nafter:  %s (%d ticks)\n\n"):format(logs[1], before.ticks, logs[2],
                                                                     after.ticks))
sink:write(("%-22s  %-22s  %s\n"):format("   self %: before after", "  total %: before after", "name"))
local rows = shares.compare(before, after)
for i = 1, math.min(o.top, #rows) do
  local r = rows[i]
  sink:write(("%6.1f %6.1f %+7.1f   %6.1f %6.1f %+7.1f   %s\n"):format(r.self_before, r.self_after,
    r.self, r.total_before, r.total_after, r.total, r.name))
end
args.close("diff", sink)
