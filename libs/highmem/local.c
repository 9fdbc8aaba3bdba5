// kmap_local and kmap_atomic in the client library. Each thread keeps its
// own stacks of the addresses memsrv gave it, so an unmap is a pop here and
// no request: memsrv learns of it with the thread's next map, which says
// how many mappings the thread still holds (the second word of
// MS_KMAP_LOCAL and MS_KMAP_ATOMIC).
// memsrv does not rely on that word for safety: before a page leaves its
// owner it empties every slot that ever held the page, whatever a stack
// says. Nesting errors are found here: E_NOSLOT past KMAP_LOCAL_MAX,
// E_ORDER for an unmap of a mapping that is not the newest, E_INVAL for an
// address no mapping of the stack holds.
#include "client.h"

// The mappings a thread holds (struct ipc_kmaps: a depth, then the page
// addresses, oldest first) are in its IPC buffer, where the kernel reads
// the depths: THREAD_SET_CPU does not move a thread that holds any.
#define local_stack (user_ipcbuf()->kmaps[0])
#define atomic_stack (user_ipcbuf()->kmaps[1])

// push's way when it cannot take the shortest: the thread is not registered
// yet, the stack is full, or memsrv refused.
static __attribute__((noinline)) void *push_slow(struct ipc_kmaps *s, uint32_t label, page_t page)
{
	uint32_t d = s->depth, va;

	if (d == KMAP_LOCAL_MAX) {
		hm_failed(E_NOSLOT);
		return NULL;
	}
	if (hm_failed(ms_request2_slow(label, 2, page, d, &va)))
		return NULL;
	s->va[d] = va;
	s->depth = d + 1;
	return (void *)va;
}

// Maps page on top of s with request `label`: the address, or NULL with
// highmem_errno set. The common case is one call in registers with nothing
// else called, so that it needs few registers saved; every other case goes
// to push_slow, which asks again (a refusal changed nothing).
static inline void *push(struct ipc_kmaps *s, uint32_t label, page_t page)
{
	uint32_t ep = ms_thread_ep, d, info, va;

	__asm__("" : "+r"(s)); // kept in a register, not found again
	d = s->depth;
	if (d == KMAP_LOCAL_MAX || !ep || hmk_call2(ep, MSG_INFO(label, 2), page, d, &info, &va) ||
	    MSG_LABEL(info))
		return push_slow(s, label, page);
	s->va[d] = va;
	s->depth = d + 1;
	return (void *)va;
}

// pop's answer when addr is not the newest mapping of s (depth d):
// E_ORDER for an older one, else E_INVAL.
static __attribute__((noinline)) int pop_failed(const struct ipc_kmaps *s, uint32_t d, uint32_t va)
{
	for (uint32_t i = 0; i + 1 < d; i++)
		if (s->va[i] == va)
			return hm_failed(E_ORDER);
	return hm_failed(E_INVAL);
}

// Takes the newest mapping of s off, which addr (any address in its page)
// must name. E_OK, E_ORDER or E_INVAL.
static inline int pop(struct ipc_kmaps *s, const void *addr)
{
	uint32_t d = s->depth;

	if (d && (s->va[d - 1] ^ (uint32_t)addr) < PAGE_SIZE) { // the same page
		s->depth = d - 1;
		return E_OK;
	}
	return pop_failed(s, d, (uint32_t)addr & ~(PAGE_SIZE - 1));
}

void *kmap_local_page(page_t page)
{
	return push(&local_stack, MS_KMAP_LOCAL, page);
}

void *kmap_local_pfn(pfn_t pfn)
{
	return push(&local_stack, MS_KMAP_LOCAL, pfn);
}

int kunmap_local(const void *addr)
{
	return pop(&local_stack, addr);
}

uint32_t kmap_local_depth(void)
{
	return local_stack.depth;
}

// memsrv's reply to the first kmap_atomic pins the thread (MAP_PIN); the
// last kunmap_atomic unpins it here, with SYS_UNPIN, which also says
// whether the pin lasted: when the kernel ended it (held too long), the
// mappings went with it and kunmap_atomic answers E_INVAL.
void *kmap_atomic(page_t page)
{
	return push(&atomic_stack, MS_KMAP_ATOMIC, page);
}

int kunmap_atomic(const void *addr)
{
	struct ipc_kmaps *s = &atomic_stack;
	uint32_t pinned;
	int err = pop(s, addr);

	if (err || s->depth)
		return err;
	err = sys_unpin(&pinned);
	return hm_failed(err ? err : pinned ? E_OK : E_INVAL);
}
