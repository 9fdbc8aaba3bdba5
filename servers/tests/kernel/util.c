// Helpers of the test suite: slots, objects, clean-up, helper threads and
// bounded waits. Threads of the suite find their IPC buffer from their
// stack pointer: each helper thread's stack is an aligned block whose base
// holds its struct tthread.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "user.h"

uint32_t my_prio;

// --- clean-up --------------------------------------------------------------
enum { DEFER_SLOT, DEFER_UNMAP, DEFER_FREE, DEFER_THREAD, DEFER_RESERVED };
struct defer {
	uint8_t kind;
	uint32_t a, b;
	void *p;
};
#define DEFER_MAX 256
static struct defer defers[DEFER_MAX];
static int ndefers;

static void defer_add(uint8_t kind, uint32_t a, uint32_t b, void *p)
{
	if (ndefers == DEFER_MAX) {
		printf("tests: clean-up list full\n");
		return;
	}
	defers[ndefers++] = (struct defer){ kind, a, b, p };
}

void defer_slot(uint32_t slot)
{
	defer_add(DEFER_SLOT, slot, 0, NULL);
}
void defer_unmap(uint32_t va, uint32_t npages)
{
	defer_add(DEFER_UNMAP, va, npages, NULL);
}

uint32_t slot_reserve(void)
{
	uint32_t s = user_slot_alloc();
	if (s)
		defer_add(DEFER_RESERVED, s, 0, NULL);
	return s;
}

void undefer_slot(uint32_t slot)
{
	for (int i = ndefers - 1; i >= 0; i--) {
		if (defers[i].kind == DEFER_SLOT && defers[i].a == slot) {
			for (int j = i; j + 1 < ndefers; j++)
				defers[j] = defers[j + 1];
			ndefers--;
			user_slot_free(slot);
			return;
		}
	}
}

int cleanup_run(void)
{
	int bad = 0;

	while (ndefers > 0) {
		struct defer *d = &defers[--ndefers];
		int e = E_OK;
		switch (d->kind) {
		case DEFER_SLOT: e = slot_delete(SLOT_SPACE, d->a); break;
		case DEFER_UNMAP: e = space_unmap(SLOT_SPACE, d->a, d->b); break;
		case DEFER_FREE: free(d->p); break;
		case DEFER_RESERVED: // may have received something, or not
			e = slot_delete(SLOT_SPACE, d->a);
			if (e == E_CAP)
				e = E_OK;
			break;
		case DEFER_THREAD: e = thread_destroy(&((struct tthread *)d->p)->ut); break;
		}
		if (e != E_OK) {
			printf("# clean-up of %s %#x failed: %s\n",
			       d->kind == DEFER_SLOT    ? "slot"
			       : d->kind == DEFER_UNMAP ? "mapping"
							: "thread",
			       d->a, hmk_strerror(e));
			bad++;
		}
	}
	struct ipc_buffer *b = ipcbuf();
	b->cap_send = 0;
	b->cap_recv = 0;
	return bad;
}

// --- objects ---------------------------------------------------------------
int obj_new_in(uint32_t space, uint32_t type, uint32_t arg, uint32_t *slot)
{
	int e = space_create(space, type, arg, slot);

	if (e == E_OK)
		defer_slot(*slot);
	return e;
}

uint32_t ep_new(void)
{
	uint32_t s = 0;
	return obj_new_in(SLOT_SPACE, CAP_ENDPOINT, 0, &s) == E_OK ? s : 0;
}

uint32_t notify_new(void)
{
	uint32_t s = 0;
	return obj_new_in(SLOT_SPACE, CAP_NOTIFY, 0, &s) == E_OK ? s : 0;
}

int mint(uint32_t src, uint32_t rights, uint32_t badge, uint32_t *slot)
{
	int e = slot_mint(SLOT_SPACE, src, rights, badge, slot);

	if (e == E_OK)
		defer_slot(*slot);
	return e;
}

// --- helper threads --------------------------------------------------------
struct ipc_buffer *ipcbuf(void)
{
	return user_ipcbuf();
}

struct tthread *tt_run(tthread_fn fn, uint32_t prio, uint32_t fault_ep, uint32_t a0, uint32_t a1,
		       int *err)
{
	int dummy;
	if (!err)
		err = &dummy;
	struct tthread *t = calloc(1, sizeof *t);
	if (!t) {
		*err = E_NOMEM;
		return NULL;
	}
	defer_add(DEFER_FREE, 0, 0, t); // freed after the thread is destroyed
	*err = tthread_start(t, fn, prio, fault_ep, a0, a1);
	if (*err != E_OK)
		return NULL;
	defer_add(DEFER_THREAD, 0, 0, t);
	return t;
}

