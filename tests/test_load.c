/* test_load.c - the load part: response parser, histogram, reports, JSON, merge, and the
   engine against tests/servers/hostile (started per test, stopped by pid). */
#define MEDPROF_IMPLEMENTATION
#include "medprof.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "suite.h"

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
    char *want = read_file("tests/data/artillery/artillery-quick.txt");
    mp_load_result *r = sample_result();
    mp_buf got = { 0 };
    mp_error err;
    (void)state;
    if (!want) fail_msg("cannot read tests/data/artillery/artillery-quick.txt (run from the repo root)");
    assert_int_equal(mp_load_result_write_text(r, &got, &err), MP_OK);
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
    char *want = read_file("tests/data/artillery/artillery-quick-econnrefused.txt");
    mp_load_result *r = mp__result_new();
    mp_buf got = { 0 };
    mp_error err;
    (void)state;
    assert_non_null(want);
    mp__counter_add(r, "errors.ECONNREFUSED", 3, NULL);
    mp__counter_add(r, "http.requests", 3, NULL);
    mp__counter_add(r, "vusers.created", 3, NULL);
    mp__counter_add(r, "vusers.created_by_name.0", 3, NULL);
    mp__counter_add(r, "vusers.failed", 3, NULL);
    r->start = 100;
    r->end = 101;
    assert_int_equal(mp_load_result_write_text(r, &got, &err), MP_OK);
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
    mp__load_padded(&b, "vusers.failed:", "0");
    assert_string_equal(b.data, "vusers.failed: ................................................................. 0\n");
    assert_int_equal(strchr(b.data, '0') - b.data, 81); /* column 82 */
    mp_buf_free(&b);
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    mp__load_padded(&b, longname, "7");
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
    assert_int_equal(mp_load_result_write_json(a, NULL, 0, &ja, &err), MP_OK);
    if (mp_load_result_from_json(ja.data, ja.len, &back, &err) != MP_OK) fail_msg("%s", err.msg);
    assert_int_equal(mp_load_result_write_json(back, NULL, 0, &jb, &err), MP_OK);
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
    assert_int_equal(mp_load_result_write_text(back, &ta, &err), MP_OK);
    assert_int_equal(mp_load_result_write_text(twice, &tb, &err), MP_OK);
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

