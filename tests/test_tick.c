/* test_tick.c - the tick-log part: CSV and numbers as V8's tools read them, the code map,
   attribution, the report's layout and rounding, node's outputs for the real Node 20 logs
   in tests/data/node20, and bad input. */
#define MEDPROF_IMPLEMENTATION
#include "medprof.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "suite.h"

#define TESTDATA "tests/data/node20/"

/* ---- helpers ---------------------------------------------------------------------------- */

/* The tests never read this machine's libraries: a NULL config means "no symbols" here. */
static const mp_tick_config *no_symbols(void)
{
    static mp_tick_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.no_symbols = 1;
    return &cfg;
}

static mp_tick_profile *parse_text(const char *log, const mp_tick_config *cfg)
{
    mp_tick_profile *p = NULL;
    mp_error err;
    assert_int_equal(mp_tick_new(cfg ? cfg : no_symbols(), "v8.log", &p, &err), MP_OK);
    assert_int_equal(mp_tick_feed(p, log, strlen(log), &err), MP_OK);
    assert_int_equal(mp_tick_finish(p, &err), MP_OK);
    return p;
}

/* The summary of a log read whole, the profile freed. */
static mp_tick_summary summary_of(const char *log, const mp_tick_config *cfg)
{
    mp_tick_profile *p = parse_text(log, cfg);
    mp_tick_summary s;
    mp_tick_get_summary(p, &s);
    mp_tick_free(p);
    return s;
}

static char *report_of(const mp_tick_profile *p, int only_summary)
{
    mp_buf out;
    mp_error err;
    mp_tick_write_options o;
    memset(&out, 0, sizeof out);
    memset(&o, 0, sizeof o);
    o.only_summary = only_summary;
    assert_int_equal(mp_tick_write_text(p, &o, &out, &err), MP_OK);
    return mp_buf_take(&out);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    mp_buf b;
    char chunk[4096];
    size_t n;
    memset(&b, 0, sizeof b);
    if (!f) fail_msg("cannot open %s (run from the repository root)", path);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) mp_buf_append(&b, chunk, n);
    fclose(f);
    mp_buf_append(&b, "", 0);
    return mp_buf_take(&b);
}

static int has_warning(const mp_tick_profile *p, const char *needle)
{
    const char *const *w;
    size_t n = mp_tick_warnings(p, &w), i;
    for (i = 0; i < n; i++)
        if (strstr(w[i], needle)) return 1;
    return 0;
}

static uint64_t row_ticks(const mp_tick_profile *p, mp_tick_section s, const char *name)
{
    const mp_tick_row *rows;
    size_t n = mp_tick_rows(p, s, &rows), i;
    for (i = 0; i < n; i++)
        if (strcmp(rows[i].name, name) == 0) return rows[i].ticks;
    return 0;
}

static const char *unescaped(mp_buf *b, const char *s)
{
    mp__tk_unescape(s, strlen(s), b);
    mp_buf_append(b, "", 0);
    return b->data;
}

/* ---- CSV fields and numbers ------------------------------------------------------------- */

static void test_parse_int_like_js(void **state)
{
    (void)state;
    assert_true(mp__tk_parse_int("0x10", 4, 0) == 16);
    assert_true(mp__tk_parse_int("12abc", 5, 0) == 12);
    assert_true(mp__tk_parse_int("-0x10", 5, 0) == -16);
    assert_true(mp__tk_parse_int("+5", 2, 0) == 5);
    assert_true(mp__tk_parse_int(" 7", 2, 0) == 7);
    assert_true(mp__tk_parse_int("0X7fe498003040", 14, 0) == 0x7fe498003040LL);
    assert_true(mp__tk_parse_int("abc", 3, 0) == MP__TK_NAN);
    assert_true(mp__tk_parse_int("0x", 2, 0) == MP__TK_NAN);
    assert_true(mp__tk_parse_int("", 0, 0) == MP__TK_NAN);
    assert_true(mp__tk_parse_int("-", 1, 0) == MP__TK_NAN);
    assert_true(mp__tk_parse_int("99999999999999999999999", 23, 0) == MP__TK_NAN);
    assert_true(mp__tk_parse_int("2C", 2, 1) == 0x2C);
    assert_true(mp__tk_parse_int("0x1F", 4, 1) == 0x1F); /* parseInt("0x1F", 16) */
}

/* The one-pass reader of tick fields (word-at-a-time for hex) against a plain reading:
   every length around the 15-digit limit, every byte value in every position, with the
   field's end inside or beyond the 16 bytes read at once. */
static int reference_num(const char *s, const char *end, uint64_t *v, const char **next)
{
    const char *f = s, *stop = memchr(s, ',', (size_t)(end - s));
    size_t n, i, max;
    int hex = end - s > 2 && s[0] == '0' && s[1] == 'x';
    if (!stop) stop = end;
    if (hex) f += 2;
    n = (size_t)(stop - f);
    max = hex ? 15 : 18;
    if (n == 0 || n > max) return 0;
    for (i = 0; i < n; i++)
        if (!(hex ? isxdigit((unsigned char)f[i]) : isdigit((unsigned char)f[i]))) return 0;
    {
        char digits[32];
        memcpy(digits, f, n);
        digits[n] = '\0';
        *v = strtoull(digits, NULL, hex ? 16 : 10);
    }
    *next = stop < end ? stop + 1 : stop;
    return 1;
}

/* s[0, len) is the line; the bytes up to s + len + after may be read too. */
static void check_fast_num_lim(const char *s, size_t len, size_t after)
{
    const char *cur = s, *ref_next = NULL;
    int64_t got = 0;
    uint64_t want = 0;
    int ok = mp__tk_fast_num(&cur, s + len, s + len + after, &got),
        ref = reference_num(s, s + len, &want, &ref_next);
    if (ok != ref || (ok && ((uint64_t)got != want || cur != ref_next))) {
        fail_msg("fast_num(\"%.*s\"): %d %llx, reference %d %llx", (int)len, s, ok,
                 (unsigned long long)got, ref, (unsigned long long)want);
    }
}

/* The line alone; then followed by a newline and more hex digits; then by hex digits right
   after its end (the reader must stop at the line's end whatever follows). */
static void check_fast_num(char *s, size_t len)
{
    check_fast_num_lim(s, len, 0);
    memcpy(s + len, "\nabcdef0123456789abc", 21);
    check_fast_num_lim(s, len, 21);
    memcpy(s + len, "abcdef0123456789abcd,", 21);
    check_fast_num_lim(s, len, 21);
    memcpy(s + len, "ab,0000000000000000000", 21);
    check_fast_num_lim(s, len, 21);
}

static void test_fast_num_like_plain_reading(void **state)
{
    static const char digits[] = "0123456789abcdefABCDEF";
    char buf[96];
    size_t n, i, pos, tail;
    unsigned b;
    (void)state;
    for (n = 0; n <= 18; n++) {
        for (tail = 0; tail <= 20; tail += 4) {
            memcpy(buf, "0x", 2);
            for (i = 0; i < n; i++) buf[2 + i] = digits[(i * 7 + n) % 22];
            buf[2 + n] = ',';
            memset(buf + 3 + n, '9', tail);
            check_fast_num(buf, 3 + n + tail);  /* comma, then more fields */
            check_fast_num(buf, 2 + n);         /* the line ends with the field */
            buf[0] = '1';                       /* decimal: no 0x */
            buf[1] = '2';
            for (i = 0; i < n; i++) buf[2 + i] = (char)('0' + i % 10);
            check_fast_num(buf, 3 + n + tail);
            check_fast_num(buf, 2 + n);
        }
    }
    for (n = 1; n <= 15; n++)
        for (pos = 0; pos <= n; pos++)
            for (b = 0; b < 256; b++) {
                memcpy(buf, "0x", 2);
                for (i = 0; i < n; i++) buf[2 + i] = digits[(i * 5 + b) % 22];
                buf[2 + n] = ',';
                memset(buf + 3 + n, 'f', 20);
                buf[2 + pos] = (char)b;
                check_fast_num(buf, 3 + n + 20);
            }
}

static void test_unescape_v8_fields(void **state)
{
    mp_buf b;
    (void)state;
    memset(&b, 0, sizeof b);
    assert_string_equal(unescaped(&b, "plain"), "plain");
    assert_string_equal(unescaped(&b, "a\\x2Cb"), "a,b");
    assert_string_equal(unescaped(&b, "a\\x2cb"), "a,b");
    assert_string_equal(unescaped(&b, "back\\\\slash"), "back\\slash");
    assert_string_equal(unescaped(&b, "new\\nline"), "new\nline");
    assert_string_equal(unescaped(&b, "caf\\u00e9"), "caf\xc3\xa9");
    assert_string_equal(unescaped(&b, "esc\\u001b."), "esc\x1b.");
    assert_string_equal(unescaped(&b, "ls\\u2028"), "ls\xe2\x80\xa8");
    /* A surrogate pair is one character; a lone surrogate is U+FFFD, as node prints it. */
    assert_string_equal(unescaped(&b, "\\ud83d\\ude00!"), "\xf0\x9f\x98\x80!");
    assert_string_equal(unescaped(&b, "\\ud83dx"), "\xef\xbf\xbdx");
    assert_string_equal(unescaped(&b, "\\ude00"), "\xef\xbf\xbd");
    /* csvparser's quirk: any other escaped character starts a 4-digit code. */
    assert_string_equal(unescaped(&b, "\\q0041B"), "AB");
    /* Quotes are ordinary characters (2009 logs quoted their names). */
    assert_string_equal(unescaped(&b, "\"quoted\""), "\"quoted\"");
    /* A trailing backslash reads as U+0000, which the length keeps. */
    mp__tk_unescape("x\\", 2, &b);
    assert_int_equal(b.len, 2);
    assert_int_equal(b.data[1], 0);
    mp_buf_free(&b);
}

static void test_js_string_order(void **state)
{
    (void)state;
    /* UTF-16 code units: U+1F600 (D83D DE00) sorts before U+FF61, unlike in UTF-8 bytes. */
    assert_true(mp__tk_js_cmp("\xf0\x9f\x98\x80", 4, "\xef\xbd\xa1", 3) < 0);
    assert_true(mp__tk_js_cmp("a\xf0\x9f\x98\x80", 5, "a\xef\xbd\xa1", 4) < 0);
    assert_true(mp__tk_js_cmp("Zeta", 4, "zeta", 4) < 0);
    assert_true(mp__tk_js_cmp("ab", 2, "abc", 3) < 0);
    assert_true(mp__tk_js_cmp("abc", 3, "abc", 3) == 0);
    assert_true(mp__tk_js_cmp("_x", 2, "TOTAL", 5) > 0);
}

