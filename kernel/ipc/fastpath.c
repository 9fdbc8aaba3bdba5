// The IPC fastpath: call and reply_recv with a register-only message, when
// the partner is already waiting and at least as urgent as anything else
// ready. It switches straight to the partner (TTBR0 with the partner's ASID,
// no TLB flush) and leaves the kernel. Any other case takes the general path
// (syscall_handle), which gives the same result more slowly, and so does a
// partner whose CPU is another (sched_wake queues it there). entry.S jumps
// here with r0 (capability) and r1 (message info) untouched.
#include "cp15.h"
#include "cpu.h"
#include "memlayout.h"
#include "objects.h"
#include "sched.h"
#include "tqueue.h"
#include "vspace.h"

void syscall_handle(uint32_t nr) __attribute__((noreturn));
void fastpath_call(uint32_t cptr, uint32_t info) __attribute__((noreturn));
void fastpath_reply_recv(uint32_t cptr, uint32_t info) __attribute__((noreturn));
void fastpath_call_smp(uint32_t cptr, uint32_t info) __attribute__((noreturn));
void fastpath_reply_recv_smp(uint32_t cptr, uint32_t info) __attribute__((noreturn));

void fastpath_unpin(void) __attribute__((noreturn));

_Static_assert(SYS_CALL == 0 && SYS_REPLY_RECV == 1 && SYS_UNPIN == 2,
	       "entry.S jumps to the fastpaths through a table in this order");

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

_Static_assert(PROT_READ == RIGHT_READ && PROT_WRITE == RIGHT_WRITE,
	       "fast_map asks a range for the rights its prot names");

// A message the fastpath carries: at most MSG_REG_WORDS words, no capability.
// (A reply may also carry MSG_MAP, bit 8.)
#define FAST_INFO(info) ((0xff & (info)) <= MSG_REG_WORDS)

// The common MSG_MAP of a reply to `to`: one page, read-only or read-write,
// into an empty slot, perhaps pinning `to` (MAP_PIN). Every check of
// WINDOW_MAP (window.c, map_slots) holds here; anything else (more pages,
// uncached, a slot to replace, a derived range, whose mappings must be
// revocable, any error) returns nonzero and the general path does it, or
// names the error.
// `pin` is a constant (MAP_PIN or 0), so that each use is compiled apart
// and the common map pays nothing for pins.
static inline __attribute__((always_inline)) int fast_map(struct space *s, uint32_t *map,
							  struct thread *to, uint32_t pin)
{
	uint32_t ws = map[IPC_MAP_WINDOW], first = map[IPC_MAP_FIRST], rs = map[IPC_MAP_RANGE];
	uint32_t off = map[IPC_MAP_OFFSET], prot = map_word_prot(map[IPC_MAP_WORD]) ^ pin;
	struct window *w;
	struct prange *r;
	struct cap *wc, *rc;

	if (ws >= CAP_SLOTS || rs >= CAP_SLOTS || first >= WINDOW_SLOTS ||
	    map_word_npages(map[IPC_MAP_WORD]) != 1 ||
	    (prot != PROT_READ && prot != (PROT_READ | PROT_WRITE)))
		return 1;
	wc = &s->caps[ws];
	rc = &s->caps[rs];
	// prot is PROT_READ, perhaps with PROT_WRITE: the rights the range needs
	if (!cap_is(wc, CAP_WINDOW, RIGHT_MANAGE) || !cap_is(rc, CAP_RANGE, (uint8_t)prot))
		return 1;
	w = (struct window *)wc->obj;
	r = (struct prange *)rc->obj;
	if (w->hdr.dead || r->hdr.dead || r->derived || off >= r->pages ||
	    vspace_slot_mapped(w->table, first))
		return 1;
	if (pin && (w->kind != WIN_THREAD || w->thread != to || thread_pin_check(to, w)))
		return 1;
	// Consumed (abi.h): another CPU acts on it by entering the kernel, after us.
	map[IPC_MAP_WORD] = 0;
	vspace_slots_write(w->table, first, 1, r->base + (uint64_t)off * PAGE_SIZE, prot, 0);
	if (pin)
		thread_pin(to, w, first, 1);
	return 0;
}

static inline void copy_mrs(struct thread *to, const struct thread *from)
{
	regs_set_mr(&to->ctx, 0, regs_mr(&from->ctx, 0));
	regs_set_mr(&to->ctx, 1, regs_mr(&from->ctx, 1));
	regs_set_mr(&to->ctx, 2, regs_mr(&from->ctx, 2));
	regs_set_mr(&to->ctx, 3, regs_mr(&from->ctx, 3));
}

