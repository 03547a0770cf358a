/* parts/sym_api.h: pasted into medprof.h at its place; no include guard. */

/* ============================================================================================
   SYMBOLS: mp_symtab_*
   ============================================================================================

   C++ symbols for the tick processor, read from ELF files (x86-64 and aarch64, little-endian
   ELF64) without running nm or objdump, or from a portable symbols file.

   What a lookup gives is what V8's LinuxCppEntriesProvider (tickprocessor.mjs) would add to
   the code map for one `shared-library` record if nm's output were complete and placed
   correctly: the symbols `nm -C -n -S LIB` then `nm -C -n -S -D LIB` print with the letter
   t, T, w or W, in that order (by address, then name), named as nm -C names them (C++
   demangled with the C++ runtime's __cxa_demangle, loaded at run time; dynamic symbols with
   "@@VERSION" or "@VERSION"), placed at their run-time address and fed through V8's addEntry:
     - placement: ET_EXEC (a non-PIE executable such as node at 0x400000): VMA + slide
       (slide is 0 on Linux). ET_DYN (PIE, shared library): base + VMA, with base = the log's
       start - (p_vaddr - p_offset) of the executable PT_LOAD segment the record describes.
     - a sized symbol is added if its start differs from the last added one and
       [start, start+size] lies within [start, end] of the record;
     - an unsized one ends where the next symbol starts, and is added if it is not inside
       the last added one and lies within the record; a sentinel at the record's end
       closes the last one.
   The result is sorted by start; of several entries with one start the first added is kept
   (V8's code map ignores the later ones). [vdso], [vsyscall] and "hex-hex" names give no
   symbols and no error, as in node. Ties among equal addresses are ordered by name in the C
   locale (nm sorts with strcoll, so its order there depends on LC_COLLATE).

   SYMBOLS FILE (`medprof symbols LIB... > syms.txt`; medprof process --symbols syms.txt)
   Text, one record per line:
      medprof-symbols 1                      first line
      # comment                              anywhere between libraries; blank lines too
      library PATH                           as the log names it
      elf exec|dyn                           ET_EXEC or ET_DYN
      load OFFSET VADDR MEMSZ FLAGS          each PT_LOAD program header (hex; FLAGS: 1 X, 2 W, 4 R)
      symtab COUNT                           decimal; then COUNT lines:
      VMA SIZE LETTER NAME                   hex, hex (0: no size), t/T/w/W, name as nm -C
                                             prints it; in nm -n order
      dynsym COUNT                           the same for nm -D's symbols
      VMA SIZE LETTER NAME
      end
   In PATH and NAME a backslash is written \\ and bytes below 0x20 and 0x7f as \xHH.
   Only what placement and V8's rules need is kept, so the file gives on any machine what
   the library gives on the machine that wrote it.

   THREADS: a lookup that has thousands of C++ names to demangle shares them among threads
   (one per CPU, at most 8), which allocate with MP_MALLOC: a custom one must be
   thread-safe. */

typedef struct mp_sym { uint64_t start, end; const char *name; } mp_sym;  /* placed: absolute addresses in the profiled process, [start, end) */
typedef struct mp_symtab mp_symtab;           /* symbol source: ELF files on this machine, or a portable symbols file */
MP_API mp_err mp_symtab_new(mp_symtab **out, mp_error *err);
MP_API mp_err mp_symtab_load_file(mp_symtab *t, const char *symbols_path, mp_error *err); /* `medprof symbols` output; its libraries are then used instead of local files */
/* The symbols of one `shared-library,name,start,end,slide` record, placed and clipped exactly as V8's
   LinuxCppEntriesProvider would with COMPLETE nm output and CORRECT placement (PIE and non-PIE), sorted by start,
   names as `nm -C` prints them. Owned by t, valid until mp_symtab_free. MP_ERR_NOT_FOUND / MP_ERR_IO / MP_ERR_PARSE
   when the library is missing or unreadable (the caller warns once and counts its ticks under the library). */
MP_API mp_err mp_symtab_lookup(mp_symtab *t, const char *lib, uint64_t start, uint64_t end, uint64_t slide,
                               const mp_sym **syms, size_t *n, mp_error *err);
MP_API void mp_symtab_free(mp_symtab *t);
/* Non-NULL once something degraded the names without failing a lookup (no __cxa_demangle:
   C++ names stay mangled). Report it once. */
MP_API const char *mp_symtab_warning(const mp_symtab *t);
/* The symbols file's first line, then one block per library (reading it as lookup does). */
MP_API void mp_symtab_export_header(mp_buf *out);
MP_API mp_err mp_symtab_export(mp_symtab *t, const char *lib, mp_buf *out, mp_error *err);