/* mode: NULL, or "early" (tests/servers/hostile.c says what it does). */
static void server_start_mode(server *s, const char *addr, const char *mode)
{
    const char *argv[] = { hostile_path, addr, "0", mode, NULL };
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

static void server_start(server *s, const char *addr) { server_start_mode(s, addr, NULL); }

/* Stops it by pid; its last line "served total=N ok=N ... accepted=N peak=N bytes=N" goes
   to line. */
static void server_stop_line(server *s, char *line, size_t size)
{
    size_t n, got = 0;
    int eof = 0;
    mp_error err;
    mp_proc_signal(s->p, SIGTERM, &err);
    while (!eof && got < size - 1) {
        if (mp_proc_read(s->p, 1, line + got, size - 1 - got, 5, &n, &eof, &err) != MP_OK || (n == 0 && !eof)) break;
        got += n;
    }
    line[got] = '\0';
    mp_proc_destroy(s->p);
    assert_non_null(strstr(line, "served total="));
}

/* The count called key ("total", "ok", "accepted", ...) in the server's last line. */
static unsigned long served(const char *line, const char *key)
{
    char k[64];
    const char *at;
    snprintf(k, sizeof k, " %s=", key);
    at = strstr(line, k);
    if (!at) fail_msg("no '%s' in: %s", key, line);
    return strtoul(at + strlen(k), NULL, 10);
}

/* Stops it by pid and returns how many requests it received in all (and for one path). */
static unsigned long server_stop(server *s, const char *path, unsigned long *for_path)
{
    char line[4096];
    server_stop_line(s, line, sizeof line);
    if (path && for_path) *for_path = served(line, path);
    return served(line, "total");
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
                                            "/continue", "/split", "/404", "/500", "/hints",
                                            "/nolen11", "/http10-ka" };
    static const uint64_t body[] = { 2, 11, 2, 11, 2, 2, 10, 9, 4, 2, 11, 2 };
    /* Connections the server accepted for 5 users x 20 requests: one per user when the
       response lets the connection stay, one per request when it ends it. */
    static const unsigned long conns[] = { 5, 5, 100, 100, 100, 5, 5, 5, 5, 5, 100, 5 };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof ok_paths / sizeof ok_paths[0]; i++) {
        server s;
        mp_load_result *r;
        unsigned long total, mine;
        int code = i == 7 ? 404 : i == 8 ? 500 : 200;
        char name[32], line[4096];
        server_start(&s, "127.0.0.1");
        r = run_quick(s.port, ok_paths[i], 5, 20, 5);
        server_stop_line(&s, line, sizeof line);
        total = served(line, "total");
        mine = served(line, ok_paths[i] + 1);
        if (served(line, "accepted") != conns[i])
            fail_msg("%s: %lu connections, want %lu", ok_paths[i], served(line, "accepted"), conns[i]);
        /* interim responses (100, 103) are not responses */
        assert_int_equal(mp_load_result_counter(r, "http.codes.100"), 0);
        assert_int_equal(mp_load_result_counter(r, "http.codes.103"), 0);
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
    mp_error err;
    (void)state;
    r = run_quick(free_port(), "/", 3, 5, 1);
    /* artillery's own sample: --count 3 --num 5 at a closed port */
    assert_int_equal(mp_load_result_counter(r, "errors.ECONNREFUSED"), 3);
    assert_int_equal(mp_load_result_counter(r, "http.requests"), 3);
    assert_int_equal(mp_load_result_counter(r, "vusers.failed"), 3);
    assert_int_equal(mp_load_result_counter(r, "vusers.created"), 3);
    assert_int_equal(mp_load_result_write_text(r, &text, &err), MP_OK);
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

/* The rules of a configuration, checked before any work, naming the option. */
static void test_config_check(void **state)
{
    mp_load_config cfg;
    mp_error err;
    (void)state;
    assert_int_equal(mp_load_option_check("count", 3, &err), MP_OK);
    assert_int_equal(mp_load_option_check("count", 0, &err), MP_ERR_INVALID_ARG);
    assert_string_equal(err.msg, "count option must be at least 1");
    assert_int_equal(mp_load_option_check("duration", 0, &err), MP_ERR_INVALID_ARG);
    assert_string_equal(err.msg, "duration option must be above 0");
    assert_int_equal(mp_load_option_check("timeout", -1, &err), MP_ERR_INVALID_ARG);
    assert_string_equal(err.msg, "timeout option must not be negative");
    assert_int_equal(mp_load_option_check("duration", 0.001, &err), MP_OK);
    assert_int_equal(mp_load_option_check("url", 1, &err), MP_ERR_INVALID_ARG);

    memset(&cfg, 0, sizeof cfg); /* every default: artillery quick's 10 x 10 */
    assert_int_equal(mp_load_config_check(&cfg, &err), MP_OK);
    cfg.num = -2;
    assert_int_equal(mp_load_config_check(&cfg, &err), MP_ERR_INVALID_ARG);
    assert_string_equal(err.msg, "num option must not be negative");
    cfg.num = 5;
    cfg.connections = 3;
    assert_int_equal(mp_load_config_check(&cfg, &err), MP_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "connections is for the closed and open models"));
    cfg.model = MP_LOAD_CLOSED;
    assert_int_equal(mp_load_config_check(&cfg, &err), MP_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "count/num are for quick"));
    cfg.num = 0;
    cfg.requests = 100;
    assert_int_equal(mp_load_config_check(&cfg, &err), MP_OK);
    cfg.rate = 50;
    assert_int_equal(mp_load_config_check(&cfg, &err), MP_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "rate is for the open model"));
    cfg.model = MP_LOAD_OPEN;
    assert_int_equal(mp_load_config_check(&cfg, &err), MP_ERR_INVALID_ARG);
    assert_string_equal(err.msg, "requests goes with the closed model, not with rate");
    cfg.requests = 0;
    assert_int_equal(mp_load_config_check(&cfg, &err), MP_OK);
    cfg.rate = 0;
    assert_int_equal(mp_load_config_check(&cfg, &err), MP_ERR_INVALID_ARG); /* no rate */
    /* mp_load_run refuses the same before anything else */
    cfg.url = "http://no-such-host.invalid/";
    cfg.rate = 10;
    cfg.count = 1;
    assert_int_equal(mp_load_run(&cfg, &(mp_load_result *){ NULL }, &err), MP_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "count/num are for quick"));
}

/* artillery's formatDuration: its own test's durations (test/lib/test_util.js), then the
   rules read in lib/util.ts and moment's duration: units from the largest nonzero one,
   seconds always, truncated, singular at 1, whole months (which it does not print) taken out
   of the days. The expected texts are what artillery's code gives under node. */
