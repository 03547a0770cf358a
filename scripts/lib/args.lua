-- medprof.args: the option parser every medprof subcommand shares.
--
--   local args = require "medprof.args"
--   local o, rest = args.parse(arg, {
--     name = "quick", summary = "one line", usage = "[options] URL",
--     { "count", "c", "integer", "virtual users", default = 10 },
--     { "verbose", nil, "flag", "say more" },
--     { "header", "H", "list", "extra header (repeatable)" },
--   })
--
-- Accepts --name value, --name=value, -c value, --flag, --no-flag; "--" ends the options.
-- Option names with "-" are stored with "_" (--term-grace → o.term_grace). --help prints the
-- generated help and exits 0; a bad option prints the error and usage, then exits 2.
-- Kinds: "string", "integer", "number", "list" (repeatable), "flag", and "bool" for node's
-- parseBool: --name=true (or =1) is true; --name alone, or with any other value, false.
-- The third value is the set of options the command line gave (given.count: -c or --count
-- was there), for a default that must not count as the user's choice.
local M = {}

local converters = {
  string = function(v) return v end,
  integer = function(v) return math.tointeger(tonumber(v)) end,
  number = function(v) return tonumber(v) end,
}

local function key_of(name) return (name:gsub("-", "_")) end

function M.help(spec)
  local lines = { ("usage: medprof %s %s"):format(spec.name, spec.usage or "[options]") }
  if spec.summary then lines[#lines + 1] = "\n" .. spec.summary end
  lines[#lines + 1] = "\noptions:"
  for _, o in ipairs(spec) do
    local flag = (o[2] and ("-" .. o[2] .. ", ") or "    ") .. "--" .. o[1]
    if o[3] ~= "flag" and o[3] ~= "bool" then flag = flag .. " " .. (o.metavar or o[3]:upper()) end
    local text = o[4] or ""
    if o.default ~= nil and o[3] ~= "flag" and o[3] ~= "bool" then text = text .. (" (default %s)"):format(o.default) end
    lines[#lines + 1] = ("  %-28s %s"):format(flag, text)
  end
  lines[#lines + 1] = ("  %-28s %s"):format("-h, --help", "show this help")
  if spec.epilog then lines[#lines + 1] = "\n" .. spec.epilog end
  return table.concat(lines, "\n")
end

-- Returns the option table, the list of positional arguments and the set of options given,
-- or nil and a message (for scripts that want to handle errors themselves: use M.try_parse).
function M.try_parse(argv, spec)
  local byname, byshort, o, rest, given = {}, {}, {}, {}, {}
  for _, opt in ipairs(spec) do
    byname[opt[1]] = opt
    if opt[2] then byshort[opt[2]] = opt end
    if opt[3] == "list" then o[key_of(opt[1])] = {}
    elseif opt.default ~= nil then o[key_of(opt[1])] = opt.default end
  end
  local i, n = 1, #argv
  while i <= n do
    local a = argv[i]
    if a == "--" then
      for j = i + 1, n do rest[#rest + 1] = argv[j] end
      break
    elseif a == "-h" or a == "--help" then
      return nil, "help"
    elseif a:sub(1, 1) == "-" and #a > 1 and not tonumber(a) then
      local name, value = a:match("^%-%-([^=]+)=(.*)$")
      name = name or a:match("^%-%-(.+)$")
      -- a short name may be longer than one letter (node 26's -ni); none are bundled
      local opt = name and byname[name] or byshort[a:match("^%-([^-].*)$") or ""]
      local negated = false
      local negatable = name and name:sub(1, 3) == "no-" and byname[name:sub(4)]
      if not opt and negatable and (negatable[3] == "flag" or negatable[3] == "bool") then
        opt, negated = negatable, true
      end
      if not opt then return nil, ("unknown option '%s'"):format(a) end
      local key, kind = key_of(opt[1]), opt[3]
      given[key] = true
      if kind == "bool" then
        o[key] = not negated and (value == "true" or value == "1")
      elseif kind == "flag" then
        if value then return nil, ("option --%s takes no value"):format(opt[1]) end
        o[key] = not negated
      else
        if not value then
          i = i + 1
          value = argv[i]
          if value == nil then return nil, ("option --%s needs a value"):format(opt[1]) end
        end
        if kind == "list" then
          table.insert(o[key], value)
        else
          local v = converters[kind](value)
          if v == nil then
            return nil, ("option --%s wants %s %s, not '%s'"):format(opt[1],
              kind == "integer" and "an" or "a", kind, value)
          end
          o[key] = v
        end
      end
    else
      rest[#rest + 1] = a
    end
    i = i + 1
  end
  return o, rest, given
end

function M.parse(argv, spec)
  local o, rest, given = M.try_parse(argv or {}, spec)
  if o then return o, rest, given end
  if rest == "help" then
    print(M.help(spec))
    os.exit(0)
  end
  io.stderr:write(("medprof %s: %s\n%s\n"):format(spec.name, rest, M.help(spec)))
  os.exit(2)
end

-- { "NAME=VALUE", ... } (a repeatable --env) as a table for medprof.spawn's env; a malformed
-- entry ends the program with a usage error naming the subcommand.
function M.env(list, name)
  local env = {}
  for _, kv in ipairs(list or {}) do
    local k, v = kv:match("^([^=]+)=(.*)$")
    if not k then M.die(name, ("--env wants NAME=VALUE, not '%s'"):format(kv), 2) end
    env[k] = v
  end
  return env
end

-- Output files. A subcommand never overwrites a user's file without --force: M.create makes
-- the file with O_EXCL (medprof.create), so an existing file, or a symbolic link planted
-- there, is refused before anything is written. Subcommands create their files before the
-- work, so that a long run is not lost to a refusal at its end; the files that are not
-- finished (closed with M.close) when the program dies are removed, so that a failed run
-- leaves no empty file behind for the next attempt to trip over.
local unfinished = {} -- file → { path =, remove = made by this run }, until M.close

local function remove_unfinished()
  for f, file in pairs(unfinished) do
    if io.type(f) == "file" then f:close() end
    if file.remove then os.remove(file.path) end
    unfinished[f] = nil
  end
end
-- A script that ends in an error (or Ctrl+C) does not call M.die: the interpreter's final
-- collection runs this instead.
setmetatable(unfinished, { __gc = remove_unfinished })

-- Opens path for writing: io.stdout for nil or "-", else a new file (truncated with force).
-- A refusal ends the program: "medprof NAME: 'PATH' already exists: use --force to overwrite".
function M.create(name, path, force)
  if path == nil or path == "-" then return io.stdout end
  local medprof = require "medprof"
  local f, err, code = medprof.create(path, { force = force or false })
  if not f then
    if code == "MP_ERR_EXISTS" then err = err .. ": use --force to overwrite" end
    M.die(name, err)
  end
  -- a forced file may be the user's own (through a link): it is never removed
  unfinished[f] = { path = path, remove = not force }
  return f
end

-- Closes a file from M.create (io.stdout is only flushed). A write that failed (a full disk)
-- ends the program with the reason, removing the incomplete file.
function M.close(name, f)
  if f == io.stdout then io.stdout:flush() return end
  local ok, err = f:close()
  if not ok then M.die(name, ("writing '%s': %s"):format((unfinished[f] or {}).path, err)) end
  unfinished[f] = nil
end

-- Prints "medprof NAME: message" on stderr and exits with code (default 1), after removing
-- the output files this run created and did not finish.
function M.die(name, message, code)
  io.stderr:write(("medprof %s: %s\n"):format(name, message))
  remove_unfinished()
  os.exit(code or 1)
end

return M
