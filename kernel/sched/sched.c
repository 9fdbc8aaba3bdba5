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

void sched_dequeue(struct thread *t)
{
	struct cpu *c = this_cpu();
	struct tqueue *q = &c->rq[t->prio];

	if (c->next == t) {
		c->next = 0;
		return;
	}
	if (t->state != T_READY || t == c->current || (!t->prev && q->head != t))
		return; // running, or not queued
	tq_remove(q, t);
	rq_unmark_if_empty(c, t->prio);
	KASSERT(rq_ok(c, t->prio));
}

void sched_wake(struct thread *t)
{
	struct cpu *c = this_cpu();

	t->state = T_READY;
	if (t != c->current && t != c->next)
		rq_push_tail(c, t);
}

void sched_direct(struct thread *t)
{
	struct cpu *c = this_cpu();
	struct thread *cur = c->current;

	t->state = T_READY;
	if (!c->next && (!cur || cur->state != T_READY) && (int)t->prio >= sched_top_prio(c))
		c->next = t;
	else if (t != cur)
		rq_push_tail(c, t);
}

void sched_yield(void)
{
	struct cpu *c = this_cpu();
	struct thread *cur = c->current;

	if (cur && cur->state == T_READY && sched_top_prio(c) >= (int)cur->prio) {
		cur->slice = TIME_SLICE_TICKS;
		rq_push_tail(c, cur);
		c->current = 0;
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
	if (cur && cur->state == T_READY && --cur->slice == 0) {
		cur->slice = TIME_SLICE_TICKS;
		if (sched_top_prio(c) >= (int)cur->prio) {
			rq_push_tail(c, cur);
			c->current = 0;
		}
	}
}

// Picks the thread to run: the direct choice of an IPC, else the running
// thread unless a more urgent one is ready, else the head of the most
// urgent queue. NULL when nothing is ready.
static struct thread *pick(struct cpu *c)
{
	struct thread *cur = c->current, *t = c->next;
	int top = sched_top_prio(c);

	if (cur && cur->state == T_READY && cur->atomic)
		return cur; // pinned (THREAD_ATOMIC)
	if (t) {
		c->next = 0;
		if (cur && cur != t && cur->state == T_READY)
			rq_push_head(c, cur);
		return t;
	}
	if (cur && cur->state == T_READY) {
		if (top <= (int)cur->prio)
			return cur;
		rq_push_head(c, cur); // preempted by a more urgent thread: first in line again
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

	// The common case: the thread that entered the kernel goes on.
	if (t && t->state == T_READY && c->space == t->space && sched_keeps(c, t)) {
		kernel_unlock();
		arch_return_to_user(&t->ctx);
	}
	while (!(t = pick(c))) {
		c->current = 0;
		irq_enable(); // idle: the only place the kernel takes interrupts
		wfi();
		irq_disable();
	}
	switch_to(c, t);
}
