// Frames as memory: mapping them into windows (for clients, or with a
// reply) and zeroing them. Frames are zeroed when they are allocated,
// through memsrv's own window: a dead client's data stays in its freed
// frames until the next owner gets them, but no one can map a free frame,
// so nothing leaks. That window is in memsrv's space only, so its slots are
// used in turn and left mapped; all are cleared in one batch when the turn
// wraps (no flush per page).
#include "ms.h"

static uint32_t zero_win;  // memsrv's own window at MS_ZERO_VA; 0: map with SPACE_MAP
static uint32_t zero_next; // its first slot not used since the last clear
static uint32_t zero_gen;  // clears of the window so far

// Where the zeroing window still maps frames it zeroed since its last clear,
// by first pfn: a block allocated again soon after its free (the allocator
// hands out the lowest first) is zeroed there again, without a WINDOW_MAP.
#define ZERO_HINTS 64
static struct {
	uint32_t pfn, n, slot, gen; // slots [slot, slot + n) map frames pfn..; n 0: none
} zero_hint[ZERO_HINTS];

int frames_map_reply(struct req *q, uint32_t win, uint32_t slot, uint32_t pfn, uint32_t prot)
{
	struct zone *z = zone_of(pfn);

	if (!z)
		return E_PERM; // callers checked the page: not reached
	ipc_buffer_map(user_ipcbuf(), win, slot, z->slot, pfn - z->base, 1, prot);
	q->map_reply = 1;
	return E_OK;
}

int frames_map(uint32_t win, uint32_t first, uint32_t pfn, uint32_t n, uint32_t prot)
{
	while (n) {
		struct zone *z = zone_of(pfn);
		uint32_t k;
		int err;

		if (!z)
			return E_PERM; // callers checked every page: not reached
		k = z->base + z->npages - pfn;
		k = k < n ? k : n;
		err = window_map(win, first, z->slot, pfn - z->base, k, prot);
		if (err)
			return err;
		first += k;
		pfn += k;
		n -= k;
	}
	return E_OK;
}

int frames_init(void)
{
	int err = ms_create(CAP_WINDOW, &zero_win);

	if (!err && (err = window_bind(zero_win, WIN_SPACE, user_env.space, MS_ZERO_VA))) {
		ms_slot_destroy(zero_win);
		zero_win = 0;
	}
	return err;
}

// Zeroes n pages from va with multi-register stores: eight STMs of eight
// zeroed registers per 256 bytes and one compare and branch, 10
// instructions where picolibc's memset (word stores, 12 instructions per 32
// bytes) takes 96; about 170 instructions a page instead of 1,540.
// Zeroing on demand, not ahead of it: a page zeroed ahead costs the same
// stores, only earlier, and a queue of zeroed pages to keep.
void zero_pages(uint32_t va, uint32_t n)
{
	uint32_t p = va, end = va + n * PAGE_SIZE;

	_Static_assert(PAGE_SIZE % 256 == 0, "a page is whole rounds of eight STMs");
	__asm__ volatile("mov r3, #0\n\tmov r4, #0\n\tmov r5, #0\n\tmov r6, #0\n\t"
			 "mov r8, #0\n\tmov r9, #0\n\tmov r10, #0\n\tmov r12, #0\n"
			 "1:\t.rept 8\n\t"
			 "stmia %0!, {r3-r6, r8-r10, r12}\n\t"
			 ".endr\n\t"
			 "cmp %0, %1\n\t"
			 "bne 1b"
			 : "+r"(p)
			 : "r"(end)
			 : "r3", "r4", "r5", "r6", "r8", "r9", "r10", "r12", "cc", "memory");
}

// Zeroes n <= WINDOW_SLOTS frames from pfn, all in zone z.
static int zero_chunk(struct zone *z, uint32_t pfn, uint32_t n)
{
	uint32_t off = pfn - z->base;
	int err;

	if (zero_win) {
		typeof(&zero_hint[0]) h = &zero_hint[pfn % ZERO_HINTS];

		if (h->pfn == pfn && h->n >= n && h->gen == zero_gen) { // still mapped
			zero_pages(MS_ZERO_VA + h->slot * PAGE_SIZE, n);
			return E_OK;
		}
		if (zero_next + n > WINDOW_SLOTS) {
			if ((err = window_clear(zero_win, 0, zero_next)))
				return err;
			zero_next = 0;
			zero_gen++;
		}
		err = window_map(zero_win, zero_next, z->slot, off, n, MS_PAGE_RW);
		if (err)
			return err;
		zero_pages(MS_ZERO_VA + zero_next * PAGE_SIZE, n);
		*h = (typeof(*h)){ pfn, n, zero_next, zero_gen };
		zero_next += n;
		return E_OK;
	}
	err = space_map(user_env.space, z->slot, off, MS_ZERO_VA, n, MS_PAGE_RW);
	if (err)
		return err;
	zero_pages(MS_ZERO_VA, n);
	return space_unmap(user_env.space, MS_ZERO_VA, n);
}

int frames_zero(uint32_t pfn, uint32_t n)
{
	while (n) {
		struct zone *z = zone_of(pfn);
		uint32_t k = z->base + z->npages - pfn;
		int err;

		k = k < n ? k : n;
		k = k < WINDOW_SLOTS ? k : WINDOW_SLOTS;
		if ((err = zero_chunk(z, pfn, k)))
			return err;
		pfn += k;
		n -= k;
	}
	return E_OK;
}
