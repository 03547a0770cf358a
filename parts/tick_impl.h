/* parts/tick_impl.h: pasted into medprof.h at its place; no include guard. */
#include <math.h>

/* ============================================================================================
   TICK implementation: log reader, V8's code map, attribution, views; then REPORT.
   Behaviour follows V8's tools/{csvparser,logreader,codemap,profile,tickprocessor}.mjs as
   node 18-22 ship them; the comments say where node's behaviour is odd on purpose.
   ============================================================================================ */

#define MP__TK_NONE 0xFFFFFFFFu
#define MP__TK_NAN INT64_MIN          /* parseInt gave NaN */
#define MP__TK_MAX_WARNINGS 100
#define MP__TK_READ_CHUNK 65536

/* ---- interned strings ----------------------------------------------------------------- */

typedef struct mp__tk_str {
    const char *s;          /* NUL-terminated, in the arena: stable for the profile's life */
    uint32_t len;
    uint32_t hash;
    uint32_t gen;           /* NameGenerator: 0 never seen, else 1 + times seen again */
    uint8_t ctype;          /* codeTypes_: 0 none, 1 CPP, 2 SHARED_LIB */
    uint8_t skip;           /* skipThisFunction cache: 0 unknown, 1 keep, 2 skip */
    uint64_t self;          /* flat profile: ticks with this name on top */
    uint64_t centry;        /* C++ entry point ticks */
} mp__tk_str;

enum { MP__TK_CT_NONE = 0, MP__TK_CT_CPP = 1, MP__TK_CT_LIB = 2 };

typedef struct mp__tk_chunk {
    struct mp__tk_chunk *next;
    size_t used, cap;
    char data[1];
} mp__tk_chunk;

/* ---- code map ------------------------------------------------------------------------- */

enum { MP__TK_LIB = 1, MP__TK_CPP, MP__TK_CODE, MP__TK_FUNC_CODE, MP__TK_FUNCTION };

typedef struct mp__tk_entry {
    int64_t size;
    uint32_t name;          /* raw name (unused for FUNC_CODE, whose name is its function's) */
    uint32_t type;          /* the code-creation tag, e.g. "JS", "Builtin" */
    uint32_t func;          /* FUNC_CODE: its FUNCTION entry */
    uint32_t shown;         /* cached display name, MP__TK_NONE: not made yet */
    uint32_t shown_func;    /* FUNC_CODE: the function name the cache was made from */
    uint32_t refs;          /* 1 while in a map, +1 per FUNC_CODE pointing here */
    uint8_t kind, state, shown_state, named;
} mp__tk_entry;

/* A treap keyed by address: node 0 is the nil sentinel. */
typedef struct mp__tk_tnode {
    int64_t key;
    uint32_t val, left, right, prio;
} mp__tk_tnode;

typedef struct mp__tk_tree {
    mp__tk_tnode *n;
    uint32_t root, count, cap, free_list;
    int changed;            /* since lo/hi were computed */
    int64_t lo, hi;         /* min key, and max key + its entry's size (dynamic code only) */
} mp__tk_tree;

/* Open-addressing map from nonzero 64-bit keys to 32-bit values. */
typedef struct mp__tk_map {
    uint64_t *keys;
    uint32_t *vals;
    size_t cap, count;
} mp__tk_map;

/* Static (C++) code: only ever added, so a sorted array; additions wait in `pending` and
   are merged before the next lookup, the first one of a start winning as in
   SplayTree.insert. */
typedef struct mp__tk_static {
    int64_t key;
    uint32_t val, seq;
} mp__tk_static;

/* A remembered findEntry answer, good while the code map's version is unchanged: ticks
   repeat the same addresses, code events are rare in between. */
typedef struct mp__tk_hit {
    int64_t addr;
    uint32_t entry, version;
} mp__tk_hit;

#define MP__TK_HITS 4096

/* Page numbers of library mappings: sorted, disjoint, non-adjacent closed intervals. */
typedef struct mp__tk_span {
    uint32_t lo, hi;
} mp__tk_span;

/* ---- call tree ------------------------------------------------------------------------ */

typedef struct mp__tk_cnode {
    uint32_t label, parent, first_child, next_sibling;
    uint64_t self, total;
} mp__tk_cnode;

typedef struct mp__tk_sorted {
    const char *s;
    uint32_t len, id;
    uint64_t key;
} mp__tk_sorted;

struct mp_tick_profile {
    char *name;
    mp_symtab *own_symbols; /* made when the config names no symbol source */
    char *runtime_timer;
    mp_tick_config cfg;
    int skip_ic, skip_bytecodes, skip_builtins, skip_stubs, depth;
    double range_start, range_end, distortion_per, distortion;
    uint32_t rng;

    /* strings */
    mp__tk_chunk *chunks;
    mp__tk_str *strs;
    uint32_t nstrs, capstrs;
    uint32_t *htab;
    uint32_t hcap;
    uint32_t id_unknown, id_empty, id_cpp, id_lib, id_regexp, current_timer, want_timer;

    /* code map */
    mp__tk_entry *ents;
    uint32_t nents, capents, free_ent;
    mp__tk_tree dyn, lib;
    mp__tk_static *stat, *pending;
    size_t nstat, capstat, npending, cappending;
    uint32_t stat_seq;
    mp__tk_span *spans;
    size_t nspans, capspans;
    uint32_t version;       /* bumped by every change to the code map */
    mp__tk_hit hits[MP__TK_HITS];
    mp__tk_map libs_warned;
    int64_t *del_scratch;
    size_t del_cap;

    /* ticks */
    uint64_t ticks, unaccounted, excluded, gc;
    int64_t *stack;
    uint32_t *names;
    size_t stack_cap, names_cap;
    mp__tk_cnode *cn;
    uint32_t ncn, capcn;
    mp__tk_map children;

    /* reading */
    mp_buf carry, esc_a, esc_b, esc_num, tmp;
    const char **fp;
    size_t *fl, fcap, flcap;
    uint64_t line_no, lines, unknown_records, bad_lines, dropped_frames;
    uint64_t unknown_moves, unknown_deletes;
    int64_t first_unknown_move, first_unknown_delete;
    int stopped, logs;

    /* warnings */
    char **warn;
    size_t nwarn, capwarn;
    uint64_t warn_dropped;

    /* views, made by mp_tick_finish */
    int finished, failed;
    mp_tick_summary sum;
    mp_tick_row *rows[4];
    uint32_t *row_ids[4];
    size_t nrows[4];
    uint64_t entry_total;       /* the first item of node's C entry list */
    mp_tick_node *view;
    uint32_t *view_ids;
    size_t nview;
};

/* ---- small helpers --------------------------------------------------------------------- */

static int mp__tk_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t ncap;
    void *q;
    if (need <= *cap) return 1;
    ncap = *cap ? *cap : 16;
    while (ncap < need) ncap *= 2;
    if (!(q = MP_REALLOC(*p, ncap * elem))) return 0;
    *p = q;
    *cap = ncap;
    return 1;
}

static int mp__tk_grow32(void **p, uint32_t *cap, size_t need, size_t elem)
{
    size_t c = *cap;
    if (need >= 0xFFFFFFF0u) return 0;
    if (!mp__tk_grow(p, &c, need, elem)) return 0;
    *cap = (uint32_t)c;
    return 1;
}

static uint32_t mp__tk_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    size_t i;
    for (i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return (uint32_t)(h ^ (h >> 32));
}

static void mp__tk_warn(mp_tick_profile *p, const char *fmt, ...) MP__PRINTF(2, 3);
static void mp__tk_warn(mp_tick_profile *p, const char *fmt, ...)
{
    va_list ap;
    mp_buf b;
    char *s;
    memset(&b, 0, sizeof b);
    /* Per-line warnings stop at a hundred; the end-of-log summaries always get in. */
    if (p->nwarn >= MP__TK_MAX_WARNINGS && !p->stopped) { p->warn_dropped++; return; }
    va_start(ap, fmt);
    {
        char small[256];
        int n = vsnprintf(small, sizeof small, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if ((size_t)n < sizeof small) {
            mp_buf_append(&b, small, (size_t)n);
        } else {
            va_start(ap, fmt);
            if (mp__buf_reserve(&b, (size_t)n)) {
                vsnprintf(b.data, b.cap, fmt, ap);
                b.len = (size_t)n;
            }
            va_end(ap);
        }
    }
    if (b.failed || !b.data) { mp_buf_free(&b); p->failed = 1; return; }
    s = mp_buf_take(&b);
    if (!mp__tk_grow((void **)&p->warn, &p->capwarn, p->nwarn + 1, sizeof *p->warn)) {
        MP_FREE(s);
        p->failed = 1;
        return;
    }
    p->warn[p->nwarn++] = s;
}

/* ---- string table ---------------------------------------------------------------------- */

static char *mp__tk_arena(mp_tick_profile *p, size_t n)
{
    mp__tk_chunk *c = p->chunks;
    char *r;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        c = (mp__tk_chunk *)MP_MALLOC(sizeof *c + cap);
        if (!c) return NULL;
        c->next = p->chunks;
        c->used = 0;
        c->cap = cap;
        p->chunks = c;
    }
    r = c->data + c->used;
    c->used += n;
    return r;
}

static int mp__tk_rehash(mp_tick_profile *p)
{
    uint32_t ncap = p->hcap ? p->hcap * 2 : 1024, i;
    uint32_t *t = (uint32_t *)MP_MALLOC(ncap * sizeof *t);
    if (!t) return 0;
    memset(t, 0xFF, ncap * sizeof *t);
    for (i = 0; i < p->nstrs; i++) {
        uint32_t h = p->strs[i].hash & (ncap - 1);
        while (t[h] != MP__TK_NONE) h = (h + 1) & (ncap - 1);
        t[h] = i;
    }
    MP_FREE(p->htab);
    p->htab = t;
    p->hcap = ncap;
    return 1;
}

/* The id of the string s[0..n), added if new; MP__TK_NONE when out of memory. */
static uint32_t mp__tk_intern(mp_tick_profile *p, const char *s, size_t n)
{
    uint32_t h = mp__tk_hash(s, n), slot, id;
    mp__tk_str *st;
    char *copy;
    if (n > 0xFFFFFFF0u) return MP__TK_NONE;
    if ((p->nstrs + 1) * 2 > p->hcap && !mp__tk_rehash(p)) return MP__TK_NONE;
    for (slot = h & (p->hcap - 1); (id = p->htab[slot]) != MP__TK_NONE;
         slot = (slot + 1) & (p->hcap - 1)) {
        st = &p->strs[id];
        if (st->hash == h && st->len == n && memcmp(st->s, s, n) == 0) return id;
    }
    if (!mp__tk_grow32((void **)&p->strs, &p->capstrs, (size_t)p->nstrs + 1, sizeof *p->strs))
        return MP__TK_NONE;
    if (!(copy = mp__tk_arena(p, n + 1))) return MP__TK_NONE;
    if (n) memcpy(copy, s, n);
    copy[n] = '\0';
    id = p->nstrs++;
    st = &p->strs[id];
    memset(st, 0, sizeof *st);
    st->s = copy;
    st->len = (uint32_t)n;
    st->hash = h;
    p->htab[slot] = id;
    return id;
}

static uint32_t mp__tk_intern_z(mp_tick_profile *p, const char *s)
{
    return mp__tk_intern(p, s, strlen(s));
}

/* ---- 64-bit map ------------------------------------------------------------------------ */

static size_t mp__tk_slot(uint64_t key, size_t cap)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdull;
    key ^= key >> 33;
    return (size_t)key & (cap - 1);
}

static uint32_t mp__tk_map_get(const mp__tk_map *m, uint64_t key)
{
    size_t i;
    if (!m->cap) return MP__TK_NONE;
    for (i = mp__tk_slot(key, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1))
        if (m->keys[i] == key) return m->vals[i];
    return MP__TK_NONE;
}

