/* test_proc.c - the process part (spawn, readiness, stop, newfiles) and the common helpers
   (errors, URLs, buffers, JS number formatting). Allocations go through cmocka's checked
   allocator, so a leak fails the test that made it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "suite.h"

#define MP_MALLOC(sz) test_malloc(sz)
#define MP_REALLOC(p, sz) test_realloc(p, sz)
#define MP_FREE(p) test_free(p)
#define MEDPROF_IMPLEMENTATION
#include "medprof.h"

#include <arpa/inet.h>
#include <pthread.h>

/* ---- helpers ------------------------------------------------------------------------------ */

static mp_proc *spawn_ok(const char *const *argv, const char *const *env, const char *cwd)
{
    mp_proc_config cfg;
    mp_proc *p = NULL;
    mp_error err;
    memset(&cfg, 0, sizeof cfg);
    cfg.argv = argv;
    cfg.env = env;
    cfg.cwd = cwd;
    cfg.stdout_mode = MP_STDIO_PIPE;
    if (mp_proc_spawn(&cfg, &p, &err) != MP_OK) fail_msg("spawn: %s", err.msg);
    return p;
}

/* Everything the child writes to stdout until it closes it. */
static char *read_all_stdout(mp_proc *p)
{
    mp_buf b = { 0 };
    char chunk[256];
    size_t n;
    int eof = 0;
    mp_error err;
    double deadline = mp_time_now() + 10;
    mp_buf_puts(&b, "");
    while (!eof && mp_time_now() < deadline) {
        assert_int_equal(mp_proc_read(p, 1, chunk, sizeof chunk, 1.0, &n, &eof, &err), MP_OK);
        mp_buf_append(&b, chunk, n);
    }
    assert_true(eof);
    return mp_buf_take(&b);
}

static mp_proc_status wait_end(mp_proc *p)
{
    mp_proc_status st;
    mp_error err;
    assert_int_equal(mp_proc_wait(p, 10, &st, &err), MP_OK);
    return st;
}

