/* parts/load_impl.h: pasted into medprof.h at its place; no include guard. */
#include <math.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

/* ---- load: histogram ------------------------------------------------------------------ */

/* Log-linear buckets: values below 2048 µs have a bucket each; above, every power of two is
   split into 1024 buckets, so a bucket is never wider than 1/1024 of its values. */
#define MP__H_HALF 1024u
#define MP__H_SUB (2u * MP__H_HALF)
#define MP__H_MAX_SHIFT 26u /* values up to 2^37 µs (38 hours); larger ones land in the last */
#define MP__H_BUCKETS (MP__H_MAX_SHIFT * MP__H_HALF + MP__H_SUB)

struct mp_load_hist {
    uint64_t count, min, max, sum;
    uint64_t counts[MP__H_BUCKETS];
};

static unsigned mp__msb64(uint64_t v)
{
#if defined(__GNUC__) || defined(__clang__)
    return 63u - (unsigned)__builtin_clzll(v);
#else
    unsigned r = 0;
    while (v >>= 1) r++;
    return r;
#endif
}

static size_t mp__hist_index(uint64_t v)
{
    unsigned shift;
    if (v < MP__H_SUB) return (size_t)v;
    shift = mp__msb64(v) - 10u;
    if (shift > MP__H_MAX_SHIFT) return MP__H_BUCKETS - 1;
    return (size_t)shift * MP__H_HALF + (size_t)(v >> shift);
}

/* The lowest and highest value of bucket i. */
static void mp__hist_range(size_t i, uint64_t *lo, uint64_t *hi)
{
    size_t shift, m;
    if (i < MP__H_SUB) { *lo = *hi = i; return; }
    shift = i / MP__H_HALF - 1;
    m = i - shift * MP__H_HALF;
    *lo = (uint64_t)m << shift;
    *hi = (((uint64_t)m + 1) << shift) - 1;
}

static void mp__hist_clear(mp_load_hist *h)
{
    memset(h, 0, sizeof *h);
}

MP__DEF mp_err mp_load_hist_new(mp_load_hist **out, mp_error *err)
{
    *out = (mp_load_hist *)MP_MALLOC(sizeof **out);
    if (!*out) return mp__nomem(err);
    mp__hist_clear(*out);
    return MP_OK;
}

MP__DEF void mp_load_hist_free(mp_load_hist *h) { MP_FREE(h); }

MP__DEF void mp_load_hist_record(mp_load_hist *h, uint64_t us)
{
    if (h->count == 0 || us < h->min) h->min = us;
    if (us > h->max) h->max = us;
    h->count++;
    h->sum += us;
    h->counts[mp__hist_index(us)]++;
}

MP__DEF void mp_load_hist_merge(mp_load_hist *dst, const mp_load_hist *src)
{
    size_t i;
    if (src->count == 0) return;
    if (dst->count == 0 || src->min < dst->min) dst->min = src->min;
    if (src->max > dst->max) dst->max = src->max;
    dst->count += src->count;
    dst->sum += src->sum;
    for (i = 0; i < MP__H_BUCKETS; i++) dst->counts[i] += src->counts[i];
}

MP__DEF uint64_t mp_load_hist_count(const mp_load_hist *h) { return h->count; }
MP__DEF uint64_t mp_load_hist_min(const mp_load_hist *h) { return h->min; }
MP__DEF uint64_t mp_load_hist_max(const mp_load_hist *h) { return h->max; }

MP__DEF double mp_load_hist_mean(const mp_load_hist *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0.0;
}

MP__DEF double mp_load_hist_percentile(const mp_load_hist *h, double p)
{
    uint64_t rank, seen = 0, lo, hi;
    double v;
    size_t i;
    if (h->count == 0) return 0.0;
    if (!(p > 0)) return (double)h->min;
    if (p >= 100) return (double)h->max;
    rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
    if (rank < 1) rank = 1;
    for (i = 0; i < MP__H_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) break;
    }
    if (i == MP__H_BUCKETS) return (double)h->max;
    mp__hist_range(i, &lo, &hi);
    v = ((double)lo + (double)hi) / 2.0;
    if (v < (double)h->min) v = (double)h->min;
    if (v > (double)h->max) v = (double)h->max;
    return v;
}

/* A coarse histogram for the per-second series: 8 buckets per power of two (12 %), small
   enough to keep one per second. */
#define MP__C_BUCKETS 288u

static size_t mp__coarse_index(uint64_t v)
{
    unsigned shift;
    size_t i;
    if (v < 16) return (size_t)v;
    shift = mp__msb64(v) - 3u;
    i = (size_t)shift * 8u + (size_t)(v >> shift);
    return i < MP__C_BUCKETS ? i : MP__C_BUCKETS - 1;
}

static double mp__coarse_value(size_t i)
{
    size_t shift, m;
    if (i < 16) return (double)i;
    shift = i / 8u - 1u;
    m = i - shift * 8u;
    return ((double)((uint64_t)m << shift) + (double)((((uint64_t)m + 1) << shift) - 1)) / 2.0;
}

static double mp__coarse_percentile(const uint32_t *c, double p)
{
    uint64_t total = 0, seen = 0, rank;
    size_t i;
    for (i = 0; i < MP__C_BUCKETS; i++) total += c[i];
    if (total == 0) return 0.0;
    rank = (uint64_t)ceil(p / 100.0 * (double)total);
    if (rank < 1) rank = 1;
    for (i = 0; i < MP__C_BUCKETS; i++) {
        seen += c[i];
        if (seen >= rank) return mp__coarse_value(i);
    }
    return mp__coarse_value(MP__C_BUCKETS - 1);
}

/* ---- load: HTTP/1.1 response parser --------------------------------------------------- */

/* A byte-at-a-time state machine: a response may arrive split at any byte, several may
   arrive in one read. It keeps only the current line (for the few headers it needs), so a
   connection costs a fixed few hundred bytes. */
enum {
    MP__HP_STATUS = 0,
    MP__HP_HEADER,
    MP__HP_BODY,
    MP__HP_CHUNK_SIZE,
    MP__HP_CHUNK_DATA,
    MP__HP_CHUNK_END,
    MP__HP_TRAILER,
    MP__HP_UNTIL_CLOSE,
    MP__HP_DONE
};

#define MP__HP_MORE 0
#define MP__HP_COMPLETE 1
#define MP__HP_ERROR (-1)
#define MP__HP_MAX_HEAD 65536u /* status line, headers and trailers together */

typedef struct mp__hp {
    int state;
    int status;
    int minor;         /* HTTP/1.minor */
    int head;          /* the request was HEAD: no body follows */
    int keep_alive;    /* known once the headers are complete */
    int chunked, has_length, conn_close, conn_keep_alive;
    uint64_t remaining;  /* body or chunk bytes still to come */
    uint64_t content_length;
    uint64_t body_bytes;
    size_t head_bytes;
    size_t line_len;
    int line_over;     /* the line did not fit in line[] */
    const char *error; /* why the response was rejected */
    char line[256];
} mp__hp;

static void mp__hp_reset(mp__hp *hp, int head)
{
    hp->state = MP__HP_STATUS;
    hp->status = 0;
    hp->minor = 1;
    hp->head = head;
    hp->keep_alive = 0;
    hp->chunked = hp->has_length = hp->conn_close = hp->conn_keep_alive = 0;
    hp->remaining = hp->content_length = hp->body_bytes = 0;
    hp->head_bytes = 0;
    hp->line_len = 0;
    hp->line_over = 0;
    hp->error = NULL;
}

static int mp__hp_fail(mp__hp *hp, const char *why)
{
    hp->error = why;
    return MP__HP_ERROR;
}

static int mp__lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int mp__name_is(const char *s, size_t n, const char *lower)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!lower[i] || mp__lower((unsigned char)s[i]) != lower[i]) return 0;
    return lower[n] == '\0';
}

/* Does the comma-separated list s[0..n) hold token (case-insensitive)? */
static int mp__has_token(const char *s, size_t n, const char *token, int last_only)
{
    size_t i = 0, tl = strlen(token);
    int found = 0;
    while (i < n) {
        size_t a, b;
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ',')) i++;
        a = i;
        while (i < n && s[i] != ',') i++;
        b = i;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) b--;
        if (b > a) found = (b - a == tl && mp__name_is(s + a, tl, token));
        if (found && !last_only) return 1;
    }
    return found;
}

static int mp__hp_status_line(mp__hp *hp, const char *s, size_t n)
{
    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') || s[8] != ' ' ||
        s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9' ||
        (n > 12 && s[12] != ' '))
        return mp__hp_fail(hp, "bad status line");
    hp->minor = s[7] - '0';
    hp->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    hp->state = MP__HP_HEADER;
    return MP__HP_MORE;
}

static int mp__hp_end_of_headers(mp__hp *hp)
{
    if (hp->status >= 100 && hp->status < 200) {
        if (hp->status == 101) return mp__hp_fail(hp, "protocol switch (101) not supported");
        /* An interim response: the real one follows on the same connection. */
        int head = hp->head;
        size_t used = hp->head_bytes;
        mp__hp_reset(hp, head);
        hp->head_bytes = used;
        return MP__HP_MORE;
    }
    hp->keep_alive = hp->minor >= 1 ? !hp->conn_close : hp->conn_keep_alive && !hp->conn_close;
    if (hp->head || hp->status == 204 || hp->status == 304) {
        hp->state = MP__HP_DONE;
    } else if (hp->chunked) {
        hp->state = MP__HP_CHUNK_SIZE;
    } else if (hp->has_length) {
        hp->remaining = hp->content_length;
        hp->state = hp->remaining ? MP__HP_BODY : MP__HP_DONE;
    } else {
        hp->state = MP__HP_UNTIL_CLOSE;
        hp->keep_alive = 0;
    }
    return hp->state == MP__HP_DONE ? MP__HP_COMPLETE : MP__HP_MORE;
}

static int mp__hp_header_line(mp__hp *hp, const char *s, size_t n)
{
    const char *colon, *v;
    size_t nl, vl;
    if (n == 0) return hp->state == MP__HP_TRAILER ? MP__HP_COMPLETE : mp__hp_end_of_headers(hp);
    if (s[0] == ' ' || s[0] == '\t') return mp__hp_fail(hp, "folded header line");
    if (!(colon = (const char *)memchr(s, ':', n))) {
        if (hp->line_over) return MP__HP_MORE; /* a long line of a header we do not need */
        return mp__hp_fail(hp, "header line without ':'");
    }
    if (hp->state == MP__HP_TRAILER) return MP__HP_MORE;
    nl = (size_t)(colon - s);
    v = colon + 1;
    vl = n - nl - 1;
    while (vl && (*v == ' ' || *v == '\t')) { v++; vl--; }
    while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) vl--;
    if (mp__name_is(s, nl, "content-length")) {
        uint64_t len = 0;
        size_t i;
        if (hp->line_over || vl == 0 || vl > 18) return mp__hp_fail(hp, "bad Content-Length");
        for (i = 0; i < vl; i++) {
            if (v[i] < '0' || v[i] > '9') return mp__hp_fail(hp, "bad Content-Length");
            len = len * 10 + (uint64_t)(v[i] - '0');
        }
        if (hp->has_length && len != hp->content_length)
            return mp__hp_fail(hp, "conflicting Content-Length headers");
        hp->has_length = 1;
        hp->content_length = len;
    } else if (mp__name_is(s, nl, "transfer-encoding")) {
        if (hp->line_over) return mp__hp_fail(hp, "Transfer-Encoding too long");
        hp->chunked = mp__has_token(v, vl, "chunked", 1);
    } else if (mp__name_is(s, nl, "connection")) {
        if (hp->line_over) return mp__hp_fail(hp, "Connection header too long");
        if (mp__has_token(v, vl, "close", 0)) hp->conn_close = 1;
        if (mp__has_token(v, vl, "keep-alive", 0)) hp->conn_keep_alive = 1;
    }
    return MP__HP_MORE;
}

static int mp__hp_chunk_size_line(mp__hp *hp, const char *s, size_t n)
{
    uint64_t size = 0;
    size_t i = 0;
    int digits = 0;
    for (; i < n; i++) {
        int c = mp__lower((unsigned char)s[i]), d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else break;
        if (size >> 59) return mp__hp_fail(hp, "chunk too large");
        size = size * 16 + (uint64_t)d;
        digits++;
    }
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    if (!digits || (i < n && s[i] != ';')) return mp__hp_fail(hp, "bad chunk size");
    if (size == 0) {
        hp->state = MP__HP_TRAILER;
    } else {
        hp->remaining = size;
        hp->state = MP__HP_CHUNK_DATA;
    }
    return MP__HP_MORE;
}

