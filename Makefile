# SPDX-License-Identifier: GPL-2.0-or-later
# khoinspect — see README.md. `make demo`, `make check`.
CC ?= cc
PKG_CONFIG ?= pkg-config
WARN := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wformat=2 -Wvla -Wimplicit-fallthrough -Wwrite-strings -Wcast-qual
CFLAGS ?= -O2 -g
ifeq ($(WERROR),1)
WARN += -Werror
endif
ifeq ($(SANITIZE),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
# SANITIZE=thread: ThreadSanitizer, for the helper threads (tests/cli/t_threads.sh)
ifeq ($(SANITIZE),thread)
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
endif
ELF_CFLAGS := $(shell $(PKG_CONFIG) --cflags libelf 2>/dev/null)
ELF_LIBS := $(shell $(PKG_CONFIG) --libs libelf 2>/dev/null || echo -lelf)
KDUMP_CFLAGS := $(shell $(PKG_CONFIG) --cflags libkdumpfile 2>/dev/null)
KDUMP_LIBS := $(shell $(PKG_CONFIG) --libs libkdumpfile 2>/dev/null || echo -lkdumpfile)
XXH_LIBS := $(shell $(PKG_CONFIG) --libs libxxhash 2>/dev/null || echo -lxxhash)
# libfdt 1.6.1 on bookworm ships no pkg-config file.
FDT_LIBS := $(shell $(PKG_CONFIG) --libs libfdt 2>/dev/null || echo -lfdt)
CRIT_CFLAGS := $(shell $(PKG_CONFIG) --cflags criterion 2>/dev/null)
CRIT_LIBS := $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null || echo -lcriterion)

ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARN) -Iinclude $(LIB_INC) $(ELF_CFLAGS) $(KDUMP_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS)
LIBS := $(ELF_LIBS) $(KDUMP_LIBS) $(FDT_LIBS) $(XXH_LIBS) -pthread

