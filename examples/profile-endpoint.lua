-- profile-endpoint.lua - the seed's routine for one endpoint, written out over the primitives
-- (what `medprof profile` does, in ~40 lines you can adapt to your own server).
--
--   build/medprof run examples/profile-endpoint.lua ['/Patient?name=smi'] [PORT]
local medprof = require "medprof"

local path = arg[1] or "/Patient?name=smi"
local port = tonumber(arg[2]) or 8103
local url = ("http://127.0.0.1:%d%s"):format(port, path)
local here = os.getenv("PWD")
local out = os.tmpname()
os.remove(out)
assert(medprof.output_dir(out))

-- 1. NODE_ENV=production node --prof server.js, in the output directory so the log lands there
local server <close> = assert(medprof.spawn{ "node", "--prof", here .. "/examples/server.js",
  env = { NODE_ENV = "production", PORT = tostring(port) }, cwd = out,
  stdout = out .. "/server.log", stderr = "stdout" })
assert(server:wait_ready{ url = ("http://127.0.0.1:%d/healthcheck"):format(port), timeout = 30 })

-- 2. artillery quick --count 20 --num 100 URL
local result = assert(medprof.quick{ url = url, count = 20, num = 100 })
io.write(result:report())

-- 3. Ctrl+C
local st = assert(server:stop{ grace = 10 })
print(("server %s"):format(st.text))

-- 4. node --prof-process isolate-0x…-v8.log > processed.txt
local logs = assert(medprof.newfiles(out, ("isolate-*-%d-v8.log"):format(server.pid), server.started))
assert(#logs > 0, "no tick log was written")
local prof = assert(medprof.ticklog(logs[1]))
local f = assert(medprof.create(out .. "/processed.txt")) -- never over an existing file
f:write(prof:report{})
f:close()

print("\ntop JavaScript:")
for _, row in ipairs(prof:top{ section = "js", n = 5 }) do
  print(("  %6d  %5.1f%%  %s"):format(row.ticks, row.pct, row.name))
end
print("processed.txt: " .. out .. "/processed.txt")
