-- write the C++ symbols of libraries (or of every library a V8 log names) to a portable file
local medprof = require "medprof"
local args = require "medprof.args"
local v8log = require "medprof.v8log"

local spec = {
  name = "symbols",
  usage = "[options] LIB... | --from-log LOG",
  summary = "Reads the symbol tables of the ELF files named (no nm needed) and writes them in\n" ..
            "medprof's symbols format, so that `medprof process --symbols FILE LOG` gives on\n" ..
            "another machine the C++ names this one gives. The format is described in\n" ..
            "medprof.h (SYMBOLS FILE).",
  { "from-log", "l", "string", "take the libraries from the shared-library lines of LOG",
    metavar = "LOG" },
  { "output", "o", "string", "write to a new FILE instead of stdout", metavar = "FILE" },
  { "force", nil, "flag", "let --output overwrite an existing FILE" },
  { "placed", nil, "string", "print LIB's entries for a START,END[,SLIDE] record (hex)",
    metavar = "RANGE" },
  { "symbols", "s", "string", "read symbols from FILE (a symbols file) instead of the libraries",
    metavar = "FILE" },
  epilog = "examples:\n" ..
           "  medprof symbols --from-log isolate-0x5e1c000-1234-v8.log > syms.txt\n" ..
           "  medprof symbols /usr/bin/node /usr/lib/x86_64-linux-gnu/libc.so.6 -o syms.txt\n" ..
           "  medprof symbols --placed 0x400000,0x2601000 /usr/bin/node | head",
}

local o, libs = args.parse(arg, spec)
-- The output file first: an existing one is refused before the work, and never overwritten
-- without --force.
local sink = not o.placed and args.create("symbols", o.output, o.force) or io.stdout

local t, terr = medprof.symtab(o.symbols)
if not t then args.die("symbols", terr) end

if o.placed then
  local s, e, slide = o.placed:match("^([^,]+),([^,]+),?(.*)$")
  s, e = s and math.tointeger(tonumber(s)), e and math.tointeger(tonumber(e))
  slide = slide ~= "" and math.tointeger(tonumber(slide)) or 0
  if not s or not e or not slide then args.die("symbols", "--placed wants START,END[,SLIDE]", 2) end
  if #libs ~= 1 then args.die("symbols", "--placed wants exactly one LIB", 2) end
  local syms, err = t:lookup(libs[1], s, e, slide)
  if not syms then args.die("symbols", err) end
  local out = {}
  for i, x in ipairs(syms) do out[i] = ("%x %x %s\n"):format(x.start, x["end"], x.name) end
  io.stdout:write(table.concat(out))
  return
end

local from_log = o.from_log ~= nil
if from_log then
  if #libs > 0 then args.die("symbols", "give either LIB... or --from-log LOG", 2) end
  local named, err = v8log.libraries(o.from_log)
  if not named then args.die("symbols", err) end
  for _, lib in ipairs(named) do
    if not v8log.is_pseudo(lib) then libs[#libs + 1] = lib end
  end
elseif #libs == 0 then
  args.die("symbols", "no library given (or use --from-log LOG)", 2)
end

local text, failures = t:export(libs)
local w = t:warning()
if w then io.stderr:write("medprof symbols: warning: ", w, "\n") end
for _, msg in ipairs(failures) do io.stderr:write("medprof symbols: ", msg, "\n") end

local ok, werr = sink:write(text)
if not ok then args.die("symbols", werr) end
args.close("symbols", sink)
-- A library named on the command line must be there; one a log names may be gone.
if #failures > 0 and not from_log then os.exit(1) end
