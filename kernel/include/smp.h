// Secondary CPUs: started through PSCI CPU_ON, set up and parked at boot,
// then let into the kernel together (smp_start), each to its own run queue.
#pragma once

#include "cpu.h"
#include "fdt/machine.h"

// Starts every CPU the device tree lists besides this one (at most
// NR_CPUS in all), one after the other, and waits up to SMP_UP_TICKS
// timer ticks for each to say it is online. Reports each CPU that does not
// come up, numbered as the tree lists them (a PSCI error, a bad reg, a
// time-out, no room left), and then the boot report line "cpus: N online";
// the boot goes on with those that came up. Boot CPU, once, with the timer ticking and interrupts
// enabled (the wait sleeps in wfe, which the tick bounds).
void smp_init(const struct machine *m);
#define SMP_UP_TICKS 100 // 1 s at 100 Hz

// Lets the parked CPUs into the kernel: from here kernel_lock is a real
// lock on every CPU (cpu.h), and this CPU holds it. Each parked CPU gets a
// reschedule SGI, takes the lock, flushes its TLB, starts its tick and
// schedules. Nothing changes with one CPU online. Boot CPU, once, with
// interrupts masked, before its first schedule().
void smp_start(void);

// Where a secondary CPU's C code starts (boot/head.S), on its own kernel
// stack with its MMU on; `c` is its struct cpu. Does not return.
void smp_secondary_main(struct cpu *c) __attribute__((noreturn));
