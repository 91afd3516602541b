# SPDX-License-Identifier: GPL-2.0
# FDBox: top-level build. See README.md.
#
#   make check     build kernels (cached), module, tools and tests; run all
#                  test suites in QEMU, then handover and restore again on
#                  the patched kernel, then the reliability suites on the
#                  debug kernel; last line "N passed, N failed"
#   make demo      show a memfd surviving a kexec, with timings
#   make bench     FDBox vs LUO vs s6-fdholder benchmarks in one VM run
#   make check-debug  only the debug-kernel part of check (KASAN,
#                  lockdep, kmemleak, fault injection): NAME@debug suites
#   make soak      the long reliability runs on the debug kernel: 1M fuzz
#                  ops, long stress and fault runs, a ten-hop chain
#   make mutants   mutation testing: each tests/mutants/*.patch must make
#                  the suites it names fail (MUTANTS="NN ..." picks some)
#   make lint      checkpatch --strict and W=1 build of the module
#   make kernel    only fetch and build the test kernel (cached)
# Variables: VARIANT=normal|debug|patched (test kernel), SUITES="core luo"
# (subset; "handover@patched" runs a suite on the patched kernel,
# "fuzz@debug" on the debug kernel), PATCHED=0|1 and DEBUG=0|1 (build the
# patched or debug kernel for check; default: when SUITES is empty or
# names such a suite; PATCHED also for bench), FDBOX_ACCEL=tcg|kvm,
# FDBOX_CACHE=DIR (kernel cache), V=1 (verbose VM).
# The patched kernel is the normal one with kernel/patches/ applied (the
# shmem_insert_folios helper for zero-copy restore); kernel/fdbox.ko is
# built against the VARIANT tree and loads on both. The NAME@debug suites
# load copies built against the debug tree ($(BUILD)/kmod-on-debug*).

VARIANT ?= normal
SUITES ?=
BUILD := build
KDIR_FILE := $(BUILD)/kdir-$(VARIANT)
CC ?= gcc

PATCHED ?= $(if $(SUITES),$(if $(findstring @patched,$(SUITES)),1,0),1)
ifeq ($(VARIANT),patched)
# prepare builds it already
PATCHED_PREP :=
PATCHED_ENV := FDBOX_PATCHED_KDIR="$$(cat $(KDIR_FILE))"
else ifeq ($(PATCHED),1)
PATCHED_PREP := prepare-patched
PATCHED_ENV := FDBOX_PATCHED_KDIR="$$(cat $(BUILD)/kdir-patched)"
else
PATCHED_PREP :=
PATCHED_ENV :=
endif

# The reliability suites make check runs on the debug kernel (NAME@debug).
# hostile@debug (40 kexecs, 14 minutes under TCG) runs in make soak and on
# demand (make check-debug SUITES=hostile), which keeps make check within
# its 30 minutes; hostile runs in make check on the normal and patched
# kernels.
DEBUG_SUITES := core handover chain fuzz stress faults unseal-faults security leaks \
	init-faults lifecycle plugins eventfd
DEBUG ?= $(if $(SUITES),$(if $(findstring @debug,$(SUITES)),1,0),1)
ifeq ($(VARIANT),debug)
DEBUG := 0
endif
ifeq ($(DEBUG),1)
DEBUG_PREP := prepare-debug
DEBUG_MODULES := modules-on-debug
DEBUG_ENV := FDBOX_DEBUG_KDIR="$$(cat $(BUILD)/kdir-debug)" \
	FDBOX_DEBUG_SUITES="$(DEBUG_SUITES)"
else
DEBUG_PREP :=
DEBUG_MODULES :=
DEBUG_ENV :=
endif

.PHONY: all check check-debug mutants soak demo bench lint kernel deps clean prepare prepare-patched prepare-debug module userspace FORCE

# Plain make: the library and the command, nothing else (no kernel, no
# package installs); the kernel module is built by dkms, or with make
# module KDIR=..., or by make check and make demo. (Its prerequisites
# follow the includes below, which define them.)
all:

