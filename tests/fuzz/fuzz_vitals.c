/* libFuzzer target: the preload's lines, as the sampler reads them from its pipe. The input
   is the pipe's bytes, handed over in pieces whose sizes its first bytes choose (lines cut
   anywhere, too long, never ended), through the sampler's own line splitter; each line then
   goes through mp_vitals_parse_line. Whatever a line says, a parsed one must hold what the
   format allows. */
#include "fuzz.h"

static void check_line(const char *s, size_t n)
{
    mp_vitals_line l;
    mp_error err;
    if (mp_vitals_parse_line(s, n, &l, &err) != MP_OK) {
        MP_ASSERT(strstr(err.msg, "vitals") != NULL);
        return;
    }
    MP_ASSERT(n >= 20 && memcmp(s, "medprof-vitals 1 ", 17) == 0);
    if (l.kind == MP_VITALS_LINE_SAMPLE) {
        const double *d = &l.sample.eld_p50_ms;
        int i;
        MP_ASSERT(l.sample.t >= 0);
        for (i = 0; i < 6; i++) MP_ASSERT(isnan(d[i]) || d[i] >= 0);
    } else {
        MP_ASSERT(l.kind == MP_VITALS_LINE_MARK);
        MP_ASSERT(l.mark.t0_ns <= l.mark.t1_ns);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mp_vitals v;
    size_t at, cut = size > 0 ? data[0] : 0;
    memset(&v, 0, sizeof v);
    v.read_fd = -1;
    if (pthread_mutex_init(&v.mu, NULL) != 0) return 0;
    /* every line alone */
    for (at = 0; at < size;) {
        const uint8_t *nl = (const uint8_t *)memchr(data + at, '\n', size - at);
        size_t len = nl ? (size_t)(nl - data - at) : size - at;
        check_line((const char *)data + at, len);
        at += len + 1;
    }
    /* the whole input through the splitter, in pieces of 1 to 256 bytes */
    for (at = 0; at < size;) {
        size_t piece = 1 + (cut + at) % 256;
        if (piece > size - at) piece = size - at;
        if (!mp__grow((void **)&v.line, &v.line_cap, v.line_len + piece, 1)) break;
        memcpy(v.line + v.line_len, data + at, piece);
        v.line_len += piece;
        if (!mp__vitals_lines(&v)) break;
        MP_ASSERT(v.line_len <= MP__VITALS_LINE_MAX);
        at += piece;
    }
    MP_ASSERT(v.st.node_lines >= v.nmarks);
    MP_ASSERT(v.st.marks == v.nmarks);
    free(v.line);
    free(v.marks);
    pthread_mutex_destroy(&v.mu);
    return 0;
}
