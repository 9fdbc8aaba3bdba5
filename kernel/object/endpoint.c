// Endpoints: a FIFO queue of threads waiting to send or to receive (never
// both at once).
#include "objects.h"
#include "printk.h"
#include "sched.h"

struct endpoint *endpoint_create(struct space *charge)
{
	return kobj_alloc(CAP_ENDPOINT, 1, charge);
}

void ep_enqueue(struct endpoint *e, struct thread *t, uint32_t state)
{
	t->state = state;
	t->ep = e;
	t->next = 0;
	t->prev = e->tail;
	if (e->tail)
		e->tail->next = t;
	else
		e->head = t;
	e->tail = t;
	e->state = state == T_SEND ? EP_SEND : EP_RECV;
}

void ep_remove(struct thread *t)
{
	struct endpoint *e = t->ep;

	if (t->prev)
		t->prev->next = t->next;
	else
		e->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		e->tail = t->prev;
	if (!e->head)
		e->state = EP_IDLE;
	t->next = t->prev = 0;
	t->ep = 0;
}

// Everyone waiting fails with E_DEAD; a faulted thread stays stopped.
void endpoint_destroy(struct endpoint *e)
{
	while (e->head) {
		struct thread *t = e->head;
		ep_remove(t);
		if (t->fault) {
			printk("hmk: thread %u stopped: its fault endpoint was destroyed\n", t->id);
			t->fault = 0;
			t->state = T_STOPPED;
			continue;
		}
		t->ctx.r[0] = E_DEAD;
		sched_wake(t);
	}
}
