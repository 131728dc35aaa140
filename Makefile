# tombstone — build, tests, demo and benchmarks.
#
#   make            build ./tombstone
#   make run        install missing packages, start a throwaway PostgreSQL with a demo schema
#                   and the proxy in front of it
#   make test       install missing packages, build, run every test (also under ASan/UBSan)
#   make bench      benchmarks (see bench/README.md)
#   make difftest   randomized differential test, proxy vs direct (tests/diff/difftest.py)
#   make install    the binary, an example configuration and a systemd unit (PREFIX, DESTDIR)
#   make fuzz       every libFuzzer target for FUZZ_SECONDS each (tests/fuzz/run)
#   make soak       hundreds of clients through the proxy for SOAK_SECONDS (tests/soak)
#
# The cores (protocol/, conf/, rewrite/, track/, stats/, admin/) are compiled into one static library that both the
# binary and the cmocka unit tests link, so the tests exercise exactly the shipped code.

PG_SERVER_INC ?= /usr/include/postgresql/15/server
CC ?= cc
OPT ?= -O2
BUILD ?= build

CPPFLAGS += -I. -isystem $(PG_SERVER_INC) -isystem /usr/include/pg_query -isystem /usr/include/postgresql \
	-D_GNU_SOURCE
CFLAGS += -std=gnu11 -g $(OPT) -Wall -Wextra -Werror -MMD -MP
LDLIBS += -lpg_query -levent -levent_openssl -lssl -lcrypto -lpq -lm

CORE_SRC := $(wildcard common/*.c protocol/*.c conf/*.c rewrite/*.c track/*.c stats/*.c admin/*.c shared/*.c)
PROXY_SRC := $(wildcard proxy/*.c tools/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
ITEST_SRC := $(wildcard tests/integration/*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_LIB_SRC := $(filter-out $(FUZZ_SRC),$(wildcard tests/fuzz/*.c))

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
PROXY_OBJ := $(PROXY_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
ITEST_BIN := $(ITEST_SRC:tests/integration/%.c=$(BUILD)/itests/%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(BUILD)/%.o)
CORE_LIB := $(BUILD)/libtombstone.a

.PHONY: all deps run test unit itests integration asan check-format format bench difftest fuzz \
	fuzz-targets soak clean install

all: tombstone

tombstone: $(BUILD)/tombstone
	cp $< $@.tmp && mv -f $@.tmp $@ # replaces a running binary too

$(BUILD)/tombstone: $(PROXY_OBJ) $(CORE_LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# the helper functions' SQL is embedded from its own files
$(BUILD)/rewrite/helpers.o: rewrite/helpers.sql
$(BUILD)/rewrite/watch.o: rewrite/watch.sql

$(CORE_LIB): $(CORE_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(CORE_LIB) -lcmocka $(LDLIBS)

# The rewriter benchmark (bench/rwbench.c), run by bench/run.
$(BUILD)/bench/rwbench: bench/rwbench.c $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(CORE_LIB) $(LDLIBS)

# libpq clients the integration tests drive (tests/integration/*.c).
$(BUILD)/itests/%: tests/integration/%.c
	@mkdir -p $(dir $@)
	$(CC) -I$(shell pg_config --includedir) $(CFLAGS) $(LDFLAGS) -o $@ $< -lpq

itests: $(ITEST_BIN)

# libFuzzer targets (tests/fuzz/fuzz_*.c), built by tests/fuzz/run with clang into build-fuzz/
# (the cores with -fsanitize=fuzzer-no-link,address,undefined, the targets with fuzzer).
$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJ) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJ) $(CORE_LIB) $(LDLIBS)

fuzz-targets: $(FUZZ_BIN)

deps:
	scripts/install-deps

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

test: deps
	scripts/test

run: deps
	scripts/run-demo

bench: deps
	bench/run

# Randomized differential test: DIFFTEST_SEEDS seeds (default 3) of DIFFTEST_STATEMENTS
# statements (default 200); SEED=n runs that seed only; DIFFTEST_ARGS is passed on
# (e.g. DIFFTEST_ARGS=--minimize). Not part of `make test`.
difftest: tombstone
	/usr/bin/python3 tests/diff/difftest.py $(if $(SEED),--seed $(SEED)) $(DIFFTEST_ARGS)

# make install [PREFIX=/usr/local] [DESTDIR=staging dir]: the configuration is installed only
# where there is none yet (an upgrade keeps yours); the example is always there beside it.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR ?= $(PREFIX)/lib/systemd/system

install: tombstone
	install -D -m 755 tombstone $(DESTDIR)$(BINDIR)/tombstone
	install -D -m 644 conf/examples/tombstone.ini $(DESTDIR)$(SYSCONFDIR)/tombstone/tombstone.ini.example
	test -e $(DESTDIR)$(SYSCONFDIR)/tombstone/tombstone.ini || \
		install -m 640 conf/examples/tombstone.ini $(DESTDIR)$(SYSCONFDIR)/tombstone/tombstone.ini
	@mkdir -p $(DESTDIR)$(UNITDIR)
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		packaging/tombstone.service.in > $(DESTDIR)$(UNITDIR)/tombstone.service
	chmod 644 $(DESTDIR)$(UNITDIR)/tombstone.service

# Every fuzz target (or those of FUZZ_TARGETS, e.g. "rewrite lexer") for FUZZ_SECONDS
# (default 60) each, from seeds made from the tests; libFuzzer with Debian's clang.
fuzz: deps
	FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60) tests/fuzz/run $(FUZZ_TARGETS)

# SOAK_CLIENTS clients (default 300) for SOAK_SECONDS (default 180), then the invariants.
soak: deps tombstone
	/usr/bin/python3 tests/soak/soak.py --clients $(or $(SOAK_CLIENTS),300) \
		--seconds $(or $(SOAK_SECONDS),180)

format:
	clang-format -i $(CORE_SRC) $(PROXY_SRC) $(UNIT_SRC) $(ITEST_SRC) $(FUZZ_SRC) $(FUZZ_LIB_SRC) $(wildcard */*.h tests/*/*.h bench/*.c)

check-format:
	clang-format --dry-run -Werror $(CORE_SRC) $(PROXY_SRC) $(UNIT_SRC) $(ITEST_SRC) $(FUZZ_SRC) $(FUZZ_LIB_SRC) $(wildcard */*.h tests/*/*.h bench/*.c)

clean:
	rm -rf build build-asan build-fuzz tombstone

-include $(CORE_OBJ:.o=.d) $(PROXY_OBJ:.o=.d) $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_BIN:=.d)
