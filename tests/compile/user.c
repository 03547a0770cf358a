/* A second translation unit that only uses the declarations: links against impl.c. */
#include <stdio.h>
#include <string.h>

#include "medprof.h"

int main(void)
{
    mp_buf b = { 0 };
    mp_error err;
    int ok;
    if (mp_load_option_check("duration", -1, &err) != MP_ERR_INVALID_ARG) return 1;
    if (strcmp(err.msg, "duration option must not be negative") != 0) return 1;
    if (mp_load_write_phase(1, NULL, 2, 0.5, 0, &b, &err) != MP_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    ok = strncmp(b.data, "Phase completed: unnamed (index: 2, duration: 0.5s) ", 52) == 0;
    mp_buf_free(&b);
    return ok && strcmp(mp_err_name(MP_ERR_TIMEOUT), "MP_ERR_TIMEOUT") == 0 ? 0 : 1;
}
