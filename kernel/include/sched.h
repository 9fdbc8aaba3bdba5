// The scheduler: fixed priorities 0..255 (higher runs first), round-robin
// within a priority with a time slice, timer preemption. The running thread
// is never in a run queue; IPC may pick the next thread directly
// (sched_direct), which is how a call switches straight to its receiver.
#pragma once

#include "context.h"
#include "cpu.h"
#include "debug.h"
#include "object.h"
#include "objects.h"
#include "vspace.h"

#define TIME_SLICE_TICKS 5 // 50 ms at 100 Hz

// Makes `t` ready (T_READY) and queues it at the tail of its priority on
// its CPU, which a reschedule SGI tells when it is another.
void sched_wake(struct thread *t);
// Whether `t` is ready and waits in its CPU's run queue (not running
// anywhere, not chosen to run next).
static inline int sched_queued(const struct thread *t)
{
	return t->state == T_READY && (t->prev || t->cpu->rq[t->prio].head == t);
}
// Takes a ready thread out of its run queue (it blocks, stops or dies).
void sched_dequeue(struct thread *t);
// Wakes `t` as the next thread to run when it is at least as urgent as
// every ready thread; otherwise queues it like sched_wake.
void sched_direct(struct thread *t);
// Highest priority with a ready thread, or -1. Inline: both IPC fastpaths
// ask it.
static inline __attribute__((always_inline)) int sched_top_prio(const struct cpu *c)
{
	if (!c->prio_top)
		return -1;
	unsigned w = 31 - __builtin_clz(c->prio_top);
	return (int)(w * 32 + 31 - __builtin_clz(c->prio_bits[w]));
}
// Whether `t`, the thread that entered the kernel on c, may go on running
// there: no thread was chosen to run next and none more urgent is ready
// (schedule's common case, and SYS_UNPIN's fastpath).
static inline __attribute__((always_inline)) int sched_keeps(const struct cpu *c,
							     const struct thread *t)
{
	return !c->next && (!c->prio_top || sched_top_prio(c) <= (int)t->prio);
}
// Sends CPU `c` a reschedule SGI, unless it is this one.
void sched_kick(struct cpu *c);
// Makes every other CPU that runs `t` leave it: `t` was stopped, or moved to
// another CPU (t->cpu). Each takes sched_ipi on the way back to user mode,
// which queues `t` again where it belongs if it is still ready; until then
// `t` is on its leaving list and keeps its page. Kernel locked.
void sched_evict(struct thread *t);
// The reschedule SGI's handler: flushes the TLB when a space died on another
// CPU (space_destroy) and leaves the threads other CPUs evicted. The
// reschedule itself is schedule()'s, at the end of every interrupt.
void sched_ipi(uint32_t id);
// The current thread gives up the rest of its turn.
void sched_yield(void);
// One timer tick: charges the running thread and preempts it when its
// slice is over (IRQ context).
void sched_tick(void);
// Chooses what runs next and leaves the kernel into it (or idles until
// there is something). Called at the end of every kernel entry.
void schedule(void) __attribute__((noreturn));
// Loads `s`'s tables into TTBR0 (with an ASID of the current generation) and
// its PMU access: switch_to's step when `s` is not loaded. Kernel locked.
// Inline, as is switch_to: every inter-space round trip of the fastpath
// takes it twice, and a call costs it a frame each time.
static inline __attribute__((always_inline)) void
sched_switch_space(struct cpu *c, struct space *s, const struct space_cpu *on, const int smp)
{
	vspace_activate(c, s, on, smp);
	c->space = s;
	cpu_pmu_user(s->pmu);
}

// The one context switch, of the scheduler and the IPC fastpath alike: makes
// `t` the running thread, loads its space (with an ASID) and its thread
// window, and leaves the kernel into it. `smp` is a constant: 0 only in the
// fastpaths' copy for one CPU (CPU_INDEX). Kernel locked; does not return.
static inline __attribute__((always_inline, noreturn)) void
switch_to(struct cpu *c, struct thread *t, const int smp)
{
	struct space *s = t->space;
	// t runs on its own CPU (t->cpu == c): t->on is how c sees s.
	const struct space_cpu *on = smp ? t->on : &s->on[0];

	KASSERT(t->cpu == c && t->on == &s->on[c->id]);
	c->current = t;
	// A loaded space keeps its ASID through a roll-over (asid.c reserves
	// it): only another space needs loading.
	if (s != c->space)
		sched_switch_space(c, s, on, smp);
	window_on_switch(c, s, on, t);
	kernel_exit(c, &t->ctx);
}
