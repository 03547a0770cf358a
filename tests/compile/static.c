/* MEDPROF_STATIC: a program whose own copy of the library is private to each translation unit
   that includes it. It calls a few functions and leaves the rest unused, which must build
   warning-free; static_other.c carries a second copy, which must link beside this one. */
#define MEDPROF_STATIC
#define MEDPROF_IMPLEMENTATION
#include "medprof.h"

#include <string.h>

int other_copy_works(void);

int main(void)
{
    mp_error err;
    if (mp_load_option_check("count", 0, &err) != MP_ERR_INVALID_ARG) return 1;
    if (strcmp(err.msg, "count option must be at least 1") != 0) return 1;
    return other_copy_works() ? 0 : 1;
}
