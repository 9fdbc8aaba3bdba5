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

include libs/fdt/lib.mk
include libs/alloc/lib.mk
include libs/lpae/lib.mk
include libs/cpio/lib.mk
include libs/elf/lib.mk
include libs/highmem/lib.mk

.PHONY: host-tests
host-tests: $(HOST_TESTS) ## run the host unit tests of libs/ (ASan + UBSan) and scripts/