static int mp__hp_line(mp__hp *hp)
{
    size_t n = hp->line_len;
    const char *s = hp->line;
    if (n && s[n - 1] == '\r') n--;
    switch (hp->state) {
    case MP__HP_STATUS: return mp__hp_status_line(hp, s, n);
    case MP__HP_HEADER:
    case MP__HP_TRAILER: return mp__hp_header_line(hp, s, n);
    case MP__HP_CHUNK_SIZE: return mp__hp_chunk_size_line(hp, s, n);
    case MP__HP_CHUNK_END:
        if (n != 0) return mp__hp_fail(hp, "chunk not followed by CRLF");
        hp->state = MP__HP_CHUNK_SIZE;
        return MP__HP_MORE;
    default: return mp__hp_fail(hp, "parser state");
    }
}

static int mp__hp_line_state(int state)
{
    return state == MP__HP_STATUS || state == MP__HP_HEADER || state == MP__HP_CHUNK_SIZE ||
           state == MP__HP_CHUNK_END || state == MP__HP_TRAILER;
}

/* Feeds n bytes; *used tells how many belong to this response (the rest start the next).
   Returns MP__HP_COMPLETE when a response has ended, MP__HP_ERROR when it is malformed. */
static int mp__hp_feed(mp__hp *hp, const char *p, size_t n, size_t *used)
{
    size_t i = 0;
    int rc = MP__HP_MORE;
    if (hp->state == MP__HP_DONE) { *used = 0; return MP__HP_COMPLETE; }
    while (i < n && rc == MP__HP_MORE) {
        if (mp__hp_line_state(hp->state)) {
            const char *nl = (const char *)memchr(p + i, '\n', n - i);
            size_t take = nl ? (size_t)(nl - (p + i)) : n - i;
            size_t room = sizeof hp->line - 1 - hp->line_len;
            if (take > room) { hp->line_over = 1; }
            memcpy(hp->line + hp->line_len, p + i, take < room ? take : room);
            hp->line_len += take < room ? take : room;
            hp->head_bytes += take + (nl ? 1 : 0);
            i += take + (nl ? 1 : 0);
            if (hp->head_bytes > MP__HP_MAX_HEAD) { rc = mp__hp_fail(hp, "headers too large"); break; }
            if (!nl) break;
            if (hp->line_over && (hp->state == MP__HP_STATUS || hp->state == MP__HP_CHUNK_END))
                rc = mp__hp_fail(hp, hp->state == MP__HP_STATUS ? "status line too long"
                                                                 : "chunk not followed by CRLF");
            else
                rc = mp__hp_line(hp);
            hp->line_len = 0;
            hp->line_over = 0;
            if (rc == MP__HP_COMPLETE) hp->state = MP__HP_DONE;
        } else if (hp->state == MP__HP_BODY || hp->state == MP__HP_CHUNK_DATA) {
            uint64_t take = n - i < hp->remaining ? n - i : hp->remaining;
            hp->remaining -= take;
            hp->body_bytes += take;
            i += (size_t)take;
            if (hp->remaining == 0) {
                if (hp->state == MP__HP_BODY) {
                    hp->state = MP__HP_DONE;
                    rc = MP__HP_COMPLETE;
                } else {
                    hp->state = MP__HP_CHUNK_END;
                }
            }
        } else if (hp->state == MP__HP_UNTIL_CLOSE) {
            hp->body_bytes += n - i;
            i = n;
        } else {
            rc = mp__hp_fail(hp, "parser state");
        }
    }
    *used = i;
    return rc;
}

/* The peer closed the connection: the end of a body without length, else a cut response. */
static int mp__hp_eof(mp__hp *hp)
{
    if (hp->state == MP__HP_UNTIL_CLOSE || hp->state == MP__HP_DONE) {
        hp->state = MP__HP_DONE;
        return MP__HP_COMPLETE;
    }
    return mp__hp_fail(hp, "connection closed in the middle of a response");
}

/* ---- load: the request ---------------------------------------------------------------- */

static int mp__has_header(const char *const *headers, const char *lower_name)
{
    size_t n = strlen(lower_name);
    for (; headers && *headers; headers++)
        if (strlen(*headers) > n && (*headers)[n] == ':' && mp__name_is(*headers, n, lower_name))
            return 1;
    return 0;
}

static int mp__token_ok(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (*s <= ' ' || *s >= 127 || strchr("()<>@,;:\\\"/[]?={}", *s)) return 0;
    return 1;
}

/* Builds the request bytes once: every request of the run sends the same buffer. */
static mp_err mp__build_request(const mp_load_config *cfg, const mp_url *url, mp_buf *out,
                                mp_error *err)
{
    const char *method = cfg->method && *cfg->method ? cfg->method : "GET";
    const char *const *h;
    int default_port = url->port == 80;
    if (!mp__token_ok(method))
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "bad HTTP method '%s'", method);
    for (h = cfg->headers; h && *h; h++) {
        const char *colon = strchr(*h, ':');
        char name[128];
        size_t nl = colon ? (size_t)(colon - *h) : 0;
        if (!colon || nl == 0 || nl >= sizeof name || strpbrk(*h, "\r\n"))
            return mp__fail(err, MP_ERR_INVALID_ARG, 0, "bad header '%s' (want 'Name: value')", *h);
        memcpy(name, *h, nl);
        name[nl] = '\0';
        if (!mp__token_ok(name))
            return mp__fail(err, MP_ERR_INVALID_ARG, 0, "bad header name in '%s'", *h);
        if (mp__name_is(name, nl, "content-length") || mp__name_is(name, nl, "transfer-encoding"))
            return mp__fail(err, MP_ERR_INVALID_ARG, 0,
                            "header '%s' is set by medprof from the body", name);
    }
    mp_buf_printf(out, "%s %s HTTP/1.1\r\n", method, url->path);
    if (!mp__has_header(cfg->headers, "host")) {
        int v6 = strchr(url->host, ':') != NULL;
        mp_buf_printf(out, "Host: %s%s%s", v6 ? "[" : "", url->host, v6 ? "]" : "");
        if (!default_port) mp_buf_printf(out, ":%d", url->port);
        mp_buf_puts(out, "\r\n");
    }
    if (!mp__has_header(cfg->headers, "user-agent"))
        mp_buf_puts(out, "User-Agent: medprof/" MP_VERSION_STRING "\r\n");
    for (h = cfg->headers; h && *h; h++) mp_buf_printf(out, "%s\r\n", *h);
    if (cfg->body_len || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
        strcmp(method, "PATCH") == 0)
        mp_buf_printf(out, "Content-Length: %zu\r\n", cfg->body_len);
    mp_buf_puts(out, "\r\n");
    if (cfg->body_len) mp_buf_append(out, cfg->body, cfg->body_len);
    if (out->failed) return mp__nomem(err);
    return MP_OK;
}

/* ---- load: errors by name --------------------------------------------------------------- */

/* Error slots: errno values, then the ones that are not errno values. */
#define MP__LERR_PARSE 256
#define MP__LERR_SLOTS 257

static const char *mp__errno_name(int e)
{
    switch (e) {
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EPIPE: return "EPIPE";
    case ECONNABORTED: return "ECONNABORTED";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    case ENETDOWN: return "ENETDOWN";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EADDRINUSE: return "EADDRINUSE";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOBUFS: return "ENOBUFS";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case MP__LERR_PARSE: return "EPARSE";
    default: return NULL;
    }
}

/* ---- load: per-thread statistics -------------------------------------------------------- */

typedef struct mp__lsecond {
    uint64_t requests, responses, errors;
    uint32_t lat[MP__C_BUCKETS];
} mp__lsecond;

enum { MP__LH_RT, MP__LH_2XX, MP__LH_3XX, MP__LH_4XX, MP__LH_5XX, MP__LH_TOTAL, MP__LH_SESSION,
       MP__LH_UNCORRECTED, MP__LH_COUNT };

static const char *const mp__lh_names[MP__LH_COUNT] = {
    "http.response_time", "http.response_time.2xx", "http.response_time.3xx",
    "http.response_time.4xx", "http.response_time.5xx", "medprof.response_time_total",
    "vusers.session_length", "medprof.response_time_uncorrected"
};

typedef struct mp__lstats {
    uint64_t requests, responses, bytes, cancelled;
    uint64_t vu_created, vu_completed, vu_failed;
    uint64_t codes[600];
    uint64_t errors[MP__LERR_SLOTS];
    mp_load_hist *hist[MP__LH_COUNT];
    mp__lsecond *series;
    size_t nseconds, series_cap;
    int series_failed;
    int64_t first_ns, last_ns; /* first request started, last thing ended; -1: none */
} mp__lstats;

static void mp__lstats_free(mp__lstats *s)
{
    int i;
    for (i = 0; i < MP__LH_COUNT; i++) MP_FREE(s->hist[i]);
    MP_FREE(s->series);
}

static mp_err mp__lstats_init(mp__lstats *s, mp_error *err)
{
    int i;
    memset(s, 0, sizeof *s);
    s->first_ns = s->last_ns = -1;
    for (i = 0; i < MP__LH_COUNT; i++)
        if (mp_load_hist_new(&s->hist[i], err) != MP_OK) { mp__lstats_free(s); return MP_ERR_NOMEM; }
    return MP_OK;
}

/* The series entry for second sec, grown once per second at most: not per request. */
static mp__lsecond *mp__lstats_second(mp__lstats *s, int64_t sec)
{
    if (sec < 0) sec = 0;
    if (s->series_failed) return NULL;
    if ((size_t)sec >= s->series_cap) {
        size_t cap = s->series_cap ? s->series_cap * 2 : 16;
        mp__lsecond *g;
        while (cap <= (size_t)sec) cap *= 2;
        g = (mp__lsecond *)MP_REALLOC(s->series, cap * sizeof *g);
        if (!g) { s->series_failed = 1; return NULL; }
        memset(g + s->series_cap, 0, (cap - s->series_cap) * sizeof *g);
        s->series = g;
        s->series_cap = cap;
    }
    if ((size_t)sec >= s->nseconds) s->nseconds = (size_t)sec + 1;
    return &s->series[sec];
}

/* ---- load: the engine ------------------------------------------------------------------- */

enum { MP__C_IDLE = 0, MP__C_CONNECTING, MP__C_WRITING, MP__C_READING, MP__C_READY, MP__C_DONE };

typedef struct mp__lconn {
    int fd;
    int state;
    int in_request;    /* a request is outstanding: counted, not yet answered or failed */
    int got_byte;
    int peer_closed;   /* the peer's FIN was seen: do not reuse the connection */
    size_t sent;
    int64_t t_start, t_written, t_first, t_intended, deadline;
    int64_t retry_at;  /* CLOSED: pause after an error before the next attempt */
    /* VUSERS */
    int64_t vu_due, vu_start;
    int vu_left;
    mp__hp hp;
} mp__lconn;

typedef struct mp__lrun mp__lrun;

typedef struct mp__lworker {
    mp__lrun *run;
    int index;
    int epfd;
    pthread_t tid;
    int started;
    mp__lconn *conns;
    size_t nconns;
    size_t live;          /* connections still taking part */
    uint64_t budget;      /* CLOSED with a request count: requests this thread may start */
    uint64_t next_k;      /* OPEN: next schedule slot of this thread (global k) */
    uint64_t sent_k;      /* OPEN: slots already sent (or lost) */
    size_t next_vu;       /* VUSERS: the next user to arrive */
    int64_t next_scan;    /* when to look for timeouts next */
    mp__lstats *per;      /* this 10-second period's statistics, when periods are wanted */
    int64_t period;       /* its index: wall-clock seconds / 10 */
    int stopping;
    int interrupted;
    int tfd;              /* OPEN: a timer for the schedule (epoll_wait's ms are too coarse) */
    int64_t armed;        /* when tfd is set to fire */
    char *rbuf;
    mp__lstats st;
} mp__lworker;

struct mp__lrun {
    mp_load_model model;
    int count, num, connections, threads;
    double arrival, duration, rate, timeout, max_time;
    uint64_t requests;
    const char *req;
    size_t req_len;
    int head;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    int64_t t0;            /* monotonic ns at the start */
    int64_t end_ns;        /* CLOSED/OPEN: no new requests from here */
    int64_t hard_end_ns;   /* nothing runs past this */
    uint64_t slots;        /* OPEN: scheduled requests in all */
    int stop_pipe[2];      /* the calling thread writes: every worker stops */
    int prog_pipe[2];      /* workers write progress and their end */
    double progress_interval;
    int periods;           /* record 10-second periods for the period callback */
    double wall_t0;        /* wall clock at t0 */
    mp__lworker *workers;
};

typedef struct mp__lmsg {
    int worker;
    int done;
    int has_period;        /* this note hands over a finished 10-second period */
    int periods_over;      /* the thread keeps no more periods (out of memory) */
    mp__lstats *period;    /* that period's statistics, now the calling thread's */
    int64_t period_index;
    uint64_t requests, responses, errors;
    double p99_us;
} mp__lmsg;

