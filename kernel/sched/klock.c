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

static struct ticket_lock big_lock;
static struct cpu *holder; // the CPU holding big_lock when it keeps it: written by it, read
			   //   by waiters

extern char vectors_smp[], vectors_keep[];

// Waits until ticket `me` is served, telling a holder that keeps the lock
// through user mode to let it go (an SGI, once per holder). Out of line:
// a CPU that waits pays for a wfe anyway.
static __attribute__((noinline)) void klock_wait(uint32_t me)
{
	struct cpu *told = NULL; // the holder this CPU sent an SGI

	while (ticket_owner(&big_lock) != me) {
		struct cpu *h = __atomic_load_n(&holder, __ATOMIC_RELAXED);
		if (h && h != told && __atomic_load_n(&h->lock, __ATOMIC_RELAXED) == KLOCK_KEEP) {
			gic_send_sgi(h->gic_mask, SGI_RESCHED);
			told = h;
		}
		wfe(); // the release's sev
	}
	dmb_ish();
}

void klock_take(struct cpu *c)
{
	uint32_t old = ticket_take(&big_lock), me = old >> 16;

	if ((old & 0xffff) != me)
		klock_wait(me);
	// Another CPU waits already: c stays KLOCK_TAKE, and its exit releases
	// (c->to_user is klock_exit_release), nothing more to write.
	if (ticket_next(&big_lock) != ((me + 1) & 0xffff))
		return;
	// Keep the lock through user mode unless a CPU waits by now. A CPU
	// taking a ticket later reads `holder` and its c->lock after its
	// ticket (ticket_take's barrier), and this CPU reads the tickets after
	// writing both: one of the two sees the other, so a waiter either
	// stops this CPU keeping the lock or sends it the SGI. (A holder that
	// does not keep it is never KLOCK_KEEP, whatever `holder` says.)
	__atomic_store_n(&c->lock, KLOCK_KEEP, __ATOMIC_RELAXED);
	__atomic_store_n(&holder, c, __ATOMIC_RELAXED);
	dmb_ish();
	if (ticket_next(&big_lock) == ((me + 1) & 0xffff)) {
		write_vbar((uint32_t)vectors_keep); // the exception return synchronizes it
		c->to_user = arch_return_to_user;
	} else
		c->lock = KLOCK_TAKE;
}

void klock_enter_svc(void)
{
	kernel_enter(SVC_SIZE);
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
