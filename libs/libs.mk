# libs/: code built both for the target (into the kernel and into user
# programs) and for the host, where its unit tests run under AddressSanitizer
# and UBSan. Each lib.mk adds its sources to LIB_SRCS (kernel) and/or
# USER_LIB_SRCS (user programs, servers/servers.mk) and its test runs to
# HOST_TESTS (phony targets that print "suite: N passed, N failed").

LIB_SRCS :=
HOST_BUILD := $(BUILD)/host
HOST_CHECK := libs/check/check.c

# $(eval $(call host_test,name,sources[,arguments,prerequisites])): a host
# test binary linked from sources plus the shared harness, and the phony
# target host-test-name that runs it with the arguments.
define host_test
$(HOST_BUILD)/test_$(1): $(2) $(HOST_CHECK) $$(wildcard libs/*/*.h)
	@mkdir -p $$(@D)
	$$(HOSTCC) $$(HOST_CFLAGS) -Ilibs -o $$@ $(2) $(HOST_CHECK)

.PHONY: host-test-$(1)
host-test-$(1): $(HOST_BUILD)/test_$(1) $(4)
	$(HOST_BUILD)/test_$(1) $(3)

HOST_TESTS += host-test-$(1)
endef

# $(eval $(call host_fuzz,name,sources,seed folder,runs)): a libFuzzer
# harness (clang, ASan + UBSan), host-fuzz-name running it for `runs` inputs
# (a few seconds) as a host test (make test), and fuzz-name for FUZZ_S seconds with
# a corpus kept in $(FUZZ_BUILD)/name (make fuzz). scripts/fuzz-host runs
# and reports both.
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_S ?= 60
HOST_FUZZERS :=
define host_fuzz
$(FUZZ_BUILD)/fuzz_$(1): $(2) $$(wildcard libs/*/*.h)
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -Ilibs -o $$@ $(2)

.PHONY: host-fuzz-$(1) fuzz-$(1)
host-fuzz-$(1): $(FUZZ_BUILD)/fuzz_$(1)
	@scripts/fuzz-host test $(1) $$< $(3) $(FUZZ_BUILD)/$(1) $(4)

fuzz-$(1): $(FUZZ_BUILD)/fuzz_$(1)
	@scripts/fuzz-host time $(1) $$< $(3) $(FUZZ_BUILD)/$(1) $$(FUZZ_S)

HOST_TESTS += host-fuzz-$(1)
HOST_FUZZERS += fuzz-$(1)
endef

include libs/fdt/lib.mk
include libs/alloc/lib.mk
include libs/lpae/lib.mk
include libs/cpio/lib.mk
include libs/elf/lib.mk
include libs/highmem/lib.mk
include libs/asid/lib.mk

.PHONY: host-tests
host-tests: $(HOST_TESTS) ## run the host unit tests of libs/ (ASan + UBSan) and scripts/
