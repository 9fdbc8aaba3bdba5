// Threads: saved user registers, a priority, an address space and an IPC
// buffer (a LOWMEM page mapped into that space), and the links of whatever
// queue the thread waits in.
#include <string.h>

#include "memory.h"
#include "mmu.h"
#include "ipc.h"
#include "objects.h"
#include "printk.h"
#include "plat.h"
#include "sched.h"

static uint32_t next_thread_id = 1;

struct thread *thread_create(struct space *charge)
{
	struct thread *t = kobj_alloc(CAP_THREAD, 1, charge);

	if (!t)
		return 0;
	t->state = T_INACTIVE;
	t->ctx.cpsr = PSR_MODE_USR;
	t->slice = TIME_SLICE_TICKS;
	t->id = next_thread_id++;
	return t;
}

int thread_configure(struct thread *t, struct space *s, uint32_t ipcbuf_va, struct endpoint *fault_ep,
		     uint32_t fault_badge, uint8_t prio)
{
	uint64_t pa;
	int err;

	if (t->space || t->state != T_INACTIVE)
		return E_BUSY;
	if ((ipcbuf_va & (PAGE_SIZE - 1)) || ipcbuf_va < USER_BASE || ipcbuf_va >= USER_TOP)
		return E_RANGE;
	if (quota_charge(s, 1))
		return E_NOMEM;
	pa = frame_alloc();
	err = pa ? space_map_frame(s, ipcbuf_va, pa, PROT_READ | PROT_WRITE, MAP_PINNED) : E_NOMEM;
	if (err) {
		if (pa)
			frame_free(pa);
		quota_release(s, 1);
		return err;
	}
	t->ipcbuf = (struct ipc_buffer *)phys_to_virt(pa);
	t->ipcbuf_va = ipcbuf_va;
	t->space = s;
	kobj_get(&s->hdr);
	t->space_next = s->threads;
	s->threads = t;
	if (fault_ep)
		kobj_get(&fault_ep->hdr);
	t->fault_ep = fault_ep;
	t->fault_badge = fault_badge;
	t->prio = prio;
	return E_OK;
}

// Ends whatever IPC `t` is part of and takes it out of every queue.
void thread_stop(struct thread *t, uint8_t state)
{
	struct cpu *c = this_cpu();
	int in_ipc = 0;

	switch (t->state) {
	case T_READY:
		sched_dequeue(t);
		break;
	case T_SEND:
	case T_RECV:
		ep_remove(t);
		in_ipc = 1;
		break;
	case T_REPLY:
		if (t->callee) {
			t->callee->caller = 0;
			t->callee->caller_died = 1;
			t->callee = 0;
		}
		if (t->saved_in) {
			t->saved_in->caller = 0;
			t->saved_in->caller_died = 1;
			t->saved_in = 0;
		}
		in_ipc = 1;
		break;
	case T_NOTIFY:
		t->waiting->waiter = 0;
		t->waiting = 0;
		in_ipc = 1;
		break;
	default:
		break;
	}
	if (in_ipc && !t->fault)
		regs_set_err(&t->ctx, E_DEAD);
	t->fault = 0;
	thread_unpin(t);
	if (t->caller) { // it held a reply: its caller learns it died
		struct thread *caller = t->caller;
		t->caller = 0;
		caller->callee = 0;
		ipc_abort(caller, E_DEAD, "its fault handler died");
	}
	if (c->current == t)
		c->current = 0;
	if (c->next == t)
		c->next = 0;
	t->state = state;
}

void thread_unpin(struct thread *t)
{
	if (!t->atomic)
		return;
	t->atomic = 0;
	kobj_put(&t->atomic_win->hdr);
	t->atomic_win = 0;
}

void thread_destroy(struct thread *t)
{
	struct space *s = t->space;

	thread_stop(t, T_DEAD);
	window_thread_gone(t);
	if (t->bound_notify) {
		t->bound_notify->bound = 0;
		kobj_put(&t->bound_notify->hdr);
		t->bound_notify = 0;
	}
	if (s) {
		struct thread **p = &s->threads;
		while (*p != t)
			p = &(*p)->space_next;
		*p = t->space_next;
		space_unmap_kernel(s, t->ipcbuf_va);
		frame_free(virt_to_phys(t->ipcbuf));
		quota_release(s, 1);
		t->ipcbuf = 0;
		t->space = 0;
		kobj_put(&s->hdr);
	}
	if (t->fault_ep) {
		kobj_put(&t->fault_ep->hdr);
		t->fault_ep = 0;
	}
}

static uint32_t abi_state(const struct thread *t)
{
	switch (t->state) {
	case T_INACTIVE: return TS_INACTIVE;
	case T_READY: return TS_READY;
	case T_STOPPED: return TS_STOPPED;
	case T_DEAD: return TS_DEAD;
	default: return TS_BLOCKED;
	}
}

static void set_prio(struct thread *t, uint8_t prio)
{
	struct cpu *c = this_cpu();
	int queued = t->state == T_READY && t != c->current && t != c->next;

	if (queued)
		sched_dequeue(t);
	t->prio = prio;
	if (queued)
		sched_wake(t);
}

// Brings the pinned-time debt of `s` up to date: every ATOMIC_REFILL_TICKS
// since atomic_stamp earn one tick back.
static void atomic_refill(struct space *s)
{
	uint32_t now = timer_ticks(), earned = (now - s->atomic_stamp) / ATOMIC_REFILL_TICKS;

	if (earned >= s->atomic_used) {
		s->atomic_used = 0;
		s->atomic_stamp = now;
	} else {
		s->atomic_used -= earned;
		s->atomic_stamp += earned * ATOMIC_REFILL_TICKS;
	}
}

