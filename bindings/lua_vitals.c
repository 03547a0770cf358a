/* lua_vitals.c - the vitals part: medprof.vitals, medprof.write_preload and medprof.Vitals
   objects (p:vitals() of a medprof.Proc makes one too, through mpl_vitals_new). */
#include "mpl.h"

#include <math.h>
#include <string.h>

#define MPL_VITALS "medprof.Vitals"

typedef struct mpl_vitals {
    mp_vitals *v; /* NULL once closed */
    int pid;
} mpl_vitals;

static mpl_vitals *mpl_checkvitals(lua_State *L, int idx)
{
    mpl_vitals *u = (mpl_vitals *)luaL_checkudata(L, idx, MPL_VITALS);
    if (!u->v) luaL_error(L, "attempt to use a closed vitals sampler");
    return u;
}

static const char *const mpl_vitals_keys[] = { "interval", "rescan", NULL };

/* The options table at idx (none: the defaults) into cfg, pid and read_fd left as they are;
   raises on a bad option. Only reads: the fuzzer calls it too. */
void mpl_vitals_read_config(lua_State *L, int idx, mp_vitals_config *cfg)
{
    mp_error err;
    if (!lua_isnoneornil(L, idx)) {
        luaL_checktype(L, idx, LUA_TTABLE);
        mpl_check_keys(L, idx, mpl_vitals_keys);
        cfg->interval = mpl_opt_number(L, idx, "interval", 0);
        cfg->rescan = mpl_opt_number(L, idx, "rescan", 0);
    }
    mpl_check_config(L, mp_vitals_config_check(cfg, &err), &err);
}

int mpl_vitals_new(lua_State *L, int pid, int read_fd, int opts)
{
    mp_vitals_config cfg;
    mp_error err;
    mpl_vitals *u;
    memset(&cfg, 0, sizeof cfg);
    cfg.pid = pid;
    cfg.read_fd = read_fd;
    mpl_vitals_read_config(L, opts, &cfg);
    /* closed before the thread exists: a memory error below leaves nothing running */
    u = (mpl_vitals *)lua_newuserdatauv(L, sizeof *u, 0);
    u->v = NULL;
    u->pid = pid;
    luaL_setmetatable(L, MPL_VITALS);
    if (mp_vitals_start(&cfg, &u->v, &err) != MP_OK) return mpl_fail(L, &err);
    return 1;
}

/* medprof.vitals(pid [, { interval = 0.1, rescan = 1 }]) → Vitals | fail */
static int mpl_vitals_fn(lua_State *L)
{
    lua_Integer pid = luaL_checkinteger(L, 1);
    luaL_argcheck(L, pid > 0 && pid <= 0x7FFFFFFF, 1, "not a process id");
    return mpl_vitals_new(L, (int)pid, 0, 2);
}

