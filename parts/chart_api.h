/* ============================================================================================
   REPORT: load charts, mp_report_load_html
   ============================================================================================

   One self-contained HTML page for a load run, like artillery 1's `artillery report`: the
   summary table, request rate and latency (p50, p99) per second as SVG charts, the latency
   distribution as HdrHistogram plots it (percentile on a log axis), and the status codes and
   errors. No script and no external resources: it opens anywhere, and the markup is
   well-formed XML (XHTML with inline SVG), so an XML parser can check it. Every name and
   value that comes from the run is escaped. */

/* Appends the page; title names the run (e.g. the URL) and is escaped. */
MP_API void mp_report_load_html(const mp_load_result *r, const char *title, mp_buf *out);
