# pmis — one non-recursive GNU Makefile.
#   make                 build build/pmis (release)
#   make demo            build, create demo/pmis.db, print the summary and logins, serve the API
#                        and the web UI
#   make web             build the web UI (web/, Vite; installs Node.js and npm packages if
#                        missing) into build/web; `make` alone never needs Node.js
#   make test            install missing packages, build the test and sanitizer variants and
#                        the web UI, run unit + integration suites on SQLite and PostgreSQL,
#                        then the web tests (Vitest, Playwright in chromium, OpenAPI validation)
#   make bench           build and run the benchmarks under bench/
#   make fuzz            build the libFuzzer targets (clang) and run each FUZZ_SECONDS (20)
#   make deps            install the Debian packages listed in deps/debian.txt
#   make O=dir SAN=1 TESTING=1   out-of-tree variant (sanitizers, fault injection)
# New .c files under src/<layer>/, tests/unit/test_*.c and bench/*.c are picked up by wildcard.

O ?= build
SAN ?= 0
TESTING ?= 0
CC ?= cc

PKGS := sqlite3 libpq libcrypto jansson libmicrohttpd libsodium libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libpq is dlopen()ed by src/store/pg.c when a PostgreSQL URL is opened, libcurl by
# src/domain/outbox_deliver.c when messages are delivered: headers only here
PKG_LIBS := $(shell pkg-config --libs $(filter-out libpq libcurl,$(PKGS)) 2>/dev/null) -ldl

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wcast-qual -Wvla -fno-common
OPT ?= -O2 -g
ALL_CFLAGS = -std=c11 $(WARN) $(OPT) -Isrc -I$(O)/gen $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
ALL_LDFLAGS = $(LDFLAGS)
LIBS = $(PKG_LIBS) -lm -lpthread

ifeq ($(SAN),1)
OPT := -O1 -g
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(TESTING),1)
ALL_CFLAGS += -DPMIS_TESTING
endif

