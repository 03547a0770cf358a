/* lua_fs.c - the files part: medprof.create and medprof.output_dir, which make the files and
   directories the subcommands write into without ever overwriting a user's file unless
   asked to (force = true, the CLI's --force).

     local f = assert(medprof.create("report.json"))       -- refuses an existing file
     f:write(text); assert(f:close())
     assert(medprof.output_dir("results"))                 -- new, or empty, directory

   Lua's io.open cannot create a file exclusively: "w" truncates whatever is there and
   follows a symbolic link planted at the path. medprof.create opens with O_EXCL and hands
   back an ordinary Lua file (io's own metatable), so scripts keep using :write and :close. */
#include "mpl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Returns the fail triple for code/e with the message "PREFIX'PATH'SUFFIX"; a path too
   long for the message ends in "...", as the C library's messages do. */
static int mpl_fail_path(lua_State *L, mp_err code, int e, const char *prefix, const char *path,
                         const char *suffix)
{
    mp_error err;
    int n;
    memset(&err, 0, sizeof err);
    err.code = code;
    err.sys_errno = e;
    n = snprintf(err.msg, sizeof err.msg, "%s'%s'%s", prefix, path, suffix);
    if (n < 0 || (size_t)n >= sizeof err.msg) memcpy(err.msg + sizeof err.msg - 4, "...", 4);
    return mpl_fail(L, &err);
}

/* The fail triple for a failed system call on path, with the code the C library would use. */
static int mpl_fail_errno(lua_State *L, const char *what, const char *path, int e)
{
    char suffix[128];
    mp_err code = e == EEXIST ? MP_ERR_EXISTS
                  : e == ENOENT ? MP_ERR_NOT_FOUND
                  : (e == EACCES || e == EPERM) ? MP_ERR_PERMISSION
                  : MP_ERR_SYSTEM;
    if (e == EEXIST) return mpl_fail_path(L, code, e, "", path, " already exists");
    snprintf(suffix, sizeof suffix, ": %s", strerror(e));
    return mpl_fail_path(L, code, e, what, path, suffix);
}

/* The path argument at idx; a NUL inside would make the system call name another file. */
static const char *mpl_check_path(lua_State *L, int idx)
{
    size_t len;
    const char *path = luaL_checklstring(L, idx, &len);
    luaL_argcheck(L, strlen(path) == len, idx, "path contains a NUL byte");
    luaL_argcheck(L, len > 0, idx, "empty path");
    return path;
}

static const char *const mpl_force_keys[] = { "force", NULL };

int mpl_fs_read_force(lua_State *L, int idx)
{
    if (lua_isnoneornil(L, idx)) return 0;
    luaL_checktype(L, idx, LUA_TTABLE);
    mpl_check_keys(L, idx, mpl_force_keys);
    return mpl_opt_boolean(L, idx, "force", 0);
}

/* ---- medprof.create ------------------------------------------------------------------- */

/* The closef of the streams medprof.create makes: what io's own files do on close. */
static int mpl_stream_close(lua_State *L)
{
    luaL_Stream *s = (luaL_Stream *)luaL_checkudata(L, 1, LUA_FILEHANDLE);
    return luaL_fileresult(L, fclose(s->f) == 0, NULL);
}

/* Without force: O_EXCL, so an existing file, and a symbolic link (dangling or not), make it
   fail instead of being overwritten or followed. With force: truncates, as io.open "w". */
static int mpl_open_output(const char *path, int force)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL | O_NOFOLLOW);
    int fd;
    do fd = open(path, flags, 0666);
    while (fd < 0 && errno == EINTR);
    return fd;
}

/* medprof.create(path [, { force = true }]) → a Lua file open for writing | fail */
static int mpl_create(lua_State *L)
{
    const char *path = mpl_check_path(L, 1);
    int force = mpl_fs_read_force(L, 2);
    luaL_Stream *s;
    int fd, e;
    if (luaL_getmetatable(L, LUA_FILEHANDLE) != LUA_TTABLE)
        return luaL_error(L, "medprof.create needs Lua's io library to be loaded");
    lua_pop(L, 1);
    /* The userdata exists, as a closed file, before the descriptor does: a memory error
       cannot leak the descriptor. */
    s = (luaL_Stream *)lua_newuserdatauv(L, sizeof *s, 0);
    s->f = NULL;
    s->closef = NULL;
    luaL_setmetatable(L, LUA_FILEHANDLE);
    if ((fd = mpl_open_output(path, force)) < 0)
        return mpl_fail_errno(L, "cannot create ", path, errno);
    if (!(s->f = fdopen(fd, "w"))) {
        e = errno;
        close(fd);
        if (!force) unlink(path); /* it is the empty file this call made */
        return mpl_fail_errno(L, "cannot create ", path, e);
    }
    s->closef = mpl_stream_close;
    return 1;
}

/* ---- medprof.output_dir --------------------------------------------------------------- */

/* mkdir -p for the parents of path (path itself is left to the caller). */
static void mpl_make_parents(lua_State *L, const char *path)
{
    size_t n = strlen(path), i;
    char *buf = (char *)lua_newuserdatauv(L, n + 1, 0); /* collected even if mkdir raises */
    memcpy(buf, path, n + 1);
    for (i = 1; i < n; i++) {
        if (buf[i] != '/' || buf[i - 1] == '/') continue;
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) break; /* the final mkdir says why */
        buf[i] = '/';
    }
    lua_pop(L, 1);
}

/* 1: dir has no entry besides . and ..; 0: it has some; -1: it cannot be read (errno). */
static int mpl_dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int empty = 1;
    if (!d) return -1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) { empty = 0; break; }
    closedir(d);
    return empty;
}

/* medprof.output_dir(dir [, { force = true }]) → true | fail. Creates dir and its missing
   parents. A directory that is already there will do if it is empty (nothing in it can be
   overwritten), or with force; one with files in it fails with MP_ERR_EXISTS. */
static int mpl_output_dir(lua_State *L)
{
    const char *dir = mpl_check_path(L, 1);
    int force = mpl_fs_read_force(L, 2);
    struct stat st;
    int empty;
    mpl_make_parents(L, dir);
    if (mkdir(dir, 0777) == 0) {
        lua_pushboolean(L, 1);
        return 1;
    }
    if (errno != EEXIST) return mpl_fail_errno(L, "cannot create directory ", dir, errno);
    if (stat(dir, &st) != 0) return mpl_fail_errno(L, "cannot create directory ", dir, errno);
    if (!S_ISDIR(st.st_mode))
        return mpl_fail_errno(L, "cannot create directory ", dir, ENOTDIR);
    if (!force) {
        if ((empty = mpl_dir_is_empty(dir)) < 0)
            return mpl_fail_errno(L, "cannot read ", dir, errno);
        if (!empty)
            return mpl_fail_path(L, MP_ERR_EXISTS, EEXIST, "directory ", dir,
                                 " already exists and is not empty");
    }
    lua_pushboolean(L, 1);
    return 1;
}

static const luaL_Reg mpl_fs_funcs[] = {
    { "create", mpl_create },
    { "output_dir", mpl_output_dir },
    { NULL, NULL }
};

void mpl_open_fs(lua_State *L)
{
    luaL_setfuncs(L, mpl_fs_funcs, 0);
}
