# mstests: the memory server's in-guest suite (run with "run=mstests";
# scripts/test boots it at 3G, 8G, 16G and through U-Boot at 6G).
$(eval $(call user_program,mstests,$(wildcard servers/tests/memsrv/*.c)))
