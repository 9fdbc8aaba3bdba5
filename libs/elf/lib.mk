# libs/elf: the ELF32 executable reader init loads programs with (user
# space only, not in the kernel), and its host tests.
USER_LIB_SRCS += libs/elf/elf.c

$(eval $(call host_test,elf,libs/elf/tests/test_elf.c libs/elf/elf.c,$(BUILD)/user/init.elf,$(BUILD)/user/init.elf))
$(eval $(call host_fuzz,elf,libs/elf/fuzz/fuzz_elf.c libs/elf/elf.c,libs/elf/fuzz/seeds,200000))
