// Endpoints: a FIFO queue of threads waiting to send or to receive (never
// both at once).
#include "debug.h"
#include "ipc.h"
#include "objects.h"
#include "sched.h"
#include "tqueue.h"

void ep_enqueue(struct endpoint *e, struct thread *t, uint32_t state)
{
	KASSERT(state == T_SEND || state == T_RECV);
	KASSERT(e->state == EP_IDLE || e->state == (state == T_SEND ? EP_SEND : EP_RECV));
	t->state = state;
	t->ep = e;
	tq_append(&e->q, t);
	e->state = state == T_SEND ? EP_SEND : EP_RECV;
}

void ep_remove(struct thread *t)
{
	struct endpoint *e = t->ep;

	KASSERT(e && (t->state == T_SEND || t->state == T_RECV));
	tq_remove(&e->q, t);
	if (!e->q.head)
		e->state = EP_IDLE;
	t->ep = 0;
	KASSERT(e->state == EP_IDLE || e->state == (t->state == T_SEND ? EP_SEND : EP_RECV));
}

// Everyone waiting fails with E_DEAD; a faulted thread stays stopped.
void endpoint_destroy(struct endpoint *e)
{
	while (e->q.head) {
		struct thread *t = e->q.head;
		ep_remove(t);
		ipc_abort(t, E_DEAD, "its fault endpoint was destroyed");
	}
}