struct tthread *tt_start(tthread_fn fn, uint32_t prio, uint32_t a0, uint32_t a1, int *err)
{
	return tt_run(fn, prio, 0, a0, a1, err);
}

// --- bounded waits ---------------------------------------------------------
// The watchdog runs at the lowest priority: it only gets the CPU when every
// thread of the test is blocked (or gone), which is what a hang looks like.
static void watchdog(struct tthread *t)
{
	for (uint32_t i = 0; i < 2000; i++)
		sys_yield();
	struct msg m = msg_make(WATCHDOG_LABEL, 0, 0, 0, 0, 0);
	t->rc = sys_send(t->arg[0], &m);
}

// recv_watchdog's wait, after sending the reply *m first with `reply`.
static int watched_recv(uint32_t ep, struct msg *m, int reply)
{
	int e;
	struct tthread *w = tt_start(watchdog, 1, ep, 0, &e);
	if (!w)
		return e;
	e = reply ? sys_reply_recv(ep, m) : sys_recv(ep, m);
	// Stop it now: later waits of the same test bring their own.
	thread_suspend(w->slot);
	return e;
}

int recv_watchdog(uint32_t ep, struct msg *m)
{
	return watched_recv(ep, m, 0);
}

int reply_recv_watchdog(uint32_t ep, struct msg *m)
{
	return watched_recv(ep, m, 1);
}

// --- bare threads ----------------------------------------------------------
// A thread without the runtime's control block: it may only make system
// calls and touch memory (no stdio, no errno). Tests that destroy threads
// behind the runtime's back use these.
struct bare {
	void (*fn)(uint32_t);
	uint32_t arg, slot;
	uint32_t stack[256];
};

// r0 = the block, r1 = the argument (through THREAD_WRITE_REGS).
static void bare_entry(struct bare *b, uint32_t arg) __attribute__((noreturn));
static void bare_entry(struct bare *b, uint32_t arg)
{
	b->fn(arg);
	for (;;)
		thread_suspend(b->slot);
}

static uint32_t bare_ipcbuf_next = USER_SCRATCH_BASE + 0x08000000u;
uint32_t bare_last_ipcbuf;

int bare_create(void (*fn)(uint32_t), uint32_t arg, uint32_t space, uint32_t prio,
		uint32_t fault_ep, uint32_t *slot)
{
	struct bare *b = calloc(1, sizeof *b);
	if (!b)
		return E_NOMEM;
	defer_add(DEFER_FREE, 0, 0, b); // freed after the slot is deleted
	b->fn = fn;
	b->arg = arg;
	int e = obj_new_in(SLOT_SPACE, CAP_THREAD, 0, &b->slot);
	if (e != E_OK)
		return e;
	// A fresh IPC buffer address each time, never reused.
	uint32_t va = bare_ipcbuf_next;
	bare_ipcbuf_next += 4096;
	bare_last_ipcbuf = va;
	e = thread_configure(b->slot, space, va, fault_ep, prio);
	if (e != E_OK)
		return e;
	e = thread_write_regs(b->slot, (uint32_t)bare_entry, (uint32_t)&b->stack[256], (uint32_t)b,
			      arg);
	if (e != E_OK)
		return e;
	*slot = b->slot;
	return E_OK;
}

int bare_start(void (*fn)(uint32_t), uint32_t arg, uint32_t prio, uint32_t *slot)
{
	int e = bare_create(fn, arg, SLOT_SPACE, prio, 0, slot);
	return e != E_OK ? e : thread_resume(*slot);
}

// --- memory for mapping tests ----------------------------------------------
// A few pages of SLOT_MEMORY taken from the runtime's allocator once; tests
// map them where they like and unmap them again.
#define SCRATCH_PAGES 8
static uint32_t scratch_first = ~0u;
static uint32_t scratch_next;
static uint32_t scratch_va_next = USER_SCRATCH_BASE + 0x04000000u;

int scratch_init(void)
{
	uint32_t pages;
	int e = range_info(SLOT_MEMORY, NULL, &pages);
	if (e != E_OK)
		return e;
	uint32_t first = pages - user_pages_free();
	uint32_t va = scratch_va(SCRATCH_PAGES);
	e = user_pages_alloc(SCRATCH_PAGES, va);
	if (e != E_OK)
		return e;
	space_unmap(SLOT_SPACE, va, SCRATCH_PAGES);
	scratch_first = first;
	return E_OK;
}

int scratch_page(uint32_t *range, uint32_t *offset)
{
	if (scratch_first == ~0u)
		return 0;
	*range = SLOT_MEMORY;
	*offset = scratch_first + scratch_next++ % SCRATCH_PAGES;
	return 1;
}

uint32_t scratch_va(uint32_t npages)
{
	uint32_t va = scratch_va_next;
	scratch_va_next += (npages + 1) * 4096u; // a hole after each
	return va;
}
