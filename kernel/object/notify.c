// Notifications: a word of bits that signals OR into, and at most one
// waiting thread that takes and clears them. Interrupts arrive this way.
#include "objects.h"
#include "sched.h"

void notify_signal(struct notify *n, uint32_t bits)
{
	struct thread *t = n->waiter;

	if (!t && n->bound && n->bound->state == T_RECV) {
		// The thread it is bound to waits on an endpoint: end that wait.
		t = n->bound;
		ep_remove(t);
		regs_set_err(&t->ctx, E_OK);
		regs_set_info(&t->ctx, MSG_INFO(MSG_LABEL_NOTIFY, 0));
		regs_set_badge(&t->ctx, n->word | bits);
		n->word = 0;
		sched_wake(t);
		return;
	}
	if (!t) {
		n->word |= bits;
		return;
	}
	n->waiter = 0;
	t->waiting = 0;
	regs_set_err(&t->ctx, E_OK);
	regs_set_info(&t->ctx, 0);
	regs_set_badge(&t->ctx, n->word | bits);
	n->word = 0;
	sched_wake(t);
}

void notify_destroy(struct notify *n)
{
	struct thread *t = n->waiter;

	if (n->bound) {
		n->bound->bound_notify = 0;
		n->bound = 0;
		kobj_put(&n->hdr);
	}
	if (!t)
		return;
	n->waiter = 0;
	t->waiting = 0;
	regs_set_err(&t->ctx, E_DEAD);
	sched_wake(t);
}

int notify_invoke(struct invocation *inv)
{
	struct notify *n = (struct notify *)inv->cap->obj;

	if (inv->in.label != NOTIFY_POLL) // the one label, and its one check
		return E_NOSYS;
	if (!(inv->cap->rights & RIGHT_READ))
		return E_PERM;
	inv->out.len = 1;
	inv->out.mr[0] = n->word;
	n->word = 0;
	return E_OK;
}