// Each fastpath is compiled twice from one source (`smp` a constant): once
// for one CPU (the vectors of KLOCK_NONE) and once for several
// (vectors_smp and vectors_keep), which also checks that the partner runs
// on this CPU. Either way the big lock is held, or not needed, on entry
// (cpu.h), and kernel_exit leaves it as this CPU's state says.
static inline __attribute__((always_inline, noreturn)) void fast_call(uint32_t cptr, uint32_t info,
								      const int smp)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->current, *dest;
	struct endpoint *ep;
	struct cap *cap;

	if (likely(cptr < CAP_SLOTS && FAST_INFO(info) && !(info & MSG_MAP))) {
		cap = &t->space->caps[cptr];
		ep = (struct endpoint *)cap->obj;
		if (likely(cap_is(cap, CAP_ENDPOINT, RIGHT_WRITE) && ep->state == EP_RECV)) {
			dest = ep->q.head;
			if (likely(dest->prio >= t->prio && (int)dest->prio >= sched_top_prio(c) &&
				   !dest->caller && (!smp || dest->cpu == c))) {
				tq_pop_head(&ep->q); // dest, the receiver at the head
				if (!ep->q.head)
					ep->state = EP_IDLE;
				dest->ep = 0;
				t->state = T_REPLY; // the caller waits for the reply
				t->callee = dest;
				dest->caller = t;
				dest->caller_died = 0;
				dest->state = T_READY;
				regs_set_err(&dest->ctx, E_OK);
				regs_set_info(&dest->ctx, info | MSG_CALL); // a caller waits
				copy_mrs(dest, t);
				regs_set_badge(&dest->ctx, cap->badge);
				switch_to(c, dest, smp);
			}
		}
	}
	syscall_handle(SYS_CALL);
}

static inline __attribute__((always_inline, noreturn)) void
fast_reply_recv(uint32_t cptr, uint32_t info, const int smp)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->current, *caller = t->caller;
	struct endpoint *ep;
	struct cap *cap;

	if (unlikely(!caller))
		goto slow;
	__asm__ volatile(""); // keeps the tests apart: joined, GCC computes `caller &&
			      // cptr < CAP_SLOTS` into a register, then tests it
	if (likely(cptr < CAP_SLOTS && FAST_INFO(info) && !caller->fault && !t->atomic &&
		   (!t->bound_notify || !t->bound_notify->word))) {
		cap = &t->space->caps[cptr];
		ep = (struct endpoint *)cap->obj;
		if (likely(cap_is(cap, CAP_ENDPOINT, RIGHT_READ) && ep->state != EP_SEND &&
			   !ep->hdr.dead && (int)caller->prio >= sched_top_prio(c) &&
			   (!smp || caller->cpu == c) &&
			   (!(info & MSG_MAP) ||
			    !(map_word_prot(t->ipcbuf->map[IPC_MAP_WORD]) & MAP_PIN
				      ? fast_map(t->space, t->ipcbuf->map, caller, MAP_PIN)
				      : fast_map(t->space, t->ipcbuf->map, caller, 0))))) {
			t->state = T_RECV; // the server waits on the endpoint, last in line
			t->ep = ep;
			tq_append(&ep->q, t);
			ep->state = EP_RECV;
			t->caller = 0;
			caller->callee = 0;
			caller->state = T_READY;
			regs_set_err(&caller->ctx, E_OK);
			regs_set_info(&caller->ctx, info & ~(MSG_MAP | MSG_CALL));
			copy_mrs(caller, t);
			switch_to(c, caller, smp);
		}
	}
slow:
	syscall_handle(SYS_REPLY_RECV);
}

// SYS_UNPIN, kunmap_atomic's last step, by the shortest way: the thread is
// pinned, its window keeps another reference (so no object dies here), and
// it may go on running (no thread chosen to run next, none more urgent
// ready: schedule's common case). It then leaves the kernel at once, as the
// general path would after thread_unpin; any other case takes that path.
void fastpath_unpin(void)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->current;
	struct window *w = t->atomic_win;

	if (likely(t->atomic && w->hdr.refs > 1 && sched_keeps(c, t))) {
		thread_unpin(t); // (its kobj_put cannot free the window)
		regs_set_mr(&t->ctx, 0, 1);
		regs_set_err(&t->ctx, E_OK);
		kernel_exit(c, &t->ctx);
	}
	syscall_handle(SYS_UNPIN);
}

void fastpath_call(uint32_t cptr, uint32_t info)
{
	fast_call(cptr, info, 0);
}

void fastpath_call_smp(uint32_t cptr, uint32_t info)
{
	fast_call(cptr, info, 1);
}

void fastpath_reply_recv(uint32_t cptr, uint32_t info)
{
	fast_reply_recv(cptr, info, 0);
}

void fastpath_reply_recv_smp(uint32_t cptr, uint32_t info)
{
	fast_reply_recv(cptr, info, 1);
}
