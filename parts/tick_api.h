/* parts/tick_api.h: pasted into medprof.h at its place; no include guard. */

/* ============================================================================================
   TICK: mp_tick_*  (V8 --prof tick logs)      REPORT: mp_report_*
   ============================================================================================

   Reads the isolate-*-v8.log that `node --prof` writes and attributes its ticks exactly as
   node's `--prof-process` does (V8's tickprocessor.mjs): same grammar, code map, name
   de-duplication, VM-state filters, sorts and rounding. The one deliberate difference: C++
   symbols come from an mp_symtab (complete symbol tables, correctly placed), so ticks that
   node leaves "Unaccounted" on Linux get their C++ names.

      mp_tick_config cfg = { 0 };          // zero: node's defaults
      mp_tick_profile *prof;
      mp_buf out = { 0 };
      if (mp_tick_parse_file("isolate-0x1-v8.log", &cfg, &prof, &err) != MP_OK) ...
      mp_report_text(prof, NULL, &out, &err);   // what `node --prof-process` prints
      fwrite(out.data, 1, out.len, stdout);
      mp_tick_free(prof);

   Memory grows with the code map and the number of distinct names, not with the log: the
   log is read through a fixed-size buffer, and the bottom-up tree keeps only the depth the
   report prints. Problems in the log (a truncated last line, unknown code states, moves of
   unknown code) never stop the parse; they are collected as warnings (mp_tick_warnings),
   and the library prints nothing. */

/* Boolean options whose zero must mean "node's default". */
typedef enum mp_tick_bool { MP_TICK_DEFAULT = 0, MP_TICK_YES, MP_TICK_NO } mp_tick_bool;

/* V8's VM states, as the tick records give them. */
typedef enum mp_tick_vm {
    MP_TICK_VM_JS = 0, MP_TICK_VM_GC, MP_TICK_VM_PARSER, MP_TICK_VM_BYTECODE_COMPILER,
    MP_TICK_VM_COMPILER, MP_TICK_VM_OTHER, MP_TICK_VM_EXTERNAL, MP_TICK_VM_IDLE
} mp_tick_vm;

/* Supplies the placed symbols of one shared-library record (tests, embedders with their
   own symbol source). Same contract as mp_symtab_lookup; the array must stay valid until
   the parse returns. */
typedef mp_err (*mp_tick_symbols_fn)(void *user, const char *lib, uint64_t start, uint64_t end,
                                     uint64_t slide, const mp_sym **syms, size_t *n,
                                     mp_error *err);

typedef struct mp_tick_config {
    mp_symtab *symbols;             /* C++ symbols of the shared libraries; NULL: the
                                       libraries' own files on this machine (a private
                                       mp_symtab), unless one of the next three is set */
    mp_tick_symbols_fn symbols_fn;  /* if set, used instead of symbols */
    void *symbols_user;             /* passed to symbols_fn */
    const char *symbol_list;        /* a file of placed symbols, one "START END NAME" a line
                                       (hex, as in the profiled process; \\ and \n escapes in
                                       NAME), e.g. node's own view from --serialize-vm-symbols;
                                       added before the log is read, instead of symbols */
    int no_symbols;                 /* nonzero: no C++ symbols, ticks in a library count
                                       under the library */
    mp_tick_bool separate_ic;       /* --separate-ic: default YES */
    mp_tick_bool separate_bytecodes;/* --separate-bytecodes: default NO */
    mp_tick_bool separate_builtins; /* --separate-builtins: default YES */
    mp_tick_bool separate_stubs;    /* --separate-stubs: default YES */
    int ignore_unknown;             /* --ignore-unknown: leave unaccounted ticks out of totals */
    int filter_state;               /* -j -g -p -b -c -o -e: nonzero to keep only ticks ... */
    mp_tick_vm state;               /* ... in this VM state; the others count as excluded */
    const char *runtime_timer;      /* --filter-runtime-timer NAME; NULL: off */
    int call_graph_size;            /* --call-graph-size: levels under the heavy profile's top
                                       ones; 0: node's default 5; negative: top level only */
    const char *range;              /* --range "start,end" in ms as node parses it; NULL: all */
    const char *distortion;         /* --distortion in picoseconds per event; NULL: 0 */
} mp_tick_config;

typedef struct mp_tick_profile mp_tick_profile;

/* Reads a whole log: path "-" is stdin. The profile remembers path as the log's name for
   the report header. Fails only when the file cannot be read (MP_ERR_NOT_FOUND, ...). */
