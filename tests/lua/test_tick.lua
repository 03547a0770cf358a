-- medprof.ticklog: the tick-log processor from Lua, against node's outputs in tests/data/node20.
local check = require "check"
local medprof = require "medprof"

local DATA = "tests/data/node20/"
local SMALL, SMALL_SYMS = DATA .. "small-v8.log", "tests/data/tick-small.syms"

local slurp, tmpfile = check.read_file, check.temp_file

local T = {}

function T.report_equals_node()
  local prof <close> = assert(medprof.ticklog(SMALL, { symbol_list = SMALL_SYMS }))
  check.eq(prof:report{ name = "small-v8.log" }, slurp(DATA .. "small.prof-process.txt"), "report")
  check.eq(prof:report{ name = "small-v8.log", only_summary = true },
           slurp(DATA .. "small.prof-process.onlysummary.txt"), "only_summary")
end

function T.options_mirror_node()
  local a <close> = assert(medprof.ticklog(SMALL, { symbol_list = SMALL_SYMS, ignore_unknown = true }))
  check.eq(a:report{ name = "small-v8.log" }, slurp(DATA .. "small.prof-process.ignoreunknown.txt"))
  local b <close> = assert(medprof.ticklog(SMALL, { symbol_list = SMALL_SYMS, separate_ic = false }))
  check.eq(b:report{ name = "small-v8.log" }, slurp(DATA .. "small.prof-process.separateic_false.txt"))
  local c <close> = assert(medprof.ticklog(SMALL, { symbol_list = SMALL_SYMS, state = "gc" }))
  local s = c:summary()
  check.eq(s.ticks, 410, "ticks")
  check.eq(s.excluded, 410 - 35, "non-GC ticks are excluded")
end

