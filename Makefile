# phiscribe build. `make` builds build/phiscribe; see README for the other targets.

PKGS    := gnutls p11-kit-1 libmicrohttpd sqlite3 libpq jansson sndfile opus soxr pocketsphinx sphinxbase inih espeak-ng zlib libseccomp
BUILD   ?= build
CC      ?= cc
VERSION := 0.1.0

# Library headers are -isystem so their warnings do not trip -Werror.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null | sed 's/-I/-isystem /g')
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wstrict-prototypes -Wno-unused-parameter
OPT     ?= -O2 -g
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE -DPHISCRIBE_VERSION='"$(VERSION)"' $(OPT) $(WARN) \
             -fstack-protector-strong -fno-strict-aliasing $(SANFLAGS) $(PKG_CFLAGS) -Isrc $(EXTRA_CFLAGS)
LDLIBS_ALL = $(SANFLAGS) $(PKG_LIBS) -lwslay -lfaad -lpthread -lm

SRCS      := $(sort $(shell find src -name '*.c'))
LIB_SRCS  := $(filter-out src/cli/main.c,$(SRCS))
OBJS       = $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/console_files.o
# The web console's static files (docs/CONSOLE.md), built into the binary.
CONSOLE_FILES := $(sort $(notdir $(wildcard console/*)))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS  = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

# `make V=1` shows full commands.
Q := $(if $(V),,@)

.PHONY: all deps run test test-unit test-asan test-integration test-long bench fuzz format clean check-layers bench-compare

all: $(BUILD)/phiscribe build/medical/profile.conf

# The shipped medical recognition profile (docs/MEDICAL.md), built from the
# sources in data/medical; binaries of every build type find it here.
MEDICAL_PROFILE := $(CURDIR)/build/medical
$(BUILD)/obj/speech/profile.o: CFLAGS_ALL += -DPHS_MEDICAL_PROFILE='"$(MEDICAL_PROFILE)"'
# The profile's model is then merged with the general one into build/medical/lm.bin
# (tools/lmmerge; docs/ENGINE.md, "One language model"), so the decoder scores one
# model; lm.arpa stays beside it (tests/unit/test_lm compares the two).
GENERAL_LM := /usr/share/pocketsphinx/model/en-us/en-us.lm.bin
# lmmerge also writes build/medical/decoder.dict, the entries of the general
# dictionary the merged model knows: the decoder loads only those
# (docs/ENGINE.md, "The decoder's dictionary").
GENERAL_DICT := /usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
# and build/medical/fast.dict, `--search fast`'s: the merged model's 45,000
# likeliest words and the profile's own (docs/ENGINE.md, "Search modes").
FAST_DICT_WORDS := 45000
# Both then gain the pronunciation variants of data/medical/pronunciations.txt
# (scripts/add-pronunciations; docs/MEDICAL.md, "Pronunciation variants").
# Built in build/medical.new and swapped into place in one step
# (scripts/swap-dir): built in place, a decoder started meanwhile (any
# `transcribe` of this tree while make relinks the binary) read a profile
# half made, with other words: between `lm build` and lmmerge profile.conf
# names no merged model, and the default search read JFK's "ask not what
# your country" as "like your kind brain" (docs/ENGINE.md, "What is
# deterministic").
build/medical/profile.conf: Makefile build/phiscribe build/lmmerge scripts/build-medical-corpus scripts/swap-dir scripts/add-pronunciations $(wildcard data/medical/*.txt)
	@echo "  PROFILE build/medical"
	$(Q)rm -rf build/medical.new
	$(Q)scripts/build-medical-corpus >build/medical-corpus.txt
	$(Q)build/phiscribe lm build build/medical-corpus.txt --out build/medical.new --base general --weight 0.3
	$(Q)build/lmmerge $(GENERAL_LM) build/medical.new $(GENERAL_DICT) $(FAST_DICT_WORDS)
	$(Q)scripts/add-pronunciations data/medical/pronunciations.txt build/medical.new/decoder.dict build/medical.new/fast.dict
	$(Q)scripts/swap-dir build/medical.new build/medical

# Build-time tool, not part of the server (it carries a sphinxbase repair).
build/lmmerge: tools/lmmerge.c
	@mkdir -p build
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) $(PKG_CFLAGS) -o $@ $< $(PKG_LIBS) -ldl -lm

# Fits the telephone-band feature map (docs/ENGINE.md, "Telephone-band
# audio"): run by scripts/fit-bandmap, never by the build, which compiles the
# committed src/speech/bandmap_table.inc.
build/bandmap_fit: tools/bandmap_fit.c $(BUILD)/libphiscribe.a
	@mkdir -p build
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libphiscribe.a $(LDLIBS_ALL)

deps:
	@scripts/install-deps

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/obj/cli/main.o: src/cli/main.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/gen/console_files.c: scripts/embed-files console $(addprefix console/,$(CONSOLE_FILES))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  EMBED   console/")
	$(Q)scripts/embed-files $@ console $(CONSOLE_FILES)

$(BUILD)/obj/gen/console_files.o: $(BUILD)/gen/console_files.c src/api/console.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/libphiscribe.a: $(OBJS)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/phiscribe: $(BUILD)/obj/cli/main.o $(BUILD)/libphiscribe.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $^ $(LDLIBS_ALL)

# The unit tests' shared set-up (tests/unit/fixture.h), linked into each.
UNIT_FIXTURE = $(BUILD)/obj/tests/fixture.o
$(UNIT_FIXTURE): tests/unit/fixture.c tests/unit/fixture.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# Each binary's headers (test_store_backend.h, store_nodes.h, ...) in
# $(BUILD)/obj/tests/NAME.d, so that a changed header rebuilds its tests.
# The unit binaries link with lld (scripts/install-deps), when present: `make
# test` links 138 of them, and lld links one in 0.2 s less CPU than the
# default linker (0.3 s under ASan; most of it the library's debug sections).
# The shipped binary keeps the default linker.
TEST_LD := $(if $(shell command -v ld.lld 2>/dev/null),-fuse-ld=lld)
$(BUILD)/tests/%: tests/unit/%.c $(UNIT_FIXTURE) $(BUILD)/libphiscribe.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS_ALL) $(TEST_LD) -Wno-missing-field-initializers -MMD -MP -MT $@ \
	    -MF $(BUILD)/obj/tests/$*.d -o $@ $< $(UNIT_FIXTURE) \
	    $(BUILD)/libphiscribe.a $(LDLIBS_ALL) $(shell pkg-config --libs cmocka)

unit-bins: $(UNIT_BINS)

# A small server on the http module, for the transport's integration tests.
$(BUILD)/http_echo: tests/http_echo.c $(BUILD)/libphiscribe.a
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libphiscribe.a $(LDLIBS_ALL)

-include $(OBJS:.o=.d) $(BUILD)/obj/cli/main.d $(UNIT_FIXTURE:.o=.d) \
    $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/obj/tests/%.d)
# The redact lexicons are compiled in (.incbin); rebuild when they change.
$(BUILD)/obj/text/redact_data.o: $(wildcard data/redact/*.txt)

# ---- what a user runs -------------------------------------------------------

# `make run PORT=9443` serves on 127.0.0.1:9443; `make run LISTEN=ADDR:PORT`
# on any address (default 127.0.0.1:8443, or $$PHISCRIBE_LISTEN).
run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run-server $(if $(PORT),--port '$(PORT)') $(if $(LISTEN),--listen '$(LISTEN)')

# `make test` is one pool of JOBS processes (default one more than the
# cores: a test waiting on its server, a poll or a child leaves its core to
# the extra one; two more was tried, docs/BENCHMARKS.md "Session 59: the
# suite's time": the idle time it fills costs more CPU than it saves, four
# decoders side by side each taking more) from the first compile to the
# last script, so both cores
# stay busy end to end: the normal build and the ASan build side by side,
# then the unit binaries (the PostgreSQL run beside them), the ASan unit
# binaries, allocfail's three classes and the integration scripts, each
# part as soon as the builds it needs are done, none waiting for another
# part's last program. The pool is GNU make's jobserver: each part is a target of
# `make -k -jJOBS test-pool`; the builds are sub-makes, whose compiles and
# links take places in it; the runners (scripts/run-unit,
# tests/integration/run) take one place per binary or script, the longest
# first (scripts/pool.sh). The jobserver rather than a bash pool around
# the parts: make already knows the builds' steps and what waits for what,
# and a bash pool could only give a build all its places or none.
# -k: every part runs whatever fails, and make exits non-zero after. The
# runners' recipes start with + so make hands them its pipe; under
# `make -n` they are only shown (POOL_SHOW).
JOBS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 2) + 1 )))
# The suite's processes have glibc's malloc put its large blocks on
# transparent huge pages (glibc.malloc.hugetlb=1, glibc 2.35 on, where the
# kernel's THP is "madvise" or "always"; ignored elsewhere): each decoder
# process reads the models, about 150 MB, into malloc's blocks, and a load
# then faults them in 2 MB at a time instead of 4 kB. `transcribe` of 0.5 s
# of silence (mostly its zygote's model load) 0.72-0.87 -> 0.50-0.57 CPU s,
# test_asr whole 83.1 -> 80.9 (docs/BENCHMARKS.md, "Session 60: the
# suite's time"). What is allocated, and every check, is the same; ASan's
# allocator is its own and ignores it. A caller's GLIBC_TUNABLES is kept.
TEST_TUNABLES = GLIBC_TUNABLES=$(if $(GLIBC_TUNABLES),$(GLIBC_TUNABLES):)glibc.malloc.hugetlb=1
test: deps
	@scripts/check-layers --quiet
	@$(TEST_TUNABLES) $(MAKE) --no-print-directory -k -j$(JOBS) test-pool

POOL_SHOW = $(if $(findstring n,$(firstword -$(MAKEFLAGS))),echo)
.PHONY: test-pool pool-build pool-unit pool-integration pool-asan-build pool-asan \
        pool-allocfail-sync pool-allocfail-request pool-allocfail-worker pool-allocfail-tls
# make starts the parts in this order once their builds are done; a freed
# place then goes to whichever part asks first.
test-pool: pool-integration pool-unit pool-asan pool-allocfail-sync \
           pool-allocfail-request pool-allocfail-worker pool-allocfail-tls
# `all` in two steps (the binary, then the medical profile), so that the
# profile starts as soon as the binary it is built with is linked: asked
# for in one make with the unit binaries, it started only once make had
# started the last of their 70 compiles and links (make walks a goal's
# prerequisites to the end, waiting for a place for each), and its serial
# 34 s (lmmerge most of it) then ran alone once the ASan build was done,
# every part that needs it waiting.
pool-build:
	+@$(MAKE) --no-print-directory $(BUILD)/phiscribe build/lmmerge
	+@$(MAKE) --no-print-directory build/medical/profile.conf unit-bins $(BUILD)/http_echo
pool-asan-build:
	+@$(ASAN_MAKE) unit-bins build-asan/phiscribe build-asan/allocfail build-asan/allocfail_tls
pool-integration: pool-build
	+@$(POOL_SHOW) tests/integration/run $(BUILD)/phiscribe
pool-unit: pool-build
	+@$(POOL_SHOW) scripts/test-units-and-pg $(BUILD)
# The ASan programs wait for the normal build too: a decoder's default
# configuration takes the medical profile that `all` builds in build/medical
# when it is there (speech/asr.c), so a program running while the profile
# appears would load two models of one name (test_asr under ASan failed so).
pool-asan: pool-asan-build pool-build
	+@$(POOL_SHOW) $(ASAN_UNIT_RUN)
pool-allocfail-sync pool-allocfail-request pool-allocfail-worker: pool-allocfail-%: pool-asan-build pool-build
	@$(ALLOCFAIL_ENV) $(call allocfail_run,$*)

# The include rules of src/LAYERS (docs/ARCHITECTURE.md); `make test` runs it first.
check-layers:
	@scripts/check-layers

# The store's tests run twice: on SQLite, then on a throwaway PostgreSQL
# (tests/pg/run-unit; skipped with a message without postgresql-15).
test-unit: all unit-bins
	@scripts/run-unit $(BUILD)
	@tests/pg/run-unit $(BUILD)

# The unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Leaks inside system libraries on damaged input (tests/fuzz/lsan.supp:
# libsndfile's Ogg Vorbis open of a cut stream) are not phiscribe's.
ASAN_MAKE = $(MAKE) --no-print-directory BUILD=build-asan OPT='-O1 -g -fno-omit-frame-pointer' \
	    SANFLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all'
ASAN_UNIT_RUN = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp:print_suppressions=0 \
	    scripts/run-unit build-asan
test-asan:
	@$(ASAN_MAKE) unit-bins build-asan/phiscribe
	@$(ASAN_UNIT_RUN)

# The synchronous and stored request paths with the Nth allocation failing
# (tests/allocfail/allocfail.c, under ASan; the synchronous path and each
# class of the stored path side by side, each a process with a server of
# its own): `make test` runs N = 1..20 and every 25th N after, a leak check
# every 10 runs; `make test-long` every N, a leak check after each
# (ALLOCFAIL_ARGS='...' for a sweep of your own;
# ASAN_OPTIONS=fast_unwind_on_malloc=0 for leak stacks through the libraries).
ALLOCFAIL_WRAP := malloc calloc realloc strdup strndup pthread_create jobs_start \
                  http_server_start retention_purge modelcache_expire modelcache_sweep \
                  pool_supervise webhook_claim
ALLOCFAIL_ARGS ?= --first 20 --every 25 --leak-check-every 10
$(BUILD)/allocfail: tests/allocfail/allocfail.c $(BUILD)/libphiscribe.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libphiscribe.a $(LDLIBS_ALL) \
	    $(foreach f,$(ALLOCFAIL_WRAP),-Wl,--wrap=$(f))

# The three runs: allocfail_run,CLASS with CLASS sync, request or worker.
ALLOCFAIL_ENV = export ASAN_OPTIONS=$${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} UBSAN_OPTIONS=print_stacktrace=1;
allocfail_run = build-asan/allocfail $(if $(filter sync,$(1)),sync,stored --class $(1)) $(ALLOCFAIL_ARGS)
.PHONY: test-allocfail
test-allocfail:
	@$(ASAN_MAKE) build-asan/allocfail
	@$(ALLOCFAIL_ENV) \
	    $(call allocfail_run,sync) & a=$$!; \
	    $(call allocfail_run,request) & b=$$!; \
	    $(call allocfail_run,worker) & c=$$!; \
	    rc=0; for p in $$a $$b $$c; do wait $$p || rc=1; done; exit $$rc

# The TLS front (src/http/tlsfront.c) with the Nth malloc, calloc or
# pthread_create failing, at start and while serving HTTPS requests
# (tests/allocfail/tlsfront.c, under ASan; a leak check after each run).
$(BUILD)/allocfail_tls: tests/allocfail/tlsfront.c $(BUILD)/libphiscribe.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libphiscribe.a $(LDLIBS_ALL) \
	    -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=pthread_create
# `make test` runs it as one part of its pool (pool-allocfail-tls).
ALLOCFAIL_TLS_RUN = d=$$(mktemp -d) && scripts/dev-cert "$$d" 2>/dev/null && \
	    $(ALLOCFAIL_ENV) build-asan/allocfail_tls "$$d"; rc=$$?; rm -rf "$$d"; exit $$rc
.PHONY: test-allocfail-tls
test-allocfail-tls:
	@$(ASAN_MAKE) build-asan/allocfail_tls
	@$(ALLOCFAIL_TLS_RUN)
pool-allocfail-tls: pool-asan-build pool-build
	@$(ALLOCFAIL_TLS_RUN)

test-integration: all $(BUILD)/http_echo
	@tests/integration/run $(BUILD)/phiscribe

test-long: deps
	@$(MAKE) --no-print-directory test
	@$(MAKE) --no-print-directory test-allocfail ALLOCFAIL_ARGS='--leak-check-every 1'
	@$(MAKE) --no-print-directory soak-kill9
	@$(MAKE) --no-print-directory fuzz
	@scripts/run-fuzz 120

# Stored jobs under repeated kill -9: none failed, each completed once, no
# audio left (tests/soak/kill9.sh; SOAK_JOBS, SOAK_KILLS).
.PHONY: soak-kill9
soak-kill9: all
	@tests/soak/kill9.sh $(BUILD)/phiscribe $(or $(SOAK_JOBS),100) $(or $(SOAK_KILLS),25)

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/bench/stream_bench
	@bench/run-all $(BUILD)/phiscribe

# libFuzzer targets, built with clang: one binary per tests/fuzz/fuzz_*.c.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
fuzz: deps
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPT='-O1 -g' \
	    SANFLAGS='-fsanitize=address,undefined,fuzzer-no-link' build-fuzz/libphiscribe.a
	@mkdir -p build-fuzz/fuzz
	@for f in $(FUZZ_SRCS); do \
	    n=$$(basename $$f .c); \
	    echo "  FUZZ $$n"; \
	    clang -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=address,undefined,fuzzer $(PKG_CFLAGS) -Isrc \
	        -o build-fuzz/fuzz/$$n $$f build-fuzz/libphiscribe.a $(PKG_LIBS) -lwslay -lfaad -lpthread -lm || exit 1; \
	done

format:
	clang-format -i $(sort $(shell find src -name '*.[ch]')) tests/unit/*.c

clean:
	rm -rf build build-asan build-fuzz build-deb

# ---- the Debian package -------------------------------------------------------
# `make deb`: build-deb/phiscribe_VERSION_ARCH.deb, made with debhelper from
# packaging/ (the hardened unit, the example configuration, debian/): the
# binary, the unit, /etc/phiscribe/phiscribe.ini, the medical profile and
# the docs (docs/OPERATIONS.md, "Installing"). The binary is built apart in
# build-deb/ with the profile's installed path compiled in: its objects are
# build/'s (the same flags; their dependency files pointed at build-deb/)
# but for profile.o, so a clean tree compiles the sources once, not twice.
DEB_PROFILE := /usr/share/phiscribe/medical
DEB_ARCH    := $(shell dpkg --print-architecture 2>/dev/null)
DEB_FILE    := build-deb/phiscribe_$(VERSION)_$(DEB_ARCH).deb
DEB_INPUTS  := build/medical/profile.conf packaging/phiscribe.service packaging/phiscribe.ini \
               $(wildcard packaging/debian/* packaging/debian/source/*) README.md $(wildcard docs/*.md)
.PHONY: deb
deb: build/medical/profile.conf
	$(Q)rm -rf build-deb/obj build-deb/gen && mkdir -p build-deb && cp -a build/obj build/gen build-deb/ && \
	    rm -f build-deb/obj/speech/profile.o build-deb/obj/speech/profile.d && \
	    find build-deb/obj -name '*.d' -exec sed -i 's|^build/|build-deb/|' {} +
	@$(MAKE) --no-print-directory BUILD=build-deb MEDICAL_PROFILE=$(DEB_PROFILE) build-deb/phiscribe
	@$(MAKE) --no-print-directory $(DEB_FILE)

$(DEB_FILE): build-deb/phiscribe $(DEB_INPUTS)
	@echo "  DEB     $@"
	@rm -rf build-deb/pkg && mkdir -p build-deb/pkg/bin build-deb/pkg/doc
	$(Q)cp build-deb/phiscribe build-deb/pkg/bin/
	$(Q)cp -r build/medical build-deb/pkg/medical
	$(Q)cp README.md docs/*.md build-deb/pkg/doc/
	$(Q)cp packaging/phiscribe.ini build-deb/pkg/
	$(Q)cp -r packaging/debian build-deb/pkg/debian
	$(Q)cp packaging/phiscribe.service build-deb/pkg/debian/phiscribe.service
	$(Q)printf 'phiscribe (%s) unstable; urgency=medium\n\n  * Built from the source tree.\n\n -- phiscribe maintainers <phiscribe@localhost>  %s\n' \
	    '$(VERSION)' "$$(date -R)" >build-deb/pkg/debian/changelog
	$(Q)cd build-deb/pkg && dpkg-buildpackage -b -us -uc >../dpkg-buildpackage.log 2>&1 || \
	    { tail -30 ../dpkg-buildpackage.log; exit 1; }

# Decoder CPU of the default and fast searches beside stock pocketsphinx, with
# WER, in one run (bench/speed; docs/BENCHMARKS.md, "Decoder speed").
.PHONY: bench-speed
bench-speed: all
	@bench/speed $(BUILD)/phiscribe

# Search settings tried on the development sets (never the held-out one), one
# process per setting, WER per set: SETTINGS=FILE (bench/speed-sweep).
.PHONY: bench-speed-sweep
bench-speed-sweep: all
	@[ -n "$(SETTINGS)" ] || { echo "make bench-speed-sweep SETTINGS=FILE (bench/speed-sweep)" >&2; exit 2; }
	@bench/speed-sweep $(BUILD)/phiscribe $(SETTINGS)

# The HTTPS server under concurrent TLS clients vs the CLI engine (docs/BENCHMARKS.md).
.PHONY: bench-server
bench-server: deps
	@$(MAKE) --no-print-directory all
	@bench/server $(BUILD)/phiscribe

# The server's CPU per request, this build beside revision BASE, run side by
# side (bench/compare; docs/BENCHMARKS.md). BASE defaults to HEAD~1.
.PHONY: bench-compare
bench-compare: all
	@rev=$${BASE:-HEAD~1}; echo "  BASE    $$rev"; \
	    rm -rf $(BUILD)/base && mkdir -p $(BUILD)/base && \
	    git archive "$$rev" | tar -x -C $(BUILD)/base && \
	    $(MAKE) --no-print-directory -C $(BUILD)/base MEDICAL_PROFILE=$(CURDIR)/build/medical build/phiscribe && \
	    bench/compare $(BUILD)/base/build/phiscribe $(BUILD)/phiscribe

# A recording of several minutes with transcribe --threads 2 against --threads 1:
# wall time and WER in one run (bench/parallel; docs/BENCHMARKS.md).
.PHONY: bench-parallel
bench-parallel: all
	@bench/parallel $(BUILD)/phiscribe

# Confined workers against in-process decoding: CPU per audio second and
# memory per worker (bench/isolation; docs/BENCHMARKS.md).
.PHONY: bench-isolation
bench-isolation: all
	@bench/isolation $(BUILD)/phiscribe

# Audit appends per second and verification speed (bench/audit; docs/BENCHMARKS.md).
.PHONY: bench-audit
bench-audit: all
	@bench/audit $(BUILD)/phiscribe

# A failed key check: unknown id beside real id with a wrong secret (bench/auth; docs/BENCHMARKS.md).
.PHONY: bench-auth
bench-auth: all
	@bench/auth $(BUILD)/phiscribe

# Stream encrypt/decrypt MB/s beside openssl speed (bench/crypto; docs/BENCHMARKS.md).
$(BUILD)/bench/crypto_bench: bench/crypto_bench.c $(BUILD)/libphiscribe.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libphiscribe.a $(LDLIBS_ALL)

# Live decoding at real time: partial / final latency, 8 concurrent streams
# lag, streamed WER beside batch (bench/stream; docs/BENCHMARKS.md).
# It shares the unit tests' fixture (recordings, noise, word edits).
$(BUILD)/bench/stream_bench: bench/stream_bench.c $(UNIT_FIXTURE) $(BUILD)/libphiscribe.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(UNIT_FIXTURE) $(BUILD)/libphiscribe.a \
	    $(LDLIBS_ALL) $(shell pkg-config --libs cmocka)

.PHONY: bench-stream
bench-stream: all $(BUILD)/bench/stream_bench
	@bench/stream $(BUILD)/phiscribe

.PHONY: bench-crypto
bench-crypto: $(BUILD)/bench/crypto_bench
	@bench/crypto $(BUILD)/bench/crypto_bench

# SQLite beside a PostgreSQL cluster of 1-3 nodes: audited writes, claim
# latency, stored-job throughput and per-node CPU (bench/cluster; docs/SCALING.md).
$(BUILD)/bench/cluster_bench: bench/cluster_bench.c $(BUILD)/libphiscribe.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libphiscribe.a $(LDLIBS_ALL)

.PHONY: bench-cluster
bench-cluster: all $(BUILD)/bench/cluster_bench
	@bench/cluster $(BUILD)/phiscribe

# Speaker diarization: DER, words with the right speaker, stereo words and
# cost beside decoding on rendered conversations (bench/diarize; docs/BENCHMARKS.md).
$(BUILD)/bench/diarize_bench: bench/diarize_bench.c $(BUILD)/libphiscribe.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libphiscribe.a $(LDLIBS_ALL)

# Noise: held-out dictation with pink and babble noise at 20, 15 and 10 dB
# SNR, WER with the noise front end off / on / auto, its threshold checked
# against the development set's best, its CPU beside decoding (bench/noise;
# docs/BENCHMARKS.md).
$(BUILD)/bench/noise_bench: bench/noise_bench.c $(BUILD)/libphiscribe.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libphiscribe.a $(LDLIBS_ALL)

.PHONY: bench-noise
bench-noise: all $(BUILD)/bench/noise_bench
	@bench/noise/run $(BUILD)/phiscribe $(BUILD)/bench/noise_bench

# Telephone-band audio: WER wide-band against 8 kHz PCM16, mu-law and a
# band-passed phone line (docs/BENCHMARKS.md, "Session 48: telephone-band
# audio"). BEFORE=path/to/another/phiscribe decodes with both, in turn.
.PHONY: bench-phone
bench-phone: all
	@bench/phone/run $(if $(BEFORE),$(BEFORE)) $(BUILD)/phiscribe

.PHONY: bench-diarize
bench-diarize: all $(BUILD)/bench/diarize_bench
	@bench/diarize/run $(BUILD)/bench/diarize_bench

# Formatting: WER against the written form and numbers/doses/vitals exact,
# on the development sentences and, beside them, the held-out ones, and on
# their flite rendering through the recogniser; redactions on PHI-free
# text; formatting CPU beside decode CPU (bench/format; docs/BENCHMARKS.md).
$(BUILD)/bench/format_bench: bench/format_bench.c $(BUILD)/libphiscribe.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libphiscribe.a $(LDLIBS_ALL)

.PHONY: bench-format
bench-format: all $(BUILD)/bench/format_bench
	@bench/format/run $(BUILD)/phiscribe $(BUILD)/bench/format_bench

# Voice profiles: WER with and without `--voice` for four espeak-ng voices,
# 40 enrolment and 40 other test sentences each (bench/voice; docs/BENCHMARKS.md).
.PHONY: bench-voice
bench-voice: all
	@bench/voice $(BUILD)/phiscribe

.PHONY: bench-adapt
bench-adapt: all
	@bench/adapt $(BUILD)/phiscribe
