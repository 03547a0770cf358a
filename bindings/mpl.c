/* mpl.c - the medprof Lua module: the parts' functions in one table, embedded Lua modules
   made require-able, and the helpers the parts share. */
#include "mpl.h"

#include <limits.h>
#include <string.h>

int mpl_fail(lua_State *L, const mp_error *err)
{
    luaL_pushfail(L);
    lua_pushstring(L, err->msg);
    lua_pushstring(L, mp_err_name(err->code));
    return 3;
}

int mpl_push_buf(lua_State *L, mp_err rc, mp_buf *b, const mp_error *err)
{
    if (rc != MP_OK) {
        mp_buf_free(b);
        if (rc == MP_ERR_NOMEM) return luaL_error(L, "%s", err->msg);
        return mpl_fail(L, err);
    }
    lua_pushlstring(L, b->data ? b->data : "", b->len);
    mp_buf_free(b);
    return 1;
}

void mpl_check_config(lua_State *L, mp_err rc, const mp_error *err)
{
    if (rc != MP_OK) luaL_error(L, "%s", err->msg);
}

static int mpl_is_allowed(const char *key, const char *const allowed[])
{
    for (; *allowed; allowed++)
        if (strcmp(key, *allowed) == 0) return 1;
    return 0;
}

void mpl_check_keys(lua_State *L, int idx, const char *const allowed[])
{
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            const char *key = lua_tostring(L, -1);
            if (!mpl_is_allowed(key, allowed)) luaL_error(L, "unknown option '%s'", key);
        } else if (!lua_isinteger(L, -1)) {
            luaL_error(L, "option keys must be strings");
        }
    }
}

static int mpl_get_option(lua_State *L, int idx, const char *name)
{
    return lua_getfield(L, idx, name) != LUA_TNIL;
}

lua_Integer mpl_opt_integer(lua_State *L, int idx, const char *name, lua_Integer def)
{
    lua_Integer v = def;
    if (mpl_get_option(L, idx, name)) {
        int ok;
        v = lua_tointegerx(L, -1, &ok);
        if (!ok) luaL_error(L, "%s option must be an integer", name);
    }
    lua_pop(L, 1);
    return v;
}

int mpl_opt_int(lua_State *L, int idx, const char *name, int def)
{
    lua_Integer v = mpl_opt_integer(L, idx, name, def);
    if (v < INT_MIN || v > INT_MAX) luaL_error(L, "%s option is out of range", name);
    return (int)v;
}