MP_API mp_err mp_tick_parse_file(const char *path, const mp_tick_config *cfg,
                                 mp_tick_profile **out, mp_error *err);
/* The same from an open descriptor (not closed); name is shown in the header. */
MP_API mp_err mp_tick_parse_fd(int fd, const char *name, const mp_tick_config *cfg,
                               mp_tick_profile **out, mp_error *err);

/* Incremental use: new, feed any number of byte chunks (split anywhere), finish. */
MP_API mp_err mp_tick_new(const mp_tick_config *cfg, const char *name, mp_tick_profile **out,
                          mp_error *err);
MP_API mp_err mp_tick_feed(mp_tick_profile *p, const char *data, size_t len, mp_error *err);
/* Ends the current log (a line without its newline is dropped with a warning) and sorts
   the views. Further feeds start the next log of a merged profile: ticks add up, the code
   map starts empty (each isolate has its own). */
MP_API mp_err mp_tick_finish(mp_tick_profile *p, mp_error *err);
/* Merging: reads one more log into p (after mp_tick_parse_file or mp_tick_finish). */
MP_API mp_err mp_tick_add_file(mp_tick_profile *p, const char *path, mp_error *err);
MP_API void mp_tick_free(mp_tick_profile *p);

typedef struct mp_tick_summary {
    uint64_t ticks;             /* every tick record in range ("N ticks" in the header) */
    uint64_t unaccounted;       /* ticks whose pc is in no known code */
    uint64_t excluded;          /* ticks left out by a VM-state or runtime-timer filter */
    uint64_t total;             /* the percentages' base: ticks - unaccounted if ignore_unknown */
    uint64_t js, cpp, gc, shared; /* the [Summary] rows */
    uint64_t lines;             /* log lines read */
    uint64_t unknown_records;   /* lines whose record type the processor has no use for */
    uint64_t bad_lines;         /* records skipped: unknown code state, unusable numbers */
    uint64_t unknown_moves, unknown_deletes; /* code-move / code-delete of unknown code */
} mp_tick_summary;

MP_API void mp_tick_get_summary(const mp_tick_profile *p, mp_tick_summary *s);

typedef enum mp_tick_section {
    MP_TICK_SHARED = 0, /* [Shared libraries] */
    MP_TICK_JS,         /* [JavaScript] */
    MP_TICK_CPP,        /* [C++] */
    MP_TICK_ENTRY       /* [C++ entry points] as printed: node sorts a TOTAL row among the
                           entries and prints from the second on (pct: against the first) */
} mp_tick_section;

typedef struct mp_tick_row {
    const char *name;
    uint64_t ticks;
    double pct;         /* ticks * 100 / summary.total, as the report computes it */
} mp_tick_row;

/* The rows of a section in the report's order (ticks down, then name down). Valid until
   the profile changes or is freed. */
MP_API size_t mp_tick_rows(const mp_tick_profile *p, mp_tick_section section,
                           const mp_tick_row **rows);

typedef struct mp_tick_node {
    const char *name;
    uint64_t total;        /* ticks through this node (the root: summary.total) */
    uint32_t first_child;  /* index of the first child in the same array */
    uint32_t n_children;   /* children are contiguous, sorted as the report prints them */
} mp_tick_node;

/* The bottom-up (heavy) tree: nodes[0] is the root, names are the callees first. Only the
   call_graph_size + 1 levels the report can show are kept. */
MP_API size_t mp_tick_bottom_up(const mp_tick_profile *p, const mp_tick_node **nodes);

/* What went wrong while reading, one message each, ready to print: per line (unknown code
   state, ...; the first hundred), then per log (a broken last line, moves and deletes of
   unknown code, dropped overflow frames, libraries without symbols). */
MP_API size_t mp_tick_warnings(const mp_tick_profile *p, const char *const **list);

typedef struct mp_report_options {
    const char *log_name;  /* header's file name; NULL: the name the profile was read from */
    int only_summary;      /* --only-summary: the header and [Summary] only */
} mp_report_options;

/* Appends the report `node --prof-process` prints, byte for byte. opts may be NULL. */
MP_API mp_err mp_report_text(const mp_tick_profile *p, const mp_report_options *opts,
                             mp_buf *out, mp_error *err);
/* Appends the same data as one JSON object: {"log":, "ticks":{...}, "shared":[...],
   "javascript":[...], "cpp":[...], "summary":{...}, "entry_points":[...],
   "bottom_up":{...}, "warnings":[...]}. */
MP_API mp_err mp_report_json(const mp_tick_profile *p, const mp_report_options *opts,
                             mp_buf *out, mp_error *err);
