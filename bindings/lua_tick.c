/* lua_tick.c - the tick part: medprof.ticklog and medprof.TickLog objects.

   local prof, err = medprof.ticklog("isolate-0x1-v8.log", { separate_ic = false })
   print(prof:report{ only_summary = true })
   for _, row in ipairs(prof:top{ section = "js", n = 5 }) do print(row.ticks, row.name) end

   Options mirror `node --prof-process`: separate_ic, separate_bytecodes, separate_builtins,
   separate_stubs (booleans), ignore_unknown, state ("js", "gc", "parser", "bytecode",
   "compiler", "other", "external"), runtime_timer, call_graph_size, range ("start,end" in
   ms, read as node reads --range), distortion (picoseconds: a number, or text read as node
   reads --distortion); plus where C++ symbols come from: symbols = PATH (a `medprof symbols`
   file), symbols = false (none), symbol_list = PATH (placed "START END NAME" lines);
   default: the libraries' own ELF files on this machine. timed_range, pairwise_timed_range
   (booleans: node's --timed-range, --ptr), v8_version (what the log's v8-version record is
   compared with; default none), node (18 to 26: read the log as that node's --prof-process
   does; default: as the node that wrote it, from its v8-version record), preprocess = true
   (keep what prof:preprocess() prints), threads = 1 (read and attribute on one thread;
   default: a log file is read ahead by a second thread, the same report in less time).
   prof:report{ name = } sets the header's log name, prof:add(path) merges another
   isolate's log, prof:version_note() is the line node prints before its report, or nil. */
#include "mpl.h"

#include <string.h>

#define MPL_TICK "medprof.TickLog"

typedef struct mpl_tick {
    mp_tick_profile *p;  /* NULL once closed */
    mp_symtab *syms;     /* owned; used again by :add */
    mp_flame *flame;     /* with stacks = true: every tick's stack as a tree, for :folded()
                            and :flamegraph() */
    int samples;         /* samples = true: the flame tree keeps every tick, for the viewers */
    int preprocess;      /* read with preprocess = true, for :preprocess() */
} mpl_tick;


static mpl_tick *mpl_checktick(lua_State *L, int idx)
{
    mpl_tick *u = (mpl_tick *)luaL_checkudata(L, idx, MPL_TICK);
    if (!u->p) luaL_error(L, "attempt to use a closed tick log");
    return u;
}

static const char *const mpl_tick_keys[] = {
    "separate_ic", "separate_bytecodes", "separate_builtins", "separate_stubs",
    "separate_sparkplug_handlers", "ignore_unknown", "ignore_idle", "state", "runtime_timer",
    "call_graph_size", "range", "distortion", "symbols", "symbol_list", "stacks",
    "samples", "timed_range", "pairwise_timed_range", "preprocess", "v8_version", "threads",
    "node", "window", NULL
};

/* In mp_tick_vm's order: the numbers V8 writes. */
static const char *const mpl_state_names[] = {
    "js", "gc", "parser", "bytecode", "compiler", "other", "external", "atomics_wait", "idle",
    "logging", "idle_external", NULL
};

static mp_tick_bool mpl_tick_bool(lua_State *L, int opts, const char *name)
{
    mp_tick_bool v = MP_TICK_DEFAULT;
    if (lua_getfield(L, opts, name) != LUA_TNIL) {
        if (!lua_isboolean(L, -1)) luaL_error(L, "%s option must be a boolean", name);
        v = lua_toboolean(L, -1) ? MP_TICK_YES : MP_TICK_NO;
    }
    lua_pop(L, 1);
    return v;
}

/* Fills cfg from the option table at opts (0: none), raising on a bad option (a wrong type,
   or a value the library's mp_tick_config_check refuses), except the symbols
   (mpl_tick_symbols reads those files). Strings stay owned by the table. It only reads: the
   fuzzer (tests/fuzz/fuzz_lua.c) calls it directly. */
