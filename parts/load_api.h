/* ============================================================================================
   LOAD: mp_load_*, mp_report_load_*
   ============================================================================================

   An HTTP/1.1 load generator: non-blocking sockets on one epoll loop per thread, statistics
   kept per thread and merged at the end. Three models:

     MP_LOAD_VUSERS  artillery quick: `count` virtual users arrive uniformly over `arrival`
                     seconds; each opens its own keep-alive connection and sends `num`
                     requests one after another, stopping at its first error.
     MP_LOAD_CLOSED  wrk: `connections` each keep one request in flight for `duration`
                     seconds or until `requests` have been sent in all.
     MP_LOAD_OPEN    wrk2: `rate` requests per second on a fixed schedule over `duration`;
                     latency counts from the scheduled send time (coordinated omission
                     corrected) and is also kept from the actual send.

   Latencies are recorded in microseconds into log-linear histograms with 2048 sub-buckets
   per power of two (relative error below 0.1 %, fixed memory, merged by adding buckets).
   Metric names are artillery's: http.requests, http.codes.200, errors.ECONNREFUSED, ...

      mp_load_config cfg = { 0 };
      cfg.url = "http://127.0.0.1:8103/healthcheck"; cfg.count = 20; cfg.num = 100;
      mp_load_result *r;
      if (mp_load_run(&cfg, &r, &err) != MP_OK) fprintf(stderr, "%s\n", err.msg);
      mp_buf text = { 0 };
      mp_report_load_text(r, &text);   // artillery's summary report
      mp_load_result_free(r);
*/

/* A latency histogram: microsecond values, log-linear buckets, mergeable. */
typedef struct mp_load_hist mp_load_hist;

MP_API mp_err mp_load_hist_new(mp_load_hist **out, mp_error *err);
MP_API void mp_load_hist_free(mp_load_hist *h);
MP_API void mp_load_hist_record(mp_load_hist *h, uint64_t us);  /* no allocation */
/* Adds src's samples to dst. */
MP_API void mp_load_hist_merge(mp_load_hist *dst, const mp_load_hist *src);
MP_API uint64_t mp_load_hist_count(const mp_load_hist *h);
MP_API uint64_t mp_load_hist_min(const mp_load_hist *h);   /* exact; 0 when empty */
MP_API uint64_t mp_load_hist_max(const mp_load_hist *h);   /* exact */
MP_API double mp_load_hist_mean(const mp_load_hist *h);    /* exact */
/* The value at percentile p (0-100) by nearest rank, within 0.1 %, clamped to min/max. */
MP_API double mp_load_hist_percentile(const mp_load_hist *h, double p);

/* What a run measured: counters and histograms under artillery's names, a per-second
   series, and the run's times. Also what mp_load_result_from_json reads back. */
typedef struct mp_load_result mp_load_result;

typedef enum mp_load_model {
    MP_LOAD_VUSERS = 0, /* artillery quick (the default) */
    MP_LOAD_CLOSED,     /* wrk */
    MP_LOAD_OPEN        /* wrk2 */
} mp_load_model;

/* A snapshot handed to the progress callback, from the calling thread. */
typedef struct mp_load_progress {
    double elapsed;      /* seconds since the start */
    uint64_t requests;   /* started so far */
    uint64_t responses;  /* completed so far */
    uint64_t errors;
    double rate;         /* responses per second over the last interval */
    double p99_ms;       /* p99 response time of the last whole second, ms (0 if none) */
} mp_load_progress;

typedef struct mp_load_config {
    const char *url;                /* http://host[:port]/path; required. https: MP_ERR_UNSUPPORTED */
    mp_load_model model;            /* default MP_LOAD_VUSERS */
    const char *method;             /* default "GET" */
    const char *const *headers;     /* NULL-terminated "Name: value" lines; default none */
    const char *body;               /* default none; Content-Length is set when given */
    size_t body_len;                /* bytes of body */
    int count;                      /* VUSERS: virtual users, default 10 */
    int num;                        /* VUSERS: requests per user, default 10 */
    double arrival;                 /* VUSERS: seconds over which users arrive, default 1 */
    int connections;                /* CLOSED/OPEN: connections, default 10 */
    double duration;                /* CLOSED/OPEN: seconds, default 10 (CLOSED: none if
                                       requests is set) */
    uint64_t requests;              /* CLOSED: total requests to send, default: no limit */
    double rate;                    /* OPEN: requests per second; required */
    int threads;                    /* default: the number of cores, at most one per
                                       connection */
    double timeout;                 /* seconds per request (connect included), default 10 */
    double max_time;                /* hard bound on the whole run in seconds, default:
                                       the model's own bound plus 2 timeouts */
    double progress_interval;       /* seconds between progress calls, default 0.25 */
    /* Called from the calling thread every progress_interval; a nonzero return stops the
       run as a signal would. Default none. */
    int (*progress)(const mp_load_progress *p, void *user);
    /* Called from the calling thread with what each 10-second period of the wall clock
       measured (artillery's intermediate reports), once every thread is past it; r is
       valid during the call only. Not called after a stop. Default none. */
    void (*period)(const mp_load_result *r, void *user);
    void *user;                     /* passed to progress and period */
} mp_load_config;