/* Sets key (nonzero) to val; 0 when out of memory. */
static int mp__tk_map_put(mp__tk_map *m, uint64_t key, uint32_t val)
{
    size_t i;
    if ((m->count + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 256, j;
        uint64_t *k = (uint64_t *)MP_MALLOC(ncap * sizeof *k);
        uint32_t *v = (uint32_t *)MP_MALLOC(ncap * sizeof *v);
        if (!k || !v) { MP_FREE(k); MP_FREE(v); return 0; }
        memset(k, 0, ncap * sizeof *k);
        for (j = 0; j < m->cap; j++) {
            if (!m->keys[j]) continue;
            for (i = mp__tk_slot(m->keys[j], ncap); k[i]; i = (i + 1) & (ncap - 1)) {}
            k[i] = m->keys[j];
            v[i] = m->vals[j];
        }
        MP_FREE(m->keys);
        MP_FREE(m->vals);
        m->keys = k;
        m->vals = v;
        m->cap = ncap;
    }
    for (i = mp__tk_slot(key, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1))
        if (m->keys[i] == key) { m->vals[i] = val; return 1; }
    m->keys[i] = key;
    m->vals[i] = val;
    m->count++;
    return 1;
}

static void mp__tk_map_free(mp__tk_map *m)
{
    MP_FREE(m->keys);
    MP_FREE(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---- treap ----------------------------------------------------------------------------- */

/* Forgets every remembered lookup. */
static void mp__tk_bump(mp_tick_profile *p)
{
    if (++p->version == 0) {
        memset(p->hits, 0, sizeof p->hits);
        p->version = 1;
    }
}

static uint32_t mp__tk_rand(mp_tick_profile *p)
{
    uint32_t x = p->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return p->rng = x;
}

static uint32_t mp__tk_tfind(const mp__tk_tree *t, int64_t key)
{
    uint32_t i = t->root;
    while (i) {
        if (key == t->n[i].key) return i;
        i = key < t->n[i].key ? t->n[i].left : t->n[i].right;
    }
    return 0;
}

/* The node with the greatest key <= key (SplayTree.findGreatestLessThan), or 0. */
static uint32_t mp__tk_tfind_le(const mp__tk_tree *t, int64_t key)
{
    uint32_t i = t->root, best = 0;
    while (i) {
        if (t->n[i].key <= key) { best = i; i = t->n[i].right; }
        else i = t->n[i].left;
    }
    return best;
}

static uint32_t mp__tk_tedge(const mp__tk_tree *t, int rightmost)
{
    uint32_t i = t->root;
    if (!i) return 0;
    for (;;) {
        uint32_t next = rightmost ? t->n[i].right : t->n[i].left;
        if (!next) return i;
        i = next;
    }
}

/* Splits subtree i into keys < key and keys >= key. */
static void mp__tk_split(mp__tk_tree *t, uint32_t i, int64_t key, uint32_t *l, uint32_t *r)
{
    if (!i) { *l = *r = 0; return; }
    if (t->n[i].key < key) {
        mp__tk_split(t, t->n[i].right, key, &t->n[i].right, r);
        *l = i;
    } else {
        mp__tk_split(t, t->n[i].left, key, l, &t->n[i].left);
        *r = i;
    }
}

static uint32_t mp__tk_merge(mp__tk_tree *t, uint32_t a, uint32_t b)
{
    if (!a) return b;
    if (!b) return a;
    if (t->n[a].prio > t->n[b].prio) {
        t->n[a].right = mp__tk_merge(t, t->n[a].right, b);
        return a;
    }
    t->n[b].left = mp__tk_merge(t, a, t->n[b].left);
    return b;
}

static uint32_t mp__tk_tinsert_at(mp__tk_tree *t, uint32_t i, uint32_t node)
{
    if (!i) return node;
    if (t->n[node].prio > t->n[i].prio) {
        mp__tk_split(t, i, t->n[node].key, &t->n[node].left, &t->n[node].right);
        return node;
    }
    if (t->n[node].key < t->n[i].key) t->n[i].left = mp__tk_tinsert_at(t, t->n[i].left, node);
    else t->n[i].right = mp__tk_tinsert_at(t, t->n[i].right, node);
    return i;
}

/* Inserts key -> val unless key is there (SplayTree.insert ignores duplicates).
   Returns 1 if inserted, 0 if the key existed, -1 when out of memory. */
static int mp__tk_tinsert(mp_tick_profile *p, mp__tk_tree *t, int64_t key, uint32_t val)
{
    uint32_t node;
    if (mp__tk_tfind(t, key)) return 0;
    if (t->free_list) {
        node = t->free_list;
        t->free_list = t->n[node].left;
    } else {
        if (!t->cap) t->count = 0;
        if (!mp__tk_grow32((void **)&t->n, &t->cap, (size_t)t->count + 2, sizeof *t->n))
            return -1;
        if (t->count == 0) { memset(&t->n[0], 0, sizeof t->n[0]); t->count = 1; }
        node = t->count++;
    }
    t->n[node].key = key;
    t->n[node].val = val;
    t->n[node].left = t->n[node].right = 0;
    t->n[node].prio = mp__tk_rand(p);
    t->root = mp__tk_tinsert_at(t, t->root, node);
    t->changed = 1;
    mp__tk_bump(p);
    return 1;
}

static uint32_t mp__tk_tremove_at(mp__tk_tree *t, uint32_t i, int64_t key, uint32_t *removed)
{
    if (!i) return 0;
    if (key == t->n[i].key) {
        *removed = i;
        return mp__tk_merge(t, t->n[i].left, t->n[i].right);
    }
    if (key < t->n[i].key) t->n[i].left = mp__tk_tremove_at(t, t->n[i].left, key, removed);
    else t->n[i].right = mp__tk_tremove_at(t, t->n[i].right, key, removed);
    return i;
}

/* Removes key; returns its value or MP__TK_NONE if it was not there. */
static uint32_t mp__tk_tremove(mp_tick_profile *p, mp__tk_tree *t, int64_t key)
{
    uint32_t removed = 0, val;
    t->root = mp__tk_tremove_at(t, t->root, key, &removed);
    if (!removed) return MP__TK_NONE;
    t->changed = 1;
    mp__tk_bump(p);
    val = t->n[removed].val;
    t->n[removed].left = t->free_list;
    t->free_list = removed;
    return val;
}

static void mp__tk_tclear(mp__tk_tree *t)
{
    t->root = 0;
    t->free_list = 0;
    t->count = t->cap ? 1 : 0;
    t->changed = 1;
}

/* a + b, saturated: a garbage log must not overflow where JavaScript's doubles cannot. */
static int64_t mp__tk_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
    if (b < 0 && a < INT64_MIN + 1 - b) return INT64_MIN + 1;
    return a + b;
}

/* ---- code entries ---------------------------------------------------------------------- */

static uint32_t mp__tk_new_entry(mp_tick_profile *p, int kind, int64_t size, uint32_t name,
                                 uint32_t type)
{
    uint32_t e;
    mp__tk_entry *en;
    if (p->free_ent != MP__TK_NONE) {
        e = p->free_ent;
        p->free_ent = p->ents[e].func;
    } else {
        if (!mp__tk_grow32((void **)&p->ents, &p->capents, (size_t)p->nents + 1,
                           sizeof *p->ents)) {
            p->failed = 1;
            return MP__TK_NONE;
        }
        e = p->nents++;
    }
    en = &p->ents[e];
    memset(en, 0, sizeof *en);
    en->kind = (uint8_t)kind;
    en->size = size;
    en->name = name;
    en->type = type;
    en->func = MP__TK_NONE;
    en->shown = MP__TK_NONE;
    return e;
}

static void mp__tk_unref(mp_tick_profile *p, uint32_t e)
{
    while (e != MP__TK_NONE) {
        mp__tk_entry *en = &p->ents[e];
        uint32_t func;
        if (en->refs > 1) { en->refs--; return; }
        func = en->kind == MP__TK_FUNC_CODE ? en->func : MP__TK_NONE;
        en->refs = 0;
        en->kind = 0;
        en->func = p->free_ent;
        p->free_ent = e;
        e = func;
    }
}

/* CodeMap.deleteAllCoveredNodes_: walks down from end - 1 and removes every entry that
   overlaps [start, end), zero-sized ones included. */
static void mp__tk_delete_covered(mp_tick_profile *p, mp__tk_tree *t, int64_t start, int64_t end)
{
    size_t n = 0, i;
    int64_t addr;
    if (end <= start) return;
    addr = end - 1;
    while (addr >= start) {
        uint32_t node = mp__tk_tfind_le(t, addr);
        int64_t s2, e2;
        if (!node) break;
        s2 = t->n[node].key;
        e2 = mp__tk_add(s2, p->ents[t->n[node].val].size);
        if (s2 < end && start < e2) {
            if (!mp__tk_grow((void **)&p->del_scratch, &p->del_cap, n + 1, sizeof(int64_t))) {
                p->failed = 1;
                break;
            }
            p->del_scratch[n++] = s2;
        }
        if (s2 == INT64_MIN) break;
        addr = s2 - 1;
    }
    for (i = 0; i < n; i++) mp__tk_unref(p, mp__tk_tremove(p, t, p->del_scratch[i]));
}

/* Puts e at start in t; drops e when the key is taken. */
static void mp__tk_place(mp_tick_profile *p, mp__tk_tree *t, int64_t start, uint32_t e)
{
    int r;
    p->ents[e].refs++;
    r = mp__tk_tinsert(p, t, start, e);
    if (r < 0) p->failed = 1;
    if (r <= 0) mp__tk_unref(p, e);
}

/* CodeMap.addCode */
static void mp__tk_add_code(mp_tick_profile *p, int64_t start, uint32_t e)
{
    mp__tk_delete_covered(p, &p->dyn, start, mp__tk_add(start, p->ents[e].size));
    mp__tk_place(p, &p->dyn, start, e);
}

static uint32_t mp__tk_page(int64_t addr)
{
    /* JS's (addr / 4096) | 0: truncation toward zero, then ToInt32. */
    return (uint32_t)(uint64_t)(addr / 4096);
}

static int mp__tk_on_lib_page(const mp_tick_profile *p, int64_t addr)
{
    uint32_t page = mp__tk_page(addr);
    size_t lo = 0, hi = p->nspans;
    while (lo < hi) { /* first span with lo > page */
        size_t mid = lo + (hi - lo) / 2;
        if (p->spans[mid].lo <= page) lo = mid + 1;
        else hi = mid;
    }
    return lo > 0 && page <= p->spans[lo - 1].hi;
}

static int mp__tk_span_cmp(const void *x, const void *y)
{
    const mp__tk_span *a = (const mp__tk_span *)x, *b = (const mp__tk_span *)y;
    return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* Adds pages lo..hi and merges: shared-library records are few, lookups many. */
static void mp__tk_add_span(mp_tick_profile *p, uint32_t lo, uint32_t hi)
{
    size_t i, k = 0;
    if (!mp__tk_grow((void **)&p->spans, &p->capspans, p->nspans + 1, sizeof *p->spans)) {
        p->failed = 1;
        return;
    }
    p->spans[p->nspans].lo = lo;
    p->spans[p->nspans].hi = hi;
    p->nspans++;
    mp__tk_bump(p);
    qsort(p->spans, p->nspans, sizeof *p->spans, mp__tk_span_cmp);
    for (i = 1; i < p->nspans; i++) {
        mp__tk_span *last = &p->spans[k];
        if (last->hi == UINT32_MAX || p->spans[i].lo <= last->hi + 1) {
            if (p->spans[i].hi > last->hi) last->hi = p->spans[i].hi;
        } else {
            p->spans[++k] = p->spans[i];
        }
    }
    p->nspans = k + 1;
}

static uint32_t mp__tk_find_in(const mp_tick_profile *p, const mp__tk_tree *t, int64_t addr)
{
    uint32_t node = mp__tk_tfind_le(t, addr);
    if (!node) return MP__TK_NONE;
    if (addr >= t->n[node].key &&
        addr < mp__tk_add(t->n[node].key, p->ents[t->n[node].val].size))
        return t->n[node].val;
    return MP__TK_NONE;
}

static void mp__tk_add_static(mp_tick_profile *p, int64_t start, uint32_t e)
{
    if (!mp__tk_grow((void **)&p->pending, &p->cappending, p->npending + 1, sizeof *p->pending)) {
        p->failed = 1;
        mp__tk_unref(p, e);
        return;
    }
    p->ents[e].refs++;
    p->pending[p->npending].key = start;
    p->pending[p->npending].val = e;
    p->pending[p->npending].seq = p->stat_seq++;
    p->npending++;
}

static int mp__tk_static_cmp(const void *x, const void *y)
{
    const mp__tk_static *a = (const mp__tk_static *)x, *b = (const mp__tk_static *)y;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Index of the greatest key <= key in the merged array, or -1. */
static ptrdiff_t mp__tk_static_le(const mp_tick_profile *p, int64_t key)
{
    size_t lo = 0, hi = p->nstat;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->stat[mid].key <= key) lo = mid + 1;
        else hi = mid;
    }
    return (ptrdiff_t)lo - 1;
}

/* Merges the pending additions; a start already taken keeps its first entry. */
static void mp__tk_flush_static(mp_tick_profile *p)
{
    size_t i, j, k, n;
    mp__tk_static *merged;
    if (!p->npending) return;
    qsort(p->pending, p->npending, sizeof *p->pending, mp__tk_static_cmp);
    for (i = k = 0; i < p->npending; i++) {
        ptrdiff_t at = mp__tk_static_le(p, p->pending[i].key);
        if ((k > 0 && p->pending[k - 1].key == p->pending[i].key) ||
            (at >= 0 && p->stat[at].key == p->pending[i].key)) {
            mp__tk_unref(p, p->pending[i].val);
            continue;
        }
        p->pending[k++] = p->pending[i];
    }
    n = p->nstat + k;
    merged = (mp__tk_static *)MP_MALLOC((n ? n : 1) * sizeof *merged);
    if (!merged) {
        for (i = 0; i < k; i++) mp__tk_unref(p, p->pending[i].val);
        p->npending = 0;
        p->failed = 1;
        return;
    }
    for (i = j = 0, n = 0; i < p->nstat || j < k;) {
        if (j == k || (i < p->nstat && p->stat[i].key < p->pending[j].key)) merged[n++] = p->stat[i++];
        else merged[n++] = p->pending[j++];
    }
    MP_FREE(p->stat);
    p->stat = merged;
    p->nstat = p->capstat = n;
    p->npending = 0;
    mp__tk_bump(p);
}

static uint32_t mp__tk_find_static(mp_tick_profile *p, int64_t addr)
{
    ptrdiff_t at;
    if (p->npending) mp__tk_flush_static(p);
    at = mp__tk_static_le(p, addr);
    if (at < 0) return MP__TK_NONE;
    if (addr < mp__tk_add(p->stat[at].key, p->ents[p->stat[at].val].size)) return p->stat[at].val;
    return MP__TK_NONE;
}

/* NameGenerator.getName: the raw name the first time, then "name {N}". */
static uint32_t mp__tk_generate_name(mp_tick_profile *p, uint32_t raw)
{
    char num[32];
    mp__tk_str *st = &p->strs[raw];
    if (st->gen == 0) { st->gen = 1; return raw; }
    st->gen++;
    p->tmp.len = 0;
    mp_buf_append(&p->tmp, p->strs[raw].s, p->strs[raw].len);
    snprintf(num, sizeof num, " {%u}", (unsigned)(p->strs[raw].gen - 1));
    mp_buf_puts(&p->tmp, num);
    if (p->tmp.failed) { p->failed = 1; return raw; }
    {
        uint32_t id = mp__tk_intern(p, p->tmp.data, p->tmp.len);
        if (id == MP__TK_NONE) { p->failed = 1; return raw; }
        return id;
    }
}

/* CodeMap.findEntry, with its side effect of naming dynamic entries on first lookup. */
static uint32_t mp__tk_lookup(mp_tick_profile *p, int64_t addr);

static uint32_t mp__tk_find_entry(mp_tick_profile *p, int64_t addr)
{
    mp__tk_hit *h = &p->hits[(uint64_t)(addr ^ (addr >> 12) ^ (addr >> 24)) % MP__TK_HITS];
    uint32_t e;
    if (h->version == p->version && h->addr == addr) return h->entry;
    e = mp__tk_lookup(p, addr);
    h->addr = addr;
    h->entry = e;
    h->version = p->version; /* read after the lookup: it may merge pending statics */
    return e;
}

static uint32_t mp__tk_lookup(mp_tick_profile *p, int64_t addr)
{
    uint32_t mn, mx, e;
    if (addr == MP__TK_NAN) return MP__TK_NONE;
    if (mp__tk_on_lib_page(p, addr)) {
        e = mp__tk_find_static(p, addr);
        if (e == MP__TK_NONE) e = mp__tk_find_in(p, &p->lib, addr);
        return e;
    }
    if (p->dyn.changed) {
        /* CodeMap.findAddress bounds by the last entry's end, not the greatest end. */
        mx = mp__tk_tedge(&p->dyn, 1);
        mn = mp__tk_tedge(&p->dyn, 0);
        p->dyn.lo = mx ? p->dyn.n[mn].key : 0;
        p->dyn.hi = mx ? mp__tk_add(p->dyn.n[mx].key, p->ents[p->dyn.n[mx].val].size) : 0;
        p->dyn.changed = 0;
    }
    if (!(addr >= p->dyn.lo && addr < p->dyn.hi)) return MP__TK_NONE;
    e = mp__tk_find_in(p, &p->dyn, addr);
    if (e != MP__TK_NONE && !p->ents[e].named) {
        mp__tk_entry *en = &p->ents[e];
        /* A function code entry's own name is "", which the generator counts too. */
        uint32_t raw = en->kind == MP__TK_FUNC_CODE ? p->id_empty : en->name;
        uint32_t gen = mp__tk_generate_name(p, raw);
        en = &p->ents[e];
        if (en->kind != MP__TK_FUNC_CODE) en->name = gen;
        en->named = 1;
        en->shown = MP__TK_NONE;
    }
    return e;
}

/* FunctionEntry.getName */
static void mp__tk_append_func_name(mp_tick_profile *p, mp_buf *b, uint32_t func)
{
    const mp__tk_entry *f = &p->ents[func];
    const mp__tk_str *n = &p->strs[f->name];
    if (f->kind == MP__TK_CODE) {
        mp_buf_append(b, p->strs[f->type].s, p->strs[f->type].len);
        mp_buf_append(b, ": ", 2);
        mp_buf_append(b, n->s, n->len);
        return;
    }
    if (n->len == 0) { mp_buf_puts(b, "<anonymous>"); return; }
    if (n->s[0] == ' ') mp_buf_puts(b, "<anonymous>");
    mp_buf_append(b, n->s, n->len);
}

/* entry.getName() as an interned id, cached on the entry. */
static uint32_t mp__tk_entry_name(mp_tick_profile *p, uint32_t e)
{
    static const char *const prefix[] = { "", "~", "^", "-", "+", "*" };
    mp__tk_entry *en = &p->ents[e];
    uint32_t id;
    if (en->kind == MP__TK_LIB || en->kind == MP__TK_CPP || en->kind == MP__TK_FUNCTION)
        return en->name;
    if (en->kind == MP__TK_FUNC_CODE) {
        uint32_t fname = p->ents[en->func].name;
        if (en->shown != MP__TK_NONE && en->shown_func == fname && en->shown_state == en->state)
            return en->shown;
        p->tmp.len = 0;
        mp_buf_append(&p->tmp, p->strs[en->type].s, p->strs[en->type].len);
        mp_buf_append(&p->tmp, ": ", 2);
        mp_buf_puts(&p->tmp, en->state < 6 ? prefix[en->state] : "");
        mp__tk_append_func_name(p, &p->tmp, en->func);
        en->shown_func = fname;
        en->shown_state = en->state;
    } else {
        if (en->shown != MP__TK_NONE) return en->shown;
        p->tmp.len = 0;
        mp_buf_append(&p->tmp, p->strs[en->type].s, p->strs[en->type].len);
        mp_buf_append(&p->tmp, ": ", 2);
        mp_buf_append(&p->tmp, p->strs[en->name].s, p->strs[en->name].len);
    }
    if (p->tmp.failed || (id = mp__tk_intern(p, p->tmp.data, p->tmp.len)) == MP__TK_NONE) {
        p->failed = 1;
        return p->id_unknown;
    }
    p->ents[e].shown = id;
    return id;
}

/* entry.type === 'CPP' / 'SHARED_LIB': a dynamic entry's type is its tag, so a tag spelled
   "CPP" counts too. */
static int mp__tk_is_cpp(const mp_tick_profile *p, uint32_t e)
{
    const mp__tk_entry *en = &p->ents[e];
    if (en->kind == MP__TK_CPP) return 1;
    return (en->kind == MP__TK_CODE || en->kind == MP__TK_FUNC_CODE) && en->type == p->id_cpp;
}

static int mp__tk_is_lib(const mp_tick_profile *p, uint32_t e)
{
    const mp__tk_entry *en = &p->ents[e];
    if (en->kind == MP__TK_LIB) return 1;
    return (en->kind == MP__TK_CODE || en->kind == MP__TK_FUNC_CODE) && en->type == p->id_lib;
}

/* ---- number and field parsing ----------------------------------------------------------- */

static int mp__tk_hexval(int c)
{
    if ((unsigned)(c - '0') < 10) return c - '0';
    c |= 0x20;
    if ((unsigned)(c - 'a') < 6) return c - 'a' + 10;
    return -1;
}

/* JavaScript's parseInt(s) (radix 0) or parseInt(s, 16): MP__TK_NAN when it gives NaN or a
   value beyond 2^63, which no address in a log reaches. */
static int64_t mp__tk_parse_int(const char *s, size_t n, int radix16)
{
    size_t i = 0;
    int neg = 0, base = 10, any = 0;
    uint64_t v = 0;
    while (i < n && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    if (i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        base = 16;
        i += 2;
    } else if (radix16) {
        base = 16;
    }
    /* Every tick frame goes through here: no division per digit. A value that would pass
       2^63 is NaN for us anyway, so checking the top bits before each step is enough. */
    if (base == 16) {
        for (; i < n; i++) {
            int d = mp__tk_hexval((unsigned char)s[i]);
            if (d < 0) break;
            if (v >> 59) return MP__TK_NAN;
            v = (v << 4) | (uint64_t)d;
            any = 1;
        }
    } else {
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            if (v > 922337203685477579ull) return MP__TK_NAN;
            v = v * 10 + (uint64_t)(s[i] - '0');
            any = 1;
        }
    }
    if (!any || v > (uint64_t)INT64_MAX) return MP__TK_NAN;
    return neg ? -(int64_t)v : (int64_t)v;
}

static void mp__tk_put_cp(mp_buf *b, unsigned cp)
{
    char u[4];
    if (cp < 0x80) { u[0] = (char)cp; mp_buf_append(b, u, 1); }
    else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        mp_buf_append(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        mp_buf_append(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        mp_buf_append(b, u, 4);
    }
}

/* Appends one UTF-16 code unit as UTF-8. A surrogate pair becomes one character; a lone
   surrogate becomes U+FFFD, which is what node's console.log writes for it. */
static void mp__tk_put_unit(mp_buf *b, unsigned *pending, unsigned u)
{
    if (*pending) {
        unsigned hi = *pending;
        *pending = 0;
        if (u >= 0xDC00 && u <= 0xDFFF) {
            mp__tk_put_cp(b, 0x10000 + ((hi - 0xD800) << 10) + (u - 0xDC00));
            return;
        }
        mp__tk_put_cp(b, 0xFFFD);
    }
    if (u >= 0xD800 && u <= 0xDBFF) { *pending = u; return; }
    mp__tk_put_cp(b, (u >= 0xDC00 && u <= 0xDFFF) ? 0xFFFD : u);
}

/* CsvParser.escapeField into out: \n, \\, \xHH, \uHHHH; any other character after a
   backslash starts a 4-digit escape as well (a csvparser quirk kept on purpose). */
static void mp__tk_unescape(const char *s, size_t n, mp_buf *out)
{
    size_t i = 0;
    unsigned pending = 0;
    out->len = 0;
    mp_buf_append(out, "", 0);
    while (i < n) {
        const char *bs = (const char *)memchr(s + i, '\\', n - i);
        size_t j = bs ? (size_t)(bs - s) : n, pos, end;
        int64_t v;
        if (j > i) {
            if (pending) { mp__tk_put_cp(out, 0xFFFD); pending = 0; }
            mp_buf_append(out, s + i, j - i);
        }
        if (j == n) break;
        if (j + 1 < n && s[j + 1] == 'n') { mp__tk_put_unit(out, &pending, '\n'); i = j + 2; continue; }
        if (j + 1 < n && s[j + 1] == '\\') { mp__tk_put_unit(out, &pending, '\\'); i = j + 2; continue; }
        pos = j + 2 < n ? j + 2 : n;
        end = pos + (j + 1 < n && s[j + 1] == 'x' ? 2 : 4);
        if (end > n) end = n;
        v = mp__tk_parse_int(s + pos, end - pos, 1);
        /* String.fromCharCode(NaN) is "\0"; other values wrap to 16 bits. */
        mp__tk_put_unit(out, &pending, v == MP__TK_NAN ? 0u : (unsigned)((uint64_t)v & 0xFFFF));
        i = end;
    }
    if (pending) mp__tk_put_cp(out, 0xFFFD);
}

typedef struct mp__tk_line {
    const char **f;
    size_t *l;
    size_t n;
} mp__tk_line;

/* Field i unescaped (into scratch if it needs it); a missing field reads as "". */
static void mp__tk_field(const mp__tk_line *ln, size_t i, mp_buf *scratch, const char **s,
                         size_t *n)
{
    if (i >= ln->n) { *s = ""; *n = 0; return; }
    if (!memchr(ln->f[i], '\\', ln->l[i])) { *s = ln->f[i]; *n = ln->l[i]; return; }
    mp__tk_unescape(ln->f[i], ln->l[i], scratch);
    *s = scratch->failed ? "" : scratch->data;
    *n = scratch->failed ? 0 : scratch->len;
}

static int64_t mp__tk_num(mp_tick_profile *p, const mp__tk_line *ln, size_t i)
{
    const char *s;
    size_t n;
    if (i >= ln->n) return MP__TK_NAN; /* parseInt(undefined) */
    mp__tk_field(ln, i, &p->esc_num, &s, &n);
    return mp__tk_parse_int(s, n, 0);
}

static uint32_t mp__tk_field_id(mp_tick_profile *p, const mp__tk_line *ln, size_t i,
                                mp_buf *scratch)
{
    const char *s;
    size_t n;
    uint32_t id;
    mp__tk_field(ln, i, scratch, &s, &n);
    id = mp__tk_intern(p, s, n);
    if (id == MP__TK_NONE) p->failed = 1;
    return id;
}

/* ---- records ---------------------------------------------------------------------------- */

static int mp__tk_skip_symbols(const char *name)
{
    /* node's polyfill never runs nm on these. */
    size_t i = 0, dash = 0;
    if (strcmp(name, "[vdso]") == 0 || strcmp(name, "[vsyscall]") == 0) return 1;
    for (; name[i]; i++) {
        if (name[i] == '-') {
            if (dash || i == 0) return 0;
            dash = i;
        } else if (mp__tk_hexval((unsigned char)name[i]) < 0 || (name[i] >= 'A' && name[i] <= 'F')) {
            return 0;
        }
    }
    return dash && name[dash + 1];
}

#define MP__TK_MAX_PAGES 16777216u /* V8's largest Set: node's page set throws beyond it */

static uint64_t mp__tk_page_count(const mp_tick_profile *p)
{
    uint64_t n = 0;
    size_t i;
    for (i = 0; i < p->nspans; i++) n += (uint64_t)p->spans[i].hi - p->spans[i].lo + 1;
    return n;
}

/* Marks count pages from first on (wrapping at 2^32) in the order Set.add would see them.
   0 when the set would outgrow V8's limit: it then holds as many as fit, as in node. */
static int mp__tk_mark_run(mp_tick_profile *p, uint32_t first, uint64_t count)
{
    uint64_t have = mp__tk_page_count(p);
    uint32_t pos = first;
    while (count > 0 && !p->failed) {
        size_t lo = 0, hi = p->nspans;
        uint64_t gap, take;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (p->spans[mid].lo <= pos) lo = mid + 1;
            else hi = mid;
        }
        if (lo > 0 && pos <= p->spans[lo - 1].hi) {
            uint64_t skip = (uint64_t)p->spans[lo - 1].hi - pos + 1;
            if (skip >= count) return 1;
            count -= skip;
            pos = (uint32_t)(pos + skip);
            continue;
        }
        gap = (lo < p->nspans ? (uint64_t)p->spans[lo].lo : 0x100000000ull) - pos;
        take = gap < count ? gap : count;
        if (have + take > MP__TK_MAX_PAGES) {
            take = MP__TK_MAX_PAGES - have;
            if (take) mp__tk_add_span(p, pos, (uint32_t)(pos + take - 1));
            return 0;
        }
        mp__tk_add_span(p, pos, (uint32_t)(pos + take - 1));
        have += take;
        count -= take;
        pos = (uint32_t)(pos + take);
    }
    return 1;
}

/* CodeMap.markPages_: the pages of start, start + 4096, ... <= end. Their numbers,
   (a / 4096) | 0, form one run (a negative start meets page 0 twice, nothing more). */
static int mp__tk_mark_pages(mp_tick_profile *p, int64_t start, int64_t end)
{
    uint64_t steps;
    int64_t first, last;
    if (end < start) return 1;
    steps = ((uint64_t)end - (uint64_t)start) / 4096;
    first = start / 4096;
    last = (int64_t)((uint64_t)start + steps * 4096) / 4096;
    return mp__tk_mark_run(p, (uint32_t)(uint64_t)first, (uint64_t)(last - first) + 1);
}

static void mp__tk_add_symbols(mp_tick_profile *p, uint32_t lib, int64_t start, int64_t end,
                               int64_t slide)
{
    const mp_sym *syms = NULL;
    size_t n = 0, i;
    mp_error e;
    mp_err rc;
    const char *name = p->strs[lib].s;
    if (mp__tk_skip_symbols(name)) return;
    memset(&e, 0, sizeof e); /* a symbols_fn may fail without a message */
    if (p->cfg.symbols_fn)
        rc = p->cfg.symbols_fn(p->cfg.symbols_user, name, (uint64_t)start, (uint64_t)end,
                               (uint64_t)slide, &syms, &n, &e);
    else if (p->cfg.symbols)
        rc = mp_symtab_lookup(p->cfg.symbols, name, (uint64_t)start, (uint64_t)end,
                              (uint64_t)slide, &syms, &n, &e);
    else
        return;
    if (rc != MP_OK) {
        if (mp__tk_map_get(&p->libs_warned, (uint64_t)lib + 1) == MP__TK_NONE) {
            if (!mp__tk_map_put(&p->libs_warned, (uint64_t)lib + 1, 1)) p->failed = 1;
            mp__tk_warn(p, "no C++ symbols for %s (its ticks count under the library): %s",
                        name, e.msg);
        }
        return;
    }
    mp__tk_flush_static(p);
    for (i = 0; i < n; i++) {
        const char *sname = syms[i].name ? syms[i].name : "";
        ptrdiff_t at = mp__tk_static_le(p, (int64_t)syms[i].start);
        uint32_t id, en;
        /* A binary's later mapping records bring its symbols again: nothing would change. */
        if (at >= 0 && p->stat[at].key == (int64_t)syms[i].start) {
            const mp__tk_str *old = &p->strs[p->ents[p->stat[at].val].name];
            if (old->ctype == MP__TK_CT_CPP && strcmp(old->s, sname) == 0) continue;
        }
        id = mp__tk_intern_z(p, sname);
        if (id == MP__TK_NONE) { p->failed = 1; return; }
        en = mp__tk_new_entry(p, MP__TK_CPP, (int64_t)(syms[i].end - syms[i].start), id, p->id_cpp);
        if (en == MP__TK_NONE) return;
        mp__tk_add_static(p, (int64_t)syms[i].start, en);
        p->strs[id].ctype = MP__TK_CT_CPP;
    }
}

static void mp__tk_shared_library(mp_tick_profile *p, const mp__tk_line *ln)
{
    uint32_t name = mp__tk_field_id(p, ln, 1, &p->esc_a), e;
    int64_t start = mp__tk_num(p, ln, 2), end = mp__tk_num(p, ln, 3), slide = mp__tk_num(p, ln, 4);
    if (name == MP__TK_NONE) return;
    if (start == MP__TK_NAN || end == MP__TK_NAN) { p->bad_lines++; return; }
    if (slide == MP__TK_NAN) slide = 0;
    if (!mp__tk_mark_pages(p, start, end)) {
        /* node's Set throws: the record stops here, its library never added. */
        mp__tk_warn(p, "line %llu: Set maximum size exceeded", (unsigned long long)p->line_no);
        p->bad_lines++;
        return;
    }
    e = mp__tk_new_entry(p, MP__TK_LIB, mp__tk_add(end, -start), name, p->id_lib);
    if (e == MP__TK_NONE) return;
    mp__tk_place(p, &p->lib, start, e);
    p->strs[name].ctype = MP__TK_CT_LIB;
    mp__tk_add_symbols(p, name, start, end, slide);
}

static int mp__tk_parse_state(const char *s, size_t n)
{
    if (n == 0) return 0;
    if (n == 1) {
        switch (s[0]) {
        case '~': return 1;
        case '^': return 2;
        case '+': return 4;
        case '*': return 5;
        default: break;
        }
    }
    return -1;
}

/* Profile.addFuncCode */
static void mp__tk_add_func_code(mp_tick_profile *p, uint32_t type, uint32_t name, int64_t start,
                                 int64_t size, int64_t func_addr, int state)
{
    uint32_t f = mp__tk_tfind(&p->dyn, func_addr), e;
    if (f) {
        f = p->dyn.n[f].val;
        if (p->ents[f].name != name) {
            p->ents[f].name = name;
            p->ents[f].shown = MP__TK_NONE;
        }
    } else {
        f = mp__tk_new_entry(p, MP__TK_FUNCTION, 0, name, p->id_empty);
        if (f == MP__TK_NONE) return;
        mp__tk_add_code(p, func_addr, f);
    }
    p->ents[f].refs++; /* keep it while the code at start is replaced */
    e = mp__tk_tfind(&p->dyn, start);
    if (e) {
        mp__tk_entry *en = &p->ents[p->dyn.n[e].val];
        if (en->size == size && en->kind == MP__TK_FUNC_CODE && en->func == f) {
            en->state = (uint8_t)state;
            mp__tk_unref(p, f);
            return;
        }
        mp__tk_unref(p, mp__tk_tremove(p, &p->dyn, start));
    }
    if (p->ents[f].kind != MP__TK_FUNCTION) {
        /* node throws here ("func.addDynamicCode is not a function") and skips the line. */
        mp__tk_warn(p, "line %llu: func.addDynamicCode is not a function",
                    (unsigned long long)p->line_no);
        p->bad_lines++;
        mp__tk_unref(p, f);
        return;
    }
    e = mp__tk_new_entry(p, MP__TK_FUNC_CODE, size, p->id_empty, type);
    if (e == MP__TK_NONE) { mp__tk_unref(p, f); return; }
    p->ents[e].func = f;
    p->ents[e].state = (uint8_t)state;
    p->ents[f].refs++;
    mp__tk_unref(p, f);
    mp__tk_add_code(p, start, e);
}

static void mp__tk_code_creation(mp_tick_profile *p, const mp__tk_line *ln)
{
    uint32_t type = mp__tk_field_id(p, ln, 1, &p->esc_a), name, e;
    int64_t start = mp__tk_num(p, ln, 4), size = mp__tk_num(p, ln, 5);
    if (type == MP__TK_NONE) return;
    if (start == MP__TK_NAN || size == MP__TK_NAN) { p->bad_lines++; return; }
    name = mp__tk_field_id(p, ln, 6, &p->esc_b);
    if (name == MP__TK_NONE) return;
    if (type != p->id_regexp && ln->n > 7) {
        int64_t func_addr = mp__tk_num(p, ln, 7);
        const char *st;
        size_t stn;
        int state;
        mp__tk_field(ln, 8, &p->esc_a, &st, &stn);
        state = ln->n > 8 ? mp__tk_parse_state(st, stn) : -1;
        if (state < 0) {
            p->bad_lines++;
            if (ln->n > 8)
                mp__tk_warn(p, "line %llu: unknown code state: %.*s",
                            (unsigned long long)p->line_no, (int)(stn > 200 ? 200 : stn), st);
            else
                mp__tk_warn(p, "line %llu: unknown code state: undefined",
                            (unsigned long long)p->line_no);
            return;
        }
        if (func_addr == MP__TK_NAN) { p->bad_lines++; return; }
        mp__tk_add_func_code(p, type, name, start, size, func_addr, state);
        return;
    }
    e = mp__tk_new_entry(p, MP__TK_CODE, size, name, type);
    if (e != MP__TK_NONE) mp__tk_add_code(p, start, e);
}

/* CodeMap.moveCode; unknown sources are counted and reported once at the end. */
static void mp__tk_move(mp_tick_profile *p, int64_t from, int64_t to)
{
    uint32_t e = from == MP__TK_NAN ? MP__TK_NONE : mp__tk_tremove(p, &p->dyn, from);
    if (e == MP__TK_NONE) {
        if (!p->unknown_moves++) p->first_unknown_move = from;
        return;
    }
    if (to == MP__TK_NAN) { mp__tk_unref(p, e); p->bad_lines++; return; }
    /* e keeps the reference the map had while it is out of it. */
    mp__tk_delete_covered(p, &p->dyn, to, mp__tk_add(to, p->ents[e].size));
    {
        int r = mp__tk_tinsert(p, &p->dyn, to, e);
        if (r < 0) p->failed = 1;
        if (r <= 0) mp__tk_unref(p, e);
    }
}

static void mp__tk_delete(mp_tick_profile *p, int64_t addr)
{
    uint32_t e = addr == MP__TK_NAN ? MP__TK_NONE : mp__tk_tremove(p, &p->dyn, addr);
    if (e == MP__TK_NONE) {
        if (!p->unknown_deletes++) p->first_unknown_delete = addr;
        return;
    }
    mp__tk_unref(p, e);
}

static int mp__tk_contains(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit), i;
    for (i = 0; i + m <= n; i++)
        if (s[i] == lit[0] && memcmp(s + i, lit, m) == 0) return 1;
    return 0;
}

static int mp__tk_starts(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n >= m && memcmp(s, lit, m) == 0;
}

/* V8Profile.skipThisFunction, cached per name. */
static int mp__tk_skip(mp_tick_profile *p, uint32_t id)
{
    mp__tk_str *st = &p->strs[id];
    if (!st->skip) {
        const char *s = st->s;
        size_t n = st->len;
        int skip = 0;
        /* IC_RE: only its first branch is anchored, so the others match anywhere. */
        if (p->skip_ic &&
            (mp__tk_starts(s, n, "LoadGlobalIC: ") || mp__tk_contains(s, n, "Handler: ") ||
             mp__tk_contains(s, n, "CallIC") || mp__tk_contains(s, n, "LoadIC") ||
             mp__tk_contains(s, n, "StoreIC")))
            skip = 1;
        if (p->skip_bytecodes && mp__tk_starts(s, n, "BytecodeHandler: ")) skip = 1;
        if (p->skip_builtins && mp__tk_starts(s, n, "Builtin: ")) skip = 1;
        if (p->skip_stubs && mp__tk_starts(s, n, "Stub: ")) skip = 1;
        st->skip = skip ? 2 : 1;
    }
    return st->skip == 2;
}

static uint32_t mp__tk_child(mp_tick_profile *p, uint32_t parent, uint32_t label)
{
    uint64_t key = (((uint64_t)parent << 32) | label) + 1;
    uint32_t c = mp__tk_map_get(&p->children, key);
    mp__tk_cnode *n;
    if (c != MP__TK_NONE) return c;
    if (!mp__tk_grow32((void **)&p->cn, &p->capcn, (size_t)p->ncn + 1, sizeof *p->cn)) {
        p->failed = 1;
        return MP__TK_NONE;
    }
    c = p->ncn++;
    n = &p->cn[c];
    memset(n, 0, sizeof *n);
    n->label = label;
    n->parent = parent;
    n->first_child = n->next_sibling = MP__TK_NONE;
    n->next_sibling = p->cn[parent].first_child;
    p->cn[parent].first_child = c;
    if (!mp__tk_map_put(&p->children, key, c)) { p->failed = 1; p->ncn--; return MP__TK_NONE; }
    return c;
}

/* Profile.resolveAndFilterFuncs_ + the trees' addPath. */
static void mp__tk_record(mp_tick_profile *p, size_t depth)
{
    size_t i, n = 0;
    uint32_t last_c = MP__TK_NONE, node;
    int look_for_c = 0;
    for (i = 0; i < depth; i++) {
        uint32_t e = mp__tk_find_entry(p, p->stack[i]);
        int cpp = 0;
        if (e != MP__TK_NONE) {
            uint32_t name = mp__tk_entry_name(p, e);
            cpp = mp__tk_is_cpp(p, e);
            if (i == 0 && (cpp || mp__tk_is_lib(p, e))) look_for_c = 1;
            if (look_for_c && cpp) last_c = name;
            if (!mp__tk_skip(p, name)) p->names[n++] = name;
        } else if (i == 0) {
            p->unaccounted++;
            p->names[n++] = p->id_unknown;
        }
        if (look_for_c && i > 0 && (e == MP__TK_NONE || !cpp) && last_c != MP__TK_NONE &&
            p->strs[last_c].len > 0) {
            p->strs[last_c].centry++;
            look_for_c = 0;
        }
    }
    if (n == 0) return;
    p->strs[p->names[0]].self++;
    /* Only the levels the heavy profile can print are kept: a node's total is the number
       of paths through it, which cutting deeper levels does not change. */
    if (n > (size_t)p->depth) n = (size_t)p->depth;
    node = 0;
    for (i = 0; i < n && node != MP__TK_NONE; i++) node = mp__tk_child(p, node, p->names[i]);
    if (node != MP__TK_NONE) p->cn[node].self++;
}

static void mp__tk_tick(mp_tick_profile *p, const mp__tk_line *ln)
{
    int64_t pc = mp__tk_num(p, ln, 1), ts = mp__tk_num(p, ln, 2), ext = mp__tk_num(p, ln, 3);
    int64_t tos = mp__tk_num(p, ln, 4), vm = mp__tk_num(p, ln, 5), prev;
    double t;
    size_t i, depth = 0;
    p->distortion += p->distortion_per;
    if (ts != MP__TK_NAN) {
        t = (double)ts - p->distortion;
        if (t < p->range_start || t > p->range_end) return;
    }
    p->ticks++;
    if (vm == MP_TICK_VM_GC) p->gc++;
    if (p->cfg.filter_state ? vm != (int64_t)p->cfg.state
                            : (p->want_timer != MP__TK_NONE && p->current_timer != p->want_timer)) {
        p->excluded++;
        return;
    }
    if (ext != 0 && ext != MP__TK_NAN) {
        pc = tos;
        tos = 0;
    } else if (tos != 0 && tos != MP__TK_NAN) {
        uint32_t e = mp__tk_find_entry(p, tos);
        if (e == MP__TK_NONE || p->ents[e].kind != MP__TK_FUNC_CODE) tos = 0;
    }
    if (!mp__tk_grow((void **)&p->stack, &p->stack_cap, ln->n + 2, sizeof *p->stack) ||
        !mp__tk_grow((void **)&p->names, &p->names_cap, ln->n + 2, sizeof *p->names)) {
        p->failed = 1;
        return;
    }
    p->stack[depth++] = pc;
    if (tos != 0 && tos != MP__TK_NAN) p->stack[depth++] = tos;
    prev = pc;
    for (i = 6; i < ln->n; i++) {
        const char *f = ln->f[i];
        if (ln->l[i] > 0 && (f[0] == '+' || f[0] == '-')) {
            int64_t off = mp__tk_num(p, ln, i);
            prev = (prev == MP__TK_NAN || off == MP__TK_NAN) ? MP__TK_NAN : mp__tk_add(prev, off);
            p->stack[depth++] = prev;
        } else if (ln->l[i] > 0 && f[0] == 'o') {
            p->dropped_frames++;
        } else {
            p->stack[depth++] = mp__tk_num(p, ln, i);
        }
    }
    mp__tk_record(p, depth);
}

static void mp__tk_dispatch(mp_tick_profile *p, const mp__tk_line *ln)
{
    const char *tag = ln->f[0];
    size_t n = ln->l[0];
#define MP__TK_TAG(lit) (n == sizeof(lit) - 1 && memcmp(tag, lit, n) == 0)
    if (MP__TK_TAG("tick")) mp__tk_tick(p, ln);
    else if (MP__TK_TAG("code-creation")) mp__tk_code_creation(p, ln);
    else if (MP__TK_TAG("code-move")) mp__tk_move(p, mp__tk_num(p, ln, 1), mp__tk_num(p, ln, 2));
    else if (MP__TK_TAG("code-delete")) mp__tk_delete(p, mp__tk_num(p, ln, 1));
    else if (MP__TK_TAG("sfi-move")) {
        int64_t from = mp__tk_num(p, ln, 1);
        if (from != MP__TK_NAN && mp__tk_tfind(&p->dyn, from))
            mp__tk_move(p, from, mp__tk_num(p, ln, 2));
    } else if (MP__TK_TAG("shared-library")) mp__tk_shared_library(p, ln);
    else if (MP__TK_TAG("active-runtime-timer")) {
        p->current_timer = mp__tk_field_id(p, ln, 1, &p->esc_a);
    } else if (MP__TK_TAG("timer-event-start") || MP__TK_TAG("timer-event-end")) {
        p->distortion += p->distortion_per;
    } else if (!(MP__TK_TAG("code-deopt") || MP__TK_TAG("code-source-info") ||
                 MP__TK_TAG("script-source") || MP__TK_TAG("heap-sample-begin") ||
                 MP__TK_TAG("heap-sample-end") || MP__TK_TAG("profiler") ||
                 MP__TK_TAG("function-creation") || MP__TK_TAG("function-move") ||
                 MP__TK_TAG("function-delete") || MP__TK_TAG("heap-sample-item") ||
                 MP__TK_TAG("current-time") || MP__TK_TAG("code-allocate") ||
                 MP__TK_TAG("begin-code-region") || MP__TK_TAG("end-code-region") ||
                 MP__TK_TAG("v8-version") || MP__TK_TAG("v8-platform") ||
                 MP__TK_TAG("shared-library-end"))) {
        p->unknown_records++;
    }
#undef MP__TK_TAG
}

static void mp__tk_line_in(mp_tick_profile *p, const char *s, size_t n)
{
    mp__tk_line ln;
    size_t i, start = 0, k = 0;
    p->line_no++;
    p->lines++;
    if (p->line_no == 1 && !(n >= 11 && memcmp(s, "v8-version,", 11) == 0))
        mp__tk_warn(p, "Unable to read v8-version from log file.");
    for (;;) {
        const char *comma = (const char *)memchr(s + start, ',', n - start);
        i = comma ? (size_t)(comma - s) : n;
        if (k >= p->fcap &&
            (!mp__tk_grow((void **)&p->fp, &p->fcap, k + 1, sizeof *p->fp) ||
             !mp__tk_grow((void **)&p->fl, &p->flcap, p->fcap, sizeof *p->fl))) {
            p->failed = 1;
            return;
        }
        p->fp[k] = s + start;
        p->fl[k] = i - start;
        k++;
        if (!comma) break;
        start = i + 1;
    }
    ln.f = p->fp;
    ln.l = p->fl;
    ln.n = k;
    mp__tk_dispatch(p, &ln);
}

/* ---- public: reading -------------------------------------------------------------------- */

static void mp__tk_reset_views(mp_tick_profile *p)
{
    int i;
    for (i = 0; i < 4; i++) {
        MP_FREE(p->rows[i]);
        MP_FREE(p->row_ids[i]);
        p->rows[i] = NULL;
        p->row_ids[i] = NULL;
        p->nrows[i] = 0;
    }
    MP_FREE(p->view);
    MP_FREE(p->view_ids);
    p->view = NULL;
    p->view_ids = NULL;
    p->nview = 0;
    p->finished = 0;
}

static char *mp__tk_dup(const char *s)
{
    return s ? mp__strdup(s) : NULL;
}

static int mp__tk_parse_cgs(const mp_tick_config *cfg)
{
    int cgs = cfg->call_graph_size ? cfg->call_graph_size : 5;
    if (cgs < 0) cgs = 0;
    if (cgs > 10000) cgs = 10000;
    return cgs + 1;
}

static mp_err mp__tk_load_symbol_list(mp_tick_profile *p, const char *path, mp_error *err);

MP__DEF mp_err mp_tick_new(const mp_tick_config *cfg, const char *name, mp_tick_profile **out,
                           mp_error *err)
{
    mp_tick_config defaults;
    mp_tick_profile *p;
    *out = NULL;
    memset(&defaults, 0, sizeof defaults);
    if (!cfg) cfg = &defaults;
    if (cfg->filter_state && ((int)cfg->state < 0 || (int)cfg->state > 7))
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "VM state filter %d is not 0..7",
                        (int)cfg->state);
    if (!(p = (mp_tick_profile *)MP_MALLOC(sizeof *p))) return mp__nomem(err);
    memset(p, 0, sizeof *p);
    p->cfg = *cfg;
    p->free_ent = MP__TK_NONE;
    p->rng = 2463534242u;
    p->version = 1;
    p->skip_ic = cfg->separate_ic == MP_TICK_NO;
    p->skip_bytecodes = cfg->separate_bytecodes != MP_TICK_YES;
    p->skip_builtins = cfg->separate_builtins == MP_TICK_NO;
    p->skip_stubs = cfg->separate_stubs == MP_TICK_NO;
    p->depth = mp__tk_parse_cgs(cfg);
    p->range_start = -INFINITY;
    p->range_end = INFINITY;
    if (cfg->range) {
        const char *comma = strchr(cfg->range, ',');
        int64_t a = mp__tk_parse_int(cfg->range, comma ? (size_t)(comma - cfg->range)
                                                       : strlen(cfg->range), 0);
        int64_t b = comma ? mp__tk_parse_int(comma + 1, strlen(comma + 1), 0) : MP__TK_NAN;
        if (a != MP__TK_NAN) p->range_start = (double)a * 1000;
        if (b != MP__TK_NAN) p->range_end = (double)b * 1000;
    }
    if (cfg->distortion) {
        int64_t d = mp__tk_parse_int(cfg->distortion, strlen(cfg->distortion), 0);
        p->distortion_per = d == MP__TK_NAN ? 0 : (double)d / 1000;
    }
    p->name = mp__tk_dup(name ? name : "v8.log");
    p->runtime_timer = mp__tk_dup(cfg->runtime_timer);
    p->cfg.runtime_timer = p->runtime_timer;
    p->cfg.range = p->cfg.distortion = NULL;
    if (!p->name || (cfg->runtime_timer && !p->runtime_timer)) goto nomem;
    p->id_unknown = mp__tk_intern_z(p, "UNKNOWN");
    p->id_empty = mp__tk_intern_z(p, "");
    p->id_cpp = mp__tk_intern_z(p, "CPP");
    p->id_lib = mp__tk_intern_z(p, "SHARED_LIB");
    p->id_regexp = mp__tk_intern_z(p, "RegExp");
    p->current_timer = MP__TK_NONE;
    p->want_timer = cfg->runtime_timer ? mp__tk_intern_z(p, cfg->runtime_timer) : MP__TK_NONE;
    if (p->id_regexp == MP__TK_NONE || (cfg->runtime_timer && p->want_timer == MP__TK_NONE))
        goto nomem;
    /* The call tree's root. */
    if (!mp__tk_grow32((void **)&p->cn, &p->capcn, 1, sizeof *p->cn)) goto nomem;
    memset(&p->cn[0], 0, sizeof p->cn[0]);
    p->cn[0].label = p->id_empty;
    p->cn[0].parent = p->cn[0].first_child = p->cn[0].next_sibling = MP__TK_NONE;
    p->ncn = 1;
    if (cfg->symbol_list) {
        mp_err rc = mp__tk_load_symbol_list(p, cfg->symbol_list, err);
        if (rc != MP_OK) { mp_tick_free(p); return rc; }
    }
    if (!cfg->symbols && !cfg->symbols_fn && !cfg->symbol_list && !cfg->no_symbols) {
        mp_err rc = mp_symtab_new(&p->own_symbols, err);
        if (rc != MP_OK) { mp_tick_free(p); return rc; }
        p->cfg.symbols = p->own_symbols;
    }
    if (cfg->no_symbols || (cfg->symbol_list && !cfg->symbols && !cfg->symbols_fn)) {
        p->cfg.symbols = p->own_symbols;
        p->cfg.symbols_fn = NULL;
    }
    p->cfg.symbol_list = NULL;
    *out = p;
    return MP_OK;
nomem:
    mp_tick_free(p);
    return mp__nomem(err);
}

