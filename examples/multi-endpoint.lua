-- multi-endpoint.lua - a weighted mix of endpoints, like an artillery scenario with several
-- flows: one `medprof quick` per endpoint runs at the same time, each with virtual users in
-- proportion to its weight, and `medprof merge` sums their JSON reports exactly.
--
--   build/medprof run examples/multi-endpoint.lua [BASE_URL] [TOTAL_USERS] [REQUESTS_PER_USER]
local medprof = require "medprof"

local base = arg[1] or "http://127.0.0.1:8103"
local users = tonumber(arg[2]) or 20
local num = tonumber(arg[3]) or 50
local mix = {
  { path = "/healthcheck", weight = 5 },
  { path = "/Patient?name=smi", weight = 3 },
  { path = "/Patient/p42", weight = 1 },
  { path = "/Observation?patient=p7", weight = 1 },
}
local me = arg[-1] or "medprof" -- the medprof binary running this script

local total = 0
for _, m in ipairs(mix) do total = total + m.weight end
local runs, files = {}, {}
for i, m in ipairs(mix) do
  local count = math.max(1, math.floor(users * m.weight / total + 0.5))
  local file = os.tmpname() -- made empty by os.tmpname: this script's own, so --force
  files[i] = file
  runs[i] = assert(medprof.spawn{ me, "quick", "--quiet", "--count", tostring(count),
    "--num", tostring(num), "--output", file, "--force", base .. m.path })
  print(("%-26s weight %d: %d virtual users x %d requests"):format(m.path, m.weight, count, num))
end
for i, p in ipairs(runs) do
  local st = assert(p:wait(120))
  if st.code ~= 0 then print(("%s: medprof quick %s"):format(mix[i].path, st.text)) end
end
local merge = assert(medprof.spawn{ me, "merge", table.unpack(files) })
merge:wait(60)
for _, f in ipairs(files) do os.remove(f) end
