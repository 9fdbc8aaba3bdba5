// The operations of each kind of kernel object (kernel/object/*.c), and the
// invocation handlers the system call layer dispatches to. Every handler is
// a decode, which checks all of its arguments (rights, slots, ranges) and
// changes nothing, then a perform, which cannot fail for a reason the decode
// could have found; it returns E_OK or the error for r0.
#pragma once

#include "cpu.h"
#include "object.h"

struct msg_in {
	uint32_t label, len;
	uint32_t mr[MSG_REG_WORDS]; // MR0..MR3 (MR4.. are in the caller's IPC buffer)
};
// Results of an invocation: MR0..MR3 and how many are set.
struct msg_out {
	uint32_t len;
	uint32_t mr[MSG_REG_WORDS];
};

// One invocation (SYS_CALL on a capability that is no endpoint), as the
// system call layer hands it to a handler: who calls, through which
// capability, with what message. The handler writes its results to `out`.
struct invocation {
	struct thread *caller;
	struct space *self; // the caller's space, whose table the argument slots name
	struct cap *cap;    // the capability invoked
	struct msg_in in;
	struct msg_out out;
};
// An invocation handler (one per capability type, syscall.c's table):
// decodes, then performs. E_OK with inv->out filled, or the error for r0
// (E_NOSYS for a label the type does not have). Kernel locked.
typedef int invoke_fn(struct invocation *inv);

// Address spaces (object/space.c; their tables and ASIDs: arch vspace.h).
// A new, empty address space charged to `parent`, with `quota` pages of its
// own taken from the parent's quota; NULL and *err on failure.
struct space *space_create(struct space *parent, uint32_t quota, int *err);
// Kills the space: its threads, capabilities and owned objects, then its
// tables and ASID (it stops being loaded first).
void space_destroy(struct space *s);
// A CPU has let go of dead spaces (sched_ipi): frees the tables and ASID of
// each that no CPU has loaded any more.
void space_unloaded(void);
// Frees what remains at its last reference and returns its pages to the
// parent's quota.
void space_free(struct space *s);
// Removes s's mappings of frames in [base, end) made through a derived
// range (MAP_REVOCABLE).
void space_revoke(struct space *s, uint64_t base, uint64_t end);
// Whether n pages from va (checked to be user addresses) can be mapped
// into s with `extra` pages of quota to spare: E_BUSY when one is mapped or
// lies in a window's region, E_NOMEM when the tables they need and
// `extra` exceed its quota. Changes nothing.
int space_map_check(struct space *s, uint32_t va, uint32_t n, uint32_t extra);
invoke_fn space_invoke;

