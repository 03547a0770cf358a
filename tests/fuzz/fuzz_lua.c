/* libFuzzer target: the Lua binding's option tables. The input is a little program that
   builds Lua values — tables keyed by the real option names (and junk), values of every Lua
   type: huge, negative and NaN numbers, numeric strings, long strings, nested tables,
   functions — and hands them to one of the binding's entry points:

   - the option readers the bindings themselves use (mpl_*_read_config): medprof.quick and
     medprof.load (then the library's own check of the config, never a run), medprof.ticklog,
     medprof.spawn, p:wait_ready, medprof.probe, p:stop, medprof.vitals — none of them starts
     a process or touches the network;
   - calls whose work is harmless: medprof.ticklog on a tiny log in a temporary file (no
     symbols read), the TickLog's report, top, flamegraph, folded, cpuprofile and speedscope,
     medprof.load_result and a LoadResult's reports, medprof.create and medprof.output_dir in
     a temporary directory made and removed for the input, medprof.json and medprof.args.

   Lua errors (bad options) are expected and caught; a crash, a leak or undefined behaviour is
   a bug. A lua_State serves a few hundred inputs and is then closed, so whatever the binding
   allocated must be freed by then. Option names for the dictionary: tests/fuzz/lua.dict. */
#define MEDPROF_IMPLEMENTATION
#include "medprof.h"

#include "mpl.h"

#include <lualib.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* ---- the input as a stream of choices ---------------------------------------------------- */

typedef struct fz_in {
    const uint8_t *p;
    size_t n;
} fz_in;

static unsigned fz_byte(fz_in *in)
{
    if (!in->n) return 0;
    in->n--;
    return *in->p++;
}

static uint64_t fz_bytes(fz_in *in, int k)
{
    uint64_t v = 0;
    while (k--) v = v << 8 | fz_byte(in);
    return v;
}

/* Every option name the binding reads, and values its enumerations take: table keys and
   strings are drawn from here most of the time, so that the readers get past the key check. */
static const char *const fz_words[] = {
    /* medprof.quick / medprof.load */
    "url", "count", "num", "arrival", "connections", "duration", "requests", "rate", "method",
    "headers", "body", "timeout", "threads", "max_time", "progress", "progress_interval",
    "period",
    /* medprof.ticklog */
    "separate_ic", "separate_bytecodes", "separate_builtins", "separate_stubs",
    "separate_sparkplug_handlers", "ignore_unknown", "ignore_idle", "state", "runtime_timer",
    "call_graph_size", "range", "distortion", "symbols", "symbol_list", "stacks",
    "window",
    /* medprof.phase_report */
    "index", "completed", "at",
    /* prof:report, prof:top, prof:flamegraph */
    "only_summary", "format", "name", "section", "n", "title", "icicle", "width", "baseline",
    /* medprof.spawn, p:wait_ready, medprof.probe, p:stop, medprof.create */
    "env", "cwd", "stdout", "stderr", "append", "exclusive", "host", "port", "interval",
    "grace", "term_grace", "force", "indent",
    /* medprof.vitals, p:vitals, spawn's vitals_pipe */
    "vitals_pipe", "rescan",
    /* values */
    "js", "gc", "parser", "bytecode", "compiler", "other", "external", "idle", "atomics_wait",
    "idle_external", "text", "json",
    "shared", "cpp", "entry", "inherit", "pipe", "null", "GET", "HEAD", "POST",
    "http://127.0.0.1:1/", "http://[::1]:1/x?y#z", "https://127.0.0.1:1/", "127.0.0.1", "-",
    "0,100", "100,0", "-5,1e400", "nan,inf", ",", "5", "1e309", "Name: value", "X:", ":",
    "http.response_time", "http.codes.200", "vusers.session_length", "errors.ECONNRESET",
    "--count", "--num=5", "-c", "--no-quiet", "--", "--header", "x\n\r\t\"<&>",
};
#define FZ_NWORDS (sizeof fz_words / sizeof fz_words[0])

