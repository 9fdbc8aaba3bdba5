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
#include "spinlock.h"

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
	uint8_t smp;          // other CPUs run the kernel too: kernel_lock is real
	uint8_t gic_mask;     // this CPU's GIC interface: its bit in GICD_ITARGETSR
	uint8_t tlb_stale;    // a space it has loaded died elsewhere: let go of it (sched_ipi)
	struct asid_cpu asid; // its ASID state (asid.c; kernel locked)
	// Threads other CPUs stopped or moved while this one ran them, linked
	// through leave_next, each with a reference that keeps its page (where
	// an entry from user mode saves its registers) until this CPU has left
	// it (sched_evict, sched_ipi).
	struct thread *leaving;
};
_Static_assert(NR_CPUS <= MACHINE_MAX_CPUS, "the device tree names the CPUs");
_Static_assert(NR_CPUS <= ASID_MAX_CPUS, "every CPU may hold an ASID");

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__("mrc p15, 0, %0, c13, c0, 4" : "=r"(c));
	return c;
}

// The big kernel lock: every kernel entry (system calls, fastpaths
// included, interrupts and exceptions from user mode, the idle loop after
// its wfi) takes it, and every exit to user mode or into wfi releases it.
// It is fair (a ticket lock, spinlock.h). Until smp_start lets a second CPU
// into the kernel, only the boot CPU runs kernel code, and each CPU's
// c->smp (0 until then, for good after) skips the atomic work; one CPU
// online never sets it. make bench (instructions, -icount) against main:
// ipc_rt_fast_interas 234 -> 256 at SMP=1 (the c->smp test, 3 a side, 12 a
// round trip; the fastpath's partner-CPU test, 3 a way; the thread read
// again under the lock), 304 at SMP=2 (the ticket lock itself, uncontended:
// 9 instructions to take, 6 to release, 12 a side more than the test):
// 19% over SMP=1, not the 5% issue 13 asks, which no lock taken at every
// entry and released at every exit meets (5% of 234 is 12 instructions
// for two entries and two exits).
extern struct ticket_lock kernel_big_lock;
static inline __attribute__((always_inline)) void kernel_lock(void)
{
	if (this_cpu()->smp)
		ticket_lock(&kernel_big_lock);
}
static inline __attribute__((always_inline)) void kernel_unlock(void)
{
	if (this_cpu()->smp)
		ticket_unlock(&kernel_big_lock);
}
void sched_evicted(uint32_t rewind);
// kernel_lock at an entry from user mode by this CPU's current thread,
// which another CPU may have stopped, killed or moved while this one waited
// for the lock (sched_evict): such a thread does not go on here. Its entry
// is undone (pc back by `rewind`: 4 for an svc, 0 for a fault, which
// happens again) and this CPU schedules (sched_evicted, no return).
static inline __attribute__((always_inline)) void kernel_enter(uint32_t rewind)
{
	struct cpu *c = this_cpu();

	if (c->smp) {
		ticket_lock(&kernel_big_lock);
		if (__builtin_expect(c->leaving != 0, 0))
			sched_evicted(rewind);
	}
}
// CPU n's struct cpu (n < NR_CPUS), online or not.
struct cpu *cpu_get(unsigned n);
// How many CPUs are online (set up by smp_init; the boot CPU is one).
unsigned cpus_online(void);

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
