// TLB maintenance: the named operations generic code asks for, and the one
// place that knows how. Each operation makes the table writes before it
// visible to the table walker, invalidates, waits for the invalidation to
// complete and resynchronizes the instruction stream, so the caller's next
// access sees the new tables. All of them act on this CPU only. On SMP the
// same names become the broadcast forms, here and nowhere else: TLBIMVAIS,
// TLBIMVAAIS, TLBIASIDIS, TLBIALLIS and BPIALLIS (CRn c8/c7, CRm c3/c1) with
// inner-shareable barriers (dsb ish).
#pragma once

#include <stdint.h>

#include "cp15.h"

#define TLB_PAGE_MASK 0xfffu // the page offset; TLBIMVA takes the ASID there

// Before any invalidation: earlier table writes reach the walker.
static inline void tlb_begin(void)
{
	dsb();
}

// After the invalidations: they are complete, and the instruction stream
// sees them.
static inline void tlb_end(void)
{
	dsb();
	isb();
}

// Forgets the page at `va` cached for `asid`.
static inline void tlb_flush_page_asid(uint32_t va, uint32_t asid)
{
	tlb_begin();
	tlbimva((va & ~TLB_PAGE_MASK) | asid);
	tlb_end();
}

// Forgets `n` pages from page-aligned `va` cached for `asid`.
static inline void tlb_flush_pages_asid(uint32_t va, uint32_t n, uint32_t asid)
{
	tlb_begin();
	for (uint32_t i = 0; i < n; i++)
		tlbimva((va + (i << 12)) | asid);
	tlb_end();
}

// Forgets `n` pages from page-aligned `va` under every ASID.
static inline void tlb_flush_pages(uint32_t va, uint32_t n)
{
	tlb_begin();
	for (uint32_t i = 0; i < n; i++)
		tlbimvaa(va + (i << 12));
	tlb_end();
}

// Forgets every entry cached for `asid`.
static inline void tlb_flush_asid(uint32_t asid)
{
	tlb_begin();
	tlbiasid(asid);
	tlb_end();
}

// Forgets every non-locked entry, global ones too, and the branch
// predictor's view of the old mappings.
static inline void tlb_flush_all(void)
{
	tlb_begin();
	tlbiall(0);
	bpiall(0);
	tlb_end();
}