void thread_atomic_tick(struct thread *t)
{
	struct space *s = t->space;

	atomic_refill(s);
	if (++s->atomic_used < ATOMIC_LIMIT_TICKS)
		return;
	if (!s->atomic_logged)
		printk("hmk: space %u kept threads pinned (kmap_atomic) for %u ticks: thread %u's mapping "
		       "reclaimed, preemptible again; its pins fail E_AGAIN until it earns time back "
		       "(1 tick per %u; logged once)\n",
		       s->id, ATOMIC_LIMIT_TICKS, t->id, ATOMIC_REFILL_TICKS);
	s->atomic_logged = 1;
	window_clear(t->atomic_win, t->atomic_first, t->atomic_count);
	thread_unpin(t);
}

// THREAD_ATOMIC: (on, window slot, first, count), with RIGHT_WRITE. A pin
// is refused (E_AGAIN) while the thread's space has spent its budget.
static int thread_atomic(struct space *self, struct thread *t, struct cap *c, const struct msg_in *in,
			 struct msg_out *out)
{
	struct cap *wc;
	int err;

	if (!(c->rights & RIGHT_WRITE))
		return E_PERM;
	if (in->len < 1)
		return E_INVAL;
	if (in->mr[0] == ATOMIC_QUERY || !in->mr[0]) { // both say whether it was pinned
		out->len = 1;
		out->mr[0] = t->atomic;
		if (!in->mr[0])
			thread_unpin(t);
		return E_OK;
	}
	if (in->len < 4)
		return E_INVAL;
	err = cap_lookup(self, in->mr[1], CAP_WINDOW, RIGHT_MANAGE, &wc);
	if (err)
		return err;
	if (in->mr[2] >= WINDOW_SLOTS || in->mr[3] > WINDOW_SLOTS - in->mr[2])
		return E_RANGE;
	if (t->state == T_DEAD || t->state == T_INACTIVE || !t->space)
		return E_INVAL;
	atomic_refill(t->space);
	if (t->space->atomic_used >= ATOMIC_LIMIT_TICKS)
		return E_AGAIN;
	thread_unpin(t);
	t->atomic = 1;
	t->atomic_win = (struct window *)wc->obj;
	kobj_get(wc->obj);
	t->atomic_first = in->mr[2];
	t->atomic_count = in->mr[3];
	return E_OK;
}

int thread_invoke(struct space *self, struct cap *c, const struct msg_in *in, struct msg_out *out)
{
	struct thread *t = (struct thread *)((char *)c->obj - offsetof(struct thread, hdr));
	struct thread *me = this_cpu()->current;
	int err;

	if (in->label == THREAD_ATOMIC)
		return thread_atomic(self, t, c, in, out);
	if (!(c->rights & RIGHT_MANAGE))
		return E_PERM;
	switch (in->label) {
	case THREAD_BIND_NOTIFY: {
		struct cap *nc = 0;
		if (in->len < 1)
			return E_INVAL;
		if (in->mr[0]) {
			err = cap_lookup(self, in->mr[0], CAP_NOTIFY, RIGHT_READ, &nc);
			if (err)
				return err;
			if (((struct notify *)nc->obj)->bound && ((struct notify *)nc->obj)->bound != t)
				return E_BUSY;
		}
		if (t->bound_notify) {
			t->bound_notify->bound = 0;
			kobj_put(&t->bound_notify->hdr);
			t->bound_notify = 0;
		}
		if (nc) {
			t->bound_notify = (struct notify *)nc->obj;
			t->bound_notify->bound = t;
			kobj_get(nc->obj);
		}
		return E_OK;
	}
	case THREAD_CONFIGURE: {
		struct cap *sc, *fc = 0;
		if (in->len < 4)
			return E_INVAL;
		err = cap_lookup(self, in->mr[0], CAP_SPACE, RIGHT_MANAGE, &sc);
		if (!err && in->mr[2])
			err = cap_lookup(self, in->mr[2], CAP_ENDPOINT, RIGHT_WRITE, &fc);
		if (err)
			return err;
		if (in->mr[3] > me->prio)
			return E_PERM;
		return thread_configure(t, (struct space *)sc->obj, in->mr[1],
					fc ? (struct endpoint *)fc->obj : 0, fc ? fc->badge : 0, in->mr[3]);
	}
	case THREAD_WRITE_REGS:
		if (in->len < 4)
			return E_INVAL;
		if (t->state != T_INACTIVE && t->state != T_STOPPED)
			return E_BUSY;
		t->ctx.pc = in->mr[0];
		t->ctx.sp = in->mr[1];
		regs_set_arg(&t->ctx, 0, in->mr[2]);
		regs_set_arg(&t->ctx, 1, in->mr[3]);
		t->ctx.cpsr = PSR_MODE_USR;
		return E_OK;
	case THREAD_RESUME:
		if (!t->space)
			return E_INVAL; // not configured
		if (t->state != T_INACTIVE && t->state != T_STOPPED)
			return E_BUSY;
		sched_wake(t);
		return E_OK;
	case THREAD_SUSPEND:
		if (t->state == T_INACTIVE || t->state == T_STOPPED)
			return E_OK;
		thread_stop(t, T_STOPPED);
		if (t == me) // it returns from this call when resumed
			regs_set_err(&t->ctx, E_OK);
		return E_OK;
	case THREAD_SET_PRIO:
		if (in->len < 1 || in->mr[0] > PRIO_MAX)
			return E_INVAL;
		if (in->mr[0] > me->prio)
			return E_PERM;
		set_prio(t, (uint8_t)in->mr[0]);
		return E_OK;
	case THREAD_INFO:
		out->len = 3;
		out->mr[0] = abi_state(t);
		out->mr[1] = t->prio;
		out->mr[2] = t->faults;
		return E_OK;
	default:
		return E_NOSYS;
	}
}
