/* libFuzzer target: the tick-log reader — parse, code map, attribution, both reports and the
   merge of a second isolate — on arbitrary bytes fed in two pieces split anywhere. The first
   bytes choose options, the third --preprocess (its JSON instead of the reports),
   --timed-range, --ptr, the v8-version comparison and whose node's rules apply. No C++ symbols: garbage library names
   must not open files. */
/* Script ids up to this many nulls in the JSON, not node's 50 million: an input must not
   buy gigabytes of output. */
#define MP_PP_MAX_SCRIPT_ID 100000
#include "fuzz.h"

static void fuzz_reports(mp_tick_profile *p, mp_buf *out, mp_error *err)
{
    mp_tick_write_text(p, NULL, out, err);
    mp_tick_write_json(p, NULL, out, err);
    mp_tick_write_preprocess(p, out, err);
    (void)mp_tick_version_note(p);
    {
        const mp_tick_mark *marks;
        mp_tick_clock c;
        size_t i, n = mp_tick_marks(p, &marks);
        for (i = 0; i < n; i++) (void)mp_tick_clock_from_mark(p, marks[i].name, 1, 2, &c, err);
    }
    out->len = 0;
}

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
    cfg.ignore_idle = size > 1 && (data[1] & 0x80);
    if (size > 2) {
        cfg.preprocess = data[2] & 1;
        cfg.timed_range = (data[2] >> 1) & 1;
        cfg.pairwise_timed_range = (data[2] >> 2) & 1;
        cfg.v8_version = (data[2] >> 3) & 1 ? "11.3.244.8-node.38" : NULL;
        cfg.node = (int[]){ 0, 18, 20, 22, 24, 26, 0, 0 }[(data[2] >> 4) & 7]; /* 0: the log's */
    }
    if (size > 3 && (data[3] & 1)) { /* a window of whole and half seconds */
        cfg.window = 1;
        cfg.window_start = (data[3] >> 1 & 7) * 0.5;
        cfg.window_end = cfg.window_start + (data[3] >> 4) * 0.5;
    }
    if (mp_tick_new(&cfg, "fuzz", &p, &err) != MP_OK) return 0;
    /* Lines must not depend on how the bytes arrive. */
    mp_tick_feed(p, (const char *)data, half, &err);
    mp_tick_feed(p, (const char *)data + half, size - half, &err);
    mp_tick_finish(p, &err);
    memset(&out, 0, sizeof out);
    fuzz_reports(p, &out, &err);
    /* The same bytes again as a second isolate: the merge path. */
    mp_tick_feed(p, (const char *)data, size, &err);
    mp_tick_finish(p, &err);
    fuzz_reports(p, &out, &err);
    mp_buf_free(&out);
    mp_tick_free(p);
    return 0;
}