#define MP__RBUF 65536
#define MP__NS 1000000000LL

static int64_t mp__ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * MP__NS + ts.tv_nsec;
}

static int64_t mp__sec_ns(double s) { return (int64_t)(s * 1e9); }

static void mp__lw_touch(mp__lworker *w, int64_t now)
{
    if (now > w->st.last_ns) w->st.last_ns = now;
    if (w->per && now > w->per->last_ns) w->per->last_ns = now;
}

/* The statistics a measurement goes to: the run's, and the period's when kept. */
#define MP__EACH_STATS(w, st) \
    for (mp__lstats *st = &(w)->st; st; st = st == &(w)->st ? (w)->per : NULL)

static void mp__lw_close(mp__lworker *w, mp__lconn *c)
{
    if (c->fd >= 0) {
        epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
    c->state = MP__C_IDLE;
}

static int mp__lw_accepting(const mp__lworker *w, int64_t now);
static void mp__lw_next(mp__lworker *w, mp__lconn *c, int64_t now);

/* The request failed with error slot e: counted once, and the connection is dropped. */
static void mp__lw_fail(mp__lworker *w, mp__lconn *c, int e, int64_t now)
{
    mp__lsecond *sec;
    if (e <= 0 || e >= MP__LERR_SLOTS) e = EIO;
    MP__EACH_STATS(w, st) st->errors[e]++;
    if ((sec = mp__lstats_second(&w->st, (now - w->run->t0) / MP__NS))) sec->errors++;
    c->in_request = 0;
    mp__lw_close(w, c);
    mp__lw_touch(w, now);
    switch (w->run->model) {
    case MP_LOAD_VUSERS:
        /* artillery: a virtual user stops at its first error. */
        MP__EACH_STATS(w, st) st->vu_failed++;
        c->state = MP__C_DONE;
        w->live--;
        break;
    case MP_LOAD_CLOSED:
        c->retry_at = now + 10 * 1000000LL; /* a refusing server must not be hammered */
        break;
    case MP_LOAD_OPEN:
        break;
    }
}

static void mp__lw_write(mp__lworker *w, mp__lconn *c, int64_t now)
{
    const mp__lrun *run = w->run;
    while (c->sent < run->req_len) {
        ssize_t n = send(c->fd, run->req + c->sent, run->req_len - c->sent, MSG_NOSIGNAL);
        if (n > 0) { c->sent += (size_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->state = MP__C_WRITING; /* EPOLLOUT (edge-triggered) resumes it */
            return;
        }
        mp__lw_fail(w, c, n < 0 ? errno : EPIPE, now);
        return;
    }
    c->t_written = mp__ns();
    c->state = MP__C_READING;
}

static void mp__lw_connect(mp__lworker *w, mp__lconn *c, int64_t now)
{
    const mp__lrun *run = w->run;
    struct epoll_event ev;
    int one = 1;
    c->peer_closed = 0;
    c->fd = socket(run->addr.ss_family, SOCK_STREAM, 0);
    if (c->fd < 0) { mp__lw_fail(w, c, errno, now); return; }
    fcntl(c->fd, F_SETFL, O_NONBLOCK);
    fcntl(c->fd, F_SETFD, FD_CLOEXEC);
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = c;
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) { mp__lw_fail(w, c, errno, now); return; }
    if (connect(c->fd, (const struct sockaddr *)&run->addr, run->addrlen) == 0) {
        mp__lw_write(w, c, now);
        return;
    }
    if (errno != EINPROGRESS) { mp__lw_fail(w, c, errno, now); return; }
    c->state = MP__C_CONNECTING;
}

/* Starts one request on c; intended is the scheduled send time (OPEN) or now. */
static void mp__lw_start(mp__lworker *w, mp__lconn *c, int64_t now, int64_t intended)
{
    mp__lsecond *sec;
    MP__EACH_STATS(w, st) {
        st->requests++;
        if (st->first_ns < 0 || now < st->first_ns) st->first_ns = now;
    }
    if ((sec = mp__lstats_second(&w->st, (now - w->run->t0) / MP__NS))) sec->requests++;
    c->in_request = 1;
    c->got_byte = 0;
    c->sent = 0;
    c->t_start = now;
    c->t_intended = intended;
    c->deadline = now + mp__sec_ns(w->run->timeout);
    mp__hp_reset(&c->hp, w->run->head);
    if (c->fd < 0) mp__lw_connect(w, c, now);
    else mp__lw_write(w, c, now);
}

static void mp__lstats_response(mp__lstats *st, const mp__lconn *c, int open, int64_t now)
{
    int status = c->hp.status, cls = status / 100;
    uint64_t rt = (uint64_t)((c->t_first - c->t_written) / 1000);
    st->responses++;
    st->codes[status]++;
    st->bytes += c->hp.body_bytes;
    if (open) {
        mp_load_hist_record(st->hist[MP__LH_UNCORRECTED], rt);
        rt = (uint64_t)((c->t_first - c->t_intended) / 1000);
    }
    mp_load_hist_record(st->hist[MP__LH_RT], rt);
    if (cls >= 2 && cls <= 5) mp_load_hist_record(st->hist[MP__LH_2XX + cls - 2], rt);
    mp_load_hist_record(st->hist[MP__LH_TOTAL], (uint64_t)((now - c->t_written) / 1000));
}

static void mp__lw_response(mp__lworker *w, mp__lconn *c, int64_t now)
{
    int open = w->run->model == MP_LOAD_OPEN;
    uint64_t rt = (uint64_t)(((open ? c->t_first - c->t_intended : c->t_first - c->t_written)) / 1000);
    mp__lsecond *sec;
    MP__EACH_STATS(w, st) mp__lstats_response(st, c, open, now);
    if ((sec = mp__lstats_second(&w->st, (now - w->run->t0) / MP__NS))) {
        sec->responses++;
        sec->lat[mp__coarse_index(rt)]++;
    }
    c->in_request = 0;
    mp__lw_touch(w, now);
    if (!c->hp.keep_alive || c->peer_closed) mp__lw_close(w, c);
    else c->state = MP__C_READY;
    mp__lw_next(w, c, now);
}

/* What c does after a response: the next request, or it is finished. */
static void mp__lw_next(mp__lworker *w, mp__lconn *c, int64_t now)
{
    switch (w->run->model) {
    case MP_LOAD_VUSERS:
        if (--c->vu_left > 0 && !w->stopping) {
            mp__lw_start(w, c, now, now);
            return;
        }
        if (c->vu_left <= 0) {
            MP__EACH_STATS(w, st) {
                st->vu_completed++;
                mp_load_hist_record(st->hist[MP__LH_SESSION], (uint64_t)((now - c->vu_start) / 1000));
            }
        }
        mp__lw_close(w, c);
        c->state = MP__C_DONE;
        w->live--;
        return;
    case MP_LOAD_CLOSED:
        if (mp__lw_accepting(w, now)) {
            if (w->run->requests) w->budget--;
            mp__lw_start(w, c, now, now);
        }
        return;
    case MP_LOAD_OPEN:
        if (w->sent_k < w->next_k && !w->stopping) {
            int64_t intended = w->run->t0 + (int64_t)((double)w->sent_k * 1e9 / w->run->rate);
            w->sent_k += (uint64_t)w->run->threads;
            mp__lw_start(w, c, now, intended);
        }
        return;
    }
}

/* Bytes arrived (or the peer closed): feed the parser, which may end the response. */
static void mp__lw_readable(mp__lworker *w, mp__lconn *c, int drain)
{
    for (;;) {
        ssize_t n = recv(c->fd, w->rbuf, MP__RBUF, 0);
        int64_t now = mp__ns();
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            if (c->in_request) mp__lw_fail(w, c, errno, now);
            else mp__lw_close(w, c);
            return;
        }
        if (n == 0) {
            if (!c->in_request) { mp__lw_close(w, c); return; }
            if (c->got_byte && mp__hp_eof(&c->hp) == MP__HP_COMPLETE) {
                c->hp.keep_alive = 0;
                mp__lw_response(w, c, now);
            } else {
                /* node reports a connection closed before the whole response as
                   ECONNRESET ("socket hang up"). */
                mp__lw_fail(w, c, ECONNRESET, now);
            }
            return;
        }
        if (!c->in_request || c->state != MP__C_READING) {
            /* Bytes nobody asked for: the stream is out of step. */
            if (c->in_request) mp__lw_fail(w, c, MP__LERR_PARSE, now);
            else mp__lw_close(w, c);
            return;
        }
        {
            size_t used;
            int rc;
            if (!c->got_byte) { c->got_byte = 1; c->t_first = now; }
            rc = mp__hp_feed(&c->hp, w->rbuf, (size_t)n, &used);
            if (rc == MP__HP_ERROR) { mp__lw_fail(w, c, MP__LERR_PARSE, now); return; }
            if (rc == MP__HP_COMPLETE) {
                if (used < (size_t)n) { mp__lw_fail(w, c, MP__LERR_PARSE, now); return; }
                mp__lw_response(w, c, now);
                return; /* c may be reused or closed: its next bytes come with a new event */
            }
        }
        /* A short read drained the socket, unless the peer also closed: then read on to
           the end, as no further edge will come. */
        if ((size_t)n < MP__RBUF && !drain) return;
    }
}

static void mp__lw_event(mp__lworker *w, mp__lconn *c, uint32_t events)
{
    int64_t now = mp__ns();
    if (c->fd < 0) return;
    if (c->state == MP__C_CONNECTING) {
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0) soerr = errno;
        if (soerr) { mp__lw_fail(w, c, soerr, now); return; }
        mp__lw_write(w, c, now);
        return;
    }
    if (c->state == MP__C_WRITING && (events & EPOLLOUT)) {
        mp__lw_write(w, c, now);
        if (c->fd < 0 || c->state == MP__C_WRITING) return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        if ((events & EPOLLERR) && !(events & EPOLLIN)) {
            int soerr = 0;
            socklen_t len = sizeof soerr;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
            if (c->in_request) mp__lw_fail(w, c, soerr ? soerr : ECONNRESET, now);
            else mp__lw_close(w, c);
            return;
        }
        if (events & (EPOLLRDHUP | EPOLLHUP)) c->peer_closed = 1;
        mp__lw_readable(w, c, c->peer_closed);
    }
}

/* May a new request start now (CLOSED)? */
static int mp__lw_accepting(const mp__lworker *w, int64_t now)
{
    const mp__lrun *run = w->run;
    if (w->stopping) return 0;
    if (run->requests && w->budget == 0) return 0;
    if (run->end_ns && now >= run->end_ns) return 0;
    return 1;
}

/* Cancels what is still outstanding when the run is cut short. */
static void mp__lw_cancel_all(mp__lworker *w, int64_t now)
{
    size_t i;
    for (i = 0; i < w->nconns; i++) {
        mp__lconn *c = &w->conns[i];
        if (c->in_request) {
            MP__EACH_STATS(w, st) st->cancelled++;
            c->in_request = 0;
            mp__lw_touch(w, now);
        }
        mp__lw_close(w, c);
        c->state = MP__C_DONE;
    }
    w->live = 0;
}

/* Starts what is due and times out what is late; returns the next moment to look again. */
static int64_t mp__lw_tick(mp__lworker *w, int64_t now)
{
    const mp__lrun *run = w->run;
    int64_t next = now + 10 * 1000000LL;
    int scan = now >= w->next_scan;
    size_t i;
    /* Timeouts (and the closed model's idle connections) are looked at every 10 ms, not on
       every wake-up: with thousands of connections a scan per event would cost more than
       the events. */
    if (scan) {
        w->next_scan = now + 10 * 1000000LL;
        for (i = 0; i < w->nconns; i++) {
            mp__lconn *c = &w->conns[i];
            if (c->in_request && now >= c->deadline) mp__lw_fail(w, c, ETIMEDOUT, now);
        }
    }
    if (w->next_scan < next) next = w->next_scan;
    switch (run->model) {
    case MP_LOAD_VUSERS:
        /* Users are due in index order: start those whose time has come. */
        for (; w->next_vu < w->nconns && !w->stopping; w->next_vu++) {
            mp__lconn *c = &w->conns[w->next_vu];
            if (c->vu_due > now) { if (c->vu_due < next) next = c->vu_due; break; }
            c->vu_start = now;
            MP__EACH_STATS(w, st) st->vu_created++;
            mp__lw_start(w, c, now, now);
        }
        break;
    case MP_LOAD_CLOSED:
        for (i = 0; scan && i < w->nconns; i++) {
            mp__lconn *c = &w->conns[i];
            if (c->in_request || c->state == MP__C_DONE) continue;
            if (!mp__lw_accepting(w, now)) {
                mp__lw_close(w, c);
                c->state = MP__C_DONE;
                w->live--;
                continue;
            }
            if (c->retry_at > now) continue;
            if (run->requests) w->budget--;
            mp__lw_start(w, c, now, now);
        }
        break;
    case MP_LOAD_OPEN: {
        /* Slots that are due join the backlog; idle connections take them oldest first. */
        while (w->next_k < run->slots &&
               run->t0 + (int64_t)((double)w->next_k * 1e9 / run->rate) <= now && !w->stopping)
            w->next_k += (uint64_t)run->threads;
        for (i = 0; i < w->nconns && w->sent_k < w->next_k && !w->stopping; i++) {
            mp__lconn *c = &w->conns[i];
            if (c->in_request) continue;
            mp__lw_next(w, c, now);
        }
        if (w->next_k < run->slots) {
            int64_t due = run->t0 + (int64_t)((double)w->next_k * 1e9 / run->rate);
            if (due < next) next = due;
        } else if (w->sent_k >= w->next_k) {
            int busy = 0;
            for (i = 0; i < w->nconns; i++) busy |= w->conns[i].in_request;
            if (!busy) w->live = 0;
        }
        break;
    }
    }
    return next;
}

