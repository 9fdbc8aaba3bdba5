// Fixed-priority round-robin scheduling on one CPU's run queues.
#include "sched.h"

#include "cp15.h"
#include "debug.h"
#include "plat.h"
#include "printk.h"
#include "tqueue.h"
#include "objects.h"
#include "trap.h"
#include "vspace.h"

static void rq_mark(struct cpu *c, unsigned p)
{
	c->prio_bits[p / 32] |= 1u << (p % 32);
	c->prio_top |= 1u << (p / 32);
}

static void rq_unmark_if_empty(struct cpu *c, unsigned p)
{
	if (c->rq[p].head)
		return;
	c->prio_bits[p / 32] &= ~(1u << (p % 32));
	if (!c->prio_bits[p / 32])
		c->prio_top &= ~(1u << (p / 32));
}

// Run queue p and its bits agree, and its head is ready at priority p
// (debug assertions).
static int rq_ok(const struct cpu *c, unsigned p)
{
	const struct thread *h = c->rq[p].head;
	int marked = (c->prio_bits[p / 32] >> (p % 32)) & 1;
	int word_marked = (c->prio_top >> (p / 32)) & 1;

	return marked == !!h && word_marked == !!c->prio_bits[p / 32] &&
	       (!h || (h->state == T_READY && h->prio == p));
}

static void rq_push_tail(struct cpu *c, struct thread *t)
{
	KASSERT(t->state == T_READY);
	tq_append(&c->rq[t->prio], t);
	rq_mark(c, t->prio);
	KASSERT(rq_ok(c, t->prio));
}

static void rq_push_head(struct cpu *c, struct thread *t)
{
	KASSERT(t->state == T_READY);
	tq_prepend(&c->rq[t->prio], t);
	rq_mark(c, t->prio);
	KASSERT(rq_ok(c, t->prio));
}

void sched_kick(struct cpu *c)
{
	if (c != this_cpu())
		gic_send_sgi(c->gic_mask, SGI_RESCHED);
}

void sched_dequeue(struct thread *t)
{
	struct cpu *c = t->cpu, *self = this_cpu();
	struct tqueue *q = &c->rq[t->prio];

	if (self->next == t) {
		self->next = 0;
		return;
	}
	if (!sched_queued(t))
		return; // running, or not queued
	tq_remove(q, t);
	rq_unmark_if_empty(c, t->prio);
	KASSERT(rq_ok(c, t->prio));
}

// Queues ready `t` on its CPU, unless it runs there already or is chosen
// to run next, and tells that CPU when it is another. A thread woken is
// never queued already: it was blocked, stopped, taken out of its queue
// (set_prio, THREAD_SET_CPU) or running.
static inline __attribute__((always_inline)) void enqueue(struct thread *t)
{
	struct cpu *c = t->cpu, *self = this_cpu();

	KASSERT(!sched_queued(t));
	if (t == c->current || t == self->next)
		return;
	if (c == self) { // the common case, a tail call
		rq_push_tail(c, t);
		return;
	}
	rq_push_tail(c, t);
	gic_send_sgi(c->gic_mask, SGI_RESCHED);
}

void sched_wake(struct thread *t)
{
	t->state = T_READY;
	if (!t->leaving) // else the CPU leaving it queues it (sched_ipi)
		enqueue(t);
}

void sched_direct(struct thread *t)
{
	struct cpu *c = this_cpu();
	struct thread *cur = c->current;

	if (t->cpu != c || t->leaving) {
		sched_wake(t);
		return;
	}
	t->state = T_READY;
	if (!c->next && (!cur || cur->state != T_READY) && (int)t->prio >= sched_top_prio(c))
		c->next = t;
	else if (t != cur)
		rq_push_tail(c, t);
}

// This CPU stops running its current thread, which is ready, and queues
// it again: at the tail of its priority, or at the head when a more urgent
// thread preempts it. A thread another CPU stopped or moved meanwhile is
// queued by sched_ipi instead.
static void requeue_current(struct cpu *c, int head)
{
	struct thread *cur = c->current;

	c->current = 0;
	if (cur->leaving)
		return;
	if (head)
		rq_push_head(c, cur);
	else
		rq_push_tail(c, cur);
}

void sched_yield(void)
{
	struct cpu *c = this_cpu();
	struct thread *cur = c->current;

	if (cur && cur->state == T_READY && sched_top_prio(c) >= (int)cur->prio) {
		cur->slice = TIME_SLICE_TICKS;
		requeue_current(c, 0);
	}
}

