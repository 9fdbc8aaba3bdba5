// Range allocator in the manner of Linux's memblock: a sorted, merged list
// of physical ranges that exist ("memory") and of ranges taken out of them
// ("reserved"). It serves the kernel before any page allocator exists and
// stays small: its size depends on the number of ranges, never on how much
// memory they describe. Builds for the kernel and for host tests.
#pragma once

#include <stdint.h>

typedef uint64_t phys_addr_t;

#define RANGES_MAX 32

struct range {
	phys_addr_t base;
	phys_addr_t size;
};

// A set of disjoint, non-adjacent ranges sorted by base.
struct range_set {
	struct range r[RANGES_MAX];
	unsigned n;
};

struct ranges {
	struct range_set memory;
	struct range_set reserved;
};

// Errors (negative).
enum { RANGES_E_FULL = -1, RANGES_E_INVAL = -2, RANGES_E_NOMEM = -3 };

void ranges_init(struct ranges *rs);

// Adds [base, base + size) to a set, merging with neighbours and overlaps.
// A zero size is a no-op. Returns 0, RANGES_E_INVAL when base + size
// overflows 64 bits, or RANGES_E_FULL when the set would exceed RANGES_MAX.
int range_set_add(struct range_set *s, phys_addr_t base, phys_addr_t size);
// Removes [base, base + size) from a set, splitting ranges as needed.
// Returns 0, RANGES_E_INVAL or RANGES_E_FULL (a split with no room left).
int range_set_remove(struct range_set *s, phys_addr_t base, phys_addr_t size);
// Total bytes in a set.
phys_addr_t range_set_total(const struct range_set *s);

// Shorthands on the two sets.
int ranges_add_memory(struct ranges *rs, phys_addr_t base, phys_addr_t size);
int ranges_reserve(struct ranges *rs, phys_addr_t base, phys_addr_t size);
// Drops memory (and reservations) at or above `limit`.
void ranges_clip_above(struct ranges *rs, phys_addr_t limit);
// Keeps only the lowest `bytes` of memory, as Linux's mem=: memory past that
// amount (counting from the lowest range upwards) is removed.
void ranges_limit_total(struct ranges *rs, phys_addr_t bytes);

// Allocates `size` bytes aligned to `align` (a power of two) from memory
// that is not reserved, within [lo, hi), highest address first (as
// memblock does, keeping low memory for those who need it). The result is
// reserved. Returns 0 and sets *out; RANGES_E_INVAL for a zero size, an
// alignment that is not a power of two or lo >= hi; RANGES_E_NOMEM when
// nothing fits; RANGES_E_FULL when the reserved set has no room left.
int ranges_alloc(struct ranges *rs, phys_addr_t size, phys_addr_t align, phys_addr_t lo,
		 phys_addr_t hi, phys_addr_t *out);

// Iterates over free memory (memory minus reserved) below `hi`, in
// ascending order: start with *pos at the lowest address of interest; each
// call returns 1 with the first maximal free range at or above *pos (clipped
// to [*pos, hi)) and moves *pos to its end, or returns 0 when none is left.
int ranges_next_free(const struct ranges *rs, phys_addr_t *pos, phys_addr_t hi, struct range *out);
