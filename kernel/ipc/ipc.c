// IPC, the general path: blocking and non-blocking send and receive, call
// and reply, long messages through IPC buffers, capability transfer and
// fault messages.
#include "ipc.h"

#include "objects.h"
#include "printk.h"
#include "sched.h"

// Copies a message to `dst`: snd = info and MR0..3, MR4.. from src's IPC
// buffer, a capability from src's slot `cap` into dst's cap_recv slot when
// that slot is empty (otherwise the capability is dropped and the info says
// so). MSG_CALL is the kernel's to set (the callers below, for a call).
static void transfer(struct thread *src, const uint32_t *snd, uint32_t badge, uint32_t cap,
		     struct thread *dst)
{
	uint32_t info = snd[0] & ~(MSG_CAP | MSG_MAP | MSG_CALL), len = MSG_LEN(snd[0]);

	regs_set_err(&dst->ctx, E_OK);
	for (int i = 0; i < MSG_REG_WORDS; i++)
		regs_set_mr(&dst->ctx, i, snd[1 + i]);
	regs_set_badge(&dst->ctx, badge);
	for (uint32_t i = MSG_REG_WORDS; i < len; i++)
		dst->ipcbuf->mr[i] = src->ipcbuf->mr[i];
	if (snd[0] & MSG_CAP) {
		struct cap *from = cap_slot(src->space, cap);
		struct cap *to = cap_slot(dst->space, dst->ipcbuf->cap_recv);
		if (from && from->type != CAP_NULL && !from->obj->dead && to &&
		    to->type == CAP_NULL) {
			cap_set(to, from->obj, from->rights, from->badge);
			info |= MSG_CAP;
		}
	}
	regs_set_info(&dst->ctx, info);
}

// t will wait for `server`'s reply (which just received t's message: its
// info says so, MSG_CALL).
static void await_reply(struct thread *t, struct thread *server)
{
	regs_set_info(&server->ctx, regs_info(&server->ctx) | MSG_CALL);
	t->state = T_REPLY;
	t->callee = server;
	server->caller = t;
	server->caller_died = 0;
}

// The caller t held goes unanswered: it fails (a faulted one stays stopped).
static void drop_caller(struct thread *t)
{
	struct thread *caller = t->caller;

	t->caller = 0;
	caller->callee = 0;
	ipc_abort(caller, E_NOREPLY, "its fault was not answered");
}

void ipc_abort(struct thread *t, int err, const char *why)
{
	if (t->fault) {
		printk("hmk: thread %u stopped: %s\n", t->id, why);
		t->fault = 0;
		t->state = T_STOPPED;
		return;
	}
	regs_set_err(&t->ctx, (uint32_t)err);
	sched_wake(t);
}

static inline int deliver(struct thread *t, const uint32_t *snd, struct endpoint *ep,
			  uint32_t badge, uint32_t cap, int call, int block)
{
	if (ep->state == EP_RECV) {
		struct thread *r = ep->q.head;
		ep_remove(r);
		transfer(t, snd, badge, cap, r);
		if (call) {
			await_reply(t, r);
			sched_direct(r);
			return E_BLOCKED;
		}
		sched_wake(r);
		return E_OK;
	}
	if (!block)
		return E_AGAIN;
	if (t->atomic)
		return E_BUSY; // a pinned thread may not wait for a receiver
	for (int i = 0; i < 1 + MSG_REG_WORDS; i++)
		t->snd[i] = snd[i];
	t->snd_badge = badge;
	t->snd_cap = cap;
	t->is_call = (uint8_t)call;
	ep_enqueue(ep, t, T_SEND);
	return E_BLOCKED;
}

int ipc_send(struct thread *t, struct endpoint *ep, uint32_t badge, int call, int block)
{
	return deliver(t, regs_msg(&t->ctx), ep, badge, t->ipcbuf->cap_send, call, block);
}

void ipc_send_fault(struct thread *t, struct endpoint *ep, uint32_t badge)
{
	uint32_t snd[1 + MSG_REG_WORDS];

	for (int i = 0; i < 1 + MSG_REG_WORDS; i++)
		snd[i] = t->snd[i];
	t->fault = 1;
	deliver(t, snd, ep, badge, 0, 1, 1);
}

int ipc_recv(struct thread *t, struct endpoint *ep, int block)
{
	if (t->caller)
		drop_caller(t);
	if (ep->state == EP_SEND) {
		struct thread *s = ep->q.head;
		ep_remove(s);
		transfer(s, s->snd, s->snd_badge, s->snd_cap, t);
		if (s->is_call || s->fault) {
			await_reply(s, t);
		} else {
			regs_set_err(&s->ctx, E_OK);
			sched_wake(s);
		}
		return E_OK;
	}
	if (t->bound_notify && t->bound_notify->word) { // a signal is already waiting
		regs_set_info(&t->ctx, MSG_INFO(MSG_LABEL_NOTIFY, 0));
		regs_set_badge(&t->ctx, t->bound_notify->word);
		t->bound_notify->word = 0;
		return E_OK;
	}
	if (!block)
		return E_AGAIN;
	if (t->atomic)
		return E_BUSY;
	ep_enqueue(ep, t, T_RECV);
	return E_BLOCKED;
}

struct thread *ipc_deliver_reply(struct thread *t, struct thread *caller)
{
	uint32_t info = regs_info(&t->ctx);

	caller->callee = 0;
	caller->saved_in = 0;
	if (caller->fault) { // FAULT_RESUME [new pc] restarts it; anything else leaves it stopped
		caller->fault = 0;
		if (MSG_LABEL(info) != FAULT_RESUME) {
			caller->state = T_STOPPED;
			return 0;
		}
		if (MSG_LEN(info) >= 1)
			caller->ctx.pc = regs_mr(&t->ctx, 0);
		return caller;
	}
	transfer(t, regs_msg(&t->ctx), 0, t->ipcbuf->cap_send, caller);
	return caller;
}

// Wakes what ipc_deliver_reply answered, if anything.
static void wake(struct thread *t)
{
	if (t)
		sched_wake(t);
}

int ipc_reply(struct thread *t)
{
	struct thread *caller = t->caller;

	if (!caller) {
		int err = t->caller_died ? E_DEAD : E_NOREPLY;
		t->caller_died = 0;
		return err;
	}
	t->caller = 0;
	wake(ipc_deliver_reply(t, caller));
	return E_OK;
}

int ipc_reply_saved(struct thread *t, struct reply *r)
{
	struct thread *caller = r->caller;

	if (!caller) {
		int err = r->caller_died ? E_DEAD : E_NOREPLY;
		r->caller_died = 0;
		return err;
	}
	r->caller = 0;
	wake(ipc_deliver_reply(t, caller));
	return E_OK;
}

int notify_wait(struct thread *t, struct notify *n, int block)
{
	if (n->word) {
		regs_set_info(&t->ctx, 0);
		regs_set_badge(&t->ctx, n->word);
		n->word = 0;
		return E_OK;
	}
	if (!block)
		return E_AGAIN;
	if (n->waiter || t->atomic)
		return E_BUSY;
	n->waiter = t;
	t->waiting = n;
	t->state = T_NOTIFY;
	return E_BLOCKED;
}
