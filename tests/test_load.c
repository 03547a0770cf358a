/* test_load.c - the load part: response parser, histogram, reports, JSON, merge, and the
   engine against tests/servers/hostile (started per test, stopped by pid). */
#define MEDPROF_IMPLEMENTATION
#include "medprof.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static char hostile_path[1024];

/* ---- parser --------------------------------------------------------------------------- */

/* Feeds text in pieces cut at the given sizes (0: all at once); returns the parser result
   and how many bytes belonged to the response. */
static int feed_split(mp__hp *hp, const char *text, size_t len, size_t cut, size_t *used_total)
{
    size_t off = 0;
    int rc = MP__HP_MORE;
    *used_total = 0;
    while (off < len && rc == MP__HP_MORE) {
        size_t n = cut && cut < len - off ? cut : len - off, used;
        rc = mp__hp_feed(hp, text + off, n, &used);
        *used_total += used;
        off += n;
    }
    return rc;
}

static const char chunked_resp[] =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nX-Long: "
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "\r\n\r\n"
    "5;ext=\"x\"\r\nhello\r\nA\r\n0123456789\r\n0\r\nTrailer: t\r\n\r\n";

static void test_parser_chunked_every_split(void **state)
{
    size_t len = strlen(chunked_resp), i, used;
    (void)state;
    for (i = 0; i <= len; i++) {
        mp__hp hp;
        size_t u1 = 0, u2 = 0;
        int rc;
        mp__hp_reset(&hp, 0);
        rc = mp__hp_feed(&hp, chunked_resp, i, &u1);
        if (rc == MP__HP_MORE) rc = mp__hp_feed(&hp, chunked_resp + i, len - i, &u2);
        assert_int_equal(rc, MP__HP_COMPLETE);
        assert_int_equal(u1 + u2, len);
        assert_int_equal(hp.status, 200);
        assert_int_equal(hp.body_bytes, 15);
        assert_true(hp.keep_alive);
    }
    /* and one byte at a time */
    {
        mp__hp hp;
        mp__hp_reset(&hp, 0);
        assert_int_equal(feed_split(&hp, chunked_resp, len, 1, &used), MP__HP_COMPLETE);
        assert_int_equal(used, len);
        assert_int_equal(hp.body_bytes, 15);
    }
}

