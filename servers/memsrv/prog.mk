# memsrv: the memory server (started first by init when the initrd holds it).
$(eval $(call user_program,memsrv,$(wildcard servers/memsrv/*.c)))

# Host tests of memsrv's leaves (ASan + UBSan, as libs/ have): the bitmap,
# the page allocator and the page metadata, which know nothing of mappings.
MEMSRV_LEAVES := servers/memsrv/bitset.c servers/memsrv/buddy.c
$(eval $(call host_test,memsrv_bitset,servers/memsrv/tests/test_bitset.c servers/memsrv/bitset.c))
$(eval $(call host_test,memsrv_buddy,servers/memsrv/tests/test_buddy.c $(MEMSRV_LEAVES)))
$(eval $(call host_test,memsrv_pagemeta,servers/memsrv/tests/test_pagemeta.c $(MEMSRV_LEAVES) \
	servers/memsrv/pagemeta.c))
# libs/libs.mk wrote host-tests' prerequisites before servers/ was read.
host-tests: host-test-memsrv_bitset host-test-memsrv_buddy host-test-memsrv_pagemeta
