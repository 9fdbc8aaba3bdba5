// LOWMEM frame allocator: a free list threaded through the free pages
// themselves (reached through the direct map), so it costs no memory of its
// own whatever the amount of RAM.
#include "memory.h"

#include <string.h>

#include "mmu.h"

struct free_page {
	struct free_page *next;
};

static struct free_page *free_list;
static uint32_t free_count;

void frame_add_range(uint64_t base, uint64_t size)
{
	uint64_t end = (base + size) & ~(uint64_t)(PAGE_SIZE - 1);

	// Only whole pages: a reservation may end in the middle of one.
	for (uint64_t pa = (base + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1); pa < end;
	     pa += PAGE_SIZE)
		frame_free(pa);
}

uint64_t frame_alloc(void)
{
	struct free_page *p = free_list;

	if (!p)
		return 0;
	free_list = p->next;
	free_count--;
	memset(p, 0, PAGE_SIZE);
	return virt_to_phys(p);
}

void frame_free(uint64_t pa)
{
	struct free_page *p = (struct free_page *)phys_to_virt(pa);

	p->next = free_list;
	free_list = p;
	free_count++;
}

uint32_t frame_free_count(void)
{
	return free_count;
}