/* ---- report numbers ------------------------------------------------------------------- */

static void test_report_line_rounds_like_tofixed(void **state)
{
    mp_buf out, tmp;
    (void)state;
    memset(&out, 0, sizeof out);
    memset(&tmp, 0, sizeof tmp);
    /* 49/400 = 12.25%: toFixed gives 12.3 where printf's %.1f gives 12.2. */
    mp__rp_line(&out, &tmp, "f", 1, 49, 400, 1, 200);
    assert_string_equal(out.data, "     49   12.3%   24.5%  f\n");
    out.len = 0;
    mp__rp_line(&out, &tmp, "lib", 3, 3, 8, 0, 0);
    assert_string_equal(out.data, "      3   37.5%          lib\n");
    out.len = 0;
    /* Division by zero prints as JavaScript does. */
    mp__rp_line(&out, &tmp, "x", 1, 0, 5, 1, 0);
    assert_string_equal(out.data, "      0    0.0%    NaN%  x\n");
    out.len = 0;
    mp__rp_line(&out, &tmp, "y", 1, 2, 5, 1, 0);
    assert_string_equal(out.data, "      2   40.0%  Infinity%  y\n");
    out.len = 0;
    mp__rp_line(&out, &tmp, "big", 3, 123456, 123456, 0, 0);
    assert_string_equal(out.data, "  123456  100.0%          big\n");
    mp_buf_free(&out);
    mp_buf_free(&tmp);
}

/* ---- code map and attribution ------------------------------------------------------------ */

#define HDR "v8-version,11,3,244,8,-node.38,0\n"

static void test_every_record_type(void **state)
{
    (void)state;
    const char *log =
        HDR
        "shared-library,/lib/libz.so,0x10000000,0x10002000,0\n"
        "code-creation,JS,10,1,0x30000000,0x40,fib /a.js:1:13,0x40000000,*\n"
        "code-creation,JS,10,2,0x30000100,0x40, /a.js:1:1,0x40000040,~\n"
        "code-creation,RegExp,3,3,0x30000200,0x40,item\\\\d+5\n"
        "code-creation,Builtin,2,4,0x30000300,0x40,Foo\n"
        "code-creation,JS,10,5,0x30000400,0x40,gone /a.js:2:1,0x40000080,^\n"
        "code-delete,0x30000400\n"
        "code-creation,JS,10,6,0x30000500,0x40,moved /a.js:3:1,0x400000c0,+\n"
        "code-move,0x30000500,0x30000600\n"
        "code-deopt,1,2,0x30000000,0,0,soft,<a.js:1:1>,x\n"
        "code-source-info,0x30000000,1,0,10,C0O0,,\n"
        "script-source,1,/a.js,function fib() {}\n"
        "heap-capacity,123\n"
        "tick,0x30000010,100,0,0x0,0\n"
        "tick,0x30000110,101,0,0x0,0\n"
        "tick,0x30000210,102,0,0x0,0\n"
        "tick,0x30000310,103,0,0x0,0\n"
        "tick,0x30000410,104,0,0x0,0\n"
        "tick,0x30000510,105,0,0x0,1\n"
        "tick,0x30000610,106,0,0x0,0\n"
        "tick,0x10000010,107,0,0x0,6\n";
    mp_tick_profile *p = parse_text(log, NULL);
    mp_tick_summary s;
    mp_tick_get_summary(p, &s);
    assert_int_equal(s.ticks, 8);
    assert_int_equal(s.unaccounted, 2); /* the deleted and the moved-away addresses */
    assert_int_equal(s.gc, 1);
    assert_int_equal(s.shared, 1);
    assert_int_equal(s.js, 5);
    assert_int_equal(s.unknown_records, 1); /* heap-capacity */
    assert_int_equal(row_ticks(p, MP_TICK_JS, "JS: *fib /a.js:1:13"), 1);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "JS: ~<anonymous> /a.js:1:1"), 1);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "RegExp: item\\d+5"), 1);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "Builtin: Foo"), 1);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "JS: +moved /a.js:3:1"), 1);
    assert_int_equal(row_ticks(p, MP_TICK_SHARED, "/lib/libz.so"), 1);
    mp_tick_free(p);
}

static void test_moves_deletes_and_overlaps(void **state)
{
    (void)state;
    const char *log =
        HDR
        "code-creation,Builtin,2,1,0x1000,0x100,A\n"
        "code-creation,Builtin,2,2,0x1080,0x10,B\n"   /* overlaps A: A is deleted */
        "tick,0x1010,1,0,0x0,0\n"                     /* was A: now unknown */
        "tick,0x1085,2,0,0x0,0\n"
        "code-move,0x1080,0x2000\n"
        "tick,0x2005,3,0,0x0,0\n"
        "code-move,0x9999,0x3000\n"                   /* unknown */
        "code-delete,0x8888\n"                        /* unknown */
        "code-delete,0x7777\n"                        /* unknown */
        "code-creation,Builtin,2,3,0x2008,0x10,C\n"   /* overlaps moved B */
        "tick,0x2001,4,0,0x0,0\n";
    mp_tick_profile *p = parse_text(log, NULL);
    mp_tick_summary s;
    mp_tick_get_summary(p, &s);
    assert_int_equal(s.ticks, 4);
    assert_int_equal(s.unaccounted, 2);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "Builtin: B"), 2);
    assert_true(has_warning(p, "1 code-move event for unknown code (first: from 0x9999)"));
    assert_true(has_warning(p, "2 code-delete events for unknown code (first: 0x8888)"));
    mp_tick_free(p);
}

static void test_name_generator_on_first_lookup(void **state)
{
    (void)state;
    const char *log =
        HDR
        "code-creation,Builtin,2,1,0x1000,0x10,X\n"
        "code-creation,Builtin,2,2,0x2000,0x10,X\n"
        "code-creation,Builtin,2,3,0x3000,0x10,X\n"
        "tick,0x3001,1,0,0x0,0\n"      /* looked up first: plain name */
        "tick,0x1001,2,0,0x0,0\n"      /* second: {1} */
        "tick,0x1002,3,0,0x0,0\n"      /* already named */
        "tick,0x2001,4,0,0x0,0\n";     /* {2} */
    mp_tick_profile *p = parse_text(log, NULL);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "Builtin: X"), 1);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "Builtin: X {1}"), 2);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "Builtin: X {2}"), 1);
    mp_tick_free(p);
}

static void test_function_entries(void **state)
{
    (void)state;
    const char *log =
        HDR
        "code-creation,JS,10,1,0x1000,0x100,f /a.js:1:1,0x9000,~\n"
        "code-creation,JS,11,2,0x1000,0x100,f /a.js:1:1,0x9000,^\n"  /* same code: new state */
        "tick,0x1001,1,0,0x0,0\n"
        "code-creation,JS,13,3,0x2000,0x100,g /a.js:2:1,0x9000,*\n"  /* renames the SFI */
        "tick,0x1001,2,0,0x0,0\n"
        "sfi-move,0x9000,0x9100\n"
        "code-creation,JS,13,4,0x3000,0x100,,0x9100,\n"             /* empty name, no marker */
        "tick,0x3001,3,0,0x0,0\n"
        "code-creation,JS,10,5,0x4000,0x100,h /a.js:3:1,0x9200,?\n" /* unknown state */
        "code-creation,JS,10,6,0x5000,0x100,i /a.js:4:1,0x9300\n";  /* missing state */
    mp_tick_profile *p = parse_text(log, NULL);
    mp_tick_summary s;
    assert_int_equal(row_ticks(p, MP_TICK_JS, "JS: ^f /a.js:1:1"), 1);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "JS: ^g /a.js:2:1"), 1);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "JS: <anonymous>"), 1);
    assert_true(has_warning(p, "line 10: unknown code state: ?"));
    assert_true(has_warning(p, "line 11: unknown code state: undefined"));
    mp_tick_free(p);
    {   /* a flood of bad lines: a hundred warnings, a count of the rest, the summaries */
        mp_buf many;
        const char *const *w;
        size_t n, i;
        memset(&many, 0, sizeof many);
        mp_buf_puts(&many, HDR);
        for (i = 0; i < 500; i++)
            mp_buf_printf(&many, "code-creation,JS,10,1,0x%zx,0x10,f,0x9000,?\ncode-delete,0x1\n",
                          0x1000 + i * 0x10);
        p = parse_text(many.data, NULL);
        n = mp_tick_warnings(p, &w);
        assert_int_equal(n, 102);
        assert_string_equal(w[100], "400 more warnings like the ones above were left out");
        assert_string_equal(w[101], "500 code-delete events for unknown code (first: 0x1)");
        mp_buf_free(&many);
        mp_tick_free(p);
    }
    p = parse_text(log, NULL);
    mp_tick_get_summary(p, &s);
    assert_int_equal(s.bad_lines, 2);
    mp_tick_free(p);
}

static void test_library_pages_shadow_dynamic_code(void **state)
{
    (void)state;
    /* Embedded builtins live in the binary's text: ticks there never reach dynamic code. */
    const char *log =
        HDR
        "shared-library,/usr/bin/node,0x400000,0x500000,0\n"
        "shared-library,/usr/bin/node,0x400000,0x600000,0\n"       /* duplicate start */
        "code-creation,Builtin,2,1,0x450000,0x100,Shadowed\n"
        "code-creation,Builtin,2,1,0x550000,0x100,AlsoShadowed\n"
        "tick,0x450010,1,0,0x0,0\n"
        "tick,0x550010,2,0,0x0,0\n";                               /* marked, no entry */
    mp_tick_profile *p = parse_text(log, NULL);
    mp_tick_summary s;
    mp_tick_get_summary(p, &s);
    assert_int_equal(row_ticks(p, MP_TICK_SHARED, "/usr/bin/node"), 1);
    assert_int_equal(s.unaccounted, 1);
    assert_int_equal(s.js, 0);
    mp_tick_free(p);
}

