# libs/highmem: the client library of the memory server (user space only),
# and host tests of its pure part (run compression for vmap).
USER_LIB_SRCS += libs/highmem/client.c libs/highmem/highmem.c libs/highmem/kmap.c \
	libs/highmem/local.c libs/highmem/runs.c

$(eval $(call host_test,highmem,libs/highmem/tests/test_runs.c libs/highmem/runs.c))
