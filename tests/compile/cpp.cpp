// The header's declarations compile as C++ and link against the C implementation.
#include "medprof.h"
#include <cstring>

int main()
{
    mp_error err;
    mp_url url;
    std::memset(&err, 0, sizeof err);
    if (mp_url_parse("http://localhost/", &url, &err) != MP_OK) return 1;
    bool ok = url.port == 80 && std::strcmp(url.path, "/") == 0;
    mp_url_free(&url);
    return ok && std::strcmp(mp_err_str(MP_OK), "success") == 0 ? 0 : 1;
}
