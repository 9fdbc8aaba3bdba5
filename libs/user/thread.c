// Threads sharing the program's address space. Thread k (1..USER_THREADS_MAX)
// owns a 128 KiB slot below the first thread's stack: its 64 KiB-aligned
// stack on top (control block and TLS block at the very top), then 60 KiB
// left unmapped as a guard, then its IPC buffer page at the slot's bottom.
#include <picolibc.h> // defines PICOLIBC_TLS, which picotls.h needs
#include <picotls.h>
#include <string.h>

#include "user.h"

#define SLOT_BYTES (2 * USER_THREAD_STACK_BYTES)

_Static_assert(USER_STACK_TOP - (USER_THREADS_MAX + 1) * SLOT_BYTES > USER_SCRATCH_BASE,
	       "thread stacks run into the scratch area");

extern char __arm32_tls_tcb_offset[];
static uint32_t threads_used; // bit k - 1: thread slot k taken

// First code of a new thread: r0 = fn, r1 = arg, sp below its TLS block.
static void thread_start(void (*fn)(uint32_t), uint32_t arg)
{
	fn(arg);
	thread_exit();
}

// Lays out the control block and TLS block at the top of a new stack;
// returns the initial sp.
static uint32_t thread_stack_init(uint32_t top, uint32_t slot, uint32_t ipcbuf_va)
{
	struct user_tcb *tcb = (struct user_tcb *)(top - USER_TCB_BYTES);
	uint32_t align = _tls_align() > 8 ? _tls_align() : 8;
	uint32_t tls = ((uint32_t)tcb - _tls_size()) & ~(align - 1);

	memset(tcb, 0, sizeof(*tcb));
	_init_tls((void *)tls);
	tcb->tp = (char *)tls - (uintptr_t)__arm32_tls_tcb_offset;
	tcb->ipcbuf = (struct ipc_buffer *)ipcbuf_va;
	tcb->thread_slot = slot;
	return ((uint32_t)tcb->tp - 8) & ~7u;
}

int thread_spawn(struct user_thread *t, void (*fn)(uint32_t), uint32_t arg, uint32_t stack_pages,
		 uint32_t prio, uint32_t fault_ep)
{
	uint32_t k, slot, sp;
	struct msg m;
	int err;

	if (stack_pages == 0 || stack_pages > USER_STACK_PAGES)
		return E_INVAL;
	for (k = 1; k <= USER_THREADS_MAX && (threads_used & (1u << (k - 1))); k++)
		;
	if (k > USER_THREADS_MAX || !(slot = user_slot_alloc()))
		return E_NOSLOT;
	t->slot = slot;
	t->index = k;
	t->stack_pages = stack_pages;
	t->stack_top = USER_STACK_TOP - k * SLOT_BYTES;
	t->ipcbuf_va = t->stack_top - SLOT_BYTES;
	err = user_pages_alloc(stack_pages, t->stack_top - stack_pages * PAGE_SIZE);
	if (err)
		goto fail;
	sp = thread_stack_init(t->stack_top, slot, t->ipcbuf_va);
	err = hmk_invoke(user_env.space, SPACE_CREATE, 3, CAP_THREAD, slot, 0, 0, &m);
	if (err)
		goto fail;
	if ((err = hmk_invoke(slot, THREAD_CONFIGURE, 4, user_env.space, t->ipcbuf_va, fault_ep,
			      prio, &m)) ||
	    (err = hmk_invoke(slot, THREAD_WRITE_REGS, 4, (uint32_t)thread_start, sp, (uint32_t)fn,
			      arg, &m)) ||
	    (err = hmk_invoke(slot, THREAD_RESUME, 0, 0, 0, 0, 0, &m))) {
		hmk_invoke(user_env.space, SPACE_DELETE, 1, slot, 0, 0, 0, &m);
		goto fail;
	}
	threads_used |= 1u << (k - 1);
	return E_OK;
fail:
	user_slot_free(slot);
	return err;
}

void thread_exit(void)
{
	struct msg m;

	user_console_flush();
	for (;;)
		hmk_invoke(user_tcb()->thread_slot, THREAD_SUSPEND, 0, 0, 0, 0, 0, &m);
}

int thread_destroy(struct user_thread *t)
{
	struct msg m;
	int err = hmk_invoke(t->slot, INV_DESTROY, 0, 0, 0, 0, 0, &m);

	if (err)
		return err;
	hmk_invoke(user_env.space, SPACE_DELETE, 1, t->slot, 0, 0, 0, &m);
	hmk_invoke(user_env.space, SPACE_UNMAP, 2, t->stack_top - t->stack_pages * PAGE_SIZE,
		   t->stack_pages, 0, 0, &m);
	user_slot_free(t->slot);
	threads_used &= ~(1u << (t->index - 1));
	return E_OK;
}
