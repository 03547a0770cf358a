/* lua_tick.c - the Lua binding of medprof.h's tick part (being written). */
#include "mpl.h"

void mpl_open_tick(lua_State *L)
{
    (void)L;
}