static void test_page_numbers_are_32_bit(void **state)
{
    /* JS's (addr / 4096) | 0 keeps 32 bits: code 2^44 above a library shares its page
       numbers, so it is looked up among the libraries and found nowhere (node agrees). */
    const char *log =
        HDR
        "shared-library,/lib/a.so,0x10000000,0x10002000,0\n"
        "code-creation,Builtin,2,1,0x100010000000,0x100,Far\n"
        "code-creation,Builtin,2,1,0x100020000000,0x100,Near\n"
        "tick,0x100010000010,1,0,0x0,0\n"
        "tick,0x100020000010,2,0,0x0,0\n"
        /* More pages than V8's largest Set: node throws after 2^24 of them, adding no
           library, so both ticks below land on marked pages with nothing there. */
        "shared-library,/lib/huge.so,0x0,0x7fffffffffff,0\n"
        "tick,0x100020000010,3,0,0x0,0\n"
        "tick,0x5000,4,0,0x0,0\n"
        "shared-library,/lib/small.so,0x20000000000,0x20000001000,0\n" /* no room either */
        "tick,0x20000000010,5,0,0x0,0\n";
    mp_tick_profile *p;
    mp_tick_summary s;
    (void)state;
    p = parse_text(log, NULL);
    mp_tick_get_summary(p, &s);
    assert_int_equal(s.ticks, 5);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "Builtin: Near"), 1);
    assert_int_equal(s.unaccounted, 4);
    assert_int_equal(s.shared, 0);
    assert_true(has_warning(p, "line 7: Set maximum size exceeded"));
    assert_true(has_warning(p, "line 10: Set maximum size exceeded"));
    assert_int_equal(mp__tk_page_count(p), MP__TK_MAX_PAGES);
    mp_tick_free(p);
}

static mp_err fake_symbols(void *user, const char *lib, uint64_t start, uint64_t end,
                           uint64_t slide, const mp_sym **syms, size_t *n, mp_error *err)
{
    static const mp_sym libc[] = {
        { 0x10000100, 0x10000200, "write" },
        { 0x10000200, 0x10000300, "zed" },
    };
    (void)start; (void)end; (void)slide;
    (*(int *)user)++;
    if (strcmp(lib, "/lib/libc.so") != 0)
        return mp__fail(err, MP_ERR_NOT_FOUND, ENOENT, "%s: not here", lib);
    *syms = libc;
    *n = 2;
    return MP_OK;
}

static void test_cpp_entries_and_symbols(void **state)
{
    (void)state;
    const char *log =
        HDR
        "shared-library,/lib/libc.so,0x10000000,0x10001000,0\n"
        "shared-library,/lib/missing.so,0x20000000,0x20001000,0\n"
        "shared-library,/lib/missing.so,0x20000000,0x20002000,0\n"
        "shared-library,[vdso],0x30000000,0x30001000,0\n"
        "shared-library,7f00-7f10,0x31000000,0x31001000,0\n"
        "code-creation,JS,10,1,0x50000000,0x100,js /a.js:1:1,0x60000000,*\n"
        "tick,0x10000150,1,0,0x0,6,0x10000250,0x50000010\n"  /* write <- zed <- js */
        "tick,0x10000250,2,0,0x0,6,0x50000010\n"             /* zed <- js */
        "tick,0x10000250,3,0,0x0,6,0x50000010\n"
        "tick,0x20000010,4,0,0x0,0\n";
    mp_tick_config cfg;
    mp_tick_profile *p;
    const mp_tick_row *rows;
    char *text;
    int calls = 0;
    memset(&cfg, 0, sizeof cfg);
    cfg.symbols_fn = fake_symbols;
    cfg.symbols_user = &calls;
    p = parse_text(log, &cfg);
    assert_int_equal(calls, 3); /* [vdso] and the anonymous mapping are never looked up */
    assert_int_equal(row_ticks(p, MP_TICK_CPP, "write"), 1);
    assert_int_equal(row_ticks(p, MP_TICK_CPP, "zed"), 2);
    assert_int_equal(row_ticks(p, MP_TICK_SHARED, "/lib/missing.so"), 1);
    assert_true(has_warning(p, "no C++ symbols for /lib/missing.so"));
    {   /* warned once, not once per record */
        const char *const *w;
        size_t n = mp_tick_warnings(p, &w), i, k = 0;
        for (i = 0; i < n; i++) k += strstr(w[i], "missing.so") != NULL;
        assert_int_equal(k, 1);
    }
    /* Entry points: the last C++ frame before the first non-C++ one, all 3 in "zed". Node's
       quirk: "zed" ties with TOTAL and sorts before it (names go down), so the list's head,
       which node skips, is zed, and TOTAL is printed as a row. */
    assert_int_equal(mp_tick_rows(p, MP_TICK_ENTRY, &rows), 1);
    assert_string_equal(rows[0].name, "TOTAL");
    assert_int_equal(rows[0].ticks, 3);
    text = report_of(p, 0);
    assert_non_null(strstr(text, " [C++ entry points]:\n   ticks    cpp   total   name\n"
                                 "      3  100.0%   75.0%  TOTAL\n\n"));
    MP_FREE(text);
    mp_tick_free(p);
}

/* --range and --distortion as node's --prof-process reads their text (parseInt), into the
   numbers mp_tick_config takes; the config's rules refuse NaN bounds and endless distortion. */
static void test_range_and_distortion_flags(void **state)
{
    mp_tick_config cfg;
    mp_error err;
    double a, b;
    (void)state;
    mp_tick_parse_range("40,200", &a, &b);
    assert_true(a == 40 && b == 200);
    mp_tick_parse_range("12abc, 0x20x,9", &a, &b); /* parseInt(" 0x20x") is 32 */
    assert_true(a == 12 && b == 32);
    mp_tick_parse_range("abc", &a, &b);
    assert_true(a == -INFINITY && b == INFINITY);
    mp_tick_parse_range(",5", &a, &b);
    assert_true(a == -INFINITY && b == 5);
    mp_tick_parse_range("-3,", &a, &b);
    assert_true(a == -3 && b == INFINITY);
    mp_tick_parse_range(NULL, &a, &b);
    assert_true(a == -INFINITY && b == INFINITY);
    assert_true(mp_tick_parse_distortion("250000") == 250000);
    assert_true(mp_tick_parse_distortion("12abc") == 12);
    assert_true(mp_tick_parse_distortion("abc") == 0);
    assert_true(mp_tick_parse_distortion("") == 0);
    assert_true(mp_tick_parse_distortion(NULL) == 0);
    memset(&cfg, 0, sizeof cfg);
    cfg.range_start = NAN; /* ignored without has_range */
    assert_int_equal(mp_tick_config_check(&cfg, &err), MP_OK);
    cfg.has_range = 1;
    assert_int_equal(mp_tick_config_check(&cfg, &err), MP_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "range option"));
    cfg.range_start = -INFINITY;
    cfg.range_end = INFINITY;
    assert_int_equal(mp_tick_config_check(&cfg, &err), MP_OK);
    cfg.distortion = INFINITY;
    assert_int_equal(mp_tick_config_check(&cfg, &err), MP_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "distortion option"));
}

static void test_filters_and_options(void **state)
{
    (void)state;
    const char *log =
        HDR
        "code-creation,Builtin,2,1,0x1000,0x10,KeyedLoadIC_Megamorphic\n"
        "code-creation,BytecodeHandler,0,1,0x2000,0x10,Wide\n"
        "code-creation,Stub,2,1,0x3000,0x10,S\n"
        "code-creation,JS,10,1,0x4000,0x10,f /a.js:1:1,0x9000,*\n"
        "tick,0x1001,1000,0,0x0,0,0x4001\n"
        "tick,0x2001,2000,0,0x0,1,0x4001\n"
        "tick,0x3001,3000,0,0x0,0,0x4001\n"
        "tick,0x4001,4000,1,0x3001,6\n"      /* external callback: pc = the callback */
        "tick,0x4001,5000,0,0x4001,0\n"      /* tos is a JS function: kept */
        "tick,0x5001,6000,0,0x0,0\n";        /* unknown */
    mp_tick_config cfg;
    mp_tick_profile *p;
    mp_tick_summary s;
    const mp_tick_node *nodes;
    /* Defaults: bytecode handlers are skipped, the rest separate. */
    p = parse_text(log, NULL);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "JS: *f /a.js:1:1"), 2); /* the Wide tick + its own */
    assert_int_equal(row_ticks(p, MP_TICK_JS, "Stub: S"), 2);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "Builtin: KeyedLoadIC_Megamorphic"), 1);
    mp_tick_get_summary(p, &s);
    assert_int_equal(s.gc, 1);
    mp_tick_bottom_up(p, &nodes);
    assert_int_equal(nodes[0].total, 6);
    mp_tick_free(p);

    memset(&cfg, 0, sizeof cfg);
    cfg.separate_ic = MP_TICK_NO;
    cfg.separate_bytecodes = MP_TICK_YES;
    cfg.separate_stubs = MP_TICK_NO;
    p = parse_text(log, &cfg);
    /* IC_RE's unanchored "Handler: " branch catches bytecode handlers too (node agrees). */
    assert_int_equal(row_ticks(p, MP_TICK_JS, "BytecodeHandler: Wide"), 0);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "Builtin: KeyedLoadIC_Megamorphic"), 0);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "Stub: S"), 0);
    mp_tick_free(p);

    memset(&cfg, 0, sizeof cfg);
    cfg.filter_state = 1;
    cfg.state = MP_TICK_VM_GC;
    p = parse_text(log, &cfg);
    mp_tick_get_summary(p, &s);
    assert_int_equal(s.ticks, 6);
    assert_int_equal(s.excluded, 5);
    assert_int_equal(s.gc, 1);
    mp_tick_free(p);

    memset(&cfg, 0, sizeof cfg);
    cfg.has_range = 1;
    cfg.range_start = 2;          /* ms; ticks at 2000..4000 us */
    cfg.range_end = 4;
    cfg.ignore_unknown = 1;
    p = parse_text(log, &cfg);
    mp_tick_get_summary(p, &s);
    assert_int_equal(s.ticks, 3);
    mp_tick_free(p);

    memset(&cfg, 0, sizeof cfg);
    cfg.ignore_unknown = 1;
    p = parse_text(log, &cfg);
    mp_tick_get_summary(p, &s);
    assert_int_equal(s.unaccounted, 1);
    assert_int_equal(s.total, 5);
    {
        char *text = report_of(p, 1);
        assert_null(strstr(text, "Unaccounted"));
        MP_FREE(text);
    }
    mp_tick_free(p);
}

static void test_frames(void **state)
{
    (void)state;
    const char *log =
        HDR
        "code-creation,Builtin,2,1,0x1000,0x100,A\n"
        "code-creation,Builtin,2,1,0x2000,0x100,B\n"
        "code-creation,Builtin,2,1,0x3000,0x100,C\n"
        /* relative frames count from the last relative one (starting at pc) */
        "tick,0x1010,1,0,0x0,0,+0x1000,0x3010,+0x1000,overflow\n";
    mp_tick_config cfg;
    mp_tick_profile *p;
    const mp_tick_node *n;
    memset(&cfg, 0, sizeof cfg);
    p = parse_text(log, &cfg);
    assert_int_equal(mp_tick_bottom_up(p, &n), 5);
    assert_string_equal(n[1].name, "Builtin: A");
    assert_string_equal(n[2].name, "Builtin: B");
    assert_string_equal(n[3].name, "Builtin: C");
    assert_string_equal(n[4].name, "Builtin: C");
    assert_true(has_warning(p, "dropped 1 unknown tick frame"));
    mp_tick_free(p);
    cfg.call_graph_size = 1; /* only 2 levels kept */
    p = parse_text(log, &cfg);
    assert_int_equal(mp_tick_bottom_up(p, &n), 3);
    mp_tick_free(p);
}

