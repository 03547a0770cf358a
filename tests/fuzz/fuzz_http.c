/* libFuzzer target: the HTTP/1.x response parser of the load generator, fed responses in
   arbitrary chunks (first byte: chunk size; second: bit 0 HEAD or not, bit 1 keep the
   Location header as when following redirects), pipelined one after the other as a
   keep-alive connection delivers them, then the peer's close. A kept Location is resolved
   as a redirect would be: the result is a path on the same origin, in plain ASCII. */
#include "fuzz.h"

static void check_redirect(const mp_buf *loc)
{
    mp__url origin;
    mp_buf out = { 0 };
    size_t i;
    MP_ASSERT(loc->data && strlen(loc->data) == loc->len);
    if (mp__url_parse("http://127.0.0.1:8080/a/b?c", &origin, NULL) != MP_OK) abort();
    if (mp__redirect_target(&origin, origin.path, loc->data, &out) == 0 && !out.failed) {
        MP_ASSERT(out.data && out.data[0] == '/');
        for (i = 0; i < out.len; i++)
            MP_ASSERT((unsigned char)out.data[i] > ' ' && (unsigned char)out.data[i] < 0x7f);
    }
    mp_buf_free(&out);
    mp__url_free(&origin);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mp__hp hp;
    mp_buf loc = { 0 };
    size_t chunk, off = 2;
    int keep_location;
    if (size < 2) return 0;
    chunk = (size_t)data[0] % 32 + 1;
    keep_location = data[1] & 2;
    mp__hp_reset(&hp, data[1] & 1);
    if (keep_location) hp.location = &loc;
    while (off < size) {
        size_t n = size - off < chunk ? size - off : chunk, used = 0;
        int rc = mp__hp_feed(&hp, (const char *)data + off, n, &used);
        MP_ASSERT(used <= n);
        if (rc == MP__HP_ERROR) break;
        if (rc == MP__HP_COMPLETE) {
            MP_ASSERT(hp.status >= 100 && hp.status <= 999);
            if (hp.has_location) check_redirect(&loc);
            mp__hp_reset(&hp, data[1] & 1);
            if (keep_location) hp.location = &loc;
        }
        off += used ? used : n;
    }
    if (off >= size) mp__hp_eof(&hp);
    mp_buf_free(&loc);
    return 0;
}
