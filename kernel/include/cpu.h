// Per-CPU state. Each CPU's struct cpu sits at the top of its kernel stack
// and TPIDRPRW holds its address, which is also the stack's top: the
// exception entry loads sp from it in one instruction.
#pragma once

#include <stdint.h>

#include "abi/abi.h"
#include "cp15.h"
#include "object.h"

struct thread;
struct space;

#define NR_CPUS 1
#define KSTACK_SIZE 8192
#define NR_PRIOS (PRIO_MAX + 1)

struct cpu {
	struct thread *current; // running thread, or NULL when idle
	struct thread *next;    // chosen by an IPC to run next (direct switch)
	struct space *space;    // whose tables TTBR0 holds, or NULL
	uint32_t prio_top;      // bit i: some of prios 32i..32i+31 ready
	uint32_t prio_bits[NR_PRIOS / 32];
	struct tqueue rq[NR_PRIOS];
	uint32_t id;
	uint8_t pmu_user; // PMUSERENR.EN now: user mode may use the PMU
};

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

// Sets up the boot CPU's struct cpu and kernel stack.
void cpu_init(void);
// Lets user mode on this CPU use the performance monitors, or not (an access
// is then an undefined instruction); switched with the address space. The
// return to user mode synchronizes the change. Kernel mode, kernel locked.
static inline void cpu_pmu_user(struct cpu *c, uint8_t on)
{
	if (c->pmu_user != on) {
		write_pmuserenr(on);
		c->pmu_user = on;
	}
}
