// Per-CPU state. Each CPU's struct cpu sits at the top of its kernel stack
// and TPIDRPRW holds its address, which is also the stack's top: the
// exception entry loads sp from it in one instruction. The stacks are one
// array in the image's .bss (LOWMEM), KSTACK_SIZE each, NR_CPUS of them
// (64 KiB): CPU n is the n-th CPU started, the boot CPU 0 (smp.h).
//
//   kstacks[n]: | kernel stack, growing down ...  | struct cpu | (8 KiB)
//                                                 ^ TPIDRPRW = sp at entry
#pragma once

#include <stdint.h>

#include "abi/abi.h"
#include "asid/asid.h"
#include "cp15.h"
#include "fdt/machine.h"
#include "object.h"

struct thread;
struct space;

#define NR_CPUS 8 // a GICv2 has 8 CPU interfaces
#define KSTACK_SIZE 8192
#define NR_PRIOS (PRIO_MAX + 1)

struct cpu {
	struct thread *current; // running thread, or NULL when idle
	struct thread *next;    // chosen by an IPC to run next (direct switch)
	struct space *space;    // whose tables TTBR0 holds, or NULL
	uint32_t prio_top;      // bit i: some of prios 32i..32i+31 ready
	uint32_t prio_bits[NR_PRIOS / 32];
	struct tqueue rq[NR_PRIOS];
	uint32_t id;          // n: this is kstacks[n]
	uint8_t online;       // set by the CPU itself once it is set up (smp.c)
	struct asid_cpu asid; // its ASID state (asid.c; kernel locked)
};
_Static_assert(NR_CPUS <= MACHINE_MAX_CPUS, "the device tree names the CPUs");
_Static_assert(NR_CPUS <= ASID_MAX_CPUS, "every CPU may hold an ASID");

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__("mrc p15, 0, %0, c13, c0, 4" : "=r"(c));
	return c;
}

// The big kernel lock: every kernel entry runs under it. With one CPU
// running, taking it is free; SMP bring-up will make these real.
static inline void kernel_lock(void) {}
static inline void kernel_unlock(void) {}

// Sets up the boot CPU's struct cpu and kernel stack: cpu_start(cpu_prepare(0)).
void cpu_init(void);
// Zeroes CPU n's struct cpu (n < NR_CPUS) and returns it, for that CPU to
// take. Boot CPU, before CPU n runs.
struct cpu *cpu_prepare(unsigned n);
// Makes `c` this CPU's (TPIDRPRW) and starts its cycle counter. On the CPU
// itself, once, kernel mode.
void cpu_start(struct cpu *c);
// Lets user mode on this CPU use the performance monitors, or not (an access
// is then an undefined instruction); switched with the address space. The
// return to user mode synchronizes the change. Written every time: one
// register write costs fewer instructions than remembering the last value
// and comparing (2 against 4 a switch) and no more on a Cortex-A15, where
// it does not serialize. Kernel mode, kernel locked.
static inline void cpu_pmu_user(uint8_t on)
{
	write_pmuserenr(on);
}