static void test_vus_finished_duration_like_artillery(void **state)
{
    static const struct { double seconds; const char *text; } cases[] = {
        { 1, "1 second" },
        { 30, "30 seconds" },
        { 90, "1 minute, 30 seconds" },
        { 150, "2 minutes, 30 seconds" },
        { 4530, "1 hour, 15 minutes, 30 seconds" },
        { 8130, "2 hours, 15 minutes, 30 seconds" },
        { 108030, "1 day, 6 hours, 0 minutes, 30 seconds" },
        { 194430, "2 days, 6 hours, 0 minutes, 30 seconds" },
        { 65, "1 minute, 5 seconds" },
        { 0, "0 seconds" },
        { 0.5, "0 seconds" },
        { 1.99, "1 second" },
        { 59.9999, "59 seconds" },
        { 3600, "1 hour, 0 minutes, 0 seconds" },
        { 2629746, "30 days, 10 hours, 29 minutes, 6 seconds" },
        { 3188739, "5 days, 21 hours, 45 minutes, 39 seconds" }, /* 36 days less a month */
        { 2678400, "0 seconds" },                               /* 31 days: one month */
        { -61, "-1 minutes, -1 seconds" },
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mp_buf got = { 0 };
        mp_error err;
        char want[128];
        snprintf(want, sizeof want, "All VUs finished. Total time: %s\n\n", cases[i].text);
        assert_int_equal(mp_load_write_vus_finished(cases[i].seconds, &got, &err), MP_OK);
        assert_string_equal(got.data, want);
        mp_buf_free(&got);
    }
}

/* Every writer says how it ended: a buffer that ran out of memory (here: before it) is
   MP_ERR_NOMEM with a message naming what was being written. */
static void test_writers_report_out_of_memory(void **state)
{
    mp_load_result *r = sample_result();
    mp_buf full = { 0 };
    mp_error err;
    (void)state;
    full.failed = 1;
    assert_int_equal(mp_load_result_write_text(r, &full, &err), MP_ERR_NOMEM);
    assert_int_equal(err.code, MP_ERR_NOMEM);
    assert_string_equal(err.msg, "summary report: out of memory");
    assert_int_equal(mp_load_result_write_metrics(r, &full, &err), MP_ERR_NOMEM);
    assert_int_equal(mp_load_result_write_period(r, &full, &err), MP_ERR_NOMEM);
    assert_int_equal(mp_load_write_phase(0, NULL, 0, 1, 0, &full, &err), MP_ERR_NOMEM);
    assert_int_equal(mp_load_write_vus_finished(1, &full, &err), MP_ERR_NOMEM);
    assert_int_equal(mp_load_result_write_json(r, NULL, 0, &full, &err), MP_ERR_NOMEM);
    assert_int_equal(mp_load_result_write_period_json(r, &full, &err), MP_ERR_NOMEM);
    assert_int_equal(mp_load_result_write_latency(r, &full, &err), MP_ERR_NOMEM);
    assert_int_equal(mp_load_result_write_html(r, NULL, &full, &err), MP_ERR_NOMEM);
    assert_null(full.data);
    mp_load_result_free(r);
}

/* artillery's console, line for line: its sample's phase lines, intermediate report,
   "All VUs finished" and summary, with the sample's times (in UTC, as it was taken). */
