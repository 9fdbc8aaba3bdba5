# libs/alloc: the memblock-style range allocator and its host tests.
LIB_SRCS += libs/alloc/ranges.c

$(eval $(call host_test,ranges,libs/alloc/tests/test_ranges.c libs/alloc/ranges.c))

