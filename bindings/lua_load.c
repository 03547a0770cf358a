/* lua_load.c - the load part: medprof.quick, medprof.load, medprof.load_result,
   medprof.isatty, artillery's console lines (medprof.phase_report,
   medprof.vus_finished_report) and the medprof.LoadResult / medprof.Hist objects.

   Options besides the model's: progress = function(p) (about 4 times a second; return true
   to stop) and period = function(r) (a LoadResult for each 10-second period of the wall
   clock, for artillery's intermediate reports), follow = true (follow redirects on the URL's
   own origin) and raise_nofile = true (raise RLIMIT_NOFILE's soft limit for many
   connections). Latencies are microseconds throughout.

   A run blocks the calling Lua thread. Ctrl+C during a run stops the run, not the script:
   the result comes back with r.interrupted = true, like wrk printing what it measured, so
   the script can still print its report. */
#include "mpl.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MPL_RESULT "medprof.LoadResult"
#define MPL_HIST "medprof.Hist"

typedef struct mpl_result {
    mp_load_result *r; /* NULL once closed */
} mpl_result;

typedef struct mpl_hist {
    const mp_load_hist *h; /* belongs to the result kept in the user value, or to owned */
    mp_load_hist *owned;
} mpl_hist;

static mpl_result *mpl_checkresult(lua_State *L, int idx)
{
    mpl_result *u = (mpl_result *)luaL_checkudata(L, idx, MPL_RESULT);
    if (!u->r) luaL_error(L, "attempt to use a closed load result");
    return u;
}

static void mpl_push_result(lua_State *L, mp_load_result *r)
{
    mpl_result *u = (mpl_result *)lua_newuserdatauv(L, sizeof *u, 0);
    u->r = r;
    luaL_setmetatable(L, MPL_RESULT);
}

/* A Hist object over h, keeping the result at owner_idx alive; h NULL gives an empty one. */
static void mpl_push_hist(lua_State *L, const mp_load_hist *h, int owner_idx)
{
    mpl_hist *u;
    owner_idx = lua_absindex(L, owner_idx);
    u = (mpl_hist *)lua_newuserdatauv(L, sizeof *u, 1);
    u->h = h;
    u->owned = NULL;
    luaL_setmetatable(L, MPL_HIST);
    if (!h) {
        mp_error err;
        if (mp_load_hist_new(&u->owned, &err) != MP_OK) luaL_error(L, "%s", err.msg);
        u->h = u->owned;
    }
    lua_pushvalue(L, owner_idx);
    lua_setiuservalue(L, -2, 1);
}

/* ---- options ------------------------------------------------------------------------------ */

/* headers = { "Name: value", ... } or { Name = "value" }: a NULL-terminated array in a
   userdata on the stack, its strings anchored in a table pushed after it. */
static const char *const *mpl_headers(lua_State *L, int opts)
{
    const char **list;
    int t, holder;
    size_t n = 0, i = 0;
    if (lua_getfield(L, opts, "headers") == LUA_TNIL) { lua_pop(L, 1); return NULL; }
    if (!lua_istable(L, -1)) luaL_error(L, "headers option must be a table");
    t = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t)) { n++; lua_pop(L, 1); }
    list = (const char **)lua_newuserdatauv(L, (n + 1) * sizeof *list, 0);
    list[n] = NULL;
    lua_createtable(L, (int)n, 0);
    holder = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        if (lua_type(L, -2) == LUA_TNUMBER && lua_type(L, -1) == LUA_TSTRING) {
            lua_pushvalue(L, -1);
        } else if (lua_type(L, -2) == LUA_TSTRING &&
                   (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER)) {
            lua_pushfstring(L, "%s: %s", lua_tostring(L, -2), lua_tostring(L, -1));
        } else {
            luaL_error(L, "headers must be \"Name: value\" strings or Name = value pairs");
        }
        list[i++] = lua_tostring(L, -1);
        lua_rawseti(L, holder, (lua_Integer)i);
        lua_pop(L, 1);
    }
    return list;
}

typedef struct mpl_progress_ctx {
    lua_State *L;
    int fn;           /* stack index of the Lua function, 0 if none */
    int period_fn;    /* stack index of the period function, 0 if none */
    int stopped;      /* the callback asked to stop (or raised) */
    int failed;       /* it raised: the message is at error_idx */
    int error_ref;
} mpl_progress_ctx;