/* ---- reading --------------------------------------------------------------------------- */

static void test_empty_and_odd_files(void **state)
{
    mp_tick_profile *p;
    mp_tick_summary s;
    char *text;
    (void)state;
    p = parse_text("", NULL);
    text = report_of(p, 0);
    assert_string_equal(text, "Statistical profiling result from v8.log, (0 ticks, 0 unaccounted, "
                              "0 excluded).\n");
    MP_FREE(text);
    mp_tick_free(p);

    /* An empty line ends the log, as node's `while (line = readline())` does. */
    p = parse_text(HDR "tick,0x1,1,0,0x0,0\n\ntick,0x1,1,0,0x0,0\n", NULL);
    mp_tick_get_summary(p, &s);
    assert_int_equal(s.ticks, 1);
    mp_tick_free(p);

    /* A last line without its newline is dropped with node's warning. */
    p = parse_text(HDR "tick,0x1,1,0,0x0,0\ntick,0x1,1,0,0x0,0", NULL);
    mp_tick_get_summary(p, &s);
    assert_int_equal(s.ticks, 1);
    assert_true(has_warning(p, "Profile file v8.log is broken"));
    mp_tick_free(p);

    /* Only code events: no ticks, header only. */
    p = parse_text(HDR "code-creation,Builtin,2,1,0x1000,0x10,A\ncode-delete,0x1000\n", NULL);
    mp_tick_get_summary(p, &s);
    assert_int_equal(s.ticks, 0);
    mp_tick_free(p);

    /* Not a V8 log at all */
    p = parse_text("hello,world\n,,,\n", NULL);
    assert_string_equal(mp_tick_version_note(p), "Unable to read v8-version from log file.");
    mp_tick_free(p);
}

static void test_binary_garbage_does_not_crash(void **state)
{
    static const char *const tags[] = { "tick,", "code-creation,", "code-move,", "code-delete,",
                                        "sfi-move,", "shared-library," };
    char *buf = (char *)malloc(1 << 16);
    uint32_t x = 12345;
    int round;
    (void)state;
    for (round = 0; round < 50; round++) {
        mp_tick_profile *p;
        mp_error err;
        mp_buf out;
        size_t i, n = 0;
        while (n < (1 << 16) - 64) {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;
            if (x % 7 == 0) {
                const char *t = tags[x % 6];
                memcpy(buf + n, t, strlen(t));
                n += strlen(t);
            }
            buf[n++] = (char)(x % 5 == 0 ? ',' : x % 11 == 0 ? '\n' : x % 3 == 0 ? '0' + (char)(x % 10) : (char)(x >> 8));
            if (buf[n - 1] == '\n' && n > 1 && buf[n - 2] == '\n') buf[n - 1] = 'x';
        }
        assert_int_equal(mp_tick_new(no_symbols(), "garbage", &p, &err), MP_OK);
        for (i = 0; i < n; i += 1000)
            assert_int_equal(mp_tick_feed(p, buf + i, n - i < 1000 ? n - i : 1000, &err), MP_OK);
        assert_int_equal(mp_tick_finish(p, &err), MP_OK);
        memset(&out, 0, sizeof out);
        assert_int_equal(mp_tick_write_text(p, NULL, &out, &err), MP_OK);
        assert_int_equal(mp_tick_write_json(p, NULL, &out, &err), MP_OK);
        mp_buf_free(&out);
        mp_tick_free(p);
    }
    free(buf);
}

static void test_huge_names_and_lines(void **state)
{
    size_t big = 3 * 1024 * 1024, i;
    mp_buf log;
    mp_tick_profile *p;
    char *text;
    (void)state;
    memset(&log, 0, sizeof log);
    mp_buf_puts(&log, HDR "code-creation,Builtin,2,1,0x1000,0x10,");
    for (i = 0; i < big; i++) mp_buf_append(&log, i % 2 ? "\\x2C" : "n", i % 2 ? 4 : 1);
    mp_buf_puts(&log, "\ntick,0x1001,1,0,0x0,0\n");
    p = parse_text(log.data, NULL);
    text = report_of(p, 0);
    assert_true(strlen(text) > big);
    assert_non_null(strstr(text, "Builtin: n,n,n,"));
    MP_FREE(text);
    mp_tick_free(p);
    mp_buf_free(&log);
}

static void test_missing_file_is_a_clear_error(void **state)
{
    mp_tick_profile *p = (mp_tick_profile *)1;
    mp_error err;
    (void)state;
    assert_int_equal(mp_tick_parse_file("/nonexistent/isolate-v8.log", NULL, &p, &err),
                     MP_ERR_NOT_FOUND);
    assert_null(p);
    assert_non_null(strstr(err.msg, "/nonexistent/isolate-v8.log"));
    assert_int_equal(mp_tick_parse_file("tests", NULL, &p, &err), MP_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "directory"));
    assert_int_equal(mp_tick_parse_file(TESTDATA "small-v8.log", no_symbols(), &p, &err), MP_OK);
    assert_int_equal(mp_tick_add_file(p, "/nonexistent/b.log", &err), MP_ERR_NOT_FOUND);
    mp_tick_free(p);
}

/* ---- reading ahead ------------------------------------------------------------------------ */

/* Everything a profile shows: text and JSON reports, then the warnings. */
static char *describe(const mp_tick_profile *p)
{
    mp_buf out;
    mp_error err;
    const char *const *w;
    size_t n = mp_tick_warnings(p, &w), i;
    memset(&out, 0, sizeof out);
    assert_int_equal(mp_tick_write_text(p, NULL, &out, &err), MP_OK);
    assert_int_equal(mp_tick_write_json(p, NULL, &out, &err), MP_OK);
    for (i = 0; i < n; i++) mp_buf_printf(&out, "%s\n", w[i]);
    mp_buf_append(&out, "", 0);
    return mp_buf_take(&out);
}

static void expect_read_ahead_like_one_thread(const char *path, mp_tick_config cfg)
{
    mp_tick_profile *one, *two;
    mp_error err;
    char *a, *b;
    cfg.threads = 1;
    if (mp_tick_parse_file(path, &cfg, &one, &err) != MP_OK) fail_msg("%s", err.msg);
    cfg.threads = 0;
    if (mp_tick_parse_file(path, &cfg, &two, &err) != MP_OK) fail_msg("%s", err.msg);
    a = describe(one);
    b = describe(two);
    assert_string_equal(b, a);
    MP_FREE(a);
    MP_FREE(b);
    mp_tick_free(one);
    mp_tick_free(two);
}

/* The read-ahead (a second thread groups the ticks alike between code events) gives what
   reading line by line on one thread gives: on node's logs, and on a written log of a few MB
   (several batches) whose ticks repeat around code events, with a line longer than the
   reader's buffer and no newline at its end. */
static void test_read_ahead_like_one_thread(void **state)
{
    char path[] = "/tmp/medprof-test-XXXXXX";
    mp_tick_config cfg = *no_symbols();
    mp_buf log;
    FILE *f;
    int fd, i, k;
    (void)state;
    expect_read_ahead_like_one_thread(TESTDATA "small-v8.log", cfg);
    expect_read_ahead_like_one_thread(TESTDATA "http-v8.log", cfg);
    cfg.separate_ic = MP_TICK_NO;
    cfg.call_graph_size = 9;
    expect_read_ahead_like_one_thread(TESTDATA "http-v8.log", cfg);
    memset(&log, 0, sizeof log);
    mp_buf_printf(&log, "v8-version,11,3,244,8,-node.38,0\n");
    for (i = 0; i < 40; i++)
        mp_buf_printf(&log, "code-creation,JS,10,1,0x%x,256,f%d a.js:%d:1,0x1,~\n",
                      0x10000 + i * 0x100, i, i);
    for (i = 0; i < 60000; i++) {
        if (i % 7000 == 6999) /* the code of f3 moves: ticks alike resolve otherwise after */
            mp_buf_printf(&log, "code-move,0x%x,0x%x\n", 0x10300 + (i / 7000) * 0x10000,
                          0x20300 + (i / 7000) * 0x10000);
        mp_buf_printf(&log, "tick,0x%x,%d,0,0x0,%d", 0x10304 + (i % 5) * 0x100, 1000 + i, i % 3);
        for (k = 0; k < 1 + i % 4; k++) mp_buf_printf(&log, ",0x%x", 0x10008 + ((i + k) % 40) * 0x100);
        mp_buf_printf(&log, "\n");
    }
    mp_buf_printf(&log, "tick,0x10304,99999,0,0x0,0");
    for (i = 0; i < 150000; i++) mp_buf_printf(&log, ",0x%x", 0x10008 + (i % 40) * 0x100);
    mp_buf_printf(&log, "\ntick,0x10304,100000,0,0x0,0,0x10008");
    assert_false(log.failed);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(log.data, 1, log.len, f), log.len);
    assert_int_equal(fclose(f), 0);
    mp_buf_free(&log);
    cfg = *no_symbols();
    expect_read_ahead_like_one_thread(path, cfg);
    cfg.filter_state = 1;
    cfg.state = MP_TICK_VM_GC;
    expect_read_ahead_like_one_thread(path, cfg);
    unlink(path);
}

/* ---- node versions ------------------------------------------------------------------------ */

#define HDR18 "v8-version,10,2,154,26,-node.39,0\n"
#define HDR21 "v8-version,11,8,172,17,-node.20,0\n"
#define HDR22 "v8-version,12,4,254,21,-node.57,0\n"
#define HDR24 "v8-version,13,6,233,10,-node.28,0\n"
#define HDR26 "v8-version,14,6,202,34,-node.34,0\n"

static int read_as(const char *log, int node)
{
    mp_tick_config cfg = *no_symbols();
    cfg.node = node;
    return summary_of(log, &cfg).node;
}