/* Reads cfg->symbol_list into the static code map. */
static mp_err mp__tk_load_symbol_list(mp_tick_profile *p, const char *path, mp_error *err)
{
    FILE *f = fopen(path, "r");
    mp_buf line, name;
    unsigned long long lineno = 0;
    mp_err rc = MP_OK;
    int c;
    if (!f) return mp__fail_errno(err, errno, "cannot open symbol list", path);
    memset(&line, 0, sizeof line);
    memset(&name, 0, sizeof name);
    for (;;) {
        line.len = 0;
        while ((c = getc(f)) != EOF && c != '\n') {
            char ch = (char)c;
            mp_buf_append(&line, &ch, 1);
        }
        if (c == EOF && line.len == 0) break;
        lineno++;
        if (line.failed) { rc = mp__nomem(err); break; }
        if (line.len) {
            char *end1, *end2;
            unsigned long long start, end;
            uint32_t id, e;
            size_t i;
            errno = 0;
            start = strtoull(line.data, &end1, 16);
            end = strtoull(end1, &end2, 16);
            if (errno || end1 == line.data || end2 == end1 || *end2 != ' ') {
                rc = mp__fail(err, MP_ERR_PARSE, 0, "%s:%llu: expected START END NAME", path,
                              lineno);
                break;
            }
            name.len = 0;
            mp_buf_append(&name, "", 0);
            for (i = (size_t)(end2 + 1 - line.data); i < line.len; i++) {
                char ch = line.data[i];
                if (ch == '\\' && i + 1 < line.len && (line.data[i + 1] == 'n' || line.data[i + 1] == '\\')) {
                    ch = line.data[++i] == 'n' ? '\n' : '\\';
                }
                mp_buf_append(&name, &ch, 1);
            }
            if (name.failed || (id = mp__tk_intern(p, name.data, name.len)) == MP__TK_NONE ||
                (e = mp__tk_new_entry(p, MP__TK_CPP, (int64_t)(end - start), id, p->id_cpp)) ==
                    MP__TK_NONE) {
                rc = mp__nomem(err);
                break;
            }
            mp__tk_add_static(p, (int64_t)start, e);
            p->strs[id].ctype = MP__TK_CT_CPP;
        }
        if (c == EOF) break;
    }
    if (rc == MP_OK && ferror(f)) rc = mp__fail_errno(err, errno, "cannot read symbol list", path);
    fclose(f);
    mp_buf_free(&line);
    mp_buf_free(&name);
    return rc;
}

