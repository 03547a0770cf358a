-- medprof.shares: each function's share of a profile's ticks, and what moved between two
-- profiles, for `medprof diff` and for recipes.
--
--   local shares = require "medprof.shares"
--   local before = shares.of_log(prof)   -- a medprof.ticklog read with stacks = true
--   local after = shares.of_json(data)   -- `medprof process --format json`, decoded
--   for _, row in ipairs(shares.compare(before, after)) do
--     print(row.name, row.self, row.total) -- changes in points of %
--   end
--
-- A profile's shares: { self = { [name] = %, ... }, total = { [name] = %, ... }, ticks = n }.
-- self: the function itself was running; total: it was on the stack (once per stack, however
-- often it recurses); in % of the profile's ticks.
local M = {}

local function percent(self, total, ticks)
  for _, t in ipairs{ self, total } do
    for k, v in pairs(t) do t[k] = v * 100 / math.max(ticks, 1) end
  end
  return { self = self, total = total, ticks = ticks }
end

-- From a log, through its folded stacks.
function M.of_log(prof)
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
  return percent(self, total, ticks)
end

-- From a JSON profile: the section rows give self ticks, on_stack the totals.
function M.of_json(data)
  local self, total = {}, {}
  for _, section in ipairs{ "javascript", "cpp", "shared" } do
    for _, row in ipairs(data[section] or {}) do self[row.name] = row.ticks end
  end
  if (data.ticks.unaccounted or 0) > 0 then self.UNKNOWN = data.ticks.unaccounted end
  for _, row in ipairs(data.on_stack) do total[row.name] = row.ticks end
  return percent(self, total, data.ticks.total - (data.ticks.excluded or 0))
end

-- Every name of either profile: { name =, self =, total = (the changes), self_before =,
-- self_after =, total_before =, total_after = }, the biggest change (self or total) first.
function M.compare(before, after)
  local names, rows = {}, {}
  for name in pairs(before.total) do names[name] = true end
  for name in pairs(after.total) do names[name] = true end
  for name in pairs(names) do
    local row = { name = name, self_before = before.self[name] or 0, self_after = after.self[name] or 0,
                  total_before = before.total[name] or 0, total_after = after.total[name] or 0 }
    row.self, row.total = row.self_after - row.self_before, row.total_after - row.total_before
    rows[#rows + 1] = row
  end
  table.sort(rows, function(a, b)
    local ka, kb = math.max(math.abs(a.self), math.abs(a.total)), math.max(math.abs(b.self), math.abs(b.total))
    if ka ~= kb then return ka > kb end
    return a.name < b.name
  end)
  return rows
end

return M
