/* libFuzzer target: Rust symbol names (legacy _ZN...E and v0 _R...), read as nm -C reads them.
   The input is the name after its two-letter start, chosen by the first byte, so that every
   run is a candidate. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstring(size ? data + 1 : data, size ? size - 1 : 0), *name;
    mp_buf out = { NULL, 0, 0, 0 };
    size_t n;
    if (!text) return 0;
    n = strlen(text);
    name = (char *)malloc(n + 4);
    if (name) {
        memcpy(name, size && (data[0] & 1) ? "_R" : "_ZN", size && (data[0] & 1) ? 2 : 3);
        memcpy(name + (size && (data[0] & 1) ? 2 : 3), text, n + 1);
        if (mp__rs_demangle(name, &out)) {
            /* nothing longer than the name comes out but the "::" between its parts */
            MP_ASSERT(out.len <= 2 * strlen(name));
        } else {
            MP_ASSERT(out.len == 0);
        }
        mp_buf_free(&out);
        free(name);
    }
    free(text);
    return 0;
}