/* The code map belongs to one isolate: a merged profile starts the next log without it. */
static void mp__tk_next_log(mp_tick_profile *p)
{
    uint32_t i;
    mp__tk_tclear(&p->dyn);
    p->nstat = p->npending = 0;
    mp__tk_bump(p);
    mp__tk_tclear(&p->lib);
    p->nspans = 0;
    p->nents = 0;
    p->free_ent = MP__TK_NONE;
    for (i = 0; i < p->nstrs; i++) p->strs[i].gen = 0;
    p->line_no = 0;
    p->stopped = 0;
    p->current_timer = MP__TK_NONE;
    p->distortion = 0;
    p->carry.len = 0;
}

MP__DEF mp_err mp_tick_feed(mp_tick_profile *p, const char *data, size_t len, mp_error *err)
{
    size_t i = 0;
    if (p->finished) {
        mp__tk_reset_views(p);
        mp__tk_next_log(p);
        p->logs++;
    }
    while (i < len && !p->stopped) {
        const char *nl = (const char *)memchr(data + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - data) : len;
        if (!nl) {
            mp_buf_append(&p->carry, data + i, len - i);
            break;
        }
        if (p->carry.len) {
            mp_buf_append(&p->carry, data + i, end - i);
            if (p->carry.failed) break;
            mp__tk_line_in(p, p->carry.data, p->carry.len);
            p->carry.len = 0;
        } else if (end == i) {
            p->stopped = 1; /* node reads `while (line = readline())`: an empty line ends it */
        } else {
            mp__tk_line_in(p, data + i, end - i);
        }
        i = end + 1;
    }
    if (p->carry.failed) p->failed = 1;
    if (p->failed) return mp__nomem(err);
    return MP_OK;
}

