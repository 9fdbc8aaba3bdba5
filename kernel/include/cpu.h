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
struct regs;

#define KSTACK_SIZE 8192
#define NR_PRIOS (PRIO_MAX + 1)

struct cpu {
	// How this CPU leaves the kernel into user mode (kernel_exit):
	// arch_return_to_user, or klock_exit_release when the big lock goes
	// at the exit (klock.c).
	void (*to_user)(struct regs *r) __attribute__((noreturn));
	struct thread *current; // running thread, or NULL when idle
	struct thread *next;    // chosen by an IPC to run next (direct switch)
	struct space *space;    // whose tables TTBR0 holds, or NULL
	uint32_t prio_top;      // bit i: some of prios 32i..32i+31 ready
	uint32_t prio_bits[NR_PRIOS / 32];
	struct tqueue rq[NR_PRIOS];
	uint32_t id;          // n: this is kstacks[n]
	uint8_t online;       // set by the CPU itself once it is set up (smp.c)
	uint8_t lock;         // KLOCK_*: how its entries treat the big kernel lock
	uint8_t gic_mask;     // this CPU's GIC interface: its bit in GICD_ITARGETSR
	uint8_t tlb_stale;    // a space it has loaded died elsewhere: let go of it (sched_ipi)
	struct asid_cpu asid; // its ASID state (asid.c; kernel locked)
	// Threads other CPUs stopped or moved while this one ran them, linked
	// through leave_next, each with a reference that keeps its page (where
	// an entry from user mode saves its registers) until this CPU has left
	// it (sched_evict, sched_ipi).
	struct thread *leaving;
	// What it took, for CONSOLE_CPU_STATS (kernel locked): timer ticks,
	// reschedule SGIs, and the times it slept idle (wfi).
	uint32_t ticks, sgis, sleeps;
	uint8_t tick_off; // it stopped its tick, idle (timer.c); schedule starts it again
};
_Static_assert(NR_CPUS <= MACHINE_MAX_CPUS, "the device tree names the CPUs");
_Static_assert(NR_CPUS <= ASID_MAX_CPUS, "every CPU may hold an ASID");

// CPU c's index in per-CPU arrays: c->id, or 0 where `smp` (a constant)
// says one CPU runs, so that the fastpaths' uniprocessor copy pays nothing
// for it.
#define CPU_INDEX(c, smp) ((smp) ? (c)->id : 0)

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__("mrc p15, 0, %0, c13, c0, 4" : "=r"(c));
	return c;
}

// The big kernel lock (klock.c): every kernel entry from user mode runs
// under it once a second CPU runs the kernel. Each CPU's c->lock says what
// its entries do, and its vector table (VBAR) matches, so that the system
// calls, fastpaths included, pay nothing for the states where nothing needs
// taking:
// - KLOCK_NONE: one CPU runs the kernel (SMP=1, or before smp_start):
//   nothing to take; the vectors of a uniprocessor.
// - KLOCK_TAKE: the entries take the lock (vectors_smp: in entry.S for a
//   system call, in C for the rest), and the exit releases it unless the
//   CPU keeps it.
// - KLOCK_KEEP: this CPU holds the lock and keeps it through user mode:
//   no other CPU wants it. Its entries find it held (vectors_keep) and its
//   exits return without a release. A CPU that wants the lock sends the
//   holder a reschedule SGI, whose handler makes the next exit release it.
// The exit is a jump through c->to_user, which costs what a direct jump
// does: kernel_exit.
enum { KLOCK_NONE, KLOCK_TAKE, KLOCK_KEEP };

// Takes the big lock for CPU c (c->lock is KLOCK_TAKE) in ticket order,
// telling a holder that keeps it to let go; decides then whether c keeps
// it through user mode. Kernel mode, interrupts masked.
void klock_take(struct cpu *c);
// The entry from user mode by a system call under KLOCK_TAKE (entry.S,
// vec_svc_lock) takes a ticket and waits for it itself in the common case:
// the holder does not keep the lock, and by then another CPU waits (so this
// one will not keep it either). It calls klock_svc_wait (with the lock's
// word before its ticket) when the holder keeps the lock, and
// klock_svc_keep (with its ticket) when nobody waits once it has it. Both
// undo the entry of a thread another CPU took from this one meanwhile, as
// kernel_enter does.
void klock_svc_wait(uint32_t old);
void klock_svc_keep(uint32_t me);
// c holds the lock with ticket `me`, and no CPU waited when it looked:
// c keeps it through user mode unless one waits by now.
void klock_keep(struct cpu *c, uint32_t me);
// This CPU is about to wait for an interrupt (idle): it releases the big
// lock; klock_take again after the wfi.
void klock_release(struct cpu *c);
// The reschedule SGI's part: a CPU keeping the lock through user mode
// releases it at its next exit (another CPU waits for it).
void klock_yield(struct cpu *c);
// This CPU, one CPU running the kernel so far (KLOCK_NONE), from now on
// takes the lock at its entries (KLOCK_TAKE), and takes it now (smp_start).
void klock_join(struct cpu *c);
// c->to_user under KLOCK_TAKE: releases the big lock, then
// arch_return_to_user(r).
void klock_exit_release(struct regs *r) __attribute__((noreturn));

// Leaves the kernel into user mode with `r`'s state, through c->to_user:
// one load into pc, as many instructions as a direct jump.
static inline __attribute__((always_inline, noreturn)) void kernel_exit(struct cpu *c,
									struct regs *r)
{
	register struct regs *r0 __asm__("r0") = r;

	_Static_assert(__builtin_offsetof(struct cpu, to_user) == 0, "kernel_exit's ldr");
	__asm__ volatile("ldr	pc, [%1]" : : "r"(r0), "r"(c) : "memory");
	__builtin_unreachable();
}

// kernel_lock at an interrupt from user mode; kernel_enter at an exception
// or system call from user mode by this CPU's current thread, which another
// CPU may have stopped, killed or moved while this one waited for the lock
// (sched_evict): such a thread does not go on here. Its entry is undone (pc
// back by `rewind`: 4 for an svc, 0 for a fault, which happens again) and
// this CPU schedules (sched_evicted, no return).
void sched_evicted(uint32_t rewind);
static inline __attribute__((always_inline)) void kernel_lock(void)
{
	struct cpu *c = this_cpu();

	if (c->lock == KLOCK_TAKE)
		klock_take(c);
}
static inline __attribute__((always_inline)) void kernel_enter(uint32_t rewind)
{
	struct cpu *c = this_cpu();

	if (c->lock == KLOCK_TAKE) {
		klock_take(c);
		if (__builtin_expect(c->leaving != 0, 0))
			sched_evicted(rewind);
	}
}
// CPU n's struct cpu (n < NR_CPUS), online or not.
struct cpu *cpu_get(unsigned n);
// How many CPUs are online (set up by smp_init; the boot CPU is one).
unsigned cpus_online(void);
// CPU n if it is online (n any number: what an invocation names), else NULL.
struct cpu *cpu_if_online(uint32_t n);

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
