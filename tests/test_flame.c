/* test_flame.c - per-tick stacks (mp_tick_config.on_stack, on_stacks) collected into an
   mp_flame, and its writers: folded stacks for flame graph tools, medprof's own SVG flame
   graph, .cpuprofile and speedscope. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "suite.h"

#define MEDPROF_IMPLEMENTATION
#include "medprof.h"

/* Two JS functions, the inner one named with a ';'; three ticks: two in fn called from
   outer, one in outer itself; a fourth in no known code. */
static const char log_text[] =
    "code-creation,JS,10,1,0x1000000,100,fn;semi a.js:1:1,0x2000000,~\n"
    "code-creation,JS,13,2,0x1000100,100,outer a.js:2:1,0x2000100,*\n"
    "tick,0x1000010,5,0,0x0,0,0x1000110\n"
    "tick,0x1000020,6,0,0x0,0,0x1000110\n"
    "tick,0x1000110,7,0,0x0,0\n"
    "tick,0x9999999,8,0,0x0,0\n";

typedef struct seen {
    int calls;
    double ts[8];
    size_t depth[8];
    char top[8][64];
} seen;

static void record(void *user, const char *const *names, size_t n, double ts)
{
    seen *s = (seen *)user;
    if (s->calls < 8) {
        s->ts[s->calls] = ts;
        s->depth[s->calls] = n;
        snprintf(s->top[s->calls], sizeof s->top[0], "%s", names[0]);
    }
    s->calls++;
}

static mp_tick_profile *parse(mp_tick_config *cfg)
{
    mp_tick_profile *p;
    mp_error err;
    cfg->no_symbols = 1;
    assert_int_equal(mp_tick_new(cfg, "t.log", &p, &err), MP_OK);
    assert_int_equal(mp_tick_feed(p, log_text, sizeof log_text - 1, &err), MP_OK);
    assert_int_equal(mp_tick_finish(p, &err), MP_OK);
    return p;
}

static void on_stack_sees_every_tick_top_first_with_its_time(void **state)
{
    mp_tick_config cfg;
    seen s;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    memset(&s, 0, sizeof s);
    cfg.on_stack = record;
    cfg.stack_user = &s;
    mp_tick_free(parse(&cfg));
    assert_int_equal(s.calls, 4);
    assert_string_equal(s.top[0], "JS: ~fn;semi a.js:1:1");
    assert_int_equal(s.depth[0], 2);
    assert_true(s.ts[0] == 5 && s.ts[1] == 6 && s.ts[2] == 7 && s.ts[3] == 8);
    assert_string_equal(s.top[2], "JS: *outer a.js:2:1");
    assert_int_equal(s.depth[2], 1);
    assert_string_equal(s.top[3], "UNKNOWN");
}

static void folded_lines_count_each_distinct_stack_outermost_first(void **state)
{
    mp_tick_config cfg;
    mp_tick_profile *p;
    mp_flame *f;
    mp_buf out = { 0 };
    mp_error err;
    (void)state;
    assert_int_equal(mp_flame_new(&f, &err), MP_OK);
    memset(&cfg, 0, sizeof cfg);
    cfg.on_stack = mp_flame_stack;
    cfg.stack_user = f;
    p = parse(&cfg);
    assert_int_equal(mp_flame_write_folded(f, &out, &err), MP_OK);
    /* sorted by stack; ';' inside a name is written as ':' */
    assert_string_equal(out.data, "JS: *outer a.js:2:1 1\n"
                                  "JS: *outer a.js:2:1;JS: ~fn:semi a.js:1:1 2\n"
                                  "UNKNOWN 1\n");
    assert_int_equal(mp_flame_ticks(f), 4);
    assert_false(mp_flame_failed(f));
    mp_buf_free(&out);
    mp_tick_free(p);
    mp_flame_free(f);
}

/* On a real Node 20 log the folded counts add up to the report's ticks. */
static void folded_totals_equal_the_report_on_a_real_log(void **state)
{
    mp_tick_config cfg;
    mp_tick_profile *p;
    mp_tick_summary sum;
    mp_flame *f;
    mp_buf out = { 0 };
    mp_error err;
    uint64_t total = 0;
    const char *line;
    (void)state;
    assert_int_equal(mp_flame_new(&f, &err), MP_OK);
    memset(&cfg, 0, sizeof cfg);
    cfg.symbol_list = "tests/data/tick-small.syms";
    cfg.on_stack = mp_flame_stack;
    cfg.stack_user = f;
    if (mp_tick_parse_file("tests/data/node20/small-v8.log", &cfg, &p, &err) != MP_OK)
        fail_msg("%s", err.msg);
    mp_tick_get_summary(p, &sum);
    assert_int_equal(mp_flame_write_folded(f, &out, &err), MP_OK);
    for (line = out.data; line && *line; line = strchr(line, '\n') + 1) {
        const char *nl = strchr(line, '\n');
        const char *sp = nl;
        assert_non_null(nl);
        while (sp > line && sp[-1] != ' ') sp--;
        total += strtoull(sp, NULL, 10);
    }
    assert_int_equal(total, sum.ticks - sum.excluded);
    assert_int_equal(total, 410);
    mp_buf_free(&out);
    mp_tick_free(p);
    mp_flame_free(f);
}