/* Notes to the calling thread go through a pipe: a full pipe drops a progress note, but a
   period or the final note must get through. */
static void mp__lw_send(mp__lworker *w, const mp__lmsg *m, int must)
{
    for (;;) {
        ssize_t n = write(w->run->prog_pipe[1], m, sizeof *m);
        if (n == (ssize_t)sizeof *m || !must) break;
        if (n < 0 && errno != EAGAIN && errno != EINTR) break;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd pfd;
            pfd.fd = w->run->prog_pipe[1];
            pfd.events = POLLOUT;
            poll(&pfd, 1, 100);
        }
    }
}

static void mp__lw_progress(mp__lworker *w, int done)
{
    mp__lmsg m;
    const mp__lsecond *last = NULL;
    size_t i;
    memset(&m, 0, sizeof m);
    m.worker = w->index;
    m.done = done;
    m.requests = w->st.requests;
    m.responses = w->st.responses;
    for (i = 0; i < MP__LERR_SLOTS; i++) m.errors += w->st.errors[i];
    if (w->st.nseconds >= 2) last = &w->st.series[w->st.nseconds - 2];
    m.p99_us = last ? mp__coarse_percentile(last->lat, 99) : 0;
    mp__lw_send(w, &m, done);
}

/* The 10-second period (of the wall clock, as artillery's) that a moment falls in. */
static int64_t mp__lw_period_of(const mp__lrun *run, int64_t now)
{
    return (int64_t)floor((run->wall_t0 + (double)(now - run->t0) / 1e9) / 10.0);
}

static mp__lstats *mp__lstats_new(void)
{
    mp__lstats *st = (mp__lstats *)MP_MALLOC(sizeof *st);
    if (st && mp__lstats_init(st, NULL) != MP_OK) {
        MP_FREE(st);
        st = NULL;
    }
    return st;
}

static void mp__lstats_destroy(mp__lstats *st)
{
    if (!st) return;
    mp__lstats_free(st);
    MP_FREE(st);
}

/* Hands the period that ended to the calling thread and starts the next: an allocation
   every 10 s, not per request. */
static void mp__lw_ship(mp__lworker *w, int64_t now, int last)
{
    mp__lmsg m;
    memset(&m, 0, sizeof m);
    m.worker = w->index;
    m.has_period = 1;
    m.period = w->per;
    m.period_index = w->period;
    w->per = NULL;
    if (!last) {
        w->per = mp__lstats_new();
        w->period = mp__lw_period_of(w->run, now);
        m.periods_over = w->per == NULL;
    }
    mp__lw_send(w, &m, 1);
}

static void *mp__lw_main(void *arg)
{
    mp__lworker *w = (mp__lworker *)arg;
    mp__lrun *run = w->run;
    struct epoll_event events[256];
    int64_t next_progress = run->t0 + mp__sec_ns(run->progress_interval);
    for (;;) {
        int64_t now = mp__ns(), next;
        int n, i, timeout_ms;
        if (now >= run->hard_end_ns && !w->stopping) {
            w->stopping = 1;
            mp__lw_cancel_all(w, now);
        }
        next = mp__lw_tick(w, now);
        if (w->per && mp__lw_period_of(run, now) > w->period) mp__lw_ship(w, now, 0);
        if (w->live == 0) break;
        if (now >= next_progress) {
            mp__lw_progress(w, 0);
            next_progress = now + mp__sec_ns(run->progress_interval);
        }
        if (next_progress < next) next = next_progress;
        timeout_ms = next > now ? (int)((next - now + 999999) / 1000000) : 0;
        if (w->tfd >= 0 && timeout_ms > 0) {
            if (next != w->armed) {
                struct itimerspec its;
                memset(&its, 0, sizeof its);
                its.it_value.tv_sec = (time_t)(next / MP__NS);
                its.it_value.tv_nsec = (long)(next % MP__NS);
                if (timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0) w->armed = next;
            }
            if (w->armed == next) timeout_ms += 1; /* the timer wakes us first, on time */
        }
        n = epoll_wait(w->epfd, events, (int)(sizeof events / sizeof events[0]), timeout_ms);
        for (i = 0; i < n; i++) {
            if (events[i].data.ptr == (void *)w) {
                uint64_t expirations;
                if (read(w->tfd, &expirations, sizeof expirations) < 0) { /* not yet due */ }
                w->armed = 0;
                continue;
            }
            if (events[i].data.ptr == NULL) {
                /* The stop pipe: Ctrl+C or the caller gave up. */
                w->stopping = 1;
                w->interrupted = 1;
                mp__lw_cancel_all(w, mp__ns());
                break;
            }
            mp__lw_event(w, (mp__lconn *)events[i].data.ptr, events[i].events);
        }
    }
    if (w->per) mp__lw_ship(w, mp__ns(), 1);
    mp__lw_progress(w, 1);
    return NULL;
}

/* ---- load: results ---------------------------------------------------------------------- */

typedef struct mp__lcounter {
    char *name;
    uint64_t value;
} mp__lcounter;

typedef struct mp__lnamed_hist {
    char *name;
    mp_load_hist *h;
} mp__lnamed_hist;

struct mp_load_result {
    mp__lcounter *counters;   /* sorted by name, as JavaScript's sort() orders them */
    size_t ncounters, counters_cap;
    mp__lnamed_hist *hists;   /* sorted by name */
    size_t nhists, hists_cap;
    mp__lsecond *series;
    size_t nseconds;
    double start, end;        /* wall clock: first request started, last one ended */
    int interrupted;
    char *warning;
};

MP__DEF void mp_load_result_free(mp_load_result *r)
{
    size_t i;
    if (!r) return;
    for (i = 0; i < r->ncounters; i++) MP_FREE(r->counters[i].name);
    for (i = 0; i < r->nhists; i++) {
        MP_FREE(r->hists[i].name);
        MP_FREE(r->hists[i].h);
    }
    MP_FREE(r->counters);
    MP_FREE(r->hists);
    MP_FREE(r->series);
    MP_FREE(r->warning);
    MP_FREE(r);
}

static mp_load_result *mp__result_new(void)
{
    mp_load_result *r = (mp_load_result *)MP_MALLOC(sizeof *r);
    if (r) memset(r, 0, sizeof *r);
    return r;
}

MP__DEF mp_err mp_load_result_new(mp_load_result **out, mp_error *err)
{
    if (!(*out = mp__result_new())) return mp__nomem(err);
    return MP_OK;
}

/* Binary search; *at is where name is or would go. */
static int mp__counter_find(const mp_load_result *r, const char *name, size_t *at)
{
    size_t lo = 0, hi = r->ncounters;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(r->counters[mid].name, name);
        if (c == 0) { *at = mid; return 1; }
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    *at = lo;
    return 0;
}

static mp_err mp__counter_add(mp_load_result *r, const char *name, uint64_t v, mp_error *err)
{
    size_t at;
    char *copy;
    if (mp__counter_find(r, name, &at)) { r->counters[at].value += v; return MP_OK; }
    if (r->ncounters == r->counters_cap) {
        size_t cap = r->counters_cap ? r->counters_cap * 2 : 32;
        mp__lcounter *g = (mp__lcounter *)MP_REALLOC(r->counters, cap * sizeof *g);
        if (!g) return mp__nomem(err);
        r->counters = g;
        r->counters_cap = cap;
    }
    if (!(copy = mp__strdup(name))) return mp__nomem(err);
    memmove(r->counters + at + 1, r->counters + at, (r->ncounters - at) * sizeof *r->counters);
    r->counters[at].name = copy;
    r->counters[at].value = v;
    r->ncounters++;
    return MP_OK;
}

static int mp__hist_find(const mp_load_result *r, const char *name, size_t *at)
{
    size_t i;
    for (i = 0; i < r->nhists; i++) {
        int c = strcmp(r->hists[i].name, name);
        if (c == 0) { *at = i; return 1; }
        if (c > 0) break;
    }
    *at = i;
    return 0;
}

/* The histogram called name, created empty if missing. */
static mp_err mp__hist_get(mp_load_result *r, const char *name, mp_load_hist **h, mp_error *err)
{
    size_t at;
    char *copy;
    mp_load_hist *nh;
    if (mp__hist_find(r, name, &at)) { *h = r->hists[at].h; return MP_OK; }
    if (r->nhists == r->hists_cap) {
        size_t cap = r->hists_cap ? r->hists_cap * 2 : 8;
        mp__lnamed_hist *g = (mp__lnamed_hist *)MP_REALLOC(r->hists, cap * sizeof *g);
        if (!g) return mp__nomem(err);
        r->hists = g;
        r->hists_cap = cap;
    }
    if (mp_load_hist_new(&nh, err) != MP_OK) return MP_ERR_NOMEM;
    if (!(copy = mp__strdup(name))) { MP_FREE(nh); return mp__nomem(err); }
    memmove(r->hists + at + 1, r->hists + at, (r->nhists - at) * sizeof *r->hists);
    r->hists[at].name = copy;
    r->hists[at].h = nh;
    r->nhists++;
    *h = nh;
    return MP_OK;
}

static mp_err mp__series_reserve(mp_load_result *r, size_t n, mp_error *err)
{
    mp__lsecond *g;
    if (n <= r->nseconds) return MP_OK;
    g = (mp__lsecond *)MP_REALLOC(r->series, n * sizeof *g);
    if (!g) return mp__nomem(err);
    memset(g + r->nseconds, 0, (n - r->nseconds) * sizeof *g);
    r->series = g;
    r->nseconds = n;
    return MP_OK;
}

static void mp__second_add(mp__lsecond *dst, const mp__lsecond *src)
{
    size_t i;
    dst->requests += src->requests;
    dst->responses += src->responses;
    dst->errors += src->errors;
    for (i = 0; i < MP__C_BUCKETS; i++) dst->lat[i] += src->lat[i];
}

MP__DEF uint64_t mp_load_result_counter(const mp_load_result *r, const char *name)
{
    size_t at;
    return mp__counter_find(r, name, &at) ? r->counters[at].value : 0;
}

MP__DEF int mp_load_result_counter_at(const mp_load_result *r, size_t i, const char **name,
                                      uint64_t *value)
{
    if (i >= r->ncounters) return 0;
    *name = r->counters[i].name;
    *value = r->counters[i].value;
    return 1;
}

MP__DEF const mp_load_hist *mp_load_result_hist(const mp_load_result *r, const char *name)
{
    size_t at;
    return mp__hist_find(r, name, &at) ? r->hists[at].h : NULL;
}

MP__DEF int mp_load_result_hist_at(const mp_load_result *r, size_t i, const char **name,
                                   const mp_load_hist **h)
{
    if (i >= r->nhists) return 0;
    *name = r->hists[i].name;
    *h = r->hists[i].h;
    return 1;
}

MP__DEF double mp_load_result_duration(const mp_load_result *r)
{
    return r->end > r->start ? r->end - r->start : 0.0;
}

MP__DEF double mp_load_result_rate(const mp_load_result *r)
{
    double d = mp_load_result_duration(r);
    double n = (double)mp_load_result_counter(r, "http.requests");
    return d > 0 ? n / d : n;
}

MP__DEF double mp_load_result_start(const mp_load_result *r) { return r->start; }
MP__DEF int mp_load_result_interrupted(const mp_load_result *r) { return r->interrupted; }
MP__DEF size_t mp_load_result_seconds(const mp_load_result *r) { return r->nseconds; }
MP__DEF const char *mp_load_result_warning(const mp_load_result *r) { return r->warning; }