static int mp__tk_unit_at(const char *s, size_t n, size_t *i, unsigned *pending)
{
    /* Next UTF-16 code unit of a UTF-8 string; invalid bytes read as U+FFFD. */
    const unsigned char *u = (const unsigned char *)s;
    size_t len;
    unsigned cp;
    if (*pending) { cp = *pending; *pending = 0; return (int)cp; }
    if (*i >= n) return -1;
    len = mp__utf8_len(u + *i, n - *i);
    if (len == 0) { (*i)++; return 0xFFFD; }
    cp = len == 1 ? u[*i] : len == 2 ? (u[*i] & 0x1Fu) : len == 3 ? (u[*i] & 0x0Fu) : (u[*i] & 0x07u);
    {
        size_t k;
        for (k = 1; k < len; k++) cp = (cp << 6) | (u[*i + k] & 0x3Fu);
    }
    *i += len;
    if (cp >= 0x10000) {
        *pending = 0xDC00 + ((cp - 0x10000) & 0x3FF);
        return (int)(0xD800 + ((cp - 0x10000) >> 10));
    }
    return (int)cp;
}

/* JavaScript's a < b on strings: UTF-16 code unit order. */
static int mp__tk_js_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0, ia, ib;
    unsigned pa = 0, pb = 0;
    while (i < an && i < bn && a[i] == b[i]) i++;
    /* Restart decoding where the character holding the first difference begins. */
    while (i > 0 && ((i < an && ((unsigned char)a[i] & 0xC0) == 0x80) ||
                     (i < bn && ((unsigned char)b[i] & 0xC0) == 0x80)))
        i--;
    ia = ib = i;
    for (;;) {
        int ua = mp__tk_unit_at(a, an, &ia, &pa), ub = mp__tk_unit_at(b, bn, &ib, &pb);
        if (ua != ub) return ua < ub ? -1 : 1;
        if (ua < 0) return 0;
    }
}

