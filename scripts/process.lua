-- turn V8 tick logs (node --prof) into node --prof-process's report, with C++ names
local medprof = require "medprof"
local args = require "medprof.args"

local spec = {
  name = "process",
  usage = "[options] LOG...",
  summary = "Prints what `node --prof-process LOG` prints, byte for byte, except that C++ ticks\n" ..
            "get their names (node leaves most of them Unaccounted on Linux). LOG may be '-'\n" ..
            "for stdin. Several logs (one per isolate) give one report each, or one summed\n" ..
            "report with --merge. Warnings go to stderr.",
  epilog = "--separate-ic, --separate-bytecodes, --separate-builtins and --separate-stubs take\n" ..
           "=true or =false; as in node, the bare option means false.\n" ..
           "Node versions read some records differently; medprof reads a log as the node that\n" ..
           "wrote it would (its v8-version record tells which: 18, 20, 22 (and 21), 24 or 26),\n" ..
           "or as --node says.\n" ..
           "Like node, it prints 'Unable to read v8-version from log file.' first when the log\n" ..
           "does not start with a v8-version record. Node also prints 'Testing v8 version\n" ..
           "different from logging version' when the log is from another V8 than its own;\n" ..
           "medprof is no V8, so it says that only when asked to compare with --v8-version,\n" ..
           "e.g. --v8-version=$(node -p process.versions.v8).\n" ..
           "Both go where the report goes; with --format other than text, to stderr.",
  { "js", "j", "flag", "only ticks in the JS VM state (the others count as excluded)" },
  { "gc", "g", "flag", "only ticks in the GC state" },
  { "parser", "p", "flag", "only ticks in the PARSER state" },
  { "bytecode", "b", "flag", "only ticks in the BYTECODE_COMPILER state" },
  { "compiler", "c", "flag", "only ticks in the COMPILER state" },
  { "other", "o", "flag", "only ticks in the OTHER state" },
  { "external", "e", "flag", "only ticks in the EXTERNAL state" },
  { "ignore-idle", "ni", "flag", "leave out ticks in the IDLE state (node 26's -ni; they count as excluded)" },
  { "separate-ic", nil, "bool", "keep IC entries separate (default true)" },
  { "separate-bytecodes", nil, "bool", "keep bytecode handlers separate (default false)" },
  { "separate-builtins", nil, "bool", "keep builtins separate (default true)" },
  { "separate-stubs", nil, "bool", "keep stubs separate (default true)" },
  { "separate-sparkplug-handlers", nil, "bool", "accepted; V8 ignores it too" },
  { "separate-baseline-handlers", nil, "bool", "node 18's name for the same" },
  { "use-bigint-addresses", nil, "flag", "accepted (node 22); medprof's addresses are 64-bit " ..
    "integers, exact anyway" },
  { "bigint-addresses", nil, "flag", "the same" },
  { "ignore-unknown", nil, "flag", "leave unaccounted ticks out of the percentages" },
  { "only-summary", nil, "flag", "print the header and [Summary] only" },
  { "call-graph-size", nil, "integer", "depth of the bottom-up profile", default = 5,
    metavar = "N" },
  { "range", nil, "string", "only ticks between START and END ms", metavar = "START,END" },
  { "window", nil, "string", "only ticks between START and END seconds on the log's clock " ..
    "(either may be left out: 2.5, is from 2.5 s on)", metavar = "START,END" },
  { "distortion", nil, "string", "logging overhead per event, picoseconds", metavar = "PS" },
  { "timed-range", nil, "flag", "only ticks between the first and the last current-time record " ..
    "(Date.now() with node --log-internal-timer-events)" },
  { "pairwise-timed-range", nil, "flag", "only ticks inside pairs of current-time records" },
  { "ptr", nil, "flag", "the same as --pairwise-timed-range" },
  { "filter-runtime-timer", nil, "string", "only ticks under this runtime timer", metavar = "NAME" },
  { "symbols", nil, "string", "C++ symbols from a `medprof symbols` file, not local files",
    metavar = "FILE" },
  { "symbol-list", nil, "string", "C++ symbols from placed START END NAME lines", metavar = "FILE" },
  { "no-symbols", nil, "flag", "no C++ symbols: ticks in libraries count under the library" },
  { "format", nil, "string", "text (node's report), json, svg (a flame graph), folded (for flamegraph.pl, inferno), cpuprofile (Chrome DevTools, VS Code) or speedscope", default = "text",
    metavar = "FMT" },
  { "merge", nil, "flag", "sum all logs into one report" },
  { "threads", nil, "integer", "1: read and attribute on one thread (default 2: a log file " ..
    "is read ahead by a second thread; the same report)", default = 2, metavar = "N" },
  { "preprocess", nil, "flag", "print V8's JSON for its profview instead of the report, as " ..
    "node --prof-process --preprocess does" },
  { "v8-version", nil, "string", "the V8 version to compare the log's v8-version record with",
    metavar = "VERSION" },
  { "node", nil, "integer", "read the log as node N's --prof-process does (18 to 26; default: " ..
    "as the node that wrote it)", metavar = "N" },
  { "icicle", nil, "flag", "--format svg: roots at the top, growing down" },
  { "title", nil, "string", "--format svg: the graph's title (default: the log's name)" },
  { "output", nil, "string", "write to a new FILE instead of stdout (-o is node's --other)",
    metavar = "FILE" },
  { "force", nil, "flag", "let --output overwrite an existing FILE" },
}

