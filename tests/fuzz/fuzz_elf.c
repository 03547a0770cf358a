/* libFuzzer target: the ELF symbol reader, on arbitrary file contents placed as a library
   and as an executable. The reader maps files, so each input goes through a scratch file. */
#include "fuzz.h"

#include <stdio.h>
#include <unistd.h>

static void lookup(const char *path, uint64_t start, uint64_t end)
{
    mp_symtab *t;
    const mp_sym *syms;
    size_t n, i;
    mp_error err;
    if (mp_symtab_new(&t, &err) != MP_OK) return;
    if (mp_symtab_lookup(t, path, start, end, 0, &syms, &n, &err) == MP_OK)
        for (i = 0; i < n; i++) {
            MP_ASSERT(syms[i].start < syms[i].end || syms[i].start == syms[i].end);
            MP_ASSERT(syms[i].name != NULL);
        }
    mp_symtab_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    FILE *f;
    snprintf(path, sizeof path, "/tmp/medprof-fuzz-elf-%d", (int)getpid());
    if (!(f = fopen(path, "wb"))) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    lookup(path, 0x400000, 0x2000000);
    lookup(path, 0x7f0000000000ull, 0x7f0000400000ull);
    unlink(path);
    return 0;
}