static void test_console_text_matches_artillery(void **state)
{
    char *want = read_file("tests/data/artillery/artillery-quick.txt");
    const char *tz = getenv("TZ");
    char *saved = tz ? strdup(tz) : NULL;
    mp_load_result *r = sample_result();
    mp_buf got = { 0 };
    mp_error err;
    double start = r->start, end = r->end;
    (void)state;
    assert_non_null(want);
    setenv("TZ", "UTC0", 1);
    tzset();
    assert_int_equal(mp_load_write_phase(0, NULL, 0, 1, start, &got, &err), MP_OK);
    assert_int_equal(mp_load_write_phase(1, NULL, 0, 1, start + 1, &got, &err), MP_OK);
    r->end = start + 2.995; /* the period's width in the sample */
    assert_int_equal(mp_load_result_write_period(r, &got, &err), MP_OK);
    r->end = end;
    assert_int_equal(mp_load_write_vus_finished(3.2, &got, &err), MP_OK);
    assert_int_equal(mp_load_result_write_text(r, &got, &err), MP_OK);
    assert_false(got.failed);
    assert_same_layout(strchr(want, '\n') + 1, got.data); /* after "Test run id" */
    assert_non_null(strstr(got.data, "\n--------------------------------------\n"
                                     "Metrics for period to: 17:16:10(+0000) (width: 2.995s)\n"
                                     "--------------------------------------\n\n"));
    got.len = 0;
    assert_int_equal(mp_load_write_phase(0, "Ramp up load", 1, 300, start, &got, &err), MP_OK);
    assert_int_equal(mp_load_write_phase(1, "Warm up", 0, 2.5, start, &got, &err), MP_OK);
    assert_int_equal(mp_load_write_vus_finished(1.99, &got, &err), MP_OK);
    assert_string_equal(got.data,
                        "Phase started: Ramp up load (index: 1, duration: 300s) 17:16:04(+0000)\n\n"
                        "Phase completed: Warm up (index: 0, duration: 2.5s) 17:16:04(+0000)\n\n"
                        "All VUs finished. Total time: 1 second\n\n");
    if (saved) setenv("TZ", saved, 1);
    else unsetenv("TZ");
    tzset();
    free(saved);
    mp_buf_free(&got);
    mp_load_result_free(r);
    free(want);
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

/* ---- hardening: big bodies, trickling, early answers, redirects, many connections --------- */

/* A field of /proc/self/status in kB ("VmRSS:", "VmHWM:"); -1 if unreadable. */
static long status_kb(const char *field)
{
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0) {
            v = strtol(line + n, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* Sets the peak RSS (VmHWM) back to the current RSS; 0 when the kernel allows it. */
static int reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    int ok;
    if (!f) return -1;
    ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* A progress callback that keeps the highest RSS seen during the run. */
static int sample_rss(const mp_load_progress *p, void *user)
{
    long *peak = (long *)user, kb = status_kb("VmRSS:");
    (void)p;
    if (kb > *peak) *peak = kb;
    return 0;
}

static uint64_t error_total(const mp_load_result *r)
{
    uint64_t errors = 0, v;
    const char *name;
    size_t i;
    for (i = 0; mp_load_result_counter_at(r, i, &name, &v); i++)
        if (strncmp(name, "errors.", 7) == 0) errors += v;
    return errors;
}

/* 100 MB bodies, with Content-Length and chunked, are read to the end and counted, and the
   client's memory does not grow with them: the body bytes are counted and dropped. */
static void test_engine_big_bodies_are_not_kept(void **state)
{
    static const char *const paths[] = { "/big-body", "/big-chunked" };
    const uint64_t body = 100ull * 1024 * 1024;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        server s;
        mp_load_config cfg;
        mp_load_result *r;
        mp_error err;
        char url[96];
        long base, peak, hwm;
        int hwm_reset;
        double t0, secs;
        server_start(&s, "127.0.0.1");
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s.port, paths[i]);
        memset(&cfg, 0, sizeof cfg);
        cfg.url = url;
        cfg.count = 2;
        cfg.num = 2;
        cfg.arrival = 0.01;
        cfg.timeout = 60;
        cfg.progress = sample_rss;
        cfg.progress_interval = 0.02;
        cfg.user = &peak;
        base = peak = status_kb("VmRSS:");
        hwm_reset = reset_peak_rss() == 0;
        t0 = mp_time_now();
        if (mp_load_run(&cfg, &r, &err) != MP_OK) fail_msg("%s", err.msg);
        secs = mp_time_now() - t0;
        hwm = status_kb("VmHWM:");
        if (hwm_reset && hwm > peak) peak = hwm;
        server_stop(&s, NULL, NULL);
        assert_balanced(r);
        assert_int_equal(error_total(r), 0);
        assert_int_equal(mp_load_result_counter(r, "http.codes.200"), 4);
        assert_int_equal(mp_load_result_counter(r, "http.responses"), 4);
        assert_int_equal(mp_load_result_counter(r, "http.downloaded_bytes"), 4 * body);
        print_message("%s: 4 x 100 MB read in %.2f s; client RSS %ld kB before, peak %ld kB "
                      "(%s)\n", paths[i], secs, base, peak,
                      hwm_reset ? "VmHWM after clear_refs" : "sampled every 20 ms");
        /* Keeping one body would take 100 MB. */
        if (base < 0 || peak - base > 32 * 1024)
            fail_msg("%s: RSS grew from %ld kB to %ld kB", paths[i], base, peak);
        mp_load_result_free(r);
    }
}

/* A response that trickles in one byte a second never completes within the request timeout,
   and the timeout counts from the request, not from the last byte: ETIMEDOUT on time. */
static void test_engine_trickle_times_out(void **state)
{
    server s;
    mp_load_config cfg;
    mp_load_result *r;
    mp_error err;
    char url[96], line[4096];
    double t0, secs;
    (void)state;
    server_start(&s, "127.0.0.1");
    snprintf(url, sizeof url, "http://127.0.0.1:%d/trickle", s.port);
    memset(&cfg, 0, sizeof cfg);
    cfg.url = url;
    cfg.count = 3;
    cfg.num = 2;
    cfg.arrival = 0.01;
    cfg.timeout = 1.5; /* longer than the gap between two bytes */
    t0 = mp_time_now();
    if (mp_load_run(&cfg, &r, &err) != MP_OK) fail_msg("%s", err.msg);
    secs = mp_time_now() - t0;
    server_stop_line(&s, line, sizeof line);
    assert_balanced(r);
    assert_int_equal(mp_load_result_counter(r, "errors.ETIMEDOUT"), 3);
    assert_int_equal(mp_load_result_counter(r, "http.requests"), 3);
    assert_int_equal(mp_load_result_counter(r, "http.responses"), 0);
    assert_int_equal(mp_load_result_counter(r, "http.codes.200"), 0);
    assert_int_equal(mp_load_result_counter(r, "vusers.failed"), 3);
    assert_int_equal(served(line, "trickle"), 3);
    if (secs < 1.5 || secs > 1.5 + 1.0) fail_msg("the run took %.2f s for a 1.5 s timeout", secs);
    mp_load_result_free(r);
}

/* A server that writes a response as soon as it accepts, and never reads. */
static void test_engine_answer_before_request(void **state)
{
    server s;
    mp_load_config cfg;
    mp_load_result *r;
    mp_error err;
    char url[96], line[4096];
    size_t big = 16u << 20;
    char *body = (char *)malloc(big);
    (void)state;
    assert_non_null(body);
    memset(body, 'x', big);
    /* A 16 MB POST stalls in the server's small receive buffer: the answer arrives while
       the request is still being written. It counts as the response (under its code),
       the rest of the request is dropped and the connection is not used again. */
    server_start_mode(&s, "127.0.0.1", "early");
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", s.port);
    memset(&cfg, 0, sizeof cfg);
    cfg.url = url;
    cfg.method = "POST";
    cfg.body = body;
    cfg.body_len = big;
    cfg.count = 3;
    cfg.num = 2;
    cfg.arrival = 0.01;
    cfg.timeout = 5;
    if (mp_load_run(&cfg, &r, &err) != MP_OK) fail_msg("%s", err.msg);
    server_stop_line(&s, line, sizeof line);
    assert_balanced(r);
    assert_int_equal(error_total(r), 0);
    assert_int_equal(mp_load_result_counter(r, "http.codes.200"), 6);
    assert_int_equal(mp_load_result_counter(r, "http.downloaded_bytes"), 6 * 5);
    assert_int_equal(served(line, "accepted"), 6); /* a new connection for each request */
    assert_int_equal(served(line, "total"), 0);    /* it read none of them */
    mp_load_result_free(r);
    /* A small GET is written whole before the answer arrives: the answer is taken for its
       response (nothing can tell them apart); the next request on the connection is never
       read and times out. */
    server_start_mode(&s, "127.0.0.1", "early");
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", s.port);
    cfg.url = url;
    cfg.method = NULL;
    cfg.body = NULL;
    cfg.body_len = 0;
    cfg.timeout = 0.5;
    if (mp_load_run(&cfg, &r, &err) != MP_OK) fail_msg("%s", err.msg);
    server_stop_line(&s, line, sizeof line);
    assert_balanced(r);
    assert_int_equal(mp_load_result_counter(r, "http.codes.200"), 3);
    assert_int_equal(mp_load_result_counter(r, "errors.ETIMEDOUT"), 3);
    assert_int_equal(served(line, "accepted"), 3);
    mp_load_result_free(r);
    free(body);
}

static void test_parser_keeps_long_location(void **state)
{
    char resp[3000], loc[2001];
    size_t cut, used;
    mp_buf b = { 0 };
    (void)state;
    memset(loc, 'l', 2000);
    memcpy(loc, "/next?q=", 8);
    loc[2000] = '\0';
    snprintf(resp, sizeof resp,
             "HTTP/1.1 100 Continue\r\nLocation: /interim\r\n\r\n"
             "HTTP/1.1 302 Found\r\nX-Before: 1\r\nlocation: \t %s \r\nX-After: 2\r\n"
             "Content-Length: 0\r\n\r\n", loc);
    for (cut = 0; cut < 12; cut++) {
        mp__hp hp;
        mp__hp_reset(&hp, 0);
        hp.location = &b;
        assert_int_equal(feed_split(&hp, resp, strlen(resp), cut, &used), MP__HP_COMPLETE);
        assert_int_equal(hp.status, 302);
        assert_true(hp.has_location);
        assert_string_equal(b.data, loc);
    }
    {
        /* not asked for: nothing kept */
        mp__hp hp;
        mp__hp_reset(&hp, 0);
        assert_int_equal(feed_split(&hp, resp, strlen(resp), 0, &used), MP__HP_COMPLETE);
        assert_false(hp.has_location);
    }
    {
        /* a NUL would cut the kept value short: the response is malformed (found by fuzzing) */
        static const char nul[] = "HTTP/1.1 302 Found\r\nLocation: /a\0/b\r\nContent-Length: 0\r\n\r\n";
        mp__hp hp;
        mp__hp_reset(&hp, 0);
        hp.location = &b;
        assert_int_equal(feed_split(&hp, nul, sizeof nul - 1, 0, &used), MP__HP_ERROR);
        mp__hp_reset(&hp, 0);
        assert_int_equal(feed_split(&hp, nul, sizeof nul - 1, 0, &used), MP__HP_COMPLETE);
    }
    mp_buf_free(&b);
}

static void test_redirect_targets(void **state)
{
    static const struct { const char *location, *path; int err; } cases[] = {
        { "/ok", "/ok", 0 },
        { "ok", "/a/b/ok", 0 },
        { "../ok?y=2#frag", "/a/ok?y=2", 0 },
        { "./", "/a/b/", 0 },
        { "?y", "/a/b/c?y", 0 },
        { "", "/a/b/c?x=1", 0 },
        { "#frag", "/a/b/c?x=1", 0 },
        { "/a/./b/../c", "/a/c", 0 },
        { "/..", "/", 0 },
        { "http://127.0.0.1:8080/z", "/z", 0 },
        { "HTTP://127.0.0.1:8080", "/", 0 },
        { "//127.0.0.1:8080/q?r", "/q?r", 0 },
        { "/caf\xc3\xa9", "/caf%C3%A9", 0 },
        { "http://localhost:8080/", NULL, MP__LERR_REDIRECT_HOST },
        { "http://127.0.0.1/", NULL, MP__LERR_REDIRECT_HOST },
        { "http://127.0.0.1:8081/", NULL, MP__LERR_REDIRECT_HOST },
        { "https://127.0.0.1:8080/", NULL, MP__LERR_REDIRECT_HOST },
        { "mailto:a@b.c", NULL, MP__LERR_REDIRECT_HOST },
        { "//other:8080/", NULL, MP__LERR_REDIRECT_HOST },
        { "/ok bad", NULL, MP__LERR_PARSE },
        { "http://user@127.0.0.1:8080/", NULL, MP__LERR_PARSE },
        { "http://127.0.0.1:99999/", NULL, MP__LERR_PARSE },
    };
    mp__url origin, v6;
    size_t i;
    (void)state;
    assert_int_equal(mp__url_parse("http://127.0.0.1:8080/a/b/c?x=1", &origin, NULL), MP_OK);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mp_buf out = { 0 };
        int e = mp__redirect_target(&origin, origin.path, cases[i].location, &out);
        if (e != cases[i].err || (cases[i].path && (!out.data || strcmp(out.data, cases[i].path))))
            fail_msg("'%s': error %d, path '%s'; want %d, '%s'", cases[i].location, e,
                     out.data ? out.data : "", cases[i].err, cases[i].path ? cases[i].path : "");
        mp_buf_free(&out);
    }
    mp__url_free(&origin);
    assert_int_equal(mp__url_parse("http://[::1]:8080/", &v6, NULL), MP_OK);
    {
        mp_buf out = { 0 };
        assert_int_equal(mp__redirect_target(&v6, v6.path, "http://[::1]:8080/v6", &out), 0);
        assert_string_equal(out.data, "/v6");
        mp_buf_free(&out);
        assert_int_equal(mp__redirect_target(&v6, v6.path, "http://[::2]:8080/", &out),
                         MP__LERR_REDIRECT_HOST);
        mp_buf_free(&out);
    }
    mp__url_free(&v6);
}

