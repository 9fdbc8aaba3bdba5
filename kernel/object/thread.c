// Threads: saved user registers, a priority, an address space and an IPC
// buffer (a LOWMEM page mapped into that space), and the links of whatever
// queue the thread waits in.
#include <string.h>

#include "debug.h"
#include "memory.h"
#include "mmu.h"
#include "ipc.h"
#include "objects.h"
#include "printk.h"
#include "plat.h"
#include "sched.h"
#include "vspace.h"

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
	t->cpu = this_cpu(); // its creator's
	return t;
}

// Whether t can be configured into s with its IPC buffer at ipcbuf_va:
// E_BUSY (t configured or started, or the page is mapped), E_RANGE, E_NOMEM
// (s's quota, or the page lies in a window's region). Changes nothing.
static int configure_check(const struct thread *t, struct space *s, uint32_t ipcbuf_va)
{
	if (t->space || t->state != T_INACTIVE)
		return E_BUSY;
	if ((ipcbuf_va & (PAGE_SIZE - 1)) || ipcbuf_va < USER_BASE || ipcbuf_va >= USER_TOP)
		return E_RANGE;
	if (quota_check(s, 1) || vspace_in_window(s, ipcbuf_va))
		return E_NOMEM;
	return space_map_check(s, ipcbuf_va, 1, 1); // the page itself, then its tables
}

int thread_configure(struct thread *t, struct space *s, uint32_t ipcbuf_va,
		     struct endpoint *fault_ep, uint32_t fault_badge, uint8_t prio)
{
	uint64_t pa;
	int err;

	KASSERT(configure_check(t, s, ipcbuf_va) == E_OK);
	quota_charge(s, 1); // checked
	pa = frame_alloc();
	err = pa ? vspace_map_frame(s, ipcbuf_va, pa, PROT_READ | PROT_WRITE, MAP_PINNED) : E_NOMEM;
	if (err) {
		if (pa)
			frame_free(pa);
		quota_release(s, 1);
		return err;
	}
	t->ipcbuf = (struct ipc_buffer *)phys_to_virt(pa);
	t->ipcbuf_va = ipcbuf_va;
	t->space = s;
	t->on = &s->on[t->cpu->id];
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
	case T_READY: sched_dequeue(t); break;
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
	default: break;
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
	else
		sched_evict(t); // another CPU may be running it
	if (c->next == t)
		c->next = 0;
	t->state = state;
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
		vspace_unmap(s, t->ipcbuf_va);
		frame_free(virt_to_phys(t->ipcbuf));
		quota_release(s, 1);
		t->ipcbuf = 0;
		t->space = 0;
		t->on = 0;
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
	int queued = sched_queued(t);

	if (queued)
		sched_dequeue(t);
	t->prio = prio;
	if (queued)
		sched_wake(t);
}

// The ticks of pinned-time debt `s` has earned back by `now`: one for every
// ATOMIC_REFILL_TICKS since atomic_stamp.
static uint32_t atomic_earned(const struct space *s, uint32_t now)
{
	return (now - s->atomic_stamp) / ATOMIC_REFILL_TICKS;
}

// Brings the pinned-time debt of `s` up to date.
static void atomic_refill(struct space *s)
{
	uint32_t now = timer_ticks(), earned = atomic_earned(s, now);

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
		printk("hmk: space %u kept threads pinned (kmap_atomic) for %u ticks: thread %u's "
		       "mapping "
		       "reclaimed, preemptible again; its pins fail E_AGAIN until it earns time "
		       "back "
		       "(1 tick per %u; logged once)\n",
		       s->id, ATOMIC_LIMIT_TICKS, t->id, ATOMIC_REFILL_TICKS);
	s->atomic_logged = 1;
	window_clear(t->atomic_win, t->atomic_first, t->atomic_count);
	thread_unpin(t);
}

// A thread invocation, decoded.
struct thread_args {
	struct thread *t; // the invoked thread
	// THREAD_CONFIGURE: the space; THREAD_BIND_NOTIFY: the notification
	// (NULL: unbind); THREAD_ATOMIC: the window.
	struct cap *obj;
	struct cap *fault_ep; // THREAD_CONFIGURE: the fault endpoint, or NULL
};

// Whether `s` has spent its pinned-time budget (pins fail E_AGAIN). A debt
// below the limit is below it however much was earned back since (every
// tick that charges it brings it up to date first), so only a debt at the
// limit is brought up to date to look again.
int atomic_spent(struct space *s)
{
	if (s->atomic_used < ATOMIC_LIMIT_TICKS)
		return 0;
	atomic_refill(s);
	return s->atomic_used >= ATOMIC_LIMIT_TICKS;
}

