// Notifications: a word of bits that signals OR into, and at most one
// waiting thread that takes and clears them. Interrupts arrive this way.
#include "objects.h"
#include "sched.h"

void notify_signal(struct notify *n, uint32_t bits)
{
	struct thread *t = n->waiter;

	if (!t) {
		n->word |= bits;
		return;
	}
	n->waiter = 0;
	t->waiting = 0;
	t->ctx.r[0] = E_OK;
	t->ctx.r[1] = 0;
	t->ctx.r[6] = n->word | bits;
	n->word = 0;
	sched_wake(t);
}

void notify_destroy(struct notify *n)
{
	struct thread *t = n->waiter;

	if (n->irq)
		n->irq = 0;
	if (!t)
		return;
	n->waiter = 0;
	t->waiting = 0;
	t->ctx.r[0] = E_DEAD;
	sched_wake(t);
}

int notify_invoke(struct cap *c, const struct msg_in *in, struct msg_out *out)
{
	struct notify *n = (struct notify *)c->obj;

	if (in->label != NOTIFY_POLL)
		return E_NOSYS;
	if (!(c->rights & RIGHT_READ))
		return E_PERM;
	out->len = 1;
	out->mr[0] = n->word;
	n->word = 0;
	return E_OK;
}
