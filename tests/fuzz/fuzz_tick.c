/* libFuzzer target: the tick-log parser, code map and both report writers, on arbitrary
   bytes fed in arbitrary chunks (the first byte picks the chunk size). */
#include "fuzz.h"

static mp_err report_both(mp_tick_profile *p)
{
    mp_buf out = { 0 };
    mp_error err;
    mp_err rc = mp_report_text(p, NULL, &out, &err);
    if (rc == MP_OK) rc = mp_report_json(p, NULL, &out, &err);
    mp_buf_free(&out);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mp_tick_config cfg;
    mp_tick_profile *p;
    mp_error err;
    size_t chunk, off;
    if (size == 0) return 0;
    memset(&cfg, 0, sizeof cfg);
    chunk = (size_t)data[0] % 64 + 1;
    if (mp_tick_new(&cfg, "fuzz.log", &p, &err) != MP_OK) return 0;
    for (off = 1; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        if (mp_tick_feed(p, (const char *)data + off, n, &err) != MP_OK) break;
    }
    if (mp_tick_finish(p, &err) == MP_OK) report_both(p);
    mp_tick_free(p);
    return 0;
}
