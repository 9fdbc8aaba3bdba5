// Memory: pages of user_env.memory handed out in order (a cursor into the
// range; nothing is ever returned), and the heap picolibc's malloc grows
// with sbrk, at USER_HEAP_BASE upward.
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "user.h"

static uint32_t mem_next;        // next free page of the range
static uint32_t mem_pages = ~0u; // its size in pages; ~0u: not asked yet
static uint32_t heap_brk = USER_HEAP_BASE;
static uint32_t heap_mapped = USER_HEAP_BASE; // end of the mapped heap pages

static uint32_t mem_size(void)
{
	if (mem_pages != ~0u)
		return mem_pages;
	if (!user_env.memory || range_info(user_env.memory, NULL, &mem_pages) != E_OK)
		mem_pages = 0;
	return mem_pages;
}

uint32_t user_pages_free(void)
{
	return mem_size() - mem_next;
}

int user_pages_alloc(uint32_t npages, uint32_t va)
{
	int err;

	if (npages == 0 || npages > MAP_NPAGES_MAX || (va & (PAGE_SIZE - 1)))
		return E_INVAL;
	if (npages > user_pages_free())
		return E_NOMEM;
	err = space_map(user_env.space, user_env.memory, mem_next, va, npages,
			PROT_READ | PROT_WRITE);
	if (err == E_OK)
		mem_next += npages;
	return err;
}

int user_heap_premap(uint32_t bytes)
{
	uint32_t top = (USER_HEAP_BASE + bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	int err;

	if (bytes > USER_HEAP_MAX - USER_HEAP_BASE)
		return E_RANGE;
	if (top <= heap_mapped)
		return E_OK;
	err = user_pages_alloc((top - heap_mapped) / PAGE_SIZE, heap_mapped);
	if (err == E_OK)
		heap_mapped = top;
	return err;
}

void *sbrk(ptrdiff_t incr)
{
	uint32_t old = heap_brk;
	uint32_t end = old + (uint32_t)incr;

	if (incr > 0 && (end < old || end > USER_HEAP_MAX))
		goto nomem;
	if (incr < 0 && (end > old || end < USER_HEAP_BASE))
		goto nomem;
	if (end > heap_mapped) {
		uint32_t top = (end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

		if (user_pages_alloc((top - heap_mapped) / PAGE_SIZE, heap_mapped) != E_OK)
			goto nomem;
		heap_mapped = top;
	}
	heap_brk = end;
	return (void *)old;
nomem:
	errno = ENOMEM;
	return (void *)-1;
}