/* node's comparator: by key down, then name down. */
static int mp__tk_sorted_cmp(const void *x, const void *y)
{
    const mp__tk_sorted *a = (const mp__tk_sorted *)x, *b = (const mp__tk_sorted *)y;
    if (a->key != b->key) return a->key < b->key ? 1 : -1;
    return -mp__tk_js_cmp(a->s, a->len, b->s, b->len);
}

static uint64_t mp__tk_totalticks(const mp_tick_profile *p)
{
    return p->ticks - (p->cfg.ignore_unknown ? p->unaccounted : 0);
}

static double mp__tk_pct(uint64_t ticks, uint64_t total)
{
    return (double)ticks * 100 / (double)total;
}

static int mp__tk_make_rows(mp_tick_profile *p)
{
    mp__tk_sorted *all = NULL;
    size_t n = 0, i, cap = 0;
    uint64_t total = mp__tk_totalticks(p), entries = 0;
    int sec;
    if (!mp__tk_grow((void **)&all, &cap, 1, sizeof *all)) goto nomem;
    for (i = 0; i < p->nstrs; i++) {
        if (!p->strs[i].self && !p->strs[i].centry) continue;
        if (!mp__tk_grow((void **)&all, &cap, n + 2, sizeof *all)) goto nomem;
        all[n].s = p->strs[i].s;
        all[n].len = p->strs[i].len;
        all[n].id = (uint32_t)i;
        all[n].key = p->strs[i].self;
        n++;
    }
    if (n) qsort(all, n, sizeof *all, mp__tk_sorted_cmp);
    for (sec = 0; sec < 3; sec++) {
        size_t k = 0;
        p->rows[sec] = (mp_tick_row *)MP_MALLOC((n + 1) * sizeof(mp_tick_row));
        p->row_ids[sec] = (uint32_t *)MP_MALLOC((n + 1) * sizeof(uint32_t));
        if (!p->rows[sec] || !p->row_ids[sec]) goto nomem;
        for (i = 0; i < n; i++) {
            const mp__tk_str *st = &p->strs[all[i].id];
            int in = sec == MP_TICK_SHARED ? st->ctype == MP__TK_CT_LIB
                   : sec == MP_TICK_JS ? (all[i].id != p->id_unknown && st->ctype == MP__TK_CT_NONE)
                   : st->ctype == MP__TK_CT_CPP;
            if (!in || st->self == 0) continue;
            p->rows[sec][k].name = st->s;
            p->rows[sec][k].ticks = st->self;
            p->rows[sec][k].pct = mp__tk_pct(st->self, total);
            p->row_ids[sec][k] = all[i].id;
            k++;
        }
        p->nrows[sec] = k;
    }
    /* [C++ entry points]: node sorts TOTAL among the entries and prints from index 1. */
    {
        size_t k = 0;
        for (i = 0; i < n; i++) {
            if (!p->strs[all[i].id].centry) continue;
            all[k] = all[i];
            all[k].key = p->strs[all[i].id].centry;
            entries += all[k].key;
            k++;
        }
        all[k].s = "TOTAL";
        all[k].len = 5;
        all[k].id = MP__TK_NONE;
        all[k].key = entries;
        k++;
        qsort(all, k, sizeof *all, mp__tk_sorted_cmp);
        p->entry_total = all[0].key;
        p->rows[MP_TICK_ENTRY] = (mp_tick_row *)MP_MALLOC(k * sizeof(mp_tick_row));
        p->row_ids[MP_TICK_ENTRY] = (uint32_t *)MP_MALLOC(k * sizeof(uint32_t));
        if (!p->rows[MP_TICK_ENTRY] || !p->row_ids[MP_TICK_ENTRY]) goto nomem;
        for (i = 1; i < k; i++) {
            mp_tick_row *r = &p->rows[MP_TICK_ENTRY][i - 1];
            r->name = all[i].s;
            r->ticks = all[i].key;
            r->pct = mp__tk_pct(all[i].key, p->entry_total);
            p->row_ids[MP_TICK_ENTRY][i - 1] = all[i].id;
        }
        p->nrows[MP_TICK_ENTRY] = k - 1;
    }
    MP_FREE(all);
    return 1;
nomem:
    MP_FREE(all);
    return 0;
}

