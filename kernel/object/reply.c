// Reply objects: a server that cannot answer at once saves its caller's
// one-shot reply in one (REPLY_SAVE) and answers later with SYS_SEND on it.
// The caller stays blocked until then; if the object is destroyed first,
// the caller gets E_DEAD instead of waiting for ever.
#include "ipc.h"
#include "objects.h"
#include "sched.h"

void reply_destroy(struct reply *r)
{
	struct thread *caller = r->caller;

	if (!caller)
		return;
	r->caller = 0;
	caller->saved_in = 0;
	ipc_abort(caller, E_DEAD, "the reply to its fault was destroyed");
}

int reply_invoke(struct thread *t, struct cap *c, const struct msg_in *in, struct msg_out *out)
{
	struct reply *r = (struct reply *)c->obj;
	struct thread *caller = t->caller;

	(void)out;
	if (in->label != REPLY_SAVE)
		return E_NOSYS;
	if (!(c->rights & RIGHT_WRITE))
		return E_PERM;
	if (!caller)
		return E_NOREPLY;
	if (r->caller)
		return E_BUSY;
	t->caller = 0;
	caller->callee = 0;
	caller->saved_in = r;
	r->caller = caller;
	r->caller_died = 0;
	return E_OK;
}
