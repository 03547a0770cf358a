-- combine JSON reports from `medprof quick -o` into one report, as if one run measured all
local medprof = require "medprof"
local args = require "medprof.args"

local spec = {
  name = "merge",
  usage = "[options] REPORT.json...",
  summary = "Reads reports written by `medprof quick --output` (runs side by side on several\n" ..
            "machines, or one after another) and prints the combined report: counters and\n" ..
            "histogram buckets are added, so percentiles are exact for the whole.",
  { "output", "o", "string", "write the combined JSON report to a new FILE", metavar = "FILE" },
  { "force", nil, "flag", "let --output overwrite an existing FILE" },
  { "format", "f", "string", "text or json", default = "text" },
  { "latency", nil, "flag", "also print a latency distribution table like wrk's" },
}

local o, files = args.parse(arg, spec)
if #files == 0 then args.die("merge", "give one or more JSON reports", 2) end
if o.format ~= "text" and o.format ~= "json" then args.die("merge", "--format must be text or json", 2) end
-- Made before anything is printed: an existing file is refused, not overwritten, unless --force.
local out = o.output and args.create("merge", o.output, o.force)

local total
for _, path in ipairs(files) do
  local f, err = io.open(path, "rb")
  if not f then args.die("merge", err) end
  local text = f:read("a")
  f:close()
  local r, rerr = medprof.load_result(text)
  if not r then args.die("merge", path .. ": " .. rerr) end
  if total then assert(total:merge(r)) else total = r end
end

if o.format == "json" then io.write(total:json()) else
  io.write(total:report())
  if o.latency then io.write("\n", total:latency_table()) end
end
if out then
  out:write(total:json())
  args.close("merge", out)
  if o.format == "text" and out ~= io.stdout then io.write("Log file: ", o.output, "\n") end
end