/* Runs the load to the end. The calling thread only relays progress; the workers run with
   every signal blocked, so a signal handler installed without or with SA_RESTART
   interrupts the calling thread's poll(): the workers then stop at once, requests in flight
   are counted as medprof.requests_cancelled, and the partial result comes back with
   interrupted set (MP_OK, not MP_ERR_INTERRUPTED: what was measured is kept). Fails only
   when the run cannot start: bad configuration, unresolvable host, no memory. */
MP_API mp_err mp_load_run(const mp_load_config *cfg, mp_load_result **out, mp_error *err);
MP_API void mp_load_result_free(mp_load_result *r);
/* An empty result, to merge others into. */
MP_API mp_err mp_load_result_new(mp_load_result **out, mp_error *err);

/* A counter by name ("http.requests", "http.codes.200", "errors.ETIMEDOUT"); 0 if absent. */
MP_API uint64_t mp_load_result_counter(const mp_load_result *r, const char *name);
/* The i-th counter in report order; 0 past the end. */
MP_API int mp_load_result_counter_at(const mp_load_result *r, size_t i, const char **name,
                                     uint64_t *value);
/* A histogram by name ("http.response_time", "http.response_time.2xx",
   "vusers.session_length", "medprof.response_time_total", "medprof.response_time_uncorrected");
   NULL if absent. Values are microseconds. */
MP_API const mp_load_hist *mp_load_result_hist(const mp_load_result *r, const char *name);
/* The i-th histogram in name order; 0 past the end. */
MP_API int mp_load_result_hist_at(const mp_load_result *r, size_t i, const char **name,
                                  const mp_load_hist **h);
/* Seconds from the first request to the end of the last; requests per second over it. */
MP_API double mp_load_result_duration(const mp_load_result *r);
MP_API double mp_load_result_rate(const mp_load_result *r);
MP_API double mp_load_result_start(const mp_load_result *r);   /* wall clock, seconds */
MP_API int mp_load_result_interrupted(const mp_load_result *r);
/* Seconds of the per-second series, and second i of it (p50/p99 in µs, 0 if no response). */
MP_API size_t mp_load_result_seconds(const mp_load_result *r);
MP_API void mp_load_result_second(const mp_load_result *r, size_t i, uint64_t *requests,
                                  uint64_t *errors, double *p50, double *p99);
/* A warning for the reader ("target rate 5000/s not reached: 3100/s"), or NULL. */
MP_API const char *mp_load_result_warning(const mp_load_result *r);

/* Adds src into dst: counters and buckets added, times widened: the same as if one run had
   recorded everything. */
MP_API mp_err mp_load_result_merge(mp_load_result *dst, const mp_load_result *src,
                                   mp_error *err);
/* Reads a report written by mp_report_load_json (medprof's own JSON, not artillery's). */
MP_API mp_err mp_load_result_from_json(const char *text, size_t len, mp_load_result **out,
                                       mp_error *err);

/* artillery's summary report: the "Summary report @ HH:mm:ss(+0000)" header and the
   padded metric lines (values at column 82). */
MP_API void mp_report_load_text(const mp_load_result *r, mp_buf *out);
/* Just the padded metric lines, as in an intermediate report. */
MP_API void mp_report_load_metrics(const mp_load_result *r, mp_buf *out);
/* artillery's JSON report shape (aggregate: counters, rates, first/last timestamps in epoch
   ms, summaries and histograms as summaries in ms; "intermediate" is left empty) plus a
   "medprof" object: start/end in wall-clock seconds, every histogram's buckets (µs) and the
   per-second series. That object is what mp_load_result_from_json reads back. */
MP_API void mp_report_load_json(const mp_load_result *r, mp_buf *out);
/* wrk's latency distribution table (p50, p75, p90, p99, p99.9, p99.99). */
MP_API void mp_report_load_latency(const mp_load_result *r, mp_buf *out);
/* artillery's `name: ...... value` line: the value starts at column 82. */
MP_API void mp_report_load_padded(mp_buf *out, const char *name, const char *value);
