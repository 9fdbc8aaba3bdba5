// ASIDs: 8-bit tags on the TLB entries of non-global (user) pages, so a
// switch of address space needs no TLB flush. ASID 0 is never given out
// (the empty user half runs under it). When all 255 are taken, a new
// generation starts: the whole TLB is flushed and every space takes a new
// ASID when it next runs (vspace_activate).
#include <string.h>

#include "memory.h"
#include "mmu.h"
#include "printk.h"
#include "vspace.h"

uint32_t asid_generation = 1;
static uint32_t asid_used[256 / 32] = { 1 }; // ASID 0 is never given out

void vspace_new_asid(struct space *s)
{
	// Changes to s's tables while it had no ASID skipped the TLB
	// operations and their barriers: they reach the walker before s runs.
	tlb_publish();
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned a = 1; a < 256; a++) {
			if (asid_used[a / 32] & (1u << (a % 32)))
				continue;
			asid_used[a / 32] |= 1u << (a % 32);
			s->ttbr0 = virt_to_phys(s->root) | (uint64_t)a << 48;
			s->asid_gen = asid_generation;
			return;
		}
		// Every ASID is taken: start a new generation. Spaces get new
		// ASIDs when they next run; the TLB forgets the old ones.
		asid_generation++;
		memset(asid_used, 0, sizeof(asid_used));
		asid_used[0] = 1;
		tlb_flush_all();
	}
	panic("no ASID after a new generation");
}

void vspace_free_asid(struct space *s)
{
	uint32_t a;

	if (!vspace_asid_live(s))
		return;
	a = vspace_asid(s);
	tlb_flush_asid(a);
	asid_used[a / 32] &= ~(1u << (a % 32));
	s->asid_gen = 0;
}