static const lua_Integer fz_integers[] = {
    0, 1, -1, 2, 5, 10, 100, 255, 256, 1000, 10000, 10001, 65535, 65536, 1000000, 1000001,
    INT32_MAX, (lua_Integer)INT32_MAX + 1, INT32_MIN, (lua_Integer)INT32_MIN - 1, UINT32_MAX,
    (lua_Integer)UINT32_MAX + 1, (lua_Integer)1 << 53, INT64_MAX, INT64_MIN, INT64_MIN + 1,
};
static const double fz_floats[] = {
    0.0, -0.0, 0.5, -0.5, 1.5, 3.0, 1e-9, 5e-324, 1e9, 1e12, 1e18, 9.3e18, 1e300, -1e300,
    1.7976931348623157e308, 9007199254740993.0, 2147483648.0, -2147483649.0, 4294967296.0,
};

/* ---- building values ----------------------------------------------------------------------- */

#define FZ_MAX_DEPTH 4
#define FZ_MAX_ENTRIES 16

static void fz_push_value(lua_State *L, fz_in *in, int depth);

static void fz_push_string(lua_State *L, fz_in *in)
{
    size_t len = (size_t)fz_bytes(in, 2) % 4096;
    if (len > in->n) len = in->n;
    lua_pushlstring(L, (const char *)in->p, len);
    in->p += len;
    in->n -= len;
}

/* A long string: up to 1 MB of one byte, or of a word repeated. */
static void fz_push_long_string(lua_State *L, fz_in *in)
{
    unsigned shift = fz_byte(in) % 21, c = fz_byte(in);
    luaL_Buffer b;
    size_t len = (size_t)1 << shift, wlen, i;
    const char *word = fz_words[c % FZ_NWORDS];
    /* filled with memset/memcpy, not a byte loop: coverage tracing of a 1 MB loop took a
       fifth of the fuzzer's time */
    char *s;
    if (c & 1) {
        s = luaL_buffinitsize(L, &b, len);
        memset(s, (char)(c >> 1), len);
    } else {
        wlen = strlen(word);
        len = (len + wlen - 1) / wlen * wlen;
        s = luaL_buffinitsize(L, &b, len);
        for (i = 0; i < len; i += wlen) memcpy(s + i, word, wlen);
    }
    luaL_pushresultsize(&b, len);
}

static void fz_push_numeric_string(lua_State *L, fz_in *in)
{
    static const char *const nums[] = { "10", "-1", "0x10", "1e400", "-1e400", "nan", "inf",
                                         " 5 ", "3.0", "0x7fffffffffffffff", "9223372036854775808",
                                         "-9223372036854775809", "1e-400", "0", "" };
    lua_pushstring(L, nums[fz_byte(in) % (sizeof nums / sizeof nums[0])]);
}

/* A table: array entries, option names, junk keys and keys of other types. */
static void fz_push_table(lua_State *L, fz_in *in, int depth)
{
    unsigned n = fz_byte(in) % FZ_MAX_ENTRIES, i, k;
    lua_createtable(L, 0, 0);
    for (i = 0; i < n && in->n; i++) {
        switch ((k = fz_byte(in)) % 8) {
        case 0: case 1: case 2: case 3: lua_pushstring(L, fz_words[fz_byte(in) % FZ_NWORDS]); break;
        case 4: fz_push_string(L, in); break;
        case 5: lua_pushinteger(L, (lua_Integer)(i + 1)); break;
        case 6: lua_pushinteger(L, (lua_Integer)(int8_t)fz_byte(in)); break;
        default: /* a key of another type: float, boolean, table; NaN raises, caught */
            if (k & 8) lua_pushnumber(L, (k & 16) ? NAN : 1.5);
            else if (k & 16) lua_pushboolean(L, 1);
            else lua_newtable(L);
            break;
        }
        fz_push_value(L, in, depth + 1);
        lua_settable(L, -3);
    }
}

