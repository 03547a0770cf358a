/* parts/sym_impl.h: pasted into medprof.h at its place; no include guard. */
#include <dlfcn.h>
#include <ctype.h>
#include <pthread.h>
#include <sys/mman.h>

/* ============================================================================================
   SYMBOLS implementation
   ============================================================================================

   What node's tick processor learns from `nm -C -n -S` and `nm -C -n -S -D`, read from the ELF
   file itself: for each table, the symbols nm would print with the letter t, T, w or W and an
   address, in nm's order (address, then name, then table index, as glibc's stable qsort
   leaves them), named as nm -C names them. Placement and V8's addEntry rules then run over
   that stream exactly as tickprocessor.mjs runs over nm's output. */

/* ---- little-endian fields, read at checked offsets ---------------------------------------- */

static uint16_t mp__le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t mp__le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t mp__le64(const unsigned char *p)
{
    return (uint64_t)mp__le32(p) | (uint64_t)mp__le32(p + 4) << 32;
}

/* [off, off+len) lies inside a buffer of size bytes, without overflow. */
static int mp__in_bounds(uint64_t off, uint64_t len, uint64_t size)
{
    return off <= size && len <= size - off;
}

/* ---- string arena: names live here, pointers stay valid until it is freed ----------------- */

typedef struct mp__arena_chunk {
    struct mp__arena_chunk *next;
    size_t used, cap;
} mp__arena_chunk;

typedef struct mp__arena {
    mp__arena_chunk *head;
} mp__arena;

static char *mp__arena_alloc(mp__arena *a, size_t n)
{
    mp__arena_chunk *c = a->head;
    char *p;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > ((size_t)1 << 20) ? n : ((size_t)1 << 20);
        c = (mp__arena_chunk *)MP_MALLOC(sizeof *c + cap);
        if (!c) return NULL;
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    p = (char *)(c + 1) + c->used;
    c->used += n;
    return p;
}

