# The kernel: boot/ entry and early tables, kernel/ proper, and the libs/ it
# links. Produces $(KBUILD)/hmk.elf (with symbols, for gdb) and
# $(KBUILD)/hmk.bin (raw image for the Linux ARM boot protocol).

KERNEL_SRCS := boot/head.S boot/early_mmu.c \
	$(wildcard kernel/*.c kernel/lib/*.c kernel/mm/*.c kernel/object/*.c kernel/ipc/*.c kernel/sched/*.c) \
	$(wildcard kernel/arch/arm/*.c kernel/arch/arm/*.S kernel/plat/qemu-virt/*.c) \
	$(LIB_SRCS) libs/elf/elf.c
# FASTPATH=0: without the IPC fastpath (entry.S goes straight to the general path).
KERNEL_SRCS := $(if $(filter 0,$(FASTPATH)),$(filter-out kernel/ipc/fastpath.c,$(KERNEL_SRCS)),$(KERNEL_SRCS))
# The in-kernel self tests: the runner and every *_test.c beside what it
# tests, only in the test kernel (KTEST=1).
KTEST_SRCS := kernel/ktest.c $(filter kernel/%_test.c,$(KERNEL_SRCS))
KERNEL_SRCS := $(if $(filter 0,$(KTEST)),$(filter-out $(KTEST_SRCS),$(KERNEL_SRCS)),$(KERNEL_SRCS))
KERNEL_OBJS := $(patsubst %,$(KBUILD)/obj/%.o,$(basename $(KERNEL_SRCS)))
KERNEL_CPPFLAGS := -DCONFIG_VMSPLIT=$(VMSPLIT:G=) -DCONFIG_FASTPATH=$(FASTPATH) \
	-DCONFIG_KTEST=$(KTEST) -Ikernel/include -Ikernel/arch/arm -Ilibs -MMD -MP

# Code that runs before the MMU is on, at its physical address, must be
# position-independent with every symbol reached PC-relative.
PIE_SRCS := boot/early_mmu.c libs/lpae/lpae.c
PIE_CFLAGS := -fpie -fvisibility=hidden

$(KBUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(TARGET_CFLAGS) $(KERNEL_CPPFLAGS) $(if $(filter $<,$(PIE_SRCS)),$(PIE_CFLAGS)) -c $< -o $@

$(KBUILD)/obj/%.o: %.S
	@mkdir -p $(@D)
	$(CC) $(TARGET_CFLAGS) $(KERNEL_CPPFLAGS) -c $< -o $@

$(KBUILD)/hmk.ld: boot/hmk.ld.S kernel/include/memlayout.h
	@mkdir -p $(@D)
	$(CC) -E -P -x c -D__ASSEMBLER__ $(KERNEL_CPPFLAGS) $< -o $@

$(KBUILD)/hmk.elf: $(KERNEL_OBJS) $(KBUILD)/hmk.ld
	$(CC) $(TARGET_CFLAGS) -static -Wl,--build-id=none -Wl,-z,noexecstack \
		-Wl,--no-warn-rwx-segments -T $(KBUILD)/hmk.ld -o $@ $(KERNEL_OBJS) -lgcc
	@if $(CROSS)readelf -S $@ | grep -q '\.got'; then \
		echo "hmk.elf: unexpected GOT: early code must only use PC-relative addressing"; \
		rm -f $@; exit 1; fi

$(KBUILD)/hmk.bin: $(KBUILD)/hmk.elf
	$(OBJCOPY) -O binary $< $@

.PHONY: kernel print-kernel
kernel: $(KBUILD)/hmk.bin ## build the kernel: build/hmk.elf (symbols) and build/hmk.bin (raw image)

# Where the kernel of this configuration is (for scripts/test).
print-kernel:
	@echo $(KBUILD)/hmk.bin

-include $(KERNEL_OBJS:.o=.d)
