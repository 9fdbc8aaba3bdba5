# libs/fdt: device tree reader and machine description, with host tests run
# against device trees dumped from QEMU and compiled from libs/fdt/tests/.

FDT_SRCS := libs/fdt/fdt.c libs/fdt/fdt_prop.c libs/fdt/machine.c
LIB_SRCS += $(FDT_SRCS)

DTC ?= dtc
FDT_DTB := $(BUILD)/dtb
FDT_QEMU := $(QEMU) -M virt,dtb-randomness=off -cpu cortex-a15 -nic none -display none

# $(call fdt_qemu_dtb,name,options[,prerequisites]): QEMU's own device tree
# for those options.
define fdt_qemu_dtb
$(FDT_DTB)/qemu-$(1).dtb: libs/fdt/lib.mk $(3)
	@mkdir -p $$(@D)
	$$(FDT_QEMU) $(2) -machine dumpdtb=$$@
FDT_QEMU_DTBS += $(FDT_DTB)/qemu-$(1).dtb
endef

FDT_QEMU_DTBS :=
$(eval $(call fdt_qemu_dtb,1g,-m 1G))
$(eval $(call fdt_qemu_dtb,3g,-m 3G))
$(eval $(call fdt_qemu_dtb,8g,-m 8G))
$(eval $(call fdt_qemu_dtb,16g,-m 16G))
$(eval $(call fdt_qemu_dtb,8g-smp4,-m 8G -smp 4))
# -append needs -kernel; a 4 KiB -initrd also makes QEMU fill linux,initrd-*.
$(eval $(call fdt_qemu_dtb,bootargs,-m 1G -kernel $(FDT_DTB)/dummy.bin \
	-initrd $(FDT_DTB)/dummy.bin -append "mem=512M console=hvc",$(FDT_DTB)/dummy.bin))

$(FDT_DTB)/dummy.bin:
	@mkdir -p $(@D)
	head -c 4096 /dev/zero >$@

FDT_TEST_DTBS := $(patsubst libs/fdt/tests/%.dts,$(FDT_DTB)/%.dtb,$(wildcard libs/fdt/tests/*.dts))
$(FDT_TEST_DTBS): $(FDT_DTB)/%.dtb: libs/fdt/tests/%.dts
	@mkdir -p $(@D)
	$(DTC) -I dts -O dtb $(FDT_DTC_FLAGS) -o $@ $<

# These two break a binding on purpose.
$(FDT_DTB)/board.dtb: FDT_DTC_FLAGS := -W no-ranges_format
$(FDT_DTB)/irqloop.dtb: FDT_DTC_FLAGS := -W no-interrupts_property

$(eval $(call host_test,fdt,libs/fdt/tests/test_fdt.c $(FDT_SRCS),$(FDT_DTB),$(FDT_QEMU_DTBS) $(FDT_TEST_DTBS)))

# libFuzzer: the reader's accessors, and the machine description with the
# command line the kernel reads from it, seeded with compacted QEMU trees.
$(eval $(call host_fuzz,fdt,libs/fdt/fuzz/fuzz_fdt.c $(FDT_SRCS),libs/fdt/fuzz/seeds,20000))
$(eval $(call host_fuzz,machine,libs/fdt/fuzz/fuzz_machine.c $(FDT_SRCS),libs/fdt/fuzz/seeds,20000))