static void test_parser_pipelined(void **state)
{
    const char two[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
                       "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"
                       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
    mp__hp hp;
    size_t used, off = 0, len = strlen(two);
    (void)state;
    mp__hp_reset(&hp, 0);
    assert_int_equal(mp__hp_feed(&hp, two, len, &used), MP__HP_COMPLETE);
    assert_int_equal(hp.status, 200);
    assert_int_equal(hp.body_bytes, 3);
    off += used;
    mp__hp_reset(&hp, 0);
    assert_int_equal(mp__hp_feed(&hp, two + off, len - off, &used), MP__HP_COMPLETE);
    assert_int_equal(hp.status, 404);
    assert_int_equal(hp.body_bytes, 0);
    off += used;
    mp__hp_reset(&hp, 0);
    assert_int_equal(mp__hp_feed(&hp, two + off, len - off, &used), MP__HP_COMPLETE);
    assert_int_equal(hp.status, 204); /* the 100 was skipped */
    assert_int_equal(off + used, len);
}

static void test_parser_headers_split(void **state)
{
    const char resp[] = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbody";
    size_t len = strlen(resp), cut, used;
    (void)state;
    for (cut = 1; cut < len; cut++) {
        mp__hp hp;
        mp__hp_reset(&hp, 0);
        assert_int_equal(feed_split(&hp, resp, len, cut, &used), MP__HP_COMPLETE);
        assert_int_equal(used, len);
        assert_false(hp.keep_alive);
        assert_int_equal(hp.body_bytes, 4);
    }
}

static void test_parser_until_close_and_http10(void **state)
{
    mp__hp hp;
    size_t used;
    const char a[] = "HTTP/1.0 200 OK\r\n\r\nsome body";
    const char b[] = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx";
    const char c[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort";
    (void)state;
    mp__hp_reset(&hp, 0);
    assert_int_equal(mp__hp_feed(&hp, a, strlen(a), &used), MP__HP_MORE);
    assert_int_equal(mp__hp_eof(&hp), MP__HP_COMPLETE);
    assert_int_equal(hp.body_bytes, 9);
    assert_false(hp.keep_alive);
    mp__hp_reset(&hp, 0);
    assert_int_equal(mp__hp_feed(&hp, b, strlen(b), &used), MP__HP_COMPLETE);
    assert_true(hp.keep_alive);
    mp__hp_reset(&hp, 0);
    assert_int_equal(mp__hp_feed(&hp, c, strlen(c), &used), MP__HP_MORE);
    assert_int_equal(mp__hp_eof(&hp), MP__HP_ERROR); /* cut short */
    mp__hp_reset(&hp, 1); /* HEAD: no body despite the length */
    assert_int_equal(mp__hp_feed(&hp, c, strlen(c), &used), MP__HP_COMPLETE);
    assert_int_equal(used, strlen(c) - 5);
}

static void test_parser_rejects(void **state)
{
    static const char *const bad[] = {
        "this is not http\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\n\r\n",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mp__hp hp;
        size_t used;
        mp__hp_reset(&hp, 0);
        assert_int_equal(mp__hp_feed(&hp, bad[i], strlen(bad[i]), &used), MP__HP_ERROR);
        assert_non_null(hp.error);
    }
}

static void test_parser_header_limit(void **state)
{
    mp__hp hp;
    size_t used, i;
    char line[1024];
    int rc = MP__HP_MORE;
    (void)state;
    mp__hp_reset(&hp, 0);
    assert_int_equal(mp__hp_feed(&hp, "HTTP/1.1 200 OK\r\n", 17, &used), MP__HP_MORE);
    memset(line, 'a', sizeof line);
    for (i = 0; i < 200 && rc == MP__HP_MORE; i++) rc = mp__hp_feed(&hp, line, sizeof line, &used);
    assert_int_equal(rc, MP__HP_ERROR); /* a never-ending header is refused, not buffered */
}

/* ---- histogram -------------------------------------------------------------------------- */

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_hist_percentiles_exact(void **state)
{
    enum { N = 200000 };
    static const double ps[] = { 0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99 };
    uint64_t *v = (uint64_t *)malloc(N * sizeof *v), sum = 0;
    mp_load_hist *h;
    size_t i, k;
    (void)state;
    assert_int_equal(mp_load_hist_new(&h, NULL), MP_OK);
    for (i = 0; i < N; i++) {
        /* log-uniform from 1 µs to ~17 s: every bucket width is exercised */
        unsigned shift = (unsigned)(rng() % 24);
        v[i] = (rng() & ((1ull << shift) - 1)) + (1ull << shift);
        mp_load_hist_record(h, v[i]);
        sum += v[i];
    }
    qsort(v, N, sizeof *v, cmp_u64);
    assert_int_equal(mp_load_hist_count(h), N);
    assert_int_equal(mp_load_hist_min(h), v[0]);
    assert_int_equal(mp_load_hist_max(h), v[N - 1]);
    assert_true(fabs(mp_load_hist_mean(h) - (double)sum / N) < 1e-6);
    for (k = 0; k < sizeof ps / sizeof ps[0]; k++) {
        size_t rank = (size_t)ceil(ps[k] / 100.0 * N);
        double exact = (double)v[rank - 1], got = mp_load_hist_percentile(h, ps[k]);
        /* 3 significant digits: within 1/1024 of the exact sample */
        if (fabs(got - exact) > exact / 1024.0 + 0.5)
            fail_msg("p%g: exact %.0f, histogram %.1f", ps[k], exact, got);
    }
    mp_load_hist_free(h);
    free(v);
}

static void test_hist_merge_is_record_all(void **state)
{
    mp_load_hist *a, *b, *all;
    int i;
    (void)state;
    mp_load_hist_new(&a, NULL);
    mp_load_hist_new(&b, NULL);
    mp_load_hist_new(&all, NULL);
    for (i = 0; i < 50000; i++) {
        uint64_t x = rng() % 5000000;
        mp_load_hist_record(i % 3 ? a : b, x);
        mp_load_hist_record(all, x);
    }
    mp_load_hist_merge(a, b);
    assert_memory_equal(a, all, sizeof *a);
    mp_load_hist_free(a);
    mp_load_hist_free(b);
    mp_load_hist_free(all);
}

/* Random valid responses (length or chunked, random chunk sizes, extensions, trailers,
   interim 100s, two in a row) fed in random pieces must parse to the right body size; random
   bytes must never crash the parser or make it claim more bytes than it was given. */
static void test_parser_random(void **state)
{
    int iter;
    (void)state;
    for (iter = 0; iter < 3000; iter++) {
        mp_buf b = { 0 };
        uint64_t body = 0;
        size_t off = 0, len, k, resp_end;
        mp__hp hp;
        int rc = MP__HP_MORE, chunked = (int)(rng() % 2), status;
        if (rng() % 4 == 0) mp_buf_puts(&b, "HTTP/1.1 100 Continue\r\nX: y\r\n\r\n");
        status = 200 + (int)(rng() % 300);
        if (status == 204 || status == 304) status = 200; /* those have no body */
        mp_buf_printf(&b, "HTTP/1.%d %d Reason Phrase\r\nServer: t\r\n", (int)(rng() % 2), status);
        if (chunked) {
            int n = (int)(rng() % 5);
            mp_buf_puts(&b, "Transfer-Encoding: chunked\r\n\r\n");
            for (k = 0; k < (size_t)n; k++) {
                size_t sz = 1 + rng() % 300, j;
                mp_buf_printf(&b, "%zx%s\r\n", sz, rng() % 2 ? ";a=b" : "");
                for (j = 0; j < sz; j++) mp_buf_append(&b, "x", 1);
                mp_buf_puts(&b, "\r\n");
                body += sz;
            }
            mp_buf_puts(&b, rng() % 2 ? "0\r\n\r\n" : "0\r\nT: 1\r\n\r\n");
        } else {
            size_t sz = rng() % 500, j;
            mp_buf_printf(&b, "Content-Length: %zu\r\n\r\n", sz);
            for (j = 0; j < sz; j++) mp_buf_append(&b, "y", 1);
            body = sz;
        }
        resp_end = b.len;
        mp_buf_puts(&b, "HTTP/1.1 204 No Content\r\n\r\n"); /* the next, pipelined */
        len = b.len;
        mp__hp_reset(&hp, 0);
        while (off < resp_end && rc == MP__HP_MORE) {
            size_t n = 1 + rng() % 64, used;
            if (n > len - off) n = len - off;
            rc = mp__hp_feed(&hp, b.data + off, n, &used);
            assert_true(used <= n);
            off += used;
            if (rc == MP__HP_MORE) assert_int_equal(used, n);
        }
        if (rc != MP__HP_COMPLETE || off != resp_end || hp.body_bytes != body)
            fail_msg("iteration %d: rc %d, used %zu of %zu, body %llu of %llu (%s)", iter, rc, off,
                     resp_end, (unsigned long long)hp.body_bytes, (unsigned long long)body,
                     hp.error ? hp.error : "");
        mp_buf_free(&b);
    }
    for (iter = 0; iter < 3000; iter++) {
        char junk[512];
        size_t n = rng() % sizeof junk, k, used;
        mp__hp hp;
        for (k = 0; k < n; k++) junk[k] = (char)(rng() % 4 ? "HTP/1. 20\r\n:;0a"[rng() % 16] : (int)(rng() & 0xFF));
        mp__hp_reset(&hp, 0);
        if (mp__hp_feed(&hp, junk, n, &used) != MP__HP_ERROR) assert_true(used <= n);
    }
}

/* ---- reports ------------------------------------------------------------------------------ */

/* A result with artillery-quick.txt's metrics (values in ms, recorded as µs). */
static mp_load_result *sample_result(void)
{
    mp_load_result *r = mp__result_new();
    mp_load_hist *rt, *rt2, *sl;
    int i;
    assert_non_null(r);
    assert_int_equal(mp__counter_add(r, "http.requests", 2000, NULL), MP_OK);
    mp__counter_add(r, "http.codes.200", 2000, NULL);
    mp__counter_add(r, "http.responses", 2000, NULL);
    mp__counter_add(r, "http.downloaded_bytes", 4000, NULL);
    mp__counter_add(r, "vusers.created_by_name.0", 20, NULL);
    mp__counter_add(r, "vusers.created", 20, NULL);
    mp__counter_add(r, "vusers.failed", 0, NULL);
    mp__counter_add(r, "vusers.completed", 20, NULL);
    mp__hist_get(r, "http.response_time", &rt, NULL);
    mp__hist_get(r, "http.response_time.2xx", &rt2, NULL);
    mp__hist_get(r, "vusers.session_length", &sl, NULL);
    for (i = 0; i < 2000; i++) {
        uint64_t us = i == 0 ? 0 : i == 1 ? 127000 : 15000 + (uint64_t)(i % 11) * 1000;
        mp_load_hist_record(rt, us);
        mp_load_hist_record(rt2, us);
    }
    for (i = 0; i < 20; i++) mp_load_hist_record(sl, 1815200 + (uint64_t)i * 32000);
    r->start = 1795540564.287;
    r->end = r->start + 2.976;
    return r;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    mp_buf b = { 0 };
    char chunk[4096];
    size_t n;
    if (!f) return NULL;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) mp_buf_append(&b, chunk, n);
    fclose(f);
    return mp_buf_take(&b);
}

/* The lines after "Summary report @", up to the end or "Log file:". */
static const char *summary_of(const char *text)
{
    const char *s = strstr(text, "Summary report @");
    assert_non_null(s);
    s = strchr(s, '\n') + 1;           /* dashes */
    s = strchr(s, '\n') + 1;           /* blank */
    return strchr(s, '\n') + 1;
}

/* Same lines, same names, values at column 82: compares everything but the values. */
static void assert_same_layout(const char *want, const char *got)
{
    int line = 1;
    while (*want && strncmp(want, "Log file:", 9) != 0) {
        const char *we = strchr(want, '\n'), *ge = strchr(got, '\n');
        size_t wl = we ? (size_t)(we - want) : strlen(want), gl;
        assert_non_null(ge);
        gl = (size_t)(ge - got);
        if (wl > 81) {
            if (gl <= 81 || memcmp(want, got, 81) != 0)
                fail_msg("line %d: want '%.*s', got '%.*s'", line, (int)wl, want, (int)gl, got);
        } else if (wl != gl || memcmp(want, got, wl) != 0) {
            fail_msg("line %d: want '%.*s', got '%.*s'", line, (int)wl, want, (int)gl, got);
        }
        want += wl + (we ? 1 : 0);
        got += gl + 1;
        line++;
    }
    assert_string_equal(got, "");
}

static void test_report_layout_matches_artillery(void **state)
{
    char *want = read_file("../shared/testdata/artillery/artillery-quick.txt");
    mp_load_result *r = sample_result();
    mp_buf got = { 0 };
    (void)state;
    if (!want) fail_msg("cannot read ../shared/testdata/artillery/artillery-quick.txt (run from the repo root)");
    mp_report_load_text(r, &got);
    assert_non_null(strstr(got.data, "--------------------------------\nSummary report @ "));
    assert_same_layout(summary_of(want), summary_of(got.data));
    /* honest values: rate = 2000 / 2.976 s; ms with one decimal from µs */
    assert_non_null(strstr(got.data, "http.request_rate: ............................................................. 672/sec\n"));
    assert_non_null(strstr(got.data, "  max: ......................................................................... 127\n"));
    assert_non_null(strstr(got.data, "  min: ......................................................................... 1815.2\n"));
    mp_buf_free(&got);
    mp_load_result_free(r);
    free(want);
}

static void test_report_layout_econnrefused(void **state)
{
    char *want = read_file("../shared/testdata/artillery/artillery-quick-econnrefused.txt");
    mp_load_result *r = mp__result_new();
    mp_buf got = { 0 };
    (void)state;
    assert_non_null(want);
    mp__counter_add(r, "errors.ECONNREFUSED", 3, NULL);
    mp__counter_add(r, "http.requests", 3, NULL);
    mp__counter_add(r, "vusers.created", 3, NULL);
    mp__counter_add(r, "vusers.created_by_name.0", 3, NULL);
    mp__counter_add(r, "vusers.failed", 3, NULL);
    r->start = 100;
    r->end = 101;
    mp_report_load_text(r, &got);
    assert_same_layout(summary_of(want), summary_of(got.data));
    mp_buf_free(&got);
    mp_load_result_free(r);
    free(want);
}

static void test_padded(void **state)
{
    mp_buf b = { 0 };
    char longname[120];
    (void)state;
    mp_report_load_padded(&b, "vusers.failed:", "0");
    assert_string_equal(b.data, "vusers.failed: ................................................................. 0\n");
    assert_int_equal(strchr(b.data, '0') - b.data, 81); /* column 82 */
    mp_buf_free(&b);
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    mp_report_load_padded(&b, longname, "7");
    assert_int_equal(strlen(b.data), 83);
    assert_memory_equal(b.data + 76, "...  7\n", 7);
    mp_buf_free(&b);
}

static void test_json_round_trip_and_merge(void **state)
{
    mp_load_result *a = sample_result(), *b = sample_result(), *back = NULL, *twice;
    mp_buf ja = { 0 }, jb = { 0 }, ta = { 0 }, tb = { 0 };
    mp_error err;
    (void)state;
    assert_int_equal(mp__series_reserve(a, 3, NULL), MP_OK);
    a->series[1].requests = 5;
    a->series[1].lat[mp__coarse_index(1500)] = 5;
    mp_report_load_json(a, &ja);
    if (mp_load_result_from_json(ja.data, ja.len, &back, &err) != MP_OK) fail_msg("%s", err.msg);
    mp_report_load_json(back, &jb);
    assert_string_equal(ja.data, jb.data);
    /* merge = record all in one: a + a has every count doubled, same percentiles */
    assert_int_equal(mp_load_result_merge(back, a, &err), MP_OK);
    twice = b;
    {
        mp_load_hist *h;
        size_t i;
        for (i = 0; i < b->ncounters; i++) b->counters[i].value *= 2;
        for (i = 0; i < b->nhists; i++) {
            size_t k;
            h = b->hists[i].h;
            for (k = 0; k < MP__H_BUCKETS; k++) h->counts[k] *= 2;
            h->count *= 2;
            h->sum *= 2;
        }
    }
    mp_report_load_text(back, &ta);
    mp_report_load_text(twice, &tb);
    assert_string_equal(ta.data, tb.data);
    assert_int_equal(mp_load_result_counter(back, "http.requests"), 4000);
    assert_int_equal(back->series[1].requests, 10);
    mp_buf_free(&ja);
    mp_buf_free(&jb);
    mp_buf_free(&ta);
    mp_buf_free(&tb);
    mp_load_result_free(a);
    mp_load_result_free(b);
    mp_load_result_free(back);
}

static void test_json_rejects(void **state)
{
    static const char *const bad[] = {
        "", "{", "[]", "{\"aggregate\":{}}", "{\"medprof\":{}} x",
        "{\"aggregate\":{\"counters\":{\"a\":-1}},\"medprof\":{\"histograms\":{}}}",
        "{\"aggregate\":{\"counters\":{}},\"medprof\":{\"histograms\":{\"h\":{\"count\":2,\"min\":1,"
        "\"max\":1,\"sum\":2,\"buckets\":[1,1]}}}}",
        "{\"aggregate\":{\"counters\":{}},\"medprof\":{\"histograms\":{\"h\":{\"count\":1,\"min\":1,"
        "\"max\":1,\"sum\":1,\"buckets\":[99999999,1]}}}}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mp_load_result *r = NULL;
        mp_error err;
        if (mp_load_result_from_json(bad[i], strlen(bad[i]), &r, &err) != MP_ERR_PARSE)
            fail_msg("accepted bad JSON #%zu", i);
        assert_null(r);
    }
}

/* ---- the engine against the hostile server ------------------------------------------------ */

typedef struct server {
    mp_proc *p;
    int port;
} server;

static void server_start(server *s, const char *addr)
{
    const char *argv[] = { hostile_path, addr, NULL };
    mp_proc_config cfg;
    mp_error err;
    char buf[64];
    size_t n, got = 0;
    int eof;
    memset(&cfg, 0, sizeof cfg);
    cfg.argv = argv;
    cfg.stdout_mode = MP_STDIO_PIPE;
    if (mp_proc_spawn(&cfg, &s->p, &err) != MP_OK) fail_msg("%s", err.msg);
    while (got < sizeof buf - 1 && !memchr(buf, '\n', got)) {
        assert_int_equal(mp_proc_read(s->p, 1, buf + got, sizeof buf - 1 - got, 5, &n, &eof, &err), MP_OK);
        if (n == 0) fail_msg("hostile server did not start");
        got += n;
    }
    buf[got] = '\0';
    assert_int_equal(sscanf(buf, "port %d", &s->port), 1);
}

/* Stops it by pid and returns how many requests it received in all (and for one path). */
static unsigned long server_stop(server *s, const char *path, unsigned long *for_path)
{
    char buf[1024], key[64], *at;
    size_t n, got = 0;
    int eof = 0;
    unsigned long total = 0;
    mp_error err;
    mp_proc_signal(s->p, SIGTERM, &err);
    while (!eof && got < sizeof buf - 1) {
        if (mp_proc_read(s->p, 1, buf + got, sizeof buf - 1 - got, 5, &n, &eof, &err) != MP_OK || (n == 0 && !eof)) break;
        got += n;
    }
    buf[got] = '\0';
    mp_proc_destroy(s->p);
    at = strstr(buf, "served total=");
    assert_non_null(at);
    total = strtoul(at + 13, NULL, 10);
    if (path && for_path) {
        snprintf(key, sizeof key, " %s=", path);
        at = strstr(buf, key);
        assert_non_null(at);
        *for_path = strtoul(at + strlen(key), NULL, 10);
    }
    return total;
}

/* Every request started ends once: answered, failed with a named error, or cancelled. */
static void assert_balanced(const mp_load_result *r)
{
    uint64_t errors = 0, v;
    const char *name;
    size_t i;
    for (i = 0; mp_load_result_counter_at(r, i, &name, &v); i++)
        if (strncmp(name, "errors.", 7) == 0) errors += v;
    if (mp_load_result_counter(r, "http.requests") !=
        mp_load_result_counter(r, "http.responses") + errors +
            mp_load_result_counter(r, "medprof.requests_cancelled"))
        fail_msg("requests %llu != responses %llu + errors %llu + cancelled %llu",
                 (unsigned long long)mp_load_result_counter(r, "http.requests"),
                 (unsigned long long)mp_load_result_counter(r, "http.responses"),
                 (unsigned long long)errors,
                 (unsigned long long)mp_load_result_counter(r, "medprof.requests_cancelled"));
}

static mp_load_result *run_quick(int port, const char *path, int count, int num, double timeout)
{
    char url[128];
    mp_load_config cfg;
    mp_load_result *r = NULL;
    mp_error err;
    memset(&cfg, 0, sizeof cfg);
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    cfg.url = url;
    cfg.count = count;
    cfg.num = num;
    cfg.arrival = 0.1;
    cfg.timeout = timeout;
    if (mp_load_run(&cfg, &r, &err) != MP_OK) fail_msg("%s", err.msg);
    assert_balanced(r);
    return r;
}

static void test_engine_counts_match_server(void **state)
{
    static const char *const ok_paths[] = { "/ok", "/chunked", "/close", "/nolen", "/http10",
                                            "/continue", "/split", "/404", "/500" };
    static const uint64_t body[] = { 2, 11, 2, 11, 2, 2, 10, 9, 4 };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof ok_paths / sizeof ok_paths[0]; i++) {
        server s;
        mp_load_result *r;
        unsigned long total, mine = 0;
        int code = i == 7 ? 404 : i == 8 ? 500 : 200;
        char name[32];
        server_start(&s, "127.0.0.1");
        r = run_quick(s.port, ok_paths[i], 5, 20, 5);
        total = server_stop(&s, ok_paths[i] + 1, &mine);
        snprintf(name, sizeof name, "http.codes.%d", code);
        if (mp_load_result_counter(r, "http.requests") != 100 || total != 100 ||
            mp_load_result_counter(r, name) != 100)
            fail_msg("%s: requests %llu, server saw %lu, %s %llu", ok_paths[i],
                     (unsigned long long)mp_load_result_counter(r, "http.requests"), total, name,
                     (unsigned long long)mp_load_result_counter(r, name));
        assert_int_equal(mine, 100);
        assert_int_equal(mp_load_result_counter(r, "http.responses"), 100);
        assert_int_equal(mp_load_result_counter(r, "http.downloaded_bytes"), 100 * body[i]);
        assert_int_equal(mp_load_result_counter(r, "vusers.completed"), 5);
        assert_int_equal(mp_load_result_counter(r, "vusers.failed"), 0);
        assert_int_equal(mp_load_hist_count(mp_load_result_hist(r, "vusers.session_length")), 5);
        assert_int_equal(mp_load_hist_count(mp_load_result_hist(r, "http.response_time")), 100);
        assert_non_null(mp_load_result_hist(r, code == 200 ? "http.response_time.2xx"
                                               : code == 404 ? "http.response_time.4xx"
                                                             : "http.response_time.5xx"));
        mp_load_result_free(r);
    }
}

