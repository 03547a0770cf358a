/* A second translation unit that only uses the declarations: links against impl.c. */
#include <stdio.h>
#include <string.h>

#include "medprof.h"

int main(void)
{
    mp_url url;
    mp_error err;
    if (mp_url_parse("http://[::1]:8103/healthcheck?x=1#frag", &url, &err) != MP_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    if (strcmp(url.host, "::1") != 0 || url.port != 8103 || strcmp(url.path, "/healthcheck?x=1") != 0)
        return 1;
    mp_url_free(&url);
    return strcmp(mp_err_name(MP_ERR_TIMEOUT), "MP_ERR_TIMEOUT") == 0 ? 0 : 1;
}
