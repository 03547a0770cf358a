/* mpl.h - helpers shared by the medprof Lua binding's parts (not part of the C API).

   Conventions, as in Lua's own io library: bad arguments raise; failures the caller should
   expect (a program that is missing, a server that never answers) return
   `nil, message, "MP_ERR_NAME"` (the `fail` triple). Option tables are checked field by field
   and unknown keys are rejected, so a typo is an error rather than a silently ignored
   setting. */
#ifndef MPL_H
#define MPL_H

#include <lauxlib.h>
#include <lua.h>

#include "../medprof.h"

/* Pushes nil, err->msg, the code's name; returns 3 for `return mpl_fail(L, &err);`. */
int mpl_fail(lua_State *L, const mp_error *err);
/* A blocking call cut short by Ctrl+C also returns fail (MP_ERR_INTERRUPTED): the
   interpreter's signal hook (medprof's CLI, or lua.c's) raises "interrupted" at the next
   instruction, so the script unwinds and every <close> and __gc stops its children. */

/* The CLI's signal hook raises its "interrupted" with this, which remembers the error value,
   so that mpl_is_interrupt tells it from any other error without reading its text (lua.c's
   own "interrupted!" is an error like any other). */
int mpl_raise_interrupt(lua_State *L);
int mpl_is_interrupt(lua_State *L, int idx);

/* Pushes the text a writer appended to b (rc: the writer's answer, err: its message) and
   frees b. Out of memory raises, as Lua's own allocation failures do; another failure returns
   fail. Returns 1 or 3. */
int mpl_push_buf(lua_State *L, mp_err rc, mp_buf *b, const mp_error *err);

/* Raises err->msg unless rc is MP_OK: for the library's own checks of a configuration read
   from an option table (mp_load_config_check, ...), whose refusal is a bad argument. */
void mpl_check_config(lua_State *L, mp_err rc, const mp_error *err);

/* Raises if the table at idx has a string key not in allowed (NULL-terminated) or any
   non-array key that is not a string. */
void mpl_check_keys(lua_State *L, int idx, const char *const allowed[]);
/* Option readers: nil gives def; a wrong type raises "NAME option must be TYPE". */
lua_Integer mpl_opt_integer(lua_State *L, int idx, const char *name, lua_Integer def);
/* An integer option for a C int: beyond INT_MIN..INT_MAX raises instead of wrapping (2^32 + 1
   users would otherwise become 1). */
int mpl_opt_int(lua_State *L, int idx, const char *name, int def);
double mpl_opt_number(lua_State *L, int idx, const char *name, double def);
const char *mpl_opt_string(lua_State *L, int idx, const char *name, const char *def);
int mpl_opt_boolean(lua_State *L, int idx, const char *name, int def);

/* Each part adds its functions to the module table on top of the stack and registers its
   metatables. */
void mpl_open_proc(lua_State *L);
void mpl_open_sym(lua_State *L);
void mpl_open_tick(lua_State *L);
void mpl_open_load(lua_State *L);
void mpl_open_fs(lua_State *L);
void mpl_open_vitals(lua_State *L);

/* { force = true } at idx (none or nil: 0), as medprof.create and medprof.output_dir take. */
int mpl_fs_read_force(lua_State *L, int idx);

/* The parts' option-table readers: each fills a C config from the Lua table at idx, raising
   on a bad option, and does nothing else (no process, file or network work), so that the
   bindings and the fuzzer (tests/fuzz/fuzz_lua.c) share them. What the config points to is
   kept alive by the table or by values they leave on the stack. */
void mpl_spawn_read_config(lua_State *L, int idx, mp_proc_config *cfg);
void mpl_ready_read_config(lua_State *L, int idx, int probe, mp_ready_config *cfg);
void mpl_stop_read_config(lua_State *L, int idx, mp_stop_config *cfg);
void mpl_load_read_config(lua_State *L, int idx, mp_load_model model, mp_load_config *cfg,
                          int *progress_fn, int *period_fn);
void mpl_tick_read_config(lua_State *L, int opts, mp_tick_config *cfg);
/* interval= and rescan= of the options at idx (none: defaults) into cfg, then the library's
   check of cfg (its pid and read_fd set by the caller). */
void mpl_vitals_read_config(lua_State *L, int idx, mp_vitals_config *cfg);

/* Starts sampling pid (with the preload's pipe read_fd, 0: none) with the options at idx,
   and pushes the medprof.Vitals object, or the fail triple; returns the number pushed. */
int mpl_vitals_new(lua_State *L, int pid, int read_fd, int opts);

/* Scripts and Lua modules compiled into the binary (build/embedded.c). */
typedef struct mpl_embedded {
    const char *name;   /* "quick" for scripts/quick.lua, "medprof.args" for scripts/lib/args.lua */
    int is_module;
    const unsigned char *text;
    size_t len;
} mpl_embedded;
extern const mpl_embedded mpl_embedded_files[];
extern const size_t mpl_embedded_count;

int luaopen_medprof(lua_State *L);

#endif
