// The big kernel lock (cpu.h): a fair ticket lock (spinlock.h) that a CPU
// keeps through user mode while no other CPU wants it (KLOCK_KEEP). Then its
// entries and exits cost what they cost on one CPU: while one CPU works
// and the others idle or run user code, nothing is taken or released at
// all. A CPU that wants the lock sends the holder a reschedule SGI, which
// it takes at once in user mode, or as it returns there: that exit
// releases the lock. Contended, each hand-over thus costs the holder an
// interrupt when it kept the lock; a CPU that finds another waiting as it
// takes the lock does not keep it.
//
// The lock word says whether its holder keeps it (TICKET_FLAG), so the
// common contended entry (entry.S, vec_svc_lock) learns everything from
// the word its ticket_take read: free, held by a CPU that will release it
// (wait), or kept (this file tells the holder).
#include "context.h"
#include "cp15.h"
#include "cpu.h"
#include "plat.h"
#include "spinlock.h"

// Both read by entry.S's system call entry and exit too.
struct ticket_lock big_lock;
struct cpu *klock_holder; // the CPU that keeps big_lock (TICKET_FLAG set): written by it
			  //   before the flag, read by waiters that see the flag
_Static_assert(__builtin_offsetof(struct cpu, leaving) == 2136, "entry.S's CPU_LEAVING");

extern char vectors_smp[], vectors_keep[];

// Waits until ticket `me` is served, telling a holder that keeps the lock
// through user mode to let it go (an SGI, once per holder). Out of line:
// a CPU that waits pays for a wfe anyway.
static __attribute__((noinline)) void klock_wait(uint32_t me)
{
	struct cpu *told = NULL; // the holder this CPU sent an SGI
	uint32_t owner;

	while ((owner = ticket_owner(&big_lock)) != me) {
		if (owner & TICKET_FLAG) {
			dmb_ish(); // the flag, then the holder that set it
			struct cpu *h = __atomic_load_n(&klock_holder, __ATOMIC_RELAXED);
			if (h != told) {
				gic_send_sgi(h->gic_mask, SGI_RESCHED);
				told = h;
			}
		}
		wfe(); // the release's sev
	}
	dmb_ish();
}

// c holds the lock (ticket `me`) and no CPU waited for it when it looked.
void klock_keep(struct cpu *c, uint32_t me)
{
	// Keep the lock through user mode unless a CPU waits by now: the flag
	// goes into the word only if no ticket was taken after ours, in one
	// atomic step, so a CPU taking a ticket later reads it (and then
	// klock_holder, written first).
	__atomic_store_n(&klock_holder, c, __ATOMIC_RELAXED);
	dmb_ish();
	if (ticket_flag_if_alone(&big_lock, me)) {
		c->lock = KLOCK_KEEP;
		write_vbar((uint32_t)vectors_keep); // the exception return synchronizes it
		c->to_user = arch_return_to_user;
	}
	// Otherwise another CPU waits: c stays KLOCK_TAKE, and its exit
	// releases (c->to_user is klock_exit_release), nothing more to write.
}

// The rest of klock_take once c has ticket old >> 16 (old: the lock's word
// before): the wait, then whether c keeps the lock.
static void took(struct cpu *c, uint32_t old)
{
	uint32_t me = old >> 16;

	if ((old & 0xffff) != me)
		klock_wait(me);
	if (ticket_next(&big_lock) == ((me + TICKET_STEP) & 0xffff))
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
	ticket_flag_clear(&big_lock);
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

void klock_join(struct cpu *c)
{
	c->lock = KLOCK_TAKE;
	c->to_user = klock_exit_release;
	write_vbar((uint32_t)vectors_smp);
	klock_take(c);
}