MP__DEF void mp_load_result_second(const mp_load_result *r, size_t i, uint64_t *requests,
                                   uint64_t *errors, double *p50, double *p99)
{
    const mp__lsecond *s;
    if (i >= r->nseconds) {
        *requests = *errors = 0;
        *p50 = *p99 = 0;
        return;
    }
    s = &r->series[i];
    *requests = s->requests;
    *errors = s->errors;
    *p50 = mp__coarse_percentile(s->lat, 50);
    *p99 = mp__coarse_percentile(s->lat, 99);
}

MP__DEF mp_err mp_load_result_merge(mp_load_result *dst, const mp_load_result *src,
                                    mp_error *err)
{
    size_t i;
    mp_err rc;
    for (i = 0; i < src->ncounters; i++)
        if ((rc = mp__counter_add(dst, src->counters[i].name, src->counters[i].value, err)))
            return rc;
    for (i = 0; i < src->nhists; i++) {
        mp_load_hist *h;
        if ((rc = mp__hist_get(dst, src->hists[i].name, &h, err))) return rc;
        mp_load_hist_merge(h, src->hists[i].h);
    }
    /* Series line up by wall-clock second, so runs made side by side add up. */
    if (src->nseconds) {
        double base = dst->nseconds || dst->ncounters ? dst->start : src->start;
        long shift = (long)floor(src->start - base + 0.5);
        if (shift < 0) shift = 0; /* a run that started earlier: aligned at its start */
        if ((rc = mp__series_reserve(dst, (size_t)shift + src->nseconds, err))) return rc;
        for (i = 0; i < src->nseconds; i++) mp__second_add(&dst->series[(size_t)shift + i], &src->series[i]);
    }
    if (dst->start == 0 || (src->start > 0 && src->start < dst->start)) dst->start = src->start;
    if (src->end > dst->end) dst->end = src->end;
    dst->interrupted |= src->interrupted;
    if (src->warning && !dst->warning && !(dst->warning = mp__strdup(src->warning)))
        return mp__nomem(err);
    return MP_OK;
}

/* ---- load: running ---------------------------------------------------------------------- */

/* Resolves once; with several addresses (localhost: ::1 and 127.0.0.1) it takes the first
   that accepts a connection, so a server listening on only one of them is found. */
static mp_err mp__resolve(const mp_url *url, struct sockaddr_storage *addr, socklen_t *len,
                          mp_error *err)
{
    struct addrinfo hints, *res = NULL, *ai, *pick;
    char port[8];
    int gai;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof port, "%d", url->port);
    gai = getaddrinfo(url->host, port, &hints, &res);
    if (gai != 0)
        return mp__fail(err, MP_ERR_NOT_FOUND, 0, "cannot resolve '%s': %s", url->host,
                        gai_strerror(gai));
    pick = res;
    if (res->ai_next) {
        for (ai = res; ai; ai = ai->ai_next) {
            int fd;
            if (mp__connect_addr(ai, mp_time_now() + 0.2, &fd, NULL) == MP_OK) {
                close(fd);
                pick = ai;
                break;
            }
        }
    }
    memcpy(addr, pick->ai_addr, pick->ai_addrlen);
    *len = (socklen_t)pick->ai_addrlen;
    freeaddrinfo(res);
    return MP_OK;
}

static mp_err mp__lrun_check(const mp_load_config *cfg, mp__lrun *run, mp_error *err)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int units;
    run->model = cfg->model;
    run->count = cfg->count ? cfg->count : 10;
    run->num = cfg->num ? cfg->num : 10;
    run->arrival = cfg->arrival > 0 ? cfg->arrival : 1.0;
    run->connections = cfg->connections ? cfg->connections : 10;
    run->requests = cfg->requests;
    run->duration = cfg->duration > 0 ? cfg->duration : (cfg->requests ? 0 : 10.0);
    run->rate = cfg->rate;
    run->timeout = cfg->timeout > 0 ? cfg->timeout : 10.0;
    run->progress_interval = cfg->progress_interval > 0 ? cfg->progress_interval : 0.25;
    if (run->count < 0 || run->num < 0 || run->connections < 0 || cfg->threads < 0 ||
        cfg->duration < 0 || cfg->timeout < 0 || cfg->rate < 0 || cfg->max_time < 0 ||
        cfg->arrival < 0)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "load: counts and times must not be negative");
    if ((unsigned)run->model > MP_LOAD_OPEN)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "load: unknown model %d", (int)run->model);
    if (run->model == MP_LOAD_OPEN && !(run->rate > 0))
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "load: the open model needs a rate");
    if (run->model == MP_LOAD_OPEN && !(cfg->duration > 0))
        run->duration = 10.0;
    if (run->model == MP_LOAD_OPEN && run->rate * run->duration > 1e12)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "load: rate x duration is too large");
    if (run->connections > 1000000 || run->count > 1000000)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "load: at most 1000000 connections");
    units = run->model == MP_LOAD_VUSERS ? run->count : run->connections;
    run->threads = cfg->threads ? cfg->threads : (int)(cores > 0 ? cores : 1);
    if (run->threads > units) run->threads = units > 0 ? units : 1;
    if (run->threads > 1024) run->threads = 1024;
    if (cfg->max_time > 0) {
        run->max_time = cfg->max_time;
    } else if (run->model == MP_LOAD_VUSERS) {
        run->max_time = run->arrival + (double)run->num * run->timeout + 2 * run->timeout;
    } else {
        run->max_time = run->duration + 2 * run->timeout;
        if (run->model == MP_LOAD_CLOSED && run->duration == 0) run->max_time = 1e9; /* the count bounds it */
    }
    return MP_OK;
}

static void mp__lrun_free(mp__lrun *run)
{
    int i;
    if (run->workers) {
        for (i = 0; i < run->threads; i++) {
            mp__lworker *w = &run->workers[i];
            size_t j;
            for (j = 0; w->conns && j < w->nconns; j++)
                if (w->conns[j].fd >= 0) close(w->conns[j].fd);
            if (w->epfd >= 0) close(w->epfd);
            if (w->tfd >= 0) close(w->tfd);
            MP_FREE(w->conns);
            MP_FREE(w->rbuf);
            mp__lstats_free(&w->st);
            mp__lstats_destroy(w->per);
        }
        MP_FREE(run->workers);
    }
    for (i = 0; i < 2; i++) {
        if (run->stop_pipe[i] >= 0) close(run->stop_pipe[i]);
        if (run->prog_pipe[i] >= 0) close(run->prog_pipe[i]);
    }
}

static int mp__pipe(int fds[2])
{
    int i;
    if (pipe(fds) != 0) return -1;
    for (i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
        fcntl(fds[i], F_SETFL, O_NONBLOCK);
    }
    return 0;
}

/* Hands out the users or connections round-robin, so that each thread gets its share. */
static mp_err mp__lrun_setup(mp__lrun *run, mp_error *err)
{
    int t, units = run->model == MP_LOAD_VUSERS ? run->count : run->connections;
    struct epoll_event ev;
    run->workers = (mp__lworker *)MP_MALLOC((size_t)run->threads * sizeof *run->workers);
    if (!run->workers) return mp__nomem(err);
    memset(run->workers, 0, (size_t)run->threads * sizeof *run->workers);
    for (t = 0; t < run->threads; t++) run->workers[t].epfd = run->workers[t].tfd = -1;
    for (t = 0; t < run->threads; t++) {
        mp__lworker *w = &run->workers[t];
        size_t j;
        w->run = run;
        w->index = t;
        w->nconns = (size_t)(units / run->threads + (t < units % run->threads));
        w->live = w->nconns;
        if (mp__lstats_init(&w->st, err) != MP_OK) return MP_ERR_NOMEM;
        w->conns = (mp__lconn *)MP_MALLOC((w->nconns ? w->nconns : 1) * sizeof *w->conns);
        w->rbuf = (char *)MP_MALLOC(MP__RBUF);
        if (!w->conns || !w->rbuf) return mp__nomem(err);
        memset(w->conns, 0, (w->nconns ? w->nconns : 1) * sizeof *w->conns);
        for (j = 0; j < w->nconns; j++) {
            mp__lconn *c = &w->conns[j];
            size_t unit = j * (size_t)run->threads + (size_t)t;
            c->fd = -1;
            if (run->model == MP_LOAD_VUSERS) {
                c->vu_left = run->num;
                c->vu_due = run->t0 + mp__sec_ns(run->arrival * (double)unit / (double)run->count);
            }
        }
        if (run->model == MP_LOAD_CLOSED && run->requests)
            w->budget = run->requests / (uint64_t)run->threads +
                        ((uint64_t)t < run->requests % (uint64_t)run->threads);
        w->next_k = w->sent_k = (uint64_t)t;
        if (run->periods) {
            if (!(w->per = mp__lstats_new())) return mp__nomem(err);
            w->period = mp__lw_period_of(run, run->t0);
        }
        if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
            return mp__fail_errno(err, errno, "epoll_create1", NULL);
        ev.events = EPOLLIN;
        ev.data.ptr = NULL;
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, run->stop_pipe[0], &ev) != 0)
            return mp__fail_errno(err, errno, "epoll_ctl", NULL);
        if (run->model == MP_LOAD_OPEN) {
            if ((w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0)
                return mp__fail_errno(err, errno, "timerfd_create", NULL);
            ev.events = EPOLLIN;
            ev.data.ptr = w;
            if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->tfd, &ev) != 0)
                return mp__fail_errno(err, errno, "epoll_ctl", NULL);
        }
    }
    return MP_OK;
}

static void mp__lrun_stop(mp__lrun *run)
{
    char b = 1;
    if (write(run->stop_pipe[1], &b, 1) < 0) { /* already full: already stopping */ }
}

/* The calling thread: relays progress and waits for every worker's last note. A signal
   (EINTR) or the progress callback asking to stop ends the run early. */
static mp_err mp__result_add_stats(mp_load_result *r, const mp__lrun *run, const mp__lstats *st,
                                   mp_error *err);

/* The calling thread's side of the 10-second periods: each thread hands over its periods
   in order; a period is reported once every thread has handed it over (or ended). */
typedef struct mp__lperiods {
    int64_t *shipped;         /* per thread: the last period it handed over */
    int *over;                /* per thread: hands over no more */
    int64_t *index;           /* pending periods ... */
    mp_load_result **acc;     /* ... and what they measured so far */
    size_t n, cap;
} mp__lperiods;

static void mp__lperiods_init(mp__lperiods *P, int threads)
{
    int i;
    memset(P, 0, sizeof *P);
    P->shipped = (int64_t *)MP_MALLOC((size_t)threads * sizeof *P->shipped);
    P->over = (int *)MP_MALLOC((size_t)threads * sizeof *P->over);
    if (!P->shipped || !P->over) {
        MP_FREE(P->shipped);
        MP_FREE(P->over);
        P->shipped = NULL;
        P->over = NULL;
        return;
    }
    for (i = 0; i < threads; i++) {
        P->shipped[i] = INT64_MIN;
        P->over[i] = 0;
    }
}

static void mp__lperiods_take(mp__lperiods *P, const mp__lrun *run, const mp__lmsg *m)
{
    size_t i;
    if (m->period && P->shipped) {
        for (i = 0; i < P->n && P->index[i] != m->period_index; i++) continue;
        if (i == P->n && P->n == P->cap) {
            size_t cap = P->cap ? P->cap * 2 : 8;
            int64_t *gi = (int64_t *)MP_REALLOC(P->index, cap * sizeof *gi);
            mp_load_result **ga;
            if (gi) P->index = gi;
            ga = gi ? (mp_load_result **)MP_REALLOC(P->acc, cap * sizeof *ga) : NULL;
            if (ga) { P->acc = ga; P->cap = cap; }
        }
        if (i < P->cap) {
            if (i == P->n) {
                P->index[i] = m->period_index;
                P->acc[i] = mp__result_new();
                P->n++;
            }
            /* Out of memory here costs that period's report, not the run. */
            if (P->acc[i]) mp__result_add_stats(P->acc[i], run, m->period, NULL);
        }
    }
    mp__lstats_destroy(m->period);
    if (P->shipped) {
        P->shipped[m->worker] = m->period_index;
        if (m->periods_over) P->over[m->worker] = 1;
    }
}

/* Reports the periods every thread is past, oldest first. */
static void mp__lperiods_emit(mp__lperiods *P, const mp__lrun *run, const mp_load_config *cfg,
                              int report)
{
    while (P->n) {
        size_t i, oldest = 0;
        int t, complete = 1;
        for (i = 1; i < P->n; i++)
            if (P->index[i] < P->index[oldest]) oldest = i;
        for (t = 0; t < run->threads && complete; t++)
            complete = P->over[t] || P->shipped[t] >= P->index[oldest];
        if (!complete) return;
        if (report && cfg->period && P->acc[oldest] && P->acc[oldest]->ncounters)
            cfg->period(P->acc[oldest], cfg->user);
        mp_load_result_free(P->acc[oldest]);
        P->n--;
        P->index[oldest] = P->index[P->n];
        P->acc[oldest] = P->acc[P->n];
    }
}

