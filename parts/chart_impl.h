/* ---- report: load charts ------------------------------------------------------------------- */

/* Text for an HTML/XML text node or attribute value. */
static void mp__buf_xml(mp_buf *b, const char *s)
{
    size_t run = 0;
    for (;; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '&': rep = "&amp;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        if (rep || !*s || (unsigned char)*s < 0x20) {
            mp_buf_append(b, s - run, run);
            run = 0;
            if (!*s) return;
            if (rep) mp_buf_puts(b, rep);
            else if (*s == '\t' || *s == '\n') mp_buf_append(b, s, 1);
            continue;
        }
        run++;
    }
}

/* The smallest "nice" number (1, 2 or 5 times a power of ten) at or above x. */
static double mp__nice_ceil(double x)
{
    double p = 1, m;
    if (x <= 0) return 1;
    while (p * 10 <= x) p *= 10;
    while (p > x) p /= 10;
    m = x / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

typedef struct mp__chart {
    mp_buf *b;
    double x0, y0, w, h;     /* plot area inside the SVG */
    double xmax, ymax;       /* data range (from 0) */
    int xlog;                /* x is a percentile on the 1/(1-p) log axis */
} mp__chart;

#define MP__CHART_W 760.0
#define MP__CHART_H 260.0

static double mp__chart_px(const mp__chart *c, double x)
{
    return c->x0 + (c->xmax > 0 ? x / c->xmax : 0) * c->w;
}

static double mp__chart_py(const mp__chart *c, double y)
{
    return c->y0 + c->h - (c->ymax > 0 ? y / c->ymax : 0) * c->h;
}

static void mp__chart_open(mp__chart *c, mp_buf *b, const char *label, double xmax, double ymax)
{
    c->b = b;
    c->x0 = 60;
    c->y0 = 22;
    c->w = MP__CHART_W - 110; /* room on the right for the last axis label */
    c->h = MP__CHART_H - 64;
    c->xmax = xmax;
    c->ymax = mp__nice_ceil(ymax);
    c->xlog = 0;
    mp_buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
                     "viewBox=\"0 0 %g %g\" role=\"img\" aria-label=\"",
                  MP__CHART_W, MP__CHART_H, MP__CHART_W, MP__CHART_H);
    mp__buf_xml(b, label);
    mp_buf_puts(b, "\">\n");
}

/* Horizontal grid lines with their values, 5 steps from 0 to ymax. */
static void mp__chart_y_axis(mp__chart *c, const char *unit)
{
    int i;
    for (i = 0; i <= 5; i++) {
        double v = c->ymax * i / 5, y = mp__chart_py(c, v);
        mp_buf_printf(c->b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                            "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
                      c->x0, y, c->x0 + c->w, y, c->x0 - 6, y + 4);
        mp_buf_js_number(c->b, v);
        mp_buf_puts(c->b, "</text>\n");
    }
    mp_buf_printf(c->b, "<text class=\"unit\" x=\"%.1f\" y=\"%.1f\">", c->x0, c->y0 - 8);
    mp__buf_xml(c->b, unit);
    mp_buf_puts(c->b, "</text>\n");
}

/* Seconds along the bottom. */
static void mp__chart_time_axis(mp__chart *c)
{
    double step = mp__nice_ceil(c->xmax / 8);
    int k;
    /* k * step, not a running sum: 0.2 added three times prints 0.6000000000000001. */
    for (k = 0; k * step <= c->xmax + 1e-9; k++) {
        double s = (double)(long long)(k * step * 1e6 + 0.5) / 1e6;
        mp_buf_printf(c->b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                      mp__chart_px(c, s), c->y0 + c->h + 16);
        mp_buf_js_number(c->b, s);
        mp_buf_puts(c->b, " s</text>\n");
    }
}

