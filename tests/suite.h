/* suite.h - what every cmocka suite's main shares. Include it after <cmocka.h>. */
#ifndef MP_TEST_SUITE_H
#define MP_TEST_SUITE_H

#include <stdlib.h>

/* TEST_FILTER=PATTERN (cmocka's * and ? wildcards) runs only the tests whose names match, e.g.
   TEST_FILTER='test_engine_redirect*' build/tests/test_load; unset or empty runs them all. */
static void suite_filter_from_env(void)
{
    const char *pattern = getenv("TEST_FILTER");
    if (pattern && *pattern) cmocka_set_test_filter(pattern);
}

/* In place of cmocka_run_group_tests, which it calls: a macro too, as it needs the array. */
#define run_suite(tests, setup, teardown) \
    (suite_filter_from_env(), cmocka_run_group_tests(tests, setup, teardown))

#endif
