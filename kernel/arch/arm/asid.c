// ASIDs: 8-bit tags on the TLB entries of non-global (user) pages, so a
// switch of address space needs no TLB flush. libs/asid decides (Linux's
// reserved-ASID scheme: generations, the running ASIDs kept through a
// roll-over, a local flush on each CPU before it loads an ASID of a new
// generation); this does the TLB maintenance it asks for.
//
// What protects what: the allocator (its generation, bitmap and CPU list),
// each space's asid_gen and ttbr0, and each CPU's asid.gen, asid.active
// and asid.reserved are read and written with the kernel locked only. That
// includes vspace_activate's fast path, which runs in switch_to before
// kernel_unlock: so a roll-over on one CPU, which reads every CPU's active
// TTBR0 value and marks every CPU to flush, sees each of them either before
// or after a whole switch, never halfway. The TLB entries a CPU fills while
// it runs user space unlocked are under the ASID in its TTBR0, which that
// CPU's asid.active names and a roll-over keeps reserved.
#include "memory.h"
#include "printk.h"
#include "vspace.h"

static struct asid_alloc asids = ASID_ALLOC_INIT;

void vspace_asid_renew(struct cpu *c, struct space *s)
{
	int flush;

	// Changes to s's tables while it had no ASID skipped the TLB
	// operations and their barriers: they reach the walker before s runs.
	tlb_publish();
	flush = asid_renew(&asids, &c->asid, &s->asid_gen, &s->ttbr0);
	if (flush < 0)
		panic("ASIDs: CPU %u is one more than %u", c->id, ASID_MAX_CPUS);
	// This CPU's TLB may hold entries of an old generation under the
	// ASIDs given out anew; the other CPUs flush before their next switch.
	if (flush)
		tlb_flush_all_local();
	vspace_ttbr_sync(s);
}

void vspace_free_asid(struct space *s)
{
	if (!vspace_asid_live(s))
		return;
	tlb_flush_asid(vspace_asid(s)); // on every CPU, before anyone gets it
	if (asid_release(&asids, &s->asid_gen, s->ttbr0))
		panic("ASIDs: space %u freed while a CPU runs it", s->id);
}