static void mp__chart_legend(mp__chart *c, int i, const char *cls, const char *name)
{
    double x = c->x0 + 10 + i * 110, y = c->y0 + c->h + 36;
    mp_buf_printf(c->b, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"4\"/>"
                        "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">", cls, x, y - 4, x + 16, y);
    mp__buf_xml(c->b, name);
    mp_buf_puts(c->b, "</text>\n");
}

static void mp__chart_close(mp__chart *c)
{
    mp_buf_printf(c->b, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n"
                        "</svg>\n", c->x0, c->y0, c->w, c->h);
}

/* Requests per second as bars, errors in red on top, each with a tooltip. */
static void mp__chart_rate(const mp_load_result *r, mp_buf *b)
{
    size_t n = mp_load_result_seconds(r), i;
    double peak = 1;
    mp__chart c;
    for (i = 0; i < n; i++) {
        uint64_t req, errs;
        double p50, p99;
        mp_load_result_second(r, i, &req, &errs, &p50, &p99);
        if ((double)(req + errs) > peak) peak = (double)(req + errs);
    }
    mp__chart_open(&c, b, "requests per second", (double)(n ? n : 1), peak);
    mp__chart_y_axis(&c, "requests/s");
    for (i = 0; i < n; i++) {
        uint64_t req, errs;
        double p50, p99, x = mp__chart_px(&c, (double)i), w = c.w / (double)(n ? n : 1) * 0.8;
        mp_load_result_second(r, i, &req, &errs, &p50, &p99);
        mp_buf_printf(b, "<g><title>second %zu: %llu requests, %llu errors</title>"
                         "<rect class=\"req\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                      i + 1, (unsigned long long)req, (unsigned long long)errs, x,
                      mp__chart_py(&c, (double)req), w, c.y0 + c.h - mp__chart_py(&c, (double)req));
        if (errs)
            mp_buf_printf(b, "<rect class=\"err\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                          x, mp__chart_py(&c, (double)(req + errs)), w,
                          mp__chart_py(&c, (double)req) - mp__chart_py(&c, (double)(req + errs)));
        mp_buf_puts(b, "</g>\n");
    }
    mp__chart_time_axis(&c);
    mp__chart_legend(&c, 0, "req", "requests");
    mp__chart_legend(&c, 1, "err", "errors");
    mp__chart_close(&c);
}

/* p50 and p99 of each second's responses, in ms. */
static void mp__chart_latency_series(const mp_load_result *r, mp_buf *b)
{
    size_t n = mp_load_result_seconds(r), i;
    double peak = 0.001;
    int line;
    mp__chart c;
    for (i = 0; i < n; i++) {
        uint64_t req, errs;
        double p50, p99;
        mp_load_result_second(r, i, &req, &errs, &p50, &p99);
        if (p99 / 1000 > peak) peak = p99 / 1000;
    }
    mp__chart_open(&c, b, "latency per second", (double)(n ? n : 1), peak);
    mp__chart_y_axis(&c, "ms");
    for (line = 0; line < 2; line++) {
        mp_buf_printf(b, "<polyline class=\"%s\" points=\"", line ? "p99" : "p50");
        for (i = 0; i < n; i++) {
            uint64_t req, errs;
            double p50, p99;
            mp_load_result_second(r, i, &req, &errs, &p50, &p99);
            if (req == 0) continue; /* no response that second: no point */
            mp_buf_printf(b, "%.1f,%.1f ", mp__chart_px(&c, (double)i + 0.4),
                          mp__chart_py(&c, (line ? p99 : p50) / 1000));
        }
        mp_buf_puts(b, "\"/>\n");
        /* A dot per second too, with its values: a run of one second has no line. */
        for (i = 0; i < n; i++) {
            uint64_t req, errs;
            double p50, p99, v;
            mp_load_result_second(r, i, &req, &errs, &p50, &p99);
            if (req == 0) continue;
            v = (line ? p99 : p50) / 1000;
            mp_buf_printf(b, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"><title>second "
                             "%zu: %s ", line ? "p99" : "p50", mp__chart_px(&c, (double)i + 0.4),
                          mp__chart_py(&c, v), i + 1, line ? "p99" : "p50");
            mp_buf_js_fixed(b, v, 2);
            mp_buf_puts(b, " ms</title></circle>\n");
        }
    }
    mp__chart_time_axis(&c);
    mp__chart_legend(&c, 0, "p50", "p50");
    mp__chart_legend(&c, 1, "p99", "p99");
    mp__chart_close(&c);
}

/* Percentile p on the axis HdrHistogram plots use: log10(1/(1-p)), so 90, 99, 99.9 and
   99.99 are evenly spaced. */
static double mp__pct_axis(double p)
{
    return log10(100.0 / (100.0 - (p < 99.9999 ? p : 99.9999)));
}

static void mp__chart_distribution(const mp_load_hist *h, mp_buf *b)
{
    static const double marks[] = { 0, 90, 99, 99.9, 99.99, 99.999 };
    static const char *const labels[] = { "0%", "90%", "99%", "99.9%", "99.99%", "99.999%" };
    double top = 99.999, p;
    size_t i;
    mp__chart c;
    mp__chart_open(&c, b, "latency distribution", mp__pct_axis(top),
                   (double)mp_load_hist_max(h) / 1000);
    mp__chart_y_axis(&c, "ms");
    for (i = 0; i < sizeof marks / sizeof marks[0]; i++)
        mp_buf_printf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                      mp__chart_px(&c, mp__pct_axis(marks[i])), c.y0 + c.h + 16, labels[i]);
    mp_buf_puts(b, "<polyline class=\"p50\" points=\"");
    /* Dense where the curve bends: steps shrink as p approaches 100. */
    for (p = 0; p <= top + 1e-9; p += (100 - p) / 40 > 0.0005 ? (100 - p) / 40 : 0.0005)
        mp_buf_printf(b, "%.1f,%.1f ", mp__chart_px(&c, mp__pct_axis(p)),
                      mp__chart_py(&c, mp_load_hist_percentile(h, p) / 1000));
    mp_buf_puts(b, "\"/>\n");
    mp__chart_close(&c);
}