LIB_SRC := $(sort $(wildcard src/core/*.c src/store/*.c src/domain/*.c))
# src/api (HTTP server, router, handlers) sits between cli and domain: it never includes cli/
API_SRC := $(sort $(wildcard src/api/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
SQL_SRC := $(sort $(wildcard sql/*.sql))

LIB_OBJ := $(LIB_SRC:%.c=$(O)/%.o) $(O)/gen/migrations.o
LIB_OBJ += $(O)/gen/err_zh.o
API_OBJ := $(API_SRC:%.c=$(O)/%.o) $(O)/gen/openapi_schemas.o
CLI_OBJ := $(CLI_SRC:%.c=$(O)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(O)/bench/%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(O)/fuzz/%)
FUZZ_SECONDS ?= 20
# the web UI: one output for every variant (pmis finds ../web beside build/test/pmis)
WEB_OUT := build/web
WEB_SRC := $(shell find web -path web/node_modules -prune -o -path web/tests -prune -o -type f \
             -print 2>/dev/null)

.PHONY: all demo test check bench fuzz fuzzers deps fmt lint clean install web
.PHONY: po
all: $(O)/pmis

$(O)/libpmis.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(O)/libpmis_api.a: $(API_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(O)/pmis: $(CLI_OBJ) $(O)/libpmis_api.a $(O)/libpmis.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(O)/libpmis_api.a $(O)/libpmis.a $(LIBS)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/gen/migrations.c: $(SQL_SRC) tools/embed-sql.sh
	@mkdir -p $(dir $@)
	sh tools/embed-sql.sh $(SQL_SRC) > $@.tmp && mv $@.tmp $@

$(O)/gen/migrations.o: $(O)/gen/migrations.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# the error-message catalogue (po/zh_CN.po, Simplified Chinese) as a C table: awk only
$(O)/gen/err_zh.c: po/zh_CN.po tools/po2c.awk
	@mkdir -p $(dir $@)
	awk -f tools/po2c.awk po/zh_CN.po > $@.tmp && mv $@.tmp $@

$(O)/gen/err_zh.o: $(O)/gen/err_zh.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# `make po`: re-extract the error messages of src/ into po/zh_CN.po (GNU gettext tools)
po:
	sh tools/po.sh update

$(O)/gen/openapi_schemas.c: src/api/openapi-schemas.json tools/embed-text.sh
	@mkdir -p $(dir $@)
	sh tools/embed-text.sh api_openapi_schemas $< > $@.tmp && mv $@.tmp $@

$(O)/gen/openapi_schemas.o: $(O)/gen/openapi_schemas.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/tests/%: tests/unit/%.c $(O)/libpmis_api.a $(O)/libpmis.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/libpmis_api.a $(O)/libpmis.a $(LIBS) -lcmocka

$(O)/bench/%: bench/%.c $(O)/libpmis.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/libpmis.a $(LIBS)

$(O)/fuzz/%: tests/fuzz/%.c $(O)/libpmis.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< $(O)/libpmis.a $(LIBS)

fuzzers: $(FUZZ_BIN)

web: $(WEB_OUT)/index.html

$(WEB_OUT)/index.html: $(WEB_SRC) tools/web.sh
	sh tools/web.sh build $(WEB_OUT)

# The local HTTP gateway the outbox tests deliver to (tests/integration/t0640-outbox.sh).
$(O)/tools/http_sink: tests/tools/http_sink.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(shell pkg-config --libs libmicrohttpd) -lpthread

# Everything a suite run needs from one variant.
units: $(O)/pmis $(UNIT_BIN) $(O)/tools/http_sink

deps:
	@sh tools/deps.sh install

# The test variants: build/test (fault injection) and build/asan (ASan + UBSan). TEST_LANES=2
# runs the SQLite and the PostgreSQL tests side by side (tests/run.sh -j); 1 runs them in turn.
TEST_LANES ?= 2
test:
	@sh tools/deps.sh check || sh tools/deps.sh install
	$(MAKE) --no-print-directory O=build/test TESTING=1 units
	$(MAKE) --no-print-directory O=build/asan TESTING=1 SAN=1 units
	$(MAKE) --no-print-directory web
	sh tests/run.sh -j $(TEST_LANES)

demo:
	@sh tools/deps.sh check || sh tools/deps.sh install
	$(MAKE) --no-print-directory O=build all
	@$(MAKE) --no-print-directory web || echo "make demo: the web UI could not be built: serving the API only" >&2
	sh tools/demo.sh

bench:
	@sh tools/deps.sh check || sh tools/deps.sh install
	$(MAKE) --no-print-directory O=build all $(BENCH_BIN)
	sh bench/run.sh

# libFuzzer targets: the library rebuilt with clang, coverage and ASan + UBSan (not in `test`).
fuzz:
	@sh tests/fuzz/run.sh deps
	$(MAKE) --no-print-directory O=build/fuzz CC=clang SAN=1 CFLAGS=-fsanitize=fuzzer-no-link fuzzers
	sh tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

fmt:
	clang-format -i $(LIB_SRC) $(API_SRC) $(CLI_SRC) $(UNIT_SRC) $(BENCH_SRC) $(wildcard src/*/*.h)

lint:
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability -Isrc src

install: $(O)/pmis
	install -D -m 0755 $(O)/pmis $(DESTDIR)$(or $(PREFIX),/usr/local)/bin/pmis
	@if [ -f $(WEB_OUT)/index.html ]; then \
	    d=$(DESTDIR)$(or $(PREFIX),/usr/local)/share/pmis/web; rm -rf "$$d"; mkdir -p "$$d"; \
	    cp -R $(WEB_OUT)/. "$$d/"; echo "installed the web UI in $$d"; \
	else echo "make install: no web UI (run make web first): pmis serve will serve the API only"; fi

clean:
	rm -rf build

-include $(shell find $(O) -name '*.d' 2>/dev/null)