void sched_tick(void)
{
	struct cpu *c = this_cpu();
	struct thread *cur = c->current;

	if (cur && cur->atomic) { // pinned: no preemption, within its space's budget
		thread_atomic_tick(cur);
		if (cur->atomic)
			return;
	}
	if (cur && __builtin_expect(cur->move_to != 0, 0) && !thread_holds_kmaps(cur)) {
		thread_move(cur, cur->move_to); // it holds no kmap now (THREAD_SET_CPU waited)
		return;
	}
	if (cur && cur->state == T_READY && --cur->slice == 0) {
		cur->slice = TIME_SLICE_TICKS;
		if (sched_top_prio(c) >= (int)cur->prio)
			requeue_current(c, 0);
	}
}

void sched_evict(struct thread *t)
{
	struct cpu *self = this_cpu();

	for (unsigned i = 0; i < NR_CPUS; i++) {
		struct cpu *x = cpu_get(i);
		if (x == self || x->current != t)
			continue;
		if (!t->leaving) { // the page stays until x has left it
			t->leaving = 1;
			kobj_get(&t->hdr);
			t->leave_next = x->leaving;
			x->leaving = t;
		}
		sched_kick(x);
	}
}

// Leaves the threads other CPUs evicted from this one: each waits no more
// (its reference goes) and, still ready, is queued where it belongs.
static void leave_evicted(struct cpu *c)
{
	struct thread *t;

	while ((t = c->leaving)) {
		c->leaving = t->leave_next;
		t->leave_next = 0;
		t->leaving = 0;
		if (c->current == t)
			c->current = 0;
		if (t->state == T_READY)
			enqueue(t);
		kobj_put(&t->hdr);
	}
	kobj_reap(); // the threads that died on another CPU while this one ran them
}

void sched_ipi(uint32_t id)
{
	struct cpu *c = this_cpu();

	(void)id;
	c->sgis++;
	klock_yield(c);     // another CPU may want the big lock
	if (c->tlb_stale) { // a space it has loaded died (space_destroy)
		c->tlb_stale = 0;
		if (c->space && c->space->hdr.dead) {
			vspace_deactivate();
			c->space = 0;
		}
		space_unloaded();
	}
	leave_evicted(c);
}

void sched_evicted(uint32_t rewind)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->current;

	if (!t || !t->leaving) { // another thread, which this CPU has left already
		leave_evicted(c);
		return;
	}
	t->ctx.pc -= rewind; // it enters again where it was, when it runs
	leave_evicted(c);
	schedule();
}

// Picks the thread to run: the direct choice of an IPC, else the running
// thread unless a more urgent one is ready, else the head of the most
// urgent queue. NULL when nothing is ready.
static struct thread *pick(struct cpu *c)
{
	struct thread *cur = c->current, *t = c->next;
	int ready = cur && cur->state == T_READY, top;

	if (ready && cur->leaving) { // stopped or moved by another CPU: sched_ipi queues it
		c->current = 0;
		ready = 0;
	}
	if (ready && cur->atomic)
		return cur; // pinned (THREAD_ATOMIC)
	if (t) {
		c->next = 0;
		if (ready && cur != t)
			requeue_current(c, 1);
		return t;
	}
	top = sched_top_prio(c);
	if (ready) {
		if (top <= (int)cur->prio)
			return cur;
		requeue_current(c, 1); // preempted by a more urgent thread: first in line again
	}
	if (top < 0)
		return 0;
	t = c->rq[top].head;
	sched_dequeue(t);
	return t;
}

void schedule(void)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->current;

	// The common case: the thread that entered the kernel goes on. (One
	// another CPU has just stopped or moved is left by sched_ipi, whose
	// interrupt is pending: it is taken as the thread resumes.)
	if (t && t->state == T_READY && c->space == t->space && sched_keeps(c, t))
		kernel_exit(c, &t->ctx);
	while (!(t = pick(c))) {
		c->current = 0;
		c->sleeps++;
		// Idle: the lock goes before the wfi, which wakes on a pending
		// interrupt even while they are masked; the interrupt is then
		// taken under the lock (the only place the kernel takes them).
		klock_release(c);
		wfi();
		kernel_lock();
		irq_enable();
		irq_disable();
		// If that gave this CPU a thread (where pick looks next: its run
		// queues, or the one chosen to run next), a tick it stopped idle
		// (timer.c) starts again.
		if (c->tick_off && (c->prio_top || c->next)) {
			c->tick_off = 0;
			timer_cpu_resume();
		}
	}
	switch_to(c, t, 1);
}