B := build$(if $(filter 1,$(SANITIZE)),-san)$(if $(filter thread,$(SANITIZE)),-tsan)
# The source tree shows the layers, lowest first (README "Source layout"):
# base → memory → source (containers) → format → model → check → api (the
# public C API, include/khoinspect.h), then cli.
# Library objects are compiled without -Isrc/cli: a library file that
# includes a CLI header does not build (tools/layers.py checks the rest).
LAYERS := base memory source format model check api
LIB_DIRS := $(LAYERS:%=src/lib/%)
LIB_INC := $(LIB_DIRS:%=-I%)
LIB_SRCS := $(filter-out %/fault.c,$(foreach d,$(LIB_DIRS),$(sort $(wildcard $(d)/*.c))))
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
HDRS := $(wildcard include/*.h src/lib/*/*.h src/cli/*.h)
vpath %.c $(LIB_DIRS) src/cli
LIB_OBJS := $(addprefix $(B)/,$(notdir $(LIB_SRCS:.c=.o)))
CLI_OBJS := $(addprefix $(B)/,$(notdir $(CLI_SRCS:.c=.o)))
$(CLI_OBJS): ALL_CFLAGS += -Isrc/cli
# One object set for the binary and libkhoinspect: position-independent,
# and nothing visible outside the .so unless src/lib/api/ marks it
# KHOINSPECT_EXPORT (the version script says the same).
$(LIB_OBJS): ALL_CFLAGS += -fPIC -fvisibility=hidden
# The suites (test_*.c) and their shared helpers (tests/unit/testutils.[ch]).
UNIT_SRCS := $(wildcard tests/unit/test_*.c) tests/unit/testutils.c

FUZZ_MODES := raw elf kdump fdt text sub map manifest
REPLAYS := $(FUZZ_MODES:%=$(B)/replay-%)

BIN := $(B)/khoinspect
GEN := $(B)/khogen
UNIT := $(B)/unit-tests

# libkhoinspect (include/khoinspect.h, man/libkhoinspect.3): the soname's
# major version is KHOINSPECT_API_VERSION.
LIB_VERSION := 0.1.0
LIB_SONAME := libkhoinspect.so.0
SOLIB := $(B)/libkhoinspect.so.$(LIB_VERSION)
ALIB := $(B)/libkhoinspect.a
LIB_MAP := src/lib/api/libkhoinspect.map

.PHONY: all check check-kernel unit cli demo deps clean lint-man fuzz fuzz-smoke fuzz-replay fuzz-fast fuzz-deep oom oom-full bench lib
all: $(BIN) khoinspect lib
lib: $(SOLIB) $(B)/$(LIB_SONAME) $(B)/libkhoinspect.so $(ALIB)

$(SOLIB): $(LIB_OBJS) $(LIB_MAP)
	$(CC) $(CFLAGS) $(SANFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script=$(LIB_MAP) -Wl,--no-undefined -o $@ $(LIB_OBJS) $(LIBS)
$(B)/$(LIB_SONAME): $(SOLIB)
	ln -sfn $(notdir $(SOLIB)) $@
$(B)/libkhoinspect.so: $(B)/$(LIB_SONAME)
	ln -sfn $(LIB_SONAME) $@
$(ALIB): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

# ./khoinspect: a link to the binary the last build made (build/, build-san/).
khoinspect: $(BIN) FORCE
	@[ "$$(readlink $@)" = $(BIN) ] || ln -sfn $(BIN) $@

$(B)/%.o: %.c $(HDRS) | $(B)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B):
	mkdir -p $@

$(BIN): $(LIB_OBJS) $(CLI_OBJS)
	$(CC) $(CFLAGS) $(SANFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(GEN): tests/gen/khogen.c | $(B)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -o $@ $< $(FDT_LIBS)

$(UNIT): $(UNIT_SRCS) tests/unit/testutils.h $(LIB_OBJS) $(B)/output.o | $(B)
	$(CC) $(ALL_CFLAGS) -Isrc/cli $(CRIT_CFLAGS) -o $@ $(UNIT_SRCS) $(LIB_OBJS) $(B)/output.o $(LIBS) $(CRIT_LIBS)

$(B)/replay-%: tests/fuzz/fuzz_input.c tests/fuzz/replay.c $(LIB_OBJS) | $(B)
	$(CC) $(ALL_CFLAGS) -DFUZZ_MODE_$(shell echo $* | tr a-z A-Z) -o $@ \
		tests/fuzz/fuzz_input.c tests/fuzz/replay.c $(LIB_OBJS) $(LIBS)

# Regression corpus (seeds and every crasher found so far), no libFuzzer needed.
fuzz-replay: $(REPLAYS)
	@for m in $(FUZZ_MODES); do printf '%-6s ' $$m; $(B)/replay-$$m tests/fuzz/corpus/$$m || exit 1; done

# libFuzzer builds (clang): make fuzz-smoke FUZZ_SECONDS=60. fuzz-kdump runs
# without leak detection: contexts libkdumpfile failed to open are parked,
# not freed (kdump_free can crash on them), and they add up over millions
# of inputs in one process; the CLI opens one dump per process. Its seeds
# are a 1 MiB QEMU q35 guest (kdump-zlib, 282 KB) and a booted 1 GiB x86
# guest cropped by tests/fuzz/kdump-crop.py (347 KB), hence the larger
# -max_len; the raw and elf LUO seeds are about 245 KB.
FUZZ_SECONDS ?= 30
FB := build-fuzz
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Iinclude $(LIB_INC) $(ELF_CFLAGS) $(KDUMP_CFLAGS) -g -O1 \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
$(FB)/%.o: %.c $(HDRS)
	@mkdir -p $(FB)
	clang $(FUZZ_CFLAGS) -c -o $@ $<
$(FB)/fuzz-%: tests/fuzz/fuzz_input.c $(addprefix $(FB)/,$(notdir $(LIB_SRCS:.c=.o)))
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -DFUZZ_MODE_$(shell echo $* | tr a-z A-Z) -o $@ $^ $(LIBS)
.PRECIOUS: $(FB)/%.o
fuzz: $(FUZZ_MODES:%=$(FB)/fuzz-%)
fuzz-smoke: fuzz
	@for m in $(FUZZ_MODES); do \
		mkdir -p $(FB)/corpus-$$m $(FB)/crash-$$m; \
		echo "== fuzz-$$m for $(FUZZ_SECONDS) s"; \
		leaks=1; len=131072; [ $$m = kdump ] && leaks=0 && len=360000; { [ $$m = raw ] || [ $$m = elf ]; } && len=262144; \
		$(FB)/fuzz-$$m -max_total_time=$(FUZZ_SECONDS) -max_len=$$len -timeout=10 -rss_limit_mb=2048 \
			-detect_leaks=$$leaks \
			-artifact_prefix=$(FB)/crash-$$m/ $(FB)/corpus-$$m tests/fuzz/corpus/$$m 2>&1 | tail -3 || exit 1; \
	done

# Allocation-failure injection (tests/cli/t_oom.sh): the same objects linked
# with src/lib/base/fault.c and --wrap for every allocator our code calls; the Nth
# allocation fails when KI_FAULT_NTH=N. `make check SANITIZE=1` runs the
# sampled sweep (every N up to a bound, then a stride); `make oom-full
# SANITIZE=1` every N of every command.
FAULT_WRAP := malloc calloc realloc reallocarray aligned_alloc strdup strndup asprintf \
	vasprintf open_memstream fopencookie XXH3_createState
FAULT_BIN := $(B)/khoinspect-fault
$(B)/fault.o: src/lib/base/fault.c | $(B)
	$(CC) $(ALL_CFLAGS) -DKI_FAULT_INJECT -c -o $@ $<
$(FAULT_BIN): $(LIB_OBJS) $(CLI_OBJS) $(B)/fault.o
	$(CC) $(CFLAGS) $(SANFLAGS) $(FAULT_WRAP:%=-Wl,--wrap=%) -o $@ $^ $(LIBS)
oom: $(BIN) $(GEN) $(FAULT_BIN)
	@KI_FAULT=$(FAULT_BIN) KI_TEST_ONLY=t_oom sh tests/cli/run.sh $(BIN) $(GEN)
oom-full: $(BIN) $(GEN) $(FAULT_BIN)
	@KI_FAULT=$(FAULT_BIN) KI_OOM_ALL=1 KI_TEST_ONLY=t_oom sh tests/cli/run.sh $(BIN) $(GEN)

# In-memory harnesses (map, sub: no file, no scan), built for speed: -O2,
# ASan with UBSan's cheap checks only (the whole of UBSan triples the time
# per input), and 16 findings kept per input (formatting the thousand a
# damaged input makes cost more than decoding it; the rest are counted);
# `make check SANITIZE=1` replays their corpus under all of UBSan and the
# full cap. make fuzz-deep FUZZ_RUNS=N [FUZZ_DEEP_SECONDS=S] runs both at
# once, niced, N executions each (or S seconds), logs in $(FFB)/deep-*.log
# (tests/fuzz/README.md records the runs).
FAST_MODES := map sub
FFB := build-fuzz-fast
FUZZ_RUNS ?= 10000000
FUZZ_DEEP_SECONDS ?= 0
FUZZ_FAST_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Iinclude $(LIB_INC) $(ELF_CFLAGS) $(KDUMP_CFLAGS) -g -O2 \
	-DKI_FINDINGS_KEEP=16 -fsanitize=fuzzer-no-link,address,shift,bounds,integer-divide-by-zero \
	-fno-sanitize-recover=all
$(FFB)/%.o: %.c $(HDRS)
	@mkdir -p $(FFB)
	clang $(FUZZ_FAST_CFLAGS) -c -o $@ $<
$(FFB)/fuzz-%: tests/fuzz/fuzz_input.c $(addprefix $(FFB)/,$(notdir $(LIB_SRCS:.c=.o)))
	clang $(FUZZ_FAST_CFLAGS) -fsanitize=fuzzer -DFUZZ_MODE_$(shell echo $* | tr a-z A-Z) -o $@ $^ $(LIBS)
.PRECIOUS: $(FFB)/%.o
fuzz-fast: $(FAST_MODES:%=$(FFB)/fuzz-%)
# map: 131072 bytes hold two 64 KiB pages; sub: 20 pages of 4 KiB (the LUO seeds are 17)
fuzz-deep: fuzz-fast
	@pids=; for m in $(FAST_MODES); do \
		mkdir -p $(FFB)/corpus-$$m $(FFB)/crash-$$m; \
		case $$m in map) len=131072;; *) len=81921;; esac; \
		echo "== fuzz-$$m: $(FUZZ_RUNS) executions, log $(FFB)/deep-$$m.log"; \
		ASAN_OPTIONS=quarantine_size_mb=16 nice -n 10 $(FFB)/fuzz-$$m -runs=$(FUZZ_RUNS) \
			-max_total_time=$(FUZZ_DEEP_SECONDS) -max_len=$$len -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 -artifact_prefix=$(FFB)/crash-$$m/ $(FFB)/corpus-$$m \
			tests/fuzz/corpus/$$m >$(FFB)/deep-$$m.log 2>&1 & pids="$$pids $$!"; \
	done; st=0; for p in $$pids; do wait $$p || st=1; done; \
	for m in $(FAST_MODES); do echo "== fuzz-$$m"; \
		grep -E '^(stat::|Done|==|SUMMARY)' $(FFB)/deep-$$m.log; done; exit $$st

# Installs the Debian packages the build and the tests need (root or sudo).
deps:
	@sh tools/deps.sh

MAN_PAGES := man/khoinspect.1 man/libkhoinspect.3
lint-man:
	@for p in $(MAN_PAGES); do \
		out=$$(groff -man -ww -z $$p 2>&1); \
		if [ -n "$$out" ]; then echo "$$out"; echo "man page lint failed: $$p"; exit 1; fi; \
	done; \
	echo "man page lint: clean"

cli: $(BIN) lib $(GEN)
	@sh tests/cli/run.sh $(BIN) $(GEN)

unit: $(UNIT)
	$(UNIT)

# CLI tests first, Criterion last: its "Synthesis:" line closes the output.
check: deps $(BIN) lib $(GEN) $(UNIT) $(REPLAYS) lint-man $(if $(filter 1,$(SANITIZE)),$(FAULT_BIN))
	@$(MAKE) --no-print-directory fuzz-replay
	@$(if $(filter 1,$(SANITIZE)),KI_FAULT=$(FAULT_BIN)) sh tests/cli/run.sh $(BIN) $(GEN)
	$(UNIT)

# Not part of check: large images, minutes. Needs python3-drgn for the peer.
# Real kernels in QEMU (tests/kernel/README.md): builds or takes from the cache x86_64 and
# arm64 (16K, 64K) KHO kernels, boots them, kexecs, dumps, and holds khoinspect against the
# kernel's own records. KI_KERNEL_RUNS="x86" picks runs; KI_RUNS, KI_KCACHE move the data.
check-kernel: $(BIN)
	bash tests/kernel/check-kernel.sh

bench: deps $(BIN) $(GEN)
	@sh tools/deps.sh time python3-drgn
	@sh bench/run.sh

demo: deps $(BIN) $(GEN)
	@sh tools/demo.sh $(BIN) $(GEN)

clean:
	rm -rf build build-san build-tsan build-fuzz build-fuzz-fast khoinspect

# ---- Version (issue #16) ----------------------------------------------------
# A build from a git tree names its commit in --version: `git describe` is
# passed to src/cli/main.c as -DKI_GIT_DESCRIBE. The stamp file changes
# only when the description does, so a commit or an edit that makes the tree
# dirty rebuilds main.o and nothing else. A tarball without .git (or
# KI_GIT_DESCRIBE= on the command line) builds without it.
# safe.directory: `sudo make install` in a user's tree still names the commit
# (git refuses, as root, to read a repository another user owns).
KI_GIT_DESCRIBE ?= $(shell [ -e .git ] && git -c safe.directory='*' describe --always --dirty 2>/dev/null)
$(B)/main.o: ALL_CFLAGS += $(if $(KI_GIT_DESCRIBE),-DKI_GIT_DESCRIBE='"$(KI_GIT_DESCRIBE)"')
$(B)/main.o: $(B)/git-describe
$(B)/git-describe: FORCE | $(B)
	@echo '$(KI_GIT_DESCRIBE)' | cmp -s - $@ || echo '$(KI_GIT_DESCRIBE)' >$@
.PHONY: FORCE
FORCE:

# make check and make demo leave ./khoinspect too (the newcomer's first try).
check demo: khoinspect

# ---- Shell completion (issue #16) -------------------------------------------
# Written from the binary's own --help texts and usage errors (see the top of
# tools/completion.sh), so a new command or option needs nothing here.
COMPLETIONS := $(B)/completion/khoinspect $(B)/completion/_khoinspect
all check: $(COMPLETIONS)
$(B)/completion/khoinspect: $(BIN) tools/completion.sh
	@mkdir -p $(@D)
	sh tools/completion.sh bash $(BIN) >$@.tmp && mv $@.tmp $@
$(B)/completion/_khoinspect: $(BIN) tools/completion.sh
	@mkdir -p $(@D)
	sh tools/completion.sh zsh $(BIN) >$@.tmp && mv $@.tmp $@

# ---- The Python module (issue #15) ------------------------------------------
# python/khoinspect.c: a C extension over include/khoinspect.h, built for
# Debian's /usr/bin/python3 (python3-dev; not a pyenv python3 on PATH) as
# $(B)/python/khoinspect$(PY_EXT_SUFFIX). Linked with the static
# libkhoinspect.a: no rpath, no soname to find, the module runs from the
# tree and installed alike; -fvisibility=hidden leaves PyInit_khoinspect
# its only export. Python's headers take kwlist as char *[], hence no
# -Wwrite-strings for this file. tests/cli/t_python.sh runs it.
PYTHON = /usr/bin/python3
PY_INCLUDES := $(shell $(PYTHON)-config --includes 2>/dev/null)
PY_EXT_SUFFIX := $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))' 2>/dev/null)
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
PYMOD := $(B)/python/khoinspect$(PY_EXT_SUFFIX)
.PHONY: python
python: $(PYMOD)
all cli check: $(PYMOD)
$(PYMOD): python/khoinspect.c include/khoinspect.h $(ALIB)
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -D_GNU_SOURCE $(filter-out -Wwrite-strings,$(WARN)) -Iinclude $(PY_INCLUDES) \
		$(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -fPIC -fvisibility=hidden -shared -Wl,--exclude-libs,ALL $(LDFLAGS) \
		-o $@ python/khoinspect.c $(ALIB) $(LIBS)

# ---- make install / make uninstall (issue #16) ------------------------------
# GNU names, overridable on the command line:
#   make install DESTDIR=/tmp/stage PREFIX=/usr
# Each part has an install-PART and an uninstall-PART rule and adds its
# files to INSTALLED_FILES; a new part (the library, its header, the .pc
# file, the Python module) adds itself to INSTALL_PARTS the same way.
PREFIX = /usr/local
EXEC_PREFIX = $(PREFIX)
BINDIR = $(EXEC_PREFIX)/bin
LIBDIR = $(EXEC_PREFIX)/lib
INCLUDEDIR = $(PREFIX)/include
DATAROOTDIR = $(PREFIX)/share
DATADIR = $(DATAROOTDIR)
MANDIR = $(DATAROOTDIR)/man
MAN1DIR = $(MANDIR)/man1
MAN3DIR = $(MANDIR)/man3
PKGCONFIGDIR = $(LIBDIR)/pkgconfig
BASHCOMPDIR = $(DATADIR)/bash-completion/completions
ZSHCOMPDIR = $(DATADIR)/zsh/site-functions
INSTALL = install
INSTALL_PROGRAM = $(INSTALL) -m 755
INSTALL_DATA = $(INSTALL) -m 644

INSTALL_PARTS := bin man completion lib
INSTALLED_FILES = $(BINDIR)/khoinspect $(MAN1DIR)/khoinspect.1 \
	$(BASHCOMPDIR)/khoinspect $(ZSHCOMPDIR)/_khoinspect \
	$(MAN3DIR)/libkhoinspect.3 $(INCLUDEDIR)/khoinspect.h \
	$(LIBDIR)/libkhoinspect.so.$(LIB_VERSION) $(LIBDIR)/$(LIB_SONAME) \
	$(LIBDIR)/libkhoinspect.so $(LIBDIR)/libkhoinspect.a $(PKGCONFIGDIR)/khoinspect.pc
# The Python module: where Debian's python3 looks, /usr/lib/python3/dist-packages
# for PREFIX=/usr (packages), /usr/local/lib/python3.N/dist-packages for the
# local admin's /usr/local.
PYTHONDIR = $(if $(filter /usr,$(PREFIX)),$(PREFIX)/lib/python3/dist-packages,$(PREFIX)/lib/python$(PY_VERSION)/dist-packages)
INSTALL_PARTS += python
INSTALLED_FILES += $(PYTHONDIR)/khoinspect$(PY_EXT_SUFFIX)

.PHONY: install uninstall $(INSTALL_PARTS:%=install-%) $(INSTALL_PARTS:%=uninstall-%)
install: $(INSTALL_PARTS:%=install-%)
install-bin: $(BIN)
	$(INSTALL) -d $(DESTDIR)$(BINDIR)
	$(INSTALL_PROGRAM) $(BIN) $(DESTDIR)$(BINDIR)/khoinspect
install-man:
	$(INSTALL) -d $(DESTDIR)$(MAN1DIR) $(DESTDIR)$(MAN3DIR)
	$(INSTALL_DATA) man/khoinspect.1 $(DESTDIR)$(MAN1DIR)/khoinspect.1
	$(INSTALL_DATA) man/libkhoinspect.3 $(DESTDIR)$(MAN3DIR)/libkhoinspect.3
# The library: header, .so with its soname and development links, .a, and
# khoinspect.pc written for the PREFIX, LIBDIR and INCLUDEDIR given.
install-lib: lib
	$(INSTALL) -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL_DATA) include/khoinspect.h $(DESTDIR)$(INCLUDEDIR)/khoinspect.h
	$(INSTALL_DATA) $(SOLIB) $(DESTDIR)$(LIBDIR)/libkhoinspect.so.$(LIB_VERSION)
	ln -sfn libkhoinspect.so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sfn $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libkhoinspect.so
	$(INSTALL_DATA) $(ALIB) $(DESTDIR)$(LIBDIR)/libkhoinspect.a
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(LIB_VERSION)|' \
		src/lib/api/khoinspect.pc.in | grep -v '^# SPDX' >$(DESTDIR)$(PKGCONFIGDIR)/khoinspect.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/khoinspect.pc
install-completion: $(COMPLETIONS)
	$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	$(INSTALL_DATA) $(B)/completion/khoinspect $(DESTDIR)$(BASHCOMPDIR)/khoinspect
	$(INSTALL_DATA) $(B)/completion/_khoinspect $(DESTDIR)$(ZSHCOMPDIR)/_khoinspect

# The files go; so do the directories left empty under a DESTDIR (a staging
# root holds only what install made). Without DESTDIR the directories are
# the system's (/usr/local/bin, .../man/man1) and stay.
uninstall: $(INSTALL_PARTS:%=uninstall-%)
	@if [ -n "$(DESTDIR)" ]; then \
		for f in $(INSTALLED_FILES); do \
			d=$$(dirname "$(DESTDIR)$$f"); \
			while case "$$d" in "$(DESTDIR)"/?*) true ;; *) false ;; esac && \
			      rmdir "$$d" 2>/dev/null; do d=$$(dirname "$$d"); done; \
		done; \
	fi
uninstall-bin:
	rm -f $(DESTDIR)$(BINDIR)/khoinspect
uninstall-man:
	rm -f $(DESTDIR)$(MAN1DIR)/khoinspect.1 $(DESTDIR)$(MAN3DIR)/libkhoinspect.3
uninstall-lib:
	rm -f $(DESTDIR)$(INCLUDEDIR)/khoinspect.h $(DESTDIR)$(PKGCONFIGDIR)/khoinspect.pc \
		$(DESTDIR)$(LIBDIR)/libkhoinspect.so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME) \
		$(DESTDIR)$(LIBDIR)/libkhoinspect.so $(DESTDIR)$(LIBDIR)/libkhoinspect.a
uninstall-completion:
	rm -f $(DESTDIR)$(BASHCOMPDIR)/khoinspect $(DESTDIR)$(ZSHCOMPDIR)/_khoinspect
install-python: $(PYMOD)
	$(INSTALL) -d $(DESTDIR)$(PYTHONDIR)
	$(INSTALL_DATA) $(PYMOD) $(DESTDIR)$(PYTHONDIR)/khoinspect$(PY_EXT_SUFFIX)
uninstall-python:
	rm -f $(DESTDIR)$(PYTHONDIR)/khoinspect$(PY_EXT_SUFFIX)
