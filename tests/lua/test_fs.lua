-- medprof.create, medprof.output_dir, spawn's exclusive and medprof.args' output files: an
-- output never lands on an existing file, or behind a symbolic link, unless forced.
local medprof = require "medprof"
local check = require "check"

local T = {}

-- A new, empty directory for one test; cleanup() removes it and what is in it.
local function scratch()
  local dir = os.tmpname()
  os.remove(dir)
  assert(medprof.output_dir(dir))
  local function cleanup()
    local p = io.popen(("ls -A %q"):format(dir))
    for name in p:lines() do os.remove(dir .. "/" .. name) end
    p:close()
    os.remove(dir)
  end
  return dir, cleanup
end

local function is_link(path)
  local out = check.run(("test -L %q && echo link"):format(path))
  return out:find("link") ~= nil
end

function T.create_makes_a_new_ordinary_lua_file()
  local dir, cleanup = scratch()
  local f = assert(medprof.create(dir .. "/new.txt"))
  check.eq(io.type(f), "file", "io.type")
  check.eq(f:write("one ", 2, "\n"), f, "write returns the file")
  check.eq(f:close(), true, "close")
  check.eq(io.type(f), "closed file", "closed")
  check.eq(check.read_file(dir .. "/new.txt"), "one 2\n", "content")
  do
    local g <close> = assert(medprof.create(dir .. "/closed-by-scope.txt"))
    g:write("x")
  end
  check.eq(check.read_file(dir .. "/closed-by-scope.txt"), "x", "<close> flushed and closed it")
  cleanup()
end

function T.create_refuses_an_existing_file_and_leaves_it_alone()
  local dir, cleanup = scratch()
  local path = check.write_file(dir .. "/mine.txt", "the user's data\n")
  local f, err, code = medprof.create(path)
  check.eq(f, nil, "no file")
  check.eq(err, ("'%s' already exists"):format(path), "message")
  check.eq(code, "MP_ERR_EXISTS", "code")
  check.eq(check.read_file(path), "the user's data\n", "untouched")
  check.eq(medprof.create(path, { force = false }), nil, "force = false refuses too")
  cleanup()
end

function T.create_with_force_truncates()
  local dir, cleanup = scratch()
  local path = check.write_file(dir .. "/mine.txt", "a long old content\n")
  local f = assert(medprof.create(path, { force = true }))
  f:write("new\n")
  assert(f:close())
  check.eq(check.read_file(path), "new\n", "replaced")
  cleanup()
end

function T.create_does_not_follow_symbolic_links()
  local dir, cleanup = scratch()
  local victim = check.write_file(dir .. "/victim", "victim\n")
  check.eq(check.run(("ln -s %q %q"):format(victim, dir .. "/link")), "")
  check.eq(check.run(("ln -s %q %q"):format(dir .. "/nowhere", dir .. "/dangling")), "")
  local f, _, code = medprof.create(dir .. "/link")
  check.eq(f, nil, "link refused")
  check.eq(code, "MP_ERR_EXISTS", "code")
  check.eq(check.read_file(victim), "victim\n", "the link's target is untouched")
  check.truthy(is_link(dir .. "/link"), "the link is still a link")
  check.eq(medprof.create(dir .. "/dangling"), nil, "dangling link refused")
  check.eq(io.open(dir .. "/nowhere"), nil, "no file made where the dangling link points")
  cleanup()
end