/* Which node's rules a log is read by: its v8-version record's, unless cfg.node says. */
static void test_node_rules_from_the_log(void **state)
{
    mp_tick_config cfg;
    mp_tick_profile *p = NULL;
    mp_error err;
    (void)state;
    assert_int_equal(read_as(HDR18, 0), 18);
    assert_int_equal(read_as("v8-version,9,4,146,26,-node.26,0\n", 0), 18);
    assert_int_equal(read_as(HDR, 0), 20);
    assert_int_equal(read_as("v8-version,11,0,0,0,,0\n", 0), 20);
    assert_int_equal(read_as(HDR21, 0), 22);
    assert_int_equal(read_as(HDR22, 0), 22);
    assert_int_equal(read_as("v8-version,12,9,202,28,-node.14,0\n", 0), 22); /* node 23 */
    assert_int_equal(read_as(HDR24, 0), 24);
    assert_int_equal(read_as(HDR26, 0), 26);
    assert_int_equal(read_as("v8-version,15,0,0,0,,0\n", 0), 26);
    assert_int_equal(read_as("tick,0x1,1,0,0x0,0\n", 0), 20);          /* no record */
    assert_int_equal(read_as("v8-version,x,y,1,2,,0\n", 0), 20);       /* no numbers */
    assert_int_equal(read_as(HDR18 "v8-version,12,4,1,1,,0\n", 0), 18); /* the first line's */
    assert_int_equal(read_as(HDR22, 20), 20);
    assert_int_equal(read_as(HDR, 18), 18);
    assert_int_equal(read_as(HDR, 19), 18);
    assert_int_equal(read_as(HDR18, 21), 22);
    assert_int_equal(read_as(HDR18, 23), 22);
    assert_int_equal(read_as(HDR18, 24), 24);
    assert_int_equal(read_as(HDR18, 25), 26);
    memset(&cfg, 0, sizeof cfg);
    cfg.node = 17;
    assert_int_equal(mp_tick_new(&cfg, "x", &p, &err), MP_ERR_INVALID_ARG);
    assert_null(p);
    assert_non_null(strstr(err.msg, "18 to 26"));
    cfg.node = 27;
    assert_int_equal(mp_tick_new(&cfg, "x", &p, &err), MP_ERR_INVALID_ARG);
    /* the same rule on its own, and before a file is opened */
    assert_int_equal(mp_tick_config_check(&cfg, &err), MP_ERR_INVALID_ARG);
    assert_string_equal(err.msg, "node option must be 18 to 26, not 27 "
                                 "(unset: as the node that wrote the log)");
    assert_int_equal(mp_tick_parse_file("/no/such/log", &cfg, &p, &err), MP_ERR_INVALID_ARG);
    cfg.node = 26;
    assert_int_equal(mp_tick_config_check(&cfg, &err), MP_OK);
    assert_int_equal(mp_tick_parse_file("/no/such/log", &cfg, &p, &err), MP_ERR_NOT_FOUND);
    cfg.filter_state = 1;
    cfg.state = (mp_tick_vm)99;
    assert_int_equal(mp_tick_config_check(&cfg, &err), MP_ERR_INVALID_ARG);
}

/* From node 21 on, code-delete records are not read, and a function info whose address
   holds other code becomes a function of its own: node 20 renames that code and drops the
   code-creation record. */
static void test_node22_rules(void **state)
{
    const char *body =
        "code-creation,Builtin,2,1,0x1000,0x100,A\n"
        "code-delete,0x1000\n"
        "tick,0x1010,1,0,0x0,0\n"                                     /* A, unless deleted */
        "code-creation,Builtin,2,2,0x9000,0x100,Old\n"
        "code-creation,JS,10,3,0x2000,0x100,f /a.js:1:1,0x9000,*\n"   /* SFI over code */
        "tick,0x2001,2,0,0x0,0\n"
        "tick,0x9001,3,0,0x0,0\n";
    mp_buf log;
    mp_tick_profile *p;
    mp_tick_summary s;
    (void)state;
    memset(&log, 0, sizeof log);
    mp_buf_puts(&log, HDR);
    mp_buf_puts(&log, body);
    p = parse_text(log.data, NULL);
    mp_tick_get_summary(p, &s);
    assert_int_equal(s.unaccounted, 2);                     /* A deleted; no code at 0x2000 */
    assert_int_equal(row_ticks(p, MP_TICK_JS, "Builtin: f /a.js:1:1"), 1); /* Old renamed */
    assert_true(has_warning(p, "func.addDynamicCode is not a function"));
    mp_tick_free(p);
    log.len = 0;
    mp_buf_puts(&log, HDR22);
    mp_buf_puts(&log, body);
    p = parse_text(log.data, NULL);
    mp_tick_get_summary(p, &s);
    assert_int_equal(s.unaccounted, 0);
    assert_int_equal(s.unknown_records, 1);                 /* the code-delete */
    assert_int_equal(row_ticks(p, MP_TICK_JS, "Builtin: A"), 1);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "JS: *f /a.js:1:1"), 1);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "Builtin: Old"), 1);
    assert_false(has_warning(p, "func.addDynamicCode"));
    mp_tick_free(p);
    mp_buf_free(&log);
}

/* Node 24 marks some optimized code "+'" or "*'", node 26 also "o+", "o*", "o+'", "o*'";
   older nodes call those unknown code states and skip the record. */
static void test_node24_state_markers(void **state)
{
    static const char *const markers[] = { "+'", "*'", "o+", "o*'", "~'", "o~", "o", "'" };
    /* which nodes take each marker, and the name it gives */
    static const int from[] = { 24, 24, 26, 26, 0, 0, 0, 0 };
    static const char *const names[] = { "JS: +f /a.js:1:1", "JS: *f /a.js:1:1",
                                         "JS: +f /a.js:1:1", "JS: *f /a.js:1:1" };
    static const char *const hdrs[] = { HDR22, HDR24, HDR26 };
    size_t m, h;
    (void)state;
    for (m = 0; m < sizeof markers / sizeof *markers; m++)
        for (h = 0; h < 3; h++) {
            int node = 22 + 2 * (int)h, taken = from[m] && node >= from[m];
            mp_buf log;
            mp_tick_profile *p;
            mp_tick_summary s;
            memset(&log, 0, sizeof log);
            mp_buf_printf(&log, "%scode-creation,JS,10,1,0x2000,0x100,f /a.js:1:1,0x9000,%s\n"
                                "tick,0x2001,1,0,0x0,0\n", hdrs[h], markers[m]);
            p = parse_text(log.data, NULL);
            mp_tick_get_summary(p, &s);
            assert_int_equal(s.node, node);
            assert_int_equal(s.unaccounted, taken ? 0 : 1);
            assert_int_equal(s.bad_lines, taken ? 0 : 1);
            if (taken) assert_int_equal(row_ticks(p, MP_TICK_JS, names[m]), 1);
            mp_tick_free(p);
            mp_buf_free(&log);
        }
}

/* The VM states as V8 numbers them (7: Atomics.wait, 8: IDLE, which node 18-24 call 7), and
   node 26's -ni: it leaves out IDLE ticks only, before any other filter, as node 26 does. */
static void test_vm_states_and_ignore_idle(void **state)
{
    static const char log[] = HDR26 "tick,0x1,1,0,0x0,0\ntick,0x1,2,0,0x0,1\n"
                                    "tick,0x1,3,0,0x0,6\ntick,0x1,4,0,0x0,7\n"
                                    "tick,0x1,5,0,0x0,8\ntick,0x1,6,0,0x0,8\n"
                                    "tick,0x1,7,0,0x0,9\ntick,0x1,8,0,0x0,10\n";
    mp_tick_config cfg = *no_symbols();
    mp_tick_summary s;
    mp_tick_profile *p = NULL;
    mp_error err;
    (void)state;
    cfg.ignore_idle = 1;
    s = summary_of(log, &cfg);
    assert_int_equal(s.ticks, 8);
    assert_int_equal(s.excluded, 2);
    assert_int_equal(s.gc, 1);
    cfg.filter_state = 1; /* -ni wins over -j, as in node 26 */
    cfg.state = MP_TICK_VM_JS;
    assert_int_equal(summary_of(log, &cfg).excluded, 2);
    cfg.ignore_idle = 0;
    assert_int_equal(summary_of(log, &cfg).excluded, 7);
    cfg.state = MP_TICK_VM_ATOMICS_WAIT;
    assert_int_equal(summary_of(log, &cfg).excluded, 7);
    cfg.state = MP_TICK_VM_IDLE;
    assert_int_equal(summary_of(log, &cfg).excluded, 6);
    cfg.state = MP_TICK_VM_IDLE_EXTERNAL;
    assert_int_equal(summary_of(log, &cfg).excluded, 7);
    cfg.state = (mp_tick_vm)(MP_TICK_VM_IDLE_EXTERNAL + 1);
    assert_int_equal(mp_tick_new(&cfg, "x", &p, &err), MP_ERR_INVALID_ARG);
    assert_null(p);
    assert_non_null(strstr(err.msg, "0..10"));
}

/* Node 18 knows no Maglev code, and reads stack frames as hex, "0x" or not (node 20: bare
   digits as decimal); through the read-ahead's groups as on one thread. */
static int caller_of(const mp_tick_profile *p, const char *callee, const char *caller)
{
    const mp_tick_node *n;
    size_t nn = mp_tick_bottom_up(p, &n), i, c;
    for (i = 0; i < nn; i++)
        if (strcmp(n[i].name, callee) == 0)
            for (c = 0; c < n[i].n_children; c++)
                if (strcmp(n[n[i].first_child + c].name, caller) == 0) return 1;
    return 0;
}

static void test_node18_rules(void **state)
{
    const char *body =
        "code-creation,Builtin,2,1,0x1000,0x100,A\n"
        "code-creation,Builtin,2,1,0x1100,0x100,B\n"
        "code-creation,Builtin,2,1,0x44c,0x10,D\n"                    /* 1100, in decimal */
        "code-creation,JS,10,2,0x2000,0x100,m /a.js:1:1,0x9000,+\n"
        "tick,0x1010,1,0,0x0,0,1100\n"                                /* 18: B, 20: D */
        "tick,0x1010,2,0,0x0,0,+100\n"                                /* 18: B, 20: A */
        "tick,0x2001,3,0,0x0,0\n";
    char path[] = "/tmp/medprof-test-node18-XXXXXX";
    int fd = mkstemp(path), node;
    (void)state;
    assert_true(fd >= 0);
    for (node = 18; node <= 20; node += 2) {
        mp_buf log;
        mp_tick_profile *p;
        mp_tick_summary s;
        memset(&log, 0, sizeof log);
        mp_buf_puts(&log, node == 18 ? HDR18 : HDR);
        mp_buf_puts(&log, body);
        p = parse_text(log.data, NULL);
        mp_tick_get_summary(p, &s);
        assert_int_equal(s.unaccounted, node == 18 ? 1 : 0); /* m: not made in node 18 */
        assert_int_equal(s.bad_lines, node == 18 ? 1 : 0);
        assert_int_equal(has_warning(p, "line 5: unknown code state: +"), node == 18);
        assert_int_equal(caller_of(p, "Builtin: A", "Builtin: B"), node == 18);
        assert_int_equal(caller_of(p, "Builtin: A", "Builtin: D"), node == 20);
        assert_int_equal(caller_of(p, "Builtin: A", "Builtin: A"), node == 20);
        mp_tick_free(p);
        assert_int_equal(ftruncate(fd, 0), 0);
        assert_int_equal(pwrite(fd, log.data, log.len, 0), (ssize_t)log.len);
        expect_read_ahead_like_one_thread(path, *no_symbols());
        mp_buf_free(&log);
    }
    close(fd);
    unlink(path);
}

