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

   QUICK EXAMPLE: start a server, wait for it, stop it like Ctrl+C
      const char *argv[] = { "node", "--prof", "server.js", NULL };
      const char *env[]  = { "NODE_ENV=production", NULL };
      mp_proc_config cfg = { 0 };                  // zero means default everywhere
      cfg.argv = argv; cfg.env = env;
      mp_error err; mp_proc *p; mp_proc_status st;
      if (mp_proc_spawn(&cfg, &p, &err) != MP_OK) { fprintf(stderr, "%s\n", err.msg); return 1; }
      mp_ready_config ready = { 0 };
      ready.url = "http://127.0.0.1:8103/healthcheck"; ready.timeout = 30;
      if (mp_proc_wait_ready(p, &ready, &err) != MP_OK) fprintf(stderr, "%s\n", err.msg);
      mp_proc_stop(p, NULL, &st, &err);            // SIGINT, then SIGTERM, then SIGKILL
      printf("server %s\n", mp_proc_status_str(&st, buf, sizeof buf));
      char **logs; size_t n;                       // the isolate-*-v8.log files it wrote
      mp_proc_newfiles(".", "isolate-*-v8.log", mp_proc_started(p), &logs, &n, &err);
      mp_strlist_free(logs, n);
      mp_proc_destroy(p);

   PARTS
      PROCESS  mp_proc_*   launch a server in its own process group, wait until it is ready,
                           stop it, find the files it wrote.
      TICK     mp_tick_*   V8 tick-log parsing and attribution (see the tick-processor issue).
      LOAD     mp_load_*   HTTP load generation (see the load-generator issue).
      REPORT   mp_report_* report formatting.

   ERRORS
      Every fallible function returns an mp_err; MP_OK is 0. When it is not MP_OK and the
      caller passed an mp_error, that holds the code, the errno involved (0 if none) and a
      message naming what failed, ready to print. The library never prints and never exits.
      mp_err_name() gives the enum's name ("MP_ERR_TIMEOUT"), mp_err_str() a short phrase.

   CONFIG MACROS (define before including the implementation)
      MP_MALLOC(sz), MP_REALLOC(p,sz), MP_FREE(p)   all three or none; default: libc
      MP_ASSERT(x)                                  default: assert(x)
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

#ifdef MEDPROF_STATIC
#define MP_API static
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
    X(UNSUPPORTED, "not supported")

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
   URLS (shared by the process and load parts)
   ============================================================================================ */

typedef struct mp_url {
    char scheme[8];   /* "http" or "https" */
    char host[256];   /* without brackets for IPv6 literals */
    int port;         /* the explicit port, else 80 or 443 */
    char *path;       /* "/path?query", allocated; "/" when the URL has none */
} mp_url;

MP_API mp_err mp_url_parse(const char *text, mp_url *out, mp_error *err);
MP_API void mp_url_free(mp_url *url);

/* ============================================================================================
   BUFFERS (shared by the report writers)
   ============================================================================================ */

/* A growable byte string, always NUL-terminated once anything was appended. After an
   allocation failure it stays failed (later appends do nothing): check .failed once at
   the end instead of after every append. Zero-initialise to start. */
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
/* A JSON string literal, quotes included; invalid UTF-8 bytes become U+FFFD. */
MP_API void mp_buf_json_string(mp_buf *b, const char *s, size_t n);
/* A number as JavaScript's String(x) prints it: shortest round-trip digits, "NaN",
   "Infinity", exponent form outside [1e-7, 1e21). */
MP_API void mp_buf_js_number(mp_buf *b, double x);
/* JavaScript's x.toFixed(digits) for |x| < 1e21: the exact binary value rounded half up
   (12.25.toFixed(1) is "12.3"; printf's "%.1f" gives "12.2"). */
MP_API void mp_buf_js_fixed(mp_buf *b, double x, int digits);
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

/* SYMBOLS, TICK, REPORT and LOAD parts: written in parts/ during development, inlined here. */
#include "parts/sym_api.h"
#include "parts/tick_api.h"
#include "parts/load_api.h"
#include "parts/chart_api.h"

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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

MP__DEF void mp_url_free(mp_url *url)
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

MP__DEF mp_err mp_url_parse(const char *text, mp_url *out, mp_error *err)
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

/* ---- buffers ------------------------------------------------------------------------- */

static int mp__buf_reserve(mp_buf *b, size_t extra)
{
    size_t need, cap;
    char *d;
    if (b->failed) return 0;
    need = b->len + extra + 1;
    if (need <= b->cap) return 1;
    cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    if (!(d = (char *)MP_REALLOC(b->data, cap))) {
        b->failed = 1;
        return 0;
    }
    b->data = d;
    b->cap = cap;
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

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is not one. */
static size_t mp__utf8_len(const unsigned char *s, size_t n)
{
    size_t len, i;
    unsigned cp;
    if (s[0] < 0x80) return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) { len = 2; cp = s[0] & 0x1Fu; }
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) { len = 3; cp = s[0] & 0x0Fu; }
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) { len = 4; cp = s[0] & 0x07u; }
    else return 0;
    if (n < len) return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

