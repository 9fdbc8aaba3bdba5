// The board devices the kernel drives, as found in the device tree: the
// PL011 console, the GICv2, the generic timer and PSCI.
#pragma once

#include <stdint.h>

#include "fdt/machine.h"

// PL011 console at the UART the device tree names.
void console_init(const struct machine *m);
// The board's own PL011 (QEMU virt's), for the one message the kernel has
// when there is no device tree to name a console, as Linux's DEBUG_LL.
#define PLAT_DEBUG_UART_PA 0x09000000u
void console_putc(char c);

// GICv2: distributor and CPU interface up, every interrupt masked.
void gic_init(const struct machine *m);
// Routes interrupt `id` to this CPU and unmasks it; `handler` runs in IRQ
// context for each occurrence.
void gic_enable(uint32_t id, void (*handler)(uint32_t id));
// Interrupt lines the distributor has; whether `id` has a handler.
uint32_t gic_lines(void);
int gic_claimed(uint32_t id);
// Masks / unmasks one line at the distributor.
void gic_mask(uint32_t id);
void gic_unmask(uint32_t id);
// Forgets the handler of `id` (masked first by the caller).
void gic_release(uint32_t id);
// Acknowledges and handles every pending interrupt (called from trap_irq).
void gic_dispatch(void);

// Generic timer: ticks at `hz` on its non-secure physical PPI.
void timer_init(const struct machine *m, unsigned hz);
// Ticks since timer_init.
uint32_t timer_ticks(void);

// PSCI through the conduit the device tree names.
void psci_init(const struct machine *m);
// Powers the machine off (QEMU exits with status 0); returns only when
// there is no PSCI or it failed.
void psci_system_off(void);