/* Runs the progress function with a table of *p, all in protected mode (a memory error
   must not unwind through the C run): 1 = the function, 2 = p. Returns its first result. */
static int mpl_call_progress(lua_State *L)
{
    const mp_load_progress *p = (const mp_load_progress *)lua_touserdata(L, 2);
    lua_settop(L, 1);
    lua_createtable(L, 0, 6);
    lua_pushnumber(L, p->elapsed);
    lua_setfield(L, -2, "elapsed");
    lua_pushinteger(L, (lua_Integer)p->requests);
    lua_setfield(L, -2, "requests");
    lua_pushinteger(L, (lua_Integer)p->responses);
    lua_setfield(L, -2, "responses");
    lua_pushinteger(L, (lua_Integer)p->errors);
    lua_setfield(L, -2, "errors");
    lua_pushnumber(L, p->rate);
    lua_setfield(L, -2, "rate");
    lua_pushnumber(L, p->p99_ms);
    lua_setfield(L, -2, "p99_ms");
    lua_call(L, 1, 1);
    return 1;
}

/* Called between polls on the calling thread: the Lua function gets a table and may return
   true to stop. An error in it stops the run and is raised once the run is over. */
static int mpl_on_progress(const mp_load_progress *p, void *user)
{
    mpl_progress_ctx *ctx = (mpl_progress_ctx *)user;
    lua_State *L = ctx->L;
    int stop;
    if (!ctx->fn || ctx->failed) return ctx->stopped;
    lua_pushcfunction(L, mpl_call_progress);
    lua_pushvalue(L, ctx->fn);
    lua_pushlightuserdata(L, (void *)p);
    if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
        ctx->failed = 1;
        ctx->stopped = 1;
        ctx->error_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        return 1;
    }
    stop = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (stop) ctx->stopped = 1;
    return stop;
}

/* Runs the period function with a LoadResult that owns *copy, all in protected mode: a
   memory error must not unwind through the C run. */
static int mpl_call_period(lua_State *L)
{
    mp_load_result **copy = (mp_load_result **)lua_touserdata(L, 2);
    mpl_result *u;
    lua_settop(L, 1); /* the function */
    u = (mpl_result *)lua_newuserdatauv(L, sizeof *u, 0);
    u->r = NULL;
    luaL_setmetatable(L, MPL_RESULT);
    u->r = *copy;
    *copy = NULL; /* the userdata owns it now */
    lua_call(L, 1, 0);
    return 0;
}

/* A period's result goes to Lua as a LoadResult of its own (the C one lives only during
   the call). An error stops the run, as in progress. */
static void mpl_on_period(const mp_load_result *r, void *user)
{
    mpl_progress_ctx *ctx = (mpl_progress_ctx *)user;
    lua_State *L = ctx->L;
    mp_load_result *copy;
    const mp_load_hist *h;
    const char *name;
    size_t nhists = 0;
    if (!ctx->period_fn || ctx->failed) return;
    if (mp_load_result_new(&copy, NULL) != MP_OK) return;
    if (mp_load_result_merge(copy, r, NULL) != MP_OK) { mp_load_result_free(copy); return; }
    lua_pushcfunction(L, mpl_call_period);
    lua_pushvalue(L, ctx->period_fn);
    lua_pushlightuserdata(L, &copy);
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        ctx->failed = 1;
        ctx->stopped = 1;
        ctx->error_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    mp_load_result_free(copy); /* NULL unless the userdata could not be made */
    /* The copy's histograms (about 224 KB each) are outside Lua's heap, where its collector
       does not see them: without a step of their size, a long run's dropped periods pile
       up until some later collection (memory that grows with the duration). */
    while (mp_load_result_hist_at(r, nhists, &name, &h)) nhists++;
    lua_gc(L, LUA_GCSTEP, (int)(nhists * 224));
}

static const char *const mpl_load_keys[] = {
    "url", "count", "num", "arrival", "connections", "duration", "requests", "rate", "method",
    "headers", "body", "timeout", "threads", "max_time", "progress", "progress_interval", "period",
    "follow", "raise_nofile", NULL
};

/* The count, time and rate options: what the caller gave goes through the library's
   mp_load_option_check, where a 0 is refused like a negative (in the C config it would be
   the default). */
