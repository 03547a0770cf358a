/* test_sym.c - the symbols part: V8's addEntry rules, ELF reading and placement checked
   against small programs and libraries built here with the system cc (their run-time
   addresses, read from inside the running process, are the truth), nm's names (versions,
   demangling, letters), hostile files, and the portable symbols file. Allocations go through
   cmocka's checked allocator, so a leak fails the test that made it. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "suite.h"

#define MP_MALLOC(sz) test_malloc(sz)
#define MP_REALLOC(p, sz) test_realloc(p, sz)
#define MP_FREE(p) test_free(p)
#define MEDPROF_IMPLEMENTATION
#include "medprof.h"

#include <limits.h>

/* ---- fixtures: built once into a temporary directory --------------------------------------- */

static char g_dir[PATH_MAX];
static int g_have_cc;

static const char g_lib_src[] =
    "/* A C function with a C++ mangled name: no C++ compiler needed. */\n"
    "int sym_cpp_alpha(int x) __asm__(\"_ZN3sym5alphaEi\");\n"
    "int sym_cpp_alpha(int x) { return x + 1; }\n"
    "static int sym_local(int x) { return x * 7; }\n"
    "int sym_calls_local(int x) { return sym_local(x) + 1; }\n"
    "__attribute__((weak)) int sym_weak(int x) { return x - 1; }\n"
    "int sym_old_impl(int x) { return x; }\n"
    "int sym_new_impl(int x) { return x + 2; }\n"
    "__asm__(\".symver sym_old_impl,sym_old@VERS_0\");\n"
    "__asm__(\".symver sym_new_impl,sym_old@@VERS_1\");\n"
    "__asm__(\".text\\n.globl sym_unsized\\n.type sym_unsized,@function\\nsym_unsized:\\n ret\\n nop\\n nop\\n\"\n"
    "        \".globl sym_after_unsized\\n.type sym_after_unsized,@function\\nsym_after_unsized:\\n ret\\n\"\n"
    "        \".size sym_after_unsized, 1\\n\");\n"
    "static int (*sym_resolve(void))(int) { return sym_new_impl; }\n"
    "int sym_ifunc(int) __attribute__((ifunc(\"sym_resolve\")));\n"
    "int sym_data = 5;\n";

static const char g_map_src[] =
    "VERS_0 { global: sym_old; };\n"
    "VERS_1 { global: _ZN3sym5alphaEi; sym_weak; sym_unsized; sym_after_unsized; sym_calls_local;\n"
    "         sym_ifunc; sym_data; sym_old; local: *; } VERS_0;\n";

/* Prints the run-time addresses of its own function and of a library's, then its executable
   mappings as V8 logs them: "map START END PATH" with START = mapping start - file offset. */
static const char g_prog_src[] =
    "#define _GNU_SOURCE\n"
    "#include <dlfcn.h>\n#include <stdio.h>\n#include <string.h>\n"
    "int prog_fn(int x) { return x * 3; }\n"
    "static void show(const char *what, void *p) { printf(\"%s %lx\\n\", what, (unsigned long)p); }\n"
    "int main(int argc, char **argv)\n{\n"
    "    int (*fp)(int) = prog_fn; void *p; char line[4096]; FILE *m;\n"
    "    memcpy(&p, &fp, sizeof p); show(\"prog_fn\", p);\n"
    "    if (argc > 1) {\n"
    "        void *h = dlopen(argv[1], RTLD_NOW);\n"
    "        if (!h) { printf(\"error %s\\n\", dlerror()); return 1; }\n"
    "        show(\"alpha\", dlsym(h, \"_ZN3sym5alphaEi\")); show(\"unsized\", dlsym(h, \"sym_unsized\"));\n"
    "        show(\"after\", dlsym(h, \"sym_after_unsized\")); show(\"weak\", dlsym(h, \"sym_weak\"));\n"
    "        show(\"old0\", dlvsym(h, \"sym_old\", \"VERS_0\")); show(\"old1\", dlvsym(h, \"sym_old\", \"VERS_1\"));\n"
    "    }\n"
    "    m = fopen(\"/proc/self/maps\", \"r\");\n"
    "    while (m && fgets(line, sizeof line, m)) {\n"
    "        unsigned long s, e, off; char perms[8], path[4096] = \"\";\n"
    "        if (sscanf(line, \"%lx-%lx %7s %lx %*s %*s %4095[^\\n]\", &s, &e, perms, &off, path) >= 4\n"
    "            && perms[2] == 'x' && path[0] == '/')\n"
    "            printf(\"map %lx %lx %s\\n\", s - off, e, path);\n"
    "    }\n"
    "    return 0;\n}\n";