static void mp__lperiods_free(mp__lperiods *P)
{
    size_t i;
    for (i = 0; i < P->n; i++) mp_load_result_free(P->acc[i]);
    MP_FREE(P->index);
    MP_FREE(P->acc);
    MP_FREE(P->shipped);
    MP_FREE(P->over);
}

static int mp__lrun_wait(mp__lrun *run, const mp_load_config *cfg)
{
    mp__lperiods periods;
    mp__lmsg *last;
    int done = 0, interrupted = 0, i;
    double next = mp_time_now() + run->progress_interval, prev_t = mp_time_now();
    uint64_t prev_resp = 0;
    last = (mp__lmsg *)MP_MALLOC((size_t)run->threads * sizeof *last);
    if (last) memset(last, 0, (size_t)run->threads * sizeof *last);
    mp__lperiods_init(&periods, run->threads);
    while (done < run->threads) {
        struct pollfd pfd;
        double now = mp_time_now();
        int r, wait_ms = (int)((next - now) * 1000) + 1;
        pfd.fd = run->prog_pipe[0];
        pfd.events = POLLIN;
        r = poll(&pfd, 1, wait_ms < 1 ? 1 : wait_ms);
        if (r < 0 && errno == EINTR && !interrupted) {
            interrupted = 1;
            mp__lrun_stop(run);
        }
        for (;;) {
            mp__lmsg m;
            ssize_t n = read(run->prog_pipe[0], &m, sizeof m);
            if (n != (ssize_t)sizeof m) break;
            if (m.worker < 0 || m.worker >= run->threads) continue;
            if (m.has_period) { mp__lperiods_take(&periods, run, &m); continue; }
            if (last) last[m.worker] = m;
            if (m.done) {
                done++;
                if (periods.over) periods.over[m.worker] = 1;
            }
        }
        if (periods.shipped) mp__lperiods_emit(&periods, run, cfg, !interrupted);
        now = mp_time_now();
        /* Not after a stop: a Lua progress function would run into the interpreter's
           Ctrl+C hook and turn the stop into an error. */
        if (now >= next && cfg->progress && last && done < run->threads && !interrupted) {
            mp_load_progress p;
            memset(&p, 0, sizeof p);
            for (i = 0; i < run->threads; i++) {
                p.requests += last[i].requests;
                p.responses += last[i].responses;
                p.errors += last[i].errors;
                if (last[i].p99_us > p.p99_ms) p.p99_ms = last[i].p99_us;
            }
            p.p99_ms /= 1000.0;
            p.elapsed = (double)(mp__ns() - run->t0) / 1e9;
            p.rate = now > prev_t ? (double)(p.responses - prev_resp) / (now - prev_t) : 0;
            prev_t = now;
            prev_resp = p.responses;
            if (cfg->progress(&p, cfg->user) && !interrupted) {
                interrupted = 1;
                mp__lrun_stop(run);
            }
        }
        if (now >= next) next = now + run->progress_interval;
    }
    if (periods.shipped) mp__lperiods_emit(&periods, run, cfg, !interrupted);
    mp__lperiods_free(&periods);
    MP_FREE(last);
    return interrupted;
}

/* Adds one thread's (or one period's) statistics to r under artillery's names. */
static mp_err mp__result_add_stats(mp_load_result *r, const mp__lrun *run, const mp__lstats *st,
                                   mp_error *err)
{
    char name[64];
    int i;
    mp_err rc = MP_OK;
    if (st->first_ns >= 0) {
        double first = run->wall_t0 + (double)(st->first_ns - run->t0) / 1e9;
        if (r->start == 0 || first < r->start) r->start = first;
    }
    if (st->last_ns >= 0) {
        double last = run->wall_t0 + (double)(st->last_ns - run->t0) / 1e9;
        if (last > r->end) r->end = last;
    }
#define MP__ADD(n, v) do { if ((rc = mp__counter_add(r, n, v, err))) return rc; } while (0)
    if (st->requests) MP__ADD("http.requests", st->requests);
    if (st->responses) {
        MP__ADD("http.responses", st->responses);
        MP__ADD("http.downloaded_bytes", st->bytes);
    }
    for (i = 100; i < 600; i++) {
        if (!st->codes[i]) continue;
        snprintf(name, sizeof name, "http.codes.%d", i);
        MP__ADD(name, st->codes[i]);
    }
    for (i = 1; i < MP__LERR_SLOTS; i++) {
        const char *en;
        if (!st->errors[i]) continue;
        if ((en = mp__errno_name(i))) snprintf(name, sizeof name, "errors.%s", en);
        else snprintf(name, sizeof name, "errors.ERRNO_%d", i);
        MP__ADD(name, st->errors[i]);
    }
    if (st->cancelled) MP__ADD("medprof.requests_cancelled", st->cancelled);
    if (run->model == MP_LOAD_VUSERS && (st->vu_created || st->vu_failed || st->vu_completed)) {
        /* artillery: vusers.failed is always there, vusers.completed once one completed */
        MP__ADD("vusers.created", st->vu_created);
        MP__ADD("vusers.created_by_name.0", st->vu_created);
        MP__ADD("vusers.failed", st->vu_failed);
        if (st->vu_completed) MP__ADD("vusers.completed", st->vu_completed);
    }
#undef MP__ADD
    for (i = 0; i < MP__LH_COUNT; i++) {
        mp_load_hist *h;
        if (!st->hist[i]->count) continue;
        if ((rc = mp__hist_get(r, mp__lh_names[i], &h, err))) return rc;
        mp_load_hist_merge(h, st->hist[i]);
    }
    return MP_OK;
}

static mp_err mp__lrun_collect(mp__lrun *run, int interrupted, mp_load_result **out,
                               mp_error *err)
{
    mp_load_result *r = mp__result_new();
    int t, series_failed = 0;
    mp_err rc = MP_OK;
    if (!r) return mp__nomem(err);
    r->interrupted = interrupted;
    for (t = 0; t < run->threads; t++) {
        const mp__lstats *st = &run->workers[t].st;
        size_t j;
        if ((rc = mp__result_add_stats(r, run, st, err))) goto fail;
        if ((rc = mp__series_reserve(r, st->nseconds, err))) goto fail;
        for (j = 0; j < st->nseconds; j++) mp__second_add(&r->series[j], &st->series[j]);
        series_failed |= st->series_failed;
    }
    if (r->start == 0) r->start = r->end = run->wall_t0;
    if (run->model == MP_LOAD_OPEN && !interrupted) {
        double achieved = mp_load_result_rate(r);
        if (achieved < 0.9 * run->rate || mp_load_result_duration(r) > run->duration + 1.0) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "target rate %g/s not reached: %.0f/s sent; latency counts from the "
                     "scheduled send times", run->rate, achieved);
            if (!(r->warning = mp__strdup(msg))) { rc = mp__nomem(err); goto fail; }
        }
    }
    if (series_failed && !r->warning &&
        !(r->warning = mp__strdup("out of memory for the per-second series: it is incomplete"))) {
        rc = mp__nomem(err);
        goto fail;
    }
    *out = r;
    return MP_OK;
fail:
    mp_load_result_free(r);
    return rc;
}

MP__DEF mp_err mp_load_run(const mp_load_config *cfg, mp_load_result **out, mp_error *err)
{
    mp__lrun run;
    mp_url url;
    mp_buf req;
    sigset_t all, old;
    int t, started = 0, interrupted;
    mp_err rc;
    *out = NULL;
    memset(&run, 0, sizeof run);
    memset(&req, 0, sizeof req);
    run.stop_pipe[0] = run.stop_pipe[1] = run.prog_pipe[0] = run.prog_pipe[1] = -1;
    if (!cfg || !cfg->url) return mp__fail(err, MP_ERR_INVALID_ARG, 0, "load: no URL given");
    if ((rc = mp__lrun_check(cfg, &run, err))) return rc;
    if ((rc = mp_url_parse(cfg->url, &url, err))) return rc;
    if (strcmp(url.scheme, "http") != 0) {
        mp_url_free(&url);
        return mp__fail(err, MP_ERR_UNSUPPORTED, 0, "'%s': https is not supported yet", cfg->url);
    }
    rc = mp__build_request(cfg, &url, &req, err);
    if (rc == MP_OK) rc = mp__resolve(&url, &run.addr, &run.addrlen, err);
    mp_url_free(&url);
    if (rc) { mp_buf_free(&req); return rc; }
    run.req = req.data;
    run.req_len = req.len;
    run.head = cfg->method && strcmp(cfg->method, "HEAD") == 0;
    if (mp__pipe(run.stop_pipe) || mp__pipe(run.prog_pipe)) {
        rc = mp__fail_errno(err, errno, "pipe", NULL);
        goto done;
    }
    /* A little ahead, so that every thread is up before the first arrival is due. */
    run.t0 = mp__ns() + 2 * 1000000LL;
    run.wall_t0 = mp_time_wall() + (double)(run.t0 - mp__ns()) / 1e9;
    run.periods = cfg->period != NULL;
    if (run.model != MP_LOAD_VUSERS && run.duration > 0) run.end_ns = run.t0 + mp__sec_ns(run.duration);
    run.hard_end_ns = run.t0 + mp__sec_ns(run.max_time);
    if (run.model == MP_LOAD_OPEN) run.slots = (uint64_t)(run.rate * run.duration + 0.5);
    if ((rc = mp__lrun_setup(&run, err))) goto done;
    /* Signals go to the calling thread, whose poll() then returns EINTR. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (t = 0; t < run.threads; t++) {
        int e = pthread_create(&run.workers[t].tid, NULL, mp__lw_main, &run.workers[t]);
        if (e) { rc = mp__fail_errno(err, e, "pthread_create", NULL); break; }
        run.workers[t].started = 1;
        started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (started < run.threads) {
        mp__lrun_stop(&run);
        for (t = 0; t < started; t++) pthread_join(run.workers[t].tid, NULL);
        goto done;
    }
    interrupted = mp__lrun_wait(&run, cfg);
    for (t = 0; t < run.threads; t++) pthread_join(run.workers[t].tid, NULL);
    rc = mp__lrun_collect(&run, interrupted, out, err);
done:
    mp__lrun_free(&run);
    mp_buf_free(&req);
    return rc;
}

/* ---- load: reports ---------------------------------------------------------------------- */

MP__DEF void mp_report_load_padded(mp_buf *out, const char *name, const char *value)
{
    /* artillery's util.padded with a 79-column terminal: name, a space, dots to column 80,
       a space, the value. */
    const size_t width = 79;
    size_t n = strlen(name), i;
    if (n > width) {
        mp_buf_append(out, name, width - 3);
        mp_buf_puts(out, "...");
        n = width;
    } else {
        mp_buf_puts(out, name);
    }
    mp_buf_puts(out, " ");
    for (i = n; i < width; i++) mp_buf_append(out, ".", 1);
    mp_buf_printf(out, " %s\n", value);
}

/* Microseconds as artillery's ms with one decimal: Math.round(ms * 10) / 10, JS-printed. */
static void mp__js_ms(mp_buf *b, double us)
{
    mp_buf_js_number(b, floor(us / 100.0 + 0.5) / 10.0);
}

static void mp__padded_ms(mp_buf *out, const char *label, double us)
{
    char v[64];
    mp_buf tmp;
    memset(&tmp, 0, sizeof tmp);
    mp__js_ms(&tmp, us);
    snprintf(v, sizeof v, "%s", tmp.data ? tmp.data : "0");
    mp_buf_free(&tmp);
    mp_report_load_padded(out, label, v);
}

static int mp__is_medprof_name(const char *name) { return strncmp(name, "medprof.", 8) == 0 && strcmp(name, "medprof.requests_cancelled") != 0; }

static uint64_t mp__rate_value(const mp_load_result *r)
{
    return (uint64_t)floor(mp_load_result_rate(r) + 0.5);
}

MP__DEF void mp_report_load_metrics(const mp_load_result *r, mp_buf *out)
{
    /* Counters, the rate and the summaries in one JS-sorted list: walk the two sorted
       arrays together, with the rate slotted in by name. */
    static const char *const rate_name = "http.request_rate";
    size_t ci = 0, hi = 0;
    int rate_done = mp_load_result_counter(r, "http.requests") == 0;
    char name[300], v[64];
    if (r->ncounters == 0 && r->nhists == 0) {
        mp_buf_puts(out, "No measurements recorded during this period\n");
        return;
    }
    for (;;) {
        const char *cn = ci < r->ncounters ? r->counters[ci].name : NULL;
        const char *hn;
        while (hi < r->nhists && mp__is_medprof_name(r->hists[hi].name)) hi++;
        hn = hi < r->nhists ? r->hists[hi].name : NULL;
        if (!rate_done && (!cn || strcmp(rate_name, cn) < 0) && (!hn || strcmp(rate_name, hn) < 0)) {
            snprintf(v, sizeof v, "%llu/sec", (unsigned long long)mp__rate_value(r));
            mp_report_load_padded(out, "http.request_rate:", v);
            rate_done = 1;
        } else if (cn && (!hn || strcmp(cn, hn) < 0)) {
            snprintf(name, sizeof name, "%.290s:", cn);
            snprintf(v, sizeof v, "%llu", (unsigned long long)r->counters[ci].value);
            mp_report_load_padded(out, name, v);
            ci++;
        } else if (hn) {
            const mp_load_hist *h = r->hists[hi].h;
            mp_buf_printf(out, "%s:\n", hn);
            mp__padded_ms(out, "  min:", (double)h->min);
            mp__padded_ms(out, "  max:", (double)h->max);
            mp__padded_ms(out, "  mean:", mp_load_hist_mean(h));
            mp__padded_ms(out, "  median:", mp_load_hist_percentile(h, 50));
            mp__padded_ms(out, "  p95:", mp_load_hist_percentile(h, 95));
            mp__padded_ms(out, "  p99:", mp_load_hist_percentile(h, 99));
            hi++;
        } else {
            break;
        }
    }
}

/* "HH:mm:ss(+hhmm)" in local time, as moment's format 'HH:mm:ss(ZZ)' prints it. */
static void mp__clock_text(double wall, char *buf, size_t cap)
{
    time_t t = (time_t)wall;
    struct tm lt, gt;
    long off;
    localtime_r(&t, &lt);
    gmtime_r(&t, &gt);
    gt.tm_isdst = lt.tm_isdst;
    off = (long)difftime(t, mktime(&gt));
    snprintf(buf, cap, "%02d:%02d:%02d(%c%02ld%02ld)", lt.tm_hour, lt.tm_min, lt.tm_sec,
             off < 0 ? '-' : '+', labs(off) / 3600, labs(off) % 3600 / 60);
}

MP__DEF void mp_report_load_text(const mp_load_result *r, mp_buf *out)
{
    char when[32], title[64];
    size_t i, n;
    mp__clock_text(r->end > 0 ? r->end : mp_time_wall(), when, sizeof when);
    n = (size_t)snprintf(title, sizeof title, "Summary report @ %s", when);
    for (i = 0; i < n; i++) mp_buf_append(out, "-", 1);
    mp_buf_printf(out, "\n%s\n", title);
    for (i = 0; i < n; i++) mp_buf_append(out, "-", 1);
    mp_buf_puts(out, "\n\n");
    mp_report_load_metrics(r, out);
}

MP__DEF void mp_report_load_latency(const mp_load_result *r, mp_buf *out)
{
    static const double ps[] = { 50, 75, 90, 99, 99.9, 99.99 };
    const mp_load_hist *h = mp_load_result_hist(r, "http.response_time");
    size_t i;
    mp_buf_puts(out, "  Latency Distribution (response time, ms)\n");
    for (i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        double us = h ? mp_load_hist_percentile(h, ps[i]) : 0;
        mp_buf_printf(out, "  %6g%%  %10.3f\n", ps[i], us / 1000.0);
    }
}

static void mp__json_summary(mp_buf *b, const mp_load_hist *h)
{
    static const char *const keys[] = { "p50", "median", "p75", "p90", "p95", "p99", "p999" };
    static const double ps[] = { 50, 50, 75, 90, 95, 99, 99.9 };
    size_t i;
    mp_buf_puts(b, "{\"min\":");
    mp__js_ms(b, (double)h->min);
    mp_buf_puts(b, ",\"max\":");
    mp__js_ms(b, (double)h->max);
    mp_buf_printf(b, ",\"count\":%llu,\"mean\":", (unsigned long long)h->count);
    mp__js_ms(b, mp_load_hist_mean(h));
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        mp_buf_printf(b, ",\"%s\":", keys[i]);
        mp__js_ms(b, mp_load_hist_percentile(h, ps[i]));
    }
    mp_buf_puts(b, "}");
}

