// The header's declarations compile as C++ and link against the C implementation.
#include "medprof.h"
#include <cstring>

int main()
{
    mp_error err;
    mp_buf b;
    std::memset(&err, 0, sizeof err);
    std::memset(&b, 0, sizeof b);
    if (mp_load_write_phase(0, "warm", 0, 1, 0, &b, &err) != MP_OK) return 1;
    bool ok = std::strncmp(b.data, "Phase started: warm (index: 0, duration: 1s) ", 45) == 0;
    mp_buf_free(&b);
    return ok && std::strcmp(mp_err_str(MP_OK), "success") == 0 ? 0 : 1;
}