/* ---- node's own outputs ------------------------------------------------------------------ */

static void expect_node_output(const char *log, const char *syms, const char *expected,
                               const char *name, mp_tick_config cfg, int only_summary)
{
    mp_tick_profile *p;
    mp_error err;
    mp_buf out;
    mp_tick_write_options o;
    char *want = read_file(expected);
    cfg.symbol_list = syms;
    if (mp_tick_parse_file(log, &cfg, &p, &err) != MP_OK) fail_msg("%s", err.msg);
    memset(&out, 0, sizeof out);
    memset(&o, 0, sizeof o);
    o.log_name = name;
    o.only_summary = only_summary;
    assert_int_equal(mp_tick_write_text(p, &o, &out, &err), MP_OK);
    assert_string_equal(out.data, want);
    mp_buf_free(&out);
    MP_FREE(want);
    mp_tick_free(p);
}

static void test_node20_small_reproduced(void **state)
{
    mp_tick_config cfg;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    expect_node_output(TESTDATA "small-v8.log", "tests/data/tick-small.syms",
                       TESTDATA "small.prof-process.txt", "small-v8.log", cfg, 0);
    expect_node_output(TESTDATA "small-v8.log", "tests/data/tick-small.syms",
                       TESTDATA "small.prof-process.onlysummary.txt", "small-v8.log", cfg, 1);
    cfg.ignore_unknown = 1;
    expect_node_output(TESTDATA "small-v8.log", "tests/data/tick-small.syms",
                       TESTDATA "small.prof-process.ignoreunknown.txt", "small-v8.log", cfg, 0);
    memset(&cfg, 0, sizeof cfg);
    cfg.separate_ic = MP_TICK_NO;
    expect_node_output(TESTDATA "small-v8.log", "tests/data/tick-small.syms",
                       TESTDATA "small.prof-process.separateic_false.txt", "small-v8.log", cfg, 0);
    memset(&cfg, 0, sizeof cfg);
    cfg.separate_bytecodes = MP_TICK_NO; /* node's bare --separate-bytecodes means false */
    expect_node_output(TESTDATA "small-v8.log", "tests/data/tick-small.syms",
                       TESTDATA "small.prof-process.separatebytecodes.txt", "small-v8.log", cfg, 0);
}

static void test_node20_http_reproduced(void **state)
{
    mp_tick_config cfg;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    expect_node_output(TESTDATA "http-v8.log", "tests/data/tick-http.syms",
                       TESTDATA "http.prof-process.txt", "isolate-0x315ebee0-4040-v8.log", cfg, 0);
}

/* Without any C++ symbols the JavaScript rows' ticks and the totals are still node's. */
static void test_node20_without_symbols(void **state)
{
    mp_tick_profile *p;
    mp_error err;
    mp_tick_summary s;
    (void)state;
    assert_int_equal(mp_tick_parse_file(TESTDATA "small-v8.log", no_symbols(), &p, &err), MP_OK);
    mp_tick_get_summary(p, &s);
    assert_int_equal(s.ticks, 410);
    assert_int_equal(s.js, 52);
    assert_int_equal(s.gc, 35);
    assert_int_equal(s.cpp, 0);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "JS: *fib /srv/app/small/small.js:1:13"), 42);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "JS: *strWork /srv/app/small/small.js:2:17"), 9);
    mp_tick_free(p);
}

static void test_feed_in_any_chunks(void **state)
{
    char *log = read_file(TESTDATA "small-v8.log"), *whole, *pieces;
    size_t n = strlen(log), i = 0, step = 1;
    mp_tick_profile *p;
    mp_tick_config cfg;
    mp_error err;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    cfg.symbol_list = "tests/data/tick-small.syms";
    assert_int_equal(mp_tick_new(&cfg, "v8.log", &p, &err), MP_OK);
    assert_int_equal(mp_tick_feed(p, log, n, &err), MP_OK);
    assert_int_equal(mp_tick_finish(p, &err), MP_OK);
    whole = report_of(p, 0);
    mp_tick_free(p);
    assert_int_equal(mp_tick_new(&cfg, "v8.log", &p, &err), MP_OK);
    while (i < n) {
        size_t k = n - i < step ? n - i : step;
        assert_int_equal(mp_tick_feed(p, log + i, k, &err), MP_OK);
        i += k;
        step = step * 7 % 4099 + 1;
    }
    assert_int_equal(mp_tick_finish(p, &err), MP_OK);
    pieces = report_of(p, 0);
    assert_string_equal(pieces, whole);
    mp_tick_free(p);
    MP_FREE(whole);
    MP_FREE(pieces);
    MP_FREE(log);
}

static void test_merge_adds_logs(void **state)
{
    mp_tick_profile *p;
    mp_error err;
    mp_tick_summary s;
    mp_buf out;
    (void)state;
    assert_int_equal(mp_tick_parse_file(TESTDATA "small-v8.log", no_symbols(), &p, &err), MP_OK);
    assert_int_equal(mp_tick_add_file(p, TESTDATA "small-v8.log", &err), MP_OK);
    mp_tick_get_summary(p, &s);
    assert_int_equal(s.ticks, 820);
    assert_int_equal(s.js, 104);
    assert_int_equal(row_ticks(p, MP_TICK_JS, "JS: *fib /srv/app/small/small.js:1:13"), 84);
    memset(&out, 0, sizeof out);
    assert_int_equal(mp_tick_write_json(p, NULL, &out, &err), MP_OK);
    assert_non_null(strstr(out.data, "\"ticks\":{\"total\":820,"));
    mp_buf_free(&out);
    mp_tick_free(p);
}

/* ---- --preprocess, --timed-range, the v8-version line ------------------------------------ */

static mp_err one_symbol(void *user, const char *lib, uint64_t start, uint64_t end,
                         uint64_t slide, const mp_sym **syms, size_t *n, mp_error *err)
{
    static const mp_sym sym[] = { { 0x1000, 0x1040, "sym_a" } };
    (void)user;
    (void)start;
    (void)end;
    (void)slide;
    (void)err;
    *syms = sym;
    *n = strcmp(lib, "/lib/x.so") == 0 ? 1 : 0;
    return MP_OK;
}

/* What mp_tick_write_preprocess makes of log, fed in pieces of chunk bytes (0: at once). */
static char *preprocess_of(const char *log, mp_tick_config *cfg, size_t chunk)
{
    mp_tick_profile *p = NULL;
    mp_error err;
    mp_buf out;
    size_t n = strlen(log), i;
    cfg->preprocess = 1;
    assert_int_equal(mp_tick_new(cfg, "v8.log", &p, &err), MP_OK);
    for (i = 0; i < n; i += chunk ? chunk : n)
        assert_int_equal(mp_tick_feed(p, log + i, chunk && n - i > chunk ? chunk : n - i, &err),
                         MP_OK);
    assert_int_equal(mp_tick_finish(p, &err), MP_OK);
    memset(&out, 0, sizeof out);
    assert_int_equal(mp_tick_write_preprocess(p, &out, &err), MP_OK);
    /* node prints no report for such a profile, and neither does medprof */
    assert_int_equal(mp_tick_write_text(p, NULL, &out, &err), MP_ERR_INVALID_ARG);
    mp_tick_free(p);
    mp_buf_append(&out, "", 0);
    return mp_buf_take(&out);
}