void mpl_tick_read_config(lua_State *L, int opts, mp_tick_config *cfg)
{
    mp_error err;
    memset(cfg, 0, sizeof *cfg);
    if (!opts) return;
    mpl_check_keys(L, opts, mpl_tick_keys);
    cfg->separate_ic = mpl_tick_bool(L, opts, "separate_ic");
    cfg->separate_bytecodes = mpl_tick_bool(L, opts, "separate_bytecodes");
    cfg->separate_builtins = mpl_tick_bool(L, opts, "separate_builtins");
    cfg->separate_stubs = mpl_tick_bool(L, opts, "separate_stubs");
    (void)mpl_tick_bool(L, opts, "separate_sparkplug_handlers"); /* parsed, unused, as in V8 */
    cfg->ignore_unknown = mpl_opt_boolean(L, opts, "ignore_unknown", 0);
    cfg->ignore_idle = mpl_opt_boolean(L, opts, "ignore_idle", 0);
    if (lua_getfield(L, opts, "state") != LUA_TNIL) {
        int i;
        const char *s = lua_tostring(L, -1);
        if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "state option must be a string");
        for (i = 0; mpl_state_names[i] && strcmp(mpl_state_names[i], s) != 0; i++) {}
        if (!mpl_state_names[i])
            luaL_error(L, "state option must be js, gc, parser, bytecode, compiler, other, "
                          "external, atomics_wait, idle, logging or idle_external, not '%s'", s);
        cfg->filter_state = 1;
        cfg->state = (mp_tick_vm)i;
    }
    lua_pop(L, 1);
    cfg->runtime_timer = mpl_opt_string(L, opts, "runtime_timer", NULL);
    {
        lua_Integer cgs = mpl_opt_integer(L, opts, "call_graph_size", 5);
        if (cgs < 0 || cgs > 10000) luaL_error(L, "call_graph_size option must be 0..10000");
        cfg->call_graph_size = cgs == 0 ? -1 : (int)cgs;
    }
    if (lua_getfield(L, opts, "range") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "range option must be a string");
        cfg->has_range = 1;
        mp_tick_parse_range(lua_tostring(L, -1), &cfg->range_start, &cfg->range_end);
    }
    lua_pop(L, 1);
    switch (lua_getfield(L, opts, "distortion")) {
    case LUA_TNIL: break;
    case LUA_TNUMBER: cfg->distortion = lua_tonumber(L, -1); break;
    case LUA_TSTRING: cfg->distortion = mp_tick_parse_distortion(lua_tostring(L, -1)); break;
    default: luaL_error(L, "distortion option must be a number");
    }
    lua_pop(L, 1);
    cfg->symbol_list = mpl_opt_string(L, opts, "symbol_list", NULL);
    cfg->timed_range = mpl_opt_boolean(L, opts, "timed_range", 0);
    cfg->pairwise_timed_range = mpl_opt_boolean(L, opts, "pairwise_timed_range", 0);
    cfg->preprocess = mpl_opt_boolean(L, opts, "preprocess", 0);
    {
        lua_Integer threads = mpl_opt_integer(L, opts, "threads", 0);
        if (threads < 0 || threads > 2) luaL_error(L, "threads option must be 0 (default), 1 or 2");
        cfg->threads = (int)threads;
    }
    cfg->v8_version = mpl_opt_string(L, opts, "v8_version", NULL);
    cfg->node = mpl_opt_int(L, opts, "node", 0);
    if (lua_getfield(L, opts, "window") != LUA_TNIL) {
        if (!lua_istable(L, -1)) luaL_error(L, "window option must be { START, END } (seconds)");
        lua_rawgeti(L, -1, 1);
        lua_rawgeti(L, -2, 2);
        if (!lua_isnumber(L, -2) || !lua_isnumber(L, -1))
            luaL_error(L, "window option must be { START, END } (seconds)");
        cfg->window = 1;
        cfg->window_start = lua_tonumber(L, -2);
        cfg->window_end = lua_tonumber(L, -1);
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    mpl_check_config(L, mp_tick_config_check(cfg, &err), &err);
}

