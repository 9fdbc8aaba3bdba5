// System calls: the general path. Each handler checks every argument
// before anything changes; the result goes to r0 (and the reply registers)
// unless the thread blocked, then schedule() leaves the kernel.
#include "ipc.h"
#include "objects.h"
#include "printk.h"
#include "sched.h"

void syscall_handle(uint32_t nr) __attribute__((noreturn));

// Checks the message in t's registers: length, and a capability to send.
// c: the endpoint capability sent on, or NULL for a reply (which alone may
// carry MSG_MAP).
static int check_msg(struct thread *t, const struct cap *c)
{
	uint32_t info = regs_info(&t->ctx);
	struct cap *send;

	if (MSG_LEN(info) > MSG_MAX_WORDS || (c && (info & MSG_MAP)))
		return E_INVAL;
	if (!(info & MSG_CAP))
		return E_OK;
	if (c && !(c->rights & RIGHT_GRANT))
		return E_PERM;
	return cap_lookup(t->space, t->ipcbuf->cap_send, CAP_NULL, 0, &send);
}

// A reply's MSG_MAP is made or refused: map[] is consumed (abi.h), so the
// replying thread's siblings on other CPUs may see that it can no longer
// happen. Returns err.
static int map_consumed(struct thread *t, int err)
{
	if (regs_info(&t->ctx) & MSG_MAP)
		t->ipcbuf->map[IPC_MAP_WORD] = 0;
	return err;
}

// The WINDOW_MAP a reply to `to` carries (MSG_MAP), done before the reply
// goes; map[] is consumed.
static int reply_map(struct thread *t, struct thread *to)
{
	if (!(regs_info(&t->ctx) & MSG_MAP))
		return E_OK;
	return map_consumed(t, window_map_request(t->space, t->ipcbuf->map, to));
}

// INV_WATCH decoded: the notification to signal, and with what.
struct watch_args {
	struct notify *notify;
	uint32_t badge;
};

// INV_WATCH: (notification slot, badge), signalled when c's object dies.
static int watch_decode(const struct invocation *inv, struct watch_args *a)
{
	const struct kobj *o = inv->cap->obj;
	struct cap *nc;
	int err;

	if (inv->in.len < 2)
		return E_INVAL;
	if (!(inv->cap->rights & RIGHT_READ))
		return E_PERM;
	err = cap_lookup(inv->self, inv->in.mr[0], CAP_NOTIFY, RIGHT_WRITE, &nc);
	if (err)
		return err;
	if (o->watch && !o->watch->hdr.dead)
		return E_BUSY;
	a->notify = (struct notify *)nc->obj;
	a->badge = inv->in.mr[1];
	return E_OK;
}

// Replaces a dead watcher, if any, with a->notify.
static void watch_perform(struct kobj *o, const struct watch_args *a)
{
	if (o->watch)
		kobj_put(&o->watch->hdr);
	o->watch = a->notify;
	o->watch_badge = a->badge;
	kobj_get(&a->notify->hdr);
}

// INV_DESTROY and INV_WATCH, the invocations of any capability that act.
static int any_invoke(struct invocation *inv)
{
	struct watch_args watch;
	int err;

	if (inv->in.label == INV_DESTROY) {
		err = kobj_destroy_check(inv->cap);
		if (!err)
			kobj_destroy(inv->cap->obj);
		return err;
	}
	err = watch_decode(inv, &watch);
	if (!err)
		watch_perform(inv->cap->obj, &watch);
	return err;
}

// Each capability type's invocation handler; none for an endpoint (a call
// on one is IPC) or an empty slot.
static invoke_fn *const invoke_table[CAP_TYPE_COUNT] = {
	[CAP_SPACE] = space_invoke, [CAP_THREAD] = thread_invoke,   [CAP_NOTIFY] = notify_invoke,
	[CAP_REPLY] = reply_invoke, [CAP_RANGE] = range_invoke,     [CAP_IRQCTL] = irqctl_invoke,
	[CAP_IRQ] = irq_invoke,     [CAP_CONSOLE] = console_invoke, [CAP_WINDOW] = window_invoke,
};

// An invocation: label and words from t's registers; results and the error
// back in them. Returns E_BLOCKED (r0 is set) or an error found before it
// acted.
static int invoke(struct thread *t, struct cap *c)
{
	uint32_t info = regs_info(&t->ctx);
	struct invocation inv; // caller, self and cap are set below, for the handlers
	int err;

	inv.in = (struct msg_in){ MSG_LABEL(info),
				  MSG_LEN(info),
				  { regs_mr(&t->ctx, 0), regs_mr(&t->ctx, 1), regs_mr(&t->ctx, 2),
				    regs_mr(&t->ctx, 3) } };
	inv.out = (struct msg_out){ 0, { 0 } };

	if (inv.in.len > MSG_MAX_WORDS || (info & MSG_CAP))
		return E_INVAL;
	kobj_get(&t->hdr);                  // it may destroy itself
	if (inv.in.label == INV_IDENTIFY) { // no right, nothing to decode: answered here
		inv.out.len = 3;
		inv.out.mr[0] = c->type;
		inv.out.mr[1] = c->rights;
		inv.out.mr[2] = c->badge;
		err = E_OK;
	} else {
		invoke_fn *handler = invoke_table[c->type];
		inv.caller = t;
		inv.self = t->space;
		inv.cap = c;
		if (inv.in.label == INV_DESTROY || inv.in.label == INV_WATCH)
			err = any_invoke(&inv);
		else
			err = handler ? handler(&inv) : E_NOSYS;
	}
	if (err == E_OK && t->state != T_DEAD) {
		regs_set_info(&t->ctx, MSG_INFO(0, inv.out.len));
		for (int i = 0; i < MSG_REG_WORDS; i++)
			regs_set_mr(&t->ctx, i, inv.out.mr[i]);
	}
	// Only invocations delete capabilities or destroy objects: free what
	// they released. t itself is freed last, after its r0 is written.
	regs_set_err(&t->ctx, (uint32_t)err);
	kobj_put(&t->hdr);
	kobj_reap();
	return E_BLOCKED; // r0 is written: t may be gone now
}

