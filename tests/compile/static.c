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
    mp_url url;
    mp_error err;
    if (mp_url_parse("http://127.0.0.1:8103/healthcheck", &url, &err) != MP_OK) return 1;
    if (strcmp(url.host, "127.0.0.1") != 0 || url.port != 8103) return 1;
    mp_url_free(&url);
    return other_copy_works() ? 0 : 1;
}