/* A process (by pid) is gone or a zombie nobody will ask us about. */
static int process_gone(pid_t pid)
{
    char path[64], buf[512];
    FILE *f;
    size_t n;
    char *rp;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (!(f = fopen(path, "r"))) return 1;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

static int wait_gone(pid_t pid, double seconds)
{
    double deadline = mp_time_now() + seconds;
    while (mp_time_now() < deadline) {
        if (process_gone(pid)) return 1;
        mp_time_sleep(0.01);
    }
    return process_gone(pid);
}

/* ---- spawn ------------------------------------------------------------------------------- */

static void spawn_true_and_false(void **state)
{
    const char *t[] = { "true", NULL }, *f[] = { "/bin/false", NULL };
    mp_proc *p;
    mp_proc_status st;
    (void)state;
    p = spawn_ok(t, NULL, NULL);
    st = wait_end(p);
    assert_int_equal(st.state, MP_PROC_EXITED);
    assert_int_equal(st.exit_code, 0);
    mp_proc_destroy(p);
    p = spawn_ok(f, NULL, NULL);
    st = wait_end(p);
    assert_int_equal(st.state, MP_PROC_EXITED);
    assert_int_equal(st.exit_code, 1);
    mp_proc_destroy(p);
}

static void spawn_passes_env_overrides_and_removals(void **state)
{
    const char *argv[] = { "sh", "-c", "echo \"$MP_A|$MP_B|${MP_GONE-unset}\"", NULL };
    const char *env[] = { "MP_A=one", "MP_B=first", "MP_B=second", "MP_GONE", NULL };
    mp_proc *p;
    char *out;
    (void)state;
    setenv("MP_GONE", "present", 1);
    setenv("MP_A", "parent", 1);
    p = spawn_ok(argv, env, NULL);
    out = read_all_stdout(p);
    assert_string_equal(out, "one|second|unset\n");
    MP_FREE(out);
    wait_end(p);
    mp_proc_destroy(p);
    unsetenv("MP_GONE");
    unsetenv("MP_A");
}

static void spawn_uses_cwd_and_relative_program(void **state)
{
    const char *argv[] = { "sh", "-c", "pwd", NULL };
    const char *rel[] = { "./true", NULL };
    mp_proc *p;
    char *out;
    (void)state;
    p = spawn_ok(argv, NULL, "/tmp");
    out = read_all_stdout(p);
    assert_string_equal(out, "/tmp\n");
    MP_FREE(out);
    wait_end(p);
    mp_proc_destroy(p);
    /* "./true" is looked up in the child's cwd, not ours. */
    p = spawn_ok(rel, NULL, "/bin");
    assert_int_equal(wait_end(p).exit_code, 0);
    mp_proc_destroy(p);
}

static void spawn_sends_output_to_a_file(void **state)
{
    char dir[] = "/tmp/mp-test-XXXXXX", path[64], got[64] = { 0 };
    const char *argv[] = { "sh", "-c", "echo out; echo err >&2", NULL };
    mp_proc_config cfg;
    mp_proc *p;
    mp_error err;
    FILE *f;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/server.log", dir);
    memset(&cfg, 0, sizeof cfg);
    cfg.argv = argv;
    cfg.stdout_mode = MP_STDIO_FILE;
    cfg.stdout_path = path;
    cfg.stderr_mode = MP_STDIO_STDOUT;
    assert_int_equal(mp_proc_spawn(&cfg, &p, &err), MP_OK);
    wait_end(p);
    mp_proc_destroy(p);
    assert_non_null(f = fopen(path, "r"));
    assert_true(fread(got, 1, sizeof got - 1, f) > 0);
    fclose(f);
    assert_string_equal(got, "out\nerr\n");
    unlink(path);
    rmdir(dir);
}

/* exclusive: the output file is created new; an existing file, or a symbolic link (dangling
   or not), is refused with MP_ERR_EXISTS and left as it was, and no child is started. */
static void spawn_exclusive_never_overwrites(void **state)
{
    char dir[] = "/tmp/mp-test-XXXXXX", path[64], link_path[64], dangling[64], nowhere[64];
    char got[64] = { 0 };
    const char *argv[] = { "sh", "-c", "echo new", NULL };
    mp_proc_config cfg;
    mp_proc *p = NULL;
    mp_error err;
    FILE *f;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/server.log", dir);
    snprintf(link_path, sizeof link_path, "%s/link.log", dir);
    snprintf(dangling, sizeof dangling, "%s/dangling.log", dir);
    snprintf(nowhere, sizeof nowhere, "%s/nowhere.log", dir);
    assert_non_null(f = fopen(path, "w"));
    fputs("keep\n", f);
    fclose(f);
    assert_int_equal(symlink(path, link_path), 0);
    assert_int_equal(symlink(nowhere, dangling), 0);
    memset(&cfg, 0, sizeof cfg);
    cfg.argv = argv;
    cfg.stdout_mode = MP_STDIO_FILE;
    cfg.exclusive = 1;
    cfg.stdout_path = path;
    assert_int_equal(mp_proc_spawn(&cfg, &p, &err), MP_ERR_EXISTS);
    assert_null(p);
    assert_non_null(strstr(err.msg, "already exists"));
    assert_non_null(strstr(err.msg, path));
    cfg.stdout_path = link_path;
    assert_int_equal(mp_proc_spawn(&cfg, &p, &err), MP_ERR_EXISTS);
    cfg.stdout_path = dangling;
    assert_int_equal(mp_proc_spawn(&cfg, &p, &err), MP_ERR_EXISTS);
    assert_int_equal(access(nowhere, F_OK), -1);
    assert_non_null(f = fopen(path, "r"));
    assert_true(fread(got, 1, sizeof got - 1, f) > 0);
    fclose(f);
    assert_string_equal(got, "keep\n");
    cfg.stdout_path = nowhere; /* a new file is fine */
    assert_int_equal(mp_proc_spawn(&cfg, &p, &err), MP_OK);
    wait_end(p);
    mp_proc_destroy(p);
    assert_non_null(f = fopen(nowhere, "r"));
    memset(got, 0, sizeof got);
    assert_true(fread(got, 1, sizeof got - 1, f) > 0);
    fclose(f);
    assert_string_equal(got, "new\n");
    assert_string_equal(mp_err_name(MP_ERR_EXISTS), "MP_ERR_EXISTS");
    unlink(path);
    unlink(link_path);
    unlink(dangling);
    unlink(nowhere);
    rmdir(dir);
}

static void spawn_reports_bad_input_by_name(void **state)
{
    const char *missing[] = { "medprof-no-such-program", NULL };
    const char *missing_path[] = { "/nonexistent/node", NULL };
    char dir[] = "/tmp/mp-test-XXXXXX", plain[64];
    const char *not_exec[] = { plain, NULL };
    const char *ok[] = { "true", NULL };
    const char *empty[] = { NULL };
    mp_proc_config cfg;
    mp_proc *p = NULL;
    mp_error err;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(plain, sizeof plain, "%s/plain.txt", dir);
    close(open(plain, O_WRONLY | O_CREAT, 0644));
    memset(&cfg, 0, sizeof cfg);
    cfg.argv = missing;
    assert_int_equal(mp_proc_spawn(&cfg, &p, &err), MP_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "medprof-no-such-program"));
    assert_null(p);
    cfg.argv = missing_path;
    assert_int_equal(mp_proc_spawn(&cfg, &p, &err), MP_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "/nonexistent/node"));
    cfg.argv = not_exec;
    assert_int_equal(mp_proc_spawn(&cfg, &p, &err), MP_ERR_PERMISSION);
    assert_non_null(strstr(err.msg, "not executable"));
    cfg.argv = ok;
    cfg.cwd = "/nonexistent-dir";
    assert_int_equal(mp_proc_spawn(&cfg, &p, &err), MP_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "/nonexistent-dir"));
    cfg.cwd = plain;
    assert_int_equal(mp_proc_spawn(&cfg, &p, &err), MP_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "not a directory"));
    cfg.cwd = NULL;
    cfg.argv = empty;
    assert_int_equal(mp_proc_spawn(&cfg, &p, &err), MP_ERR_INVALID_ARG);
    cfg.argv = ok;
    cfg.stdout_mode = MP_STDIO_FILE;
    cfg.stdout_path = "/nonexistent-dir/out.log";
    assert_int_equal(mp_proc_spawn(&cfg, &p, &err), MP_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/out.log"));
    unlink(plain);
    rmdir(dir);
}