static const char *const mpl_load_numbers[] = {
    "count", "num", "connections", "requests", "threads", "arrival", "duration", "rate",
    "timeout", "max_time", "progress_interval", NULL
};

static void mpl_load_check_numbers(lua_State *L, int idx)
{
    const char *const *name;
    mp_error err;
    for (name = mpl_load_numbers; *name; name++) {
        if (lua_getfield(L, idx, *name) == LUA_TNUMBER)
            mpl_check_config(L, mp_load_option_check(*name, (double)lua_tonumber(L, -1), &err),
                             &err);
        lua_pop(L, 1);
    }
}

/* Reads the option table at idx into cfg, raising on a bad option: a wrong type, or what
   the library's mp_load_option_check and mp_load_config_check refuse. model is
   MP_LOAD_VUSERS for medprof.quick, anything else for medprof.load (which picks closed or
   open by rate). What cfg points to stays alive on the stack (the table, the headers'
   array); *progress_fn and *period_fn get the stack indices of those functions, 0 if none.
   It only reads: the fuzzer (tests/fuzz/fuzz_lua.c) calls it without starting a run. */
void mpl_load_read_config(lua_State *L, int idx, mp_load_model model, mp_load_config *cfg,
                          int *progress_fn, int *period_fn)
{
    lua_Integer requests;
    size_t body_len = 0;
    mp_error err;
    idx = lua_absindex(L, idx);
    luaL_checktype(L, idx, LUA_TTABLE);
    mpl_check_keys(L, idx, mpl_load_keys);
    memset(cfg, 0, sizeof *cfg);
    *progress_fn = *period_fn = 0;
    cfg->url = mpl_opt_string(L, idx, "url", NULL);
    if (!cfg->url) luaL_error(L, "url option is required");
    cfg->count = mpl_opt_int(L, idx, "count", 0);
    cfg->num = mpl_opt_int(L, idx, "num", 0);
    cfg->arrival = mpl_opt_number(L, idx, "arrival", 0);
    cfg->connections = mpl_opt_int(L, idx, "connections", 0);
    cfg->duration = mpl_opt_number(L, idx, "duration", 0);
    requests = mpl_opt_integer(L, idx, "requests", 0);
    cfg->rate = mpl_opt_number(L, idx, "rate", 0);
    cfg->method = mpl_opt_string(L, idx, "method", NULL);
    cfg->timeout = mpl_opt_number(L, idx, "timeout", 0);
    cfg->threads = mpl_opt_int(L, idx, "threads", 0);
    cfg->max_time = mpl_opt_number(L, idx, "max_time", 0);
    cfg->progress_interval = mpl_opt_number(L, idx, "progress_interval", 0);
    cfg->follow = mpl_opt_boolean(L, idx, "follow", 0);
    cfg->raise_nofile = mpl_opt_boolean(L, idx, "raise_nofile", 0);
    mpl_load_check_numbers(L, idx);
    cfg->requests = (uint64_t)requests; /* not negative: checked */
    if (lua_getfield(L, idx, "body") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "body option must be a string");
        cfg->body = lua_tolstring(L, -1, &body_len);
        cfg->body_len = body_len;
    }
    lua_pop(L, 1); /* the option table keeps the string alive */
    cfg->headers = mpl_headers(L, idx);
    if (lua_getfield(L, idx, "progress") != LUA_TNIL) {
        if (!lua_isfunction(L, -1)) luaL_error(L, "progress option must be a function");
        *progress_fn = lua_gettop(L);
    } else {
        lua_pop(L, 1);
    }
    if (lua_getfield(L, idx, "period") != LUA_TNIL) {
        if (!lua_isfunction(L, -1)) luaL_error(L, "period option must be a function");
        *period_fn = lua_gettop(L);
    } else {
        lua_pop(L, 1);
    }
    /* Which function takes which options is the binding's own: medprof.quick is artillery
       quick's model only. Which options mix is the library's rule (mp_load_config_check). */
    if (model == MP_LOAD_VUSERS && (cfg->connections || cfg->duration != 0 || requests ||
                                    cfg->rate != 0))
        luaL_error(L, "quick takes count and num; use medprof.load for the other models");
    if (model != MP_LOAD_VUSERS) model = cfg->rate != 0 ? MP_LOAD_OPEN : MP_LOAD_CLOSED;
    cfg->model = model;
    mpl_check_config(L, mp_load_config_check(cfg, &err), &err);
}