function T.create_fails_with_the_reason()
  local dir, cleanup = scratch()
  local f, err, code = medprof.create(dir .. "/missing/x.txt")
  check.eq(f, nil)
  check.match(err, "^cannot create '.*/missing/x%.txt': No such file or directory$", "message")
  check.eq(code, "MP_ERR_NOT_FOUND", "code")
  local d, derr, dcode = medprof.create(dir)
  check.eq(d, nil, "a directory")
  check.match(derr, "already exists", "message")
  check.eq(dcode, "MP_ERR_EXISTS", "code")
  local long = dir .. "/" .. ("x"):rep(4000)
  local l, lerr = medprof.create(long)
  check.eq(l, nil, "a name too long")
  check.truthy(#lerr < 512 and lerr:sub(-3) == "...", "a long path ends the message in ...")
  cleanup()
end

function T.create_checks_its_arguments()
  check.raises("string expected", medprof.create)
  check.raises("table expected", medprof.create, "/tmp/x", "force")
  check.raises("unknown option 'forse'", medprof.create, "/tmp/x", { forse = true })
  check.raises("force option must be a boolean", medprof.create, "/tmp/x", { force = 1 })
  check.raises("path contains a NUL byte", medprof.create, "/tmp/x\0.txt")
  check.raises("empty path", medprof.create, "")
end

function T.an_abandoned_created_file_is_closed_by_the_collector()
  local dir, cleanup = scratch()
  local f = assert(medprof.create(dir .. "/gc.txt"))
  f:write("flushed at collection")
  f = nil -- luacheck: ignore
  collectgarbage()
  collectgarbage()
  check.eq(check.read_file(dir .. "/gc.txt"), "flushed at collection", "content")
  cleanup()
end

function T.output_dir_makes_new_or_takes_empty_directories()
  local dir, cleanup = scratch()
  check.eq(medprof.output_dir(dir), true, "an existing empty directory will do")
  check.eq(medprof.output_dir(dir .. "/a/b"), true, "parents are made")
  check.eq(medprof.output_dir(dir .. "/a/b"), true, "still empty")
  assert(medprof.create(dir .. "/a/b/report.json")):close()
  local ok, err, code = medprof.output_dir(dir .. "/a/b")
  check.eq(ok, nil, "a directory with files is refused")
  check.eq(err, ("directory '%s/a/b' already exists and is not empty"):format(dir), "message")
  check.eq(code, "MP_ERR_EXISTS", "code")
  check.eq(medprof.output_dir(dir .. "/a/b", { force = true }), true, "unless forced")
  local f, ferr = medprof.output_dir(dir .. "/a/b/report.json", { force = true })
  check.eq(f, nil, "a file is no directory, even forced")
  check.match(ferr, "Not a directory", "message")
  check.raises("empty path", medprof.output_dir, "")
  check.raises("NUL byte", medprof.output_dir, dir .. "/x\0y")
  os.remove(dir .. "/a/b/report.json")
  os.remove(dir .. "/a/b")
  os.remove(dir .. "/a")
  cleanup()
end

function T.spawn_exclusive_refuses_an_existing_output_file()
  local dir, cleanup = scratch()
  local log = check.write_file(dir .. "/server.log", "keep\n")
  local p, err, code = medprof.spawn{ "sh", "-c", "echo overwritten", stdout = log, exclusive = true }
  check.eq(p, nil, "refused")
  check.eq(err, ("output file '%s' already exists"):format(log), "message")
  check.eq(code, "MP_ERR_EXISTS", "code")
  check.eq(check.read_file(log), "keep\n", "untouched")
  check.eq(check.run(("ln -s %q %q"):format(log, dir .. "/link")), "")
  check.eq(medprof.spawn{ "true", stdout = dir .. "/link", exclusive = true }, nil, "link refused")
  check.eq(check.read_file(log), "keep\n", "the link's target untouched")
  local q = assert(medprof.spawn{ "sh", "-c", "echo new", stdout = dir .. "/new.log",
                                  stderr = "stdout", exclusive = true })
  q:wait(10)
  q:close()
  check.eq(check.read_file(dir .. "/new.log"), "new\n", "a new file is written")
  check.raises("append and exclusive", medprof.spawn,
               { "true", stdout = dir .. "/x", append = true, exclusive = true })
  cleanup()
end

function T.args_create_gives_stdout_for_dash_and_nil()
  local args = require "medprof.args"
  check.eq(args.create("test", nil), io.stdout, "nil")
  check.eq(args.create("test", "-"), io.stdout, "-")
end

function T.args_create_refuses_and_removes_unfinished_files_in_a_script()
  local dir, cleanup = scratch()
  local keep = check.write_file(dir .. "/keep.txt", "keep\n")
  local script = check.write_file(dir .. "/script.lua", ([[
    local args = require "medprof.args"
    local a = args.create("t", %q)
    a:write("finished")
    args.close("t", a)
    local b = args.create("t", %q)   -- made, then the run fails
    b:write("half")
    local c = args.create("t", %q)   -- exists: refused
  ]]):format(dir .. "/done.txt", dir .. "/unfinished.txt", keep))
  local out, code = check.run(("%q run %q"):format(check.medprof_bin(), script))
  check.eq(code, 1, "exit code")
  check.eq(out, ("medprof t: '%s' already exists: use --force to overwrite\n"):format(keep), "message")
  check.eq(check.read_file(keep), "keep\n", "the existing file is untouched")
  check.eq(check.read_file(dir .. "/done.txt"), "finished", "a closed file stays")
  check.eq(io.open(dir .. "/unfinished.txt"), nil, "an unfinished one is removed")
  cleanup()
end

function T.args_unfinished_files_go_when_a_script_errors()
  local dir, cleanup = scratch()
  local script = check.write_file(dir .. "/script.lua", ([[
    local args = require "medprof.args"
    local f = args.create("t", %q)
    f:write("half")
    error("boom")
  ]]):format(dir .. "/unfinished.txt"))
  local out, code = check.run(("%q run %q"):format(check.medprof_bin(), script))
  check.truthy(code ~= 0, "failed")
  check.match(out, "boom", "the error")
  check.eq(io.open(dir .. "/unfinished.txt"), nil, "the unfinished file is removed")
  cleanup()
end

return T
