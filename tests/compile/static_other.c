/* The second translation unit of the MEDPROF_STATIC compile test: its own copy of the library. */
#define MEDPROF_STATIC
#define MEDPROF_IMPLEMENTATION
#include "medprof.h"

#include <string.h>

int other_copy_works(void);

int other_copy_works(void)
{
    return strcmp(mp_err_name(MP_ERR_TIMEOUT), "MP_ERR_TIMEOUT") == 0;
}
