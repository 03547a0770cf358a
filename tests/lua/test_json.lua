-- medprof.json: encode/decode round trips, escaping, errors.
local medprof = require "medprof"
local check = require "check"
local json = medprof.json

local T = {}

function T.encode_is_stable_and_escaped()
  check.eq(json.encode({ b = 1, a = { 1, 2, 3 }, c = "x<y\n\"", d = 1.5, e = {}, f = json.null }),
    '{"a":[1,2,3],"b":1,"c":"x\\u003cy\\n\\"","d":1.5,"e":{},"f":null}')
  check.eq(json.encode(setmetatable({}, json.array_mt)), "[]")
  check.eq(json.encode(0.1), "0.1")
  check.eq(json.encode(1e300 * 1e10), "null")
  check.raises("contains itself", function() local t = {} t.t = t json.encode(t) end)
  check.raises("cannot encode a function", json.encode, { f = print })
end

function T.decode_reads_what_encode_writes()
  local v = { name = "é😀", list = { 1, 2.5, -3e-2, true, false }, nested = { deep = { "x" } } }
  local back = assert(json.decode(json.encode(v, { indent = true })))
  check.eq(back.name, v.name)
  check.eq(back.list[3], -3e-2)
  check.eq(back.list[5], false)
  check.eq(back.nested.deep[1], "x")
  check.eq(assert(json.decode('"\\ud83d\\ude00 \\u00e9"')), "😀 é")
  check.eq(assert(json.decode(" [ ] ")) ~= nil, true)
  check.eq(assert(json.decode("null")), json.null)
end

function T.decode_reports_bad_input_with_a_position()
  for text, pattern in pairs{ ['{"a": 1,}'] = "expected a string key at byte 9",
                              ["[1, 2"] = "at byte", ['"abc'] = "unterminated string",
                              ["1 2"] = "trailing data at byte 3", [""] = "end of input",
                              ['"\\x"'] = "bad escape", ["[" .. ("["):rep(600)] = "nested too deeply" } do
    local v, msg = json.decode(text)
    check.eq(v, nil, text)
    check.match(msg, pattern, text)
  end
  check.raises("string expected", json.decode, 42)
end

function T.probe_tells_a_taken_port_from_a_free_one()
  local port = check.free_port()
  local none, msg = medprof.probe{ port = port, timeout = 0.5 }
  check.eq(none, nil)
  check.match(msg, "refused")
  local server <close> = assert(medprof.spawn{ "node", "examples/server.js",
    env = { PORT = tostring(port) }, stderr = "null" })
  assert(server:wait_ready{ port = port, timeout = 20 })
  check.eq(medprof.probe{ port = port }, true)
  check.eq(medprof.probe{ url = ("http://127.0.0.1:%d/healthcheck"):format(port) }, true)
  local nf = medprof.probe{ url = ("http://127.0.0.1:%d/nope"):format(port) }
  check.eq(nf, nil)
  check.raises("give url= or port=", medprof.probe, {})
end

return T