static void test_engine_errors(void **state)
{
    static const struct { const char *path, *counter; } cases[] = {
        { "/reset", "errors.ECONNRESET" },
        { "/garbage", "errors.EPARSE" },
        { "/hang", "errors.ETIMEDOUT" },
        { "/reset-head", "errors.ECONNRESET" },
        { "/reset-body", "errors.ECONNRESET" },
        { "/cut-body", "errors.ECONNRESET" },  /* closed before Content-Length was met */
        { "/extra-body", "errors.EPARSE" },    /* bytes no request asked for */
        { "/big-head", "errors.EPARSE" },      /* a 1 MB header block: over the 64 KiB bound */
        { "/stall", "errors.ETIMEDOUT" },      /* "HTT" and then nothing */
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        server s;
        mp_load_result *r;
        unsigned long total;
        double t0 = mp_time_now();
        server_start(&s, "127.0.0.1");
        r = run_quick(s.port, cases[i].path, 4, 5, 0.3);
        total = server_stop(&s, NULL, NULL);
        /* each user stops at its first error: 4 requests, 4 errors, 4 failed users */
        if (mp_load_result_counter(r, cases[i].counter) != 4)
            fail_msg("%s: %s = %llu", cases[i].path, cases[i].counter,
                     (unsigned long long)mp_load_result_counter(r, cases[i].counter));
        assert_int_equal(mp_load_result_counter(r, "http.requests"), 4);
        assert_int_equal(mp_load_result_counter(r, "vusers.failed"), 4);
        assert_int_equal(mp_load_result_counter(r, "vusers.completed"), 0);
        assert_int_equal(mp_load_result_counter(r, "http.responses"), 0);
        assert_int_equal(total, 4);
        assert_true(mp_time_now() - t0 < 3);
        mp_load_result_free(r);
    }
}

