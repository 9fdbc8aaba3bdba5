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

// REPLY_SAVE, with RIGHT_WRITE: the caller holds a caller, r none.
static int save_decode(const struct invocation *inv, const struct reply *r)
{
	if (!(inv->cap->rights & RIGHT_WRITE))
		return E_PERM;
	if (!inv->caller->caller)
		return E_NOREPLY;
	return r->caller ? E_BUSY : E_OK;
}

static void save_perform(struct thread *t, struct reply *r)
{
	struct thread *caller = t->caller;

	t->caller = 0;
	caller->callee = 0;
	caller->saved_in = r;
	r->caller = caller;
	r->caller_died = 0;
}

int reply_invoke(struct invocation *inv)
{
	struct reply *r = (struct reply *)inv->cap->obj;
	int err;

	if (inv->in.label != REPLY_SAVE)
		return E_NOSYS;
	err = save_decode(inv, r);
	if (!err)
		save_perform(inv->caller, r);
	return err;
}
