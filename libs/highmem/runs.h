// Run compression for vmap: an array of page frame numbers becomes pairs
// (first pfn, count) of consecutive frames, the form MS_VMAP and
// MS_VMAP_MORE carry. Pure code, built for the target and the host.
#pragma once

#include <stdint.h>

// Packs pages[*next..count) into at most `max` runs written to out as
// pairs out[2i] = first pfn, out[2i + 1] = count, and advances *next past
// the pages packed. A run never wraps past pfn 0xffffffff. Returns the
// number of runs written: 0 only when *next >= count or max == 0.
unsigned highmem_runs_pack(const uint32_t *pages, unsigned count, unsigned *next, uint32_t *out,
			   unsigned max);

// How many runs the whole array makes (the messages vmap will need follow).
unsigned highmem_runs_count(const uint32_t *pages, unsigned count);