/* Redirects: counted and not followed by default; with follow, only on the named origin,
   at most 10 in a row; every hop is a request the server counts. */
static void test_engine_redirects(void **state)
{
    static const struct {
        const char *path;
        int follow;
        uint64_t requests;
        const char *code;   /* the 3xx counter */
        uint64_t codes, ok; /* that 3xx, and 200s */
        const char *error;  /* the error counted for each of the 2 users, if any */
    } cases[] = {
        { "/redirect", 0, 6, "http.codes.302", 6, 0, NULL },
        { "/redirect", 1, 12, "http.codes.302", 6, 6, NULL },
        { "/redirect-rel", 1, 12, "http.codes.301", 6, 6, NULL },
        { "/redirect-abs", 1, 12, "http.codes.307", 6, 6, NULL },
        { "/redirect-long", 1, 12, "http.codes.302", 6, 6, NULL },
        { "/redirect-other", 1, 2, "http.codes.302", 0, 0, "errors.EREDIRECT_HOST" },
        { "/redirect-port", 1, 2, "http.codes.302", 0, 0, "errors.EREDIRECT_HOST" },
        { "/redirect-https", 1, 2, "http.codes.302", 0, 0, "errors.EREDIRECT_HOST" },
        { "/redirect-loop", 1, 22, "http.codes.302", 20, 0, "errors.EREDIRECT_LIMIT" },
        { "/redirect-bad", 1, 2, "http.codes.302", 0, 0, "errors.EPARSE" },
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        server s;
        mp_load_config cfg;
        mp_load_result *r;
        mp_error err;
        char url[96], line[4096];
        server_start(&s, "127.0.0.1");
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s.port, cases[i].path);
        memset(&cfg, 0, sizeof cfg);
        cfg.url = url;
        cfg.count = 2;
        cfg.num = 3;
        cfg.arrival = 0.01;
        cfg.timeout = 5;
        cfg.follow = cases[i].follow;
        if (mp_load_run(&cfg, &r, &err) != MP_OK) fail_msg("%s", err.msg);
        server_stop_line(&s, line, sizeof line);
        assert_balanced(r);
        if (mp_load_result_counter(r, "http.requests") != cases[i].requests ||
            mp_load_result_counter(r, cases[i].code) != cases[i].codes ||
            mp_load_result_counter(r, "http.codes.200") != cases[i].ok ||
            error_total(r) != (cases[i].error ? 2u : 0u) ||
            (cases[i].error && mp_load_result_counter(r, cases[i].error) != 2))
            fail_msg("%s (follow %d): requests %llu, %s %llu, 200 %llu, errors %llu", cases[i].path,
                     cases[i].follow, (unsigned long long)mp_load_result_counter(r, "http.requests"),
                     cases[i].code, (unsigned long long)mp_load_result_counter(r, cases[i].code),
                     (unsigned long long)mp_load_result_counter(r, "http.codes.200"),
                     (unsigned long long)error_total(r));
        /* the server saw exactly the requests counted: nothing went elsewhere */
        assert_int_equal(served(line, "total"), cases[i].requests);
        assert_int_equal(served(line, "ok"), cases[i].ok);
        if (!cases[i].error) assert_int_equal(served(line, "accepted"), 2); /* hops reuse it */
        mp_load_result_free(r);
    }
}