/* A function from a small set: returns true, returns nothing, raises, raises a table. */
static void fz_push_function(lua_State *L, fz_in *in)
{
    static const char *const bodies[] = {
        "return true", "return", "error('from a callback')", "error({})",
        "return ...", "local t = ... return t and t.requests",
    };
    const char *body = bodies[fz_byte(in) % (sizeof bodies / sizeof bodies[0])];
    if (luaL_loadstring(L, body) != LUA_OK) lua_error(L);
}

static void fz_push_value(lua_State *L, fz_in *in, int depth)
{
    unsigned op = fz_byte(in);
    luaL_checkstack(L, 8, "fuzz value");
    switch (op % 16) {
    case 0: lua_pushnil(L); break;
    case 1: lua_pushboolean(L, 0); break;
    case 2: lua_pushboolean(L, 1); break;
    case 3: lua_pushinteger(L, (lua_Integer)(int8_t)fz_byte(in)); break;
    case 4: lua_pushinteger(L, fz_integers[fz_byte(in) % (sizeof fz_integers / sizeof fz_integers[0])]); break;
    case 5: lua_pushinteger(L, (lua_Integer)fz_bytes(in, 8)); break;
    case 6: {
        unsigned i = fz_byte(in);
        double v = i % 4 == 3 ? (i & 4 ? INFINITY : -INFINITY) : i % 4 == 2 ? NAN
                   : fz_floats[(i >> 2) % (sizeof fz_floats / sizeof fz_floats[0])];
        lua_pushnumber(L, (i % 4 == 1) ? -v : v);
        break;
    }
    case 7: {
        uint64_t bits = fz_bytes(in, 8);
        double v;
        memcpy(&v, &bits, sizeof v);
        lua_pushnumber(L, v);
        break;
    }
    case 8: fz_push_string(L, in); break;
    case 9: case 10: lua_pushstring(L, fz_words[fz_byte(in) % FZ_NWORDS]); break;
    case 11: fz_push_long_string(L, in); break;
    case 12: fz_push_numeric_string(L, in); break;
    case 13: if (depth < FZ_MAX_DEPTH) fz_push_table(L, in, depth); else lua_pushnil(L); break;
    case 14: fz_push_function(L, in); break;
    default: lua_getglobal(L, "io"); lua_getfield(L, -1, "stdout"); lua_remove(L, -2); break;
    }
}

/* ---- the option readers, as Lua functions -------------------------------------------------- */

/* The readers promise that what a config points to stays alive while the table and the
   values they left on the stack do. A full collection, then reading every string, makes a
   broken promise a use-after-free that ASan reports (a string converted from a number and
   popped, say). */
static volatile size_t fz_sink; /* what the touches read goes here: they cannot be elided */

static size_t fz_touch(const char *s) { return s ? strlen(s) : 0; }

static size_t fz_touch_list(const char *const *list)
{
    size_t n = 0;
    for (; list && *list; list++) n += fz_touch(*list);
    return n;
}

static unsigned fz_touch_bytes(const char *p, size_t n)
{
    unsigned sum = 0;
    while (p && n--) sum += (unsigned char)*p++;
    return sum;
}

static void fz_collect(lua_State *L) { lua_gc(L, LUA_GCCOLLECT); }

/* The arithmetic mp_load_run does with a checked config before it starts threads: it must
   stay within int64 nanoseconds whatever the options (a float-to-integer overflow there is
   undefined behaviour, and the deadlines it computes would be garbage). */