static int mp__tk_make_view(mp_tick_profile *p)
{
    mp__tk_sorted *kids = NULL;
    size_t kcap = 0, head;
    uint32_t i;
    for (i = 0; i < p->ncn; i++) p->cn[i].total = p->cn[i].self;
    /* Children always come after their parent in the node array. */
    for (i = p->ncn; i-- > 1;) p->cn[p->cn[i].parent].total += p->cn[i].total;
    p->view = (mp_tick_node *)MP_MALLOC(p->ncn * sizeof *p->view);
    p->view_ids = (uint32_t *)MP_MALLOC(p->ncn * sizeof *p->view_ids);
    if (!p->view || !p->view_ids) return 0;
    p->view[0].name = "";
    p->view[0].total = mp__tk_totalticks(p);
    p->view_ids[0] = 0;
    p->nview = 1;
    for (head = 0; head < p->nview; head++) {
        uint32_t c, k = 0;
        for (c = p->cn[p->view_ids[head]].first_child; c != MP__TK_NONE; c = p->cn[c].next_sibling) {
            const mp__tk_str *st = &p->strs[p->cn[c].label];
            if (!mp__tk_grow((void **)&kids, &kcap, (size_t)k + 1, sizeof *kids)) {
                MP_FREE(kids);
                return 0;
            }
            kids[k].s = st->s;
            kids[k].len = st->len;
            kids[k].id = c;
            kids[k].key = p->cn[c].total;
            k++;
        }
        if (k > 1) qsort(kids, k, sizeof *kids, mp__tk_sorted_cmp);
        p->view[head].first_child = (uint32_t)p->nview;
        p->view[head].n_children = k;
        for (c = 0; c < k; c++) {
            mp_tick_node *v = &p->view[p->nview];
            v->name = kids[c].s;
            v->total = kids[c].key;
            v->first_child = 0;
            v->n_children = 0;
            p->view_ids[p->nview++] = kids[c].id;
        }
    }
    MP_FREE(kids);
    return 1;
}

MP__DEF mp_err mp_tick_finish(mp_tick_profile *p, mp_error *err)
{
    mp_tick_summary *s = &p->sum;
    size_t i;
    if (p->finished) return MP_OK;
    if (p->carry.len && !p->stopped)
        mp__tk_warn(p, "Profile file %s is broken: its last line has no newline and was "
                       "dropped", p->name);
    p->carry.len = 0;
    p->stopped = 1;
    if (p->warn_dropped)
        mp__tk_warn(p, "%llu more warnings like the ones above were left out",
                    (unsigned long long)p->warn_dropped);
    p->warn_dropped = 0;
    if (p->unknown_moves)
        mp__tk_warn(p, "%llu code-move event%s for unknown code (first: from 0x%llx)",
                    (unsigned long long)p->unknown_moves, p->unknown_moves == 1 ? "" : "s",
                    (unsigned long long)p->first_unknown_move);
    if (p->unknown_deletes)
        mp__tk_warn(p, "%llu code-delete event%s for unknown code (first: 0x%llx)",
                    (unsigned long long)p->unknown_deletes, p->unknown_deletes == 1 ? "" : "s",
                    (unsigned long long)p->first_unknown_delete);
    if (p->dropped_frames)
        mp__tk_warn(p, "dropped %llu unknown tick frame%s (overflow)",
                    (unsigned long long)p->dropped_frames, p->dropped_frames == 1 ? "" : "s");
    p->unknown_moves = p->unknown_deletes = p->dropped_frames = 0;
    if (p->failed || !mp__tk_make_rows(p) || !mp__tk_make_view(p)) {
        mp__tk_reset_views(p);
        return mp__nomem(err);
    }
    memset(s, 0, sizeof *s);
    s->ticks = p->ticks;
    s->unaccounted = p->unaccounted;
    s->excluded = p->excluded;
    s->total = mp__tk_totalticks(p);
    s->gc = p->gc;
    for (i = 0; i < p->nrows[MP_TICK_JS]; i++) s->js += p->rows[MP_TICK_JS][i].ticks;
    for (i = 0; i < p->nrows[MP_TICK_CPP]; i++) s->cpp += p->rows[MP_TICK_CPP][i].ticks;
    for (i = 0; i < p->nrows[MP_TICK_SHARED]; i++) s->shared += p->rows[MP_TICK_SHARED][i].ticks;
    s->lines = p->lines;
    s->unknown_records = p->unknown_records;
    s->bad_lines = p->bad_lines;
    p->finished = 1;
    return MP_OK;
}

MP__DEF void mp_tick_get_summary(const mp_tick_profile *p, mp_tick_summary *s) { *s = p->sum; }

MP__DEF size_t mp_tick_rows(const mp_tick_profile *p, mp_tick_section section,
                            const mp_tick_row **rows)
{
    if ((unsigned)section > MP_TICK_ENTRY || !p->finished) { *rows = NULL; return 0; }
    *rows = p->rows[section];
    return p->nrows[section];
}

MP__DEF size_t mp_tick_bottom_up(const mp_tick_profile *p, const mp_tick_node **nodes)
{
    *nodes = p->finished ? p->view : NULL;
    return p->finished ? p->nview : 0;
}

MP__DEF size_t mp_tick_warnings(const mp_tick_profile *p, const char *const **list)
{
    *list = (const char *const *)p->warn;
    return p->nwarn;
}

static mp_err mp__tk_read_fd(mp_tick_profile *p, int fd, const char *shown, mp_error *err)
{
    char *buf = (char *)MP_MALLOC(MP__TK_READ_CHUNK);
    mp_err rc = MP_OK;
    if (!buf) return mp__nomem(err);
    for (;;) {
        ssize_t r = read(fd, buf, MP__TK_READ_CHUNK);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { rc = mp__fail_errno(err, errno, "cannot read", shown); break; }
        if (r == 0) break;
        if ((rc = mp_tick_feed(p, buf, (size_t)r, err)) != MP_OK) break;
        if (p->stopped) break;
    }
    MP_FREE(buf);
    if (rc == MP_OK) rc = mp_tick_finish(p, err);
    return rc;
}

static int mp__tk_is_stdin(const char *path) { return strcmp(path, "-") == 0; }

static mp_err mp__tk_open(const char *path, int *fd, mp_error *err)
{
    struct stat st;
    if (mp__tk_is_stdin(path)) { *fd = 0; return MP_OK; }
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0) return mp__fail_errno(err, errno, "cannot open log", path);
    if (fstat(*fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(*fd);
        return mp__fail(err, MP_ERR_INVALID_ARG, EISDIR, "cannot read log '%s': it is a directory",
                        path);
    }
    return MP_OK;
}

MP__DEF mp_err mp_tick_parse_fd(int fd, const char *name, const mp_tick_config *cfg,
                                mp_tick_profile **out, mp_error *err)
{
    mp_err rc = mp_tick_new(cfg, name, out, err);
    if (rc != MP_OK) return rc;
    rc = mp__tk_read_fd(*out, fd, name ? name : "log", err);
    if (rc != MP_OK) { mp_tick_free(*out); *out = NULL; }
    return rc;
}

MP__DEF mp_err mp_tick_parse_file(const char *path, const mp_tick_config *cfg,
                                  mp_tick_profile **out, mp_error *err)
{
    int fd;
    mp_err rc;
    *out = NULL;
    if (!path) return mp__fail(err, MP_ERR_INVALID_ARG, 0, "no log file given");
    if ((rc = mp__tk_open(path, &fd, err)) != MP_OK) return rc;
    rc = mp_tick_parse_fd(fd, path, cfg, out, err);
    if (!mp__tk_is_stdin(path)) close(fd);
    return rc;
}

MP__DEF mp_err mp_tick_add_file(mp_tick_profile *p, const char *path, mp_error *err)
{
    int fd;
    mp_err rc;
    if ((rc = mp__tk_open(path, &fd, err)) != MP_OK) return rc;
    if (p->finished) {
        mp__tk_reset_views(p);
        mp__tk_next_log(p);
        p->logs++;
    }
    rc = mp__tk_read_fd(p, fd, path, err);
    if (!mp__tk_is_stdin(path)) close(fd);
    return rc;
}

