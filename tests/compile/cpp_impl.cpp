// The implementation itself compiles as C++ (as stb's test_cpp_compilation.cpp checks).
#define MEDPROF_IMPLEMENTATION
#include "medprof.h"

int main()
{
    return mp_err_name(MP_OK)[0] == 'M' ? 0 : 1;
}