static void fz_check_load_plan(const mp_load_config *cfg)
{
    mp__lrun run;
    mp_error err;
    mp__url url;
    mp_buf req;
    int64_t t0 = mp__ns() + 2 * 1000000LL;
    memset(&run, 0, sizeof run);
    if (mp__lrun_check(cfg, &run, &err) != MP_OK) return;
    MP_ASSERT(run.threads >= 1 && run.threads <= 1024);
    if (run.model != MP_LOAD_VUSERS && run.duration > 0) (void)(t0 + mp__sec_ns(run.duration));
    (void)(t0 + mp__sec_ns(run.max_time));
    (void)(t0 + mp__sec_ns(run.timeout));
    (void)(t0 + mp__sec_ns(run.progress_interval));
    (void)(t0 + mp__sec_ns(run.arrival));
    if (run.model == MP_LOAD_OPEN) (void)(uint64_t)(run.rate * run.duration + 0.5);
    if (mp__url_parse(cfg->url, &url, &err) != MP_OK) return;
    memset(&req, 0, sizeof req);
    if (strcmp(url.scheme, "http") == 0 && mp__build_request(cfg, &url, &req, &err) == MP_OK)
        MP_ASSERT(req.len > 0);
    mp_buf_free(&req);
    mp__url_free(&url);
}

/* fz.load_config(opts, quick): medprof.quick's (or medprof.load's) reader, then the checks
   of mp_load_run that come before any network work. */
static int fz_load_config(lua_State *L)
{
    mp_load_config cfg;
    int progress_fn, period_fn;
    mp_load_model model = lua_toboolean(L, 2) ? MP_LOAD_VUSERS : MP_LOAD_CLOSED;
    lua_settop(L, 1);
    mpl_load_read_config(L, 1, model, &cfg, &progress_fn, &period_fn);
    fz_collect(L);
    fz_sink += fz_touch(cfg.url) + fz_touch(cfg.method) + fz_touch_list(cfg.headers) +
               fz_touch_bytes(cfg.body, cfg.body_len);
    fz_check_load_plan(&cfg);
    return 0;
}

static int fz_tick_config(lua_State *L)
{
    mp_tick_config cfg;
    if (!lua_isnoneornil(L, 1)) luaL_checktype(L, 1, LUA_TTABLE);
    mpl_tick_read_config(L, lua_isnoneornil(L, 1) ? 0 : 1, &cfg);
    fz_collect(L);
    fz_sink += fz_touch(cfg.symbol_list) + fz_touch(cfg.runtime_timer) +
               fz_touch(cfg.v8_version);
    return 0;
}

static int fz_spawn_config(lua_State *L)
{
    mp_proc_config cfg;
    lua_settop(L, 1);
    mpl_spawn_read_config(L, 1, &cfg);
    MP_ASSERT(cfg.argv && cfg.argv[0]);
    fz_collect(L);
    fz_sink += fz_touch_list(cfg.argv) + fz_touch_list(cfg.env) + fz_touch(cfg.cwd) +
               fz_touch(cfg.stdout_path) + fz_touch(cfg.stderr_path);
    return 0;
}

/* fz.vitals_config(opts): medprof.vitals's reader, for this process (never started) */
static int fz_vitals_config(lua_State *L)
{
    mp_vitals_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.pid = (int)getpid();
    lua_settop(L, 1);
    mpl_vitals_read_config(L, 1, &cfg);
    MP_ASSERT(mp_vitals_config_check(&cfg, NULL) == MP_OK);
    return 0;
}

static int fz_ready_config(lua_State *L)
{
    mp_ready_config cfg;
    mp_stop_config stop;
    mpl_ready_read_config(L, 1, lua_toboolean(L, 3), &cfg);
    mpl_stop_read_config(L, 2, &stop);
    fz_collect(L);
    fz_sink += fz_touch(cfg.url) + fz_touch(cfg.host);
    return 0;
}

static const luaL_Reg fz_funcs[] = {
    { "load_config", fz_load_config },
    { "tick_config", fz_tick_config },
    { "spawn_config", fz_spawn_config },
    { "ready_config", fz_ready_config },
    { "vitals_config", fz_vitals_config },
    { NULL, NULL }
};

/* ---- the driver -------------------------------------------------------------------------- */

