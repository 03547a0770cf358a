-- The symbols part from Lua: medprof.symtab objects over a symbols file and over an ELF file
-- (the medprof binary itself), and the `medprof symbols` subcommand.
local check = require "check"
local medprof = require "medprof"

-- The binary under test: run.sh names it for stock lua; under `medprof run`, arg[-1] is it.
local function bin()
  local b = os.getenv("MEDPROF_BIN")
  if b then return b end
  if arg and arg[-1] and arg[-1]:match("medprof$") then return arg[-1] end
  return check.medprof_bin()
end

local write, read, run = check.write_file, check.read_file, check.run

local SYMS = table.concat({
  "medprof-symbols 1",
  "library /srv/app/libdemo.so",
  "elf dyn",
  "load 0 0 800 4",
  "load 1000 1000 2000 5",
  "symtab 4",
  "1000 0 t _init",
  "1100 40 T demo::run(int)",
  "1100 40 T demo::run_alias(int)",
  "1200 0 t unsized_tail",
  "dynsym 1",
  "1100 40 T demo::run(int)@@DEMO_1",
  "end",
  "library /usr/bin/demo",
  "elf exec",
  "load 0 400000 1000 5",
  "symtab 1",
  "401000 20 T main",
  "dynsym 0",
  "end",
}, "\n") .. "\n"

local function with_syms(f)
  local path = os.tmpname()
  write(path, SYMS)
  local ok, err = pcall(f, path)
  os.remove(path)
  if not ok then error(err, 0) end
end

local T = {}

