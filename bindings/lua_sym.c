/* lua_sym.c - the Lua binding of medprof.h's sym part (being written). */
#include "mpl.h"

void mpl_open_sym(lua_State *L)
{
    (void)L;
}
