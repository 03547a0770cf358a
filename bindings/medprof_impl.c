/* The one translation unit that compiles the library. */
#define MEDPROF_IMPLEMENTATION
#include "../medprof.h"
