# libs/alloc: the memblock-style range allocator and its host tests.
LIB_SRCS += libs/alloc/ranges.c

$(eval $(call host_test,test_ranges,libs/alloc/tests/test_ranges.c libs/alloc/ranges.c))

.PHONY: host-test-ranges
host-test-ranges: $(HOST_BUILD)/test_ranges
	$(HOST_BUILD)/test_ranges

HOST_TESTS += host-test-ranges
