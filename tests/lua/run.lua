-- Lua-level test runner: runs each test file given, where every file returns a table of
-- test functions (name → function), in name order. Prints one line per failure and a
-- summary line "lua-tests: N passed, N failed" that tests/run.sh reads.
--
--   medprof run tests/lua/run.lua tests/lua/test_*.lua
--   LUA_CPATH='build/?.so' lua5.4 tests/lua/run.lua tests/lua/test_*.lua
package.path = "tests/lua/?.lua;" .. package.path
local passed, failed = 0, 0

local function run_file(path)
  local chunk, err = loadfile(path)
  if not chunk then
    print(("FAIL %s: %s"):format(path, err))
    failed = failed + 1
    return
  end
  local ok, tests = xpcall(chunk, debug.traceback)
  if not ok or type(tests) ~= "table" then
    print(("FAIL %s: %s"):format(path, ok and "did not return a table of tests" or tests))
    failed = failed + 1
    return
  end
  local names = {}
  for name in pairs(tests) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local tok, terr = xpcall(tests[name], debug.traceback)
    if tok then
      passed = passed + 1
    else
      failed = failed + 1
      print(("FAIL %s %s: %s"):format(path, name, terr))
    end
  end
end

for i = 1, #arg do run_file(arg[i]) end
print(("lua-tests: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