/* medprof.write_preload(path) → true | fail */
static int mpl_write_preload(lua_State *L)
{
    mp_error err;
    if (mp_vitals_write_preload(luaL_checkstring(L, 1), &err) != MP_OK) return mpl_fail(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

/* ---- methods ------------------------------------------------------------------------------ */

static void mpl_set_number(lua_State *L, const char *name, double x)
{
    if (isnan(x)) return; /* unknown: the field stays nil */
    lua_pushnumber(L, x);
    lua_setfield(L, -2, name);
}

static void mpl_set_integer(lua_State *L, const char *name, lua_Integer x)
{
    lua_pushinteger(L, x);
    lua_setfield(L, -2, name);
}

static void mpl_push_sample(lua_State *L, const mp_vitals_sample *s)
{
    lua_createtable(L, 0, 28);
    mpl_set_number(L, "t", s->t);
    mpl_set_number(L, "interval", s->interval);
    mpl_set_number(L, "cpu_user", s->cpu_user);
    mpl_set_number(L, "cpu_sys", s->cpu_sys);
    mpl_set_number(L, "cpu_main", s->cpu_main);
    mpl_set_number(L, "tree_cpu_user", s->tree_cpu_user);
    mpl_set_number(L, "tree_cpu_sys", s->tree_cpu_sys);
    mpl_set_integer(L, "rss_bytes", (lua_Integer)s->rss_bytes);
    mpl_set_integer(L, "tree_rss_bytes", (lua_Integer)s->tree_rss_bytes);
    mpl_set_integer(L, "threads", s->threads);
    mpl_set_integer(L, "tree_threads", s->tree_threads);
    if (s->fds >= 0) mpl_set_integer(L, "fds", s->fds);
    mpl_set_integer(L, "tree_fds", s->tree_fds);
    mpl_set_integer(L, "ctx_voluntary", (lua_Integer)s->ctx_voluntary);
    mpl_set_integer(L, "ctx_involuntary", (lua_Integer)s->ctx_involuntary);
    mpl_set_integer(L, "tree_ctx_voluntary", (lua_Integer)s->tree_ctx_voluntary);
    mpl_set_integer(L, "tree_ctx_involuntary", (lua_Integer)s->tree_ctx_involuntary);
    mpl_set_integer(L, "processes", s->processes);
    if (!s->has_node) return;
    lua_pushboolean(L, s->node_fresh);
    lua_setfield(L, -2, "node_fresh");
    mpl_set_number(L, "node_t", s->node.t);
    mpl_set_number(L, "eld_p50_ms", s->node.eld_p50_ms);
    mpl_set_number(L, "eld_p99_ms", s->node.eld_p99_ms);
    mpl_set_number(L, "eld_max_ms", s->node.eld_max_ms);
    mpl_set_number(L, "heap_used_bytes", s->node.heap_used_bytes);
    mpl_set_number(L, "heap_total_bytes", s->node.heap_total_bytes);
    mpl_set_number(L, "active_handles", s->node.active_handles);
}

/* v:samples() → { sample, ... } (while it runs too: what it has so far) */
static int mpl_vitals_samples(lua_State *L)
{
    mpl_vitals *u = mpl_checkvitals(L, 1);
    size_t n = mp_vitals_count(u->v), i;
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        mp_vitals_sample s;
        mp_error err;
        if (mp_vitals_at(u->v, i, &s, &err) != MP_OK) break;
        mpl_push_sample(L, &s);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* v:marks() → { { seq =, t0_ns =, t1_ns = }, ... } */
static int mpl_vitals_marks(lua_State *L)
{
    mpl_vitals *u = mpl_checkvitals(L, 1);
    size_t n = mp_vitals_mark_count(u->v), i;
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        mp_vitals_mark m;
        mp_error err;
        if (mp_vitals_mark_at(u->v, i, &m, &err) != MP_OK) break;
        lua_createtable(L, 0, 3);
        mpl_set_integer(L, "seq", (lua_Integer)m.seq);
        mpl_set_integer(L, "t0_ns", (lua_Integer)m.t0_ns);
        mpl_set_integer(L, "t1_ns", (lua_Integer)m.t1_ns);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* v:status() → { running, ended, ended_at, pipe_closed, samples, marks, node_lines,
   bad_lines, error } */
static int mpl_vitals_status(lua_State *L)
{
    mpl_vitals *u = mpl_checkvitals(L, 1);
    mp_vitals_status st;
    mp_vitals_status_get(u->v, &st);
    lua_createtable(L, 0, 9);
    lua_pushboolean(L, st.running);
    lua_setfield(L, -2, "running");
    lua_pushboolean(L, st.ended);
    lua_setfield(L, -2, "ended");
    if (st.ended) mpl_set_number(L, "ended_at", st.ended_at);
    lua_pushboolean(L, st.pipe_closed);
    lua_setfield(L, -2, "pipe_closed");
    mpl_set_integer(L, "samples", (lua_Integer)st.samples);
    mpl_set_integer(L, "marks", (lua_Integer)st.marks);
    mpl_set_integer(L, "node_lines", (lua_Integer)st.node_lines);
    mpl_set_integer(L, "bad_lines", (lua_Integer)st.bad_lines);
    if (st.error != MP_OK) {
        lua_pushstring(L, mp_err_name(st.error));
        lua_setfield(L, -2, "error");
    }
    return 1;
}

/* v:stop() → true | fail (what stopped it early); the samples stay */
static int mpl_vitals_stop(lua_State *L)
{
    mpl_vitals *u = mpl_checkvitals(L, 1);
    mp_error err;
    if (mp_vitals_stop(u->v, &err) != MP_OK) return mpl_fail(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

/* __gc and __close: stop and free. Idempotent. */
static int mpl_vitals_close(lua_State *L)
{
    mpl_vitals *u = (mpl_vitals *)luaL_checkudata(L, 1, MPL_VITALS);
    mp_vitals_free(u->v);
    u->v = NULL;
    return 0;
}

static int mpl_vitals_tostring(lua_State *L)
{
    mpl_vitals *u = (mpl_vitals *)luaL_checkudata(L, 1, MPL_VITALS);
    if (u->v) lua_pushfstring(L, "medprof.Vitals (pid %d)", u->pid);
    else lua_pushliteral(L, "medprof.Vitals (closed)");
    return 1;
}

/* Fields first (pid), then methods. */
static int mpl_vitals_index(lua_State *L)
{
    mpl_vitals *u = (mpl_vitals *)luaL_checkudata(L, 1, MPL_VITALS);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "pid") == 0) {
        lua_pushinteger(L, u->pid);
        return 1;
    }
    lua_getfield(L, lua_upvalueindex(1), key);
    return 1;
}

static const luaL_Reg mpl_vitals_methods[] = {
    { "samples", mpl_vitals_samples },
    { "marks", mpl_vitals_marks },
    { "status", mpl_vitals_status },
    { "stop", mpl_vitals_stop },
    { "close", mpl_vitals_close },
    { NULL, NULL }
};

static const luaL_Reg mpl_vitals_meta[] = {
    { "__gc", mpl_vitals_close },
    { "__close", mpl_vitals_close },
    { "__tostring", mpl_vitals_tostring },
    { NULL, NULL }
};

static const luaL_Reg mpl_vitals_funcs[] = {
    { "vitals", mpl_vitals_fn },
    { "write_preload", mpl_write_preload },
    { NULL, NULL }
};

void mpl_open_vitals(lua_State *L)
{
    luaL_setfuncs(L, mpl_vitals_funcs, 0);
    luaL_newmetatable(L, MPL_VITALS);
    luaL_setfuncs(L, mpl_vitals_meta, 0);
    luaL_newlib(L, mpl_vitals_methods);
    lua_pushcclosure(L, mpl_vitals_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}
