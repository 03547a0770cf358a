-- sweep.lua - throughput and latency against concurrency: 1, 2, 4 … 64 connections, a row
-- each, and the knee marked (the first level that adds less than 10 % throughput).
--
--   build/medprof run examples/sweep.lua URL [SECONDS_PER_LEVEL] [MAX_CONNECTIONS]
local medprof = require "medprof"

local url = arg[1] or "http://127.0.0.1:8103/healthcheck"
local seconds = tonumber(arg[2]) or 2
local max = tonumber(arg[3]) or 64

print(("%6s %10s %10s %10s  %s"):format("conns", "req/s", "p50 ms", "p99 ms", ""))
local previous, knee
local c = 1
while c <= max do
  local r = assert(medprof.load{ url = url, connections = c, duration = seconds })
  local note = ""
  if not knee and previous and r.rate < previous * 1.10 then
    knee = c
    note = "<- knee: more connections add under 10 % throughput, only latency"
  end
  if next(r.errors) then note = note .. " (errors)" end
  print(("%6d %10d %10.2f %10.2f  %s"):format(c, r.rate, r.latency:percentile(50) / 1000,
                                             r.latency:percentile(99) / 1000, note))
  previous = r.rate
  c = c * 2
end
if not knee then print("no knee up to " .. max .. " connections: throughput still grows") end
