/* lua_load.c - the Lua binding of medprof.h's load part (being written). */
#include "mpl.h"

void mpl_open_load(lua_State *L)
{
    (void)L;
}