/* A tiny tick log with JS, builtin, stub and IC code, stacks, a library and stray addresses. */
static const char fz_log_text[] =
    "v8-version,11,3,244,8,-node.38,0\n"
    "v8-platform,linux,linux\n"
    "shared-library,/fake/node,0x400000,0x2600000,0\n"
    "shared-library,/fake/libc.so.6,0x7f0000000000,0x7f0000100000,0\n"
    "shared-library-end\n"
    "profiler,begin,1000\n"
    "code-creation,Builtin,2,100,0x18c4000,768,ArgumentsAdaptorTrampoline\n"
    "code-creation,Builtin,2,101,0x18c4340,772,KeyedLoadIC_Megamorphic\n"
    "code-creation,BytecodeHandler,0,102,0x18c5000,100,LdaZero\n"
    "code-creation,Stub,0,103,0x18c6000,64,CEntry\n"
    "code-creation,JS,10,200,0x34bbce28ad66,120, node:internal/main/run_main_module:1:1,0x34bbce28abf0,~\n"
    "code-creation,JS,10,210,0x34bbce28b3c6,45,fib /app/a.js:1:13,0x25f288dc4dc0,*\n"
    "code-creation,JS,10,220,0x34bbce28d05e,313,main /app/a.js:9:1,0x25f288dc5358,^\n"
    "code-creation,RegExp,0,230,0x34bbce28e000,64,a+b\n"
    "code-move,0x34bbce28e000,0x34bbce28f000\n"
    "tick,0x34bbce28b3d0,1000,0,0x0,0,0x34bbce28d070,0x34bbce28ad8c\n"
    "tick,0x34bbce28d070,2000,0,0x0,0,0x34bbce28ad8c\n"
    "tick,0x18c4010,3000,0,0x0,0,0x34bbce28b3d0,0x34bbce28d070,0x34bbce28ad8c\n"
    "tick,0x18c5010,3500,0,0x0,1,0x34bbce28b3d0\n"
    "tick,0x7f0000000100,4000,0,0x0,6,0x34bbce28d070\n"
    "tick,0x1266c0c,5000,0,0x0,2\n"
    "tick,0x18c6010,6000,1,0x34bbce28b3d0,3,0x34bbce28b3d0,0x34bbce28b3d0,0x34bbce28b3d0\n"
    "tick,0x9999999999,7000,0,0x0,4\n"
    "code-delete,0x34bbce28d05e\n"
    "tick,0x34bbce28d070,8000,0,0x0,5,0x34bbce28ad8c\n"
    "tick,0x34bbce28f010,9000,0,0x0,7\n";

/* A LoadResult's JSON (what r:json() writes), for medprof.load_result and its reports. */
static const char fz_result_json[] =
    "{\"aggregate\":{\"counters\":{\"http.codes.200\":3,\"http.requests\":4,\"http.responses\":3,"
    "\"errors.ECONNRESET\":1,\"vusers.created\":1,\"vusers.failed\":1},"
    "\"firstMetricAt\":1700000000000,\"lastMetricAt\":1700000002000,"
    "\"summaries\":{\"http.response_time\":{\"min\":1.2,\"max\":9.5,\"count\":3,\"mean\":4,"
    "\"p50\":2,\"median\":2,\"p75\":9.5,\"p90\":9.5,\"p95\":9.5,\"p99\":9.5,\"p999\":9.5}}}}";

