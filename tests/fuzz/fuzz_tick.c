/* libFuzzer target: the tick-log reader — parse, code map, attribution, both reports and the
   merge of a second isolate — on arbitrary bytes fed in two pieces split anywhere. The first
   bytes choose options. No C++ symbols: garbage library names must not open files. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mp_tick_profile *p;
    mp_tick_config cfg;
    mp_error err;
    mp_buf out;
    size_t half = size / 2;
    memset(&cfg, 0, sizeof cfg);
    cfg.no_symbols = 1;
    cfg.call_graph_size = size ? data[0] % 8 : 0;
    cfg.separate_ic = size > 1 ? (mp_tick_bool)(data[1] % 3) : MP_TICK_DEFAULT;
    if (mp_tick_new(&cfg, "fuzz", &p, &err) != MP_OK) return 0;
    /* Lines must not depend on how the bytes arrive. */
    mp_tick_feed(p, (const char *)data, half, &err);
    mp_tick_feed(p, (const char *)data + half, size - half, &err);
    mp_tick_finish(p, &err);
    memset(&out, 0, sizeof out);
    mp_report_text(p, NULL, &out, &err);
    mp_report_json(p, NULL, &out, &err);
    /* The same bytes again as a second isolate: the merge path. */
    mp_tick_feed(p, (const char *)data, size, &err);
    mp_tick_finish(p, &err);
    mp_report_text(p, NULL, &out, &err);
    mp_buf_free(&out);
    mp_tick_free(p);
    return 0;
}
