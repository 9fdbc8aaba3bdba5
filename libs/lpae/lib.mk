# libs/lpae: long-descriptor encoding and fault names, and their host tests.
LIB_SRCS += libs/lpae/lpae.c

$(eval $(call host_test,lpae,libs/lpae/tests/test_lpae.c libs/lpae/lpae.c))