/* 303 turns a POST into a GET without its body; 307 repeats the POST with it. */
static void test_engine_redirect_methods(void **state)
{
    static const struct { const char *path; unsigned long bytes; } cases[] = {
        { "/redirect-303", 2 * 5 }, { "/redirect-307", 2 * 10 }, { "/redirect", 2 * 5 },
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        server s;
        mp_load_config cfg;
        mp_load_result *r;
        mp_error err;
        char url[96], line[4096];
        server_start(&s, "127.0.0.1");
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s.port, cases[i].path);
        memset(&cfg, 0, sizeof cfg);
        cfg.url = url;
        cfg.count = 1;
        cfg.num = 2;
        cfg.method = "POST";
        cfg.body = "hello";
        cfg.body_len = 5;
        cfg.follow = 1;
        if (mp_load_run(&cfg, &r, &err) != MP_OK) fail_msg("%s", err.msg);
        server_stop_line(&s, line, sizeof line);
        assert_int_equal(mp_load_result_counter(r, "http.requests"), 4);
        assert_int_equal(mp_load_result_counter(r, "http.codes.200"), 2);
        assert_int_equal(served(line, "ok"), 2);
        if (served(line, "bytes") != cases[i].bytes)
            fail_msg("%s: the server got %lu body bytes, want %lu", cases[i].path,
                     served(line, "bytes"), cases[i].bytes);
        mp_load_result_free(r);
    }
}