check: prepare $(PATCHED_PREP) $(DEBUG_PREP)
	@$(MAKE) --no-print-directory KDIR="$$(cat $(KDIR_FILE))" module module-debug test-modules userspace bench-build
	@$(if $(DEBUG_MODULES),$(MAKE) --no-print-directory KDIR="$$(cat $(BUILD)/kdir-debug)" $(DEBUG_MODULES))
	@$(PATCHED_ENV) $(DEBUG_ENV) tests/vm/check.sh "$$(cat $(KDIR_FILE))" $(SUITES)

# Only the NAME@debug suites (SUITES="fuzz faults" picks some of them).
check-debug:
	@$(MAKE) --no-print-directory check \
		SUITES="$(addsuffix @debug,$(or $(SUITES),$(DEBUG_SUITES)))"

# Mutation testing: every tests/mutants/*.patch applied in turn to a copy of
# the checkout, built, and the suites it names run; each must fail.
# MUTANTS="03 11" picks some. Not part of check: it takes long.
mutants: prepare prepare-patched prepare-debug
	@$(MAKE) --no-print-directory KDIR="$$(cat $(BUILD)/kdir-normal)" module module-debug test-modules userspace
	@tests/mutants/run.sh $(MUTANTS)

soak:
	@FDBOX_SOAK=1 FDBOX_CHAIN_STAGES=11 $(MAKE) --no-print-directory check \
		SUITES="$(addsuffix @debug,$(or $(SUITES),fuzz stress faults leaks hostile chain))"

demo: prepare
	@$(MAKE) --no-print-directory KDIR="$$(cat $(KDIR_FILE))" module userspace
	@tests/vm/demo.sh "$$(cat $(KDIR_FILE))"

bench: prepare $(PATCHED_PREP)
	@$(MAKE) --no-print-directory KDIR="$$(cat $(KDIR_FILE))" module userspace bench-build
	@$(PATCHED_ENV) bench/run.sh "$$(cat $(KDIR_FILE))"

lint: prepare
	@$(MAKE) --no-print-directory KDIR="$$(cat $(KDIR_FILE))" do-lint

kernel: prepare

deps:
	@tests/vm/deps.sh

# The kernel build is cached outside the repo; kernel.sh answers in a second
# on a cache hit, so it runs every time. $(call kernel-kdir,VARIANT) writes
# the build tree's path to $(BUILD)/kdir-VARIANT.
define kernel-kdir
	@mkdir -p $(BUILD)
	@tests/vm/kernel.sh $(1) > $(BUILD)/kdir-$(1).tmp || { rm -f $(BUILD)/kdir-$(1).tmp; exit 1; }
	@tail -n 1 $(BUILD)/kdir-$(1).tmp > $(BUILD)/kdir-$(1) && rm -f $(BUILD)/kdir-$(1).tmp
endef

prepare: deps
	$(call kernel-kdir,$(VARIANT))

# The patched kernel, for the NAME@patched suites of check and for bench.
prepare-patched: deps
	$(call kernel-kdir,patched)

# The debug kernel, for the NAME@debug suites of check.
prepare-debug: deps
	$(call kernel-kdir,debug)

# Fragments of lib/ and tools/ add to these: static programs for the guest's
# /bin (in $(BUILD)/guest-bin/) and host-side test programs (in
# $(BUILD)/host-tests/, each prints TAP; check.sh runs them on the host).
GUEST_TOOLS :=
HOST_TESTS :=
-include lib/lib.mk tools/tools.mk bench/bench.mk

all: $(LIBFDBOX_ALL) $(BUILD)/tools/fdbox

# ---- below here KDIR is set -------------------------------------------
ifneq ($(KDIR),)
KSRC := $(KDIR)/source
UAPI_CFLAGS := -Iinclude/uapi -I$(KDIR)/usr-headers/include
TEST_CFLAGS := -std=gnu11 -static -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE \
	$(UAPI_CFLAGS) -I$(KSRC)/tools/testing/selftests -Itests/include

