/* lua_proc.c - the process part: medprof.spawn, medprof.newfiles and medprof.Proc objects. */
#include "mpl.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MPL_PROC "medprof.Proc"

typedef struct mpl_proc {
    mp_proc *p;     /* NULL once closed */
    int vitals_fd;  /* the read end of the preload's pipe (vitals_pipe = true), -1: none */
} mpl_proc;

static mpl_proc *mpl_checkproc(lua_State *L, int idx)
{
    mpl_proc *u = (mpl_proc *)luaL_checkudata(L, idx, MPL_PROC);
    if (!u->p) luaL_error(L, "attempt to use a closed process");
    return u;
}

static const char *mpl_state_name(mp_proc_state s)
{
    return s == MP_PROC_RUNNING ? "running" : s == MP_PROC_EXITED ? "exited" : "signaled";
}

/* {state=, code=|signal=, stopped_by=, group_killed=, runtime=, text=} */
static void mpl_push_status(lua_State *L, const mp_proc_status *st)
{
    char text[64];
    lua_createtable(L, 0, 7);
    lua_pushstring(L, mpl_state_name(st->state));
    lua_setfield(L, -2, "state");
    if (st->state == MP_PROC_EXITED) {
        lua_pushinteger(L, st->exit_code);
        lua_setfield(L, -2, "code");
    } else if (st->state == MP_PROC_SIGNALED) {
        lua_pushstring(L, mp_signal_name(st->signal));
        lua_setfield(L, -2, "signal");
    }
    if (st->stopped_by) {
        lua_pushstring(L, mp_signal_name(st->stopped_by));
        lua_setfield(L, -2, "stopped_by");
    }
    lua_pushboolean(L, st->group_killed);
    lua_setfield(L, -2, "group_killed");
    lua_pushnumber(L, st->runtime);
    lua_setfield(L, -2, "runtime");
    lua_pushstring(L, mp_proc_status_str(st, text, sizeof text));
    lua_setfield(L, -2, "text");
}

/* ---- spawn ------------------------------------------------------------------------------ */

/* Builds a NULL-terminated string array in a userdata on the stack, so that an error raised
   half-way leaves nothing to free. */
static const char **mpl_string_array(lua_State *L, size_t n)
{
    const char **a = (const char **)lua_newuserdatauv(L, (n + 1) * sizeof *a, 0);
    a[n] = NULL;
    return a;
}

static const char *const *mpl_spawn_argv(lua_State *L, int opts)
{
    size_t n = (size_t)luaL_len(L, opts), i;
    const char **argv;
    if (n == 0) luaL_argerror(L, 1, "the command is empty: give it as { 'prog', 'arg', ... }");
    argv = mpl_string_array(L, n);
    for (i = 0; i < n; i++) {
        if (lua_geti(L, opts, (lua_Integer)i + 1) != LUA_TSTRING)
            luaL_error(L, "command word %d must be a string", (int)i + 1);
        argv[i] = lua_tostring(L, -1); /* kept alive by the option table */
        lua_pop(L, 1);
    }
    return argv;
}

/* env = { NAME = "value", OTHER = false } (false removes OTHER). The "NAME=value" strings
   live in a holder table left on the stack until spawn returns. */
static const char *const *mpl_spawn_env(lua_State *L, int opts)
{
    size_t n = 0, i = 0;
    const char **env;
    int t, holder;
    if (lua_getfield(L, opts, "env") == LUA_TNIL) { lua_pop(L, 1); return NULL; }
    if (!lua_istable(L, -1)) luaL_error(L, "env option must be a table");
    t = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t)) { n++; lua_pop(L, 1); }
    env = mpl_string_array(L, n);
    lua_createtable(L, (int)n, 0);
    holder = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        const char *k;
        if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "env keys must be strings");
        k = lua_tostring(L, -2);
        if (!*k || strchr(k, '=')) luaL_error(L, "bad environment variable name '%s'", k);
        if (lua_isboolean(L, -1) && !lua_toboolean(L, -1))
            lua_pushstring(L, k);
        else if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER)
            lua_pushfstring(L, "%s=%s", k, lua_tostring(L, -1));
        else
            luaL_error(L, "env value of '%s' must be a string, a number or false", k);
        env[i++] = lua_tostring(L, -1);
        lua_rawseti(L, holder, (lua_Integer)i);
        lua_pop(L, 1);
    }
    return env;
}

