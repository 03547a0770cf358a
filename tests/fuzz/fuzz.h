/* Shared by the libFuzzer targets: the whole library in the target's one translation unit. */
#define MEDPROF_IMPLEMENTATION
#include "medprof.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (NUL bytes inside end it early, as in C callers). */
static char *fuzz_cstring(const uint8_t *data, size_t size)
{
    char *s = (char *)malloc(size + 1);
    if (!s) return NULL;
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}