static void test_preprocess_like_node(void **state)
{
    /* node --prof-process --preprocess on this log, its nm giving sym_a at 0x1000..0x1040:
       a builtin inside the symbol takes its element, a deopt before a source keeps its key
       first, a new code object at the same start is a new element, escapes of every kind. */
    static const char log[] =
        HDR
        "shared-library,/lib/x.so,0x1000,0x3000,0\n"
        "script-source,2,/app/m\\x2Cn.js,a\\nb \\u001b\\x01\\x7F \"q\" \\\\ \\ud800 \\ud83d\\ude00 \\u2028\n"
        "script-source,4,/b/m\\x2Cn.js\n"
        "code-creation,Builtin,2,3,0x1010,8,InSym\n"
        "code-creation,JS,10,5,0x9000,16,f /app/m.js:1:1,0x8000,~\n"
        "code-deopt,7,16,0x9000,0,3,eager,<m.js:1:1>,why\n"
        "code-source-info,0x9000,2,0,9,C0O0,F0O1,S0x8000S0x1\n"
        "code-creation,JS,10,6,0x9000,16,g /app/m.js:2:1,0x8000,*\n"
        "code-source-info,0x9000,2,0,9,C0O0,,\n"
        "tick,0x9004,100,0,0x0,0,0x1014,0x2000,0x5\n";
    static const char expected[] =
        "{\n"
        "  \"code\": [\n"
        "  {\n"
        "    \"name\": \"/lib/x.so\",\n"
        "    \"type\": \"SHARED_LIB\"\n"
        "  },\n"
        "  {\n"
        "    \"name\": \"InSym\",\n"
        "    \"timestamp\": 3,\n"
        "    \"type\": \"CODE\",\n"
        "    \"kind\": \"Builtin\"\n"
        "  },\n"
        "  {\n"
        "    \"name\": \"f /app/m.js:1:1\",\n"
        "    \"type\": \"JS\",\n"
        "    \"kind\": \"Unopt\",\n"
        "    \"func\": 0,\n"
        "    \"tm\": 5,\n"
        "    \"deopt\": {\n"
        "      \"tm\": 7,\n"
        "      \"inliningId\": 0,\n"
        "      \"scriptOffset\": 3,\n"
        "      \"posText\": \"<m.js:1:1>\",\n"
        "      \"reason\": \"why\",\n"
        "      \"bailoutType\": \"eager\"\n"
        "    },\n"
        "    \"source\": {\n"
        "      \"script\": 2,\n"
        "      \"start\": 0,\n"
        "      \"end\": 9,\n"
        "      \"positions\": \"C0O0\",\n"
        "      \"inlined\": \"F0O1\",\n"
        "      \"fns\": [\n"
        "        0,\n"
        "        null\n"
        "      ]\n"
        "    }\n"
        "  },\n"
        "  {\n"
        "    \"name\": \"g /app/m.js:2:1\",\n"
        "    \"type\": \"JS\",\n"
        "    \"kind\": \"Opt\",\n"
        "    \"func\": 1,\n"
        "    \"tm\": 6,\n"
        "    \"source\": {\n"
        "      \"script\": 2,\n"
        "      \"start\": 0,\n"
        "      \"end\": 9,\n"
        "      \"positions\": \"C0O0\",\n"
        "      \"inlined\": \"\",\n"
        "      \"fns\": []\n"
        "    }\n"
        "  }\n"
        "],\n"
        "  \"functions\": [\n"
        "  {\n"
        "    \"name\": \"f /app/m.js:1:1\",\n"
        "    \"codes\": [\n"
        "      2\n"
        "    ]\n"
        "  },\n"
        "  {\n"
        "    \"name\": \"g /app/m.js:2:1\",\n"
        "    \"codes\": [\n"
        "      3\n"
        "    ]\n"
        "  }\n"
        "],\n"
        "  \"ticks\": [\n"
        "    {\n"
        "  \"tm\": 100,\n"
        "  \"vm\": 0,\n"
        "  \"s\": [\n"
        "    3,\n"
        "    4,\n"
        "    1,\n"
        "    20,\n"
        "    0,\n"
        "    4096,\n"
        "    -1,\n"
        "    5\n"
        "  ]\n"
        "}\n"
        "  ],\n"
        "  \"scripts\": [\n"
        "  null,\n"
        "  null,\n"
        "  {\n"
        "    \"url\": \"/app/m,n.js\",\n"
        "    \"source\": \"a\\nb \\u001b\\u0001\177 \\\"q\\\" \\\\ \\ud800 \360\237\230\200 \342\200\250\",\n"
        "    \"name\": \"/b/m,n.js\",\n"
        "    \"lineToColumn\": {},\n"
        "    \"_entries\": [],\n"
        "    \"_sourceMapState\": \"unknown\",\n"
        "    \"id\": 2,\n"
        "    \"sourcePositions\": []\n"
        "  },\n"
        "  null,\n"
        "  {\n"
        "    \"url\": \"/b/m,n.js\",\n"
        "    \"name\": \"/b/m,n.js\",\n"
        "    \"lineToColumn\": {},\n"
        "    \"_entries\": [],\n"
        "    \"_sourceMapState\": \"unknown\",\n"
        "    \"id\": 4,\n"
        "    \"sourcePositions\": []\n"
        "  }\n"
        "]}\n"
        ;
    mp_tick_config cfg;
    char *out;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    cfg.symbols_fn = one_symbol;
    out = preprocess_of(log, &cfg, 0);
    assert_string_equal(out, expected);
    MP_FREE(out);
    out = preprocess_of(log, &cfg, 1); /* lines split anywhere */
    assert_string_equal(out, expected);
    MP_FREE(out);
}

static void test_preprocess_records(void **state)
{
    mp_tick_config cfg;
    mp_tick_profile *p;
    mp_error err;
    mp_buf out;
    char *json;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    cfg.no_symbols = 1;
    /* code-source-info: the first character of the inlined list is skipped whatever it is;
       unknown function infos are null; too few fields or unknown code change nothing. */
    json = preprocess_of(HDR
                         "code-creation,JS,10,1,0x100,16,f a.js:1:1,0x80,~\n"
                         "code-creation,JS,10,2,0x200,16,g a.js:2:1,0x90,^\n"
                         "code-creation,JS,10,3,0x300,16,h a.js:3:1,0xa0,+\n"
                         "code-source-info,0x100,1,0,9,C0O0,,F0x90Szz\n"
                         "code-source-info,0x200,1,0,9,C0O0,\n"
                         "code-source-info,0x300,1,0,9,C0O0,,S\n"
                         "code-source-info,0x999,1,0,9,C0O0,,\n",
                         &cfg, 0);
    assert_non_null(strstr(json, "\"fns\": [\n        1,\n        null\n      ]"));
    assert_non_null(strstr(json, "\"name\": \"g a.js:2:1\",\n    \"type\": \"JS\",\n    \"kind\": "
                                 "\"Sparkplug\",\n    \"func\": 1,\n    \"tm\": 2\n  }"));
    assert_non_null(strstr(json, "\"kind\": \"Maglev\""));
    assert_non_null(strstr(json, "\"fns\": [\n        null\n      ]"));
    MP_FREE(json);
    /* script-source: escapes, a missing source leaves its key out, ids that are no array
       index are not shown, an id seen again is replaced, and scripts sharing a file name
       are all named by the newest one's URL. */
    json = preprocess_of(HDR
                         "script-source,1,/x/a.js,one\\x2Ctwo\\nthree\n"
                         "script-source,3,/y/a.js\n"
                         "script-source,0,,\\u00e9\\\\\n"
                         "script-source,zz,/nan.js,x\n"
                         "script-source,-1,/neg.js,x\n"
                         "script-source,0,/z/b.js,again\n"
                         "script-source,5\n",
                         &cfg, 0);
    assert_non_null(strstr(json, "\"scripts\": [\n  {\n    \"url\": \"/z/b.js\",\n    \"source\": "
                                 "\"again\",\n    \"name\": \"b.js\",\n"));
    assert_non_null(strstr(json, "\"url\": \"/x/a.js\",\n    \"source\": \"one,two\\nthree\",\n"
                                 "    \"name\": \"/y/a.js\",\n    \"lineToColumn\": {},\n"
                                 "    \"_entries\": [],\n    \"_sourceMapState\": \"unknown\",\n"
                                 "    \"id\": 1,\n    \"sourcePositions\": []\n  },\n  null,\n  {\n"
                                 "    \"url\": \"/y/a.js\",\n    \"name\": \"/y/a.js\",\n"));
    assert_null(strstr(json, "nan.js"));
    assert_null(strstr(json, "neg.js"));
    assert_true(strlen(json) > 2 && strcmp(json + strlen(json) - 3, "]}\n") == 0);
    MP_FREE(json);
    /* Nothing at all: every array empty. */
    json = preprocess_of("", &cfg, 0);
    assert_string_equal(json, "{\n  \"code\": [],\n  \"functions\": [],\n  \"ticks\": [\n  ],\n"
                              "  \"scripts\": []}\n");
    MP_FREE(json);
    /* An id node's JSON.stringify could not hold nulls enough for: an error, not gigabytes. */
    cfg.preprocess = 1;
    p = parse_text(HDR "script-source,4000000000,/big.js,x\n", &cfg);
    memset(&out, 0, sizeof out);
    assert_int_equal(mp_tick_write_preprocess(p, &out, &err), MP_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "4000000000"));
    mp_buf_free(&out);
    mp_tick_free(p);
    /* A profile read without the option has nothing to print. */
    p = parse_text(HDR, NULL);
    assert_int_equal(mp_tick_write_preprocess(p, &out, &err), MP_ERR_INVALID_ARG);
    mp_tick_free(p);
}

static const char *json_of(mp_buf *b, const char *s, size_t n)
{
    b->len = 0;
    mp__pp_json_str(b, s, n);
    mp_buf_append(b, "", 0);
    return b->data;
}

static void test_json_like_stringify(void **state)
{
    mp_buf b;
    (void)state;
    memset(&b, 0, sizeof b);
    /* JSON.stringify's escapes: short ones, \u00xx for the other controls, DEL as it is. */
    assert_string_equal(json_of(&b, "\"\\\b\f\n\r\t\x01\x1f\x7f/<&", 13),
                        "\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\x7f/<&\"");
    assert_string_equal(json_of(&b, "a\0b", 3), "\"a\\u0000b\"");
    /* Characters past ASCII stay, U+2028 too; a lone surrogate (kept as WTF-8) is escaped. */
    assert_string_equal(json_of(&b, "\xe2\x80\xa8\xf0\x9f\x98\x80", 7), "\"\xe2\x80\xa8\xf0\x9f\x98\x80\"");
    assert_string_equal(json_of(&b, "\xed\xa0\x80x\xed\xbf\xbf", 7), "\"\\ud800x\\udfff\"");
    /* Bytes that are no UTF-8: U+FFFD per broken sequence, as node's decoder reads them. */
    assert_string_equal(json_of(&b, "\xff", 1), "\"\xef\xbf\xbd\"");
    assert_string_equal(json_of(&b, "\xe2\x82" "A", 3), "\"\xef\xbf\xbd" "A\"");
    assert_string_equal(json_of(&b, "\xc3", 1), "\"\xef\xbf\xbd\"");
    /* The JSON mode's unescaping keeps lone surrogates; pairs are one character. */
    b.len = 0;
    mp__tk_unescape_to("\\ud800x\\ud83d\\ude00\\udc00", 25, &b, 1);
    assert_int_equal(b.len, 3 + 1 + 4 + 3);
    assert_memory_equal(b.data, "\xed\xa0\x80x\xf0\x9f\x98\x80\xed\xb0\x80", 11);
    /* Numbers: parseInt's NaN is null, past 2^53 the double JavaScript had. */
    b.len = 0;
    mp__pp_json_int(&b, MP__TK_NAN);
    mp_buf_append(&b, " ", 1);
    mp__pp_json_int(&b, -1);
    mp_buf_append(&b, " ", 1);
    mp__pp_json_int(&b, 0x7fe498003040LL);
    mp_buf_append(&b, " ", 1);
    mp__pp_json_int(&b, (int64_t)1 << 60);
    mp_buf_append(&b, "", 0);
    assert_string_equal(b.data, "null -1 140619779420224 1152921504606847000");
    mp_buf_free(&b);
}

static uint64_t ticks_with(const char *log, int timed, int pairwise)
{
    mp_tick_config cfg = *no_symbols();
    cfg.timed_range = timed;
    cfg.pairwise_timed_range = pairwise;
    return summary_of(log, &cfg).ticks;
}