// THREAD_ATOMIC: (on, window slot, first, count), with RIGHT_WRITE. A pin
// is refused (E_AGAIN) while the thread's space has spent its budget.
static int atomic_decode(const struct invocation *inv, struct thread_args *a)
{
	const struct msg_in *in = &inv->in;
	const struct thread *t = a->t;
	int err;

	if (!(inv->cap->rights & RIGHT_WRITE))
		return E_PERM;
	if (in->len < 1)
		return E_INVAL;
	if (in->mr[0] == ATOMIC_QUERY || !in->mr[0])
		return E_OK;
	if (in->len < 4)
		return E_INVAL;
	err = cap_lookup(inv->self, in->mr[1], CAP_WINDOW, RIGHT_MANAGE, &a->obj);
	if (err)
		return err;
	if (in->mr[2] >= WINDOW_SLOTS || in->mr[3] > WINDOW_SLOTS - in->mr[2])
		return E_RANGE;
	if (t->state == T_DEAD || t->state == T_INACTIVE || !t->space)
		return E_INVAL;
	return atomic_spent(t->space) ? E_AGAIN : E_OK;
}

static void atomic_perform(struct invocation *inv, const struct thread_args *a)
{
	const struct msg_in *in = &inv->in;
	struct thread *t = a->t;

	if (in->mr[0] == ATOMIC_QUERY || !in->mr[0]) { // both say whether it was pinned
		inv->out.len = 1;
		inv->out.mr[0] = t->atomic;
		if (!in->mr[0])
			thread_unpin(t);
		return;
	}
	thread_unpin(t); // a new pin: the span given, nothing of the old one
	thread_pin(t, (struct window *)a->obj->obj, in->mr[2], in->mr[3]);
}

// THREAD_BIND_NOTIFY: (notification slot, or 0 to unbind).
static int bind_notify_decode(const struct invocation *inv, struct thread_args *a)
{
	int err;

	a->obj = 0;
	if (inv->in.len < 1)
		return E_INVAL;
	if (!inv->in.mr[0])
		return E_OK;
	err = cap_lookup(inv->self, inv->in.mr[0], CAP_NOTIFY, RIGHT_READ, &a->obj);
	if (err)
		return err;
	struct thread *bound = ((struct notify *)a->obj->obj)->bound;
	return bound && bound != a->t ? E_BUSY : E_OK;
}

static void bind_notify_perform(const struct thread_args *a)
{
	struct thread *t = a->t;

	if (t->bound_notify) {
		t->bound_notify->bound = 0;
		kobj_put(&t->bound_notify->hdr);
		t->bound_notify = 0;
	}
	if (a->obj) {
		t->bound_notify = (struct notify *)a->obj->obj;
		t->bound_notify->bound = t;
		kobj_get(a->obj->obj);
	}
}

// THREAD_CONFIGURE: (space slot, IPC buffer va, fault endpoint slot or 0,
// priority at most the caller's).
static int configure_decode(const struct invocation *inv, struct thread_args *a)
{
	const struct msg_in *in = &inv->in;
	int err;

	a->fault_ep = 0;
	if (in->len < 4)
		return E_INVAL;
	err = cap_lookup(inv->self, in->mr[0], CAP_SPACE, RIGHT_MANAGE, &a->obj);
	if (!err && in->mr[2])
		err = cap_lookup(inv->self, in->mr[2], CAP_ENDPOINT, RIGHT_WRITE, &a->fault_ep);
	if (err)
		return err;
	if (in->mr[3] > inv->caller->prio)
		return E_PERM;
	return configure_check(a->t, (struct space *)a->obj->obj, in->mr[1]);
}

// Fails (E_NOMEM) only when LOWMEM runs out.
static int configure_perform(const struct invocation *inv, const struct thread_args *a)
{
	const struct cap *fc = a->fault_ep;

	return thread_configure(a->t, (struct space *)a->obj->obj, inv->in.mr[1],
				fc ? (struct endpoint *)fc->obj : 0, fc ? fc->badge : 0,
				(uint8_t)inv->in.mr[3]);
}

// THREAD_WRITE_REGS: (pc, sp, r0, r1) of a thread not running, also not
// on the CPU that ran it when it stopped: until that CPU leaves it, its
// next entry from user mode saves the thread's registers over them.
static int write_regs_decode(const struct invocation *inv, const struct thread *t)
{
	if (inv->in.len < 4)
		return E_INVAL;
	return (t->state != T_INACTIVE && t->state != T_STOPPED) || t->leaving ? E_BUSY : E_OK;
}

