-- medprof.console: what a load run shows while it runs, as artillery's console does: the
-- phase's lines and an intermediate report every 10-second period (or, on a terminal, a live
-- line on stderr instead of the reports); and each period's JSON for the report file.
--
--   local console = require "medprof.console"
--   local c = console.new{
--     text = true,      -- artillery's text on stdout (the phase's lines, the period reports)
--     progress = true,  -- a live line on a terminal, period reports otherwise
--     json = true,      -- keep each period's JSON in c.intermediate, for r:json{}
--     phase = { name = nil, index = 0, duration = 1, arrived = 0.9 }, -- or nil: no phase
--   }
--   c:attach(opts)      -- sets opts.progress and opts.period as needed
--   c:start()           -- just before the run
--   local r = medprof.quick(opts)
--   c:finish(r)         -- clears the live line; after a run (r), ends the phase and prints
--                       -- "All VUs finished"
--
-- phase.arrived: seconds after the start when the last virtual user has arrived, which is
-- when artillery calls the phase completed.
local medprof = require "medprof"

local M = {}
local Console = {}
Console.__index = Console

local function out(s) io.stdout:write(s) io.stdout:flush() end

function M.new(o)
  local c = setmetatable({ intermediate = {}, phase = o.text and o.phase or nil,
                           progress = o.progress, keep_json = o.json }, Console)
  c.live = o.progress and medprof.isatty(2)
  c.print_periods = o.progress and not c.live and o.text
  c.started, c.completed = c.phase == nil, c.phase == nil
  return c
end

-- "Phase started" is printed once the run is under way, so that a run that cannot start
-- (a bad URL, https) prints only its error.
function Console:phase_started()
  if self.started then return end
  self.started = true
  local p = self.phase
  out(medprof.phase_report{ name = p.name, index = p.index or 0, duration = p.duration,
                            at = self.start_wall })
end

function Console:phase_completed(now_wall)
  if self.completed or now_wall < self.start_wall + (self.phase.arrived or 0) then return end
  self.completed = true
  local p = self.phase
  out(medprof.phase_report{ name = p.name, index = p.index or 0, duration = p.duration,
                            completed = true })
end

function Console:on_progress(p)
  self:phase_started()
  self:phase_completed(medprof.wall())
  if self.live then
    io.stderr:write(("\r  %5.1fs  requests %d  responses %d  %d/sec  errors %d  p99 %.1f ms   ")
      :format(p.elapsed, p.requests, p.responses, math.floor(p.rate + 0.5), p.errors, p.p99_ms))
    io.stderr:flush()
    self.shown = true
  end
end

function Console:on_period(p)
  if self.keep_json then self.intermediate[#self.intermediate + 1] = p:period_json() end
  if not self.print_periods then return end
  self:phase_started()
  self:phase_completed(p.start + p.duration)
  out(p:period_report())
end

function Console:attach(opts)
  if self.progress then opts.progress = function(p) self:on_progress(p) end end
  if self.print_periods or self.keep_json then opts.period = function(p) self:on_period(p) end end
end

function Console:start()
  self.start_wall = medprof.wall()
end

function Console:finish(r)
  if self.shown then io.stderr:write("\r", (" "):rep(79), "\r") end
  if not r or not self.phase then return end
  self:phase_started()
  if not self.completed then self:phase_completed(math.huge) end
  out(medprof.vus_finished_report(r.duration))
end

return M
