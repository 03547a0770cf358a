/* sym-read.c - times medprof's symbol reading for the records a node log has for a binary:
   open + parse the ELF file, place and clip, demangle every name kept. One line per run:
   "SECONDS ENTRIES". Built and run by bench/process.sh:
       cc -O2 -I. -o /tmp/sym-read bench/sym-read.c -ldl -lpthread -lm
       /tmp/sym-read /usr/bin/node 0x400000 0xb71000 0x25fe000 0x2601000   (START END...) */
#define MEDPROF_IMPLEMENTATION
#include "medprof.h"

int main(int argc, char **argv)
{
    mp_symtab *t;
    mp_error err;
    size_t total = 0;
    double t0;
    int i;
    if (argc < 4) {
        fprintf(stderr, "usage: %s LIB START END [END...]\n", argv[0]);
        return 2;
    }
    t0 = mp_time_now();
    if (mp_symtab_new(&t, &err) != MP_OK) return 1;
    for (i = 3; i < argc; i++) {
        const mp_sym *syms;
        size_t n;
        if (mp_symtab_lookup(t, argv[1], strtoull(argv[2], NULL, 0), strtoull(argv[i], NULL, 0), 0,
                             &syms, &n, &err) != MP_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        total += n;
    }
    printf("%.3f %zu\n", mp_time_now() - t0, total);
    mp_symtab_free(t);
    return 0;
}