static void test_timed_ranges(void **state)
{
    /* ticks: 1 before the first marker, 2 in the first range, 4 between the 2nd and 3rd
       markers, 8 after the 3rd (a range never closed). */
    static const char log[] =
        HDR
        "tick,0x1,1,0,0x0,0\n"
        "current-time,10\n"
        "tick,0x1,11,0,0x0,0\ntick,0x1,12,0,0x0,0\n"
        "current-time,20\n"
        "tick,0x1,21,0,0x0,0\ntick,0x1,22,0,0x0,0\ntick,0x1,23,0,0x0,0\ntick,0x1,24,0,0x0,0\n"
        "current-time,30\n"
        "tick,0x1,31,0,0x0,0\ntick,0x1,32,0,0x0,0\ntick,0x1,33,0,0x0,0\ntick,0x1,34,0,0x0,0\n"
        "tick,0x1,35,0,0x0,0\ntick,0x1,36,0,0x0,0\ntick,0x1,37,0,0x0,0\ntick,0x1,38,0,0x0,0\n";
    mp_tick_config cfg;
    mp_tick_profile *p;
    char *json;
    (void)state;
    assert_int_equal(ticks_with(log, 0, 0), 15);
    assert_int_equal(ticks_with(log, 1, 0), 6);  /* first to last marker */
    assert_int_equal(ticks_with(log, 0, 1), 2);  /* 1st-2nd only: the 3rd opens a range */
    assert_int_equal(ticks_with(log, 1, 1), 2);  /* pairwise implies timed */
    assert_int_equal(ticks_with(HDR "tick,0x1,1,0,0x0,0\n", 1, 0), 0);
    /* Between ranges the other records are read at once; in a range never closed, never. */
    memset(&cfg, 0, sizeof cfg);
    cfg.no_symbols = 1;
    cfg.pairwise_timed_range = 1;
    json = preprocess_of(HDR
                         "code-creation,Builtin,2,1,0x100,16,Before\n"
                         "current-time,1\n"
                         "code-creation,Builtin,2,1,0x200,16,Inside\n"
                         "tick,0x204,2,0,0x0,0\n"
                         "current-time,3\n"
                         "code-creation,Builtin,2,1,0x300,16,Between\n"
                         "tick,0x304,4,0,0x0,0\n"
                         "current-time,5\n"
                         "code-creation,Builtin,2,1,0x400,16,Unclosed\n",
                         &cfg, 0);
    assert_non_null(strstr(json, "Before"));
    assert_non_null(strstr(json, "Inside"));
    assert_non_null(strstr(json, "Between"));
    assert_null(strstr(json, "Unclosed"));
    assert_non_null(strstr(json, "\"ticks\": [\n    {\n  \"tm\": 2,\n  \"vm\": 0,\n  \"s\": [\n    1,\n"
                                 "    4\n  ]\n}\n  ],"));
    MP_FREE(json);
    /* The same in a merged profile's second log: the range state starts anew. */
    memset(&cfg, 0, sizeof cfg);
    cfg.no_symbols = 1;
    cfg.timed_range = 1;
    p = parse_text(log, &cfg);
    {
        mp_error err;
        mp_tick_summary s;
        assert_int_equal(mp_tick_feed(p, log, strlen(log), &err), MP_OK);
        assert_int_equal(mp_tick_finish(p, &err), MP_OK);
        mp_tick_get_summary(p, &s);
        assert_int_equal(s.ticks, 12);
    }
    mp_tick_free(p);
}

static const char *note_of(const char *log, const char *version)
{
    static char note[64];
    mp_tick_config cfg;
    mp_tick_profile *p;
    const char *n;
    memset(&cfg, 0, sizeof cfg);
    cfg.no_symbols = 1;
    cfg.v8_version = version;
    p = parse_text(log, &cfg);
    n = mp_tick_version_note(p);
    snprintf(note, sizeof note, "%s", n ? n : "(none)");
    mp_tick_free(p);
    return note;
}

static void test_version_note(void **state)
{
    static const char missing[] = "Unable to read v8-version from log file.";
    static const char different[] = "Testing v8 version different from logging version";
    (void)state;
    /* Without a version to compare with, every version matches. */
    assert_string_equal(note_of(HDR, NULL), "(none)");
    assert_string_equal(note_of("v8-version,1,2,3,4,5,6\n", NULL), "(none)");
    /* process.versions.v8 is split at '.' and '-'; major, minor, build count. */
    assert_string_equal(note_of(HDR, "11.3.244.8-node.38"), "(none)");
    assert_string_equal(note_of(HDR, "11.3.244-node.7"), "(none)");
    assert_string_equal(note_of("v8-version,11,3,244,9,0\n", "11.3.244.8-node.38"), "(none)");
    assert_string_equal(note_of(HDR, "11.3.245.8-node.38"), different);
    assert_string_equal(note_of(HDR, "10.2.154.26-node.26"), different);
    assert_string_equal(note_of(HDR, "11.3"), different);
    assert_string_equal(note_of("v8-version,011,3,244,8,-node.38,0\n", "11.3.244.8"), different);
    /* 6 or 7 fields with the tag, as they are in the file, else node cannot read it. */
    assert_string_equal(note_of("v8-version,11,3,244\n", NULL), missing);
    assert_string_equal(note_of("v8-version,11,3,244,8,-node.38,0,9\n", NULL), missing);
    assert_string_equal(note_of("V8-version,11,3,244,8,-node.38,0\n", NULL), missing);
    assert_string_equal(note_of("tick,0x1,1,0,0x0,0\n" HDR, NULL), missing);
    assert_string_equal(note_of("", NULL), missing);
    assert_string_equal(note_of("\n" HDR, NULL), missing);
    assert_string_equal(note_of("v8-version,11,3,244,8,-node.38,0", NULL), missing); /* cut */
    /* With --timed-range too: node checks the raw first line before anything. */
    {
        mp_tick_config cfg;
        mp_tick_profile *p;
        memset(&cfg, 0, sizeof cfg);
        cfg.no_symbols = 1;
        cfg.timed_range = 1;
        p = parse_text("current-time,1\n" HDR, &cfg);
        assert_string_equal(mp_tick_version_note(p), missing);
        mp_tick_free(p);
    }
}


/* Marks name a time on the log's clock; a window keeps the ticks between two such times. */
static void test_marks_clock_and_window(void **state)
{
    static const char log[] =
        "v8-version,11,3,244,8,-node.38,0\n"
        "code-creation,JS,10,55378,0x1000,2,__medprof_mark_42_1 :3:38,0x2000,~\n"
        "code-creation,JS,10,60000,0x3000,2,~__medprof_mark_42_2x(a) :1:1,0x4000,~\n"
        "code-creation,JS,10,61000,0x5000,2,not_a_mark :1:1,0x6000,~\n"
        "tick,0x1000,1000000,0,0x0,0\n"
        "tick,0x1000,2000000,0,0x0,0\n"
        "tick,0x1000,3000000,0,0x0,0\n";
    mp_tick_config cfg;
    mp_tick_profile *p;
    const mp_tick_mark *marks;
    mp_tick_clock c;
    mp_error err;
    (void)state;
    p = parse_text(log, NULL);
    assert_int_equal(mp_tick_marks(p, &marks), 2);
    assert_string_equal(marks[0].name, "__medprof_mark_42_1");
    assert_true(marks[0].ts == 55378);
    assert_string_equal(marks[1].name, "__medprof_mark_42_2x");
    assert_int_equal(mp_tick_clock_from_mark(p, "__medprof_mark_42_1", 10.0, 10.0002, &c, &err),
                     MP_OK);
    assert_true(fabs(c.zero - (10.0001 - 0.055378)) < 1e-9);
    assert_true(fabs(c.error - 0.0001) < 1e-9);
    assert_int_equal(mp_tick_clock_from_mark(p, "__medprof_mark_42", 1, 2, &c, &err),
                     MP_ERR_NOT_FOUND);
    assert_int_equal(mp_tick_clock_from_mark(p, "__medprof_mark_42_1", 2, 1, &c, &err),
                     MP_ERR_INVALID_ARG);
    mp_tick_free(p);

    memset(&cfg, 0, sizeof cfg);
    cfg.no_symbols = 1;
    cfg.window = 1;
    cfg.window_start = 1.5;
    cfg.window_end = 3.0;
    assert_int_equal(summary_of(log, &cfg).ticks, 2);     /* the end is inside, as node's range */
    cfg.has_range = 1;                                    /* both hold */
    cfg.range_start = 0;
    cfg.range_end = 2500;
    assert_int_equal(summary_of(log, &cfg).ticks, 1);
    cfg.has_range = 0;
    cfg.window_start = 4;
    assert_int_equal(mp_tick_config_check(&cfg, &err), MP_ERR_INVALID_ARG);
    assert_int_equal(mp_tick_new(&cfg, "v8.log", &p, &err), MP_ERR_INVALID_ARG);
    cfg.window = 0;                                       /* off: the fields mean nothing */
    assert_int_equal(summary_of(log, &cfg).ticks, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_int_like_js),
        cmocka_unit_test(test_unescape_v8_fields),
        cmocka_unit_test(test_js_string_order),
        cmocka_unit_test(test_report_line_rounds_like_tofixed),
        cmocka_unit_test(test_every_record_type),
        cmocka_unit_test(test_moves_deletes_and_overlaps),
        cmocka_unit_test(test_name_generator_on_first_lookup),
        cmocka_unit_test(test_function_entries),
        cmocka_unit_test(test_library_pages_shadow_dynamic_code),
        cmocka_unit_test(test_page_numbers_are_32_bit),
        cmocka_unit_test(test_cpp_entries_and_symbols),
        cmocka_unit_test(test_range_and_distortion_flags),
        cmocka_unit_test(test_filters_and_options),
        cmocka_unit_test(test_frames),
        cmocka_unit_test(test_node_rules_from_the_log),
        cmocka_unit_test(test_node22_rules),
        cmocka_unit_test(test_node18_rules),
        cmocka_unit_test(test_node24_state_markers),
        cmocka_unit_test(test_vm_states_and_ignore_idle),
        cmocka_unit_test(test_empty_and_odd_files),
        cmocka_unit_test(test_binary_garbage_does_not_crash),
        cmocka_unit_test(test_huge_names_and_lines),
        cmocka_unit_test(test_read_ahead_like_one_thread),
        cmocka_unit_test(test_missing_file_is_a_clear_error),
        cmocka_unit_test(test_node20_small_reproduced),
        cmocka_unit_test(test_node20_http_reproduced),
        cmocka_unit_test(test_node20_without_symbols),
        cmocka_unit_test(test_feed_in_any_chunks),
        cmocka_unit_test(test_merge_adds_logs),
        cmocka_unit_test(test_preprocess_like_node),
        cmocka_unit_test(test_preprocess_records),
        cmocka_unit_test(test_json_like_stringify),
        cmocka_unit_test(test_timed_ranges),
        cmocka_unit_test(test_version_note),
        cmocka_unit_test(test_fast_num_like_plain_reading),
        cmocka_unit_test(test_marks_clock_and_window),
    };
    return run_suite(tests, NULL, NULL);
}