static void spawn_puts_child_in_its_own_group(void **state)
{
    const char *argv[] = { "sleep", "30", NULL };
    mp_proc *p;
    (void)state;
    p = spawn_ok(argv, NULL, NULL);
    assert_int_equal(getpgid(mp_proc_pid(p)), mp_proc_pid(p));
    assert_int_not_equal(getpgid(mp_proc_pid(p)), getpgid(0));
    mp_proc_destroy(p);
}

/* ---- stop --------------------------------------------------------------------------------- */

static void stop_delivers_sigint_and_reports_it(void **state)
{
    const char *argv[] = { "sleep", "30", NULL };
    mp_proc_status st;
    mp_error err;
    mp_proc *p;
    pid_t pid;
    (void)state;
    p = spawn_ok(argv, NULL, NULL);
    pid = mp_proc_pid(p);
    assert_int_equal(mp_proc_stop(p, NULL, &st, &err), MP_OK);
    assert_int_equal(st.state, MP_PROC_SIGNALED);
    assert_int_equal(st.signal, SIGINT);
    assert_int_equal(st.stopped_by, SIGINT);
    assert_true(st.runtime < 5);
    mp_proc_destroy(p);
    /* Reaped: no zombie, and waitpid knows nothing of it any more. */
    assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

static void stop_lets_a_handler_exit_cleanly(void **state)
{
    const char *argv[] = { "sh", "-c", "trap 'exit 3' INT; echo ready; while :; do sleep 0.05; done",
                           NULL };
    char buf[16];
    size_t n;
    int eof;
    mp_proc_status st;
    mp_error err;
    mp_proc *p;
    (void)state;
    p = spawn_ok(argv, NULL, NULL);
    /* The trap must be set before the signal arrives. */
    assert_int_equal(mp_proc_read(p, 1, buf, sizeof buf, 5, &n, &eof, &err), MP_OK);
    assert_true(n > 0);
    assert_int_equal(mp_proc_stop(p, NULL, &st, &err), MP_OK);
    assert_int_equal(st.state, MP_PROC_EXITED);
    assert_int_equal(st.exit_code, 3);
    assert_int_equal(st.stopped_by, SIGINT);
    mp_proc_destroy(p);
}

static void stop_escalates_to_sigkill(void **state)
{
    const char *argv[] = { "sh", "-c", "trap '' INT TERM; echo ready; while :; do sleep 0.05; done",
                           NULL };
    mp_stop_config cfg = { 0.2, 0.2 };
    char buf[16];
    size_t n;
    int eof;
    mp_proc_status st;
    mp_error err;
    mp_proc *p;
    double t0;
    (void)state;
    p = spawn_ok(argv, NULL, NULL);
    assert_int_equal(mp_proc_read(p, 1, buf, sizeof buf, 5, &n, &eof, &err), MP_OK);
    t0 = mp_time_now();
    assert_int_equal(mp_proc_stop(p, &cfg, &st, &err), MP_OK);
    assert_true(mp_time_now() - t0 >= 0.39);
    assert_true(mp_time_now() - t0 < 3);
    assert_int_equal(st.state, MP_PROC_SIGNALED);
    assert_int_equal(st.signal, SIGKILL);
    assert_int_equal(st.stopped_by, SIGKILL);
    mp_proc_destroy(p);
}

static void stop_kills_what_the_child_left_in_its_group(void **state)
{
    /* A non-interactive sh runs `&` jobs with SIGINT ignored, and exits at once: the sleep
       would be orphaned. */
    const char *argv[] = { "sh", "-c", "sleep 30 >/dev/null & echo $!", NULL };
    mp_proc_status st;
    mp_error err;
    mp_proc *p;
    char *out;
    pid_t orphan;
    (void)state;
    p = spawn_ok(argv, NULL, NULL);
    out = read_all_stdout(p);
    orphan = (pid_t)atoi(out);
    MP_FREE(out);
    assert_true(orphan > 0);
    wait_end(p);
    assert_false(process_gone(orphan));
    assert_int_equal(mp_proc_stop(p, NULL, &st, &err), MP_OK);
    assert_true(st.group_killed);
    assert_true(wait_gone(orphan, 5));
    mp_proc_destroy(p);
}

static void destroy_kills_and_reaps_a_running_child(void **state)
{
    const char *argv[] = { "sleep", "30", NULL };
    mp_proc *p;
    pid_t pid;
    (void)state;
    p = spawn_ok(argv, NULL, NULL);
    pid = mp_proc_pid(p);
    mp_proc_destroy(p);
    assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
    assert_true(process_gone(pid));
}

static void wait_times_out_on_a_running_child(void **state)
{
    const char *argv[] = { "sleep", "30", NULL };
    mp_proc_status st;
    mp_error err;
    mp_proc *p;
    (void)state;
    p = spawn_ok(argv, NULL, NULL);
    assert_int_equal(mp_proc_wait(p, 0.05, &st, &err), MP_ERR_TIMEOUT);
    assert_int_equal(st.state, MP_PROC_RUNNING);
    assert_int_equal(mp_proc_poll(p, &st, &err), MP_OK);
    assert_int_equal(st.state, MP_PROC_RUNNING);
    mp_proc_destroy(p);
}

static void stop_ends_a_child_blocked_on_a_full_pipe(void **state)
{
    /* Nobody reads: `yes` fills the pipe and blocks in write(). */
    const char *argv[] = { "yes", "medprof", NULL };
    mp_proc_status st;
    mp_error err;
    mp_proc *p;
    (void)state;
    p = spawn_ok(argv, NULL, NULL);
    mp_time_sleep(0.1);
    assert_int_equal(mp_proc_stop(p, NULL, &st, &err), MP_OK);
    assert_int_equal(st.state, MP_PROC_SIGNALED);
    assert_int_equal(st.stopped_by, SIGINT);
    mp_proc_destroy(p);
}

static void a_child_that_closes_its_stdout_reads_as_eof(void **state)
{
    const char *argv[] = { "sh", "-c", "exec >&-; exec sleep 30", NULL };
    char buf[16];
    size_t n;
    int eof = 0;
    mp_proc_status st;
    mp_error err;
    mp_proc *p;
    (void)state;
    p = spawn_ok(argv, NULL, NULL);
    assert_int_equal(mp_proc_read(p, 1, buf, sizeof buf, 5, &n, &eof, &err), MP_OK);
    assert_int_equal(n, 0);
    assert_true(eof);
    assert_int_equal(mp_proc_poll(p, &st, &err), MP_OK);
    assert_int_equal(st.state, MP_PROC_RUNNING);
    assert_int_equal(mp_proc_stop(p, NULL, &st, &err), MP_OK);
    assert_int_equal(st.signal, SIGINT);
    mp_proc_destroy(p);
}

static void stopping_a_child_that_already_exited_sends_nothing(void **state)
{
    const char *argv[] = { "true", NULL };
    mp_proc_status st;
    mp_error err;
    mp_proc *p;
    (void)state;
    p = spawn_ok(argv, NULL, NULL);
    wait_end(p);
    assert_int_equal(mp_proc_stop(p, NULL, &st, &err), MP_OK);
    assert_int_equal(st.state, MP_PROC_EXITED);
    assert_int_equal(st.exit_code, 0);
    assert_int_equal(st.stopped_by, 0);
    assert_int_equal(mp_proc_signal(p, SIGTERM, &err), MP_ERR_CHILD_EXITED);
    mp_proc_destroy(p);
}

/* ---- wait_ready ------------------------------------------------------------------------- */

typedef struct responder {
    int fd;
    int port;
    const char *reply;
    pthread_t thread;
} responder;

static void *responder_main(void *arg)
{
    responder *r = (responder *)arg;
    for (;;) {
        char buf[1024];
        int c = accept(r->fd, NULL, NULL);
        if (c < 0) return NULL;
        if (recv(c, buf, sizeof buf, 0) > 0 && r->reply)
            if (send(c, r->reply, strlen(r->reply), MSG_NOSIGNAL) < 0) {}
        close(c);
    }
}

/* A loopback listener on a free port; reply NULL: accept and close. */
static void responder_start(responder *r, const char *reply)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int one = 1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(r->fd >= 0);
    setsockopt(r->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    assert_int_equal(bind(r->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(r->fd, 16), 0);
    getsockname(r->fd, (struct sockaddr *)&a, &len);
    r->port = ntohs(a.sin_port);
    r->reply = reply;
    assert_int_equal(pthread_create(&r->thread, NULL, responder_main, r), 0);
}

static void responder_stop(responder *r)
{
    shutdown(r->fd, SHUT_RDWR);
    close(r->fd);
    pthread_join(r->thread, NULL);
}

/* A port nobody listens on: bind one, note it, close it. */
static int unused_port(void)
{
    responder r;
    int port;
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r.fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(bind(r.fd, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(r.fd, (struct sockaddr *)&a, &len);
    port = ntohs(a.sin_port);
    close(r.fd);
    return port;
}

static void wait_ready_on_a_listening_port(void **state)
{
    const char *argv[] = { "sleep", "30", NULL };
    mp_ready_config cfg;
    responder r;
    mp_error err;
    mp_proc *p;
    (void)state;
    responder_start(&r, NULL);
    p = spawn_ok(argv, NULL, NULL);
    memset(&cfg, 0, sizeof cfg);
    cfg.port = r.port;
    cfg.timeout = 5;
    assert_int_equal(mp_proc_wait_ready(p, &cfg, &err), MP_OK);
    mp_proc_destroy(p);
    responder_stop(&r);
}

static void wait_ready_on_an_http_url(void **state)
{
    const char *argv[] = { "sleep", "30", NULL };
    char url[64];
    mp_ready_config cfg;
    responder ok, busy;
    mp_error err;
    mp_proc *p;
    double t0;
    (void)state;
    responder_start(&ok, "HTTP/1.1 204 No Content\r\n\r\n");
    responder_start(&busy, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
    p = spawn_ok(argv, NULL, NULL);
    memset(&cfg, 0, sizeof cfg);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/healthcheck", ok.port);
    cfg.url = url;
    cfg.timeout = 5;
    assert_int_equal(mp_proc_wait_ready(p, &cfg, &err), MP_OK);
    /* A 503 is "not yet": it keeps polling until the timeout and says what it saw. */
    snprintf(url, sizeof url, "http://localhost:%d/", busy.port);
    cfg.timeout = 0.3;
    t0 = mp_time_now();
    assert_int_equal(mp_proc_wait_ready(p, &cfg, &err), MP_ERR_TIMEOUT);
    assert_true(mp_time_now() - t0 < 2);
    assert_non_null(strstr(err.msg, "HTTP status 503"));
    mp_proc_destroy(p);
    responder_stop(&ok);
    responder_stop(&busy);
}

static void wait_ready_times_out_on_a_closed_port(void **state)
{
    const char *argv[] = { "sleep", "30", NULL };
    mp_ready_config cfg;
    mp_error err;
    mp_proc *p;
    (void)state;
    p = spawn_ok(argv, NULL, NULL);
    memset(&cfg, 0, sizeof cfg);
    cfg.port = unused_port();
    cfg.timeout = 0.3;
    assert_int_equal(mp_proc_wait_ready(p, &cfg, &err), MP_ERR_TIMEOUT);
    assert_non_null(strstr(err.msg, "Connection refused"));
    mp_proc_destroy(p);
}

static void wait_ready_fails_early_when_the_child_dies(void **state)
{
    const char *argv[] = { "sh", "-c", "sleep 0.1; exit 7", NULL };
    mp_ready_config cfg;
    mp_proc_status st;
    mp_error err;
    mp_proc *p;
    double t0;
    (void)state;
    p = spawn_ok(argv, NULL, NULL);
    memset(&cfg, 0, sizeof cfg);
    cfg.port = unused_port();
    cfg.timeout = 20;
    t0 = mp_time_now();
    assert_int_equal(mp_proc_wait_ready(p, &cfg, &err), MP_ERR_CHILD_EXITED);
    assert_true(mp_time_now() - t0 < 3);
    assert_non_null(strstr(err.msg, "exited with code 7"));
    mp_proc_ready_status(p, &st);
    assert_int_equal(st.state, MP_PROC_EXITED);
    assert_int_equal(st.exit_code, 7);
    mp_proc_destroy(p);
}

static void wait_ready_rejects_bad_targets(void **state)
{
    const char *argv[] = { "sleep", "30", NULL };
    mp_ready_config cfg;
    mp_error err;
    mp_proc *p;
    (void)state;
    p = spawn_ok(argv, NULL, NULL);
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(mp_proc_wait_ready(p, &cfg, &err), MP_ERR_INVALID_ARG);
    cfg.url = "https://127.0.0.1/";
    assert_int_equal(mp_proc_wait_ready(p, &cfg, &err), MP_ERR_UNSUPPORTED);
    cfg.url = "ftp://127.0.0.1/";
    assert_int_equal(mp_proc_wait_ready(p, &cfg, &err), MP_ERR_UNSUPPORTED);
    mp_proc_destroy(p);
}

/* ---- newfiles ----------------------------------------------------------------------------- */

static void touch(const char *dir, const char *name, time_t mtime)
{
    char path[256];
    struct timespec times[2];
    int fd;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    times[0].tv_sec = times[1].tv_sec = mtime;
    times[0].tv_nsec = times[1].tv_nsec = 0;
    assert_int_equal(futimens(fd, times), 0);
    close(fd);
}

static void newfiles_lists_matching_new_files_newest_first(void **state)
{
    char dir[] = "/tmp/mp-test-XXXXXX", path[256];
    const char *names[] = { "isolate-0x1-v8.log", "isolate-0x2-v8.log", "isolate-0x3-v8.log",
                            "other.log", "isolate-0x4-v8.log.txt" };
    time_t now = time(NULL);
    char **files;
    size_t n, i;
    mp_error err;
    (void)state;
    assert_non_null(mkdtemp(dir));
    touch(dir, names[0], now - 100); /* before the launch */
    touch(dir, names[1], now + 1);
    touch(dir, names[2], now + 2);
    touch(dir, names[3], now + 3);
    touch(dir, names[4], now + 3);
    assert_int_equal(mp_proc_newfiles(dir, "isolate-*-v8.log", (double)now, &files, &n, &err),
                     MP_OK);
    assert_int_equal(n, 2);
    snprintf(path, sizeof path, "%s/%s", dir, names[2]);
    assert_string_equal(files[0], path);
    snprintf(path, sizeof path, "%s/%s", dir, names[1]);
    assert_string_equal(files[1], path);
    assert_null(files[2]);
    mp_strlist_free(files, n);
    assert_int_equal(mp_proc_newfiles(dir, "isolate-*-v8.log", 0, &files, &n, &err), MP_OK);
    assert_int_equal(n, 3);
    mp_strlist_free(files, n);
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    assert_int_equal(mp_proc_newfiles("/nonexistent-dir", "*", 0, &files, &n, &err),
                     MP_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "/nonexistent-dir"));
}

/* ---- common ------------------------------------------------------------------------------- */

static void url_parse_cases(void **state)
{
    mp__url u;
    mp_error err;
    (void)state;
    assert_int_equal(mp__url_parse("http://localhost:8103/healthcheck", &u, &err), MP_OK);
    assert_string_equal(u.scheme, "http");
    assert_string_equal(u.host, "localhost");
    assert_int_equal(u.port, 8103);
    assert_string_equal(u.path, "/healthcheck");
    mp__url_free(&u);
    assert_int_equal(mp__url_parse("http://example.test?q=1", &u, &err), MP_OK);
    assert_int_equal(u.port, 80);
    assert_string_equal(u.path, "/?q=1");
    mp__url_free(&u);
    assert_int_equal(mp__url_parse("https://[::1]/x", &u, &err), MP_OK);
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 443);
    mp__url_free(&u);
    assert_int_equal(mp__url_parse("localhost:8103", &u, &err), MP_ERR_INVALID_ARG);
    assert_int_equal(mp__url_parse("http://:80/", &u, &err), MP_ERR_INVALID_ARG);
    assert_int_equal(mp__url_parse("http://h:99999/", &u, &err), MP_ERR_INVALID_ARG);
    assert_int_equal(mp__url_parse("http://h:8x/", &u, &err), MP_ERR_INVALID_ARG);
    assert_int_equal(mp__url_parse("http://[::1/", &u, &err), MP_ERR_INVALID_ARG);
    assert_int_equal(mp__url_parse("ws://h/", &u, &err), MP_ERR_UNSUPPORTED);
    assert_int_equal(mp__url_parse("http://user@h/", &u, &err), MP_ERR_UNSUPPORTED);
}

static void errors_have_names_and_long_messages_are_marked(void **state)
{
    mp_error err;
    char big[2000];
    (void)state;
    assert_string_equal(mp_err_name(MP_OK), "MP_ERR_OK");
    assert_string_equal(mp_err_name(MP_ERR_CHILD_EXITED), "MP_ERR_CHILD_EXITED");
    assert_string_equal(mp_err_str(MP_ERR_TIMEOUT), "timed out");
    assert_string_equal(mp_err_name((mp_err)999), "MP_ERR_UNKNOWN");
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    mp__fail(&err, MP_ERR_IO, 0, "%s", big);
    assert_int_equal(strlen(err.msg), sizeof err.msg - 1);
    assert_string_equal(err.msg + sizeof err.msg - 4, "...");
}

static void check_js_number(double x, const char *want)
{
    mp_buf b = { 0 };
    mp__buf_js_number(&b, x);
    assert_string_equal(b.data, want);
    mp_buf_free(&b);
}

static void check_js_fixed(double x, int digits, const char *want)
{
    mp_buf b = { 0 };
    mp__buf_js_fixed(&b, x, digits);
    assert_string_equal(b.data, want);
    mp_buf_free(&b);
}

/* Expected strings are what node v20 prints for String(x) and x.toFixed(d). */
static void js_number_formatting_matches_javascript(void **state)
{
    (void)state;
    check_js_number(58.6, "58.6");
    check_js_number(2000, "2000");
    check_js_number(0.1 + 0.2, "0.30000000000000004");
    check_js_number(1e21, "1e+21");
    check_js_number(1e-7, "1e-7");
    check_js_number(0.000001, "0.000001");
    check_js_number(-1.5, "-1.5");
    check_js_number(0.0 / 0.0, "NaN");
    check_js_number(1.0 / 0.0, "Infinity");
    check_js_fixed(12.25, 1, "12.3");  /* exact tie: JS rounds up, printf to even */
    check_js_fixed(49.0 * 100 / 400, 1, "12.3");
    check_js_fixed(0.05, 1, "0.1");    /* 0.05 is a little above 0.05 in binary */
    check_js_fixed(1.45, 1, "1.4");    /* and 1.45 a little below 1.45 */
    check_js_fixed(99.95, 1, "100.0");
    check_js_fixed(-0.04, 1, "-0.0");
    check_js_fixed(100, 1, "100.0");
    check_js_fixed(0.0 / 0.0, 1, "NaN");
    check_js_fixed(2.5, 0, "3");
}

static void json_strings_are_escaped_and_valid_utf8(void **state)
{
    mp_buf b = { 0 };
    (void)state;
    mp__buf_json_string(&b, "a\"b\\c\n<script>&\x01\xff\xc3\xa9", 19);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u003cscript\\u003e\\u0026\\u0001\\ufffd\xc3\xa9\"");
    mp_buf_free(&b);
}

static void buffers_grow_past_any_initial_size(void **state)
{
    mp_buf b = { 0 };
    char big[5000];
    int i;
    (void)state;
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    for (i = 0; i < 10; i++) mp_buf_printf(&b, "%d:%s|", i, big);
    assert_false(b.failed);
    assert_int_equal(b.len, 10 * (sizeof big - 1) + 10 * 3);
    assert_int_equal(strlen(b.data), b.len);
    mp_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spawn_true_and_false),
        cmocka_unit_test(spawn_passes_env_overrides_and_removals),
        cmocka_unit_test(spawn_uses_cwd_and_relative_program),
        cmocka_unit_test(spawn_sends_output_to_a_file),
        cmocka_unit_test(spawn_exclusive_never_overwrites),
        cmocka_unit_test(spawn_reports_bad_input_by_name),
        cmocka_unit_test(spawn_puts_child_in_its_own_group),
        cmocka_unit_test(stop_delivers_sigint_and_reports_it),
        cmocka_unit_test(stop_lets_a_handler_exit_cleanly),
        cmocka_unit_test(stop_escalates_to_sigkill),
        cmocka_unit_test(stop_kills_what_the_child_left_in_its_group),
        cmocka_unit_test(destroy_kills_and_reaps_a_running_child),
        cmocka_unit_test(wait_times_out_on_a_running_child),
        cmocka_unit_test(stop_ends_a_child_blocked_on_a_full_pipe),
        cmocka_unit_test(a_child_that_closes_its_stdout_reads_as_eof),
        cmocka_unit_test(stopping_a_child_that_already_exited_sends_nothing),
        cmocka_unit_test(wait_ready_on_a_listening_port),
        cmocka_unit_test(wait_ready_on_an_http_url),
        cmocka_unit_test(wait_ready_times_out_on_a_closed_port),
        cmocka_unit_test(wait_ready_fails_early_when_the_child_dies),
        cmocka_unit_test(wait_ready_rejects_bad_targets),
        cmocka_unit_test(newfiles_lists_matching_new_files_newest_first),
        cmocka_unit_test(url_parse_cases),
        cmocka_unit_test(errors_have_names_and_long_messages_are_marked),
        cmocka_unit_test(js_number_formatting_matches_javascript),
        cmocka_unit_test(json_strings_are_escaped_and_valid_utf8),
        cmocka_unit_test(buffers_grow_past_any_initial_size),
    };
    return run_suite(tests, NULL, NULL);
}