function T.window_marks_and_clock()
  local path = tmpfile(table.concat({
    "v8-version,11,3,244,8,-node.38,0",
    "code-creation,JS,10,250000,0x1000,2,__medprof_mark_7_1 :3:38,0x2000,~",
    "tick,0x1000,1000000,0,0x0,0", "tick,0x1000,2000000,0,0x0,0", "tick,0x1000,3000000,0,0x0,0",
    "" }, "\n"))
  local all <close> = assert(medprof.ticklog(path, { symbols = false }))
  check.eq(all:summary().ticks, 3, "no window")
  local marks = all:marks()
  check.eq(#marks, 1, "one mark")
  check.eq(marks[1].name, "__medprof_mark_7_1", "its name")
  check.eq(marks[1].ts, 250000, "its time")
  local c = assert(all:clock("__medprof_mark_7_1", 100.0, 100.5))
  check.truthy(math.abs(c.zero - 100.0) < 1e-9 and math.abs(c.error - 0.25) < 1e-9, "clock")
  local none, _, code = all:clock("__medprof_mark_8_1", 1, 2)
  check.eq(none, nil, "no such mark")
  check.eq(code, "MP_ERR_NOT_FOUND", "its code")
  local w <close> = assert(medprof.ticklog(path, { symbols = false, window = { 1.5, 3 } }))
  check.eq(w:summary().ticks, 2, "window")
  check.raises("window option", function() medprof.ticklog(path, { window = { 3, 1 } }) end)
  check.raises("window option", function() medprof.ticklog(path, { window = 2 }) end)
  os.remove(path)
end

function T.summary_top_and_tree()
  local prof <close> = assert(medprof.ticklog(SMALL, { symbol_list = SMALL_SYMS }))
  local s = prof:summary()
  check.eq(s.ticks, 410, "ticks")
  check.eq(s.unaccounted, 310, "unaccounted")
  check.eq(s.js, 52, "js")
  check.eq(s.cpp, 31, "cpp")
  check.eq(s.gc, 35, "gc")
  check.eq(s.shared, 17, "shared")
  local js = prof:top{ section = "js", n = 2 }
  check.eq(#js, 2, "n limits the rows")
  check.eq(js[1].name, "JS: *fib /srv/app/small/small.js:1:13", "top js name")
  check.eq(js[1].ticks, 42, "top js ticks")
  check.eq(string.format("%.1f", js[1].pct), "10.2", "top js pct")
  check.eq(prof:top{ section = "cpp", n = 1 }[1].name, "_IO_fwrite@@GLIBC_2.2.5", "top cpp")
  check.eq(prof:top{ section = "shared" }[1].ticks, 15, "top shared")
  local tree = prof:bottom_up()
  check.eq(tree.total, 410, "root")
  check.eq(tree.children[1].name, "UNKNOWN", "heaviest first")
  check.eq(tree.children[1].total, 310, "its ticks")
  check.eq(tree.children[1].children[1].name, "JS: *strWork /srv/app/small/small.js:2:17", "caller")
end

function T.json_report()
  local prof <close> = assert(medprof.ticklog(SMALL, { symbols = false }))
  local j = prof:report{ format = "json" }
  check.match(j, '^{"log":"tests/data/node20/small%-v8%.log"', "log name")
  check.match(j, '"ticks":{"total":410,"unaccounted":', "ticks")
  check.match(j, '"javascript":%[{"name":"JS: %*fib /srv/app/small/small.js:1:13","ticks":42,', "rows")
  check.match(j, '"bottom_up":{"name":"","ticks":410,"children":%[', "tree")
  check.raises("format option must be text or json", function() prof:report{ format = "xml" } end)
end

function T.merge_two_isolates()
  local prof <close> = assert(medprof.ticklog(SMALL, { symbols = false }))
  assert(prof:add(SMALL))
  check.eq(prof:summary().ticks, 820, "ticks add up")
  check.eq(prof:top{ section = "js", n = 1 }[1].ticks, 84, "rows add up")
  local ok, err, code = prof:add("/nonexistent/isolate.log")
  check.eq(ok, nil, "add of a missing file fails")
  check.match(err, "/nonexistent/isolate.log", "message names it")
  check.eq(code, "MP_ERR_NOT_FOUND", "code")
end

function T.missing_file_is_fail_not_raise()
  local prof, err, code = medprof.ticklog("/nonexistent/isolate-v8.log")
  check.eq(prof, nil, "no profile")
  check.match(err, "cannot open log '/nonexistent/isolate%-v8%.log'", "message")
  check.eq(code, "MP_ERR_NOT_FOUND", "code")
  local bad, berr = medprof.ticklog(SMALL, { symbol_list = "/nonexistent/syms" })
  check.eq(bad, nil, "missing symbol list")
  check.match(berr, "/nonexistent/syms", "names it")
end

function T.bad_options_raise()
  check.raises("unknown option 'separate_icc'", medprof.ticklog, SMALL, { separate_icc = true })
  check.raises("separate_ic option must be a boolean", medprof.ticklog, SMALL, { separate_ic = "no" })
  check.raises("state option must be", medprof.ticklog, SMALL, { state = "sleepy" })
  check.raises("call_graph_size option must be", medprof.ticklog, SMALL, { call_graph_size = -1 })
  check.raises("symbols option must be a path or false", medprof.ticklog, SMALL, { symbols = true })
  local prof = assert(medprof.ticklog(SMALL, { symbols = false }))
  check.raises("section option must be", function() prof:top{ section = "rust" } end)
  prof:close()
  check.eq(tostring(prof), "medprof.TickLog (closed)", "tostring when closed")
  check.raises("closed tick log", function() prof:summary() end)
end

function T.warnings_and_broken_files()
  local path = tmpfile("v8-version,11,3,244,8,-node.38,0\n" ..
                       "code-creation,JS,10,1,0x1000,0x10,f a.js:1:1,0x2000,?\n" ..
                       "code-move,0x9999,0x1000\n" ..
                       "tick,0x1000,1,0,0x0,0\n" ..
                       "tick,0x1000,1,0,0x0")
  local prof <close> = assert(medprof.ticklog(path))
  os.remove(path)
  check.eq(prof:summary().ticks, 1, "the truncated last line is dropped")
  local w = table.concat(prof:warnings(), "\n")
  check.match(w, "line 2: unknown code state: %?", "unknown state")
  check.match(w, "1 code%-move event for unknown code", "unknown move, once")
  check.match(w, "is broken", "broken last line")
end

function T.empty_log()
  local path = tmpfile("")
  local prof <close> = assert(medprof.ticklog(path))
  os.remove(path)
  check.eq(prof:report{ name = "e.log" },
           "Statistical profiling result from e.log, (0 ticks, 0 unaccounted, 0 excluded).\n")
  check.eq(#prof:top{ section = "js" }, 0, "no rows")
end

-- node --prof-process --preprocess on this log, with no C++ symbols (its nm prints none).
local PRE_LOG = [==[
v8-version,11,3,244,8,-node.38,0
shared-library,/lib/x.so,0x1000,0x3000,0
script-source,1,/app/m.js,let s = "\ud800"\x2C t = 1;\nf()
code-creation,JS,10,5,0x9000,16,f /app/m.js:1:1,0x8000,~
code-source-info,0x9000,1,0,9,C0O0C2O4,,
tick,0x9004,100,0,0x0,0,0x1014,0x5
tick,0x9008,200,1,0x9000,6
]==]
local PRE_NODE = [==[
{
  "code": [
  {
    "name": "/lib/x.so",
    "type": "SHARED_LIB"
  },
  {
    "name": "f /app/m.js:1:1",
    "type": "JS",
    "kind": "Unopt",
    "func": 0,
    "tm": 5,
    "source": {
      "script": 1,
      "start": 0,
      "end": 9,
      "positions": "C0O0C2O4",
      "inlined": "",
      "fns": []
    }
  }
],
  "functions": [
  {
    "name": "f /app/m.js:1:1",
    "codes": [
      1
    ]
  }
],
  "ticks": [
    {
  "tm": 100,
  "vm": 0,
  "s": [
    1,
    4,
    0,
    20,
    -1,
    5
  ]
},
    {
  "tm": 200,
  "vm": 6,
  "s": [
    1,
    0
  ]
}
  ],
  "scripts": [
  null,
  {
    "url": "/app/m.js",
    "source": "let s = \"\ud800\", t = 1;\nf()",
    "name": "m.js",
    "lineToColumn": {},
    "_entries": [],
    "_sourceMapState": "unknown",
    "id": 1,
    "sourcePositions": []
  }
]}
]==]

function T.preprocess_like_node()
  local path = tmpfile(PRE_LOG)
  local prof <close> = assert(medprof.ticklog(path, { preprocess = true, symbols = false }))
  check.eq(prof:preprocess(), PRE_NODE, "preprocess")
  local text, err = prof:report()
  check.eq(text, nil, "no report from a preprocessed profile")
  check.match(err, "read for preprocess", "why not")
  local plain <close> = assert(medprof.ticklog(path, { symbols = false }))
  os.remove(path)
  check.raises("preprocess needs", function() plain:preprocess() end)
  check.raises("preprocess option must be", function() medprof.ticklog(path, { preprocess = 1 }) end)
  -- The real log: every element, function and tick, as node counts them (its nm broken).
  local small <close> = assert(medprof.ticklog(SMALL, { preprocess = true, symbols = false }))
  local doc = medprof.json.decode(small:preprocess())
  check.eq(#doc.code, 2466, "code elements")
  check.eq(#doc.functions, 261, "functions")
  check.eq(#doc.ticks, 410, "ticks")
  check.eq(doc.code[1].name, "/usr/bin/node", "first: the first shared library")
end

function T.timed_ranges_and_version_note()
  local log = "v8-version,11,3,244,8,-node.38,0\n" ..
              "tick,0x1,1,0,0x0,0\ncurrent-time,2\ntick,0x1,3,0,0x0,0\ncurrent-time,4\n" ..
              "tick,0x1,5,0,0x0,0\ncurrent-time,6\ntick,0x1,7,0,0x0,0\ncurrent-time,8\n" ..
              "tick,0x1,9,0,0x0,0\n"
  local path = tmpfile(log)
  local function ticks(opts)
    opts.symbols = false
    local prof <close> = assert(medprof.ticklog(path, opts))
    return prof:summary().ticks
  end
  check.eq(ticks{}, 5, "every tick")
  check.eq(ticks{ timed_range = true }, 3, "first to last current-time")
  check.eq(ticks{ pairwise_timed_range = true }, 2, "inside pairs")
  local same <close> = assert(medprof.ticklog(path, { symbols = false }))
  check.eq(same:version_note(), nil, "no line for a v8-version record")
  local other <close> = assert(medprof.ticklog(path, { symbols = false,
                                                       v8_version = "12.4.254.21-node.33" }))
  check.eq(other:version_note(), "Testing v8 version different from logging version")
  os.remove(path)
  path = tmpfile("tick,0x1,1,0,0x0,0\n")
  local none <close> = assert(medprof.ticklog(path, { symbols = false }))
  os.remove(path)
  check.eq(none:version_note(), "Unable to read v8-version from log file.")
  check.eq(#none:warnings(), 0, "the line is node's stdout, not a warning")
end

-- A log is read as the node that wrote it does (its v8-version record), or as node = N.
function T.node_versions()
  local body = "code-creation,Builtin,2,1,0x1000,0x100,A\ncode-delete,0x1000\n" ..
               "tick,0x1010,1,0,0x0,0\n"
  local function read(header, opts)
    local path = tmpfile(header .. body)
    opts.symbols = false
    local prof <close> = assert(medprof.ticklog(path, opts))
    os.remove(path)
    local s = prof:summary()
    return s.node, s.unaccounted
  end
  local n20, u20 = read("v8-version,11,3,244,8,-node.38,0\n", {})
  check.eq(n20, 20, "node 20's log")
  check.eq(u20, 1, "node 20 deletes the code")
  local n22, u22 = read("v8-version,12,4,254,21,-node.57,0\n", {})
  check.eq(n22, 22, "node 22's log")
  check.eq(u22, 0, "node 22 reads no code-delete")
  local n18 = read("v8-version,10,2,154,26,-node.39,0\n", {})
  check.eq(n18, 18, "node 18's log")
  local forced, uf = read("v8-version,12,4,254,21,-node.57,0\n", { node = 20 })
  check.eq(forced, 20, "node = 20 overrides the record")
  check.eq(uf, 1, "... and deletes the code")
  check.raises("node option must be 18 to 26", medprof.ticklog, SMALL, { node = 16 })
  check.raises("node option must be an integer", medprof.ticklog, SMALL, { node = 20.5 })
end

-- V8's state numbers (7 Atomics.wait, 8 idle) and node 26's -ni as ignore_idle.
function T.vm_states()
  local path = tmpfile("tick,0x1,1,0,0x0,0\ntick,0x1,2,0,0x0,7\ntick,0x1,3,0,0x0,8\n" ..
                       "tick,0x1,4,0,0x0,8\ntick,0x1,5,0,0x0,10\n")
  local function excluded(opts)
    opts.symbols = false
    local prof <close> = assert(medprof.ticklog(path, opts))
    return prof:summary().excluded
  end
  check.eq(excluded{ ignore_idle = true }, 2, "ignore_idle leaves out the IDLE ticks")
  check.eq(excluded{ ignore_idle = true, state = "js" }, 2, "... and overrides state, as node 26")
  check.eq(excluded{ state = "idle" }, 3, "state = idle keeps the two IDLE ticks")
  check.eq(excluded{ state = "atomics_wait" }, 4, "state = atomics_wait keeps 7")
  check.eq(excluded{ state = "idle_external" }, 4, "state = idle_external keeps 10")
  check.raises("ignore_idle option must be a boolean", medprof.ticklog, path, { ignore_idle = 1 })
  os.remove(path)
end

-- The CLI: node's option spellings, errors, stdin.
local function run(cmd)
  local p = io.popen(cmd .. " 2>&1; echo \"rc=$?\"")
  local out = p:read("a")
  p:close()
  return out
end

function T.cli_process()
  -- Under `medprof run`, arg[-1] is the very binary running the tests.
  local self = arg and arg[-1]
  local bin = os.getenv("MEDPROF_BIN") or (self and self:match("medprof$") and self)
              or check.medprof_bin()
  local out = run(("%s process --symbol-list %s --separate-ic=false %s"):format(bin, SMALL_SYMS, SMALL))
  check.eq(out, slurp(DATA .. "small.prof-process.separateic_false.txt")
             :gsub("small%-v8%.log", DATA .. "small-v8.log", 1) .. "rc=0\n", "same as node")
  check.match(run(bin .. " process /nonexistent/x.log"),
              "medprof process: cannot open log '/nonexistent/x.log'.*rc=1\n$", "missing file")
  check.match(run(bin .. " process"), "no log file given.*rc=2", "no log")
  check.match(run(("%s process --no-symbols --only-summary - < %s"):format(bin, SMALL)),
              "^Statistical profiling result from %-, %(410 ticks", "stdin")
end

return T