/* Runs target (0..) on the values a, b, c the input built; called in protected mode. */
static const char fz_driver[] =
    "local medprof, fz, target, a, b, c = ...\n"
    "os.exit = function(code) error('os.exit ' .. tostring(code)) end -- args.die must not end the fuzzer\n"
    "local function tick(stacks)\n"
    "  return assert(medprof.ticklog(fz.log, { stacks = stacks, symbols = false }))\n"
    "end\n"
    "if target == 0 then fz.load_config(a, true) medprof.check_options('quick', a)\n"
    "elseif target == 1 then fz.load_config(a, false) medprof.check_options('load', a)\n"
    "elseif target == 2 then\n"
    "  fz.tick_config(a)\n"
    "  medprof.check_options('ticklog', a)\n"
    "  if type(a) == 'table' then\n"
    "    a.symbols, a.symbol_list = false, nil -- no ELF or symbols files of this machine\n"
    "    local p = medprof.ticklog(fz.log, a)\n"
    "    if p then p:report(); p:report{ format = 'json' }; p:summary(); p:bottom_up()\n"
    "      if a.stacks == true then p:folded(); p:flamegraph(); p:cpuprofile(); p:speedscope() end\n"
    "      p:add(fz.log); p:report(); p:close() end\n"
    "  end\n"
    "elseif target == 3 then local p = tick(false) p:report(a) p:top(b)\n"
    "elseif target == 4 then\n"
    "  local p = tick(true)\n"
    "  if type(a) == 'table' and b then a.baseline = p end\n"
    "  p:flamegraph(a)\n"
    "elseif target == 5 then local p = tick(true) p:speedscope(a) p:folded() p:cpuprofile()\n"
    "elseif target == 6 then fz.spawn_config(a) fz.vitals_config(b)\n"
    "elseif target == 7 then fz.ready_config(a, b, c)\n"
    "elseif target == 8 then -- in a directory of its own, removed whatever happens\n"
    "  local dir = fz.mkdtemp()\n"
    "  local ok, err = pcall(function()\n"
    "    local f = medprof.create(dir .. '/out', a)\n"
    "    if f then f:write('x') f:close() end\n"
    "    local g = medprof.create(dir .. '/out', b)\n"
    "    if g then g:close() end\n"
    "    medprof.output_dir(dir .. '/d/e', c)\n"
    "  end)\n"
    "  for _, p in ipairs{ '/out', '/d/e', '/d', '' } do os.remove(dir .. p) end\n"
    "  if not ok then error(err, 0) end\n"
    "elseif target == 9 then\n"
    "  local r = medprof.load_result(type(a) == 'string' and a or fz.result)\n"
    "  if r then r:report() r:metrics() r:period_report() r:json() r:latency_table() r:html(b)\n"
    "    medprof.vus_finished_report(r.duration) medprof.phase_report(type(b) == 'table' and b or {})\n"
    "    local h = r:hist(type(c) == 'string' and c or 'http.response_time')\n"
    "    if h then h:percentile(b) end\n"
    "    r:counter(c) r:merge(r) local _ = r.series, r.codes, r.errors, r.counters end\n"
    "elseif target == 10 then\n"
    "  local text = medprof.json.encode(a, b)\n"
    "  medprof.json.decode(type(c) == 'string' and c or text)\n"
    "else\n"
    "  local args = require 'medprof.args'\n"
    "  local spec = { name = 'fuzz',\n"
    "    { 'count', 'c', 'integer', 'users', default = 10 }, { 'rate', nil, 'number', 'r' },\n"
    "    { 'header', 'H', 'list', 'h' }, { 'quiet', 'q', 'flag', 'q' },\n"
    "    { 'url', nil, 'string', 'u' } }\n"
    "  if type(a) == 'table' then args.try_parse(a, spec) end\n"
    "  if type(b) == 'table' then args.env(b, 'fuzz') end\n"
    "end\n";
#define FZ_TARGETS 12

/* The tiny log lives in an unlinked temporary file, opened by its /proc/self/fd name: a
   fuzzer that crashes or is stopped leaves nothing behind in /tmp. */
static char fz_log_path[64];

static void fz_close_state(void);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    FILE *f = tmpfile(); /* kept open for the process's life */
    (void)argc;
    (void)argv;
    if (!f || fwrite(fz_log_text, 1, sizeof fz_log_text - 1, f) != sizeof fz_log_text - 1 ||
        fflush(f) != 0)
        abort();
    snprintf(fz_log_path, sizeof fz_log_path, "/proc/self/fd/%d", fileno(f));
    atexit(fz_close_state);
    return 0;
}

