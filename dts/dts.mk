# dts/: the device tree U-Boot passes to hmk, for QEMU virt with MEM of RAM
# and SMP CPUs. dts/virt.dts includes config.dtsi, generated per configuration.
# Included after boot/boot.mk, whose FIT image carries the DTB.

ifndef UBOOT_DIR
$(error dts/dts.mk uses UBOOT_DIR: include boot/boot.mk before it)
endif

DTB_DIR := $(BUILD)/dts/$(UBOOT_MEM)-smp$(SMP)
DTB := $(DTB_DIR)/virt.dtb

# The memory nodes, CPUs and timer CPU mask for MEM and SMP (or an error
# naming MEM sizes that U-Boot can boot).
$(DTB_DIR)/config.dtsi: scripts/dts-config
	@mkdir -p $(@D)
	scripts/dts-config $(UBOOT_MEM) $(SMP) >$@.tmp
	@mv $@.tmp $@

# The DTB.
$(DTB): dts/virt.dts $(DTB_DIR)/config.dtsi
	dtc -I dts -O dtb -i $(DTB_DIR) -o $@ $<

# The FIT image carries it.
$(UBOOT_DIR)/hmk.itb: $(DTB)

.PHONY: dtb
dtb: $(DTB) ## build the device tree for MEM and SMP (dts/virt.dts)