static int free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(fd, (struct sockaddr *)&a, &len);
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static void test_engine_refused(void **state)
{
    mp_load_result *r;
    mp_buf text = { 0 };
    (void)state;
    r = run_quick(free_port(), "/", 3, 5, 1);
    /* artillery's own sample: --count 3 --num 5 at a closed port */
    assert_int_equal(mp_load_result_counter(r, "errors.ECONNREFUSED"), 3);
    assert_int_equal(mp_load_result_counter(r, "http.requests"), 3);
    assert_int_equal(mp_load_result_counter(r, "vusers.failed"), 3);
    assert_int_equal(mp_load_result_counter(r, "vusers.created"), 3);
    mp_report_load_text(r, &text);
    assert_null(strstr(text.data, "vusers.completed"));
    mp_buf_free(&text);
    mp_load_result_free(r);
}

static void test_engine_bad_config(void **state)
{
    mp_load_config cfg;
    mp_load_result *r = NULL;
    mp_error err;
    const char *bad_header[] = { "NoColon", NULL };
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    cfg.url = "https://127.0.0.1:1/";
    assert_int_equal(mp_load_run(&cfg, &r, &err), MP_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "not supported yet"));
    cfg.url = "ftp://x/";
    assert_int_equal(mp_load_run(&cfg, &r, &err), MP_ERR_UNSUPPORTED);
    cfg.url = "http://no-such-host.invalid/";
    assert_int_equal(mp_load_run(&cfg, &r, &err), MP_ERR_NOT_FOUND);
    cfg.url = "http://127.0.0.1:1/";
    cfg.headers = bad_header;
    assert_int_equal(mp_load_run(&cfg, &r, &err), MP_ERR_INVALID_ARG);
    cfg.headers = NULL;
    cfg.model = MP_LOAD_OPEN;
    assert_int_equal(mp_load_run(&cfg, &r, &err), MP_ERR_INVALID_ARG); /* no rate */
    cfg.model = MP_LOAD_VUSERS;
    cfg.count = -1;
    assert_int_equal(mp_load_run(&cfg, &r, &err), MP_ERR_INVALID_ARG);
    assert_null(r);
}

