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
	int err;

	if (stack_pages == 0 || stack_pages > USER_STACK_PAGES)
		return E_INVAL;
	for (k = 1; k <= USER_THREADS_MAX && (threads_used & (1u << (k - 1))); k++)
		;
	if (k > USER_THREADS_MAX)
		return E_NOSLOT;
	if ((err = space_create(user_env.space, CAP_THREAD, 0, &slot)))
		return err;
	t->slot = slot;
	t->index = k;
	t->stack_pages = stack_pages;
	t->stack_top = USER_STACK_TOP - k * SLOT_BYTES;
	t->ipcbuf_va = t->stack_top - SLOT_BYTES;
	if ((err = user_pages_alloc(stack_pages, t->stack_top - stack_pages * PAGE_SIZE)))
		goto fail;
	sp = thread_stack_init(t->stack_top, slot, t->ipcbuf_va);
	if ((err = thread_configure(slot, user_env.space, t->ipcbuf_va, fault_ep, prio)) ||
	    (err = thread_write_regs(slot, (uint32_t)thread_start, sp, (uint32_t)fn, arg)) ||
	    (err = thread_resume(slot)))
		goto fail;
	threads_used |= 1u << (k - 1);
	return E_OK;
fail:
	slot_delete(user_env.space, slot);
	return err;
}

void thread_exit(void)
{
	user_console_flush();
	for (;;)
		thread_suspend(user_tcb()->thread_slot);
}

int thread_destroy(struct user_thread *t)
{
	int err = inv_destroy(t->slot);

	if (err)
		return err;
	slot_delete(user_env.space, t->slot);
	space_unmap(user_env.space, t->stack_top - t->stack_pages * PAGE_SIZE, t->stack_pages);
	threads_used &= ~(1u << (t->index - 1));
	return E_OK;
}