static int mpl_run(lua_State *L, mp_load_model model)
{
    mp_load_config cfg;
    mpl_progress_ctx ctx;
    mp_load_result *r = NULL;
    mp_error err;
    mp_err rc;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    memset(&ctx, 0, sizeof ctx);
    mpl_load_read_config(L, 1, model, &cfg, &ctx.fn, &ctx.period_fn);
    ctx.L = L;
    cfg.progress = mpl_on_progress;
    if (ctx.period_fn) cfg.period = mpl_on_period;
    cfg.user = &ctx;
    rc = mp_load_run(&cfg, &r, &err);
    if (ctx.failed) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, ctx.error_ref);
        luaL_unref(L, LUA_REGISTRYINDEX, ctx.error_ref);
        /* Ctrl+C while a callback ran: the CLI's hook raised its "interrupted" there. That
           is a stop like any other Ctrl+C during the run. */
        if (rc == MP_OK && mpl_is_interrupt(L, -1)) {
            lua_pop(L, 1);
        } else {
            mp_load_result_free(r);
            return lua_error(L);
        }
    }
    if (rc != MP_OK) return mpl_fail(L, &err);
    /* A signal ended the run: the interpreter's Ctrl+C hook would raise "interrupted" at
       the next instruction and lose what was measured. The signal has done its job (the
       handler also reset itself, so a second Ctrl+C ends the program), so drop the hook and
       let the script report. */
    if (mp_load_result_interrupted(r) && !ctx.stopped && lua_gethook(L)) lua_sethook(L, NULL, 0, 0);
    mpl_push_result(L, r);
    return 1;
}

/* medprof.quick{url=, count=10, num=10, ...}: artillery quick's model. → result | fail */
static int mpl_quick(lua_State *L) { return mpl_run(L, MP_LOAD_VUSERS); }

/* medprof.load{url=, connections=, duration=, requests=} (wrk) or {rate=, duration=} (wrk2). */
static int mpl_load(lua_State *L) { return mpl_run(L, MP_LOAD_CLOSED); }

/* medprof.load_result(json_text) reads a report written by r:json(). → result | fail */
static int mpl_load_result(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    mp_load_result *r;
    mp_error err;
    if (mp_load_result_from_json(text, len, &r, &err) != MP_OK) return mpl_fail(L, &err);
    mpl_push_result(L, r);
    return 1;
}

/* ---- result methods ---------------------------------------------------------------------- */

static int mpl_result_report(lua_State *L)
{
    mpl_result *u = mpl_checkresult(L, 1);
    mp_buf b = { 0 };
    mp_error err;
    mp_err rc = mp_load_result_write_text(u->r, &b, &err);
    return mpl_push_buf(L, rc, &b, &err);
}

static int mpl_result_metrics(lua_State *L)
{
    mpl_result *u = mpl_checkresult(L, 1);
    mp_buf b = { 0 };
    mp_error err;
    mp_err rc = mp_load_result_write_metrics(u->r, &b, &err);
    return mpl_push_buf(L, rc, &b, &err);
}

/* p:period_report() → artillery's intermediate report of a period (the period callback's) */
static int mpl_result_period_report(lua_State *L)
{
    mpl_result *u = mpl_checkresult(L, 1);
    mp_buf b = { 0 };
    mp_error err;
    mp_err rc = mp_load_result_write_period(u->r, &b, &err);
    return mpl_push_buf(L, rc, &b, &err);
}

static const char *const mpl_phase_keys[] = { "name", "index", "duration", "completed", "at", NULL };

/* medprof.phase_report{ name=, index=0, duration=, completed=false, at=medprof.wall() } →
   artillery's "Phase started: …" (or "Phase completed: …") line and its blank line */