function T.lookup_places_and_clips()
  with_syms(function(path)
    local t <close> = assert(medprof.symtab(path))
    local s = assert(t:lookup("/srv/app/libdemo.so", 0x7f0000000000, 0x7f0000003000))
    -- unsized_tail is lost: nm -D's output restarts below it, so V8 never closes it.
    check.eq(#s, 2, "entries")
    check.eq(s[1].start, 0x7f0000001000, "_init placed at base + VMA")
    check.eq(s[1]["end"], 0x7f0000001100, "_init ends where the next symbol starts")
    check.eq(s[1].name, "_init")
    check.eq(s[2].name, "demo::run(int)", "the first of two at one start")
    check.eq(s[2]["end"], 0x7f0000001140, "sized end")
    -- ET_EXEC: absolute addresses; a record that does not cover them gets nothing
    local e = assert(t:lookup("/usr/bin/demo", 0x400000, 0x402000))
    check.eq(#e, 1)
    check.eq(e[1].start, 0x401000)
    check.eq(#assert(t:lookup("/usr/bin/demo", 0x500000, 0x502000)), 0, "outside")
    check.eq(#assert(t:lookup("[vdso]", 0x7fff0000, 0x7fff2000)), 0, "[vdso]")
  end)
end

function T.export_round_trip()
  with_syms(function(path)
    local t <close> = assert(medprof.symtab(path))
    local text, failures = t:export{ "/srv/app/libdemo.so", "/usr/bin/demo" }
    check.eq(#failures, 0, "failures")
    check.eq(text, SYMS, "exported text")
  end)
end

function T.failures_are_values()
  local ok, msg, code = medprof.symtab("/nonexistent/syms.txt")
  check.eq(ok, nil)
  check.match(msg, "/nonexistent/syms.txt")
  check.eq(code, "MP_ERR_NOT_FOUND")
  with_syms(function(path)
    local t <close> = assert(medprof.symtab(path))
    local r, m, c = t:lookup("/usr/lib/libother.so", 0x1000, 0x2000)
    check.eq(r, nil)
    check.match(m, "not in symbols file")
    check.eq(c, "MP_ERR_NOT_FOUND")
    local text, failures = t:export{ "/srv/app/libdemo.so", "/usr/lib/libother.so" }
    check.match(text, "^medprof%-symbols 1\nlibrary /srv/app/libdemo.so\n")
    check.eq(#failures, 1)
    check.match(failures[1], "libother")
  end)
  local bad = os.tmpname()
  write(bad, "medprof-symbols 1\nlibrary /x\nelf dyn\nsymtab 3\n")
  local r, m, c = medprof.symtab(bad)
  os.remove(bad)
  check.eq(r, nil)
  check.match(m, ":5: end of file: fewer symbols")
  check.eq(c, "MP_ERR_PARSE")
end

function T.bad_arguments_raise()
  local t = assert(medprof.symtab())
  check.raises("string expected", t.lookup, t)
  check.raises("end is below start", t.lookup, t, "/lib.so", 0x2000, 0x1000)
  check.raises("number expected", t.lookup, t, "/lib.so", "x", 0x1000)
  check.raises("library 2 must be a string", t.export, t, { "/a", 3 })
  check.eq(tostring(t), "medprof.Symtab")
  t:close()
  check.eq(tostring(t), "medprof.Symtab (closed)")
  check.raises("closed", t.lookup, t, "/lib.so", 1, 2)
end

-- An ELF file that is surely here: the medprof binary (PIE, linked with -rdynamic).
function T.reads_elf_directly()
  local path = bin()
  if path:sub(1, 1) ~= "/" then path = os.getenv("PWD") .. "/" .. path end
  local t <close> = assert(medprof.symtab())
  local base = 0x555555554000
  local s = assert(t:lookup(path, base, base + 0x10000000))
  local found
  for i, x in ipairs(s) do
    if x.name == "mp_symtab_lookup" then found = x end
    if i > 1 then assert(x.start > s[i - 1].start, "sorted") end
  end
  check.truthy(found, "mp_symtab_lookup in " .. path)
  check.truthy(found.start > base and found["end"] > found.start, "placed")
  local r, m, c = t:lookup("/nonexistent/lib.so", 0x1000, 0x2000)
  check.eq(r, nil)
  check.match(m, "/nonexistent/lib.so")
  check.eq(c, "MP_ERR_NOT_FOUND")
end

function T.cli_symbols_from_log_and_placed()
  local path = bin()
  if path:sub(1, 1) ~= "/" then path = os.getenv("PWD") .. "/" .. path end
  local log, syms = os.tmpname(), os.tmpname()
  os.remove(syms) -- symbols -o makes a new file: it refuses to overwrite one
  write(log, "v8-version,11,3,244,8,-node.38,0\n" ..
             ("shared-library,%s,0x555555554000,0x555565554000,0\n"):format(path) ..
             "shared-library,[vdso],0x7fff0000,0x7fff2000,0\n" ..
             "shared-library,/nonexistent/lib\\x2Cwith-comma.so,0x7f0000000000,0x7f0000001000,0\n" ..
             "shared-library-end\n")
  local out, code = run(("%q symbols --from-log %q -o %q"):format(path, log, syms))
  check.eq(code, 0, "exit code (" .. out .. ")")
  check.match(out, "/nonexistent/lib,with%-comma.so", "warned about the missing library")
  local text = read(syms)
  check.match(text, "^medprof%-symbols 1\nlibrary " .. path:gsub("%p", "%%%0") .. "\nelf dyn\n")
  check.truthy(not text:find("vdso"), "no [vdso]")
  local range = "0x555555554000,0x555565554000"
  local direct = run(("%q symbols --placed %s %q"):format(path, range, path))
  local portable = run(("%q symbols --symbols %q --placed %s %q"):format(path, syms, range, path))
  check.match(direct, "mp_symtab_lookup\n")
  check.eq(portable, direct, "placed from the file = placed from the ELF file")
  local msg, c2 = run(("%q symbols /nonexistent/lib.so"):format(path))
  check.eq(c2, 1, "a named library that is missing fails")
  check.match(msg, "/nonexistent/lib.so")
  os.remove(log)
  os.remove(syms)
end

return T