static void test_engine_closed_requests_exact(void **state)
{
    server s;
    mp_load_config cfg;
    mp_load_result *r;
    mp_error err;
    char url[64];
    const char *headers[] = { "X-Test: 1", NULL };
    unsigned long total;
    (void)state;
    server_start(&s, "127.0.0.1");
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ok", s.port);
    memset(&cfg, 0, sizeof cfg);
    cfg.url = url;
    cfg.model = MP_LOAD_CLOSED;
    cfg.connections = 7;
    cfg.requests = 1001;
    cfg.threads = 3;
    cfg.method = "POST";
    cfg.body = "hello";
    cfg.body_len = 5;
    cfg.headers = headers;
    if (mp_load_run(&cfg, &r, &err) != MP_OK) fail_msg("%s", err.msg);
    total = server_stop(&s, NULL, NULL);
    assert_balanced(r);
    assert_int_equal(mp_load_result_counter(r, "http.requests"), 1001);
    assert_int_equal(mp_load_result_counter(r, "http.codes.200"), 1001);
    assert_int_equal(total, 1001);
    assert_null(mp_load_result_hist(r, "vusers.session_length"));
    mp_load_result_free(r);
}

static void test_engine_closed_duration_and_open_rate(void **state)
{
    server s;
    mp_load_config cfg;
    mp_load_result *r;
    mp_error err;
    char url[64];
    unsigned long total;
    uint64_t req;
    double t0;
    (void)state;
    server_start(&s, "127.0.0.1");
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ok", s.port);
    memset(&cfg, 0, sizeof cfg);
    cfg.url = url;
    cfg.model = MP_LOAD_CLOSED;
    cfg.connections = 4;
    cfg.duration = 0.5;
    t0 = mp_time_now();
    if (mp_load_run(&cfg, &r, &err) != MP_OK) fail_msg("%s", err.msg);
    assert_true(mp_time_now() - t0 < 1.5);
    req = mp_load_result_counter(r, "http.requests");
    assert_true(req > 100);
    assert_int_equal(mp_load_result_counter(r, "http.codes.200"), req);
    assert_true(mp_load_result_seconds(r) >= 1);
    mp_load_result_free(r);
    /* open model: exactly rate x duration requests, latency kept both ways */
    cfg.model = MP_LOAD_OPEN;
    cfg.rate = 400;
    cfg.duration = 0.5;
    if (mp_load_run(&cfg, &r, &err) != MP_OK) fail_msg("%s", err.msg);
    assert_int_equal(mp_load_result_counter(r, "http.requests"), 200);
    assert_int_equal(mp_load_result_counter(r, "http.codes.200"), 200);
    assert_non_null(mp_load_result_hist(r, "medprof.response_time_uncorrected"));
    total = server_stop(&s, NULL, NULL);
    assert_int_equal(total, req + 200);
    mp_load_result_free(r);
}

