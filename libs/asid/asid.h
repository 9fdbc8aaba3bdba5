// ASIDs on several CPUs: the allocator's logic, apart from the hardware so
// that host tests can run it for many simulated CPUs. The design is Linux's
// reserved-ASID scheme (arch/arm/mm/context.c) for 8-bit ASIDs, adapted to a
// kernel that allocates under its big lock and frees ASIDs of dead spaces.
//
// An ASID belongs to a generation. Within one generation a number is given
// to at most one space at a time; ASID 0 never is (the empty user half runs
// under it). When all 255 are taken, a roll-over starts a new generation:
// every number is free again, except the ones the CPUs are running with,
// which stay reserved for their spaces; every CPU must flush its whole TLB
// (locally) before it next loads an ASID, since its TLB may hold entries
// of the old generation under numbers now given to other spaces. A space
// whose generation is old gets a new ASID (or its reserved one back) when
// it next runs.
//
// A space is known here by two values the kernel keeps in it: its
// generation (ASID_GEN_NONE while it has no ASID) and its TTBR0 value,
// root table | ASID << 48. The root table tells live spaces apart, so a
// TTBR0 value names one space and its ASID.
//
// Locking: the caller serializes every call (the kernel's big lock), and
// also every write of a CPU's `active` (vspace_activate, under the same
// lock): a roll-over on one CPU reads the other CPUs' `active`, which
// cannot change meanwhile.
#pragma once

#include <stdint.h>

#define ASID_COUNT 256  // 8-bit ASIDs
#define ASID_MAX_CPUS 8 // a GICv2's CPU interfaces
#define ASID_SHIFT 48   // the ASID's place in TTBR0
#define ASID_MASK ((uint64_t)(ASID_COUNT - 1) << ASID_SHIFT)
#define ASID_GEN_NONE (~0ULL) // a space's generation while it has no ASID

struct asid_cpu {
	// The generation whose ASIDs this CPU may load: the current one once
	// it has flushed its TLB since that generation began; 0 while that
	// flush is pending (after a roll-over, and before its first ASID). A
	// space with this generation needs nothing of the allocator to run
	// here: one comparison, vspace_activate's fast path.
	uint64_t gen;
	uint64_t active;   // the TTBR0 value this CPU runs with (0: no ASID)
	uint64_t reserved; // `active` at the last roll-over (0: none)
};

struct asid_alloc {
	uint64_t gen; // the current generation, from 1
	uint32_t used[ASID_COUNT / 32];
	struct asid_cpu *cpu[ASID_MAX_CPUS]; // every CPU that has asked, in order
	unsigned ncpus;
	uint64_t rollovers; // how many generations have ended (reports, tests)
};

#define ASID_ALLOC_INIT                                                                            \
	{                                                                                          \
		.gen = 1, .used = { 1 }                                                            \
	}

// The ASID of a TTBR0 value.
static inline uint32_t asid_of(uint64_t ttbr0)
{
	return (uint32_t)(ttbr0 >> ASID_SHIFT) & (ASID_COUNT - 1);
}

// Readies CPU `c` to load the space (*gen, *ttbr0): gives the space an ASID
// of the current generation when its own is old or it has none (its
// reserved one when a CPU still runs with it), starting a new generation
// when none is free, and brings `c` to the current generation. Afterwards
// *gen == c->gen == a->gen; the caller then sets c->active = *ttbr0 and
// loads it. Returns 1 when `c` must first flush its whole TLB and branch
// predictor, locally (it was at an older generation), else 0; -1 (nothing
// changed) when `c` would be CPU ASID_MAX_CPUS + 1 to ask.
int asid_renew(struct asid_alloc *a, struct asid_cpu *c, uint64_t *gen, uint64_t *ttbr0);

// Returns the ASID of a dying space (*gen, ttbr0) to the allocator; *gen
// becomes ASID_GEN_NONE. The caller has made every CPU's TLB forget the
// ASID first, and no CPU runs with it: -1 (nothing changed) when one does.
int asid_release(struct asid_alloc *a, uint64_t *gen, uint64_t ttbr0);