static void mpl_spawn_stdio(lua_State *L, int opts, const char *name, mp_stdio *mode,
                            const char **path)
{
    const char *v = mpl_opt_string(L, opts, name, "inherit");
    *path = NULL;
    if (strcmp(v, "inherit") == 0) *mode = MP_STDIO_INHERIT;
    else if (strcmp(v, "pipe") == 0) *mode = MP_STDIO_PIPE;
    else if (strcmp(v, "null") == 0) *mode = MP_STDIO_NULL;
    else if (strcmp(v, "stdout") == 0 && strcmp(name, "stderr") == 0) *mode = MP_STDIO_STDOUT;
    else { *mode = MP_STDIO_FILE; *path = v; }
}

static const char *const mpl_spawn_keys[] = { "env", "cwd", "stdout", "stderr", "append",
                                               "exclusive", "vitals_pipe", NULL };

/* vitals_pipe = true (the child's descriptor 3) or a number from 3: where the child gets the
   preload's pipe. Sets cfg->pass_fd_as; mpl_spawn makes the pipe. */
static void mpl_spawn_vitals_pipe(lua_State *L, int opts, mp_proc_config *cfg)
{
    int t = lua_getfield(L, opts, "vitals_pipe");
    if (t == LUA_TBOOLEAN) {
        if (lua_toboolean(L, -1)) cfg->pass_fd_as = 3;
    } else if (t != LUA_TNIL) {
        int ok;
        lua_Integer fd = lua_tointegerx(L, -1, &ok);
        if (!ok) luaL_error(L, "vitals_pipe option must be a boolean or an integer");
        if (fd < 3 || fd > 1023) luaL_error(L, "vitals_pipe option must be 3 to 1023");
        cfg->pass_fd_as = (int)fd;
    }
    lua_pop(L, 1);
}

/* Reads spawn's table at idx into cfg, raising on a bad option. The argv and env arrays stay
   on the stack, their strings in the table. It only reads: the fuzzer calls it directly. */
void mpl_spawn_read_config(lua_State *L, int idx, mp_proc_config *cfg)
{
    idx = lua_absindex(L, idx);
    luaL_checktype(L, idx, LUA_TTABLE);
    mpl_check_keys(L, idx, mpl_spawn_keys);
    memset(cfg, 0, sizeof *cfg);
    cfg->argv = mpl_spawn_argv(L, idx);
    cfg->env = mpl_spawn_env(L, idx);
    cfg->cwd = mpl_opt_string(L, idx, "cwd", NULL);
    mpl_spawn_stdio(L, idx, "stdout", &cfg->stdout_mode, &cfg->stdout_path);
    mpl_spawn_stdio(L, idx, "stderr", &cfg->stderr_mode, &cfg->stderr_path);
    cfg->append = mpl_opt_boolean(L, idx, "append", 0);
    cfg->exclusive = mpl_opt_boolean(L, idx, "exclusive", 0);
    mpl_spawn_vitals_pipe(L, idx, cfg);
    if (cfg->append && cfg->exclusive)
        luaL_argerror(L, idx, "append and exclusive exclude each other");
}

/* env with MEDPROF_VITALS_FD=fd added at the end (the last setting of a name wins), in a
   new array left on the stack; its string in the array's user value. */
static const char *const *mpl_spawn_vitals_env(lua_State *L, const char *const *env, int fd)
{
    size_t n = 0, i;
    const char **out;
    char var[64];
    while (env && env[n]) n++;
    out = (const char **)lua_newuserdatauv(L, (n + 2) * sizeof *out, 1);
    out[n + 1] = NULL;
    for (i = 0; i < n; i++) out[i] = env[i];
    snprintf(var, sizeof var, "%s=%d", MP_VITALS_FD_ENV, fd);
    lua_pushstring(L, var);
    out[n] = lua_tostring(L, -1);
    lua_setiuservalue(L, -2, 1);
    return out;
}