static void merged_isolates_keep_counting(void **state)
{
    mp_tick_config cfg;
    mp_tick_profile *p;
    mp_flame *f;
    mp_error err;
    (void)state;
    assert_int_equal(mp_flame_new(&f, &err), MP_OK);
    memset(&cfg, 0, sizeof cfg);
    cfg.on_stack = mp_flame_stack;
    cfg.stack_user = f;
    p = parse(&cfg);
    assert_int_equal(mp_tick_feed(p, log_text, sizeof log_text - 1, &err), MP_OK);
    assert_int_equal(mp_tick_finish(p, &err), MP_OK);
    assert_int_equal(mp_flame_ticks(f), 8);
    mp_tick_free(p);
    mp_flame_free(f);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle)) n++;
    return n;
}

static void flame_tree_merges_frames_per_parent(void **state)
{
    mp_tick_config cfg;
    mp_tick_profile *p;
    mp_flame *fl;
    mp_buf svg = { 0 };
    mp_error err;
    (void)state;
    assert_int_equal(mp_flame_new(&fl, &err), MP_OK);
    memset(&cfg, 0, sizeof cfg);
    cfg.on_stack = mp_flame_stack;
    cfg.stack_user = fl;
    p = parse(&cfg);
    assert_int_equal(mp_flame_ticks(fl), 4);
    assert_int_equal(mp_flame_write_svg(fl, NULL, &svg, &err), MP_OK);
    assert_false(svg.failed);
    /* all (4), outer (3) with fn (2) under it, UNKNOWN (1): four frames */
    assert_int_equal(count(svg.data, "<g class=\"f "), 4);
    assert_non_null(strstr(svg.data, "data-t=\"4\"><title>all (4 ticks, 100.00%)"));
    assert_non_null(strstr(svg.data, "data-t=\"3\"><title>JS: *outer a.js:2:1 (3 ticks, 75.00%)"));
    assert_non_null(strstr(svg.data, "data-t=\"2\"><title>JS: ~fn;semi a.js:1:1 (2 ticks, 50.00%)"));
    assert_non_null(strstr(svg.data, "class=\"f unk\" data-t=\"1\""));
    assert_non_null(strstr(svg.data, "class=\"f opt\""));
    assert_non_null(strstr(svg.data, "class=\"f int\""));
    mp_buf_free(&svg);
    mp_tick_free(p);
    mp_flame_free(fl);
}

/* Function names come from the profiled program: none may become markup or script. */
static void flame_names_cannot_inject_markup(void **state)
{
    static const char hostile[] =
        "code-creation,JS,10,1,0x1000000,100,<script>alert(1)</script> &amp; \"q\" 'a' ]]> x.js:1:1,"
        "0x2000000,~\n"
        "tick,0x1000010,5,0,0x0,0\n";
    mp_tick_config cfg;
    mp_tick_profile *p;
    mp_flame *fl;
    mp_flame_options fo;
    mp_buf svg = { 0 };
    mp_error err;
    (void)state;
    assert_int_equal(mp_flame_new(&fl, &err), MP_OK);
    memset(&cfg, 0, sizeof cfg);
    cfg.no_symbols = 1;
    cfg.on_stack = mp_flame_stack;
    cfg.stack_user = fl;
    assert_int_equal(mp_tick_new(&cfg, "h.log", &p, &err), MP_OK);
    assert_int_equal(mp_tick_feed(p, hostile, sizeof hostile - 1, &err), MP_OK);
    assert_int_equal(mp_tick_finish(p, &err), MP_OK);
    memset(&fo, 0, sizeof fo);
    fo.title = "</text><script>alert(2)</script>";
    assert_int_equal(mp_flame_write_svg(fl, &fo, &svg, &err), MP_OK);
    assert_int_equal(count(svg.data, "<script"), 1);      /* ours only */
    assert_int_equal(count(svg.data, "]]>"), 1);          /* the end of ours only */
    assert_null(strstr(svg.data, "alert(1)</script>"));
    assert_non_null(strstr(svg.data, "&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; &quot;q&quot; "
                                     "&#39;a&#39; ]]&gt; x.js:1:1"));
    assert_non_null(strstr(svg.data, "&lt;/text&gt;&lt;script&gt;alert(2)"));
    mp_buf_free(&svg);
    mp_tick_free(p);
    mp_flame_free(fl);
}