/* fz.mkdtemp() → a new empty directory for one input's files (the driver removes it) */
static int fz_mkdtemp(lua_State *L)
{
    char dir[] = "/tmp/medprof-fuzz-lua-XXXXXX";
    if (!mkdtemp(dir)) return luaL_error(L, "mkdtemp: %s", strerror(errno));
    lua_pushstring(L, dir);
    return 1;
}

/* Builds the values and runs the driver: all inside lua_pcall, so that an error while
   building (a NaN key) is just an error. */
static int fz_run(lua_State *L)
{
    fz_in *in = (fz_in *)lua_touserdata(L, 1);
    unsigned target = fz_byte(in) % FZ_TARGETS;
    int i;
    lua_settop(L, 0);
    lua_getfield(L, LUA_REGISTRYINDEX, "fuzz_lua.driver"); /* compiled once per state */
    lua_getglobal(L, "require");
    lua_pushliteral(L, "medprof");
    lua_call(L, 1, 1);
    luaL_newlib(L, fz_funcs);
    lua_pushstring(L, fz_log_path);
    lua_setfield(L, -2, "log");
    lua_pushcfunction(L, fz_mkdtemp);
    lua_setfield(L, -2, "mkdtemp");
    lua_pushstring(L, fz_result_json);
    lua_setfield(L, -2, "result");
    lua_pushinteger(L, (lua_Integer)target);
    /* the first value is an option table most of the time */
    if (fz_byte(in) % 8) fz_push_table(L, in, 0);
    else fz_push_value(L, in, 0);
    for (i = 0; i < 2; i++) fz_push_value(L, in, 0);
    lua_call(L, 6, 0);
    return 0;
}

/* A lua_State lives for FZ_STATE_RUNS inputs, then is closed, so whatever the binding
   allocated must be freed by then (and LeakSanitizer sees what never is). A fresh state per
   input spent nine tenths of the time opening the libraries under ASan. Between inputs a full
   collection runs every finaliser the input's values had. */
#define FZ_STATE_RUNS 200

typedef struct fz_state {
    lua_State *L;
    unsigned runs;
} fz_state;

static fz_state fz_st;

static void fz_close_state(void)
{
    if (fz_st.L) lua_close(fz_st.L);
    fz_st.L = NULL;
}

static lua_State *fz_state_for_input(void)
{
    if (fz_st.L && fz_st.runs++ < FZ_STATE_RUNS) return fz_st.L;
    fz_close_state();
    fz_st.runs = 1;
    if (!(fz_st.L = luaL_newstate())) return NULL;
    luaL_openlibs(fz_st.L);
    luaL_requiref(fz_st.L, "medprof", luaopen_medprof, 0);
    lua_pop(fz_st.L, 1);
    if (luaL_loadbufferx(fz_st.L, fz_driver, sizeof fz_driver - 1, "=fuzz_lua driver", "t") !=
        LUA_OK)
        abort();
    lua_setfield(fz_st.L, LUA_REGISTRYINDEX, "fuzz_lua.driver");
    return fz_st.L;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lua_State *L = fz_state_for_input();
    fz_in in = { data, size };
    if (!L) return 0;
    lua_pushcfunction(L, fz_run);
    lua_pushlightuserdata(L, &in);
    /* errors are the expected answer to bad options; FUZZ_LUA_VERBOSE=1 shows them, to see
       how far an input gets */
    if (lua_pcall(L, 1, 0, 0) != LUA_OK && getenv("FUZZ_LUA_VERBOSE"))
        fprintf(stderr, "fuzz_lua: %s\n", luaL_tolstring(L, -1, NULL));
    lua_settop(L, 0);
    lua_gc(L, LUA_GCCOLLECT);
    return 0;
}