static void mp__json_summaries(mp_buf *b, const mp_load_result *r)
{
    size_t i;
    int first = 1;
    mp_buf_puts(b, "{");
    for (i = 0; i < r->nhists; i++) {
        if (mp__is_medprof_name(r->hists[i].name)) continue;
        mp_buf_puts(b, first ? "\n      " : ",\n      ");
        first = 0;
        mp_buf_json_string(b, r->hists[i].name, strlen(r->hists[i].name));
        mp_buf_puts(b, ": ");
        mp__json_summary(b, r->hists[i].h);
    }
    mp_buf_puts(b, first ? "}" : "\n    }");
}

static void mp__json_buckets(mp_buf *b, const mp_load_hist *h)
{
    size_t i;
    int first = 1;
    mp_buf_printf(b, "{\"count\":%llu,\"min\":%llu,\"max\":%llu,\"sum\":%llu,\"buckets\":[",
                  (unsigned long long)h->count, (unsigned long long)h->min,
                  (unsigned long long)h->max, (unsigned long long)h->sum);
    for (i = 0; i < MP__H_BUCKETS; i++) {
        if (!h->counts[i]) continue;
        mp_buf_printf(b, "%s%zu,%llu", first ? "" : ",", i, (unsigned long long)h->counts[i]);
        first = 0;
    }
    mp_buf_puts(b, "]}");
}

static void mp__json_series(mp_buf *b, const mp_load_result *r)
{
    static const char *const names[] = { "requests", "responses", "errors", "p50", "p99" };
    size_t k, i, j;
    mp_buf_puts(b, "{\"interval\":1");
    for (k = 0; k < 5; k++) {
        mp_buf_printf(b, ",\n      \"%s\":[", names[k]);
        for (i = 0; i < r->nseconds; i++) {
            const mp__lsecond *s = &r->series[i];
            if (i) mp_buf_puts(b, ",");
            if (k == 0) mp_buf_printf(b, "%llu", (unsigned long long)s->requests);
            else if (k == 1) mp_buf_printf(b, "%llu", (unsigned long long)s->responses);
            else if (k == 2) mp_buf_printf(b, "%llu", (unsigned long long)s->errors);
            else mp__js_ms(b, mp__coarse_percentile(s->lat, k == 3 ? 50 : 99));
        }
        mp_buf_puts(b, "]");
    }
    mp_buf_puts(b, ",\n      \"latency\":[");
    for (i = 0; i < r->nseconds; i++) {
        int first = 1;
        mp_buf_puts(b, i ? ",[" : "[");
        for (j = 0; j < MP__C_BUCKETS; j++) {
            if (!r->series[i].lat[j]) continue;
            mp_buf_printf(b, "%s%zu,%lu", first ? "" : ",", j, (unsigned long)r->series[i].lat[j]);
            first = 0;
        }
        mp_buf_puts(b, "]");
    }
    mp_buf_puts(b, "]}");
}

MP__DEF void mp_report_load_json(const mp_load_result *r, mp_buf *b)
{
    double first_ms = floor(r->start * 1000 + 0.5), last_ms = floor(r->end * 1000 + 0.5);
    size_t i;
    mp_buf_puts(b, "{\n  \"aggregate\": {\n    \"counters\": {");
    for (i = 0; i < r->ncounters; i++) {
        mp_buf_puts(b, i ? ",\n      " : "\n      ");
        mp_buf_json_string(b, r->counters[i].name, strlen(r->counters[i].name));
        mp_buf_printf(b, ": %llu", (unsigned long long)r->counters[i].value);
    }
    mp_buf_puts(b, r->ncounters ? "\n    },\n" : "},\n");
    if (mp_load_result_counter(r, "http.requests"))
        mp_buf_printf(b, "    \"rates\": {\"http.request_rate\": %llu},\n",
                      (unsigned long long)mp__rate_value(r));
    else
        mp_buf_puts(b, "    \"rates\": {},\n");
    mp_buf_printf(b, "    \"firstCounterAt\": %.0f,\n    \"firstHistogramAt\": %.0f,\n"
                     "    \"lastCounterAt\": %.0f,\n    \"lastHistogramAt\": %.0f,\n"
                     "    \"firstMetricAt\": %.0f,\n    \"lastMetricAt\": %.0f,\n"
                     "    \"period\": %.0f,\n",
                  first_ms, first_ms, last_ms, last_ms, first_ms, last_ms,
                  floor(last_ms / 10000) * 10000);
    mp_buf_puts(b, "    \"summaries\": ");
    mp__json_summaries(b, r);
    mp_buf_puts(b, ",\n    \"histograms\": ");
    mp__json_summaries(b, r);
    mp_buf_puts(b, "\n  },\n  \"intermediate\": [],\n  \"medprof\": {\n");
    mp_buf_printf(b, "    \"version\": \"%s\",\n    \"start\": %.6f,\n    \"end\": %.6f,\n"
                     "    \"duration\": %.6f,\n    \"rate\": ",
                  MP_VERSION_STRING, r->start, r->end, mp_load_result_duration(r));
    mp_buf_js_number(b, mp_load_result_rate(r));
    mp_buf_printf(b, ",\n    \"interrupted\": %s,\n    \"warning\": ",
                  r->interrupted ? "true" : "false");
    if (r->warning) mp_buf_json_string(b, r->warning, strlen(r->warning));
    else mp_buf_puts(b, "null");
    mp_buf_puts(b, ",\n    \"histograms\": {");
    for (i = 0; i < r->nhists; i++) {
        mp_buf_puts(b, i ? ",\n      " : "\n      ");
        mp_buf_json_string(b, r->hists[i].name, strlen(r->hists[i].name));
        mp_buf_puts(b, ": ");
        mp__json_buckets(b, r->hists[i].h);
    }
    mp_buf_puts(b, r->nhists ? "\n    },\n    \"series\": " : "},\n    \"series\": ");
    mp__json_series(b, r);
    mp_buf_puts(b, "\n  }\n}\n");
}

/* ---- load: reading medprof's JSON back ------------------------------------------------- */

/* A small JSON reader: the whole text into a tree of nodes held in one array, strings
   unescaped into one buffer. Depth and sizes are bounded by the input. */
enum { MP__J_NULL, MP__J_BOOL, MP__J_NUM, MP__J_STR, MP__J_ARR, MP__J_OBJ };

typedef struct mp__jnode {
    int type;
    double num;
    size_t str, len;       /* string value: offset and length in the string buffer */
    size_t key, key_len;   /* member name, inside an object */
    size_t child, next;    /* first child and next sibling; 0 for none */
} mp__jnode;

typedef struct mp__json {
    const char *p, *end, *start;
    mp__jnode *nodes;
    size_t n, cap;
    mp_buf strs;
    mp_error *err;
    mp_err rc;
} mp__json;

#define MP__J_MAX_DEPTH 64

static int mp__j_fail(mp__json *j, const char *what)
{
    if (j->rc == MP_OK)
        j->rc = mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: %s at byte %ld", what,
                         (long)(j->p - j->start));
    return 0;
}

static void mp__j_ws(mp__json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t')) j->p++;
}

static size_t mp__j_new(mp__json *j, int type)
{
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 256;
        mp__jnode *g = (mp__jnode *)MP_REALLOC(j->nodes, cap * sizeof *g);
        if (!g) { j->rc = mp__nomem(j->err); return 0; }
        j->nodes = g;
        j->cap = cap;
    }
    memset(&j->nodes[j->n], 0, sizeof j->nodes[j->n]);
    j->nodes[j->n].type = type;
    return j->n++;
}

static void mp__j_utf8(mp_buf *b, unsigned cp)
{
    char u[4];
    if (cp < 0x80) { u[0] = (char)cp; mp_buf_append(b, u, 1); }
    else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3F));
        mp_buf_append(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        mp_buf_append(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F));
        mp_buf_append(b, u, 4);
    }
}

