-- compare.lua - profile a server before and after a change, then show the functions whose
-- share of ticks moved most, and the p99 change.
--
--   build/medprof run examples/compare.lua URL 'node before.js' 'node after.js'
--   build/medprof run examples/compare.lua --git REV_A REV_B URL 'node dist/index.js'
-- With --git, each revision is checked out into a temporary git worktree and the command runs
-- there.
local medprof = require "medprof"
local workflow = require "medprof.workflow"

local function words(s) local t = {} for w in s:gmatch("%S+") do t[#t + 1] = w end return t end

-- Runs argv (no shell: a revision name is one argument, whatever characters it has) → ok.
local function run(argv)
  local p = assert(medprof.spawn(argv))
  local st = assert(p:wait())
  p:close()
  return st.state == "exited" and st.code == 0
end

local sides = {}
if arg[1] == "--git" then
  local url, cmd = arg[4], arg[5]
  for i = 2, 3 do
    local dir = os.tmpname()
    os.remove(dir)
    assert(run{ "git", "worktree", "add", "--detach", "-q", dir, arg[i] },
           "git worktree add failed for " .. arg[i])
    sides[#sides + 1] = { name = arg[i], url = url, command = words(cmd), cwd = dir, worktree = dir }
  end
else
  local url = assert(arg[1], "usage: compare.lua URL 'CMD A' 'CMD B'")
  sides[1] = { name = "A", url = url, command = words(assert(arg[2], "command A missing")) }
  sides[2] = { name = "B", url = url, command = words(assert(arg[3], "command B missing")) }
end

-- Share of all ticks per function name, over the JavaScript and C++ rows.
local function shares(prof)
  local s, total = {}, prof:summary().ticks
  for _, section in ipairs{ "js", "cpp" } do
    for _, row in ipairs(prof:top{ section = section, n = 1000 }) do
      s[row.name] = row.ticks * 100 / total
    end
  end
  return s
end

for _, side in ipairs(sides) do
  local out = os.tmpname()
  os.remove(out)
  assert(medprof.output_dir(out))
  local profiled = assert(workflow.profile{ command = side.command, url = side.url,
                                            cwd = side.cwd, out = out,
                                            load = { count = 20, num = 100 } })
  local result = profiled.result
  side.p99 = result.latency:percentile(99) / 1000
  side.shares = shares(assert(profiled.profiles[1], "no profile").prof)
  if side.worktree then run{ "git", "worktree", "remove", "--force", side.worktree } end
  print(("%s: %d requests, p99 %.2f ms, files in %s"):format(side.name, result.requests,
                                                            side.p99, out))
end

local a, b = sides[1].shares, sides[2].shares
local moved = {}
for name in pairs(a) do moved[#moved + 1] = { name = name, delta = (b[name] or 0) - a[name] } end
for name in pairs(b) do if not a[name] then moved[#moved + 1] = { name = name, delta = b[name] } end end
table.sort(moved, function(x, y)
  if math.abs(x.delta) ~= math.abs(y.delta) then return math.abs(x.delta) > math.abs(y.delta) end
  return x.name < y.name
end)
print(("\n%8s %8s %8s  %s"):format(sides[1].name, sides[2].name, "change", "function (share of ticks, %)"))
for i = 1, math.min(15, #moved) do
  local m = moved[i]
  print(("%7.1f%% %7.1f%% %+7.1f   %s"):format(a[m.name] or 0, b[m.name] or 0, m.delta, m.name))
end
print(("\np99: %.2f ms -> %.2f ms (%+.1f %%)"):format(sides[1].p99, sides[2].p99,
      (sides[2].p99 - sides[1].p99) * 100 / math.max(sides[1].p99, 1e-9)))