static int mpl_phase_report(lua_State *L)
{
    mp_buf b = { 0 };
    mp_error err;
    mp_err rc;
    double duration;
    luaL_checktype(L, 1, LUA_TTABLE);
    mpl_check_keys(L, 1, mpl_phase_keys);
    if (lua_getfield(L, 1, "duration") != LUA_TNUMBER)
        luaL_error(L, "duration option must be a number (seconds)");
    duration = lua_tonumber(L, -1);
    lua_pop(L, 1);
    rc = mp_load_write_phase(mpl_opt_boolean(L, 1, "completed", 0),
                             mpl_opt_string(L, 1, "name", NULL), mpl_opt_int(L, 1, "index", 0),
                             duration, mpl_opt_number(L, 1, "at", mp_time_wall()), &b, &err);
    return mpl_push_buf(L, rc, &b, &err);
}

/* medprof.vus_finished_report(seconds) → "All VUs finished. Total time: 1 minute, 5 seconds"
   and its blank line */
static int mpl_vus_finished_report(lua_State *L)
{
    double seconds = luaL_checknumber(L, 1);
    mp_buf b = { 0 };
    mp_error err;
    mp_err rc = mp_load_write_vus_finished(seconds, &b, &err);
    return mpl_push_buf(L, rc, &b, &err);
}

/* r:json([{ intermediate = { p:period_json(), … } }]) → artillery's JSON report shape */
static int mpl_result_json(lua_State *L)
{
    mpl_result *u = mpl_checkresult(L, 1);
    mp_buf b = { 0 };
    mp_error err;
    mp_err rc;
    const char **periods = NULL;
    size_t n = 0, i;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        if (lua_getfield(L, 2, "intermediate") != LUA_TNIL) {
            luaL_checktype(L, -1, LUA_TTABLE);
            n = (size_t)luaL_len(L, -1);
            /* a userdata block, so that an error below frees it with the Lua state */
            periods = n ? (const char **)lua_newuserdatauv(L, n * sizeof *periods, 0) : NULL;
            for (i = 0; i < n; i++) {
                lua_geti(L, -1 - (periods != NULL), (lua_Integer)i + 1);
                if (lua_type(L, -1) != LUA_TSTRING)
                    return luaL_error(L, "intermediate[%d] must be a string from p:period_json()",
                                      (int)i + 1);
                periods[i] = lua_tostring(L, -1);
                lua_pop(L, 1); /* still referenced by the table */
            }
        }
    }
    rc = mp_load_result_write_json(u->r, periods, n, &b, &err);
    return mpl_push_buf(L, rc, &b, &err);
}

/* p:period_json() → a period's object for the "intermediate" array of r:json{} */
static int mpl_result_period_json(lua_State *L)
{
    mpl_result *u = mpl_checkresult(L, 1);
    mp_buf b = { 0 };
    mp_error err;
    mp_err rc = mp_load_result_write_period_json(u->r, &b, &err);
    return mpl_push_buf(L, rc, &b, &err);
}

/* r:html([title]) → one self-contained HTML page with the charts of the run */
static int mpl_result_html(lua_State *L)
{
    mpl_result *u = mpl_checkresult(L, 1);
    const char *title = luaL_optstring(L, 2, NULL);
    mp_buf b = { 0 };
    mp_error err;
    mp_err rc = mp_load_result_write_html(u->r, title, &b, &err);
    return mpl_push_buf(L, rc, &b, &err);
}

static int mpl_result_latency_table(lua_State *L)
{
    mpl_result *u = mpl_checkresult(L, 1);
    mp_buf b = { 0 };
    mp_error err;
    mp_err rc = mp_load_result_write_latency(u->r, &b, &err);
    return mpl_push_buf(L, rc, &b, &err);
}

/* r:merge(other): adds other's measurements into r. → r | fail */
static int mpl_result_merge(lua_State *L)
{
    mpl_result *u = mpl_checkresult(L, 1);
    mpl_result *o = mpl_checkresult(L, 2);
    mp_error err;
    if (mp_load_result_merge(u->r, o->r, &err) != MP_OK) return mpl_fail(L, &err);
    lua_settop(L, 1);
    return 1;
}

/* r:hist("vusers.session_length") → Hist | nil */
static int mpl_result_hist(lua_State *L)
{
    mpl_result *u = mpl_checkresult(L, 1);
    const mp_load_hist *h = mp_load_result_hist(u->r, luaL_checkstring(L, 2));
    if (!h) { lua_pushnil(L); return 1; }
    mpl_push_hist(L, h, 1);
    return 1;
}

