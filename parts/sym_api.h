/* parts/sym_api.h: pasted into medprof.h at its place; no include guard. */