static void test_engine_open_rate_not_reached(void **state)
{
    server s;
    mp_load_config cfg;
    mp_load_result *r;
    mp_error err;
    char url[64];
    (void)state;
    server_start(&s, "127.0.0.1");
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hang", s.port);
    memset(&cfg, 0, sizeof cfg);
    cfg.url = url;
    cfg.model = MP_LOAD_OPEN;
    cfg.rate = 100;
    cfg.duration = 0.3;
    cfg.connections = 2;
    cfg.timeout = 0.2;
    if (mp_load_run(&cfg, &r, &err) != MP_OK) fail_msg("%s", err.msg);
    server_stop(&s, NULL, NULL);
    assert_balanced(r);
    assert_non_null(mp_load_result_warning(r));
    assert_true(mp_load_result_counter(r, "errors.ETIMEDOUT") >= 2);
    mp_load_result_free(r);
}

static void add_period(const mp_load_result *r, void *user)
{
    mp_load_result *sum = (mp_load_result *)user;
    assert_int_equal(mp_load_result_merge(sum, r, NULL), MP_OK);
    assert_int_equal(mp__counter_add(sum, "test.periods", 1, NULL), MP_OK);
}

/* The 10-second periods partition the run: added up they are the whole. */
static void test_engine_periods_add_up(void **state)
{
    server s;
    mp_load_config cfg;
    mp_load_result *r, *sum = mp__result_new();
    mp_error err;
    char url[64];
    const char *name;
    uint64_t v;
    size_t i;
    (void)state;
    server_start(&s, "127.0.0.1");
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ok", s.port);
    memset(&cfg, 0, sizeof cfg);
    cfg.url = url;
    cfg.count = 6;
    cfg.num = 50;
    cfg.threads = 3;
    cfg.period = add_period;
    cfg.user = sum;
    if (mp_load_run(&cfg, &r, &err) != MP_OK) fail_msg("%s", err.msg);
    server_stop(&s, NULL, NULL);
    assert_true(mp_load_result_counter(sum, "test.periods") >= 1);
    for (i = 0; mp_load_result_counter_at(r, i, &name, &v); i++)
        if (mp_load_result_counter(sum, name) != v)
            fail_msg("%s: periods add up to %llu, the run has %llu", name,
                     (unsigned long long)mp_load_result_counter(sum, name), (unsigned long long)v);
    assert_int_equal(mp_load_hist_count(mp_load_result_hist(sum, "http.response_time")), 300);
    assert_int_equal(mp_load_hist_max(mp_load_result_hist(sum, "http.response_time")),
                     mp_load_hist_max(mp_load_result_hist(r, "http.response_time")));
    mp_load_result_free(r);
    mp_load_result_free(sum);
}