static int mp__j_hex4(mp__json *j, unsigned *cp)
{
    int i;
    *cp = 0;
    if (j->end - j->p < 4) return mp__j_fail(j, "short \\u escape");
    for (i = 0; i < 4; i++) {
        int c = mp__lower((unsigned char)*j->p++);
        if (c >= '0' && c <= '9') *cp = *cp * 16 + (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') *cp = *cp * 16 + (unsigned)(c - 'a' + 10);
        else return mp__j_fail(j, "bad \\u escape");
    }
    return 1;
}

/* Reads a string literal into the string buffer: *off, *len. */
static int mp__j_string(mp__json *j, size_t *off, size_t *len)
{
    j->p++; /* the opening quote */
    *off = j->strs.len;
    while (j->p < j->end && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p;
        if (c < 0x20) return mp__j_fail(j, "control character in a string");
        if (c != '\\') {
            const char *run = j->p;
            while (j->p < j->end && *j->p != '"' && *j->p != '\\' && (unsigned char)*j->p >= 0x20) j->p++;
            mp_buf_append(&j->strs, run, (size_t)(j->p - run));
            continue;
        }
        if (++j->p >= j->end) break;
        switch (*j->p++) {
        case '"': mp_buf_append(&j->strs, "\"", 1); break;
        case '\\': mp_buf_append(&j->strs, "\\", 1); break;
        case '/': mp_buf_append(&j->strs, "/", 1); break;
        case 'b': mp_buf_append(&j->strs, "\b", 1); break;
        case 'f': mp_buf_append(&j->strs, "\f", 1); break;
        case 'n': mp_buf_append(&j->strs, "\n", 1); break;
        case 'r': mp_buf_append(&j->strs, "\r", 1); break;
        case 't': mp_buf_append(&j->strs, "\t", 1); break;
        case 'u': {
            unsigned cp, lo;
            if (!mp__j_hex4(j, &cp)) return 0;
            if (cp >= 0xD800 && cp < 0xDC00 && j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u') {
                j->p += 2;
                if (!mp__j_hex4(j, &lo)) return 0;
                if (lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                else cp = 0xFFFD;
            } else if (cp >= 0xD800 && cp < 0xE000) {
                cp = 0xFFFD;
            }
            mp__j_utf8(&j->strs, cp);
            break;
        }
        default: return mp__j_fail(j, "bad escape");
        }
    }
    if (j->p >= j->end) return mp__j_fail(j, "unterminated string");
    j->p++;
    mp_buf_append(&j->strs, "", 0);
    mp_buf_append(&j->strs, "\0", 1); /* keep every string NUL-terminated */
    if (j->strs.failed) { j->rc = mp__nomem(j->err); return 0; }
    *len = j->strs.len - *off - 1;
    return 1;
}

static size_t mp__j_value(mp__json *j, int depth);

/* Parses the members of an array or object into node parent. */
static int mp__j_members(mp__json *j, size_t parent, int depth, int object)
{
    size_t last = 0;
    char close = object ? '}' : ']';
    j->p++;
    mp__j_ws(j);
    if (j->p < j->end && *j->p == close) { j->p++; return 1; }
    for (;;) {
        size_t key = 0, key_len = 0, v;
        mp__j_ws(j);
        if (object) {
            if (j->p >= j->end || *j->p != '"') return mp__j_fail(j, "expected a member name");
            if (!mp__j_string(j, &key, &key_len)) return 0;
            mp__j_ws(j);
            if (j->p >= j->end || *j->p != ':') return mp__j_fail(j, "expected ':'");
            j->p++;
        }
        if (!(v = mp__j_value(j, depth + 1))) return 0;
        j->nodes[v].key = key;
        j->nodes[v].key_len = key_len;
        if (last) j->nodes[last].next = v;
        else j->nodes[parent].child = v;
        last = v;
        mp__j_ws(j);
        if (j->p < j->end && *j->p == ',') { j->p++; continue; }
        if (j->p < j->end && *j->p == close) { j->p++; return 1; }
        return mp__j_fail(j, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

/* Returns the new node's index, 0 on failure (node 0 is a placeholder that is never a value). */
static size_t mp__j_value(mp__json *j, int depth)
{
    size_t v;
    mp__j_ws(j);
    if (depth > MP__J_MAX_DEPTH) return mp__j_fail(j, "nested too deeply");
    if (j->p >= j->end) return mp__j_fail(j, "unexpected end");
    switch (*j->p) {
    case '{':
    case '[':
        if (!(v = mp__j_new(j, *j->p == '{' ? MP__J_OBJ : MP__J_ARR))) return 0;
        return mp__j_members(j, v, depth, j->nodes[v].type == MP__J_OBJ) ? v : 0;
    case '"':
        if (!(v = mp__j_new(j, MP__J_STR))) return 0;
        {
            size_t off, len;
            if (!mp__j_string(j, &off, &len)) return 0;
            j->nodes[v].str = off;
            j->nodes[v].len = len;
        }
        return v;
    default: break;
    }
    if (j->end - j->p >= 4 && memcmp(j->p, "null", 4) == 0) { j->p += 4; return mp__j_new(j, MP__J_NULL); }
    if (j->end - j->p >= 4 && memcmp(j->p, "true", 4) == 0) {
        j->p += 4;
        if ((v = mp__j_new(j, MP__J_BOOL))) j->nodes[v].num = 1;
        return v;
    }
    if (j->end - j->p >= 5 && memcmp(j->p, "false", 5) == 0) { j->p += 5; return mp__j_new(j, MP__J_BOOL); }
    {
        char num[64];
        size_t n = 0;
        char *endp;
        while (j->p + n < j->end && strchr("+-0123456789.eE", j->p[n]) && j->p[n]) n++;
        if (n == 0) return mp__j_fail(j, "unexpected character");
        if (n >= sizeof num) return mp__j_fail(j, "number too long");
        memcpy(num, j->p, n);
        num[n] = '\0';
        if (!(v = mp__j_new(j, MP__J_NUM))) return 0;
        j->nodes[v].num = strtod(num, &endp);
        if (*endp) return mp__j_fail(j, "bad number");
        j->p += n;
        return v;
    }
}

/* The member called name of object node o, or 0. */
static size_t mp__j_get(const mp__json *j, size_t o, const char *name)
{
    size_t c;
    if (!o || j->nodes[o].type != MP__J_OBJ) return 0;
    for (c = j->nodes[o].child; c; c = j->nodes[c].next)
        if (strcmp(j->strs.data + j->nodes[c].key, name) == 0) return c;
    return 0;
}

static int mp__j_uint(const mp__json *j, size_t v, uint64_t *out)
{
    double d;
    if (!v || j->nodes[v].type != MP__J_NUM) return 0;
    d = j->nodes[v].num;
    if (!(d >= 0) || d > 1.8e19 || d != floor(d)) return 0;
    *out = (uint64_t)d;
    return 1;
}

static mp_err mp__j_read_hist(mp__json *j, size_t o, mp_load_hist *h, const char *name)
{
    size_t b, c;
    uint64_t total = 0;
    if (!mp__j_uint(j, mp__j_get(j, o, "count"), &h->count) ||
        !mp__j_uint(j, mp__j_get(j, o, "min"), &h->min) ||
        !mp__j_uint(j, mp__j_get(j, o, "max"), &h->max) ||
        !mp__j_uint(j, mp__j_get(j, o, "sum"), &h->sum) ||
        !(b = mp__j_get(j, o, "buckets")) || j->nodes[b].type != MP__J_ARR)
        return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: histogram '%s' is incomplete", name);
    for (c = j->nodes[b].child; c; c = j->nodes[j->nodes[c].next].next) {
        uint64_t idx, n;
        if (!j->nodes[c].next || !mp__j_uint(j, c, &idx) || !mp__j_uint(j, j->nodes[c].next, &n) ||
            idx >= MP__H_BUCKETS)
            return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: histogram '%s' has a bad bucket", name);
        h->counts[idx] += n;
        total += n;
    }
    if (total != h->count)
        return mp__fail(j->err, MP_ERR_PARSE, 0,
                        "report JSON: histogram '%s' buckets hold %llu samples, count says %llu",
                        name, (unsigned long long)total, (unsigned long long)h->count);
    return MP_OK;
}

static mp_err mp__j_read_series(mp__json *j, size_t o, mp_load_result *r)
{
    static const char *const names[] = { "requests", "responses", "errors", "latency" };
    size_t arr[4], n = 0, k, c, i;
    mp_err rc;
    for (k = 0; k < 4; k++) {
        size_t len = 0;
        arr[k] = mp__j_get(j, o, names[k]);
        if (!arr[k] || j->nodes[arr[k]].type != MP__J_ARR)
            return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: series.%s missing", names[k]);
        for (c = j->nodes[arr[k]].child; c; c = j->nodes[c].next) len++;
        if (k == 0) n = len;
        else if (len != n)
            return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: series arrays differ in length");
    }
    if ((rc = mp__series_reserve(r, n, j->err))) return rc;
    for (k = 0; k < 4; k++) {
        for (i = 0, c = j->nodes[arr[k]].child; c; c = j->nodes[c].next, i++) {
            mp__lsecond *s = &r->series[i];
            uint64_t v, idx;
            size_t e;
            if (k < 3) {
                if (!mp__j_uint(j, c, &v))
                    return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: bad series value");
                if (k == 0) s->requests = v;
                else if (k == 1) s->responses = v;
                else s->errors = v;
                continue;
            }
            if (j->nodes[c].type != MP__J_ARR)
                return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: bad series latency");
            for (e = j->nodes[c].child; e; e = j->nodes[j->nodes[e].next].next) {
                if (!j->nodes[e].next || !mp__j_uint(j, e, &idx) ||
                    !mp__j_uint(j, j->nodes[e].next, &v) || idx >= MP__C_BUCKETS || v > 0xFFFFFFFFu)
                    return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: bad series latency");
                s->lat[idx] += (uint32_t)v;
            }
        }
    }
    return MP_OK;
}

static mp_err mp__j_read_result(mp__json *j, mp_load_result *r)
{
    size_t agg = mp__j_get(j, 1, "aggregate"), mp = mp__j_get(j, 1, "medprof");
    size_t counters = mp__j_get(j, agg, "counters"), hists = mp__j_get(j, mp, "histograms");
    size_t series = mp__j_get(j, mp, "series"), c, v;
    mp_err rc;
    if (!mp || j->nodes[mp].type != MP__J_OBJ)
        return mp__fail(j->err, MP_ERR_PARSE, 0,
                        "report JSON: no \"medprof\" object (not written by medprof --output?)");
    if (!counters || j->nodes[counters].type != MP__J_OBJ || !hists ||
        j->nodes[hists].type != MP__J_OBJ)
        return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: counters or histograms missing");
    for (c = j->nodes[counters].child; c; c = j->nodes[c].next) {
        uint64_t val;
        if (!mp__j_uint(j, c, &val))
            return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: counter '%s' is not a count",
                            j->strs.data + j->nodes[c].key);
        if ((rc = mp__counter_add(r, j->strs.data + j->nodes[c].key, val, j->err))) return rc;
    }
    for (c = j->nodes[hists].child; c; c = j->nodes[c].next) {
        mp_load_hist *h;
        const char *name = j->strs.data + j->nodes[c].key;
        if (mp_load_result_hist(r, name))
            return mp__fail(j->err, MP_ERR_PARSE, 0, "report JSON: histogram '%s' twice", name);
        if ((rc = mp__hist_get(r, name, &h, j->err))) return rc;
        if ((rc = mp__j_read_hist(j, c, h, name))) return rc;
    }
    if (series && (rc = mp__j_read_series(j, series, r))) return rc;
    if ((v = mp__j_get(j, mp, "start")) && j->nodes[v].type == MP__J_NUM) r->start = j->nodes[v].num;
    if ((v = mp__j_get(j, mp, "end")) && j->nodes[v].type == MP__J_NUM) r->end = j->nodes[v].num;
    if ((v = mp__j_get(j, mp, "interrupted"))) r->interrupted = j->nodes[v].type == MP__J_BOOL && j->nodes[v].num;
    if ((v = mp__j_get(j, mp, "warning")) && j->nodes[v].type == MP__J_STR &&
        !(r->warning = mp__strdup(j->strs.data + j->nodes[v].str)))
        return mp__nomem(j->err);
    return MP_OK;
}

MP__DEF mp_err mp_load_result_from_json(const char *text, size_t len, mp_load_result **out,
                                        mp_error *err)
{
    mp__json j;
    mp_load_result *r;
    size_t root;
    *out = NULL;
    memset(&j, 0, sizeof j);
    j.p = j.start = text;
    j.end = text + len;
    j.err = err;
    mp__j_new(&j, MP__J_NULL); /* node 0: "none" */
    root = j.rc == MP_OK ? mp__j_value(&j, 0) : 0;
    if (root) {
        mp__j_ws(&j);
        if (j.p != j.end) mp__j_fail(&j, "text after the end");
        else if (j.nodes[root].type != MP__J_OBJ) mp__j_fail(&j, "not an object");
    }
    if (j.rc == MP_OK && !root) j.rc = mp__fail(err, MP_ERR_PARSE, 0, "report JSON: empty");
    if (j.rc == MP_OK) {
        if (!(r = mp__result_new())) j.rc = mp__nomem(err);
        else if ((j.rc = mp__j_read_result(&j, r)) != MP_OK) mp_load_result_free(r);
        else *out = r;
    }
    MP_FREE(j.nodes);
    mp_buf_free(&j.strs);
    return j.rc;
}