local o, logs = args.parse(arg, spec)
if #logs == 0 then args.die("process", "no log file given (medprof process LOG)", 2) end
local formats = { text = true, json = true, svg = true, folded = true, cpuprofile = true,
                  speedscope = true }
if not formats[o.format] then
  args.die("process", ("--format must be text, json, svg, folded, cpuprofile or speedscope, " ..
                       "not '%s'"):format(o.format), 2)
end
if o.preprocess and o.format ~= "text" then
  args.die("process", "--preprocess prints V8's JSON: it takes no --format", 2)
end
if o.preprocess and o.merge then
  args.die("process", "--preprocess describes one isolate: it takes no --merge", 2)
end
local sink = args.create("process", o.output, o.force) -- never overwrites without --force

local state
for _, s in ipairs{ "js", "gc", "parser", "bytecode", "compiler", "other", "external" } do
  -- node keeps the last state option given (and node 26 lets -ni override them all);
  -- medprof refuses the ambiguity.
  if o[s] then
    if state or o.ignore_idle then
      args.die("process", "give one VM-state filter (-ni -j -g -p -b -c -o -e)", 2)
    end
    state = s
  end
end

local opts = {
  separate_ic = o.separate_ic, separate_bytecodes = o.separate_bytecodes,
  separate_builtins = o.separate_builtins, separate_stubs = o.separate_stubs,
  ignore_unknown = o.ignore_unknown, ignore_idle = o.ignore_idle, state = state,
  runtime_timer = o.filter_runtime_timer,
  call_graph_size = o.call_graph_size, range = o.range, distortion = o.distortion,
  symbols = o.symbols, symbol_list = o.symbol_list, stacks = o.format ~= "text" and o.format ~= "json",
  samples = o.format == "cpuprofile" or o.format == "speedscope",
  timed_range = o.timed_range, pairwise_timed_range = o.pairwise_timed_range or o.ptr,
  preprocess = o.preprocess, v8_version = o.v8_version, threads = o.threads,
  node = o.node,
}
if o.no_symbols then opts.symbols = false end
if o.window then
  local a, b = o.window:match("^%s*([^,]-)%s*,%s*([^,]-)%s*$")
  a, b = a == "" and -math.huge or tonumber(a), b == "" and math.huge or tonumber(b)
  if not a or not b then
    args.die("process", ("--window must be START,END in seconds, not '%s'"):format(o.window), 2)
  end
  opts.window = { a, b }
end
if o.threads ~= 1 and o.threads ~= 2 then args.die("process", "--threads must be 1 or 2", 2) end
if o.call_graph_size < 0 then args.die("process", "--call-graph-size must not be negative", 2) end
-- the library's rules for the options (--node's range), before any log is read
local usable, why = medprof.check_options("ticklog", opts)
if not usable then args.die("process", why, 2) end

local function warn(log, prof)
  for _, w in ipairs(prof:warnings()) do
    io.stderr:write(("medprof process: %s: %s\n"):format(log, w))
  end
end

-- node prints its version line on stdout before anything else: in its own outputs (text,
-- --preprocess) medprof does the same; in medprof's formats it would break the file.
local function version_note(log, prof)
  local note = prof:version_note()
  if not note then return end
  if o.format == "text" then sink:write(note, "\n")
  else io.stderr:write(("medprof process: %s: %s\n"):format(log, note)) end
end

local function report(prof, name)
  if o.preprocess then
    local json, err = prof:preprocess()
    if not json then args.die("process", err) end
    return sink:write(json)
  end
  if o.format == "folded" then return sink:write(prof:folded()) end
  if o.format == "cpuprofile" then return sink:write(prof:cpuprofile()) end
  if o.format == "speedscope" then return sink:write(prof:speedscope(name)) end
  if o.format == "svg" then
    return sink:write(prof:flamegraph{ title = o.title or name, icicle = o.icicle })
  end
  local text, err = prof:report{ only_summary = o.only_summary, format = o.format, name = name }
  if not text then args.die("process", err) end
  sink:write(text)
end

if o.merge then
  local prof, err = medprof.ticklog(logs[1], opts)
  if not prof then args.die("process", err) end
  for i = 2, #logs do
    local ok, aerr = prof:add(logs[i])
    if not ok then args.die("process", aerr) end
  end
  warn(table.concat(logs, " + "), prof)
  version_note(table.concat(logs, " + "), prof)
  report(prof, table.concat(logs, " + "))
  prof:close()
else
  for _, log in ipairs(logs) do
    local prof, err = medprof.ticklog(log, opts)
    if not prof then args.die("process", err) end
    warn(log, prof)
    version_note(log, prof)
    report(prof, log)
    prof:close()
  end
end
args.close("process", sink)