MP__DEF void mp_tick_free(mp_tick_profile *p)
{
    size_t i;
    if (!p) return;
    mp__tk_reset_views(p);
    while (p->chunks) {
        mp__tk_chunk *next = p->chunks->next;
        MP_FREE(p->chunks);
        p->chunks = next;
    }
    MP_FREE(p->strs);
    MP_FREE(p->htab);
    MP_FREE(p->ents);
    MP_FREE(p->dyn.n);
    MP_FREE(p->stat);
    MP_FREE(p->pending);
    MP_FREE(p->lib.n);
    MP_FREE(p->spans);
    mp__tk_map_free(&p->libs_warned);
    mp__tk_map_free(&p->children);
    MP_FREE(p->del_scratch);
    MP_FREE(p->stack);
    MP_FREE(p->names);
    MP_FREE(p->cn);
    mp_buf_free(&p->carry);
    mp_buf_free(&p->esc_a);
    mp_buf_free(&p->esc_b);
    mp_buf_free(&p->esc_num);
    mp_buf_free(&p->tmp);
    MP_FREE(p->fp);
    MP_FREE(p->fl);
    for (i = 0; i < p->nwarn; i++) MP_FREE(p->warn[i]);
    MP_FREE(p->warn);
    MP_FREE(p->name);
    MP_FREE(p->runtime_timer);
    mp_symtab_free(p->own_symbols);
    MP_FREE(p);
}

/* ---- REPORT ----------------------------------------------------------------------------- */

/* `${s}`.padStart(5) for the ASCII numbers the report prints. */
static void mp__rp_pad5(mp_buf *out, const char *s, size_t n)
{
    static const char spaces[] = "     ";
    if (n < 5) mp_buf_append(out, spaces, 5 - n);
    mp_buf_append(out, s, n);
}

static void mp__rp_fixed(mp_buf *out, mp_buf *tmp, double x)
{
    tmp->len = 0;
    mp_buf_js_fixed(tmp, x, 1);
    mp__rp_pad5(out, tmp->data ? tmp->data : "", tmp->len);
}

static void mp__rp_count(mp_buf *out, uint64_t n)
{
    char num[32];
    int k = snprintf(num, sizeof num, "%llu", (unsigned long long)n);
    mp__rp_pad5(out, num, (size_t)k);
}

/* TickProcessor.printLine; nonlib < 0 means "no nonlib column". */
static void mp__rp_line(mp_buf *out, mp_buf *tmp, const char *name, size_t name_len,
                        uint64_t ticks, uint64_t total, int has_nonlib, int64_t nonlib)
{
    mp_buf_append(out, "  ", 2);
    mp__rp_count(out, ticks);
    mp_buf_append(out, "  ", 2);
    mp__rp_fixed(out, tmp, mp__tk_pct(ticks, total));
    mp_buf_append(out, "%  ", 3);
    if (has_nonlib) {
        mp__rp_fixed(out, tmp, (double)ticks * 100 / (double)nonlib);
        mp_buf_append(out, "%  ", 3);
    } else {
        mp_buf_append(out, "        ", 8);
    }
    mp_buf_append(out, name, name_len);
    mp_buf_append(out, "\n", 1);
}

static void mp__rp_header(mp_buf *out, const char *title)
{
    mp_buf_printf(out, "\n [%s]:\n   ticks  total  nonlib   name\n", title);
}

static void mp__rp_heavy(const mp_tick_profile *p, mp_buf *out, mp_buf *tmp, uint32_t parent,
                         int indent)
{
    uint32_t i;
    const mp_tick_node *par = &p->view[parent];
    for (i = 0; i < par->n_children; i++) {
        uint32_t c = par->first_child + i;
        const mp_tick_node *n = &p->view[c];
        const mp__tk_str *st = &p->strs[p->cn[p->view_ids[c]].label];
        double pct = (double)n->total / (double)par->total * 100.0;
        int k;
        if (pct < 1.0) continue;
        mp_buf_append(out, "  ", 2);
        mp__rp_count(out, n->total);
        mp_buf_append(out, "  ", 2);
        mp__rp_fixed(out, tmp, pct);
        mp_buf_append(out, "%  ", 3);
        for (k = 0; k < indent; k++) mp_buf_append(out, " ", 1);
        mp_buf_append(out, st->s, st->len);
        mp_buf_append(out, "\n", 1);
        if (indent < 2 * (p->depth - 1)) mp__rp_heavy(p, out, tmp, c, indent + 2);
        if (indent == 0) mp_buf_append(out, "\n", 1);
    }
}

static const char *mp__rp_name_of(const mp_tick_profile *p, int sec, size_t i, size_t *len)
{
    uint32_t id = p->row_ids[sec][i];
    if (id == MP__TK_NONE) { *len = 5; return "TOTAL"; }
    *len = p->strs[id].len;
    return p->strs[id].s;
}

static void mp__rp_section(const mp_tick_profile *p, mp_buf *out, mp_buf *tmp, int sec,
                           uint64_t total, int has_nonlib, int64_t nonlib)
{
    size_t i, len;
    for (i = 0; i < p->nrows[sec]; i++) {
        const char *name = mp__rp_name_of(p, sec, i, &len);
        mp__rp_line(out, tmp, name, len, p->rows[sec][i].ticks, total, has_nonlib, nonlib);
    }
}

MP__DEF mp_err mp_report_text(const mp_tick_profile *p, const mp_report_options *opts,
                              mp_buf *out, mp_error *err)
{
    const char *name = opts && opts->log_name ? opts->log_name : p->name;
    int all = !(opts && opts->only_summary);
    const mp_tick_summary *s = &p->sum;
    mp_buf tmp;
    int64_t nonlib;
    size_t i, len;
    memset(&tmp, 0, sizeof tmp);
    if (!p->finished)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "report: the profile is not finished");
    mp_buf_printf(out, "Statistical profiling result from %s, (%llu ticks, %llu unaccounted, "
                       "%llu excluded).\n", name, (unsigned long long)s->ticks,
                  (unsigned long long)s->unaccounted, (unsigned long long)s->excluded);
    if (s->ticks == 0) goto done;
    nonlib = (int64_t)s->total - (int64_t)s->shared;
    if (all) {
        mp__rp_header(out, "Shared libraries");
        mp__rp_section(p, out, &tmp, MP_TICK_SHARED, s->total, 0, 0);
        mp__rp_header(out, "JavaScript");
        mp__rp_section(p, out, &tmp, MP_TICK_JS, s->total, 1, nonlib);
        mp__rp_header(out, "C++");
        mp__rp_section(p, out, &tmp, MP_TICK_CPP, s->total, 1, nonlib);
    }
    mp__rp_header(out, "Summary");
    mp__rp_line(out, &tmp, "JavaScript", 10, s->js, s->total, 1, nonlib);
    mp__rp_line(out, &tmp, "C++", 3, s->cpp, s->total, 1, nonlib);
    mp__rp_line(out, &tmp, "GC", 2, s->gc, s->total, 1, nonlib);
    mp__rp_line(out, &tmp, "Shared libraries", 16, s->shared, s->total, 0, 0);
    if (!p->cfg.ignore_unknown && s->unaccounted > 0)
        mp__rp_line(out, &tmp, "Unaccounted", 11, s->unaccounted, s->ticks, 0, 0);
    if (all) {
        mp_buf_puts(out, "\n [C++ entry points]:\n   ticks    cpp   total   name\n");
        for (i = 0; i < p->nrows[MP_TICK_ENTRY]; i++) {
            const char *n = mp__rp_name_of(p, MP_TICK_ENTRY, i, &len);
            mp__rp_line(out, &tmp, n, len, p->rows[MP_TICK_ENTRY][i].ticks, p->entry_total, 1,
                        (int64_t)s->total);
        }
        mp_buf_puts(out, "\n [Bottom up (heavy) profile]:\n"
                         "  Note: percentage shows a share of a particular caller in the total\n"
                         "  amount of its parent calls.\n"
                         "  Callers occupying less than 1.0% are not shown.\n\n"
                         "   ticks parent  name\n");
        mp__rp_heavy(p, out, &tmp, 0, 0);
    }
done:
    mp_buf_free(&tmp);
    if (out->failed || tmp.failed) return mp__nomem(err);
    return MP_OK;
}

static void mp__rp_json_rows(const mp_tick_profile *p, mp_buf *out, int sec, uint64_t base)
{
    size_t i, len;
    mp_buf_puts(out, "[");
    for (i = 0; i < p->nrows[sec]; i++) {
        const char *n = mp__rp_name_of(p, sec, i, &len);
        if (i) mp_buf_puts(out, ",");
        mp_buf_puts(out, "{\"name\":");
        mp_buf_json_string(out, n, len);
        mp_buf_printf(out, ",\"ticks\":%llu,\"pct\":", (unsigned long long)p->rows[sec][i].ticks);
        mp_buf_js_number(out, mp__tk_pct(p->rows[sec][i].ticks, base));
        mp_buf_puts(out, "}");
    }
    mp_buf_puts(out, "]");
}

static void mp__rp_json_node(const mp_tick_profile *p, mp_buf *out, uint32_t i, int depth)
{
    const mp_tick_node *n = &p->view[i];
    uint32_t k;
    mp_buf_puts(out, "{\"name\":");
    if (i == 0) mp_buf_puts(out, "\"\"");
    else {
        const mp__tk_str *st = &p->strs[p->cn[p->view_ids[i]].label];
        mp_buf_json_string(out, st->s, st->len);
    }
    mp_buf_printf(out, ",\"ticks\":%llu", (unsigned long long)n->total);
    if (n->n_children && depth < p->depth) {
        mp_buf_puts(out, ",\"children\":[");
        for (k = 0; k < n->n_children; k++) {
            if (k) mp_buf_puts(out, ",");
            mp__rp_json_node(p, out, n->first_child + k, depth + 1);
        }
        mp_buf_puts(out, "]");
    }
    mp_buf_puts(out, "}");
}

MP__DEF mp_err mp_report_json(const mp_tick_profile *p, const mp_report_options *opts,
                              mp_buf *out, mp_error *err)
{
    const char *name = opts && opts->log_name ? opts->log_name : p->name;
    const mp_tick_summary *s = &p->sum;
    size_t i;
    if (!p->finished)
        return mp__fail(err, MP_ERR_INVALID_ARG, 0, "report: the profile is not finished");
    mp_buf_puts(out, "{\"log\":");
    mp_buf_json_string(out, name, strlen(name));
    mp_buf_printf(out, ",\"ticks\":{\"total\":%llu,\"unaccounted\":%llu,\"excluded\":%llu,"
                       "\"base\":%llu}",
                  (unsigned long long)s->ticks, (unsigned long long)s->unaccounted,
                  (unsigned long long)s->excluded, (unsigned long long)s->total);
    mp_buf_puts(out, ",\"shared\":");
    mp__rp_json_rows(p, out, MP_TICK_SHARED, s->total);
    mp_buf_puts(out, ",\"javascript\":");
    mp__rp_json_rows(p, out, MP_TICK_JS, s->total);
    mp_buf_puts(out, ",\"cpp\":");
    mp__rp_json_rows(p, out, MP_TICK_CPP, s->total);
    mp_buf_printf(out, ",\"summary\":{\"javascript\":%llu,\"cpp\":%llu,\"gc\":%llu,"
                       "\"shared\":%llu,\"unaccounted\":%llu}",
                  (unsigned long long)s->js, (unsigned long long)s->cpp,
                  (unsigned long long)s->gc, (unsigned long long)s->shared,
                  (unsigned long long)s->unaccounted);
    mp_buf_puts(out, ",\"entry_points\":");
    mp__rp_json_rows(p, out, MP_TICK_ENTRY, p->entry_total);
    mp_buf_puts(out, ",\"bottom_up\":");
    mp__rp_json_node(p, out, 0, 0);
    mp_buf_printf(out, ",\"records\":{\"lines\":%llu,\"unknown\":%llu,\"skipped\":%llu}",
                  (unsigned long long)s->lines, (unsigned long long)s->unknown_records,
                  (unsigned long long)s->bad_lines);
    mp_buf_puts(out, ",\"warnings\":[");
    for (i = 0; i < p->nwarn; i++) {
        if (i) mp_buf_puts(out, ",");
        mp_buf_json_string(out, p->warn[i], strlen(p->warn[i]));
    }
    mp_buf_puts(out, "]}\n");
    if (out->failed) return mp__nomem(err);
    return MP_OK;
}
