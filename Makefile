# hmk: one Makefile, with a small .mk per folder. `make help` lists targets.

BUILD ?= build
MEM ?= 8G
# Debian's qemu_arm U-Boot counts RAM in 32 bits: at a multiple of 4 GiB
# (-m 4G, 8G) it prints "DRAM: 0 Bytes" and hangs, so its targets take 6G
# unless MEM is given.
UBOOT_MEM := $(if $(filter file,$(origin MEM)),6G,$(MEM))
SMP ?= 1
VMSPLIT ?= 3G
# FASTPATH=0 builds the kernel without the IPC fastpath (every call takes
# the general path): a regression on purpose, for make bench-compare.
FASTPATH ?= 1
# KTEST=1 builds the test kernel: the in-kernel self tests (kernel/ktest.c,
# kernel/**/*_test.c), run at boot with "ktest" on the command line, and
# the debug assertions (CONFIG_KTEST). The kernel people boot (KTEST=0)
# holds neither; make test boots both.
KTEST ?= 0
BOOTARGS ?=

CROSS ?= arm-none-eabi-
CC := $(CROSS)gcc
OBJCOPY := $(CROSS)objcopy
HOSTCC ?= gcc

# The default configuration builds into build/; others apart, so that
# builds of several configurations coexist.
ifeq ($(filter $(VMSPLIT),3G 2G 1G),)
$(error VMSPLIT must be 3G, 2G or 1G (GiB of user space), not '$(VMSPLIT)')
endif
ifeq ($(filter $(FASTPATH),0 1),)
$(error FASTPATH must be 0 or 1, not '$(FASTPATH)')
endif
ifeq ($(filter $(KTEST),0 1),)
$(error KTEST must be 0 or 1, not '$(KTEST)')
endif
KBUILD := $(BUILD)$(if $(filter-out 3G,$(VMSPLIT)),/vmsplit-$(VMSPLIT))$(if $(filter 0,$(FASTPATH)),/nofastpath)$(if $(filter 1,$(KTEST)),/ktest)
# What make bench records with its figures.
KCONFIG := vmsplit=$(VMSPLIT) fastpath=$(FASTPATH) smp=$(SMP)

WARN := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow
# arm-none-eabi makes uint32_t 'long'; as 'int' (same size and ABI) it
# matches %u/%x, so printk's format checking stays on without casts.
TARGET_INT32 := -U__UINT32_TYPE__ '-D__UINT32_TYPE__=unsigned int' -U__INT32_TYPE__ \
	-D__INT32_TYPE__=int -U__UINT_LEAST32_TYPE__ '-D__UINT_LEAST32_TYPE__=unsigned int' \
	-U__INT_LEAST32_TYPE__ -D__INT_LEAST32_TYPE__=int
TARGET_CFLAGS := -std=gnu11 -march=armv7ve -mcpu=cortex-a15 -marm -mfloat-abi=soft \
	-ffreestanding -fno-builtin -nostdlib -fno-common -fno-pie -fno-stack-protector \
	-fno-tree-loop-distribute-patterns -O2 -g $(WARN) $(TARGET_INT32)
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer

QEMU := qemu-system-arm
QEMU_MACHINE := -M virt,dtb-randomness=off -cpu cortex-a15 -nographic -nic none

.PHONY: all
all: ## build the kernel, the FIT image and the U-Boot disk
	@scripts/install-deps
	@$(MAKE) --no-print-directory kernel uboot

# Each folder adds to this.
HOST_TESTS :=

include scripts/scripts.mk
include libs/libs.mk
include servers/servers.mk
include kernel/kernel.mk
include boot/boot.mk
include dts/dts.mk

.PHONY: help
help: ## list the targets and the variables that change them
	@echo "hmk targets:"
	@grep -hE '^[a-z][a-z0-9_-]*:.*## ' $(MAKEFILE_LIST) | sort | \
		awk -F':.*## ' '{ printf "  %-14s %s\n", $$1, $$2 }'
	@echo "variables: MEM=$(MEM) SMP=$(SMP) VMSPLIT=$(VMSPLIT) (3G, 2G or 1G) FASTPATH=$(FASTPATH)" \
		"KTEST=$(KTEST) BOOTARGS=..."

.PHONY: clean
clean: ## remove build/
	rm -rf $(BUILD)
