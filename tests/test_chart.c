/* test_chart.c - the load report as an HTML page with SVG charts (mp_load_result_write_html). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "suite.h"

#define MEDPROF_IMPLEMENTATION
#include "medprof.h"

/* A real run (4 users x 30 requests against examples/server.js) with an error counter
   whose name carries markup. */
static mp_load_result *fixture(void)
{
    FILE *f = fopen("tests/data/chart-load.json", "rb");
    mp_buf text = { 0 };
    char chunk[4096];
    size_t n;
    mp_load_result *r = NULL;
    mp_error err;
    assert_non_null(f);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) mp_buf_append(&text, chunk, n);
    fclose(f);
    if (mp_load_result_from_json(text.data, text.len, &r, &err) != MP_OK) fail_msg("%s", err.msg);
    mp_buf_free(&text);
    return r;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle)) n++;
    return n;
}

static void page_has_summary_charts_and_codes(void **state)
{
    mp_load_result *r = fixture();
    mp_buf page = { 0 };
    mp_error err;
    const char *title = "http://127.0.0.1:8103/Patient?name=smi";
    (void)state;
    assert_int_equal(mp_load_result_write_html(r, title, &page, &err), MP_OK);
    assert_false(page.failed);
    assert_true(strncmp(page.data, "<!DOCTYPE html>", 15) == 0);
    assert_int_equal(count(page.data, "<svg "), 3);
    assert_int_equal(count(page.data, "</svg>"), 3);
    assert_non_null(strstr(page.data, "<th>requests</th><td>120</td>"));
    assert_non_null(strstr(page.data, "<td>http.codes.200</td><td>120</td>"));
    assert_int_equal(count(page.data, "<polyline class=\"p50\""), 2); /* per second; distribution */
    assert_int_equal(count(page.data, "<polyline class=\"p95\""), 1);
    assert_int_equal(count(page.data, "<polyline class=\"p99\""), 1);
    assert_non_null(strstr(page.data, "Patient?name=smi"));
    assert_null(strstr(page.data, "<script"));
    assert_non_null(strstr(page.data, "</html>\n"));
    mp_buf_free(&page);
    mp_load_result_free(r);
}

static void names_from_the_run_are_escaped(void **state)
{
    mp_load_result *r = fixture();
    mp_buf page = { 0 };
    mp_error err;
    const char *title = "<script>alert(1)</script> & \"q\" ]]>";
    (void)state;
    assert_int_equal(mp_load_result_write_html(r, title, &page, &err), MP_OK);
    assert_null(strstr(page.data, "<script>"));
    assert_non_null(strstr(page.data, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; ]]&gt;"));
    assert_null(strstr(page.data, "errors.E<b>"));
    assert_non_null(strstr(page.data, "errors.E&lt;b&gt;&amp;&quot;x"));
    mp_buf_free(&page);
    mp_load_result_free(r);
}

static void nice_axis_maxima(void **state)
{
    (void)state;
    assert_true(mp__nice_ceil(0) == 1);
    assert_true(mp__nice_ceil(0.7) == 1);
    assert_true(mp__nice_ceil(1.2) == 2);
    assert_true(mp__nice_ceil(3) == 5);
    assert_true(mp__nice_ceil(7) == 10);
    assert_true(mp__nice_ceil(123) == 200);
    assert_true(mp__nice_ceil(0.0042) > 0.0049 && mp__nice_ceil(0.0042) < 0.0051);
}

static void percentile_axis_spaces_the_nines_evenly(void **state)
{
    (void)state;
    assert_true(fabs(mp__pct_axis(90) - 1) < 1e-9);
    assert_true(fabs(mp__pct_axis(99) - 2) < 1e-9);
    assert_true(fabs(mp__pct_axis(99.9) - 3) < 1e-9);
    assert_true(mp__pct_axis(100) < 7); /* clamped, finite */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(page_has_summary_charts_and_codes),
        cmocka_unit_test(names_from_the_run_are_escaped),
        cmocka_unit_test(nice_axis_maxima),
        cmocka_unit_test(percentile_axis_spaces_the_nines_evenly),
    };
    return run_suite(tests, NULL, NULL);
}
