-- Folded stacks from Lua and from `medprof process --format folded`.
local medprof = require "medprof"
local check = require "check"

local SMALL, SYMS = "tests/data/node20/small-v8.log", "tests/data/tick-small.syms"

local function sum(folded)
  local total, lines = 0, 0
  for count in folded:gmatch(" (%d+)\n") do
    total = total + tonumber(count)
    lines = lines + 1
  end
  return total, lines
end

local T = {}

function T.folded_stacks_add_up_to_the_ticks()
  local prof <close> = assert(medprof.ticklog(SMALL, { symbol_list = SYMS, stacks = true }))
  local total, lines = sum(prof:folded())
  check.eq(total, prof:summary().ticks)
  check.truthy(lines > 10, "distinct stacks")
end

function T.folded_needs_stacks_at_open()
  local prof <close> = assert(medprof.ticklog(SMALL, { symbol_list = SYMS }))
  check.raises("stacks = true", prof.folded, prof)
end

function T.viewer_timelines_need_samples_at_open()
  -- stacks alone keep the aggregated tree (bounded by distinct stacks), not a sample per tick
  local stacks <close> = assert(medprof.ticklog(SMALL, { symbol_list = SYMS, stacks = true }))
  check.raises("samples = true", stacks.cpuprofile, stacks)
  check.raises("samples = true", stacks.speedscope, stacks)
  check.match(stacks:flamegraph{}, "^<%?xml")
  local samples <close> = assert(medprof.ticklog(SMALL, { symbol_list = SYMS, samples = true }))
  local cpu = medprof.json.decode(samples:cpuprofile())
  check.eq(#cpu.samples, samples:summary().ticks)
  check.eq(#cpu.timeDeltas, #cpu.samples)
  check.truthy(#samples:folded() > 0, "samples imply stacks")
end

function T.process_format_folded()
  local out, code = check.run(("%s process --format folded --symbol-list %s %s")
                              :format(check.medprof_bin(), SYMS, SMALL))
  check.eq(code, 0)
  check.eq((sum(out)), 410)
  check.match(out, "^[^\n]+ %d+\n")
end

return T
