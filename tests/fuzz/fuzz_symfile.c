/* libFuzzer target: the portable symbols-file reader (`medprof symbols` output comes from
   other machines), then a lookup of every library it may have described. */
#include "fuzz.h"

#include <stdio.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    mp_symtab *t;
    mp_error err;
    const mp_sym *syms;
    size_t n;
    FILE *f;
    snprintf(path, sizeof path, "/tmp/medprof-fuzz-syms-%d", (int)getpid());
    if (!(f = fopen(path, "wb"))) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    if (mp_symtab_new(&t, &err) == MP_OK) {
        if (mp_symtab_load_file(t, path, &err) == MP_OK) {
            mp_symtab_lookup(t, "/usr/bin/node", 0x400000, 0x2600000, 0, &syms, &n, &err);
            mp_symtab_lookup(t, "/lib/libx.so", 0x7f0000000000ull, 0x7f0000100000ull, 0, &syms, &n, &err);
        }
        mp_symtab_free(t);
    }
    unlink(path);
    return 0;
}