// Threads (object/thread.c).
struct thread *thread_create(struct space *charge);
void thread_destroy(struct thread *t);
// Stops `t` wherever it is: an IPC in progress ends (E_DEAD for its partner
// where one waits), and it leaves every queue.
void thread_stop(struct thread *t, uint8_t state);
// Ends a THREAD_ATOMIC pin (inline: SYS_UNPIN, kunmap_atomic's last, is
// little more).
static inline void thread_unpin(struct thread *t)
{
	if (!t->atomic)
		return;
	t->atomic = 0;
	kobj_put(&t->atomic_win->hdr);
	t->atomic_win = 0;
}
// Space s has spent its pinned-time budget (a debt at the limit is brought
// up to date first).
int atomic_spent(struct space *s);
// Whether t may be pinned through window w (MAP_PIN): E_OK, E_BUSY when it
// is pinned through another window, E_AGAIN when its space spent its budget.
// Inline, as thread_pin: the fastpath's pinning map calls both.
static inline int thread_pin_check(const struct thread *t, const struct window *w)
{
	if (t->atomic)
		return t->atomic_win == w ? E_OK : E_BUSY;
	return atomic_spent(t->space) ? E_AGAIN : E_OK;
}
// Pins t so that an overrun empties slots [first, first + count) of w;
// pinned already, the span grows to cover them. Right after
// thread_pin_check said E_OK, in the same kernel entry.
static inline void thread_pin(struct thread *t, struct window *w, uint32_t first, uint32_t count)
{
	if (t->atomic) { // the span grows to cover [first, first + count)
		uint32_t end = t->atomic_first + t->atomic_count;
		if (first + count > end)
			end = first + count;
		if (first < t->atomic_first)
			t->atomic_first = first;
		t->atomic_count = end - t->atomic_first;
		return;
	}
	t->atomic = 1;
	t->atomic_win = w;
	kobj_get(&w->hdr);
	t->atomic_first = first;
	t->atomic_count = count;
}
// Whether t is pinned or holds kmap_local or kmap_atomic mappings (the
// depths its library keeps in its IPC buffer): then it is not moved to
// another CPU, as Linux keeps such a thread on its CPU.
int thread_holds_kmaps(const struct thread *t);
// Moves t to CPU `to` (THREAD_SET_CPU, or its waiting move: t->move_to):
// out of the run queue it waits in and into the other's, or off the CPU
// that runs it (at once when that is this one, else when that CPU takes the
// reschedule SGI).
void thread_move(struct thread *t, struct cpu *to);
// Charges a tick that found `t` pinned to its space's budget; once the
// budget is spent, clears the pinned slots and unpins `t` (logged once per
// space). Timer interrupt, kernel locked.
void thread_atomic_tick(struct thread *t);
invoke_fn thread_invoke;
// Binds `t` to space `s` with its IPC buffer at `ipcbuf_va` (boot, and
// THREAD_CONFIGURE's perform). The caller has checked that t is new and the
// page free and in s's quota (asserted in test kernels); E_NOMEM only when
// LOWMEM runs out.
int thread_configure(struct thread *t, struct space *s, uint32_t ipcbuf_va,
		     struct endpoint *fault_ep, uint32_t fault_badge, uint8_t prio);

// Endpoints and notifications (object/endpoint.c, object/notify.c).
void endpoint_destroy(struct endpoint *e);
void ep_enqueue(struct endpoint *e, struct thread *t, uint32_t state);
void ep_remove(struct thread *t);
void notify_destroy(struct notify *n);
// ORs `bits` into the word and wakes the waiter (IRQ context too).
void notify_signal(struct notify *n, uint32_t bits);
invoke_fn notify_invoke;

// Reply objects (object/reply.c).
void reply_destroy(struct reply *r);
invoke_fn reply_invoke;

// Windows (object/window.c).
void window_destroy(struct window *w);
void window_free(struct window *w);
// Empties w's slots holding frames in [base, end) mapped through a derived
// range (MAP_REVOCABLE).
void window_revoke(struct window *w, uint64_t base, uint64_t end);
invoke_fn window_invoke;
// The WINDOW_MAP a reply to thread `to` carries (MSG_MAP): map[] = window
// slot in self's table, then WINDOW_MAP's words (with MAP_PIN, `to` is
// pinned). E_OK or the error, checked in full first.
int window_map_request(struct space *self, const uint32_t *map, struct thread *to);
// Empties slots [first, first + count) and makes every TLB forget them.
void window_clear(struct window *w, uint32_t first, uint32_t count);
// Installs t's thread window in its space as CPU c sees it (or removes a
// sibling's): called when the window installed there is not t's.
void window_switch_local(struct cpu *c, struct space *s, struct thread *t);
// The window step of a switch (sched.h, switch_to): `t` is about to run in
// `s` on CPU c, which sees it as `on`. Kernel locked.
static inline __attribute__((always_inline)) void
window_on_switch(struct cpu *c, struct space *s, const struct space_cpu *on, struct thread *t)
{
	if (on->installed != t->local_win)
		window_switch_local(c, s, t);
}
// The thread dies: its window leaves its space.
void window_thread_gone(struct thread *t);

// Physical ranges, interrupts, the console (object/range.c, irq.c, console.c).
struct prange *range_create(uint64_t base, uint32_t pages, struct space *charge);
// A derived range dies: every mapping made through it goes.
void range_destroy(struct prange *r);
invoke_fn range_invoke;
extern struct kobj irqctl_object, console_object;
invoke_fn irqctl_invoke, irq_invoke;
void irq_handler_destroy(struct irq_handler *h);
invoke_fn console_invoke;
