/* libFuzzer target: the HTTP/1.x response parser of the load generator, fed responses in
   arbitrary chunks (first byte: chunk size; second: HEAD or not), pipelined one after the
   other as a keep-alive connection delivers them, then the peer's close. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mp__hp hp;
    size_t chunk, off = 2;
    if (size < 2) return 0;
    chunk = (size_t)data[0] % 32 + 1;
    mp__hp_reset(&hp, data[1] & 1);
    while (off < size) {
        size_t n = size - off < chunk ? size - off : chunk, used = 0;
        int rc = mp__hp_feed(&hp, (const char *)data + off, n, &used);
        MP_ASSERT(used <= n);
        if (rc == MP__HP_ERROR) return 0;
        if (rc == MP__HP_COMPLETE) {
            MP_ASSERT(hp.status >= 100 && hp.status <= 999);
            mp__hp_reset(&hp, data[1] & 1);
        }
        off += used ? used : n;
    }
    mp__hp_eof(&hp);
    return 0;
}
