/* parts/sym_impl.h: pasted into medprof.h at its place; no include guard. */