static void mp__html_ms_cell(mp_buf *b, double us)
{
    mp_buf_puts(b, "<td>");
    mp_buf_js_fixed(b, us / 1000, 2);
    mp_buf_puts(b, "</td>");
}

static void mp__html_summary(const mp_load_result *r, const mp_load_hist *h, mp_buf *b)
{
    static const double pcts[] = { 50, 90, 95, 99, 99.9 };
    size_t i;
    mp_buf_printf(b, "<table class=\"summary\"><tr><th>requests</th><td>%llu</td></tr>\n"
                     "<tr><th>responses</th><td>%llu</td></tr>\n"
                     "<tr><th>duration</th><td>",
                  (unsigned long long)mp_load_result_counter(r, "http.requests"),
                  (unsigned long long)mp_load_result_counter(r, "http.responses"));
    mp_buf_js_fixed(b, mp_load_result_duration(r), 2);
    mp_buf_puts(b, " s</td></tr>\n<tr><th>rate</th><td>");
    mp_buf_js_fixed(b, mp_load_result_rate(r), 0);
    mp_buf_puts(b, "/s (requests / duration)</td></tr>\n</table>\n");
    if (!h || mp_load_hist_count(h) == 0) return;
    mp_buf_puts(b, "<table class=\"latency\"><tr><th>response time, ms</th><th>min</th>");
    for (i = 0; i < sizeof pcts / sizeof pcts[0]; i++) {
        mp_buf_puts(b, "<th>p");
        mp_buf_js_number(b, pcts[i]);
        mp_buf_puts(b, "</th>");
    }
    mp_buf_puts(b, "<th>max</th><th>mean</th></tr>\n<tr><td>all</td>");
    mp__html_ms_cell(b, (double)mp_load_hist_min(h));
    for (i = 0; i < sizeof pcts / sizeof pcts[0]; i++)
        mp__html_ms_cell(b, mp_load_hist_percentile(h, pcts[i]));
    mp__html_ms_cell(b, (double)mp_load_hist_max(h));
    mp__html_ms_cell(b, mp_load_hist_mean(h));
    mp_buf_puts(b, "</tr>\n</table>\n");
}

