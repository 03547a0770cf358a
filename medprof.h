/* medprof.h - v0.1.0 - profile a Node.js HTTP server under load - MIT licence (end of file)

   medprof replaces the manual routine of starting a server under `node --prof`, driving load
   at it with `artillery quick`, stopping it with Ctrl+C and running `node --prof-process` on
   the tick log. This header holds the C primitives; the `medprof` CLI and the Lua module are
   thin layers over it.

   DO THIS
      #define MEDPROF_IMPLEMENTATION
      #include "medprof.h"
   in *one* C or C++ file to create the implementation. Other files include it plainly.
   The implementation uses POSIX.1-2008, so compile that file with
   `-D_POSIX_C_SOURCE=200809L` (or define it before any #include). Link with `-lpthread`
   (and `-ldl` on old glibc). Linux only for now: the process part uses prctl(2).

   QUICK EXAMPLE: run a server under --prof, stop it like Ctrl+C, print node's tick report
      const char *argv[] = { "node", "--prof", "server.js", NULL };
      const char *env[]  = { "NODE_ENV=production", NULL };
      mp_proc_config cfg = { 0 };                  // zero means default everywhere
      cfg.argv = argv; cfg.env = env;
      mp_error err; mp_proc *p; mp_proc_status st; char how[64], glob[64];
      if (mp_proc_spawn(&cfg, &p, &err) != MP_OK) { fprintf(stderr, "%s\n", err.msg); return 1; }
      mp_ready_config ready = { 0 };
      ready.url = "http://127.0.0.1:8103/healthcheck"; ready.timeout = 30;
      if (mp_proc_wait_ready(p, &ready, &err) != MP_OK) fprintf(stderr, "%s\n", err.msg);
      mp_proc_stop(p, NULL, &st, &err);            // SIGINT, then SIGTERM, then SIGKILL
      printf("server %s\n", mp_proc_status_str(&st, how, sizeof how));
      char **logs = NULL; size_t n = 0;            // the isolate-0x…-PID-v8.log it wrote
      snprintf(glob, sizeof glob, "isolate-*-%d-v8.log", mp_proc_pid(p));
      mp_proc_newfiles(".", glob, mp_proc_started(p), &logs, &n, &err);
      mp_tick_profile *prof; mp_buf out = { 0 };   // a writer appends to a buffer
      if (n > 0 && mp_tick_parse_file(logs[0], NULL, &prof, &err) == MP_OK) {
          if (mp_tick_write_text(prof, NULL, &out, &err) == MP_OK)  // node --prof-process's
              fwrite(out.data, 1, out.len, stdout);
          else
              fprintf(stderr, "%s\n", err.msg);    // e.g. MP_ERR_NOMEM: the text is incomplete
          mp_buf_free(&out);
          mp_tick_free(prof);
      }
      mp_strlist_free(logs, n);
      mp_proc_destroy(p);

   PARTS (in this order below, declarations first, then the implementation)
      PROCESS  mp_proc_*    launch a server in its own process group, wait until it is
                            ready, stop it like Ctrl+C, find the files it wrote.
      VITALS   mp_vitals_*  CPU, memory, threads, descriptors of a process and its children
                            from /proc; event-loop delay and heap from a node preload.
      SYMBOLS  mp_symtab_*  C++ symbols read from ELF files (no nm), placed as V8 would with
                            complete tables; portable symbols files.
      TICK     mp_tick_*    V8 tick logs (node --prof) parsed and attributed exactly as
                            node --prof-process does; its text report, JSON and
                            --preprocess JSON.
      LOAD     mp_load_*    HTTP/1.1 load generation: artillery quick's model, wrk's closed
                            loop, wrk2's open model; mergeable latency histograms;
                            artillery's console text and JSON, an HTML page of charts.
      FLAME    mp_flame_*   a tick log's stacks as a tree: an SVG flame graph, folded
                            stacks, Chrome's .cpuprofile, speedscope's format.
      Common: errors (mp_err), growable buffers (mp_buf_*), time.

   WRITERS
      Every output is appended to an mp_buf by a writer that sits with the object it writes
      and is named after it: mp_<object>_write_<format>(object, ..., mp_buf *out,
      mp_error *err), <object> being the prefix of that object's own functions: mp_tick_ for
      an mp_tick_profile (mp_tick_write_text), mp_load_result_ (mp_load_result_write_json),
      mp_flame_ (mp_flame_write_svg), mp_symtab_ (mp_symtab_write_library). Lines of
      artillery's console that belong to no object take their part's prefix
      (mp_load_write_phase). Like every fallible function, a writer returns an mp_err:
      MP_ERR_NOMEM when the buffer ran out of memory, then or before (its text is
      incomplete; free it), MP_ERR_INVALID_ARG when the object cannot give that output.

   ERRORS
      Every fallible function returns an mp_err; MP_OK is 0. When it is not MP_OK and the
      caller passed an mp_error, that holds the code, the errno involved (0 if none) and a
      message naming what failed, ready to print. The library never prints and never exits.
      mp_err_name() gives the enum's name ("MP_ERR_TIMEOUT"), mp_err_str() a short phrase.
      The one exception is mp_buf's appends: a buffer keeps a sticky failed flag instead
      (BUFFERS), which the writers turn into MP_ERR_NOMEM.

   CONFIG MACROS (define before including the implementation)
      MP_MALLOC(sz), MP_REALLOC(p,sz), MP_FREE(p)   all three or none; default: libc. They
                                                    must be thread-safe: the load part and the
                                                    demangler use threads
      MP_ASSERT(x)                                  default: assert(x)
      MP_PP_MAX_SCRIPT_ID                           the largest script id mp_tick_write_preprocess
                                                    prints (a null for each one below);
                                                    default 50000000, where node fails too
      MEDPROF_STATIC                                make every function static

   THREADS AND SIGNALS
      No global mutable state: objects may be used from different threads, one thread per
      object at a time. Blocking calls return MP_ERR_INTERRUPTED when a signal handler
      without SA_RESTART interrupts them, so a program can catch SIGINT and clean up.
      Children get PR_SET_PDEATHSIG(SIGKILL): if the spawning thread dies, they die too.
*/
#ifndef MEDPROF_H_INCLUDED
#define MEDPROF_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#define MP_VERSION_MAJOR 0
#define MP_VERSION_MINOR 1
#define MP_VERSION_PATCH 0
#define MP_VERSION_STRING "0.1.0"

/* MEDPROF_STATIC: a program that calls a few of the functions must still build without
   warnings, so they are all marked possibly unused (the definitions inherit it). */
#ifdef MEDPROF_STATIC
#if defined(__GNUC__) || defined(__clang__)
#define MP_API static __attribute__((unused))
#else
#define MP_API static
#endif
#else
#define MP_API extern
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ============================================================================================
   ERRORS
   ============================================================================================ */

/* One list gives the enum, the names and the phrases. */
#define MP_ERROR_LIST(X)                                                  \
    X(OK, "success")                                                      \
    X(INVALID_ARG, "invalid argument")                                    \
    X(NOMEM, "out of memory")                                             \
    X(SYSTEM, "system call failed")                                       \
    X(NOT_FOUND, "not found")                                             \
    X(PERMISSION, "permission denied")                                    \
    X(TIMEOUT, "timed out")                                               \
    X(CHILD_EXITED, "child process exited")                               \
    X(INTERRUPTED, "interrupted by a signal")                             \
    X(IO, "input/output error")                                           \
    X(PARSE, "malformed input")                                           \
    X(UNSUPPORTED, "not supported")                                       \
    X(EXISTS, "already exists")

typedef enum mp_err {
#define MP__ERR_ENUM(name, phrase) MP_ERR_##name,
    MP_ERROR_LIST(MP__ERR_ENUM)
#undef MP__ERR_ENUM
    MP_ERR_COUNT_
} mp_err;
#define MP_OK MP_ERR_OK

/* A message longer than msg ends in "..." rather than being cut silently. */
typedef struct mp_error {
    mp_err code;      /* what went wrong */
    int sys_errno;    /* the errno involved, 0 if none */
    char msg[512];    /* readable, names the file/program/address involved */
} mp_error;

MP_API const char *mp_err_name(mp_err e); /* "MP_ERR_TIMEOUT" */
MP_API const char *mp_err_str(mp_err e);  /* "timed out" */

/* A NULL-terminated array of strings made by the library, with its count. */
MP_API void mp_strlist_free(char **list, size_t n);

/* Seconds on the monotonic clock, and on the wall clock (Unix epoch). */
MP_API double mp_time_now(void);
MP_API double mp_time_wall(void);
/* Sleeps; returns MP_ERR_INTERRUPTED if a signal handler ran. */
MP_API mp_err mp_time_sleep(double seconds);

/* ============================================================================================
   BUFFERS (what every writer appends to)
   ============================================================================================ */

/* A growable byte string, always NUL-terminated once anything was appended. After an
   allocation failure it stays failed (later appends do nothing): a writer then returns
   MP_ERR_NOMEM, and code that appends itself checks .failed once at the end instead of
   after every append. Zero-initialise to start; free with mp_buf_free (or keep the text
   with mp_buf_take). */
typedef struct mp_buf {
    char *data;
    size_t len, cap;
    int failed;
} mp_buf;

MP_API void mp_buf_append(mp_buf *b, const char *s, size_t n);
MP_API void mp_buf_puts(mp_buf *b, const char *s);
MP_API void mp_buf_printf(mp_buf *b, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
MP_API void mp_buf_free(mp_buf *b);
/* Gives the string to the caller (free with MP_FREE) and resets the buffer. */
MP_API char *mp_buf_take(mp_buf *b);

/* ============================================================================================
   PROCESS: mp_proc_*
   ============================================================================================ */

typedef enum mp_stdio {
    MP_STDIO_INHERIT = 0, /* share medprof's stream */
    MP_STDIO_FILE,        /* write to *_path, created or truncated */
    MP_STDIO_PIPE,        /* captured; read with mp_proc_read */
    MP_STDIO_NULL,        /* /dev/null */
    MP_STDIO_STDOUT       /* stderr only: go where stdout goes */
} mp_stdio;

typedef struct mp_proc_config {
    const char *const *argv;  /* NULL-terminated; argv[0] is looked up in PATH if it has no '/' */
    const char *const *env;   /* NULL-terminated "NAME=value" overrides of the current
                                 environment; a bare "NAME" removes it. NULL: none */
    const char *cwd;          /* working directory; NULL: the current one */
    mp_stdio stdout_mode;     /* default MP_STDIO_INHERIT */
    const char *stdout_path;  /* for MP_STDIO_FILE */
    mp_stdio stderr_mode;     /* default MP_STDIO_INHERIT */
    const char *stderr_path;  /* for MP_STDIO_FILE */
    int append;               /* nonzero: MP_STDIO_FILE appends instead of truncating */
    int exclusive;            /* nonzero: MP_STDIO_FILE creates a new file and fails with
                                 MP_ERR_EXISTS if anything (even a symbolic link) is there:
                                 never overwrites a user's file */
    int pass_fd;              /* with pass_fd_as: a descriptor of ours the child gets ... */
    int pass_fd_as;           /* ... at this number (3 or more; 0: none), inherited by what
                                 it runs (close-on-exec off in the child only). pass_fd
                                 stays open here: the caller closes it after the spawn */
} mp_proc_config;

typedef struct mp_proc mp_proc;

typedef enum mp_proc_state {
    MP_PROC_RUNNING = 0,
    MP_PROC_EXITED,   /* exit_code is valid */
    MP_PROC_SIGNALED  /* signal is valid */
} mp_proc_state;

typedef struct mp_proc_status {
    mp_proc_state state;
    int exit_code;       /* when MP_PROC_EXITED */
    int signal;          /* when MP_PROC_SIGNALED */
    int stopped_by;      /* the last signal mp_proc_stop sent before it ended, 0 if none */
    int group_killed;    /* nonzero if processes of its group were still alive and killed */
    double runtime;      /* seconds from spawn to the end (or to now, while running) */
} mp_proc_status;

typedef struct mp_ready_config {
    const char *url;     /* an http:// URL that must answer 2xx, or NULL */
    const char *host;    /* else: a TCP port that must accept; default "127.0.0.1" */
    int port;
    double timeout;      /* seconds, default 30 */
    double max_interval; /* longest pause between polls, seconds, default 0.5 */
} mp_ready_config;

typedef struct mp_stop_config {
    double grace;        /* seconds to wait after SIGINT, default 10 */
    double term_grace;   /* seconds to wait after SIGTERM before SIGKILL, default 2 */
} mp_stop_config;

/* Starts argv in a new process group. Errors name the missing program, the unusable file
   or the bad directory. */
MP_API mp_err mp_proc_spawn(const mp_proc_config *cfg, mp_proc **out, mp_error *err);
MP_API int mp_proc_pid(const mp_proc *p);
MP_API double mp_proc_started(const mp_proc *p);   /* wall clock at spawn, for newfiles */
/* Non-blocking look: reaps the child if it has ended. */
MP_API mp_err mp_proc_poll(mp_proc *p, mp_proc_status *st, mp_error *err);
/* Waits up to timeout seconds (negative: forever) for the child to end by itself.
   MP_ERR_TIMEOUT if it is still running. */
MP_API mp_err mp_proc_wait(mp_proc *p, double timeout, mp_proc_status *st, mp_error *err);
/* Polls with backoff until ready. MP_ERR_CHILD_EXITED (status in *st if given) when the
   child ends first, MP_ERR_TIMEOUT with the last failure in the message. */
MP_API mp_err mp_proc_wait_ready(mp_proc *p, const mp_ready_config *cfg, mp_error *err);
MP_API mp_err mp_proc_ready_status(mp_proc *p, mp_proc_status *st); /* after CHILD_EXITED */
/* One attempt, no child involved: does cfg's URL answer 2xx, or its port accept, within
   cfg->timeout seconds (default 1)? Tells whether a port is already taken before a launch. */
MP_API mp_err mp_proc_probe(const mp_ready_config *cfg, mp_error *err);
/* Stops like Ctrl+C: SIGINT to the group, then SIGTERM, then SIGKILL; after the child has
   ended, kills whatever is left in its group. cfg may be NULL. */
MP_API mp_err mp_proc_stop(mp_proc *p, const mp_stop_config *cfg, mp_proc_status *st,
                           mp_error *err);
/* Sends a signal to the whole group. */
MP_API mp_err mp_proc_signal(mp_proc *p, int sig, mp_error *err);
/* Reads what a MP_STDIO_PIPE stream (1 or 2) has, waiting up to timeout seconds for the
   first byte. *n = 0 at end of stream or on timeout (see *eof). */
MP_API mp_err mp_proc_read(mp_proc *p, int stream, char *buf, size_t cap, double timeout,
                           size_t *n, int *eof, mp_error *err);
/* Kills the group if still running, reaps, frees. Safe on NULL. */
MP_API void mp_proc_destroy(mp_proc *p);
/* "exited with code 0", "killed by SIGINT", "running" */
MP_API const char *mp_proc_status_str(const mp_proc_status *st, char *buf, size_t cap);
MP_API const char *mp_signal_name(int sig); /* "SIGINT"; "SIG?" if unknown */

/* Regular files in dir whose names match glob (fnmatch) and whose mtime is at or after
   since (wall-clock seconds; 0 for all), newest first, as "dir/name" paths. */
MP_API mp_err mp_proc_newfiles(const char *dir, const char *glob, double since, char ***out,
                               size_t *n, mp_error *err);

/* ============================================================================================
   VITALS: mp_vitals_*
   ============================================================================================

   What a running process is doing, read every interval (0.1 s) from /proc without touching
   it: CPU, memory, threads, descriptors and context switches of the process and of its
   descendants. A node process started with the preload (mp_vitals_preload_js, written to a
   file and given to node with --require) adds what only it knows, written to a pipe the
   sampler reads: event-loop delay, heap, active handles.

      int fds[2];                                  // [0] the sampler's, [1] the child's
      mp_vitals_pipe(fds, &err);
      mp_vitals_write_preload("/tmp/medprof-vitals.js", &err);
      const char *argv[] = { "node", "--require", "/tmp/medprof-vitals.js", "server.js", NULL };
      const char *env[] = { MP_VITALS_FD_ENV "=3", NULL };
      mp_proc_config pc = { 0 };
      pc.argv = argv; pc.env = env; pc.pass_fd = fds[1]; pc.pass_fd_as = 3;
      mp_proc_spawn(&pc, &p, &err);
      close(fds[1]);                               // the child has its own
      mp_vitals_config vc = { 0 };
      vc.pid = mp_proc_pid(p); vc.read_fd = fds[0];
      mp_vitals_start(&vc, &v, &err);
      ...                                          // the load
      mp_vitals_stop(v, &err);
      for (i = 0; i < mp_vitals_count(v); i++) { mp_vitals_at(v, i, &s, &err); ... }
      mp_vitals_free(v); close(fds[0]);

   THE SAMPLER is a thread of its own, started by mp_vitals_start. At each interval it reads
   /proc/PID/stat, status and fd/ of the process and of each descendant, and appends one
   sample; between samples it reads the preload's lines. Its time t is mp_time_now's clock
   (CLOCK_MONOTONIC), which is also node's process.hrtime: the preload's times compare with
   it directly. When the process ends (it is gone, a zombie, or its pid was reused), the
   sampler reads what is left in the pipe and stops; the samples stay, and the status says
   when it saw the end. The sampler allocates only when an array grows.
   Reading while it runs is safe: mp_vitals_count, _at, _mark_count, _mark_at and _status
   copy under a mutex, from any thread.

   CPU is what the kernel accounts in clock ticks (1/100 s on Linux): over 0.1 s a sample is
   exact to 10 % of a core, and the sum over samples is exact. Descendants are found through
   /proc/PID/task/TID/children, or where the kernel has none (CONFIG_PROC_CHILDREN off) by a
   scan of all of /proc every `rescan` seconds; a descendant's CPU between its last sample
   and its end is not counted. Context switches are the main thread's (node's event loop:
   /proc/PID/status gives the main thread's), as counts during the interval.

   PRELOAD LINES, written by the preload every 100 ms (unref'd timer: it never keeps node
   alive) to the descriptor named in MP_VITALS_FD_ENV; fields separated by one space,
   numbers in decimal, "-" where a value is unknown:
      medprof-vitals 1 sample T_NS ELD_P50_MS ELD_P99_MS ELD_MAX_MS HEAP_USED HEAP_TOTAL HANDLES
      medprof-vitals 1 mark SEQ T0_NS T1_NS
   T_NS is process.hrtime.bigint(). ELD_* is the event-loop delay since the previous line
   (perf_hooks.monitorEventLoopDelay, resolution 10 ms, reset after each line), as the
   lateness of its timer: the 10 ms it waits on purpose are taken off. HEAP_* are bytes
   (v8.getHeapStatistics), HANDLES process.getActiveResourcesInfo().length (node 17 on).
   The mark line, once at the start, brackets the creation of a function named
   __medprof_mark_PID_SEQ between T0_NS and T1_NS: V8's log (node --prof) records it as a
   code-creation event on its own clock, which aligns the two (docs/vitals.md). The preload
   removes MP_VITALS_FD_ENV from its environment, so that the server's children (cluster
   workers, scripts) stay silent; the pipe is non-blocking, and a line it has no room for
   is dropped: the server never waits for medprof. */

#define MP_VITALS_FD_ENV "MEDPROF_VITALS_FD"

typedef struct mp_vitals_config {
    int pid;           /* the process to sample, with its descendants */
    double interval;   /* seconds between samples; default 0.1 */
    int read_fd;       /* the read end of the preload's pipe (mp_vitals_pipe); 0 or less:
                          none. The sampler reads a duplicate of its own: the caller keeps
                          this one, to close when it likes */
    double rescan;     /* seconds between scans of /proc for new descendants, where the
                          kernel has no children files; default 1 */
} mp_vitals_config;

/* One line of the preload: kind "sample". Unknown values are NaN. */
typedef struct mp_vitals_node {
    double t;                     /* seconds, CLOCK_MONOTONIC (T_NS / 1e9) */
    double eld_p50_ms, eld_p99_ms, eld_max_ms;
    double heap_used_bytes, heap_total_bytes;
    double active_handles;
} mp_vitals_node;

/* Kind "mark": V8 created the function __medprof_mark_PID_SEQ between t0_ns and t1_ns. */
typedef struct mp_vitals_mark {
    uint64_t seq;
    uint64_t t0_ns, t1_ns;        /* CLOCK_MONOTONIC nanoseconds */
} mp_vitals_mark;

typedef enum mp_vitals_line_kind {
    MP_VITALS_LINE_SAMPLE = 1,
    MP_VITALS_LINE_MARK
} mp_vitals_line_kind;

typedef struct mp_vitals_line {
    mp_vitals_line_kind kind;
    mp_vitals_node sample;        /* for MP_VITALS_LINE_SAMPLE */
    mp_vitals_mark mark;          /* for MP_VITALS_LINE_MARK */
} mp_vitals_line;

typedef struct mp_vitals_sample {
    double t;                     /* when read: mp_time_now's clock, seconds */
    double interval;              /* seconds since the previous sample (or the start): what
                                     the rates and counts below cover */
    double cpu_user, cpu_sys;     /* the process, all its threads: % of one core */
    double cpu_main;              /* its main thread (node's event loop), user + system */
    double tree_cpu_user, tree_cpu_sys;  /* the process and its descendants */
    uint64_t rss_bytes, tree_rss_bytes;
    int threads, tree_threads;
    int fds, tree_fds;            /* open descriptors; fds -1: not readable (another user's
                                     process); the tree counts those it can read */
    uint64_t ctx_voluntary, ctx_involuntary;  /* main thread, during the interval */
    uint64_t tree_ctx_voluntary, tree_ctx_involuntary; /* the main threads of the tree */
    int processes;                /* in the tree, the process itself included */
    int has_node;                 /* the preload has sent a sample line: node is the latest */
    int node_fresh;               /* ... and it came after the previous sample */
    mp_vitals_node node;          /* all NaN without has_node */
} mp_vitals_sample;

typedef struct mp_vitals_status {
    int running;                  /* the thread still samples */
    int ended;                    /* the process ended while sampled */
    double ended_at;              /* when the sampler saw it (mp_time_now), 0 if not */
    int pipe_closed;              /* the preload's pipe reached its end */
    size_t samples, marks;
    size_t node_lines;            /* lines of the preload taken */
    size_t bad_lines;             /* lines rejected by mp_vitals_parse_line, or too long */
    mp_err error;                 /* what stopped the thread otherwise, MP_OK if nothing */
} mp_vitals_status;

typedef struct mp_vitals mp_vitals;

/* MP_ERR_INVALID_ARG if a field is out of range (pid not positive, interval not 0.001 to
   3600 s, rescan not in (0, 3600]); does not look at the process. */
MP_API mp_err mp_vitals_config_check(const mp_vitals_config *cfg, mp_error *err);
/* Checks cfg, reads the process once (MP_ERR_NOT_FOUND: no such process;
   MP_ERR_CHILD_EXITED: a zombie) and starts the sampler. */
MP_API mp_err mp_vitals_start(const mp_vitals_config *cfg, mp_vitals **out, mp_error *err);
/* Stops the sampler and waits for it; idempotent. Gives the error that stopped it early,
   if any (the samples until then stay). */
MP_API mp_err mp_vitals_stop(mp_vitals *v, mp_error *err);
MP_API size_t mp_vitals_count(mp_vitals *v);
/* A copy of sample i (MP_ERR_INVALID_ARG past the end). */
MP_API mp_err mp_vitals_at(mp_vitals *v, size_t i, mp_vitals_sample *out, mp_error *err);
MP_API size_t mp_vitals_mark_count(mp_vitals *v);
MP_API mp_err mp_vitals_mark_at(mp_vitals *v, size_t i, mp_vitals_mark *out, mp_error *err);
MP_API void mp_vitals_status_get(mp_vitals *v, mp_vitals_status *out);
/* Stops it if needed and frees it. Safe on NULL. */
MP_API void mp_vitals_free(mp_vitals *v);

/* One preload line, without its newline (a final '\n' is allowed). MP_ERR_PARSE for a
   malformed one, MP_ERR_UNSUPPORTED for another version or an unknown kind. */
MP_API mp_err mp_vitals_parse_line(const char *s, size_t n, mp_vitals_line *out,
                                   mp_error *err);
/* A pipe for the preload: fds[0] to read (mp_vitals_config.read_fd), fds[1] for the child
   (mp_proc_config.pass_fd); both close-on-exec and non-blocking, so that node's writes
   never wait for medprof. */
MP_API mp_err mp_vitals_pipe(int fds[2], mp_error *err);
/* The preload, JavaScript for node --require; static text. */
MP_API const char *mp_vitals_preload_js(void);
/* Writes it to path (created or truncated). */
MP_API mp_err mp_vitals_write_preload(const char *path, mp_error *err);

/* ============================================================================================
   SYMBOLS: mp_symtab_*
   ============================================================================================

   C++ symbols for the tick processor, read from ELF files (x86-64 and aarch64, little-endian
   ELF64) without running nm or objdump, or from a portable symbols file.

   What a lookup gives is what V8's LinuxCppEntriesProvider (tickprocessor.mjs) would add to
   the code map for one `shared-library` record if nm's output were complete and placed
   correctly: the symbols `nm -C -n -S LIB` then `nm -C -n -S -D LIB` print with the letter
   t, T, w or W, in that order (by address, then name), named as nm -C names them (Rust
   names read as binutils reads them, C++ demangled with the C++ runtime's __cxa_demangle,
   loaded at run time; dynamic symbols with "@@VERSION" or "@VERSION"), placed at their
   run-time address and fed through V8's addEntry:
     - placement: ET_EXEC (a non-PIE executable such as node at 0x400000): VMA + slide
       (slide is 0 on Linux). ET_DYN (PIE, shared library): base + VMA, with base = the log's
       start - (p_vaddr - p_offset) of the executable PT_LOAD segment the record describes.
     - a sized symbol is added if its start differs from the last added one and
       [start, start+size] lies within [start, end] of the record;
     - an unsized one ends where the next symbol starts, and is added if it is not inside
       the last added one and lies within the record; a sentinel at the record's end
       closes the last one.
   The result is sorted by start; of several entries with one start the first added is kept
   (V8's code map ignores the later ones). [vdso], [vsyscall] and "hex-hex" names give no
   symbols and no error, as in node. Ties among equal addresses are ordered by name in the C
   locale (nm sorts with strcoll, so its order there depends on LC_COLLATE).

   SYMBOLS FILE (`medprof symbols LIB... > syms.txt`; medprof process --symbols syms.txt)
   Text, one record per line:
      medprof-symbols 1                      first line
      # comment                              anywhere between libraries; blank lines too
      library PATH                           as the log names it
      elf exec|dyn                           ET_EXEC or ET_DYN
      load OFFSET VADDR MEMSZ FLAGS          each PT_LOAD program header (hex; FLAGS: 1 X, 2 W, 4 R)
      symtab COUNT                           decimal; then COUNT lines:
      VMA SIZE LETTER NAME                   hex, hex (0: no size), t/T/w/W, name as nm -C
                                             prints it; in nm -n order
      dynsym COUNT                           the same for nm -D's symbols
      VMA SIZE LETTER NAME
      end
   In PATH and NAME a backslash is written \\ and bytes below 0x20 and 0x7f as \xHH.
   Only what placement and V8's rules need is kept, so the file gives on any machine what
   the library gives on the machine that wrote it.

   THREADS: a lookup that has thousands of C++ names to demangle shares them among threads
   (one per CPU, at most 8), which allocate with MP_MALLOC: a custom one must be
   thread-safe. */

typedef struct mp_sym { uint64_t start, end; const char *name; } mp_sym;  /* placed: absolute addresses in the profiled process, [start, end) */
typedef struct mp_symtab mp_symtab;           /* symbol source: ELF files on this machine, or a portable symbols file */
MP_API mp_err mp_symtab_new(mp_symtab **out, mp_error *err);
MP_API mp_err mp_symtab_load_file(mp_symtab *t, const char *symbols_path, mp_error *err); /* `medprof symbols` output; its libraries are then used instead of local files */
/* The symbols of one `shared-library,name,start,end,slide` record, placed and clipped exactly as V8's
   LinuxCppEntriesProvider would with COMPLETE nm output and CORRECT placement (PIE and non-PIE), sorted by start,
   names as `nm -C` prints them. Owned by t, valid until mp_symtab_free. MP_ERR_NOT_FOUND / MP_ERR_IO / MP_ERR_PARSE
   when the library is missing or unreadable (the caller warns once and counts its ticks under the library). */
MP_API mp_err mp_symtab_lookup(mp_symtab *t, const char *lib, uint64_t start, uint64_t end, uint64_t slide,
                               const mp_sym **syms, size_t *n, mp_error *err);
MP_API void mp_symtab_free(mp_symtab *t);
/* Non-NULL once something degraded the names without failing a lookup (no __cxa_demangle:
   C++ names stay mangled). Report it once. */
MP_API const char *mp_symtab_warning(const mp_symtab *t);
/* The symbols file's first line, then one block per library (reading it as lookup does). */
MP_API mp_err mp_symtab_write_header(mp_buf *out, mp_error *err);
MP_API mp_err mp_symtab_write_library(mp_symtab *t, const char *lib, mp_buf *out, mp_error *err);

/* ============================================================================================
   TICK: mp_tick_*  (V8 --prof tick logs)
   ============================================================================================

   Reads the isolate-*-v8.log that `node --prof` writes and attributes its ticks exactly as
   node's `--prof-process` does (V8's tickprocessor.mjs): same grammar, code map, name
   de-duplication, VM-state filters, sorts and rounding. The one deliberate difference: C++
   symbols come from an mp_symtab (complete symbol tables, correctly placed), so ticks that
   node leaves "Unaccounted" on Linux get their C++ names. Where node 18 to 26 read a log
   differently, it is read as the node that wrote it would (mp_tick_config.node).

      mp_tick_config cfg = { 0 };          // zero: node's defaults
      mp_tick_profile *prof;
      mp_buf out = { 0 };
      if (mp_tick_parse_file("isolate-0x1-v8.log", &cfg, &prof, &err) != MP_OK) ...
      if (mp_tick_write_text(prof, NULL, &out, &err) == MP_OK)  // what `node --prof-process`
          fwrite(out.data, 1, out.len, stdout);                 // prints
      mp_buf_free(&out);
      mp_tick_free(prof);

   Memory grows with the code map and the number of distinct names, not with the log: the
   log is read through a fixed-size buffer, and the bottom-up tree keeps only the depth the
   report prints (two options hold more, as node does: timed ranges the lines between two
   current-time records, preprocess every tick for its JSON). Problems in the log (a
   truncated last line, unknown code states, moves of unknown code) never stop the parse;
   they are collected as warnings (mp_tick_warnings), and the library prints nothing. */

/* Boolean options whose zero must mean "node's default". */
typedef enum mp_tick_bool { MP_TICK_DEFAULT = 0, MP_TICK_YES, MP_TICK_NO } mp_tick_bool;

/* V8's VM states, as the tick records give them (V8's StateTag). Node 18-24's tick
   processors call 7 IDLE, but V8 has written 7 for a thread in Atomics.wait and 8 for IDLE
   since 8.2; node 26's has it right. */
typedef enum mp_tick_vm {
    MP_TICK_VM_JS = 0, MP_TICK_VM_GC, MP_TICK_VM_PARSER, MP_TICK_VM_BYTECODE_COMPILER,
    MP_TICK_VM_COMPILER, MP_TICK_VM_OTHER, MP_TICK_VM_EXTERNAL, MP_TICK_VM_ATOMICS_WAIT,
    MP_TICK_VM_IDLE, MP_TICK_VM_LOGGING, MP_TICK_VM_IDLE_EXTERNAL
} mp_tick_vm;

/* Supplies the placed symbols of one shared-library record (tests, embedders with their
   own symbol source). Same contract as mp_symtab_lookup; the array must stay valid until
   the parse returns. */
typedef mp_err (*mp_tick_symbols_fn)(void *user, const char *lib, uint64_t start, uint64_t end,
                                     uint64_t slide, const mp_sym **syms, size_t *n,
                                     mp_error *err);

typedef struct mp_tick_config {
    mp_symtab *symbols;             /* C++ symbols of the shared libraries; NULL: the
                                       libraries' own files on this machine (a private
                                       mp_symtab), unless one of the next three is set.
                                       Keep it until the last mp_tick_finish: a name is
                                       read from it when a tick first lands there */
    mp_tick_symbols_fn symbols_fn;  /* if set, used instead of symbols */
    void *symbols_user;             /* passed to symbols_fn */
    const char *symbol_list;        /* a file of placed symbols, one "START END NAME" a line
                                       (hex, as in the profiled process; \\ and \n escapes in
                                       NAME), e.g. node's own view from --serialize-vm-symbols;
                                       added before the log is read, instead of symbols */
    int no_symbols;                 /* nonzero: no C++ symbols, ticks in a library count
                                       under the library */
    mp_tick_bool separate_ic;       /* --separate-ic: default YES */
    mp_tick_bool separate_bytecodes;/* --separate-bytecodes: default NO */
    mp_tick_bool separate_builtins; /* --separate-builtins: default YES */
    mp_tick_bool separate_stubs;    /* --separate-stubs: default YES */
    int ignore_unknown;             /* --ignore-unknown: leave unaccounted ticks out of totals */
    int filter_state;               /* -j -g -p -b -c -o -e: nonzero to keep only ticks ... */
    mp_tick_vm state;               /* ... in this VM state; the others count as excluded */
    int ignore_idle;                /* node 26's -ni: nonzero to leave out ticks in the IDLE
                                       state (counted as excluded); as in node 26, it
                                       overrides filter_state and runtime_timer */
    const char *runtime_timer;      /* --filter-runtime-timer NAME; NULL: off */
    int call_graph_size;            /* --call-graph-size: levels under the heavy profile's top
                                       ones; 0: node's default 5; negative: top level only */
    int has_range;                  /* --range: nonzero to keep only the ticks from
                                       range_start to range_end; default off (all) */
    double range_start, range_end;  /* ms since the isolate started, both included;
                                       -INFINITY, INFINITY: no bound on that side.
                                       mp_tick_parse_range reads node's flag text */
    double distortion;              /* --distortion: the logging overhead in picoseconds per
                                       event, taken off each later tick's time; default 0.
                                       mp_tick_parse_distortion reads node's flag text */
    /* --window: only the ticks from window_start to window_end seconds on the log's clock
       (its timestamps, µs since the isolate's logger started) count, as --range would in
       ms; with a range too, both must hold. Nonzero `window` turns it on. See
       mp_tick_clock to cut a window by another clock's times. */
    int window;
    double window_start, window_end;
    /* Called for every tick that reaches the profile's trees, in log order: names[0] is the
       function the tick landed in, names[n-1] its outermost caller, named as the report
       names them; ts is the tick's time in µs since the isolate started. For flame graphs,
       folded stacks and time-ordered views (mp_flame_stack is one). Default none. */
    void (*on_stack)(void *user, const char *const *names, size_t n, double ts);
    /* The same without the time, for stacks that need no timeline: called once for count
       ticks alike (the read-ahead's groups; count 1 when the log is read line by line), so
       a profile with on_stacks and no on_stack may still read ahead (mp_flame_stacks is
       one). Default none. */
    void (*on_stacks)(void *user, const char *const *names, size_t n, uint64_t count);
    void *stack_user;               /* passed to on_stack and on_stacks */
    /* --timed-range: only the lines between the first and the last current-time record
       count (V8 writes one per Date.now() with --log-internal-timer-events); ticks before
       the first are dropped, every line after the last too. --pairwise-timed-range (--ptr):
       only the lines inside pairs of them (1st-2nd, 3rd-4th, ...); between pairs, ticks are
       dropped and the other records read. Both hold the lines since the last current-time
       record in memory until the next one, as node does. Default off. */
    int timed_range;
    int pairwise_timed_range;
    /* --preprocess: read the log as V8's JsonProfile does, for mp_tick_write_preprocess: every
       code object, function, tick and script kept for the JSON (memory grows with the log:
       ~6 bytes a stack frame). Such a profile has no text or JSON report, no rows or tree
       and no on_stack calls, as node's JsonProfile builds none. Default off. */
    int preprocess;
    /* The V8 version the log is compared with, spelled as process.versions.v8 spells it
       ("11.3.244.8-node.38"), for mp_tick_version_note; NULL: every version matches
       (medprof is not node: it reads every version's logs alike). */
    const char *v8_version;
    /* 0 or 2 (default): a log that is a regular file is read by a second thread, which also
       groups the ticks that are alike between code events, so that each group is attributed
       once (the same report, in less time); not with range, timed_range, preprocess or
       on_stack, which need each tick's time. 1: everything on the calling thread. */
    int threads;
    /* Whose --prof-process to follow where node versions read logs differently: 18 to 26
       (19 reads as 18, 21 and 23 as 22, 25 as 26). 0 (default): the node that wrote the log,
       as its v8-version record tells: V8 10 and older as node 18, 11.0-11.3 as node 20,
       11.4-12 as node 22, 13 as node 24, 14 and later as node 26; a log without the record
       as node 20. The differences: from node 21 on, code-delete records are ignored, and a
       function whose address holds other code gets an entry of its own (node 20 renames that
       code and drops the record); node 18 knows no Maglev code ('+' is an unknown code
       state), reads stack frames as hex even without "0x" (node 20: as decimal), and
       --preprocess calls Sparkplug code "Baseline"; node 24 reads the code states "+'" and
       "*'" (as '+' and '*'), node 26 also "o+", "o*", "o+'" and "o*'". */
    int node;
} mp_tick_config;

typedef struct mp_tick_profile mp_tick_profile;

/* Reads a whole log: path "-" is stdin. The profile remembers path as the log's name for
   the report header. Fails only when the file cannot be read (MP_ERR_NOT_FOUND, ...). */
MP_API mp_err mp_tick_parse_file(const char *path, const mp_tick_config *cfg,
                                 mp_tick_profile **out, mp_error *err);
/* The same from an open descriptor (not closed); name is shown in the header. */
MP_API mp_err mp_tick_parse_fd(int fd, const char *name, const mp_tick_config *cfg,
                               mp_tick_profile **out, mp_error *err);

/* The rules a configuration must keep, checked without reading anything: a VM state filter
   that names a state, a node from 18 to 26 (or 0), range bounds that are numbers (not NaN),
   a finite distortion. MP_ERR_INVALID_ARG names the option
   ("node option must be 18 to 26, ..."). mp_tick_new and mp_tick_parse_file check it first;
   a binding checks it when it reads its caller's options. */
MP_API mp_err mp_tick_config_check(const mp_tick_config *cfg, mp_error *err);

/* node's --range START,END as its --prof-process reads the text (parseInt on each side of
   the first comma): "12abc,40" gives 12 and 40 (ms); a side that is no number ("abc", "",
   none) leaves that bound open: -INFINITY for start, INFINITY for end. text NULL: both open.
   For cfg.range_start and cfg.range_end (set cfg.has_range too). */
MP_API void mp_tick_parse_range(const char *text, double *start, double *end);
/* node's --distortion PS as it reads the text (parseInt): "250abc" is 250 picoseconds; no
   number ("abc", "", NULL) is 0. For cfg.distortion. */
MP_API double mp_tick_parse_distortion(const char *text);

/* Incremental use: new, feed any number of byte chunks (split anywhere), finish. */
MP_API mp_err mp_tick_new(const mp_tick_config *cfg, const char *name, mp_tick_profile **out,
                          mp_error *err);
MP_API mp_err mp_tick_feed(mp_tick_profile *p, const char *data, size_t len, mp_error *err);
/* Ends the current log (a line without its newline is dropped with a warning) and sorts
   the views. Further feeds start the next log of a merged profile: ticks add up, the code
   map starts empty (each isolate has its own). */
MP_API mp_err mp_tick_finish(mp_tick_profile *p, mp_error *err);
/* Merging: reads one more log into p (after mp_tick_parse_file or mp_tick_finish). */
MP_API mp_err mp_tick_add_file(mp_tick_profile *p, const char *path, mp_error *err);
MP_API void mp_tick_free(mp_tick_profile *p);

typedef struct mp_tick_summary {
    uint64_t ticks;             /* every tick record in range ("N ticks" in the header) */
    uint64_t unaccounted;       /* ticks whose pc is in no known code */
    uint64_t excluded;          /* ticks left out by a VM-state or runtime-timer filter */
    uint64_t total;             /* the percentages' base: ticks - unaccounted if ignore_unknown */
    uint64_t js, cpp, gc, shared; /* the [Summary] rows */
    uint64_t lines;             /* log lines read */
    uint64_t unknown_records;   /* lines whose record type the processor has no use for */
    uint64_t bad_lines;         /* records skipped: unknown code state, unusable numbers */
    uint64_t unknown_moves, unknown_deletes; /* code-move / code-delete of unknown code */
    int node;                   /* whose rules the last log was read by: 18 to 26 */
} mp_tick_summary;

MP_API void mp_tick_get_summary(const mp_tick_profile *p, mp_tick_summary *s);

typedef enum mp_tick_section {
    MP_TICK_SHARED = 0, /* [Shared libraries] */
    MP_TICK_JS,         /* [JavaScript] */
    MP_TICK_CPP,        /* [C++] */
    MP_TICK_ENTRY       /* [C++ entry points] as printed: node sorts a TOTAL row among the
                           entries and prints from the second on (pct: against the first) */
} mp_tick_section;

typedef struct mp_tick_row {
    const char *name;
    uint64_t ticks;
    double pct;         /* ticks * 100 / summary.total, as the report computes it */
} mp_tick_row;

/* The rows of a section in the report's order (ticks down, then name down). Valid until
   the profile changes or is freed. */
MP_API size_t mp_tick_rows(const mp_tick_profile *p, mp_tick_section section,
                           const mp_tick_row **rows);

typedef struct mp_tick_node {
    const char *name;
    uint64_t total;        /* ticks through this node (the root: summary.total) */
    uint32_t first_child;  /* index of the first child in the same array */
    uint32_t n_children;   /* children are contiguous, sorted as the report prints them */
} mp_tick_node;

/* The bottom-up (heavy) tree: nodes[0] is the root, names are the callees first. Only the
   call_graph_size + 1 levels the report can show are kept. */
MP_API size_t mp_tick_bottom_up(const mp_tick_profile *p, const mp_tick_node **nodes);

/* What went wrong while reading, one message each, ready to print: per line (unknown code
   state, ...; the first hundred), then per log (a broken last line, moves and deletes of
   unknown code, dropped overflow frames, libraries without symbols). */
MP_API size_t mp_tick_warnings(const mp_tick_profile *p, const char *const **list);

/* The line node's --prof-process prints on stdout before anything else, from the log's
   first line (without its newline), or NULL: "Unable to read v8-version from log file." when
   that line is not a v8-version record (6 or 7 fields), "Testing v8 version different from
   logging version" when cfg.v8_version is set and the record's major, minor or build
   differ from it. Of a merged profile: the first log that has one. */
MP_API const char *mp_tick_version_note(const mp_tick_profile *p);

/* Marks: code-creation records of functions named MP_TICK_MARK_PREFIX..., which a process
   compiles to tell when "now" is on its log's clock. medprof's vitals preload
   (mp_vitals_preload_js) makes one as it starts. ts: the record's time, µs on the log's
   clock. Valid until the profile is freed. */
#define MP_TICK_MARK_PREFIX "__medprof_mark_"
typedef struct mp_tick_mark {
    const char *name;   /* "__medprof_mark_4711_1": the prefix and the identifier after it */
    double ts;
} mp_tick_mark;

MP_API size_t mp_tick_marks(const mp_tick_profile *p, const mp_tick_mark **list);

/* The log's clock against mp_time_now's (CLOCK_MONOTONIC, which V8 and libuv both read):
   a time t there is t - zero seconds on the log's clock (t0 of a window), within ± error. */
typedef struct mp_tick_clock {
    double zero;   /* when the log's clock read 0, in mp_time_now seconds */
    double error;  /* seconds either side */
} mp_tick_clock;

/* The clock from a mark read between two mp_time_now readings (before, after) in the
   process that compiled it: zero is the middle, error half the gap. MP_ERR_NOT_FOUND if the
   profile has no mark of that name. */
MP_API mp_err mp_tick_clock_from_mark(const mp_tick_profile *p, const char *mark, double before,
                                      double after, mp_tick_clock *out, mp_error *err);

/* The tick profile's writers (WRITERS in the overview: each appends to out). */
typedef struct mp_tick_write_options {
    const char *log_name;  /* header's file name; NULL: the name the profile was read from */
    int only_summary;      /* --only-summary: the header and [Summary] only */
} mp_tick_write_options;

/* The report `node --prof-process` prints, byte for byte. opts may be NULL.
   MP_ERR_INVALID_ARG before mp_tick_finish, or for a profile read with cfg.preprocess. */
MP_API mp_err mp_tick_write_text(const mp_tick_profile *p, const mp_tick_write_options *opts,
                                 mp_buf *out, mp_error *err);
/* The same data as one JSON object: {"log":, "ticks":{...}, "shared":[...],
   "javascript":[...], "cpp":[...], "summary":{...}, "entry_points":[...], "on_stack":[...],
   "bottom_up":{...}, "warnings":[...]}. */
MP_API mp_err mp_tick_write_json(const mp_tick_profile *p, const mp_tick_write_options *opts,
                                 mp_buf *out, mp_error *err);
/* What `node --prof-process --preprocess` prints, byte for byte: V8's JsonProfile for its
   profview, {"code": [...], "functions": [...], "ticks": [...], "scripts": [...]} in
   JSON.stringify's layout. Needs a profile read with cfg.preprocess (else
   MP_ERR_INVALID_ARG). The C++ entries are the symbols medprof placed (node's own, with
   cfg.symbol_list). */
MP_API mp_err mp_tick_write_preprocess(const mp_tick_profile *p, mp_buf *out, mp_error *err);

/* ============================================================================================
   LOAD: mp_load_*
   ============================================================================================

   An HTTP/1.1 load generator: non-blocking sockets on one epoll loop per thread, statistics
   kept per thread and merged at the end. Three models:

     MP_LOAD_VUSERS  artillery quick: `count` virtual users arrive uniformly over `arrival`
                     seconds; each opens its own keep-alive connection and sends `num`
                     requests one after another, stopping at its first error.
     MP_LOAD_CLOSED  wrk: `connections` each keep one request in flight for `duration`
                     seconds or until `requests` have been sent in all.
     MP_LOAD_OPEN    wrk2: `rate` requests per second on a fixed schedule over `duration`;
                     latency counts from the scheduled send time (coordinated omission
                     corrected) and is also kept from the actual send.

   Latencies are recorded in microseconds into log-linear histograms with 2048 sub-buckets
   per power of two (relative error below 0.1 %, fixed memory, merged by adding buckets).
   Metric names are artillery's: http.requests, http.codes.200, errors.ECONNREFUSED, ...

      mp_load_config cfg = { 0 };
      cfg.url = "http://127.0.0.1:8103/healthcheck"; cfg.count = 20; cfg.num = 100;
      mp_load_result *r;
      if (mp_load_run(&cfg, &r, &err) != MP_OK) fprintf(stderr, "%s\n", err.msg);
      mp_buf text = { 0 };
      if (mp_load_result_write_text(r, &text, &err) == MP_OK)   // artillery's summary report
          fwrite(text.data, 1, text.len, stdout);
      mp_buf_free(&text);
      mp_load_result_free(r);
*/

/* A latency histogram: microsecond values, log-linear buckets, mergeable. */
typedef struct mp_load_hist mp_load_hist;

MP_API mp_err mp_load_hist_new(mp_load_hist **out, mp_error *err);
MP_API void mp_load_hist_free(mp_load_hist *h);
MP_API void mp_load_hist_record(mp_load_hist *h, uint64_t us);  /* no allocation */
/* Adds src's samples to dst. */
MP_API void mp_load_hist_merge(mp_load_hist *dst, const mp_load_hist *src);
MP_API uint64_t mp_load_hist_count(const mp_load_hist *h);
MP_API uint64_t mp_load_hist_min(const mp_load_hist *h);   /* exact; 0 when empty */
MP_API uint64_t mp_load_hist_max(const mp_load_hist *h);   /* exact */
MP_API double mp_load_hist_mean(const mp_load_hist *h);    /* exact */
/* The value at percentile p (0-100) by nearest rank, within 0.1 %, clamped to min/max. */
MP_API double mp_load_hist_percentile(const mp_load_hist *h, double p);

/* What a run measured: counters and histograms under artillery's names, a per-second
   series, and the run's times. Also what mp_load_result_from_json reads back. */
typedef struct mp_load_result mp_load_result;

typedef enum mp_load_model {
    MP_LOAD_VUSERS = 0, /* artillery quick (the default) */
    MP_LOAD_CLOSED,     /* wrk */
    MP_LOAD_OPEN        /* wrk2 */
} mp_load_model;

/* A snapshot handed to the progress callback, from the calling thread. */
typedef struct mp_load_progress {
    double elapsed;      /* seconds since the start */
    uint64_t requests;   /* started so far */
    uint64_t responses;  /* completed so far */
    uint64_t errors;
    double rate;         /* responses per second over the last interval */
    double p99_ms;       /* p99 response time of the last whole second, ms (0 if none) */
} mp_load_progress;

typedef struct mp_load_config {
    const char *url;                /* http://host[:port]/path; required. https: MP_ERR_UNSUPPORTED */
    mp_load_model model;            /* default MP_LOAD_VUSERS */
    const char *method;             /* default "GET" */
    const char *const *headers;     /* NULL-terminated "Name: value" lines; default none */
    const char *body;               /* default none; Content-Length is set when given */
    size_t body_len;                /* bytes of body */
    int count;                      /* VUSERS: virtual users, default 10 */
    int num;                        /* VUSERS: requests per user, default 10 */
    double arrival;                 /* VUSERS: seconds over which users arrive, default 1 */
    int connections;                /* CLOSED/OPEN: connections, default 10 */
    double duration;                /* CLOSED/OPEN: seconds, default 10 (CLOSED: none if
                                       requests is set) */
    uint64_t requests;              /* CLOSED: total requests to send, default: no limit */
    double rate;                    /* OPEN: requests per second; required */
    int threads;                    /* default: the number of cores, at most one per
                                       connection */
    double timeout;                 /* seconds per request (connect included), default 10 */
    double max_time;                /* hard bound on the whole run in seconds, default:
                                       the model's own bound plus 2 timeouts */
    int follow;                     /* nonzero: follow redirects (301, 302, 303, 307, 308
                                       with a Location) on the URL's own scheme, host and
                                       port only, at most 10 in a row. Each hop is a request
                                       of its own (http.requests, http.codes.3xx) but not a
                                       new step of count/num/requests; a Location elsewhere
                                       is errors.EREDIRECT_HOST, an 11th hop
                                       errors.EREDIRECT_LIMIT. Default: a 3xx is a response
                                       like any other, never followed */
    int raise_nofile;               /* nonzero: when the connections need more descriptors
                                       than RLIMIT_NOFILE's soft limit, raise it (up to the
                                       hard limit; it stays raised). Either way a limit that
                                       is still too low is named in the result's warning */
    double progress_interval;       /* seconds between progress calls, default 0.25 */
    /* Called from the calling thread every progress_interval; a nonzero return stops the
       run as a signal would. Default none. */
    int (*progress)(const mp_load_progress *p, void *user);
    /* Called from the calling thread with what each 10-second period of the wall clock
       measured (artillery's intermediate reports), once every thread is past it; r is
       valid during the call only. Not called after a stop. Default none. */
    void (*period)(const mp_load_result *r, void *user);
    void *user;                     /* passed to progress and period */
} mp_load_config;

/* The rule for a count, time or rate option as a user gives it: counts (count, num,
   connections, requests, threads) from 1, times and rates (arrival, duration, rate, timeout,
   max_time, progress_interval) above 0. MP_ERR_INVALID_ARG names the option: "count option
   must be at least 1", "duration option must not be negative". In mp_load_config a 0 is the
   default, not a value: a binding applies this to the options its caller gave, where 0 is
   no default but none. */
MP_API mp_err mp_load_option_check(const char *name, double value, mp_error *err);
/* The rules a configuration must keep, checked without any work: no negative count or time
   (mp_load_option_check on each field that is not 0); only the fields of its model, as the
   user knows them: count/num (and arrival) pick artillery quick's model and do not mix with
   connections, duration, requests or rate; requests is for the closed model, not with rate;
   the open model needs a rate. MP_ERR_INVALID_ARG names the option. mp_load_run checks this
   first; a binding checks it when it reads its caller's options. What the run itself cannot
   do (times beyond 1e9 s, more than 1000000 connections) mp_load_run refuses later. */
MP_API mp_err mp_load_config_check(const mp_load_config *cfg, mp_error *err);

/* Runs the load to the end. The calling thread only relays progress; the workers run with
   every signal blocked, so a signal handler installed without or with SA_RESTART
   interrupts the calling thread's poll(): the workers then stop at once, requests in flight
   are counted as medprof.requests_cancelled, and the partial result comes back with
   interrupted set (MP_OK, not MP_ERR_INTERRUPTED: what was measured is kept). Fails only
   when the run cannot start: bad configuration, unresolvable host, no memory. */
MP_API mp_err mp_load_run(const mp_load_config *cfg, mp_load_result **out, mp_error *err);
MP_API void mp_load_result_free(mp_load_result *r);
/* An empty result, to merge others into. */
MP_API mp_err mp_load_result_new(mp_load_result **out, mp_error *err);

/* A counter by name ("http.requests", "http.codes.200", "errors.ETIMEDOUT"); 0 if absent. */
MP_API uint64_t mp_load_result_counter(const mp_load_result *r, const char *name);
/* The i-th counter in report order; 0 past the end. */
MP_API int mp_load_result_counter_at(const mp_load_result *r, size_t i, const char **name,
                                     uint64_t *value);
/* A histogram by name ("http.response_time", "http.response_time.2xx",
   "vusers.session_length", "medprof.response_time_total", "medprof.response_time_uncorrected");
   NULL if absent. Values are microseconds. */
MP_API const mp_load_hist *mp_load_result_hist(const mp_load_result *r, const char *name);
/* The i-th histogram in name order; 0 past the end. */
MP_API int mp_load_result_hist_at(const mp_load_result *r, size_t i, const char **name,
                                  const mp_load_hist **h);
/* Seconds from the first request to the end of the last; requests per second over it. */
MP_API double mp_load_result_duration(const mp_load_result *r);
MP_API double mp_load_result_rate(const mp_load_result *r);
MP_API double mp_load_result_start(const mp_load_result *r);   /* wall clock, seconds */
/* When the first request started and the last response (or error) ended, on mp_time_now's
   clock (CLOCK_MONOTONIC seconds): what a profile's load window is cut by. 0 when the
   result does not know (read from JSON, or nothing was sent). */
MP_API int mp_load_result_span(const mp_load_result *r, double *first, double *last);
MP_API int mp_load_result_interrupted(const mp_load_result *r);
/* Seconds of the per-second series, and second i of it (p50/p99 in µs, 0 if no response). */
MP_API size_t mp_load_result_seconds(const mp_load_result *r);
MP_API void mp_load_result_second(const mp_load_result *r, size_t i, uint64_t *requests,
                                  uint64_t *errors, double *p50, double *p99);
/* Any percentile p (0-100, µs) of second i's responses, from the same per-second histogram
   (coarse: about 12 % accuracy, for charts); 0 if that second had none. */
MP_API double mp_load_result_second_percentile(const mp_load_result *r, size_t i, double p);
/* A warning for the reader ("target rate 5000/s not reached: 3100/s", too few file
   descriptors for the connections), or NULL; several are joined with "; ". */
MP_API const char *mp_load_result_warning(const mp_load_result *r);

/* Adds src into dst: counters and buckets added, times widened: the same as if one run had
   recorded everything. */
MP_API mp_err mp_load_result_merge(mp_load_result *dst, const mp_load_result *src,
                                   mp_error *err);
/* Reads a report written by mp_load_result_write_json (medprof's own JSON, not
   artillery's). */
MP_API mp_err mp_load_result_from_json(const char *text, size_t len, mp_load_result **out,
                                       mp_error *err);

/* The load result's writers (WRITERS in the overview: each appends to out). */

/* artillery's summary report: the "Summary report @ HH:mm:ss(+0000)" header and the
   padded metric lines (values at column 82). */
MP_API mp_err mp_load_result_write_text(const mp_load_result *r, mp_buf *out, mp_error *err);
/* Just the padded metric lines, as in an intermediate report. */
MP_API mp_err mp_load_result_write_metrics(const mp_load_result *r, mp_buf *out,
                                           mp_error *err);
/* artillery's intermediate report for a period's result (mp_load_config.period): the
   "Metrics for period to: HH:mm:ss(+0000) (width: 9.998s)" header between dashes as long as
   its text without the width ("to": the end of the period's 10 s window, width: its
   seconds of measurements, as JavaScript prints them), the metric lines, two blank lines. */
MP_API mp_err mp_load_result_write_period(const mp_load_result *period, mp_buf *out,
                                          mp_error *err);
/* artillery's JSON report shape (aggregate: counters, rates, first/last timestamps in epoch
   ms, summaries and histograms as summaries in ms) plus a "medprof" object: start/end in
   wall-clock seconds, every histogram's buckets (µs) and the per-second series. That object
   is what mp_load_result_from_json reads back. artillery's "intermediate" array holds the
   nperiods texts of periods (NULL, 0: none), each one period's
   mp_load_result_write_period_json kept by the caller from mp_load_config.period (whose
   result lives only during the call), copied in as given. */
MP_API mp_err mp_load_result_write_json(const mp_load_result *r, const char *const *periods,
                                        size_t nperiods, mp_buf *out, mp_error *err);
/* One element of "intermediate" for a period's result: artillery's aggregate object shape,
   with "period" the start of the period's 10 s window (a string, as artillery writes it). */
MP_API mp_err mp_load_result_write_period_json(const mp_load_result *r, mp_buf *out,
                                               mp_error *err);
/* wrk's latency distribution table (p50, p75, p90, p99, p99.9, p99.99). */
MP_API mp_err mp_load_result_write_latency(const mp_load_result *r, mp_buf *out,
                                           mp_error *err);
/* One self-contained HTML page for a load run, like artillery 1's `artillery report`: the
   summary table, request rate and latency (p50, p95, p99) per second as SVG charts, the
   latency distribution as HdrHistogram plots it (percentile on a log axis), and the status
   codes and errors. No script and no external resources: it opens anywhere, and the markup
   is well-formed XML (XHTML with inline SVG), so an XML parser can check it. title names
   the run (e.g. the URL); it and every name and value that comes from the run are
   escaped. */
MP_API mp_err mp_load_result_write_html(const mp_load_result *r, const char *title,
                                        mp_buf *out, mp_error *err);

/* artillery's console lines that belong to no result. The line for a phase starting
   (completed 0) or completed (1) at wall-clock time wall, and its blank line:
   "Phase started: NAME (index: 0, duration: 1s) HH:mm:ss(+0000)". name NULL: "unnamed", as
   artillery calls a phase without a name; duration in seconds, as JavaScript prints it. */
MP_API mp_err mp_load_write_phase(int completed, const char *name, int index, double duration,
                                  double wall, mp_buf *out, mp_error *err);
/* artillery's "All VUs finished. Total time: 1 minute, 5 seconds" after a run of seconds,
   and its blank line: as artillery's formatDuration prints it, days, hours, minutes and
   seconds from the largest nonzero unit down ("1 day, 0 hours, 0 minutes, 5 seconds"),
   seconds always, each truncated, singular at 1. */
MP_API mp_err mp_load_write_vus_finished(double seconds, mp_buf *out, mp_error *err);

/* ============================================================================================
   FLAME: mp_flame_*  (a tick log's stacks as a tree)
   ============================================================================================

   The ticks' stacks collected from a tick log through mp_tick_config.on_stacks (or
   on_stack), as a top-down tree (frames of the same name merged under the same parent), and
   written as:
     - an SVG flame graph, self-contained: width = ticks, colour by kind (JavaScript by
       optimisation tier, C++, shared library, unknown). Opened in a browser it is
       interactive with a small inline script: hover shows name, ticks and share; click zooms
       into a frame; a search box highlights matches; Reset zooms out. Every name is inserted
       as escaped text, never as markup or script.
     - folded stacks, the "outermost;…;caller;function COUNT" lines that flamegraph.pl,
       inferno and speedscope read. A ';' inside a name would split it, so it is written as
       ':'; control characters become spaces.
     - with samples (mp_flame_keep_samples), Chrome's .cpuprofile and speedscope's format.

      mp_flame *fl;  mp_flame_new(&fl, &err);
      cfg.on_stacks = mp_flame_stacks;  cfg.stack_user = fl;  // mp_flame_stack with samples
      mp_tick_parse_file(log, &cfg, &prof, &err);
      if (mp_flame_write_svg(fl, &opts, &svg, &err) != MP_OK) ...               */

typedef struct mp_flame mp_flame;

typedef struct mp_flame_options {
    const char *title;  /* shown at the top (escaped); default "Flame graph" */
    int icicle;         /* nonzero: roots at the top, growing down */
    int width;          /* pixels, default 1200 */
    double min_width;   /* frames narrower than this many pixels are left out, default 0.1 */
    const mp_flame *baseline; /* differential: colour each frame by the change of its share
                                 of ticks against the same stack in this graph (red grew,
                                 blue shrank; 5 points of share is full colour) */
} mp_flame_options;

MP_API mp_err mp_flame_new(mp_flame **out, mp_error *err);
/* An on_stack callback: adds one tick's stack to the tree (user is the mp_flame); with
   mp_flame_keep_samples, also the tick as a sample at its time. */
MP_API void mp_flame_stack(void *user, const char *const *names, size_t n, double ts);
/* An on_stacks callback: adds count ticks of this stack (no samples: no times). */
MP_API void mp_flame_stacks(void *user, const char *const *names, size_t n, uint64_t count);
/* Nonzero once memory ran out while collecting: the tree lacks stacks, and every writer
   fails with MP_ERR_NOMEM. */
MP_API int mp_flame_failed(const mp_flame *f);
MP_API uint64_t mp_flame_ticks(const mp_flame *f);
/* Keep every tick's leaf and time too (12 bytes a tick), for the time-ordered formats below.
   Call before the first tick. */
MP_API void mp_flame_keep_samples(mp_flame *f);
MP_API void mp_flame_free(mp_flame *f);

/* The flame graph's writers (WRITERS in the overview: each appends to out). */

/* The SVG document. opts may be NULL. */
MP_API mp_err mp_flame_write_svg(const mp_flame *f, const mp_flame_options *opts, mp_buf *out,
                                 mp_error *err);
/* The folded stacks, one line per distinct stack, sorted by stack (byte order), as
   flamegraph.pl expects them: a tick log collected once gives both the graph and the file. */
MP_API mp_err mp_flame_write_folded(const mp_flame *f, mp_buf *out, mp_error *err);
/* Chrome's .cpuprofile (DevTools, VS Code): nodes with callFrame (function name, url, 0-based
   line and column parsed from V8's name), samples and timeDeltas in µs. Needs samples
   (else MP_ERR_INVALID_ARG). */
MP_API mp_err mp_flame_write_cpuprofile(const mp_flame *f, mp_buf *out, mp_error *err);
/* speedscope's file format (speedscope.app): one "sampled" profile, stacks in time order,
   weighted by the time to the next tick in µs. name is the profile's name. Needs samples. */
MP_API mp_err mp_flame_write_speedscope(const mp_flame *f, const char *name, mp_buf *out,
                                        mp_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MEDPROF_H_INCLUDED */

/* ============================================================================================
   >> IMPLEMENTATION
   ============================================================================================ */
#ifdef MEDPROF_IMPLEMENTATION
#ifndef MEDPROF_IMPLEMENTATION_INCLUDED
#define MEDPROF_IMPLEMENTATION_INCLUDED

#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#error "medprof.h's implementation needs -D_POSIX_C_SOURCE=200809L (or later) before any include"
#endif

#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(MP_MALLOC) && defined(MP_FREE) && defined(MP_REALLOC)
#elif !defined(MP_MALLOC) && !defined(MP_FREE) && !defined(MP_REALLOC)
#define MP_MALLOC(sz) malloc(sz)
#define MP_REALLOC(p, sz) realloc(p, sz)
#define MP_FREE(p) free(p)
#else
#error "Define all or none of MP_MALLOC, MP_REALLOC and MP_FREE."
#endif

#ifndef MP_ASSERT
#define MP_ASSERT(x) assert(x)
#endif

#ifdef MEDPROF_STATIC
#define MP__DEF static
#else
#define MP__DEF
#endif

extern char **environ;

/* ---- errors --------------------------------------------------------------------------- */

MP__DEF const char *mp_err_name(mp_err e)
{
    static const char *const names[] = {
#define MP__ERR_NAME(name, phrase) "MP_ERR_" #name,
        MP_ERROR_LIST(MP__ERR_NAME)
#undef MP__ERR_NAME
    };
    return (unsigned)e < MP_ERR_COUNT_ ? names[e] : "MP_ERR_UNKNOWN";
}

MP__DEF const char *mp_err_str(mp_err e)
{
    static const char *const phrases[] = {
#define MP__ERR_PHRASE(name, phrase) phrase,
        MP_ERROR_LIST(MP__ERR_PHRASE)
#undef MP__ERR_PHRASE
    };
    return (unsigned)e < MP_ERR_COUNT_ ? phrases[e] : "unknown error";
}

#if defined(__GNUC__) || defined(__clang__)
#define MP__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MP__PRINTF(f, a)
#endif

/* Fills *err (if any) and returns code. Long messages end in "..." instead of being cut
   without a sign. errno is preserved for the caller. */
static mp_err mp__fail(mp_error *err, mp_err code, int sys_errno, const char *fmt, ...)
    MP__PRINTF(4, 5);
static mp_err mp__fail(mp_error *err, mp_err code, int sys_errno, const char *fmt, ...)
{
    int saved = errno;
    if (err) {
        va_list ap;
        int n;
        err->code = code;
        err->sys_errno = sys_errno;
        va_start(ap, fmt);
        n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        if (n >= (int)sizeof err->msg) memcpy(err->msg + sizeof err->msg - 4, "...", 4);
    }
    errno = saved;
    return code;
}

static mp_err mp__fail_errno(mp_error *err, int e, const char *what, const char *name)
{
    mp_err code = e == ENOENT ? MP_ERR_NOT_FOUND
                  : (e == EACCES || e == EPERM) ? MP_ERR_PERMISSION
                  : e == ENOMEM ? MP_ERR_NOMEM
                  : e == EINTR ? MP_ERR_INTERRUPTED
                  : MP_ERR_SYSTEM;
    if (name) return mp__fail(err, code, e, "%s '%s': %s", what, name, strerror(e));
    return mp__fail(err, code, e, "%s: %s", what, strerror(e));
}

static mp_err mp__nomem(mp_error *err)
{
    return mp__fail(err, MP_ERR_NOMEM, ENOMEM, "out of memory");
}

static char *mp__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = (char *)MP_MALLOC(n);
    if (d) memcpy(d, s, n);
    return d;
}

MP__DEF void mp_strlist_free(char **list, size_t n)
{
    size_t i;
    if (!list) return;
    for (i = 0; i < n; i++) MP_FREE(list[i]);
    MP_FREE(list);
}

/* ---- time ----------------------------------------------------------------------------- */

static double mp__clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

MP__DEF double mp_time_now(void) { return mp__clock(CLOCK_MONOTONIC); }
MP__DEF double mp_time_wall(void) { return mp__clock(CLOCK_REALTIME); }

MP__DEF mp_err mp_time_sleep(double seconds)
{
    struct timespec ts;
    if (seconds <= 0) return MP_OK;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    return nanosleep(&ts, NULL) == 0 ? MP_OK : MP_ERR_INTERRUPTED;
}

/* ---- urls ----------------------------------------------------------------------------- */

/* An http:// or https:// URL, for the readiness probe and the load engine. */
typedef struct mp__url {
    char scheme[8];   /* "http" or "https" */
    char host[256];   /* without brackets for IPv6 literals */
    int port;         /* the explicit port, else 80 or 443 */
    char *path;       /* "/path?query", allocated; "/" when the URL has none */
} mp__url;

static void mp__url_free(mp__url *url)
{
    if (!url) return;
    MP_FREE(url->path);
    url->path = NULL;
}

static int mp__parse_port(const char *s, size_t n)
{
    int port = 0;
    size_t i;
    if (n == 0 || n > 5) return -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        port = port * 10 + (s[i] - '0');
    }
    return port >= 1 && port <= 65535 ? port : -1;
}

static mp_err mp__url_parse(const char *text, mp__url *out, mp_error *err)
{
    const char *p, *host, *host_end, *auth_end, *port_s = NULL;
    size_t scheme_len, host_len;
    memset(out, 0, sizeof *out);
    if (!text) return mp__fail(err, MP_ERR_INVALID_ARG, 0, "no URL given");
    p = strstr(text, "://");
    if (!p) return mp__fail(err, MP_ERR_INVALID_ARG, 0, "URL '%s' has no scheme (http://)", text);
    scheme_len = (size_t)(p - text);
    if (!((scheme_len == 4 && strncmp(text, "http", 4) == 0) ||
          (scheme_len == 5 && strncmp(text, "https", 5) == 0)))
        return mp__fail(err, MP_ERR_UNSUPPORTED, 0, "URL '%s': only http:// and https:// are known",
                        text);
    memcpy(out->scheme, text, scheme_len);
    host = p + 3;
    auth_end = host + strcspn(host, "/?#");
    if (*host == '[') {
        const char *close = (const char *)memchr(host, ']', (size_t)(auth_end - host));
        if (!close) return mp__fail(err, MP_ERR_INVALID_ARG, 0, "URL '%s': unclosed '['", text);
        host_end = close;
        host++;
        if (close + 1 < auth_end) {
            if (close[1] != ':')
                return mp__fail(err, MP_ERR_INVALID_ARG, 0, "URL '%s': junk after ']'", text);
            port_s = close + 2;
        }
    } else {
        const char *colon = (const char *)memchr(host, ':', (size_t)(auth_end - host));
        host_end = colon ? colon : auth_end;
        if (colon) port_s = colon + 1;
    }
    if (memchr(host, '@', (size_t)(host_end - host)))
        return mp__fail(err, MP_ERR_UNSUPPORTED, 0, "URL '%s': user info is not supported", text);
    host_len = (size_t)(host_end - host);
    if (host_len == 0) return mp__fail(err, MP_ERR_INVALID_ARG, 0, "URL '%s' has no host", text);
    if (host_len >= sizeof out->host)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "URL '%s': host name too long", text);
    memcpy(out->host, host, host_len);
    if (port_s) {
        out->port = mp__parse_port(port_s, (size_t)(auth_end - port_s));
        if (out->port < 0) return mp__fail(err, MP_ERR_INVALID_ARG, 0, "URL '%s': bad port", text);
    } else {
        out->port = scheme_len == 5 ? 443 : 80;
    }
    {
        /* The fragment never goes on the wire. */
        size_t plen = strcspn(auth_end, "#");
        int need_slash = plen == 0 || auth_end[0] != '/';
        out->path = (char *)MP_MALLOC(plen + 2);
        if (!out->path) return mp__nomem(err);
        out->path[0] = '/';
        memcpy(out->path + need_slash, auth_end, plen);
        out->path[plen + need_slash] = '\0';
    }
    return MP_OK;
}

/* ---- common: arena, growth, hash, tables, UTF-8, hex -------------------------------------

   The basic things every part (PROCESS, SYMBOLS, TICK, LOAD, FLAME) does, each done one way,
   here. */

/* For the helpers whose fast path belongs in the caller's loop, which runs per line of a
   log: a call would cost more than what they do. */
#if defined(__GNUC__) || defined(__clang__)
#define MP__INLINE static inline __attribute__((always_inline))
#else
#define MP__INLINE static inline
#endif

#define MP__NONE 0xFFFFFFFFu /* no element: 32-bit ids stay below it */

/* Arena: bytes (names, strings) that live as long as their owner, freed all at once; what
   it hands out stays where it is until then. Chunks double from 64 KB to 1 MB: a small
   profile stays small, and a binary's names take few allocations. No alignment: bytes only. */
typedef struct mp__arena_chunk {
    struct mp__arena_chunk *next;
    size_t used, cap;
} mp__arena_chunk;

typedef struct mp__arena {
    mp__arena_chunk *head;
} mp__arena;

static char *mp__arena_alloc(mp__arena *a, size_t n)
{
    mp__arena_chunk *c = a->head;
    char *p;
    if (!c || c->cap - c->used < n) {
        size_t cap = c ? c->cap * 2 : ((size_t)64 << 10);
        if (cap > ((size_t)1 << 20)) cap = (size_t)1 << 20;
        if (cap < n) cap = n;
        if (cap > SIZE_MAX - sizeof *c) return NULL;
        c = (mp__arena_chunk *)MP_MALLOC(sizeof *c + cap);
        if (!c) return NULL;
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    p = (char *)(c + 1) + c->used;
    c->used += n;
    return p;
}

/* s[0, n) and a NUL, in the arena. */
static const char *mp__arena_strndup(mp__arena *a, const char *s, size_t n)
{
    char *p = n < SIZE_MAX ? mp__arena_alloc(a, n + 1) : NULL;
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* Moves every chunk of from to (threads fill arenas of their own, then hand them over). */
static void mp__arena_take(mp__arena *to, mp__arena *from)
{
    while (from->head) {
        mp__arena_chunk *c = from->head;
        from->head = c->next;
        c->next = to->head;
        to->head = c;
    }
}

static void mp__arena_free(mp__arena *a)
{
    while (a->head) {
        mp__arena_chunk *next = a->head->next;
        MP_FREE(a->head);
        a->head = next;
    }
}

/* Growth: an array grows to hold need elements by doubling its capacity (16 at first), so
   that adding one at a time costs O(1) on average. A caller that wants a bigger first
   allocation asks for more. */

/* The capacity after growing from cap to hold need; 0 if need elements of elem bytes do
   not fit in a size_t. */
static size_t mp__grow_cap(size_t cap, size_t need, size_t elem)
{
    size_t ncap = cap ? cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) return 0;
        ncap *= 2;
    }
    return ncap > SIZE_MAX / elem ? 0 : ncap;
}

/* *p reallocated to n elements of elem bytes; 0 (and *p as it was) without memory or when
   the size would overflow. */
static int mp__resize(void **p, size_t n, size_t elem)
{
    void *q;
    if (n == 0 || n > SIZE_MAX / elem) return 0;
    if (!(q = MP_REALLOC(*p, n * elem))) return 0;
    *p = q;
    return 1;
}

static int mp__grow_slow(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t ncap = mp__grow_cap(*cap, need, elem);
    if (!ncap || !mp__resize(p, ncap, elem)) return 0;
    *cap = ncap;
    return 1;
}

/* Room for need elements in *p (capacity *cap); 0: no memory, *p and *cap unchanged. The
   check that there is room already stays inline: hot loops call this per element. */
MP__INLINE int mp__grow(void **p, size_t *cap, size_t need, size_t elem)
{
    return need <= *cap || mp__grow_slow(p, cap, need, elem);
}

static int mp__grow32_slow(void **p, uint32_t *cap, size_t need, size_t elem)
{
    size_t ncap;
    if (need >= 0xFFFFFFF0u || !(ncap = mp__grow_cap(*cap, need, elem))) return 0;
    if (ncap > 0xFFFFFFF0u) ncap = 0xFFFFFFF0u;
    if (!mp__resize(p, ncap, elem)) return 0;
    *cap = (uint32_t)ncap;
    return 1;
}

/* The same for arrays indexed by 32-bit ids: their capacity stays below 0xFFFFFFF0, clear of
   the 0xFFFFFFFF that marks no element. */
MP__INLINE int mp__grow32(void **p, uint32_t *cap, size_t need, size_t elem)
{
    return need <= *cap || mp__grow32_slow(p, cap, need, elem);
}

/* Hashing: one function for bytes and one mixer for integers, for every table and cache.
   Every byte counts: stacks that differ only deep down must not collide (in the
   read-ahead's table they would make long chains, each line in them compared in full).
   Two lanes of 8-byte words, so that the multiplications do not wait for each other. */
static uint64_t mp__hash_mix(uint64_t a, uint64_t w, uint64_t k)
{
    a = (a ^ w) * k;
    return (a << 31) | (a >> 33);
}

/* The hash of s[0, n), from seed h (another hash, to hash several pieces as one key). Its
   low 32 bits are mixed with the high ones: a table may use them alone. */
static uint64_t mp__hash_bytes(uint64_t h, const char *s, size_t n)
{
    const uint64_t k1 = 0x9E3779B97F4A7C15ull, k2 = 0xC2B2AE3D27D4EB4Full;
    uint64_t a = h ^ n, b = h * k2, w = 0, v = 0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        memcpy(&w, s + i, 8);
        memcpy(&v, s + i + 8, 8);
        a = mp__hash_mix(a, w, k1);
        b = mp__hash_mix(b, v, k2);
    }
    if (i < n) { /* the last 16 bytes, overlapping what went in, or the few there are */
        w = v = 0;
        if (n >= 8) {
            memcpy(&w, n >= 16 ? s + n - 16 : s, 8);
            memcpy(&v, s + n - 8, 8);
        } else {
            for (; i < n; i++) w = (w << 8) | (unsigned char)s[i];
        }
        a = mp__hash_mix(a, w, k1);
        b = mp__hash_mix(b, v, k2);
    }
    h = (a ^ (b >> 27) ^ (b << 37)) * k1;
    return h ^ (h >> 32);
}

/* An integer key's hash: each bit of x moves about half of the result's (integer keys are
   often small or regular: ids, addresses, a pair of ids in one word). */
static uint64_t mp__hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDull;
    x ^= x >> 33;
    x *= 0xC4CEB9FE1A85EC53ull;
    return x ^ (x >> 33);
}

/* Bytes as a table's key. */
typedef struct mp__span {
    const char *s;
    size_t n;
} mp__span;

/* Tables: open addressing with linear probing, never more than half full. A table holds no
   keys: a slot holds a key's hash (32 bits of it) and the id of an element in the caller's
   own array, and the caller's `same` says whether an element is the key looked up. The hash
   in the slot spares most comparisons with elements, which lie elsewhere in memory.
   Emptying a table costs nothing (the read-ahead empties its own at every record that is
   not a tick): a slot holds base + id and counts only from base up, so emptying moves base
   past every one in use. Ids stay below 0xFFFFFFF0, and below 2^31 in a table that is
   emptied. */
typedef struct mp__tab_slot {
    uint32_t hash;
    uint32_t ref; /* base + the element's id; below base: empty */
} mp__tab_slot;

typedef struct mp__tab {
    mp__tab_slot *slot;
    uint32_t cap;   /* a power of two; 0 until the first mp__tab_reserve */
    uint32_t used;  /* slots in use */
    uint32_t base;  /* refs below it are empty (0 too: it is at least 1 once allocated) */
    uint32_t top;   /* past the largest ref in use */
} mp__tab;

/* Whether element id (of the caller's ctx) is the key. */
typedef int (*mp__tab_same_fn)(const void *ctx, uint32_t id, const void *key);

static int mp__tab_grow(mp__tab *t)
{
    uint32_t cap = t->cap ? t->cap * 2 : 1024, i;
    mp__tab_slot *s = NULL;
    if (t->cap >= (1u << 31) || !mp__resize((void **)&s, cap, sizeof *s)) return 0;
    memset(s, 0, (size_t)cap * sizeof *s);
    if (!t->cap) t->base = t->top = 1;
    for (i = 0; i < t->cap; i++) {
        uint32_t j;
        if (t->slot[i].ref < t->base) continue;
        for (j = t->slot[i].hash & (cap - 1); s[j].ref >= t->base; j = (j + 1) & (cap - 1)) {}
        s[j] = t->slot[i];
    }
    MP_FREE(t->slot);
    t->slot = s;
    t->cap = cap;
    return 1;
}

/* Room for one more element: called before a lookup that may add, so that the slot it
   gives stays valid. 0: no memory, the table as it was. */
MP__INLINE int mp__tab_reserve(mp__tab *t)
{
    return t->used < t->cap / 2 || mp__tab_grow(t);
}

/* The id of the element of hash h that same(ctx, id, key) accepts, or MP__NONE; *at is the
   slot it is in, or the one mp__tab_put fills for it. Inline with the caller's `same`: the
   read-ahead looks up every tick line. */
MP__INLINE uint32_t mp__tab_find(const mp__tab *t, uint64_t h, mp__tab_same_fn same,
                                 const void *ctx, const void *key, uint32_t *at)
{
    uint32_t mask = t->cap - 1, h32 = (uint32_t)h, j;
    *at = 0;
    if (!t->cap) return MP__NONE; /* nothing added yet */
    for (j = h32 & mask; t->slot[j].ref >= t->base; j = (j + 1) & mask) {
        if (t->slot[j].hash == h32 && same(ctx, t->slot[j].ref - t->base, key)) {
            *at = j;
            return t->slot[j].ref - t->base;
        }
    }
    *at = j;
    return MP__NONE;
}

/* Adds element id of hash h at slot at, as mp__tab_find gave it after mp__tab_reserve. */
static void mp__tab_put(mp__tab *t, uint32_t at, uint64_t h, uint32_t id)
{
    t->slot[at].hash = (uint32_t)h;
    t->slot[at].ref = t->base + id;
    if (t->slot[at].ref >= t->top) t->top = t->slot[at].ref + 1;
    t->used++;
}

/* Empties the table; its slots are kept. */
static void mp__tab_clear(mp__tab *t)
{
    t->used = 0;
    if (t->top < (1u << 31)) {
        t->base = t->top;
    } else { /* refs would run out: empty the slots for real, once in 2^31 ids */
        memset(t->slot, 0, (size_t)t->cap * sizeof *t->slot);
        t->base = t->top = 1;
    }
}

/* The slot a lookup of h starts at (the table allocated), and the element in it (MP__NONE:
   none), for a caller that fetches them ahead of the lookup. */
static const mp__tab_slot *mp__tab_home(const mp__tab *t, uint64_t h)
{
    return &t->slot[(uint32_t)h & (t->cap - 1)];
}

static uint32_t mp__tab_home_id(const mp__tab *t, uint64_t h)
{
    const mp__tab_slot *s = mp__tab_home(t, h);
    return s->ref >= t->base ? s->ref - t->base : MP__NONE;
}

static void mp__tab_free(mp__tab *t)
{
    MP_FREE(t->slot);
    memset(t, 0, sizeof *t);
}

/* UTF-8, by Unicode's table of well-formed sequences: no overlong forms, no surrogates,
   nothing past U+10FFFF. */

/* The sequence at s[0, n), n >= 1: its length (1-4), with its code point in *cp; or 0 when
   it is no UTF-8, with *bad (if asked) the bytes a decoder such as node's replaces with one
   U+FFFD: the longest start of a valid sequence, at least one byte. */
static size_t mp__utf8_decode(const unsigned char *s, size_t n, unsigned *cp, size_t *bad)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF, v;
    size_t len, i;
    if (c < 0x80) { *cp = c; return 1; }
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1Fu; }
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0Fu;
        if (c == 0xE0) lo = 0xA0; /* overlong */
        if (c == 0xED) hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07u;
        if (c == 0xF0) lo = 0x90; /* overlong */
        if (c == 0xF4) hi = 0x8F; /* past U+10FFFF */
    } else {
        if (bad) *bad = 1;
        return 0;
    }
    for (i = 1; i < len; i++) {
        if (i >= n || s[i] < lo || s[i] > hi) {
            if (bad) *bad = i;
            return 0;
        }
        v = (v << 6) | (s[i] & 0x3Fu);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = v;
    return len;
}

/* Appends code point cp (at most U+10FFFF; a surrogate too, for WTF-8) as UTF-8. */
static void mp__utf8_put(mp_buf *b, unsigned cp)
{
    char u[4];
    if (cp < 0x80) {
        u[0] = (char)cp;
        mp_buf_append(b, u, 1);
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        mp_buf_append(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        mp_buf_append(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        mp_buf_append(b, u, 4);
    }
}

/* Hex: a digit's value (0-15), either case, or -1. Where only lower case will do (Rust's
   hashes, node's anonymous mappings), the caller says so. */
static int mp__hex_digit(int c)
{
    if ((unsigned)(c - '0') < 10) return c - '0';
    c |= 0x20;
    if ((unsigned)(c - 'a') < 6) return c - 'a' + 10;
    return -1;
}

/* The first occurrence of needle (n > 0 bytes) in s[0..len), or NULL: memmem is not POSIX. */
static const char *mp__memmem(const char *s, size_t len, const char *needle, size_t n)
{
    const char *end = s + len, *at;
    while ((size_t)(end - s) >= n && (at = (const char *)memchr(s, needle[0], (size_t)(end - s - n + 1)))) {
        if (memcmp(at, needle, n) == 0) return at;
        s = at + 1;
    }
    return NULL;
}

/* ---- buffers ------------------------------------------------------------------------- */

static int mp__buf_reserve(mp_buf *b, size_t extra)
{
    size_t need;
    if (b->failed) return 0;
    need = b->len + extra + 1;
    if (need < extra) need = SIZE_MAX; /* cannot be had */
    /* 256 bytes at first: most buffers hold a line or more */
    if (!mp__grow((void **)&b->data, &b->cap, need < 256 ? 256 : need, 1)) {
        b->failed = 1;
        return 0;
    }
    return 1;
}

MP__DEF void mp_buf_append(mp_buf *b, const char *s, size_t n)
{
    if (!mp__buf_reserve(b, n)) return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

MP__DEF void mp_buf_puts(mp_buf *b, const char *s) { mp_buf_append(b, s, strlen(s)); }

MP__DEF void mp_buf_printf(mp_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (!mp__buf_reserve(b, 64)) return;
    va_start(ap, fmt);
    n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) { b->failed = 1; return; }
    if ((size_t)n >= b->cap - b->len) {
        if (!mp__buf_reserve(b, (size_t)n)) return;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

/* A JSON string literal, quotes included; invalid UTF-8 bytes become U+FFFD. */
static void mp__buf_json_string(mp_buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    mp_buf_append(b, "\"", 1);
    while (i < n) {
        unsigned char c = u[i];
        unsigned cp;
        size_t run = i, len;
        /* Copy plain runs in one go: this is on the report writers' hot path. */
        while (run < n && u[run] >= 0x20 && u[run] < 0x80 && u[run] != '"' && u[run] != '\\' &&
               u[run] != '<' && u[run] != '>' && u[run] != '&')
            run++;
        if (run > i) { mp_buf_append(b, s + i, run - i); i = run; continue; }
        switch (c) {
        case '"': mp_buf_append(b, "\\\"", 2); i++; continue;
        case '\\': mp_buf_append(b, "\\\\", 2); i++; continue;
        case '\n': mp_buf_append(b, "\\n", 2); i++; continue;
        case '\t': mp_buf_append(b, "\\t", 2); i++; continue;
        case '\r': mp_buf_append(b, "\\r", 2); i++; continue;
        default: break;
        }
        /* <, > and & as escapes keep the JSON safe inside HTML <script> blocks. */
        if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            mp_buf_printf(b, "\\u%04x", c);
            i++;
        } else if ((len = mp__utf8_decode(u + i, n - i, &cp, NULL)) > 0) {
            mp_buf_append(b, s + i, len);
            i += len;
        } else {
            mp_buf_append(b, "\\ufffd", 6); /* one for each byte that is no UTF-8 */
            i++;
        }
    }
    mp_buf_append(b, "\"", 1);
}

/* A number as JavaScript's String(x) prints it: shortest round-trip digits, "NaN",
   "Infinity", exponent form outside [1e-7, 1e21). */
static void mp__buf_js_number(mp_buf *b, double x)
{
    char digits[32];
    int prec, exp10, ndig, i;
    if (x != x) { mp_buf_puts(b, "NaN"); return; }
    if (x == 0) { mp_buf_puts(b, "0"); return; }
    if (x > 1.7976931348623157e308 || x < -1.7976931348623157e308) {
        mp_buf_puts(b, x < 0 ? "-Infinity" : "Infinity");
        return;
    }
    if (x < 0) { mp_buf_puts(b, "-"); x = -x; }
    /* Shortest digit string that reads back as x: what ECMAScript's Number::toString asks. */
    for (prec = 1; prec <= 17; prec++) {
        snprintf(digits, sizeof digits, "%.*e", prec - 1, x);
        if (strtod(digits, NULL) == x) break;
    }
    exp10 = atoi(strchr(digits, 'e') + 1);
    /* digits is "d.ddde+XX": keep the significant digits alone. */
    ndig = 0;
    for (i = 0; digits[i] && digits[i] != 'e'; i++)
        if (digits[i] != '.') digits[ndig++] = digits[i];
    while (ndig > 1 && digits[ndig - 1] == '0') ndig--;
    digits[ndig] = '\0';
    if (exp10 >= 21 || exp10 < -6) {
        mp_buf_append(b, digits, 1);
        if (ndig > 1) { mp_buf_puts(b, "."); mp_buf_append(b, digits + 1, (size_t)ndig - 1); }
        mp_buf_printf(b, "e%c%d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
    } else if (exp10 >= ndig - 1) {
        mp_buf_append(b, digits, (size_t)ndig);
        for (i = ndig - 1; i < exp10; i++) mp_buf_puts(b, "0");
    } else if (exp10 >= 0) {
        mp_buf_append(b, digits, (size_t)exp10 + 1);
        mp_buf_puts(b, ".");
        mp_buf_append(b, digits + exp10 + 1, (size_t)(ndig - exp10 - 1));
    } else {
        mp_buf_puts(b, "0.");
        for (i = -1; i > exp10; i--) mp_buf_puts(b, "0");
        mp_buf_append(b, digits, (size_t)ndig);
    }
}

/* JavaScript's x.toFixed(digits) for |x| < 1e21: the exact binary value rounded half up
   (12.25.toFixed(1) is "12.3"; printf's "%.1f" gives "12.2"). */
static void mp__buf_js_fixed(mp_buf *b, double x, int digits)
{
    /* glibc prints the exact binary value with enough digits; rounding that decimal string
       half up is exactly what toFixed does (ties away from zero on the exact value). */
    char exact[400];
    int n, dot, last, i;
    if (x != x) { mp_buf_puts(b, "NaN"); return; }
    if (x >= 1e21 || x <= -1e21) { mp__buf_js_number(b, x); return; }
    n = snprintf(exact, sizeof exact, "%.*f", digits + 60, x < 0 ? -x : x);
    if (n <= 0 || n >= (int)sizeof exact) { mp_buf_printf(b, "%.*f", digits, x); return; }
    dot = (int)(strchr(exact, '.') - exact);
    last = dot + digits; /* index of the last kept digit */
    if (exact[last + 1] >= '5') {
        for (i = last; i >= 0; i--) {
            if (exact[i] == '.') continue;
            if (exact[i] == '9') { exact[i] = '0'; continue; }
            exact[i]++;
            break;
        }
        if (i < 0) { memmove(exact + 1, exact, (size_t)n + 1); exact[0] = '1'; last++; }
    }
    exact[digits == 0 ? last : last + 1] = '\0';
    if (x < 0) {
        /* -0.04.toFixed(1) is "-0.0" in JavaScript too: the sign is kept. */
        mp_buf_puts(b, "-");
    }
    mp_buf_puts(b, exact);
}

MP__DEF void mp_buf_free(mp_buf *b)
{
    MP_FREE(b->data);
    memset(b, 0, sizeof *b);
}

MP__DEF char *mp_buf_take(mp_buf *b)
{
    char *s = b->data;
    memset(b, 0, sizeof *b);
    return s;
}

/* How every writer ends: a buffer that ran out of memory, during the writer or before it,
   holds an incomplete text. */
static mp_err mp__written(const mp_buf *out, mp_error *err, const char *what)
{
    if (!out->failed) return MP_OK;
    return mp__fail(err, MP_ERR_NOMEM, ENOMEM, "%s: out of memory", what);
}

/* ---- process: spawn ------------------------------------------------------------------- */

struct mp_proc {
    pid_t pid;            /* also the process group id */
    int reaped;           /* waitpid has returned it: pid is no longer ours */
    int status;           /* raw wait status once reaped */
    int stopped_by;
    int group_killed;
    int out_fd, err_fd;   /* read ends of MP_STDIO_PIPE streams, -1 otherwise */
    double started_mono, started_wall, ended_mono;
    mp_proc_status ready_status;
};

static int mp__has_slash(const char *s) { return strchr(s, '/') != NULL; }

/* The value of NAME in the child's environment: an override wins over ours. */
static const char *mp__child_getenv(const mp_proc_config *cfg, const char *name)
{
    size_t n = strlen(name);
    const char *const *e;
    const char *found = NULL;
    if (cfg->env)
        for (e = cfg->env; *e; e++)
            if (strncmp(*e, name, n) == 0 && ((*e)[n] == '=' || (*e)[n] == '\0'))
                found = (*e)[n] == '=' ? *e + n + 1 : "";
    return found ? found : getenv(name);
}

static char *mp__path_join(const char *dir, size_t dlen, const char *name)
{
    size_t nlen = strlen(name);
    char *s = (char *)MP_MALLOC(dlen + nlen + 2);
    if (!s) return NULL;
    memcpy(s, dir, dlen);
    s[dlen] = '/';
    memcpy(s + dlen + 1, name, nlen + 1);
    return s;
}

static mp_err mp__check_executable(const char *path, const char *shown, mp_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) return mp__fail_errno(err, errno, "cannot run", shown);
    if (S_ISDIR(st.st_mode))
        return mp__fail(err, MP_ERR_PERMISSION, EISDIR, "cannot run '%s': it is a directory",
                        shown);
    if (access(path, X_OK) != 0)
        return mp__fail(err, MP_ERR_PERMISSION, errno, "cannot run '%s': not executable (%s)",
                        shown, strerror(errno));
    return MP_OK;
}

/* Finds the file exec will run, so that a missing or unusable program is reported here,
   by name, rather than as an exit code 127 from the child. */
static mp_err mp__resolve_program(const mp_proc_config *cfg, char **out, mp_error *err)
{
    const char *prog = cfg->argv[0];
    const char *path, *p;
    *out = NULL;
    if (mp__has_slash(prog)) {
        char *full = (prog[0] != '/' && cfg->cwd) ? mp__path_join(cfg->cwd, strlen(cfg->cwd), prog)
                                                  : mp__strdup(prog);
        mp_err e;
        if (!full) return mp__nomem(err);
        e = mp__check_executable(full, prog, err);
        if (e != MP_OK) { MP_FREE(full); return e; }
        *out = full;
        return MP_OK;
    }
    path = mp__child_getenv(cfg, "PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    for (p = path;; ) {
        size_t len = strcspn(p, ":");
        char *cand = mp__path_join(len ? p : ".", len ? len : 1, prog);
        if (!cand) return mp__nomem(err);
        if (access(cand, X_OK) == 0) {
            struct stat st;
            if (stat(cand, &st) == 0 && !S_ISDIR(st.st_mode)) { *out = cand; return MP_OK; }
        }
        MP_FREE(cand);
        if (!p[len]) break;
        p += len + 1;
    }
    return mp__fail(err, MP_ERR_NOT_FOUND, ENOENT, "cannot run '%s': not found in PATH", prog);
}

static size_t mp__env_name_len(const char *s)
{
    const char *eq = strchr(s, '=');
    return eq ? (size_t)(eq - s) : strlen(s);
}

static int mp__env_overridden(const mp_proc_config *cfg, const char *var)
{
    size_t n = mp__env_name_len(var);
    const char *const *e;
    if (!cfg->env) return 0;
    for (e = cfg->env; *e; e++)
        if (mp__env_name_len(*e) == n && strncmp(*e, var, n) == 0) return 1;
    return 0;
}

/* The same name set again further on in cfg->env: the last setting wins. */
static int mp__env_overridden_later(const mp_proc_config *cfg, size_t i)
{
    size_t n = mp__env_name_len(cfg->env[i]), j;
    for (j = i + 1; cfg->env[j]; j++)
        if (mp__env_name_len(cfg->env[j]) == n && strncmp(cfg->env[j], cfg->env[i], n) == 0)
            return 1;
    return 0;
}

/* environ without the overridden names, then the overrides that set a value. The strings
   are borrowed; only the array is allocated. */
static char **mp__build_env(const mp_proc_config *cfg)
{
    size_t n = 0, k = 0, i;
    char **env;
    for (i = 0; environ[i]; i++) n++;
    if (cfg->env)
        for (i = 0; cfg->env[i]; i++) n++;
    env = (char **)MP_MALLOC((n + 1) * sizeof *env);
    if (!env) return NULL;
    for (i = 0; environ[i]; i++)
        if (!mp__env_overridden(cfg, environ[i])) env[k++] = environ[i];
    if (cfg->env)
        for (i = 0; cfg->env[i]; i++)
            if (strchr(cfg->env[i], '=') && !mp__env_overridden_later(cfg, i))
                env[k++] = (char *)cfg->env[i];
    env[k] = NULL;
    return env;
}

typedef struct mp__stdio_plan {
    int child_fd;   /* what the child's stream becomes, -1: inherit */
    int parent_fd;  /* read end kept by us, -1 if none */
} mp__stdio_plan;

static void mp__close(int *fd)
{
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

/* O_EXCL also refuses a symbolic link at path, dangling or not: the child's output never
   lands in a file that a link points to. */
static int mp__stdio_file_flags(const mp_proc_config *cfg)
{
    if (cfg->exclusive) return O_WRONLY | O_CREAT | O_CLOEXEC | O_EXCL;
    return O_WRONLY | O_CREAT | O_CLOEXEC | (cfg->append ? O_APPEND : O_TRUNC);
}

static mp_err mp__open_stdio(mp_stdio mode, const char *path, int file_flags, const char *which,
                             mp__stdio_plan *plan, mp_error *err)
{
    int fds[2];
    plan->child_fd = plan->parent_fd = -1;
    switch (mode) {
    case MP_STDIO_INHERIT:
    case MP_STDIO_STDOUT:
        return MP_OK;
    case MP_STDIO_NULL:
        plan->child_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (plan->child_fd < 0) return mp__fail_errno(err, errno, "cannot open", "/dev/null");
        return MP_OK;
    case MP_STDIO_FILE:
        if (!path) return mp__fail(err, MP_ERR_INVALID_ARG, 0, "%s is a file but no path given",
                                   which);
        plan->child_fd = open(path, file_flags, 0644);
        if (plan->child_fd < 0 && errno == EEXIST)
            return mp__fail(err, MP_ERR_EXISTS, EEXIST, "output file '%s' already exists", path);
        if (plan->child_fd < 0) return mp__fail_errno(err, errno, "cannot open output file", path);
        return MP_OK;
    case MP_STDIO_PIPE:
        if (pipe(fds) != 0) return mp__fail_errno(err, errno, "pipe", NULL);
        fcntl(fds[0], F_SETFD, FD_CLOEXEC);
        fcntl(fds[1], F_SETFD, FD_CLOEXEC);
        fcntl(fds[0], F_SETFL, O_NONBLOCK);
        plan->parent_fd = fds[0];
        plan->child_fd = fds[1];
        return MP_OK;
    }
    return mp__fail(err, MP_ERR_INVALID_ARG, 0, "%s: unknown stdio mode %d", which, (int)mode);
}

static int mp__max_fd(int a, int b) { return a > b ? a : b; }

/* Runs in the forked child: only async-signal-safe calls. On failure the errno goes to the
   parent through report_fd (close-on-exec, so a successful exec closes it empty). The
   passed descriptor (cfg's pass_fd, pass_fd_as) is first moved above every number in play,
   so that neither the stdio redirections nor its own dup2 can clobber another. */
static void mp__child_exec(const char *file, char *const argv[], char *const envp[],
                           const mp_proc_config *cfg, const mp__stdio_plan *out,
                           const mp__stdio_plan *errp, pid_t parent, int report_fd)
{
    sigset_t none;
    int e, sig, pass = -1;
    setpgid(0, 0);
    if (cfg->pass_fd_as > 0) {
        int top = mp__max_fd(mp__max_fd(cfg->pass_fd, cfg->pass_fd_as),
                             mp__max_fd(report_fd, mp__max_fd(out->child_fd, errp->child_fd)));
        if ((pass = fcntl(cfg->pass_fd, F_DUPFD_CLOEXEC, top + 1)) < 0) goto fail;
        if (report_fd == cfg->pass_fd_as &&
            (report_fd = fcntl(report_fd, F_DUPFD_CLOEXEC, top + 1)) < 0)
            _exit(127);
    }
    /* Die with the spawning thread, so that no server outlives a medprof that was killed. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    for (sig = 1; sig < 32; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (cfg->cwd && chdir(cfg->cwd) != 0) goto fail;
    if (out->child_fd >= 0 && dup2(out->child_fd, 1) < 0) goto fail;
    if (cfg->stderr_mode == MP_STDIO_STDOUT) {
        if (dup2(1, 2) < 0) goto fail;
    } else if (errp->child_fd >= 0 && dup2(errp->child_fd, 2) < 0) {
        goto fail;
    }
    if (pass >= 0 && dup2(pass, cfg->pass_fd_as) < 0) goto fail; /* dup2 clears close-on-exec */
    execve(file, argv, envp);
fail:
    e = errno;
    while (write(report_fd, &e, sizeof e) < 0 && errno == EINTR) {}
    _exit(127);
}

static mp_err mp__check_cwd(const char *cwd, mp_error *err)
{
    struct stat st;
    if (!cwd) return MP_OK;
    if (stat(cwd, &st) != 0) return mp__fail_errno(err, errno, "bad working directory", cwd);
    if (!S_ISDIR(st.st_mode))
        return mp__fail(err, MP_ERR_INVALID_ARG, ENOTDIR,
                        "bad working directory '%s': not a directory", cwd);
    return MP_OK;
}

/* Reaps a child that failed before exec; it exits at once with 127. */
static void mp__reap_blocking(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
}

MP__DEF mp_err mp_proc_spawn(const mp_proc_config *cfg, mp_proc **out, mp_error *err)
{
    mp__stdio_plan so = { -1, -1 }, se = { -1, -1 };
    int report[2] = { -1, -1 };
    char *file = NULL;
    char **envp = NULL;
    mp_proc *p = NULL;
    mp_err rc;
    pid_t pid;
    int child_errno = 0;
    ssize_t got;

    *out = NULL;
    if (!cfg || !cfg->argv || !cfg->argv[0] || !cfg->argv[0][0])
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "spawn: empty command");
    if (cfg->stdout_mode == MP_STDIO_STDOUT)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "spawn: stdout cannot go to stdout");
    if (cfg->pass_fd_as < 0 || (cfg->pass_fd_as > 0 && cfg->pass_fd_as < 3))
        return mp__fail(err, MP_ERR_INVALID_ARG, 0,
                        "spawn: pass_fd_as %d is not 3 or more (0, 1, 2 are stdio)",
                        cfg->pass_fd_as);
    if (cfg->pass_fd_as > 0 && fcntl(cfg->pass_fd, F_GETFD) < 0)
        return mp__fail(err, MP_ERR_INVALID_ARG, errno, "spawn: pass_fd %d is not open",
                        cfg->pass_fd);
    if ((rc = mp__check_cwd(cfg->cwd, err)) != MP_OK) return rc;
    if ((rc = mp__resolve_program(cfg, &file, err)) != MP_OK) return rc;
    rc = MP_ERR_NOMEM;
    if (!(envp = mp__build_env(cfg)) || !(p = (mp_proc *)MP_MALLOC(sizeof *p))) {
        mp__nomem(err);
        goto done;
    }
    memset(p, 0, sizeof *p);
    p->out_fd = p->err_fd = -1;
    if ((rc = mp__open_stdio(cfg->stdout_mode, cfg->stdout_path, mp__stdio_file_flags(cfg),
                             "stdout", &so, err)) != MP_OK ||
        (rc = mp__open_stdio(cfg->stderr_mode, cfg->stderr_path, mp__stdio_file_flags(cfg),
                             "stderr", &se, err)) != MP_OK)
        goto done;
    if (pipe(report) != 0) { rc = mp__fail_errno(err, errno, "pipe", NULL); goto done; }
    fcntl(report[0], F_SETFD, FD_CLOEXEC);
    fcntl(report[1], F_SETFD, FD_CLOEXEC);

    p->started_mono = mp_time_now();
    p->started_wall = mp_time_wall();
    {
        pid_t parent = getpid();
        pid = fork();
        if (pid == 0)
            mp__child_exec(file, (char *const *)cfg->argv, envp, cfg, &so, &se, parent,
                           report[1]);
    }
    if (pid < 0) { rc = mp__fail_errno(err, errno, "fork", NULL); goto done; }
    setpgid(pid, pid); /* both sides set it: whichever runs first, the group exists */
    mp__close(&report[1]);
    do got = read(report[0], &child_errno, sizeof child_errno);
    while (got < 0 && errno == EINTR);
    if (got > 0) {
        mp__reap_blocking(pid);
        rc = child_errno == ENOENT && cfg->cwd
                 ? mp__fail(err, MP_ERR_NOT_FOUND, child_errno, "cannot run '%s' in '%s': %s",
                            cfg->argv[0], cfg->cwd, strerror(child_errno))
                 : mp__fail_errno(err, child_errno, "cannot run", cfg->argv[0]);
        goto done;
    }
    p->pid = pid;
    p->out_fd = so.parent_fd;
    p->err_fd = se.parent_fd;
    so.parent_fd = se.parent_fd = -1;
    *out = p;
    p = NULL;
    rc = MP_OK;
done:
    mp__close(&report[0]);
    mp__close(&report[1]);
    mp__close(&so.child_fd);
    mp__close(&se.child_fd);
    mp__close(&so.parent_fd);
    mp__close(&se.parent_fd);
    MP_FREE(p);
    MP_FREE(envp);
    MP_FREE(file);
    return rc;
}

MP__DEF int mp_proc_pid(const mp_proc *p) { return (int)p->pid; }
MP__DEF double mp_proc_started(const mp_proc *p) { return p->started_wall; }

/* ---- process: status ------------------------------------------------------------------ */

static void mp__fill_status(const mp_proc *p, mp_proc_status *st)
{
    if (!st) return;
    memset(st, 0, sizeof *st);
    st->stopped_by = p->stopped_by;
    st->group_killed = p->group_killed;
    if (!p->reaped) {
        st->state = MP_PROC_RUNNING;
        st->runtime = mp_time_now() - p->started_mono;
        return;
    }
    st->runtime = p->ended_mono - p->started_mono;
    if (WIFSIGNALED(p->status)) {
        st->state = MP_PROC_SIGNALED;
        st->signal = WTERMSIG(p->status);
    } else {
        st->state = MP_PROC_EXITED;
        st->exit_code = WEXITSTATUS(p->status);
    }
}

/* 1 if reaped now or before, 0 if running, -1 on error (errno set). */
static int mp__try_reap(mp_proc *p)
{
    pid_t r;
    if (p->reaped) return 1;
    do r = waitpid(p->pid, &p->status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == 0) return 0;
    if (r < 0) return -1;
    p->reaped = 1;
    p->ended_mono = mp_time_now();
    return 1;
}

MP__DEF mp_err mp_proc_poll(mp_proc *p, mp_proc_status *st, mp_error *err)
{
    if (mp__try_reap(p) < 0) return mp__fail_errno(err, errno, "waitpid", NULL);
    mp__fill_status(p, st);
    return MP_OK;
}

/* Polls for the child's end with short sleeps (1 ms growing to 20 ms): waitpid has no
   timeout, and a SIGCHLD handler would be global state the library must not own. */
static mp_err mp__wait_until(mp_proc *p, double deadline, mp_error *err)
{
    double pause = 0.001;
    for (;;) {
        int r = mp__try_reap(p);
        double now;
        if (r < 0) return mp__fail_errno(err, errno, "waitpid", NULL);
        if (r > 0) return MP_OK;
        now = mp_time_now();
        if (deadline >= 0 && now >= deadline) return MP_ERR_TIMEOUT;
        if (mp_time_sleep(deadline >= 0 && deadline - now < pause ? deadline - now : pause) !=
            MP_OK)
            return mp__fail(err, MP_ERR_INTERRUPTED, EINTR, "interrupted while waiting for pid %d",
                            (int)p->pid);
        if (pause < 0.02) pause *= 2;
    }
}

MP__DEF mp_err mp_proc_wait(mp_proc *p, double timeout, mp_proc_status *st, mp_error *err)
{
    mp_err rc = mp__wait_until(p, timeout < 0 ? -1 : mp_time_now() + timeout, err);
    mp__fill_status(p, st);
    if (rc == MP_ERR_TIMEOUT)
        return mp__fail(err, rc, 0, "pid %d still running after %.1f s", (int)p->pid, timeout);
    return rc;
}

MP__DEF mp_err mp_proc_signal(mp_proc *p, int sig, mp_error *err)
{
    if (p->reaped) return mp__fail(err, MP_ERR_CHILD_EXITED, ESRCH, "pid %d has ended", (int)p->pid);
    if (kill(-p->pid, sig) != 0 && errno != ESRCH)
        return mp__fail_errno(err, errno, "kill", NULL);
    return MP_OK;
}

/* After the leader is gone, anything left in its group (a worker it forked, a shell's
   grandchild) would be orphaned: kill it. The group id cannot be reused while members
   remain, so this reaches only the child's own descendants. */
static void mp__kill_leftovers(mp_proc *p)
{
    if (kill(-p->pid, 0) == 0) {
        kill(-p->pid, SIGKILL);
        p->group_killed = 1;
    }
}

MP__DEF mp_err mp_proc_stop(mp_proc *p, const mp_stop_config *cfg, mp_proc_status *st,
                            mp_error *err)
{
    static const int steps[] = { SIGINT, SIGTERM, SIGKILL };
    double waits[3];
    size_t i;
    mp_err rc = MP_OK;
    waits[0] = cfg && cfg->grace > 0 ? cfg->grace : 10.0;
    waits[1] = cfg && cfg->term_grace > 0 ? cfg->term_grace : 2.0;
    waits[2] = -1; /* SIGKILL cannot be refused */
    for (i = 0; i < 3; i++) {
        int r = mp__try_reap(p);
        if (r < 0) { rc = mp__fail_errno(err, errno, "waitpid", NULL); break; }
        if (r > 0) break;
        kill(-p->pid, steps[i]);
        p->stopped_by = steps[i];
        rc = mp__wait_until(p, waits[i] < 0 ? -1 : mp_time_now() + waits[i], err);
        if (rc == MP_ERR_TIMEOUT) { rc = MP_OK; continue; }
        if (rc != MP_OK) {
            /* Interrupted (Ctrl+C on us): do not leave the child behind. */
            kill(-p->pid, SIGKILL);
            mp__reap_blocking(p->pid);
            p->reaped = 1;
            p->ended_mono = mp_time_now();
        }
        break;
    }
    if (p->reaped) mp__kill_leftovers(p);
    mp__fill_status(p, st);
    return rc;
}

MP__DEF void mp_proc_destroy(mp_proc *p)
{
    if (!p) return;
    if (!p->reaped) {
        kill(-p->pid, SIGKILL);
        mp__reap_blocking(p->pid);
        p->reaped = 1;
    }
    mp__kill_leftovers(p);
    mp__close(&p->out_fd);
    mp__close(&p->err_fd);
    MP_FREE(p);
}

MP__DEF const char *mp_signal_name(int sig)
{
    switch (sig) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGUSR1: return "SIGUSR1";
    case SIGSEGV: return "SIGSEGV";
    case SIGUSR2: return "SIGUSR2";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
    default: return "SIG?";
    }
}

MP__DEF const char *mp_proc_status_str(const mp_proc_status *st, char *buf, size_t cap)
{
    switch (st->state) {
    case MP_PROC_RUNNING: snprintf(buf, cap, "running"); break;
    case MP_PROC_EXITED: snprintf(buf, cap, "exited with code %d", st->exit_code); break;
    case MP_PROC_SIGNALED:
        snprintf(buf, cap, "killed by %s (%d)", mp_signal_name(st->signal), st->signal);
        break;
    }
    return buf;
}

MP__DEF mp_err mp_proc_read(mp_proc *p, int stream, char *buf, size_t cap, double timeout,
                            size_t *n, int *eof, mp_error *err)
{
    int *fd = stream == 1 ? &p->out_fd : stream == 2 ? &p->err_fd : NULL;
    struct pollfd pfd;
    ssize_t r;
    int pr;
    *n = 0;
    if (eof) *eof = 0;
    if (!fd) return mp__fail(err, MP_ERR_INVALID_ARG, 0, "stream must be 1 or 2, not %d", stream);
    if (*fd < 0) {
        if (eof) *eof = 1;
        return MP_OK;
    }
    pfd.fd = *fd;
    pfd.events = POLLIN;
    pr = poll(&pfd, 1, timeout < 0 ? -1 : (int)(timeout * 1000));
    if (pr < 0) return mp__fail_errno(err, errno, "poll", NULL);
    if (pr == 0) return MP_OK;
    do r = read(*fd, buf, cap);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return MP_OK;
        return mp__fail_errno(err, errno, "read from child", NULL);
    }
    if (r == 0) {
        mp__close(fd);
        if (eof) *eof = 1;
    }
    *n = (size_t)r;
    return MP_OK;
}

/* ---- process: readiness --------------------------------------------------------------- */

/* One attempt: connect (and for a URL, GET it) within budget seconds. MP_OK when ready;
   otherwise why not, in err. */
static mp_err mp__probe(const char *host, int port, const char *path, double budget,
                        mp_error *err);

MP__DEF mp_err mp_proc_ready_status(mp_proc *p, mp_proc_status *st)
{
    *st = p->ready_status;
    return MP_OK;
}

MP__DEF mp_err mp_proc_wait_ready(mp_proc *p, const mp_ready_config *cfg, mp_error *err)
{
    double timeout = cfg->timeout > 0 ? cfg->timeout : 30.0;
    double max_pause = cfg->max_interval > 0 ? cfg->max_interval : 0.5;
    double deadline = mp_time_now() + timeout, pause = 0.01;
    const char *host = cfg->host ? cfg->host : "127.0.0.1";
    const char *path = NULL;
    char target[300];
    int port = cfg->port, attempts = 0;
    mp__url url;
    mp_error last;
    mp_err rc;

    memset(&url, 0, sizeof url);
    memset(&last, 0, sizeof last);
    if (cfg->url) {
        if ((rc = mp__url_parse(cfg->url, &url, err)) != MP_OK) return rc;
        if (strcmp(url.scheme, "http") != 0) {
            mp__url_free(&url);
            return mp__fail(err, MP_ERR_UNSUPPORTED, 0,
                            "ready URL '%s': https is not supported yet", cfg->url);
        }
        host = url.host;
        port = url.port;
        path = url.path;
        snprintf(target, sizeof target, "%s", cfg->url);
    } else {
        if (port == 0) return mp__fail(err, MP_ERR_INVALID_ARG, 0, "wait_ready needs a url or a port");
        if (port < 0 || port > 65535)
            return mp__fail(err, MP_ERR_INVALID_ARG, 0, "wait_ready: port %d is not in 1..65535", port);
        snprintf(target, sizeof target, "%s:%d", host, port);
    }
    for (;;) {
        double now, left;
        int r = mp__try_reap(p);
        if (r < 0) { rc = mp__fail_errno(err, errno, "waitpid", NULL); break; }
        if (r > 0) {
            char how[64];
            mp__fill_status(p, &p->ready_status);
            rc = mp__fail(err, MP_ERR_CHILD_EXITED, 0, "pid %d %s before %s was ready",
                          (int)p->pid, mp_proc_status_str(&p->ready_status, how, sizeof how),
                          target);
            break;
        }
        now = mp_time_now();
        left = deadline - now;
        if (left <= 0) {
            rc = mp__fail(err, MP_ERR_TIMEOUT, last.sys_errno,
                          "%s not ready after %.1f s (%d attempts; last: %s)", target, timeout,
                          attempts, attempts ? last.msg : "none");
            break;
        }
        attempts++;
        rc = mp__probe(host, port, path, left < 1.0 ? left : 1.0, &last);
        if (rc == MP_OK) break;
        if (rc == MP_ERR_INTERRUPTED || rc == MP_ERR_NOMEM) {
            if (err) *err = last;
            break;
        }
        left = deadline - mp_time_now();
        if (mp_time_sleep(pause < left ? pause : left) != MP_OK) {
            rc = mp__fail(err, MP_ERR_INTERRUPTED, EINTR, "interrupted while waiting for %s",
                          target);
            break;
        }
        pause = pause * 2 < max_pause ? pause * 2 : max_pause;
    }
    mp__url_free(&url);
    return rc;
}

MP__DEF mp_err mp_proc_probe(const mp_ready_config *cfg, mp_error *err)
{
    double timeout = cfg->timeout > 0 ? cfg->timeout : 1.0;
    mp__url url;
    mp_err rc;
    if (!cfg->url) {
        if (cfg->port == 0) return mp__fail(err, MP_ERR_INVALID_ARG, 0, "probe needs a url or a port");
        if (cfg->port < 0 || cfg->port > 65535)
            return mp__fail(err, MP_ERR_INVALID_ARG, 0, "probe: port %d is not in 1..65535", cfg->port);
        return mp__probe(cfg->host ? cfg->host : "127.0.0.1", cfg->port, NULL, timeout, err);
    }
    if ((rc = mp__url_parse(cfg->url, &url, err)) != MP_OK) return rc;
    if (strcmp(url.scheme, "http") != 0)
        rc = mp__fail(err, MP_ERR_UNSUPPORTED, 0, "'%s': https is not supported yet", cfg->url);
    else
        rc = mp__probe(url.host, url.port, url.path, timeout, err);
    mp__url_free(&url);
    return rc;
}

/* Waits for fd to become ready for events until deadline; MP_ERR_TIMEOUT past it. */
static mp_err mp__poll_fd(int fd, short events, double deadline, mp_error *err)
{
    struct pollfd pfd;
    int r;
    pfd.fd = fd;
    pfd.events = events;
    for (;;) {
        double left = deadline - mp_time_now();
        if (left <= 0) return mp__fail(err, MP_ERR_TIMEOUT, ETIMEDOUT, "timed out");
        r = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (r > 0) return MP_OK;
        if (r == 0) continue;
        if (errno == EINTR) return mp__fail(err, MP_ERR_INTERRUPTED, EINTR, "interrupted");
        return mp__fail_errno(err, errno, "poll", NULL);
    }
}

static mp_err mp__connect_addr(const struct addrinfo *ai, double deadline, int *out,
                               mp_error *err)
{
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol), soerr = 0;
    socklen_t len = sizeof soerr;
    mp_err rc;
    *out = -1;
    if (fd < 0) return mp__fail_errno(err, errno, "socket", NULL);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) { *out = fd; return MP_OK; }
    if (errno != EINPROGRESS) {
        rc = mp__fail_errno(err, errno, "connect", NULL);
        close(fd);
        return rc;
    }
    rc = mp__poll_fd(fd, POLLOUT, deadline, err);
    if (rc == MP_OK && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr != 0)
        rc = mp__fail_errno(err, soerr, "connect", NULL);
    if (rc != MP_OK) { close(fd); return rc; }
    *out = fd;
    return MP_OK;
}

/* Sends a GET and reads the status line: 2xx means ready. */
static mp_err mp__probe_http(int fd, const char *host, int port, const char *path,
                             double deadline, mp_error *err)
{
    char req[1024], resp[64];
    size_t got = 0;
    int n, status;
    n = snprintf(req, sizeof req,
                 "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: medprof\r\n"
                 "Connection: close\r\n\r\n", path, host, port);
    if (n < 0 || n >= (int)sizeof req)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "ready URL too long");
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) return mp__fail_errno(err, errno, "send", NULL);
    while (got < 12) {
        ssize_t r;
        mp_err rc = mp__poll_fd(fd, POLLIN, deadline, err);
        if (rc != MP_OK) return rc;
        r = recv(fd, resp + got, sizeof resp - 1 - got, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return mp__fail_errno(err, errno, "recv", NULL);
        if (r == 0) return mp__fail(err, MP_ERR_IO, 0, "connection closed before a status line");
        got += (size_t)r;
    }
    resp[got] = '\0';
    if (strncmp(resp, "HTTP/1.", 7) != 0 || resp[8] != ' ' ||
        sscanf(resp + 9, "%3d", &status) != 1)
        return mp__fail(err, MP_ERR_PARSE, 0, "not an HTTP response");
    if (status < 200 || status > 299)
        return mp__fail(err, MP_ERR_IO, 0, "HTTP status %d", status);
    return MP_OK;
}

static mp_err mp__probe(const char *host, int port, const char *path, double budget,
                        mp_error *err)
{
    struct addrinfo hints, *res = NULL, *ai;
    char portbuf[8];
    double deadline = mp_time_now() + budget;
    mp_err rc = MP_ERR_NOT_FOUND;
    int gai;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(portbuf, sizeof portbuf, "%d", port);
    gai = getaddrinfo(host, portbuf, &hints, &res);
    if (gai != 0)
        return mp__fail(err, MP_ERR_NOT_FOUND, 0, "cannot resolve '%s': %s", host,
                        gai_strerror(gai));
    for (ai = res; ai; ai = ai->ai_next) {
        int fd;
        rc = mp__connect_addr(ai, deadline, &fd, err);
        if (rc != MP_OK) continue;
        rc = path ? mp__probe_http(fd, host, port, path, deadline, err) : MP_OK;
        close(fd);
        if (rc == MP_OK || rc == MP_ERR_INTERRUPTED) break;
    }
    freeaddrinfo(res);
    return rc;
}

/* ---- process: files it wrote ---------------------------------------------------------- */

typedef struct mp__dated_path {
    char *path;
    double mtime;
} mp__dated_path;

static int mp__newest_first(const void *a, const void *b)
{
    const mp__dated_path *x = (const mp__dated_path *)a, *y = (const mp__dated_path *)b;
    if (x->mtime != y->mtime) return x->mtime < y->mtime ? 1 : -1;
    return strcmp(x->path, y->path);
}

MP__DEF mp_err mp_proc_newfiles(const char *dir, const char *glob, double since, char ***out,
                                size_t *n, mp_error *err)
{
    /* File times come from a coarse kernel clock that can lag the one we read at spawn by a
       tick; a file made in the same 20 ms as the spawn still counts as new. */
    const double slack = 0.02;
    mp__dated_path *items = NULL;
    size_t count = 0, cap = 0, i;
    struct dirent *de;
    DIR *d;
    *out = NULL;
    *n = 0;
    if (!dir || !*dir) dir = ".";
    if (!(d = opendir(dir))) return mp__fail_errno(err, errno, "cannot list directory", dir);
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        char *path;
        double mtime;
        if (fnmatch(glob, de->d_name, FNM_PERIOD) != 0) continue;
        if (!(path = mp__path_join(dir, strlen(dir), de->d_name))) goto nomem;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) { MP_FREE(path); continue; }
        mtime = (double)st.st_mtim.tv_sec + (double)st.st_mtim.tv_nsec * 1e-9;
        if (since > 0 && mtime < since - slack) { MP_FREE(path); continue; }
        if (!mp__grow((void **)&items, &cap, count + 1, sizeof *items)) {
            MP_FREE(path);
            goto nomem;
        }
        items[count].path = path;
        items[count].mtime = mtime;
        count++;
    }
    closedir(d);
    if (count) qsort(items, count, sizeof *items, mp__newest_first);
    if (!(*out = (char **)MP_MALLOC((count + 1) * sizeof **out))) {
        for (i = 0; i < count; i++) MP_FREE(items[i].path);
        MP_FREE(items);
        return mp__nomem(err);
    }
    for (i = 0; i < count; i++) (*out)[i] = items[i].path;
    (*out)[count] = NULL;
    *n = count;
    MP_FREE(items);
    return MP_OK;
nomem:
    closedir(d);
    for (i = 0; i < count; i++) MP_FREE(items[i].path);
    MP_FREE(items);
    return mp__nomem(err);
}

/* ---- vitals ------------------------------------------------------------------------------ */

/* One process of the tree, as read at a sample. */
typedef struct mp__vproc {
    int pid, ppid;
    uint64_t start;          /* starttime (clock ticks after boot): a reused pid has another */
    uint64_t utime, stime;   /* clock ticks */
    uint64_t rss_pages;
    int threads, fds;
    uint64_t nvcsw, nivcsw;  /* its main thread's context switches */
} mp__vproc;

typedef struct mp__vlist {
    mp__vproc *p;
    size_t n, cap;
} mp__vlist;

/* A line of the preload's is under 200 bytes: one this long without a newline is junk. */
#define MP__VITALS_LINE_MAX 4096
/* No tree has more processes than Linux has pids (PID_MAX_LIMIT): a walk that gets there
   is going round a cycle that pid reuse made between two reads. */
#define MP__VITALS_MAX_PROCS 4194304

struct mp_vitals {
    mp_vitals_config cfg;
    int read_fd;                /* our duplicate of cfg.read_fd; -1: none, or at its end */
    int wake[2];                /* mp_vitals_stop writes to [1]: the thread leaves its poll */
    pthread_t tid;
    int started, joined;
    pthread_mutex_t mu;         /* guards what other threads read: samples, marks, st, error */
    mp_vitals_sample *samples;
    size_t count, cap;
    mp_vitals_mark *marks;
    size_t nmarks, mcap;
    mp_vitals_status st;
    mp_error error;             /* the message of st.error */
    /* the sampler thread's own (mp_vitals_start's, before the thread runs) */
    double ticks, page;         /* clock ticks per second, bytes per page */
    int children_files;         /* the kernel has /proc/PID/task/TID/children */
    double last_scan;           /* when /proc was last scanned for descendants */
    uint64_t root_start;
    char *io;                   /* a /proc file's contents */
    size_t io_cap;
    char *line;                 /* the pipe's bytes not yet a full line */
    size_t line_len, line_cap;
    int line_skip;              /* dropping the rest of a line that was too long */
    mp__vlist prev, cur, all;   /* the tree at the previous sample, now; every process (scan) */
    int *queue;                 /* pids of the tree, root first */
    size_t qcap;
    uint64_t main_prev;         /* the main thread's utime + stime at the previous sample */
    double t_prev;
    mp_vitals_node node;        /* the preload's latest sample line */
    int has_node, node_fresh;
};

/* ---- vitals: preload lines --------------------------------------------------------------- */

/* Decimal digits only, as a uint64_t. 0: not that. */
static int mp__vitals_uint(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;
    if (n == 0) return 0;
    for (i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9 || v > (UINT64_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

/* "-" (unknown: NaN), or digits with an optional fraction ("12", "0.125"). Read by hand:
   strtod would take "inf", hex and leading blanks, and follows the locale's decimal point. */
static int mp__vitals_num(const char *s, size_t n, double *out)
{
    double v = 0, scale = 1;
    size_t i = 0;
    int digits = 0;
    if (n == 1 && s[0] == '-') {
        *out = NAN;
        return 1;
    }
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) v = v * 10 + (s[i] - '0');
    if (!digits || digits > 20) return 0;
    if (i < n && s[i] == '.') {
        int frac = 0;
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, frac++)
            if (frac < 17) v += (s[i] - '0') * (scale /= 10);
        if (!frac) return 0;
    }
    if (i != n) return 0;
    *out = v;
    return 1;
}

static int mp__vitals_is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

MP__DEF mp_err mp_vitals_parse_line(const char *s, size_t n, mp_vitals_line *out,
                                    mp_error *err)
{
    /* medprof-vitals VERSION KIND, then 7 values (sample) or 3 (mark) */
    enum { MAX_FIELDS = 10 };
    const char *f[MAX_FIELDS];
    size_t fl[MAX_FIELDS], nf = 0;
    const char *p = s, *end = s + n;
    uint64_t u;
    if (n && end[-1] == '\n') end--;
    for (;;) {
        const char *e = (const char *)memchr(p, ' ', (size_t)(end - p));
        if (!e) e = end;
        if (e == p) return mp__fail(err, MP_ERR_PARSE, 0, "vitals line: empty field");
        if (nf == MAX_FIELDS) return mp__fail(err, MP_ERR_PARSE, 0, "vitals line: too many fields");
        f[nf] = p;
        fl[nf++] = (size_t)(e - p);
        if (e == end) break;
        p = e + 1;
    }
    memset(out, 0, sizeof *out);
    if (!mp__vitals_is(f[0], fl[0], "medprof-vitals"))
        return mp__fail(err, MP_ERR_PARSE, 0, "vitals line: does not start with medprof-vitals");
    if (nf < 2 || !mp__vitals_uint(f[1], fl[1], &u))
        return mp__fail(err, MP_ERR_PARSE, 0, "vitals line: no version");
    if (!mp__vitals_is(f[1], fl[1], "1")) /* "01" too: one spelling per version */
        return mp__fail(err, MP_ERR_UNSUPPORTED, 0, "vitals line: version %.*s, not 1",
                        (int)(fl[1] < 20 ? fl[1] : 20), f[1]);
    if (nf < 3) return mp__fail(err, MP_ERR_PARSE, 0, "vitals line: no kind");
    if (mp__vitals_is(f[2], fl[2], "sample")) {
        mp_vitals_node *v = &out->sample;
        if (nf != 10) return mp__fail(err, MP_ERR_PARSE, 0, "vitals sample: %d fields, not 10", (int)nf);
        if (!mp__vitals_uint(f[3], fl[3], &u))
            return mp__fail(err, MP_ERR_PARSE, 0, "vitals sample: bad time");
        v->t = (double)u / 1e9;
        if (!mp__vitals_num(f[4], fl[4], &v->eld_p50_ms) ||
            !mp__vitals_num(f[5], fl[5], &v->eld_p99_ms) ||
            !mp__vitals_num(f[6], fl[6], &v->eld_max_ms) ||
            !mp__vitals_num(f[7], fl[7], &v->heap_used_bytes) ||
            !mp__vitals_num(f[8], fl[8], &v->heap_total_bytes) ||
            !mp__vitals_num(f[9], fl[9], &v->active_handles))
            return mp__fail(err, MP_ERR_PARSE, 0, "vitals sample: bad number");
        out->kind = MP_VITALS_LINE_SAMPLE;
        return MP_OK;
    }
    if (mp__vitals_is(f[2], fl[2], "mark")) {
        mp_vitals_mark *m = &out->mark;
        if (nf != 6) return mp__fail(err, MP_ERR_PARSE, 0, "vitals mark: %d fields, not 6", (int)nf);
        if (!mp__vitals_uint(f[3], fl[3], &m->seq) || !mp__vitals_uint(f[4], fl[4], &m->t0_ns) ||
            !mp__vitals_uint(f[5], fl[5], &m->t1_ns) || m->t1_ns < m->t0_ns)
            return mp__fail(err, MP_ERR_PARSE, 0, "vitals mark: bad number");
        out->kind = MP_VITALS_LINE_MARK;
        return MP_OK;
    }
    return mp__fail(err, MP_ERR_UNSUPPORTED, 0, "vitals line: unknown kind");
}

/* ---- vitals: /proc ----------------------------------------------------------------------- */

/* The whole of a /proc file into v->io, NUL-terminated (its size is not known before: read
   until the end). -1 with errno if it cannot be read (ENOMEM: no memory). */
static int mp__vitals_slurp(mp_vitals *v, const char *path)
{
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    for (;;) {
        ssize_t got;
        if (!mp__grow((void **)&v->io, &v->io_cap, len + 1025, 1)) {
            close(fd);
            errno = ENOMEM;
            return -1;
        }
        got = read(fd, v->io + len, v->io_cap - len - 1);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (got == 0) break;
        len += (size_t)got;
    }
    close(fd);
    v->io[len] = '\0';
    return 0;
}

/* /proc/PID/stat: the fields after the command's closing ')' (the command itself may hold
   spaces and parentheses). 0 if malformed. */
static int mp__vitals_parse_stat(const char *s, mp__vproc *p, char *state)
{
    uint64_t f[21]; /* fields 4 (ppid) to 24 (rss); field k is f[k - 4] */
    const char *r = strrchr(s, ')');
    int i;
    if (!r || r[1] != ' ' || !r[2]) return 0;
    *state = r[2];
    s = r + 3;
    for (i = 0; i < 21; i++) {
        char *end;
        while (*s == ' ') s++;
        if (*s == '-') s++; /* priority, nice, tty may be negative: not used */
        if (*s < '0' || *s > '9') return 0;
        f[i] = strtoull(s, &end, 10);
        s = end;
    }
    p->ppid = (int)f[0];
    p->utime = f[10];
    p->stime = f[11];
    p->threads = (int)f[16];
    p->start = f[18];
    p->rss_pages = f[20];
    return 1;
}

/* The number after "\nNAME:" in a /proc status file; 0 if absent. */
static uint64_t mp__vitals_status_field(const char *s, const char *name)
{
    size_t n = strlen(name);
    for (s = strchr(s, '\n'); s; s = strchr(s + 1, '\n'))
        if (strncmp(s + 1, name, n) == 0 && s[1 + n] == ':')
            return strtoull(s + 2 + n, NULL, 10);
    return 0;
}

/* Open descriptors of pid; -1 if not readable. */
static int mp__vitals_fds(int pid)
{
    char path[32]; /* "/proc/" + 10 digits + "/fd" */
    struct stat st;
    struct dirent *de;
    DIR *d;
    int n = 0;
    snprintf(path, sizeof path, "/proc/%d/fd", pid);
    /* Linux 6.2 on gives the count as the directory's size, without a listing */
    if (stat(path, &st) == 0 && st.st_size > 0) return (int)st.st_size;
    if (!(d = opendir(path))) return -1;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* Reads process pid. 1: read; 0: gone or a zombie; -1: no memory. */
static int mp__vitals_read_proc(mp_vitals *v, int pid, mp__vproc *p, char *state)
{
    char path[48]; /* "/proc/" + 10 digits + "/status" */
    memset(p, 0, sizeof *p);
    p->pid = pid;
    *state = '?';
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    if (mp__vitals_slurp(v, path) != 0) return errno == ENOMEM ? -1 : 0;
    if (!mp__vitals_parse_stat(v->io, p, state) || *state == 'Z' || *state == 'X') return 0;
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    if (mp__vitals_slurp(v, path) == 0) {
        p->nvcsw = mp__vitals_status_field(v->io, "voluntary_ctxt_switches");
        p->nivcsw = mp__vitals_status_field(v->io, "nonvoluntary_ctxt_switches");
    } else if (errno == ENOMEM) {
        return -1;
    }
    p->fds = mp__vitals_fds(pid);
    return 1;
}

/* utime + stime of the main thread of pid, or `keep` if it cannot be read. */
static uint64_t mp__vitals_main_ticks(mp_vitals *v, int pid, uint64_t keep)
{
    char path[64]; /* "/proc/" + 10 digits + "/task/" + 10 digits + "/stat" */
    mp__vproc t;
    char state;
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", pid, pid);
    if (mp__vitals_slurp(v, path) != 0 || !mp__vitals_parse_stat(v->io, &t, &state)) return keep;
    return t.utime + t.stime;
}

static int mp__vitals_queue_put(mp_vitals *v, size_t *n, int pid)
{
    if (*n >= MP__VITALS_MAX_PROCS) return 1;
    if (!mp__grow((void **)&v->queue, &v->qcap, *n + 1, sizeof *v->queue)) return 0;
    v->queue[(*n)++] = pid;
    return 1;
}

/* The children of every thread of pid, from their children files, onto the queue. */
static int mp__vitals_children(mp_vitals *v, int pid, size_t *n)
{
    char path[64];
    struct dirent *de;
    DIR *d;
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    if (!(d = opendir(path))) return 1; /* gone since */
    while ((de = readdir(d)) != NULL) {
        const char *s;
        if (de->d_name[0] < '0' || de->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/%d/task/%d/children", pid, atoi(de->d_name));
        if (mp__vitals_slurp(v, path) != 0) {
            if (errno == ENOMEM) { closedir(d); return 0; }
            continue;
        }
        for (s = v->io; *s; ) {
            char *end;
            long child = strtol(s, &end, 10);
            if (end == s) break;
            if (child > 0 && !mp__vitals_queue_put(v, n, (int)child)) { closedir(d); return 0; }
            s = end;
        }
    }
    closedir(d);
    return 1;
}

static int mp__vitals_by_ppid(const void *a, const void *b)
{
    const mp__vproc *x = (const mp__vproc *)a, *y = (const mp__vproc *)b;
    return x->ppid != y->ppid ? (x->ppid < y->ppid ? -1 : 1) : (x->pid > y->pid) - (x->pid < y->pid);
}

static int mp__vitals_by_pid(const void *a, const void *b)
{
    const mp__vproc *x = (const mp__vproc *)a, *y = (const mp__vproc *)b;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Every process's pid and ppid into v->all, sorted by ppid: where the kernel has no
   children files, the only way to find a process's children. */
static int mp__vitals_scan(mp_vitals *v)
{
    char path[32];
    struct dirent *de;
    DIR *d = opendir("/proc");
    v->all.n = 0;
    if (!d) return 1;
    while ((de = readdir(d)) != NULL) {
        mp__vproc p;
        char state;
        if (de->d_name[0] < '0' || de->d_name[0] > '9') continue;
        memset(&p, 0, sizeof p);
        p.pid = atoi(de->d_name);
        snprintf(path, sizeof path, "/proc/%d/stat", p.pid);
        if (mp__vitals_slurp(v, path) != 0) {
            if (errno == ENOMEM) { closedir(d); return 0; }
            continue;
        }
        if (!mp__vitals_parse_stat(v->io, &p, &state)) continue;
        if (!mp__grow((void **)&v->all.p, &v->all.cap, v->all.n + 1, sizeof p)) {
            closedir(d);
            return 0;
        }
        v->all.p[v->all.n++] = p;
    }
    closedir(d);
    qsort(v->all.p, v->all.n, sizeof *v->all.p, mp__vitals_by_ppid);
    return 1;
}

/* The children of pid in the scan, onto the queue. */
static int mp__vitals_scanned_children(mp_vitals *v, int pid, size_t *n)
{
    size_t lo = 0, hi = v->all.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->all.p[mid].ppid < pid) lo = mid + 1;
        else hi = mid;
    }
    for (; lo < v->all.n && v->all.p[lo].ppid == pid; lo++)
        if (!mp__vitals_queue_put(v, n, v->all.p[lo].pid)) return 0;
    return 1;
}

/* The pids of the tree onto v->queue, root first. *known: they are the previous sample's
   (no scan this time), so that a pid is ours only if its start time is the same. */
static int mp__vitals_members(mp_vitals *v, double now, size_t *n, int *known)
{
    size_t head = 0;
    int scan = !v->children_files && now - v->last_scan >= v->cfg.rescan;
    *n = 0;
    *known = 0;
    if (!mp__vitals_queue_put(v, n, v->cfg.pid)) return 0;
    if (!v->children_files && !scan) {
        size_t i;
        *known = 1;
        for (i = 1; i < v->prev.n; i++)
            if (!mp__vitals_queue_put(v, n, v->prev.p[i].pid)) return 0;
        return 1;
    }
    if (scan) {
        if (!mp__vitals_scan(v)) return 0;
        v->last_scan = now;
    }
    for (head = 0; head < *n; head++)
        if (!(v->children_files ? mp__vitals_children(v, v->queue[head], n)
                                : mp__vitals_scanned_children(v, v->queue[head], n)))
            return 0;
    return 1;
}

static const mp__vproc *mp__vitals_find(const mp__vlist *l, int pid)
{
    mp__vproc key;
    key.pid = pid;
    if (l->n < 2) return NULL;
    return (const mp__vproc *)bsearch(&key, l->p + 1, l->n - 1, sizeof key, mp__vitals_by_pid);
}

/* The tree now into v->cur: the root first, the others by pid. 1: read; 0: the root has
   ended; -1: no memory. */
static int mp__vitals_read_tree(mp_vitals *v, double now)
{
    size_t n, i;
    int known, r;
    char state;
    mp__vproc p;
    v->cur.n = 0;
    r = mp__vitals_read_proc(v, v->cfg.pid, &p, &state);
    if (r <= 0) return r;
    if (v->root_start && p.start != v->root_start) return 0; /* its pid, another process */
    if (!mp__grow((void **)&v->cur.p, &v->cur.cap, 1, sizeof p)) return -1;
    v->cur.p[v->cur.n++] = p;
    if (!mp__vitals_members(v, now, &n, &known)) return -1;
    for (i = 1; i < n; i++) {
        const mp__vproc *was;
        if (v->queue[i] == v->cfg.pid) continue;
        if ((r = mp__vitals_read_proc(v, v->queue[i], &p, &state)) < 0) return -1;
        if (r == 0) continue;
        if (known && (!(was = mp__vitals_find(&v->prev, p.pid)) || was->start != p.start))
            continue;
        if (!mp__grow((void **)&v->cur.p, &v->cur.cap, v->cur.n + 1, sizeof p)) return -1;
        v->cur.p[v->cur.n++] = p;
    }
    qsort(v->cur.p + 1, v->cur.n - 1, sizeof p, mp__vitals_by_pid);
    /* a cycle made by pid reuse may have put one twice */
    for (i = n = 1; i < v->cur.n; i++)
        if (v->cur.p[i].pid != v->cur.p[n - 1].pid) v->cur.p[n++] = v->cur.p[i];
    v->cur.n = n;
    return 1;
}

static uint64_t mp__vitals_delta(uint64_t now, uint64_t was) { return now > was ? now - was : 0; }

static void mp__vitals_swap(mp_vitals *v)
{
    mp__vlist t = v->prev;
    v->prev = v->cur;
    v->cur = t;
}

/* Reads the tree and appends a sample. 1: taken; 0: the process has ended; -1: no memory. */
static int mp__vitals_take(mp_vitals *v, double now)
{
    mp_vitals_sample s;
    const mp__vproc *root, *was;
    mp__vproc none; /* a process new since the last sample: counted from 0 */
    double pct;
    uint64_t main_now;
    size_t i;
    int r = mp__vitals_read_tree(v, now);
    if (r <= 0) return r;
    main_now = mp__vitals_main_ticks(v, v->cfg.pid, v->main_prev);
    memset(&s, 0, sizeof s);
    s.t = now;
    s.interval = now - v->t_prev;
    pct = s.interval > 0 ? 100.0 / (v->ticks * s.interval) : 0;
    root = &v->cur.p[0];
    was = &v->prev.p[0];
    s.cpu_user = (double)mp__vitals_delta(root->utime, was->utime) * pct;
    s.cpu_sys = (double)mp__vitals_delta(root->stime, was->stime) * pct;
    s.cpu_main = (double)mp__vitals_delta(main_now, v->main_prev) * pct;
    s.rss_bytes = (uint64_t)((double)root->rss_pages * v->page);
    s.threads = root->threads;
    s.fds = root->fds;
    s.ctx_voluntary = mp__vitals_delta(root->nvcsw, was->nvcsw);
    s.ctx_involuntary = mp__vitals_delta(root->nivcsw, was->nivcsw);
    s.processes = (int)v->cur.n;
    memset(&none, 0, sizeof none);
    for (i = 0; i < v->cur.n; i++) {
        const mp__vproc *p = &v->cur.p[i];
        const mp__vproc *q = i == 0 ? was : mp__vitals_find(&v->prev, p->pid);
        if (!q || q->start != p->start) q = &none;
        s.tree_cpu_user += (double)mp__vitals_delta(p->utime, q->utime) * pct;
        s.tree_cpu_sys += (double)mp__vitals_delta(p->stime, q->stime) * pct;
        s.tree_rss_bytes += (uint64_t)((double)p->rss_pages * v->page);
        s.tree_threads += p->threads;
        if (p->fds > 0) s.tree_fds += p->fds;
        s.tree_ctx_voluntary += mp__vitals_delta(p->nvcsw, q->nvcsw);
        s.tree_ctx_involuntary += mp__vitals_delta(p->nivcsw, q->nivcsw);
    }
    s.has_node = v->has_node;
    s.node_fresh = v->node_fresh;
    s.node = v->node;
    v->node_fresh = 0;
    v->main_prev = main_now;
    v->t_prev = now;
    mp__vitals_swap(v);
    pthread_mutex_lock(&v->mu);
    if (!mp__grow((void **)&v->samples, &v->cap, v->count + 1, sizeof s)) {
        pthread_mutex_unlock(&v->mu);
        return -1;
    }
    v->samples[v->count++] = s;
    v->st.samples = v->count;
    pthread_mutex_unlock(&v->mu);
    return 1;
}

/* ---- vitals: the preload's pipe ---------------------------------------------------------- */

static void mp__vitals_bad_line(mp_vitals *v)
{
    pthread_mutex_lock(&v->mu);
    v->st.bad_lines++;
    pthread_mutex_unlock(&v->mu);
}

/* 0: no memory. */
static int mp__vitals_take_line(mp_vitals *v, const char *s, size_t n)
{
    mp_vitals_line line;
    int ok = 1;
    if (mp_vitals_parse_line(s, n, &line, NULL) != MP_OK) {
        mp__vitals_bad_line(v);
        return 1;
    }
    if (line.kind == MP_VITALS_LINE_SAMPLE) {
        v->node = line.sample;
        v->has_node = v->node_fresh = 1;
    }
    pthread_mutex_lock(&v->mu);
    if (line.kind == MP_VITALS_LINE_MARK) {
        ok = mp__grow((void **)&v->marks, &v->mcap, v->nmarks + 1, sizeof *v->marks);
        if (ok) v->marks[v->nmarks++] = line.mark;
        v->st.marks = v->nmarks;
    }
    if (ok) v->st.node_lines++;
    pthread_mutex_unlock(&v->mu);
    return ok;
}

/* Takes the complete lines in v->line and keeps the rest for the next read. 0: no memory. */
static int mp__vitals_lines(mp_vitals *v)
{
    size_t at = 0;
    const char *nl;
    while ((nl = (const char *)memchr(v->line + at, '\n', v->line_len - at)) != NULL) {
        size_t len = (size_t)(nl - (v->line + at));
        if (v->line_skip) v->line_skip = 0; /* the end of a line counted as bad already */
        else if (!mp__vitals_take_line(v, v->line + at, len)) return 0;
        at += len + 1;
    }
    memmove(v->line, v->line + at, v->line_len - at);
    v->line_len -= at;
    if (v->line_len > MP__VITALS_LINE_MAX) {
        if (!v->line_skip) mp__vitals_bad_line(v);
        v->line_skip = 1;
        v->line_len = 0;
    }
    return 1;
}

/* One read of the pipe, which poll said is readable (so it does not block even if the
   caller's descriptor is a blocking one). 0: no memory. */
static int mp__vitals_read_pipe(mp_vitals *v)
{
    ssize_t got;
    if (!mp__grow((void **)&v->line, &v->line_cap, v->line_len + 4096, 1)) return 0;
    do got = read(v->read_fd, v->line + v->line_len, v->line_cap - v->line_len);
    while (got < 0 && errno == EINTR);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 1;
    if (got <= 0) { /* the end, or an error that will not go away */
        if (v->line_len && !v->line_skip) mp__vitals_bad_line(v); /* cut off */
        v->line_len = 0;
        mp__close(&v->read_fd);
        pthread_mutex_lock(&v->mu);
        v->st.pipe_closed = 1;
        pthread_mutex_unlock(&v->mu);
        return 1;
    }
    v->line_len += (size_t)got;
    return mp__vitals_lines(v);
}

/* What the preload wrote before the end: read while there is something. */
static int mp__vitals_drain(mp_vitals *v)
{
    while (v->read_fd >= 0) {
        struct pollfd pf;
        pf.fd = v->read_fd;
        pf.events = POLLIN;
        if (poll(&pf, 1, 0) <= 0 || !pf.revents) return 1;
        if (!mp__vitals_read_pipe(v)) return 0;
    }
    return 1;
}

/* ---- vitals: the sampler ----------------------------------------------------------------- */

static void *mp__vitals_main(void *arg)
{
    mp_vitals *v = (mp_vitals *)arg;
    double next = v->t_prev + v->cfg.interval, now = v->t_prev;
    int r = 1;
    for (;;) {
        struct pollfd pf[2];
        nfds_t nfds = 1;
        double wait;
        now = mp_time_now();
        if (now >= next) {
            if ((r = mp__vitals_take(v, now)) <= 0) break;
            next += v->cfg.interval;
            if (next <= now) next = now + v->cfg.interval; /* fell behind: no burst to catch up */
            continue;
        }
        pf[0].fd = v->wake[0];
        pf[0].events = POLLIN;
        pf[0].revents = 0;
        if (v->read_fd >= 0) {
            pf[1].fd = v->read_fd;
            pf[1].events = POLLIN;
            pf[1].revents = 0;
            nfds = 2;
        }
        wait = ceil((next - now) * 1000);
        if (poll(pf, nfds, (int)wait) < 0) continue;
        if (pf[0].revents) break; /* mp_vitals_stop */
        if (nfds == 2 && pf[1].revents && !mp__vitals_read_pipe(v)) {
            r = -1;
            break;
        }
    }
    if (r >= 0 && !mp__vitals_drain(v)) r = -1;
    pthread_mutex_lock(&v->mu);
    v->st.running = 0;
    if (r == 0) {
        v->st.ended = 1;
        v->st.ended_at = now;
    } else if (r < 0) {
        v->st.error = mp__nomem(&v->error);
    }
    pthread_mutex_unlock(&v->mu);
    return NULL;
}

static void mp__vitals_destroy(mp_vitals *v)
{
    mp__close(&v->read_fd);
    mp__close(&v->wake[0]);
    mp__close(&v->wake[1]);
    pthread_mutex_destroy(&v->mu);
    MP_FREE(v->samples);
    MP_FREE(v->marks);
    MP_FREE(v->io);
    MP_FREE(v->line);
    MP_FREE(v->prev.p);
    MP_FREE(v->cur.p);
    MP_FREE(v->all.p);
    MP_FREE(v->queue);
    MP_FREE(v);
}

/* cfg with its defaults filled in. */
static mp_vitals_config mp__vitals_defaults(const mp_vitals_config *cfg)
{
    mp_vitals_config c = *cfg;
    if (c.interval == 0) c.interval = 0.1;
    if (c.rescan == 0) c.rescan = 1;
    return c;
}

MP__DEF mp_err mp_vitals_config_check(const mp_vitals_config *cfg, mp_error *err)
{
    mp_vitals_config c = mp__vitals_defaults(cfg);
    if (c.pid <= 0) return mp__fail(err, MP_ERR_INVALID_ARG, 0, "vitals: pid %d", c.pid);
    if (!(c.interval >= 0.001 && c.interval <= 3600))
        return mp__fail(err, MP_ERR_INVALID_ARG, 0,
                        "vitals: interval must be 0.001 to 3600 seconds");
    if (!(c.rescan > 0 && c.rescan <= 3600))
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "vitals: rescan must be 0 to 3600 seconds");
    return MP_OK;
}

MP__DEF mp_err mp_vitals_start(const mp_vitals_config *cfg, mp_vitals **out, mp_error *err)
{
    char path[64];
    mp_vitals *v;
    mp_err rc;
    sigset_t all, old;
    int r, e;
    *out = NULL;
    if (!cfg) return mp__fail(err, MP_ERR_INVALID_ARG, 0, "vitals: no configuration");
    if (!(v = (mp_vitals *)MP_MALLOC(sizeof *v))) return mp__nomem(err);
    memset(v, 0, sizeof *v);
    v->read_fd = v->wake[0] = v->wake[1] = -1;
    if (pthread_mutex_init(&v->mu, NULL) != 0) {
        MP_FREE(v);
        return mp__nomem(err);
    }
    if ((rc = mp_vitals_config_check(cfg, err)) != MP_OK) goto fail;
    v->cfg = mp__vitals_defaults(cfg);
    if (pipe(v->wake) != 0) {
        rc = mp__fail_errno(err, errno, "pipe", NULL);
        goto fail;
    }
    fcntl(v->wake[0], F_SETFD, FD_CLOEXEC);
    fcntl(v->wake[1], F_SETFD, FD_CLOEXEC);
    if (cfg->read_fd > 0 && (v->read_fd = fcntl(cfg->read_fd, F_DUPFD_CLOEXEC, 3)) < 0) {
        rc = mp__fail(err, MP_ERR_INVALID_ARG, errno, "vitals: read_fd %d: %s", cfg->read_fd,
                      strerror(errno));
        goto fail;
    }
    v->ticks = (double)sysconf(_SC_CLK_TCK);
    v->page = (double)sysconf(_SC_PAGESIZE);
    if (v->ticks <= 0) v->ticks = 100;
    if (v->page <= 0) v->page = 4096;
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", v->cfg.pid, v->cfg.pid);
    v->children_files = access(path, F_OK) == 0;
    v->node.t = v->node.eld_p50_ms = v->node.eld_p99_ms = v->node.eld_max_ms = NAN;
    v->node.heap_used_bytes = v->node.heap_total_bytes = v->node.active_handles = NAN;
    v->t_prev = mp_time_now();
    if ((r = mp__vitals_read_tree(v, v->t_prev)) <= 0) {
        char state = '?';
        mp__vproc p;
        if (r < 0) { rc = mp__nomem(err); goto fail; }
        rc = mp__vitals_read_proc(v, v->cfg.pid, &p, &state) == 0 && state == 'Z'
                 ? mp__fail(err, MP_ERR_CHILD_EXITED, 0, "vitals: process %d has ended",
                            v->cfg.pid)
                 : mp__fail(err, MP_ERR_NOT_FOUND, ESRCH, "vitals: no process %d", v->cfg.pid);
        goto fail;
    }
    v->root_start = v->cur.p[0].start;
    v->main_prev = mp__vitals_main_ticks(v, v->cfg.pid, 0);
    mp__vitals_swap(v);
    v->st.running = 1;
    /* Signals stay with the caller's threads, so that a Ctrl+C interrupts their calls. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    e = pthread_create(&v->tid, NULL, mp__vitals_main, v);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e) {
        rc = mp__fail_errno(err, e, "pthread_create", NULL);
        goto fail;
    }
    v->started = 1;
    *out = v;
    return MP_OK;
fail:
    mp__vitals_destroy(v);
    return rc;
}

MP__DEF mp_err mp_vitals_stop(mp_vitals *v, mp_error *err)
{
    mp_err rc;
    if (v->started && !v->joined) {
        char byte = 1;
        while (write(v->wake[1], &byte, 1) < 0 && errno == EINTR) {}
        pthread_join(v->tid, NULL);
        v->joined = 1;
    }
    pthread_mutex_lock(&v->mu);
    rc = v->st.error;
    if (rc != MP_OK && err) *err = v->error;
    pthread_mutex_unlock(&v->mu);
    return rc;
}

MP__DEF size_t mp_vitals_count(mp_vitals *v)
{
    size_t n;
    pthread_mutex_lock(&v->mu);
    n = v->count;
    pthread_mutex_unlock(&v->mu);
    return n;
}

MP__DEF mp_err mp_vitals_at(mp_vitals *v, size_t i, mp_vitals_sample *out, mp_error *err)
{
    size_t n;
    pthread_mutex_lock(&v->mu);
    n = v->count;
    if (i < n) *out = v->samples[i];
    pthread_mutex_unlock(&v->mu);
    if (i >= n)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "vitals: sample %zu of %zu", i, n);
    return MP_OK;
}

MP__DEF size_t mp_vitals_mark_count(mp_vitals *v)
{
    size_t n;
    pthread_mutex_lock(&v->mu);
    n = v->nmarks;
    pthread_mutex_unlock(&v->mu);
    return n;
}

MP__DEF mp_err mp_vitals_mark_at(mp_vitals *v, size_t i, mp_vitals_mark *out, mp_error *err)
{
    size_t n;
    pthread_mutex_lock(&v->mu);
    n = v->nmarks;
    if (i < n) *out = v->marks[i];
    pthread_mutex_unlock(&v->mu);
    if (i >= n) return mp__fail(err, MP_ERR_INVALID_ARG, 0, "vitals: mark %zu of %zu", i, n);
    return MP_OK;
}

MP__DEF void mp_vitals_status_get(mp_vitals *v, mp_vitals_status *out)
{
    pthread_mutex_lock(&v->mu);
    *out = v->st;
    pthread_mutex_unlock(&v->mu);
}

MP__DEF void mp_vitals_free(mp_vitals *v)
{
    if (!v) return;
    mp_vitals_stop(v, NULL);
    mp__vitals_destroy(v);
}

MP__DEF mp_err mp_vitals_pipe(int fds[2], mp_error *err)
{
    int i;
    if (pipe(fds) != 0) return mp__fail_errno(err, errno, "pipe", NULL);
    for (i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
    }
    return MP_OK;
}

/* The preload's source (`medprof.write_preload(path)` writes it out to read). No "??" in
   it: under -std=c11 that would start a trigraph. */
static const char mp__vitals_js[] =
    "// medprof's vitals preload, for `node --require FILE` (medprof.h, VITALS). Every 100 ms it\n"
    "// writes one line to the descriptor named in MEDPROF_VITALS_FD; without it, it does nothing.\n"
    "// It must never change what the server does: its timer is unref'd (it never keeps node\n"
    "// alive), it throws nothing, and the pipe is non-blocking (a line it has no room for is\n"
    "// dropped, and any other error on it stops the preload for good).\n"
    "'use strict';\n"
    "(function medprofVitals() {\n"
    "  const fdText = process.env.MEDPROF_VITALS_FD;\n"
    "  if (fdText === undefined) return;\n"
    "  // The server's own children (cluster workers, scripts it runs) inherit the descriptor\n"
    "  // and this preload, but stay silent: one process writes.\n"
    "  delete process.env.MEDPROF_VITALS_FD;\n"
    "  const fd = Number(fdText);\n"
    "  if (!Number.isInteger(fd) || fd < 3) return;\n"
    "  let fs, perfHooks, v8;\n"
    "  try {\n"
    "    fs = require('fs');\n"
    "    perfHooks = require('perf_hooks');\n"
    "    v8 = require('v8');\n"
    "  } catch (e) {\n"
    "    return;\n"
    "  }\n"
    "  let open = true;\n"
    "  const send = (line) => {\n"
    "    try {\n"
    "      fs.writeSync(fd, line);\n"
    "    } catch (e) {\n"
    "      if (!e || e.code !== 'EAGAIN') open = false;\n"
    "    }\n"
    "    return open;\n"
    "  };\n"
    "  const now = process.hrtime.bigint;\n"
    "  // The marker: a fresh function, created and run between t0 and t1, which V8's log\n"
    "  // (node --prof) records as a code-creation event with this name on its own clock.\n"
    "  try {\n"
    "    const name = '" MP_TICK_MARK_PREFIX "' + process.pid + '_1';\n"
    "    const t0 = now();\n"
    "    new Function('return function ' + name + '() { return 0; }')()();\n"
    "    const t1 = now();\n"
    "    if (!send('medprof-vitals 1 mark 1 ' + t0 + ' ' + t1 + '\\n')) return;\n"
    "  } catch (e) {\n"
    "    // code generation from strings is disallowed: no marker\n"
    "  }\n"
    "  // The monitor's timer fires every RES ms and records the time between two firings: the\n"
    "  // RES it waits on purpose is taken off, leaving how late the loop let it run.\n"
    "  const RES = 10;\n"
    "  let eld = null;\n"
    "  try {\n"
    "    eld = perfHooks.monitorEventLoopDelay({ resolution: RES });\n"
    "    eld.enable();\n"
    "  } catch (e) {\n"
    "    eld = null;\n"
    "  }\n"
    "  const late = (ns) => Math.max(0, ns / 1e6 - RES).toFixed(3);\n"
    "  const handles = typeof process.getActiveResourcesInfo === 'function'\n"
    "    ? () => String(process.getActiveResourcesInfo().length) : () => '-';\n"
    "  // The line is written one monitor period after the 100 ms timer fires: right after a\n"
    "  // callback that blocked the loop (the timer's own list may hold one) the monitor has not\n"
    "  // yet fired to record the block, and a reset then would lose it, as it forgets the\n"
    "  // previous firing too.\n"
    "  let timer = null;\n"
    "  const stop = () => {\n"
    "    clearInterval(timer);\n"
    "    if (eld) eld.disable();\n"
    "  };\n"
    "  const report = () => {\n"
    "    try {\n"
    "      let p50 = '-', p99 = '-', max = '-';\n"
    "      if (eld && eld.max > 0) {\n"
    "        p50 = late(eld.percentile(50));\n"
    "        p99 = late(eld.percentile(99));\n"
    "        max = late(eld.max);\n"
    "        eld.reset();\n"
    "      }\n"
    "      const heap = v8.getHeapStatistics();\n"
    "      if (send('medprof-vitals 1 sample ' + now() + ' ' + p50 + ' ' + p99 + ' ' + max + ' ' +\n"
    "               heap.used_heap_size + ' ' + heap.total_heap_size + ' ' + handles() + '\\n')) return;\n"
    "    } catch (e) {\n"
    "      // fall through: stop\n"
    "    }\n"
    "    stop();\n"
    "  };\n"
    "  timer = setInterval(() => {\n"
    "    try {\n"
    "      setTimeout(report, RES + 1).unref();\n"
    "    } catch (e) {\n"
    "      stop();\n"
    "    }\n"
    "  }, 100);\n"
    "  timer.unref();\n"
    "})();\n";

MP__DEF const char *mp_vitals_preload_js(void) { return mp__vitals_js; }

MP__DEF mp_err mp_vitals_write_preload(const char *path, mp_error *err)
{
    size_t n = sizeof mp__vitals_js - 1, off = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return mp__fail_errno(err, errno, "cannot write the preload", path);
    while (off < n) {
        ssize_t w = write(fd, mp__vitals_js + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            int e = errno;
            close(fd);
            return mp__fail_errno(err, e, "cannot write the preload", path);
        }
        off += (size_t)w;
    }
    if (close(fd) != 0) return mp__fail_errno(err, errno, "cannot write the preload", path);
    return MP_OK;
}

/* ============================================================================================
   SYMBOLS implementation
   ============================================================================================

   What node's tick processor learns from `nm -C -n -S` and `nm -C -n -S -D`, read from the ELF
   file itself: for each table, the symbols nm would print with the letter t, T, w or W and an
   address, in nm's order (address, then name, then table index, as glibc's stable qsort
   leaves them), named as nm -C names them. Placement and V8's addEntry rules then run over
   that stream exactly as tickprocessor.mjs runs over nm's output. */

/* ---- little-endian fields, read at checked offsets ---------------------------------------- */

static uint16_t mp__le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t mp__le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t mp__le64(const unsigned char *p)
{
    return (uint64_t)mp__le32(p) | (uint64_t)mp__le32(p + 4) << 32;
}

/* [off, off+len) lies inside a buffer of size bytes, without overflow. */
static int mp__in_bounds(uint64_t off, uint64_t len, uint64_t size)
{
    return off <= size && len <= size - off;
}

/* ---- types ----------------------------------------------------------------------------------- */

/* One symbol nm would print with t, T, w or W. */
typedef struct mp__esym {
    uint64_t vma, size;  /* size 0: nm prints none, V8 takes the end from the next symbol */
    const char *raw;     /* the name; dynamic ones carry "@@VERSION" */
    const char *shown;   /* as nm -C prints it; NULL until first needed */
    uint32_t keylen;     /* nm sorts by raw[0, keylen): the name without the version;
                            MP__WHOLE_NAME: all of raw (names in the mapped file are not
                            measured until two symbols share an address) */
    uint32_t index;      /* in its table: nm's order among equal addresses and names */
    char letter;
} mp__esym;

typedef struct mp__seg {
    uint64_t offset, vaddr, memsz;
    uint32_t flags;      /* PF_X 1, PF_W 2, PF_R 4 */
} mp__seg;

#define MP__WHOLE_NAME UINT32_MAX

typedef struct mp__symlib {
    char *path;
    void *map;           /* the file, mapped for as long as raw names point into it */
    size_t map_size;
    mp_err status;       /* a library that failed once is not read again */
    char *msg;
    int is_exec;         /* ET_EXEC: addresses are absolute; else relative to the load base */
    mp__seg *segs;
    size_t nsegs;
    mp__esym *syms;      /* .symtab's in nm order, then .dynsym's in nm -D order */
    size_t nsyms, nstatic;
    int unordered;       /* a symbols file listed a table out of address order */
    mp__arena names;
} mp__symlib;

typedef struct mp__symplace {
    mp__symlib *lib;
    uint64_t start, end, slide;
    mp_sym *syms;        /* a name stays NULL until asked for (mp__symplace_name) */
    mp__esym **src;      /* the symbol each entry came from */
    size_t n;
    int named;           /* every name is filled in */
} mp__symplace;

typedef char *(*mp__demangle_fn)(const char *, char *, size_t *, int *);

struct mp_symtab {
    mp__symlib **libs;
    size_t nlibs, caplibs;
    mp__symplace *places;
    size_t nplaces, capplaces;
    char *symbols_file;  /* set once a symbols file is loaded: local files are not used */
    void *cxx;           /* libstdc++, for __cxa_demangle */
    mp__demangle_fn demangle;
    int demangle_tried;
    char *warning;
};

/* ---- ELF reading ----------------------------------------------------------------------------- */

#define MP__SHT_SYMTAB 2u
#define MP__SHT_NOBITS 8u
#define MP__SHT_DYNSYM 11u
#define MP__SHT_SYMTAB_SHNDX 18u
#define MP__SHT_VERDEF 0x6ffffffdu
#define MP__SHT_VERNEED 0x6ffffffeu
#define MP__SHT_VERSYM 0x6fffffffu
#define MP__SHF_EXECINSTR 0x4u
#define MP__SHN_UNDEF 0u
#define MP__SHN_LORESERVE 0xff00u
#define MP__SHN_ABS 0xfff1u
#define MP__SHN_COMMON 0xfff2u
#define MP__SHN_XINDEX 0xffffu
#define MP__PT_LOAD 1u
#define MP__ELF_SHDR_SIZE 64u
#define MP__ELF_PHDR_SIZE 56u
#define MP__ELF_SYM_SIZE 24u

typedef struct mp__shdr {
    uint32_t name, type, link, info;
    uint64_t flags, addr, offset, size, entsize;
} mp__shdr;

typedef struct mp__elf {
    const char *path;
    const unsigned char *data;
    uint64_t size;
    uint16_t type, machine;
    uint64_t shoff, phoff;
    uint32_t shnum, phnum, shentsize, phentsize;
} mp__elf;

static mp_err mp__elf_bad(const mp__elf *e, mp_error *err, const char *what)
{
    return mp__fail(err, MP_ERR_PARSE, 0, "%s: malformed ELF file: %s", e->path, what);
}

static int mp__elf_shdr(const mp__elf *e, uint32_t i, mp__shdr *sh)
{
    const unsigned char *p;
    uint64_t off;
    if (i >= e->shnum) return 0;
    off = e->shoff + (uint64_t)i * e->shentsize;
    if (!mp__in_bounds(off, MP__ELF_SHDR_SIZE, e->size)) return 0;
    p = e->data + off;
    sh->name = mp__le32(p);
    sh->type = mp__le32(p + 4);
    sh->flags = mp__le64(p + 8);
    sh->addr = mp__le64(p + 16);
    sh->offset = mp__le64(p + 24);
    sh->size = mp__le64(p + 32);
    sh->link = mp__le32(p + 40);
    sh->info = mp__le32(p + 44);
    sh->entsize = mp__le64(p + 56);
    return 1;
}

/* The bytes of a section that has some in the file; NULL if it lies outside. */
static const unsigned char *mp__elf_section_data(const mp__elf *e, const mp__shdr *sh)
{
    if (sh->type == MP__SHT_NOBITS || !mp__in_bounds(sh->offset, sh->size, e->size)) return NULL;
    return e->data + sh->offset;
}

static mp_err mp__elf_header(mp__elf *e, mp_error *err)
{
    const unsigned char *h = e->data;
    uint16_t machine;
    if (e->size < 4 || memcmp(h, "\177ELF", 4) != 0)
        return mp__fail(err, MP_ERR_PARSE, 0, "%s: not an ELF file", e->path);
    if (e->size < 64) return mp__elf_bad(e, err, "truncated header");
    if (h[4] != 2) return mp__fail(err, MP_ERR_UNSUPPORTED, 0, "%s: 32-bit ELF is not supported", e->path);
    if (h[5] != 1)
        return mp__fail(err, MP_ERR_UNSUPPORTED, 0, "%s: big-endian ELF is not supported", e->path);
    e->type = mp__le16(h + 16);
    machine = e->machine = mp__le16(h + 18);
    if (machine != 62 && machine != 183) /* EM_X86_64, EM_AARCH64 */
        return mp__fail(err, MP_ERR_UNSUPPORTED, 0,
                        "%s: ELF machine %u is not supported (x86-64 and aarch64 are)", e->path,
                        (unsigned)machine);
    if (e->type != 2 && e->type != 3)
        return mp__fail(err, MP_ERR_UNSUPPORTED, 0,
                        "%s: ELF type %u is neither an executable nor a shared object", e->path,
                        (unsigned)e->type);
    e->phoff = mp__le64(h + 32);
    e->shoff = mp__le64(h + 40);
    e->phentsize = mp__le16(h + 54);
    e->phnum = mp__le16(h + 56);
    e->shentsize = mp__le16(h + 58);
    e->shnum = mp__le16(h + 60);
    if (e->shnum == 0 && e->shoff != 0) { /* more than 0xff00 sections: count in section 0 */
        mp__shdr s0;
        e->shnum = 1;
        e->shentsize = e->shentsize ? e->shentsize : MP__ELF_SHDR_SIZE;
        if (e->shentsize >= MP__ELF_SHDR_SIZE && mp__elf_shdr(e, 0, &s0))
            e->shnum = s0.size > 0xffffffu ? 0xffffffu : (uint32_t)s0.size;
    }
    if (e->shnum && (e->shentsize < MP__ELF_SHDR_SIZE ||
                     !mp__in_bounds(e->shoff, (uint64_t)e->shnum * e->shentsize, e->size)))
        return mp__elf_bad(e, err, "section headers outside the file");
    if (e->phnum && (e->phentsize < MP__ELF_PHDR_SIZE ||
                     !mp__in_bounds(e->phoff, (uint64_t)e->phnum * e->phentsize, e->size)))
        return mp__elf_bad(e, err, "program headers outside the file");
    return MP_OK;
}

static mp_err mp__elf_segments(const mp__elf *e, mp__symlib *lib, mp_error *err)
{
    uint32_t i;
    lib->segs = (mp__seg *)MP_MALLOC((e->phnum ? e->phnum : 1) * sizeof *lib->segs);
    if (!lib->segs) return mp__nomem(err);
    for (i = 0; i < e->phnum; i++) {
        const unsigned char *p = e->data + e->phoff + (uint64_t)i * e->phentsize;
        mp__seg *s;
        if (mp__le32(p) != MP__PT_LOAD) continue;
        s = &lib->segs[lib->nsegs++];
        s->flags = mp__le32(p + 4);
        s->offset = mp__le64(p + 8);
        s->vaddr = mp__le64(p + 16);
        s->memsz = mp__le64(p + 40);
    }
    return MP_OK;
}

/* A NUL-terminated string at off in a string table; a name running off its end stops there
   (binutils terminates the table), an offset outside it reads "(null)" as bfd prints it. */
static const char *mp__elf_str(const unsigned char *tab, uint64_t tabsize, uint64_t off,
                               size_t *len)
{
    const char *s;
    if (!tab || off >= tabsize) { *len = 6; return "(null)"; }
    s = (const char *)tab + off;
    *len = strnlen(s, (size_t)(tabsize - off));
    return s;
}

/* Version names by index, as bfd's _bfd_elf_get_symbol_version_string needs them. */
typedef struct mp__elf_versions {
    int present;             /* .gnu.version and (.gnu.version_d or .gnu.version_r) */
    const unsigned char *versym;
    uint64_t nversym;
    const char **def;        /* by vd_ndx - 1; NULL where there is none */
    uint16_t *def_flags;
    uint32_t ndef;           /* bfd's cverdefs: the largest vd_ndx */
    const char **need;       /* by vna_other; NULL where there is none */
    uint32_t nneed;
} mp__elf_versions;

static void mp__elf_versions_free(mp__elf_versions *v)
{
    MP_FREE((void *)v->def);
    MP_FREE(v->def_flags);
    MP_FREE((void *)v->need);
}

/* Walks .gnu.version_d or _r: pass 1 finds the largest index, pass 2 fills names. Chains are
   followed at most sh_info times and only forwards inside the section, so loops end. */
static void mp__elf_walk_verdef(const mp__elf *e, const mp__shdr *sh, const unsigned char *str,
                                uint64_t strsize, mp__elf_versions *v, int fill)
{
    const unsigned char *d = mp__elf_section_data(e, sh);
    uint64_t off = 0, k;
    if (!d) return;
    for (k = 0; k < sh->info && mp__in_bounds(off, 20, sh->size); k++) {
        const unsigned char *p = d + off;
        uint32_t ndx = mp__le16(p + 4) & 0x7fffu, aux = mp__le32(p + 12), next = mp__le32(p + 16);
        uint16_t cnt = mp__le16(p + 6);
        if (!fill) {
            if (ndx > v->ndef) v->ndef = ndx;
        } else if (ndx >= 1 && ndx <= v->ndef) {
            v->def_flags[ndx - 1] = mp__le16(p + 2);
            if (cnt && mp__in_bounds(off + aux, 8, sh->size)) {
                size_t len;
                v->def[ndx - 1] = mp__elf_str(str, strsize, mp__le32(d + off + aux), &len);
            }
        }
        if (next == 0) break;
        off += next;
    }
}

static void mp__elf_walk_verneed(const mp__elf *e, const mp__shdr *sh, const unsigned char *str,
                                 uint64_t strsize, mp__elf_versions *v, int fill)
{
    const unsigned char *d = mp__elf_section_data(e, sh);
    uint64_t off = 0, k;
    if (!d) return;
    for (k = 0; k < sh->info && mp__in_bounds(off, 16, sh->size); k++) {
        const unsigned char *p = d + off;
        uint32_t cnt = mp__le16(p + 2), next = mp__le32(p + 12), j;
        uint64_t aoff = off + mp__le32(p + 8);
        for (j = 0; j < cnt && mp__in_bounds(aoff, 16, sh->size); j++) {
            const unsigned char *a = d + aoff;
            uint32_t other = mp__le16(a + 6) & 0x7fffu, anext = mp__le32(a + 12);
            if (!fill) {
                if (other + 1 > v->nneed) v->nneed = other + 1;
            } else if (other < v->nneed && !v->need[other]) {
                size_t len;
                v->need[other] = mp__elf_str(str, strsize, mp__le32(a + 8), &len);
            }
            if (anext == 0) break;
            aoff += anext;
        }
        if (next == 0) break;
        off += next;
    }
}

static mp_err mp__elf_versions_read(const mp__elf *e, uint32_t dynsym_index, mp__elf_versions *v,
                                    mp_error *err)
{
    mp__shdr sh, vs, vd, vn, str;
    int have_vs = 0, have_vd = 0, have_vn = 0;
    const unsigned char *vdstr = NULL, *vnstr = NULL;
    uint64_t vdstrsize = 0, vnstrsize = 0;
    uint32_t i;
    memset(v, 0, sizeof *v);
    memset(&vs, 0, sizeof vs);
    memset(&vd, 0, sizeof vd);
    memset(&vn, 0, sizeof vn);
    for (i = 0; i < e->shnum; i++) {
        if (!mp__elf_shdr(e, i, &sh)) continue;
        if (sh.type == MP__SHT_VERSYM && !have_vs && sh.link == dynsym_index) { vs = sh; have_vs = 1; }
        if (sh.type == MP__SHT_VERDEF && !have_vd) { vd = sh; have_vd = 1; }
        if (sh.type == MP__SHT_VERNEED && !have_vn) { vn = sh; have_vn = 1; }
    }
    if (!have_vs || !(have_vd || have_vn)) return MP_OK;
    v->present = 1;
    v->versym = mp__elf_section_data(e, &vs);
    v->nversym = v->versym ? vs.size / 2 : 0;
    if (have_vd && mp__elf_shdr(e, vd.link, &str)) {
        vdstr = mp__elf_section_data(e, &str);
        vdstrsize = vdstr ? str.size : 0;
    }
    if (have_vn && mp__elf_shdr(e, vn.link, &str)) {
        vnstr = mp__elf_section_data(e, &str);
        vnstrsize = vnstr ? str.size : 0;
    }
    if (have_vd) mp__elf_walk_verdef(e, &vd, vdstr, vdstrsize, v, 0);
    if (have_vn) mp__elf_walk_verneed(e, &vn, vnstr, vnstrsize, v, 0);
    if (v->ndef) {
        v->def = (const char **)MP_MALLOC(v->ndef * sizeof *v->def);
        v->def_flags = (uint16_t *)MP_MALLOC(v->ndef * sizeof *v->def_flags);
        if (!v->def || !v->def_flags) return mp__nomem(err);
        memset((void *)v->def, 0, v->ndef * sizeof *v->def);
        memset(v->def_flags, 0, v->ndef * sizeof *v->def_flags);
        mp__elf_walk_verdef(e, &vd, vdstr, vdstrsize, v, 1);
    }
    if (v->nneed) {
        v->need = (const char **)MP_MALLOC(v->nneed * sizeof *v->need);
        if (!v->need) return mp__nomem(err);
        memset((void *)v->need, 0, v->nneed * sizeof *v->need);
        mp__elf_walk_verneed(e, &vn, vnstr, vnstrsize, v, 1);
    }
    return MP_OK;
}

/* The "@@VERSION" or "@VERSION" nm -D appends to a defined dynamic symbol, or NULL. */
static const char *mp__elf_version(const mp__elf_versions *v, uint64_t index, const char *name,
                                   int *hidden)
{
    uint32_t vernum;
    const char *s;
    if (!v->present) return NULL;
    vernum = index < v->nversym ? mp__le16(v->versym + 2 * index) : 0;
    *hidden = (vernum & 0x8000u) != 0;
    vernum &= 0x7fffu;
    if (vernum == 0) return NULL;
    if (vernum == 1 && (vernum > v->ndef || v->def_flags[0] == 1 /* VER_FLG_BASE */)) return NULL;
    if (vernum <= v->ndef) {
        s = v->def[vernum - 1];
        return s && strcmp(s, name) != 0 ? s : NULL;
    }
    if (vernum < v->nneed && v->need[vernum]) {
        *hidden = 1;
        return v->need[vernum];
    }
    return "<corrupt>";
}

/* nm's letter for a symbol (bfd_decode_symclass), or 0 when nm would not print it with an
   address: undefined, debugging (section, file) and common symbols. */
static char mp__elf_letter(unsigned info, uint32_t shndx, int exec_section)
{
    unsigned type = info & 0xfu, bind = info >> 4;
    char c;
    if (type == 3 || type == 4) return 0;                       /* STT_SECTION, STT_FILE */
    if (shndx == MP__SHN_UNDEF || shndx == MP__SHN_COMMON) return 0;
    if (type == 10) return 'i';                                  /* STT_GNU_IFUNC */
    if (bind == 2) return (type == 1 || type == 5) ? 'V' : 'W';  /* STB_WEAK; OBJECT, COMMON */
    if (bind == 10) return 'u';                                  /* STB_GNU_UNIQUE */
    if (bind != 0 && bind != 1) return '?';
    if (shndx == MP__SHN_ABS) c = 'a';
    else c = exec_section ? 't' : 'd'; /* only t/T matter to V8; the rest are not told apart */
    return bind == 1 ? (char)(c - 'a' + 'A') : c;
}

/* AArch64's mapping symbols ("$x", "$d", "$x.42"): nm hides them as target-special. */
static int mp__aarch64_mapping_symbol(const char *name)
{
    return name[0] == '$' && (name[1] == 'x' || name[1] == 'd') && (name[2] == '\0' || name[2] == '.');
}

static int mp__esym_nm_order(const void *pa, const void *pb)
{
    const mp__esym *a = (const mp__esym *)pa, *b = (const mp__esym *)pb;
    size_t al, bl;
    int c;
    if (a->vma != b->vma) return a->vma < b->vma ? -1 : 1;
    al = a->keylen == MP__WHOLE_NAME ? strlen(a->raw) : a->keylen;
    bl = b->keylen == MP__WHOLE_NAME ? strlen(b->raw) : b->keylen;
    c = memcmp(a->raw, b->raw, al < bl ? al : bl);
    if (c) return c;
    if (al != bl) return al < bl ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

typedef struct mp__vkey {
    uint64_t vma;
    uint32_t at;
} mp__vkey;

/* Names compared by nm's order need their lengths. */
static void mp__esym_measure(mp__esym *v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (v[i].keylen == MP__WHOLE_NAME) {
            size_t len = strlen(v[i].raw);
            if (len < MP__WHOLE_NAME) v[i].keylen = (uint32_t)len;
        }
}

/* v[i] = v[k[i].at] for all i, in place, one cycle of the permutation at a time: a sorted
   copy of the table would be as many fresh pages again, and fresh pages are most of what
   reading a table costs. */
static void mp__esym_permute(mp__esym *v, mp__vkey *k, size_t n)
{
    size_t i, j, from;
    for (i = 0; i < n; i++) {
        mp__esym x;
        if (k[i].at == i) continue;
        x = v[i];
        for (j = i; (from = k[j].at) != i; j = from) {
            v[j] = v[from];
            k[j].at = (uint32_t)j;
        }
        v[j] = x;
        k[j].at = (uint32_t)j;
    }
}

/* Sorts v[0, n) into nm's order. A table is in no order (a compilation unit's locals, then
   the globals), and qsort of node's 150,000 symbols was a third of reading them: instead a
   stable radix sort by address (bytes all keys share are skipped), then each run of equal
   addresses (aliases) by name. Without memory for the scratch arrays, qsort does it. */
static void mp__esym_sort(mp__esym *v, size_t n)
{
    mp__vkey *k = (mp__vkey *)MP_MALLOC(n * sizeof *k), *tmp = (mp__vkey *)MP_MALLOC(n * sizeof *tmp);
    size_t i, j, shift;
    if (!k || !tmp) {
        MP_FREE(k);
        MP_FREE(tmp);
        qsort(v, n, sizeof *v, mp__esym_nm_order);
        return;
    }
    for (i = 0; i < n; i++) {
        k[i].vma = v[i].vma;
        k[i].at = (uint32_t)i;
    }
    for (shift = 0; shift < 64; shift += 8) {
        size_t count[256], sum = 0;
        mp__vkey *swap;
        memset(count, 0, sizeof count);
        for (i = 0; i < n; i++) count[(k[i].vma >> shift) & 0xFF]++;
        if (count[(k[0].vma >> shift) & 0xFF] == n) continue; /* one value: nothing moves */
        for (i = 0; i < 256; i++) {
            size_t c = count[i];
            count[i] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++) tmp[count[(k[i].vma >> shift) & 0xFF]++] = k[i];
        swap = k;
        k = tmp;
        tmp = swap;
    }
    MP_FREE(tmp);
    mp__esym_permute(v, k, n);
    MP_FREE(k);
    for (i = 0; i < n; i = j) { /* aliases: few, so insertion sort */
        for (j = i + 1; j < n && v[j].vma == v[i].vma; j++) {}
        if (j - i > 1) mp__esym_measure(v + i, j - i);
        for (j = i + 1; j < n && v[j].vma == v[i].vma; j++) {
            size_t m = j;
            mp__esym x = v[j];
            while (m > i && mp__esym_nm_order(&v[m - 1], &x) > 0) {
                v[m] = v[m - 1];
                m--;
            }
            v[m] = x;
        }
    }
}

static mp_err mp__symlib_grow(mp__symlib *lib, size_t more, size_t *cap, mp_error *err)
{
    size_t need = lib->nsyms + more;
    if (need < more) return mp__nomem(err);
    /* a table's symbols come in thousands: no need to start at 16 */
    return mp__grow((void **)&lib->syms, cap, need > 1024 ? need : 1024, sizeof *lib->syms)
               ? MP_OK : mp__nomem(err);
}

/* Whether section shndx is executable; flags are looked up once per section. */
static int mp__elf_exec_section(const unsigned char *exec_map, uint32_t nsec, uint32_t shndx)
{
    return shndx < nsec && exec_map[shndx];
}

/* The index of the first section of this type (its header in *sh), e->shnum if none: nm
   reads the first symbol table of each kind. */
static uint32_t mp__elf_find_table(const mp__elf *e, uint32_t table_type, mp__shdr *sh)
{
    uint32_t i;
    for (i = 0; i < e->shnum; i++)
        if (mp__elf_shdr(e, i, sh) && sh->type == table_type) break;
    return i;
}

/* Appends the t/T/w/W symbols of one table (SHT_SYMTAB or SHT_DYNSYM) in nm's order. */
static mp_err mp__elf_table(const mp__elf *e, uint32_t table_type, const unsigned char *exec_map,
                            mp__symlib *lib, size_t *cap, mp_error *err)
{
    mp__shdr sh, strsh, xsh;
    const unsigned char *syms, *str = NULL, *xindex = NULL;
    uint64_t strsize = 0, nsyms, i, nxindex = 0;
    uint32_t tab = mp__elf_find_table(e, table_type, &sh), k;
    size_t first = lib->nsyms;
    mp__elf_versions ver;
    mp_err rc = MP_OK;
    int terminated; /* the table ends in a NUL: each of its names ends within it */
    if (tab == e->shnum) return MP_OK; /* nm: "no symbols" */
    if (sh.entsize != MP__ELF_SYM_SIZE) return mp__elf_bad(e, err, "symbol table entry size");
    syms = mp__elf_section_data(e, &sh);
    if (!syms) return mp__elf_bad(e, err, "symbol table outside the file");
    if (mp__elf_shdr(e, sh.link, &strsh)) {
        str = mp__elf_section_data(e, &strsh);
        strsize = str ? strsh.size : 0;
    }
    terminated = strsize > 0 && str[strsize - 1] == '\0';
    for (k = 0; k < e->shnum; k++) {
        if (mp__elf_shdr(e, k, &xsh) && xsh.type == MP__SHT_SYMTAB_SHNDX && xsh.link == tab) {
            xindex = mp__elf_section_data(e, &xsh);
            nxindex = xindex ? xsh.size / 4 : 0;
            break;
        }
    }
    rc = table_type == MP__SHT_DYNSYM ? mp__elf_versions_read(e, tab, &ver, err)
                                      : (memset(&ver, 0, sizeof ver), MP_OK);
    if (rc != MP_OK) goto done;
    nsyms = sh.size / MP__ELF_SYM_SIZE;
    for (i = 1; i < nsyms; i++) { /* entry 0 is the null symbol */
        const unsigned char *p = syms + i * MP__ELF_SYM_SIZE;
        uint32_t shndx = mp__le16(p + 6);
        unsigned info = p[4];
        const char *name, *version = NULL;
        size_t len = 0;
        int hidden = 0, in_map;
        char letter;
        mp__esym *s;
        if (shndx == MP__SHN_XINDEX)
            shndx = i < nxindex ? mp__le32(xindex + 4 * i) : MP__SHN_ABS;
        else if (shndx >= MP__SHN_LORESERVE && shndx != MP__SHN_ABS && shndx != MP__SHN_COMMON)
            shndx = MP__SHN_ABS;
        letter = mp__elf_letter(info, shndx, mp__elf_exec_section(exec_map, e->shnum, shndx));
        if (letter != 't' && letter != 'T' && letter != 'w' && letter != 'W') continue;
        in_map = terminated && mp__le32(p) < strsize;
        if (in_map) name = (const char *)str + mp__le32(p); /* measured when needed */
        else name = mp__elf_str(str, strsize, mp__le32(p), &len);
        if (e->machine == 183 && mp__aarch64_mapping_symbol(name)) continue;
        if (table_type == MP__SHT_DYNSYM) version = mp__elf_version(&ver, i, name, &hidden);
        if ((rc = mp__symlib_grow(lib, 1, cap, err)) != MP_OK) goto done;
        s = &lib->syms[lib->nsyms];
        if (in_map && !version) {
            s->raw = name; /* the file stays mapped until the library is freed */
            len = MP__WHOLE_NAME;
        } else if (version) {
            size_t vlen = strlen(version), at = hidden ? 1 : 2;
            char *full;
            if (in_map) len = strlen(name);
            full = mp__arena_alloc(&lib->names, len + at + vlen + 1);
            if (!full) { rc = mp__nomem(err); goto done; }
            memcpy(full, name, len);
            memcpy(full + len, "@@", at);
            memcpy(full + len + at, version, vlen + 1);
            s->raw = full;
        } else {
            s->raw = mp__arena_strndup(&lib->names, name, len);
            if (!s->raw) { rc = mp__nomem(err); goto done; }
        }
        s->vma = mp__le64(p + 8);
        s->size = mp__le64(p + 16);
        s->keylen = len >= MP__WHOLE_NAME ? MP__WHOLE_NAME : (uint32_t)len;
        s->shown = NULL;
        s->index = (uint32_t)i;
        s->letter = letter;
        lib->nsyms++;
    }
    if (lib->nsyms > first)
        mp__esym_sort(lib->syms + first, lib->nsyms - first);
done:
    mp__elf_versions_free(&ver);
    return rc;
}

/* How many entries the first table of this type has, 0 if none or not inside the file. */
static uint64_t mp__elf_table_size(const mp__elf *e, uint32_t table_type)
{
    mp__shdr sh;
    if (mp__elf_find_table(e, table_type, &sh) == e->shnum) return 0;
    return mp__elf_section_data(e, &sh) ? sh.size / MP__ELF_SYM_SIZE : 0;
}

static mp_err mp__elf_symbols(const mp__elf *e, mp__symlib *lib, mp_error *err)
{
    unsigned char *exec_map;
    size_t cap = 0;
    uint64_t most = mp__elf_table_size(e, MP__SHT_SYMTAB) + mp__elf_table_size(e, MP__SHT_DYNSYM);
    uint32_t i;
    mp_err rc;
    /* Room for both tables at once: growing by doubling copies into pages never touched
       before, and on a virtual machine a fresh page costs as much as sorting its symbols. */
    if (most > 0 && most < SIZE_MAX / sizeof *lib->syms &&
        (rc = mp__symlib_grow(lib, (size_t)most, &cap, err)) != MP_OK)
        return rc;
    exec_map = (unsigned char *)MP_MALLOC(e->shnum ? e->shnum : 1);
    if (!exec_map) return mp__nomem(err);
    for (i = 0; i < e->shnum; i++) {
        mp__shdr sh;
        exec_map[i] = (unsigned char)(mp__elf_shdr(e, i, &sh) && (sh.flags & MP__SHF_EXECINSTR));
    }
    rc = mp__elf_table(e, MP__SHT_SYMTAB, exec_map, lib, &cap, err);
    lib->nstatic = lib->nsyms;
    if (rc == MP_OK) rc = mp__elf_table(e, MP__SHT_DYNSYM, exec_map, lib, &cap, err);
    MP_FREE(exec_map);
    return rc;
}

static mp_err mp__elf_load(mp__symlib *lib, mp_error *err)
{
    mp__elf e;
    struct stat st;
    void *map;
    mp_err rc;
    int fd = open(lib->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return mp__fail_errno(err, errno, "cannot open", lib->path);
    if (fstat(fd, &st) != 0) {
        rc = mp__fail_errno(err, errno, "cannot stat", lib->path);
        close(fd);
        return rc;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return mp__fail(err, MP_ERR_IO, 0, "%s: not a regular file", lib->path);
    }
    if (st.st_size == 0) {
        close(fd);
        return mp__fail(err, MP_ERR_PARSE, 0, "%s: empty file, not an ELF file", lib->path);
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return mp__fail_errno(err, errno, "cannot map", lib->path);
    memset(&e, 0, sizeof e);
    e.path = lib->path;
    e.data = (const unsigned char *)map;
    e.size = (uint64_t)st.st_size;
    rc = mp__elf_header(&e, err);
    if (rc == MP_OK) {
        lib->is_exec = e.type == 2;
        rc = mp__elf_segments(&e, lib, err);
    }
    if (rc == MP_OK) rc = mp__elf_symbols(&e, lib, err);
    lib->map = map;
    lib->map_size = (size_t)st.st_size;
    return rc;
}

/* ---- names as nm -C prints them ------------------------------------------------------------ */

static void mp__symtab_load_demangler(mp_symtab *t)
{
    void *fn;
    t->demangle_tried = 1;
    t->cxx = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
    fn = t->cxx ? dlsym(t->cxx, "__cxa_demangle") : NULL;
    if (fn) {
        memcpy(&t->demangle, &fn, sizeof fn);
        return;
    }
    if (!t->warning) {
        const char *why = dlerror();
        mp_buf b = { NULL, 0, 0, 0 };
        mp_buf_printf(&b, "C++ names are not demangled: no __cxa_demangle (%s)",
                      why ? why : "libstdc++.so.6 not found");
        t->warning = mp_buf_take(&b);
    }
}

/* ---- Rust names, as nm -C prints them ------------------------------------------------------

   binutils reads a name as Rust's before it tries C++ (node 26 carries Rust code: Temporal,
   ICU4X). A legacy name, _ZN...17h<16 hex digits>E, is printed without its hash and any
   ".suffix" after the E (__cxa_demangle reads it as C++ and keeps the hash); a v0 name, _R...,
   is read here for plain paths only: crate roots and names in lowercase namespaces, the
   instantiating crate skipped. v0 generics, impls, closures, back-references and punycode
   names are left as written (nm would spell them out). */

typedef struct mp__rs {
    const char *s;
    size_t n, at;
    int bad;
} mp__rs;

static int mp__rs_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A length as Rust writes it: "0", or digits without a leading zero. */
static size_t mp__rs_decimal(mp__rs *r)
{
    size_t v = 0;
    if (r->at >= r->n || r->s[r->at] < '0' || r->s[r->at] > '9') {
        r->bad = 1;
        return 0;
    }
    if (r->s[r->at] == '0') {
        r->at++;
        return 0;
    }
    while (r->at < r->n && r->s[r->at] >= '0' && r->s[r->at] <= '9') {
        if (v > r->n) { /* longer than the name: no need to count on (nor to overflow) */
            r->bad = 1;
            return 0;
        }
        v = v * 10 + (size_t)(r->s[r->at++] - '0');
    }
    return v;
}

/* The next identifier's bytes: a length, for v0 an optional "_", then that many bytes. */
static const char *mp__rs_ident(mp__rs *r, int v0, size_t *len)
{
    const char *id;
    if (v0 && r->at < r->n && r->s[r->at] == 'u') r->bad = 1; /* punycode: not read here */
    *len = r->bad ? 0 : mp__rs_decimal(r);
    if (v0 && !r->bad && r->at < r->n && r->s[r->at] == '_') r->at++;
    if (r->bad || *len > r->n - r->at) {
        r->bad = 1;
        return NULL;
    }
    id = r->s + r->at;
    r->at += *len;
    return id;
}

/* A legacy hash: "h" and 16 lowercase hex digits, at least 5 of them different. */
static int mp__rs_is_hash(const char *s, size_t n)
{
    unsigned seen = 0;
    int distinct = 0;
    size_t i;
    if (n != 17 || s[0] != 'h') return 0;
    for (i = 1; i < n; i++) {
        int d = mp__hex_digit((unsigned char)s[i]);
        if (d < 0 || (s[i] >= 'A' && s[i] <= 'F')) return 0; /* Rust writes lower case */
        seen |= 1u << d;
    }
    for (; seen; seen &= seen - 1) distinct++;
    return distinct >= 5;
}

/* "$LT$" and the like; 0 if e does not start with one. */
static char mp__rs_escape(const char *e, size_t n, size_t *used)
{
    static const char pairs[][4] = { "SP@", "BP*", "RF&", "LT<", "GT>", "LP(", "RP)" };
    size_t k;
    if (n >= 3 && e[1] == 'C' && e[2] == '$') {
        *used = 3;
        return ',';
    }
    for (k = 0; n >= 4 && e[3] == '$' && k < sizeof pairs / sizeof *pairs; k++)
        if (e[1] == pairs[k][0] && e[2] == pairs[k][1]) {
            *used = 4;
            return pairs[k][2];
        }
    if (n >= 5 && e[1] == 'u' && e[4] == '$') {
        int hi = mp__hex_digit((unsigned char)e[2]), lo = mp__hex_digit((unsigned char)e[3]);
        if (e[3] >= 'A' && e[3] <= 'F') lo = -1; /* Rust writes lower case */
        if (hi >= 0 && hi <= 7 && lo >= 0 && (hi << 4 | lo) >= 0x20) { /* printable ASCII */
            *used = 5;
            return (char)(hi << 4 | lo);
        }
    }
    return 0;
}

/* A legacy identifier: escapes decoded, ".." as "::"; after an escape it cannot read, the
   rest as written. */
static void mp__rs_legacy_ident(mp_buf *out, const char *s, size_t n)
{
    size_t i = n >= 2 && s[0] == '_' && s[1] == '$'; /* the "_" that lets it start with "$" */
    while (i < n) {
        size_t j = i, used = 0;
        char c;
        if (s[i] == '$') {
            if (!(c = mp__rs_escape(s + i, n - i, &used))) {
                mp_buf_append(out, s + i, n - i);
                return;
            }
            mp_buf_append(out, &c, 1);
            i += used;
        } else if (s[i] == '.') {
            int pair = i + 1 < n && s[i + 1] == '.';
            mp_buf_append(out, pair ? "::" : ".", pair ? 2u : 1u);
            i += pair ? 2u : 1u;
        } else {
            while (j < n && s[j] != '$' && s[j] != '.') j++;
            mp_buf_append(out, s + i, j - i);
            i = j;
        }
    }
}

/* name: "_ZN..." whole. 0: not a legacy Rust name. */
static int mp__rs_legacy(const char *name, mp_buf *out)
{
    const char *s = name + 3, *id = NULL;
    size_t n = strlen(s), end, i, len = 0;
    int first;
    mp__rs r;
    if (n > 0 && s[n - 1] == 'E') {
        end = n - 1;
    } else { /* "E.suffix": the suffix is not shown */
        if (!strchr(s, '.')) return 0; /* most C++ names end here */
        for (end = n; end > 1 && !(s[end - 1] == '.' && s[end - 2] == 'E'); end--) {}
        if (end <= 1) return 0;
        end -= 2;
    }
    if (end <= 19 || memcmp(s + end - 19, "17h", 3) != 0) return 0; /* ... or here */
    for (i = 0; i < n; i++)
        if (!mp__rs_alnum(s[i]) && s[i] != '_' && s[i] != '$' && s[i] != '.' && s[i] != ':')
            return 0;
    r.s = s;
    r.n = end;
    r.at = 0;
    r.bad = 0;
    while (r.at < end) { /* every identifier well formed, the last one the hash */
        if (!(id = mp__rs_ident(&r, 0, &len)) || len == 0) return 0;
    }
    if (!mp__rs_is_hash(id, len)) return 0;
    for (r.at = 0, first = 1; r.at < end - 19; first = 0) { /* all but the hash, shown */
        id = mp__rs_ident(&r, 0, &len);
        if (!first) mp_buf_append(out, "::", 2);
        mp__rs_legacy_ident(out, id, len);
    }
    return !out->failed;
}

/* s<base 62>_, a v0 disambiguator: not shown. */
static void mp__rs_v0_disambiguator(mp__rs *r)
{
    if (r->at >= r->n || r->s[r->at] != 's') return;
    for (r->at++; r->at < r->n && mp__rs_alnum(r->s[r->at]); r->at++) {}
    if (r->at < r->n && r->s[r->at] == '_') r->at++;
    else r->bad = 1;
}

/* A v0 path of crate roots and names in lowercase namespaces; out NULL: read, not shown. */
static void mp__rs_v0_path(mp__rs *r, mp_buf *out, int depth)
{
    const char *id;
    size_t len;
    char tag = r->at < r->n ? r->s[r->at++] : 0;
    if (depth > 64) tag = 0; /* deeper than any real name: refused, not recursed into */
    if (tag == 'N') {
        char ns = r->at < r->n ? r->s[r->at++] : 0;
        if (ns < 'a' || ns > 'z') { /* closures, shims ... */
            r->bad = 1;
            return;
        }
        mp__rs_v0_path(r, out, depth + 1);
    } else if (tag != 'C') {
        r->bad = 1;
        return;
    }
    if (!r->bad) mp__rs_v0_disambiguator(r);
    if (r->bad || !(id = mp__rs_ident(r, 1, &len)) || !out) return;
    if (tag == 'N' && len > 0) mp_buf_append(out, "::", 2);
    mp_buf_append(out, id, len);
}

/* name: "_R..." whole. 0: not a v0 Rust name this reads. */
static int mp__rs_v0(const char *name, mp_buf *out)
{
    mp__rs r;
    r.s = name + 2;
    r.at = 0;
    r.bad = !(r.s[0] >= 'A' && r.s[0] <= 'Z');
    for (r.n = 0; r.s[r.n] && r.s[r.n] != '.'; r.n++) /* a ".suffix" is not shown */
        if (!mp__rs_alnum(r.s[r.n]) && r.s[r.n] != '_') return 0;
    if (!r.bad) mp__rs_v0_path(&r, out, 0);
    if (!r.bad && r.at < r.n) mp__rs_v0_path(&r, NULL, 0); /* the instantiating crate */
    return !r.bad && r.at == r.n && !out->failed;
}

/* name as nm -C prints a Rust name, into out; 0: not one (out is then left empty). */
static int mp__rs_demangle(const char *name, mp_buf *out)
{
    int ok = 0;
    if (name[0] == '_' && name[1] == 'Z' && name[2] == 'N') ok = mp__rs_legacy(name, out);
    else if (name[0] == '_' && name[1] == 'R') ok = mp__rs_v0(name, out);
    if (!ok) out->len = 0;
    return ok;
}

/* What binutils' bfd_demangle does with DMGL_PARAMS | DMGL_ANSI: leading dots and dollars
   and an "@suffix" are set aside, a Rust name is read as Rust's first, else only Itanium-ABI
   names ("_Z...", "_GLOBAL_[._$][DI]_") are demangled (never a bare type name such as "i"),
   and a failure keeps the name. The result goes to names; t->demangle must have been looked
   for already (threads only read t; without it, Rust names are still read). */
static void mp__sym_demangle(const mp_symtab *t, mp__arena *names, mp__esym *s)
{
    const char *name = s->raw, *base, *at;
    size_t pre, baselen;
    char small[512], *base_copy, *dem = NULL;
    mp_buf rust = { NULL, 0, 0, 0 };
    int status = -1, maybe_rust;
    base = name;
    while (*base == '.' || *base == '$') base++;
    pre = (size_t)(base - name);
    s->shown = s->raw;
    maybe_rust = base[0] == '_' && (base[1] == 'R' || (base[1] == 'Z' && base[2] == 'N'));
    if (!maybe_rust && !t->demangle) return;
    if (!(base[0] == '_' && base[1] == 'Z') && !maybe_rust &&
        !(strncmp(base, "_GLOBAL_", 8) == 0 && (base[8] == '.' || base[8] == '_' || base[8] == '$') &&
          (base[9] == 'D' || base[9] == 'I') && base[10] == '_'))
        return;
    at = strchr(base, '@');
    baselen = at ? (size_t)(at - base) : strlen(base);
    base_copy = baselen < sizeof small ? small : (char *)malloc(baselen + 1);
    if (!base_copy) return;
    memcpy(base_copy, base, baselen);
    base_copy[baselen] = '\0';
    if (maybe_rust && mp__rs_demangle(base_copy, &rust)) {
        mp_buf_append(&rust, "", 1); /* its NUL */
        dem = rust.failed ? NULL : rust.data;
        status = 0;
    } else if (t->demangle) {
        dem = t->demangle(base_copy, NULL, NULL, &status);
    }
    if (base_copy != small) free(base_copy);
    if (dem && status == 0) {
        size_t dlen = strlen(dem), suflen = at ? strlen(at) : 0;
        char *full = mp__arena_alloc(names, pre + dlen + suflen + 1);
        if (full) {
            memcpy(full, name, pre);
            memcpy(full + pre, dem, dlen);
            if (at) memcpy(full + pre + dlen, at, suflen);
            full[pre + dlen + suflen] = '\0';
            s->shown = full;
        }
    }
    if (dem != rust.data) free(dem); /* __cxa_demangle allocates with the C library's malloc */
    mp_buf_free(&rust);
}

static int mp__sym_needs_demangler(const mp__esym *s)
{
    const char *p = s->raw;
    while (*p == '.' || *p == '$') p++;
    return (p[0] == '_' && (p[1] == 'Z' || p[1] == 'R')) || strncmp(p, "_GLOBAL_", 8) == 0;
}

typedef struct mp__demangle_job {
    const mp_symtab *t;
    mp__esym **syms;
    size_t n;
    mp__arena names;      /* this thread's results, handed to the library afterwards */
} mp__demangle_job;

static void *mp__demangle_worker(void *arg)
{
    mp__demangle_job *job = (mp__demangle_job *)arg;
    size_t i;
    for (i = 0; i < job->n; i++) mp__sym_demangle(job->t, &job->names, job->syms[i]);
    return NULL;
}

#define MP__DEMANGLE_THREADS 8

/* Names every symbol of v (those without one yet). node has ~100k C++ names at ~2.5 us each:
   they are shared among the CPUs (__cxa_demangle is thread-safe). */
static void mp__sym_name_all(mp_symtab *t, mp__symlib *lib, mp__esym **v, size_t n)
{
    mp__demangle_job jobs[MP__DEMANGLE_THREADS];
    pthread_t tids[MP__DEMANGLE_THREADS];
    int started[MP__DEMANGLE_THREADS];
    size_t i, k = 0, nthreads, per;
    long cpus;
    for (i = 0; i < n; i++) { /* keep only those that need work, in place */
        if (v[i]->shown) continue;
        if (!mp__sym_needs_demangler(v[i])) v[i]->shown = v[i]->raw;
        else v[k++] = v[i];
    }
    n = k;
    if (n == 0) return;
    if (!t->demangle_tried) mp__symtab_load_demangler(t);
    cpus = sysconf(_SC_NPROCESSORS_ONLN);
    nthreads = cpus < 1 ? 1 : cpus > MP__DEMANGLE_THREADS ? MP__DEMANGLE_THREADS : (size_t)cpus;
    if (n < 4096) nthreads = 1;
    per = (n + nthreads - 1) / nthreads;
    for (i = 0; i < nthreads; i++) {
        size_t from = i * per < n ? i * per : n;
        jobs[i].t = t;
        jobs[i].syms = v + from;
        jobs[i].n = (from + per < n ? from + per : n) - from;
        jobs[i].names.head = NULL;
        started[i] = i > 0 && pthread_create(&tids[i], NULL, mp__demangle_worker, &jobs[i]) == 0;
    }
    mp__demangle_worker(&jobs[0]);
    for (i = 1; i < nthreads; i++) {
        if (started[i]) pthread_join(tids[i], NULL);
        else mp__demangle_worker(&jobs[i]);
    }
    for (i = 0; i < nthreads; i++) mp__arena_take(&lib->names, &jobs[i].names);
}

/* One symbol's name, alone. */
static const char *mp__symtab_shown(mp_symtab *t, mp__symlib *lib, mp__esym *s)
{
    if (!s->shown) mp__sym_name_all(t, lib, &s, 1);
    return s->shown;
}

/* ---- placement and V8's addEntry ----------------------------------------------------------- */

/* The runtime address of VMA 0. ET_EXEC: absolute (plus the log's slide, 0 on Linux).
   ET_DYN: the log's start is mapping start - file offset of an executable PT_LOAD segment,
   i.e. base + p_vaddr - p_offset; the segment whose mapping ends at the logged end decides
   when segments differ in p_vaddr - p_offset (lld, gold), else the first executable one. */
static uint64_t mp__symlib_bias(const mp__symlib *lib, uint64_t start, uint64_t end, uint64_t slide)
{
    size_t i;
    const mp__seg *first = NULL;
    if (lib->is_exec) return slide;
    for (i = 0; i < lib->nsegs; i++) {
        const mp__seg *s = &lib->segs[i];
        uint64_t bias, seg_end;
        if (!(s->flags & 1u)) continue;
        if (!first) first = s;
        bias = start - (s->vaddr - s->offset);
        seg_end = bias + s->vaddr + s->memsz;
        if (end >= seg_end && end - seg_end < 0x10000u) return bias;
    }
    return first ? start - (first->vaddr - first->offset) : start;
}

/* An entry V8 adds, before naming: seq keeps the order of adding among equal starts. */
typedef struct mp__placed {
    uint64_t start, end;
    mp__esym *src;
    size_t seq;
} mp__placed;

typedef struct mp__v8add {
    uint64_t lib_start, lib_end;
    mp__placed *out;
    size_t n, cap;
    int failed;
    int pending;              /* lastUnknownSize */
    uint64_t pending_start;
    mp__esym *pending_sym;
    int added;                /* lastAdded */
    uint64_t added_start, added_end;
} mp__v8add;

static void mp__v8_emit(mp__v8add *a, uint64_t start, uint64_t end, mp__esym *s)
{
    if (a->failed) return;
    if (!mp__grow((void **)&a->out, &a->cap, a->n + 1, sizeof *a->out)) {
        a->failed = 1;
        return;
    }
    a->out[a->n].start = start;
    a->out[a->n].end = end;
    a->out[a->n].src = s;
    a->out[a->n].seq = a->n;
    a->n++;
    a->added = 1;
    a->added_start = start;
    a->added_end = end;
}

/* One nm line (placed) into CppEntriesProvider.parseVmSymbols' addEntry; s NULL for the
   final sentinel at libEnd. JavaScript truthiness: a size of 0 means "no size". */
static void mp__v8_add(mp__v8add *a, uint64_t start, uint64_t size, mp__esym *s)
{
    if (a->pending && a->pending_start < start) {
        uint64_t ps = a->pending_start, pe = start;
        int inside_last = a->added && ps >= a->added_start && pe <= a->added_end;
        if (!inside_last && ps >= a->lib_start && pe <= a->lib_end)
            mp__v8_emit(a, ps, pe, a->pending_sym);
    }
    a->pending = 0;
    if (size) {
        /* An end past 2^64 is past libEnd too, as it is for JavaScript's doubles. */
        if ((!a->added || a->added_start != start) && start >= a->lib_start &&
            size <= UINT64_MAX - start && start + size <= a->lib_end)
            mp__v8_emit(a, start, start + size, s);
    } else if (s) {
        a->pending = 1;
        a->pending_start = start;
        a->pending_sym = s;
    }
}

static int mp__placed_order(const void *pa, const void *pb)
{
    const mp__placed *a = (const mp__placed *)pa, *b = (const mp__placed *)pb;
    if (a->start != b->start) return a->start < b->start ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Reads placed entries by start, then by the order of adding. What V8's rules emit is in
   that order already, but for the second table (.dynsym) starting over: two runs are merged
   as they are read, with no copy of the table (a copy's new pages cost more than the merge);
   more runs are sorted first. */
typedef struct mp__pmerge {
    const mp__placed *v;
    size_t a, mid, b, n;
} mp__pmerge;

static void mp__pmerge_rewind(mp__pmerge *m)
{
    m->a = 0;
    m->b = m->mid;
}

static void mp__pmerge_init(mp__pmerge *m, mp__placed *v, size_t n)
{
    size_t i, runs = 1, mid = n;
    for (i = 1; i < n; i++)
        if (v[i].start < v[i - 1].start && runs++ == 1) mid = i;
    if (runs > 2) {
        qsort(v, n, sizeof *v, mp__placed_order);
        mid = n;
    }
    m->v = v;
    m->mid = mid;
    m->n = n;
    mp__pmerge_rewind(m);
}

static const mp__placed *mp__pmerge_next(mp__pmerge *m)
{
    /* ties: the first run's, added first */
    if (m->a < m->mid && (m->b == m->n || m->v[m->a].start <= m->v[m->b].start))
        return &m->v[m->a++];
    return m->b < m->n ? &m->v[m->b++] : NULL;
}

/* One sorted table's symbols (v[0, n), by address) through V8's adding, as if all were
   given, but reading only those that can matter: an executable has several mappings and
   each would otherwise go through all of its 150,000 symbols. The first is always given (a
   pending unsized symbol of the table before resolves against it, or is dropped); then the
   ones from lib_start on, up to the first at or past lib_end (it ends a pending unsized
   one). The rest add nothing: below lib_start nothing is emitted and what is pending stays
   below; past that first one, every start is at or past lib_end. Only for a table in
   address order (a symbols file may list one out of order) whose bias does not wrap. */
static void mp__v8_add_run(mp__v8add *a, mp__esym *v, size_t n, uint64_t bias, int unordered)
{
    size_t i, lo, hi;
    if (n == 0) return;
    mp__v8_add(a, v[0].vma + bias, v[0].size, &v[0]);
    if (unordered || v[n - 1].vma + bias < v[0].vma + bias) { /* all go, in their order */
        for (i = 1; i < n; i++) mp__v8_add(a, v[i].vma + bias, v[i].size, &v[i]);
        return;
    }
    lo = 1, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].vma + bias < a->lib_start) lo = mid + 1;
        else hi = mid;
    }
    for (i = lo; i < n; i++) {
        mp__v8_add(a, v[i].vma + bias, v[i].size, &v[i]);
        if (v[i].vma + bias >= a->lib_end) break;
    }
}

/* Runs the record through V8's rules and keeps the first entry per start (V8's code map
   ignores later ones). Names come later, and only for what is kept: node's dynamic table
   repeats most of its static one, and demangling is the costly part. */
static mp_err mp__symlib_place(mp__symlib *lib, mp__symplace *pl, mp_error *err)
{
    mp__v8add a;
    uint64_t bias = mp__symlib_bias(lib, pl->start, pl->end, pl->slide);
    mp__esym **src = NULL;
    mp_sym *syms = NULL;
    mp__pmerge m;
    const mp__placed *e, *last;
    size_t i, j;
    memset(&a, 0, sizeof a);
    a.lib_start = pl->start;
    a.lib_end = pl->end;
    /* A symbol emits itself and at most once the pending one before it: room for all at
       once, as growing would copy into fresh pages (the untouched rest costs nothing). */
    a.cap = lib->nsyms + 1;
    if (!(a.out = (mp__placed *)MP_MALLOC(a.cap * sizeof *a.out))) goto nomem;
    if (lib->nsyms) { /* none: syms may be NULL */
        mp__v8_add_run(&a, lib->syms, lib->nstatic, bias, lib->unordered);
        mp__v8_add_run(&a, lib->syms + lib->nstatic, lib->nsyms - lib->nstatic, bias,
                       lib->unordered);
    }
    mp__v8_add(&a, pl->end, 0, NULL);
    if (a.failed) goto nomem;
    mp__pmerge_init(&m, a.out, a.n);
    for (j = 0, last = NULL; (e = mp__pmerge_next(&m)) != NULL; last = e)
        if (!last || last->start != e->start) j++;
    if (j) {
        src = (mp__esym **)MP_MALLOC(j * sizeof *src);
        syms = (mp_sym *)MP_MALLOC(j * sizeof *syms);
        if (!src || !syms) goto nomem;
        mp__pmerge_rewind(&m);
        for (i = 0, last = NULL; (e = mp__pmerge_next(&m)) != NULL; last = e) {
            if (last && last->start == e->start) continue;
            src[i] = e->src;
            syms[i].start = e->start;
            syms[i].end = e->end;
            syms[i].name = e->src->shown; /* NULL unless an earlier placing named it */
            i++;
        }
    }
    MP_FREE(a.out);
    pl->syms = syms;
    pl->src = src;
    pl->n = j;
    return MP_OK;
nomem:
    MP_FREE(src);
    MP_FREE(syms);
    MP_FREE(a.out);
    return mp__nomem(err);
}

/* Every name of a placing, demangled together (in parallel when there are many). */
static mp_err mp__symplace_name_all(mp_symtab *t, mp__symplace *pl, mp_error *err)
{
    mp__esym **todo;
    size_t i;
    if (pl->named) return MP_OK;
    if (pl->n) {
        todo = (mp__esym **)MP_MALLOC(pl->n * sizeof *todo);
        if (!todo) return mp__nomem(err);
        memcpy(todo, pl->src, pl->n * sizeof *todo);
        mp__sym_name_all(t, pl->lib, todo, pl->n); /* reorders todo, not src */
        MP_FREE(todo);
        for (i = 0; i < pl->n; i++) pl->syms[i].name = pl->src[i]->shown;
    }
    pl->named = 1;
    return MP_OK;
}

/* One name of a placing: what a profile asks for the few symbols its ticks hit. */
static const char *mp__symplace_name(mp_symtab *t, mp__symplace *pl, size_t i)
{
    if (!pl->syms[i].name) pl->syms[i].name = mp__symtab_shown(t, pl->lib, pl->src[i]);
    return pl->syms[i].name;
}

/* ---- the table ------------------------------------------------------------------------------ */

static void mp__symlib_free(mp__symlib *lib)
{
    if (!lib) return;
    if (lib->map) munmap(lib->map, lib->map_size);
    MP_FREE(lib->path);
    MP_FREE(lib->msg);
    MP_FREE(lib->segs);
    MP_FREE(lib->syms);
    mp__arena_free(&lib->names);
    MP_FREE(lib);
}

static mp__symlib *mp__symtab_find(mp_symtab *t, const char *path)
{
    size_t i;
    for (i = 0; i < t->nlibs; i++)
        if (strcmp(t->libs[i]->path, path) == 0) return t->libs[i];
    return NULL;
}

static mp__symlib *mp__symtab_add_lib(mp_symtab *t, const char *path, mp_error *err)
{
    mp__symlib *lib;
    if (!mp__grow((void **)&t->libs, &t->caplibs, t->nlibs + 1, sizeof *t->libs)) {
        mp__nomem(err);
        return NULL;
    }
    lib = (mp__symlib *)MP_MALLOC(sizeof *lib);
    if (!lib) { mp__nomem(err); return NULL; }
    memset(lib, 0, sizeof *lib);
    lib->path = mp__strdup(path);
    if (!lib->path) { MP_FREE(lib); mp__nomem(err); return NULL; }
    t->libs[t->nlibs++] = lib;
    return lib;
}

/* The library's symbols, read on first use; a failure is remembered and repeated. */
static mp_err mp__symtab_get(mp_symtab *t, const char *path, mp__symlib **out, mp_error *err)
{
    mp__symlib *lib = mp__symtab_find(t, path);
    mp_error local;
    if (!lib) {
        if (t->symbols_file)
            return mp__fail(err, MP_ERR_NOT_FOUND, 0, "%s: not in symbols file %s", path,
                            t->symbols_file);
        lib = mp__symtab_add_lib(t, path, err);
        if (!lib) return MP_ERR_NOMEM;
        lib->status = mp__elf_load(lib, &local);
        if (lib->status != MP_OK) {
            lib->msg = mp__strdup(local.msg);
            MP_FREE(lib->syms);
            lib->syms = NULL;
            lib->nsyms = lib->nstatic = 0;
        }
    }
    if (lib->status != MP_OK)
        return mp__fail(err, lib->status, 0, "%s", lib->msg ? lib->msg : "cannot read");
    *out = lib;
    return MP_OK;
}

MP__DEF mp_err mp_symtab_new(mp_symtab **out, mp_error *err)
{
    mp_symtab *t = (mp_symtab *)MP_MALLOC(sizeof *t);
    if (!t) return mp__nomem(err);
    memset(t, 0, sizeof *t);
    *out = t;
    return MP_OK;
}

/* Names node's polyfill never runs nm on: [vdso], [vsyscall], anonymous "hex-hex" ranges. */
static int mp__sym_pseudo_library(const char *lib)
{
    const char *p = lib;
    if (strcmp(lib, "[vdso]") == 0 || strcmp(lib, "[vsyscall]") == 0) return 1;
    if (mp__hex_digit((unsigned char)*p) < 0) return 0;
    while (mp__hex_digit((unsigned char)*p) >= 0) p++;
    if (*p++ != '-' || mp__hex_digit((unsigned char)*p) < 0) return 0;
    while (mp__hex_digit((unsigned char)*p) >= 0) p++;
    return *p == '\0';
}

/* The placing of one shared-library record, names not filled in yet: *place is its index
   in t->places, or SIZE_MAX for a library node never reads symbols of. */
static mp_err mp__symtab_place(mp_symtab *t, const char *lib, uint64_t start, uint64_t end,
                               uint64_t slide, size_t *place, mp_error *err)
{
    mp__symlib *l;
    mp__symplace *pl;
    size_t i;
    mp_err rc;
    *place = SIZE_MAX;
    if (mp__sym_pseudo_library(lib)) return MP_OK;
    if ((rc = mp__symtab_get(t, lib, &l, err)) != MP_OK) return rc;
    for (i = 0; i < t->nplaces; i++) {
        pl = &t->places[i];
        if (pl->lib == l && pl->start == start && pl->end == end && pl->slide == slide) {
            *place = i;
            return MP_OK;
        }
    }
    if (!mp__grow((void **)&t->places, &t->capplaces, t->nplaces + 1, sizeof *t->places))
        return mp__nomem(err);
    pl = &t->places[t->nplaces];
    memset(pl, 0, sizeof *pl);
    pl->lib = l;
    pl->start = start;
    pl->end = end;
    pl->slide = slide;
    if ((rc = mp__symlib_place(l, pl, err)) != MP_OK) return rc;
    *place = t->nplaces++;
    return MP_OK;
}

MP__DEF mp_err mp_symtab_lookup(mp_symtab *t, const char *lib, uint64_t start, uint64_t end,
                                uint64_t slide, const mp_sym **syms, size_t *n, mp_error *err)
{
    size_t place;
    mp_err rc;
    *syms = NULL;
    *n = 0;
    if ((rc = mp__symtab_place(t, lib, start, end, slide, &place, err)) != MP_OK) return rc;
    if (place == SIZE_MAX) return MP_OK;
    if ((rc = mp__symplace_name_all(t, &t->places[place], err)) != MP_OK) return rc;
    *syms = t->places[place].syms;
    *n = t->places[place].n;
    return MP_OK;
}

MP__DEF const char *mp_symtab_warning(const mp_symtab *t) { return t->warning; }

MP__DEF void mp_symtab_free(mp_symtab *t)
{
    size_t i;
    if (!t) return;
    for (i = 0; i < t->nlibs; i++) mp__symlib_free(t->libs[i]);
    for (i = 0; i < t->nplaces; i++) {
        MP_FREE(t->places[i].syms);
        MP_FREE(t->places[i].src);
    }
    MP_FREE(t->libs);
    MP_FREE(t->places);
    MP_FREE(t->symbols_file);
    MP_FREE(t->warning);
    if (t->cxx) dlclose(t->cxx);
    MP_FREE(t);
}

/* ---- portable symbols file ------------------------------------------------------------------ */

/* Names and paths on one line: backslash, and bytes below 0x20 or 0x7f, escaped as \\ \xHH. */
static void mp__sym_escape(mp_buf *b, const char *s)
{
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != 0x7f && c != '\\') continue;
        mp_buf_append(b, run, (size_t)(s - run));
        if (c == '\\') mp_buf_puts(b, "\\\\");
        else mp_buf_printf(b, "\\x%02x", c);
        run = s + 1;
    }
    mp_buf_append(b, run, (size_t)(s - run));
}

MP__DEF mp_err mp_symtab_write_header(mp_buf *out, mp_error *err)
{
    mp_buf_puts(out, "medprof-symbols 1\n");
    return mp__written(out, err, "symbols file");
}

static void mp__sym_export_table(mp_symtab *t, mp__symlib *lib, const char *tag, size_t from,
                                 size_t to, mp_buf *out)
{
    size_t i;
    mp_buf_printf(out, "%s %zu\n", tag, to - from);
    for (i = from; i < to; i++) {
        mp__esym *s = &lib->syms[i];
        mp_buf_printf(out, "%llx %llx %c ", (unsigned long long)s->vma,
                      (unsigned long long)s->size, s->letter);
        mp__sym_escape(out, mp__symtab_shown(t, lib, s));
        mp_buf_puts(out, "\n");
    }
}

MP__DEF mp_err mp_symtab_write_library(mp_symtab *t, const char *lib, mp_buf *out, mp_error *err)
{
    mp__symlib *l;
    size_t i;
    mp__esym **all;
    mp_err rc = mp__symtab_get(t, lib, &l, err);
    if (rc != MP_OK) return rc;
    if (l->nsyms) {
        all = (mp__esym **)MP_MALLOC(l->nsyms * sizeof *all);
        if (!all) return mp__nomem(err);
        for (i = 0; i < l->nsyms; i++) all[i] = &l->syms[i];
        mp__sym_name_all(t, l, all, l->nsyms);
        MP_FREE(all);
    }
    mp_buf_puts(out, "library ");
    mp__sym_escape(out, l->path);
    mp_buf_printf(out, "\nelf %s\n", l->is_exec ? "exec" : "dyn");
    for (i = 0; i < l->nsegs; i++)
        mp_buf_printf(out, "load %llx %llx %llx %x\n", (unsigned long long)l->segs[i].offset,
                      (unsigned long long)l->segs[i].vaddr, (unsigned long long)l->segs[i].memsz,
                      (unsigned)l->segs[i].flags);
    mp__sym_export_table(t, l, "symtab", 0, l->nstatic, out);
    mp__sym_export_table(t, l, "dynsym", l->nstatic, l->nsyms, out);
    mp_buf_puts(out, "end\n");
    if (out->failed) return mp__nomem(err);
    return MP_OK;
}

/* Reading: one line at a time from the whole file in memory. */
typedef struct mp__symreader {
    const char *path;
    char *data;
    size_t size, pos;
    size_t line_no;
    char *line;           /* the current line, NUL-terminated in place */
} mp__symreader;

static int mp__symreader_next(mp__symreader *r)
{
    char *nl;
    if (r->pos >= r->size) return 0;
    r->line = r->data + r->pos;
    nl = (char *)memchr(r->line, '\n', r->size - r->pos);
    if (nl) {
        *nl = '\0';
        r->pos = (size_t)(nl - r->data) + 1;
    } else {
        r->data[r->size] = '\0';
        r->pos = r->size;
    }
    r->line_no++;
    return 1;
}

static mp_err mp__symreader_bad(const mp__symreader *r, mp_error *err, const char *what)
{
    return mp__fail(err, MP_ERR_PARSE, 0, "%s:%zu: %s", r->path, r->line_no, what);
}

/* Undoes mp__sym_escape in place; 0 on a bad escape. */
static int mp__sym_unescape(char *s)
{
    char *w = s;
    while (*s) {
        int hi, lo;
        if (*s != '\\') { *w++ = *s++; continue; }
        if (s[1] == '\\') { *w++ = '\\'; s += 2; continue; }
        hi = s[1] == 'x' ? mp__hex_digit((unsigned char)s[2]) : -1;
        lo = hi >= 0 ? mp__hex_digit((unsigned char)s[3]) : -1;
        if (lo >= 0) {
            *w++ = (char)(hi << 4 | lo);
            s += 4;
            continue;
        }
        return 0;
    }
    *w = '\0';
    return 1;
}

/* A hex number followed by a space or the end; advances *p past the space. */
static int mp__sym_hex(char **p, uint64_t *v)
{
    char *s = *p, *end;
    unsigned long long x;
    if (mp__hex_digit((unsigned char)*s) < 0) return 0;
    errno = 0;
    x = strtoull(s, &end, 16);
    if (errno || (*end != ' ' && *end != '\0')) return 0;
    *v = (uint64_t)x;
    *p = *end ? end + 1 : end;
    return 1;
}

static mp_err mp__symreader_table(mp__symreader *r, mp__symlib *lib, const char *tag, size_t *cap,
                                  mp_error *err)
{
    uint64_t count, i;
    char *p;
    mp_err rc;
    size_t taglen = strlen(tag);
    if (!mp__symreader_next(r) || strncmp(r->line, tag, taglen) != 0 || r->line[taglen] != ' ')
        return mp__symreader_bad(r, err, tag);
    errno = 0;
    count = strtoull(r->line + taglen + 1, &p, 10);
    if (errno || *p || p == r->line + taglen + 1) return mp__symreader_bad(r, err, "bad symbol count");
    for (i = 0; i < count; i++) {
        mp__esym *s;
        uint64_t vma, size;
        char letter;
        if (!mp__symreader_next(r))
            return mp__fail(err, MP_ERR_PARSE, 0, "%s:%zu: end of file: fewer symbols than counted",
                            r->path, r->line_no + 1);
        p = r->line;
        if (!mp__sym_hex(&p, &vma) || !mp__sym_hex(&p, &size) || !p[0] || p[1] != ' ')
            return mp__symreader_bad(r, err, "expected: VMA SIZE LETTER NAME");
        letter = p[0];
        if (letter != 't' && letter != 'T' && letter != 'w' && letter != 'W')
            return mp__symreader_bad(r, err, "symbol letter must be t, T, w or W");
        p += 2;
        if (!mp__sym_unescape(p)) return mp__symreader_bad(r, err, "bad escape in name");
        if ((rc = mp__symlib_grow(lib, 1, cap, err)) != MP_OK) return rc;
        s = &lib->syms[lib->nsyms];
        s->raw = mp__arena_strndup(&lib->names, p, strlen(p));
        if (!s->raw) return mp__nomem(err);
        s->shown = s->raw;
        s->keylen = 0; /* the file is in nm's order already */
        if (i > 0 && vma < s[-1].vma) lib->unordered = 1; /* or says it is */
        s->vma = vma;
        s->size = size;
        s->index = (uint32_t)i;
        s->letter = letter;
        lib->nsyms++;
    }
    return MP_OK;
}

static mp_err mp__symreader_library(mp__symreader *r, mp_symtab *t, mp_error *err)
{
    char *path = r->line + 8, *p;
    mp__symlib *lib;
    size_t cap = 0, capsegs = 0;
    mp_err rc;
    if (!mp__sym_unescape(path) || !*path) return mp__symreader_bad(r, err, "bad library path");
    if (mp__symtab_find(t, path)) return mp__symreader_bad(r, err, "library listed twice");
    lib = mp__symtab_add_lib(t, path, err);
    if (!lib) return MP_ERR_NOMEM;
    if (!mp__symreader_next(r) || (strcmp(r->line, "elf exec") != 0 && strcmp(r->line, "elf dyn") != 0))
        return mp__symreader_bad(r, err, "expected: elf exec|dyn");
    lib->is_exec = strcmp(r->line, "elf exec") == 0;
    while (r->pos < r->size && strncmp(r->data + r->pos, "load ", 5) == 0) {
        mp__seg s;
        uint64_t flags;
        mp__symreader_next(r);
        p = r->line + 5;
        if (!mp__sym_hex(&p, &s.offset) || !mp__sym_hex(&p, &s.vaddr) || !mp__sym_hex(&p, &s.memsz) ||
            !mp__sym_hex(&p, &flags) || *p)
            return mp__symreader_bad(r, err, "expected: load OFFSET VADDR MEMSZ FLAGS");
        s.flags = (uint32_t)flags;
        if (!mp__grow((void **)&lib->segs, &capsegs, lib->nsegs + 1, sizeof *lib->segs))
            return mp__nomem(err);
        lib->segs[lib->nsegs++] = s;
    }
    if ((rc = mp__symreader_table(r, lib, "symtab", &cap, err)) != MP_OK) return rc;
    lib->nstatic = lib->nsyms;
    if ((rc = mp__symreader_table(r, lib, "dynsym", &cap, err)) != MP_OK) return rc;
    if (!mp__symreader_next(r) || strcmp(r->line, "end") != 0)
        return mp__symreader_bad(r, err, "expected: end");
    return MP_OK;
}

static mp_err mp__sym_read_whole(const char *path, char **data, size_t *size, mp_error *err)
{
    FILE *f = fopen(path, "rb");
    mp_buf b = { NULL, 0, 0, 0 };
    char chunk[65536];
    size_t got;
    if (!f) return mp__fail_errno(err, errno, "cannot open", path);
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) mp_buf_append(&b, chunk, got);
    if (ferror(f)) {
        int e = errno;
        fclose(f);
        mp_buf_free(&b);
        return mp__fail_errno(err, e, "cannot read", path);
    }
    fclose(f);
    mp_buf_append(&b, "", 0);
    if (b.failed || !b.data) {
        mp_buf_free(&b);
        return b.failed ? mp__nomem(err) : mp__fail(err, MP_ERR_PARSE, 0, "%s: empty file", path);
    }
    *size = b.len;
    *data = mp_buf_take(&b);
    return MP_OK;
}

MP__DEF mp_err mp_symtab_load_file(mp_symtab *t, const char *symbols_path, mp_error *err)
{
    mp__symreader r;
    size_t nlibs_before = t->nlibs;
    mp_err rc;
    memset(&r, 0, sizeof r);
    r.path = symbols_path;
    if ((rc = mp__sym_read_whole(symbols_path, &r.data, &r.size, err)) != MP_OK) return rc;
    if (!mp__symreader_next(&r) || strcmp(r.line, "medprof-symbols 1") != 0) {
        rc = mp__fail(err, MP_ERR_PARSE, 0, "%s: not a medprof symbols file (version 1)", symbols_path);
        goto done;
    }
    while (mp__symreader_next(&r)) {
        if (r.line[0] == '#' || r.line[0] == '\0') continue;
        if (strncmp(r.line, "library ", 8) != 0) {
            rc = mp__symreader_bad(&r, err, "expected: library PATH");
            goto done;
        }
        if ((rc = mp__symreader_library(&r, t, err)) != MP_OK) goto done;
    }
    if (!t->symbols_file && !(t->symbols_file = mp__strdup(symbols_path))) rc = mp__nomem(err);
done:
    if (rc != MP_OK) { /* loses nothing: the table is as it was */
        while (t->nlibs > nlibs_before) mp__symlib_free(t->libs[--t->nlibs]);
    }
    MP_FREE(r.data);
    return rc;
}

/* ============================================================================================
   TICK implementation: log reader, V8's code map, attribution, views; then REPORT.
   Behaviour follows V8's tools/{csvparser,logreader,codemap,profile,tickprocessor}.mjs as
   node 18-26 ship them; the comments say where node's behaviour is odd on purpose.
   ============================================================================================ */

#define MP__TK_NONE 0xFFFFFFFFu
#define MP__TK_NAN INT64_MIN          /* parseInt gave NaN */
#define MP__TK_MAX_WARNINGS 100
#define MP__TK_READ_CHUNK 65536

/* ---- interned strings ----------------------------------------------------------------- */

typedef struct mp__tk_str {
    const char *s;          /* NUL-terminated, in the arena: stable for the profile's life */
    uint32_t len;
    uint32_t gen;           /* NameGenerator: 0 never seen, else 1 + times seen again */
    uint8_t ctype;          /* codeTypes_: 0 none, 1 CPP, 2 SHARED_LIB */
    uint8_t skip;           /* skipThisFunction cache: 0 unknown, 1 keep, 2 skip */
    uint64_t self;          /* flat profile: ticks with this name on top */
    uint64_t centry;        /* C++ entry point ticks */
    uint64_t on_stack;      /* ticks with this name anywhere on the stack, once per tick */
    uint64_t stamp;         /* the tick that last counted on_stack (1 + tick number) */
} mp__tk_str;

enum { MP__TK_CT_NONE = 0, MP__TK_CT_CPP = 1, MP__TK_CT_LIB = 2 };

/* ---- code map ------------------------------------------------------------------------- */

enum { MP__TK_LIB = 1, MP__TK_CPP, MP__TK_CODE, MP__TK_FUNC_CODE, MP__TK_FUNCTION };

typedef struct mp__tk_entry {
    int64_t size;
    uint32_t name;          /* raw name (unused for FUNC_CODE, whose name is its function's) */
    uint32_t type;          /* the code-creation tag, e.g. "JS", "Builtin" */
    uint32_t func;          /* FUNC_CODE: its FUNCTION entry; a CPP entry not named yet
                               (name MP__TK_NONE): its placing in cfg.symbols */
    uint32_t shown;         /* cached display name, MP__TK_NONE: not made yet; a CPP entry
                               not named yet: its index in that placing */
    uint32_t shown_func;    /* FUNC_CODE: the function name the cache was made from */
    uint32_t refs;          /* 1 while in a map, +1 per FUNC_CODE pointing here */
    uint8_t kind, state, shown_state, named;
} mp__tk_entry;

/* A treap keyed by address: node 0 is the nil sentinel. */
typedef struct mp__tk_tnode {
    int64_t key;
    uint32_t val, left, right, prio;
} mp__tk_tnode;

typedef struct mp__tk_tree {
    mp__tk_tnode *n;
    uint32_t root, count, cap, free_list;
    int changed;            /* since lo/hi were computed */
    int64_t lo, hi;         /* min key, and max key + its entry's size (dynamic code only) */
} mp__tk_tree;

/* A map from 64-bit keys to 32-bit values: the pairs in an array, found by a table. */
typedef struct mp__tk_pair {
    uint64_t key;
    uint32_t val;
} mp__tk_pair;

typedef struct mp__tk_map {
    mp__tk_pair *pairs;
    uint32_t n, cap;
    mp__tab index;
} mp__tk_map;

/* Static (C++) code: only ever added, so a sorted array; additions wait in `pending` and
   are merged before the next lookup, the first one of a start winning as in
   SplayTree.insert. */
typedef struct mp__tk_static {
    int64_t key;
    uint32_t val, seq;      /* val: an entry, or MP__TK_LAZY | an index in p->lazy */
} mp__tk_static;

/* A C++ symbol in the static map without an entry yet: most of a binary's are never hit, and
   making an entry for each of node's 156,298 cost more than the rest of placing them. */
#define MP__TK_LAZY 0x80000000u

typedef struct mp__tk_lazy {
    uint32_t place, index;  /* in cfg.symbols */
} mp__tk_lazy;

/* A remembered findEntry answer, good while the code map's version is unchanged: ticks
   repeat the same addresses, code events are rare in between. */
typedef struct mp__tk_hit {
    int64_t addr;
    uint32_t entry, version;
} mp__tk_hit;

#define MP__TK_HITS 4096

/* Page numbers of library mappings: sorted, disjoint, non-adjacent closed intervals. */
typedef struct mp__tk_span {
    uint32_t lo, hi;
} mp__tk_span;

/* ---- node versions ------------------------------------------------------------------- */

/* Where node versions' tick processors read a log differently (mp_tick_config.node's doc
   lists it), one field each. mp__tk_decide_rules fills them from the log's node version;
   the reader only reads them. */
typedef struct mp__tk_rules {
    int node;                       /* 18, 20, 22, 24 or 26: whose --prof-process is followed */
    int frames_hex;                 /* parseInt(frame, 16): bare digits are hex (node 18) */
    int maglev_known;               /* the code state '+' is Maglev code; else an unknown
                                       state, which drops the record (node 18) */
    int state_quote;                /* the code states "+'" and "*'" read as '+' and '*' */
    int state_o_prefix;             /* ... and "o+", "o*", "o+'", "o*'" too */
    int ignore_code_delete;         /* code-delete records change nothing (node 21 on) */
    int own_entry_for_function_over_code; /* a function whose address holds other code gets
                                       an entry of its own; else that code takes the name and
                                       the record fails (node 20's addDynamicCode) */
    int preprocess_sparkplug_baseline; /* --preprocess calls Sparkplug code "Baseline" */
} mp__tk_rules;

/* ---- call tree ------------------------------------------------------------------------ */

typedef struct mp__tk_cnode {
    uint32_t label, parent, first_child, next_sibling;
    uint64_t self, total;
} mp__tk_cnode;

typedef struct mp__tk_sorted {
    const char *s;
    uint32_t len, id;
    uint64_t key;
} mp__tk_sorted;

struct mp_tick_profile {
    char *name;
    mp_symtab *own_symbols; /* made when the config names no symbol source */
    char *runtime_timer;
    mp_tick_config cfg;
    int skip_ic, skip_bytecodes, skip_builtins, skip_stubs, depth;
    double range_start, range_end, distortion_per, distortion;
    uint32_t rng;
    mp_tick_mark *marks;    /* code-creation records named MP_TICK_MARK_PREFIX... */
    size_t nmarks, capmarks;

    /* strings */
    mp__arena str_arena;    /* the strings' bytes */
    mp__tk_str *strs;
    uint32_t nstrs, capstrs;
    mp__tab str_index;
    uint32_t id_unknown, id_empty, id_cpp, id_lib, id_regexp, current_timer, want_timer;

    /* code map */
    mp__tk_entry *ents;
    uint32_t nents, capents, free_ent;
    mp__tk_tree dyn, lib;
    mp__tk_static *stat, *pending;
    mp__tk_lazy *lazy;              /* static entries not made yet (MP__TK_LAZY values) */
    size_t nlazy, caplazy;
    size_t nstat, capstat, npending, cappending;
    uint32_t stat_seq;
    mp__tk_span *spans;
    size_t nspans, capspans;
    uint32_t version;       /* bumped by every change to the code map */
    mp__tk_hit hits[MP__TK_HITS];
    mp__tk_map libs_warned;
    int64_t *del_scratch;
    size_t del_cap;

    /* ticks */
    uint64_t ticks, unaccounted, excluded, gc;
    int64_t *stack;
    uint32_t *names;
    size_t stack_cap, names_cap;
    const char **stack_strs;        /* on_stack's names, top first */
    size_t stack_strs_cap;
    double tick_ts;                 /* the current tick's time, for on_stack */
    mp__tk_cnode *cn;
    uint32_t ncn, capcn;
    mp__tk_map children;
    struct mp__tk_memo *memo;       /* ticks seen before (mp__tk_fast_tick); NULL: none yet */
    struct mp__tk_group *groups;    /* the read-ahead's groups of the epoch, by id */
    size_t groups_cap;
    uint32_t *group_names;          /* their resolved names */
    size_t group_names_len, group_names_cap;
    uint32_t memo_gen;              /* a new one after every record that is not a tick */
    int memo_off;                   /* no memory for it: go without */

    /* reading */
    mp_buf carry, esc_a, esc_b, esc_num, tmp;
    const char **fp;
    size_t *fl, fcap, flcap;
    uint64_t line_no, lines, unknown_records, bad_lines, dropped_frames;
    uint64_t unknown_moves, unknown_deletes;
    int64_t first_unknown_move, first_unknown_delete;
    int stopped, logs;
    int first_line_seen;    /* of the current log: node checks its v8-version */
    mp__tk_rules rules;     /* the current log's, decided at its first line */
    int version_note;       /* MP__TK_VERSION_* */
    char *v8_version;
    int in_timed;           /* --timed-range: a current-time record opened a range */
    mp_buf timed_lines;     /* the lines since, '\n'-separated: read at the next one */

    /* --preprocess: V8's JsonProfile; NULL otherwise */
    struct mp__pp *pp;

    /* warnings */
    char **warn;
    size_t nwarn, capwarn;
    uint64_t warn_dropped;

    /* views, made by mp_tick_finish */
    int finished, failed;
    mp_tick_summary sum;
    mp_tick_row *rows[4];
    uint32_t *row_ids[4];
    size_t nrows[4];
    uint64_t entry_total;       /* the first item of node's C entry list */
    mp_tick_node *view;
    uint32_t *view_ids;
    size_t nview;
};

/* A log line, split at its commas. */
typedef struct mp__tk_line {
    const char **f;
    size_t *l;
    size_t n;
} mp__tk_line;

/* --preprocess's hooks, the only places the reader calls it (see "--preprocess: V8's
   JsonProfile" below; the record dispatcher gives it its records first): a new code-map
   entry, a record, an admitted tick's stack. */
static void mp__pp_entry_reset(mp_tick_profile *p, uint32_t e);
static int mp__pp_dispatch(mp_tick_profile *p, const mp__tk_line *ln);
static void mp__pp_tick(mp_tick_profile *p, const int64_t *stack, size_t depth, double tm,
                        int64_t vm);

/* ---- small helpers --------------------------------------------------------------------- */

static void mp__tk_warn(mp_tick_profile *p, const char *fmt, ...) MP__PRINTF(2, 3);
static void mp__tk_warn(mp_tick_profile *p, const char *fmt, ...)
{
    va_list ap;
    mp_buf b;
    char *s;
    memset(&b, 0, sizeof b);
    /* Per-line warnings stop at a hundred; the end-of-log summaries always get in. */
    if (p->nwarn >= MP__TK_MAX_WARNINGS && !p->stopped) { p->warn_dropped++; return; }
    va_start(ap, fmt);
    {
        char small[256];
        int n = vsnprintf(small, sizeof small, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if ((size_t)n < sizeof small) {
            mp_buf_append(&b, small, (size_t)n);
        } else {
            va_start(ap, fmt);
            if (mp__buf_reserve(&b, (size_t)n)) {
                vsnprintf(b.data, b.cap, fmt, ap);
                b.len = (size_t)n;
            }
            va_end(ap);
        }
    }
    if (b.failed || !b.data) { mp_buf_free(&b); p->failed = 1; return; }
    s = mp_buf_take(&b);
    if (!mp__grow((void **)&p->warn, &p->capwarn, p->nwarn + 1, sizeof *p->warn)) {
        MP_FREE(s);
        p->failed = 1;
        return;
    }
    p->warn[p->nwarn++] = s;
}

/* ---- string table ---------------------------------------------------------------------- */

static int mp__tk_str_is(const void *ctx, uint32_t id, const void *key)
{
    const mp__tk_str *st = &((const mp_tick_profile *)ctx)->strs[id];
    const mp__span *k = (const mp__span *)key;
    return st->len == k->n && memcmp(st->s, k->s, k->n) == 0;
}

/* The id of the string s[0..n), added if new; MP__TK_NONE when out of memory. */
static uint32_t mp__tk_intern(mp_tick_profile *p, const char *s, size_t n)
{
    uint64_t h = mp__hash_bytes(0, s, n);
    uint32_t slot, id;
    mp__span key;
    mp__tk_str *st;
    const char *copy;
    if (n > 0xFFFFFFF0u || !mp__tab_reserve(&p->str_index)) return MP__TK_NONE;
    key.s = s;
    key.n = n;
    id = mp__tab_find(&p->str_index, h, mp__tk_str_is, p, &key, &slot);
    if (id != MP__NONE) return id;
    if (!mp__grow32((void **)&p->strs, &p->capstrs, (size_t)p->nstrs + 1, sizeof *p->strs))
        return MP__TK_NONE;
    if (!(copy = mp__arena_strndup(&p->str_arena, s, n))) return MP__TK_NONE;
    id = p->nstrs++;
    st = &p->strs[id];
    memset(st, 0, sizeof *st);
    st->s = copy;
    st->len = (uint32_t)n;
    mp__tab_put(&p->str_index, slot, h, id);
    return id;
}

static uint32_t mp__tk_intern_z(mp_tick_profile *p, const char *s)
{
    return mp__tk_intern(p, s, strlen(s));
}

/* ---- 64-bit map ------------------------------------------------------------------------ */

static int mp__tk_pair_is(const void *ctx, uint32_t id, const void *key)
{
    return ((const mp__tk_pair *)ctx)[id].key == *(const uint64_t *)key;
}

static uint32_t mp__tk_map_get(const mp__tk_map *m, uint64_t key)
{
    uint32_t at, id;
    id = mp__tab_find(&m->index, mp__hash_u64(key), mp__tk_pair_is, m->pairs, &key, &at);
    return id == MP__NONE ? MP__TK_NONE : m->pairs[id].val;
}

/* Sets key to val; 0 when out of memory. */
static int mp__tk_map_put(mp__tk_map *m, uint64_t key, uint32_t val)
{
    uint64_t h = mp__hash_u64(key);
    uint32_t at, id;
    if (!mp__tab_reserve(&m->index)) return 0;
    if ((id = mp__tab_find(&m->index, h, mp__tk_pair_is, m->pairs, &key, &at)) != MP__NONE) {
        m->pairs[id].val = val;
        return 1;
    }
    if (!mp__grow32((void **)&m->pairs, &m->cap, (size_t)m->n + 1, sizeof *m->pairs)) return 0;
    m->pairs[m->n].key = key;
    m->pairs[m->n].val = val;
    mp__tab_put(&m->index, at, h, m->n++);
    return 1;
}

static void mp__tk_map_free(mp__tk_map *m)
{
    MP_FREE(m->pairs);
    mp__tab_free(&m->index);
    memset(m, 0, sizeof *m);
}

/* ---- treap ----------------------------------------------------------------------------- */

/* Forgets every remembered lookup. */
static void mp__tk_bump(mp_tick_profile *p)
{
    if (++p->version == 0) {
        memset(p->hits, 0, sizeof p->hits);
        p->version = 1;
    }
}

static uint32_t mp__tk_rand(mp_tick_profile *p)
{
    uint32_t x = p->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return p->rng = x;
}

static uint32_t mp__tk_tfind(const mp__tk_tree *t, int64_t key)
{
    uint32_t i = t->root;
    while (i) {
        if (key == t->n[i].key) return i;
        i = key < t->n[i].key ? t->n[i].left : t->n[i].right;
    }
    return 0;
}

/* The node with the greatest key <= key (SplayTree.findGreatestLessThan), or 0. */
static uint32_t mp__tk_tfind_le(const mp__tk_tree *t, int64_t key)
{
    uint32_t i = t->root, best = 0;
    while (i) {
        if (t->n[i].key <= key) { best = i; i = t->n[i].right; }
        else i = t->n[i].left;
    }
    return best;
}

static uint32_t mp__tk_tedge(const mp__tk_tree *t, int rightmost)
{
    uint32_t i = t->root;
    if (!i) return 0;
    for (;;) {
        uint32_t next = rightmost ? t->n[i].right : t->n[i].left;
        if (!next) return i;
        i = next;
    }
}

/* Splits subtree i into keys < key and keys >= key. */
static void mp__tk_split(mp__tk_tree *t, uint32_t i, int64_t key, uint32_t *l, uint32_t *r)
{
    if (!i) { *l = *r = 0; return; }
    if (t->n[i].key < key) {
        mp__tk_split(t, t->n[i].right, key, &t->n[i].right, r);
        *l = i;
    } else {
        mp__tk_split(t, t->n[i].left, key, l, &t->n[i].left);
        *r = i;
    }
}

static uint32_t mp__tk_merge(mp__tk_tree *t, uint32_t a, uint32_t b)
{
    if (!a) return b;
    if (!b) return a;
    if (t->n[a].prio > t->n[b].prio) {
        t->n[a].right = mp__tk_merge(t, t->n[a].right, b);
        return a;
    }
    t->n[b].left = mp__tk_merge(t, a, t->n[b].left);
    return b;
}

static uint32_t mp__tk_tinsert_at(mp__tk_tree *t, uint32_t i, uint32_t node)
{
    if (!i) return node;
    if (t->n[node].prio > t->n[i].prio) {
        mp__tk_split(t, i, t->n[node].key, &t->n[node].left, &t->n[node].right);
        return node;
    }
    if (t->n[node].key < t->n[i].key) t->n[i].left = mp__tk_tinsert_at(t, t->n[i].left, node);
    else t->n[i].right = mp__tk_tinsert_at(t, t->n[i].right, node);
    return i;
}

/* Inserts key -> val unless key is there (SplayTree.insert ignores duplicates).
   Returns 1 if inserted, 0 if the key existed, -1 when out of memory. */
static int mp__tk_tinsert(mp_tick_profile *p, mp__tk_tree *t, int64_t key, uint32_t val)
{
    uint32_t node;
    if (mp__tk_tfind(t, key)) return 0;
    if (t->free_list) {
        node = t->free_list;
        t->free_list = t->n[node].left;
    } else {
        if (!t->cap) t->count = 0;
        if (!mp__grow32((void **)&t->n, &t->cap, (size_t)t->count + 2, sizeof *t->n))
            return -1;
        if (t->count == 0) { memset(&t->n[0], 0, sizeof t->n[0]); t->count = 1; }
        node = t->count++;
    }
    t->n[node].key = key;
    t->n[node].val = val;
    t->n[node].left = t->n[node].right = 0;
    t->n[node].prio = mp__tk_rand(p);
    t->root = mp__tk_tinsert_at(t, t->root, node);
    t->changed = 1;
    mp__tk_bump(p);
    return 1;
}

static uint32_t mp__tk_tremove_at(mp__tk_tree *t, uint32_t i, int64_t key, uint32_t *removed)
{
    if (!i) return 0;
    if (key == t->n[i].key) {
        *removed = i;
        return mp__tk_merge(t, t->n[i].left, t->n[i].right);
    }
    if (key < t->n[i].key) t->n[i].left = mp__tk_tremove_at(t, t->n[i].left, key, removed);
    else t->n[i].right = mp__tk_tremove_at(t, t->n[i].right, key, removed);
    return i;
}

/* Removes key; returns its value or MP__TK_NONE if it was not there. */
static uint32_t mp__tk_tremove(mp_tick_profile *p, mp__tk_tree *t, int64_t key)
{
    uint32_t removed = 0, val;
    t->root = mp__tk_tremove_at(t, t->root, key, &removed);
    if (!removed) return MP__TK_NONE;
    t->changed = 1;
    mp__tk_bump(p);
    val = t->n[removed].val;
    t->n[removed].left = t->free_list;
    t->free_list = removed;
    return val;
}

static void mp__tk_tclear(mp__tk_tree *t)
{
    t->root = 0;
    t->free_list = 0;
    t->count = t->cap ? 1 : 0;
    t->changed = 1;
}

/* a + b, saturated: a garbage log must not overflow where JavaScript's doubles cannot. */
static int64_t mp__tk_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
    if (b < 0 && a < INT64_MIN + 1 - b) return INT64_MIN + 1;
    return a + b;
}

/* ---- code entries ---------------------------------------------------------------------- */

static uint32_t mp__tk_new_entry(mp_tick_profile *p, int kind, int64_t size, uint32_t name,
                                 uint32_t type)
{
    uint32_t e;
    mp__tk_entry *en;
    if (p->free_ent != MP__TK_NONE) {
        e = p->free_ent;
        p->free_ent = p->ents[e].func;
    } else {
        if (!mp__grow32((void **)&p->ents, &p->capents, (size_t)p->nents + 1,
                        sizeof *p->ents)) {
            p->failed = 1;
            return MP__TK_NONE;
        }
        e = p->nents++;
    }
    en = &p->ents[e];
    memset(en, 0, sizeof *en);
    en->kind = (uint8_t)kind;
    en->size = size;
    en->name = name;
    en->type = type;
    en->func = MP__TK_NONE;
    en->shown = MP__TK_NONE;
    if (p->pp) mp__pp_entry_reset(p, e);
    return e;
}

static void mp__tk_unref(mp_tick_profile *p, uint32_t e)
{
    while (e != MP__TK_NONE) {
        mp__tk_entry *en = &p->ents[e];
        uint32_t func;
        if (en->refs > 1) { en->refs--; return; }
        func = en->kind == MP__TK_FUNC_CODE ? en->func : MP__TK_NONE;
        en->refs = 0;
        en->kind = 0;
        en->func = p->free_ent;
        p->free_ent = e;
        e = func;
    }
}

/* CodeMap.deleteAllCoveredNodes_: walks down from end - 1 and removes every entry that
   overlaps [start, end), zero-sized ones included. */
static void mp__tk_delete_covered(mp_tick_profile *p, mp__tk_tree *t, int64_t start, int64_t end)
{
    size_t n = 0, i;
    int64_t addr;
    if (end <= start) return;
    addr = end - 1;
    while (addr >= start) {
        uint32_t node = mp__tk_tfind_le(t, addr);
        int64_t s2, e2;
        if (!node) break;
        s2 = t->n[node].key;
        e2 = mp__tk_add(s2, p->ents[t->n[node].val].size);
        if (s2 < end && start < e2) {
            if (!mp__grow((void **)&p->del_scratch, &p->del_cap, n + 1, sizeof(int64_t))) {
                p->failed = 1;
                break;
            }
            p->del_scratch[n++] = s2;
        }
        if (s2 == INT64_MIN) break;
        addr = s2 - 1;
    }
    for (i = 0; i < n; i++) mp__tk_unref(p, mp__tk_tremove(p, t, p->del_scratch[i]));
}

/* Puts e at start in t; drops e when the key is taken. */
static void mp__tk_place(mp_tick_profile *p, mp__tk_tree *t, int64_t start, uint32_t e)
{
    int r;
    p->ents[e].refs++;
    r = mp__tk_tinsert(p, t, start, e);
    if (r < 0) p->failed = 1;
    if (r <= 0) mp__tk_unref(p, e);
}

/* CodeMap.addCode */
static void mp__tk_add_code(mp_tick_profile *p, int64_t start, uint32_t e)
{
    mp__tk_delete_covered(p, &p->dyn, start, mp__tk_add(start, p->ents[e].size));
    mp__tk_place(p, &p->dyn, start, e);
}

static uint32_t mp__tk_page(int64_t addr)
{
    /* JS's (addr / 4096) | 0: truncation toward zero, then ToInt32. */
    return (uint32_t)(uint64_t)(addr / 4096);
}

static int mp__tk_on_lib_page(const mp_tick_profile *p, int64_t addr)
{
    uint32_t page = mp__tk_page(addr);
    size_t lo = 0, hi = p->nspans;
    while (lo < hi) { /* first span with lo > page */
        size_t mid = lo + (hi - lo) / 2;
        if (p->spans[mid].lo <= page) lo = mid + 1;
        else hi = mid;
    }
    return lo > 0 && page <= p->spans[lo - 1].hi;
}

static int mp__tk_span_cmp(const void *x, const void *y)
{
    const mp__tk_span *a = (const mp__tk_span *)x, *b = (const mp__tk_span *)y;
    return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* Adds pages lo..hi and merges: shared-library records are few, lookups many. */
static void mp__tk_add_span(mp_tick_profile *p, uint32_t lo, uint32_t hi)
{
    size_t i, k = 0;
    if (!mp__grow((void **)&p->spans, &p->capspans, p->nspans + 1, sizeof *p->spans)) {
        p->failed = 1;
        return;
    }
    p->spans[p->nspans].lo = lo;
    p->spans[p->nspans].hi = hi;
    p->nspans++;
    mp__tk_bump(p);
    qsort(p->spans, p->nspans, sizeof *p->spans, mp__tk_span_cmp);
    for (i = 1; i < p->nspans; i++) {
        mp__tk_span *last = &p->spans[k];
        if (last->hi == UINT32_MAX || p->spans[i].lo <= last->hi + 1) {
            if (p->spans[i].hi > last->hi) last->hi = p->spans[i].hi;
        } else {
            p->spans[++k] = p->spans[i];
        }
    }
    p->nspans = k + 1;
}

static uint32_t mp__tk_find_in(const mp_tick_profile *p, const mp__tk_tree *t, int64_t addr)
{
    uint32_t node = mp__tk_tfind_le(t, addr);
    if (!node) return MP__TK_NONE;
    if (addr >= t->n[node].key &&
        addr < mp__tk_add(t->n[node].key, p->ents[t->n[node].val].size))
        return t->n[node].val;
    return MP__TK_NONE;
}

static void mp__tk_add_static(mp_tick_profile *p, int64_t start, uint32_t e)
{
    if (!mp__grow((void **)&p->pending, &p->cappending, p->npending + 1, sizeof *p->pending)) {
        p->failed = 1;
        mp__tk_unref(p, e);
        return;
    }
    p->ents[e].refs++;
    p->pending[p->npending].key = start;
    p->pending[p->npending].val = e;
    p->pending[p->npending].seq = p->stat_seq++;
    p->npending++;
}

static int mp__tk_static_cmp(const void *x, const void *y)
{
    const mp__tk_static *a = (const mp__tk_static *)x, *b = (const mp__tk_static *)y;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Index of the greatest key <= key in the merged array, or -1. */
static ptrdiff_t mp__tk_static_le(const mp_tick_profile *p, int64_t key)
{
    size_t lo = 0, hi = p->nstat;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->stat[mid].key <= key) lo = mid + 1;
        else hi = mid;
    }
    return (ptrdiff_t)lo - 1;
}

/* Merges the pending additions; a start already taken keeps its first entry. */
static void mp__tk_flush_static(mp_tick_profile *p)
{
    size_t i, j, k, n;
    if (!p->npending) return;
    /* a library's symbols come sorted: only what arrived out of order needs qsort */
    for (i = 1; i < p->npending && mp__tk_static_cmp(&p->pending[i - 1], &p->pending[i]) < 0; i++) {}
    if (i < p->npending) qsort(p->pending, p->npending, sizeof *p->pending, mp__tk_static_cmp);
    for (i = k = j = 0; i < p->npending; i++) { /* both sorted: one walk finds the taken */
        while (j < p->nstat && p->stat[j].key < p->pending[i].key) j++;
        if ((k > 0 && p->pending[k - 1].key == p->pending[i].key) ||
            (j < p->nstat && p->stat[j].key == p->pending[i].key)) {
            if (!(p->pending[i].val & MP__TK_LAZY)) mp__tk_unref(p, p->pending[i].val);
            continue;
        }
        p->pending[k++] = p->pending[i];
    }
    n = p->nstat + k;
    if (!mp__grow((void **)&p->stat, &p->capstat, n ? n : 1, sizeof *p->stat)) {
        for (i = 0; i < k; i++)
            if (!(p->pending[i].val & MP__TK_LAZY)) mp__tk_unref(p, p->pending[i].val);
        p->npending = 0;
        p->failed = 1;
        return;
    }
    /* Merged from the back, in place: a library mapped above the others (most are) moves
       nothing that was there. */
    for (i = p->nstat, j = k; j > 0;) {
        if (i > 0 && p->stat[i - 1].key > p->pending[j - 1].key) p->stat[i + j - 1] = p->stat[i - 1], i--;
        else p->stat[i + j - 1] = p->pending[j - 1], j--;
    }
    p->nstat = n;
    p->npending = 0;
    mp__tk_bump(p);
}

/* The entry of p->stat[at], made now if it is a lazy one; MP__TK_NONE: no memory. */
static uint32_t mp__tk_static_entry(mp_tick_profile *p, size_t at)
{
    const mp__tk_lazy *lz;
    const mp_sym *sym;
    uint32_t e = p->stat[at].val;
    if (!(e & MP__TK_LAZY)) return e;
    lz = &p->lazy[e & ~MP__TK_LAZY];
    sym = &p->cfg.symbols->places[lz->place].syms[lz->index];
    e = mp__tk_new_entry(p, MP__TK_CPP, (int64_t)(sym->end - sym->start), MP__TK_NONE, p->id_cpp);
    if (e == MP__TK_NONE) return MP__TK_NONE;
    p->ents[e].func = lz->place;  /* named when a report asks (mp__tk_cpp_name) */
    p->ents[e].shown = lz->index;
    p->ents[e].refs = 1;
    p->stat[at].val = e;
    return e;
}

static uint32_t mp__tk_find_static(mp_tick_profile *p, int64_t addr)
{
    ptrdiff_t at;
    uint32_t e;
    if (p->npending) mp__tk_flush_static(p);
    at = mp__tk_static_le(p, addr);
    if (at < 0 || (e = mp__tk_static_entry(p, (size_t)at)) == MP__TK_NONE) return MP__TK_NONE;
    return addr < mp__tk_add(p->stat[at].key, p->ents[e].size) ? e : MP__TK_NONE;
}

/* NameGenerator.getName: the raw name the first time, then "name {N}". */
static uint32_t mp__tk_generate_name(mp_tick_profile *p, uint32_t raw)
{
    char num[32];
    mp__tk_str *st = &p->strs[raw];
    if (st->gen == 0) { st->gen = 1; return raw; }
    st->gen++;
    p->tmp.len = 0;
    mp_buf_append(&p->tmp, p->strs[raw].s, p->strs[raw].len);
    snprintf(num, sizeof num, " {%u}", (unsigned)(p->strs[raw].gen - 1));
    mp_buf_puts(&p->tmp, num);
    if (p->tmp.failed) { p->failed = 1; return raw; }
    {
        uint32_t id = mp__tk_intern(p, p->tmp.data, p->tmp.len);
        if (id == MP__TK_NONE) { p->failed = 1; return raw; }
        return id;
    }
}

/* CodeMap.findEntry, with its side effect of naming dynamic entries on first lookup. */
static uint32_t mp__tk_lookup(mp_tick_profile *p, int64_t addr);

static uint32_t mp__tk_find_entry(mp_tick_profile *p, int64_t addr)
{
    mp__tk_hit *h = &p->hits[mp__hash_u64((uint64_t)addr) % MP__TK_HITS];
    uint32_t e;
    if (h->version == p->version && h->addr == addr) return h->entry;
    e = mp__tk_lookup(p, addr);
    h->addr = addr;
    h->entry = e;
    h->version = p->version; /* read after the lookup: it may merge pending statics */
    return e;
}

static uint32_t mp__tk_lookup(mp_tick_profile *p, int64_t addr)
{
    uint32_t mn, mx, e;
    if (addr == MP__TK_NAN) return MP__TK_NONE;
    if (mp__tk_on_lib_page(p, addr)) {
        e = mp__tk_find_static(p, addr);
        if (e == MP__TK_NONE) e = mp__tk_find_in(p, &p->lib, addr);
        return e;
    }
    if (p->dyn.changed) {
        /* CodeMap.findAddress bounds by the last entry's end, not the greatest end. */
        mx = mp__tk_tedge(&p->dyn, 1);
        mn = mp__tk_tedge(&p->dyn, 0);
        p->dyn.lo = mx ? p->dyn.n[mn].key : 0;
        p->dyn.hi = mx ? mp__tk_add(p->dyn.n[mx].key, p->ents[p->dyn.n[mx].val].size) : 0;
        p->dyn.changed = 0;
    }
    if (!(addr >= p->dyn.lo && addr < p->dyn.hi)) return MP__TK_NONE;
    e = mp__tk_find_in(p, &p->dyn, addr);
    if (e != MP__TK_NONE && !p->ents[e].named) {
        mp__tk_entry *en = &p->ents[e];
        /* A function code entry's own name is "", which the generator counts too. */
        uint32_t raw = en->kind == MP__TK_FUNC_CODE ? p->id_empty : en->name;
        uint32_t gen = mp__tk_generate_name(p, raw);
        en = &p->ents[e];
        if (en->kind != MP__TK_FUNC_CODE) en->name = gen;
        en->named = 1;
        en->shown = MP__TK_NONE;
    }
    return e;
}

/* FunctionEntry.getName */
static void mp__tk_append_func_name(mp_tick_profile *p, mp_buf *b, uint32_t func)
{
    const mp__tk_entry *f = &p->ents[func];
    const mp__tk_str *n = &p->strs[f->name];
    if (f->kind == MP__TK_CODE) {
        mp_buf_append(b, p->strs[f->type].s, p->strs[f->type].len);
        mp_buf_append(b, ": ", 2);
        mp_buf_append(b, n->s, n->len);
        return;
    }
    if (n->len == 0) { mp_buf_puts(b, "<anonymous>"); return; }
    if (n->s[0] == ' ') mp_buf_puts(b, "<anonymous>");
    mp_buf_append(b, n->s, n->len);
}

/* A C++ entry's name, demangled and interned when a tick first needs it: a profile hits a
   few thousand of node's 150,000 symbols, and naming them all took half of processing a
   100 MB log. The string is marked C++ then, as addStaticCode marks every name up front;
   the report lists only names with ticks, so it cannot tell the difference. */
static uint32_t mp__tk_cpp_name(mp_tick_profile *p, uint32_t e)
{
    mp__tk_entry *en = &p->ents[e];
    const char *s;
    uint32_t id;
    if (en->name != MP__TK_NONE) return en->name;
    s = mp__symplace_name(p->cfg.symbols, &p->cfg.symbols->places[en->func], en->shown);
    id = mp__tk_intern_z(p, s ? s : "");
    if (id == MP__TK_NONE) {
        p->failed = 1;
        return p->id_unknown;
    }
    en = &p->ents[e];
    en->name = id;
    en->func = en->shown = MP__TK_NONE;
    p->strs[id].ctype = MP__TK_CT_CPP;
    return id;
}

/* entry.getName() as an interned id, cached on the entry. */
static uint32_t mp__tk_entry_name(mp_tick_profile *p, uint32_t e)
{
    static const char *const prefix[] = { "", "~", "^", "-", "+", "*" };
    mp__tk_entry *en = &p->ents[e];
    uint32_t id;
    if (en->kind == MP__TK_CPP) return mp__tk_cpp_name(p, e);
    if (en->kind == MP__TK_LIB || en->kind == MP__TK_FUNCTION) return en->name;
    if (en->kind == MP__TK_FUNC_CODE) {
        uint32_t fname = p->ents[en->func].name;
        if (en->shown != MP__TK_NONE && en->shown_func == fname && en->shown_state == en->state)
            return en->shown;
        p->tmp.len = 0;
        mp_buf_append(&p->tmp, p->strs[en->type].s, p->strs[en->type].len);
        mp_buf_append(&p->tmp, ": ", 2);
        mp_buf_puts(&p->tmp, en->state < 6 ? prefix[en->state] : "");
        mp__tk_append_func_name(p, &p->tmp, en->func);
        en->shown_func = fname;
        en->shown_state = en->state;
    } else {
        if (en->shown != MP__TK_NONE) return en->shown;
        p->tmp.len = 0;
        mp_buf_append(&p->tmp, p->strs[en->type].s, p->strs[en->type].len);
        mp_buf_append(&p->tmp, ": ", 2);
        mp_buf_append(&p->tmp, p->strs[en->name].s, p->strs[en->name].len);
    }
    if (p->tmp.failed || (id = mp__tk_intern(p, p->tmp.data, p->tmp.len)) == MP__TK_NONE) {
        p->failed = 1;
        return p->id_unknown;
    }
    p->ents[e].shown = id;
    return id;
}

/* entry.type === 'CPP' / 'SHARED_LIB': a dynamic entry's type is its tag, so a tag spelled
   "CPP" counts too. */
static int mp__tk_is_cpp(const mp_tick_profile *p, uint32_t e)
{
    const mp__tk_entry *en = &p->ents[e];
    if (en->kind == MP__TK_CPP) return 1;
    return (en->kind == MP__TK_CODE || en->kind == MP__TK_FUNC_CODE) && en->type == p->id_cpp;
}

static int mp__tk_is_lib(const mp_tick_profile *p, uint32_t e)
{
    const mp__tk_entry *en = &p->ents[e];
    if (en->kind == MP__TK_LIB) return 1;
    return (en->kind == MP__TK_CODE || en->kind == MP__TK_FUNC_CODE) && en->type == p->id_lib;
}

/* ---- number and field parsing ----------------------------------------------------------- */

/* JavaScript's parseInt(s) (radix 0) or parseInt(s, 16): MP__TK_NAN when it gives NaN or a
   value beyond 2^63, which no address in a log reaches. */
static int64_t mp__tk_parse_int(const char *s, size_t n, int radix16)
{
    size_t i = 0;
    int neg = 0, base = 10, any = 0;
    uint64_t v = 0;
    while (i < n && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    if (i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        base = 16;
        i += 2;
    } else if (radix16) {
        base = 16;
    }
    /* Every tick frame goes through here: no division per digit. A value that would pass
       2^63 is NaN for us anyway, so checking the top bits before each step is enough. */
    if (base == 16) {
        for (; i < n; i++) {
            int d = mp__hex_digit((unsigned char)s[i]);
            if (d < 0) break;
            if (v >> 59) return MP__TK_NAN;
            v = (v << 4) | (uint64_t)d;
            any = 1;
        }
    } else {
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            if (v > 922337203685477579ull) return MP__TK_NAN;
            v = v * 10 + (uint64_t)(s[i] - '0');
            any = 1;
        }
    }
    if (!any || v > (uint64_t)INT64_MAX) return MP__TK_NAN;
    return neg ? -(int64_t)v : (int64_t)v;
}

/* A surrogate without its other half: U+FFFD, which is what node's console.log writes for
   it, or (wtf8) the surrogate itself in UTF-8's form, which the JSON writer turns into the
   escape JSON.stringify writes for it. */
static void mp__tk_put_lone(mp_buf *b, unsigned u, int wtf8)
{
    mp__utf8_put(b, wtf8 ? u : 0xFFFD);
}

/* Appends one UTF-16 code unit as UTF-8. A surrogate pair becomes one character. */
static void mp__tk_put_unit(mp_buf *b, unsigned *pending, unsigned u, int wtf8)
{
    if (*pending) {
        unsigned hi = *pending;
        *pending = 0;
        if (u >= 0xDC00 && u <= 0xDFFF) {
            mp__utf8_put(b, 0x10000 + ((hi - 0xD800) << 10) + (u - 0xDC00));
            return;
        }
        mp__tk_put_lone(b, hi, wtf8);
    }
    if (u >= 0xD800 && u <= 0xDBFF) { *pending = u; return; }
    if (u >= 0xDC00 && u <= 0xDFFF) mp__tk_put_lone(b, u, wtf8);
    else mp__utf8_put(b, u);
}

/* CsvParser.escapeField into out: \n, \\, \xHH, \uHHHH; any other character after a
   backslash starts a 4-digit escape as well (a csvparser quirk kept on purpose). */
static void mp__tk_unescape_to(const char *s, size_t n, mp_buf *out, int wtf8)
{
    size_t i = 0;
    unsigned pending = 0;
    out->len = 0;
    mp_buf_append(out, "", 0);
    while (i < n) {
        const char *bs = (const char *)memchr(s + i, '\\', n - i);
        size_t j = bs ? (size_t)(bs - s) : n, pos, end;
        int64_t v;
        if (j > i) {
            if (pending) { mp__tk_put_lone(out, pending, wtf8); pending = 0; }
            mp_buf_append(out, s + i, j - i);
        }
        if (j == n) break;
        if (j + 1 < n && (s[j + 1] == 'n' || s[j + 1] == '\\')) {
            mp__tk_put_unit(out, &pending, s[j + 1] == 'n' ? '\n' : '\\', wtf8);
            i = j + 2;
            continue;
        }
        pos = j + 2 < n ? j + 2 : n;
        end = pos + (j + 1 < n && s[j + 1] == 'x' ? 2 : 4);
        if (end > n) end = n;
        v = mp__tk_parse_int(s + pos, end - pos, 1);
        /* String.fromCharCode(NaN) is "\0"; other values wrap to 16 bits. */
        mp__tk_put_unit(out, &pending, v == MP__TK_NAN ? 0u : (unsigned)((uint64_t)v & 0xFFFF),
                        wtf8);
        i = end;
    }
    if (pending) mp__tk_put_lone(out, pending, wtf8);
}

static void mp__tk_unescape(const char *s, size_t n, mp_buf *out)
{
    mp__tk_unescape_to(s, n, out, 0);
}

/* Field i unescaped (into scratch if it needs it); a missing field reads as "". */
static void mp__tk_field(const mp__tk_line *ln, size_t i, mp_buf *scratch, const char **s,
                         size_t *n)
{
    if (i >= ln->n) { *s = ""; *n = 0; return; }
    if (!memchr(ln->f[i], '\\', ln->l[i])) { *s = ln->f[i]; *n = ln->l[i]; return; }
    mp__tk_unescape(ln->f[i], ln->l[i], scratch);
    *s = scratch->failed ? "" : scratch->data;
    *n = scratch->failed ? 0 : scratch->len;
}

/* Field i as parseInt(field) reads it, or parseInt(field, 16) with radix16. */
static int64_t mp__tk_num_radix(mp_tick_profile *p, const mp__tk_line *ln, size_t i, int radix16)
{
    const char *s;
    size_t n;
    if (i >= ln->n) return MP__TK_NAN; /* parseInt(undefined) */
    mp__tk_field(ln, i, &p->esc_num, &s, &n);
    return mp__tk_parse_int(s, n, radix16);
}

static int64_t mp__tk_num(mp_tick_profile *p, const mp__tk_line *ln, size_t i)
{
    return mp__tk_num_radix(p, ln, i, 0);
}

/* A stack frame: node 18 reads it with parseInt(frame, 16), later ones with parseInt(frame)
   (the same for V8's "0x" addresses, not for bare digits). */
static int64_t mp__tk_frame(mp_tick_profile *p, const mp__tk_line *ln, size_t i)
{
    return mp__tk_num_radix(p, ln, i, p->rules.frames_hex);
}

static uint32_t mp__tk_field_id(mp_tick_profile *p, const mp__tk_line *ln, size_t i,
                                mp_buf *scratch)
{
    const char *s;
    size_t n;
    uint32_t id;
    mp__tk_field(ln, i, scratch, &s, &n);
    id = mp__tk_intern(p, s, n);
    if (id == MP__TK_NONE) p->failed = 1;
    return id;
}

/* Field i interned for --preprocess's JSON: lone surrogates stay (see mp__tk_put_lone). */
static uint32_t mp__tk_field_id_wtf8(mp_tick_profile *p, const mp__tk_line *ln, size_t i,
                                     mp_buf *scratch)
{
    const char *s = "";
    size_t n = 0;
    uint32_t id;
    if (i < ln->n && memchr(ln->f[i], '\\', ln->l[i])) {
        mp__tk_unescape_to(ln->f[i], ln->l[i], scratch, 1);
        if (scratch->failed) { p->failed = 1; return MP__TK_NONE; }
        s = scratch->data;
        n = scratch->len;
    } else if (i < ln->n) {
        s = ln->f[i];
        n = ln->l[i];
    }
    if ((id = mp__tk_intern(p, s, n)) == MP__TK_NONE) p->failed = 1;
    return id;
}

/* ---- records ---------------------------------------------------------------------------- */

static int mp__tk_skip_symbols(const char *name)
{
    /* node's polyfill never runs nm on these. */
    size_t i = 0, dash = 0;
    if (strcmp(name, "[vdso]") == 0 || strcmp(name, "[vsyscall]") == 0) return 1;
    for (; name[i]; i++) {
        if (name[i] == '-') {
            if (dash || i == 0) return 0;
            dash = i;
        } else if (mp__hex_digit((unsigned char)name[i]) < 0 ||
                   (name[i] >= 'A' && name[i] <= 'F')) { /* lower case only */
            return 0;
        }
    }
    return dash && name[dash + 1];
}

#define MP__TK_MAX_PAGES 16777216u /* V8's largest Set: node's page set throws beyond it */

static uint64_t mp__tk_page_count(const mp_tick_profile *p)
{
    uint64_t n = 0;
    size_t i;
    for (i = 0; i < p->nspans; i++) n += (uint64_t)p->spans[i].hi - p->spans[i].lo + 1;
    return n;
}

/* Marks count pages from first on (wrapping at 2^32) in the order Set.add would see them.
   0 when the set would outgrow V8's limit: it then holds as many as fit, as in node. */
static int mp__tk_mark_run(mp_tick_profile *p, uint32_t first, uint64_t count)
{
    uint64_t have = mp__tk_page_count(p);
    uint32_t pos = first;
    while (count > 0 && !p->failed) {
        size_t lo = 0, hi = p->nspans;
        uint64_t gap, take;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (p->spans[mid].lo <= pos) lo = mid + 1;
            else hi = mid;
        }
        if (lo > 0 && pos <= p->spans[lo - 1].hi) {
            uint64_t skip = (uint64_t)p->spans[lo - 1].hi - pos + 1;
            if (skip >= count) return 1;
            count -= skip;
            pos = (uint32_t)(pos + skip);
            continue;
        }
        gap = (lo < p->nspans ? (uint64_t)p->spans[lo].lo : 0x100000000ull) - pos;
        take = gap < count ? gap : count;
        if (have + take > MP__TK_MAX_PAGES) {
            take = MP__TK_MAX_PAGES - have;
            if (take) mp__tk_add_span(p, pos, (uint32_t)(pos + take - 1));
            return 0;
        }
        mp__tk_add_span(p, pos, (uint32_t)(pos + take - 1));
        have += take;
        count -= take;
        pos = (uint32_t)(pos + take);
    }
    return 1;
}

/* CodeMap.markPages_: the pages of start, start + 4096, ... <= end. Their numbers,
   (a / 4096) | 0, form one run (a negative start meets page 0 twice, nothing more). */
static int mp__tk_mark_pages(mp_tick_profile *p, int64_t start, int64_t end)
{
    uint64_t steps;
    int64_t first, last;
    if (end < start) return 1;
    steps = ((uint64_t)end - (uint64_t)start) / 4096;
    first = start / 4096;
    last = (int64_t)((uint64_t)start + steps * 4096) / 4096;
    return mp__tk_mark_run(p, (uint32_t)(uint64_t)first, (uint64_t)(last - first) + 1);
}

/* A placing's symbols as static entries that get their names on first use (no
   --preprocess: its JSON lists every name). */
static void mp__tk_add_lazy_symbols(mp_tick_profile *p, size_t place)
{
    mp_symtab *t = p->cfg.symbols;
    size_t i, at = 0;
    if (place > UINT32_MAX - 1) { p->failed = 1; return; }
    mp__tk_flush_static(p);
    if (t->places[place].n) { /* the walk starts at the library, not at the lowest address */
        ptrdiff_t le = mp__tk_static_le(p, (int64_t)t->places[place].syms[0].start);
        at = le > 0 ? (size_t)le : 0;
    }
    for (i = 0; i < t->places[place].n; i++) {
        const mp_sym *sym = &t->places[place].syms[i];
        /* A binary's later mapping records bring its symbols again: nothing would change
           (an entry at the same start is kept over a later one anyway). Both are sorted by
           start: one walk finds them. */
        while (at < p->nstat && p->stat[at].key < (int64_t)sym->start) at++;
        if (at < p->nstat && p->stat[at].key == (int64_t)sym->start &&
            ((p->stat[at].val & MP__TK_LAZY) || p->ents[p->stat[at].val].kind == MP__TK_CPP))
            continue;
        if (p->nlazy >= MP__TK_LAZY || i > UINT32_MAX ||
            !mp__grow((void **)&p->lazy, &p->caplazy, p->nlazy + 1, sizeof *p->lazy) ||
            !mp__grow((void **)&p->pending, &p->cappending, p->npending + 1,
                      sizeof *p->pending)) {
            p->failed = 1;
            return;
        }
        p->lazy[p->nlazy].place = (uint32_t)place;
        p->lazy[p->nlazy].index = (uint32_t)i;
        p->pending[p->npending].key = (int64_t)sym->start;
        p->pending[p->npending].val = MP__TK_LAZY | (uint32_t)p->nlazy++;
        p->pending[p->npending].seq = p->stat_seq++;
        p->npending++;
    }
}

/* A shared-library record, read. */
typedef struct mp__tk_lib {
    uint32_t name, entry;   /* entry: its code-map entry, made by mp__tk_lib_entry */
    int64_t start, end, slide;
} mp__tk_lib;

/* A library without symbols: said once per library. */
static void mp__tk_no_symbols(mp_tick_profile *p, uint32_t lib, const mp_error *e)
{
    if (mp__tk_map_get(&p->libs_warned, (uint64_t)lib + 1) != MP__TK_NONE) return;
    if (!mp__tk_map_put(&p->libs_warned, (uint64_t)lib + 1, 1)) p->failed = 1;
    mp__tk_warn(p, "no C++ symbols for %s (its ticks count under the library): %s",
                p->strs[lib].s, e->msg);
}

/* The library's symbols, every one named, from cfg.symbols_fn or cfg.symbols; 0: none (no
   source, or none found). */
static int mp__tk_lib_syms(mp_tick_profile *p, const mp__tk_lib *l, const mp_sym **syms,
                           size_t *n)
{
    const char *name = p->strs[l->name].s;
    mp_error e;
    mp_err rc;
    *syms = NULL;
    *n = 0;
    memset(&e, 0, sizeof e); /* a symbols_fn may fail without a message */
    if (p->cfg.symbols_fn)
        rc = p->cfg.symbols_fn(p->cfg.symbols_user, name, (uint64_t)l->start, (uint64_t)l->end,
                               (uint64_t)l->slide, syms, n, &e);
    else if (p->cfg.symbols)
        rc = mp_symtab_lookup(p->cfg.symbols, name, (uint64_t)l->start, (uint64_t)l->end,
                              (uint64_t)l->slide, syms, n, &e);
    else
        return 0;
    if (rc != MP_OK) { mp__tk_no_symbols(p, l->name, &e); return 0; }
    mp__tk_flush_static(p);
    return 1;
}

/* A symbol into the static map (the map flushed), unless a binary's later mapping record
   brings it again (same start and name): nothing would change then. Returns its new entry,
   MP__TK_NONE: none made. */
static uint32_t mp__tk_static_symbol(mp_tick_profile *p, const mp_sym *sym)
{
    const char *sname = sym->name ? sym->name : "";
    ptrdiff_t at = mp__tk_static_le(p, (int64_t)sym->start);
    uint32_t id, en;
    if (at >= 0 && p->stat[at].key == (int64_t)sym->start &&
        (en = mp__tk_static_entry(p, (size_t)at)) != MP__TK_NONE &&
        p->ents[en].name != MP__TK_NONE) {
        const mp__tk_str *old = &p->strs[p->ents[en].name];
        if (old->ctype == MP__TK_CT_CPP && strcmp(old->s, sname) == 0) return MP__TK_NONE;
    }
    id = mp__tk_intern_z(p, sname);
    if (id == MP__TK_NONE) { p->failed = 1; return MP__TK_NONE; }
    en = mp__tk_new_entry(p, MP__TK_CPP, (int64_t)(sym->end - sym->start), id, p->id_cpp);
    if (en == MP__TK_NONE) return MP__TK_NONE;
    mp__tk_add_static(p, (int64_t)sym->start, en);
    p->strs[id].ctype = MP__TK_CT_CPP;
    return en;
}

/* The C++ symbols of a library: from cfg.symbols placed now and named on first use, else
   all of them now. */
static void mp__tk_add_symbols(mp_tick_profile *p, const mp__tk_lib *l)
{
    const mp_sym *syms;
    size_t n, i;
    if (mp__tk_skip_symbols(p->strs[l->name].s)) return;
    if (p->cfg.symbols && !p->cfg.symbols_fn) {
        mp_error e;
        size_t place;
        memset(&e, 0, sizeof e);
        if (mp__symtab_place(p->cfg.symbols, p->strs[l->name].s, (uint64_t)l->start,
                             (uint64_t)l->end, (uint64_t)l->slide, &place, &e) != MP_OK)
            mp__tk_no_symbols(p, l->name, &e);
        else if (place != SIZE_MAX)
            mp__tk_add_lazy_symbols(p, place);
        return;
    }
    if (!mp__tk_lib_syms(p, l, &syms, &n)) return;
    for (i = 0; i < n && !p->failed; i++) (void)mp__tk_static_symbol(p, &syms[i]);
}

/* A shared-library record's fields, its pages marked, its entry made (not placed yet);
   0: the record stops here. */
static int mp__tk_lib_entry(mp_tick_profile *p, const mp__tk_line *ln, mp__tk_lib *l)
{
    l->name = mp__tk_field_id(p, ln, 1, &p->esc_a);
    l->start = mp__tk_num(p, ln, 2);
    l->end = mp__tk_num(p, ln, 3);
    l->slide = mp__tk_num(p, ln, 4);
    if (l->name == MP__TK_NONE) return 0;
    if (l->start == MP__TK_NAN || l->end == MP__TK_NAN) { p->bad_lines++; return 0; }
    if (l->slide == MP__TK_NAN) l->slide = 0;
    if (!mp__tk_mark_pages(p, l->start, l->end)) {
        /* node's Set throws: the record stops here, its library never added. */
        mp__tk_warn(p, "line %llu: Set maximum size exceeded", (unsigned long long)p->line_no);
        p->bad_lines++;
        return 0;
    }
    l->entry = mp__tk_new_entry(p, MP__TK_LIB, mp__tk_add(l->end, -l->start), l->name, p->id_lib);
    return l->entry != MP__TK_NONE;
}

static void mp__tk_place_lib(mp_tick_profile *p, const mp__tk_lib *l)
{
    mp__tk_place(p, &p->lib, l->start, l->entry);
    p->strs[l->name].ctype = MP__TK_CT_LIB;
}

static void mp__tk_shared_library(mp_tick_profile *p, const mp__tk_line *ln)
{
    mp__tk_lib l;
    if (!mp__tk_lib_entry(p, ln, &l)) return;
    mp__tk_place_lib(p, &l);
    mp__tk_add_symbols(p, &l);
}

/* A code state marker, as Profile.parseState of the node whose rules apply; -1: unknown. */
static int mp__tk_parse_state(const mp_tick_profile *p, const char *s, size_t n)
{
    if (n == 0) return 0;
    /* Only optimized code takes these: "o+", "o*'" read as "+", "*'"; "+'", "*'" as "+", "*". */
    if (n >= 2 && s[0] == 'o' && (s[1] == '+' || s[1] == '*') && p->rules.state_o_prefix)
        s++, n--;
    if (n == 2 && (s[0] == '+' || s[0] == '*') && s[1] == '\'' && p->rules.state_quote) n--;
    if (n != 1) return -1;
    switch (s[0]) {
    case '~': return 1;
    case '^': return 2;
    case '+': return p->rules.maglev_known ? 4 : -1;
    case '*': return 5;
    default: return -1;
    }
}

/* Profile.addFuncCode */
static void mp__tk_add_func_code(mp_tick_profile *p, uint32_t type, uint32_t name, int64_t start,
                                 int64_t size, int64_t func_addr, int state)
{
    uint32_t node = mp__tk_tfind(&p->dyn, func_addr), f, e;
    if (node && (!p->rules.own_entry_for_function_over_code ||
                 p->ents[p->dyn.n[node].val].kind == MP__TK_FUNCTION)) {
        f = p->dyn.n[node].val;
        if (p->ents[f].name != name) {
            p->ents[f].name = name;
            p->ents[f].shown = MP__TK_NONE;
        }
    } else {
        f = mp__tk_new_entry(p, MP__TK_FUNCTION, 0, name, p->id_empty);
        if (f == MP__TK_NONE) return;
        /* Other code at the address: adding the new function leaves the code there (V8's
           splay tree keeps a key's first entry), so only the new code entry holds it. */
        if (!node) mp__tk_add_code(p, func_addr, f);
    }
    p->ents[f].refs++; /* keep it while the code at start is replaced */
    e = mp__tk_tfind(&p->dyn, start);
    if (e) {
        mp__tk_entry *en = &p->ents[p->dyn.n[e].val];
        if (en->size == size && en->kind == MP__TK_FUNC_CODE && en->func == f) {
            en->state = (uint8_t)state;
            mp__tk_unref(p, f);
            return;
        }
        mp__tk_unref(p, mp__tk_tremove(p, &p->dyn, start));
    }
    if (p->ents[f].kind != MP__TK_FUNCTION) {
        /* node throws here ("func.addDynamicCode is not a function") and skips the line. */
        mp__tk_warn(p, "line %llu: func.addDynamicCode is not a function",
                    (unsigned long long)p->line_no);
        p->bad_lines++;
        mp__tk_unref(p, f);
        return;
    }
    e = mp__tk_new_entry(p, MP__TK_FUNC_CODE, size, p->id_empty, type);
    if (e == MP__TK_NONE) { mp__tk_unref(p, f); return; }
    p->ents[e].func = f;
    p->ents[e].state = (uint8_t)state;
    p->ents[f].refs++;
    mp__tk_unref(p, f);
    mp__tk_add_code(p, start, e);
}

/* A code-creation record, read. */
typedef struct mp__tk_code_rec {
    uint32_t type, name;    /* the tag ("JS", "Builtin", ...) and the name */
    int64_t start, size;
    int func;               /* code of a JS function: its shared function info's address,
                               and its code state */
    int64_t func_addr;
    int state;
} mp__tk_code_rec;

/* A code-creation whose name holds MP_TICK_MARK_PREFIX: a function a process compiled to
   say "now" on the log's clock (medprof's preload does, between two readings of its own
   clock). Kept as the mark's word (the prefix up to the first character that cannot be in
   an identifier) and the record's time. */
static void mp__tk_note_mark(mp_tick_profile *p, const mp__tk_line *ln, uint32_t name)
{
    static const char prefix[] = MP_TICK_MARK_PREFIX;
    const size_t plen = sizeof prefix - 1;
    const char *s = p->strs[name].s, *at, *copy;
    size_t n = p->strs[name].len, len = 0;
    int64_t ts;
    if (n < plen || !(at = mp__memmem(s, n, prefix, plen))) return;
    n -= (size_t)(at - s);
    while (len < n && (isalnum((unsigned char)at[len]) || at[len] == '_' || at[len] == '$')) len++;
    if ((ts = mp__tk_num(p, ln, 3)) == MP__TK_NAN) return;
    /* a copy beside the names, not one of them: the report's names stay as node's */
    if (!(copy = mp__arena_strndup(&p->str_arena, at, len)) ||
        !mp__grow((void **)&p->marks, &p->capmarks, p->nmarks + 1, sizeof *p->marks)) {
        p->failed = 1;
        return;
    }
    p->marks[p->nmarks].name = copy;
    p->marks[p->nmarks].ts = (double)ts;
    p->nmarks++;
}

/* A code-creation record's fields, the name read for the text report or (wtf8) for
   --preprocess's JSON; 0: the record stops here (counted, or warned about). */
static int mp__tk_code_fields(mp_tick_profile *p, const mp__tk_line *ln, int wtf8,
                              mp__tk_code_rec *c)
{
    const char *st;
    size_t stn;
    c->type = mp__tk_field_id(p, ln, 1, &p->esc_a);
    c->start = mp__tk_num(p, ln, 4);
    c->size = mp__tk_num(p, ln, 5);
    c->func = 0;
    if (c->type == MP__TK_NONE) return 0;
    if (c->start == MP__TK_NAN || c->size == MP__TK_NAN) { p->bad_lines++; return 0; }
    c->name = wtf8 ? mp__tk_field_id_wtf8(p, ln, 6, &p->esc_b)
                   : mp__tk_field_id(p, ln, 6, &p->esc_b);
    if (c->name == MP__TK_NONE) return 0;
    mp__tk_note_mark(p, ln, c->name);
    if (c->type == p->id_regexp || ln->n <= 7) return 1;
    c->func = 1;
    c->func_addr = mp__tk_num(p, ln, 7);
    mp__tk_field(ln, 8, &p->esc_a, &st, &stn);
    c->state = ln->n > 8 ? mp__tk_parse_state(p, st, stn) : -1;
    if (c->state < 0) {
        p->bad_lines++;
        if (ln->n > 8)
            mp__tk_warn(p, "line %llu: unknown code state: %.*s",
                        (unsigned long long)p->line_no, (int)(stn > 200 ? 200 : stn), st);
        else
            mp__tk_warn(p, "line %llu: unknown code state: undefined",
                        (unsigned long long)p->line_no);
        return 0;
    }
    if (c->func_addr == MP__TK_NAN) { p->bad_lines++; return 0; }
    return 1;
}

static void mp__tk_code_creation(mp_tick_profile *p, const mp__tk_line *ln)
{
    mp__tk_code_rec c;
    uint32_t e;
    if (!mp__tk_code_fields(p, ln, 0, &c)) return;
    if (c.func) {
        mp__tk_add_func_code(p, c.type, c.name, c.start, c.size, c.func_addr, c.state);
        return;
    }
    e = mp__tk_new_entry(p, MP__TK_CODE, c.size, c.name, c.type);
    if (e != MP__TK_NONE) mp__tk_add_code(p, c.start, e);
}

/* CodeMap.moveCode; unknown sources are counted and reported once at the end. */
static void mp__tk_move(mp_tick_profile *p, int64_t from, int64_t to)
{
    uint32_t e = from == MP__TK_NAN ? MP__TK_NONE : mp__tk_tremove(p, &p->dyn, from);
    if (e == MP__TK_NONE) {
        if (!p->unknown_moves++) p->first_unknown_move = from;
        return;
    }
    if (to == MP__TK_NAN) { mp__tk_unref(p, e); p->bad_lines++; return; }
    /* e keeps the reference the map had while it is out of it. */
    mp__tk_delete_covered(p, &p->dyn, to, mp__tk_add(to, p->ents[e].size));
    {
        int r = mp__tk_tinsert(p, &p->dyn, to, e);
        if (r < 0) p->failed = 1;
        if (r <= 0) mp__tk_unref(p, e);
    }
}

static void mp__tk_delete(mp_tick_profile *p, int64_t addr)
{
    uint32_t e = addr == MP__TK_NAN ? MP__TK_NONE : mp__tk_tremove(p, &p->dyn, addr);
    if (e == MP__TK_NONE) {
        if (!p->unknown_deletes++) p->first_unknown_delete = addr;
        return;
    }
    mp__tk_unref(p, e);
}

static int mp__tk_contains(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit), i;
    for (i = 0; i + m <= n; i++)
        if (s[i] == lit[0] && memcmp(s + i, lit, m) == 0) return 1;
    return 0;
}

static int mp__tk_starts(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n >= m && memcmp(s, lit, m) == 0;
}

/* V8Profile.skipThisFunction, cached per name. */
static int mp__tk_skip(mp_tick_profile *p, uint32_t id)
{
    mp__tk_str *st = &p->strs[id];
    if (!st->skip) {
        const char *s = st->s;
        size_t n = st->len;
        int skip = 0;
        /* IC_RE: only its first branch is anchored, so the others match anywhere. */
        if (p->skip_ic &&
            (mp__tk_starts(s, n, "LoadGlobalIC: ") || mp__tk_contains(s, n, "Handler: ") ||
             mp__tk_contains(s, n, "CallIC") || mp__tk_contains(s, n, "LoadIC") ||
             mp__tk_contains(s, n, "StoreIC")))
            skip = 1;
        if (p->skip_bytecodes && mp__tk_starts(s, n, "BytecodeHandler: ")) skip = 1;
        if (p->skip_builtins && mp__tk_starts(s, n, "Builtin: ")) skip = 1;
        if (p->skip_stubs && mp__tk_starts(s, n, "Stub: ")) skip = 1;
        st->skip = skip ? 2 : 1;
    }
    return st->skip == 2;
}

static uint32_t mp__tk_child(mp_tick_profile *p, uint32_t parent, uint32_t label)
{
    uint64_t key = (((uint64_t)parent << 32) | label) + 1;
    uint32_t c = mp__tk_map_get(&p->children, key);
    mp__tk_cnode *n;
    if (c != MP__TK_NONE) return c;
    if (!mp__grow32((void **)&p->cn, &p->capcn, (size_t)p->ncn + 1, sizeof *p->cn)) {
        p->failed = 1;
        return MP__TK_NONE;
    }
    c = p->ncn++;
    n = &p->cn[c];
    memset(n, 0, sizeof *n);
    n->label = label;
    n->parent = parent;
    n->first_child = n->next_sibling = MP__TK_NONE;
    n->next_sibling = p->cn[parent].first_child;
    p->cn[parent].first_child = c;
    if (!mp__tk_map_put(&p->children, key, c)) { p->failed = 1; p->ncn--; return MP__TK_NONE; }
    return c;
}

/* Hands the resolved names of the current tick (times ticks alike) to cfg.on_stack and
   cfg.on_stacks. */
static void mp__tk_report_stack(mp_tick_profile *p, const uint32_t *names, size_t n,
                                uint64_t times)
{
    size_t i;
    if (!mp__grow((void **)&p->stack_strs, &p->stack_strs_cap, n, sizeof *p->stack_strs)) {
        p->failed = 1;
        return;
    }
    for (i = 0; i < n; i++) p->stack_strs[i] = p->strs[names[i]].s;
    if (p->cfg.on_stack) p->cfg.on_stack(p->cfg.stack_user, p->stack_strs, n, p->tick_ts);
    if (p->cfg.on_stacks) p->cfg.on_stacks(p->cfg.stack_user, p->stack_strs, n, times);
}

#define MP__TK_UNWALKED (MP__TK_NONE - 1) /* above any node: mp__grow32 stops below */

/* What a tick's stack resolved to, as attribution takes it. */
typedef struct mp__tk_resolved {
    const uint32_t *names;  /* n names, top first */
    size_t n;
    uint32_t centry;        /* the C++ entry point it counts for, MP__TK_NONE: none */
    int unaccounted;
    uint32_t leaf;          /* its node in the bottom-up tree; MP__TK_NONE: none,
                               MP__TK_UNWALKED: not looked for yet */
} mp__tk_resolved;

/* Profile.resolveAndFilterFuncs_: the stack's names (in p->names), and the C entry point it
   passes. */
static void mp__tk_resolve(mp_tick_profile *p, const int64_t *stack, size_t depth,
                           mp__tk_resolved *r)
{
    size_t i, n = 0;
    uint32_t last_c = MP__TK_NONE;
    int look_for_c = 0;
    r->names = p->names;
    r->centry = MP__TK_NONE;
    r->unaccounted = 0;
    r->leaf = MP__TK_UNWALKED;
    for (i = 0; i < depth; i++) {
        uint32_t e = mp__tk_find_entry(p, stack[i]);
        int cpp = 0;
        if (e != MP__TK_NONE) {
            uint32_t name = mp__tk_entry_name(p, e);
            cpp = mp__tk_is_cpp(p, e);
            if (i == 0 && (cpp || mp__tk_is_lib(p, e))) look_for_c = 1;
            if (look_for_c && cpp) last_c = name;
            if (!mp__tk_skip(p, name)) p->names[n++] = name;
        } else if (i == 0) {
            r->unaccounted = 1;
            p->names[n++] = p->id_unknown;
        }
        if (look_for_c && i > 0 && (e == MP__TK_NONE || !cpp) && last_c != MP__TK_NONE &&
            p->strs[last_c].len > 0) {
            r->centry = last_c;
            look_for_c = 0;
        }
    }
    r->n = n;
}

/* Attribution: every tick that passes the filters ends here, `count` ticks alike at once (a
   tick read on its own, a repeat the memo knows, a group of the read-ahead), so a new output
   of the ticks hooks in here only. The counts of the flat profile, the C++ entry points, the
   on_stack callbacks and the trees' addPath: the bottom-up tree is walked the first time a
   stack comes (r->leaf MP__TK_UNWALKED), and its node kept in r for the repeats. p->tick_ts
   is the tick's time (for count > 1, the first's). */
static void mp__tk_attribute(mp_tick_profile *p, mp__tk_resolved *r, uint64_t count)
{
    size_t i, n = r->n;
    const uint32_t *names = r->names;
    if (r->unaccounted) p->unaccounted += count;
    if (r->centry != MP__TK_NONE) p->strs[r->centry].centry += count;
    if (n == 0) { r->leaf = MP__TK_NONE; return; }
    if (p->cfg.on_stack || p->cfg.on_stacks) mp__tk_report_stack(p, names, n, count);
    p->strs[names[0]].self += count;
    for (i = 0; i < n; i++) {
        mp__tk_str *str = &p->strs[names[i]];
        if (str->stamp != p->ticks) { /* a recursive name counts once per tick */
            str->stamp = p->ticks;
            str->on_stack += count;
        }
    }
    if (r->leaf == MP__TK_UNWALKED) {
        /* Only the levels the heavy profile can print are kept: a node's total is the
           number of paths through it, which cutting deeper levels does not change. */
        uint32_t node = 0;
        if (n > (size_t)p->depth) n = (size_t)p->depth;
        for (i = 0; i < n && node != MP__TK_NONE; i++) node = mp__tk_child(p, node, names[i]);
        r->leaf = node;
    }
    if (r->leaf != MP__TK_NONE) p->cn[r->leaf].self += count;
}

/* One tick record's values; its frames are in p->stack from index 2 on, so that pc and tos
   can be put in front without moving them. */
typedef struct mp__tk_tickv {
    int64_t pc, ts, ext, tos, vm;
    size_t nframes;
    uint64_t dropped; /* "overflow" frames */
} mp__tk_tickv;

static int mp__tk_stack_room(mp_tick_profile *p, size_t frames)
{
    if (mp__grow((void **)&p->stack, &p->stack_cap, frames + 2, sizeof *p->stack) &&
        mp__grow((void **)&p->names, &p->names_cap, frames + 2, sizeof *p->names))
        return 1;
    p->failed = 1;
    return 0;
}

static void mp__tk_tick_fields(mp_tick_profile *p, const mp__tk_line *ln, mp__tk_tickv *t)
{
    int64_t prev;
    size_t i;
    t->pc = mp__tk_num(p, ln, 1);
    t->ts = mp__tk_num(p, ln, 2);
    t->ext = mp__tk_num(p, ln, 3);
    t->tos = mp__tk_num(p, ln, 4);
    t->vm = mp__tk_num(p, ln, 5);
    t->nframes = 0;
    t->dropped = 0;
    /* Relative frames count from the pc the tick is attributed to. */
    prev = (t->ext != 0 && t->ext != MP__TK_NAN) ? t->tos : t->pc;
    for (i = 6; i < ln->n; i++) {
        const char *f = ln->f[i];
        int64_t v;
        if (ln->l[i] > 0 && (f[0] == '+' || f[0] == '-')) {
            int64_t off = mp__tk_frame(p, ln, i);
            prev = (prev == MP__TK_NAN || off == MP__TK_NAN) ? MP__TK_NAN : mp__tk_add(prev, off);
            v = prev;
        } else if (ln->l[i] > 0 && f[0] == 'o') {
            t->dropped++;
            continue;
        } else {
            v = mp__tk_frame(p, ln, i);
        }
        p->stack[2 + t->nframes++] = v;
    }
}

/* The common shape of a field, "0x" and 1-15 hex digits or 1-18 decimal digits, ended by a
   comma or the end of the line: parseInt gives the plain value and no escape can be inside.
   Anything else returns 0 and the line takes the general path. */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MP__TK_SWAR_HEX 1
#define MP__ONES 0x0101010101010101ull

/* A byte-wise mask: the high bit of each byte of x in [lo, hi] (all below 0x80). */
static uint64_t mp__bytes_in(uint64_t x, unsigned lo, unsigned hi)
{
    uint64_t a = x & (0x7F * MP__ONES);
    uint64_t ge_lo = a + (0x80 - lo) * MP__ONES, gt_hi = a + (0x7F - hi) * MP__ONES;
    return ge_lo & ~gt_hi & ~x & (0x80 * MP__ONES);
}

/* The digits in bytes 0-7 of x, read big-endian as the text is: eight hex digits → 32 bits. */
static uint64_t mp__hex8(uint64_t x)
{
    uint64_t n = (x & (0x0F * MP__ONES)) + ((x >> 6) & MP__ONES) * 9; /* '0'-'9', a-f, A-F */
    n = __builtin_bswap64(n);
    n = (n | (n >> 4)) & 0x00FF00FF00FF00FFull;
    n = (n | (n >> 8)) & 0x0000FFFF0000FFFFull;
    return (n | (n >> 16)) & 0x00000000FFFFFFFFull;
}

/* 1-15 hex digits ended by a comma or by the end of the line (end), with 16 bytes readable
   at s: a frame address is read in a few word operations instead of a branch per digit (the
   per-digit loop was a quarter of processing a log). */
static int mp__tk_hex16(const char *s, const char *end, uint64_t *v, size_t *len)
{
    uint64_t w[2], bad[2];
    size_t n;
    int i;
    memcpy(w, s, 16);
    for (i = 0; i < 2; i++)
        bad[i] = ~(mp__bytes_in(w[i], '0', '9') | mp__bytes_in(w[i] | 0x20 * MP__ONES, 'a', 'f')) &
                 (0x80 * MP__ONES);
    n = bad[0] ? (size_t)__builtin_ctzll(bad[0]) >> 3 : 8 + (bad[1] ? (size_t)__builtin_ctzll(bad[1]) >> 3 : 8);
    if (n == 0 || n > 15 || n > (size_t)(end - s) || (s + n != end && s[n] != ',')) return 0;
    *v = (mp__hex8(w[0]) << 32 | mp__hex8(w[1])) >> (4 * (16 - n));
    *len = n;
    return 1;
}
#endif

static int mp__tk_fast_num(const char **cur, const char *end, const char *lim, int64_t *v)
{
    const char *s = *cur;
    uint64_t x = 0;
    size_t digits = 0;
#ifdef MP__TK_SWAR_HEX
    if (lim - s >= 18 && end - s > 2 && s[0] == '0' && s[1] == 'x' &&
        mp__tk_hex16(s + 2, end, &x, &digits)) {
        *v = (int64_t)x;
        s += 2 + digits;
        *cur = s < end ? s + 1 : s;
        return 1;
    }
#else
    (void)lim;
#endif
    if (end - s > 2 && s[0] == '0' && s[1] == 'x') {
        for (s += 2; s < end && *s != ','; s++, digits++) {
            int d = mp__hex_digit((unsigned char)*s);
            if (d < 0 || digits == 15) return 0;
            x = (x << 4) | (uint64_t)d;
        }
    } else {
        for (; s < end && *s != ','; s++, digits++) {
            if ((unsigned)(*s - '0') > 9 || digits == 18) return 0;
            x = x * 10 + (uint64_t)(*s - '0');
        }
    }
    if (digits == 0) return 0;
    *v = (int64_t)x;
    *cur = s < end ? s + 1 : s;
    return 1;
}

/* Nearly every line of a big log is a tick with absolute frames: read it in one pass, with
   no splitting into fields first. The bytes up to lim (past the line's end) may be read. */
static int mp__tk_tick_head_fast(const char **cur, const char *end, const char *lim,
                                 mp__tk_tickv *t)
{
    const char *s = *cur;
    if (end[-1] == ',') return 0; /* a trailing empty field: let the general path decide */
    if (!mp__tk_fast_num(&s, end, lim, &t->pc) || !mp__tk_fast_num(&s, end, lim, &t->ts) ||
        !mp__tk_fast_num(&s, end, lim, &t->ext) || !mp__tk_fast_num(&s, end, lim, &t->tos) ||
        !mp__tk_fast_num(&s, end, lim, &t->vm))
        return 0;
    if (s != end && s[-1] != ',') return 0;
    t->nframes = 0;
    t->dropped = 0;
    *cur = s;
    return 1;
}

static int mp__tk_tick_frames_fast(mp_tick_profile *p, const char *s, const char *end,
                                   const char *lim, mp__tk_tickv *t)
{
    int hex_only = p->rules.frames_hex; /* bare digits read as hex: the general path */
    /* Each frame takes at least two bytes with its comma. */
    if (!mp__tk_stack_room(p, (size_t)(end - s) / 2 + 1)) return 0;
    while (s < end) {
        if (hex_only && !(end - s > 2 && s[0] == '0' && s[1] == 'x')) return 0;
        if (!mp__tk_fast_num(&s, end, lim, &p->stack[2 + t->nframes++])) return 0;
    }
    return 1;
}

/* TickProcessor.includeTick: node 26's negative filter (-ni) first, then a VM state, then a
   runtime timer. */
static int mp__tk_tick_included(const mp_tick_profile *p, int64_t vm)
{
    if (p->cfg.ignore_idle) return vm != MP_TICK_VM_IDLE;
    if (p->cfg.filter_state) return vm == (int64_t)p->cfg.state;
    return p->want_timer == MP__TK_NONE || p->current_timer == p->want_timer;
}

/* Profile.processTick's filters: whether the tick goes on to be attributed. times > 1: the
   tick stands for that many alike (the read-ahead's groups, which never have a --range). */
static int mp__tk_tick_admit(mp_tick_profile *p, const mp__tk_tickv *t, uint64_t times)
{
    double ts;
    p->distortion += p->distortion_per * (double)times;
    if (t->ts != MP__TK_NAN) {
        ts = (double)t->ts - p->distortion;
        if (ts < p->range_start || ts > p->range_end) return 0;
    }
    p->ticks += times;
    if (t->vm == MP_TICK_VM_GC) p->gc += times;
    if (!mp__tk_tick_included(p, t->vm)) {
        p->excluded += times;
        return 0;
    }
    p->dropped_frames += t->dropped * times;
    p->tick_ts = t->ts == MP__TK_NAN ? 0 : (double)t->ts;
    return 1;
}

/* The stack as TickProcessor builds it: pc and tos go right in front of the frames (in
   p->stack from index 2). Returns how many went in front. */
static size_t mp__tk_tick_front(mp_tick_profile *p, const mp__tk_tickv *t)
{
    int64_t pc = t->pc, tos = t->tos;
    size_t depth;
    if (t->ext != 0 && t->ext != MP__TK_NAN) {
        pc = tos;
        tos = 0;
    } else if (tos != 0 && tos != MP__TK_NAN) {
        uint32_t e = mp__tk_find_entry(p, tos);
        if (e == MP__TK_NONE || p->ents[e].kind != MP__TK_FUNC_CODE) tos = 0;
    }
    depth = (tos != 0 && tos != MP__TK_NAN) ? 2 : 1;
    if (depth == 2) p->stack[1] = tos;
    p->stack[2 - depth] = pc;
    return depth;
}

/* What the stack of an admitted tick resolves to (its frames in p->stack from index 2). */
static void mp__tk_tick_resolve(mp_tick_profile *p, const mp__tk_tickv *t, mp__tk_resolved *r)
{
    size_t depth = mp__tk_tick_front(p, t);
    mp__tk_resolve(p, p->stack + 2 - depth, depth + t->nframes, r);
}

/* Profile.processTick: filters, then the stack's attribution (times alike ticks), or with
   --preprocess the stack as JsonProfile keeps it (times is 1 then: no memo, no groups). */
static void mp__tk_tick_apply(mp_tick_profile *p, mp__tk_tickv *t, uint64_t times)
{
    mp__tk_resolved r;
    if (!mp__tk_tick_admit(p, t, times)) return;
    if (p->pp) {
        size_t depth = mp__tk_tick_front(p, t);
        mp__pp_tick(p, p->stack + 2 - depth, depth + t->nframes,
                    t->ts == MP__TK_NAN ? NAN : (double)t->ts - p->distortion, t->vm);
        return;
    }
    mp__tk_tick_resolve(p, t, &r);
    mp__tk_attribute(p, &r, times);
}

/* ---- ticks seen before ---------------------------------------------------------------------

   Most ticks repeat an earlier tick exactly, but for the time (9 in 10 of a CPU-bound node
   process's): what a tick's stack resolved to (names, C entry point, node of the bottom-up
   tree) is kept by its pc, external callback, tos, VM state and frames as written, so a
   repeat skips reading its frames, the code-map lookups and the tree walk. Only records that
   are not ticks can change what a stack resolves to: each starts a new generation, and what
   older ones kept is not used. */

#define MP__TK_MEMO_SLOTS 8192u

typedef struct mp__tk_memo {
    uint64_t hash;
    uint32_t gen;            /* 0: empty */
    int64_t pc, ext, tos, vm;
    char *text;              /* the frames as written */
    size_t len, text_cap;
    uint32_t *names;
    size_t names_cap;
    mp__tk_resolved r;       /* its names: in `names` */
} mp__tk_memo;

static void mp__tk_memo_new_gen(mp_tick_profile *p)
{
    uint32_t i;
    if (++p->memo_gen != 0) return;
    if (p->memo)
        for (i = 0; i < MP__TK_MEMO_SLOTS; i++) p->memo[i].gen = 0;
    p->memo_gen = 1;
}

static void mp__tk_memo_free(mp_tick_profile *p)
{
    uint32_t i;
    if (!p->memo) return;
    for (i = 0; i < MP__TK_MEMO_SLOTS; i++) {
        MP_FREE(p->memo[i].text);
        MP_FREE(p->memo[i].names);
    }
    MP_FREE(p->memo);
    p->memo = NULL;
}

/* The slot of a tick by all it is kept by: pc, tos, external callback, VM state and the
   frames as written. */
static uint64_t mp__tk_memo_hash(const mp__tk_tickv *t, const char *s, size_t n)
{
    uint64_t h = mp__hash_u64((uint64_t)t->pc ^ (uint64_t)t->tos << 1 ^ (uint64_t)t->ext << 2 ^
                              (uint64_t)t->vm << 3);
    return mp__hash_bytes(h, s, n);
}

/* The tick's slot and its hash (*h); NULL: no memo (--preprocess, or no memory for it), and
   then no hashing either. */
static mp__tk_memo *mp__tk_memo_slot(mp_tick_profile *p, const mp__tk_tickv *t, const char *s,
                                     size_t n, uint64_t *h)
{
    if (p->memo_off) return NULL;
    if (!p->memo) {
        p->memo = (mp__tk_memo *)MP_MALLOC(MP__TK_MEMO_SLOTS * sizeof *p->memo);
        if (!p->memo) { p->memo_off = 1; return NULL; } /* slower, not wrong */
        memset(p->memo, 0, MP__TK_MEMO_SLOTS * sizeof *p->memo);
        if (p->memo_gen == 0) p->memo_gen = 1;
    }
    *h = mp__tk_memo_hash(t, s, n);
    return &p->memo[*h % MP__TK_MEMO_SLOTS];
}

static int mp__tk_memo_same(const mp_tick_profile *p, const mp__tk_memo *m, uint64_t h,
                            const mp__tk_tickv *t, const char *s, size_t n)
{
    return m->gen == p->memo_gen && m->hash == h && m->pc == t->pc && m->ext == t->ext &&
           m->tos == t->tos && m->vm == t->vm && m->len == n && memcmp(m->text, s, n) == 0;
}

/* Keeps what the tick resolved to (attributed: r->leaf is known); without memory the slot
   stays empty. */
static void mp__tk_memo_store(mp_tick_profile *p, mp__tk_memo *m, uint64_t h,
                              const mp__tk_tickv *t, const char *s, size_t n,
                              const mp__tk_resolved *r)
{
    m->gen = 0;
    if (!mp__grow((void **)&m->text, &m->text_cap, n ? n : 1, 1) ||
        !mp__grow((void **)&m->names, &m->names_cap, r->n ? r->n : 1, sizeof *m->names))
        return;
    memcpy(m->text, s, n);
    memcpy(m->names, r->names, r->n * sizeof *m->names);
    m->len = n;
    m->hash = h;
    m->pc = t->pc;
    m->ext = t->ext;
    m->tos = t->tos;
    m->vm = t->vm;
    m->r = *r;
    m->r.names = m->names;
    m->gen = p->memo_gen;
}

/* A tick line whose fields are all plain numbers (s: what follows "tick,"; the bytes up to
   lim are readable), read and attributed at once; 0: the general path must read it. */
static int mp__tk_fast_tick(mp_tick_profile *p, const char *s, size_t n, const char *lim)
{
    const char *end = s + n;
    mp__tk_tickv t;
    mp__tk_memo *m = NULL;
    mp__tk_resolved r;
    uint64_t h = 0;
    size_t len;
    if (!mp__tk_tick_head_fast(&s, end, lim, &t)) return 0;
    len = (size_t)(end - s);
    if ((m = mp__tk_memo_slot(p, &t, s, len, &h)) && mp__tk_memo_same(p, m, h, &t, s, len)) {
        if (mp__tk_tick_admit(p, &t, 1)) mp__tk_attribute(p, &m->r, 1);
        return 1;
    }
    if (!mp__tk_tick_frames_fast(p, s, end, lim, &t)) return 0;
    if (!m) {
        mp__tk_tick_apply(p, &t, 1);
        return 1;
    }
    if (!mp__tk_tick_admit(p, &t, 1)) return 1;
    mp__tk_tick_resolve(p, &t, &r);
    mp__tk_attribute(p, &r, 1);
    mp__tk_memo_store(p, m, h, &t, s, len, &r);
    return 1;
}

static void mp__tk_tick(mp_tick_profile *p, const mp__tk_line *ln, uint64_t times)
{
    mp__tk_tickv t;
    if (!mp__tk_stack_room(p, ln->n)) return;
    mp__tk_tick_fields(p, ln, &t);
    mp__tk_tick_apply(p, &t, times);
}

static void mp__tk_dispatch(mp_tick_profile *p, const mp__tk_line *ln)
{
    const char *tag = ln->f[0];
    size_t n = ln->l[0];
#define MP__TK_TAG(lit) (n == sizeof(lit) - 1 && memcmp(tag, lit, n) == 0)
    if (p->pp && mp__pp_dispatch(p, ln)) return;
    if (MP__TK_TAG("tick")) mp__tk_tick(p, ln, 1);
    else if (MP__TK_TAG("code-creation")) mp__tk_code_creation(p, ln);
    else if (MP__TK_TAG("code-move")) mp__tk_move(p, mp__tk_num(p, ln, 1), mp__tk_num(p, ln, 2));
    else if (MP__TK_TAG("code-delete") && !p->rules.ignore_code_delete)
        mp__tk_delete(p, mp__tk_num(p, ln, 1));
    else if (MP__TK_TAG("sfi-move")) {
        int64_t from = mp__tk_num(p, ln, 1);
        if (from != MP__TK_NAN && mp__tk_tfind(&p->dyn, from))
            mp__tk_move(p, from, mp__tk_num(p, ln, 2));
    } else if (MP__TK_TAG("shared-library")) mp__tk_shared_library(p, ln);
    else if (MP__TK_TAG("active-runtime-timer")) {
        p->current_timer = mp__tk_field_id(p, ln, 1, &p->esc_a);
    } else if (MP__TK_TAG("timer-event-start") || MP__TK_TAG("timer-event-end")) {
        p->distortion += p->distortion_per;
    } else if (!(MP__TK_TAG("code-deopt") || MP__TK_TAG("code-source-info") ||
                 MP__TK_TAG("script-source") || MP__TK_TAG("heap-sample-begin") ||
                 MP__TK_TAG("heap-sample-end") || MP__TK_TAG("profiler") ||
                 MP__TK_TAG("function-creation") || MP__TK_TAG("function-move") ||
                 MP__TK_TAG("function-delete") || MP__TK_TAG("heap-sample-item") ||
                 MP__TK_TAG("current-time") || MP__TK_TAG("code-allocate") ||
                 MP__TK_TAG("begin-code-region") || MP__TK_TAG("end-code-region") ||
                 MP__TK_TAG("v8-version") || MP__TK_TAG("v8-platform") ||
                 MP__TK_TAG("shared-library-end"))) {
        p->unknown_records++;
    }
#undef MP__TK_TAG
}

/* The line's fields at its commas, in p->fp / p->fl; 0: no memory. */
static int mp__tk_split_fields(mp_tick_profile *p, const char *s, size_t n, mp__tk_line *ln)
{
    size_t i, start = 0, k = 0;
    for (;;) {
        const char *comma = (const char *)memchr(s + start, ',', n - start);
        i = comma ? (size_t)(comma - s) : n;
        if (k >= p->fcap &&
            (!mp__grow((void **)&p->fp, &p->fcap, k + 1, sizeof *p->fp) ||
             !mp__grow((void **)&p->fl, &p->flcap, p->fcap, sizeof *p->fl))) {
            p->failed = 1;
            return 0;
        }
        p->fp[k] = s + start;
        p->fl[k] = i - start;
        k++;
        if (!comma) break;
        start = i + 1;
    }
    ln->f = p->fp;
    ln->l = p->fl;
    ln->n = k;
    return 1;
}

/* A line s[0, n); the bytes up to lim, past its end, are readable (lim >= s + n). */
static void mp__tk_line_in(mp_tick_profile *p, const char *s, size_t n, const char *lim)
{
    mp__tk_line ln;
    p->line_no++;
    p->lines++;
    if (n > 5 && memcmp(s, "tick,", 5) == 0 && mp__tk_fast_tick(p, s + 5, n - 5, lim)) return;
    mp__tk_memo_new_gen(p); /* a record that may change the code map, or an odd tick */
    if (mp__tk_split_fields(p, s, n, &ln)) mp__tk_dispatch(p, &ln);
}

/* A tick line's values, by the fast path or the general one, its frames in p->stack from
   index 2 on. 0: no memory. */
static int mp__tk_tick_read(mp_tick_profile *p, const char *s, size_t n, const char *lim,
                            mp__tk_tickv *t)
{
    const char *f = s + 5, *end = s + n;
    mp__tk_line ln;
    if (mp__tk_tick_head_fast(&f, end, lim, t) && mp__tk_tick_frames_fast(p, f, end, lim, t))
        return 1;
    if (p->failed || !mp__tk_split_fields(p, s, n, &ln) || !mp__tk_stack_room(p, ln.n)) return 0;
    mp__tk_tick_fields(p, &ln, t);
    return 1;
}

/* What the first tick of a read-ahead group resolved to, for the group's later counts. */
typedef struct mp__tk_group {
    mp__tk_tickv t;          /* for the filters */
    mp__tk_resolved r;       /* its names: r.n from `names` on in p->group_names, which moves */
    size_t names;
} mp__tk_group;

/* The first tick of group id of the read-ahead (s[0, n), standing for `times` ticks alike but
   for their times): read once, attributed once, counted times times, and kept. Group 0
   starts an epoch: what the earlier one kept is of no more use. */
static void mp__tk_group_first(mp_tick_profile *p, const char *s, size_t n, const char *lim,
                               uint32_t id, uint64_t times)
{
    mp__tk_tickv t;
    mp__tk_group *g;
    p->line_no += times;
    p->lines += times;
    if (id == 0) p->group_names_len = 0;
    if (!mp__tk_tick_read(p, s, n, lim, &t)) return;
    if (!mp__grow((void **)&p->groups, &p->groups_cap, (size_t)id + 1, sizeof *p->groups)) {
        p->failed = 1;
        return;
    }
    g = &p->groups[id];
    g->t = t;
    g->r.n = 0;
    g->r.leaf = MP__TK_NONE;
    g->names = 0;
    if (!mp__tk_tick_admit(p, &t, times)) return; /* the same for its later ticks */
    mp__tk_tick_resolve(p, &t, &g->r);
    if (!mp__grow((void **)&p->group_names, &p->group_names_cap,
                  p->group_names_len + g->r.n + 1, sizeof *p->group_names)) {
        p->failed = 1;
        return;
    }
    memcpy(p->group_names + p->group_names_len, g->r.names, g->r.n * sizeof *p->group_names);
    g->names = p->group_names_len;
    p->group_names_len += g->r.n;
    mp__tk_attribute(p, &g->r, times);
}

/* More ticks of a group already seen in this epoch: counted as its first was. */
static void mp__tk_group_again(mp_tick_profile *p, uint32_t id, uint64_t times)
{
    mp__tk_group *g;
    p->line_no += times;
    p->lines += times;
    if (id >= p->groups_cap) return; /* the reader names only groups it handed over */
    g = &p->groups[id];
    if (!mp__tk_tick_admit(p, &g->t, times)) return;
    g->r.names = p->group_names + g->names;
    mp__tk_attribute(p, &g->r, times);
}

/* ---- --preprocess: V8's JsonProfile --------------------------------------------------------

   With --preprocess the log is read as V8's JsonProfile (profile.mjs) reads it, for
   mp_tick_write_preprocess: every code object, function, tick and script is kept for the JSON.
   It shares the reader, the code map and the records that only change the map; the reader
   calls it in three places (mp__pp_entry_reset, mp__pp_dispatch, mp__pp_tick). Its records,
   code-creation and shared-library among them, are its own: they make the JSON's elements
   as they change the map. */

enum { MP__PP_LIB = 1, MP__PP_CPP, MP__PP_CODE, MP__PP_JS };

/* One element of the JSON's "code" array. Elements are replaced in place (a code-creation
   inside a C++ symbol takes the symbol's place) and gain "source" and "deopt" later, so the
   array is kept until the end. Strings are interned ids; MP__TK_NONE: undefined. */
typedef struct mp__pp_code {
    uint32_t name;
    uint32_t kind;          /* CODE: the code-creation tag; JS: the code state 0..5, or 6
                               for node 18's Sparkplug ("Baseline") */
    uint32_t func;          /* JS: its index in "functions" */
    uint32_t source, deopt; /* indexes in mp__pp.sources / .deopts, or MP__TK_NONE */
    int64_t ts;             /* CODE: "timestamp"; JS: "tm" */
    uint8_t type;           /* MP__PP_* */
    uint8_t deopt_first;    /* "deopt" was added before "source": JSON keeps key order */
} mp__pp_code;

typedef struct mp__pp_source {
    int64_t script, start, end;
    uint32_t positions, inlined;
    uint32_t *fns;          /* function indexes; MP__TK_NONE: null */
    uint32_t nfns;
} mp__pp_source;

typedef struct mp__pp_deopt {
    int64_t tm, inlining, offset;
    uint32_t pos, reason, bailout;
} mp__pp_deopt;

typedef struct mp__pp_func {
    uint32_t name;
    uint32_t *codes;
    uint32_t n, cap;
} mp__pp_func;

typedef struct mp__pp_script {
    int64_t id;
    uint32_t url, source, group;
} mp__pp_script;

/* Script.getShortestUniqueName's dictionary: scripts by the last part of their URL. */
typedef struct mp__pp_group {
    uint32_t count, last_url, filename;
} mp__pp_group;

/* What a code-map entry is in the JSON: its "code" index, and for a shared function info
   its "functions" index (MP__TK_NONE: undefined in node's objects). */
typedef struct mp__pp_ids {
    uint32_t code, func;
} mp__pp_ids;

typedef struct mp__pp {
    mp__pp_code *code;
    uint32_t ncode, capcode;
    mp__pp_ids *ids;                /* per code-map entry, as p->ents */
    size_t capids;
    mp__pp_source *sources;
    size_t nsources, capsources;
    mp__pp_deopt *deopts;
    size_t ndeopts, capdeopts;
    mp__pp_func *funcs;
    size_t nfuncs, capfuncs;
    mp_buf ticks;                   /* varint-encoded, see mp__pp_tick */
    uint64_t nticks;
    mp__pp_script *scripts;
    size_t nscripts, capscripts;
    mp__tk_map script_at;           /* script id + 1 -> index in scripts */
    int64_t max_script;             /* -1: none */
    int64_t script_overflow;        /* an id above MP_PP_MAX_SCRIPT_ID; 0: none */
    mp__pp_group *groups;
    size_t ngroups, capgroups;
    mp__tk_map group_of;            /* filename id + 1 -> index in groups */
    int list;                       /* the C++ symbols come from cfg.symbol_list */
    mp_buf esc;                     /* unescaping scratch */
} mp__pp;


#ifndef MP_PP_MAX_SCRIPT_ID
/* The "scripts" array holds a null for every id below the largest. Past this many, node's
   JSON.stringify fails (V8's strings stop at 2^29 characters), and so does
   mp_tick_write_preprocess, instead of writing gigabytes of nulls. */
#define MP_PP_MAX_SCRIPT_ID 50000000
#endif

/* list: the C++ symbols come from cfg.symbol_list. NULL: no memory. */
static mp__pp *mp__pp_new(int list)
{
    mp__pp *pp = (mp__pp *)MP_MALLOC(sizeof *pp);
    if (!pp) return NULL;
    memset(pp, 0, sizeof *pp);
    pp->max_script = -1;
    pp->list = list;
    return pp;
}

static void mp__pp_free(mp__pp *pp)
{
    size_t i;
    if (!pp) return;
    for (i = 0; i < pp->nsources; i++) MP_FREE(pp->sources[i].fns);
    for (i = 0; i < pp->nfuncs; i++) MP_FREE(pp->funcs[i].codes);
    MP_FREE(pp->code);
    MP_FREE(pp->ids);
    MP_FREE(pp->sources);
    MP_FREE(pp->deopts);
    MP_FREE(pp->funcs);
    mp_buf_free(&pp->ticks);
    MP_FREE(pp->scripts);
    mp__tk_map_free(&pp->script_at);
    MP_FREE(pp->groups);
    mp__tk_map_free(&pp->group_of);
    mp_buf_free(&pp->esc);
    MP_FREE(pp);
}

/* A new code-map entry starts without JSON indexes (entries are recycled). */
static void mp__pp_entry_reset(mp_tick_profile *p, uint32_t e)
{
    mp__pp *pp = p->pp;
    if (!mp__grow((void **)&pp->ids, &pp->capids, (size_t)e + 1, sizeof *pp->ids)) {
        p->failed = 1;
        return;
    }
    pp->ids[e].code = pp->ids[e].func = MP__TK_NONE;
}

static uint32_t mp__pp_field_id(mp_tick_profile *p, const mp__tk_line *ln, size_t i)
{
    return mp__tk_field_id_wtf8(p, ln, i, &p->pp->esc);
}

static uint32_t mp__pp_push_code(mp_tick_profile *p, int type, uint32_t name)
{
    mp__pp *pp = p->pp;
    mp__pp_code *c;
    if (!mp__grow32((void **)&pp->code, &pp->capcode, (size_t)pp->ncode + 1, sizeof *pp->code)) {
        p->failed = 1;
        return MP__TK_NONE;
    }
    c = &pp->code[pp->ncode];
    memset(c, 0, sizeof *c);
    c->type = (uint8_t)type;
    c->name = name;
    c->kind = c->func = c->source = c->deopt = MP__TK_NONE;
    c->ts = MP__TK_NAN;
    return pp->ncode++;
}

static uint32_t mp__pp_push_func(mp_tick_profile *p, uint32_t name)
{
    mp__pp *pp = p->pp;
    if (!mp__grow((void **)&pp->funcs, &pp->capfuncs, pp->nfuncs + 1, sizeof *pp->funcs)) {
        p->failed = 1;
        return MP__TK_NONE;
    }
    memset(&pp->funcs[pp->nfuncs], 0, sizeof *pp->funcs);
    pp->funcs[pp->nfuncs].name = name;
    return (uint32_t)pp->nfuncs++;
}

static void mp__pp_func_add_code(mp_tick_profile *p, uint32_t fid, uint32_t cid)
{
    mp__pp_func *f = &p->pp->funcs[fid];
    size_t cap = f->cap;
    if (!mp__grow((void **)&f->codes, &cap, (size_t)f->n + 1, sizeof *f->codes)) {
        p->failed = 1;
        return;
    }
    f->cap = (uint32_t)cap;
    f->codes[f->n++] = cid;
}

/* JsonProfile.addLibrary: every shared-library record is an element, even a repeated one. */
static void mp__pp_library(mp_tick_profile *p, uint32_t e, uint32_t name)
{
    uint32_t cid = mp__pp_push_code(p, MP__PP_LIB, name);
    if (!p->failed) p->pp->ids[e].code = cid;
}

/* With cfg.symbol_list the symbols are in the map before the log. Each shared-library
   record lists the ones inside its range as elements again, as node's nm run for it would
   (nm -n: by address; addStaticCode adds an element even where the map keeps the first). */
static void mp__pp_list_symbols(mp_tick_profile *p, int64_t start, int64_t end)
{
    ptrdiff_t at;
    size_t i;
    if (p->npending) mp__tk_flush_static(p);
    at = mp__tk_static_le(p, start);
    i = at >= 0 && p->stat[at].key == start ? (size_t)at : (size_t)(at + 1);
    for (; i < p->nstat && p->stat[i].key <= end && !p->failed; i++) {
        uint32_t e = p->stat[i].val, cid;
        if (mp__tk_add(p->stat[i].key, p->ents[e].size) > end) continue;
        cid = mp__pp_push_code(p, MP__PP_CPP, p->ents[e].name);
        if (!p->failed && p->pp->ids[e].code == MP__TK_NONE) p->pp->ids[e].code = cid;
    }
}

/* JsonProfile.addStaticCode makes a "code" element of every symbol it is given, one the map
   has already too. The JSON lists every name: none waits to be named on first use. */
static void mp__pp_add_symbols(mp_tick_profile *p, const mp__tk_lib *l)
{
    const mp_sym *syms;
    size_t n, i;
    if (mp__tk_skip_symbols(p->strs[l->name].s) || !mp__tk_lib_syms(p, l, &syms, &n)) return;
    for (i = 0; i < n && !p->failed; i++) {
        uint32_t id = mp__tk_intern_z(p, syms[i].name ? syms[i].name : ""), cid, en;
        if (id == MP__TK_NONE || (cid = mp__pp_push_code(p, MP__PP_CPP, id)) == MP__TK_NONE) {
            p->failed = 1;
            return;
        }
        en = mp__tk_static_symbol(p, &syms[i]);
        if (en != MP__TK_NONE) p->pp->ids[en].code = cid;
    }
}

/* shared-library: JsonProfile.addLibrary's element first, then the symbols'. */
static void mp__pp_shared_library(mp_tick_profile *p, const mp__tk_line *ln)
{
    mp__tk_lib l;
    if (!mp__tk_lib_entry(p, ln, &l)) return;
    mp__pp_library(p, l.entry, l.name);
    mp__tk_place_lib(p, &l);
    mp__pp_add_symbols(p, &l);
    if (p->pp->list) mp__pp_list_symbols(p, l.start, l.end);
}

/* Empties element cid for a new code object (its source and deopt records stay unused). */
static void mp__pp_reuse_code(mp__pp *pp, uint32_t cid, int type, uint32_t name)
{
    mp__pp_code *c = &pp->code[cid];
    memset(c, 0, sizeof *c);
    c->type = (uint8_t)type;
    c->name = name;
    c->kind = c->func = c->source = c->deopt = MP__TK_NONE;
}

/* JsonProfile.addCode: a code object starting inside a C++ symbol replaces the symbol's
   element (builtins embedded in the binary, found through the symbol). */
static void mp__pp_add_code(mp_tick_profile *p, uint32_t tag, uint32_t name, int64_t ts,
                            int64_t start, int64_t size)
{
    mp__pp *pp = p->pp;
    uint32_t found = mp__tk_find_entry(p, start), cid = pp->ncode, e;
    if (found != MP__TK_NONE && p->ents[found].kind == MP__TK_CPP) cid = pp->ids[found].code;
    e = mp__tk_new_entry(p, MP__TK_CODE, size, name, tag);
    if (e == MP__TK_NONE || p->failed) return;
    pp->ids[e].code = cid;
    mp__tk_add_code(p, start, e);
    if (cid == MP__TK_NONE) return; /* node sets an array property JSON.stringify skips */
    if (cid == pp->ncode) {
        if (mp__pp_push_code(p, MP__PP_CODE, name) == MP__TK_NONE) return;
    } else {
        mp__pp_reuse_code(pp, cid, MP__PP_CODE, name);
    }
    pp->code[cid].kind = tag;
    pp->code[cid].ts = ts;
}

/* JsonProfile.addFuncCode. Unlike the text report's profile, every code-creation makes a
   new element (its code objects carry no function to compare), and a shared function info
   that gets another name starts a new function. The code is a plain entry: the JSON's
   profile has no JS functions, so a tick's top-of-stack is never kept. */
static void mp__pp_add_func_code(mp_tick_profile *p, uint32_t tag, uint32_t name, int64_t ts,
                                 int64_t start, int64_t size, int64_t func_addr, int state)
{
    uint32_t node = mp__tk_tfind(&p->dyn, func_addr), f, e, fid, cid;
    if (!node) {
        f = mp__tk_new_entry(p, MP__TK_FUNCTION, 0, name, p->id_empty);
        if (f == MP__TK_NONE || p->failed) return;
        p->pp->ids[f].func = mp__pp_push_func(p, name);
        mp__tk_add_code(p, func_addr, f);
        if (p->failed) return;
    } else {
        f = p->dyn.n[node].val;
        if (p->ents[f].name != name) {
            p->ents[f].name = name;
            p->ents[f].shown = MP__TK_NONE;
            p->pp->ids[f].func = mp__pp_push_func(p, name);
        }
    }
    fid = p->pp->ids[f].func;
    p->ents[f].refs++; /* the code at start may be f itself */
    if (mp__tk_tfind(&p->dyn, start)) mp__tk_unref(p, mp__tk_tremove(p, &p->dyn, start));
    e = mp__tk_new_entry(p, MP__TK_CODE, size, name, tag);
    if (e != MP__TK_NONE && !p->failed) {
        cid = p->pp->ncode;
        p->pp->ids[e].code = cid;
        mp__tk_add_code(p, start, e);
        if (fid == MP__TK_NONE) {
            /* An entry that is no function info, met at func_addr: node throws at
               functionEntries_[undefined], after the code went into the map. */
            p->bad_lines++;
            mp__tk_warn(p, "line %llu: Cannot read properties of undefined (reading 'codes')",
                        (unsigned long long)p->line_no);
        } else if (mp__pp_push_code(p, MP__PP_JS, name) != MP__TK_NONE) {
            p->pp->code[cid].kind =
                p->rules.preprocess_sparkplug_baseline && state == 2 ? 6u : (uint32_t)state;
            p->pp->code[cid].func = fid;
            p->pp->code[cid].ts = ts;
            mp__pp_func_add_code(p, fid, cid);
        }
    }
    mp__tk_unref(p, f);
}

static void mp__pp_code_creation(mp_tick_profile *p, const mp__tk_line *ln)
{
    mp__tk_code_rec c;
    if (!mp__tk_code_fields(p, ln, 1, &c)) return;
    if (c.func)
        mp__pp_add_func_code(p, c.type, c.name, mp__tk_num(p, ln, 3), c.start, c.size,
                             c.func_addr, c.state);
    else
        mp__pp_add_code(p, c.type, c.name, mp__tk_num(p, ln, 3), c.start, c.size);
}

/* The element of the code object starting at addr, or MP__TK_NONE where node's
   codeEntries_[entry.codeId] would be undefined (and its processor throw). */
static uint32_t mp__pp_code_at(mp_tick_profile *p, int64_t addr)
{
    uint32_t node = addr == MP__TK_NAN ? 0 : mp__tk_tfind(&p->dyn, addr), cid;
    if (!node) return MP__TK_NONE;
    cid = p->pp->ids[p->dyn.n[node].val].code;
    return cid < p->pp->ncode ? cid : MP__TK_NONE;
}

/* The "functions" index of the entry at addr, MP__TK_NONE (null) if none. */
static uint32_t mp__pp_func_at(mp_tick_profile *p, int64_t addr)
{
    uint32_t node = addr == MP__TK_NAN ? 0 : mp__tk_tfind(&p->dyn, addr);
    return node ? p->pp->ids[p->dyn.n[node].val].func : MP__TK_NONE;
}

/* "S<addr>S<addr>..." (the first character is skipped whatever it is) as function indexes. */
static int mp__pp_inlined_fns(mp_tick_profile *p, const char *s, size_t n, mp__pp_source *src)
{
    size_t i, start, k = 1;
    if (n == 0) return 1;
    for (i = 1; i < n; i++) k += s[i] == 'S';
    if (!(src->fns = (uint32_t *)MP_MALLOC(k * sizeof *src->fns))) return 0;
    for (i = start = 1, k = 0;; i++) {
        if (i == n || s[i] == 'S') {
            src->fns[k++] = mp__pp_func_at(p, mp__tk_parse_int(s + start, i - start, 0));
            start = i + 1;
        }
        if (i >= n) break;
    }
    src->nfns = (uint32_t)k;
    return 1;
}

/* code-source-info: JsonProfile.addSourcePositions, the code element's "source". */
static void mp__pp_source_info(mp_tick_profile *p, const mp__tk_line *ln)
{
    mp__pp *pp = p->pp;
    uint32_t cid = mp__pp_code_at(p, mp__tk_num(p, ln, 1));
    mp__pp_source src;
    const char *s;
    size_t n;
    /* Without the inlined functions' field node's processor throws before any change. */
    if (cid == MP__TK_NONE || ln->n < 8) return;
    memset(&src, 0, sizeof src);
    src.script = mp__tk_num(p, ln, 2);
    src.start = mp__tk_num(p, ln, 3);
    src.end = mp__tk_num(p, ln, 4);
    mp__tk_field(ln, 7, &p->esc_a, &s, &n);
    if (!mp__pp_inlined_fns(p, s, n, &src)) { p->failed = 1; return; }
    src.positions = mp__pp_field_id(p, ln, 5);
    src.inlined = mp__pp_field_id(p, ln, 6);
    if (p->failed) { MP_FREE(src.fns); return; }
    if (pp->code[cid].source != MP__TK_NONE) {
        MP_FREE(pp->sources[pp->code[cid].source].fns);
        pp->sources[pp->code[cid].source] = src;
        return;
    }
    if (!mp__grow((void **)&pp->sources, &pp->capsources, pp->nsources + 1,
                  sizeof *pp->sources)) {
        MP_FREE(src.fns);
        p->failed = 1;
        return;
    }
    pp->sources[pp->nsources] = src;
    pp->code[cid].source = (uint32_t)pp->nsources++;
    pp->code[cid].deopt_first = pp->code[cid].deopt != MP__TK_NONE;
}

/* code-deopt: JsonProfile.deoptCode keeps the first deoptimization of a code object. */
static void mp__pp_code_deopt(mp_tick_profile *p, const mp__tk_line *ln)
{
    mp__pp *pp = p->pp;
    uint32_t cid = mp__pp_code_at(p, mp__tk_num(p, ln, 3));
    mp__pp_deopt *d;
    if (cid == MP__TK_NONE || pp->code[cid].deopt != MP__TK_NONE) return;
    if (!mp__grow((void **)&pp->deopts, &pp->capdeopts, pp->ndeopts + 1, sizeof *pp->deopts)) {
        p->failed = 1;
        return;
    }
    d = &pp->deopts[pp->ndeopts];
    d->tm = mp__tk_num(p, ln, 1);
    d->inlining = mp__tk_num(p, ln, 4);
    d->offset = mp__tk_num(p, ln, 5);
    d->bailout = ln->n > 6 ? mp__pp_field_id(p, ln, 6) : MP__TK_NONE;
    d->pos = ln->n > 7 ? mp__pp_field_id(p, ln, 7) : MP__TK_NONE;
    d->reason = ln->n > 8 ? mp__pp_field_id(p, ln, 8) : MP__TK_NONE;
    if (p->failed) return;
    pp->code[cid].deopt = (uint32_t)pp->ndeopts++;
}

/* Script.getShortestUniqueName's dictionary entry for the last part of url. */
static uint32_t mp__pp_group_of(mp_tick_profile *p, uint32_t url)
{
    mp__pp *pp = p->pp;
    const char *u = p->strs[url].s;
    size_t n = p->strs[url].len, cut = n;
    uint32_t fname, g;
    while (cut > 0 && u[cut - 1] != '/') cut--;
    if ((fname = mp__tk_intern(p, u + cut, n - cut)) == MP__TK_NONE) { p->failed = 1; return 0; }
    g = mp__tk_map_get(&pp->group_of, (uint64_t)fname + 1);
    if (g != MP__TK_NONE) return g;
    if (!mp__grow((void **)&pp->groups, &pp->capgroups, pp->ngroups + 1, sizeof *pp->groups) ||
        !mp__tk_map_put(&pp->group_of, (uint64_t)fname + 1, (uint32_t)pp->ngroups)) {
        p->failed = 1;
        return 0;
    }
    pp->groups[pp->ngroups].count = 0;
    pp->groups[pp->ngroups].filename = fname;
    return (uint32_t)pp->ngroups++;
}

/* script-source: JsonProfile.addScriptSource. A script is named by the last part of its
   URL until another script with that part comes: then every one of them is named by the
   newest one's URL (node's Script.getShortestUniqueName does exactly that). */
static void mp__pp_script_source(mp_tick_profile *p, const mp__tk_line *ln)
{
    mp__pp *pp = p->pp;
    int64_t id = mp__tk_num(p, ln, 1);
    uint32_t url, source = MP__TK_NONE, g, at;
    if (ln->n < 3) return; /* url undefined: node throws at url.split */
    url = mp__pp_field_id(p, ln, 2);
    if (ln->n > 3) source = mp__pp_field_id(p, ln, 3);
    if (p->failed) return;
    g = mp__pp_group_of(p, url);
    if (p->failed) return;
    pp->groups[g].count++;
    pp->groups[g].last_url = url;
    /* scripts_[id] = script: only array indexes show in the JSON. */
    if (id == MP__TK_NAN || id < 0 || id >= 4294967295) return;
    if (id > MP_PP_MAX_SCRIPT_ID) { pp->script_overflow = id; return; }
    at = mp__tk_map_get(&pp->script_at, (uint64_t)id + 1);
    if (at == MP__TK_NONE) {
        if (!mp__grow((void **)&pp->scripts, &pp->capscripts, pp->nscripts + 1,
                      sizeof *pp->scripts) ||
            !mp__tk_map_put(&pp->script_at, (uint64_t)id + 1, (uint32_t)pp->nscripts)) {
            p->failed = 1;
            return;
        }
        at = (uint32_t)pp->nscripts++;
    }
    pp->scripts[at].id = id;
    pp->scripts[at].url = url;
    pp->scripts[at].source = source;
    pp->scripts[at].group = g;
    if (id > pp->max_script) pp->max_script = id;
}

/* The records --preprocess reads its own way (code-creation, shared-library) and the ones
   only the JSON needs; 0: the reader's, read as for the text report. */
static int mp__pp_dispatch(mp_tick_profile *p, const mp__tk_line *ln)
{
    const char *tag = ln->f[0];
    size_t n = ln->l[0];
#define MP__PP_TAG(lit) (n == sizeof(lit) - 1 && memcmp(tag, lit, n) == 0)
    if (MP__PP_TAG("code-creation")) mp__pp_code_creation(p, ln);
    else if (MP__PP_TAG("shared-library")) mp__pp_shared_library(p, ln);
    else if (MP__PP_TAG("code-source-info")) mp__pp_source_info(p, ln);
    else if (MP__PP_TAG("script-source")) mp__pp_script_source(p, ln);
    else if (MP__PP_TAG("code-deopt")) mp__pp_code_deopt(p, ln);
    else return 0;
#undef MP__PP_TAG
    return 1;
}

static void mp__pp_put_uint(mp_buf *b, uint64_t v)
{
    char t[10];
    size_t n = 0;
    while (v >= 0x80) {
        t[n++] = (char)(0x80 | (v & 0x7F));
        v >>= 7;
    }
    t[n++] = (char)v;
    mp_buf_append(b, t, n);
}

/* Zigzag: small negative numbers stay short. MP__TK_NAN (NaN) survives the trip. */
static void mp__pp_put_int(mp_buf *b, int64_t v)
{
    mp__pp_put_uint(b, v < 0 ? ~((uint64_t)v << 1) : (uint64_t)v << 1);
}

/* A tick's "tm": a whole number as a varint behind a 0, else the double behind a 1. */
static void mp__pp_put_time(mp_buf *b, double tm)
{
    if (tm == tm && tm >= -9.0e15 && tm <= 9.0e15 && tm == (double)(int64_t)tm) {
        mp_buf_append(b, "\0", 1);
        mp__pp_put_int(b, (int64_t)tm);
    } else {
        mp_buf_append(b, "\1", 1);
        mp_buf_append(b, (const char *)&tm, sizeof tm);
    }
}

/* Where the entry found for addr starts: its offset is what the JSON shows. */
static int64_t mp__pp_start_of(mp_tick_profile *p, int64_t addr, uint32_t e)
{
    uint32_t node;
    if (mp__tk_on_lib_page(p, addr)) {
        ptrdiff_t at;
        if (p->npending) mp__tk_flush_static(p);
        at = mp__tk_static_le(p, addr);
        if (at >= 0 && p->stat[at].val == e) return p->stat[at].key;
        node = mp__tk_tfind_le(&p->lib, addr);
        return node ? p->lib.n[node].key : addr;
    }
    node = mp__tk_tfind_le(&p->dyn, addr);
    return node ? p->dyn.n[node].key : addr;
}

/* JsonProfile.recordTick: a [code index, offset] pair per frame, [-1, address] where no
   code is known. The ticks come after "code" and "functions" in the JSON, and those change
   until the log ends, so nothing can be written before: each tick is kept as varints
   (about 6 bytes a frame), not as objects. */
static void mp__pp_tick(mp_tick_profile *p, const int64_t *stack, size_t depth, double tm,
                        int64_t vm)
{
    mp_buf *b = &p->pp->ticks;
    size_t i;
    mp__pp_put_time(b, tm);
    mp__pp_put_int(b, vm);
    mp__pp_put_uint(b, depth);
    for (i = 0; i < depth; i++) {
        int64_t addr = stack[i];
        uint32_t e = mp__tk_find_entry(p, addr), cid;
        if (e == MP__TK_NONE) {
            mp__pp_put_int(b, -1);
            mp__pp_put_int(b, addr);
            continue;
        }
        cid = p->pp->ids[e].code;
        mp__pp_put_int(b, cid == MP__TK_NONE ? -2 : (int64_t)cid); /* -2: undefined */
        mp__pp_put_int(b, addr - mp__pp_start_of(p, addr, e));
    }
    p->pp->nticks++;
    if (b->failed) p->failed = 1;
}

/* ---- log lines: node's version check, --timed-range -------------------------------------- */

enum {
    MP__TK_VERSION_UNSEEN = 0, MP__TK_VERSION_SAME, MP__TK_VERSION_MISSING,
    MP__TK_VERSION_DIFFERENT
};

/* major, minor and build of expected ("11.3.244.8-node.38", split at '.' and '-' as the
   polyfill splits process.versions.v8) against fields 1-3 of the record, as strings. */
static int mp__tk_same_version(const char *expected, const char *const *f, const size_t *l)
{
    const char *s = expected;
    int i;
    for (i = 1; i <= 3; i++) {
        size_t len = strcspn(s, ".-");
        if (len != l[i] || memcmp(s, f[i], len) != 0) return 0;
        if (i < 3) {
            if (s[len] == '\0') return 0; /* the next part is undefined */
            s += len + 1;
        }
    }
    return 1;
}

/* The node major version of a log's V8: node 18 has V8 10.2, node 20 11.3, node 21 11.8
   (which reads logs as node 22's 12.4 does), node 24 13.6, node 26 14.6. */
static int mp__tk_node_of_v8(int64_t major, int64_t minor)
{
    if (major <= 10) return 18;
    if (major == 11 && minor <= 3) return 20;
    if (major <= 12) return 22;
    return major == 13 ? 24 : 26;
}

/* The one place the rules are made: mp_tick_config.node, else the node of the log's
   v8-version record (major, minor; MP__TK_NAN: none), else node 20. Each rule names the
   first node version that has it: 19 reads as 18, 21 and 23 as 22, 25 as 26. */
static void mp__tk_decide_rules(mp_tick_profile *p, int64_t major, int64_t minor)
{
    mp__tk_rules *r = &p->rules;
    int node = p->cfg.node;
    if (!node)
        node = major == MP__TK_NAN || minor == MP__TK_NAN ? 20 : mp__tk_node_of_v8(major, minor);
    memset(r, 0, sizeof *r);
    r->node = node <= 19 ? 18 : node == 20 ? 20 : node <= 23 ? 22 : node == 24 ? 24 : 26;
    r->frames_hex = r->node < 20;
    r->maglev_known = r->node >= 20;
    r->preprocess_sparkplug_baseline = r->node < 20;
    r->ignore_code_delete = r->node >= 22;
    r->own_entry_for_function_over_code = r->node >= 22;
    r->state_quote = r->node >= 24;
    r->state_o_prefix = r->node >= 26;
}

/* The polyfill's versionCheck, on a log's first line as it is (no CSV unescaping). */
static void mp__tk_check_version(mp_tick_profile *p, const char *s, size_t n)
{
    const char *f[8];
    size_t l[8], k = 0, i, start = 0;
    int note = MP__TK_VERSION_SAME;
    int64_t major = MP__TK_NAN, minor = MP__TK_NAN;
    p->first_line_seen = 1;
    for (i = 0; i <= n && k <= 7; i++) {
        if (i < n && s[i] != ',') continue;
        f[k] = s + start;
        l[k++] = i - start;
        start = i + 1;
    }
    if ((k != 6 && k != 7) || l[0] != 10 || memcmp(f[0], "v8-version", 10) != 0) {
        note = MP__TK_VERSION_MISSING;
    } else {
        major = mp__tk_parse_int(f[1], l[1], 0);
        minor = mp__tk_parse_int(f[2], l[2], 0);
        if (p->v8_version && !mp__tk_same_version(p->v8_version, f, l))
            note = MP__TK_VERSION_DIFFERENT;
    }
    mp__tk_decide_rules(p, major, minor);
    /* A merged profile keeps the first log's note. */
    if (p->version_note <= MP__TK_VERSION_SAME) p->version_note = note;
}

/* Reads the lines held since the last current-time record. */
static void mp__tk_replay_timed(mp_tick_profile *p)
{
    const char *s = p->timed_lines.data;
    size_t n = p->timed_lines.len, i = 0;
    while (i < n) {
        const char *nl = (const char *)memchr(s + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - s) : n;
        mp__tk_line_in(p, s + i, end - i, s + n);
        i = end + 1;
    }
    p->timed_lines.len = 0;
}

/* LogReader.processLogLine with --timed-range or --ptr: a current-time record opens a range,
   the next one reads the lines held since and (pairwise) closes it. Outside a range ticks
   are dropped and the other records read at once; the lines of a range never closed are
   never read at all. The prefixes are tested on the raw line, as node does. */
static void mp__tk_timed_line(mp_tick_profile *p, const char *s, size_t n, const char *lim)
{
    if (n >= 12 && memcmp(s, "current-time", 12) == 0) {
        if (p->in_timed) {
            mp__tk_replay_timed(p);
            if (p->cfg.pairwise_timed_range) p->in_timed = 0;
        } else {
            p->in_timed = 1;
        }
    } else if (p->in_timed) {
        mp_buf_append(&p->timed_lines, s, n);
        mp_buf_append(&p->timed_lines, "\n", 1);
        if (p->timed_lines.failed) p->failed = 1;
    } else if (!(n >= 4 && memcmp(s, "tick", 4) == 0)) {
        mp__tk_line_in(p, s, n, lim);
    }
}

/* A line of the log as node's reader gets it. */
static void mp__tk_read_line(mp_tick_profile *p, const char *s, size_t n, const char *lim)
{
    if (!p->first_line_seen) mp__tk_check_version(p, s, n);
    if (p->cfg.timed_range || p->cfg.pairwise_timed_range) mp__tk_timed_line(p, s, n, lim);
    else mp__tk_line_in(p, s, n, lim);
}

/* ---- reading ahead ------------------------------------------------------------------------

   A log file is read by a second thread while this one attributes. It also does the part
   that needs no code map: between two records that are not ticks (an epoch: nothing can
   change what a stack resolves to), ticks alike but for their time (pc, external callback,
   tos, VM state and frames as written; 9 in 10 of a busy process's) are one group. A batch
   hands over a group's first line and a count where the group first appears, and in later
   batches of the epoch only its id and a count. The attribution reads and resolves each
   group once, in the order the groups first appeared, so names, nodes and ties come out as
   the line-by-line reading makes them, and keeps what it resolved to for the later counts.
   Not with a --range, a --timed-range, --preprocess or an on_stack callback: they need each
   tick's own time, and read line by line. Memory is bounded: a few batches in flight, and
   an epoch's groups up to a limit (past it a new epoch starts, which costs time only). */

/* The limits are macros a test can set small, to see batches and epochs end often. */
#define MP__RA_BATCHES 8
#ifndef MP__RA_BATCH_TEXT
#define MP__RA_BATCH_TEXT (1u << 20)   /* a batch is handed over when its text passes this */
#endif
#ifndef MP__RA_BATCH_ITEMS
#define MP__RA_BATCH_ITEMS 65536u      /* ... or it has this many items */
#endif
#define MP__RA_READ (1u << 20)
#ifndef MP__RA_EPOCH_GROUPS
#define MP__RA_EPOCH_GROUPS (1u << 17) /* an epoch's groups, at most */
#endif
#ifndef MP__RA_EPOCH_TEXT
#define MP__RA_EPOCH_TEXT (16u << 20)  /* ... and the text of their first lines */
#endif

enum { MP__RA_LINE, MP__RA_GROUP, MP__RA_AGAIN, MP__RA_TAIL, MP__RA_STOP };

typedef struct mp__ra_item {
    size_t off;             /* in the batch's text */
    uint32_t len, times;    /* times: of the group in this batch */
    uint32_t group;         /* GROUP, AGAIN: its id in the epoch */
    int kind;
} mp__ra_item;

/* A group of the epoch, as the reader knows it. */
typedef struct mp__ra_group {
    size_t off;             /* its first line, in the reader's epoch text */
    uint32_t len;
    uint32_t head, rest;    /* "tick,PC" is [0, head), from rest on it is what follows the
                               time field */
    uint32_t batch, item;   /* where its count goes: the item of batch number `batch` */
} mp__ra_group;

typedef struct mp__ra_batch {
    struct mp__ra_batch *next;
    char *text;
    size_t len, cap;
    mp__ra_item *items;
    size_t n, cap_items;
    int last;               /* the reader is done: end of file, an empty line or an error */
    int err;                /* errno of a failed read */
    int nomem;
} mp__ra_batch;

typedef struct mp__ra {
    int fd;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    mp__ra_batch *full, *full_tail, *spare;
    int quit;                       /* set by the attributing side: stop reading */
    /* the reader's own */
    char *buf;
    size_t buf_cap, have;
    mp__tab tab;                    /* the epoch's groups by their lines */
    mp__ra_group *groups;           /* the epoch's, by id */
    size_t groups_cap;
    uint32_t ngroups;
    char *text;                     /* their first lines */
    size_t text_len, text_cap;
    uint32_t batch;                 /* the number of the batch being filled */
    int first_done;                 /* the first line (node's version check) went as a line */
    mp__ra_batch batches[MP__RA_BATCHES];
} mp__ra;

/* Whether the profile counts ticks alike the same wherever they are in the log. */
static int mp__tk_can_group(const mp_tick_profile *p)
{
    return !p->cfg.timed_range && !p->cfg.pairwise_timed_range && !p->pp && !p->cfg.on_stack &&
           p->range_start == -INFINITY && p->range_end == INFINITY && p->cfg.threads != 1 &&
           p->carry.len == 0;
}

static mp__ra_batch *mp__ra_take_spare(mp__ra *ra)
{
    mp__ra_batch *b;
    pthread_mutex_lock(&ra->mu);
    while (!ra->spare && !ra->quit) pthread_cond_wait(&ra->cv, &ra->mu);
    b = ra->quit ? NULL : ra->spare;
    if (b) ra->spare = b->next;
    pthread_mutex_unlock(&ra->mu);
    if (b) {
        b->next = NULL;
        b->len = b->n = 0;
        b->last = b->err = b->nomem = 0;
    }
    return b;
}

static void mp__ra_hand_over(mp__ra *ra, mp__ra_batch *b)
{
    pthread_mutex_lock(&ra->mu);
    if (ra->full_tail) ra->full_tail->next = b;
    else ra->full = b;
    ra->full_tail = b;
    pthread_cond_broadcast(&ra->cv);
    pthread_mutex_unlock(&ra->mu);
}

/* A record that is not a tick starts a new epoch; so does a full one. */
static void mp__ra_new_epoch(mp__ra *ra)
{
    mp__tab_clear(&ra->tab);
    ra->ngroups = 0;
    ra->text_len = 0;
}

static mp__ra_item *mp__ra_push(mp__ra_batch *b, int kind, uint32_t group)
{
    mp__ra_item *it;
    if (!mp__grow((void **)&b->items, &b->cap_items, b->n + 1, sizeof *b->items)) return NULL;
    it = &b->items[b->n++];
    it->off = b->len;
    it->len = 0;
    it->times = 1;
    it->group = group;
    it->kind = kind;
    return it;
}

static int mp__ra_add_item(mp__ra_batch *b, int kind, const char *s, size_t n, uint32_t group)
{
    mp__ra_item *it;
    if (n > UINT32_MAX || !mp__grow((void **)&b->text, &b->cap, b->len + n + 1, 1) ||
        !(it = mp__ra_push(b, kind, group)))
        return 0;
    it->len = (uint32_t)n;
    memcpy(b->text + b->len, s, n);
    b->text[b->len + n] = '\n'; /* the fast path may read past a line's end, up to lim */
    b->len += n + 1;
    return 1;
}

static uint64_t mp__ra_hash(const char *s, size_t head, const char *rest, size_t rn)
{
    return mp__hash_bytes(mp__hash_bytes(0, s, head), rest, rn);
}


/* One more tick of group id: its count in this batch, or where it first appears in it. */
static int mp__ra_again(mp__ra *ra, mp__ra_batch *b, uint32_t id)
{
    mp__ra_group *g = &ra->groups[id];
    if (g->batch == ra->batch && b->items[g->item].times < UINT32_MAX) {
        b->items[g->item].times++;
        return 1;
    }
    if (!mp__ra_push(b, MP__RA_AGAIN, id)) return 0;
    g->batch = ra->batch;
    g->item = (uint32_t)(b->n - 1);
    return 1;
}

/* A new group: its line is kept for the comparisons and handed over. */
static int mp__ra_new_group(mp__ra *ra, mp__ra_batch *b, const char *s, size_t n, size_t head,
                            size_t rest)
{
    mp__ra_group *g;
    if (!mp__grow((void **)&ra->groups, &ra->groups_cap, ra->ngroups + 1, sizeof *ra->groups) ||
        !mp__grow((void **)&ra->text, &ra->text_cap, ra->text_len + n, 1) ||
        !mp__ra_add_item(b, MP__RA_GROUP, s, n, ra->ngroups))
        return 0;
    g = &ra->groups[ra->ngroups++];
    g->off = ra->text_len;
    g->len = (uint32_t)n;
    g->head = (uint32_t)head;
    g->rest = (uint32_t)rest;
    g->batch = ra->batch;
    g->item = (uint32_t)(b->n - 1);
    memcpy(ra->text + ra->text_len, s, n);
    ra->text_len += n;
    return 1;
}

/* A line of the log as the reader first looks at it: a tick's first two commas and its
   hash, so that what the table holds for it can be fetched while other lines are looked at. */
typedef struct mp__ra_line {
    const char *s, *c1, *c2; /* c2 NULL: not a tick line */
    size_t n;
    uint64_t hash;
} mp__ra_line;

#if defined(__GNUC__) || defined(__clang__)
#define MP__PREFETCH(p) __builtin_prefetch(p)
#else
#define MP__PREFETCH(p) ((void)(p))
#endif

#define MP__RA_AHEAD 16 /* lines looked at ahead: their slots, groups and lines are fetched */

/* Whether group id of the epoch is the tick line key: the same line but for the time. */
static int mp__ra_same(const void *ctx, uint32_t id, const void *key)
{
    const mp__ra *ra = (const mp__ra *)ctx;
    const mp__ra_line *l = (const mp__ra_line *)key;
    const mp__ra_group *g = &ra->groups[id];
    const char *t = ra->text + g->off;
    size_t head = (size_t)(l->c1 - l->s), rn = (size_t)(l->s + l->n - l->c2);
    return g->head == head && g->len - g->rest == rn && memcmp(t, l->s, head) == 0 &&
           memcmp(t + g->rest, l->c2, rn) == 0;
}

static void mp__ra_scan(const mp__ra *ra, mp__ra_line *l, const char *s, size_t n)
{
    l->s = s;
    l->n = n;
    l->c2 = NULL;
    if (n > 5 && memcmp(s, "tick,", 5) == 0 &&
        (l->c1 = (const char *)memchr(s + 5, ',', n - 5)) != NULL &&
        (l->c2 = (const char *)memchr(l->c1 + 1, ',', (size_t)(s + n - l->c1 - 1))) != NULL) {
        l->hash = mp__ra_hash(s, (size_t)(l->c1 - s), l->c2, (size_t)(s + n - l->c2));
        MP__PREFETCH(mp__tab_home(&ra->tab, l->hash));
    }
}

/* The group a line would be compared with first, and that group's line, are fetched: a
   busy log's groups are spread over megabytes, and waiting for each in turn was most of
   the reader's time. stage 0: the group, 1: its line. */
static void mp__ra_fetch(const mp__ra *ra, const mp__ra_line *l, size_t n, int stage)
{
    size_t k;
    for (k = 0; k < n; k++) {
        uint32_t id;
        if (!l[k].c2 || (id = mp__tab_home_id(&ra->tab, l[k].hash)) == MP__NONE) continue;
        if (stage == 0) {
            MP__PREFETCH(&ra->groups[id]);
        } else {
            const char *t = ra->text + ra->groups[id].off;
            MP__PREFETCH(t);
            MP__PREFETCH(t + 64);
            MP__PREFETCH(t + 128);
        }
    }
}

/* A tick line: counted in its group, or the first of a new one. 0: no memory. */
static int mp__ra_add_tick(mp__ra *ra, mp__ra_batch *b, const mp__ra_line *l)
{
    const char *s = l->s;
    size_t n = l->n;
    uint32_t at, id;
    if (ra->ngroups >= MP__RA_EPOCH_GROUPS || ra->text_len + n > MP__RA_EPOCH_TEXT)
        mp__ra_new_epoch(ra);
    if (!mp__tab_reserve(&ra->tab)) return 0;
    if ((id = mp__tab_find(&ra->tab, l->hash, mp__ra_same, ra, l, &at)) != MP__NONE)
        return mp__ra_again(ra, b, id);
    if (!mp__ra_new_group(ra, b, s, n, (size_t)(l->c1 - s), (size_t)(l->c2 - s))) return 0;
    mp__tab_put(&ra->tab, at, l->hash, ra->ngroups - 1);
    return 1;
}

/* One line of the log into the batch. 0: no memory. */
static int mp__ra_add_line(mp__ra *ra, mp__ra_batch *b, const mp__ra_line *l)
{
    if (ra->first_done && l->c2) return mp__ra_add_tick(ra, b, l);
    ra->first_done = 1;
    mp__ra_new_epoch(ra);
    return mp__ra_add_item(b, MP__RA_LINE, l->s, l->n, 0);
}

/* Lines into the batch, a full batch handed over. 0: the reader is done. */
static int mp__ra_add_lines(mp__ra *ra, mp__ra_batch **bp, const mp__ra_line *l, size_t n)
{
    size_t k;
    for (k = 0; k < n; k++) {
        mp__ra_batch *b = *bp;
        if (!mp__ra_add_line(ra, b, &l[k])) { b->nomem = 1; return 0; }
        if (b->len >= MP__RA_BATCH_TEXT || b->n >= MP__RA_BATCH_ITEMS) {
            mp__ra_hand_over(ra, b);
            if (!(*bp = mp__ra_take_spare(ra))) return 0;
            ra->batch++;
        }
    }
    return 1;
}

/* The complete lines of buf[0, have) into batches, MP__RA_AHEAD at a time; what is left is a
   line's start. Returns 0 when the reader is done (an empty line, no memory, told to quit). */
static int mp__ra_split(mp__ra *ra, mp__ra_batch **bp, size_t *used)
{
    const char *s = ra->buf;
    size_t i = 0;
    for (;;) {
        mp__ra_line w[MP__RA_AHEAD];
        size_t n = 0;
        int empty = 0;
        while (n < MP__RA_AHEAD && i < ra->have) {
            const char *nl = (const char *)memchr(s + i, '\n', ra->have - i);
            size_t end;
            if (!nl) break;
            end = (size_t)(nl - s);
            /* node reads `while (line = readline())`: an empty line ends it */
            if (end == i) { empty = 1; break; }
            mp__ra_scan(ra, &w[n++], s + i, end - i);
            i = end + 1;
        }
        mp__ra_fetch(ra, w, n, 0);
        mp__ra_fetch(ra, w, n, 1);
        if (!mp__ra_add_lines(ra, bp, w, n)) return 0;
        if (empty) {
            if (!mp__ra_push(*bp, MP__RA_STOP, 0)) (*bp)->nomem = 1;
            return 0;
        }
        if (n < MP__RA_AHEAD) break;
    }
    *used = i;
    return 1;
}

static void *mp__ra_main(void *arg)
{
    mp__ra *ra = (mp__ra *)arg;
    mp__ra_batch *b = mp__ra_take_spare(ra);
    while (b) {
        ssize_t r;
        size_t used = 0;
        if (ra->buf_cap - ra->have < MP__RA_READ / 2 &&
            !mp__grow((void **)&ra->buf, &ra->buf_cap, ra->have + MP__RA_READ, 1)) {
            b->nomem = 1;
            break;
        }
        r = read(ra->fd, ra->buf + ra->have, ra->buf_cap - ra->have);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { b->err = errno; break; }
        if (r == 0) {
            if (ra->have && !mp__ra_add_item(b, MP__RA_TAIL, ra->buf, ra->have, 0)) b->nomem = 1;
            break;
        }
        ra->have += (size_t)r;
        if (!mp__ra_split(ra, &b, &used)) break;
        memmove(ra->buf, ra->buf + used, ra->have - used);
        ra->have -= used;
    }
    if (b) {
        b->last = 1;
        mp__ra_hand_over(ra, b);
    }
    return NULL;
}

static mp__ra_batch *mp__ra_take_full(mp__ra *ra)
{
    mp__ra_batch *b;
    pthread_mutex_lock(&ra->mu);
    while (!ra->full) pthread_cond_wait(&ra->cv, &ra->mu);
    b = ra->full;
    ra->full = b->next;
    if (!ra->full) ra->full_tail = NULL;
    pthread_mutex_unlock(&ra->mu);
    return b;
}

static void mp__ra_give_back(mp__ra *ra, mp__ra_batch *b, int quit)
{
    pthread_mutex_lock(&ra->mu);
    b->next = ra->spare;
    ra->spare = b;
    if (quit) ra->quit = 1;
    pthread_cond_broadcast(&ra->cv);
    pthread_mutex_unlock(&ra->mu);
}

/* A batch's lines and groups into the profile. */
static void mp__tk_read_batch(mp_tick_profile *p, const mp__ra_batch *b, mp_error *err)
{
    const char *lim;
    size_t i;
    if (b->n == 0) return; /* an empty log: no text at all */
    lim = b->text ? b->text + b->len : NULL; /* NULL: no text (AGAIN and STOP items only) */
    for (i = 0; i < b->n && !p->failed && !p->stopped; i++) {
        const mp__ra_item *it = &b->items[i];
        const char *s = b->text ? b->text + it->off : NULL;
        switch (it->kind) {
        case MP__RA_LINE: mp__tk_read_line(p, s, it->len, lim); break;
        case MP__RA_GROUP: mp__tk_group_first(p, s, it->len, lim, it->group, it->times); break;
        case MP__RA_AGAIN: mp__tk_group_again(p, it->group, it->times); break;
        case MP__RA_TAIL: (void)mp_tick_feed(p, s, it->len, err); break;
        default: p->stopped = 1; break;
        }
    }
}

static void mp__ra_free(mp__ra *ra)
{
    int i;
    for (i = 0; i < MP__RA_BATCHES; i++) {
        MP_FREE(ra->batches[i].text);
        MP_FREE(ra->batches[i].items);
    }
    MP_FREE(ra->buf);
    mp__tab_free(&ra->tab);
    MP_FREE(ra->groups);
    MP_FREE(ra->text);
    pthread_cond_destroy(&ra->cv);
    pthread_mutex_destroy(&ra->mu);
    MP_FREE(ra);
}

/* Reads the log with a reader thread; 0: not started (no memory or no thread), nothing read. */
static int mp__tk_read_ahead(mp_tick_profile *p, int fd, const char *shown, mp_err *rc,
                             mp_error *err)
{
    mp__ra *ra = (mp__ra *)MP_MALLOC(sizeof *ra);
    pthread_t tid;
    int i, e = 0, last = 0;
    if (!ra) return 0;
    memset(ra, 0, sizeof *ra);
    ra->fd = fd;
    for (i = 0; i < MP__RA_BATCHES; i++) {
        ra->batches[i].next = ra->spare;
        ra->spare = &ra->batches[i];
    }
    if (pthread_mutex_init(&ra->mu, NULL) != 0) { MP_FREE(ra); return 0; }
    if (pthread_cond_init(&ra->cv, NULL) != 0) {
        pthread_mutex_destroy(&ra->mu);
        MP_FREE(ra);
        return 0;
    }
    if (!mp__tab_reserve(&ra->tab) || pthread_create(&tid, NULL, mp__ra_main, ra) != 0) {
        mp__ra_free(ra);
        return 0;
    }
    *rc = MP_OK;
    while (!last) {
        mp__ra_batch *b = mp__ra_take_full(ra);
        mp__tk_read_batch(p, b, err);
        if (b->nomem) p->failed = 1;
        if (b->err) e = b->err;
        last = b->last || p->failed || p->stopped;
        mp__ra_give_back(ra, b, last);
    }
    pthread_join(tid, NULL);
    mp__ra_free(ra);
    if (e) *rc = mp__fail_errno(err, e, "cannot read", shown);
    else if (p->failed) *rc = mp__nomem(err);
    return 1;
}

/* ---- public: reading -------------------------------------------------------------------- */

static void mp__tk_reset_views(mp_tick_profile *p)
{
    int i;
    for (i = 0; i < 4; i++) {
        MP_FREE(p->rows[i]);
        MP_FREE(p->row_ids[i]);
        p->rows[i] = NULL;
        p->row_ids[i] = NULL;
        p->nrows[i] = 0;
    }
    MP_FREE(p->view);
    MP_FREE(p->view_ids);
    p->view = NULL;
    p->view_ids = NULL;
    p->nview = 0;
    p->finished = 0;
}

static char *mp__tk_dup(const char *s)
{
    return s ? mp__strdup(s) : NULL;
}

static int mp__tk_parse_cgs(const mp_tick_config *cfg)
{
    int cgs = cfg->call_graph_size ? cfg->call_graph_size : 5;
    if (cgs < 0) cgs = 0;
    if (cgs > 10000) cgs = 10000;
    return cgs + 1;
}

static mp_err mp__tk_load_symbol_list(mp_tick_profile *p, const char *path, mp_error *err);

MP__DEF mp_err mp_tick_config_check(const mp_tick_config *cfg, mp_error *err)
{
    if (cfg->filter_state && ((int)cfg->state < 0 || (int)cfg->state > MP_TICK_VM_IDLE_EXTERNAL))
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "VM state filter %d is not 0..%d",
                        (int)cfg->state, (int)MP_TICK_VM_IDLE_EXTERNAL);
    if (cfg->node != 0 && (cfg->node < 18 || cfg->node > 26))
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "node option must be 18 to 26, not %d "
                        "(unset: as the node that wrote the log)", cfg->node);
    if (cfg->window && !(cfg->window_start <= cfg->window_end))
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "window option must be START,END with "
                        "START <= END (seconds), not %g,%g", cfg->window_start, cfg->window_end);
    if (cfg->has_range && (isnan(cfg->range_start) || isnan(cfg->range_end)))
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "range option's bounds must be numbers of "
                        "ms (-INFINITY or INFINITY: none), not NaN");
    if (!isfinite(cfg->distortion))
        return mp__fail(err, MP_ERR_INVALID_ARG, 0,
                        "distortion option must be a finite number of picoseconds");
    return MP_OK;
}

MP__DEF void mp_tick_parse_range(const char *text, double *start, double *end)
{
    const char *comma = text ? strchr(text, ',') : NULL;
    int64_t a = text ? mp__tk_parse_int(text, comma ? (size_t)(comma - text) : strlen(text), 0)
                     : MP__TK_NAN;
    int64_t b = comma ? mp__tk_parse_int(comma + 1, strlen(comma + 1), 0) : MP__TK_NAN;
    *start = a == MP__TK_NAN ? -INFINITY : (double)a;
    *end = b == MP__TK_NAN ? INFINITY : (double)b;
}

MP__DEF double mp_tick_parse_distortion(const char *text)
{
    int64_t d = text ? mp__tk_parse_int(text, strlen(text), 0) : MP__TK_NAN;
    return d == MP__TK_NAN ? 0 : (double)d;
}

MP__DEF mp_err mp_tick_new(const mp_tick_config *cfg, const char *name, mp_tick_profile **out,
                           mp_error *err)
{
    mp_tick_config defaults;
    mp_tick_profile *p;
    mp_err refused;
    *out = NULL;
    memset(&defaults, 0, sizeof defaults);
    if (!cfg) cfg = &defaults;
    if ((refused = mp_tick_config_check(cfg, err)) != MP_OK) return refused;
    if (!(p = (mp_tick_profile *)MP_MALLOC(sizeof *p))) return mp__nomem(err);
    memset(p, 0, sizeof *p);
    p->cfg = *cfg;
    p->free_ent = MP__TK_NONE;
    p->rng = 2463534242u;
    p->version = 1;
    p->skip_ic = cfg->separate_ic == MP_TICK_NO;
    p->skip_bytecodes = cfg->separate_bytecodes != MP_TICK_YES;
    p->skip_builtins = cfg->separate_builtins == MP_TICK_NO;
    p->skip_stubs = cfg->separate_stubs == MP_TICK_NO;
    p->depth = mp__tk_parse_cgs(cfg);
    p->range_start = cfg->has_range ? cfg->range_start * 1000 : -INFINITY; /* µs, as ticks */
    p->range_end = cfg->has_range ? cfg->range_end * 1000 : INFINITY;
    p->distortion_per = cfg->distortion / 1000;
    if (cfg->window) {
        p->range_start = fmax(p->range_start, cfg->window_start * 1e6);
        p->range_end = fmin(p->range_end, cfg->window_end * 1e6);
    }
    p->name = mp__tk_dup(name ? name : "v8.log");
    p->runtime_timer = mp__tk_dup(cfg->runtime_timer);
    p->cfg.runtime_timer = p->runtime_timer;
    if (!p->name || (cfg->runtime_timer && !p->runtime_timer)) goto nomem;
    p->v8_version = mp__tk_dup(cfg->v8_version);
    p->cfg.v8_version = p->v8_version;
    if (cfg->v8_version && !p->v8_version) goto nomem;
    if (cfg->preprocess) {
        if (!(p->pp = mp__pp_new(cfg->symbol_list != NULL))) goto nomem;
        p->memo_off = 1; /* it keeps every tick on its own */
    }
    p->id_unknown = mp__tk_intern_z(p, "UNKNOWN");
    p->id_empty = mp__tk_intern_z(p, "");
    p->id_cpp = mp__tk_intern_z(p, "CPP");
    p->id_lib = mp__tk_intern_z(p, "SHARED_LIB");
    p->id_regexp = mp__tk_intern_z(p, "RegExp");
    p->current_timer = MP__TK_NONE;
    p->want_timer = cfg->runtime_timer ? mp__tk_intern_z(p, cfg->runtime_timer) : MP__TK_NONE;
    if (p->id_regexp == MP__TK_NONE || (cfg->runtime_timer && p->want_timer == MP__TK_NONE))
        goto nomem;
    /* The call tree's root. */
    if (!mp__grow32((void **)&p->cn, &p->capcn, 1, sizeof *p->cn)) goto nomem;
    memset(&p->cn[0], 0, sizeof p->cn[0]);
    p->cn[0].label = p->id_empty;
    p->cn[0].parent = p->cn[0].first_child = p->cn[0].next_sibling = MP__TK_NONE;
    p->ncn = 1;
    if (cfg->symbol_list) {
        mp_err rc = mp__tk_load_symbol_list(p, cfg->symbol_list, err);
        if (rc != MP_OK) { mp_tick_free(p); return rc; }
    }
    if (!cfg->symbols && !cfg->symbols_fn && !cfg->symbol_list && !cfg->no_symbols) {
        mp_err rc = mp_symtab_new(&p->own_symbols, err);
        if (rc != MP_OK) { mp_tick_free(p); return rc; }
        p->cfg.symbols = p->own_symbols;
    }
    if (cfg->no_symbols || (cfg->symbol_list && !cfg->symbols && !cfg->symbols_fn)) {
        p->cfg.symbols = p->own_symbols;
        p->cfg.symbols_fn = NULL;
    }
    p->cfg.symbol_list = NULL;
    *out = p;
    return MP_OK;
nomem:
    mp_tick_free(p);
    return mp__nomem(err);
}

/* Reads cfg->symbol_list into the static code map. */
static mp_err mp__tk_load_symbol_list(mp_tick_profile *p, const char *path, mp_error *err)
{
    FILE *f = fopen(path, "r");
    mp_buf line, name;
    unsigned long long lineno = 0;
    mp_err rc = MP_OK;
    int c;
    if (!f) return mp__fail_errno(err, errno, "cannot open symbol list", path);
    memset(&line, 0, sizeof line);
    memset(&name, 0, sizeof name);
    for (;;) {
        line.len = 0;
        while ((c = getc(f)) != EOF && c != '\n') {
            char ch = (char)c;
            mp_buf_append(&line, &ch, 1);
        }
        if (c == EOF && line.len == 0) break;
        lineno++;
        if (line.failed) { rc = mp__nomem(err); break; }
        if (line.len) {
            char *end1, *end2;
            unsigned long long start, end;
            uint32_t id, e;
            size_t i;
            errno = 0;
            start = strtoull(line.data, &end1, 16);
            end = strtoull(end1, &end2, 16);
            if (errno || end1 == line.data || end2 == end1 || *end2 != ' ') {
                rc = mp__fail(err, MP_ERR_PARSE, 0, "%s:%llu: expected START END NAME", path,
                              lineno);
                break;
            }
            name.len = 0;
            mp_buf_append(&name, "", 0);
            for (i = (size_t)(end2 + 1 - line.data); i < line.len; i++) {
                char ch = line.data[i];
                if (ch == '\\' && i + 1 < line.len && (line.data[i + 1] == 'n' || line.data[i + 1] == '\\')) {
                    ch = line.data[++i] == 'n' ? '\n' : '\\';
                }
                mp_buf_append(&name, &ch, 1);
            }
            if (name.failed || (id = mp__tk_intern(p, name.data, name.len)) == MP__TK_NONE ||
                (e = mp__tk_new_entry(p, MP__TK_CPP, (int64_t)(end - start), id, p->id_cpp)) ==
                    MP__TK_NONE) {
                rc = mp__nomem(err);
                break;
            }
            mp__tk_add_static(p, (int64_t)start, e);
            p->strs[id].ctype = MP__TK_CT_CPP;
        }
        if (c == EOF) break;
    }
    if (rc == MP_OK && ferror(f)) rc = mp__fail_errno(err, errno, "cannot read symbol list", path);
    fclose(f);
    mp_buf_free(&line);
    mp_buf_free(&name);
    return rc;
}

/* The code map belongs to one isolate: a merged profile starts the next log without it. */
static void mp__tk_next_log(mp_tick_profile *p)
{
    uint32_t i;
    mp__tk_memo_new_gen(p);
    mp__tk_tclear(&p->dyn);
    p->nstat = p->npending = p->nlazy = 0;
    mp__tk_bump(p);
    mp__tk_tclear(&p->lib);
    p->nspans = 0;
    p->nents = 0;
    p->free_ent = MP__TK_NONE;
    for (i = 0; i < p->nstrs; i++) p->strs[i].gen = 0;
    p->line_no = 0;
    p->stopped = 0;
    p->current_timer = MP__TK_NONE;
    p->distortion = 0;
    p->carry.len = 0;
    p->first_line_seen = 0;
    p->in_timed = 0;
    p->timed_lines.len = 0;
}

/* Data after mp_tick_finish starts the next log of a merged profile. */
static void mp__tk_begin_log(mp_tick_profile *p)
{
    if (!p->finished) return;
    mp__tk_reset_views(p);
    mp__tk_next_log(p);
    p->logs++;
}

MP__DEF mp_err mp_tick_feed(mp_tick_profile *p, const char *data, size_t len, mp_error *err)
{
    size_t i = 0;
    mp__tk_begin_log(p);
    while (i < len && !p->stopped) {
        const char *nl = (const char *)memchr(data + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - data) : len;
        if (!nl) {
            mp_buf_append(&p->carry, data + i, len - i);
            break;
        }
        if (p->carry.len) {
            mp_buf_append(&p->carry, data + i, end - i);
            if (p->carry.failed) break;
            mp__tk_read_line(p, p->carry.data, p->carry.len, p->carry.data + p->carry.len);
            p->carry.len = 0;
        } else if (end == i) {
            p->stopped = 1; /* node reads `while (line = readline())`: an empty line ends it */
        } else {
            mp__tk_read_line(p, data + i, end - i, data + len);
        }
        i = end + 1;
    }
    if (p->carry.failed) p->failed = 1;
    if (p->failed) return mp__nomem(err);
    return MP_OK;
}

static int mp__tk_unit_at(const char *s, size_t n, size_t *i, unsigned *pending)
{
    /* Next UTF-16 code unit of a UTF-8 string; invalid bytes read as U+FFFD. */
    size_t len;
    unsigned cp;
    if (*pending) { cp = *pending; *pending = 0; return (int)cp; }
    if (*i >= n) return -1;
    len = mp__utf8_decode((const unsigned char *)s + *i, n - *i, &cp, NULL);
    if (len == 0) { (*i)++; return 0xFFFD; }
    *i += len;
    if (cp >= 0x10000) {
        *pending = 0xDC00 + ((cp - 0x10000) & 0x3FF);
        return (int)(0xD800 + ((cp - 0x10000) >> 10));
    }
    return (int)cp;
}

/* JavaScript's a < b on strings: UTF-16 code unit order. */
static int mp__tk_js_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0, ia, ib;
    unsigned pa = 0, pb = 0;
    while (i < an && i < bn && a[i] == b[i]) i++;
    /* Restart decoding where the character holding the first difference begins. */
    while (i > 0 && ((i < an && ((unsigned char)a[i] & 0xC0) == 0x80) ||
                     (i < bn && ((unsigned char)b[i] & 0xC0) == 0x80)))
        i--;
    ia = ib = i;
    for (;;) {
        int ua = mp__tk_unit_at(a, an, &ia, &pa), ub = mp__tk_unit_at(b, bn, &ib, &pb);
        if (ua != ub) return ua < ub ? -1 : 1;
        if (ua < 0) return 0;
    }
}

/* node's comparator: by key down, then name down. */
static int mp__tk_sorted_cmp(const void *x, const void *y)
{
    const mp__tk_sorted *a = (const mp__tk_sorted *)x, *b = (const mp__tk_sorted *)y;
    if (a->key != b->key) return a->key < b->key ? 1 : -1;
    return -mp__tk_js_cmp(a->s, a->len, b->s, b->len);
}

static uint64_t mp__tk_totalticks(const mp_tick_profile *p)
{
    return p->ticks - (p->cfg.ignore_unknown ? p->unaccounted : 0);
}

static double mp__tk_pct(uint64_t ticks, uint64_t total)
{
    return (double)ticks * 100 / (double)total;
}

static int mp__tk_make_rows(mp_tick_profile *p)
{
    mp__tk_sorted *all = NULL;
    size_t n = 0, i, cap = 0;
    uint64_t total = mp__tk_totalticks(p), entries = 0;
    int sec;
    if (!mp__grow((void **)&all, &cap, 1, sizeof *all)) goto nomem;
    for (i = 0; i < p->nstrs; i++) {
        if (!p->strs[i].self && !p->strs[i].centry) continue;
        if (!mp__grow((void **)&all, &cap, n + 2, sizeof *all)) goto nomem;
        all[n].s = p->strs[i].s;
        all[n].len = p->strs[i].len;
        all[n].id = (uint32_t)i;
        all[n].key = p->strs[i].self;
        n++;
    }
    if (n) qsort(all, n, sizeof *all, mp__tk_sorted_cmp);
    for (sec = 0; sec < 3; sec++) {
        size_t k = 0;
        p->rows[sec] = (mp_tick_row *)MP_MALLOC((n + 1) * sizeof(mp_tick_row));
        p->row_ids[sec] = (uint32_t *)MP_MALLOC((n + 1) * sizeof(uint32_t));
        if (!p->rows[sec] || !p->row_ids[sec]) goto nomem;
        for (i = 0; i < n; i++) {
            const mp__tk_str *st = &p->strs[all[i].id];
            int in = sec == MP_TICK_SHARED ? st->ctype == MP__TK_CT_LIB
                   : sec == MP_TICK_JS ? (all[i].id != p->id_unknown && st->ctype == MP__TK_CT_NONE)
                   : st->ctype == MP__TK_CT_CPP;
            if (!in || st->self == 0) continue;
            p->rows[sec][k].name = st->s;
            p->rows[sec][k].ticks = st->self;
            p->rows[sec][k].pct = mp__tk_pct(st->self, total);
            p->row_ids[sec][k] = all[i].id;
            k++;
        }
        p->nrows[sec] = k;
    }
    /* [C++ entry points]: node sorts TOTAL among the entries and prints from index 1. */
    {
        size_t k = 0;
        for (i = 0; i < n; i++) {
            if (!p->strs[all[i].id].centry) continue;
            all[k] = all[i];
            all[k].key = p->strs[all[i].id].centry;
            entries += all[k].key;
            k++;
        }
        all[k].s = "TOTAL";
        all[k].len = 5;
        all[k].id = MP__TK_NONE;
        all[k].key = entries;
        k++;
        qsort(all, k, sizeof *all, mp__tk_sorted_cmp);
        p->entry_total = all[0].key;
        p->rows[MP_TICK_ENTRY] = (mp_tick_row *)MP_MALLOC(k * sizeof(mp_tick_row));
        p->row_ids[MP_TICK_ENTRY] = (uint32_t *)MP_MALLOC(k * sizeof(uint32_t));
        if (!p->rows[MP_TICK_ENTRY] || !p->row_ids[MP_TICK_ENTRY]) goto nomem;
        for (i = 1; i < k; i++) {
            mp_tick_row *r = &p->rows[MP_TICK_ENTRY][i - 1];
            r->name = all[i].s;
            r->ticks = all[i].key;
            r->pct = mp__tk_pct(all[i].key, p->entry_total);
            p->row_ids[MP_TICK_ENTRY][i - 1] = all[i].id;
        }
        p->nrows[MP_TICK_ENTRY] = k - 1;
    }
    MP_FREE(all);
    return 1;
nomem:
    MP_FREE(all);
    return 0;
}

static int mp__tk_make_view(mp_tick_profile *p)
{
    mp__tk_sorted *kids = NULL;
    size_t kcap = 0, head;
    uint32_t i;
    for (i = 0; i < p->ncn; i++) p->cn[i].total = p->cn[i].self;
    /* Children always come after their parent in the node array. */
    for (i = p->ncn; i-- > 1;) p->cn[p->cn[i].parent].total += p->cn[i].total;
    p->view = (mp_tick_node *)MP_MALLOC(p->ncn * sizeof *p->view);
    p->view_ids = (uint32_t *)MP_MALLOC(p->ncn * sizeof *p->view_ids);
    if (!p->view || !p->view_ids) return 0;
    p->view[0].name = "";
    p->view[0].total = mp__tk_totalticks(p);
    p->view_ids[0] = 0;
    p->nview = 1;
    for (head = 0; head < p->nview; head++) {
        uint32_t c, k = 0;
        for (c = p->cn[p->view_ids[head]].first_child; c != MP__TK_NONE; c = p->cn[c].next_sibling) {
            const mp__tk_str *st = &p->strs[p->cn[c].label];
            if (!mp__grow((void **)&kids, &kcap, (size_t)k + 1, sizeof *kids)) {
                MP_FREE(kids);
                return 0;
            }
            kids[k].s = st->s;
            kids[k].len = st->len;
            kids[k].id = c;
            kids[k].key = p->cn[c].total;
            k++;
        }
        if (k > 1) qsort(kids, k, sizeof *kids, mp__tk_sorted_cmp);
        p->view[head].first_child = (uint32_t)p->nview;
        p->view[head].n_children = k;
        for (c = 0; c < k; c++) {
            mp_tick_node *v = &p->view[p->nview];
            v->name = kids[c].s;
            v->total = kids[c].key;
            v->first_child = 0;
            v->n_children = 0;
            p->view_ids[p->nview++] = kids[c].id;
        }
    }
    MP_FREE(kids);
    return 1;
}

MP__DEF mp_err mp_tick_finish(mp_tick_profile *p, mp_error *err)
{
    mp_tick_summary *s = &p->sum;
    size_t i;
    if (p->finished) return MP_OK;
    if (p->carry.len && !p->stopped)
        mp__tk_warn(p, "Profile file %s is broken: its last line has no newline and was "
                       "dropped", p->name);
    p->carry.len = 0;
    p->stopped = 1;
    if (!p->first_line_seen) {
        mp__tk_decide_rules(p, MP__TK_NAN, MP__TK_NAN); /* no line told */
        if (p->version_note <= MP__TK_VERSION_SAME)
            p->version_note = MP__TK_VERSION_MISSING; /* node's check reads an empty first line */
    }
    p->timed_lines.len = 0; /* a range never closed: node never reads it */
    if (p->warn_dropped)
        mp__tk_warn(p, "%llu more warnings like the ones above were left out",
                    (unsigned long long)p->warn_dropped);
    p->warn_dropped = 0;
    if (p->unknown_moves)
        mp__tk_warn(p, "%llu code-move event%s for unknown code (first: from 0x%llx)",
                    (unsigned long long)p->unknown_moves, p->unknown_moves == 1 ? "" : "s",
                    (unsigned long long)p->first_unknown_move);
    if (p->unknown_deletes)
        mp__tk_warn(p, "%llu code-delete event%s for unknown code (first: 0x%llx)",
                    (unsigned long long)p->unknown_deletes, p->unknown_deletes == 1 ? "" : "s",
                    (unsigned long long)p->first_unknown_delete);
    if (p->dropped_frames)
        mp__tk_warn(p, "dropped %llu unknown tick frame%s (overflow)",
                    (unsigned long long)p->dropped_frames, p->dropped_frames == 1 ? "" : "s");
    p->unknown_moves = p->unknown_deletes = p->dropped_frames = 0;
    if (p->failed || !mp__tk_make_rows(p) || !mp__tk_make_view(p)) {
        mp__tk_reset_views(p);
        return mp__nomem(err);
    }
    memset(s, 0, sizeof *s);
    s->ticks = p->ticks;
    s->unaccounted = p->unaccounted;
    s->excluded = p->excluded;
    s->total = mp__tk_totalticks(p);
    s->gc = p->gc;
    for (i = 0; i < p->nrows[MP_TICK_JS]; i++) s->js += p->rows[MP_TICK_JS][i].ticks;
    for (i = 0; i < p->nrows[MP_TICK_CPP]; i++) s->cpp += p->rows[MP_TICK_CPP][i].ticks;
    for (i = 0; i < p->nrows[MP_TICK_SHARED]; i++) s->shared += p->rows[MP_TICK_SHARED][i].ticks;
    s->lines = p->lines;
    s->node = p->rules.node;
    s->unknown_records = p->unknown_records;
    s->bad_lines = p->bad_lines;
    p->finished = 1;
    return MP_OK;
}

MP__DEF void mp_tick_get_summary(const mp_tick_profile *p, mp_tick_summary *s) { *s = p->sum; }

MP__DEF size_t mp_tick_rows(const mp_tick_profile *p, mp_tick_section section,
                            const mp_tick_row **rows)
{
    if ((unsigned)section > MP_TICK_ENTRY || !p->finished) { *rows = NULL; return 0; }
    *rows = p->rows[section];
    return p->nrows[section];
}

MP__DEF size_t mp_tick_bottom_up(const mp_tick_profile *p, const mp_tick_node **nodes)
{
    *nodes = p->finished ? p->view : NULL;
    return p->finished ? p->nview : 0;
}

MP__DEF size_t mp_tick_warnings(const mp_tick_profile *p, const char *const **list)
{
    *list = (const char *const *)p->warn;
    return p->nwarn;
}

MP__DEF size_t mp_tick_marks(const mp_tick_profile *p, const mp_tick_mark **list)
{
    *list = p->marks;
    return p->nmarks;
}

MP__DEF mp_err mp_tick_clock_from_mark(const mp_tick_profile *p, const char *mark, double before,
                                       double after, mp_tick_clock *out, mp_error *err)
{
    size_t i;
    if (!(before <= after))
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "mark %s: its clock readings are out of "
                        "order (%.9f after %.9f)", mark, before, after);
    for (i = 0; i < p->nmarks; i++) {
        if (strcmp(p->marks[i].name, mark) != 0) continue;
        out->zero = (before + after) / 2 - p->marks[i].ts / 1e6;
        out->error = (after - before) / 2;
        return MP_OK;
    }
    return mp__fail(err, MP_ERR_NOT_FOUND, 0, "%s: no code-creation record named %s (the "
                    "preload did not run in this isolate, or its log was cut short)", p->name,
                    mark);
}

MP__DEF const char *mp_tick_version_note(const mp_tick_profile *p)
{
    if (p->version_note == MP__TK_VERSION_MISSING)
        return "Unable to read v8-version from log file.";
    if (p->version_note == MP__TK_VERSION_DIFFERENT)
        return "Testing v8 version different from logging version";
    return NULL;
}

static mp_err mp__tk_read_fd(mp_tick_profile *p, int fd, const char *shown, mp_error *err)
{
    char *buf;
    mp_err rc = MP_OK;
    struct stat st;
    mp__tk_begin_log(p);
    /* Only a regular file: a pipe may block the reader after the attributing side is done. */
    if (mp__tk_can_group(p) && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        mp__tk_read_ahead(p, fd, shown, &rc, err))
        return rc == MP_OK ? mp_tick_finish(p, err) : rc;
    buf = (char *)MP_MALLOC(MP__TK_READ_CHUNK);
    if (!buf) return mp__nomem(err);
    for (;;) {
        ssize_t r = read(fd, buf, MP__TK_READ_CHUNK);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { rc = mp__fail_errno(err, errno, "cannot read", shown); break; }
        if (r == 0) break;
        if ((rc = mp_tick_feed(p, buf, (size_t)r, err)) != MP_OK) break;
        if (p->stopped) break;
    }
    MP_FREE(buf);
    if (rc == MP_OK) rc = mp_tick_finish(p, err);
    return rc;
}

static int mp__tk_is_stdin(const char *path) { return strcmp(path, "-") == 0; }

static mp_err mp__tk_open(const char *path, int *fd, mp_error *err)
{
    struct stat st;
    if (mp__tk_is_stdin(path)) { *fd = 0; return MP_OK; }
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0) return mp__fail_errno(err, errno, "cannot open log", path);
    if (fstat(*fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(*fd);
        return mp__fail(err, MP_ERR_INVALID_ARG, EISDIR, "cannot read log '%s': it is a directory",
                        path);
    }
    return MP_OK;
}

MP__DEF mp_err mp_tick_parse_fd(int fd, const char *name, const mp_tick_config *cfg,
                                mp_tick_profile **out, mp_error *err)
{
    mp_err rc = mp_tick_new(cfg, name, out, err);
    if (rc != MP_OK) return rc;
    rc = mp__tk_read_fd(*out, fd, name ? name : "log", err);
    if (rc != MP_OK) { mp_tick_free(*out); *out = NULL; }
    return rc;
}

MP__DEF mp_err mp_tick_parse_file(const char *path, const mp_tick_config *cfg,
                                  mp_tick_profile **out, mp_error *err)
{
    int fd;
    mp_err rc;
    *out = NULL;
    if (!path) return mp__fail(err, MP_ERR_INVALID_ARG, 0, "no log file given");
    /* a bad option is named before a missing file */
    if (cfg && (rc = mp_tick_config_check(cfg, err)) != MP_OK) return rc;
    if ((rc = mp__tk_open(path, &fd, err)) != MP_OK) return rc;
    rc = mp_tick_parse_fd(fd, path, cfg, out, err);
    if (!mp__tk_is_stdin(path)) close(fd);
    return rc;
}

MP__DEF mp_err mp_tick_add_file(mp_tick_profile *p, const char *path, mp_error *err)
{
    int fd;
    mp_err rc;
    if ((rc = mp__tk_open(path, &fd, err)) != MP_OK) return rc;
    rc = mp__tk_read_fd(p, fd, path, err);
    if (!mp__tk_is_stdin(path)) close(fd);
    return rc;
}

MP__DEF void mp_tick_free(mp_tick_profile *p)
{
    size_t i;
    if (!p) return;
    mp__tk_reset_views(p);
    mp__tk_memo_free(p);
    MP_FREE(p->groups);
    MP_FREE(p->group_names);
    mp__arena_free(&p->str_arena);
    MP_FREE(p->strs);
    mp__tab_free(&p->str_index);
    MP_FREE(p->ents);
    MP_FREE(p->dyn.n);
    MP_FREE(p->stat);
    MP_FREE(p->pending);
    MP_FREE(p->lazy);
    MP_FREE(p->lib.n);
    MP_FREE(p->spans);
    MP_FREE(p->marks);
    mp__tk_map_free(&p->libs_warned);
    mp__tk_map_free(&p->children);
    MP_FREE(p->del_scratch);
    MP_FREE(p->stack);
    MP_FREE(p->names);
    MP_FREE(p->stack_strs);
    MP_FREE(p->cn);
    mp_buf_free(&p->carry);
    mp_buf_free(&p->esc_a);
    mp_buf_free(&p->esc_b);
    mp_buf_free(&p->esc_num);
    mp_buf_free(&p->tmp);
    MP_FREE(p->fp);
    MP_FREE(p->fl);
    for (i = 0; i < p->nwarn; i++) MP_FREE(p->warn[i]);
    MP_FREE(p->warn);
    MP_FREE(p->name);
    MP_FREE(p->runtime_timer);
    MP_FREE(p->v8_version);
    mp_buf_free(&p->timed_lines);
    mp__pp_free(p->pp);
    mp_symtab_free(p->own_symbols);
    MP_FREE(p);
}

/* ---- REPORT ----------------------------------------------------------------------------- */

/* `${s}`.padStart(5) for the ASCII numbers the report prints. */
static void mp__rp_pad5(mp_buf *out, const char *s, size_t n)
{
    static const char spaces[] = "     ";
    if (n < 5) mp_buf_append(out, spaces, 5 - n);
    mp_buf_append(out, s, n);
}

static void mp__rp_fixed(mp_buf *out, mp_buf *tmp, double x)
{
    tmp->len = 0;
    mp__buf_js_fixed(tmp, x, 1);
    mp__rp_pad5(out, tmp->data ? tmp->data : "", tmp->len);
}

static void mp__rp_count(mp_buf *out, uint64_t n)
{
    char num[32];
    int k = snprintf(num, sizeof num, "%llu", (unsigned long long)n);
    mp__rp_pad5(out, num, (size_t)k);
}

/* TickProcessor.printLine; nonlib < 0 means "no nonlib column". */
static void mp__rp_line(mp_buf *out, mp_buf *tmp, const char *name, size_t name_len,
                        uint64_t ticks, uint64_t total, int has_nonlib, int64_t nonlib)
{
    mp_buf_append(out, "  ", 2);
    mp__rp_count(out, ticks);
    mp_buf_append(out, "  ", 2);
    mp__rp_fixed(out, tmp, mp__tk_pct(ticks, total));
    mp_buf_append(out, "%  ", 3);
    if (has_nonlib) {
        mp__rp_fixed(out, tmp, (double)ticks * 100 / (double)nonlib);
        mp_buf_append(out, "%  ", 3);
    } else {
        mp_buf_append(out, "        ", 8);
    }
    mp_buf_append(out, name, name_len);
    mp_buf_append(out, "\n", 1);
}

static void mp__rp_header(mp_buf *out, const char *title)
{
    mp_buf_printf(out, "\n [%s]:\n   ticks  total  nonlib   name\n", title);
}

static void mp__rp_heavy(const mp_tick_profile *p, mp_buf *out, mp_buf *tmp, uint32_t parent,
                         int indent)
{
    uint32_t i;
    const mp_tick_node *par = &p->view[parent];
    for (i = 0; i < par->n_children; i++) {
        uint32_t c = par->first_child + i;
        const mp_tick_node *n = &p->view[c];
        const mp__tk_str *st = &p->strs[p->cn[p->view_ids[c]].label];
        double pct = (double)n->total / (double)par->total * 100.0;
        int k;
        if (pct < 1.0) continue;
        mp_buf_append(out, "  ", 2);
        mp__rp_count(out, n->total);
        mp_buf_append(out, "  ", 2);
        mp__rp_fixed(out, tmp, pct);
        mp_buf_append(out, "%  ", 3);
        for (k = 0; k < indent; k++) mp_buf_append(out, " ", 1);
        mp_buf_append(out, st->s, st->len);
        mp_buf_append(out, "\n", 1);
        if (indent < 2 * (p->depth - 1)) mp__rp_heavy(p, out, tmp, c, indent + 2);
        if (indent == 0) mp_buf_append(out, "\n", 1);
    }
}

static const char *mp__rp_name_of(const mp_tick_profile *p, int sec, size_t i, size_t *len)
{
    uint32_t id = p->row_ids[sec][i];
    if (id == MP__TK_NONE) { *len = 5; return "TOTAL"; }
    *len = p->strs[id].len;
    return p->strs[id].s;
}

static void mp__rp_section(const mp_tick_profile *p, mp_buf *out, mp_buf *tmp, int sec,
                           uint64_t total, int has_nonlib, int64_t nonlib)
{
    size_t i, len;
    for (i = 0; i < p->nrows[sec]; i++) {
        const char *name = mp__rp_name_of(p, sec, i, &len);
        mp__rp_line(out, tmp, name, len, p->rows[sec][i].ticks, total, has_nonlib, nonlib);
    }
}

MP__DEF mp_err mp_tick_write_text(const mp_tick_profile *p, const mp_tick_write_options *opts,
                                  mp_buf *out, mp_error *err)
{
    const char *name = opts && opts->log_name ? opts->log_name : p->name;
    int all = !(opts && opts->only_summary);
    const mp_tick_summary *s = &p->sum;
    mp_buf tmp;
    int64_t nonlib;
    size_t i, len;
    memset(&tmp, 0, sizeof tmp);
    if (!p->finished)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "report: the profile is not finished");
    if (p->pp) /* node prints no report then either */
        return mp__fail(err, MP_ERR_INVALID_ARG, 0,
                        "report: the profile was read for preprocess (mp_tick_write_preprocess)");
    mp_buf_printf(out, "Statistical profiling result from %s, (%llu ticks, %llu unaccounted, "
                       "%llu excluded).\n", name, (unsigned long long)s->ticks,
                  (unsigned long long)s->unaccounted, (unsigned long long)s->excluded);
    if (s->ticks == 0) goto done;
    nonlib = (int64_t)s->total - (int64_t)s->shared;
    if (all) {
        mp__rp_header(out, "Shared libraries");
        mp__rp_section(p, out, &tmp, MP_TICK_SHARED, s->total, 0, 0);
        mp__rp_header(out, "JavaScript");
        mp__rp_section(p, out, &tmp, MP_TICK_JS, s->total, 1, nonlib);
        mp__rp_header(out, "C++");
        mp__rp_section(p, out, &tmp, MP_TICK_CPP, s->total, 1, nonlib);
    }
    mp__rp_header(out, "Summary");
    mp__rp_line(out, &tmp, "JavaScript", 10, s->js, s->total, 1, nonlib);
    mp__rp_line(out, &tmp, "C++", 3, s->cpp, s->total, 1, nonlib);
    mp__rp_line(out, &tmp, "GC", 2, s->gc, s->total, 1, nonlib);
    mp__rp_line(out, &tmp, "Shared libraries", 16, s->shared, s->total, 0, 0);
    if (!p->cfg.ignore_unknown && s->unaccounted > 0)
        mp__rp_line(out, &tmp, "Unaccounted", 11, s->unaccounted, s->ticks, 0, 0);
    if (all) {
        mp_buf_puts(out, "\n [C++ entry points]:\n   ticks    cpp   total   name\n");
        for (i = 0; i < p->nrows[MP_TICK_ENTRY]; i++) {
            const char *n = mp__rp_name_of(p, MP_TICK_ENTRY, i, &len);
            mp__rp_line(out, &tmp, n, len, p->rows[MP_TICK_ENTRY][i].ticks, p->entry_total, 1,
                        (int64_t)s->total);
        }
        mp_buf_puts(out, "\n [Bottom up (heavy) profile]:\n"
                         "  Note: percentage shows a share of a particular caller in the total\n"
                         "  amount of its parent calls.\n"
                         "  Callers occupying less than 1.0% are not shown.\n\n"
                         "   ticks parent  name\n");
        mp__rp_heavy(p, out, &tmp, 0, 0);
    }
done:
    mp_buf_free(&tmp);
    if (out->failed || tmp.failed) return mp__nomem(err);
    return MP_OK;
}

static void mp__rp_json_rows(const mp_tick_profile *p, mp_buf *out, int sec, uint64_t base)
{
    size_t i, len;
    mp_buf_puts(out, "[");
    for (i = 0; i < p->nrows[sec]; i++) {
        const char *n = mp__rp_name_of(p, sec, i, &len);
        if (i) mp_buf_puts(out, ",");
        mp_buf_puts(out, "{\"name\":");
        mp__buf_json_string(out, n, len);
        mp_buf_printf(out, ",\"ticks\":%llu,\"pct\":", (unsigned long long)p->rows[sec][i].ticks);
        mp__buf_js_number(out, mp__tk_pct(p->rows[sec][i].ticks, base));
        mp_buf_puts(out, "}");
    }
    mp_buf_puts(out, "]");
}

/* ,"on_stack":[{"name":, "ticks":}...]: every name by the ticks it was on the stack for
   (its total share, where the rows give the self share), in the order names were met. */
static void mp__rp_json_on_stack(const mp_tick_profile *p, mp_buf *out)
{
    uint32_t i;
    int first = 1;
    mp_buf_puts(out, ",\"on_stack\":[");
    for (i = 0; i < p->nstrs; i++) {
        const mp__tk_str *str = &p->strs[i];
        if (!str->on_stack) continue;
        mp_buf_puts(out, first ? "{\"name\":" : ",{\"name\":");
        mp__buf_json_string(out, str->s, str->len);
        mp_buf_printf(out, ",\"ticks\":%llu}", (unsigned long long)str->on_stack);
        first = 0;
    }
    mp_buf_puts(out, "]");
}

static void mp__rp_json_node(const mp_tick_profile *p, mp_buf *out, uint32_t i, int depth)
{
    const mp_tick_node *n = &p->view[i];
    uint32_t k;
    mp_buf_puts(out, "{\"name\":");
    if (i == 0) mp_buf_puts(out, "\"\"");
    else {
        const mp__tk_str *st = &p->strs[p->cn[p->view_ids[i]].label];
        mp__buf_json_string(out, st->s, st->len);
    }
    mp_buf_printf(out, ",\"ticks\":%llu", (unsigned long long)n->total);
    if (n->n_children && depth < p->depth) {
        mp_buf_puts(out, ",\"children\":[");
        for (k = 0; k < n->n_children; k++) {
            if (k) mp_buf_puts(out, ",");
            mp__rp_json_node(p, out, n->first_child + k, depth + 1);
        }
        mp_buf_puts(out, "]");
    }
    mp_buf_puts(out, "}");
}

MP__DEF mp_err mp_tick_write_json(const mp_tick_profile *p, const mp_tick_write_options *opts,
                                  mp_buf *out, mp_error *err)
{
    const char *name = opts && opts->log_name ? opts->log_name : p->name;
    const mp_tick_summary *s = &p->sum;
    size_t i;
    if (!p->finished)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "report: the profile is not finished");
    if (p->pp)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0,
                        "report: the profile was read for preprocess (mp_tick_write_preprocess)");
    mp_buf_puts(out, "{\"log\":");
    mp__buf_json_string(out, name, strlen(name));
    mp_buf_printf(out, ",\"ticks\":{\"total\":%llu,\"unaccounted\":%llu,\"excluded\":%llu,"
                       "\"base\":%llu}",
                  (unsigned long long)s->ticks, (unsigned long long)s->unaccounted,
                  (unsigned long long)s->excluded, (unsigned long long)s->total);
    mp_buf_puts(out, ",\"shared\":");
    mp__rp_json_rows(p, out, MP_TICK_SHARED, s->total);
    mp_buf_puts(out, ",\"javascript\":");
    mp__rp_json_rows(p, out, MP_TICK_JS, s->total);
    mp_buf_puts(out, ",\"cpp\":");
    mp__rp_json_rows(p, out, MP_TICK_CPP, s->total);
    mp_buf_printf(out, ",\"summary\":{\"javascript\":%llu,\"cpp\":%llu,\"gc\":%llu,"
                       "\"shared\":%llu,\"unaccounted\":%llu}",
                  (unsigned long long)s->js, (unsigned long long)s->cpp,
                  (unsigned long long)s->gc, (unsigned long long)s->shared,
                  (unsigned long long)s->unaccounted);
    mp_buf_puts(out, ",\"entry_points\":");
    mp__rp_json_rows(p, out, MP_TICK_ENTRY, p->entry_total);
    mp__rp_json_on_stack(p, out);
    mp_buf_puts(out, ",\"bottom_up\":");
    mp__rp_json_node(p, out, 0, 0);
    mp_buf_printf(out, ",\"records\":{\"lines\":%llu,\"unknown\":%llu,\"skipped\":%llu,"
                       "\"read_as_node\":%d}",
                  (unsigned long long)s->lines, (unsigned long long)s->unknown_records,
                  (unsigned long long)s->bad_lines, s->node);
    mp_buf_puts(out, ",\"warnings\":[");
    for (i = 0; i < p->nwarn; i++) {
        if (i) mp_buf_puts(out, ",");
        mp__buf_json_string(out, p->warn[i], strlen(p->warn[i]));
    }
    mp_buf_puts(out, "]}\n");
    if (out->failed) return mp__nomem(err);
    return MP_OK;
}

/* ---- REPORT: --preprocess, V8's JsonProfile.writeJson ------------------------------------- */

/* A string as JSON.stringify writes it: \" \\ \b \f \n \r \t, \u00xx for the other control
   characters, \udxxx for a surrogate without its other half (kept by mp__tk_put_lone),
   everything else as it is. Bytes that are no UTF-8 become U+FFFD, as node's decoder made
   them when it read the log: one for each longest start of a valid sequence. */
static void mp__pp_json_str(mp_buf *out, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, len, bad;
    mp_buf_append(out, "\"", 1);
    while (i < n) {
        size_t run = i;
        unsigned c, cp;
        while (run < n && u[run] >= 0x20 && u[run] < 0x80 && u[run] != '"' && u[run] != '\\')
            run++;
        if (run > i) { mp_buf_append(out, s + i, run - i); i = run; continue; }
        c = u[i];
        if (c < 0x80) {
            const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
                            : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                            : c == '\t' ? "\\t" : NULL;
            if (esc) mp_buf_puts(out, esc);
            else mp_buf_printf(out, "\\u%04x", c);
            i++;
        } else if ((len = mp__utf8_decode(u + i, n - i, &cp, &bad)) > 0) {
            mp_buf_append(out, s + i, len);
            i += len;
        } else if (c == 0xED && i + 2 < n && (u[i + 1] & 0xE0) == 0xA0 &&
                   (u[i + 2] & 0xC0) == 0x80) {
            mp_buf_printf(out, "\\u%04x",
                          0xD000u | ((u[i + 1] & 0x3Fu) << 6) | (u[i + 2] & 0x3Fu));
            i += 3;
        } else {
            mp_buf_append(out, "\xEF\xBF\xBD", 3);
            i += bad;
        }
    }
    mp_buf_append(out, "\"", 1);
}

static void mp__pp_json_id(const mp_tick_profile *p, mp_buf *out, uint32_t id)
{
    mp__pp_json_str(out, p->strs[id].s, p->strs[id].len);
}

/* A number from the log: parseInt's NaN is null; beyond 2^53 it is the double node had. */
static void mp__pp_json_int(mp_buf *out, int64_t v)
{
    char num[24], *q = num + sizeof num;
    uint64_t u;
    if (v == MP__TK_NAN) { mp_buf_append(out, "null", 4); return; }
    if (v > 9007199254740992LL || v < -9007199254740992LL) {
        mp__buf_js_number(out, (double)v);
        return;
    }
    u = v < 0 ? (uint64_t)-v : (uint64_t)v;
    do {
        *--q = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--q = '-';
    mp_buf_append(out, q, (size_t)(num + sizeof num - q));
}

/* A line break and the indentation JSON.stringify(x, null, 2) gives a depth. */
static void mp__pp_nl(mp_buf *out, int indent)
{
    static const char spaces[] = "            ";
    mp_buf_append(out, "\n", 1);
    mp_buf_append(out, spaces, (size_t)indent);
}

/* The next member's key: a comma after the one before, the line, the quoted key. */
static void mp__pp_key(mp_buf *out, int *first, int indent, const char *key)
{
    if (!*first) mp_buf_append(out, ",", 1);
    *first = 0;
    mp__pp_nl(out, indent);
    mp_buf_append(out, "\"", 1);
    mp_buf_puts(out, key);
    mp_buf_append(out, "\": ", 3);
}

static void mp__pp_json_source(const mp_tick_profile *p, mp_buf *out, const mp__pp_source *src)
{
    int first = 1;
    uint32_t i;
    mp_buf_append(out, "{", 1);
    mp__pp_key(out, &first, 6, "script");
    mp__pp_json_int(out, src->script);
    mp__pp_key(out, &first, 6, "start");
    mp__pp_json_int(out, src->start);
    mp__pp_key(out, &first, 6, "end");
    mp__pp_json_int(out, src->end);
    mp__pp_key(out, &first, 6, "positions");
    mp__pp_json_id(p, out, src->positions);
    mp__pp_key(out, &first, 6, "inlined");
    mp__pp_json_id(p, out, src->inlined);
    mp__pp_key(out, &first, 6, "fns");
    if (!src->nfns) mp_buf_append(out, "[]", 2);
    else {
        mp_buf_append(out, "[", 1);
        for (i = 0; i < src->nfns; i++) {
            if (i) mp_buf_append(out, ",", 1);
            mp__pp_nl(out, 8);
            if (src->fns[i] == MP__TK_NONE) mp_buf_append(out, "null", 4);
            else mp__pp_json_int(out, src->fns[i]);
        }
        mp__pp_nl(out, 6);
        mp_buf_append(out, "]", 1);
    }
    mp__pp_nl(out, 4);
    mp_buf_append(out, "}", 1);
}

static void mp__pp_json_deopt(const mp_tick_profile *p, mp_buf *out, const mp__pp_deopt *d)
{
    int first = 1;
    mp_buf_append(out, "{", 1);
    mp__pp_key(out, &first, 6, "tm");
    mp__pp_json_int(out, d->tm);
    mp__pp_key(out, &first, 6, "inliningId");
    mp__pp_json_int(out, d->inlining);
    mp__pp_key(out, &first, 6, "scriptOffset");
    mp__pp_json_int(out, d->offset);
    /* undefined strings leave their keys out */
    if (d->pos != MP__TK_NONE) {
        mp__pp_key(out, &first, 6, "posText");
        mp__pp_json_id(p, out, d->pos);
    }
    if (d->reason != MP__TK_NONE) {
        mp__pp_key(out, &first, 6, "reason");
        mp__pp_json_id(p, out, d->reason);
    }
    if (d->bailout != MP__TK_NONE) {
        mp__pp_key(out, &first, 6, "bailoutType");
        mp__pp_json_id(p, out, d->bailout);
    }
    mp__pp_nl(out, 4);
    mp_buf_append(out, "}", 1);
}

/* One element of "code", in the key order node's objects have. */
static void mp__pp_json_code(const mp_tick_profile *p, mp_buf *out, const mp__pp_code *c)
{
    /* by code state; 6: node 18's name for Sparkplug code */
    static const char *const kinds[] = { "Builtin", "Unopt", "Sparkplug", "", "Maglev", "Opt",
                                         "Baseline" };
    const mp__pp *pp = p->pp;
    int first = 1, k;
    mp_buf_append(out, "{", 1);
    mp__pp_key(out, &first, 4, "name");
    mp__pp_json_id(p, out, c->name);
    if (c->type == MP__PP_CODE) {
        mp__pp_key(out, &first, 4, "timestamp");
        mp__pp_json_int(out, c->ts);
    }
    mp__pp_key(out, &first, 4, "type");
    mp_buf_puts(out, c->type == MP__PP_LIB ? "\"SHARED_LIB\"" : c->type == MP__PP_CPP ? "\"CPP\""
                   : c->type == MP__PP_CODE ? "\"CODE\"" : "\"JS\"");
    if (c->type == MP__PP_CODE && c->kind != MP__TK_NONE) {
        mp__pp_key(out, &first, 4, "kind");
        mp__pp_json_id(p, out, c->kind);
    } else if (c->type == MP__PP_JS) {
        mp__pp_key(out, &first, 4, "kind");
        mp_buf_append(out, "\"", 1);
        mp_buf_puts(out, kinds[c->kind < 7 ? c->kind : 3]);
        mp_buf_append(out, "\"", 1);
        mp__pp_key(out, &first, 4, "func");
        mp__pp_json_int(out, c->func);
        mp__pp_key(out, &first, 4, "tm");
        mp__pp_json_int(out, c->ts);
    }
    for (k = 0; k < 2; k++) {
        if ((k == 0) == !c->deopt_first) {
            if (c->source == MP__TK_NONE) continue;
            mp__pp_key(out, &first, 4, "source");
            mp__pp_json_source(p, out, &pp->sources[c->source]);
        } else if (c->deopt != MP__TK_NONE) {
            mp__pp_key(out, &first, 4, "deopt");
            mp__pp_json_deopt(p, out, &pp->deopts[c->deopt]);
        }
    }
    mp__pp_nl(out, 2);
    mp_buf_append(out, "}", 1);
}

static void mp__pp_json_func(const mp_tick_profile *p, mp_buf *out, const mp__pp_func *f)
{
    int first = 1;
    uint32_t i;
    mp_buf_append(out, "{", 1);
    mp__pp_key(out, &first, 4, "name");
    mp__pp_json_id(p, out, f->name);
    mp__pp_key(out, &first, 4, "codes");
    if (!f->n) mp_buf_append(out, "[]", 2);
    else {
        mp_buf_append(out, "[", 1);
        for (i = 0; i < f->n; i++) {
            if (i) mp_buf_append(out, ",", 1);
            mp__pp_nl(out, 6);
            mp__pp_json_int(out, f->codes[i]);
        }
        mp__pp_nl(out, 4);
        mp_buf_append(out, "]", 1);
    }
    mp__pp_nl(out, 2);
    mp_buf_append(out, "}", 1);
}

static int mp__pp_get_uint(const unsigned char **cur, const unsigned char *end, uint64_t *v)
{
    unsigned shift = 0;
    *v = 0;
    while (*cur < end && shift < 64) {
        unsigned char b = *(*cur)++;
        *v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) return 1;
        shift += 7;
    }
    return 0;
}

static int mp__pp_get_int(const unsigned char **cur, const unsigned char *end, int64_t *v)
{
    uint64_t u;
    if (!mp__pp_get_uint(cur, end, &u)) return 0;
    *v = (u & 1) ? (int64_t)~(u >> 1) : (int64_t)(u >> 1);
    return 1;
}

/* One tick as JSON.stringify(tick, null, 2) writes it (the caller indents its first line
   only, as node does); 0 when the kept bytes end early, which they cannot. */
static int mp__pp_json_tick(mp_buf *out, const unsigned char **cur, const unsigned char *end)
{
    int64_t vm, v;
    uint64_t n, i;
    if (*cur >= end) return 0;
    mp_buf_append(out, "{\n  \"tm\": ", 10);
    if (*(*cur)++ == 0) {
        if (!mp__pp_get_int(cur, end, &v)) return 0;
        mp__pp_json_int(out, v);
    } else {
        double tm;
        if ((size_t)(end - *cur) < sizeof tm) return 0;
        memcpy(&tm, *cur, sizeof tm);
        *cur += sizeof tm;
        if (tm != tm) mp_buf_append(out, "null", 4);
        else mp__buf_js_number(out, tm);
    }
    if (!mp__pp_get_int(cur, end, &vm) || !mp__pp_get_uint(cur, end, &n)) return 0;
    mp_buf_append(out, ",\n  \"vm\": ", 10);
    mp__pp_json_int(out, vm);
    mp_buf_append(out, ",\n  \"s\": [", 10);
    for (i = 0; i < 2 * n; i++) {
        if (!mp__pp_get_int(cur, end, &v)) return 0;
        mp_buf_append(out, i ? ",\n    " : "\n    ", i ? 6 : 5);
        if (v == -2 && i % 2 == 0) mp_buf_append(out, "null", 4); /* an undefined index */
        else mp__pp_json_int(out, v);
    }
    mp_buf_append(out, n ? "\n  ]\n}" : "]\n}", n ? 6 : 3);
    return 1;
}

static void mp__pp_json_script(const mp_tick_profile *p, mp_buf *out, const mp__pp_script *sc)
{
    const mp__pp_group *g = &p->pp->groups[sc->group];
    int first = 1;
    mp_buf_append(out, "{", 1);
    mp__pp_key(out, &first, 4, "url");
    mp__pp_json_id(p, out, sc->url);
    if (sc->source != MP__TK_NONE) {
        mp__pp_key(out, &first, 4, "source");
        mp__pp_json_id(p, out, sc->source);
    }
    mp__pp_key(out, &first, 4, "name");
    mp__pp_json_id(p, out, g->count == 1 ? g->filename : g->last_url);
    mp_buf_puts(out, ",\n    \"lineToColumn\": {},\n    \"_entries\": [],\n"
                     "    \"_sourceMapState\": \"unknown\"");
    mp__pp_key(out, &first, 4, "id");
    mp__pp_json_int(out, sc->id);
    mp_buf_puts(out, ",\n    \"sourcePositions\": []\n  }");
}

static void mp__pp_json_scripts(const mp_tick_profile *p, mp_buf *out)
{
    const mp__pp *pp = p->pp;
    int64_t id;
    if (pp->max_script < 0) { mp_buf_append(out, "[]", 2); return; }
    mp_buf_append(out, "[", 1);
    for (id = 0; id <= pp->max_script; id++) {
        uint32_t at = mp__tk_map_get(&pp->script_at, (uint64_t)id + 1);
        mp_buf_append(out, id ? ",\n  " : "\n  ", id ? 4 : 3);
        if (at == MP__TK_NONE) mp_buf_append(out, "null", 4);
        else mp__pp_json_script(p, out, &pp->scripts[at]);
    }
    mp_buf_append(out, "\n]", 2);
}

MP__DEF mp_err mp_tick_write_preprocess(const mp_tick_profile *p, mp_buf *out, mp_error *err)
{
    const mp__pp *pp = p->pp;
    const unsigned char *cur, *end;
    size_t i;
    uint64_t k;
    if (!pp)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0,
                        "preprocess: the profile was read without the preprocess option");
    if (!p->finished)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "preprocess: the profile is not finished");
    if (pp->script_overflow)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0,
                        "preprocess: script id %lld: its \"scripts\" array would be too long "
                        "for node's JSON.stringify too", (long long)pp->script_overflow);
    mp_buf_puts(out, "{\n  \"code\": ");
    if (!pp->ncode) mp_buf_append(out, "[]", 2);
    else {
        mp_buf_append(out, "[", 1);
        for (i = 0; i < pp->ncode; i++) {
            mp_buf_append(out, i ? ",\n  " : "\n  ", i ? 4 : 3);
            mp__pp_json_code(p, out, &pp->code[i]);
        }
        mp_buf_append(out, "\n]", 2);
    }
    mp_buf_puts(out, ",\n  \"functions\": ");
    if (!pp->nfuncs) mp_buf_append(out, "[]", 2);
    else {
        mp_buf_append(out, "[", 1);
        for (i = 0; i < pp->nfuncs; i++) {
            mp_buf_append(out, i ? ",\n  " : "\n  ", i ? 4 : 3);
            mp__pp_json_func(p, out, &pp->funcs[i]);
        }
        mp_buf_append(out, "\n]", 2);
    }
    mp_buf_puts(out, ",\n  \"ticks\": [\n");
    cur = end = (const unsigned char *)pp->ticks.data;
    if (cur) end += pp->ticks.len;
    for (k = 0; k < pp->nticks; k++) {
        mp_buf_append(out, "    ", 4);
        if (!mp__pp_json_tick(out, &cur, end))
            return mp__fail(err, MP_ERR_INVALID_ARG, 0, "preprocess: the kept ticks are cut");
        mp_buf_append(out, k + 1 < pp->nticks ? ",\n" : "\n", k + 1 < pp->nticks ? 2 : 1);
    }
    mp_buf_puts(out, "  ],\n  \"scripts\": ");
    mp__pp_json_scripts(p, out);
    mp_buf_puts(out, "}\n");
    if (out->failed) return mp__nomem(err);
    return MP_OK;
}

/* ---- load: histogram ------------------------------------------------------------------ */

/* Log-linear buckets: values below 2048 µs have a bucket each; above, every power of two is
   split into 1024 buckets, so a bucket is never wider than 1/1024 of its values. */
#define MP__H_HALF 1024u
#define MP__H_SUB (2u * MP__H_HALF)
#define MP__H_MAX_SHIFT 26u /* values up to 2^37 µs (38 hours); larger ones land in the last */
#define MP__H_BUCKETS (MP__H_MAX_SHIFT * MP__H_HALF + MP__H_SUB)

struct mp_load_hist {
    uint64_t count, min, max, sum;
    uint64_t counts[MP__H_BUCKETS];
};

static unsigned mp__msb64(uint64_t v)
{
#if defined(__GNUC__) || defined(__clang__)
    return 63u - (unsigned)__builtin_clzll(v);
#else
    unsigned r = 0;
    while (v >>= 1) r++;
    return r;
#endif
}

static size_t mp__hist_index(uint64_t v)
{
    unsigned shift;
    if (v < MP__H_SUB) return (size_t)v;
    shift = mp__msb64(v) - 10u;
    if (shift > MP__H_MAX_SHIFT) return MP__H_BUCKETS - 1;
    return (size_t)shift * MP__H_HALF + (size_t)(v >> shift);
}

/* The lowest and highest value of bucket i. */
static void mp__hist_range(size_t i, uint64_t *lo, uint64_t *hi)
{
    size_t shift, m;
    if (i < MP__H_SUB) { *lo = *hi = i; return; }
    shift = i / MP__H_HALF - 1;
    m = i - shift * MP__H_HALF;
    *lo = (uint64_t)m << shift;
    *hi = (((uint64_t)m + 1) << shift) - 1;
}

static void mp__hist_clear(mp_load_hist *h)
{
    memset(h, 0, sizeof *h);
}

MP__DEF mp_err mp_load_hist_new(mp_load_hist **out, mp_error *err)
{
    *out = (mp_load_hist *)MP_MALLOC(sizeof **out);
    if (!*out) return mp__nomem(err);
    mp__hist_clear(*out);
    return MP_OK;
}

MP__DEF void mp_load_hist_free(mp_load_hist *h) { MP_FREE(h); }

MP__DEF void mp_load_hist_record(mp_load_hist *h, uint64_t us)
{
    if (h->count == 0 || us < h->min) h->min = us;
    if (us > h->max) h->max = us;
    h->count++;
    h->sum += us;
    h->counts[mp__hist_index(us)]++;
}

MP__DEF void mp_load_hist_merge(mp_load_hist *dst, const mp_load_hist *src)
{
    size_t i;
    if (src->count == 0) return;
    if (dst->count == 0 || src->min < dst->min) dst->min = src->min;
    if (src->max > dst->max) dst->max = src->max;
    dst->count += src->count;
    dst->sum += src->sum;
    for (i = 0; i < MP__H_BUCKETS; i++) dst->counts[i] += src->counts[i];
}

MP__DEF uint64_t mp_load_hist_count(const mp_load_hist *h) { return h->count; }
MP__DEF uint64_t mp_load_hist_min(const mp_load_hist *h) { return h->min; }
MP__DEF uint64_t mp_load_hist_max(const mp_load_hist *h) { return h->max; }

MP__DEF double mp_load_hist_mean(const mp_load_hist *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0.0;
}

MP__DEF double mp_load_hist_percentile(const mp_load_hist *h, double p)
{
    uint64_t rank, seen = 0, lo, hi;
    double v;
    size_t i;
    if (h->count == 0) return 0.0;
    if (!(p > 0)) return (double)h->min;
    if (p >= 100) return (double)h->max;
    rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
    if (rank < 1) rank = 1;
    for (i = 0; i < MP__H_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) break;
    }
    if (i == MP__H_BUCKETS) return (double)h->max;
    mp__hist_range(i, &lo, &hi);
    v = ((double)lo + (double)hi) / 2.0;
    if (v < (double)h->min) v = (double)h->min;
    if (v > (double)h->max) v = (double)h->max;
    return v;
}

/* A coarse histogram for the per-second series: 8 buckets per power of two (12 %), small
   enough to keep one per second. */
#define MP__C_BUCKETS 288u

static size_t mp__coarse_index(uint64_t v)
{
    unsigned shift;
    size_t i;
    if (v < 16) return (size_t)v;
    shift = mp__msb64(v) - 3u;
    i = (size_t)shift * 8u + (size_t)(v >> shift);
    return i < MP__C_BUCKETS ? i : MP__C_BUCKETS - 1;
}

static double mp__coarse_value(size_t i)
{
    size_t shift, m;
    if (i < 16) return (double)i;
    shift = i / 8u - 1u;
    m = i - shift * 8u;
    return ((double)((uint64_t)m << shift) + (double)((((uint64_t)m + 1) << shift) - 1)) / 2.0;
}

static double mp__coarse_percentile(const uint32_t *c, double p)
{
    uint64_t total = 0, seen = 0, rank;
    size_t i;
    for (i = 0; i < MP__C_BUCKETS; i++) total += c[i];
    if (total == 0) return 0.0;
    rank = (uint64_t)ceil(p / 100.0 * (double)total);
    if (rank < 1) rank = 1;
    for (i = 0; i < MP__C_BUCKETS; i++) {
        seen += c[i];
        if (seen >= rank) return mp__coarse_value(i);
    }
    return mp__coarse_value(MP__C_BUCKETS - 1);
}

/* ---- load: HTTP/1.1 response parser --------------------------------------------------- */

/* A byte-at-a-time state machine: a response may arrive split at any byte, several may
   arrive in one read. It keeps only the current line (for the few headers it needs), so a
   connection costs a fixed few hundred bytes. */
enum {
    MP__HP_STATUS = 0,
    MP__HP_HEADER,
    MP__HP_BODY,
    MP__HP_CHUNK_SIZE,
    MP__HP_CHUNK_DATA,
    MP__HP_CHUNK_END,
    MP__HP_TRAILER,
    MP__HP_UNTIL_CLOSE,
    MP__HP_DONE
};

#define MP__HP_MORE 0
#define MP__HP_COMPLETE 1
#define MP__HP_ERROR (-1)
#define MP__HP_MAX_HEAD 65536u /* status line, headers and trailers together */

typedef struct mp__hp {
    int state;
    int status;
    int minor;         /* HTTP/1.minor */
    int head;          /* the request was HEAD: no body follows */
    int keep_alive;    /* known once the headers are complete */
    int chunked, has_length, conn_close, conn_keep_alive;
    uint64_t remaining;  /* body or chunk bytes still to come */
    uint64_t content_length;
    uint64_t body_bytes;
    size_t head_bytes;
    size_t line_len;
    int line_over;     /* the line did not fit in line[] */
    const char *error; /* why the response was rejected */
    /* Following redirects needs the Location header whole, however long: when location is
       set, that header's line is copied there (not into line[]) and its value left there. */
    mp_buf *location;
    int has_location;  /* location holds this response's Location value */
    int location_line; /* the current line is the Location header, being copied */
    char line[256];
} mp__hp;

/* Starts on a new response; location is NULL (not kept) until the caller sets it. */
static void mp__hp_reset(mp__hp *hp, int head)
{
    hp->state = MP__HP_STATUS;
    hp->status = 0;
    hp->minor = 1;
    hp->head = head;
    hp->keep_alive = 0;
    hp->chunked = hp->has_length = hp->conn_close = hp->conn_keep_alive = 0;
    hp->remaining = hp->content_length = hp->body_bytes = 0;
    hp->head_bytes = 0;
    hp->line_len = 0;
    hp->line_over = 0;
    hp->error = NULL;
    hp->location = NULL;
    hp->has_location = hp->location_line = 0;
}

static int mp__hp_fail(mp__hp *hp, const char *why)
{
    hp->error = why;
    return MP__HP_ERROR;
}

static int mp__lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int mp__name_is(const char *s, size_t n, const char *lower)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!lower[i] || mp__lower((unsigned char)s[i]) != lower[i]) return 0;
    return lower[n] == '\0';
}

/* Does the comma-separated list s[0..n) hold token (case-insensitive)? */
static int mp__has_token(const char *s, size_t n, const char *token, int last_only)
{
    size_t i = 0, tl = strlen(token);
    int found = 0;
    while (i < n) {
        size_t a, b;
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ',')) i++;
        a = i;
        while (i < n && s[i] != ',') i++;
        b = i;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) b--;
        if (b > a) found = (b - a == tl && mp__name_is(s + a, tl, token));
        if (found && !last_only) return 1;
    }
    return found;
}

static int mp__hp_status_line(mp__hp *hp, const char *s, size_t n)
{
    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') || s[8] != ' ' ||
        s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9' ||
        (n > 12 && s[12] != ' '))
        return mp__hp_fail(hp, "bad status line");
    hp->minor = s[7] - '0';
    hp->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    hp->state = MP__HP_HEADER;
    return MP__HP_MORE;
}

static int mp__hp_end_of_headers(mp__hp *hp)
{
    if (hp->status >= 100 && hp->status < 200) {
        if (hp->status == 101) return mp__hp_fail(hp, "protocol switch (101) not supported");
        /* An interim response: the real one follows on the same connection. */
        int head = hp->head;
        size_t used = hp->head_bytes;
        mp_buf *location = hp->location;
        mp__hp_reset(hp, head);
        hp->head_bytes = used;
        hp->location = location;
        return MP__HP_MORE;
    }
    hp->keep_alive = hp->minor >= 1 ? !hp->conn_close : hp->conn_keep_alive && !hp->conn_close;
    if (hp->head || hp->status == 204 || hp->status == 304) {
        hp->state = MP__HP_DONE;
    } else if (hp->chunked) {
        hp->state = MP__HP_CHUNK_SIZE;
    } else if (hp->has_length) {
        hp->remaining = hp->content_length;
        hp->state = hp->remaining ? MP__HP_BODY : MP__HP_DONE;
    } else {
        hp->state = MP__HP_UNTIL_CLOSE;
        hp->keep_alive = 0;
    }
    return hp->state == MP__HP_DONE ? MP__HP_COMPLETE : MP__HP_MORE;
}

/* Copies the Location header's line to hp->location as it arrives; a line is known to be
   that header once its first 9 bytes ("location:") are in. */
static void mp__hp_copy_location(mp__hp *hp, const char *chunk, size_t n, size_t before)
{
    if (hp->location_line) {
        if (n) mp_buf_append(hp->location, chunk, n);
        return;
    }
    if (before >= 9 || hp->line_len < 9 || !mp__name_is(hp->line, 9, "location:")) return;
    hp->location_line = 1;
    hp->location->len = 0;
    if (before) mp_buf_append(hp->location, hp->line, before);
    if (n) mp_buf_append(hp->location, chunk, n);
}

/* The whole Location line is in hp->location: leave just its value there. */
static int mp__hp_location_value(mp__hp *hp)
{
    mp_buf *b = hp->location;
    const char *colon;
    size_t a, e;
    if (b->failed || !b->data) return mp__hp_fail(hp, "out of memory for the Location header");
    colon = (const char *)memchr(b->data, ':', b->len);
    a = colon ? (size_t)(colon - b->data) + 1 : b->len;
    e = b->len;
    while (a < e && (b->data[a] == ' ' || b->data[a] == '\t')) a++;
    while (e > a && (b->data[e - 1] == ' ' || b->data[e - 1] == '\t' || b->data[e - 1] == '\r')) e--;
    /* Kept as a C string: a NUL inside would cut it short and send the user elsewhere. */
    if (memchr(b->data + a, '\0', e - a)) return mp__hp_fail(hp, "NUL byte in the Location header");
    memmove(b->data, b->data + a, e - a);
    b->len = e - a;
    b->data[b->len] = '\0';
    hp->has_location = 1;
    return MP__HP_MORE;
}

static int mp__hp_header_line(mp__hp *hp, const char *s, size_t n)
{
    const char *colon, *v;
    size_t nl, vl;
    if (n == 0) return hp->state == MP__HP_TRAILER ? MP__HP_COMPLETE : mp__hp_end_of_headers(hp);
    if (s[0] == ' ' || s[0] == '\t') return mp__hp_fail(hp, "folded header line");
    if (!(colon = (const char *)memchr(s, ':', n))) {
        if (hp->line_over) return MP__HP_MORE; /* a long line of a header we do not need */
        return mp__hp_fail(hp, "header line without ':'");
    }
    if (hp->state == MP__HP_TRAILER) return MP__HP_MORE;
    nl = (size_t)(colon - s);
    v = colon + 1;
    vl = n - nl - 1;
    while (vl && (*v == ' ' || *v == '\t')) { v++; vl--; }
    while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) vl--;
    if (mp__name_is(s, nl, "content-length")) {
        uint64_t len = 0;
        size_t i;
        if (hp->line_over || vl == 0 || vl > 18) return mp__hp_fail(hp, "bad Content-Length");
        for (i = 0; i < vl; i++) {
            if (v[i] < '0' || v[i] > '9') return mp__hp_fail(hp, "bad Content-Length");
            len = len * 10 + (uint64_t)(v[i] - '0');
        }
        if (hp->has_length && len != hp->content_length)
            return mp__hp_fail(hp, "conflicting Content-Length headers");
        hp->has_length = 1;
        hp->content_length = len;
    } else if (mp__name_is(s, nl, "transfer-encoding")) {
        if (hp->line_over) return mp__hp_fail(hp, "Transfer-Encoding too long");
        hp->chunked = mp__has_token(v, vl, "chunked", 1);
    } else if (mp__name_is(s, nl, "connection")) {
        if (hp->line_over) return mp__hp_fail(hp, "Connection header too long");
        if (mp__has_token(v, vl, "close", 0)) hp->conn_close = 1;
        if (mp__has_token(v, vl, "keep-alive", 0)) hp->conn_keep_alive = 1;
    } else if (hp->location_line && mp__name_is(s, nl, "location")) {
        return mp__hp_location_value(hp);
    }
    return MP__HP_MORE;
}

static int mp__hp_chunk_size_line(mp__hp *hp, const char *s, size_t n)
{
    uint64_t size = 0;
    size_t i = 0;
    int digits = 0;
    for (; i < n; i++) {
        int d = mp__hex_digit((unsigned char)s[i]);
        if (d < 0) break;
        if (size >> 59) return mp__hp_fail(hp, "chunk too large");
        size = size * 16 + (uint64_t)d;
        digits++;
    }
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    if (!digits || (i < n && s[i] != ';')) return mp__hp_fail(hp, "bad chunk size");
    if (size == 0) {
        hp->state = MP__HP_TRAILER;
    } else {
        hp->remaining = size;
        hp->state = MP__HP_CHUNK_DATA;
    }
    return MP__HP_MORE;
}

static int mp__hp_line(mp__hp *hp)
{
    size_t n = hp->line_len;
    const char *s = hp->line;
    if (n && s[n - 1] == '\r') n--;
    switch (hp->state) {
    case MP__HP_STATUS: return mp__hp_status_line(hp, s, n);
    case MP__HP_HEADER:
    case MP__HP_TRAILER: return mp__hp_header_line(hp, s, n);
    case MP__HP_CHUNK_SIZE: return mp__hp_chunk_size_line(hp, s, n);
    case MP__HP_CHUNK_END:
        if (n != 0) return mp__hp_fail(hp, "chunk not followed by CRLF");
        hp->state = MP__HP_CHUNK_SIZE;
        return MP__HP_MORE;
    default: return mp__hp_fail(hp, "parser state");
    }
}

static int mp__hp_line_state(int state)
{
    return state == MP__HP_STATUS || state == MP__HP_HEADER || state == MP__HP_CHUNK_SIZE ||
           state == MP__HP_CHUNK_END || state == MP__HP_TRAILER;
}

/* Feeds n bytes; *used tells how many belong to this response (the rest start the next).
   Returns MP__HP_COMPLETE when a response has ended, MP__HP_ERROR when it is malformed. */
static int mp__hp_feed(mp__hp *hp, const char *p, size_t n, size_t *used)
{
    size_t i = 0;
    int rc = MP__HP_MORE;
    if (hp->state == MP__HP_DONE) { *used = 0; return MP__HP_COMPLETE; }
    while (i < n && rc == MP__HP_MORE) {
        if (mp__hp_line_state(hp->state)) {
            const char *nl = (const char *)memchr(p + i, '\n', n - i);
            size_t take = nl ? (size_t)(nl - (p + i)) : n - i;
            size_t room = sizeof hp->line - 1 - hp->line_len, before = hp->line_len;
            if (take > room) { hp->line_over = 1; }
            memcpy(hp->line + hp->line_len, p + i, take < room ? take : room);
            hp->line_len += take < room ? take : room;
            if (hp->location && hp->state == MP__HP_HEADER) mp__hp_copy_location(hp, p + i, take, before);
            hp->head_bytes += take + (nl ? 1 : 0);
            i += take + (nl ? 1 : 0);
            if (hp->head_bytes > MP__HP_MAX_HEAD) { rc = mp__hp_fail(hp, "headers too large"); break; }
            if (!nl) break;
            if (hp->line_over && (hp->state == MP__HP_STATUS || hp->state == MP__HP_CHUNK_END))
                rc = mp__hp_fail(hp, hp->state == MP__HP_STATUS ? "status line too long"
                                                                 : "chunk not followed by CRLF");
            else
                rc = mp__hp_line(hp);
            hp->line_len = 0;
            hp->line_over = 0;
            hp->location_line = 0;
            if (rc == MP__HP_COMPLETE) hp->state = MP__HP_DONE;
        } else if (hp->state == MP__HP_BODY || hp->state == MP__HP_CHUNK_DATA) {
            uint64_t take = n - i < hp->remaining ? n - i : hp->remaining;
            hp->remaining -= take;
            hp->body_bytes += take;
            i += (size_t)take;
            if (hp->remaining == 0) {
                if (hp->state == MP__HP_BODY) {
                    hp->state = MP__HP_DONE;
                    rc = MP__HP_COMPLETE;
                } else {
                    hp->state = MP__HP_CHUNK_END;
                }
            }
        } else if (hp->state == MP__HP_UNTIL_CLOSE) {
            hp->body_bytes += n - i;
            i = n;
        } else {
            rc = mp__hp_fail(hp, "parser state");
        }
    }
    *used = i;
    return rc;
}

/* The peer closed the connection: the end of a body without length, else a cut response. */
static int mp__hp_eof(mp__hp *hp)
{
    if (hp->state == MP__HP_UNTIL_CLOSE || hp->state == MP__HP_DONE) {
        hp->state = MP__HP_DONE;
        return MP__HP_COMPLETE;
    }
    return mp__hp_fail(hp, "connection closed in the middle of a response");
}

/* ---- load: the request ---------------------------------------------------------------- */

static int mp__has_header(const char *const *headers, const char *lower_name)
{
    size_t n = strlen(lower_name);
    for (; headers && *headers; headers++)
        if (strlen(*headers) > n && (*headers)[n] == ':' && mp__name_is(*headers, n, lower_name))
            return 1;
    return 0;
}

static int mp__token_ok(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (*s <= ' ' || *s >= 127 || strchr("()<>@,;:\\\"/[]?={}", *s)) return 0;
    return 1;
}

/* The bytes of a request for path on url's host, with cfg's headers, and its body if
   with_body (cfg was checked by mp__build_request). */
static void mp__request_bytes(const mp_load_config *cfg, const mp__url *url, const char *method,
                              const char *path, int with_body, mp_buf *out)
{
    const char *const *h;
    mp_buf_printf(out, "%s %s HTTP/1.1\r\n", method, path);
    if (!mp__has_header(cfg->headers, "host")) {
        int v6 = strchr(url->host, ':') != NULL;
        mp_buf_printf(out, "Host: %s%s%s", v6 ? "[" : "", url->host, v6 ? "]" : "");
        if (url->port != 80) mp_buf_printf(out, ":%d", url->port);
        mp_buf_puts(out, "\r\n");
    }
    if (!mp__has_header(cfg->headers, "user-agent"))
        mp_buf_puts(out, "User-Agent: medprof/" MP_VERSION_STRING "\r\n");
    for (h = cfg->headers; h && *h; h++) mp_buf_printf(out, "%s\r\n", *h);
    if (with_body && (cfg->body_len || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
                      strcmp(method, "PATCH") == 0))
        mp_buf_printf(out, "Content-Length: %zu\r\n", cfg->body_len);
    mp_buf_puts(out, "\r\n");
    if (with_body && cfg->body_len) mp_buf_append(out, cfg->body, cfg->body_len);
}

/* Builds the request bytes once: every request of the run sends the same buffer (a
   followed redirect builds its own). */
static mp_err mp__build_request(const mp_load_config *cfg, const mp__url *url, mp_buf *out,
                                mp_error *err)
{
    const char *method = cfg->method && *cfg->method ? cfg->method : "GET";
    const char *const *h;
    if (!mp__token_ok(method))
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "bad HTTP method '%s'", method);
    for (h = cfg->headers; h && *h; h++) {
        const char *colon = strchr(*h, ':');
        char name[128];
        size_t nl = colon ? (size_t)(colon - *h) : 0;
        if (!colon || nl == 0 || nl >= sizeof name || strpbrk(*h, "\r\n"))
            return mp__fail(err, MP_ERR_INVALID_ARG, 0, "bad header '%s' (want 'Name: value')", *h);
        memcpy(name, *h, nl);
        name[nl] = '\0';
        if (!mp__token_ok(name))
            return mp__fail(err, MP_ERR_INVALID_ARG, 0, "bad header name in '%s'", *h);
        if (mp__name_is(name, nl, "content-length") || mp__name_is(name, nl, "transfer-encoding"))
            return mp__fail(err, MP_ERR_INVALID_ARG, 0,
                            "header '%s' is set by medprof from the body", name);
    }
    mp__request_bytes(cfg, url, method, url->path, 1, out);
    if (out->failed) return mp__nomem(err);
    return MP_OK;
}

/* ---- load: errors by name --------------------------------------------------------------- */

/* Error slots: errno values, then the ones that are not errno values. */
#define MP__LERR_PARSE 256
#define MP__LERR_REDIRECT_HOST 257  /* following: a Location on another origin */
#define MP__LERR_REDIRECT_LIMIT 258 /* following: more than MP__MAX_REDIRECTS in a row */
#define MP__LERR_SLOTS 259

static const char *mp__errno_name(int e)
{
    switch (e) {
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EPIPE: return "EPIPE";
    case ECONNABORTED: return "ECONNABORTED";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    case ENETDOWN: return "ENETDOWN";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EADDRINUSE: return "EADDRINUSE";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOBUFS: return "ENOBUFS";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case MP__LERR_PARSE: return "EPARSE";
    case MP__LERR_REDIRECT_HOST: return "EREDIRECT_HOST";
    case MP__LERR_REDIRECT_LIMIT: return "EREDIRECT_LIMIT";
    default: return NULL;
    }
}

/* ---- load: redirects -------------------------------------------------------------------- */

/* A chain of redirects longer than this ends in errors.EREDIRECT_LIMIT (curl stops at 50,
   browsers at 20, undici's fetch at 20: 10 is plenty for a load test and ends loops fast). */
#define MP__MAX_REDIRECTS 10

static int mp__is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Appends path p[0..n) (starting with '/') with its "." and ".." segments resolved (RFC 3986
   5.2.4), so the server is asked for the path a browser would ask for. */
static void mp__append_path(mp_buf *out, const char *p, size_t n)
{
    size_t start = out->len, i = 0;
    while (i < n && !out->failed) {
        size_t j = i + 1, seg;
        while (j < n && p[j] != '/') j++;
        seg = j - i - 1;
        if (seg == 1 && p[i + 1] == '.') {
            if (j == n) mp_buf_append(out, "/", 1);
        } else if (seg == 2 && p[i + 1] == '.' && p[i + 2] == '.') {
            while (out->len > start && out->data[out->len - 1] != '/') out->len--;
            if (out->len > start) out->len--; /* and the '/' before the dropped segment */
            if (j == n) mp_buf_append(out, "/", 1);
        } else {
            mp_buf_append(out, p + i, j - i);
        }
        i = j;
    }
    if (out->len == start) mp_buf_append(out, "/", 1);
    if (out->data && !out->failed) out->data[out->len] = '\0';
}

/* The Location value without its fragment, bytes above 0x7e percent-encoded (raw UTF-8 is
   common; the request line wants ASCII). Spaces and control characters cannot be sent:
   MP__LERR_PARSE. */
static int mp__location_clean(const char *loc, mp_buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *loc && *loc != '#'; loc++) {
        unsigned char ch = (unsigned char)*loc;
        if (ch <= ' ' || ch == 0x7f) return MP__LERR_PARSE;
        if (ch < 0x80) {
            mp_buf_append(out, loc, 1);
        } else {
            char enc[3];
            enc[0] = '%';
            enc[1] = hex[ch >> 4];
            enc[2] = hex[ch & 15];
            mp_buf_append(out, enc, 3);
        }
    }
    mp_buf_append(out, "", 0); /* NUL-terminated even when empty */
    return 0;
}

/* The origin of an absolute Location ("//host:port/path" after any "http:"), checked against
   the one the user named; on the same origin its path goes to *path. */
static int mp__location_origin(const mp__url *origin, const char *authority, mp__url *u)
{
    mp_buf full;
    size_t i;
    int same;
    memset(&full, 0, sizeof full);
    mp_buf_puts(&full, "http:");
    mp_buf_puts(&full, authority);
    if (full.failed) return ENOMEM;
    if (mp__url_parse(full.data, u, NULL) != MP_OK) {
        mp_buf_free(&full);
        return MP__LERR_PARSE;
    }
    mp_buf_free(&full);
    same = u->port == origin->port && strlen(u->host) == strlen(origin->host);
    for (i = 0; same && u->host[i]; i++)
        same = mp__lower((unsigned char)u->host[i]) == mp__lower((unsigned char)origin->host[i]);
    if (!same) {
        mp__url_free(u);
        return MP__LERR_REDIRECT_HOST;
    }
    return 0;
}

/* Where a redirect leads: the path (and query) of the next request, into out, resolved
   against base, the path of the request that was redirected (RFC 3986 5.2). Only the origin
   the user named is followed: another scheme, host or port gives MP__LERR_REDIRECT_HOST (the
   user asked to load one server, not whatever it points at); a malformed Location gives
   MP__LERR_PARSE. Returns 0 or that error slot. */
static int mp__redirect_target(const mp__url *origin, const char *base, const char *location,
                               mp_buf *out)
{
    mp_buf loc, merged;
    mp__url u;
    const char *s, *query;
    size_t i = 0;
    int rc;
    memset(&loc, 0, sizeof loc);
    memset(&merged, 0, sizeof merged);
    rc = mp__location_clean(location, &loc);
    if (rc || loc.failed) {
        mp_buf_free(&loc);
        return rc ? rc : ENOMEM;
    }
    s = loc.data;
    memset(&u, 0, sizeof u);
    if (isalpha((unsigned char)s[0]))
        while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.') i++;
    if (i && s[i] == ':') {
        /* An absolute URL: only http on the same host and port is followed. */
        if (!(i == 4 && mp__name_is(s, 4, "http") && s[5] == '/' && s[6] == '/'))
            rc = MP__LERR_REDIRECT_HOST;
        else
            rc = mp__location_origin(origin, s + 5, &u);
        if (!rc) s = u.path;
    } else if (s[0] == '/' && s[1] == '/') {
        if (!(rc = mp__location_origin(origin, s, &u))) s = u.path;
    }
    if (!rc) {
        query = s + strcspn(s, "?");
        if (s[0] == '/') {
            mp_buf_append(&merged, s, (size_t)(query - s));
        } else {
            /* Relative: the base path up to its last '/', then the reference; an empty
               reference or a bare "?query" keeps the whole base path. */
            size_t bl = strcspn(base, "?");
            if (s != query) while (bl > 0 && base[bl - 1] != '/') bl--;
            mp_buf_append(&merged, base, bl);
            if (s != query) mp_buf_append(&merged, s, (size_t)(query - s));
            if (!*query && s == query) query = base + strcspn(base, "?");
        }
        if (merged.data) mp__append_path(out, merged.data, merged.len);
        else mp_buf_append(out, "/", 1);
        mp_buf_puts(out, query);
        if (out->failed || merged.failed) rc = ENOMEM;
    }
    mp__url_free(&u);
    mp_buf_free(&merged);
    mp_buf_free(&loc);
    return rc;
}

/* ---- load: per-thread statistics -------------------------------------------------------- */

typedef struct mp__lsecond {
    uint64_t requests, responses, errors;
    uint32_t lat[MP__C_BUCKETS];
} mp__lsecond;

enum { MP__LH_RT, MP__LH_2XX, MP__LH_3XX, MP__LH_4XX, MP__LH_5XX, MP__LH_TOTAL, MP__LH_SESSION,
       MP__LH_UNCORRECTED, MP__LH_COUNT };

static const char *const mp__lh_names[MP__LH_COUNT] = {
    "http.response_time", "http.response_time.2xx", "http.response_time.3xx",
    "http.response_time.4xx", "http.response_time.5xx", "medprof.response_time_total",
    "vusers.session_length", "medprof.response_time_uncorrected"
};

typedef struct mp__lstats {
    uint64_t requests, responses, bytes, cancelled;
    uint64_t vu_created, vu_completed, vu_failed;
    uint64_t codes[600];
    uint64_t errors[MP__LERR_SLOTS];
    mp_load_hist *hist[MP__LH_COUNT];
    mp__lsecond *series;
    size_t nseconds, series_cap;
    int series_failed;
    int64_t first_ns, last_ns; /* first request started, last thing ended; -1: none */
} mp__lstats;

static void mp__lstats_free(mp__lstats *s)
{
    int i;
    for (i = 0; i < MP__LH_COUNT; i++) MP_FREE(s->hist[i]);
    MP_FREE(s->series);
}

static mp_err mp__lstats_init(mp__lstats *s, mp_error *err)
{
    int i;
    memset(s, 0, sizeof *s);
    s->first_ns = s->last_ns = -1;
    for (i = 0; i < MP__LH_COUNT; i++)
        if (mp_load_hist_new(&s->hist[i], err) != MP_OK) { mp__lstats_free(s); return MP_ERR_NOMEM; }
    return MP_OK;
}

/* The series entry for second sec, grown once per second at most: not per request. */
static mp__lsecond *mp__lstats_second(mp__lstats *s, int64_t sec)
{
    if (sec < 0) sec = 0;
    if (s->series_failed) return NULL;
    if ((size_t)sec >= s->series_cap) {
        size_t had = s->series_cap;
        if (!mp__grow((void **)&s->series, &s->series_cap, (size_t)sec + 1, sizeof *s->series)) {
            s->series_failed = 1;
            return NULL;
        }
        memset(s->series + had, 0, (s->series_cap - had) * sizeof *s->series);
    }
    if ((size_t)sec >= s->nseconds) s->nseconds = (size_t)sec + 1;
    return &s->series[sec];
}

/* ---- load: the engine ------------------------------------------------------------------- */

enum { MP__C_IDLE = 0, MP__C_CONNECTING, MP__C_WRITING, MP__C_READING, MP__C_READY, MP__C_DONE };

typedef struct mp__lconn {
    int fd;
    int state;
    int in_request;    /* a request is outstanding: counted, not yet answered or failed */
    int got_byte;
    int peer_closed;   /* the peer's FIN was seen: do not reuse the connection */
    size_t sent;
    int64_t t_start, t_written, t_first, t_intended, deadline;
    int64_t retry_at;  /* CLOSED: pause after an error before the next attempt */
    /* VUSERS */
    int64_t vu_due, vu_start;
    int vu_left;
    const char *req;   /* the request being sent: the run's, or hop_req */
    size_t req_len;
    /* Following redirects: how many in the current chain, where the last one pointed, the
       request to it and the method it keeps (NULL and with its body: the run's). */
    int hops;
    int hop_bodyless;
    const char *hop_method;
    mp_buf loc, path, hop_req;
    mp__hp hp;
} mp__lconn;

typedef struct mp__lrun mp__lrun;

typedef struct mp__lworker {
    mp__lrun *run;
    int index;
    int epfd;
    pthread_t tid;
    int started;
    mp__lconn *conns;
    size_t nconns;
    size_t live;          /* connections still taking part */
    uint64_t budget;      /* CLOSED with a request count: requests this thread may start */
    uint64_t next_k;      /* OPEN: next schedule slot of this thread (global k) */
    uint64_t sent_k;      /* OPEN: slots already sent (or lost) */
    size_t next_vu;       /* VUSERS: the next user to arrive */
    int64_t next_scan;    /* when to look for timeouts next */
    mp__lstats *per;      /* this 10-second period's statistics, when periods are wanted */
    int64_t period;       /* its index: wall-clock seconds / 10 */
    int stopping;
    int interrupted;
    int tfd;              /* OPEN: a timer for the schedule (epoll_wait's ms are too coarse) */
    int64_t armed;        /* when tfd is set to fire */
    char *rbuf;
    mp__lstats st;
} mp__lworker;

struct mp__lrun {
    mp_load_model model;
    int count, num, connections, threads;
    double arrival, duration, rate, timeout, max_time;
    uint64_t requests;
    const char *req;
    size_t req_len;
    int head;
    int follow;                   /* follow redirects on the URL's origin */
    const mp_load_config *cfg;    /* for the requests that follow redirects */
    mp__url url;                   /* the URL the user named: the one origin followed */
    char *warning;                /* found before the run (descriptors), for the result */
    struct sockaddr_storage addr;
    socklen_t addrlen;
    int64_t t0;            /* monotonic ns at the start */
    int64_t end_ns;        /* CLOSED/OPEN: no new requests from here */
    int64_t hard_end_ns;   /* nothing runs past this */
    uint64_t slots;        /* OPEN: scheduled requests in all */
    int stop_pipe[2];      /* the calling thread writes: every worker stops */
    int prog_pipe[2];      /* workers write progress and their end */
    double progress_interval;
    int periods;           /* record 10-second periods for the period callback */
    double wall_t0;        /* wall clock at t0 */
    mp__lworker *workers;
};

typedef struct mp__lmsg {
    int worker;
    int done;
    int has_period;        /* this note hands over a finished 10-second period */
    int periods_over;      /* the thread keeps no more periods (out of memory) */
    mp__lstats *period;    /* that period's statistics, now the calling thread's */
    int64_t period_index;
    uint64_t requests, responses, errors;
    double p99_us;
} mp__lmsg;

#define MP__RBUF 65536
#define MP__NS 1000000000LL

static int64_t mp__ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * MP__NS + ts.tv_nsec;
}

/* Saturates at ±1e18 ns (31 years), NaN included: options such as duration = 1e300 would
   otherwise overflow the conversion (undefined behaviour) and, added to the clock, give
   deadlines in the past that end a run at once. */
static int64_t mp__sec_ns(double s)
{
    if (!(s < 1e9)) return 1000000000000000000LL;
    if (s < -1e9) return -1000000000000000000LL;
    return (int64_t)(s * 1e9);
}

static void mp__lw_touch(mp__lworker *w, int64_t now)
{
    if (now > w->st.last_ns) w->st.last_ns = now;
    if (w->per && now > w->per->last_ns) w->per->last_ns = now;
}

/* The statistics a measurement goes to: the run's, and the period's when kept. */
#define MP__EACH_STATS(w, st) \
    for (mp__lstats *st = &(w)->st; st; st = st == &(w)->st ? (w)->per : NULL)

static void mp__lw_close(mp__lworker *w, mp__lconn *c)
{
    if (c->fd >= 0) {
        epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
    c->state = MP__C_IDLE;
}

static int mp__lw_accepting(const mp__lworker *w, int64_t now);
static void mp__lw_next(mp__lworker *w, mp__lconn *c, int64_t now);

/* A chain of redirects is over: the next request is the run's own again. What a long
   Location left behind is freed, so that a connection keeps a few bytes, not 64 KiB. */
static void mp__lw_chain_end(mp__lconn *c)
{
    c->hops = 0;
    c->hop_bodyless = 0;
    c->hop_method = NULL;
    mp_buf_free(&c->path);
    mp_buf_free(&c->hop_req);
    if (c->loc.cap > 4096) mp_buf_free(&c->loc);
}

/* The request failed with error slot e: counted once, and the connection is dropped. */
static void mp__lw_fail(mp__lworker *w, mp__lconn *c, int e, int64_t now)
{
    mp__lsecond *sec;
    mp__lw_chain_end(c);
    if (e <= 0 || e >= MP__LERR_SLOTS) e = EIO;
    MP__EACH_STATS(w, st) st->errors[e]++;
    if ((sec = mp__lstats_second(&w->st, (now - w->run->t0) / MP__NS))) sec->errors++;
    c->in_request = 0;
    mp__lw_close(w, c);
    mp__lw_touch(w, now);
    switch (w->run->model) {
    case MP_LOAD_VUSERS:
        /* artillery: a virtual user stops at its first error. */
        MP__EACH_STATS(w, st) st->vu_failed++;
        c->state = MP__C_DONE;
        w->live--;
        break;
    case MP_LOAD_CLOSED:
        c->retry_at = now + 10 * 1000000LL; /* a refusing server must not be hammered */
        break;
    case MP_LOAD_OPEN:
        break;
    }
}

static void mp__lw_write(mp__lworker *w, mp__lconn *c, int64_t now)
{
    while (c->sent < c->req_len) {
        ssize_t n = send(c->fd, c->req + c->sent, c->req_len - c->sent, MSG_NOSIGNAL);
        if (n > 0) { c->sent += (size_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->state = MP__C_WRITING; /* EPOLLOUT (edge-triggered) resumes it */
            return;
        }
        mp__lw_fail(w, c, n < 0 ? errno : EPIPE, now);
        return;
    }
    if (!c->got_byte) c->t_written = mp__ns(); /* else the answer came first: see readable */
    c->state = MP__C_READING;
}

static void mp__lw_connect(mp__lworker *w, mp__lconn *c, int64_t now)
{
    const mp__lrun *run = w->run;
    struct epoll_event ev;
    int one = 1;
    c->peer_closed = 0;
    c->fd = socket(run->addr.ss_family, SOCK_STREAM, 0);
    if (c->fd < 0) { mp__lw_fail(w, c, errno, now); return; }
    fcntl(c->fd, F_SETFL, O_NONBLOCK);
    fcntl(c->fd, F_SETFD, FD_CLOEXEC);
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = c;
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) { mp__lw_fail(w, c, errno, now); return; }
    if (connect(c->fd, (const struct sockaddr *)&run->addr, run->addrlen) == 0) {
        mp__lw_write(w, c, now);
        return;
    }
    if (errno != EINPROGRESS) { mp__lw_fail(w, c, errno, now); return; }
    c->state = MP__C_CONNECTING;
}

/* Starts one request on c; intended is the scheduled send time (OPEN) or now. */
static void mp__lw_start(mp__lworker *w, mp__lconn *c, int64_t now, int64_t intended)
{
    mp__lsecond *sec;
    MP__EACH_STATS(w, st) {
        st->requests++;
        if (st->first_ns < 0 || now < st->first_ns) st->first_ns = now;
    }
    if ((sec = mp__lstats_second(&w->st, (now - w->run->t0) / MP__NS))) sec->requests++;
    c->in_request = 1;
    c->got_byte = 0;
    c->sent = 0;
    c->t_start = now;
    c->t_intended = intended;
    c->deadline = now + mp__sec_ns(w->run->timeout);
    c->req = c->hops ? c->hop_req.data : w->run->req;
    c->req_len = c->hops ? c->hop_req.len : w->run->req_len;
    mp__hp_reset(&c->hp, w->run->head);
    if (w->run->follow) c->hp.location = &c->loc;
    if (c->fd < 0) mp__lw_connect(w, c, now);
    else mp__lw_write(w, c, now);
}

static void mp__lstats_response(mp__lstats *st, const mp__lconn *c, int open, int64_t now)
{
    int status = c->hp.status, cls = status / 100;
    uint64_t rt = (uint64_t)((c->t_first - c->t_written) / 1000);
    st->responses++;
    st->codes[status]++;
    st->bytes += c->hp.body_bytes;
    if (open) {
        mp_load_hist_record(st->hist[MP__LH_UNCORRECTED], rt);
        rt = (uint64_t)((c->t_first - c->t_intended) / 1000);
    }
    mp_load_hist_record(st->hist[MP__LH_RT], rt);
    if (cls >= 2 && cls <= 5) mp_load_hist_record(st->hist[MP__LH_2XX + cls - 2], rt);
    mp_load_hist_record(st->hist[MP__LH_TOTAL], (uint64_t)((now - c->t_written) / 1000));
}

/* The response was a redirect to follow: prepares the request to its Location in c->hop_req.
   Returns 0, or the error slot that ends the request instead. */
static int mp__lw_redirect(mp__lworker *w, mp__lconn *c)
{
    const mp__lrun *run = w->run;
    const char *method = c->hop_method ? c->hop_method : run->cfg->method;
    mp_buf next;
    int status = c->hp.status, e;
    memset(&next, 0, sizeof next);
    if (!method || !*method) method = "GET";
    if (c->hops >= MP__MAX_REDIRECTS) return MP__LERR_REDIRECT_LIMIT;
    e = mp__redirect_target(&run->url, c->path.data ? c->path.data : run->url.path,
                            c->loc.data ? c->loc.data : "", &next);
    if (e) {
        mp_buf_free(&next);
        return e;
    }
    mp_buf_free(&c->path);
    c->path = next;
    /* 303 asks for a GET (a HEAD stays a HEAD); 301 and 302 turn a POST into a GET, as
       browsers, curl and undici do; 307 and 308 repeat the method and the body. */
    if ((status == 303 && strcmp(method, "HEAD") != 0) ||
        ((status == 301 || status == 302) && strcmp(method, "POST") == 0)) {
        method = "GET";
        c->hop_bodyless = 1;
    }
    c->hop_method = method;
    c->hop_req.len = 0;
    mp__request_bytes(run->cfg, &run->url, method, c->path.data, !c->hop_bodyless, &c->hop_req);
    return c->hop_req.failed ? ENOMEM : 0;
}

static void mp__lw_response(mp__lworker *w, mp__lconn *c, int64_t now)
{
    int open = w->run->model == MP_LOAD_OPEN, follow = 0;
    uint64_t rt = (uint64_t)(((open ? c->t_first - c->t_intended : c->t_first - c->t_written)) / 1000);
    mp__lsecond *sec;
    if (w->run->follow && mp__is_redirect(c->hp.status) && c->hp.has_location) {
        /* A redirect that cannot be followed ends the request with an error, not as a
           response: the user asked for where it leads. */
        int e = mp__lw_redirect(w, c);
        if (e) {
            mp__lw_fail(w, c, e, now);
            return;
        }
        follow = !w->stopping;
    }
    MP__EACH_STATS(w, st) mp__lstats_response(st, c, open, now);
    if ((sec = mp__lstats_second(&w->st, (now - w->run->t0) / MP__NS))) {
        sec->responses++;
        sec->lat[mp__coarse_index(rt)]++;
    }
    c->in_request = 0;
    mp__lw_touch(w, now);
    /* A response complete before the whole request was written (still MP__C_WRITING) ends
       the request too: the rest is not sent, and the connection is not used again, as
       its bytes are out of step (undici does the same). See mp__lw_readable. */
    if (!c->hp.keep_alive || c->peer_closed || c->state != MP__C_READING) mp__lw_close(w, c);
    else c->state = MP__C_READY;
    if (follow) {
        /* The next hop goes to the same origin: on this connection when it is kept. Hops
           are requests of their own (http.requests counts them, as the server does) but
           not new steps of a user or of the closed model's count. */
        c->hops++;
        mp__lw_start(w, c, now, now);
        return;
    }
    mp__lw_chain_end(c);
    mp__lw_next(w, c, now);
}

/* What c does after a response: the next request, or it is finished. */
static void mp__lw_next(mp__lworker *w, mp__lconn *c, int64_t now)
{
    switch (w->run->model) {
    case MP_LOAD_VUSERS:
        if (--c->vu_left > 0 && !w->stopping) {
            mp__lw_start(w, c, now, now);
            return;
        }
        if (c->vu_left <= 0) {
            MP__EACH_STATS(w, st) {
                st->vu_completed++;
                mp_load_hist_record(st->hist[MP__LH_SESSION], (uint64_t)((now - c->vu_start) / 1000));
            }
        }
        mp__lw_close(w, c);
        c->state = MP__C_DONE;
        w->live--;
        return;
    case MP_LOAD_CLOSED:
        if (mp__lw_accepting(w, now)) {
            if (w->run->requests) w->budget--;
            mp__lw_start(w, c, now, now);
        }
        return;
    case MP_LOAD_OPEN:
        if (w->sent_k < w->next_k && !w->stopping) {
            int64_t intended = w->run->t0 + (int64_t)((double)w->sent_k * 1e9 / w->run->rate);
            w->sent_k += (uint64_t)w->run->threads;
            mp__lw_start(w, c, now, intended);
        }
        return;
    }
}

/* Bytes arrived (or the peer closed): feed the parser, which may end the response. */
static void mp__lw_readable(mp__lworker *w, mp__lconn *c, int drain)
{
    for (;;) {
        ssize_t n = recv(c->fd, w->rbuf, MP__RBUF, 0);
        int64_t now = mp__ns();
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            if (c->in_request) mp__lw_fail(w, c, errno, now);
            else mp__lw_close(w, c);
            return;
        }
        if (n == 0) {
            if (!c->in_request) { mp__lw_close(w, c); return; }
            if (c->got_byte && mp__hp_eof(&c->hp) == MP__HP_COMPLETE) {
                c->hp.keep_alive = 0;
                mp__lw_response(w, c, now);
            } else {
                /* node reports a connection closed before the whole response as
                   ECONNRESET ("socket hang up"). */
                mp__lw_fail(w, c, ECONNRESET, now);
            }
            return;
        }
        if (!c->in_request || (c->state != MP__C_READING && c->state != MP__C_WRITING)) {
            /* Bytes nobody asked for: the stream is out of step. */
            if (c->in_request) mp__lw_fail(w, c, MP__LERR_PARSE, now);
            else mp__lw_close(w, c);
            return;
        }
        {
            size_t used;
            int rc;
            /* An answer that starts while the request is still being written (a large
               body) is an answer all the same: RFC 9112 9.5 has a client watch for one,
               servers send 413 or 401 before reading a whole body, and wrk, node's http
               and undici all take it. It counts under its status code, with a response
               time of 0 (it did not wait for the request), and ends the request (see
               mp__lw_response). A complete response that arrives after the request was
               written cannot be told from an answer to it: HTTP/1.1 pairs them by order
               alone, so a server that answers on accept is only caught when its answer
               comes early or its real one comes unasked (EPARSE, or ETIMEDOUT when it
               never reads). */
            if (!c->got_byte) {
                c->got_byte = 1;
                c->t_first = now;
                if (c->state == MP__C_WRITING) c->t_written = now;
            }
            rc = mp__hp_feed(&c->hp, w->rbuf, (size_t)n, &used);
            if (rc == MP__HP_ERROR) { mp__lw_fail(w, c, MP__LERR_PARSE, now); return; }
            if (rc == MP__HP_COMPLETE) {
                if (used < (size_t)n) { mp__lw_fail(w, c, MP__LERR_PARSE, now); return; }
                mp__lw_response(w, c, now);
                return; /* c may be reused or closed: its next bytes come with a new event */
            }
        }
        /* A short read drained the socket, unless the peer also closed: then read on to
           the end, as no further edge will come. */
        if ((size_t)n < MP__RBUF && !drain) return;
    }
}

static void mp__lw_event(mp__lworker *w, mp__lconn *c, uint32_t events)
{
    int64_t now = mp__ns();
    if (c->fd < 0) return;
    if (c->state == MP__C_CONNECTING) {
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0) soerr = errno;
        if (soerr) { mp__lw_fail(w, c, soerr, now); return; }
        mp__lw_write(w, c, now);
    } else if (c->state == MP__C_WRITING && (events & EPOLLOUT)) {
        mp__lw_write(w, c, now);
    }
    /* Read even while the request is still being written: the answer may come early, and
       an edge-triggered readiness reported with the writable one is not reported again. */
    if (c->fd < 0) return;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        if ((events & EPOLLERR) && !(events & EPOLLIN)) {
            int soerr = 0;
            socklen_t len = sizeof soerr;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
            if (c->in_request) mp__lw_fail(w, c, soerr ? soerr : ECONNRESET, now);
            else mp__lw_close(w, c);
            return;
        }
        if (events & (EPOLLRDHUP | EPOLLHUP)) c->peer_closed = 1;
        mp__lw_readable(w, c, c->peer_closed);
    }
}

/* May a new request start now (CLOSED)? */
static int mp__lw_accepting(const mp__lworker *w, int64_t now)
{
    const mp__lrun *run = w->run;
    if (w->stopping) return 0;
    if (run->requests && w->budget == 0) return 0;
    if (run->end_ns && now >= run->end_ns) return 0;
    return 1;
}

/* Cancels what is still outstanding when the run is cut short. */
static void mp__lw_cancel_all(mp__lworker *w, int64_t now)
{
    size_t i;
    for (i = 0; i < w->nconns; i++) {
        mp__lconn *c = &w->conns[i];
        if (c->in_request) {
            MP__EACH_STATS(w, st) st->cancelled++;
            c->in_request = 0;
            mp__lw_touch(w, now);
        }
        mp__lw_close(w, c);
        c->state = MP__C_DONE;
    }
    w->live = 0;
}

/* Starts what is due and times out what is late; returns the next moment to look again. */
static int64_t mp__lw_tick(mp__lworker *w, int64_t now)
{
    const mp__lrun *run = w->run;
    int64_t next = now + 10 * 1000000LL;
    int scan = now >= w->next_scan;
    size_t i;
    /* Timeouts (and the closed model's idle connections) are looked at every 10 ms, not on
       every wake-up: with thousands of connections a scan per event would cost more than
       the events. */
    if (scan) {
        w->next_scan = now + 10 * 1000000LL;
        for (i = 0; i < w->nconns; i++) {
            mp__lconn *c = &w->conns[i];
            if (c->in_request && now >= c->deadline) mp__lw_fail(w, c, ETIMEDOUT, now);
        }
    }
    if (w->next_scan < next) next = w->next_scan;
    switch (run->model) {
    case MP_LOAD_VUSERS:
        /* Users are due in index order: start those whose time has come. */
        for (; w->next_vu < w->nconns && !w->stopping; w->next_vu++) {
            mp__lconn *c = &w->conns[w->next_vu];
            if (c->vu_due > now) { if (c->vu_due < next) next = c->vu_due; break; }
            c->vu_start = now;
            MP__EACH_STATS(w, st) st->vu_created++;
            mp__lw_start(w, c, now, now);
        }
        break;
    case MP_LOAD_CLOSED:
        for (i = 0; scan && i < w->nconns; i++) {
            mp__lconn *c = &w->conns[i];
            if (c->in_request || c->state == MP__C_DONE) continue;
            if (!mp__lw_accepting(w, now)) {
                mp__lw_close(w, c);
                c->state = MP__C_DONE;
                w->live--;
                continue;
            }
            if (c->retry_at > now) continue;
            if (run->requests) w->budget--;
            mp__lw_start(w, c, now, now);
        }
        break;
    case MP_LOAD_OPEN: {
        /* Slots that are due join the backlog; idle connections take them oldest first. */
        while (w->next_k < run->slots &&
               run->t0 + (int64_t)((double)w->next_k * 1e9 / run->rate) <= now && !w->stopping)
            w->next_k += (uint64_t)run->threads;
        for (i = 0; i < w->nconns && w->sent_k < w->next_k && !w->stopping; i++) {
            mp__lconn *c = &w->conns[i];
            if (c->in_request) continue;
            mp__lw_next(w, c, now);
        }
        if (w->next_k < run->slots) {
            int64_t due = run->t0 + (int64_t)((double)w->next_k * 1e9 / run->rate);
            if (due < next) next = due;
        } else if (w->sent_k >= w->next_k) {
            int busy = 0;
            for (i = 0; i < w->nconns; i++) busy |= w->conns[i].in_request;
            if (!busy) w->live = 0;
        }
        break;
    }
    }
    return next;
}

/* Notes to the calling thread go through a pipe: a full pipe drops a progress note, but a
   period or the final note must get through. */
static void mp__lw_send(mp__lworker *w, const mp__lmsg *m, int must)
{
    for (;;) {
        ssize_t n = write(w->run->prog_pipe[1], m, sizeof *m);
        if (n == (ssize_t)sizeof *m || !must) break;
        if (n < 0 && errno != EAGAIN && errno != EINTR) break;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd pfd;
            pfd.fd = w->run->prog_pipe[1];
            pfd.events = POLLOUT;
            poll(&pfd, 1, 100);
        }
    }
}

static void mp__lw_progress(mp__lworker *w, int done)
{
    mp__lmsg m;
    const mp__lsecond *last = NULL;
    size_t i;
    memset(&m, 0, sizeof m);
    m.worker = w->index;
    m.done = done;
    m.requests = w->st.requests;
    m.responses = w->st.responses;
    for (i = 0; i < MP__LERR_SLOTS; i++) m.errors += w->st.errors[i];
    if (w->st.nseconds >= 2) last = &w->st.series[w->st.nseconds - 2];
    m.p99_us = last ? mp__coarse_percentile(last->lat, 99) : 0;
    mp__lw_send(w, &m, done);
}

/* The 10-second period (of the wall clock, as artillery's) that a moment falls in. */
static int64_t mp__lw_period_of(const mp__lrun *run, int64_t now)
{
    return (int64_t)floor((run->wall_t0 + (double)(now - run->t0) / 1e9) / 10.0);
}

static mp__lstats *mp__lstats_new(void)
{
    mp__lstats *st = (mp__lstats *)MP_MALLOC(sizeof *st);
    if (st && mp__lstats_init(st, NULL) != MP_OK) {
        MP_FREE(st);
        st = NULL;
    }
    return st;
}

static void mp__lstats_destroy(mp__lstats *st)
{
    if (!st) return;
    mp__lstats_free(st);
    MP_FREE(st);
}

/* Hands the period that ended to the calling thread and starts the next: an allocation
   every 10 s, not per request. */
static void mp__lw_ship(mp__lworker *w, int64_t now, int last)
{
    mp__lmsg m;
    memset(&m, 0, sizeof m);
    m.worker = w->index;
    m.has_period = 1;
    m.period = w->per;
    m.period_index = w->period;
    w->per = NULL;
    if (!last) {
        w->per = mp__lstats_new();
        w->period = mp__lw_period_of(w->run, now);
        m.periods_over = w->per == NULL;
    }
    mp__lw_send(w, &m, 1);
}

static void *mp__lw_main(void *arg)
{
    mp__lworker *w = (mp__lworker *)arg;
    mp__lrun *run = w->run;
    struct epoll_event events[256];
    int64_t next_progress = run->t0 + mp__sec_ns(run->progress_interval);
    for (;;) {
        int64_t now = mp__ns(), next;
        int n, i, timeout_ms;
        if (now >= run->hard_end_ns && !w->stopping) {
            w->stopping = 1;
            mp__lw_cancel_all(w, now);
        }
        next = mp__lw_tick(w, now);
        if (w->per && mp__lw_period_of(run, now) > w->period) mp__lw_ship(w, now, 0);
        if (w->live == 0) break;
        if (now >= next_progress) {
            mp__lw_progress(w, 0);
            next_progress = now + mp__sec_ns(run->progress_interval);
        }
        if (next_progress < next) next = next_progress;
        timeout_ms = next > now ? (int)((next - now + 999999) / 1000000) : 0;
        if (w->tfd >= 0 && timeout_ms > 0) {
            if (next != w->armed) {
                struct itimerspec its;
                memset(&its, 0, sizeof its);
                its.it_value.tv_sec = (time_t)(next / MP__NS);
                its.it_value.tv_nsec = (long)(next % MP__NS);
                if (timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0) w->armed = next;
            }
            if (w->armed == next) timeout_ms += 1; /* the timer wakes us first, on time */
        }
        n = epoll_wait(w->epfd, events, (int)(sizeof events / sizeof events[0]), timeout_ms);
        for (i = 0; i < n; i++) {
            if (events[i].data.ptr == (void *)w) {
                uint64_t expirations;
                if (read(w->tfd, &expirations, sizeof expirations) < 0) { /* not yet due */ }
                w->armed = 0;
                continue;
            }
            if (events[i].data.ptr == NULL) {
                /* The stop pipe: Ctrl+C or the caller gave up. */
                w->stopping = 1;
                w->interrupted = 1;
                mp__lw_cancel_all(w, mp__ns());
                break;
            }
            mp__lw_event(w, (mp__lconn *)events[i].data.ptr, events[i].events);
        }
    }
    if (w->per) mp__lw_ship(w, mp__ns(), 1);
    mp__lw_progress(w, 1);
    return NULL;
}

/* ---- load: results ---------------------------------------------------------------------- */

typedef struct mp__lcounter {
    char *name;
    uint64_t value;
} mp__lcounter;

typedef struct mp__lnamed_hist {
    char *name;
    mp_load_hist *h;
} mp__lnamed_hist;

struct mp_load_result {
    mp__lcounter *counters;   /* sorted by name, as JavaScript's sort() orders them */
    size_t ncounters, counters_cap;
    mp__lnamed_hist *hists;   /* sorted by name */
    size_t nhists, hists_cap;
    mp__lsecond *series;
    size_t nseconds;
    double start, end;        /* wall clock: first request started, last one ended */
    double mono_start, mono_end; /* the same on mp_time_now's clock; 0: not known */
    int interrupted;
    char *warning;
};

MP__DEF void mp_load_result_free(mp_load_result *r)
{
    size_t i;
    if (!r) return;
    for (i = 0; i < r->ncounters; i++) MP_FREE(r->counters[i].name);
    for (i = 0; i < r->nhists; i++) {
        MP_FREE(r->hists[i].name);
        MP_FREE(r->hists[i].h);
    }
    MP_FREE(r->counters);
    MP_FREE(r->hists);
    MP_FREE(r->series);
    MP_FREE(r->warning);
    MP_FREE(r);
}

/* [*lo, *hi] grown to hold t; an empty span (*lo == 0) becomes [t, t]. */
static void mp__widen_span(double *lo, double *hi, double t)
{
    if (*lo == 0 || t < *lo) *lo = t;
    if (*hi == 0 || t > *hi) *hi = t;
}

static mp_load_result *mp__result_new(void)
{
    mp_load_result *r = (mp_load_result *)MP_MALLOC(sizeof *r);
    if (r) memset(r, 0, sizeof *r);
    return r;
}

MP__DEF mp_err mp_load_result_new(mp_load_result **out, mp_error *err)
{
    if (!(*out = mp__result_new())) return mp__nomem(err);
    return MP_OK;
}

/* Counters and histograms are kept sorted by name, which comes first in each: a binary
   search over n items of size bytes; *at is where name is or would go. */
static int mp__named_find(const void *items, size_t n, size_t size, const char *name, size_t *at)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *have;
        int c;
        memcpy(&have, (const char *)items + mid * size, sizeof have);
        if ((c = strcmp(have, name)) == 0) { *at = mid; return 1; }
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    *at = lo;
    return 0;
}

static int mp__counter_find(const mp_load_result *r, const char *name, size_t *at)
{
    return mp__named_find(r->counters, r->ncounters, sizeof *r->counters, name, at);
}

static mp_err mp__counter_add(mp_load_result *r, const char *name, uint64_t v, mp_error *err)
{
    size_t at;
    char *copy;
    if (mp__counter_find(r, name, &at)) { r->counters[at].value += v; return MP_OK; }
    if (!mp__grow((void **)&r->counters, &r->counters_cap, r->ncounters + 1, sizeof *r->counters))
        return mp__nomem(err);
    if (!(copy = mp__strdup(name))) return mp__nomem(err);
    memmove(r->counters + at + 1, r->counters + at, (r->ncounters - at) * sizeof *r->counters);
    r->counters[at].name = copy;
    r->counters[at].value = v;
    r->ncounters++;
    return MP_OK;
}

static int mp__hist_find(const mp_load_result *r, const char *name, size_t *at)
{
    return mp__named_find(r->hists, r->nhists, sizeof *r->hists, name, at);
}

/* The histogram called name, created empty if missing. */
static mp_err mp__hist_get(mp_load_result *r, const char *name, mp_load_hist **h, mp_error *err)
{
    size_t at;
    char *copy;
    mp_load_hist *nh;
    if (mp__hist_find(r, name, &at)) { *h = r->hists[at].h; return MP_OK; }
    if (!mp__grow((void **)&r->hists, &r->hists_cap, r->nhists + 1, sizeof *r->hists))
        return mp__nomem(err);
    if (mp_load_hist_new(&nh, err) != MP_OK) return MP_ERR_NOMEM;
    if (!(copy = mp__strdup(name))) { MP_FREE(nh); return mp__nomem(err); }
    memmove(r->hists + at + 1, r->hists + at, (r->nhists - at) * sizeof *r->hists);
    r->hists[at].name = copy;
    r->hists[at].h = nh;
    r->nhists++;
    *h = nh;
    return MP_OK;
}

static mp_err mp__series_reserve(mp_load_result *r, size_t n, mp_error *err)
{
    if (n <= r->nseconds) return MP_OK;
    if (!mp__resize((void **)&r->series, n, sizeof *r->series)) return mp__nomem(err);
    memset(r->series + r->nseconds, 0, (n - r->nseconds) * sizeof *r->series);
    r->nseconds = n;
    return MP_OK;
}

static void mp__second_add(mp__lsecond *dst, const mp__lsecond *src)
{
    size_t i;
    dst->requests += src->requests;
    dst->responses += src->responses;
    dst->errors += src->errors;
    for (i = 0; i < MP__C_BUCKETS; i++) dst->lat[i] += src->lat[i];
}

MP__DEF uint64_t mp_load_result_counter(const mp_load_result *r, const char *name)
{
    size_t at;
    return mp__counter_find(r, name, &at) ? r->counters[at].value : 0;
}

MP__DEF int mp_load_result_counter_at(const mp_load_result *r, size_t i, const char **name,
                                      uint64_t *value)
{
    if (i >= r->ncounters) return 0;
    *name = r->counters[i].name;
    *value = r->counters[i].value;
    return 1;
}

MP__DEF const mp_load_hist *mp_load_result_hist(const mp_load_result *r, const char *name)
{
    size_t at;
    return mp__hist_find(r, name, &at) ? r->hists[at].h : NULL;
}

MP__DEF int mp_load_result_hist_at(const mp_load_result *r, size_t i, const char **name,
                                   const mp_load_hist **h)
{
    if (i >= r->nhists) return 0;
    *name = r->hists[i].name;
    *h = r->hists[i].h;
    return 1;
}

MP__DEF double mp_load_result_duration(const mp_load_result *r)
{
    return r->end > r->start ? r->end - r->start : 0.0;
}

MP__DEF double mp_load_result_rate(const mp_load_result *r)
{
    double d = mp_load_result_duration(r);
    double n = (double)mp_load_result_counter(r, "http.requests");
    return d > 0 ? n / d : n;
}

MP__DEF double mp_load_result_start(const mp_load_result *r) { return r->start; }

MP__DEF int mp_load_result_span(const mp_load_result *r, double *first, double *last)
{
    *first = r->mono_start;
    *last = r->mono_end;
    return r->mono_start > 0;
}
MP__DEF int mp_load_result_interrupted(const mp_load_result *r) { return r->interrupted; }
MP__DEF size_t mp_load_result_seconds(const mp_load_result *r) { return r->nseconds; }
MP__DEF const char *mp_load_result_warning(const mp_load_result *r) { return r->warning; }

MP__DEF void mp_load_result_second(const mp_load_result *r, size_t i, uint64_t *requests,
                                   uint64_t *errors, double *p50, double *p99)
{
    const mp__lsecond *s;
    if (i >= r->nseconds) {
        *requests = *errors = 0;
        *p50 = *p99 = 0;
        return;
    }
    s = &r->series[i];
    *requests = s->requests;
    *errors = s->errors;
    *p50 = mp__coarse_percentile(s->lat, 50);
    *p99 = mp__coarse_percentile(s->lat, 99);
}

MP__DEF double mp_load_result_second_percentile(const mp_load_result *r, size_t i, double p)
{
    return i < r->nseconds ? mp__coarse_percentile(r->series[i].lat, p) : 0;
}

MP__DEF mp_err mp_load_result_merge(mp_load_result *dst, const mp_load_result *src,
                                    mp_error *err)
{
    size_t i;
    mp_err rc;
    for (i = 0; i < src->ncounters; i++)
        if ((rc = mp__counter_add(dst, src->counters[i].name, src->counters[i].value, err)))
            return rc;
    for (i = 0; i < src->nhists; i++) {
        mp_load_hist *h;
        if ((rc = mp__hist_get(dst, src->hists[i].name, &h, err))) return rc;
        mp_load_hist_merge(h, src->hists[i].h);
    }
    /* Series line up by wall-clock second, so runs made side by side add up. */
    if (src->nseconds) {
        double base = dst->nseconds || dst->ncounters ? dst->start : src->start;
        long shift = (long)floor(src->start - base + 0.5);
        if (shift < 0) shift = 0; /* a run that started earlier: aligned at its start */
        if ((rc = mp__series_reserve(dst, (size_t)shift + src->nseconds, err))) return rc;
        for (i = 0; i < src->nseconds; i++) mp__second_add(&dst->series[(size_t)shift + i], &src->series[i]);
    }
    if (dst->start == 0 || (src->start > 0 && src->start < dst->start)) dst->start = src->start;
    if (src->end > dst->end) dst->end = src->end;
    if (src->mono_start > 0) {
        mp__widen_span(&dst->mono_start, &dst->mono_end, src->mono_start);
        mp__widen_span(&dst->mono_start, &dst->mono_end, src->mono_end);
    }
    dst->interrupted |= src->interrupted;
    if (src->warning && !dst->warning && !(dst->warning = mp__strdup(src->warning)))
        return mp__nomem(err);
    return MP_OK;
}

/* ---- load: running ---------------------------------------------------------------------- */

/* Resolves once; with several addresses (localhost: ::1 and 127.0.0.1) it takes the first
   that accepts a connection, so a server listening on only one of them is found. */
static mp_err mp__resolve(const mp__url *url, struct sockaddr_storage *addr, socklen_t *len,
                          mp_error *err)
{
    struct addrinfo hints, *res = NULL, *ai, *pick;
    char port[8];
    int gai;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof port, "%d", url->port);
    gai = getaddrinfo(url->host, port, &hints, &res);
    if (gai != 0)
        return mp__fail(err, MP_ERR_NOT_FOUND, 0, "cannot resolve '%s': %s", url->host,
                        gai_strerror(gai));
    pick = res;
    if (res->ai_next) {
        for (ai = res; ai; ai = ai->ai_next) {
            int fd;
            if (mp__connect_addr(ai, mp_time_now() + 0.2, &fd, NULL) == MP_OK) {
                close(fd);
                pick = ai;
                break;
            }
        }
    }
    memcpy(addr, pick->ai_addr, pick->ai_addrlen);
    *len = (socklen_t)pick->ai_addrlen;
    freeaddrinfo(res);
    return MP_OK;
}

/* ---- load: configuration ---------------------------------------------------------------- */

typedef struct mp__load_option {
    const char *name;
    int is_count; /* a count (at least 1); else a time or rate (above 0) */
} mp__load_option;

static const mp__load_option mp__load_options[] = {
    { "count", 1 }, { "num", 1 }, { "connections", 1 }, { "requests", 1 }, { "threads", 1 },
    { "arrival", 0 }, { "duration", 0 }, { "rate", 0 }, { "timeout", 0 }, { "max_time", 0 },
    { "progress_interval", 0 },
};

MP__DEF mp_err mp_load_option_check(const char *name, double value, mp_error *err)
{
    size_t i, n = sizeof mp__load_options / sizeof mp__load_options[0];
    for (i = 0; i < n && strcmp(mp__load_options[i].name, name) != 0; i++) {}
    if (i == n)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "'%s' is no count, time or rate of a load",
                        name);
    if (value < 0)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "%s option must not be negative", name);
    if (value == 0)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, mp__load_options[i].is_count
                        ? "%s option must be at least 1" : "%s option must be above 0", name);
    return MP_OK; /* NaN and the too large are for mp_load_run's limits */
}

/* The first field of the closed and open models that cfg sets, or NULL. */
static const char *mp__load_wrk_field(const mp_load_config *cfg)
{
    if (cfg->connections) return "connections";
    if (cfg->duration != 0) return "duration";
    if (cfg->requests) return "requests";
    if (cfg->rate != 0) return "rate";
    return NULL;
}

MP__DEF mp_err mp_load_config_check(const mp_load_config *cfg, mp_error *err)
{
    const struct { const char *name; double value; } fields[] = {
        { "count", (double)cfg->count }, { "num", (double)cfg->num },
        { "connections", (double)cfg->connections }, { "threads", (double)cfg->threads },
        { "arrival", cfg->arrival }, { "duration", cfg->duration },
        { "rate", cfg->rate }, { "timeout", cfg->timeout }, { "max_time", cfg->max_time },
        { "progress_interval", cfg->progress_interval },
    };
    const char *wrk = mp__load_wrk_field(cfg);
    size_t i;
    mp_err rc;
    for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i].value != 0 && (rc = mp_load_option_check(fields[i].name, fields[i].value, err)))
            return rc;
    if ((unsigned)cfg->model > MP_LOAD_OPEN)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "load: unknown model %d", (int)cfg->model);
    if (cfg->model == MP_LOAD_VUSERS && wrk)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "%s is for the closed and open models: "
                        "it does not mix with count/num (artillery quick's model)", wrk);
    if (cfg->model != MP_LOAD_VUSERS && (cfg->count || cfg->num || cfg->arrival != 0))
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "%s %s for quick (artillery's model): "
                        "they do not mix with connections, duration, requests or rate",
                        cfg->arrival != 0 && !cfg->count && !cfg->num ? "arrival" : "count/num",
                        cfg->arrival != 0 && !cfg->count && !cfg->num ? "is" : "are");
    if (cfg->model == MP_LOAD_OPEN && cfg->requests)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0,
                        "requests goes with the closed model, not with rate");
    if (cfg->model == MP_LOAD_OPEN && !(cfg->rate > 0))
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "load: the open model needs a rate");
    if (cfg->model == MP_LOAD_CLOSED && cfg->rate != 0)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0,
                        "rate is for the open model: the closed model takes none");
    return MP_OK;
}

static mp_err mp__lrun_check(const mp_load_config *cfg, mp__lrun *run, mp_error *err)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int units;
    mp_err rc;
    if ((rc = mp_load_config_check(cfg, err)) != MP_OK) return rc;
    run->model = cfg->model;
    run->count = cfg->count ? cfg->count : 10;
    run->num = cfg->num ? cfg->num : 10;
    run->arrival = cfg->arrival > 0 ? cfg->arrival : 1.0;
    run->connections = cfg->connections ? cfg->connections : 10;
    run->requests = cfg->requests;
    run->duration = cfg->duration > 0 ? cfg->duration : (cfg->requests ? 0 : 10.0);
    run->rate = cfg->rate;
    run->timeout = cfg->timeout > 0 ? cfg->timeout : 10.0;
    run->progress_interval = cfg->progress_interval > 0 ? cfg->progress_interval : 0.25;
    /* Every time becomes int64 nanoseconds on the clock, and the open model's schedule
       reaches about 2 x duration: beyond 1e9 s (31 years), or NaN, they would overflow. */
    if (!(run->duration <= 1e9 && run->timeout <= 1e9 && run->arrival <= 1e9 &&
          run->progress_interval <= 1e9 && cfg->max_time <= 1e9 && !isnan(cfg->rate)))
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "load: times must be numbers up to 1e9 s");
    if (run->model == MP_LOAD_OPEN && !(cfg->duration > 0))
        run->duration = 10.0;
    if (run->model == MP_LOAD_OPEN && run->rate * run->duration > 1e12)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "load: rate x duration is too large");
    if (run->connections > 1000000 || run->count > 1000000)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "load: at most 1000000 connections");
    units = run->model == MP_LOAD_VUSERS ? run->count : run->connections;
    run->threads = cfg->threads ? cfg->threads : (int)(cores > 0 ? cores : 1);
    if (run->threads > units) run->threads = units > 0 ? units : 1;
    if (run->threads > 1024) run->threads = 1024;
    if (cfg->max_time > 0) {
        run->max_time = cfg->max_time;
    } else if (run->model == MP_LOAD_VUSERS) {
        /* Each of a user's requests may become a chain of redirects when they are followed. */
        double chain = cfg->follow ? 1 + MP__MAX_REDIRECTS : 1;
        run->max_time = run->arrival + (double)run->num * chain * run->timeout + 2 * run->timeout;
    } else {
        run->max_time = run->duration + 2 * run->timeout;
        if (run->model == MP_LOAD_CLOSED && run->duration == 0) run->max_time = 1e9; /* the count bounds it */
    }
    return MP_OK;
}

/* Every connection needs a descriptor: with more connections than RLIMIT_NOFILE's soft limit
   allows, sockets fail with EMFILE. The caller may let the run raise the soft limit (up to
   the hard one: a process may do that, and the raised limit stays, as Go's runtime leaves
   it); when the limit is still too low the result says so in its warning. */
static void mp__lrun_nofile(mp__lrun *run, int raise)
{
    struct rlimit rl;
    int units = run->model == MP_LOAD_VUSERS ? run->count : run->connections;
    /* connections, each thread's epoll and timer, the pipes, and the caller's own files */
    rlim_t need = (rlim_t)units + 2 * (rlim_t)run->threads + 64;
    char msg[320];
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
        return;
    if (raise) {
        struct rlimit up = rl;
        up.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
        if (up.rlim_cur > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &up) == 0) rl = up;
        if (rl.rlim_cur >= need) return;
    }
    if (raise || (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need))
        snprintf(msg, sizeof msg,
                 "%d connections need about %llu file descriptors but RLIMIT_NOFILE allows "
                 "%llu (hard limit %llu): expect errors.EMFILE; raise the hard limit "
                 "(ulimit -Hn, as root) or use fewer connections", units,
                 (unsigned long long)need, (unsigned long long)rl.rlim_cur,
                 (unsigned long long)rl.rlim_max);
    else
        snprintf(msg, sizeof msg,
                 "%d connections need about %llu file descriptors but RLIMIT_NOFILE's soft "
                 "limit is %llu: expect errors.EMFILE; raise it (ulimit -n, or the "
                 "raise_nofile option)", units, (unsigned long long)need,
                 (unsigned long long)rl.rlim_cur);
    run->warning = mp__strdup(msg);
}

static void mp__lrun_free(mp__lrun *run)
{
    int i;
    if (run->workers) {
        for (i = 0; i < run->threads; i++) {
            mp__lworker *w = &run->workers[i];
            size_t j;
            for (j = 0; w->conns && j < w->nconns; j++) {
                mp__lconn *c = &w->conns[j];
                if (c->fd >= 0) close(c->fd);
                mp_buf_free(&c->loc);
                mp_buf_free(&c->path);
                mp_buf_free(&c->hop_req);
            }
            if (w->epfd >= 0) close(w->epfd);
            if (w->tfd >= 0) close(w->tfd);
            MP_FREE(w->conns);
            MP_FREE(w->rbuf);
            mp__lstats_free(&w->st);
            mp__lstats_destroy(w->per);
        }
        MP_FREE(run->workers);
    }
    mp__url_free(&run->url);
    MP_FREE(run->warning);
    for (i = 0; i < 2; i++) {
        if (run->stop_pipe[i] >= 0) close(run->stop_pipe[i]);
        if (run->prog_pipe[i] >= 0) close(run->prog_pipe[i]);
    }
}

static int mp__pipe(int fds[2])
{
    int i;
    if (pipe(fds) != 0) return -1;
    for (i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
        fcntl(fds[i], F_SETFL, O_NONBLOCK);
    }
    return 0;
}

/* Hands out the users or connections round-robin, so that each thread gets its share. */
static mp_err mp__lrun_setup(mp__lrun *run, mp_error *err)
{
    int t, units = run->model == MP_LOAD_VUSERS ? run->count : run->connections;
    struct epoll_event ev;
    run->workers = (mp__lworker *)MP_MALLOC((size_t)run->threads * sizeof *run->workers);
    if (!run->workers) return mp__nomem(err);
    memset(run->workers, 0, (size_t)run->threads * sizeof *run->workers);
    for (t = 0; t < run->threads; t++) run->workers[t].epfd = run->workers[t].tfd = -1;
    for (t = 0; t < run->threads; t++) {
        mp__lworker *w = &run->workers[t];
        size_t j;
        w->run = run;
        w->index = t;
        w->nconns = (size_t)(units / run->threads + (t < units % run->threads));
        w->live = w->nconns;
        if (mp__lstats_init(&w->st, err) != MP_OK) return MP_ERR_NOMEM;
        w->conns = (mp__lconn *)MP_MALLOC((w->nconns ? w->nconns : 1) * sizeof *w->conns);
        w->rbuf = (char *)MP_MALLOC(MP__RBUF);
        if (!w->conns || !w->rbuf) return mp__nomem(err);
        memset(w->conns, 0, (w->nconns ? w->nconns : 1) * sizeof *w->conns);
        for (j = 0; j < w->nconns; j++) {
            mp__lconn *c = &w->conns[j];
            size_t unit = j * (size_t)run->threads + (size_t)t;
            c->fd = -1;
            if (run->model == MP_LOAD_VUSERS) {
                c->vu_left = run->num;
                c->vu_due = run->t0 + mp__sec_ns(run->arrival * (double)unit / (double)run->count);
            }
        }
        if (run->model == MP_LOAD_CLOSED && run->requests)
            w->budget = run->requests / (uint64_t)run->threads +
                        ((uint64_t)t < run->requests % (uint64_t)run->threads);
        w->next_k = w->sent_k = (uint64_t)t;
        if (run->periods) {
            if (!(w->per = mp__lstats_new())) return mp__nomem(err);
            w->period = mp__lw_period_of(run, run->t0);
        }
        if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
            return mp__fail_errno(err, errno, "epoll_create1", NULL);
        ev.events = EPOLLIN;
        ev.data.ptr = NULL;
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, run->stop_pipe[0], &ev) != 0)
            return mp__fail_errno(err, errno, "epoll_ctl", NULL);
        if (run->model == MP_LOAD_OPEN) {
            if ((w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0)
                return mp__fail_errno(err, errno, "timerfd_create", NULL);
            ev.events = EPOLLIN;
            ev.data.ptr = w;
            if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->tfd, &ev) != 0)
                return mp__fail_errno(err, errno, "epoll_ctl", NULL);
        }
    }
    return MP_OK;
}

static void mp__lrun_stop(mp__lrun *run)
{
    char b = 1;
    if (write(run->stop_pipe[1], &b, 1) < 0) { /* already full: already stopping */ }
}

/* The calling thread: relays progress and waits for every worker's last note. A signal
   (EINTR) or the progress callback asking to stop ends the run early. */
static mp_err mp__result_add_stats(mp_load_result *r, const mp__lrun *run, const mp__lstats *st,
                                   mp_error *err);

/* The calling thread's side of the 10-second periods: each thread hands over its periods
   in order; a period is reported once every thread has handed it over (or ended). */
typedef struct mp__lperiods {
    int64_t *shipped;         /* per thread: the last period it handed over */
    int *over;                /* per thread: hands over no more */
    int64_t *index;           /* pending periods ... */
    mp_load_result **acc;     /* ... and what they measured so far */
    size_t n, cap;
} mp__lperiods;

static void mp__lperiods_init(mp__lperiods *P, int threads)
{
    int i;
    memset(P, 0, sizeof *P);
    P->shipped = (int64_t *)MP_MALLOC((size_t)threads * sizeof *P->shipped);
    P->over = (int *)MP_MALLOC((size_t)threads * sizeof *P->over);
    if (!P->shipped || !P->over) {
        MP_FREE(P->shipped);
        MP_FREE(P->over);
        P->shipped = NULL;
        P->over = NULL;
        return;
    }
    for (i = 0; i < threads; i++) {
        P->shipped[i] = INT64_MIN;
        P->over[i] = 0;
    }
}

static void mp__lperiods_take(mp__lperiods *P, const mp__lrun *run, const mp__lmsg *m)
{
    size_t i;
    if (m->period && P->shipped) {
        for (i = 0; i < P->n && P->index[i] != m->period_index; i++) continue;
        if (i == P->n && P->n == P->cap) {
            size_t cap = mp__grow_cap(P->cap, P->n + 1, sizeof *P->index);
            if (cap && mp__resize((void **)&P->index, cap, sizeof *P->index) &&
                mp__resize((void **)&P->acc, cap, sizeof *P->acc))
                P->cap = cap;
        }
        if (i < P->cap) {
            if (i == P->n) {
                P->index[i] = m->period_index;
                P->acc[i] = mp__result_new();
                P->n++;
            }
            /* Out of memory here costs that period's report, not the run. */
            if (P->acc[i]) mp__result_add_stats(P->acc[i], run, m->period, NULL);
        }
    }
    mp__lstats_destroy(m->period);
    if (P->shipped) {
        P->shipped[m->worker] = m->period_index;
        if (m->periods_over) P->over[m->worker] = 1;
    }
}

/* Reports the periods every thread is past, oldest first. */
static void mp__lperiods_emit(mp__lperiods *P, const mp__lrun *run, const mp_load_config *cfg,
                              int report)
{
    while (P->n) {
        size_t i, oldest = 0;
        int t, complete = 1;
        for (i = 1; i < P->n; i++)
            if (P->index[i] < P->index[oldest]) oldest = i;
        for (t = 0; t < run->threads && complete; t++)
            complete = P->over[t] || P->shipped[t] >= P->index[oldest];
        if (!complete) return;
        if (report && cfg->period && P->acc[oldest] && P->acc[oldest]->ncounters)
            cfg->period(P->acc[oldest], cfg->user);
        mp_load_result_free(P->acc[oldest]);
        P->n--;
        P->index[oldest] = P->index[P->n];
        P->acc[oldest] = P->acc[P->n];
    }
}

static void mp__lperiods_free(mp__lperiods *P)
{
    size_t i;
    for (i = 0; i < P->n; i++) mp_load_result_free(P->acc[i]);
    MP_FREE(P->index);
    MP_FREE(P->acc);
    MP_FREE(P->shipped);
    MP_FREE(P->over);
}

static int mp__lrun_wait(mp__lrun *run, const mp_load_config *cfg)
{
    mp__lperiods periods;
    mp__lmsg *last;
    int done = 0, interrupted = 0, i;
    double next = mp_time_now() + run->progress_interval, prev_t = mp_time_now();
    uint64_t prev_resp = 0;
    last = (mp__lmsg *)MP_MALLOC((size_t)run->threads * sizeof *last);
    if (last) memset(last, 0, (size_t)run->threads * sizeof *last);
    mp__lperiods_init(&periods, run->threads);
    while (done < run->threads) {
        struct pollfd pfd;
        double now = mp_time_now();
        int r, wait_ms = (int)((next - now) * 1000) + 1;
        pfd.fd = run->prog_pipe[0];
        pfd.events = POLLIN;
        r = poll(&pfd, 1, wait_ms < 1 ? 1 : wait_ms);
        if (r < 0 && errno == EINTR && !interrupted) {
            interrupted = 1;
            mp__lrun_stop(run);
        }
        for (;;) {
            mp__lmsg m;
            ssize_t n = read(run->prog_pipe[0], &m, sizeof m);
            if (n != (ssize_t)sizeof m) break;
            if (m.worker < 0 || m.worker >= run->threads) continue;
            if (m.has_period) { mp__lperiods_take(&periods, run, &m); continue; }
            if (last) last[m.worker] = m;
            if (m.done) {
                done++;
                if (periods.over) periods.over[m.worker] = 1;
            }
        }
        if (periods.shipped) mp__lperiods_emit(&periods, run, cfg, !interrupted);
        now = mp_time_now();
        /* Not after a stop: a Lua progress function would run into the interpreter's
           Ctrl+C hook and turn the stop into an error. */
        if (now >= next && cfg->progress && last && done < run->threads && !interrupted) {
            mp_load_progress p;
            memset(&p, 0, sizeof p);
            for (i = 0; i < run->threads; i++) {
                p.requests += last[i].requests;
                p.responses += last[i].responses;
                p.errors += last[i].errors;
                if (last[i].p99_us > p.p99_ms) p.p99_ms = last[i].p99_us;
            }
            p.p99_ms /= 1000.0;
            p.elapsed = (double)(mp__ns() - run->t0) / 1e9;
            p.rate = now > prev_t ? (double)(p.responses - prev_resp) / (now - prev_t) : 0;
            prev_t = now;
            prev_resp = p.responses;
            if (cfg->progress(&p, cfg->user) && !interrupted) {
                interrupted = 1;
                mp__lrun_stop(run);
            }
        }
        if (now >= next) next = now + run->progress_interval;
    }
    if (periods.shipped) mp__lperiods_emit(&periods, run, cfg, !interrupted);
    mp__lperiods_free(&periods);
    MP_FREE(last);
    return interrupted;
}

#define MP__BY_ENDPOINT "plugins.metrics-by-endpoint."

/* artillery's metrics-by-endpoint plugin, on by default and shown only in the JSON: per
   request path (and query) the status codes and the response times again. A run has one
   URL, so its statistics are the endpoint's; merged results keep endpoints apart by name. */
static mp_err mp__result_add_endpoint(mp_load_result *r, const mp__lrun *run,
                                      const mp__lstats *st, mp_error *err)
{
    mp_buf name;
    mp_load_hist *h;
    size_t base;
    int i;
    mp_err rc = MP_OK;
    if (!st->responses) return MP_OK;
    memset(&name, 0, sizeof name);
    mp_buf_puts(&name, MP__BY_ENDPOINT);
    mp_buf_puts(&name, run->url.path);
    base = name.len;
    for (i = 100; i < 600 && rc == MP_OK; i++) {
        if (!st->codes[i]) continue;
        name.len = base;
        mp_buf_printf(&name, ".codes.%d", i);
        rc = name.failed ? mp__nomem(err) : mp__counter_add(r, name.data, st->codes[i], err);
    }
    if (rc == MP_OK && st->hist[MP__LH_RT]->count) {
        name.len = 0;
        mp_buf_printf(&name, MP__BY_ENDPOINT "response_time.%s", run->url.path);
        rc = name.failed ? mp__nomem(err) : mp__hist_get(r, name.data, &h, err);
        if (rc == MP_OK) mp_load_hist_merge(h, st->hist[MP__LH_RT]);
    }
    mp_buf_free(&name);
    return rc;
}

/* Adds one thread's (or one period's) statistics to r under artillery's names. */
static mp_err mp__result_add_stats(mp_load_result *r, const mp__lrun *run, const mp__lstats *st,
                                   mp_error *err)
{
    char name[64];
    int i;
    mp_err rc = MP_OK;
    if (st->first_ns >= 0) {
        double first = run->wall_t0 + (double)(st->first_ns - run->t0) / 1e9;
        if (r->start == 0 || first < r->start) r->start = first;
        mp__widen_span(&r->mono_start, &r->mono_end, (double)st->first_ns / 1e9);
    }
    if (st->last_ns >= 0) {
        double last = run->wall_t0 + (double)(st->last_ns - run->t0) / 1e9;
        if (last > r->end) r->end = last;
        mp__widen_span(&r->mono_start, &r->mono_end, (double)st->last_ns / 1e9);
    }
#define MP__ADD(n, v) do { if ((rc = mp__counter_add(r, n, v, err))) return rc; } while (0)
    if (st->requests) MP__ADD("http.requests", st->requests);
    if (st->responses) {
        MP__ADD("http.responses", st->responses);
        MP__ADD("http.downloaded_bytes", st->bytes);
    }
    for (i = 100; i < 600; i++) {
        if (!st->codes[i]) continue;
        snprintf(name, sizeof name, "http.codes.%d", i);
        MP__ADD(name, st->codes[i]);
    }
    for (i = 1; i < MP__LERR_SLOTS; i++) {
        const char *en;
        if (!st->errors[i]) continue;
        if ((en = mp__errno_name(i))) snprintf(name, sizeof name, "errors.%s", en);
        else snprintf(name, sizeof name, "errors.ERRNO_%d", i);
        MP__ADD(name, st->errors[i]);
    }
    if (st->cancelled) MP__ADD("medprof.requests_cancelled", st->cancelled);
    if (run->model == MP_LOAD_VUSERS && (st->vu_created || st->vu_failed || st->vu_completed)) {
        /* artillery: vusers.failed is always there, vusers.completed once one completed */
        MP__ADD("vusers.created", st->vu_created);
        MP__ADD("vusers.created_by_name.0", st->vu_created);
        MP__ADD("vusers.failed", st->vu_failed);
        if (st->vu_completed) MP__ADD("vusers.completed", st->vu_completed);
    }
#undef MP__ADD
    for (i = 0; i < MP__LH_COUNT; i++) {
        mp_load_hist *h;
        if (!st->hist[i]->count) continue;
        if ((rc = mp__hist_get(r, mp__lh_names[i], &h, err))) return rc;
        mp_load_hist_merge(h, st->hist[i]);
    }
    return mp__result_add_endpoint(r, run, st, err);
}

static mp_err mp__lrun_collect(mp__lrun *run, int interrupted, mp_load_result **out,
                               mp_error *err)
{
    mp_load_result *r = mp__result_new();
    int t, series_failed = 0;
    mp_err rc = MP_OK;
    if (!r) return mp__nomem(err);
    r->interrupted = interrupted;
    for (t = 0; t < run->threads; t++) {
        const mp__lstats *st = &run->workers[t].st;
        size_t j;
        if ((rc = mp__result_add_stats(r, run, st, err))) goto fail;
        if ((rc = mp__series_reserve(r, st->nseconds, err))) goto fail;
        for (j = 0; j < st->nseconds; j++) mp__second_add(&r->series[j], &st->series[j]);
        series_failed |= st->series_failed;
    }
    if (r->start == 0) r->start = r->end = run->wall_t0;
    if (run->model == MP_LOAD_OPEN && !interrupted) {
        double achieved = mp_load_result_rate(r);
        if (achieved < 0.9 * run->rate || mp_load_result_duration(r) > run->duration + 1.0) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "target rate %g/s not reached: %.0f/s sent; latency counts from the "
                     "scheduled send times", run->rate, achieved);
            if (!(r->warning = mp__strdup(msg))) { rc = mp__nomem(err); goto fail; }
        }
    }
    if (series_failed && !r->warning &&
        !(r->warning = mp__strdup("out of memory for the per-second series: it is incomplete"))) {
        rc = mp__nomem(err);
        goto fail;
    }
    if (run->warning) {
        /* The descriptor limit comes first: it may be why the rest went wrong. */
        mp_buf both;
        memset(&both, 0, sizeof both);
        mp_buf_puts(&both, run->warning);
        if (r->warning) mp_buf_printf(&both, "; %s", r->warning);
        if (both.failed) { mp_buf_free(&both); rc = mp__nomem(err); goto fail; }
        MP_FREE(r->warning);
        r->warning = mp_buf_take(&both);
    }
    *out = r;
    return MP_OK;
fail:
    mp_load_result_free(r);
    return rc;
}

MP__DEF mp_err mp_load_run(const mp_load_config *cfg, mp_load_result **out, mp_error *err)
{
    mp__lrun run;
    mp__url url;
    mp_buf req;
    sigset_t all, old;
    int t, started = 0, interrupted;
    mp_err rc;
    *out = NULL;
    memset(&run, 0, sizeof run);
    memset(&req, 0, sizeof req);
    run.stop_pipe[0] = run.stop_pipe[1] = run.prog_pipe[0] = run.prog_pipe[1] = -1;
    if (!cfg || !cfg->url) return mp__fail(err, MP_ERR_INVALID_ARG, 0, "load: no URL given");
    if ((rc = mp__lrun_check(cfg, &run, err))) return rc;
    if ((rc = mp__url_parse(cfg->url, &url, err))) return rc;
    if (strcmp(url.scheme, "http") != 0) {
        mp__url_free(&url);
        return mp__fail(err, MP_ERR_UNSUPPORTED, 0, "'%s': https is not supported yet", cfg->url);
    }
    rc = mp__build_request(cfg, &url, &req, err);
    if (rc == MP_OK) rc = mp__resolve(&url, &run.addr, &run.addrlen, err);
    run.url = url; /* freed with the run */
    if (rc) { mp__lrun_free(&run); mp_buf_free(&req); return rc; }
    run.req = req.data;
    run.req_len = req.len;
    run.head = cfg->method && strcmp(cfg->method, "HEAD") == 0;
    run.follow = cfg->follow;
    run.cfg = cfg;
    mp__lrun_nofile(&run, cfg->raise_nofile);
    if (mp__pipe(run.stop_pipe) || mp__pipe(run.prog_pipe)) {
        rc = mp__fail_errno(err, errno, "pipe", NULL);
        goto done;
    }
    /* A little ahead, so that every thread is up before the first arrival is due. */
    run.t0 = mp__ns() + 2 * 1000000LL;
    run.wall_t0 = mp_time_wall() + (double)(run.t0 - mp__ns()) / 1e9;
    run.periods = cfg->period != NULL;
    if (run.model != MP_LOAD_VUSERS && run.duration > 0) run.end_ns = run.t0 + mp__sec_ns(run.duration);
    run.hard_end_ns = run.t0 + mp__sec_ns(run.max_time);
    if (run.model == MP_LOAD_OPEN) run.slots = (uint64_t)(run.rate * run.duration + 0.5);
    if ((rc = mp__lrun_setup(&run, err))) goto done;
    /* Signals go to the calling thread, whose poll() then returns EINTR. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (t = 0; t < run.threads; t++) {
        int e = pthread_create(&run.workers[t].tid, NULL, mp__lw_main, &run.workers[t]);
        if (e) { rc = mp__fail_errno(err, e, "pthread_create", NULL); break; }
        run.workers[t].started = 1;
        started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (started < run.threads) {
        mp__lrun_stop(&run);
        for (t = 0; t < started; t++) pthread_join(run.workers[t].tid, NULL);
        goto done;
    }
    interrupted = mp__lrun_wait(&run, cfg);
    for (t = 0; t < run.threads; t++) pthread_join(run.workers[t].tid, NULL);
    rc = mp__lrun_collect(&run, interrupted, out, err);
done:
    mp__lrun_free(&run);
    mp_buf_free(&req);
    return rc;
}

/* ---- load: reports ---------------------------------------------------------------------- */

/* artillery's `name: ...... value` line: the value starts at column 82. */
static void mp__load_padded(mp_buf *out, const char *name, const char *value)
{
    /* artillery's util.padded with a 79-column terminal: name, a space, dots to column 80,
       a space, the value. */
    const size_t width = 79;
    size_t n = strlen(name), i;
    if (n > width) {
        mp_buf_append(out, name, width - 3);
        mp_buf_puts(out, "...");
        n = width;
    } else {
        mp_buf_puts(out, name);
    }
    mp_buf_puts(out, " ");
    for (i = n; i < width; i++) mp_buf_append(out, ".", 1);
    mp_buf_printf(out, " %s\n", value);
}

/* Microseconds as artillery's ms with one decimal: Math.round(ms * 10) / 10, JS-printed. */
static void mp__js_ms(mp_buf *b, double us)
{
    mp__buf_js_number(b, floor(us / 100.0 + 0.5) / 10.0);
}

static void mp__padded_ms(mp_buf *out, const char *label, double us)
{
    char v[64];
    mp_buf tmp;
    memset(&tmp, 0, sizeof tmp);
    mp__js_ms(&tmp, us);
    snprintf(v, sizeof v, "%s", tmp.data ? tmp.data : "0");
    mp_buf_free(&tmp);
    mp__load_padded(out, label, v);
}

static int mp__is_medprof_name(const char *name) { return strncmp(name, "medprof.", 8) == 0 && strcmp(name, "medprof.requests_cancelled") != 0; }

/* artillery's console report leaves out what the plugin records (suppressOutput). */
static int mp__is_json_only(const char *name)
{
    return strncmp(name, MP__BY_ENDPOINT, sizeof MP__BY_ENDPOINT - 1) == 0;
}

static uint64_t mp__rate_value(const mp_load_result *r)
{
    return (uint64_t)floor(mp_load_result_rate(r) + 0.5);
}

MP__DEF mp_err mp_load_result_write_metrics(const mp_load_result *r, mp_buf *out,
                                            mp_error *err)
{
    /* Counters, the rate and the summaries in one JS-sorted list: walk the two sorted
       arrays together, with the rate slotted in by name. */
    static const char *const rate_name = "http.request_rate";
    size_t ci = 0, hi = 0;
    int rate_done = mp_load_result_counter(r, "http.requests") == 0;
    char v[64];
    mp_buf name;
    if (r->ncounters == 0 && r->nhists == 0) {
        mp_buf_puts(out, "No measurements recorded during this period\n");
        return mp__written(out, err, "metrics");
    }
    memset(&name, 0, sizeof name);
    for (;;) {
        const char *cn, *hn;
        while (ci < r->ncounters && mp__is_json_only(r->counters[ci].name)) ci++;
        while (hi < r->nhists && (mp__is_medprof_name(r->hists[hi].name) ||
                                  mp__is_json_only(r->hists[hi].name)))
            hi++;
        cn = ci < r->ncounters ? r->counters[ci].name : NULL;
        hn = hi < r->nhists ? r->hists[hi].name : NULL;
        if (!rate_done && (!cn || strcmp(rate_name, cn) < 0) && (!hn || strcmp(rate_name, hn) < 0)) {
            snprintf(v, sizeof v, "%llu/sec", (unsigned long long)mp__rate_value(r));
            mp__load_padded(out, "http.request_rate:", v);
            rate_done = 1;
        } else if (cn && (!hn || strcmp(cn, hn) < 0)) {
            name.len = 0;
            mp_buf_printf(&name, "%s:", cn);
            snprintf(v, sizeof v, "%llu", (unsigned long long)r->counters[ci].value);
            if (name.failed) out->failed = 1;
            else mp__load_padded(out, name.data, v);
            ci++;
        } else if (hn) {
            const mp_load_hist *h = r->hists[hi].h;
            mp_buf_printf(out, "%s:\n", hn);
            mp__padded_ms(out, "  min:", (double)h->min);
            mp__padded_ms(out, "  max:", (double)h->max);
            mp__padded_ms(out, "  mean:", mp_load_hist_mean(h));
            mp__padded_ms(out, "  median:", mp_load_hist_percentile(h, 50));
            mp__padded_ms(out, "  p95:", mp_load_hist_percentile(h, 95));
            mp__padded_ms(out, "  p99:", mp_load_hist_percentile(h, 99));
            hi++;
        } else {
            break;
        }
    }
    mp_buf_free(&name);
    return mp__written(out, err, "metrics");
}

/* "HH:mm:ss(+hhmm)" in local time, as moment's format 'HH:mm:ss(ZZ)' prints it. A time
   beyond 31,000 years (or NaN), which no clock gives, prints as the epoch's. */
static void mp__clock_text(double wall, char *buf, size_t cap)
{
    time_t t = wall > -1e12 && wall < 1e12 ? (time_t)wall : 0;
    struct tm lt, gt;
    long off;
    localtime_r(&t, &lt);
    gmtime_r(&t, &gt);
    gt.tm_isdst = lt.tm_isdst;
    off = (long)difftime(t, mktime(&gt));
    snprintf(buf, cap, "%02d:%02d:%02d(%c%02ld%02ld)", lt.tm_hour, lt.tm_min, lt.tm_sec,
             off < 0 ? '-' : '+', labs(off) / 3600, labs(off) % 3600 / 60);
}

/* artillery's report header: the title between lines of as many dashes, then a blank line;
   after the title, tail, which the dashes do not count (artillery prints it in grey). */
static void mp__report_dashed(mp_buf *out, const char *title, const char *tail)
{
    size_t i, n = strlen(title);
    for (i = 0; i < n; i++) mp_buf_append(out, "-", 1);
    mp_buf_printf(out, "\n%s%s\n", title, tail);
    for (i = 0; i < n; i++) mp_buf_append(out, "-", 1);
    mp_buf_puts(out, "\n\n");
}

MP__DEF mp_err mp_load_result_write_text(const mp_load_result *r, mp_buf *out, mp_error *err)
{
    char when[32], title[64];
    mp__clock_text(r->end > 0 ? r->end : mp_time_wall(), when, sizeof when);
    snprintf(title, sizeof title, "Summary report @ %s", when);
    mp__report_dashed(out, title, "");
    (void)mp_load_result_write_metrics(r, out, NULL);
    return mp__written(out, err, "summary report");
}

MP__DEF mp_err mp_load_result_write_period(const mp_load_result *period, mp_buf *out,
                                           mp_error *err)
{
    char when[32], title[64];
    double to = (floor(mp_load_result_start(period) / 10) + 1) * 10;
    mp_buf tail;
    memset(&tail, 0, sizeof tail);
    mp__clock_text(to, when, sizeof when);
    snprintf(title, sizeof title, "Metrics for period to: %s", when);
    mp_buf_puts(&tail, " (width: ");
    mp__buf_js_number(&tail, floor(mp_load_result_duration(period) * 1000 + 0.5) / 1000);
    mp_buf_puts(&tail, "s)");
    if (tail.failed) out->failed = 1;
    else mp__report_dashed(out, title, tail.data);
    mp_buf_free(&tail);
    (void)mp_load_result_write_metrics(period, out, NULL);
    mp_buf_puts(out, "\n\n");
    return mp__written(out, err, "period report");
}

MP__DEF mp_err mp_load_write_phase(int completed, const char *name, int index, double duration,
                                   double wall, mp_buf *out, mp_error *err)
{
    char when[32];
    mp__clock_text(wall, when, sizeof when);
    mp_buf_printf(out, "Phase %s: %s (index: %d, duration: ", completed ? "completed" : "started",
                  name ? name : "unnamed", index);
    mp__buf_js_number(out, duration);
    mp_buf_printf(out, "s) %s\n\n", when);
    return mp__written(out, err, "phase line");
}

/* moment's absFloor and absCeil: toward zero, away from zero. */
static double mp__abs_floor(double x) { return x < 0 ? ceil(x) : floor(x); }
static double mp__abs_ceil(double x) { return x < 0 ? floor(x) : ceil(x); }
static int mp__js_truthy(double x) { return x == x && x != 0; }

/* artillery's formatDuration (lib/util.ts) of ms milliseconds: moment.duration(ms)'s days,
   hours, minutes and seconds, shown from the largest nonzero one down, seconds always,
   singular at 1: "1 day, 6 hours, 0 minutes, 30 seconds". Each unit is truncated as moment
   bubbles it up, which also takes whole months (4800 in 146097 days) out of the days:
   artillery prints no months, so a run of 31 days reads "0 seconds", as in artillery. */
static void mp__load_duration(mp_buf *out, double ms)
{
    static const char *const units[] = { "day", "hour", "minute", "second" };
    double secs = mp__abs_floor(ms / 1000), mins = mp__abs_floor(secs / 60);
    double hours = mp__abs_floor(mins / 60), days = mp__abs_floor(hours / 24);
    double months = mp__abs_floor(days * 4800 / 146097), part[4];
    int shown = 0, i;
    part[0] = days - mp__abs_ceil(months * 146097 / 4800);
    part[1] = fmod(hours, 24);
    part[2] = fmod(mins, 60);
    part[3] = fmod(secs, 60);
    for (i = 0; i < 4; i++) {
        if (!shown && !mp__js_truthy(part[i]) && i < 3) continue;
        if (shown) mp_buf_puts(out, ", ");
        shown = 1;
        mp__buf_js_number(out, part[i]);
        mp_buf_printf(out, " %s%s", units[i], part[i] == 1 ? "" : "s");
    }
}

MP__DEF mp_err mp_load_write_vus_finished(double seconds, mp_buf *out, mp_error *err)
{
    mp_buf_puts(out, "All VUs finished. Total time: ");
    mp__load_duration(out, seconds * 1000);
    mp_buf_puts(out, "\n\n");
    return mp__written(out, err, "VUs finished line");
}

MP__DEF mp_err mp_load_result_write_latency(const mp_load_result *r, mp_buf *out,
                                            mp_error *err)
{
    static const double ps[] = { 50, 75, 90, 99, 99.9, 99.99 };
    const mp_load_hist *h = mp_load_result_hist(r, "http.response_time");
    size_t i;
    mp_buf_puts(out, "  Latency Distribution (response time, ms)\n");
    for (i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        double us = h ? mp_load_hist_percentile(h, ps[i]) : 0;
        mp_buf_printf(out, "  %6g%%  %10.3f\n", ps[i], us / 1000.0);
    }
    return mp__written(out, err, "latency table");
}

static void mp__json_summary(mp_buf *b, const mp_load_hist *h)
{
    static const char *const keys[] = { "p50", "median", "p75", "p90", "p95", "p99", "p999" };
    static const double ps[] = { 50, 50, 75, 90, 95, 99, 99.9 };
    size_t i;
    mp_buf_puts(b, "{\"min\":");
    mp__js_ms(b, (double)h->min);
    mp_buf_puts(b, ",\"max\":");
    mp__js_ms(b, (double)h->max);
    mp_buf_printf(b, ",\"count\":%llu,\"mean\":", (unsigned long long)h->count);
    mp__js_ms(b, mp_load_hist_mean(h));
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        mp_buf_printf(b, ",\"%s\":", keys[i]);
        mp__js_ms(b, mp_load_hist_percentile(h, ps[i]));
    }
    mp_buf_puts(b, "}");
}

static void mp__json_summaries(mp_buf *b, const mp_load_result *r)
{
    size_t i;
    int first = 1;
    mp_buf_puts(b, "{");
    for (i = 0; i < r->nhists; i++) {
        if (mp__is_medprof_name(r->hists[i].name)) continue;
        mp_buf_puts(b, first ? "\n      " : ",\n      ");
        first = 0;
        mp__buf_json_string(b, r->hists[i].name, strlen(r->hists[i].name));
        mp_buf_puts(b, ": ");
        mp__json_summary(b, r->hists[i].h);
    }
    mp_buf_puts(b, first ? "}" : "\n    }");
}

static void mp__json_buckets(mp_buf *b, const mp_load_hist *h)
{
    size_t i;
    int first = 1;
    mp_buf_printf(b, "{\"count\":%llu,\"min\":%llu,\"max\":%llu,\"sum\":%llu,\"buckets\":[",
                  (unsigned long long)h->count, (unsigned long long)h->min,
                  (unsigned long long)h->max, (unsigned long long)h->sum);
    for (i = 0; i < MP__H_BUCKETS; i++) {
        if (!h->counts[i]) continue;
        mp_buf_printf(b, "%s%zu,%llu", first ? "" : ",", i, (unsigned long long)h->counts[i]);
        first = 0;
    }
    mp_buf_puts(b, "]}");
}

static void mp__json_series(mp_buf *b, const mp_load_result *r)
{
    static const char *const names[] = { "requests", "responses", "errors", "p50", "p99" };
    size_t k, i, j;
    mp_buf_puts(b, "{\"interval\":1");
    for (k = 0; k < 5; k++) {
        mp_buf_printf(b, ",\n      \"%s\":[", names[k]);
        for (i = 0; i < r->nseconds; i++) {
            const mp__lsecond *s = &r->series[i];
            if (i) mp_buf_puts(b, ",");
            if (k == 0) mp_buf_printf(b, "%llu", (unsigned long long)s->requests);
            else if (k == 1) mp_buf_printf(b, "%llu", (unsigned long long)s->responses);
            else if (k == 2) mp_buf_printf(b, "%llu", (unsigned long long)s->errors);
            else mp__js_ms(b, mp__coarse_percentile(s->lat, k == 3 ? 50 : 99));
        }
        mp_buf_puts(b, "]");
    }
    mp_buf_puts(b, ",\n      \"latency\":[");
    for (i = 0; i < r->nseconds; i++) {
        int first = 1;
        mp_buf_puts(b, i ? ",[" : "[");
        for (j = 0; j < MP__C_BUCKETS; j++) {
            if (!r->series[i].lat[j]) continue;
            mp_buf_printf(b, "%s%zu,%lu", first ? "" : ",", j, (unsigned long)r->series[i].lat[j]);
            first = 0;
        }
        mp_buf_puts(b, "]");
    }
    mp_buf_puts(b, "]}");
}

/* artillery's aggregate object; a period's differs as artillery's intermediate[] do: its
   "period" is the start of its own 10 s window, as a string, and a stray
   "http.request_rate": null follows "rates". */
static void mp__json_aggregate(const mp_load_result *r, int is_period, mp_buf *b)
{
    double first_ms = floor(r->start * 1000 + 0.5), last_ms = floor(r->end * 1000 + 0.5);
    size_t i;
    mp_buf_puts(b, "{\n    \"counters\": {");
    for (i = 0; i < r->ncounters; i++) {
        mp_buf_puts(b, i ? ",\n      " : "\n      ");
        mp__buf_json_string(b, r->counters[i].name, strlen(r->counters[i].name));
        mp_buf_printf(b, ": %llu", (unsigned long long)r->counters[i].value);
    }
    mp_buf_puts(b, r->ncounters ? "\n    },\n" : "},\n");
    if (mp_load_result_counter(r, "http.requests"))
        mp_buf_printf(b, "    \"rates\": {\"http.request_rate\": %llu},\n",
                      (unsigned long long)mp__rate_value(r));
    else
        mp_buf_puts(b, "    \"rates\": {},\n");
    if (is_period) mp_buf_puts(b, "    \"http.request_rate\": null,\n");
    mp_buf_printf(b, "    \"firstCounterAt\": %.0f,\n    \"firstHistogramAt\": %.0f,\n"
                     "    \"lastCounterAt\": %.0f,\n    \"lastHistogramAt\": %.0f,\n"
                     "    \"firstMetricAt\": %.0f,\n    \"lastMetricAt\": %.0f,\n",
                  first_ms, first_ms, last_ms, last_ms, first_ms, last_ms);
    if (is_period)
        mp_buf_printf(b, "    \"period\": \"%.0f\",\n", floor(first_ms / 10000) * 10000);
    else
        mp_buf_printf(b, "    \"period\": %.0f,\n", floor(last_ms / 10000) * 10000);
    mp_buf_puts(b, "    \"summaries\": ");
    mp__json_summaries(b, r);
    mp_buf_puts(b, ",\n    \"histograms\": ");
    mp__json_summaries(b, r);
    mp_buf_puts(b, "\n  }");
}

MP__DEF mp_err mp_load_result_write_period_json(const mp_load_result *r, mp_buf *b,
                                                mp_error *err)
{
    mp__json_aggregate(r, 1, b);
    return mp__written(b, err, "period JSON");
}

MP__DEF mp_err mp_load_result_write_json(const mp_load_result *r, const char *const *periods,
                                         size_t nperiods, mp_buf *b, mp_error *err)
{
    size_t i;
    mp_buf_puts(b, "{\n  \"aggregate\": ");
    mp__json_aggregate(r, 0, b);
    mp_buf_puts(b, ",\n  \"intermediate\": [");
    for (i = 0; i < nperiods; i++) {
        mp_buf_puts(b, i ? ", " : "");
        mp_buf_puts(b, periods[i]);
    }
    mp_buf_puts(b, "],\n  \"medprof\": {\n");
    mp_buf_printf(b, "    \"version\": \"%s\",\n    \"start\": %.6f,\n    \"end\": %.6f,\n"
                     "    \"duration\": %.6f,\n    \"rate\": ",
                  MP_VERSION_STRING, r->start, r->end, mp_load_result_duration(r));
    mp__buf_js_number(b, mp_load_result_rate(r));
    mp_buf_printf(b, ",\n    \"interrupted\": %s,\n    \"warning\": ",
                  r->interrupted ? "true" : "false");
    if (r->warning) mp__buf_json_string(b, r->warning, strlen(r->warning));
    else mp_buf_puts(b, "null");
    mp_buf_puts(b, ",\n    \"histograms\": {");
    for (i = 0; i < r->nhists; i++) {
        mp_buf_puts(b, i ? ",\n      " : "\n      ");
        mp__buf_json_string(b, r->hists[i].name, strlen(r->hists[i].name));
        mp_buf_puts(b, ": ");
        mp__json_buckets(b, r->hists[i].h);
    }
    mp_buf_puts(b, r->nhists ? "\n    },\n    \"series\": " : "},\n    \"series\": ");
    mp__json_series(b, r);
    mp_buf_puts(b, "\n  }\n}\n");
    return mp__written(b, err, "JSON report");
}

/* ---- load: reading medprof's JSON back ------------------------------------------------- */

/* A small JSON reader: the whole text into a tree of nodes held in one array, strings
   unescaped into one buffer. Depth and sizes are bounded by the input. */
enum { MP__J_NULL, MP__J_BOOL, MP__J_NUM, MP__J_STR, MP__J_ARR, MP__J_OBJ };

typedef struct mp__jnode {
    int type;
    double num;
    size_t str, len;       /* string value: offset and length in the string buffer */
    size_t key, key_len;   /* member name, inside an object */
    size_t child, next;    /* first child and next sibling; 0 for none */
} mp__jnode;

typedef struct mp__json {
    const char *p, *end, *start;
    mp__jnode *nodes;
    size_t n, cap;
    mp_buf strs;
    mp_error *err;
    mp_err rc;
} mp__json;

#define MP__J_MAX_DEPTH 64

static int mp__j_fail(mp__json *j, const char *what)
{
    if (j->rc == MP_OK)
        j->rc = mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: %s at byte %ld", what,
                         (long)(j->p - j->start));
    return 0;
}

static void mp__j_ws(mp__json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t')) j->p++;
}

static size_t mp__j_new(mp__json *j, int type)
{
    if (!mp__grow((void **)&j->nodes, &j->cap, j->n + 1, sizeof *j->nodes)) {
        j->rc = mp__nomem(j->err);
        return 0;
    }
    memset(&j->nodes[j->n], 0, sizeof j->nodes[j->n]);
    j->nodes[j->n].type = type;
    return j->n++;
}

static int mp__j_hex4(mp__json *j, unsigned *cp)
{
    int i;
    *cp = 0;
    if (j->end - j->p < 4) return mp__j_fail(j, "short \\u escape");
    for (i = 0; i < 4; i++) {
        int d = mp__hex_digit((unsigned char)*j->p++);
        if (d < 0) return mp__j_fail(j, "bad \\u escape");
        *cp = *cp * 16 + (unsigned)d;
    }
    return 1;
}

/* Reads a string literal into the string buffer: *off, *len. */
static int mp__j_string(mp__json *j, size_t *off, size_t *len)
{
    j->p++; /* the opening quote */
    *off = j->strs.len;
    while (j->p < j->end && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p;
        if (c < 0x20) return mp__j_fail(j, "control character in a string");
        if (c != '\\') {
            const char *run = j->p;
            while (j->p < j->end && *j->p != '"' && *j->p != '\\' && (unsigned char)*j->p >= 0x20) j->p++;
            mp_buf_append(&j->strs, run, (size_t)(j->p - run));
            continue;
        }
        if (++j->p >= j->end) break;
        switch (*j->p++) {
        case '"': mp_buf_append(&j->strs, "\"", 1); break;
        case '\\': mp_buf_append(&j->strs, "\\", 1); break;
        case '/': mp_buf_append(&j->strs, "/", 1); break;
        case 'b': mp_buf_append(&j->strs, "\b", 1); break;
        case 'f': mp_buf_append(&j->strs, "\f", 1); break;
        case 'n': mp_buf_append(&j->strs, "\n", 1); break;
        case 'r': mp_buf_append(&j->strs, "\r", 1); break;
        case 't': mp_buf_append(&j->strs, "\t", 1); break;
        case 'u': {
            unsigned cp, lo;
            if (!mp__j_hex4(j, &cp)) return 0;
            if (cp >= 0xD800 && cp < 0xDC00 && j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u') {
                j->p += 2;
                if (!mp__j_hex4(j, &lo)) return 0;
                if (lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                else cp = 0xFFFD;
            } else if (cp >= 0xD800 && cp < 0xE000) {
                cp = 0xFFFD;
            }
            mp__utf8_put(&j->strs, cp);
            break;
        }
        default: return mp__j_fail(j, "bad escape");
        }
    }
    if (j->p >= j->end) return mp__j_fail(j, "unterminated string");
    j->p++;
    mp_buf_append(&j->strs, "", 0);
    mp_buf_append(&j->strs, "\0", 1); /* keep every string NUL-terminated */
    if (j->strs.failed) { j->rc = mp__nomem(j->err); return 0; }
    *len = j->strs.len - *off - 1;
    return 1;
}

static size_t mp__j_value(mp__json *j, int depth);

/* Parses the members of an array or object into node parent. */
static int mp__j_members(mp__json *j, size_t parent, int depth, int object)
{
    size_t last = 0;
    char close = object ? '}' : ']';
    j->p++;
    mp__j_ws(j);
    if (j->p < j->end && *j->p == close) { j->p++; return 1; }
    for (;;) {
        size_t key = 0, key_len = 0, v;
        mp__j_ws(j);
        if (object) {
            if (j->p >= j->end || *j->p != '"') return mp__j_fail(j, "expected a member name");
            if (!mp__j_string(j, &key, &key_len)) return 0;
            mp__j_ws(j);
            if (j->p >= j->end || *j->p != ':') return mp__j_fail(j, "expected ':'");
            j->p++;
        }
        if (!(v = mp__j_value(j, depth + 1))) return 0;
        j->nodes[v].key = key;
        j->nodes[v].key_len = key_len;
        if (last) j->nodes[last].next = v;
        else j->nodes[parent].child = v;
        last = v;
        mp__j_ws(j);
        if (j->p < j->end && *j->p == ',') { j->p++; continue; }
        if (j->p < j->end && *j->p == close) { j->p++; return 1; }
        return mp__j_fail(j, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

/* Returns the new node's index, 0 on failure (node 0 is a placeholder that is never a value). */
static size_t mp__j_value(mp__json *j, int depth)
{
    size_t v;
    mp__j_ws(j);
    if (depth > MP__J_MAX_DEPTH) return mp__j_fail(j, "nested too deeply");
    if (j->p >= j->end) return mp__j_fail(j, "unexpected end");
    switch (*j->p) {
    case '{':
    case '[':
        if (!(v = mp__j_new(j, *j->p == '{' ? MP__J_OBJ : MP__J_ARR))) return 0;
        return mp__j_members(j, v, depth, j->nodes[v].type == MP__J_OBJ) ? v : 0;
    case '"':
        if (!(v = mp__j_new(j, MP__J_STR))) return 0;
        {
            size_t off, len;
            if (!mp__j_string(j, &off, &len)) return 0;
            j->nodes[v].str = off;
            j->nodes[v].len = len;
        }
        return v;
    default: break;
    }
    if (j->end - j->p >= 4 && memcmp(j->p, "null", 4) == 0) { j->p += 4; return mp__j_new(j, MP__J_NULL); }
    if (j->end - j->p >= 4 && memcmp(j->p, "true", 4) == 0) {
        j->p += 4;
        if ((v = mp__j_new(j, MP__J_BOOL))) j->nodes[v].num = 1;
        return v;
    }
    if (j->end - j->p >= 5 && memcmp(j->p, "false", 5) == 0) { j->p += 5; return mp__j_new(j, MP__J_BOOL); }
    {
        char num[64];
        size_t n = 0;
        char *endp;
        while (j->p + n < j->end && strchr("+-0123456789.eE", j->p[n]) && j->p[n]) n++;
        if (n == 0) return mp__j_fail(j, "unexpected character");
        if (n >= sizeof num) return mp__j_fail(j, "number too long");
        memcpy(num, j->p, n);
        num[n] = '\0';
        if (!(v = mp__j_new(j, MP__J_NUM))) return 0;
        j->nodes[v].num = strtod(num, &endp);
        if (*endp) return mp__j_fail(j, "bad number");
        j->p += n;
        return v;
    }
}

/* The member called name of object node o, or 0. */
static size_t mp__j_get(const mp__json *j, size_t o, const char *name)
{
    size_t c;
    if (!o || j->nodes[o].type != MP__J_OBJ) return 0;
    for (c = j->nodes[o].child; c; c = j->nodes[c].next)
        if (strcmp(j->strs.data + j->nodes[c].key, name) == 0) return c;
    return 0;
}

static int mp__j_uint(const mp__json *j, size_t v, uint64_t *out)
{
    double d;
    if (!v || j->nodes[v].type != MP__J_NUM) return 0;
    d = j->nodes[v].num;
    if (!(d >= 0) || d > 1.8e19 || d != floor(d)) return 0;
    *out = (uint64_t)d;
    return 1;
}

static mp_err mp__j_read_hist(mp__json *j, size_t o, mp_load_hist *h, const char *name)
{
    size_t b, c;
    uint64_t total = 0;
    if (!mp__j_uint(j, mp__j_get(j, o, "count"), &h->count) ||
        !mp__j_uint(j, mp__j_get(j, o, "min"), &h->min) ||
        !mp__j_uint(j, mp__j_get(j, o, "max"), &h->max) ||
        !mp__j_uint(j, mp__j_get(j, o, "sum"), &h->sum) ||
        !(b = mp__j_get(j, o, "buckets")) || j->nodes[b].type != MP__J_ARR)
        return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: histogram '%s' is incomplete", name);
    for (c = j->nodes[b].child; c; c = j->nodes[j->nodes[c].next].next) {
        uint64_t idx, n;
        if (!j->nodes[c].next || !mp__j_uint(j, c, &idx) || !mp__j_uint(j, j->nodes[c].next, &n) ||
            idx >= MP__H_BUCKETS)
            return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: histogram '%s' has a bad bucket", name);
        h->counts[idx] += n;
        total += n;
    }
    if (total != h->count)
        return mp__fail(j->err, MP_ERR_PARSE, 0,
                        "report JSON: histogram '%s' buckets hold %llu samples, count says %llu",
                        name, (unsigned long long)total, (unsigned long long)h->count);
    return MP_OK;
}

static mp_err mp__j_read_series(mp__json *j, size_t o, mp_load_result *r)
{
    static const char *const names[] = { "requests", "responses", "errors", "latency" };
    size_t arr[4], n = 0, k, c, i;
    mp_err rc;
    for (k = 0; k < 4; k++) {
        size_t len = 0;
        arr[k] = mp__j_get(j, o, names[k]);
        if (!arr[k] || j->nodes[arr[k]].type != MP__J_ARR)
            return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: series.%s missing", names[k]);
        for (c = j->nodes[arr[k]].child; c; c = j->nodes[c].next) len++;
        if (k == 0) n = len;
        else if (len != n)
            return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: series arrays differ in length");
    }
    if ((rc = mp__series_reserve(r, n, j->err))) return rc;
    for (k = 0; k < 4; k++) {
        for (i = 0, c = j->nodes[arr[k]].child; c; c = j->nodes[c].next, i++) {
            mp__lsecond *s = &r->series[i];
            uint64_t v, idx;
            size_t e;
            if (k < 3) {
                if (!mp__j_uint(j, c, &v))
                    return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: bad series value");
                if (k == 0) s->requests = v;
                else if (k == 1) s->responses = v;
                else s->errors = v;
                continue;
            }
            if (j->nodes[c].type != MP__J_ARR)
                return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: bad series latency");
            for (e = j->nodes[c].child; e; e = j->nodes[j->nodes[e].next].next) {
                if (!j->nodes[e].next || !mp__j_uint(j, e, &idx) ||
                    !mp__j_uint(j, j->nodes[e].next, &v) || idx >= MP__C_BUCKETS || v > 0xFFFFFFFFu)
                    return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: bad series latency");
                s->lat[idx] += (uint32_t)v;
            }
        }
    }
    return MP_OK;
}

static mp_err mp__j_read_result(mp__json *j, mp_load_result *r)
{
    size_t agg = mp__j_get(j, 1, "aggregate"), mp = mp__j_get(j, 1, "medprof");
    size_t counters = mp__j_get(j, agg, "counters"), hists = mp__j_get(j, mp, "histograms");
    size_t series = mp__j_get(j, mp, "series"), c, v;
    mp_err rc;
    if (!mp || j->nodes[mp].type != MP__J_OBJ)
        return mp__fail(j->err, MP_ERR_PARSE, 0,
                        "report JSON: no \"medprof\" object (not written by medprof --output?)");
    if (!counters || j->nodes[counters].type != MP__J_OBJ || !hists ||
        j->nodes[hists].type != MP__J_OBJ)
        return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: counters or histograms missing");
    for (c = j->nodes[counters].child; c; c = j->nodes[c].next) {
        uint64_t val;
        if (!mp__j_uint(j, c, &val))
            return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: counter '%s' is not a count",
                            j->strs.data + j->nodes[c].key);
        if ((rc = mp__counter_add(r, j->strs.data + j->nodes[c].key, val, j->err))) return rc;
    }
    for (c = j->nodes[hists].child; c; c = j->nodes[c].next) {
        mp_load_hist *h;
        const char *name = j->strs.data + j->nodes[c].key;
        if (mp_load_result_hist(r, name))
            return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: histogram '%s' twice", name);
        if ((rc = mp__hist_get(r, name, &h, j->err))) return rc;
        if ((rc = mp__j_read_hist(j, c, h, name))) return rc;
    }
    if (series && (rc = mp__j_read_series(j, series, r))) return rc;
    if ((v = mp__j_get(j, mp, "start")) && j->nodes[v].type == MP__J_NUM) r->start = j->nodes[v].num;
    if ((v = mp__j_get(j, mp, "end")) && j->nodes[v].type == MP__J_NUM) r->end = j->nodes[v].num;
    if ((v = mp__j_get(j, mp, "interrupted"))) r->interrupted = j->nodes[v].type == MP__J_BOOL && j->nodes[v].num;
    if ((v = mp__j_get(j, mp, "warning")) && j->nodes[v].type == MP__J_STR &&
        !(r->warning = mp__strdup(j->strs.data + j->nodes[v].str)))
        return mp__nomem(j->err);
    return MP_OK;
}

MP__DEF mp_err mp_load_result_from_json(const char *text, size_t len, mp_load_result **out,
                                        mp_error *err)
{
    mp__json j;
    mp_load_result *r;
    size_t root;
    *out = NULL;
    memset(&j, 0, sizeof j);
    j.p = j.start = text;
    j.end = text + len;
    j.err = err;
    mp__j_new(&j, MP__J_NULL); /* node 0: "none" */
    root = j.rc == MP_OK ? mp__j_value(&j, 0) : 0;
    if (root) {
        mp__j_ws(&j);
        if (j.p != j.end) mp__j_fail(&j, "text after the end");
        else if (j.nodes[root].type != MP__J_OBJ) mp__j_fail(&j, "not an object");
    }
    if (j.rc == MP_OK && !root) j.rc = mp__fail(err, MP_ERR_PARSE, 0, "report JSON: empty");
    if (j.rc == MP_OK) {
        if (!(r = mp__result_new())) j.rc = mp__nomem(err);
        else if ((j.rc = mp__j_read_result(&j, r)) != MP_OK) mp_load_result_free(r);
        else *out = r;
    }
    MP_FREE(j.nodes);
    mp_buf_free(&j.strs);
    return j.rc;
}
/* ---- load: charts, the HTML page ----------------------------------------------------------- */

/* Text for an HTML/XML text node or attribute value. */
static void mp__buf_xml(mp_buf *b, const char *s)
{
    size_t run = 0;
    for (;; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '&': rep = "&amp;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        if (rep || !*s || (unsigned char)*s < 0x20) {
            mp_buf_append(b, s - run, run);
            run = 0;
            if (!*s) return;
            if (rep) mp_buf_puts(b, rep);
            else if (*s == '\t' || *s == '\n') mp_buf_append(b, s, 1);
            continue;
        }
        run++;
    }
}

/* The smallest "nice" number (1, 2 or 5 times a power of ten) at or above x. */
static double mp__nice_ceil(double x)
{
    double p = 1, m;
    if (x <= 0) return 1;
    while (p * 10 <= x) p *= 10;
    while (p > x) p /= 10;
    m = x / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

typedef struct mp__chart {
    mp_buf *b;
    double x0, y0, w, h;     /* plot area inside the SVG */
    double xmax, ymax;       /* data range (from 0) */
    int xlog;                /* x is a percentile on the 1/(1-p) log axis */
} mp__chart;

#define MP__CHART_W 760.0
#define MP__CHART_H 260.0

static double mp__chart_px(const mp__chart *c, double x)
{
    return c->x0 + (c->xmax > 0 ? x / c->xmax : 0) * c->w;
}

static double mp__chart_py(const mp__chart *c, double y)
{
    return c->y0 + c->h - (c->ymax > 0 ? y / c->ymax : 0) * c->h;
}

static void mp__chart_open(mp__chart *c, mp_buf *b, const char *label, double xmax, double ymax)
{
    c->b = b;
    c->x0 = 60;
    c->y0 = 22;
    c->w = MP__CHART_W - 110; /* room on the right for the last axis label */
    c->h = MP__CHART_H - 64;
    c->xmax = xmax;
    c->ymax = mp__nice_ceil(ymax);
    c->xlog = 0;
    mp_buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
                     "viewBox=\"0 0 %g %g\" role=\"img\" aria-label=\"",
                  MP__CHART_W, MP__CHART_H, MP__CHART_W, MP__CHART_H);
    mp__buf_xml(b, label);
    mp_buf_puts(b, "\">\n");
}

/* Horizontal grid lines with their values, 5 steps from 0 to ymax. */
static void mp__chart_y_axis(mp__chart *c, const char *unit)
{
    int i;
    for (i = 0; i <= 5; i++) {
        double v = c->ymax * i / 5, y = mp__chart_py(c, v);
        mp_buf_printf(c->b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                            "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
                      c->x0, y, c->x0 + c->w, y, c->x0 - 6, y + 4);
        mp__buf_js_number(c->b, v);
        mp_buf_puts(c->b, "</text>\n");
    }
    mp_buf_printf(c->b, "<text class=\"unit\" x=\"%.1f\" y=\"%.1f\">", c->x0, c->y0 - 8);
    mp__buf_xml(c->b, unit);
    mp_buf_puts(c->b, "</text>\n");
}

/* Seconds along the bottom. */
static void mp__chart_time_axis(mp__chart *c)
{
    double step = mp__nice_ceil(c->xmax / 8);
    int k;
    /* k * step, not a running sum: 0.2 added three times prints 0.6000000000000001. */
    for (k = 0; k * step <= c->xmax + 1e-9; k++) {
        double s = (double)(long long)(k * step * 1e6 + 0.5) / 1e6;
        mp_buf_printf(c->b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                      mp__chart_px(c, s), c->y0 + c->h + 16);
        mp__buf_js_number(c->b, s);
        mp_buf_puts(c->b, " s</text>\n");
    }
}

static void mp__chart_legend(mp__chart *c, int i, const char *cls, const char *name)
{
    double x = c->x0 + 10 + i * 110, y = c->y0 + c->h + 36;
    mp_buf_printf(c->b, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"4\"/>"
                        "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">", cls, x, y - 4, x + 16, y);
    mp__buf_xml(c->b, name);
    mp_buf_puts(c->b, "</text>\n");
}

static void mp__chart_close(mp__chart *c)
{
    mp_buf_printf(c->b, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n"
                        "</svg>\n", c->x0, c->y0, c->w, c->h);
}

/* Requests per second as bars, errors in red on top, each with a tooltip. */
static void mp__chart_rate(const mp_load_result *r, mp_buf *b)
{
    size_t n = mp_load_result_seconds(r), i;
    double peak = 1;
    mp__chart c;
    for (i = 0; i < n; i++) {
        uint64_t req, errs;
        double p50, p99;
        mp_load_result_second(r, i, &req, &errs, &p50, &p99);
        if ((double)(req + errs) > peak) peak = (double)(req + errs);
    }
    mp__chart_open(&c, b, "requests per second", (double)(n ? n : 1), peak);
    mp__chart_y_axis(&c, "requests/s");
    for (i = 0; i < n; i++) {
        uint64_t req, errs;
        double p50, p99, x = mp__chart_px(&c, (double)i), w = c.w / (double)(n ? n : 1) * 0.8;
        mp_load_result_second(r, i, &req, &errs, &p50, &p99);
        mp_buf_printf(b, "<g><title>second %zu: %llu requests, %llu errors</title>"
                         "<rect class=\"req\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                      i + 1, (unsigned long long)req, (unsigned long long)errs, x,
                      mp__chart_py(&c, (double)req), w, c.y0 + c.h - mp__chart_py(&c, (double)req));
        if (errs)
            mp_buf_printf(b, "<rect class=\"err\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                          x, mp__chart_py(&c, (double)(req + errs)), w,
                          mp__chart_py(&c, (double)req) - mp__chart_py(&c, (double)(req + errs)));
        mp_buf_puts(b, "</g>\n");
    }
    mp__chart_time_axis(&c);
    mp__chart_legend(&c, 0, "req", "requests");
    mp__chart_legend(&c, 1, "err", "errors");
    mp__chart_close(&c);
}

/* p50, p95 and p99 of each second's responses, in ms. */
static void mp__chart_latency_series(const mp_load_result *r, mp_buf *b)
{
    static const double pcts[] = { 50, 95, 99 };
    static const char *const cls[] = { "p50", "p95", "p99" };
    size_t n = mp_load_result_seconds(r), i, line;
    double peak = 0.001;
    mp__chart c;
    for (i = 0; i < n; i++) {
        double v = mp_load_result_second_percentile(r, i, 99) / 1000;
        if (v > peak) peak = v;
    }
    mp__chart_open(&c, b, "latency per second", (double)(n ? n : 1), peak);
    mp__chart_y_axis(&c, "ms");
    for (line = 0; line < 3; line++) {
        mp_buf_printf(b, "<polyline class=\"%s\" points=\"", cls[line]);
        for (i = 0; i < n; i++) {
            uint64_t req, errs;
            double p50, p99;
            mp_load_result_second(r, i, &req, &errs, &p50, &p99);
            if (req == 0) continue; /* no response that second: no point */
            mp_buf_printf(b, "%.1f,%.1f ", mp__chart_px(&c, (double)i + 0.4),
                          mp__chart_py(&c, mp_load_result_second_percentile(r, i, pcts[line]) / 1000));
        }
        mp_buf_puts(b, "\"/>\n");
        /* A dot per second too, with its value: a run of one second has no line. */
        for (i = 0; i < n; i++) {
            uint64_t req, errs;
            double p50, p99, v;
            mp_load_result_second(r, i, &req, &errs, &p50, &p99);
            if (req == 0) continue;
            v = mp_load_result_second_percentile(r, i, pcts[line]) / 1000;
            mp_buf_printf(b, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"><title>second "
                             "%zu: %s ", cls[line], mp__chart_px(&c, (double)i + 0.4),
                          mp__chart_py(&c, v), i + 1, cls[line]);
            mp__buf_js_fixed(b, v, 2);
            mp_buf_puts(b, " ms</title></circle>\n");
        }
    }
    mp__chart_time_axis(&c);
    for (line = 0; line < 3; line++) mp__chart_legend(&c, (int)line, cls[line], cls[line]);
    mp__chart_close(&c);
}

/* Percentile p on the axis HdrHistogram plots use: log10(1/(1-p)), so 90, 99, 99.9 and
   99.99 are evenly spaced. */
static double mp__pct_axis(double p)
{
    return log10(100.0 / (100.0 - (p < 99.9999 ? p : 99.9999)));
}

static void mp__chart_distribution(const mp_load_hist *h, mp_buf *b)
{
    static const double marks[] = { 0, 90, 99, 99.9, 99.99, 99.999 };
    static const char *const labels[] = { "0%", "90%", "99%", "99.9%", "99.99%", "99.999%" };
    double top = 99.999, p;
    size_t i;
    mp__chart c;
    mp__chart_open(&c, b, "latency distribution", mp__pct_axis(top),
                   (double)mp_load_hist_max(h) / 1000);
    mp__chart_y_axis(&c, "ms");
    for (i = 0; i < sizeof marks / sizeof marks[0]; i++)
        mp_buf_printf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                      mp__chart_px(&c, mp__pct_axis(marks[i])), c.y0 + c.h + 16, labels[i]);
    mp_buf_puts(b, "<polyline class=\"p50\" points=\"");
    /* Dense where the curve bends: steps shrink as p approaches 100. */
    for (p = 0; p <= top + 1e-9; p += (100 - p) / 40 > 0.0005 ? (100 - p) / 40 : 0.0005)
        mp_buf_printf(b, "%.1f,%.1f ", mp__chart_px(&c, mp__pct_axis(p)),
                      mp__chart_py(&c, mp_load_hist_percentile(h, p) / 1000));
    mp_buf_puts(b, "\"/>\n");
    mp__chart_close(&c);
}

static void mp__html_ms_cell(mp_buf *b, double us)
{
    mp_buf_puts(b, "<td>");
    mp__buf_js_fixed(b, us / 1000, 2);
    mp_buf_puts(b, "</td>");
}

static void mp__html_summary(const mp_load_result *r, const mp_load_hist *h, mp_buf *b)
{
    static const double pcts[] = { 50, 90, 95, 99, 99.9 };
    size_t i;
    mp_buf_printf(b, "<table class=\"summary\"><tr><th>requests</th><td>%llu</td></tr>\n"
                     "<tr><th>responses</th><td>%llu</td></tr>\n"
                     "<tr><th>duration</th><td>",
                  (unsigned long long)mp_load_result_counter(r, "http.requests"),
                  (unsigned long long)mp_load_result_counter(r, "http.responses"));
    mp__buf_js_fixed(b, mp_load_result_duration(r), 2);
    mp_buf_puts(b, " s</td></tr>\n<tr><th>rate</th><td>");
    mp__buf_js_fixed(b, mp_load_result_rate(r), 0);
    mp_buf_puts(b, "/s (requests / duration)</td></tr>\n</table>\n");
    if (!h || mp_load_hist_count(h) == 0) return;
    mp_buf_puts(b, "<table class=\"latency\"><tr><th>response time, ms</th><th>min</th>");
    for (i = 0; i < sizeof pcts / sizeof pcts[0]; i++) {
        mp_buf_puts(b, "<th>p");
        mp__buf_js_number(b, pcts[i]);
        mp_buf_puts(b, "</th>");
    }
    mp_buf_puts(b, "<th>max</th><th>mean</th></tr>\n<tr><td>all</td>");
    mp__html_ms_cell(b, (double)mp_load_hist_min(h));
    for (i = 0; i < sizeof pcts / sizeof pcts[0]; i++)
        mp__html_ms_cell(b, mp_load_hist_percentile(h, pcts[i]));
    mp__html_ms_cell(b, (double)mp_load_hist_max(h));
    mp__html_ms_cell(b, mp_load_hist_mean(h));
    mp_buf_puts(b, "</tr>\n</table>\n");
}

/* Status codes and errors: every counter named http.codes.* or errors.*. */
static void mp__html_codes(const mp_load_result *r, mp_buf *b)
{
    const char *name;
    uint64_t value;
    size_t i;
    mp_buf_puts(b, "<table class=\"codes\"><tr><th>outcome</th><th>count</th></tr>\n");
    for (i = 0; mp_load_result_counter_at(r, i, &name, &value); i++) {
        int is_code = strncmp(name, "http.codes.", 11) == 0;
        if (!is_code && strncmp(name, "errors.", 7) != 0) continue;
        mp_buf_printf(b, "<tr class=\"%s\"><td>", is_code ? "code" : "error");
        mp__buf_xml(b, name);
        mp_buf_printf(b, "</td><td>%llu</td></tr>\n", (unsigned long long)value);
    }
    mp_buf_puts(b, "</table>\n");
}

static const char mp__html_style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:820px}"
    "h1{font-size:1.3em}h2{font-size:1.05em;margin-top:1.6em}"
    "table{border-collapse:collapse;margin:.6em 0}td,th{padding:.2em .7em;text-align:right;"
    "border-bottom:1px solid #ddd}th{font-weight:600}tr.error td{color:#b00}"
    "svg text{font:11px system-ui,sans-serif;fill:#444}.grid{stroke:#e5e5e5}"
    ".frame{fill:none;stroke:#999}.req{fill:#4a7bd0}.err{fill:#d04a4a}"
    ".p50{fill:none;stroke:#4a7bd0;stroke-width:2}.p99{fill:none;stroke:#d0904a;stroke-width:2}"
    ".p95{fill:none;stroke:#9a6ad0;stroke-width:2}"
    "rect.p50,circle.p50{fill:#4a7bd0}rect.p95,circle.p95{fill:#9a6ad0}"
    "rect.p99,circle.p99{fill:#d0904a}.note{color:#666}";

MP__DEF mp_err mp_load_result_write_html(const mp_load_result *r, const char *title,
                                         mp_buf *out, mp_error *err)
{
    const mp_load_hist *h = mp_load_result_hist(r, "http.response_time");
    const char *warning = mp_load_result_warning(r);
    if (!title) title = "load run";
    mp_buf_puts(out, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
                     "<head><meta charset=\"utf-8\"/><title>medprof load report: ");
    mp__buf_xml(out, title);
    mp_buf_printf(out, "</title><style>%s</style></head>\n<body>\n<h1>medprof load report: ",
                  mp__html_style);
    mp__buf_xml(out, title);
    mp_buf_puts(out, "</h1>\n");
    if (warning) {
        mp_buf_puts(out, "<p class=\"note\">");
        mp__buf_xml(out, warning);
        mp_buf_puts(out, "</p>\n");
    }
    if (mp_load_result_interrupted(r))
        mp_buf_puts(out, "<p class=\"note\">The run was interrupted: these are partial results.</p>\n");
    mp__html_summary(r, h, out);
    mp_buf_puts(out, "<h2>Requests per second</h2>\n");
    mp__chart_rate(r, out);
    mp_buf_puts(out, "<h2>Response time per second (p50, p95, p99)</h2>\n");
    mp__chart_latency_series(r, out);
    if (h && mp_load_hist_count(h) > 0) {
        mp_buf_puts(out, "<h2>Response time distribution</h2>\n");
        mp__chart_distribution(h, out);
    }
    mp_buf_puts(out, "<h2>Status codes and errors</h2>\n");
    mp__html_codes(r, out);
    mp_buf_puts(out, "<p class=\"note\">Response time: request written to first response byte, "
                     "measured in microseconds. Rate: requests divided by the run's duration."
                     "</p>\n</body>\n</html>\n");
    return mp__written(out, err, "HTML report");
}

/* ---- flame: the tree, folded stacks, the SVG ----------------------------------------------- */

typedef struct mp__fnode {
    char *name;              /* owned */
    uint32_t parent, first_child, next_sibling, nchildren;
    uint64_t total;          /* ticks through this frame */
} mp__fnode;

struct mp_flame {
    mp__fnode *nodes;        /* nodes[0] is the root */
    uint32_t n, cap;
    mp__tab index;           /* nodes by (parent, name) */
    int failed;
    int keep_samples;
    uint32_t *sample_leaf;   /* with keep_samples: each tick's leaf node, in log order */
    double *sample_ts;       /* and its time, µs */
    size_t nsamples, capsamples;
};

#define MP__FNONE 0xffffffffu

/* A writer's answer for a graph that lost stacks while collecting (mp_flame_failed). */
static mp_err mp__flame_incomplete(mp_error *err, const char *what)
{
    return mp__fail(err, MP_ERR_NOMEM, ENOMEM,
                    "%s: memory ran out while collecting the stacks: they are incomplete", what);
}

MP__DEF mp_err mp_flame_new(mp_flame **out, mp_error *err)
{
    mp_flame *f = (mp_flame *)MP_MALLOC(sizeof *f);
    if (!f) return mp__nomem(err);
    memset(f, 0, sizeof *f);
    f->cap = 256;
    f->nodes = (mp__fnode *)MP_MALLOC(f->cap * sizeof *f->nodes);
    if (!f->nodes || !mp__tab_reserve(&f->index)) {
        MP_FREE(f->nodes);
        mp__tab_free(&f->index);
        MP_FREE(f);
        return mp__nomem(err);
    }
    memset(&f->nodes[0], 0, sizeof f->nodes[0]);
    f->nodes[0].parent = f->nodes[0].first_child = f->nodes[0].next_sibling = MP__FNONE;
    f->n = 1;
    *out = f;
    return MP_OK;
}

/* A node's key: its parent and its name. */
typedef struct mp__fkey {
    uint32_t parent;
    const char *name;
} mp__fkey;

static int mp__fnode_is(const void *ctx, uint32_t id, const void *key)
{
    const mp__fnode *n = &((const mp__fnode *)ctx)[id];
    const mp__fkey *k = (const mp__fkey *)key;
    return n->parent == k->parent && strcmp(n->name, k->name) == 0;
}

/* The node (MP__FNONE: none) of key k, whose hash goes to *h; *at: its slot in the index. */
static uint32_t mp__flame_lookup(const mp_flame *f, const mp__fkey *k, uint64_t *h, uint32_t *at)
{
    *h = mp__hash_bytes(k->parent, k->name, strlen(k->name));
    return mp__tab_find(&f->index, *h, mp__fnode_is, f->nodes, k, at);
}

/* The child of parent named name, made if new; MP__FNONE when memory runs out. */
static uint32_t mp__flame_child(mp_flame *f, uint32_t parent, const char *name)
{
    mp__fkey key;
    uint64_t h;
    uint32_t at, c;
    mp__fnode *n;
    key.parent = parent;
    key.name = name;
    if (!mp__tab_reserve(&f->index)) return MP__FNONE;
    if ((c = mp__flame_lookup(f, &key, &h, &at)) != MP__NONE) return c;
    if (!mp__grow32((void **)&f->nodes, &f->cap, (size_t)f->n + 1, sizeof *f->nodes))
        return MP__FNONE;
    c = f->n;
    n = &f->nodes[c];
    memset(n, 0, sizeof *n);
    if (!(n->name = mp__strdup(name))) return MP__FNONE;
    n->parent = parent;
    n->first_child = MP__FNONE;
    n->next_sibling = f->nodes[parent].first_child;
    f->nodes[parent].first_child = c;
    f->nodes[parent].nchildren++;
    mp__tab_put(&f->index, at, h, c);
    f->n++;
    return c;
}

static void mp__flame_sample(mp_flame *f, uint32_t leaf, double ts)
{
    if (f->nsamples == f->capsamples) {
        size_t ncap = mp__grow_cap(f->capsamples, f->nsamples + 1, sizeof *f->sample_ts);
        if (!ncap || !mp__resize((void **)&f->sample_leaf, ncap, sizeof *f->sample_leaf) ||
            !mp__resize((void **)&f->sample_ts, ncap, sizeof *f->sample_ts)) {
            f->failed = 1;
            return;
        }
        f->capsamples = ncap;
    }
    f->sample_leaf[f->nsamples] = leaf;
    f->sample_ts[f->nsamples] = ts;
    f->nsamples++;
}

/* Adds count ticks of a stack; returns its leaf node (MP__FNONE: none). */
static uint32_t mp__flame_add(mp_flame *f, const char *const *names, size_t n, uint64_t count)
{
    uint32_t node = 0;
    size_t i;
    if (f->failed || n == 0) return MP__FNONE;
    f->nodes[0].total += count;
    for (i = n; i-- > 0;) {
        node = mp__flame_child(f, node, names[i]);
        if (node == MP__FNONE) { f->failed = 1; return MP__FNONE; }
        f->nodes[node].total += count;
    }
    return node;
}

MP__DEF void mp_flame_stack(void *user, const char *const *names, size_t n, double ts)
{
    mp_flame *f = (mp_flame *)user;
    uint32_t node = mp__flame_add(f, names, n, 1);
    if (node != MP__FNONE && f->keep_samples) mp__flame_sample(f, node, ts);
}

MP__DEF void mp_flame_stacks(void *user, const char *const *names, size_t n, uint64_t count)
{
    (void)mp__flame_add((mp_flame *)user, names, n, count);
}

MP__DEF void mp_flame_keep_samples(mp_flame *f) { f->keep_samples = 1; }

/* Appends a name with the characters that would break the folded line format replaced:
   ';' as ':', control characters as spaces. */
static void mp__fold_name(mp_buf *b, const char *name)
{
    const char *s;
    size_t start = b->len;
    mp_buf_puts(b, name);
    if (b->failed) return;
    for (s = b->data + start; *s; s++) {
        char *c = (char *)s;
        if (*c == ';') *c = ':';
        else if ((unsigned char)*c < 0x20) *c = ' ';
    }
}

typedef struct mp__fline {
    const char *s;     /* into the arena, once it is complete */
    size_t off, len;
    uint64_t count;
} mp__fline;

static int mp__fline_cmp(const void *a, const void *b)
{
    return strcmp(((const mp__fline *)a)->s, ((const mp__fline *)b)->s);
}

/* Appends the folded path of node i (root first) and a NUL; path is scratch for the node
   indices, leaf first. */
static void mp__flame_path(const mp_flame *f, uint32_t i, mp_buf *path, mp_buf *b)
{
    const uint32_t *up;
    size_t depth, k;
    path->len = 0;
    for (; i != 0; i = f->nodes[i].parent) mp_buf_append(path, (const char *)&i, sizeof i);
    if (path->failed) { b->failed = 1; return; }
    up = (const uint32_t *)(const void *)path->data;
    depth = path->len / sizeof *up;
    for (k = depth; k-- > 0;) {
        mp__fold_name(b, f->nodes[up[k]].name);
        if (k) mp_buf_append(b, ";", 1);
    }
    mp_buf_append(b, "", 1);
}

MP__DEF mp_err mp_flame_write_folded(const mp_flame *f, mp_buf *out, mp_error *err)
{
    uint64_t *self = (uint64_t *)MP_MALLOC((f->n ? f->n : 1) * sizeof *self);
    mp__fline *lines = NULL;
    mp_buf arena, path;
    size_t n = 0, i, k;
    memset(&arena, 0, sizeof arena); /* not "= { 0 }": the header compiles as C++ too */
    memset(&path, 0, sizeof path);
    if (f->failed) { MP_FREE(self); return mp__flame_incomplete(err, "folded stacks"); }
    if (!self) return mp__nomem(err);
    memset(self, 0, (f->n ? f->n : 1) * sizeof *self);
    for (i = 1; i < f->n; i++) self[i] += f->nodes[i].total;
    for (i = 1; i < f->n; i++) self[f->nodes[i].parent] -= f->nodes[i].total;
    for (i = 1; i < f->n; i++) n += self[i] != 0;
    if (n && !(lines = (mp__fline *)MP_MALLOC(n * sizeof *lines))) goto fail;
    for (i = 1, k = 0; i < f->n; i++) {
        if (!self[i]) continue;
        lines[k].off = arena.len;
        mp__flame_path(f, (uint32_t)i, &path, &arena);
        lines[k].len = arena.len - lines[k].off - 1;
        lines[k++].count = self[i];
    }
    if (arena.failed) goto fail;
    for (i = 0; i < n; i++) lines[i].s = arena.data + lines[i].off;
    if (n) qsort(lines, n, sizeof *lines, mp__fline_cmp);
    /* Names with ';' or control characters can fold two paths into one line: add them up. */
    for (i = 0; i < n; i = k) {
        uint64_t count = lines[i].count;
        for (k = i + 1; k < n && strcmp(lines[k].s, lines[i].s) == 0; k++) count += lines[k].count;
        mp_buf_append(out, lines[i].s, lines[i].len);
        mp_buf_printf(out, " %llu\n", (unsigned long long)count);
    }
    MP_FREE(lines);
    MP_FREE(self);
    mp_buf_free(&arena);
    mp_buf_free(&path);
    return mp__written(out, err, "folded stacks");
fail:
    MP_FREE(lines);
    MP_FREE(self);
    mp_buf_free(&arena);
    mp_buf_free(&path);
    return mp__fail(err, MP_ERR_NOMEM, ENOMEM, "folded stacks: out of memory");
}

MP__DEF int mp_flame_failed(const mp_flame *f) { return f->failed; }
MP__DEF uint64_t mp_flame_ticks(const mp_flame *f) { return f->nodes[0].total; }

MP__DEF void mp_flame_free(mp_flame *f)
{
    uint32_t i;
    if (!f) return;
    for (i = 1; i < f->n; i++) MP_FREE(f->nodes[i].name);
    MP_FREE(f->nodes);
    mp__tab_free(&f->index);
    MP_FREE(f->sample_leaf);
    MP_FREE(f->sample_ts);
    MP_FREE(f);
}

/* The frame's kind, for its colour class: JavaScript by tier from V8's state marker. */
static const char *mp__flame_kind(const char *name)
{
    const char *colon;
    if (strcmp(name, "UNKNOWN") == 0) return "unk";
    if (name[0] == '/' || name[0] == '[') return "lib";
    colon = strstr(name, ": ");
    if (colon && colon - name < 16 && strncmp(name, "RegExp", 6) != 0) {
        char marker = colon[2];
        if (marker == '*') return "opt";   /* TurboFan */
        if (marker == '+') return "mag";   /* Maglev */
        if (marker == '^') return "spk";   /* Sparkplug */
        if (marker == '~') return "int";   /* Ignition */
        return "jsx";                      /* builtins, stubs, regexps, ... */
    }
    if (colon && strncmp(name, "RegExp", 6) == 0) return "jsx";
    return "cpp";
}

typedef struct mp__flame_draw {
    const mp_flame *f;
    mp_buf *out;
    double scale;            /* pixels per tick */
    double min_width;
    int icicle;
    double height;           /* of the frame area */
    const mp_flame *base;    /* differential against this, or NULL */
} mp__flame_draw;

#define MP__FLAME_ROW 17.0
#define MP__FLAME_TOP 46.0

static int mp__fnode_name_cmp(const void *a, const void *b)
{
    return strcmp((*(const mp__fnode *const *)a)->name, (*(const mp__fnode *const *)b)->name);
}

/* The children of node, sorted by name (flamegraph.pl's order), as indices in a new array. */
static uint32_t *mp__flame_sorted(const mp_flame *f, uint32_t node)
{
    uint32_t n = f->nodes[node].nchildren, i = 0, c;
    const mp__fnode **by_name;
    uint32_t *kids;
    if (!n) return NULL;
    by_name = (const mp__fnode **)MP_MALLOC(n * sizeof *by_name);
    kids = (uint32_t *)MP_MALLOC(n * sizeof *kids);
    if (!by_name || !kids) {
        MP_FREE(by_name);
        MP_FREE(kids);
        return NULL;
    }
    for (c = f->nodes[node].first_child; c != MP__FNONE; c = f->nodes[c].next_sibling)
        by_name[i++] = &f->nodes[c];
    qsort(by_name, n, sizeof *by_name, mp__fnode_name_cmp);
    for (i = 0; i < n; i++) kids[i] = (uint32_t)(by_name[i] - f->nodes);
    MP_FREE(by_name);
    return kids;
}

static uint32_t mp__flame_depth(const mp_flame *f, uint32_t node)
{
    uint32_t d = 0, c, best = 0;
    for (c = f->nodes[node].first_child; c != MP__FNONE; c = f->nodes[c].next_sibling) {
        d = mp__flame_depth(f, c);
        if (d > best) best = d;
    }
    return node == 0 ? best : best + 1;
}

/* The child of parent named name, or MP__FNONE: a lookup that never adds. */
static uint32_t mp__flame_find(const mp_flame *f, uint32_t parent, const char *name)
{
    mp__fkey key;
    uint64_t h;
    uint32_t at;
    key.parent = parent;
    key.name = name;
    return mp__flame_lookup(f, &key, &h, &at);
}

/* Differential colouring: the frame's share now minus its share in the baseline, as an
   inline fill, and the change in percentage points for its title. */
static double mp__flame_delta(const mp__flame_draw *d, uint32_t node, uint32_t base)
{
    const mp_flame *b = d->base;
    double now = (double)d->f->nodes[node].total / (double)d->f->nodes[0].total;
    double before = base != MP__FNONE && b->nodes[0].total
                        ? (double)b->nodes[base].total / (double)b->nodes[0].total : 0;
    return (now - before) * 100;
}

static void mp__flame_fill(mp_buf *out, double delta)
{
    double i = fabs(delta) / 5 > 1 ? 1 : fabs(delta) / 5;
    int lo = (int)(230 - 190 * i);
    if (delta > 0) mp_buf_printf(out, " style=\"fill:rgb(255,%d,%d)\"", lo, lo);
    else if (delta < 0) mp_buf_printf(out, " style=\"fill:rgb(%d,%d,255)\"", lo, lo);
    else mp_buf_puts(out, " style=\"fill:rgb(230,230,230)\"");
}

static void mp__flame_frame(mp__flame_draw *d, uint32_t node, uint32_t base, double x, int level)
{
    const mp__fnode *n = &d->f->nodes[node];
    double w = (double)n->total * d->scale, y, cx;
    uint32_t *kids;
    uint32_t i;
    if (w < d->min_width) return;
    {
        /* the root is flamegraph.pl's "all": every tick, and a click on it zooms out */
        const char *name = node == 0 ? "all" : n->name;
        y = d->icicle ? MP__FLAME_TOP + level * MP__FLAME_ROW
                      : MP__FLAME_TOP + d->height - (level + 1) * MP__FLAME_ROW;
        mp_buf_printf(d->out, "<g class=\"f %s\" data-t=\"%llu\"><title>",
                      node == 0 ? "all" : mp__flame_kind(name), (unsigned long long)n->total);
        mp__buf_xml(d->out, name);
        mp_buf_printf(d->out, " (%llu ticks, ", (unsigned long long)n->total);
        mp__buf_js_fixed(d->out, (double)n->total * 100.0 / (double)d->f->nodes[0].total, 2);
        if (d->base) {
            double delta = mp__flame_delta(d, node, base);
            mp_buf_puts(d->out, "%, ");
            if (delta >= 0) mp_buf_puts(d->out, "+");
            mp__buf_js_fixed(d->out, delta, 2);
            mp_buf_puts(d->out, " points)</title>");
        } else {
            mp_buf_puts(d->out, "%)</title>");
        }
        mp_buf_printf(d->out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\"", x, y,
                      w, MP__FLAME_ROW - 1);
        if (d->base) mp__flame_fill(d->out, mp__flame_delta(d, node, base));
        mp_buf_printf(d->out, "/><text x=\"%.2f\" y=\"%.1f\"></text></g>\n", x + 3, y + 12);
    }
    kids = mp__flame_sorted(d->f, node);
    if (!kids && d->f->nodes[node].nchildren) { d->out->failed = 1; return; }
    cx = x;
    for (i = 0; i < d->f->nodes[node].nchildren; i++) {
        uint32_t kb = d->base && base != MP__FNONE
                          ? mp__flame_find(d->base, base, d->f->nodes[kids[i]].name) : MP__FNONE;
        mp__flame_frame(d, kids[i], kb, cx, level + 1);
        cx += (double)d->f->nodes[kids[i]].total * d->scale;
    }
    MP_FREE(kids);
}

/* The interactive part: labels that fit, hover details, click to zoom, search, reset. It
   reads names from the <title> elements' text and writes them only as textContent. */
static const char mp__flame_script[] =
    "var svg=document.documentElement,frames=[].slice.call(document.querySelectorAll('g.f')),"
    "W=+svg.getAttribute('width')-20,details=document.getElementById('details'),"
    "total=+svg.getAttribute('data-total');"
    "frames.forEach(function(g){var r=g.querySelector('rect');g.x0=+r.getAttribute('x');"
    "g.w0=+r.getAttribute('width');g.name=g.querySelector('title').textContent;});"
    "function label(g,x,w){var t=g.querySelector('text'),n=g.name.replace(/ \\(\\d+ ticks.*$/,''),"
    "fit=Math.floor((w-6)/6.6);t.setAttribute('x',x+3);"
    "t.textContent=fit<3?'':(n.length>fit?n.slice(0,fit-2)+'..':n);}"
    "function show(x0,w0){var k=W/w0;frames.forEach(function(g){var r=g.querySelector('rect'),"
    "x=10+(g.x0-x0)*k,w=g.w0*k;var out=x+w<10||x>W+10;g.style.display=out?'none':'';"
    "r.setAttribute('x',x);r.setAttribute('width',w);label(g,x,w);});}"
    "frames.forEach(function(g){g.onclick=function(){show(g.x0,g.w0);};"
    "g.onmouseover=function(){details.textContent=g.name;};"
    "g.onmouseout=function(){details.textContent=' ';};});"
    "document.getElementById('reset').onclick=function(){show(10,W);};"
    "document.getElementById('search').onclick=function(){var q=prompt('Search frames (text):');"
    "var hits=0;frames.forEach(function(g){var m=!!q&&g.name.indexOf(q)>=0;"
    "g.classList.toggle('hit',m);if(m)hits+=+g.getAttribute('data-t');});"
    "details.textContent=q?('matched '+(100*hits/total).toFixed(1)+'% of ticks (nested frames counted once each)'):' ';};"
    "show(10,W);";

static const char mp__flame_style[] =
    "text{font:11px monospace;fill:#000;pointer-events:none}"
    ".f rect{stroke:#fff;stroke-width:.5;cursor:pointer}.f:hover rect{stroke:#000}"
    ".opt rect{fill:#6dbb6d}.mag rect{fill:#9bd06b}.spk rect{fill:#e0c85a}"
    ".int rect{fill:#f0a05a}.jsx rect{fill:#8fc6e8}.cpp rect{fill:#e8735a}"
    ".lib rect{fill:#c79ae0}.unk rect{fill:#bbbbbb}.all rect{fill:#d8d8c8}.hit rect{fill:#ee44ee}"
    ".button{font:12px sans-serif;fill:#0645ad;cursor:pointer}"
    ".title{font:16px sans-serif}.legend{font:11px sans-serif;fill:#444}";

MP__DEF mp_err mp_flame_write_svg(const mp_flame *f, const mp_flame_options *opts,
                                  mp_buf *out, mp_error *err)
{
    static const char *const kinds[] = { "opt", "mag", "spk", "int", "jsx", "cpp", "lib", "unk" };
    static const char *const kind_names[] = { "JS TurboFan", "JS Maglev", "JS Sparkplug",
                                               "JS interpreted", "builtin/stub/regexp", "C++",
                                               "shared library", "unknown" };
    mp__flame_draw d;
    uint32_t depth = mp__flame_depth(f, 0);
    int width = opts && opts->width > 0 ? opts->width : 1200;
    const char *title = opts && opts->title ? opts->title : "Flame graph";
    double height;
    size_t i;
    if (f->failed) return mp__flame_incomplete(err, "flame graph");
    if (opts && opts->baseline && opts->baseline->failed)
        return mp__flame_incomplete(err, "flame graph's baseline");
    memset(&d, 0, sizeof d);
    d.f = f;
    d.out = out;
    d.icicle = opts && opts->icicle;
    d.min_width = opts && opts->min_width > 0 ? opts->min_width : 0.1;
    d.height = (depth + 1) * MP__FLAME_ROW;
    d.scale = f->nodes[0].total ? (width - 20.0) / (double)f->nodes[0].total : 0;
    height = MP__FLAME_TOP + d.height + 40;
    mp_buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
                       "height=\"%.0f\" viewBox=\"0 0 %d %.0f\" data-total=\"%llu\">\n"
                       "<style>%s</style>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fdfdf6\"/>\n"
                       "<text class=\"title\" x=\"10\" y=\"22\">", width, height, width, height,
                  (unsigned long long)f->nodes[0].total, mp__flame_style);
    mp__buf_xml(out, title);
    mp_buf_printf(out, " (%llu ticks)</text>\n"
                       "<text id=\"reset\" class=\"button\" x=\"%d\" y=\"22\">Reset zoom</text>\n"
                       "<text id=\"search\" class=\"button\" x=\"%d\" y=\"22\">Search</text>\n"
                       "<text id=\"details\" class=\"legend\" x=\"10\" y=\"38\"> </text>\n",
                  (unsigned long long)f->nodes[0].total, width - 150, width - 60);
    d.base = opts ? opts->baseline : NULL;
    mp__flame_frame(&d, 0, 0, 10, 0);
    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        double x = 10 + (double)i * 130, y = MP__FLAME_TOP + d.height + 20;
        mp_buf_printf(out, "<g class=\"%s\"><rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"10\"/>"
                           "<text class=\"legend\" x=\"%.0f\" y=\"%.0f\">%s</text></g>\n",
                      kinds[i], x, y, x + 16, y + 9, kind_names[i]);
    }
    mp_buf_printf(out, "<script type=\"text/ecmascript\"><![CDATA[\n%s\n]]></script>\n</svg>\n",
                  mp__flame_script);
    return mp__written(out, err, "flame graph");
}

/* ---- flame: .cpuprofile and speedscope ----------------------------------------------------- */

/* V8's display name split into what DevTools shows: "JS: *fn /a/b.js:12:5" gives function
   "fn", url "/a/b.js", line 11 and column 4 (0-based); C++ and library names keep their whole
   name with no url. */
typedef struct mp__callframe {
    const char *fn;
    size_t fn_len;
    const char *url;
    size_t url_len;
    long line, col;     /* 0-based, -1 if unknown */
} mp__callframe;

static void mp__parse_callframe(const char *name, mp__callframe *cf)
{
    const char *body = name, *colon = strstr(name, ": "), *sp, *c1, *c2;
    memset(cf, 0, sizeof *cf);
    cf->line = cf->col = -1;
    cf->fn = name;
    cf->fn_len = strlen(name);
    if (!colon || colon - name > 16 || name[0] == '/') return;
    body = colon + 2;
    if (*body == '~' || *body == '^' || *body == '+' || *body == '*' || *body == '-') body++;
    sp = strrchr(body, ' ');
    cf->fn = body;
    cf->fn_len = sp ? (size_t)(sp - body) : strlen(body);
    if (!sp) return;
    /* "url:line:col" after the last space */
    c2 = strrchr(sp + 1, ':');
    if (!c2 || c2 == sp + 1) return;
    for (c1 = c2 - 1; c1 > sp && *c1 != ':'; c1--) {}
    if (c1 == sp) return;
    cf->url = sp + 1;
    cf->url_len = (size_t)(c1 - (sp + 1));
    cf->line = strtol(c1 + 1, NULL, 10) - 1;
    cf->col = strtol(c2 + 1, NULL, 10) - 1;
    if (cf->fn_len == 0 || strncmp(cf->fn, "<anonymous>", cf->fn_len) == 0) cf->fn_len = 0;
}

static void mp__json_callframe(mp_buf *b, const char *name)
{
    mp__callframe cf;
    mp__parse_callframe(name, &cf);
    mp_buf_puts(b, "{\"functionName\":");
    mp__buf_json_string(b, cf.fn, cf.fn_len);
    mp_buf_puts(b, ",\"scriptId\":\"0\",\"url\":");
    mp__buf_json_string(b, cf.url ? cf.url : "", cf.url_len);
    mp_buf_printf(b, ",\"lineNumber\":%ld,\"columnNumber\":%ld}", cf.line, cf.col);
}

/* The time-ordered formats need every tick's time. */
static mp_err mp__flame_check_samples(const mp_flame *f, mp_error *err, const char *what)
{
    if (f->failed) return mp__flame_incomplete(err, what);
    if (!f->keep_samples)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0,
                        "%s: the graph kept no samples (mp_flame_keep_samples before the first "
                        "tick)", what);
    return MP_OK;
}

MP__DEF mp_err mp_flame_write_cpuprofile(const mp_flame *f, mp_buf *out, mp_error *err)
{
    uint64_t *hits;
    double start = f->nsamples ? f->sample_ts[0] : 0, prev;
    uint32_t i, c;
    size_t k;
    mp_err rc;
    if ((rc = mp__flame_check_samples(f, err, "cpuprofile")) != MP_OK) return rc;
    if (!(hits = (uint64_t *)MP_MALLOC((f->n ? f->n : 1) * sizeof *hits))) return mp__nomem(err);
    memset(hits, 0, (f->n ? f->n : 1) * sizeof *hits);
    for (k = 0; k < f->nsamples; k++) hits[f->sample_leaf[k]]++;
    mp_buf_puts(out, "{\"nodes\":[");
    for (i = 0; i < f->n; i++) {
        const char *sep = "";
        mp_buf_printf(out, "%s\n{\"id\":%u,\"callFrame\":", i ? "," : "", i + 1);
        if (i == 0) mp_buf_puts(out, "{\"functionName\":\"(root)\",\"scriptId\":\"0\",\"url\":\"\","
                                     "\"lineNumber\":-1,\"columnNumber\":-1}");
        else mp__json_callframe(out, f->nodes[i].name);
        mp_buf_printf(out, ",\"hitCount\":%llu,\"children\":[", (unsigned long long)hits[i]);
        for (c = f->nodes[i].first_child; c != MP__FNONE; c = f->nodes[c].next_sibling) {
            mp_buf_printf(out, "%s%u", sep, c + 1);
            sep = ",";
        }
        mp_buf_puts(out, "]}");
    }
    /* startTime/endTime and the deltas are in µs, as the log's tick times are. */
    mp_buf_printf(out, "\n],\"startTime\":%.0f,\"endTime\":%.0f,\"samples\":[", start,
                  f->nsamples ? f->sample_ts[f->nsamples - 1] : 0);
    for (k = 0; k < f->nsamples; k++) mp_buf_printf(out, "%s%u", k ? "," : "", f->sample_leaf[k] + 1);
    mp_buf_puts(out, "],\"timeDeltas\":[");
    for (k = 0, prev = start; k < f->nsamples; k++) {
        double d = f->sample_ts[k] - prev;
        mp_buf_printf(out, "%s%.0f", k ? "," : "", d > 0 ? d : 0);
        prev = f->sample_ts[k];
    }
    mp_buf_puts(out, "]}\n");
    MP_FREE(hits);
    return mp__written(out, err, "cpuprofile");
}

/* speedscope's frame index of each tree node: one frame per distinct name. */
static uint32_t *mp__speedscope_frames(const mp_flame *f, uint32_t *nframes)
{
    uint32_t *frame = (uint32_t *)MP_MALLOC((f->n ? f->n : 1) * sizeof *frame);
    const mp__fnode **by_name = (const mp__fnode **)MP_MALLOC((f->n ? f->n : 1) * sizeof *by_name);
    uint32_t i, m = 0;
    if (!frame || !by_name) { MP_FREE(frame); MP_FREE(by_name); return NULL; }
    for (i = 1; i < f->n; i++) by_name[i - 1] = &f->nodes[i];
    qsort(by_name, f->n ? f->n - 1 : 0, sizeof *by_name, mp__fnode_name_cmp);
    for (i = 0; i + 1 < f->n; i++) {
        if (i > 0 && strcmp(by_name[i]->name, by_name[i - 1]->name) != 0) m++;
        frame[by_name[i] - f->nodes] = m;
    }
    *nframes = f->n > 1 ? m + 1 : 0;
    MP_FREE(by_name);
    return frame;
}

MP__DEF mp_err mp_flame_write_speedscope(const mp_flame *f, const char *name, mp_buf *out,
                                         mp_error *err)
{
    uint32_t nframes = 0, i, depth, cap = 0, *path = NULL;
    uint32_t *frame, *first;
    size_t k;
    double end;
    mp_err rc;
    if ((rc = mp__flame_check_samples(f, err, "speedscope")) != MP_OK) return rc;
    frame = mp__speedscope_frames(f, &nframes);
    first = (uint32_t *)MP_MALLOC((nframes ? nframes : 1) * sizeof *first);
    if (!frame || !first) { MP_FREE(frame); MP_FREE(first); return mp__nomem(err); }
    for (i = 0; i < nframes; i++) first[i] = MP__FNONE;
    for (i = 1; i < f->n; i++)
        if (first[frame[i]] == MP__FNONE) first[frame[i]] = i;
    mp_buf_puts(out, "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
                     "\"exporter\":\"medprof " MP_VERSION_STRING "\",\"name\":");
    mp__buf_json_string(out, name ? name : "profile", strlen(name ? name : "profile"));
    mp_buf_puts(out, ",\"activeProfileIndex\":0,\"shared\":{\"frames\":[");
    for (i = 0; i < nframes; i++) {
        const char *fn = f->nodes[first[i]].name;
        mp__callframe cf;
        mp__parse_callframe(fn, &cf);
        mp_buf_puts(out, i ? ",\n{\"name\":" : "\n{\"name\":");
        mp__buf_json_string(out, fn, strlen(fn));
        if (cf.url) {
            mp_buf_puts(out, ",\"file\":");
            mp__buf_json_string(out, cf.url, cf.url_len);
            mp_buf_printf(out, ",\"line\":%ld,\"col\":%ld", cf.line + 1, cf.col + 1);
        }
        mp_buf_puts(out, "}");
    }
    end = f->nsamples ? f->sample_ts[f->nsamples - 1] - f->sample_ts[0] : 0;
    mp_buf_puts(out, "\n]},\"profiles\":[{\"type\":\"sampled\",\"name\":");
    mp__buf_json_string(out, name ? name : "profile", strlen(name ? name : "profile"));
    mp_buf_puts(out, ",\"unit\":\"microseconds\",\"startValue\":0,\"endValue\":");
    mp__buf_js_number(out, end > 0 ? end : 0);
    mp_buf_puts(out, ",\"samples\":[");
    for (k = 0; k < f->nsamples; k++) {
        uint32_t node;
        depth = 0;
        for (node = f->sample_leaf[k]; node != 0 && node != MP__FNONE; node = f->nodes[node].parent) {
            if (!mp__grow32((void **)&path, &cap, (size_t)depth + 1, sizeof *path)) {
                out->failed = 1;
                goto done;
            }
            path[depth++] = frame[node];
        }
        mp_buf_puts(out, k ? ",[" : "\n[");
        for (i = depth; i-- > 0;) mp_buf_printf(out, "%u%s", path[i], i ? "," : "");
        mp_buf_puts(out, "]");
    }
    /* Each sample weighs the time until the next tick; the last one the one before it. */
    mp_buf_puts(out, "],\"weights\":[");
    for (k = 0; k < f->nsamples; k++) {
        double w = k + 1 < f->nsamples ? f->sample_ts[k + 1] - f->sample_ts[k]
                   : k > 0 ? f->sample_ts[k] - f->sample_ts[k - 1] : 1;
        mp_buf_printf(out, "%s%.0f", k ? "," : "", w > 0 ? w : 0);
    }
    mp_buf_puts(out, "]}]}\n");
done:
    MP_FREE(path);
    MP_FREE(frame);
    MP_FREE(first);
    return mp__written(out, err, "speedscope");
}

#endif /* MEDPROF_IMPLEMENTATION_INCLUDED */
#endif /* MEDPROF_IMPLEMENTATION */

/*
------------------------------------------------------------------------------------------------
MIT License

Copyright (c) 2026 the medprof authors

Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
------------------------------------------------------------------------------------------------
*/