/* symbols = PATH | false | nil (the local files, unless a symbol_list is given). */
static mp_err mpl_tick_symbols(lua_State *L, int opts, mp_tick_config *cfg, mp_symtab **out,
                               mp_error *err)
{
    int t = opts ? lua_getfield(L, opts, "symbols") : LUA_TNIL;
    const char *path = NULL;
    mp_err rc;
    *out = NULL;
    if (t == LUA_TSTRING) path = lua_tostring(L, -1);
    else if (t == LUA_TBOOLEAN && lua_toboolean(L, -1))
        luaL_error(L, "symbols option must be a path or false");
    else if (t != LUA_TNIL && t != LUA_TBOOLEAN)
        luaL_error(L, "symbols option must be a path or false");
    if (opts) lua_pop(L, 1);
    if (t == LUA_TBOOLEAN) { cfg->no_symbols = 1; return MP_OK; }
    if (!path) return MP_OK; /* the library reads this machine's files itself */
    if ((rc = mp_symtab_new(out, err)) != MP_OK) return rc;
    if ((rc = mp_symtab_load_file(*out, path, err)) != MP_OK) {
        mp_symtab_free(*out);
        *out = NULL;
    }
    return rc;
}

static int mpl_ticklog(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int opts = lua_isnoneornil(L, 2) ? 0 : 2;
    mp_tick_config cfg;
    mpl_tick *u;
    mp_error err;
    if (opts) luaL_checktype(L, 2, LUA_TTABLE);
    mpl_tick_read_config(L, opts, &cfg);
    u = (mpl_tick *)lua_newuserdatauv(L, sizeof *u, 0);
    u->p = NULL;
    u->syms = NULL;
    u->flame = NULL;
    u->samples = opts && mpl_opt_boolean(L, opts, "samples", 0);
    u->preprocess = cfg.preprocess;
    luaL_setmetatable(L, MPL_TICK);
    if (mpl_tick_symbols(L, opts, &cfg, &u->syms, &err) != MP_OK) return mpl_fail(L, &err);
    cfg.symbols = u->syms;
    if (u->samples || (opts && mpl_opt_boolean(L, opts, "stacks", 0))) {
        if (mp_flame_new(&u->flame, &err) != MP_OK) return mpl_fail(L, &err);
        /* A sample per tick grows with the log: only the viewers' timelines need it. */
        if (u->samples) {
            mp_flame_keep_samples(u->flame);
            cfg.on_stack = mp_flame_stack;
        } else {
            cfg.on_stacks = mp_flame_stacks; /* no times: the log can be read ahead */
        }
        cfg.stack_user = u->flame;
    }
    if (mp_tick_parse_file(path, &cfg, &u->p, &err) != MP_OK) return mpl_fail(L, &err);
    return 1;
}

