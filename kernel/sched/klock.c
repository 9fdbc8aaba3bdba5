// The big kernel lock (cpu.h): a fair ticket lock (spinlock.h) that a CPU
// keeps through user mode while no other CPU wants it (KLOCK_KEEP). Then its
// entries and exits cost what they cost on one CPU: while one CPU works
// and the others idle or run user code, nothing is taken or released at
// all. A CPU that wants the lock sends the holder a reschedule SGI, which
// it takes at once in user mode, or as it returns there: that exit
// releases the lock. Contended, each hand-over thus costs the holder an
// interrupt when it kept the lock; a CPU that finds another waiting as it
// takes the lock does not keep it.
#include "context.h"
#include "cp15.h"
#include "cpu.h"
#include "plat.h"
#include "spinlock.h"

// Both read by entry.S's system call entry too (vec_svc_lock).
struct ticket_lock big_lock;
struct cpu *klock_holder; // the CPU holding big_lock when it keeps it: written by it, read
			  //   by waiters
_Static_assert(__builtin_offsetof(struct cpu, lock) == 2105 &&
		       __builtin_offsetof(struct cpu, leaving) == 2136 && KLOCK_KEEP == 2,
	       "entry.S's CPU_LOCK, CPU_LEAVING and KLOCK_KEEP");

extern char vectors_smp[], vectors_keep[];

// Waits until ticket `me` is served, telling a holder that keeps the lock
// through user mode to let it go (an SGI, once per holder). Out of line:
// a CPU that waits pays for a wfe anyway.
static __attribute__((noinline)) void klock_wait(uint32_t me)
{
	struct cpu *told = NULL; // the holder this CPU sent an SGI

	while (ticket_owner(&big_lock) != me) {
		struct cpu *h = __atomic_load_n(&klock_holder, __ATOMIC_RELAXED);
		if (h && h != told && __atomic_load_n(&h->lock, __ATOMIC_RELAXED) == KLOCK_KEEP) {
			gic_send_sgi(h->gic_mask, SGI_RESCHED);
			told = h;
		}
		wfe(); // the release's sev
	}
	dmb_ish();
}

// c holds the lock (ticket `me`) and no CPU waited for it when it looked.
void klock_keep(struct cpu *c, uint32_t me)
{
	// Keep the lock through user mode unless a CPU waits by now. A CPU
	// taking a ticket later reads `holder` and its c->lock after its
	// ticket (ticket_take's barrier), and this CPU reads the tickets after
	// writing both: one of the two sees the other, so a waiter either
	// stops this CPU keeping the lock or sends it the SGI. (A holder that
	// does not keep it is never KLOCK_KEEP, whatever `holder` says.)
	__atomic_store_n(&c->lock, KLOCK_KEEP, __ATOMIC_RELAXED);
	__atomic_store_n(&klock_holder, c, __ATOMIC_RELAXED);
	dmb_ish();
	if (ticket_next(&big_lock) == ((me + 1) & 0xffff)) {
		write_vbar((uint32_t)vectors_keep); // the exception return synchronizes it
		c->to_user = arch_return_to_user;
	} else
		c->lock = KLOCK_TAKE;
}

// The rest of klock_take once c has ticket old >> 16 (old: the lock's word
// before): the wait, then whether c keeps the lock.
static void took(struct cpu *c, uint32_t old)
{
	uint32_t me = old >> 16;

	if ((old & 0xffff) != me)
		klock_wait(me);
	// Another CPU waits already: c stays KLOCK_TAKE, and its exit releases
	// (c->to_user is klock_exit_release), nothing more to write.
	if (ticket_next(&big_lock) == ((me + 1) & 0xffff))
		klock_keep(c, me);
}

void klock_take(struct cpu *c)
{
	took(c, ticket_take(&big_lock));
}

// What entry.S's system call entry leaves to C, then its own check that
// the CPU's thread is not leaving (kernel_enter's).
void klock_svc_wait(uint32_t old)
{
	struct cpu *c = this_cpu();

	took(c, old);
	if (__builtin_expect(c->leaving != 0, 0))
		sched_evicted(SVC_SIZE);
}

void klock_svc_keep(uint32_t me)
{
	struct cpu *c = this_cpu();

	klock_keep(c, me);
	if (__builtin_expect(c->leaving != 0, 0))
		sched_evicted(SVC_SIZE);
}

void klock_yield(struct cpu *c)
{
	if (c->lock != KLOCK_KEEP)
		return;
	c->lock = KLOCK_TAKE;
	write_vbar((uint32_t)vectors_smp);
	c->to_user = klock_exit_release;
}

void klock_release(struct cpu *c)
{
	if (c->lock == KLOCK_NONE)
		return;
	klock_yield(c);
	ticket_unlock(&big_lock);
}

void klock_exit_release(struct regs *r)
{
	ticket_unlock(&big_lock);
	arch_return_to_user(r);
}

void klock_join(struct cpu *c)
{
	c->lock = KLOCK_TAKE;
	c->to_user = klock_exit_release;
	write_vbar((uint32_t)vectors_smp);
	klock_take(c);
}
