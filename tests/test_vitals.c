/* test_vitals.c - the vitals part: the /proc sampler against children that burn CPU, sleep,
   allocate, start threads and open files (checked against /proc read here, independently),
   a child that dies while sampled, a tree of processes, the preload's pipe and its lines,
   and the descriptor mp_proc_spawn passes. The children are this binary, run again with a
   role as its first argument (see main). Allocations go through cmocka's checked allocator
   (behind a mutex: the sampler is a thread of its own), so a leak fails the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "suite.h"

#include <pthread.h>

static pthread_mutex_t alloc_mu = PTHREAD_MUTEX_INITIALIZER;
static void *locked_malloc(size_t n, const char *file, int line)
{
    void *p;
    pthread_mutex_lock(&alloc_mu);
    p = _test_malloc(n, file, line);
    pthread_mutex_unlock(&alloc_mu);
    return p;
}
static void *locked_realloc(void *q, size_t n, const char *file, int line)
{
    void *p;
    pthread_mutex_lock(&alloc_mu);
    p = _test_realloc(q, n, file, line);
    pthread_mutex_unlock(&alloc_mu);
    return p;
}
static void locked_free(void *p, const char *file, int line)
{
    pthread_mutex_lock(&alloc_mu);
    _test_free(p, file, line);
    pthread_mutex_unlock(&alloc_mu);
}
#define MP_MALLOC(sz) locked_malloc(sz, __FILE__, __LINE__)
#define MP_REALLOC(p, sz) locked_realloc(p, sz, __FILE__, __LINE__)
#define MP_FREE(p) locked_free(p, __FILE__, __LINE__)
#define MEDPROF_IMPLEMENTATION
#include "medprof.h"

static char self_exe[4096]; /* this binary, for the children */

/* ---- the children ------------------------------------------------------------------------- */

static void child_burn(void)
{
    volatile uint64_t x = 0;
    for (;;) x++;
}

/* Sleeps 0.4 s, then allocates and touches 200 MB, then sleeps. */
static void child_alloc(void)
{
    size_t n = (size_t)200 << 20, i;
    char *p;
    mp_time_sleep(0.4);
    if (!(p = (char *)malloc(n))) _exit(2);
    for (i = 0; i < n; i += 4096) p[i] = (char)i;
    for (;;) mp_time_sleep(1);
}

static void *child_thread(void *arg)
{
    (void)arg;
    for (;;) mp_time_sleep(1);
    return NULL;
}

/* 5 more threads and 7 more descriptors, then sleeps. */
static void child_threads(void)
{
    pthread_t t;
    int i;
    for (i = 0; i < 5; i++)
        if (pthread_create(&t, NULL, child_thread, NULL) != 0) _exit(2);
    for (i = 0; i < 7; i++)
        if (open("/dev/null", O_RDONLY) < 0) _exit(2);
    for (;;) mp_time_sleep(1);
}

/* ---- helpers ------------------------------------------------------------------------------ */

static mp_proc *spawn_argv(const char *const *argv, int pass_fd)
{
    mp_proc_config cfg;
    mp_proc *p = NULL;
    mp_error err;
    memset(&cfg, 0, sizeof cfg);
    cfg.argv = argv;
    if (pass_fd >= 0) {
        cfg.pass_fd = pass_fd;
        cfg.pass_fd_as = 3;
    }
    if (mp_proc_spawn(&cfg, &p, &err) != MP_OK) fail_msg("spawn: %s", err.msg);
    return p;
}

static mp_proc *spawn_role(const char *role)
{
    const char *argv[] = { self_exe, role, NULL };
    return spawn_argv(argv, -1);
}

static mp_proc *spawn_sh(const char *script, int pass_fd)
{
    const char *argv[] = { "sh", "-c", script, NULL };
    return spawn_argv(argv, pass_fd);
}

static mp_vitals *start(int pid, double interval, int read_fd)
{
    mp_vitals_config cfg;
    mp_vitals *v = NULL;
    mp_error err;
    memset(&cfg, 0, sizeof cfg);
    cfg.pid = pid;
    cfg.interval = interval;
    cfg.read_fd = read_fd;
    if (mp_vitals_start(&cfg, &v, &err) != MP_OK) fail_msg("vitals: %s", err.msg);
    return v;
}