/* prof:add(path): merges one more log (another isolate) into the profile. */
static int mpl_tick_add(lua_State *L)
{
    mpl_tick *u = mpl_checktick(L, 1);
    mp_error err;
    if (mp_tick_add_file(u->p, luaL_checkstring(L, 2), &err) != MP_OK) return mpl_fail(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

static int mpl_tick_report(lua_State *L)
{
    static const char *const keys[] = { "only_summary", "format", "name", NULL };
    static const char *const formats[] = { "text", "json", NULL };
    mpl_tick *u = mpl_checktick(L, 1);
    mp_tick_write_options o;
    mp_buf out;
    mp_error err;
    mp_err rc;
    int json = 0;
    memset(&o, 0, sizeof o);
    memset(&out, 0, sizeof out);
    if (!lua_isnoneornil(L, 2)) {
        const char *f;
        int i;
        luaL_checktype(L, 2, LUA_TTABLE);
        mpl_check_keys(L, 2, keys);
        o.only_summary = mpl_opt_boolean(L, 2, "only_summary", 0);
        o.log_name = mpl_opt_string(L, 2, "name", NULL);
        f = mpl_opt_string(L, 2, "format", "text");
        for (i = 0; formats[i] && strcmp(formats[i], f) != 0; i++) {}
        if (!formats[i]) luaL_error(L, "format option must be text or json, not '%s'", f);
        json = i == 1;
    }
    rc = json ? mp_tick_write_json(u->p, &o, &out, &err)
              : mp_tick_write_text(u->p, &o, &out, &err);
    return mpl_push_buf(L, rc, &out, &err);
}

static void mpl_set_count(lua_State *L, const char *k, uint64_t v)
{
    lua_pushinteger(L, (lua_Integer)v);
    lua_setfield(L, -2, k);
}

static int mpl_tick_summary(lua_State *L)
{
    mpl_tick *u = mpl_checktick(L, 1);
    mp_tick_summary s;
    mp_tick_get_summary(u->p, &s);
    lua_createtable(L, 0, 14);
    mpl_set_count(L, "ticks", s.ticks);
    mpl_set_count(L, "unaccounted", s.unaccounted);
    mpl_set_count(L, "excluded", s.excluded);
    mpl_set_count(L, "total", s.total);
    mpl_set_count(L, "js", s.js);
    mpl_set_count(L, "cpp", s.cpp);
    mpl_set_count(L, "gc", s.gc);
    mpl_set_count(L, "shared", s.shared);
    mpl_set_count(L, "lines", s.lines);
    mpl_set_count(L, "unknown_records", s.unknown_records);
    mpl_set_count(L, "bad_lines", s.bad_lines);
    lua_pushinteger(L, s.node);
    lua_setfield(L, -2, "node");
    return 1;
}

static int mpl_tick_top(lua_State *L)
{
    static const char *const keys[] = { "section", "n", NULL };
    static const char *const sections[] = { "shared", "js", "cpp", "entry", NULL };
    mpl_tick *u = mpl_checktick(L, 1);
    const mp_tick_row *rows;
    lua_Integer limit = 10;
    size_t n, i;
    int sec = MP_TICK_JS;
    if (!lua_isnoneornil(L, 2)) {
        const char *s;
        luaL_checktype(L, 2, LUA_TTABLE);
        mpl_check_keys(L, 2, keys);
        s = mpl_opt_string(L, 2, "section", "js");
        for (sec = 0; sections[sec] && strcmp(sections[sec], s) != 0; sec++) {}
        if (!sections[sec])
            luaL_error(L, "section option must be shared, js, cpp or entry, not '%s'", s);
        limit = mpl_opt_integer(L, 2, "n", 10);
        if (limit < 0) luaL_error(L, "n option must not be negative");
    }
    n = mp_tick_rows(u->p, (mp_tick_section)sec, &rows);
    if ((lua_Integer)n > limit) n = (size_t)limit;
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_createtable(L, 0, 3);
        lua_pushstring(L, rows[i].name);
        lua_setfield(L, -2, "name");
        mpl_set_count(L, "ticks", rows[i].ticks);
        lua_pushnumber(L, rows[i].pct);
        lua_setfield(L, -2, "pct");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static void mpl_push_node(lua_State *L, const mp_tick_node *nodes, uint32_t i)
{
    uint32_t k;
    luaL_checkstack(L, 4, "bottom-up tree too deep");
    lua_createtable(L, 0, 3);
    lua_pushstring(L, nodes[i].name);
    lua_setfield(L, -2, "name");
    mpl_set_count(L, "total", nodes[i].total);
    lua_createtable(L, (int)nodes[i].n_children, 0);
    for (k = 0; k < nodes[i].n_children; k++) {
        mpl_push_node(L, nodes, nodes[i].first_child + k);
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "children");
}

/* { name = "", total = N, children = { { name =, total =, children = {...} }, ... } }: total
   is the ticks through a node, children in the report's order. */
static int mpl_tick_bottom_up(lua_State *L)
{
    mpl_tick *u = mpl_checktick(L, 1);
    const mp_tick_node *nodes;
    if (mp_tick_bottom_up(u->p, &nodes) == 0) { lua_newtable(L); return 1; }
    mpl_push_node(L, nodes, 0);
    return 1;
}

static int mpl_tick_warnings(lua_State *L)
{
    mpl_tick *u = mpl_checktick(L, 1);
    const char *const *list;
    size_t n = mp_tick_warnings(u->p, &list), i;
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_pushstring(L, list[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* prof:folded() → "outer;...;top COUNT" lines for flamegraph.pl, inferno or speedscope */
static int mpl_tick_folded(lua_State *L)
{
    mpl_tick *u = mpl_checktick(L, 1);
    mp_buf b = { 0 };
    mp_error err;
    mp_err rc;
    if (!u->flame) return luaL_error(L, "folded stacks need medprof.ticklog(path, { stacks = true })");
    rc = mp_flame_write_folded(u->flame, &b, &err);
    return mpl_push_buf(L, rc, &b, &err);
}

/* prof:flamegraph{ title =, icicle =, width =, baseline = other } → an SVG document (with
   stacks = true); with a baseline, a differential graph coloured by change of share */
static int mpl_tick_flamegraph(lua_State *L)
{
    static const char *const keys[] = { "title", "icicle", "width", "baseline", NULL };
    mpl_tick *u = mpl_checktick(L, 1);
    mp_flame_options fo;
    mp_buf b = { 0 };
    mp_error err;
    mp_err rc;
    memset(&fo, 0, sizeof fo);
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        mpl_check_keys(L, 2, keys);
        fo.title = mpl_opt_string(L, 2, "title", NULL);
        fo.icicle = mpl_opt_boolean(L, 2, "icicle", 0);
        fo.width = mpl_opt_int(L, 2, "width", 0);
        if (lua_getfield(L, 2, "baseline") != LUA_TNIL) {
            mpl_tick *base = (mpl_tick *)luaL_checkudata(L, -1, MPL_TICK);
            if (!base->flame) return luaL_error(L, "the baseline needs { stacks = true } too");
            fo.baseline = base->flame;
        }
        lua_pop(L, 1);
    }
    if (!u->flame) return luaL_error(L, "flame graphs need medprof.ticklog(path, { stacks = true })");
    rc = mp_flame_write_svg(u->flame, &fo, &b, &err);
    return mpl_push_buf(L, rc, &b, &err);
}

static mpl_tick *mpl_checkstacks(lua_State *L)
{
    mpl_tick *u = mpl_checktick(L, 1);
    if (!u->flame) luaL_error(L, "this view needs medprof.ticklog(path, { stacks = true })");
    return u;
}

static mpl_tick *mpl_checksamples(lua_State *L)
{
    mpl_tick *u = mpl_checkstacks(L);
    if (!u->samples) luaL_error(L, "this view needs medprof.ticklog(path, { samples = true })");
    return u;
}

/* prof:cpuprofile() → Chrome's .cpuprofile JSON (DevTools, VS Code) */
static int mpl_tick_cpuprofile(lua_State *L)
{
    mpl_tick *u = mpl_checksamples(L);
    mp_buf b = { 0 };
    mp_error err;
    mp_err rc = mp_flame_write_cpuprofile(u->flame, &b, &err);
    return mpl_push_buf(L, rc, &b, &err);
}

/* prof:speedscope([name]) → speedscope's JSON file format */
static int mpl_tick_speedscope(lua_State *L)
{
    mpl_tick *u = mpl_checksamples(L);
    const char *name = luaL_optstring(L, 2, NULL);
    mp_buf b = { 0 };
    mp_error err;
    mp_err rc = mp_flame_write_speedscope(u->flame, name, &b, &err);
    return mpl_push_buf(L, rc, &b, &err);
}

/* prof:preprocess() → what `node --prof-process --preprocess` prints (V8's JSON for its
   profview), with medprof.ticklog(path, { preprocess = true }) */
static int mpl_tick_preprocess(lua_State *L)
{
    mpl_tick *u = mpl_checktick(L, 1);
    mp_buf b = { 0 };
    mp_error err;
    mp_err rc;
    if (!u->preprocess)
        return luaL_error(L, "preprocess needs medprof.ticklog(path, { preprocess = true })");
    rc = mp_tick_write_preprocess(u->p, &b, &err);
    return mpl_push_buf(L, rc, &b, &err);
}

/* prof:version_note() → "Unable to read v8-version from log file." (the log's first line is
   no v8-version record), "Testing v8 version different from logging version" (it differs
   from the v8_version option), or nil: the line node prints on stdout before its output */
static int mpl_tick_version_note(lua_State *L)
{
    mpl_tick *u = mpl_checktick(L, 1);
    const char *note = mp_tick_version_note(u->p);
    if (note) lua_pushstring(L, note);
    else lua_pushnil(L);
    return 1;
}

static int mpl_tick_close(lua_State *L)
{
    mpl_tick *u = (mpl_tick *)luaL_checkudata(L, 1, MPL_TICK);
    mp_tick_free(u->p);
    mp_symtab_free(u->syms);
    mp_flame_free(u->flame);
    u->flame = NULL;
    u->p = NULL;
    u->syms = NULL;
    return 0;
}

static int mpl_tick_tostring(lua_State *L)
{
    mpl_tick *u = (mpl_tick *)luaL_checkudata(L, 1, MPL_TICK);
    if (!u->p) {
        lua_pushliteral(L, "medprof.TickLog (closed)");
    } else {
        mp_tick_summary s;
        mp_tick_get_summary(u->p, &s);
        lua_pushfstring(L, "medprof.TickLog (%I ticks)", (lua_Integer)s.ticks);
    }
    return 1;
}

/* prof:marks() → { { name =, ts = µs }, ... } in log order. */
static int mpl_tick_marks(lua_State *L)
{
    mpl_tick *u = mpl_checktick(L, 1);
    const mp_tick_mark *marks;
    size_t i, n = mp_tick_marks(u->p, &marks);
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_createtable(L, 0, 2);
        lua_pushstring(L, marks[i].name);
        lua_setfield(L, -2, "name");
        lua_pushnumber(L, marks[i].ts);
        lua_setfield(L, -2, "ts");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* prof:clock(mark, before, after) → { zero =, error = } | nil, message, "MP_ERR_NOT_FOUND" */
static int mpl_tick_clock(lua_State *L)
{
    mpl_tick *u = mpl_checktick(L, 1);
    mp_tick_clock c;
    mp_error err;
    mp_err rc = mp_tick_clock_from_mark(u->p, luaL_checkstring(L, 2), luaL_checknumber(L, 3),
                                        luaL_checknumber(L, 4), &c, &err);
    if (rc != MP_OK) return mpl_fail(L, &err);
    lua_createtable(L, 0, 2);
    lua_pushnumber(L, c.zero);
    lua_setfield(L, -2, "zero");
    lua_pushnumber(L, c.error);
    lua_setfield(L, -2, "error");
    return 1;
}

static const luaL_Reg mpl_tick_methods[] = {
    { "marks", mpl_tick_marks },
    { "clock", mpl_tick_clock },
    { "report", mpl_tick_report },
    { "summary", mpl_tick_summary },
    { "top", mpl_tick_top },
    { "bottom_up", mpl_tick_bottom_up },
    { "warnings", mpl_tick_warnings },
    { "add", mpl_tick_add },
    { "folded", mpl_tick_folded },
    { "flamegraph", mpl_tick_flamegraph },
    { "cpuprofile", mpl_tick_cpuprofile },
    { "speedscope", mpl_tick_speedscope },
    { "preprocess", mpl_tick_preprocess },
    { "version_note", mpl_tick_version_note },
    { "close", mpl_tick_close },
    { NULL, NULL }
};

static const luaL_Reg mpl_tick_meta[] = {
    { "__index", NULL },
    { "__gc", mpl_tick_close },
    { "__close", mpl_tick_close },
    { "__tostring", mpl_tick_tostring },
    { NULL, NULL }
};

static const luaL_Reg mpl_tick_funcs[] = {
    { "ticklog", mpl_ticklog },
    { NULL, NULL }
};

void mpl_open_tick(lua_State *L)
{
    luaL_newmetatable(L, MPL_TICK);
    luaL_setfuncs(L, mpl_tick_meta, 0);
    luaL_newlibtable(L, mpl_tick_methods);
    luaL_setfuncs(L, mpl_tick_methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    luaL_setfuncs(L, mpl_tick_funcs, 0);
    lua_pushliteral(L, MP_TICK_MARK_PREFIX);
    lua_setfield(L, -2, "MARK_PREFIX");
}
