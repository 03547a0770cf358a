/* lua_sym.c - the symbols part: medprof.symtab and medprof.Symtab objects.

     local t = medprof.symtab()                 -- ELF files on this machine
     local t = medprof.symtab("syms.txt")       -- or a `medprof symbols` file (fail if bad)
     t:lookup(lib, start, end [, slide])        -- { {start=, ["end"]=, name=}, ... } or fail
     t:export{ lib, ... }                       -- symbols-file text, { "message", ... }
     t:warning()                                -- nil, or what degraded the names */
#include "mpl.h"

#include <string.h>

#define MPL_SYMTAB "medprof.Symtab"

typedef struct mpl_symtab {
    mp_symtab *t; /* NULL once closed */
} mpl_symtab;

static mpl_symtab *mpl_checksymtab(lua_State *L, int idx)
{
    mpl_symtab *u = (mpl_symtab *)luaL_checkudata(L, idx, MPL_SYMTAB);
    if (!u->t) luaL_error(L, "attempt to use a closed symbol table");
    return u;
}

static int mpl_symtab_new(lua_State *L)
{
    const char *path = luaL_optstring(L, 1, NULL);
    mpl_symtab *u = (mpl_symtab *)lua_newuserdatauv(L, sizeof *u, 0);
    mp_error err;
    u->t = NULL;
    luaL_setmetatable(L, MPL_SYMTAB);
    if (mp_symtab_new(&u->t, &err) != MP_OK) return mpl_fail(L, &err);
    if (path && mp_symtab_load_file(u->t, path, &err) != MP_OK) return mpl_fail(L, &err);
    return 1;
}

/* Addresses are Lua integers: user-space addresses are far below 2^63. */
static uint64_t mpl_check_address(lua_State *L, int idx)
{
    return (uint64_t)luaL_checkinteger(L, idx);
}

static int mpl_symtab_lookup(lua_State *L)
{
    mpl_symtab *u = mpl_checksymtab(L, 1);
    const char *lib = luaL_checkstring(L, 2);
    uint64_t start = mpl_check_address(L, 3), end = mpl_check_address(L, 4);
    uint64_t slide = lua_isnoneornil(L, 5) ? 0 : mpl_check_address(L, 5);
    const mp_sym *syms;
    size_t n, i;
    mp_error err;
    luaL_argcheck(L, start <= end, 4, "end is below start");
    if (mp_symtab_lookup(u->t, lib, start, end, slide, &syms, &n, &err) != MP_OK)
        return mpl_fail(L, &err);
    lua_createtable(L, n > 0x7fffffff ? 0x7fffffff : (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_createtable(L, 0, 3);
        lua_pushinteger(L, (lua_Integer)syms[i].start);
        lua_setfield(L, -2, "start");
        lua_pushinteger(L, (lua_Integer)syms[i].end);
        lua_setfield(L, -2, "end");
        lua_pushstring(L, syms[i].name);
        lua_setfield(L, -2, "name");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* The text is built in a mp_buf owned by a userdata, so that a Lua error (out of memory)
   striking midway frees it. */
#define MPL_SYMBUF "medprof.SymtabBuffer"

static int mpl_symbuf_gc(lua_State *L)
{
    mp_buf_free((mp_buf *)luaL_checkudata(L, 1, MPL_SYMBUF));
    return 0;
}

static int mpl_symtab_export(lua_State *L)
{
    mpl_symtab *u = mpl_checksymtab(L, 1);
    mp_buf *out;
    size_t n, i, nfail = 0;
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    n = (size_t)luaL_len(L, 2);
    for (i = 0; i < n; i++) {
        if (lua_geti(L, 2, (lua_Integer)i + 1) != LUA_TSTRING)
            luaL_error(L, "library %d must be a string", (int)i + 1);
        lua_pop(L, 1);
    }
    out = (mp_buf *)lua_newuserdatauv(L, sizeof *out, 0); /* 3 */
    memset(out, 0, sizeof *out);
    luaL_setmetatable(L, MPL_SYMBUF);
    lua_createtable(L, 0, 0); /* 4: failures */
    if (mp_symtab_write_header(out, NULL) != MP_OK) return luaL_error(L, "not enough memory");
    for (i = 0; i < n; i++) {
        mp_error err;
        lua_geti(L, 2, (lua_Integer)i + 1);
        if (mp_symtab_write_library(u->t, lua_tostring(L, -1), out, &err) != MP_OK) {
            if (err.code == MP_ERR_NOMEM) return luaL_error(L, "not enough memory");
            lua_pushstring(L, err.msg);
            lua_rawseti(L, 4, (lua_Integer)++nfail);
        }
        lua_pop(L, 1);
    }
    if (out->failed) return luaL_error(L, "not enough memory");
    lua_pushlstring(L, out->data, out->len);
    mp_buf_free(out);
    lua_insert(L, 4);
    return 2;
}

static int mpl_symtab_warning(lua_State *L)
{
    const char *w = mp_symtab_warning(mpl_checksymtab(L, 1)->t);
    if (w) lua_pushstring(L, w);
    else lua_pushnil(L);
    return 1;
}

static int mpl_symtab_close(lua_State *L)
{
    mpl_symtab *u = (mpl_symtab *)luaL_checkudata(L, 1, MPL_SYMTAB);
    mp_symtab_free(u->t);
    u->t = NULL;
    return 0;
}

static int mpl_symtab_tostring(lua_State *L)
{
    mpl_symtab *u = (mpl_symtab *)luaL_checkudata(L, 1, MPL_SYMTAB);
    lua_pushstring(L, u->t ? "medprof.Symtab" : "medprof.Symtab (closed)");
    return 1;
}

static const luaL_Reg mpl_symtab_methods[] = {
    { "lookup", mpl_symtab_lookup },
    { "export", mpl_symtab_export },
    { "warning", mpl_symtab_warning },
    { "close", mpl_symtab_close },
    { NULL, NULL },
};

static const luaL_Reg mpl_symtab_meta[] = {
    { "__index", NULL },
    { "__gc", mpl_symtab_close },
    { "__close", mpl_symtab_close },
    { "__tostring", mpl_symtab_tostring },
    { NULL, NULL },
};

static const luaL_Reg mpl_sym_functions[] = {
    { "symtab", mpl_symtab_new },
    { NULL, NULL },
};

void mpl_open_sym(lua_State *L)
{
    luaL_newmetatable(L, MPL_SYMTAB);
    luaL_setfuncs(L, mpl_symtab_meta, 0);
    luaL_newlibtable(L, mpl_symtab_methods);
    luaL_setfuncs(L, mpl_symtab_methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    luaL_newmetatable(L, MPL_SYMBUF);
    lua_pushcfunction(L, mpl_symbuf_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    luaL_setfuncs(L, mpl_sym_functions, 0);
}