/* 10,000 connections at once (the closed model keeps them all open for the run): every
   request answered, the server saw exactly those, and 10,000 connections open together
   (10,000 from one address to one port fit in the ephemeral range; the client's TIME_WAIT
   sockets do not block later tests, which connect to other ports). */
static void test_engine_10k_connections(void **state)
{
    server s;
    mp_load_config cfg;
    mp_load_result *r;
    mp_error err;
    char url[96], line[4096];
    struct rlimit rl;
    double t0, secs;
    (void)state;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 10000 + 200) {
        print_message("skipped: RLIMIT_NOFILE's hard limit is %llu\n", (unsigned long long)rl.rlim_max);
        skip();
    }
    server_start(&s, "127.0.0.1");
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ok", s.port);
    memset(&cfg, 0, sizeof cfg);
    cfg.url = url;
    cfg.model = MP_LOAD_CLOSED;
    cfg.connections = 10000;
    cfg.duration = 3; /* a connection whose handshake was retried (1 s) still overlaps */
    cfg.timeout = 8;
    cfg.raise_nofile = 1;
    t0 = mp_time_now();
    if (mp_load_run(&cfg, &r, &err) != MP_OK) fail_msg("%s", err.msg);
    secs = mp_time_now() - t0;
    server_stop_line(&s, line, sizeof line);
    getrlimit(RLIMIT_NOFILE, &rl);
    print_message("10000 connections: %llu requests in %.2f s (%.0f/s); RLIMIT_NOFILE now %llu "
                  "(hard %llu); server peak %lu open\n",
                  (unsigned long long)mp_load_result_counter(r, "http.requests"), secs,
                  mp_load_result_rate(r), (unsigned long long)rl.rlim_cur,
                  (unsigned long long)rl.rlim_max, served(line, "peak"));
    assert_balanced(r);
    if (error_total(r) || mp_load_result_warning(r))
        fail_msg("%llu errors (EMFILE %llu, ETIMEDOUT %llu), warning: %s",
                 (unsigned long long)error_total(r),
                 (unsigned long long)mp_load_result_counter(r, "errors.EMFILE"),
                 (unsigned long long)mp_load_result_counter(r, "errors.ETIMEDOUT"),
                 mp_load_result_warning(r) ? mp_load_result_warning(r) : "none");
    assert_int_equal(mp_load_result_counter(r, "http.requests"), served(line, "total"));
    assert_int_equal(mp_load_result_counter(r, "http.codes.200"), served(line, "total"));
    assert_int_equal(served(line, "accepted"), 10000);
    assert_int_equal(served(line, "peak"), 10000);
    assert_true(rl.rlim_cur >= 10000);
    assert_true(secs < 3 + 8);
    mp_load_result_free(r);
}