SUITE_DIRS := $(patsubst tests/%/suite.conf,%,$(wildcard tests/*/suite.conf))
TEST_SRCS := $(foreach s,$(SUITE_DIRS),$(wildcard tests/$(s)/*.c))
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
GUEST_BINS := $(BUILD)/guest/kexec-next $(BUILD)/guest/memfd-fill

TEST_SCRIPTS := $(foreach s,$(SUITE_DIRS),$(wildcard tests/$(s)/*.sh))
TEST_BINS += $(patsubst tests/%.sh,$(BUILD)/tests/%,$(TEST_SCRIPTS))

userspace: $(TEST_BINS) $(GUEST_BINS) $(GUEST_TOOLS) $(HOST_TESTS)

$(BUILD)/tests/%: tests/%.c $(wildcard tests/include/*.h include/uapi/linux/fdbox.h) $(KDIR_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< -lpthread

$(BUILD)/tests/%: tests/%.sh
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

$(BUILD)/guest/%: tests/vm/guest/%.c $(KDIR_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $<

# kernel.sh builds a cached tree holding $(KDIR).lock; module builds against
# it hold that lock shared, so that no run rebuilds a tree another run is
# building against.
KLOCK = $(if $(wildcard $(KDIR).lock),flock -s $(KDIR).lock)

ifneq ($(wildcard kernel/Kbuild),)
module:
	$(KLOCK) $(MAKE) -C $(KDIR) M=$(CURDIR)/kernel W=1 modules

# $(call module-copy,DIR,MAKE-ARGS): fdbox.ko built against $(KDIR) from a
# copy of the sources in DIR/kernel, so that kernel/'s objects stay as they
# are.
define module-copy
	@mkdir -p $(1)/kernel $(1)/include
	@cp -p kernel/Kbuild kernel/Makefile kernel/*.h \
		$(filter-out %.mod.c,$(wildcard kernel/*.c)) $(1)/kernel/
	@cp -rp include/uapi $(1)/include/
	$(KLOCK) $(MAKE) -C $(KDIR) M=$(CURDIR)/$(1)/kernel W=1 $(2) modules
endef

# fdbox.ko with the hostile-handover knob (kernel/debug.c, FDBOX_DEBUG=y);
# check.sh loads it for suites whose suite.conf says MODULE=debug. Never
# installed.
KMOD_DEBUG := $(BUILD)/kmod-debug
.PHONY: module-debug modules-on-debug
module-debug:
	$(call module-copy,$(KMOD_DEBUG),FDBOX_DEBUG=y)

# $(call test-modules-in,DIR,FDBOX-BUILD): the test-only modules of
# tests/kmod/ (file types registered through the handler API) built in DIR
# against $(KDIR) and the fdbox.ko built in FDBOX-BUILD. check.sh gives them
# to every suite's guest in /lib/fdbox-tests.
define test-modules-in
	@mkdir -p $(1)
	@cp -p tests/kmod/Kbuild tests/kmod/*.c $(1)/
	$(KLOCK) $(MAKE) -C $(KDIR) M=$(CURDIR)/$(1) W=1 FDBOX_SRC=$(CURDIR) \
		KBUILD_EXTRA_SYMBOLS=$(CURDIR)/$(2)/Module.symvers modules
endef

.PHONY: test-modules
test-modules: module
	$(call test-modules-in,$(BUILD)/kmod-test,kernel)

# With KDIR the debug kernel's tree: both builds for the NAME@debug suites,
# and the test modules.
modules-on-debug:
	$(call module-copy,$(BUILD)/kmod-on-debug,)
	$(call module-copy,$(BUILD)/kmod-on-debug-knob,FDBOX_DEBUG=y)
	$(call test-modules-in,$(BUILD)/kmod-on-debug-test,$(BUILD)/kmod-on-debug/kernel)
else
module module-debug modules-on-debug test-modules:
	@echo "kernel/ has no module yet"
endif

do-lint:
	@tests/vm/lint.sh $(KDIR)
endif

clean:
	rm -rf $(BUILD)
	[ ! -f kernel/Kbuild ] || [ ! -f $(KDIR_FILE) ] || \
		$(MAKE) -C "$$(cat $(KDIR_FILE))" M=$(CURDIR)/kernel clean