static void callframes_are_parsed_from_v8_names(void **state)
{
    mp__callframe cf;
    (void)state;
    mp__parse_callframe("JS: *searchPatients /srv/app/server.js:75:24", &cf);
    assert_int_equal(cf.fn_len, 14);
    assert_memory_equal(cf.fn, "searchPatients", 14);
    assert_int_equal(cf.url_len, 18);
    assert_memory_equal(cf.url, "/srv/app/server.js", 18);
    assert_int_equal(cf.line, 74);
    assert_int_equal(cf.col, 23);
    mp__parse_callframe("JS: ~<anonymous> node:internal/main/run_main_module:1:1", &cf);
    assert_int_equal(cf.fn_len, 0);
    assert_int_equal(cf.line, 0);
    mp__parse_callframe("v8::internal::Heap::Scavenge()", &cf);
    assert_null(cf.url);
    assert_int_equal(cf.line, -1);
    assert_int_equal(cf.fn_len, strlen("v8::internal::Heap::Scavenge()"));
    mp__parse_callframe("/usr/lib/x86_64-linux-gnu/libc.so.6", &cf);
    assert_null(cf.url);
    mp__parse_callframe("RegExp: item\\d+5", &cf);
    assert_null(cf.url);
}

static void time_ordered_views_keep_every_sample(void **state)
{
    mp_tick_config cfg;
    mp_tick_profile *p;
    mp_flame *fl;
    mp_buf cpu = { 0 }, ss = { 0 };
    mp_error err;
    (void)state;
    assert_int_equal(mp_flame_new(&fl, &err), MP_OK);
    mp_flame_keep_samples(fl);
    memset(&cfg, 0, sizeof cfg);
    cfg.on_stack = mp_flame_stack;
    cfg.stack_user = fl;
    p = parse(&cfg);
    assert_int_equal(mp_flame_write_cpuprofile(fl, &cpu, &err), MP_OK);
    assert_int_equal(mp_flame_write_speedscope(fl, "t<1>", &ss, &err), MP_OK);
    /* four ticks at 5, 6, 7, 8 µs: leaves fn, fn, outer, UNKNOWN */
    assert_non_null(strstr(cpu.data, "\"startTime\":5,\"endTime\":8,"));
    assert_non_null(strstr(cpu.data, "\"timeDeltas\":[0,1,1,1]"));
    assert_non_null(strstr(cpu.data, "\"functionName\":\"fn;semi\""));
    assert_non_null(strstr(ss.data, "\"name\":\"t\\u003c1\\u003e\""));
    assert_non_null(strstr(ss.data, "\"weights\":[1,1,1,1]"));
    assert_non_null(strstr(ss.data, "\"endValue\":3,"));
    mp_buf_free(&cpu);
    mp_buf_free(&ss);
    mp_tick_free(p);
    mp_flame_free(fl);
}

/* Every writer says how it ended: a buffer that ran out of memory (here: before it) is
   MP_ERR_NOMEM with a message, and the time-ordered formats refuse a graph without samples. */
static void flame_writers_report_failures(void **state)
{
    mp_tick_config cfg;
    mp_tick_profile *p;
    mp_flame *fl;
    mp_buf full = { 0 }, out = { 0 };
    mp_error err;
    (void)state;
    assert_int_equal(mp_flame_new(&fl, &err), MP_OK);
    memset(&cfg, 0, sizeof cfg);
    cfg.on_stacks = mp_flame_stacks;
    cfg.stack_user = fl;
    p = parse(&cfg);
    full.failed = 1;
    assert_int_equal(mp_flame_write_svg(fl, NULL, &full, &err), MP_ERR_NOMEM);
    assert_int_equal(err.code, MP_ERR_NOMEM);
    assert_non_null(strstr(err.msg, "out of memory"));
    assert_int_equal(mp_flame_write_folded(fl, &full, &err), MP_ERR_NOMEM);
    assert_int_equal(mp_flame_write_cpuprofile(fl, &out, &err), MP_ERR_INVALID_ARG);
    assert_int_equal(mp_flame_write_speedscope(fl, NULL, &out, &err), MP_ERR_INVALID_ARG);
    assert_int_equal(out.len, 0);
    assert_int_equal(mp_flame_write_folded(fl, &out, &err), MP_OK);
    assert_true(out.len > 0);
    mp_buf_free(&out);
    mp_tick_free(p);
    mp_flame_free(fl);
}

/* Folded lines come in byte order of the stack, one per distinct line: paths that escaping
   folds into one line (a ';' in a name, a control character) are added up. */