static mp_vitals_sample sample_at(mp_vitals *v, size_t i)
{
    mp_vitals_sample s;
    mp_error err;
    assert_int_equal(mp_vitals_at(v, i, &s, &err), MP_OK);
    return s;
}

static void stop_ok(mp_vitals *v)
{
    mp_error err;
    assert_int_equal(mp_vitals_stop(v, &err), MP_OK);
}

/* utime + stime of pid in seconds, read here without the library. */
static double cpu_seconds(int pid)
{
    char path[64], buf[2048];
    unsigned long long ut = 0, st = 0;
    FILE *f;
    size_t n;
    char *r;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    if (!(f = fopen(path, "r"))) return -1;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    r = strrchr(buf, ')');
    assert_non_null(r);
    /* after ") S": ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    assert_int_equal(sscanf(r + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                            &ut, &st), 2);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Entries of a /proc directory other than . and .. */
static int count_dir(int pid, const char *sub)
{
    char path[64];
    struct dirent *de;
    DIR *d;
    int n = 0;
    snprintf(path, sizeof path, "/proc/%d/%s", pid, sub);
    assert_non_null(d = opendir(path));
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static void wait_samples(mp_vitals *v, size_t n, double limit)
{
    double deadline = mp_time_now() + limit;
    while (mp_vitals_count(v) < n && mp_time_now() < deadline) mp_time_sleep(0.02);
    assert_true(mp_vitals_count(v) >= n);
}

static void stop_proc(mp_proc *p)
{
    mp_stop_config sc = { 2, 1 };
    mp_proc_status st;
    mp_proc_stop(p, &sc, &st, NULL);
    mp_proc_destroy(p);
}

/* Samples [from, count) averaged: cpu_user + cpu_sys, tree too. */
static void mean_cpu(mp_vitals *v, size_t from, double *cpu, double *tree)
{
    size_t n = mp_vitals_count(v), i;
    *cpu = *tree = 0;
    assert_true(n > from);
    for (i = from; i < n; i++) {
        mp_vitals_sample s = sample_at(v, i);
        *cpu += (s.cpu_user + s.cpu_sys) * s.interval;
        *tree += (s.tree_cpu_user + s.tree_cpu_sys) * s.interval;
    }
    {
        mp_vitals_sample a = sample_at(v, from), b = sample_at(v, n - 1);
        double span = b.t - a.t + a.interval;
        *cpu /= span;
        *tree /= span;
    }
}

/* ---- CPU ---------------------------------------------------------------------------------- */

/* A child that burns a core shows 100 % of one, as /proc says when read here over the same
   span (on a busy machine it may get less: the two must agree within 15 points). */
static void test_cpu_of_a_burning_child(void **state)
{
    mp_proc *p = spawn_role("child-burn");
    mp_vitals *v = start(mp_proc_pid(p), 0.1, 0);
    double c0, c1, t0, t1, cpu, tree, truth;
    size_t i, n;
    (void)state;
    wait_samples(v, 2, 5);
    c0 = cpu_seconds(mp_proc_pid(p));
    t0 = sample_at(v, 1).t;
    wait_samples(v, 17, 5);
    stop_ok(v);
    n = mp_vitals_count(v);
    t1 = sample_at(v, n - 1).t;
    c1 = cpu_seconds(mp_proc_pid(p));
    truth = (c1 - c0) / (t1 - t0) * 100;
    mean_cpu(v, 2, &cpu, &tree);
    print_message("burning child: sampled %.1f %% of a core, /proc %.1f %%\n", cpu, truth);
    assert_true(fabs(cpu - truth) <= 15);
    if (truth >= 85) assert_true(cpu >= 85 && cpu <= 115);
    assert_true(fabs(tree - cpu) < 1e-6); /* no children */
    for (i = 0; i < n; i++) {
        mp_vitals_sample s = sample_at(v, i);
        assert_true(s.interval > 0.05 && s.interval < 0.5);
        assert_int_equal(s.processes, 1);
        assert_int_equal(s.has_node, 0);
        assert_true(isnan(s.node.eld_p99_ms));
        /* two files read a moment apart, each exact to a clock tick (0.01 s) */
        assert_true(s.cpu_main <= s.cpu_user + s.cpu_sys + 1.0 / s.interval + 1e-9);
        if (i) assert_true(s.t > sample_at(v, i - 1).t);
    }
    mp_vitals_free(v);
    stop_proc(p);
}

static void test_cpu_of_a_sleeping_child(void **state)
{
    mp_proc *p = spawn_role("child-sleep");
    mp_vitals *v = start(mp_proc_pid(p), 0.1, 0);
    double cpu, tree;
    (void)state;
    wait_samples(v, 10, 5);
    stop_ok(v);
    mean_cpu(v, 1, &cpu, &tree);
    print_message("sleeping child: %.1f %% of a core\n", cpu);
    assert_true(cpu < 5);
    mp_vitals_free(v);
    stop_proc(p);
}

/* The tree: sh, a burner under it and a sleep; the burner's CPU is the tree's, not sh's. */
static void test_tree_counts_descendants(void **state)
{
    char script[4200];
    mp_proc *p;
    mp_vitals *v;
    mp_vitals_sample s;
    double cpu, tree;
    (void)state;
    snprintf(script, sizeof script, "'%s' child-burn & sleep 30 & wait", self_exe);
    p = spawn_sh(script, -1);
    mp_time_sleep(0.2); /* both started: the first scan of /proc sees them */
    v = start(mp_proc_pid(p), 0.1, 0);
    wait_samples(v, 12, 5);
    stop_ok(v);
    s = sample_at(v, mp_vitals_count(v) - 1);
    assert_int_equal(s.processes, 3);
    assert_true(s.tree_threads >= 3);
    assert_true(s.tree_rss_bytes > s.rss_bytes);
    assert_true(s.tree_fds >= s.fds);
    mean_cpu(v, 2, &cpu, &tree);
    print_message("tree: sh %.1f %%, tree %.1f %%\n", cpu, tree);
    assert_true(cpu < 10);
    assert_true(tree > 50);
    mp_vitals_free(v);
    stop_proc(p);
}

/* ---- memory, threads, descriptors, context switches -------------------------------------- */

static void test_rss_of_a_child_that_allocates(void **state)
{
    mp_proc *p = spawn_role("child-alloc");
    mp_vitals *v = start(mp_proc_pid(p), 0.1, 0);
    uint64_t first, top = 0;
    size_t i, n;
    double deadline = mp_time_now() + 10;
    (void)state;
    wait_samples(v, 1, 5);
    first = sample_at(v, 0).rss_bytes;
    while (top < first + ((uint64_t)190 << 20) && mp_time_now() < deadline) {
        mp_time_sleep(0.1);
        n = mp_vitals_count(v);
        for (i = 0; i < n; i++)
            if (sample_at(v, i).rss_bytes > top) top = sample_at(v, i).rss_bytes;
    }
    stop_ok(v);
    print_message("rss: %.1f MB, then %.1f MB\n", (double)first / 1048576, (double)top / 1048576);
    assert_true(first < ((uint64_t)100 << 20));
    assert_true(top >= first + ((uint64_t)190 << 20));
    mp_vitals_free(v);
    stop_proc(p);
}

static void test_threads_and_fds_match_proc(void **state)
{
    mp_proc *p = spawn_role("child-threads");
    int pid = mp_proc_pid(p);
    mp_vitals *v;
    mp_vitals_sample s;
    int threads, fds;
    (void)state;
    mp_time_sleep(0.3);
    threads = count_dir(pid, "task");
    fds = count_dir(pid, "fd");
    v = start(pid, 0.1, 0);
    wait_samples(v, 2, 5);
    stop_ok(v);
    s = sample_at(v, 1);
    print_message("threads %d (proc %d), fds %d (proc %d)\n", s.threads, threads, s.fds, fds);
    assert_true(threads >= 6); /* 1 + 5, and a sanitizer's own thread (TSan has one) */
    assert_int_equal(s.threads, threads);
    assert_int_equal(s.fds, fds);
    assert_true(fds >= 10);
    assert_int_equal(s.tree_threads, threads);
    assert_int_equal(s.tree_fds, fds);
    assert_true(s.rss_bytes > 0);
    mp_vitals_free(v);
    stop_proc(p);
}

/* A child that sleeps 10 ms at a time switches voluntarily about 10 times per 0.1 s. */
static void test_context_switches_are_per_interval(void **state)
{
    mp_proc *p = spawn_role("child-tick");
    mp_vitals *v = start(mp_proc_pid(p), 0.1, 0);
    uint64_t sum = 0;
    size_t i, n;
    (void)state;
    wait_samples(v, 11, 5);
    stop_ok(v);
    n = mp_vitals_count(v);
    for (i = 1; i < n; i++) sum += sample_at(v, i).ctx_voluntary;
    print_message("voluntary switches: %.1f per sample\n", (double)sum / (double)(n - 1));
    assert_true(sum / (n - 1) >= 4 && sum / (n - 1) <= 12);
    mp_vitals_free(v);
    stop_proc(p);
}

/* ---- the end of the process --------------------------------------------------------------- */

static void test_child_that_dies_keeps_its_samples(void **state)
{
    mp_proc *p = spawn_sh("sleep 0.6; exit 3", -1);
    mp_vitals *v = start(mp_proc_pid(p), 0.1, 0);
    mp_vitals_status st;
    double deadline = mp_time_now() + 5, died;
    size_t n;
    mp_proc_status ps;
    mp_error err;
    (void)state;
    do {
        mp_time_sleep(0.05);
        mp_vitals_status_get(v, &st);
    } while (st.running && mp_time_now() < deadline);
    died = mp_time_now();
    assert_false(st.running); /* it stopped by itself */
    assert_true(st.ended);
    n = mp_vitals_count(v);
    assert_int_equal(st.samples, n);
    assert_true(n >= 3 && n <= 8);
    assert_true(st.ended_at >= sample_at(v, n - 1).t);
    assert_true(st.ended_at <= died);
    assert_int_equal(mp_vitals_stop(v, &err), MP_OK); /* after the end, still fine */
    assert_int_equal(mp_vitals_stop(v, &err), MP_OK);
    assert_int_equal(mp_vitals_count(v), n);
    mp_vitals_free(v);
    assert_int_equal(mp_proc_wait(p, 5, &ps, &err), MP_OK);
    assert_int_equal(ps.exit_code, 3);
    mp_proc_destroy(p);
}

static void test_start_errors(void **state)
{
    mp_vitals_config cfg;
    mp_vitals *v = (mp_vitals *)&cfg;
    mp_error err;
    mp_proc *p;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(mp_vitals_start(&cfg, &v, &err), MP_ERR_INVALID_ARG);
    assert_null(v);
    cfg.pid = 0x3FFFFFFF; /* above pid_max */
    assert_int_equal(mp_vitals_start(&cfg, &v, &err), MP_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "no process"));
    cfg.pid = getpid();
    cfg.interval = -1;
    assert_int_equal(mp_vitals_start(&cfg, &v, &err), MP_ERR_INVALID_ARG);
    cfg.interval = 0;
    cfg.read_fd = 1000; /* not open */
    assert_int_equal(mp_vitals_start(&cfg, &v, &err), MP_ERR_INVALID_ARG);
    cfg.read_fd = 0;
    /* a zombie: ended, not missing */
    p = spawn_sh("exit 0", -1);
    mp_time_sleep(0.3);
    cfg.pid = mp_proc_pid(p);
    assert_int_equal(mp_vitals_start(&cfg, &v, &err), MP_ERR_CHILD_EXITED);
    mp_proc_destroy(p);
    mp_vitals_free(NULL);
}

/* Reads while the sampler runs see it grow; sample past the end is refused. */
static void test_reads_while_running(void **state)
{
    mp_vitals *v = start(getpid(), 0.02, 0);
    mp_vitals_sample s;
    mp_vitals_status st;
    mp_error err;
    size_t a, b;
    (void)state;
    wait_samples(v, 2, 5);
    a = mp_vitals_count(v);
    mp_time_sleep(0.2);
    b = mp_vitals_count(v);
    assert_true(b > a);
    mp_vitals_status_get(v, &st);
    assert_true(st.running);
    assert_false(st.ended);
    assert_int_equal(mp_vitals_at(v, 1000000, &s, &err), MP_ERR_INVALID_ARG);
    stop_ok(v);
    mp_vitals_status_get(v, &st);
    assert_false(st.running);
    assert_false(st.ended);
    /* this process has the sampler's thread too */
    assert_true(sample_at(v, 0).threads >= 2);
    mp_vitals_free(v);
}

/* ---- the preload's pipe ------------------------------------------------------------------- */

static void test_pipe_lines_reach_the_samples(void **state)
{
    int fds[2];
    mp_error err;
    mp_proc *p;
    mp_vitals *v;
    mp_vitals_status st;
    mp_vitals_mark m;
    mp_vitals_sample s, first;
    (void)state;
    assert_int_equal(mp_vitals_pipe(fds, &err), MP_OK);
    assert_true(fcntl(fds[0], F_GETFL) & O_NONBLOCK);
    assert_true(fcntl(fds[1], F_GETFL) & O_NONBLOCK);
    assert_true(fcntl(fds[1], F_GETFD) & FD_CLOEXEC);
    /* a line cut in two writes, a bad one, a mark, then a sample after a pause */
    p = spawn_sh("sleep 0.25; printf 'medprof-vitals 1 mark 1 5 6\\nmedprof-vi' >&3; sleep 0.25;"
                 " printf 'tals 1 sample 123000000000 1.5 2.25 30 1000 2000 7\\ngarbage\\n' >&3;"
                 " sleep 0.3; printf 'medprof-vitals 1 sample 124000000000 - - - 1 2 -\\n"
                 "medprof-vitals 1 sample 1' >&3; sleep 0.3", fds[1]);
    close(fds[1]);
    v = start(mp_proc_pid(p), 0.05, fds[0]);
    close(fds[0]); /* the sampler has its own */
    do {
        mp_time_sleep(0.05);
        mp_vitals_status_get(v, &st);
    } while (st.running);
    assert_true(st.ended);
    assert_true(st.pipe_closed);
    assert_int_equal(st.node_lines, 3);
    assert_int_equal(st.bad_lines, 2); /* garbage, and the last line cut off by the end */
    assert_int_equal(mp_vitals_mark_count(v), 1);
    assert_int_equal(mp_vitals_mark_at(v, 0, &m, &err), MP_OK);
    assert_int_equal(m.seq, 1);
    assert_int_equal(m.t0_ns, 5);
    assert_int_equal(m.t1_ns, 6);
    assert_int_equal(mp_vitals_mark_at(v, 1, &m, &err), MP_ERR_INVALID_ARG);
    first = sample_at(v, 0);
    assert_false(first.has_node);
    {
        size_t i, n = mp_vitals_count(v), fresh = 0;
        int seen = 0;
        for (i = 0; i < n; i++) {
            s = sample_at(v, i);
            fresh += (size_t)s.node_fresh;
            if (s.has_node && s.node.t == 123) {
                seen = 1;
                assert_true(s.node.eld_p50_ms == 1.5);
                assert_true(s.node.eld_p99_ms == 2.25);
                assert_true(s.node.eld_max_ms == 30);
                assert_true(s.node.heap_used_bytes == 1000);
                assert_true(s.node.heap_total_bytes == 2000);
                assert_true(s.node.active_handles == 7);
            }
        }
        assert_true(seen);
        assert_int_equal(fresh, 2);
        s = sample_at(v, n - 1);
        assert_true(s.has_node);
        assert_true(s.node.t == 124);
        assert_true(isnan(s.node.eld_p99_ms) && isnan(s.node.active_handles));
        assert_true(s.node.heap_total_bytes == 2);
    }
    mp_vitals_free(v);
    mp_proc_destroy(p);
}

/* A line longer than any the preload writes is dropped, once, and the next one is read. */
static void test_pipe_too_long_line(void **state)
{
    int fds[2];
    mp_error err;
    mp_proc *p;
    mp_vitals *v;
    mp_vitals_status st;
    (void)state;
    assert_int_equal(mp_vitals_pipe(fds, &err), MP_OK);
    p = spawn_sh("head -c 20000 /dev/zero | tr '\\0' x >&3; printf '\\nmedprof-vitals 1 mark 2 1"
                 " 1\\n' >&3; sleep 0.3", fds[1]);
    close(fds[1]);
    v = start(mp_proc_pid(p), 0.05, fds[0]);
    do {
        mp_time_sleep(0.05);
        mp_vitals_status_get(v, &st);
    } while (st.running);
    assert_int_equal(st.bad_lines, 1);
    assert_int_equal(st.marks, 1);
    mp_vitals_free(v);
    close(fds[0]);
    mp_proc_destroy(p);
}

static void test_preload_text_and_file(void **state)
{
    const char *js = mp_vitals_preload_js();
    char path[] = "/tmp/medprof-test-vitals-XXXXXX";
    char buf[65536];
    mp_error err;
    ssize_t n;
    int fd;
    (void)state;
    assert_non_null(strstr(js, "process.env." MP_VITALS_FD_ENV));
    assert_non_null(strstr(js, "__medprof_mark_"));
    assert_non_null(strstr(js, "'medprof-vitals 1 sample '"));
    assert_null(strstr(js, "??"));
    assert_true((fd = mkstemp(path)) >= 0);
    close(fd);
    assert_int_equal(mp_vitals_write_preload(path, &err), MP_OK);
    fd = open(path, O_RDONLY);
    n = read(fd, buf, sizeof buf);
    close(fd);
    unlink(path);
    assert_int_equal((size_t)n, strlen(js));
    assert_memory_equal(buf, js, (size_t)n);
    assert_int_equal(mp_vitals_write_preload("/nonexistent-dir/x.js", &err), MP_ERR_NOT_FOUND);
}

/* ---- mp_proc_spawn's passed descriptor --------------------------------------------------- */

/* The child has it at the number asked for, even where that number is taken in the parent
   by another descriptor; the descriptor next to it, close-on-exec here, it does not have. */
static void test_spawn_passes_one_descriptor(void **state)
{
    const char *argv[] = { "sh", "-c", "echo passed >&7; [ -e /proc/self/fd/8 ] && echo 8",
                           NULL };
    mp_proc_config cfg;
    mp_proc *p;
    mp_error err;
    mp_proc_status st;
    int fds[2], null;
    char buf[64];
    ssize_t n;
    (void)state;
    assert_int_equal(pipe(fds), 0);
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    /* 7 and 8 in use here, close-on-exec: the child's 7 must come from the dup (dash reads
       one digit after >&) */
    assert_true((null = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
    assert_int_equal(dup2(null, 7), 7);
    assert_int_equal(dup2(null, 8), 8);
    fcntl(7, F_SETFD, FD_CLOEXEC);
    fcntl(8, F_SETFD, FD_CLOEXEC);
    memset(&cfg, 0, sizeof cfg);
    cfg.argv = argv;
    cfg.stdout_mode = MP_STDIO_PIPE;
    cfg.pass_fd = fds[1];
    cfg.pass_fd_as = 7;
    assert_int_equal(mp_proc_spawn(&cfg, &p, &err), MP_OK);
    close(fds[1]);
    assert_int_equal(mp_proc_wait(p, 5, &st, &err), MP_OK);
    n = read(fds[0], buf, sizeof buf - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_string_equal(buf, "passed\n");
    assert_true(fcntl(fds[0], F_GETFD) >= 0); /* ours stay open */
    assert_true(fcntl(7, F_GETFD) & FD_CLOEXEC);
    close(fds[0]);
    mp_proc_destroy(p);
    close(7);
    close(8);
    close(null);

    memset(&cfg, 0, sizeof cfg);
    cfg.argv = argv;
    cfg.pass_fd = 1;
    cfg.pass_fd_as = 2;
    assert_int_equal(mp_proc_spawn(&cfg, &p, &err), MP_ERR_INVALID_ARG);
    cfg.pass_fd_as = -3;
    assert_int_equal(mp_proc_spawn(&cfg, &p, &err), MP_ERR_INVALID_ARG);
    cfg.pass_fd = 999;
    cfg.pass_fd_as = 3;
    assert_int_equal(mp_proc_spawn(&cfg, &p, &err), MP_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "999"));
}

/* ---- mp_vitals_parse_line ----------------------------------------------------------------- */

static void test_parse_good_lines(void **state)
{
    mp_vitals_line l;
    mp_error err;
    const char *s = "medprof-vitals 1 sample 7423504167599 0.191 12.5 40.000 4031440 4694016 3";
    (void)state;
    assert_int_equal(mp_vitals_parse_line(s, strlen(s), &l, &err), MP_OK);
    assert_int_equal(l.kind, MP_VITALS_LINE_SAMPLE);
    assert_true(fabs(l.sample.t - 7423.504167599) < 1e-9);
    assert_true(fabs(l.sample.eld_p50_ms - 0.191) < 1e-12);
    assert_true(l.sample.eld_p99_ms == 12.5);
    assert_true(l.sample.eld_max_ms == 40);
    assert_true(l.sample.heap_used_bytes == 4031440);
    assert_true(l.sample.heap_total_bytes == 4694016);
    assert_true(l.sample.active_handles == 3);
    s = "medprof-vitals 1 sample 1 - - - 5 6 -\n";
    assert_int_equal(mp_vitals_parse_line(s, strlen(s), &l, &err), MP_OK);
    assert_true(isnan(l.sample.eld_p50_ms) && isnan(l.sample.active_handles));
    s = "medprof-vitals 1 mark 1 7423504167599 7423504234329";
    assert_int_equal(mp_vitals_parse_line(s, strlen(s), &l, &err), MP_OK);
    assert_int_equal(l.kind, MP_VITALS_LINE_MARK);
    assert_int_equal(l.mark.seq, 1);
    assert_true(l.mark.t0_ns == 7423504167599ull && l.mark.t1_ns == 7423504234329ull);
    s = "medprof-vitals 1 mark 18446744073709551615 18446744073709551615 18446744073709551615";
    assert_int_equal(mp_vitals_parse_line(s, strlen(s), &l, &err), MP_OK);
    assert_true(l.mark.t1_ns == UINT64_MAX);
    /* the length given, not the NUL, ends the line */
    s = "medprof-vitals 1 mark 1 2 3 trailing";
    assert_int_equal(mp_vitals_parse_line(s, strlen(s) - 9, &l, &err), MP_OK);
}

static void test_parse_bad_lines(void **state)
{
    static const struct { const char *line; mp_err code; } bad[] = {
        { "", MP_ERR_PARSE },
        { "\n", MP_ERR_PARSE },
        { "medprof-vitals", MP_ERR_PARSE },
        { "medprof-vitals 1", MP_ERR_PARSE },
        { "medprof-vital 1 mark 1 2 3", MP_ERR_PARSE },
        { "medprof-vitals x mark 1 2 3", MP_ERR_PARSE },
        { "medprof-vitals 2 mark 1 2 3", MP_ERR_UNSUPPORTED },
        { "medprof-vitals 01 mark 1 2 3", MP_ERR_UNSUPPORTED },
        { "medprof-vitals 1 gc 1 2 3", MP_ERR_UNSUPPORTED },
        { "medprof-vitals 1 mark 1 2", MP_ERR_PARSE },
        { "medprof-vitals 1 mark 1 2 3 4", MP_ERR_PARSE },
        { "medprof-vitals 1 mark 1 3 2", MP_ERR_PARSE },         /* ends before it starts */
        { "medprof-vitals 1 mark -1 2 3", MP_ERR_PARSE },
        { "medprof-vitals 1 mark 1 2 18446744073709551616", MP_ERR_PARSE },
        { "medprof-vitals 1 mark 1 2 3 ", MP_ERR_PARSE },
        { "medprof-vitals  1 mark 1 2 3", MP_ERR_PARSE },
        { " medprof-vitals 1 mark 1 2 3", MP_ERR_PARSE },
        { "medprof-vitals 1 mark 1 2 3\r", MP_ERR_PARSE },
        { "medprof-vitals 1 sample 1 2 3 4 5 6", MP_ERR_PARSE },
        { "medprof-vitals 1 sample 1 2 3 4 5 6 7 8", MP_ERR_PARSE },
        { "medprof-vitals 1 sample - 2 3 4 5 6 7", MP_ERR_PARSE },   /* the time is needed */
        { "medprof-vitals 1 sample 1 inf 3 4 5 6 7", MP_ERR_PARSE },
        { "medprof-vitals 1 sample 1 nan 3 4 5 6 7", MP_ERR_PARSE },
        { "medprof-vitals 1 sample 1 0x10 3 4 5 6 7", MP_ERR_PARSE },
        { "medprof-vitals 1 sample 1 1e3 3 4 5 6 7", MP_ERR_PARSE },
        { "medprof-vitals 1 sample 1 -2 3 4 5 6 7", MP_ERR_PARSE },
        { "medprof-vitals 1 sample 1 .5 3 4 5 6 7", MP_ERR_PARSE },
        { "medprof-vitals 1 sample 1 5. 3 4 5 6 7", MP_ERR_PARSE },
        { "medprof-vitals 1 sample 1 2 3 4 5 6 7x", MP_ERR_PARSE },
        { "medprof-vitals 1 sample 1 2 3 4 5 6 --", MP_ERR_PARSE },
        { "medprof-vitals 1 sample 1 123456789012345678901 3 4 5 6 7", MP_ERR_PARSE },
    };
    size_t i;
    mp_vitals_line l;
    mp_error err;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mp_err got = mp_vitals_parse_line(bad[i].line, strlen(bad[i].line), &l, &err);
        if (got != bad[i].code)
            fail_msg("line %zu \"%s\": %s, expected %s", i, bad[i].line, mp_err_name(got),
                     mp_err_name(bad[i].code));
        assert_non_null(strstr(err.msg, "vitals"));
    }
    assert_int_equal(mp_vitals_parse_line("medprof-vitals 1 mark 1 2 3", 10, &l, NULL),
                     MP_ERR_PARSE);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good_lines),
        cmocka_unit_test(test_parse_bad_lines),
        cmocka_unit_test(test_preload_text_and_file),
        cmocka_unit_test(test_spawn_passes_one_descriptor),
        cmocka_unit_test(test_start_errors),
        cmocka_unit_test(test_reads_while_running),
        cmocka_unit_test(test_cpu_of_a_burning_child),
        cmocka_unit_test(test_cpu_of_a_sleeping_child),
        cmocka_unit_test(test_tree_counts_descendants),
        cmocka_unit_test(test_rss_of_a_child_that_allocates),
        cmocka_unit_test(test_threads_and_fds_match_proc),
        cmocka_unit_test(test_context_switches_are_per_interval),
        cmocka_unit_test(test_child_that_dies_keeps_its_samples),
        cmocka_unit_test(test_pipe_lines_reach_the_samples),
        cmocka_unit_test(test_pipe_too_long_line),
    };
    if (argc > 1) {
        if (strcmp(argv[1], "child-burn") == 0) child_burn();
        if (strcmp(argv[1], "child-alloc") == 0) child_alloc();
        if (strcmp(argv[1], "child-threads") == 0) child_threads();
        if (strcmp(argv[1], "child-sleep") == 0) for (;;) mp_time_sleep(1);
        if (strcmp(argv[1], "child-tick") == 0) for (;;) mp_time_sleep(0.01);
        return 2;
    }
    {
        ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
        if (n <= 0 || (size_t)n >= sizeof self_exe - 1) return 1;
        self_exe[n] = '\0';
    }
    return run_suite(tests, NULL, NULL);
}
