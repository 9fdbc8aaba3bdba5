# libs/cpio: the newc cpio reader for the initrd, and its host tests.
LIB_SRCS += libs/cpio/cpio.c

$(eval $(call host_test,cpio,libs/cpio/tests/test_cpio.c libs/cpio/cpio.c))
$(eval $(call host_fuzz,cpio,libs/cpio/fuzz/fuzz_cpio.c libs/cpio/cpio.c,libs/cpio/fuzz/seeds,200000))
