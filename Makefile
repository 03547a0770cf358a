# medprof - build, test, install. `make help` lists the targets.
#
# One C library (medprof.h) and one Lua binding (bindings/), compiled once and linked twice:
# into the `medprof` CLI with Lua embedded, and into the Lua C module medprof.so.

CC       ?= cc
LUA_PKG  ?= lua5.4
PREFIX   ?= /usr/local
BUILD    ?= build

WARN     := -Wall -Wextra -Werror -Wshadow -Wundef -Wstrict-prototypes -Wmissing-prototypes \
            -Wwrite-strings
STD      := -std=c11 -D_POSIX_C_SOURCE=200809L
OPT      ?= -O2 -g
CFLAGS   ?=
LUA_CFLAGS := $(shell pkg-config --cflags $(LUA_PKG) 2>/dev/null)
LUA_LIBS   := $(shell pkg-config --libs $(LUA_PKG) 2>/dev/null)
ALL_CFLAGS  = $(STD) $(OPT) $(WARN) $(SAN) $(CFLAGS)
LIBS       := -lpthread -ldl -lm
VERSION    := $(shell sed -n 's/^\#define MP_VERSION_STRING "\(.*\)"/\1/p' medprof.h)

SCRIPTS    := $(sort $(wildcard scripts/*.lua))
LUA_LIBSRC := $(sort $(wildcard scripts/lib/*.lua))
BIND_SRC   := $(sort $(filter-out bindings/main.c bindings/embed.c,$(wildcard bindings/*.c)))
BIND_HDR   := bindings/mpl.h medprof.h
C_TESTS    := $(patsubst tests/%.c,$(BUILD)/tests/%,$(sort $(wildcard tests/test_*.c)))
EXAMPLES   := $(patsubst examples/%.c,$(BUILD)/examples/%,$(sort $(wildcard examples/*.c)))
TEST_SERVERS := $(patsubst tests/servers/%.c,$(BUILD)/tests/servers/%,$(sort $(wildcard tests/servers/*.c)))

.PHONY: all test run-tests fuzz run-fuzz valgrind run-valgrind sanitize tsan deps install uninstall demo clean help examples

all: $(BUILD)/medprof $(BUILD)/medprof.so

help:
	@echo "make              (all) build build/medprof (CLI) and build/medprof.so (Lua module)"
	@echo "make test         install missing deps, build, run every suite (C, Lua, end-to-end);"
	@echo "                  ends with one line: N passed, N failed"
	@echo "    SUITE=NAME    only that suite: a C suite (test_tick), a compile check (compile_cpp),"
	@echo "                  lua, or an e2e script's name (diff, example_spawn, clone)"
	@echo "    TEST_FILTER=P the C suites run only the tests whose names match P (cmocka's * and ?"
	@echo "                  wildcards; also read from the environment by build/tests/test_* run alone)"
	@echo "make run-tests    make test without the deps check"
	@echo "make sanitize     the same tests built with ASan+UBSan (in build/sanitize)"
	@echo "make tsan         the two-thread tick reader under ThreadSanitizer (in build/tsan)"
	@echo "make valgrind     every C suite under valgrind's leak checker (in build/valgrind)"
	@echo "make run-valgrind make valgrind without the deps check"
	@echo "make fuzz         each libFuzzer target for FUZZ_SECONDS (default 10) on its corpus"
	@echo "make run-fuzz     make fuzz without the package checks"
	@echo "make examples     build the C examples (examples/*.c) into build/examples"
	@echo "make demo         install missing deps, build, run the workflow on examples/server.js"
	@echo "make deps         install missing Debian packages (as root), else say what is missing"
	@echo "make install      PREFIX=/usr/local (and DESTDIR): binary, header, Lua module, medprof.pc"
	@echo "make uninstall    remove what make install put under PREFIX"
	@echo "make clean        remove build/"
	@echo "make help         this list"
	@echo "BUILD=DIR puts a build elsewhere; CC, OPT and CFLAGS change the compiler and its flags."

$(BUILD)/embed: bindings/embed.c
	@mkdir -p $(@D)
	$(CC) $(STD) -O1 $(WARN) -o $@ $<

$(BUILD)/embedded.c: $(BUILD)/embed $(SCRIPTS) $(LUA_LIBSRC)
	$(BUILD)/embed $@ $(SCRIPTS) $(LUA_LIBSRC)

# The library and the binding are compiled once, position-independent, and linked into both
# the CLI and the module. No semantic interposition: the library's calls to its own public
# functions may be inlined as in a non-PIC build (nobody interposes on them).
PIC        := -fPIC -fno-semantic-interposition
OBJ        := $(BUILD)/obj
# The library first: it takes longest, so `make -j` starts it before the small files.
BIND_OBJ   := $(OBJ)/medprof_impl.o \
              $(patsubst bindings/%.c,$(OBJ)/%.o,$(filter-out bindings/medprof_impl.c,$(BIND_SRC))) \
              $(OBJ)/embedded.o

$(OBJ)/medprof_impl.o: bindings/medprof_impl.c medprof.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PIC) -c -o $@ $<

$(OBJ)/%.o: bindings/%.c $(BIND_HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LUA_CFLAGS) $(PIC) -c -o $@ $<

$(OBJ)/embedded.o: $(BUILD)/embedded.c $(BIND_HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LUA_CFLAGS) -Ibindings $(PIC) -c -o $@ $<

$(BUILD)/medprof: $(BIND_OBJ) $(OBJ)/main.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LUA_LIBS) $(LIBS) -rdynamic

# A Lua C module takes the Lua API from the interpreter that loads it: no -llua.
$(BUILD)/medprof.so: $(BIND_OBJ)
	$(CC) $(ALL_CFLAGS) -fPIC -shared -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/%.c medprof.h $(wildcard tests/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -I. -Itests -o $@ $< -lcmocka $(LIBS)

# test_load starts the hostile server, which it finds next to itself.
$(BUILD)/tests/test_load: | $(BUILD)/tests/servers/hostile

# Servers the load tests start (tests/servers/*.c: plain C, no medprof.h).
$(BUILD)/tests/servers/%: tests/servers/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $<

# The header as C++, and from two translation units with gcc and clang.
$(BUILD)/tests/compile_cpp: tests/compile/cpp.cpp tests/compile/impl.c medprof.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) -I. -c -o $(BUILD)/tests/impl.o tests/compile/impl.c
	c++ -std=c++11 -Wall -Wextra -Werror -I. -o $@ tests/compile/cpp.cpp $(BUILD)/tests/impl.o $(LIBS)
$(BUILD)/tests/compile_cpp_impl: tests/compile/cpp_impl.cpp medprof.h
	@mkdir -p $(@D)
	c++ -std=c++11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -I. -o $@ $< $(LIBS)
$(BUILD)/tests/compile_two_tu_%: tests/compile/impl.c tests/compile/user.c medprof.h
	@mkdir -p $(@D)
	$* $(STD) $(WARN) -I. -o $@ tests/compile/impl.c tests/compile/user.c $(LIBS)

# MEDPROF_STATIC: two private copies of the library in one program, with gcc and clang, under
# the project's warnings; none of its functions may be exported.
$(BUILD)/tests/compile_static_%: tests/compile/static.c tests/compile/static_other.c medprof.h
	@mkdir -p $(@D)
	$* $(STD) $(WARN) -I. -o $@ tests/compile/static.c tests/compile/static_other.c $(LIBS)
	@if nm -g --defined-only $@ | grep ' mp_'; then \
	    echo "MEDPROF_STATIC: the functions above are exported" >&2; rm -f $@; exit 1; fi

COMPILE_TESTS := $(BUILD)/tests/compile_cpp $(BUILD)/tests/compile_cpp_impl \
                 $(BUILD)/tests/compile_two_tu_gcc \
                 $(BUILD)/tests/compile_two_tu_clang \
                 $(BUILD)/tests/compile_static_gcc \
                 $(BUILD)/tests/compile_static_clang

$(BUILD)/examples/%: examples/%.c medprof.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -I. -o $@ $< $(LIBS)

examples: $(EXAMPLES)

# deps runs first, in its own make: the pkg-config flags above are read when make starts,
# and on a fresh machine Lua's headers arrive only with deps.
test: deps
	@$(MAKE) --no-print-directory run-tests

# SUITE=NAME runs one suite (tests/run.sh names them) and builds only what it needs: a C
# suite or compile check its binary, the Lua and e2e suites medprof, its servers and examples.
SUITE ?=
ifeq ($(SUITE),)
RUN_NEEDS := all $(TEST_SERVERS) $(C_TESTS) $(COMPILE_TESTS) $(EXAMPLES)
else ifneq ($(filter $(BUILD)/tests/$(SUITE),$(C_TESTS) $(COMPILE_TESTS)),)
RUN_NEEDS := $(BUILD)/tests/$(SUITE)
else
RUN_NEEDS := all $(TEST_SERVERS) $(EXAMPLES)
endif

run-tests: $(RUN_NEEDS)
	@BUILD=$(BUILD) SUITE="$(SUITE)" MP_PRELOAD="$(MP_PRELOAD)" sh tests/run.sh

# A sanitized medprof.so needs the sanitizer runtimes preloaded into the stock lua5.4.
# tests/e2e/clone.sh is left out: whether the repository holds all its tests need does not
# depend on the build, and make test checks it.
sanitize: deps
	@MEDPROF_CLONE_CHECK=skip $(MAKE) --no-print-directory run-tests BUILD=build/sanitize OPT="-O1 -g" \
	    MP_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"

# The tick reader's two threads (the read-ahead) under ThreadSanitizer: medprof built with
# -fsanitize=thread runs the scripts that read logs both ways; a race report fails a check.
TSAN_E2E := tests/e2e/process_readahead.sh tests/e2e/process_vs_node.sh
tsan: deps
	@$(MAKE) --no-print-directory BUILD=build/tsan OPT="-O1 -g" SAN="-fsanitize=thread" \
	    build/tsan/medprof
	@fails=0; for t in $(TSAN_E2E); do \
	    TSAN_OPTIONS=halt_on_error=1:exitcode=66 BUILD=build/tsan sh $$t >build/tsan/e2e.log 2>&1 \
	        || { grep -a '^FAIL' build/tsan/e2e.log | head -n 20; fails=1; }; \
	    printf 'tsan %-22s %s passed, %s failed\n' $$(basename $$t .sh) \
	        "$$(grep -ac '^ok' build/tsan/e2e.log)" "$$(grep -ac '^FAIL' build/tsan/e2e.log)"; \
	done; exit $$fails

demo: deps
	@$(MAKE) --no-print-directory all
	@sh examples/demo.sh $(BUILD)

# Debian packages the build, the tests and the demo need. Installs only what is missing,
# and only as root; otherwise prints the apt-get line to run.
DEB_PKGS := make gcc g++ clang pkg-config liblua5.4-dev lua5.4 libcmocka-dev libxml2-utils
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	    echo "medprof needs:$$missing -- run: sudo apt-get install$$missing" >&2; exit 1; \
	fi; \
	echo "installing:$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null
	@# Headless Chromium renders the SVG and HTML reports in the tests. Best effort: without it
	@# those checks say "skip" and everything else runs.
	@command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || { \
	    echo "installing: chromium (for the browser checks of the reports)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; } || \
	    echo "chromium could not be installed: the browser checks will be skipped"; }

# Every cmocka suite under valgrind's leak checker (a separate build: valgrind and ASan
# do not mix). Fails on any leak or memory error.
valgrind: deps
	@$(MAKE) --no-print-directory run-valgrind BUILD=build/valgrind OPT="-O1 -g"

run-valgrind: $(C_TESTS) $(TEST_SERVERS)
	@set -e; for t in $(C_TESTS); do \
	    valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	        --error-exitcode=1 --trace-children=no $$t >$$t.valgrind 2>&1 || \
	        { tail -n 60 $$t.valgrind; echo "valgrind: $$t failed"; exit 1; }; \
	    echo "valgrind: $$t clean"; \
	done

# libFuzzer targets (tests/fuzz/fuzz_*.c), each run FUZZ_SECONDS on its seed corpus plus what
# earlier runs found (kept in $(BUILD)/fuzz/). A crash stops the run and leaves crash-* files.
FUZZ_SECONDS ?= 10
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_FLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fno-omit-frame-pointer \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h medprof.h
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -I. -o $@ $< $(LIBS)

# The Lua binding's target links the binding (sanitized with it) and Lua; the library's
# implementation is in the target's own file, which calls some of its internals.
FUZZ_LUA_SRC := $(filter-out bindings/medprof_impl.c,$(BIND_SRC))
$(BUILD)/fuzz/fuzz_lua: tests/fuzz/fuzz_lua.c $(FUZZ_LUA_SRC) $(BUILD)/embedded.c $(BIND_HDR)
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) $(LUA_CFLAGS) -I. -Ibindings -o $@ $< $(FUZZ_LUA_SRC) \
	    $(BUILD)/embedded.c $(LUA_LIBS) $(LIBS)

fuzz: deps
	@for p in clang libclang-rt-14-dev; do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || \
	    { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$p >/dev/null; } || \
	    { echo "make fuzz needs $$p (apt-get install $$p)" >&2; exit 1; }; \
	done
	@$(MAKE) --no-print-directory run-fuzz

run-fuzz: $(FUZZ_BINS)
	@set -e; for bin in $(FUZZ_BINS); do \
	    t=$${bin##*/fuzz_}; mkdir -p $(BUILD)/fuzz/found-$$t; \
	    dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
	    $$bin -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=1024 $$dict \
	        -artifact_prefix=$(BUILD)/fuzz/crash-$$t- $(BUILD)/fuzz/found-$$t tests/fuzz/corpus/$$t \
	        >$(BUILD)/fuzz/$$t.log 2>&1 || { tail -n 40 $(BUILD)/fuzz/$$t.log; exit 1; }; \
	    printf 'fuzz %-8s %s\n' $$t "$$(grep -a -o 'Done [0-9]* runs in [0-9]* second' $(BUILD)/fuzz/$$t.log)"; \
	done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include \
	    $(DESTDIR)$(PREFIX)/lib/lua/5.4 $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(BUILD)/medprof $(DESTDIR)$(PREFIX)/bin/medprof
	install -m 644 medprof.h $(DESTDIR)$(PREFIX)/include/medprof.h
	install -m 755 $(BUILD)/medprof.so $(DESTDIR)$(PREFIX)/lib/lua/5.4/medprof.so
	printf 'prefix=%s\nincludedir=$${prefix}/include\n\nName: medprof\nDescription: %s\nVersion: %s\nCflags: -I$${includedir} -D_POSIX_C_SOURCE=200809L\nLibs: -lpthread -ldl -lm\n' \
	    '$(PREFIX)' 'single-header Node.js profiling and HTTP load library' '$(VERSION)' \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/medprof.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/medprof $(DESTDIR)$(PREFIX)/include/medprof.h \
	    $(DESTDIR)$(PREFIX)/lib/lua/5.4/medprof.so $(DESTDIR)$(PREFIX)/lib/pkgconfig/medprof.pc

clean:
	rm -rf build
