# libs/asid: the SMP ASID allocator's logic (the kernel's asid.c does what it
# says), and its host tests: simulated CPUs switching among spaces through
# many roll-overs.
LIB_SRCS += libs/asid/asid.c

$(eval $(call host_test,asid,libs/asid/tests/test_asid.c libs/asid/asid.c))