static const char *mp__arena_strndup(mp__arena *a, const char *s, size_t n)
{
    char *p = mp__arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void mp__arena_free(mp__arena *a)
{
    while (a->head) {
        mp__arena_chunk *next = a->head->next;
        MP_FREE(a->head);
        a->head = next;
    }
}

/* ---- types ----------------------------------------------------------------------------------- */

/* One symbol nm would print with t, T, w or W. */
typedef struct mp__esym {
    uint64_t vma, size;  /* size 0: nm prints none, V8 takes the end from the next symbol */
    const char *raw;     /* the name; dynamic ones carry "@@VERSION" */
    const char *shown;   /* as nm -C prints it; NULL until first needed */
    uint32_t keylen;     /* nm sorts by raw[0, keylen): the name without the version */
    uint32_t index;      /* in its table: nm's order among equal addresses and names */
    char letter;
} mp__esym;

typedef struct mp__seg {
    uint64_t offset, vaddr, memsz;
    uint32_t flags;      /* PF_X 1, PF_W 2, PF_R 4 */
} mp__seg;

typedef struct mp__symlib {
    char *path;
    mp_err status;       /* a library that failed once is not read again */
    char *msg;
    int is_exec;         /* ET_EXEC: addresses are absolute; else relative to the load base */
    mp__seg *segs;
    size_t nsegs;
    mp__esym *syms;      /* .symtab's in nm order, then .dynsym's in nm -D order */
    size_t nsyms, nstatic;
    mp__arena names;
} mp__symlib;

typedef struct mp__symplace {
    mp__symlib *lib;
    uint64_t start, end, slide;
    mp_sym *syms;
    size_t n;
} mp__symplace;

typedef char *(*mp__demangle_fn)(const char *, char *, size_t *, int *);

struct mp_symtab {
    mp__symlib **libs;
    size_t nlibs, caplibs;
    mp__symplace *places;
    size_t nplaces, capplaces;
    char *symbols_file;  /* set once a symbols file is loaded: local files are not used */
    void *cxx;           /* libstdc++, for __cxa_demangle */
    mp__demangle_fn demangle;
    int demangle_tried;
    char *warning;
};

/* ---- ELF reading ----------------------------------------------------------------------------- */

#define MP__SHT_SYMTAB 2u
#define MP__SHT_NOBITS 8u
#define MP__SHT_DYNSYM 11u
#define MP__SHT_SYMTAB_SHNDX 18u
#define MP__SHT_VERDEF 0x6ffffffdu
#define MP__SHT_VERNEED 0x6ffffffeu
#define MP__SHT_VERSYM 0x6fffffffu
#define MP__SHF_EXECINSTR 0x4u
#define MP__SHN_UNDEF 0u
#define MP__SHN_LORESERVE 0xff00u
#define MP__SHN_ABS 0xfff1u
#define MP__SHN_COMMON 0xfff2u
#define MP__SHN_XINDEX 0xffffu
#define MP__PT_LOAD 1u
#define MP__ELF_SHDR_SIZE 64u
#define MP__ELF_PHDR_SIZE 56u
#define MP__ELF_SYM_SIZE 24u

typedef struct mp__shdr {
    uint32_t name, type, link, info;
    uint64_t flags, addr, offset, size, entsize;
} mp__shdr;

typedef struct mp__elf {
    const char *path;
    const unsigned char *data;
    uint64_t size;
    uint16_t type, machine;
    uint64_t shoff, phoff;
    uint32_t shnum, phnum, shentsize, phentsize;
} mp__elf;

static mp_err mp__elf_bad(const mp__elf *e, mp_error *err, const char *what)
{
    return mp__fail(err, MP_ERR_PARSE, 0, "%s: malformed ELF file: %s", e->path, what);
}

static int mp__elf_shdr(const mp__elf *e, uint32_t i, mp__shdr *sh)
{
    const unsigned char *p;
    uint64_t off;
    if (i >= e->shnum) return 0;
    off = e->shoff + (uint64_t)i * e->shentsize;
    if (!mp__in_bounds(off, MP__ELF_SHDR_SIZE, e->size)) return 0;
    p = e->data + off;
    sh->name = mp__le32(p);
    sh->type = mp__le32(p + 4);
    sh->flags = mp__le64(p + 8);
    sh->addr = mp__le64(p + 16);
    sh->offset = mp__le64(p + 24);
    sh->size = mp__le64(p + 32);
    sh->link = mp__le32(p + 40);
    sh->info = mp__le32(p + 44);
    sh->entsize = mp__le64(p + 56);
    return 1;
}

/* The bytes of a section that has some in the file; NULL if it lies outside. */
static const unsigned char *mp__elf_section_data(const mp__elf *e, const mp__shdr *sh)
{
    if (sh->type == MP__SHT_NOBITS || !mp__in_bounds(sh->offset, sh->size, e->size)) return NULL;
    return e->data + sh->offset;
}

static mp_err mp__elf_header(mp__elf *e, mp_error *err)
{
    const unsigned char *h = e->data;
    uint16_t machine;
    if (e->size < 4 || memcmp(h, "\177ELF", 4) != 0)
        return mp__fail(err, MP_ERR_PARSE, 0, "%s: not an ELF file", e->path);
    if (e->size < 64) return mp__elf_bad(e, err, "truncated header");
    if (h[4] != 2) return mp__fail(err, MP_ERR_UNSUPPORTED, 0, "%s: 32-bit ELF is not supported", e->path);
    if (h[5] != 1)
        return mp__fail(err, MP_ERR_UNSUPPORTED, 0, "%s: big-endian ELF is not supported", e->path);
    e->type = mp__le16(h + 16);
    machine = e->machine = mp__le16(h + 18);
    if (machine != 62 && machine != 183) /* EM_X86_64, EM_AARCH64 */
        return mp__fail(err, MP_ERR_UNSUPPORTED, 0,
                        "%s: ELF machine %u is not supported (x86-64 and aarch64 are)", e->path,
                        (unsigned)machine);
    if (e->type != 2 && e->type != 3)
        return mp__fail(err, MP_ERR_UNSUPPORTED, 0,
                        "%s: ELF type %u is neither an executable nor a shared object", e->path,
                        (unsigned)e->type);
    e->phoff = mp__le64(h + 32);
    e->shoff = mp__le64(h + 40);
    e->phentsize = mp__le16(h + 54);
    e->phnum = mp__le16(h + 56);
    e->shentsize = mp__le16(h + 58);
    e->shnum = mp__le16(h + 60);
    if (e->shnum == 0 && e->shoff != 0) { /* more than 0xff00 sections: count in section 0 */
        mp__shdr s0;
        e->shnum = 1;
        e->shentsize = e->shentsize ? e->shentsize : MP__ELF_SHDR_SIZE;
        if (e->shentsize >= MP__ELF_SHDR_SIZE && mp__elf_shdr(e, 0, &s0))
            e->shnum = s0.size > 0xffffffu ? 0xffffffu : (uint32_t)s0.size;
    }
    if (e->shnum && (e->shentsize < MP__ELF_SHDR_SIZE ||
                     !mp__in_bounds(e->shoff, (uint64_t)e->shnum * e->shentsize, e->size)))
        return mp__elf_bad(e, err, "section headers outside the file");
    if (e->phnum && (e->phentsize < MP__ELF_PHDR_SIZE ||
                     !mp__in_bounds(e->phoff, (uint64_t)e->phnum * e->phentsize, e->size)))
        return mp__elf_bad(e, err, "program headers outside the file");
    return MP_OK;
}

static mp_err mp__elf_segments(const mp__elf *e, mp__symlib *lib, mp_error *err)
{
    uint32_t i;
    lib->segs = (mp__seg *)MP_MALLOC((e->phnum ? e->phnum : 1) * sizeof *lib->segs);
    if (!lib->segs) return mp__nomem(err);
    for (i = 0; i < e->phnum; i++) {
        const unsigned char *p = e->data + e->phoff + (uint64_t)i * e->phentsize;
        mp__seg *s;
        if (mp__le32(p) != MP__PT_LOAD) continue;
        s = &lib->segs[lib->nsegs++];
        s->flags = mp__le32(p + 4);
        s->offset = mp__le64(p + 8);
        s->vaddr = mp__le64(p + 16);
        s->memsz = mp__le64(p + 40);
    }
    return MP_OK;
}

/* A NUL-terminated string at off in a string table; a name running off its end stops there
   (binutils terminates the table), an offset outside it reads "(null)" as bfd prints it. */
static const char *mp__elf_str(const unsigned char *tab, uint64_t tabsize, uint64_t off,
                               size_t *len)
{
    const char *s;
    if (!tab || off >= tabsize) { *len = 6; return "(null)"; }
    s = (const char *)tab + off;
    *len = strnlen(s, (size_t)(tabsize - off));
    return s;
}

/* Version names by index, as bfd's _bfd_elf_get_symbol_version_string needs them. */
typedef struct mp__elf_versions {
    int present;             /* .gnu.version and (.gnu.version_d or .gnu.version_r) */
    const unsigned char *versym;
    uint64_t nversym;
    const char **def;        /* by vd_ndx - 1; NULL where there is none */
    uint16_t *def_flags;
    uint32_t ndef;           /* bfd's cverdefs: the largest vd_ndx */
    const char **need;       /* by vna_other; NULL where there is none */
    uint32_t nneed;
} mp__elf_versions;

static void mp__elf_versions_free(mp__elf_versions *v)
{
    MP_FREE((void *)v->def);
    MP_FREE(v->def_flags);
    MP_FREE((void *)v->need);
}

/* Walks .gnu.version_d or _r: pass 1 finds the largest index, pass 2 fills names. Chains are
   followed at most sh_info times and only forwards inside the section, so loops end. */
static void mp__elf_walk_verdef(const mp__elf *e, const mp__shdr *sh, const unsigned char *str,
                                uint64_t strsize, mp__elf_versions *v, int fill)
{
    const unsigned char *d = mp__elf_section_data(e, sh);
    uint64_t off = 0, k;
    if (!d) return;
    for (k = 0; k < sh->info && mp__in_bounds(off, 20, sh->size); k++) {
        const unsigned char *p = d + off;
        uint32_t ndx = mp__le16(p + 4) & 0x7fffu, aux = mp__le32(p + 12), next = mp__le32(p + 16);
        uint16_t cnt = mp__le16(p + 6);
        if (!fill) {
            if (ndx > v->ndef) v->ndef = ndx;
        } else if (ndx >= 1 && ndx <= v->ndef) {
            v->def_flags[ndx - 1] = mp__le16(p + 2);
            if (cnt && mp__in_bounds(off + aux, 8, sh->size)) {
                size_t len;
                v->def[ndx - 1] = mp__elf_str(str, strsize, mp__le32(d + off + aux), &len);
            }
        }
        if (next == 0) break;
        off += next;
    }
}

static void mp__elf_walk_verneed(const mp__elf *e, const mp__shdr *sh, const unsigned char *str,
                                 uint64_t strsize, mp__elf_versions *v, int fill)
{
    const unsigned char *d = mp__elf_section_data(e, sh);
    uint64_t off = 0, k;
    if (!d) return;
    for (k = 0; k < sh->info && mp__in_bounds(off, 16, sh->size); k++) {
        const unsigned char *p = d + off;
        uint32_t cnt = mp__le16(p + 2), next = mp__le32(p + 12), j;
        uint64_t aoff = off + mp__le32(p + 8);
        for (j = 0; j < cnt && mp__in_bounds(aoff, 16, sh->size); j++) {
            const unsigned char *a = d + aoff;
            uint32_t other = mp__le16(a + 6) & 0x7fffu, anext = mp__le32(a + 12);
            if (!fill) {
                if (other + 1 > v->nneed) v->nneed = other + 1;
            } else if (other < v->nneed && !v->need[other]) {
                size_t len;
                v->need[other] = mp__elf_str(str, strsize, mp__le32(a + 8), &len);
            }
            if (anext == 0) break;
            aoff += anext;
        }
        if (next == 0) break;
        off += next;
    }
}

static mp_err mp__elf_versions_read(const mp__elf *e, uint32_t dynsym_index, mp__elf_versions *v,
                                    mp_error *err)
{
    mp__shdr sh, vs, vd, vn, str;
    int have_vs = 0, have_vd = 0, have_vn = 0;
    const unsigned char *vdstr = NULL, *vnstr = NULL;
    uint64_t vdstrsize = 0, vnstrsize = 0;
    uint32_t i;
    memset(v, 0, sizeof *v);
    memset(&vs, 0, sizeof vs);
    memset(&vd, 0, sizeof vd);
    memset(&vn, 0, sizeof vn);
    for (i = 0; i < e->shnum; i++) {
        if (!mp__elf_shdr(e, i, &sh)) continue;
        if (sh.type == MP__SHT_VERSYM && !have_vs && sh.link == dynsym_index) { vs = sh; have_vs = 1; }
        if (sh.type == MP__SHT_VERDEF && !have_vd) { vd = sh; have_vd = 1; }
        if (sh.type == MP__SHT_VERNEED && !have_vn) { vn = sh; have_vn = 1; }
    }
    if (!have_vs || !(have_vd || have_vn)) return MP_OK;
    v->present = 1;
    v->versym = mp__elf_section_data(e, &vs);
    v->nversym = v->versym ? vs.size / 2 : 0;
    if (have_vd && mp__elf_shdr(e, vd.link, &str)) {
        vdstr = mp__elf_section_data(e, &str);
        vdstrsize = vdstr ? str.size : 0;
    }
    if (have_vn && mp__elf_shdr(e, vn.link, &str)) {
        vnstr = mp__elf_section_data(e, &str);
        vnstrsize = vnstr ? str.size : 0;
    }
    if (have_vd) mp__elf_walk_verdef(e, &vd, vdstr, vdstrsize, v, 0);
    if (have_vn) mp__elf_walk_verneed(e, &vn, vnstr, vnstrsize, v, 0);
    if (v->ndef) {
        v->def = (const char **)MP_MALLOC(v->ndef * sizeof *v->def);
        v->def_flags = (uint16_t *)MP_MALLOC(v->ndef * sizeof *v->def_flags);
        if (!v->def || !v->def_flags) return mp__nomem(err);
        memset((void *)v->def, 0, v->ndef * sizeof *v->def);
        memset(v->def_flags, 0, v->ndef * sizeof *v->def_flags);
        mp__elf_walk_verdef(e, &vd, vdstr, vdstrsize, v, 1);
    }
    if (v->nneed) {
        v->need = (const char **)MP_MALLOC(v->nneed * sizeof *v->need);
        if (!v->need) return mp__nomem(err);
        memset((void *)v->need, 0, v->nneed * sizeof *v->need);
        mp__elf_walk_verneed(e, &vn, vnstr, vnstrsize, v, 1);
    }
    return MP_OK;
}

/* The "@@VERSION" or "@VERSION" nm -D appends to a defined dynamic symbol, or NULL. */
static const char *mp__elf_version(const mp__elf_versions *v, uint64_t index, const char *name,
                                   int *hidden)
{
    uint32_t vernum;
    const char *s;
    if (!v->present) return NULL;
    vernum = index < v->nversym ? mp__le16(v->versym + 2 * index) : 0;
    *hidden = (vernum & 0x8000u) != 0;
    vernum &= 0x7fffu;
    if (vernum == 0) return NULL;
    if (vernum == 1 && (vernum > v->ndef || v->def_flags[0] == 1 /* VER_FLG_BASE */)) return NULL;
    if (vernum <= v->ndef) {
        s = v->def[vernum - 1];
        return s && strcmp(s, name) != 0 ? s : NULL;
    }
    if (vernum < v->nneed && v->need[vernum]) {
        *hidden = 1;
        return v->need[vernum];
    }
    return "<corrupt>";
}

/* nm's letter for a symbol (bfd_decode_symclass), or 0 when nm would not print it with an
   address: undefined, debugging (section, file) and common symbols. */
static char mp__elf_letter(unsigned info, uint32_t shndx, int exec_section)
{
    unsigned type = info & 0xfu, bind = info >> 4;
    char c;
    if (type == 3 || type == 4) return 0;                       /* STT_SECTION, STT_FILE */
    if (shndx == MP__SHN_UNDEF || shndx == MP__SHN_COMMON) return 0;
    if (type == 10) return 'i';                                  /* STT_GNU_IFUNC */
    if (bind == 2) return (type == 1 || type == 5) ? 'V' : 'W';  /* STB_WEAK; OBJECT, COMMON */
    if (bind == 10) return 'u';                                  /* STB_GNU_UNIQUE */
    if (bind != 0 && bind != 1) return '?';
    if (shndx == MP__SHN_ABS) c = 'a';
    else c = exec_section ? 't' : 'd'; /* only t/T matter to V8; the rest are not told apart */
    return bind == 1 ? (char)(c - 'a' + 'A') : c;
}

/* AArch64's mapping symbols ("$x", "$d", "$x.42"): nm hides them as target-special. */
static int mp__aarch64_mapping_symbol(const char *name)
{
    return name[0] == '$' && (name[1] == 'x' || name[1] == 'd') && (name[2] == '\0' || name[2] == '.');
}

static int mp__esym_nm_order(const void *pa, const void *pb)
{
    const mp__esym *a = (const mp__esym *)pa, *b = (const mp__esym *)pb;
    int c;
    if (a->vma != b->vma) return a->vma < b->vma ? -1 : 1;
    c = memcmp(a->raw, b->raw, a->keylen < b->keylen ? a->keylen : b->keylen);
    if (c) return c;
    if (a->keylen != b->keylen) return a->keylen < b->keylen ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static mp_err mp__symlib_grow(mp__symlib *lib, size_t more, size_t *cap, mp_error *err)
{
    size_t need = lib->nsyms + more, ncap;
    mp__esym *p;
    if (need <= *cap) return MP_OK;
    ncap = *cap ? *cap : 1024;
    while (ncap < need) ncap *= 2;
    p = (mp__esym *)MP_REALLOC(lib->syms, ncap * sizeof *p);
    if (!p) return mp__nomem(err);
    lib->syms = p;
    *cap = ncap;
    return MP_OK;
}

/* Whether section shndx is executable; flags are looked up once per section. */
static int mp__elf_exec_section(const unsigned char *exec_map, uint32_t nsec, uint32_t shndx)
{
    return shndx < nsec && exec_map[shndx];
}

/* Appends the t/T/w/W symbols of one table (SHT_SYMTAB or SHT_DYNSYM) in nm's order. */
static mp_err mp__elf_table(const mp__elf *e, uint32_t table_type, const unsigned char *exec_map,
                            mp__symlib *lib, size_t *cap, mp_error *err)
{
    mp__shdr sh, strsh, xsh;
    const unsigned char *syms, *str = NULL, *xindex = NULL;
    uint64_t strsize = 0, nsyms, i, nxindex = 0;
    uint32_t tab, k;
    size_t first = lib->nsyms;
    mp__elf_versions ver;
    mp_err rc = MP_OK;
    for (tab = 0; tab < e->shnum; tab++)
        if (mp__elf_shdr(e, tab, &sh) && sh.type == table_type) break;
    if (tab == e->shnum) return MP_OK; /* nm: "no symbols" */
    if (sh.entsize != MP__ELF_SYM_SIZE) return mp__elf_bad(e, err, "symbol table entry size");
    syms = mp__elf_section_data(e, &sh);
    if (!syms) return mp__elf_bad(e, err, "symbol table outside the file");
    if (mp__elf_shdr(e, sh.link, &strsh)) {
        str = mp__elf_section_data(e, &strsh);
        strsize = str ? strsh.size : 0;
    }
    for (k = 0; k < e->shnum; k++) {
        if (mp__elf_shdr(e, k, &xsh) && xsh.type == MP__SHT_SYMTAB_SHNDX && xsh.link == tab) {
            xindex = mp__elf_section_data(e, &xsh);
            nxindex = xindex ? xsh.size / 4 : 0;
            break;
        }
    }
    rc = table_type == MP__SHT_DYNSYM ? mp__elf_versions_read(e, tab, &ver, err)
                                      : (memset(&ver, 0, sizeof ver), MP_OK);
    if (rc != MP_OK) goto done;
    nsyms = sh.size / MP__ELF_SYM_SIZE;
    for (i = 1; i < nsyms; i++) { /* entry 0 is the null symbol */
        const unsigned char *p = syms + i * MP__ELF_SYM_SIZE;
        uint32_t shndx = mp__le16(p + 6);
        unsigned info = p[4];
        const char *name, *version = NULL;
        size_t len;
        int hidden = 0;
        char letter;
        mp__esym *s;
        if (shndx == MP__SHN_XINDEX)
            shndx = i < nxindex ? mp__le32(xindex + 4 * i) : MP__SHN_ABS;
        else if (shndx >= MP__SHN_LORESERVE && shndx != MP__SHN_ABS && shndx != MP__SHN_COMMON)
            shndx = MP__SHN_ABS;
        letter = mp__elf_letter(info, shndx, mp__elf_exec_section(exec_map, e->shnum, shndx));
        if (letter != 't' && letter != 'T' && letter != 'w' && letter != 'W') continue;
        name = mp__elf_str(str, strsize, mp__le32(p), &len);
        if (e->machine == 183 && mp__aarch64_mapping_symbol(name)) continue;
        if (table_type == MP__SHT_DYNSYM) version = mp__elf_version(&ver, i, name, &hidden);
        if ((rc = mp__symlib_grow(lib, 1, cap, err)) != MP_OK) goto done;
        s = &lib->syms[lib->nsyms];
        if (version) {
            size_t vlen = strlen(version), at = hidden ? 1 : 2;
            char *full = mp__arena_alloc(&lib->names, len + at + vlen + 1);
            if (!full) { rc = mp__nomem(err); goto done; }
            memcpy(full, name, len);
            memcpy(full + len, "@@", at);
            memcpy(full + len + at, version, vlen + 1);
            s->raw = full;
        } else {
            s->raw = mp__arena_strndup(&lib->names, name, len);
            if (!s->raw) { rc = mp__nomem(err); goto done; }
        }
        s->vma = mp__le64(p + 8);
        s->size = mp__le64(p + 16);
        s->keylen = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
        s->shown = NULL;
        s->index = (uint32_t)i;
        s->letter = letter;
        lib->nsyms++;
    }
    if (lib->nsyms > first)
        qsort(lib->syms + first, lib->nsyms - first, sizeof *lib->syms, mp__esym_nm_order);
done:
    mp__elf_versions_free(&ver);
    return rc;
}

static mp_err mp__elf_symbols(const mp__elf *e, mp__symlib *lib, mp_error *err)
{
    unsigned char *exec_map;
    size_t cap = 0;
    uint32_t i;
    mp_err rc;
    exec_map = (unsigned char *)MP_MALLOC(e->shnum ? e->shnum : 1);
    if (!exec_map) return mp__nomem(err);
    for (i = 0; i < e->shnum; i++) {
        mp__shdr sh;
        exec_map[i] = (unsigned char)(mp__elf_shdr(e, i, &sh) && (sh.flags & MP__SHF_EXECINSTR));
    }
    rc = mp__elf_table(e, MP__SHT_SYMTAB, exec_map, lib, &cap, err);
    lib->nstatic = lib->nsyms;
    if (rc == MP_OK) rc = mp__elf_table(e, MP__SHT_DYNSYM, exec_map, lib, &cap, err);
    MP_FREE(exec_map);
    return rc;
}

static mp_err mp__elf_load(mp__symlib *lib, mp_error *err)
{
    mp__elf e;
    struct stat st;
    void *map;
    mp_err rc;
    int fd = open(lib->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return mp__fail_errno(err, errno, "cannot open", lib->path);
    if (fstat(fd, &st) != 0) {
        rc = mp__fail_errno(err, errno, "cannot stat", lib->path);
        close(fd);
        return rc;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return mp__fail(err, MP_ERR_IO, 0, "%s: not a regular file", lib->path);
    }
    if (st.st_size == 0) {
        close(fd);
        return mp__fail(err, MP_ERR_PARSE, 0, "%s: empty file, not an ELF file", lib->path);
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return mp__fail_errno(err, errno, "cannot map", lib->path);
    memset(&e, 0, sizeof e);
    e.path = lib->path;
    e.data = (const unsigned char *)map;
    e.size = (uint64_t)st.st_size;
    rc = mp__elf_header(&e, err);
    if (rc == MP_OK) {
        lib->is_exec = e.type == 2;
        rc = mp__elf_segments(&e, lib, err);
    }
    if (rc == MP_OK) rc = mp__elf_symbols(&e, lib, err);
    munmap(map, (size_t)st.st_size);
    return rc;
}

/* ---- names as nm -C prints them ------------------------------------------------------------ */

static void mp__symtab_load_demangler(mp_symtab *t)
{
    void *fn;
    t->demangle_tried = 1;
    t->cxx = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
    fn = t->cxx ? dlsym(t->cxx, "__cxa_demangle") : NULL;
    if (fn) {
        memcpy(&t->demangle, &fn, sizeof fn);
        return;
    }
    if (!t->warning) {
        const char *why = dlerror();
        mp_buf b = { NULL, 0, 0, 0 };
        mp_buf_printf(&b, "C++ names are not demangled: no __cxa_demangle (%s)",
                      why ? why : "libstdc++.so.6 not found");
        t->warning = mp_buf_take(&b);
    }
}

/* What binutils' bfd_demangle does with DMGL_PARAMS | DMGL_ANSI: leading dots and dollars
   and an "@suffix" are set aside, only Itanium-ABI names ("_Z...", "_GLOBAL_[._$][DI]_")
   are demangled (never a bare type name such as "i"), and a failure keeps the name. The
   result goes to names; t->demangle must be loaded already (threads only read t). */
static void mp__sym_demangle(const mp_symtab *t, mp__arena *names, mp__esym *s)
{
    const char *name = s->raw, *base, *at;
    size_t pre, baselen;
    char small[512], *base_copy, *dem;
    int status = 0;
    base = name;
    while (*base == '.' || *base == '$') base++;
    pre = (size_t)(base - name);
    s->shown = s->raw;
    if (!t->demangle) return;
    if (!(base[0] == '_' && base[1] == 'Z') &&
        !(strncmp(base, "_GLOBAL_", 8) == 0 && (base[8] == '.' || base[8] == '_' || base[8] == '$') &&
          (base[9] == 'D' || base[9] == 'I') && base[10] == '_'))
        return;
    at = strchr(base, '@');
    baselen = at ? (size_t)(at - base) : strlen(base);
    base_copy = baselen < sizeof small ? small : (char *)malloc(baselen + 1);
    if (!base_copy) return;
    memcpy(base_copy, base, baselen);
    base_copy[baselen] = '\0';
    dem = t->demangle(base_copy, NULL, NULL, &status);
    if (base_copy != small) free(base_copy);
    if (dem && status == 0) {
        size_t dlen = strlen(dem), suflen = at ? strlen(at) : 0;
        char *full = mp__arena_alloc(names, pre + dlen + suflen + 1);
        if (full) {
            memcpy(full, name, pre);
            memcpy(full + pre, dem, dlen);
            if (at) memcpy(full + pre + dlen, at, suflen);
            full[pre + dlen + suflen] = '\0';
            s->shown = full;
        }
    }
    free(dem); /* __cxa_demangle allocates with the C library's malloc */
}

static int mp__sym_needs_demangler(const mp__esym *s)
{
    const char *p = s->raw;
    while (*p == '.' || *p == '$') p++;
    return (p[0] == '_' && p[1] == 'Z') || strncmp(p, "_GLOBAL_", 8) == 0;
}

typedef struct mp__demangle_job {
    const mp_symtab *t;
    mp__esym **syms;
    size_t n;
    mp__arena names;      /* this thread's results, handed to the library afterwards */
} mp__demangle_job;

static void *mp__demangle_worker(void *arg)
{
    mp__demangle_job *job = (mp__demangle_job *)arg;
    size_t i;
    for (i = 0; i < job->n; i++) mp__sym_demangle(job->t, &job->names, job->syms[i]);
    return NULL;
}

static void mp__arena_take(mp__arena *to, mp__arena *from)
{
    while (from->head) {
        mp__arena_chunk *c = from->head;
        from->head = c->next;
        c->next = to->head;
        to->head = c;
    }
}

#define MP__DEMANGLE_THREADS 8

/* Names every symbol of v (those without one yet). node has ~100k C++ names at ~2.5 us each:
   they are shared among the CPUs (__cxa_demangle is thread-safe). */
static void mp__sym_name_all(mp_symtab *t, mp__symlib *lib, mp__esym **v, size_t n)
{
    mp__demangle_job jobs[MP__DEMANGLE_THREADS];
    pthread_t tids[MP__DEMANGLE_THREADS];
    int started[MP__DEMANGLE_THREADS];
    size_t i, k = 0, nthreads, per;
    long cpus;
    for (i = 0; i < n; i++) { /* keep only those that need work, in place */
        if (v[i]->shown) continue;
        if (!mp__sym_needs_demangler(v[i])) v[i]->shown = v[i]->raw;
        else v[k++] = v[i];
    }
    n = k;
    if (n == 0) return;
    if (!t->demangle_tried) mp__symtab_load_demangler(t);
    cpus = sysconf(_SC_NPROCESSORS_ONLN);
    nthreads = cpus < 1 ? 1 : cpus > MP__DEMANGLE_THREADS ? MP__DEMANGLE_THREADS : (size_t)cpus;
    if (n < 4096) nthreads = 1;
    per = (n + nthreads - 1) / nthreads;
    for (i = 0; i < nthreads; i++) {
        size_t from = i * per < n ? i * per : n;
        jobs[i].t = t;
        jobs[i].syms = v + from;
        jobs[i].n = (from + per < n ? from + per : n) - from;
        jobs[i].names.head = NULL;
        started[i] = i > 0 && pthread_create(&tids[i], NULL, mp__demangle_worker, &jobs[i]) == 0;
    }
    mp__demangle_worker(&jobs[0]);
    for (i = 1; i < nthreads; i++) {
        if (started[i]) pthread_join(tids[i], NULL);
        else mp__demangle_worker(&jobs[i]);
    }
    for (i = 0; i < nthreads; i++) mp__arena_take(&lib->names, &jobs[i].names);
}

/* One symbol's name, alone. */
static const char *mp__symtab_shown(mp_symtab *t, mp__symlib *lib, mp__esym *s)
{
    if (!s->shown) mp__sym_name_all(t, lib, &s, 1);
    return s->shown;
}

/* ---- placement and V8's addEntry ----------------------------------------------------------- */

/* The runtime address of VMA 0. ET_EXEC: absolute (plus the log's slide, 0 on Linux).
   ET_DYN: the log's start is mapping start - file offset of an executable PT_LOAD segment,
   i.e. base + p_vaddr - p_offset; the segment whose mapping ends at the logged end decides
   when segments differ in p_vaddr - p_offset (lld, gold), else the first executable one. */
static uint64_t mp__symlib_bias(const mp__symlib *lib, uint64_t start, uint64_t end, uint64_t slide)
{
    size_t i;
    const mp__seg *first = NULL;
    if (lib->is_exec) return slide;
    for (i = 0; i < lib->nsegs; i++) {
        const mp__seg *s = &lib->segs[i];
        uint64_t bias, seg_end;
        if (!(s->flags & 1u)) continue;
        if (!first) first = s;
        bias = start - (s->vaddr - s->offset);
        seg_end = bias + s->vaddr + s->memsz;
        if (end >= seg_end && end - seg_end < 0x10000u) return bias;
    }
    return first ? start - (first->vaddr - first->offset) : start;
}

/* An entry V8 adds, before naming: seq keeps the order of adding among equal starts. */
typedef struct mp__placed {
    uint64_t start, end;
    mp__esym *src;
    size_t seq;
} mp__placed;

typedef struct mp__v8add {
    uint64_t lib_start, lib_end;
    mp__placed *out;
    size_t n, cap;
    int failed;
    int pending;              /* lastUnknownSize */
    uint64_t pending_start;
    mp__esym *pending_sym;
    int added;                /* lastAdded */
    uint64_t added_start, added_end;
} mp__v8add;

static void mp__v8_emit(mp__v8add *a, uint64_t start, uint64_t end, mp__esym *s)
{
    if (a->failed) return;
    if (a->n == a->cap) {
        size_t ncap = a->cap ? a->cap * 2 : 256;
        mp__placed *p = (mp__placed *)MP_REALLOC(a->out, ncap * sizeof *p);
        if (!p) { a->failed = 1; return; }
        a->out = p;
        a->cap = ncap;
    }
    a->out[a->n].start = start;
    a->out[a->n].end = end;
    a->out[a->n].src = s;
    a->out[a->n].seq = a->n;
    a->n++;
    a->added = 1;
    a->added_start = start;
    a->added_end = end;
}

/* One nm line (placed) into CppEntriesProvider.parseVmSymbols' addEntry; s NULL for the
   final sentinel at libEnd. JavaScript truthiness: a size of 0 means "no size". */
static void mp__v8_add(mp__v8add *a, uint64_t start, uint64_t size, mp__esym *s)
{
    if (a->pending && a->pending_start < start) {
        uint64_t ps = a->pending_start, pe = start;
        int inside_last = a->added && ps >= a->added_start && pe <= a->added_end;
        if (!inside_last && ps >= a->lib_start && pe <= a->lib_end)
            mp__v8_emit(a, ps, pe, a->pending_sym);
    }
    a->pending = 0;
    if (size) {
        /* An end past 2^64 is past libEnd too, as it is for JavaScript's doubles. */
        if ((!a->added || a->added_start != start) && start >= a->lib_start &&
            size <= UINT64_MAX - start && start + size <= a->lib_end)
            mp__v8_emit(a, start, start + size, s);
    } else if (s) {
        a->pending = 1;
        a->pending_start = start;
        a->pending_sym = s;
    }
}

static int mp__placed_order(const void *pa, const void *pb)
{
    const mp__placed *a = (const mp__placed *)pa, *b = (const mp__placed *)pb;
    if (a->start != b->start) return a->start < b->start ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Runs the record through V8's rules, keeps the first entry per start (V8's code map
   ignores later ones), then names only what is kept: node's dynamic table repeats most of
   its static one, and demangling is the costly part. */
static mp_err mp__symlib_place(mp_symtab *t, mp__symlib *lib, mp__symplace *pl, mp_error *err)
{
    mp__v8add a;
    uint64_t bias = mp__symlib_bias(lib, pl->start, pl->end, pl->slide);
    mp__esym **todo = NULL;
    mp_sym *syms = NULL;
    size_t i, j;
    memset(&a, 0, sizeof a);
    a.lib_start = pl->start;
    a.lib_end = pl->end;
    for (i = 0; i < lib->nsyms; i++)
        mp__v8_add(&a, lib->syms[i].vma + bias, lib->syms[i].size, &lib->syms[i]);
    mp__v8_add(&a, pl->end, 0, NULL);
    if (a.failed) goto nomem;
    if (a.n) qsort(a.out, a.n, sizeof *a.out, mp__placed_order);
    for (i = j = 0; i < a.n; i++)
        if (j == 0 || a.out[j - 1].start != a.out[i].start) a.out[j++] = a.out[i];
    if (j) {
        todo = (mp__esym **)MP_MALLOC(j * sizeof *todo);
        syms = (mp_sym *)MP_MALLOC(j * sizeof *syms);
        if (!todo || !syms) goto nomem;
        for (i = 0; i < j; i++) todo[i] = a.out[i].src;
        mp__sym_name_all(t, lib, todo, j);
        for (i = 0; i < j; i++) {
            syms[i].start = a.out[i].start;
            syms[i].end = a.out[i].end;
            syms[i].name = a.out[i].src->shown;
        }
    }
    MP_FREE(todo);
    MP_FREE(a.out);
    pl->syms = syms;
    pl->n = j;
    return MP_OK;
nomem:
    MP_FREE(todo);
    MP_FREE(syms);
    MP_FREE(a.out);
    return mp__nomem(err);
}

/* ---- the table ------------------------------------------------------------------------------ */

static void mp__symlib_free(mp__symlib *lib)
{
    if (!lib) return;
    MP_FREE(lib->path);
    MP_FREE(lib->msg);
    MP_FREE(lib->segs);
    MP_FREE(lib->syms);
    mp__arena_free(&lib->names);
    MP_FREE(lib);
}

static mp__symlib *mp__symtab_find(mp_symtab *t, const char *path)
{
    size_t i;
    for (i = 0; i < t->nlibs; i++)
        if (strcmp(t->libs[i]->path, path) == 0) return t->libs[i];
    return NULL;
}

static mp__symlib *mp__symtab_add_lib(mp_symtab *t, const char *path, mp_error *err)
{
    mp__symlib *lib;
    if (t->nlibs == t->caplibs) {
        size_t ncap = t->caplibs ? t->caplibs * 2 : 16;
        mp__symlib **p = (mp__symlib **)MP_REALLOC(t->libs, ncap * sizeof *p);
        if (!p) { mp__nomem(err); return NULL; }
        t->libs = p;
        t->caplibs = ncap;
    }
    lib = (mp__symlib *)MP_MALLOC(sizeof *lib);
    if (!lib) { mp__nomem(err); return NULL; }
    memset(lib, 0, sizeof *lib);
    lib->path = mp__strdup(path);
    if (!lib->path) { MP_FREE(lib); mp__nomem(err); return NULL; }
    t->libs[t->nlibs++] = lib;
    return lib;
}

/* The library's symbols, read on first use; a failure is remembered and repeated. */
static mp_err mp__symtab_get(mp_symtab *t, const char *path, mp__symlib **out, mp_error *err)
{
    mp__symlib *lib = mp__symtab_find(t, path);
    mp_error local;
    if (!lib) {
        if (t->symbols_file)
            return mp__fail(err, MP_ERR_NOT_FOUND, 0, "%s: not in symbols file %s", path,
                            t->symbols_file);
        lib = mp__symtab_add_lib(t, path, err);
        if (!lib) return MP_ERR_NOMEM;
        lib->status = mp__elf_load(lib, &local);
        if (lib->status != MP_OK) {
            lib->msg = mp__strdup(local.msg);
            MP_FREE(lib->syms);
            lib->syms = NULL;
            lib->nsyms = lib->nstatic = 0;
        }
    }
    if (lib->status != MP_OK)
        return mp__fail(err, lib->status, 0, "%s", lib->msg ? lib->msg : "cannot read");
    *out = lib;
    return MP_OK;
}

MP__DEF mp_err mp_symtab_new(mp_symtab **out, mp_error *err)
{
    mp_symtab *t = (mp_symtab *)MP_MALLOC(sizeof *t);
    if (!t) return mp__nomem(err);
    memset(t, 0, sizeof *t);
    *out = t;
    return MP_OK;
}

/* Names node's polyfill never runs nm on: [vdso], [vsyscall], anonymous "hex-hex" ranges. */
static int mp__sym_pseudo_library(const char *lib)
{
    const char *p = lib;
    if (strcmp(lib, "[vdso]") == 0 || strcmp(lib, "[vsyscall]") == 0) return 1;
    if (!isxdigit((unsigned char)*p)) return 0;
    while (isxdigit((unsigned char)*p)) p++;
    if (*p++ != '-' || !isxdigit((unsigned char)*p)) return 0;
    while (isxdigit((unsigned char)*p)) p++;
    return *p == '\0';
}

MP__DEF mp_err mp_symtab_lookup(mp_symtab *t, const char *lib, uint64_t start, uint64_t end,
                                uint64_t slide, const mp_sym **syms, size_t *n, mp_error *err)
{
    mp__symlib *l;
    mp__symplace *pl;
    size_t i;
    mp_err rc;
    *syms = NULL;
    *n = 0;
    if (mp__sym_pseudo_library(lib)) return MP_OK;
    if ((rc = mp__symtab_get(t, lib, &l, err)) != MP_OK) return rc;
    for (i = 0; i < t->nplaces; i++) {
        pl = &t->places[i];
        if (pl->lib == l && pl->start == start && pl->end == end && pl->slide == slide) {
            *syms = pl->syms;
            *n = pl->n;
            return MP_OK;
        }
    }
    if (t->nplaces == t->capplaces) {
        size_t ncap = t->capplaces ? t->capplaces * 2 : 16;
        mp__symplace *p = (mp__symplace *)MP_REALLOC(t->places, ncap * sizeof *p);
        if (!p) return mp__nomem(err);
        t->places = p;
        t->capplaces = ncap;
    }
    pl = &t->places[t->nplaces];
    memset(pl, 0, sizeof *pl);
    pl->lib = l;
    pl->start = start;
    pl->end = end;
    pl->slide = slide;
    if ((rc = mp__symlib_place(t, l, pl, err)) != MP_OK) return rc;
    t->nplaces++;
    *syms = pl->syms;
    *n = pl->n;
    return MP_OK;
}

MP__DEF const char *mp_symtab_warning(const mp_symtab *t) { return t->warning; }

MP__DEF void mp_symtab_free(mp_symtab *t)
{
    size_t i;
    if (!t) return;
    for (i = 0; i < t->nlibs; i++) mp__symlib_free(t->libs[i]);
    for (i = 0; i < t->nplaces; i++) MP_FREE(t->places[i].syms);
    MP_FREE(t->libs);
    MP_FREE(t->places);
    MP_FREE(t->symbols_file);
    MP_FREE(t->warning);
    if (t->cxx) dlclose(t->cxx);
    MP_FREE(t);
}

/* ---- portable symbols file ------------------------------------------------------------------ */

/* Names and paths on one line: backslash, and bytes below 0x20 or 0x7f, escaped as \\ \xHH. */
static void mp__sym_escape(mp_buf *b, const char *s)
{
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != 0x7f && c != '\\') continue;
        mp_buf_append(b, run, (size_t)(s - run));
        if (c == '\\') mp_buf_puts(b, "\\\\");
        else mp_buf_printf(b, "\\x%02x", c);
        run = s + 1;
    }
    mp_buf_append(b, run, (size_t)(s - run));
}

MP__DEF void mp_symtab_export_header(mp_buf *out)
{
    mp_buf_puts(out, "medprof-symbols 1\n");
}

static void mp__sym_export_table(mp_symtab *t, mp__symlib *lib, const char *tag, size_t from,
                                 size_t to, mp_buf *out)
{
    size_t i;
    mp_buf_printf(out, "%s %zu\n", tag, to - from);
    for (i = from; i < to; i++) {
        mp__esym *s = &lib->syms[i];
        mp_buf_printf(out, "%llx %llx %c ", (unsigned long long)s->vma,
                      (unsigned long long)s->size, s->letter);
        mp__sym_escape(out, mp__symtab_shown(t, lib, s));
        mp_buf_puts(out, "\n");
    }
}

MP__DEF mp_err mp_symtab_export(mp_symtab *t, const char *lib, mp_buf *out, mp_error *err)
{
    mp__symlib *l;
    size_t i;
    mp__esym **all;
    mp_err rc = mp__symtab_get(t, lib, &l, err);
    if (rc != MP_OK) return rc;
    if (l->nsyms) {
        all = (mp__esym **)MP_MALLOC(l->nsyms * sizeof *all);
        if (!all) return mp__nomem(err);
        for (i = 0; i < l->nsyms; i++) all[i] = &l->syms[i];
        mp__sym_name_all(t, l, all, l->nsyms);
        MP_FREE(all);
    }
    mp_buf_puts(out, "library ");
    mp__sym_escape(out, l->path);
    mp_buf_printf(out, "\nelf %s\n", l->is_exec ? "exec" : "dyn");
    for (i = 0; i < l->nsegs; i++)
        mp_buf_printf(out, "load %llx %llx %llx %x\n", (unsigned long long)l->segs[i].offset,
                      (unsigned long long)l->segs[i].vaddr, (unsigned long long)l->segs[i].memsz,
                      (unsigned)l->segs[i].flags);
    mp__sym_export_table(t, l, "symtab", 0, l->nstatic, out);
    mp__sym_export_table(t, l, "dynsym", l->nstatic, l->nsyms, out);
    mp_buf_puts(out, "end\n");
    if (out->failed) return mp__nomem(err);
    return MP_OK;
}

/* Reading: one line at a time from the whole file in memory. */
typedef struct mp__symreader {
    const char *path;
    char *data;
    size_t size, pos;
    size_t line_no;
    char *line;           /* the current line, NUL-terminated in place */
} mp__symreader;

static int mp__symreader_next(mp__symreader *r)
{
    char *nl;
    if (r->pos >= r->size) return 0;
    r->line = r->data + r->pos;
    nl = (char *)memchr(r->line, '\n', r->size - r->pos);
    if (nl) {
        *nl = '\0';
        r->pos = (size_t)(nl - r->data) + 1;
    } else {
        r->data[r->size] = '\0';
        r->pos = r->size;
    }
    r->line_no++;
    return 1;
}

static mp_err mp__symreader_bad(const mp__symreader *r, mp_error *err, const char *what)
{
    return mp__fail(err, MP_ERR_PARSE, 0, "%s:%zu: %s", r->path, r->line_no, what);
}

/* Undoes mp__sym_escape in place; 0 on a bad escape. */
static int mp__sym_unescape(char *s)
{
    char *w = s;
    while (*s) {
        if (*s != '\\') { *w++ = *s++; continue; }
        if (s[1] == '\\') { *w++ = '\\'; s += 2; continue; }
        if (s[1] == 'x' && isxdigit((unsigned char)s[2]) && isxdigit((unsigned char)s[3])) {
            char hex[3] = { s[2], s[3], 0 };
            *w++ = (char)strtoul(hex, NULL, 16);
            s += 4;
            continue;
        }
        return 0;
    }
    *w = '\0';
    return 1;
}

/* A hex number followed by a space or the end; advances *p past the space. */
static int mp__sym_hex(char **p, uint64_t *v)
{
    char *s = *p, *end;
    unsigned long long x;
    if (!isxdigit((unsigned char)*s)) return 0;
    errno = 0;
    x = strtoull(s, &end, 16);
    if (errno || (*end != ' ' && *end != '\0')) return 0;
    *v = (uint64_t)x;
    *p = *end ? end + 1 : end;
    return 1;
}

static mp_err mp__symreader_table(mp__symreader *r, mp__symlib *lib, const char *tag, size_t *cap,
                                  mp_error *err)
{
    uint64_t count, i;
    char *p;
    mp_err rc;
    size_t taglen = strlen(tag);
    if (!mp__symreader_next(r) || strncmp(r->line, tag, taglen) != 0 || r->line[taglen] != ' ')
        return mp__symreader_bad(r, err, tag);
    errno = 0;
    count = strtoull(r->line + taglen + 1, &p, 10);
    if (errno || *p || p == r->line + taglen + 1) return mp__symreader_bad(r, err, "bad symbol count");
    for (i = 0; i < count; i++) {
        mp__esym *s;
        uint64_t vma, size;
        char letter;
        if (!mp__symreader_next(r))
            return mp__fail(err, MP_ERR_PARSE, 0, "%s:%zu: end of file: fewer symbols than counted",
                            r->path, r->line_no + 1);
        p = r->line;
        if (!mp__sym_hex(&p, &vma) || !mp__sym_hex(&p, &size) || !p[0] || p[1] != ' ')
            return mp__symreader_bad(r, err, "expected: VMA SIZE LETTER NAME");
        letter = p[0];
        if (letter != 't' && letter != 'T' && letter != 'w' && letter != 'W')
            return mp__symreader_bad(r, err, "symbol letter must be t, T, w or W");
        p += 2;
        if (!mp__sym_unescape(p)) return mp__symreader_bad(r, err, "bad escape in name");
        if ((rc = mp__symlib_grow(lib, 1, cap, err)) != MP_OK) return rc;
        s = &lib->syms[lib->nsyms];
        s->raw = mp__arena_strndup(&lib->names, p, strlen(p));
        if (!s->raw) return mp__nomem(err);
        s->shown = s->raw;
        s->keylen = 0; /* the file is in nm's order already */
        s->vma = vma;
        s->size = size;
        s->index = (uint32_t)i;
        s->letter = letter;
        lib->nsyms++;
    }
    return MP_OK;
}

static mp_err mp__symreader_library(mp__symreader *r, mp_symtab *t, mp_error *err)
{
    char *path = r->line + 8, *p;
    mp__symlib *lib;
    size_t cap = 0, capsegs = 0;
    mp_err rc;
    if (!mp__sym_unescape(path) || !*path) return mp__symreader_bad(r, err, "bad library path");
    if (mp__symtab_find(t, path)) return mp__symreader_bad(r, err, "library listed twice");
    lib = mp__symtab_add_lib(t, path, err);
    if (!lib) return MP_ERR_NOMEM;
    if (!mp__symreader_next(r) || (strcmp(r->line, "elf exec") != 0 && strcmp(r->line, "elf dyn") != 0))
        return mp__symreader_bad(r, err, "expected: elf exec|dyn");
    lib->is_exec = strcmp(r->line, "elf exec") == 0;
    while (r->pos < r->size && strncmp(r->data + r->pos, "load ", 5) == 0) {
        mp__seg s;
        uint64_t flags;
        mp__symreader_next(r);
        p = r->line + 5;
        if (!mp__sym_hex(&p, &s.offset) || !mp__sym_hex(&p, &s.vaddr) || !mp__sym_hex(&p, &s.memsz) ||
            !mp__sym_hex(&p, &flags) || *p)
            return mp__symreader_bad(r, err, "expected: load OFFSET VADDR MEMSZ FLAGS");
        s.flags = (uint32_t)flags;
        if (lib->nsegs == capsegs) {
            size_t ncap = capsegs ? capsegs * 2 : 8;
            mp__seg *q = (mp__seg *)MP_REALLOC(lib->segs, ncap * sizeof *q);
            if (!q) return mp__nomem(err);
            lib->segs = q;
            capsegs = ncap;
        }
        lib->segs[lib->nsegs++] = s;
    }
    if ((rc = mp__symreader_table(r, lib, "symtab", &cap, err)) != MP_OK) return rc;
    lib->nstatic = lib->nsyms;
    if ((rc = mp__symreader_table(r, lib, "dynsym", &cap, err)) != MP_OK) return rc;
    if (!mp__symreader_next(r) || strcmp(r->line, "end") != 0)
        return mp__symreader_bad(r, err, "expected: end");
    return MP_OK;
}

static mp_err mp__sym_read_whole(const char *path, char **data, size_t *size, mp_error *err)
{
    FILE *f = fopen(path, "rb");
    mp_buf b = { NULL, 0, 0, 0 };
    char chunk[65536];
    size_t got;
    if (!f) return mp__fail_errno(err, errno, "cannot open", path);
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) mp_buf_append(&b, chunk, got);
    if (ferror(f)) {
        int e = errno;
        fclose(f);
        mp_buf_free(&b);
        return mp__fail_errno(err, e, "cannot read", path);
    }
    fclose(f);
    mp_buf_append(&b, "", 0);
    if (b.failed || !b.data) {
        mp_buf_free(&b);
        return b.failed ? mp__nomem(err) : mp__fail(err, MP_ERR_PARSE, 0, "%s: empty file", path);
    }
    *size = b.len;
    *data = mp_buf_take(&b);
    return MP_OK;
}

MP__DEF mp_err mp_symtab_load_file(mp_symtab *t, const char *symbols_path, mp_error *err)
{
    mp__symreader r;
    size_t nlibs_before = t->nlibs;
    mp_err rc;
    memset(&r, 0, sizeof r);
    r.path = symbols_path;
    if ((rc = mp__sym_read_whole(symbols_path, &r.data, &r.size, err)) != MP_OK) return rc;
    if (!mp__symreader_next(&r) || strcmp(r.line, "medprof-symbols 1") != 0) {
        rc = mp__fail(err, MP_ERR_PARSE, 0, "%s: not a medprof symbols file (version 1)", symbols_path);
        goto done;
    }
    while (mp__symreader_next(&r)) {
        if (r.line[0] == '#' || r.line[0] == '\0') continue;
        if (strncmp(r.line, "library ", 8) != 0) {
            rc = mp__symreader_bad(&r, err, "expected: library PATH");
            goto done;
        }
        if ((rc = mp__symreader_library(&r, t, err)) != MP_OK) goto done;
    }
    if (!t->symbols_file && !(t->symbols_file = mp__strdup(symbols_path))) rc = mp__nomem(err);
done:
    if (rc != MP_OK) { /* loses nothing: the table is as it was */
        while (t->nlibs > nlibs_before) mp__symlib_free(t->libs[--t->nlibs]);
    }
    MP_FREE(r.data);
    return rc;
}
