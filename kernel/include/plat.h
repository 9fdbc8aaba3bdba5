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

// GICv2: distributor and this CPU's interface up, every interrupt masked.
void gic_init(const struct machine *m);
// This CPU's interface up (each CPU has its own, at the same address), its
// banked lines, SGIs and PPIs, masked, and its interface's mask (which
// GICD_ITARGETSR0 reads back on each CPU) in this_cpu()->gic_mask. After
// gic_init, on any CPU.
void gic_cpu_init(void);
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
// Sends SGI `id` to the CPUs of `mask` (bit n: CPU interface n).
void gic_send_sgi(uint32_t mask, uint32_t id);
#define SGI_RESCHED 0 // reschedule (sched_ipi)
// Acknowledges and handles every pending interrupt (called from trap_irq).
void gic_dispatch(void);

// Generic timer: ticks at `hz` on its non-secure physical PPI, on this CPU.
void timer_init(const struct machine *m, unsigned hz);
// Starts this CPU's tick, after timer_init on the boot CPU. Each CPU.
void timer_cpu_start(void);
// Starts this CPU's tick again, a whole tick from now, once it stopped it
// idle (timer.c).
void timer_cpu_resume(void);
// This CPU's part of the timer, for a CPU that does not tick yet: user mode
// may read the virtual count, the timer is off. Each CPU, kernel mode.
void timer_cpu_init(void);
// Ticks of the boot CPU since timer_init.
uint32_t timer_ticks(void);

// PSCI through the conduit the device tree names. `from_hyp`: the kernel
// entered in HYP mode, so no hypervisor is there to answer hvc (it would
// trap to the HYP mode the kernel left): PSCI over hvc is then reported
// and not used.
void psci_init(const struct machine *m, uint32_t from_hyp);
// PSCI CPU_ON: starts the CPU with MPIDR affinity `mpidr` at physical
// address `entry`, in the caller's mode with its MMU off and r0 = `context`.
// Returns 0 or a negative PSCI error, PSCI_NOT_SUPPORTED also when the
// device tree names no PSCI or no CPU_ON.
#define PSCI_NOT_SUPPORTED (-1)
int psci_cpu_on(uint32_t mpidr, uint32_t entry, uint32_t context);
// The name of a PSCI error ("INVALID_PARAMETERS"), or "unknown".
const char *psci_error_name(int err);
// Powers the machine off (QEMU exits with status 0); returns only when
// there is no PSCI or it failed.
void psci_system_off(void);
