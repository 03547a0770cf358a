/* libFuzzer target, differential: the read-ahead (a second thread reads a log file and
   groups the ticks alike between code events) against reading line by line on one thread,
   on arbitrary bytes. The text and JSON reports, the warnings and the folded stacks (counted
   per group by on_stacks, per tick by on_stack) must be the same, byte for byte; a
   difference aborts. The first bytes choose options; no C++ symbols. The read-ahead's limits
   are set small, so that a fuzzer-sized log hands over many batches, counts groups again in
   later batches, and outgrows epochs. */
#define MP__RA_BATCH_TEXT 200u
#define MP__RA_BATCH_ITEMS 7u
#define MP__RA_EPOCH_GROUPS 5u
#define MP__RA_EPOCH_TEXT 600u
#include "fuzz.h"

#include <stdio.h>
#include <unistd.h>

static void fuzz_config(mp_tick_config *cfg, const uint8_t *data, size_t size, int threads)
{
    static const mp_tick_vm states[] = { MP_TICK_VM_JS, MP_TICK_VM_GC, MP_TICK_VM_OTHER,
                                         MP_TICK_VM_EXTERNAL };
    memset(cfg, 0, sizeof *cfg);
    cfg->no_symbols = 1;
    cfg->threads = threads;
    cfg->call_graph_size = size ? data[0] % 8 : 0;
    cfg->separate_ic = size > 1 ? (mp_tick_bool)(data[1] % 3) : MP_TICK_DEFAULT;
    cfg->separate_bytecodes = size > 1 ? (mp_tick_bool)(data[1] / 3 % 3) : MP_TICK_DEFAULT;
    cfg->ignore_unknown = size > 1 && data[1] >= 128;
    cfg->runtime_timer = size > 0 && data[0] >= 128 ? "V8.GC" : NULL;
    if (size > 2 && data[2] % 5 < 4) {
        cfg->filter_state = 1;
        cfg->state = states[data[2] % 5];
    }
    cfg->ignore_idle = size > 2 && data[2] >= 0xc0; /* node 26's -ni, over the state above */
}

/* The whole profile as text: both reports, the warnings, then the folded stacks. */
static void fuzz_describe(mp_tick_profile *p, mp_flame *f, mp_buf *out)
{
    const char *const *warn;
    size_t i, n = mp_tick_warnings(p, &warn);
    mp_error err;
    mp_tick_write_text(p, NULL, out, &err);
    mp_tick_write_json(p, NULL, out, &err);
    for (i = 0; i < n; i++) mp_buf_printf(out, "%s\n", warn[i]);
    mp_flame_write_folded(f, out, &err);
}

static int fuzz_one_thread(const uint8_t *data, size_t size, mp_buf *out)
{
    mp_tick_config cfg;
    mp_tick_profile *p;
    mp_flame *f;
    mp_error err;
    int ok = 0;
    if (mp_flame_new(&f, &err) != MP_OK) return 0;
    fuzz_config(&cfg, data, size, 1);
    cfg.on_stack = mp_flame_stack;
    cfg.stack_user = f;
    if (mp_tick_new(&cfg, "fuzz", &p, &err) == MP_OK) {
        if (mp_tick_feed(p, (const char *)data, size, &err) == MP_OK &&
            mp_tick_finish(p, &err) == MP_OK) {
            fuzz_describe(p, f, out);
            ok = 1;
        }
        mp_tick_free(p);
    }
    mp_flame_free(f);
    return ok;
}

static int fuzz_read_ahead(const uint8_t *data, size_t size, mp_buf *out)
{
    mp_tick_config cfg;
    mp_tick_profile *p;
    mp_flame *fold;
    mp_error err;
    FILE *f = tmpfile();
    int ok = 0;
    if (!f) return 0;
    if (mp_flame_new(&fold, &err) != MP_OK) { fclose(f); return 0; }
    if (fwrite(data, 1, size, f) == size && fflush(f) == 0 && lseek(fileno(f), 0, SEEK_SET) == 0) {
        fuzz_config(&cfg, data, size, 0);
        cfg.on_stacks = mp_flame_stacks;
        cfg.stack_user = fold;
        if (mp_tick_parse_fd(fileno(f), "fuzz", &cfg, &p, &err) == MP_OK) {
            fuzz_describe(p, fold, out);
            mp_tick_free(p);
            ok = 1;
        }
    }
    mp_flame_free(fold);
    fclose(f);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mp_buf one, two;
    memset(&one, 0, sizeof one);
    memset(&two, 0, sizeof two);
    if (fuzz_one_thread(data, size, &one) && fuzz_read_ahead(data, size, &two) &&
        !one.failed && !two.failed &&
        (one.len != two.len || memcmp(one.data, two.data, one.len) != 0)) {
        fprintf(stderr, "read ahead and one thread differ:\n--- one thread\n%.*s\n--- read ahead\n%.*s\n",
                (int)one.len, one.data, (int)two.len, two.data);
        abort();
    }
    mp_buf_free(&one);
    mp_buf_free(&two);
    return 0;
}