/* medprof.spawn{ "node", "server.js", env = {...}, cwd = "dir", stdout = "server.log" } */
static int mpl_spawn(lua_State *L)
{
    mp_proc_config cfg;
    mp_error err;
    mpl_proc *u;
    mp_err rc;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    mpl_spawn_read_config(L, 1, &cfg);
    /* The object exists, closed, before the child does: if anything below fails, there is
       no child without an owner. */
    u = (mpl_proc *)lua_newuserdatauv(L, sizeof *u, 0);
    u->p = NULL;
    u->vitals_fd = -1;
    luaL_setmetatable(L, MPL_PROC);
    if (cfg.pass_fd_as) {
        int fds[2];
        cfg.env = mpl_spawn_vitals_env(L, cfg.env, cfg.pass_fd_as);
        lua_insert(L, -2); /* the array below the object, kept alive until we return */
        if (mp_vitals_pipe(fds, &err) != MP_OK) return mpl_fail(L, &err);
        u->vitals_fd = fds[0];
        cfg.pass_fd = fds[1];
        rc = mp_proc_spawn(&cfg, &u->p, &err);
        close(fds[1]); /* the child has its own: the pipe ends when it does */
    } else {
        rc = mp_proc_spawn(&cfg, &u->p, &err);
    }
    if (rc != MP_OK) return mpl_fail(L, &err);
    return 1;
}

/* ---- methods ------------------------------------------------------------------------------ */

static const char *const mpl_ready_keys[] = { "url", "host", "port", "timeout", "interval", NULL };
static const char *const mpl_probe_keys[] = { "url", "host", "port", "timeout", NULL };

/* The target of wait_ready and probe from the option table at idx: url=, or host= and
   port=, and timeout= (default_timeout) and interval=, where keys allow them. */
static void mpl_read_target(lua_State *L, int idx, const char *const keys[],
                            double default_timeout, mp_ready_config *cfg)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    mpl_check_keys(L, idx, keys);
    memset(cfg, 0, sizeof *cfg);
    cfg->url = mpl_opt_string(L, idx, "url", NULL);
    cfg->host = mpl_opt_string(L, idx, "host", NULL);
    cfg->port = mpl_opt_int(L, idx, "port", 0);
    cfg->timeout = mpl_opt_number(L, idx, "timeout", default_timeout);
    cfg->max_interval = mpl_opt_number(L, idx, "interval", 0.5);
    if (!cfg->url && cfg->port == 0) luaL_argerror(L, idx, "give url= or port=");
}

/* The table of p:wait_ready (probe 0) or medprof.probe (probe 1) at idx; only reads, for the
   fuzzer too. */
void mpl_ready_read_config(lua_State *L, int idx, int probe, mp_ready_config *cfg)
{
    if (probe) mpl_read_target(L, idx, mpl_probe_keys, 1, cfg);
    else mpl_read_target(L, idx, mpl_ready_keys, 30, cfg);
}

