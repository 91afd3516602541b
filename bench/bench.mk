# SPDX-License-Identifier: GPL-2.0
# Benchmarks: included by the top-level Makefile (paths relative to the top;
# BUILD, CC, KDIR_FILE and, when KDIR is set, TEST_CFLAGS come from there).
#
#   bench-build   the static guest programs and the host-side report tool,
#                 into $(BUILD)/bench/ (make bench runs it, then bench/run.sh)

BENCH_PROGS := seal chain fds clock hold
BENCH_GUEST := $(patsubst %,$(BUILD)/bench/bench-%,$(BENCH_PROGS)) \
	$(BUILD)/bench/bench-hold.sh
BENCH_HOST := $(BUILD)/bench/bench-report
BENCH_HEADERS := bench/bench.h $(wildcard tests/include/*.h) include/uapi/linux/fdbox.h

.PHONY: bench-build
bench-build: $(BENCH_GUEST) $(BENCH_HOST)

$(BUILD)/bench/bench-%: bench/%.c $(BENCH_HEADERS) $(KDIR_FILE)
	@[ -n "$(TEST_CFLAGS)" ] || { echo "bench-build: KDIR is not set (use make bench)" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $<

$(BUILD)/bench/bench-hold.sh: bench/guest/hold.sh
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

$(BUILD)/bench/bench-report: bench/report.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -o $@ $<