/* r:counter("errors.ECONNRESET") → integer (0 when absent) */
static int mpl_result_counter(lua_State *L)
{
    mpl_result *u = mpl_checkresult(L, 1);
    lua_pushinteger(L, (lua_Integer)mp_load_result_counter(u->r, luaL_checkstring(L, 2)));
    return 1;
}

static int mpl_result_close(lua_State *L)
{
    mpl_result *u = (mpl_result *)luaL_checkudata(L, 1, MPL_RESULT);
    mp_load_result_free(u->r);
    u->r = NULL;
    return 0;
}

static int mpl_result_tostring(lua_State *L)
{
    mpl_result *u = (mpl_result *)luaL_checkudata(L, 1, MPL_RESULT);
    if (!u->r) lua_pushliteral(L, "medprof.LoadResult (closed)");
    else lua_pushfstring(L, "medprof.LoadResult (%I requests)",
                         (lua_Integer)mp_load_result_counter(u->r, "http.requests"));
    return 1;
}

/* codes = {[200] = n}, errors = {ECONNRESET = n}, counters = {name = n} */
static void mpl_push_counters(lua_State *L, const mp_load_result *r, const char *prefix, int numeric)
{
    size_t i, pl = strlen(prefix);
    const char *name;
    uint64_t v;
    lua_newtable(L);
    for (i = 0; mp_load_result_counter_at(r, i, &name, &v); i++) {
        if (strncmp(name, prefix, pl) != 0) continue;
        if (numeric) {
            char *end;
            long code = strtol(name + pl, &end, 10);
            if (*end) continue;
            lua_pushinteger(L, (lua_Integer)v);
            lua_rawseti(L, -2, code);
        } else {
            lua_pushinteger(L, (lua_Integer)v);
            lua_setfield(L, -2, name + pl);
        }
    }
}

static void mpl_push_series(lua_State *L, const mp_load_result *r)
{
    size_t n = mp_load_result_seconds(r), i;
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        uint64_t req, errs;
        double p50, p99;
        mp_load_result_second(r, i, &req, &errs, &p50, &p99);
        lua_createtable(L, 0, 4);
        lua_pushinteger(L, (lua_Integer)req);
        lua_setfield(L, -2, "requests");
        lua_pushinteger(L, (lua_Integer)errs);
        lua_setfield(L, -2, "errors");
        lua_pushnumber(L, p50);
        lua_setfield(L, -2, "p50");
        lua_pushnumber(L, p99);
        lua_setfield(L, -2, "p99");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

static const luaL_Reg mpl_result_methods[] = {
    { "report", mpl_result_report },
    { "metrics", mpl_result_metrics },
    { "json", mpl_result_json },
    { "period_json", mpl_result_period_json },
    { "period_report", mpl_result_period_report },
    { "html", mpl_result_html },
    { "latency_table", mpl_result_latency_table },
    { "merge", mpl_result_merge },
    { "hist", mpl_result_hist },
    { "counter", mpl_result_counter },
    { "close", mpl_result_close },
    { NULL, NULL }
};

/* Fields (computed on access), then methods. Latencies are in microseconds. */
static int mpl_result_index(lua_State *L)
{
    mpl_result *u = mpl_checkresult(L, 1);
    const mp_load_result *r = u->r;
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "requests") == 0 || strcmp(key, "responses") == 0) {
        char name[32];
        snprintf(name, sizeof name, "http.%s", key);
        lua_pushinteger(L, (lua_Integer)mp_load_result_counter(r, name));
    } else if (strcmp(key, "rate") == 0) {
        lua_pushinteger(L, (lua_Integer)(mp_load_result_rate(r) + 0.5));
    } else if (strcmp(key, "duration") == 0) {
        lua_pushnumber(L, mp_load_result_duration(r));
    } else if (strcmp(key, "start") == 0) {
        lua_pushnumber(L, mp_load_result_start(r));
    } else if (strcmp(key, "span") == 0) {
        double first, last;
        if (mp_load_result_span(r, &first, &last)) {
            lua_createtable(L, 0, 2);
            lua_pushnumber(L, first);
            lua_setfield(L, -2, "first");
            lua_pushnumber(L, last);
            lua_setfield(L, -2, "last");
        } else {
            lua_pushnil(L);
        }
    } else if (strcmp(key, "interrupted") == 0) {
        lua_pushboolean(L, mp_load_result_interrupted(r));
    } else if (strcmp(key, "warning") == 0) {
        const char *w = mp_load_result_warning(r);
        if (w) lua_pushstring(L, w);
        else lua_pushnil(L);
    } else if (strcmp(key, "codes") == 0) {
        mpl_push_counters(L, r, "http.codes.", 1);
    } else if (strcmp(key, "errors") == 0) {
        mpl_push_counters(L, r, "errors.", 0);
    } else if (strcmp(key, "counters") == 0) {
        mpl_push_counters(L, r, "", 0);
    } else if (strcmp(key, "latency") == 0) {
        mpl_push_hist(L, mp_load_result_hist(r, "http.response_time"), 1);
    } else if (strcmp(key, "series") == 0) {
        mpl_push_series(L, r);
    } else {
        lua_getfield(L, lua_upvalueindex(1), key);
    }
    return 1;
}