static int do_send(struct thread *t, int call, int block)
{
	struct cap *c;
	int err = cap_lookup(t->space, regs_cap(&t->ctx), CAP_NULL, 0, &c);

	if (err)
		return err;
	if (c->type == CAP_ENDPOINT) {
		if (!(c->rights & RIGHT_WRITE))
			return E_PERM;
		err = check_msg(t, c);
		return err ? err : ipc_send(t, (struct endpoint *)c->obj, c->badge, call, block);
	}
	if (c->type == CAP_REPLY && !call) {
		if (!(c->rights & RIGHT_WRITE))
			return E_PERM;
		err = check_msg(t, 0);
		if (!err && !((struct reply *)c->obj)->caller) // E_NOREPLY or E_DEAD
			return map_consumed(t, ipc_reply_saved(t, (struct reply *)c->obj));
		err = err ? map_consumed(t, err) : reply_map(t, ((struct reply *)c->obj)->caller);
		return err ? err : ipc_reply_saved(t, (struct reply *)c->obj);
	}
	if (c->type == CAP_NOTIFY && !call) {
		if (!(c->rights & RIGHT_WRITE))
			return E_PERM;
		notify_signal((struct notify *)c->obj, c->badge);
		return E_OK;
	}
	if (call)
		return invoke(t, c);
	return E_TYPE;
}

static int do_recv(struct thread *t, int block)
{
	struct cap *c;
	int err = cap_lookup(t->space, regs_cap(&t->ctx), CAP_NULL, RIGHT_READ, &c);

	if (err)
		return err;
	if (c->type == CAP_ENDPOINT)
		return ipc_recv(t, (struct endpoint *)c->obj, block);
	if (c->type == CAP_NOTIFY)
		return notify_wait(t, (struct notify *)c->obj, block);
	return E_TYPE;
}

static int do_reply(struct thread *t)
{
	int err = check_msg(t, 0);

	if (!err && !t->caller)
		return map_consumed(t, ipc_reply(t)); // E_NOREPLY or E_DEAD: nothing to map for
	err = err ? map_consumed(t, err) : reply_map(t, t->caller);
	return err ? err : ipc_reply(t);
}

// reply_recv: the reply (if a caller is held) goes first; a reply that
// cannot be delivered (caller gone) does not stop the receive.
static int do_reply_recv(struct thread *t)
{
	struct cap *c;
	int err = cap_lookup(t->space, regs_cap(&t->ctx), CAP_NULL, RIGHT_READ, &c);

	if (!err && c->type != CAP_ENDPOINT && c->type != CAP_NOTIFY)
		err = E_TYPE;
	if (!err && t->caller)
		err = check_msg(t, 0);
	if (!err && t->caller)
		err = reply_map(t, t->caller);
	else if (!t->caller) // (a map for nobody)
		map_consumed(t, 0);
	if (err)
		return map_consumed(t, err);
	struct thread *answered = 0;
	if (t->caller) {
		answered = ipc_deliver_reply(t, t->caller);
		t->caller = 0;
	}
	t->caller_died = 0;
	err = do_recv(t, 1);
	// The server now waits: the caller it answered may run at once.
	if (answered && err == E_BLOCKED)
		sched_direct(answered);
	else if (answered)
		sched_wake(answered);
	return err;
}

void syscall_handle(uint32_t nr)
{
	struct thread *t = this_cpu()->current;
	int err;

	if (nr == SYS_NULL) { // the bare cost of entering and leaving the kernel
		regs_set_err(&t->ctx, E_OK);
		schedule();
	}
	switch (nr) {
	case SYS_CALL: err = do_send(t, 1, 1); break;
	case SYS_SEND: err = do_send(t, 0, 1); break;
	case SYS_NBSEND: err = do_send(t, 0, 0); break;
	case SYS_RECV: err = do_recv(t, 1); break;
	case SYS_NBRECV: err = do_recv(t, 0); break;
	case SYS_REPLY_RECV: err = do_reply_recv(t); break;
	case SYS_REPLY: err = do_reply(t); break;
	case SYS_UNPIN: // (then a thread made ready meanwhile may run)
		regs_set_mr(&t->ctx, 0, t->atomic);
		thread_unpin(t);
		err = E_OK;
		break;
	case SYS_YIELD: // a pinned thread (THREAD_ATOMIC) may not give way
		err = t->atomic ? E_BUSY : E_OK;
		if (!err)
			sched_yield();
		break;
	default: err = E_NOSYS; break;
	}
	if (err != E_BLOCKED)
		regs_set_err(&t->ctx, (uint32_t)err);
	schedule();
}
