/* libFuzzer target: URL parsing (every URL medprof is given goes through it). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstring(data, size);
    mp__url url;
    mp_error err;
    if (!text) return 0;
    if (mp__url_parse(text, &url, &err) == MP_OK) {
        MP_ASSERT(url.port >= 1 && url.port <= 65535);
        MP_ASSERT(url.path && url.path[0] == '/');
        mp__url_free(&url);
    }
    free(text);
    return 0;
}
