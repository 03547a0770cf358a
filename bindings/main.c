/* main.c - the medprof CLI: an embedded Lua 5.4 that runs scripts over the medprof module.

   medprof run script.lua [args]   runs a file, with `arg` and `...` set as lua(1) does
   medprof NAME [args]             runs scripts/NAME.lua: $MEDPROF_PATH first, then the copy
                                   compiled into this binary
   medprof --help | --version

   Ctrl+C (and SIGTERM, SIGHUP) raise a Lua error "interrupted" at the next instruction, as in
   lua.c; blocking medprof calls return early because the handler is installed without
   SA_RESTART. The script unwinds, and lua_close runs every __close/__gc, which stops the
   servers the script started. */
#include "mpl.h"

#include <lualib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lua_State *volatile mpl_running_state; /* the one interpreter the signal handler may stop */
static volatile sig_atomic_t mpl_signal_seen;

static void mpl_stop_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    mpl_raise_interrupt(L);
}

static void mpl_on_signal(int sig)
{
    int mask = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;
    mpl_signal_seen = sig;
    /* A second Ctrl+C while the first is being handled ends medprof at once; its children
       die with it through PR_SET_PDEATHSIG. */
    signal(sig, SIG_DFL);
    if (mpl_running_state) lua_sethook(mpl_running_state, mpl_stop_hook, mask, 1);
}

static void mpl_catch_signals(void)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    struct sigaction sa;
    size_t i;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = mpl_on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: blocking waits must return */
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
}

static int mpl_msghandler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

static const mpl_embedded *mpl_find_embedded(const char *name, int is_module)
{
    size_t i;
    for (i = 0; i < mpl_embedded_count; i++)
        if (mpl_embedded_files[i].is_module == is_module &&
            strcmp(mpl_embedded_files[i].name, name) == 0)
            return &mpl_embedded_files[i];
    return NULL;
}

/* The one-line summary of a script: its first line, "-- summary". */
static void mpl_print_summary(const char *name, const char *text, size_t len)
{
    const char *end = memchr(text, '\n', len);
    size_t n = end ? (size_t)(end - text) : len;
    if (n >= 3 && strncmp(text, "-- ", 3) == 0) {
        text += 3;
        n -= 3;
    } else {
        n = 0;
    }
    printf("  %-10s %.*s\n", name, (int)n, text);
}

static void mpl_usage(void)
{
    size_t i;
    printf("medprof %s - profile a Node.js HTTP server under load\n\n"
           "usage: medprof COMMAND [args]      (medprof COMMAND --help for its options)\n"
           "       medprof run SCRIPT.lua [args]\n"
           "       medprof --version\n\ncommands:\n",
           MP_VERSION_STRING);
    for (i = 0; i < mpl_embedded_count; i++)
        if (!mpl_embedded_files[i].is_module)
            mpl_print_summary(mpl_embedded_files[i].name,
                              (const char *)mpl_embedded_files[i].text,
                              mpl_embedded_files[i].len);
    printf("\nA script of the same name in a directory of $MEDPROF_PATH replaces a built-in one.\n");
}

/* $MEDPROF_PATH/NAME.lua, the first that exists, or NULL. */
static char *mpl_find_user_script(const char *name)
{
    const char *path = getenv("MEDPROF_PATH"), *p;
    if (!path || !*path) return NULL;
    for (p = path;;) {
        size_t len = strcspn(p, ":");
        size_t need = len + strlen(name) + 6;
        char *file = (char *)malloc(need);
        FILE *f;
        if (!file) return NULL;
        snprintf(file, need, "%.*s/%s.lua", (int)len, len ? p : ".", name);
        if ((f = fopen(file, "r")) != NULL) {
            fclose(f);
            return file;
        }
        free(file);
        if (!p[len]) return NULL;
        p += len + 1;
    }
}

/* arg = { [-1] = medprof, [0] = script, ... }, as lua(1) sets it (so a script can run
   medprof again); the args are also pushed for `...`. */
static int mpl_push_args(lua_State *L, const char *self, const char *script, int argc,
                         char **argv)
{
    int i;
    lua_createtable(L, argc, 2);
    lua_pushstring(L, self);
    lua_rawseti(L, -2, -1);
    lua_pushstring(L, script);
    lua_rawseti(L, -2, 0);
    for (i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setglobal(L, "arg");
    luaL_checkstack(L, argc, "too many arguments");
    for (i = 0; i < argc; i++) lua_pushstring(L, argv[i]);
    return argc;
}

typedef struct mpl_job {
    const char *self;        /* how medprof was invoked (argv[0]) */
    const char *file;        /* a file to run, or */
    const mpl_embedded *emb; /* a built-in script */
    const char *name;
    int argc;
    char **argv;
} mpl_job;

static int mpl_pmain(lua_State *L)
{
    mpl_job *job = (mpl_job *)lua_touserdata(L, 1);
    int status, nargs, base;
    luaL_openlibs(L);
    luaL_requiref(L, "medprof", luaopen_medprof, 1);
    lua_pop(L, 1);
    lua_pushcfunction(L, mpl_msghandler);
    base = lua_gettop(L);
    if (job->file)
        status = luaL_loadfile(L, job->file);
    else
        status = luaL_loadbufferx(L, (const char *)job->emb->text, job->emb->len,
                                  lua_pushfstring(L, "=%s", job->name), "t");
    if (!job->file) lua_remove(L, -2); /* the chunk name */
    if (status != LUA_OK) return lua_error(L);
    nargs = mpl_push_args(L, job->self, job->file ? job->file : job->name, job->argc, job->argv);
    status = lua_pcall(L, nargs, 0, base);
    if (status != LUA_OK) return lua_error(L);
    return 0;
}

/* A script that calls os.exit(n) ends here with n; one that errors gets 1. */
static int mpl_run(mpl_job *job)
{
    lua_State *L = luaL_newstate();
    int status;
    if (!L) {
        fprintf(stderr, "medprof: cannot create the Lua state: out of memory\n");
        return 1;
    }
    mpl_running_state = L;
    mpl_catch_signals();
    lua_pushcfunction(L, mpl_pmain);
    lua_pushlightuserdata(L, job);
    status = lua_pcall(L, 1, 0, 0);
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        fprintf(stderr, "medprof: %s\n", msg ? msg : "(error object is not a string)");
    }
    mpl_running_state = NULL;
    lua_close(L); /* runs __gc: servers still running are stopped here */
    if (status == LUA_OK) return 0;
    return mpl_signal_seen ? 128 + mpl_signal_seen : 1;
}

int main(int argc, char **argv)
{
    mpl_job job;
    char *user = NULL;
    int rc;
    memset(&job, 0, sizeof job);
    job.self = argv[0];
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        mpl_usage();
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-v") == 0) {
        printf("medprof %s (%s)\n", MP_VERSION_STRING, LUA_RELEASE);
        return 0;
    }
    if (strcmp(argv[1], "run") == 0) {
        if (argc < 3) {
            fprintf(stderr, "usage: medprof run SCRIPT.lua [args]\n");
            return 2;
        }
        job.file = argv[2];
        job.argc = argc - 3;
        job.argv = argv + 3;
    } else {
        job.name = argv[1];
        job.argc = argc - 2;
        job.argv = argv + 2;
        if ((user = mpl_find_user_script(job.name)) != NULL) job.file = user;
        else if (!(job.emb = mpl_find_embedded(job.name, 0))) {
            fprintf(stderr, "medprof: unknown command '%s' (medprof --help lists them)\n",
                    job.name);
            return 2;
        }
    }
    rc = mpl_run(&job);
    free(user);
    return rc;
}