static void write_regs_perform(const struct invocation *inv, struct thread *t)
{
	t->ctx.pc = inv->in.mr[0];
	t->ctx.sp = inv->in.mr[1];
	regs_set_arg(&t->ctx, 0, inv->in.mr[2]);
	regs_set_arg(&t->ctx, 1, inv->in.mr[3]);
	t->ctx.cpsr = PSR_MODE_USR;
}

// THREAD_RESUME: a configured thread, not yet started or stopped.
static int resume_decode(const struct thread *t)
{
	if (!t->space)
		return E_INVAL; // not configured
	return t->state != T_INACTIVE && t->state != T_STOPPED ? E_BUSY : E_OK;
}

// THREAD_SET_PRIO: (priority), at most the caller's.
static int set_prio_decode(const struct invocation *inv)
{
	if (inv->in.len < 1 || inv->in.mr[0] > PRIO_MAX)
		return E_INVAL;
	return inv->in.mr[0] > inv->caller->prio ? E_PERM : E_OK;
}

// THREAD_SET_CPU: (cpu), an online CPU.
static int set_cpu_decode(const struct invocation *inv)
{
	return inv->in.len < 1 || !cpu_if_online(inv->in.mr[0]) ? E_INVAL : E_OK;
}

int thread_holds_kmaps(const struct thread *t)
{
	return t->atomic || (t->ipcbuf && (t->ipcbuf->kmaps[0].depth || t->ipcbuf->kmaps[1].depth));
}

// A thread pinned, or holding kmap_local or kmap_atomic mappings (the
// depths its library keeps in its IPC buffer), stays where it is until it
// holds none: then sched_tick moves it (MR0 1: the move waits). Another
// THREAD_SET_CPU replaces a waiting one.
static void set_cpu_perform(struct invocation *inv, struct thread *t, struct cpu *to)
{
	inv->out.len = 1;
	inv->out.mr[0] = t->cpu != to && thread_holds_kmaps(t);
	t->move_to = inv->out.mr[0] ? to : 0;
	if (!t->move_to)
		thread_move(t, to);
}

void thread_move(struct thread *t, struct cpu *to)
{
	struct cpu *c = this_cpu();
	int queued = sched_queued(t);

	t->move_to = 0;
	if (t->cpu == to)
		return;
	if (queued)
		sched_dequeue(t);
	if (t == c->current)
		c->current = 0; // the caller itself: it resumes there
	t->cpu = to;
	if (t->space)
		t->on = &t->space->on[to->id];
	if (t->state == T_READY && !queued && t != c->next)
		sched_evict(t); // another CPU runs it: it leaves it and queues it on `to`
	if (t->state == T_READY)
		sched_wake(t);
}

int thread_invoke(struct invocation *inv)
{
	struct thread_args a = { .t = (struct thread *)((char *)inv->cap->obj -
							offsetof(struct thread, hdr)) };
	struct thread *t = a.t;
	int err;

	if (inv->in.label == THREAD_ATOMIC) {
		err = atomic_decode(inv, &a);
		if (!err)
			atomic_perform(inv, &a);
		return err;
	}
	if (!(inv->cap->rights & RIGHT_MANAGE))
		return E_PERM;
	switch (inv->in.label) {
	case THREAD_BIND_NOTIFY:
		err = bind_notify_decode(inv, &a);
		if (!err)
			bind_notify_perform(&a);
		return err;
	case THREAD_CONFIGURE:
		err = configure_decode(inv, &a);
		return err ? err : configure_perform(inv, &a);
	case THREAD_WRITE_REGS:
		err = write_regs_decode(inv, t);
		if (!err)
			write_regs_perform(inv, t);
		return err;
	case THREAD_RESUME:
		err = resume_decode(t);
		if (!err)
			sched_wake(t);
		return err;
	case THREAD_SUSPEND: // nothing to decode: a stopped thread stays so
		if (t->state == T_INACTIVE || t->state == T_STOPPED)
			return E_OK;
		thread_stop(t, T_STOPPED);
		if (t == inv->caller) // it returns from this call when resumed
			regs_set_err(&t->ctx, E_OK);
		return E_OK;
	case THREAD_SET_PRIO:
		err = set_prio_decode(inv);
		if (!err)
			set_prio(t, (uint8_t)inv->in.mr[0]);
		return err;
	case THREAD_SET_CPU:
		err = set_cpu_decode(inv);
		if (!err)
			set_cpu_perform(inv, t, cpu_get(inv->in.mr[0]));
		return err;
	case THREAD_INFO:
		inv->out.len = 4;
		inv->out.mr[0] = abi_state(t);
		inv->out.mr[1] = t->prio;
		inv->out.mr[2] = t->faults;
		inv->out.mr[3] = t == inv->caller ? this_cpu()->id : t->cpu->id;
		return E_OK;
	default: return E_NOSYS;
	}
}
