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
ELF_CFLAGS := $(shell $(PKG_CONFIG) --cflags libelf 2>/dev/null)
ELF_LIBS := $(shell $(PKG_CONFIG) --libs libelf 2>/dev/null || echo -lelf)
KDUMP_CFLAGS := $(shell $(PKG_CONFIG) --cflags libkdumpfile 2>/dev/null)
KDUMP_LIBS := $(shell $(PKG_CONFIG) --libs libkdumpfile 2>/dev/null || echo -lkdumpfile)
# libfdt 1.6.1 on bookworm ships no pkg-config file.
FDT_LIBS := $(shell $(PKG_CONFIG) --libs libfdt 2>/dev/null || echo -lfdt)
CRIT_CFLAGS := $(shell $(PKG_CONFIG) --cflags criterion 2>/dev/null)
CRIT_LIBS := $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null || echo -lcriterion)

ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) -Iinclude $(ELF_CFLAGS) $(KDUMP_CFLAGS) $(CFLAGS) $(SANFLAGS)
LIBS := $(ELF_LIBS) $(KDUMP_LIBS) $(FDT_LIBS)

B := build$(if $(filter 1,$(SANITIZE)),-san)
LIB_SRCS := src/error.c src/finding.c src/memreader.c src/dump.c src/dump_elf.c \
	src/dump_raw.c src/dump_kdump.c src/debugfs.c src/fdt_view.c src/radix_decode.c src/chunks_decode.c src/pageset.c src/map.c src/locate.c src/kexec_meta.c src/verify.c \
	src/output.c
CLI_SRCS := src/khoinspect.c src/cmd_input.c src/cmd_list.c src/cmd_locate.c src/cmd_verify.c
LIB_OBJS := $(LIB_SRCS:src/%.c=$(B)/%.o)
CLI_OBJS := $(CLI_SRCS:src/%.c=$(B)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)

BIN := $(B)/khoinspect
GEN := $(B)/khogen
UNIT := $(B)/unit-tests

.PHONY: all check unit cli demo deps clean lint-man
all: $(BIN) khoinspect

khoinspect: $(BIN)
	ln -sf $(BIN) $@

$(B)/%.o: src/%.c $(wildcard include/*.h) | $(B)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B):
	mkdir -p $@

$(BIN): $(LIB_OBJS) $(CLI_OBJS)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LIBS)

$(GEN): tests/gen/khogen.c | $(B)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -o $@ $< $(FDT_LIBS)

$(UNIT): $(UNIT_SRCS) $(LIB_OBJS) | $(B)
	$(CC) $(ALL_CFLAGS) $(CRIT_CFLAGS) -o $@ $(UNIT_SRCS) $(LIB_OBJS) $(LIBS) $(CRIT_LIBS)

# Installs the Debian packages the build and the tests need (root or sudo).
deps:
	@sh tools/deps.sh

lint-man:
	@out=$$(groff -man -ww -z man/khoinspect.1 2>&1); \
	if [ -n "$$out" ]; then echo "$$out"; echo "man page lint failed"; exit 1; fi; \
	echo "man page lint: clean"

cli: $(BIN) $(GEN)
	@sh tests/cli/run.sh $(BIN) $(GEN)

unit: $(UNIT)
	$(UNIT)

# CLI tests first, Criterion last: its "Synthesis:" line closes the output.
check: deps $(BIN) $(GEN) $(UNIT) lint-man
	@sh tests/cli/run.sh $(BIN) $(GEN)
	$(UNIT)

demo: deps $(BIN) $(GEN)
	@sh tools/demo.sh $(BIN) $(GEN)

clean:
	rm -rf build build-san khoinspect
