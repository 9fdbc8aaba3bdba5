# servers/: user programs. Each folder has a prog.mk that calls
#   $(eval $(call user_program,NAME,SOURCES))
# which links $(BUILD)/user/NAME.elf (static, at USER_TEXT_BASE, with
# symbols) from SOURCES, the runtime libs/user and picolibc, and puts a
# stripped copy, $(BUILD)/user/initrd/NAME.elf, into the initrd, where init
# finds it under the name NAME.elf.

USER_BUILD := $(BUILD)/user
PICOLIBC := /usr/lib/picolibc/arm-none-eabi
# picolibc's ARMv7 builds read the thread pointer from TPIDRURO, which user
# space cannot set (and the kernel does not); its ARMv5TE build calls
# __aeabi_read_tp instead, which libs/user/crt0.S defines per thread. So
# user code links that build (ARM state, soft-float calls; only its float
# maths and strtod use VFP, which user space must not yet use) and is
# compiled with -mtp=soft to do the same.
PICOLIBC_LIB := $(PICOLIBC)/lib/arm/v5te/softfp
# As the kernel, user code takes uint32_t as 'unsigned int' (TARGET_INT32),
# so that %u and PRIu32 both match it under -Werror; picolibc's ABI is the same.
USER_ARCH := -march=armv7ve -mcpu=cortex-a15 -marm -mfloat-abi=soft -mtp=soft
USER_CFLAGS := -std=gnu11 $(USER_ARCH) --specs=picolibc.specs -ffunction-sections \
	-fdata-sections -fno-common -O2 -g $(WARN) $(TARGET_INT32)
USER_CPPFLAGS := -Ilibs -Ilibs/user -MMD -MP
USER_LDFLAGS := -nostdlib -static -T servers/user.ld -Wl,--gc-sections \
	-Wl,-z,max-page-size=4096 -Wl,--build-id=none -Wl,-z,noexecstack
USER_LDLIBS := -L$(PICOLIBC_LIB) -Wl,--start-group -lc -lgcc -Wl,--end-group

# The runtime and the libs/ every program may use, as one archive (only what
# a program needs is linked); crt0 apart, as the first object.
USER_LIB_SRCS += $(wildcard libs/user/*.c) libs/cpio/cpio.c
USER_CRT0 := $(USER_BUILD)/obj/libs/user/crt0.o
USER_LIB := $(USER_BUILD)/libuser.a
USER_LIB_OBJS = $(patsubst %,$(USER_BUILD)/obj/%.o,$(basename $(USER_LIB_SRCS)))
USER_PROGRAMS :=

$(USER_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) $(USER_CPPFLAGS) -c $< -o $@

$(USER_BUILD)/obj/%.o: %.S
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) $(USER_CPPFLAGS) -c $< -o $@

$(USER_LIB): $(USER_LIB_OBJS)
	@rm -f $@
	$(CROSS)ar rcs $@ $^

# $(eval $(call user_program,NAME,SOURCES)): the program NAME from SOURCES.
define user_program
USER_PROGRAMS += $(1)
$(1)_OBJS := $(patsubst %,$(USER_BUILD)/obj/%.o,$(basename $(2)))

$(USER_BUILD)/$(1).elf: $$($(1)_OBJS) $(USER_CRT0) $(USER_LIB) servers/user.ld
	@mkdir -p $$(@D)
	$(CC) $(USER_ARCH) $(USER_LDFLAGS) -o $$@ $(USER_CRT0) $$($(1)_OBJS) $(USER_LIB) \
		$(USER_LDLIBS)

$(USER_BUILD)/initrd/$(1).elf: $(USER_BUILD)/$(1).elf
	@mkdir -p $$(@D)
	$(CROSS)strip -o $$@ $$<

INITRD_FILES += $(USER_BUILD)/initrd/$(1).elf
-include $$($(1)_OBJS:.o=.d)
endef

include $(wildcard servers/*/prog.mk servers/*/*/prog.mk)

.PHONY: user
user: $(patsubst %,$(USER_BUILD)/%.elf,$(USER_PROGRAMS)) ## build the user programs: build/user/NAME.elf

-include $(USER_LIB_OBJS:.o=.d) $(USER_CRT0:.o=.d)