static void folded_lines_add_up_paths_that_escape_alike(void **state)
{
    static const char *const stacks[][4] = {
        { "leaf", "mid", "root", NULL },
        { "mid", "root", NULL, NULL },
        { "b;c", "a", NULL, NULL },      /* folds to a;b:c */
        { "b:c", "a", NULL, NULL },      /* the same line */
        { "x\ny", "root", NULL, NULL },  /* folds to root;x y */
        { "x y", "root", NULL, NULL },
        { "leaf", "mid", "root", NULL },
        { "root", NULL, NULL, NULL },
        { "Z", NULL, NULL, NULL },
    };
    mp_flame *fl;
    mp_error err;
    mp_buf b = { 0 };
    size_t i, n;
    (void)state;
    assert_int_equal(mp_flame_new(&fl, &err), MP_OK);
    for (i = 0; i < sizeof stacks / sizeof stacks[0]; i++) {
        for (n = 0; n < 4 && stacks[i][n]; n++) {}
        mp_flame_stack(fl, stacks[i], n, (double)i);
    }
    assert_int_equal(mp_flame_write_folded(fl, &b, &err), MP_OK);
    assert_string_equal(b.data, "Z 1\n"
                                "a;b:c 2\n"
                                "root 1\n"
                                "root;mid 1\n"
                                "root;mid;leaf 2\n"
                                "root;x y 2\n");
    assert_int_equal(mp_flame_ticks(fl), 9);
    mp_buf_free(&b);
    mp_flame_free(fl);
}

/* Reads a log with one of the two stack callbacks: on_stack tick by tick on one thread, or
   on_stacks (counted) with the read-ahead. */
static void read_stacks(const char *log, int counted, void *user,
                        void (*one)(void *, const char *const *, size_t, double),
                        void (*many)(void *, const char *const *, size_t, uint64_t))
{
    mp_tick_config cfg;
    mp_tick_profile *p;
    mp_error err;
    memset(&cfg, 0, sizeof cfg);
    cfg.no_symbols = 1;
    cfg.threads = counted ? 0 : 1;
    if (counted) cfg.on_stacks = many;
    else cfg.on_stack = one;
    cfg.stack_user = user;
    if (mp_tick_parse_file(log, &cfg, &p, &err) != MP_OK) fail_msg("%s", err.msg);
    mp_tick_free(p);
}

static void expect_same_bytes(const mp_buf *a, const mp_buf *b)
{
    assert_true(a->len > 0);
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->data, b->data, a->len);
}

/* on_stacks gets a group of ticks alike once with its count (the read-ahead): the folded
   lines and the flame graph are those of on_stack's tick by tick. */
static void counted_stacks_fold_like_single_ticks(void **state)
{
    static const char *const logs[] = { "tests/data/node20/small-v8.log",
                                        "tests/data/node20/http-v8.log" };
    size_t i;
    (void)state;
    for (i = 0; i < 2; i++) {
        mp_flame *g1, *g2;
        mp_buf a = { 0 }, b = { 0 }, sa = { 0 }, sb = { 0 };
        mp_error err;
        assert_int_equal(mp_flame_new(&g1, &err), MP_OK);
        assert_int_equal(mp_flame_new(&g2, &err), MP_OK);
        read_stacks(logs[i], 0, g1, mp_flame_stack, mp_flame_stacks);
        read_stacks(logs[i], 1, g2, mp_flame_stack, mp_flame_stacks);
        assert_int_equal(mp_flame_ticks(g1), mp_flame_ticks(g2));
        assert_int_equal(mp_flame_write_folded(g1, &a, &err), MP_OK);
        assert_int_equal(mp_flame_write_folded(g2, &b, &err), MP_OK);
        assert_int_equal(mp_flame_write_svg(g1, NULL, &sa, &err), MP_OK);
        assert_int_equal(mp_flame_write_svg(g2, NULL, &sb, &err), MP_OK);
        expect_same_bytes(&a, &b);
        expect_same_bytes(&sa, &sb);
        mp_buf_free(&a);
        mp_buf_free(&b);
        mp_buf_free(&sa);
        mp_buf_free(&sb);
        mp_flame_free(g1);
        mp_flame_free(g2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(on_stack_sees_every_tick_top_first_with_its_time),
        cmocka_unit_test(folded_lines_count_each_distinct_stack_outermost_first),
        cmocka_unit_test(folded_totals_equal_the_report_on_a_real_log),
        cmocka_unit_test(merged_isolates_keep_counting),
        cmocka_unit_test(flame_tree_merges_frames_per_parent),
        cmocka_unit_test(flame_names_cannot_inject_markup),
        cmocka_unit_test(callframes_are_parsed_from_v8_names),
        cmocka_unit_test(time_ordered_views_keep_every_sample),
        cmocka_unit_test(flame_writers_report_failures),
        cmocka_unit_test(folded_lines_add_up_paths_that_escape_alike),
        cmocka_unit_test(counted_stacks_fold_like_single_ticks),
    };
    return run_suite(tests, NULL, NULL);
}
