# boot/: booting hmk through Debian's qemu_arm U-Boot. Distro boot finds
# boot.scr on a virtio disk, which loads the FIT image (kernel, initrd, DTB)
# and boots it; an environment in pflash unit 1 skips the autoboot countdown.

UBOOT_BIN := /usr/lib/u-boot/qemu_arm/u-boot.bin
UBOOT_DIR := $(KBUILD)/uboot-$(UBOOT_MEM)-smp$(SMP)
INITRD := $(BUILD)/initrd.cpio
# The initrd holds the user programs (servers/servers.mk adds NAME.elf for
# each) and boot/initrd/README.
INITRD_FILES += boot/initrd/README

# The initrd, a cpio archive byte-identical across builds.
$(INITRD): scripts/mkinitrd $(INITRD_FILES)
	@mkdir -p $(@D)
	scripts/mkinitrd $@ $(INITRD_FILES)

.PHONY: initrd
initrd: $(INITRD) ## build the initrd (cpio newc, reproducible)

$(UBOOT_DIR):
	mkdir -p $@

# The FIT source with the paths of its three images.
$(UBOOT_DIR)/hmk.its: boot/uboot/hmk.its | $(UBOOT_DIR)
	cpp -nostdinc -undef -x assembler-with-cpp -P -DKERNEL='"$(abspath $(KBUILD)/hmk.bin)"' \
		-DINITRD='"$(abspath $(INITRD))"' -DDTB='"$(abspath $(DTB))"' $< >$@

# The FIT image (fixed timestamp, so reproducible). dts/dts.mk adds $(DTB).
$(UBOOT_DIR)/hmk.itb: $(UBOOT_DIR)/hmk.its $(KBUILD)/hmk.bin $(INITRD)
	SOURCE_DATE_EPOCH=0 mkimage -q -f $< $@

# boot.cmd with BOOTARGS in place. Rewritten only when its text changes, so
# a new BOOTARGS (and only that) rebuilds boot.scr.
$(UBOOT_DIR)/boot.cmd: boot/uboot/boot.cmd FORCE | $(UBOOT_DIR)
	$(if $(findstring ',$(BOOTARGS)),$(error BOOTARGS cannot hold a single quote: boot.cmd quotes it with them))
	$(file >$@.tmp,$(subst @BOOTARGS@,$(BOOTARGS),$(file <$<)))
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

# The U-Boot script image.
$(UBOOT_DIR)/boot.scr: $(UBOOT_DIR)/boot.cmd
	SOURCE_DATE_EPOCH=0 mkimage -q -A arm -O linux -T script -C none -d $< $@ >/dev/null

# The virtio disk: one FAT partition holding boot.scr and hmk.itb.
$(UBOOT_DIR)/disk.img: scripts/uboot-disk $(UBOOT_DIR)/boot.scr $(UBOOT_DIR)/hmk.itb
	scripts/uboot-disk $@ $(UBOOT_DIR)/boot.scr $(UBOOT_DIR)/hmk.itb

# pflash unit 1: U-Boot's default environment, with bootdelay=0 and boot_targets=virtio0.
$(UBOOT_DIR)/flash1.img: scripts/uboot-env $(UBOOT_BIN) | $(UBOOT_DIR)
	scripts/uboot-env $(UBOOT_BIN) $@

.PHONY: uboot run-uboot FORCE
uboot: $(UBOOT_DIR)/disk.img $(UBOOT_DIR)/flash1.img ## build the U-Boot disk and flash images for MEM, SMP, BOOTARGS
run-uboot: ## boot hmk through U-Boot on QEMU (MEM=6G unless given)
	@scripts/install-deps
	@$(MAKE) --no-print-directory uboot
	scripts/boot --uboot $(UBOOT_DIR) --mem $(UBOOT_MEM) --smp $(SMP)

# Where the U-Boot images for this configuration go (for scripts/test).
.PHONY: print-uboot-dir
print-uboot-dir:
	@echo $(UBOOT_DIR)

# The stub that boots a kernel and a device tree loaded with -device loader
# (scripts/treeboot). The kernel goes above QEMU's own tree (0x4000_0000,
# 1 MiB) at a 2 MiB boundary plus TEXT_OFFSET; the tree at 0x4800_0000.
TREEBOOT := $(BUILD)/treeboot.bin
TREEBOOT_KERNEL_PA := 0x40210000
TREEBOOT_DTB_PA := 0x48000000

$(TREEBOOT): boot/treeboot.S boot/boot.mk
	@mkdir -p $(@D)
	$(CC) -march=armv7-a -marm -c -DTREEBOOT_KERNEL_PA=$(TREEBOOT_KERNEL_PA) \
		-DTREEBOOT_DTB_PA=$(TREEBOOT_DTB_PA) -o $(@:.bin=.o) $<
	$(OBJCOPY) -O binary $(@:.bin=.o) $@

.PHONY: treeboot
treeboot: $(TREEBOOT) ## build the stub that boots a device tree QEMU leaves alone (scripts/treeboot)