static const luaL_Reg mpl_result_meta[] = {
    { "__gc", mpl_result_close },
    { "__close", mpl_result_close },
    { "__tostring", mpl_result_tostring },
    { NULL, NULL }
};

/* ---- histograms -------------------------------------------------------------------------- */

/* h:percentile(99) → microseconds */
static int mpl_hist_percentile(lua_State *L)
{
    mpl_hist *u = (mpl_hist *)luaL_checkudata(L, 1, MPL_HIST);
    double p = luaL_checknumber(L, 2);
    luaL_argcheck(L, p >= 0 && p <= 100, 2, "percentile must be between 0 and 100");
    lua_pushnumber(L, mp_load_hist_percentile(u->h, p));
    return 1;
}

static int mpl_hist_index(lua_State *L)
{
    mpl_hist *u = (mpl_hist *)luaL_checkudata(L, 1, MPL_HIST);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "count") == 0) lua_pushinteger(L, (lua_Integer)mp_load_hist_count(u->h));
    else if (strcmp(key, "min") == 0) lua_pushinteger(L, (lua_Integer)mp_load_hist_min(u->h));
    else if (strcmp(key, "max") == 0) lua_pushinteger(L, (lua_Integer)mp_load_hist_max(u->h));
    else if (strcmp(key, "mean") == 0) lua_pushnumber(L, mp_load_hist_mean(u->h));
    else if (strcmp(key, "percentile") == 0) lua_pushcfunction(L, mpl_hist_percentile);
    else lua_pushnil(L);
    return 1;
}

static int mpl_hist_gc(lua_State *L)
{
    mpl_hist *u = (mpl_hist *)luaL_checkudata(L, 1, MPL_HIST);
    mp_load_hist_free(u->owned);
    u->owned = NULL;
    return 0;
}

static int mpl_hist_tostring(lua_State *L)
{
    mpl_hist *u = (mpl_hist *)luaL_checkudata(L, 1, MPL_HIST);
    lua_pushfstring(L, "medprof.Hist (%I samples)", (lua_Integer)mp_load_hist_count(u->h));
    return 1;
}

static const luaL_Reg mpl_hist_meta[] = {
    { "__index", mpl_hist_index },
    { "__gc", mpl_hist_gc },
    { "__tostring", mpl_hist_tostring },
    { NULL, NULL }
};

/* medprof.isatty(fd): is stdin/stdout/stderr (0/1/2) a terminal? For live progress. */
static int mpl_isatty(lua_State *L)
{
    lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
    return 1;
}

static const luaL_Reg mpl_load_funcs[] = {
    { "isatty", mpl_isatty },
    { "quick", mpl_quick },
    { "load", mpl_load },
    { "load_result", mpl_load_result },
    { "phase_report", mpl_phase_report },
    { "vus_finished_report", mpl_vus_finished_report },
    { NULL, NULL }
};

void mpl_open_load(lua_State *L)
{
    luaL_setfuncs(L, mpl_load_funcs, 0);
    luaL_newmetatable(L, MPL_RESULT);
    luaL_setfuncs(L, mpl_result_meta, 0);
    luaL_newlib(L, mpl_result_methods);
    lua_pushcclosure(L, mpl_result_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    luaL_newmetatable(L, MPL_HIST);
    luaL_setfuncs(L, mpl_hist_meta, 0);
    lua_pop(L, 1);
}