static void write_text(const char *name, const char *text)
{
    char path[PATH_MAX + 64];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int build(const char *args)
{
    char cmd[4 * PATH_MAX];
    snprintf(cmd, sizeof cmd, "cd '%s' && cc -O0 %s 2>cc.err", g_dir, args);
    return system(cmd) == 0;
}

static int group_setup(void **state)
{
    char tmpl[] = "/tmp/medprof-sym-XXXXXX";
    (void)state;
    if (!mkdtemp(tmpl) || !realpath(tmpl, g_dir)) return -1;
    write_text("libsym.c", g_lib_src);
    write_text("vers.map", g_map_src);
    write_text("prog.c", g_prog_src);
    g_have_cc =
        build("-fPIC -shared -Wl,--version-script=vers.map -o libsym.so libsym.c") &&
        build("-fPIC -shared -s -Wl,--version-script=vers.map -o libsym-stripped.so libsym.c") &&
        build("-fPIC -shared -Wl,-Ttext-segment=0x200000 -Wl,--version-script=vers.map "
              "-o libsym-shifted.so libsym.c") &&
        build("-fno-pie -no-pie -o prog-nopie prog.c -ldl") &&
        build("-fPIE -pie -o prog-pie prog.c -ldl");
    return 0;
}

static int group_teardown(void **state)
{
    char cmd[PATH_MAX + 32];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void need_cc(void)
{
    if (!g_have_cc) {
        print_message("no working cc: skipped\n");
        skip();
    }
}

static void fixture(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", g_dir, name);
}

/* What a run of prog said: named addresses and the executable mappings. */
typedef struct run_info {
    char names[16][16];
    uint64_t values[16];
    int n;
    char paths[32][PATH_MAX];
    uint64_t starts[32], ends[32];
    int nmaps;
} run_info;

static void run_prog(const char *prog, const char *lib, run_info *r)
{
    char cmd[3 * PATH_MAX], line[PATH_MAX + 128];
    FILE *p;
    memset(r, 0, sizeof *r);
    snprintf(cmd, sizeof cmd, "'%s/%s' %s%s%s", g_dir, prog, lib ? "'" : "", lib ? lib : "",
             lib ? "'" : "");
    p = popen(cmd, "r");
    assert_non_null(p);
    while (fgets(line, sizeof line, p)) {
        unsigned long long a, b;
        char word[16], path[PATH_MAX];
        if (sscanf(line, "map %llx %llx %4095[^\n]", &a, &b, path) == 3 && r->nmaps < 32) {
            strcpy(r->paths[r->nmaps], path);
            r->starts[r->nmaps] = a;
            r->ends[r->nmaps++] = b;
        } else if (sscanf(line, "%15s %llx", word, &a) == 2 && r->n < 16) {
            strcpy(r->names[r->n], word);
            r->values[r->n++] = a;
        } else {
            fail_msg("unexpected output from %s: %s", prog, line);
        }
    }
    assert_int_equal(pclose(p), 0);
}

static uint64_t run_value(const run_info *r, const char *name)
{
    int i;
    for (i = 0; i < r->n; i++)
        if (strcmp(r->names[i], name) == 0) return r->values[i];
    fail_msg("prog did not print %s", name);
    return 0;
}

/* Looks up the mapping of path that holds addr, as the tick processor would. */
static void lookup_at(mp_symtab *t, const run_info *r, const char *path, uint64_t addr,
                      const mp_sym **syms, size_t *n)
{
    int i;
    mp_error err;
    for (i = 0; i < r->nmaps; i++) {
        if (strcmp(r->paths[i], path) != 0 || addr < r->starts[i] || addr >= r->ends[i]) continue;
        if (mp_symtab_lookup(t, path, r->starts[i], r->ends[i], 0, syms, n, &err) != MP_OK)
            fail_msg("lookup %s: %s", path, err.msg);
        return;
    }
    fail_msg("no executable mapping of %s holds 0x%llx", path, (unsigned long long)addr);
}

static const mp_sym *sym_starting(const mp_sym *syms, size_t n, uint64_t addr)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (syms[i].start == addr) return &syms[i];
    return NULL;
}

static void expect_sym(const mp_sym *syms, size_t n, uint64_t addr, const char *name)
{
    const mp_sym *s = sym_starting(syms, n, addr);
    if (!s) fail_msg("no symbol starts at 0x%llx (want %s)", (unsigned long long)addr, name);
    assert_string_equal(s->name, name);
    assert_true(s->end > s->start);
}

static void expect_sorted(const mp_sym *syms, size_t n)
{
    size_t i;
    for (i = 1; i < n; i++) assert_true(syms[i - 1].start < syms[i].start);
}

/* ---- V8's addEntry, on symbols given directly ------------------------------------------------- */

typedef struct fake_sym { uint64_t vma, size; const char *name; } fake_sym;

/* An ET_EXEC library (VMA = address) with two tables given as nm would list them. */
static mp__symlib *fake_lib(const fake_sym *tab1, size_t n1, const fake_sym *tab2, size_t n2)
{
    mp__symlib *lib = (mp__symlib *)test_calloc(1, sizeof *lib);
    size_t i;
    lib->path = mp__strdup("fake");
    lib->is_exec = 1;
    lib->syms = (mp__esym *)test_calloc(n1 + n2 + 1, sizeof *lib->syms);
    for (i = 0; i < n1 + n2; i++) {
        const fake_sym *f = i < n1 ? &tab1[i] : &tab2[i - n1];
        lib->syms[i].vma = f->vma;
        lib->syms[i].size = f->size;
        lib->syms[i].raw = f->name; /* shown: left for the placing to fill */
        lib->syms[i].letter = 'T';
    }
    lib->nsyms = n1 + n2;
    lib->nstatic = n1;
    return lib;
}

/* Places the fake library for [start, end] and compares with want (start, end, name). */
static void check_place(mp__symlib *lib, uint64_t start, uint64_t end, const fake_sym *want,
                        size_t nwant)
{
    mp_symtab *t = NULL;
    mp__symplace pl;
    mp_error err;
    size_t i;
    assert_int_equal(mp_symtab_new(&t, &err), MP_OK);
    memset(&pl, 0, sizeof pl);
    pl.start = start;
    pl.end = end;
    pl.lib = lib;
    assert_int_equal(mp__symlib_place(lib, &pl, &err), MP_OK);
    for (i = 0; i < pl.n; i++) assert_null(pl.syms[i].name); /* named on demand */
    /* one asked for by itself, then all of them */
    if (pl.n) assert_non_null(mp__symplace_name(t, &pl, pl.n - 1));
    assert_int_equal(mp__symplace_name_all(t, &pl, &err), MP_OK);
    for (i = 0; i < pl.n && i < nwant; i++) {
        if (pl.syms[i].start != want[i].vma || pl.syms[i].end != want[i].size ||
            strcmp(pl.syms[i].name, want[i].name) != 0)
            fail_msg("entry %zu: got %llx-%llx %s, want %llx-%llx %s", i,
                     (unsigned long long)pl.syms[i].start, (unsigned long long)pl.syms[i].end,
                     pl.syms[i].name, (unsigned long long)want[i].vma,
                     (unsigned long long)want[i].size, want[i].name);
    }
    assert_int_equal(pl.n, nwant);
    MP_FREE(pl.syms);
    MP_FREE(pl.src);
    mp_symtab_free(t);
    mp__symlib_free(lib);
}

/* Unsized symbols end where the next one starts; sized ones keep their size; the last
   unsized one is closed by the library's end. (want: start, END, name) */
static void test_v8_unsized_take_next_start(void **state)
{
    static const fake_sym tab[] = {
        { 0x1100, 0, "first_unsized" },
        { 0x1180, 0, "second_unsized" },
        { 0x1200, 0x40, "sized" },
        { 0x1300, 0, "last_unsized" },
    };
    static const fake_sym want[] = {
        { 0x1100, 0x1180, "first_unsized" },
        { 0x1180, 0x1200, "second_unsized" },
        { 0x1200, 0x1240, "sized" },
        { 0x1300, 0x2000, "last_unsized" },
    };
    (void)state;
    check_place(fake_lib(tab, 4, NULL, 0), 0x1000, 0x2000, want, 4);
}

/* Aliases: a second sized symbol at the same start is skipped; an unsized marker at the start
   of a sized symbol is dropped; an explicit size of 0 counts as no size; an unsized symbol
   lying inside the last added one is dropped. */
static void test_v8_duplicates_and_markers(void **state)
{
    static const fake_sym tab[] = {
        { 0x1000, 0x20, "alias_one" },
        { 0x1000, 0x08, "alias_two" },     /* skipped, so alias_one stays the last added: */
        { 0x1010, 0, "inside_alias_one" }, /* ends at 0x1020, inside it: dropped */
        { 0x1020, 0, "marker" },           /* same start as the next: dropped */
        { 0x1020, 0x30, "after_marker" },
        { 0x1030, 0, "inside_previous" },  /* ends at 0x1040, inside 0x1020-0x1050 */
        { 0x1040, 0x10, "nested_sized" },  /* sized: only the start is compared */
        { 0x1060, 0, "zero_size" },        /* nm printed no size, or 0 */
        { 0x1070, 0x8, "tail" },
    };
    static const fake_sym want[] = {
        { 0x1000, 0x1020, "alias_one" },
        { 0x1020, 0x1050, "after_marker" },
        { 0x1040, 0x1050, "nested_sized" },
        { 0x1060, 0x1070, "zero_size" },
        { 0x1070, 0x1078, "tail" },
    };
    (void)state;
    check_place(fake_lib(tab, 9, NULL, 0), 0x1000, 0x2000, want, 5);
}

/* Only what lies within [start, end] of the record is added; an end past 2^64 is past it. */
static void test_v8_clip_to_record(void **state)
{
    static const fake_sym tab[] = {
        { 0x0f00, 0x10, "before" },
        { 0x0ff0, 0x20, "straddles_start" },
        { 0x1000, 0, "unsized_in" },
        { 0x1800, 0x800, "ends_at_end" },
        { 0x1900, 0, "unsized_inside_last" },
        { 0x1ff0, 0x20, "straddles_end" },
        { 0x3000, 0, "after" },
        { 0x4000, UINT64_MAX - 0x100, "wraps" },
    };
    static const fake_sym want[] = {
        { 0x1000, 0x1800, "unsized_in" },
        { 0x1800, 0x2000, "ends_at_end" },
    };
    (void)state;
    check_place(fake_lib(tab, 8, NULL, 0), 0x1000, 0x2000, want, 2);
}

/* nm's two outputs are one stream: the dynamic table starts over from low addresses, so
   the static table's last unsized symbol is dropped, and entries both tables have keep the
   first one's name (V8's code map ignores a second entry at a start). */
static void test_v8_two_tables(void **state)
{
    static const fake_sym symtab[] = {
        { 0x1000, 0x10, "static_a" },
        { 0x1010, 0x10, "static_b" },
        { 0x1100, 0, "static_last_unsized" },
    };
    static const fake_sym dynsym[] = {
        { 0x1000, 0x10, "dyn_a@@V1" },
        { 0x1020, 0x10, "dyn_only@@V1" },
        { 0x1200, 0, "dyn_unsized@@V1" },
    };
    static const fake_sym want[] = {
        { 0x1000, 0x1010, "static_a" },
        { 0x1010, 0x1020, "static_b" },
        { 0x1020, 0x1030, "dyn_only@@V1" },
        { 0x1200, 0x2000, "dyn_unsized@@V1" },
    };
    (void)state;
    check_place(fake_lib(symtab, 3, dynsym, 3), 0x1000, 0x2000, want, 4);
}

/* V8's adding of every symbol of a table in turn: what mp__v8_add_run must equal. */
static void add_every_symbol(mp__v8add *a, mp__esym *v, size_t n, uint64_t bias)
{
    size_t i;
    for (i = 0; i < n; i++) mp__v8_add(a, v[i].vma + bias, v[i].size, &v[i]);
}

static uint64_t next_random(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* The placing reads only the symbols of a table that can matter: on random tables (aliases,
   unsized runs, sized ones reaching past the range, a bias that wraps, tables out of order
   as a symbols file may have them) and random ranges it places what adding every symbol
   places, entry for entry. */
static void test_v8_add_run_like_every_symbol(void **state)
{
    mp__esym v[96];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    int round;
    (void)state;
    for (round = 0; round < 20000; round++) {
        size_t n1 = next_random(&x) % 48, n2 = next_random(&x) % 48, i;
        int unordered = next_random(&x) % 4 == 0;
        /* 1 in 8: addresses from 0x1400 on wrap past 2^64, the ones below do not */
        uint64_t bias = next_random(&x) % 8 == 0 ? UINT64_MAX - 0x13FF : next_random(&x) % 3 * 0x100;
        uint64_t lib_start, lib_end, at = 0;
        mp__v8add want, got;
        memset(v, 0, sizeof v);
        for (i = 0; i < n1 + n2; i++) {
            if (i == 0 || i == n1) at = 0x1000 + next_random(&x) % 0x100;
            else at += next_random(&x) % 4 == 0 ? 0 : next_random(&x) % 0x40;
            v[i].vma = at;
            v[i].size = next_random(&x) % 2 ? 0 : next_random(&x) % 0x80;
            v[i].index = (uint32_t)i;
        }
        if (unordered && n1 > 1) { /* a table as a hand-made symbols file may list it */
            mp__esym t = v[0];
            v[0] = v[n1 - 1];
            v[n1 - 1] = t;
        }
        lib_start = 0x1000 + bias + next_random(&x) % 0x600;
        lib_end = lib_start + next_random(&x) % 0x800;
        memset(&want, 0, sizeof want);
        memset(&got, 0, sizeof got);
        want.lib_start = got.lib_start = lib_start;
        want.lib_end = got.lib_end = lib_end;
        add_every_symbol(&want, v, n1, bias);
        add_every_symbol(&want, v + n1, n2, bias);
        mp__v8_add(&want, lib_end, 0, NULL);
        mp__v8_add_run(&got, v, n1, bias, unordered);
        mp__v8_add_run(&got, v + n1, n2, bias, unordered);
        mp__v8_add(&got, lib_end, 0, NULL);
        assert_false(want.failed || got.failed);
        if (got.n != want.n) fail_msg("round %d: %zu entries, want %zu", round, got.n, want.n);
        for (i = 0; i < want.n; i++)
            if (got.out[i].start != want.out[i].start || got.out[i].end != want.out[i].end ||
                got.out[i].src != want.out[i].src)
                fail_msg("round %d, entry %zu: %llx-%llx, want %llx-%llx", round, i,
                         (unsigned long long)got.out[i].start, (unsigned long long)got.out[i].end,
                         (unsigned long long)want.out[i].start, (unsigned long long)want.out[i].end);
        MP_FREE(want.out);
        MP_FREE(got.out);
    }
}

/* A library with no symbols at all (no tables: no array either) places nothing. */
static void test_v8_no_symbols(void **state)
{
    mp__symlib *lib = (mp__symlib *)test_calloc(1, sizeof *lib);
    (void)state;
    lib->path = mp__strdup("empty");
    lib->is_exec = 1;
    check_place(lib, 0x1000, 0x2000, NULL, 0);
}

/* ---- ELF files built here ------------------------------------------------------------------- */

static void check_prog(const char *prog)
{
    char path[PATH_MAX + 32];
    run_info r;
    mp_symtab *t = NULL;
    mp_error err;
    const mp_sym *syms, *again;
    size_t n, n2;
    uint64_t fn;
    need_cc();
    fixture(path, sizeof path, prog);
    run_prog(prog, NULL, &r);
    fn = run_value(&r, "prog_fn");
    assert_int_equal(mp_symtab_new(&t, &err), MP_OK);
    lookup_at(t, &r, path, fn, &syms, &n);
    expect_sym(syms, n, fn, "prog_fn");
    assert_true(sym_starting(syms, n, fn)->end - fn < 0x100); /* sized: not up to the next */
    expect_sorted(syms, n);
    lookup_at(t, &r, path, fn, &again, &n2); /* a record seen before: the same array */
    assert_ptr_equal(again, syms);
    assert_int_equal(n2, n);
    mp_symtab_free(t);
}

static void test_elf_nonpie_executable(void **state)
{
    (void)state;
    check_prog("prog-nopie");
}

static void test_elf_pie_executable(void **state)
{
    (void)state;
    check_prog("prog-pie");
}

/* The library's functions at the addresses the dynamic linker gave them, with nm -C's names:
   .symtab ones when there is a .symtab, else versioned dynamic ones. */
static void check_lib(const char *name, int stripped)
{
    char path[PATH_MAX + 32];
    run_info r;
    mp_symtab *t = NULL;
    mp_error err;
    const mp_sym *syms;
    size_t n, i;
    uint64_t alpha, unsized, after;
    need_cc();
    fixture(path, sizeof path, name);
    run_prog("prog-pie", path, &r);
    alpha = run_value(&r, "alpha");
    unsized = run_value(&r, "unsized");
    after = run_value(&r, "after");
    assert_int_equal(mp_symtab_new(&t, &err), MP_OK);
    lookup_at(t, &r, path, alpha, &syms, &n);
    expect_sorted(syms, n);
    expect_sym(syms, n, alpha, stripped ? "sym::alpha(int)@@VERS_1" : "sym::alpha(int)");
    expect_sym(syms, n, run_value(&r, "weak"), stripped ? "sym_weak@@VERS_1" : "sym_weak");
    expect_sym(syms, n, run_value(&r, "old0"), "sym_old@VERS_0");
    expect_sym(syms, n, run_value(&r, "old1"), stripped ? "sym_old@@VERS_1" : "sym_new_impl");
    expect_sym(syms, n, unsized, stripped ? "sym_unsized@@VERS_1" : "sym_unsized");
    assert_int_equal(sym_starting(syms, n, unsized)->end, after);
    for (i = 0; i < n; i++) { /* IFUNC (nm 'i') and data are not functions to V8 */
        assert_null(strstr(syms[i].name, "sym_ifunc"));
        assert_null(strstr(syms[i].name, "sym_data"));
    }
    if (!stripped) assert_non_null(sym_starting(syms, n, alpha + 0xf)); /* sym_local */
    mp_symtab_free(t);
}

static void test_elf_shared_library(void **state)
{
    (void)state;
    check_lib("libsym.so", 0);
}

static void test_elf_stripped_library_versions(void **state)
{
    (void)state;
    check_lib("libsym-stripped.so", 1);
}

/* p_vaddr != p_offset (text linked at 0x200000): the base comes from the program headers. */
static void test_elf_shifted_library(void **state)
{
    (void)state;
    check_lib("libsym-shifted.so", 0);
}

/* Without a C++ runtime to demangle with, names stay as the ELF file has them. */
static void test_no_demangler_keeps_mangled_names(void **state)
{
    char path[PATH_MAX + 32];
    mp_symtab *t = NULL;
    mp_error err;
    const mp_sym *syms;
    size_t n, i;
    int found = 0;
    (void)state;
    need_cc();
    fixture(path, sizeof path, "libsym-stripped.so");
    assert_int_equal(mp_symtab_new(&t, &err), MP_OK);
    t->demangle_tried = 1; /* as if dlopen("libstdc++.so.6") had failed */
    assert_int_equal(mp_symtab_lookup(t, path, 0x7f0000000000ull, 0x7f0000100000ull, 0, &syms, &n,
                                      &err), MP_OK);
    for (i = 0; i < n; i++) found += strcmp(syms[i].name, "_ZN3sym5alphaEi@@VERS_1") == 0;
    assert_int_equal(found, 1);
    mp_symtab_free(t);
}

/* Rust names as binutils 2.40's nm -C prints them (each expectation was read off nm): legacy
   names without their hash or ".suffix", escapes decoded, what is not a legacy name left to
   C++ (NULL here); v0 plain paths, the rest of v0 left as written. */
static void test_rust_names_like_nm(void **state)
{
    static const char *const cases[][2] = {
        { "_ZN3foo3bar17h05af221e174051e9E", "foo::bar" },
        { "_ZN3foo17h05af221e174051e9E.llvm.1234", "foo" },
        { "_ZN3foo17h05af221e174051e9E.", "foo" },
        { "_ZN4aE.b17h05af221e174051e9E.x", "aE.b" },
        { "_ZN3foo17h05af221e174051e9E.aEb", "foo" },
        { "_ZN9$LT$a$GT$17h05af221e174051e9E", "<a>" },
        { "_ZN8$BP$$RF$17h05af221e174051e9E", "*&" },
        { "_ZN8$LP$$RP$17h05af221e174051e9E", "()" },
        { "_ZN4$C$x17h05af221e174051e9E", ",x" },
        { "_ZN5$SP$x17h05af221e174051e9E", "@x" },
        { "_ZN7$u20$ab17h05af221e174051e9E", " ab" },
        { "_ZN7_$u7e$a17h05af221e174051e9E", "~a" },
        { "_ZN6$u41$x17h05af221e174051e9E", "Ax" },
        { "_ZN6$u1f$x17h05af221e174051e9E", "$u1f$x" },   /* a control character: as written */
        { "_ZN6$uA1$x17h05af221e174051e9E", "$uA1$x" },   /* upper-case hex: as written */
        { "_ZN5a$u2$17h05af221e174051e9E", "a$u2$" },
        { "_ZN5$ZZ$x17h05af221e174051e9E", "$ZZ$x" },
        { "_ZN3fo$17h05af221e174051e9E", "fo$" },
        { "_ZN3_$x17h05af221e174051e9E", "$x" },
        { "_ZN4a..b17h05af221e174051e9E", "a::b" },
        { "_ZN4a...17h05af221e174051e9E", "a::." },
        { "_ZN3a.b17h05af221e174051e9E", "a.b" },
        { "_ZN3f:o17h05af221e174051e9E", "f:o" },
        { "_ZN3foo17h0123401234012340E", "foo" },         /* 5 different digits: a hash */
        { "_ZN3foo17h0123000000000000E", NULL },          /* 4: C++ reads it */
        { "_ZN3foo17H05af221e174051e9E", NULL },
        { "_ZN3foo17h05af221e174051eAE", NULL },
        { "_ZN3foo20h05af221e174051e9abcE", NULL },
        { "_ZN17h05af221e174051e9E", NULL },              /* the hash alone */
        { "_ZN02ab17h05af221e174051e9E", NULL },          /* a leading zero */
        { "_ZN3foo17h05af221e174051e9E.a.E", NULL },
        { "_ZN3foo17h05af221e174051e9E:x", NULL },
        { "_ZN3foo17h05af221e174051e9", NULL },
        { "_ZN3f\xc3\xb3o17h05af221e174051e9E", NULL },   /* not ASCII */
        { "_ZN3foo3barE", NULL },
        { "_RNvCslLv8O1NqadD_7___rustc10rust_panic", "__rustc::rust_panic" },
        { "_RNvNtCs1234_3foo3bar3baz", "foo::bar::baz" },
        { "_RNvCs1234_3foo3barCs5_3baz", "foo::bar" },   /* the instantiating crate */
        { "_RNvC3foo3bar.llvm.123", "foo::bar" },
        { "_RNvC6_123foo3bar", "123foo::bar" },
        { "_RNvC3foo2_ab", "foo::ab" },
        { "_RNvC3foo0", "foo" },
        { "_RC3foo", "foo" },
        { "_RNvC3foo3barC", NULL },
        { "_RNvC3foo3barx", NULL },
        { "_RNvC3foo2_a", NULL },
        { "_RC5_2foo", NULL },
        { "_RNvC3fooEx", NULL },
        { "_RINvC3foo3barpE", NULL },                     /* generics: not read here */
        { "_RNvMNtCs1_3foo3barNtB2_3Baz3new", NULL },     /* impls, back-references */
        { "_RNvC3foou3bar", NULL },                       /* punycode */
        { "_R0NvC3foo3bar", NULL },
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        mp_buf out = { NULL, 0, 0, 0 };
        int ok = mp__rs_demangle(cases[i][0], &out);
        mp_buf_append(&out, "", 1);
        if (ok != (cases[i][1] != NULL) || (ok && strcmp(out.data, cases[i][1]) != 0))
            fail_msg("%s: got %s, want %s", cases[i][0], ok ? out.data : "(not Rust)",
                     cases[i][1] ? cases[i][1] : "(not Rust)");
        mp_buf_free(&out);
    }
}

/* ---- bad input ------------------------------------------------------------------------------- */

static void expect_lookup_error(mp_symtab *t, const char *path, mp_err code, const char *part)
{
    mp_error err;
    const mp_sym *syms = (const mp_sym *)&err;
    size_t n = 99;
    assert_int_equal(mp_symtab_lookup(t, path, 0x1000, 0x2000, 0, &syms, &n, &err), code);
    assert_int_equal(err.code, code);
    if (part && !strstr(err.msg, part)) fail_msg("message '%s' lacks '%s'", err.msg, part);
    assert_null(syms);
    assert_int_equal(n, 0);
}

static void write_bytes(const char *name, const void *data, size_t n)
{
    char path[PATH_MAX + 64];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static void test_bad_files(void **state)
{
    char path[PATH_MAX + 64];
    unsigned char hdr[64];
    mp_symtab *t = NULL;
    mp_error err;
    (void)state;
    assert_int_equal(mp_symtab_new(&t, &err), MP_OK);
    fixture(path, sizeof path, "no-such-lib.so");
    expect_lookup_error(t, path, MP_ERR_NOT_FOUND, "no-such-lib.so");
    expect_lookup_error(t, path, MP_ERR_NOT_FOUND, "no-such-lib.so"); /* remembered */
    expect_lookup_error(t, g_dir, MP_ERR_IO, "not a regular file");
    write_bytes("empty.so", "", 0);
    fixture(path, sizeof path, "empty.so");
    expect_lookup_error(t, path, MP_ERR_PARSE, "empty");
    write_bytes("text.so", "hello, world\n", 13);
    fixture(path, sizeof path, "text.so");
    expect_lookup_error(t, path, MP_ERR_PARSE, "not an ELF file");
    write_bytes("short.so", "\177ELF\2\1\1", 7);
    fixture(path, sizeof path, "short.so");
    expect_lookup_error(t, path, MP_ERR_PARSE, "truncated");

    memset(hdr, 0, sizeof hdr);
    memcpy(hdr, "\177ELF\1\1\1", 7); /* 32-bit */
    write_bytes("elf32.so", hdr, sizeof hdr);
    fixture(path, sizeof path, "elf32.so");
    expect_lookup_error(t, path, MP_ERR_UNSUPPORTED, "32-bit");
    hdr[4] = 2;
    hdr[5] = 2; /* big-endian */
    write_bytes("elfbe.so", hdr, sizeof hdr);
    fixture(path, sizeof path, "elfbe.so");
    expect_lookup_error(t, path, MP_ERR_UNSUPPORTED, "big-endian");
    hdr[5] = 1;
    hdr[16] = 3;   /* ET_DYN */
    hdr[18] = 40;  /* EM_ARM */
    write_bytes("arm.so", hdr, sizeof hdr);
    fixture(path, sizeof path, "arm.so");
    expect_lookup_error(t, path, MP_ERR_UNSUPPORTED, "machine 40");
    hdr[18] = 62;
    hdr[40] = 0xf0; /* section headers far past the end */
    hdr[60] = 5;
    hdr[58] = 64;
    write_bytes("badsh.so", hdr, sizeof hdr);
    fixture(path, sizeof path, "badsh.so");
    expect_lookup_error(t, path, MP_ERR_PARSE, "section headers");
    mp_symtab_free(t);
}

static unsigned char *read_fixture(const char *name, size_t *n)
{
    char path[PATH_MAX + 64];
    FILE *f;
    unsigned char *data;
    long size;
    fixture(path, sizeof path, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = (unsigned char *)malloc((size_t)size);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *n = (size_t)size;
    return data;
}

/* Every prefix length class and thousands of corrupted copies: an error or a result, never a
   crash (run under ASan by `make sanitize`). */
static void test_truncated_and_corrupted_elf(void **state)
{
    char path[PATH_MAX + 64];
    size_t n, cut, i;
    unsigned char *orig, *copy;
    unsigned seed = 12345;
    need_cc();
    (void)state;
    orig = read_fixture("libsym-stripped.so", &n);
    copy = (unsigned char *)malloc(n);
    assert_non_null(copy);
    fixture(path, sizeof path, "mangled.so");
    for (cut = 0; cut < n; cut += cut < 256 ? 1 : 97) {
        mp_symtab *t = NULL;
        mp_error err;
        const mp_sym *syms;
        size_t ns;
        write_bytes("mangled.so", orig, cut);
        assert_int_equal(mp_symtab_new(&t, &err), MP_OK);
        (void)mp_symtab_lookup(t, path, 0x1000, 0x100000, 0, &syms, &ns, &err);
        mp_symtab_free(t);
    }
    for (i = 0; i < 400; i++) {
        mp_symtab *t = NULL;
        mp_error err;
        const mp_sym *syms;
        size_t ns, k;
        mp_buf out = { NULL, 0, 0, 0 };
        memcpy(copy, orig, n);
        for (k = 0; k < 8; k++) { /* headers and tables live in the first and last KiBs */
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % (k & 1 ? n : (n < 4096 ? n : 4096));
            if (k & 2) at = n - 1 - at % (n < 8192 ? n : 8192);
            copy[at] = (unsigned char)(seed >> 3);
        }
        write_bytes("mangled.so", copy, n);
        assert_int_equal(mp_symtab_new(&t, &err), MP_OK);
        (void)mp_symtab_lookup(t, path, 0x1000, 0x100000, 0, &syms, &ns, &err);
        (void)mp_symtab_write_library(t, path, &out, &err);
        mp_buf_free(&out);
        mp_symtab_free(t);
    }
    free(copy);
    free(orig);
}

static void test_pseudo_libraries(void **state)
{
    static const char *const names[] = { "[vdso]", "[vsyscall]", "7f00aa000-7f00ab000" };
    mp_symtab *t = NULL;
    mp_error err;
    size_t i;
    (void)state;
    assert_int_equal(mp_symtab_new(&t, &err), MP_OK);
    for (i = 0; i < 3; i++) {
        const mp_sym *syms = (const mp_sym *)&err;
        size_t n = 7;
        assert_int_equal(mp_symtab_lookup(t, names[i], 0x1000, 0x2000, 0, &syms, &n, &err), MP_OK);
        assert_int_equal(n, 0);
    }
    mp_symtab_free(t);
}

/* ---- symbols file ----------------------------------------------------------------------------- */

static void save_buf(const char *name, const mp_buf *b)
{
    write_bytes(name, b->data ? b->data : "", b->len);
}

/* Export, load elsewhere, look up: the same entries, byte for byte. */
/* The radix sort of a table and the run merge of placed entries give what qsort gives with
   nm's comparator: random addresses over few and many distinct values (aliases), names
   with versions, all bytes of the address in play. */
static uint64_t sort_rand(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void test_table_sort_like_qsort(void **state)
{
    static const char *const names[] = { "b", "a", "ab", "a@@V1", "a@V2", "_Z1fv", "", "b@@V" };
    size_t sizes[] = { 0, 1, 2, 7, 100, 5000 }, si, i, trial;
    uint64_t x = 88172645463325252ull;
    mp__pmerge m;
    (void)state;
    for (si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
        for (trial = 0; trial < 6; trial++) {
            size_t n = sizes[si];
            mp__esym *a = (mp__esym *)test_calloc(n + 1, sizeof *a);
            mp__esym *b = (mp__esym *)test_calloc(n + 1, sizeof *b);
            for (i = 0; i < n; i++) {
                const char *nm = names[sort_rand(&x) % 8];
                const char *at = strchr(nm, '@');
                uint64_t r = sort_rand(&x);
                a[i].vma = trial == 0 ? r % 4 : trial == 1 ? r % 1000 : trial == 2 ? r
                         : trial == 3 ? 0x400000 + (r % 65536) * 16 : trial == 4 ? ~(r % 3) : 7;
                a[i].raw = nm;
                /* a name in the mapped file is measured only when it has aliases */
                a[i].keylen = at ? (uint32_t)(at - nm) : i % 2 ? MP__WHOLE_NAME : (uint32_t)strlen(nm);
                a[i].index = (uint32_t)i;
            }
            memcpy(b, a, n * sizeof *a);
            mp__esym_sort(a, n);
            if (n) qsort(b, n, sizeof *b, mp__esym_nm_order);
            for (i = 0; i < n; i++)
                if (a[i].index != b[i].index) fail_msg("n %zu trial %zu: entry %zu differs", n, trial, i);
            test_free(a);
            test_free(b);
        }
    for (si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
        for (trial = 0; trial < 4; trial++) {
            size_t n = sizes[si], cut = n ? sort_rand(&x) % n : 0;
            mp__placed *a = (mp__placed *)test_calloc(n + 1, sizeof *a);
            mp__placed *b = (mp__placed *)test_calloc(n + 1, sizeof *b);
            uint64_t at = 0;
            for (i = 0; i < n; i++) { /* trial 0: one run, 1: two, 2: three, 3: random */
                if (i == cut && trial >= 1) at = 0;
                if (trial == 2 && i == cut + (n - cut) / 2) at = 5;
                at += trial == 3 ? sort_rand(&x) % 50 - 25 : sort_rand(&x) % 3;
                a[i].start = at;
                a[i].seq = i;
            }
            memcpy(b, a, n * sizeof *a);
            mp__pmerge_init(&m, a, n);
            if (n) qsort(b, n, sizeof *b, mp__placed_order);
            for (i = 0; i < n; i++) {
                const mp__placed *e = mp__pmerge_next(&m);
                if (!e || e->seq != b[i].seq) fail_msg("placed n %zu trial %zu: entry %zu differs", n, trial, i);
            }
            if (mp__pmerge_next(&m)) fail_msg("placed n %zu trial %zu: more entries than given", n, trial);
            test_free(a);
            test_free(b);
        }
}

static void test_symbols_file_round_trip(void **state)
{
    static const char *const libs[] = { "libsym.so", "libsym-stripped.so", "libsym-shifted.so",
                                        "prog-nopie" };
    char path[PATH_MAX + 64], file[PATH_MAX + 64];
    mp_symtab *local = NULL, *portable = NULL;
    mp_buf b = { NULL, 0, 0, 0 };
    mp_error err;
    size_t i, k;
    need_cc();
    (void)state;
    assert_int_equal(mp_symtab_new(&local, &err), MP_OK);
    assert_int_equal(mp_symtab_write_header(&b, &err), MP_OK);
    for (i = 0; i < 4; i++) {
        fixture(path, sizeof path, libs[i]);
        assert_int_equal(mp_symtab_write_library(local, path, &b, &err), MP_OK);
    }
    save_buf("syms.txt", &b);
    mp_buf_free(&b);
    fixture(file, sizeof file, "syms.txt");
    assert_int_equal(mp_symtab_new(&portable, &err), MP_OK);
    assert_int_equal(mp_symtab_load_file(portable, file, &err), MP_OK);
    for (i = 0; i < 4; i++) {
        const mp_sym *a, *c;
        size_t na, nc;
        uint64_t start = i == 3 ? 0x400000 : 0x7f1234560000ull;
        fixture(path, sizeof path, libs[i]);
        assert_int_equal(mp_symtab_lookup(local, path, start, start + 0x10000, 0, &a, &na, &err), MP_OK);
        assert_int_equal(mp_symtab_lookup(portable, path, start, start + 0x10000, 0, &c, &nc, &err), MP_OK);
        assert_true(na > 5);
        assert_int_equal(na, nc);
        for (k = 0; k < na; k++) {
            assert_int_equal(a[k].start, c[k].start);
            assert_int_equal(a[k].end, c[k].end);
            assert_string_equal(a[k].name, c[k].name);
        }
    }
    /* A library the file lacks is not read from this machine. */
    expect_lookup_error(portable, "/usr/lib/x86_64-linux-gnu/libc.so.6", MP_ERR_NOT_FOUND,
                        "not in symbols file");
    mp_symtab_free(portable);
    mp_symtab_free(local);
}

/* A symbols file with this text, loaded into a new table (the test frees it). */
static mp_symtab *load_symbols_text(const char *name, const char *text)
{
    char file[PATH_MAX + 64];
    mp_symtab *t = NULL;
    mp_error err;
    write_text(name, text);
    fixture(file, sizeof file, name);
    assert_int_equal(mp_symtab_new(&t, &err), MP_OK);
    assert_int_equal(mp_symtab_load_file(t, file, &err), MP_OK);
    return t;
}

static void test_symbols_file_escapes(void **state)
{
    static const char text[] =
        "medprof-symbols 1\n"
        "# a library whose path and names need escapes\n"
        "library /opt/odd\\x2cname\\\\dir/lib.so\n"
        "elf dyn\n"
        "load 0 0 2000 5\n"
        "symtab 2\n"
        "100 10 T tab\\x09name\n"
        "200 0 t back\\\\slash\n"
        "dynsym 1\n"
        "300 8 W weak@@V1\n"
        "end\n";
    mp_symtab *t = load_symbols_text("escapes.txt", text);
    mp_error err;
    const mp_sym *s;
    size_t n;
    (void)state;
    assert_int_equal(mp_symtab_lookup(t, "/opt/odd\x2cname\\dir/lib.so", 0x10000, 0x12000, 0, &s,
                                      &n, &err), MP_OK);
    assert_int_equal(n, 3);
    assert_int_equal(s[0].start, 0x10100);
    assert_int_equal(s[0].end, 0x10110);
    assert_string_equal(s[0].name, "tab\tname");
    assert_int_equal(s[1].start, 0x10200); /* unsized: ends where the next line starts, */
    assert_int_equal(s[1].end, 0x10300);   /* here the dynamic table's first */
    assert_string_equal(s[1].name, "back\\slash");
    assert_string_equal(s[2].name, "weak@@V1");
    mp_symtab_free(t);
}

static void expect_file_error(const char *text, const char *part)
{
    char file[PATH_MAX + 64];
    mp_symtab *t = NULL;
    mp_error err;
    write_text("bad.txt", text);
    fixture(file, sizeof file, "bad.txt");
    assert_int_equal(mp_symtab_new(&t, &err), MP_OK);
    assert_int_equal(mp_symtab_load_file(t, file, &err), MP_ERR_PARSE);
    if (!strstr(err.msg, part)) fail_msg("message '%s' lacks '%s'", err.msg, part);
    mp_symtab_free(t);
}

/* A symbols file whose table is out of address order goes through V8's adding in its own
   order, every symbol: "a" is ended by "z" (past the mapping: dropped), and "b", listed
   after "z", is still placed. */
static void test_symbols_file_out_of_order(void **state)
{
    static const char text[] =
        "medprof-symbols 1\n"
        "library /opt/unsorted\n"
        "elf exec\n"
        "load 0 1000 2000 5\n"
        "symtab 3\n"
        "1100 0 T a\n"
        "3000 10 T z\n"
        "1200 0 T b\n"
        "dynsym 0\n"
        "end\n";
    mp_symtab *t = load_symbols_text("unsorted.txt", text);
    mp_error err;
    const mp_sym *s;
    size_t n;
    (void)state;
    assert_int_equal(mp_symtab_lookup(t, "/opt/unsorted", 0x1000, 0x2000, 0, &s, &n, &err), MP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(s[0].start, 0x1200);
    assert_int_equal(s[0].end, 0x2000);
    assert_string_equal(s[0].name, "b");
    mp_symtab_free(t);
}

static void test_symbols_file_errors(void **state)
{
    char file[PATH_MAX + 64];
    mp_symtab *t = NULL;
    mp_error err;
    const mp_sym *s;
    size_t n;
    (void)state;
    expect_file_error("not a symbols file\n", "not a medprof symbols file");
    expect_file_error("medprof-symbols 1\nlibrary /a\nelf dyn\nsymtab 2\n10 0 T a\n", ":6: end of file: fewer");
    expect_file_error("medprof-symbols 1\nlibrary /a\nelf odd\n", ":3: expected: elf");
    expect_file_error("medprof-symbols 1\nlibrary /a\nelf dyn\nsymtab 1\n10 0 D a\n", "letter");
    expect_file_error("medprof-symbols 1\nlibrary /a\nelf dyn\nsymtab 1\nzz 0 T a\n", "VMA SIZE");
    expect_file_error("medprof-symbols 1\nlibrary /a\nelf dyn\nsymtab 0\ndynsym 0\n", "expected: end");
    expect_file_error("medprof-symbols 1\nlibrary /a\nelf dyn\nsymtab x\n", "count");
    expect_file_error("medprof-symbols 1\nlibrary /a\nelf dyn\nsymtab 1\n10 0 T bad\\q\n", "escape");
    expect_file_error("medprof-symbols 1\nlibrary /a\nelf dyn\nsymtab 0\ndynsym 0\nend\n"
                      "library /a\nelf dyn\nsymtab 0\ndynsym 0\nend\n", "twice");
    expect_file_error("medprof-symbols 1\nsymtab 0\n", "expected: library");

    /* A failed load loses nothing: what an earlier file gave stays. */
    write_text("good.txt", "medprof-symbols 1\nlibrary /a\nelf exec\nsymtab 1\n1000 10 T f\ndynsym 0\nend\n");
    write_text("bad.txt", "medprof-symbols 1\nlibrary /b\nelf exec\nsymtab 1\n");
    assert_int_equal(mp_symtab_new(&t, &err), MP_OK);
    fixture(file, sizeof file, "good.txt");
    assert_int_equal(mp_symtab_load_file(t, file, &err), MP_OK);
    fixture(file, sizeof file, "bad.txt");
    assert_int_equal(mp_symtab_load_file(t, file, &err), MP_ERR_PARSE);
    assert_int_equal(mp_symtab_lookup(t, "/a", 0x400000, 0x500000, 0, &s, &n, &err), MP_OK);
    assert_int_equal(n, 0); /* ET_EXEC: 0x1000 is outside the record */
    assert_int_equal(mp_symtab_lookup(t, "/a", 0x1000, 0x2000, 0, &s, &n, &err), MP_OK);
    assert_int_equal(n, 1);
    assert_string_equal(s[0].name, "f");
    expect_lookup_error(t, "/b", MP_ERR_NOT_FOUND, "not in symbols file");
    fixture(file, sizeof file, "missing.txt");
    assert_int_equal(mp_symtab_load_file(t, file, &err), MP_ERR_NOT_FOUND);
    mp_symtab_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v8_unsized_take_next_start),
        cmocka_unit_test(test_v8_duplicates_and_markers),
        cmocka_unit_test(test_v8_clip_to_record),
        cmocka_unit_test(test_v8_two_tables),
        cmocka_unit_test(test_v8_add_run_like_every_symbol),
        cmocka_unit_test(test_v8_no_symbols),
        cmocka_unit_test(test_elf_nonpie_executable),
        cmocka_unit_test(test_elf_pie_executable),
        cmocka_unit_test(test_elf_shared_library),
        cmocka_unit_test(test_elf_stripped_library_versions),
        cmocka_unit_test(test_elf_shifted_library),
        cmocka_unit_test(test_no_demangler_keeps_mangled_names),
        cmocka_unit_test(test_rust_names_like_nm),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_truncated_and_corrupted_elf),
        cmocka_unit_test(test_pseudo_libraries),
        cmocka_unit_test(test_symbols_file_round_trip),
        cmocka_unit_test(test_symbols_file_escapes),
        cmocka_unit_test(test_symbols_file_out_of_order),
        cmocka_unit_test(test_symbols_file_errors),
        cmocka_unit_test(test_table_sort_like_qsort),
    };
    return run_suite(tests, group_setup, group_teardown);
}
