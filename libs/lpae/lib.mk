# libs/lpae: long-descriptor encoding and fault names, and their host tests.
LIB_SRCS += libs/lpae/lpae.c

$(eval $(call host_test,test_lpae,libs/lpae/tests/test_lpae.c libs/lpae/lpae.c))

.PHONY: host-test-lpae
host-test-lpae: $(HOST_BUILD)/test_lpae
	$(HOST_BUILD)/test_lpae

HOST_TESTS += host-test-lpae