/* Status codes and errors: every counter named http.codes.* or errors.*. */
static void mp__html_codes(const mp_load_result *r, mp_buf *b)
{
    const char *name;
    uint64_t value;
    size_t i;
    mp_buf_puts(b, "<table class=\"codes\"><tr><th>outcome</th><th>count</th></tr>\n");
    for (i = 0; mp_load_result_counter_at(r, i, &name, &value); i++) {
        int is_code = strncmp(name, "http.codes.", 11) == 0;
        if (!is_code && strncmp(name, "errors.", 7) != 0) continue;
        mp_buf_printf(b, "<tr class=\"%s\"><td>", is_code ? "code" : "error");
        mp__buf_xml(b, name);
        mp_buf_printf(b, "</td><td>%llu</td></tr>\n", (unsigned long long)value);
    }
    mp_buf_puts(b, "</table>\n");
}

static const char mp__html_style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:820px}"
    "h1{font-size:1.3em}h2{font-size:1.05em;margin-top:1.6em}"
    "table{border-collapse:collapse;margin:.6em 0}td,th{padding:.2em .7em;text-align:right;"
    "border-bottom:1px solid #ddd}th{font-weight:600}tr.error td{color:#b00}"
    "svg text{font:11px system-ui,sans-serif;fill:#444}.grid{stroke:#e5e5e5}"
    ".frame{fill:none;stroke:#999}.req{fill:#4a7bd0}.err{fill:#d04a4a}"
    ".p50{fill:none;stroke:#4a7bd0;stroke-width:2}.p99{fill:none;stroke:#d0904a;stroke-width:2}"
    "rect.p50,circle.p50{fill:#4a7bd0}rect.p99,circle.p99{fill:#d0904a}.note{color:#666}";

MP__DEF void mp_report_load_html(const mp_load_result *r, const char *title, mp_buf *out)
{
    const mp_load_hist *h = mp_load_result_hist(r, "http.response_time");
    const char *warning = mp_load_result_warning(r);
    if (!title) title = "load run";
    mp_buf_puts(out, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
                     "<head><meta charset=\"utf-8\"/><title>medprof load report: ");
    mp__buf_xml(out, title);
    mp_buf_printf(out, "</title><style>%s</style></head>\n<body>\n<h1>medprof load report: ",
                  mp__html_style);
    mp__buf_xml(out, title);
    mp_buf_puts(out, "</h1>\n");
    if (warning) {
        mp_buf_puts(out, "<p class=\"note\">");
        mp__buf_xml(out, warning);
        mp_buf_puts(out, "</p>\n");
    }
    if (mp_load_result_interrupted(r))
        mp_buf_puts(out, "<p class=\"note\">The run was interrupted: these are partial results.</p>\n");
    mp__html_summary(r, h, out);
    mp_buf_puts(out, "<h2>Requests per second</h2>\n");
    mp__chart_rate(r, out);
    mp_buf_puts(out, "<h2>Response time per second (p50, p99)</h2>\n");
    mp__chart_latency_series(r, out);
    if (h && mp_load_hist_count(h) > 0) {
        mp_buf_puts(out, "<h2>Response time distribution</h2>\n");
        mp__chart_distribution(h, out);
    }
    mp_buf_puts(out, "<h2>Status codes and errors</h2>\n");
    mp__html_codes(r, out);
    mp_buf_puts(out, "<p class=\"note\">Response time: request written to first response byte, "
                     "measured in microseconds. Rate: requests divided by the run's duration."
                     "</p>\n</body>\n</html>\n");
}