double mpl_opt_number(lua_State *L, int idx, const char *name, double def)
{
    double v = def;
    if (mpl_get_option(L, idx, name)) {
        if (lua_type(L, -1) != LUA_TNUMBER) luaL_error(L, "%s option must be a number", name);
        v = (double)lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

/* The string stays valid while the option table does. */
const char *mpl_opt_string(lua_State *L, int idx, const char *name, const char *def)
{
    const char *v = def;
    if (mpl_get_option(L, idx, name)) {
        if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "%s option must be a string", name);
        v = lua_tostring(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

int mpl_opt_boolean(lua_State *L, int idx, const char *name, int def)
{
    int v = def;
    if (mpl_get_option(L, idx, name)) {
        if (!lua_isboolean(L, -1)) luaL_error(L, "%s option must be a boolean", name);
        v = lua_toboolean(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

/* ---- Ctrl+C ------------------------------------------------------------------------------ */

/* Its address is the registry key of the CLI's last Ctrl+C error. */
static const char mpl_interrupt_key = 0;

int mpl_raise_interrupt(lua_State *L)
{
    luaL_where(L, 1);
    lua_pushliteral(L, "interrupted");
    lua_concat(L, 2);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &mpl_interrupt_key);
    return lua_error(L);
}

int mpl_is_interrupt(lua_State *L, int idx)
{
    int is;
    idx = lua_absindex(L, idx);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &mpl_interrupt_key);
    is = !lua_isnil(L, -1) && lua_rawequal(L, idx, -1);
    lua_pop(L, 1);
    return is;
}

/* medprof.interruptible(f, ...) → f's results | nil, "interrupted", "MP_ERR_INTERRUPTED":
   Ctrl+C while f runs ends f only; any other error goes on up. */
static int mpl_interruptible(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    if (lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0) == LUA_OK) return lua_gettop(L);
    if (!mpl_is_interrupt(L, -1)) return lua_error(L);
    luaL_pushfail(L);
    lua_pushliteral(L, "interrupted");
    lua_pushstring(L, mp_err_name(MP_ERR_INTERRUPTED));
    return 3;
}

/* ---- options checked before the work ---------------------------------------------------- */

/* The option reader of the function named at 1, on the table at 2 (in protected mode). */
static int mpl_read_options(lua_State *L)
{
    const char *name = lua_tostring(L, 1);
    if (strcmp(name, "ticklog") == 0) {
        mp_tick_config cfg;
        mpl_tick_read_config(L, 2, &cfg);
    } else {
        mp_load_config cfg;
        int progress_fn, period_fn;
        mpl_load_read_config(L, 2, strcmp(name, "quick") == 0 ? MP_LOAD_VUSERS : MP_LOAD_CLOSED,
                             &cfg, &progress_fn, &period_fn);
    }
    return 0;
}

/* medprof.check_options(name, opts) → true | nil, message, "MP_ERR_INVALID_ARG": whether
   medprof[name] ("quick", "load" or "ticklog") takes opts, without doing anything. For
   options from a user (a command line), whose refusal is a usage error to report, where the
   function itself raises. */
static int mpl_check_options(lua_State *L)
{
    static const char *const names[] = { "quick", "load", "ticklog", NULL };
    int status;
    luaL_checkoption(L, 1, NULL, names);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    lua_pushcfunction(L, mpl_read_options);
    lua_insert(L, 1);
    status = lua_pcall(L, 2, 0, 0);
    if (status == LUA_OK) {
        lua_pushboolean(L, 1);
        return 1;
    }
    if (status != LUA_ERRRUN || mpl_is_interrupt(L, -1)) return lua_error(L);
    luaL_pushfail(L);
    lua_insert(L, -2);
    lua_pushstring(L, mp_err_name(MP_ERR_INVALID_ARG));
    return 3;
}

/* ---- functions that belong to no part --------------------------------------------------- */

static int mpl_now(lua_State *L)
{
    lua_pushnumber(L, mp_time_now());
    return 1;
}

static int mpl_wall(lua_State *L)
{
    lua_pushnumber(L, mp_time_wall());
    return 1;
}

static int mpl_sleep(lua_State *L)
{
    mp_time_sleep(luaL_checknumber(L, 1)); /* on Ctrl+C the signal hook raises next */
    return 0;
}

static const luaL_Reg mpl_base_funcs[] = {
    { "now", mpl_now },
    { "wall", mpl_wall },
    { "sleep", mpl_sleep },
    { "interruptible", mpl_interruptible },
    { "check_options", mpl_check_options },
    { NULL, NULL }
};

/* package.preload entries for the embedded Lua modules (medprof.args, ...), so that
   `require "medprof.args"` works in the CLI and from a stock lua5.4 alike. */
static int mpl_load_embedded(lua_State *L)
{
    const mpl_embedded *e = (const mpl_embedded *)lua_touserdata(L, lua_upvalueindex(1));
    const char *name = lua_tostring(L, 1);
    if (luaL_loadbufferx(L, (const char *)e->text, e->len, lua_pushfstring(L, "=%s", name), "t"))
        return lua_error(L);
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    return 1;
}

static void mpl_register_embedded_modules(lua_State *L)
{
    size_t i;
    lua_getglobal(L, "package");
    if (!lua_istable(L, -1)) { lua_pop(L, 1); return; }
    lua_getfield(L, -1, "preload");
    for (i = 0; i < mpl_embedded_count; i++) {
        const mpl_embedded *e = &mpl_embedded_files[i];
        if (!e->is_module) continue;
        lua_pushlightuserdata(L, (void *)e);
        lua_pushcclosure(L, mpl_load_embedded, 1);
        lua_setfield(L, -2, e->name);
    }
    lua_pop(L, 2);
}

/* medprof.FIELD = require(name), for the embedded modules that belong to the API. */
static void mpl_attach_module(lua_State *L, const char *name, const char *field)
{
    lua_getglobal(L, "require");
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    lua_setfield(L, -2, field);
}

int luaopen_medprof(lua_State *L)
{
    luaL_newlib(L, mpl_base_funcs);
    mpl_open_proc(L);
    mpl_open_sym(L);
    mpl_open_tick(L);
    mpl_open_load(L);
    mpl_open_fs(L);
    mpl_open_vitals(L);
    lua_pushliteral(L, MP_VERSION_STRING);
    lua_setfield(L, -2, "_VERSION");
    mpl_register_embedded_modules(L);
    mpl_attach_module(L, "medprof.json", "json");
    return 1;
}