/* p:wait_ready{url=...} or {port=..., host=...}, timeout = seconds → true | fail [, status] */
static int mpl_proc_wait_ready(lua_State *L)
{
    mpl_proc *u = mpl_checkproc(L, 1);
    mp_ready_config cfg;
    mp_error err;
    mpl_ready_read_config(L, 2, 0, &cfg);
    if (mp_proc_wait_ready(u->p, &cfg, &err) != MP_OK) {
        int n = mpl_fail(L, &err);
        if (err.code == MP_ERR_CHILD_EXITED) {
            mp_proc_status st;
            mp_proc_ready_status(u->p, &st);
            mpl_push_status(L, &st);
            n++;
        }
        return n;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static const char *const mpl_stop_keys[] = { "grace", "term_grace", NULL };

/* p:stop's table at idx (none: the defaults); only reads, for the fuzzer too. */
void mpl_stop_read_config(lua_State *L, int idx, mp_stop_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    if (lua_isnoneornil(L, idx)) return;
    luaL_checktype(L, idx, LUA_TTABLE);
    mpl_check_keys(L, idx, mpl_stop_keys);
    cfg->grace = mpl_opt_number(L, idx, "grace", 10);
    cfg->term_grace = mpl_opt_number(L, idx, "term_grace", 2);
}

/* p:stop{grace = 10} → status table */
static int mpl_proc_stop(lua_State *L)
{
    mpl_proc *u = mpl_checkproc(L, 1);
    mp_stop_config cfg;
    mp_proc_status st;
    mp_error err;
    mpl_stop_read_config(L, 2, &cfg);
    if (mp_proc_stop(u->p, &cfg, &st, &err) != MP_OK) return mpl_fail(L, &err);
    mpl_push_status(L, &st);
    return 1;
}

/* p:status() → status table (state = "running" while it runs) */
static int mpl_proc_status(lua_State *L)
{
    mpl_proc *u = mpl_checkproc(L, 1);
    mp_proc_status st;
    mp_error err;
    if (mp_proc_poll(u->p, &st, &err) != MP_OK) return mpl_fail(L, &err);
    mpl_push_status(L, &st);
    return 1;
}

/* p:wait([timeout]) → status table | fail */
static int mpl_proc_wait(lua_State *L)
{
    mpl_proc *u = mpl_checkproc(L, 1);
    mp_proc_status st;
    mp_error err;
    if (mp_proc_wait(u->p, luaL_optnumber(L, 2, -1), &st, &err) != MP_OK)
        return mpl_fail(L, &err);
    mpl_push_status(L, &st);
    return 1;
}

static int mpl_signal_number(lua_State *L, int idx)
{
    static const char *const names[] = { "SIGINT", "SIGTERM", "SIGKILL", "SIGHUP", "SIGUSR1",
                                         "SIGUSR2", "SIGQUIT", NULL };
    static const int numbers[] = { SIGINT, SIGTERM, SIGKILL, SIGHUP, SIGUSR1, SIGUSR2, SIGQUIT };
    if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_Integer n = luaL_checkinteger(L, idx);
        luaL_argcheck(L, n >= 0 && n < 65, idx, "not a signal number"); /* no wrapping to 9 */
        return (int)n;
    }
    return numbers[luaL_checkoption(L, idx, "SIGINT", names)];
}

/* p:signal("SIGUSR1") sends to the whole group → true | fail */
static int mpl_proc_signal(lua_State *L)
{
    mpl_proc *u = mpl_checkproc(L, 1);
    mp_error err;
    if (mp_proc_signal(u->p, mpl_signal_number(L, 2), &err) != MP_OK) return mpl_fail(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

/* p:read("stdout" | "stderr" [, timeout]) → data ("" when nothing came in time) | nil at end */
static int mpl_proc_read(lua_State *L)
{
    static const char *const streams[] = { "stdout", "stderr", NULL };
    mpl_proc *u = mpl_checkproc(L, 1);
    int stream = luaL_checkoption(L, 2, "stdout", streams) + 1;
    double timeout = luaL_optnumber(L, 3, 0);
    luaL_Buffer b;
    size_t n;
    int eof;
    mp_error err;
    char *buf = luaL_buffinitsize(L, &b, LUAL_BUFFERSIZE);
    if (mp_proc_read(u->p, stream, buf, LUAL_BUFFERSIZE, timeout, &n, &eof, &err) != MP_OK)
        return mpl_fail(L, &err);
    if (eof && n == 0) {
        luaL_pushfail(L);
        return 1;
    }
    luaL_pushresultsize(&b, n);
    return 1;
}

/* __gc and __close: stop it like Ctrl+C, with a short grace, so that a script that errors
   out or is interrupted leaves no server behind. Idempotent. */
static int mpl_proc_close(lua_State *L)
{
    mpl_proc *u = (mpl_proc *)luaL_checkudata(L, 1, MPL_PROC);
    if (u->p) {
        mp_stop_config cfg = { 5.0, 1.0 };
        mp_proc_status st;
        mp_proc_stop(u->p, &cfg, &st, NULL);
        mp_proc_destroy(u->p);
        u->p = NULL;
    }
    if (u->vitals_fd >= 0) close(u->vitals_fd); /* a sampler reads a duplicate of its own */
    u->vitals_fd = -1;
    return 0;
}

static int mpl_proc_tostring(lua_State *L)
{
    mpl_proc *u = (mpl_proc *)luaL_checkudata(L, 1, MPL_PROC);
    if (u->p) lua_pushfstring(L, "medprof.Proc (pid %d)", mp_proc_pid(u->p));
    else lua_pushliteral(L, "medprof.Proc (closed)");
    return 1;
}

/* p:vitals([{ interval = 0.1, rescan = 1 }]) → Vitals | fail: samples the child and its
   descendants, with the preload's pipe when spawned with vitals_pipe */
static int mpl_proc_vitals(lua_State *L)
{
    mpl_proc *u = mpl_checkproc(L, 1);
    return mpl_vitals_new(L, mp_proc_pid(u->p), u->vitals_fd >= 0 ? u->vitals_fd : 0, 2);
}

static const luaL_Reg mpl_proc_methods[] = {
    { "wait_ready", mpl_proc_wait_ready },
    { "stop", mpl_proc_stop },
    { "status", mpl_proc_status },
    { "wait", mpl_proc_wait },
    { "signal", mpl_proc_signal },
    { "read", mpl_proc_read },
    { "vitals", mpl_proc_vitals },
    { "close", mpl_proc_close },
    { NULL, NULL }
};

/* Fields first (pid, started), then methods. */
static int mpl_proc_index(lua_State *L)
{
    mpl_proc *u = (mpl_proc *)luaL_checkudata(L, 1, MPL_PROC);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "pid") == 0) {
        if (u->p) lua_pushinteger(L, mp_proc_pid(u->p));
        else lua_pushnil(L);
        return 1;
    }
    if (strcmp(key, "started") == 0) {
        if (u->p) lua_pushnumber(L, mp_proc_started(u->p));
        else lua_pushnil(L);
        return 1;
    }
    lua_getfield(L, lua_upvalueindex(1), key);
    return 1;
}

static const luaL_Reg mpl_proc_meta[] = {
    { "__gc", mpl_proc_close },
    { "__close", mpl_proc_close },
    { "__tostring", mpl_proc_tostring },
    { NULL, NULL }
};

/* ---- module functions --------------------------------------------------------------------- */

/* medprof.newfiles(dir, glob [, since]) → { "dir/newest", ... } | fail */
static int mpl_newfiles(lua_State *L)
{
    const char *dir = luaL_checkstring(L, 1);
    const char *glob = luaL_checkstring(L, 2);
    double since = luaL_optnumber(L, 3, 0);
    char **files;
    size_t n, i;
    mp_error err;
    if (mp_proc_newfiles(dir, glob, since, &files, &n, &err) != MP_OK) return mpl_fail(L, &err);
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_pushstring(L, files[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    mp_strlist_free(files, n);
    return 1;
}

/* medprof.probe{url=...} or {host=, port=}: one attempt, no child → true | fail */
static int mpl_probe(lua_State *L)
{
    mp_ready_config cfg;
    mp_error err;
    mpl_ready_read_config(L, 1, 1, &cfg);
    if (mp_proc_probe(&cfg, &err) != MP_OK) return mpl_fail(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

static const luaL_Reg mpl_proc_funcs[] = {
    { "spawn", mpl_spawn },
    { "probe", mpl_probe },
    { "newfiles", mpl_newfiles },
    { NULL, NULL }
};

void mpl_open_proc(lua_State *L)
{
    luaL_setfuncs(L, mpl_proc_funcs, 0);
    luaL_newmetatable(L, MPL_PROC);
    luaL_setfuncs(L, mpl_proc_meta, 0);
    luaL_newlib(L, mpl_proc_methods);
    lua_pushcclosure(L, mpl_proc_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}
