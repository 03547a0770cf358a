/* The implementation translation unit of the two-TU compile test. */
#define MEDPROF_IMPLEMENTATION
#include "medprof.h"
#include "medprof.h" /* a second include must be harmless */
