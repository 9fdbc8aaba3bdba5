// TLB maintenance: the named operations generic code asks for, and the one
// place that knows how. Each operation makes the table writes before it
// visible to every table walker, invalidates, waits for the invalidation to
// complete and resynchronizes the instruction stream, so the caller's next
// access sees the new tables.
//
// The operations act on every CPU (TLBIMVAIS, TLBIMVAAIS, TLBIASIDIS,
// TLBIALLIS, BPIALLIS with dsb ish), in every kernel, also while one CPU
// runs: they are as many instructions as the local forms (make bench at
// SMP=1: every figure as before), where choosing by a flag set when a
// second CPU comes online costs a load and a branch each (measured:
// kernel_window_clear 337 -> 349). Only the *_local operations act on this
// CPU alone: they are for what only this CPU cached (its boot tables, its
// view of TTBCR, the ASIDs of an old generation, asid.c; its view of a
// space's thread window, vspace.c).
#pragma once

#include <stdint.h>

#include "cp15.h"

#define TLB_PAGE_MASK 0xfffu // the page offset; TLBIMVA takes the ASID there

// Before any invalidation: earlier table writes reach every walker.
static inline void tlb_begin(void)
{
	dsb_ish();
}

// After the invalidations: they are complete on every CPU, and this CPU's
// instruction stream sees them.
static inline void tlb_end(void)
{
	dsb_ish();
	isb();
}

// After table writes that need no invalidation (an empty entry filled, a
// new table's contents before the entry that links it in): they reach
// every CPU's walker. TLBs hold no faulting translations.
static inline void tlb_publish(void)
{
	dsb_ish();
}

// Forgets the page at `va` cached for `asid`, on every CPU.
static inline void tlb_flush_page_asid(uint32_t va, uint32_t asid)
{
	tlb_begin();
	tlbimvais((va & ~TLB_PAGE_MASK) | asid);
	tlb_end();
}

// Forgets `n` pages from page-aligned `va` cached for `asid`, on every CPU.
static inline void tlb_flush_pages_asid(uint32_t va, uint32_t n, uint32_t asid)
{
	tlb_begin();
	for (uint32_t i = 0; i < n; i++)
		tlbimvais((va + (i << 12)) | asid);
	tlb_end();
}

// Forgets `n` pages from page-aligned `va` under every ASID, on every CPU.
static inline void tlb_flush_pages(uint32_t va, uint32_t n)
{
	tlb_begin();
	for (uint32_t i = 0; i < n; i++)
		tlbimvaais(va + (i << 12));
	tlb_end();
}

// Forgets every entry cached for `asid`, on every CPU.
static inline void tlb_flush_asid(uint32_t asid)
{
	tlb_begin();
	tlbiasidis(asid);
	tlb_end();
}

// Forgets every non-locked entry, global ones too, and the branch
// predictors' view of the old mappings, on every CPU.
static inline void tlb_flush_all(void)
{
	tlb_begin();
	tlbiallis(0);
	bpiallis(0);
	tlb_end();
}

// tlb_flush_asid on this CPU only.
static inline void tlb_flush_asid_local(uint32_t asid)
{
	tlb_begin();
	tlbiasid(asid);
	tlb_end();
}

// tlb_flush_all on this CPU only.
static inline void tlb_flush_all_local(void)
{
	tlb_begin();
	tlbiall(0);
	bpiall(0);
	tlb_end();
}