MP__DEF void mp_buf_json_string(mp_buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    mp_buf_append(b, "\"", 1);
    while (i < n) {
        unsigned char c = u[i];
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
        } else if ((len = mp__utf8_len(u + i, n - i)) > 0) {
            mp_buf_append(b, s + i, len);
            i += len;
        } else {
            mp_buf_append(b, "\\ufffd", 6);
            i++;
        }
    }
    mp_buf_append(b, "\"", 1);
}

MP__DEF void mp_buf_js_number(mp_buf *b, double x)
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

MP__DEF void mp_buf_js_fixed(mp_buf *b, double x, int digits)
{
    /* glibc prints the exact binary value with enough digits; rounding that decimal string
       half up is exactly what toFixed does (ties away from zero on the exact value). */
    char exact[400];
    int n, dot, last, i;
    if (x != x) { mp_buf_puts(b, "NaN"); return; }
    if (x >= 1e21 || x <= -1e21) { mp_buf_js_number(b, x); return; }
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

static mp_err mp__open_stdio(mp_stdio mode, const char *path, int append, const char *which,
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
        plan->child_fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC),
                              0644);
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

/* Runs in the forked child: only async-signal-safe calls. On failure the errno goes to the
   parent through report_fd (close-on-exec, so a successful exec closes it empty). */
static void mp__child_exec(const char *file, char *const argv[], char *const envp[],
                           const char *cwd, const mp__stdio_plan *out, const mp__stdio_plan *errp,
                           int stderr_to_stdout, pid_t parent, int report_fd)
{
    sigset_t none;
    int e, sig;
    setpgid(0, 0);
    /* Die with the spawning thread, so that no server outlives a medprof that was killed. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    for (sig = 1; sig < 32; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (cwd && chdir(cwd) != 0) goto fail;
    if (out->child_fd >= 0 && dup2(out->child_fd, 1) < 0) goto fail;
    if (stderr_to_stdout) {
        if (dup2(1, 2) < 0) goto fail;
    } else if (errp->child_fd >= 0 && dup2(errp->child_fd, 2) < 0) {
        goto fail;
    }
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
    if ((rc = mp__check_cwd(cfg->cwd, err)) != MP_OK) return rc;
    if ((rc = mp__resolve_program(cfg, &file, err)) != MP_OK) return rc;
    rc = MP_ERR_NOMEM;
    if (!(envp = mp__build_env(cfg)) || !(p = (mp_proc *)MP_MALLOC(sizeof *p))) {
        mp__nomem(err);
        goto done;
    }
    memset(p, 0, sizeof *p);
    p->out_fd = p->err_fd = -1;
    if ((rc = mp__open_stdio(cfg->stdout_mode, cfg->stdout_path, cfg->append, "stdout", &so,
                             err)) != MP_OK ||
        (rc = mp__open_stdio(cfg->stderr_mode, cfg->stderr_path, cfg->append, "stderr", &se,
                             err)) != MP_OK)
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
            mp__child_exec(file, (char *const *)cfg->argv, envp, cfg->cwd, &so, &se,
                           cfg->stderr_mode == MP_STDIO_STDOUT, parent, report[1]);
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
    mp_url url;
    mp_error last;
    mp_err rc;

    memset(&url, 0, sizeof url);
    memset(&last, 0, sizeof last);
    if (cfg->url) {
        if ((rc = mp_url_parse(cfg->url, &url, err)) != MP_OK) return rc;
        if (strcmp(url.scheme, "http") != 0) {
            mp_url_free(&url);
            return mp__fail(err, MP_ERR_UNSUPPORTED, 0,
                            "ready URL '%s': https is not supported yet", cfg->url);
        }
        host = url.host;
        port = url.port;
        path = url.path;
        snprintf(target, sizeof target, "%s", cfg->url);
    } else {
        if (port <= 0 || port > 65535) {
            return mp__fail(err, MP_ERR_INVALID_ARG, 0, "wait_ready needs a url or a port");
        }
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
    mp_url_free(&url);
    return rc;
}

MP__DEF mp_err mp_proc_probe(const mp_ready_config *cfg, mp_error *err)
{
    double timeout = cfg->timeout > 0 ? cfg->timeout : 1.0;
    mp_url url;
    mp_err rc;
    if (!cfg->url) {
        if (cfg->port <= 0 || cfg->port > 65535)
            return mp__fail(err, MP_ERR_INVALID_ARG, 0, "probe needs a url or a port");
        return mp__probe(cfg->host ? cfg->host : "127.0.0.1", cfg->port, NULL, timeout, err);
    }
    if ((rc = mp_url_parse(cfg->url, &url, err)) != MP_OK) return rc;
    if (strcmp(url.scheme, "http") != 0)
        rc = mp__fail(err, MP_ERR_UNSUPPORTED, 0, "'%s': https is not supported yet", cfg->url);
    else
        rc = mp__probe(url.host, url.port, url.path, timeout, err);
    mp_url_free(&url);
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
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            mp__dated_path *grown = (mp__dated_path *)MP_REALLOC(items, ncap * sizeof *items);
            if (!grown) { MP_FREE(path); goto nomem; }
            items = grown;
            cap = ncap;
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

#include "parts/sym_impl.h"
#include "parts/tick_impl.h"
#include "parts/load_impl.h"
#include "parts/chart_impl.h"

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