/* With too few descriptors the result says so; raise_nofile raises the soft limit. Both
   runs happen with the limit lowered, then it is put back, then the checks. */
static void test_engine_nofile_warning(void **state)
{
    server s;
    mp_load_config cfg;
    mp_load_result *low_run = NULL, *raised_run = NULL;
    mp_error err1, err2;
    char url[96];
    struct rlimit saved, low, raised;
    const char *warning;
    mp_err rc1, rc2;
    (void)state;
    getrlimit(RLIMIT_NOFILE, &saved);
    if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < 1000) skip();
    server_start(&s, "127.0.0.1"); /* with the limit as it was */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ok", s.port);
    memset(&cfg, 0, sizeof cfg);
    cfg.url = url;
    cfg.model = MP_LOAD_CLOSED;
    cfg.connections = 400;
    cfg.duration = 0.3;
    cfg.timeout = 5;
    low = saved;
    low.rlim_cur = 256;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    rc1 = mp_load_run(&cfg, &low_run, &err1);
    cfg.raise_nofile = 1;
    rc2 = mp_load_run(&cfg, &raised_run, &err2);
    getrlimit(RLIMIT_NOFILE, &raised);
    setrlimit(RLIMIT_NOFILE, &saved);
    server_stop(&s, NULL, NULL);
    if (rc1 != MP_OK) fail_msg("%s", err1.msg);
    if (rc2 != MP_OK) fail_msg("%s", err2.msg);
    warning = mp_load_result_warning(low_run);
    if (!warning || !strstr(warning, "RLIMIT_NOFILE's soft limit is 256") ||
        !strstr(warning, "errors.EMFILE"))
        fail_msg("warning: %s", warning ? warning : "none");
    assert_true(mp_load_result_counter(low_run, "errors.EMFILE") > 0);
    if (mp_load_result_warning(raised_run) || error_total(raised_run))
        fail_msg("raised to %llu: %llu errors (EMFILE %llu), warning: %s",
                 (unsigned long long)raised.rlim_cur, (unsigned long long)error_total(raised_run),
                 (unsigned long long)mp_load_result_counter(raised_run, "errors.EMFILE"),
                 mp_load_result_warning(raised_run) ? mp_load_result_warning(raised_run) : "none");
    /* what the run needed, no more */
    if (raised.rlim_cur < 400 || raised.rlim_cur >= 1000)
        fail_msg("raised to %llu", (unsigned long long)raised.rlim_cur);
    mp_load_result_free(low_run);
    mp_load_result_free(raised_run);
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
        cmocka_unit_test(test_config_check),
        cmocka_unit_test(test_console_text_matches_artillery),
        cmocka_unit_test(test_writers_report_out_of_memory),
        cmocka_unit_test(test_vus_finished_duration_like_artillery),
        cmocka_unit_test(test_engine_closed_requests_exact),
        cmocka_unit_test(test_engine_closed_duration_and_open_rate),
        cmocka_unit_test(test_engine_open_rate_not_reached),
        cmocka_unit_test(test_engine_stop_and_ipv6),
        cmocka_unit_test(test_engine_periods_add_up),
        cmocka_unit_test(test_parser_keeps_long_location),
        cmocka_unit_test(test_redirect_targets),
        cmocka_unit_test(test_engine_big_bodies_are_not_kept),
        cmocka_unit_test(test_engine_trickle_times_out),
        cmocka_unit_test(test_engine_answer_before_request),
        cmocka_unit_test(test_engine_redirects),
        cmocka_unit_test(test_engine_redirect_methods),
        cmocka_unit_test(test_engine_nofile_warning),
        cmocka_unit_test(test_engine_10k_connections),
    };
    /* The server sits next to this binary: BUILD/tests/servers/hostile. */
    const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
    snprintf(hostile_path, sizeof hostile_path, "%.*sservers/hostile",
             slash ? (int)(slash - argv[0] + 1) : 0, argv[0]);
    signal(SIGPIPE, SIG_IGN);
    return run_suite(tests, NULL, NULL);
}