static int stop_soon(const mp_load_progress *p, void *user)
{
    (void)user;
    return p->elapsed > 0.3;
}

static void test_engine_stop_and_ipv6(void **state)
{
    server s;
    mp_load_config cfg;
    mp_load_result *r;
    mp_error err;
    char url[64];
    double t0;
    (void)state;
    server_start(&s, "127.0.0.1");
    snprintf(url, sizeof url, "http://localhost:%d/ok", s.port); /* resolved by name */
    memset(&cfg, 0, sizeof cfg);
    cfg.url = url;
    cfg.model = MP_LOAD_CLOSED;
    cfg.duration = 30;
    cfg.progress = stop_soon;
    t0 = mp_time_now();
    if (mp_load_run(&cfg, &r, &err) != MP_OK) fail_msg("%s", err.msg);
    assert_true(mp_time_now() - t0 < 2);
    assert_true(mp_load_result_interrupted(r));
    assert_balanced(r);
    assert_true(mp_load_result_counter(r, "http.codes.200") > 0);
    /* every request was answered or cancelled by the stop; the server saw the answered
       ones and perhaps some of the cancelled */
    {
        unsigned long seen = server_stop(&s, NULL, NULL);
        uint64_t req = mp_load_result_counter(r, "http.requests");
        uint64_t resp = mp_load_result_counter(r, "http.responses");
        assert_int_equal(req, resp + mp_load_result_counter(r, "medprof.requests_cancelled"));
        assert_true(seen >= resp && seen <= req);
    }
    mp_load_result_free(r);
    /* the open model stopped half-way: nothing left unaccounted, nothing sent after */
    server_start(&s, "127.0.0.1");
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ok", s.port);
    memset(&cfg, 0, sizeof cfg);
    cfg.url = url;
    cfg.model = MP_LOAD_OPEN;
    cfg.rate = 2000;
    cfg.duration = 30;
    cfg.progress = stop_soon;
    if (mp_load_run(&cfg, &r, &err) != MP_OK) fail_msg("%s", err.msg);
    assert_true(mp_load_result_interrupted(r));
    assert_balanced(r);
    {
        unsigned long seen = server_stop(&s, NULL, NULL);
        assert_true(seen <= mp_load_result_counter(r, "http.requests"));
        assert_true(seen >= mp_load_result_counter(r, "http.responses"));
    }
    mp_load_result_free(r);
    {
        int fd = socket(AF_INET6, SOCK_STREAM, 0);
        struct sockaddr_in6 a;
        int ok;
        memset(&a, 0, sizeof a);
        a.sin6_family = AF_INET6;
        a.sin6_addr = in6addr_loopback;
        ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
        if (fd >= 0) close(fd);
        if (!ok) return; /* no IPv6 loopback here */
    }
    server_start(&s, "::1");
    snprintf(url, sizeof url, "http://[::1]:%d/chunked", s.port);
    memset(&cfg, 0, sizeof cfg);
    cfg.url = url;
    cfg.count = 2;
    cfg.num = 10;
    if (mp_load_run(&cfg, &r, &err) != MP_OK) fail_msg("%s", err.msg);
    assert_int_equal(server_stop(&s, NULL, NULL), 20);
    assert_int_equal(mp_load_result_counter(r, "http.codes.200"), 20);
    mp_load_result_free(r);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser_chunked_every_split),
        cmocka_unit_test(test_parser_pipelined),
        cmocka_unit_test(test_parser_headers_split),
        cmocka_unit_test(test_parser_until_close_and_http10),
        cmocka_unit_test(test_parser_rejects),
        cmocka_unit_test(test_parser_header_limit),
        cmocka_unit_test(test_parser_random),
        cmocka_unit_test(test_hist_percentiles_exact),
        cmocka_unit_test(test_hist_merge_is_record_all),
        cmocka_unit_test(test_padded),
        cmocka_unit_test(test_report_layout_matches_artillery),
        cmocka_unit_test(test_report_layout_econnrefused),
        cmocka_unit_test(test_json_round_trip_and_merge),
        cmocka_unit_test(test_json_rejects),
        cmocka_unit_test(test_engine_counts_match_server),
        cmocka_unit_test(test_engine_errors),
        cmocka_unit_test(test_engine_refused),
        cmocka_unit_test(test_engine_bad_config),
        cmocka_unit_test(test_engine_closed_requests_exact),
        cmocka_unit_test(test_engine_closed_duration_and_open_rate),
        cmocka_unit_test(test_engine_open_rate_not_reached),
        cmocka_unit_test(test_engine_stop_and_ipv6),
        cmocka_unit_test(test_engine_periods_add_up),
    };
    /* The server sits next to this binary: BUILD/tests/servers/hostile. */
    const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
    snprintf(hostile_path, sizeof hostile_path, "%.*sservers/hostile",
             slash ? (int)(slash - argv[0] + 1) : 0, argv[0]);
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
